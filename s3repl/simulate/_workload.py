"""The workload: a stream of operations, in time order, drawn from the run's seed.

Each stream is a Poisson process of its total rate (gaps drawn with
``expovariate``); each arrival is a put, a delete or a tag change with probability
proportional to its rate, on a key drawn from the stream's key distribution.  Every
stream has its own ``random.Random`` seeded from ``(seed, stream index)``, so adding a
stream does not change what the others draw, and the streams are merged by time with
``heapq.merge`` (O(log streams) per operation, nothing held but one pending operation
per stream).

Why sizes are rounded to size classes: the engine stores each body (and hashes it for
the ETag when the ETag is first read).  Sizes rounded to quarter powers of two (at most
19 % larger or smaller) let one shared zero-filled body per class serve every put of
that size, so memory holds a few dozen bodies, not one per put.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import random
from array import array
from collections.abc import Callable, Iterator

from s3repl.simulate._spec import KeySpec, Scenario, SizeSpec, Stream, TagChoice

__all__ = ["DELETE", "PUT", "TAG", "Operation", "operations", "size_class"]

#: Operation kinds.
PUT, DELETE, TAG = 0, 1, 2

#: ``(time_us, stream index, sequence, kind, bucket, key, size_bytes, tags)``.
Operation = tuple[int, int, int, int, str, str, int, dict[str, str] | None]

_ZIPF_TABLES_MAX = 8  # cumulative weight tables kept per run (each is count doubles)


def size_class(size: int) -> int:
    """Round a size to the nearest quarter power of two (0 and 1 stay as they are)."""
    if size <= 1:
        return max(size, 0)
    return round(2 ** (round(4 * math.log2(size)) / 4))


def _key_drawer(
    spec: KeySpec, rng: random.Random, zipf_tables: dict[tuple[int, float], array[float]]
) -> Callable[[], str]:
    prefixes, width = spec.prefixes, len(spec.prefixes)
    count, draw = spec.count, rng.random
    if spec.distribution == "sequential":
        counter = itertools.count()

        def sequential() -> str:
            index = next(counter) % count
            return f"{prefixes[index % width]}{index:08d}"

        return sequential
    if spec.distribution == "zipf":
        table = zipf_tables.get((count, spec.exponent))
        if table is None:
            exponent = spec.exponent
            table = array(
                "d", itertools.accumulate(1.0 / (i**exponent) for i in range(1, count + 1))
            )
            if len(zipf_tables) < _ZIPF_TABLES_MAX:
                zipf_tables[(count, spec.exponent)] = table
        total, find, cumulative = table[-1], bisect.bisect_right, table

        def zipf() -> str:
            index = min(find(cumulative, draw() * total), count - 1)
            return f"{prefixes[index % width]}{index:08d}"

        return zipf

    def uniform() -> str:
        index = int(draw() * count)
        return f"{prefixes[index % width]}{index:08d}"

    return uniform


def _size_drawer(spec: SizeSpec, rng: random.Random) -> Callable[[], int]:
    low, high = spec.min_bytes, spec.max_bytes
    if spec.distribution == "fixed":
        fixed = size_class(min(max(spec.bytes, low), high))
        return lambda: fixed
    if spec.distribution == "uniform":
        return lambda: size_class(rng.randint(low, high))
    log_median, sigma, gauss = math.log(spec.median_bytes), spec.sigma, rng.gauss
    classes: dict[int, int] = {}

    def lognormal() -> int:
        raw = min(max(int(math.exp(log_median + sigma * gauss(0.0, 1.0))), low), high)
        found = classes.get(raw)
        if found is None:
            found = classes[raw] = size_class(raw)
        return found

    return lognormal


def _tag_drawer(
    choices: tuple[TagChoice, ...], rng: random.Random
) -> Callable[[], dict[str, str] | None]:
    if not choices:
        return lambda: None
    bounds = list(itertools.accumulate(choice.probability for choice in choices))
    sets = [dict(choice.tags) for choice in choices]  # one dict per set, shared by its puts
    draw = rng.random

    def tags() -> dict[str, str] | None:
        u = draw()
        for bound, tag_set in zip(bounds, sets, strict=True):
            if u < bound:
                return tag_set
        return None

    return tags


def _stream_operations(
    stream: Stream,
    index: int,
    seed: int,
    zipf_tables: dict[tuple[int, float], array[float]],
) -> Iterator[Operation]:
    rate = stream.rate
    if rate <= 0:
        return
    rng = random.Random(f"{seed}:workload:{index}")
    key, size, tags = (
        _key_drawer(stream.keys, rng, zipf_tables),
        _size_drawer(stream.sizes, rng),
        _tag_drawer(stream.tags, rng),
    )
    put_below = stream.puts_per_second / rate
    delete_below = (stream.puts_per_second + stream.deletes_per_second) / rate
    gap, draw, bucket = rng.expovariate, rng.random, stream.bucket
    now, end = stream.start_seconds, stream.end_seconds
    for sequence in itertools.count():
        now += gap(rate)
        if now >= end:
            return
        when = int(now * 1_000_000)
        u = draw()
        if u < put_below:
            yield (when, index, sequence, PUT, bucket, key(), size(), tags())
        elif u < delete_below:
            yield (when, index, sequence, DELETE, bucket, key(), 0, None)
        else:
            yield (when, index, sequence, TAG, bucket, key(), 0, tags() or {})


def operations(scenario: Scenario, seed: int) -> Iterator[Operation]:
    """Every operation of the workload, in time order (ties: by stream, then draw order).

    Deterministic: the same scenario and seed give the same operations on any machine.
    """
    zipf_tables: dict[tuple[int, float], array[float]] = {}
    return heapq.merge(
        *(
            _stream_operations(stream, index, seed, zipf_tables)
            for index, stream in enumerate(scenario.streams)
        )
    )
