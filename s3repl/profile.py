"""Profile: the named switches for every choice AWS leaves open (SPEC section 13).

Where SPEC.md grades a behaviour INF (AWS is silent), s3repl does not pick silently:
the choice is a field here, defaulting to today's AWS behaviour as best known, so a
user can test their policy under either reading.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

__all__ = [
    "DestinationLimits",
    "DestinationVersionOrder",
    "LatencyModel",
    "MissingTagReadPermission",
    "Profile",
]


class MissingTagReadPermission(enum.Enum):
    """What happens when the role cannot read source tags (R-158, T-75)."""

    def __repr__(self) -> str:
        """Return ``ClassName.MEMBER``."""
        return f"{type(self).__name__}.{self.name}"

    #: The object replicates without its tags; the tag read is a metadata failure.
    REPLICATE_WITHOUT_TAGS = "replicate_without_tags"
    #: The object fails with ``SrcGetTaggingNotPermitted``.
    FAIL = "fail"


class DestinationVersionOrder(enum.Enum):
    """How a destination orders replicas that arrive out of order (R-143, T-76)."""

    def __repr__(self) -> str:
        """Return ``ClassName.MEMBER``."""
        return f"{type(self).__name__}.{self.name}"

    #: Replicas are ordered by the source's creation time and sequence.
    SOURCE_TIMESTAMP = "source_timestamp"
    #: The last replica to arrive becomes current.
    ARRIVAL = "arrival"


def _non_negative(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        msg = f"{attribute.name} must be >= 0, got {value}"
        raise ValueError(msg)


def _positive_seconds(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{attribute.name} must be a number, got {value!r}"
        raise TypeError(msg)
    if not (math.isfinite(value) and value >= 0):
        msg = f"{attribute.name} must be a finite number >= 0, got {value!r}"
        raise ValueError(msg)


def _positive_rate(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    _positive_seconds(_instance, attribute, value)
    if value == 0:
        msg = f"{attribute.name} must be > 0, got {value!r}"
        raise ValueError(msg)


def _tail_shape(_instance: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None:
        _positive_rate(_instance, attribute, value)


def _optional_rate(_instance: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None:
        _positive_rate(_instance, attribute, value)


@attrs.frozen(kw_only=True)
class DestinationLimits:
    """One destination bucket's own bandwidth and throughput (``None``: the model's).

    Attributes:
        bandwidth_bytes_per_second: transfer rate into this bucket.
        operations_per_second: operations this bucket takes per second.
    """

    bandwidth_bytes_per_second: float | None = attrs.field(default=None, validator=_optional_rate)
    operations_per_second: float | None = attrs.field(default=None, validator=_optional_rate)


def _limits(value: object) -> tuple[tuple[str, DestinationLimits], ...]:
    """Per-destination limits from a mapping or pairs, sorted by bucket name."""
    pairs = value.items() if isinstance(value, Mapping) else value
    if not isinstance(pairs, Iterable):
        msg = f"destinations must map bucket names to limits, got {value!r}"
        raise TypeError(msg)
    out: dict[str, DestinationLimits] = {}
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            msg = f"destinations must map bucket names to limits, got {value!r}"
            raise TypeError(msg)
        bucket, limits = pair
        if isinstance(limits, Mapping):
            known = ("bandwidth_bytes_per_second", "operations_per_second")
            unknown = sorted(str(key) for key in limits if key not in known)
            if unknown:
                msg = (
                    f"unknown destination setting(s) {', '.join(unknown)} for {bucket!r}; "
                    f"known: {', '.join(known)}"
                )
                raise ValueError(msg)
            limits = DestinationLimits(**limits)
        if not isinstance(limits, DestinationLimits):
            msg = f"limits of destination {bucket!r} must be a mapping, got {limits!r}"
            raise TypeError(msg)
        out[str(bucket)] = limits
    return tuple(sorted(out.items()))


@attrs.frozen(kw_only=True)
class LatencyModel:
    """How long replication takes on each route (issue 12; R-132, R-140).

    A task created at time ``t`` for a destination is due at
    ``start + size / bandwidth + base * tail`` where ``start`` is ``t``, or later when
    the destination is still busy with earlier work (its throughput is saturated), and
    ``tail >= 1`` is a seeded Pareto draw (see :func:`s3repl.policy.replication_delay`).

    The defaults follow what AWS publishes: most objects replicate within seconds, and
    under RTC 99.99 % within 15 minutes (R-132): with ``tail_shape=2.5`` the 99.99th
    percentile of the tail is about 40 times the base, 5.3 minutes across oceans.
    ``bandwidth_bytes_per_second`` is RTC's default 1 Gbps quota;
    ``operations_per_second`` is S3's documented 3,500 PUT requests per second per
    prefix, applied per destination bucket.

    Attributes:
        same_region_seconds: base delay when source and destination share a region.
        same_continent_seconds: base delay between regions of one continent.
        across_oceans_seconds: base delay between continents.
        bandwidth_bytes_per_second: transfer rate into one destination bucket.
        operations_per_second: operations one destination bucket takes per second;
            work beyond it queues.
        tail_shape: the Pareto shape of the heavy tail (smaller is heavier); ``None``
            makes every delay exactly its base (no random draw).

    ``destinations`` gives a destination bucket its own bandwidth or throughput: a
    mapping of bucket name to :class:`~s3repl.profile.DestinationLimits` (or to a mapping of its
    fields), kept as pairs sorted by name.
    """

    same_region_seconds: float = attrs.field(default=1.0, validator=_positive_seconds)
    same_continent_seconds: float = attrs.field(default=3.0, validator=_positive_seconds)
    across_oceans_seconds: float = attrs.field(default=8.0, validator=_positive_seconds)
    bandwidth_bytes_per_second: float = attrs.field(default=125_000_000.0, validator=_positive_rate)
    operations_per_second: float = attrs.field(default=3_500.0, validator=_positive_rate)
    tail_shape: float | None = attrs.field(default=2.5, validator=_tail_shape)
    #: Per destination bucket, its own limits (pairs sorted by bucket name).
    destinations: tuple[tuple[str, DestinationLimits], ...] = attrs.field(
        default=(), converter=_limits
    )

    def limits_of(self, bucket: str) -> tuple[float, float]:
        """``(bandwidth_bytes_per_second, operations_per_second)`` into ``bucket``."""
        for name, limits in self.destinations:
            if name == bucket:
                return (
                    limits.bandwidth_bytes_per_second or self.bandwidth_bytes_per_second,
                    limits.operations_per_second or self.operations_per_second,
                )
        return self.bandwidth_bytes_per_second, self.operations_per_second

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any]) -> LatencyModel:
        """Build a model from a mapping (a scenario file's table), refusing unknown keys.

        Raises:
            ValueError: a key is not a field (the message names it and the known ones),
                or a value is out of range.
            TypeError: a value is not a number.
        """
        known = [field.name for field in attrs.fields(cls)]
        unknown = sorted(str(key) for key in settings if key not in known)
        if unknown:
            msg = f"unknown latency setting(s) {', '.join(unknown)}; known: {', '.join(known)}"
            raise ValueError(msg)
        return cls(**{str(key): value for key, value in settings.items()})


def _latency(value: object) -> LatencyModel | None:
    if value is None or isinstance(value, LatencyModel):
        return value
    if isinstance(value, Mapping):
        return LatencyModel.from_mapping(value)
    msg = f"latency must be a LatencyModel, a mapping or None, got {value!r}"
    raise TypeError(msg)


@attrs.frozen(kw_only=True)
class Profile:
    """The behaviour switches of the model, one per INF decision in SPEC section 13.

    Build today's AWS behaviour with :meth:`Profile.aws` and change one switch with
    :meth:`evolve`::

        strict = Profile.aws().evolve(reject_unsupported_destination_at_put=True)
    """

    #: R-011, T-36: ``PutBucketReplication`` on an Object Lock source needs the token.
    object_lock_replication_requires_token: bool = False
    #: R-031: accept ``ExistingObjectReplication`` instead of answering ``MalformedXML``.
    allow_existing_object_replication: bool = False
    #: R-043, R-066, T-37: refuse any two rules sharing a priority.
    reject_duplicate_priorities: bool = True
    #: R-052: steps after a configuration change before replication sees it.
    config_propagation_delay_steps: int = attrs.field(default=0, validator=_non_negative)
    #: R-087, section 10: delete markers are not replicated to another account.
    cross_account_delete_markers_off_by_default: bool = False
    #: R-022, R-069: accept the ``Not`` / ``Or`` filter operators.
    enable_not_or_filters: bool = False
    #: R-081, T-59: SSE-C objects replicate (AWS since 2022-10).
    sse_c_replication: bool = True
    #: R-009, R-176: refuse at put time destinations that would fail every object.
    reject_unsupported_destination_at_put: bool = False
    #: R-158, T-75: outcome when the role cannot read source tags.
    missing_tag_read_permission: MissingTagReadPermission = attrs.field(
        default=MissingTagReadPermission.REPLICATE_WITHOUT_TAGS,
        converter=MissingTagReadPermission,
    )
    #: R-143, T-76: which replica becomes current when replicas arrive out of order.
    destination_version_order: DestinationVersionOrder = attrs.field(
        default=DestinationVersionOrder.SOURCE_TIMESTAMP,
        converter=DestinationVersionOrder,
    )

    #: R-124: how long a task kept queued by a transient problem waits before it is
    #: tried again (AWS documents no figure; a minute).
    retry_delay_seconds: int = attrs.field(default=60, validator=_non_negative)

    #: Issue 12: how long replication takes on each route.  ``None`` (the default)
    #: makes every task due at once and leaves the clock to API calls, ``step()`` and
    #: ``advance()``, as before; a :class:`LatencyModel` (or a mapping of its fields)
    #: makes tasks due later and ``advance()`` apply what falls due.
    latency: LatencyModel | None = attrs.field(default=None, converter=_latency)

    @classmethod
    def aws(cls) -> Profile:
        """Return today's AWS behaviour (every switch at its documented default)."""
        return cls()

    def evolve(self, **switches: Any) -> Profile:
        """Return a copy with some switches changed.

        Raises:
            TypeError: when a switch name is unknown.
            ValueError: when a value is not allowed for its switch.
        """
        return attrs.evolve(self, **switches)
