"""The IAM policy grammar as frozen values: documents, statements, principals, conditions.

A :class:`PolicyDocument` holds :class:`Statement` values that validate themselves
when built, so a document that exists is one IAM would accept.  The condition operator
grammar (``ForAnyValue:`` / ``ForAllValues:`` prefixes, the ``IfExists`` suffix, the
table of base operators) lives here because a :class:`Condition` refuses an operator
s3repl cannot evaluate; the evaluator in :mod:`s3repl.iam._evaluate` reads the same
table.  A :class:`Request` is what a caller asks, the input of evaluation.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TypeAlias

import attrs

from s3repl.errors import MalformedPolicy, UnsupportedConditionError
from s3repl.model.names import shown_name

#: The policy language versions IAM and S3 accept in ``Version``.
POLICY_VERSIONS: tuple[str, ...] = ("2012-10-17", "2008-10-17")

# --- enums ----------------------------------------------------------------------------


class _IamEnum(enum.Enum):
    """Base of this module's enums: the repr is valid Python (``Effect.ALLOW``)."""

    def __repr__(self) -> str:
        """Return ``ClassName.MEMBER``."""
        return f"{type(self).__name__}.{self.name}"


class Effect(_IamEnum):
    """A statement's ``Effect``; ``.value`` is the policy-language string."""

    ALLOW = "Allow"
    DENY = "Deny"


class Decision(_IamEnum):
    """The outcome of evaluating policies for a request.

    ``.value`` is the ``EvalDecision`` string of IAM's policy simulator.
    """

    ALLOW = "allowed"
    EXPLICIT_DENY = "explicitDeny"
    IMPLICIT_DENY = "implicitDeny"


class PolicyKind(_IamEnum):
    """Which kind of policy a document is, for the rules only that kind has."""

    #: Attached to a user or role: no ``Principal``; ``Resource`` required.
    IDENTITY = "identity"
    #: Attached to a resource (bucket policy, KMS key policy): ``Principal`` or
    #: ``NotPrincipal`` required; ``Resource`` required.
    RESOURCE = "resource"
    #: A role's trust (assume-role) policy: ``Principal`` required; no ``NotPrincipal``
    #: and no ``Resource``.
    TRUST = "trust"


# --- small converters and checks ------------------------------------------------------

_ACCOUNT_RE = re.compile(r"\d{12}")
_ROOT_ARN_RE = re.compile(r"arn:[^:]+:iam::(\d{12}):root")
_ROLE_ARN_RE = re.compile(r"arn:([^:]+):iam::(\d{12}):role/(?:.*/)?([^/]+)")
_ASSUMED_ROLE_RE = re.compile(r"arn:([^:]+):sts::(\d{12}):assumed-role/([^/]+)/[^/]+")
_ACTION_RE = re.compile(r"[A-Za-z0-9-]+:\S+")


def _strings(value: str | Iterable[str]) -> tuple[str, ...]:
    """Return ``value`` as a tuple, a single string becoming a 1-tuple."""
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _optional_strings(value: str | Iterable[str] | None) -> tuple[str, ...] | None:
    """Like :func:`_strings`, passing ``None`` (element absent) through."""
    return None if value is None else _strings(value)


def _is_aws_identity(caller: str) -> bool:
    """Whether ``caller`` is an AWS identity (an ARN or an account id), not a service."""
    return caller.startswith("arn:") or _ACCOUNT_RE.fullmatch(caller) is not None


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def _action_problem(action: object) -> str | None:
    """Return why ``action`` is not a valid ``Action`` entry, or ``None``."""
    if not isinstance(action, str) or not action:
        return "an action must be a non-empty string"
    if action != "*" and not _ACTION_RE.fullmatch(action):
        return "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
    return None


def _resource_problem(resource: object) -> str | None:
    """Return why ``resource`` is not a valid ``Resource`` entry, or ``None``."""
    if not isinstance(resource, str) or not (resource == "*" or resource.startswith("arn:")):
        return f'Resource {shown_name(resource)} must be in ARN format or "*"'
    return None


def _aws_principal_problem(value: str) -> str | None:
    """Return why ``value`` is not a valid ``{"AWS": ...}`` entry, or ``None``.

    IAM accepts ``"*"``, an account id or an ARN; a partial wildcard is refused.
    """
    if value == "*" or _ACCOUNT_RE.fullmatch(value):
        return None
    if value.startswith("arn:") and not _has_wildcard(value):
        return None
    return f"Invalid principal in policy: {shown_name(value)}"


# --- values ---------------------------------------------------------------------------

_OPTIONAL_STR = attrs.validators.optional(attrs.validators.instance_of(str))


def _check_principal_entries(
    instance: Principal, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]
) -> None:
    for entry in value:
        if not isinstance(entry, str) or not entry:
            msg = f"Principal {attribute.name}: entries must be non-empty strings"
            raise MalformedPolicy(msg, element="Principal")
        if attribute.name == "aws":
            problem = _aws_principal_problem(entry)
        elif attribute.name == "service" and _has_wildcard(entry):
            problem = f"Invalid principal in policy: {shown_name(entry)}"
        else:
            problem = None
        if problem is not None:
            raise MalformedPolicy(problem, element="Principal")


@attrs.frozen(kw_only=True)
class Principal:
    """The value of a ``Principal`` or ``NotPrincipal`` element.

    Either the bare ``"*"`` (``anyone=True``) or a mapping from principal type to
    names, one field per type the policy language knows.

    Attributes:
        anyone: the bare ``"*"`` form: every caller, AWS identities and services alike.
        aws: ``{"AWS": ...}``: ``"*"`` (every AWS identity), account ids, or ARNs.
        service: ``{"Service": ...}``: service principals such as ``s3.amazonaws.com``.
        federated: ``{"Federated": ...}``: identity providers.
        canonical_user: ``{"CanonicalUser": ...}``: S3 canonical user ids.
    """

    anyone: bool = False
    aws: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, validator=_check_principal_entries
    )
    service: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, validator=_check_principal_entries
    )
    federated: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, validator=_check_principal_entries
    )
    canonical_user: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, validator=_check_principal_entries
    )

    def __attrs_post_init__(self) -> None:
        named = self.aws or self.service or self.federated or self.canonical_user
        if self.anyone and named:
            msg = 'Principal: "*" cannot be combined with named principals'
            raise MalformedPolicy(msg, element="Principal")
        if not self.anyone and not named:
            msg = "Principal: must name at least one principal"
            raise MalformedPolicy(msg, element="Principal")


# (base operator name) -> (matcher name, negated). Matchers are in _MATCHERS below.
_BASE_OPERATORS: dict[str, tuple[str, bool]] = {
    "StringEquals": ("equals", False),
    "StringNotEquals": ("equals", True),
    "StringEqualsIgnoreCase": ("equals_ignore_case", False),
    "StringNotEqualsIgnoreCase": ("equals_ignore_case", True),
    "StringLike": ("like", False),
    "StringNotLike": ("like", True),
    "ArnEquals": ("arn_like", False),
    "ArnLike": ("arn_like", False),
    "ArnNotEquals": ("arn_like", True),
    "ArnNotLike": ("arn_like", True),
    "Bool": ("bool", False),
    "Null": ("null", False),
}

#: Every base condition operator s3repl evaluates. Each (except ``Null``) also accepts
#: the ``IfExists`` suffix and the ``ForAnyValue:`` / ``ForAllValues:`` prefixes.
SUPPORTED_CONDITION_OPERATORS: tuple[str, ...] = tuple(_BASE_OPERATORS)

_SET_PREFIXES = ("ForAnyValue:", "ForAllValues:")
_IF_EXISTS = "IfExists"


@attrs.frozen
class _Operator:
    """A condition operator taken apart: set prefix, base operator, ``IfExists``."""

    matcher: str
    negated: bool
    set_prefix: str | None
    if_exists: bool


@functools.lru_cache(maxsize=256)
def _parse_operator(name: str) -> _Operator | None:
    """Take a condition operator name apart; ``None`` if s3repl does not support it."""
    set_prefix = next((p for p in _SET_PREFIXES if name.startswith(p)), None)
    rest = name if set_prefix is None else name[len(set_prefix) :]
    if_exists = rest.endswith(_IF_EXISTS)
    base = rest[: -len(_IF_EXISTS)] if if_exists else rest
    if base not in _BASE_OPERATORS:
        return None
    matcher, negated = _BASE_OPERATORS[base]
    if matcher == "null" and (if_exists or set_prefix is not None):
        return None  # IAM has no NullIfExists and no set-qualified Null
    return _Operator(matcher=matcher, negated=negated, set_prefix=set_prefix, if_exists=if_exists)


def _unsupported_operator_message(operator: str, where: str) -> str:
    return (
        f"{where}: condition operator {shown_name(operator)} is not supported by s3repl "
        f"(supported: {', '.join(SUPPORTED_CONDITION_OPERATORS)}, with IfExists and "
        "ForAnyValue:/ForAllValues:); the policy is refused rather than the condition ignored"
    )


def _check_condition_values(
    instance: Condition, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]
) -> None:
    if not value:
        msg = f"Condition {instance.operator}.{instance.key}: must list at least one value"
        raise MalformedPolicy(msg, element="Condition")
    if not all(isinstance(v, str) for v in value):
        msg = f"Condition {instance.operator}.{instance.key}: values must be strings"
        raise MalformedPolicy(msg, element="Condition")


@attrs.frozen(kw_only=True)
class Condition:
    """One condition: an operator, a context key and the values it compares with.

    Attributes:
        operator: the operator as written, e.g. ``"StringLike"`` or
            ``"ForAnyValue:StringEqualsIfExists"``.
        key: the condition key as written, e.g. ``"aws:SourceAccount"`` (matched
            case-insensitively).
        values: the values; the caller's value must match one of them (OR).

    Raises:
        UnsupportedConditionError: for an operator s3repl does not evaluate.
        MalformedPolicy: for an empty key or value list, or a ``Bool`` / ``Null`` value
            other than ``"true"`` / ``"false"``.
    """

    operator: str = attrs.field(validator=attrs.validators.instance_of(str))
    key: str
    values: tuple[str, ...] = attrs.field(converter=_strings, validator=_check_condition_values)

    def __attrs_post_init__(self) -> None:
        op = _parse_operator(self.operator)
        if op is None:
            msg = _unsupported_operator_message(self.operator, "Condition")
            raise UnsupportedConditionError(msg)
        if not isinstance(self.key, str) or not self.key:
            msg = f"Condition {self.operator}: a condition key must be a non-empty string"
            raise MalformedPolicy(msg, element="Condition")
        if op.matcher in ("bool", "null") and any(
            v.lower() not in ("true", "false") for v in self.values
        ):
            msg = f'Condition {self.operator}.{self.key}: values must be "true" or "false"'
            raise MalformedPolicy(msg, element="Condition")


def _sorted_conditions(value: Iterable[Condition]) -> tuple[Condition, ...]:
    """Order conditions by (operator, key): they are ANDed, so order carries no meaning."""
    return tuple(sorted(value, key=lambda c: (c.operator, c.key)))


#: A check returning why an entry is invalid, or ``None``.
_Checker: TypeAlias = Callable[[object], "str | None"]

#: An attrs validator of a statement's optional tuple of patterns.
_PatternsValidator: TypeAlias = Callable[
    ["Statement", "attrs.Attribute[tuple[str, ...] | None]", "tuple[str, ...] | None"], None
]


def _patterns_check(what: str, element: str, problem_of: _Checker) -> _PatternsValidator:
    """An attrs validator for a statement's action or resource patterns (``None``: absent)."""

    def check(
        instance: Statement,
        attribute: attrs.Attribute[tuple[str, ...] | None],
        value: tuple[str, ...] | None,
    ) -> None:
        if value is None:
            return
        if not value:
            msg = f"{attribute.name}: must name at least one {what}"
            raise MalformedPolicy(msg, element=element)
        for pattern in value:
            problem = problem_of(pattern)
            if problem is not None:
                msg = f"{attribute.name}: {problem}"
                raise MalformedPolicy(msg, element=element)

    return check


_check_actions = _patterns_check("action", "Action", _action_problem)
_check_resources = _patterns_check("resource", "Resource", _resource_problem)


@attrs.frozen(kw_only=True)
class Statement:
    """One statement of a policy document.

    ``None`` means the element is absent (``principals=None``: no ``Principal``).
    Exactly one of ``actions`` / ``not_actions`` is set; at most one of each other pair.

    Attributes:
        effect: ``Allow`` or ``Deny``.
        sid: the statement id, or ``None``.
        principals: the ``Principal`` element, or ``None``.
        not_principals: the ``NotPrincipal`` element, or ``None``.
        actions: the ``Action`` patterns, or ``None``.
        not_actions: the ``NotAction`` patterns, or ``None``.
        resources: the ``Resource`` patterns, or ``None``.
        not_resources: the ``NotResource`` patterns, or ``None``.
        conditions: the conditions, all of which must hold, ordered by (operator, key).
    """

    effect: Effect = attrs.field(validator=attrs.validators.instance_of(Effect))
    sid: str | None = attrs.field(default=None, validator=_OPTIONAL_STR)
    principals: Principal | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(Principal))
    )
    not_principals: Principal | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(Principal))
    )
    actions: tuple[str, ...] | None = attrs.field(
        default=None, converter=_optional_strings, validator=_check_actions
    )
    not_actions: tuple[str, ...] | None = attrs.field(
        default=None, converter=_optional_strings, validator=_check_actions
    )
    resources: tuple[str, ...] | None = attrs.field(
        default=None, converter=_optional_strings, validator=_check_resources
    )
    not_resources: tuple[str, ...] | None = attrs.field(
        default=None, converter=_optional_strings, validator=_check_resources
    )
    conditions: tuple[Condition, ...] = attrs.field(default=(), converter=_sorted_conditions)

    def __attrs_post_init__(self) -> None:
        if (self.actions is None) == (self.not_actions is None):
            msg = "Statement must have exactly one of Action or NotAction"
            raise MalformedPolicy(msg, element="Action")
        if self.principals is not None and self.not_principals is not None:
            msg = "Statement cannot have both Principal and NotPrincipal"
            raise MalformedPolicy(msg, element="Principal")
        if self.resources is not None and self.not_resources is not None:
            msg = "Statement cannot have both Resource and NotResource"
            raise MalformedPolicy(msg, element="Resource")
        seen = {(c.operator, c.key) for c in self.conditions}
        if len(seen) != len(self.conditions):
            msg = "Condition: the same operator and key appear twice"
            raise MalformedPolicy(msg, element="Condition")


_DEFAULT_VERSION: str | None = "2012-10-17"


def _statement_tuple(value: Iterable[Statement]) -> tuple[Statement, ...]:
    return tuple(value)


def _check_version(
    instance: PolicyDocument, attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    if value is not None and value not in POLICY_VERSIONS:
        msg = f"Version: The policy must contain a valid version string (got {shown_name(value)})"
        raise MalformedPolicy(msg, element="Version")


@attrs.frozen(kw_only=True)
class PolicyDocument:
    """A parsed IAM policy document (identity, bucket, key or trust policy).

    Attributes:
        statements: the statements, in document order; at least one.
        version: ``"2012-10-17"``, ``"2008-10-17"``, or ``None`` when absent.
        id: the optional ``Id`` element.
    """

    statements: tuple[Statement, ...] = attrs.field(converter=_statement_tuple)
    version: str | None = attrs.field(default=_DEFAULT_VERSION, validator=_check_version)
    id: str | None = attrs.field(default=None, validator=_OPTIONAL_STR)

    def __attrs_post_init__(self) -> None:
        if not self.statements:
            msg = "Statement: a policy must contain at least one statement"
            raise MalformedPolicy(msg, element="Statement")
        sids = [s.sid for s in self.statements if s.sid is not None]
        if len(set(sids)) != len(sids):
            msg = "Statement IDs (SID) in a single policy must be unique"
            raise MalformedPolicy(msg, element="Statement")


ContextValue: TypeAlias = str | tuple[str, ...]


def _context_copy(value: Mapping[str, str | Iterable[str]]) -> dict[str, ContextValue]:
    return {str(k): (v if isinstance(v, str) else tuple(v)) for k, v in value.items()}


@attrs.frozen(kw_only=True)
class Request:
    """A request to authorise: who does what to which resource, with what context.

    Attributes:
        principal: the caller: an ARN (``arn:aws:iam::111122223333:role/r``), an account
            id, or a service principal (``s3.amazonaws.com``).
        action: the action, e.g. ``"s3:ReplicateObject"``.
        resource: the resource ARN, e.g. ``"arn:aws:s3:::dest/key"``.
        context: condition keys and their values (a string or a tuple for a
            multivalued key); keys are matched case-insensitively.
    """

    principal: str = attrs.field(validator=attrs.validators.instance_of(str))
    action: str = attrs.field(validator=attrs.validators.instance_of(str))
    resource: str = attrs.field(validator=attrs.validators.instance_of(str))
    context: Mapping[str, ContextValue] = attrs.field(
        factory=dict, converter=_context_copy, hash=False
    )
