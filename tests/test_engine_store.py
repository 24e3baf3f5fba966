"""The object store: whatever form a key's versions take (a chain, or an index once an
operation reaches deep), reads, snapshots, views and forks agree with a plain newest-first
list, and the lagging hot key stays cheap (DESIGN, "State" and promise 3)."""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from worlds import fan_out

from s3repl import ReplicationStatus
from s3repl.engine._store import ObjectStore
from s3repl.model import DeleteMarker, FrozenMap
from s3repl.world import Chain, Version

WHEN = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def marker(version_id: str, sequence: int, *, flag: bool = False) -> DeleteMarker:
    return DeleteMarker(
        key="k",
        version_id=version_id,
        last_modified=WHEN,
        owner="123456789012",
        sequence=sequence,
        is_latest=flag,
    )


class Reference:
    """The store's meaning, as plain newest-first lists (the old chain algorithms)."""

    def __init__(self) -> None:
        self.keys: dict[str, list[Version]] = {}

    def copy(self) -> Reference:
        other = Reference()
        other.keys = {key: list(versions) for key, versions in self.keys.items()}
        return other

    def _drop(self, key: str, version_id: str) -> None:
        versions = self.keys.get(key, [])
        self.keys[key] = [v for v in versions if v.version_id != version_id]
        if not self.keys[key]:
            del self.keys[key]

    def push(self, key: str, version: Version) -> None:
        if version.version_id == "null":
            self._drop(key, "null")
        self.keys.setdefault(key, []).insert(0, version)

    def place(self, key: str, version: Version, *, by_source_time: bool) -> None:
        if key not in self.keys:
            self.keys[key] = [version]
            return
        if not by_source_time:
            self._drop(key, version.version_id)
            self.keys.setdefault(key, []).insert(0, version)
            return
        if version.version_id == "null":
            self._drop(key, "null")
        versions = self.keys.setdefault(key, [])
        at = 0
        while at < len(versions) and versions[at].sequence >= version.sequence:
            if versions[at].version_id == version.version_id:
                versions[at] = version
                return
            at += 1
        versions.insert(at, version)

    def flip(self, key: str, version_id: str) -> None:
        for at, version in enumerate(self.keys.get(key, [])):
            if version.version_id == version_id:
                self.keys[key][at] = flipped(version)

    def remove(self, key: str, version_id: str) -> None:
        if key in self.keys:
            self._drop(key, version_id)


def flipped(version: Version) -> Version:
    assert isinstance(version, DeleteMarker)
    return marker(version.version_id, version.sequence, flag=not version.is_latest)


def as_list(chain: Chain) -> list[Version]:
    out: list[Version] = []
    while chain is not None:
        out.append(chain[0])
        chain = chain[1]
    return out


def agree(store: ObjectStore, reference: Reference) -> None:
    snapshot = store.snapshot()["b"]
    view = store.view()["b"]
    assert sorted(snapshot) == store.keys("b") == sorted(reference.keys)
    for key, versions in reference.keys.items():
        assert list(store.versions("b", key)) == versions
        assert as_list(snapshot[key]) == versions
        assert as_list(view.get(key)) == versions == as_list(view[key])
        assert store.head("b", key) == versions[0]
        for version in versions:
            assert store.find("b", key, version.version_id) == version
    assert store.find("b", "k0", "absent") is None
    assert store.head("b", "absent") is None


IDS = st.sampled_from(["null", *(f"v{n}" for n in range(30))])
KEYS = st.sampled_from(["k0", "k0", "k0", "k1"])
#: Which stores an operation writes: the newest two, the newest only, the other only.
TARGETS = st.sampled_from([slice(-2, None), slice(-1, None), slice(-2, -1)])
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("push"), KEYS, st.booleans(), TARGETS),
        st.tuples(st.just("place"), KEYS, IDS, TARGETS),
        st.tuples(st.just("flip"), KEYS, st.integers(0, 40), TARGETS),
        st.tuples(st.just("remove"), KEYS, st.integers(0, 40), TARGETS),
        st.tuples(st.just("fork"), st.just(""), st.booleans(), TARGETS),
        st.tuples(st.just("check"), st.just(""), st.none(), TARGETS),
    ),
    max_size=150,
)


@given(prefill=st.integers(0, 24), ops=OPS, by_source_time=st.booleans())
def test_the_store_means_a_newest_first_list_in_every_form(
    prefill: int, ops: list[tuple[str, str, Any, slice]], *, by_source_time: bool
) -> None:
    """DESIGN (state): pushes (``null`` replacing ``null``), replicas placed by source time
    (R-143) or arrival, status changes and removals give the same versions, heads, finds,
    snapshots and views as a plain list, also on keys deep enough to be indexed, and a
    fork and its original never see each other's writes (copy on write)."""
    stores = [(ObjectStore(), Reference())]
    stores[0][0].add_bucket("b")
    sequence = 1_000
    for _ in range(prefill):  # deep enough, and a flip or removal becomes an index
        sequence += 1
        stores[0][0].push("b", "k0", marker(f"p{sequence}", sequence))
        stores[0][1].push("k0", marker(f"p{sequence}", sequence))
    for name, key, argument, targets in ops:
        if name == "fork":
            store, reference = stores[-1] if argument else stores[0]
            stores.append((store.fork(), reference.copy()))
            continue
        if name == "check":  # snapshots and views cache chains: later writes must show
            for store, reference in stores:
                agree(store, reference)
            continue
        writers = stores[targets] or stores[-1:]
        if name in ("flip", "remove"):  # a version a writer holds, or an absent one
            held = writers[0][1].keys.get(key, [])
            argument = held[argument].version_id if argument < len(held) else "absent"
        for store, reference in writers:
            sequence += 1
            if name == "push":
                version = marker("null" if argument else f"p{sequence}", sequence)
                store.push("b", key, version)
                reference.push(key, version)
            elif name == "place":
                # "null" is the oldest replica (sequences are >= 0); v0..v29 follow it.
                number = 0 if argument == "null" else int(argument[1:]) + 1
                version = marker(argument, number)
                store.place("b", key, version, by_source_time=by_source_time)
                reference.place(key, version, by_source_time=by_source_time)
            elif name == "flip":
                store.change("b", key, argument, flipped)
                reference.flip(key, argument)
            else:
                store.remove("b", key, argument)
                reference.remove(key, argument)
    for store, reference in stores:
        agree(store, reference)


def test_a_snapshot_taken_before_deep_writes_never_changes() -> None:
    """DESIGN (state): a snapshot is immutable even when the key is indexed and written
    in place afterwards, and a restored store holds the snapshot's versions."""
    store = ObjectStore()
    store.add_bucket("b")
    for number in range(20):
        store.push("b", "k", marker(f"v{number}", number))
    before = store.snapshot()
    store.change("b", "k", "v0", flipped)  # deep: the key becomes an index
    store.remove("b", "k", "v3")
    assert [v.version_id for v in as_list(before["b"]["k"])][-4:] == ["v3", "v2", "v1", "v0"]
    assert as_list(before["b"]["k"])[-1] == marker("v0", 0)
    restored = ObjectStore.from_snapshot(before)
    assert list(restored.versions("b", "k")) == as_list(before["b"]["k"])
    assert store.snapshot() != before


def test_a_lagging_hot_key_replicates_like_distinct_keys() -> None:
    """R-123, R-143: many puts on one key, then run(): every version replicates in
    source order and every source version ends COMPLETED, through the indexed form."""
    eng = fan_out("dst")
    ids = [eng.put_object("src", "hot", bytes([n % 256])).version_id for n in range(60)]
    fork = eng.fork()
    assert len(eng.run()) == 60
    source = eng.list_object_versions("src")
    assert [v.version_id for v in source] == ids[::-1]
    assert {v.replication_status for v in source} == {ReplicationStatus.COMPLETED}
    assert [v.version_id for v in eng.list_object_versions("dst")] == ids[::-1]
    assert {v.replication_status for v in fork.list_object_versions("src")} == {
        ReplicationStatus.PENDING
    }
    assert eng.snapshot().objects["src"] != fork.snapshot().objects["src"]
    assert isinstance(eng.snapshot().objects, FrozenMap)
    copy = pickle.loads(pickle.dumps(eng))  # indexed keys pickle and stay independent
    for engine in (eng, copy):
        engine.put_object("src", "hot", b"late")
        engine.put_object_tagging("src", "hot", {"t": "1"}, version_id=ids[0])
    assert copy.run() == eng.run()
    assert copy.snapshot() == eng.snapshot()
    assert fork.snapshot().objects["src"] != eng.snapshot().objects["src"]
