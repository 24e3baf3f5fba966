"""``s3repl.aws.mock``: boto3 and botocore clients served by an engine, in process.

How it hooks in (the way moto's ``mock_aws`` does): a client's event emitter is a copy
of its session's, and a session registers ``botocore.handlers.BUILTIN_HANDLERS`` when
it is created.  While a mock is active, one ``before-send`` handler sits in that list
and boto3's cached default session is set aside, so every client created meanwhile
carries the handler.  botocore has already serialised and signed the request when
``before-send`` fires; the handler turns it into an :class:`HttpRequest`, the
:class:`Gateway` answers, and botocore parses the :class:`AWSResponse` it returns as it
would parse AWS's.  Returning ``None`` lets botocore send the request for real: that
is what happens for other services, for a custom ``endpoint_url``, and once the mock
is left (clients keep their handler, which then stands aside).

Nesting: the innermost active mock serves every request.  Re-entering a mock that is
already active serves from the same engine.  A mock created without an engine builds
a fresh :class:`Engine` each time it is entered from outside (each call of a decorated
function gets its own), and keeps the one given otherwise.

Why environment variables: botocore reads credentials and the region before any
handler runs, so when none are configured the mock sets ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY`` and ``AWS_DEFAULT_REGION`` for its duration and restores the
environment exactly when it is left.
"""

from __future__ import annotations

import functools
import inspect
import io
import os
import sys
import threading
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, overload
from urllib.parse import parse_qsl, urlsplit

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders
from botocore.handlers import BUILTIN_HANDLERS

from s3repl.aws._addressing import SERVICES
from s3repl.aws._gateway import Gateway
from s3repl.aws._http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from s3repl.engine import Engine

__all__ = ["FAKE_ACCESS_KEY_ID", "Mock", "mock"]

P = ParamSpec("P")
R = TypeVar("R")
C = TypeVar("C", bound=type)

#: The access key id set while a mock is active and no credentials are configured; it
#: names no account, so requests come from the engine's default account.
FAKE_ACCESS_KEY_ID = "AKIAS3REPLMOCKED0000"
_FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY_ID,
    "AWS_SECRET_ACCESS_KEY": "s3repl-mock-secret",  # not a secret: the engine checks no signature
}
_AWS_DOMAINS = (".amazonaws.com", ".amazonaws.com.cn")

_STATE_LOCK = threading.RLock()


class _RawBody(io.BytesIO):
    """A response body botocore can both ``read()`` and ``stream()``."""

    def stream(self, amt: int | None = None, **_: Any) -> Iterator[bytes]:
        """Yield the body in chunks, as urllib3's response does."""
        while chunk := self.read(amt or 65536):
            yield chunk


def _body_bytes(body: object) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    read = getattr(body, "read", None)
    if read is not None:
        data = read()
        seek = getattr(body, "seek", None)
        if seek is not None and getattr(body, "seekable", lambda: False)():
            seek(0)  # botocore may rewind and resend; leave it where it started
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return b"".join(bytes(chunk) for chunk in body)  # type: ignore[attr-defined]


def _header_text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def to_http_request(request: AWSPreparedRequest) -> HttpRequest:
    """The :class:`HttpRequest` botocore's prepared request stands for."""
    url = urlsplit(request.url)
    return HttpRequest(
        method=(request.method or "GET").upper(),
        path=url.path or "/",
        query=tuple(parse_qsl(url.query, keep_blank_values=True)),
        headers=tuple((name, _header_text(value)) for name, value in request.headers.items()),
        body=_body_bytes(request.body),
        host=url.netloc,
    )


def to_aws_response(url: str, response: HttpResponse) -> AWSResponse:
    """The botocore response carrying ``response``."""
    headers = HTTPHeaders()
    for name, value in response.headers:
        headers[name] = value
    return AWSResponse(url, response.status, headers, _RawBody(response.body))


class _Stack:
    """The active mocks, innermost last, and the one ``before-send`` handler."""

    def __init__(self) -> None:
        self.frames: list[tuple[Mock, Gateway]] = []
        self.handler_entry: tuple[str, Callable[..., AWSResponse | None]] | None = None
        self.saved_session: object = None
        self.saved_env: dict[str, str | None] = {}

    def serving(self) -> Gateway | None:
        return self.frames[-1][1] if self.frames else None


_STACK = _Stack()


def _before_send(request: AWSPreparedRequest, event_name: str = "", **_: Any) -> AWSResponse | None:
    """The ``before-send`` handler: answer from the innermost active mock."""
    gateway = _STACK.serving()
    if gateway is None:
        return None
    service = event_name.split(".")[1] if event_name.count(".") >= 2 else ""
    if service.replace("-", "") not in SERVICES:  # S3 Control's event names say s3-control
        return None
    host = urlsplit(request.url).hostname or ""
    if not host.endswith(_AWS_DOMAINS):
        return None  # a custom endpoint_url: the client means a real server
    http_request = to_http_request(request)
    with gateway.lock:
        response = gateway.handle(http_request)
    return to_aws_response(request.url, response)


def _install() -> None:
    """Hook botocore (first entry): the handler, a fresh default session, the env."""
    entry = ("before-send", _before_send)
    BUILTIN_HANDLERS.append(entry)
    _STACK.handler_entry = entry
    boto3 = sys.modules.get("boto3")
    if boto3 is not None:
        _STACK.saved_session = getattr(boto3, "DEFAULT_SESSION", None)
        setattr(boto3, "DEFAULT_SESSION", None)  # noqa: B010 - boto3 is not imported here
    saved: dict[str, str | None] = {}
    if "AWS_ACCESS_KEY_ID" not in os.environ and "AWS_PROFILE" not in os.environ:
        for name, value in _FAKE_ENV.items():
            saved[name] = os.environ.get(name)
            os.environ[name] = value
    if not {"AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE"} & os.environ.keys():
        saved["AWS_DEFAULT_REGION"] = None
        os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    _STACK.saved_env = saved


def _uninstall() -> None:
    """Restore botocore, boto3's default session and the environment exactly."""
    entry = _STACK.handler_entry
    _STACK.handler_entry = None
    if entry is not None:
        for index in range(len(BUILTIN_HANDLERS) - 1, -1, -1):
            if BUILTIN_HANDLERS[index] is entry:
                del BUILTIN_HANDLERS[index]
                break
    boto3 = sys.modules.get("boto3")
    if boto3 is not None:
        setattr(boto3, "DEFAULT_SESSION", _STACK.saved_session)  # noqa: B010 - as above
    _STACK.saved_session = None
    for name, value in _STACK.saved_env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    _STACK.saved_env = {}


class Mock:
    """A context manager and decorator that serves AWS clients from an engine.

    Build one with :func:`mock`; see the module documentation for nesting rules.

    Args:
        engine: the engine to serve from; ``None`` builds a fresh one at each entry.
        gateway_options: keyword arguments for :class:`Gateway` (limits).
    """

    def __init__(self, engine: Engine | None = None, **gateway_options: Any) -> None:
        self._given = engine
        self._options = gateway_options
        self._gateway: Gateway | None = None
        self._depth = 0

    @property
    def engine(self) -> Engine:
        """The engine serving requests while this mock is active.

        Raises:
            RuntimeError: the mock is not active.
        """
        return self.gateway.engine

    @property
    def gateway(self) -> Gateway:
        """The gateway answering requests while this mock is active (for credentials).

        Raises:
            RuntimeError: the mock is not active.
        """
        if self._gateway is None:
            msg = "the mock is not active: enter it first"
            raise RuntimeError(msg)
        return self._gateway

    def start(self) -> Engine:
        """Activate the mock (what ``with`` does); returns the serving engine."""
        with _STATE_LOCK:
            if self._gateway is None:
                engine = self._given
                if engine is None:
                    from s3repl.engine import Engine  # a fresh world per entry

                    engine = Engine()
                self._gateway = Gateway(engine, **self._options)
            self._depth += 1
            if not _STACK.frames:
                _install()
            _STACK.frames.append((self, self._gateway))
            return self._gateway.engine

    def stop(self) -> None:
        """Deactivate the mock (what leaving ``with`` does).

        Raises:
            RuntimeError: the mock is not active, or is not the innermost one.
        """
        with _STATE_LOCK:
            if not _STACK.frames or _STACK.frames[-1][0] is not self:
                msg = "stop() must leave the innermost active mock"
                raise RuntimeError(msg)
            _STACK.frames.pop()
            self._depth -= 1
            if self._depth == 0:
                self._gateway = None
            if not _STACK.frames:
                _uninstall()

    def __enter__(self) -> Engine:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @overload
    def __call__(self, target: C) -> C: ...
    @overload
    def __call__(self, target: Callable[P, R]) -> Callable[P, R]: ...
    def __call__(self, target: Any) -> Any:
        """Decorate a function or a class.

        Each call of a decorated function runs inside the mock; a decorated class has
        each method whose name starts with ``test`` decorated.
        """
        if inspect.isclass(target):
            for name, member in list(vars(target).items()):
                if name.startswith("test") and inspect.isfunction(member):
                    setattr(target, name, self(member))
            return target
        if inspect.iscoroutinefunction(target):
            msg = "s3repl.aws.mock decorates synchronous functions only"
            raise TypeError(msg)

        @functools.wraps(target)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return target(*args, **kwargs)

        return wrapper


def mock(engine: Engine | None = None, **gateway_options: Any) -> Mock:
    """Serve every botocore/boto3 client for S3, IAM, KMS and STS from an engine.

    S3 Control clients are served too, for Batch Replication jobs (``create_job`` and
    the other job operations).

    Use it as a context manager (``with mock() as engine:``), as a function decorator,
    or as a class decorator (each ``test*`` method).  While active, clients created
    for any region and any credentials, without an ``endpoint_url``, are answered by
    the engine through botocore's real request serialisation and response parsing;
    other services and custom endpoints are sent as usual.

    Args:
        engine: the engine to serve from; ``None`` builds a fresh :class:`Engine` at
            each (outermost) entry.
        **gateway_options: limits for the :class:`~s3repl.aws._gateway.Gateway`
            (``body_limit_bytes``, ``header_count_max``, ``header_bytes_max``).

    Returns:
        the mock; entering it yields the engine.
    """
    return Mock(engine, **gateway_options)
