"""Reading a replication configuration file the way S3 would receive it.

XML (the wire format) or JSON (what boto3 and ``aws s3api put-bucket-replication``
send, with or without the ``--cli-input-json`` wrapper), told apart by the first
character.  A configuration S3 would refuse to parse becomes the
:class:`~s3repl.validate.Problem` S3 answers with (``MalformedXML``, R-045); a file that
cannot be read or is neither XML nor a JSON object raises
:class:`~s3repl.cli._exit.UnusableInputError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

from s3repl.cli._exit import UnusableInputError
from s3repl.codec import replication_from_dict, replication_from_xml
from s3repl.errors import MalformedXML, S3Error
from s3repl.model import ReplicationConfiguration
from s3repl.validate import Problem

__all__ = ["DecodedConfig", "decode_config", "read_text"]

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
    problem: Problem | None = None
    bucket: str | None = None
    token: str | None = None


def read_text(path: str) -> str:
    """The file's text (UTF-8, a leading byte order mark dropped).

    Raises:
        UnusableInputError: the file cannot be read, or is not UTF-8.
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as err:
        msg = f"cannot read {path}: {err.strerror or err}"
        raise UnusableInputError(msg) from err
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        msg = f"{path} is not UTF-8 text: {err}"
        raise UnusableInputError(msg) from err


def _schema_problem(err: Exception) -> Problem:
    """A decoding error as the problem S3 answers with (``MalformedXML``, R-045)."""
    if isinstance(err, S3Error):
        # The codec refuses only what breaks the schema, so the requirement is R-045
        # whatever the code (today it is always MalformedXML).
        return Problem(code=err.code, message=err.message, requirement="R-045", element=err.element)
    message = f"{MalformedXML.DEFAULT_MESSAGE}: {err}"
    return Problem(code="MalformedXML", message=message, requirement="R-045")


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


def decode_config(path: str) -> DecodedConfig:
    """Read a configuration file, detecting XML or JSON by its first character."""
    text = read_text(path)
    stripped = text.lstrip()
    if stripped.startswith("<"):
        try:
            return DecodedConfig(format="XML", config=replication_from_xml(text))
        except (S3Error, ValueError, TypeError) as err:
            return DecodedConfig(format="XML", config=None, problem=_schema_problem(err))
    if not stripped.startswith(("{", "[")):
        msg = f"{path} is neither XML nor JSON (it should start with '<' or '{{')"
        raise UnusableInputError(msg)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        msg = f"{path} is not valid JSON: {err}"
        raise UnusableInputError(msg) from err
    if not isinstance(data, Mapping):
        msg = f"{path} must hold a JSON object (a ReplicationConfiguration)"
        raise UnusableInputError(msg)
    inner, bucket, token = _unwrap(data)
    try:
        config = replication_from_dict(inner)
    except (S3Error, ValueError, TypeError) as err:
        return DecodedConfig(
            format="JSON", config=None, problem=_schema_problem(err), bucket=bucket
        )
    return DecodedConfig(format="JSON", config=config, bucket=bucket, token=token)
