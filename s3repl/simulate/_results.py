"""What a run measures: frozen values, and the lag histogram they are built from.

Why a histogram and not every lag: a run of a million puts would otherwise hold a
million numbers and ship them back from every worker of an ensemble.  Lags are counted
in logarithmic bins 2 % wide (about 1,300 bins cover a microsecond to a day), so
memory stays flat, histograms of many seeds merge by adding counts, and percentiles
are exact to within 2 % (the maximum is exact).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import attrs

__all__ = [
    "SERIES_COLUMNS",
    "FaultImpact",
    "LagHistogram",
    "LagStats",
    "RunResult",
    "Series",
]

_RATIO = 1.02
_LOG_RATIO = math.log(_RATIO)


def bin_of(lag_us: int) -> int:
    """The histogram bin of a lag in microseconds (bin 0 holds lags under 1 µs)."""
    return int(math.log(lag_us) / _LOG_RATIO) + 1 if lag_us >= 1 else 0


def bin_upper_seconds(index: int) -> float:
    """The upper edge of a bin, in seconds."""
    return 0.0 if index == 0 else _RATIO**index / 1_000_000


class LagHistogram:
    """Replication lags counted in 2 % logarithmic bins (mutable; a run's working state)."""

    __slots__ = ("count", "counts", "max_us", "total_us")

    def __init__(self) -> None:
        """Count nothing yet."""
        self.counts: dict[int, int] = {}
        self.count = 0
        self.max_us = 0
        self.total_us = 0

    def add(self, lag_us: int) -> None:
        """Count one lag."""
        index = int(math.log(lag_us) / _LOG_RATIO) + 1 if lag_us >= 1 else 0
        counts = self.counts
        counts[index] = counts.get(index, 0) + 1
        self.count += 1
        self.total_us += lag_us
        if lag_us > self.max_us:
            self.max_us = lag_us

    def stats(self) -> LagStats:
        """The frozen summary of what was counted."""
        return LagStats.from_bins(
            tuple(sorted(self.counts.items())),
            count=self.count,
            max_seconds=self.max_us / 1_000_000,
            total_seconds=self.total_us / 1_000_000,
        )


@attrs.frozen(kw_only=True)
class LagStats:
    """Replication lag (source write to replica written) over many replications.

    Attributes:
        count: replications measured.
        p50_seconds: the median lag (to within 2 %).
        p99_seconds: the 99th percentile (to within 2 %).
        max_seconds: the largest lag (exact).
        mean_seconds: the mean lag (exact).
        bins: the histogram, ``(bin, count)`` pairs in bin order (see ``bin_of``).
    """

    count: int = 0
    p50_seconds: float = 0.0
    p99_seconds: float = 0.0
    max_seconds: float = 0.0
    mean_seconds: float = 0.0
    bins: tuple[tuple[int, int], ...] = ()

    @classmethod
    def from_bins(
        cls,
        bins: tuple[tuple[int, int], ...],
        *,
        count: int,
        max_seconds: float,
        total_seconds: float,
    ) -> LagStats:
        """Summarise a histogram: percentiles are bin upper edges, capped at the maximum."""
        if not count:
            return cls()

        def percentile(fraction: float) -> float:
            wanted, seen = math.ceil(fraction * count), 0
            for index, number in bins:
                seen += number
                if seen >= wanted:
                    return min(bin_upper_seconds(index), max_seconds)
            return max_seconds  # pragma: no cover - the counts add up to count

        return cls(
            count=count,
            p50_seconds=percentile(0.50),
            p99_seconds=percentile(0.99),
            max_seconds=max_seconds,
            mean_seconds=total_seconds / count,
            bins=bins,
        )

    @classmethod
    def merge(cls, many: Iterable[LagStats]) -> LagStats:
        """The lag of several runs taken together (their histograms added)."""
        counts: dict[int, int] = {}
        count, high, total = 0, 0.0, 0.0
        for stats in many:
            for index, number in stats.bins:
                counts[index] = counts.get(index, 0) + number
            count += stats.count
            high = max(high, stats.max_seconds)
            total += stats.mean_seconds * stats.count
        return cls.from_bins(
            tuple(sorted(counts.items())), count=count, max_seconds=high, total_seconds=total
        )

    def cdf(self) -> tuple[tuple[float, float], ...]:
        """``(lag seconds, fraction of replications at or under it)`` at each bin edge."""
        points, seen = [], 0
        for index, number in self.bins:
            seen += number
            points.append((min(bin_upper_seconds(index), self.max_seconds), seen / self.count))
        return tuple(points)


@attrs.frozen(kw_only=True)
class FaultImpact:
    """What was at risk when a fault began: the replication backlog at that moment.

    Attributes:
        name: the fault's place in the scenario, for example ``faults[0]``.
        kind: the fault kind.
        at_seconds: when it began.
        operations_pending: replication operations not yet applied (versions whose
            replica does not exist yet, delete markers and tag changes included).
        bytes_pending: bytes of object versions not yet replicated.
        oldest_pending_seconds: how long the oldest of them had waited.
    """

    name: str
    kind: str
    at_seconds: float
    operations_pending: int
    bytes_pending: int
    oldest_pending_seconds: float


#: The columns of a run's time series, in order (one row per interval).
SERIES_COLUMNS = (
    "time_seconds",
    "puts",
    "deletes",
    "tag_changes",
    "operation_errors",
    "replicated",
    "failed",
    "retried",
    "operations_pending",
    "bytes_pending",
    "oldest_pending_seconds",
    "lag_max_seconds",
    "lag_mean_seconds",
)


@attrs.frozen(kw_only=True)
class Series:
    """A run's time series: one row per interval of ``measure.resolution``.

    Counts are per interval; ``operations_pending``, ``bytes_pending`` and
    ``oldest_pending_seconds`` are sampled at the interval's end (``time_seconds``);
    ``lag_*`` cover the replications completed within the interval.
    """

    columns: tuple[str, ...] = SERIES_COLUMNS
    rows: tuple[tuple[float, ...], ...] = ()

    def column(self, name: str) -> tuple[float, ...]:
        """One column, by name."""
        at = self.columns.index(name)
        return tuple(row[at] for row in self.rows)


def _pairs(value: Mapping[str, int] | Iterable[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted(items))


@attrs.frozen(kw_only=True)
class RunResult:
    """Everything one seeded run measured.  Equal seeds give equal results.

    Attributes:
        scenario: the scenario's name.
        seed: the run's seed.
        simulated_seconds: simulated time covered (duration plus drain).
        puts: ``PutObject`` calls made.
        deletes: ``DeleteObject`` calls made.
        tag_changes: ``PutObjectTagging`` calls made.
        operation_errors: workload calls S3 refused, by error code.
        replicated: replication operations completed.
        failed_by_reason: replication operations failed, by failure reason
            (``OperationsFailedReplication``, R-131).
        retried: applications that met a transient problem and were queued again.
        lag: replication lag of the completed operations.
        rtc_misses: completed RTC operations slower than the threshold, plus RTC
            operations still pending past it at the end (R-129).
        missed_threshold_events: ``OperationMissedThreshold`` events the engine emitted.
        peak_operations_pending: the largest sampled backlog, in operations.
        peak_bytes_pending: the largest sampled backlog, in bytes.
        peak_at_seconds: when the largest backlog (in operations) was sampled.
        pending_at_end: operations still pending when the run stopped.
        faults: what was at risk when each fault began.
        series: the time series.
    """

    scenario: str
    seed: int
    simulated_seconds: float
    puts: int = 0
    deletes: int = 0
    tag_changes: int = 0
    operation_errors: tuple[tuple[str, int], ...] = attrs.field(default=(), converter=_pairs)
    replicated: int = 0
    failed_by_reason: tuple[tuple[str, int], ...] = attrs.field(default=(), converter=_pairs)
    retried: int = 0
    lag: LagStats = attrs.field(factory=LagStats)
    rtc_misses: int = 0
    missed_threshold_events: int = 0
    peak_operations_pending: int = 0
    peak_bytes_pending: int = 0
    peak_at_seconds: float = 0.0
    pending_at_end: int = 0
    faults: tuple[FaultImpact, ...] = ()
    series: Series = attrs.field(factory=Series)

    @property
    def failed(self) -> int:
        """Replication operations failed, every reason together."""
        return sum(number for _, number in self.failed_by_reason)
