"""Object versions and delete markers, as S3 reports them and as the engine stores them.

A stored version never changes; the engine replaces it with an evolved copy when its
replication status or metadata changes.  ``is_latest`` is filled in when the engine
answers a read, because it depends on the version's neighbours, not on the version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from s3repl.model._fastbuild import builders, copier
from s3repl.model._frozenmap import EMPTY, FrozenMap
from s3repl.model.acl import Acl
from s3repl.model.enums import (
    FailureReason,
    ObjectLockLegalHoldStatus,
    ObjectLockMode,
    ReplicationStatus,
    ServerSideEncryption,
    StorageClass,
)

__all__ = [
    "NULL_VERSION_ID",
    "DeleteMarker",
    "ObjectVersion",
    "evolve_version",
    "new_object_version",
    "with_statuses",
]

#: The version id of versions written while versioning is off or suspended.
NULL_VERSION_ID = "null"

_NO_STATUSES: FrozenMap[str, ReplicationStatus] = EMPTY
_NO_REASONS: FrozenMap[str, FailureReason] = EMPTY


@attrs.frozen(kw_only=True, weakref_slot=False)
class ObjectVersion:
    """One version of an object.

    Attributes:
        key: the object key.
        version_id: S3's version id (``"null"`` on unversioned buckets).
        last_modified: the creation time; replicas keep the source's (R-083, R-142).
        etag: the entity tag (quoted hex MD5, or the multipart form ``"...-N"``).
        size: the body length in bytes.
        owner: the owning account id.
        storage_class: the storage class.
        metadata: user metadata (lower-case keys).
        tags: the object tag set.
        replication_status: ``x-amz-replication-status``, or ``None`` (R-120, R-121).
        server_side_encryption: the encryption kind.
        sse_kms_key_id: the KMS key ARN for SSE-KMS / DSSE-KMS objects.
        object_lock_mode: the retention mode, if any.
        object_lock_retain_until_date: the retention date, if any.
        object_lock_legal_hold_status: the legal hold, if any.
        is_latest: whether this is the current version of its key.
        content_type: the ``Content-Type`` system metadata.
        acl: the object ACL (``None`` when the bucket enforces bucket-owner ownership).
        body: the body bytes, shared between a source and its replicas.
        sequence: the engine's creation sequence, used to order versions by creation.
        destination_statuses: the replication status per destination bucket.
        failure_reasons: the failure reason per failed destination bucket.
        owner_overridden: whether this replica was written under owner override, so
            later ACL changes of its source never reach it (R-151, R-153).
    """

    key: str
    version_id: str
    last_modified: dt.datetime
    etag: str
    size: int
    owner: str
    storage_class: StorageClass = StorageClass.STANDARD
    metadata: FrozenMap[str, str] = EMPTY
    tags: FrozenMap[str, str] = EMPTY
    replication_status: ReplicationStatus | None = None
    server_side_encryption: ServerSideEncryption = ServerSideEncryption.SSE_S3
    sse_kms_key_id: str | None = None
    object_lock_mode: ObjectLockMode | None = None
    object_lock_retain_until_date: dt.datetime | None = None
    object_lock_legal_hold_status: ObjectLockLegalHoldStatus | None = None
    is_latest: bool = False
    content_type: str = "binary/octet-stream"
    acl: Acl | None = None
    body: bytes = attrs.field(default=b"", repr=False)
    sequence: int = 0
    destination_statuses: FrozenMap[str, ReplicationStatus] = _NO_STATUSES
    failure_reasons: FrozenMap[str, FailureReason] = _NO_REASONS
    owner_overridden: bool = False

    @property
    def parts_count(self) -> int | None:
        """The number of parts of a multipart upload (read off the ``"...-N"`` ETag)."""
        if "-" not in self.etag:
            return None  # the common case, checked first: every step asks
        digest, dash, count = self.etag.strip('"').rpartition("-")
        return int(count) if dash and digest and count.isdigit() else None

    @property
    def is_delete_marker(self) -> bool:
        """Always ``False``: this is an object version."""
        return False


@attrs.frozen(kw_only=True, weakref_slot=False)
class DeleteMarker:
    """A delete marker.

    Attributes:
        key: the object key.
        version_id: the marker's version id.
        last_modified: when the marker was created (replicas keep it).
        owner: the account that created the marker.
        is_latest: whether the marker is the current version of its key.
        replication_status: the marker's replication status, or ``None``.
        sequence: the engine's creation sequence.
        by_lifecycle: whether lifecycle expiration created it (never replicated, R-104).
        destination_statuses: the replication status per destination bucket.
        failure_reasons: the failure reason per failed destination bucket.
    """

    key: str
    version_id: str
    last_modified: dt.datetime
    owner: str
    is_latest: bool = False
    replication_status: ReplicationStatus | None = None
    sequence: int = 0
    by_lifecycle: bool = False
    destination_statuses: FrozenMap[str, ReplicationStatus] = _NO_STATUSES
    failure_reasons: FrozenMap[str, FailureReason] = _NO_REASONS

    @property
    def is_delete_marker(self) -> bool:
        """Always ``True``: this is a delete marker."""
        return True


#: ``ObjectVersion(**fields)``, generated to skip attrs' per-field ``__setattr__``: the
#: engine builds three versions per replicated put (see ``_fastbuild``).  It also takes
#: the fields positionally, in field order, as the put path passes them.
new_object_version: Callable[..., ObjectVersion]
new_object_version, _evolve_object_version = builders(ObjectVersion)
_EVOLVERS: dict[type[Any], Callable[..., Any]] = {
    ObjectVersion: _evolve_object_version,
    DeleteMarker: builders(DeleteMarker)[1],
}
_VersionT = TypeVar("_VersionT", bound=ObjectVersion | DeleteMarker)
_STATUS_FIELDS = ("destination_statuses", "failure_reasons", "replication_status")
_WITH_STATUSES: dict[type[Any], Callable[..., Any]] = {
    cls: copier(cls, _STATUS_FIELDS) for cls in (ObjectVersion, DeleteMarker)
}


def with_statuses(
    version: _VersionT,
    destination_statuses: FrozenMap[str, ReplicationStatus],
    failure_reasons: FrozenMap[str, FailureReason],
    replication_status: ReplicationStatus | None,
) -> _VersionT:
    """A copy of ``version`` with new replication statuses (every step records one)."""
    new: _VersionT = _WITH_STATUSES[type(version)](
        version, destination_statuses, failure_reasons, replication_status
    )
    return new


def evolve_version(version: _VersionT, **changes: Any) -> _VersionT:
    """Return a copy of a version or delete marker with ``changes`` (as ``attrs.evolve``).

    Raises:
        TypeError: when ``changes`` names a field the class does not have.
    """
    new: _VersionT = _EVOLVERS[type(version)](version, **changes)
    return new
