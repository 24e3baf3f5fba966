"""Applying a task: every effect of one step, decided at once as one value (R-124, R-158).

Theory.  ``apply(world, task, version)`` re-reads the world (R-124), walks the checks
table (``_checks.CHECKS``), and returns an :class:`Applied`: the verdict and reason,
the replica to write and where it goes in the destination's order (R-142, R-143), the
source version with its new statuses (R-122..R-124), the events (R-129), the failed
operations to count (R-131), the retry time of a transient problem (R-124) and where
the replica goes on (never anywhere: R-101).  The engine writes what it says and
decides nothing.

Why an :class:`Answers` object.  Some answers depend only on a few of their inputs
(the outcome of a plain object on its routing, a replica shape on its rule and
destination, a status transition on the maps): an owner of state may remember them.
Policy remembers nothing: :class:`Answers` computes every answer; the engine
subclasses it with its caches (``s3repl.engine._caches``), dropped whenever the world
changes.  ``outcome_key`` says what an object's outcome depends on.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable

import attrs

from s3repl.model import (
    Bucket,
    DeleteMarker,
    FailureReason,
    FrozenMap,
    ObjectVersion,
    ReplicationConfiguration,
    ReplicationRule,
    ReplicationStatus,
    ReplicationTask,
    ServerSideEncryption,
    StorageClass,
    TaskKind,
)
from s3repl.model._fastbuild import builders, with_statuses
from s3repl.policy._checks import ApplyOutcome, Subject, Verdict, run_checks
from s3repl.policy._routing import Route, _find_version, route_object
from s3repl.policy._shape import (
    ReplicaShape,
    build_marker_replica,
    build_replica,
    metadata_update,
    replica_shape,
)
from s3repl.policy._status import (
    Notification,
    failure_notifications,
    orders_by_source_time,
    outcome_changes_status,
    retry_delay_us,
    rtc_applies,
    rtc_notifications,
    statuses_after,
)
from s3repl.world import Version, World

# Enum members read through their class cost a metaclass lookup (about 170 ns on
# CPython 3.11); the functions every step runs read these module constants instead.
_COMPLETED = ReplicationStatus.COMPLETED
_FAILED = ReplicationStatus.FAILED
_OBJECT_TASK = TaskKind.OBJECT
_METADATA_TASK = TaskKind.METADATA
_VERSION_DELETE_TASK = TaskKind.VERSION_DELETE
_RETRY = ApplyOutcome(verdict=Verdict.RETRY)
_COMPLETED_VERDICT = Verdict.COMPLETED
_FAILED_VERDICT = Verdict.FAILED
_RETRY_VERDICT = Verdict.RETRY
F = FailureReason

_StatusChange = tuple[
    FrozenMap[str, ReplicationStatus], FrozenMap[str, FailureReason], ReplicationStatus
]


class Write(enum.Enum):
    """What a step does to the destination."""

    def __repr__(self) -> str:
        """Return ``ClassName.MEMBER``."""
        return f"{type(self).__name__}.{self.name}"

    #: Nothing (a failure, a retry).
    NOTHING = "nothing"
    #: Place a new replica among the key's versions (R-142, R-143).
    PLACE = "place"
    #: Replace the replica of the same version id (a metadata change, R-085).
    REPLACE = "replace"
    #: Remove the replica of the version id (a routed version delete, R-103).
    REMOVE = "remove"


@attrs.frozen(kw_only=True, weakref_slot=False)
class Applied:
    """Every effect of applying one task; the engine writes it and decides nothing.

    Attributes:
        verdict: completed, failed, or retry (a transient problem keeps it queued).
        reason: the failure reason of a failed task (R-127), else ``None``.
        write: what happens to the destination.
        destination: the destination bucket's name.
        replica: the replica to place or the replica after a metadata change.
        by_source_time: where a placed replica goes: by the source's creation order
            (``True``) or on top as it arrives (R-143).
        source: the source version with the outcome recorded in its statuses
            (R-122..R-124); ``None`` when its status does not change.
        notifications: the events the step sends, in order (R-129).
        failures: the failed operations the step counts, by reason (R-131).
        reroutes: where the written replica is replicated on (R-101: nowhere).
        retry_at_us: for a retry, when the task is due again (simulated microseconds).
    """

    verdict: Verdict
    reason: FailureReason | None = None
    write: Write = Write.NOTHING
    destination: str = ""
    replica: Version | None = None
    by_source_time: bool = True
    source: Version | None = None
    notifications: tuple[Notification, ...] = ()
    failures: tuple[FailureReason | None, ...] = ()
    reroutes: tuple[Route, ...] = ()
    retry_at_us: int | None = None


_PLACE = Write.PLACE
_REPLACE = Write.REPLACE
_REMOVE = Write.REMOVE
_NOTHING = Write.NOTHING

# Every step builds one: positionally, without attrs' per-field ``__setattr__`` (see
# ``_fastbuild``).  Applied has no validators for that reason; what holds for every
# value ``apply`` returns (a reason exactly when failed, a due time exactly for a retry,
# a replica exactly when one is placed or replaced, writes only when completed) is
# pinned by ``tests/test_apply.py`` over every task kind and verdict.
_new_applied: Callable[..., Applied] = builders(Applied)[0]


class Answers:
    """The answers :func:`apply` asks for, computed afresh on every call.

    Every method is a pure function of its arguments.  An owner of state may subclass
    this and remember answers (see the module docstring); policy keeps nothing.
    """

    def rule(self, world: World, source: str, rule_id: str) -> ReplicationRule | None:
        """The rule ``rule_id`` of ``source``'s configuration, if it still has it."""
        bucket = world.buckets.get(source)
        if bucket is None or bucket.replication is None:
            return None
        return rule_by_id(bucket.replication, rule_id)

    def outcome(
        self,
        world: World,
        task: ReplicationTask,
        version: ObjectVersion | DeleteMarker,
        source: Bucket,
        config: ReplicationConfiguration,
    ) -> ApplyOutcome:
        """The checks' answer for a task whose version exists (:data:`CHECKS`)."""
        return decide(world, task, version, source, config)

    def shape(
        self,
        world: World,
        task: ReplicationTask,
        rule: ReplicationRule | None,
        storage_class: StorageClass,
        encryption: ServerSideEncryption,
    ) -> ReplicaShape:
        """The shape of replicas of ``task``'s source under ``rule`` into its destination.

        It depends on the task only through its source, rule id and destination.
        """
        dest = world.buckets[task.destination_bucket]  # the checks found it
        return replica_shape(rule, dest, storage_class, encryption)

    def statuses_after(
        self,
        statuses: FrozenMap[str, ReplicationStatus],
        reasons: FrozenMap[str, FailureReason],
        destination: str,
        status: ReplicationStatus,
        reason: FailureReason | None,
        *,
        replica_sync: bool,
    ) -> _StatusChange:
        """:func:`~s3repl.policy.statuses_after`."""
        return statuses_after(
            statuses, reasons, destination, status, reason, replica_sync=replica_sync
        )


#: The answers computed afresh (no state: the instance holds nothing).
PURE_ANSWERS = Answers()


def outcome_key(
    task: ReplicationTask, version: ObjectVersion | DeleteMarker, source: Bucket
) -> tuple[object, ...] | None:
    """What an object or marker task's outcome depends on, or ``None`` when it is more.

    When no policy can tell keys apart (:func:`~s3repl.policy.keys_alike`), the checks
    read of an object only whether it has tags, its KMS key, its legal hold and
    whether it came in parts; of a marker nothing.  Metadata changes (which look for
    the replica), version deletes and objects of another owner (whose ACL decides,
    R-008) depend on more.

    Args:
        task: the task.
        version: the version it carries.
        source: the source bucket.
    """
    kind = task.kind
    if type(version) is DeleteMarker:
        return (task.source_bucket, task.destination_bucket, task.rule_id, None)
    if kind is not _OBJECT_TASK or type(version) is not ObjectVersion:
        return None
    if version.owner != source.owner:
        return None
    return (
        task.source_bucket,
        task.destination_bucket,
        task.rule_id,
        version.server_side_encryption,
        version.sse_kms_key_id,
        not version.tags,
        version.object_lock_legal_hold_status,
        "-" in version.etag,  # parts_count, without the property's call
    )


def apply_outcome(
    world: World,
    task: ReplicationTask,
    version: ObjectVersion | DeleteMarker | None,
    unavailable: frozenset[str] = frozenset(),
) -> ApplyOutcome:
    """Decide a task at the moment it is applied, re-reading the world (R-124, R-158).

    Args:
        world: the world now.
        task: the task being applied.
        version: the source version (or marker) the task carries, ``None`` if it is gone.
        unavailable: bucket names that are temporarily unreachable (fault injection).
    """
    return _outcome(world, task, version, unavailable, PURE_ANSWERS)


def _outcome(
    world: World,
    task: ReplicationTask,
    version: ObjectVersion | DeleteMarker | None,
    unavailable: frozenset[str],
    answers: Answers,
) -> ApplyOutcome:
    source = world.buckets.get(task.source_bucket)
    if source is None:
        return ApplyOutcome.fail(F.SRC_BUCKET_NOT_FOUND)
    config = source.replication
    if config is None:
        return ApplyOutcome.fail(F.SRC_BUCKET_REPLICATION_CONFIG_MISSING)
    if unavailable and (
        task.destination_bucket in unavailable or task.source_bucket in unavailable
    ):
        return _RETRY  # a transient outage holds back every kind of task
    if task.kind is _VERSION_DELETE_TASK:
        # A routed version delete (never routed by this policy, R-103) carries no
        # version: it needs what a marker needs.
        return decide(world, task, None, source, config)
    if version is None:
        return ApplyOutcome.fail(F.SRC_VERSION_NOT_FOUND)
    return answers.outcome(world, task, version, source, config)


def decide(
    world: World,
    task: ReplicationTask,
    version: ObjectVersion | DeleteMarker | None,
    source: Bucket,
    config: ReplicationConfiguration,
) -> ApplyOutcome:
    """The checks of R-158 in the order S3 meets them (:data:`CHECKS`).

    Args:
        world: the world now.
        task: the task.
        version: the version it carries (``None`` for a version delete).
        source: the source bucket.
        config: the source's configuration.
    """
    if task.kind is _VERSION_DELETE_TASK:
        subject = Subject.VERSION_DELETE
    elif isinstance(version, DeleteMarker):
        subject = Subject.DELETE_MARKER
    elif task.kind is _METADATA_TASK:
        subject = Subject.METADATA
    else:
        subject = Subject.OBJECT
    return run_checks(
        world,
        subject,
        source,
        config.role,
        task.destination_bucket,
        rule_by_id(config, task.rule_id),
        version,
        task.key,
        task.version_id,
    )


def rule_by_id(config: ReplicationConfiguration, rule_id: str) -> ReplicationRule | None:
    """The rule called ``rule_id`` in ``config``, or ``None``."""
    for rule in config.rules:
        if rule.id == rule_id:
            return rule
    return None


def apply(
    world: World,
    task: ReplicationTask,
    version: Version | None,
    *,
    clock: Callable[[], dt.datetime],
    now_us: int,
    unavailable: frozenset[str] = frozenset(),
    missed_reported: bool = False,
    answers: Answers = PURE_ANSWERS,
) -> Applied:
    """Every effect of applying ``task`` now, as one :class:`Applied` (R-124, R-158).

    Args:
        world: the world now.
        task: the task being applied.
        version: the source version (or marker) it carries, ``None`` if it is gone.
        clock: the simulated time, read only when a rule needs it (a default
            retention, R-086; an RTC threshold, R-129).
        now_us: the simulated time in microseconds (a retry's due time counts from it).
        unavailable: bucket names that are temporarily unreachable (fault injection).
        missed_reported: whether ``OperationMissedThreshold`` was already sent for the
            task (by the engine's ``advance``).
        answers: where the answers come from (see :class:`Answers`).
    """
    outcome = _outcome(world, task, version, unavailable, answers)
    verdict = outcome.verdict
    if verdict is _RETRY_VERDICT:
        return _new_applied(verdict=verdict, retry_at_us=now_us + retry_delay_us(world.profile))
    rule = answers.rule(world, task.source_bucket, task.rule_id)
    destination = task.destination_bucket
    if verdict is _FAILED_VERDICT:
        reasons = (outcome.reason,)
        return _new_applied(
            verdict=verdict,
            reason=outcome.reason,
            destination=destination,
            source=_recorded(task, version, _FAILED, outcome.reason, answers),
            notifications=failure_notifications(rule, reasons),
            failures=reasons,
        )
    if task.kind is _VERSION_DELETE_TASK:
        return _new_applied(verdict=verdict, write=_REMOVE, destination=destination)
    assert version is not None  # only a version delete completes without its version
    write, replica = _replica(world, task, version, rule, outcome, clock, answers)
    failures: tuple[FailureReason | None, ...] = ()
    notifications: tuple[Notification, ...] = ()
    if outcome.metadata_failure is not None:
        failures = (outcome.metadata_failure,)
        notifications = failure_notifications(rule, failures)
    if rtc_applies(rule, task):
        notifications += rtc_notifications(
            rule, task, version, clock(), missed_reported=missed_reported
        )
    reroutes: tuple[Route, ...] = ()
    if write is _PLACE and type(replica) is ObjectVersion:
        # policy answers "nowhere" for replicas; asking keeps it the judge.
        reroutes = route_object(world, destination, replica)
    # Positionally, in Applied's field order (see _new_applied).
    return _new_applied(
        verdict,
        None,  # reason
        write,
        destination,
        replica,
        orders_by_source_time(world.profile),  # by_source_time
        _recorded(task, version, _COMPLETED, None, answers),  # source
        notifications,
        failures,
        reroutes,
    )


def _replica(
    world: World,
    task: ReplicationTask,
    version: Version,
    rule: ReplicationRule | None,
    outcome: ApplyOutcome,
    clock: Callable[[], dt.datetime],
    answers: Answers,
) -> tuple[Write, Version | None]:
    """What a completed task writes into the destination (R-082..R-089, R-085)."""
    if isinstance(version, DeleteMarker):
        return _PLACE, build_marker_replica(version)
    destination = task.destination_bucket
    if task.kind is _METADATA_TASK:
        old = _find_version(world, destination, task.key, task.version_id)
        if not isinstance(old, ObjectVersion):
            return _NOTHING, None  # a marker there: nothing to carry it onto
        return _REPLACE, metadata_update(old, version, drop_tags=outcome.drop_tags)
    shape = answers.shape(world, task, rule, version.storage_class, version.server_side_encryption)
    dest = shape.destination
    assert dest is not None  # replica_shape names it
    replica = build_replica(
        world, version, rule, dest, clock, drop_tags=outcome.drop_tags, shape=shape
    )
    return _PLACE, replica


def _recorded(
    task: ReplicationTask,
    version: Version | None,
    status: ReplicationStatus,
    reason: FailureReason | None,
    answers: Answers,
) -> Version | None:
    """The source version with the destination's outcome recorded (R-122..R-124)."""
    if version is None or not outcome_changes_status(task):
        return None
    statuses, reasons, header = answers.statuses_after(
        version.destination_statuses,
        version.failure_reasons,
        task.destination_bucket,
        status,
        reason,
        replica_sync=task.replica_modification,
    )
    return with_statuses(version, statuses, reasons, header)
