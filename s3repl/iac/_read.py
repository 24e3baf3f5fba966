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
    except (json.JSONDecodeError, RecursionError):
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


def _json_lines(text: str, data: Mapping[str, Any], kind: Kind) -> LineMap:
    """Lines of what JSON results point at: each resource's logical id or address."""
    lines: LineMap = {}
    if kind is Kind.CLOUDFORMATION:
        resources = data.get("Resources")
        start = text.find('"Resources"')
        for logical_id in resources if isinstance(resources, Mapping) else ():
            match = re.compile(rf'"{re.escape(str(logical_id))}"\s*:').search(text, max(start, 0))
            if match is not None:
                lines[("Resources", str(logical_id))] = text.count("\n", 0, match.start()) + 1
    else:
        for match in re.finditer(r'"address"\s*:\s*"((?:[^"\\]|\\.)*)"', text):
            key = ("address", json.loads(f'"{match.group(1)}"'))
            lines.setdefault(key, text.count("\n", 0, match.start()) + 1)
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
        return Document(kind=kind, syntax="JSON", data=data, lines=_json_lines(text, data, kind))
    data, lines = load_yaml(text, name)
    if not isinstance(data, Mapping):  # pragma: no cover - recognise saw top-level keys
        msg = f"{name} must hold a mapping at the top (a CloudFormation template)"
        raise InfrastructureError(msg)
    return Document(kind=kind, syntax="YAML", data=data, lines=lines)
