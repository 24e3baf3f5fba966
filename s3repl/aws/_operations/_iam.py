"""IAM roles: CreateRole, GetRole, DeleteRole, PutRolePolicy, DeleteRolePolicy.

The engine keeps one permission policy per role and whether S3 may assume it (R-006).
IAM's named inline policies are kept here (``RoleRecord``) and handed to the engine
as one document holding all their statements; a role without inline policies gets a
document that grants nothing replication uses, as a new IAM role has no permissions.

Policy documents in outputs are the JSON text as given (IAM's ``policyDocumentType``
is a string; botocore decodes it after parsing the response).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import attrs

from s3repl import iam
from s3repl.aws._http import Caller, ServiceError
from s3repl.aws._operations._params import Params
from s3repl.aws._operations._state import BackendState, Handler, RoleRecord
from s3repl.engine import EPOCH
from s3repl.errors import NoSuchEntity
from s3repl.model.names import partition_of_region

__all__ = ["IAM_OPERATIONS"]

_NAME = re.compile(r"[\w+=,.@-]{1,64}")
_POLICY_NAME = re.compile(r"[\w+=,.@-]{1,128}")
_PATH = re.compile(r"/|/[\x21-\x7e]{1,510}/")
# IAM's unique ids: a four-letter kind (AROA: role) and 17 upper-case letters or digits.
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
#: A role's ``MaxSessionDuration`` bounds, in seconds (the lower is the default).
SESSION_SECONDS = (3600, 43200)
#: A new role's permissions: nothing that replication (or anything else) needs.
_NO_PERMISSIONS = iam.PolicyDocument(
    statements=(
        iam.Statement(
            effect=iam.Effect.ALLOW, actions=("sts:GetCallerIdentity",), resources=("*",)
        ),
    )
)


def _role_id(arn: str) -> str:
    digest = hashlib.sha256(arn.encode()).digest()
    return "AROA" + "".join(_ID_ALPHABET[byte % 32] for byte in digest[:17])


def _checked(p: Params, name: str, pattern: re.Pattern[str]) -> str:
    value = p.text(name)
    if pattern.fullmatch(value) is None:
        raise ServiceError(
            "ValidationError",
            f"1 validation error detected: Value '{value}' at '{name[0].lower()}{name[1:]}' "
            f"failed to satisfy constraint: Member must satisfy regular expression pattern: "
            f"{pattern.pattern}",
        )
    return value


def _arn(caller: Caller, path: str, name: str) -> str:
    return f"arn:{partition_of_region(caller.region).value}:iam::{caller.account}:role{path}{name}"


def _find(state: BackendState, caller: Caller, name: str) -> RoleRecord | None:
    """The caller's role called ``name`` (role names are unique per account, any path)."""
    for record in state.roles.values():
        if record.name == name and record.arn.split(":")[4] == caller.account:
            return record
    arn = _arn(caller, "/", name)
    try:  # a role made through the engine's own API, at path "/"
        role = state.engine.get_role(arn, account=caller.account)
    except NoSuchEntity:
        return None
    trust = json.dumps(iam.policy_to_dict(role.trust_policy))
    return RoleRecord(
        arn=arn, name=name, path="/", role_id=_role_id(arn), create_date=EPOCH,
        trust_document=trust,
    )  # fmt: skip


def _record(state: BackendState, caller: Caller, name: str) -> RoleRecord:
    record = _find(state, caller, name)
    if record is None:
        msg = f"The role with name {name} cannot be found."
        raise ServiceError("NoSuchEntity", msg, http_status=404)
    return record


def _role_output(record: RoleRecord, *, details: bool) -> dict[str, Any]:
    """IAM's ``Role``; ``details`` adds what only GetRole answers.

    GetRole answers ``MaxSessionDuration`` and ``RoleLastUsed`` (empty until the role
    is used; the engine records no use), CreateRole does not (IAM API reference, the
    GetRole and CreateRole examples).
    """
    out: dict[str, Any] = {
        "Path": record.path,
        "RoleName": record.name,
        "RoleId": record.role_id,
        "Arn": record.arn,
        "CreateDate": record.create_date,
        "AssumeRolePolicyDocument": record.trust_document,
    }
    if record.description is not None:
        out["Description"] = record.description
    if details:
        out["MaxSessionDuration"] = record.max_session_duration_seconds
        out["RoleLastUsed"] = {}
    return out


def _max_session_duration(p: Params) -> int:
    """``MaxSessionDuration``: one to twelve hours, one hour when not given."""
    seconds = p.optional_int("MaxSessionDuration")
    if seconds is None:
        return SESSION_SECONDS[0]
    low, high = SESSION_SECONDS
    if not low <= seconds <= high:
        bound = (
            f"greater than or equal to {low}" if seconds < low else f"less than or equal to {high}"
        )
        raise ServiceError(
            "ValidationError",
            f"1 validation error detected: Value '{seconds}' at 'maxSessionDuration' failed "
            f"to satisfy constraint: Member must have value {bound}",
        )
    return seconds


def _create_role(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    if p.has("PermissionsBoundary"):
        msg = "s3repl does not model permissions boundaries"
        raise ServiceError("NotImplemented", msg, http_status=501)
    name = _checked(p, "RoleName", _NAME)
    path = _checked(p, "Path", _PATH) if p.has("Path") else "/"
    trust_text = p.text("AssumeRolePolicyDocument")
    max_session = _max_session_duration(p)
    trust = iam.parse_policy(trust_text, kind=iam.PolicyKind.TRUST)
    if _find(state, caller, name) is not None:
        msg = f"Role with name {name} already exists."
        raise ServiceError("EntityAlreadyExists", msg, http_status=409)
    arn = _arn(caller, path, name)
    state.engine.create_role(
        arn, policy=_NO_PERMISSIONS, trusted=iam.can_assume(trust), account=caller.account
    )
    record = RoleRecord(
        arn=arn,
        name=name,
        path=path,
        role_id=_role_id(arn),
        create_date=state.engine.now,
        trust_document=trust_text,
        description=p.optional_text("Description"),
        max_session_duration_seconds=max_session,
    )
    state.roles[arn] = record
    return {"Role": _role_output(record, details=False)}


def _get_role(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    return {"Role": _role_output(_record(state, caller, p.text("RoleName")), details=True)}


def _delete_role(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    record = _record(state, caller, p.text("RoleName"))
    if record.inline_policies:
        msg = "Cannot delete entity, must delete policies first."
        raise ServiceError("DeleteConflict", msg, http_status=409)
    state.engine.delete_role(record.arn, account=caller.account)
    state.roles.pop(record.arn, None)
    return {}


def _combined(policies: tuple[tuple[str, str], ...]) -> iam.PolicyDocument:
    """One document holding every inline policy's statements (ids dropped: they may clash)."""
    statements = tuple(
        attrs.evolve(statement, sid=None)
        for _, text in policies
        for statement in iam.parse_policy(text, kind=iam.PolicyKind.IDENTITY).statements
    )
    return iam.PolicyDocument(statements=statements) if statements else _NO_PERMISSIONS


def _set_inline(
    state: BackendState, record: RoleRecord, caller: Caller, policies: tuple[tuple[str, str], ...]
) -> None:
    state.engine.put_role_policy(record.arn, _combined(policies), account=caller.account)
    state.roles[record.arn] = attrs.evolve(record, inline_policies=policies)


def _put_role_policy(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    record = _record(state, caller, p.text("RoleName"))
    name = _checked(p, "PolicyName", _POLICY_NAME)
    text = p.text("PolicyDocument")
    iam.parse_policy(text, kind=iam.PolicyKind.IDENTITY)  # MalformedPolicyDocument first
    kept = tuple(entry for entry in record.inline_policies if entry[0] != name)
    _set_inline(state, record, caller, (*kept, (name, text)))
    return {}


def _delete_role_policy(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    record = _record(state, caller, p.text("RoleName"))
    name = p.text("PolicyName")
    kept = tuple(entry for entry in record.inline_policies if entry[0] != name)
    if len(kept) == len(record.inline_policies):
        msg = f"The role policy with name {name} cannot be found."
        raise ServiceError("NoSuchEntity", msg, http_status=404)
    _set_inline(state, record, caller, kept)
    return {}


IAM_OPERATIONS: dict[str, Handler] = {
    "CreateRole": _create_role,
    "GetRole": _get_role,
    "DeleteRole": _delete_role,
    "PutRolePolicy": _put_role_policy,
    "DeleteRolePolicy": _delete_role_policy,
}
