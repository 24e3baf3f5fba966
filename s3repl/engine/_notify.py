"""The engine's event notifications: bucket configurations and in-memory sinks (R-128).

What a configuration holds, which target takes an event and what a record looks like
is ``notifications``' job; this part stores configurations per bucket, turns engine
events into records and keeps every delivered message in its target's sink, in
delivery order, until the user reads (or drains) it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from s3repl.engine._core import _EngineCore
from s3repl.engine.notifications import (
    NotificationConfiguration,
    created_record,
    notification_configuration,
    notification_configuration_dict,
    replication_record,
)
from s3repl.engine.results import ReplicationEvent
from s3repl.model import ObjectVersion

__all__: list[str] = []


class _Notifications(_EngineCore):
    """``Put``/``GetBucketNotificationConfiguration`` and the sinks they deliver to."""

    def put_bucket_notification_configuration(
        self,
        bucket: str,
        configuration: Mapping[str, Any] | NotificationConfiguration,
        *,
        account: str | None = None,
    ) -> None:
        """Replace the bucket's notification configuration (an empty one removes it).

        ``configuration`` is boto3's ``NotificationConfiguration`` shape
        (``QueueConfigurations``, ``TopicConfigurations``,
        ``LambdaFunctionConfigurations``) or a ``NotificationConfiguration`` value
        (``s3repl.engine.notifications``).
        Delivered events: ``s3:ObjectCreated:*`` (``Put``, ``Copy``,
        ``CompleteMultipartUpload``) and ``s3:Replication:*``; other event types are
        accepted and kept, and never fire.

        Raises:
            NoSuchBucket: the bucket does not exist.
            AccessDenied: the caller may not configure the bucket.
            MalformedXML: the document has an unknown element or a wrong shape.
            InvalidArgument: an unknown event type, a wrong ARN, a filter with two
                prefix (or suffix) rules, or overlapping configurations.
        """
        target = self._bucket(bucket)
        self._authorize(target, account, "s3:PutBucketNotification")
        config = (
            configuration
            if isinstance(configuration, NotificationConfiguration)
            else notification_configuration(configuration)
        )
        self._tick()
        if config.targets or config.event_bridge:
            self._notification_configs[bucket] = config
        else:
            self._notification_configs.pop(bucket, None)

    def get_bucket_notification_configuration(
        self, bucket: str, *, account: str | None = None
    ) -> dict[str, Any]:
        """The bucket's notification configuration in boto3's shape (``{}`` if none).

        Raises:
            NoSuchBucket: the bucket does not exist.
            AccessDenied: the caller may not read the bucket's configuration.
        """
        target = self._bucket(bucket)
        self._authorize(target, account, "s3:GetBucketNotification")
        config = self._notification_configs.get(bucket)
        return {} if config is None else notification_configuration_dict(config)

    def notifications(self, arn: str, *, drain: bool = False) -> tuple[dict[str, Any], ...]:
        """The messages delivered to a queue, topic or function ARN, oldest first.

        Each message is ``{"Records": [record]}`` in S3's event JSON shape, a fresh
        dict on every read.  ``drain=True`` also empties the sink (as receiving and
        deleting from a queue would), so long simulations keep memory flat.
        """
        sink = self._sinks.get(arn, [])
        messages = tuple(json.loads(message) for message in sink)
        if drain:
            self._sinks.pop(arn, None)
        return messages

    def _next_request_id(self) -> str:
        self._notification_count += 1
        return f"{self._notification_count:016X}"

    def _deliver(self, arn: str, message: str) -> None:
        sink = self._sinks.get(arn)
        if sink is None:
            sink = self._sinks[arn] = []
        sink.append(message)

    def _route_event(self, event: ReplicationEvent) -> None:
        """Deliver a replication event to the source bucket's matching targets."""
        config = self._notification_configs.get(event.source_bucket)
        bucket = self._buckets.get(event.source_bucket)
        if config is None or bucket is None:
            return
        version = self._store.find(event.source_bucket, event.key, event.version_id)
        is_object = type(version) is ObjectVersion
        for target in config.targets_for(f"s3:{event.event_name}", event.key):
            self._deliver(
                target.arn,
                replication_record(
                    bucket=bucket,
                    event=event,
                    size=version.size if is_object else None,  # type: ignore[union-attr]
                    etag=version.etag if is_object else None,  # type: ignore[union-attr]
                    configuration_id=target.id,
                    request_id=self._next_request_id(),
                ),
            )

    def _route_created(self, bucket: str, version: ObjectVersion, operation: str) -> None:
        """Deliver ``ObjectCreated:<operation>`` to the bucket's matching targets."""
        config = self._notification_configs.get(bucket)
        found = self._buckets.get(bucket)
        if config is None or found is None:
            return
        for target in config.targets_for(f"s3:ObjectCreated:{operation}", version.key):
            self._deliver(
                target.arn,
                created_record(
                    bucket=found,
                    version=version,
                    operation=operation,
                    caller=found.owner,
                    configuration_id=target.id,
                    request_id=self._next_request_id(),
                ),
            )
