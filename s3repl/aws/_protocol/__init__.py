"""The AWS protocol layer: requests in, results and errors out, driven by botocore's models.

One request parser and one response serialiser per protocol, each the counterpart of
botocore's own serialiser and parser for it: rest-xml (S3), query (IAM, STS) and json
(KMS).  Nothing here knows an operation by hand beyond the few places where a protocol
really has exceptions (listed in each protocol's module).

Typical use (the gateway)::

    service = load_service("s3")
    try:
        parsed = parse_request(service, request)
        output = run(parsed.operation, parsed.params)
        response = serialize_result(service, parsed.operation, output, request_id=rid)
    except ServiceError as err:
        response = serialize_error(service, err, request_id=rid, method=request.method)
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

from botocore.model import ServiceModel

from s3repl.aws._http import HttpRequest, HttpResponse, ServiceError
from s3repl.aws._protocol import _json, _query, _restxml
from s3repl.aws._protocol._service import ParsedRequest, load_service

__all__ = ["ParsedRequest", "load_service", "parse_request", "serialize_error", "serialize_result"]

_PROTOCOLS: dict[str, ModuleType] = {"rest-xml": _restxml, "query": _query, "json": _json}


def _protocol(service: ServiceModel) -> ModuleType:
    try:
        return _PROTOCOLS[service.protocol]
    except KeyError:
        msg = f"s3repl speaks {sorted(_PROTOCOLS)}, not {service.protocol!r}"
        raise ValueError(msg) from None


def parse_request(service: ServiceModel, request: HttpRequest) -> ParsedRequest:
    """The operation ``request`` names and its parameters, as a boto3 call would pass them.

    Args:
        service: the service's model (:func:`load_service`).
        request: the request, path-style for S3.

    Returns:
        The operation's name in the model and its parameters: input-shape member names;
        blobs as ``bytes``, timestamps as aware ``datetime`` values.

    Raises:
        ServiceError: the request names no operation, or a value does not fit its
            shape, with the code the service would answer (``NotImplemented``,
            ``MalformedXML``, ``InvalidArgument``, ``InvalidAction``,
            ``UnknownOperationException``, ...).  No other exception escapes.
    """
    parse: Any = _protocol(service).parse_request
    result: ParsedRequest = parse(service, request)
    return result


def serialize_result(
    service: ServiceModel, operation: str, output: Mapping[str, Any], *, request_id: str
) -> HttpResponse:
    """The HTTP answer of ``operation`` carrying ``output``.

    Args:
        service: the service's model.
        operation: the operation's name in the model.
        output: the output shape as boto3 returns it, without ``ResponseMetadata``.
        request_id: the request id the answer carries.

    Raises:
        ValueError: ``output`` names a member the output shape does not have (a bug in
            the operation, never the client's doing).
    """
    serialize: Any = _protocol(service).serialize_result
    response: HttpResponse = serialize(service, operation, output, request_id=request_id)
    return response


def serialize_error(
    service: ServiceModel, error: ServiceError, *, request_id: str, method: str = "GET"
) -> HttpResponse:
    """The service's error answer for ``error``.

    Args:
        service: the service's model.
        error: the error.
        request_id: the request id the answer carries.
        method: the request's HTTP method; S3 answers a HEAD request without a body.
    """
    if service.protocol == "rest-xml":
        return _restxml.serialize_error(service, error, request_id=request_id, method=method)
    serialize: Any = _protocol(service).serialize_error
    response: HttpResponse = serialize(service, error, request_id=request_id)
    return response
