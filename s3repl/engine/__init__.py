"""The deterministic in-memory S3 engine: state, operations, queue and step."""

from s3repl.engine._engine import EPOCH, Engine
from s3repl.engine._state import EngineState
from s3repl.engine.faults import FaultPlan
from s3repl.engine.pages import ObjectsPage, VersionsPage
from s3repl.engine.results import (
    DeletedObject,
    DeleteError,
    DeleteObjectsResult,
    DeleteResult,
    MetricPoint,
    MetricSeries,
    ReplicationEvent,
    ReplicationMetrics,
)

__all__ = [
    "EPOCH",
    "DeleteError",
    "DeleteObjectsResult",
    "DeleteResult",
    "DeletedObject",
    "Engine",
    "EngineState",
    "FaultPlan",
    "MetricPoint",
    "MetricSeries",
    "ObjectsPage",
    "ReplicationEvent",
    "ReplicationMetrics",
    "VersionsPage",
]
