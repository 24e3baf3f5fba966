"""attrs validators for the object and task values: each refusal names its class and field.

Why a module of its own: ``objects.py`` and ``tasks.py`` share these checks, and each
check states one fact of a requirement (docs/requirements.md) or AWS's API reference in
one place.  They raise plain
``TypeError`` (wrong type) and ``ValueError`` (right type, impossible value), not S3
errors: a value built by hand is a programming error, not a request S3 would answer.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from s3repl.model._frozenmap import EMPTY, FrozenMap
from s3repl.model.enums import FailureReason, ReplicationStatus

__all__ = [
    "CONVERTERS_KEEPING_VALID_VALUES",
    "KEY_BYTES_MAX",
    "RULE_ID_MAX",
    "VERSION_ID_BYTES_MAX",
    "account_id",
    "aware_datetime",
    "boolean",
    "destination_status_map",
    "etag",
    "failure_reason_map",
    "frozen_map",
    "instance_of",
    "items_of",
    "member_of",
    "non_empty_text",
    "non_negative_int",
    "object_key",
    "optional",
    "rule_id",
    "string_map",
    "text",
    "value_error",
    "version_id",
]

#: An object key is at most 1024 bytes of UTF-8.
KEY_BYTES_MAX = 1024
#: Version ids are opaque strings; AWS documents them as at most 1024 bytes.
VERSION_ID_BYTES_MAX = 1024
#: ``"<32 hex>"`` (single-part) or ``"<32 hex>-N"`` (multipart, N parts, 1..10,000).
_ETAG_RE = re.compile(r'"[0-9a-f]{32}(?:-([1-9][0-9]{0,4}))?"')
_PARTS_MAX = 10_000
#: A replication rule id holds at most 255 characters (R-021, R-044).
RULE_ID_MAX = 255
_SINGLE_PART_ETAG_LENGTH = 34
_LOWER_HEX = "0123456789abcdef"
# Per destination a version is PENDING, COMPLETED or FAILED; REPLICA is a header only.
_DESTINATION_STATUSES = frozenset(
    {ReplicationStatus.PENDING, ReplicationStatus.COMPLETED, ReplicationStatus.FAILED}
)

_Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _where(instance: object, attribute: attrs.Attribute[Any]) -> str:
    return f"{type(instance).__name__}.{attribute.name}"


def _type_error(
    instance: object, attribute: attrs.Attribute[Any], wanted: str, value: object
) -> TypeError:
    return TypeError(
        f"{_where(instance, attribute)} must be {wanted}, got {type(value).__name__} {value!r}"
    )


def value_error(
    instance: object, attribute: attrs.Attribute[Any], problem: str, value: object
) -> ValueError:
    return ValueError(f"{_where(instance, attribute)} {problem}, got {value!r}")


def _utf8_size(value: str) -> int | None:
    """The UTF-8 size of ``value``, or ``None`` when it holds lone surrogates."""
    if value.isascii():  # the usual case: its length is its size, no encoding needed
        return len(value)
    try:
        return len(value.encode("utf-8"))
    except UnicodeEncodeError:
        return None


# Each check below tests the usual valid value first, in one expression, and returns:
# ``head_object`` and ``list_object_versions`` rebuild a version through ``__init__`` on
# every read, so validating a 23-field version must stay a few microseconds.


def text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Any ``str``."""
    if type(value) is not str and not isinstance(value, str):
        raise _type_error(instance, attribute, "a str", value)


def non_empty_text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A non-empty ``str``."""
    if type(value) is str and value:
        return
    text(instance, attribute, value)
    if not value:
        raise value_error(instance, attribute, "must not be empty", value)


def boolean(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """``True`` or ``False`` (not ``0``, ``1`` or ``None``)."""
    if type(value) is not bool:
        raise _type_error(instance, attribute, "a bool", value)


def non_negative_int(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An ``int`` >= 0 (a ``bool`` is refused: it is an int only by accident)."""
    if type(value) is int and value >= 0:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise _type_error(instance, attribute, "an int", value)
    if value < 0:
        raise value_error(instance, attribute, "must be >= 0", value)


def _bounded_text(
    instance: object, attribute: attrs.Attribute[Any], value: object, size_max: int
) -> None:
    """A non-empty ``str`` of at most ``size_max`` bytes of UTF-8."""
    non_empty_text(instance, attribute, value)
    assert isinstance(value, str)
    size = _utf8_size(value)
    if size is None:
        raise value_error(instance, attribute, "must be valid UTF-8", value)
    if size > size_max:
        problem = f"must be at most {size_max} bytes of UTF-8 (is {size})"
        raise value_error(instance, attribute, problem, value)


def object_key(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An object key: 1 to 1024 bytes of UTF-8."""
    if type(value) is str and 0 < len(value) <= KEY_BYTES_MAX and value.isascii():
        return
    _bounded_text(instance, attribute, value, KEY_BYTES_MAX)


def version_id(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A version id: ``"null"`` or an opaque, non-empty string of at most 1024 bytes.

    The engine draws 32 characters of ``[A-Za-z0-9._]``, but AWS promises no shape, so a
    world built by hand may use any id S3 could return.
    """
    if type(value) is str and 0 < len(value) <= VERSION_ID_BYTES_MAX and value.isascii():
        return
    _bounded_text(instance, attribute, value, VERSION_ID_BYTES_MAX)


def etag(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An S3 ETag: ``'"<32 lower-case hex>"'``, or ``'"<32 hex>-N"'`` for N parts."""
    if (
        type(value) is str
        and len(value) == _SINGLE_PART_ETAG_LENGTH
        and value[0] == '"' == value[-1]
        and not value[1:-1].strip(_LOWER_HEX)  # a C loop: about 5x faster than a regex
    ):
        return
    text(instance, attribute, value)
    assert isinstance(value, str)
    match = _ETAG_RE.fullmatch(value)
    if match is None or (match[1] is not None and int(match[1]) > _PARTS_MAX):
        problem = (
            'must be a quoted MD5 hex digest ("<32 hex>") or a multipart ETag '
            f'("<32 hex>-N", 1 <= N <= {_PARTS_MAX})'
        )
        raise value_error(instance, attribute, problem, value)


def aware_datetime(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A timezone-aware ``datetime`` (S3 times are instants, not wall-clock readings)."""
    if type(value) is dt.datetime and value.tzinfo is dt.UTC:
        return
    if not isinstance(value, dt.datetime):
        raise _type_error(instance, attribute, "a datetime", value)
    if value.tzinfo is None or value.utcoffset() is None:
        raise value_error(instance, attribute, "must be timezone-aware", value)


def account_id(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A 12-digit AWS account id."""
    if type(value) is str and len(value) == 12 and value.isascii() and value.isdigit():
        return
    text(instance, attribute, value)
    raise value_error(instance, attribute, "must be a 12-digit AWS account id", value)


def member_of(enum_class: type[enum.Enum], *, optional: bool = False) -> _Validator:
    """A member of ``enum_class`` (or ``None`` if ``optional``); its string is refused."""
    wanted = f"a {enum_class.__name__}" + (" or None" if optional else "")

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if type(value) is not enum_class and not (optional and value is None):
            raise _type_error(instance, attribute, wanted, value)

    return check


def optional(validator: _Validator) -> _Validator:
    """``None``, or what ``validator`` accepts."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            validator(instance, attribute, value)

    return check


def frozen_map(value: Any) -> Any:
    """Freeze a mapping given for a map field (``tags={"a": "b"}``); keep a FrozenMap as is.

    So that a value's repr (which shows its maps as dict literals) builds it again.  An
    empty mapping becomes the shared ``EMPTY``; anything else is left for the validator.
    """
    if type(value) is FrozenMap:
        return value
    if isinstance(value, Mapping):
        return FrozenMap(value) if value else EMPTY
    return value


#: Converters that return a value they would accept unchanged (``frozen_map``), so a
#: trusted builder may skip them as it skips validators: it is handed stored values.
CONVERTERS_KEEPING_VALID_VALUES: frozenset[Callable[[Any], Any]] = frozenset({frozen_map})


def _map_of(
    instance: object, attribute: attrs.Attribute[Any], value: object, item_type: type[Any]
) -> None:
    """A ``FrozenMap`` from ``str`` to ``item_type``."""
    if not isinstance(value, FrozenMap):
        wanted = "a FrozenMap (wrap a dict: FrozenMap({...}))"
        raise _type_error(instance, attribute, wanted, value)
    for key, item in value._data.items():  # dict speed, not the Mapping view's
        if not isinstance(key, str) or not isinstance(item, item_type):
            raise _type_error(instance, attribute, f"a map of str to {item_type.__name__}", value)


def string_map(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A ``FrozenMap`` of ``str`` to ``str`` (metadata, tags)."""
    if value is not EMPTY:
        _map_of(instance, attribute, value, str)


def destination_status_map(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    """A ``FrozenMap`` of destination bucket name to PENDING, COMPLETED or FAILED."""
    if value is EMPTY:
        return
    _map_of(instance, attribute, value, ReplicationStatus)
    if not _DESTINATION_STATUSES.issuperset(value.values()):  # type: ignore[attr-defined]
        problem = "may hold only PENDING, COMPLETED or FAILED per destination"
        raise value_error(instance, attribute, problem, value)


def failure_reason_map(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A ``FrozenMap`` of destination bucket name to ``FailureReason``."""
    if value is not EMPTY:
        _map_of(instance, attribute, value, FailureReason)


def instance_of(cls: type[Any]) -> _Validator:
    """An instance of ``cls`` (or of a subclass)."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, cls):
            raise _type_error(instance, attribute, f"a {cls.__name__}", value)

    return check


def rule_id(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A replication rule id: 1 to 255 characters."""
    non_empty_text(instance, attribute, value)
    assert isinstance(value, str)
    if len(value) > RULE_ID_MAX:
        problem = f"must be at most {RULE_ID_MAX} characters (is {len(value)})"
        raise value_error(instance, attribute, problem, value)


def items_of(cls: type[Any]) -> _Validator:
    """A tuple whose every item is an instance of ``cls``."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple) or not all(isinstance(item, cls) for item in value):
            raise _type_error(instance, attribute, f"a tuple of {cls.__name__}", value)

    return check
