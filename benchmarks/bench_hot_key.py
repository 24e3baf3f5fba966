"""The lagging hot key: k puts on ONE key, then ``run()``, against k distinct keys.

Run ``python benchmarks/bench_hot_key.py`` (``--versions 1000 10000`` by default).
Each batch builds a fresh engine replicating ``src`` to ``dst`` (the world of
``bench_replication.py``), puts ``k`` versions
(on one key, or on ``k`` keys), then replicates them all with ``run()``: the queue
applies the oldest version first, so every step reaches the bottom of the hot key.
The figure is the per-operation cost of the hot key over that of distinct keys, both
the best of N batches taken in turns in one process (so load hits both alike).
The design promises no operation is O(versions of the key): the target is <= 1.5x.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time

from bench_replication import BODY, replicated_engine  # the same world, one source


def puts_then_run(keys: list[str]) -> float:
    """Seconds to put every key of ``keys`` (repeats allowed), then ``run()``."""
    engine = replicated_engine()
    gc.collect()
    gc.freeze()
    try:
        start = time.perf_counter()
        put = engine.put_object
        for key in keys:
            put("src", key, BODY)
        engine.run(steps_max=2 * len(keys) + 1)
        return time.perf_counter() - start
    finally:
        gc.unfreeze()


def main(argv: list[str] | None = None) -> int:
    """Print the hot key's per-operation cost against distinct keys for each k."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--versions", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print("| versions on the key | hot key us/op | distinct keys us/op | ratio |")
    print("| ---: | ---: | ---: | ---: |")
    for count in args.versions:
        hot = distinct = float("inf")
        for round_ in range(args.repeats):
            hot = min(hot, puts_then_run(["hot"] * count))
            distinct = min(distinct, puts_then_run([f"k{round_}/{i}" for i in range(count)]))
        print(
            f"| {count:,} | {hot / count * 1e6:.1f} | {distinct / count * 1e6:.1f} "
            f"| {hot / distinct:.2f}x |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
