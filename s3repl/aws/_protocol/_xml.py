"""XML bodies <-> Python values, driven by botocore shapes (rest-xml and query responses).

Why expat directly rather than ``ElementTree.fromstring``: a request body is untrusted,
and expat lets us refuse any document type declaration (and with it entity expansion
and external entities) before a single entity is defined.

The element rules mirror botocore's own XML serialiser and parser: a member is named
by its ``locationName`` (else its member name); lists wrap their items in ``member``
(or the item shape's ``locationName``) unless ``flattened``; maps are ``entry`` /
``key`` / ``value``; ``xmlAttribute`` members live on their parent's attributes;
``xmlNamespace`` becomes an ``xmlns`` attribute.  Namespaces are ignored on input.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree
from xml.parsers import expat

from botocore.model import ListShape, MapShape, Shape, StructureShape

from s3repl.aws._protocol._values import ISO8601, BadValue, format_scalar, parse_scalar

__all__ = ["XmlSchemaError", "element_to_value", "parse_xml", "value_to_element"]

_NAMESPACE = re.compile(r"^\{[^}]*\}")


class XmlSchemaError(ValueError):
    """A body that is not well-formed XML, or does not fit the shape it must have."""


class _Refused(Exception):
    """A document type declaration, refused on sight."""


def parse_xml(body: bytes) -> ElementTree.Element:
    """The root element of ``body``, refusing DTDs and entity declarations.

    Raises:
        XmlSchemaError: the body is not one well-formed XML document, or it declares
            a document type.
    """
    builder = ElementTree.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True

    def start(name: str, attributes: dict[str, str]) -> None:
        builder.start(_clark(name), {_clark(key): value for key, value in attributes.items()})

    def refuse(*_: object) -> None:
        raise _Refused

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: builder.end(_clark(name))
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(body, True)  # noqa: FBT003 (expat's isfinal is positional-only)
        return builder.close()
    except _Refused as err:
        msg = "document type declarations are not allowed"
        raise XmlSchemaError(msg) from err
    except (expat.ExpatError, AssertionError, ValueError) as err:
        msg = f"not well-formed: {err}"
        raise XmlSchemaError(msg) from err


def _clark(name: str) -> str:
    # expat gives "uri}local" with namespace_separator "}": ElementTree's "{uri}local".
    return "{" + name if "}" in name else name


def local_name(tag: str) -> str:
    """``tag`` without its ``{namespace}``."""
    return _NAMESPACE.sub("", tag)


def member_xml_name(member: Shape, member_name: str) -> str:
    """The element name of a structure member (botocore's ``_member_key_name``)."""
    if isinstance(member, ListShape) and member.serialization.get("flattened"):
        item_name = member.member.serialization.get("name")
        if item_name is not None:
            return str(item_name)
    return str(member.serialization.get("name", member_name))


def _has_location(member: Shape) -> bool:
    return member.serialization.get("location") is not None


# --------------------------------------------------------------------- XML -> value


def element_to_value(shape: Shape, element: ElementTree.Element, path: str) -> Any:
    """The value of ``element`` read as ``shape``.

    Args:
        shape: the shape the element holds.
        element: the element.
        path: the element's path, for messages (``"ReplicationConfiguration/Rule"``).

    Raises:
        XmlSchemaError: an unknown or repeated element, or a value of the wrong type;
            the message names the element's path.
    """
    if isinstance(shape, StructureShape):
        return _structure(shape, element, path)
    if isinstance(shape, ListShape):
        item_name = shape.member.serialization.get("name", "member")
        items = []
        for child in element:
            if local_name(child.tag) != item_name:
                msg = f"unexpected element {path}/{local_name(child.tag)}"
                raise XmlSchemaError(msg)
            items.append(element_to_value(shape.member, child, f"{path}/{item_name}"))
        return items
    if isinstance(shape, MapShape):
        return _map(shape, list(element), path)
    if len(element):
        msg = f"unexpected element {path}/{local_name(element[0].tag)}"
        raise XmlSchemaError(msg)
    try:
        return parse_scalar(shape, element.text or "")
    except BadValue as err:
        msg = f"{path}: {err}"
        raise XmlSchemaError(msg) from err


def _structure(shape: StructureShape, element: ElementTree.Element, path: str) -> dict[str, Any]:
    by_xml_name: dict[str, tuple[str, Shape]] = {}
    for name, member in shape.members.items():
        if not _has_location(member) and not member.serialization.get("xmlAttribute"):
            by_xml_name[member_xml_name(member, name)] = (name, member)
    grouped: dict[str, list[ElementTree.Element]] = {}
    for child in element:
        tag = local_name(child.tag)
        if tag not in by_xml_name:
            msg = f"unexpected element {path}/{tag}"
            raise XmlSchemaError(msg)
        grouped.setdefault(tag, []).append(child)
    result: dict[str, Any] = {}
    for tag, children in grouped.items():
        name, member = by_xml_name[tag]
        child_path = f"{path}/{tag}"
        flattened = bool(member.serialization.get("flattened"))
        if flattened and isinstance(member, ListShape):
            result[name] = [element_to_value(member.member, c, child_path) for c in children]
        elif flattened and isinstance(member, MapShape):
            result[name] = _map(member, children, child_path)
        elif len(children) > 1:
            msg = f"element {child_path} appears more than once"
            raise XmlSchemaError(msg)
        else:
            result[name] = element_to_value(member, children[0], child_path)
    for name, member in shape.members.items():
        if member.serialization.get("xmlAttribute"):
            wanted = str(member.serialization.get("name", name)).rpartition(":")[2]
            for key, value in element.attrib.items():
                if local_name(key) == wanted:
                    result[name] = value
    return result


def _map(shape: MapShape, entries: list[ElementTree.Element], path: str) -> dict[Any, Any]:
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    result: dict[Any, Any] = {}
    flattened = bool(shape.serialization.get("flattened"))
    for entry in entries:
        if not flattened and local_name(entry.tag) != "entry":
            msg = f"unexpected element {path}/{local_name(entry.tag)}"
            raise XmlSchemaError(msg)
        parts = {local_name(child.tag): child for child in entry}
        if set(parts) != {key_name, value_name}:
            msg = f"{path}: each entry needs one {key_name} and one {value_name}"
            raise XmlSchemaError(msg)
        key = element_to_value(shape.key, parts[key_name], f"{path}/{key_name}")
        result[key] = element_to_value(shape.value, parts[value_name], f"{path}/{value_name}")
    return result


# --------------------------------------------------------------------- value -> XML


def value_to_element(
    shape: Shape, value: Any, parent: ElementTree.Element, name: str
) -> ElementTree.Element | None:
    """Append ``value``, written as ``shape``, to ``parent`` as element(s) named ``name``.

    Members placed elsewhere (headers, URI, status code) are skipped: the caller writes
    them.  Returns the element written (``None`` for a flattened list or map, which
    writes its items straight into ``parent``).

    Raises:
        ValueError: ``value`` names a member ``shape`` does not have.
    """
    if isinstance(shape, StructureShape):
        node = ElementTree.SubElement(parent, name)
        _add_namespace(shape, node)
        write_members(shape, value, node)
        return node
    if isinstance(shape, ListShape):
        if shape.serialization.get("flattened"):
            for item in value:
                value_to_element(shape.member, item, parent, name)
            return None
        node = ElementTree.SubElement(parent, name)
        _add_namespace(shape, node)
        item_name = str(shape.member.serialization.get("name", "member"))
        for item in value:
            value_to_element(shape.member, item, node, item_name)
        return node
    if isinstance(shape, MapShape):
        _write_map(shape, value, parent, name)
        return None
    node = ElementTree.SubElement(parent, name)
    node.text = format_scalar(shape, value, timestamp_format=ISO8601)
    _add_namespace(shape, node)
    return node


def write_members(shape: StructureShape, value: Any, node: ElementTree.Element) -> None:
    """Write the body members of structure ``value`` into ``node`` (in model order).

    Raises:
        ValueError: ``value`` names a member ``shape`` does not have.
    """
    unknown = sorted(set(value) - set(shape.members))
    if unknown:
        msg = f"{shape.name} has no member(s) {unknown}"
        raise ValueError(msg)
    for name, member in shape.members.items():
        if name not in value or value[name] is None or _has_location(member):
            continue
        if member.serialization.get("xmlAttribute"):
            node.set(str(member.serialization["name"]), str(value[name]))
            continue
        value_to_element(member, value[name], node, str(member.serialization.get("name", name)))


def _write_map(shape: MapShape, value: Any, parent: ElementTree.Element, name: str) -> None:
    key_name = str(shape.key.serialization.get("name", "key"))
    value_name = str(shape.value.serialization.get("name", "value"))
    flattened = bool(shape.serialization.get("flattened"))
    holder = parent if flattened else ElementTree.SubElement(parent, name)
    for key, item in value.items():
        entry = ElementTree.SubElement(holder, name if flattened else "entry")
        value_to_element(shape.key, key, entry, key_name)
        value_to_element(shape.value, item, entry, value_name)


def _add_namespace(shape: Shape, node: ElementTree.Element) -> None:
    namespace = shape.serialization.get("xmlNamespace")
    if isinstance(namespace, str):
        node.set("xmlns", namespace)
    elif isinstance(namespace, dict) and namespace.get("uri"):
        prefix = namespace.get("prefix")
        node.set(f"xmlns:{prefix}" if prefix else "xmlns", str(namespace["uri"]))


def to_bytes(root: ElementTree.Element) -> bytes:
    """``root`` as a UTF-8 document with an XML declaration."""
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(
        root, encoding="unicode"
    ).encode("utf-8")
