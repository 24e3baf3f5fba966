"""Replication tasks (what the engine's queue holds) and step results."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from s3repl.model._fastbuild import builders
from s3repl.model.enums import FailureReason, ReplicationStatus, S3Enum

__all__ = ["ReplicationTask", "StepResult", "TaskKind", "new_step_result", "new_task"]


class TaskKind(S3Enum):
    """What a replication task carries."""

    #: A new object version (data, metadata, tags, ACL, lock settings).
    OBJECT = "object"
    #: A delete marker (R-087).
    DELETE_MARKER = "delete_marker"
    #: A metadata change (tags, ACL, retention, legal hold) of a replicated version (R-085).
    METADATA = "metadata"
    #: A delete by version id.  ``policy`` never routes one (R-103); the kind exists so
    #: that the decision stays in ``policy`` and a broken policy shows what it would do.
    VERSION_DELETE = "version_delete"


@attrs.frozen(kw_only=True, weakref_slot=False)
class ReplicationTask:
    """One pending replication operation: one version towards one destination.

    Attributes:
        source_bucket: the bucket the operation comes from.
        destination_bucket: the bucket it goes to.
        key: the object key.
        version_id: the version (or delete marker) id.
        rule_id: the id of the winning rule (R-064).
        kind: object, delete marker or metadata.
        due_us: the simulated time (microseconds) at which it becomes due.
        sequence: a unique, increasing number that breaks ties deterministically.
        replica_modification: whether this syncs a replica's metadata back (R-088).
    """

    source_bucket: str
    destination_bucket: str
    key: str
    version_id: str
    rule_id: str
    kind: TaskKind = attrs.field(converter=TaskKind)
    due_us: int = 0
    sequence: int = 0
    replica_modification: bool = False

    @property
    def order_key(self) -> tuple[int, int]:
        """Where the task stands in the queue, as (due time, sequence)."""
        return (self.due_us, self.sequence)


@attrs.frozen(kw_only=True, weakref_slot=False)
class StepResult:
    """What applying one task did.

    Attributes:
        task: the task applied.
        status: ``COMPLETED``, ``FAILED``, or ``PENDING`` when a transient problem
            keeps the task queued (R-124).
        failure_reason: the documented reason of a failure, else ``None``.
    """

    task: ReplicationTask
    status: ReplicationStatus = attrs.field(converter=ReplicationStatus)
    failure_reason: FailureReason | None = attrs.field(
        default=None, converter=attrs.converters.optional(FailureReason)
    )


#: ``ReplicationTask(...)`` and ``StepResult(...)`` built the fast way, for the engine,
#: which builds one of each per step, passes enums only, and passes the fields
#: positionally in field order (see ``_fastbuild``).
new_task: Callable[..., ReplicationTask]
new_step_result: Callable[..., StepResult]
new_task, _ = builders(ReplicationTask, trusted=("kind",))
new_step_result, _ = builders(StepResult, trusted=("status", "failure_reason"))
