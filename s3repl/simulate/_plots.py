"""PNG plots of an ensemble: backlog and lag over time, and the lag CDF across seeds.

Drawn with matplotlib's object API on the Agg canvas (``Figure`` + ``FigureCanvasAgg``):
no ``pyplot``, so no global figure state, no display and no backend switch in the
caller's process.  matplotlib is the optional extra ``s3repl[simulate]``; it is
imported only when a plot is drawn.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from s3repl.simulate._ensemble import EnsembleResult
from s3repl.simulate._spec import Scenario

__all__ = ["PLOTS", "PlotsUnavailableError", "draw_plots"]

#: The plots, by file name, with their titles.
PLOTS = {
    "backlog.png": "Replication backlog over time",
    "lag.png": "Replication lag over time",
    "lag-cdf.png": "Replication lag CDF across seeds",
}

_SEEDS_DRAWN_MAX = 64  # more lines than this would only paint the plot solid


class PlotsUnavailableError(ImportError):
    """matplotlib is not installed (``pip install 's3repl[simulate]'``)."""


def _matplotlib() -> tuple[Any, Any]:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as err:  # pragma: no cover - the dev extra installs matplotlib
        msg = "plots need matplotlib: pip install 's3repl[simulate]'"
        raise PlotsUnavailableError(msg) from err
    return Figure, FigureCanvasAgg


def _shade_faults(axes: Any, scenario: Scenario) -> None:
    for fault in scenario.faults:
        end = scenario.end_seconds if fault.end_seconds is None else fault.end_seconds
        axes.axvspan(fault.start_seconds / 60, end / 60, color="tab:red", alpha=0.12, linewidth=0)
        axes.text(
            fault.start_seconds / 60,
            1.0,
            f" {fault.kind}",
            transform=axes.get_xaxis_transform(),
            va="top",
            fontsize=8,
            color="tab:red",
        )


def _png(figure: Any, canvas_class: Any) -> bytes:
    canvas_class(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def _over_time(
    result: EnsembleResult,
    scenario: Scenario,
    columns: Sequence[tuple[str, str, str]],
    ylabel: str,
    title: str,
) -> bytes:
    """One line per seed for each ``(column, label, colour)``; fault windows shaded."""
    figure_class, canvas_class = _matplotlib()
    figure = figure_class(figsize=(9, 4), layout="constrained")
    axes = figure.add_subplot()
    runs = result.runs[:_SEEDS_DRAWN_MAX]
    alpha = 1.0 if len(runs) == 1 else max(0.15, 1.5 / len(runs))
    for column, label, colour in columns:
        for index, run in enumerate(runs):
            minutes = [t / 60 for t in run.series.column("time_seconds")]
            axes.plot(
                minutes,
                run.series.column(column),
                linewidth=1.0,
                alpha=alpha,
                color=colour,
                label=label if index == 0 else None,
            )
    _shade_faults(axes, scenario)
    axes.set_xlabel("simulated time (minutes)")
    axes.set_ylabel(ylabel)
    axes.set_title(f"{title} ({len(runs)} seed{'s' if len(runs) != 1 else ''})")
    axes.grid(visible=True, alpha=0.3)
    if len(columns) > 1:
        axes.legend(loc="upper left")
    return _png(figure, canvas_class)


def _cdf(result: EnsembleResult, scenario: Scenario) -> bytes:
    figure_class, canvas_class = _matplotlib()
    figure = figure_class(figsize=(9, 4), layout="constrained")
    axes = figure.add_subplot()
    runs = result.runs[:_SEEDS_DRAWN_MAX]
    for run in runs:
        points = run.lag.cdf()
        if points:
            xs, ys = _steps(points)
            axes.plot(xs, ys, linewidth=0.8, alpha=0.35, color="tab:blue")
    merged = result.lag.cdf()
    if merged:
        xs, ys = _steps(merged)
        axes.plot(xs, ys, linewidth=2.0, color="black", label="all seeds")
    threshold = scenario.measure.rtc_threshold_seconds
    axes.axvline(threshold, color="tab:red", linestyle="--", linewidth=1.0)
    axes.text(threshold, 0.5, " RTC threshold", color="tab:red", fontsize=8)
    axes.set_xscale("log")
    axes.set_ylim(0, 1.01)
    axes.set_xlabel("replication lag (seconds, log scale)")
    axes.set_ylabel("fraction of replications")
    axes.set_title(f"Replication lag CDF ({len(runs)} seed{'s' if len(runs) != 1 else ''})")
    axes.grid(visible=True, which="both", alpha=0.3)
    if merged:
        axes.legend(loc="center right")
    return _png(figure, canvas_class)


def _steps(points: Sequence[tuple[float, float]]) -> tuple[list[float], list[float]]:
    xs = [max(x, 1e-6) for x, _ in points]
    ys = [y for _, y in points]
    return xs, ys


def draw_plots(result: EnsembleResult, scenario: Scenario) -> dict[str, bytes]:
    """Every plot of :data:`PLOTS`, as PNG bytes by file name.

    Raises:
        PlotsUnavailableError: matplotlib is not installed.
    """
    return {
        "backlog.png": _over_time(
            result,
            scenario,
            [("operations_pending", "operations pending", "tab:blue")],
            "operations pending",
            "Replication backlog",
        ),
        "lag.png": _over_time(
            result,
            scenario,
            [
                ("lag_max_seconds", "largest lag of the replications completed", "tab:blue"),
                ("oldest_pending_seconds", "age of the oldest pending operation", "tab:orange"),
            ],
            "seconds",
            "Replication lag",
        ),
        "lag-cdf.png": _cdf(result, scenario),
    }
