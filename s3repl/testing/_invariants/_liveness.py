"""The liveness check: after a run with faults off, everything is replicated or FAILED.

:func:`check_converged` is the one check that needs the engine to have finished:
every eligible version is on every destination, or FAILED with a documented reason.
"""

from __future__ import annotations

from collections.abc import Collection

from s3repl.model import FailureReason
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
from s3repl.testing._invariants._violations import ConvergenceViolation


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
