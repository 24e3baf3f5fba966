"""Applying a task: the checks of R-158 in the order S3 meets them (R-124, R-127, R-158)."""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from s3repl.model import (
    Bucket,
    DeleteMarker,
    FailureReason,
    ObjectLockLegalHoldStatus,
    ObjectVersion,
    ReplicationConfiguration,
    ReplicationRule,
    ReplicationStatus,
    ReplicationTask,
    TaskKind,
)
from s3repl.model._frozenmap import EMPTY
from s3repl.model.acl import Permission
from s3repl.model.enums import VersioningStatus
from s3repl.model.objects import with_statuses
from s3repl.policy._checks import (
    R010_READ_LEGAL_HOLD,
    R010_READ_RETENTION,
    R151_OVERRIDE_OWNER,
    R155_READ_ACL,
    R155_READ_OBJECT,
    R155_READ_TAGS,
    R155_REPLICATE_DELETE,
    R155_REPLICATE_OBJECT,
    R158_PUT_LEGAL_HOLD,
    _lacks,
)
from s3repl.policy._permissions import (
    _EVERY_KEY,
    _assumable,
    _explicitly_denied,
    _key_for_memo,
    _kms_may,
)
from s3repl.policy._routing import _find_version, route_object
from s3repl.policy._shape import (
    ReplicaShape,
    _owner_override,
    _replica_key,
    build_replica,
    replica_shape,
)
from s3repl.policy._status import orders_by_source_time, rtc_applies, version_after_outcome
from s3repl.profile import MissingTagReadPermission
from s3repl.world import Role, Version, World

# Enum members read through their class cost a metaclass lookup (about 170 ns on
# CPython 3.11); the functions every step runs read these module constants instead.
_COMPLETED = ReplicationStatus.COMPLETED
_OBJECT_TASK = TaskKind.OBJECT
_VERSION_DELETE_TASK = TaskKind.VERSION_DELETE

# --- applying a task (R-124, R-127, R-158) ---------------------------------------------


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


_OK = ApplyOutcome(verdict=Verdict.COMPLETED)
_RETRY = ApplyOutcome(verdict=Verdict.RETRY)
F = FailureReason


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
    source = world.buckets.get(task.source_bucket)
    if source is None:
        return ApplyOutcome.fail(F.SRC_BUCKET_NOT_FOUND)
    config = source.replication
    if config is None:
        return ApplyOutcome.fail(F.SRC_BUCKET_REPLICATION_CONFIG_MISSING)
    if task.kind is _VERSION_DELETE_TASK:
        return _version_delete_outcome(world, task, config)
    if version is None:
        return ApplyOutcome.fail(F.SRC_VERSION_NOT_FOUND)
    if task.destination_bucket in unavailable or task.source_bucket in unavailable:
        return _RETRY
    plain = _plain_object(task, version, source)
    if plain is not None:
        cached = world.memo.get(plain)
        if isinstance(cached, ApplyOutcome):
            return cached
    outcome = _decide(world, task, version, source, config)
    if plain is not None and _keys_alike(world, config.role, source, task.destination_bucket):
        world.memo[plain] = outcome
    return outcome


def _version_delete_outcome(
    world: World, task: ReplicationTask, config: ReplicationConfiguration
) -> ApplyOutcome:
    """A routed version delete (never routed by this policy, R-103) needs what a marker needs."""
    role = world.roles.get(config.role)
    dest = world.bucket(task.destination_bucket)
    if role is None or not _assumable(world, role):
        return ApplyOutcome.fail(F.ASSUME_ROLE_NOT_PERMITTED)
    if dest is None:
        return ApplyOutcome.fail(F.DST_BUCKET_NOT_FOUND)
    source = world.buckets[task.source_bucket]  # apply_outcome has found it
    if _lacks(world, role, R155_REPLICATE_DELETE, source, dest, task.key):
        return ApplyOutcome.fail(R155_REPLICATE_DELETE.reason)
    return _OK


def _plain_object(
    task: ReplicationTask, version: ObjectVersion | DeleteMarker, source: Bucket
) -> tuple[object, ...] | None:
    """A memo key for an object task whose outcome cannot depend on the object itself.

    Plain: an object version owned by the bucket owner, without tags, KMS key, legal
    hold or parts, so only the buckets, the rule and the encryption kind decide.
    """
    if (
        task.kind is not _OBJECT_TASK
        or not isinstance(version, ObjectVersion)
        or not _plain_version(version, source.owner)
    ):
        return None
    return (
        "outcome",
        task.source_bucket,
        task.destination_bucket,
        task.rule_id,
        version.server_side_encryption,
    )


def _plain_version(version: ObjectVersion, owner: str) -> bool:
    """Whether only the buckets, the rule and the encryption kind decide ``version``'s outcome.

    Owned by the source bucket's ``owner``, without tags, KMS key, legal hold or parts.
    """
    return (
        version.owner == owner
        and version.sse_kms_key_id is None
        and version.object_lock_legal_hold_status is None
        and (version.tags is EMPTY or not version.tags)
        and "-" not in version.etag  # no parts_count, without the property's call
    )


def _keys_alike(world: World, role_arn: str, source: Bucket, destination: str) -> bool:
    """Whether no policy involved can tell two object keys apart (see ``role_may``)."""
    role = world.roles.get(role_arn)
    dest = world.bucket(destination)
    if role is None or dest is None:
        return True  # the outcome did not depend on any key
    return all(_key_for_memo(world, role, bucket, "") is _EVERY_KEY for bucket in (source, dest))


def _decide(
    world: World,
    task: ReplicationTask,
    version: ObjectVersion | DeleteMarker,
    source: Bucket,
    config: ReplicationConfiguration,
) -> ApplyOutcome:
    """The checks of R-158 in the order S3 meets them."""
    role = world.roles.get(config.role)
    if role is None or not _assumable(world, role):
        return ApplyOutcome.fail(F.ASSUME_ROLE_NOT_PERMITTED)
    dest = world.bucket(task.destination_bucket)
    if dest is None:
        return ApplyOutcome.fail(F.DST_BUCKET_NOT_FOUND)
    if dest.versioning is not VersioningStatus.ENABLED:
        return ApplyOutcome.fail(F.DST_BUCKET_UNVERSIONED)
    if _unsupported_destination(world, source, dest):
        return ApplyOutcome.fail(F.UNSUPPORTED_DESTINATION)
    if source.object_lock_enabled and not dest.object_lock_enabled:
        return ApplyOutcome.fail(F.DST_BUCKET_OBJECT_LOCK_CONFIG_MISSING)
    if isinstance(version, DeleteMarker):
        if _lacks(world, role, R155_REPLICATE_DELETE, source, dest, task.key):
            return ApplyOutcome.fail(R155_REPLICATE_DELETE.reason)
        return _OK
    rule = _rule_by_id(config, task.rule_id)
    if task.kind is TaskKind.METADATA:
        return _metadata_outcome(world, role, source, dest, task, version)
    return _object_outcome(world, role, source, dest, version, rule)


def _rule_by_id(config: ReplicationConfiguration, rule_id: str) -> ReplicationRule | None:
    for rule in config.rules:
        if rule.id == rule_id:
            return rule
    return None


def _unsupported_destination(world: World, source: Bucket, dest: Bucket) -> bool:
    """R-001, R-013, R-176: opt-in region off for either owner, or cross-account Requester Pays."""
    memo_key = ("unsupported", source.name, dest.name)
    cached = world.memo.get(memo_key)
    if cached is None:
        source_account = world.account(source.owner)
        cached = world.memo[memo_key] = (
            not source_account.region_enabled(source.region)
            or not source_account.region_enabled(dest.region)
            or not world.account(dest.owner).region_enabled(dest.region)
            or (dest.requester_pays and dest.owner != source.owner)
        )
    return cached is True


def _source_read_outcome(
    world: World, role: Role, source: Bucket, dest: Bucket, version: ObjectVersion
) -> ApplyOutcome | None:
    """The source-side checks: read the object, its ACL, lock settings and key."""
    failed = _metadata_read_outcome(world, role, source, dest, version)
    if failed is not None:
        return failed
    if version.server_side_encryption.uses_kms and version.sse_kms_key_id is not None:
        src_key = world.kms_keys.get(version.sse_kms_key_id)
        if src_key is None or not src_key.usable:
            return ApplyOutcome.fail(F.SRC_KMS_KEY_INVALID_STATE)
        if not _kms_may(world, role, "kms:Decrypt", version.sse_kms_key_id):
            return ApplyOutcome.fail(F.SRC_KMS_KEY_INVALID_STATE)
    return None


def _metadata_read_outcome(
    world: World, role: Role, source: Bucket, dest: Bucket, version: ObjectVersion
) -> ApplyOutcome | None:
    """Reading what a replica carries besides its body: the object, ACL, lock settings."""
    key = version.key
    if _lacks(world, role, R155_READ_OBJECT, source, dest, key):
        return ApplyOutcome.fail(R155_READ_OBJECT.reason)
    if version.owner != source.owner and version.acl is not None:
        # a foreign-owned object needs READ and READ_ACP for the bucket owner.
        acl = version.acl
        if not (
            acl.allows(source.owner, Permission.READ)
            and acl.allows(source.owner, Permission.READ_ACP)
        ):
            return ApplyOutcome.fail(F.SRC_GET_OBJECT_NOT_PERMITTED)
    if _lacks(world, role, R155_READ_ACL, source, dest, key):
        return ApplyOutcome.fail(R155_READ_ACL.reason)
    if source.object_lock_enabled:
        if _lacks(world, role, R010_READ_RETENTION, source, dest, key):
            return ApplyOutcome.fail(R010_READ_RETENTION.reason)
        if _lacks(world, role, R010_READ_LEGAL_HOLD, source, dest, key):
            return ApplyOutcome.fail(R010_READ_LEGAL_HOLD.reason)
    return None


def _object_outcome(
    world: World,
    role: Role,
    source: Bucket,
    dest: Bucket,
    version: ObjectVersion,
    rule: ReplicationRule | None,
) -> ApplyOutcome:
    failed = _source_read_outcome(world, role, source, dest, version)
    if failed is not None:
        return failed
    key = version.key
    drop_tags = False
    metadata_failure: FailureReason | None = None
    if version.tags and _lacks(world, role, R155_READ_TAGS, source, dest, key):
        unreadable = _unreadable_tags(world)
        if unreadable.verdict is Verdict.FAILED:
            return unreadable
        drop_tags, metadata_failure = True, unreadable.metadata_failure
    if _lacks(world, role, R155_REPLICATE_OBJECT, source, dest, key):
        reason = F.DST_MULTIPART_INIT_NOT_PERMITTED if version.parts_count else None
        return ApplyOutcome.fail(reason or R155_REPLICATE_OBJECT.reason)
    if (
        rule is not None
        and _owner_override(rule)
        and _lacks(world, role, R151_OVERRIDE_OWNER, source, dest, key)
    ):
        return ApplyOutcome.fail(R151_OVERRIDE_OWNER.reason)
    if (
        version.tags
        and not drop_tags
        and _explicitly_denied(world, role, "s3:ReplicateTags", dest, key)
    ):
        # the destination may refuse tags; the object still goes, and R-158 [INF]
        # records the tag write as a failed metadata operation.
        drop_tags, metadata_failure = True, F.DST_PUT_TAGGING_NOT_PERMITTED
    if version.object_lock_legal_hold_status is ObjectLockLegalHoldStatus.ON and _lacks(
        world, role, R158_PUT_LEGAL_HOLD, source, dest, key
    ):
        return ApplyOutcome.fail(R158_PUT_LEGAL_HOLD.reason)
    kms_failure = _replica_key_outcome(world, role, dest, version, rule)
    if kms_failure is not None:
        return kms_failure
    return ApplyOutcome(
        verdict=Verdict.COMPLETED, drop_tags=drop_tags, metadata_failure=metadata_failure
    )


def _replica_key_outcome(
    world: World, role: Role, dest: Bucket, version: ObjectVersion, rule: ReplicationRule | None
) -> ApplyOutcome | None:
    """R-014, R-027, R-158: the replica's KMS key must exist, be usable and usable by the role."""
    key_arn = _replica_key(dest, version.server_side_encryption, rule)
    if key_arn is None:
        return None
    key = world.kms_keys.get(key_arn)
    if key is None or key.region != dest.region:
        return ApplyOutcome.fail(F.DST_KMS_KEY_NOT_FOUND)
    if not key.usable:
        return ApplyOutcome.fail(F.DST_KMS_KEY_INVALID_STATE)
    if not _kms_may(world, role, "kms:Encrypt", key_arn):
        return ApplyOutcome.fail(F.DST_KMS_KEY_NOT_FOUND)
    return None


def _metadata_outcome(
    world: World,
    role: Role,
    source: Bucket,
    dest: Bucket,
    task: ReplicationTask,
    version: ObjectVersion,
) -> ApplyOutcome:
    if _find_version(world, dest.name, task.key, task.version_id) is None:
        return ApplyOutcome.fail(F.DST_VERSION_NOT_FOUND)
    key = task.key
    # A metadata operation reads what it carries (ACL, lock settings, tags) and writes it
    # with the same permissions as the object's replication.
    failed = _metadata_read_outcome(world, role, source, dest, version)
    if failed is not None:
        return failed
    if _lacks(world, role, R155_REPLICATE_OBJECT, source, dest, key):
        return ApplyOutcome.fail(R155_REPLICATE_OBJECT.reason)
    if version.object_lock_legal_hold_status is ObjectLockLegalHoldStatus.ON and _lacks(
        world, role, R158_PUT_LEGAL_HOLD, source, dest, key
    ):
        return ApplyOutcome.fail(R158_PUT_LEGAL_HOLD.reason)
    if version.tags and _lacks(world, role, R155_READ_TAGS, source, dest, key):
        return _unreadable_tags(world)  # as for an object
    return _OK


def _unreadable_tags(world: World) -> ApplyOutcome:
    """What tags the role cannot read do to an operation, by the profile switch (R-158).

    Under ``fail`` the operation fails with ``SrcGetTaggingNotPermitted``; by default
    [INF] it completes without the tags (T-75), the tag read a failed metadata operation.
    """
    if world.profile.missing_tag_read_permission is MissingTagReadPermission.FAIL:
        return ApplyOutcome.fail(R155_READ_TAGS.reason)
    return _WITHOUT_UNREADABLE_TAGS


_WITHOUT_UNREADABLE_TAGS = ApplyOutcome(
    verdict=Verdict.COMPLETED, drop_tags=True, metadata_failure=R155_READ_TAGS.reason
)


# --- the common case, decided once per world view (R-101, R-124, R-158) ---------------


@attrs.frozen
class ObjectPlan:
    """How an object task to one destination completes, for every version it covers.

    Decided once per world view and routing (source, destination, rule, encryption
    kind, storage class) by the general decision, :func:`apply_outcome`, so that the
    engine can apply the usual task (a plain object that completes) in a few lines.

    Attributes:
        source_owner: the source bucket's owner; covered versions are owned by it.
        destination: the destination bucket.
        replica: the shape of the replicas (R-082, R-086, R-089, R-150..R-154).
        by_source_time: whether the destination orders versions by source time (R-143).
    """

    source_owner: str
    destination: Bucket
    replica: ReplicaShape
    by_source_time: bool
    # The status maps a completion turns each (interned) pair of maps into; a cache.
    _completions: dict[int, tuple[object, ...]] = attrs.field(
        factory=dict, init=False, eq=False, hash=False, repr=False
    )

    def completed(self, version: ObjectVersion) -> ObjectVersion:
        """``version`` with the destination ``COMPLETED`` (R-123, R-124).

        :func:`version_after_outcome`, memoised by the identity of the version's
        status maps, which are interned and few.
        """
        statuses, reasons = version.destination_statuses, version.failure_reasons
        entry = self._completions.get(id(statuses))
        if entry is None or entry[0] is not statuses or entry[1] is not reasons:
            done = version_after_outcome(
                version, self.destination.name, _COMPLETED, None, replica_sync=False
            )
            self._completions[id(statuses)] = (
                statuses,
                reasons,
                done.destination_statuses,
                done.failure_reasons,
                done.replication_status,
            )
            return done
        return with_statuses(version, entry[2], entry[3], entry[4])  # type: ignore[arg-type]


_NO_PLAN = object()


def object_plan(world: World, task: ReplicationTask, version: Version | None) -> ObjectPlan | None:
    """The plan that applies ``task`` to ``version``, or ``None`` for the general path.

    A plan exists when the general decision for a plain object is "completed, tags
    and all", whatever its key, and nothing else happens on completion: no RTC
    threshold events (R-129), no replica re-routed (a replica never is, R-101), no
    replication into the source bucket itself.  Task kinds other than objects, and
    fault injection (which the engine checks), always take the general path.
    """
    if task.kind is not _OBJECT_TASK or type(version) is not ObjectVersion:
        return None
    source, destination, rule_id = task.source_bucket, task.destination_bucket, task.rule_id
    encryption, storage_class = version.server_side_encryption, version.storage_class
    # Steps repeat one routing back to back: the last one is checked by identity before
    # the memo's tuple key is built and hashed.
    last: tuple[object, ...] | None = world.memo.get(_LAST_PLAN)  # type: ignore[assignment]
    if (
        last is not None
        and last[0] is source
        and last[1] is destination
        and last[2] is rule_id
        and last[3] is encryption
        and last[4] is storage_class
    ):
        plan = last[5]
    else:
        memo_key = (_PLAN_MEMO, source, destination, rule_id, encryption, storage_class)
        plan = world.memo.get(memo_key)
        if plan is None:
            plan = world.memo[memo_key] = _new_object_plan(world, task, version) or _NO_PLAN
        world.memo[_LAST_PLAN] = (source, destination, rule_id, encryption, storage_class, plan)
    if plan is _NO_PLAN or task.replica_modification:
        return None
    found: ObjectPlan = plan  # type: ignore[assignment]
    return found if _plain_version(version, found.source_owner) else None


_PLAN_MEMO = "object plan"
_LAST_PLAN = "last object plan"


def _new_object_plan(
    world: World, task: ReplicationTask, version: ObjectVersion
) -> ObjectPlan | None:
    source = world.buckets.get(task.source_bucket)
    dest = world.buckets.get(task.destination_bucket)
    if source is None or source.replication is None or dest is None or dest is source:
        return None
    # A sample of the versions the plan covers: the decision must be the plain one.
    if _plain_object(task, version, source) is None:
        return None
    rule = _rule_by_id(source.replication, task.rule_id)
    if apply_outcome(world, task, version) != _OK or rtc_applies(rule, task):
        return None
    if not _keys_alike(world, source.replication.role, source, dest.name):
        return None
    shape = replica_shape(rule, dest, version.storage_class, version.server_side_encryption)

    # build_replica stays the judge of the replica, and replicas never replicate again
    # a plan must agree with both on its sample.
    def clock() -> dt.datetime:
        return version.last_modified

    replica = build_replica(world, version, rule, dest, clock)
    if shape.build(version, clock) != replica or route_object(world, dest.name, replica):
        return None
    return ObjectPlan(
        source_owner=source.owner,
        destination=dest,
        replica=shape,
        by_source_time=orders_by_source_time(world.profile),
    )
