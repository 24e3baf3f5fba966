"""The engine's errors in each service's own words: the one place that renames codes.

The engine speaks S3 (its errors are :class:`~s3repl.errors.S3Error`); IAM and KMS name
the same failures differently (``MalformedPolicyDocument``, ``NotFoundException``), so
each service has a table from the engine's code to its own code and status.  Anything
not in a table keeps the engine's code and status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from s3repl.aws._http import ServiceError
from s3repl.errors import S3Error, S3ReplError, UnsupportedConditionError

__all__ = ["not_implemented", "service_error"]

# engine code -> (the service's code, HTTP status)
_RENAMES: dict[str, dict[str, tuple[str, int]]] = {
    "iam": {
        "MalformedPolicy": ("MalformedPolicyDocument", 400),
        "InvalidArgument": ("ValidationError", 400),
    },
    "kms": {
        "KMS.NotFoundException": ("NotFoundException", 400),
        "KMS.DisabledException": ("DisabledException", 400),
        "AccessDenied": ("AccessDeniedException", 400),
        "InvalidArgument": ("ValidationException", 400),
        "MalformedPolicy": ("MalformedPolicyDocumentException", 400),
    },
    # S3 Control's model names its request errors BadRequestException and
    # InvalidRequestException (s3control service-2).
    "s3control": {"InvalidRequest": ("InvalidRequestException", 400)},
}
# S3 names the key (and the version) in these errors' bodies instead of the bucket
# (emulators that copy AWS's bodies agree: <Key> but no <BucketName> for NoSuchKey).
_S3_KEY_FIELDS = {"NoSuchKey": ("Key",), "NoSuchVersion": ("Key", "VersionId")}
# Errors whose S3 body names no bucket, whatever the engine knows.
_S3_NO_BUCKET_FIELD = frozenset({"AccessDenied", "MethodNotAllowed", *_S3_KEY_FIELDS})


def not_implemented(operation: str) -> ServiceError:
    """The answer to an operation s3repl does not model (501, as S3's ``NotImplemented``)."""
    return ServiceError("NotImplemented", f"s3repl does not implement {operation}", http_status=501)


def service_error(service: str, err: S3ReplError, params: Mapping[str, Any]) -> ServiceError:
    """``err`` as ``service`` answers it.

    Args:
        service: ``"s3"``, ``"iam"``, ``"kms"`` or ``"sts"``.
        err: what the engine (or a model value, or a policy parser) raised.
        params: the call's parameters, for the fields S3 echoes (``Key``, ``VersionId``).
    """
    if isinstance(err, UnsupportedConditionError):
        code = "MalformedPolicyDocument" if service == "iam" else "MalformedPolicy"
        if service == "kms":
            code = "MalformedPolicyDocumentException"
        return ServiceError(code, str(err), http_status=400)
    if not isinstance(err, S3Error):
        return ServiceError("InternalError", str(err), http_status=500, sender_fault=False)
    code, status = _RENAMES.get(service, {}).get(err.code, (err.code, err.http_status))
    fields: dict[str, str] = {}
    if service == "s3":
        if err.bucket_name is not None and err.code not in _S3_NO_BUCKET_FIELD:
            fields["BucketName"] = err.bucket_name
        for name in _S3_KEY_FIELDS.get(err.code, ()):
            value = params.get(name)
            if isinstance(value, str):
                fields[name] = value
    return ServiceError(code, err.message, http_status=status, fields=fields)
