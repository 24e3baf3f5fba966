"""The gateway: one HTTP request in, one HTTP response out, for the mock and the server alike.

Theory of operation.  :meth:`Gateway.handle` runs every request through the same five
stages, each of which may answer early with the service's own error shape:

1. **limits**: too many or too large headers (``RequestHeaderSectionTooLarge``) and an
   oversized body (``EntityTooLarge`` for an object upload, ``MaxMessageLengthExceeded``
   otherwise) are refused before anything is parsed;
2. **addressing** (:mod:`s3repl.aws._addressing`): which service (S3, IAM, KMS, STS) the
   request addresses, which credentials signed it and for which region, and the S3
   path in path style;
3. **caller**: the account the access key id names (see :meth:`Gateway.account_of`);
4. **parse, call, serialise**: the protocol layer turns the request into an operation
   and its parameters, the backend applies it to the engine, the protocol layer turns
   the answer into the response;
5. **failure**: a :class:`ServiceError` from any stage becomes the service's error
   response; any other exception becomes ``InternalError`` (500) carrying the request
   id, and is logged (request id, method, path, traceback) but never sent.

A failed request leaves the engine unchanged: everything that can refuse a request
(limits, addressing, parsing, validation of the parameters) runs before the backend is
called; the operations layer's contract is one engine call per operation, and the
engine validates before it writes.  ``tests/test_aws_gateway.py`` pins this down by
comparing engine snapshots around refused requests.

Why a deterministic request id: same calls, same answers, down to the headers (the
engine's determinism contract reaches the wire).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, cast
from xml.sax.saxutils import escape

from s3repl.aws import _protocol
from s3repl.aws._addressing import Route, route
from s3repl.aws._http import Caller, HttpRequest, HttpResponse, ServiceError
from s3repl.aws._operations import AwsBackend
from s3repl.model import DEFAULT_ACCOUNT

if TYPE_CHECKING:
    from s3repl.engine import Engine

__all__ = [
    "BODY_LIMIT_BYTES",
    "HEADER_BYTES_MAX",
    "HEADER_COUNT_MAX",
    "Backend",
    "Gateway",
    "WireProtocol",
]

#: The largest request body accepted by default (64 MiB): far above any control-plane
#: document, and a bound on the memory one request may take.
BODY_LIMIT_BYTES = 64 * 1024 * 1024
#: The most headers a request may carry by default.
HEADER_COUNT_MAX = 200
#: The most bytes (names and values) a request's headers may take by default; S3's own
#: limit is 8 KiB for the header section plus 2 KiB of user metadata.
HEADER_BYTES_MAX = 16 * 1024

_LOG = logging.getLogger("s3repl.aws")

_ACCOUNT_ID = re.compile(r"\d{12}")


class ParsedRequestLike(Protocol):
    """What the protocol layer's ``parse_request`` returns."""

    @property
    def operation(self) -> str:
        """The operation's name (``"PutObject"``)."""

    @property
    def params(self) -> Mapping[str, Any]:
        """The operation's parameters, shaped as boto3's."""


class WireProtocol(Protocol):
    """The protocol layer (``s3repl.aws._protocol``): service models, parsers, serialisers."""

    def load_service(self, name: str) -> Any:
        """The botocore ``ServiceModel`` of ``name`` (``"s3"``, ``"iam"``, ``"kms"``, ``"sts"``)."""

    def parse_request(self, service: Any, request: HttpRequest) -> ParsedRequestLike:
        """The operation and parameters of ``request``; raises :class:`ServiceError`."""

    def serialize_result(
        self, service: Any, operation: str, output: Mapping[str, Any], *, request_id: str
    ) -> HttpResponse:
        """The response answering ``operation`` with ``output``."""

    def serialize_error(
        self, service: Any, error: ServiceError, *, request_id: str, method: str = "GET"
    ) -> HttpResponse:
        """The service's error response for ``error``."""


class Backend(Protocol):
    """The operations layer (``s3repl.aws._operations.AwsBackend``)."""

    def call(
        self, service: str, operation: str, params: Mapping[str, Any], caller: Caller
    ) -> Mapping[str, Any]:
        """Apply one operation to the engine; raises :class:`ServiceError`."""


def _default_protocol() -> WireProtocol:
    return cast("WireProtocol", _protocol)


def _default_backend(engine: Engine) -> Backend:
    return AwsBackend(engine)


class Gateway:
    """Answers AWS requests (S3, IAM, KMS, STS) from one engine.

    Not thread-safe by itself, like the engine: the mock and the server call
    :meth:`handle` under one lock (see :attr:`lock`).

    Args:
        engine: the engine every request reads and writes.
        body_limit_bytes: the largest request body accepted.
        header_count_max: the most headers a request may carry.
        header_bytes_max: the most bytes a request's header names and values may take.
        protocol: the protocol layer (default: ``s3repl.aws._protocol``).
        backend: the operations (default: ``s3repl.aws._operations.AwsBackend(engine)``).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        body_limit_bytes: int = BODY_LIMIT_BYTES,
        header_count_max: int = HEADER_COUNT_MAX,
        header_bytes_max: int = HEADER_BYTES_MAX,
        protocol: WireProtocol | None = None,
        backend: Backend | None = None,
    ) -> None:
        if min(body_limit_bytes, header_count_max, header_bytes_max) < 0:
            msg = "limits must be >= 0"
            raise ValueError(msg)
        self.engine = engine
        self.body_limit_bytes = body_limit_bytes
        self.header_count_max = header_count_max
        self.header_bytes_max = header_bytes_max
        self.protocol = protocol if protocol is not None else _default_protocol()
        self.backend = backend if backend is not None else _default_backend(engine)
        #: Held by callers around :meth:`handle` and any other use of the engine.
        self.lock = threading.RLock()
        self._credentials: dict[str, str] = {}
        self._services: dict[str, Any] = {}
        self._requests = 0

    # --- credentials ---------------------------------------------------------------------

    def register_credentials(self, access_key_id: str, account: str) -> None:
        """Make requests signed with ``access_key_id`` come from ``account``.

        Args:
            access_key_id: the access key id a client is configured with.
            account: a 12-digit account id.

        Raises:
            ValueError: ``account`` is not a 12-digit account id.
        """
        if not _ACCOUNT_ID.fullmatch(account):
            msg = f"account must be a 12-digit account id, got {account!r}"
            raise ValueError(msg)
        self._credentials[access_key_id] = account

    def account_of(self, access_key_id: str | None) -> str:
        """The account a request signed with ``access_key_id`` comes from.

        The rule, first match wins: a key registered with :meth:`register_credentials`
        names its account; a key id that is itself a 12-digit account id names that
        account; anything else (and an unsigned request) is the engine's default account
        ``123456789012``.
        """
        if access_key_id is None:
            return DEFAULT_ACCOUNT
        registered = self._credentials.get(access_key_id)
        if registered is not None:
            return registered
        if _ACCOUNT_ID.fullmatch(access_key_id):
            return access_key_id
        return DEFAULT_ACCOUNT

    # --- requests ------------------------------------------------------------------------

    def next_request_id(self) -> str:
        """A new request id: a counter, 16 upper-case hex digits, as S3's look."""
        self._requests += 1
        return f"{self._requests:016X}"

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request; never raises, never sends a traceback.

        Args:
            request: the request as received (virtual-hosted or path style).

        Returns:
            the service's response, or its error response.
        """
        request_id = self.next_request_id()
        service_name = "s3"
        try:
            self._check_limits(request)
            found = route(request)
            service_name = found.service
            return self._answer(found, request_id)
        except ServiceError as err:
            cause = err.__cause__
            if err.http_status < 500 or cause is None or isinstance(cause, ServiceError):
                return self._error(service_name, err, request_id, request.method)
            # A layer below turned a bug into a 500: log it here, answer plainly.
            _log_failure(request_id, request, cause)
        except Exception as err:  # noqa: BLE001 - the last line of defence: log, answer 500
            _log_failure(request_id, request, err)
        return self._error(service_name, _internal_error(), request_id, request.method)

    def _answer(self, found: Route, request_id: str) -> HttpResponse:
        service = self._service(found.service)
        parsed = self.protocol.parse_request(service, found.request)
        caller = Caller(account=self.account_of(found.access_key_id), region=found.region)
        output = self.backend.call(found.service, parsed.operation, parsed.params, caller)
        return self.protocol.serialize_result(
            service, parsed.operation, output, request_id=request_id
        )

    def _service(self, name: str) -> Any:
        service = self._services.get(name)
        if service is None:
            service = self._services[name] = self.protocol.load_service(name)
        return service

    def _check_limits(self, request: HttpRequest) -> None:
        if len(request.headers) > self.header_count_max:
            msg = (
                f"Your request has {len(request.headers)} headers; at most "
                f"{self.header_count_max} are allowed."
            )
            raise ServiceError(code="RequestHeaderSectionTooLarge", message=msg)
        size = sum(len(name) + len(value) for name, value in request.headers)
        if size > self.header_bytes_max:
            msg = (
                f"Your request header section exceeds the maximum allowed size "
                f"({size} > {self.header_bytes_max} bytes)."
            )
            raise ServiceError(code="RequestHeaderSectionTooLarge", message=msg)
        if len(request.body) > self.body_limit_bytes:
            raise _too_large(request, self.body_limit_bytes)

    def _error(
        self, service_name: str, err: ServiceError, request_id: str, method: str
    ) -> HttpResponse:
        try:
            service = self._service(service_name)
            return self.protocol.serialize_error(service, err, request_id=request_id, method=method)
        except Exception:  # noqa: BLE001 - the error answer itself failed: answer plainly
            _LOG.exception("request %s: serialising the error %s failed", request_id, err.code)
            return plain_s3_error(err, request_id=request_id, method=method)


def _log_failure(request_id: str, request: HttpRequest, err: BaseException) -> None:
    _LOG.error(
        "request %s failed: %s %s: %s",
        request_id,
        request.method,
        request.path,
        err,
        exc_info=(type(err), err, err.__traceback__),
    )


def _internal_error() -> ServiceError:
    return ServiceError(
        code="InternalError",
        message="We encountered an internal error. Please try again.",
        http_status=500,
        sender_fault=False,
    )


def _too_large(request: HttpRequest, limit: int) -> ServiceError:
    size = len(request.body)
    fields = {"ProposedSize": str(size), "MaxSizeAllowed": str(limit)}
    is_upload = request.method in ("PUT", "POST") and request.path.count("/") >= 2
    if is_upload and not request.path.startswith("/_s3repl/"):
        msg = "Your proposed upload exceeds the maximum allowed size"
        return ServiceError(code="EntityTooLarge", message=msg, fields=fields)
    msg = "Your request was too big."
    return ServiceError(code="MaxMessageLengthExceeded", message=msg, fields=fields)


def plain_s3_error(err: ServiceError, *, request_id: str, method: str = "GET") -> HttpResponse:
    """S3's ``<Error>`` XML for ``err``, built without the service model.

    The fallback when the protocol layer cannot answer (it failed, or botocore's
    models are missing); a ``HEAD`` answer carries no body, as S3's.
    """
    parts = [f"<Code>{escape(err.code)}</Code>", f"<Message>{escape(err.message)}</Message>"]
    parts.extend(f"<{name}>{escape(value)}</{name}>" for name, value in err.fields.items())
    parts.append(f"<RequestId>{escape(request_id)}</RequestId>")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' + "".join(parts) + "</Error>"
    ).encode()
    headers = [
        ("x-amz-request-id", request_id),
        ("Content-Type", "application/xml"),
        *err.headers.items(),
    ]
    if method == "HEAD":
        body = b""
    headers.append(("Content-Length", str(len(body))))
    return HttpResponse(status=err.http_status, headers=tuple(headers), body=body)
