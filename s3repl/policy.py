"""THE replication rules of s3repl: every "does this replicate, and how" decision.

Theory of operation.  The engine asks this module four questions, and stores and
schedules whatever the answers say; it never decides semantics itself.

1. *Routing* (when a version, delete marker or metadata change is created): which
   destinations does it go to, and under which winning rule?  ``route_object``,
   ``route_delete_marker``, ``route_metadata``.  Rule 1: only enabled rules count
   (R-065); rule 2: a rule matches by prefix, tags and ``Not`` (R-060, R-061, R-069);
   rule 3: per destination, the matching rule with the highest priority wins, ties
   broken by rule order (R-063, R-066); rule 4: eligibility gates are applied before
   priority (replicas never, archived classes never, SSE-KMS only with the opt-in,
   SSE-C by profile: R-101, R-105, R-067, R-081).
2. *Applying* (when the engine steps a task): does it succeed, fail with which
   documented reason, or wait (transient)?  ``apply_outcome`` walks the checks of
   R-158 in the order S3 meets them (assume the role, find the destination, read the
   source, write the destination).  Which permission the role needs, on which side,
   for which rules, and the failure reason its absence causes, is one table,
   ``PERMISSION_NEEDS`` (rows named by their ``R-nnn``): the checks read its rows, and
   ``permission_needs`` hands the same rows to ``s3repl.validate``'s findings.
3. *Shaping* the replica: ``build_replica`` (R-082..R-089, R-150..R-154), through a
   ``ReplicaShape``: what a rule and destination give every replica of one storage
   class and encryption kind.
4. *Status*: ``aggregate_status`` (R-123) and ``lifecycle_may_expire`` (R-125).

Plans.  Most tasks are plain objects whose checks all pass; deciding each one again
would cost more than storing it.  ``object_plan`` asks ``apply_outcome`` once per world
view and routing, on the first such version, and hands the engine an ``ObjectPlan``
(destination, replica shape, version order) that covers every plain version routed
alike.  The plan is the general path's answer, cached; it never decides anything else.

Every function is pure over a :class:`~s3repl.world.World` and frozen values.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import attrs

from s3repl import iam
from s3repl.model import (
    Acl,
    Bucket,
    DefaultRetention,
    DeleteMarker,
    FailureReason,
    Filter,
    FrozenMap,
    ObjectLockLegalHoldStatus,
    ObjectOwnership,
    ObjectVersion,
    ReplicationConfiguration,
    ReplicationRule,
    ReplicationStatus,
    ReplicationTask,
    SchemaVersion,
    ServerSideEncryption,
    Status,
    StorageClass,
    TaskKind,
)
from s3repl.model._fastbuild import copier, evolve_version, with_statuses
from s3repl.model._frozenmap import EMPTY
from s3repl.model.acl import Permission
from s3repl.model.enums import VersioningStatus
from s3repl.model.names import partition_of_region
from s3repl.profile import DestinationVersionOrder, MissingTagReadPermission, Profile
from s3repl.world import Role, Version, World

__all__ = [
    "PERMISSION_NEEDS",
    "R010_READ_LEGAL_HOLD",
    "R010_READ_RETENTION",
    "R151_OVERRIDE_OWNER",
    "R155_READ_ACL",
    "R155_READ_OBJECT",
    "R155_READ_TAGS",
    "R155_REPLICATE_DELETE",
    "R155_REPLICATE_OBJECT",
    "R158_PUT_LEGAL_HOLD",
    "ApplyOutcome",
    "NeedWhen",
    "ObjectPlan",
    "PermissionNeed",
    "ReplicaShape",
    "Route",
    "Verdict",
    "aggregate_status",
    "apply_outcome",
    "build_marker_replica",
    "build_replica",
    "delete_markers_replicate",
    "filter_matches",
    "lifecycle_may_expire",
    "metadata_update",
    "object_arn",
    "object_plan",
    "orders_by_source_time",
    "outcome_changes_status",
    "pending_statuses",
    "permission_decision",
    "permission_needs",
    "replica_shape",
    "role_allows",
    "role_may",
    "route_delete_marker",
    "route_metadata",
    "route_new_object",
    "route_object",
    "route_version_delete",
    "rtc_applies",
    "rtc_enabled",
    "rule_matches",
    "sends_failure_events",
    "status_after",
    "winning_rules",
]

#: Encryption kinds that need a KMS key and the SSE-KMS opt-in (R-067).
KMS_KINDS = frozenset({ServerSideEncryption.SSE_KMS, ServerSideEncryption.DSSE_KMS})
#: Storage classes whose objects are never replicated (R-105).
UNREPLICATED_CLASSES = frozenset({StorageClass.GLACIER, StorageClass.DEEP_ARCHIVE})

# Enum members read through their class cost a metaclass lookup (about 170 ns on
# CPython 3.11); the functions every step runs read these module constants instead.
_REPLICA = ReplicationStatus.REPLICA
_COMPLETED = ReplicationStatus.COMPLETED
_PENDING = ReplicationStatus.PENDING
_OBJECT_TASK = TaskKind.OBJECT
_METADATA_TASK = TaskKind.METADATA
_VERSION_DELETE_TASK = TaskKind.VERSION_DELETE
_NO_ENCRYPTION = ServerSideEncryption.NONE
_OWNER_ENFORCED = ObjectOwnership.BUCKET_OWNER_ENFORCED
_BY_SOURCE_TIME = DestinationVersionOrder.SOURCE_TIMESTAMP


@attrs.frozen(kw_only=True)
class Route:
    """One destination a version goes to, with the rule that won it (R-063, R-064).

    Attributes:
        destination_bucket: the destination bucket's name.
        rule: the winning rule.
        rule_id: the winning rule's id (the engine stores configurations with ids
            filled in); derived from ``rule``, kept as a field because every task reads it.
    """

    destination_bucket: str
    rule: ReplicationRule
    rule_id: str = attrs.field(init=False)

    @rule_id.default
    def _rule_id(self) -> str:
        return self.rule.id or ""


# --- rule selection (R-060..R-069) ---------------------------------------------------


def _has_tag(tags: Mapping[str, str], key: str, value: str) -> bool:
    return tags.get(key) == value


def _not_matches(flt: Filter, key: str, tags: Mapping[str, str]) -> bool:
    """Whether the ``Not`` part of a filter (if any) excludes the object (R-069)."""
    nots = [flt.not_, flt.and_.not_ if flt.and_ is not None else None]
    for excluded in nots:
        if excluded is None:
            continue
        if excluded.prefix is not None and key.startswith(excluded.prefix):
            return True
        if excluded.tag is not None and _has_tag(tags, excluded.tag.key, excluded.tag.value):
            return True
        if excluded.or_ is not None:
            if any(key.startswith(p) for p in excluded.or_.prefixes):
                return True
            if any(_has_tag(tags, t.key, t.value) for t in excluded.or_.tags):
                return True
    return False


def filter_matches(flt: Filter, key: str, tags: Mapping[str, str]) -> bool:
    """Whether a V2 filter selects an object with ``key`` and ``tags``.

    An empty filter selects everything (R-023); prefixes are case-sensitive string
    prefixes (R-060); every filter tag must be on the object, extra tags are fine
    (R-061); ``Not`` excludes what it names (R-069).
    """
    prefix = flt.prefix if flt.prefix is not None else (flt.and_.prefix if flt.and_ else None)
    if prefix and not key.startswith(prefix):
        return False
    if not all(_has_tag(tags, t.key, t.value) for t in flt.tags):
        return False
    return not _not_matches(flt, key, tags)


def rule_matches(rule: ReplicationRule, key: str, tags: Mapping[str, str]) -> bool:
    """Whether a rule's prefix or filter selects the object (status not considered)."""
    if rule.filter is None:
        return key.startswith(rule.prefix or "")
    return filter_matches(rule.filter, key, tags)


def winning_rules(
    config: ReplicationConfiguration,
    key: str,
    tags: Mapping[str, str],
    *,
    kms_encrypted: bool = False,
) -> tuple[Route, ...]:
    """The winning rule per destination for an object, in order of first rule per destination.

    Disabled rules never win and never shadow (R-065); for a KMS-encrypted object only
    rules with the SSE-KMS opt-in take part (R-067); per destination the highest
    priority wins, ties going to the earlier rule (R-063, R-066).
    """
    best: dict[str, tuple[int, int, ReplicationRule]] = {}
    for index, rule in enumerate(config.rules):
        if not rule.is_enabled or not rule_matches(rule, key, tags):
            continue
        if kms_encrypted and not _kms_opt_in(rule):
            continue
        rank = (rule.priority if rule.priority is not None else 0, -index)
        dest = sys.intern(rule.destination.bucket_name)
        held = best.get(dest)
        if held is None or rank > held[:2]:
            best[dest] = (rank[0], rank[1], rule)
    return tuple(Route(destination_bucket=d, rule=r) for d, (_, _, r) in best.items())


def _kms_opt_in(rule: ReplicationRule) -> bool:
    criteria = rule.source_selection_criteria
    return criteria is not None and criteria.sse_kms_encrypted_objects is Status.ENABLED


# --- routing (R-080..R-113) ----------------------------------------------------------


def route_object(world: World, bucket: str, version: ObjectVersion) -> tuple[Route, ...]:
    """The destinations a new object version goes to; empty when it is not eligible.

    Not eligible: replicas (R-101), archived storage classes (R-105), SSE-C under the
    pre-2022 profile (R-081), SSE-KMS without an opted-in rule (R-067, R-109),
    versions on a bucket without configuration (R-100).
    """
    if version.replication_status is _REPLICA:
        return ()
    return route_new_object(
        world,
        bucket,
        key=version.key,
        tags=version.tags,
        storage_class=version.storage_class,
        encryption=version.server_side_encryption,
    )


def route_new_object(
    world: World,
    bucket: str,
    key: str,
    tags: Mapping[str, str],
    storage_class: StorageClass,
    encryption: ServerSideEncryption,
) -> tuple[Route, ...]:
    """:func:`route_object` for a version about to be written (never a replica).

    The engine asks before it builds the version, so the version is built once, with
    its replication status already in place.
    """
    # Routes of a configuration that selects every key depend on nothing but these.  The
    # last ones are checked by identity first: puts repeat one bucket back to back.
    last: tuple[object, ...] | None = world.memo.get(_LAST_ROUTES)  # type: ignore[assignment]
    if (
        last is not None
        and last[0] is bucket
        and last[1] is storage_class
        and last[2] is encryption
    ):
        return last[3]  # type: ignore[return-value]
    memo_key = ("routes", bucket, storage_class, encryption)
    cached = world.memo.get(memo_key)
    if isinstance(cached, tuple):
        world.memo[_LAST_ROUTES] = (bucket, storage_class, encryption, cached)
        return cached
    source = world.bucket(bucket)
    if source is None or source.replication is None:
        routes: tuple[Route, ...] = ()
    elif storage_class in UNREPLICATED_CLASSES or (
        encryption is ServerSideEncryption.SSE_C and not world.profile.sse_c_replication
    ):
        routes = ()
    else:
        kms = encryption in KMS_KINDS
        routes = winning_rules(source.replication, key, tags, kms_encrypted=kms)
        every_key = world.memo.get(("every key", bucket))
        if every_key is None:
            every_key = world.memo[("every key", bucket)] = _selects_every_key(source.replication)
        if every_key is not True:
            return routes
    world.memo[memo_key] = routes
    return routes


_LAST_ROUTES = "last routes"


def _selects_every_key(config: ReplicationConfiguration) -> bool:
    """Whether every enabled rule selects every object (routes then depend on nothing)."""
    return all(
        not rule.is_enabled
        or (rule.filter is None and not rule.prefix)
        or rule.filter == _EMPTY_FILTER
        or rule.filter == _ALL_PREFIX_FILTER
        for rule in config.rules
    )


_EMPTY_FILTER = Filter()
_ALL_PREFIX_FILTER = Filter(prefix="")


def route_delete_marker(world: World, bucket: str, marker: DeleteMarker) -> tuple[Route, ...]:
    """The destinations a delete marker goes to (R-087, R-104, R-110).

    Lifecycle markers never replicate; V1 rules replicate user markers; V2 rules only
    with ``DeleteMarkerReplication`` enabled on the winning rule (markers carry no
    tags, so tag rules never match them).  Under the profile switch
    ``cross_account_delete_markers_off_by_default`` markers stay in the account.
    Deletes by version id go through :func:`route_version_delete` instead (R-103).
    """
    source = world.bucket(bucket)
    if marker.by_lifecycle or source is None or source.replication is None:
        return ()
    routes = winning_rules(source.replication, marker.key, FrozenMap())
    return tuple(
        route
        for route in routes
        if delete_markers_replicate(
            world, source, world.bucket(route.destination_bucket), route.rule
        )
    )


def delete_markers_replicate(
    world: World, source: Bucket, dest: Bucket | None, rule: ReplicationRule
) -> bool:
    """Whether user delete markers travel under ``rule`` to ``dest`` (R-087, R-110).

    V1 rules carry them; V2 rules only with ``DeleteMarkerReplication`` enabled; and
    under ``cross_account_delete_markers_off_by_default`` never to another account.
    """
    if rule.schema_version is SchemaVersion.V2 and rule.delete_marker_replication is not (
        Status.ENABLED
    ):
        return False
    cross_account = dest is not None and dest.owner != source.owner
    return not (world.profile.cross_account_delete_markers_off_by_default and cross_account)


def route_version_delete(
    world: World, bucket: str, version: ObjectVersion | DeleteMarker
) -> tuple[Route, ...]:
    """Where a delete by version id goes: nowhere, ever (R-103, T-52).

    A permanent delete of a version (or of a delete marker) on the source leaves every
    destination's copy alone; this holds whatever the rules say.
    """
    del world, bucket, version
    return ()


def route_metadata(
    world: World, bucket: str, version: ObjectVersion, *, acl_changed: bool = False
) -> tuple[Route, ...]:
    """Where a metadata change (tags, ACL, retention, legal hold) of a version goes (R-085).

    A source version sends it to each destination it already reached; an ACL change
    skips destinations where the replica's owner was overridden or ACLs are disabled
    (R-151, R-153, R-154).  A replica sends it back only under rules of its own
    bucket with ``ReplicaModifications`` enabled (R-088, R-172).
    """
    source = world.bucket(bucket)
    if source is None:
        return ()
    if version.replication_status is ReplicationStatus.REPLICA:
        if source.replication is None:
            return ()
        return tuple(
            route
            for route in winning_rules(source.replication, version.key, version.tags)
            if _replica_modifications(route.rule)
        )
    if source.replication is None:
        return ()
    routes = []
    for dest_name, status in version.destination_statuses.items():
        if status is not ReplicationStatus.COMPLETED:
            continue
        rule = _rule_for_destination(source.replication, dest_name, version)
        if rule is None:
            continue
        if acl_changed and not _acl_follows(world, dest_name, version):
            continue
        routes.append(Route(destination_bucket=dest_name, rule=rule))
    return tuple(routes)


def _replica_modifications(rule: ReplicationRule) -> bool:
    criteria = rule.source_selection_criteria
    return criteria is not None and criteria.replica_modifications is Status.ENABLED


def _rule_for_destination(
    config: ReplicationConfiguration, dest: str, version: ObjectVersion
) -> ReplicationRule | None:
    for route in winning_rules(
        config, version.key, version.tags, kms_encrypted=version.server_side_encryption.uses_kms
    ):
        if route.destination_bucket == dest:
            return route.rule
    # The rule that routed the version may since be gone; any enabled rule to it serves.
    for rule in config.rules:
        if rule.is_enabled and rule.destination.bucket_name == dest:
            return rule
    return None


def _acl_follows(world: World, dest_name: str, version: ObjectVersion) -> bool:
    """Whether ACL changes still replicate to this destination's replica (R-151..R-154)."""
    dest = world.bucket(dest_name)
    if dest is None or dest.ownership is ObjectOwnership.BUCKET_OWNER_ENFORCED:
        return False
    replica = _find_version(world, dest_name, version.key, version.version_id)
    return isinstance(replica, ObjectVersion) and not replica.owner_overridden


def _find_version(
    world: World, bucket: str, key: str, version_id: str
) -> ObjectVersion | DeleteMarker | None:
    for candidate in world.versions(bucket, key):
        if candidate.version_id == version_id:
            return candidate
    return None


# --- status (R-120..R-125) -----------------------------------------------------------


def pending_statuses(routes: Sequence[Route]) -> FrozenMap[str, ReplicationStatus]:
    """The status map of a version just routed: every destination ``PENDING`` (R-124).

    Interned, so that every version routed alike shares one map.
    """
    if not routes:
        return _NO_STATUSES
    return FrozenMap.interned({route.destination_bucket: _PENDING for route in routes})


def aggregate_status(statuses: Mapping[str, ReplicationStatus]) -> ReplicationStatus:
    """The source's ``x-amz-replication-status`` over its destinations (R-123).

    ``FAILED`` as soon as one destination failed (even while others are pending),
    else ``PENDING`` while any is pending, else ``COMPLETED``.
    """
    values = list(statuses.values())
    if ReplicationStatus.FAILED in values:
        return ReplicationStatus.FAILED
    if ReplicationStatus.PENDING in values:
        return ReplicationStatus.PENDING
    return ReplicationStatus.COMPLETED


def status_after(
    statuses: Mapping[str, ReplicationStatus], *, replica_sync: bool
) -> ReplicationStatus:
    """The header after a destination's outcome is recorded (R-122, R-123).

    A source aggregates its destinations; a replica sending its metadata back reads
    ``REPLICA`` again once every sync is done (R-122), ``PENDING`` or ``FAILED`` before.
    """
    aggregate = aggregate_status(statuses)
    if replica_sync and aggregate is ReplicationStatus.COMPLETED:
        return ReplicationStatus.REPLICA
    return aggregate


_VersionT = TypeVar("_VersionT", bound=ObjectVersion | DeleteMarker)


def version_after_outcome(
    version: _VersionT,
    destination: str,
    status: ReplicationStatus,
    reason: FailureReason | None,
    *,
    replica_sync: bool,
) -> _VersionT:
    """The version with one destination's outcome recorded (R-122, R-123, R-124).

    Its status map gains the destination's status, its failure reasons the reason (if
    any), and its header becomes :func:`status_after` of the new map.
    """
    statuses: FrozenMap[str, ReplicationStatus] = version.destination_statuses
    reasons: FrozenMap[str, FailureReason] = version.failure_reasons
    memo_key = (id(statuses), id(reasons), destination, status, reason, replica_sync)
    found = _STATUS_MEMO.get(memo_key)
    if found is None or found[0] is not statuses or found[1] is not reasons:
        found = _STATUS_MEMO[memo_key] = (
            statuses,
            reasons,
            *_statuses_after(statuses, reasons, destination, status, reason, replica_sync),
        )
        if len(_STATUS_MEMO) > _STATUS_MEMO_MAX:
            _STATUS_MEMO.clear()
            _STATUS_MEMO[memo_key] = found
    return with_statuses(version, found[2], found[3], found[4])


# Status maps are interned and few, and every step records one outcome: the memo is
# keyed by the maps' identities (checked on a hit, since the entry keeps them alive,
# an id is never reused while its entry exists); FrozenMap's own hash is Python-level.
_STATUS_MEMO: dict[
    tuple[int, int, str, ReplicationStatus, FailureReason | None, bool],
    tuple[
        FrozenMap[str, ReplicationStatus],
        FrozenMap[str, FailureReason],
        FrozenMap[str, ReplicationStatus],
        FrozenMap[str, FailureReason],
        ReplicationStatus,
    ],
] = {}
_STATUS_MEMO_MAX = 4096


def _statuses_after(
    statuses: FrozenMap[str, ReplicationStatus],
    reasons: FrozenMap[str, FailureReason],
    destination: str,
    status: ReplicationStatus,
    reason: FailureReason | None,
    replica_sync: bool,  # noqa: FBT001 - a memo key part
) -> tuple[FrozenMap[str, ReplicationStatus], FrozenMap[str, FailureReason], ReplicationStatus]:
    new_statuses = {**statuses, destination: status}
    new_reasons = (
        reasons if reason is None else FrozenMap.interned({**reasons, destination: reason})
    )
    return (
        FrozenMap.interned(new_statuses),
        new_reasons,
        status_after(new_statuses, replica_sync=replica_sync),
    )


def outcome_changes_status(task: ReplicationTask) -> bool:
    """Whether a task's outcome is recorded in the carrying version's status (R-124).

    Objects, delete markers and replica modification syncs are; a source's metadata
    operations (tags, ACL, lock changes) leave its status as it is [INF].
    """
    return task.kind is not _METADATA_TASK or task.replica_modification


def sends_failure_events(rule: ReplicationRule | None) -> bool:
    """Whether a failure under ``rule`` sends ``OperationFailedReplication`` (R-129).

    Failure events need replication metrics on the rule, not RTC.
    """
    metrics = None if rule is None else rule.destination.metrics
    return metrics is not None and metrics.status is Status.ENABLED


def rtc_enabled(rule: ReplicationRule | None) -> bool:
    """Whether the rule has Replication Time Control enabled (R-132)."""
    rtc = None if rule is None else rule.destination.replication_time
    return rtc is not None and rtc.status is Status.ENABLED


def rtc_applies(rule: ReplicationRule | None, task: ReplicationTask) -> bool:
    """Whether the RTC threshold (15 minutes) covers the task (R-129, R-132).

    Only object operations under a rule with RTC enabled; delete markers are outside
    the SLA.
    """
    return task.kind is TaskKind.OBJECT and rtc_enabled(rule)


def orders_by_source_time(profile: Profile) -> bool:
    """Whether a destination stacks replicas by the source's creation order (R-143).

    ``True`` under the default ``source_timestamp`` switch: a late older version goes
    below newer ones and never becomes current.  ``False`` under ``arrival``.
    """
    return profile.destination_version_order is _BY_SOURCE_TIME


def lifecycle_may_expire(version: ObjectVersion | DeleteMarker) -> bool:
    """Whether a lifecycle action may act on the version now: not while PENDING (R-125)."""
    return version.replication_status is not ReplicationStatus.PENDING


# --- permissions (R-006, R-012, R-155..R-158) ------------------------------------------


def object_arn(bucket: Bucket, key: str | None = None) -> str:
    """The ARN of a bucket (``key=None``) or of an object (or key pattern) in it.

    Args:
        bucket: the bucket.
        key: an object key, or a pattern such as ``"Tax/*"``; ``None`` for the bucket.

    Returns:
        ``arn:<partition>:s3:::<bucket>`` or ``arn:<partition>:s3:::<bucket>/<key>``.
    """
    arn = f"arn:{partition_of_region(bucket.region).value}:s3:::{bucket.name}"
    return arn if key is None else f"{arn}/{key}"


def _resource_owner_and_policy(
    world: World, resource: str
) -> tuple[str | None, iam.PolicyDocument | None]:
    """Who owns ``resource`` (an S3 or KMS ARN) and its resource policy, if known."""
    if ":s3:::" in resource:
        name = resource.split(":s3:::", 1)[1].split("/", 1)[0]
        bucket = world.bucket(name)
        if bucket is None:
            return None, None
        return bucket.owner, world.bucket_policies.get(name)
    key = world.kms_keys.get(resource)
    if key is not None:
        return key.account, key.policy
    parts = resource.split(":")
    return (parts[4] if len(parts) > 5 and parts[4] else None), None


def permission_decision(world: World, role: Role, action: str, resource: str) -> iam.Decision:
    """How IAM decides ``role`` doing ``action`` on ``resource`` (an ARN).

    The role's permission policy and the resource's policy (the bucket policy of an S3
    resource, the key policy of a KMS key) are combined as IAM does: an explicit deny
    anywhere wins; in the same account either policy may allow; across accounts both
    must (R-012, R-158).

    Args:
        world: the world.
        role: the role S3 assumes.
        action: an IAM action such as ``"s3:ReplicateObject"``.
        resource: the resource ARN (a key pattern like ``.../dst/Tax/*`` stands for
            every object under it).

    Returns:
        ``ALLOW``, ``EXPLICIT_DENY`` or ``IMPLICIT_DENY``.
    """
    owner, resource_policy = _resource_owner_and_policy(world, resource)
    return iam.evaluate_access(
        principal=role.arn,
        principal_account=role.account,
        resource_owner_account=owner if owner is not None else role.account,
        identity_policies=(role.policy,),
        resource_policies=() if resource_policy is None else (resource_policy,),
        action=action,
        resource=resource,
    )


def role_allows(world: World, role_arn: str, action: str, resource: str) -> bool:
    """Whether the role ``role_arn`` may do ``action`` on ``resource`` (``False`` if no role).

    Args:
        world: the world.
        role_arn: the role's ARN.
        action: an IAM action such as ``"s3:GetObjectVersionForReplication"``.
        resource: the resource ARN, e.g. ``"arn:aws:s3:::dst/*"``.

    Returns:
        ``True`` only when IAM's decision is ``ALLOW`` (see :func:`permission_decision`).
    """
    role = world.roles.get(role_arn)
    if role is None:
        return False
    return permission_decision(world, role, action, resource) is iam.Decision.ALLOW


def role_may(world: World, role: Role, action: str, bucket: Bucket, key: str | None) -> bool:
    """Whether the role may perform ``action`` on the bucket (``key=None``) or an object.

    Same account: the role policy or the bucket policy may allow; another account:
    both must allow; an explicit deny anywhere wins (R-012, R-158).
    """
    memo_key = ("may", role.arn, action, bucket.name, _key_for_memo(world, role, bucket, key))
    cached = world.memo.get(memo_key)
    if cached is not None:
        return cached is True
    decision = permission_decision(world, role, action, object_arn(bucket, key))
    allowed = decision is iam.Decision.ALLOW
    if memo_key[-1] is not _UNCACHED:
        world.memo[memo_key] = allowed
    return allowed


# Decisions are memoised per world view (the engine drops the view on every change to
# roles, policies or buckets).  An object-level decision is cached per bucket, not per
# key, only when no policy involved can tell two keys of the bucket apart.
_UNCACHED = object()
_EVERY_KEY = "*"


def _key_for_memo(world: World, role: Role, bucket: Bucket, key: str | None) -> object:
    if key is None:
        return None
    uniform_key = ("uniform", role.arn, bucket.name)
    uniform = world.memo.get(uniform_key)
    if uniform is None:
        documents = [role.policy]
        resource_policy = world.bucket_policies.get(bucket.name)
        if resource_policy is not None:
            documents.append(resource_policy)
        uniform = all(_key_uniform(doc, object_arn(bucket, "")) for doc in documents)
        world.memo[uniform_key] = uniform
    return _EVERY_KEY if uniform else _UNCACHED


def _key_uniform(document: iam.PolicyDocument, prefix: str) -> bool:
    """Whether the document decides alike for every object ARN starting with ``prefix``."""
    for statement in document.statements:
        if statement.conditions:
            return False
        for pattern in (*(statement.resources or ()), *(statement.not_resources or ())):
            if not (_covers_every_key(pattern, prefix) or _covers_no_key(pattern, prefix)):
                return False
    return True


def _literal_head(pattern: str) -> tuple[str, bool]:
    """The pattern's text before its first wildcard, and whether it has one."""
    cut = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0), default=-1)
    return (pattern, False) if cut < 0 else (pattern[:cut], True)


def _covers_every_key(pattern: str, prefix: str) -> bool:
    head, wild = _literal_head(pattern)
    return wild and pattern == head + "*" and prefix.startswith(head)


def _covers_no_key(pattern: str, prefix: str) -> bool:
    head, wild = _literal_head(pattern)
    if not wild:
        return not pattern.startswith(prefix)
    return not (prefix.startswith(head) or head.startswith(prefix))


def _assumable(world: World, role: Role) -> bool:
    """Whether S3 may assume the role (R-006), memoised per world view."""
    memo_key = ("assume", role.arn)
    cached = world.memo.get(memo_key)
    if cached is None:
        cached = world.memo[memo_key] = iam.can_assume(role.trust_policy)
    return cached is True


def _explicitly_denied(world: World, role: Role, action: str, bucket: Bucket, key: str) -> bool:
    resource_policy = world.bucket_policies.get(bucket.name)
    if resource_policy is None:
        return False
    decision = iam.evaluate(
        (resource_policy,),
        iam.Request(principal=role.arn, action=action, resource=object_arn(bucket, key)),
    )
    return decision is iam.Decision.EXPLICIT_DENY


def _kms_may(world: World, role: Role, action: str, key_arn: str) -> bool:
    memo_key = ("kms", role.arn, action, key_arn)
    cached = world.memo.get(memo_key)
    if cached is not None:
        return cached is True
    key = world.kms_keys.get(key_arn)
    if key is None:
        return False
    decision = permission_decision(world, role, action, key_arn)
    allowed = decision is iam.Decision.ALLOW
    world.memo[memo_key] = allowed
    return allowed


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
    """

    requirement: str
    action: str
    on_destination: bool
    reason: FailureReason
    consequence: str
    when: NeedWhen

    def consequence_under(self, profile: Profile) -> str:
        """The consequence, with the switches of ``profile`` it names filled in."""
        return self.consequence.format(
            missing_tag_read_permission=profile.missing_tag_read_permission.value
        )


# The rows, one per permission.  Apply time reads them in the order S3 meets them
# (``_source_read_outcome``, ``_object_outcome``, ``_metadata_outcome``, the delete
# branches of ``_decide``); requirement findings (``s3repl.validate``) iterate
# ``PERMISSION_NEEDS`` in its order.  What only apply time can know stays at the
# check: which objects need a row (tagged ones for tags, those under legal hold for
# the legal hold), the profile switch for unreadable tags, the multipart variant of a
# refused write.

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

#: Every row, in the order requirement findings report them.
PERMISSION_NEEDS: tuple[PermissionNeed, ...] = (
    R155_READ_OBJECT,
    R155_READ_ACL,
    R155_READ_TAGS,
    R010_READ_RETENTION,
    R010_READ_LEGAL_HOLD,
    R155_REPLICATE_OBJECT,
    R155_REPLICATE_DELETE,
    R151_OVERRIDE_OWNER,
    R158_PUT_LEGAL_HOLD,
)


def permission_needs(
    world: World, source: Bucket, dest: Bucket, rule: ReplicationRule
) -> tuple[PermissionNeed, ...]:
    """The rows of :data:`PERMISSION_NEEDS` that ``rule`` needs, in table order (R-158).

    Args:
        world: the world (its profile decides whether delete markers replicate).
        source: the source bucket.
        dest: the rule's destination bucket.
        rule: the rule.

    Returns:
        The object-level permissions the rule's replication needs.
    """
    return tuple(need for need in PERMISSION_NEEDS if _needed(need.when, world, source, dest, rule))


def _needed(
    when: NeedWhen, world: World, source: Bucket, dest: Bucket, rule: ReplicationRule
) -> bool:
    if when is NeedWhen.OBJECT_LOCK_SOURCE:
        return source.object_lock_enabled
    if when is NeedWhen.DELETE_MARKERS:
        return delete_markers_replicate(world, source, dest, rule)
    if when is NeedWhen.OWNER_OVERRIDE:
        return _owner_override(rule)
    return True


def _lacks(
    world: World, role: Role, need: PermissionNeed, source: Bucket, dest: Bucket, key: str
) -> bool:
    """Whether the role may not do ``need`` on the object ``key`` of the row's bucket."""
    return not role_may(world, role, need.action, dest if need.on_destination else source, key)


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


def _owner_override(rule: ReplicationRule) -> bool:
    return rule.destination.access_control_translation is not None


def _replica_key(
    dest: Bucket, encryption: ServerSideEncryption, rule: ReplicationRule | None
) -> str | None:
    """The KMS key a replica of a source encrypted with ``encryption`` is under (R-082)."""
    if encryption.uses_kms:
        config = rule.destination.encryption_configuration if rule is not None else None
        return None if config is None else config.replica_kms_key_id
    if encryption is ServerSideEncryption.NONE:
        default = dest.default_encryption
        if default.sse_algorithm.uses_kms:
            return default.kms_master_key_id
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


# --- the replica (R-082..R-089, R-150..R-154) ---------------------------------------------


_NO_TAGS: FrozenMap[str, str] = EMPTY
_NO_STATUSES: FrozenMap[str, ReplicationStatus] = EMPTY
_NO_REASONS: FrozenMap[str, FailureReason] = EMPTY


# What a replica changes of its source; the rest (key, version id, time, metadata, body,
# sequence, ...) it keeps.  Generated: every step builds one.
_copy_as_replica: Callable[..., ObjectVersion] = copier(
    ObjectVersion,
    (
        "storage_class",
        "server_side_encryption",
        "sse_kms_key_id",
        "etag",
        "owner",
        "acl",
        "tags",
        "object_lock_mode",
        "object_lock_retain_until_date",
        "replication_status",
        "destination_statuses",
        "failure_reasons",
        "is_latest",
        "owner_overridden",
    ),
)


@attrs.frozen
class ReplicaShape:
    """What replicas take from their rule and destination rather than their source.

    One shape serves every source version of one storage class and encryption kind
    under one rule and destination (R-082, R-086, R-089, R-150..R-154).

    Attributes:
        storage_class: the replica's storage class (the rule's override, R-089).
        server_side_encryption: the replica's encryption kind (R-082).
        sse_kms_key_id: the replica's KMS key, if any (R-082).
        etag_salt: set when the replica is encrypted under a KMS key its unencrypted
            source was not (the destination's default, R-082), which changes the ETag.
        owner: the replica's owner when it is not the source's (R-151, R-154).
        acl: the replica's ACL when ``owner`` is set (``None``: ACLs are disabled).
        owner_overridden: whether the owner override made the replica the
            destination owner's (R-151); later ACL changes then stay on the source.
        default_retention: the destination's default retention, applied from the
            moment of writing to versions without lock settings of their own (R-086).
    """

    storage_class: StorageClass
    server_side_encryption: ServerSideEncryption
    sse_kms_key_id: str | None
    etag_salt: str | None
    owner: str | None
    acl: Acl | None
    owner_overridden: bool
    default_retention: DefaultRetention | None

    def build(
        self,
        version: ObjectVersion,
        clock: Callable[[], dt.datetime],
        *,
        drop_tags: bool = False,
    ) -> ObjectVersion:
        """The replica of ``version`` in this shape.

        It keeps the key, version id, creation time, metadata and body (R-083, R-142)
        and its tags unless ``drop_tags``; the rest comes from the shape.  ``clock``
        tells the moment of writing, read only for a default retention.
        """
        etag = version.etag
        if self.etag_salt is not None:
            digest = hashlib.md5(f"{etag}:{self.etag_salt}".encode(), usedforsecurity=False)
            etag = f'"{digest.hexdigest()}"'
        owner, acl = version.owner, version.acl
        if self.owner is not None:
            owner, acl = self.owner, self.acl
        mode, until = version.object_lock_mode, version.object_lock_retain_until_date
        default = self.default_retention
        if mode is None and default is not None:
            mode, until = default.mode, default.retain_until(clock())
        # Positionally, in the order _copy_as_replica names the fields (see _fastbuild).
        return _copy_as_replica(
            version,
            self.storage_class,
            self.server_side_encryption,
            self.sse_kms_key_id,
            etag,
            owner,
            acl,
            _NO_TAGS if drop_tags else version.tags,  # tags
            mode,  # object_lock_mode
            until,  # object_lock_retain_until_date
            _REPLICA,  # replication_status
            _NO_STATUSES,  # destination_statuses
            _NO_REASONS,  # failure_reasons
            False,  # noqa: FBT003 - is_latest
            self.owner_overridden,
        )


def replica_shape(
    rule: ReplicationRule | None,
    dest: Bucket,
    storage_class: StorageClass,
    encryption: ServerSideEncryption,
) -> ReplicaShape:
    """The :class:`ReplicaShape` of replicas written into ``dest`` under ``rule``.

    It serves sources stored in ``storage_class`` and encrypted with ``encryption``.
    """
    override = False
    if rule is not None:
        storage_class = rule.destination.storage_class or storage_class
        override = _owner_override(rule)
    salt = None
    if encryption in KMS_KINDS:
        sse, key_id = encryption, _replica_key(dest, encryption, rule)
    elif encryption is _NO_ENCRYPTION:
        default = dest.default_encryption
        sse, key_id = default.sse_algorithm, default.kms_master_key_id
        if sse.uses_kms:
            salt = dest.name
    else:
        sse, key_id = encryption, None
    enforced = dest.ownership is _OWNER_ENFORCED
    owner: str | None = None
    acl = None
    if enforced:
        owner = dest.owner
    elif override:
        owner, acl = dest.owner, Acl.private(dest.owner)
    lock = dest.object_lock
    return ReplicaShape(
        storage_class=storage_class,
        server_side_encryption=sse,
        sse_kms_key_id=key_id,
        etag_salt=salt,
        owner=owner,
        acl=acl,
        owner_overridden=override and not enforced,
        default_retention=None if lock is None else lock.default_retention,
    )


def build_replica(
    world: World,
    version: ObjectVersion,
    rule: ReplicationRule | None,
    dest: Bucket,
    clock: Callable[[], dt.datetime],
    *,
    drop_tags: bool = False,
) -> ObjectVersion:
    """The replica of ``version`` as written into ``dest`` under ``rule``.

    Same key, version id, creation time, metadata and body (R-083, R-142); the
    storage class override (R-089); the same encryption kind under the replica key, or
    the destination's default for unencrypted sources, which changes the ETag (R-082);
    the owner and ACL per R-150, R-151, R-154; lock settings copied, else the
    destination's default retention from the moment of writing (R-086), which
    ``clock`` tells (read only then).
    """
    del world  # the replica depends only on the version, the rule and the destination
    shape = replica_shape(rule, dest, version.storage_class, version.server_side_encryption)
    return shape.build(version, clock, drop_tags=drop_tags)


def build_marker_replica(marker: DeleteMarker) -> DeleteMarker:
    """The replica of a delete marker: same key, version id and time, status REPLICA (R-087)."""
    return evolve_version(
        marker,
        replication_status=ReplicationStatus.REPLICA,
        destination_statuses=_NO_STATUSES,
        failure_reasons=_NO_REASONS,
        is_latest=False,
    )


def metadata_update(
    replica: ObjectVersion, source: ObjectVersion, *, drop_tags: bool
) -> ObjectVersion:
    """Carry a metadata change (tags, ACL, lock settings) from ``source`` onto ``replica``."""
    acl = replica.acl if replica.owner_overridden or replica.acl is None else source.acl
    return attrs.evolve(
        replica,
        tags=replica.tags if drop_tags else source.tags,
        acl=acl,
        object_lock_mode=source.object_lock_mode,
        object_lock_retain_until_date=source.object_lock_retain_until_date,
        object_lock_legal_hold_status=source.object_lock_legal_hold_status,
    )
