"""An exhaustive explorer of replication interleavings for small scenarios (R-141, R-143).

Theory of operation.  S3 promises no order between replication operations (R-141), so
a property of a replication setup holds only if it holds under *every* order in which
the pending :class:`~s3repl.ReplicationTask` values can be applied.  Given an
engine with pending tasks, :func:`explore` searches that space breadth first:

- A *state* is an engine.  Its successors are the engines obtained by forking it
  (``Engine.from_snapshot(world)``) and applying exactly one pending task with
  ``step(task)``; when fault choices are given, also by putting one of the given
  :class:`~s3repl.FaultPlan` values in force first.
- Tasks are tried in queue order (``ReplicationTask.order_key``) and fault plans in the
  order given, and the frontier is a FIFO queue, so the search is deterministic and the
  first violation found has a shortest schedule.
- Every checked state is new: two schedules that reach *equal* states (below) are
  merged, and the state is checked and expanded once.  The checks run in every state,
  the initial one and the terminal ones (nothing pending) included.
- The search stops at the first check that raises :class:`AssertionError`, and reports
  the schedule that led there as a :class:`Violation`; :func:`replay` re-applies it.
- It is bounded: at most ``states_max`` distinct states, and no schedule longer than
  ``depth_max``.  A search cut short by either bound, or by a violation, reports
  ``complete=False``.

When are two states equal?  Their :func:`state_key` values are equal, which holds when
they have

1. the same objects: every bucket's key -> version chain, compared value by value
   (version ids, creation times and sequences, bodies, tags, ACLs, per-destination
   statuses and failure reasons, and the chain order, which is what R-143 is about);
2. the same buckets (a propagating configuration change may alter one, R-052), the
   same configuration changes still propagating with the same steps left, and the same
   lifecycle expirations deferred behind a ``PENDING`` version (R-125);
3. the same pending tasks, as a multiset of what a task *does*: source, destination,
   key, version id, rule id, kind and whether it syncs a replica back.  A task's
   ``sequence`` is left out, and so is its ``due_us`` unless time matters (below).

And they may differ in the simulated clock, the tasks' due times and sequence numbers,
the engine's sequence counter and random number generators, the fault plan in force,
the event log and the failure counters behind ``replication_metrics``.  Why merging
such states loses no behaviour:

- *What a step does* reads the objects, the buckets (and the constant accounts, roles,
  KMS keys and bucket policies, which no step changes) and the task's identity (item
  3); the source version is looked up by id at the moment of applying, so two tasks
  that differ only in ``sequence`` (two tag changes of one version towards one
  destination) have the same effect and are interchangeable.  ``sequence`` only
  orders the FIFO queue, which the explorer does not use (it names the task);
  ``due_us`` orders it too, and moves the clock forward when a retried task is
  applied, which the next item covers.
- *The clock* advances one tick per step, so without retries it is the same in states
  that consumed the same tasks; a retry (a fault plan making a bucket unavailable)
  adds time and re-queues the task later, and leaving time out of the key makes it a
  loop back to the same state instead of an endless chain of new ones.  ``policy``
  decides on a world view without the clock; the engine reads the clock in a step only
  to stamp events, to schedule that retry, and to write it into the objects in two
  places: a destination's default Object Lock retention (the replica's
  retain-until date counts from its arrival, R-086) and a deferred lifecycle
  expiration (its delete marker's creation time).  When the world has either, the
  clock and the tasks' due times join the key, and merging is exact again.
- *The random number generators* are drawn during a step only for a deferred
  expiration's delete-marker id, which then lives in the objects (item 1), and for a
  fault plan's ``outage_rate``, which :func:`explore` refuses: enumerate outages with
  ``unavailable_buckets`` / ``unavailable_regions`` plans instead, and the explorer
  tries each of them at every step.  Tasks are named, so the interleaving generator is
  never drawn.  The sequence counter likewise moves only with a new delete marker.
- *The fault plan in force* is either the engine's own for the whole search (no fault
  choices given) or replaced before every step by the plan chosen for it.
- *The event log and the failure counters* are history: no step reads them.

So a check must be a predicate of the state (objects, buckets, pending tasks), which
is what the ``s3repl.testing`` invariants are.  A check that reads history (events,
metrics) sees the history of the first schedule that reached the state.

Cost: each transition forks the engine (``from_snapshot`` copies its dictionaries),
applies one task and snapshots the result, then hashes the objects into the key: about
0.3 ms per transition in a small world on an idle machine, more than half of it the
engine's own step.  Three keys replicated to two destinations with a tag change
pending (six independent tasks) is 64 states and 192 transitions, explored in about
60 ms.  ``n`` independent tasks make ``2**n`` states, so keep scenarios small, or
bound them with ``states_max``.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeAlias

import attrs

from s3repl.engine import Engine, FaultPlan
from s3repl.model import ReplicationTask
from s3repl.testing import invariants
from s3repl.world import World

__all__ = [
    "Check",
    "Exploration",
    "ScheduleItem",
    "Violation",
    "check_destination_current_matches_source",
    "explore",
    "replay",
    "state_key",
]

#: What ``checks=`` holds, each called with a state's snapshot and raising ``AssertionError``.
Check: TypeAlias = Callable[[World], object]
#: One step of a schedule, either a task to ``step()`` or a fault plan to put in force
#: before the next task (only when :func:`explore` was given fault choices).
ScheduleItem: TypeAlias = ReplicationTask | FaultPlan

# What a task does (see "When are two states equal?" in the module docstring).
_TaskIdentity: TypeAlias = tuple[str, str, str, str, str, str, bool, int | None]


@attrs.frozen(kw_only=True)
class Violation:
    """A schedule after which a check failed.

    Attributes:
        schedule: the steps from the explored engine to the violating state, in order;
            :func:`replay` applies them to (a fork of) that engine.  Without fault
            choices every item is a task; with them, a :class:`~s3repl.FaultPlan`
            item puts that plan in force for the tasks after it.
        error: what the check raised.
    """

    schedule: tuple[ScheduleItem, ...]
    error: AssertionError = attrs.field(eq=False)


@attrs.frozen(kw_only=True)
class Exploration:
    """What :func:`explore` found.

    Attributes:
        states: distinct states visited (and checked), the initial one included.
        terminal_states: visited states with nothing pending.
        transitions: steps applied, counting those that led back to a visited state.
            Of several pending tasks that do the same thing (they differ only in
            sequence and due time) only the first is tried.
        violation: the first violation found (a shortest schedule), or ``None``.
        complete: whether every reachable state was visited and checked: ``False``
            when ``states_max`` or ``depth_max`` cut the search short, or a violation
            stopped it.
    """

    states: int
    terminal_states: int
    transitions: int
    violation: Violation | None
    complete: bool


# --- checks -------------------------------------------------------------------------------


def _world_of(state: Engine | World) -> World:
    return state.snapshot() if isinstance(state, Engine) else state


def _routes(world: World) -> list[tuple[str, str]]:
    """(source, destination) bucket pairs named by the replication configurations."""
    pairs: dict[tuple[str, str], None] = {}
    for name in sorted(world.buckets):
        config = world.buckets[name].replication
        if config is None:
            continue
        for rule in config.rules:
            pairs[(name, rule.destination.bucket_name)] = None
    return list(pairs)


def check_destination_current_matches_source(state: Engine | World) -> None:
    """Check that each destination's current version is the source's newest replicated one.

    For every source bucket, every destination its configuration names and every key
    whose destination versions all came from that source: the destination's current
    version must be the newest (in source order) of the source versions that reached
    it.  This is R-143's ``source_timestamp`` model; under the ``arrival`` switch a
    late-arriving older version becomes current and breaks it.

    Args:
        state: an engine or a snapshot.

    Raises:
        AssertionError: a destination's current version is an older replica.
    """
    world = _world_of(state)
    for source, destination in _routes(world):
        keys = world.objects.get(destination)
        if not keys:
            continue
        for key in sorted(keys):
            replicas = world.versions(destination, key)
            at_source = world.versions(source, key)
            source_ids = {v.version_id for v in at_source}
            if not replicas or any(v.version_id not in source_ids for v in replicas):
                continue  # nothing replicated, or other writers too: not this check's case
            arrived = {v.version_id for v in replicas}
            newest = next(v for v in at_source if v.version_id in arrived)
            if replicas[0].version_id != newest.version_id:
                msg = (
                    f"R-143: {destination}/{key}: current version is "
                    f"{replicas[0].version_id!r}, but the newest version of {source}/{key} "
                    f"replicated there is {newest.version_id!r}"
                )
                raise AssertionError(msg)


def _default_checks() -> tuple[Check, ...]:
    return (invariants.check_all,)


# --- state keys ---------------------------------------------------------------------------


def _time_sensitive(engine: Engine, world: World) -> bool:
    """Whether a future step may write the clock into the objects (see the module doc)."""
    if world.deferred_expirations:
        return True
    return any(
        bucket.object_lock is not None and bucket.object_lock.default_retention is not None
        for bucket in world.buckets.values()
    )


def _identity(task: ReplicationTask, *, timed: bool) -> _TaskIdentity:
    return (
        task.source_bucket,
        task.destination_bucket,
        task.key,
        task.version_id,
        task.rule_id,
        task.kind.value,
        task.replica_modification,
        task.due_us if timed else None,
    )


def _key(engine: Engine, world: World) -> Hashable:
    timed = _time_sensitive(engine, world)
    return (
        world.objects,
        world.buckets,
        tuple(sorted(_identity(task, timed=timed) for task in world.pending)),
        tuple(sorted(world.deferred_expirations)),
        tuple(sorted(world.propagating, key=lambda item: item[0])),
        world.clock_us if timed else None,
    )


def state_key(engine: Engine) -> Hashable:
    """Return the key under which :func:`explore` merges states.

    Two engines with equal keys are equal states for the explorer; the module
    documentation says what the key holds, what it leaves out, and why that is sound.

    Args:
        engine: the engine (it is not changed).
    """
    return _key(engine, engine.snapshot())


# --- the search ---------------------------------------------------------------------------


def _check(checks: Sequence[Check], world: World) -> AssertionError | None:
    for check in checks:
        try:
            check(world)
        except AssertionError as error:
            return error
    return None


def _schedule(
    parents: dict[Hashable, tuple[Hashable | None, tuple[ScheduleItem, ...]]],
    key: Hashable,
    initial_plan: FaultPlan,
) -> tuple[ScheduleItem, ...]:
    """Walk the parent links back to the initial state; drop plan items already in force."""
    edges: list[tuple[ScheduleItem, ...]] = []
    cursor: Hashable | None = key
    for _ in range(len(parents)):  # a parent chain is never longer than the state count
        if cursor is None:
            break
        parent, items = parents[cursor]
        edges.append(items)
        cursor = parent
    schedule: list[ScheduleItem] = []
    in_force = initial_plan
    for items in reversed(edges):
        for item in items:
            if isinstance(item, FaultPlan):
                if item == in_force:
                    continue
                in_force = item
            schedule.append(item)
    return tuple(schedule)


def _choices(
    world: World, plans: tuple[FaultPlan | None, ...], *, timed: bool
) -> list[tuple[FaultPlan | None, ReplicationTask]]:
    """The (plan, task) pairs to try from ``world``: one task per distinct identity."""
    tasks: dict[_TaskIdentity, ReplicationTask] = {}
    for task in sorted(world.pending, key=lambda t: t.order_key):
        tasks.setdefault(_identity(task, timed=timed), task)
    return [(plan, task) for plan in plans for task in tasks.values()]


def explore(
    engine: Engine,
    *,
    checks: Iterable[Check] | None = None,
    faults: Iterable[FaultPlan] = (),
    states_max: int = 100_000,
    depth_max: int | None = None,
) -> Exploration:
    """Apply the pending tasks in every order, checking every state reached.

    The engine itself is not changed: the search starts from a fork of it.

    Args:
        engine: the starting state, with the tasks to interleave pending.
        checks: callables given each state's :class:`~s3repl.World` snapshot,
            raising :class:`AssertionError` when something is wrong; ``None`` means
            the whole-world safety invariants, ``s3repl.testing.invariants.check_all``.
        faults: fault plans to choose from before every step (each is tried at every
            step); empty keeps the engine's own plan for the whole search.
        states_max: the most distinct states to visit (at least 1).
        depth_max: the longest schedule to explore, or ``None`` for no limit.

    Returns:
        The counts, the first violation (with a shortest schedule) and whether the
        search was complete.

    Raises:
        ValueError: a bound is out of range, or a fault plan has an ``outage_rate``
            (a random outcome cannot be enumerated).
    """
    if states_max < 1:
        msg = f"states_max must be >= 1, got {states_max}"
        raise ValueError(msg)
    if depth_max is not None and depth_max < 0:
        msg = f"depth_max must be >= 0 or None, got {depth_max}"
        raise ValueError(msg)
    plans: tuple[FaultPlan | None, ...] = tuple(faults) or (None,)
    in_force = [engine.faults] if plans == (None,) else [p for p in plans if p is not None]
    if any(plan.outage_rate for plan in in_force):
        msg = (
            "explore() cannot enumerate a fault plan with an outage_rate (its outcome is "
            "random); list the outages as plans with unavailable_buckets/regions instead"
        )
        raise ValueError(msg)
    check_list = _default_checks() if checks is None else tuple(checks)
    factory = type(engine)

    root = engine.fork()
    root_world = root.snapshot()
    root_key = _key(root, root_world)
    parents: dict[Hashable, tuple[Hashable | None, tuple[ScheduleItem, ...]]] = {
        root_key: (None, ())
    }
    terminal = 0 if root_world.pending else 1
    transitions = 0

    def result(violation: Violation | None, *, complete: bool) -> Exploration:
        return Exploration(
            states=len(parents),
            terminal_states=terminal,
            transitions=transitions,
            violation=violation,
            complete=complete,
        )

    def violated(key: Hashable, error: AssertionError) -> Exploration:
        schedule = _schedule(parents, key, engine.faults)
        return result(Violation(schedule=schedule, error=error), complete=False)

    error = _check(check_list, root_world)
    if error is not None:
        return violated(root_key, error)
    complete = True
    frontier: collections.deque[tuple[Hashable, World, bool, int]] = collections.deque(
        [(root_key, root_world, _time_sensitive(root, root_world), 0)]
    )
    # Bounded: every state enters the frontier once, and there are at most states_max.
    while frontier:
        key, world, timed, depth = frontier.popleft()
        if not world.pending:
            continue
        if depth_max is not None and depth >= depth_max:
            complete = False
            continue
        for plan, task in _choices(world, plans, timed=timed):
            child = factory.from_snapshot(world)
            if plan is not None:
                child.set_faults(plan)
            items: tuple[ScheduleItem, ...] = (task,) if plan is None else (plan, task)
            try:
                child.step(task)
            except Exception as exc:
                schedule = (*_schedule(parents, key, engine.faults), *items)
                exc.add_note(f"explore(): raised by the schedule {schedule!r}")
                raise
            transitions += 1
            child_world = child.snapshot()
            child_key = _key(child, child_world)
            if child_key in parents:
                continue
            if len(parents) >= states_max:
                return result(None, complete=False)
            parents[child_key] = (key, items)
            if not child_world.pending:
                terminal += 1
            error = _check(check_list, child_world)
            if error is not None:
                return violated(child_key, error)
            frontier.append(
                (child_key, child_world, _time_sensitive(child, child_world), depth + 1)
            )
    return result(None, complete=complete)


def replay(engine: Engine, schedule: Iterable[ScheduleItem]) -> Engine:
    """Apply a schedule (for example a :class:`Violation`'s) to a fork of ``engine``.

    Args:
        engine: the engine the schedule starts from (it is not changed).
        schedule: tasks to ``step()`` and fault plans to put in force, in order.

    Returns:
        The fork, in the state the schedule leads to.

    Raises:
        s3repl.UnknownTaskError: a task of the schedule is not pending when its turn comes.
    """
    fork = engine.fork()
    for item in schedule:
        if isinstance(item, FaultPlan):
            fork.set_faults(item)
        else:
            fork.step(item)
    return fork
