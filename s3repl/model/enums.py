"""The S3 enumerations shared by buckets, objects and replication configurations.

Every member's ``.value`` is the exact string S3 puts on the wire.
"""

from __future__ import annotations

import enum

__all__ = [
    "FailureReason",
    "ObjectLockLegalHoldStatus",
    "ObjectLockMode",
    "ObjectOwnership",
    "ReplicationStatus",
    "S3Enum",
    "ServerSideEncryption",
    "Status",
    "StorageClass",
    "VersioningStatus",
]


class S3Enum(enum.Enum):
    """Base of s3repl's enums: ``.value`` is the wire string; the repr is valid Python."""

    # Members are singletons compared by identity, so the identity hash agrees with
    # equality; Enum's own hash is a Python-level call on every dict and set lookup.
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        """Return ``ClassName.MEMBER``."""
        return f"{type(self).__name__}.{self.name}"


class Status(S3Enum):
    """``Enabled`` / ``Disabled``, the toggle used throughout replication rules."""

    ENABLED = "Enabled"
    DISABLED = "Disabled"


class VersioningStatus(S3Enum):
    """A bucket's versioning state; ``UNVERSIONED`` is a bucket never versioned."""

    UNVERSIONED = "Unversioned"
    ENABLED = "Enabled"
    SUSPENDED = "Suspended"


class StorageClass(S3Enum):
    """The storage classes of botocore's ``StorageClass`` enum (R-025)."""

    STANDARD = "STANDARD"
    REDUCED_REDUNDANCY = "REDUCED_REDUNDANCY"
    STANDARD_IA = "STANDARD_IA"
    ONEZONE_IA = "ONEZONE_IA"
    INTELLIGENT_TIERING = "INTELLIGENT_TIERING"
    GLACIER = "GLACIER"
    DEEP_ARCHIVE = "DEEP_ARCHIVE"
    OUTPOSTS = "OUTPOSTS"
    GLACIER_IR = "GLACIER_IR"
    SNOW = "SNOW"
    EXPRESS_ONEZONE = "EXPRESS_ONEZONE"
    FSX_OPENZFS = "FSX_OPENZFS"
    FSX_ONTAP = "FSX_ONTAP"
    AWS_BACKUP_WARM = "AWS_BACKUP_WARM"
    AWS_BACKUP_LOW_COST_WARM = "AWS_BACKUP_LOW_COST_WARM"


class ServerSideEncryption(S3Enum):
    """How an object is encrypted at rest; ``NONE`` and ``SSE_C`` are s3repl's names.

    ``.value`` is the ``x-amz-server-side-encryption`` header (``AES256``, ``aws:kms``,
    ``aws:kms:dsse``); SSE-C objects carry ``AES256`` in the customer-algorithm header.
    """

    NONE = "None"
    SSE_S3 = "AES256"
    SSE_KMS = "aws:kms"
    DSSE_KMS = "aws:kms:dsse"
    SSE_C = "SSE-C"

    @property
    def uses_kms(self) -> bool:
        """Whether the encryption needs a KMS key (SSE-KMS or DSSE-KMS)."""
        return self in _KMS_KINDS


_KMS_KINDS = frozenset({ServerSideEncryption.SSE_KMS, ServerSideEncryption.DSSE_KMS})


class ObjectLockMode(S3Enum):
    """Object Lock retention modes."""

    GOVERNANCE = "GOVERNANCE"
    COMPLIANCE = "COMPLIANCE"


class ObjectLockLegalHoldStatus(S3Enum):
    """Object Lock legal hold status."""

    ON = "ON"
    OFF = "OFF"


class ObjectOwnership(S3Enum):
    """Object Ownership controls (R-154); new buckets use ``BucketOwnerEnforced``."""

    BUCKET_OWNER_ENFORCED = "BucketOwnerEnforced"
    BUCKET_OWNER_PREFERRED = "BucketOwnerPreferred"
    OBJECT_WRITER = "ObjectWriter"


class ReplicationStatus(S3Enum):
    """``x-amz-replication-status`` (R-120); ``COMPLETE`` is accepted as a legacy alias."""

    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    REPLICA = "REPLICA"

    @classmethod
    def _missing_(cls, value: object) -> ReplicationStatus | None:
        # the service enum still lists the legacy spelling COMPLETE.
        if value == "COMPLETE":
            return cls.COMPLETED
        return None


class FailureReason(S3Enum):
    """Replication failure reasons (R-127), plus s3repl's ``UnsupportedDestination`` (R-176)."""

    ASSUME_ROLE_NOT_PERMITTED = "AssumeRoleNotPermitted"
    DST_BUCKET_INVALID_REGION = "DstBucketInvalidRegion"
    DST_BUCKET_NOT_FOUND = "DstBucketNotFound"
    DST_BUCKET_OBJECT_LOCK_CONFIG_MISSING = "DstBucketObjectLockConfigMissing"
    DST_BUCKET_UNVERSIONED = "DstBucketUnversioned"
    DST_DEL_OBJ_NOT_PERMITTED = "DstDelObjNotPermitted"
    DST_KMS_KEY_INVALID_STATE = "DstKmsKeyInvalidState"
    DST_KMS_KEY_NOT_FOUND = "DstKmsKeyNotFound"
    DST_MULTIPART_COMPLETE_NOT_PERMITTED = "DstMultipartCompleteNotPermitted"
    DST_MULTIPART_INIT_NOT_PERMITTED = "DstMultipartInitNotPermitted"
    DST_MULTIPART_PART_UPLOAD_NOT_PERMITTED = "DstMultipartPartUploadNotPermitted"
    DST_OBJECT_HARD_DELETED = "DstObjectHardDeleted"
    DST_PUT_ACL_NOT_PERMITTED = "DstPutAclNotPermitted"
    DST_PUT_LEGAL_HOLD_NOT_PERMITTED = "DstPutLegalHoldNotPermitted"
    DST_PUT_OBJECT_NOT_PERMITTED = "DstPutObjectNotPermitted"
    DST_PUT_TAGGING_NOT_PERMITTED = "DstPutTaggingNotPermitted"
    DST_VERSION_NOT_FOUND = "DstVersionNotFound"
    INITIATE_REPLICATION_NOT_PERMITTED = "InitiateReplicationNotPermitted"
    SRC_BUCKET_INVALID_REGION = "SrcBucketInvalidRegion"
    SRC_BUCKET_NOT_FOUND = "SrcBucketNotFound"
    SRC_BUCKET_REPLICATION_CONFIG_MISSING = "SrcBucketReplicationConfigMissing"
    SRC_GET_ACL_NOT_PERMITTED = "SrcGetAclNotPermitted"
    SRC_GET_OBJECT_NOT_PERMITTED = "SrcGetObjectNotPermitted"
    SRC_GET_TAGGING_NOT_PERMITTED = "SrcGetTaggingNotPermitted"
    SRC_HEAD_OBJECT_NOT_PERMITTED = "SrcHeadObjectNotPermitted"
    SRC_KMS_KEY_INVALID_STATE = "SrcKmsKeyInvalidState"
    SRC_OBJECT_NOT_ELIGIBLE = "SrcObjectNotEligible"
    SRC_VERSION_NOT_FOUND = "SrcVersionNotFound"
    #: s3repl's own reason for R-176 (opt-in region off, Requester Pays destination).
    UNSUPPORTED_DESTINATION = "UnsupportedDestination"
