"""Benchmarks of s3repl.simulate (issue 12, "Speed").

1. **A million puts, one simulated hour, latency on**: one run of a scenario putting
   10^6 objects (278 a second, Poisson) into a replicated bucket under the default
   latency model.  Target: under 60 s on one core.  Memory is sampled at every interval
   of the run (RSS from /proc, and the size of the simulator's own bookkeeping), to show
   what grows: the engine's world holds every version (two per put: source and
   replica), while the simulator's own state follows the backlog.
2. **An ensemble of 64 seeds on 2 workers vs serial**: the same 64 runs in this process
   and on a 2-process pool (and on a Dask LocalCluster of 2 worker processes when Dask
   is installed), in turns; the ratio of wall times.  Target: >= 1.7x.

Run: ``python benchmarks/bench_simulate.py`` (add ``--quick`` for 10^5 puts and 16
seeds).  Results are printed as Markdown for docs/performance.md, with the load
average: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tomllib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from s3repl.simulate import ensemble, open_executor, scenario_from_mapping
from s3repl.simulate._run import _Run

ROLE = "arn:aws:iam::123456789012:role/repl"


def scenario_text(*, puts_per_second: float, duration: str, resolution: str) -> str:
    return f"""
name = "bench"
duration = "{duration}"

[world]
roles = [{{ arn = "{ROLE}" }}]

[[world.buckets]]
name = "src"
region = "us-east-1"
versioning = "Enabled"

[world.buckets.replication]
Role = "{ROLE}"

[[world.buckets.replication.Rules]]
ID = "all"
Priority = 1
Status = "Enabled"
Filter = {{}}
DeleteMarkerReplication = {{ Status = "Enabled" }}
Destination = {{ Bucket = "arn:aws:s3:::dst" }}

[[world.buckets]]
name = "dst"
region = "us-west-2"
versioning = "Enabled"

[latency]

[workload]
bucket = "src"
keys = {{ count = 100000, distribution = "uniform", prefixes = ["a/", "b/", "c/"] }}
sizes = {{ distribution = "fixed", bytes = 1024 }}

[[workload.phases]]
puts_per_second = {puts_per_second}

[measure]
resolution = "{resolution}"
"""


def rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def bench_million(puts: int) -> None:
    rate = puts / 3600
    text = scenario_text(puts_per_second=rate, duration="1h", resolution="60s")
    scenario = scenario_from_mapping(tomllib.loads(text))
    working = _Run(scenario, 0, None)
    samples: list[tuple[float, float, int]] = []
    working.progress = lambda fraction: samples.append((fraction, rss_mib(), len(working.origins)))
    before = rss_mib()
    load_before = load()
    start = time.perf_counter()
    cpu_start = time.process_time()
    result = working.run()
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    print(f"\n### {result.puts:,} puts in one simulated hour, latency on\n")
    print(f"load average before: {load_before}; after: {load()}\n")
    print("| measure | value | target | met |")
    print("| --- | ---: | --- | --- |")
    print(f"| wall time | {wall:.1f} s | < 60 s | {'yes' if wall < 60 else 'no'} |")
    print(f"| CPU time (this process) | {cpu:.1f} s | < 60 s | {'yes' if cpu < 60 else 'no'} |")
    per = cpu / result.puts * 1e6
    print(f"| CPU per put (put + replication step + measuring) | {per:.1f} µs | | |")
    print(f"| replications measured | {result.lag.count:,} | | |")
    print(
        f"| lag p50 / p99 / max | {result.lag.p50_seconds:.2f} / "
        f"{result.lag.p99_seconds:.2f} / {result.lag.max_seconds:.2f} s | | |"
    )
    print(f"| peak backlog | {result.peak_operations_pending:,} operations | | |")
    print("\nMemory over the run (RSS, and the simulator's own remembered writes):\n")
    print("| simulated time | RSS | growth since start | remembered writes |")
    print("| ---: | ---: | ---: | ---: |")
    for fraction, rss, remembered in samples:
        if round(fraction * 60) % 10 == 0:
            print(f"| {fraction:.0%} | {rss:,.0f} MiB | {rss - before:,.0f} MiB | {remembered:,} |")
    growth = samples[-1][1] - samples[len(samples) // 2][1]
    versions = result.puts  # the second half of the run stored about half the versions
    print(
        f"\nSecond half of the run: {growth:,.0f} MiB for about {versions:,} stored versions "
        f"(source + replica), {growth * 2**20 / versions:,.0f} B per put."
    )


def bench_ensemble(seeds: int, turns: int) -> None:
    text = scenario_text(puts_per_second=20, duration="5m", resolution="30s")
    scenario = scenario_from_mapping(tomllib.loads(text))
    order = list(range(seeds))
    times: dict[str, list[float]] = {"serial": [], "processes": [], "dask": []}
    results = {}
    try:
        import distributed  # noqa: F401
    except ImportError:
        times.pop("dask")
    print(f"\n### Ensemble of {seeds} seeds: serial vs 2 workers\n")
    print(f"load average before: {load()}\n")
    cpu: dict[str, list[float]] = {"serial": [], "processes": []}
    for _ in range(turns):  # turns: serial, processes, dask, serial, ...
        start, cpu_start = time.perf_counter(), time.process_time()
        results["serial"] = ensemble(scenario, order)
        times["serial"].append(time.perf_counter() - start)
        cpu["serial"].append(time.process_time() - cpu_start)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        children_before = children.ru_utime + children.ru_stime
        start = time.perf_counter()
        with ProcessPoolExecutor(max_workers=2) as pool:
            results["processes"] = ensemble(scenario, order, executor=pool)
        times["processes"].append(time.perf_counter() - start)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu["processes"].append(children.ru_utime + children.ru_stime - children_before)
        if "dask" in times:
            with open_executor("dask", workers=2) as executor:
                start = time.perf_counter()
                results["dask"] = ensemble(scenario, order, executor=executor)
                times["dask"].append(time.perf_counter() - start)
    print(f"load average after: {load()}\n")
    serial = min(times["serial"])
    print("| executor | best wall time | all turns | speed-up vs serial | target | met |")
    print("| --- | ---: | --- | ---: | --- | --- |")
    for name, values in times.items():
        best = min(values)
        ratio = serial / best
        target = "" if name == "serial" else ">= 1.7x"
        met = "" if name == "serial" else ("yes" if ratio >= 1.7 else "no")
        turns = ", ".join(f"{v:.1f} s" for v in values)
        print(f"| {name} | {best:.1f} s | {turns} | {ratio:.2f}x | {target} | {met} |")
    print("\nCPU the runs got (effective cores = CPU time / wall time; 2 means both cores):\n")
    print("| executor | turn | CPU time | wall time | effective cores |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, values in cpu.items():
        for turn, (used, wall) in enumerate(zip(values, times[name], strict=True), start=1):
            print(f"| {name} | {turn} | {used:.1f} s | {wall:.1f} s | {used / wall:.2f} |")
    same = all(result.runs == results["serial"].runs for result in results.values())
    print(f"\nResults identical to serial, seed by seed: {'yes' if same else 'NO'}")
    runs = results["serial"].runs
    print(f"Each run: {sum(r.puts for r in runs) / len(runs):,.0f} puts on average.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10^5 puts and 16 seeds")
    parser.add_argument("--only", choices=("million", "ensemble"), default=None)
    parser.add_argument("--turns", type=int, default=2, help="ensemble turns (best is kept)")
    args = parser.parse_args()
    print(f"CPython {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    if args.only in (None, "million"):
        bench_million(100_000 if args.quick else 1_000_000)
    if args.only in (None, "ensemble"):
        bench_ensemble(16 if args.quick else 64, args.turns)


if __name__ == "__main__":
    main()
