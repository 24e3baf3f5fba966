"""Test helpers for the protocol layer: botocore itself as the oracle.

- :class:`Wire` drives a real boto3 client whose ``before-send`` handler hands the
  prepared request to us (converted to an :class:`HttpRequest`) and answers with the
  :class:`HttpResponse` the test supplies, so a call exercises botocore's serialiser,
  every handler (checksums, aws-chunked, copy-source quoting) and its parser.
- :func:`serialized_request` serialises parameters with botocore's bare serialiser
  (no handlers, no validation), for Hypothesis-generated parameters.
- :func:`botocore_parse` parses an :class:`HttpResponse` with botocore's parser.
- :func:`inputs` derives a Hypothesis strategy from an input shape.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import urllib.parse
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
from botocore.awsrequest import AWSPreparedRequest, AWSResponse, create_request_object
from botocore.awsrequest import prepare_request_dict as botocore_prepare
from botocore.config import Config
from botocore.model import (
    ListShape,
    MapShape,
    OperationModel,
    ServiceModel,
    Shape,
    StructureShape,
)
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from hypothesis import strategies as st

from s3repl.aws import HttpRequest, HttpResponse

ENDPOINTS = {
    "s3": "https://s3.amazonaws.com",
    "iam": "https://iam.amazonaws.com",
    "sts": "https://sts.amazonaws.com",
    "kms": "https://kms.us-east-1.amazonaws.com",
}


def to_http_request(prepared: AWSPreparedRequest) -> HttpRequest:
    """The gateway's view of a request botocore prepared."""
    parts = urllib.parse.urlsplit(prepared.url)
    body: Any = prepared.body
    if body is None:
        data = b""
    elif isinstance(body, bytes | bytearray):
        data = bytes(body)
    elif isinstance(body, str):
        data = body.encode()
    else:
        data = body.read()
        if hasattr(body, "seek"):
            body.seek(0)
    headers = tuple(
        (name, value.decode() if isinstance(value, bytes) else str(value))
        for name, value in prepared.headers.items()
    )
    return HttpRequest(
        method=prepared.method,
        path=parts.path or "/",
        query=tuple(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
        headers=headers,
        body=data,
        host=parts.netloc,
    )


class _Raw:
    """The raw stream botocore reads an answer's body from."""

    def __init__(self, body: bytes) -> None:
        self._data = io.BytesIO(body)

    def stream(self, **_: Any) -> Iterator[bytes]:
        chunk = self._data.read()
        while chunk:
            yield chunk
            chunk = self._data.read()

    def read(self, amt: int | None = None, **_: Any) -> bytes:
        return self._data.read(amt)


def to_aws_response(url: str, response: HttpResponse) -> AWSResponse:
    """botocore's view of an answer."""
    return AWSResponse(url, response.status, dict(response.headers), _Raw(response.body))


class _Captured(Exception):
    """Stops a call once its request is captured."""


class Wire:
    """A boto3 client whose requests stop at us and whose answers we write."""

    def __init__(self, service: str) -> None:
        self.client: Any = boto3.client(
            service,
            region_name="us-east-1",
            endpoint_url=ENDPOINTS[service],
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="secret",
            config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}),
        )
        self.requests: list[HttpRequest] = []
        self.answer: HttpResponse | None = None
        self.client.meta.events.register("before-send", self._before_send)

    def _before_send(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        self.requests.append(to_http_request(request))
        if self.answer is None:
            raise _Captured
        return to_aws_response(request.url, self.answer)

    def request_of(self, operation: str, params: dict[str, Any]) -> HttpRequest:
        """The request a boto3 call sends (never answered: the call stops there)."""
        self.answer = None
        try:
            self.call(operation, params)
        except _Captured:
            return self.requests[-1]
        msg = "the call was not sent"
        raise AssertionError(msg)

    def call(self, operation: str, params: dict[str, Any]) -> Any:
        """Call ``operation`` through the client (snake_case method of the model name)."""
        method = self.client.meta.method_to_api_mapping
        name = next(snake for snake, api in method.items() if api == operation)
        return getattr(self.client, name)(**params)


def serialized_request(
    protocol: str, operation: OperationModel, params: dict[str, Any], endpoint: str
) -> HttpRequest:
    """The request botocore's bare serialiser makes of ``params`` (no handlers)."""
    serializer = create_serializer(protocol, include_validation=False)
    request_dict = serializer.serialize_to_request(params, operation)
    botocore_prepare(request_dict, endpoint_url=endpoint)
    prepared = create_request_object(request_dict).prepare()
    return to_http_request(prepared)


class Headers(dict[str, str]):
    """Case-insensitive lookups, as botocore's HTTPHeaders."""

    def __init__(self, pairs: tuple[tuple[str, str], ...]) -> None:
        super().__init__((name.lower(), value) for name, value in pairs)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


def botocore_parse(protocol: str, shape: Shape | None, response: HttpResponse) -> dict[str, Any]:
    """What botocore's parser reads from ``response`` (without ResponseMetadata)."""
    parsed: dict[str, Any] = create_parser(protocol).parse(
        {
            "status_code": response.status,
            "headers": Headers(response.headers),
            "body": response.body,
        },
        shape,
    )
    parsed.pop("ResponseMetadata", None)
    return parsed


# ------------------------------------------------------------------ Hypothesis


SAFE_TEXT = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_.:/"), max_size=12
)
HEADER_TEXT = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-_.:/=+"), min_size=1, max_size=12
)
TIMESTAMPS = st.datetimes(
    min_value=dt.datetime(1980, 1, 1),  # noqa: DTZ001 (Hypothesis bounds are naive)
    max_value=dt.datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(dt.UTC),
)
WHOLE_SECOND_TIMESTAMPS = TIMESTAMPS.map(lambda value: value.replace(microsecond=0))
#: Epoch seconds are floats: beyond milliseconds they do not round-trip exactly.
MILLISECOND_TIMESTAMPS = TIMESTAMPS.map(
    lambda value: value.replace(microsecond=value.microsecond // 1000 * 1000)
)


def _scalar(
    shape: Shape, location: str | None, timestamps: st.SearchStrategy[dt.datetime] | None
) -> st.SearchStrategy[Any]:
    in_header = location in ("header", "headers")
    enum = getattr(shape, "enum", None)
    if enum:
        return st.sampled_from(list(enum))
    type_name = shape.type_name
    if type_name == "string":
        return HEADER_TEXT if in_header else SAFE_TEXT
    if type_name == "boolean":
        return st.booleans()
    if type_name in ("integer", "long"):
        return st.integers(min_value=-(2**31), max_value=2**31 - 1)
    if type_name in ("float", "double"):
        return st.floats(allow_nan=False, allow_infinity=False, width=32)
    if type_name == "timestamp":
        whole_seconds = in_header or shape.serialization.get("timestampFormat") == "rfc822"
        if whole_seconds:
            return WHOLE_SECOND_TIMESTAMPS
        return timestamps if timestamps is not None else TIMESTAMPS
    if type_name == "blob":
        return st.binary(min_size=1, max_size=16)
    msg = f"no strategy for {type_name}"
    raise AssertionError(msg)


def inputs(
    shape: Shape,
    *,
    location: str | None = None,
    depth: int = 0,
    skip: frozenset[str] = frozenset(),
    special: dict[str, st.SearchStrategy[Any]] | None = None,
    timestamps: st.SearchStrategy[dt.datetime] | None = None,
    depth_max: int = 4,
) -> st.SearchStrategy[Any]:
    """Values of ``shape``: required members always, optional ones sometimes.

    Lists, maps and strings in headers are never empty (botocore sends nothing for an
    empty header list, so no parser could tell); ``skip`` names top-level members not
    to generate, ``special`` overrides top-level members' strategies.
    """
    if isinstance(shape, StructureShape):
        required: dict[str, st.SearchStrategy[Any]] = {}
        optional: dict[str, st.SearchStrategy[Any]] = {}
        for name, member in shape.members.items():
            if name in skip:
                continue
            member_location = member.serialization.get("location", location)
            if special and name in special:
                strategy = special[name]
            elif depth > depth_max and name not in shape.required_members:
                continue
            else:
                strategy = inputs(
                    member,
                    location=member_location,
                    depth=depth + 1,
                    timestamps=timestamps,
                    depth_max=depth_max,
                )
            (required if name in shape.required_members else optional)[name] = strategy
        if getattr(shape, "is_tagged_union", False) and optional:  # exactly one member
            return st.one_of([st.fixed_dictionaries({n: s}) for n, s in optional.items()])
        if depth == 0 or required or not optional:
            return st.fixed_dictionaries(required, optional=optional)
        # An empty nested structure leaves no trace in a query form: one member at least.
        return st.sampled_from(sorted(optional)).flatmap(
            lambda first: st.fixed_dictionaries(
                {first: optional[first]},
                optional={n: s for n, s in optional.items() if n != first},
            )
        )
    if isinstance(shape, ListShape):
        items = inputs(
            shape.member,
            location=location,
            depth=depth + 1,
            timestamps=timestamps,
            depth_max=depth_max,
        )
        return st.lists(items, min_size=1, max_size=3)
    if isinstance(shape, MapShape):
        keys = st.text(st.sampled_from("abcdefghij"), min_size=1, max_size=6)
        values = inputs(
            shape.value,
            location=location,
            depth=depth + 1,
            timestamps=timestamps,
            depth_max=depth_max,
        )
        return st.dictionaries(keys, values, min_size=1, max_size=3)
    return _scalar(shape, location, timestamps)


def minimal_value(shape: Shape) -> Any:
    """The smallest valid-looking value of ``shape``: required members only."""
    if isinstance(shape, StructureShape):
        return {name: minimal_value(shape.members[name]) for name in shape.required_members}
    if isinstance(shape, ListShape):
        return [minimal_value(shape.member)]
    if isinstance(shape, MapShape):
        return {"k": minimal_value(shape.value)}
    enum = getattr(shape, "enum", None)
    if enum:
        return enum[0]
    return {
        "string": "route",
        "boolean": True,
        "integer": 1,
        "long": 1,
        "float": 1.5,
        "double": 1.5,
        "timestamp": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "blob": b"x",
    }[shape.type_name]


@functools.cache
def other_service(name: str) -> ServiceModel:
    """A botocore service model s3repl does not serve, to exercise protocol features."""
    return botocore.session.get_session().get_service_model(name)


def outputs(
    operation: OperationModel,
    *,
    skip: frozenset[str] = frozenset(),
    timestamps: st.SearchStrategy[dt.datetime] | None = None,
    depth_max: int = 4,
) -> st.SearchStrategy[dict[str, Any]]:
    """Outputs of ``operation`` as boto3 returns them (its payload always present).

    The payload is always there for botocore's parser (an empty body is the empty
    value), and blob bodies are UTF-8 text since the bare parser decodes them.
    """
    shape = operation.output_shape
    if shape is None:
        return st.just({})
    special: dict[str, st.SearchStrategy[Any]] = {}
    payload = shape.serialization.get("payload")
    raw_payload = payload is not None and shape.members[payload].type_name in ("blob", "string")
    if raw_payload:
        text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
        special[payload] = (
            text.map(str.encode) if shape.members[payload].type_name == "blob" else text
        )
    strategy = inputs(shape, skip=skip, special=special, timestamps=timestamps, depth_max=depth_max)
    if payload is not None:  # botocore's parser always reads the payload, even from nothing
        return strategy.filter(lambda value: payload in value)
    return strategy
