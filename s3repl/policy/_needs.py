"""The permission table of R-158: each permission the replication role needs, and when.

Theory.  A row (:class:`PermissionNeed`) names an IAM action, where it applies (the
source or the destination, its objects or the bucket), the failure reason a task gets
without it, and which rules need it (:class:`NeedWhen`).  Each row is the ``need`` of
one row of the checks table (``_checks.CHECKS``), where both readings of the table,
apply time and requirement findings, meet it.  Why a module of its own: the table of
permissions is one job, the checks table that orders every check another.
"""

from __future__ import annotations

import enum

import attrs

from s3repl.model import FailureReason
from s3repl.profile import Profile

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
