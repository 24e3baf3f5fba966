"""S3 listings: ListObjectsV2 and ListObjectVersions, one engine page each.

``EncodingType=url`` (which botocore adds by itself and then decodes) is answered as
S3 does: keys and prefixes URL-encoded, and ``EncodingType`` echoed so the client
knows to decode them.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any

from s3repl.aws._http import Caller, ServiceError
from s3repl.aws._operations._params import Params
from s3repl.aws._operations._s3_checksums import algorithm_of, recorded
from s3repl.aws._operations._state import BackendState, Handler
from s3repl.model import ObjectVersion

__all__ = ["LISTING_OPERATIONS"]

_DEFAULT_MAX_KEYS = 1000


def _encoder(p: Params) -> Callable[[str], str]:
    encoding = p.optional_text("EncodingType")
    if encoding is None:
        return lambda text: text
    if encoding != "url":
        raise p.invalid("EncodingType", f"{encoding!r} is not url")
    return lambda text: urllib.parse.quote_plus(text, safe="/")


def _list_objects_v2(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    bucket = p.text("Bucket")
    prefix, delimiter = p.optional_text("Prefix") or "", p.optional_text("Delimiter") or ""
    max_keys = p.optional_int("MaxKeys")
    max_keys = _DEFAULT_MAX_KEYS if max_keys is None else max_keys
    token, start_after = p.optional_text("ContinuationToken"), p.optional_text("StartAfter")
    encode = _encoder(p)
    page = state.engine.list_objects_v2(
        bucket,
        prefix=prefix,
        delimiter=delimiter,
        max_keys=max_keys,
        continuation_token=token,
        start_after=start_after or "",
        account=caller.account,
    )
    fetch_owner = p.flag("FetchOwner")
    out: dict[str, Any] = {
        "IsTruncated": page.is_truncated,
        "Name": bucket,
        "Prefix": encode(prefix),
        "MaxKeys": max_keys,
        "KeyCount": page.key_count,
    }
    if page.contents:
        out["Contents"] = [
            _listed(v, encode, owner=fetch_owner) | _checksum_algorithm(state, bucket, v)
            for v in page.contents
        ]
    if page.common_prefixes:
        out["CommonPrefixes"] = [{"Prefix": encode(cp)} for cp in page.common_prefixes]
    if delimiter:
        out["Delimiter"] = encode(delimiter)
    if token is not None:
        out["ContinuationToken"] = token
    if page.next_continuation_token is not None:
        out["NextContinuationToken"] = page.next_continuation_token
    if start_after:
        out["StartAfter"] = encode(start_after)
    if p.has("EncodingType"):
        out["EncodingType"] = "url"
    return out


def _checksum_algorithm(state: BackendState, bucket: str, version: ObjectVersion) -> dict[str, Any]:
    """``ChecksumAlgorithm`` of a listed version whose upload carried a checksum."""
    checksum = recorded(state, (bucket, version.key, version.version_id))
    return {} if checksum is None else {"ChecksumAlgorithm": [algorithm_of(checksum)]}


def _listed(version: ObjectVersion, encode: Callable[[str], str], *, owner: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Key": encode(version.key),
        "LastModified": version.last_modified,
        "ETag": version.etag,
        "Size": version.size,
        "StorageClass": version.storage_class.value,
    }
    if owner:
        entry["Owner"] = {"ID": version.owner}
    return entry


def _list_object_versions(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    if p.has("Delimiter"):
        raise ServiceError(
            "NotImplemented",
            "s3repl does not model Delimiter on ListObjectVersions",
            http_status=501,
        )
    bucket = p.text("Bucket")
    prefix = p.optional_text("Prefix") or ""
    key_marker, version_id_marker = p.optional_text("KeyMarker"), p.optional_text("VersionIdMarker")
    max_keys = p.optional_int("MaxKeys")
    max_keys = _DEFAULT_MAX_KEYS if max_keys is None else max_keys
    encode = _encoder(p)
    page = state.engine.list_object_versions_page(
        bucket,
        prefix=prefix,
        key_marker=key_marker or "",
        version_id_marker=version_id_marker,
        max_keys=max_keys,
        account=caller.account,
    )
    versions: list[dict[str, Any]] = []
    markers: list[dict[str, Any]] = []
    for entry in page.entries:
        common = {
            "Key": encode(entry.key),
            "VersionId": entry.version_id,
            "IsLatest": entry.is_latest,
            "LastModified": entry.last_modified,
            "Owner": {"ID": entry.owner},
        }
        if isinstance(entry, ObjectVersion):
            common.update(ETag=entry.etag, Size=entry.size, StorageClass=entry.storage_class.value)
            versions.append(common | _checksum_algorithm(state, bucket, entry))
        else:
            markers.append(common)
    out: dict[str, Any] = {
        "IsTruncated": page.is_truncated,
        "KeyMarker": encode(key_marker or ""),
        "VersionIdMarker": version_id_marker or "",
        "Name": bucket,
        "Prefix": encode(prefix),
        "MaxKeys": max_keys,
    }
    if versions:
        out["Versions"] = versions
    if markers:
        out["DeleteMarkers"] = markers
    if page.next_key_marker is not None:
        out["NextKeyMarker"] = encode(page.next_key_marker)
        out["NextVersionIdMarker"] = page.next_version_id_marker
    if p.has("EncodingType"):
        out["EncodingType"] = "url"
    return out


LISTING_OPERATIONS: dict[str, Handler] = {
    "ListObjectsV2": _list_objects_v2,
    "ListObjectVersions": _list_object_versions,
}
