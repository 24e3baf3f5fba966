"""Hypothesis plugin hook: ``st.from_type`` knows s3repl's replication values.

Hypothesis runs :func:`_hypothesis_setup_hook` when it is imported, through the
``hypothesis`` entry point declared in ``pyproject.toml``.  The registered
strategies are the shipped ones (:mod:`s3repl.testing.strategies`), so
``st.from_type(ReplicationRule)`` yields only valid rules, as ``replication_rules()``
does, instead of whatever attrs' field types would allow.

The hook imports the strategies module lazily (when a strategy is first resolved),
so importing Hypothesis stays cheap and no import cycle can form when the
strategies module itself imports Hypothesis first.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

__all__: list[str] = []


def _strategy_for(thing: type[Any]) -> st.SearchStrategy[Any]:
    """The shipped strategy for one of the registered types."""
    from s3repl.model.replication import (
        Destination,
        Filter,
        ReplicationConfiguration,
        ReplicationRule,
        Tag,
    )
    from s3repl.testing import strategies

    factories: dict[type[Any], Any] = {
        Tag: strategies.tags,
        Filter: strategies.filters,
        Destination: strategies.destinations,
        ReplicationRule: strategies.replication_rules,
        ReplicationConfiguration: strategies.replication_configurations,
    }
    strategy: st.SearchStrategy[Any] = factories[thing]()
    return strategy


def _hypothesis_setup_hook() -> None:
    """Register the shipped strategies for ``st.from_type`` (called by Hypothesis).

    Registered: ``Tag``, ``Filter``, ``Destination``, ``ReplicationRule`` and
    ``ReplicationConfiguration`` (from ``s3repl.model``).  ``WorldSpec`` registers
    itself when :mod:`s3repl.testing.strategies` is imported (the only way to hold one).
    """
    from s3repl.model.replication import (
        Destination,
        Filter,
        ReplicationConfiguration,
        ReplicationRule,
        Tag,
    )

    for thing in (Tag, Filter, Destination, ReplicationRule, ReplicationConfiguration):
        st.register_type_strategy(thing, _strategy_for)
