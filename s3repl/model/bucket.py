"""A bucket's configuration (not its objects): owner, region, versioning, lock, ownership."""

from __future__ import annotations

import attrs

from s3repl.errors import InvalidArgument
from s3repl.model import _checks
from s3repl.model.enums import ObjectOwnership, ServerSideEncryption, VersioningStatus
from s3repl.model.lock import ObjectLockConfiguration
from s3repl.model.names import (
    aws_managed_key_arn,
    check_account_id,
    check_bucket_name,
    check_region,
)
from s3repl.model.replication import ReplicationConfiguration

__all__ = ["Bucket", "DefaultEncryption"]


@attrs.frozen(kw_only=True)
class DefaultEncryption:
    """A bucket's default encryption (``ServerSideEncryptionConfiguration``)."""

    sse_algorithm: ServerSideEncryption = attrs.field(converter=ServerSideEncryption)
    kms_master_key_id: str | None = attrs.field(
        default=None, validator=_checks.optional(_checks.non_empty_text)
    )
    bucket_key_enabled: bool = attrs.field(default=False, validator=_checks.boolean)
    #: ``BlockedEncryptionTypes``: ``True`` blocks SSE-C writes (``SSE-C``), ``False``
    #: allows them (``NONE``), ``None`` leaves the setting unsaid (a document without the
    #: element keeps the bucket's, INF; a value built by hand allows SSE-C).
    sse_c_blocked: bool | None = attrs.field(
        default=None, validator=_checks.optional(_checks.boolean)
    )

    def __attrs_post_init__(self) -> None:
        """Only SSE-S3, SSE-KMS and DSSE-KMS can be defaults; a key needs a KMS algorithm."""
        if self.sse_algorithm in (ServerSideEncryption.NONE, ServerSideEncryption.SSE_C):
            msg = f"Default encryption cannot be {self.sse_algorithm.value}"
            raise InvalidArgument(msg)
        if self.kms_master_key_id is not None and not self.sse_algorithm.uses_kms:
            msg = "KMSMasterKeyID is only allowed with aws:kms or aws:kms:dsse"
            raise InvalidArgument(msg)


def _bucket_name(_instance: object, _attribute: object, value: str) -> None:
    check_bucket_name(value)


def _account(_instance: object, _attribute: object, value: str) -> None:
    check_account_id(value)


def _region(_instance: object, _attribute: object, value: str) -> None:
    check_region(value)


@attrs.frozen(kw_only=True)
class Bucket:
    """A bucket and its configuration; objects live in the engine's state, not here."""

    name: str = attrs.field(validator=_bucket_name)
    owner: str = attrs.field(validator=_account)
    region: str = attrs.field(default="us-east-1", validator=_region)
    versioning: VersioningStatus = attrs.field(
        default=VersioningStatus.UNVERSIONED, converter=VersioningStatus
    )
    object_lock_enabled: bool = attrs.field(default=False, validator=_checks.boolean)
    object_lock: ObjectLockConfiguration | None = attrs.field(
        default=None, validator=_checks.optional(_checks.instance_of(ObjectLockConfiguration))
    )
    ownership: ObjectOwnership = attrs.field(
        default=ObjectOwnership.BUCKET_OWNER_ENFORCED, converter=ObjectOwnership
    )
    requester_pays: bool = attrs.field(default=False, validator=_checks.boolean)
    default_encryption: DefaultEncryption = attrs.field(
        factory=lambda: DefaultEncryption(sse_algorithm=ServerSideEncryption.SSE_S3),
        validator=_checks.instance_of(DefaultEncryption),
    )
    replication: ReplicationConfiguration | None = attrs.field(
        default=None, validator=_checks.optional(_checks.instance_of(ReplicationConfiguration))
    )

    def __attrs_post_init__(self) -> None:
        """An Object Lock bucket is always versioned."""
        if self.object_lock_enabled and self.versioning is not VersioningStatus.ENABLED:
            msg = "An Object Lock enabled bucket must have versioning Enabled"
            raise InvalidArgument(msg)

    @property
    def is_versioned(self) -> bool:
        """Whether versioning is ``Enabled`` (not suspended, not never enabled)."""
        return self.versioning is VersioningStatus.ENABLED

    @property
    def default_kms_key(self) -> str | None:
        """The KMS key its default encryption writes under, ``None`` unless SSE-KMS/DSSE-KMS.

        Without ``KMSMasterKeyID`` that is the owner's AWS managed key ``aws/s3`` in the
        bucket's Region (S3 creates it "in your AWS account"; R-014, R-082).
        """
        default = self.default_encryption
        if not default.sse_algorithm.uses_kms:
            return None
        return default.kms_master_key_id or aws_managed_key_arn(self.owner, self.region)

    @property
    def arn(self) -> str:
        """The bucket ARN in the partition of its region."""
        from s3repl.model.names import partition_of_region

        return f"arn:{partition_of_region(self.region).value}:s3:::{self.name}"
