"""Object operations: writes, deletes and reads (metadata changes live in ``_metadata``)."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

from s3repl import policy
from s3repl.engine import _kms
from s3repl.engine._arguments import (
    check_parts,
    checks_own_arguments,
    copy_source_parts,
    refuse_wrong_types,
)
from s3repl.engine._caches import WritePlan, WriteSettings
from s3repl.engine._core import (
    _LOCKED_MESSAGE,
    _MICROSECOND,
    _NOT_OWNER_ENFORCED_ACL,
    _VERSIONED,
    EPOCH,
    _EngineCore,
    _when,
)
from s3repl.engine.results import DeleteResult
from s3repl.errors import (
    AccessControlListNotSupported,
    AccessDenied,
    InvalidArgument,
    InvalidArgumentType,
    InvalidRequest,
    InvalidStorageClass,
    MethodNotAllowed,
    NoSuchKey,
    NoSuchVersion,
)
from s3repl.model import (
    NULL_VERSION_ID,
    Acl,
    Bucket,
    CannedAcl,
    DeleteMarker,
    ObjectLockLegalHoldStatus,
    ObjectLockMode,
    ObjectOwnership,
    ObjectVersion,
    ServerSideEncryption,
    StorageClass,
    TaskKind,
    VersioningStatus,
)
from s3repl.model._fastbuild import (
    ETAG_OF_BODY,
    builders,
    evolve_version,
    new_delete_marker,
    new_object_version,
)
from s3repl.model._frozenmap import EMPTY
from s3repl.model.acl import Permission
from s3repl.model.names import (
    check_object_key,
    shown_name,
)
from s3repl.model.tagging import check_metadata, check_tags

_E = TypeVar("_E", bound=enum.Enum)


def _choice(kind: type[_E], value: _E | str, what: str, bucket: str) -> _E:
    """Convert a boto3 string to the model's enum, answering ``InvalidArgument`` if unknown."""
    given: object = value  # untyped callers pass anything: never repr() it
    if not isinstance(given, str | kind):
        msg = f"Invalid {what}: expected a string, got {type(given).__name__}"
        raise InvalidArgumentType(msg, bucket_name=bucket)
    try:
        return kind(value)
    except ValueError:
        msg = f"Invalid {what}: {shown_name(value)}"
        raise InvalidArgument(msg, bucket_name=bucket) from None


def _bytes(body: object, bucket: str) -> bytes:
    """A body as bytes (bytes-like bodies are copied), or ``InvalidArgument``."""
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    msg = "Body must be bytes"
    raise InvalidArgument(msg, bucket_name=bucket)


#: ``DeleteResult(version_id=..., delete_marker=...)`` without attrs' per-field
#: ``__setattr__``, positionally (every delete answers one; its fields need no checks).
_new_delete_result: Callable[[str | None, bool], DeleteResult] = builders(DeleteResult)[0]
# Enum members read through their class cost a metaclass lookup; the put path reads these.
_STANDARD = StorageClass.STANDARD
_BINARY = "binary/octet-stream"  # S3's default Content-Type
_OBJECT = TaskKind.OBJECT
_DELETE_MARKER = TaskKind.DELETE_MARKER
_UNVERSIONED = VersioningStatus.UNVERSIONED
_OWNER_ENFORCED = ObjectOwnership.BUCKET_OWNER_ENFORCED
_ALLOWED_WHEN_ENFORCED = (None, CannedAcl.BUCKET_OWNER_FULL_CONTROL)
_READ = Permission.READ
# AWS documents the 403 AccessDenied, not its text (INF wording).
_SSE_C_BLOCKED = (
    "Access Denied: SSE-C is blocked on this bucket (its default encryption's "
    "BlockedEncryptionTypes lists SSE-C)"
)


def _usual_target(bucket: object, key: object, version_id: object, account: object) -> bool:
    """Whether an object call's target has the usual types (the quick test).

    Anything else goes to the exact check, ``refuse_wrong_types``, which a ``str``
    subclass or an account id also pass.
    """
    return (
        type(bucket) is str
        and type(key) is str
        and (version_id is None or type(version_id) is str)
        and account is None
    )


class _ObjectOperations(_EngineCore):
    """PutObject and its relatives; each write asks ``policy`` where it replicates.

    Versions are copied with the trusted ``evolve_version``: every changed part was
    checked at this API's edge (tags, lock settings) or is itself a validated value
    (an ``Acl``), so ``attrs.evolve`` would only run the version's checks again.
    """

    if TYPE_CHECKING:  # implemented by the reads (_reads), with the object ACL rules

        def _read_object(
            self,
            bucket: str,
            key: str,
            version_id: str | None,
            account: str | None,
            action: str,
            permission: Permission,
        ) -> ObjectVersion: ...

        def _check_decrypt(
            self, bucket: str, version: ObjectVersion, account: str | None
        ) -> None: ...

    @checks_own_arguments
    def put_object(
        self,
        bucket: str,
        key: str,
        body: bytes = b"",
        *,
        metadata: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
        content_type: str = _BINARY,
        acl: CannedAcl | str | None = None,
        storage_class: StorageClass | str = StorageClass.STANDARD,
        server_side_encryption: ServerSideEncryption | str | None = None,
        sse_kms_key_id: str | None = None,
        sse_customer_algorithm: str | None = None,
        sse_customer_key: str | None = None,
        object_lock_mode: ObjectLockMode | str | None = None,
        object_lock_retain_until_date: dt.datetime | None = None,
        object_lock_legal_hold_status: ObjectLockLegalHoldStatus | str | None = None,
        account: str | None = None,
    ) -> ObjectVersion:
        """Write a new object version and schedule its replication (R-080).

        Returns:
            the new version, with its replication status (``PENDING`` when eligible).
        """
        if (  # the usual call's types; anything else is checked exactly
            type(bucket) is not str
            or type(key) is not str
            or (metadata is not None and type(metadata) is not dict)
            or (tags is not None and type(tags) is not dict)
            or type(content_type) is not str
            or acl is not None
            or storage_class is not _STANDARD
            or server_side_encryption is not None
            or sse_kms_key_id is not None
            or sse_customer_algorithm is not None
            or sse_customer_key is not None
            or object_lock_mode is not None
            or object_lock_legal_hold_status is not None
            or account is not None
        ):
            refuse_wrong_types(_ObjectOperations.put_object, locals())
        # Positional: on CPython 3.11 binding 16 keyword arguments costs about 1 µs.
        version = self._write_object(
            bucket,
            key,
            body,
            metadata,
            tags,
            content_type,
            acl,
            storage_class,
            server_side_encryption,
            sse_kms_key_id,
            sse_customer_algorithm is not None or sse_customer_key is not None,
            object_lock_mode,
            object_lock_retain_until_date,
            object_lock_legal_hold_status,
            account,
            None,
        )
        return self._created(bucket, version, "Put")

    def copy_object(
        self,
        bucket: str,
        key: str,
        copy_source: str | Mapping[str, str],
        *,
        metadata: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
        storage_class: StorageClass | str | None = None,
        account: str | None = None,
    ) -> ObjectVersion:
        """Copy a version into a new version (replicated like any write, R-080).

        ``copy_source`` is ``"bucket/key"`` or boto3's ``{"Bucket", "Key", "VersionId"}``;
        metadata and tags are copied unless given.
        """
        src_bucket, src_key, src_version = copy_source_parts(copy_source, bucket)
        source = self.head_object(src_bucket, src_key, version_id=src_version, account=account)
        version = self._write_object(
            bucket,
            key,
            source.body,
            metadata=source.metadata if metadata is None else metadata,
            tags=source.tags if tags is None else tags,
            content_type=source.content_type,
            acl=None,
            storage_class=storage_class or source.storage_class,
            server_side_encryption=None,
            sse_kms_key_id=None,
            sse_customer=False,
            object_lock_mode=None,
            object_lock_retain_until_date=None,
            object_lock_legal_hold_status=None,
            account=account,
            parts=None,
        )
        return self._created(bucket, version, "Copy")

    def complete_multipart_upload(
        self,
        bucket: str,
        key: str,
        parts: Sequence[bytes],
        *,
        metadata: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
        storage_class: StorageClass | str = StorageClass.STANDARD,
        server_side_encryption: ServerSideEncryption | str | None = None,
        sse_kms_key_id: str | None = None,
        account: str | None = None,
    ) -> ObjectVersion:
        """Create a version from uploaded parts: multipart ETag ``"<md5 of md5s>-N"`` (R-090).

        Raises:
            InvalidRequest: no part at all.
            InvalidArgumentType: a part that is not bytes-like (``None``), by number.
        """
        check_parts(parts, bucket)
        if not parts:
            msg = "You must specify at least one part"
            raise MalformedMultipart(msg, bucket_name=bucket)
        version = self._write_object(
            bucket,
            key,
            b"".join(parts),
            metadata=metadata,
            tags=tags,
            content_type="binary/octet-stream",
            acl=None,
            storage_class=storage_class,
            server_side_encryption=server_side_encryption,
            sse_kms_key_id=sse_kms_key_id,
            sse_customer=False,
            object_lock_mode=None,
            object_lock_retain_until_date=None,
            object_lock_legal_hold_status=None,
            account=account,
            parts=parts,
        )
        return self._created(bucket, version, "CompleteMultipartUpload")

    def _write_object(
        self,
        bucket: str,
        key: str,
        body: object,
        metadata: Mapping[str, str] | None,
        tags: Mapping[str, str] | None,
        content_type: str,
        acl: CannedAcl | str | None,
        storage_class: StorageClass | str,
        server_side_encryption: ServerSideEncryption | str | None,
        sse_kms_key_id: str | None,
        sse_customer: bool,  # noqa: FBT001 - positional on purpose (put_object's hot call)
        object_lock_mode: ObjectLockMode | str | None,
        object_lock_retain_until_date: dt.datetime | None,
        object_lock_legal_hold_status: ObjectLockLegalHoldStatus | str | None,
        account: str | None,
        parts: Sequence[bytes] | None,
    ) -> ObjectVersion:
        target = self._buckets.get(bucket) or self._bucket(bucket)  # NoSuchBucket
        # The owner needs no policy check (_authorize answers the same, one call later).
        caller = (
            target.owner
            if account is None
            else self._authorize(target, account, "s3:PutObject", key)
        )
        check_object_key(key)
        data = body if type(body) is bytes else _bytes(body, bucket)
        frozen_tags = EMPTY if tags is None else check_tags(tags)
        frozen_metadata = EMPTY if metadata is None else check_metadata(metadata)
        caches = self._caches
        world = self._view or self._world()  # the view is built once per change
        plan: WritePlan | None = None
        plan_key: tuple[object, ...] | None = None
        if (
            object_lock_mode is None
            and object_lock_retain_until_date is None
            and object_lock_legal_hold_status is None
        ):
            # Without lock options, a write's settings and where its signature sends it
            # depend on its options, its caller and the bucket alone: planned once per
            # world view (PolicyCache.write_plans).
            plan_key = (
                bucket,
                caller,
                storage_class,
                server_side_encryption,
                sse_kms_key_id,
                sse_customer,
                acl,
            )
            try:
                plan = caches.write_plans.get(plan_key)
            except TypeError:  # an unhashable option: _resolve_write names it
                plan_key = None
        if plan is None:
            settings = self._resolve_write(
                target,
                caller,
                acl,
                storage_class,
                server_side_encryption,
                sse_kms_key_id,
                sse_customer,
                object_lock_mode,
                object_lock_retain_until_date,
                object_lock_legal_hold_status,
            )
            plan = WritePlan(
                settings,
                *caches.object_routing(
                    world, bucket, settings.storage_class, settings.server_side_encryption
                ),
            )
            if plan_key is not None and _timeless(target):
                caches.write_plans[plan_key] = plan
        (owner, acl_, klass, sse, kms_key, mode, until, hold), signature, routing = plan
        now_us = self._tick()
        if self._caches is not caches:  # a configuration change took effect
            caches, world = self._caches, self._world()
            signature, routing = caches.object_routing(world, bucket, klass, sse)
        if parts is None:
            etag = ETAG_OF_BODY  # the body's MD5, computed when first read (model.objects)
        else:
            digest = hashlib.md5(usedforsecurity=False)
            for part in parts:
                digest.update(hashlib.md5(part, usedforsecurity=False).digest())
            etag = f'"{digest.hexdigest()}-{len(parts)}"'  # parts_count reads it back
        created = routing.get(signature(key, frozen_tags))
        if created is None:  # a signature not routed yet in this world view
            created = caches.new_object_routes(world, bucket, key, frozen_tags, klass, sse)
        routes, status, statuses = created
        self._sequence = sequence = self._sequence + 1
        ids = self._version_ids  # _version_id_for, without its call when ids are drawn
        version_id = (
            ids.pop()
            if ids and target.versioning is _VERSIONED
            else self._version_id_for(target.versioning)
        )
        # The fields in ObjectVersion's order, positionally (see _fastbuild).
        version = new_object_version(
            key,
            version_id,
            EPOCH + _MICROSECOND * now_us,  # last_modified: _when, without its call
            etag,
            len(data),  # size
            owner,
            klass,  # storage_class
            frozen_metadata,
            frozen_tags,
            status,  # replication_status
            sse,  # server_side_encryption
            kms_key,  # sse_kms_key_id
            mode,  # object_lock_mode
            until,  # object_lock_retain_until_date
            hold,  # object_lock_legal_hold_status
            True,  # noqa: FBT003 - is_latest, as returned; reads recompute it from the chain
            content_type,
            acl_,
            data,  # body
            sequence,
            statuses,  # destination_statuses
        )
        self._store.push(bucket, key, version)
        self._enqueue(bucket, version, routes, _OBJECT)
        return version

    def _resolve_write(
        self,
        target: Bucket,
        caller: str,
        acl: CannedAcl | str | None,
        storage_class: StorageClass | str,
        server_side_encryption: ServerSideEncryption | str | None,
        sse_kms_key_id: str | None,
        sse_customer: bool,  # noqa: FBT001 - private helper, positional like its callers
        object_lock_mode: ObjectLockMode | str | None = None,
        object_lock_retain_until_date: dt.datetime | None = None,
        object_lock_legal_hold_status: ObjectLockLegalHoldStatus | str | None = None,
    ) -> WriteSettings:
        """Check a write's options and resolve them against the bucket, as S3 does."""
        if isinstance(storage_class, StorageClass):
            klass = storage_class
        else:
            try:
                klass = StorageClass(storage_class)
            except ValueError:
                msg = "The storage class you specified is not valid"
                raise InvalidStorageClass(msg, bucket_name=target.name) from None
        sse, kms_key = self._encryption(
            target, server_side_encryption, sse_kms_key_id, sse_customer, caller
        )
        owner, object_acl = self._ownership(target, caller, acl)
        mode, until, hold = self._lock_settings(
            target, object_lock_mode, object_lock_retain_until_date, object_lock_legal_hold_status
        )
        return WriteSettings(owner, object_acl, klass, sse, kms_key, mode, until, hold)

    def _encryption(
        self,
        bucket: Bucket,
        sse: ServerSideEncryption | str | None,
        kms_key_id: str | None,
        sse_customer: bool,  # noqa: FBT001 - private helper
        caller: str,
    ) -> tuple[ServerSideEncryption, str | None]:
        if sse_customer:
            if bucket.default_encryption.sse_c_blocked:  # BlockedEncryptionTypes: 403
                raise AccessDenied(_SSE_C_BLOCKED, bucket_name=bucket.name)
            return ServerSideEncryption.SSE_C, None
        if sse is None:
            default = bucket.default_encryption
            if not default.sse_algorithm.uses_kms:
                return default.sse_algorithm, None
            key = bucket.default_kms_key  # the owner's aws/s3 without KMSMasterKeyID
            assert key is not None
            _kms.check_usable(self._keys, key, bucket.name)
            return default.sse_algorithm, key
        try:
            kind = ServerSideEncryption(sse)
        except ValueError:
            msg = f"The encryption method specified is not supported: {sse!r}"
            raise InvalidArgument(msg, bucket_name=bucket.name) from None
        if kind.uses_kms:
            # No key id: the AWS managed key aws/s3; a disabled key is refused.
            key = _kms.write_key(self._keys, kms_key_id, caller, bucket.region, bucket.name)
            return kind, key
        if kms_key_id is not None:
            msg = "x-amz-server-side-encryption-aws-kms-key-id is only allowed with aws:kms"
            raise InvalidArgument(msg, bucket_name=bucket.name)
        return kind, None

    def _ownership(
        self, bucket: Bucket, caller: str, acl: CannedAcl | str | None
    ) -> tuple[str, Acl | None]:
        canned = None if acl is None else _choice(CannedAcl, acl, "canned ACL", bucket.name)
        if bucket.ownership is _OWNER_ENFORCED:
            if canned not in _ALLOWED_WHEN_ENFORCED:
                raise AccessControlListNotSupported(
                    _NOT_OWNER_ENFORCED_ACL, bucket_name=bucket.name
                )
            return bucket.owner, None
        owner = caller
        if (
            bucket.ownership is ObjectOwnership.BUCKET_OWNER_PREFERRED
            and canned is CannedAcl.BUCKET_OWNER_FULL_CONTROL
        ):
            owner = bucket.owner
        return owner, Acl.canned(
            canned or CannedAcl.PRIVATE, owner=owner, bucket_owner=bucket.owner
        )

    def _lock_settings(
        self,
        bucket: Bucket,
        mode: ObjectLockMode | str | None,
        until: dt.datetime | None,
        hold: ObjectLockLegalHoldStatus | str | None,
    ) -> tuple[ObjectLockMode | None, dt.datetime | None, ObjectLockLegalHoldStatus | None]:
        if mode is None and until is None and hold is None and bucket.object_lock is None:
            return None, None, None
        lock_mode = None if mode is None else _choice(ObjectLockMode, mode, "mode", bucket.name)
        legal_hold = (
            None
            if hold is None
            else _choice(ObjectLockLegalHoldStatus, hold, "legal hold status", bucket.name)
        )
        if (lock_mode or until or legal_hold) and not bucket.object_lock_enabled:
            msg = "Bucket is missing Object Lock Configuration"
            raise InvalidRequest(msg, bucket_name=bucket.name)
        if (lock_mode is None) != (until is None):
            msg = (
                "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be "
                "supplied"
            )
            raise InvalidArgument(msg, bucket_name=bucket.name)
        if until is not None:
            if until.tzinfo is None:
                msg = "object_lock_retain_until_date must be timezone-aware"
                raise InvalidArgument(msg, bucket_name=bucket.name)
            if until <= self.now:
                msg = "The retain until date must be in the future!"
                raise InvalidArgument(msg, bucket_name=bucket.name)
        if lock_mode is None and bucket.object_lock is not None:
            default = bucket.object_lock.default_retention
            if default is not None:
                lock_mode, until = default.mode, default.retain_until(self.now)
        return lock_mode, until, legal_hold

    @checks_own_arguments
    def delete_object(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        bypass_governance_retention: bool = False,
        account: str | None = None,
    ) -> DeleteResult:
        """Delete as S3 does: a marker without ``version_id``, a permanent delete with it.

        Deletes by version id never replicate (R-103); Object Lock refuses deleting a
        locked version (GOVERNANCE may be bypassed).
        """
        if not _usual_target(bucket, key, version_id, account):  # else checked exactly
            refuse_wrong_types(_ObjectOperations.delete_object, locals())
        target = self._bucket(bucket)
        # The owner needs no policy check (_authorize answers the same, one call later).
        caller = (
            target.owner
            if account is None
            else self._authorize(
                target,
                account,
                "s3:DeleteObjectVersion" if version_id else "s3:DeleteObject",
                key,
            )
        )
        if version_id is not None:
            return self._delete_version(target, key, version_id, bypass=bypass_governance_retention)
        check_object_key(key)  # as a put does: the marker is built without its checks
        now_us = self._tick()
        versioning = target.versioning
        if versioning is _UNVERSIONED:
            self._store.remove(bucket, key, NULL_VERSION_ID)
            return DeleteResult(version_id=None, delete_marker=False)
        # Routed by its key before it is built: it is built once, with its statuses.
        routes, status, statuses = self._caches.delete_marker_routes(
            self._view or self._world(), bucket, key
        )
        # The fields in DeleteMarker's order, positionally (see _fastbuild).
        marker = new_delete_marker(
            key,
            self._version_id_for(versioning),
            _when(now_us),  # last_modified
            caller,  # owner
            False,  # noqa: FBT003 - is_latest
            status,  # replication_status: PENDING when routed
            self._next_sequence(),
            False,  # noqa: FBT003 - by_lifecycle
            statuses,  # destination_statuses
        )
        self._store.push(bucket, key, marker)
        self._enqueue(bucket, marker, routes, _DELETE_MARKER)
        return _new_delete_result(marker.version_id, True)  # noqa: FBT003 - delete_marker

    def _delete_version(
        self, bucket: Bucket, key: str, version_id: str, *, bypass: bool
    ) -> DeleteResult:
        found = self._store.find(bucket.name, key, version_id)
        if isinstance(found, ObjectVersion) and self._locked(found, bypass=bypass):
            raise AccessDenied(_LOCKED_MESSAGE, bucket_name=bucket.name)
        self._tick()
        if found is None:
            # S3 answers 204 for a version that does not exist.
            return DeleteResult(version_id=version_id, delete_marker=False)
        self._store.remove(bucket.name, key, version_id)
        routes = policy.route_version_delete(self._world(), bucket.name, found)
        self._enqueue(bucket.name, found, routes, TaskKind.VERSION_DELETE)
        return _new_delete_result(version_id, isinstance(found, DeleteMarker))

    def _locked(self, version: ObjectVersion, *, bypass: bool) -> bool:
        if version.object_lock_legal_hold_status is ObjectLockLegalHoldStatus.ON:
            return True
        until = version.object_lock_retain_until_date
        if until is None or until <= self.now:
            return False
        return not (bypass and version.object_lock_mode is ObjectLockMode.GOVERNANCE)

    def expire_object(self, bucket: str, key: str) -> DeleteResult | None:
        """A lifecycle expiration of the key's current version (never replicated, R-104).

        On a versioned bucket it adds a lifecycle delete marker; on an unversioned one it
        removes the object.  While the current version is ``PENDING`` the expiration is
        deferred until it completes or fails (R-125), and ``None`` is returned.
        """
        target = self._bucket(bucket)
        current = self._store.head(bucket, key)
        if current is None or isinstance(current, DeleteMarker):
            self._tick()
            return DeleteResult(version_id=None, delete_marker=False)
        if not policy.lifecycle_may_expire(current):
            self._tick()
            self._deferred_expirations[(bucket, key, current.version_id)] = None
            return None
        now_us = self._tick()
        if target.versioning is VersioningStatus.UNVERSIONED:
            self._store.remove(bucket, key, current.version_id)
            return DeleteResult(version_id=None, delete_marker=False)
        marker = DeleteMarker(
            key=key,
            version_id=self._version_id_for(target.versioning),
            last_modified=_when(now_us),
            owner=target.owner,
            sequence=self._next_sequence(),
            by_lifecycle=True,
        )
        self._store.push(bucket, key, marker)
        return DeleteResult(version_id=marker.version_id, delete_marker=True)

    def _resolve(self, bucket: str, key: str, version_id: str | None) -> ObjectVersion:
        self._bucket(bucket)
        if version_id is None:
            head = self._store.head(bucket, key)
            if head is None or isinstance(head, DeleteMarker):
                msg = "The specified key does not exist."
                marker = head.version_id if head is not None else None
                raise NoSuchKey(msg, bucket_name=bucket, key=key, delete_marker_version_id=marker)
            return head
        found = self._store.find(bucket, key, version_id)
        if found is None:
            msg = "The specified version does not exist."
            raise NoSuchVersion(msg, bucket_name=bucket)
        if isinstance(found, DeleteMarker):
            msg = "The specified method is not allowed against this resource."
            raise MethodNotAllowed(msg, bucket_name=bucket)
        return found

    @checks_own_arguments
    def head_object(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        account: str | None = None,
    ) -> ObjectVersion:
        """Return a version (the current one without ``version_id``).

        Raises:
            NoSuchKey: the key is absent or its current version is a delete marker.
            MethodNotAllowed: ``version_id`` names a delete marker.
            NoSuchVersion: ``version_id`` does not exist.
        """
        if not _usual_target(bucket, key, version_id, account):  # else checked exactly
            refuse_wrong_types(_ObjectOperations.head_object, locals())
        # Object ownership and ACLs decide who may read (R-150, R-151, R-154; _reads).
        version = self._read_object(bucket, key, version_id, account, "s3:GetObject", _READ)
        return evolve_version(version, is_latest=self._store.head(bucket, key) is version)

    @checks_own_arguments
    def get_object(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        account: str | None = None,
    ) -> ObjectVersion:
        """Return a version with its body (``.body``); errors as :meth:`head_object`.

        Reading the body of an SSE-KMS object also needs its key (``_reads``, R-014).
        """
        if not _usual_target(bucket, key, version_id, account):  # else checked exactly
            refuse_wrong_types(_ObjectOperations.get_object, locals())
        version = self.head_object(bucket, key, version_id=version_id, account=account)
        if version.sse_kms_key_id is not None:
            self._check_decrypt(bucket, version, account)
        return version

    def list_object_versions(
        self, bucket: str, *, prefix: str = "", account: str | None = None
    ) -> tuple[ObjectVersion | DeleteMarker, ...]:
        """Every version and delete marker, keys ascending, newest first per key."""
        self._authorize(self._bucket(bucket), account, "s3:ListBucketVersions")
        out: list[ObjectVersion | DeleteMarker] = []
        for key in self._store.keys(bucket):
            if not key.startswith(prefix):
                continue
            for index, version in enumerate(self._store.versions(bucket, key)):
                out.append(evolve_version(version, is_latest=index == 0))
        return tuple(out)


def _timeless(bucket: Bucket) -> bool:
    """Whether a write's settings are timeless (a default retention runs from it, R-086)."""
    lock = bucket.object_lock
    return lock is None or lock.default_retention is None


class MalformedMultipart(InvalidRequest):
    """A multipart completion without parts (S3 answers ``InvalidRequest``)."""
