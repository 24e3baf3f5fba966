"""The object store: every bucket's keys and each key's versions, behind one object.

Why one object: the engine reads and writes versions only through these methods, so how
versions are held can change without touching the operations or the replicator.

Theory of operation.  A key's versions take one of two forms, chosen by how deep the
engine reaches into them:

- **a chain** (the usual form): a cons list ``(version, rest)``, newest first, exactly
  the public form of ``World.objects``.  A put is a new head cell (O(1)); a fork copies
  only the bucket's key -> chain dict and shares every chain (forks are cheap); a
  snapshot shares them too.  It costs one 56-byte cell per version and nothing per key,
  which keeps a stored version under the memory budget.  Its weakness: reaching a
  version below the head walks the chain, and changing it rebuilds every cell above.
- **an index** (:class:`_Indexed`), which a key becomes the first time an operation has
  to reach more than ``_DEEP`` cells down (a lagging hot key: many puts, then tasks
  applied oldest first): the version ids oldest first in a list, and a dict from id to
  the current version.  Finding a version is a dict lookup, a status change rewrites
  one dict entry without touching the order, a put appends.  Removing or inserting a
  version below the head shifts the id list (a C ``memmove`` of pointers, not a walk).

Forks and snapshots.  An index is mutable, so it is copied on write: it carries the
token of the store that owns it, a fork gives both stores new tokens, and a store
copies an index it does not own before its first write to it.  Snapshots and the
policy view (``view``) show an index as a chain, built on demand and cached in the index
until it changes, so readers of ``World.objects`` and ``World.versions`` see one form.
Version ids are unique per key (``null`` at most once), which is what an index relies
on; a chain holding a repeated id (a World built by hand) is never indexed.

Heads told, not built.  A replication step changes a source version's statuses
(:class:`~s3repl.model.VersionStatuses`), nearly always those of the key's newest
version, and writes a replica that is a copy of the source version in a
:class:`~s3repl.policy.ReplicaShape`, often as a new key's first version.  Both would
copy a 23-field version.  Instead a head cell of three fields ``(version, rest,
pending)`` keeps what the head *is*: the stored version with the statuses recorded
beside it (:meth:`ObjectStore.record`), or the source version whose replica in a shape
it is (:meth:`ObjectStore.place_replica_of`, a new key's first version only; the two
share key, version id and sequence, all the store reads).  The head is built
(*settled*) the first time anything reads it or writes beside it.  Why: most versions
are recorded once or twice and most replicas never read in a simulation, so the copies
a step made were mostly never needed.  Only a head cell is pending (recording below the
head, or placing a replica on other versions, builds at once), and no reader sees the
three-field form: ``head``, ``find``, ``versions``, ``view`` and ``snapshot`` settle
first.  A snapshot settles every pending head (a scan of the keys, only when a head was
left pending since the last one).

Typing: an entry known to be a chain is narrowed with ``# type: ignore``, not
``typing.cast``: ``cast`` is a function call at run time, several per operation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeAlias, cast

from s3repl.model import NULL_VERSION_ID, FrozenMap, VersionStatuses
from s3repl.model._fastbuild import with_recorded
from s3repl.world import Chain, Version

if TYPE_CHECKING:
    from s3repl.model import ObjectVersion
    from s3repl.policy import ReplicaShape

__all__ = ["ObjectStore"]

#: Cells an operation may walk in a chain before the key becomes an index.
_DEEP = 8


class _Indexed:
    """A key's versions as an index: ids oldest first, and the current version per id."""

    __slots__ = ("by_id", "chain", "ids", "owner")

    def __init__(
        self, owner: object, ids: list[str], by_id: dict[str, Version], chain: Chain
    ) -> None:
        self.owner = owner
        self.ids = ids
        self.by_id = by_id
        self.chain = chain  # the same versions as a chain, or None until asked for

    @classmethod
    def of(cls, owner: object, chain: Chain) -> _Indexed | None:
        """The index of ``chain``, or ``None`` if a version id repeats in it."""
        newest_first: list[Version] = []
        cursor = chain
        while cursor is not None:
            newest_first.append(cursor[0])
            cursor = cursor[1]
        by_id = {version.version_id: version for version in reversed(newest_first)}
        if len(by_id) != len(newest_first):
            return None
        return cls(owner, list(by_id), by_id, chain)

    def copy(self, owner: object) -> _Indexed:
        return _Indexed(owner, self.ids.copy(), self.by_id.copy(), self.chain)

    def head(self) -> Version:
        return self.by_id[self.ids[-1]]

    def as_chain(self) -> Chain:
        chain = self.chain
        if chain is None:
            by_id = self.by_id
            for version_id in self.ids:
                chain = (by_id[version_id], chain)
            self.chain = chain
        return chain

    def newest_first(self) -> list[Version]:
        by_id = self.by_id
        return [by_id[version_id] for version_id in reversed(self.ids)]

    def push(self, version: Version) -> None:
        version_id = version.version_id
        if version_id in self.by_id:
            self.remove(version_id)
        self.ids.append(version_id)
        self.by_id[version_id] = version
        self.chain = None

    def insert_ordered(self, version: Version) -> None:
        """Below every version created after it (R-143); in place if already there."""
        version_id = version.version_id
        if version_id in self.by_id and version_id != NULL_VERSION_ID:
            self.by_id[version_id] = version
            self.chain = None
            return
        if version_id in self.by_id:
            self.remove(version_id)
        ids, by_id, sequence = self.ids, self.by_id, version.sequence
        at = len(ids)
        while at and by_id[ids[at - 1]].sequence >= sequence:
            at -= 1
        ids.insert(at, version_id)
        by_id[version_id] = version
        self.chain = None

    def replace(self, version_id: str, new: Version) -> None:
        if new.version_id != version_id:  # an id change keeps the version's place
            self.ids[self.ids.index(version_id)] = new.version_id
            del self.by_id[version_id]
        self.by_id[new.version_id] = new
        self.chain = None

    def remove(self, version_id: str) -> None:
        ids = self.ids
        del self.by_id[version_id]
        if ids[-1] == version_id:
            ids.pop()
        else:
            ids.remove(version_id)
        self.chain = None


#: A chain whose head is pending: ``(version, rest, statuses)``, the version with the
#: statuses recorded beside it, or ``(source version, rest, shape)``, its replica.
_PendingHead: TypeAlias = "tuple[Version, Chain, VersionStatuses | ReplicaShape]"
_Entry: TypeAlias = "Chain | _Indexed | _PendingHead"


def _settle(keys: dict[str, _Entry], key: str, head: _PendingHead) -> Chain:
    """Build the pending head version; store and return the chain."""
    version, rest, pending = head
    if pending.__class__ is VersionStatuses:
        settled = with_recorded(version, pending)
    else:
        settled = pending.replica_of(version)  # type: ignore[union-attr, arg-type]
    chain: Chain = (settled, rest)
    keys[key] = chain
    return chain


def _chain_of(keys: dict[str, _Entry], key: str, entry: _Entry) -> Chain:
    """The chain an entry stands for: an index as a chain, a pending head settled."""
    if entry.__class__ is _Indexed:
        return entry.as_chain()
    if len(entry) == 3:  # type: ignore[arg-type]
        return _settle(keys, key, entry)  # type: ignore[arg-type]
    return entry  # type: ignore[return-value]


class _ChainsView(FrozenMap[str, Chain]):
    """A live read-only key -> chain map over a bucket's entries.

    Indexes are shown as chains; a pending head is settled in the live map first.
    """

    __slots__ = ()

    def __getitem__(self, key: str) -> Chain:
        """The key's chain."""
        entries: dict[str, _Entry] = self._data  # type: ignore[assignment]
        return _chain_of(entries, key, entries[key])

    def get(self, key: str, /, default: object = None) -> object:  # type: ignore[override]
        """The key's chain, or ``default``."""
        entries: dict[str, _Entry] = self._data  # type: ignore[assignment]
        entry = entries.get(key, _ABSENT)
        if entry is _ABSENT:
            return default
        return _chain_of(entries, key, entry)


_ABSENT = cast("_Entry", object())


class ObjectStore:
    """Every bucket's versions, newest first per key (the engine's only object state)."""

    __slots__ = ("_buckets", "_indexed", "_token", "_unsettled")

    def __init__(self, buckets: dict[str, dict[str, Chain]] | None = None) -> None:
        """Hold ``buckets`` (bucket name -> key -> chain), taken over, not copied."""
        self._buckets: dict[str, dict[str, _Entry]] = (
            {} if buckets is None else cast("dict[str, dict[str, _Entry]]", buckets)
        )
        # Per bucket, the keys held as an index (a dict used as an ordered set).
        self._indexed: dict[str, dict[str, None]] = {}
        self._token = object()
        # Whether a head may be pending (set by record and place_replica_of, reset by snapshot).
        self._unsettled = False

    # --- buckets ------------------------------------------------------------------

    def add_bucket(self, bucket: str) -> None:
        """Start an empty bucket."""
        self._buckets[bucket] = {}

    def drop_bucket(self, bucket: str) -> None:
        """Forget a bucket and everything in it."""
        del self._buckets[bucket]
        self._indexed.pop(bucket, None)

    def is_empty(self, bucket: str) -> bool:
        """Whether the bucket holds no version and no delete marker."""
        return not self._buckets[bucket]

    def keys(self, bucket: str) -> list[str]:
        """The bucket's keys, ascending."""
        return sorted(self._buckets.get(bucket, ()))

    # --- reads --------------------------------------------------------------------

    def head(self, bucket: str, key: str) -> Version | None:
        """The key's newest version or delete marker, or ``None`` (also for an unknown bucket)."""
        entry = self._buckets.get(bucket, _NO_KEYS).get(key)
        if entry is None:
            return None
        if entry.__class__ is _Indexed:
            return entry.head()
        if len(entry) == 3:  # type: ignore[arg-type]
            entry = _settle(self._buckets[bucket], key, entry)  # type: ignore[arg-type]
        return entry[0]  # type: ignore[index]

    def find(self, bucket: str, key: str, version_id: str) -> Version | None:
        """The key's version ``version_id``, or ``None`` (also for an unknown bucket)."""
        keys = self._buckets.get(bucket)
        if keys is None:
            return None
        entry = keys.get(key)
        if entry is None:
            return None
        if entry.__class__ is _Indexed:
            return entry.by_id.get(version_id)
        if entry[0].version_id == version_id:  # type: ignore[index]  # the newest
            if len(entry) == 3:  # type: ignore[arg-type]
                entry = _settle(keys, key, entry)  # type: ignore[arg-type]
            return entry[0]  # type: ignore[index]
        chain: Chain = entry[1]  # type: ignore[index]  # below a pending head: all built
        depth = 1
        while chain is not None:
            if chain[0].version_id == version_id:
                return chain[0]
            chain = chain[1]
            depth += 1
            if depth > _DEEP:
                if len(entry) == 3:  # type: ignore[arg-type]  # an index holds built versions
                    _settle(keys, key, entry)  # type: ignore[arg-type]
                indexed = self._index(bucket, key)
                if indexed is not None:
                    return indexed.by_id.get(version_id)
        return None

    def find_as_stored(
        self, bucket: str, key: str, version_id: str
    ) -> tuple[Version | None, VersionStatuses | None]:
        """The key's version ``version_id`` and the statuses recorded beside it, unsettled.

        For the replicator's step, which hands both to policy (``policy.apply``'s
        ``recorded``) instead of having the version copied with them; the statuses are
        ``None`` when the version holds its own.  Like :meth:`find` otherwise (a
        replica told by its shape is built).
        """
        entry = self._buckets.get(bucket, _NO_KEYS).get(key)
        if entry.__class__ is tuple and entry[0].version_id == version_id:  # the head: usual
            if len(entry) == 2:
                return entry[0], None
            if entry[2].__class__ is VersionStatuses:
                return entry[0], entry[2]
        return self.find(bucket, key, version_id), None

    def versions(self, bucket: str, key: str) -> Iterator[Version]:
        """The key's versions and delete markers, newest first."""
        keys = self._buckets[bucket]
        entry = keys.get(key)
        if entry is None:
            return
        if entry.__class__ is _Indexed:
            yield from entry.newest_first()
            return
        chain = _chain_of(keys, key, entry)
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
        entry = keys.get(key)
        if entry is None:  # a new key
            keys[key] = (version, None)
            return
        if entry.__class__ is _Indexed:
            self._owned(bucket, key, entry).push(version)
            return
        chain: Chain = entry if len(entry) == 2 else _settle(keys, key, entry)  # type: ignore[arg-type, assignment]
        if version.version_id == NULL_VERSION_ID and chain is not None:
            if _beyond(chain, NULL_VERSION_ID) and (indexed := self._index(bucket, key)):
                indexed.push(version)
                return
            chain = _remove(chain, NULL_VERSION_ID)
        keys[key] = (version, chain)

    def place(self, bucket: str, key: str, replica: Version, by_source_time: bool) -> None:  # noqa: FBT001
        """Write a replica into the key's versions (R-142, R-143).

        By source time, it goes where its creation time puts it, so a late older version
        never becomes current; in arrival order it becomes the head.  Either way it
        replaces an earlier copy of the same version.
        """
        keys = self._buckets[bucket]
        entry = keys.get(key)
        if entry is None:
            keys[key] = (replica, None)
            return
        if entry.__class__ is tuple and len(entry) == 3:
            entry = _settle(keys, key, entry)
        if (
            by_source_time
            and entry.__class__ is tuple
            and entry[0].sequence < replica.sequence
            and replica.version_id != NULL_VERSION_ID
        ):  # the usual case: the newest version arrives, and becomes the head
            keys[key] = (replica, entry)  # type: ignore[assignment]  # a chain here
            return
        if entry.__class__ is _Indexed:
            indexed: _Indexed | None = self._owned(bucket, key, entry)
        else:
            chain: Chain = entry  # type: ignore[assignment]  # a chain here
            if by_source_time:  # the walk passes the newer versions (and a null one)
                deep = _newer_beyond(chain, replica.sequence) or (
                    replica.version_id == NULL_VERSION_ID and _beyond(chain, NULL_VERSION_ID)
                )
            else:  # the walk looks for an earlier copy
                deep = _beyond(chain, replica.version_id)
            indexed = self._index(bucket, key) if deep else None
        if indexed is None:
            chain = entry  # type: ignore[assignment]  # a chain here
            if by_source_time:
                keys[key] = _insert_ordered(chain, replica)
            else:
                keys[key] = (replica, _remove(chain, replica.version_id))
        elif by_source_time:
            indexed.insert_ordered(replica)
        else:
            indexed.push(replica)

    def place_replica_of(
        self,
        bucket: str,
        key: str,
        version: ObjectVersion,
        shape: ReplicaShape,
        by_source_time: bool,  # noqa: FBT001
    ) -> None:
        """:meth:`place` ``shape.replica_of(version)``, built when first read.

        Pending only as the first version of its key (a new key); built now on top of
        other versions.  Why: a pending head is built when the next version of its key
        arrives, long after, when its source version has left the processor's caches;
        a million-put simulation with ten versions per key ran 20% slower with every
        replica left pending (the workload suite's distinct keys gain 8 to 9%).
        """
        keys = self._buckets[bucket]
        if key not in keys:
            keys[key] = (version, None, shape)
            self._unsettled = True
            return
        self.place(bucket, key, shape.replica_of(version), by_source_time)

    def replace(self, bucket: str, key: str, version_id: str, new: Version) -> None:
        """Put ``new`` in the place of the key's version ``version_id`` (no-op if absent).

        A pending old head goes with it: ``new`` was made from the version as a read
        returned it, settled.
        """
        keys = self._buckets[bucket]
        entry = keys.get(key)
        if entry.__class__ is tuple and entry[0].version_id == version_id:
            keys[key] = (new, entry[1])  # every step: the head
            return
        self.change(bucket, key, version_id, lambda _old: new)

    def record(self, bucket: str, key: str, version_id: str, statuses: VersionStatuses) -> None:
        """Give the key's version ``version_id`` new replication statuses (no-op if absent).

        The newest version keeps them beside it, uncopied, until it is read; any other
        version is copied with them now.
        """
        keys = self._buckets[bucket]
        entry = keys.get(key)
        if entry.__class__ is tuple and entry[0].version_id == version_id:
            if len(entry) == 3 and entry[2].__class__ is not VersionStatuses:
                entry = _settle(keys, key, entry)  # a replica told by its shape: built
            keys[key] = (entry[0], entry[1], statuses)  # type: ignore[index]  # a chain here
            self._unsettled = True
            return
        self.change(bucket, key, version_id, lambda version: with_recorded(version, statuses))

    def change(
        self, bucket: str, key: str, version_id: str, change: Callable[[Version], Version]
    ) -> None:
        """Replace the key's version ``version_id`` by ``change(version)`` (no-op if absent)."""
        keys = self._buckets[bucket]
        entry = keys.get(key)
        if entry is None:
            return
        if entry.__class__ is tuple and len(entry) == 3:
            entry = _settle(keys, key, entry)
        if entry.__class__ is tuple and entry[0].version_id == version_id:
            keys[key] = (change(entry[0]), entry[1])
            return
        indexed = self._deep(bucket, key, version_id)
        if indexed is not None:
            old = indexed.by_id.get(version_id)
            if old is not None:
                indexed.replace(version_id, change(old))
            return
        kept: list[Version] = []
        cursor: Chain = entry  # type: ignore[assignment]  # a chain here
        while cursor is not None:
            if cursor[0].version_id == version_id:
                keys[key] = _rebuild(kept, (change(cursor[0]), cursor[1]))
                return
            kept.append(cursor[0])
            cursor = cursor[1]

    def remove(self, bucket: str, key: str, version_id: str) -> None:
        """Remove the key's version ``version_id`` (no-op if absent); drop an emptied key."""
        keys = self._buckets[bucket]
        entry = keys.get(key)
        if entry is None:
            return
        if entry.__class__ is tuple:
            if entry[0].version_id == version_id:  # the newest (pending or not): it goes
                rest = entry[1]
                if rest is None:
                    del keys[key]
                else:
                    keys[key] = rest
                return
            if len(entry) == 3:
                entry = _settle(keys, key, entry)
        indexed = self._deep(bucket, key, version_id)
        if indexed is not None:
            if version_id in indexed.by_id:
                indexed.remove(version_id)
                if not indexed.ids:
                    del keys[key]
                    del self._indexed[bucket][key]
            return
        rest = _remove(entry, version_id)  # type: ignore[arg-type]
        if rest is None:
            keys.pop(key, None)
        else:
            keys[key] = rest

    # --- snapshots and forks ------------------------------------------------------

    def view(self) -> FrozenMap[str, FrozenMap[str, Chain]]:
        """A read-only view of the live maps (for policy's world view; never handed out).

        Reading a key through it settles the key's pending head in the live map.
        """
        return FrozenMap._wrap(
            {
                name: _ChainsView._wrap(cast("dict[str, Chain]", keys))
                for name, keys in self._buckets.items()
            }
        )

    def snapshot(self) -> FrozenMap[str, FrozenMap[str, Chain]]:
        """An immutable copy (chains are shared: they never change).

        Every pending head is settled first, when any was left pending since the last
        snapshot: a scan of every key (O(keys)), as the copy itself is.
        """
        if self._unsettled:
            for keys in self._buckets.values():
                recorded = [
                    key
                    for key, entry in keys.items()
                    if entry.__class__ is tuple and len(entry) == 3
                ]
                for key in recorded:
                    _settle(keys, key, keys[key])  # type: ignore[arg-type]
            self._unsettled = False
        out: dict[str, FrozenMap[str, Chain]] = {}
        for name, keys in self._buckets.items():
            copied = cast("dict[str, Chain]", keys.copy())
            for key in self._indexed.get(name, ()):
                copied[key] = cast("_Indexed", keys[key]).as_chain()
            out[name] = FrozenMap._wrap(copied)
        return FrozenMap._wrap(out)

    @classmethod
    def from_snapshot(cls, objects: FrozenMap[str, FrozenMap[str, Chain]]) -> ObjectStore:
        """A live store holding a snapshot's objects."""
        return cls({name: keys.to_dict() for name, keys in objects.items()})

    def fork(self) -> ObjectStore:
        """An independent store with the same objects: O(keys), indexes copied on write."""
        self._token = object()  # indexes shared from now on: this store copies them too
        forked = ObjectStore()
        forked._unsettled = self._unsettled  # pending heads are shared: never changed
        forked._buckets = {name: keys.copy() for name, keys in self._buckets.items()}
        forked._indexed = {name: keys.copy() for name, keys in self._indexed.items() if keys}
        return forked

    # --- the index form -----------------------------------------------------------

    def _owned(self, bucket: str, key: str, indexed: _Indexed) -> _Indexed:
        """``indexed``, copied first if another store may share it (copy on write)."""
        if indexed.owner is not self._token:
            indexed = indexed.copy(self._token)
            self._buckets[bucket][key] = indexed
        return indexed

    def _index(self, bucket: str, key: str) -> _Indexed | None:
        """Turn the key's chain into an index owned by this store (``None``: ids repeat).

        Every caller has settled a pending head first.
        """
        keys = self._buckets[bucket]
        indexed = _Indexed.of(self._token, cast("Chain", keys[key]))
        if indexed is not None:
            keys[key] = indexed
            self._indexed.setdefault(bucket, {})[key] = None
        return indexed

    def _deep(self, bucket: str, key: str, version_id: str) -> _Indexed | None:
        """The key's index, ready to write, if it has one or its chain is deep.

        Deep: reaching ``version_id`` walks more than ``_DEEP`` cells; the key then
        becomes an index.
        """
        entry = self._buckets[bucket][key]
        if entry.__class__ is _Indexed:
            return self._owned(bucket, key, entry)
        chain: Chain = entry  # type: ignore[assignment]  # a chain here
        return self._index(bucket, key) if _beyond(chain, version_id) else None


_NO_KEYS: dict[str, _Entry] = {}


def _beyond(chain: Chain, version_id: str) -> bool:
    """Whether finding ``version_id`` in ``chain`` (or not) walks more than ``_DEEP`` cells."""
    for _ in range(_DEEP):
        if chain is None or chain[0].version_id == version_id:
            return False
        chain = chain[1]
    return chain is not None


def _newer_beyond(chain: Chain, sequence: int) -> bool:
    """Whether more than ``_DEEP`` versions at the chain's top were created after ``sequence``."""
    for _ in range(_DEEP):
        if chain is None or chain[0].sequence < sequence:
            return False
        chain = chain[1]
    return chain is not None and chain[0].sequence >= sequence


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
