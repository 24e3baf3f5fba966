"""Terraform plans (``terraform show -json``) -> the world they describe (stub)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from s3repl.iac._draft import Draft
from s3repl.iac._limits import InfrastructureError
from s3repl.iac._yaml import LineMap

__all__ = ["read_plan"]


def read_plan(
    plan: Mapping[str, Any],
    lines: LineMap,
    *,
    file: str,
    account: str,
    region: str,
    region_given: bool,
) -> Draft:
    """Not yet: Terraform plans are the next stage."""
    msg = f"{file}: Terraform plans are not read yet"
    raise InfrastructureError(msg)
