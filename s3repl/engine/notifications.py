"""Bucket event notifications: the configuration, how S3 routes an event, the record.

Theory of operation (R-128..R-130; issue 12).  A bucket's notification configuration
is a list of targets (SQS queues, SNS topics, Lambda functions), each with the event
types it takes and an optional key filter (one prefix rule, one suffix rule).  When an
event happens on a bucket, every target whose event types name it (exactly, or by a
``:*`` wildcard) and whose filter matches the object key receives one message
``{"Records": [record]}``, the record in S3's event JSON shape: ``eventVersion`` 2.1
(2.2 for ``s3:Replication:*``, R-130), ``eventSource`` ``aws:s3``, ``eventName``
without the ``s3:`` prefix, ``s3.bucket``, ``s3.object`` (the key URL-encoded as S3
encodes it) and, for replication events, ``replicationEventData``.

S3 refuses two targets that could both take one event: their event types share a type
(wildcards included) and their prefixes and suffixes overlap ("Configurations
overlap"); so does :func:`notification_configuration`.

Why the records are strings: a delivered message is frozen as compact JSON, so sinks
are immutable, snapshots carry them, and every reader gets a fresh dict.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from s3repl.engine.results import ReplicationEvent
from s3repl.errors import InvalidArgument, MalformedXML
from s3repl.model import Bucket, ObjectVersion

__all__ = [
    "EVENT_TYPES",
    "NotificationConfiguration",
    "NotificationTarget",
    "TargetKind",
    "created_record",
    "event_matches",
    "notification_configuration",
    "notification_configuration_dict",
    "replication_record",
]

#: Every event type S3 accepts in a notification configuration (botocore's ``Event``).
EVENT_TYPES = frozenset(
    {
        "s3:ReducedRedundancyLostObject",
        "s3:ObjectCreated:*",
        "s3:ObjectCreated:Put",
        "s3:ObjectCreated:Post",
        "s3:ObjectCreated:Copy",
        "s3:ObjectCreated:CompleteMultipartUpload",
        "s3:ObjectRemoved:*",
        "s3:ObjectRemoved:Delete",
        "s3:ObjectRemoved:DeleteMarkerCreated",
        "s3:ObjectRestore:*",
        "s3:ObjectRestore:Post",
        "s3:ObjectRestore:Completed",
        "s3:ObjectRestore:Delete",
        "s3:Replication:*",
        "s3:Replication:OperationFailedReplication",
        "s3:Replication:OperationNotTracked",
        "s3:Replication:OperationMissedThreshold",
        "s3:Replication:OperationReplicatedAfterThreshold",
        "s3:LifecycleTransition",
        "s3:IntelligentTiering",
        "s3:ObjectAcl:Put",
        "s3:LifecycleExpiration:*",
        "s3:LifecycleExpiration:Delete",
        "s3:LifecycleExpiration:DeleteMarkerCreated",
        "s3:ObjectTagging:*",
        "s3:ObjectTagging:Put",
        "s3:ObjectTagging:Delete",
        "s3:ObjectAnnotation:*",
        "s3:ObjectAnnotation:Put",
        "s3:ObjectAnnotation:Delete",
        "s3:ObjectRetention:Put",
        "s3:MultipartUpload:*",
        "s3:MultipartUpload:PartUploaded",
        "s3:MultipartUpload:PartCopied",
        "s3:MultipartUpload:Aborted",
    }
)


class TargetKind(enum.Enum):
    """Where a notification goes: the configuration list it sits in, and its ARN key."""

    def __repr__(self) -> str:
        """Return ``ClassName.MEMBER``."""
        return f"{type(self).__name__}.{self.name}"

    QUEUE = "Queue"
    TOPIC = "Topic"
    FUNCTION = "LambdaFunction"


_ARN_PATTERNS = {
    TargetKind.QUEUE: re.compile(r"arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,80}"),
    TargetKind.TOPIC: re.compile(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}"),
    TargetKind.FUNCTION: re.compile(
        r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?"
    ),
}


@attrs.frozen(kw_only=True)
class NotificationTarget:
    """One queue, topic or function configuration of a bucket.

    Attributes:
        kind: queue, topic or Lambda function.
        arn: the destination's ARN.
        id: the configuration id (``configurationId`` in records).
        events: the event types it takes, for example ``("s3:Replication:*",)``.
        prefix: the key prefix filter, or ``None``.
        suffix: the key suffix filter, or ``None``.
    """

    kind: TargetKind = attrs.field(converter=TargetKind)
    arn: str
    id: str
    events: tuple[str, ...]
    prefix: str | None = None
    suffix: str | None = None

    def __attrs_post_init__(self) -> None:
        """Refuse an ARN of the wrong service and unknown or missing event types."""
        if not _ARN_PATTERNS[self.kind].fullmatch(self.arn):
            msg = f"Invalid {self.kind.value} ARN: {self.arn!r}"
            raise InvalidArgument(msg, element=f"{self.kind.value}Arn")
        if not self.events:
            msg = "A notification configuration needs at least one event type"
            raise InvalidArgument(msg, element="Event")
        for event in self.events:
            if event not in EVENT_TYPES:
                msg = f"The event is not supported for notifications: {event!r}"
                raise InvalidArgument(msg, element="Event")

    def takes(self, event_name: str, key: str) -> bool:
        """Whether this target receives ``event_name`` (``s3:...``) for ``key``."""
        if self.prefix is not None and not key.startswith(self.prefix):
            return False
        if self.suffix is not None and not key.endswith(self.suffix):
            return False
        return any(event_matches(pattern, event_name) for pattern in self.events)


def event_matches(pattern: str, event_name: str) -> bool:
    """Whether a configured event type (maybe ``...:*``) names ``event_name``."""
    if pattern.endswith(":*"):
        return event_name.startswith(pattern[:-1])
    return pattern == event_name


def _types_overlap(one: str, other: str) -> bool:
    return event_matches(one, other) or event_matches(other, one) or one == other


def _affix_overlap(one: str | None, other: str | None, *, suffix: bool) -> bool:
    if one is None or other is None:
        return True
    if suffix:
        return one.endswith(other) or other.endswith(one)
    return one.startswith(other) or other.startswith(one)


def _overlap(one: NotificationTarget, other: NotificationTarget) -> bool:
    return (
        any(_types_overlap(a, b) for a in one.events for b in other.events)
        and _affix_overlap(one.prefix, other.prefix, suffix=False)
        and _affix_overlap(one.suffix, other.suffix, suffix=True)
    )


@attrs.frozen(kw_only=True)
class NotificationConfiguration:
    """A bucket's notification configuration: its targets, in document order.

    Attributes:
        targets: the queue, topic and function configurations.
        event_bridge: whether ``EventBridgeConfiguration`` is present (kept, not
            delivered: s3repl has no EventBridge).
    """

    targets: tuple[NotificationTarget, ...] = ()
    event_bridge: bool = False

    def __attrs_post_init__(self) -> None:
        """Refuse duplicate ids and overlapping targets, as S3 does."""
        ids = [target.id for target in self.targets]
        if len(set(ids)) != len(ids):
            msg = "Configuration ids must be unique within a bucket"
            raise InvalidArgument(msg, element="Id")
        for index, one in enumerate(self.targets):
            for other in self.targets[index + 1 :]:
                if _overlap(one, other):
                    msg = (
                        "Configurations overlap. Configurations on the same bucket cannot "
                        "share a common event type."
                    )
                    raise InvalidArgument(msg, element="Event")

    def targets_for(self, event_name: str, key: str) -> tuple[NotificationTarget, ...]:
        """The targets that receive ``event_name`` (``s3:...``) for ``key``, in order."""
        return tuple(target for target in self.targets if target.takes(event_name, key))


_LISTS = {
    "QueueConfigurations": TargetKind.QUEUE,
    "TopicConfigurations": TargetKind.TOPIC,
    "LambdaFunctionConfigurations": TargetKind.FUNCTION,
}
_TOP_KEYS = frozenset(_LISTS) | {"EventBridgeConfiguration"}


def notification_configuration(document: Mapping[str, Any]) -> NotificationConfiguration:
    """Read boto3's ``NotificationConfiguration`` shape into a validated value.

    Ids default to a deterministic ``"<Kind>-<n>"`` (S3 assigns a random one).

    Raises:
        MalformedXML: an unknown element, or a list or filter of the wrong shape.
        InvalidArgument: an unknown event type, a wrong ARN, two prefix (or suffix)
            rules in one filter, or overlapping configurations.
    """
    if not isinstance(document, Mapping):
        raise MalformedXML(MalformedXML.DEFAULT_MESSAGE, element="NotificationConfiguration")
    unknown = sorted(str(key) for key in document if key not in _TOP_KEYS)
    if unknown:
        raise MalformedXML(MalformedXML.DEFAULT_MESSAGE, element=unknown[0])
    targets: list[NotificationTarget] = []
    for list_name, kind in _LISTS.items():
        entries = document.get(list_name, ())
        if not isinstance(entries, Sequence) or isinstance(entries, str):
            raise MalformedXML(MalformedXML.DEFAULT_MESSAGE, element=list_name)
        for number, entry in enumerate(entries, start=1):
            targets.append(_target(entry, kind, f"{kind.value}-{number}"))
    return NotificationConfiguration(
        targets=tuple(targets), event_bridge="EventBridgeConfiguration" in document
    )


def _target(entry: object, kind: TargetKind, default_id: str) -> NotificationTarget:
    arn_key = f"{kind.value}Arn"
    known = {"Id", arn_key, "Events", "Filter"}
    if not isinstance(entry, Mapping) or not set(entry) <= known or arn_key not in entry:
        raise MalformedXML(MalformedXML.DEFAULT_MESSAGE, element=f"{kind.value}Configuration")
    events = entry.get("Events")
    if not isinstance(events, Sequence) or isinstance(events, str):
        raise MalformedXML(MalformedXML.DEFAULT_MESSAGE, element="Events")
    prefix, suffix = _filter(entry.get("Filter"))
    return NotificationTarget(
        kind=kind,
        arn=str(entry[arn_key]),
        id=str(entry.get("Id") or default_id),
        events=tuple(str(event) for event in events),
        prefix=prefix,
        suffix=suffix,
    )


def _filter(value: object) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    key = value.get("Key", {}) if isinstance(value, Mapping) else None
    rules = key.get("FilterRules", ()) if isinstance(key, Mapping) else None
    if not isinstance(rules, Sequence) or isinstance(rules, str):
        raise MalformedXML(MalformedXML.DEFAULT_MESSAGE, element="Filter")
    found: dict[str, str] = {}
    for rule in rules:
        if not isinstance(rule, Mapping) or not isinstance(rule.get("Value"), str):
            raise MalformedXML(MalformedXML.DEFAULT_MESSAGE, element="FilterRule")
        name = str(rule.get("Name", "")).lower()
        if name not in ("prefix", "suffix"):
            msg = "filter rule name must be either prefix or suffix"
            raise InvalidArgument(msg, element="FilterRule")
        if name in found:
            msg = f"Cannot specify more than one {name} rule in a filter."
            raise InvalidArgument(msg, element="FilterRule")
        found[name] = rule["Value"]
    return found.get("prefix"), found.get("suffix")


def notification_configuration_dict(config: NotificationConfiguration) -> dict[str, Any]:
    """The configuration in boto3's ``GetBucketNotificationConfiguration`` shape."""
    answer: dict[str, Any] = {}
    for list_name, kind in _LISTS.items():
        entries = []
        for target in config.targets:
            if target.kind is not kind:
                continue
            entry: dict[str, Any] = {
                "Id": target.id,
                f"{kind.value}Arn": target.arn,
                "Events": list(target.events),
            }
            rules = [
                {"Name": name, "Value": value}
                for name, value in (("Prefix", target.prefix), ("Suffix", target.suffix))
                if value is not None
            ]
            if rules:
                entry["Filter"] = {"Key": {"FilterRules": rules}}
            entries.append(entry)
        if entries:
            answer[list_name] = entries
    if config.event_bridge:
        answer["EventBridgeConfiguration"] = {}
    return answer


def _iso(moment: dt.datetime) -> str:
    """ISO-8601 with milliseconds and ``Z``, as S3 writes ``eventTime``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def _envelope(
    *,
    version: str,
    region: str,
    when: dt.datetime,
    name: str,
    principal: str,
    source_ip: str,
    request_id: str,
    configuration_id: str,
    bucket: Bucket,
    obj: dict[str, Any],
) -> dict[str, Any]:
    return {
        "eventVersion": version,
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": _iso(when),
        "eventName": name,
        "userIdentity": {"principalId": principal},
        "requestParameters": {"sourceIPAddress": source_ip},
        "responseElements": {"x-amz-request-id": request_id, "x-amz-id-2": request_id},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": bucket.name,
                "ownerIdentity": {"principalId": bucket.owner},
                "arn": bucket.arn,
            },
            "object": obj,
        },
    }


def _key(key: str) -> str:
    """The key as S3 writes it in records: URL-encoded, a space as ``+``."""
    return urllib.parse.quote_plus(key, safe="/")


def created_record(
    *,
    bucket: Bucket,
    version: ObjectVersion,
    operation: str,
    caller: str,
    configuration_id: str,
    request_id: str,
) -> str:
    """An ``ObjectCreated:<operation>`` record (event version 2.1), as compact JSON."""
    obj: dict[str, Any] = {
        "key": _key(version.key),
        "size": version.size,
        "eTag": version.etag.strip('"'),
        "sequencer": f"{version.sequence:016X}",
    }
    if version.version_id != "null":
        obj["versionId"] = version.version_id
    record = _envelope(
        version="2.1",
        region=bucket.region,
        when=version.last_modified,
        name=f"ObjectCreated:{operation}",
        principal=caller,
        source_ip="127.0.0.1",
        request_id=request_id,
        configuration_id=configuration_id,
        bucket=bucket,
        obj=obj,
    )
    return json.dumps({"Records": [record]}, separators=(",", ":"))


def replication_record(
    *,
    bucket: Bucket,
    event: ReplicationEvent,
    size: int | None,
    etag: str | None,
    configuration_id: str,
    request_id: str,
) -> str:
    """An ``s3:Replication:*`` record (event version 2.2, R-130), as compact JSON."""
    obj: dict[str, Any] = {"key": _key(event.key), "versionId": event.version_id}
    if size is not None:
        obj["size"] = size
    if etag is not None:
        obj["eTag"] = etag.strip('"')
    data: dict[str, Any] = {
        "replicationRuleId": event.rule_id,
        "destinationBucket": event.destination_bucket,
        "s3Operation": event.s3_operation,
        "requestTime": _iso(event.request_time),
    }
    if event.failure_reason is not None:
        data["failureReason"] = event.failure_reason.value
    if event.threshold is not None:
        data["threshold"] = str(event.threshold)
    if event.replication_time_seconds is not None:
        data["replicationTime"] = str(event.replication_time_seconds)
    record = _envelope(
        version=event.event_version,
        region=bucket.region,
        when=event.event_time,
        name=event.event_name,
        principal=event.principal_id,
        source_ip="s3.amazonaws.com",
        request_id=request_id,
        configuration_id=configuration_id,
        bucket=bucket,
        obj=obj,
    )
    record["replicationEventData"] = data
    return json.dumps({"Records": [record]}, separators=(",", ":"))
