"""Which operation a REST request names, from every operation's ``http`` trait.

Theory of operation: each operation's ``requestUri`` (``/{Bucket}/{Key+}?tagging``) is
compiled once into a :class:`Route`: a path pattern (``{Label}`` one segment,
``{Label+}`` greedy), the query flags written after ``?`` (``tagging``,
``list-type=2``), and the query parameters and headers its *required* members put on
the wire (``uploadId``, ``x-amz-copy-source``), since several operations share a
method and path and only those tell them apart (PutObject, CopyObject, UploadPart,
UploadPartCopy).  A request matches a route when its method, path, flags and required
members all fit; among matches the most specific wins, compared in this order:

1. more literal path characters (``/WriteGetObjectResponse`` before ``/{Bucket}``);
2. more query flags (``?tagging`` before a bare path);
3. more required query parameters and headers present;
4. more of the request's query parameters and headers the operation knows;
5. not deprecated (GetBucketLifecycleConfiguration before GetBucketLifecycle);
6. the operation name, alphabetically (only ListBuckets and S3 Express's
   ListDirectoryBuckets tie this far; regional endpoints serve ListBuckets).

Why an index: S3 has over a hundred operations and trying every route's pattern on
each request was the largest single cost of a mocked call.  :class:`RouteIndex` files
every route once per service under its method, the *path shape* it can match (the
root ``/``, one segment, deeper, or any), and its first query flag (or none).  A
request is compared only with the routes filed under its method and shape, among
those without flags or whose first flag it carries: a superset of the routes that fit,
tried in name order, so the choice is exactly the full scan's (the tests compare the
two for every operation and for random requests).
"""

from __future__ import annotations

import functools
import re
import urllib.parse

import attrs
from botocore.model import OperationModel, ServiceModel

from s3repl.aws._http import HttpRequest

__all__ = ["Route", "RouteIndex", "find_route", "path_shape", "route_index", "routes_of"]

_LABEL = re.compile(r"\{([^}]+)\}")


@attrs.frozen(kw_only=True)
class Route:
    """One operation's place on the HTTP surface.

    Attributes:
        operation: the operation's name in the model.
        method: the HTTP method.
        pattern: the compiled path pattern; its groups are the URI labels.
        labels: group name -> the label's name in the ``requestUri``.
        literal_length: how many characters of the path template are literal.
        flags: the query parameters written in the ``requestUri``, with their value
            (``None``: any value).
        required_query: query parameter names of required ``querystring`` members.
        required_headers: lower-case header names of required ``header`` members.
        known_query: every query parameter name the operation reads.
        known_headers: every lower-case header name (or prefix) the operation reads,
            sorted; a tuple, so that ``str.startswith`` tries them all at C speed.
        deprecated: whether the model marks the operation deprecated.
    """

    operation: str
    method: str
    pattern: re.Pattern[str]
    labels: dict[str, str]
    literal_length: int
    flags: tuple[tuple[str, str | None], ...]
    required_query: frozenset[str]
    required_headers: frozenset[str]
    known_query: frozenset[str]
    known_headers: tuple[str, ...]
    deprecated: bool

    def uri_values(self, path: str) -> dict[str, str] | None:
        """The percent-decoded URI label values if ``path`` fits, else ``None``."""
        match = self.pattern.fullmatch(path)
        if match is None:
            return None
        return {
            self.labels[group]: urllib.parse.unquote(value)
            for group, value in match.groupdict().items()
        }

    def fits(self, query: dict[str, str], headers: frozenset[str]) -> bool:
        """Whether the request's query parameters and header names satisfy this route."""
        for name, value in self.flags:
            if name not in query or (value is not None and query[name] != value):
                return False
        return self.required_query <= query.keys() and self.required_headers <= headers

    def specificity(
        self, query: dict[str, str], headers: frozenset[str]
    ) -> tuple[int, int, int, int, int]:
        """The sort key of this route for a request it fits (larger is more specific)."""
        known = sum(1 for name in query if name in self.known_query) + sum(
            1 for header in headers if header.startswith(self.known_headers)
        )
        return (
            self.literal_length,
            len(self.flags),
            len(self.required_query) + len(self.required_headers),
            known,
            0 if self.deprecated else 1,
        )


_Flags = tuple[tuple[str, str | None], ...]


def _compile(request_uri: str) -> tuple[re.Pattern[str], dict[str, str], int, _Flags]:
    path, _, query = request_uri.partition("?")
    labels: dict[str, str] = {}
    parts: list[str] = []
    literal_length = 0
    position = 0
    for index, match in enumerate(_LABEL.finditer(path)):
        literal = path[position : match.start()]
        literal_length += len(literal)
        parts.append(re.escape(literal))
        label = match.group(1)
        group = f"g{index}"
        labels[group] = label.rstrip("+")
        parts.append(f"(?P<{group}>.+)" if label.endswith("+") else f"(?P<{group}>[^/]+)")
        position = match.end()
    tail = path[position:]
    literal_length += len(tail)
    parts.append(re.escape(tail))
    if path != "/" and not path.endswith("+}"):
        parts.append("/?")  # a bucket is addressed as /bucket or /bucket/
    flags = tuple(
        (name, value if has_value else None)
        for name, has_value, value in (item.partition("=") for item in query.split("&") if item)
    )
    return re.compile("".join(parts)), labels, literal_length, flags


def _route(operation: OperationModel) -> Route:
    pattern, labels, literal_length, flags = _compile(str(operation.http["requestUri"]))
    required_query: set[str] = set()
    required_headers: set[str] = set()
    known_query: set[str] = set()
    known_headers: set[str] = set()
    shape = operation.input_shape
    members = shape.members if shape is not None else {}
    required = set(shape.required_members) if shape is not None else set()
    for name, member in members.items():
        location = member.serialization.get("location")
        wire_name = str(member.serialization.get("name", name))
        if location == "querystring":
            known_query.add(wire_name)
            if name in required:
                required_query.add(wire_name)
        elif location in ("header", "headers"):
            known_headers.add(wire_name.lower())
            if name in required and location == "header":
                required_headers.add(wire_name.lower())
    return Route(
        operation=operation.name,
        method=str(operation.http.get("method", "POST")).upper(),
        pattern=pattern,
        labels=labels,
        literal_length=literal_length,
        flags=flags,
        required_query=frozenset(required_query),
        required_headers=frozenset(required_headers),
        known_query=frozenset(known_query),
        known_headers=tuple(sorted(known_headers)),
        deprecated=bool(operation.deprecated),
    )


@functools.cache
def routes_of(service: ServiceModel) -> dict[str, tuple[Route, ...]]:
    """Every operation's route, by HTTP method (computed once per service model)."""
    by_method: dict[str, list[Route]] = {}
    for name in sorted(service.operation_names):
        route = _route(service.operation_model(name))
        by_method.setdefault(route.method, []).append(route)
    return {method: tuple(routes) for method, routes in by_method.items()}


#: Path shapes: ``/``, one segment (``/bucket``, ``/bucket/``), deeper (``/bucket/key``).
ROOT, ONE_SEGMENT, DEEPER = "root", "one segment", "deeper"
#: The shape of a route whose template fits none of the three for sure.
ANY_SHAPE = "any"


def path_shape(path: str) -> str:
    """The shape of a request path: ``ROOT``, ``ONE_SEGMENT`` or ``DEEPER``."""
    rest = path[1:]
    if not rest:
        return ROOT
    return DEEPER if rest.partition("/")[2] else ONE_SEGMENT


def _template_shape(request_uri: str) -> str:
    """The one path shape every path the template matches has, else ``ANY_SHAPE``.

    A template of one segment without a greedy label matches only one-segment paths
    (its pattern allows one trailing ``/``); one whose first segment has no greedy
    label and is followed by a non-empty rest matches only deeper paths.
    """
    path = request_uri.partition("?")[0]
    if path == "/":
        return ROOT
    if not path.startswith("/"):
        return ANY_SHAPE
    first, slash, rest = path[1:].partition("/")
    if not first or "+}" in first:
        return ANY_SHAPE
    if not slash:
        return ONE_SEGMENT
    return DEEPER if rest else ANY_SHAPE


_NO_FLAG = ""


@attrs.frozen(kw_only=True)
class RouteIndex:
    """A service's routes filed by method, path shape and first query flag.

    Attributes:
        filed: ``(method, shape)`` -> first flag's name (``""``: no flag) -> the
            routes filed there, each with its position in name order.
    """

    filed: dict[tuple[str, str], dict[str, tuple[tuple[int, Route], ...]]]

    def candidates(self, method: str, path: str, query: dict[str, str]) -> list[Route]:
        """Every route that may fit (a superset of those that do), in name order."""
        found: list[tuple[int, Route]] = []
        for shape in (path_shape(path), ANY_SHAPE):
            by_flag = self.filed.get((method, shape))
            if by_flag is None:
                continue
            found.extend(by_flag.get(_NO_FLAG, ()))
            for name in query:
                if name != _NO_FLAG:  # a blank parameter name must not file them twice
                    found.extend(by_flag.get(name, ()))
        found.sort(key=lambda entry: entry[0])
        return [route for _, route in found]


@functools.cache
def route_index(service: ServiceModel) -> RouteIndex:
    """The :class:`RouteIndex` of ``service`` (built once per service model)."""
    filed: dict[tuple[str, str], dict[str, list[tuple[int, Route]]]] = {}
    for method, routes in routes_of(service).items():
        for position, route in enumerate(routes):
            request_uri = str(service.operation_model(route.operation).http["requestUri"])
            shape = _template_shape(request_uri)
            first_flag = route.flags[0][0] if route.flags else _NO_FLAG
            by_flag = filed.setdefault((method, shape), {})
            by_flag.setdefault(first_flag, []).append((position, route))
    return RouteIndex(
        filed={
            key: {flag: tuple(entries) for flag, entries in by_flag.items()}
            for key, by_flag in filed.items()
        }
    )


def find_route(service: ServiceModel, request: HttpRequest) -> tuple[Route, dict[str, str]] | None:
    """The most specific route ``request`` fits and its URI label values, or ``None``."""
    query: dict[str, str] = {}
    for name, value in request.query:
        query.setdefault(name, value)
    headers = frozenset(name for name, _ in request.headers)
    method = request.method.upper()
    best: tuple[tuple[int, int, int, int, int], Route, dict[str, str]] | None = None
    for route in route_index(service).candidates(method, request.path, query):
        if not route.fits(query, headers):
            continue
        values = route.uri_values(request.path)
        if values is None:
            continue
        key = route.specificity(query, headers)
        # Candidates come in name order, so on a full tie the first name stays (rule 6).
        if best is None or key > best[0]:
            best = (key, route, values)
    return None if best is None else (best[1], best[2])
