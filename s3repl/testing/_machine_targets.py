"""What the state machine's rules act on, kept up to date one key at a time.

Why: the rules that act on an existing version (a delete by version id, a tag or ACL
change, a lifecycle expiration) draw it from every version there is.  Walking the
world for that before every rule would make each step cost as much as the world is
big; the machine refreshes only the keys a call touched, so its steps per second stay
flat as the world grows.  Each kind keeps two pools, every target and the interesting
ones (see ``machine._targets``), as lists with O(1) insertion and removal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from hypothesis import strategies as st

from s3repl.model import ObjectVersion, ReplicationStatus
from s3repl.world import World

#: The kinds of targets: a version to delete by id, to tag, to change the ACL of; a
#: key to expire.
KINDS = ("delete", "tag", "acl", "expire")


class _Pool:
    """A set with O(1) add and discard that can be drawn from by index."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._positions: dict[Any, int] = {}

    def add(self, item: Any) -> None:
        if item not in self._positions:
            self._positions[item] = len(self.items)
            self.items.append(item)

    def discard(self, item: Any) -> None:
        position = self._positions.pop(item, None)
        if position is None:
            return
        last = self.items.pop()
        if position < len(self.items):
            self.items[position] = last
            self._positions[last] = position


class Targets:
    """The targets of every kind, by pool: interesting ones and all of them.

    Interesting: for a tag change, a replicated version or a replica (the change
    travels, R-085, or must not, R-088, R-101); for an ACL change, a replicated
    version or a replica (R-084); for a delete by version id, the same (R-103); for an
    expiration, a key whose current version is PENDING (R-125).
    """

    def __init__(
        self, buckets: Sequence[str], acl_buckets: Sequence[str], keys: Sequence[str]
    ) -> None:
        self._buckets = tuple(buckets)
        self._acl_buckets = frozenset(acl_buckets)
        self._keys = frozenset(keys)
        self._pools = {kind: (_Pool(), _Pool()) for kind in KINDS}
        self._by_key: dict[str, list[tuple[str, Any, bool]]] = {}

    def refresh(self, world: World, keys: Iterable[str]) -> None:
        """Recompute the targets of ``keys`` (in every bucket) from ``world``."""
        for key in keys:
            self._refresh_key(world, key)

    def refresh_all(self, world: World) -> None:
        """Recompute every key's targets (once, at the start of a run)."""
        keys = set(self._keys)
        for bucket in self._buckets:
            keys.update(world.objects.get(bucket) or ())
        self.refresh(world, sorted(keys))

    def exists(self, kind: str) -> bool:
        """Whether there is any target of ``kind``."""
        return bool(self._pools[kind][1].items)

    def strategy(self, kind: str) -> st.SearchStrategy[Any]:
        """Draw a target of ``kind``: half the time an interesting one, if any."""
        interesting, every = (pool.items for pool in self._pools[kind])
        anything = _pick(every)
        return st.one_of(_pick(interesting), anything) if interesting else anything

    def _refresh_key(self, world: World, key: str) -> None:
        for kind, target, hot in self._by_key.pop(key, ()):
            interesting, every = self._pools[kind]
            every.discard(target)
            if hot:
                interesting.discard(target)
        entries: list[tuple[str, Any, bool]] = []
        for bucket in self._buckets:
            chains = world.objects.get(bucket)
            chain = None if chains is None else chains.get(key)
            if key in self._keys:
                head = None if chain is None else chain[0]
                pending = head is not None and head.replication_status is ReplicationStatus.PENDING
                entries.append(("expire", (bucket, key), pending))
            cursor = chain
            while cursor is not None:
                version, cursor = cursor
                target = (bucket, key, version.version_id)
                status = version.replication_status
                hot = status is ReplicationStatus.REPLICA or ReplicationStatus.COMPLETED in set(
                    version.destination_statuses.values()
                )
                entries.append(("delete", target, hot))
                if isinstance(version, ObjectVersion):
                    entries.append(("tag", target, hot))
                    if bucket in self._acl_buckets:
                        entries.append(("acl", target, hot))
        for kind, target, hot in entries:
            interesting, every = self._pools[kind]
            every.add(target)
            if hot:
                interesting.add(target)
        if entries:
            self._by_key[key] = entries


def _pick(items: list[Any]) -> st.SearchStrategy[Any]:
    """Draw one of ``items`` by index (no copy of the list, which may be long)."""
    return st.integers(min_value=0, max_value=len(items) - 1).map(items.__getitem__)
