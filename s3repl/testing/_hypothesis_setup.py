"""Hypothesis plugin hook: ``st.from_type`` knows s3repl's replication values.

Hypothesis runs :func:`_hypothesis_setup_hook` when it is imported, through the
``hypothesis`` entry point declared in ``pyproject.toml``.  The registered
strategies are the shipped ones (:mod:`s3repl.testing.strategies`), so
``st.from_type(ReplicationRule)`` yields only valid rules, as ``replication_rules()``
does, instead of whatever attrs' field types would allow.

Every ``import hypothesis`` runs this hook, in every project that has s3repl
installed, so it imports nothing of s3repl but this module and its (empty) packages.
Why an import hook: ``st.register_type_strategy`` needs the type objects, which live in
``s3repl.model.replication``, and importing that would import the whole model layer
(and attrs) into every Hypothesis session.  So the hook registers at once only if that
module is already imported; otherwise it puts a one-shot finder on ``sys.meta_path``
that lets the normal finders load the module and registers the strategies as soon as
the module has run (the finder then leaves ``sys.meta_path``).  Nobody can ask
``st.from_type`` for a type before its module is imported, so nothing is missed.  The
strategies kit itself is imported only when Hypothesis first resolves one of the types.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from hypothesis import strategies as st

__all__: list[str] = []

#: The module defining the registered types.
_MODEL_MODULE = "s3repl.model.replication"

#: Registered type (a class of :data:`_MODEL_MODULE`) -> the name of its shipped strategy.
_SHIPPED = {
    "Tag": "tags",
    "Filter": "filters",
    "Destination": "destinations",
    "ReplicationRule": "replication_rules",
    "ReplicationConfiguration": "replication_configurations",
}


def _strategy_for(thing: type[Any]) -> st.SearchStrategy[Any]:
    """The shipped strategy for one of the registered types."""
    from s3repl.testing import strategies

    strategy: st.SearchStrategy[Any] = getattr(strategies, _SHIPPED[thing.__name__])()
    return strategy


def _register(model: ModuleType) -> None:
    """Register the shipped strategies for the types of the imported model module."""
    for name in _SHIPPED:
        st.register_type_strategy(getattr(model, name), _strategy_for)


class _RegisteringLoader(importlib.abc.Loader):
    """Wraps the real loader of the model module: runs it, then registers."""

    def __init__(self, inner: importlib.abc.Loader) -> None:
        self._inner = inner

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        """Let the real loader create the module."""
        return self._inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        """Run the module with the real loader, then register its types."""
        self._inner.exec_module(module)
        _register(module)

    def __getattr__(self, name: str) -> Any:
        # get_source, get_filename, is_package...: whatever the real loader offers.
        return getattr(self._inner, name)


class _RegisterOnImport(importlib.abc.MetaPathFinder):
    """A one-shot finder: sees the model module being imported, wraps its loader."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        """For the model module: the spec the other finders give, with a wrapped loader."""
        if fullname != _MODEL_MODULE:
            return None
        _unhook()
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec: importlib.machinery.ModuleSpec | None = (
                None if find is None else find(fullname, path, target)
            )
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _RegisteringLoader(spec.loader)
                return spec
        return None


def _unhook() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _RegisterOnImport)]


def _hypothesis_setup_hook() -> None:
    """Register the shipped strategies for ``st.from_type`` (called by Hypothesis).

    Registered: ``Tag``, ``Filter``, ``Destination``, ``ReplicationRule`` and
    ``ReplicationConfiguration`` (from ``s3repl.model``), when that module is imported
    (now, if it already is).  ``WorldSpec`` registers itself when
    :mod:`s3repl.testing.strategies` is imported (the only way to hold one).
    """
    model = sys.modules.get(_MODEL_MODULE)
    if model is not None:
        _register(model)
        return
    _unhook()
    sys.meta_path.insert(0, _RegisterOnImport())
