"""How fast the state machine runs as the world grows: rules per second, ratio to no objects.

The machine checks only the keys each rule touched (issue 13), so its rate should not
fall as the world it starts from holds more objects.  For each size, the world is the
default machine world with that many extra replicated objects under ``bulk/``; the
machine runs a fixed, derandomised number of examples, and the rate is rules (with
their checks) per second.  Sizes are run in turns, several rounds, min and median kept.

    python benchmarks/bench_machine.py            # sizes 0, 1000, 10000; 3 rounds
    python benchmarks/bench_machine.py --quick    # 0 and 1000; 1 round
"""

from __future__ import annotations

import argparse
import statistics
import time

from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import invariant, run_state_machine_as_test

from s3repl import Engine
from s3repl.testing.machine import default_world, replication_machine


def world_of(size: int) -> Engine:
    engine = default_world(seed=3)
    for index in range(size):
        engine.put_object("src", f"bulk/{index}", b"x")
    engine.run()
    return engine


def rate(engine: Engine, examples: int) -> tuple[float, int]:
    base = replication_machine(world=engine)
    count = {"rules": 0}

    class Counted(base):  # type: ignore[misc, valid-type]
        @invariant()
        def replication_is_safe(self) -> None:
            count["rules"] += 1
            super().replication_is_safe()

    Counted.__name__ = "ReplicationMachine"
    budget = settings(
        max_examples=examples,
        stateful_step_count=50,
        derandomize=True,
        database=None,
        deadline=None,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    started = time.perf_counter()
    run_state_machine_as_test(Counted, settings=budget)
    seconds = time.perf_counter() - started
    return count["rules"] / seconds, count["rules"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--examples", type=int, default=20)
    args = parser.parse_args()
    sizes = (0, 1000) if args.quick else (0, 1000, 10_000)
    rounds = 1 if args.quick else 3
    worlds = {size: world_of(size) for size in sizes}
    rates: dict[int, list[float]] = {size: [] for size in sizes}
    for _ in range(rounds):
        for size in sizes:
            per_second, rules = rate(worlds[size], args.examples)
            rates[size].append(per_second)
            print(f"size {size}: {rules} rules, {per_second:.0f} rules/s", flush=True)
    base = statistics.median(rates[sizes[0]])
    print("\n| objects in the world | rules/s (min) | rules/s (median) | ratio to 0 (median) |")
    print("| --- | --- | --- | --- |")
    for size in sizes:
        median = statistics.median(rates[size])
        print(f"| {size:,} | {min(rates[size]):.0f} | {median:.0f} | {median / base:.2f} |")


if __name__ == "__main__":
    main()
