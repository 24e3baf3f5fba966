"""The replicator: the task queue, ``step``/``run``, and what applying a task writes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from s3repl import policy
from s3repl.engine._arguments import check_count, check_seconds
from s3repl.engine._core import EPOCH
from s3repl.engine._timing import _Timing, _with_due
from s3repl.engine.faults import FaultPlan
from s3repl.engine.results import ReplicationEvent, ReplicationMetrics
from s3repl.errors import (
    InvalidUsageError,
    NothingPendingError,
    StepLimitExceededError,
    UnknownTaskError,
)
from s3repl.model import (
    ObjectVersion,
    ReplicationStatus,
    ReplicationTask,
    StepResult,
    TaskKind,
)
from s3repl.model._fastbuild import new_step_result

if TYPE_CHECKING:
    from collections.abc import Callable

    from s3repl.world import Version

_NOTHING_DOWN: frozenset[str] = frozenset()
# Enum members read through their class cost a metaclass lookup; every step reads these.
_COMPLETED = ReplicationStatus.COMPLETED
_FAILED = ReplicationStatus.FAILED
_PENDING = ReplicationStatus.PENDING
_RETRY = policy.Verdict.RETRY
_FAILED_VERDICT = policy.Verdict.FAILED
_OBJECT = TaskKind.OBJECT
_BATCH = TaskKind.BATCH
_PLACE = policy.Write.PLACE
_REPLACE = policy.Write.REPLACE
_REMOVE = policy.Write.REMOVE
_AFTER_THRESHOLD = "OperationReplicatedAfterThreshold"


class _Replicator(_Timing):
    """The queue of replication tasks and the application of one task at a time."""

    if TYPE_CHECKING:  # implemented by the jobs (Batch Replication)
        _apply_job_task: Callable[[ReplicationTask, frozenset[str]], StepResult]

    def pending(self) -> tuple[ReplicationTask, ...]:
        """The queued tasks in application order (due time, then sequence)."""
        return self._queue.pending()

    def peek(self) -> ReplicationTask | None:
        """The task ``step()`` would apply next under the order policy, or ``None``.

        Peeking never changes what a seed does: under ``order="random"`` the draw it
        takes is kept for the next ``step()``.
        """
        return self._queue.peek()

    def events(self) -> tuple[ReplicationEvent, ...]:
        """The replication event notifications emitted so far (R-128..R-130)."""
        return tuple(self._events)

    def replication_metrics(self, bucket: str) -> tuple[ReplicationMetrics, ...]:
        """The replication metrics of a source bucket, one per rule and destination (R-131).

        Operations cover objects, delete markers and metadata changes alike.
        """
        source = self._bucket(bucket)
        rows: dict[tuple[str, str], list[int]] = {}
        if source.replication is not None:
            for rule in source.replication.rules:
                rows[(rule.id or "", rule.destination.bucket_name)] = [0, 0, 0]
        for task in self._queue:
            if task.source_bucket != bucket or task.kind is _BATCH:  # live only
                continue
            row = rows.setdefault((task.rule_id, task.destination_bucket), [0, 0, 0])
            version = self._store.find(bucket, task.key, task.version_id)
            row[0] += 1
            if isinstance(version, ObjectVersion) and task.kind is TaskKind.OBJECT:
                row[1] += version.size
            if version is not None:
                age_us = self._clock_us - round(
                    (version.last_modified - EPOCH).total_seconds() * 1e6
                )
                row[2] = max(row[2], age_us // 1_000_000)
        return tuple(
            ReplicationMetrics(
                source_bucket=bucket,
                rule_id=rule_id,
                destination_bucket=dest,
                operations_pending=pending,
                bytes_pending=size,
                replication_latency_seconds=latency,
                operations_failed=self._failed_operations.get((bucket, rule_id, dest), 0),
            )
            for (rule_id, dest), (pending, size, latency) in rows.items()
        )

    def set_faults(self, plan: FaultPlan) -> None:
        """Put a fault plan in force (``FaultPlan.none()`` switches faults off).

        Raises:
            InvalidUsageError: ``plan`` is not a :class:`FaultPlan` (nothing changes).
        """
        self.faults = plan  # the setter checks it first

    def step(self, task: ReplicationTask | None = None) -> StepResult:
        """Apply exactly one pending task (the next one, or the one named).

        Without a latency model the step takes its millisecond, and a retried task's
        due time if that is later; with one, the clock moves to the task's due time
        (never back) and RTC deadlines passed on the way are reported first, at theirs.

        Raises:
            NothingPendingError: nothing is pending.
            UnknownTaskError: ``task`` is not pending.
            InvalidUsageError: ``task`` is not a task.
        """
        given: object = task  # untyped callers pass anything
        if given is not None and not isinstance(given, ReplicationTask):
            msg = f"task must be a ReplicationTask or None, got {type(given).__name__}"
            raise InvalidUsageError(msg)
        queue = self._queue
        try:
            chosen = queue.pop() if task is None else queue.take(task)
        except (IndexError, UnknownTaskError):
            if queue:
                raise
            msg = "no replication task is pending"
            raise NothingPendingError(msg) from None
        return self._step_chosen(chosen)

    def _step_chosen(self, chosen: ReplicationTask) -> StepResult:
        """Move the clock to the task's time and apply it (already off the queue)."""
        if self._latency is not None:  # issue 12: time moves to the task's due time
            self._reach(chosen.due_us)
            if self._propagating:  # a step counts for R-052 as a tick does
                self._propagate()
        else:
            now = self._tick()
            if chosen.due_us > now:  # a retried task waits for its time (max() is a call)
                self._clock_us = chosen.due_us
        if chosen.kind is _BATCH:  # a Batch Replication job's task (s3repl.engine._jobs)
            down = _NOTHING_DOWN if self._faults_quiet else self._unavailable(chosen)
            return self._apply_job_task(chosen, down)
        # Ask policy once what the task does now, and write what it says.  Positionally:
        # on CPython 3.11 each keyword argument costs about 60 ns to bind.  The version
        # comes as stored, with the statuses recorded beside it (no copy with them).
        version, recorded = self._store.find_as_stored(
            chosen.source_bucket, chosen.key, chosen.version_id
        )
        applied = policy.apply(
            self._view or self._world(),  # the view is built once per change
            chosen,
            version,
            self._read_clock,  # clock
            self._clock_us,  # now_us
            _NOTHING_DOWN if self._faults_quiet else self._unavailable(chosen),  # unavailable
            chosen.sequence in self._missed_threshold,  # missed_reported
            self._caches,  # answers
            recorded,
        )
        return self._commit(chosen, applied, version)

    def run(self, *, steps_max: int = 100_000) -> tuple[StepResult, ...]:
        """Step until nothing is pending; at most ``steps_max`` steps.

        Raises:
            StepLimitExceededError: tasks are still pending after ``steps_max`` steps.
        """
        results: list[StepResult] = []
        queue = self._queue
        # step() without its frame: pop, then apply (step() adds only the checks of a
        # task named by the caller, and the error for an empty queue).
        keep, pop, apply_chosen = results.append, queue.popper(), self._step_chosen
        steps_left = check_count(steps_max, "steps_max")
        while queue:
            # Every task queued now is applied before the queue is asked again: each
            # step pops one, so the queue cannot run dry within the batch (and asking
            # it on every step would cost a call per step).  A Batch Replication step may
            # also take out the live task it did the work of: then the queue may run
            # dry early (pop raises IndexError), which ends the batch.
            batch = len(queue)
            done = len(results)
            for _ in range(min(batch, steps_left)):
                try:
                    chosen = pop()
                except IndexError:
                    break  # a job's step took a live task it did the work of (engine._jobs)
                keep(apply_chosen(chosen))
            else:
                if batch > steps_left:
                    msg = f"{len(queue)} tasks still pending after {steps_max} steps"
                    raise StepLimitExceededError(msg)
            steps_left -= len(results) - done
        return tuple(results)

    def _unavailable(self, task: ReplicationTask) -> frozenset[str]:
        """The buckets the fault plan takes down for this task (drawn from the fault RNG)."""
        plan = self.faults
        down = set(plan.unavailable_buckets)
        for name in (task.source_bucket, task.destination_bucket):
            bucket = self._buckets.get(name)
            if bucket is not None and bucket.region in plan.unavailable_regions:
                down.add(name)
        if plan.outage_rate and self._fault_rng.random() < plan.outage_rate:
            down.add(task.destination_bucket)
        return frozenset(down)

    def _commit(
        self, task: ReplicationTask, applied: policy.Applied, version: Version | None
    ) -> StepResult:
        """Write every effect of one step (the only way a step changes state).

        ``version`` is the source version ``applied`` was decided for: a replica that
        ``applied`` tells by its shape is that version's (built when first read).
        """
        verdict = applied.verdict
        if verdict is _RETRY:
            assert applied.retry_at_us is not None  # apply sets it for every retry
            self._queue.push(_with_due(task, applied.retry_at_us))
            return new_step_result(task, _PENDING)
        store = self._store
        write = applied.write
        if write is _PLACE:
            replica = applied.replica
            dest = applied.destination
            if replica is None:  # told by its shape: the version's, built when first read
                shape = applied.replica_shape
                assert shape is not None  # apply places a replica, never nothing
                assert type(version) is ObjectVersion  # only an object's replica has one
                store.place_replica_of(dest, task.key, version, shape, applied.by_source_time)
            else:
                store.place(dest, task.key, replica, applied.by_source_time)  # by source time
                if applied.reroutes:
                    self._enqueue(dest, replica, applied.reroutes, _OBJECT)
        elif write is _REPLACE:
            replica = applied.replica
            assert replica is not None  # as above
            store.replace(applied.destination, task.key, task.version_id, replica)
        elif write is _REMOVE:
            store.remove(applied.destination, task.key, task.version_id)
        source_statuses = applied.source_statuses
        if source_statuses is not None:
            store.record(task.source_bucket, task.key, task.version_id, source_statuses)
            if self._deferred_expirations:
                self._run_deferred_expiration(task.source_bucket, task.key, task.version_id)
        failures = applied.failures
        if failures:
            counter = (task.source_bucket, task.rule_id, task.destination_bucket)
            failed = self._failed_operations
            failed[counter] = failed.get(counter, 0) + len(failures)
        notifications = applied.notifications
        if notifications:
            for notification in notifications:
                if notification.kind == _AFTER_THRESHOLD:
                    self._missed_threshold.pop(task.sequence, None)
                self._emit(self._event(notification, task))
        if self._rtc_open:  # the task is done: its RTC deadline no longer matters
            self._rtc_open.pop(task.sequence, None)
        if self._recorder is not None:
            self._recorder.close(
                task.sequence,
                self._clock_us,
                replicated=verdict is not _FAILED_VERDICT,
                failed=len(failures),
            )
        if verdict is _FAILED_VERDICT:
            return new_step_result(task, _FAILED, applied.reason)
        return new_step_result(task, _COMPLETED)

    def _run_deferred_expiration(self, bucket: str, key: str, version_id: str) -> None:
        marker = (bucket, key, version_id)
        if marker not in self._deferred_expirations:
            return
        version = self._store.find(bucket, key, version_id)
        if version is not None and policy.lifecycle_may_expire(version):
            del self._deferred_expirations[marker]
            self.expire_object(bucket, key)

    def advance(self, *, seconds: float) -> tuple[StepResult, ...]:
        """Move the simulated clock forward by ``seconds``.

        RTC operations still pending when their 15 minutes run out are reported with
        ``OperationMissedThreshold`` events (R-129).  Under a latency model
        (``Profile.latency``) every task that falls due by then is applied, in time
        order, as :meth:`run_until` does; without one, only the clock moves (tasks wait
        for ``step()``/``run()``), as before issue 12.

        Returns:
            The steps applied, in order (none without a latency model).

        Raises:
            InvalidUsageError: ``seconds`` is negative, NaN, infinite or not a number
                (a ``ValueError``; the clock does not move).
        """
        seconds = check_seconds(seconds)
        if self._latency is not None:
            return self._run_until_us(self._clock_us + round(seconds * 1_000_000))
        self._clock_us += round(seconds * 1_000_000)
        self._scan_missed()
        return ()

    def _scan_missed(self) -> None:
        """Report every pending RTC task past its threshold now (no latency model)."""
        world, caches, now = self._world(), self._caches, self.now
        for task in self._queue:
            if task.sequence in self._missed_threshold or not caches.uses_rtc(
                world, task.source_bucket
            ):
                continue
            rule = caches.rule(world, task.source_bucket, task.rule_id)
            if not policy.rtc_applies(rule, task):
                continue
            version = self._store.find(task.source_bucket, task.key, task.version_id)
            if policy.rtc_late(rule, task, version, now):
                self._missed_threshold[task.sequence] = None
                self._emit(self._event(policy.MISSED_THRESHOLD, task))

    def _event(self, notification: policy.Notification, task: ReplicationTask) -> ReplicationEvent:
        """The event notification, with what every event carries (R-128..R-130)."""
        version = self._store.find(task.source_bucket, task.key, task.version_id)
        request_time = version.last_modified if version is not None else self.now
        operation = "OBJECT_DELETE" if task.kind is TaskKind.DELETE_MARKER else "OBJECT_PUT"
        return ReplicationEvent(
            event_name=f"Replication:{notification.kind}",
            event_time=self.now,
            source_bucket=task.source_bucket,
            key=task.key,
            version_id=task.version_id,
            rule_id=task.rule_id,
            destination_bucket=f"arn:aws:s3:::{task.destination_bucket}",
            s3_operation=operation,
            request_time=request_time,
            failure_reason=notification.failure_reason,
            threshold=notification.threshold,
            replication_time_seconds=notification.replication_time_seconds,
        )
