"""The object store: every bucket's keys and each key's versions, behind one object.

Why one object: the engine reads and writes versions only through these methods, so how
versions are held (today a cons list per key, newest first, shared between forks) can
change without touching the operations or the replicator.

Why a cons list: a put is O(1) (a new head cell) and a fork copies only the bucket's
key -> chain dict, sharing every chain (DESIGN.md, "State").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from s3repl.model import NULL_VERSION_ID, FrozenMap
from s3repl.world import Chain, Version

__all__ = ["ObjectStore"]


class ObjectStore:
    """Every bucket's versions, newest first per key (the engine's only object state)."""

    __slots__ = ("_buckets",)

    def __init__(self, buckets: dict[str, dict[str, Chain]] | None = None) -> None:
        """Hold ``buckets`` (bucket name -> key -> chain), taken over, not copied."""
        self._buckets: dict[str, dict[str, Chain]] = {} if buckets is None else buckets

    # --- buckets ------------------------------------------------------------------

    def add_bucket(self, bucket: str) -> None:
        """Start an empty bucket."""
        self._buckets[bucket] = {}

    def drop_bucket(self, bucket: str) -> None:
        """Forget a bucket and everything in it."""
        del self._buckets[bucket]

    def is_empty(self, bucket: str) -> bool:
        """Whether the bucket holds no version and no delete marker."""
        return not self._buckets[bucket]

    def keys(self, bucket: str) -> list[str]:
        """The bucket's keys, ascending."""
        return sorted(self._buckets.get(bucket, ()))

    # --- reads --------------------------------------------------------------------

    def head(self, bucket: str, key: str) -> Version | None:
        """The key's newest version or delete marker, or ``None`` (also for an unknown bucket)."""
        chain = self._buckets.get(bucket, {}).get(key)
        return None if chain is None else chain[0]

    def find(self, bucket: str, key: str, version_id: str) -> Version | None:
        """The key's version ``version_id``, or ``None`` (also for an unknown bucket)."""
        chain = self._buckets.get(bucket, {}).get(key)
        while chain is not None:
            if chain[0].version_id == version_id:
                return chain[0]
            chain = chain[1]
        return None

    def versions(self, bucket: str, key: str) -> Iterator[Version]:
        """The key's versions and delete markers, newest first."""
        chain = self._buckets[bucket].get(key)
        while chain is not None:
            yield chain[0]
            chain = chain[1]

    # --- writes -------------------------------------------------------------------

    def push(self, bucket: str, key: str, version: Version) -> None:
        """Make ``version`` the key's newest.

        A ``null`` version replaces the key's previous ``null`` version, as S3 does on
        unversioned and suspended buckets.
        """
        keys = self._buckets[bucket]
        chain = keys.get(key)
        if version.version_id == NULL_VERSION_ID:
            chain = _remove(chain, NULL_VERSION_ID)
        keys[key] = (version, chain)

    def place(self, bucket: str, key: str, replica: Version, *, by_source_time: bool) -> None:
        """Write a replica into the key's versions (R-142, R-143).

        By source time, it goes where its creation time puts it, so a late older version
        never becomes current; in arrival order it becomes the head.  Either way it
        replaces an earlier copy of the same version.
        """
        keys = self._buckets[bucket]
        chain = keys.get(key)
        if chain is None:
            keys[key] = (replica, None)
        elif by_source_time:
            keys[key] = _insert_ordered(chain, replica)
        else:
            keys[key] = (replica, _remove(chain, replica.version_id))

    def replace(self, bucket: str, key: str, version_id: str, new: Version) -> None:
        """Put ``new`` in the place of the key's version ``version_id`` (no-op if absent)."""
        self.change(bucket, key, version_id, lambda _old: new)

    def change(
        self, bucket: str, key: str, version_id: str, change: Callable[[Version], Version]
    ) -> None:
        """Replace the key's version ``version_id`` by ``change(version)`` (no-op if absent)."""
        keys = self._buckets[bucket]
        chain = keys.get(key)
        kept: list[Version] = []
        cursor = chain
        while cursor is not None:
            if cursor[0].version_id == version_id:
                keys[key] = _rebuild(kept, (change(cursor[0]), cursor[1]))
                return
            kept.append(cursor[0])
            cursor = cursor[1]

    def remove(self, bucket: str, key: str, version_id: str) -> None:
        """Remove the key's version ``version_id`` (no-op if absent); drop an emptied key."""
        keys = self._buckets[bucket]
        rest = _remove(keys.get(key), version_id)
        if rest is None:
            keys.pop(key, None)
        else:
            keys[key] = rest

    # --- snapshots and forks ------------------------------------------------------

    def view(self) -> FrozenMap[str, FrozenMap[str, Chain]]:
        """A read-only view of the live maps (for policy's world view; never handed out)."""
        return FrozenMap._wrap(
            {name: FrozenMap._wrap(keys) for name, keys in self._buckets.items()}
        )

    def snapshot(self) -> FrozenMap[str, FrozenMap[str, Chain]]:
        """An immutable copy (chains are shared: they never change)."""
        return FrozenMap({name: FrozenMap(keys) for name, keys in self._buckets.items()})

    @classmethod
    def from_snapshot(cls, objects: FrozenMap[str, FrozenMap[str, Chain]]) -> ObjectStore:
        """A live store holding a snapshot's objects."""
        return cls({name: keys.to_dict() for name, keys in objects.items()})


def _remove(chain: Chain, version_id: str) -> Chain:
    """The chain without the version ``version_id`` (unchanged if absent)."""
    kept: list[Version] = []
    cursor = chain
    while cursor is not None:
        if cursor[0].version_id == version_id:
            return _rebuild(kept, cursor[1])
        kept.append(cursor[0])
        cursor = cursor[1]
    return chain


def _insert_ordered(chain: Chain, version: Version) -> Chain:
    """Insert ``version`` below every version created after it (R-143 source order).

    An existing version with the same id is replaced in place.  Sequences are unique
    per version (a replica keeps its source's), so the walk stops at the first older
    version: O(versions newer than this one), not O(versions of the key).
    """
    if version.version_id == NULL_VERSION_ID:
        chain = _remove(chain, NULL_VERSION_ID)
    kept: list[Version] = []
    cursor = chain
    while cursor is not None and cursor[0].sequence >= version.sequence:
        if cursor[0].version_id == version.version_id:
            return _rebuild(kept, (version, cursor[1]))
        kept.append(cursor[0])
        cursor = cursor[1]
    return _rebuild(kept, (version, cursor))


def _rebuild(newer: list[Version], rest: Chain) -> Chain:
    for version in reversed(newer):
        rest = (version, rest)
    return rest
