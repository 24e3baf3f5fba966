"""Limits on what a template or plan may be, and the error for a file that cannot be read.

Why these numbers: CloudFormation itself refuses templates over 1 MB (a template
uploaded through S3), so :data:`TEMPLATE_BYTES_MAX` is AWS's own limit.  Terraform
plans of large estates are bigger, so :data:`PLAN_BYTES_MAX` is generous but finite.
Nesting and the number of values visited are bounded as the S3 XML codec bounds its
documents, so that no input (YAML aliases included) can exhaust memory or the stack.
"""

from __future__ import annotations

from s3repl.errors import S3ReplError

__all__ = [
    "NESTING_MAX",
    "PLAN_BYTES_MAX",
    "TEMPLATE_BYTES_MAX",
    "VALUES_MAX",
    "InfrastructureError",
    "check_nesting",
]

#: Largest CloudFormation template read, in bytes of UTF-8 (AWS's limit: 1 MB).
TEMPLATE_BYTES_MAX = 1024 * 1024
#: Largest Terraform plan (``terraform show -json``) read, in bytes of UTF-8.
PLAN_BYTES_MAX = 64 * 1024 * 1024
#: Deepest nesting of mappings and lists accepted.
NESTING_MAX = 100
#: Most values the intrinsic resolver visits in one file (bounds YAML alias expansion).
VALUES_MAX = 500_000


class InfrastructureError(S3ReplError, ValueError):
    """A template or plan that cannot be read: the message is one line saying why."""


def check_nesting(data: object, name: str) -> None:
    """Refuse a parsed document nested deeper than :data:`NESTING_MAX` (iteratively).

    Args:
        data: the parsed JSON document.
        name: the file's name, for the message.

    Raises:
        InfrastructureError: the document nests too deeply.
    """
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > NESTING_MAX:
            msg = f"{name}: nested deeper than {NESTING_MAX} levels"
            raise InfrastructureError(msg)
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
