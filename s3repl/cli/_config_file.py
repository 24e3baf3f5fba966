"""Reading a replication configuration file the way S3 would receive it.

XML (the wire format) or JSON (what boto3 and ``aws s3api put-bucket-replication``
send, with or without the ``--cli-input-json`` wrapper), told apart by the first
character.  A configuration S3 would refuse to parse becomes the
:class:`~s3repl.validate.Problem` S3 answers with (``MalformedXML``, R-045); a file that
cannot be read or is neither XML nor a JSON object raises
:class:`~s3repl.cli._exit.UnusableInputError`.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Mapping
from typing import Any

import attrs

from s3repl._worldfile import STDIN
from s3repl.cli._exit import UnusableInputError
from s3repl.codec import MAX_DOCUMENT_BYTES, replication_from_dict, replication_from_xml
from s3repl.errors import S3Error
from s3repl.iac._limits import PLAN_BYTES_MAX
from s3repl.model import ReplicationConfiguration
from s3repl.validate import Problem, undecodable_problems

__all__ = ["INPUT_BYTES_MAX", "DecodedConfig", "check_json_size", "decode_config", "read_text"]

#: Largest input file read at all: a Terraform plan may be this large; a replication
#: configuration in JSON is refused over 2 MB before it is parsed (R-020).
INPUT_BYTES_MAX = PLAN_BYTES_MAX

#: Keys of the ``aws s3api put-bucket-replication --cli-input-json`` wrapper.
_CLI_INPUT_KEYS = frozenset(
    {
        "Bucket",
        "ReplicationConfiguration",
        "Token",
        "ExpectedBucketOwner",
        "ChecksumAlgorithm",
        "ContentMD5",
    }
)


@attrs.frozen(kw_only=True)
class DecodedConfig:
    """A configuration file, decoded: the configuration, or the problem S3 would answer."""

    format: str
    config: ReplicationConfiguration | None
    #: What S3 would answer when ``config`` is ``None`` (every problem found at once).
    problems: tuple[Problem, ...] = ()
    bucket: str | None = None
    token: str | None = None


def read_text(path: str, *, limit: int = INPUT_BYTES_MAX, infrastructure: bool = True) -> str:
    """The file's text (UTF-8, a leading byte order mark dropped); ``-`` is standard input.

    At most ``limit`` bytes are read: a larger input is refused unread. A JSON input
    over 2 MB that cannot be a template or plan is refused after its first 2 MB, so
    a 50 MB JSON file costs no more than a 2 MB one (see :func:`check_json_size`).

    Raises:
        UnusableInputError: the file cannot be read, is larger than ``limit`` (or is
            JSON over 2 MB), or is not UTF-8.
    """
    name = "standard input" if path == STDIN else path
    try:
        with contextlib.ExitStack() as stack:
            handle = sys.stdin.buffer if path == STDIN else stack.enter_context(open(path, "rb"))
            raw = handle.read(MAX_DOCUMENT_BYTES + 1)
            if len(raw) > MAX_DOCUMENT_BYTES:
                head = raw.decode("utf-8", "replace").removeprefix("\ufeff")
                check_json_size(name, head, infrastructure=infrastructure)
                raw += handle.read(limit + 1 - len(raw))
    except OSError as err:
        msg = f"cannot read {name}: {err.strerror or err}"
        raise UnusableInputError(msg) from err
    if len(raw) > limit:
        msg = f"{name} is larger than {limit // (1024 * 1024)} MB"
        raise UnusableInputError(msg)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        msg = f"{name} is not UTF-8 text: {err}"
        raise UnusableInputError(msg) from err


def _unwrap(data: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None, str | None]:
    """Strip the ``--cli-input-json`` wrapper (``{"Bucket", "ReplicationConfiguration"}``)."""
    inner = data.get("ReplicationConfiguration")
    if isinstance(inner, Mapping) and set(data) <= _CLI_INPUT_KEYS:
        bucket = data.get("Bucket")
        token = data.get("Token")
        return (
            inner,
            bucket if isinstance(bucket, str) else None,
            token if isinstance(token, str) else None,
        )
    return data, None, None


#: Keys only a CloudFormation template or a Terraform plan has at its top level.
_INFRASTRUCTURE_MARKERS = ('"AWSTemplateFormatVersion"', '"Resources"', '"format_version"')


def check_json_size(name: str, text: str, *, infrastructure: bool = False) -> None:
    """Refuse a JSON configuration over 2 MB (R-020) before anything parses it.

    Args:
        name: the input's name, for the message.
        text: the input.
        infrastructure: whether a template or plan is possible here; then a large
            text that names one of their top-level keys is let through (a plan may
            be far larger; :mod:`s3repl.iac` bounds those itself).

    Raises:
        UnusableInputError: the text is JSON, larger than 2 MB, and not possibly a
            template or plan.
    """
    if not text.lstrip().startswith(("{", "[")):
        return
    if len(text) <= MAX_DOCUMENT_BYTES // 4 or len(text.encode("utf-8", "replace")) <= (
        MAX_DOCUMENT_BYTES
    ):
        return
    if infrastructure and any(marker in text for marker in _INFRASTRUCTURE_MARKERS):
        return
    msg = (
        f"{name} is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB, the most a "
        "replication configuration may be (R-020)"
    )
    raise UnusableInputError(msg)


def decode_config(path: str, text: str | None = None) -> DecodedConfig:
    """Decode a configuration file, detecting XML or JSON by its first character.

    Args:
        path: the file's name (``-``: standard input), for messages.
        text: the file's text when already read (standard input is read once);
            ``None`` reads ``path``.

    Raises:
        UnusableInputError: the file cannot be read, is neither XML nor a JSON object,
            is JSON over 2 MB (R-020, checked before parsing, as for XML), or nests
            deeper than the JSON parser can follow.
    """
    name = "standard input" if path == STDIN else path
    if text is None:
        text = read_text(path, infrastructure=False)
    stripped = text.lstrip()
    if stripped.startswith("<"):
        try:
            return DecodedConfig(format="XML", config=replication_from_xml(text))
        except S3Error as err:
            return DecodedConfig(format="XML", config=None, problems=undecodable_problems(err))
    if not stripped.startswith(("{", "[")):
        msg = f"{name} is neither XML nor JSON (it should start with '<' or '{{')"
        raise UnusableInputError(msg)
    check_json_size(name, text)
    try:
        data = json.loads(text)
    except ValueError as err:  # JSONDecodeError, or an integer over 4,300 digits
        msg = f"{name} is not valid JSON: {err}"
        raise UnusableInputError(msg) from err
    except RecursionError as err:
        msg = f"{name} nests too deeply to be a replication configuration"
        raise UnusableInputError(msg) from err
    if not isinstance(data, Mapping):
        msg = f"{name} must hold a JSON object (a ReplicationConfiguration)"
        raise UnusableInputError(msg)
    inner, bucket, token = _unwrap(data)
    try:
        config = replication_from_dict(inner)
    except S3Error as err:
        return DecodedConfig(
            format="JSON", config=None, problems=undecodable_problems(err, inner), bucket=bucket
        )
    return DecodedConfig(format="JSON", config=config, bucket=bucket, token=token)
