"""Status rules: what a version's replication status reads (R-120..R-125, R-129..R-132, R-143)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

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
from s3repl.model._frozenmap import EMPTY
from s3repl.model.objects import with_statuses
from s3repl.policy._routing import Route
from s3repl.profile import DestinationVersionOrder, Profile

# Enum members read through their class cost a metaclass lookup (about 170 ns on
# CPython 3.11); the functions every step runs read these module constants instead.
_PENDING = ReplicationStatus.PENDING
_METADATA_TASK = TaskKind.METADATA
_BY_SOURCE_TIME = DestinationVersionOrder.SOURCE_TIMESTAMP

# --- status (R-120..R-125) -----------------------------------------------------------


def pending_statuses(routes: Sequence[Route]) -> FrozenMap[str, ReplicationStatus]:
    """The status map of a version just routed: every destination ``PENDING`` (R-124).

    Interned, so that every version routed alike shares one map.
    """
    if not routes:
        return _NO_STATUSES
    return FrozenMap.interned({route.destination_bucket: _PENDING for route in routes})


def aggregate_status(statuses: Mapping[str, ReplicationStatus]) -> ReplicationStatus:
    """The source's ``x-amz-replication-status`` over its destinations (R-123).

    ``FAILED`` as soon as one destination failed (even while others are pending),
    else ``PENDING`` while any is pending, else ``COMPLETED``.
    """
    values = list(statuses.values())
    if ReplicationStatus.FAILED in values:
        return ReplicationStatus.FAILED
    if ReplicationStatus.PENDING in values:
        return ReplicationStatus.PENDING
    return ReplicationStatus.COMPLETED


def status_after(
    statuses: Mapping[str, ReplicationStatus], *, replica_sync: bool
) -> ReplicationStatus:
    """The header after a destination's outcome is recorded (R-122, R-123).

    A source aggregates its destinations; a replica sending its metadata back reads
    ``REPLICA`` again once every sync is done (R-122), ``PENDING`` or ``FAILED`` before.
    """
    aggregate = aggregate_status(statuses)
    if replica_sync and aggregate is ReplicationStatus.COMPLETED:
        return ReplicationStatus.REPLICA
    return aggregate


_VersionT = TypeVar("_VersionT", bound=ObjectVersion | DeleteMarker)


def version_after_outcome(
    version: _VersionT,
    destination: str,
    status: ReplicationStatus,
    reason: FailureReason | None,
    *,
    replica_sync: bool,
) -> _VersionT:
    """The version with one destination's outcome recorded (R-122, R-123, R-124).

    Its status map gains the destination's status, its failure reasons the reason (if
    any), and its header becomes :func:`status_after` of the new map.
    """
    statuses: FrozenMap[str, ReplicationStatus] = version.destination_statuses
    reasons: FrozenMap[str, FailureReason] = version.failure_reasons
    memo_key = (id(statuses), id(reasons), destination, status, reason, replica_sync)
    found = _STATUS_MEMO.get(memo_key)
    if found is None or found[0] is not statuses or found[1] is not reasons:
        found = _STATUS_MEMO[memo_key] = (
            statuses,
            reasons,
            *_statuses_after(statuses, reasons, destination, status, reason, replica_sync),
        )
        if len(_STATUS_MEMO) > _STATUS_MEMO_MAX:
            _STATUS_MEMO.clear()
            _STATUS_MEMO[memo_key] = found
    return with_statuses(version, found[2], found[3], found[4])


# Status maps are interned and few, and every step records one outcome: the memo is
# keyed by the maps' identities (checked on a hit, since the entry keeps them alive,
# an id is never reused while its entry exists); FrozenMap's own hash is Python-level.
_STATUS_MEMO: dict[
    tuple[int, int, str, ReplicationStatus, FailureReason | None, bool],
    tuple[
        FrozenMap[str, ReplicationStatus],
        FrozenMap[str, FailureReason],
        FrozenMap[str, ReplicationStatus],
        FrozenMap[str, FailureReason],
        ReplicationStatus,
    ],
] = {}
_STATUS_MEMO_MAX = 4096
_NO_STATUSES: FrozenMap[str, ReplicationStatus] = EMPTY


def _statuses_after(
    statuses: FrozenMap[str, ReplicationStatus],
    reasons: FrozenMap[str, FailureReason],
    destination: str,
    status: ReplicationStatus,
    reason: FailureReason | None,
    replica_sync: bool,  # noqa: FBT001 - a memo key part
) -> tuple[FrozenMap[str, ReplicationStatus], FrozenMap[str, FailureReason], ReplicationStatus]:
    new_statuses = {**statuses, destination: status}
    new_reasons = (
        reasons if reason is None else FrozenMap.interned({**reasons, destination: reason})
    )
    return (
        FrozenMap.interned(new_statuses),
        new_reasons,
        status_after(new_statuses, replica_sync=replica_sync),
    )


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


def orders_by_source_time(profile: Profile) -> bool:
    """Whether a destination stacks replicas by the source's creation order (R-143).

    ``True`` under the default ``source_timestamp`` switch: a late older version goes
    below newer ones and never becomes current.  ``False`` under ``arrival``.
    """
    return profile.destination_version_order is _BY_SOURCE_TIME


def lifecycle_may_expire(version: ObjectVersion | DeleteMarker) -> bool:
    """Whether a lifecycle action may act on the version now: not while PENDING (R-125)."""
    return version.replication_status is not ReplicationStatus.PENDING
