"""The replication task queue: pending tasks in application order, and which one is next.

Theory of operation.  Tasks are applied in (due time, sequence) order.  The queue keeps
them in one list that is always sorted that way, so ``pending()``, ``peek()`` and
iteration never sort: a new task's key is almost always the largest (it is due now and
its sequence is the newest), so a push is an append; a retry, due later, waits at the
end.  The list holds the tasks themselves (a task carries its due time and sequence;
a ``(due, sequence, task)`` tuple per entry would be one more object per task for the
allocator and the garbage collector).  The next task under FIFO is the first live
entry: popping it moves a start offset instead of shifting the list, and the dead
prefix is dropped once it is the larger half (amortised O(1)).  A named task is found
by bisecting on its key.

Why a random draw is kept: under ``order="random"`` the next task is the entry at
``floor(draw * pending)``, where ``draw`` is the next ``random()`` of the engine's
interleaving RNG.  The draw does not depend on the queue, so ``peek()`` may take it
early and keep it for the ``step()`` that follows: the sequence of draws, hence of
applied tasks, is the same whether or not anyone peeked, and ``peek()`` is exact even
when tasks are pushed or taken by name in between (the kept draw is then applied to
the queue as it is at the step).  The kept draw is part of the engine's state.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable, Iterable, Iterator
from typing import Literal, cast

from s3repl.errors import UnknownTaskError
from s3repl.model import ReplicationTask

__all__ = ["OrderPolicy", "TaskQueue"]

#: How ``step()`` picks the next task: by (due time, sequence), or a seeded random one.
OrderPolicy = Literal["fifo", "random"]

# Popped entries in the dead prefix are overwritten with this, so they free their task
# (nothing reads an entry before the start).
_GONE = cast("ReplicationTask", None)
_COMPACT_AFTER = 64  # dead entries tolerated before the prefix may be dropped


class TaskQueue:
    """Pending replication tasks, ordered by (due time, sequence).

    Args:
        order: the order policy of :meth:`pop`.
        rng: the interleaving RNG ``"random"`` draws from (shared with the engine,
            whose snapshots carry its state).
        tasks: the tasks to start with, in any order.
        draw: a draw already taken from ``rng`` for the next pop (see the module
            header); ``None`` when none is kept.
    """

    __slots__ = ("_draw", "_entries", "_ordered", "_rng", "_start", "order")

    def __init__(
        self,
        *,
        order: OrderPolicy,
        rng: random.Random,
        tasks: Iterable[ReplicationTask] = (),
        draw: float | None = None,
    ) -> None:
        """Queue ``tasks`` (sorted once) under ``order``, drawing from ``rng``."""
        self.order: OrderPolicy = order
        self._rng = rng
        self._draw = draw
        entries = list(tasks)
        entries.sort(key=_key)
        self._entries: list[ReplicationTask] = entries
        self._start = 0
        self._ordered: tuple[ReplicationTask, ...] | None = None

    @property
    def draw(self) -> float | None:
        """The random draw kept for the next :meth:`pop`, if ``peek`` took one early."""
        return self._draw

    def __len__(self) -> int:
        """How many tasks are pending."""
        return len(self._entries) - self._start

    def __bool__(self) -> bool:
        """Whether any task is pending."""
        return len(self._entries) > self._start

    def __iter__(self) -> Iterator[ReplicationTask]:
        """The pending tasks in application order (a stable copy: O(pending))."""
        return iter(self.pending())

    def pending(self) -> tuple[ReplicationTask, ...]:
        """The pending tasks in application order: O(pending), cached until a change."""
        ordered = self._ordered
        if ordered is None:
            ordered = self._ordered = tuple(self._entries[self._start :])
        return ordered

    def push(self, task: ReplicationTask) -> None:
        """Queue ``task`` after every task due before it (ties: after equal keys)."""
        entries = self._entries
        due, sequence = task.due_us, task.sequence
        self._ordered = None
        if len(entries) > self._start:
            last = entries[-1]
            if last.due_us > due or (last.due_us == due and last.sequence > sequence):
                # Before a later task (a retry waiting, or a hand-built queue).
                at = bisect.bisect_left(entries, (due, sequence + 1), self._start, key=_key)
                entries.insert(at, task)
                return
        entries.append(task)

    def peek(self) -> ReplicationTask | None:
        """The task :meth:`pop` would return now, or ``None``; never changes what pops."""
        size = len(self._entries) - self._start
        if not size:
            return None
        return self._entries[self._next_index(size)]

    def pop(self) -> ReplicationTask:
        """Remove and return the next task under the order policy.

        Raises:
            IndexError: nothing is pending.
        """
        if self.order == "fifo":  # the hot path: one call
            return self._pop_first()
        size = len(self._entries) - self._start
        if not size:
            msg = "pop from an empty task queue"
            raise IndexError(msg)
        index = self._next_index(size)
        self._draw = None
        return self._remove(index)

    def popper(self) -> Callable[[], ReplicationTask]:
        """:meth:`pop`, for a caller that pops many tasks in a row (``Engine.run``).

        Under ``"fifo"`` it is the pop itself, one call less per task.
        """
        return self._pop_first if self.order == "fifo" else self.pop

    def has_due(self, until_us: int) -> bool:
        """Whether any task is due by ``until_us``."""
        entries, start = self._entries, self._start
        return len(entries) > start and entries[start].due_us <= until_us

    def pop_due(self, until_us: int) -> ReplicationTask | None:
        """Remove and return the next task due by ``until_us``, or ``None`` if none is.

        Under ``"fifo"`` the first task, if it is due; under ``"random"`` a seeded
        random one among the due tasks (a prefix of the list: it is sorted by due
        time), drawn as :meth:`pop` draws.
        """
        entries, start = self._entries, self._start
        if len(entries) == start or entries[start].due_us > until_us:
            return None
        if self.order == "fifo":
            return self._pop_first()
        due = bisect.bisect_right(entries, until_us, start, key=_due)
        draw = self._draw
        if draw is None:
            draw = self._rng.random()
        self._draw = None
        return self._remove(start + int(draw * (due - start)))

    def take(self, task: ReplicationTask) -> ReplicationTask:
        """Remove and return the pending task equal to ``task``.

        Raises:
            UnknownTaskError: no pending task equals ``task``.
        """
        entries = self._entries
        due, sequence = task.due_us, task.sequence
        first = bisect.bisect_left(entries, (due, sequence), self._start, key=_key)
        for index in range(first, len(entries)):
            queued = entries[index]
            if queued.due_us != due or queued.sequence != sequence:
                break
            if queued is task or queued == task:
                return self._remove(index)
        msg = f"task is not pending: {task!r}"
        raise UnknownTaskError(msg)

    def _next_index(self, size: int) -> int:
        """The list index of the next task (takes the random draw if none is kept)."""
        if self.order == "fifo":
            return self._start
        draw = self._draw
        if draw is None:
            draw = self._draw = self._rng.random()
        return self._start + int(draw * size)

    def _remove(self, index: int) -> ReplicationTask:
        if index == self._start:
            return self._pop_first()
        self._ordered = None
        return self._entries.pop(index)

    def _pop_first(self) -> ReplicationTask:
        """Remove the first live entry by moving the start (IndexError when none)."""
        entries = self._entries
        start = self._start
        task = entries[start]
        self._ordered = None
        entries[start] = _GONE
        start += 1
        if start > _COMPACT_AFTER and start * 2 > len(entries):
            del entries[:start]
            start = 0
        self._start = start
        return task


def _key(task: ReplicationTask) -> tuple[int, int]:
    return task.due_us, task.sequence


def _due(task: ReplicationTask) -> int:
    return task.due_us
