"""S3 object operations: writes, reads, deletes and the object's sub-resources.

Each maps boto3's parameters onto one public ``Engine`` call and the version it
answers onto boto3's output shape (:func:`object_headers`), nothing more.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import urllib.parse
from collections.abc import Mapping
from typing import Any

from s3repl.aws._http import Caller, ServiceError
from s3repl.aws._operations._errors import service_error
from s3repl.aws._operations._params import Params
from s3repl.aws._operations._s3_checksums import checksum_sent, recorded, remember
from s3repl.aws._operations._state import BackendState, Handler
from s3repl.codec import acl_to_dict, tagging_from_dict
from s3repl.errors import InvalidRequest, InvalidTag, MethodNotAllowed, NoSuchKey
from s3repl.model import (
    DeleteMarker,
    ObjectVersion,
    ServerSideEncryption,
    StorageClass,
    VersioningStatus,
)

__all__ = [
    "OBJECT_OPERATIONS",
    "check_content_md5",
    "object_headers",
    "parse_tagging",
    "refuse_unmodelled",
    "write_options",
]

_BINARY = "binary/octet-stream"
_COPY_TO_ITSELF = (
    "This copy request is illegal because it is trying to copy an object to itself without "
    "changing the object's metadata, storage class, website redirect location or encryption "
    "attributes."
)
# Reading an SSE-C object without its key (S3 API reference, "Server-side encryption
# with customer-provided keys": the same headers must be sent on GET and HEAD).
_SSE_C_NEEDS_KEY = (
    "The object was stored using a form of Server Side Encryption. The correct parameters "
    "must be provided to retrieve the object."
)
# Parameters s3repl does not model and that change the answer: refused, never ignored.
_CONDITIONS = ("IfMatch", "IfNoneMatch")
_UNMODELLED_READS = ("Range", "PartNumber", *_CONDITIONS, "IfModifiedSince", "IfUnmodifiedSince")
# Explicit grants as headers: s3repl takes ACL (canned) or AccessControlPolicy instead.
_GRANTS = ("GrantFullControl", "GrantRead", "GrantReadACP", "GrantWriteACP")
_UNMODELLED_WRITES = (*_CONDITIONS, "WriteOffsetBytes", *_GRANTS)
_UNMODELLED_DELETES = ("IfMatch", "IfMatchLastModifiedTime", "IfMatchSize")


def refuse_unmodelled(p: Params, names: tuple[str, ...], operation: str) -> None:
    """Answer ``NotImplemented`` (501) if the call uses a parameter s3repl does not model."""
    for name in names:
        if p.has(name):
            msg = f"s3repl does not model {name} on {operation}"
            raise ServiceError("NotImplemented", msg, http_status=501)


def check_content_md5(p: Params, body: bytes) -> None:
    """Check ``ContentMD5`` (base64 of the body's MD5) as S3 does.

    Raises:
        ServiceError: ``InvalidDigest`` when it is no base64 MD5, ``BadDigest`` when it
            is another body's.
    """
    given = p.optional_text("ContentMD5")
    if given is None:
        return
    try:
        digest = base64.b64decode(given, validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != hashlib.md5(usedforsecurity=False).digest_size:
        raise ServiceError("InvalidDigest", "The Content-MD5 you specified was invalid.")
    if digest != hashlib.md5(body, usedforsecurity=False).digest():
        raise ServiceError(
            "BadDigest", "The Content-MD5 you specified did not match what we received."
        )


def parse_tagging(tagging: str | None) -> dict[str, str] | None:
    """The ``x-amz-tagging`` form (``a=b&c=d``, URL-encoded) as a tag dict.

    Raises:
        InvalidTag: a key appears twice.
    """
    if tagging is None:
        return None
    tags: dict[str, str] = {}
    for key, value in urllib.parse.parse_qsl(tagging, keep_blank_values=True):
        if key in tags:
            msg = "Cannot provide multiple Tags with the same key"
            raise InvalidTag(msg)
        tags[key] = value
    return tags


def _encryption_headers(version: ObjectVersion) -> dict[str, Any]:
    sse = version.server_side_encryption
    if sse is ServerSideEncryption.NONE:
        return {}
    if sse is ServerSideEncryption.SSE_C:
        return {"SSECustomerAlgorithm": "AES256"}
    out: dict[str, Any] = {"ServerSideEncryption": sse.value}
    if version.sse_kms_key_id is not None:
        out["SSEKMSKeyId"] = version.sse_kms_key_id
    return out


def object_headers(version: ObjectVersion, versioning: VersioningStatus) -> dict[str, Any]:
    """What HeadObject (and GetObject, besides the body) answers for ``version``.

    ``VersionId`` only once the bucket has had versioning; ``StorageClass`` only when
    not ``STANDARD``; ``ReplicationStatus`` only for versions a rule selected (R-121).
    """
    out: dict[str, Any] = {
        "AcceptRanges": "bytes",
        "LastModified": version.last_modified,
        "ContentLength": version.size,
        "ETag": version.etag,
        "ContentType": version.content_type,
        "Metadata": dict(version.metadata),
    }
    if versioning is not VersioningStatus.UNVERSIONED:
        out["VersionId"] = version.version_id
    out.update(_encryption_headers(version))
    if version.storage_class is not StorageClass.STANDARD:
        out["StorageClass"] = version.storage_class.value
    if version.replication_status is not None:
        out["ReplicationStatus"] = version.replication_status.value
    if version.object_lock_mode is not None:
        out["ObjectLockMode"] = version.object_lock_mode.value
    if version.object_lock_retain_until_date is not None:
        out["ObjectLockRetainUntilDate"] = version.object_lock_retain_until_date
    if version.object_lock_legal_hold_status is not None:
        out["ObjectLockLegalHoldStatus"] = version.object_lock_legal_hold_status.value
    return out


def write_options(p: Params) -> dict[str, Any]:
    """The engine keywords of a write (PutObject, CreateMultipartUpload) from boto3's names."""
    return {
        "metadata": p.string_map("Metadata"),
        "tags": parse_tagging(p.optional_text("Tagging")),
        "storage_class": p.optional_text("StorageClass") or StorageClass.STANDARD,
        "server_side_encryption": p.optional_text("ServerSideEncryption"),
        "sse_kms_key_id": p.optional_text("SSEKMSKeyId"),
    }


def _object(p: Params) -> tuple[str, str]:
    """The ``Bucket`` and ``Key`` an object call names."""
    return p.text("Bucket"), p.text("Key")


def _at_version(p: Params, caller: Caller) -> dict[str, Any]:
    """The keywords of an object sub-resource call: the version it names, and the caller."""
    return {"version_id": p.optional_text("VersionId"), "account": caller.account}


def _versioning(state: BackendState, bucket: str) -> VersioningStatus:
    return state.engine.head_bucket(bucket).versioning


def _put_object(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    refuse_unmodelled(p, _UNMODELLED_WRITES, "PutObject")
    bucket, key, body = p.text("Bucket"), p.text("Key"), p.blob("Body")
    check_content_md5(p, body)
    checksum = checksum_sent(p, body)
    version = state.engine.put_object(
        bucket,
        key,
        body,
        content_type=p.optional_text("ContentType") or _BINARY,
        acl=p.optional_text("ACL"),
        sse_customer_algorithm=p.optional_text("SSECustomerAlgorithm"),
        sse_customer_key=p.optional_text("SSECustomerKey"),
        object_lock_mode=p.optional_text("ObjectLockMode"),
        object_lock_retain_until_date=p.optional_time("ObjectLockRetainUntilDate"),
        object_lock_legal_hold_status=p.optional_text("ObjectLockLegalHoldStatus"),
        account=caller.account,
        **write_options(p),
    )
    remember(state, (bucket, key, version.version_id), checksum)
    out: dict[str, Any] = {"ETag": version.etag, **_encryption_headers(version)}
    if checksum is not None:
        out[checksum[0]] = checksum[1]
    if _versioning(state, bucket) is not VersioningStatus.UNVERSIONED:
        out["VersionId"] = version.version_id
    if p.has("SSECustomerKeyMD5"):
        out["SSECustomerKeyMD5"] = p.text("SSECustomerKeyMD5")
    return out


def _read(state: BackendState, p: Params, caller: Caller, method: str) -> ObjectVersion:
    """The version a GetObject / HeadObject names, or S3's error with its headers."""
    refuse_unmodelled(p, _UNMODELLED_READS, f"{method} object")
    bucket, key = p.text("Bucket"), p.text("Key")
    version_id = p.optional_text("VersionId")
    try:
        version = state.engine.get_object(
            bucket, key, version_id=version_id, account=caller.account
        )
    except NoSuchKey as err:
        error = service_error("s3", err, {"Key": key})
        marker = state.engine.current_version(bucket, key)
        if isinstance(marker, DeleteMarker):
            error.headers.update(
                {"x-amz-delete-marker": "true", "x-amz-version-id": marker.version_id}
            )
        raise error from err
    except MethodNotAllowed as err:
        error = service_error("s3", err, {})
        error.fields.update({"Method": method, "ResourceType": "DeleteMarker"})
        error.headers.update(
            {"x-amz-delete-marker": "true", "x-amz-version-id": version_id or "", "Allow": "DELETE"}
        )
        raise error from err
    if version.server_side_encryption is ServerSideEncryption.SSE_C and not p.has(
        "SSECustomerAlgorithm"
    ):
        raise ServiceError("InvalidRequest", _SSE_C_NEEDS_KEY)
    return version


def _read_headers(state: BackendState, p: Params, version: ObjectVersion) -> dict[str, Any]:
    """:func:`object_headers`, and the kept checksum when the reader asks for it."""
    bucket = p.text("Bucket")
    out = object_headers(version, _versioning(state, bucket))
    if p.optional_text("ChecksumMode") == "ENABLED":
        checksum = recorded(state, (bucket, version.key, version.version_id))
        if checksum is not None:
            out[checksum[0]] = checksum[1]
    return out


def _get_object(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    version = _read(state, p, caller, "GET")
    out = _read_headers(state, p, version)
    out["Body"] = version.body
    if version.tags:
        out["TagCount"] = len(version.tags)
    return out


def _head_object(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    return _read_headers(state, p, _read(state, p, caller, "HEAD"))


def _copy_source(p: Params) -> tuple[str, str, str | None]:
    """``(bucket, key, version_id)`` of ``CopySource``: ``bucket/key?versionId=`` or a dict."""
    source = p.raw("CopySource")
    if isinstance(source, Mapping):
        bucket, key = source.get("Bucket"), source.get("Key")
        version_id = source.get("VersionId")
    elif isinstance(source, str):
        path, _, query = source.partition("?")
        bucket, _, key = urllib.parse.unquote(path).lstrip("/").partition("/")
        version_id = dict(urllib.parse.parse_qsl(query)).get("versionId")
    else:
        raise p.invalid("CopySource", "missing required parameter")
    if not isinstance(bucket, str) or not bucket or not isinstance(key, str) or not key:
        raise p.invalid("CopySource", "expected bucket/key")
    return bucket, key, version_id if isinstance(version_id, str) else None


def _directive(p: Params, name: str) -> bool:
    """Whether ``<name>Directive`` is ``REPLACE`` (default ``COPY``)."""
    value = p.optional_text(f"{name}Directive") or "COPY"
    if value not in ("COPY", "REPLACE"):
        raise p.invalid(f"{name}Directive", f"{value!r} is not COPY or REPLACE")
    return value == "REPLACE"


def _copy_object(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    bucket, key = p.text("Bucket"), p.text("Key")
    src_bucket, src_key, src_version = _copy_source(p)
    replace_metadata, replace_tags = _directive(p, "Metadata"), _directive(p, "Tagging")
    storage_class = p.optional_text("StorageClass")
    source = state.engine.head_object(
        src_bucket, src_key, version_id=src_version, account=caller.account
    )
    if (src_bucket, src_key) == (bucket, key) and not replace_metadata and storage_class is None:
        raise InvalidRequest(_COPY_TO_ITSELF, bucket_name=bucket)
    copy = state.engine.copy_object(
        bucket,
        key,
        {"Bucket": src_bucket, "Key": src_key, "VersionId": source.version_id},
        metadata=(p.string_map("Metadata") or {}) if replace_metadata else None,
        tags=(parse_tagging(p.optional_text("Tagging")) or {}) if replace_tags else None,
        storage_class=storage_class,
        account=caller.account,
    )
    # The copy keeps the source's checksum: the same bytes, the same algorithm.
    checksum = recorded(state, (src_bucket, src_key, source.version_id))
    remember(state, (bucket, key, copy.version_id), checksum)
    result: dict[str, Any] = {"ETag": copy.etag, "LastModified": copy.last_modified}
    if checksum is not None:
        result[checksum[0]] = checksum[1]
    out: dict[str, Any] = {"CopyObjectResult": result, **_encryption_headers(copy)}
    if _versioning(state, bucket) is not VersioningStatus.UNVERSIONED:
        out["VersionId"] = copy.version_id
    if _versioning(state, src_bucket) is not VersioningStatus.UNVERSIONED:
        out["CopySourceVersionId"] = source.version_id
    return out


def _delete_object(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    refuse_unmodelled(p, _UNMODELLED_DELETES, "DeleteObject")
    version_id = p.optional_text("VersionId")
    result = state.engine.delete_object(
        p.text("Bucket"),
        p.text("Key"),
        version_id=version_id,
        bypass_governance_retention=p.flag("BypassGovernanceRetention"),
        account=caller.account,
    )
    out: dict[str, Any] = {}
    if result.delete_marker:
        out["DeleteMarker"] = True
    if result.version_id is not None:
        out["VersionId"] = result.version_id
    return out


def _delete_targets(p: Params) -> list[tuple[str, str | None]]:
    objects = p.mapping("Delete").get("Objects")
    if not isinstance(objects, list | tuple):
        raise p.invalid("Delete.Objects", "missing required parameter")
    targets: list[tuple[str, str | None]] = []
    for index, entry in enumerate(objects):
        key = entry.get("Key") if isinstance(entry, Mapping) else None
        version_id = entry.get("VersionId") if isinstance(entry, Mapping) else None
        if not isinstance(key, str) or not isinstance(version_id, str | None):
            raise p.invalid(f"Delete.Objects[{index}]", "expected {Key, VersionId?}")
        targets.append((key, version_id))
    return targets


def _delete_objects(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    quiet = p.mapping("Delete").get("Quiet") is True
    result = state.engine.delete_objects(
        p.text("Bucket"),
        _delete_targets(p),
        bypass_governance_retention=p.flag("BypassGovernanceRetention"),
        account=caller.account,
    )
    out: dict[str, Any] = {}
    if not quiet:
        deleted = []
        for item in result.deleted:
            entry: dict[str, Any] = {"Key": item.key}
            if item.version_id is not None:
                entry["VersionId"] = item.version_id
            if item.delete_marker:
                entry["DeleteMarker"] = True
                entry["DeleteMarkerVersionId"] = item.delete_marker_version_id
            deleted.append(entry)
        out["Deleted"] = deleted
    if result.errors:
        out["Errors"] = [
            {"Key": e.key, "Code": e.code, "Message": e.message}
            | ({} if e.version_id is None else {"VersionId": e.version_id})
            for e in result.errors
        ]
    return out


def _put_object_tagging(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    version = state.engine.put_object_tagging(
        *_object(p),
        tagging_from_dict(p.mapping("Tagging")),
        **_at_version(p, caller),
    )
    return {"VersionId": version.version_id}


def _get_object_tagging(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    bucket, key, version_id = p.text("Bucket"), p.text("Key"), p.optional_text("VersionId")
    tags = state.engine.get_object_tagging(
        bucket, key, version_id=version_id, account=caller.account
    )
    if version_id is None:  # the current version's id (no object read: tags only)
        current = state.engine.current_version(bucket, key)
        version_id = None if current is None else current.version_id
    return {
        "VersionId": version_id,
        "TagSet": [{"Key": k, "Value": v} for k, v in tags.items()],
    }


def _delete_object_tagging(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    version = state.engine.delete_object_tagging(
        *_object(p),
        **_at_version(p, caller),
    )
    return {"VersionId": version.version_id}


def _put_object_acl(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    refuse_unmodelled(p, (*_GRANTS, "GrantWrite"), "PutObjectAcl")
    state.engine.put_object_acl(
        *_object(p),
        acl=p.optional_text("ACL"),
        access_control_policy=p.optional_mapping("AccessControlPolicy"),
        **_at_version(p, caller),
    )
    return {}


def _get_object_acl(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    acl = state.engine.get_object_acl(
        *_object(p),
        **_at_version(p, caller),
    )
    return acl_to_dict(acl)


def _put_object_retention(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    retention = Params(p.mapping("Retention"), "s3")
    mode, until = retention.text("Mode"), retention.optional_time("RetainUntilDate")
    if until is None:
        raise p.invalid("Retention.RetainUntilDate", "missing required parameter")
    state.engine.put_object_retention(
        *_object(p),
        mode=mode,
        retain_until_date=until,
        **_at_version(p, caller),
    )
    return {}


def _get_object_retention(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    retention = state.engine.get_object_retention(
        *_object(p),
        **_at_version(p, caller),
    )
    return {
        "Retention": {
            "Mode": retention.mode.value,
            "RetainUntilDate": retention.retain_until_date,
        }
    }


def _put_object_legal_hold(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    status = Params(p.mapping("LegalHold"), "s3").text("Status")
    state.engine.put_object_legal_hold(
        *_object(p),
        status=status,
        **_at_version(p, caller),
    )
    return {}


def _get_object_legal_hold(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    status = state.engine.get_object_legal_hold(
        *_object(p),
        **_at_version(p, caller),
    )
    return {"LegalHold": {"Status": status.value}}


OBJECT_OPERATIONS: dict[str, Handler] = {
    "PutObject": _put_object,
    "CopyObject": _copy_object,
    "GetObject": _get_object,
    "HeadObject": _head_object,
    "DeleteObject": _delete_object,
    "DeleteObjects": _delete_objects,
    "PutObjectTagging": _put_object_tagging,
    "GetObjectTagging": _get_object_tagging,
    "DeleteObjectTagging": _delete_object_tagging,
    "PutObjectAcl": _put_object_acl,
    "GetObjectAcl": _get_object_acl,
    "PutObjectRetention": _put_object_retention,
    "GetObjectRetention": _get_object_retention,
    "PutObjectLegalHold": _put_object_legal_hold,
    "GetObjectLegalHold": _get_object_legal_hold,
}
