"""The replication task queue and the engine's own state: ``peek`` is exact under every
order, ``pending`` is in application order, peeking never changes what a seed does, and
snapshots, forks and pickles carry the engine state by name (DESIGN, "Scheduling" and
promise 2, determinism)."""

from __future__ import annotations

import pickle
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from worlds import fan_out

from s3repl import Engine, World
from s3repl.engine import EngineState, FaultPlan
from s3repl.engine._queue import OrderPolicy, TaskQueue
from s3repl.errors import UnknownTaskError
from s3repl.model import ReplicationTask, StepResult, TaskKind


def two_way(seed: int, order: OrderPolicy) -> Engine:
    """``src`` replicating to ``dst`` and ``dst2``: every put queues two tasks."""
    return fan_out("dst", "dst2", seed=seed, order=order)


def in_order(tasks: tuple[ReplicationTask, ...]) -> tuple[ReplicationTask, ...]:
    return tuple(sorted(tasks, key=lambda task: (task.due_us, task.sequence)))


ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.sampled_from(["a", "b", "c"])),
        st.tuples(st.just("step"), st.none()),
        st.tuples(st.just("named"), st.integers(0, 50)),
        st.tuples(st.just("peek"), st.none()),
        st.tuples(st.just("delete"), st.sampled_from(["a", "b"])),
    ),
    max_size=40,
)


def play(
    seed: int, order: OrderPolicy, actions: list[tuple[str, Any]], *, outages: bool
) -> tuple[Engine, list[StepResult]]:
    """Play ``actions``; every unnamed step checks that ``peek()`` foretold its task."""
    eng = two_way(seed, order)
    if outages:  # retries wait a minute: tasks due later sit behind newer ones
        eng.set_faults(FaultPlan(outage_rate=0.3))
    applied: list[StepResult] = []
    for name, argument in actions:
        if name == "put":
            eng.put_object("src", argument, b"x")
        elif name == "delete":
            eng.delete_object("src", argument)
        elif name == "peek":
            eng.peek()
        elif not eng.pending():
            assert eng.peek() is None
        elif name == "step":
            foretold = eng.peek()
            result = eng.step()
            assert result.task == foretold
            applied.append(result)
        else:
            pending = eng.pending()
            applied.append(eng.step(pending[argument % len(pending)]))
        assert eng.pending() == in_order(eng.pending())
    return eng, applied


@given(
    seed=st.integers(0, 1_000),
    order=st.sampled_from(["fifo", "random"]),
    actions=ACTIONS,
    outages=st.booleans(),
)
def test_peek_is_what_the_next_step_applies(
    seed: int, order: OrderPolicy, actions: list[tuple[str, Any]], *, outages: bool
) -> None:
    """DESIGN (scheduling): ``peek()`` names the task the following ``step()`` applies,
    under FIFO and random order, with puts and named steps in between, and ``pending()``
    stays in (due time, sequence) order, retries included."""
    play(seed, order, actions, outages=outages)


@given(seed=st.integers(0, 1_000), actions=ACTIONS, outages=st.booleans())
def test_peeking_never_changes_what_a_seed_does(
    seed: int, actions: list[tuple[str, Any]], *, outages: bool
) -> None:
    """DESIGN promise 2: under random order, the same seed and calls apply the same tasks
    in the same order and leave the same objects whether or not anyone peeked."""
    quiet = [action for action in actions if action[0] != "peek"]
    peeked, applied_peeked = play(seed, "random", actions, outages=outages)
    plain, applied_plain = play(seed, "random", quiet, outages=outages)
    assert applied_peeked == applied_plain
    assert peeked.snapshot().objects == plain.snapshot().objects
    assert peeked.run() == plain.run()


def test_a_peeked_draw_survives_a_fork_a_snapshot_and_a_pickle() -> None:
    """DESIGN promise 2: the draw ``peek()`` takes under random order is engine state, so
    a fork, a restored snapshot and an unpickled engine step exactly as the original."""
    eng = two_way(3, "random")
    for key in "abcdef":
        eng.put_object("src", key, b"x")
    foretold = eng.peek()
    state = eng.snapshot().engine_state
    assert isinstance(state, EngineState)
    assert state.interleave_draw is not None
    copies = [eng.fork(), Engine.from_snapshot(eng.snapshot()), pickle.loads(pickle.dumps(eng))]
    expected = eng.run()
    assert expected[0].task == foretold
    for copy in copies:
        assert copy.run() == expected


def test_snapshots_carry_the_engine_state_by_name() -> None:
    """DESIGN (state): a snapshot holds the seed, order, fault plan, events, counters and
    the ids drawn ahead as named fields, and a restored engine hands out the same ids."""
    eng = two_way(5, "random")
    eng.set_faults(FaultPlan(unavailable_buckets={"nowhere"}))
    first = eng.put_object("src", "k", b"x")
    state = eng.snapshot().engine_state
    assert isinstance(state, EngineState)
    assert (state.seed, state.order) == (5, "random")
    assert state.faults == FaultPlan(unavailable_buckets={"nowhere"})
    assert first.version_id not in state.version_ids_ahead
    restored = Engine.from_snapshot(eng.snapshot())
    next_id = eng.put_object("src", "k", b"y").version_id
    assert next_id == state.version_ids_ahead[0]
    assert restored.put_object("src", "k", b"y").version_id == next_id
    assert restored.snapshot() == eng.snapshot()


def test_a_world_built_by_hand_starts_a_fresh_engine_state() -> None:
    """DESIGN (state): ``Engine.from_snapshot`` of a World without engine state starts
    with seed 0, FIFO order, no faults and no events, and still takes its queue."""
    task = ReplicationTask(
        source_bucket="src",
        destination_bucket="dst",
        key="k",
        version_id="v",
        rule_id="r",
        kind=TaskKind.OBJECT,
    )
    eng = Engine.from_snapshot(World(pending=(task,)))
    assert (eng.seed, eng.order, eng.faults) == (0, "fifo", FaultPlan.none())
    assert eng.events() == ()
    assert eng.pending() == (task,)
    assert eng.snapshot().engine_state == Engine(seed=0).snapshot().engine_state


# --- the queue alone ------------------------------------------------------------------


def task_at(due_us: int, sequence: int) -> ReplicationTask:
    return ReplicationTask(
        source_bucket="src",
        destination_bucket="dst",
        key=f"k{sequence}",
        version_id="null",
        rule_id="r",
        kind=TaskKind.OBJECT,
        due_us=due_us,
        sequence=sequence,
    )


QUEUE_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("push"), st.integers(0, 5)),
        st.tuples(st.just("pop"), st.none()),
        st.tuples(st.just("take"), st.integers(0, 200)),
        st.tuples(st.just("peek"), st.none()),
    ),
    max_size=300,
)


@given(order=st.sampled_from(["fifo", "random"]), ops=QUEUE_OPS, seed=st.integers(0, 99))
def test_the_queue_matches_a_sorted_reference(
    order: OrderPolicy, ops: list[tuple[str, int | None]], seed: int
) -> None:
    """DESIGN (scheduling): after any pushes (due times out of order included), pops
    and named takes, ``pending()`` equals the sorted reference, FIFO pops the smallest
    (due time, sequence), and ``peek()`` is what the next pop returns."""
    queue = TaskQueue(order=order, rng=random.Random(seed))
    reference: list[ReplicationTask] = []
    sequence = 0
    for name, argument in ops:
        if name == "push":
            assert argument is not None
            sequence += 1
            task = task_at(argument * 1_000, sequence)
            queue.push(task)
            reference.append(task)
        elif name == "peek":
            peeked = queue.peek()
            if order == "fifo" or not reference:
                assert peeked == (in_order(tuple(reference))[0] if reference else None)
            else:
                assert peeked in reference
        elif not reference:
            assert not queue
            with pytest.raises(IndexError):
                queue.pop()
        elif name == "pop":
            foretold = queue.peek()
            popped = queue.pop()
            assert popped == foretold
            if order == "fifo":
                assert popped == in_order(tuple(reference))[0]
            reference.remove(popped)
        else:
            assert argument is not None
            wanted = reference[argument % len(reference)]
            assert queue.take(wanted) is wanted
            reference.remove(wanted)
        assert queue.pending() == in_order(tuple(reference))
        assert list(queue) == list(queue.pending())
        assert len(queue) == len(reference)


def test_taking_a_task_that_is_not_queued_raises() -> None:
    """DESIGN (scheduling): a named step of a task that is not pending is a usage error,
    also when only its due time differs from a queued one."""
    queue = TaskQueue(order="fifo", rng=random.Random(0), tasks=[task_at(0, 1)])
    with pytest.raises(UnknownTaskError):
        queue.take(task_at(5, 1))
    with pytest.raises(UnknownTaskError):
        queue.take(task_at(0, 2))
    assert queue.pending() == (task_at(0, 1),)


def test_an_unpickled_engine_reads_its_own_writes_through_policy_view() -> None:
    """DESIGN (state): the read-only view policy reads is rebuilt after unpickling, so it
    shows the unpickled engine's later writes instead of a frozen copy of the old maps."""
    eng = two_way(1, "fifo")
    eng.put_object("src", "k", b"x")
    assert len(eng._world().versions("src", "k")) == 1  # the view exists when pickled
    copy = pickle.loads(pickle.dumps(eng))
    newer = copy.put_object("src", "k", b"y")
    assert copy._world().versions("src", "k")[0] == newer


@given(
    seed=st.integers(0, 2**16),
    order=st.sampled_from(["fifo", "random"]),
    keys=st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=12),
    outages=st.booleans(),
)
def test_run_applies_what_stepping_one_by_one_applies(
    seed: int, order: OrderPolicy, keys: list[str], *, outages: bool
) -> None:
    """DESIGN (scheduling, determinism): ``run()`` pops through the queue's own pop for
    its order (``TaskQueue.popper``) and applies, in the same order, exactly the steps
    that calling ``step()`` until nothing is pending applies, for a seed and under every
    order policy, retries included."""
    eng = two_way(seed, order)
    if outages:  # retries wait a minute: tasks due later sit behind newer ones
        eng.set_faults(FaultPlan(outage_rate=0.3))
    for key in keys:
        eng.put_object("src", key, b"x")
    stepped = eng.fork()
    one_by_one: list[StepResult] = []
    while stepped.pending():
        one_by_one.append(stepped.step())
    assert list(eng.run()) == one_by_one
    assert eng.snapshot() == stepped.snapshot()
