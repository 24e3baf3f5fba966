"""What one step does, as one value: :class:`Applied` and the ways it is built (R-124, R-158).

``policy.apply`` (``_apply``) decides; this module holds the value it answers with: every
effect of a step, checked when built from outside (each field its type, the fields in
agreement), and the trusted builders ``apply`` uses on every step.  Why apart from
``_apply``: the value and its rules are read by the engine, Batch Replication and the
tests, the deciding is not.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

import attrs

from s3repl.model import (
    DeleteMarker,
    FailureReason,
    ObjectVersion,
    VersionStatuses,
)
from s3repl.model._checks import (
    boolean,
    items_of,
    member_of,
    non_negative_int,
    optional,
    text,
    value_error,
)
from s3repl.model._fastbuild import builders, copier
from s3repl.policy._checks import Verdict
from s3repl.policy._routing import Route
from s3repl.policy._shape import ReplicaShape
from s3repl.policy._status import Notification
from s3repl.world import Version

__all__ = ["Applied", "Write", "with_replica_built"]


class Write(enum.Enum):
    """What a step does to the destination."""

    def __repr__(self) -> str:
        """Return ``ClassName.MEMBER``."""
        return f"{type(self).__name__}.{self.name}"

    #: Nothing (a failure, a retry).
    NOTHING = "nothing"
    #: Place a new replica among the key's versions (R-142, R-143).
    PLACE = "place"
    #: Replace the replica of the same version id (a metadata change, R-085).
    REPLACE = "replace"
    #: Remove the replica of the version id (a routed version delete, R-103).
    REMOVE = "remove"


def _exactly_when(holds: Callable[[Applied], bool], problem: str) -> Callable[..., None]:
    """A validator: ``value`` is given (not ``None``) exactly when ``holds(applied)``."""

    def check(applied: Applied, attribute: attrs.Attribute[Any], value: object) -> None:
        if (value is not None) != holds(applied):
            # Fields validate in order: the verdict and the write are checked by now.
            shown = f"{problem} (verdict {applied.verdict.name}, write {applied.write.name})"
            raise value_error(applied, attribute, shown, value)

    return check


def _writes_only_when_completed(
    applied: Applied, attribute: attrs.Attribute[Any], value: object
) -> None:
    """R-124, R-158: a failure or a retry writes nothing to the destination."""
    if value is not Write.NOTHING and applied.verdict is not Verdict.COMPLETED:
        problem = f"must be Write.NOTHING unless the verdict is COMPLETED ({applied.verdict.name})"
        raise value_error(applied, attribute, problem, value)


def _reason_exactly_when_failed(
    applied: Applied, attribute: attrs.Attribute[Any], value: object
) -> None:
    """R-127: a failed task has its reason, and only a failed task has one."""
    if (applied.reason is not None) != (applied.verdict is Verdict.FAILED):
        problem = (
            f"must be given exactly when the verdict is FAILED (R-127) "
            f"(verdict {applied.verdict.name})"
        )
        raise value_error(applied, attrs.fields(Applied).reason, problem, applied.reason)


def _version(applied: Applied, attribute: attrs.Attribute[Any], value: object) -> None:
    """An ``ObjectVersion``, a ``DeleteMarker`` or ``None``."""
    if value is not None and type(value) not in (ObjectVersion, DeleteMarker):
        wanted = "an ObjectVersion, a DeleteMarker or None"
        msg = f"Applied.{attribute.name} must be {wanted}, got {type(value).__name__} {value!r}"
        raise TypeError(msg)


def _shape_or_none(applied: Applied, attribute: attrs.Attribute[Any], value: object) -> None:
    """A ``ReplicaShape`` or ``None``."""
    if value is not None and type(value) is not ReplicaShape:
        wanted = "a ReplicaShape or None"
        msg = f"Applied.{attribute.name} must be {wanted}, got {type(value).__name__} {value!r}"
        raise TypeError(msg)


def _recorded_only_when_decided(
    applied: Applied, attribute: attrs.Attribute[Any], value: object
) -> None:
    """A ``VersionStatuses`` or ``None``; R-124: a retry leaves the source as it is."""
    if value is not None and type(value) is not VersionStatuses:
        wanted = "a VersionStatuses or None"
        msg = f"Applied.{attribute.name} must be {wanted}, got {type(value).__name__} {value!r}"
        raise TypeError(msg)
    if value is not None and applied.verdict is Verdict.RETRY:
        raise value_error(applied, attribute, "must be None for a RETRY (R-124)", value)


def _failed_operations(applied: Applied, attribute: attrs.Attribute[Any], value: object) -> None:
    """A tuple of ``FailureReason`` (or ``None`` for an operation without one)."""
    if not isinstance(value, tuple) or not all(
        item is None or type(item) is FailureReason for item in value
    ):
        wanted = "a tuple of FailureReason or None"
        msg = f"Applied.failures must be {wanted}, got {type(value).__name__} {value!r}"
        raise TypeError(msg)


@attrs.frozen(kw_only=True, weakref_slot=False)
class Applied:
    """Every effect of applying one task; the engine writes it and decides nothing.

    Built from outside it validates itself (R-124, R-127, R-158): every field has its
    type, and the fields agree: a ``reason`` exactly when ``FAILED``, a
    ``retry_at_us`` exactly for ``RETRY`` (which records no ``source_statuses``), a
    ``replica`` exactly when the write is ``REPLACE`` or ``PLACE`` (or, for ``PLACE``,
    a ``replica_shape`` instead), and a write other than ``NOTHING`` only when
    ``COMPLETED``.  Each refusal is a ``TypeError`` or
    ``ValueError`` naming the field.  :func:`apply` builds its values with the trusted
    builders (``_fastbuild``), which skip the checks: ``tests/test_apply.py`` pins that
    what it returns always passes them.

    Attributes:
        verdict: completed, failed, or retry (a transient problem keeps it queued).
        reason: the failure reason of a failed task (R-127), else ``None``.
        write: what happens to the destination.
        destination: the destination bucket's name.
        replica: the replica to place or the replica after a metadata change;
            ``None`` when ``replica_shape`` tells it.
        replica_shape: for an object's replica placed into a bucket without a
            replication configuration (it goes nowhere, R-100) and without a default
            retention (it depends on the source version alone, R-086), its shape
            instead of the replica (:attr:`Ruling.replica_by_shape`): the replica is
            ``replica_shape.replica_of(version)``, which the engine builds when
            something first reads it.  Why: a step's largest cost was this 23-field
            copy, and most replicas are never read in a simulation.
        by_source_time: where a placed replica goes: by the source's creation order
            (``True``) or on top as it arrives (R-143).
        source_statuses: the source version's statuses with the outcome recorded
            (R-122..R-124); ``None`` when its status does not change.  Statuses, not a
            version: the engine records them beside the version, without a copy.
        notifications: the events the step sends, in order (R-129).
        failures: the failed operations the step counts, by reason (R-131).
        reroutes: where the written replica is replicated on (R-101: nowhere).
        retry_at_us: for a retry, when the task is due again (simulated microseconds).
    """

    verdict: Verdict = attrs.field(validator=member_of(Verdict))
    reason: FailureReason | None = attrs.field(
        default=None, validator=member_of(FailureReason, optional=True)
    )
    write: Write = attrs.field(
        default=Write.NOTHING,
        validator=[
            member_of(Write),
            _writes_only_when_completed,
            _reason_exactly_when_failed,
        ],
    )
    destination: str = attrs.field(default="", validator=text)
    replica: Version | None = attrs.field(
        default=None,
        validator=[
            _version,
            _exactly_when(
                lambda a: (
                    a.write is Write.REPLACE or (a.write is Write.PLACE and a.replica_shape is None)
                ),
                "must be given exactly when the write is REPLACE, or PLACE without a replica_shape",
            ),
        ],
    )
    replica_shape: ReplicaShape | None = attrs.field(
        default=None,
        validator=[
            _shape_or_none,
            _exactly_when(
                lambda a: a.write is Write.PLACE and a.replica is None,
                "must be given exactly when the write is PLACE without a replica",
            ),
        ],
    )
    by_source_time: bool = attrs.field(default=True, validator=boolean)
    source_statuses: VersionStatuses | None = attrs.field(
        default=None, validator=_recorded_only_when_decided
    )
    notifications: tuple[Notification, ...] = attrs.field(
        default=(), validator=items_of(Notification)
    )
    failures: tuple[FailureReason | None, ...] = attrs.field(
        default=(), validator=_failed_operations
    )
    reroutes: tuple[Route, ...] = attrs.field(default=(), validator=items_of(Route))
    retry_at_us: int | None = attrs.field(
        default=None,
        validator=[
            optional(non_negative_int),
            _exactly_when(
                lambda a: a.verdict is Verdict.RETRY,
                "must be given exactly when the verdict is RETRY (R-124)",
            ),
        ],
    )


_PLACE = Write.PLACE
_REPLACE = Write.REPLACE
_REMOVE = Write.REMOVE
_NOTHING = Write.NOTHING

# Every step builds one: positionally, without attrs' per-field ``__setattr__`` and
# without the validators (see ``_fastbuild``).  That every value ``apply`` returns
# passes them is pinned by ``tests/test_apply.py`` over every task kind and verdict.
# (A ruling's shared Applied, ``Ruling.applied``, is a template and may not: a placed
# write there has no replica yet.)
_new_applied: Callable[..., Applied] = builders(Applied)[0]
# A step's Applied is its ruling's shared one (below) with what the version gives:
# copied from the shared value, trusted as _new_applied is.
_with_version: Callable[..., Applied] = copier(
    Applied, ("write", "replica", "replica_shape", "source_statuses", "notifications", "reroutes")
)
_with_source: Callable[..., Applied] = copier(Applied, ("source_statuses",))


def with_replica_built(applied: Applied, version: Version | None) -> Applied:
    """``applied`` holding its replica built, when its ``replica_shape`` told it instead.

    For a caller that reads or changes what a step writes (Batch Replication turns a
    placed replica into a replacement): ``version`` is the version ``applied`` was
    decided for.
    """
    shape = applied.replica_shape
    if shape is None:
        return applied
    assert type(version) is ObjectVersion  # only an object's replica has a shape
    return attrs.evolve(applied, replica=shape.replica_of(version), replica_shape=None)
