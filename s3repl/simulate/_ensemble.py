"""Many seeds of one scenario, on any ``concurrent.futures.Executor``, and their aggregate.

Why any executor: the same call runs seeds in this process (``executor=None``), on a
``ProcessPoolExecutor``, or on a Dask cluster through ``Client.get_executor()``; each
seed's run is a pure function of (scenario, seed), so where it runs cannot change its
numbers, and the results are put back in the order of the seeds given, whatever order
they finish in.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor, Future, as_completed

import attrs

from s3repl.simulate._results import LagStats, RunResult
from s3repl.simulate._run import run
from s3repl.simulate._spec import Scenario

__all__ = ["EnsembleResult", "ensemble"]

#: ``progress(runs done, runs in all)``, called as runs finish.
EnsembleProgress = Callable[[int, int], None]


def _spread(values: Iterable[float]) -> dict[str, float]:
    numbers = sorted(values)
    if not numbers:
        return {"min": 0.0, "median": 0.0, "mean": 0.0, "max": 0.0}
    return {
        "min": numbers[0],
        "median": statistics.median(numbers),
        "mean": statistics.fmean(numbers),
        "max": numbers[-1],
    }


@attrs.frozen(kw_only=True)
class EnsembleResult:
    """The runs of many seeds, in the order of the seeds given, and their aggregate.

    Attributes:
        scenario: the scenario's name.
        runs: one result per seed.
    """

    scenario: str
    runs: tuple[RunResult, ...]

    @property
    def seeds(self) -> tuple[int, ...]:
        """The seeds, in order."""
        return tuple(result.seed for result in self.runs)

    @property
    def lag(self) -> LagStats:
        """The lag of every replication of every run, taken together."""
        return LagStats.merge(result.lag for result in self.runs)

    @property
    def failed_by_reason(self) -> Mapping[str, int]:
        """Failed replication operations of every run, by reason."""
        total: dict[str, int] = {}
        for result in self.runs:
            for reason, number in result.failed_by_reason:
                total[reason] = total.get(reason, 0) + number
        return dict(sorted(total.items()))

    def aggregate(self) -> dict[str, object]:
        """The ensemble's figures: totals, and the spread of each run's figure over seeds."""
        runs = self.runs
        lag = self.lag
        faults: dict[str, list[int]] = {}
        for result in runs:
            for impact in result.faults:
                faults.setdefault(impact.name, []).append(impact.operations_pending)
        return {
            "runs": len(runs),
            "lag_seconds": {
                "count": lag.count,
                "p50": lag.p50_seconds,
                "p99": lag.p99_seconds,
                "max": lag.max_seconds,
                "mean": lag.mean_seconds,
            },
            "lag_p99_seconds_by_seed": _spread(r.lag.p99_seconds for r in runs),
            "lag_max_seconds_by_seed": _spread(r.lag.max_seconds for r in runs),
            "rtc_misses": sum(r.rtc_misses for r in runs),
            "rtc_misses_by_seed": _spread(r.rtc_misses for r in runs),
            "failed_by_reason": self.failed_by_reason,
            "failed_by_seed": _spread(r.failed for r in runs),
            "peak_operations_pending_by_seed": _spread(r.peak_operations_pending for r in runs),
            "peak_bytes_pending_by_seed": _spread(r.peak_bytes_pending for r in runs),
            "versions_at_risk_by_fault": {
                name: _spread(values) for name, values in sorted(faults.items())
            },
        }


def ensemble(
    scenario: Scenario,
    seeds: Iterable[int],
    *,
    executor: Executor | None = None,
    progress: EnsembleProgress | None = None,
) -> EnsembleResult:
    """Run a scenario once per seed and gather the results.

    Args:
        scenario: the scenario (it travels to the workers: it holds its world).
        seeds: the seeds, one run each; the results keep their order.
        executor: where the runs go: ``None`` runs them one after another in this
            process; any :class:`concurrent.futures.Executor` otherwise, for example a
            ``ProcessPoolExecutor`` or a Dask ``Client.get_executor()``.
        progress: called with (runs done, runs in all) as runs finish.

    Returns:
        the results, equal seed by seed whichever executor ran them.

    Raises:
        ScenarioError: a run was refused (the first failure, in completion order).
    """
    order = list(seeds)
    if len(set(order)) != len(order):
        msg = "seeds must be distinct"
        raise ValueError(msg)
    results: dict[int, RunResult] = {}
    if executor is None:
        for seed in order:
            results[seed] = run(scenario, seed)
            if progress is not None:
                progress(len(results), len(order))
    else:
        futures: dict[Future[RunResult], int] = {
            executor.submit(run, scenario, seed): seed for seed in order
        }
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if progress is not None:
                progress(len(results), len(order))
    return EnsembleResult(scenario=scenario.name, runs=tuple(results[seed] for seed in order))
