"""Replication tasks (what the engine's queue holds) and step results.

Both validate every field when built (``ReplicationTask(...)``, ``attrs.evolve``); the
engine, which builds them from parts that are already valid, uses the trusted builders
of ``s3repl.model._fastbuild`` instead.
"""

from __future__ import annotations

from typing import Any

import attrs

from s3repl.model import _checks
from s3repl.model.enums import FailureReason, ReplicationStatus, S3Enum
from s3repl.model.names import bucket_name_field

__all__ = ["ReplicationTask", "StepResult", "TaskKind"]


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
    #: One manifest entry of a Batch Replication job towards one destination (R-177);
    #: ``policy.apply_batch`` applies it as an object or a delete marker.
    BATCH = "batch"


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

    source_bucket: str = attrs.field(validator=bucket_name_field)
    destination_bucket: str = attrs.field(validator=bucket_name_field)
    key: str = attrs.field(validator=_checks.object_key)
    version_id: str = attrs.field(validator=_checks.version_id)
    rule_id: str = attrs.field(validator=_checks.rule_id)
    kind: TaskKind = attrs.field(converter=TaskKind)
    due_us: int = attrs.field(default=0, validator=_checks.non_negative_int)
    sequence: int = attrs.field(default=0, validator=_checks.non_negative_int)
    replica_modification: bool = attrs.field(default=False, validator=_checks.boolean)

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

    task: ReplicationTask = attrs.field(validator=_checks.instance_of(ReplicationTask))
    status: ReplicationStatus = attrs.field(converter=ReplicationStatus)
    failure_reason: FailureReason | None = attrs.field(
        default=None, converter=attrs.converters.optional(FailureReason)
    )

    @status.validator
    def _check_status(self, attribute: attrs.Attribute[Any], value: ReplicationStatus) -> None:
        if value not in _STEP_STATUSES:
            msg = f"StepResult.status must be COMPLETED, FAILED or PENDING, got {value!r}"
            raise ValueError(msg)

    @failure_reason.validator
    def _check_failure_reason(
        self, attribute: attrs.Attribute[Any], value: FailureReason | None
    ) -> None:
        # attrs runs validators once every field is set, so the status can be read here.
        failed = self.status is ReplicationStatus.FAILED
        if failed and value is None:
            msg = "StepResult.failure_reason is required when the status is FAILED (R-127)"
            raise ValueError(msg)
        if not failed and value is not None:
            msg = (
                f"StepResult.failure_reason must be None unless the status is FAILED, "
                f"got {value!r} with {self.status!r}"
            )
            raise ValueError(msg)


_STEP_STATUSES = frozenset(
    {ReplicationStatus.COMPLETED, ReplicationStatus.FAILED, ReplicationStatus.PENDING}
)
