"""Reading a boto3-shaped parameter mapping, with AWS's error for a missing or mistyped one.

Why it is needed at all: boto3 validates parameters before sending, but requests that
reach the operations through the HTTP server come from any client, so every operation
reads its parameters through :class:`Params` and answers a bad one the way the service
does (S3 ``InvalidArgument``, IAM ``ValidationError``, KMS ``ValidationException``),
naming the parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from s3repl.aws._http import ServiceError

__all__ = ["Params"]

#: The code each service answers a missing or malformed parameter with.
_VALIDATION_CODES = {
    "s3": "InvalidArgument",
    "iam": "ValidationError",
    "kms": "ValidationException",
    "sts": "ValidationError",
    "s3control": "BadRequestException",
}


class Params:
    """One call's parameters, read by botocore member name.

    Args:
        values: the parameters as a boto3 client call takes them.
        service: the service (``"s3"``, ``"iam"``, ``"kms"``, ``"sts"``), for its
            validation error code.
    """

    def __init__(self, values: Mapping[str, Any], service: str) -> None:
        """Wrap ``values`` (not copied: the operations only read them)."""
        self._values = values
        self._code = _VALIDATION_CODES.get(service, "ValidationError")

    def invalid(self, name: str, reason: str) -> ServiceError:
        """The service's validation error for parameter ``name``."""
        return ServiceError(self._code, f"Invalid parameter {name}: {reason}", http_status=400)

    def raw(self, name: str) -> object:
        """Parameter ``name`` as given, or ``None`` (for members of more than one form)."""
        return self._values.get(name)

    def has(self, name: str) -> bool:
        """Whether parameter ``name`` was given (``None`` counts as absent)."""
        return self._values.get(name) is not None

    def _typed(self, name: str, kind: type | tuple[type, ...], what: str) -> Any:
        value = self._values.get(name)
        if value is not None and not isinstance(value, kind):
            raise self.invalid(name, f"expected {what}, got {type(value).__name__}")
        return value

    def text(self, name: str) -> str:
        """A required string parameter."""
        value = self.optional_text(name)
        if value is None:
            raise self.invalid(name, "missing required parameter")
        return value

    def optional_text(self, name: str) -> str | None:
        """A string parameter, or ``None``."""
        value: str | None = self._typed(name, str, "a string")
        return value

    def optional_int(self, name: str) -> int | None:
        """An integer parameter, or ``None``."""
        value = self._typed(name, int, "an integer")
        if isinstance(value, bool):
            raise self.invalid(name, "expected an integer, got bool")
        result: int | None = value
        return result

    def flag(self, name: str) -> bool:
        """A boolean parameter (absent is ``False``)."""
        return bool(self._typed(name, bool, "a boolean"))

    def blob(self, name: str) -> bytes:
        """A blob parameter as bytes (absent is empty; ``str`` is UTF-8, as botocore)."""
        value = self._typed(name, (bytes, bytearray, memoryview, str), "bytes")
        if value is None:
            return b""
        return value.encode("utf-8") if isinstance(value, str) else bytes(value)

    def optional_time(self, name: str) -> dt.datetime | None:
        """A timestamp parameter as an aware datetime, or ``None``."""
        value: dt.datetime | None = self._typed(name, dt.datetime, "a timestamp")
        if value is not None and value.tzinfo is None:
            raise self.invalid(name, "the timestamp must be timezone-aware")
        return value

    def mapping(self, name: str) -> Mapping[str, Any]:
        """A required structure parameter."""
        value = self.optional_mapping(name)
        if value is None:
            raise self.invalid(name, "missing required parameter")
        return value

    def optional_mapping(self, name: str) -> Mapping[str, Any] | None:
        """A structure (or map) parameter, or ``None``."""
        value: Mapping[str, Any] | None = self._typed(name, Mapping, "a structure")
        return value

    def string_map(self, name: str) -> dict[str, str] | None:
        """A map of strings to strings (``Metadata``), or ``None``."""
        value = self.optional_mapping(name)
        if value is None:
            return None
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise self.invalid(name, "keys and values must be strings")
        return dict(value)
