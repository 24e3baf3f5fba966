"""Reads S3 answers without changing anything: bucket settings, object sub-resources, pages.

Why a part of its own: these calls only look (no clock tick, no replication), so they
read the object store through its read methods and the public object API, and stay out
of the write paths other parts of the engine own.

Listings page as S3 does and cost O(page size) plus one sorted pass over the bucket's
key names (``ObjectStore.keys``): acceptable for now, and the only place that would
change if the store kept its keys sorted.  Keys under a delimiter's common prefix are
skipped by a binary search, after looking for one of them that is not deleted (S3 hides
a prefix whose keys are all delete markers): usually the first one is.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import itertools
from typing import TYPE_CHECKING

from s3repl import iam
from s3repl.engine import _kms
from s3repl.engine._core import _EngineCore
from s3repl.engine.pages import ObjectsPage, VersionsPage
from s3repl.errors import (
    AccessDenied,
    InvalidArgument,
    InvalidRequest,
    KMSNotFoundException,
    NoSuchEntity,
    NoSuchKey,
    NoSuchObjectLockConfiguration,
    NoSuchVersion,
    ObjectLockConfigurationNotFoundError,
)
from s3repl.model import (
    DEFAULT_ACCOUNT,
    Acl,
    Bucket,
    DefaultEncryption,
    DeleteMarker,
    ObjectLockConfiguration,
    ObjectLockLegalHoldStatus,
    ObjectOwnership,
    ObjectVersion,
    Retention,
    VersioningStatus,
)
from s3repl.model._fastbuild import evolve_version
from s3repl.model.acl import Permission
from s3repl.model.names import check_account_id
from s3repl.world import KmsKey, Role, find_kms_key

__all__: list[str] = []

#: S3 answers at most this many keys per listing page.
LIST_KEYS_MAX = 1000
_MAX_KEYS_MESSAGE = "Argument max-keys must be an integer between 0 and 2147483647"
_TOKEN_MESSAGE = "The continuation token provided is incorrect"
_NO_LOCK_MESSAGE = "Bucket is missing Object Lock Configuration"
_NO_OBJECT_LOCK_MESSAGE = "The specified object does not have a ObjectLock configuration"
_ACCESS_DENIED = "Access Denied"
# What S3 answers when KMS refuses to decrypt for the caller (AccessDenied, 403).
_CIPHERTEXT_MESSAGE = (
    "The ciphertext refers to a customer master key that does not exist, does not exist "
    "in this region, or you are not allowed to access."
)
_OWNER_ENFORCED = ObjectOwnership.BUCKET_OWNER_ENFORCED


def _acl_allows(version: ObjectVersion, caller: str, permission: Permission) -> bool:
    """Whether ``caller`` owns the version or its ACL grants ``permission`` (R-150)."""
    if caller == version.owner:
        return True
    acl = version.acl or Acl.private(version.owner)
    return acl.allows(caller, permission)


def _page_size(max_keys: int, bucket: str) -> int:
    if not isinstance(max_keys, int) or isinstance(max_keys, bool) or max_keys < 0:
        raise InvalidArgument(_MAX_KEYS_MESSAGE, bucket_name=bucket, element="max-keys")
    return min(max_keys, LIST_KEYS_MAX)


def _after(key: str) -> str:
    """The smallest string sorting after ``key``."""
    return key + "\x00"


def _after_all_with(prefix: str) -> str:
    """The smallest string sorting after every string that starts with ``prefix``."""
    last = ord(prefix[-1])
    if last == 0x10FFFF:  # pragma: no cover - no larger code point exists
        return _after_all_with(prefix[:-1]) if len(prefix) > 1 else prefix + "\x00"
    return prefix[:-1] + chr(last + 1)


def _token_of(resume: str) -> str:
    """An opaque continuation token: where the next page starts (base64, URL-safe)."""
    return base64.urlsafe_b64encode(resume.encode("utf-8", "surrogatepass")).decode("ascii")


def _resume_of(token: str, bucket: str) -> str:
    try:
        raw = base64.b64decode(token.encode("ascii"), altchars=b"-_", validate=True)
        return raw.decode("utf-8", "surrogatepass")
    except (UnicodeError, binascii.Error, ValueError):
        raise InvalidArgument(
            _TOKEN_MESSAGE, bucket_name=bucket, element="continuation-token"
        ) from None


class _Reads(_EngineCore):
    """Read-only calls: bucket listings and settings, object sub-resources, IAM and KMS."""

    if TYPE_CHECKING:  # implemented by the object operations and the control plane

        def head_object(
            self,
            bucket: str,
            key: str,
            *,
            version_id: str | None = None,
            account: str | None = None,
        ) -> ObjectVersion: ...

        def _own_iam(self, account: str | None, owner: str, what: str) -> None: ...

        def _resolve(self, bucket: str, key: str, version_id: str | None) -> ObjectVersion: ...

    # --- buckets -------------------------------------------------------------------

    def list_buckets(self, *, account: str | None = None) -> tuple[Bucket, ...]:
        """The buckets ``account`` owns (default: the default account), names ascending."""
        owner = DEFAULT_ACCOUNT if account is None else check_account_id(account)
        return tuple(bucket for _, bucket in sorted(self._buckets.items()) if bucket.owner == owner)

    def head_bucket(self, bucket: str, *, account: str | None = None) -> Bucket:
        """Return the bucket if it exists and the caller may list it (``s3:ListBucket``).

        Raises:
            NoSuchBucket: the bucket does not exist.
            AccessDenied: the caller may not list it.
        """
        target = self._bucket(bucket)
        self._authorize(target, account, "s3:ListBucket")
        return target

    def get_bucket_versioning(self, bucket: str, *, account: str | None = None) -> VersioningStatus:
        """The bucket's versioning state (``UNVERSIONED`` if it was never enabled)."""
        target = self._bucket(bucket)
        self._authorize(target, account, "s3:GetBucketVersioning")
        return target.versioning

    def get_bucket_encryption(
        self, bucket: str, *, account: str | None = None
    ) -> DefaultEncryption:
        """The bucket's default encryption (SSE-S3 unless configured, as S3 since 2023)."""
        target = self._bucket(bucket)
        self._authorize(target, account, "s3:GetEncryptionConfiguration")
        return target.default_encryption

    def get_bucket_ownership_controls(
        self, bucket: str, *, account: str | None = None
    ) -> ObjectOwnership:
        """The bucket's Object Ownership setting (``BucketOwnerEnforced`` for new buckets)."""
        target = self._bucket(bucket)
        self._authorize(target, account, "s3:GetBucketOwnershipControls")
        return target.ownership

    def get_object_lock_configuration(
        self, bucket: str, *, account: str | None = None
    ) -> ObjectLockConfiguration:
        """The bucket's Object Lock configuration.

        Raises:
            ObjectLockConfigurationNotFoundError: Object Lock is not enabled on the bucket.
        """
        target = self._bucket(bucket)
        self._authorize(target, account, "s3:GetBucketObjectLockConfiguration")
        if not target.object_lock_enabled:
            msg = "Object Lock configuration does not exist for this bucket"
            raise ObjectLockConfigurationNotFoundError(msg, bucket_name=bucket)
        return target.object_lock or ObjectLockConfiguration()

    # --- object reads: ownership and ACLs (R-150, R-151, R-154) ---------------------------

    def _authorize_object(
        self,
        target: Bucket,
        account: str | None,
        action: str,
        key: str,
        version: ObjectVersion,
        permission: Permission,
    ) -> None:
        """Check a read of ``version`` the way S3 checks object operations.

        With ACLs disabled (``BucketOwnerEnforced``) the bucket owner owns every object
        and the bucket's policy decides (:meth:`_authorize`).  With ACLs in effect
        (``ObjectWriter``, ``BucketOwnerPreferred``) an object another account owns (a
        replica written without owner override, R-150) is that account's: its owner
        and the grants of its ACL decide, and the bucket's policy can only deny.  So
        the destination's owner cannot read such a replica without a grant (R-151: the
        owner override is what hands it over; R-154: so does ``BucketOwnerEnforced``).

        Args:
            target: the bucket.
            account: the caller (``None``: the bucket owner).
            action: the IAM action, such as ``"s3:GetObject"``.
            key: the object key.
            version: the version read.
            permission: what its ACL must grant (``READ`` for the object,
                ``READ_ACP`` for its ACL).

        Raises:
            AccessDenied: the caller may not.
        """
        caller = target.owner if account is None else check_account_id(account)
        if target.ownership is _OWNER_ENFORCED or version.owner == target.owner:
            # The bucket owner's object: the owner, the bucket policy, or (ACLs in
            # effect) a grant of its ACL lets the caller in.
            if caller == target.owner:
                return
            try:
                self._authorize(target, caller, action, key)
            except AccessDenied:
                if target.ownership is _OWNER_ENFORCED or not _acl_allows(
                    version, caller, permission
                ):
                    raise
            return
        if self._denied_by_bucket_policy(target, caller, action, key) or not _acl_allows(
            version, caller, permission
        ):
            raise AccessDenied(_ACCESS_DENIED, bucket_name=target.name)

    def _denied_by_bucket_policy(self, target: Bucket, caller: str, action: str, key: str) -> bool:
        document = self._policies.get(target.name)
        if document is None:
            return False
        request = iam.Request(
            principal=f"arn:aws:iam::{caller}:root",
            action=action,
            resource=f"{target.arn}/{key}",
        )
        return iam.evaluate((document,), request) is iam.Decision.EXPLICIT_DENY

    def _read_object(
        self,
        bucket: str,
        key: str,
        version_id: str | None,
        account: str | None,
        action: str,
        permission: Permission,
    ) -> ObjectVersion:
        """The version a read names (the current one without ``version_id``), authorized.

        Raises:
            NoSuchKey, NoSuchVersion, MethodNotAllowed: as :meth:`head_object`.
            AccessDenied: the caller may not read it (:meth:`_authorize_object`).
        """
        target = self._bucket(bucket)
        if target.ownership is _OWNER_ENFORCED:
            # ACLs disabled: the bucket decides, before anything is told of the key.
            self._authorize(target, account, action, key)
            return self._resolve(bucket, key, version_id)
        try:
            version = self._resolve(bucket, key, version_id)
        except (NoSuchKey, NoSuchVersion):
            # S3 tells a missing key only to a caller that may list the bucket (else 403).
            if account is not None and check_account_id(account) != target.owner:
                self._authorize(target, account, "s3:ListBucket")
            raise
        if account is not None or version.owner != target.owner:  # else: the owner's own
            self._authorize_object(target, account, action, key, version, permission)
        return version

    def _check_decrypt(self, bucket: str, version: ObjectVersion, account: str | None) -> None:
        """Refuse reading an SSE-KMS body the caller cannot decrypt (R-014).

        An AWS managed key (``aws/s3``) serves only its own account: another account
        reading the object (a replica in its bucket, say) is refused, as KMS refuses the
        decryption; a key that is disabled or pending deletion refuses everyone.

        Raises:
            AccessDenied: the key is another account's ``aws/s3``.
            KMSDisabledException, KMSInvalidStateException: the key is not usable.
        """
        key_id = version.sse_kms_key_id
        assert key_id is not None
        key = find_kms_key(self._keys, key_id)
        if key is None:
            return
        caller = self._bucket(bucket).owner if account is None else check_account_id(account)
        if key.aws_managed and caller != key.account:
            raise AccessDenied(_CIPHERTEXT_MESSAGE, bucket_name=bucket)
        _kms.check_usable(self._keys, key_id, bucket)

    # --- object sub-resources -----------------------------------------------------------

    def _read_version(
        self, bucket: str, key: str, version_id: str | None, account: str | None, action: str
    ) -> ObjectVersion:
        """The version a sub-resource read names, after checking ``action`` for the caller."""
        target = self._bucket(bucket)
        self._authorize(target, account, action, key)
        return self._resolve(bucket, key, version_id)

    def current_version(
        self, bucket: str, key: str, *, account: str | None = None
    ) -> ObjectVersion | DeleteMarker | None:
        """The key's current version or delete marker, ``None`` if it has neither.

        Unlike :meth:`head_object` a delete marker is an answer, not ``NoSuchKey``: S3
        tells a reader that the current version is a marker (``x-amz-delete-marker``).
        The caller needs ``s3:GetObject``.
        """
        self._authorize(self._bucket(bucket), account, "s3:GetObject", key)
        head = self._store.head(bucket, key)
        return None if head is None else evolve_version(head, is_latest=True)

    def get_object_acl(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        account: str | None = None,
    ) -> Acl:
        """A version's ACL; under ``BucketOwnerEnforced`` the owner's full control, as S3.

        Raises:
            NoSuchKey, NoSuchVersion, MethodNotAllowed: as :meth:`head_object`.
        """
        action = "s3:GetObjectVersionAcl" if version_id else "s3:GetObjectAcl"
        version = self._read_object(bucket, key, version_id, account, action, Permission.READ_ACP)
        return version.acl or Acl.private(version.owner)

    def _locked_version(
        self, bucket: str, key: str, version_id: str | None, account: str | None, action: str
    ) -> ObjectVersion:
        if not self._bucket(bucket).object_lock_enabled:
            raise InvalidRequest(_NO_LOCK_MESSAGE, bucket_name=bucket)
        return self._read_version(bucket, key, version_id, account, action)

    def get_object_retention(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        account: str | None = None,
    ) -> Retention:
        """A version's retention (mode and retain-until date).

        Raises:
            InvalidRequest: the bucket has no Object Lock.
            NoSuchObjectLockConfiguration: the version has no retention.
        """
        version = self._locked_version(bucket, key, version_id, account, "s3:GetObjectRetention")
        mode, until = version.object_lock_mode, version.object_lock_retain_until_date
        if mode is None or until is None:
            raise NoSuchObjectLockConfiguration(_NO_OBJECT_LOCK_MESSAGE, bucket_name=bucket)
        return Retention(mode=mode, retain_until_date=until)

    def get_object_legal_hold(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        account: str | None = None,
    ) -> ObjectLockLegalHoldStatus:
        """A version's legal hold status.

        Raises:
            InvalidRequest: the bucket has no Object Lock.
            NoSuchObjectLockConfiguration: no legal hold was ever set on the version.
        """
        version = self._locked_version(bucket, key, version_id, account, "s3:GetObjectLegalHold")
        if version.object_lock_legal_hold_status is None:
            raise NoSuchObjectLockConfiguration(_NO_OBJECT_LOCK_MESSAGE, bucket_name=bucket)
        return version.object_lock_legal_hold_status

    # --- listings ---------------------------------------------------------------------------

    def list_objects_v2(
        self,
        bucket: str,
        *,
        prefix: str = "",
        delimiter: str = "",
        max_keys: int = LIST_KEYS_MAX,
        continuation_token: str | None = None,
        start_after: str = "",
        account: str | None = None,
    ) -> ObjectsPage:
        """One page of the bucket's current objects, keys ascending (delete markers hidden).

        Args:
            bucket: the bucket.
            prefix: only keys that start with it.
            delimiter: keys with ``delimiter`` after ``prefix`` roll up into one common
                prefix (up to and including the delimiter).
            max_keys: at most this many keys and common prefixes (S3 caps it at 1,000).
            continuation_token: a previous page's ``next_continuation_token``.
            start_after: list keys after this one (ignored with a continuation token).
            account: the calling account (needs ``s3:ListBucket``).

        Raises:
            InvalidArgument: a negative ``max_keys`` or a token this engine never issued.
        """
        self._authorize(self._bucket(bucket), account, "s3:ListBucket")
        limit = _page_size(max_keys, bucket)
        if continuation_token is not None:
            start = _resume_of(continuation_token, bucket)
        else:
            start = _after(start_after) if start_after else ""
        keys = self._store.keys(bucket)
        index = bisect.bisect_left(keys, max(start, prefix))
        contents: list[ObjectVersion] = []
        prefixes: list[str] = []
        resume = ""
        while index < len(keys) and keys[index].startswith(prefix):
            key = keys[index]
            cut = key.find(delimiter, len(prefix)) if delimiter else -1
            if cut >= 0:
                common = key[: cut + len(delimiter)]
                end = bisect.bisect_left(keys, _after_all_with(common), lo=index)
                if not self._any_live(bucket, keys, index, end):
                    index = end  # every key under it is deleted: S3 shows no prefix
                    continue
                if len(contents) + len(prefixes) == limit:
                    return self._objects_page(contents, prefixes, resume, truncated=True)
                prefixes.append(common)
                resume = _after_all_with(common)
                index = end
                continue
            index += 1
            head = self._store.head(bucket, key)
            if not isinstance(head, ObjectVersion):
                continue
            if len(contents) + len(prefixes) == limit:
                return self._objects_page(contents, prefixes, resume, truncated=True)
            contents.append(evolve_version(head, is_latest=True))
            resume = _after(key)
        return self._objects_page(contents, prefixes, resume, truncated=False)

    def _any_live(self, bucket: str, keys: list[str], start: int, end: int) -> bool:
        """Whether a key in ``keys[start:end]`` has a current version that is no marker.

        Stops at the first one: usually the first key under a common prefix.
        """
        return any(
            isinstance(self._store.head(bucket, key), ObjectVersion)
            for key in itertools.islice(keys, start, end)
        )

    @staticmethod
    def _objects_page(
        contents: list[ObjectVersion], prefixes: list[str], resume: str, *, truncated: bool
    ) -> ObjectsPage:
        # An empty page (max_keys 0) is never truncated: it has no place to resume from.
        truncated = truncated and bool(contents or prefixes)
        return ObjectsPage(
            contents=tuple(contents),
            common_prefixes=tuple(prefixes),
            is_truncated=truncated,
            next_continuation_token=_token_of(resume) if truncated else None,
        )

    def list_object_versions_page(
        self,
        bucket: str,
        *,
        prefix: str = "",
        key_marker: str = "",
        version_id_marker: str | None = None,
        max_keys: int = LIST_KEYS_MAX,
        account: str | None = None,
    ) -> VersionsPage:
        """One page of every version and delete marker, as ``ListObjectVersions`` pages.

        Keys ascending, newest first per key.  Without ``version_id_marker`` the page
        starts at the first key after ``key_marker``; with it, at the version after that
        one of ``key_marker`` (walking that key's versions up to the marker).

        Raises:
            InvalidArgument: a negative ``max_keys``, a version-id marker without a key
                marker, or a version-id marker that names no version of ``key_marker``.
        """
        self._authorize(self._bucket(bucket), account, "s3:ListBucketVersions")
        limit = _page_size(max_keys, bucket)
        if version_id_marker is not None and not key_marker:
            msg = "A version-id marker cannot be specified without a key marker."
            raise InvalidArgument(msg, bucket_name=bucket, element="version-id-marker")
        keys = self._store.keys(bucket)
        if version_id_marker is None:
            index = bisect.bisect_right(keys, key_marker) if key_marker else 0
        else:
            index = bisect.bisect_left(keys, key_marker)
        index = max(index, bisect.bisect_left(keys, prefix))
        entries: list[ObjectVersion | DeleteMarker] = []
        for key in itertools.islice(keys, index, None):
            if not key.startswith(prefix):
                break
            skipping = key == key_marker and version_id_marker is not None
            for position, version in enumerate(self._store.versions(bucket, key)):
                if skipping:
                    skipping = version.version_id != version_id_marker
                    continue
                if len(entries) == limit:
                    return self._versions_page(entries, truncated=True)
                entries.append(evolve_version(version, is_latest=position == 0))
            if skipping:
                msg = "Invalid version id specified"
                raise InvalidArgument(msg, bucket_name=bucket, element="version-id-marker")
        return self._versions_page(entries, truncated=False)

    @staticmethod
    def _versions_page(
        entries: list[ObjectVersion | DeleteMarker], *, truncated: bool
    ) -> VersionsPage:
        last = entries[-1] if entries and truncated else None
        return VersionsPage(
            entries=tuple(entries),
            is_truncated=last is not None,
            next_key_marker=None if last is None else last.key,
            next_version_id_marker=None if last is None else last.version_id,
        )

    # --- IAM and KMS ------------------------------------------------------------------------

    def get_role(self, arn: str, *, account: str | None = None) -> Role:
        """An IAM role, with its permission and trust policies.

        Raises:
            NoSuchEntity: no role has this ARN.
            AccessDenied: ``account`` is not the role's account.
        """
        role = self._roles.get(arn)
        if role is None:
            msg = f"The role with name {arn.rsplit('/', 1)[-1]} cannot be found."
            raise NoSuchEntity(msg)
        self._own_iam(account, role.account, f"role {arn}")
        return role

    def describe_kms_key(self, arn: str, *, account: str | None = None) -> KmsKey:
        """A KMS key: its account, region and state.

        Raises:
            KMSNotFoundException: no key has this ARN.
            AccessDenied: ``account`` is not the key's account.
        """
        key = find_kms_key(self._keys, arn)  # an account's aws/s3 key exists implicitly
        if key is None:
            msg = f"Key '{arn}' does not exist"
            raise KMSNotFoundException(msg)
        self._own_iam(account, key.account, f"key {arn}")
        return key
