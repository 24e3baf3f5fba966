"""The engine's core: its state, clock, ids, snapshots and forks, shared by every part.

``Engine`` is assembled from one class per concern (control plane, object operations,
the replicator) over this core, so that each file has one job.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import random
from collections.abc import Sequence
from typing import Any, Self, TypeVar

import attrs

from s3repl import iam, policy
from s3repl.engine._arguments import check_fault_plan, check_seed
from s3repl.engine._caches import PolicyCache
from s3repl.engine._queue import OrderPolicy, TaskQueue
from s3repl.engine._series import MetricRecorder
from s3repl.engine._state import EngineState
from s3repl.engine._store import ObjectStore
from s3repl.engine.faults import FaultPlan
from s3repl.engine.notifications import NotificationConfiguration
from s3repl.engine.results import DeleteResult, ReplicationEvent
from s3repl.errors import (
    AccessDenied,
    NoSuchBucket,
)
from s3repl.model import (
    DEFAULT_ACCOUNT,
    NULL_VERSION_ID,
    Bucket,
    FrozenMap,
    ObjectVersion,
    ReplicationConfiguration,
    ReplicationTask,
    TaskKind,
    VersioningStatus,
)
from s3repl.model._fastbuild import new_task
from s3repl.model.names import (
    check_account_id,
)
from s3repl.profile import Profile
from s3repl.world import Account, KmsKey, Role, Version, World

#: Simulated time zero.
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_TICK_US = 1_000  # every API call advances the clock by one millisecond
_NOT_OWNER_ENFORCED_ACL = "The bucket does not allow ACLs"
_LOCKED_MESSAGE = "Access Denied because object protected by object lock."
# Base64's "+" and "/" become "." and "_": version ids are URL-safe without quoting.
_VERSION_ID_ALPHABET = bytes.maketrans(b"+/", b"._")

__all__ = ["EPOCH", "OrderPolicy"]


def _when(clock_us: int) -> dt.datetime:
    # A multiplication skips timedelta()'s argument parsing (a third of the cost).
    return EPOCH + _MICROSECOND * clock_us


_MICROSECOND = dt.timedelta(microseconds=1)


def _draw_version_ids(ids: random.Random) -> list[str]:
    """The next version ids, last one first (``pop`` hands them out in order).

    Drawn many at a time: one random draw and one base64 pass serve many puts.  Every
    24 random bytes are exactly 32 base64 characters, so the ids slice out evenly.
    """
    raw = ids.getrandbits(192 * _IDS_PER_DRAW).to_bytes(24 * _IDS_PER_DRAW, "big")
    text = binascii.b2a_base64(raw, newline=False).translate(_VERSION_ID_ALPHABET).decode()
    return [text[start : start + 32] for start in range(32 * (_IDS_PER_DRAW - 1), -1, -32)]


_IDS_PER_DRAW = 64
_VERSIONED = VersioningStatus.ENABLED
_K = TypeVar("_K")
_V = TypeVar("_V")


class _LiveMap(FrozenMap[_K, _V]):
    """A read-only view of one of the engine's live maps, for its policy view.

    Why: ``FrozenMap.get`` is a Python-level method, and policy asks the view for a
    bucket (or role, key) on every step; here ``get`` is the dict's own bound method,
    held in a slot, so the lookup is one C call.  Never handed out (see ``_LiveView``).
    """

    __slots__ = ("get",)

    def __init__(self, data: dict[_K, _V]) -> None:
        """Wrap ``data`` without copying it."""
        self._data = data
        self._hash = None
        self.get = data.get  # type: ignore[assignment]


@attrs.frozen(kw_only=True)
class _LiveView(World):
    """The engine's live world view for policy, which finds one version through the store.

    Why: a key with many versions is held as an index (``ObjectStore``); finding one
    version through it is a dict lookup, where walking the key's chain is O(versions).
    Never handed out: snapshots and forks are plain Worlds.
    """

    store: ObjectStore = attrs.field(eq=False, repr=False)

    def version(self, bucket: str, key: str, version_id: str) -> Version | None:
        """:meth:`World.version`, from the store (O(1) for an indexed key)."""
        return self.store.find(bucket, key, version_id)


def _abstract() -> NotImplementedError:
    return NotImplementedError("implemented by another part of Engine")


class _EngineCore:
    """State and plumbing shared by every part of the engine."""

    def __init__(
        self, *, seed: int = 0, profile: Profile | None = None, order: OrderPolicy = "fifo"
    ) -> None:
        """Create an empty world with the default account."""
        seed = check_seed(seed)
        if order not in ("fifo", "random"):
            msg = f"order must be 'fifo' or 'random', got {order!r}"
            raise ValueError(msg)
        self.seed = seed
        self.profile = profile or Profile.aws()
        self.order: OrderPolicy = order
        self._faults = FaultPlan.none()
        self._faults_quiet = True
        self._ids = random.Random(f"{seed}:ids")
        self._version_ids: list[str] = []  # drawn from _ids, not yet handed out
        self._interleave = random.Random(f"{seed}:order")
        self._fault_rng = random.Random(f"{seed}:faults")
        # Issue 12: the latency model in force, its own RNG stream, each destination's
        # "busy until" and the RTC deadlines still open (see _timing).
        self._latency = self.profile.latency
        self._latency_rng = random.Random(f"{seed}:latency")
        self._busy_until: dict[str, int] = {}
        self._rtc_deadlines: list[tuple[int, int]] = []
        self._rtc_open: dict[int, ReplicationTask] = {}
        # Issue 12: the opt-in metric recorder (see _series), None until asked for.
        self._recorder: MetricRecorder | None = None
        # Issue 12: bucket notification configurations and the sinks they deliver to.
        self._notification_configs: dict[str, NotificationConfiguration] = {}
        self._sinks: dict[str, list[str]] = {}
        self._notification_count = 0
        self._clock_us = 0
        self._sequence = 0
        self._accounts: dict[str, Account] = {DEFAULT_ACCOUNT: Account(id=DEFAULT_ACCOUNT)}
        self._buckets: dict[str, Bucket] = {}
        self._policies: dict[str, iam.PolicyDocument] = {}
        self._roles: dict[str, Role] = {}
        self._keys: dict[str, KmsKey] = {}
        self._store = ObjectStore()
        self._queue = TaskQueue(order=order, rng=self._interleave)
        self._events: list[ReplicationEvent] = []
        self._failed_operations: dict[tuple[str, str, str], int] = {}
        # Sequences of RTC tasks already reported as OperationMissedThreshold.
        self._missed_threshold: dict[int, None] = {}
        self._deferred_expirations: dict[tuple[str, str, str], None] = {}
        # configuration changes waiting to take effect, with steps left.
        self._propagating: dict[str, tuple[ReplicationConfiguration | None, int]] = {}
        self._view: World | None = None
        # Policy's answers for this world view, remembered; a new one on every change.
        self._caches = PolicyCache()

    @property
    def faults(self) -> FaultPlan:
        """The fault plan in force (see :meth:`set_faults`)."""
        return self._faults

    @faults.setter
    def faults(self, plan: FaultPlan) -> None:
        self._faults = check_fault_plan(plan)
        self._faults_quiet = plan.is_quiet  # read on every step

    def _world(self) -> World:
        """A live read-only view for ``policy`` (not a snapshot: never handed out)."""
        if self._view is None:
            self._view = _LiveView(
                store=self._store,
                profile=self.profile,
                accounts=_LiveMap(self._accounts),
                buckets=_LiveMap(self._buckets),
                bucket_policies=_LiveMap(self._policies),
                roles=_LiveMap(self._roles),
                kms_keys=_LiveMap(self._keys),
                objects=self._store.view(),
            )
        return self._view

    def __getstate__(self) -> dict[str, Any]:
        """The state to pickle, without the live policy view.

        The view wraps the live maps; pickled, it would come back as a frozen copy that
        later writes never reach, so the unpickled engine builds its own.
        """
        state = self.__dict__.copy()
        state["_view"] = None
        return state

    def _changed(self) -> None:
        """Forget the world view and every answer read from it (buckets, roles, ...)."""
        self._view = None
        self._caches = PolicyCache()

    def snapshot(self) -> World:
        """Return an immutable :class:`World` holding the whole state, queue included."""
        return self._state(copy=True)

    def _state(self, *, copy: bool) -> World:
        """The whole state as a World: copied (a snapshot) or wrapping the live maps."""
        frozen = FrozenMap if copy else FrozenMap._wrap
        return World(
            profile=self.profile,
            accounts=frozen(self._accounts),
            buckets=frozen(self._buckets),
            bucket_policies=frozen(self._policies),
            roles=frozen(self._roles),
            kms_keys=frozen(self._keys),
            objects=self._store.snapshot() if copy else self._store.view(),
            pending=self._queue.pending(),
            clock_us=self._clock_us,
            sequence=self._sequence,
            deferred_expirations=tuple(self._deferred_expirations),
            propagating=tuple(self._propagating.items()),
            engine_state=self._engine_state(),
        )

    def _engine_state(self) -> EngineState:
        """The engine's own state, for a snapshot (``_version_ids`` pops from its end)."""
        return EngineState(
            seed=self.seed,
            order=self.order,
            ids_rng=self._ids.getstate(),
            interleave_rng=self._interleave.getstate(),
            fault_rng=self._fault_rng.getstate(),
            interleave_draw=self._queue.draw,
            version_ids_ahead=tuple(reversed(self._version_ids)),
            faults=self.faults,
            events=tuple(self._events),
            failed_operations=FrozenMap(self._failed_operations),
            missed_threshold=tuple(self._missed_threshold),
            latency_rng=self._latency_rng.getstate(),
            busy_until=FrozenMap(self._busy_until),
            metrics=None if self._recorder is None else self._recorder.freeze(),
            notification_configurations=FrozenMap(self._notification_configs),
            notifications=FrozenMap({arn: tuple(sink) for arn, sink in self._sinks.items()}),
            notification_count=self._notification_count,
            rtc_open=tuple(
                (deadline, self._rtc_open[sequence])
                for deadline, sequence in sorted(self._rtc_deadlines)
                if sequence in self._rtc_open
            ),
        )

    @classmethod
    def from_snapshot(cls, world: World) -> Self:
        """Start an independent engine from a :class:`World` (for example a snapshot)."""
        return cls._restore(world, ObjectStore.from_snapshot(world.objects))

    @classmethod
    def _restore(cls, world: World, store: ObjectStore) -> Self:
        """An engine in ``world``'s state, its objects held by ``store``."""
        state = world.engine_state
        if not isinstance(state, EngineState):  # a World built by hand: a fresh engine
            engine = cls(profile=world.profile)
        else:
            engine = cls(seed=state.seed, profile=world.profile, order=state.order)
            engine._ids.setstate(state.ids_rng)
            engine._interleave.setstate(state.interleave_rng)
            engine._fault_rng.setstate(state.fault_rng)
            engine.faults = state.faults
            engine._events = list(state.events)
            engine._failed_operations = state.failed_operations.to_dict()
            engine._missed_threshold = dict.fromkeys(state.missed_threshold)
            engine._version_ids = list(reversed(state.version_ids_ahead))
            if state.latency_rng is not None:
                engine._latency_rng.setstate(state.latency_rng)
            engine._busy_until = state.busy_until.to_dict()
            engine._rtc_deadlines = [(deadline, task.sequence) for deadline, task in state.rtc_open]
            engine._rtc_open = {task.sequence: task for _, task in state.rtc_open}
            engine._notification_configs = state.notification_configurations.to_dict()
            engine._sinks = {arn: list(sink) for arn, sink in state.notifications.items()}
            engine._notification_count = state.notification_count
            if state.metrics is not None:
                engine._recorder = MetricRecorder.thaw(state.metrics)
        engine._deferred_expirations = dict.fromkeys(world.deferred_expirations)
        engine._propagating = dict(world.propagating)
        engine._clock_us = world.clock_us
        engine._sequence = world.sequence
        engine._accounts = world.accounts.to_dict()
        engine._buckets = world.buckets.to_dict()
        engine._policies = world.bucket_policies.to_dict()
        engine._roles = world.roles.to_dict()
        engine._keys = world.kms_keys.to_dict()
        engine._store = store
        engine._queue = TaskQueue(
            order=engine.order,
            rng=engine._interleave,
            tasks=world.pending,
            draw=state.interleave_draw if isinstance(state, EngineState) else None,
        )
        return engine

    def fork(self) -> Self:
        """Return an independent engine in the same state (ids and order continue alike).

        The live maps are copied once, straight into the new engine (no snapshot first);
        the object store forks itself (O(keys), a key's versions copied only on write).
        """
        return type(self)._restore(self._state(copy=False), self._store.fork())

    @property
    def now(self) -> dt.datetime:
        """The simulated time."""
        return self._read_clock()

    def _read_clock(self) -> dt.datetime:
        """:attr:`now` as a function, for policy to read only when it needs the time."""
        return _when(self._clock_us)

    def _tick(self) -> int:
        self._clock_us += _TICK_US
        if self._propagating:
            self._propagate()
        return self._clock_us

    def _next_sequence(self) -> int:
        self._sequence += 1
        return self._sequence

    def _version_id_for(self, versioning: VersioningStatus) -> str:
        """A new version's id: ``null`` unless versioning is enabled.

        Enabled, 32 characters of ``[A-Za-z0-9._]``, as S3's version ids look.
        """
        if versioning is not _VERSIONED:
            return NULL_VERSION_ID
        if not self._version_ids:
            self._version_ids = _draw_version_ids(self._ids)
        return self._version_ids.pop()

    def _new_rule_id(self) -> str:
        raw = self._ids.getrandbits(120).to_bytes(15, "big")
        return base64.b32encode(raw).decode()

    def _bucket(self, name: str) -> Bucket:
        try:
            return self._buckets[name]
        except KeyError:
            msg = "The specified bucket does not exist"
            raise NoSuchBucket(msg, bucket_name=name) from None

    def _authorize(
        self, bucket: Bucket, account: str | None, action: str, key: str | None = None
    ) -> str:
        """Check the caller the way S3 does; return the caller's account id."""
        caller = bucket.owner if account is None else check_account_id(account)
        if caller == bucket.owner:
            return caller
        document = self._policies.get(bucket.name)
        resource = bucket.arn if key is None else f"{bucket.arn}/{key}"
        if document is not None:
            request = iam.Request(
                principal=f"arn:aws:iam::{caller}:root", action=action, resource=resource
            )
            if iam.evaluate((document,), request) is iam.Decision.ALLOW:
                return caller
        msg = "Access Denied"
        raise AccessDenied(msg, bucket_name=bucket.name)

    def _set_bucket(self, bucket: Bucket) -> None:
        self._tick()
        self._buckets[bucket.name] = bucket
        self._changed()

    def _propagate(self) -> None:
        """Count one API call or step down on every change still propagating (R-052)."""
        for name, (config, steps) in list(self._propagating.items()):
            if steps > 1:
                self._propagating[name] = (config, steps - 1)
                continue
            del self._propagating[name]
            bucket = self._buckets.get(name)
            if bucket is not None:
                self._buckets[name] = attrs.evolve(bucket, replication=config)
                self._changed()

    def _enqueue(
        self,
        bucket: str,
        version: Version,
        routes: Sequence[policy.Route],
        kind: TaskKind,
        *,
        replica_modification: bool = False,
    ) -> None:
        push = self._queue.push  # every task enters the queue by its push
        for route in routes:
            self._sequence = sequence = self._sequence + 1
            # The fields in ReplicationTask's order, positionally (see _fastbuild).
            task = new_task(
                bucket,  # source_bucket
                route.destination_bucket,
                version.key,
                version.version_id,
                route.rule_id,
                kind,
                self._clock_us,  # due_us
                sequence,
                replica_modification,
            )
            if self._latency is not None:  # issue 12: due later, by the latency model
                task = self._schedule(task, version)
            if self._recorder is not None:  # issue 12: metrics over time
                self._record_open(task, version)
            push(task)

    def expire_object(self, bucket: str, key: str) -> DeleteResult | None:
        """Implemented by the object operations."""
        raise _abstract()

    def _schedule(self, task: ReplicationTask, version: Version) -> ReplicationTask:
        """Implemented by the timing part: the task, due when the latency model says."""
        raise _abstract()

    def _record_open(self, task: ReplicationTask, version: Version | None) -> None:
        """Implemented by the metrics part: count a new pending task."""
        raise _abstract()

    def _emit(self, event: ReplicationEvent) -> None:
        """Keep a replication event and deliver it to the bucket's notification targets."""
        self._events.append(event)
        if self._notification_configs:
            self._route_event(event)

    def _created(self, bucket: str, version: ObjectVersion, operation: str) -> ObjectVersion:
        """Notify ``s3:ObjectCreated:<operation>`` for a new version; return the version."""
        if self._notification_configs:
            self._route_created(bucket, version, operation)
        return version

    def _route_event(self, event: ReplicationEvent) -> None:
        """Implemented by the notifications part."""
        raise _abstract()

    def _route_created(self, bucket: str, version: ObjectVersion, operation: str) -> None:
        """Implemented by the notifications part."""
        raise _abstract()
