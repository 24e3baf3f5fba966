"""The import directions of DESIGN.md ("Layers: imports point down only"), enforced.

Every module under ``s3repl/`` is parsed with :mod:`ast` (never imported), each
``import`` / ``from ... import`` statement is resolved to an absolute module name
(relative imports included, and imports nested in functions or under
``if TYPE_CHECKING:`` too: a type-only import is still a dependency), and the result
is checked against two tables:

- :data:`LAYERS`: for each layer, the ``s3repl`` modules it may import. A layer may
  always import its own modules.
- :data:`EXCLUSIVE`: imports that only a few layers may make at all (``xmltodict``
  only in ``codec``, ``hypothesis`` only in the shipped ``testing`` kit, ``boto3``
  nowhere).

Modules are globbed, so a module that does not exist yet is simply not checked; a
module that exists but belongs to no layer fails until it is added to the table.

Size is checked too: no module is over :data:`MODULE_LINES_MAX` lines (STYLE.md: small
modules with one job each).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "s3repl"

_ERRORS = "s3repl.errors"
_PROFILE = "s3repl.profile"
_MODEL = "s3repl.model"
_CODEC = "s3repl.codec"
_IAM = "s3repl.iam"
_WORLD = "s3repl.world"
_POLICY = "s3repl.policy"
_VALIDATE = "s3repl.validate"
_ENGINE = "s3repl.engine"
_TESTING = "s3repl.testing"
_CLI = "s3repl.cli"
_AWS = "s3repl.aws"
_WORLDFILE = "s3repl._worldfile"
_IAC = "s3repl.iac"
_SIMULATE = "s3repl.simulate"
_FACADE = "s3repl"
_MAIN = "s3repl.__main__"

_BELOW_ENGINE = (_ERRORS, _PROFILE, _MODEL, _CODEC, _IAM, _WORLD, _POLICY, _VALIDATE)

#: Layer (a module, or a package and everything in it) -> the ``s3repl`` modules it may
#: import, as prefixes. Bottom of DESIGN.md's diagram first. Nobody below the facade may
#: import the facade ``s3repl`` itself (that would import every layer), and nobody
#: but the testing kit imports ``s3repl.testing`` (see also :data:`EXCLUSIVE`).
LAYERS: dict[str, tuple[str, ...]] = {
    _ERRORS: (),
    _PROFILE: (_ERRORS,),
    _MODEL: (_ERRORS, _PROFILE),
    _CODEC: (_ERRORS, _PROFILE, _MODEL),
    _IAM: (_ERRORS, _PROFILE, _MODEL),
    # The immutable World snapshot that policy and validate read (see s3repl/world.py).
    _WORLD: (_ERRORS, _PROFILE, _MODEL, _IAM),
    _POLICY: (_ERRORS, _PROFILE, _MODEL, _IAM, _WORLD),
    # validate decodes the dict and XML forms it accepts through the codec (which imports
    # only model and errors, so there is no cycle).
    _VALIDATE: (_ERRORS, _PROFILE, _MODEL, _CODEC, _IAM, _WORLD, _POLICY),
    _ENGINE: _BELOW_ENGINE,
    _TESTING: (*_BELOW_ENGINE, _ENGINE),
    # The CLI's world-description loader: builds an Engine from a JSON file.
    _WORLDFILE: (*_BELOW_ENGINE, _ENGINE),
    # The AWS face (mock, server): maps AWS requests onto the public engine API.
    _AWS: (*_BELOW_ENGINE, _ENGINE, _WORLDFILE),
    # Templates and plans: translated into the world-file description _worldfile loads.
    _IAC: (*_BELOW_ENGINE, _ENGINE, _WORLDFILE),
    # Scenario files, seeded runs and reports over the public engine API (issue 12).
    _SIMULATE: (*_BELOW_ENGINE, _ENGINE, _WORLDFILE),
    _CLI: (*_BELOW_ENGINE, _ENGINE, _WORLDFILE, _AWS, _IAC, _SIMULATE),
    _FACADE: (*_BELOW_ENGINE, _ENGINE, _CLI),
    # ``python -m s3repl``: the command line, at the CLI's level; it imports only the CLI.
    _MAIN: (_CLI,),
}

#: Import prefix -> the only layers allowed to import it (empty: nobody in ``s3repl``).
EXCLUSIVE: dict[str, tuple[str, ...]] = {
    # codec is the only place that knows the XML wire format.
    "xmltodict": (_CODEC,),
    # Hypothesis is an optional extra: only the shipped testing kit may need it.
    "hypothesis": (_TESTING,),
    # Nothing in the library imports the testing kit.
    _TESTING: (_TESTING,),
    # s3repl models S3; only its AWS face reads botocore's service models (extra
    # s3repl[aws]); it never imports boto3 or moto.
    "boto3": (),
    "botocore": (_AWS,),
    "waitress": (_AWS,),
    "moto": (),
    # YAML templates: PyYAML is the optional extra s3repl[iac], read only by s3repl.iac.
    "yaml": (_IAC,),
    # Plots (extra s3repl[simulate]) and Dask (extra s3repl[dask]): only the simulator.
    "matplotlib": (_SIMULATE,),
    "distributed": (_SIMULATE,),
    "dask": (_SIMULATE,),
}


def _is_within(name: str, prefix: str) -> bool:
    """Tell whether module ``name`` is ``prefix`` or inside package ``prefix``."""
    return name == prefix or name.startswith(prefix + ".")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {
    _module_name(path): path
    for path in sorted(PACKAGE_DIR.rglob("*.py"))
    if "__pycache__" not in path.parts
}


def _layer_of(module: str) -> str | None:
    """Return the most specific layer containing ``module`` (``None`` if there is none)."""
    # The facade layer is the one module ``s3repl/__init__.py``, not the whole package.
    matches = [
        layer
        for layer in LAYERS
        if (module == layer if layer == _FACADE else _is_within(module, layer))
    ]
    return max(matches, key=len) if matches else None


def _resolve_from(module: str, path: Path, node: ast.ImportFrom) -> str:
    """Return the absolute base module of a ``from ... import`` statement."""
    if node.level == 0:
        assert node.module is not None
        return node.module
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    parts = package.split(".")
    if node.level - 1 >= len(parts):
        pytest.fail(f"{module}: relative import beyond the top-level package (line {node.lineno})")
    base = ".".join(parts[: len(parts) - (node.level - 1)])
    return f"{base}.{node.module}" if node.module else base


def imports_of(module: str) -> list[tuple[int, str]]:
    """Return ``(line, imported module)`` for every import statement in ``module``.

    ``from pkg import name`` counts as importing ``pkg.name`` when that is a module of
    ``s3repl`` (one that exists, or a layer that may not exist yet), and as importing
    ``pkg`` otherwise (``name`` is then an attribute).
    """
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_from(module, path, node)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                is_module = candidate in MODULES or candidate in LAYERS
                found.append((node.lineno, candidate if is_module else base))
    return found


_IDS = sorted(MODULES)

#: The most lines a module of s3repl may have: past this, it holds more than one job.
MODULE_LINES_MAX = 800


def _lines_of(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("module", _IDS)
def test_every_module_belongs_to_a_layer(module: str) -> None:
    """Every module of s3repl sits in one of DESIGN.md's layers, so its imports are checked."""
    assert _layer_of(module) is not None, (
        f"{module} belongs to no layer: add it to LAYERS in tests/test_architecture.py "
        "(and to the layer diagram in DESIGN.md)"
    )


@pytest.mark.parametrize("module", _IDS)
def test_internal_imports_point_down(module: str) -> None:
    """A module imports from s3repl only its own layer and the layers DESIGN.md puts below it."""
    layer = _layer_of(module)
    if layer is None:
        pytest.skip("not in a layer (reported by test_every_module_belongs_to_a_layer)")
    allowed = (layer, *LAYERS[layer])
    bad = [
        f"line {line}: {target}"
        for line, target in imports_of(module)
        if _is_within(target, _FACADE)
        and not any(
            # The facade itself is only allowed when explicitly listed, never as a prefix.
            target == prefix if prefix == _FACADE else _is_within(target, prefix)
            for prefix in allowed
        )
    ]
    assert not bad, f"{module} (layer {layer}) may import only {allowed}; it imports:\n" + (
        "\n".join(bad)
    )


@pytest.mark.parametrize("module", _IDS)
@pytest.mark.parametrize("restricted", sorted(EXCLUSIVE))
def test_exclusive_imports(module: str, restricted: str) -> None:
    """xmltodict only in codec, hypothesis and s3repl.testing only in testing, no AWS SDK."""
    layer = _layer_of(module)
    if layer is not None and layer in EXCLUSIVE[restricted]:
        return
    bad = [
        f"line {line}: {target}"
        for line, target in imports_of(module)
        if _is_within(target, restricted)
    ]
    assert not bad, (
        f"{module} imports {restricted}, which only {EXCLUSIVE[restricted] or 'nobody'} "
        "may import:\n" + "\n".join(bad)
    )


def test_layer_table_points_down() -> None:
    """The LAYERS table itself is acyclic: no layer may import a layer that may import it."""
    for layer, allowed in LAYERS.items():
        for lower in allowed:
            assert layer not in LAYERS[lower], f"{layer} and {lower} may import each other"


def _modules_after(statement: str, *, package: str) -> set[str]:
    """The modules of ``package`` a fresh interpreter holds after running ``statement``."""
    code = (
        "import sys\n"
        f"{statement}\n"
        f"print(' '.join(m for m in sys.modules if m == {package!r} "
        f"or m.startswith({package + '.'!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


@pytest.mark.parametrize("extra", ["hypothesis", "botocore"])
def test_import_s3repl_does_not_import_optional_extras(extra: str) -> None:
    """``import s3repl`` in a fresh interpreter loads no Hypothesis and no botocore.

    Both are optional extras (``s3repl[testing]``, ``s3repl[aws]``).
    """
    leaked = _modules_after("import s3repl", package=extra)
    assert not leaked, f"import s3repl imported {','.join(sorted(leaked))}"


@pytest.mark.parametrize("statement", ["import s3repl", "import s3repl.cli", "import s3repl.iac"])
def test_yaml_is_imported_only_to_read_a_yaml_template(statement: str) -> None:
    """PyYAML (extra ``s3repl[iac]``) is loaded only when a YAML template is read."""
    leaked = _modules_after(statement, package="yaml")
    assert not leaked, f"{statement} imported {','.join(sorted(leaked))}"


@pytest.mark.parametrize("module", _IDS)
def test_no_module_is_oversized(module: str) -> None:
    """No module of s3repl is over MODULE_LINES_MAX lines (issue 9: one job per module)."""
    path = MODULES[module]
    lines = _lines_of(path)
    assert lines <= MODULE_LINES_MAX, (
        f"{module} has {lines} lines (at most {MODULE_LINES_MAX}): split it by job into "
        "private modules behind the same public names"
    )


#: The modules the Hypothesis plugin hook may add to those ``import s3repl`` loads.
_HOOK_MODULES = {"s3repl.testing", "s3repl.testing._hypothesis_setup"}


def test_hypothesis_plugin_hook_imports_nothing_of_its_own() -> None:
    """The plugin hook every ``import hypothesis`` runs loads no more of s3repl than itself.

    In particular not the testing kit: the strategies are imported when first drawn.
    """
    facade = _modules_after("import s3repl", package="s3repl")
    extra = _modules_after("import hypothesis", package="s3repl") - facade
    assert extra <= _HOOK_MODULES, (
        f"import hypothesis also imported {sorted(extra - _HOOK_MODULES)}"
    )


# --- no state outside the engine (issue 9: policy is pure, World is a value) -------------

_MUTABLE_CALLS = frozenset({"dict", "list", "set", "bytearray", "defaultdict", "OrderedDict"})
_CACHE_DECORATORS = frozenset({"cache", "lru_cache", "cached_property"})


def _policy_modules() -> list[Path]:
    return sorted((PACKAGE_DIR / "policy").glob("*.py"))


def _is_mutable_value(node: ast.expr | None) -> bool:
    if isinstance(node, ast.Dict | ast.List | ast.Set | ast.DictComp | ast.ListComp | ast.SetComp):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        return name in _MUTABLE_CALLS
    return False


def _assert_no_module_level_state(path: Path) -> None:
    """No module-level dict, list or set in ``path`` (``__all__`` aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        targets = node.targets if isinstance(node, ast.Assign) else []
        if [ast.unparse(target) for target in targets] == ["__all__"]:
            continue  # the export list, by convention a list
        assert not _is_mutable_value(value), f"{path.name}:{node.lineno} holds mutable state"


@pytest.mark.parametrize("path", _policy_modules(), ids=lambda p: p.name)
def test_policy_holds_no_module_level_state(path: Path) -> None:
    """Policy keeps no cache: no module-level dict, list or set (a table is a tuple)."""
    _assert_no_module_level_state(path)


@pytest.mark.parametrize("path", sorted((PACKAGE_DIR / "model").glob("*.py")), ids=lambda p: p.name)
def test_model_holds_no_module_level_state(path: Path) -> None:
    """The values keep no process-wide table (no intern table of maps, issue 9): no
    module-level dict, list or set; a lookup table is a MappingProxyType or FrozenMap,
    a shared value (``EMPTY``) is immutable."""
    _assert_no_module_level_state(path)


def test_the_mutable_state_check_sees_an_intern_table() -> None:
    """The check above would catch the intern table it replaced, annotated or not."""
    for source in ("_INTERNED: dict[tuple, object] = {}", "_T = dict()", "_L = [x for x in y]"):
        (node,) = ast.parse(source).body
        assert isinstance(node, ast.Assign | ast.AnnAssign)
        assert _is_mutable_value(node.value), source
    (node,) = ast.parse("_T = MappingProxyType({1: 2})").body
    assert isinstance(node, ast.Assign)
    assert not _is_mutable_value(node.value)


@pytest.mark.parametrize(
    "path",
    [*_policy_modules(), *sorted((PACKAGE_DIR / "model").glob("*.py"))],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_policy_memoises_nothing(path: Path) -> None:
    """Policy and the model keep no cache: no functools.cache / lru_cache, no memo on
    the world (the engine owns every cache of answers, issue 9)."""
    text = path.read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Attribute):
            assert node.attr not in _CACHE_DECORATORS, f"{path.name}:{node.lineno}"
            assert node.attr != "memo", f"{path.name}:{node.lineno} reads a memo"
        if isinstance(node, ast.Name):
            assert node.id not in _CACHE_DECORATORS, f"{path.name}:{node.lineno}"
        if isinstance(node, ast.ImportFrom) and node.module == "functools":
            names = {alias.name for alias in node.names}
            assert not names & _CACHE_DECORATORS, f"{path.name}:{node.lineno}"


def test_policy_does_not_import_the_engine() -> None:
    """Policy answers; the engine stores: no module of policy imports the engine."""
    for path in _policy_modules():
        module = _module_name(path)
        assert not [name for _, name in imports_of(module) if _is_within(name, _ENGINE)]


def test_world_has_no_mutable_field() -> None:
    """World is a plain frozen value: every field is immutable (no cache rides on it)."""
    import attrs

    from s3repl.world import World

    world = World()
    for field in attrs.fields(World):
        value = getattr(world, field.name)
        assert not isinstance(value, dict | list | set | bytearray), field.name
        assert "dict[" not in str(field.type), field.name
        assert "list[" not in str(field.type), field.name
