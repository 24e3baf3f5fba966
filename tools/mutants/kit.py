"""Run the shipped kit against the tree it is imported from; print one JSON line per seed.

Used by ``run.py`` inside a mutated copy of the tree (``PYTHONPATH`` names the copy),
and by hand on the working tree to see what the unbroken machine does::

    PYTHONPATH=. python tools/mutants/kit.py --seeds 3 --examples 50
    PYTHONPATH=. python tools/mutants/kit.py --leak --seeds 10   # issue 13's leak, timed

For each seed it runs the default ``replication_machine()`` (Hypothesis's default
``stateful_step_count``, no database, no deadline, generation only: detection is
measured, not shrinking) until the first failure or ``--examples`` examples, and
reports whether it failed, after how many examples and seconds, and with what.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from typing import Any

import hypothesis.core
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

import s3repl
from s3repl import Engine
from s3repl.testing.machine import replication_machine
from s3repl.testing.properties import PropertyViolation, never_leaves


def run_seed(seed: int, examples: int) -> dict[str, Any]:
    """Run the default machine under one seed; what it found, when."""
    base = replication_machine()
    counter = {"examples": 0}

    class Counted(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            counter["examples"] += 1
            super().__init__()

    Counted.__name__ = Counted.__qualname__ = "ReplicationMachine"
    budget = settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    hypothesis.core.global_force_seed = seed  # type: ignore[attr-defined]
    started = time.perf_counter()
    found: str | None = None
    detail = ""
    try:
        run_state_machine_as_test(Counted, settings=budget)
    except BaseException as err:
        if isinstance(err, KeyboardInterrupt):
            raise
        found = type(err).__name__
        detail = str(err).splitlines()[0][:300] if str(err) else ""
        if not isinstance(err, AssertionError):
            detail += " | " + traceback.format_exc().splitlines()[-1][:200]
    finally:
        hypothesis.core.global_force_seed = None  # type: ignore[attr-defined]
    return {
        "seed": seed,
        "found": found,
        "examples": counter["examples"],
        "seconds": round(time.perf_counter() - started, 2),
        "detail": detail,
    }


def leak_world() -> Engine:
    """Issue 13's world: everything in eu-west-1 replicated to eu-central-1."""
    engine = Engine(seed=1)
    engine.create_bucket("primary", region="eu-west-1", versioning=True)
    engine.create_bucket("copy", region="eu-central-1", versioning=True)
    role = "arn:aws:iam::123456789012:role/replication"
    engine.create_role(role)
    rule = {
        "ID": "everything",
        "Priority": 1,
        "Status": "Enabled",
        "Filter": {},
        "DeleteMarkerReplication": {"Status": "Enabled"},
        "Destination": {"Bucket": "arn:aws:s3:::copy"},
    }
    engine.put_bucket_replication("primary", {"Role": role, "Rules": [rule]})
    return engine


def run_leak(seed: int) -> dict[str, Any]:
    """Time the documented settings (50 x 20) to find the eu-west-1 leak under one seed."""
    machine = replication_machine(
        world=leak_world,
        properties=[never_leaves(region="eu-west-1", tagged={"class": "secret"})],
    )
    budget = settings(max_examples=50, stateful_step_count=20, database=None, deadline=None)
    hypothesis.core.global_force_seed = seed  # type: ignore[attr-defined]
    started = time.perf_counter()
    found = None
    try:
        run_state_machine_as_test(machine, settings=budget)
    except PropertyViolation as err:
        found = err.detail
    finally:
        hypothesis.core.global_force_seed = None  # type: ignore[attr-defined]
    seconds = round(time.perf_counter() - started, 2)
    return {"seed": seed, "leak": found, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run every seed, print JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--leak", action="store_true", help="time the eu-west-1 leak instead")
    parser.add_argument("--expect-root", default=None, help="fail unless s3repl is imported here")
    args = parser.parse_args(argv)
    if args.expect_root and not s3repl.__file__.startswith(args.expect_root):
        print(f"s3repl imported from {s3repl.__file__}, not {args.expect_root}", file=sys.stderr)
        return 2
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        result = run_leak(seed) if args.leak else run_seed(seed, args.examples)
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
