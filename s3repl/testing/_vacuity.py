"""Refuse checks that cannot judge anything: the setup checks of properties and runners.

A property check that names a bucket the world lacks, or a region none of its buckets is
in (or none of the buckets the runner writes to), passes (or fails) whatever the policy
does, so both runners
(:func:`~s3repl.testing.properties.check_policy` and
:func:`~s3repl.testing.machine.replication_machine`) call :func:`validate_check` before
searching, and the shipped properties call it before judging a state.  Why a module of
its own: the runners and the properties share it, and the properties module is near
its size limit.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from s3repl.world import World

if TYPE_CHECKING:
    from s3repl.testing.properties import PolicyProperty

__all__ = ["CheckSetupError", "validate_check"]


class CheckSetupError(ValueError):
    """A property check is set up so that it cannot judge the policy.

    Raised before any search: no property at all, a property naming a bucket that is
    not in the world or a region none of its buckets (or none the runner writes to) is
    in, a runner argument (or its default, which the message names) naming a bucket the
    world lacks.
    """


CheckSetupError.__module__ = "s3repl.testing.properties"  # where users import it from


def _close(name: str, known: Iterable[str]) -> str:
    """``", did you mean 'x'?"`` for a near miss among ``known``, else ``""``."""
    matches = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def _listed(what: str, names: Iterable[str]) -> str:
    shown = sorted(set(names))
    return f"its {what} are {shown}" if shown else f"it has no {what}"


def _missing_bucket(world: World, name: str, named_by: str, world_name: str) -> str | None:
    """The message for a bucket named by ``named_by`` that ``world`` lacks, else ``None``."""
    if name in world.buckets:
        return None
    return (
        f"{named_by} names bucket {name!r}, which is not in {world_name}"
        f"{_close(name, world.buckets)}; {_listed('buckets', world.buckets)}"
    )


def validate_check(
    world: World,
    properties: Sequence[PolicyProperty],
    *,
    buckets: Mapping[str, str] | None = None,
    world_name: str = "the world",
    writes_to: Sequence[str] = (),
    writer: str = "the workloads",
) -> None:
    """Raise :class:`CheckSetupError` if judging ``properties`` on ``world`` is meaningless.

    Every bucket a property names (its ``buckets``) and every bucket in ``buckets`` must
    be in ``world``, and every region a property names (its ``regions``) must hold at
    least one of the world's buckets.  If ``writes_to`` is given (the buckets the runner
    writes to, and nothing else), each region a property names must also hold one of them
    or a bucket with replication pending: otherwise nothing the runner does can put a
    new version there, and the property's verdict is the same for every run.  The first
    problem found is raised.

    Args:
        world: the world the runs start from.
        properties: the properties to judge.
        buckets: bucket name -> how the caller's arguments name it, as the message should
            say it (e.g. ``"source='src' (check_policy's default)"``).
        world_name: how the message names the world (e.g. ``"the default world"``).
        writes_to: the only buckets the runner writes to (default: not known).
        writer: how the message names what writes (e.g. ``"check_policy's workloads"``).

    Raises:
        CheckSetupError: naming the bucket or region, and listing the world's.
    """
    for name, named_by in (buckets or {}).items():
        problem = _missing_bucket(world, name, named_by, world_name)
        if problem is not None:
            raise CheckSetupError(problem)
    regions = {bucket.region for bucket in world.buckets.values()}
    for prop in properties:
        for name in prop.buckets:
            problem = _missing_bucket(world, name, repr(prop), world_name)
            if problem is not None:
                raise CheckSetupError(problem)
        for region in prop.regions:
            if region not in regions:
                msg = (
                    f"{prop!r} names region {region!r}, where {world_name} has no bucket, so "
                    f"it can never fail{_close(region, regions)}; {_listed('regions', regions)}"
                )
                raise CheckSetupError(msg)
            if writes_to:
                _require_writes(world, prop, region, writes_to, writer)


def _require_writes(
    world: World, prop: PolicyProperty, region: str, writes_to: Sequence[str], writer: str
) -> None:
    """Refuse a region that neither the runner's writes nor pending replication reach."""
    written = {world.buckets[name].region for name in writes_to if name in world.buckets}
    pending = {
        world.buckets[task.source_bucket].region
        for task in world.pending
        if task.source_bucket in world.buckets
    }
    if region in written or region in pending:
        return
    msg = (
        f"{prop!r} judges versions written in {region!r}, but {writer} write only to "
        f"{', '.join(map(repr, sorted(writes_to)))} (in {', '.join(sorted(written))}), so "
        f"no run can change whether it holds: write to a bucket in {region!r}, or name the "
        "region you write in"
    )
    raise CheckSetupError(msg)
