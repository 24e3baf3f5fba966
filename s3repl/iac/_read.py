"""Recognising a template or plan, and reading it within the limits.

Why sniff instead of a flag: ``s3repl check FILE`` has always recognised its input by
its content (``<`` is S3 XML, ``{`` is JSON); templates and plans are recognised the
same way, by the keys only they have at the top (``AWSTemplateFormatVersion`` or
``Resources`` for CloudFormation, ``format_version`` with ``planned_values`` or
``terraform_version`` for a ``terraform show -json`` plan).  Anything else is left to
the replication-configuration reader, whose messages stay as they were.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from typing import Any

import attrs

from s3repl.iac._limits import (
    PLAN_BYTES_MAX,
    TEMPLATE_BYTES_MAX,
    InfrastructureError,
    check_nesting,
)
from s3repl.iac._yaml import LineMap, load_yaml

__all__ = ["Document", "Kind", "read_document", "recognise"]

_YAML_TEMPLATE = re.compile(r"^(?:AWSTemplateFormatVersion|Resources|Transform)\s*:", re.MULTILINE)


class Kind(enum.Enum):
    """What a file is."""

    CLOUDFORMATION = "CloudFormation template"
    TERRAFORM = "Terraform plan"


@attrs.frozen(kw_only=True)
class Document:
    """A template or plan, parsed.

    Attributes:
        kind: what it is.
        syntax: ``"YAML"`` or ``"JSON"``.
        data: the parsed document.
        lines: the line of each mapping key, by path (only what is known).
    """

    kind: Kind
    syntax: str
    data: Mapping[str, Any]
    lines: LineMap


def _kind_of(data: object) -> Kind | None:
    if not isinstance(data, Mapping):
        return None
    if "AWSTemplateFormatVersion" in data or isinstance(data.get("Resources"), Mapping):
        return Kind.CLOUDFORMATION
    if "format_version" in data and ("planned_values" in data or "terraform_version" in data):
        return Kind.TERRAFORM
    return None


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # not JSON, too deep, or a 4,300-digit number
        return None


def recognise(text: str) -> Kind | None:
    """What ``text`` is, if it is a template or a plan (else ``None``).

    A JSON text that does not parse is not recognised here (the configuration reader
    reports it); a YAML text is recognised by its top-level template keys.
    """
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return None
    if stripped.startswith(("{", "[")):
        return _kind_of(_json(text))
    return Kind.CLOUDFORMATION if _YAML_TEMPLATE.search(text) else None


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+')
_ADDRESS = re.compile(r'"address"\s*:\s*"((?:[^"\\]|\\.)*)"')


def _template_lines(text: str) -> LineMap:
    """The line of every mapping key of a JSON template, by path (as YAML templates have).

    A small scan over JSON's tokens (the text already parsed, so it is valid JSON):
    each key's path is its container's path plus the key, or plus the index in a list;
    an object in a list sits on the line where it opens.
    """
    lines: LineMap = {}
    # Each frame: [path, is_object, current key or index, expecting a key].
    stack: list[list[Any]] = []
    line, position = 1, 0

    def here() -> tuple[str | int, ...]:
        if not stack:
            return ()
        path, _, member, _ = stack[-1]
        return (*path, member)

    for match in _JSON_TOKEN.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        token = match.group()
        frame = stack[-1] if stack else None
        if token in "{[":
            path = here()
            if frame is not None and not frame[1]:
                lines.setdefault(path, line)
            stack.append([path, token == "{", 0, True])
        elif token in "}]":
            stack.pop()
        elif token == ",":
            if frame is not None and frame[1]:
                frame[3] = True
            elif frame is not None:
                frame[2] += 1
        elif token == ":":
            if frame is not None:
                frame[3] = False
        elif frame is not None and frame[1] and frame[3] and token.startswith('"'):
            frame[2] = json.loads(token)
            lines.setdefault((*frame[0], frame[2]), line)
    return lines


def _address_lines(text: str) -> LineMap:
    """The line of each resource address in a plan (its first mention)."""
    lines: LineMap = {}
    line, position = 1, 0
    for match in _ADDRESS.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        lines.setdefault(("address", json.loads(f'"{match.group(1)}"')), line)
    return lines


def read_document(text: str, *, name: str) -> Document:
    """Parse a template or plan that :func:`recognise` recognised.

    Args:
        text: the file's text.
        name: the file's name, for messages.

    Returns:
        the parsed document.

    Raises:
        InfrastructureError: too large, not parseable, nested too deeply, or not a
            template or plan after all; the message names the file.
    """
    kind = recognise(text)
    if kind is None:
        msg = f"{name} is neither a CloudFormation template nor a Terraform plan"
        raise InfrastructureError(msg)
    limit = PLAN_BYTES_MAX if kind is Kind.TERRAFORM else TEMPLATE_BYTES_MAX
    if len(text.encode("utf-8", "surrogatepass")) > limit:
        msg = f"{name} is larger than {limit} bytes, the most a {kind.value} may be here"
        raise InfrastructureError(msg)
    if text.lstrip().startswith("{"):
        data = _json(text)
        if not isinstance(data, Mapping):  # pragma: no cover - recognise parsed it
            msg = f"{name} is not valid JSON"
            raise InfrastructureError(msg)
        check_nesting(data, name)
        lines = _template_lines(text) if kind is Kind.CLOUDFORMATION else _address_lines(text)
        return Document(kind=kind, syntax="JSON", data=data, lines=lines)
    data, lines = load_yaml(text, name)
    if not isinstance(data, Mapping):  # pragma: no cover - recognise saw top-level keys
        msg = f"{name} must hold a mapping at the top (a CloudFormation template)"
        raise InfrastructureError(msg)
    return Document(kind=kind, syntax="YAML", data=data, lines=lines)
