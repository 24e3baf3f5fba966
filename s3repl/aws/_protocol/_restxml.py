"""The rest-xml protocol (S3): the counterpart of botocore's RestXMLSerializer and parser.

Theory of operation: a request is routed by method, path, query flags and required
members (``_routing``), then every input member is read from where its
``location`` puts it: the URI, the query string, one header, a family of headers
(``x-amz-meta-*``), or the payload (a raw body, or one XML document).  A result is
written the other way round: header members, the status code, then the payload or the
remaining members in one XML document.

S3 departs from the generic rule in a few places, each marked ``S3:`` below:

- ``aws-chunked`` bodies (botocore's streaming uploads with trailing checksums) are
  de-chunked; their trailers count as headers, ``Content-Length`` means the decoded
  length (``x-amz-decoded-content-length``) and ``aws-chunked`` is not a content
  encoding of the object;
- ``x-amz-copy-source`` is percent-encoded by botocore (``handle_copy_source_param``),
  so its bucket/key part is decoded;
- botocore's model drops the XML root names of S3's results (``ListBucketResult``...):
  they are kept in :data:`_RESULT_ROOTS`;
- listing results asked for with ``EncodingType=url`` (botocore always asks) carry
  their keys and prefixes percent-encoded (:data:`_URL_ENCODED`);
- GetBucketLocation's answer is the text of a bare ``<LocationConstraint>`` root;
- ``ExpiresString`` (botocore's unparsed ``Expires``) is written as the ``Expires`` header;
"""

from __future__ import annotations

import functools
import urllib.parse
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree

from botocore.model import ListShape, OperationModel, ServiceModel, Shape, StructureShape

from s3repl.aws._http import HttpRequest, HttpResponse, ServiceError
from s3repl.aws._protocol._chunked import ChunkedBodyError, decode_aws_chunked, is_aws_chunked
from s3repl.aws._protocol._routing import find_route
from s3repl.aws._protocol._service import ParsedRequest
from s3repl.aws._protocol._values import RFC822, BadValue, format_scalar, parse_scalar
from s3repl.aws._protocol._xml import (
    XmlSchemaError,
    element_to_value,
    local_name,
    parse_xml,
    to_bytes,
    write_members,
)

__all__ = ["parse_request", "serialize_error", "serialize_result"]

MALFORMED_XML_MESSAGE = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)

#: S3: the root element of results whose body is the output shape itself (botocore's
#: model does not keep these names; its parser ignores the root's name).
_RESULT_ROOTS = {
    "CompleteMultipartUpload": "CompleteMultipartUploadResult",
    "CreateMultipartUpload": "InitiateMultipartUploadResult",
    "DeleteObjects": "DeleteResult",
    "GetBucketAcl": "AccessControlPolicy",
    "GetBucketLocation": "LocationConstraint",
    "GetBucketRequestPayment": "RequestPaymentConfiguration",
    "GetBucketTagging": "Tagging",
    "GetBucketVersioning": "VersioningConfiguration",
    "GetObjectAcl": "AccessControlPolicy",
    "GetObjectTagging": "Tagging",
    "ListBuckets": "ListAllMyBucketsResult",
    "ListMultipartUploads": "ListMultipartUploadsResult",
    "ListObjectVersions": "ListVersionsResult",
    "ListObjects": "ListBucketResult",
    "ListObjectsV2": "ListBucketResult",
    "ListParts": "ListPartsResult",
}

#: S3: with ``EncodingType=url`` these output members (top level, then (list, member)
#: pairs) are percent-encoded; botocore decodes them (``decode_list_object*``).
_URL_ENCODED: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = {
    "ListObjects": (
        ("Delimiter", "Marker", "NextMarker", "Prefix"),
        (("Contents", "Key"), ("CommonPrefixes", "Prefix")),
    ),
    "ListObjectsV2": (
        ("Delimiter", "Prefix", "StartAfter"),
        (("Contents", "Key"), ("CommonPrefixes", "Prefix")),
    ),
    "ListObjectVersions": (
        ("Delimiter", "KeyMarker", "NextKeyMarker", "Prefix"),
        (("Versions", "Key"), ("DeleteMarkers", "Key"), ("CommonPrefixes", "Prefix")),
    ),
}

_COPY_SOURCE = "x-amz-copy-source"
_MISSING_BODY = "MissingRequestBodyError"
_CONTENT_ENCODING = "Content-Encoding"
_QUERY = "query parameter"
_VERSION_SUFFIX = "?versionId="


# ------------------------------------------------------------------------- requests


def parse_request(service: ServiceModel, request: HttpRequest) -> ParsedRequest:
    """The operation and boto3 parameters of a path-style rest-xml ``request``.

    Raises:
        ServiceError: ``NotImplemented`` (no operation fits), ``InvalidArgument`` (a
            header or query value of the wrong type, or a broken ``aws-chunked`` body),
            ``MalformedXML``, ``MissingRequestBodyError``.
    """
    found = find_route(service, request)
    if found is None:
        raise _not_implemented(request)
    route, uri_values = found
    operation = service.operation_model(route.operation)
    shape = operation.input_shape
    if shape is None:
        return ParsedRequest(operation=operation.name, params={})
    headers, body = _headers_and_body(request)
    query: dict[str, list[str]] = {}
    for name, value in request.query:
        query.setdefault(name, []).append(value)
    params: dict[str, Any] = {}
    for name, member, location, wire, lower in _located_members(service, operation.name):
        if location == "uri":
            if wire in uri_values:
                params[name] = _from_text(member, uri_values[wire], wire, where="URI label")
        elif location == "querystring":
            value = _query_member(member, wire, query)
            if value is not None:
                params[name] = value
        elif location == "header":
            text = headers.get(lower)
            if text is not None:
                params[name] = _header_member(member, text, wire)
        else:  # "headers": a family sharing a prefix (x-amz-meta-*)
            prefix = lower
            found_map = {
                header[len(prefix) :]: value
                for header, value in headers.items()
                if header.startswith(prefix) and len(header) > len(prefix)
            }
            if found_map:
                params[name] = found_map
    params.update(_body_params(operation, shape, body))
    return ParsedRequest(operation=operation.name, params=params)


_LOCATIONS = frozenset({"uri", "querystring", "header", "headers"})


@functools.cache
def _located_members(
    service: ServiceModel, operation: str
) -> tuple[tuple[str, Shape, str, str, str], ...]:
    """``(name, shape, location, wire name, its lower case)`` of each member outside the body.

    Why cached: reading botocore's serialisation dicts for every member of every
    request cost more than the rest of the parse (PutObject has over sixty members).
    """
    shape = service.operation_model(operation).input_shape
    if shape is None:
        return ()
    located = []
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        if location in _LOCATIONS:
            wire = str(member.serialization.get("name", name))
            located.append((name, member, str(location), wire, wire.lower()))
    return tuple(located)


def _not_implemented(request: HttpRequest) -> ServiceError:
    query = urllib.parse.urlencode(request.query)
    asked = f"{request.method} {request.path}" + (f"?{query}" if query else "")
    return ServiceError(
        "NotImplemented",
        f"A header or query you provided implies functionality that is not implemented: {asked}",
        http_status=501,
    )


def _invalid_argument(element: str, text: str, err: Exception, *, where: str) -> ServiceError:
    return ServiceError(
        "InvalidArgument",
        f"Invalid value for {where} {element}: {err}",
        fields={"ArgumentName": element, "ArgumentValue": text},
    )


def _headers_and_body(request: HttpRequest) -> tuple[dict[str, str], bytes]:
    headers: dict[str, str] = {}
    for name, value in request.headers:
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    if not is_aws_chunked(request):
        return headers, request.body
    # S3: the aws-chunked framing and its trailers are transport, not the object.
    try:
        body, trailers = decode_aws_chunked(request.body)
    except ChunkedBodyError as err:
        raise _invalid_argument(_CONTENT_ENCODING, "aws-chunked", err, where="header") from err
    headers.update(trailers)
    encodings = [
        part.strip()
        for part in headers.pop("content-encoding", "").split(",")
        if part.strip() and part.strip().lower() != "aws-chunked"
    ]
    if encodings:
        headers["content-encoding"] = ",".join(encodings)
    decoded_length = headers.get("x-amz-decoded-content-length")
    headers["content-length"] = decoded_length or str(len(body))
    return headers, body


def _from_text(member: Shape, text: str, element: str, *, where: str) -> Any:
    try:
        return parse_scalar(member, text)
    except BadValue as err:
        raise _invalid_argument(element, text, err, where=where) from err


def _query_member(member: Shape, wire: str, query: dict[str, list[str]]) -> Any:
    # No rest-xml model puts a map in the query string; lists repeat the parameter.
    if wire not in query:
        return None
    if isinstance(member, ListShape):
        return [_from_text(member.member, text, wire, where=_QUERY) for text in query[wire]]
    return _from_text(member, query[wire][0], wire, where=_QUERY)


def _header_member(member: Shape, text: str, wire: str) -> Any:
    if isinstance(member, ListShape):
        return [_from_text(member.member, item, wire, where="header") for item in _split_list(text)]
    if wire.lower() == _COPY_SOURCE:
        # S3: botocore percent-encodes the bucket/key part (handle_copy_source_param).
        source, suffix, version = text.partition(_VERSION_SUFFIX)
        return urllib.parse.unquote(source) + suffix + version
    return _from_text(member, text, wire, where="header")


def _split_list(text: str) -> list[str]:
    """Split a header list on commas outside double quotes (RFC 7230), unquoting items."""
    items: list[str] = []
    current: list[str] = []
    quoted = False
    escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    items.append("".join(current).strip())
    return [item for item in items if item]


def _body_params(operation: OperationModel, shape: StructureShape, body: bytes) -> dict[str, Any]:
    payload = shape.serialization.get("payload")
    if payload is not None:
        member = shape.members[payload]
        if not body:
            if payload in shape.required_members:
                raise ServiceError(_MISSING_BODY, "Request Body is empty")
            return {}
        if member.type_name == "blob":
            return {payload: body}
        if member.type_name == "string":
            try:
                return {payload: body.decode("utf-8")}
            except UnicodeDecodeError as err:
                raise _invalid_argument(payload, "(body)", err, where="body of") from err
        root_name = str(member.serialization.get("name", payload))
        return {payload: _read_document(member, body, root_name)}
    body_members = [
        name for name, member in shape.members.items() if not member.serialization.get("location")
    ]
    if not body_members or not body:
        return {}
    root_name = str(shape.serialization.get("name", operation.name + "Request"))
    parsed = _read_document(shape, body, root_name)
    return dict(parsed)


def _read_document(shape: Shape, body: bytes, root_name: str) -> Any:
    try:
        root = parse_xml(body)
        if local_name(root.tag) != root_name:
            msg = f"expected root element {root_name}, got {local_name(root.tag)}"
            raise XmlSchemaError(msg)
        return element_to_value(shape, root, root_name)
    except XmlSchemaError as err:
        error = ServiceError("MalformedXML", MALFORMED_XML_MESSAGE)
        error.add_note(f"s3repl: {err}")
        raise error from err


# ------------------------------------------------------------------------ responses


@functools.cache
def _namespace(service: ServiceModel) -> str | None:
    """The namespace of result documents: the service's, else its input payloads' (S3)."""
    declared = service.metadata.get("xmlNamespace")
    if declared:
        return str(declared)
    for name in sorted(service.operation_names):
        shape = service.operation_model(name).input_shape
        payload = shape.serialization.get("payload") if shape is not None else None
        if shape is None or payload is None:
            continue
        namespace = shape.members[payload].serialization.get("xmlNamespace")
        if isinstance(namespace, dict) and namespace.get("uri"):
            return str(namespace["uri"])
    return None


def serialize_result(
    service: ServiceModel,
    operation: str,
    output: Mapping[str, Any],
    *,
    request_id: str,
) -> HttpResponse:
    """The HTTP answer carrying ``output`` (the output shape as boto3 returns it).

    Raises:
        ValueError: ``output`` names a member the output shape does not have.
    """
    model = service.operation_model(operation)
    status = int(model.http.get("responseCode", 200))
    headers: list[tuple[str, str]] = [("x-amz-request-id", request_id), ("x-amz-id-2", request_id)]
    shape = model.output_shape
    values = {key: value for key, value in output.items() if key != "ResponseMetadata"}
    if "ExpiresString" in values:
        # S3: botocore's raw ``Expires`` header, added by its handle_expires_header.
        expires = values.pop("ExpiresString")
        if "Expires" not in values:
            headers.append(("Expires", str(expires)))
    if shape is None:
        if values:
            msg = f"{operation} has no output, got {sorted(values)}"
            raise ValueError(msg)
        return HttpResponse(status=status, headers=tuple(headers))
    unknown = sorted(set(values) - set(shape.members))
    if unknown:
        msg = f"{shape.name} has no member(s) {unknown}"
        raise ValueError(msg)
    values = _url_encode_listing(operation, values)
    status = _write_located(service, operation, values, headers) or status
    payload = shape.serialization.get("payload")
    if payload is not None:
        body, content_type = _payload_body(service, shape.members[payload], payload, values)
    elif operation == "GetBucketLocation":
        # S3: the region is the text of the root itself (botocore's
        # parse_get_bucket_location reads it by hand).
        root = ElementTree.Element("LocationConstraint", {"xmlns": _namespace(service) or ""})
        root.text = str(values.get("LocationConstraint") or "")
        body, content_type = to_bytes(root), "application/xml"
    else:
        body, content_type = _document_body(service, shape, operation, values)
    if body and str(model.http.get("method")) != "HEAD":
        if content_type and not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", content_type))
    else:
        body = b""  # no body on HEAD
    if not any(name.lower() == "content-length" for name, _ in headers):
        headers.append(("Content-Length", str(len(body))))
    return HttpResponse(status=status, headers=tuple(headers), body=body)


def _write_located(
    service: ServiceModel, operation: str, values: Mapping[str, Any], headers: list[tuple[str, str]]
) -> int | None:
    """Append the header members of ``values`` to ``headers``; the status member's value."""
    status = None
    for name, member, location, wire in _located_outputs(service, operation):
        value = values.get(name)
        if value is None:
            continue
        if location == "statusCode":
            status = int(value)
        elif location == "header":
            headers.append((wire, _header_text(member, value)))
        else:  # "headers": a family sharing a prefix (x-amz-meta-*)
            headers.extend((wire + key, str(item)) for key, item in value.items())
    return status


@functools.cache
def _located_outputs(
    service: ServiceModel, operation: str
) -> tuple[tuple[str, Shape, str, str], ...]:
    """``(name, shape, location, wire name)`` of each output member outside the body.

    In model order; cached for the reason :func:`_located_members` is.
    """
    shape = service.operation_model(operation).output_shape
    if not isinstance(shape, StructureShape):
        return ()
    located = []
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        if location in ("statusCode", "header", "headers"):
            located.append(
                (name, member, str(location), str(member.serialization.get("name", name)))
            )
    return tuple(located)


def _header_text(member: Shape, value: Any) -> str:
    if isinstance(member, ListShape):
        items = (format_scalar(member.member, v, timestamp_format=RFC822) for v in value)
        return ",".join(_quote_list_item(item) for item in items)
    return format_scalar(member, value, timestamp_format=RFC822)


def _quote_list_item(text: str) -> str:
    if '"' in text or "," in text:
        return '"' + text.replace('"', '\\"') + '"'
    return text


def _payload_body(
    service: ServiceModel, member: Shape, name: str, values: Mapping[str, Any]
) -> tuple[bytes, str]:
    if name not in values or values[name] is None:
        return b"", ""
    value = values[name]
    if member.type_name in ("blob", "string"):
        # The object's own Content-Type is an output member (GetObject's ContentType).
        data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        return data, ""
    root_name = str(member.serialization.get("name", name))
    root = ElementTree.Element(root_name)
    _set_root_namespace(service, root, member)
    if isinstance(member, StructureShape):
        write_members(member, value, root)
    return to_bytes(root), "application/xml"


def _document_body(
    service: ServiceModel, shape: StructureShape, operation: str, values: Mapping[str, Any]
) -> tuple[bytes, str]:
    if _all_located(service, operation):
        # Every member travels in headers (PutObject, HeadObject); unknown members were
        # refused by serialize_result.
        return b"", ""
    root_name = str(
        shape.serialization.get("name")
        or _RESULT_ROOTS.get(operation)
        or shape.name.removesuffix("Output")
    )
    root = ElementTree.Element(root_name)
    _set_root_namespace(service, root, shape)
    write_members(shape, values, root)  # also refuses members the shape lacks
    return to_bytes(root), "application/xml"


@functools.cache
def _all_located(service: ServiceModel, operation: str) -> bool:
    """Whether every output member of ``operation`` travels outside the body."""
    shape = service.operation_model(operation).output_shape
    members = shape.members.values() if isinstance(shape, StructureShape) else ()
    return all(member.serialization.get("location") for member in members)


def _set_root_namespace(service: ServiceModel, root: ElementTree.Element, shape: Shape) -> None:
    namespace = shape.serialization.get("xmlNamespace")
    if isinstance(namespace, dict):
        namespace = namespace.get("uri")
    namespace = namespace or _namespace(service)
    if namespace:
        root.set("xmlns", str(namespace))


def _url_encode_listing(operation: str, values: dict[str, Any]) -> dict[str, Any]:
    if values.get("EncodingType") != "url" or operation not in _URL_ENCODED:
        return values
    top_level, nested = _URL_ENCODED[operation]
    encoded = dict(values)
    for name in top_level:
        if isinstance(encoded.get(name), str):
            encoded[name] = urllib.parse.quote(encoded[name], safe="/")
    for list_name, member_name in nested:
        if list_name in encoded:
            encoded[list_name] = [
                {**item, member_name: urllib.parse.quote(item[member_name], safe="/")}
                if member_name in item
                else item
                for item in encoded[list_name]
            ]
    return encoded


def serialize_error(
    service: ServiceModel, error: ServiceError, *, request_id: str, method: str = "GET"
) -> HttpResponse:
    """S3's ``<Error>`` answer for ``error`` (no body for a HEAD request)."""
    del service  # every S3 operation answers errors alike
    headers = [("x-amz-request-id", request_id), ("x-amz-id-2", request_id)]
    headers.extend(error.headers.items())
    if method.upper() == "HEAD":
        return HttpResponse(status=error.http_status, headers=tuple(headers))
    root = ElementTree.Element("Error")
    for name, text in (("Code", error.code), ("Message", error.message), *error.fields.items()):
        ElementTree.SubElement(root, name).text = text
    ElementTree.SubElement(root, "RequestId").text = request_id
    ElementTree.SubElement(root, "HostId").text = request_id
    body = to_bytes(root)
    headers.append(("Content-Type", "application/xml"))
    return HttpResponse(status=error.http_status, headers=tuple(headers), body=body)
