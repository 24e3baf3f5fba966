"""STS: GetCallerIdentity answers the calling account, as its root user."""

from __future__ import annotations

from typing import Any

from s3repl.aws._http import Caller
from s3repl.aws._operations._params import Params
from s3repl.aws._operations._state import BackendState, Handler
from s3repl.model.names import partition_of_region

__all__ = ["STS_OPERATIONS"]


def _get_caller_identity(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    del state, p
    partition = partition_of_region(caller.region).value
    return {
        "UserId": caller.account,
        "Account": caller.account,
        "Arn": f"arn:{partition}:iam::{caller.account}:root",
    }


STS_OPERATIONS: dict[str, Handler] = {"GetCallerIdentity": _get_caller_identity}
