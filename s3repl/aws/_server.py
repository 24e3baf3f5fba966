"""``s3repl serve``: the gateway and the engine's controls as a WSGI app, served by waitress.

Why waitress: it is pure Python (no compiler, any platform), maintained (the Pylons
project), production-grade (request and header limits, HTTP/1.1 keep-alive, chunked
bodies), and its only dependency is the standard library.

Why one worker thread and one lock: requests are applied to the engine one at a time, in
the order they arrive, so the engine stays deterministic for a given order of requests;
CPU-bound work under the GIL would gain nothing from more workers.  The lock also holds
when the app is served by another WSGI server with many threads.

Requests under ``/_s3repl/`` are the engine's controls (see :mod:`s3repl.aws._control`);
everything else goes to the :class:`~s3repl.aws._gateway.Gateway`.  With
``replicate="eager"``, every AWS request is followed by applying the replication tasks
that are due (at most :data:`EAGER_STEPS_MAX`; a task kept pending by a transient
problem waits for its time).
"""

from __future__ import annotations

import datetime as dt
import http
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from types import FrameType
from typing import TYPE_CHECKING, Any, Literal, TextIO
from urllib.parse import parse_qsl, quote

import waitress.channel
import waitress.server

from s3repl.aws._control import CONTROL_PREFIX, control, encode
from s3repl.aws._gateway import BODY_LIMIT_BYTES, HEADER_BYTES_MAX, Gateway
from s3repl.aws._http import HttpRequest, HttpResponse
from s3repl.engine import EPOCH
from s3repl.model import ReplicationStatus

if TYPE_CHECKING:
    from s3repl.engine import Engine

__all__ = ["EAGER_STEPS_MAX", "Replicate", "S3ReplApp", "Server", "make_server", "serve"]

#: The most replication tasks ``--replicate eager`` applies after one request.
EAGER_STEPS_MAX = 10_000

Replicate = Literal["manual", "eager"]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]

#: How long the serving loop waits for activity before it looks at its stop flag.
_POLL_SECONDS = 0.1
_MICROSECOND = dt.timedelta(microseconds=1)
_CGI_HEADERS = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _raw_path(environ: dict[str, Any]) -> str:
    """The path as the client sent it, still percent-encoded."""
    uri = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if uri:
        path = str(uri).partition("?")[0]
        if "://" in path:  # an absolute-form request target
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        return path or "/"
    decoded = str(environ.get("PATH_INFO", "")).encode("latin-1")
    return quote(decoded, safe="/~!$&'()*+,;=:@") or "/"


def _headers(environ: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for name, value in environ.items():
        if name.startswith("HTTP_"):
            found.append((name[5:].replace("_", "-").lower(), str(value)))
        elif name in _CGI_HEADERS and value:
            found.append((_CGI_HEADERS[name], str(value)))
    return tuple(found)


class S3ReplApp:
    """The WSGI application: AWS requests to the gateway, ``/_s3repl/`` to the controls.

    Args:
        gateway: the gateway that answers AWS requests.
        replicate: ``"manual"`` (tasks wait for ``/_s3repl/step`` or ``run``) or
            ``"eager"`` (due tasks are applied after every AWS request).
    """

    def __init__(self, gateway: Gateway, *, replicate: Replicate = "manual") -> None:
        if replicate not in ("manual", "eager"):
            msg = f"replicate must be 'manual' or 'eager', got {replicate!r}"
            raise ValueError(msg)
        self.gateway = gateway
        self.replicate = replicate

    @property
    def engine(self) -> Engine:
        """The engine behind the app."""
        return self.gateway.engine

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer one WSGI request."""
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = _raw_path(environ)
        query = tuple(parse_qsl(str(environ.get("QUERY_STRING", "")), keep_blank_values=True))
        if path.startswith(CONTROL_PREFIX):
            with self.gateway.lock:
                status, answer = control(self.engine, method, path, query)
            body = encode(answer)
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            start_response(f"{status} {_reason(status)}", headers)
            return [body]
        request = HttpRequest(
            method=method,
            path=path,
            query=query,
            headers=_headers(environ),
            body=self._body(environ),
            host=str(environ.get("HTTP_HOST", "")),
        )
        with self.gateway.lock:
            response = self.gateway.handle(request)
            if self.replicate == "eager":
                self._replicate_due()
        return self._send(response, start_response, head=method == "HEAD")

    def _body(self, environ: dict[str, Any]) -> bytes:
        """The body, read up to one byte past the limit (the gateway refuses it then)."""
        stream = environ.get("wsgi.input")
        if stream is None:
            return b""
        cap = self.gateway.body_limit_bytes + 1
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            length = -1
        data = stream.read(min(length, cap)) if length >= 0 else stream.read(cap)
        return bytes(data)

    def _replicate_due(self) -> None:
        engine = self.engine
        for _ in range(EAGER_STEPS_MAX):
            task = engine.peek()
            now_us = (engine.now - EPOCH) // _MICROSECOND
            if task is None or task.due_us > now_us:
                return
            if engine.step().status is ReplicationStatus.PENDING:
                return

    @staticmethod
    def _send(response: HttpResponse, start_response: StartResponse, *, head: bool) -> list[bytes]:
        headers = list(response.headers)
        if not any(name.lower() == "content-length" for name, _ in headers):
            headers.append(("Content-Length", str(len(response.body))))
        start_response(f"{response.status} {_reason(response.status)}", headers)
        return [b""] if head else [response.body]


class _Channel(waitress.channel.HTTPChannel):
    """waitress's connection, minus a hang on ``Expect: 100-continue`` with an empty body.

    Why: waitress 3.0 answers ``100 Continue`` to a request that is already complete
    (``Content-Length: 0``, as boto3 sends for an empty ``put_object``) and then marks it
    incomplete, waiting for a body that never comes.  A complete request needs no
    ``100 Continue`` (RFC 9110 10.1.1 lets the server answer it directly), so this
    channel skips it and the request is served at once.
    """

    def send_continue(self) -> None:
        """Send ``100 Continue`` unless the request already arrived whole."""
        if self.request is not None and self.request.completed:
            self.request.expect_continue = False
            return
        super().send_continue()


class Server:
    """A bound waitress server around an :class:`S3ReplApp`; :meth:`run` serves it.

    Attributes:
        app: the WSGI application.
        host: the address bound.
        port: the port bound (the real one when 0 was asked for).
    """

    def __init__(self, app: S3ReplApp, waitress_server: Any, channels: dict[Any, Any]) -> None:
        self.app = app
        self._server = waitress_server
        self._channels = channels
        self._stopping = threading.Event()
        self.host = str(waitress_server.effective_host)
        self.port = int(waitress_server.effective_port)

    @property
    def url(self) -> str:
        """``http://HOST:PORT``, an IPv6 host in brackets."""
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}"

    def run(self) -> None:
        """Serve until :meth:`stop`, then close every connection (in the serving thread)."""
        loop = self._server.asyncore.loop
        try:
            while not self._stopping.is_set():
                loop(timeout=_POLL_SECONDS, map=self._channels, count=1)
        finally:
            self._server.task_dispatcher.shutdown()
            self._server.asyncore.close_all(self._channels)

    def stop(self) -> None:
        """Ask :meth:`run` to return (from any thread, or a signal handler)."""
        self._stopping.set()


def make_server(
    engine: Engine,
    *,
    host: str = "127.0.0.1",
    port: int = 9000,
    replicate: Replicate = "manual",
    body_limit_bytes: int = BODY_LIMIT_BYTES,
    header_bytes_max: int = HEADER_BYTES_MAX,
    gateway: Gateway | None = None,
) -> Server:
    """A waitress server for ``engine``, bound but not yet running.

    Call :meth:`Server.run` to serve (in a thread, if you like) and
    :meth:`Server.stop` to end it; :attr:`Server.port` is the port bound.

    Args:
        engine: the engine to serve.
        host: the address to listen on (loopback by default).
        port: the port to listen on; 0 picks a free one.
        replicate: ``"manual"`` or ``"eager"`` (see :class:`S3ReplApp`).
        body_limit_bytes: the largest request body the gateway accepts.
        header_bytes_max: the most bytes of headers the gateway accepts.
        gateway: a gateway to serve through (default: a new one with these limits).

    Raises:
        OSError: the address cannot be bound, or names several addresses.
    """
    if gateway is None:
        gateway = Gateway(
            engine, body_limit_bytes=body_limit_bytes, header_bytes_max=header_bytes_max
        )
    app = S3ReplApp(gateway, replicate=replicate)
    # One worker thread by design: requests queueing up is normal, not a warning.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    channels: dict[Any, Any] = {}
    # waitress's own limits sit above the gateway's, so that the gateway answers an
    # oversized request with S3's error XML; waitress cuts off anything far larger.
    waitress_server = waitress.server.create_server(
        app,
        map=channels,
        host=host,
        port=port,
        threads=1,
        ident="s3repl",
        max_request_body_size=2 * gateway.body_limit_bytes + 1024,
        max_request_header_size=4 * gateway.header_bytes_max,
        clear_untrusted_proxy_headers=True,
    )
    if not isinstance(waitress_server, waitress.server.BaseWSGIServer):
        waitress_server.close()
        msg = f"{host!r} names several addresses; give one (for example 127.0.0.1)"
        raise OSError(msg)
    waitress_server.channel_class = _Channel
    return Server(app, waitress_server, channels)


def serve(
    engine: Engine,
    *,
    host: str = "127.0.0.1",
    port: int = 9000,
    replicate: Replicate = "manual",
    out: TextIO | None = None,
) -> int:
    """Serve ``engine`` until SIGINT or SIGTERM; what ``s3repl serve`` runs.

    Prints ``listening on http://HOST:PORT`` (the port bound) once ready.

    Returns:
        0, the exit status of a clean stop.
    """
    server = make_server(engine, host=host, port=port, replicate=replicate)

    def stop(signum: int, frame: FrameType | None) -> None:
        server.stop()

    # The handlers are in place before the line is printed: whoever reads it may stop us.
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(f"listening on {server.url}", file=out or sys.stdout, flush=True)
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
