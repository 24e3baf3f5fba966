"""One page of a bucket listing, as ``ListObjectsV2`` and ``ListObjectVersions`` answer.

Why pages are values of their own: S3 never hands out a whole bucket in one answer, and
the engine answers these calls in O(page size) (plus one sorted pass over the bucket's
key names, see ``Engine.list_objects_v2``), so callers page exactly as with S3.
"""

from __future__ import annotations

import attrs

from s3repl.model import DeleteMarker, ObjectVersion

__all__ = ["ObjectsPage", "VersionsPage"]


@attrs.frozen(kw_only=True)
class ObjectsPage:
    """One page of ``ListObjectsV2``.

    Attributes:
        contents: the current versions listed, keys ascending (never delete markers).
        common_prefixes: the prefixes rolled up by the delimiter, ascending.
        is_truncated: whether more keys or prefixes follow this page.
        next_continuation_token: the token that asks for the next page, when truncated.
    """

    contents: tuple[ObjectVersion, ...] = ()
    common_prefixes: tuple[str, ...] = ()
    is_truncated: bool = False
    next_continuation_token: str | None = None

    @property
    def key_count(self) -> int:
        """Keys plus common prefixes on this page, as S3 counts ``KeyCount``."""
        return len(self.contents) + len(self.common_prefixes)


@attrs.frozen(kw_only=True)
class VersionsPage:
    """One page of ``ListObjectVersions``.

    Attributes:
        entries: versions and delete markers, keys ascending and newest first per key,
            each with ``is_latest`` set.
        is_truncated: whether more versions follow this page.
        next_key_marker: the ``KeyMarker`` of the next page, when truncated.
        next_version_id_marker: the ``VersionIdMarker`` of the next page, when truncated.
    """

    entries: tuple[ObjectVersion | DeleteMarker, ...] = ()
    is_truncated: bool = False
    next_key_marker: str | None = None
    next_version_id_marker: str | None = None
