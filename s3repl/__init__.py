"""s3repl: a deterministic model of Amazon S3 replication (SRR and CRR).

The public face: re-exports only.  Layers, bottom up: ``model`` (frozen values),
``iam`` and ``policy`` (decisions), ``codec`` (wire formats), ``validate``, ``engine``,
then ``aws``, ``iac`` and ``cli`` on top; imports point down only.

Why lazy (PEP 562): the package is imported by every ``import hypothesis`` and every
pytest session in an environment where s3repl is installed (its plugin entry points
live under it), so ``import s3repl`` imports no layer; each public name is imported from
its layer the first time it is used (``from s3repl import Engine`` or ``s3repl.Engine``)
and is then an ordinary module attribute.  Type checkers and IDEs read the
``TYPE_CHECKING`` imports, which are the same names from the same modules.
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from s3repl.engine import (
        DeleteResult,
        Engine,
        FaultPlan,
        ReplicationEvent,
        ReplicationMetrics,
    )
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

#: Public name -> the module it is imported from on first use (the imports above).
_HOMES: dict[str, str] = {
    **dict.fromkeys(
        ("DeleteResult", "Engine", "FaultPlan", "ReplicationEvent", "ReplicationMetrics"),
        "s3repl.engine",
    ),
    **dict.fromkeys(
        (
            "NothingPendingError",
            "S3Error",
            "S3ReplError",
            "StepLimitExceededError",
            "UnknownTaskError",
        ),
        "s3repl.errors",
    ),
    **dict.fromkeys(
        (
            "Acl",
            "Bucket",
            "DeleteMarker",
            "FailureReason",
            "ObjectVersion",
            "ReplicationConfiguration",
            "ReplicationRule",
            "ReplicationStatus",
            "ReplicationTask",
            "StepResult",
            "StorageClass",
            "TaskKind",
        ),
        "s3repl.model",
    ),
    **dict.fromkeys(("LatencyModel", "Profile"), "s3repl.profile"),
    **dict.fromkeys(
        ("Finding", "Problem", "check_requirements", "validate_replication"), "s3repl.validate"
    ),
    "World": "s3repl.world",
}


if not _typing.TYPE_CHECKING:  # hidden from type checkers, so that a typo stays an error

    def __getattr__(name: str) -> _typing.Any:
        """Import a public name from its layer on first use, then keep it (PEP 562)."""
        home = _HOMES.get(name)
        if home is None:
            msg = f"module 's3repl' has no attribute {name!r}"
            raise AttributeError(msg)
        value = getattr(_importlib.import_module(home), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    """The module's attributes, the public names not imported yet included."""
    return sorted({*globals(), *__all__})
