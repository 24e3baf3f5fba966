"""Run the workload suite in several fresh processes and report the spread of its ratios.

Run ``python benchmarks/bench_repeat.py`` (five processes of ``bench_workloads.py
--rounds 3`` over the workloads with a target, a few minutes), or ``--processes N``,
``--rounds N``, ``--only simple,typical``, ``--json FILE``, ``--quick`` (a smoke run).

Why: on a shared virtual machine one process runs all its rounds in one memory layout
and one spell of the host, so its ratios move by 10 to 30% from one process to the
next even though its rounds agree with each other.  A figure that decides whether a
target is met should not depend on which process drew it.  Each process here is a
fresh interpreter running ``bench_workloads.py`` (its contenders still take turns
batch by batch), the processes run one after another (never two at once: they would
compete for the cores), and each workload is reported as the paired ratio of every
process (s3repl against moto's backend put, per round, median over the rounds) with
their median, minimum and maximum.  A target is met when the median process meets it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
#: The workloads with a target in ``bench_workloads.WORKLOADS``.
TARGETED = ("simple", "typical", "tagged", "deletes")


def one_process(rounds: int, only: str, *, quick: bool) -> list[dict[str, Any]]:
    """Run ``bench_workloads.py`` once in a fresh interpreter; its results per workload."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "results.json"
        command = [
            sys.executable,
            str(HERE / "bench_workloads.py"),
            "--rounds",
            str(rounds),
            "--only",
            only,
            "--json",
            str(out),
            *(["--quick"] if quick else []),
        ]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=HERE.parent)
        results: Any = json.loads(out.read_text(encoding="utf-8"))
    rows = results["workloads"] if isinstance(results, dict) else results
    return [row for row in rows if isinstance(row, dict) and "vs_moto_paired_median" in row]


def target_of(text: str) -> float | None:
    """The bound of a target text such as ``">= 2.00x (stretch 3.00x)"``."""
    if not text.startswith(">="):
        return None
    return float(text.split()[1].rstrip("x"))


def main() -> int:
    """Run the processes, print a Markdown table, optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=5, help="fresh processes (5)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per process (3)")
    parser.add_argument("--only", default=",".join(TARGETED), help="workloads, comma-separated")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--quick", action="store_true", help="smoke run: small batches")
    args = parser.parse_args()
    per_workload: dict[str, list[float]] = {}
    targets: dict[str, str] = {}
    for number in range(1, args.processes + 1):
        print(f"process {number} of {args.processes}", file=sys.stderr, flush=True)
        for row in one_process(args.rounds, args.only, quick=args.quick):
            per_workload.setdefault(row["name"], []).append(row["vs_moto_paired_median"])
            targets[row["name"]] = row.get("target", "")
    print(
        f"{args.processes} processes of `bench_workloads.py --rounds {args.rounds}`, one "
        "after another; s3repl / moto backend put, paired ratio per process\n"
    )
    print("| workload | per process | median | min | max | target | met (median) |")
    print("| --- | --- | ---: | ---: | ---: | --- | --- |")
    summary: dict[str, Any] = {}
    for name, ratios in per_workload.items():
        median = statistics.median(ratios)
        bound = target_of(targets[name])
        met = "" if bound is None else ("yes" if median >= bound else "no")
        shown = ", ".join(f"{value:.2f}x" for value in ratios)
        print(
            f"| {name} | {shown} | {median:.2f}x | {min(ratios):.2f}x | {max(ratios):.2f}x "
            f"| {targets[name]} | {met} |"
        )
        summary[name] = {"ratios": ratios, "median": median, "target": targets[name], "met": met}
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
