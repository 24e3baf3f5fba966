"""Status rules: what a version's replication status reads (R-120..R-125, R-129..R-132, R-143)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import attrs

from s3repl.model import (
    DeleteMarker,
    FailureReason,
    FrozenMap,
    ObjectVersion,
    ReplicationRule,
    ReplicationStatus,
    ReplicationTask,
    Status,
    TaskKind,
)
from s3repl.model._fastbuild import evolve_version
from s3repl.model._frozenmap import EMPTY
from s3repl.policy._routing import Route, route_metadata
from s3repl.profile import DestinationVersionOrder, Profile
from s3repl.world import World

# Enum members read through their class cost a metaclass lookup (about 170 ns on
# CPython 3.11); the functions every step runs read these module constants instead.
_PENDING = ReplicationStatus.PENDING
_METADATA_TASK = TaskKind.METADATA
_BY_SOURCE_TIME = DestinationVersionOrder.SOURCE_TIMESTAMP
_NO_STATUSES: FrozenMap[str, ReplicationStatus] = EMPTY

# --- status (R-120..R-125) -----------------------------------------------------------


def pending_statuses(routes: Sequence[Route]) -> FrozenMap[str, ReplicationStatus]:
    """The status map of a version just routed: every destination ``PENDING`` (R-124).

    A new map each call: policy keeps none.  Versions routed alike share one map
    because the engine remembers the answer per routing (``PolicyCache``).
    """
    if not routes:
        return _NO_STATUSES
    return FrozenMap({route.destination_bucket: _PENDING for route in routes})


def created_statuses(
    routes: Sequence[Route],
) -> tuple[ReplicationStatus | None, FrozenMap[str, ReplicationStatus]]:
    """The header and status map a new version or delete marker starts with (R-121, R-124).

    Routed somewhere, ``PENDING`` with every destination ``PENDING``; routed nowhere, no
    header at all and no destinations.
    """
    return (_PENDING if routes else None), pending_statuses(routes)


def aggregate_status(
    statuses: Mapping[str, ReplicationStatus], *, pending_first: bool = False
) -> ReplicationStatus:
    """The source's ``x-amz-replication-status`` over its destinations (R-123).

    ``FAILED`` as soon as one destination failed (even while others are pending),
    else ``PENDING`` while any is pending, else ``COMPLETED``.  With ``pending_first``
    (``Profile.aggregate_pending_until_all_finish``) ``PENDING`` wins over ``FAILED``.
    """
    values = list(statuses.values())
    if pending_first and ReplicationStatus.PENDING in values:
        return ReplicationStatus.PENDING
    if ReplicationStatus.FAILED in values:
        return ReplicationStatus.FAILED
    if ReplicationStatus.PENDING in values:
        return ReplicationStatus.PENDING
    return ReplicationStatus.COMPLETED


def status_after(
    statuses: Mapping[str, ReplicationStatus], *, replica_sync: bool, pending_first: bool = False
) -> ReplicationStatus:
    """The header after a destination's outcome is recorded (R-122, R-123).

    A source aggregates its destinations; a replica sending its metadata back reads
    ``REPLICA`` again once every sync is done (R-122), ``PENDING`` or ``FAILED`` before.
    ``pending_first``: see :func:`aggregate_status`.
    """
    aggregate = aggregate_status(statuses, pending_first=pending_first)
    if replica_sync and aggregate is ReplicationStatus.COMPLETED:
        return ReplicationStatus.REPLICA
    return aggregate


def statuses_after(
    statuses: FrozenMap[str, ReplicationStatus],
    reasons: FrozenMap[str, FailureReason],
    destination: str,
    status: ReplicationStatus,
    reason: FailureReason | None,
    *,
    replica_sync: bool,
) -> tuple[FrozenMap[str, ReplicationStatus], FrozenMap[str, FailureReason], ReplicationStatus]:
    """A version's status map, failure reasons and header after one outcome (R-122..R-124).

    Args:
        statuses: the per-destination statuses before.
        reasons: the per-destination failure reasons before.
        destination: the destination whose outcome is recorded.
        status: its new status.
        reason: its failure reason, if it failed.
        replica_sync: whether the version is a replica syncing its change back (R-122).

    Returns:
        The new statuses, the new reasons and the new header (:func:`status_after`):
        new maps (policy shares none; the engine remembers each transition, so its
        versions recorded alike share the maps, ``PolicyCache.status_changes``).
    """
    new_statuses = {**statuses, destination: status}
    new_reasons = reasons if reason is None else FrozenMap({**reasons, destination: reason})
    return (
        FrozenMap(new_statuses),
        new_reasons,
        status_after(new_statuses, replica_sync=replica_sync),
    )


@attrs.frozen(kw_only=True)
class MetadataChange:
    """A metadata change of a stored version: where it goes and what the version reads.

    Attributes:
        routes: the destinations the change travels to (R-085, R-088).
        version: the changed version as it is stored: a replica sending its change
            back reads ``PENDING`` per destination (R-122).
        replica_sync: whether the change is a replica modification sync (R-122, R-172).
    """

    routes: tuple[Route, ...]
    version: ObjectVersion
    replica_sync: bool


def metadata_change(
    world: World, bucket: str, updated: ObjectVersion, *, acl_changed: bool = False
) -> MetadataChange:
    """Route a metadata change (tags, ACL, retention, legal hold) and set its status.

    R-122: a replica shows ``PENDING`` while its change travels back to its source
    (under ``ReplicaModifications``), and ``REPLICA`` again once every sync is done
    (:func:`status_after`).

    Args:
        world: the world.
        bucket: the bucket holding the version.
        updated: the version with the change applied.
        acl_changed: whether the change is an ACL change (R-151..R-154).
    """
    routes = route_metadata(world, bucket, updated, acl_changed=acl_changed)
    replica_sync = updated.replication_status is ReplicationStatus.REPLICA and bool(routes)
    if replica_sync:
        updated = evolve_version(
            updated,
            replication_status=_PENDING,
            destination_statuses=pending_statuses(routes),
        )
    return MetadataChange(routes=routes, version=updated, replica_sync=replica_sync)


def outcome_changes_status(task: ReplicationTask) -> bool:
    """Whether a task's outcome is recorded in the carrying version's status (R-124).

    Objects, delete markers and replica modification syncs are; a source's metadata
    operations (tags, ACL, lock changes) leave its status as it is [INF].
    """
    return task.kind is not _METADATA_TASK or task.replica_modification


def sends_failure_events(rule: ReplicationRule | None) -> bool:
    """Whether a failure under ``rule`` sends ``OperationFailedReplication`` (R-129).

    Failure events need replication metrics on the rule, not RTC.
    """
    metrics = None if rule is None else rule.destination.metrics
    return metrics is not None and metrics.status is Status.ENABLED


def rtc_enabled(rule: ReplicationRule | None) -> bool:
    """Whether the rule has Replication Time Control enabled (R-132)."""
    rtc = None if rule is None else rule.destination.replication_time
    return rtc is not None and rtc.status is Status.ENABLED


def rtc_applies(rule: ReplicationRule | None, task: ReplicationTask) -> bool:
    """Whether the RTC threshold (15 minutes) covers the task (R-129, R-132).

    Only object operations under a rule with RTC enabled; delete markers are outside
    the SLA.
    """
    return task.kind is TaskKind.OBJECT and rtc_enabled(rule)


#: The RTC threshold in minutes (R-129, R-132): replication within 15 minutes.
RTC_THRESHOLD_MINUTES = 15
_RTC_THRESHOLD = dt.timedelta(minutes=RTC_THRESHOLD_MINUTES)
_SECOND = dt.timedelta(seconds=1)


@attrs.frozen(kw_only=True)
class Notification:
    """An ``s3:Replication:*`` event a step sends (R-128..R-130), without its envelope.

    The engine adds what every event carries (time, bucket, key, version, rule,
    destination, operation).

    Attributes:
        kind: ``OperationFailedReplication``, ``OperationMissedThreshold`` or
            ``OperationReplicatedAfterThreshold``.
        failure_reason: the failure reason of a failure event.
        threshold: the RTC threshold in minutes, for threshold events.
        replication_time_seconds: how long a late replication took, in seconds.
    """

    kind: str = attrs.field(
        validator=attrs.validators.in_(
            (
                "OperationFailedReplication",
                "OperationMissedThreshold",
                "OperationReplicatedAfterThreshold",
            )
        )
    )
    failure_reason: FailureReason | None = None
    threshold: int | None = None
    replication_time_seconds: int | None = None


#: ``OperationMissedThreshold`` (R-129): an RTC operation still pending after 15 minutes.
MISSED_THRESHOLD = Notification(kind="OperationMissedThreshold", threshold=RTC_THRESHOLD_MINUTES)


def failure_notifications(
    rule: ReplicationRule | None, reasons: tuple[FailureReason | None, ...]
) -> tuple[Notification, ...]:
    """The ``OperationFailedReplication`` events of failed operations (R-129).

    Sent only under a rule with replication metrics enabled.
    """
    if not reasons or not sends_failure_events(rule):
        return ()
    return tuple(
        Notification(kind="OperationFailedReplication", failure_reason=reason) for reason in reasons
    )


def rtc_late(
    rule: ReplicationRule | None,
    task: ReplicationTask,
    version: ObjectVersion | DeleteMarker | None,
    now: dt.datetime,
) -> bool:
    """Whether an RTC operation has missed its 15 minutes at ``now`` (R-129, R-132)."""
    return (
        version is not None
        and rtc_applies(rule, task)
        and now - version.last_modified > _RTC_THRESHOLD
    )


def rtc_notifications(
    rule: ReplicationRule | None,
    task: ReplicationTask,
    version: ObjectVersion | DeleteMarker | None,
    now: dt.datetime,
    *,
    missed_reported: bool,
) -> tuple[Notification, ...]:
    """The threshold events of an operation replicated at ``now`` (R-129, R-132).

    Late: ``OperationMissedThreshold`` first unless ``advance`` has already reported
    it, then ``OperationReplicatedAfterThreshold`` with the time it took.
    """
    if version is None or not rtc_late(rule, task, version, now):
        return ()
    after = Notification(
        kind="OperationReplicatedAfterThreshold",
        threshold=RTC_THRESHOLD_MINUTES,
        replication_time_seconds=(now - version.last_modified) // _SECOND,
    )
    return (after,) if missed_reported else (MISSED_THRESHOLD, after)


def retry_delay_us(profile: Profile) -> int:
    """How long a transiently failed task waits, in microseconds (R-124, a Profile switch)."""
    return profile.retry_delay_seconds * 1_000_000


def orders_by_source_time(profile: Profile) -> bool:
    """Whether a destination stacks replicas by the source's creation order (R-143).

    ``True`` under the default ``source_timestamp`` switch: a late older version goes
    below newer ones and never becomes current.  ``False`` under ``arrival``.
    """
    return profile.destination_version_order is _BY_SOURCE_TIME


def lifecycle_may_expire(version: ObjectVersion | DeleteMarker) -> bool:
    """Whether a lifecycle action may act on the version now: not while PENDING (R-125)."""
    return version.replication_status is not ReplicationStatus.PENDING
