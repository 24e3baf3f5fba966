"""Metadata changes of stored versions: tags, ACLs, retention and legal hold.

Why a module of its own: these operations change a version in place and route the
change (R-084..R-086, R-122) instead of creating a version, so they share one helper,
``_change_version``, and nothing of the write path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from s3repl import policy
from s3repl.codec import acl_from_dict
from s3repl.engine._core import _NOT_OWNER_ENFORCED_ACL
from s3repl.engine._objects import _choice, _ObjectOperations
from s3repl.errors import AccessControlListNotSupported, InvalidRequest
from s3repl.model import (
    Acl,
    CannedAcl,
    ObjectLockLegalHoldStatus,
    ObjectLockMode,
    ObjectOwnership,
    ObjectVersion,
    TaskKind,
)
from s3repl.model._fastbuild import evolve_version
from s3repl.model._frozenmap import EMPTY
from s3repl.model.tagging import check_tags

__all__: list[str] = []


class _MetadataOperations(_ObjectOperations):
    """Tag, ACL, retention and legal-hold changes of stored versions (replicated, R-085)."""

    def _change_version(
        self,
        bucket: str,
        key: str,
        version_id: str | None,
        account: str | None,
        action: str,
        change: Callable[[ObjectVersion], ObjectVersion],
        *,
        acl_changed: bool = False,
    ) -> ObjectVersion:
        target = self._bucket(bucket)
        self._authorize(target, account, action, key)
        version = self._resolve(bucket, key, version_id)
        updated = change(version)
        self._tick()
        routed = policy.metadata_change(self._world(), bucket, updated, acl_changed=acl_changed)
        updated = routed.version
        self._store.replace(bucket, key, version.version_id, updated)
        self._enqueue(
            bucket,
            updated,
            routed.routes,
            TaskKind.METADATA,
            replica_modification=routed.replica_sync,
        )
        return updated

    def put_object_tagging(
        self,
        bucket: str,
        key: str,
        tags: Mapping[str, str],
        *,
        version_id: str | None = None,
        account: str | None = None,
    ) -> ObjectVersion:
        """Replace a version's tags (metadata replication R-085; never makes it eligible, R-062)."""
        frozen = check_tags(tags)
        return self._change_version(
            bucket, key, version_id, account, "s3:PutObjectTagging",
            lambda v: evolve_version(v, tags=frozen),
        )  # fmt: skip

    def delete_object_tagging(
        self, bucket: str, key: str, *, version_id: str | None = None, account: str | None = None
    ) -> ObjectVersion:
        """Remove a version's tags (a metadata operation, R-085)."""
        return self._change_version(
            bucket, key, version_id, account, "s3:DeleteObjectTagging",
            lambda v: evolve_version(v, tags=EMPTY),
        )  # fmt: skip

    def get_object_tagging(
        self, bucket: str, key: str, *, version_id: str | None = None, account: str | None = None
    ) -> Mapping[str, str]:
        """Return a version's tags."""
        self._authorize(self._bucket(bucket), account, "s3:GetObjectTagging", key)
        return self._resolve(bucket, key, version_id).tags

    def put_object_acl(
        self,
        bucket: str,
        key: str,
        *,
        acl: CannedAcl | str | None = None,
        access_control_policy: Mapping[str, Any] | Acl | None = None,
        version_id: str | None = None,
        account: str | None = None,
    ) -> ObjectVersion:
        """Set a version's ACL (canned or explicit); replicated unless overridden (R-084)."""
        target = self._bucket(bucket)
        if target.ownership is ObjectOwnership.BUCKET_OWNER_ENFORCED:
            raise AccessControlListNotSupported(_NOT_OWNER_ENFORCED_ACL, bucket_name=bucket)
        if (acl is None) == (access_control_policy is None):
            msg = "Specify exactly one of acl or access_control_policy"
            raise InvalidRequest(msg, bucket_name=bucket)

        def change(version: ObjectVersion) -> ObjectVersion:
            if acl is not None:
                canned = _choice(CannedAcl, acl, "canned ACL", bucket)
                new = Acl.canned(canned, owner=version.owner, bucket_owner=target.owner)
            elif isinstance(access_control_policy, Acl):
                new = access_control_policy
            else:
                assert access_control_policy is not None
                new = acl_from_dict(access_control_policy)
            return evolve_version(version, acl=new)

        return self._change_version(
            bucket, key, version_id, account, "s3:PutObjectAcl", change, acl_changed=True
        )

    def put_object_retention(
        self,
        bucket: str,
        key: str,
        *,
        mode: ObjectLockMode | str,
        retain_until_date: dt.datetime,
        version_id: str | None = None,
        account: str | None = None,
    ) -> ObjectVersion:
        """Set a version's retention (Object Lock buckets only; replicated, R-085, R-086)."""
        target = self._bucket(bucket)
        lock_mode, until, _ = self._lock_settings(target, mode, retain_until_date, None)
        return self._change_version(
            bucket, key, version_id, account, "s3:PutObjectRetention",
            lambda v: evolve_version(
                v, object_lock_mode=lock_mode, object_lock_retain_until_date=until
            ),
        )  # fmt: skip

    def put_object_legal_hold(
        self,
        bucket: str,
        key: str,
        *,
        status: ObjectLockLegalHoldStatus | str,
        version_id: str | None = None,
        account: str | None = None,
    ) -> ObjectVersion:
        """Set a version's legal hold (Object Lock buckets only; replicated, R-085)."""
        target = self._bucket(bucket)
        _, _, hold = self._lock_settings(target, None, None, status)
        return self._change_version(
            bucket, key, version_id, account, "s3:PutObjectLegalHold",
            lambda v: evolve_version(v, object_lock_legal_hold_status=hold),
        )  # fmt: skip
