"""What simulated time costs: latency on against latency off, and the recorder's memory.

Run ``python benchmarks/bench_latency.py`` (``--puts 20000 --repeats 5`` by default).
Each batch builds a fresh engine replicating ``src`` (us-east-1) to ``dst``
(eu-west-1), puts ``--puts`` distinct keys, 100 per simulated 0.36 s (about 278 puts
a second, the rate of a million puts an hour), and replicates them all: with
``latency=None`` by ``run()`` at the end; with a latency model by ``advance`` as time
goes (tasks land when due), then ``advance`` past the last.  The contenders take turns,
best and median of the batches, in one process; the figure is the cost per put (its
replication included) over the cost without a latency model.

The memory rows spread 1,000 or 10,000 puts over one or four simulated hours with the
metric recorder at 60 s periods, and report the recorder's frozen state size
(``pickle``): it grows with the number of periods, not with the number of operations.
"""

from __future__ import annotations

import argparse
import gc
import pickle
import statistics
import sys
import time
from collections.abc import Callable

from bench_replication import BODY, ROLE

from s3repl import Engine, LatencyModel, Profile

PER_TICK = 100  # puts between two advances
TICK_SECONDS = 0.36  # 100 puts per 0.36 s: 10^6 puts an hour
RTC = {
    "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
    "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
}


def engine_with(latency: LatencyModel | None, *, rtc: bool = False) -> Engine:
    """The benchmark world of ``bench_replication.py`` under ``latency`` (RTC if asked)."""
    engine = Engine(seed=7, profile=Profile(latency=latency))
    engine.create_bucket("src", region="us-east-1", versioning=True)
    engine.create_bucket("dst", region="eu-west-1", versioning=True)
    engine.create_role(ROLE)
    rule = {
        "ID": "all",
        "Priority": 1,
        "Status": "Enabled",
        "Filter": {},
        "DeleteMarkerReplication": {"Status": "Enabled"},
        "Destination": {"Bucket": "arn:aws:s3:::dst", **(RTC if rtc else {})},
    }
    engine.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule]})
    return engine


def timed(engine: Engine, puts: int) -> float:
    """Seconds to put ``puts`` keys at the simulated rate and replicate them all."""
    gc.collect()
    gc.freeze()
    try:
        start = time.perf_counter()
        put, advance = engine.put_object, engine.advance
        timed_model = engine.profile.latency is not None
        for number in range(puts):
            put("src", f"k{number}", BODY)
            if timed_model and number % PER_TICK == PER_TICK - 1:
                advance(seconds=TICK_SECONDS)
        if timed_model:
            advance(seconds=24 * 3600)
        else:
            engine.run(steps_max=puts + 1)
        assert not engine.pending()
        return time.perf_counter() - start
    finally:
        gc.unfreeze()


CONTENDERS: dict[str, Callable[[], Engine]] = {
    "latency=None": lambda: engine_with(None),
    "latency, no tail": lambda: engine_with(LatencyModel(tail_shape=None)),
    "latency (defaults)": lambda: engine_with(LatencyModel()),
    "latency + RTC + metrics": lambda: _recording(engine_with(LatencyModel(), rtc=True)),
}


def _recording(engine: Engine) -> Engine:
    engine.record_metrics(resolution_seconds=60)
    return engine


def recorder_bytes(hours: int, puts: int) -> int:
    """The pickled recorder state after ``puts`` spread evenly over ``hours``."""
    engine = _recording(engine_with(LatencyModel(), rtc=True))
    gap = hours * 3600 / puts
    for number in range(puts):
        engine.put_object("src", f"k{number}", BODY)
        engine.advance(seconds=gap)
    metrics = getattr(engine.snapshot().engine_state, "metrics", None)
    return len(pickle.dumps(metrics))


def main(argv: list[str] | None = None) -> int:
    """Print the per-put cost of each contender against ``latency=None``."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--puts", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    runs: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    for round_ in range(args.repeats):
        for name, build in CONTENDERS.items():
            runs[name].append(timed(build(), args.puts))
        print(f"round {round_ + 1}/{args.repeats}", file=sys.stderr)
    best_off = min(runs["latency=None"])
    median_off = statistics.median(runs["latency=None"])
    print("| contender | best us/put | median us/put | best ratio | median ratio |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, seconds in runs.items():
        best, median = min(seconds), statistics.median(seconds)
        print(
            f"| {name} | {best / args.puts * 1e6:.1f} | {median / args.puts * 1e6:.1f} "
            f"| {best / best_off:.2f}x | {median / median_off:.2f}x |"
        )
    print()
    print("| simulated hours | puts | recorder state (bytes, pickled) |")
    print("| ---: | ---: | ---: |")
    for hours, puts in ((1, 1_000), (1, 10_000), (4, 10_000)):
        print(f"| {hours} | {puts:,} | {recorder_bytes(hours, puts):,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
