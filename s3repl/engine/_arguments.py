"""Argument checks of the engine's entry points that have no S3 counterpart to lean on.

Each check runs before the call changes anything, so a refused call leaves the engine
as it was (a bad fault plan kept in force would make every later ``fork()`` fail).
Controls of the simulator itself (seed, clock, faults) raise
:class:`~s3repl.errors.InvalidUsageError`; request data S3 would receive (a part body,
a versioning state) raise the S3 error AWS would answer with. Kept apart from the
engine's parts so that their hot paths stay as they are.
"""

from __future__ import annotations

import functools
import inspect
import math
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NoReturn

from s3repl.engine.faults import FaultPlan
from s3repl.errors import (
    IllegalVersioningConfigurationException,
    InvalidArgument,
    InvalidArgumentType,
    InvalidBucketState,
    InvalidUsageError,
    MalformedXML,
)
from s3repl.model import Status, VersioningStatus

__all__ = [
    "VERSIONING_STATUS_MESSAGE",
    "check_count",
    "check_fault_plan",
    "check_number",
    "check_parts",
    "check_regions",
    "check_seconds",
    "check_seed",
    "checks_own_arguments",
    "copy_source_parts",
    "delete_targets",
    "guard_string_arguments",
    "refuse_wrong_types",
    "versioning_at_creation",
]

#: PutBucketVersioning's answer to a status other than ``Enabled`` / ``Suspended``.
VERSIONING_STATUS_MESSAGE = "The Versioning element must be specified as 'Enabled' or 'Suspended'"
_LOCKED_VERSIONING_MESSAGE = (
    "An Object Lock configuration is present on this bucket, so the versioning state "
    "cannot be changed."
)


def _type_name(value: object) -> str:
    return type(value).__name__


def check_seed(seed: object) -> int:
    """An engine seed: an ``int`` (not a ``bool``), as ``Engine(seed=...)`` documents.

    Raises:
        InvalidUsageError: any other value (``"abc"`` would seed ``random`` happily and
            silently, but breaks the promise that a seed is a number one can record).
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        msg = f"seed must be an int, got {_type_name(seed)}"
        raise InvalidUsageError(msg)
    return seed


def check_fault_plan(plan: object) -> FaultPlan:
    """A fault plan for ``set_faults``: a :class:`~s3repl.engine.faults.FaultPlan`.

    Raises:
        InvalidUsageError: anything else (``"none"``: use ``FaultPlan.none()``).
    """
    if not isinstance(plan, FaultPlan):
        msg = (
            f"set_faults expects a FaultPlan (FaultPlan.none() switches faults off), "
            f"got {_type_name(plan)}"
        )
        raise InvalidUsageError(msg)
    return plan


def check_seconds(seconds: object) -> float:
    """A clock advance: a finite, non-negative number of seconds.

    Raises:
        InvalidUsageError: a negative, NaN or infinite value, or not a number.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        msg = f"seconds must be a number, got {_type_name(seconds)}"
        raise InvalidUsageError(msg)
    if isinstance(seconds, float) and not math.isfinite(seconds):
        msg = f"seconds must be finite, got {seconds}"
        raise InvalidUsageError(msg)
    if seconds < 0:
        msg = f"seconds must be >= 0, got {seconds}"
        raise InvalidUsageError(msg)
    return seconds


def check_count(value: object, what: str) -> int:
    """A count for a simulator control (``steps_max``): an ``int`` >= 0, not a ``bool``.

    Raises:
        InvalidUsageError: anything else, naming ``what`` and the type or value.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"{what} must be an int, got {_type_name(value)}"
        raise InvalidUsageError(msg)
    if value < 0:
        msg = f"{what} must be >= 0, got {value}"
        raise InvalidUsageError(msg)
    return value


def check_number(value: object, what: str) -> float:
    """A finite number (``int`` or ``float``, not ``bool``) for a simulator control.

    Raises:
        InvalidUsageError: anything else, naming ``what`` and the type (or the value,
            for a number that is not finite).
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{what} must be a number, got {_type_name(value)}"
        raise InvalidUsageError(msg)
    if isinstance(value, float) and not math.isfinite(value):
        msg = f"{what} must be finite, got {value}"
        raise InvalidUsageError(msg)
    return value


def versioning_at_creation(
    *, versioning: bool | Status | VersioningStatus | str, object_lock: bool, bucket: str
) -> VersioningStatus:
    """The versioning state ``create_bucket(versioning=...)`` asks for.

    ``True`` and ``"Enabled"`` enable it, ``"Suspended"`` gives a bucket whose
    versioning was enabled and then suspended, ``False`` a bucket never versioned;
    ``Status`` / ``VersioningStatus`` members of those values are accepted too, as
    ``put_bucket_versioning`` accepts them. Object Lock implies ``Enabled`` (R-009).

    Raises:
        IllegalVersioningConfigurationException: any other value, with
            PutBucketVersioning's message (R-002).
        InvalidBucketState: ``"Suspended"`` with ``object_lock=True``: versioning of
            an Object Lock bucket cannot be suspended.
    """
    given: object = versioning  # untyped callers pass anything: check what came
    if isinstance(given, bool):
        wanted = VersioningStatus.ENABLED if versioning else VersioningStatus.UNVERSIONED
    else:
        value = given.value if isinstance(given, Status | VersioningStatus) else given
        if value not in ("Enabled", "Suspended"):
            raise IllegalVersioningConfigurationException(
                VERSIONING_STATUS_MESSAGE, bucket_name=bucket
            )
        wanted = VersioningStatus(value)
    if object_lock:
        if wanted is VersioningStatus.SUSPENDED:
            raise InvalidBucketState(_LOCKED_VERSIONING_MESSAGE, bucket_name=bucket)
        return VersioningStatus.ENABLED
    return wanted


def check_parts(parts: object, bucket: str) -> None:
    """Every part of a multipart completion is a body (bytes-like).

    Raises:
        InvalidArgumentType: a part that is not ``bytes``, ``bytearray`` or
            ``memoryview`` (``None`` for a part never uploaded), naming it by its
            1-based part number, as S3 numbers parts.
    """
    if isinstance(parts, str | bytes | bytearray) or not isinstance(parts, Sequence):
        msg = f"parts must be a sequence of bytes, one per part, got {_type_name(parts)}"
        raise InvalidArgumentType(msg, bucket_name=bucket)
    for number, part in enumerate(parts, start=1):
        if not isinstance(part, bytes | bytearray | memoryview):
            msg = f"Part {number} must be bytes, got {_type_name(part)}"
            raise InvalidArgumentType(msg, bucket_name=bucket, element=f"Part[{number}]")


# (position after ``self``, name, the types accepted) of one checked parameter.
_Check = tuple[int, str, tuple[type, ...]]


def _accepted_types(hint: object) -> tuple[type, ...] | None:
    """The runtime types of a parameter's hint if it takes a ``str`` or a mapping.

    ``str | None`` gives ``(str, NoneType)``; ``StorageClass | str`` gives the enum too;
    ``str | Mapping[str, Any]`` gives ``Mapping``. A hint with a member that is not a
    plain class (a ``Literal``, a type variable) is left alone: ``None``.
    """
    members = (
        typing.get_args(hint)
        if typing.get_origin(hint) in (typing.Union, types.UnionType)
        else (hint,)
    )
    if str not in members and not any(typing.get_origin(member) is Mapping for member in members):
        return None
    accepted: list[type] = []
    for member in members:
        runtime = typing.get_origin(member) or member
        if not isinstance(runtime, type):
            return None
        accepted.append(runtime)
    return tuple(accepted)


def _checks_of(method: Callable[..., Any]) -> tuple[_Check, ...]:
    hints = typing.get_type_hints(method)
    params = list(inspect.signature(method).parameters.values())[1:]  # after self
    checks: list[_Check] = []
    for position, param in enumerate(params):
        accepted = _accepted_types(hints.get(param.name))
        if accepted is not None:
            checks.append((position, param.name, accepted))
    return tuple(checks)


def _expected(accepted: tuple[type, ...]) -> str:
    return " or ".join("None" if kind is type(None) else kind.__name__ for kind in accepted)


def _refuse(name: str, param: str, accepted: tuple[type, ...], value: object) -> NoReturn:
    msg = f"{name}() argument {param!r} must be {_expected(accepted)}, got {_type_name(value)}"
    raise InvalidArgumentType(msg, element=param)


def _guarded(name: str, method: Callable[..., Any], checks: tuple[_Check, ...]) -> Any:
    """``method`` behind a check of its hinted arguments' types.

    The wrapper is generated with ``method``'s positional parameters spelled out
    (``def put_object(self, bucket, key, body=_d2, **_keywords)``): one ``isinstance``
    per checked positional argument, a loop only over the keywords actually given, and
    a plain call. A generic ``*args, **kwargs`` wrapper doubled the cost of
    ``head_object``; spelling out every keyword-only parameter cost a put 15 %.
    """
    params = list(inspect.signature(method).parameters.values())[1:]
    by_name = {param: accepted for _, param, accepted in checks}
    namespace: dict[str, object] = {
        "_method": method,
        "_refuse": _refuse,
        "_name": name,
        "_by_name": by_name,
    }
    header, passed, body = ["self"], ["self"], []
    for index, param in enumerate(params):
        if param.kind is param.KEYWORD_ONLY:
            continue  # checked by the loop over the keywords given
        if param.kind is not param.POSITIONAL_OR_KEYWORD:
            return method  # *args / **kwargs: left unguarded (the table test says so)
        accepted = by_name.get(param.name)
        if param.default is not param.empty:
            if accepted is not None and not isinstance(param.default, accepted):
                return method  # a hint that refuses its own default: left as it is
            namespace[f"_d{index}"] = param.default
            header.append(f"{param.name}=_d{index}")
        else:
            header.append(param.name)
        passed.append(param.name)
        if accepted is not None:
            namespace[f"_t{index}"] = accepted
            body.append(
                f"    if not isinstance({param.name}, _t{index}):\n"
                f"        _refuse(_name, {param.name!r}, _t{index}, {param.name})\n"
            )
    header.append("**_keywords")  # underscored: no parameter of the engine's starts so
    passed.append("**_keywords")
    body.append(
        "    for _keyword, _value in _keywords.items():\n"
        "        _accepted = _by_name.get(_keyword)\n"
        "        if _accepted is not None and not isinstance(_value, _accepted):\n"
        "            _refuse(_name, _keyword, _accepted, _value)\n"
    )
    source = (
        f"def {name}({', '.join(header)}):\n"
        + "".join(body)
        + f"    return _method({', '.join(passed)})\n"
    )
    exec(source, namespace)  # built from parameter names only, never from a value
    generated = namespace[name]
    assert callable(generated)
    return functools.wraps(method)(generated)


_F = typing.TypeVar("_F", bound=Callable[..., Any])
#: The attribute holding the checks of a method that checks its own arguments.
_OWN_CHECKS = "__argument_checks__"


def checks_own_arguments(method: _F) -> _F:
    """Mark a hot public method that checks its own arguments' types (no wrapper).

    :func:`guard_string_arguments` leaves such a method unwrapped and gives it its
    checks, read off the same hints. The method tests its arguments with a few
    identity and ``type() is`` comparisons that hold for its usual calls (about
    0.2 µs), and calls :func:`refuse_wrong_types` whenever one does not hold; the
    wrapper cost a put about 2% of its instructions. That test must only ever be
    stricter than the hints: the junk table (``tests/test_hostile_engine_args.py``)
    checks every parameter of every such method as it checks the wrapped ones.
    """
    setattr(method, _OWN_CHECKS, None)  # filled in by guard_string_arguments
    return method


def refuse_wrong_types(method: Callable[..., Any], values: Mapping[str, object]) -> None:
    """Refuse the first argument whose type its hint does not name, as the guard does.

    Args:
        method: a method marked :func:`checks_own_arguments` (its class guarded).
        values: its arguments by name (the method's ``locals()`` on entry).

    Raises:
        InvalidArgumentType: naming the method, the parameter, the types it takes and
            the type received.
    """
    checks: tuple[_Check, ...] = getattr(method, _OWN_CHECKS)
    for _, param, accepted in checks:
        value = values[param]
        if not isinstance(value, accepted):
            _refuse(method.__name__, param, accepted, value)


def guard_string_arguments(cls: type) -> None:
    """Refuse, before anything changes, a public method's string argument of another type.

    Every public method of ``cls`` whose parameter is hinted ``str`` (alone or in a
    union: ``str | None``, ``StorageClass | str``) checks the value's type against the
    hint first. Without it a bucket given as a list fails as ``unhashable type`` deep in
    a lookup, and a list nested a thousand deep as ``RecursionError`` from ``repr()``
    in a message. Driven by the hints so that a new method is covered without a list
    to keep in step; only the parameters' types are read (never ``repr()`` of a value).
    A method marked :func:`checks_own_arguments` is given its checks instead of a
    wrapper.

    Raises (from the guarded methods):
        InvalidArgumentType: naming the method, the parameter, the types it takes and
            the type received (``InvalidArgument`` to S3 callers, ``TypeError`` to
            Python callers).
    """
    for name, method in inspect.getmembers(cls, predicate=inspect.isfunction):
        if name.startswith("_"):
            continue
        checks = _checks_of(method)
        if hasattr(method, _OWN_CHECKS):
            setattr(method, _OWN_CHECKS, checks)  # it calls refuse_wrong_types itself
            # Held by ``cls`` itself, as a wrapper would be: the API page documents
            # every public method as the class's own (and cross-references resolve).
            setattr(cls, name, method)
        elif checks:
            setattr(cls, name, _guarded(name, method, checks))


def check_regions(regions: object) -> tuple[str, ...]:
    """The opt-in regions ``create_account`` is given: an iterable of strings.

    Raises:
        InvalidArgumentType: a string (one region is ``("eu-south-1",)``), a value that
            is not iterable, or a member that is not a string, naming its type.
    """
    if isinstance(regions, str | bytes) or not isinstance(regions, Iterable):
        msg = f"regions must be an iterable of region names, got {_type_name(regions)}"
        raise InvalidArgumentType(msg, element="regions")
    names = tuple(regions)
    for index, name in enumerate(names):
        if not isinstance(name, str):
            msg = f"regions[{index}] must be a region name (str), got {_type_name(name)}"
            raise InvalidArgumentType(msg, element="regions")
    return names


def copy_source_parts(copy_source: object, bucket: str) -> tuple[str, str, str | None]:
    """``(bucket, key, version id)`` of a CopyObject source: ``"bucket/key"`` or boto3's dict.

    Raises:
        InvalidArgument: a dict without a string ``Bucket`` and ``Key`` (or with a
            ``VersionId`` that is not a string), as S3 answers an unusable
            ``x-amz-copy-source``.
    """
    if isinstance(copy_source, str):
        src_bucket, _, src_key = copy_source.partition("/")
        return src_bucket, src_key, None
    if isinstance(copy_source, Mapping):
        named: object = copy_source.get("Bucket")
        key: object = copy_source.get("Key")
        version: object = copy_source.get("VersionId")
        if (
            isinstance(named, str)
            and isinstance(key, str)
            and (version is None or isinstance(version, str))
        ):
            return named, key, version
    msg = (
        "CopySource must be 'bucket/key' or a dict with string Bucket and Key "
        f"(and VersionId), got {_type_name(copy_source)}"
    )
    raise InvalidArgument(msg, bucket_name=bucket, element="CopySource")


def delete_targets(objects: object, bucket: str) -> list[tuple[str, str | None]]:
    """``(key, version id)`` of each entry of a DeleteObjects request, in order.

    An entry is a key, a ``(key, version_id)`` pair or boto3's ``{"Key": ...,
    "VersionId": ...}`` dict.

    Raises:
        MalformedXML: ``objects`` is not a sequence, or an entry is none of the above
            (S3 answers a ``Delete`` document it cannot read so), naming the entry.
    """
    if isinstance(objects, str | bytes | bytearray) or not isinstance(objects, Sequence):
        raise MalformedXML(MalformedXML.DEFAULT_MESSAGE, bucket_name=bucket, element="Delete")
    targets: list[tuple[str, str | None]] = []
    for number, entry in enumerate(objects, start=1):
        key: object = None
        version: object = None
        if isinstance(entry, str):
            key = entry
        elif isinstance(entry, Mapping):
            key, version = entry.get("Key"), entry.get("VersionId")
        elif isinstance(entry, tuple) and len(entry) == 2:
            key, version = entry
        if not isinstance(key, str) or not (version is None or isinstance(version, str)):
            raise MalformedXML(
                MalformedXML.DEFAULT_MESSAGE,
                bucket_name=bucket,
                element=f"Delete/Object[{number}]",
            )
        targets.append((key, version))
    return targets
