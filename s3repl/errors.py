"""The exception tree of s3repl.

Every exception the library raises derives from :class:`S3ReplError`.  Errors that
Amazon S3 itself would return derive from :class:`~s3repl.errors.S3Error` and are named exactly as
the AWS error code, so ``except s3repl.errors.NoSuchBucket`` reads like the AWS
documentation.  Each leaf also inherits the builtin exception a Python caller would
expect (``LookupError`` for missing things, ``ValueError`` for bad input,
``PermissionError`` for refusals), so generic handlers keep working.

Usage errors of the simulator itself (stepping an empty queue, exceeding a step
bound) are separate: they are not S3 errors and carry no AWS code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "AccessControlListNotSupported",
    "AccessDenied",
    "BadRequestException",
    "BucketAlreadyExists",
    "BucketAlreadyOwnedByYou",
    "BucketNotEmpty",
    "EntityTooLarge",
    "IdempotencyException",
    "IllegalVersioningConfigurationException",
    "InvalidArgument",
    "InvalidBucketName",
    "InvalidBucketState",
    "InvalidRequest",
    "InvalidStorageClass",
    "InvalidTag",
    "JobStatusException",
    "KMSDisabledException",
    "KMSNotFoundException",
    "MalformedACLError",
    "MalformedPolicy",
    "MalformedXML",
    "MetadataTooLarge",
    "MethodNotAllowed",
    "NoSuchBucket",
    "NoSuchBucketPolicy",
    "NoSuchEntity",
    "NoSuchKey",
    "NoSuchObjectLockConfiguration",
    "NoSuchVersion",
    "NotFoundException",
    "NothingPendingError",
    "ObjectLockConfigurationNotFoundError",
    "OwnershipControlsNotFoundError",
    "ReplicationConfigurationNotFoundError",
    "S3Error",
    "S3ReplError",
    "ServerSideEncryptionConfigurationNotFoundError",
    "StepLimitExceededError",
    "UnknownTaskError",
    "UnsupportedConditionError",
    "UsageError",
    "error_class",
]


class S3ReplError(Exception):
    """Root of every exception raised by s3repl."""


class S3Error(S3ReplError):
    """An error that Amazon S3 itself would return.

    Attributes:
        code: the AWS error code, for example ``"NoSuchBucket"``.
        message: the message AWS returns, verbatim where it has been observed.
        http_status: the HTTP status code of the AWS response.
        bucket_name: the bucket AWS names in the error body, or ``None``.
        element: the path of the offending element of a document, or ``None``.
    """

    code: ClassVar[str] = "InternalError"
    http_status: ClassVar[int] = 500

    def __init__(
        self,
        message: str,
        *,
        bucket_name: str | None = None,
        element: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.bucket_name = bucket_name
        self.element = element

    @property
    def response(self) -> Mapping[str, Any]:
        """The error as boto3's ``ClientError.response`` shapes it.

        ``{"Error": {"Code", "Message", "BucketName"?}, "ResponseMetadata":
        {"HTTPStatusCode"}}``, so code written against boto3 can read an s3repl error
        the same way.  A fresh dict on every read: changing it changes nothing here.
        """
        error: dict[str, Any] = {"Code": self.code, "Message": self.message}
        if self.bucket_name is not None:
            error["BucketName"] = self.bucket_name
        return {"Error": error, "ResponseMetadata": {"HTTPStatusCode": self.http_status}}

    def __str__(self) -> str:
        """Render as ``Code (status): message``, naming the bucket or element."""
        where = []
        if self.bucket_name is not None:
            where.append(f"bucket {self.bucket_name!r}")
        if self.element is not None:
            where.append(f"element {self.element}")
        suffix = f" [{', '.join(where)}]" if where else ""
        return f"{self.code} ({self.http_status}): {self.message}{suffix}"

    def __repr__(self) -> str:
        """Return a constructor call that rebuilds this error."""
        return (
            f"{type(self).__name__}({self.message!r}, bucket_name={self.bucket_name!r}, "
            f"element={self.element!r})"
        )


# --- 400: bad input --------------------------------------------------------------


class InvalidRequest(S3Error, ValueError):
    """``InvalidRequest`` (400): the request is understood but not acceptable."""

    code = "InvalidRequest"
    http_status = 400


class InvalidArgument(S3Error, ValueError):
    """``InvalidArgument`` (400): a value is out of range or malformed."""

    code = "InvalidArgument"
    http_status = 400


class MalformedXML(S3Error, ValueError):
    """``MalformedXML`` (400): the document is not well-formed or breaks the schema."""

    code = "MalformedXML"
    http_status = 400

    #: The text AWS returns for every schema violation (SPEC R-045).
    DEFAULT_MESSAGE: ClassVar[str] = (
        "The XML you provided was not well-formed or did not validate against our published schema"
    )


class MalformedPolicy(S3Error, ValueError):
    """``MalformedPolicy`` (400): a bucket policy document is not valid."""

    code = "MalformedPolicy"
    http_status = 400


class AccessControlListNotSupported(S3Error, ValueError):
    """``AccessControlListNotSupported`` (400): the bucket enforces bucket-owner ownership."""

    code = "AccessControlListNotSupported"
    http_status = 400


class MalformedACLError(S3Error, ValueError):
    """``MalformedACLError`` (400): an access control list is not valid."""

    code = "MalformedACLError"
    http_status = 400


class InvalidBucketName(S3Error, ValueError):
    """``InvalidBucketName`` (400): the name breaks the S3 bucket naming rules."""

    code = "InvalidBucketName"
    http_status = 400


class InvalidTag(S3Error, ValueError):
    """``InvalidTag`` (400): a tag set breaks the S3 tagging rules."""

    code = "InvalidTag"
    http_status = 400


class InvalidStorageClass(S3Error, ValueError):
    """``InvalidStorageClass`` (400): the storage class is not one S3 knows."""

    code = "InvalidStorageClass"
    http_status = 400


class MetadataTooLarge(S3Error, ValueError):
    """``MetadataTooLarge`` (400): user metadata exceeds 2 KB."""

    code = "MetadataTooLarge"
    http_status = 400


class EntityTooLarge(S3Error, ValueError):
    """``EntityTooLarge`` (400): a document exceeds its maximum size."""

    code = "EntityTooLarge"
    http_status = 400


class IllegalVersioningConfigurationException(S3Error, ValueError):
    """``IllegalVersioningConfigurationException`` (400): bad versioning document."""

    code = "IllegalVersioningConfigurationException"
    http_status = 400


class KMSNotFoundException(S3Error, LookupError):
    """``KMS.NotFoundException`` (400): the KMS key does not exist."""

    code = "KMS.NotFoundException"
    http_status = 400


class KMSDisabledException(S3Error, ValueError):
    """``KMS.DisabledException`` (400): the KMS key is disabled."""

    code = "KMS.DisabledException"
    http_status = 400


# --- 403: refused ------------------------------------------------------------------


class AccessDenied(S3Error, PermissionError):
    """``AccessDenied`` (403): the caller lacks permission."""

    code = "AccessDenied"
    http_status = 403


# --- 404: missing ------------------------------------------------------------------


class NoSuchBucket(S3Error, LookupError):
    """``NoSuchBucket`` (404): the bucket does not exist."""

    code = "NoSuchBucket"
    http_status = 404


class NoSuchKey(S3Error, LookupError):
    """``NoSuchKey`` (404): the key does not exist, or its current version is a marker."""

    code = "NoSuchKey"
    http_status = 404


class NoSuchVersion(S3Error, LookupError):
    """``NoSuchVersion`` (404): the version id does not exist for this key."""

    code = "NoSuchVersion"
    http_status = 404


class NoSuchObjectLockConfiguration(S3Error, LookupError):
    """``NoSuchObjectLockConfiguration`` (404): the version has no retention or legal hold."""

    code = "NoSuchObjectLockConfiguration"
    http_status = 404


class NoSuchBucketPolicy(S3Error, LookupError):
    """``NoSuchBucketPolicy`` (404): the bucket has no policy."""

    code = "NoSuchBucketPolicy"
    http_status = 404


class NoSuchEntity(S3Error, LookupError):
    """``NoSuchEntity`` (404): an IAM entity (such as a role) does not exist."""

    code = "NoSuchEntity"
    http_status = 404


class ReplicationConfigurationNotFoundError(S3Error, LookupError):
    """``ReplicationConfigurationNotFoundError`` (404): no replication configuration."""

    code = "ReplicationConfigurationNotFoundError"
    http_status = 404


class ObjectLockConfigurationNotFoundError(S3Error, LookupError):
    """``ObjectLockConfigurationNotFoundError`` (404): no Object Lock configuration."""

    code = "ObjectLockConfigurationNotFoundError"
    http_status = 404


class OwnershipControlsNotFoundError(S3Error, LookupError):
    """``OwnershipControlsNotFoundError`` (404): no ownership controls."""

    code = "OwnershipControlsNotFoundError"
    http_status = 404


class ServerSideEncryptionConfigurationNotFoundError(S3Error, LookupError):
    """``ServerSideEncryptionConfigurationNotFoundError`` (404): no default encryption."""

    code = "ServerSideEncryptionConfigurationNotFoundError"
    http_status = 404


# --- 405 / 409: state ------------------------------------------------------------------


class MethodNotAllowed(S3Error, ValueError):
    """``MethodNotAllowed`` (405): the method is not allowed on this resource."""

    code = "MethodNotAllowed"
    http_status = 405


class BucketAlreadyExists(S3Error, ValueError):
    """``BucketAlreadyExists`` (409): another account owns a bucket of that name."""

    code = "BucketAlreadyExists"
    http_status = 409


class BucketAlreadyOwnedByYou(S3Error, ValueError):
    """``BucketAlreadyOwnedByYou`` (409): you already own a bucket of that name."""

    code = "BucketAlreadyOwnedByYou"
    http_status = 409


class BucketNotEmpty(S3Error, ValueError):
    """``BucketNotEmpty`` (409): the bucket still holds versions or delete markers."""

    code = "BucketNotEmpty"
    http_status = 409


class InvalidBucketState(S3Error, ValueError):
    """``InvalidBucketState`` (409): the bucket's state forbids the request."""

    code = "InvalidBucketState"
    http_status = 409


# --- S3 Control (Batch Operations jobs) ------------------------------------------------


class BadRequestException(S3Error, ValueError):
    """``BadRequestException`` (400): S3 Control refuses a job request's parameters."""

    code = "BadRequestException"
    http_status = 400


class NotFoundException(S3Error, LookupError):
    """``NotFoundException`` (404): S3 Control has no such job in the account."""

    code = "NotFoundException"
    http_status = 404


class JobStatusException(S3Error, ValueError):
    """``JobStatusException`` (409): the job's status does not allow the change asked for."""

    code = "JobStatusException"
    http_status = 409


class IdempotencyException(S3Error, ValueError):
    """``IdempotencyException`` (409): a client request token reused for another request."""

    code = "IdempotencyException"
    http_status = 409


def error_class(code: str) -> type[S3Error]:
    """Return the :class:`~s3repl.errors.S3Error` subclass for an AWS error code.

    Raises:
        KeyError: when s3repl has no class for ``code``.
    """
    return _BY_CODE[code]


_BY_CODE: dict[str, type[S3Error]] = {
    cls.code: cls
    for cls in (
        InvalidRequest,
        InvalidArgument,
        MalformedXML,
        MalformedPolicy,
        MalformedACLError,
        AccessControlListNotSupported,
        InvalidBucketName,
        InvalidTag,
        InvalidStorageClass,
        MetadataTooLarge,
        EntityTooLarge,
        IllegalVersioningConfigurationException,
        KMSNotFoundException,
        KMSDisabledException,
        AccessDenied,
        NoSuchBucket,
        NoSuchKey,
        NoSuchVersion,
        NoSuchObjectLockConfiguration,
        NoSuchBucketPolicy,
        NoSuchEntity,
        ReplicationConfigurationNotFoundError,
        ObjectLockConfigurationNotFoundError,
        OwnershipControlsNotFoundError,
        ServerSideEncryptionConfigurationNotFoundError,
        MethodNotAllowed,
        BucketAlreadyExists,
        BucketAlreadyOwnedByYou,
        BucketNotEmpty,
        InvalidBucketState,
        BadRequestException,
        NotFoundException,
        JobStatusException,
        IdempotencyException,
    )
}


# --- usage errors of the simulator -------------------------------------------------------


class UsageError(S3ReplError):
    """The simulator was used in a way that has no S3 meaning."""


class NothingPendingError(UsageError, LookupError):
    """``Engine.step()`` was called while no replication task is pending."""


class UnknownTaskError(UsageError, LookupError):
    """``Engine.step(task)`` named a task that is not pending."""


class StepLimitExceededError(UsageError, RuntimeError):
    """``Engine.run(steps_max=...)`` reached its bound with tasks still pending."""


class UnsupportedConditionError(UsageError, ValueError):
    """An IAM policy uses a condition operator s3repl does not evaluate.

    s3repl refuses such a policy rather than ignoring the condition silently.
    """
