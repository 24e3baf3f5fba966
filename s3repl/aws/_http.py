"""Plain HTTP values shared by the AWS protocol layer, the operations, the mock and the server.

Why plain values: the in-process mock (botocore's ``before-send`` event) and the HTTP
server (WSGI) both turn what they receive into one :class:`HttpRequest` and send back one
:class:`HttpResponse`, so everything between them is tested once, without sockets.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

__all__ = ["Caller", "HttpRequest", "HttpResponse", "ServiceError"]


def _lower_headers(
    headers: tuple[tuple[str, str], ...],
) -> tuple[tuple[str, str], ...]:
    return tuple((name.lower(), value) for name, value in headers)


@attrs.frozen(kw_only=True)
class HttpRequest:
    """One HTTP request, path-style, as it reached the gateway.

    Attributes:
        method: the HTTP method, upper case (``"PUT"``).
        path: the request path as sent (percent-encoded), path-style for S3
            (``/bucket/key``), without the query string.
        query: the query string's pairs, decoded, in order; a bare name such as
            ``?versioning`` is ``("versioning", "")``.
        headers: the headers, names lower-cased, in order.
        body: the request body.
        host: the ``Host`` the client addressed (empty when unknown).
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_lower_headers)
    body: bytes = b""
    host: str = ""

    def header(self, name: str, default: str | None = None) -> str | None:
        """The first value of header ``name`` (any case), or ``default``."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), default)

    def query_value(self, name: str, default: str | None = None) -> str | None:
        """The first value of query parameter ``name``, or ``default``."""
        return next((value for key, value in self.query if key == name), default)


@attrs.frozen(kw_only=True)
class HttpResponse:
    """One HTTP response.

    Attributes:
        status: the HTTP status code.
        headers: the response headers, in order.
        body: the response body.
    """

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def header(self, name: str, default: str | None = None) -> str | None:
        """The first value of header ``name`` (any case), or ``default``."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), default)


@attrs.frozen(kw_only=True)
class Caller:
    """Who sent a request: the account its credentials name, and the region it addressed.

    Attributes:
        account: the calling account's 12-digit id.
        region: the region the client signed for (``"us-east-1"`` when unknown).
    """

    account: str
    region: str = "us-east-1"


class ServiceError(Exception):
    """An error an AWS service answers with, in that service's own error shape.

    Raised by the operations and the protocol parsers; the protocol serialisers turn it
    into the service's error response (S3's ``<Error>`` XML, the query protocol's
    ``<ErrorResponse>``, the JSON protocol's ``__type``).

    Attributes:
        code: the AWS error code (``"NoSuchBucket"``, ``"NoSuchEntity"``).
        message: the error message.
        http_status: the HTTP status code.
        fields: further elements of the error body (S3's ``BucketName``, ``Key``).
        headers: further response headers (S3's ``x-amz-delete-marker``).
        sender_fault: whether the client is at fault (the query protocol's ``Type``).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        http_status: int = 400,
        fields: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        sender_fault: bool = True,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status
        self.fields: dict[str, str] = dict(fields or {})
        self.headers: dict[str, str] = dict(headers or {})
        self.sender_fault = sender_fault
