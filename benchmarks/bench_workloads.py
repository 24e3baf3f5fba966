"""Measure s3repl on the workload suite of issue 9, each workload against moto and a floor.

Run ``python benchmarks/bench_workloads.py`` (a few minutes), ``--quick`` (a smoke run of
a few seconds, for CI), ``--only typical,tagged``, ``--rounds N``, ``--json FILE``, and
``--profile`` for cProfile's hot spots of the selected workloads.  Everything runs in
ONE process: the ratios compare like with like (same machine, interpreter, moment).

Every workload is timed on three contenders, taking turns batch by batch, for N rounds:

- **s3repl**: the workload on a fresh ``Engine`` (public API only), replication included:
  the tasks of every put are applied (``step()`` or ``run()``) inside the timed batch.
- **moto backend**: the same operations, with the same keys, bodies, metadata and tags,
  on moto's in-process ``S3Backend`` (no HTTP), on a versioned bucket, as moto's own
  PutObject handler calls it (``put_object``, then ``set_metadata`` and
  ``put_object_tagging`` when the workload has them).  moto does not replicate: it
  stores the source versions only.
- **minimal loop**: a ``dict`` of key -> list of versions, one ``deque`` of tasks routed
  by ``str.startswith`` and tag comparisons, popped into one ``dict`` per destination:
  the pure-Python limit of the workload's bookkeeping.

A figure is a cost per operation (a put, or a delete); each is reported as the fastest
round and the median round, and a ratio as the ratio of the fastest rounds and the ratio
of the median rounds.  Setup (inputs, engines, buckets) is untimed, collected and frozen
out of the garbage collector, which stays enabled while a batch runs.  Before timing,
each workload runs once, small, on s3repl and on the minimal loop, and the version
counts of every bucket must agree (the ``check`` column).  Nothing here asserts or
crashes on a slow machine or on an engine that lacks an API: such rows print ``FAIL``
or ``error``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import random
import statistics
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from _harness import (
    BODY,
    ROLE,
    SEED,
    Contender,
    MinimalWorld,
    Spread,
    environment,
    fmt,
    log,
    minimal_put_step,
    moto_bucket,
    moto_reset,
    race_rounds,
    traced_bytes,
)

import s3repl
from s3repl import Engine

# --- plans ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How much work each measurement does (``--quick`` shrinks it).

    Attributes:
        rounds: timed rounds per figure (each contender runs one batch per round).
        ops: operations per s3repl and moto batch.
        minimal_factor: the minimal loop's batches are this many times larger.
        check_ops: operations of the untimed check run of each workload.
        hot_sizes: puts on one key for the lagging hot key workload (the last is the target).
        memory_puts: put+step operations traced by ``tracemalloc``.
        fork_keys: replicated keys in the world that ``fork()`` copies.
        fork_calls: timed ``fork()`` calls (min and median of these).
        queue_sizes: pending tasks at which ``peek``/``pending``/``advance``/``snapshot``
            are timed.
    """

    rounds: int
    ops: int
    minimal_factor: int
    check_ops: int
    hot_sizes: tuple[int, ...]
    memory_puts: int
    fork_keys: int
    fork_calls: int
    queue_sizes: tuple[int, int]


FULL = Plan(
    rounds=5,
    ops=4_000,
    minimal_factor=10,
    check_ops=400,
    hot_sizes=(100, 1_000, 4_000, 10_000),
    memory_puts=100_000,
    fork_keys=50_000,
    fork_calls=15,
    queue_sizes=(1_000, 10_000),
)
QUICK = Plan(
    rounds=3,
    ops=300,
    minimal_factor=10,
    check_ops=200,
    hot_sizes=(100, 1_000),
    memory_puts=5_000,
    fork_keys=50_000,
    fork_calls=5,
    queue_sizes=(1_000, 10_000),
)


# --- replication configurations -------------------------------------------------------

DESTINATIONS = {"dst-a": "eu-west-1", "dst-b": "us-west-2"}


def rule(
    rule_id: str, priority: int, filter_: dict[str, Any], destination: str, *, markers: bool
) -> dict[str, Any]:
    """One V2 replication rule, as boto3 spells it."""
    return {
        "ID": rule_id,
        "Priority": priority,
        "Status": "Enabled",
        "Filter": filter_,
        "DeleteMarkerReplication": {"Status": "Enabled" if markers else "Disabled"},
        "Destination": {"Bucket": f"arn:aws:s3:::{destination}"},
    }


#: Every key to dst-a (simple, distinct, deletes, hot key).
ALL_KEYS = (rule("all", 1, {}, "dst-a", markers=True),)
#: Prefix rules over a realistic key mix, two destinations (``tmp/`` is not replicated).
PREFIX_RULES = (
    rule("images-b", 5, {"Prefix": "data/images/"}, "dst-b", markers=True),
    rule("data-a", 4, {"Prefix": "data/"}, "dst-a", markers=True),
    rule("data-b", 3, {"Prefix": "data/"}, "dst-b", markers=True),
    rule("logs-a", 2, {"Prefix": "logs/"}, "dst-a", markers=True),
)
#: Tag and And filters, two destinations (tag filters forbid delete-marker replication).
TAG_RULES = (
    rule("gold-a", 4, {"Tag": {"Key": "class", "Value": "gold"}}, "dst-a", markers=False),
    rule(
        "ops-logs-b",
        3,
        {"And": {"Prefix": "logs/", "Tags": [{"Key": "team", "Value": "ops"}]}},
        "dst-b",
        markers=False,
    ),
    rule(
        "ops-prod-a",
        2,
        {"And": {"Tags": [{"Key": "team", "Value": "ops"}, {"Key": "env", "Value": "prod"}]}},
        "dst-a",
        markers=False,
    ),
    rule("prod-b", 1, {"Tag": {"Key": "env", "Value": "prod"}}, "dst-b", markers=False),
)

Routes = tuple[tuple[str, tuple[tuple[str, tuple[tuple[str, str], ...]], ...]], ...]


def routes_of(rules: tuple[dict[str, Any], ...]) -> Routes:
    """The minimal loop's routing table: per destination, its filters as (prefix, tags).

    A version goes to a destination when any rule for that destination matches it
    (priority only decides which rule wins, not whether the version replicates).
    """
    table: dict[str, list[tuple[str, tuple[tuple[str, str], ...]]]] = {}
    for entry in rules:
        destination = entry["Destination"]["Bucket"].rsplit(":", 1)[-1]
        filter_ = entry["Filter"]
        inner = filter_.get("And", filter_)
        tags = [inner["Tag"]] if "Tag" in inner else inner.get("Tags", [])
        table.setdefault(destination, []).append(
            (inner.get("Prefix", ""), tuple((tag["Key"], tag["Value"]) for tag in tags))
        )
    return tuple((destination, tuple(filters)) for destination, filters in table.items())


# --- inputs ---------------------------------------------------------------------------

_FILLER = bytes(range(256)) * 8
_SERVICES = ("api", "auth", "billing", "search", "web")
_TABLES = ("orders", "customers", "events", "inventory")


def typical_key(rng: random.Random, batch: int, index: int) -> str:
    """A key from a realistic mix: data/ 50% (images 10%), logs/ 35%, tmp/ 15%."""
    draw = rng.random()
    day = f"2026/{rng.randrange(1, 13):02d}/{rng.randrange(1, 29):02d}"
    if draw < 0.10:
        return f"data/images/{day}/img-{batch:03d}-{index:07d}.jpg"
    if draw < 0.50:
        return f"data/{rng.choice(_TABLES)}/{day}/part-{batch:03d}-{index:07d}.parquet"
    if draw < 0.85:
        return (
            f"logs/{rng.choice(_SERVICES)}/{day}/{rng.randrange(24):02d}/{batch:03d}-{index:07d}.gz"
        )
    return f"tmp/user{rng.randrange(50)}/{batch:03d}-{index:07d}.tmp"


def distinct_body(rng: random.Random, batch: int, index: int) -> bytes:
    """A body of 100 to 1,000 bytes no other put of the run has."""
    return b"%d:%d|" % (batch, index) + _FILLER[: rng.randrange(100, 1_000)]


def metadata_of(rng: random.Random, index: int) -> dict[str, str]:
    """Three user metadata entries, values varying per put."""
    return {
        "owner": rng.choice(_SERVICES),
        "source": "bench",
        "checksum": f"{index:08x}",
    }


def tags_of(rng: random.Random) -> dict[str, str]:
    """Three object tags drawn from small vocabularies (class, team, env)."""
    return {
        "class": rng.choice(("gold", "silver")),
        "team": rng.choice(("ops", "dev", "data")),
        "env": rng.choice(("prod", "test")),
    }


class Batches:
    """Numbers batches, so that no two batches of a run share a key or a body."""

    def __init__(self) -> None:
        self.count = 0

    def next(self) -> int:
        """A batch number never handed out before."""
        self.count += 1
        return self.count


BATCHES = Batches()


def simple_inputs(count: int, batch: int) -> list[tuple[str, bytes]]:
    """Distinct keys, the shared 100-byte body."""
    return [(f"k/{batch:03d}/{i:08d}", BODY) for i in range(count)]


def distinct_inputs(count: int, batch: int) -> list[tuple[str, bytes]]:
    """Distinct keys, distinct bodies."""
    rng = random.Random(SEED * 1_000 + batch)
    return [(f"k/{batch:03d}/{i:08d}", distinct_body(rng, batch, i)) for i in range(count)]


def typical_inputs(count: int, batch: int) -> list[tuple[str, bytes, dict[str, str]]]:
    """Realistic keys, distinct bodies, metadata."""
    rng = random.Random(SEED * 1_000 + batch)
    return [
        (typical_key(rng, batch, i), distinct_body(rng, batch, i), metadata_of(rng, i))
        for i in range(count)
    ]


def tagged_inputs(
    count: int, batch: int
) -> list[tuple[str, bytes, dict[str, str], dict[str, str]]]:
    """Realistic keys, distinct bodies, metadata and tags."""
    rng = random.Random(SEED * 1_000 + batch)
    return [
        (
            typical_key(rng, batch, i),
            distinct_body(rng, batch, i),
            metadata_of(rng, i),
            tags_of(rng),
        )
        for i in range(count)
    ]


# --- contender: s3repl ----------------------------------------------------------------


def engine_for(rules: tuple[dict[str, Any], ...]) -> Engine:
    """An engine with versioned ``src`` replicating to ``dst-a``/``dst-b`` under ``rules``."""
    engine = Engine(seed=SEED)
    engine.create_bucket("src", region="us-east-1", versioning=True)
    for name, region in DESTINATIONS.items():
        engine.create_bucket(name, region=region, versioning=True)
    engine.create_role(ROLE)
    engine.put_bucket_replication("src", {"Role": ROLE, "Rules": list(rules)})
    return engine


def run_all(engine: Engine, tasks_max: int) -> None:
    """``engine.run()``, consuming its result if a newer engine returns it lazily."""
    result = engine.run(steps_max=tasks_max + 10)
    if isinstance(result, Iterator):
        deque(result, maxlen=0)


def s3repl_put_step(engine: Engine, ops: list[tuple[str, bytes]]) -> None:
    """simple: put each key and replicate it right away."""
    put, step = engine.put_object, engine.step
    for key, body in ops:
        put("src", key, body)
        step()


def s3repl_puts_run(engine: Engine, ops: list[tuple[str, bytes]]) -> None:
    """distinct, hot key: every put, then ``run()``."""
    put = engine.put_object
    for key, body in ops:
        put("src", key, body)
    run_all(engine, 2 * len(ops))


def s3repl_typical(engine: Engine, ops: list[tuple[str, bytes, dict[str, str]]]) -> None:
    """typical: every put with its metadata, then ``run()``."""
    put = engine.put_object
    for key, body, metadata in ops:
        put("src", key, body, metadata=metadata)
    run_all(engine, 2 * len(ops))


def s3repl_tagged(
    engine: Engine, ops: list[tuple[str, bytes, dict[str, str], dict[str, str]]]
) -> None:
    """tagged: every put with its metadata and tags, then ``run()``."""
    put = engine.put_object
    for key, body, metadata, tags in ops:
        put("src", key, body, metadata=metadata, tags=tags)
    run_all(engine, 2 * len(ops))


def s3repl_deletes(engine: Engine, ops: list[tuple[str, bytes]]) -> None:
    """deletes: puts, markers on half the keys, deletes by version id, then ``run()``.

    Deletes by version id remove the marker of a quarter of the keys (the object shows
    again) and the only version of another quarter before it replicated.
    """
    put, delete = engine.put_object, engine.delete_object
    ids = [put("src", key, body).version_id for key, body in ops]
    markers = [delete("src", key).version_id for key, _ in ops[::2]]
    for (key, _), version_id in zip(ops[::4], markers[::2], strict=False):
        delete("src", key, version_id=version_id)
    for (key, _), version_id in zip(ops[1::4], ids[1::4], strict=True):
        delete("src", key, version_id=version_id)
    run_all(engine, 2 * len(ops))


def deletes_ops(count: int) -> int:
    """Operations of a deletes batch over ``count`` keys (puts and deletes)."""
    return count + len(range(0, count, 2)) + len(range(0, count, 4)) + len(range(1, count, 4))


# --- contender: moto's backend --------------------------------------------------------


def moto_puts(state: tuple[Any, str, list[tuple[str, bytes]]]) -> None:
    """simple, distinct, hot key: the puts alone."""
    backend, bucket, ops = state
    put = backend.put_object
    for key, body in ops:
        put(bucket, key, body)


def moto_typical(state: tuple[Any, str, list[tuple[str, bytes, dict[str, str]]]]) -> None:
    """typical: each put, then its metadata, as moto's PutObject handler does."""
    backend, bucket, ops = state
    put = backend.put_object
    for key, body, metadata in ops:
        put(bucket, key, body).set_metadata(metadata)


def moto_tagged(
    state: tuple[Any, str, list[tuple[str, bytes, dict[str, str], dict[str, str]]]],
) -> None:
    """tagged: each put, then its metadata and tags, as moto's PutObject handler does."""
    backend, bucket, ops = state
    put, tag = backend.put_object, backend.put_object_tagging
    for key, body, metadata, tags in ops:
        stored = put(bucket, key, body)
        stored.set_metadata(metadata)
        tag(stored, tags)


def moto_deletes(state: tuple[Any, str, list[tuple[str, bytes]]]) -> None:
    """deletes: the same puts and deletes as :func:`s3repl_deletes`."""
    backend, bucket, ops = state
    put, delete = backend.put_object, backend.delete_object
    ids = [put(bucket, key, body).version_id for key, body in ops]
    markers = [delete(bucket, key)[1]["version-id"] for key, _ in ops[::2]]
    for (key, _), version_id in zip(ops[::4], markers[::2], strict=False):
        delete(bucket, key, version_id)
    for (key, _), version_id in zip(ops[1::4], ids[1::4], strict=True):
        delete(bucket, key, version_id)


# --- contender: the minimal loop ------------------------------------------------------

_NO_TAGS: dict[str, str] = {}


class MinimalLoop:
    """The workload's bookkeeping with nothing else: routing, versions, a task queue.

    Versions are ``(id, body, metadata, tags)`` tuples in a ``dict`` of key -> list;
    a put queues one ``(destination, key, version)`` per destination whose filters
    match (``str.startswith`` and tag comparisons); ``run`` pops every task and appends
    its version to the destination's ``dict``, skipping versions deleted meanwhile.
    """

    def __init__(self, routes: Routes) -> None:
        self.routes = routes
        self.source: dict[str, list[tuple[Any, ...]]] = {}
        self.replicas: dict[str, dict[str, list[tuple[Any, ...]]]] = {d: {} for d, _ in routes}
        self.queue: deque[tuple[str, str, tuple[Any, ...]]] = deque()
        self.removed: set[int] = set()
        self.next_id = 0

    def put(
        self,
        key: str,
        body: bytes | None,
        metadata: dict[str, str] | None = None,
        tags: dict[str, str] = _NO_TAGS,
    ) -> tuple[Any, ...]:
        """Store a new version of ``key`` (``body`` None: a delete marker) and route it."""
        self.next_id += 1
        version = (self.next_id, body, metadata, tags)
        versions = self.source.get(key)
        if versions is None:
            self.source[key] = [version]
        else:
            versions.append(version)
        for destination, filters in self.routes:
            for prefix, wanted in filters:
                if key.startswith(prefix) and (
                    not wanted or all(tags.get(name) == value for name, value in wanted)
                ):
                    self.queue.append((destination, key, version))
                    break
        return version

    def delete_version(self, key: str, version_id: int) -> None:
        """Remove one version of ``key`` for good; its pending tasks will be skipped."""
        versions = self.source[key]
        versions[:] = [version for version in versions if version[0] != version_id]
        if not versions:
            del self.source[key]
        self.removed.add(version_id)

    def run(self) -> None:
        """Apply every queued task."""
        queue, replicas, removed = self.queue, self.replicas, self.removed
        while queue:
            destination, key, version = queue.popleft()
            if version[0] in removed:
                continue
            versions = replicas[destination].get(key)
            if versions is None:
                replicas[destination][key] = [version]
            else:
                versions.append(version)

    def counts(self) -> dict[str, int]:
        """Stored versions per bucket (``src`` and every destination)."""
        counts = {"src": sum(map(len, self.source.values()))}
        for destination, keys in self.replicas.items():
            counts[destination] = sum(map(len, keys.values()))
        return counts


def minimal_puts_run(world: MinimalLoop, ops: list[tuple[str, bytes]]) -> None:
    """distinct, hot key."""
    put = world.put
    for key, body in ops:
        put(key, body)
    world.run()


def minimal_typical(world: MinimalLoop, ops: list[tuple[str, bytes, dict[str, str]]]) -> None:
    """typical."""
    put = world.put
    for key, body, metadata in ops:
        put(key, body, metadata)
    world.run()


def minimal_tagged(
    world: MinimalLoop, ops: list[tuple[str, bytes, dict[str, str], dict[str, str]]]
) -> None:
    """tagged."""
    put = world.put
    for key, body, metadata, tags in ops:
        put(key, body, metadata, tags)
    world.run()


def minimal_deletes(world: MinimalLoop, ops: list[tuple[str, bytes]]) -> None:
    """deletes: the same operations as :func:`s3repl_deletes`."""
    put, delete_version = world.put, world.delete_version
    ids = [put(key, body)[0] for key, body in ops]
    markers = [put(key, None)[0] for key, _ in ops[::2]]
    for (key, _), version_id in zip(ops[::4], markers[::2], strict=False):
        delete_version(key, version_id)
    for (key, _), version_id in zip(ops[1::4], ids[1::4], strict=True):
        delete_version(key, version_id)
    world.run()


def minimal_simple(world: MinimalWorld, ops: list[tuple[str, bytes]]) -> None:
    """simple: bench_replication.py's minimal loop, put then step."""
    minimal_put_step(world, [key for key, _ in ops])


# --- the workloads --------------------------------------------------------------------


@dataclass(frozen=True)
class Goal:
    """A target: a bound on a ratio, and an optional stretch bound."""

    bound: float
    higher_is_better: bool = True
    stretch: float | None = None

    def meets(self, value: float, bound: float | None = None) -> bool:
        """Whether ``value`` meets the bound (or ``bound`` if given)."""
        limit = self.bound if bound is None else bound
        return value >= limit if self.higher_is_better else value <= limit

    def text(self) -> str:
        """The bound as text, e.g. ``>= 2x (stretch 3x)``."""
        sign = ">=" if self.higher_is_better else "<="
        stretch = f" (stretch {fmt(self.stretch)}x)" if self.stretch else ""
        return f"{sign} {fmt(self.bound)}x{stretch}"

    def verdict(self, spread: Spread) -> str:
        """``yes`` when the median round meets it, ``min only``, or ``no``."""
        if self.meets(spread.median):
            met = "yes"
        elif self.meets(spread.min):
            met = "min only"
        else:
            met = "no"
        if self.stretch is not None:
            met += f" (stretch: {'yes' if self.meets(spread.median, self.stretch) else 'no'})"
        return met


@dataclass(frozen=True)
class Workload:
    """One workload of the suite, with its three contenders.

    Attributes:
        name: the name ``--only`` selects.
        line: the workload in one line.
        goal: the target, on s3repl's speed over moto's backend put.
        rules: the replication rules of the s3repl engine.
        inputs: builds a batch's operations: ``inputs(count, batch)``.
        ops: operations a batch of ``count`` inputs performs.
        s3repl: the s3repl runner, ``s3repl(engine, inputs)``.
        moto: the moto runner, ``moto((backend, bucket, inputs))``.
        minimal: the minimal loop runner, ``minimal(world, inputs)``.
        minimal_world: builds the minimal loop's world.
    """

    name: str
    line: str
    goal: Goal | None
    rules: tuple[dict[str, Any], ...]
    inputs: Callable[[int, int], list[Any]]
    s3repl: Callable[[Engine, list[Any]], None]
    moto: Callable[[Any], None]
    minimal: Callable[[Any, list[Any]], None]
    minimal_world: Callable[[], Any]
    ops: Callable[[int], int] = field(default=lambda count: count)


def loop_for(rules: tuple[dict[str, Any], ...]) -> Callable[[], MinimalLoop]:
    """A factory of minimal loops routing as ``rules`` do."""
    routes = routes_of(rules)
    return lambda: MinimalLoop(routes)


WORKLOADS = (
    Workload(
        "simple",
        "all-keys rule, 1 destination, one shared 100-byte body, put then step()",
        Goal(3),
        ALL_KEYS,
        simple_inputs,
        s3repl_put_step,
        moto_puts,
        minimal_simple,
        MinimalWorld,
    ),
    Workload(
        "distinct",
        "all-keys rule, 1 destination, distinct 100-1,000-byte bodies, all puts then run()",
        None,
        ALL_KEYS,
        distinct_inputs,
        s3repl_puts_run,
        moto_puts,
        minimal_puts_run,
        loop_for(ALL_KEYS),
    ),
    Workload(
        "typical",
        "4 prefix rules, 2 destinations, key mix data/ 50% logs/ 35% tmp/ 15% "
        "(1.35 tasks per put), 3 metadata entries, distinct bodies, all puts then run()",
        Goal(2, stretch=3),
        PREFIX_RULES,
        typical_inputs,
        s3repl_typical,
        moto_typical,
        minimal_typical,
        loop_for(PREFIX_RULES),
    ),
    Workload(
        "tagged",
        "2 Tag + 2 And(prefix, tags) rules, 2 destinations, the typical key mix, 3 tags "
        "and 3 metadata entries per put (1.1 tasks per put), distinct bodies, all puts then run()",
        Goal(1.5, stretch=2.5),
        TAG_RULES,
        tagged_inputs,
        s3repl_tagged,
        moto_tagged,
        minimal_tagged,
        loop_for(TAG_RULES),
    ),
    Workload(
        "deletes",
        "all-keys rule with delete markers, 1 destination, N puts (distinct bodies), "
        "N/2 deletes (markers), N/2 deletes by version id (N/4 markers, N/4 unreplicated "
        "versions), then run(); an op is a put or a delete",
        Goal(2),
        ALL_KEYS,
        distinct_inputs,
        s3repl_deletes,
        moto_deletes,
        minimal_deletes,
        loop_for(ALL_KEYS),
        deletes_ops,
    ),
)
NAMES = (*(w.name for w in WORKLOADS), "hotkey", "memory", "fork", "queue")


# --- measuring ------------------------------------------------------------------------


def s3repl_counts(engine: Engine) -> dict[str, int]:
    """Stored versions and delete markers per bucket, by the public listing."""
    return {name: len(engine.list_object_versions(name)) for name in ("src", *DESTINATIONS)}


def check(workload: Workload, plan: Plan) -> str:
    """Run the workload once, small, on s3repl and the minimal loop; compare the buckets."""
    batch = BATCHES.next()
    engine = engine_for(workload.rules)
    workload.s3repl(engine, workload.inputs(plan.check_ops, batch))
    if engine.pending():
        return f"mismatch: {len(engine.pending())} tasks still pending"
    got = s3repl_counts(engine)
    world = workload.minimal_world()
    workload.minimal(world, workload.inputs(plan.check_ops, batch))
    if isinstance(world, MinimalWorld):
        want = {"src": sum(map(len, world.source.values()))}
        want["dst-a"] = sum(map(len, world.destination.values()))
    else:
        want = world.counts()
    want = {name: want.get(name, 0) for name in got}
    if got != want:
        return f"mismatch: s3repl {got}, minimal loop {want}"
    return "ok " + "/".join(str(got[name]) for name in got)


def contenders(workload: Workload, plan: Plan, count: int | None = None) -> list[Contender]:
    """The three contenders of a workload, each batch on fresh inputs."""
    count = plan.ops if count is None else count
    big = count * plan.minimal_factor

    def s3repl_setup() -> tuple[Engine, list[Any]]:
        return engine_for(workload.rules), workload.inputs(count, BATCHES.next())

    def moto_setup() -> tuple[Any, str, list[Any]]:
        return (*moto_bucket(), workload.inputs(count, BATCHES.next()))

    def minimal_setup() -> tuple[Any, list[Any]]:
        return workload.minimal_world(), workload.inputs(big, BATCHES.next())

    return [
        Contender("s3repl", workload.ops(count), s3repl_setup, lambda s: workload.s3repl(*s)),
        Contender("moto", workload.ops(count), moto_setup, workload.moto, moto_reset),
        Contender("minimal", workload.ops(big), minimal_setup, lambda s: workload.minimal(*s)),
    ]


def ratio(slow: Spread, fast: Spread) -> Spread:
    """``slow / fast`` of the fastest rounds and of the median rounds.

    Of costs per operation, this is how many times faster ``fast`` runs; of a cost over
    a reference cost, how many times dearer it is.
    """
    return Spread(slow.min / fast.min, slow.median / fast.median)


def measure_workload(workload: Workload, plan: Plan) -> dict[str, Any]:
    """Time a workload's three contenders in turns; ratios of the same run."""
    log(f"{workload.name}: checking, then {plan.rounds} rounds of {plan.ops:,} ops")
    result: dict[str, Any] = {"name": workload.name, "line": workload.line}
    result["check"] = check(workload, plan)
    samples = race_rounds(contenders(workload, plan), plan.rounds)
    spreads = {key: Spread.of(times) for key, times in samples.items()}
    result["ops_per_batch"] = workload.ops(plan.ops)
    result["us_per_op"] = {key: spread_us(spread) for key, spread in spreads.items()}
    vs_moto = ratio(spreads["moto"], spreads["s3repl"])
    vs_minimal = ratio(spreads["minimal"], spreads["s3repl"])
    result["vs_moto"] = {"min": vs_moto.min, "median": vs_moto.median}
    result["vs_minimal"] = {"min": vs_minimal.min, "median": vs_minimal.median}
    # The ratio of each round's two batches, which ran back to back: a slow spell of the
    # machine that hits one round moves both sides of its ratio alike.
    paired = [m / s for m, s in zip(samples["moto"], samples["s3repl"], strict=True)]
    result["vs_moto_paired_median"] = statistics.median(paired)
    result["seconds_per_op_rounds"] = samples
    if workload.goal is not None:
        result["target"] = workload.goal.text()
        result["met"] = workload.goal.verdict(vs_moto)
    return result


def spread_us(spread: Spread) -> dict[str, float]:
    """A spread of seconds as microseconds."""
    return {"min": spread.min * 1e6, "median": spread.median * 1e6}


HOT_GOAL = Goal(1.5, higher_is_better=False)


def hot_inputs(count: int, batch: int) -> list[tuple[str, bytes]]:
    """``count`` puts on one key, the shared body."""
    return [(f"hot/{batch:03d}", BODY)] * count


def measure_hot_key(plan: Plan) -> list[dict[str, Any]]:
    """k puts on one key then run(), against k puts on distinct keys then run()."""
    rows = []
    distinct = Workload(
        "distinct-keys",
        "",
        None,
        ALL_KEYS,
        simple_inputs,
        s3repl_puts_run,
        moto_puts,
        minimal_puts_run,
        loop_for(ALL_KEYS),
    )
    hot = Workload(
        "hot-key",
        "",
        None,
        ALL_KEYS,
        hot_inputs,
        s3repl_puts_run,
        moto_puts,
        minimal_puts_run,
        loop_for(ALL_KEYS),
    )
    for count in plan.hot_sizes:
        log(f"hotkey: {count:,} puts on one key, {plan.rounds} rounds")
        s3repl_hot, _, minimal_hot = contenders(hot, plan, count)
        s3repl_distinct, _, _ = contenders(distinct, plan, count)
        # moto's put scans a key's versions: k puts on one key take O(k²) (hours at
        # 10,000), so moto runs on distinct keys only, at most plan.ops of them.
        _, moto_distinct, _ = contenders(distinct, plan, min(count, plan.ops))
        race = [
            Contender("hot", s3repl_hot.ops, s3repl_hot.setup, s3repl_hot.run),
            s3repl_distinct,
            moto_distinct,
            Contender("minimal_hot", minimal_hot.ops, minimal_hot.setup, minimal_hot.run),
        ]
        spreads = {key: Spread.of(times) for key, times in race_rounds(race, plan.rounds).items()}
        cost = ratio(spreads["hot"], spreads["s3repl"])  # hot's cost over distinct keys
        rows.append(
            {
                "k": count,
                "us_per_op": {key: spread_us(spread) for key, spread in spreads.items()},
                "hot_vs_distinct": {"min": cost.min, "median": cost.median},
                "hot_vs_moto": {
                    "min": spreads["moto"].min / spreads["hot"].min,
                    "median": spreads["moto"].median / spreads["hot"].median,
                },
                "target": HOT_GOAL.text() if count == plan.hot_sizes[-1] else "",
                "met": HOT_GOAL.verdict(cost) if count == plan.hot_sizes[-1] else "",
            }
        )
    return rows


def measure_memory(plan: Plan) -> list[dict[str, Any]]:
    """Bytes per stored version by ``tracemalloc``: keys, bodies, metadata made before."""
    rows = []
    for name, workload, count in (
        ("simple", WORKLOADS[0], plan.memory_puts),
        ("typical", WORKLOADS[2], plan.memory_puts // 2),
    ):
        log(f"memory: {name}, {count:,} puts")
        ops = workload.inputs(count, BATCHES.next())
        grown, engine = traced_bytes(
            lambda workload=workload: engine_for(workload.rules),
            lambda eng, workload=workload, ops=ops: workload.s3repl(eng, ops),
        )
        counts = s3repl_counts(engine)
        versions = sum(counts.values())
        # The first replica the listing shows, and its source version: one body?
        bodies = {key: body for key, body, *_ in ops}
        replica = engine.list_object_versions("dst-a")[0]
        source = engine.head_object("src", replica.key, version_id=replica.version_id)
        shared = replica.body is source.body and source.body is bodies[replica.key]
        rows.append(
            {
                "workload": name,
                "puts": count,
                "versions": versions,
                "bytes_per_version": grown / versions,
                "replica_body_shared": shared,
            }
        )
        del engine, source, replica
        gc.collect()
    return rows


def measure_fork(plan: Plan) -> dict[str, Any]:
    """``fork()`` of a world of replicated keys; a dict copy of as many entries beside."""
    log(f"fork: building {plan.fork_keys:,} replicated keys")
    engine = engine_for(ALL_KEYS)
    s3repl_put_step(engine, simple_inputs(plan.fork_keys, BATCHES.next()))
    plain = [{f"k{i}": (i, None) for i in range(plan.fork_keys)} for _ in range(2)]
    samples = race_rounds(
        [
            Contender("fork", 1, lambda: engine, lambda eng: eng.fork()),
            Contender("dict_copy", 1, lambda: plain, lambda maps: [m.copy() for m in maps]),
        ],
        plan.fork_calls,
    )
    fork, floor = Spread.of(samples["fork"]), Spread.of(samples["dict_copy"])
    return {
        "keys": plan.fork_keys,
        "fork_ms": {"min": fork.min * 1e3, "median": fork.median * 1e3},
        "dict_copy_ms": {"min": floor.min * 1e3, "median": floor.median * 1e3},
        "target": "<= 5 ms",
        "met": "yes" if fork.median <= 5e-3 else ("min only" if fork.min <= 5e-3 else "no"),
    }


#: Queue calls timed against the queue's size: name -> (call, calls per 10,000 pending).
QUEUE_CALLS: dict[str, tuple[Callable[[Engine], object], int]] = {
    "peek": (lambda engine: engine.peek(), 0),
    "pending": (lambda engine: engine.pending(), 30),
    "advance": (lambda engine: engine.advance(seconds=0.001), 30),
    "snapshot": (lambda engine: engine.snapshot(), 10),
}


def repeat(call: Callable[[Engine], object], times: int) -> Callable[[Engine], None]:
    """A batch of ``times`` calls."""

    def batch(engine: Engine) -> None:
        for _ in range(times):
            call(engine)

    return batch


def measure_queue(plan: Plan) -> list[dict[str, Any]]:
    """Time per call of the queue's readers at two queue sizes (puts not yet stepped)."""
    small, large = plan.queue_sizes
    engines = {}
    for size in plan.queue_sizes:
        log(f"queue: {size:,} pending tasks")
        engine = engine_for(ALL_KEYS)
        for key, body in simple_inputs(size, BATCHES.next()):
            engine.put_object("src", key, body)
        engines[size] = engine
    rows = []
    for name, (call, per_10k) in QUEUE_CALLS.items():
        row: dict[str, Any] = {"call": name}
        try:
            race = []
            for size, engine in engines.items():
                times = 2_000 if per_10k == 0 else max(3, per_10k * 10_000 // size)
                race.append(
                    Contender(str(size), times, lambda engine=engine: engine, repeat(call, times))
                )
            spreads = {
                int(key): Spread.of(times) for key, times in race_rounds(race, plan.rounds).items()
            }
        except Exception as error:  # noqa: BLE001 - an engine without this call: report it
            row["error"] = f"{type(error).__name__}: {error}"
            rows.append(row)
            continue
        growth = ratio(spreads[large], spreads[small])  # the large queue's cost over the small's
        row["us_per_call"] = {str(size): spread_us(spread) for size, spread in spreads.items()}
        row["growth"] = {"min": growth.min, "median": growth.median}
        # No worse than O(pending): 10 times the queue costs at most about 10 times
        # (12x leaves room for noise); a sort (n log n) would show about 13x.
        bound = 1.2 * large / small
        row["target"] = f"<= {fmt(bound)}x (O(pending))"
        row["met"] = Goal(bound, higher_is_better=False).verdict(growth)
        rows.append(row)
    return rows


# --- report ---------------------------------------------------------------------------


def pair(values: dict[str, float], unit: str = "x") -> str:
    """``min / median`` as text."""
    return f"{fmt(values['min'])}{unit} / {fmt(values['median'])}{unit}"


def report(results: dict[str, Any], plan: Plan) -> None:
    """Print the results as Markdown tables."""
    meta = results["environment"]
    print(f"# s3repl workload suite ({results['mode']} run)")
    print()
    for name in ("date", "python", "libraries", "machine", "checkout"):
        print(f"- {name}: {meta[name]}")
    print(f"- s3repl imported from: {meta['s3repl_path']}")
    print(
        f"- {plan.rounds} rounds; each round runs one batch of every contender in turn; "
        "figures are the fastest round / the median round; 'paired' is the median of "
        "the rounds' own ratios (each round's batches ran back to back)"
    )
    print(
        "- moto: the same operations (same keys, bodies, metadata, tags) on moto's "
        "in-process S3Backend (put_object, then set_metadata and put_object_tagging as "
        "its PutObject handler does; delete_object), no HTTP. moto does NOT replicate: "
        "it stores the source versions only, while s3repl's figures include applying "
        "every replication task."
    )
    print(
        "- minimal loop: dict of key -> versions, deque of tasks routed by startswith and "
        "tag comparisons, popped into one dict per destination (the pure-Python limit)"
    )
    print()
    if results.get("workloads"):
        table(
            "Workloads (s3repl speed as a multiple of the contender's; higher is better)",
            "workload | ops/batch> | s3repl µs/op> | moto µs/op> | minimal µs/op> "
            "| s3repl/moto min> | median> | paired> | s3repl/minimal min / median> | target "
            "| met | check",
            results["workloads"],
            lambda row: [
                row["name"],
                f"{row['ops_per_batch']:,}",
                pair(row["us_per_op"]["s3repl"], ""),
                pair(row["us_per_op"]["moto"], ""),
                pair(row["us_per_op"]["minimal"], ""),
                f"{fmt(row['vs_moto']['min'])}x",
                f"{fmt(row['vs_moto']['median'])}x",
                f"{fmt(row['vs_moto_paired_median'])}x",
                pair(row["vs_minimal"]),
                row.get("target", "none"),
                row.get("met", ""),
                row["check"],
            ],
        )
        for row in results["workloads"]:
            if "line" in row:
                print(f"- **{row['name']}**: {row['line']}")
        print()
    if results.get("hotkey"):
        table(
            "Lagging hot key: k puts on one key, then run() (all-keys rule, 1 destination)",
            "k> | s3repl hot µs/op> | s3repl distinct keys µs/op> | hot / distinct min> "
            "| median> | minimal hot µs/op> | s3repl hot / moto distinct> | target | met",
            results["hotkey"],
            lambda row: [
                f"{row['k']:,}",
                pair(row["us_per_op"]["hot"], ""),
                pair(row["us_per_op"]["s3repl"], ""),
                f"{fmt(row['hot_vs_distinct']['min'])}x",
                f"{fmt(row['hot_vs_distinct']['median'])}x",
                pair(row["us_per_op"]["minimal_hot"], ""),
                pair(row["hot_vs_moto"]),
                row["target"],
                row["met"],
            ],
        )
        print(
            "Per-op cost of k puts on one key then run(), over k puts on distinct keys then "
            "run() (lower is better). moto runs on distinct keys only (its put scans the "
            "key's versions: 10,000 puts on one key take hours)."
        )
        print()
    if results.get("memory"):
        table(
            "Memory (tracemalloc; keys, bodies and metadata dicts made before tracing)",
            "workload | puts> | stored versions> | bytes per stored version> | target | met",
            results["memory"],
            lambda row: [
                f"{row['workload']} "
                f"({'put + step' if row['workload'] == 'simple' else 'puts, then run()'})",
                f"{row['puts']:,}",
                f"{row['versions']:,}",
                fmt(row["bytes_per_version"]),
                *(
                    ("<= 400 B", "yes" if row["bytes_per_version"] <= 400 else "no")
                    if row["workload"] == "simple"
                    else ("none", "")
                ),
            ],
        )
    if results.get("fork"):
        row = results["fork"]
        print("## fork()")
        print()
        if "error" in row:
            print(f"error: {row['error']}")
        else:
            print(
                f"fork() of {row['keys']:,} replicated keys (+ as many replicas): "
                f"{pair(row['fork_ms'], ' ms')} (min / median); floor, dict.copy() of two "
                f"{row['keys']:,}-entry dicts: {pair(row['dict_copy_ms'], ' ms')}; "
                f"target {row['target']}: {row['met']}"
            )
        print()
    if results.get("queue"):
        small, large = (str(size) for size in plan.queue_sizes)
        table(
            f"Queue calls against the queue's size ({int(small):,} and {int(large):,} pending)",
            f"call | µs per call, {int(small):,} pending> | µs per call, {int(large):,} "
            "pending> | growth min / median> | target | met",
            results["queue"],
            lambda row: [
                f"{row['call']}()",
                pair(row["us_per_call"][small], ""),
                pair(row["us_per_call"][large], ""),
                pair(row["growth"]),
                row["target"],
                row["met"],
            ],
        )


def table(
    title: str,
    header: str,
    rows: list[dict[str, Any]],
    cells: Callable[[dict[str, Any]], list[str]],
) -> None:
    """Print a Markdown table; ``header`` names the columns (``>``: right-aligned).

    A row that holds an ``error`` (an engine without some API) prints that error.
    """
    names = [name.strip() for name in header.split("|")]
    print(f"## {title}")
    print()
    print("| " + " | ".join(name.rstrip(">") for name in names) + " |")
    print("| " + " | ".join("---:" if name.endswith(">") else "---" for name in names) + " |")
    for row in rows:
        if "error" in row:
            print(f"| {row.get('name', row.get('call', ''))} | error: {row['error']} |")
        else:
            print("| " + " | ".join(cells(row)) + " |")
    print()


def profile(workload: Workload, plan: Plan) -> None:
    """Print cProfile's hottest functions of s3repl on one batch of the workload."""
    engine = engine_for(workload.rules)
    ops = workload.inputs(plan.ops, BATCHES.next())
    profiler = cProfile.Profile()
    profiler.runcall(workload.s3repl, engine, ops)
    print(f"\n## cProfile: {workload.name}, {plan.ops:,} ops\n")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(25)


def guarded(name: str, measure: Callable[[], Any]) -> Any:
    """Run one measurement; an engine without some API yields an error row, not a crash."""
    try:
        return measure()
    except Exception as error:  # noqa: BLE001 - the engine is being rewritten: report, go on
        traceback.print_exc()
        log(f"{name}: error, continuing")
        return {"name": name, "error": f"{type(error).__name__}: {error}"}
    finally:
        gc.collect()


def main(argv: list[str] | None = None) -> int:
    """Run the suite; the exit status is 0 even when a target is missed."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of a few seconds")
    parser.add_argument("--rounds", type=int, help="timed rounds per figure (at least 3)")
    parser.add_argument(
        "--only", help=f"comma-separated measurements to run, among: {', '.join(NAMES)}"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument(
        "--profile", action="store_true", help="also print cProfile hot spots of the workloads"
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.rounds is not None:
        if args.rounds < 1:
            parser.error("--rounds must be at least 1")
        plan = Plan(**{**plan.__dict__, "rounds": args.rounds})
    selected = NAMES if args.only is None else tuple(args.only.split(","))
    unknown = sorted(set(selected) - set(NAMES))
    if unknown:
        parser.error(f"unknown measurement(s) {', '.join(unknown)}; choose among {NAMES}")
    started = time.perf_counter()
    results: dict[str, Any] = {
        "mode": "--quick" if args.quick else "full",
        "environment": {**environment(), "s3repl_path": s3repl.__file__},
        "rounds": plan.rounds,
        "workloads": [
            guarded(w.name, lambda w=w: measure_workload(w, plan))
            for w in WORKLOADS
            if w.name in selected
        ],
    }
    if "hotkey" in selected:
        hot = guarded("hotkey", lambda: measure_hot_key(plan))
        results["hotkey"] = hot if isinstance(hot, list) else [hot]
    if "memory" in selected:
        memory = guarded("memory", lambda: measure_memory(plan))
        results["memory"] = memory if isinstance(memory, list) else [memory]
    if "fork" in selected:
        results["fork"] = guarded("fork", lambda: measure_fork(plan))
    if "queue" in selected:
        queue = guarded("queue", lambda: measure_queue(plan))
        results["queue"] = queue if isinstance(queue, list) else [queue]
    report(results, plan)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2)
            out.write("\n")
    if args.profile:
        for workload in WORKLOADS:
            if workload.name in selected:
                guarded(f"profile {workload.name}", lambda w=workload: profile(w, plan))
    log(f"total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
