"""Simulated time under a latency model (issue 12): due times, step/advance/run_until, RTC.

R-140: replication is asynchronous, most objects within seconds, large objects longer;
R-132: RTC replicates 99.99 % of new objects within 15 minutes; R-129: the threshold
events follow from the simulated time an operation took.
"""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3repl import Engine, Profile, ReplicationStatus
from s3repl._worldfile import WorldFileError, load_world
from s3repl.errors import NothingPendingError, StepLimitExceededError
from s3repl.policy import (
    TAIL_FACTOR_MAX,
    continent_of,
    replication_delay,
    route_base_seconds,
    tail_factor,
)
from s3repl.profile import LatencyModel

ROLE = "arn:aws:iam::123456789012:role/repl"
SECOND_US = 1_000_000
FIXED = LatencyModel(tail_shape=None)


def rule(dest: str, *, rtc: bool = False) -> dict[str, Any]:
    """A V2 rule for every object towards ``dest``, with RTC if asked (boto3 shape)."""
    destination: dict[str, Any] = {"Bucket": f"arn:aws:s3:::{dest}"}
    if rtc:
        destination["ReplicationTime"] = {"Status": "Enabled", "Time": {"Minutes": 15}}
        destination["Metrics"] = {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}
    return {
        "ID": f"to-{dest}",
        "Priority": 1,
        "Status": "Enabled",
        "Filter": {},
        "DeleteMarkerReplication": {"Status": "Enabled"},
        "Destination": destination,
    }


def world(
    latency: LatencyModel | None = FIXED,
    *,
    dest_region: str = "us-east-1",
    rtc: bool = False,
    seed: int = 5,
) -> Engine:
    """``src`` (us-east-1) replicating every object to ``dst`` in ``dest_region``."""
    eng = Engine(seed=seed, profile=Profile(latency=latency))
    eng.create_bucket("src", versioning=True)
    eng.create_bucket("dst", versioning=True, region=dest_region)
    eng.create_role(ROLE)
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst", rtc=rtc)]})
    return eng


def us(when: dt.datetime) -> int:
    """Microseconds since the engine's epoch."""
    return (when - dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)


# -- the value ---------------------------------------------------------------------------


def test_latency_model_validates_every_field() -> None:
    """Issue 12: a latency setting out of range is refused, naming the setting."""
    with pytest.raises(ValueError, match="same_region_seconds"):
        LatencyModel(same_region_seconds=-1)
    with pytest.raises(ValueError, match="bandwidth_bytes_per_second"):
        LatencyModel(bandwidth_bytes_per_second=0)
    with pytest.raises(ValueError, match="tail_shape"):
        LatencyModel(tail_shape=float("inf"))
    with pytest.raises(TypeError, match="operations_per_second"):
        LatencyModel(operations_per_second="fast")  # type: ignore[arg-type]


def test_from_mapping_refuses_unknown_keys() -> None:
    """Issue 12: a scenario's latency table with a misspelt key is refused, naming it."""
    with pytest.raises(ValueError, match="same_regoin_seconds") as caught:
        LatencyModel.from_mapping({"same_regoin_seconds": 2})
    assert "same_region_seconds" in str(caught.value)  # the known ones are listed
    assert LatencyModel.from_mapping({"tail_shape": None}) == FIXED


def test_profile_takes_a_mapping_and_defaults_to_none() -> None:
    """Issue 12: ``Profile().latency`` is None (today's timing); a mapping converts."""
    assert Profile().latency is None
    assert Profile(latency={"same_region_seconds": 2}).latency == LatencyModel(
        same_region_seconds=2
    )
    with pytest.raises(TypeError, match="latency"):
        Profile(latency=3)


# -- the arithmetic ----------------------------------------------------------------------


def test_base_delay_by_region_pair() -> None:
    """Issue 12: same region, same continent and across oceans have their own base."""
    model = LatencyModel(same_region_seconds=1, same_continent_seconds=2, across_oceans_seconds=3)
    assert route_base_seconds(model, "us-east-1", "us-east-1") == 1
    assert route_base_seconds(model, "us-east-1", "ca-central-1") == 2
    assert route_base_seconds(model, "eu-west-1", "eu-central-1") == 2
    assert route_base_seconds(model, "us-east-1", "eu-west-1") == 3
    assert route_base_seconds(model, "ap-northeast-1", "ap-southeast-2") == 3  # Sydney
    assert continent_of("ap-southeast-4") == continent_of("ap-southeast-2") == "oceania"


def test_r132_default_tail_meets_the_rtc_sla() -> None:
    """R-132: with the defaults, a small object across oceans at the 99.99th percentile
    of the tail replicates within 15 minutes, and the median one within seconds."""
    model = LatencyModel()
    slowest = replication_delay(
        model,
        source_region="us-east-1",
        destination_region="ap-southeast-2",
        size=1_000_000,
        draw=0.9999,
        now_us=0,
        busy_until_us=0,
    )
    assert slowest.due_us < 15 * 60 * SECOND_US
    median = replication_delay(
        model,
        source_region="us-east-1",
        destination_region="us-east-1",
        size=1_000,
        draw=0.5,
        now_us=0,
        busy_until_us=0,
    )
    assert median.due_us < 3 * SECOND_US


def test_r140_transfer_time_grows_with_size() -> None:
    """R-140: a large object takes longer than a small one (size / bandwidth)."""
    model = LatencyModel(bandwidth_bytes_per_second=1_000, tail_shape=None)
    common = {"source_region": "us-east-1", "destination_region": "us-east-1", "draw": 0.0}
    small = replication_delay(model, size=0, now_us=0, busy_until_us=0, **common)  # type: ignore[arg-type]
    large = replication_delay(model, size=5_000, now_us=0, busy_until_us=0, **common)  # type: ignore[arg-type]
    assert small.due_us == 1 * SECOND_US
    assert large.due_us == 6 * SECOND_US  # 5 s of transfer, then the 1 s base
    assert large.busy_until_us == 5 * SECOND_US


def test_saturated_destination_queues_work() -> None:
    """Issue 12: a destination busy until later starts the next transfer only then."""
    model = LatencyModel(operations_per_second=2, tail_shape=None)
    first = replication_delay(
        model,
        source_region="us-east-1",
        destination_region="us-east-1",
        size=0,
        draw=0.0,
        now_us=0,
        busy_until_us=0,
    )
    second = replication_delay(
        model,
        source_region="us-east-1",
        destination_region="us-east-1",
        size=0,
        draw=0.0,
        now_us=0,
        busy_until_us=first.busy_until_us,
    )
    assert first.busy_until_us == SECOND_US // 2
    assert second.due_us - first.due_us == SECOND_US // 2


def test_tail_factor_is_at_least_one_and_bounded() -> None:
    """Issue 12: the heavy tail never shortens the base delay and never overflows."""
    model = LatencyModel(tail_shape=0.01)
    assert tail_factor(model, 0.0) == 1.0
    assert tail_factor(model, 0.999999) == TAIL_FACTOR_MAX
    assert tail_factor(FIXED, 0.999) == 1.0


# -- the engine --------------------------------------------------------------------------


def test_without_a_model_tasks_are_due_at_once() -> None:
    """R-124: with ``latency=None`` a task is due when it is created, as before."""
    eng = world(latency=None)
    eng.put_object("src", "k", b"x")
    (task,) = eng.pending()
    assert task.due_us == us(eng.now)
    assert eng.advance(seconds=30) == ()  # advance only moves the clock
    assert eng.pending() == (task,)


def test_r140_step_moves_time_to_the_due_time() -> None:
    """R-140: under a latency model a step applies the next task at its due time."""
    eng = world(dest_region="eu-west-1")
    put = eng.put_object("src", "k", b"x")
    (task,) = eng.pending()
    assert task.due_us == us(put.last_modified) + 8 * SECOND_US  # across the Atlantic
    result = eng.step()
    assert result.status is ReplicationStatus.COMPLETED
    assert us(eng.now) == task.due_us
    with pytest.raises(NothingPendingError):
        eng.step()


def test_r140_advance_applies_what_falls_due() -> None:
    """R-140: ``advance`` applies the tasks due within the window, in time order."""
    eng = world(dest_region="eu-west-1")
    eng.put_object("src", "k", b"x")
    assert eng.advance(seconds=7) == ()
    assert eng.get_object("src", "k").replication_status is ReplicationStatus.PENDING
    (applied,) = eng.advance(seconds=2)
    assert applied.task.key == "k"
    assert eng.get_object("src", "k").replication_status is ReplicationStatus.COMPLETED
    assert eng.get_object("dst", "k").body == b"x"


def test_run_until_returns_the_steps_and_leaves_the_clock_there() -> None:
    """Issue 12: ``run_until(when)`` applies what is due by then and stops at ``when``."""
    eng = world()
    for key in ("a", "b"):
        eng.put_object("src", key, b"x")
    when = eng.now + dt.timedelta(minutes=1)
    steps = eng.run_until(when)
    assert [s.task.key for s in steps] == ["a", "b"]
    assert eng.now == when
    assert eng.run_until(when - dt.timedelta(hours=1)) == ()  # the past: nothing moves
    assert eng.now == when
    with pytest.raises(ValueError, match="aware"):
        eng.run_until(dt.datetime(2026, 1, 2))  # noqa: DTZ001 - the naive datetime refused


def test_r129_missed_threshold_follows_simulated_latency() -> None:
    """R-129, R-132: an RTC object whose route takes 20 minutes is reported missed at
    its 15-minute mark, then replicated after the threshold with the time it took."""
    slow = LatencyModel(across_oceans_seconds=20 * 60, tail_shape=None)
    eng = world(slow, dest_region="ap-southeast-2", rtc=True)
    put = eng.put_object("src", "k", b"x")
    eng.advance(seconds=15 * 60)
    assert eng.events() == ()
    eng.advance(seconds=1)
    (missed,) = eng.events()
    assert missed.event_name == "Replication:OperationMissedThreshold"
    assert missed.event_time - put.last_modified == dt.timedelta(minutes=15, microseconds=1)
    eng.advance(seconds=10 * 60)
    late = eng.events()[1]
    assert late.event_name == "Replication:OperationReplicatedAfterThreshold"
    assert late.replication_time_seconds == 20 * 60


def test_r129_fast_routes_send_no_threshold_events() -> None:
    """R-129, R-132: under the default model, RTC objects land in seconds: no events."""
    eng = world(LatencyModel(), dest_region="eu-west-1", rtc=True)
    for key in range(20):
        eng.put_object("src", f"k{key}", b"x")
    eng.advance(seconds=3600)
    assert eng.pending() == ()
    assert eng.events() == ()


def test_r129_one_step_past_the_deadline_reports_both_events_in_order() -> None:
    """R-129: a ``step()`` that jumps past the deadline first reports the miss at the
    deadline, then the late replication at the due time."""
    slow = LatencyModel(across_oceans_seconds=30 * 60, tail_shape=None)
    eng = world(slow, dest_region="ap-southeast-2", rtc=True)
    eng.put_object("src", "k", b"x")
    eng.step()
    missed, late = eng.events()
    assert missed.event_name == "Replication:OperationMissedThreshold"
    assert late.event_name == "Replication:OperationReplicatedAfterThreshold"
    assert missed.event_time < late.event_time
    assert late.replication_time_seconds == 30 * 60


def test_same_seed_same_due_times_and_forks_continue_alike() -> None:
    """Issue 12: the tail is drawn from the seeded engine: same seed, same numbers, and
    a fork or a restored snapshot draws what the original draws."""
    one, two = world(LatencyModel(), seed=11), world(LatencyModel(), seed=11)
    for eng in (one, two):
        eng.put_object("src", "k", b"x")
    assert one.pending() == two.pending()
    fork, restored = one.fork(), Engine.from_snapshot(one.snapshot())
    for eng in (one, fork, restored):
        eng.put_object("src", "k2", b"y" * 100)
    assert one.pending() == fork.pending() == restored.pending()
    other = world(LatencyModel(), seed=12)
    other.put_object("src", "k", b"x")
    assert other.pending()[0].due_us != two.pending()[0].due_us


def test_r141_run_until_under_random_order_takes_only_due_tasks() -> None:
    """R-141: under ``order="random"`` ``run_until`` applies the due tasks in a seeded
    random order and leaves the tasks not yet due; the same seed, the same order."""
    orders = []
    for _ in range(2):
        eng = Engine(seed=8, profile=Profile(latency=FIXED), order="random")
        eng.create_bucket("src", versioning=True)
        eng.create_bucket("near", versioning=True)
        eng.create_bucket("far", versioning=True, region="ap-northeast-1")
        eng.create_role(ROLE)
        rules = [rule("near"), {**rule("far"), "ID": "to-far", "Priority": 2}]
        eng.put_bucket_replication("src", {"Role": ROLE, "Rules": rules})
        for key in range(6):
            eng.put_object("src", f"k{key}", b"x")
        steps = eng.run_until(eng.now + dt.timedelta(seconds=2))  # 1 s routes only
        assert {s.task.destination_bucket for s in steps} == {"near"}
        assert {t.destination_bucket for t in eng.pending()} == {"far"}
        orders.append([s.task.key for s in steps])
    assert orders[0] == orders[1]
    assert sorted(orders[0]) == [f"k{key}" for key in range(6)]


def test_run_until_is_bounded() -> None:
    """Issue 12: ``run_until`` stops after ``steps_max`` steps with a clear error."""
    eng = world()
    for key in ("a", "b", "c"):
        eng.put_object("src", key, b"x")
    with pytest.raises(StepLimitExceededError, match="2 steps"):
        eng.run_until(eng.now + dt.timedelta(minutes=1), steps_max=2)
    assert len(eng.pending()) == 1
    with pytest.raises(ValueError, match="seconds"):
        eng.advance(seconds=-1)


def test_r052_a_step_still_counts_for_propagation() -> None:
    """R-052: under a latency model a step counts towards the propagation delay."""
    eng = Engine(seed=2, profile=Profile(latency=FIXED, config_propagation_delay_steps=2))
    eng.create_bucket("src", versioning=True)
    eng.create_bucket("dst", versioning=True)
    eng.create_role(ROLE)
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst")]})
    eng.put_bucket_versioning("dst", "Enabled")  # one call
    eng.put_object("src", "late", b"x")  # the second: in force from now
    assert len(eng.pending()) == 1
    eng.delete_bucket_replication("src")  # in force two calls or steps later
    eng.step()  # the first
    eng.put_object("src", "after", b"x")  # the second: the deletion is in force
    assert eng.pending() == ()


def test_pickled_engine_keeps_its_time_state() -> None:
    """Issue 12: a pickled engine carries the latency RNG, the queues and deadlines."""
    eng = world(LatencyModel(), dest_region="eu-west-1", rtc=True)
    eng.put_object("src", "a", b"x")
    copy = pickle.loads(pickle.dumps(eng))
    for each in (eng, copy):
        each.put_object("src", "b", b"x" * 1000)
        each.advance(seconds=1200)
    assert copy.snapshot() == eng.snapshot()


def test_a_destination_may_have_its_own_limits() -> None:
    """Issue 12: a named destination takes its own bandwidth and throughput; others
    keep the model's; a scenario table spells them as a nested mapping."""
    model = LatencyModel.from_mapping(
        {
            "tail_shape": None,
            "bandwidth_bytes_per_second": 1_000,
            "destinations": {"slow": {"bandwidth_bytes_per_second": 100}},
        }
    )
    assert model.limits_of("slow") == (100, 3_500)
    assert model.limits_of("other") == (1_000, 3_500)
    common: dict[str, Any] = {
        "source_region": "us-east-1",
        "destination_region": "us-east-1",
        "size": 1_000,
        "draw": 0.0,
        "now_us": 0,
        "busy_until_us": 0,
    }
    slow = replication_delay(model, destination_bucket="slow", **common)
    other = replication_delay(model, destination_bucket="other", **common)
    assert (slow.due_us, other.due_us) == (11 * SECOND_US, 2 * SECOND_US)
    with pytest.raises(ValueError, match="bandwidth"):
        LatencyModel(destinations={"slow": {"bandwith_bytes_per_second": 1}})
    with pytest.raises(ValueError, match="operations_per_second"):
        LatencyModel(destinations={"slow": {"operations_per_second": 0}})
    assert LatencyModel(destinations={"b": {}, "a": {}}).destinations[0][0] == "a"


def test_a_world_file_sets_the_latency_model() -> None:
    """Issue 12: a world file's ``profile.latency`` table builds the latency model; a
    misspelt setting is refused at its path."""
    engine = load_world({"profile": {"latency": {"same_region_seconds": 2, "tail_shape": 3}}})
    assert engine.profile.latency == LatencyModel(same_region_seconds=2, tail_shape=3)
    with pytest.raises(WorldFileError) as caught:
        load_world({"profile": {"latency": {"same_region_second": 2}}})
    assert caught.value.path == "profile.latency"
    assert "same_region_second" in caught.value.reason
    with pytest.raises(WorldFileError, match="latency settings"):
        load_world({"profile": {"latency": 3}})


settings_values = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats()
    | st.text(max_size=3)
    | st.dictionaries(st.text(max_size=3), st.integers(0, 3), max_size=2)
)
settings_keys = st.sampled_from(
    [
        "same_region_seconds",
        "across_oceans_seconds",
        "bandwidth_bytes_per_second",
        "tail_shape",
        "destinations",
        "unknown",
    ]
)


@given(settings=st.dictionaries(settings_keys, settings_values, max_size=4))
def test_from_mapping_builds_or_refuses_clearly(settings: dict[str, Any]) -> None:
    """Issue 12: any scenario table builds a valid model or is refused with a
    ``ValueError``/``TypeError`` naming the setting (never another exception)."""
    problem: Exception | None = None
    try:
        model = LatencyModel.from_mapping(settings)
    except (ValueError, TypeError) as err:
        problem = err
    if problem is None:
        assert model.same_region_seconds >= 0
    else:
        text = str(problem)
        assert any(key in text for key in settings) or "destination" in text
