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
from s3repl.engine._series import RecorderState
from s3repl.engine.faults import FaultPlan
from s3repl.engine.notifications import NotificationConfiguration
from s3repl.engine.results import ReplicationEvent
from s3repl.model import FrozenMap, ReplicationTask
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
        latency_rng: the state of the RNG that draws latency tails (``None``: fresh
            from the seed, for states saved before it existed).
        busy_until: per destination bucket, until when it is busy (simulated
            microseconds; issue 12's throughput queue).
        metrics: the metric recorder's state, ``None`` when not recording.
        notification_configurations: per bucket, its notification configuration.
        notifications: per target ARN, the messages delivered and not drained (JSON).
        notification_count: how many notifications were delivered (request ids).
        rtc_open: the RTC tasks still pending with their threshold deadline
            (microseconds), earliest first, under a latency model (R-129).
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
    latency_rng: RandomState | None = None
    busy_until: FrozenMap[str, int] = attrs.field(factory=FrozenMap)
    rtc_open: tuple[tuple[int, ReplicationTask], ...] = ()
    metrics: RecorderState | None = None
    notification_configurations: FrozenMap[str, NotificationConfiguration] = attrs.field(
        factory=FrozenMap
    )
    notifications: FrozenMap[str, tuple[str, ...]] = attrs.field(factory=FrozenMap)
    notification_count: int = 0
    jobs: tuple[Job, ...] = ()
    job_tasks: FrozenMap[int, tuple[str, int]] = attrs.field(factory=FrozenMap)
