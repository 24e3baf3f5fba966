"""What installing s3repl costs other code: ``import hypothesis``, pytest's plugin, the facade.

Run ``python benchmarks/bench_import.py`` (``--rounds 30``; ``--root PATH`` as many times
as you like to compare checkouts, e.g. one of an older commit made with ``git worktree
add``).  s3repl must be installed in the running environment (its entry points come
from the installed metadata); each checkout's code is put first on ``sys.path``.

Each figure is the minimum (and median) over ``--rounds`` fresh interpreters, the
contenders taking turns in every round so that load hits them alike, with bytecode
caches warm (kept under a temporary ``PYTHONPYCACHEPREFIX``, the first round dropped).
The hook's cost is timed inside the interpreter, as Hypothesis pays it: load the entry
point's module and call the hook, after ``import hypothesis`` with plugins off.  The
ratio row is ``import hypothesis`` with s3repl's plugin over without: 1.0x is free.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

_TIMED = "import time\nt = time.perf_counter()\n{}\nprint(time.perf_counter() - t)"

#: Figure -> (code run before the clock starts, timed statement, extra environment).
CASES: dict[str, tuple[str, str, dict[str, str]]] = {
    "s3repl's Hypothesis hook (load + call)": (
        "import hypothesis",
        "from s3repl.testing._hypothesis_setup import _hypothesis_setup_hook as hook; hook()",
        {"HYPOTHESIS_NO_PLUGINS": "1"},
    ),
    "import hypothesis, plugins on": ("", "import hypothesis", {}),
    "import hypothesis, plugins off": ("", "import hypothesis", {"HYPOTHESIS_NO_PLUGINS": "1"}),
    "import s3repl.aws.pytest_plugin (after pytest)": (
        "import pytest",
        "import s3repl.aws.pytest_plugin",
        {},
    ),
    "import s3repl": ("", "import s3repl", {}),
}

#: Figure -> the statement after which s3repl's modules are counted.
COUNTS = {
    "s3repl modules after import hypothesis": "import hypothesis",
    "s3repl modules after import s3repl": "import s3repl",
    "s3repl modules after import s3repl.aws.pytest_plugin": "import s3repl.aws.pytest_plugin",
}


def _environment(root: Path, cache: str, extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(root), PYTHONPYCACHEPREFIX=cache, **extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure with bytecode caches, as installs do
    return env


def _python(code: str, root: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


@dataclass
class Checkout:
    """One checkout's figures: seconds per round for each case, module counts."""

    root: Path
    seconds: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in CASES})
    counts: dict[str, int] = field(default_factory=dict)


def measure(roots: list[Path], rounds: int) -> list[Checkout]:
    """Every figure for every checkout, the checkouts and cases taking turns each round."""
    checkouts = [Checkout(root) for root in roots]
    with tempfile.TemporaryDirectory() as cache:
        for round_ in range(rounds + 1):
            print(f"round {round_}/{rounds}", file=sys.stderr)
            for checkout in checkouts:
                for name, (before, statement, extra) in CASES.items():
                    code = f"{before}\n{_TIMED.format(statement)}"
                    env = _environment(checkout.root, cache, extra)
                    out = _python(code, checkout.root, env)
                    if round_:  # round 0 warms the bytecode caches
                        checkout.seconds[name].append(float(out))
        for checkout in checkouts:
            for name, statement in COUNTS.items():
                code = (
                    f"import json, sys\n{statement}\n"
                    "print(json.dumps([m for m in sys.modules if m.split('.')[0] == 's3repl']))"
                )
                env = _environment(checkout.root, cache, {})
                checkout.counts[name] = len(json.loads(_python(code, checkout.root, env)))
    return checkouts


def main(argv: list[str] | None = None) -> int:
    """Print one Markdown table: a column per checkout."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--root", type=Path, action="append", default=None)
    args = parser.parse_args(argv)
    roots = [p.resolve() for p in args.root or [Path(__file__).resolve().parent.parent]]
    checkouts = measure(roots, args.rounds)
    print("| figure | " + " | ".join(str(c.root) for c in checkouts) + " |")
    print("| --- |" + " ---: |" * len(checkouts))
    for name in COUNTS:
        print(f"| {name} | " + " | ".join(str(c.counts[name]) for c in checkouts) + " |")
    for name in CASES:
        cells = [
            f"{min(c.seconds[name]) * 1e3:.1f} ms "
            f"(median {statistics.median(c.seconds[name]) * 1e3:.1f})"
            for c in checkouts
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    on, off = "import hypothesis, plugins on", "import hypothesis, plugins off"
    ratios = [f"{min(c.seconds[on]) / min(c.seconds[off]):.2f}x" for c in checkouts]
    print(f"| {on} / off (min) | " + " | ".join(ratios) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
