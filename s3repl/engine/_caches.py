"""The engine's caches of policy answers: one object, named caches, dropped on every change.

Why: policy is pure and remembers nothing, and most steps and puts ask it what it has
just answered (the same routing, the same checks, the same replica shape).  The
engine owns the state those answers depend on, so it owns the memory of them: one
:class:`PolicyCache` per world view, replaced whenever a bucket, role, policy, key or
account changes (``_EngineCore._changed``).  Objects do not invalidate it: an answer is
cached only under a key that names everything of an object it depends on
(``policy.outcome_key``); answers that read other objects (a metadata change looks for
its replica) are never cached.

Keys hold enum members themselves: s3repl's enums hash by identity (``S3Enum``), a C
call, where ``Enum.__hash__`` runs in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TypeVar

from s3repl import policy
from s3repl.model import (
    NULL_VERSION_ID,
    Acl,
    Bucket,
    DeleteMarker,
    FailureReason,
    FrozenMap,
    ObjectLockLegalHoldStatus,
    ObjectLockMode,
    ObjectVersion,
    ReplicationConfiguration,
    ReplicationRule,
    ReplicationStatus,
    ReplicationTask,
    ServerSideEncryption,
    StorageClass,
    VersionStatuses,
)
from s3repl.model._frozenmap import EMPTY
from s3repl.world import World

_MapT = TypeVar("_MapT", bound=FrozenMap[str, Any])
_NO_TAGS: FrozenMap[str, str] = FrozenMap()
#: Status maps are few (the cache hands back one map per transition); past this many
#: transitions the cache starts over.
_STATUS_CHANGES_MAX = 4096
#: A source's routes by signature: past this many (many tag pairs in its filters, say)
#: they start over.
_ROUTES_MAX = 4096
#: Starts a delete marker's routing key: never a storage class, so never a new object's.
_MARKER = "marker"
# The creation time of the marker routing is asked about (routing does not read it).
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


#: Routes, and the header and status map a version routed by them starts with.
_Created = tuple[
    tuple[policy.Route, ...], ReplicationStatus | None, FrozenMap[str, ReplicationStatus]
]


class WriteSettings(NamedTuple):
    """A write's options resolved against its bucket, but its content (key, body, maps)."""

    owner: str
    acl: Acl | None
    storage_class: StorageClass
    server_side_encryption: ServerSideEncryption
    sse_kms_key_id: str | None
    object_lock_mode: ObjectLockMode | None
    object_lock_retain_until_date: dt.datetime | None
    object_lock_legal_hold_status: ObjectLockLegalHoldStatus | None


class WritePlan(NamedTuple):
    """How the engine's writes with one set of options go (``PolicyCache.write_plans``)."""

    settings: WriteSettings
    #: ``RoutingTable.signature`` of the source's configuration.
    signature: Callable[[str, Mapping[str, str]], tuple[bool, ...]]
    #: Routes and created statuses by signature, for the settings' class and encryption
    #: (the live dict of :meth:`PolicyCache.object_routing`).
    routing: dict[tuple[bool, ...], _Created]


class _SourceRouting(NamedTuple):
    """A source's routing table, and its routes by what routing reads of an object.

    ``answers`` is keyed by the object's storage class and encryption kind (a delete
    marker: ``_MARKER`` and whether lifecycle wrote it), then by its signature.
    """

    table: policy.RoutingTable
    answers: dict[tuple[object, object], dict[tuple[bool, ...], _Created]]


class PolicyCache(policy.Answers):
    """Policy's answers for one world view, remembered by the engine.

    Attributes:
        rules: ``(source, rule id)`` -> the rule, or ``None`` when it is gone.
        rulings: ``policy.outcome_key`` -> the task's ``policy.Ruling`` (the checks'
            answer, rule, replica shape and shared effects; only while keys are alike,
            ``policy.keys_alike``).
        failures: ``(source, destination, rule id, kind, replica sync, reason)`` -> the
            ruling of a task failing before its version is read (``policy.Answers.failure``).
        keys_alike: ``(role, source, destination)`` -> ``policy.keys_alike``.
        shapes: ``(source, rule id, destination, class, encryption)`` -> replica shape.
        status_changes: ``(maps' ids, destination, status, reason, replica sync)`` ->
            the new statuses, one shared ``VersionStatuses`` per transition (the old
            maps are kept, and checked).  The engine's sharing of status maps: versions
            recorded alike get the same value back, which the store records beside each
            of them, so a stored version holds no statuses of its own (policy shares none).
        status_maps: each status or reason map a transition produced, by its items in
            order: equal maps from distinct inputs (a replica's sync, R-122) become one.
        routing: source -> its configuration's ``policy.RoutingTable`` and the routes
            found so far, by what routing reads of an object: ``(class, encryption)``
            then the signature for a new object, ``(marker, by lifecycle)`` then the
            signature for a delete marker.
        rtc_sources: source -> whether any rule of it has RTC enabled.
        write_plans: ``(bucket, caller, storage class, encryption, KMS key id, SSE-C,
            canned ACL)``, the options of a write without lock options as given ->
            the engine's plan of such writes: their settings resolved against the
            bucket (owner, ACL, class, encryption, lock settings) and their routing
            (:meth:`object_routing`).  The engine's put fills it, and only for buckets
            whose settings do not depend on the time (no default retention).
    """

    def __init__(self) -> None:
        """Start empty."""
        self.rules: dict[tuple[str, str], ReplicationRule | None] = {}
        self.rulings: dict[tuple[object, ...], policy.Ruling] = {}
        self._last_ruling: tuple[object, policy.Ruling | None] = ((), None)
        self.failures: dict[tuple[object, ...], policy.Ruling] = {}
        self.keys_alike: dict[tuple[str, str, str], bool] = {}
        self.shapes: dict[tuple[object, ...], policy.ReplicaShape] = {}
        self.status_changes: dict[tuple[object, ...], tuple[object, ...]] = {}
        self._last_status_change: tuple[object, ...] = (None,) * 7
        self.status_maps: dict[tuple[object, ...], FrozenMap[str, object]] = {}
        self.routing: dict[str, _SourceRouting] = {}
        self.rtc_sources: dict[str, bool] = {}
        self.write_plans: dict[tuple[object, ...], WritePlan] = {}

    # --- policy.Answers, remembered --------------------------------------------------

    def rule(self, world: World, source: str, rule_id: str) -> ReplicationRule | None:
        """:meth:`policy.Answers.rule`, remembered per source and rule id."""
        key = (source, rule_id)
        try:
            return self.rules[key]
        except KeyError:
            found = self.rules[key] = super().rule(world, source, rule_id)
            return found

    def ruling(
        self,
        world: World,
        task: ReplicationTask,
        version: ObjectVersion | DeleteMarker,
        source: Bucket,
        config: ReplicationConfiguration,
    ) -> policy.Ruling:
        """:meth:`policy.Answers.ruling`, remembered by ``policy.outcome_key``."""
        key = policy.outcome_key(world, task, version, source)
        if key is None:
            return super().ruling(world, task, version, source, config)
        # Steps repeat one routing back to back: comparing with the last key is cheaper
        # than hashing it.
        last = self._last_ruling
        if key == last[0]:
            return last[1]  # type: ignore[return-value]  # () is never a key
        found = self.rulings.get(key)
        if found is None:
            found = super().ruling(world, task, version, source, config)
            if not self._keys_alike(world, config.role, source, task.destination_bucket):
                return found
            self.rulings[key] = found
        self._last_ruling = (key, found)
        return found

    def failure(
        self, world: World, task: ReplicationTask, outcome: policy.ApplyOutcome
    ) -> policy.Ruling:
        """:meth:`policy.Answers.failure`, remembered per route, kind and reason."""
        key = (
            task.source_bucket,
            task.destination_bucket,
            task.rule_id,
            task.kind,
            task.replica_modification,
            outcome.reason,
        )
        found = self.failures.get(key)
        if found is None:
            found = self.failures[key] = super().failure(world, task, outcome)
        return found

    def _keys_alike(self, world: World, role: str, source: Bucket, destination: str) -> bool:
        key = (role, source.name, destination)
        alike = self.keys_alike.get(key)
        if alike is None:
            alike = self.keys_alike[key] = policy.keys_alike(world, role, source, destination)
        return alike

    def shape(
        self,
        world: World,
        task: ReplicationTask,
        rule: ReplicationRule | None,
        storage_class: StorageClass,
        encryption: ServerSideEncryption,
    ) -> policy.ReplicaShape:
        """:meth:`policy.Answers.shape`, remembered per source, rule id and destination."""
        key = (
            task.source_bucket,
            task.rule_id,
            task.destination_bucket,
            storage_class,
            encryption,
        )
        found = self.shapes.get(key)
        if found is None:
            found = self.shapes[key] = super().shape(world, task, rule, storage_class, encryption)
        return found

    def recorded(
        self,
        statuses: FrozenMap[str, ReplicationStatus],
        reasons: FrozenMap[str, FailureReason],
        destination: str,
        status: ReplicationStatus,
        reason: FailureReason | None,
        replica_sync: bool,  # noqa: FBT001 - positional, as policy calls it
    ) -> VersionStatuses:
        """:meth:`policy.Answers.recorded`, its status change remembered by the maps' ids.

        The entry keeps both maps alive, so their ids are not reused while it exists;
        a hit is checked against them all the same.
        """
        last = self._last_status_change
        change: VersionStatuses
        if (
            statuses is last[0]
            and reasons is last[1]
            and status is last[3]
            and reason is last[4]
            and replica_sync is last[5]
            and destination == last[2]
        ):
            change = last[6]  # type: ignore[assignment]
        else:
            key = (id(statuses), id(reasons), destination, status, reason, replica_sync)
            found = self.status_changes.get(key)
            if found is None or found[0] is not statuses or found[1] is not reasons:
                if len(self.status_changes) >= _STATUS_CHANGES_MAX:
                    self.status_changes.clear()
                    self.status_maps.clear()
                new_statuses, new_reasons, header = policy.statuses_after(
                    statuses, reasons, destination, status, reason, replica_sync=replica_sync
                )
                change = VersionStatuses(
                    replication_status=header,
                    destination_statuses=self._shared(new_statuses),
                    failure_reasons=self._shared(new_reasons),
                )
                found = self.status_changes[key] = (statuses, reasons, change)
            change = found[2]  # type: ignore[assignment]
            self._last_status_change = (
                statuses,
                reasons,
                destination,
                status,
                reason,
                replica_sync,
                change,
            )
        return change

    def _shared(self, new: _MapT) -> _MapT:
        """The one map with ``new``'s items that this cache hands back (``status_maps``).

        Keyed by the items in order, not by equality: maps equal in another order
        iterate differently, so they stay apart.
        """
        if new is EMPTY:
            return new
        items = tuple(new.items())
        shared: _MapT = self.status_maps.setdefault(items, new)  # type: ignore[assignment]
        return shared

    # --- routing -------------------------------------------------------------------

    def _answers(
        self, world: World, bucket: str, kind: tuple[object, object]
    ) -> tuple[policy.RoutingTable, dict[tuple[bool, ...], _Created]]:
        """``bucket``'s routing table, and its answers so far for objects of ``kind``."""
        routing = self.routing.get(bucket)
        if routing is None:
            source = world.buckets.get(bucket)
            table = policy.routing_table(None if source is None else source.replication)
            routing = self.routing[bucket] = _SourceRouting(table, {})
        answers = routing.answers.get(kind)
        if answers is None:
            answers = routing.answers[kind] = {}
        return routing.table, answers

    def object_routing(
        self,
        world: World,
        bucket: str,
        storage_class: StorageClass,
        encryption: ServerSideEncryption,
    ) -> tuple[
        Callable[[str, Mapping[str, str]], tuple[bool, ...]],
        dict[tuple[bool, ...], _Created],
    ]:
        """``bucket``'s ``RoutingTable.signature``, and its routes for these objects.

        The routes are the answers :meth:`new_object_routes` keeps for objects of this
        storage class and encryption kind, by signature: a live dict.
        """
        table, answers = self._answers(world, bucket, (storage_class, encryption))
        return table.signature, answers

    def new_object_routes(
        self,
        world: World,
        bucket: str,
        key: str,
        tags: Mapping[str, str],
        storage_class: StorageClass,
        encryption: ServerSideEncryption,
    ) -> _Created:
        """``policy.route_new_object`` and ``policy.created_statuses`` of its routes.

        Remembered by everything of the object routing reads: the object's
        ``RoutingTable.signature``, storage class and encryption kind (which decide
        eligibility and the SSE-KMS opt-in).
        """
        table, answers = self._answers(world, bucket, (storage_class, encryption))
        signature = table.signature(key, tags)
        found = answers.get(signature)
        if found is None:
            if len(answers) >= _ROUTES_MAX:
                answers.clear()
            routes = policy.route_new_object(world, bucket, key, tags, storage_class, encryption)
            found = answers[signature] = (routes, *policy.created_statuses(routes))
        return found

    def delete_marker_routes(
        self,
        world: World,
        bucket: str,
        key: str,
        by_lifecycle: bool = False,  # noqa: FBT001, FBT002 - positional: every delete passes it
    ) -> _Created:
        """``policy.route_delete_marker`` and the created statuses of a marker on ``key``.

        A marker carries no tags; its routes depend on it only through its key's
        signature and whether lifecycle wrote it, so they are asked once per signature,
        of a marker that differs from the real one in nothing else, and the engine
        builds the real marker once, with its statuses.
        """
        table, answers = self._answers(world, bucket, (_MARKER, by_lifecycle))
        signature = table.signature(key, _NO_TAGS)
        found = answers.get(signature)
        if found is None:
            if len(answers) >= _ROUTES_MAX:
                answers.clear()
            source = world.buckets[bucket]
            like = DeleteMarker(  # the key and the origin are all routing reads of it
                key=key,
                version_id=NULL_VERSION_ID,
                last_modified=_EPOCH,
                owner=source.owner,
                by_lifecycle=by_lifecycle,
            )
            routes = policy.route_delete_marker(world, bucket, like)
            found = answers[signature] = (routes, *policy.created_statuses(routes))
        return found

    def uses_rtc(self, world: World, bucket: str) -> bool:
        """Whether any rule of the bucket's configuration has RTC enabled (R-132)."""
        found = self.rtc_sources.get(bucket)
        if found is None:
            source = world.buckets.get(bucket)
            config = None if source is None else source.replication
            found = self.rtc_sources[bucket] = config is not None and any(
                policy.rtc_enabled(rule) for rule in config.rules
            )
        return found
