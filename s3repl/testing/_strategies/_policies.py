"""Strategies for IAM policy documents of every kind: identity, resource and trust.

Documents are built from :mod:`s3repl.iam` values, so each one is a policy IAM would
accept for its kind (no principal in identity policies, a principal in resource and
trust policies, no resources in trust policies).
"""

from __future__ import annotations

import functools
import string
from typing import Literal, TypeAlias

import attrs
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from s3repl import iam
from s3repl.model.names import DEFAULT_ACCOUNT
from s3repl.testing._strategies._configurations import _ROLE_ARNS
from s3repl.testing._strategies._values import account_ids, bucket_names

_PolicyKindName: TypeAlias = Literal["identity", "resource", "trust"]

_S3_ACTIONS = tuple(
    dict.fromkeys(
        (
            "s3:ReplicateObject",
            "s3:*",
            "*",
            "s3:Get*",
            "s3:Replicate*",
            *iam.REPLICATION_ROLE_ACTIONS,
            *iam.OPTIONAL_REPLICATION_ROLE_ACTIONS,
            *iam.REPLICATION_KMS_ACTIONS,
            "s3:PutObject",
            "s3:PutObjectRetention",
        )
    )
)
_TRUST_ACTIONS = ("sts:AssumeRole", "sts:TagSession", "sts:*")
# Condition operators s3repl evaluates, with the qualifiers it accepts; Bool and Null
# take "true" / "false" (Null has neither IfExists nor a set qualifier).
_STRING_OPERATORS = (
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "StringEqualsIgnoreCase",
    "ArnLike",
    "ArnEquals",
    "ArnNotLike",
    "StringEqualsIfExists",
    "ForAnyValue:StringEquals",
    "ForAllValues:StringLike",
)
_BOOLEAN_OPERATORS = ("Bool", "Null", "BoolIfExists")
_CONDITION_KEYS = (
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:PrincipalArn",
    "aws:SecureTransport",
    "s3:x-amz-acl",
    "s3:ExistingObjectTag/team",
)
_CONDITION_VALUE_CHARS = string.ascii_letters + string.digits + "-_.:/*?"
_SERVICES = (iam.S3_SERVICE_PRINCIPAL, iam.BATCH_OPERATIONS_SERVICE_PRINCIPAL, "ec2.amazonaws.com")
_SIDS = st.none() | st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=16)


def _resource_arns(bucket: str, prefix: str) -> tuple[str, ...]:
    return (
        "*",
        f"arn:aws:s3:::{bucket}",
        f"arn:aws:s3:::{bucket}/*",
        f"arn:aws:s3:::{bucket}/{prefix}*",
        f"arn:aws:kms:us-east-1:{DEFAULT_ACCOUNT}:key/*",
    )


_PATTERN_PREFIXES = st.text(alphabet=string.ascii_letters + string.digits + "/-_.", max_size=8)
_RESOURCES = st.builds(_resource_arns, bucket_names(), _PATTERN_PREFIXES).flatmap(
    lambda arns: st.lists(st.sampled_from(arns), min_size=1, max_size=3, unique=True)
)
_ACTION_LISTS = st.lists(st.sampled_from(_S3_ACTIONS), min_size=1, max_size=4, unique=True)
_TRUST_ACTION_LISTS = st.lists(st.sampled_from(_TRUST_ACTIONS), min_size=1, max_size=2, unique=True)
_CONDITIONS = st.one_of(
    st.builds(
        iam.Condition,
        operator=st.sampled_from(_STRING_OPERATORS),
        key=st.sampled_from(_CONDITION_KEYS),
        values=st.lists(st.text(_CONDITION_VALUE_CHARS, max_size=24), min_size=1, max_size=3),
    ),
    st.builds(
        iam.Condition,
        operator=st.sampled_from(_BOOLEAN_OPERATORS),
        key=st.sampled_from(_CONDITION_KEYS),
        values=st.sampled_from((("true",), ("false",))),
    ),
)
_CONDITION_LISTS = st.lists(_CONDITIONS, max_size=2, unique_by=lambda c: (c.operator, c.key))
_AWS_PRINCIPAL_ENTRIES = st.one_of(
    account_ids(),
    st.just("*"),
    st.builds(lambda a: f"arn:aws:iam::{a}:root", account_ids()),
    _ROLE_ARNS,
)
_AWS_PRINCIPALS = st.builds(
    iam.Principal,
    aws=st.lists(_AWS_PRINCIPAL_ENTRIES, min_size=1, max_size=2, unique=True).map(tuple),
)
_SERVICE_PRINCIPALS = st.builds(
    iam.Principal,
    service=st.lists(st.sampled_from(_SERVICES), min_size=1, max_size=2, unique=True).map(tuple),
)
_ANYONE = st.just(iam.Principal(anyone=True))
# Shrinking goes to the first branch: accounts for resource policies, and for trust
# policies the S3 service (a role that S3 may assume, R-006).
_RESOURCE_PRINCIPALS = st.one_of(_AWS_PRINCIPALS, _SERVICE_PRINCIPALS, _ANYONE)
_TRUST_PRINCIPALS = st.one_of(_SERVICE_PRINCIPALS, _AWS_PRINCIPALS, _ANYONE)
_EFFECTS = st.sampled_from((iam.Effect.ALLOW, iam.Effect.DENY))


@st.composite
def _statements(draw: st.DrawFn, kind: iam.PolicyKind) -> iam.Statement:
    effect = draw(_EFFECTS)
    sid = draw(_SIDS)
    conditions = tuple(draw(_CONDITION_LISTS))
    if kind is iam.PolicyKind.TRUST:
        # A principal, no NotPrincipal, no resource.
        return iam.Statement(
            effect=effect,
            sid=sid,
            principals=draw(_TRUST_PRINCIPALS),
            actions=tuple(draw(_TRUST_ACTION_LISTS)),
            conditions=conditions,
        )
    actions = tuple(draw(_ACTION_LISTS))
    resources = tuple(draw(_RESOURCES))
    negate_actions, negate_resources = draw(st.booleans()), draw(st.booleans())
    principals = not_principals = None
    if kind is iam.PolicyKind.RESOURCE:
        principal = draw(_RESOURCE_PRINCIPALS)
        # NotPrincipal only with Deny, as IAM advises (Allow + NotPrincipal grants almost all).
        if effect is iam.Effect.DENY and draw(st.booleans()):
            not_principals = principal
        else:
            principals = principal
    return iam.Statement(
        effect=effect,
        sid=sid,
        principals=principals,
        not_principals=not_principals,
        actions=None if negate_actions else actions,
        not_actions=actions if negate_actions else None,
        resources=None if negate_resources else resources,
        not_resources=resources if negate_resources else None,
        conditions=conditions,
    )


@st.composite
def _policies(draw: st.DrawFn, kind: iam.PolicyKind) -> iam.PolicyDocument:
    statements = draw(st.lists(_statements(kind), min_size=1, max_size=3))
    seen: set[str] = set()
    unique: list[iam.Statement] = []
    for statement in statements:
        if statement.sid is not None and statement.sid in seen:
            statement = attrs.evolve(statement, sid=None)  # Sids are unique per policy
        if statement.sid is not None:
            seen.add(statement.sid)
        unique.append(statement)
    version = draw(st.sampled_from((*iam.POLICY_VERSIONS, None)))
    policy_id = draw(_SIDS)
    return iam.PolicyDocument(statements=tuple(unique), version=version, id=policy_id)


@functools.cache
def _iam_policies(kind: iam.PolicyKind) -> st.SearchStrategy[iam.PolicyDocument]:
    return _policies(kind)


def iam_policies(
    *, kind: _PolicyKindName | iam.PolicyKind = "identity"
) -> st.SearchStrategy[iam.PolicyDocument]:
    """IAM policy documents of one kind that ``iam.parse_policy`` accepts.

    Statements allow or deny replication-related actions (and wildcards) on buckets,
    object prefixes and KMS keys, with the condition operators s3repl evaluates.
    Every document survives ``parse_policy(policy_to_dict(p), kind=kind) == p``.

    Args:
        kind: ``"identity"`` (a role's permissions: no principal), ``"resource"`` (a
            bucket or key policy: ``Principal``, or ``NotPrincipal`` in a ``Deny``) or
            ``"trust"`` (a role's trust policy: ``Principal``, no resource); or the
            :class:`~s3repl.iam.PolicyKind` itself.

    Returns:
        A strategy of :class:`~s3repl.iam.PolicyDocument`, shrinking towards one
        ``Allow`` statement without conditions. Whether a document allows
        replication is left to chance: use the engine's defaults (``create_role``
        with ``policy=None``) when you need one that does.

    Raises:
        hypothesis.errors.InvalidArgument: for an unknown ``kind``.
    """
    try:
        policy_kind = iam.PolicyKind(kind)
    except ValueError:
        msg = f"kind must be 'identity', 'resource' or 'trust', not {kind!r}"
        raise InvalidArgument(msg) from None
    return _iam_policies(policy_kind)
