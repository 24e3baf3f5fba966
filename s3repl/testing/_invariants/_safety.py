"""Whole-world safety checks: what every snapshot of a correct engine satisfies.

Version identity, no re-replication, no replica without an eligible source, status
aggregation, pending tasks, ownership, version order and lifecycle; :func:`check_all`
runs them all.  Each is O(total versions).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from s3repl.model import (
    DeleteMarker,
    ObjectVersion,
    ReplicationStatus,
    ReplicationTask,
    ServerSideEncryption,
    TaskKind,
)
from s3repl.profile import DestinationVersionOrder
from s3repl.testing._invariants._batch import batch_subjects
from s3repl.testing._invariants._index import (
    _COMPLETED,
    _FAILED,
    _PENDING,
    _REPLICA,
    EngineOrWorld,
    _chain_versions,
    _Group,
    _groups,
    _kind,
    _world,
    restricted,
)
from s3repl.testing._invariants._violations import (
    AggregateStatusViolation,
    IneligibleReplicaViolation,
    LifecycleViolation,
    OwnershipViolation,
    PendingTaskViolation,
    ReplicationChainViolation,
    VersionIdentityViolation,
    VersionOrderViolation,
)
from s3repl.world import Version, World


def _identity(groups: list[_Group]) -> None:
    for group in groups:
        if len(group.origins) > 1:
            names = ", ".join(c.bucket for c in group.origins)
            msg = (
                f"the version id is held by independent versions in {names}; a replica "
                "must keep the source's version id and carry the status REPLICA"
            )
            raise VersionIdentityViolation(
                msg,
                requirement="R-083, R-120, R-142",
                bucket=group.origins[1].bucket,
                key=group.key,
                version_id=group.version_id,
            )
        origin = group.origin
        if origin is None:
            continue
        for replica in group.replicas:
            problem = _identity_problem(origin.version, replica.version)
            if problem is not None:
                msg = (
                    f"the replica in {replica.bucket} differs from its source in "
                    f"{origin.bucket}: {problem}"
                )
                raise VersionIdentityViolation(
                    msg,
                    requirement="R-083, R-142",
                    bucket=replica.bucket,
                    key=group.key,
                    version_id=group.version_id,
                )


def _identity_problem(source: Version, replica: Version) -> str | None:
    """What replication should have kept but did not, in words, or ``None``."""
    if type(source) is not type(replica):
        return f"it is a {_kind(replica)}, the source a {_kind(source)}"
    if replica.last_modified != source.last_modified:
        return (
            f"creation time {replica.last_modified.isoformat()}, the source's "
            f"{source.last_modified.isoformat()}"
        )
    if not (isinstance(source, ObjectVersion) and isinstance(replica, ObjectVersion)):
        return None
    if replica.metadata != source.metadata:
        return f"user metadata {dict(replica.metadata)!r}, the source's {dict(source.metadata)!r}"
    if replica.content_type != source.content_type:
        return f"content type {replica.content_type!r}, the source's {source.content_type!r}"
    if replica.size != source.size or replica.body != source.body:
        return f"a body of {replica.size} bytes that is not the source's ({source.size} bytes)"
    if (
        replica.etag != source.etag
        and source.server_side_encryption is not ServerSideEncryption.NONE
    ):
        # only an unencrypted source may get another ETag (destination default).
        return f"ETag {replica.etag}, the encrypted source's {source.etag}"
    return None


def check_version_identity(engine_or_world: EngineOrWorld) -> None:
    """Every replica keeps its source's version id, creation time, metadata and body.

    The ETag may differ only for an unencrypted source (R-082); storage class, owner,
    ACL, tags and lock settings are checked elsewhere, because they may legitimately
    differ.  Two independent versions never share a version id.

    Raises:
        VersionIdentityViolation: naming the replica and what differs (R-083, R-142).
    """
    _identity(_groups(_world(engine_or_world)))


def _batch_copied(world: World) -> frozenset[tuple[str, str]]:
    """(key, version id) of the versions a Batch Replication job may copy on (R-177)."""
    return frozenset((key, version_id) for _, key, version_id in batch_subjects(world))


def _chains(world: World, groups: list[_Group]) -> None:
    # A Batch Replication job may copy a replica on: its versions are exempt.
    copied = _batch_copied(world)
    for group in groups:
        origin = group.origin
        if origin is None or not group.replicas or (group.key, group.version_id) in copied:
            continue
        routed = origin.version.destination_statuses
        for replica in group.replicas:
            if replica.bucket in routed:
                continue
            via = [r.bucket for r in group.replicas if r.bucket != replica.bucket]
            if not via:
                continue  # no other replica: a replica the source never routed
            msg = (
                f"the replica in {replica.bucket} was not replicated from the source in "
                f"{origin.bucket} (which went to {sorted(routed)}), so it is a replica of "
                f"the replica in {via[0]}; replicas are never replicated again"
            )
            raise ReplicationChainViolation(
                msg,
                requirement="R-101",
                bucket=replica.bucket,
                key=group.key,
                version_id=group.version_id,
            )


def check_no_rereplication(engine_or_world: EngineOrWorld) -> None:
    """No replica is replicated again: every replica comes straight from its source.

    With A -> B and B -> C, a version written to A may be in B, never in C by way of B
    (R-101, R-171).

    Raises:
        ReplicationChainViolation: naming the replica of a replica.
    """
    world = _world(engine_or_world)
    _chains(world, _groups(world))


def _eligible(groups: list[_Group], copied: frozenset[tuple[str, str]] = frozenset()) -> None:
    for group in groups:
        origin = group.origin
        if origin is None:
            continue
        source = origin.version
        for replica in group.replicas:
            requirement = "R-121"
            if source.replication_status is None:
                detail = (
                    f"a replica is in {replica.bucket} although the source in "
                    f"{origin.bucket} was not eligible (it has no replication status)"
                )
            elif replica.bucket not in source.destination_statuses:
                if len(group.replicas) > 1 or (group.key, group.version_id) in copied:
                    continue  # reported as a chain
                detail = (
                    f"a replica is in {replica.bucket} although the source in "
                    f"{origin.bucket} was routed only to {sorted(source.destination_statuses)}"
                )
            elif source.destination_statuses[replica.bucket] is not _COMPLETED:
                status = source.destination_statuses[replica.bucket]
                detail = (
                    f"a replica is in {replica.bucket} while the source in {origin.bucket} "
                    f"says {status.value} for that destination"
                )
                requirement = "R-121, R-124"
            else:
                continue
            raise IneligibleReplicaViolation(
                detail,
                requirement=requirement,
                bucket=replica.bucket,
                key=group.key,
                version_id=group.version_id,
            )


def check_eligible_sources(engine_or_world: EngineOrWorld) -> None:
    """Every replica has a source that was eligible and routed to the replica's bucket.

    A replica whose source is gone (deleted by version id, R-103) is not checked here:
    :class:`StatusTracker` and :func:`check_version_delete_not_replicated` see history.

    Raises:
        IneligibleReplicaViolation: naming the replica (R-121).
    """
    world = _world(engine_or_world)
    _eligible(_groups(world), _batch_copied(world))


def _aggregate(
    statuses: Mapping[str, ReplicationStatus], *, pending_first: bool = False
) -> ReplicationStatus:
    """R-123, restated here (not imported from ``policy``) so a broken policy is caught.

    ``pending_first``: the profile's ``aggregate_pending_until_all_finish`` reading.
    """
    values = set(statuses.values())
    if pending_first and _PENDING in values:
        return _PENDING
    if _FAILED in values:
        return _FAILED
    if _PENDING in values:
        return _PENDING
    return _COMPLETED


def _aggregates(world: World) -> None:
    for bucket, key, _, version in _chain_versions(world):
        status = version.replication_status
        statuses = version.destination_statuses
        failed = {d for d, s in statuses.items() if s is _FAILED}
        where = {"bucket": bucket, "key": key, "version_id": version.version_id}
        if not statuses:
            if status not in (None, _REPLICA):
                msg = f"the status is {status.value} but no destination is recorded"
                raise AggregateStatusViolation(
                    msg,
                    requirement="R-121, R-123",
                    **where,
                )
        else:
            expected = _aggregate(
                statuses, pending_first=world.profile.aggregate_pending_until_all_finish
            )
            if status is not expected and not (status is _REPLICA and expected is _COMPLETED):
                shown = "absent" if status is None else status.value
                msg = (
                    f"the status is {shown} but the destinations say "
                    f"{ {d: s.value for d, s in statuses.items()} }, which aggregate to "
                    f"{expected.value}"
                )
                raise AggregateStatusViolation(
                    msg,
                    requirement="R-123",
                    **where,
                )
        if set(version.failure_reasons) != failed:
            msg = (
                f"failure reasons are recorded for {sorted(version.failure_reasons)} but the "
                f"failed destinations are {sorted(failed)}"
            )
            raise AggregateStatusViolation(
                msg,
                requirement="R-127",
                **where,
            )


def check_aggregate_status(engine_or_world: EngineOrWorld) -> None:
    """Every version's status aggregates its destinations, and FAILED ones have a reason.

    ``FAILED`` if any destination failed, else ``PENDING`` while any is pending, else
    ``COMPLETED`` (``REPLICA`` for a replica whose sync is done); no status without a
    destination (R-121); a failure reason for every failed destination and no other.

    Raises:
        AggregateStatusViolation: naming the version (R-123, R-127).
    """
    _aggregates(_world(engine_or_world))


def _task_key(task: ReplicationTask) -> tuple[str, str, str, str]:
    return (task.source_bucket, task.destination_bucket, task.key, task.version_id)


def _tracks_status(task: ReplicationTask) -> bool:
    return task.kind is not TaskKind.METADATA or task.replica_modification


def _pending_tasks(world: World) -> None:
    queued: dict[tuple[str, str, str, str], list[ReplicationTask]] = {}
    for task in world.pending:
        queued.setdefault(_task_key(task), []).append(task)
    versions: dict[tuple[str, str, str], Version] = {}
    for bucket, key, _, version in _chain_versions(world):
        versions[(bucket, key, version.version_id)] = version
        for dest, status in version.destination_statuses.items():
            if status is not _PENDING:
                continue
            tasks = queued.get((bucket, dest, key, version.version_id), [])
            if not any(_tracks_status(t) for t in tasks):
                msg = (
                    f"destination {dest} is PENDING but no replication task for it is "
                    "queued, so it would stay PENDING forever"
                )
                raise PendingTaskViolation(
                    msg,
                    requirement="R-124",
                    bucket=bucket,
                    key=key,
                    version_id=version.version_id,
                )
    for task in world.pending:
        if task.kind is TaskKind.BATCH:
            continue  # a Batch Replication task: any status may be taken on
        source = versions.get((task.source_bucket, task.key, task.version_id))
        if source is None:
            continue  # deleted by version id since: the task will fail (SrcVersionNotFound)
        where = {"bucket": task.source_bucket, "key": task.key, "version_id": task.version_id}
        wanted: type[Version] = (
            DeleteMarker if task.kind is TaskKind.DELETE_MARKER else ObjectVersion
        )
        if not isinstance(source, wanted):
            msg = f"a {task.kind.value} task to {task.destination_bucket} carries a {_kind(source)}"
            raise PendingTaskViolation(
                msg,
                requirement="R-124",
                **where,
            )
        current = source.destination_statuses.get(task.destination_bucket)
        expected = _PENDING if _tracks_status(task) else _COMPLETED
        if current is not expected:
            shown = "absent" if current is None else current.value
            msg = (
                f"a {task.kind.value} task to {task.destination_bucket} is queued but that "
                f"destination's status is {shown}, not {expected.value}"
            )
            raise PendingTaskViolation(
                msg,
                requirement="R-124" if expected is _PENDING else "R-085, R-124",
                **where,
            )


def check_pending_tasks(engine_or_world: EngineOrWorld) -> None:
    """PENDING means queued: each PENDING destination has a task, each task its status.

    A metadata task (R-085) goes only to a destination already ``COMPLETED``; a
    replica-modification task (R-122) keeps the replica's status ``PENDING``.

    Raises:
        PendingTaskViolation: naming the version and destination (R-124).
    """
    _pending_tasks(_world(engine_or_world))


def _ownership(world: World, groups: list[_Group]) -> None:
    for group in groups:
        origin = group.origin
        if origin is None or not isinstance(origin.version, ObjectVersion):
            continue
        for replica in group.replicas:
            dest = world.bucket(replica.bucket)
            if dest is None or not isinstance(replica.version, ObjectVersion):
                continue
            allowed = {origin.version.owner, dest.owner}
            if replica.version.owner not in allowed:
                msg = (
                    f"the replica in {replica.bucket} is owned by {replica.version.owner}, "
                    f"neither the source object's owner ({origin.version.owner}) nor the "
                    f"destination bucket's owner ({dest.owner})"
                )
                raise OwnershipViolation(
                    msg,
                    requirement="R-150, R-151, R-154",
                    bucket=replica.bucket,
                    key=group.key,
                    version_id=group.version_id,
                )


def check_ownership(engine_or_world: EngineOrWorld) -> None:
    """Every replica is owned by its source object's owner or by the destination's owner.

    The exact owner and ACL depend on the rule and the destination's Object Ownership
    *when the replica was written*; :func:`check_replica_written` checks them then.

    Raises:
        OwnershipViolation: naming the replica (R-150..R-154).
    """
    world = _world(engine_or_world)
    _ownership(world, _groups(world))


def _order(world: World) -> None:
    if world.profile.destination_version_order is not DestinationVersionOrder.SOURCE_TIMESTAMP:
        return  # under ``arrival`` the last replica to arrive is current, by choice
    for bucket, keys in world.objects.items():
        for key, chain in keys.items():
            newer: Version | None = None
            cursor = chain
            while cursor is not None:
                version = cursor[0]
                if newer is not None and (
                    version.sequence > newer.sequence or version.last_modified > newer.last_modified
                ):
                    msg = (
                        f"version {version.version_id!r} (created "
                        f"{version.last_modified.isoformat()}) sits below the older version "
                        f"{newer.version_id!r} (created {newer.last_modified.isoformat()}): "
                        "a late-arriving older version must not become newer"
                    )
                    raise VersionOrderViolation(
                        msg,
                        requirement="R-143",
                        bucket=bucket,
                        key=key,
                        version_id=version.version_id,
                    )
                newer = version
                cursor = cursor[1]


def check_version_order(engine_or_world: EngineOrWorld) -> None:
    """Every key's versions are newest first by source creation, however replicas arrived.

    Checked under the profile's default ``destination_version_order="source_timestamp"``;
    under ``"arrival"`` there is nothing to check (R-143, INF).

    Raises:
        VersionOrderViolation: naming the key and the misplaced version (R-143).
    """
    _order(_world(engine_or_world))


def _lifecycle(world: World) -> None:
    for bucket, key, _, version in _chain_versions(world):
        if not (isinstance(version, DeleteMarker) and version.by_lifecycle):
            continue
        if version.replication_status is not None or version.destination_statuses:
            status = version.replication_status
            shown = "" if status is None else f" (status {status.value})"
            msg = f"a lifecycle delete marker was replicated{shown}; lifecycle never replicates"
            raise LifecycleViolation(
                msg,
                requirement="R-104, R-087",
                bucket=bucket,
                key=key,
                version_id=version.version_id,
            )


def check_lifecycle(engine_or_world: EngineOrWorld) -> None:
    """Lifecycle delete markers are never replicated, nor routed anywhere.

    Whether an expiration waited for a PENDING version (R-125) is a question about the
    moment it happened: :class:`StatusTracker` answers it.

    Raises:
        LifecycleViolation: naming the marker (R-104, R-087).
    """
    _lifecycle(_world(engine_or_world))


def check_all(engine_or_world: EngineOrWorld, *, keys: Collection[str] | None = None) -> None:
    """Run every whole-world safety check on one snapshot, in one pass over the versions.

    The checks: :func:`check_version_identity`, :func:`check_no_rereplication`,
    :func:`check_eligible_sources`, :func:`check_aggregate_status`,
    :func:`check_pending_tasks`, :func:`check_ownership`, :func:`check_version_order`,
    :func:`check_lifecycle`.

    Args:
        engine_or_world: the engine or its snapshot.
        keys: check only these keys (their versions in every bucket, and their
            tasks): every check reads one key at a time, so after a call that touched
            only these keys this is as good as checking everything, and costs the
            same however many other objects the world holds.  ``None``: every key.

    Raises:
        InvariantViolation: the first violation found (a subclass naming the R-nnn).
    """
    world = _world(engine_or_world)
    if keys is not None:
        world = restricted(world, keys)
    groups = _groups(world)
    _identity(groups)
    _chains(world, groups)
    _eligible(groups, _batch_copied(world))
    _aggregates(world)
    _pending_tasks(world)
    _ownership(world, groups)
    _order(world)
    _lifecycle(world)
