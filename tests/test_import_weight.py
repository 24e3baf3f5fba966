"""What installing s3repl costs other code: the plugins and the facade import (nearly) nothing.

Issue 13: every ``import hypothesis`` in an environment with s3repl installed runs the
Hypothesis entry point, and every pytest session imports the ``pytest11`` plugin; both
used to import the whole library (about 55 modules) through the eager facade.  Each check
runs in a fresh interpreter started in the repository root, so that what other tests
imported cannot hide a regression.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The modules the Hypothesis entry point may load: the hook's own module and its packages.
_HOOK_MODULES = ["s3repl", "s3repl.testing", "s3repl.testing._hypothesis_setup"]


def _run(code: str) -> str:
    """Run ``code`` in a fresh interpreter in the repository root; return its stdout."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _loaded_after(statement: str, prefix: str = "s3repl") -> list[str]:
    code = (
        f"import sys\n{statement}\n"
        f"import json\nprint(json.dumps(sorted(m for m in sys.modules if m == {prefix!r} "
        f"or m.startswith({prefix + '.'!r}))))\n"
    )
    loaded: list[str] = json.loads(_run(code))
    return loaded


def test_import_hypothesis_imports_only_the_plugin_hook() -> None:
    """``import hypothesis`` loads s3repl's hook module and its packages, no layer (issue 13)."""
    assert _loaded_after("import hypothesis") == _HOOK_MODULES


def test_import_hypothesis_imports_no_attrs_through_s3repl() -> None:
    """The hook does not pull in the model's dependencies either (issue 13)."""
    without = _loaded_after(
        "import os\nos.environ['HYPOTHESIS_NO_PLUGINS'] = '1'\nimport hypothesis", "attr"
    )
    assert _loaded_after("import hypothesis", "attr") == without


def test_import_s3repl_imports_no_layer() -> None:
    """``import s3repl`` is the facade alone: each layer loads when a name is used (issue 13)."""
    assert _loaded_after("import s3repl") == ["s3repl"]


def test_pytest_plugin_imports_no_layer() -> None:
    """The ``pytest11`` plugin module loads no layer, no attrs and no botocore (issue 13)."""
    statement = "import s3repl.aws.pytest_plugin"
    assert _loaded_after(statement) == ["s3repl", "s3repl.aws", "s3repl.aws.pytest_plugin"]
    assert _loaded_after(statement, "attr") == []
    assert _loaded_after(statement, "botocore") == []


_FROM_TYPE = """
import inspect, json, sys
{first}
from hypothesis import strategies as st
from hypothesis.strategies._internal.types import _global_type_lookup
from s3repl.model import Destination, Filter, ReplicationConfiguration, ReplicationRule, Tag
from s3repl.testing._hypothesis_setup import _RegisterOnImport
from s3repl.validate import validate_replication  # noqa: F401 (the model is fully usable)

types = (Tag, Filter, Destination, ReplicationRule, ReplicationConfiguration)
kit_before = "s3repl.testing.strategies" in sys.modules
rule = st.from_type(ReplicationRule).example()
model = sys.modules["s3repl.model.replication"]
print(json.dumps({{
    "registered": [t.__name__ for t in types if t in _global_type_lookup],
    "finders_left": sum(isinstance(f, _RegisterOnImport) for f in sys.meta_path),
    "kit_before_draw": kit_before,
    "kit_after_draw": "s3repl.testing.strategies" in sys.modules,
    "drew": type(rule).__name__,
    "source_readable": "class ReplicationRule" in inspect.getsource(model),
}}))
"""


#: The types docs/testing.md promises ``st.from_type`` knows (WorldSpec registers itself).
_REGISTERED = ("Tag", "Filter", "Destination", "ReplicationRule", "ReplicationConfiguration")


def _from_type_after(first: str) -> dict[str, object]:
    result: dict[str, object] = json.loads(_run(_FROM_TYPE.format(first=first)))
    return result


def test_from_type_is_registered_when_the_model_is_imported_after_hypothesis() -> None:
    """Hypothesis first, model later: the types are registered as the model loads (issue 13)."""
    found = _from_type_after("import hypothesis")
    assert found == {
        "registered": list(_REGISTERED),
        "finders_left": 0,
        "kit_before_draw": False,
        "kit_after_draw": True,
        "drew": "ReplicationRule",
        "source_readable": True,
    }


def test_from_type_is_registered_when_the_model_is_imported_before_hypothesis() -> None:
    """Model first: the hook registers at once and leaves no finder behind (issue 13)."""
    found = _from_type_after("import s3repl.model\nimport hypothesis")
    assert found["registered"] == list(_REGISTERED)
    assert found["finders_left"] == 0
    assert found["drew"] == "ReplicationRule"


_RESOLVE = """
import importlib, json
import s3repl
names = list(s3repl.__all__)
listed = set(dir(s3repl))
resolved = {}
for name in names:
    value = getattr(s3repl, name)
    home = importlib.import_module(s3repl._HOMES[name])
    resolved[name] = value is getattr(home, name)
namespace = {}
exec("from s3repl import *", namespace)
print(json.dumps({
    "resolved": resolved,
    "missing_from_dir": sorted(set(names) - listed),
    "star": sorted(n for n in namespace if not n.startswith("__")),
    "homes": sorted(s3repl._HOMES),
}))
"""


def test_every_name_in_all_resolves_to_its_layer_object() -> None:
    """Each name of ``s3repl.__all__`` resolves, to the very object its layer defines."""
    found = json.loads(_run(_RESOLVE))
    names = sorted(found["resolved"])
    assert names, "s3repl.__all__ is empty"
    assert all(found["resolved"].values()), found["resolved"]
    assert found["missing_from_dir"] == []
    assert found["star"] == names
    assert found["homes"] == names


#: The top-level names DESIGN.md's "Public API contract" table promises.
_DESIGN_CONTRACT = (
    "DeleteMarker",
    "Engine",
    "NothingPendingError",
    "ObjectVersion",
    "Profile",
    "ReplicationStatus",
    "ReplicationTask",
    "S3Error",
    "StepLimitExceededError",
    "StepResult",
    "validate_replication",
)


def test_the_design_contract_names_import_from_the_facade() -> None:
    """``from s3repl import X`` works for every name of DESIGN.md's contract, lazily."""
    code = f"from s3repl import {', '.join(_DESIGN_CONTRACT)}\nprint('ok')"
    assert _run(code).strip() == "ok"


def test_an_unknown_name_is_an_attribute_error() -> None:
    """A name the facade does not export fails as a missing attribute, naming it."""
    code = (
        "import s3repl\n"
        "try:\n    s3repl.Engin\nexcept AttributeError as err:\n    print(err)\n"
        "print(hasattr(s3repl, 'engine'))\n"
    )
    assert _run(code).splitlines() == ["module 's3repl' has no attribute 'Engin'", "False"]
