"""Applying a task: every effect of one step, decided at once as one value (R-124, R-158).

Theory.  ``apply(world, task, version)`` re-reads the world (R-124), walks the checks
table (``_checks.CHECKS``), and returns an :class:`Applied`: the verdict and reason,
the replica to write and where it goes in the destination's order (R-142, R-143), the
source version's new statuses (R-122..R-124), the events (R-129), the failed
operations to count (R-131), the retry time of a transient problem (R-124) and where
the replica goes on (never anywhere: R-101).  The engine writes what it says and
decides nothing.

Why an :class:`Answers` object.  Some answers depend only on a few of their inputs
(a task's :class:`Ruling` on what :func:`outcome_key` names, a replica shape on its
rule and destination, a status transition on the maps): an owner of state may
remember them.
Policy remembers nothing: :class:`Answers` computes every answer; the engine
subclasses it with its caches (``s3repl.engine._caches``), dropped whenever the world
changes.  ``outcome_key`` says what an object's outcome depends on.
"""

from __future__ import annotations

import datetime as dt
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
    VersionStatuses,
)
from s3repl.model._fastbuild import ETAG_OF_BODY
from s3repl.model._frozenmap import EMPTY
from s3repl.policy._applied import (
    Applied,
    Write,
    _new_applied,
    _with_source,
    _with_version,
)
from s3repl.policy._checks import (
    BUCKETS_REACHABLE,
    SOURCE_CONFIGURED,
    SOURCE_FOUND,
    VERSION_FOUND,
    ApplyOutcome,
    Subject,
    Verdict,
    outcome_of,
    run_checks,
)
from s3repl.policy._routing import Route, route_object
from s3repl.policy._shape import (
    ReplicaShape,
    build_marker_replica,
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
    status_after,
    statuses_after,
)
from s3repl.profile import Profile
from s3repl.world import Version, World

# Enum members read through their class cost a metaclass lookup (about 170 ns on
# CPython 3.11); the functions every step runs read these module constants instead.
_COMPLETED = ReplicationStatus.COMPLETED
_FAILED = ReplicationStatus.FAILED
_OBJECT_TASK = TaskKind.OBJECT
_METADATA_TASK = TaskKind.METADATA
_VERSION_DELETE_TASK = TaskKind.VERSION_DELETE
_NO_TAGS: FrozenMap[str, str] = EMPTY
# The source stage of the checks table: each row's outcome, read off
# the row once; ``_ruling`` judges the rows in the table's order.
_NO_SOURCE = outcome_of(SOURCE_FOUND)
_NO_CONFIGURATION = outcome_of(SOURCE_CONFIGURED)
_RETRY = outcome_of(BUCKETS_REACHABLE)
_VERSION_GONE = outcome_of(VERSION_FOUND)
_COMPLETED_VERDICT = Verdict.COMPLETED
_FAILED_VERDICT = Verdict.FAILED
_RETRY_VERDICT = Verdict.RETRY
F = FailureReason
_PLACE = Write.PLACE
_REPLACE = Write.REPLACE
_REMOVE = Write.REMOVE
_NOTHING = Write.NOTHING


@attrs.frozen(kw_only=True, weakref_slot=False)
class Ruling:
    """What applying a task comes to for every version alike (see :func:`outcome_key`).

    Everything of a step that does not depend on the version itself: every version
    that :func:`outcome_key` names alike gets the same ruling, so an owner of state may
    remember it (:class:`Answers`).  :func:`apply` adds what the version gives: its
    replica, its recorded statuses, the RTC events (they depend on the time).

    Attributes:
        outcome: the checks' answer (:data:`~s3repl.policy.CHECKS`).
        rule: the rule the task was routed by, if the configuration still has it.
        shape: the replica's shape, for an object that completes; else ``None``.
        rtc: whether the RTC threshold covers the task (R-129, R-132).
        records_status: whether the outcome is recorded in the version's statuses
            (:func:`~s3repl.policy.outcome_changes_status`).
        applied: the step's effects without the version's own parts (no replica, no
            source, no RTC events): verdict, reason, write, destination, order,
            failure events, failed operations.
        replica_by_shape: whether a step gives its replica by ``shape``
            (``Applied.replica_shape``), to be built when first read: the destination
            does not replicate (the replica goes nowhere, R-100) and gives no default
            retention (the replica does not depend on the moment of writing, R-086).
    """

    outcome: ApplyOutcome
    rule: ReplicationRule | None
    shape: ReplicaShape | None
    rtc: bool
    records_status: bool
    applied: Applied
    replica_by_shape: bool = False


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

    def ruling(
        self,
        world: World,
        task: ReplicationTask,
        version: ObjectVersion | DeleteMarker,
        source: Bucket,
        config: ReplicationConfiguration,
    ) -> Ruling:
        """The :class:`Ruling` of a task whose version exists.

        It depends on the task and version only through :func:`outcome_key` (when
        that is not ``None`` and no policy tells keys apart,
        :func:`~s3repl.policy.keys_alike`).
        """
        outcome = self.outcome(world, task, version, source, config)
        return rule_on(world, task, version, outcome, self)

    def failure(self, world: World, task: ReplicationTask, outcome: ApplyOutcome) -> Ruling:
        """The :class:`Ruling` of a task that fails before its version is read.

        No source bucket, no configuration, or the version gone: the ruling depends
        on the task's source, destination, rule id and kind, and on the reason only.
        """
        return rule_on(world, task, None, outcome, self)

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

    def recorded(
        self,
        statuses: FrozenMap[str, ReplicationStatus],
        reasons: FrozenMap[str, FailureReason],
        destination: str,
        status: ReplicationStatus,
        reason: FailureReason | None,
        replica_sync: bool,  # noqa: FBT001 - positional: every step passes it
    ) -> VersionStatuses:
        """A version's statuses with one destination's outcome recorded (R-122..R-124).

        :func:`~s3repl.policy.statuses_after` of the version's status map and failure
        reasons: it depends on the version only through them.
        """
        statuses, reasons, header = statuses_after(
            statuses,
            reasons,
            destination,
            status,
            reason,
            replica_sync=replica_sync,
        )
        return VersionStatuses(
            replication_status=header, destination_statuses=statuses, failure_reasons=reasons
        )


#: The answers computed afresh (no state: the instance holds nothing).
PURE_ANSWERS = Answers()


def outcome_key(
    world: World,
    task: ReplicationTask,
    version: ObjectVersion | DeleteMarker,
    source: Bucket,
) -> tuple[object, ...] | None:
    """What a task's :class:`Ruling` depends on, or ``None`` when it is more.

    When no policy can tell keys apart (:func:`~s3repl.policy.keys_alike`), the checks
    read of an object only whether it has tags, its KMS key, its legal hold, whether
    it came in parts and, for an object of another owner than the bucket's, its ACL
    (R-008); the replica's shape reads its storage class and encryption kind.  A
    metadata change also reads whether the replica is there (R-085) and whether it
    syncs a replica's change back (R-122).  Of a marker they read nothing.  Version
    deletes depend on more.  Enum members enter as they are: s3repl's enums hash by
    identity (``S3Enum``).

    Args:
        world: the world now (a metadata change looks for its replica in it).
        task: the task.
        version: the version it carries.
        source: the source bucket.
    """
    kind = task.kind
    if type(version) is DeleteMarker:
        return (task.source_bucket, task.destination_bucket, task.rule_id, kind)
    if type(version) is not ObjectVersion or kind is _VERSION_DELETE_TASK:
        return None
    owner = version.owner
    etag = version._stored_etag
    key = (
        task.source_bucket,
        task.destination_bucket,
        task.rule_id,
        kind,
        version.storage_class,
        version.server_side_encryption,
        version.sse_kms_key_id,
        version.tags is _NO_TAGS or not version.tags,  # untagged puts share one map
        version.object_lock_legal_hold_status,
        # parts_count, without its call and without computing a body's MD5 (never parts)
        etag is not ETAG_OF_BODY and "-" in etag,
        None if owner == source.owner else (owner, version.acl),
    )
    if kind is not _METADATA_TASK:
        return key
    replica = world.version(task.destination_bucket, task.key, task.version_id)
    return (*key, task.replica_modification, replica is not None)


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
    ruling = _ruling(world, task, version, unavailable, PURE_ANSWERS)
    return _RETRY if ruling is None else ruling.outcome


def _ruling(
    world: World,
    task: ReplicationTask,
    version: ObjectVersion | DeleteMarker | None,
    unavailable: frozenset[str],
    answers: Answers,
) -> Ruling | None:
    """The task's ruling now, or ``None`` for a transient problem (R-124).

    The source stage of the checks table, judged here in its order (each row's
    condition inline, its outcome read off the row); then the rows after it
    (:func:`decide`, through ``answers``).
    """
    source = world.buckets.get(task.source_bucket)
    if source is None:  # SOURCE_FOUND
        return answers.failure(world, task, _NO_SOURCE)
    config = source.replication
    if config is None:  # SOURCE_CONFIGURED
        return answers.failure(world, task, _NO_CONFIGURATION)
    if unavailable and (  # BUCKETS_REACHABLE
        task.destination_bucket in unavailable or task.source_bucket in unavailable
    ):
        return None  # a transient outage holds back every kind of task
    if task.kind is _VERSION_DELETE_TASK:
        # A routed version delete (never routed by this policy, R-103) carries no
        # version (VERSION_FOUND is not its row): it needs what a marker needs.
        return rule_on(world, task, version, decide(world, task, None, source, config), answers)
    if version is None:  # VERSION_FOUND
        return answers.failure(world, task, _VERSION_GONE)
    return answers.ruling(world, task, version, source, config)


def rule_on(
    world: World,
    task: ReplicationTask,
    version: Version | None,
    outcome: ApplyOutcome,
    answers: Answers = PURE_ANSWERS,
) -> Ruling:
    """The :class:`Ruling` of ``task`` whose checks came to ``outcome``.

    Args:
        world: the world now.
        task: the task.
        version: the version it carries (read for its kind, storage class and
            encryption only), ``None`` if it is gone.
        outcome: the checks' answer.
        answers: where the rule and the replica's shape come from.
    """
    rule = answers.rule(world, task.source_bucket, task.rule_id)
    destination = task.destination_bucket
    verdict = outcome.verdict
    records_status = outcome_changes_status(task)
    if verdict is _FAILED_VERDICT:
        reasons = (outcome.reason,)
        failed = _new_applied(
            verdict=verdict,
            reason=outcome.reason,
            destination=destination,
            notifications=failure_notifications(rule, reasons),
            failures=reasons,
        )
        return Ruling(
            outcome=outcome,
            rule=rule,
            shape=None,
            rtc=False,
            records_status=records_status,
            applied=failed,
        )
    kind = task.kind
    if kind is _VERSION_DELETE_TASK:
        removed = _new_applied(verdict=verdict, write=_REMOVE, destination=destination)
        return Ruling(
            outcome=outcome, rule=rule, shape=None, rtc=False, records_status=False, applied=removed
        )
    failures: tuple[FailureReason | None, ...] = ()
    notifications: tuple[Notification, ...] = ()
    if outcome.metadata_failure is not None:
        failures = (outcome.metadata_failure,)
        notifications = failure_notifications(rule, failures)
    shape = None
    write = _PLACE
    if kind is _METADATA_TASK and type(version) is not DeleteMarker:
        write = _REPLACE
    elif type(version) is ObjectVersion:
        shape = answers.shape(
            world, task, rule, version.storage_class, version.server_side_encryption
        )
        if outcome.drop_tags:  # the role may not read the tags: replicas leave them
            shape = attrs.evolve(shape, drop_tags=True)
    # Built at the step otherwise: a default retention counts from the moment of writing
    # into a bucket that replicates on, route_object judges the replica.
    by_shape = (
        shape is not None
        and shape.default_retention is None
        and world.buckets[destination].replication is None
    )
    completed = _new_applied(
        verdict=verdict,
        write=write,
        destination=destination,
        by_source_time=orders_by_source_time(world.profile),
        notifications=notifications,
        failures=failures,
    )
    return Ruling(
        outcome=outcome,
        rule=rule,
        shape=shape,
        rtc=rtc_applies(rule, task),
        records_status=records_status,
        applied=completed,
        replica_by_shape=by_shape,
    )


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
    clock: Callable[[], dt.datetime],
    now_us: int,
    unavailable: frozenset[str] = frozenset(),
    missed_reported: bool = False,  # noqa: FBT001, FBT002 - positional: the engine steps
    answers: Answers = PURE_ANSWERS,
    recorded: VersionStatuses | None = None,
) -> Applied:
    """Every effect of applying ``task`` now, as one :class:`Applied` (R-124, R-158).

    A step reads the version's statuses only to record its outcome in them, so a caller
    that keeps statuses apart from a stored version passes both (``recorded``): the
    engine's store records them beside the newest version, and a second destination's
    step then needs no copy of the version with them.

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
        recorded: the version's statuses when they are not the ones ``version`` holds
            (recorded since it was stored); ``None``: its own.
    """
    ruling = _ruling(world, task, version, unavailable, answers)
    if ruling is None:
        return _new_applied(_RETRY_VERDICT, retry_at_us=now_us + retry_delay_us(world.profile))
    shared = ruling.applied
    if shared.verdict is _FAILED_VERDICT:
        if version is None or not ruling.records_status:
            return shared
        failed = _recorded(task, version, _FAILED, shared.reason, answers, world.profile, recorded)
        return _with_source(shared, failed)
    if version is None or shared.write is _REMOVE:
        return shared  # a version delete removes; nothing of a version is written
    write = shared.write
    replica: Version | None
    shape: ReplicaShape | None = None
    if write is _REPLACE:
        replica = _metadata_replica(world, task, version, ruling.outcome)
        if replica is None:
            write = _NOTHING  # a marker there: nothing to carry the change onto
    elif isinstance(version, DeleteMarker):
        replica = build_marker_replica(version)
    else:
        shape = ruling.shape
        assert shape is not None  # ruled for an object that completes
        if ruling.replica_by_shape:  # the version's in this shape whenever it is built
            replica = None
        else:
            replica, shape = shape.build(version, clock), None
    notifications = shared.notifications
    if ruling.rtc:
        notifications += rtc_notifications(
            ruling.rule, task, version, clock(), missed_reported=missed_reported
        )
    reroutes: tuple[Route, ...] = ()
    if write is _PLACE and type(replica) is ObjectVersion:
        # policy answers "nowhere" for replicas; asking keeps it the judge.
        reroutes = route_object(world, shared.destination, replica)
    source = (
        _recorded(task, version, _COMPLETED, None, answers, world.profile, recorded)
        if ruling.records_status
        else None
    )
    # Positionally, in the order _with_version names the fields.
    return _with_version(shared, write, replica, shape, source, notifications, reroutes)


def _metadata_replica(
    world: World, task: ReplicationTask, version: Version, outcome: ApplyOutcome
) -> ObjectVersion | None:
    """The destination's replica after a metadata change (R-085), ``None`` if a marker."""
    old = world.version(task.destination_bucket, task.key, task.version_id)
    if not isinstance(old, ObjectVersion) or not isinstance(version, ObjectVersion):
        return None
    return metadata_update(old, version, drop_tags=outcome.drop_tags)


def _recorded(
    task: ReplicationTask,
    version: Version,
    status: ReplicationStatus,
    reason: FailureReason | None,
    answers: Answers,
    profile: Profile,
    before: VersionStatuses | None,
) -> VersionStatuses:
    """The source version's statuses with the destination's outcome recorded (R-122..R-124).

    ``before``: the version's statuses if not its own (see :func:`apply`).  Under
    ``aggregate_pending_until_all_finish`` the header is read again with pending
    destinations first (R-123's other reading).
    """
    holder = version if before is None else before
    recorded = answers.recorded(
        holder.destination_statuses,
        holder.failure_reasons,
        task.destination_bucket,
        status,
        reason,
        task.replica_modification,
    )
    if not profile.aggregate_pending_until_all_finish:
        return recorded
    header = status_after(
        recorded.destination_statuses, replica_sync=task.replica_modification, pending_first=True
    )
    return attrs.evolve(recorded, replication_status=header)
