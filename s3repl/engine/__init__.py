"""The deterministic in-memory S3 engine: state, operations, queue and step."""

from s3repl.engine._engine import EPOCH, Engine
from s3repl.engine._state import EngineState
from s3repl.engine.faults import FaultPlan
from s3repl.engine.results import DeleteResult, ReplicationEvent, ReplicationMetrics

__all__ = [
    "EPOCH",
    "DeleteResult",
    "Engine",
    "EngineState",
    "FaultPlan",
    "ReplicationEvent",
    "ReplicationMetrics",
]
