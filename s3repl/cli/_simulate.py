"""``s3repl simulate SCENARIO``: run a scenario over seeds and write its report.

The command is a shell around :mod:`s3repl.simulate`: it loads the scenario (an
unusable one is exit 2 with the file, line and key), picks an executor (this process,
a process pool, or Dask: a ``LocalCluster`` of worker processes, or the cluster at
``--scheduler``), runs the seeds with a progress bar on stderr, writes the report and
prints the headline figures.  Exit status: 0 done, 2 unusable input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TextIO

from s3repl.cli._exit import EXIT_OK, UnusableInputError
from s3repl.simulate import (
    EnsembleResult,
    RunResult,
    Scenario,
    ScenarioError,
    ensemble,
    load_scenario,
    run,
)
from s3repl.simulate._executors import ExecutorUnavailableError, open_executor
from s3repl.simulate._plots import PlotsUnavailableError
from s3repl.simulate._report import write_report

__all__ = ["add_simulate_parser", "run_simulate"]

_BAR_WIDTH = 30


def add_simulate_parser(commands: Any) -> None:
    """Add the ``simulate`` subcommand to the parser's subcommands."""
    simulate = commands.add_parser(
        "simulate",
        help="run a scenario file over seeded runs and write a report (extra s3repl[simulate])",
        description=(
            "Run SCENARIO (a TOML scenario file) once per seed, and write DIR/summary.json, "
            "CSV time series, PNG plots and DIR/report.html. The same seed gives the same "
            "numbers under every executor. Exit status: 0 done, 2 unusable input."
        ),
    )
    simulate.add_argument("scenario", metavar="SCENARIO", help="scenario file (TOML)")
    seeds = simulate.add_mutually_exclusive_group()
    seeds.add_argument(
        "--seeds", type=int, metavar="N", help="run seeds 0..N-1 (default: one run, seed 0)"
    )
    seeds.add_argument("--seed", type=int, metavar="S", help="run the one seed S")
    simulate.add_argument(
        "--executor",
        choices=("serial", "processes", "dask"),
        default=None,
        help="where runs go: this process (default), a process pool, or Dask (extra s3repl[dask])",
    )
    simulate.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a running Dask scheduler, for example tcp://10.0.0.5:8786 (implies "
        "--executor dask; default: a local cluster of worker processes)",
    )
    simulate.add_argument(
        "--workers", type=int, metavar="N", help="worker processes (default: the CPU count)"
    )
    simulate.add_argument(
        "--out", metavar="DIR", default=None, help="report directory (default: simulate-NAME)"
    )
    simulate.add_argument(
        "--no-plots", action="store_true", help="write no PNG plots (no matplotlib needed)"
    )
    simulate.set_defaults(handler=run_simulate)


class _Progress:
    """A progress bar on a terminal, plain lines elsewhere; never on stdout."""

    def __init__(self, stream: TextIO, total: int) -> None:
        self.stream = stream
        self.total = total
        self.tty = stream.isatty()
        self.shown = -1

    def update(self, done: float, label: str) -> None:
        """Show ``done`` runs (fractional while one runs) out of ``total``."""
        fraction = min(1.0, done / self.total)
        if self.tty:
            filled = round(fraction * _BAR_WIDTH)
            bar = "#" * filled + "." * (_BAR_WIDTH - filled)
            self.stream.write(f"\r[{bar}] {fraction:4.0%} {label}")
            self.stream.flush()
            return
        tenth = int(fraction * 10)
        if tenth > self.shown:  # plain lines: at most one per 10 %
            self.shown = tenth
            self.stream.write(f"s3repl simulate: {fraction:.0%} {label}\n")
            self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _seeds(args: argparse.Namespace) -> list[int]:
    if args.seed is not None:
        return [args.seed]
    count = 1 if args.seeds is None else args.seeds
    if count < 1:
        msg = f"--seeds must be at least 1, got {count}"
        raise UnusableInputError(msg)
    return list(range(count))


def _executor_name(args: argparse.Namespace) -> str:
    if args.scheduler is not None:
        if args.executor not in (None, "dask"):
            msg = f"--scheduler needs --executor dask, not {args.executor}"
            raise UnusableInputError(msg)
        return "dask"
    return args.executor or "serial"


def _run_progress(bar: _Progress, index: int, label: str) -> Callable[[float], None]:
    return lambda fraction: bar.update(index + fraction, label)


def _run_all(
    scenario: Scenario, seeds: list[int], executor: Executor | None, bar: _Progress
) -> EnsembleResult:
    if executor is not None:
        return ensemble(
            scenario,
            seeds,
            executor=executor,
            progress=lambda done, total: bar.update(done, f"{done}/{total} runs"),
        )
    runs: list[RunResult] = []
    for index, seed in enumerate(seeds):
        label = f"seed {seed} ({index + 1}/{len(seeds)})"
        runs.append(run(scenario, seed, progress=_run_progress(bar, index, label)))
    return EnsembleResult(scenario=scenario.name, runs=tuple(runs))


def _headline(result: EnsembleResult, out: TextIO) -> None:
    aggregate = result.aggregate()
    lag: Any = aggregate["lag_seconds"]
    print(f"scenario {result.scenario}: {len(result.runs)} run(s)", file=out)
    print(
        f"  replication lag  p50 {lag['p50']:.3f} s  p99 {lag['p99']:.3f} s  "
        f"max {lag['max']:.3f} s  ({lag['count']:,} replications)",
        file=out,
    )
    print(f"  RTC misses       {aggregate['rtc_misses']:,}", file=out)
    failed: Any = aggregate["failed_by_reason"]
    text = ", ".join(f"{reason} {number:,}" for reason, number in failed.items()) or "none"
    print(f"  failed           {text}", file=out)
    peak: Any = aggregate["peak_operations_pending_by_seed"]
    print(f"  peak backlog     {peak['max']:,.0f} operations (largest over seeds)", file=out)
    risk: Any = aggregate["versions_at_risk_by_fault"]
    for name, spread in risk.items():
        print(
            f"  at risk at {name}  median {spread['median']:,.0f}, max {spread['max']:,.0f} "
            "operations pending",
            file=out,
        )


def run_simulate(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``s3repl simulate``; unusable input raises :class:`UnusableInputError`."""
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as err:
        raise UnusableInputError(str(err)) from None
    seeds = _seeds(args)
    name = _executor_name(args)
    folder = args.out or f"simulate-{scenario.name}"
    bar = _Progress(sys.stderr, len(seeds))
    try:
        with open_executor(name, workers=args.workers, scheduler=args.scheduler) as executor:
            result = _run_all(scenario, seeds, executor, bar)
    except (ScenarioError, ExecutorUnavailableError, ValueError) as err:
        raise UnusableInputError(str(err)) from None
    finally:
        bar.close()
    try:
        written = write_report(result, scenario, folder, plots=not args.no_plots)
    except PlotsUnavailableError as err:
        print(f"s3repl simulate: {err}; writing the report without plots", file=sys.stderr)
        written = write_report(result, scenario, folder, plots=False)
    except OSError as err:
        msg = f"cannot write the report into {folder}: {err}"
        raise UnusableInputError(msg) from None
    _headline(result, out)
    print(f"report: {written[-1]} ({len(written)} files in {folder})", file=out)
    return EXIT_OK
