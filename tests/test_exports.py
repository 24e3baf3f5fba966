"""The public surface of ``s3repl`` is declared once, in ``s3repl.__all__``, truthfully.

The package is inspected in a fresh interpreter, so that submodules imported by other
tests (which become attributes of the package) cannot hide or fake a missing export.
The list of names itself is owned by ``s3repl/__init__.py``; this file never repeats it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

_INSPECT = """
import __future__
import json
import types

import s3repl

declared = getattr(s3repl, "__all__", None)
public = []
for name, value in vars(s3repl).items():
    if name.startswith("_"):
        continue
    if isinstance(value, types.ModuleType) and value.__name__.startswith("s3repl."):
        continue  # a submodule: reached as s3repl.<name>, not re-exported
    if isinstance(value, __future__._Feature):
        continue  # "from __future__ import annotations" binds a public-looking name
    public.append(name)
print(json.dumps({
    "all": list(declared) if declared is not None else None,
    "all_types": sorted({type(n).__name__ for n in declared or ()}),
    "missing": [n for n in declared or () if not hasattr(s3repl, n)],
    "public": sorted(public),
}))
"""


@pytest.fixture(scope="module")
def surface() -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", _INSPECT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"import s3repl failed in a fresh interpreter:\n{result.stderr}"
    data: dict[str, Any] = json.loads(result.stdout)
    assert data["all"] is not None, "s3repl/__init__.py must define __all__"
    return data


def test_all_is_sorted_and_unique(surface: dict[str, Any]) -> None:
    """``s3repl.__all__`` is a sorted list of distinct strings, so diffs to it stay readable."""
    assert surface["all_types"] in ([], ["str"])
    assert surface["all"] == sorted(set(surface["all"]))


def test_every_declared_name_exists(surface: dict[str, Any]) -> None:
    """Every name in ``s3repl.__all__`` exists, so ``from s3repl import *`` works."""
    assert surface["missing"] == []


def test_every_public_name_is_declared(surface: dict[str, Any]) -> None:
    """Every public attribute of ``s3repl`` that is not a submodule is listed in ``__all__``."""
    undeclared = sorted(set(surface["public"]) - set(surface["all"]))
    assert undeclared == [], (
        f"public names missing from s3repl.__all__ (add them, or rename with _): {undeclared}"
    )
