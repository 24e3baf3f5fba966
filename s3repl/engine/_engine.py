"""The deterministic in-memory S3: the only mutable state in s3repl.

Theory of operation.  The engine stores buckets, accounts, roles and keys as frozen
values in plain dicts, and each bucket's objects as ``key -> chain`` (a cons list of
frozen versions, newest first; a key reached deep is indexed by version id; see
``_store``).  API calls mirror S3; every call advances a simulated clock by one
millisecond.  Whenever a call creates something that may replicate (a version, a
delete marker, a metadata change), the engine asks ``s3repl.policy`` where it goes and
queues one :class:`ReplicationTask` per destination, kept in (due time, sequence)
order (see ``_queue``).  ``step()`` pops exactly one task, asks ``policy.apply`` once
what happens *now* (an ``Applied``: every effect of the step) and writes exactly that.
The engine never decides semantics itself; what it remembers of policy's answers lives
in one ``PolicyCache`` per world view.

Determinism: ids come from ``random.Random`` instances seeded from the engine seed
(one per subsystem), time from the simulated clock, and iteration only over dicts in
insertion order or sorted keys.
"""

from __future__ import annotations

from s3repl.engine._arguments import guard_string_arguments
from s3repl.engine._batch import _Batch
from s3repl.engine._control import _ControlPlane
from s3repl.engine._core import EPOCH, OrderPolicy
from s3repl.engine._jobs import _Jobs
from s3repl.engine._metadata import _MetadataOperations
from s3repl.engine._metrics import _Metrics
from s3repl.engine._notify import _Notifications
from s3repl.engine._reads import _Reads
from s3repl.engine._replicator import _Replicator

__all__ = ["EPOCH", "Engine", "OrderPolicy"]


class Engine(
    _ControlPlane,
    _MetadataOperations,
    _Replicator,
    _Reads,
    _Batch,
    _Metrics,
    _Notifications,
    _Jobs,
):
    """A deterministic, steppable Amazon S3 with replication.

    Args:
        seed: seeds every id, every random interleaving and every injected fault.
        profile: the behaviour switches; ``None`` means :meth:`Profile.aws`.
        order: ``"fifo"`` applies tasks by (due time, sequence); ``"random"`` picks a
            seeded random pending task at each ``step()``.
    """


guard_string_arguments(Engine)
