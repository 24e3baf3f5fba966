"""The JSON protocol (KMS): the counterpart of botocore's JSONSerializer and JSONParser.

A request names its operation in ``X-Amz-Target`` (``TrentService.CreateKey``) and
carries its input as one JSON object: blobs in base64, timestamps in epoch seconds.
An answer is one JSON object; an error is ``{"__type": code, "message": ...}`` with
the code also in ``x-amzn-ErrorType``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape

from s3repl.aws._http import HttpRequest, HttpResponse, ServiceError
from s3repl.aws._protocol._service import ParsedRequest, missing_members_error
from s3repl.aws._protocol._values import UNIX, BadValue, format_timestamp, parse_scalar

__all__ = ["parse_request", "serialize_error", "serialize_result"]

_SERIALIZATION = "SerializationException"
_UNKNOWN_OPERATION = "UnknownOperationException"
_INTEGER_TYPES = frozenset({"integer", "long", "short", "byte"})
_FLOAT_TYPES = frozenset({"float", "double"})


def _serialization_error(path: str, expected: str) -> ServiceError:
    where = path or "the request body"
    return ServiceError(_SERIALIZATION, f"{where}: expected {expected}")


def parse_request(service: ServiceModel, request: HttpRequest) -> ParsedRequest:
    """The operation and boto3 parameters of a JSON-protocol ``request``.

    Raises:
        ServiceError: ``UnknownOperationException`` (no such target),
            ``SerializationException`` (not JSON, or a value of the wrong type),
            ``ValidationException`` (a required member is missing).
    """
    target = request.header("x-amz-target") or ""
    prefix, _, operation = target.partition(".")
    if prefix != service.metadata.get("targetPrefix") or operation not in service.operation_names:
        raise ServiceError(_UNKNOWN_OPERATION, f"Unknown operation {target or '(none)'}")
    shape = service.operation_model(operation).input_shape
    try:
        document = json.loads(request.body) if request.body.strip() else {}
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError is a ValueError
        raise ServiceError(_SERIALIZATION, f"The request body is not valid JSON: {err}") from err
    if shape is None:
        return ParsedRequest(operation=operation, params={})
    params = _decode(shape, document, "")
    missing = [name for name in shape.required_members if name not in params]
    if missing:
        raise missing_members_error(missing, "ValidationException")
    return ParsedRequest(operation=operation, params=params)


def _decode(shape: Shape, value: Any, path: str) -> Any:
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            raise _serialization_error(path, "an object")
        result: dict[str, Any] = {}
        for name, member in shape.members.items():
            wire = str(member.serialization.get("name", name))
            if wire in value and value[wire] is not None:
                result[name] = _decode(member, value[wire], f"{path}.{wire}" if path else wire)
        return result
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            raise _serialization_error(path, "a list")
        return [_decode(shape.member, item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            raise _serialization_error(path, "an object")
        return {key: _decode(shape.value, item, f"{path}.{key}") for key, item in value.items()}
    return _decode_scalar(shape, value, path)


def _decode_scalar(shape: Shape, value: Any, path: str) -> Any:
    type_name = shape.type_name
    if type_name == "boolean":
        if not isinstance(value, bool):
            raise _serialization_error(path, "a boolean")
        return value
    if type_name in _INTEGER_TYPES:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _serialization_error(path, "an integer")
        return value
    if type_name in _FLOAT_TYPES:
        if isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity"):
            return float(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _serialization_error(path, "a number")
        return float(value)
    if type_name == "timestamp":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise _serialization_error(path, "a timestamp")
        try:
            if isinstance(value, str):
                return parse_scalar(shape, value)
            return dt.datetime.fromtimestamp(value, tz=dt.UTC)
        except (BadValue, OverflowError, OSError, ValueError) as err:
            raise _serialization_error(path, "a timestamp") from err
    if type_name == "blob":
        if not isinstance(value, str):
            raise _serialization_error(path, "a base64 string")
        try:
            return base64.b64decode(value, validate=True)
        except ValueError as err:  # binascii.Error, or non-ASCII text
            raise _serialization_error(path, "a base64 string") from err
    if not isinstance(value, str):
        raise _serialization_error(path, "a string")
    return value


def _encode(shape: Shape, value: Any) -> Any:
    if isinstance(shape, StructureShape):
        unknown = sorted(set(value) - set(shape.members))
        if unknown:
            msg = f"{shape.name} has no member(s) {unknown}"
            raise ValueError(msg)
        return {
            str(member.serialization.get("name", name)): _encode(member, value[name])
            for name, member in shape.members.items()
            if value.get(name) is not None
        }
    if isinstance(shape, ListShape):
        return [_encode(shape.member, item) for item in value]
    if isinstance(shape, MapShape):
        return {key: _encode(shape.value, item) for key, item in value.items()}
    if shape.type_name == "timestamp":
        if not isinstance(value, dt.datetime):
            value = parse_scalar(shape, str(value))
        return format_timestamp(value, shape.serialization.get("timestampFormat", UNIX))
    if shape.type_name == "blob":
        raw = value.encode() if isinstance(value, str) else bytes(value)
        return base64.b64encode(raw).decode("ascii")
    # Doubles stay numbers, NaN and the infinities included: Python's JSON writes them
    # as the bare words botocore's parser reads back as floats.
    return value


def serialize_result(
    service: ServiceModel, operation: str, output: Mapping[str, Any], *, request_id: str
) -> HttpResponse:
    """The JSON answer carrying ``output``.

    Raises:
        ValueError: ``output`` names a member the output shape does not have.
    """
    shape = service.operation_model(operation).output_shape
    values = {key: value for key, value in output.items() if key != "ResponseMetadata"}
    if shape is None and values:
        msg = f"{operation} has no output, got {sorted(values)}"
        raise ValueError(msg)
    document = _encode(shape, values) if shape is not None else {}
    return _answer(service, 200, document, request_id, ())


def serialize_error(service: ServiceModel, error: ServiceError, *, request_id: str) -> HttpResponse:
    """The JSON error answer for ``error`` (``__type``, ``message``, ``x-amzn-ErrorType``)."""
    document = {"__type": error.code, "message": error.message, **error.fields}
    extra = (("x-amzn-ErrorType", error.code), *error.headers.items())
    return _answer(service, error.http_status, document, request_id, extra)


def _answer(
    service: ServiceModel,
    status: int,
    document: Any,
    request_id: str,
    extra: tuple[tuple[str, str], ...],
) -> HttpResponse:
    body = json.dumps(document).encode("utf-8")
    version = service.metadata.get("jsonVersion", "1.1")
    return HttpResponse(
        status=status,
        headers=(
            ("x-amzn-RequestId", request_id),
            ("Content-Type", f"application/x-amz-json-{version}"),
            ("Content-Length", str(len(body))),
            *extra,
        ),
        body=body,
    )
