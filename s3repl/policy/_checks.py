"""The permission table of R-158: what a rule needs, where, and what its absence causes."""

from __future__ import annotations

import enum

import attrs

from s3repl.model import (
    Bucket,
    FailureReason,
    ReplicationRule,
)
from s3repl.policy._permissions import role_may
from s3repl.policy._routing import delete_markers_replicate
from s3repl.policy._shape import _owner_override
from s3repl.profile import Profile
from s3repl.world import Role, World

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
