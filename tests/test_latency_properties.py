"""Properties of simulated time under a latency model (issue 12; R-140, R-141, R-124).

Random workloads of puts, deletes, steps, advances and ``run_until`` over buckets in
several regions: time never goes back, no replica lands before its route's base delay,
the queue stays in (due time, sequence) order, the same seed gives the same run, and
the latency model changes when things replicate, never what replicates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from s3repl import Engine, Profile
from s3repl.model import ObjectVersion
from s3repl.policy import route_base_seconds
from s3repl.profile import LatencyModel

ROLE = "arn:aws:iam::123456789012:role/repl"
REGIONS = {"src": "us-east-1", "near": "us-west-2", "far": "eu-west-1"}


def _rule(number: int, dest: str) -> dict[str, Any]:
    return {
        "ID": f"to-{dest}",
        "Priority": number,
        "Status": "Enabled",
        "Filter": {},
        "DeleteMarkerReplication": {"Status": "Enabled"},
        "Destination": {"Bucket": f"arn:aws:s3:::{dest}"},
    }


def world(latency: LatencyModel | None, seed: int) -> Engine:
    """``src`` replicating to ``near`` (same continent) and ``far`` (across an ocean)."""
    eng = Engine(seed=seed, profile=Profile(latency=latency))
    for name, region in REGIONS.items():
        eng.create_bucket(name, versioning=True, region=region)
    eng.create_role(ROLE)
    rules = [_rule(1, "near"), _rule(2, "far")]
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": rules})
    return eng


models = st.builds(
    LatencyModel,
    same_region_seconds=st.floats(0, 5),
    same_continent_seconds=st.floats(0, 30),
    across_oceans_seconds=st.floats(0, 1200),
    bandwidth_bytes_per_second=st.floats(1, 1e9),
    operations_per_second=st.floats(0.1, 5000),
    tail_shape=st.none() | st.floats(0.5, 5),
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.integers(0, 3), st.integers(0, 2_000)),
        st.tuples(st.just("delete"), st.integers(0, 3), st.just(0)),
        st.tuples(st.just("advance"), st.integers(0, 600), st.just(0)),
        st.tuples(st.just("step"), st.just(0), st.just(0)),
        st.tuples(st.just("until"), st.integers(0, 60), st.just(0)),
    ),
    max_size=30,
)


def play(eng: Engine, ops: list[tuple[str, int, int]]) -> list[dt.datetime]:
    """Apply the workload; return the clock after every operation."""
    times = [eng.now]
    for op, number, size in ops:
        if op == "put":
            eng.put_object("src", f"k{number}", b"x" * size)
        elif op == "delete":
            eng.delete_object("src", f"k{number}")
        elif op == "advance":
            eng.advance(seconds=number)
        elif op == "step" and eng.pending():
            eng.step()
        elif op == "until":
            eng.run_until(eng.now + dt.timedelta(seconds=number))
        times.append(eng.now)
    return times


@given(model=models, ops=operations, seed=st.integers(0, 3))
def test_time_never_goes_backwards(model: LatencyModel, ops: Any, seed: int) -> None:
    """Issue 12: no operation, step or advance moves the simulated clock back."""
    times = play(world(model, seed), ops)
    assert times == sorted(times)


@given(model=models, ops=operations)
def test_queue_stays_in_due_order(model: LatencyModel, ops: Any) -> None:
    """Issue 12: pending tasks are always in (due time, sequence) order."""
    eng = world(model, 0)
    play(eng, ops)
    keys = [task.order_key for task in eng.pending()]
    assert keys == sorted(keys)


@given(model=models, ops=operations)
def test_r140_no_replica_lands_before_its_base_delay(model: LatencyModel, ops: Any) -> None:
    """R-140: with latency on, every replica's time is at least its source's put time
    plus the route's base delay."""
    eng = world(model, 1)
    play(eng, [op for op in ops if op[0] in ("put", "delete")])
    while eng.pending():
        task = eng.peek()
        assert task is not None
        eng.step()
        source = eng.snapshot().version("src", task.key, task.version_id)
        assert source is not None
        base = route_base_seconds(model, "us-east-1", REGIONS[task.destination_bucket])
        assert eng.now - source.last_modified >= dt.timedelta(seconds=base) - dt.timedelta(
            microseconds=1
        )


@given(model=models, ops=operations, seed=st.integers(0, 3))
def test_same_seed_same_run(model: LatencyModel, ops: Any, seed: int) -> None:
    """Issue 12: two engines with one seed and one workload give identical runs."""
    one, two = world(model, seed), world(model, seed)
    assert play(one, ops) == play(two, ops)
    assert one.pending() == two.pending()
    assert one.events() == two.events()


@given(model=models, ops=operations, seed=st.integers(0, 3))
def test_r140_latency_changes_when_not_what(model: LatencyModel, ops: Any, seed: int) -> None:
    """R-140, R-141: the same writes replicate to the same end state with latency on
    (run to the end of time) as with ``latency=None`` (``run()``)."""
    writes = [op for op in ops if op[0] in ("put", "delete")]
    timed, untimed = world(model, seed), world(None, seed)
    play(timed, writes)
    play(untimed, writes)
    timed.run_until(timed.now + dt.timedelta(days=3650))
    untimed.run()
    for bucket in REGIONS:
        assert _state(timed, bucket) == _state(untimed, bucket)


def _state(eng: Engine, bucket: str) -> list[tuple[object, ...]]:
    return [
        (
            version.key,
            version.version_id,
            version.etag if isinstance(version, ObjectVersion) else None,
            version.replication_status,
            version.is_latest,
        )
        for version in eng.list_object_versions(bucket)
    ]


@given(ops=operations, seed=st.integers(0, 3))
def test_without_a_model_every_task_is_due_when_created(ops: Any, seed: int) -> None:
    """R-124: with ``latency=None`` a new task is due at its creation time, and only
    ``step``/``run`` apply tasks (``advance`` and ``run_until`` of nothing due apply
    none early)."""
    eng = world(None, seed)
    for op, number, size in ops:
        before = {task.sequence for task in eng.pending()}
        if op == "put":
            eng.put_object("src", f"k{number}", b"x" * size)
        elif op == "advance":
            eng.advance(seconds=number)
            assert {task.sequence for task in eng.pending()} == before
            continue
        else:
            continue
        now_us = (eng.now - dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
        new = [task for task in eng.pending() if task.sequence not in before]
        assert all(task.due_us == now_us for task in new)
