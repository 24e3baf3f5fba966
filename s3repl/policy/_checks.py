"""The checks table of R-158: every check a task meets, in the order S3 meets them.

Theory.  Applying a task re-reads the world (R-124) and walks :data:`CHECKS` top to
bottom: the task's source (the bucket, its configuration, an outage, the version:
R-127, R-124), the role (R-006), the destination (R-005, R-001, R-013, R-009), reading
the source (R-155, R-008, R-010, the source key), writing the destination (R-155,
R-151, R-158, R-157, the replica key: R-027, R-014); each permission is a row of the
permission table (``_needs``).  A row applies to a task when the task's
:class:`Subject` is one of the row's subjects, the rule needs it (``NeedWhen``, read
by :func:`rule_needs`) and the object is one the row is about (:class:`Objects`).
The first row whose condition does not hold decides: a failure with the row's reason,
a retry for an outage, or, for tag rows, the object goes without its tags
(:class:`Effect`).

The source stage reads the task, not a route: every step meets it, so the policy's
``_apply._ruling`` judges its rows inline, in the table's order, and answers with
each row's outcome (:func:`outcome_of`, read once); on the usual path (source,
configuration and version there, no outage) that costs no call.  :func:`run_checks`
walks the rows after it (:data:`ROUTE_CHECKS`), with :func:`judge` for each.

Two readings, one table, one judge.  :func:`run_checks` walks the rows for a task (apply
time); ``unmet_checks`` (``_unmet``) walks them for a configuration's rules (requirement
findings, ``s3repl.validate``): the rows whose condition does not hold for some rule
and destination.  Both ask :func:`~s3repl.policy._conditions.judge`, the one reading
of each :class:`Condition`.  Findings judge each row where its stage says (the role's
once, a destination's once per destination, the object rows once per rule), every row
whose ``presumes`` held, and skip only the rows marked ``apply_time_only``: what only
the object in hand can tell (its owner and ACL, its KMS key, its replica) or the
moment a task is applied (an outage, the version gone).  The source bucket and its
configuration are the findings' own door (``check_requirements`` judges them before
``unmet_checks``, which is handed both).
"""

from __future__ import annotations

import enum

import attrs

from s3repl.model import (
    Bucket,
    DeleteMarker,
    FailureReason,
    ObjectLockLegalHoldStatus,
    ObjectVersion,
    ReplicationRule,
    ServerSideEncryption,
)
from s3repl.policy._conditions import Condition, Facts, _Enum, judge
from s3repl.policy._needs import (
    R010_READ_LEGAL_HOLD,
    R010_READ_RETENTION,
    R151_OVERRIDE_OWNER,
    R155_LIST_BUCKET,
    R155_READ_ACL,
    R155_READ_CONFIGURATION,
    R155_READ_OBJECT,
    R155_READ_TAGS,
    R155_REPLICATE_DELETE,
    R155_REPLICATE_OBJECT,
    R158_PUT_LEGAL_HOLD,
    NeedWhen,
    PermissionNeed,
)
from s3repl.policy._routing import delete_markers_replicate
from s3repl.policy._shape import _owner_override
from s3repl.profile import MissingTagReadPermission
from s3repl.world import World

# --- the checks table ------------------------------------------------------------------


class Stage(_Enum):
    """Where in applying a task S3 meets a check."""

    #: Re-reading the task's source as the step runs (R-124, R-127): the source bucket,
    #: its configuration, whether the buckets are reachable, the version.
    SOURCE = "source"
    #: Assuming the replication role (R-006).
    ROLE = "role"
    #: Finding a destination that can take replicas (R-005, R-001, R-013, R-009).
    DESTINATION = "destination"
    #: Reading the source version and what it carries (R-155, R-008, R-010).
    SOURCE_READ = "source_read"
    #: Writing the replica (R-155, R-151, R-157, R-158, R-014, R-027).
    DESTINATION_WRITE = "destination_write"


class Subject(_Enum):
    """What a task carries, as the checks tell tasks apart."""

    #: A new object version.
    OBJECT = "object"
    #: A metadata change of a replicated version (R-085).
    METADATA = "metadata"
    #: A delete marker (R-087).
    DELETE_MARKER = "delete_marker"
    #: A delete by version id (never routed, R-103).
    VERSION_DELETE = "version_delete"


class Objects(_Enum):
    """Which objects a row is about.

    Apply time asks it of the object in hand; findings of any object a rule may carry.
    """

    #: Every object the row's subjects carry.
    EVERY = "every"
    #: Objects with tags.
    TAGGED = "tagged"
    #: Objects under a legal hold.
    LEGAL_HOLD = "legal_hold"
    #: Objects owned by another account than the bucket owner's, with an ACL.
    FOREIGN = "foreign"
    #: Objects encrypted under a KMS key of the source.
    KMS_KEYED = "kms_keyed"
    #: Objects whose replica is encrypted under a KMS key (the rule's, or the
    #: destination default's).
    REPLICA_KEYED = "replica_keyed"
    #: Objects encrypted with customer-provided keys (SSE-C, R-081).
    SSE_C = "sse_c"


class Effect(_Enum):
    """What a row does to a task whose condition does not hold."""

    #: The task fails with the row's reason.
    FAIL = "fail"
    #: By ``Profile.missing_tag_read_permission``: fail, or (default, T-75) go on
    #: without the tags, the tag read counted as a failed metadata operation (R-158).
    UNREADABLE_TAGS = "unreadable_tags"
    #: Go on without the tags, the tag write a failed metadata operation (R-157).
    DROP_TAGS = "drop_tags"
    #: A transient problem: the task stays queued and is tried again after
    #: ``Profile.retry_delay_seconds`` (R-124); no reason, nothing recorded.
    RETRY = "retry"


_EVERY_SUBJECT = frozenset(Subject)
_VERSIONS = frozenset({Subject.OBJECT, Subject.METADATA})
_DELETES = frozenset({Subject.DELETE_MARKER, Subject.VERSION_DELETE})
_NOT_VERSION_DELETE = _EVERY_SUBJECT - {Subject.VERSION_DELETE}


_DESTINATION_EXISTS = Condition.DESTINATION_EXISTS

#: What every row that reads or writes objects stands on: the role and the destination.
_ON_OBJECTS = frozenset({Condition.ROLE_ASSUMABLE, Condition.DESTINATION_EXISTS})


def _presumed_by_stage(check: Check) -> frozenset[Condition]:
    """What a row's stage stands on (its ``presumes`` by default).

    The destination from the destination stage on; the role too for the rows that
    read or write objects.
    """
    if check.stage in (Stage.SOURCE, Stage.ROLE) or check.condition is _DESTINATION_EXISTS:
        return frozenset()
    if check.stage is Stage.DESTINATION:
        return frozenset({Condition.DESTINATION_EXISTS})
    return _ON_OBJECTS


@attrs.frozen(kw_only=True)
class Check:
    """One row of :data:`CHECKS`.

    Attributes:
        stage: where S3 meets the check.
        requirement: the ``R-nnn`` that asks for it.
        condition: what must hold.
        reason: the failure reason when it does not (for a permission, the need's);
            ``None`` exactly for a :attr:`Effect.RETRY` row.
        need: the permission, for :attr:`Condition.PERMITTED` rows.
        subjects: the task subjects that meet the row.
        objects: which of their objects the row is about.
        effect: what a task whose condition does not hold comes to.
        multipart_reason: the reason instead of ``reason`` for an object from a
            multipart upload (R-155: ``DstMultipartInitNotPermitted``).
        presumes: the conditions of earlier rows that must hold before this row can be
            judged (what its condition reads); by default what its stage stands on.
        apply_time_only: why requirement findings cannot foresee the row, when they
            cannot (``""``: a finding foresees it, ``unmet_checks``).
    """

    stage: Stage
    requirement: str
    condition: Condition
    reason: FailureReason | None
    need: PermissionNeed | None = None
    subjects: frozenset[Subject] = _EVERY_SUBJECT
    objects: Objects = Objects.EVERY
    effect: Effect = Effect.FAIL
    multipart_reason: FailureReason | None = None
    presumes: frozenset[Condition] = attrs.field(
        default=attrs.Factory(_presumed_by_stage, takes_self=True)
    )
    apply_time_only: str = ""

    def __attrs_post_init__(self) -> None:
        """Refuse an inconsistent row.

        A permission row without its need or a need on another condition; a row
        without a failure reason unless it retries, or with one when it does.
        """
        if (self.condition is Condition.PERMITTED) != (self.need is not None):
            msg = "a PERMITTED row names its need, and only a PERMITTED row does"
            raise ValueError(msg)
        if (self.reason is None) != (self.effect is Effect.RETRY):
            msg = "a row names its failure reason, unless its effect is RETRY"
            raise ValueError(msg)


def _permission(
    stage: Stage,
    need: PermissionNeed,
    subjects: frozenset[Subject],
    objects: Objects = Objects.EVERY,
    effect: Effect = Effect.FAIL,
    multipart_reason: FailureReason | None = None,
) -> Check:
    return Check(
        stage=stage,
        requirement=need.requirement,
        condition=Condition.PERMITTED,
        reason=need.reason,
        need=need,
        subjects=subjects,
        objects=objects,
        effect=effect,
        multipart_reason=multipart_reason,
    )


F = FailureReason
_SOURCE, _ROLE, _DEST = Stage.SOURCE, Stage.ROLE, Stage.DESTINATION
_READ, _WRITE = Stage.SOURCE_READ, Stage.DESTINATION_WRITE
_OBJECT_ONLY = frozenset({Subject.OBJECT})
_SOURCE_KEY_PER_OBJECT = "a source object's KMS key is its writer's choice, known per object"

# --- the source stage: what a step re-reads of its task's source (R-124, R-127) -----------

#: The source bucket exists (``SrcBucketNotFound``, R-127).
SOURCE_FOUND = Check(
    stage=_SOURCE,
    requirement="R-127",
    condition=Condition.SOURCE_EXISTS,
    reason=F.SRC_BUCKET_NOT_FOUND,
)
#: The source still has a replication configuration (R-127).
SOURCE_CONFIGURED = Check(
    stage=_SOURCE,
    requirement="R-127",
    condition=Condition.SOURCE_CONFIGURED,
    reason=F.SRC_BUCKET_REPLICATION_CONFIG_MISSING,
    presumes=frozenset({Condition.SOURCE_EXISTS}),
)
#: Neither bucket is temporarily unavailable (fault injection): else the task waits
#: and is tried again, every kind of task alike (R-124).
BUCKETS_REACHABLE = Check(
    stage=_SOURCE,
    requirement="R-124",
    condition=Condition.BUCKETS_REACHABLE,
    reason=None,
    effect=Effect.RETRY,
    presumes=frozenset({Condition.SOURCE_EXISTS, Condition.SOURCE_CONFIGURED}),
    apply_time_only="an outage is a fault of the moment a task is applied, not of a configuration",
)
#: The version the task carries is still in the source (``SrcVersionNotFound``,
#: R-127).  A delete by version id (never routed, R-103) carries none.
VERSION_FOUND = Check(
    stage=_SOURCE,
    requirement="R-127",
    condition=Condition.SOURCE_VERSION_EXISTS,
    reason=F.SRC_VERSION_NOT_FOUND,
    subjects=_NOT_VERSION_DELETE,
    presumes=frozenset({Condition.SOURCE_EXISTS}),
    apply_time_only="whether a task's version is still there is known only as the task is applied",
)
#: The source stage, in the order a step meets it (``_apply._ruling`` judges it).
SOURCE_CHECKS: tuple[Check, ...] = (
    SOURCE_FOUND,
    SOURCE_CONFIGURED,
    BUCKETS_REACHABLE,
    VERSION_FOUND,
)

#: Every check a task meets, in the order S3 meets them (R-158; the order within a
#: stage is INF).  Apply time judges the source stage (``_apply._ruling``) and walks
#: the rest (:func:`run_checks`); requirement findings read every row it does not
#: mark ``apply_time_only`` (the source stage in ``check_requirements``, the rest in
#: ``unmet_checks``).
CHECKS: tuple[Check, ...] = (
    *SOURCE_CHECKS,
    Check(
        stage=_ROLE,
        requirement="R-006",
        condition=Condition.ROLE_ASSUMABLE,
        reason=F.ASSUME_ROLE_NOT_PERMITTED,
    ),
    Check(
        stage=_DEST,
        requirement="R-005",
        condition=Condition.DESTINATION_EXISTS,
        reason=F.DST_BUCKET_NOT_FOUND,
    ),
    Check(
        stage=_DEST,
        requirement="R-005",
        condition=Condition.DESTINATION_VERSIONED,
        reason=F.DST_BUCKET_UNVERSIONED,
        subjects=_NOT_VERSION_DELETE,
    ),
    Check(
        stage=_DEST,
        requirement="R-001",
        condition=Condition.REGIONS_ENABLED,
        reason=F.UNSUPPORTED_DESTINATION,
        subjects=_NOT_VERSION_DELETE,
    ),
    Check(
        stage=_DEST,
        requirement="R-013",
        condition=Condition.NO_CROSS_ACCOUNT_REQUESTER_PAYS,
        reason=F.UNSUPPORTED_DESTINATION,
        subjects=_NOT_VERSION_DELETE,
    ),
    Check(
        stage=_DEST,
        requirement="R-009",
        condition=Condition.DESTINATION_LOCKED,
        reason=F.DST_BUCKET_OBJECT_LOCK_CONFIG_MISSING,
        subjects=_NOT_VERSION_DELETE,
    ),
    Check(
        stage=_DEST,
        requirement="R-085",
        condition=Condition.REPLICA_EXISTS,
        reason=F.DST_VERSION_NOT_FOUND,
        subjects=frozenset({Subject.METADATA}),
        apply_time_only="whether a version's replica is still there is known as its change travels",
    ),
    _permission(_READ, R155_READ_CONFIGURATION, _NOT_VERSION_DELETE),
    _permission(_READ, R155_LIST_BUCKET, frozenset({Subject.DELETE_MARKER})),
    _permission(_READ, R155_READ_OBJECT, _VERSIONS),
    Check(
        stage=_READ,
        requirement="R-008",
        condition=Condition.FOREIGN_OBJECT_READABLE,
        reason=F.SRC_GET_OBJECT_NOT_PERMITTED,
        subjects=_VERSIONS,
        objects=Objects.FOREIGN,
        apply_time_only="an object's owner and ACL are its writer's, known per object",
    ),
    _permission(_READ, R155_READ_ACL, _VERSIONS),
    _permission(_READ, R010_READ_RETENTION, _VERSIONS),
    _permission(_READ, R010_READ_LEGAL_HOLD, _VERSIONS),
    Check(
        stage=_READ,
        requirement="R-158",
        condition=Condition.SOURCE_KEY_USABLE,
        reason=F.SRC_KMS_KEY_INVALID_STATE,
        subjects=_OBJECT_ONLY,
        objects=Objects.KMS_KEYED,
        apply_time_only=_SOURCE_KEY_PER_OBJECT,
    ),
    Check(
        stage=_READ,
        requirement="R-158",
        condition=Condition.SOURCE_KEY_PERMITTED,
        reason=F.SRC_KMS_KEY_INVALID_STATE,
        subjects=_OBJECT_ONLY,
        objects=Objects.KMS_KEYED,
        presumes=_ON_OBJECTS | {Condition.SOURCE_KEY_USABLE},
        apply_time_only=_SOURCE_KEY_PER_OBJECT,
    ),
    _permission(_READ, R155_READ_TAGS, _VERSIONS, Objects.TAGGED, Effect.UNREADABLE_TAGS),
    _permission(
        _WRITE,
        R155_REPLICATE_OBJECT,
        _VERSIONS,
        multipart_reason=F.DST_MULTIPART_INIT_NOT_PERMITTED,
    ),
    Check(
        stage=_WRITE,
        requirement="R-081",
        condition=Condition.SSE_C_ACCEPTED,
        reason=F.DST_PUT_OBJECT_NOT_PERMITTED,
        subjects=_OBJECT_ONLY,
        objects=Objects.SSE_C,
    ),
    _permission(_WRITE, R155_REPLICATE_DELETE, _DELETES),
    _permission(_WRITE, R151_OVERRIDE_OWNER, _OBJECT_ONLY),
    _permission(_WRITE, R158_PUT_LEGAL_HOLD, _VERSIONS, Objects.LEGAL_HOLD),
    Check(
        stage=_WRITE,
        requirement="R-157",
        condition=Condition.TAGS_WRITABLE,
        reason=F.DST_PUT_TAGGING_NOT_PERMITTED,
        subjects=_OBJECT_ONLY,
        objects=Objects.TAGGED,
        effect=Effect.DROP_TAGS,
    ),
    Check(
        stage=_WRITE,
        requirement="R-027",
        condition=Condition.REPLICA_KEY_FOUND,
        reason=F.DST_KMS_KEY_NOT_FOUND,
        subjects=_OBJECT_ONLY,
        objects=Objects.REPLICA_KEYED,
    ),
    Check(
        stage=_WRITE,
        requirement="R-027",
        condition=Condition.REPLICA_KEY_USABLE,
        reason=F.DST_KMS_KEY_INVALID_STATE,
        subjects=_OBJECT_ONLY,
        objects=Objects.REPLICA_KEYED,
        presumes=_ON_OBJECTS | {Condition.REPLICA_KEY_FOUND},
    ),
    Check(
        stage=_WRITE,
        requirement="R-014",
        condition=Condition.REPLICA_KEY_PERMITTED,
        reason=F.DST_KMS_KEY_NOT_FOUND,
        subjects=_OBJECT_ONLY,
        objects=Objects.REPLICA_KEYED,
        presumes=_ON_OBJECTS | {Condition.REPLICA_KEY_FOUND, Condition.REPLICA_KEY_USABLE},
    ),
)

#: The rows after the source stage: what :func:`run_checks` walks for a route.
ROUTE_CHECKS: tuple[Check, ...] = tuple(check for check in CHECKS if check.stage is not _SOURCE)

#: Every permission row of :data:`CHECKS`, in its order (requirement findings' order).
PERMISSION_NEEDS: tuple[PermissionNeed, ...] = tuple(
    check.need for check in CHECKS if check.need is not None
)


def rule_needs(
    when: NeedWhen,
    world: World,
    source: Bucket,
    dest: Bucket | None,
    rule: ReplicationRule | None,
    *,
    subject: Subject | None = None,
) -> bool:
    """Whether a rule needs a row whose ``when`` column says ``when`` (R-158).

    The one reading of the column, for requirement findings (``subject=None``: every
    object the rule may carry) and for apply time (the task's subject).

    Args:
        when: the row's column.
        world: the world (its profile decides whether delete markers replicate).
        source: the source bucket.
        dest: the destination bucket, if it exists.
        rule: the rule (``None`` at apply time when it is gone).
        subject: what the task in hand carries, at apply time.
    """
    if when is NeedWhen.OBJECT_LOCK_SOURCE:
        return source.object_lock_enabled
    if when is NeedWhen.DELETE_MARKERS:
        if subject is not None:  # a marker in hand travelled under the rule
            return subject in _DELETES
        return rule is not None and delete_markers_replicate(world, source, dest, rule)
    if when is NeedWhen.OWNER_OVERRIDE:
        return rule is not None and _owner_override(rule)
    return True


def permission_needs(
    world: World, source: Bucket, dest: Bucket, rule: ReplicationRule
) -> tuple[PermissionNeed, ...]:
    """The permission rows of :data:`CHECKS` that ``rule`` needs, in table order (R-158).

    Args:
        world: the world (its profile decides whether delete markers replicate).
        source: the source bucket.
        dest: the rule's destination bucket.
        rule: the rule.

    Returns:
        The object-level permissions the rule's replication needs.
    """
    return tuple(
        need for need in PERMISSION_NEEDS if rule_needs(need.when, world, source, dest, rule)
    )


# --- what the checks come to -----------------------------------------------------------


class Verdict(enum.Enum):
    """What applying a task comes to."""

    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    #: A transient problem: the task stays queued (R-124).
    RETRY = "RETRY"


@attrs.frozen(kw_only=True)
class ApplyOutcome:
    """The verdict for one task, its failure reason, and what the replica leaves out.

    ``metadata_failure`` is a failed metadata operation inside a completed one: the
    object replicates without its tags and the tag operation counts as failed (R-131)
    and sends its failure event (R-129), as R-158's [INF] defaults record it.
    """

    verdict: Verdict
    reason: FailureReason | None = None
    drop_tags: bool = False
    metadata_failure: FailureReason | None = None

    @classmethod
    def fail(cls, reason: FailureReason) -> ApplyOutcome:
        """A permanent failure with a documented reason."""
        return cls(verdict=Verdict.FAILED, reason=reason)


OK = ApplyOutcome(verdict=Verdict.COMPLETED)


def outcome_of(check: Check) -> ApplyOutcome:
    """What a task comes to when a row that ends it does not hold (its :class:`Effect`).

    A retry for a :attr:`Effect.RETRY` row, else a failure with the row's reason (a
    tag row ends a task only under ``missing_tag_read_permission=FAIL``: otherwise
    :func:`run_checks` lets it go on without its tags).
    """
    if check.reason is None:  # Effect.RETRY, the one row without a reason
        return ApplyOutcome(verdict=Verdict.RETRY)
    return ApplyOutcome.fail(check.reason)


def run_checks(
    world: World,
    subject: Subject,
    source: Bucket,
    role_arn: str,
    dest_name: str,
    rule: ReplicationRule | None,
    version: ObjectVersion | DeleteMarker | None,
    key: str,
    version_id: str,
) -> ApplyOutcome:
    """Walk :data:`ROUTE_CHECKS` for one task; the first row that does not hold decides.

    The source stage is behind the task already (``_apply._ruling``): ``source`` and
    its configuration were found, and the version for every subject but a version
    delete.

    Args:
        world: the world now.
        subject: what the task carries.
        source: the source bucket.
        role_arn: the replication role of the source's configuration.
        dest_name: the destination bucket's name.
        rule: the rule the task was routed by, if the configuration still has it.
        version: the source version (``None`` only for a version delete).
        key: the object key.
        version_id: the version id.

    Returns:
        ``COMPLETED`` (maybe without tags) or ``FAILED`` with the row's reason.
    """
    obj = version if isinstance(version, ObjectVersion) else None
    facts = Facts.of_route(
        world,
        source,
        role_arn,
        dest_name,
        rule,
        key,
        version_id=version_id,
        obj=obj,
        encryption=None if obj is None else obj.server_side_encryption,
    )
    dest = facts.dest
    drop_tags = False
    metadata_failure: FailureReason | None = None
    for check in ROUTE_CHECKS:
        if subject not in check.subjects:
            continue
        need = check.need
        if need is not None and not rule_needs(
            need.when, world, source, dest, rule, subject=subject
        ):
            continue
        if not _about(check.objects, facts, drop_tags=drop_tags):
            continue
        if not judge(check, facts):
            continue
        effect = check.effect
        if effect is Effect.DROP_TAGS or (
            effect is Effect.UNREADABLE_TAGS
            and world.profile.missing_tag_read_permission is not MissingTagReadPermission.FAIL
        ):
            drop_tags, metadata_failure = True, check.reason
            continue
        multipart = check.multipart_reason
        if multipart is not None and subject is Subject.OBJECT and obj and obj.parts_count:
            return ApplyOutcome.fail(multipart)
        return outcome_of(check)
    if drop_tags:
        return ApplyOutcome(
            verdict=Verdict.COMPLETED, drop_tags=True, metadata_failure=metadata_failure
        )
    return OK


def _about(objects: Objects, facts: Facts, *, drop_tags: bool) -> bool:
    """Whether a row's ``objects`` column covers the route's object.

    A task's object is in hand; a rule's (``facts.obj is None`` in ``unmet_checks``)
    is any object the rule may carry: tagged ones, ones under legal hold when the source
    has Object Lock, ones with a replica key when the rule names one.  Only version
    subjects meet rows about particular objects, so a task without an object never asks.
    """
    if objects is Objects.EVERY:
        return True
    if objects is Objects.REPLICA_KEYED:
        return facts.replica_key is not None
    obj = facts.obj
    if obj is None:  # any object of a rule
        if objects is Objects.LEGAL_HOLD:
            return facts.source.object_lock_enabled
        if objects is Objects.SSE_C:  # a source that takes SSE-C writes, replicating them
            source_blocks = facts.source.default_encryption.sse_c_blocked
            return facts.world.profile.sse_c_replication and not source_blocks
        return objects is Objects.TAGGED
    if objects is Objects.SSE_C:
        return obj.server_side_encryption is ServerSideEncryption.SSE_C
    if objects is Objects.TAGGED:
        return bool(obj.tags) and not drop_tags
    if objects is Objects.LEGAL_HOLD:
        return obj.object_lock_legal_hold_status is ObjectLockLegalHoldStatus.ON
    if objects is Objects.FOREIGN:
        return obj.owner != facts.source.owner and obj.acl is not None
    # Objects.KMS_KEYED
    return obj.server_side_encryption.uses_kms and obj.sse_kms_key_id is not None
