"""A tiny schema language for S3 documents, and the walkers that check both wire forms.

Theory of operation. Every document S3 exchanges has two wire forms: XML (the REST
API) and the JSON-like dict that boto3 and the AWS CLI use. Both are projections of
one service-model *shape* (botocore's ``service-2.json``): member names, which
members are required, enums, integers, lists, and for XML the element names and
whether a list is *flattened* (repeated elements) or *wrapped* (a container element
holding one element per item).

A codec declares its document once as a :class:`Document` built from :class:`Scalar`,
:class:`ListOf`, :class:`Member` and :class:`Structure`, and gets three checked
conversions:

- XML text -> the boto3 dict shape (:meth:`Document.decode_xml`),
- a user's boto3 dict -> the same, type-checked and normalised (:meth:`Document.decode_dict`),
- the boto3 dict shape -> XML text, elements in schema order (:meth:`Document.encode_xml`).

So XML and dicts meet in one normalised form, and the model builders (one per
document) only ever read that form: the two wire forms cannot drift apart.

Every schema violation raises the document's error class (``MalformedXML`` unless
the document says otherwise) with AWS's exact message and ``element`` set to the
path of the offending element in XML terms, 1-based as in XPath, for example
``ReplicationConfiguration/Rule[2]/Destination/StorageClass``; dict input reports
the same paths, so one mistake reads the same in both forms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Literal, NoReturn, TypeVar

import attrs

from s3repl.codec._xml import check_xml_text, parse_document, refusal, render_document
from s3repl.errors import MalformedXML, S3Error, S3ReplError, Violation

__all__ = [
    "BOOLEAN",
    "INTEGER",
    "STRING",
    "Document",
    "ListOf",
    "Member",
    "Scalar",
    "Shape",
    "Structure",
    "build",
    "describe_value",
    "enum",
    "guard",
]

# Integers in S3 documents are xs:int (Java ``int``).
_INT_MIN = -(2**31)
_INT_MAX = 2**31 - 1
_INT_DIGITS_MAX = len(str(_INT_MAX))
_XML_INT = re.compile(r"[ \t\r\n]*([+-]?[0-9]+)[ \t\r\n]*")
_XML_TRUE = ("true", "1")
_XML_FALSE = ("false", "0")
# boto3 responses carry this next to the document; it is not part of it.
_RESPONSE_METADATA = "ResponseMetadata"


@attrs.frozen
class Scalar:
    """A leaf: a string (optionally an enum), an integer or a boolean."""

    kind: Literal["string", "integer", "boolean"]
    values: tuple[str, ...] = ()


#: A free string.
STRING = Scalar("string")
#: A 32-bit integer.
INTEGER = Scalar("integer")
#: ``true`` / ``false`` in XML, ``bool`` in dicts.
BOOLEAN = Scalar("boolean")


def enum(*values: str) -> Scalar:
    """Return a string scalar restricted to ``values`` (case-sensitive, as S3)."""
    return Scalar("string", values)


@attrs.frozen
class ListOf:
    """A list of ``member`` shapes; wrapped lists name each item ``item_name`` in XML."""

    member: Scalar | Structure
    item_name: str = "member"
    min_size: int = 0


@attrs.frozen
class Member:
    """A member of a structure: its boto3 name, shape and XML spelling."""

    name: str
    shape: Shape
    xml_name: str = ""
    required: bool = False
    #: For lists: repeated elements named ``xml_name`` instead of a wrapper element.
    flattened: bool = False
    #: An XML attribute (``xsi:type`` of an ACL grantee) instead of an element.
    attribute: bool = False

    @property
    def xml(self) -> str:
        """The XML element (or attribute) name."""
        return self.xml_name or self.name


@attrs.frozen
class Structure:
    """A container of members, in the order the schema lists them."""

    members: tuple[Member, ...]
    #: Namespace declarations to write on the element, as ``(prefix, uri)`` pairs.
    xml_declarations: tuple[tuple[str, str], ...] = ()

    def by_xml(self, name: str) -> Member | None:
        """Return the member spelled ``name`` in XML, if any."""
        return next((m for m in self.members if m.xml == name), None)

    def by_name(self, name: str) -> Member | None:
        """Return the member called ``name`` in the dict form, if any."""
        return next((m for m in self.members if m.name == name), None)


Shape = Scalar | ListOf | Structure


def _item_path(path: str, member: Member, index: int) -> str:
    assert isinstance(member.shape, ListOf)
    if member.flattened:
        return f"{path}/{member.xml}[{index}]"
    return f"{path}/{member.xml}/{member.shape.item_name}[{index}]"


def _is_blank(node: object) -> bool:
    return node is None or (isinstance(node, str) and not node.strip())


# --------------------------------------------------------------------------- XML -> dict


class _XmlReader:
    """Converts an xmltodict tree to the boto3 shape, checking it against the schema."""

    def __init__(self, error: type[S3Error]) -> None:
        self.error = error

    def fail(self, path: str, reason: str) -> NoReturn:
        raise refusal(self.error, path, reason)

    def read(self, shape: Scalar | Structure, node: object, path: str) -> Any:
        if isinstance(shape, Structure):
            return self.structure(shape, node, path)
        return self.scalar(shape, node, path)

    def structure(self, shape: Structure, node: object, path: str) -> dict[str, Any]:
        if _is_blank(node):
            return self.check_required(shape, {}, path)
        if not isinstance(node, dict):
            self.fail(path, "text where child elements are expected")
        for key, value in node.items():
            if key == "#text":
                if not _is_blank(value):
                    self.fail(path, "text mixed with child elements")
            elif key == "@xmlns":
                continue  # namespace declarations, already applied by the parser
            elif key.startswith("@"):
                member = shape.by_xml(key[1:])
                if member is None or not member.attribute:
                    self.fail(f"{path}/{key}", f"unknown attribute {key[1:]}")
            else:
                member = shape.by_xml(key)
                if member is None or member.attribute:
                    self.fail(f"{path}/{key}", f"unknown element {key}")
        out: dict[str, Any] = {}
        for member in shape.members:
            key = f"@{member.xml}" if member.attribute else member.xml
            if key in node:
                out[member.name] = self.member(member, node[key], path)
        return self.check_required(shape, out, path)

    def check_required(self, shape: Structure, out: dict[str, Any], path: str) -> dict[str, Any]:
        for member in shape.members:
            if member.required and member.name not in out:
                self.fail(f"{path}/{member.xml}", f"required element {member.xml} missing")
        return out

    def member(self, member: Member, node: object, path: str) -> Any:
        shape = member.shape
        if isinstance(shape, ListOf) and member.flattened:
            nodes = node if isinstance(node, list) else [node]
            items = [
                self.read(shape.member, item, _item_path(path, member, index))
                for index, item in enumerate(nodes, start=1)
            ]
            return self.check_size(shape, items, f"{path}/{member.xml}")
        child = f"{path}/{member.xml}"
        if isinstance(node, list):
            self.fail(child, f"element {member.xml} may appear only once")
        if isinstance(shape, ListOf):
            return self.wrapped_list(shape, node, child)
        return self.read(shape, node, child)

    def wrapped_list(self, shape: ListOf, node: object, path: str) -> list[Any]:
        if _is_blank(node):
            return self.check_size(shape, [], path)
        if not isinstance(node, dict):
            self.fail(path, "text where child elements are expected")
        nodes: list[object] = []
        for key, value in node.items():
            if key == shape.item_name:
                nodes = value if isinstance(value, list) else [value]
            elif key == "#text":
                if not _is_blank(value):
                    self.fail(path, "text mixed with child elements")
            elif key != "@xmlns":
                self.fail(f"{path}/{key}", f"unknown element {key}")
        items = [
            self.read(shape.member, item, f"{path}/{shape.item_name}[{index}]")
            for index, item in enumerate(nodes, start=1)
        ]
        return self.check_size(shape, items, path)

    def check_size(self, shape: ListOf, items: list[Any], path: str) -> list[Any]:
        if len(items) < shape.min_size:
            self.fail(path, f"at least {shape.min_size} element(s) required")
        return items

    def scalar(self, shape: Scalar, node: object, path: str) -> str | int | bool:
        if node is not None and not isinstance(node, str):
            self.fail(path, "child elements or attributes where a value is expected")
        text = node or ""
        if shape.kind == "integer":
            match = _XML_INT.fullmatch(text)
            if match is None:
                self.fail(path, f"{describe_value(text)} is not an integer")
            digits = match[1].lstrip("+-").lstrip("0")
            # int() refuses over 4,300 digits; anything over 10 is out of range anyway.
            number = int(match[1]) if len(digits) <= _INT_DIGITS_MAX else None
            if number is None or not _INT_MIN <= number <= _INT_MAX:
                shown = describe_value(match[1])
                self.fail(path, f"{shown} is out of the 32-bit integer range")
            return number
        if shape.kind == "boolean":
            word = text.strip()
            if word not in _XML_TRUE + _XML_FALSE:
                self.fail(path, f"{describe_value(text)} is not a boolean")
            return word in _XML_TRUE
        if shape.values and text not in shape.values:
            self.fail(path, f"{describe_value(text)} is not one of {', '.join(shape.values)}")
        return text


# --------------------------------------------------------------------------- dict -> dict

#: The most violations one dict reports; the walk stops there (hostile inputs are big).
MAX_VIOLATIONS = 50
_PYTHON_TYPES = {"string": "str", "integer": "int", "boolean": "bool"}


class _TooManyViolations(Exception):
    """Stops the walk once :data:`MAX_VIOLATIONS` violations are recorded."""


class _DictReader:
    """Type-checks a boto3-shaped dict against the schema and returns a normalised copy.

    Unlike XML (S3 stops at the first error), a dict is checked whole, as botocore's
    parameter validation does: every violation is recorded with the element's XML path
    and a message naming the boto3 parameter path (``Rules[0].Priority``) and what was
    expected. Values are described without ``repr()`` of containers, so a value nested
    a million deep costs nothing.
    """

    def __init__(self, error: type[S3Error]) -> None:
        self.error = error
        self.violations: list[Violation] = []

    def fail(self, path: str, message: str) -> None:
        self.violations.append(Violation(path, message))
        if len(self.violations) >= MAX_VIOLATIONS:
            raise _TooManyViolations

    def read(self, shape: Scalar | Structure, value: object, path: str, param: str) -> Any:
        if isinstance(shape, Structure):
            return self.structure(shape, value, path, param)
        return self.scalar(shape, value, path, param)

    def structure(
        self, shape: Structure, value: object, path: str, param: str
    ) -> dict[str, Any] | None:
        if not isinstance(value, Mapping):
            self.fail(path, _type_message(param, value, "dict"))
            return None
        for key in value:
            if not isinstance(key, str) or shape.by_name(key) is None:
                name = key if isinstance(key, str) else describe_value(key)
                known = ", ".join(m.name for m in shape.members)
                self.fail(
                    f"{path}/{_short(name)}",
                    f'Unknown parameter in {param}: "{_short(name)}", must be one of: {known}',
                )
        out: dict[str, Any] = {}
        for member in shape.members:
            if member.name in value:
                item = self.member(member, value[member.name], path, param)
                if item is not None:
                    out[member.name] = item
            elif member.required:
                missing = f'Missing required parameter in {param}: "{member.name}"'
                self.fail(f"{path}/{member.xml}", missing)
        return out

    def member(self, member: Member, value: object, path: str, param: str) -> Any:
        shape = member.shape
        child = f"{param}.{member.name}"
        if not isinstance(shape, ListOf):
            return self.read(shape, value, f"{path}/{member.xml}", child)
        if not isinstance(value, list | tuple):
            self.fail(f"{path}/{member.xml}", _type_message(child, value, "list, tuple"))
            return None
        items = [
            self.read(shape.member, item, _item_path(path, member, index), f"{child}[{index - 1}]")
            for index, item in enumerate(value, start=1)
        ]
        if len(items) < shape.min_size:
            self.fail(
                f"{path}/{member.xml}",
                f"Invalid length for parameter {child}, value: {len(items)}, "
                f"valid min length: {shape.min_size}",
            )
        return items

    def scalar(self, shape: Scalar, value: object, path: str, param: str) -> Any:
        expected = _PYTHON_TYPES[shape.kind]
        if shape.kind == "integer":
            if not isinstance(value, int) or isinstance(value, bool):
                return self.fail(path, _type_message(param, value, expected))
            if not _INT_MIN <= value <= _INT_MAX:
                return self.fail(
                    path,
                    f"Invalid range for parameter {param}, value: {describe_value(value)}, "
                    f"valid range: {_INT_MIN} to {_INT_MAX} (32-bit integer)",
                )
            return value
        if shape.kind == "boolean":
            if not isinstance(value, bool):
                return self.fail(path, _type_message(param, value, expected))
            return value
        if not isinstance(value, str):
            return self.fail(path, _type_message(param, value, expected))
        if shape.values and value not in shape.values:
            return self.fail(
                path,
                f"Invalid value for parameter {param}, value: {describe_value(value)}, "
                f"valid values: {', '.join(shape.values)}",
            )
        return value

    def check(self, value: object, shape: Structure, root: str) -> dict[str, Any]:
        """Walk ``value``; raise the document's error carrying every violation, if any."""
        try:
            out = self.structure(shape, value, root, root)
        except _TooManyViolations:
            out = None
        if not self.violations:
            assert out is not None
            return out
        first = self.violations[0]
        count = len(self.violations)
        more = " (the first ones; there are more)" if count >= MAX_VIOLATIONS else ""
        err = refusal(self.error, first.element, f"{count} invalid parameter(s){more}")
        err.violations = tuple(self.violations)
        raise err


def _short(text: str, limit: int = 60) -> str:
    """``text``, cut to ``limit`` characters (an ellipsis marks the cut)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_value(value: object) -> str:
    """A short, safe description of ``value`` for an error message.

    Never calls ``repr()`` on a container (a list nested a thousand deep would raise
    ``RecursionError``) nor ``str()`` on a huge integer (Python refuses more than 4,300
    digits): strings are quoted and cut, numbers shown when short, containers counted.
    """
    if isinstance(value, str):
        return repr(_short(value))
    if value is None or isinstance(value, bool | float):
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() > 64:
            return f"an integer of {value.bit_length()} bits"
        return str(value)
    if isinstance(value, Mapping | list | tuple | set | frozenset):
        try:
            size = len(value)
        except Exception:  # noqa: BLE001 - a hostile container; its type is enough
            return f"a value of type {type(value).__name__}"
        return f"a {type(value).__name__} of {size} item(s)"
    return f"a value of type {type(value).__name__}"


def _type_message(param: str, value: object, expected: str) -> str:
    return (
        f"Invalid type for parameter {param}, value: {describe_value(value)}, "
        f"type: {type(value).__name__}, valid types: {expected}"
    )


# --------------------------------------------------------------------------- dict -> XML


def _to_tree(shape: Scalar | Structure, value: Any, path: str, error: type[S3Error]) -> Any:
    if isinstance(shape, Structure):
        tree: dict[str, Any] = {f"@xmlns:{p}": uri for p, uri in shape.xml_declarations}
        for member in shape.members:
            if member.name not in value:
                continue
            item = value[member.name]
            child = f"{path}/{member.xml}"
            if isinstance(member.shape, ListOf):
                items = [
                    _to_tree(member.shape.member, x, _item_path(path, member, i), error)
                    for i, x in enumerate(item, start=1)
                ]
                tree[member.xml] = items if member.flattened else {member.shape.item_name: items}
            else:
                key = f"@{member.xml}" if member.attribute else member.xml
                tree[key] = _to_tree(member.shape, item, child, error)
        return tree
    if shape.kind == "boolean":
        return "true" if value else "false"
    if shape.kind == "integer":
        return str(value)
    return check_xml_text(value, path, error)


# --------------------------------------------------------------------------- model values

_T = TypeVar("_T")


def build(path: str, make: Callable[[], _T], error: type[S3Error] = MalformedXML) -> _T:
    """Call a model constructor, and give the errors it raises the element ``path``.

    A schema error from the model (``MalformedXML``) becomes ``error`` with AWS's exact
    message (the model's detail goes to a note); any other ``S3Error`` (for example
    ``InvalidArgument`` for a non-positive retention period) keeps its code and message
    and gains ``element`` if it had none; a plain ``ValueError`` / ``TypeError`` (the
    model refusing an impossible field, such as an empty grantee ``ID``) becomes
    ``error`` at ``path``.
    """
    try:
        return make()
    except MalformedXML as err:
        notes = [note.removeprefix("s3repl: ") for note in getattr(err, "__notes__", ())]
        reason = "; ".join(notes) or err.message.removeprefix(_MODEL_PREFIX)
        raise refusal(error, path, reason) from err
    except S3Error as err:
        if err.element is None:
            err.element = path
        raise
    except (ValueError, TypeError) as err:
        if isinstance(err, S3ReplError):
            raise
        raise refusal(error, path, _short(str(err), 300)) from err


def guard(path: str, make: Callable[[], _T], error: type[S3Error] = MalformedXML) -> _T:
    """Call ``make``, turning a plain ``ValueError`` / ``TypeError`` into ``error`` at ``path``.

    The library's own errors pass unchanged. The model's values refuse impossible
    fields with plain Python errors (a value built by hand is a programming error);
    from a document, the same refusal is the document's fault, so no decoder lets one
    escape.
    """
    try:
        return make()
    except S3ReplError:
        raise
    except (ValueError, TypeError) as err:
        raise refusal(error, path, _short(str(err), 300)) from err


_MODEL_PREFIX = f"{MalformedXML.DEFAULT_MESSAGE}: "


# --------------------------------------------------------------------------- documents


@attrs.frozen
class Document:
    """A top-level document: its root element name, shape and error class."""

    root: str
    shape: Structure
    error: type[S3Error] = MalformedXML

    def decode_xml(self, text: str | bytes) -> dict[str, Any]:
        """Parse XML text safely and return the checked boto3-shaped dict.

        Raises:
            S3Error: the document's error class for any schema or syntax violation.
        """
        node = parse_document(text, root=self.root, error=self.error)
        return _XmlReader(self.error).structure(self.shape, node, self.root)

    def decode_dict(self, value: Mapping[str, Any]) -> dict[str, Any]:
        """Check a boto3-shaped dict and return a normalised copy.

        Also accepts the document wrapped in its root name (``{"Tagging": {...}}``,
        as the AWS CLI prints some of them), and ignores a top-level
        ``ResponseMetadata`` so that a boto3 response can be passed as it is.

        Raises:
            S3Error: the document's error class for any schema violation.
        """
        if isinstance(value, Mapping) and _RESPONSE_METADATA in value:
            value = {k: v for k, v in value.items() if k != _RESPONSE_METADATA}
        if isinstance(value, Mapping) and list(value) == [self.root]:
            value = value[self.root]
        return _DictReader(self.error).check(value, self.shape, self.root)

    def encode_xml(self, value: Mapping[str, Any]) -> str:
        """Render a boto3-shaped dict (as the codec builds it) as XML text.

        Raises:
            S3Error: the document's error class when a string holds a character that
                XML 1.0 cannot carry.
        """
        body = _to_tree(self.shape, value, self.root, self.error)
        return render_document(self.root, body)
