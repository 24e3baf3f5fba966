"""Scalar values on the wire: text <-> Python value, driven by a botocore shape's type.

Every protocol spells scalars the same few ways (``true``, ``42``, three timestamp
formats, base64 blobs); only *where* they sit differs.  Parsing raises
:class:`BadValue`, which each protocol turns into its own error code (S3's
``InvalidArgument`` or ``MalformedXML``, the query protocol's ``InvalidParameterValue``,
the JSON protocol's ``SerializationException``), naming the element.
"""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import email.utils
import json
import math
import re
from typing import Any

from botocore.model import Shape

__all__ = [
    "BadValue",
    "format_scalar",
    "format_timestamp",
    "parse_scalar",
    "parse_timestamp",
]

#: Timestamp formats botocore names in ``timestampFormat`` (and uses by default).
ISO8601 = "iso8601"
RFC822 = "rfc822"
UNIX = "unixtimestamp"

_INTEGER = re.compile(r"[+-]?[0-9]+")
_FLOAT_WORDS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_INTEGER_TYPES = frozenset({"integer", "long", "short", "byte"})
_FLOAT_TYPES = frozenset({"float", "double"})


class BadValue(ValueError):
    """A wire value that does not fit its shape's type.

    Attributes:
        kind: what was expected, for messages (``"integer"``, ``"timestamp"``).
        text: the offending text.
    """

    def __init__(self, *, kind: str, text: str) -> None:
        super().__init__(f"{text!r} is not a valid {kind}")
        self.kind = kind
        self.text = text


def is_json_value(shape: Shape) -> bool:
    """Tell whether ``shape`` is a string carrying base64 JSON (botocore's ``jsonvalue``)."""
    return shape.type_name == "string" and bool(shape.serialization.get("jsonvalue"))


def parse_timestamp(text: str) -> dt.datetime:
    """An aware UTC datetime from ISO 8601, RFC 822 or epoch-seconds text.

    Raises:
        BadValue: the text is none of the three.
    """
    stripped = text.strip()
    try:
        if re.fullmatch(r"[+-]?[0-9]+(\.[0-9]+)?", stripped):
            return dt.datetime.fromtimestamp(float(stripped), tz=dt.UTC)
        if stripped[:4].isdigit():
            parsed = dt.datetime.fromisoformat(stripped)
        else:
            parsed = email.utils.parsedate_to_datetime(stripped)
    except (ValueError, TypeError, OverflowError, OSError, IndexError) as err:
        raise BadValue(kind="timestamp", text=text) from err
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def format_timestamp(value: dt.datetime, timestamp_format: str) -> str | int | float:
    """Spell ``value`` in ``timestamp_format`` (naive datetimes are taken as UTC).

    ISO 8601 keeps S3's millisecond spelling (``.000Z``) unless the value has finer
    digits, which are kept so that nothing is lost; RFC 822 has whole seconds only;
    epoch seconds are an ``int`` when whole.
    """
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    utc = aware.astimezone(dt.UTC)
    if timestamp_format == RFC822:
        return email.utils.formatdate(calendar.timegm(utc.timetuple()), usegmt=True)
    if timestamp_format == UNIX:
        whole = calendar.timegm(utc.timetuple())
        if utc.microsecond == 0:
            return whole
        return (whole * 10**6 + utc.microsecond) / 10**6
    if utc.microsecond % 1000 == 0:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_scalar(shape: Shape, text: str) -> Any:
    """The Python value of wire text ``text`` for scalar ``shape``.

    Timestamps are accepted in any of the three formats, wherever they appear.

    Args:
        shape: a scalar shape (string, boolean, integer, long, float, double,
            timestamp, blob).
        text: the text as it appeared on the wire.

    Raises:
        BadValue: the text does not fit the shape's type.
    """
    type_name = shape.type_name
    if type_name == "string":
        if is_json_value(shape):
            try:
                return json.loads(base64.b64decode(text, validate=True))
            except ValueError as err:  # binascii.Error, non-ASCII text, or not JSON
                raise BadValue(kind="base64-encoded JSON value", text=text) from err
        return text
    if type_name == "boolean":
        lowered = text.strip().lower()
        if lowered not in ("true", "false"):
            raise BadValue(kind="boolean", text=text)
        return lowered == "true"
    if type_name in _INTEGER_TYPES:
        if not _INTEGER.fullmatch(text.strip()):
            raise BadValue(kind="integer", text=text)
        try:
            return int(text)
        except ValueError as err:  # more digits than Python converts
            raise BadValue(kind="integer", text=text) from err
    if type_name in _FLOAT_TYPES:
        if text in _FLOAT_WORDS:
            return _FLOAT_WORDS[text]
        try:
            return float(text)
        except ValueError as err:
            raise BadValue(kind="number", text=text) from err
    if type_name == "timestamp":
        return parse_timestamp(text)
    if type_name == "blob":
        try:
            return base64.b64decode(text, validate=True)
        except ValueError as err:  # binascii.Error, or non-ASCII text
            raise BadValue(kind="base64 value", text=text) from err
    raise BadValue(kind=type_name, text=text)


def _float_text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(float(value))


def format_scalar(shape: Shape, value: Any, *, timestamp_format: str) -> str:
    """The wire text of ``value`` for scalar ``shape`` (the inverse of :func:`parse_scalar`).

    Args:
        shape: a scalar shape.
        value: the value as boto3 returns it.
        timestamp_format: the location's default format; ``timestampFormat`` on the
            shape wins.
    """
    type_name = shape.type_name
    if type_name == "boolean":
        return "true" if value else "false"
    if type_name == "timestamp":
        fmt = shape.serialization.get("timestampFormat", timestamp_format)
        return str(format_timestamp(_as_datetime(value), fmt))
    if type_name == "blob":
        raw = value.encode() if isinstance(value, str) else bytes(value)
        return base64.b64encode(raw).decode("ascii")
    if type_name in _FLOAT_TYPES:
        return _float_text(float(value))
    if is_json_value(shape):
        compact = json.dumps(value, separators=(",", ":"))
        return base64.b64encode(compact.encode()).decode("ascii")
    return str(value)


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    return parse_timestamp(str(value))
