"""Object versions and delete markers, as S3 reports them and as the engine stores them.

A stored version never changes; the engine replaces it with an evolved copy when its
metadata changes.  Its replication statuses (:class:`VersionStatuses`) change on every
replication step, so the engine's store may hold them beside the version and copy the
version only when it is read (``s3repl.engine._store``).  ``is_latest`` is filled in when the engine
answers a read, because it depends on the version's neighbours, not on the version.

Both classes validate every field when built (``ObjectVersion(...)``, ``attrs.evolve``),
with the checks of ``_checks``; the engine and policy, which build from parts that are
already valid, use the trusted builders of ``_fastbuild`` instead.

An ETag computed on first read.  A put's ETag is the MD5 of its body, about a
microsecond for a body of a few hundred bytes: the largest single cost of a put, for a
value a simulation seldom reads.  So the engine stores :data:`ETAG_OF_BODY` in the
``etag`` slot of the versions it builds, and ``ObjectVersion.etag`` (a descriptor over
the slot) computes the MD5 the first time it is read and keeps it in the slot.  Every
reader sees a string (equality, hashing, ``repr``, pickling and ``attrs.evolve`` read
the attribute); the value never changes, it is only computed later.  A replica shares
its source's body, so it is built with the marker too (``ObjectVersion._stored_etag``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, ClassVar

import attrs

from s3repl.model import _checks
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

__all__ = ["ETAG_OF_BODY", "NULL_VERSION_ID", "DeleteMarker", "ObjectVersion", "VersionStatuses"]

#: The version id of versions written while versioning is off or suspended.
NULL_VERSION_ID = "null"

_NO_STATUSES: FrozenMap[str, ReplicationStatus] = EMPTY
_NO_REASONS: FrozenMap[str, FailureReason] = EMPTY


def _destination_statuses() -> Any:
    """The ``destination_statuses`` field of a version, a marker and their statuses."""
    return attrs.field(
        default=_NO_STATUSES,
        converter=_checks.frozen_map,
        validator=_checks.destination_status_map,
    )


def _failure_reasons() -> Any:
    """The ``failure_reasons`` field of a version, a marker and their statuses."""
    return attrs.field(
        default=_NO_REASONS,
        converter=_checks.frozen_map,
        validator=_checks.failure_reason_map,
    )


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

    key: str = attrs.field(validator=_checks.object_key)
    version_id: str = attrs.field(validator=_checks.version_id)
    last_modified: dt.datetime = attrs.field(validator=_checks.aware_datetime)
    etag: str = attrs.field(validator=_checks.etag)
    size: int = attrs.field(validator=_checks.non_negative_int)
    owner: str = attrs.field(validator=_checks.account_id)
    storage_class: StorageClass = attrs.field(
        default=StorageClass.STANDARD, validator=_checks.member_of(StorageClass)
    )
    metadata: FrozenMap[str, str] = attrs.field(
        default=EMPTY, converter=_checks.frozen_map, validator=_checks.string_map
    )
    tags: FrozenMap[str, str] = attrs.field(
        default=EMPTY, converter=_checks.frozen_map, validator=_checks.string_map
    )
    replication_status: ReplicationStatus | None = attrs.field(
        default=None, validator=_checks.member_of(ReplicationStatus, optional=True)
    )
    server_side_encryption: ServerSideEncryption = attrs.field(
        default=ServerSideEncryption.SSE_S3, validator=_checks.member_of(ServerSideEncryption)
    )
    sse_kms_key_id: str | None = attrs.field(
        default=None, validator=_checks.optional(_checks.non_empty_text)
    )
    object_lock_mode: ObjectLockMode | None = attrs.field(
        default=None, validator=_checks.member_of(ObjectLockMode, optional=True)
    )
    object_lock_retain_until_date: dt.datetime | None = attrs.field(
        default=None, validator=_checks.optional(_checks.aware_datetime)
    )
    object_lock_legal_hold_status: ObjectLockLegalHoldStatus | None = attrs.field(
        default=None, validator=_checks.member_of(ObjectLockLegalHoldStatus, optional=True)
    )
    is_latest: bool = attrs.field(default=False, validator=_checks.boolean)
    content_type: str = attrs.field(default="binary/octet-stream", validator=_checks.text)
    acl: Acl | None = attrs.field(
        default=None, validator=_checks.optional(_checks.instance_of(Acl))
    )
    body: bytes = attrs.field(default=b"", repr=False, validator=_checks.instance_of(bytes))
    sequence: int = attrs.field(default=0, validator=_checks.non_negative_int)
    destination_statuses: FrozenMap[str, ReplicationStatus] = _destination_statuses()
    failure_reasons: FrozenMap[str, FailureReason] = _failure_reasons()
    owner_overridden: bool = attrs.field(default=False, validator=_checks.boolean)

    #: The ``etag`` slot as it holds it: a string, or :data:`ETAG_OF_BODY` while the
    #: body's MD5 is not computed.  The slot's own descriptor under a second name, read
    #: at slot speed by the trusted code that copies an ETag onto a replica or tests it
    #: for parts without needing its value (policy, on every step).
    _stored_etag: ClassVar[Any]

    @sse_kms_key_id.validator
    def _check_kms_key_goes_with_kms(
        self, attribute: attrs.Attribute[str | None], value: str | None
    ) -> None:
        # attrs runs validators once every field is set, in field order: the encryption
        # kind, declared earlier, is already checked here.
        if value is not None and not self.server_side_encryption.uses_kms:
            msg = (
                f"ObjectVersion.sse_kms_key_id is only for SSE-KMS and DSSE-KMS objects, "
                f"got {value!r} with {self.server_side_encryption!r}"
            )
            raise ValueError(msg)

    @property
    def parts_count(self) -> int | None:
        """The number of parts of a multipart upload (read off the ``"...-N"`` ETag)."""
        etag = self._stored_etag  # a body's MD5 (not computed yet) has no parts
        if etag is ETAG_OF_BODY or "-" not in etag:
            return None  # the common case, checked first
        digest, dash, count = etag.strip('"').rpartition("-")
        return int(count) if dash and digest and count.isdigit() else None

    @property
    def is_delete_marker(self) -> bool:
        """Always ``False``: this is an object version."""
        return False


class _EtagOfBody:
    """The type of :data:`ETAG_OF_BODY`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ETAG_OF_BODY"


#: Stored by the trusted builders in ``ObjectVersion.etag``: "the MD5 of the body, not
#: computed yet".  Never seen by a reader: reading ``etag`` computes it.
ETAG_OF_BODY: Any = _EtagOfBody()


class _EtagOnFirstRead:
    """``ObjectVersion.etag``: the ETag in the slot, the body's MD5 computed on first read."""

    __slots__ = ("slot",)

    def __init__(self, slot: Any) -> None:
        #: The slot's own descriptor: reads what the slot holds, marker included.
        self.slot = slot

    def __get__(self, version: ObjectVersion | None, owner: type | None = None) -> Any:
        if version is None:
            return self
        etag = self.slot.__get__(version, owner)
        if etag is ETAG_OF_BODY:
            digest = hashlib.md5(version.body, usedforsecurity=False).hexdigest()
            etag = f'"{digest}"'
            self.slot.__set__(version, etag)  # the same value from now on, computed once
        return etag

    def __set__(self, version: ObjectVersion, etag: str) -> None:
        self.slot.__set__(version, etag)  # attrs' __init__ and __setstate__ store here


_ETAG_SLOT: Any = ObjectVersion.__dict__["etag"]
ObjectVersion.etag = _EtagOnFirstRead(_ETAG_SLOT)  # type: ignore[assignment]
ObjectVersion._stored_etag = _ETAG_SLOT


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

    key: str = attrs.field(validator=_checks.object_key)
    version_id: str = attrs.field(validator=_checks.version_id)
    last_modified: dt.datetime = attrs.field(validator=_checks.aware_datetime)
    owner: str = attrs.field(validator=_checks.account_id)
    is_latest: bool = attrs.field(default=False, validator=_checks.boolean)
    replication_status: ReplicationStatus | None = attrs.field(
        default=None, validator=_checks.member_of(ReplicationStatus, optional=True)
    )
    sequence: int = attrs.field(default=0, validator=_checks.non_negative_int)
    by_lifecycle: bool = attrs.field(default=False, validator=_checks.boolean)
    destination_statuses: FrozenMap[str, ReplicationStatus] = _destination_statuses()
    failure_reasons: FrozenMap[str, FailureReason] = _failure_reasons()

    @property
    def is_delete_marker(self) -> bool:
        """Always ``True``: this is a delete marker."""
        return True


@attrs.frozen(kw_only=True, weakref_slot=False)
class VersionStatuses:
    """A version's replication statuses: what a replication step changes of it (R-120..R-124).

    The three status fields of :class:`ObjectVersion` and :class:`DeleteMarker`, as one
    value: a step's outcome for the source (``policy.Applied.source_statuses``), which
    the engine's store records beside the version instead of copying it.

    Attributes:
        replication_status: the header, ``x-amz-replication-status``, or ``None``.
        destination_statuses: the replication status per destination bucket.
        failure_reasons: the failure reason per failed destination bucket.
    """

    replication_status: ReplicationStatus | None = attrs.field(
        validator=_checks.member_of(ReplicationStatus, optional=True)
    )
    destination_statuses: FrozenMap[str, ReplicationStatus] = _destination_statuses()
    failure_reasons: FrozenMap[str, FailureReason] = _failure_reasons()

    @classmethod
    def of(cls, version: ObjectVersion | DeleteMarker) -> VersionStatuses:
        """The statuses ``version`` holds."""
        return cls(
            replication_status=version.replication_status,
            destination_statuses=version.destination_statuses,
            failure_reasons=version.failure_reasons,
        )
