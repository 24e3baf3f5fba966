"""Apply semantic mutants one at a time, run the suite and the kit, print a kill table.

Not part of the normal test run.  For each mutant (``catalogue.MUTANTS``) it copies
the repository into a temporary directory (the working tree is never changed), makes
the mutant's replacements there (each pattern must occur exactly once, or the run
stops: re-anchor the mutant), then runs

1. the project's suite, restricted to the test files that pin the mutant's R-ids
   (``Mutant.tests``; ``-x``, ``-p no:cacheprovider``, a time budget), and
2. the shipped kit (``kit.py``): the default ``replication_machine()`` for each seed,
   up to ``--examples`` examples.

and prints a Markdown kill table.  Examples::

    python tools/mutants/run.py --list
    python tools/mutants/run.py --mutant prefix-substring --seeds 3 --examples 100
    python tools/mutants/run.py --no-suite                # the machine column only
    python tools/mutants/run.py                           # everything (about an hour)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalogue import ISSUE_13, MUTANTS, Mutant, by_name, mutated_text

ROOT = Path(__file__).resolve().parents[2]
_SKIP = shutil.ignore_patterns(
    ".git", "__pycache__", ".hypothesis", ".venv*", "_build", ".mypy_cache", ".ruff_cache"
)


def mutated_tree(mutant: Mutant, into: Path) -> Path:
    """A copy of the repository with ``mutant`` applied, under ``into``."""
    tree = into / "tree"
    shutil.copytree(ROOT, tree, ignore=_SKIP, symlinks=True)
    target = tree / mutant.path
    target.write_text(mutated_text(mutant, target.read_text()))
    return tree


def _env(tree: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("CI", None)
    return env


def run_suite(mutant: Mutant, tree: Path, budget: float) -> tuple[str, float]:
    """Run the mutant's test files in ``tree``: killed (by which test), survived, timeout."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"]
    try:
        done = subprocess.run(
            [*command, *mutant.tests],
            cwd=tree,
            env=_env(tree),
            capture_output=True,
            text=True,
            timeout=budget,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "timeout", time.perf_counter() - started
    elapsed = time.perf_counter() - started
    if done.returncode == 0:
        return "survived", elapsed
    if done.returncode == 1:
        failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED ")]
        first = failed[0].split(" ")[1].split("::")[-1] if failed else "?"
        return f"killed by `{first}`", elapsed
    tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
    return f"error {done.returncode}: {' / '.join(tail)}", elapsed


def run_kit(tree: Path, seeds: int, examples: int, budget: float) -> list[dict[str, object]]:
    """Run ``kit.py`` in ``tree``; one result per seed."""
    command = [
        sys.executable,
        str(tree / "tools" / "mutants" / "kit.py"),
        "--seeds",
        str(seeds),
        "--examples",
        str(examples),
        "--expect-root",
        str(tree),
    ]
    try:
        done = subprocess.run(
            command,
            cwd=tree,
            env=_env(tree),
            capture_output=True,
            text=True,
            timeout=budget,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        out = err.stdout.decode() if isinstance(err.stdout, bytes) else (err.stdout or "")
        return [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def _kit_cell(results: list[dict[str, object]], seeds: int) -> tuple[str, str, str]:
    found = [r for r in results if r["found"]]
    times = sorted(float(r["seconds"]) for r in found)  # type: ignore[arg-type]
    counts = sorted(int(r["examples"]) for r in found)  # type: ignore[call-overload]
    cell = f"{len(found)}/{seeds}"
    if len(results) < seeds:
        cell += f" ({seeds - len(results)} not run: time budget)"
    if not found:
        return cell, "-", "-"
    median_t = times[len(times) // 2]
    median_n = counts[len(counts) // 2]
    return cell, f"{median_n} (max {counts[-1]})", f"{median_t:.1f} s (max {times[-1]:.1f} s)"


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the mutants, print the kill table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutant", action="append", help="run only these (repeatable)")
    parser.add_argument("--issue13", action="store_true", help="only the sixteen of issue 13")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--no-suite", action="store_true", help="skip the project suite")
    parser.add_argument("--no-kit", action="store_true", help="skip the machine")
    parser.add_argument("--suite-budget", type=float, default=900.0, help="seconds per mutant")
    parser.add_argument("--kit-budget", type=float, default=1800.0, help="seconds per mutant")
    parser.add_argument("--verbose", action="store_true", help="print each seed's result")
    args = parser.parse_args(argv)
    if args.list:
        for mutant in MUTANTS:
            print(f"{mutant.name:36} {mutant.requirement:14} {mutant.bug}")
        return 0
    chosen = [by_name(name) for name in args.mutant] if args.mutant else list(MUTANTS)
    if args.issue13:
        chosen = [m for m in chosen if m.name in ISSUE_13]
    for mutant in chosen:  # every pattern anchors before anything runs
        mutated_text(mutant, (ROOT / mutant.path).read_text())
    rows = []
    for mutant in chosen:
        print(f"== {mutant.name}", file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(prefix=f"mutant-{mutant.name}-") as tmp:
            tree = mutated_tree(mutant, Path(tmp))
            suite, suite_s = ("-", 0.0)
            if not args.no_suite:
                suite, suite_s = run_suite(mutant, tree, args.suite_budget)
                print(f"   suite: {suite} in {suite_s:.0f} s", file=sys.stderr, flush=True)
            kit = ("-", "-", "-")
            if not args.no_kit:
                results = run_kit(tree, args.seeds, args.examples, args.kit_budget)
                if args.verbose:
                    for result in results:
                        print(f"   {json.dumps(result)}", file=sys.stderr, flush=True)
                kit = _kit_cell(results, args.seeds)
                print(f"   machine: {kit}", file=sys.stderr, flush=True)
        suite_cell = suite if suite == "-" else f"{suite} ({suite_s:.0f} s)"
        rows.append((mutant, suite_cell, *kit))
    print(
        f"| mutant | R-ids | project suite (its test files) | machine: seeds that found it "
        f"within {args.examples} examples | examples to find (median) | time to find (median) |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for mutant, suite_cell, found, count, seconds in rows:
        cells = (mutant.bug, mutant.requirement, suite_cell, found, count, seconds)
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
