"""Argument checks of the engine's entry points that have no S3 counterpart to lean on.

Each check runs before the call changes anything, so a refused call leaves the engine
as it was (a bad fault plan kept in force would make every later ``fork()`` fail).
Controls of the simulator itself (seed, clock, faults) raise
:class:`~s3repl.errors.InvalidUsageError`; request data S3 would receive (a part body,
a versioning state) raise the S3 error AWS would answer with. Kept apart from the
engine's parts so that their hot paths stay as they are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from s3repl.engine.faults import FaultPlan
from s3repl.errors import (
    IllegalVersioningConfigurationException,
    InvalidArgumentType,
    InvalidBucketState,
    InvalidUsageError,
)
from s3repl.model import Status, VersioningStatus

__all__ = [
    "VERSIONING_STATUS_MESSAGE",
    "check_fault_plan",
    "check_parts",
    "check_seconds",
    "check_seed",
    "versioning_at_creation",
]

#: PutBucketVersioning's answer to a status other than ``Enabled`` / ``Suspended``.
VERSIONING_STATUS_MESSAGE = "The Versioning element must be specified as 'Enabled' or 'Suspended'"
_LOCKED_VERSIONING_MESSAGE = (
    "An Object Lock configuration is present on this bucket, so the versioning state "
    "cannot be changed."
)


def _type_name(value: object) -> str:
    return type(value).__name__


def check_seed(seed: object) -> int:
    """An engine seed: an ``int`` (not a ``bool``), as ``Engine(seed=...)`` documents.

    Raises:
        InvalidUsageError: any other value (``"abc"`` would seed ``random`` happily and
            silently, but breaks the promise that a seed is a number one can record).
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        msg = f"seed must be an int, got {_type_name(seed)}"
        raise InvalidUsageError(msg)
    return seed


def check_fault_plan(plan: object) -> FaultPlan:
    """A fault plan for ``set_faults``: a :class:`~s3repl.engine.faults.FaultPlan`.

    Raises:
        InvalidUsageError: anything else (``"none"``: use ``FaultPlan.none()``).
    """
    if not isinstance(plan, FaultPlan):
        msg = (
            f"set_faults expects a FaultPlan (FaultPlan.none() switches faults off), "
            f"got {_type_name(plan)}"
        )
        raise InvalidUsageError(msg)
    return plan


def check_seconds(seconds: object) -> float:
    """A clock advance: a finite, non-negative number of seconds.

    Raises:
        InvalidUsageError: a negative, NaN or infinite value, or not a number.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        msg = f"seconds must be a number, got {_type_name(seconds)}"
        raise InvalidUsageError(msg)
    if isinstance(seconds, float) and not math.isfinite(seconds):
        msg = f"seconds must be finite, got {seconds}"
        raise InvalidUsageError(msg)
    if seconds < 0:
        msg = f"seconds must be >= 0, got {seconds}"
        raise InvalidUsageError(msg)
    return seconds


def versioning_at_creation(
    *, versioning: bool | Status | VersioningStatus | str, object_lock: bool, bucket: str
) -> VersioningStatus:
    """The versioning state ``create_bucket(versioning=...)`` asks for.

    ``True`` and ``"Enabled"`` enable it, ``"Suspended"`` gives a bucket whose
    versioning was enabled and then suspended, ``False`` a bucket never versioned;
    ``Status`` / ``VersioningStatus`` members of those values are accepted too, as
    ``put_bucket_versioning`` accepts them. Object Lock implies ``Enabled`` (R-009).

    Raises:
        IllegalVersioningConfigurationException: any other value, with
            PutBucketVersioning's message (R-002).
        InvalidBucketState: ``"Suspended"`` with ``object_lock=True``: versioning of
            an Object Lock bucket cannot be suspended.
    """
    given: object = versioning  # untyped callers pass anything: check what came
    if isinstance(given, bool):
        wanted = VersioningStatus.ENABLED if versioning else VersioningStatus.UNVERSIONED
    else:
        value = given.value if isinstance(given, Status | VersioningStatus) else given
        if value not in ("Enabled", "Suspended"):
            raise IllegalVersioningConfigurationException(
                VERSIONING_STATUS_MESSAGE, bucket_name=bucket
            )
        wanted = VersioningStatus(value)
    if object_lock:
        if wanted is VersioningStatus.SUSPENDED:
            raise InvalidBucketState(_LOCKED_VERSIONING_MESSAGE, bucket_name=bucket)
        return VersioningStatus.ENABLED
    return wanted


def check_parts(parts: object, bucket: str) -> None:
    """Every part of a multipart completion is a body (bytes-like).

    Raises:
        InvalidArgumentType: a part that is not ``bytes``, ``bytearray`` or
            ``memoryview`` (``None`` for a part never uploaded), naming it by its
            1-based part number, as S3 numbers parts.
    """
    if isinstance(parts, str | bytes | bytearray) or not isinstance(parts, Sequence):
        msg = f"parts must be a sequence of bytes, one per part, got {_type_name(parts)}"
        raise InvalidArgumentType(msg, bucket_name=bucket)
    for number, part in enumerate(parts, start=1):
        if not isinstance(part, bytes | bytearray | memoryview):
            msg = f"Part {number} must be bytes, got {_type_name(part)}"
            raise InvalidArgumentType(msg, bucket_name=bucket, element=f"Part[{number}]")
