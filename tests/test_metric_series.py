"""Replication metrics as time series on simulated time (R-131; issue 12).

CloudWatch's names, units and statistics (UG ``metrics-dimensions.md``):
``ReplicationLatency`` (Seconds, Maximum), ``BytesPendingReplication`` (Bytes,
Maximum), ``OperationsPendingReplication`` (Count, Maximum),
``OperationsFailedReplication`` (Count, Sum), per rule and destination bucket.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3repl import Engine, Profile
from s3repl.engine import MetricSeries
from s3repl.profile import LatencyModel

ROLE = "arn:aws:iam::123456789012:role/repl"
# One operation per second per destination, 1 s base, no tail, no transfer time.
SERIAL = LatencyModel(
    same_region_seconds=1, operations_per_second=1, bandwidth_bytes_per_second=1e12, tail_shape=None
)


def rule(dest: str, priority: int = 1) -> dict[str, Any]:
    """A V2 rule for every object towards ``dest`` (boto3 shape)."""
    return {
        "ID": f"to-{dest}",
        "Priority": priority,
        "Status": "Enabled",
        "Filter": {},
        "DeleteMarkerReplication": {"Status": "Enabled"},
        "Destination": {"Bucket": f"arn:aws:s3:::{dest}"},
    }


def world(*dests: str) -> Engine:
    """``src`` replicating to each of ``dests``, all in us-east-1, under ``SERIAL``."""
    eng = Engine(seed=3, profile=Profile(latency=SERIAL))
    eng.create_bucket("src", versioning=True)
    for dest in dests:
        eng.create_bucket(dest, versioning=True)
    eng.create_role(ROLE)
    rules = [rule(dest, n) for n, dest in enumerate(dests, start=1)]
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": rules})
    return eng


def values(series: MetricSeries) -> list[float]:
    """The datapoints' values, oldest first."""
    return [point.value for point in series.points]


def three_puts(resolution_seconds: float = 1) -> Engine:
    """Three 100-byte puts at t ~ 0; they land 1, 2 and 3 s later (one per second)."""
    eng = world("dst")
    eng.record_metrics(resolution_seconds=resolution_seconds)
    for key in ("a", "b", "c"):
        eng.put_object("src", key, b"x" * 100)
    eng.advance(seconds=5)
    return eng


def test_r131_pending_operations_and_bytes_per_period() -> None:
    """R-131: the pending gauges' maximum per period, carried through quiet periods."""
    eng = three_puts()
    (ops,) = eng.metric_series("OperationsPendingReplication")
    (size,) = eng.metric_series("BytesPendingReplication")
    assert (ops.unit, ops.statistic, size.unit) == ("Count", "Maximum", "Bytes")
    assert values(ops) == [3, 3, 2, 1, 0, 0]  # seconds 0..5; each drop lands mid-period
    assert values(size) == [300, 300, 200, 100, 0, 0]
    assert [p.timestamp.second for p in ops.points] == [0, 1, 2, 3, 4, 5]
    assert (ops.source_bucket, ops.rule_id, ops.destination_bucket) == ("src", "to-dst", "dst")


def test_r131_replication_latency_is_the_periods_maximum() -> None:
    """R-131: ReplicationLatency (Seconds, Maximum) of the operations replicated in each
    period; a period without replications has no datapoint."""
    eng = three_puts()
    (latency,) = eng.metric_series("ReplicationLatency")
    assert latency.unit == "Seconds"
    assert [p.timestamp.second for p in latency.points] == [1, 2, 3]
    assert values(latency) == pytest.approx([1.0, 2.0, 3.0], abs=0.01)


def test_r131_coarser_resolution_aggregates() -> None:
    """R-131: a multiple of the recorded period takes the maximum of the maxima."""
    eng = three_puts()
    (ops,) = eng.metric_series("OperationsPendingReplication", resolution_seconds=2)
    assert values(ops) == [3, 2, 0]
    (latency,) = eng.metric_series("ReplicationLatency", resolution_seconds=2)
    assert values(latency) == pytest.approx([1.0, 3.0], abs=0.01)
    assert ops.resolution_seconds == 2


def test_r131_failed_operations_are_summed() -> None:
    """R-131: OperationsFailedReplication (Count, Sum) counts each failed operation in
    the period it failed; the failure leaves the pending gauge."""
    eng = world("dst")
    eng.delete_role(ROLE)
    eng.record_metrics(resolution_seconds=10)
    eng.put_object("src", "k", b"x")
    eng.put_object("src", "j", b"x")
    eng.advance(seconds=25)
    (failed,) = eng.metric_series("OperationsFailedReplication")
    assert failed.statistic == "Sum"
    assert values(failed) == [2, 0, 0]
    (ops,) = eng.metric_series("OperationsPendingReplication")
    assert values(ops) == [2, 0, 0]


def test_r131_series_per_rule_and_destination() -> None:
    """R-131: one series per rule and destination; the filters pick them."""
    eng = world("dst", "dst2")
    eng.record_metrics()
    eng.put_object("src", "k", b"x")
    eng.advance(seconds=90)
    both = eng.metric_series("OperationsPendingReplication")
    assert [s.destination_bucket for s in both] == ["dst", "dst2"]
    (only,) = eng.metric_series("OperationsPendingReplication", destination="dst2")
    assert only.rule_id == "to-dst2"
    assert eng.metric_series("ReplicationLatency", rule_id="nope") == ()
    assert len(eng.metric_series("ReplicationLatency", source_bucket="src")) == 2


def test_metric_series_refuses_bad_questions() -> None:
    """Issue 12: unknown names, no recorder and odd resolutions are clear errors."""
    eng = world("dst")
    with pytest.raises(ValueError, match="record_metrics"):
        eng.metric_series("ReplicationLatency")
    with pytest.raises(ValueError, match="resolution_seconds"):
        eng.record_metrics(resolution_seconds=0)
    eng.record_metrics(resolution_seconds=60)
    with pytest.raises(ValueError, match="ReplicationLatency"):
        eng.metric_series("Latency")
    with pytest.raises(ValueError, match="multiple"):
        eng.metric_series("ReplicationLatency", resolution_seconds=90)
    assert eng.metrics_resolution_seconds == 60


def test_memory_grows_with_periods_not_events() -> None:
    """Issue 12: many operations within one period keep one row per series."""
    eng = world("dst")
    eng.record_metrics(resolution_seconds=3600)
    for key in range(300):
        eng.put_object("src", f"k{key}", b"x")
    eng.advance(seconds=600)
    state = eng.snapshot().engine_state
    metrics = getattr(state, "metrics", None)
    assert metrics is not None
    assert [len(rows) for rows in metrics.rows.values()] == [1]
    assert len(metrics.opened) == 0  # nothing pending, nothing remembered


def test_snapshots_and_forks_carry_the_recorder() -> None:
    """Issue 12: a fork and a restored snapshot continue the same series."""
    eng = world("dst")
    eng.record_metrics(resolution_seconds=1)
    eng.put_object("src", "a", b"x")
    fork, restored = eng.fork(), Engine.from_snapshot(eng.snapshot())
    for each in (eng, fork, restored):
        each.put_object("src", "b", b"y")
        each.advance(seconds=4)
    names = ("ReplicationLatency", "OperationsPendingReplication")
    for name in names:
        assert eng.metric_series(name) == fork.metric_series(name)
        assert eng.metric_series(name) == restored.metric_series(name)


def test_tasks_pending_when_recording_starts_count_from_then() -> None:
    """Issue 12: recording started with work pending counts that work."""
    eng = world("dst")
    eng.put_object("src", "a", b"x" * 10)
    eng.record_metrics(resolution_seconds=1)
    (size,) = eng.metric_series("BytesPendingReplication")
    assert values(size) == [10]


@given(
    ops=st.lists(
        st.tuples(st.sampled_from(["put", "advance", "revoke", "grant"]), st.integers(0, 120)),
        max_size=25,
    ),
    resolution=st.sampled_from([1, 10, 60]),
)
def test_r131_series_agree_with_the_metrics_snapshot(ops: Any, resolution: int) -> None:
    """R-131: the last point of a pending series (the period's maximum) is never below
    the current ``replication_metrics`` snapshot, equals it once a period passes
    quietly, and the failures summed over the series equal the snapshot's running
    ``OperationsFailedReplication``."""
    eng = world("dst")
    eng.record_metrics(resolution_seconds=resolution)
    role_exists = True
    for op, number in ops:
        if op == "put":
            eng.put_object("src", f"k{number % 7}", b"x" * number)
        elif op == "advance":
            eng.advance(seconds=number)
        elif op == "revoke" and role_exists:
            eng.delete_role(ROLE)
            role_exists = False
        elif op == "grant" and not role_exists:
            eng.create_role(ROLE)
            role_exists = True
        _check(eng, quiet=False)
    eng.run_until(eng.now + dt.timedelta(seconds=120))  # 25 puts land within 30 s
    eng.advance(seconds=resolution)
    _check(eng, quiet=True)


def _check(eng: Engine, *, quiet: bool) -> None:
    (snapshot,) = eng.replication_metrics("src")
    pending = eng.metric_series("OperationsPendingReplication")
    size = eng.metric_series("BytesPendingReplication")
    failed = eng.metric_series("OperationsFailedReplication")
    if not pending:  # nothing was ever queued
        assert (snapshot.operations_pending, snapshot.operations_failed) == (0, 0)
        return
    last_pending, last_size = pending[0].points[-1].value, size[0].points[-1].value
    if quiet:
        assert (last_pending, last_size) == (snapshot.operations_pending, snapshot.bytes_pending)
    else:
        assert last_pending >= snapshot.operations_pending
        assert last_size >= snapshot.bytes_pending
    assert sum(p.value for p in failed[0].points) == snapshot.operations_failed


@given(count=st.integers(1, 40), quantile=st.floats(0, 1))
def test_r131_latency_quantiles_are_within_one_percent(count: int, quantile: float) -> None:
    """R-131: ``latency_quantiles`` answers the nearest-rank quantile of the operations'
    replication latencies within 1 % (the maximum exactly), at bounded memory."""
    eng = world("dst")
    eng.record_metrics(resolution_seconds=60)
    puts = [eng.put_object("src", f"k{n}", b"x") for n in range(count)]
    steps = eng.advance(seconds=count + 5)
    landed = {s.task.key: s.task.due_us for s in steps}
    epoch = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    exact = sorted(landed[v.key] / 1e6 - (v.last_modified - epoch).total_seconds() for v in puts)
    rank = max(1, math.ceil(quantile * count))
    answer = eng.latency_quantiles((quantile, 1.0))
    assert answer is not None
    assert answer[0] == pytest.approx(exact[rank - 1], rel=0.01)
    assert answer[1] == pytest.approx(exact[-1], abs=1e-6)


def test_latency_quantiles_without_replications_and_bad_quantiles() -> None:
    """Issue 12: nothing replicated yet answers None; a quantile outside [0, 1] and an
    engine not recording are clear errors; snapshots carry the histogram."""
    eng = world("dst")
    with pytest.raises(ValueError, match="record_metrics"):
        eng.latency_quantiles()
    eng.record_metrics()
    assert eng.latency_quantiles() is None
    with pytest.raises(ValueError, match="quantiles"):
        eng.latency_quantiles((1.5,))
    eng.put_object("src", "k", b"x")
    eng.advance(seconds=10)
    restored = Engine.from_snapshot(eng.snapshot())
    assert restored.latency_quantiles() == eng.latency_quantiles()
    assert eng.latency_quantiles(destination="elsewhere") is None
