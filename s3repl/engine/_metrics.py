"""The engine's metric time series: ``record_metrics`` and ``metric_series`` (R-131).

What is recorded, and how memory stays bounded, is ``_series``' job; this part
starts the recorder, counts tasks into it, and answers queries by dimension.
"""

from __future__ import annotations

from s3repl.engine._arguments import check_number
from s3repl.engine._core import EPOCH, _EngineCore
from s3repl.engine._series import METRICS, MetricRecorder
from s3repl.engine.results import MetricSeries
from s3repl.errors import InvalidUsageError
from s3repl.model import ObjectVersion, ReplicationTask, TaskKind
from s3repl.world import Version

__all__: list[str] = []

_US = 1_000_000


def _period_us(resolution_seconds: float) -> int:
    period = round(check_number(resolution_seconds, "resolution_seconds") * _US)
    if not period > 0:
        msg = f"resolution_seconds must be > 0, got {resolution_seconds!r}"
        raise InvalidUsageError(msg)
    return period


class _Metrics(_EngineCore):
    """Replication metrics as time series on simulated time."""

    def record_metrics(self, *, resolution_seconds: float = 60) -> None:
        """Start recording the replication metrics per period of ``resolution_seconds``.

        Tasks already pending count from now.  Asking again starts over.  Memory grows
        with the number of periods, not of events; replication latencies are also
        counted in a histogram of 1 % buckets for :meth:`latency_quantiles`.

        Raises:
            InvalidUsageError: (a ``ValueError``) ``resolution_seconds`` is not positive.
        """
        recorder = MetricRecorder(
            resolution_us=_period_us(resolution_seconds), now_us=self._clock_us
        )
        self._recorder = recorder
        for task in self._queue.pending():
            self._record_open(task, self._store.find(task.source_bucket, task.key, task.version_id))

    @property
    def metrics_resolution_seconds(self) -> float | None:
        """The recorded period in seconds, or ``None`` when metrics are not recorded."""
        recorder = self._recorder
        return None if recorder is None else recorder.resolution_us / _US

    def _record_open(self, task: ReplicationTask, version: Version | None) -> None:
        """Count a new pending task (bytes only for object tasks, as ``R-131`` counts)."""
        recorder = self._recorder
        assert recorder is not None  # called only while recording
        size = (
            version.size if task.kind is TaskKind.OBJECT and type(version) is ObjectVersion else 0
        )
        key = (task.source_bucket, task.rule_id, task.destination_bucket)
        recorder.open(key, task.sequence, size, self._clock_us)

    def latency_quantiles(
        self,
        quantiles: tuple[float, ...] = (0.5, 0.99, 1.0),
        *,
        source_bucket: str | None = None,
        rule_id: str | None = None,
        destination: str | None = None,
    ) -> tuple[float, ...] | None:
        """Quantiles of replication latency (seconds) since recording started.

        Latency is from a task's creation (the put) to its replica landing, over every
        operation replicated under the matching rules and destinations.  From a
        histogram of 1 % buckets (see ``record_metrics()``): an answer is within 1 %
        of the exact quantile; ``1.0`` is the exact maximum.

        Returns:
            One value per quantile, in order, or ``None`` when nothing replicated.

        Raises:
            InvalidUsageError: (a ``ValueError``) metrics are not being recorded, or
                a quantile is not a number within ``[0, 1]``.
        """
        recorder = self._recording()
        given: object = quantiles  # untyped callers pass anything
        if not isinstance(given, tuple | list):
            msg = f"quantiles must be a tuple of numbers, got {type(given).__name__}"
            raise InvalidUsageError(msg)
        for quantile in quantiles:
            if not 0 <= check_number(quantile, "a quantile") <= 1:
                msg = f"quantiles must be within [0, 1], got {quantile!r}"
                raise InvalidUsageError(msg)
        keys = self._matching(recorder, source_bucket, rule_id, destination)
        return recorder.latency_quantiles(quantiles, keys)

    def _recording(self) -> MetricRecorder:
        recorder = self._recorder
        if recorder is None:
            msg = "metrics are not being recorded: call record_metrics() first"
            raise InvalidUsageError(msg)
        return recorder

    @staticmethod
    def _matching(
        recorder: MetricRecorder,
        source_bucket: str | None,
        rule_id: str | None,
        destination: str | None,
    ) -> list[tuple[str, str, str]]:
        return [
            key
            for key in recorder.series_keys()
            if (source_bucket is None or key[0] == source_bucket)
            and (rule_id is None or key[1] == rule_id)
            and (destination is None or key[2] == destination)
        ]

    def metric_series(
        self,
        name: str,
        *,
        source_bucket: str | None = None,
        rule_id: str | None = None,
        destination: str | None = None,
        resolution_seconds: float | None = None,
    ) -> tuple[MetricSeries, ...]:
        """One metric over simulated time, one series per (source, rule, destination).

        Args:
            name: ``ReplicationLatency`` (Seconds, Maximum), ``BytesPendingReplication``
                (Bytes, Maximum), ``OperationsPendingReplication`` (Count, Maximum) or
                ``OperationsFailedReplication`` (Count, Sum).
            source_bucket: only series of this source bucket.
            rule_id: only series of this rule.
            destination: only series towards this destination bucket (name).
            resolution_seconds: the period of each point: the recorded one (default)
                or a whole multiple of it.

        Returns:
            The matching series, sorted by (source bucket, rule id, destination), each
            with one point per period from the start of recording to now (the latency
            only where an operation replicated).

        Raises:
            InvalidUsageError: (a ``ValueError``) an unknown metric name, metrics not
                being recorded (see ``record_metrics()``), or a resolution that is not
                a multiple of the recorded one.
        """
        if name not in METRICS:
            msg = f"unknown metric {name!r}; known: {', '.join(METRICS)}"
            raise InvalidUsageError(msg)
        recorder = self._recording()
        period = (
            recorder.resolution_us if resolution_seconds is None else _period_us(resolution_seconds)
        )
        if period % recorder.resolution_us:
            msg = (
                f"resolution_seconds must be a multiple of the recorded "
                f"{recorder.resolution_us / _US} s, got {resolution_seconds!r}"
            )
            raise InvalidUsageError(msg)
        keys = self._matching(recorder, source_bucket, rule_id, destination)
        return tuple(
            recorder.series(
                name, now_us=self._clock_us, epoch=EPOCH, resolution_us=period, keys=keys
            )
        )
