"""Applying a task: the checks of R-158 in the order S3 meets them (R-124, R-127, R-158)."""

from __future__ import annotations

import datetime as dt

import attrs

from s3repl.model import (
    Bucket,
    DeleteMarker,
    FailureReason,
    ObjectVersion,
    ReplicationConfiguration,
    ReplicationRule,
    ReplicationStatus,
    ReplicationTask,
    TaskKind,
)
from s3repl.model._frozenmap import EMPTY
from s3repl.model.objects import with_statuses
from s3repl.policy._checks import OK, ApplyOutcome, Subject, Verdict, run_checks
from s3repl.policy._permissions import (
    _EVERY_KEY,
    _key_for_memo,
)
from s3repl.policy._routing import route_object
from s3repl.policy._shape import (
    ReplicaShape,
    build_replica,
    replica_shape,
)
from s3repl.policy._status import orders_by_source_time, rtc_applies, version_after_outcome
from s3repl.world import Version, World

# Enum members read through their class cost a metaclass lookup (about 170 ns on
# CPython 3.11); the functions every step runs read these module constants instead.
_COMPLETED = ReplicationStatus.COMPLETED
_OBJECT_TASK = TaskKind.OBJECT
_VERSION_DELETE_TASK = TaskKind.VERSION_DELETE

# --- applying a task (R-124, R-127, R-158) ---------------------------------------------


_OK = OK
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
    source = world.buckets[task.source_bucket]  # apply_outcome has found it
    return run_checks(
        world,
        Subject.VERSION_DELETE,
        source,
        config.role,
        task.destination_bucket,
        _rule_by_id(config, task.rule_id),
        None,
        task.key,
        task.version_id,
    )


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
    """The checks of R-158 in the order S3 meets them (:data:`CHECKS`)."""
    if isinstance(version, DeleteMarker):
        subject = Subject.DELETE_MARKER
    elif task.kind is TaskKind.METADATA:
        subject = Subject.METADATA
    else:
        subject = Subject.OBJECT
    return run_checks(
        world,
        subject,
        source,
        config.role,
        task.destination_bucket,
        _rule_by_id(config, task.rule_id),
        version,
        task.key,
        task.version_id,
    )


def _rule_by_id(config: ReplicationConfiguration, rule_id: str) -> ReplicationRule | None:
    for rule in config.rules:
        if rule.id == rule_id:
            return rule
    return None


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
