"""The replicator: the task queue, ``step``/``run``, and what applying a task writes."""

from __future__ import annotations

from typing import Any

import attrs

from s3repl import policy
from s3repl.engine._core import (
    _RETRY_US,
    _RTC_THRESHOLD_US,
    EPOCH,
    _EngineCore,
)
from s3repl.engine.faults import FaultPlan
from s3repl.engine.results import ReplicationEvent, ReplicationMetrics
from s3repl.errors import (
    NothingPendingError,
    StepLimitExceededError,
    UnknownTaskError,
)
from s3repl.model import (
    DeleteMarker,
    FailureReason,
    ObjectVersion,
    ReplicationRule,
    ReplicationStatus,
    ReplicationTask,
    StepResult,
    TaskKind,
)
from s3repl.model.tasks import new_step_result
from s3repl.world import Version

_NOTHING_DOWN: frozenset[str] = frozenset()
# Enum members read through their class cost a metaclass lookup; every step reads these.
_COMPLETED = ReplicationStatus.COMPLETED
_FAILED = ReplicationStatus.FAILED
_RETRY = policy.Verdict.RETRY
_FAILED_VERDICT = policy.Verdict.FAILED
_OBJECT = TaskKind.OBJECT
_METADATA = TaskKind.METADATA
_VERSION_DELETE = TaskKind.VERSION_DELETE


class _Replicator(_EngineCore):
    """The queue of replication tasks and the application of one task at a time."""

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
            if task.source_bucket != bucket:
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
        """Put a fault plan in force (``FaultPlan.none()`` switches faults off)."""
        self.faults = plan

    def step(self, task: ReplicationTask | None = None) -> StepResult:
        """Apply exactly one pending task (the next one, or the one named).

        Raises:
            NothingPendingError: nothing is pending.
            UnknownTaskError: ``task`` is not pending.
        """
        queue = self._queue
        try:
            chosen = queue.pop() if task is None else queue.take(task)
        except (IndexError, UnknownTaskError):
            if queue:
                raise
            msg = "no replication task is pending"
            raise NothingPendingError(msg) from None
        now = self._tick()
        if chosen.due_us > now:  # a retried task waits for its time (max() is a call)
            self._clock_us = chosen.due_us
        return self._apply(chosen)

    def run(self, *, steps_max: int = 100_000) -> tuple[StepResult, ...]:
        """Step until nothing is pending; at most ``steps_max`` steps.

        Raises:
            StepLimitExceededError: tasks are still pending after ``steps_max`` steps.
        """
        results: list[StepResult] = []
        keep, step, queue = results.append, self.step, self._queue
        for _ in range(steps_max):
            if not queue:
                return tuple(results)
            keep(step())
        if queue:
            msg = f"{len(self._queue)} tasks still pending after {steps_max} steps"
            raise StepLimitExceededError(msg)
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

    def _apply(self, task: ReplicationTask) -> StepResult:
        head = self._store.head(task.source_bucket, task.key)
        if head is None or head.version_id != task.version_id:
            version = self._store.find(task.source_bucket, task.key, task.version_id)
        else:
            version = head  # the usual case: the key's head, no walk
            plan = (
                policy.object_plan(self._world(), task, version)
                if self._faults_quiet and self._plans
                else None
            )
            if plan is not None:
                # Planned: the general path's writes, in its order, with its decisions
                # already taken: the replica, then the source's status.  (A plan exists
                # only for an ObjectVersion, which mypy cannot see: hence the ignores.)
                dest = plan.destination
                replica = plan.replica.build(version, self._read_clock)  # type: ignore[arg-type]
                self._store.place(dest.name, task.key, replica, by_source_time=plan.by_source_time)
                self._store.replace(
                    task.source_bucket,
                    task.key,
                    task.version_id,
                    plan.completed(version),  # type: ignore[arg-type]
                )
                if self._deferred_expirations:
                    self._run_deferred_expiration(task.source_bucket, task.key, task.version_id)
                return new_step_result(task, _COMPLETED)
        unavailable = _NOTHING_DOWN if self._faults_quiet else self._unavailable(task)
        outcome = policy.apply_outcome(self._world(), task, version, unavailable)
        verdict = outcome.verdict
        if verdict is _RETRY:
            retry = attrs.evolve(task, due_us=self._clock_us + _RETRY_US)
            self._push_task(retry)
            return new_step_result(task, ReplicationStatus.PENDING)
        if verdict is _FAILED_VERDICT:
            self._record(task, _FAILED, outcome.reason, version)
            self._count_failure(task, outcome.reason)
            return new_step_result(task, _FAILED, outcome.reason)
        if task.kind is _VERSION_DELETE:
            self._delete_replica(task)
            return new_step_result(task, _COMPLETED)
        assert version is not None
        rule = self._rule(task)
        self._write_replica(task, version, rule, drop_tags=outcome.drop_tags)
        self._record(task, _COMPLETED, None, version)
        if outcome.metadata_failure is not None:
            self._count_failure(task, outcome.metadata_failure)
        if policy.rtc_applies(rule, task):
            self._emit_threshold(task)
        return new_step_result(task, _COMPLETED)

    def _count_failure(self, task: ReplicationTask, reason: FailureReason | None) -> None:
        """Count a failed operation in the metrics (R-131) and send its event (R-129)."""
        counter = (task.source_bucket, task.rule_id, task.destination_bucket)
        self._failed_operations[counter] = self._failed_operations.get(counter, 0) + 1
        self._emit_failure(task, reason)

    def _delete_replica(self, task: ReplicationTask) -> None:
        """Apply a routed delete by version id (only a broken policy routes one, R-103)."""
        self._store.remove(task.destination_bucket, task.key, task.version_id)

    def _write_replica(
        self,
        task: ReplicationTask,
        version: Version,
        rule: ReplicationRule | None,
        *,
        drop_tags: bool,
    ) -> None:
        world = self._world()
        dest = self._buckets[task.destination_bucket]
        if task.kind is _METADATA:
            assert isinstance(version, ObjectVersion)
            self._store.change(
                dest.name,
                task.key,
                task.version_id,
                lambda old: (
                    policy.metadata_update(old, version, drop_tags=drop_tags)
                    if isinstance(old, ObjectVersion)
                    else old
                ),
            )
            return
        replica: Version
        if isinstance(version, DeleteMarker):
            replica = policy.build_marker_replica(version)
        else:
            replica = policy.build_replica(
                world, version, rule, dest, self._read_clock, drop_tags=drop_tags
            )
        self._store.place(
            dest.name,
            task.key,
            replica,
            by_source_time=policy.orders_by_source_time(self.profile),
        )
        if isinstance(replica, ObjectVersion):
            # policy answers "nowhere" for replicas; asking keeps it the judge.
            routes = policy.route_object(world, dest.name, replica)
            if routes:
                self._enqueue(dest.name, replica, routes, _OBJECT)

    def _record(
        self,
        task: ReplicationTask,
        status: ReplicationStatus,
        reason: FailureReason | None,
        version: Version | None,
    ) -> None:
        """Record a destination's outcome on the source version and re-aggregate (R-123).

        ``version`` is the source version the task was applied to (``None`` if gone).
        """
        if version is None or not policy.outcome_changes_status(task):
            return
        if self._store.head(task.source_bucket, task.key) is None:
            return

        def change(current: Version) -> Version:
            return policy.version_after_outcome(
                current,
                task.destination_bucket,
                status,
                reason,
                replica_sync=task.replica_modification,
            )

        self._store.change(task.source_bucket, task.key, task.version_id, change)
        if self._deferred_expirations:
            self._run_deferred_expiration(task.source_bucket, task.key, task.version_id)

    def _run_deferred_expiration(self, bucket: str, key: str, version_id: str) -> None:
        marker = (bucket, key, version_id)
        if marker not in self._deferred_expirations:
            return
        version = self._store.find(bucket, key, version_id)
        if version is not None and policy.lifecycle_may_expire(version):
            del self._deferred_expirations[marker]
            self.expire_object(bucket, key)

    def _rule(self, task: ReplicationTask) -> ReplicationRule | None:
        """The rule the task was routed by, if the source's configuration still has it."""
        memo = self._world().memo
        memo_key = ("rule", task.source_bucket, task.rule_id)
        if memo_key in memo:
            return memo[memo_key]  # type: ignore[return-value]
        source = self._buckets.get(task.source_bucket)
        rule = None
        if source is not None and source.replication is not None:
            rule = next((r for r in source.replication.rules if r.id == task.rule_id), None)
        memo[memo_key] = rule
        return rule

    def _emit_failure(self, task: ReplicationTask, reason: FailureReason | None) -> None:
        if not policy.sends_failure_events(self._rule(task)):
            return
        self._events.append(self._event("OperationFailedReplication", task, failure_reason=reason))

    def advance(self, *, seconds: float) -> None:
        """Move the simulated clock forward by ``seconds``.

        RTC operations still pending when their 15 minutes run out are reported with
        ``OperationMissedThreshold`` events (R-129).
        """
        if seconds < 0:
            msg = "seconds must be >= 0"
            raise ValueError(msg)
        self._clock_us += round(seconds * 1_000_000)
        for task in self._queue:
            version = self._late_rtc_version(task)
            if version is not None and task.sequence not in self._missed_threshold:
                self._missed_threshold[task.sequence] = None
                self._events.append(self._event("OperationMissedThreshold", task, threshold=15))

    def _late_rtc_version(self, task: ReplicationTask) -> Version | None:
        """The task's version if its rule has RTC on and 15 minutes have passed (R-132)."""
        if not self._uses_rtc(task.source_bucket):
            return None
        if not policy.rtc_applies(self._rule(task), task):
            return None
        version = self._store.find(task.source_bucket, task.key, task.version_id)
        if version is None or self._age_us(version) <= _RTC_THRESHOLD_US:
            return None
        return version

    def _uses_rtc(self, bucket: str) -> bool:
        """Whether any rule of the bucket's configuration has RTC enabled (memoised)."""
        memo = self._world().memo
        memo_key = ("rtc", bucket)
        cached = memo.get(memo_key)
        if cached is None:
            source = self._buckets.get(bucket)
            config = None if source is None else source.replication
            cached = memo[memo_key] = config is not None and any(
                policy.rtc_enabled(rule) for rule in config.rules
            )
        return cached is True

    def _age_us(self, version: Version) -> int:
        return self._clock_us - round((version.last_modified - EPOCH).total_seconds() * 1e6)

    def _emit_threshold(self, task: ReplicationTask) -> None:
        version = self._late_rtc_version(task)
        if version is None:
            return
        if self._missed_threshold.pop(task.sequence, "unreported") is not None:
            self._events.append(self._event("OperationMissedThreshold", task, threshold=15))
        self._events.append(
            self._event(
                "OperationReplicatedAfterThreshold",
                task,
                threshold=15,
                replication_time_seconds=self._age_us(version) // 1_000_000,
            )
        )

    def _event(self, name: str, task: ReplicationTask, **fields: Any) -> ReplicationEvent:
        version = self._store.find(task.source_bucket, task.key, task.version_id)
        request_time = version.last_modified if version is not None else self.now
        operation = "OBJECT_DELETE" if task.kind is TaskKind.DELETE_MARKER else "OBJECT_PUT"
        return ReplicationEvent(
            event_name=f"Replication:{name}",
            event_time=self.now,
            source_bucket=task.source_bucket,
            key=task.key,
            version_id=task.version_id,
            rule_id=task.rule_id,
            destination_bucket=f"arn:aws:s3:::{task.destination_bucket}",
            s3_operation=operation,
            request_time=request_time,
            **fields,
        )
