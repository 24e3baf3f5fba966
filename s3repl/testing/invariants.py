"""Invariants of S3 replication, as ``check_*`` functions over an engine or a snapshot.

Theory of operation.  Each check reads a :class:`~s3repl.world.World` (an engine is
snapshotted first) and raises an :class:`InvariantViolation` subclass naming the
bucket, key and version id, what broke, and the SPEC requirement.  They come in five
kinds, by what they need to see:

1. *Whole-world safety* (:func:`check_all` runs them all): every snapshot of a correct
   engine passes them, whatever happened before.  Each is O(total versions).
2. *At the moment of a write*: :func:`check_routing` (call it right after a put or a
   delete marker) and :func:`check_replica_written` (right after a step applied a
   task).  They hold only at that moment, because configurations, tags and lock
   settings may change afterwards.  :func:`check_routing` restates the rule selection
   of SPEC section 3 independently of ``s3repl.policy``, so that a broken policy is
   caught rather than echoed.
3. *Across snapshots*: :class:`StatusTracker` (statuses only move forward, R-113,
   R-122, R-124) and :func:`check_version_delete_not_replicated` (R-103).
4. *What a call reports*: :func:`check_failures_explained` (a FAILED step has the
   reason the world gives it, so a transient outage never ends in FAILED, R-124,
   R-127), :func:`check_failure_reported` (its event and count, R-129, R-131), and
   :func:`check_configuration_answer` (``PutBucketReplication`` refuses what R-003
   refuses and agrees with ``validate_replication``).
5. *Liveness*: :func:`check_converged` and :func:`check_metadata_converged`, after a
   run with faults off.

Copies of one version are told apart as S3 does: a copy whose status is ``REPLICA`` is
a replica.  A replica whose metadata change is travelling back under replica
modification sync (R-122) shows ``PENDING`` or ``FAILED``; it is recognised by its
queued replica-modification task, or because another copy lists its bucket as a
``COMPLETED`` destination.  (A replica whose sync FAILED after its source was deleted
by version id cannot be told from a source; the checks are written so that either
reading is correct for it.)  Versions with the
``null`` version id are never replicated and are left out of the cross-bucket checks.

The checks live in private modules, one per kind (``_invariants``: violations, the
world index, safety, writes, history, liveness); this module is their public face,
and every name is imported from here.
"""

from __future__ import annotations

from s3repl.testing._invariants._history import StatusTracker, check_version_delete_not_replicated
from s3repl.testing._invariants._index import EngineOrWorld
from s3repl.testing._invariants._liveness import check_converged, check_metadata_converged
from s3repl.testing._invariants._outcomes import (
    check_configuration_answer,
    check_failure_reported,
    check_failures_explained,
    explained_failure,
)
from s3repl.testing._invariants._safety import (
    check_aggregate_status,
    check_all,
    check_eligible_sources,
    check_lifecycle,
    check_no_rereplication,
    check_ownership,
    check_pending_tasks,
    check_version_identity,
    check_version_order,
)
from s3repl.testing._invariants._violations import (
    AggregateStatusViolation,
    ConfigurationViolation,
    ConvergenceViolation,
    DeletePropagationViolation,
    FailureReasonViolation,
    FailureReportViolation,
    IneligibleReplicaViolation,
    InvariantViolation,
    LifecycleViolation,
    MetadataConvergenceViolation,
    OwnershipViolation,
    PendingTaskViolation,
    ReplicaContentViolation,
    ReplicationChainViolation,
    RoutingViolation,
    StatusTransitionViolation,
    VersionIdentityViolation,
    VersionOrderViolation,
)
from s3repl.testing._invariants._writes import check_replica_written, check_routing, expected_routes

__all__ = [
    "AggregateStatusViolation",
    "ConfigurationViolation",
    "ConvergenceViolation",
    "DeletePropagationViolation",
    "EngineOrWorld",
    "FailureReasonViolation",
    "FailureReportViolation",
    "IneligibleReplicaViolation",
    "InvariantViolation",
    "LifecycleViolation",
    "MetadataConvergenceViolation",
    "OwnershipViolation",
    "PendingTaskViolation",
    "ReplicaContentViolation",
    "ReplicationChainViolation",
    "RoutingViolation",
    "StatusTracker",
    "StatusTransitionViolation",
    "VersionIdentityViolation",
    "VersionOrderViolation",
    "check_aggregate_status",
    "check_all",
    "check_configuration_answer",
    "check_converged",
    "check_eligible_sources",
    "check_failure_reported",
    "check_failures_explained",
    "check_lifecycle",
    "check_metadata_converged",
    "check_no_rereplication",
    "check_ownership",
    "check_pending_tasks",
    "check_replica_written",
    "check_routing",
    "check_version_delete_not_replicated",
    "check_version_identity",
    "check_version_order",
    "expected_routes",
    "explained_failure",
]
