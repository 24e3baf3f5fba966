"""The checks table of R-158: every check a task meets, in the order S3 meets them.

Theory.  Applying a task re-reads the world (R-124) and walks :data:`CHECKS` top to
bottom: the role (R-006), the destination (R-005, R-001, R-013, R-009), reading the
source (R-155, R-008, R-010, the source key), writing the destination (R-155, R-151,
R-158, R-157, the replica key: R-027, R-014).  A row applies to a task when the task's
:class:`Subject` is one of the row's subjects, the rule needs it (``NeedWhen``, read
by :func:`rule_needs`) and the object is one the row is about (:class:`Objects`).
The first row whose condition does not hold decides: a failure with the row's reason,
or, for tag rows, the object goes without its tags (:class:`Effect`).

Two readings, one table, one judge.  :func:`run_checks` walks the rows for a task (apply
time); ``unmet_checks`` (``_unmet``) walks them for a configuration's rules (requirement
findings, ``s3repl.validate``): the rows whose condition does not hold for some rule
and destination.  Both ask :func:`~s3repl.policy._conditions.judge`, the one reading
of each :class:`Condition`.  Findings judge each row where its stage says (the role's
once, a destination's once per destination, the object rows once per rule), every row
whose ``presumes`` held, and skip only the rows marked ``apply_time_only``: what only
the object in hand can tell (its owner and ACL, its KMS key, its replica).
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
from s3repl.policy._routing import delete_markers_replicate
from s3repl.policy._shape import _owner_override
from s3repl.profile import MissingTagReadPermission, Profile
from s3repl.world import World

# --- the permission table (R-155, R-158, R-010, R-151) ---------------------------------


class NeedWhen(enum.Enum):
    """Which rules need a row of :data:`PERMISSION_NEEDS` (see :func:`permission_needs`)."""

    def __repr__(self) -> str:
        """Return ``ClassName.MEMBER``."""
        return f"{type(self).__name__}.{self.name}"

    #: Every rule.
    ALWAYS = "always"
    #: Rules of a source bucket with Object Lock enabled (R-010).
    OBJECT_LOCK_SOURCE = "object_lock_source"
    #: Rules under which delete markers replicate (:func:`delete_markers_replicate`).
    DELETE_MARKERS = "delete_markers"
    #: Rules that override the replica owner (``AccessControlTranslation``, R-151).
    OWNER_OVERRIDE = "owner_override"


@attrs.frozen(kw_only=True)
class PermissionNeed:
    """One row of R-158: a permission the role needs, where, when, and what its absence causes.

    Attributes:
        requirement: the ``R-nnn`` that asks for the permission.
        action: the IAM action, such as ``"s3:ReplicateObject"``.
        on_destination: ``True`` for objects of the destination bucket, ``False`` for
            objects of the source bucket.
        reason: the failure reason a task gets when the role may not.
        consequence: what its absence means, in words; a :meth:`str.format` template
            that may name the profile switch that decides the row's outcome (see
            :meth:`consequence_under`).
        when: which rules need it.
        on_bucket: ``True`` when the action is on the bucket itself (its ARN), not on
            its objects.
    """

    requirement: str
    action: str
    on_destination: bool
    reason: FailureReason
    consequence: str
    when: NeedWhen
    on_bucket: bool = False

    def consequence_under(self, profile: Profile) -> str:
        """The consequence, with the switches of ``profile`` it names filled in."""
        return self.consequence.format(
            missing_tag_read_permission=profile.missing_tag_read_permission.value
        )


# The rows, one per permission.  Each is the ``need`` of one row of :data:`CHECKS`,
# where both readings of the table meet it in the order S3 does.  What a row adds to
# its need stays in the row: which objects need it (tagged ones for tags, those under
# legal hold for the legal hold), the profile switch for unreadable tags, the
# multipart variant of a refused write.

#: ``s3:GetReplicationConfiguration`` on the source bucket (R-155): S3 reads the
#: configuration as the role.  No dedicated reason is documented: without it the role
#: finds no configuration to replicate by (INF, ``SrcBucketReplicationConfigMissing``).
R155_READ_CONFIGURATION = PermissionNeed(
    requirement="R-155",
    action="s3:GetReplicationConfiguration",
    on_destination=False,
    reason=FailureReason.SRC_BUCKET_REPLICATION_CONFIG_MISSING,
    consequence="the replication configuration cannot be read, so nothing replicates",
    when=NeedWhen.ALWAYS,
    on_bucket=True,
)
#: ``s3:ListBucket`` on the source bucket, needed to replicate delete markers (R-155).
#: No dedicated reason is documented: the marker is not replicated, with the reason of
#: a refused delete marker (INF, ``DstDelObjNotPermitted``).
R155_LIST_BUCKET = PermissionNeed(
    requirement="R-155",
    action="s3:ListBucket",
    on_destination=False,
    reason=FailureReason.DST_DEL_OBJ_NOT_PERMITTED,
    consequence="delete markers cannot be replicated",
    when=NeedWhen.DELETE_MARKERS,
    on_bucket=True,
)
#: ``s3:GetObjectVersionForReplication`` on source objects (R-155).
R155_READ_OBJECT = PermissionNeed(
    requirement="R-155",
    action="s3:GetObjectVersionForReplication",
    on_destination=False,
    reason=FailureReason.SRC_GET_OBJECT_NOT_PERMITTED,
    consequence="objects cannot be read for replication",
    when=NeedWhen.ALWAYS,
)
#: ``s3:GetObjectVersionAcl`` on source objects (R-155).
R155_READ_ACL = PermissionNeed(
    requirement="R-155",
    action="s3:GetObjectVersionAcl",
    on_destination=False,
    reason=FailureReason.SRC_GET_ACL_NOT_PERMITTED,
    consequence="object ACLs cannot be read",
    when=NeedWhen.ALWAYS,
)
#: ``s3:GetObjectVersionTagging`` on source objects (R-155); for tagged objects, and
#: the reason only under ``missing_tag_read_permission=FAIL`` (else the tags stay
#: behind, T-75).
R155_READ_TAGS = PermissionNeed(
    requirement="R-155",
    action="s3:GetObjectVersionTagging",
    on_destination=False,
    reason=FailureReason.SRC_GET_TAGGING_NOT_PERMITTED,
    consequence=(
        "object tags cannot be read (by the profile's missing_tag_read_permission, "
        "{missing_tag_read_permission})"
    ),
    when=NeedWhen.ALWAYS,
)
#: ``s3:GetObjectRetention`` on source objects of a lock source (R-010).  No dedicated
#: reason is documented: the object read is refused (R-158, INF).
R010_READ_RETENTION = PermissionNeed(
    requirement="R-010",
    action="s3:GetObjectRetention",
    on_destination=False,
    reason=FailureReason.SRC_GET_OBJECT_NOT_PERMITTED,
    consequence="Object Lock settings cannot be read",
    when=NeedWhen.OBJECT_LOCK_SOURCE,
)
#: ``s3:GetObjectLegalHold`` on source objects of a lock source (R-010), as above.
R010_READ_LEGAL_HOLD = PermissionNeed(
    requirement="R-010",
    action="s3:GetObjectLegalHold",
    on_destination=False,
    reason=FailureReason.SRC_GET_OBJECT_NOT_PERMITTED,
    consequence="Object Lock settings cannot be read",
    when=NeedWhen.OBJECT_LOCK_SOURCE,
)
#: ``s3:ReplicateObject`` on destination objects (R-155); a multipart object fails
#: with ``DstMultipartInitNotPermitted`` instead.
R155_REPLICATE_OBJECT = PermissionNeed(
    requirement="R-155",
    action="s3:ReplicateObject",
    on_destination=True,
    reason=FailureReason.DST_PUT_OBJECT_NOT_PERMITTED,
    consequence=(
        "replicas cannot be written (objects from multipart uploads fail with "
        "DstMultipartInitNotPermitted)"
    ),
    when=NeedWhen.ALWAYS,
)
#: ``s3:ReplicateDelete`` on destination objects, for delete markers (R-155).
R155_REPLICATE_DELETE = PermissionNeed(
    requirement="R-155",
    action="s3:ReplicateDelete",
    on_destination=True,
    reason=FailureReason.DST_DEL_OBJ_NOT_PERMITTED,
    consequence="delete markers cannot be replicated",
    when=NeedWhen.DELETE_MARKERS,
)
#: ``s3:ObjectOwnerOverrideToBucketOwner`` on destination objects (R-151).
R151_OVERRIDE_OWNER = PermissionNeed(
    requirement="R-151",
    action="s3:ObjectOwnerOverrideToBucketOwner",
    on_destination=True,
    reason=FailureReason.DST_PUT_OBJECT_NOT_PERMITTED,
    consequence="the replica owner cannot be overridden",
    when=NeedWhen.OWNER_OVERRIDE,
)
#: ``s3:PutObjectLegalHold`` on destination objects (R-158); for objects under a
#: legal hold, so only a lock source needs it.
R158_PUT_LEGAL_HOLD = PermissionNeed(
    requirement="R-158",
    action="s3:PutObjectLegalHold",
    on_destination=True,
    reason=FailureReason.DST_PUT_LEGAL_HOLD_NOT_PERMITTED,
    consequence="objects under legal hold cannot be replicated",
    when=NeedWhen.OBJECT_LOCK_SOURCE,
)


# --- the checks table ------------------------------------------------------------------


class Stage(_Enum):
    """Where in applying a task S3 meets a check."""

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


_EVERY_SUBJECT = frozenset(Subject)
_VERSIONS = frozenset({Subject.OBJECT, Subject.METADATA})
_DELETES = frozenset({Subject.DELETE_MARKER, Subject.VERSION_DELETE})
_NOT_VERSION_DELETE = _EVERY_SUBJECT - {Subject.VERSION_DELETE}


#: What every row that reads or writes objects stands on: the role and the destination.
_ON_OBJECTS = frozenset({Condition.ROLE_ASSUMABLE, Condition.DESTINATION_EXISTS})


def _presumed_by_stage(check: Check) -> frozenset[Condition]:
    """What a row's stage stands on (its ``presumes`` by default).

    The destination from the destination stage on; the role too for the rows that
    read or write objects.
    """
    if check.stage is Stage.ROLE or check.condition is Condition.DESTINATION_EXISTS:
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
        reason: the failure reason when it does not (for a permission, the need's).
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
    reason: FailureReason
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
        """Refuse a permission row without its need, or a need on another condition."""
        if (self.condition is Condition.PERMITTED) != (self.need is not None):
            msg = "a PERMITTED row names its need, and only a PERMITTED row does"
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
_ROLE, _DEST = Stage.ROLE, Stage.DESTINATION
_READ, _WRITE = Stage.SOURCE_READ, Stage.DESTINATION_WRITE
_OBJECT_ONLY = frozenset({Subject.OBJECT})
_SOURCE_KEY_PER_OBJECT = "a source object's KMS key is its writer's choice, known per object"

#: Every check a task meets, in the order S3 meets them (R-158; the order within a
#: stage is INF).  Apply time walks it (:func:`run_checks`); requirement findings read
#: every row it does not mark ``apply_time_only`` (``unmet_checks``).
CHECKS: tuple[Check, ...] = (
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
    """Walk :data:`CHECKS` for one task; the first row that does not hold decides.

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
    for check in CHECKS:
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
        return ApplyOutcome.fail(check.reason)
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
