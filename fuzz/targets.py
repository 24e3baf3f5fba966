"""What the fuzzer feeds hostile bytes to: every public decoder and the world-file loader.

Each target takes raw bytes and hands them to one entry point the way a user could:
XML decoders get the bytes as they are, dict decoders get whatever JSON value the
bytes parse to (bytes that are not JSON are not the decoder's business), the
world-file loader gets the parsed JSON, and ``iam.parse_policy`` gets the text. A
target *passes* when the entry point returns a value or raises the library's own
error (:class:`~s3repl.errors.S3ReplError`); any other exception (``RecursionError``,
Python's ``ValueError``, ``KeyError``, ``MemoryError``...) is a crash: the fuzzer
stops there and writes the input down.

Shared by ``fuzz/run.py`` (atheris, coverage-guided) and the regression tests
(``tests/test_hostile_fuzz.py``), which replay every input in ``fuzz/crashes/``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from s3repl import codec, iam
from s3repl._worldfile import load_world
from s3repl.errors import S3ReplError

__all__ = ["TARGETS", "LibraryErrors", "run_target"]

#: The exceptions a decoder may raise: the library's own.
LibraryErrors = S3ReplError

_XML_DECODERS: dict[str, Callable[[bytes], object]] = {
    "replication_xml": codec.replication_from_xml,
    "versioning_xml": codec.versioning_from_xml,
    "object_lock_xml": codec.object_lock_configuration_from_xml,
    "tagging_xml": codec.tagging_from_xml,
    "acl_xml": codec.acl_from_xml,
    "ownership_xml": codec.ownership_controls_from_xml,
    "encryption_xml": codec.default_encryption_from_xml,
}
_DICT_DECODERS: dict[str, Callable[[Any], object]] = {
    "replication_dict": codec.replication_from_dict,
    "versioning_dict": codec.versioning_from_dict,
    "object_lock_dict": codec.object_lock_configuration_from_dict,
    "tagging_dict": codec.tagging_from_dict,
    "acl_dict": codec.acl_from_dict,
    "ownership_dict": codec.ownership_controls_from_dict,
    "encryption_dict": codec.default_encryption_from_dict,
    "world": load_world,
}


def _json(data: bytes) -> tuple[bool, Any]:
    """``(True, value)`` when ``data`` is JSON Python's parser accepts, else ``(False, None)``."""
    try:
        return True, json.loads(data)
    except (ValueError, RecursionError):  # not JSON (or too deep for json itself)
        return False, None


def _xml_target(decode: Callable[[bytes], object]) -> Callable[[bytes], None]:
    def target(data: bytes) -> None:
        with contextlib.suppress(LibraryErrors):
            decode(data)

    return target


def _dict_target(decode: Callable[[Any], object]) -> Callable[[bytes], None]:
    def target(data: bytes) -> None:
        parsed, value = _json(data)
        if not parsed:
            return
        with contextlib.suppress(LibraryErrors):
            decode(value)

    return target


def _policy_target(data: bytes) -> None:
    with contextlib.suppress(LibraryErrors):
        iam.parse_policy(data)


#: Target name -> the function the fuzzer calls with raw bytes.
TARGETS: dict[str, Callable[[bytes], None]] = {
    **{name: _xml_target(decode) for name, decode in _XML_DECODERS.items()},
    **{name: _dict_target(decode) for name, decode in _DICT_DECODERS.items()},
    "policy": _policy_target,
}


def run_target(name: str, data: bytes) -> None:
    """Feed ``data`` to target ``name``; a crash propagates as its exception."""
    TARGETS[name](data)
