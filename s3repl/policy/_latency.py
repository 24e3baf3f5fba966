"""How long a replication task takes: the latency model's arithmetic (issue 12).

Theory of operation.  A task created at ``now`` for a destination bucket first waits
for the destination: each destination takes one operation at a time at its
throughput (``operations_per_second``) and bandwidth, so its work queues when it is
saturated ("busy until").  The slot starts at ``max(now, busy_until)`` and lasts
``max(size / bandwidth, 1 / operations_per_second)``; the replica lands after the
transfer (``size / bandwidth``) plus the route's base delay (by region pair: same
region, same continent, across oceans) times a heavy-tail factor.

Why the tail comes after the queue: a task drawn far out in the tail (S3's own retries,
a slow partition) must not hold the destination for the tasks behind it; only the
transfer occupies the destination.  The factor is a Pareto draw ``(1 - u) ** (-1 /
shape) >= 1`` from a uniform ``u`` in ``[0, 1)`` that the engine draws from its seeded
latency RNG, so the arithmetic here stays pure and every delay is at least the base.
"""

from __future__ import annotations

import attrs

from s3repl.model import FrozenMap
from s3repl.profile import LatencyModel

__all__ = [
    "TAIL_FACTOR_MAX",
    "Scheduled",
    "continent_of",
    "replication_delay",
    "route_base_seconds",
    "tail_factor",
]

_US = 1_000_000
#: The tail factor's ceiling, so that a tiny ``tail_shape`` never overflows.
TAIL_FACTOR_MAX = 1e6

# Region name prefixes by continent; the Australian regions are their own continent.
_CONTINENTS = FrozenMap(
    {
        "us": "north-america",
        "ca": "north-america",
        "mx": "north-america",
        "sa": "south-america",
        "eu": "europe",
        "il": "middle-east",
        "me": "middle-east",
        "af": "africa",
        "ap": "asia",
        "cn": "asia",
    }
)
_OCEANIA = frozenset({"ap-southeast-2", "ap-southeast-4"})


def continent_of(region: str) -> str:
    """The continent a region is on (``"north-america"``, ``"europe"``, ...)."""
    if region in _OCEANIA:
        return "oceania"
    prefix = region.split("-", 1)[0]
    return _CONTINENTS.get(prefix, prefix)


def route_base_seconds(model: LatencyModel, source_region: str, destination_region: str) -> float:
    """The base delay of a route: same region, same continent, or across oceans."""
    if source_region == destination_region:
        return model.same_region_seconds
    if continent_of(source_region) == continent_of(destination_region):
        return model.same_continent_seconds
    return model.across_oceans_seconds


def tail_factor(model: LatencyModel, draw: float) -> float:
    """The heavy-tail factor (>= 1) of a uniform ``draw`` in ``[0, 1)``; 1 with no tail."""
    if model.tail_shape is None:
        return 1.0
    try:
        factor = float((1.0 - draw) ** (-1.0 / model.tail_shape))
    except OverflowError:  # a tiny shape and a draw next to 1
        return TAIL_FACTOR_MAX
    return min(factor, TAIL_FACTOR_MAX)


@attrs.frozen(kw_only=True)
class Scheduled:
    """When a task is due, and until when its destination is busy.

    Attributes:
        due_us: when the replica lands (simulated microseconds).
        busy_until_us: when the destination can start its next operation.
    """

    due_us: int
    busy_until_us: int


def replication_delay(
    model: LatencyModel,
    *,
    source_region: str,
    destination_region: str,
    size: int,
    draw: float,
    now_us: int,
    busy_until_us: int,
    destination_bucket: str | None = None,
) -> Scheduled:
    """When a task created at ``now_us`` is due, and the destination's new busy time.

    Args:
        model: the latency parameters.
        source_region: the source bucket's region.
        destination_region: the destination bucket's region.
        size: the bytes the task copies (0 for delete markers and metadata).
        draw: a uniform draw in ``[0, 1)`` for the heavy tail (ignored without one).
        now_us: when the task is created.
        busy_until_us: until when the destination is busy with earlier work.
        destination_bucket: the destination's name, for its own limits
            (``LatencyModel.destinations``).
    """
    start = max(now_us, busy_until_us)
    if model.destinations and destination_bucket is not None:
        bandwidth, operations = model.limits_of(destination_bucket)
    else:
        bandwidth, operations = model.bandwidth_bytes_per_second, model.operations_per_second
    transfer = round(size * _US / bandwidth)
    slot = max(transfer, round(_US / operations))
    base = route_base_seconds(model, source_region, destination_region)
    delay = round(base * tail_factor(model, draw) * _US)
    return Scheduled(due_us=start + transfer + delay, busy_until_us=start + slot)
