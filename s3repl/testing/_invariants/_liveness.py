"""The liveness checks: after a run with faults off, everything is replicated or FAILED.

:func:`check_converged` needs the engine to have finished: every eligible version is on
every destination, or FAILED with a documented reason.  :func:`check_metadata_converged`
adds that the replicas' metadata caught up with their sources' later changes.
"""

from __future__ import annotations

from collections.abc import Collection

from s3repl.model import FailureReason, ObjectOwnership, ObjectVersion
from s3repl.testing._invariants._index import (
    _COMPLETED,
    _FAILED,
    _PENDING,
    _REPLICA,
    EngineOrWorld,
    _chain_versions,
    _find,
    _world,
)
from s3repl.testing._invariants._violations import (
    ConvergenceViolation,
    MetadataConvergenceViolation,
)
from s3repl.world import World


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


def check_metadata_converged(
    engine_or_world: EngineOrWorld,
    *,
    exempt: Collection[tuple[str, str, str]] = (),
) -> None:
    """Every replica's tags, ACL and lock settings are its source's, after the run.

    Call it after ``set_faults(FaultPlan.none())`` and ``run()``, as
    :func:`check_converged`.  For every source version with a ``COMPLETED`` destination
    whose replica is there: the replica's tags are the source's (R-085), so are its
    ACL where ACLs follow (a destination without ``BucketOwnerEnforced`` and a replica
    whose owner was not overridden, R-084, R-151..R-154), and its retention and legal
    hold where the source has them (R-086).  Metadata changes are replication
    operations of their own (R-085): a change made after the version was replicated
    travels too.

    Args:
        engine_or_world: the engine (or its snapshot) after the run.
        exempt: ``(destination, key, version_id)`` of replicas that may legitimately
            differ: changed on the replica itself, a change no enabled rule carried to
            that destination, a metadata operation that FAILED, tags left behind for a
            missing permission (R-157, R-158).

    Raises:
        MetadataConvergenceViolation: naming the replica and what differs.
    """
    world = _world(engine_or_world)
    skip = set(exempt)
    for bucket, key, _, source in _chain_versions(world):
        if not isinstance(source, ObjectVersion) or source.replication_status in (None, _REPLICA):
            continue
        for dest, status in source.destination_statuses.items():
            if status is not _COMPLETED or (dest, key, source.version_id) in skip:
                continue
            replica = _find(world, dest, key, source.version_id)
            if not isinstance(replica, ObjectVersion):
                continue
            problem = _metadata_difference(world, source, replica, dest)
            if problem is not None:
                detail, requirement = problem
                msg = f"the replica in {dest} {detail} after the run"
                raise MetadataConvergenceViolation(
                    msg,
                    requirement=requirement,
                    bucket=bucket,
                    key=key,
                    version_id=source.version_id,
                )


def _metadata_difference(
    world: World, source: ObjectVersion, replica: ObjectVersion, dest: str
) -> tuple[str, str] | None:
    if dict(replica.tags) != dict(source.tags):
        return (
            f"has the tags {dict(replica.tags)}, not the source's {dict(source.tags)}",
            "R-085",
        )
    bucket = world.buckets.get(dest)
    acls_follow = (
        bucket is not None
        and bucket.ownership is not ObjectOwnership.BUCKET_OWNER_ENFORCED
        and not replica.owner_overridden
    )
    if acls_follow and replica.acl != source.acl:
        return f"has the ACL {replica.acl!r}, not the source's {source.acl!r}", "R-084"
    if source.object_lock_mode is not None and (
        replica.object_lock_mode,
        replica.object_lock_retain_until_date,
    ) != (source.object_lock_mode, source.object_lock_retain_until_date):
        return "does not have the source's retention", "R-086"
    if replica.object_lock_legal_hold_status is not source.object_lock_legal_hold_status:
        return "does not have the source's legal hold", "R-086"
    return None
