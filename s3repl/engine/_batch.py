"""DeleteObjects: many deletes in one call, each answered on its own.

Why it is only a loop over ``delete_object``: S3 treats every key of the request as
its own delete (own authorization, own Object Lock check, own delete marker and its
replication), and reports each key's outcome instead of failing the request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from s3repl.engine._arguments import delete_targets
from s3repl.engine._core import _EngineCore
from s3repl.engine.results import DeletedObject, DeleteError, DeleteObjectsResult, DeleteResult
from s3repl.errors import MalformedXML, S3Error

__all__: list[str] = []

#: S3 deletes at most this many keys per ``DeleteObjects`` request.
DELETE_OBJECTS_MAX = 1000


class _Batch(_EngineCore):
    """``DeleteObjects``."""

    if TYPE_CHECKING:  # implemented by the object operations

        def delete_object(
            self,
            bucket: str,
            key: str,
            *,
            version_id: str | None = None,
            bypass_governance_retention: bool = False,
            account: str | None = None,
        ) -> DeleteResult: ...

    def delete_objects(
        self,
        bucket: str,
        objects: Sequence[str | Mapping[str, str] | tuple[str, str | None]],
        *,
        bypass_governance_retention: bool = False,
        account: str | None = None,
    ) -> DeleteObjectsResult:
        """Delete up to 1,000 keys (or versions), each as :meth:`delete_object` would.

        Args:
            bucket: the bucket.
            objects: keys, ``(key, version_id)`` pairs, or boto3's
                ``{"Key": ..., "VersionId": ...}`` dicts, in request order.
            bypass_governance_retention: as :meth:`delete_object`.
            account: the calling account, checked per key.

        Returns:
            Every key deleted and every key refused (with its S3 error code), in order.

        Raises:
            NoSuchBucket: the bucket does not exist (nothing is deleted).
            MalformedXML: no keys, or more than 1,000 (nothing is deleted).
        """
        self._bucket(bucket)
        targets = delete_targets(objects, bucket)
        if not 1 <= len(targets) <= DELETE_OBJECTS_MAX:
            raise MalformedXML(
                MalformedXML.DEFAULT_MESSAGE, bucket_name=bucket, element="Delete/Object"
            )
        deleted: list[DeletedObject] = []
        errors: list[DeleteError] = []
        for key, version_id in targets:
            try:
                result = self.delete_object(
                    bucket,
                    key,
                    version_id=version_id,
                    bypass_governance_retention=bypass_governance_retention,
                    account=account,
                )
            except S3Error as err:
                errors.append(
                    DeleteError(key=key, version_id=version_id, code=err.code, message=err.message)
                )
                continue
            marker_id = result.version_id if result.delete_marker else None
            deleted.append(
                DeletedObject(
                    key=key,
                    version_id=version_id,
                    delete_marker=result.delete_marker,
                    delete_marker_version_id=marker_id,
                )
            )
        return DeleteObjectsResult(deleted=tuple(deleted), errors=tuple(errors))
