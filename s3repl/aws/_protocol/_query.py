"""The query protocol (IAM, STS): the counterpart of botocore's QuerySerializer and QueryParser.

A request is a flat form (``Action``, ``Version`` and dotted names): a structure's
members are ``Parent.Member``, a list's items ``List.member.N`` (``List.N`` when
flattened), a map's entries ``Map.entry.N.key`` / ``.value``.  An answer is
``<{Action}Response><{Action}Result>...</{Action}Result><ResponseMetadata>`` (the
output shape's ``resultWrapper``), and an error ``<ErrorResponse><Error>``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree

from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape

from s3repl.aws._http import HttpRequest, HttpResponse, ServiceError
from s3repl.aws._protocol._service import ParsedRequest, missing_members_error
from s3repl.aws._protocol._values import BadValue, parse_scalar
from s3repl.aws._protocol._xml import to_bytes, write_members

__all__ = ["parse_request", "serialize_error", "serialize_result"]

_CONTENT_TYPE = "text/xml"
_MISSING_ACTION = "MissingAction"
_INVALID_ACTION = "InvalidAction"
_INVALID_VALUE = "InvalidParameterValue"


class _Missing:
    """Marks a member the form does not carry."""


_MISSING = _Missing()


def parse_request(service: ServiceModel, request: HttpRequest) -> ParsedRequest:
    """The operation and boto3 parameters of a query-protocol ``request``.

    Raises:
        ServiceError: ``MissingAction``, ``InvalidAction`` (no such operation),
            ``InvalidParameterValue`` (a value of the wrong type), ``ValidationError``
            (a required member is missing).
    """
    form: dict[str, str] = dict(request.query)
    if request.body:
        text = request.body.decode("utf-8", errors="replace")
        form.update(urllib.parse.parse_qsl(text, keep_blank_values=True))
    action = form.get("Action")
    if not action:
        raise ServiceError(_MISSING_ACTION, "The request must contain the parameter Action.")
    if action not in service.operation_names:
        message = f"The action {action} is not valid for this web service."
        raise ServiceError(_INVALID_ACTION, message)
    shape = service.operation_model(action).input_shape
    if shape is None:
        return ParsedRequest(operation=action, params={})
    params = _structure(shape, form, "")
    missing = [name for name in shape.required_members if name not in params]
    if missing:
        raise missing_members_error(missing, "ValidationError")
    return ParsedRequest(operation=action, params=params)


def _decode(shape: Shape, form: dict[str, str], key: str) -> Any:
    if isinstance(shape, StructureShape):
        value = _structure(shape, form, key)
        return value if value else _MISSING
    if isinstance(shape, ListShape):
        return _list(shape, form, key)
    if isinstance(shape, MapShape):
        return _map(shape, form, key)
    if key not in form:
        return _MISSING
    try:
        return parse_scalar(shape, form[key])
    except BadValue as err:
        message = f"Value {form[key]!r} for parameter {key} is invalid: {err}"
        raise ServiceError(_INVALID_VALUE, message) from err


def _structure(shape: StructureShape, form: dict[str, str], prefix: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, member in shape.members.items():
        wire = str(member.serialization.get("name", name))
        value = _decode(member, form, f"{prefix}.{wire}" if prefix else wire)
        if value is not _MISSING:
            result[name] = value
    return result


def _indices(form: dict[str, str], prefix: str) -> list[int]:
    start = prefix + "."
    found = {
        int(head)
        for head in (key[len(start) :].partition(".")[0] for key in form if key.startswith(start))
        if head.isdigit()
    }
    return sorted(found)


def _list(shape: ListShape, form: dict[str, str], key: str) -> Any:
    if form.get(key) == "":
        return []  # botocore sends an empty list as the bare name
    if shape.serialization.get("flattened"):
        item_name = shape.member.serialization.get("name")
        item_prefix = ".".join([*key.split(".")[:-1], str(item_name)]) if item_name else key
    else:
        item_prefix = f"{key}.{shape.member.serialization.get('name', 'member')}"
    indices = _indices(form, item_prefix)
    if not indices:
        return _MISSING
    items = [_decode(shape.member, form, f"{item_prefix}.{index}") for index in indices]
    return [item for item in items if item is not _MISSING]


def _map(shape: MapShape, form: dict[str, str], key: str) -> Any:
    base = key if shape.serialization.get("flattened") else f"{key}.entry"
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    indices = _indices(form, base)
    if not indices:
        return _MISSING
    result: dict[Any, Any] = {}
    for index in indices:
        map_key = _decode(shape.key, form, f"{base}.{index}.{key_name}")
        map_value = _decode(shape.value, form, f"{base}.{index}.{value_name}")
        if map_key is not _MISSING and map_value is not _MISSING:
            result[map_key] = map_value
    return result


def serialize_result(
    service: ServiceModel, operation: str, output: Mapping[str, Any], *, request_id: str
) -> HttpResponse:
    """The ``<{Action}Response>`` answer carrying ``output``.

    Raises:
        ValueError: ``output`` names a member the output shape does not have.
    """
    model = service.operation_model(operation)
    root = ElementTree.Element(f"{operation}Response", {"xmlns": _namespace(service)})
    shape = model.output_shape
    values = {key: value for key, value in output.items() if key != "ResponseMetadata"}
    if shape is not None:
        wrapper = shape.serialization.get("resultWrapper")
        container = ElementTree.SubElement(root, str(wrapper)) if wrapper else root
        write_members(shape, values, container)
    elif values:
        msg = f"{operation} has no output, got {sorted(values)}"
        raise ValueError(msg)
    metadata = ElementTree.SubElement(root, "ResponseMetadata")
    ElementTree.SubElement(metadata, "RequestId").text = request_id
    return _answer(200, to_bytes(root), request_id)


def serialize_error(service: ServiceModel, error: ServiceError, *, request_id: str) -> HttpResponse:
    """The ``<ErrorResponse>`` answer for ``error``."""
    root = ElementTree.Element("ErrorResponse", {"xmlns": _namespace(service)})
    detail = ElementTree.SubElement(root, "Error")
    ElementTree.SubElement(detail, "Type").text = "Sender" if error.sender_fault else "Receiver"
    ElementTree.SubElement(detail, "Code").text = error.code
    ElementTree.SubElement(detail, "Message").text = error.message
    for name, text in error.fields.items():
        ElementTree.SubElement(detail, name).text = text
    ElementTree.SubElement(root, "RequestId").text = request_id
    response = _answer(error.http_status, to_bytes(root), request_id)
    return HttpResponse(
        status=response.status,
        headers=(*response.headers, *error.headers.items()),
        body=response.body,
    )


def _namespace(service: ServiceModel) -> str:
    return str(service.metadata.get("xmlNamespace", ""))


def _answer(status: int, body: bytes, request_id: str) -> HttpResponse:
    return HttpResponse(
        status=status,
        headers=(
            ("x-amzn-RequestId", request_id),
            ("Content-Type", _CONTENT_TYPE),
            ("Content-Length", str(len(body))),
        ),
        body=body,
    )
