"""Replication metrics as time series on simulated time (R-131; issue 12).

Theory of operation.  The recorder keeps, per (source bucket, rule id, destination
bucket), the current pending operations and bytes, and one row per period of the
chosen resolution in which something changed: the period's maximum and last pending
operations and bytes, the maximum replication latency of the operations replicated in
it, and the sum of failed operations.  Periods come in order (the clock never goes
back), so a row is appended or the last one updated: O(1) per event, and memory grows
with the number of periods, never with the number of events.

Reading fills the gaps: a pending gauge keeps its last value through periods without
changes, a failure count is 0 there, and a period without replications has no latency
point (CloudWatch reports no datapoint without samples).  A coarser resolution, a
multiple of the recorded one, aggregates rows (maximum, last, sum) on reading.

Latency percentiles: each series also counts its replication latencies in a
histogram of buckets 1 % wide (bucket ``b`` holds latencies within a factor 1.01 of
``1.01 ** b`` ms), and keeps the exact maximum, so a percentile over a whole run costs
a few thousand counters at most, however many operations ran; its error is under 1 %.

The names, units and statistics are CloudWatch's (``AWS/S3`` replication metrics):
``ReplicationLatency`` (Seconds, Maximum), ``BytesPendingReplication`` (Bytes,
Maximum), ``OperationsPendingReplication`` (Count, Maximum),
``OperationsFailedReplication`` (Count, Sum).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator

import attrs

from s3repl.engine.results import MetricPoint, MetricSeries
from s3repl.model import FrozenMap

__all__ = ["METRICS", "MetricRecorder", "RecorderState"]

#: Each metric's (unit, statistic), by CloudWatch name (R-131).
METRICS = FrozenMap(
    {
        "ReplicationLatency": ("Seconds", "Maximum"),
        "BytesPendingReplication": ("Bytes", "Maximum"),
        "OperationsPendingReplication": ("Count", "Maximum"),
        "OperationsFailedReplication": ("Count", "Sum"),
    }
)

_Key = tuple[str, str, str]  # (source bucket, rule id, destination bucket)
# A row: [period, max ops, last ops, max bytes, last bytes, max latency us (-1: none),
# failed operations]; mutable while its period is the current one.
_PERIOD, _MAX_OPS, _OPS, _MAX_BYTES, _BYTES, _LATENCY, _FAILED = range(7)
_NO_LATENCY = -1
_MAX_BUCKET = -1  # the histogram's entry holding the exact maximum
_GROWTH = math.log(1.01)  # histogram buckets are 1 % wide


def _bucket(latency_us: int) -> int:
    """The histogram bucket of a latency: 0 below a millisecond."""
    if latency_us < 1_000:
        return 0
    return 1 + int(math.log(latency_us / 1_000) / _GROWTH)


def _bucket_value(bucket: int) -> int:
    """A latency (microseconds) standing for its bucket: the bucket's geometric middle."""
    if bucket == 0:
        return 500
    return round(1_000 * math.exp((bucket - 0.5) * _GROWTH))


@attrs.frozen(kw_only=True)
class RecorderState:
    """A recorder's whole state, frozen for a snapshot (see :class:`MetricRecorder`).

    Attributes:
        resolution_us: the recorded period, in microseconds.
        start_period: the period recording started in.
        rows: per series key, its rows (see the module header).
        opened: per pending task's sequence, (series key, created at, bytes).
        latencies: per series key, its latency histogram as (bucket, count) pairs and
            the exact maximum (microseconds) first, as ``(-1, max)``.
    """

    resolution_us: int
    start_period: int
    rows: FrozenMap[_Key, tuple[tuple[int, ...], ...]] = attrs.field(factory=FrozenMap)
    opened: FrozenMap[int, tuple[_Key, int, int]] = attrs.field(factory=FrozenMap)
    latencies: FrozenMap[_Key, tuple[tuple[int, int], ...]] = attrs.field(factory=FrozenMap)


class MetricRecorder:
    """The engine's opt-in recorder of replication metrics per period (R-131)."""

    __slots__ = ("_histograms", "_opened", "_rows", "resolution_us", "start_period")

    def __init__(self, *, resolution_us: int, now_us: int) -> None:
        """Record from the period of ``now_us`` at ``resolution_us`` per period."""
        if resolution_us <= 0:
            msg = f"resolution_seconds must be > 0, got {resolution_us / 1e6}"
            raise ValueError(msg)
        self.resolution_us = resolution_us
        self.start_period = now_us // resolution_us
        self._rows: dict[_Key, list[list[int]]] = {}
        self._opened: dict[int, tuple[_Key, int, int]] = {}
        # Per key: bucket -> count, and the exact maximum under _MAX_BUCKET.
        self._histograms: dict[_Key, dict[int, int]] = {}

    def freeze(self) -> RecorderState:
        """The whole state, frozen."""
        return RecorderState(
            resolution_us=self.resolution_us,
            start_period=self.start_period,
            rows=FrozenMap({key: tuple(map(tuple, rows)) for key, rows in self._rows.items()}),
            opened=FrozenMap(self._opened),
            latencies=FrozenMap(
                {key: tuple(counts.items()) for key, counts in self._histograms.items()}
            ),
        )

    @classmethod
    def thaw(cls, state: RecorderState) -> MetricRecorder:
        """A recorder continuing from ``state``."""
        recorder = cls(resolution_us=state.resolution_us, now_us=0)
        recorder.start_period = state.start_period
        recorder._rows = {key: [list(row) for row in rows] for key, rows in state.rows.items()}
        recorder._opened = state.opened.to_dict()
        recorder._histograms = {key: dict(pairs) for key, pairs in state.latencies.items()}
        return recorder

    def _row(self, key: _Key, now_us: int) -> list[int]:
        """The row of the current period, appended (carrying the gauges) if new."""
        period = now_us // self.resolution_us
        rows = self._rows.get(key)
        if rows is None:
            rows = self._rows[key] = []
        elif rows[-1][_PERIOD] >= period:
            return rows[-1]
        ops, size = (rows[-1][_OPS], rows[-1][_BYTES]) if rows else (0, 0)
        row = [period, ops, ops, size, size, _NO_LATENCY, 0]
        rows.append(row)
        return row

    def open(self, key: _Key, sequence: int, size: int, now_us: int) -> None:
        """A task of ``size`` bytes became pending."""
        self._opened[sequence] = (key, now_us, size)
        row = self._row(key, now_us)
        row[_OPS] += 1
        row[_MAX_OPS] = max(row[_MAX_OPS], row[_OPS])
        row[_BYTES] += size
        row[_MAX_BYTES] = max(row[_MAX_BYTES], row[_BYTES])

    def close(self, sequence: int, now_us: int, *, replicated: bool, failed: int) -> None:
        """A task left the queue: replicated (its latency counts) or not."""
        opened = self._opened.pop(sequence, None)
        if opened is None:  # pending before recording started: not counted
            return
        key, created_us, size = opened
        row = self._row(key, now_us)
        row[_OPS] -= 1
        row[_BYTES] -= size
        row[_FAILED] += failed
        if replicated:
            latency = now_us - created_us
            row[_LATENCY] = max(row[_LATENCY], latency)
            counts = self._histograms.get(key)
            if counts is None:
                counts = self._histograms[key] = {_MAX_BUCKET: latency}
            elif latency > counts[_MAX_BUCKET]:
                counts[_MAX_BUCKET] = latency
            bucket = _bucket(latency)
            counts[bucket] = counts.get(bucket, 0) + 1

    def latency_quantiles(
        self, quantiles: Iterable[float], keys: Iterable[_Key]
    ) -> tuple[float, ...] | None:
        """The latency quantiles (seconds) over ``keys``' operations, ``None`` if none."""
        merged: dict[int, int] = {}
        top = -1
        for key in keys:
            counts = self._histograms.get(key)
            if counts is None:
                continue
            for bucket, count in counts.items():
                if bucket == _MAX_BUCKET:
                    top = max(top, count)
                else:
                    merged[bucket] = merged.get(bucket, 0) + count
        if top < 0:
            return None
        total = sum(merged.values())
        ordered = sorted(merged.items())
        answers = []
        for quantile in quantiles:
            rank = max(1, math.ceil(quantile * total))  # nearest rank
            seen = 0
            value = top
            for bucket, count in ordered:
                seen += count
                if seen >= rank:
                    value = min(top, _bucket_value(bucket))
                    break
            answers.append(top / 1e6 if quantile >= 1 else value / 1e6)
        return tuple(answers)

    def series(
        self,
        name: str,
        *,
        now_us: int,
        epoch: dt.datetime,
        resolution_us: int,
        keys: Iterable[_Key],
    ) -> Iterator[MetricSeries]:
        """The series of ``name`` for each key, from the start to the period of now."""
        unit, statistic = METRICS[name]
        factor = resolution_us // self.resolution_us
        first = self.start_period // factor
        last = now_us // resolution_us
        for key in keys:
            points = tuple(_points(name, self._rows.get(key, []), factor, first, last))
            yield MetricSeries(
                name=name,
                unit=unit,
                statistic=statistic,
                source_bucket=key[0],
                rule_id=key[1],
                destination_bucket=key[2],
                resolution_seconds=resolution_us / 1_000_000,
                points=tuple(
                    MetricPoint(
                        timestamp=epoch + dt.timedelta(microseconds=period * resolution_us),
                        value=value,
                    )
                    for period, value in points
                ),
            )

    def series_keys(self) -> tuple[_Key, ...]:
        """Every series key recorded so far, sorted."""
        return tuple(sorted(self._rows))


def _points(
    name: str, rows: list[list[int]], factor: int, first: int, last: int
) -> Iterator[tuple[int, float]]:
    """(coarse period, value) for every period from ``first`` to ``last``."""
    merged: dict[int, list[int]] = {}
    for row in rows:
        period = row[_PERIOD] // factor
        into = merged.get(period)
        if into is None:
            merged[period] = list(row)
            continue
        into[_MAX_OPS] = max(into[_MAX_OPS], row[_MAX_OPS])
        into[_MAX_BYTES] = max(into[_MAX_BYTES], row[_MAX_BYTES])
        into[_OPS], into[_BYTES] = row[_OPS], row[_BYTES]
        into[_LATENCY] = max(into[_LATENCY], row[_LATENCY])
        into[_FAILED] += row[_FAILED]
    ops = size = 0
    for period in range(first, last + 1):
        found = merged.get(period)
        if name == "ReplicationLatency":
            if found is not None and found[_LATENCY] != _NO_LATENCY:
                yield period, found[_LATENCY] / 1_000_000
        elif name == "OperationsFailedReplication":
            yield period, float(found[_FAILED] if found is not None else 0)
        elif found is not None:
            ops, size = found[_OPS], found[_BYTES]
            top = found[_MAX_OPS] if name == "OperationsPendingReplication" else found[_MAX_BYTES]
            yield period, float(top)
        else:
            yield period, float(ops if name == "OperationsPendingReplication" else size)
