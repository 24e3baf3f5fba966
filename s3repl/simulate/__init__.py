"""Simulation: replication over simulated time, from scenario files, over many seeds.

Theory of operation.  A :class:`Scenario` (load one from TOML with
:func:`load_scenario`) holds a world, a workload over time, a fault timeline, latency
settings and what to measure.  :func:`run` drives a fresh engine through it for one
seed and returns a frozen :class:`RunResult`; :func:`ensemble` runs many seeds on any
:class:`concurrent.futures.Executor` (none: in this process; a process pool; a Dask
cluster's executor) and aggregates them.  :func:`write_report` writes
``summary.json``, CSV time series, PNG plots (extra ``s3repl[simulate]``) and one
self-contained HTML report.  Everything is deterministic: a seed gives the same
numbers wherever it runs.

The ``s3repl simulate`` command is a thin shell around these functions.
"""

from __future__ import annotations

from s3repl.simulate._ensemble import EnsembleResult, ensemble
from s3repl.simulate._executors import EXECUTORS, ExecutorUnavailableError, open_executor
from s3repl.simulate._load import ScenarioError, load_scenario, scenario_from_mapping
from s3repl.simulate._plots import PlotsUnavailableError
from s3repl.simulate._report import summary, write_report
from s3repl.simulate._results import FaultImpact, LagStats, RunResult, Series
from s3repl.simulate._run import build_engine, run
from s3repl.simulate._spec import (
    Fault,
    KeySpec,
    Measure,
    Scenario,
    SizeSpec,
    Stream,
    TagChoice,
    parse_duration,
)

__all__ = [
    "EXECUTORS",
    "EnsembleResult",
    "ExecutorUnavailableError",
    "Fault",
    "FaultImpact",
    "KeySpec",
    "LagStats",
    "Measure",
    "PlotsUnavailableError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "Series",
    "SizeSpec",
    "Stream",
    "TagChoice",
    "build_engine",
    "ensemble",
    "load_scenario",
    "open_executor",
    "parse_duration",
    "run",
    "scenario_from_mapping",
    "summary",
    "write_report",
]
