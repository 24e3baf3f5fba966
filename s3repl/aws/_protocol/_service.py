"""Service models (loaded once per process), the parsed request, the shared validation error.

The validation error is the one the query and JSON protocols answer for missing
required members.

Why a module-level cache: a service model is immutable data that takes botocore tens
of milliseconds to load; every request of every mock and server reads the same one.
"""

from __future__ import annotations

import functools
from typing import Any

import attrs
from botocore.loaders import Loader
from botocore.model import ServiceModel

from s3repl.aws._http import ServiceError

__all__ = ["SUPPORTED_SERVICES", "ParsedRequest", "load_service", "missing_members_error"]

#: The services whose models s3repl serves.
SUPPORTED_SERVICES = ("iam", "kms", "s3", "s3control", "sts")


@attrs.frozen(kw_only=True)
class ParsedRequest:
    """One request, read through its service model.

    Attributes:
        operation: the operation's name in the model (``"PutObject"``).
        params: exactly the keyword arguments a boto3 client call would take:
            input-shape member names; blobs as ``bytes``, timestamps as aware
            ``datetime`` values, integers, booleans, floats, lists and dicts.
    """

    operation: str
    params: dict[str, Any]


@functools.cache
def _loader() -> Loader:
    return Loader()


@functools.cache
def load_service(name: str) -> ServiceModel:
    """The botocore service model of ``name`` (``"s3"``, ``"iam"``, ``"kms"``, ``"sts"``).

    Loaded with botocore's own loader once per process, newest API version.

    Raises:
        ValueError: ``name`` is not one of :data:`SUPPORTED_SERVICES`.
    """
    if name not in SUPPORTED_SERVICES:
        msg = f"s3repl serves {', '.join(SUPPORTED_SERVICES)}, not {name!r}"
        raise ValueError(msg)
    data = _loader().load_service_model(name, "service-2")
    return ServiceModel(data, service_name=name)


def missing_members_error(names: list[str], code: str) -> ServiceError:
    """AWS's validation error for required members ``names`` that were not sent."""
    problems = [
        f"Value null at '{name[:1].lower() + name[1:]}' failed to satisfy constraint: "
        "Member must not be null"
        for name in names
    ]
    count = len(problems)
    return ServiceError(
        code,
        f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(problems),
    )
