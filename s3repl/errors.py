"""The exception tree of s3repl.

Every exception the library raises derives from :class:`S3ReplError`.  Errors that
Amazon S3 itself would return derive from :class:`~s3repl.errors.S3Error` and are named exactly as
the AWS error code, so ``except s3repl.errors.NoSuchBucket`` reads like the AWS
documentation.  Each leaf also inherits the builtin exception a Python caller would
expect (``LookupError`` for missing things, ``ValueError`` for bad input,
``PermissionError`` for refusals), so generic handlers keep working.

Usage errors of the simulator itself (stepping an empty queue, exceeding a step
bound, a bad argument to a control such as ``advance``) are separate: they are not S3
errors and carry no AWS code.
"""

from __future__ import annotations

import dataclasses
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
    "InvalidArgumentType",
    "InvalidBucketName",
    "InvalidBucketState",
    "InvalidRequest",
    "InvalidStorageClass",
    "InvalidTag",
    "InvalidUsageError",
    "JobStatusException",
    "KMSDisabledException",
    "KMSInvalidStateException",
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
    "Violation",
    "error_class",
]


class S3ReplError(Exception):
    """Root of every exception raised by s3repl."""


@dataclasses.dataclass(frozen=True)
class Violation:
    """One schema violation of a document given as a dict (boto3's parameter form).

    Attributes:
        element: the offending element as an XML path with 1-based indices, e.g.
            ``ReplicationConfiguration/Rule[1]/Priority`` (what :attr:`S3Error.element`
            names).
        message: what is wrong and what was expected, naming the boto3 parameter path
            (``Rules[0].Priority``), in the words of botocore's parameter validation.
    """

    element: str
    message: str


class S3Error(S3ReplError):
    """An error that Amazon S3 itself would return.

    Attributes:
        code: the AWS error code, for example ``"NoSuchBucket"``.
        message: the message AWS returns, verbatim where it has been observed.
        http_status: the HTTP status code of the AWS response.
        bucket_name: the bucket AWS names in the error body, or ``None``.
        element: the path of the offending element of a document, or ``None``.
        violations: every schema violation found in a document given as a dict, all
            at once (the first is at :attr:`element`); empty otherwise.
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
        self.violations: tuple[Violation, ...] = ()

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

    def _places(self) -> list[str]:
        """What the error names, as rendered in ``str()``: bucket, element (subclasses add)."""
        where = []
        if self.bucket_name is not None:
            where.append(f"bucket {self.bucket_name!r}")
        if self.element is not None:
            where.append(f"element {self.element}")
        return where

    def __str__(self) -> str:
        """Render as ``Code (status): message``, naming the bucket or element."""
        where = self._places()
        suffix = f" [{', '.join(where)}]" if where else ""
        details = "".join(f"\n  {v.element}: {v.message}" for v in self.violations)
        return f"{self.code} ({self.http_status}): {self.message}{suffix}{details}"

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


class InvalidArgumentType(InvalidArgument, TypeError):
    """``InvalidArgument`` (400) for a Python value of the wrong type (also a ``TypeError``).

    S3 answers a request it cannot read with ``InvalidArgument``; a Python caller who
    passes ``None`` for a part body, or a number for a document, expects ``TypeError``.
    This error is both, so ``except TypeError`` and ``except S3Error`` both catch it.
    """


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


class KMSInvalidStateException(S3Error, ValueError):
    """``KMS.KMSInvalidStateException`` (400): the KMS key is pending deletion."""

    code = "KMS.KMSInvalidStateException"
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
    """``NoSuchKey`` (404): the key does not exist, or its current version is a marker.

    Attributes:
        key: the key asked for (S3 names it in the error body's ``Key``), or ``None``.
        delete_marker_version_id: the version id of the delete marker that is the key's
            current version (S3 then sends ``x-amz-delete-marker: true`` and
            ``x-amz-version-id``), or ``None`` when the key has no version at all.
    """

    code = "NoSuchKey"
    http_status = 404

    def __init__(
        self,
        message: str,
        *,
        bucket_name: str | None = None,
        element: str | None = None,
        key: str | None = None,
        delete_marker_version_id: str | None = None,
    ) -> None:
        super().__init__(message, bucket_name=bucket_name, element=element)
        self.key = key
        self.delete_marker_version_id = delete_marker_version_id

    @property
    def is_delete_marker(self) -> bool:
        """Whether the key exists and its current version is a delete marker."""
        return self.delete_marker_version_id is not None

    @property
    def response(self) -> Mapping[str, Any]:
        """As :attr:`S3Error.response`, with ``Error.Key`` and the delete-marker headers."""
        response = dict(super().response)
        error = dict(response["Error"])
        if self.key is not None:
            error["Key"] = self.key
        metadata = dict(response["ResponseMetadata"])
        if self.delete_marker_version_id is not None:
            metadata["HTTPHeaders"] = {
                "x-amz-delete-marker": "true",
                "x-amz-version-id": self.delete_marker_version_id,
            }
        return {"Error": error, "ResponseMetadata": metadata}

    def _places(self) -> list[str]:
        where = super()._places()
        if self.key is not None:
            where.insert(1 if self.bucket_name is not None else 0, f"key {self.key!r}")
        if self.delete_marker_version_id is not None:
            where.append(
                "the current version is a delete marker "
                f"(version id {self.delete_marker_version_id})"
            )
        return where


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


class InvalidUsageError(UsageError, ValueError, TypeError):
    """A simulator control got an argument it cannot use (``advance(seconds=nan)``).

    Raised by the engine's own controls (its seed, ``advance``, ``set_faults``), which
    have no S3 meaning. It is a ``ValueError`` and a ``TypeError`` too, so callers that
    catch either (as for Python's own bad arguments) keep working.
    """


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
