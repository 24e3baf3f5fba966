"""Invariants of S3 replication, as ``check_*`` functions over an engine or a snapshot.

Theory of operation.  Each check reads a :class:`~s3repl.world.World` (an engine is
snapshotted first) and raises an :class:`InvariantViolation` subclass naming the
bucket, key and version id, what broke, and the SPEC requirement.  They come in four
kinds, by what they need to see:

1. *Whole-world safety* (:func:`check_all` runs them all): every snapshot of a correct
   engine passes them, whatever happened before.  Each is O(total versions).
2. *At the moment of a write*: :func:`check_routing` (call it right after a put or a
   delete marker) and :func:`check_replica_written` (right after a step applied a
   task).  They hold only at that moment, because configurations, tags and lock
   settings may change afterwards.  :func:`check_routing` restates the rule selection
   of SPEC section 3 independently of ``s3repl.policy``, so that a broken policy is
   caught rather than echoed.
3. *Across snapshots*: :class:`StatusTracker` (statuses only move forward, R-113,
   R-122, R-124) and :func:`check_version_delete_not_replicated` (R-103).
4. *Liveness*: :func:`check_converged`, after a run with faults off.

Copies of one version are told apart as S3 does: a copy whose status is ``REPLICA`` is
a replica.  A replica whose metadata change is travelling back under replica
modification sync (R-122) shows ``PENDING`` or ``FAILED``; it is recognised by its
queued replica-modification task, or because another copy lists its bucket as a
``COMPLETED`` destination.  (A replica whose sync FAILED after its source was deleted
by version id cannot be told from a source; the checks are written so that either
reading is correct for it.)  Versions with the
``null`` version id are never replicated and are left out of the cross-bucket checks.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import TypeAlias

import attrs

from s3repl.engine import Engine
from s3repl.model import (
    NULL_VERSION_ID,
    Acl,
    Bucket,
    DeleteMarker,
    FailureReason,
    ObjectOwnership,
    ObjectVersion,
    ReplicationRule,
    ReplicationStatus,
    ReplicationTask,
    ServerSideEncryption,
    Status,
    StorageClass,
    TaskKind,
)
from s3repl.model.replication import Filter, NotOperator, SchemaVersion
from s3repl.profile import DestinationVersionOrder
from s3repl.world import Version, World

__all__ = [
    "AggregateStatusViolation",
    "ConvergenceViolation",
    "DeletePropagationViolation",
    "EngineOrWorld",
    "IneligibleReplicaViolation",
    "InvariantViolation",
    "LifecycleViolation",
    "OwnershipViolation",
    "PendingTaskViolation",
    "ReplicaContentViolation",
    "ReplicationChainViolation",
    "RoutingViolation",
    "StatusTracker",
    "StatusTransitionViolation",
    "VersionIdentityViolation",
    "VersionOrderViolation",
    "check_aggregate_status",
    "check_all",
    "check_converged",
    "check_eligible_sources",
    "check_lifecycle",
    "check_no_rereplication",
    "check_ownership",
    "check_pending_tasks",
    "check_replica_written",
    "check_routing",
    "check_version_delete_not_replicated",
    "check_version_identity",
    "check_version_order",
    "expected_routes",
]

#: What every check accepts, a live engine (snapshotted first) or a snapshot.
EngineOrWorld: TypeAlias = Engine | World

_PENDING = ReplicationStatus.PENDING
_COMPLETED = ReplicationStatus.COMPLETED
_FAILED = ReplicationStatus.FAILED
_REPLICA = ReplicationStatus.REPLICA
_ARCHIVED = (StorageClass.GLACIER, StorageClass.DEEP_ARCHIVE)


# --- violations --------------------------------------------------------------------


class InvariantViolation(AssertionError):
    """An invariant of S3 replication does not hold.

    Attributes:
        requirement: the SPEC requirement(s) broken, e.g. ``"R-101"``.
        bucket: the bucket where it was seen, if one.
        key: the object key, if one.
        version_id: the version id, if one.
        detail: what broke, in words.
    """

    def __init__(
        self,
        detail: str,
        *,
        requirement: str,
        bucket: str | None = None,
        key: str | None = None,
        version_id: str | None = None,
    ) -> None:
        self.requirement = requirement
        self.bucket = bucket
        self.key = key
        self.version_id = version_id
        self.detail = detail
        where = ""
        if bucket is not None:
            where = bucket if key is None else f"{bucket}/{key}"
            if version_id is not None:
                where += f" version {version_id!r}"
            where += ": "
        super().__init__(f"{where}{detail} ({requirement})")


class VersionIdentityViolation(InvariantViolation):
    """A replica differs from its source in what replication keeps (R-083, R-142)."""


class ReplicationChainViolation(InvariantViolation):
    """A replica was replicated onwards (R-101)."""


class IneligibleReplicaViolation(InvariantViolation):
    """A replica exists whose source was never routed to its bucket (R-121)."""


class AggregateStatusViolation(InvariantViolation):
    """A version's status disagrees with its per-destination statuses (R-123, R-127)."""


class PendingTaskViolation(InvariantViolation):
    """A PENDING destination has no queued task, or a queued task no PENDING status (R-124)."""


class OwnershipViolation(InvariantViolation):
    """A replica has an owner or ACL that R-150..R-154 do not allow."""


class VersionOrderViolation(InvariantViolation):
    """A key's versions are not in source order: a late older version became current (R-143)."""


class LifecycleViolation(InvariantViolation):
    """A lifecycle action was replicated (R-104) or acted on a PENDING version (R-125)."""


class RoutingViolation(InvariantViolation):
    """A new version went to the wrong destinations or under the wrong rule (R-060..R-069)."""


class ReplicaContentViolation(InvariantViolation):
    """A replica just written is not shaped as R-082..R-089 and R-150..R-154 say."""


class DeletePropagationViolation(InvariantViolation):
    """A delete by version id reached another bucket or queued work (R-103)."""


class StatusTransitionViolation(InvariantViolation):
    """A status moved backwards or out of a terminal state (R-113, R-122, R-124)."""


class ConvergenceViolation(InvariantViolation):
    """After a run with faults off, something is not replicated nor FAILED with a reason."""


#: Builds a violation from a detail and an R-nnn (a local helper's type).
_Fail: TypeAlias = Callable[[str, str], ReplicaContentViolation]


# --- indexing a world ----------------------------------------------------------------


def _world(engine_or_world: EngineOrWorld) -> World:
    if isinstance(engine_or_world, World):
        return engine_or_world
    return engine_or_world.snapshot()


def _chain_versions(world: World) -> Iterator[tuple[str, str, int, Version]]:
    """Yield ``(bucket, key, position, version)`` for every stored version, newest first."""
    for bucket, keys in world.objects.items():
        for key, chain in keys.items():
            position = 0
            cursor = chain
            while cursor is not None:
                yield bucket, key, position, cursor[0]
                cursor = cursor[1]
                position += 1


@attrs.frozen
class _Copy:
    bucket: str
    version: Version


@attrs.frozen
class _Group:
    """Every copy of one ``(key, version id)``, split into origins and replicas."""

    key: str
    version_id: str
    origins: tuple[_Copy, ...]
    replicas: tuple[_Copy, ...]

    @property
    def origin(self) -> _Copy | None:
        return self.origins[0] if len(self.origins) == 1 else None


def _is_replica(copy: _Copy, copies: list[_Copy], syncing: set[tuple[str, str, str]]) -> bool:
    status = copy.version.replication_status
    if status is _REPLICA:
        return True
    if status not in (_PENDING, _FAILED):
        return False
    # a replica syncing its metadata back shows PENDING (with a replica
    # modification task queued) or, once that failed, FAILED.
    if (copy.bucket, copy.version.key, copy.version.version_id) in syncing:
        return True
    for other in copies:
        if other is copy or other.version.replication_status is _REPLICA:
            continue
        if (
            other.version.destination_statuses.get(copy.bucket) is _COMPLETED
            and copy.version.destination_statuses.get(other.bucket) is not _COMPLETED
        ):
            return True
    return False


def _groups(world: World) -> list[_Group]:
    """Group the copies of every non-null version id across buckets: O(total versions)."""
    found: dict[tuple[str, str], list[_Copy]] = {}
    for bucket, key, _, version in _chain_versions(world):
        if version.version_id != NULL_VERSION_ID:
            found.setdefault((key, version.version_id), []).append(_Copy(bucket, version))
    syncing = {
        (t.source_bucket, t.key, t.version_id) for t in world.pending if t.replica_modification
    }
    groups = []
    for (key, version_id), copies in found.items():
        flags = [_is_replica(c, copies, syncing) for c in copies]
        groups.append(
            _Group(
                key=key,
                version_id=version_id,
                origins=tuple(c for c, f in zip(copies, flags, strict=True) if not f),
                replicas=tuple(c for c, f in zip(copies, flags, strict=True) if f),
            )
        )
    return groups


def _kind(version: Version) -> str:
    return "delete marker" if isinstance(version, DeleteMarker) else "object version"


# --- whole-world safety ----------------------------------------------------------------


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


def _chains(world: World, groups: list[_Group]) -> None:
    for group in groups:
        origin = group.origin
        if origin is None or not group.replicas:
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


def _eligible(groups: list[_Group]) -> None:
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
                if len(group.replicas) > 1:
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
    _eligible(_groups(_world(engine_or_world)))


def _aggregate(statuses: Mapping[str, ReplicationStatus]) -> ReplicationStatus:
    """R-123, restated here (not imported from ``policy``) so a broken policy is caught."""
    values = set(statuses.values())
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
            expected = _aggregate(statuses)
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


def check_all(engine_or_world: EngineOrWorld) -> None:
    """Run every whole-world safety check on one snapshot, in one pass over the versions.

    The checks: :func:`check_version_identity`, :func:`check_no_rereplication`,
    :func:`check_eligible_sources`, :func:`check_aggregate_status`,
    :func:`check_pending_tasks`, :func:`check_ownership`, :func:`check_version_order`,
    :func:`check_lifecycle`.

    Raises:
        InvariantViolation: the first violation found (a subclass naming the R-nnn).
    """
    world = _world(engine_or_world)
    groups = _groups(world)
    _identity(groups)
    _chains(world, groups)
    _eligible(groups)
    _aggregates(world)
    _pending_tasks(world)
    _ownership(world, groups)
    _order(world)
    _lifecycle(world)


# --- at the moment of a write ----------------------------------------------------------


def _excluded(excluded: NotOperator, key: str, tags: Mapping[str, str]) -> bool:
    if excluded.prefix is not None and key.startswith(excluded.prefix):
        return True
    if excluded.tag is not None and tags.get(excluded.tag.key) == excluded.tag.value:
        return True
    either = excluded.or_
    if either is None:
        return False
    return any(key.startswith(p) for p in either.prefixes) or any(
        tags.get(t.key) == t.value for t in either.tags
    )


def _filter_selects(flt: Filter, key: str, tags: Mapping[str, str]) -> bool:
    both = flt.and_
    prefix = flt.prefix if flt.prefix is not None else (both.prefix if both else None)
    if prefix is not None and not key.startswith(prefix):
        return False
    wanted = (flt.tag,) if flt.tag is not None else (both.tags if both else ())
    if any(tags.get(t.key) != t.value for t in wanted):
        return False
    for excluded in (flt.not_, both.not_ if both else None):
        if excluded is not None and _excluded(excluded, key, tags):
            return False
    return True


def _selects(rule: ReplicationRule, key: str, tags: Mapping[str, str]) -> bool:
    if rule.filter is None:
        return key.startswith(rule.prefix or "")
    return _filter_selects(rule.filter, key, tags)


def expected_routes(world: World, bucket: str, version: Version) -> dict[str, ReplicationRule]:
    """The winning rule per destination for a version just written to ``bucket``.

    An independent restatement of SPEC sections 3 to 5 (deliberately not calling
    ``s3repl.policy``): enabled rules only (R-065); prefix, tags and ``Not`` (R-060,
    R-061, R-069); per destination the highest priority, ties to the earlier rule
    (R-063, R-066); replicas (R-101), archived classes (R-105), SSE-C by profile (R-081)
    and SSE-KMS without the opt-in (R-067) never; delete markers only from user deletes
    under V1 rules or V2 rules with ``DeleteMarkerReplication`` (R-087, R-104, R-110).

    Args:
        world: the world at the moment of the write.
        bucket: the bucket written to.
        version: the new object version or delete marker.

    Returns:
        destination bucket name -> winning rule; empty when not eligible.
    """
    source = world.bucket(bucket)
    if source is None or source.replication is None:
        return {}
    tags: Mapping[str, str] = {}
    kms = False
    if isinstance(version, DeleteMarker):
        if version.by_lifecycle:
            return {}
    else:
        if version.replication_status is _REPLICA or version.storage_class in _ARCHIVED:
            return {}
        sse = version.server_side_encryption
        if sse is ServerSideEncryption.SSE_C and not world.profile.sse_c_replication:
            return {}
        tags = version.tags
        kms = sse in (ServerSideEncryption.SSE_KMS, ServerSideEncryption.DSSE_KMS)
    best: dict[str, tuple[tuple[int, int], ReplicationRule]] = {}
    for index, rule in enumerate(source.replication.rules):
        if rule.status is not Status.ENABLED or not _selects(rule, version.key, tags):
            continue
        criteria = rule.source_selection_criteria
        if kms and (criteria is None or criteria.sse_kms_encrypted_objects is not Status.ENABLED):
            continue
        rank = (rule.priority if rule.priority is not None else 0, -index)
        dest = rule.destination.bucket_name
        if dest not in best or rank > best[dest][0]:
            best[dest] = (rank, rule)
    routes = {dest: rule for dest, (_, rule) in best.items()}
    if isinstance(version, DeleteMarker):
        routes = {
            dest: rule
            for dest, rule in routes.items()
            if (
                rule.schema_version is SchemaVersion.V1
                or rule.delete_marker_replication is Status.ENABLED
            )
            and not _cross_account_marker_off(world, source, dest)
        }
    return routes


def _cross_account_marker_off(world: World, source: Bucket, dest_name: str) -> bool:
    if not world.profile.cross_account_delete_markers_off_by_default:
        return False
    dest = world.bucket(dest_name)
    return dest is not None and dest.owner != source.owner


def _find(world: World, bucket: str, key: str, version_id: str) -> Version | None:
    for version in world.versions(bucket, key):
        if version.version_id == version_id:
            return version
    return None


def check_routing(engine_or_world: EngineOrWorld, bucket: str, key: str, version_id: str) -> None:
    """A version just written went exactly where the configuration sends it.

    Call it right after ``put_object`` or ``delete_object`` (without version id): it
    compares the version's status, its destinations and the rule of each queued task
    with :func:`expected_routes` under the configuration in force now.

    Raises:
        RoutingViolation: naming the version, the expected and the actual routing.
        LookupError: the version does not exist.
    """
    world = _world(engine_or_world)
    version = _find(world, bucket, key, version_id)
    if version is None:
        msg = f"{bucket}/{key} has no version {version_id!r}"
        raise LookupError(msg)
    expected = expected_routes(world, bucket, version)
    where = {"bucket": bucket, "key": key, "version_id": version_id}
    wanted = {dest: rule.id or "" for dest, rule in expected.items()}
    actual = dict(version.destination_statuses)
    if set(actual) != set(wanted):
        msg_0 = (
            f"this new {_kind(version)} went to {sorted(actual)}, but the configuration "
            f"sends it to {sorted(wanted)} (winning rules {wanted})"
        )
        raise RoutingViolation(
            msg_0,
            requirement="R-060..R-069, R-080, R-087, R-100..R-110",
            **where,
        )
    status = version.replication_status
    expected_status = _PENDING if wanted else None
    if status is not expected_status or any(s is not _PENDING for s in actual.values()):
        msg_0 = (
            f"a new {_kind(version)} has status {status!r} and destinations {actual!r}; "
            f"expected {expected_status!r} with every destination PENDING"
        )
        raise RoutingViolation(
            msg_0,
            requirement="R-120, R-121, R-124",
            **where,
        )
    queued: dict[str, list[str]] = {}
    for task in world.pending:
        if (task.source_bucket, task.key, task.version_id) == (bucket, key, version_id):
            queued.setdefault(task.destination_bucket, []).append(task.rule_id)
    if queued != {dest: [rule_id] for dest, rule_id in wanted.items()}:
        msg_0 = (
            f"the queued tasks name the rules {queued}, but the winning rules per "
            f"destination are {wanted} (highest priority among enabled matching rules)"
        )
        raise RoutingViolation(
            msg_0,
            requirement="R-063, R-064, R-066",
            **where,
        )


def check_replica_written(engine_or_world: EngineOrWorld, task: ReplicationTask) -> None:
    """The copy a step just wrote (or updated) is shaped as SPEC section 4 and 8 say.

    Call it right after ``step()`` returned ``COMPLETED`` for ``task``.  For an object:
    same identity (R-083), the winning rule's storage class or the source's (R-089),
    the encryption of R-082, the source's tags (or none when they could not be read,
    R-158), the lock settings or the destination's default retention (R-086), and the
    owner and ACL of R-150, R-151 and R-154.  For a delete marker: a ``REPLICA`` marker
    with the same creation time (R-087).  For a metadata change: the lock settings and
    the ACL carried over (R-085, R-088).

    Raises:
        ReplicaContentViolation: naming the copy and what is wrong.
        VersionIdentityViolation: the copy lost its identity.
    """
    world = _world(engine_or_world)
    where = {"bucket": task.destination_bucket, "key": task.key, "version_id": task.version_id}
    source = _find(world, task.source_bucket, task.key, task.version_id)
    copy = _find(world, task.destination_bucket, task.key, task.version_id)
    if source is None:
        return  # deleted by version id since; nothing to compare with
    if copy is None:
        msg = (
            f"the {task.kind.value} task from {task.source_bucket} completed but there is no "
            "such version in the destination"
        )
        raise ReplicaContentViolation(
            msg,
            requirement="R-080, R-124",
            **where,
        )
    if task.kind is TaskKind.METADATA:
        _check_metadata_carried(source, copy, where)
        return
    problem = _identity_problem(source, copy)
    if problem is not None:
        msg = f"the replica just written differs from its source in {task.source_bucket}: {problem}"
        raise VersionIdentityViolation(
            msg,
            requirement="R-083, R-142",
            **where,
        )
    if copy.replication_status is not _REPLICA:
        msg = f"a replica just written has status {copy.replication_status!r}, not REPLICA"
        raise ReplicaContentViolation(
            msg,
            requirement="R-120",
            **where,
        )
    if isinstance(source, ObjectVersion) and isinstance(copy, ObjectVersion):
        dest = world.bucket(task.destination_bucket)
        config = world.buckets[task.source_bucket].replication
        rule = None
        if config is not None:
            rule = next((r for r in config.rules if r.id == task.rule_id), None)
        if dest is not None:
            _check_replica_object(source, copy, rule, dest, where)


def _check_replica_object(
    source: ObjectVersion,
    replica: ObjectVersion,
    rule: ReplicationRule | None,
    dest: Bucket,
    where: Mapping[str, str],
) -> None:
    def fail(detail: str, requirement: str) -> ReplicaContentViolation:
        return ReplicaContentViolation(detail, requirement=requirement, **where)

    if rule is not None:
        klass = rule.destination.storage_class or source.storage_class
        if replica.storage_class is not klass:
            msg = (
                f"the replica's storage class is {replica.storage_class.value}, but rule "
                f"{rule.id!r} gives {klass.value}"
            )
            raise fail(
                msg,
                "R-089, R-064",
            )
    if replica.tags not in (source.tags, {}):
        msg = f"the replica's tags {dict(replica.tags)} are not the source's"
        raise fail(msg, "R-085")
    _check_replica_encryption(source, replica, rule, dest, fail)
    _check_replica_lock(source, replica, dest, fail)
    override = rule is not None and rule.destination.access_control_translation is not None
    if dest.ownership is ObjectOwnership.BUCKET_OWNER_ENFORCED:
        owner, acl, overridden, requirement = dest.owner, None, False, "R-154"
    elif override:
        owner, acl, overridden, requirement = dest.owner, Acl.private(dest.owner), True, "R-151"
    else:
        owner, acl, overridden, requirement = source.owner, source.acl, False, "R-150"
    got = (replica.owner, replica.acl, replica.owner_overridden)
    if got != (owner, acl, overridden):
        msg = (
            f"the replica is owned by {replica.owner} with ACL {replica.acl!r} (owner "
            f"overridden: {replica.owner_overridden}); expected owner {owner} with ACL "
            f"{acl!r} (owner overridden: {overridden})"
        )
        raise fail(msg, requirement)


def _check_replica_encryption(
    source: ObjectVersion,
    replica: ObjectVersion,
    rule: ReplicationRule | None,
    dest: Bucket,
    fail: _Fail,
) -> None:
    sse = source.server_side_encryption
    wanted: tuple[ServerSideEncryption, str | None] = (sse, None)
    if sse is ServerSideEncryption.NONE:
        wanted = (dest.default_encryption.sse_algorithm, dest.default_encryption.kms_master_key_id)
    elif sse.uses_kms:
        config = None if rule is None else rule.destination.encryption_configuration
        # Without the rule (changed since) only the kind can be checked.
        key = replica.sse_kms_key_id if rule is None else None
        wanted = (sse, key if config is None else config.replica_kms_key_id)
    got = (replica.server_side_encryption, replica.sse_kms_key_id)
    if got != wanted:
        msg = (
            f"the replica is encrypted as {got[0].value} (key {got[1]}), expected "
            f"{wanted[0].value} (key {wanted[1]})"
        )
        raise fail(
            msg,
            "R-082",
        )


def _check_replica_lock(
    source: ObjectVersion, replica: ObjectVersion, dest: Bucket, fail: _Fail
) -> None:
    got = (replica.object_lock_mode, replica.object_lock_retain_until_date)
    if source.object_lock_mode is not None:
        if got != (source.object_lock_mode, source.object_lock_retain_until_date):
            msg = (
                f"the replica's retention {got} is not the source's "
                f"{(source.object_lock_mode, source.object_lock_retain_until_date)}"
            )
            raise fail(
                msg,
                "R-086",
            )
    else:
        default = None if dest.object_lock is None else dest.object_lock.default_retention
        wanted_mode = None if default is None else default.mode
        if replica.object_lock_mode is not wanted_mode or (
            (replica.object_lock_retain_until_date is None) != (wanted_mode is None)
        ):
            msg = (
                f"the source has no retention, so the replica should get the destination's "
                f"default ({wanted_mode!r}), but it has {got}"
            )
            raise fail(
                msg,
                "R-086",
            )
    if replica.object_lock_legal_hold_status is not source.object_lock_legal_hold_status:
        msg = (
            f"the replica's legal hold {replica.object_lock_legal_hold_status!r} is not the "
            f"source's {source.object_lock_legal_hold_status!r}"
        )
        raise fail(
            msg,
            "R-086",
        )


def _check_metadata_carried(source: Version, copy: Version, where: Mapping[str, str]) -> None:
    if not (isinstance(source, ObjectVersion) and isinstance(copy, ObjectVersion)):
        return
    lock = (
        source.object_lock_mode,
        source.object_lock_retain_until_date,
        source.object_lock_legal_hold_status,
    )
    got = (
        copy.object_lock_mode,
        copy.object_lock_retain_until_date,
        copy.object_lock_legal_hold_status,
    )
    if got != lock:
        msg = f"after a metadata update the lock settings are {got}, not the source's {lock}"
        raise ReplicaContentViolation(
            msg,
            requirement="R-085, R-086",
            **where,
        )
    if not copy.owner_overridden and copy.acl is not None and copy.acl != source.acl:
        msg = f"after a metadata update the ACL is {copy.acl!r}, not the source's {source.acl!r}"
        raise ReplicaContentViolation(
            msg,
            requirement="R-084",
            **where,
        )


# --- across snapshots --------------------------------------------------------------------


def check_version_delete_not_replicated(
    before: World, after: World, *, bucket: str, key: str, version_id: str
) -> None:
    """A delete by version id changed only its own version: no other bucket, no new task.

    Call it with snapshots taken just before and just after
    ``delete_object(bucket, key, version_id=version_id)``.

    Raises:
        DeletePropagationViolation: another bucket's versions of ``key`` changed, or a
            replication task was queued (R-103).
    """
    where = {"bucket": bucket, "key": key, "version_id": version_id}
    new_tasks = set(after.pending) - set(before.pending)
    if new_tasks:
        task = min(new_tasks, key=lambda t: t.sequence)
        msg = (
            f"deleting by version id queued a {task.kind.value} task to "
            f"{task.destination_bucket}; such deletes are never replicated"
        )
        raise DeletePropagationViolation(
            msg,
            requirement="R-103",
            **where,
        )
    names = set(before.objects) | set(after.objects)
    for name in sorted(names):
        old = before.versions(name, key)
        new = after.versions(name, key)
        if name == bucket:
            old = tuple(v for v in old if v.version_id != version_id)
        if old != new:
            gone = [v.version_id for v in old if v not in new]
            msg = (
                f"deleting by version id in {bucket} changed {name}/{key} "
                f"(versions gone or changed: {gone}); the destination keeps its copy"
            )
            raise DeletePropagationViolation(
                msg,
                requirement="R-103",
                **where,
            )


_ORIGIN_MOVES: dict[ReplicationStatus | None, tuple[ReplicationStatus | None, ...]] = {
    None: (None,),  # eligibility is fixed at creation
    _PENDING: (_PENDING, _COMPLETED, _FAILED),
    _COMPLETED: (_COMPLETED,),
    _FAILED: (_FAILED,),  # FAILED is terminal for live replication
}
_REPLICA_MOVES: dict[ReplicationStatus | None, tuple[ReplicationStatus | None, ...]] = {
    _REPLICA: (_REPLICA, _PENDING, _FAILED),  # a change travels back
    _PENDING: (_PENDING, _REPLICA, _FAILED),
    _FAILED: (_FAILED,),
}
_DESTINATION_MOVES: dict[ReplicationStatus, tuple[ReplicationStatus, ...]] = {
    _PENDING: (_PENDING, _COMPLETED, _FAILED),
    _COMPLETED: (_COMPLETED,),
    _FAILED: (_FAILED,),
}


@attrs.frozen
class _Seen:
    sequence: int
    replica: bool
    status: ReplicationStatus | None
    destinations: Mapping[str, ReplicationStatus]


class StatusTracker:
    """Remembers every version's statuses across snapshots and checks each transition.

    Observe after every operation (as the state machine does): a source version's
    status goes ``PENDING`` -> ``COMPLETED`` or ``FAILED`` and stays there (R-113,
    R-124), a version without status never gets one (R-068, R-121), the set of its
    destinations never changes, and each destination's status moves the same way.  A
    replica goes ``REPLICA`` -> ``PENDING`` -> ``REPLICA`` or ``FAILED`` only while its
    bucket has a rule with ``ReplicaModifications`` enabled (R-088, R-122).  A new
    lifecycle delete marker never covers the PENDING version that was current (R-125).
    The status checks hold at any observation frequency; the last two assume that no
    more than one call happened since the previous observation.

    Attributes:
        vanished: ``(bucket, key, version_id)`` of every version present at the
            previous observation and gone at the last one.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, str], _Seen] = {}
        self._heads: dict[tuple[str, str], tuple[str, int]] = {}
        self._sync_buckets: set[str] = set()
        self.vanished: frozenset[tuple[str, str, str]] = frozenset()

    def copy(self) -> StatusTracker:
        """Return an independent tracker with the same memory (for explorers that branch)."""
        twin = StatusTracker()
        twin._seen = dict(self._seen)
        twin._heads = dict(self._heads)
        twin._sync_buckets = set(self._sync_buckets)
        twin.vanished = self.vanished
        return twin

    def observe(self, engine_or_world: EngineOrWorld) -> None:
        """Record a snapshot and check every change since the previous one.

        Raises:
            StatusTransitionViolation: naming the version and the forbidden move.
            LifecycleViolation: an expiration did not wait for a PENDING version.
        """
        world = _world(engine_or_world)
        for name, settings in world.buckets.items():
            config = settings.replication
            if config is not None and any(_syncs(rule) for rule in config.rules):
                self._sync_buckets.add(name)
        groups = {(g.key, g.version_id): g for g in _groups(world)}
        seen: dict[tuple[str, str, str], _Seen] = {}
        for bucket, key, _, version in _chain_versions(world):
            ident = (bucket, key, version.version_id)
            before = self._seen.get(ident)
            if before is not None and before.sequence == version.sequence:
                now = _Seen(
                    sequence=version.sequence,
                    replica=before.replica,
                    status=version.replication_status,
                    destinations=version.destination_statuses,
                )
                self._check(ident, before, now)
            else:
                group = groups.get((key, version.version_id))
                replica = version.replication_status is _REPLICA or (
                    group is not None
                    and any(c.bucket == bucket for c in group.replicas)
                    and version.version_id != NULL_VERSION_ID
                )
                now = _Seen(
                    sequence=version.sequence,
                    replica=replica,
                    status=version.replication_status,
                    destinations=version.destination_statuses,
                )
            seen[ident] = now
        heads = self._check_expirations(world, seen)
        self.vanished = frozenset(self._seen.keys() - seen.keys())
        self._seen = seen
        self._heads = heads

    def _check_expirations(
        self, world: World, seen: dict[tuple[str, str, str], _Seen]
    ) -> dict[tuple[str, str], tuple[str, int]]:
        """R-125: a new lifecycle marker does not sit on the PENDING version it expired.

        The expired version is the one the marker now covers, provided that version was
        the key's current version at the previous observation (so nothing came and went
        in between).  Returns the current version of every key.
        """
        heads: dict[tuple[str, str], tuple[str, int]] = {}
        for bucket, keys in world.objects.items():
            for key, chain in keys.items():
                if chain is None:
                    continue
                head, below = chain
                heads[(bucket, key)] = (head.version_id, head.sequence)
                if not (isinstance(head, DeleteMarker) and head.by_lifecycle) or below is None:
                    continue
                earlier = self._seen.get((bucket, key, head.version_id))
                if earlier is not None and earlier.sequence == head.sequence:
                    continue  # not new
                expired = below[0]
                record = seen[(bucket, key, expired.version_id)]
                if (
                    isinstance(expired, ObjectVersion)
                    and expired.replication_status is _PENDING
                    and not record.replica
                    and self._heads.get((bucket, key)) == (expired.version_id, expired.sequence)
                ):
                    msg = (
                        f"a lifecycle expiration put a delete marker over version "
                        f"{expired.version_id!r} while it was PENDING; lifecycle waits "
                        "until it is COMPLETED or FAILED"
                    )
                    raise LifecycleViolation(
                        msg, requirement="R-125", bucket=bucket, key=key, version_id=head.version_id
                    )
        return heads

    def _check(self, ident: tuple[str, str, str], before: _Seen, now: _Seen) -> None:
        bucket, key, version_id = ident
        where = {"bucket": bucket, "key": key, "version_id": version_id}
        moves = _REPLICA_MOVES if before.replica else _ORIGIN_MOVES
        if now.status not in moves.get(before.status, ()):
            msg = f"the status moved from {_shown(before.status)} to {_shown(now.status)}"
            raise StatusTransitionViolation(
                msg,
                requirement="R-122" if before.replica else "R-113, R-124",
                **where,
            )
        if before.replica:
            leaves = before.status is _REPLICA and now.status is not _REPLICA
            if leaves and bucket not in self._sync_buckets:
                msg = (
                    f"a replica went from REPLICA to {_shown(now.status)}, sending a "
                    f"change onwards, but no rule of {bucket} has ReplicaModifications "
                    "enabled; replicas are not replicated"
                )
                raise StatusTransitionViolation(
                    msg,
                    requirement="R-088, R-101, R-122",
                    **where,
                )
            return
        if set(now.destinations) != set(before.destinations):
            msg = (
                f"the destinations changed from {sorted(before.destinations)} to "
                f"{sorted(now.destinations)}; they are fixed when the version is created"
            )
            raise StatusTransitionViolation(
                msg,
                requirement="R-068, R-102",
                **where,
            )
        for dest, old in before.destinations.items():
            new = now.destinations[dest]
            if new not in _DESTINATION_MOVES[old]:
                msg = f"destination {dest} moved from {old.value} to {new.value}"
                raise StatusTransitionViolation(
                    msg,
                    requirement="R-113, R-124",
                    **where,
                )


def _syncs(rule: ReplicationRule) -> bool:
    criteria = rule.source_selection_criteria
    return (
        rule.status is Status.ENABLED
        and criteria is not None
        and criteria.replica_modifications is Status.ENABLED
    )


def _shown(status: ReplicationStatus | None) -> str:
    return "no status" if status is None else status.value


# --- liveness -----------------------------------------------------------------------------


def check_converged(
    engine_or_world: EngineOrWorld,
    *,
    hard_deleted: Collection[tuple[str, str, str]] = (),
) -> None:
    """Nothing is pending, and everything eligible is replicated or FAILED with a reason.

    Call it after ``set_faults(FaultPlan.none())`` and ``run()``.  Every version with a
    replication status has, for every destination, either ``COMPLETED`` with the copy
    present there, or ``FAILED`` with a documented :class:`~s3repl.FailureReason`.

    Args:
        engine_or_world: the engine (or its snapshot) after the run.
        hard_deleted: ``(bucket, key, version_id)`` of copies deleted on purpose by
            version id, which are therefore allowed to be missing (R-103, R-111).

    Raises:
        ConvergenceViolation: naming what is still pending or missing (R-124).
    """
    world = _world(engine_or_world)
    if world.pending:
        task = world.pending[0]
        msg = (
            f"{len(world.pending)} replication tasks are still pending, the first a "
            f"{task.kind.value} task to {task.destination_bucket}"
        )
        raise ConvergenceViolation(
            msg,
            requirement="R-124",
            bucket=task.source_bucket,
            key=task.key,
            version_id=task.version_id,
        )
    gone = set(hard_deleted)
    for bucket, key, _, version in _chain_versions(world):
        where = {"bucket": bucket, "key": key, "version_id": version.version_id}
        if version.replication_status is _PENDING:
            msg = "the version is still PENDING with nothing queued"
            raise ConvergenceViolation(msg, requirement="R-124", **where)
        for dest, status in version.destination_statuses.items():
            if status is _FAILED:
                reason = version.failure_reasons.get(dest)
                if not isinstance(reason, FailureReason):
                    msg = f"destination {dest} FAILED without a documented failure reason"
                    raise ConvergenceViolation(
                        msg,
                        requirement="R-127",
                        **where,
                    )
            elif status is _COMPLETED:
                if version.replication_status is _REPLICA:
                    continue  # a metadata sync, not a copy
                if (dest, key, version.version_id) in gone:
                    continue
                if _find(world, dest, key, version.version_id) is None:
                    msg = f"destination {dest} is COMPLETED but has no copy of the version"
                    raise ConvergenceViolation(
                        msg,
                        requirement="R-124",
                        **where,
                    )
            else:
                msg = f"destination {dest} is {status.value} after the run"
                raise ConvergenceViolation(
                    msg,
                    requirement="R-124",
                    **where,
                )
