"""Version chains: a key's versions as an immutable cons list, newest first.

Why a cons list: a put is O(1) (a new head cell) and a fork copies only the
bucket's key -> chain dict, sharing every chain (DESIGN.md, "State").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from s3repl.model import NULL_VERSION_ID
from s3repl.world import Chain, Version

__all__ = ["find", "insert_ordered", "iterate", "place", "push", "remove", "replace"]


def iterate(chain: Chain) -> Iterator[Version]:
    """Yield a chain's versions, newest first."""
    while chain is not None:
        yield chain[0]
        chain = chain[1]


def find(chain: Chain, version_id: str) -> Version | None:
    """Return the version with ``version_id``, or ``None``."""
    while chain is not None:
        if chain[0].version_id == version_id:
            return chain[0]
        chain = chain[1]
    return None


def push(chain: Chain, version: Version) -> Chain:
    """Return the chain with ``version`` as its new head.

    A ``null`` version replaces the key's previous ``null`` version, as S3 does on
    unversioned and suspended buckets.
    """
    if version.version_id == NULL_VERSION_ID:
        chain = remove(chain, NULL_VERSION_ID)
    return (version, chain)


def place(chain: Chain, replica: Version, *, by_source_time: bool) -> Chain:
    """Return the chain with ``replica`` written into it (R-142, R-143).

    By source time, it goes where its creation time puts it, so a late older version
    never becomes current; in arrival order it becomes the head.  Either way it
    replaces an earlier copy of the same version.
    """
    if chain is None:
        return (replica, None)
    if by_source_time:
        return insert_ordered(chain, replica)
    return (replica, remove(chain, replica.version_id))


def remove(chain: Chain, version_id: str) -> Chain:
    """Return the chain without the version ``version_id`` (unchanged if absent)."""
    kept: list[Version] = []
    cursor = chain
    while cursor is not None:
        if cursor[0].version_id == version_id:
            return _rebuild(kept, cursor[1])
        kept.append(cursor[0])
        cursor = cursor[1]
    return chain


def replace(chain: Chain, version_id: str, change: Callable[[Version], Version]) -> Chain:
    """Return the chain with the version ``version_id`` replaced by ``change(version)``."""
    kept: list[Version] = []
    cursor = chain
    while cursor is not None:
        if cursor[0].version_id == version_id:
            return _rebuild(kept, (change(cursor[0]), cursor[1]))
        kept.append(cursor[0])
        cursor = cursor[1]
    return chain


def insert_ordered(chain: Chain, version: Version) -> Chain:
    """Insert ``version`` below every version created after it (R-143 source order).

    An existing version with the same id is replaced in place.  Sequences are unique
    per version (a replica keeps its source's), so the walk stops at the first older
    version: O(versions newer than this one), not O(versions of the key).
    """
    if version.version_id == NULL_VERSION_ID:
        chain = remove(chain, NULL_VERSION_ID)
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
