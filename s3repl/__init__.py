"""s3repl: a deterministic model of Amazon S3 replication (SRR and CRR).

The public face: re-exports only.  See DESIGN.md for the layers.
"""

from s3repl.engine import DeleteResult, Engine, FaultPlan, ReplicationEvent, ReplicationMetrics
from s3repl.errors import (
    NothingPendingError,
    S3Error,
    S3ReplError,
    StepLimitExceededError,
    UnknownTaskError,
)
from s3repl.model import (
    Acl,
    Bucket,
    DeleteMarker,
    FailureReason,
    ObjectVersion,
    ReplicationConfiguration,
    ReplicationRule,
    ReplicationStatus,
    ReplicationTask,
    StepResult,
    StorageClass,
    TaskKind,
)
from s3repl.profile import LatencyModel, Profile
from s3repl.validate import Finding, Problem, check_requirements, validate_replication
from s3repl.world import World

__all__ = [
    "Acl",
    "Bucket",
    "DeleteMarker",
    "DeleteResult",
    "Engine",
    "FailureReason",
    "FaultPlan",
    "Finding",
    "LatencyModel",
    "NothingPendingError",
    "ObjectVersion",
    "Problem",
    "Profile",
    "ReplicationConfiguration",
    "ReplicationEvent",
    "ReplicationMetrics",
    "ReplicationRule",
    "ReplicationStatus",
    "ReplicationTask",
    "S3Error",
    "S3ReplError",
    "StepLimitExceededError",
    "StepResult",
    "StorageClass",
    "TaskKind",
    "UnknownTaskError",
    "World",
    "check_requirements",
    "validate_replication",
]

__version__ = "0.1.0.dev0"
