"""Policy documents to and from JSON: :func:`parse_policy` and :func:`policy_to_dict`.

Parsing normalises the shorthand forms of the policy grammar (a single string or a
single statement where a list is allowed, ``true`` and numbers in condition values)
and refuses what IAM and S3 refuse with :class:`~s3repl.errors.MalformedPolicy`,
naming the offending element (``Statement[1].Effect``).  :func:`policy_to_dict` writes
the canonical JSON shape back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NoReturn

from s3repl.errors import MalformedPolicy, UnsupportedConditionError
from s3repl.iam._documents import (
    POLICY_VERSIONS,
    Condition,
    Effect,
    PolicyDocument,
    PolicyKind,
    Principal,
    Statement,
    _action_problem,
    _aws_principal_problem,
    _Checker,
    _has_wildcard,
    _parse_operator,
    _resource_problem,
    _unsupported_operator_message,
)
from s3repl.model.names import shown_name

#: The message S3 returns from PutBucketPolicy for a document that is not JSON.
INVALID_JSON_MESSAGE = "Policies must be valid JSON and the first byte must be '{'"


_TOP_LEVEL_KEYS = ("Version", "Id", "Statement")
_STATEMENT_KEYS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
_PRINCIPAL_TYPES = {
    "AWS": "aws",
    "Service": "service",
    "Federated": "federated",
    "CanonicalUser": "canonical_user",
}
_JSON_WHITESPACE = " \t\r\n"


def _key_name(key: object) -> str:
    """A mapping key as an element path shows it: a string or number as is, else its type.

    ``str()`` of a tuple nested a thousand deep raises ``RecursionError``.
    """
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, bool | int | float):
        return shown_name(key)
    return f"<{type(key).__name__}>"


def _fail(path: str, text: str) -> NoReturn:
    """Raise :class:`MalformedPolicy` naming the element at ``path``."""
    msg = f"{path}: {text}"
    raise MalformedPolicy(msg, element=path)


def _reject_constant(name: str) -> float:
    msg = f"{name} is not JSON"
    raise ValueError(msg)


def _load(document: str | bytes | Mapping[str, Any]) -> Mapping[Any, Any]:
    """Return the top-level mapping of a policy given as JSON text, bytes or a mapping."""
    if isinstance(document, Mapping):
        return document
    try:
        text = document.decode("utf-8") if isinstance(document, bytes) else document
    except UnicodeDecodeError as err:
        raise MalformedPolicy(INVALID_JSON_MESSAGE) from err
    if not text.lstrip(_JSON_WHITESPACE).startswith("{"):
        raise MalformedPolicy(INVALID_JSON_MESSAGE)
    try:
        loaded = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as err:  # RecursionError: nested too deeply
        raise MalformedPolicy(INVALID_JSON_MESSAGE) from err
    # The first byte is "{", so the JSON value is an object.
    return loaded  # type: ignore[no-any-return]


def _check_keys(raw: Mapping[Any, Any], allowed: tuple[str, ...], path: str) -> None:
    for key in raw:
        if key not in allowed:
            name = _key_name(key)
            _fail(f"{path}.{name}" if path else name, f"Unknown field {shown_name(key)}")


def _string_list(raw: object, path: str, what: str) -> tuple[str, ...]:
    """A string or a non-empty list of strings, as a tuple."""
    if isinstance(raw, str):
        return (raw,)
    if not isinstance(raw, list | tuple) or not raw:
        _fail(path, f"must be a string or a non-empty list of {what}")
    for index, item in enumerate(raw):
        if not isinstance(item, str):
            _fail(f"{path}[{index}]", f"must be a string, not {shown_name(item)}")
    return tuple(raw)


def _parse_principal(raw: object, path: str) -> Principal:
    if raw == "*":
        return Principal(anyone=True)
    if not isinstance(raw, Mapping) or not raw:
        _fail(path, 'Invalid principal in policy: use "*" or a mapping such as {"AWS": ...}')
    fields: dict[str, tuple[str, ...]] = {}
    for kind, names in raw.items():
        kind_path = f"{path}.{_key_name(kind)}"
        if kind not in _PRINCIPAL_TYPES:
            _fail(kind_path, f"Invalid principal in policy: unknown type {shown_name(kind)}")
        entries = _string_list(names, kind_path, "principals")
        for index, entry in enumerate(entries):
            problem = _aws_principal_problem(entry) if kind == "AWS" else None
            if kind == "Service" and _has_wildcard(entry):
                problem = f"Invalid principal in policy: {shown_name(entry)}"
            if problem is not None:
                _fail(f"{kind_path}[{index}]", problem)
        fields[_PRINCIPAL_TYPES[kind]] = entries
    return Principal(
        aws=fields.get("aws", ()),
        service=fields.get("service", ()),
        federated=fields.get("federated", ()),
        canonical_user=fields.get("canonical_user", ()),
    )


def _parse_patterns(raw: object, path: str, what: str, problem_of: _Checker) -> tuple[str, ...]:
    entries = _string_list(raw, path, what)
    for index, entry in enumerate(entries):
        problem = problem_of(entry)
        if problem is not None:
            _fail(path if isinstance(raw, str) else f"{path}[{index}]", problem)
    return entries


def _condition_value(raw: object, path: str) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int | float):
        return json.dumps(raw)
    _fail(path, f"condition values must be strings, booleans or numbers, not {shown_name(raw)}")


def _parse_conditions(raw: object, path: str, statement: str) -> tuple[Condition, ...]:
    if not isinstance(raw, Mapping):
        _fail(path, "must be a mapping of operator to {key: values}")
    conditions: list[Condition] = []
    for operator, block in raw.items():
        op_path = f"{path}.{_key_name(operator)}"
        op = _parse_operator(operator) if isinstance(operator, str) else None
        if op is None:
            msg = _unsupported_operator_message(_key_name(operator), statement)
            raise UnsupportedConditionError(msg)
        if not isinstance(block, Mapping) or not block:
            _fail(op_path, "must be a non-empty mapping of condition key to values")
        for key, values in block.items():
            key_path = f"{op_path}.{_key_name(key)}"
            if not isinstance(key, str) or not key:
                _fail(key_path, "a condition key must be a non-empty string")
            listed = values if isinstance(values, list | tuple) else [values]
            if not listed:
                _fail(key_path, "must list at least one value")
            strings = tuple(_condition_value(v, f"{key_path}[{i}]") for i, v in enumerate(listed))
            if op.matcher in ("bool", "null") and any(
                v.lower() not in ("true", "false") for v in strings
            ):
                _fail(key_path, 'values must be "true" or "false"')
            conditions.append(Condition(operator=operator, key=key, values=strings))
    return tuple(conditions)


def _exactly_one(raw: Mapping[Any, Any], first: str, second: str, path: str) -> None:
    if first in raw and second in raw:
        _fail(f"{path}.{second}", f"a statement cannot have both {first} and {second}")


def _parse_statement(raw: object, path: str, kind: PolicyKind | None) -> Statement:
    if not isinstance(raw, Mapping):
        _fail(path, "each statement must be a JSON object")
    _check_keys(raw, _STATEMENT_KEYS, path)
    # Effect
    if "Effect" not in raw:
        _fail(f"{path}.Effect", "Missing required field Effect")
    effect_raw = raw["Effect"]
    if effect_raw not in ("Allow", "Deny"):
        _fail(f"{path}.Effect", f'Invalid effect {shown_name(effect_raw)}: use "Allow" or "Deny"')
    # Sid
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        _fail(f"{path}.Sid", "Sid must be a string")
    # Principal / NotPrincipal
    _exactly_one(raw, "Principal", "NotPrincipal", path)
    has_principal = "Principal" in raw or "NotPrincipal" in raw
    if kind is PolicyKind.IDENTITY and has_principal:
        name = "Principal" if "Principal" in raw else "NotPrincipal"
        _fail(f"{path}.{name}", "Policy document should not specify a principal.")
    if kind is PolicyKind.RESOURCE and not has_principal:
        _fail(f"{path}.Principal", "Missing required field Principal")
    if kind is PolicyKind.TRUST:
        if "NotPrincipal" in raw:
            _fail(f"{path}.NotPrincipal", "Has prohibited field NotPrincipal")
        if "Principal" not in raw:
            _fail(f"{path}.Principal", "Missing required field Principal")
    principals = (
        _parse_principal(raw["Principal"], f"{path}.Principal") if "Principal" in raw else None
    )
    not_principals = (
        _parse_principal(raw["NotPrincipal"], f"{path}.NotPrincipal")
        if "NotPrincipal" in raw
        else None
    )
    # Action / NotAction
    _exactly_one(raw, "Action", "NotAction", path)
    if "Action" not in raw and "NotAction" not in raw:
        _fail(f"{path}.Action", "Missing required field Action (or NotAction)")
    actions = _optional_parse(raw, "Action", path, "actions", _action_problem)
    not_actions = _optional_parse(raw, "NotAction", path, "actions", _action_problem)
    # Resource / NotResource
    _exactly_one(raw, "Resource", "NotResource", path)
    has_resource = "Resource" in raw or "NotResource" in raw
    if kind in (PolicyKind.IDENTITY, PolicyKind.RESOURCE) and not has_resource:
        _fail(f"{path}.Resource", "Missing required field Resource (or NotResource)")
    if kind is PolicyKind.TRUST and has_resource:
        name = "Resource" if "Resource" in raw else "NotResource"
        _fail(f"{path}.{name}", f"Has prohibited field {name}")
    resources = _optional_parse(raw, "Resource", path, "resources", _resource_problem)
    not_resources = _optional_parse(raw, "NotResource", path, "resources", _resource_problem)
    # Condition
    statement_name = path if sid is None else f"{path} (Sid {shown_name(sid)})"
    conditions = (
        _parse_conditions(raw["Condition"], f"{path}.Condition", statement_name)
        if "Condition" in raw
        else ()
    )
    return Statement(
        sid=sid,
        effect=Effect(effect_raw),
        principals=principals,
        not_principals=not_principals,
        actions=actions,
        not_actions=not_actions,
        resources=resources,
        not_resources=not_resources,
        conditions=conditions,
    )


def _optional_parse(
    raw: Mapping[Any, Any], name: str, path: str, what: str, problem_of: _Checker
) -> tuple[str, ...] | None:
    if name not in raw:
        return None
    return _parse_patterns(raw[name], f"{path}.{name}", what, problem_of)


def parse_policy(
    document: str | bytes | Mapping[str, Any], *, kind: PolicyKind | None = None
) -> PolicyDocument:
    """Parse and validate a policy document the way IAM and S3 do.

    Single strings where the grammar allows lists become 1-tuples, a single statement
    object becomes a 1-tuple of statements, and condition values that are JSON
    booleans or numbers become strings (``true`` -> ``"true"``).

    Args:
        document: JSON text (``str`` or UTF-8 ``bytes``) or an already-decoded mapping.
        kind: the kind of policy, for its extra rules (see :class:`PolicyKind`);
            ``None`` checks only the grammar every kind shares (statement, effect,
            action, at most one of each ``Not`` pair).

    Returns:
        The parsed document.

    Raises:
        MalformedPolicy: the document is not JSON (with S3's message
            :data:`INVALID_JSON_MESSAGE`), or breaks a rule; the message and
            ``.element`` name the offending element, e.g. ``Statement[1].Effect``.
        UnsupportedConditionError: a condition uses an operator s3repl does not
            evaluate; the message names the operator and the statement.
    """
    raw = _load(document)
    _check_keys(raw, _TOP_LEVEL_KEYS, "")
    version = raw.get("Version")
    if version is not None and version not in POLICY_VERSIONS:
        _fail(
            "Version", f"The policy must contain a valid version string (got {shown_name(version)})"
        )
    policy_id = raw.get("Id")
    if policy_id is not None and not isinstance(policy_id, str):
        _fail("Id", "Id must be a string")
    if "Statement" not in raw:
        _fail("Statement", "Missing required field Statement")
    statements_raw = raw["Statement"]
    if isinstance(statements_raw, Mapping):
        statements_raw = [statements_raw]
    if not isinstance(statements_raw, list | tuple) or not statements_raw:
        _fail("Statement", "must be a statement or a non-empty list of statements")
    statements = tuple(
        _parse_statement(item, f"Statement[{index}]", kind)
        for index, item in enumerate(statements_raw)
    )
    seen: set[str] = set()
    for index, statement in enumerate(statements):
        if statement.sid is not None and statement.sid in seen:
            _fail(
                f"Statement[{index}].Sid", "Statement IDs (SID) in a single policy must be unique"
            )
        if statement.sid is not None:
            seen.add(statement.sid)
    return PolicyDocument(version=version, id=policy_id, statements=statements)


def _principal_to_json(principal: Principal) -> str | dict[str, list[str]]:
    if principal.anyone:
        return "*"
    fields = {
        "AWS": principal.aws,
        "Service": principal.service,
        "Federated": principal.federated,
        "CanonicalUser": principal.canonical_user,
    }
    return {name: list(values) for name, values in fields.items() if values}


def policy_to_dict(document: PolicyDocument) -> dict[str, Any]:
    """Return the canonical JSON-shaped form of a policy document.

    Lists are always lists (never the single-string shorthand), absent elements are
    left out, and conditions are grouped by operator in (operator, key) order, so
    ``parse_policy(policy_to_dict(p)) == p`` for every document ``p``, and
    ``json.dumps`` of the result is valid policy text.

    Args:
        document: the policy.

    Returns:
        A fresh ``dict`` the caller may mutate.
    """
    out: dict[str, Any] = {}
    if document.version is not None:
        out["Version"] = document.version
    if document.id is not None:
        out["Id"] = document.id
    statements: list[dict[str, Any]] = []
    for statement in document.statements:
        item: dict[str, Any] = {}
        if statement.sid is not None:
            item["Sid"] = statement.sid
        item["Effect"] = statement.effect.value
        if statement.principals is not None:
            item["Principal"] = _principal_to_json(statement.principals)
        if statement.not_principals is not None:
            item["NotPrincipal"] = _principal_to_json(statement.not_principals)
        for name, values in (
            ("Action", statement.actions),
            ("NotAction", statement.not_actions),
            ("Resource", statement.resources),
            ("NotResource", statement.not_resources),
        ):
            if values is not None:
                item[name] = list(values)
        if statement.conditions:
            blocks: dict[str, dict[str, list[str]]] = {}
            for condition in statement.conditions:
                blocks.setdefault(condition.operator, {})[condition.key] = list(condition.values)
            item["Condition"] = blocks
        statements.append(item)
    out["Statement"] = statements
    return out
