"""What the benchmark scripts share: timing in turns, moto's backend, the minimal loop, results.

``bench_replication.py`` and ``bench_workloads.py`` import this module (it sits beside
them, so ``python benchmarks/<script>.py`` finds it).  It uses s3repl's public API only:
the engine is being rewritten, and a benchmark must keep measuring it.
"""

from __future__ import annotations

import gc
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import deque
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

# ``python benchmarks/<script>.py`` puts benchmarks/ on sys.path, not the checkout: an
# s3repl installed from elsewhere (another checkout's editable install) would be
# measured instead of this one.  The scripts import this module before s3repl.
_CHECKOUT = Path(__file__).resolve().parent.parent
if (_CHECKOUT / "s3repl" / "__init__.py").is_file() and str(_CHECKOUT) not in sys.path:
    sys.path.insert(0, str(_CHECKOUT))

SEED = 7
BODY = b"x" * 100
ROLE = "arn:aws:iam::123456789012:role/repl"
MOTO_ACCOUNT = "123456789012"

# --- timing ---------------------------------------------------------------------------


def _nothing(_state: object) -> None:
    """A teardown that has nothing to clean up."""


@dataclass(frozen=True)
class Contender:
    """One timed workload: ``setup()`` (untimed), ``run(state)`` (timed), ``teardown``.

    Attributes:
        key: the figure's key in the results.
        ops: operations one ``run`` performs (to turn seconds into a rate).
        setup: builds the state of one batch; not timed.
        run: the timed batch.
        teardown: releases what ``setup`` built; not timed.
    """

    key: str
    ops: int
    setup: Callable[[], Any]
    run: Callable[[Any], object]
    teardown: Callable[[Any], object] = _nothing


def timed(run: Callable[[Any], object], state: Any) -> float:
    """Seconds ``run(state)`` takes, with ``state`` frozen out of the garbage collector."""
    gc.collect()
    gc.freeze()
    try:
        start = time.perf_counter()
        run(state)
        return time.perf_counter() - start
    finally:
        gc.unfreeze()


def race_rounds(contenders: list[Contender], rounds: int) -> dict[str, list[float]]:
    """Seconds per operation of each contender in each round, the contenders taking turns.

    A round runs one timed batch of every contender, in order, so that a burst of load
    from another process hits the contenders of one round alike.
    """
    samples: dict[str, list[float]] = {contender.key: [] for contender in contenders}
    for _ in range(rounds):
        for contender in contenders:
            state = contender.setup()
            try:
                elapsed = timed(contender.run, state)
            finally:
                contender.teardown(state)
            samples[contender.key].append(elapsed / contender.ops)
    return samples


def race(contenders: list[Contender], repeats: int) -> dict[str, float]:
    """Best seconds per operation of each contender, the contenders taking turns."""
    return {key: min(times) for key, times in race_rounds(contenders, repeats).items()}


@dataclass(frozen=True)
class Spread:
    """The fastest and the median of a figure's rounds (seconds per operation, say)."""

    min: float
    median: float

    @classmethod
    def of(cls, samples: list[float]) -> Spread:
        """The spread of a non-empty list of samples."""
        return cls(min(samples), statistics.median(samples))


class KeySource:
    """Distinct keys, handed out in batches that never repeat a key."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.next_index = 0

    def take(self, count: int) -> list[str]:
        """Return ``count`` keys never returned before."""
        first = self.next_index
        self.next_index += count
        return [f"{self.prefix}/{i:08d}" for i in range(first, first + count)]


# --- contender: moto's backend -------------------------------------------------------


def moto_backend() -> Any:
    """moto's in-memory S3 backend for the benchmark account, its ids seeded."""
    from moto.moto_api._internal import mock_random
    from moto.s3.models import s3_backends

    mock_random.seed(SEED)
    return s3_backends[MOTO_ACCOUNT]["aws"]


def moto_bucket() -> tuple[Any, str]:
    """A fresh, empty, versioned bucket in moto's backend: ``(backend, name)``."""
    backend = moto_backend()
    backend.reset()
    backend.create_bucket("bench-moto", "us-east-1")
    backend.put_bucket_versioning("bench-moto", "Enabled")
    return backend, "bench-moto"


def moto_reset(_state: object = None) -> None:
    """Drop moto's buckets, close the temporary file moto opens per version, and forget them.

    moto also keeps every model instance in a class-level list (for its dashboard), which
    only ``mock_aws().stop()`` empties; left alone, a long run keeps every version of every
    batch alive and each ``gc.collect()`` between batches slows down.
    """
    from moto.core.model_instances import reset_model_data

    moto_backend().reset()
    reset_model_data()


def moto_put(backend: Any, bucket: str, keys: list[str]) -> None:
    """Put each key once through moto's backend."""
    put = backend.put_object
    for key in keys:
        put(bucket, key, BODY)


# --- contender: the minimal loop ------------------------------------------------------


class MinimalWorld:
    """The same bookkeeping as a replicated put, with nothing else.

    A versioned source ``dict`` of key -> list of ``(version_id, body)``, a
    ``deque`` of tasks, and a ``step`` that pops one and appends the same version
    to the destination ``dict``.
    """

    def __init__(self) -> None:
        self.source: dict[str, list[tuple[int, bytes]]] = {}
        self.destination: dict[str, list[tuple[int, bytes]]] = {}
        self.queue: deque[tuple[str, tuple[int, bytes]]] = deque()
        self.next_id = 0

    def put(self, key: str, body: bytes) -> tuple[int, bytes]:
        """Store a new version of ``key`` and queue its replication."""
        self.next_id += 1
        version = (self.next_id, body)
        versions = self.source.get(key)
        if versions is None:
            self.source[key] = [version]
        else:
            versions.append(version)
        self.queue.append((key, version))
        return version

    def step(self) -> None:
        """Copy the oldest queued version into the destination."""
        key, version = self.queue.popleft()
        versions = self.destination.get(key)
        if versions is None:
            self.destination[key] = [version]
        else:
            versions.append(version)


def minimal_put_step(world: MinimalWorld, keys: list[str]) -> None:
    """Put each key once and replicate it right away."""
    put, step = world.put, world.step
    for key in keys:
        put(key, BODY)
        step()


# --- results --------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One measured number."""

    name: str
    value: float
    unit: str
    note: str = ""


@dataclass(frozen=True)
class Target:
    """One goal: a measured value against a bound."""

    name: str
    value: float
    bound: float
    unit: str
    _: KW_ONLY
    higher_is_better: bool
    stretch: bool = False

    @property
    def passed(self) -> bool:
        """Whether the measured value meets the bound."""
        return self.value >= self.bound if self.higher_is_better else self.value <= self.bound

    @property
    def goal(self) -> str:
        """The bound as text, for example ``>= 3.00x``."""
        return f"{'>=' if self.higher_is_better else '<='} {fmt(self.bound)}{self.unit}"


def fmt(value: float) -> str:
    """Format a number with about three significant digits."""
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def log(message: str) -> None:
    """Report progress on stderr (the tables go to stdout)."""
    print(message, file=sys.stderr, flush=True)


def rate(seconds_per_op: float) -> float:
    """Operations per second."""
    return 1 / seconds_per_op


def traced_bytes(setup: Callable[[], Any], run: Callable[[Any], object]) -> tuple[int, Any]:
    """Bytes still allocated after ``run(setup())``, traced by ``tracemalloc``."""
    state = setup()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        run(state)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return after - before, state


def version_of(name: str) -> str:
    """The installed version of distribution ``name``, or ``"not installed"``."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def checkout() -> str:
    """The git commit of the checkout, marked ``+changes`` when ``s3repl/`` is modified."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        commit = subprocess.run(
            ["git", "-C", root, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "--", "s3repl"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{commit}{' +changes' if dirty else ''}"


def environment() -> dict[str, str]:
    """Where and on what a run happens: date, interpreter, libraries, machine, checkout."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        load = "unknown"
    return {
        "date": f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC",
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "libraries": ", ".join(f"{name} {version_of(name)}" for name in ("s3repl", "moto")),
        "machine": f"{platform.machine()} {platform.system()}, {cores} cores, load {load}",
        "checkout": checkout(),
    }
