"""Coverage-guided fuzzing of s3repl's decoders with atheris (libFuzzer for Python).

Usage (from the repository root, with ``pip install -e '.[fuzz]'``)::

    python fuzz/run.py TARGET [-max_total_time=60] [more libFuzzer flags]
    python fuzz/run.py all -max_total_time=60      # every target in turn

TARGET is a name of ``fuzz/targets.py``'s ``TARGETS``. The run starts from the seeds
in ``fuzz/corpus/TARGET/`` and writes the inputs that grow coverage back there. A
crash (any exception that is not the library's own error) stops the run and writes
the input to ``fuzz/crashes/TARGET/crash-<sha1>``; commit it: the regression tests
replay every file in ``fuzz/crashes/`` (``tests/test_hostile_fuzz.py``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import atheris

HERE = Path(__file__).resolve().parent
# This checkout's s3repl (not an installed one), and targets.py beside this file.
sys.path[:0] = [str(HERE.parent), str(HERE)]

with atheris.instrument_imports(include=["s3repl", "xmltodict"]):
    from targets import TARGETS


def _fuzz(name: str, flags: list[str]) -> None:
    corpus = HERE / "corpus" / name
    crashes = HERE / "crashes" / name
    corpus.mkdir(parents=True, exist_ok=True)
    crashes.mkdir(parents=True, exist_ok=True)
    target = TARGETS[name]
    kind = "policy" if name == "policy" else "xml" if name.endswith("_xml") else "json"
    words = HERE / "dicts" / f"{kind}.dict"
    argv = [
        sys.argv[0],
        f"-artifact_prefix={crashes}/",
        f"-dict={words}",
        "-rss_limit_mb=2048",
        *flags,
        str(corpus),
    ]
    atheris.Setup(argv, target)
    atheris.Fuzz()


def main() -> None:
    """Fuzz the target named on the command line (``all``: each one in a subprocess)."""
    if len(sys.argv) < 2 or sys.argv[1] not in (*TARGETS, "all"):
        print(f"usage: python fuzz/run.py {{{'|'.join(TARGETS)}|all}} [libFuzzer flags]")
        raise SystemExit(2)
    name, flags = sys.argv[1], sys.argv[2:]
    if name != "all":
        _fuzz(name, flags)
        return
    failed = [
        each for each in TARGETS if subprocess.call([sys.executable, __file__, each, *flags]) != 0
    ]
    if failed:
        print(f"crashes in: {', '.join(failed)}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
