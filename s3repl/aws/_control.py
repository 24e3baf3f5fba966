"""The engine's controls over HTTP: the endpoints under ``/_s3repl/``.

Every answer is a JSON object.  Values are shaped from the engine's own values, field
for field, in snake_case as the Python API names them:

- a task: ``{"source_bucket", "destination_bucket", "key", "version_id", "rule_id",
  "kind", "due_us", "sequence"}``;
- a step result: ``{"task": task, "status": "COMPLETED", "failure_reason": null}``;
- an event: the :class:`~s3repl.engine.ReplicationEvent` fields, times in ISO 8601.

Errors answer ``{"error": {"code": "...", "message": "..."}}`` with a 4xx status:
``NothingPending`` (409), ``StepLimitExceeded`` (409), ``InvalidArgument`` (400),
``NoSuchControl`` (404), ``MethodNotAllowed`` (405).

Why plain functions over ``(method, path, query)``: the WSGI app stays a thin adapter,
and every answer is tested without a socket.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from s3repl.errors import NothingPendingError, StepLimitExceededError

if TYPE_CHECKING:
    from s3repl.engine import Engine, ReplicationEvent
    from s3repl.model import ReplicationTask, StepResult

__all__ = [
    "CONTROL_PREFIX",
    "RUN_STEPS_MAX",
    "control",
    "event_json",
    "step_json",
    "task_json",
]

#: The reserved path under which the controls live (no bucket can be named ``_s3repl``).
CONTROL_PREFIX = "/_s3repl/"
#: The bound ``POST /_s3repl/run`` uses unless ``?steps_max=`` says otherwise.
RUN_STEPS_MAX = 100_000

JsonAnswer = tuple[int, dict[str, Any]]


def task_json(task: ReplicationTask) -> dict[str, Any]:
    """A replication task as JSON."""
    return {
        "source_bucket": task.source_bucket,
        "destination_bucket": task.destination_bucket,
        "key": task.key,
        "version_id": task.version_id,
        "rule_id": task.rule_id,
        "kind": task.kind.value,
        "due_us": task.due_us,
        "sequence": task.sequence,
    }


def step_json(result: StepResult) -> dict[str, Any]:
    """A step result as JSON."""
    reason = result.failure_reason
    return {
        "task": task_json(result.task),
        "status": result.status.value,
        "failure_reason": None if reason is None else reason.value,
    }


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def event_json(event: ReplicationEvent) -> dict[str, Any]:
    """A replication event notification as JSON."""
    reason = event.failure_reason
    return {
        "event_name": event.event_name,
        "event_time": _iso(event.event_time),
        "source_bucket": event.source_bucket,
        "key": event.key,
        "version_id": event.version_id,
        "rule_id": event.rule_id,
        "destination_bucket": event.destination_bucket,
        "s3_operation": event.s3_operation,
        "request_time": _iso(event.request_time),
        "failure_reason": None if reason is None else reason.value,
        "threshold": event.threshold,
        "replication_time_seconds": event.replication_time_seconds,
    }


def _error(status: int, code: str, message: str) -> JsonAnswer:
    return status, {"error": {"code": code, "message": message}}


def _integer(query: Mapping[str, str], name: str, default: int) -> int:
    text = query.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        msg = f"{name} must be a whole number >= 0, got {text!r}"
        raise ValueError(msg)
    return value


def _step(engine: Engine, query: Mapping[str, str]) -> JsonAnswer:
    del query
    try:
        result = engine.step()
    except NothingPendingError as err:
        return _error(409, "NothingPending", str(err))
    return 200, {"result": step_json(result)}


def _run(engine: Engine, query: Mapping[str, str]) -> JsonAnswer:
    steps_max = _integer(query, "steps_max", RUN_STEPS_MAX)
    try:
        results = engine.run(steps_max=steps_max)
    except StepLimitExceededError as err:
        return _error(409, "StepLimitExceeded", str(err))
    return 200, {"results": [step_json(r) for r in results], "pending": len(engine.pending())}


def _advance(engine: Engine, query: Mapping[str, str]) -> JsonAnswer:
    text = query.get("seconds")
    try:
        seconds = float(text) if text is not None else math.nan
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0):
        msg = f"seconds must be a finite number >= 0, got {text!r}"
        raise ValueError(msg)
    engine.advance(seconds=seconds)
    return 200, {"now": _iso(engine.now)}


def _pending(engine: Engine, query: Mapping[str, str]) -> JsonAnswer:
    del query
    return 200, {"tasks": [task_json(task) for task in engine.pending()]}


def _events(engine: Engine, query: Mapping[str, str]) -> JsonAnswer:
    since = _integer(query, "since", 0)
    events = engine.events()
    return 200, {"events": [event_json(e) for e in events[since:]], "next": len(events)}


_ROUTES: dict[str, tuple[str, Callable[[Engine, Mapping[str, str]], JsonAnswer]]] = {
    "step": ("POST", _step),
    "run": ("POST", _run),
    "advance": ("POST", _advance),
    "pending": ("GET", _pending),
    "events": ("GET", _events),
}


def control(engine: Engine, method: str, path: str, query: Sequence[tuple[str, str]]) -> JsonAnswer:
    """Answer one control request.

    Args:
        engine: the engine to control.
        method: the HTTP method.
        path: the request path, starting with :data:`CONTROL_PREFIX`.
        query: the query string's pairs (``seconds``, ``steps_max``, ``since``).

    Returns:
        the HTTP status and the JSON object to answer.
    """
    name = path[len(CONTROL_PREFIX) :].strip("/")
    found = _ROUTES.get(name)
    if found is None:
        known = ", ".join(CONTROL_PREFIX + n for n in _ROUTES)
        return _error(404, "NoSuchControl", f"no control at {path!r}; there are {known}")
    wanted, answer = found
    if method != wanted:
        return _error(405, "MethodNotAllowed", f"{path} answers {wanted} only")
    try:
        return answer(engine, dict(query))
    except ValueError as err:
        return _error(400, "InvalidArgument", str(err))


def encode(answer: dict[str, Any]) -> bytes:
    """The JSON body of an answer."""
    return json.dumps(answer, sort_keys=True).encode()
