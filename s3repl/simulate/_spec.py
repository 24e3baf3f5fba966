"""The values a scenario is made of: workload streams, faults, what to measure.

Every value is frozen and checks itself when built (``ValueError`` naming the field);
the TOML loader (``_load``) adds the file, line and key path to that message.  Times
are kept in seconds as floats here, and turned into the engine's microseconds only
where the run needs them.

Why the world is held as JSON text: a scenario must travel to worker processes and to
a Dask cluster whose machines do not have the scenario's files, so it carries its
world inside itself, as the world-file description ``s3repl._worldfile`` loads.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from s3repl.profile import LatencyModel

__all__ = [
    "FAULT_KINDS",
    "Fault",
    "KeySpec",
    "Measure",
    "Scenario",
    "SizeSpec",
    "Stream",
    "TagChoice",
    "parse_duration",
]

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(value: object) -> float:
    """Read a duration: a number of seconds, or text such as ``"90s"``, ``"1h30m"``.

    Raises:
        ValueError: the value is neither (the message shows the accepted forms).
    """
    if isinstance(value, bool):
        msg = f"expected seconds or a duration such as '15m', got {value!r}"
        raise ValueError(msg)
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.replace(" ", "")
        parts = _DURATION_PART.findall(text)
        if not text or "".join(n + u for n, u in parts) != text:
            msg = f"expected a duration such as '250ms', '90s', '15m', '1h30m', got {value!r}"
            raise ValueError(msg)
        seconds = sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)
    else:
        msg = f"expected seconds or a duration such as '15m', got {value!r}"
        raise ValueError(msg)
    if not math.isfinite(seconds) or seconds < 0:
        msg = f"a duration must be finite and >= 0, got {value!r}"
        raise ValueError(msg)
    return seconds


def _non_negative(_instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not (math.isfinite(value) and value >= 0):
        msg = f"{attribute.name} must be >= 0, got {value!r}"
        raise ValueError(msg)


def _positive(_instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        msg = f"{attribute.name} must be > 0, got {value!r}"
        raise ValueError(msg)


def _one_of(*choices: str) -> Any:
    def check(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
        if value not in choices:
            msg = f"{attribute.name} must be one of {', '.join(choices)}; got {value!r}"
            raise ValueError(msg)

    return check


def _sorted_pairs(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(pairs))


def _tag_choices(value: Iterable[TagChoice]) -> tuple[TagChoice, ...]:
    return tuple(value)


def _streams(value: Iterable[Stream]) -> tuple[Stream, ...]:
    return tuple(value)


def _faults(value: Iterable[Fault]) -> tuple[Fault, ...]:
    return tuple(value)


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


#: The key distributions a stream may draw from.
KEY_DISTRIBUTIONS = ("uniform", "zipf", "sequential")
#: The size distributions a stream may draw from.
SIZE_DISTRIBUTIONS = ("fixed", "lognormal", "uniform")


@attrs.frozen(kw_only=True)
class KeySpec:
    """Which object keys a stream writes.

    Attributes:
        count: the size of the key space (``sequential``: keys wrap after it).
        distribution: ``uniform`` (every key alike), ``zipf`` (key ``i`` with weight
            ``1 / i**exponent``: a few hot keys) or ``sequential`` (every put a new key,
            as log ingestion writes).
        exponent: the Zipf exponent (> 0).
        prefixes: keys are ``PREFIX + 8-digit index``; key ``i`` takes prefix
            ``i % len(prefixes)``.
    """

    count: int = attrs.field(default=10_000)
    distribution: str = attrs.field(default="uniform", validator=_one_of(*KEY_DISTRIBUTIONS))
    exponent: float = attrs.field(default=1.1, validator=_positive)
    prefixes: tuple[str, ...] = attrs.field(default=("",), converter=_strings)

    @count.validator
    def _check_count(self, _attribute: object, value: int) -> None:
        if not 1 <= value <= 10_000_000:
            msg = f"count must be within 1..10000000, got {value!r}"
            raise ValueError(msg)

    @prefixes.validator
    def _check_prefixes(self, _attribute: object, value: tuple[str, ...]) -> None:
        if not value:
            msg = "prefixes must name at least one prefix ('' for none)"
            raise ValueError(msg)


@attrs.frozen(kw_only=True)
class SizeSpec:
    """How large the objects a stream puts are, in bytes.

    Attributes:
        distribution: ``fixed`` (``bytes``), ``lognormal`` (``median_bytes``, ``sigma``)
            or ``uniform`` (``min_bytes`` .. ``max_bytes``).
        bytes: the size of ``fixed``.
        median_bytes: the median of ``lognormal``.
        sigma: the spread of ``lognormal`` (the standard deviation of the log size).
        min_bytes: the smallest size drawn (every distribution is clipped to it).
        max_bytes: the largest size drawn (every distribution is clipped to it).
    """

    distribution: str = attrs.field(default="fixed", validator=_one_of(*SIZE_DISTRIBUTIONS))
    bytes: int = attrs.field(default=1024, validator=_non_negative)
    median_bytes: float = attrs.field(default=16_384, validator=_positive)
    sigma: float = attrs.field(default=1.0, validator=_non_negative)
    min_bytes: int = attrs.field(default=0, validator=_non_negative)
    max_bytes: int = attrs.field(default=8 * 1024 * 1024, validator=_non_negative)

    def __attrs_post_init__(self) -> None:
        if self.min_bytes > self.max_bytes:
            msg = f"min_bytes ({self.min_bytes}) must not exceed max_bytes ({self.max_bytes})"
            raise ValueError(msg)
        if self.max_bytes > 256 * 1024 * 1024:
            msg = f"max_bytes must be at most 268435456 (256 MiB), got {self.max_bytes}"
            raise ValueError(msg)


@attrs.frozen(kw_only=True)
class TagChoice:
    """A tag set that a put (or a tag change) carries with some probability.

    Attributes:
        probability: the chance of this tag set, within [0, 1].
        tags: the tags, as sorted ``(key, value)`` pairs.
    """

    probability: float = attrs.field()
    tags: tuple[tuple[str, str], ...] = attrs.field(converter=_sorted_pairs)

    @probability.validator
    def _check_probability(self, _attribute: object, value: float) -> None:
        if not 0.0 <= value <= 1.0:
            msg = f"probability must be within [0, 1], got {value!r}"
            raise ValueError(msg)


@attrs.frozen(kw_only=True)
class Stream:
    """One source of operations: a phase of steady load, or a burst.

    Operations arrive as a Poisson process of the stream's total rate, each one a put,
    a delete (a delete marker) or a tag change with probability proportional to its
    rate.

    Attributes:
        name: where the stream came from, for example ``workload.phases[0]``.
        bucket: the bucket it writes to.
        start_seconds: when it starts (simulated seconds from the run's start).
        end_seconds: when it stops (exclusive).
        puts_per_second: the rate of ``PutObject``.
        deletes_per_second: the rate of ``DeleteObject`` without a version id.
        tag_changes_per_second: the rate of ``PutObjectTagging`` on a key's current
            version (a key without one answers ``NoSuchKey``, counted as an error).
        keys: which keys it writes.
        sizes: how large its objects are.
        tags: tag sets its puts and tag changes carry (at most one each; the
            probabilities must add up to at most 1).
    """

    name: str
    bucket: str
    start_seconds: float = attrs.field(validator=_non_negative)
    end_seconds: float = attrs.field(validator=_non_negative)
    puts_per_second: float = attrs.field(default=0.0, validator=_non_negative)
    deletes_per_second: float = attrs.field(default=0.0, validator=_non_negative)
    tag_changes_per_second: float = attrs.field(default=0.0, validator=_non_negative)
    keys: KeySpec = attrs.field(factory=KeySpec)
    sizes: SizeSpec = attrs.field(factory=SizeSpec)
    tags: tuple[TagChoice, ...] = attrs.field(default=(), converter=_tag_choices)

    def __attrs_post_init__(self) -> None:
        if self.end_seconds <= self.start_seconds:
            msg = f"end ({self.end_seconds:g} s) must be after start ({self.start_seconds:g} s)"
            raise ValueError(msg)
        if sum(choice.probability for choice in self.tags) > 1.0 + 1e-9:
            msg = "the tag probabilities add up to more than 1"
            raise ValueError(msg)

    @property
    def rate(self) -> float:
        """Operations per second, every kind together."""
        return self.puts_per_second + self.deletes_per_second + self.tag_changes_per_second


#: Fault kinds, and the target field each needs.
FAULT_KINDS: Mapping[str, str | None] = {
    "region_outage": "region",
    "bucket_outage": "bucket",
    "flaky_destinations": None,
    "revoke_permission": "role",
    "delete_role": "role",
    "disable_kms_key": "kms_key",
    "suspend_versioning": "bucket",
}


@attrs.frozen(kw_only=True)
class Fault:
    """One entry of the fault timeline.

    Outages are the engine's transient faults (a :class:`~s3repl.FaultPlan` in force
    from ``start`` to ``end``: tasks stay ``PENDING`` and retry, R-124).  The others are
    ordinary engine calls at ``start`` (revoke a role's permission, delete the role,
    disable a KMS key, suspend versioning) undone at ``end`` when one is given.

    Attributes:
        name: where it came from, for example ``faults[1]``.
        kind: one of ``FAULT_KINDS``.
        start_seconds: when it begins.
        end_seconds: when it ends, or ``None`` (it lasts).
        region: the region of ``region_outage``.
        bucket: the bucket of ``bucket_outage`` and ``suspend_versioning``.
        role: the role ARN of ``revoke_permission`` and ``delete_role``.
        actions: the actions ``revoke_permission`` denies.
        kms_key: the key ARN of ``disable_kms_key``.
        rate: the chance that applying a task meets an outage (``flaky_destinations``).
    """

    name: str
    kind: str = attrs.field(validator=_one_of(*FAULT_KINDS))
    start_seconds: float = attrs.field(validator=_non_negative)
    end_seconds: float | None = None
    region: str | None = None
    bucket: str | None = None
    role: str | None = None
    actions: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    kms_key: str | None = None
    rate: float = 0.0

    def __attrs_post_init__(self) -> None:
        target = FAULT_KINDS[self.kind]
        if target is not None and getattr(self, target) is None:
            msg = f"a {self.kind} fault needs {target}"
            raise ValueError(msg)
        if self.end_seconds is not None and self.end_seconds <= self.start_seconds:
            msg = f"end ({self.end_seconds:g} s) must be after start ({self.start_seconds:g} s)"
            raise ValueError(msg)
        if self.kind in ("region_outage", "bucket_outage", "flaky_destinations") and (
            self.end_seconds is None
        ):
            msg = f"a {self.kind} needs an end"
            raise ValueError(msg)
        if self.kind == "flaky_destinations" and not 0.0 < self.rate <= 1.0:
            msg = f"rate must be within (0, 1], got {self.rate!r}"
            raise ValueError(msg)
        if self.kind == "revoke_permission" and not self.actions:
            msg = "revoke_permission needs actions (for example ['s3:ReplicateObject'])"
            raise ValueError(msg)

    @property
    def is_outage(self) -> bool:
        """Whether the fault is a transient outage (a FaultPlan), not an engine call."""
        return self.kind in ("region_outage", "bucket_outage", "flaky_destinations")


@attrs.frozen(kw_only=True)
class Measure:
    """What a run measures, and how finely.

    Attributes:
        resolution_seconds: the width of one time-series interval; the backlog is
            sampled at the end of each.
        rtc_threshold_seconds: the RTC threshold a replication must beat (R-129: 15
            minutes), counted on rules with Replication Time Control enabled.
        drain_seconds: simulated time after the workload stops during which due
            replication is still applied and measured.
    """

    resolution_seconds: float = attrs.field(default=10.0, validator=_positive)
    rtc_threshold_seconds: float = attrs.field(default=900.0, validator=_positive)
    drain_seconds: float = attrs.field(default=0.0, validator=_non_negative)


#: The most time-series intervals a run keeps (memory stays flat, issue 12).
SERIES_POINTS_MAX = 20_000


@attrs.frozen(kw_only=True)
class Scenario:
    """A simulation: a world, a workload over time, faults, latency and what to measure.

    Build one with :func:`s3repl.simulate.load_scenario` (from TOML) or directly.

    Attributes:
        name: a short name (reports and file names use it).
        description: free text.
        duration_seconds: how long the workload runs, in simulated seconds.
        world: the world description as world-file JSON text (see ``s3repl check
            --world``); the run's seed replaces its ``seed``.
        world_source: where the world came from (a path, or ``inline``), for messages.
        latency: the latency model, or ``None`` (tasks are due at once).
        streams: the workload.
        faults: the fault timeline.
        measure: what to measure.
    """

    name: str
    description: str = ""
    duration_seconds: float = attrs.field(validator=_positive)
    world: str
    world_source: str = "inline"
    latency: LatencyModel | None = None
    streams: tuple[Stream, ...] = attrs.field(default=(), converter=_streams)
    faults: tuple[Fault, ...] = attrs.field(default=(), converter=_faults)
    measure: Measure = attrs.field(factory=Measure)

    def __attrs_post_init__(self) -> None:
        points = math.ceil(
            (self.duration_seconds + self.measure.drain_seconds) / self.measure.resolution_seconds
        )
        if points > SERIES_POINTS_MAX:
            msg = (
                f"measure.resolution gives {points} intervals over the run; at most "
                f"{SERIES_POINTS_MAX}: choose a coarser resolution"
            )
            raise ValueError(msg)

    @property
    def end_seconds(self) -> float:
        """The simulated second the run stops at (the duration plus the drain)."""
        return self.duration_seconds + self.measure.drain_seconds
