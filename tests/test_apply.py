"""``policy.apply`` as tables: the checks table, the profiles, and totality (R-124, R-158).

Each row of :data:`APPLY_TABLE` builds one world (a source, a destination, a role and
one rule), changes one thing after the put, and states what ``policy.apply`` decides
for the queued task: verdict and failure reason as SPEC R-158 / R-127 name them.  The
totality test applies every task kind in a world where it completes, one where it
fails and one where it must wait, and checks the effects every :class:`Applied` must
agree on.  Expected values come from SPEC.md, not from the code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest
from worlds import fan_out, two_way

from s3repl import Engine, Profile, policy
from s3repl.model import (
    Acl,
    DeleteMarker,
    FailureReason,
    FrozenMap,
    ObjectVersion,
    ReplicationStatus,
    ReplicationTask,
    TaskKind,
    VersionStatuses,
)
from s3repl.world import Version, World

ROLE = "arn:aws:iam::123456789012:role/repl"
F = FailureReason
V = policy.Verdict
REPLICATION_ACTIONS = (
    "s3:GetReplicationConfiguration",
    "s3:ListBucket",
    "s3:GetObjectVersionForReplication",
    "s3:GetObjectVersionAcl",
    "s3:GetObjectVersionTagging",
    "s3:ReplicateObject",
    "s3:ReplicateDelete",
    "s3:ReplicateTags",
)


def role_policy(*missing: str) -> dict[str, Any]:
    """A role policy allowing the replication actions on every resource but ``missing``."""
    actions = [action for action in REPLICATION_ACTIONS if action not in missing]
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    }


def world_with_put(
    *, profile: Profile | None = None, tags: dict[str, str] | None = None, metrics: bool = False
) -> Engine:
    """src -> dst under one rule for every key, one object put (its task queued)."""
    engine = Engine(seed=3, profile=profile)
    engine.create_bucket("src", versioning=True)
    engine.create_bucket("dst", region="eu-west-1", versioning=True)
    engine.create_role(ROLE)
    destination: dict[str, Any] = {"Bucket": "arn:aws:s3:::dst"}
    if metrics:
        destination["Metrics"] = {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}
        destination["ReplicationTime"] = {"Status": "Enabled", "Time": {"Minutes": 15}}
    engine.put_bucket_replication(
        "src",
        {
            "Role": ROLE,
            "Rules": [
                {
                    "ID": "all",
                    "Priority": 1,
                    "Status": "Enabled",
                    "Filter": {},
                    "DeleteMarkerReplication": {"Status": "Enabled"},
                    "Destination": destination,
                }
            ],
        },
    )
    engine.put_object("src", "k", b"body", tags=tags)
    return engine


def version_of(world: World, task: ReplicationTask) -> ObjectVersion | DeleteMarker | None:
    """The version a task carries, read from a snapshot."""
    for version in world.versions(task.source_bucket, task.key):
        if version.version_id == task.version_id:
            return version
    return None


def apply_next(
    engine: Engine,
    *,
    unavailable: frozenset[str] = frozenset(),
    task: ReplicationTask | None = None,
) -> policy.Applied:
    """What ``policy.apply`` decides for the next queued task (or ``task``) in a snapshot."""
    world = engine.snapshot()
    chosen = task if task is not None else engine.pending()[0]
    return policy.apply(
        world,
        chosen,
        version_of(world, chosen),
        clock=lambda: engine.now,
        now_us=world.clock_us,
        unavailable=unavailable,
    )


def replica_written(engine: Engine, applied: policy.Applied) -> Version | None:
    """The replica ``applied`` (decided for the next queued task) writes, built."""
    world = engine.snapshot()
    return policy.with_replica_built(applied, version_of(world, engine.pending()[0])).replica


def deny_tags_at_destination(engine: Engine) -> None:
    """The destination owner explicitly refuses ``s3:ReplicateTags`` (R-157)."""
    engine.put_bucket_policy(
        "dst",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Principal": {"AWS": ROLE},
                    "Action": "s3:ReplicateTags",
                    "Resource": "arn:aws:s3:::dst/*",
                }
            ],
        },
    )


Tweak = Callable[[Engine], object]

# (name, profile, tagged, tweak after the put, verdict, reason, replica tags kept,
#  failed metadata operation, requirement)
APPLY_TABLE: list[tuple[str, Profile | None, bool, Tweak, V, F | None, bool, F | None, str]] = [
    ("all allowed", None, True, lambda e: None, V.COMPLETED, None, True, None, "R-124"),
    (
        "role deleted",
        None,
        False,
        lambda e: e.delete_role(ROLE),
        V.FAILED,
        F.ASSUME_ROLE_NOT_PERMITTED,
        False,
        None,
        "R-158",
    ),
    (
        "role not trusted by S3",
        None,
        False,
        lambda e: e.create_role(ROLE, trusted=False),
        V.FAILED,
        F.ASSUME_ROLE_NOT_PERMITTED,
        False,
        None,
        "R-006",
    ),
    (
        "destination deleted",
        None,
        False,
        lambda e: e.delete_bucket("dst"),
        V.FAILED,
        F.DST_BUCKET_NOT_FOUND,
        False,
        None,
        "R-158",
    ),
    (
        "destination versioning suspended",
        None,
        False,
        lambda e: e.put_bucket_versioning("dst", "Suspended"),
        V.FAILED,
        F.DST_BUCKET_UNVERSIONED,
        False,
        None,
        "R-005",
    ),
    (
        "configuration deleted",
        None,
        False,
        lambda e: e.delete_bucket_replication("src"),
        V.FAILED,
        F.SRC_BUCKET_REPLICATION_CONFIG_MISSING,
        False,
        None,
        "R-127",
    ),
    (
        "no s3:GetObjectVersionForReplication",
        None,
        False,
        lambda e: e.create_role(ROLE, policy=role_policy("s3:GetObjectVersionForReplication")),
        V.FAILED,
        F.SRC_GET_OBJECT_NOT_PERMITTED,
        False,
        None,
        "R-158",
    ),
    (
        "no s3:GetObjectVersionAcl",
        None,
        False,
        lambda e: e.create_role(ROLE, policy=role_policy("s3:GetObjectVersionAcl")),
        V.FAILED,
        F.SRC_GET_ACL_NOT_PERMITTED,
        False,
        None,
        "R-158",
    ),
    (
        "no s3:ReplicateObject",
        None,
        False,
        lambda e: e.create_role(ROLE, policy=role_policy("s3:ReplicateObject")),
        V.FAILED,
        F.DST_PUT_OBJECT_NOT_PERMITTED,
        False,
        None,
        "R-158",
    ),
    (
        "no s3:GetObjectVersionTagging, default profile: replicated without tags",
        None,
        True,
        lambda e: e.create_role(ROLE, policy=role_policy("s3:GetObjectVersionTagging")),
        V.COMPLETED,
        None,
        False,
        F.SRC_GET_TAGGING_NOT_PERMITTED,
        "R-158",
    ),
    (
        "no s3:GetObjectVersionTagging, profile fail",
        Profile.aws().evolve(missing_tag_read_permission="fail"),
        True,
        lambda e: e.create_role(ROLE, policy=role_policy("s3:GetObjectVersionTagging")),
        V.FAILED,
        F.SRC_GET_TAGGING_NOT_PERMITTED,
        False,
        None,
        "R-158",
    ),
    (
        "no s3:GetObjectVersionTagging, untagged object: nothing to read",
        None,
        False,
        lambda e: e.create_role(ROLE, policy=role_policy("s3:GetObjectVersionTagging")),
        V.COMPLETED,
        None,
        False,
        None,
        "R-158",
    ),
    (
        "s3:ReplicateTags denied by the destination",
        None,
        True,
        deny_tags_at_destination,
        V.COMPLETED,
        None,
        False,
        F.DST_PUT_TAGGING_NOT_PERMITTED,
        "R-157",
    ),
]


@pytest.mark.parametrize(
    ("name", "profile", "tagged", "tweak", "verdict", "reason", "tags_kept", "metadata", "req"),
    APPLY_TABLE,
    ids=[row[0] for row in APPLY_TABLE],
)
def test_apply_table(
    name: str,
    profile: Profile | None,
    tweak: Tweak,
    verdict: V,
    reason: F | None,
    metadata: F | None,
    req: str,
    *,
    tagged: bool,
    tags_kept: bool,
) -> None:
    """R-005, R-006, R-124, R-127, R-157, R-158: each row's verdict, reason and tag fate."""
    engine = world_with_put(profile=profile, tags={"team": "x"} if tagged else None)
    tweak(engine)
    applied = apply_next(engine)
    assert (applied.verdict, applied.reason) == (verdict, reason), (name, req)
    failed_operations = () if metadata is None else (metadata,)
    if verdict is V.FAILED:
        failed_operations = (reason,)
    assert applied.failures == failed_operations, (name, req)
    if verdict is V.COMPLETED:
        replica = replica_written(engine, applied)
        assert isinstance(replica, ObjectVersion)
        assert replica.replication_status is ReplicationStatus.REPLICA
        assert bool(replica.tags) is tags_kept, (name, req)


def test_a_failure_is_recorded_on_the_source() -> None:
    """R-123, R-124, R-127: a failed task turns the source FAILED, with its reason."""
    engine = world_with_put()
    engine.delete_bucket("dst")
    applied = apply_next(engine)
    assert applied.source_statuses is not None
    assert applied.source_statuses.replication_status is ReplicationStatus.FAILED
    assert applied.source_statuses.failure_reasons == {"dst": F.DST_BUCKET_NOT_FOUND}


def test_a_completion_is_recorded_on_the_source() -> None:
    """R-123, R-124: completing the only destination turns the source COMPLETED."""
    applied = apply_next(world_with_put())
    assert applied.source_statuses is not None
    assert applied.source_statuses.replication_status is ReplicationStatus.COMPLETED
    assert applied.source_statuses.destination_statuses == {"dst": ReplicationStatus.COMPLETED}


@pytest.mark.parametrize(("seconds", "profile"), [(60, None), (5, {"retry_delay_seconds": 5})])
def test_a_transient_problem_waits_the_profile_delay(
    seconds: int, profile: dict[str, int] | None
) -> None:
    """R-124: an unreachable destination keeps the task queued; it is due again after
    ``Profile.retry_delay_seconds`` (default a minute, INF), and nothing is written."""
    engine = world_with_put(profile=Profile.aws().evolve(**(profile or {})))
    now_us = engine.snapshot().clock_us
    applied = apply_next(engine, unavailable=frozenset({"dst"}))
    assert applied.verdict is V.RETRY
    assert applied.retry_at_us == now_us + seconds * 1_000_000
    assert applied.write is policy.Write.NOTHING
    assert applied.source_statuses is None


def test_failures_send_events_only_under_metrics() -> None:
    """R-129, R-131: a failure counts as a failed operation; its event needs metrics."""
    for metrics, events in ((False, ()), (True, ("OperationFailedReplication",))):
        engine = world_with_put(metrics=metrics)
        engine.delete_role(ROLE)
        applied = apply_next(engine)
        assert applied.failures == (F.ASSUME_ROLE_NOT_PERMITTED,)
        assert tuple(n.kind for n in applied.notifications) == events


def test_a_late_rtc_replication_reports_the_threshold() -> None:
    """R-129, R-132: replicated after 15 minutes under RTC: OperationMissedThreshold, then
    OperationReplicatedAfterThreshold with the time it took; within 15 minutes, nothing."""
    engine = world_with_put(metrics=True)
    assert apply_next(engine).notifications == ()
    engine.advance(seconds=20 * 60)
    late = apply_next(engine, task=engine.pending()[0])
    kinds = [n.kind for n in late.notifications]
    assert kinds == ["OperationMissedThreshold", "OperationReplicatedAfterThreshold"]
    assert late.notifications[1].threshold == 15
    seconds_taken = late.notifications[1].replication_time_seconds
    assert seconds_taken is not None
    assert 20 * 60 <= seconds_taken < 20 * 60 + 1


def test_replicas_are_never_rerouted() -> None:
    """R-101: the replica a step writes goes nowhere further, even into a bucket that
    replicates on."""
    engine = world_with_put()
    engine.put_bucket_replication(
        "dst",
        {
            "Role": ROLE,
            "Rules": [
                {
                    "ID": "on",
                    "Priority": 1,
                    "Status": "Enabled",
                    "Filter": {},
                    "DeleteMarkerReplication": {"Status": "Enabled"},
                    "Destination": {"Bucket": "arn:aws:s3:::src"},
                }
            ],
        },
    )
    applied = apply_next(engine)
    assert applied.write is policy.Write.PLACE
    assert applied.reroutes == ()


@pytest.mark.parametrize(
    ("order", "by_source_time"), [("source_timestamp", True), ("arrival", False)]
)
def test_the_destination_order_follows_the_profile(order: str, *, by_source_time: bool) -> None:
    """R-143, T-76: the replica is placed by source time, or as it arrives, by the profile."""
    engine = world_with_put(profile=Profile.aws().evolve(destination_version_order=order))
    assert apply_next(engine).by_source_time is by_source_time


# --- totality ----------------------------------------------------------------------------


def task_of_kind(engine: Engine, kind: TaskKind) -> ReplicationTask:
    """A queued task of ``kind`` (a version delete, which policy never routes, is built)."""
    if kind is TaskKind.OBJECT:
        return engine.pending()[0]
    engine.run()
    if kind is TaskKind.DELETE_MARKER:
        engine.delete_object("src", "k")
    elif kind is TaskKind.METADATA:
        engine.put_object_tagging("src", "k", {"team": "y"})
    else:
        version = engine.head_object("src", "k")
        return ReplicationTask(
            source_bucket="src",
            destination_bucket="dst",
            key="k",
            version_id=version.version_id,
            rule_id="all",
            kind=TaskKind.VERSION_DELETE,
        )
    (task,) = engine.pending()
    assert task.kind is kind
    return task


def check_applied(applied: policy.Applied) -> None:
    """What every Applied agrees on (see ``policy.Applied``)."""
    assert (applied.verdict is V.FAILED) == (applied.reason is not None)
    assert (applied.verdict is V.RETRY) == (applied.retry_at_us is not None)
    placed = applied.write in (policy.Write.PLACE, policy.Write.REPLACE)
    told = applied.replica_shape is not None  # a placed object's replica, by its shape
    assert placed == (applied.replica is not None or told)
    assert not (told and applied.replica is not None)
    assert not told or applied.write is policy.Write.PLACE
    if applied.write is not policy.Write.NOTHING:
        assert applied.verdict is V.COMPLETED
    if applied.verdict is V.FAILED:
        assert applied.failures == (applied.reason,)
    if applied.verdict is V.RETRY:
        assert applied.source_statuses is None
        assert applied.failures == ()
        assert applied.notifications == ()
    # Built by the trusted builders, it passes the validators all the same.
    assert attrs.evolve(applied) == applied


def _fails(engine: Engine) -> None:
    engine.delete_role(ROLE)


# Batch tasks are applied through policy.apply_batch (tests/test_batch_apply.py, R-177).
@pytest.mark.parametrize("kind", [kind for kind in TaskKind if kind is not TaskKind.BATCH])
@pytest.mark.parametrize("verdict", list(V))
def test_every_task_kind_reaches_every_verdict(kind: TaskKind, verdict: V) -> None:
    """R-124, R-158: apply answers every task kind with each verdict, never raising, and
    every answer is consistent (a reason exactly when failed, a due time exactly for a
    retry, writes only when completed)."""
    engine = world_with_put()
    task = task_of_kind(engine, kind)
    if verdict is V.FAILED:
        _fails(engine)
    unavailable = frozenset({"dst"}) if verdict is V.RETRY else frozenset()
    applied = apply_next(engine, unavailable=unavailable, task=task)
    assert applied.verdict is verdict
    check_applied(applied)
    expected_write = {
        TaskKind.OBJECT: policy.Write.PLACE,
        TaskKind.DELETE_MARKER: policy.Write.PLACE,
        TaskKind.METADATA: policy.Write.REPLACE,
        TaskKind.VERSION_DELETE: policy.Write.REMOVE,
    }[kind]
    if verdict is V.COMPLETED:
        assert applied.write is expected_write
    else:
        assert applied.write is policy.Write.NOTHING


@pytest.mark.parametrize("failing", [False, True], ids=["completes", "fails"])
def test_statuses_kept_apart_record_as_the_version_own(failing: bool) -> None:
    """R-123, R-124: the second destination's outcome, recorded over the first's, is the
    same whether the statuses come with the version or apart from it (``recorded``, as
    the engine's store keeps them): a step reads a version's statuses only to record."""
    engine = fan_out("dst-1", "dst-2")
    engine.put_object("src", "k", b"body")
    first = apply_next(engine)
    engine.step()  # dst-1 COMPLETED, recorded beside the version in the store
    if failing:
        engine.delete_bucket("dst-2")
    world = engine.snapshot()
    task = engine.pending()[0]
    stored = version_of(world, task)
    assert stored is not None
    assert first.source_statuses is not None
    assert VersionStatuses.of(stored) == first.source_statuses
    as_put = attrs.evolve(  # the version as the put stored it: the statuses apart
        stored,
        replication_status=ReplicationStatus.PENDING,
        destination_statuses=dict.fromkeys(("dst-1", "dst-2"), ReplicationStatus.PENDING),
    )
    together = policy.apply(world, task, stored, lambda: engine.now, world.clock_us)
    apart = policy.apply(
        world, task, as_put, lambda: engine.now, world.clock_us, recorded=first.source_statuses
    )
    assert apart == together
    assert policy.with_replica_built(apart, as_put) == policy.with_replica_built(together, stored)
    assert together.source_statuses is not None
    statuses = together.source_statuses.destination_statuses
    assert statuses["dst-1"] is ReplicationStatus.COMPLETED
    expected = ReplicationStatus.FAILED if failing else ReplicationStatus.COMPLETED
    assert statuses["dst-2"] is expected


def test_the_engine_writes_what_apply_says() -> None:
    """R-124: a step changes the world exactly as its Applied says (one write path)."""
    engine = world_with_put()
    applied = apply_next(engine)
    written = replica_written(engine, applied)
    engine.step()
    assert written is not None
    assert applied.source_statuses is not None
    replica = engine.head_object("dst", "k")
    assert attrs.evolve(replica, is_latest=False) == attrs.evolve(written, is_latest=False)
    source = engine.head_object("src", "k")
    assert VersionStatuses.of(source) == applied.source_statuses


# --- the checks table --------------------------------------------------------------------


def test_checks_run_stage_by_stage() -> None:
    """R-124, R-127, R-158: the table lists its checks in the order S3 meets them: the
    task's source as the step re-reads it (the bucket, its configuration, an outage, the
    version), then the role, the destination, source reads, destination writes."""
    stages = list(policy.Stage)
    order = [stages.index(check.stage) for check in policy.CHECKS]
    assert order == sorted(order)
    source_stage = [c.condition for c in policy.CHECKS if c.stage is policy.Stage.SOURCE]
    assert source_stage == [
        policy.Condition.SOURCE_EXISTS,
        policy.Condition.SOURCE_CONFIGURED,
        policy.Condition.BUCKETS_REACHABLE,
        policy.Condition.SOURCE_VERSION_EXISTS,
    ]
    assert policy.CHECKS[len(source_stage)].condition is policy.Condition.ROLE_ASSUMABLE


def test_permission_needs_are_the_tables_permission_rows() -> None:
    """R-155, R-158: findings and apply read one table: PERMISSION_NEEDS is exactly the
    permission rows of CHECKS, in order."""
    rows = [check.need for check in policy.CHECKS if check.condition is policy.Condition.PERMITTED]
    assert list(policy.PERMISSION_NEEDS) == rows


def test_a_permission_row_names_its_need() -> None:
    """A checks row that tests a permission must say which (the table refuses otherwise)."""
    with pytest.raises(ValueError, match="PERMITTED"):
        policy.Check(
            stage=policy.Stage.ROLE,
            requirement="R-158",
            condition=policy.Condition.PERMITTED,
            reason=F.DST_PUT_OBJECT_NOT_PERMITTED,
        )


@pytest.mark.parametrize(
    "check", policy.CHECKS, ids=lambda c: f"{c.requirement}-{c.condition.name}"
)
def test_every_check_row_names_a_requirement(check: policy.Check) -> None:
    """Every row of the checks table names the SPEC requirement it implements."""
    assert check.requirement.startswith("R-")
    assert len(check.requirement) == 5


# --- metadata changes (R-122) -------------------------------------------------------------


def test_a_replica_syncing_its_change_back_reads_pending() -> None:
    """R-122, R-172: a replica whose bucket syncs replica modifications back reads PENDING
    while its change travels to the source."""
    engine = two_way()
    engine.put_object("east", "k", b"x")
    engine.run()
    replica = engine.head_object("west", "k")
    assert replica.replication_status is ReplicationStatus.REPLICA
    changed = attrs.evolve(replica, tags=FrozenMap({"t": "1"}))
    routed = policy.metadata_change(engine.snapshot(), "west", changed)
    assert routed.replica_sync
    assert routed.version.replication_status is ReplicationStatus.PENDING
    assert [route.destination_bucket for route in routed.routes] == ["east"]


def test_a_replica_without_a_way_back_stays_replica() -> None:
    """R-122: without replica modification sync a changed replica still reads REPLICA."""
    engine = world_with_put()
    engine.run()
    replica = engine.head_object("dst", "k")
    changed = attrs.evolve(replica, tags=FrozenMap({"t": "1"}))
    routed = policy.metadata_change(engine.snapshot(), "dst", changed)
    assert (routed.routes, routed.replica_sync) == ((), False)
    assert routed.version.replication_status is ReplicationStatus.REPLICA


# --- what a ruling depends on ------------------------------------------------------------


def test_the_outcome_key_names_what_the_ruling_reads() -> None:
    """R-008, R-082, R-089, R-158: two objects share a ruling only when they agree on
    everything the checks and the replica's shape read (tags or none, storage class,
    encryption, and for an object of another owner its ACL); the key and body do not
    count."""
    engine = world_with_put()
    engine.put_object("src", "other", b"another body", metadata={"m": "1"})
    engine.put_object("src", "tagged", b"x", tags={"t": "1"})
    engine.put_object("src", "cold", b"x", storage_class="STANDARD_IA")
    world = engine.snapshot()
    source = world.buckets["src"]
    keys = {}
    for task in engine.pending():
        carried = version_of(world, task)
        assert carried is not None
        keys[task.key] = policy.outcome_key(world, task, carried, source)
    assert keys["k"] == keys["other"]
    assert keys["k"] != keys["tagged"]
    assert keys["k"] != keys["cold"]
    (task,) = [task for task in engine.pending() if task.key == "k"]
    version = version_of(world, task)
    assert isinstance(version, ObjectVersion)
    foreign = attrs.evolve(version, owner="210987654321")
    assert policy.outcome_key(world, task, foreign, source) != keys["k"]
    readable = attrs.evolve(foreign, acl=Acl.private("210987654321"))
    unreadable_key = policy.outcome_key(world, task, foreign, source)
    assert policy.outcome_key(world, task, readable, source) != unreadable_key


def test_a_remembered_ruling_is_dropped_when_the_world_changes() -> None:
    """R-124: a task is decided by the world when it is applied, even right after an
    identical task completed (the engine's remembered ruling goes with the change)."""
    engine = world_with_put()
    engine.put_object("src", "later", b"x")
    assert engine.step().status is ReplicationStatus.COMPLETED
    engine.create_role(ROLE, policy=role_policy("s3:ReplicateObject"))
    second = engine.step()
    assert (second.status, second.failure_reason) == (
        ReplicationStatus.FAILED,
        F.DST_PUT_OBJECT_NOT_PERMITTED,
    )


def test_a_metadata_changes_ruling_names_whether_its_replica_is_there() -> None:
    """R-085: a metadata change fails with DstVersionNotFound once its replica is gone,
    right after an identical change found it (the replica's presence is in the key)."""
    engine = world_with_put()
    engine.put_object("src", "other", b"x")
    engine.run()
    for key in ("k", "other"):
        engine.put_object_tagging("src", key, {"team": "y"})
    replica = engine.head_object("dst", "other")
    engine.delete_object("dst", "other", version_id=replica.version_id)
    world = engine.snapshot()
    found, gone = engine.pending()
    keys = []
    for task in (found, gone):
        carried = version_of(world, task)
        assert carried is not None
        keys.append(policy.outcome_key(world, task, carried, world.buckets["src"]))
    assert keys[0] != keys[1]
    assert engine.step().status is ReplicationStatus.COMPLETED
    failed = engine.step()
    assert (failed.status, failed.failure_reason) == (
        ReplicationStatus.FAILED,
        F.DST_VERSION_NOT_FOUND,
    )


# --- Applied built from outside validates itself -----------------------------------------

W = policy.Write
_PLACED = (W.PLACE, W.REPLACE)


def consistent_fields(verdict: V, write: W) -> dict[str, Any]:
    """The fields an Applied with ``verdict`` and ``write`` must have (by SPEC, not by
    the code): a reason exactly when FAILED (R-127), a due time exactly for a RETRY
    (R-124), a replica exactly when one is placed or replaced (R-158)."""
    fields: dict[str, Any] = {"verdict": verdict, "write": write, "destination": "dst"}
    if verdict is V.FAILED:
        fields["reason"] = F.DST_BUCKET_NOT_FOUND
        fields["failures"] = (F.DST_BUCKET_NOT_FOUND,)
    if verdict is V.RETRY:
        fields["retry_at_us"] = 60_000_000
    if write in _PLACED:
        fields["replica"] = _REPLICA
    return fields


_PUT = world_with_put()
_REPLICA = replica_written(_PUT, apply_next(_PUT))
_SHAPE = apply_next(_PUT).replica_shape
_RECORDED = apply_next(world_with_put()).source_statuses


@pytest.mark.parametrize("write", list(W), ids=lambda w: w.name)
@pytest.mark.parametrize("verdict", list(V), ids=lambda v: v.name)
def test_applied_writes_only_when_completed(verdict: V, write: W) -> None:
    """R-124, R-158: built from outside, an Applied takes every verdict with
    Write.NOTHING and only COMPLETED with a write (a failure or a retry changes no
    destination); otherwise a ValueError names the field."""
    fields = consistent_fields(verdict, write)
    if write is W.NOTHING or verdict is V.COMPLETED:
        applied = policy.Applied(**fields)
        assert (applied.verdict, applied.write) == (verdict, write)
    else:
        with pytest.raises(ValueError, match=r"^Applied\.write must be Write\.NOTHING"):
            policy.Applied(**fields)


def _consistent_pairs() -> list[tuple[V, W]]:
    return [(v, w) for v in V for w in W if w is W.NOTHING or v is V.COMPLETED]


@pytest.mark.parametrize(
    ("verdict", "write"), _consistent_pairs(), ids=lambda x: getattr(x, "name", str(x))
)
@pytest.mark.parametrize("field", ["reason", "retry_at_us", "replica"])
def test_applied_has_each_optional_field_exactly_when_it_must(
    verdict: V, write: W, field: str
) -> None:
    """R-124, R-127, R-158: over every consistent verdict x write, taking away a field
    the pair needs, or adding one it must not have, is a ValueError naming the field
    (a reason exactly when FAILED, a retry time exactly for RETRY, a replica exactly
    when PLACE or REPLACE)."""
    fields = consistent_fields(verdict, write)
    spare = {"reason": F.DST_BUCKET_NOT_FOUND, "retry_at_us": 1, "replica": _REPLICA}
    if field in fields:
        del fields[field]
    else:
        fields[field] = spare[field]
    with pytest.raises(ValueError, match=rf"^Applied\.{field} must be given exactly when"):
        policy.Applied(**fields)


@pytest.mark.parametrize(
    ("verdict", "write"), _consistent_pairs(), ids=lambda x: getattr(x, "name", str(x))
)
def test_only_a_placed_replica_may_be_told_by_its_shape(verdict: V, write: W) -> None:
    """R-124, R-158: a placed object's replica may be given by its shape instead
    (exactly one of the two); a replacement or no write has no shape: otherwise a
    ValueError names the field."""
    assert type(_SHAPE) is policy.ReplicaShape
    fields = consistent_fields(verdict, write) | {"replica_shape": _SHAPE}
    if write is W.PLACE:
        with pytest.raises(ValueError, match=r"^Applied\.replica must be given exactly when"):
            policy.Applied(**fields)
        del fields["replica"]
        assert policy.Applied(**fields).replica_shape is _SHAPE
    else:
        with pytest.raises(ValueError, match=r"^Applied\.replica_shape must be given exactly when"):
            policy.Applied(**fields)


@pytest.mark.parametrize(("verdict", "write"), _consistent_pairs(), ids=str)
def test_a_retry_records_nothing_on_the_source(verdict: V, write: W) -> None:
    """R-124: a transient problem keeps the source PENDING, so a RETRY carries no
    recorded source; a decided task may."""
    fields = consistent_fields(verdict, write) | {"source_statuses": _RECORDED}
    if verdict is V.RETRY:
        with pytest.raises(ValueError, match=r"^Applied\.source_statuses must be None for a RETRY"):
            policy.Applied(**fields)
    else:
        assert policy.Applied(**fields).source_statuses is _RECORDED


_WRONG_TYPES: list[tuple[str, object]] = [
    ("verdict", "COMPLETED"),
    ("reason", "DstBucketNotFound"),
    ("write", "place"),
    ("destination", 3),
    ("replica", "replica"),
    ("replica_shape", "shape"),
    ("by_source_time", 1),
    ("source_statuses", _REPLICA),
    ("notifications", ["OperationFailedReplication"]),
    ("failures", ("DstBucketNotFound",)),
    ("reroutes", ("dst",)),
    ("retry_at_us", 1.5),
]


@pytest.mark.parametrize(("field", "value"), _WRONG_TYPES, ids=[f for f, _ in _WRONG_TYPES])
def test_applied_refuses_a_field_of_the_wrong_type(field: str, value: object) -> None:
    """R-124, R-158: each field of an Applied built from outside has its type (enum
    members, not their strings; a bool, not an int); a TypeError names the field."""
    fields = consistent_fields(V.COMPLETED, W.PLACE) | {field: value}
    if field == "replica_shape":  # instead of the replica
        del fields["replica"]
    with pytest.raises(TypeError, match=rf"^Applied\.{field} must be "):
        policy.Applied(**fields)


def test_a_negative_retry_time_is_refused() -> None:
    """R-124: a retry is due at a time of the simulated clock, which starts at 0."""
    with pytest.raises(ValueError, match=r"^Applied\.retry_at_us must be >= 0"):
        policy.Applied(verdict=V.RETRY, retry_at_us=-1)


def test_the_trusted_builder_skips_the_checks() -> None:
    """R-124: a ruling's shared Applied (a placed write before its replica exists) is
    built by the trusted builder, which does not validate; the class refuses it."""
    from s3repl.policy._applied import _new_applied

    template = _new_applied(verdict=V.COMPLETED, write=W.PLACE, destination="dst")
    assert template.replica is None
    with pytest.raises(ValueError, match="replica"):
        attrs.evolve(template)


# --- the source stage of the checks table (R-124, R-127) ----------------------------------

SOURCE_ROWS = [check for check in policy.CHECKS if check.stage is policy.Stage.SOURCE]


def _drop_the_version(engine: Engine) -> None:
    version = engine.head_object("src", "k")
    engine.delete_object("src", "k", version_id=version.version_id)


def _drop_the_source(engine: Engine) -> None:
    engine.delete_bucket_replication("src")
    engine.delete_bucket("src")  # empty: the version went first


#: Per source row (by condition), what breaks it, and (SPEC R-127, R-124) the answer:
#: a failure reason, or ``None`` for a retry.
SOURCE_BREACHES: dict[policy.Condition, tuple[Tweak, F | None]] = {
    policy.Condition.SOURCE_EXISTS: (_drop_the_source, F.SRC_BUCKET_NOT_FOUND),
    policy.Condition.SOURCE_CONFIGURED: (
        lambda e: e.delete_bucket_replication("src"),
        F.SRC_BUCKET_REPLICATION_CONFIG_MISSING,
    ),
    policy.Condition.BUCKETS_REACHABLE: (lambda e: None, None),  # the outage: below
    policy.Condition.SOURCE_VERSION_EXISTS: (_drop_the_version, F.SRC_VERSION_NOT_FOUND),
}


@pytest.mark.parametrize("row", SOURCE_ROWS, ids=lambda c: c.condition.name)
def test_the_source_stage_answers_in_the_tables_order(row: policy.Check) -> None:
    """R-124, R-127: a step re-reads its task's source: with the row and every source
    row below it broken at once (the version gone, the destination down, the
    configuration and the bucket deleted), apply answers with the row's effect and
    reason, as SPEC names them (SrcBucketNotFound, SrcBucketReplicationConfigMissing,
    a retry for a transient outage, SrcVersionNotFound)."""
    engine = world_with_put()
    (task,) = engine.pending()
    index = SOURCE_ROWS.index(row)
    outage = frozenset()
    for below in reversed(SOURCE_ROWS[index:]):  # the version first, the bucket last
        tweak, _ = SOURCE_BREACHES[below.condition]
        tweak(engine)
        if below.condition is policy.Condition.BUCKETS_REACHABLE:
            outage = frozenset({"dst"})
    applied = apply_next(engine, unavailable=outage, task=task)
    _, reason = SOURCE_BREACHES[row.condition]
    assert row.reason is reason
    if reason is None:
        assert row.effect is policy.Effect.RETRY
        assert applied.verdict is V.RETRY
    else:
        assert (applied.verdict, applied.reason) == (V.FAILED, reason)
        assert applied.failures == (reason,)
    check_applied(applied)


def test_a_version_delete_carries_no_version_to_find() -> None:
    """R-103, R-127: the version row is not a version delete's (it carries none), so a
    version delete whose version is gone is not SrcVersionNotFound."""
    (row,) = [c for c in SOURCE_ROWS if c.condition is policy.Condition.SOURCE_VERSION_EXISTS]
    assert policy.Subject.VERSION_DELETE not in row.subjects
    engine = world_with_put()
    task = task_of_kind(engine, TaskKind.VERSION_DELETE)
    _drop_the_version(engine)
    applied = apply_next(engine, task=task)
    assert applied.reason is not F.SRC_VERSION_NOT_FOUND
    check_applied(applied)


def test_only_the_outage_row_retries_and_it_has_no_reason() -> None:
    """R-124: a transient problem is the one row whose task waits (no failure reason);
    a row without a reason that does not retry is refused."""
    retrying = [c for c in policy.CHECKS if c.effect is policy.Effect.RETRY]
    assert [c.condition for c in retrying] == [policy.Condition.BUCKETS_REACHABLE]
    assert [c for c in policy.CHECKS if c.reason is None] == retrying
    with pytest.raises(ValueError, match="RETRY"):
        policy.Check(
            stage=policy.Stage.SOURCE,
            requirement="R-124",
            condition=policy.Condition.BUCKETS_REACHABLE,
            reason=None,
        )
