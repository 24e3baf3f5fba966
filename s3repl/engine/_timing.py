"""Simulated time under a latency model: when tasks are due, ``run_until``, RTC deadlines.

Theory of operation (issue 12).  Without a latency model (``Profile.latency is None``)
a task is due when it is created and the clock moves only with API calls, steps and
``advance``.  With one, ``_schedule`` is the one place a new task's due time comes
from: it asks ``policy.replication_delay`` (the arithmetic) with a draw from the
engine's latency RNG and the destination's "busy until" (the throughput queue), and
keeps the destination's new busy time.  A step then moves the clock to the task's
due time (never back), and ``run_until`` applies, in (due time, sequence) order,
every task due by a time, and leaves the clock there.

RTC deadlines (R-129): each RTC task is watched from its creation; its deadline (the
source's time plus 15 minutes) sits in a heap, so reporting ``OperationMissedThreshold``
costs O(log n) per RTC task instead of a scan of the queue at every ``advance``.  A
deadline is reported, at its own time, before any step that moves the clock past it;
policy (``rtc_late``) still judges whether the task is late.
"""

from __future__ import annotations

import datetime as dt
import heapq
from typing import TYPE_CHECKING

from s3repl import policy
from s3repl.engine._arguments import check_count
from s3repl.engine._core import EPOCH, _EngineCore
from s3repl.engine.results import ReplicationEvent
from s3repl.errors import InvalidUsageError, StepLimitExceededError
from s3repl.model import ObjectVersion, ReplicationTask, StepResult, TaskKind
from s3repl.model._fastbuild import new_task
from s3repl.world import Version

__all__: list[str] = []

_THRESHOLD_US = policy.RTC_THRESHOLD_MINUTES * 60 * 1_000_000
_MICROSECOND = dt.timedelta(microseconds=1)
_OBJECT = TaskKind.OBJECT
#: ``run_until``'s default bound on steps (every loop is bounded).
RUN_UNTIL_STEPS_MAX = 10_000_000


def _us(when: dt.datetime) -> int:
    return (when - EPOCH) // _MICROSECOND


def _with_due(task: ReplicationTask, due_us: int) -> ReplicationTask:
    """``task`` due at ``due_us``, by the fast builder (no second validation).

    ``attrs.evolve`` would validate every field again: the bucket names' checks cost
    most of a retry.
    """
    return new_task(
        task.source_bucket,
        task.destination_bucket,
        task.key,
        task.version_id,
        task.rule_id,
        task.kind,
        due_us,
        task.sequence,
        task.replica_modification,
    )


class _Timing(_EngineCore):
    """Due times from the latency model, ``run_until``, and the RTC deadline watch."""

    if TYPE_CHECKING:  # implemented by the replicator

        def _step_chosen(self, chosen: ReplicationTask) -> StepResult: ...

        def _scan_missed(self) -> None: ...

        def _event(
            self, notification: policy.Notification, task: ReplicationTask
        ) -> ReplicationEvent: ...

    def _schedule(self, task: ReplicationTask, version: Version) -> ReplicationTask:
        """``task``, due when the latency model says; the destination's queue advances."""
        model = self._latency
        assert model is not None  # _enqueue asks only under a latency model
        buckets = self._buckets
        source = buckets.get(task.source_bucket)
        source_region = "us-east-1" if source is None else source.region
        destination = buckets.get(task.destination_bucket)
        size = version.size if task.kind is _OBJECT and type(version) is ObjectVersion else 0
        scheduled = policy.replication_delay(
            model,
            source_region=source_region,
            destination_region=source_region if destination is None else destination.region,
            size=size,
            draw=0.0 if model.tail_shape is None else self._latency_rng.random(),
            now_us=self._clock_us,
            busy_until_us=self._busy_until.get(task.destination_bucket, 0),
            destination_bucket=task.destination_bucket,
        )
        self._busy_until[task.destination_bucket] = scheduled.busy_until_us
        self._watch_rtc(task, version)
        return _with_due(task, scheduled.due_us)

    def _watch_rtc(self, task: ReplicationTask, version: Version) -> None:
        """Keep the task's RTC deadline if the threshold covers it (R-129, R-132)."""
        world, caches = self._world(), self._caches
        if not caches.uses_rtc(world, task.source_bucket):
            return
        if not policy.rtc_applies(caches.rule(world, task.source_bucket, task.rule_id), task):
            return
        deadline = _us(version.last_modified) + _THRESHOLD_US + 1  # late: strictly after
        heapq.heappush(self._rtc_deadlines, (deadline, task.sequence))
        self._rtc_open[task.sequence] = task

    def _reach(self, until_us: int) -> None:
        """Move the clock forward to ``until_us`` (never back), reporting RTC deadlines."""
        if self._rtc_deadlines and self._rtc_deadlines[0][0] <= until_us:
            self._report_missed(until_us)
        if until_us > self._clock_us:
            self._clock_us = until_us

    def _report_missed(self, until_us: int) -> None:
        """Report ``OperationMissedThreshold`` for RTC tasks still open at their deadline."""
        heap, open_tasks = self._rtc_deadlines, self._rtc_open
        while heap and heap[0][0] <= until_us:
            deadline, sequence = heapq.heappop(heap)
            task = open_tasks.get(sequence)
            if task is None or sequence in self._missed_threshold:
                continue
            if deadline > self._clock_us:
                self._clock_us = deadline
            world, caches = self._world(), self._caches
            rule = caches.rule(world, task.source_bucket, task.rule_id)
            version = self._store.find(task.source_bucket, task.key, task.version_id)
            if policy.rtc_late(rule, task, version, self.now):
                self._missed_threshold[sequence] = None
                self._emit(self._event(policy.MISSED_THRESHOLD, task))

    def run_until(
        self, when: dt.datetime, *, steps_max: int = RUN_UNTIL_STEPS_MAX
    ) -> tuple[StepResult, ...]:
        """Apply every task due by ``when``, in order, then leave the clock at ``when``.

        Under a latency model each step moves the clock to its task's due time and RTC
        operations still pending at their threshold are reported on the way, at their
        own time (R-129).  Without one every step still takes its millisecond, so many
        steps may carry the clock past ``when``; pending RTC operations are checked at
        the end, as :meth:`advance` checks them.  Under ``order="random"`` the next task
        is a seeded random one among those due.  A ``when`` in the past applies what is
        already due and leaves the clock where it is.

        Args:
            when: an aware datetime (simulated time, see ``EPOCH``).
            steps_max: at most this many steps.

        Returns:
            The steps applied, in order.

        Raises:
            InvalidUsageError: (a ``ValueError``) ``when`` is naive or not a datetime,
                or ``steps_max`` is not a count.
            StepLimitExceededError: tasks due by ``when`` remain after ``steps_max``.
        """
        given: object = when  # untyped callers pass anything: never repr() it
        if not isinstance(given, dt.datetime):
            msg = f"when must be an aware datetime, got {type(given).__name__}"
            raise InvalidUsageError(msg)
        if when.tzinfo is None or when.utcoffset() is None:
            msg = f"when must be an aware datetime, got {when!r}"
            raise InvalidUsageError(msg)
        check_count(steps_max, "steps_max")
        return self._run_until_us(_us(when), steps_max=steps_max)

    def _run_until_us(
        self, until_us: int, *, steps_max: int = RUN_UNTIL_STEPS_MAX
    ) -> tuple[StepResult, ...]:
        results: list[StepResult] = []
        keep, take, apply = results.append, self._queue.pop_due, self._step_chosen
        for _ in range(steps_max):
            chosen = take(until_us)
            if chosen is None:
                break
            keep(apply(chosen))
        else:
            if self._queue.has_due(until_us):
                msg = f"tasks due by then still pending after {steps_max} steps"
                raise StepLimitExceededError(msg)
        if self._latency is not None:
            self._reach(until_us)
        else:
            self._clock_us = max(self._clock_us, until_us)
            self._scan_missed()
        return tuple(results)
