"""What each condition of the checks table means: one judge per condition (R-158).

Theory.  A row of ``CHECKS`` names a :class:`Condition`.  :func:`judge` is the one
reading of it, for apply time and for requirement findings alike.  It reads
:class:`Facts`, the world and one route through it: a task's at apply time (its object
key and version), a rule's for findings (its key pattern, and no object: any object
the rule may carry).  It answers with the :class:`Fault` values that keep the
condition from holding, none when it holds.  Apply time asks only whether there is
one; findings (``s3repl.validate``) name each.  A judge reads what the rows above it
found (the role, the destination, the replica's key): the row's ``presumes`` column
says which, and both readings of the table judge a row only once those held.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs

from s3repl import iam
from s3repl.model import (
    Bucket,
    ObjectVersion,
    ReplicationRule,
    ServerSideEncryption,
    VersioningStatus,
)
from s3repl.model.acl import Permission
from s3repl.policy._permissions import (
    _assumable,
    _explicitly_denied,
    _kms_may,
    object_arn,
    permission_decision,
)
from s3repl.policy._shape import _replica_key
from s3repl.world import Role, World

if TYPE_CHECKING:
    from s3repl.policy._checks import Check


class _Enum(enum.Enum):
    """An enum whose repr is valid Python (``ClassName.MEMBER``)."""

    def __repr__(self) -> str:
        """Return ``ClassName.MEMBER``."""
        return f"{type(self).__name__}.{self.name}"


class Condition(_Enum):
    """What a row checks: what must hold for the task to get past it."""

    # The source stage: read off the task as a step applies it (``_apply._ruling``),
    # not off a route, so they have no judge here.
    #: The task's source bucket exists (R-127).
    SOURCE_EXISTS = "source_exists"
    #: The source has a replication configuration (R-127).
    SOURCE_CONFIGURED = "source_configured"
    #: Neither the source nor the destination is temporarily unavailable (R-124).
    BUCKETS_REACHABLE = "buckets_reachable"
    #: The version the task carries is still in the source (R-127).
    SOURCE_VERSION_EXISTS = "source_version_exists"
    # A route's conditions, each judged here (:data:`JUDGES`).
    #: The role exists and S3 may assume it (R-006).
    ROLE_ASSUMABLE = "role_assumable"
    #: The destination bucket exists (R-005).
    DESTINATION_EXISTS = "destination_exists"
    #: The destination's versioning is ``Enabled`` (R-005).
    DESTINATION_VERSIONED = "destination_versioned"
    #: Both Regions are enabled for the owners that need them (R-001, R-176).
    REGIONS_ENABLED = "regions_enabled"
    #: A Requester Pays destination belongs to the source's owner (R-013, R-176).
    NO_CROSS_ACCOUNT_REQUESTER_PAYS = "no_cross_account_requester_pays"
    #: A lock source's destination has Object Lock too (R-009).
    DESTINATION_LOCKED = "destination_locked"
    #: The replica a metadata change updates exists (R-085).
    REPLICA_EXISTS = "replica_exists"
    #: The role may do the row's :class:`PermissionNeed` (R-155, R-158, R-012).
    PERMITTED = "permitted"
    #: A foreign-owned object grants the bucket owner READ and READ_ACP (R-008, R-107).
    FOREIGN_OBJECT_READABLE = "foreign_object_readable"
    #: The source version's KMS key exists and is usable (R-158).
    SOURCE_KEY_USABLE = "source_key_usable"
    #: The role may decrypt with the source version's KMS key (R-158).
    SOURCE_KEY_PERMITTED = "source_key_permitted"
    #: The destination's bucket policy does not explicitly deny replicating tags (R-157).
    TAGS_WRITABLE = "tags_writable"
    #: The destination does not block SSE-C writes (``BlockedEncryptionTypes``, R-081).
    SSE_C_ACCEPTED = "sse_c_accepted"
    #: The replica's KMS key exists in the destination's Region (R-027).
    REPLICA_KEY_FOUND = "replica_key_found"
    #: The replica's KMS key is usable (R-027).
    REPLICA_KEY_USABLE = "replica_key_usable"
    #: The role may encrypt with the replica's KMS key (R-014).
    REPLICA_KEY_PERMITTED = "replica_key_permitted"


class Cause(_Enum):
    """Why a condition does not hold."""

    #: No role has the configuration's ARN (R-006).
    ROLE_MISSING = "role_missing"
    #: The role's trust policy does not let ``s3.amazonaws.com`` assume it (R-006).
    ROLE_UNTRUSTED = "role_untrusted"
    #: The destination bucket does not exist (R-005).
    DESTINATION_MISSING = "destination_missing"
    #: The destination's versioning is not ``Enabled`` (R-005).
    DESTINATION_UNVERSIONED = "destination_unversioned"
    #: ``account`` has not enabled ``region`` (R-001).
    REGION_NOT_ENABLED = "region_not_enabled"
    #: The destination is Requester Pays and another account's (R-013).
    REQUESTER_PAYS_ACROSS_ACCOUNTS = "requester_pays_across_accounts"
    #: The source has Object Lock and the destination has not (R-009).
    DESTINATION_UNLOCKED = "destination_unlocked"
    #: The destination has no version with the task's version id (R-085).
    REPLICA_MISSING = "replica_missing"
    #: The role's own permission policy does not allow ``action`` on ``resource``.
    ROLE_POLICY_REFUSES = "role_policy_refuses"
    #: The role's policy allows; the policy of ``bucket`` (of ``account``) refuses:
    #: across accounts its owner did not grant (R-012), in one account it denies.
    BUCKET_POLICY_REFUSES = "bucket_policy_refuses"
    #: A foreign-owned object's ACL does not grant the bucket owner READ and READ_ACP.
    OBJECT_ACL_REFUSES = "object_acl_refuses"
    #: The policy of ``bucket`` explicitly denies ``action`` (R-157).
    BUCKET_POLICY_DENIES = "bucket_policy_denies"
    #: ``bucket``'s default encryption blocks SSE-C (``BlockedEncryptionTypes``, R-081).
    SSE_C_BLOCKED = "sse_c_blocked"
    #: The KMS key ``resource`` does not exist.
    KEY_MISSING = "key_missing"
    #: The KMS key ``resource`` is in ``region``, not in the destination's Region.
    KEY_IN_OTHER_REGION = "key_in_other_region"
    #: The KMS key ``resource`` is disabled.
    KEY_DISABLED = "key_disabled"
    #: The KMS key ``resource`` is pending deletion.
    KEY_PENDING_DELETION = "key_pending_deletion"
    #: The role may not ``action`` with the KMS key ``resource``.
    KEY_NOT_PERMITTED = "key_not_permitted"


@attrs.frozen(kw_only=True)
class Fault:
    """Why a row's condition does not hold, with what a finding names.

    Attributes:
        cause: what is wrong.
        requirement: the ``R-nnn`` broken: the row's, or R-012 when another account's
            bucket does not grant what its owner must.
        action: the IAM or KMS action refused, if any.
        resource: the ARN refused (an object, a key pattern, a KMS key), if any.
        bucket: the bucket the cause is about, if any.
        account: the account the cause is about, if any.
        region: the Region the cause is about, if any.
    """

    cause: Cause
    requirement: str
    action: str = ""
    resource: str = ""
    bucket: str = ""
    account: str = ""
    region: str = ""


@attrs.frozen(kw_only=True)
class Facts:
    """What a row's condition reads: the world and one route through it.

    At apply time the route is a task's: ``key`` is its object key and ``obj`` its
    version.  For findings it is a rule's: ``key`` is the rule's key pattern (such as
    ``Tax/*``, which a policy allows only when it allows every key under it) and
    ``obj`` is ``None``, standing for any object the rule may carry.

    Attributes:
        world: the world.
        source: the source bucket.
        role_arn: the configuration's replication role.
        role: that role, ``None`` when it does not exist.
        dest_name: the destination bucket's name.
        dest: the destination bucket, ``None`` when it does not exist.
        rule: the rule (``None`` at apply time when the configuration lost it).
        key: the object key, or the rule's key pattern.
        version_id: the task's version id (``""`` for a rule).
        obj: the task's object version; ``None`` for a marker or for a rule.
        replica_key: the KMS key the replica is encrypted under, if any.
    """

    world: World
    source: Bucket
    role_arn: str
    role: Role | None
    dest_name: str
    dest: Bucket | None
    rule: ReplicationRule | None
    key: str
    version_id: str = ""
    obj: ObjectVersion | None = None
    replica_key: str | None = None

    @classmethod
    def of_route(
        cls,
        world: World,
        source: Bucket,
        role_arn: str,
        dest_name: str,
        rule: ReplicationRule | None,
        key: str,
        *,
        version_id: str = "",
        obj: ObjectVersion | None = None,
        encryption: ServerSideEncryption | None = None,
    ) -> Facts:
        """The facts of a route, with the role and the destination looked up.

        Args:
            world: the world.
            source: the source bucket.
            role_arn: the configuration's replication role.
            dest_name: the destination bucket's name.
            rule: the rule.
            key: the object key, or the rule's key pattern.
            version_id: the task's version id.
            obj: the task's object version.
            encryption: how the source objects are encrypted, when their replicas may
                be under a KMS key (``replica_key``, R-082, R-027).
        """
        dest = world.buckets.get(dest_name)
        replica_key = None
        if dest is not None and encryption is not None:
            replica_key = _replica_key(dest, encryption, rule)
        return cls(
            world=world,
            source=source,
            role_arn=role_arn,
            role=world.roles.get(role_arn),
            dest_name=dest_name,
            dest=dest,
            rule=rule,
            key=key,
            version_id=version_id,
            obj=obj,
            replica_key=replica_key,
        )


_Faults = tuple[Fault, ...]
_HOLDS: _Faults = ()


def judge(check: Check, facts: Facts) -> _Faults:
    """Why ``check``'s condition does not hold for ``facts``; empty when it holds.

    The one reading of every condition of ``CHECKS`` (:data:`JUDGES`).  A condition is
    judged only once the conditions its row presumes held (the role and the
    destination found, a KMS key found), so a judge may rely on what they found.

    Args:
        check: the row.
        facts: the world and the route (a task's or a rule's).
    """
    return JUDGES[check.condition](check, facts)


def _fault(check: Check, cause: Cause, **details: str) -> Fault:
    return Fault(cause=cause, requirement=check.requirement, **details)


def _found(facts: Facts) -> tuple[Role, Bucket]:
    """The role and the destination, which the rows that read objects presume."""
    role, dest = facts.role, facts.dest
    assert role is not None
    assert dest is not None
    return role, dest


def _destination(facts: Facts) -> Bucket:
    """The destination, which every row after R-005's presumes."""
    assert facts.dest is not None
    return facts.dest


def _role_assumable(check: Check, facts: Facts) -> _Faults:
    """R-006: the role exists and its trust policy lets S3 assume it."""
    role = facts.role
    if role is None:
        return (_fault(check, Cause.ROLE_MISSING, resource=facts.role_arn),)
    if not _assumable(facts.world, role):
        return (_fault(check, Cause.ROLE_UNTRUSTED, resource=facts.role_arn),)
    return _HOLDS


def _destination_exists(check: Check, facts: Facts) -> _Faults:
    """R-005: the destination bucket exists."""
    if facts.dest is not None:
        return _HOLDS
    return (_fault(check, Cause.DESTINATION_MISSING, bucket=facts.dest_name),)


def _destination_versioned(check: Check, facts: Facts) -> _Faults:
    """R-005: the destination's versioning is ``Enabled``."""
    dest = _destination(facts)
    if dest.versioning is VersioningStatus.ENABLED:
        return _HOLDS
    return (_fault(check, Cause.DESTINATION_UNVERSIONED, bucket=dest.name),)


def _regions_enabled(check: Check, facts: Facts) -> _Faults:
    """R-001: every owner has enabled the Regions replication needs, one fault a pair."""
    return tuple(
        _fault(check, Cause.REGION_NOT_ENABLED, account=account, region=region)
        for account, region in _disabled_regions(facts.world, facts.source, _destination(facts))
    )


def _disabled_regions(world: World, source: Bucket, dest: Bucket) -> tuple[tuple[str, str], ...]:
    """R-001: the (account, Region) pairs that must be enabled and are not, each once.

    The source owner needs the source and the destination Regions, the destination
    owner the destination Region.

    Args:
        world: the world (its accounts).
        source: the source bucket.
        dest: the destination bucket.
    """
    needed = (
        (source.owner, source.region),
        (source.owner, dest.region),
        (dest.owner, dest.region),
    )
    missing = [pair for pair in needed if not world.account(pair[0]).region_enabled(pair[1])]
    return tuple(dict.fromkeys(missing))


def _no_cross_account_requester_pays(check: Check, facts: Facts) -> _Faults:
    """R-013: a Requester Pays destination belongs to the source's owner."""
    dest = _destination(facts)
    if not dest.requester_pays or dest.owner == facts.source.owner:
        return _HOLDS
    cause = Cause.REQUESTER_PAYS_ACROSS_ACCOUNTS
    return (_fault(check, cause, bucket=dest.name, account=dest.owner),)


def _destination_locked(check: Check, facts: Facts) -> _Faults:
    """R-009: a source with Object Lock replicates only to a destination with it."""
    dest = _destination(facts)
    if not facts.source.object_lock_enabled or dest.object_lock_enabled:
        return _HOLDS
    return (_fault(check, Cause.DESTINATION_UNLOCKED, bucket=dest.name),)


def _replica_exists(check: Check, facts: Facts) -> _Faults:
    """R-085: the destination holds a version with the task's version id."""
    dest = _destination(facts)
    if facts.world.version(dest.name, facts.key, facts.version_id) is not None:
        return _HOLDS
    return (_fault(check, Cause.REPLICA_MISSING, bucket=dest.name),)


def _permitted(check: Check, facts: Facts) -> _Faults:
    """R-155, R-158 (R-012 across accounts): the role may do the row's need's action."""
    role, dest = _found(facts)
    need = check.need
    assert need is not None
    target = dest if need.on_destination else facts.source
    resource = object_arn(target, None if need.on_bucket else facts.key)
    if permission_decision(facts.world, role, need.action, resource) is iam.Decision.ALLOW:
        return _HOLDS
    if not _identity_allows(role, need.action, resource):
        return (_fault(check, Cause.ROLE_POLICY_REFUSES, action=need.action, resource=resource),)
    # The role's own policy allows: the bucket's side refuses.  Across accounts that is
    # R-012 (the owner must grant); in one account an explicit deny.
    requirement = "R-012" if target.owner != role.account else check.requirement
    return (
        Fault(
            cause=Cause.BUCKET_POLICY_REFUSES,
            requirement=requirement,
            action=need.action,
            resource=resource,
            bucket=target.name,
            account=target.owner,
        ),
    )


def _identity_allows(role: Role, action: str, resource: str) -> bool:
    """Whether the role's own permission policy (alone) allows ``action`` on ``resource``."""
    request = iam.Request(principal=role.arn, action=action, resource=resource)
    return iam.evaluate((role.policy,), request) is iam.Decision.ALLOW


def _foreign_object_readable(check: Check, facts: Facts) -> _Faults:
    """R-008, R-107: the object's ACL grants the bucket owner READ and READ_ACP."""
    obj = facts.obj
    assert obj is not None
    acl, owner = obj.acl, facts.source.owner
    grants = (Permission.READ, Permission.READ_ACP)
    if acl is not None and all(acl.allows(owner, permission) for permission in grants):
        return _HOLDS
    return (_fault(check, Cause.OBJECT_ACL_REFUSES, bucket=facts.source.name, account=owner),)


def _source_key_usable(check: Check, facts: Facts) -> _Faults:
    """R-158: the source version's KMS key exists and is usable."""
    assert facts.obj is not None
    return _key_usable(check, facts.world, facts.obj.sse_kms_key_id or "")


def _source_key_permitted(check: Check, facts: Facts) -> _Faults:
    """R-158: the role may decrypt with the source version's KMS key."""
    role, _ = _found(facts)
    assert facts.obj is not None
    return _key_permitted(check, facts.world, role, "kms:Decrypt", facts.obj.sse_kms_key_id)


def _tags_writable(check: Check, facts: Facts) -> _Faults:
    """R-157: the destination's bucket policy does not explicitly deny replicating tags.

    ``s3:ReplicateObject`` already authorises tags: only the destination owner's
    explicit deny refuses them.
    """
    role, dest = _found(facts)
    action = "s3:ReplicateTags"
    if not _explicitly_denied(facts.world, role, action, dest, facts.key):
        return _HOLDS
    resource = object_arn(dest, facts.key)
    cause = Cause.BUCKET_POLICY_DENIES
    return (_fault(check, cause, action=action, resource=resource, bucket=dest.name),)


def _sse_c_accepted(check: Check, facts: Facts) -> _Faults:
    """R-081: a destination blocking SSE-C refuses SSE-C replicas (403 AccessDenied).

    AWS: with SSE-C blocked, "replication requests that specify SSE-C encryption will
    be rejected" (UG, blocking or unblocking SSE-C for a general purpose bucket).
    """
    dest = _destination(facts)
    if not dest.default_encryption.sse_c_blocked:
        return _HOLDS
    return (_fault(check, Cause.SSE_C_BLOCKED, bucket=dest.name),)


def _replica_key_found(check: Check, facts: Facts) -> _Faults:
    """R-027: the replica's KMS key exists, in the destination's Region."""
    dest = _destination(facts)
    key_arn = facts.replica_key or ""
    key = facts.world.kms_key(key_arn)
    if key is None:
        return (_fault(check, Cause.KEY_MISSING, resource=key_arn),)
    if key.region != dest.region:
        return (_fault(check, Cause.KEY_IN_OTHER_REGION, resource=key_arn, region=key.region),)
    return _HOLDS


def _replica_key_usable(check: Check, facts: Facts) -> _Faults:
    """R-027: the replica's KMS key is enabled and not pending deletion."""
    return _key_usable(check, facts.world, facts.replica_key or "")


def _replica_key_permitted(check: Check, facts: Facts) -> _Faults:
    """R-014: the role may encrypt with the replica's KMS key."""
    role, _ = _found(facts)
    return _key_permitted(check, facts.world, role, "kms:Encrypt", facts.replica_key)


def _key_usable(check: Check, world: World, key_arn: str) -> _Faults:
    """R-158, R-027: the KMS key exists, is enabled and is not pending deletion."""
    key = world.kms_key(key_arn)
    if key is None:
        return (_fault(check, Cause.KEY_MISSING, resource=key_arn),)
    if key.usable:
        return _HOLDS
    cause = Cause.KEY_PENDING_DELETION if key.pending_deletion else Cause.KEY_DISABLED
    return (_fault(check, cause, resource=key_arn),)


def _key_permitted(
    check: Check, world: World, role: Role, action: str, key_arn: str | None
) -> _Faults:
    """R-158, R-014: the role may ``action`` with the KMS key (which must exist)."""
    if _kms_may(world, role, action, key_arn or ""):
        return _HOLDS
    return (_fault(check, Cause.KEY_NOT_PERMITTED, action=action, resource=key_arn or ""),)


#: The judge of each condition of a route: the one place each condition of the rows
#: after the source stage of ``CHECKS`` is read (the source stage reads the task).
JUDGES: Mapping[Condition, Callable[[Check, Facts], _Faults]] = MappingProxyType(
    {
        Condition.ROLE_ASSUMABLE: _role_assumable,
        Condition.DESTINATION_EXISTS: _destination_exists,
        Condition.DESTINATION_VERSIONED: _destination_versioned,
        Condition.REGIONS_ENABLED: _regions_enabled,
        Condition.NO_CROSS_ACCOUNT_REQUESTER_PAYS: _no_cross_account_requester_pays,
        Condition.DESTINATION_LOCKED: _destination_locked,
        Condition.REPLICA_EXISTS: _replica_exists,
        Condition.PERMITTED: _permitted,
        Condition.FOREIGN_OBJECT_READABLE: _foreign_object_readable,
        Condition.SOURCE_KEY_USABLE: _source_key_usable,
        Condition.SOURCE_KEY_PERMITTED: _source_key_permitted,
        Condition.TAGS_WRITABLE: _tags_writable,
        Condition.SSE_C_ACCEPTED: _sse_c_accepted,
        Condition.REPLICA_KEY_FOUND: _replica_key_found,
        Condition.REPLICA_KEY_USABLE: _replica_key_usable,
        Condition.REPLICA_KEY_PERMITTED: _replica_key_permitted,
    }
)
