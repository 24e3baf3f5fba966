"""IAM policy documents and their evaluation: allow, explicit deny, implicit deny.

Theory of operation
-------------------

Replication is an act of delegated permission.  Amazon S3 assumes the role named in
the replication configuration (the role's *trust policy* must let the service
principal ``s3.amazonaws.com`` call ``sts:AssumeRole``, SPEC R-006), then acts with the
role's *identity policy* (R-155, R-156) against the source and destination buckets,
whose *bucket policies* (resource policies) may add grants (R-012) or explicit denies
(R-157, R-158).  KMS key policies are resource policies too (R-014).  This module is
the small part of IAM that decides those questions, as pure functions over frozen
values.  It knows nothing about buckets or the engine.

1. **Parsing** (:func:`parse_policy`) turns JSON text, bytes or a mapping into a
   :class:`PolicyDocument`, normalising the shorthand forms of the policy grammar
   (a single string where a list is allowed, a single statement object where a list
   is allowed, ``true`` / numbers in condition values) into tuples of strings.  It
   refuses what IAM / S3 refuse with :class:`~s3repl.errors.MalformedPolicy`, whose
   message names the offending element (``Statement[1].Effect``; statements are
   numbered from 0).  The :class:`PolicyKind` adds the rules of one kind of policy:
   identity policies carry no principal, resource (bucket, key) policies must name one,
   trust policies must name one and may not name resources.  A condition operator
   s3repl cannot evaluate is refused with
   :class:`~s3repl.errors.UnsupportedConditionError`: a condition is never ignored.

2. **Matching.**  Actions match case-insensitively, resources (ARNs) case-sensitively;
   both accept the wildcards ``*`` (any run of characters) and ``?`` (one character).
   A :class:`Principal` matches a caller by the rules in :func:`principal_matches`
   (everyone, every AWS identity, an account, an exact ARN, a service).

3. **Conditions.**  Every condition of a statement must hold (AND); within one
   condition, the caller's value must match one of the listed values (OR).  Condition
   keys are case-insensitive.  The table ``_BASE_OPERATORS`` lists the operators
   s3repl evaluates, and ``_condition_holds`` holds the rules for a missing key,
   ``...IfExists`` and the ``ForAnyValue:`` / ``ForAllValues:`` set operators.

4. **Evaluation** (:func:`evaluate`): a statement *applies* to a :class:`Request` when
   its principal, action, resource and condition parts all match.  Rule 1: an
   applicable ``Deny`` statement anywhere gives :attr:`Decision.EXPLICIT_DENY`.  Rule 2:
   otherwise an applicable ``Allow`` gives :attr:`Decision.ALLOW`.  Rule 3: otherwise
   :attr:`Decision.IMPLICIT_DENY`.  A statement without a ``Principal`` element (all
   identity-policy statements) applies to every caller.

5. **Across accounts** (:func:`evaluate_access`, R-012): an explicit deny on either side
   wins; within one account either the identity side or the resource side may allow;
   across accounts both sides must allow.

Modelling choices that AWS documentation does not settle are listed in the docstrings
of the functions that make them.
"""

from __future__ import annotations

import enum
import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NoReturn, TypeAlias

import attrs

from s3repl.errors import MalformedPolicy, UnsupportedConditionError

__all__ = [
    "BATCH_OPERATIONS_SERVICE_PRINCIPAL",
    "INVALID_JSON_MESSAGE",
    "OPTIONAL_REPLICATION_ROLE_ACTIONS",
    "POLICY_VERSIONS",
    "REPLICATION_DESTINATION_BUCKET_ACTIONS",
    "REPLICATION_DESTINATION_OBJECT_ACTIONS",
    "REPLICATION_KMS_ACTIONS",
    "REPLICATION_ROLE_ACTIONS",
    "S3_SERVICE_PRINCIPAL",
    "SUPPORTED_CONDITION_OPERATORS",
    "Condition",
    "ContextValue",
    "Decision",
    "Effect",
    "PolicyDocument",
    "PolicyKind",
    "Principal",
    "Request",
    "Statement",
    "account_of",
    "action_matches",
    "allow_all_replication_policy",
    "can_assume",
    "destination_bucket_policy",
    "evaluate",
    "evaluate_access",
    "is_allowed",
    "parse_policy",
    "policy_to_dict",
    "principal_matches",
    "resource_matches",
    "s3_trust_policy",
]

# --- constants ------------------------------------------------------------------------

#: The policy language versions IAM and S3 accept in ``Version``.
POLICY_VERSIONS: tuple[str, ...] = ("2012-10-17", "2008-10-17")

#: The message S3 returns from PutBucketPolicy for a document that is not JSON.
INVALID_JSON_MESSAGE = "Policies must be valid JSON and the first byte must be '{'"

#: The service principal S3 uses to assume a replication role (R-006).
S3_SERVICE_PRINCIPAL = "s3.amazonaws.com"

#: The service principal S3 Batch Operations uses (Batch Replication, R-006).
BATCH_OPERATIONS_SERVICE_PRINCIPAL = "batchoperations.s3.amazonaws.com"

#: The minimal permissions of a replication role (R-155): source bucket, source
#: objects, destination objects, in the order the documentation lists them.
#: ``s3:GetObjectVersionForReplication`` rather than the older ``s3:GetObjectVersion``
#
REPLICATION_ROLE_ACTIONS: tuple[str, ...] = (
    "s3:GetReplicationConfiguration",
    "s3:ListBucket",
    "s3:GetObjectVersionForReplication",
    "s3:GetObjectVersionAcl",
    "s3:GetObjectVersionTagging",
    "s3:ReplicateObject",
    "s3:ReplicateDelete",
    "s3:ReplicateTags",
)

#: Role permissions needed only with some features: owner override (R-151), an Object
#: Lock source (R-010), and replicating a legal hold (R-158,
#: ``DstPutLegalHoldNotPermitted``).
OPTIONAL_REPLICATION_ROLE_ACTIONS: tuple[str, ...] = (
    "s3:ObjectOwnerOverrideToBucketOwner",
    "s3:GetObjectRetention",
    "s3:GetObjectLegalHold",
    "s3:PutObjectLegalHold",
)

#: KMS permissions of a role replicating encrypted objects (R-014, R-155).
REPLICATION_KMS_ACTIONS: tuple[str, ...] = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")

#: What a destination bucket policy grants on ``arn:aws:s3:::dest/*`` (R-012).
REPLICATION_DESTINATION_OBJECT_ACTIONS: tuple[str, ...] = (
    "s3:ReplicateObject",
    "s3:ReplicateDelete",
    "s3:ReplicateTags",
    "s3:ObjectOwnerOverrideToBucketOwner",
)

#: What a destination bucket policy grants on ``arn:aws:s3:::dest`` (R-012).
REPLICATION_DESTINATION_BUCKET_ACTIONS: tuple[str, ...] = (
    "s3:List*",
    "s3:GetBucketVersioning",
    "s3:PutBucketVersioning",
)


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
        return f'Resource {resource!r} must be in ARN format or "*"'
    return None


def _aws_principal_problem(value: str) -> str | None:
    """Return why ``value`` is not a valid ``{"AWS": ...}`` entry, or ``None``.

    IAM accepts ``"*"``, an account id or an ARN; a partial wildcard is refused.
    """
    if value == "*" or _ACCOUNT_RE.fullmatch(value):
        return None
    if value.startswith("arn:") and not _has_wildcard(value):
        return None
    return f"Invalid principal in policy: {value!r}"


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
            problem = f"Invalid principal in policy: {entry!r}"
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
        f"{where}: condition operator {operator!r} is not supported by s3repl "
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


def _check_actions(
    instance: Statement,
    attribute: attrs.Attribute[tuple[str, ...] | None],
    value: tuple[str, ...] | None,
) -> None:
    if value is None:
        return
    if not value:
        msg = f"{attribute.name}: must name at least one action"
        raise MalformedPolicy(msg, element="Action")
    for action in value:
        problem = _action_problem(action)
        if problem is not None:
            msg = f"{attribute.name}: {problem}"
            raise MalformedPolicy(msg, element="Action")


def _check_resources(
    instance: Statement,
    attribute: attrs.Attribute[tuple[str, ...] | None],
    value: tuple[str, ...] | None,
) -> None:
    if value is None:
        return
    if not value:
        msg = f"{attribute.name}: must name at least one resource"
        raise MalformedPolicy(msg, element="Resource")
    for resource in value:
        problem = _resource_problem(resource)
        if problem is not None:
            msg = f"{attribute.name}: {problem}"
            raise MalformedPolicy(msg, element="Resource")


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
        msg = f"Version: The policy must contain a valid version string (got {value!r})"
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


# --- parsing --------------------------------------------------------------------------

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

#: A check returning why an entry is invalid, or ``None``.
_Checker: TypeAlias = Callable[[object], "str | None"]


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
    except ValueError as err:
        raise MalformedPolicy(INVALID_JSON_MESSAGE) from err
    # The first byte is "{", so the JSON value is an object.
    return loaded  # type: ignore[no-any-return]


def _check_keys(raw: Mapping[Any, Any], allowed: tuple[str, ...], path: str) -> None:
    for key in raw:
        if key not in allowed:
            _fail(f"{path}.{key}" if path else str(key), f"Unknown field {key!r}")


def _string_list(raw: object, path: str, what: str) -> tuple[str, ...]:
    """A string or a non-empty list of strings, as a tuple."""
    if isinstance(raw, str):
        return (raw,)
    if not isinstance(raw, list | tuple) or not raw:
        _fail(path, f"must be a string or a non-empty list of {what}")
    for index, item in enumerate(raw):
        if not isinstance(item, str):
            _fail(f"{path}[{index}]", f"must be a string, not {item!r}")
    return tuple(raw)


def _parse_principal(raw: object, path: str) -> Principal:
    if raw == "*":
        return Principal(anyone=True)
    if not isinstance(raw, Mapping) or not raw:
        _fail(path, 'Invalid principal in policy: use "*" or a mapping such as {"AWS": ...}')
    fields: dict[str, tuple[str, ...]] = {}
    for kind, names in raw.items():
        if kind not in _PRINCIPAL_TYPES:
            _fail(f"{path}.{kind}", f"Invalid principal in policy: unknown type {kind!r}")
        entries = _string_list(names, f"{path}.{kind}", "principals")
        for index, entry in enumerate(entries):
            problem = _aws_principal_problem(entry) if kind == "AWS" else None
            if kind == "Service" and _has_wildcard(entry):
                problem = f"Invalid principal in policy: {entry!r}"
            if problem is not None:
                _fail(f"{path}.{kind}[{index}]", problem)
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
    _fail(path, f"condition values must be strings, booleans or numbers, not {raw!r}")


def _parse_conditions(raw: object, path: str, statement: str) -> tuple[Condition, ...]:
    if not isinstance(raw, Mapping):
        _fail(path, "must be a mapping of operator to {key: values}")
    conditions: list[Condition] = []
    for operator, block in raw.items():
        op_path = f"{path}.{operator}"
        op = _parse_operator(operator) if isinstance(operator, str) else None
        if op is None:
            msg = _unsupported_operator_message(str(operator), statement)
            raise UnsupportedConditionError(msg)
        if not isinstance(block, Mapping) or not block:
            _fail(op_path, "must be a non-empty mapping of condition key to values")
        for key, values in block.items():
            key_path = f"{op_path}.{key}"
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
        _fail(f"{path}.Effect", f'Invalid effect {effect_raw!r}: use "Allow" or "Deny"')
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
    statement_name = path if sid is None else f"{path} (Sid {sid!r})"
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
        _fail("Version", f"The policy must contain a valid version string (got {version!r})")
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


def can_assume(trust_policy: PolicyDocument, *, service: str = S3_SERVICE_PRINCIPAL) -> bool:
    """Whether a role's trust policy lets a service principal call ``sts:AssumeRole`` (R-006).

    Args:
        trust_policy: the role's trust policy.
        service: the service principal; Batch Replication uses
            :data:`BATCH_OPERATIONS_SERVICE_PRINCIPAL`.
    """
    request = Request(principal=service, action="sts:AssumeRole", resource="*")
    return is_allowed((trust_policy,), request)


# --- ready-made policies --------------------------------------------------------------


def allow_all_replication_policy() -> PolicyDocument:
    """A role policy allowing every replication permission on every resource.

    It allows :data:`REPLICATION_ROLE_ACTIONS` (R-155) and
    :data:`OPTIONAL_REPLICATION_ROLE_ACTIONS` on ``"*"``, and
    :data:`REPLICATION_KMS_ACTIONS` on ``"*"`` (R-014).
    """
    return PolicyDocument(
        version="2012-10-17",
        statements=(
            Statement(
                sid="AllowReplication",
                effect=Effect.ALLOW,
                actions=REPLICATION_ROLE_ACTIONS + OPTIONAL_REPLICATION_ROLE_ACTIONS,
                resources=("*",),
            ),
            Statement(
                sid="AllowReplicationKms",
                effect=Effect.ALLOW,
                actions=REPLICATION_KMS_ACTIONS,
                resources=("*",),
            ),
        ),
    )


def s3_trust_policy() -> PolicyDocument:
    """A trust policy letting S3 and S3 Batch Operations assume the role (R-006)."""
    return PolicyDocument(
        version="2012-10-17",
        statements=(
            Statement(
                effect=Effect.ALLOW,
                principals=Principal(
                    service=(S3_SERVICE_PRINCIPAL, BATCH_OPERATIONS_SERVICE_PRINCIPAL)
                ),
                actions=("sts:AssumeRole",),
            ),
        ),
    )


def destination_bucket_policy(
    bucket: str, *, principal: str, partition: str = "aws"
) -> PolicyDocument:
    """The bucket policy a destination owner adds for cross-account replication (R-012).

    It grants :data:`REPLICATION_DESTINATION_OBJECT_ACTIONS` on ``arn:aws:s3:::bucket/*``
    and :data:`REPLICATION_DESTINATION_BUCKET_ACTIONS` on ``arn:aws:s3:::bucket``.

    Args:
        bucket: the destination bucket name.
        principal: the source account id, its root ARN, or the replication role ARN.
        partition: the ARN partition of the bucket.
    """
    bucket_arn = f"arn:{partition}:s3:::{bucket}"
    grantee = Principal(aws=(principal,))
    return PolicyDocument(
        version="2012-10-17",
        statements=(
            Statement(
                sid="ReplicationObjects",
                effect=Effect.ALLOW,
                principals=grantee,
                actions=REPLICATION_DESTINATION_OBJECT_ACTIONS,
                resources=(f"{bucket_arn}/*",),
            ),
            Statement(
                sid="ReplicationBucket",
                effect=Effect.ALLOW,
                principals=grantee,
                actions=REPLICATION_DESTINATION_BUCKET_ACTIONS,
                resources=(bucket_arn,),
            ),
        ),
    )
