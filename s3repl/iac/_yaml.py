"""A CloudFormation-aware YAML reader on PyYAML: short-form intrinsics and line numbers.

Why PyYAML and not a template library: s3repl needs only the template as data plus the
line each mapping key sits on, and PyYAML's ``SafeLoader`` gives both with a few
constructors; a full template toolkit would pull in a dependency tree for that.
PyYAML is the optional extra ``s3repl[iac]`` and is imported only when a YAML file is
read, so ``import s3repl`` (and JSON templates and plans) never need it.

What CloudFormation's YAML differs in, and how it is read here:

- every ``!Name`` tag is the long form ``{"Fn::Name": value}``; ``!Ref`` is
  ``{"Ref": ...}``, ``!Condition`` is ``{"Condition": ...}`` and the scalar form of
  ``!GetAtt Res.Attr`` is ``["Res", "Attr"]``.  Tags CloudFormation does not have are
  read the same way, so the resolver names them as unsupported instead of failing;
- timestamps stay strings (``Version: 2012-10-17`` is a policy version, not a date);
- nesting deeper than :data:`NESTING_MAX` is refused while composing, before anything
  is built, so a hostile file cannot exhaust the stack.  Aliases share the object they
  point to; the resolver bounds the work of expanding them.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any

from s3repl.iac._limits import NESTING_MAX, InfrastructureError

if TYPE_CHECKING:
    import yaml

__all__ = ["LineMap", "load_yaml"]

#: Path of a value in the document (mapping keys and list indices) -> its 1-based line.
LineMap = dict[tuple[str | int, ...], int]


class _Located(dict[Hashable, Any]):
    """A mapping that remembers the line of each of its keys (1-based)."""

    key_lines: dict[Hashable, int]


def _loader_class() -> type[yaml.SafeLoader]:
    """Build the loader class once PyYAML is importable (the import is the extra)."""
    try:
        import yaml
    except ImportError as err:
        msg = "reading YAML templates needs PyYAML: pip install 's3repl[iac]'"
        raise InfrastructureError(msg) from err
    return _make_loader(yaml)


@functools.cache
def _make_loader(yaml: Any) -> type[yaml.SafeLoader]:
    class Loader(yaml.SafeLoader):  # type: ignore[misc]
        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            self.depth += 1
            try:
                if self.depth > NESTING_MAX:
                    mark = self.peek_event().start_mark
                    msg = f"line {mark.line + 1}: nested deeper than {NESTING_MAX} levels"
                    raise InfrastructureError(msg)
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    def tagged(loader: Any, suffix: str, node: Any) -> dict[str, Any]:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if suffix == "GetAtt" and isinstance(value, str):
                resource, _, attribute = value.partition(".")
                value = [resource, attribute]
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if suffix in ("Ref", "Condition"):
            return {suffix: value}
        return {f"Fn::{suffix}": value}

    def mapping(loader: Any, node: Any) -> Any:
        # SafeLoader's own map constructor builds a plain dict; this one also keeps the
        # line of each key (two-step, as PyYAML's, so that recursive aliases still work).
        data = _Located()
        data.key_lines = {}
        yield data
        data.update(loader.construct_mapping(node))
        data.key_lines = {
            loader.construct_object(key): key.start_mark.line + 1
            for key, _ in node.value
            if isinstance(key, yaml.ScalarNode)
        }

    def string(loader: Any, node: Any) -> str:
        return str(loader.construct_scalar(node))

    Loader.add_constructor("tag:yaml.org,2002:map", mapping)
    Loader.add_multi_constructor("!", tagged)
    Loader.add_constructor("tag:yaml.org,2002:timestamp", string)
    return Loader


def _record(value: object, path: tuple[str | int, ...], lines: LineMap, seen: set[int]) -> None:
    """Walk the built document once (aliases once too) and note every key's line."""
    if id(value) in seen:
        return
    if isinstance(value, Mapping):
        seen.add(id(value))
        key_lines = getattr(value, "key_lines", {})
        for key, item in value.items():
            here = (*path, str(key))
            if key in key_lines:
                lines.setdefault(here, key_lines[key])
            _record(item, here, lines, seen)
    elif isinstance(value, list):
        seen.add(id(value))
        for index, item in enumerate(value):
            item_lines = getattr(item, "key_lines", None)
            if item_lines:  # a mapping in a list sits on the line of its first key
                lines.setdefault((*path, index), min(item_lines.values()))
            _record(item, (*path, index), lines, seen)


def load_yaml(text: str, name: str) -> tuple[Any, LineMap]:
    """Read a CloudFormation YAML template.

    Args:
        text: the file's text.
        name: the file's name, for messages.

    Returns:
        the document (plain dicts, lists and scalars, intrinsics in their long form)
        and the line of each mapping key, by path.

    Raises:
        InfrastructureError: PyYAML is missing, the text is not YAML, or it nests too
            deeply; the message names the file and the line.
    """
    loader_class = _loader_class()
    import yaml

    loader = loader_class(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f" at line {mark.line + 1}" if mark is not None else ""
        msg = f"{name} is not valid YAML{where}: {err.problem or err.context}"
        raise InfrastructureError(msg) from err
    except yaml.YAMLError as err:
        msg = f"{name} is not valid YAML: {err}"
        raise InfrastructureError(msg) from err
    except InfrastructureError as err:
        msg = f"{name}: {err}"
        raise InfrastructureError(msg) from err
    except RecursionError as err:  # pragma: no cover - NESTING_MAX stops this first
        msg = f"{name}: nested too deeply"
        raise InfrastructureError(msg) from err
    finally:
        loader.dispose()
    lines: LineMap = {}
    _record(data, (), lines, set())
    return data, lines
