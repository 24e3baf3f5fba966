"""The shipped invariants: each stays quiet on a healthy world and fires on a broken one.

Healthy worlds come from real engine runs; broken ones are snapshots corrupted by hand
with ``attrs.evolve``, one fault at a time, so each test shows which check catches what.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from s3repl import Engine, FailureReason, FaultPlan, Profile, ReplicationStatus, World
from s3repl.model import (
    DeleteMarker,
    FrozenMap,
    ObjectLockLegalHoldStatus,
    ObjectLockMode,
    ObjectVersion,
    ReplicationTask,
    ServerSideEncryption,
    StorageClass,
    TaskKind,
)
from s3repl.testing.invariants import (
    AggregateStatusViolation,
    ConvergenceViolation,
    DeletePropagationViolation,
    IneligibleReplicaViolation,
    InvariantViolation,
    LifecycleViolation,
    OwnershipViolation,
    PendingTaskViolation,
    ReplicaContentViolation,
    ReplicationChainViolation,
    RoutingViolation,
    StatusTracker,
    StatusTransitionViolation,
    VersionIdentityViolation,
    VersionOrderViolation,
    check_aggregate_status,
    check_all,
    check_converged,
    check_eligible_sources,
    check_lifecycle,
    check_no_rereplication,
    check_ownership,
    check_pending_tasks,
    check_replica_written,
    check_routing,
    check_version_delete_not_replicated,
    check_version_identity,
    check_version_order,
    expected_routes,
)
from s3repl.testing.machine import DEFAULT_ROLE, default_world
from s3repl.world import Version

PENDING = ReplicationStatus.PENDING
COMPLETED = ReplicationStatus.COMPLETED
FAILED = ReplicationStatus.FAILED
REPLICA = ReplicationStatus.REPLICA
OTHER_ACCOUNT = "444455556666"
REVOKED = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "s3:ReplicateObject", "Resource": "*"}],
}

WHOLE_WORLD_CHECKS = (
    check_all,
    check_version_identity,
    check_no_rereplication,
    check_eligible_sources,
    check_aggregate_status,
    check_pending_tasks,
    check_ownership,
    check_version_order,
    check_lifecycle,
)


# --- worlds and surgery ----------------------------------------------------------------


def replicated() -> Engine:
    """``a`` to dst then a delete marker to dst; ``logs/a`` tagged public to dst and dst2."""
    engine = default_world(seed=3, profile=Profile.aws())  # without the Not rule
    engine.put_object("src", "a", b"one")
    engine.put_object("src", "logs/a", b"two", tags={"class": "public"})
    engine.delete_object("src", "a")
    engine.run()
    return engine


def find(world: World, bucket: str, key: str, *, kind: type = ObjectVersion) -> Version:
    return next(v for v in world.versions(bucket, key) if isinstance(v, kind))


def with_chain(world: World, bucket: str, key: str, versions: list[Version]) -> World:
    """``world`` with ``bucket``/``key`` holding ``versions`` (newest first)."""
    chain: Any = None
    for version in reversed(versions):
        chain = (version, chain)
    keys = dict(world.objects[bucket])
    keys[key] = chain
    objects = dict(world.objects)
    objects[bucket] = FrozenMap(keys)
    return attrs.evolve(world, objects=FrozenMap(objects))


def changed(world: World, bucket: str, key: str, version_id: str, **changes: Any) -> World:
    """``world`` with one stored version evolved."""
    versions = [
        attrs.evolve(v, **changes) if v.version_id == version_id else v
        for v in world.versions(bucket, key)
    ]
    return with_chain(world, bucket, key, versions)


# --- healthy worlds pass ---------------------------------------------------------------------


@pytest.mark.parametrize("check", WHOLE_WORLD_CHECKS, ids=lambda c: c.__name__)
def test_checks_pass_on_a_replicated_world(check: Any) -> None:
    """A real run (puts, a tag rule, a delete marker, two destinations) breaks no invariant."""
    engine = replicated()
    check(engine)
    check(engine.snapshot())


@pytest.mark.parametrize("check", WHOLE_WORLD_CHECKS, ids=lambda c: c.__name__)
def test_checks_pass_while_pending_failed_and_faulted(check: Any) -> None:
    """PENDING behind a fault, FAILED after a revoked role, and a chain put pass (R-124, R-158)."""
    engine = replicated()
    engine.set_faults(FaultPlan(unavailable_buckets=frozenset(["dst"])))
    engine.put_object("src", "a", b"three")
    engine.put_object("dst", "b", b"chain")  # dst -> dst2
    engine.step()
    engine.put_role_policy(DEFAULT_ROLE, REVOKED)
    engine.set_faults(FaultPlan.none())
    engine.put_object("src", "logs/a", b"four", tags={"class": "public"})
    engine.step()
    world = engine.snapshot()
    seen = {
        v.replication_status
        for b, keys in world.objects.items()
        for k in keys
        for v in world.versions(b, k)
    }
    assert {PENDING, COMPLETED, FAILED, REPLICA} <= seen
    check(world)


def test_violations_are_assertion_errors_naming_where_and_the_requirement() -> None:
    """A violation is an AssertionError whose text names bucket, key, version id and R-nnn."""
    world = replicated().snapshot()
    source = find(world, "src", "logs/a")
    broken = changed(world, "dst", "logs/a", source.version_id, metadata=FrozenMap({"x": "y"}))
    with pytest.raises(AssertionError) as caught:
        check_all(broken)
    error = caught.value
    assert isinstance(error, InvariantViolation)
    assert (error.bucket, error.key, error.version_id) == ("dst", "logs/a", source.version_id)
    assert error.requirement == "R-083, R-142"
    assert str(error).startswith(f"dst/logs/a version {source.version_id!r}: ")
    assert "R-083" in str(error)


# --- version identity (R-083, R-142) --------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"last_modified": dt.datetime(2030, 1, 1, tzinfo=dt.UTC)},
        {"metadata": FrozenMap({"colour": "blue"})},
        {"content_type": "text/plain"},
        {"body": b"other", "size": 5},
        {"etag": f'"{"0" * 32}"'},
    ],
    ids=["creation-time", "metadata", "content-type", "body", "etag"],
)
def test_identity_fires_when_a_replica_differs_from_its_source(changes: dict[str, Any]) -> None:
    """A replica keeps the source's creation time, metadata, body and ETag (R-083, R-142)."""
    world = replicated().snapshot()
    version_id = find(world, "src", "logs/a").version_id
    broken = changed(world, "dst2", "logs/a", version_id, **changes)
    with pytest.raises(VersionIdentityViolation, match="differs from its source in src"):
        check_version_identity(broken)


def test_identity_allows_another_etag_for_an_unencrypted_source() -> None:
    """Only an unencrypted source's replica may get another ETag (default encryption, R-082)."""
    world = replicated().snapshot()
    version_id = find(world, "src", "logs/a").version_id
    source = changed(
        world, "src", "logs/a", version_id, server_side_encryption=ServerSideEncryption.NONE
    )
    broken = changed(source, "dst2", "logs/a", version_id, etag=f'"{"0" * 32}"')
    check_version_identity(broken)


def test_identity_fires_when_two_independent_versions_share_an_id() -> None:
    """A copy not marked REPLICA is a second source with the same version id (R-120, R-142)."""
    world = replicated().snapshot()
    version_id = find(world, "src", "logs/a").version_id
    broken = changed(world, "dst2", "logs/a", version_id, replication_status=None)
    with pytest.raises(VersionIdentityViolation, match="independent versions in src, dst2"):
        check_version_identity(broken)


def test_identity_fires_when_a_marker_replica_is_an_object() -> None:
    """A delete marker's replica is a delete marker (R-087, R-142)."""
    world = replicated().snapshot()
    marker = find(world, "src", "a", kind=DeleteMarker)
    replica = find(world, "dst", "a")
    assert isinstance(replica, ObjectVersion)
    fake = attrs.evolve(replica, version_id=marker.version_id)
    versions = [fake, *world.versions("dst", "a")[1:]]
    with pytest.raises(VersionIdentityViolation, match="is a object version, the source a delete"):
        check_version_identity(with_chain(world, "dst", "a", versions))


# --- replicas of replicas and eligibility (R-121) ----------------------------------------


def test_chain_fires_on_a_replica_of_a_replica() -> None:
    """With src -> dst and dst -> dst2, src's version never reaches dst2 by way of dst (R-101)."""
    world = replicated().snapshot()
    replica = find(world, "dst", "a")  # src routed "a" to dst only
    broken = with_chain(world, "dst2", "a", [replica])
    with pytest.raises(ReplicationChainViolation, match="replica of the replica in dst"):
        check_no_rereplication(broken)
    check_eligible_sources(broken)  # reported once, as a chain


def test_eligibility_fires_on_a_replica_of_an_ineligible_version() -> None:
    """A version without replication status has no replicas anywhere (R-121)."""
    world = replicated().snapshot()
    version_id = find(world, "src", "a").version_id
    broken = changed(
        world, "src", "a", version_id, replication_status=None, destination_statuses=FrozenMap()
    )
    with pytest.raises(IneligibleReplicaViolation, match="was not eligible"):
        check_eligible_sources(broken)


def test_eligibility_fires_on_a_replica_the_source_never_routed() -> None:
    """A replica appears only where its source was routed (R-121)."""
    world = replicated().snapshot()
    replica = find(world, "dst", "a")
    broken = with_chain(world, "dst2", "a", [replica])
    broken = with_chain(broken, "dst", "a", [find(world, "dst", "a", kind=DeleteMarker)])
    with pytest.raises(IneligibleReplicaViolation, match=r"routed only to \['dst'\]"):
        check_eligible_sources(broken)


def test_eligibility_fires_on_a_replica_whose_destination_failed() -> None:
    """A replica is present only when its destination's status is COMPLETED (R-121, R-124)."""
    world = replicated().snapshot()
    version_id = find(world, "src", "logs/a").version_id
    broken = changed(
        world,
        "src",
        "logs/a",
        version_id,
        destination_statuses=FrozenMap({"dst": COMPLETED, "dst2": FAILED}),
        failure_reasons=FrozenMap({"dst2": FailureReason.DST_BUCKET_UNVERSIONED}),
        replication_status=FAILED,
    )
    with pytest.raises(IneligibleReplicaViolation, match="says FAILED"):
        check_eligible_sources(broken)


# --- statuses (R-121, R-123, R-124, R-127) -----------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"replication_status": COMPLETED, "destination_statuses": {"dst": FAILED}},
            "aggregate to FAILED",
        ),
        (
            {"replication_status": COMPLETED, "destination_statuses": {"dst": PENDING}},
            "aggregate to PENDING",
        ),
        ({"replication_status": PENDING, "destination_statuses": {}}, "no destination"),
        ({"failure_reasons": {"dst": FailureReason.DST_BUCKET_NOT_FOUND}}, "failure reasons"),
    ],
    ids=["failed-wins", "pending", "status-without-destination", "reason-without-failure"],
)
def test_aggregate_fires_on_an_inconsistent_status(changes: dict[str, Any], message: str) -> None:
    """The status aggregates the destinations; FAILED ones, and only they, have a reason."""
    world = replicated().snapshot()
    version_id = find(world, "src", "a").version_id
    frozen = {k: FrozenMap(v) if isinstance(v, dict) else v for k, v in changes.items()}
    broken = changed(world, "src", "a", version_id, **frozen)
    with pytest.raises(AggregateStatusViolation, match=message):
        check_aggregate_status(broken)


def test_aggregate_fires_on_a_failure_without_reason() -> None:
    """A FAILED destination carries its documented failure reason (R-127)."""
    world = replicated().snapshot()
    version_id = find(world, "src", "a").version_id
    broken = changed(
        world,
        "src",
        "a",
        version_id,
        replication_status=FAILED,
        destination_statuses=FrozenMap({"dst": FAILED}),
    )
    with pytest.raises(AggregateStatusViolation, match=r"failed destinations are \['dst'\]"):
        check_aggregate_status(broken)


def test_pending_fires_when_a_pending_destination_has_no_task() -> None:
    """PENDING means a task is queued; a lost task would leave it PENDING forever (R-124)."""
    engine = replicated()
    engine.put_object("src", "a", b"three")
    world = engine.snapshot()
    check_pending_tasks(world)
    with pytest.raises(PendingTaskViolation, match="no replication task for it is queued"):
        check_pending_tasks(attrs.evolve(world, pending=()))


def test_pending_fires_when_a_task_is_queued_for_a_finished_destination() -> None:
    """An object task is queued only while its destination is PENDING (R-124)."""
    engine = replicated()
    engine.put_object("src", "a", b"three")
    world = engine.snapshot()
    task = world.pending[0]
    broken = changed(
        world,
        "src",
        "a",
        task.version_id,
        replication_status=COMPLETED,
        destination_statuses=FrozenMap({"dst": COMPLETED}),
    )
    with pytest.raises(PendingTaskViolation, match="status is COMPLETED, not PENDING"):
        check_pending_tasks(broken)


def test_pending_fires_when_a_marker_task_carries_an_object() -> None:
    """A delete-marker task carries a delete marker (R-087, R-124)."""
    engine = replicated()
    engine.put_object("src", "a", b"three")
    world = engine.snapshot()
    task = attrs.evolve(world.pending[0], kind=TaskKind.DELETE_MARKER)
    with pytest.raises(PendingTaskViolation, match="carries a object version"):
        check_pending_tasks(attrs.evolve(world, pending=(task,)))


# --- ownership, order, lifecycle ---------------------------------------------------------------


def test_ownership_fires_on_a_replica_owned_by_a_third_account() -> None:
    """A replica is owned by the source object's owner or the destination's (R-150..R-154)."""
    world = replicated().snapshot()
    version_id = find(world, "src", "logs/a").version_id
    check_ownership(world)
    with pytest.raises(OwnershipViolation, match=f"owned by {OTHER_ACCOUNT}"):
        check_ownership(changed(world, "dst2", "logs/a", version_id, owner=OTHER_ACCOUNT))


def late_arrival() -> Engine:
    """Two versions of ``a`` whose replicas reach dst newest first (T-76)."""
    engine = default_world(seed=5, profile=Profile.aws())
    engine.put_object("src", "a", b"v1")
    engine.put_object("src", "a", b"v2")
    older, newer = engine.pending()
    engine.step(newer)
    engine.step(older)
    return engine


def test_order_passes_when_a_late_older_version_stays_noncurrent() -> None:
    """Under source_timestamp the late older replica goes below the newer one (R-143)."""
    world = late_arrival().snapshot()
    check_version_order(world)
    newest = world.versions("src", "a")[0].version_id
    assert world.versions("dst", "a")[0].version_id == newest


def test_order_fires_when_a_late_older_version_became_current() -> None:
    """A destination's versions stay newest first by source creation (R-143, T-76)."""
    world = late_arrival().snapshot()
    newer, older = world.versions("dst", "a")
    with pytest.raises(VersionOrderViolation, match="sits below the older version"):
        check_version_order(with_chain(world, "dst", "a", [older, newer]))


def test_order_is_not_checked_under_the_arrival_profile() -> None:
    """Under ``destination_version_order=arrival`` the last arrival is current by choice (R-143)."""
    engine = default_world(
        seed=5, profile=Profile.aws().evolve(destination_version_order="arrival")
    )
    engine.put_object("src", "a", b"v1")
    engine.put_object("src", "a", b"v2")
    older, newer = engine.pending()
    engine.step(newer)
    engine.step(older)
    world = engine.snapshot()
    assert world.versions("dst", "a")[0].version_id == older.version_id
    check_version_order(world)


def test_lifecycle_fires_on_a_replicated_lifecycle_marker() -> None:
    """Lifecycle delete markers never replicate (R-104, R-087)."""
    engine = replicated()
    engine.put_object("src", "b", b"x")
    engine.run()
    engine.expire_object("src", "b")
    world = engine.snapshot()
    check_lifecycle(world)
    marker = find(world, "src", "b", kind=DeleteMarker)
    assert isinstance(marker, DeleteMarker)
    assert marker.by_lifecycle
    broken = changed(
        world,
        "src",
        "b",
        marker.version_id,
        replication_status=PENDING,
        destination_statuses=FrozenMap({"dst": PENDING}),
    )
    with pytest.raises(LifecycleViolation, match="lifecycle delete marker was replicated"):
        check_lifecycle(broken)


def test_tracker_fires_on_an_expiration_over_a_pending_version() -> None:
    """A lifecycle expiration waits while the current version is PENDING (R-125, T-74)."""
    engine = replicated()
    engine.put_object("src", "b", b"x")
    tracker = StatusTracker()
    tracker.observe(engine)
    assert engine.expire_object("src", "b") is None  # deferred
    tracker.observe(engine)
    world = engine.snapshot()
    pending = find(world, "src", "b")
    marker = DeleteMarker(
        key="b",
        version_id="LifecycleMarker",
        last_modified=pending.last_modified + dt.timedelta(seconds=1),
        owner=pending.owner,
        sequence=pending.sequence + 1,
        by_lifecycle=True,
    )
    check_lifecycle(with_chain(world, "src", "b", [marker, pending]))  # a state alone is fine
    with pytest.raises(LifecycleViolation, match="while it was PENDING"):
        tracker.observe(with_chain(world, "src", "b", [marker, pending]))


def test_tracker_allows_a_marker_uncovering_a_pending_version_later() -> None:
    """An expiration over a finished version, whose deletion then bares a PENDING one (R-125)."""
    engine = replicated()
    tracker = StatusTracker()
    engine.put_object("src", "b", b"x")  # PENDING
    glacier = engine.put_object("src", "b", b"y", storage_class="GLACIER")  # never replicated
    for call in (
        lambda: engine.expire_object("src", "b"),
        lambda: engine.delete_object("src", "b", version_id=glacier.version_id),
    ):
        tracker.observe(engine)
        call()
    tracker.observe(engine)
    statuses = [v.replication_status for v in engine.snapshot().versions("src", "b")]
    assert statuses == [None, PENDING]


# --- at the moment of a write --------------------------------------------------------------------


def test_routing_passes_right_after_writes() -> None:
    """A put and a delete marker go exactly where the winning rules send them (R-063, R-069,
    R-087)."""
    engine = default_world(seed=2)
    cases = [
        ("a", {}, ["dst", "dst2"]),  # dst2 by the Not rule
        ("tmp/a", {}, ["dst"]),  # which excludes tmp/
        ("xtmp/a", {}, ["dst", "dst2"]),  # a prefix, not a substring
        ("logs/a", {"class": "public"}, ["dst", "dst2"]),
        ("secure/a", {}, ["dst", "dst2"]),  # the KMS opt-in adds objects, excludes none
        ("tmp/b", {"class": "secret"}, ["dst"]),
    ]
    for key, tags, destinations in cases:
        version = engine.put_object("src", key, b"x", tags=tags)
        check_routing(engine, "src", key, version.version_id)
        assert sorted(version.destination_statuses) == destinations
    marker = engine.delete_object("src", "logs/a")  # the logs rule wins dst: no markers
    assert marker.version_id is not None
    check_routing(engine, "src", "logs/a", marker.version_id)
    assert engine.pending()[-1].kind is TaskKind.OBJECT


def test_expected_routes_follow_priority_and_the_kms_opt_in() -> None:
    """Highest priority wins per destination; SSE-KMS only under opted-in rules (R-063, R-067)."""
    engine = default_world(seed=2)
    key_arn = next(iter(engine.snapshot().kms_keys))
    plain = engine.put_object("src", "secure/a", b"x")
    kms = engine.put_object(
        "src", "secure/b", b"x", server_side_encryption="aws:kms", sse_kms_key_id=key_arn
    )
    world = engine.snapshot()
    assert {d: r.id for d, r in expected_routes(world, "src", plain).items()} == {
        "dst": "all-to-dst",
        "dst2": "secure-to-dst2",
    }
    assert {d: r.id for d, r in expected_routes(world, "src", kms).items()} == {
        "dst2": "secure-to-dst2"
    }


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (
            lambda w, v: changed(w, "src", "logs/a", v, destination_statuses=FrozenMap()),
            "went to",
        ),
        (
            lambda w, v: attrs.evolve(
                w, pending=tuple(attrs.evolve(t, rule_id="all-to-dst") for t in w.pending)
            ),
            "the queued tasks name the rules",
        ),
        (
            lambda w, v: changed(w, "src", "logs/a", v, replication_status=COMPLETED),
            "expected ReplicationStatus.PENDING",
        ),
    ],
    ids=["destinations", "winning-rule", "status"],
)
def test_routing_fires_on_a_wrong_route(mangle: Any, message: str) -> None:
    """The version, its status and its tasks match the winning rule per destination."""
    engine = default_world(seed=2)
    version = engine.put_object("src", "logs/a", b"x")
    broken = mangle(engine.snapshot(), version.version_id)
    with pytest.raises(RoutingViolation, match=message):
        check_routing(broken, "src", "logs/a", version.version_id)


def test_routing_needs_an_existing_version() -> None:
    """Asking about a version that does not exist is a usage error, not a violation."""
    with pytest.raises(LookupError):
        check_routing(default_world(), "src", "a", "nope")


def step_and_check(engine: Engine) -> tuple[World, ReplicationTask]:
    task = engine.pending()[0]
    assert engine.step().status is COMPLETED
    world = engine.snapshot()
    check_replica_written(world, task)
    return world, task


def test_replica_written_passes_and_fires_on_storage_class_and_owner() -> None:
    """A new replica has the winning rule's storage class and the right owner (R-089, R-154)."""
    engine = default_world(seed=2)
    engine.put_object("src", "logs/a", b"x", tags={"class": "public"})
    world, task = step_and_check(engine)
    assert task.destination_bucket == "dst"
    version_id = task.version_id
    broken = changed(world, "dst", "logs/a", version_id, storage_class=StorageClass.STANDARD)
    with pytest.raises(ReplicaContentViolation, match="rule 'logs-to-dst' gives STANDARD_IA"):
        check_replica_written(broken, task)
    broken = changed(world, "dst", "logs/a", version_id, owner=OTHER_ACCOUNT)
    with pytest.raises(ReplicaContentViolation, match="R-154"):
        check_replica_written(broken, task)
    _, task = step_and_check(engine)  # dst2, ObjectWriter: the source's owner and ACL
    broken = changed(engine.snapshot(), "dst2", "logs/a", version_id, acl=None)
    with pytest.raises(ReplicaContentViolation, match="R-150"):
        check_replica_written(broken, task)


def test_replica_written_fires_on_a_missing_replica_or_status() -> None:
    """A completed task leaves a REPLICA copy in the destination (R-080, R-120)."""
    engine = default_world(seed=2)
    engine.put_object("src", "a", b"x")
    world, task = step_and_check(engine)
    with pytest.raises(ReplicaContentViolation, match="no such version in the destination"):
        check_replica_written(with_chain(world, "dst", "a", []), task)
    broken = changed(world, "dst", "a", task.version_id, replication_status=None)
    with pytest.raises(ReplicaContentViolation, match="not REPLICA"):
        check_replica_written(broken, task)


def locked_world(*, default_days: int | None = None) -> Engine:
    engine = Engine(seed=4)
    engine.create_bucket("src", object_lock=True)
    engine.create_bucket("dst", region="eu-west-1", object_lock=True)
    if default_days is not None:
        engine.put_object_lock_configuration(
            "dst",
            {
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": default_days}},
            },
        )
    engine.create_role(DEFAULT_ROLE)
    engine.put_bucket_replication(
        "src",
        {
            "Role": DEFAULT_ROLE,
            "Rules": [
                {
                    "ID": "all",
                    "Priority": 1,
                    "Status": "Enabled",
                    "Filter": {},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {"Bucket": "arn:aws:s3:::dst"},
                }
            ],
        },
    )
    return engine


def test_replica_written_checks_object_lock_settings() -> None:
    """Retention and legal hold are copied, and must not be lost or changed (R-086, T-70)."""
    engine = locked_world()
    until = engine.now + dt.timedelta(days=3)
    engine.put_object(
        "src",
        "k",
        b"x",
        object_lock_mode="COMPLIANCE",
        object_lock_retain_until_date=until,
        object_lock_legal_hold_status="ON",
    )
    world, task = step_and_check(engine)
    for changes, message in (
        ({"object_lock_retain_until_date": until + dt.timedelta(days=1)}, "retention"),
        ({"object_lock_legal_hold_status": ObjectLockLegalHoldStatus.OFF}, "legal hold"),
    ):
        broken = changed(world, "dst", "k", task.version_id, **changes)
        with pytest.raises(ReplicaContentViolation, match=message):
            check_replica_written(broken, task)


def test_replica_written_checks_the_destination_default_retention() -> None:
    """A source without retention gets the destination's default retention (R-086, T-71)."""
    engine = locked_world(default_days=30)
    engine.put_object("src", "k", b"x")
    world, task = step_and_check(engine)
    replica = find(world, "dst", "k")
    assert isinstance(replica, ObjectVersion)
    assert replica.object_lock_mode is ObjectLockMode.GOVERNANCE
    broken = changed(world, "dst", "k", task.version_id, object_lock_mode=None)
    with pytest.raises(ReplicaContentViolation, match="destination's default"):
        check_replica_written(broken, task)


def test_replica_written_checks_a_metadata_update() -> None:
    """A completed metadata task carries the source's lock settings and ACL (R-084, R-085)."""
    engine = default_world(seed=2)
    version = engine.put_object("src", "logs/a", b"x", tags={"class": "public"})
    engine.run()
    engine.put_object_acl("src", "logs/a", acl="public-read")
    (task,) = engine.pending()  # only dst2 takes ACLs: dst enforces bucket ownership
    assert (task.kind, task.destination_bucket) == (TaskKind.METADATA, "dst2")
    world, task = step_and_check(engine)
    replica = find(world, "dst2", "logs/a")
    assert isinstance(replica, ObjectVersion)
    source = find(world, "src", "logs/a")
    assert isinstance(source, ObjectVersion)
    assert replica.acl == source.acl
    stale = find(replicated().snapshot(), "dst2", "logs/a")
    assert isinstance(stale, ObjectVersion)
    broken = changed(world, "dst2", "logs/a", version.version_id, acl=stale.acl)
    with pytest.raises(ReplicaContentViolation, match="ACL"):
        check_replica_written(broken, task)


# --- across snapshots ---------------------------------------------------------------------------


def test_version_delete_passes_when_only_its_version_goes() -> None:
    """Deleting a replicated source version by id leaves the replicas alone (R-103, T-52)."""
    engine = replicated()
    before = engine.snapshot()
    version_id = find(before, "src", "logs/a").version_id
    engine.delete_object("src", "logs/a", version_id=version_id)
    after = engine.snapshot()
    check_version_delete_not_replicated(
        before, after, bucket="src", key="logs/a", version_id=version_id
    )
    check_all(after)


def test_version_delete_fires_when_a_replica_goes_too() -> None:
    """A delete by version id that also removed a replica was replicated (R-103)."""
    engine = replicated()
    before = engine.snapshot()
    version_id = find(before, "src", "logs/a").version_id
    engine.delete_object("src", "logs/a", version_id=version_id)
    engine.delete_object("dst2", "logs/a", version_id=version_id)
    with pytest.raises(DeletePropagationViolation, match="changed dst2/logs/a"):
        check_version_delete_not_replicated(
            before, engine.snapshot(), bucket="src", key="logs/a", version_id=version_id
        )


def test_version_delete_fires_when_it_queues_a_task() -> None:
    """A delete by version id queues no replication task (R-103)."""
    engine = replicated()
    before = engine.snapshot()
    version_id = find(before, "src", "logs/a").version_id
    engine.delete_object("src", "logs/a", version_id=version_id)
    task = ReplicationTask(
        source_bucket="src",
        destination_bucket="dst",
        key="logs/a",
        version_id=version_id,
        rule_id="logs-to-dst",
        kind=TaskKind.DELETE_MARKER,
        sequence=99,
    )
    after = attrs.evolve(engine.snapshot(), pending=(task,))
    with pytest.raises(DeletePropagationViolation, match="queued a delete_marker task to dst"):
        check_version_delete_not_replicated(
            before, after, bucket="src", key="logs/a", version_id=version_id
        )


def test_status_tracker_accepts_a_real_history() -> None:
    """PENDING -> COMPLETED, PENDING -> FAILED and a delete, observed call by call (R-124)."""
    engine = default_world(seed=2)
    tracker = StatusTracker()
    tracker.observe(engine)
    version = engine.put_object("src", "logs/a", b"x", tags={"class": "public"})
    for call in (
        engine.step,  # dst: COMPLETED
        lambda: engine.put_bucket_versioning("dst2", "Suspended"),
        engine.step,  # dst2: FAILED, DstBucketUnversioned
    ):
        tracker.observe(engine)
        call()
    tracker.observe(engine)
    assert engine.head_object("src", "logs/a").replication_status is FAILED
    assert tracker.vanished == frozenset()
    engine.delete_object("src", "logs/a", version_id=version.version_id)
    tracker.observe(engine)
    assert tracker.vanished == {("src", "logs/a", version.version_id)}


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({"replication_status": COMPLETED}, {"replication_status": PENDING}),
        (
            {"replication_status": FAILED, "destination_statuses": {"dst": FAILED}},
            {"replication_status": COMPLETED, "destination_statuses": {"dst": COMPLETED}},
        ),
        (
            {"replication_status": None, "destination_statuses": {}},
            {"replication_status": PENDING, "destination_statuses": {"dst": PENDING}},
        ),
        (
            {"replication_status": COMPLETED, "destination_statuses": {"dst": COMPLETED}},
            {
                "replication_status": COMPLETED,
                "destination_statuses": {"dst": COMPLETED, "dst2": COMPLETED},
            },
        ),
    ],
    ids=["completed-to-pending", "failed-to-completed", "none-to-pending", "new-destination"],
)
def test_status_tracker_fires_on_a_backward_move(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    """Statuses only move PENDING -> COMPLETED | FAILED; FAILED is terminal (R-113, R-124)."""
    world = replicated().snapshot()
    version_id = find(world, "src", "a").version_id

    def state(changes: dict[str, Any]) -> World:
        frozen = {k: FrozenMap(v) if isinstance(v, dict) else v for k, v in changes.items()}
        return changed(world, "src", "a", version_id, **frozen)

    tracker = StatusTracker()
    tracker.observe(state(before))
    with pytest.raises(StatusTransitionViolation, match="src/a"):
        tracker.observe(state(after))


def test_status_tracker_fires_when_a_replica_sends_a_change_without_sync() -> None:
    """A replica leaves REPLICA only under ReplicaModifications (R-088, R-101, R-122)."""
    world = replicated().snapshot()
    version_id = find(world, "dst", "a").version_id
    tracker = StatusTracker()
    tracker.observe(world)
    broken = changed(
        world,
        "dst",
        "a",
        version_id,
        replication_status=PENDING,
        destination_statuses=FrozenMap({"dst2": PENDING}),
    )
    with pytest.raises(StatusTransitionViolation, match="no rule of dst has ReplicaModifications"):
        tracker.observe(broken)


def two_way() -> Engine:
    """east <-> west with ReplicaModifications on both sides (R-088, R-172, T-56)."""
    engine = Engine(seed=6)
    engine.create_bucket("east", versioning=True)
    engine.create_bucket("west", region="us-west-2", versioning=True)
    engine.create_role(DEFAULT_ROLE)
    for source, dest in (("east", "west"), ("west", "east")):
        engine.put_bucket_replication(
            source,
            {
                "Role": DEFAULT_ROLE,
                "Rules": [
                    {
                        "ID": f"{source}-to-{dest}",
                        "Priority": 1,
                        "Status": "Enabled",
                        "Filter": {},
                        "DeleteMarkerReplication": {"Status": "Enabled"},
                        "SourceSelectionCriteria": {"ReplicaModifications": {"Status": "Enabled"}},
                        "Destination": {"Bucket": f"arn:aws:s3:::{dest}"},
                    }
                ],
            },
        )
    return engine


def test_status_tracker_and_checks_follow_replica_modification_sync() -> None:
    """A replica goes REPLICA -> PENDING -> REPLICA while its tags travel back (R-122, T-56)."""
    engine = two_way()
    tracker = StatusTracker()
    calls = [
        lambda: engine.put_object("east", "k", b"x"),
        engine.step,
        lambda: engine.put_object_tagging("west", "k", {"team": "blue"}),
        engine.step,
    ]
    statuses = []
    for call in calls:
        call()
        check_all(engine)
        tracker.observe(engine)
        statuses.append([v.replication_status for v in engine.snapshot().versions("west", "k")])
    assert statuses == [[], [REPLICA], [PENDING], [REPLICA]]
    assert engine.head_object("east", "k").tags == {"team": "blue"}
    check_converged(engine)


def test_status_tracker_copies_are_independent() -> None:
    """A copied tracker remembers the past but not the other branch's future."""
    world = replicated().snapshot()
    version_id = find(world, "src", "a").version_id
    tracker = StatusTracker()
    tracker.observe(world)
    twin = tracker.copy()
    gone = changed(world, "src", "a", version_id, replication_status=PENDING)
    with pytest.raises(StatusTransitionViolation):
        twin.observe(gone)
    tracker.observe(world)


# --- convergence ----------------------------------------------------------------------------------


def test_converged_passes_after_a_run_with_a_failure() -> None:
    """After run() everything is COMPLETED with a copy or FAILED with a reason (R-124, R-127)."""
    engine = default_world(seed=2)
    engine.put_bucket_versioning("dst2", "Suspended")
    engine.put_object("src", "logs/a", b"x", tags={"class": "public"})
    engine.run()
    check_converged(engine)
    version = engine.head_object("src", "logs/a")
    assert version.failure_reasons == {"dst2": FailureReason.DST_BUCKET_UNVERSIONED}


def test_converged_fires_while_tasks_are_pending() -> None:
    """Nothing may be pending after the run (R-124)."""
    engine = default_world(seed=2)
    engine.put_object("src", "tmp/a", b"x")  # to dst only
    with pytest.raises(ConvergenceViolation, match="1 replication tasks are still pending"):
        check_converged(engine)


def test_converged_fires_on_a_missing_copy_unless_deleted_on_purpose() -> None:
    """COMPLETED means a copy exists, unless it was deleted by version id (R-103, R-124)."""
    engine = replicated()
    version_id = find(engine.snapshot(), "src", "a").version_id
    engine.delete_object("dst", "a", version_id=version_id)
    with pytest.raises(ConvergenceViolation, match="COMPLETED but has no copy"):
        check_converged(engine)
    check_converged(engine, hard_deleted={("dst", "a", version_id)})


def test_converged_fires_on_a_failure_without_reason() -> None:
    """A FAILED destination names a documented failure reason (R-127)."""
    world = replicated().snapshot()
    version_id = find(world, "src", "a").version_id
    broken = changed(
        world,
        "src",
        "a",
        version_id,
        replication_status=FAILED,
        destination_statuses=FrozenMap({"dst": FAILED}),
    )
    with pytest.raises(ConvergenceViolation, match="without a documented failure reason"):
        check_converged(broken)
