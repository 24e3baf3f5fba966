"""Scenario files: TOML in, a validated :class:`~s3repl.simulate.Scenario` out.

The format (every key optional unless marked *required*; unknown keys are errors)::

    name = "dr-drill"                      # default: the file name
    description = "free text"
    duration = "1h"                        # *required*: seconds, or "90s", "15m", "1h30m"

    [world]                                # *required*: a world file, or the world inline
    file = "dr-drill.world.json"           # relative to this file
    # or inline: accounts, roles, kms_keys, buckets, profile (as in a world file)

    [latency]                              # optional: LatencyModel settings
    across_oceans_seconds = 8.0

    [workload]
    bucket = "primary"                     # default bucket of every phase and burst
    keys = { count = 100000, distribution = "zipf", exponent = 1.1, prefixes = ["a/"] }
    sizes = { distribution = "lognormal", median_bytes = 65536, sigma = 1.5 }
    tags = [ { probability = 0.3, tags = { class = "regulated" } } ]

    [[workload.phases]]                    # steady load from start to end
    start = "0s"
    end = "1h"
    puts_per_second = 50
    deletes_per_second = 1
    tag_changes_per_second = 0.5

    [[workload.bursts]]                    # extra load: start and duration (or end)
    start = "20m"
    duration = "2m"
    puts_per_second = 400

    [[faults]]
    kind = "region_outage"                 # see FAULT_KINDS
    region = "us-east-1"
    start = "15m"
    end = "35m"                            # or duration = "20m"

    [measure]
    resolution = "10s"
    rtc_threshold = "15m"
    drain = "30m"

Errors are :class:`ScenarioError`: ``FILE:LINE: key.path: what is wrong``.
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from s3repl._worldfile import WorldFileError, load_world
from s3repl.errors import S3ReplError
from s3repl.profile import LatencyModel
from s3repl.simulate._lines import KeyPath, LineIndex, format_path
from s3repl.simulate._spec import (
    FAULT_KINDS,
    SERIES_POINTS_MAX,
    Fault,
    KeySpec,
    Measure,
    Scenario,
    SizeSpec,
    Stream,
    TagChoice,
    parse_duration,
)

__all__ = ["ScenarioError", "load_scenario", "scenario_from_mapping"]

_T = TypeVar("_T")


class ScenarioError(S3ReplError, ValueError):
    """A scenario that cannot be read or describes an impossible simulation.

    Attributes:
        file: the scenario file, or ``""``.
        line: the line the problem is on, or ``None`` when it cannot be placed.
        path: the key path, for example ``workload.phases[1].end`` (``""``: the file).
        reason: what is wrong there.
    """

    def __init__(
        self, reason: str, *, file: str = "", line: int | None = None, path: str = ""
    ) -> None:
        where = file + (f":{line}" if file and line is not None else "")
        text = f"{path}: {reason}" if path else reason
        super().__init__(f"{where}: {text}" if where else text)
        self.file = file
        self.line = line
        self.path = path
        self.reason = reason


class _Reader:
    """Reads one parsed TOML document, raising errors placed at a line."""

    def __init__(self, file: str, lines: LineIndex | None) -> None:
        self.file = file
        self.lines = lines

    def fail(self, path: KeyPath, reason: str) -> ScenarioError:
        line = self.lines.line_of(path) if self.lines is not None else None
        return ScenarioError(reason, file=self.file, line=line, path=format_path(path))

    def table(self, value: object, path: KeyPath, allowed: Sequence[str]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, f"expected a table, got {_type_name(value)}")
        for key in value:
            if key not in allowed:
                known = ", ".join(allowed)
                raise self.fail((*path, key), f"unknown key (known here: {known})")
        return value

    def tables(self, value: object, path: KeyPath) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected an array of tables, got {_type_name(value)}")
        return value

    def number(self, obj: Mapping[str, Any], key: str, path: KeyPath, default: float) -> float:
        value = obj.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail((*path, key), f"expected a number, got {_type_name(value)}")
        return float(value)

    def integer(self, obj: Mapping[str, Any], key: str, path: KeyPath, default: int) -> int:
        value = obj.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail((*path, key), f"expected an integer, got {_type_name(value)}")
        return value

    def string(self, obj: Mapping[str, Any], key: str, path: KeyPath) -> str | None:
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise self.fail((*path, key), f"expected a string, got {_type_name(value)}")
        return value

    def duration(self, obj: Mapping[str, Any], key: str, path: KeyPath) -> float | None:
        if key not in obj:
            return None
        try:
            return parse_duration(obj[key])
        except ValueError as err:
            raise self.fail((*path, key), str(err)) from None

    def build(self, path: KeyPath, make: Callable[[], _T], fields: Mapping[str, str]) -> _T:
        """Build a value; its ``ValueError`` is placed at the field it names."""
        try:
            return make()
        except (ValueError, TypeError) as err:
            text = str(err)
            for field, key in fields.items():
                if text.startswith(field + " ") or f"({field}" in text:
                    raise self.fail((*path, key), text) from None
            raise self.fail(path, text) from None


def _type_name(value: object) -> str:
    names = {dict: "a table", list: "an array", str: "a string", bool: "a boolean"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__


_TOP = ("name", "description", "duration", "world", "latency", "workload", "faults", "measure")
_WORKLOAD = ("bucket", "keys", "sizes", "tags", "phases", "bursts")
_STREAM = (
    "bucket",
    "start",
    "end",
    "duration",
    "puts_per_second",
    "deletes_per_second",
    "tag_changes_per_second",
    "keys",
    "sizes",
    "tags",
)
_KEYS = ("count", "distribution", "exponent", "prefixes")
_SIZES = ("distribution", "bytes", "median_bytes", "sigma", "min_bytes", "max_bytes")
_FAULT = (
    "kind",
    "start",
    "at",
    "end",
    "duration",
    "region",
    "bucket",
    "role",
    "actions",
    "kms_key",
    "rate",
)
_MEASURE = ("resolution", "rtc_threshold", "drain")


def _keys(reader: _Reader, value: object, path: KeyPath) -> KeySpec:
    obj = reader.table(value, path, _KEYS)
    prefixes = obj.get("prefixes", [""])
    if not isinstance(prefixes, list) or not all(isinstance(p, str) for p in prefixes):
        raise reader.fail((*path, "prefixes"), "expected an array of strings")
    count = reader.integer(obj, "count", path, 10_000)
    distribution = reader.string(obj, "distribution", path) or "uniform"
    exponent = reader.number(obj, "exponent", path, 1.1)
    return reader.build(
        path,
        lambda: KeySpec(
            count=count, distribution=distribution, exponent=exponent, prefixes=prefixes
        ),
        {name: name for name in _KEYS},
    )


def _sizes(reader: _Reader, value: object, path: KeyPath) -> SizeSpec:
    obj = reader.table(value, path, _SIZES)
    defaults = SizeSpec()
    distribution = reader.string(obj, "distribution", path) or "fixed"
    fixed = reader.integer(obj, "bytes", path, defaults.bytes)
    median = reader.number(obj, "median_bytes", path, defaults.median_bytes)
    sigma = reader.number(obj, "sigma", path, defaults.sigma)
    low = reader.integer(obj, "min_bytes", path, defaults.min_bytes)
    high = reader.integer(obj, "max_bytes", path, defaults.max_bytes)
    return reader.build(
        path,
        lambda: SizeSpec(
            distribution=distribution,
            bytes=fixed,
            median_bytes=median,
            sigma=sigma,
            min_bytes=low,
            max_bytes=high,
        ),
        {name: name for name in _SIZES},
    )


def _tags(reader: _Reader, value: object, path: KeyPath) -> tuple[TagChoice, ...]:
    choices = []
    for index, entry in enumerate(reader.tables(value, path)):
        where = (*path, index)
        obj = reader.table(entry, where, ("probability", "tags"))
        tags = obj.get("tags", {})
        if not isinstance(tags, Mapping) or not all(isinstance(v, str) for v in tags.values()):
            raise reader.fail((*where, "tags"), "tag values must be strings")
        probability = reader.number(obj, "probability", where, 1.0)
        pairs = tuple(tags.items())
        choices.append(
            reader.build(
                where,
                _tag_choice_maker(probability, pairs),
                {"probability": "probability"},
            )
        )
    return tuple(choices)


def _tag_choice_maker(
    probability: float, pairs: tuple[tuple[str, str], ...]
) -> Callable[[], TagChoice]:
    return lambda: TagChoice(probability=probability, tags=pairs)


class _Defaults:
    """The workload-wide defaults a phase or burst inherits."""

    def __init__(self, reader: _Reader, workload: Mapping[str, Any]) -> None:
        path: KeyPath = ("workload",)
        self.bucket = reader.string(workload, "bucket", path)
        self.keys = _keys(reader, workload["keys"], (*path, "keys")) if "keys" in workload else None
        self.sizes = (
            _sizes(reader, workload["sizes"], (*path, "sizes")) if "sizes" in workload else None
        )
        self.tags = _tags(reader, workload["tags"], (*path, "tags")) if "tags" in workload else ()


def _stream(
    reader: _Reader,
    value: object,
    path: KeyPath,
    defaults: _Defaults,
    *,
    burst: bool,
    duration: float,
) -> Stream:
    obj = reader.table(value, path, _STREAM)
    bucket = reader.string(obj, "bucket", path) or defaults.bucket
    if bucket is None:
        raise reader.fail(path, "names no bucket (set bucket here or in [workload])")
    start = reader.duration(obj, "start", path) or 0.0
    end = reader.duration(obj, "end", path)
    length = reader.duration(obj, "duration", path)
    if end is not None and length is not None:
        raise reader.fail((*path, "duration"), "give end or duration, not both")
    if end is None and length is not None:
        end = start + length
    if end is None:
        if burst:
            raise reader.fail(path, "a burst needs duration (or end)")
        end = duration  # a phase without an end lasts the whole workload
    if start >= duration:
        raise reader.fail((*path, "start"), "starts after the workload ends (duration)")
    end = min(end, duration)
    keys = _keys(reader, obj["keys"], (*path, "keys")) if "keys" in obj else defaults.keys
    sizes = _sizes(reader, obj["sizes"], (*path, "sizes")) if "sizes" in obj else defaults.sizes
    tags = _tags(reader, obj["tags"], (*path, "tags")) if "tags" in obj else defaults.tags
    rates = {
        name: reader.number(obj, name, path, 0.0)
        for name in ("puts_per_second", "deletes_per_second", "tag_changes_per_second")
    }
    return reader.build(
        path,
        lambda: Stream(
            name=format_path(path),
            bucket=bucket,
            start_seconds=start,
            end_seconds=end,
            keys=keys or KeySpec(),
            sizes=sizes or SizeSpec(),
            tags=tags,
            **rates,
        ),
        {
            "end": "end",
            "start_seconds": "start",
            **{name: name for name in rates},
            "the tag probabilities": "tags",
        },
    )


def _fault(reader: _Reader, value: object, path: KeyPath) -> Fault:
    obj = reader.table(value, path, _FAULT)
    kind = reader.string(obj, "kind", path)
    if kind is None:
        raise reader.fail(path, f"needs kind (one of {', '.join(FAULT_KINDS)})")
    if kind not in FAULT_KINDS:
        raise reader.fail(
            (*path, "kind"), f"unknown kind {kind!r} (known: {', '.join(FAULT_KINDS)})"
        )
    if "start" in obj and "at" in obj:
        raise reader.fail((*path, "at"), "give start or at, not both")
    start = reader.duration(obj, "start", path)
    if start is None:
        start = reader.duration(obj, "at", path)
    if start is None:
        raise reader.fail(path, "needs start (or at)")
    end = reader.duration(obj, "end", path)
    length = reader.duration(obj, "duration", path)
    if end is not None and length is not None:
        raise reader.fail((*path, "duration"), "give end or duration, not both")
    if end is None and length is not None:
        end = start + length
    actions = obj.get("actions", [])
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        raise reader.fail((*path, "actions"), "expected an array of strings")
    target = FAULT_KINDS[kind]
    strings = {
        name: reader.string(obj, name, path) for name in ("region", "bucket", "role", "kms_key")
    }
    for name, given in strings.items():
        if given is not None and name != target:
            raise reader.fail((*path, name), f"a {kind} fault takes no {name}")
    rate = reader.number(obj, "rate", path, 0.0)
    return reader.build(
        path,
        lambda: Fault(
            name=format_path(path),
            kind=kind,
            start_seconds=start,
            end_seconds=end,
            actions=tuple(actions),
            rate=rate,
            **strings,
        ),
        {"rate": "rate", "end": "end", "actions": "actions", **{t: t for t in strings}},
    )


def _measure(reader: _Reader, value: object) -> Measure:
    path: KeyPath = ("measure",)
    obj = reader.table(value, path, _MEASURE)
    defaults = Measure()
    resolution = reader.duration(obj, "resolution", path)
    threshold = reader.duration(obj, "rtc_threshold", path)
    drain = reader.duration(obj, "drain", path)
    return reader.build(
        path,
        lambda: Measure(
            resolution_seconds=defaults.resolution_seconds if resolution is None else resolution,
            rtc_threshold_seconds=(
                defaults.rtc_threshold_seconds if threshold is None else threshold
            ),
            drain_seconds=defaults.drain_seconds if drain is None else drain,
        ),
        {
            "resolution_seconds": "resolution",
            "rtc_threshold_seconds": "rtc_threshold",
            "drain_seconds": "drain",
        },
    )


def _world(reader: _Reader, value: object, base: Path | None) -> tuple[str, str, Mapping[str, Any]]:
    """The world as JSON text, where it came from, and its parsed description."""
    path: KeyPath = ("world",)
    if not isinstance(value, Mapping):
        raise reader.fail(path, f"expected a table, got {_type_name(value)}")
    if "file" in value:
        if len(value) > 1:
            other = next(key for key in value if key != "file")
            raise reader.fail((*path, other), "give file or an inline world, not both")
        name = reader.string(value, "file", path)
        assert name is not None  # present, and string() refused any other type
        location = Path(name) if base is None else base / name
        try:
            data = json.loads(location.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as err:
            raise reader.fail((*path, "file"), f"cannot read world file {name!r}: {err}") from None
        except json.JSONDecodeError as err:
            raise reader.fail((*path, "file"), f"world file {name!r} is not JSON: {err}") from None
        source = os.fspath(location)
    else:
        data, source = dict(value), "inline"
    try:
        load_world(data)
    except WorldFileError as err:
        if source == "inline":
            where = tuple(part for part in err.path.replace("]", "").replace("[", ".").split("."))
            steps: KeyPath = tuple(int(p) if p.isdigit() else p for p in where if p)
            raise reader.fail((*path, *steps), err.reason) from None
        raise reader.fail((*path, "file"), f"{source}: {err}") from None
    return json.dumps(data, sort_keys=True), source, data


def _latency(reader: _Reader, value: object) -> LatencyModel:
    path: KeyPath = ("latency",)
    if not isinstance(value, Mapping):
        raise reader.fail(path, f"expected a table, got {_type_name(value)}")
    # TOML has no null: ``false`` stands for ``None`` (``tail_shape = false``: no tail).
    value = {key: None if setting is False else setting for key, setting in value.items()}
    try:
        return LatencyModel.from_mapping(value)
    except (ValueError, TypeError) as err:
        text = str(err)
        named = [key for key in value if key in text]
        raise reader.fail((*path, named[0]) if named else path, text) from None


def _check_targets(reader: _Reader, world: Mapping[str, Any], scenario: Scenario) -> None:
    """Streams and faults must name buckets, roles and keys the world holds."""
    buckets = {b.get("name") for b in world.get("buckets", []) if isinstance(b, Mapping)}
    roles = {r.get("arn") for r in world.get("roles", []) if isinstance(r, Mapping)}
    keys = {k.get("arn") for k in world.get("kms_keys", []) if isinstance(k, Mapping)}
    for stream in scenario.streams:
        if stream.bucket not in buckets:
            raise reader.fail(
                _parse_path(stream.name), f"bucket {stream.bucket!r} is not in the world"
            )
    for fault in scenario.faults:
        where = _parse_path(fault.name)
        if fault.bucket is not None and fault.bucket not in buckets:
            raise reader.fail((*where, "bucket"), f"bucket {fault.bucket!r} is not in the world")
        if fault.role is not None and fault.role not in roles:
            raise reader.fail((*where, "role"), f"role {fault.role!r} is not in the world")
        if fault.kms_key is not None and fault.kms_key not in keys:
            raise reader.fail((*where, "kms_key"), f"key {fault.kms_key!r} is not in the world")


def _parse_path(text: str) -> KeyPath:
    parts: list[str | int] = []
    for piece in text.replace("]", "").split("."):
        name, *indexes = piece.split("[")
        parts.append(name)
        parts.extend(int(index) for index in indexes)
    return tuple(parts)


def scenario_from_mapping(
    data: Mapping[str, Any],
    *,
    file: str = "",
    lines: LineIndex | None = None,
    base: Path | None = None,
    default_name: str = "scenario",
) -> Scenario:
    """Build a :class:`Scenario` from a parsed scenario document.

    Args:
        data: the document (as ``tomllib`` parses it).
        file: the file it came from, for messages.
        lines: where its keys are written, for messages.
        base: the directory a world ``file`` is relative to.
        default_name: the name when the document gives none.

    Raises:
        ScenarioError: the document is not a usable scenario (the message names the
            file, the line where possible, and the key).
    """
    reader = _Reader(file, lines)
    top = reader.table(data, (), _TOP)
    if "duration" not in top:
        raise reader.fail((), 'needs duration (for example duration = "1h")')
    if "world" not in top:
        raise reader.fail((), 'needs a [world] table (file = "..." or the world inline)')
    duration = reader.duration(top, "duration", ())
    assert duration is not None  # present, checked above
    world_json, world_source, world = _world(reader, top["world"], base)
    latency = _latency(reader, top["latency"]) if "latency" in top else None
    workload = reader.table(top.get("workload", {}), ("workload",), _WORKLOAD)
    defaults = _Defaults(reader, workload)
    streams = [
        _stream(
            reader,
            entry,
            ("workload", kind, index),
            defaults,
            burst=kind == "bursts",
            duration=duration,
        )
        for kind in ("phases", "bursts")
        for index, entry in enumerate(reader.tables(workload.get(kind, []), ("workload", kind)))
    ]
    faults = [
        _fault(reader, entry, ("faults", index))
        for index, entry in enumerate(reader.tables(top.get("faults", []), ("faults",)))
    ]
    measure = _measure(reader, top.get("measure", {}))
    end = duration + measure.drain_seconds
    points = math.ceil(end / measure.resolution_seconds)
    if points > SERIES_POINTS_MAX:
        msg = (
            f"gives {points} intervals over the run; at most {SERIES_POINTS_MAX}: choose a "
            "coarser resolution"
        )
        raise reader.fail(("measure", "resolution"), msg)
    for fault in faults:
        if fault.start_seconds >= end:
            raise reader.fail(
                (*_parse_path(fault.name), "start"), "starts after the run ends (duration + drain)"
            )
    name = reader.string(top, "name", ()) or default_name
    description = reader.string(top, "description", ()) or ""
    scenario = reader.build(
        (),
        lambda: Scenario(
            name=name,
            description=description,
            duration_seconds=duration,
            world=world_json,
            world_source=world_source,
            latency=latency,
            streams=tuple(streams),
            faults=tuple(faults),
            measure=measure,
        ),
        {"duration_seconds": "duration"},
    )
    _check_targets(reader, world, scenario)
    return scenario


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read a scenario file (TOML) and validate it.

    Raises:
        ScenarioError: the file cannot be read, is not TOML, or is not a usable
            scenario; the message names the file, the line and the key.
    """
    name = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        msg = f"cannot read scenario: {err}"
        raise ScenarioError(msg, file=name) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        found = re.search(r"at line (\d+)", str(err))
        msg = f"not valid TOML: {err}"
        raise ScenarioError(msg, file=name, line=int(found[1]) if found else None) from None
    return scenario_from_mapping(
        data,
        file=name,
        lines=LineIndex(text),
        base=Path(path).parent,
        default_name=Path(path).stem,
    )
