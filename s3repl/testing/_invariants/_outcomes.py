"""Checks of what calls report: a FAILED the world explains, its event and count; a refusal.

Call the step checks right after ``step()`` or ``run()`` with the results it returned.  Within one
call nothing but the carried versions' statuses and the replicas change (the role,
buckets, keys and rules are as they were), so the world after the call is the world
every step of it met.

Why ask policy.  A failure reason is right when the world explains it (R-124, R-127):
a missing permission, a disabled key, an unversioned destination.  Which row of the
checks table a world fails is ``s3repl.policy.apply_outcome``'s reading of
``s3repl.policy.CHECKS``, the same table the findings read
(``s3repl.policy.unmet_checks``); re-deriving it here would be a second copy of
the table.  Asking it directly (no engine cache, no fault plan) is what makes
the check catch a transient outage recorded as a permanent failure, a failure the
engine's caches invented, or a reason recorded for the wrong destination; the rows
themselves are pinned by the table's own tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from s3repl import policy
from s3repl.engine.results import ReplicationEvent
from s3repl.errors import S3Error
from s3repl.model import (
    FailureReason,
    ReplicationConfiguration,
    ReplicationStatus,
    Status,
    StepResult,
    TaskKind,
)
from s3repl.testing._invariants._index import _FAILED, EngineOrWorld, _find, _world
from s3repl.testing._invariants._violations import (
    ConfigurationViolation,
    FailureReasonViolation,
    FailureReportViolation,
)
from s3repl.validate import validate_replication
from s3repl.world import World

_BATCH = TaskKind.BATCH

__all__ = [
    "check_configuration_answer",
    "check_failure_reported",
    "check_failures_explained",
    "explained_failure",
]

_FAILED_EVENT = "Replication:OperationFailedReplication"


def explained_failure(engine_or_world: EngineOrWorld, result: StepResult) -> FailureReason | None:
    """The failure reason the world gives the step's task now, ``None`` when it gives none.

    The answer of policy's checks for the task in this world, with no fault in force:
    the first row of ``s3repl.policy.CHECKS`` that does not hold, from the source
    stage (no source bucket, no configuration, the version gone) on
    (``s3repl.policy.apply_outcome``).
    """
    world = _world(engine_or_world)
    task = result.task
    version = _find(world, task.source_bucket, task.key, task.version_id)
    outcome = policy.apply_outcome(world, task, version)
    return outcome.reason if outcome.verdict is policy.Verdict.FAILED else None


def check_failures_explained(engine_or_world: EngineOrWorld, results: Iterable[StepResult]) -> None:
    """Every FAILED step has the reason the world gives, and its status records it.

    Call it right after ``step()`` or ``run()``.  A step fails only with the reason
    that policy's checks give its task in the world as it is (R-127, R-158): a
    transient problem (a destination or Region down) never ends in FAILED, it keeps the
    task PENDING (R-124).  An object or delete-marker task's failure is recorded in
    its version: the destination's status is FAILED with that reason (R-123, R-124).
    A Batch Replication job's task is not judged here: its batch-only refusals depend on
    the job's role and Region, which the task does not carry, and a failed copy leaves a
    version that already has one alone (R-177; ``_invariants._batch`` judges jobs).

    Raises:
        FailureReasonViolation: naming the version, the reason recorded, and the
            reason the world gives (or that it gives none).
    """
    world = _world(engine_or_world)
    for result in results:
        if result.status is not ReplicationStatus.FAILED or result.task.kind is _BATCH:
            continue
        task = result.task
        where = {"bucket": task.source_bucket, "key": task.key, "version_id": task.version_id}
        got = result.failure_reason
        wanted = explained_failure(world, result)
        if got is not wanted:
            because = (
                "the world gives no failure: every check passes for this task now, and a "
                "transient problem (a destination or Region down) keeps it PENDING"
                if wanted is None
                else f"the world gives {wanted.value}"
            )
            shown = "no reason" if got is None else got.value
            msg = (
                f"the {task.kind.value} task to {task.destination_bucket} FAILED with "
                f"{shown}, but {because}"
            )
            raise FailureReasonViolation(msg, requirement="R-124, R-127, R-158", **where)
        if not policy.outcome_changes_status(task):
            continue
        version = _find(world, task.source_bucket, task.key, task.version_id)
        if version is None:
            continue
        status = version.destination_statuses.get(task.destination_bucket)
        reason = version.failure_reasons.get(task.destination_bucket)
        if status is not _FAILED or reason is not got:
            msg = (
                f"the {task.kind.value} task to {task.destination_bucket} FAILED with "
                f"{got.value if got else None}, but the version records "
                f"{status.value if status else None} with reason "
                f"{reason.value if reason else None} for it"
            )
            raise FailureReasonViolation(msg, requirement="R-123, R-124, R-127", **where)


def check_failure_reported(
    engine_or_world: EngineOrWorld,
    results: Iterable[StepResult],
    *,
    new_events: Iterable[ReplicationEvent],
    failed_before: Mapping[tuple[str, str, str], int],
    failed_after: Mapping[tuple[str, str, str], int],
) -> None:
    """Every FAILED step sent its event (under a rule with metrics) and was counted.

    Call it right after ``step()`` or ``run()``, with the events it added
    (``engine.events()[before:]``) and the ``OperationsFailedReplication`` counters
    before and after, by ``(source, rule id, destination)``.  A failure under a rule
    with replication metrics enabled sends ``OperationFailedReplication`` with its
    reason (R-129); every failed operation is counted (R-131), so a counter grows by at
    least the failures of its rule and destination (completed steps that left their
    tags behind count too).  Counters missing from either mapping are not judged.

    Raises:
        FailureReportViolation: naming the failure without its event or count.
    """
    world = _world(engine_or_world)
    events = [e for e in new_events if e.event_name == _FAILED_EVENT]
    failed: dict[tuple[str, str, str], int] = {}
    for result in results:
        if result.status is not ReplicationStatus.FAILED:
            continue
        task = result.task
        counter = (task.source_bucket, task.rule_id, task.destination_bucket)
        failed[counter] = failed.get(counter, 0) + 1
        where = {"bucket": task.source_bucket, "key": task.key, "version_id": task.version_id}
        if not _metrics_on(world, task.source_bucket, task.rule_id):
            continue
        arn = f"arn:aws:s3:::{task.destination_bucket}"
        sent = [
            e
            for e in events
            if (e.source_bucket, e.key, e.version_id, e.rule_id, e.destination_bucket)
            == (task.source_bucket, task.key, task.version_id, task.rule_id, arn)
            and e.failure_reason is result.failure_reason
        ]
        if not sent:
            reason = result.failure_reason.value if result.failure_reason else None
            msg = (
                f"the {task.kind.value} task to {task.destination_bucket} FAILED with "
                f"{reason} under rule {task.rule_id!r}, which has replication metrics "
                "enabled, but no OperationFailedReplication event was sent"
            )
            raise FailureReportViolation(msg, requirement="R-129", **where)
    for counter, count in failed.items():
        if counter not in failed_before or counter not in failed_after:
            continue
        grew = failed_after[counter] - failed_before[counter]
        if grew < count:
            bucket, rule_id, dest = counter
            msg = (
                f"{count} operations of rule {rule_id!r} to {dest} FAILED, but "
                f"OperationsFailedReplication grew by {grew}"
            )
            raise FailureReportViolation(msg, requirement="R-131", bucket=bucket)


def _metrics_on(world: World, bucket: str, rule_id: str) -> bool:
    source = world.buckets.get(bucket)
    config = None if source is None else source.replication
    if config is None:
        return False
    rule = policy.rule_by_id(config, rule_id)
    metrics = None if rule is None else rule.destination.metrics
    return metrics is not None and metrics.status is Status.ENABLED


def check_configuration_answer(
    before: World,
    bucket: str,
    config: ReplicationConfiguration,
    error: S3Error | None,
) -> None:
    """``PutBucketReplication`` answered as SPEC and ``validate_replication`` say.

    Call it with the world just before the call and the error it raised (``None``
    when it succeeded).  Independently of validation: a configuration naming a
    destination that does not exist or whose versioning is not ``Enabled`` (disabled
    rules included) is refused (R-003).  And the call agrees with
    ``s3repl.validate.validate_replication`` on the same world: refused exactly
    when it finds a problem, with the code of its first one (R-055).

    Raises:
        ConfigurationViolation: naming the bucket and the disagreement.
    """
    unversioned = sorted(
        {
            rule.destination.bucket_name
            for rule in config.rules
            if (dest := before.buckets.get(rule.destination.bucket_name)) is None
            or not dest.is_versioned
        }
    )
    if unversioned and error is None:
        msg = (
            f"PutBucketReplication accepted a configuration whose destinations {unversioned} "
            "do not exist or are not versioned; it must refuse it (InvalidRequest)"
        )
        raise ConfigurationViolation(msg, requirement="R-003", bucket=bucket)
    problems = validate_replication(before, bucket, config)
    expected = problems[0].code if problems else None
    got = None if error is None else error.code
    if got != expected:
        msg = (
            f"PutBucketReplication answered {got or 'success'}, but validate_replication "
            f"finds {expected or 'no problem'} in the same world"
        )
        raise ConfigurationViolation(msg, requirement="R-055", bucket=bucket)
