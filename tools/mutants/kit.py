"""Run the shipped kit against the tree it is imported from; print one JSON line per seed.

Used by ``run.py`` inside a mutated copy of the tree (``PYTHONPATH`` names the copy),
and by hand on the working tree to see what the unbroken machine does::

    PYTHONPATH=. python tools/mutants/kit.py --seeds 3 --examples 50

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
from s3repl.testing.machine import replication_machine


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


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run every seed, print JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--expect-root", default=None, help="fail unless s3repl is imported here")
    args = parser.parse_args(argv)
    if args.expect_root and not s3repl.__file__.startswith(args.expect_root):
        print(f"s3repl imported from {s3repl.__file__}, not {args.expect_root}", file=sys.stderr)
        return 2
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        print(json.dumps(run_seed(seed, args.examples)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
