"""One seeded run: drive an engine through a scenario's workload and faults, measuring.

Theory of operation.  The run builds the scenario's world in a fresh engine seeded
with the run's seed, then walks simulated time forward.  Before each workload
operation, fault change and sample point it applies every replication task that is due
by then (``peek`` / ``step``: each step moves the engine's clock to the task's time, or
one tick on, as the engine decides), then moves the clock to that moment with
``advance`` and does the thing.  All of it goes through the engine's public API, so the
run works with tasks that are due at once and with a latency model alike.

Lag is measured from the engine's own clock, not from the engine's metrics: the run
remembers when each version (or tag change) was written and its size, and a completed
step's lag is the clock after the step minus that time.  What it remembers is pruned at
every sample point to the versions still referenced by a pending task, so memory follows
the backlog, not the number of puts; the time series has one row per interval.

Why the run freezes the garbage collector's view at every sample (``gc.freeze``): the
world grows by millions of acyclic versions, and the cyclic collector's full passes over
them cost 40 % of a run of 300,000 puts (measured), more as the world grows.  Engine
state holds no reference cycles (DESIGN.md), so what exists at a sample is moved out of
the collector's way; the run unfreezes at its end (unless the caller had frozen objects
already), so nothing stays uncollectable after it.

Why, without a latency model, the clock moves in steps of at least
``_CLOCK_QUANTUM_US``: there ``advance`` looks at every pending task for RTC thresholds
(R-129), so operations arriving within the quantum of the clock run at the clock (the
engine spaces calls by its own tick), and a large backlog costs one look per quantum
instead of one per operation.  Under a latency model the engine keeps RTC deadlines in
a heap and the clock follows every operation exactly.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Callable
from typing import Any

import attrs

from s3repl import iam, policy
from s3repl._worldfile import load_world
from s3repl.engine import EPOCH, Engine, FaultPlan
from s3repl.errors import S3Error, S3ReplError
from s3repl.model import ReplicationRule, ReplicationStatus, ReplicationTask, StepResult, TaskKind
from s3repl.simulate._load import ScenarioError
from s3repl.simulate._results import (
    FaultImpact,
    LagHistogram,
    RunResult,
    Series,
)
from s3repl.simulate._spec import Fault, Scenario
from s3repl.simulate._workload import DELETE, PUT, operations

__all__ = ["build_engine", "run"]

_US = 1_000_000
_CLOCK_QUANTUM_US = 100_000
_COMPLETED = ReplicationStatus.COMPLETED
_FAILED = ReplicationStatus.FAILED
_METADATA = TaskKind.METADATA
_OBJECT = TaskKind.OBJECT
_MISSED = "Replication:OperationMissedThreshold"

#: ``progress(fraction)``: called as simulated time passes (0 < fraction <= 1).
Progress = Callable[[float], None]


def build_engine(scenario: Scenario, seed: int) -> Engine:
    """A fresh engine holding the scenario's world, seeded with ``seed``.

    Raises:
        ScenarioError: the world or the latency settings are not usable.
    """
    data = json.loads(scenario.world)
    data["seed"] = seed
    try:
        engine = load_world(data)
    except S3ReplError as err:
        msg = f"{scenario.world_source}: {err}"
        raise ScenarioError(msg, path="world") from None
    if scenario.latency is None:
        return engine
    world = engine.snapshot()
    profile = world.profile.evolve(latency=scenario.latency)
    return Engine.from_snapshot(attrs.evolve(world, profile=profile))


def _rtc_rules(engine: Engine) -> dict[tuple[str, str], ReplicationRule]:
    """``(source bucket, rule id)`` -> rule, for every rule with RTC enabled (R-132)."""
    rules = {}
    for bucket in engine.list_buckets():
        if bucket.replication is None:
            continue
        for rule in bucket.replication.rules:
            if policy.rtc_enabled(rule):
                rules[(bucket.name, rule.id or "")] = rule
    return rules


def _rtc_missed(rules: dict[tuple[str, str], ReplicationRule], task: ReplicationTask) -> bool:
    """Whether a task that waited past the threshold counts as an RTC miss (policy decides)."""
    rule = rules.get((task.source_bucket, task.rule_id))
    return rule is not None and policy.rtc_applies(rule, task)


def _now_us(engine: Engine) -> int:
    return (engine.now - EPOCH) // _MICROSECOND


_MICROSECOND = dt.timedelta(microseconds=1)


def _origin_key(task: ReplicationTask) -> str:
    """Where a task's origin is remembered: its version id, or ``m:`` + it for tags."""
    return "m:" + task.version_id if task.kind is _METADATA else task.version_id


class _Interval:
    """The counts of one time-series interval."""

    __slots__ = (
        "deletes",
        "errors",
        "failed",
        "lag_max_us",
        "lag_total_us",
        "puts",
        "replicated",
        "retried",
        "tags",
    )

    def __init__(self) -> None:
        self.puts = self.deletes = self.tags = self.errors = 0
        self.replicated = self.failed = self.retried = 0
        self.lag_max_us = self.lag_total_us = 0


class _Run:
    """The working state of one run (see the module header)."""

    def __init__(self, scenario: Scenario, seed: int, progress: Progress | None) -> None:
        self.scenario = scenario
        self.seed = seed
        self.progress = progress
        self.engine = build_engine(scenario, seed)
        self.start_us = _now_us(self.engine)
        # Under a latency model advance() watches RTC deadlines in a heap: it is cheap.
        self.quantum_us = 1 if self.engine.profile.latency is not None else _CLOCK_QUANTUM_US
        self.rtc = _rtc_rules(self.engine)
        self.threshold_us = round(scenario.measure.rtc_threshold_seconds * _US)
        self.origins: dict[str, tuple[int, int]] = {}
        self.lags = LagHistogram()
        self.interval = _Interval()
        self.rows: list[tuple[float, ...]] = []
        self.errors: dict[str, int] = {}
        self.failed: dict[str, int] = {}
        self.counts = {"puts": 0, "deletes": 0, "tags": 0, "replicated": 0, "retried": 0}
        self.rtc_misses = 0
        self.peak = (0, 0, 0.0)
        self.impacts: list[FaultImpact] = []
        self.outages: dict[str, Fault] = {}
        self.saved: dict[str, Any] = {}
        self.bodies: dict[int, bytes] = {}

    # --- time --------------------------------------------------------------------------

    def drive_to(self, when_us: int) -> None:
        """Apply every task due by ``when_us``, then move the clock there."""
        engine, record = self.engine, self.record
        peek, step = engine.peek, engine.step
        task = peek()
        while task is not None and task.due_us <= when_us:
            result = step()
            record(result, _now_us(engine))
            task = peek()
        gap = when_us - _now_us(engine)
        if gap >= self.quantum_us:
            for result in engine.advance(seconds=gap / _US):  # none: every due task ran
                record(result, _now_us(engine))

    def record(self, result: StepResult, now_us: int) -> None:
        """Count one step's outcome; a completed step's lag from its origin's time."""
        status = result.status
        interval = self.interval
        if status is _COMPLETED:
            task = result.task
            origin = self.origins.get(_origin_key(task))
            lag = now_us - (origin[0] if origin is not None else task.due_us)
            self.lags.add(lag)
            interval.replicated += 1
            interval.lag_total_us += lag
            if lag > interval.lag_max_us:
                interval.lag_max_us = lag
            if lag > self.threshold_us and _rtc_missed(self.rtc, task):
                self.rtc_misses += 1
        elif status is _FAILED:
            reason = result.failure_reason.value if result.failure_reason else "Unknown"
            self.failed[reason] = self.failed.get(reason, 0) + 1
            interval.failed += 1
        else:
            interval.retried += 1

    # --- the workload ------------------------------------------------------------------

    def body(self, size: int) -> bytes:
        found = self.bodies.get(size)
        if found is None:
            found = self.bodies[size] = bytes(size)
        return found

    def operate(self, kind: int, bucket: str, key: str, size: int, tags: Any) -> None:
        """Do one workload operation; S3's refusals are counted by error code."""
        engine, interval = self.engine, self.interval
        try:
            if kind == PUT:
                interval.puts += 1
                version_id = engine.put_object(bucket, key, self.body(size), tags=tags).version_id
                self.origins[version_id] = (_now_us(engine), size)
            elif kind == DELETE:
                interval.deletes += 1
                marker = engine.delete_object(bucket, key).version_id
                if marker is not None:
                    self.origins[marker] = (_now_us(engine), 0)
            else:
                interval.tags += 1
                version_id = engine.put_object_tagging(bucket, key, tags).version_id
                self.origins["m:" + version_id] = (_now_us(engine), 0)
        except S3Error as err:
            interval.errors += 1
            self.errors[err.code] = self.errors.get(err.code, 0) + 1

    # --- sampling ----------------------------------------------------------------------

    def backlog(self) -> tuple[int, int, int]:
        """Pending operations, pending bytes and the oldest origin; prunes the origins."""
        now = _now_us(self.engine)
        pending = self.engine.pending()
        origins, live = self.origins, {}
        size, oldest = 0, now
        for task in pending:
            key = _origin_key(task)
            origin = origins.get(key)
            if origin is None:
                oldest = min(oldest, task.due_us)
                continue
            live[key] = origin
            oldest = min(oldest, origin[0])
            if task.kind is _OBJECT:
                size += origin[1]
        self.origins = live
        return len(pending), size, now - oldest

    def sample(self, at_us: int) -> None:
        """Close the interval ending at ``at_us`` (run time) and start the next."""
        operations_pending, bytes_pending, oldest_us = self.backlog()
        interval, at = self.interval, at_us / _US
        if operations_pending > self.peak[0]:
            self.peak = (operations_pending, max(bytes_pending, self.peak[1]), at)
        elif bytes_pending > self.peak[1]:
            self.peak = (self.peak[0], bytes_pending, self.peak[2])
        mean = interval.lag_total_us / interval.replicated / _US if interval.replicated else 0.0
        self.rows.append(
            (
                at,
                interval.puts,
                interval.deletes,
                interval.tags,
                interval.errors,
                interval.replicated,
                interval.failed,
                interval.retried,
                operations_pending,
                bytes_pending,
                oldest_us / _US,
                interval.lag_max_us / _US,
                mean,
            )
        )
        for name, number in (
            ("puts", interval.puts),
            ("deletes", interval.deletes),
            ("tags", interval.tags),
            ("replicated", interval.replicated),
            ("retried", interval.retried),
        ):
            self.counts[name] += number
        self.interval = _Interval()
        gc.freeze()  # see the module header
        if self.progress is not None:
            self.progress(min(1.0, at / self.scenario.end_seconds))

    # --- faults ------------------------------------------------------------------------

    def fault_starts(self, fault: Fault, at_us: int) -> None:
        operations_pending, bytes_pending, oldest_us = self.backlog()
        self.impacts.append(
            FaultImpact(
                name=fault.name,
                kind=fault.kind,
                at_seconds=at_us / _US,
                operations_pending=operations_pending,
                bytes_pending=bytes_pending,
                oldest_pending_seconds=oldest_us / _US,
            )
        )
        self.change(fault, starting=True)

    def change(self, fault: Fault, *, starting: bool) -> None:
        """Put a fault in force or lift it, through the engine's public calls."""
        engine = self.engine
        try:
            if fault.is_outage:
                if starting:
                    self.outages[fault.name] = fault
                else:
                    self.outages.pop(fault.name, None)
                engine.set_faults(_plan(self.outages.values()))
            elif fault.kind == "revoke_permission":
                assert fault.role is not None  # Fault checks its target
                self._revoke(fault, fault.role, starting=starting)
            elif fault.kind == "delete_role":
                assert fault.role is not None  # as above
                if starting:
                    self.saved[fault.name] = engine.get_role(fault.role).policy
                    engine.delete_role(fault.role)
                else:
                    engine.create_role(fault.role, policy=self.saved.pop(fault.name))
            elif fault.kind == "disable_kms_key":
                assert fault.kms_key is not None  # as above
                (engine.disable_kms_key if starting else engine.enable_kms_key)(fault.kms_key)
            else:  # suspend_versioning
                assert fault.bucket is not None  # as above
                engine.put_bucket_versioning(fault.bucket, "Suspended" if starting else "Enabled")
        except S3Error as err:
            msg = f"the engine refused it: {err.code}: {err.message}"
            raise ScenarioError(msg, path=fault.name) from None

    def _revoke(self, fault: Fault, role: str, *, starting: bool) -> None:
        engine = self.engine
        if not starting:
            engine.put_role_policy(role, self.saved.pop(fault.name))
            return
        policy = engine.get_role(role).policy
        self.saved[fault.name] = policy
        deny = iam.Statement(
            effect=iam.Effect.DENY,
            sid=f"S3replSimulatedRevoke{len(self.saved)}",
            actions=fault.actions,
            resources=("*",),
        )
        engine.put_role_policy(role, attrs.evolve(policy, statements=(*policy.statements, deny)))

    # --- the whole run -----------------------------------------------------------------

    def timeline(self) -> list[tuple[int, int, int, Callable[[], None]]]:
        """Fault changes and sample points: ``(run time us, order, index, action)``."""
        scenario, events = self.scenario, []
        for index, fault in enumerate(scenario.faults):
            start = round(fault.start_seconds * _US)
            events.append((start, 1, index, _bind(self.fault_starts, fault, start)))
            if fault.end_seconds is not None and fault.end_seconds < scenario.end_seconds:
                end = round(fault.end_seconds * _US)
                events.append((end, 0, index, _bind_end(self.change, fault)))
        resolution = scenario.measure.resolution_seconds
        end_us = round(scenario.end_seconds * _US)
        points = int(scenario.end_seconds // resolution)
        for number in range(1, points + 2):
            at = min(round(number * resolution * _US), end_us)
            events.append((at, 2, number, _bind(self.sample, at)))
            if at == end_us:
                break
        events.sort(key=lambda event: event[:3])
        return events

    def run(self) -> RunResult:
        frozen_before = gc.get_freeze_count()
        try:
            return self._run()
        finally:
            if not frozen_before:
                gc.unfreeze()

    def _run(self) -> RunResult:
        events = self.timeline()
        start, drive_to, operate = self.start_us, self.drive_to, self.operate
        upcoming, total = 0, len(events)
        for when, _stream, _sequence, kind, bucket, key, size, tags in operations(
            self.scenario, self.seed
        ):
            while upcoming < total and events[upcoming][0] <= when:
                drive_to(start + events[upcoming][0])
                events[upcoming][3]()
                upcoming += 1
            drive_to(start + when)
            operate(kind, bucket, key, size, tags)
        for at, _order, _index, action in events[upcoming:]:
            drive_to(start + at)
            action()
        return self.result()

    def result(self) -> RunResult:
        now = _now_us(self.engine)
        pending = self.engine.pending()
        for task in pending:
            origin = self.origins.get(_origin_key(task))
            waited = now - (origin[0] if origin is not None else task.due_us)
            if waited > self.threshold_us and _rtc_missed(self.rtc, task):
                self.rtc_misses += 1
        missed = sum(1 for event in self.engine.events() if event.event_name == _MISSED)
        return RunResult(
            scenario=self.scenario.name,
            seed=self.seed,
            simulated_seconds=self.scenario.end_seconds,
            puts=self.counts["puts"],
            deletes=self.counts["deletes"],
            tag_changes=self.counts["tags"],
            operation_errors=self.errors,
            replicated=self.counts["replicated"],
            failed_by_reason=self.failed,
            retried=self.counts["retried"],
            lag=self.lags.stats(),
            rtc_misses=self.rtc_misses,
            missed_threshold_events=missed,
            peak_operations_pending=self.peak[0],
            peak_bytes_pending=self.peak[1],
            peak_at_seconds=self.peak[2],
            pending_at_end=len(pending),
            faults=tuple(self.impacts),
            series=Series(rows=tuple(self.rows)),
        )


def _bind(method: Callable[..., None], *args: Any) -> Callable[[], None]:
    return lambda: method(*args)


def _bind_end(method: Callable[..., None], fault: Fault) -> Callable[[], None]:
    return lambda: method(fault, starting=False)


def _plan(outages: Any) -> FaultPlan:
    regions, buckets, rate = set(), set(), 0.0
    for fault in outages:
        if fault.region is not None:
            regions.add(fault.region)
        if fault.bucket is not None:
            buckets.add(fault.bucket)
        rate = max(rate, fault.rate)
    return FaultPlan(
        unavailable_regions=frozenset(regions),
        unavailable_buckets=frozenset(buckets),
        outage_rate=rate,
    )


def run(scenario: Scenario, seed: int, *, progress: Progress | None = None) -> RunResult:
    """Run a scenario once with one seed.

    Deterministic: the same scenario and seed give an equal :class:`RunResult` in any
    process, on any machine, under any executor.

    Args:
        scenario: the scenario.
        seed: seeds the engine (ids, interleavings, faults, latency draws) and the
            workload.
        progress: called with the fraction of simulated time done, at every sample.

    Raises:
        ScenarioError: the world, the latency settings or a fault is refused by the
            engine.
    """
    return _Run(scenario, seed, progress).run()
