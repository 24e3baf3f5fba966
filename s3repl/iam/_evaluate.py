"""Evaluation of policy documents: matching, conditions and the allow / deny decision.

Actions match case-insensitively and resources case-sensitively, both with the ``*``
and ``?`` wildcards; principals match by the rules of :func:`principal_matches`;
conditions by the operator table of :mod:`s3repl.iam._documents`.  :func:`evaluate`
applies the three rules of IAM (explicit deny, then allow, else implicit deny), and
:func:`evaluate_access` combines the identity and resource sides across accounts
(R-012).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping

from s3repl.iam._documents import (
    _ACCOUNT_RE,
    _ASSUMED_ROLE_RE,
    _ROLE_ARN_RE,
    _ROOT_ARN_RE,
    Condition,
    ContextValue,
    Decision,
    Effect,
    PolicyDocument,
    Principal,
    Request,
    Statement,
    _is_aws_identity,
    _parse_operator,
)

# --- matching -------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _glob(pattern: str, *, ignore_case: bool) -> re.Pattern[str]:
    """Compile an IAM wildcard pattern: ``*`` is any run of characters, ``?`` one."""
    parts = ("." if ch == "?" else ".*" if ch == "*" else re.escape(ch) for ch in pattern)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("".join(parts), flags)


def action_matches(pattern: str, action: str) -> bool:
    """Whether an ``Action`` pattern matches an action, case-insensitively.

    Args:
        pattern: e.g. ``"s3:Get*"``, ``"s3:*"``, ``"*"``.
        action: e.g. ``"s3:GetObjectVersionForReplication"``.
    """
    return _glob(pattern, ignore_case=True).fullmatch(action) is not None


def resource_matches(pattern: str, resource: str) -> bool:
    """Whether a ``Resource`` pattern matches a resource ARN, case-sensitively.

    The wildcards span the whole ARN (``arn:aws:s3:::*`` matches every bucket and
    object ARN).

    Args:
        pattern: e.g. ``"arn:aws:s3:::bucket/*"``.
        resource: e.g. ``"arn:aws:s3:::bucket/key"``.
    """
    return _glob(pattern, ignore_case=False).fullmatch(resource) is not None


def account_of(principal_arn: str) -> str | None:
    """Return the account id of an ARN (or of a bare account id), else ``None``.

    Args:
        principal_arn: e.g. ``"arn:aws:iam::111122223333:role/r"`` or ``"111122223333"``.

    Returns:
        ``"111122223333"`` for those; ``None`` for a service principal or an ARN
        without an account (such as an S3 bucket ARN).
    """
    if _ACCOUNT_RE.fullmatch(principal_arn):
        return principal_arn
    parts = principal_arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and _ACCOUNT_RE.fullmatch(parts[4]):
        return parts[4]
    return None


def _aws_entry_matches(entry: str, caller: str) -> bool:
    """Whether one ``{"AWS": entry}`` matches an AWS-identity caller."""
    if entry in ("*", caller):
        return True
    root = _ROOT_ARN_RE.fullmatch(entry)
    account = root.group(1) if root else entry if _ACCOUNT_RE.fullmatch(entry) else None
    if account is not None:
        return account_of(caller) == account
    # A role ARN also matches the role's sessions (arn:...:sts::acct:assumed-role/name/s).
    role = _ROLE_ARN_RE.fullmatch(entry)
    session = _ASSUMED_ROLE_RE.fullmatch(caller)
    return role is not None and session is not None and role.groups() == session.groups()


def principal_matches(principal: Principal, caller: str) -> bool:
    """Whether a ``Principal`` element names the caller.

    - ``"*"`` matches everyone, services included.
    - ``{"AWS": "*"}`` matches every AWS identity (an ARN or an account id), but not a
      service principal.
    - ``{"AWS": "123456789012"}`` or ``{"AWS": "arn:aws:iam::123456789012:root"}``
      matches every identity of that account.
    - Any other ARN matches exactly that caller; a role ARN also matches the role's
      ``assumed-role`` session ARNs.
    - ``Service``, ``Federated`` and ``CanonicalUser`` entries match the caller string
      exactly.

    Args:
        principal: the element.
        caller: the request's principal.
    """
    if principal.anyone:
        return True
    if caller in principal.service or caller in principal.federated:
        return True
    if caller in principal.canonical_user:
        return True
    return _is_aws_identity(caller) and any(_aws_entry_matches(e, caller) for e in principal.aws)


def _arn_like(pattern: str, value: str) -> bool:
    """``ArnLike`` / ``ArnEquals``: each of the six ARN components matched separately.

    When either side is not a six-component ARN, the whole strings are matched.
    """
    pattern_parts = pattern.split(":", 5)
    value_parts = value.split(":", 5)
    if len(pattern_parts) != 6 or len(value_parts) != 6:
        return resource_matches(pattern, value)
    return all(resource_matches(p, v) for p, v in zip(pattern_parts, value_parts, strict=True))


_MATCHERS: dict[str, Callable[[str, str], bool]] = {
    "equals": lambda pattern, value: pattern == value,
    "equals_ignore_case": lambda pattern, value: pattern.casefold() == value.casefold(),
    "like": resource_matches,
    "arn_like": _arn_like,
    "bool": lambda pattern, value: pattern.lower() == value.lower(),
}


def _condition_holds(condition: Condition, context: Mapping[str, tuple[str, ...]]) -> bool:
    """Whether one condition holds for a request context (keys already lower-cased).

    Rules (AWS IAM "condition operators" documentation):

    - ``Null``: ``"true"`` holds when the key is absent, ``"false"`` when present.
    - Key absent (or an empty list): ``...IfExists`` holds; ``ForAnyValue:`` does not;
      ``ForAllValues:`` holds; a plain negated operator (``StringNotEquals`` ...) holds;
      a plain positive operator does not.
    - ``ForAnyValue:`` / ``ForAllValues:``: some / every request value must satisfy the
      operator against the listed values (negated operators negate per value).
    - Plain operators on a multivalued key: the positive operator holds when any
      request value matches any listed value; the negated one holds when none does.
    """
    op = _parse_operator(condition.operator)
    assert op is not None  # Condition refuses unsupported operators when constructed
    present = context.get(condition.key.lower(), ())
    if op.matcher == "null":
        return any((v.lower() == "true") == (not present) for v in condition.values)
    if not present:
        if op.if_exists or op.set_prefix == "ForAllValues:":
            return True
        if op.set_prefix == "ForAnyValue:":
            return False
        return op.negated
    match = _MATCHERS[op.matcher]

    def satisfied(value: str) -> bool:
        return any(match(p, value) for p in condition.values) != op.negated

    if op.set_prefix == "ForAllValues:":
        return all(satisfied(v) for v in present)
    if op.set_prefix == "ForAnyValue:":
        return any(satisfied(v) for v in present)
    hit = any(match(p, v) for p in condition.values for v in present)
    return hit != op.negated


def _effective_context(request: Request) -> dict[str, tuple[str, ...]]:
    """Lower-cased request context, plus the principal keys AWS sets on every request.

    ``aws:PrincipalArn`` (for an ARN caller), ``aws:PrincipalAccount`` (when the caller
    has an account) and ``aws:PrincipalServiceName`` (for a service caller) are added
    unless the request's own context gives them.
    """
    context: dict[str, tuple[str, ...]] = {}
    caller = request.principal
    if caller.startswith("arn:"):
        context["aws:principalarn"] = (caller,)
    account = account_of(caller)
    if account is not None:
        context["aws:principalaccount"] = (account,)
    if not _is_aws_identity(caller):
        context["aws:principalservicename"] = (caller,)
    for key, value in request.context.items():
        context[key.lower()] = (value,) if isinstance(value, str) else value
    return context


def _statement_applies(
    statement: Statement, request: Request, context: Mapping[str, tuple[str, ...]]
) -> bool:
    if statement.principals is not None and not principal_matches(
        statement.principals, request.principal
    ):
        return False
    if statement.not_principals is not None and principal_matches(
        statement.not_principals, request.principal
    ):
        return False
    if statement.actions is not None:
        if not any(action_matches(p, request.action) for p in statement.actions):
            return False
    elif any(action_matches(p, request.action) for p in statement.not_actions or ()):
        return False
    if statement.resources is not None and not any(
        resource_matches(p, request.resource) for p in statement.resources
    ):
        return False
    if statement.not_resources is not None and any(
        resource_matches(p, request.resource) for p in statement.not_resources
    ):
        return False
    return all(_condition_holds(c, context) for c in statement.conditions)


# --- evaluation -----------------------------------------------------------------------


def evaluate(policies: Iterable[PolicyDocument], request: Request) -> Decision:
    """Evaluate policies for one request: explicit deny, then allow, else implicit deny.

    A statement applies when its principal part (if any), action part, resource part
    (if any) and every condition match.  Statements without ``Principal`` /
    ``NotPrincipal`` (identity policies) apply to every caller; statements without
    ``Resource`` / ``NotResource`` (trust policies) apply to every resource.

    Args:
        policies: the documents to consider together.
        request: the request.

    Returns:
        :attr:`Decision.EXPLICIT_DENY` if any applicable statement denies, else
        :attr:`Decision.ALLOW` if any allows, else :attr:`Decision.IMPLICIT_DENY`.
    """
    context = _effective_context(request)
    allowed = False
    for policy in policies:
        for statement in policy.statements:
            if not _statement_applies(statement, request, context):
                continue
            if statement.effect is Effect.DENY:
                return Decision.EXPLICIT_DENY
            allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def is_allowed(policies: Iterable[PolicyDocument], request: Request) -> bool:
    """Whether :func:`evaluate` gives :attr:`Decision.ALLOW`.

    Args:
        policies: the documents to consider together.
        request: the request.
    """
    return evaluate(policies, request) is Decision.ALLOW


def evaluate_access(
    *,
    principal: str,
    principal_account: str,
    resource_owner_account: str,
    identity_policies: Iterable[PolicyDocument],
    resource_policies: Iterable[PolicyDocument],
    action: str,
    resource: str,
    context: Mapping[str, ContextValue] | None = None,
) -> Decision:
    """Decide a request the way AWS combines identity and resource policies (R-012).

    - An explicit deny in either kind of policy wins (R-157, R-158).
    - Same account: allowed when the identity policies **or** the resource policies
      allow.
    - Different accounts: allowed only when the identity policies (the caller's
      account delegates) **and** the resource policies (the owner grants) both allow.

    s3repl does not model permission boundaries, SCPs or session policies, nor the
    finer rule that a same-account resource grant to the account root (rather than to
    the caller's ARN) still needs an identity grant.

    Args:
        principal: the caller's ARN (or a service principal).
        principal_account: the account the caller belongs to.
        resource_owner_account: the account that owns the resource.
        identity_policies: the caller's identity policies.
        resource_policies: the resource's policies (bucket policy, key policy).
        action: the action.
        resource: the resource ARN.
        context: condition keys for the request.

    Returns:
        The decision.
    """
    request = Request(principal=principal, action=action, resource=resource, context=context or {})
    identity = evaluate(identity_policies, request)
    resource_side = evaluate(resource_policies, request)
    if Decision.EXPLICIT_DENY in (identity, resource_side):
        return Decision.EXPLICIT_DENY
    if principal_account == resource_owner_account:
        allowed = Decision.ALLOW in (identity, resource_side)
    else:
        allowed = identity is Decision.ALLOW and resource_side is Decision.ALLOW
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY
