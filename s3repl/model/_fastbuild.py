"""The trusted builders: values built from parts that are already valid, without checks.

For callers that build from parts that are already valid (the engine and policy): every
public value validates itself in ``__init__``, and ``attrs.evolve`` runs those checks
again.  The engine builds three versions, a task and a step result for every replicated
put, from fields it has already checked (keys and bodies at the API edge, ids and times
it drew itself), so here those values are built without the validators and without
attrs' per-field ``__setattr__``.  Anyone else should call the class.

How: a frozen attrs ``__init__`` stores every field through ``object.__setattr__``, a
bound-method call per field (about 2.7 µs for a 23-field ``ObjectVersion``), then runs
its validators.  A builder fills a plain twin class with the same ``__slots__``
(ordinary slot stores) and then gives the instance its real class, which CPython allows
because the two layouts are identical (about 0.7 µs).  Validators are skipped on
purpose, and so are converters that return a valid value unchanged (listed in
``_checks.CONVERTERS_KEEPING_VALID_VALUES``).  Everything else an ``__init__`` may do
(other converters, factories, ``__attrs_pre_init__``/``__attrs_post_init__``,
``init=False`` fields) would change the value, so :func:`builders` and :func:`copier`
refuse such a class, except for converters the caller names as ``trusted`` (it then
passes converted values only).

Why one module: the domain modules (``objects.py``, ``tasks.py``) hold only the
validating classes, and every way around their checks is here, in sight.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

import attrs

from s3repl.model._checks import CONVERTERS_KEEPING_VALID_VALUES
from s3repl.model._frozenmap import FrozenMap
from s3repl.model.enums import FailureReason, ReplicationStatus
from s3repl.model.objects import ETAG_OF_BODY, DeleteMarker, ObjectVersion, VersionStatuses
from s3repl.model.tasks import ReplicationTask, StepResult

__all__ = [
    "ETAG_OF_BODY",
    "STATUS_COPIERS",
    "builders",
    "copier",
    "evolve_version",
    "new_delete_marker",
    "new_object_version",
    "new_step_result",
    "new_task",
    "with_recorded",
    "with_statuses",
]

_UNCHANGED: Any = object()


def _check_plain(cls: type[Any], trusted: frozenset[str]) -> list[attrs.Attribute[Any]]:
    """The fields of ``cls``, after checking that its ``__init__`` only stores and checks them.

    Validators are allowed (a trusted builder skips them on purpose), and so are the
    converters that keep a valid value as it is; other converters only for the fields
    in ``trusted``.
    """
    if not attrs.has(cls) or "__slots__" not in cls.__dict__:
        msg = f"{cls.__name__} is not a slotted attrs class"
        raise TypeError(msg)
    if hasattr(cls, "__attrs_post_init__") or hasattr(cls, "__attrs_pre_init__"):
        msg = f"{cls.__name__} runs code in __init__; a builder would skip it"
        raise TypeError(msg)
    fields = list(attrs.fields(cls))
    for field in fields:
        if (
            (
                field.converter is not None
                and field.converter not in CONVERTERS_KEEPING_VALID_VALUES
                and field.name not in trusted
            )
            or isinstance(field.default, attrs.Factory)  # type: ignore[arg-type]
            or not field.init
        ):
            msg = f"{cls.__name__}.{field.name} is converted or computed"
            raise TypeError(msg)
    if tuple(field.name for field in fields) != tuple(cls.__dict__["__slots__"]):
        # CPython refuses the class hand-over when the layout has a __weakref__ slot.
        msg = f"{cls.__name__} has slots that are not fields (use weakref_slot=False)"
        raise TypeError(msg)
    return fields


def _parameters(fields: list[attrs.Attribute[Any]]) -> str:
    """The parameter list of ``build``: positional-or-keyword in field order.

    Defaults are kept; a required field after a defaulted one makes the rest
    keyword-only (Python allows no other order).
    """
    params: list[str] = []
    defaulted = keyword_only = False
    for field in fields:
        if field.default is attrs.NOTHING:
            if defaulted and not keyword_only:
                params.append("*")
                keyword_only = True
            params.append(field.name)
        else:
            defaulted = True
            params.append(f"{field.name}=_defaults[{field.name!r}]")
    return ", ".join(params)


def builders(
    cls: type[Any], *, trusted: tuple[str, ...] = ()
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """Return ``(build, evolve)`` for ``cls``, trusted: neither runs its validators.

    ``build(**fields)`` takes the same keywords and defaults as ``cls(...)`` and returns
    an equal instance for valid fields; it also takes the fields positionally, in field
    order (hot paths do: on CPython 3.11 each keyword argument costs about 60 ns to bind).
    ``evolve(value, **changes)`` is ``attrs.evolve`` for ``cls``.  Both are generated
    once, one parameter per field, with no loop at run time.  Fields named in
    ``trusted`` skip their converter: the caller passes values already converted.

    Raises:
        TypeError: when ``cls.__init__`` does more than store and validate its
            arguments (converters outside ``trusted``, factories, hooks).
    """
    fields = _check_plain(cls, frozenset(trusted))
    names = [field.name for field in fields]
    twin = type(f"_{cls.__name__}Twin", (), {"__slots__": tuple(names)})
    stores = "".join(f"    new.{name} = {name}\n" for name in names)
    build_params = _parameters(fields)
    evolve_params = ", ".join(f"{name}=_UNCHANGED" for name in names)
    evolve_values = "".join(
        f"    new.{name} = value.{name} if {name} is _UNCHANGED else {name}\n" for name in names
    )
    source = (
        f"def build({build_params}):\n"
        f"    new = _new(_twin)\n{stores}"
        f"    new.__class__ = _cls\n"
        f"    return new\n"
        f"def evolve(value, /, *, {evolve_params}):\n"
        f"    new = _new(_twin)\n{evolve_values}"
        f"    new.__class__ = _cls\n"
        f"    return new\n"
    )
    namespace: dict[str, Any] = {
        "_UNCHANGED": _UNCHANGED,
        "_cls": cls,
        "_twin": twin,
        "_new": object.__new__,
        "_defaults": {f.name: f.default for f in fields if f.default is not attrs.NOTHING},
    }
    exec(compile(source, f"<builders {cls.__name__}>", "exec"), namespace)
    build, evolve = namespace["build"], namespace["evolve"]
    build.__doc__ = f"``{cls.__name__}(**fields)``, without attrs' per-field ``__setattr__``."
    evolve.__doc__ = f"``attrs.evolve`` for a ``{cls.__name__}``, generated."
    return build, evolve


def copier(cls: type[Any], changed: tuple[str, ...]) -> Callable[..., Any]:
    """Return ``copy(value, **changes)`` for one fixed set of ``changed`` fields, trusted.

    ``copy(value, a=1, b=2)`` equals ``attrs.evolve(value, a=1, b=2)`` for valid changes
    when ``changed`` is ``("a", "b")``, without running the validators; every changed
    field must be given, by keyword or positionally in the order of ``changed``.
    Generated for hot paths that always change the same fields: no per-field test,
    about half the cost of ``evolve``.

    Raises:
        TypeError: when ``cls.__init__`` does more than store and validate its
            arguments, or ``changed`` names a field ``cls`` does not have.
    """
    fields = _check_plain(cls, frozenset())
    names = [field.name for field in fields]
    unknown = set(changed) - set(names)
    if unknown:
        msg = f"{cls.__name__} has no fields {sorted(unknown)}"
        raise TypeError(msg)
    twin = type(f"_{cls.__name__}Twin", (), {"__slots__": tuple(names)})
    # A field computed on first read (ObjectVersion.etag) is copied as its slot holds it,
    # so a copy does not compute it: through the slot's own descriptor.
    raw = {name: getattr(cls.__dict__[name], "slot", None) for name in names}
    stores = "".join(
        f"    new.{name} = {name}\n"
        if name in changed
        else f"    new.{name} = value.{name}\n"
        if raw[name] is None
        else f"    new.{name} = _raw_{name}(value)\n"
        for name in names
    )
    source = (
        f"def copy(value, /, {', '.join(changed)}):\n"
        f"    new = _new(_twin)\n{stores}"
        f"    new.__class__ = _cls\n"
        f"    return new\n"
    )
    namespace: dict[str, Any] = {"_cls": cls, "_twin": twin, "_new": object.__new__}
    namespace.update({f"_raw_{name}": slot.__get__ for name, slot in raw.items() if slot})
    exec(compile(source, f"<copier {cls.__name__}>", "exec"), namespace)
    copy: Callable[..., Any] = namespace["copy"]
    copy.__doc__ = f"``attrs.evolve`` of a ``{cls.__name__}`` changing {', '.join(changed)}."
    return copy


# --- the trusted builders of the public values --------------------------------------------


#: A put's version is built with ``ETAG_OF_BODY`` (re-exported from ``objects``) as its
#: ETag: the body's MD5, computed when first read.
#: ``ObjectVersion(**fields)`` without its checks, for the engine's put path, which builds
#: three versions per replicated put; it also takes the fields positionally, in field
#: order, as the put path passes them.
new_object_version: Callable[..., ObjectVersion]
new_object_version, _evolve_object_version = builders(ObjectVersion)

#: ``ReplicationTask(...)`` and ``StepResult(...)`` without their checks, for the engine,
#: which builds one of each per step, passes enums only (the converters are skipped), and
#: passes the fields positionally in field order.
new_task: Callable[..., ReplicationTask]
new_step_result: Callable[..., StepResult]
new_task, _ = builders(ReplicationTask, trusted=("kind",))
new_step_result, _ = builders(StepResult, trusted=("status", "failure_reason"))

#: ``DeleteMarker(**fields)`` without its checks, for the engine's delete path, which
#: checks the key at the API edge and draws the id, time and sequence itself.
new_delete_marker: Callable[..., DeleteMarker]
new_delete_marker, _evolve_delete_marker = builders(DeleteMarker)

_EVOLVERS: Mapping[type[Any], Callable[..., Any]] = MappingProxyType(
    {ObjectVersion: _evolve_object_version, DeleteMarker: _evolve_delete_marker}
)
_VersionT = TypeVar("_VersionT", bound=ObjectVersion | DeleteMarker)
_STATUS_FIELDS = ("destination_statuses", "failure_reasons", "replication_status")
#: Per version class, :func:`with_statuses` for it (for a caller that skips the call).
STATUS_COPIERS: Mapping[type[Any], Callable[..., Any]] = MappingProxyType(
    {cls: copier(cls, _STATUS_FIELDS) for cls in (ObjectVersion, DeleteMarker)}
)


def with_statuses(
    version: _VersionT,
    destination_statuses: FrozenMap[str, ReplicationStatus],
    failure_reasons: FrozenMap[str, FailureReason],
    replication_status: ReplicationStatus | None,
) -> _VersionT:
    """A copy of ``version`` with new replication statuses (every step records one), trusted."""
    new: _VersionT = STATUS_COPIERS[type(version)](
        version, destination_statuses, failure_reasons, replication_status
    )
    return new


def with_recorded(version: _VersionT, statuses: VersionStatuses) -> _VersionT:
    """A copy of ``version`` holding ``statuses`` (what the store records beside it), trusted."""
    return with_statuses(
        version,
        statuses.destination_statuses,
        statuses.failure_reasons,
        statuses.replication_status,
    )


def evolve_version(version: _VersionT, **changes: Any) -> _VersionT:
    """``attrs.evolve`` of a version or delete marker, trusted: ``changes`` are not checked.

    Raises:
        TypeError: when ``changes`` names a field the class does not have.
    """
    new: _VersionT = _EVOLVERS[type(version)](version, **changes)
    return new
