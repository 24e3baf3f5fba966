"""KMS keys: CreateKey, DescribeKey, DisableKey, EnableKey, ScheduleKeyDeletion.

Only symmetric customer-managed keys exist in the engine (what S3 encryption uses);
asking for another kind of key is answered ``NotImplemented`` rather than faked.
Keys are created in the caller's region and account; a bare key id names a key
there, as KMS resolves it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from s3repl.aws._http import Caller, ServiceError
from s3repl.aws._operations._params import Params
from s3repl.aws._operations._state import BackendState, Handler
from s3repl.engine import EPOCH
from s3repl.model.names import partition_of_region
from s3repl.world import KmsKey

__all__ = ["KMS_OPERATIONS"]

_SYMMETRIC = "SYMMETRIC_DEFAULT"
# CreateKey parameters and the only value each may take in s3repl.
_ONLY_VALUES = {
    "KeyUsage": "ENCRYPT_DECRYPT",
    "KeySpec": _SYMMETRIC,
    "CustomerMasterKeySpec": _SYMMETRIC,
    "Origin": "AWS_KMS",
}
#: ScheduleKeyDeletion's waiting period, in days.
PENDING_WINDOW_DAYS = (7, 30)


def _arn(p: Params, caller: Caller) -> str:
    key_id = p.text("KeyId")
    if key_id.startswith("arn:"):
        return key_id
    if key_id.startswith("alias/"):
        msg = f"Alias arn:aws:kms:{caller.region}:{caller.account}:{key_id} is not found."
        raise ServiceError("NotFoundException", msg)
    partition = partition_of_region(caller.region).value
    return f"arn:{partition}:kms:{caller.region}:{caller.account}:key/{key_id}"


def _state_of(state: BackendState, key: KmsKey) -> str:
    if key.pending_deletion:
        return "PendingDeletion"
    return "Enabled" if key.enabled else "Disabled"


def _metadata(state: BackendState, key: KmsKey) -> dict[str, Any]:
    out: dict[str, Any] = {
        "AWSAccountId": key.account,
        "KeyId": key.arn.rsplit("/", 1)[-1],
        "Arn": key.arn,
        "CreationDate": state.key_created.get(key.arn, EPOCH),
        "Enabled": key.usable,
        "Description": state.key_descriptions.get(key.arn, ""),
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": _state_of(state, key),
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "CustomerMasterKeySpec": _SYMMETRIC,
        "KeySpec": _SYMMETRIC,
        "EncryptionAlgorithms": [_SYMMETRIC],
        "MultiRegion": False,
    }
    deletion = state.key_deletions.get(key.arn)
    if deletion is not None:
        out["DeletionDate"], out["PendingDeletionWindowInDays"] = deletion
    return out


def _create_key(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    for name, only in _ONLY_VALUES.items():
        value = p.optional_text(name)
        if value not in (None, only):
            msg = f"s3repl models only {only} keys, not {name}={value}"
            raise ServiceError("NotImplemented", msg, http_status=501)
    if p.flag("MultiRegion"):
        raise ServiceError(
            "NotImplemented", "s3repl does not model multi-Region keys", http_status=501
        )
    arn = state.engine.create_kms_key(
        region=caller.region, account=caller.account, policy=p.optional_text("Policy")
    )
    state.key_created[arn] = state.engine.now
    state.key_descriptions[arn] = p.optional_text("Description") or ""
    return {"KeyMetadata": _metadata(state, state.engine.describe_kms_key(arn))}


def _describe_key(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    key = state.engine.describe_kms_key(_arn(p, caller), account=caller.account)
    return {"KeyMetadata": _metadata(state, key)}


def _changeable(state: BackendState, p: Params, caller: Caller) -> KmsKey:
    """The key a state change names, refused while it waits for deletion."""
    key = state.engine.describe_kms_key(_arn(p, caller), account=caller.account)
    if key.pending_deletion:
        raise ServiceError("KMSInvalidStateException", f"{key.arn} is pending deletion.")
    return key


def _disable_key(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    key = _changeable(state, p, caller)
    state.engine.disable_kms_key(key.arn, account=caller.account)
    return {}


def _enable_key(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    key = _changeable(state, p, caller)
    state.engine.enable_kms_key(key.arn, account=caller.account)
    return {}


def _schedule_key_deletion(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    key = _changeable(state, p, caller)
    days = p.optional_int("PendingWindowInDays")
    days = PENDING_WINDOW_DAYS[1] if days is None else days
    low, high = PENDING_WINDOW_DAYS
    if not low <= days <= high:
        msg = (
            f"1 validation error detected: Value '{days}' at 'pendingWindowInDays' failed to "
            f"satisfy constraint: Member must have value less than or equal to {high} and "
            f"greater than or equal to {low}"
        )
        raise ServiceError("ValidationException", msg)
    state.engine.schedule_key_deletion(key.arn, account=caller.account)
    deletion_date = state.engine.now + dt.timedelta(days=days)
    state.key_deletions[key.arn] = (deletion_date, days)
    return {
        "KeyId": key.arn,
        "DeletionDate": deletion_date,
        "KeyState": "PendingDeletion",
        "PendingWindowInDays": days,
    }


KMS_OPERATIONS: dict[str, Handler] = {
    "CreateKey": _create_key,
    "DescribeKey": _describe_key,
    "DisableKey": _disable_key,
    "EnableKey": _enable_key,
    "ScheduleKeyDeletion": _schedule_key_deletion,
}
