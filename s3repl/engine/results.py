"""Values the engine returns that are not model values: delete results and events."""

from __future__ import annotations

import datetime as dt

import attrs

from s3repl.model import FailureReason

__all__ = [
    "DeleteError",
    "DeleteObjectsResult",
    "DeleteResult",
    "DeletedObject",
    "MetricPoint",
    "MetricSeries",
    "ReplicationEvent",
    "ReplicationMetrics",
]


@attrs.frozen(kw_only=True, weakref_slot=False)
class DeleteResult:
    """What ``DeleteObject`` answers.

    Attributes:
        version_id: the delete marker's id, or the id of the version deleted.
        delete_marker: whether the delete created (or removed) a delete marker.
    """

    version_id: str | None
    delete_marker: bool


@attrs.frozen(kw_only=True)
class ReplicationEvent:
    """An ``s3:Replication:*`` event notification (R-128..R-130).

    Attributes:
        event_name: for example ``"Replication:OperationFailedReplication"``.
        event_time: when the event happened (simulated clock).
        source_bucket: the bucket the replicated version lives in.
        key: the object key.
        version_id: the version id.
        rule_id: ``replicationRuleId``.
        destination_bucket: ``destinationBucket`` (an ARN, as AWS writes it).
        s3_operation: ``s3Operation`` (``OBJECT_PUT``, ``OBJECT_DELETE``, ...).
        request_time: ``requestTime``: when the source operation happened.
        failure_reason: ``failureReason`` for failures, else ``None``.
        threshold: ``threshold`` in minutes for RTC events, else ``None``.
        replication_time_seconds: ``replicationTime`` for threshold events, else ``None``.
    """

    event_name: str
    event_time: dt.datetime
    source_bucket: str
    key: str
    version_id: str
    rule_id: str
    destination_bucket: str
    s3_operation: str
    request_time: dt.datetime
    failure_reason: FailureReason | None = None
    threshold: int | None = None
    replication_time_seconds: int | None = None

    @property
    def event_version(self) -> str:
        """Replication events use event version ``2.2`` (R-130)."""
        return "2.2"

    @property
    def principal_id(self) -> str:
        """``userIdentity.principalId`` is the S3 service (R-130)."""
        return "s3.amazonaws.com"


@attrs.frozen(kw_only=True)
class ReplicationMetrics:
    """The CloudWatch replication metrics of one rule and destination (R-131).

    Attributes:
        source_bucket: the source bucket.
        rule_id: the rule.
        destination_bucket: the destination bucket.
        operations_pending: ``OperationsPendingReplication``.
        bytes_pending: ``BytesPendingReplication``.
        replication_latency_seconds: ``ReplicationLatency``: how far the destination
            is behind (the age of the oldest pending operation).
        operations_failed: ``OperationsFailedReplication`` (the running sum).
    """

    source_bucket: str
    rule_id: str
    destination_bucket: str
    operations_pending: int
    bytes_pending: int
    replication_latency_seconds: int
    operations_failed: int


@attrs.frozen(kw_only=True)
class MetricPoint:
    """One datapoint of a metric series: the period's start and its statistic's value.

    Attributes:
        timestamp: when the period starts (simulated time).
        value: the statistic over the period (see :attr:`MetricSeries.statistic`).
    """

    timestamp: dt.datetime
    value: float


@attrs.frozen(kw_only=True)
class MetricSeries:
    """A replication metric over simulated time, for one rule and destination (R-131).

    Attributes:
        name: the CloudWatch metric name, for example ``"ReplicationLatency"``.
        unit: its CloudWatch unit (``"Seconds"``, ``"Bytes"`` or ``"Count"``).
        statistic: ``"Maximum"`` or ``"Sum"``, the statistic of each point.
        source_bucket: the source bucket.
        rule_id: the rule (CloudWatch's ``RuleId`` dimension).
        destination_bucket: the destination bucket (``DestinationBucket``).
        resolution_seconds: the period of each point.
        points: the datapoints, oldest first.
    """

    name: str
    unit: str
    statistic: str
    source_bucket: str
    rule_id: str
    destination_bucket: str
    resolution_seconds: float
    points: tuple[MetricPoint, ...] = ()


@attrs.frozen(kw_only=True)
class DeletedObject:
    """One key ``DeleteObjects`` deleted (an entry of its ``Deleted`` list).

    Attributes:
        key: the object key.
        version_id: the version id the request named, or ``None``.
        delete_marker: whether a delete marker was created or deleted.
        delete_marker_version_id: that delete marker's version id, or ``None``.
    """

    key: str
    version_id: str | None = None
    delete_marker: bool = False
    delete_marker_version_id: str | None = None


@attrs.frozen(kw_only=True)
class DeleteError:
    """One key ``DeleteObjects`` could not delete (an entry of its ``Errors`` list).

    Attributes:
        key: the object key.
        version_id: the version id the request named, or ``None``.
        code: the S3 error code, for example ``"AccessDenied"``.
        message: the error message.
    """

    key: str
    version_id: str | None
    code: str
    message: str


@attrs.frozen(kw_only=True)
class DeleteObjectsResult:
    """What ``DeleteObjects`` answers: every key deleted, and every key refused.

    Attributes:
        deleted: the keys deleted, in request order.
        errors: the keys refused, in request order.
    """

    deleted: tuple[DeletedObject, ...] = ()
    errors: tuple[DeleteError, ...] = ()
