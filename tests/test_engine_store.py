"""The object store: whatever form a key's versions take (a chain, or an index once an
operation reaches deep), reads, snapshots, views and forks agree with a plain newest-first
list, and the lagging hot key stays cheap (DESIGN, "State" and promise 3)."""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from worlds import fan_out

from s3repl import ReplicationStatus
from s3repl.engine._store import ObjectStore
from s3repl.model import (
    DeleteMarker,
    FailureReason,
    FrozenMap,
    ObjectVersion,
    ServerSideEncryption,
    StorageClass,
    VersionStatuses,
)
from s3repl.model._fastbuild import with_recorded
from s3repl.policy import ReplicaShape
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


def source(version_id: str, sequence: int) -> ObjectVersion:
    """A tagged source version (a replica keeps or drops its tags, R-083)."""
    return ObjectVersion(
        key="k",
        version_id=version_id,
        last_modified=WHEN,
        etag='"0cc175b9c0f1b6a831c399e269772661"',
        size=1,
        owner="123456789012",
        tags={"team": "x"},
        replication_status=ReplicationStatus.PENDING,
        destination_statuses={"d1": ReplicationStatus.PENDING},
        sequence=sequence,
    )


#: Two shapes a replica may take (R-082, R-089; tags kept or left, R-083).
SHAPES = (
    ReplicaShape(
        storage_class=StorageClass.STANDARD_IA,
        server_side_encryption=ServerSideEncryption.SSE_S3,
        sse_kms_key_id=None,
        etag_salt=None,
        owner=None,
        acl=None,
        owner_overridden=False,
        default_retention=None,
    ),
    ReplicaShape(
        storage_class=StorageClass.STANDARD,
        server_side_encryption=ServerSideEncryption.SSE_S3,
        sse_kms_key_id=None,
        etag_salt=None,
        owner="210987654321",
        acl=None,
        owner_overridden=False,
        default_retention=None,
        drop_tags=True,
    ),
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

    def record(self, key: str, version_id: str, statuses: VersionStatuses) -> None:
        for at, version in enumerate(self.keys.get(key, [])):
            if version.version_id == version_id:
                self.keys[key][at] = attrs.evolve(
                    version,
                    replication_status=statuses.replication_status,
                    destination_statuses=statuses.destination_statuses,
                    failure_reasons=statuses.failure_reasons,
                )


#: Statuses a step may record (R-122..R-124): pending, completed, failed with a reason.
RECORDED = (
    VersionStatuses(
        replication_status=ReplicationStatus.PENDING,
        destination_statuses={"d1": ReplicationStatus.PENDING},
    ),
    VersionStatuses(
        replication_status=ReplicationStatus.COMPLETED,
        destination_statuses={"d1": ReplicationStatus.COMPLETED},
    ),
    VersionStatuses(
        replication_status=ReplicationStatus.FAILED,
        destination_statuses={"d1": ReplicationStatus.FAILED},
        failure_reasons={"d1": FailureReason.DST_BUCKET_NOT_FOUND},
    ),
)


def flipped(version: Version) -> Version:
    """A change of the version (its ``is_latest`` flag turned over)."""
    return attrs.evolve(version, is_latest=not version.is_latest)


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


#: One read of one key, by each way the store answers reads.
READS = ("head", "find", "find_as_stored", "versions", "view", "view.get")
IDS = st.sampled_from(["null", *(f"v{n}" for n in range(30))])
KEYS = st.sampled_from(["k0", "k0", "k0", "k1"])
#: A replica told by its shape: its version id, its shape, and whether it is the newest
#: version written yet (else it is older than every push, and goes below them, R-143).
REPLICAS = st.tuples(IDS, st.integers(0, 1), st.booleans())
#: Which stores an operation writes: the newest two, the newest only, the other only.
TARGETS = st.sampled_from([slice(-2, None), slice(-1, None), slice(-2, -1)])
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("push"), KEYS, st.booleans(), TARGETS),
        st.tuples(st.just("place"), KEYS, IDS, TARGETS),
        st.tuples(st.just("replica"), KEYS, REPLICAS, TARGETS),
        st.tuples(st.just("flip"), KEYS, st.integers(0, 40), TARGETS),
        st.tuples(st.just("remove"), KEYS, st.integers(0, 40), TARGETS),
        st.tuples(
            st.just("record"), KEYS, st.tuples(st.integers(0, 40), st.integers(0, 2)), TARGETS
        ),
        st.tuples(st.just("read"), KEYS, st.sampled_from(READS), TARGETS),
        st.tuples(st.just("fork"), st.just(""), st.booleans(), TARGETS),
        st.tuples(st.just("check"), st.just(""), st.none(), TARGETS),
    ),
    max_size=150,
)
ONE_KEY = st.just("k0")
_RECORD_NEWEST = st.tuples(
    st.just("record"), ONE_KEY, st.tuples(st.just(0), st.integers(0, 2)), TARGETS
)
_READ = st.tuples(st.just("read"), ONE_KEY, st.sampled_from(READS), TARGETS)
#: A step's life on one key: puts, statuses recorded (mostly on the newest version, as a
#: step does), reads of every kind in any order, forks, and the writes beside them.
RECORDING_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("push"), ONE_KEY, st.just(False), TARGETS),
        _RECORD_NEWEST,
        _RECORD_NEWEST,
        st.tuples(
            st.just("record"), ONE_KEY, st.tuples(st.integers(0, 12), st.integers(0, 2)), TARGETS
        ),
        _READ,
        _READ,
        st.tuples(st.just("place"), ONE_KEY, IDS, TARGETS),
        st.tuples(st.just("replica"), ONE_KEY, REPLICAS, TARGETS),
        st.tuples(st.just("flip"), ONE_KEY, st.integers(0, 3), TARGETS),
        st.tuples(st.just("remove"), ONE_KEY, st.integers(0, 3), TARGETS),
        st.tuples(st.just("fork"), st.just(""), st.booleans(), TARGETS),
        st.tuples(st.just("check"), st.just(""), st.none(), TARGETS),
    ),
    min_size=10,
    max_size=60,
)


@given(prefill=st.integers(0, 24), ops=OPS, by_source_time=st.booleans())
def test_the_store_means_a_newest_first_list_in_every_form(
    prefill: int, ops: list[tuple[str, str, Any, slice]], *, by_source_time: bool
) -> None:
    """DESIGN (state): pushes (``null`` replacing ``null``), replicas placed by source time
    (R-143) or arrival, built or told by their shape, status changes and removals give
    the same versions, heads, finds, snapshots and views as a plain list, also on keys
    deep enough to be indexed, and a fork and its original never see each other's
    writes (copy on write)."""
    run_against_reference(prefill, ops, by_source_time=by_source_time)


@given(prefill=st.integers(0, 12), ops=RECORDING_OPS, by_source_time=st.booleans())
def test_recorded_statuses_show_on_every_read(
    prefill: int, ops: list[tuple[str, str, Any, slice]], *, by_source_time: bool
) -> None:
    """R-122..R-124, DESIGN (state): statuses a step records, kept beside the newest
    version until something reads it or writes beside it, show on every read, whichever
    comes first (head, find, versions, the view, a snapshot), in forks taken before the
    read, and survive the writes that follow (a newer put, a replica placed, a removal);
    so does a replica told by its shape (R-083, R-143), whose own statuses a step may
    record in turn."""
    run_against_reference(prefill, ops, by_source_time=by_source_time)


def run_against_reference(
    prefill: int, ops: list[tuple[str, str, Any, slice]], *, by_source_time: bool
) -> None:
    """Apply ``ops`` to stores (and their forks) and to references; they must agree."""
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
        if name == "read":  # one read, before any snapshot settles every recorded head
            for store, reference in stores[targets] or stores[-1:]:
                read_one(store, reference, key, argument)
            continue
        statuses = None
        if name == "record":
            argument, which = argument
            statuses = RECORDED[which]
        writers = stores[targets] or stores[-1:]
        if name in ("flip", "remove", "record"):  # a version a writer holds, or an absent one
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
            elif name == "replica":  # a replica told by its shape, as a step places it
                version_id, which, newest = argument
                number = 0 if version_id == "null" else int(version_id[1:]) + 1
                if newest:
                    version_id, number = f"r{sequence}", sequence
                of, shape = source(version_id, number), SHAPES[which]
                store.place_replica_of("b", key, of, shape, by_source_time)
                reference.place(key, shape.replica_of(of), by_source_time=by_source_time)
            elif name == "flip":
                store.change("b", key, argument, flipped)
                reference.flip(key, argument)
            elif name == "record":
                assert statuses is not None
                store.record("b", key, argument, statuses)
                reference.record(key, argument, statuses)
            else:
                store.remove("b", key, argument)
                reference.remove(key, argument)
    for store, reference in stores:
        agree(store, reference)


#: What a pending newest version is: statuses recorded beside it, or a replica told by
#: its shape (``ObjectStore.place_replica_of``).
PENDING = ("recorded", "replica")


def stores_with_a_pending_head(
    pending: str, below: int = 2
) -> tuple[ObjectStore, ObjectStore, Reference]:
    """A store whose newest version is pending above ``below`` others, a fork of it, and
    their meaning (a replica is pending only as its key's first version)."""
    store, reference = ObjectStore(), Reference()
    store.add_bucket("b")
    if pending == "replica":
        below = 0
    for number in range(below):
        store.push("b", "k0", marker(f"v{number}", number))
        reference.push("k0", marker(f"v{number}", number))
    newest = f"v{below}"
    if pending == "recorded":
        store.push("b", "k0", marker(newest, below))
        reference.push("k0", marker(newest, below))
        store.record("b", "k0", newest, RECORDED[1])
        reference.record("k0", newest, RECORDED[1])
    else:
        store.place_replica_of("b", "k0", source(newest, below), SHAPES[1], True)
        reference.place("k0", SHAPES[1].replica_of(source(newest, below)), by_source_time=True)
    assert len(store._buckets["b"]["k0"]) == 3  # type: ignore[arg-type]  # pending
    return store, store.fork(), reference


@pytest.mark.parametrize("pending", PENDING)
@pytest.mark.parametrize("how", READS)
def test_a_pending_head_shows_on_every_read(how: str, pending: str) -> None:
    """R-122..R-124, R-083: statuses a step records on the newest version, or the replica
    it places on top told by its shape, show on the first read of each kind, in the
    store and in a fork taken before it, and in later snapshots."""
    store, fork, reference = stores_with_a_pending_head(pending)
    for each in (store, fork):
        read_one(each, reference, "k0", how)
        agree(each, reference)


@pytest.mark.parametrize("by_source_time", [True, False])
def test_a_replica_on_other_versions_is_built_at_once(*, by_source_time: bool) -> None:
    """R-083, R-143, DESIGN (state): a replica placed on a key that holds versions is
    built as it is placed (only a new key's first version is left pending: a later
    write would build it long after), and lands in its order."""
    store, reference = ObjectStore(), Reference()
    store.add_bucket("b")
    store.push("b", "k0", marker("v0", 0))
    reference.push("k0", marker("v0", 0))
    store.place_replica_of("b", "k0", source("v1", 1), SHAPES[0], by_source_time)
    reference.place("k0", SHAPES[0].replica_of(source("v1", 1)), by_source_time=by_source_time)
    assert len(store._buckets["b"]["k0"]) == 2  # type: ignore[arg-type]  # built
    agree(store, reference)


def test_finding_deep_below_a_pending_head_keeps_it() -> None:
    """R-122..R-124, DESIGN (state): finding a version deep below a newest version with
    statuses recorded beside it (the key becomes an index) leaves the newest as it is,
    built, in the store and in a fork taken before."""
    store, fork, reference = stores_with_a_pending_head("recorded", below=12)
    for each in (store, fork):
        assert each.find("b", "k0", "v0") == reference.keys["k0"][-1]
        agree(each, reference)


@pytest.mark.parametrize("pending", PENDING)
def test_a_snapshot_settles_every_pending_head(pending: str) -> None:
    """R-122..R-124, R-083: a snapshot taken first, of the store and of a fork, shows the
    recorded statuses or the replica (the snapshot settles the heads it copies)."""
    store, fork, reference = stores_with_a_pending_head(pending)
    for each in (store, fork):
        assert as_list(each.snapshot()["b"]["k0"]) == reference.keys["k0"]


_WRITES_BESIDE = {
    "push": lambda store, ref: (
        store.push("b", "k0", marker("v3", 3)),
        ref.push("k0", marker("v3", 3)),
    ),
    "place below": lambda store, ref: (
        store.place("b", "k0", marker("r1", 1), by_source_time=True),
        ref.place("k0", marker("r1", 1), by_source_time=True),
    ),
    "place on top": lambda store, ref: (
        store.place("b", "k0", marker("r9", 9), by_source_time=False),
        ref.place("k0", marker("r9", 9), by_source_time=False),
    ),
    "change below": lambda store, ref: (
        store.change("b", "k0", "v0", flipped),
        ref.flip("k0", "v0"),
    ),
    "remove below": lambda store, ref: (store.remove("b", "k0", "v1"), ref.remove("k0", "v1")),
    "remove itself": lambda store, ref: (store.remove("b", "k0", "v2"), ref.remove("k0", "v2")),
    "record below": lambda store, ref: (
        store.record("b", "k0", "v0", RECORDED[2]),
        ref.record("k0", "v0", RECORDED[2]),
    ),
    "record again": lambda store, ref: (
        store.record("b", "k0", "v2", RECORDED[2]),
        ref.record("k0", "v2", RECORDED[2]),
    ),
}


@pytest.mark.parametrize("pending", PENDING)
@pytest.mark.parametrize("write", list(_WRITES_BESIDE))
def test_writes_beside_a_pending_head_keep_it(write: str, pending: str) -> None:
    """R-122..R-124, R-143, R-083: a put, a replica placed, a change, a removal or a
    status recorded beside the pending newest version keeps its statuses or its
    replica (statuses recorded again replace the recorded ones, and are recorded on the
    replica; removed, it is gone), in the store and never in a fork taken before."""
    store, fork, reference = stores_with_a_pending_head(pending)
    before = reference.copy()
    _WRITES_BESIDE[write](store, reference)
    agree(store, reference)
    agree(fork, before)


def read_one(store: ObjectStore, reference: Reference, key: str, how: str) -> None:
    """One key read one way agrees with the reference (recorded statuses included)."""
    versions = reference.keys.get(key, [])
    if how == "head":
        assert store.head("b", key) == (versions[0] if versions else None)
    elif how == "find":
        for version in versions:
            assert store.find("b", key, version.version_id) == version
    elif how == "find_as_stored":  # the statuses apart, or the version holds its own
        for version in versions:
            stored, statuses = store.find_as_stored("b", key, version.version_id)
            assert stored is not None
            assert (stored if statuses is None else with_recorded(stored, statuses)) == version
    elif how == "versions":
        assert list(store.versions("b", key)) == versions
    elif how == "view":
        view = store.view()["b"]
        assert (as_list(view[key]) if key in view else []) == versions
    else:
        assert as_list(store.view()["b"].get(key)) == versions


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
