"""The files a simulation writes: ``summary.json``, CSV series, PNG plots, one HTML report.

Everything written is a function of the results alone (no wall clock, no host name),
so two runs of the same seeds write the same ``summary.json`` and CSV files byte for
byte, whichever executor ran them.  The HTML report is one file: its plots are inlined
as ``data:`` URIs and its style is inline, so it can be mailed or archived as is.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from s3repl.simulate._ensemble import EnsembleResult
from s3repl.simulate._plots import PLOTS, draw_plots
from s3repl.simulate._results import LagStats, RunResult
from s3repl.simulate._spec import Scenario

__all__ = ["summary", "write_report"]


def _lag(stats: LagStats) -> dict[str, float]:
    return {
        "count": stats.count,
        "p50": stats.p50_seconds,
        "p99": stats.p99_seconds,
        "max": stats.max_seconds,
        "mean": stats.mean_seconds,
    }


def _run(result: RunResult) -> dict[str, Any]:
    return {
        "seed": result.seed,
        "puts": result.puts,
        "deletes": result.deletes,
        "tag_changes": result.tag_changes,
        "operation_errors": dict(result.operation_errors),
        "replicated": result.replicated,
        "failed": result.failed,
        "failed_by_reason": dict(result.failed_by_reason),
        "retried": result.retried,
        "lag_seconds": _lag(result.lag),
        "rtc_misses": result.rtc_misses,
        "missed_threshold_events": result.missed_threshold_events,
        "peak_backlog": {
            "operations": result.peak_operations_pending,
            "bytes": result.peak_bytes_pending,
            "at_seconds": result.peak_at_seconds,
        },
        "pending_at_end": result.pending_at_end,
        "versions_at_risk": [
            {
                "fault": impact.name,
                "kind": impact.kind,
                "at_seconds": impact.at_seconds,
                "operations_pending": impact.operations_pending,
                "bytes_pending": impact.bytes_pending,
                "oldest_pending_seconds": impact.oldest_pending_seconds,
            }
            for impact in result.faults
        ],
    }


def summary(result: EnsembleResult, scenario: Scenario) -> dict[str, Any]:
    """The content of ``summary.json``: the scenario, the aggregate, and every run."""
    return {
        "scenario": {
            "name": scenario.name,
            "description": scenario.description,
            "duration_seconds": scenario.duration_seconds,
            "drain_seconds": scenario.measure.drain_seconds,
            "resolution_seconds": scenario.measure.resolution_seconds,
            "rtc_threshold_seconds": scenario.measure.rtc_threshold_seconds,
            "world": scenario.world_source,
            "latency": None if scenario.latency is None else attrs.asdict(scenario.latency),
            "streams": [stream.name for stream in scenario.streams],
            "faults": [
                {
                    "name": fault.name,
                    "kind": fault.kind,
                    "start_seconds": fault.start_seconds,
                    "end_seconds": fault.end_seconds,
                }
                for fault in scenario.faults
            ],
        },
        "seeds": list(result.seeds),
        "aggregate": result.aggregate(),
        "runs": [_run(run) for run in result.runs],
    }


def _csv(header: tuple[str, ...], rows: Any) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f3f3; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0; }
.note { color: #666; font-size: 0.85em; }
"""


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(header: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_fmt(cell))}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _spread_rows(aggregate: Mapping[str, Any]) -> list[list[object]]:
    rows: list[list[object]] = []
    for label, key in (
        ("lag p99 (s)", "lag_p99_seconds_by_seed"),
        ("lag max (s)", "lag_max_seconds_by_seed"),
        ("RTC misses", "rtc_misses_by_seed"),
        ("failed operations", "failed_by_seed"),
        ("peak backlog (operations)", "peak_operations_pending_by_seed"),
        ("peak backlog (bytes)", "peak_bytes_pending_by_seed"),
    ):
        spread = aggregate[key]
        rows.append([label, spread["min"], spread["median"], spread["mean"], spread["max"]])
    for name, spread in aggregate["versions_at_risk_by_fault"].items():
        rows.append(
            [
                f"at risk when {name} began (operations)",
                spread["min"],
                spread["median"],
                spread["mean"],
                spread["max"],
            ]
        )
    return rows


def _latency_text(scenario: Scenario) -> str:
    if scenario.latency is None:
        return "none (tasks due at once)"
    defaults = attrs.asdict(type(scenario.latency)())
    changed = {
        name: value
        for name, value in attrs.asdict(scenario.latency).items()
        if value != defaults[name]
    }
    return f"defaults, and {changed}" if changed else "defaults"


def _html(result: EnsembleResult, scenario: Scenario, images: Mapping[str, bytes]) -> str:
    data = summary(result, scenario)
    aggregate = data["aggregate"]
    lag = aggregate["lag_seconds"]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>s3repl simulate: {html.escape(scenario.name)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Simulation report: {html.escape(scenario.name)}</h1>",
        f"<p>{html.escape(scenario.description)}</p>",
        "<p class='note'>"
        + html.escape(
            f"{len(result.runs)} seed(s) {', '.join(map(str, result.seeds[:16]))}"
            f"{' ...' if len(result.runs) > 16 else ''}; simulated "
            f"{scenario.duration_seconds:g} s of workload + {scenario.measure.drain_seconds:g} s "
            f"of drain; world: {scenario.world_source}; latency model: "
            f"{_latency_text(scenario)}"
        )
        + "</p>",
        "<h2>All seeds together</h2>",
        _table(
            ["measure", "value"],
            [
                ["replications measured", lag["count"]],
                ["lag p50 (s)", lag["p50"]],
                ["lag p99 (s)", lag["p99"]],
                ["lag max (s)", lag["max"]],
                ["RTC misses (all seeds)", aggregate["rtc_misses"]],
                *[
                    [f"failed: {reason}", number]
                    for reason, number in aggregate["failed_by_reason"].items()
                ],
            ],
        ),
        "<h2>Spread across seeds</h2>",
        _table(["measure", "min", "median", "mean", "max"], _spread_rows(aggregate)),
    ]
    for name, title in PLOTS.items():
        if name in images:
            encoded = base64.b64encode(images[name]).decode("ascii")
            parts.append(f"<h2>{html.escape(title)}</h2>")
            parts.append(f"<img alt='{html.escape(title)}' src='data:image/png;base64,{encoded}'>")
    if not images:
        parts.append(
            "<p class='note'>No plots: matplotlib is not installed "
            "(pip install 's3repl[simulate]').</p>"
        )
    parts.append("<h2>Runs</h2>")
    parts.append(
        _table(
            [
                "seed",
                "puts",
                "replicated",
                "failed",
                "lag p50 (s)",
                "lag p99 (s)",
                "lag max (s)",
                "RTC misses",
                "peak backlog",
                "pending at end",
            ],
            [
                [
                    run.seed,
                    run.puts,
                    run.replicated,
                    run.failed,
                    run.lag.p50_seconds,
                    run.lag.p99_seconds,
                    run.lag.max_seconds,
                    run.rtc_misses,
                    run.peak_operations_pending,
                    run.pending_at_end,
                ]
                for run in result.runs
            ],
        )
    )
    parts.append(
        "<p class='note'>Lag: from the source write to the replica, on the simulated clock; "
        "percentiles to within 2 %. Backlog: replication operations pending, sampled every "
        f"{scenario.measure.resolution_seconds:g} s. Written by s3repl simulate.</p>"
    )
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_report(
    result: EnsembleResult, scenario: Scenario, out: str | Path, *, plots: bool = True
) -> list[Path]:
    """Write ``summary.json``, the CSV files, the plots and ``report.html`` into ``out``.

    Args:
        result: the ensemble's results.
        scenario: the scenario they came from.
        out: the directory (created if missing).
        plots: draw the PNG plots (needs matplotlib, extra ``s3repl[simulate]``).

    Returns:
        the files written, in order.

    Raises:
        PlotsUnavailableError: ``plots`` is true and matplotlib is not installed.
        OSError: the directory cannot be written.
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def write(name: str, content: str | bytes) -> None:
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        written.append(path)

    write("summary.json", json.dumps(summary(result, scenario), indent=2) + "\n")
    for run in result.runs:
        write(f"series-seed-{run.seed}.csv", _csv(run.series.columns, run.series.rows))
    cdf_rows: list[list[object]] = [
        [run.seed, lag, fraction] for run in result.runs for lag, fraction in run.lag.cdf()
    ]
    cdf_rows += [["all", lag, fraction] for lag, fraction in result.lag.cdf()]
    write("lag-cdf.csv", _csv(("seed", "lag_seconds", "fraction"), cdf_rows))
    images = draw_plots(result, scenario) if plots else {}
    for name, image in images.items():
        write(name, image)
    write("report.html", _html(result, scenario, images))
    return written
