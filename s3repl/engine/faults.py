"""Fault injection, kept apart from the engine and off by default.

A :class:`FaultPlan` names what is temporarily unavailable (transient: tasks stay
``PENDING``, R-124).  Permanent faults (a revoked permission, a disabled key,
suspended versioning) are ordinary engine calls, so they need no plan.
"""

from __future__ import annotations

import attrs

__all__ = ["FaultPlan"]


def _rate(_instance: object, _attribute: object, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        msg = f"outage_rate must be within [0, 1], got {value}"
        raise ValueError(msg)


@attrs.frozen(kw_only=True)
class FaultPlan:
    """What is unavailable while this plan is in force.

    Attributes:
        unavailable_buckets: buckets that cannot be reached.
        unavailable_regions: regions whose buckets cannot be reached.
        outage_rate: the probability, drawn from the engine's seeded fault RNG, that
            applying a task meets a transient outage of its destination.
    """

    unavailable_buckets: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)
    unavailable_regions: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)
    outage_rate: float = attrs.field(default=0.0, validator=_rate)

    @classmethod
    def none(cls) -> FaultPlan:
        """The plan with no faults (the default)."""
        return cls()

    @property
    def is_quiet(self) -> bool:
        """Whether the plan injects nothing."""
        return not (self.unavailable_buckets or self.unavailable_regions or self.outage_rate)
