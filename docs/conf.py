"""Sphinx configuration for the s3repl documentation.

Built by ``.ci/run`` with ``-n -W`` (every cross-reference must resolve, every warning
fails) by both the ``html`` and the ``doctest`` builders, so the examples in the
Markdown pages cannot rot. No extension here may reach the network: intersphinx is
deliberately off, and references into the standard library, ``typing`` and ``attrs``
are listed in ``nitpick_ignore_regex`` instead.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx.ext import napoleon

if TYPE_CHECKING:
    from sphinx.application import Sphinx

ROOT = Path(__file__).resolve().parent.parent
# Document the checkout next to this file, installed or not.
sys.path.insert(0, str(ROOT))

project = "s3repl"
author = "The s3repl authors"
copyright = "the s3repl authors"  # noqa: A001  (Sphinx's name for it)

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
]

root_doc = "index"
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build"]

html_theme = "furo"
html_title = "s3repl"

# --- MyST ---------------------------------------------------------------------------
# Directives are written as ```{name} fences; colon fences (:::{note}) also work.
# ```{doctest} blocks run under the doctest builder (sphinx.ext.doctest).
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

# --- autodoc / napoleon -------------------------------------------------------------
autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

# --- doctest ------------------------------------------------------------------------
doctest_global_setup = ""
doctest_test_doctest_blocks = "default"

# --- nitpicky (-n) ------------------------------------------------------------------
# Without intersphinx nothing outside s3repl can resolve; ignore exactly those targets.
_STDLIB_MODULES = (
    "abc",
    "attr",
    "attrs",
    "collections",
    "concurrent",
    "dataclasses",
    "datetime",
    "dt",
    "decimal",
    "enum",
    "ipaddress",
    "json",
    "os",
    "pathlib",
    "random",
    "re",
    "types",
    "typing",
    "typing_extensions",
)
_BUILTINS = (
    "None",
    "NoneType",
    "object",
    "type",
    "bool",
    "int",
    "float",
    "str",
    "bytes",
    "bytearray",
    "list",
    "tuple",
    "dict",
    "set",
    "frozenset",
    "Any",
    "Callable",
    "Iterable",
    "Iterator",
    "Mapping",
    "Sequence",
    "TypeAlias",
    "ClassVar",
    "Self",
    "Exception",
    "BaseException",
    "ValueError",
    "TypeError",
    "KeyError",
    "LookupError",
    "PermissionError",
    "RuntimeError",
    "AssertionError",
    "NotImplementedError",
)
nitpick_ignore_regex = [
    (r"py:.*", rf"({'|'.join(_STDLIB_MODULES)})\..*"),
    (r"py:.*", rf"({'|'.join(_BUILTINS)})"),
    # Type variables and their bound names inside generic signatures.
    (r"py:.*", r"_?[A-Z]{1,2}(_co|_contra)?"),
    # Signatures name a type by its defining module (s3repl.model.enums.Status), while
    # the reference documents the public names; those paths have no page of their own.
    (r"py:class", r"s3repl\.(model|world|iam|validate|engine|testing)\..*"),
    # Hypothesis has no page here either (no intersphinx without a network).
    (r"py:.*", r"hypothesis\..*"),
    # Type aliases of the engine's internals, as they appear in signatures.
    (r"py:class", r"(Version|Chain|OrderPolicy)"),
    # The simulator's private modules, as signatures name them (s3repl.simulate._lines).
    (r"py:class", r"s3repl\.simulate\._.*"),
]


def _napoleon_except_attributes(
    app: Sphinx, what: str, name: str, obj: object, options: object, lines: list[str]
) -> None:
    """Run napoleon on every docstring except attribute docstrings.

    Napoleon reads an attribute docstring ``"X: text"`` as ``type: description``, so the
    house style ``#: R-081, T-59: what this switch does`` would render ``R-081, T-59`` as
    an (unresolvable) type. Attribute types come from the annotations anyway.
    """
    if what == "attribute":
        return
    napoleon._process_docstring(app, what, name, obj, options, lines)


def setup(app: Sphinx) -> None:
    """Swap napoleon's docstring hook for the attribute-aware one above."""
    for listener in list(app.events.listeners["autodoc-process-docstring"]):
        if listener.handler is napoleon._process_docstring:
            app.disconnect(listener.id)
            app.connect(
                "autodoc-process-docstring",
                _napoleon_except_attributes,
                priority=listener.priority,
            )
