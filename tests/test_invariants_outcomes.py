"""The checks of what calls report: FAILED explained by the world, events and counters,
metadata convergence, configuration answers, and the incremental (per-key) checks.

Each test builds the default machine world, makes one thing happen, and shows the check
passing on the engine's real answer and failing on a doctored one (a wrong reason, a
missing event, a stale replica), as an injected bug would produce it.
"""

from __future__ import annotations

import attrs
import pytest

from s3repl import Engine, FailureReason, FaultPlan, ReplicationStatus
from s3repl.errors import S3Error
from s3repl.model import StepResult
from s3repl.testing.invariants import (
    ConfigurationViolation,
    FailureReasonViolation,
    FailureReportViolation,
    MetadataConvergenceViolation,
    StatusTracker,
    check_all,
    check_configuration_answer,
    check_failure_reported,
    check_failures_explained,
    check_metadata_converged,
    explained_failure,
)
from s3repl.testing.machine import DEFAULT_ROLE, default_world

REVOKED = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "s3:ReplicateObject", "Resource": "*"}],
}


def counters(engine: Engine) -> dict[tuple[str, str, str], int]:
    return {
        ("src", row.rule_id, row.destination_bucket): row.operations_failed
        for row in engine.replication_metrics("src")
    }


def task_to(engine: Engine, destination: str) -> object:
    return next(t for t in engine.pending() if t.destination_bucket == destination)


def test_a_failure_the_world_explains_passes() -> None:
    """Revoked role: the step FAILS with the reason the checks give, recorded (R-127, R-158)."""
    engine = default_world(seed=1)
    engine.put_object("src", "tmp/a", b"x")  # to dst only
    engine.put_role_policy(DEFAULT_ROLE, REVOKED)
    result = engine.step()
    assert result.status is ReplicationStatus.FAILED
    assert explained_failure(engine, result) is result.failure_reason
    check_failures_explained(engine, [result])


def test_a_transient_outage_recorded_as_failed_is_flagged() -> None:
    """A destination down keeps the task PENDING; a FAILED for it is unexplained (R-124)."""
    engine = default_world(seed=1)
    engine.put_object("src", "tmp/a", b"x")
    engine.set_faults(FaultPlan(unavailable_buckets=frozenset({"dst"})))
    task = task_to(engine, "dst")
    result = engine.step(task)
    assert result.status is ReplicationStatus.PENDING
    check_failures_explained(engine, [result])  # PENDING is never judged
    lie = StepResult(
        task=task,
        status=ReplicationStatus.FAILED,
        failure_reason=FailureReason.DST_BUCKET_NOT_FOUND,
    )
    with pytest.raises(FailureReasonViolation, match="the world gives no failure") as caught:
        check_failures_explained(engine, [lie])
    assert "R-124" in caught.value.requirement


def test_a_failure_with_another_reason_is_flagged() -> None:
    """The reason recorded must be the one the world gives (R-127)."""
    engine = default_world(seed=1)
    engine.put_object("src", "tmp/a", b"x")
    engine.put_role_policy(DEFAULT_ROLE, REVOKED)
    result = engine.step()
    wrong = attrs.evolve(result, failure_reason=FailureReason.DST_BUCKET_UNVERSIONED)
    with pytest.raises(FailureReasonViolation, match="the world gives"):
        check_failures_explained(engine, [wrong])


def test_a_failure_recorded_as_completed_is_flagged() -> None:
    """A FAILED step leaves the destination FAILED with its reason (R-123, R-124)."""
    engine = default_world(seed=1)
    engine.put_object("src", "tmp/a", b"x")
    engine.put_role_policy(DEFAULT_ROLE, REVOKED)
    result = engine.step()
    world = engine.snapshot()
    version = world.version("src", "tmp/a", result.task.version_id)
    assert version is not None
    cleaned = attrs.evolve(
        version,
        replication_status=ReplicationStatus.COMPLETED,
        destination_statuses={"dst": ReplicationStatus.COMPLETED},
        failure_reasons={},
    )
    chain = (cleaned, world.objects["src"]["tmp/a"][1])
    objects = {**world.objects, "src": {**world.objects["src"], "tmp/a": chain}}
    with pytest.raises(FailureReasonViolation, match="records COMPLETED"):
        check_failures_explained(attrs.evolve(world, objects=objects), [result])


def test_a_failure_under_metrics_sends_its_event_and_is_counted() -> None:
    """all-to-dst has metrics: its failure sends OperationFailedReplication (R-129, R-131)."""
    engine = default_world(seed=1)
    engine.put_object("src", "tmp/a", b"x")
    engine.put_role_policy(DEFAULT_ROLE, REVOKED)
    before, events = counters(engine), len(engine.events())
    result = engine.step()
    new = engine.events()[events:]
    after = counters(engine)
    assert [e.event_name for e in new] == ["Replication:OperationFailedReplication"]
    check_failure_reported(
        engine, [result], new_events=new, failed_before=before, failed_after=after
    )
    with pytest.raises(FailureReportViolation, match="no OperationFailedReplication") as caught:
        check_failure_reported(
            engine, [result], new_events=(), failed_before=before, failed_after=after
        )
    assert caught.value.requirement == "R-129"
    with pytest.raises(FailureReportViolation, match="grew by 0") as counted:
        check_failure_reported(
            engine, [result], new_events=new, failed_before=before, failed_after=before
        )
    assert counted.value.requirement == "R-131"


def test_a_failure_without_metrics_needs_no_event() -> None:
    """logs-to-dst has no metrics: no event is owed (R-129)."""
    engine = default_world(seed=1)
    engine.put_object("src", "tmp/logs", b"x")  # not under logs/: all-to-dst
    engine.put_object("src", "logs/a", b"x")  # logs-to-dst wins dst, not-tmp-to-dst2 dst2
    engine.put_role_policy(DEFAULT_ROLE, REVOKED)
    results = engine.run()
    logs = [r for r in results if r.task.rule_id == "logs-to-dst"]
    assert logs
    assert logs[0].status is ReplicationStatus.FAILED
    check_failure_reported(engine, logs, new_events=(), failed_before={}, failed_after={})


def replicated_then_retagged() -> Engine:
    engine = default_world(seed=4)
    engine.put_object("src", "tmp/a", b"x", tags={"class": "public"})
    engine.run()
    engine.put_object_tagging("src", "tmp/a", {"class": "secret"})
    return engine


def test_tags_changed_after_replication_converge() -> None:
    """A tag change after replication travels to the replica (R-085)."""
    engine = replicated_then_retagged()
    engine.run()
    check_metadata_converged(engine)
    assert engine.head_object("dst", "tmp/a").tags == {"class": "secret"}


def test_a_tag_change_that_never_travels_is_flagged() -> None:
    """The replica keeping class=public after the source became secret (R-085)."""
    engine = replicated_then_retagged()
    stale = attrs.evolve(engine.snapshot(), pending=())  # the metadata task dropped
    with pytest.raises(MetadataConvergenceViolation, match="class': 'public'") as caught:
        check_metadata_converged(stale)
    assert caught.value.requirement == "R-085"
    version = engine.head_object("src", "tmp/a").version_id
    assert version is not None
    exempt = {("dst", "tmp/a", version), ("dst2", "tmp/a", version)}  # public-to-dst2 too
    check_metadata_converged(stale, exempt=exempt)


def test_an_acl_change_that_never_travels_is_flagged() -> None:
    """dst2 is ObjectWriter: an ACL change on the source reaches the replica (R-084)."""
    engine = default_world(seed=4)
    engine.put_object("src", "a", b"x")  # to dst (BucketOwnerEnforced) and dst2
    engine.run()
    engine.put_object_acl("src", "a", acl="public-read")
    with pytest.raises(MetadataConvergenceViolation, match="ACL") as caught:
        check_metadata_converged(attrs.evolve(engine.snapshot(), pending=()))
    assert caught.value.requirement == "R-084"
    engine.run()
    check_metadata_converged(engine)


def test_a_configuration_naming_an_unversioned_bucket_must_be_refused() -> None:
    """PutBucketReplication refuses an unversioned destination (R-003), and answers as
    validate_replication does in the same world (R-055)."""
    engine = default_world(seed=1)
    config = {
        "Role": DEFAULT_ROLE,
        "Rules": [
            {
                "ID": "to-plain",
                "Priority": 1,
                "Status": "Enabled",
                "Filter": {},
                "DeleteMarkerReplication": {"Status": "Disabled"},
                "Destination": {"Bucket": "arn:aws:s3:::plain"},
            }
        ],
    }
    from s3repl.codec import replication_from_dict

    value = replication_from_dict(config)
    before = engine.snapshot()
    with pytest.raises(S3Error) as refused:
        engine.put_bucket_replication("src", value)
    check_configuration_answer(before, "src", value, refused.value)
    with pytest.raises(ConfigurationViolation, match="not versioned") as caught:
        check_configuration_answer(before, "src", value, None)
    assert caught.value.requirement == "R-003"
    engine.put_bucket_versioning("plain", "Enabled")
    ready = engine.snapshot()
    engine.put_bucket_replication("src", value)
    check_configuration_answer(ready, "src", value, None)
    with pytest.raises(ConfigurationViolation, match="validate_replication"):
        check_configuration_answer(ready, "src", value, refused.value)


def test_checks_restricted_to_keys_see_only_those_keys() -> None:
    """check_all(keys=...) reads only the keys named: a broken one elsewhere is not seen,
    a broken one named is (R-124)."""
    engine = default_world(seed=1)
    engine.put_object("src", "tmp/a", b"x")
    engine.put_object("src", "logs/a", b"x")
    broken = attrs.evolve(
        engine.snapshot(), pending=tuple(t for t in engine.pending() if t.key != "tmp/a")
    )
    check_all(broken, keys={"logs/a"})
    with pytest.raises(AssertionError, match="R-124"):
        check_all(broken, keys={"tmp/a"})


def test_a_tracker_observing_some_keys_remembers_the_others() -> None:
    """observe(keys=...) judges those keys and keeps the rest as they were (R-124)."""
    engine = default_world(seed=1)
    engine.put_object("src", "tmp/a", b"x")
    engine.put_object("src", "logs/a", b"x")
    tracker = StatusTracker()
    tracker.observe(engine)
    engine.run()
    tracker.observe(engine, keys={"tmp/a"})
    assert tracker.vanished == frozenset()
    version = engine.head_object("src", "logs/a").version_id
    assert version is not None
    assert tracker.is_replica("src", "logs/a", version) is False
    dst_copy = engine.head_object("dst", "tmp/a").version_id
    assert dst_copy is not None
    assert tracker.is_replica("dst", "tmp/a", dst_copy) is True
    assert tracker.is_replica("dst", "logs/a", version) is None  # not observed yet
