"""Safe reading and writing of S3 XML documents (the only place that calls xmltodict).

Reading an XML document that a user (or a simulated attacker) hands us is the one
place where s3repl meets hostile input, so :func:`parse_document` refuses, *before*
anything is expanded or built:

- documents larger than :data:`MAX_DOCUMENT_BYTES`, counted in bytes of UTF-8 before
  parsing (SPEC R-020 gives 2 MB as the maximum serialized size of a replication
  configuration; the other control-plane documents are far smaller, so one limit
  serves all of them);
- any document type declaration: expat calls our ``StartDoctypeDeclHandler`` when it
  meets ``<!DOCTYPE`` and we raise there, so no internal subset is read, no entity is
  declared and none is expanded (billion laughs and external entities stop at their
  first line). Without a DTD the only entities left are XML's five predefined ones and
  character references; any other reference is an "undefined entity" syntax error.
  xmltodict's own ``disable_entities`` guard stays on as a second line;
- every syntax error, wrong encoding, and a root element that is not the expected one
  in the S3 namespace ``http://s3.amazonaws.com/doc/2006-03-01/`` (or in no namespace:
  S3 accepts both).

Decision (SPEC leaves it open): an oversized document raises ``MalformedXML`` (the
answer AWS gives to every document that breaks its published schema, and the
schema's limit is what is broken), not ``EntityTooLarge``, whose AWS message is about
object uploads ("Your proposed upload exceeds the maximum allowed object size").
AWS's generic code for an over-long request body is ``MaxMessageLengthExceeded``,
which s3repl does not have (yet); either way the caller sees a 400 ``ValueError``.

Byte input is read as UTF-8 whatever the XML declaration says (the declaration is
overridden when the parser is created), because the S3 REST API speaks UTF-8.

Whitespace is kept (``strip_whitespace=False``): an object key prefix may begin or end
with spaces, and stripping them would make decoding lossy. The shape walker in
``_shapes`` ignores whitespace-only text between elements instead.
"""

from __future__ import annotations

import re
import types
from pyexpat import ExpatError, ParserCreate, XMLParserType
from typing import Any, NoReturn

import xmltodict

from s3repl.errors import InvalidArgumentType, MalformedXML, S3Error

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "S3_NAMESPACE",
    "XSI_NAMESPACE",
    "check_xml_text",
    "parse_document",
    "refusal",
    "render_document",
]

#: The namespace of every S3 control-plane document.
S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
#: The XML Schema instance namespace (``xsi:type`` on ACL grantees).
XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"
#: Largest document accepted, in bytes of UTF-8 (R-020: 2 MB).
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024

# Element names after namespace processing: the S3 namespace (and no namespace) give
# bare names, xsi gives "xsi:name", and any other namespace keeps its URI, which
# never matches a member, so foreign elements are refused as unknown.
_NAMESPACES: dict[str, str | None] = {S3_NAMESPACE: None, XSI_NAMESPACE: "xsi"}

# Characters XML 1.0 cannot carry at all, even as character references.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def refusal(error: type[S3Error], element: str, reason: str) -> S3Error:
    """Return ``error`` with AWS's schema message, naming ``element``; ``reason`` is a note.

    AWS says the same sentence for every schema violation (R-045), so the message is
    exactly :data:`MalformedXML.DEFAULT_MESSAGE`; the path goes in ``element`` and the
    detail in an exception note, so tracebacks stay informative.
    """
    err = error(MalformedXML.DEFAULT_MESSAGE, element=element)
    err.add_note(f"s3repl: {reason}")
    return err


class _DoctypeRefused(Exception):
    """Raised from inside expat when a document type declaration starts."""


def _refuse_doctype(*_args: object) -> NoReturn:
    raise _DoctypeRefused


def _guarded_parser(encoding: str | None = None, namespace_separator: str | None = None) -> Any:
    """Create an expat parser that stops at the first ``<!DOCTYPE``."""
    parser: XMLParserType = ParserCreate(encoding, namespace_separator)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    return parser


# xmltodict creates its parser through ``expat.ParserCreate``; hand it ours.
_GUARDED_EXPAT = types.SimpleNamespace(ParserCreate=_guarded_parser)


def _utf8_size_exceeds(text: str, limit: int) -> bool:
    # A character takes 1 to 4 bytes: decide from the length alone when we can.
    if len(text) > limit:
        return True
    if len(text) * 4 <= limit:
        return False
    return len(text.encode("utf-8", "surrogatepass")) > limit


def parse_document(text: str | bytes, *, root: str, error: type[S3Error] = MalformedXML) -> object:
    """Parse an S3 XML document and return the content of its ``root`` element.

    Args:
        text: the document, as ``str`` or UTF-8 ``bytes``.
        root: the expected root element name (in the S3 namespace or in none).
        error: the S3 error to raise for a malformed document.

    Returns:
        ``None`` for an empty root element, a ``str`` for text only, else a ``dict``
        of child elements as xmltodict builds them (repeated elements as lists).

    Raises:
        S3Error: ``error`` (``MalformedXML`` by default), naming ``root``, for an
            oversized, ill-formed, DTD-bearing or wrongly rooted document.
        InvalidArgumentType: when ``text`` is neither ``str`` nor bytes-like (an
            ``InvalidArgument`` that is also a ``TypeError``).
    """
    data: str | bytes
    given: object = text  # callers are not always typed: check what really came
    if isinstance(given, str):
        data = given
        too_large = _utf8_size_exceeds(given, MAX_DOCUMENT_BYTES)
    elif isinstance(given, bytes | bytearray | memoryview):
        # Sized before copying: a huge buffer is refused without a second copy.
        size = given.nbytes if isinstance(given, memoryview) else len(given)
        too_large = size > MAX_DOCUMENT_BYTES
        data = b"" if too_large else bytes(given)
    else:
        # Never bytes(text): bytes(2**40) would allocate a terabyte before any check.
        msg = f"The {root} document must be XML text (str or bytes), not {type(given).__name__}"
        raise InvalidArgumentType(msg, element=root)
    if too_large:
        raise refusal(error, root, f"the document exceeds {MAX_DOCUMENT_BYTES} bytes")
    try:
        tree = xmltodict.parse(
            data,
            encoding="utf-8",
            expat=_GUARDED_EXPAT,
            process_namespaces=True,
            namespaces=_NAMESPACES,
            strip_whitespace=False,
            disable_entities=True,
        )
    except _DoctypeRefused:
        raise refusal(error, root, "document type declarations are not allowed") from None
    except ExpatError as err:
        raise refusal(error, root, f"not well-formed XML: {err}") from None
    except (ValueError, UnicodeError) as err:  # xmltodict's entity guard, bad str input
        raise refusal(error, root, f"not well-formed XML: {err}") from None
    if tree is None or list(tree) != [root]:
        found = ", ".join(tree or ()) or "nothing"
        raise refusal(error, root, f"expected root element {root} in the S3 namespace, got {found}")
    return tree[root]


def check_xml_text(value: str, element: str, error: type[S3Error] = MalformedXML) -> str:
    """Return ``value`` if XML 1.0 can carry it, else raise ``error`` naming ``element``.

    Raises:
        S3Error: ``error`` when ``value`` holds a character XML cannot represent (most
            C0 controls, lone surrogates, U+FFFE, U+FFFF).
    """
    bad = _NOT_XML.search(value)
    if bad is not None:
        raise refusal(error, element, f"character {bad.group()!r} cannot be written in XML")
    return value


def render_document(root: str, body: dict[str, Any]) -> str:
    """Render ``{root: body}`` as an S3 XML document in the S3 namespace.

    ``body`` is an xmltodict tree (``@name`` keys are attributes; lists are repeated
    elements), already ordered as the schema orders the elements.

    Returns:
        The document text, with an XML declaration.
    """
    tree = {root: {"@xmlns": S3_NAMESPACE, **body}}
    text = xmltodict.unparse(tree, short_empty_elements=True)
    # XML parsers turn a literal carriage return into a line feed; a character
    # reference survives. Attribute values are already escaped by the generator.
    return text.replace("\r", "&#13;")
