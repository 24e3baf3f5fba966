"""Hypothesis plugin hook: ``st.from_type`` knows s3repl's replication values.

Hypothesis runs :func:`_hypothesis_setup_hook` when it is imported, through the
``hypothesis`` entry point declared in ``pyproject.toml``.  The registered
strategies are the shipped ones (:mod:`s3repl.testing.strategies`), so
``st.from_type(ReplicationRule)`` yields only valid rules, as ``replication_rules()``
does, instead of whatever attrs' field types would allow.

Every ``import hypothesis`` runs this hook, in every project that has s3repl
installed, so it must stay cheap: it registers a function, and the strategies kit is
imported only when Hypothesis first resolves one of the types (which also means no
import cycle can form when the strategies module itself imports Hypothesis first).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

__all__: list[str] = []


def _shipped_factories() -> dict[type[Any], str]:
    """The registered model types, each with the name of its shipped strategy."""
    from s3repl.model.replication import (
        Destination,
        Filter,
        ReplicationConfiguration,
        ReplicationRule,
        Tag,
    )

    return {
        Tag: "tags",
        Filter: "filters",
        Destination: "destinations",
        ReplicationRule: "replication_rules",
        ReplicationConfiguration: "replication_configurations",
    }


def _strategy_for(thing: type[Any]) -> st.SearchStrategy[Any]:
    """The shipped strategy for one of the registered types."""
    from s3repl.testing import strategies

    strategy: st.SearchStrategy[Any] = getattr(strategies, _shipped_factories()[thing])()
    return strategy


def _hypothesis_setup_hook() -> None:
    """Register the shipped strategies for ``st.from_type`` (called by Hypothesis).

    Registered: ``Tag``, ``Filter``, ``Destination``, ``ReplicationRule`` and
    ``ReplicationConfiguration`` (from ``s3repl.model``).  ``WorldSpec`` registers
    itself when :mod:`s3repl.testing.strategies` is imported (the only way to hold one).
    """
    for thing in _shipped_factories():
        st.register_type_strategy(thing, _strategy_for)
