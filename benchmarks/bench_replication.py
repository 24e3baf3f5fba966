"""Measure s3repl's replication speed, scaling, memory and fork cost, side by side.

Run ``python benchmarks/bench_replication.py`` (a few minutes) or add ``--quick``
(about a minute); ``--profile`` also prints cProfile's hot spots.  Everything runs
in ONE process, so that the ratios compare like with like: same machine, same
interpreter, same moment.

Contenders for throughput (distinct keys, one shared 100-byte body):

- **s3repl**: ``put_object`` on a versioned source with one replication rule, then
  ``step()``, which writes the replica into the destination bucket.
- **moto backend**: moto's in-memory ``S3Backend.put_object`` on a versioned bucket,
  called directly.  moto does not replicate, so this is a put alone.
- **moto via boto3**: ``boto3.client("s3").put_object`` inside ``mock_aws``.
- **minimal loop**: a versioned ``dict`` of key -> list, a ``deque`` of tasks, pop
  and copy into a destination ``dict``: the pure-Python limit for this bookkeeping.

Timing: a figure is the best of N timed batches (``time.perf_counter``).  The
contenders of one comparison take turns, batch by batch, so that a burst of load on
a shared machine hits them alike.  Before each batch its untimed setup is built,
then ``gc.collect()`` and ``gc.freeze()`` move the setup out of the collector's way
(the documentation lets users do the same); the collector stays enabled while a batch runs,
for every contender alike.  Seeds are fixed.  Targets print PASS or FAIL; nothing
here asserts, so a slow machine never breaks a build.
"""

from __future__ import annotations

import argparse
import binascii
import cProfile
import datetime as dt
import gc
import heapq
import os
import platform
import pstats
import random
import sys
import time
from dataclasses import dataclass
from typing import Any

from _harness import (
    BODY,
    MOTO_ACCOUNT,
    ROLE,
    SEED,
    Contender,
    Figure,
    KeySource,
    MinimalWorld,
    Target,
    checkout,
    fmt,
    log,
    minimal_put_step,
    moto_backend,
    moto_bucket,
    moto_put,
    moto_reset,
    race,
    rate,
    traced_bytes,
    version_of,
)

from s3repl import Engine, ReplicationStatus
from s3repl.engine import EPOCH
from s3repl.model import FrozenMap, ObjectVersion, ServerSideEncryption, StorageClass, TaskKind
from s3repl.model._fastbuild import copier, new_object_version, new_step_result, new_task

REPLICATION = {
    "Role": ROLE,
    "Rules": [
        {
            "ID": "all",
            "Priority": 1,
            "Status": "Enabled",
            "Filter": {},
            "DeleteMarkerReplication": {"Status": "Enabled"},
            "Destination": {"Bucket": "arn:aws:s3:::dst"},
        }
    ],
}
_PENDING, _COMPLETED = ReplicationStatus.PENDING, ReplicationStatus.COMPLETED
_REPLICA, _OBJECT = ReplicationStatus.REPLICA, TaskKind.OBJECT
_NONE: FrozenMap[str, ReplicationStatus] = FrozenMap()
_MICROSECOND = dt.timedelta(microseconds=1)
_PENDING_MAP = FrozenMap({"dst": _PENDING})
_COMPLETED_MAP = FrozenMap({"dst": _COMPLETED})
_AS_REPLICA = copier(ObjectVersion, ("replication_status", "destination_statuses", "is_latest"))
_WITH_STATUS = copier(ObjectVersion, ("replication_status", "destination_statuses"))


@dataclass(frozen=True)
class Plan:
    """How much work each measurement does (``--quick`` shrinks it).

    Attributes:
        repeats: timed batches per figure; the best one counts.
        ops: put(+step) operations per s3repl batch.
        minimal_ops: put+step operations per minimal-loop batch.
        moto_ops: puts per batch through moto's backend.
        boto3_ops: puts per batch through boto3 and ``mock_aws``.
        scale_small: stored versions in the small world.
        scale_large: stored versions in the large world.
        fork_keys: replicated keys in the world that ``fork()`` copies.
        hot_versions: versions already on the hot key.
        moto_hot_repeats: timed moto puts on its hot key (each one is slow).
        memory_puts: put+step operations traced by ``tracemalloc``.
        moto_memory_puts: moto puts traced by ``tracemalloc`` (for contrast).
    """

    repeats: int
    ops: int
    minimal_ops: int
    moto_ops: int
    boto3_ops: int
    scale_small: int
    scale_large: int
    fork_keys: int
    hot_versions: int
    moto_hot_repeats: int
    memory_puts: int
    moto_memory_puts: int


FULL = Plan(
    repeats=15,
    ops=5_000,
    minimal_ops=50_000,
    moto_ops=2_000,
    boto3_ops=300,
    scale_small=20_000,
    scale_large=200_000,
    fork_keys=50_000,
    hot_versions=10_000,
    moto_hot_repeats=3,
    memory_puts=100_000,
    moto_memory_puts=5_000,
)
QUICK = Plan(
    repeats=5,
    ops=1_000,
    minimal_ops=20_000,
    moto_ops=500,
    boto3_ops=100,
    scale_small=20_000,
    scale_large=200_000,
    fork_keys=50_000,
    hot_versions=10_000,
    moto_hot_repeats=1,
    memory_puts=10_000,
    moto_memory_puts=1_000,
)


# --- contender: s3repl ----------------------------------------------------------------


def replicated_engine() -> Engine:
    """An engine with ``src`` (us-east-1) replicating everything to ``dst`` (eu-west-1)."""
    engine = Engine(seed=SEED)
    engine.create_bucket("src", region="us-east-1", versioning=True)
    engine.create_bucket("dst", region="eu-west-1", versioning=True)
    engine.create_role(ROLE)
    engine.put_bucket_replication("src", REPLICATION)
    return engine


def s3repl_put_step(engine: Engine, keys: list[str]) -> None:
    """Put each key once and replicate it right away."""
    put, step = engine.put_object, engine.step
    for key in keys:
        put("src", key, BODY)
        step()


def s3repl_put_only(engine: Engine, keys: list[str]) -> None:
    """Put each key once and leave its replication task queued."""
    put = engine.put_object
    for key in keys:
        put("src", key, BODY)


def stored_versions(engine: Engine) -> int:
    """Count every stored version and delete marker in the engine's buckets."""
    total = 0
    for keys in engine.snapshot().objects.values():
        for chain in keys.values():
            cursor = chain
            while cursor is not None:
                total += 1
                cursor = cursor[1]
    return total


# --- contenders: moto -----------------------------------------------------------------


def moto_hot_key(backend: Any, bucket: str, key: str, versions: int) -> None:
    """Give ``key`` ``versions`` versions without paying moto's per-put cost.

    The versions are built as moto's ``put_object`` builds them and stored with one
    ``setlist`` call: moto's own put scans the key's list of versions for every
    existing version, so building 10,000 versions one put at a time takes hours.
    """
    from moto.moto_api._internal import mock_random
    from moto.s3.models import FakeKey

    stored = [
        FakeKey(
            name=key,
            bucket_name=bucket,
            value=BODY,
            account_id=MOTO_ACCOUNT,
            region_name="us-east-1",
            is_versioned=True,
            version_id=str(mock_random.uuid4()),
        )
        for _ in range(versions)
    ]
    backend.get_bucket(bucket).keys.setlist(key, stored)


@dataclass
class Boto3Batch:
    """A ``mock_aws`` session with a versioned bucket and the keys of one batch."""

    mock: Any
    client: Any
    keys: list[str]


def boto3_setup(keys: list[str]) -> Boto3Batch:
    """Start ``mock_aws``, create a versioned bucket and warm the client up."""
    import boto3
    from moto import mock_aws

    mock = mock_aws()
    mock.start()
    moto_backend()  # seeds moto's ids
    client = boto3.client(
        "s3",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket="bench-boto3")
    client.put_bucket_versioning(
        Bucket="bench-boto3", VersioningConfiguration={"Status": "Enabled"}
    )
    client.put_object(Bucket="bench-boto3", Key="warm-up", Body=BODY)
    return Boto3Batch(mock, client, keys)


def boto3_put(batch: Boto3Batch) -> None:
    """Put each key once through boto3 and moto's request handling."""
    put = batch.client.put_object
    for key in batch.keys:
        put(Bucket="bench-boto3", Key=key, Body=BODY)


def boto3_teardown(batch: Boto3Batch) -> None:
    """Stop ``mock_aws`` (which also drops its data)."""
    batch.mock.stop()


# --- contender: the values floor ------------------------------------------------------


class ValuesFloor:
    """What the API's values alone cost per replicated put: no checks, no policy.

    A replicated put stores and returns values fixed by the public API contract: the new
    ``ObjectVersion`` (a version id, an aware ``datetime``), a ``ReplicationTask`` in a
    heap, then in ``step`` the replica, the source version again with its new status,
    another ``datetime`` and a ``StepResult``.  This builds exactly those, with the
    engine's own fast builders, and nothing else: the floor under any engine that keeps
    the contract, measured so that targets can be read against it.
    """

    def __init__(self) -> None:
        self.ids = random.Random(SEED)
        self.clock_us = 0
        self.sequence = 0
        self.queue: list[tuple[int, int, Any]] = []
        self.source: dict[str, Any] = {}
        self.destination: dict[str, Any] = {}

    def put(self, key: str, body: bytes) -> Any:
        """Store a PENDING version of ``key`` and queue its task."""
        self.clock_us += 1_000
        self.sequence += 1
        raw = self.ids.getrandbits(192).to_bytes(24, "big")
        # Positionally, in field order, as the engine's hot path calls the builders.
        version = new_object_version(
            key,
            binascii.b2a_base64(raw, newline=False).decode(),  # version_id
            EPOCH + _MICROSECOND * self.clock_us,  # last_modified, as the engine builds it
            '"2c6ee24b09816a6f14f95d1698b24ead"',  # etag
            len(body),  # size
            "123456789012",  # owner
            StorageClass.STANDARD,
            _NONE,  # metadata
            _NONE,  # tags
            _PENDING,  # replication_status
            ServerSideEncryption.SSE_S3,
            None,  # sse_kms_key_id
            None,  # object_lock_mode
            None,  # object_lock_retain_until_date
            None,  # object_lock_legal_hold_status
            True,  # noqa: FBT003 - is_latest
            "binary/octet-stream",  # content_type
            None,  # acl
            body,
            self.sequence,
            _PENDING_MAP,  # destination_statuses
        )
        self.source[key] = (version, self.source.get(key))
        self.sequence += 1
        task = new_task(
            "src", "dst", key, version.version_id, "all", _OBJECT, self.clock_us, self.sequence
        )
        heapq.heappush(self.queue, (self.clock_us, self.sequence, task))
        return version

    def step(self) -> Any:
        """Write the replica, mark the source COMPLETED, return the step result."""
        task = heapq.heappop(self.queue)[2]
        self.clock_us += 1_000
        chain = self.source[task.key]
        version = chain[0]
        replica = _AS_REPLICA(version, _REPLICA, _NONE, False)  # noqa: FBT003 - keeps the creation time
        self.destination[task.key] = (replica, self.destination.get(task.key))
        self.source[task.key] = (
            _WITH_STATUS(version, _COMPLETED, _COMPLETED_MAP),
            chain[1],
        )
        return new_step_result(task, _COMPLETED)


def floor_put_step(world: ValuesFloor, keys: list[str]) -> None:
    """Put each key once and replicate it right away."""
    put, step = world.put, world.step
    for key in keys:
        put(key, BODY)
        step()


# --- results --------------------------------------------------------------------------


# --- the measurements -----------------------------------------------------------------


def measure_throughput(plan: Plan, figures: dict[str, Figure]) -> None:
    """Rates of the contenders on distinct keys, taking turns."""
    log("throughput: s3repl, minimal loop, moto backend, moto via boto3")
    keys = KeySource("k")
    best = race(
        [
            Contender(
                "s3repl",
                plan.ops,
                lambda: (replicated_engine(), keys.take(plan.ops)),
                lambda state: s3repl_put_step(*state),
            ),
            Contender(
                "s3repl_put",
                plan.ops,
                lambda: (replicated_engine(), keys.take(plan.ops)),
                lambda state: s3repl_put_only(*state),
            ),
            Contender(
                "minimal",
                plan.minimal_ops,
                lambda: (MinimalWorld(), keys.take(plan.minimal_ops)),
                lambda state: minimal_put_step(*state),
            ),
            Contender(
                "floor",
                plan.ops,
                lambda: (ValuesFloor(), keys.take(plan.ops)),
                lambda state: floor_put_step(*state),
            ),
            Contender(
                "moto",
                plan.moto_ops,
                lambda: (*moto_bucket(), keys.take(plan.moto_ops)),
                lambda state: moto_put(*state),
                moto_reset,
            ),
            Contender(
                "boto3",
                plan.boto3_ops,
                lambda: boto3_setup(keys.take(plan.boto3_ops)),
                boto3_put,
                boto3_teardown,
            ),
        ],
        plan.repeats,
    )
    names = {
        "s3repl": "s3repl put + step (replicated)",
        "s3repl_put": "s3repl put alone (replication task queued)",
        "minimal": "minimal dict + deque loop, put + step",
        "floor": "values floor: the contract's values alone, put + step",
        "moto": "moto backend put_object (no replication)",
        "boto3": "moto via boto3 put_object (no replication)",
    }
    for key, name in names.items():
        figures[key] = Figure(name, rate(best[key]), "ops/s")


def measure_world_size(plan: Plan, figures: dict[str, Figure]) -> None:
    """Rates in a small and a ten-times larger world, and ``fork()`` in between.

    One engine grows by put+step on distinct keys (two stored versions each)
    through the small world, the fork world and the large world.  The small world
    is kept as a fork; each timed batch runs on a fresh ``fork()`` of its world, so
    every batch starts from the same number of versions, and the two worlds take
    turns.
    """
    engine = replicated_engine()
    prefill = KeySource("pre")
    done = 0
    small: Engine | None = None
    checkpoints = sorted(
        [
            (plan.scale_small // 2, "small"),
            (plan.fork_keys, "fork"),
            (plan.scale_large // 2, "large"),
        ]
    )
    for puts, label in checkpoints:
        log(f"world size: growing to {puts:,} replicated keys")
        s3repl_put_step(engine, prefill.take(puts - done))
        done = puts
        if label == "small":
            small = engine.fork()
        elif label == "fork":
            measure_fork(engine, plan, figures)
    if small is None:
        msg = "the small world must be no larger than the large world"
        raise ValueError(msg)
    log("world size: timing both worlds")
    batch_keys = KeySource("scale")
    worlds = {"scale_small": small, "scale_large": engine}
    best = race(
        [
            Contender(
                key,
                plan.ops,
                lambda world=world: (world.fork(), batch_keys.take(plan.ops)),
                lambda state: s3repl_put_step(*state),
            )
            for key, world in worlds.items()
        ],
        plan.repeats,
    )
    for key, world in worlds.items():
        figures[key] = Figure(
            f"s3repl put + step, {stored_versions(world):,} versions in the world",
            rate(best[key]),
            "ops/s",
        )


def measure_fork(engine: Engine, plan: Plan, figures: dict[str, Figure]) -> None:
    """Time ``fork()`` of ``engine``, beside ``from_snapshot`` and a plain dict copy."""
    log(f"fork: {plan.fork_keys:,} keys")
    world = engine.snapshot()
    plain = {name: dict(keys) for name, keys in world.objects.items()}
    best = race(
        [
            Contender("fork", 1, lambda: engine, lambda eng: eng.fork()),
            Contender("from_snapshot", 1, lambda: world, Engine.from_snapshot),
            Contender(
                "dict_copy",
                1,
                lambda: plain,
                lambda maps: {name: keys.copy() for name, keys in maps.items()},
            ),
        ],
        plan.repeats,
    )
    keys = f"{plan.fork_keys:,}"
    figures["fork"] = Figure(
        f"s3repl fork(), {keys} keys (+ {keys} replicas)", best["fork"] * 1e3, "ms"
    )
    figures["from_snapshot"] = Figure(
        "  of which Engine.from_snapshot(world)", best["from_snapshot"] * 1e3, "ms"
    )
    figures["dict_copy"] = Figure(
        "  floor: dict.copy() of the same key -> chain maps", best["dict_copy"] * 1e3, "ms"
    )


def measure_hot_key(plan: Plan, figures: dict[str, Figure]) -> None:
    """s3repl: a put on a key with many versions against a put on a new key."""
    log(f"hot key: s3repl with {plan.hot_versions:,} versions on one key")
    engine = replicated_engine()
    s3repl_put_step(engine, ["hot"] * plan.hot_versions)
    new_keys = KeySource("fresh")
    contenders = []
    for label, runner in (("put_step", s3repl_put_step), ("put", s3repl_put_only)):
        for where, keys in (
            ("hot", lambda: ["hot"] * plan.ops),
            ("new", lambda: new_keys.take(plan.ops)),
        ):
            contenders.append(
                Contender(
                    f"hot_{label}_{where}",
                    plan.ops,
                    lambda keys=keys: (engine.fork(), keys()),
                    lambda state, runner=runner: runner(*state),
                )
            )
    best = race(contenders, plan.repeats)
    versions = f"{plan.hot_versions:,}"
    names = {
        "hot_put_step_hot": f"s3repl put + step, on a key with {versions} versions",
        "hot_put_step_new": f"s3repl put + step, new key (a key with {versions} beside)",
        "hot_put_hot": f"s3repl put alone, on a key with {versions} versions",
        "hot_put_new": f"s3repl put alone, new key (a key with {versions} beside)",
    }
    for key, name in names.items():
        figures[key] = Figure(name, best[key] * 1e6, "us/op")


def measure_hot_key_moto(plan: Plan, figures: dict[str, Figure]) -> None:
    """moto, for contrast: a put on a key with many versions against a new key."""
    log(f"hot key: moto with {plan.hot_versions:,} versions on one key")
    backend, bucket = moto_bucket()
    new_keys = KeySource("fresh")
    try:
        moto_hot_key(backend, bucket, "hot", plan.hot_versions)
        best = race(
            [
                Contender("moto_hot", 1, lambda: ["hot"], lambda k: moto_put(backend, bucket, k)),
                Contender(
                    "moto_new",
                    plan.moto_ops,
                    lambda: new_keys.take(plan.moto_ops),
                    lambda k: moto_put(backend, bucket, k),
                ),
            ],
            plan.moto_hot_repeats,
        )
    finally:
        moto_reset()
    figures["moto_hot"] = Figure(
        f"moto put, on a key with {plan.hot_versions:,} versions", best["moto_hot"] * 1e6, "us/op"
    )
    figures["moto_new"] = Figure("moto put, new key", best["moto_new"] * 1e6, "us/op")


def measure_memory(plan: Plan, figures: dict[str, Figure]) -> None:
    """Bytes per stored version besides the (shared) body, by ``tracemalloc``.

    The key strings are made before tracing starts: like the body they are the
    caller's data, shared by the source version and its replica.
    """
    log(f"memory: s3repl over {plan.memory_puts:,} put+step")
    keys = KeySource("mem").take(plan.memory_puts)
    grown, engine = traced_bytes(replicated_engine, lambda eng: s3repl_put_step(eng, keys))
    versions = stored_versions(engine)
    source = engine.head_object("src", keys[0])
    replica = engine.head_object("dst", keys[0], version_id=source.version_id)
    shared = replica.body is source.body and source.body is BODY
    figures["memory"] = Figure(
        "s3repl bytes per stored version (body and key excluded)",
        grown / versions,
        "B",
        f"{versions:,} versions after {plan.memory_puts:,} put+step; "
        f"{grown / plan.memory_puts:,.0f} B per replicated put",
    )
    figures["body_shared"] = Figure("replica.body is source.body", float(shared), "")
    del engine, source, replica
    gc.collect()

    grown, _ = traced_bytes(MinimalWorld, lambda world: minimal_put_step(world, keys))
    figures["memory_minimal"] = Figure(
        "minimal loop bytes per stored version", grown / (2 * len(keys)), "B"
    )

    log(f"memory: moto over {plan.moto_memory_puts:,} puts")
    moto_keys = keys[: plan.moto_memory_puts]
    try:
        grown, _ = traced_bytes(moto_bucket, lambda state: moto_put(*state, moto_keys))
    finally:
        moto_reset()
    figures["memory_moto"] = Figure(
        "moto backend bytes per stored version", grown / len(moto_keys), "B"
    )


# --- report ---------------------------------------------------------------------------


def targets(figures: dict[str, Figure], plan: Plan) -> list[Target]:
    """The goals of docs/performance.md, evaluated on this run's figures."""
    value = {key: figure.value for key, figure in figures.items()}
    put_step = value["s3repl"]
    small, large = f"{plan.scale_small // 1000}k", f"{plan.scale_large // 1000}k"
    return [
        Target(
            "s3repl / minimal loop", put_step / value["minimal"], 0.05, "x", higher_is_better=True
        ),
        Target(
            "s3repl / minimal loop (stretch)",
            put_step / value["minimal"],
            0.09,
            "x",
            higher_is_better=True,
            stretch=True,
        ),
        Target(
            "s3repl / moto backend put", put_step / value["moto"], 3, "x", higher_is_better=True
        ),
        Target(
            "s3repl / moto via boto3", put_step / value["boto3"], 50, "x", higher_is_better=True
        ),
        Target(
            f"rate with {large} versions / with {small}",
            value["scale_large"] / value["scale_small"],
            0.5,
            "x",
            higher_is_better=True,
        ),
        Target(
            f"put+step on a {plan.hot_versions // 1000}k-version key / on a new key",
            value["hot_put_step_hot"] / value["hot_put_step_new"],
            2,
            "x",
            higher_is_better=False,
        ),
        Target("bytes per stored version", value["memory"], 400, " B", higher_is_better=False),
        Target("replica.body is source.body", value["body_shared"], 1, "", higher_is_better=True),
        Target(
            f"fork() of {plan.fork_keys // 1000}k keys",
            value["fork"],
            5,
            " ms",
            higher_is_better=False,
        ),
    ]


#: The figures in the order they are printed, by section.
SECTIONS = (
    (
        "Throughput (distinct keys, 100-byte body)",
        ("s3repl", "s3repl_put", "minimal", "floor", "moto", "boto3"),
    ),
    ("World size", ("scale_small", "scale_large")),
    (
        "Hot key",
        (
            "hot_put_step_hot",
            "hot_put_step_new",
            "hot_put_hot",
            "hot_put_new",
            "moto_hot",
            "moto_new",
        ),
    ),
    ("Memory", ("memory", "memory_minimal", "memory_moto")),
    ("Fork", ("fork", "from_snapshot", "dict_copy")),
)


def report(plan: Plan, figures: dict[str, Figure], *, quick: bool) -> int:
    """Print the figures and the targets as Markdown tables; return the misses."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    libraries = ", ".join(f"{name} {version_of(name)}" for name in ("s3repl", "moto", "boto3"))
    print(f"# s3repl benchmarks ({'--quick' if quick else 'full'} run)")
    print()
    print(f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"- Python {platform.python_version()} ({platform.python_implementation()}); {libraries}")
    print(f"- machine: {platform.machine()} {platform.system()}, {cores} cores")
    print(f"- s3repl checkout: {checkout()}")
    print(f"- best of {plan.repeats} batches (moto's hot key: {plan.moto_hot_repeats})")
    print()
    minimal = figures["minimal"].value
    for title, keys in SECTIONS:
        print(f"## {title}")
        print()
        print("| figure | value | unit | vs minimal loop | note |")
        print("| --- | ---: | --- | ---: | --- |")
        for key in keys:
            figure = figures[key]
            ratio = f"{figure.value / minimal:.3f}x" if figure.unit == "ops/s" else ""
            print(
                f"| {figure.name} | {fmt(figure.value)} | {figure.unit} | {ratio} | {figure.note} |"
            )
        print()
    print("## Targets")
    print()
    print("| target | measured | goal | result |")
    print("| --- | ---: | --- | --- |")
    misses = 0
    for target in targets(figures, plan):
        if target.passed:
            verdict = "PASS"
        elif target.stretch:
            verdict = "not reached"
        else:
            verdict = "FAIL"
            misses += 1
        print(f"| {target.name} | {fmt(target.value)}{target.unit} | {target.goal} | {verdict} |")
    print()
    print(f"{misses} target(s) missed" if misses else "all targets met")
    value = {key: figure.value for key, figure in figures.items()}
    print()
    print(
        "For reference, the values floor (no checks, no policy) is "
        f"{fmt(value['floor'] / value['moto'])}x moto's backend put and "
        f"{fmt(value['floor'] / value['minimal'])}x the minimal loop; "
        f"s3repl runs at {fmt(value['s3repl'] / value['floor'])}x the floor."
    )
    return misses


def profile(plan: Plan) -> None:
    """Print cProfile's hottest functions for s3repl's put+step, hot key and fork."""
    for title, keys in (
        ("new keys", KeySource("prof").take(plan.ops)),
        (f"a key with {plan.hot_versions:,} versions", ["hot"] * (plan.ops // 10)),
    ):
        engine = replicated_engine()
        if keys[0] == "hot":
            s3repl_put_step(engine, ["hot"] * plan.hot_versions)
        profiler = cProfile.Profile()
        profiler.runcall(s3repl_put_step, engine, keys)
        print(f"\n## cProfile: {len(keys):,} put + step on {title}\n")
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(15)
        stats.sort_stats("cumulative").print_stats(25)
    engine = replicated_engine()
    s3repl_put_step(engine, KeySource("prof").take(plan.fork_keys))
    profiler = cProfile.Profile()
    profiler.runcall(engine.fork)
    print(f"\n## cProfile: fork() of {plan.fork_keys:,} keys\n")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(10)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; the exit status is 0 even when a target is missed."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller batches, about a minute")
    parser.add_argument("--profile", action="store_true", help="also print cProfile hot spots")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    started = time.perf_counter()
    figures: dict[str, Figure] = {}
    for measure in (measure_throughput, measure_world_size, measure_hot_key, measure_hot_key_moto):
        measure(plan, figures)
        gc.collect()
    measure_memory(plan, figures)
    report(plan, figures, quick=args.quick)
    if args.profile:
        profile(plan)
    log(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
