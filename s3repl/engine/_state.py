"""EngineState: the engine's own state that a snapshot carries, as one named value.

Why here and not in ``world.py``: ``World`` lives below the engine, while this state
holds engine values (:class:`FaultPlan`, :class:`ReplicationEvent`).  ``World`` names
only the field-less base :class:`~s3repl.world.EngineMemento`; this subclass gives
the fields their names and types, and the engine narrows to it with ``isinstance``
(a ``World`` built by hand carries none, and starts a fresh engine state).
"""

from __future__ import annotations

from typing import Any

import attrs

from s3repl.engine._queue import OrderPolicy
from s3repl.engine.faults import FaultPlan
from s3repl.engine.results import ReplicationEvent
from s3repl.model import FrozenMap
from s3repl.model.jobs import Job
from s3repl.world import EngineMemento

__all__ = ["EngineState"]

#: ``random.Random.getstate()``: opaque, restored with ``setstate``.
RandomState = tuple[Any, ...]


@attrs.frozen(kw_only=True)
class EngineState(EngineMemento):
    """What an engine restored from a snapshot needs to continue exactly as the original.

    Attributes:
        seed: the engine's seed.
        order: the order policy (``"fifo"`` or ``"random"``).
        ids_rng: the state of the RNG that draws version ids and rule ids.
        interleave_rng: the state of the RNG that draws the ``"random"`` order.
        fault_rng: the state of the RNG that draws injected outages.
        interleave_draw: a draw already taken from the interleaving RNG by ``peek()``
            and kept for the next ``step()`` (``None`` when none is kept).
        version_ids_ahead: version ids already drawn from ``ids_rng``, not yet
            handed out, next one first.
        faults: the fault plan in force.
        events: the replication events emitted so far, oldest first.
        failed_operations: failed operations per (source bucket, rule id,
            destination bucket), for the replication metrics (R-131).
        missed_threshold: sequences of RTC tasks already reported as
            ``OperationMissedThreshold`` (R-129), in the order they were reported.
        jobs: the Batch Operations jobs, in the order they were created (R-177).
        job_tasks: queued batch task sequence -> (job id, manifest entry index).
    """

    seed: int
    order: OrderPolicy
    ids_rng: RandomState
    interleave_rng: RandomState
    fault_rng: RandomState
    interleave_draw: float | None = None
    version_ids_ahead: tuple[str, ...] = ()
    faults: FaultPlan = attrs.field(factory=FaultPlan.none)
    events: tuple[ReplicationEvent, ...] = ()
    failed_operations: FrozenMap[tuple[str, str, str], int] = attrs.field(factory=FrozenMap)
    missed_threshold: tuple[int, ...] = ()
    jobs: tuple[Job, ...] = ()
    job_tasks: FrozenMap[int, tuple[str, int]] = attrs.field(factory=FrozenMap)
