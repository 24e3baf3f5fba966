"""Tests for s3repl.iam: parsing, matching, conditions and evaluation of IAM policies.

Each test's docstring names the behaviour it pins down and the SPEC requirement
(R-006 trust, R-007 configuration-API permissions, R-012 cross-account, R-014 KMS,
R-155/R-156 role actions, R-157 ReplicateTags, R-158 explicit deny).
"""

from __future__ import annotations

import json
import string
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3repl import iam
from s3repl.errors import MalformedPolicy, UnsupportedConditionError
from s3repl.iam import (
    Condition,
    Decision,
    Effect,
    PolicyDocument,
    PolicyKind,
    Principal,
    Request,
    Statement,
)

ROLE = "arn:aws:iam::111122223333:role/replication"
OTHER_ROLE = "arn:aws:iam::111122223333:role/other"
FOREIGN_ROLE = "arn:aws:iam::444455556666:role/replication"
SRC_ACCOUNT = "111122223333"
DST_ACCOUNT = "444455556666"
DEST_OBJECT = "arn:aws:s3:::dest/key.txt"
DEST_BUCKET = "arn:aws:s3:::dest"

_DROP = object()


def statement(**changes: Any) -> dict[str, Any]:
    """A valid resource-policy statement dict, with keys changed or (``_DROP``) removed."""
    base: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": SRC_ACCOUNT},
        "Action": "s3:ReplicateObject",
        "Resource": "arn:aws:s3:::dest/*",
    }
    for key, value in changes.items():
        if value is _DROP:
            base.pop(key, None)
        else:
            base[key] = value
    return base


def doc(*statements: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements), **top}


def allow(
    actions: str | tuple[str, ...],
    resources: str | tuple[str, ...] = "*",
    **fields: Any,
) -> Statement:
    return Statement(effect=Effect.ALLOW, actions=actions, resources=resources, **fields)


def deny(
    actions: str | tuple[str, ...],
    resources: str | tuple[str, ...] = "*",
    **fields: Any,
) -> Statement:
    return Statement(effect=Effect.DENY, actions=actions, resources=resources, **fields)


def policy(*statements: Statement) -> PolicyDocument:
    return PolicyDocument(statements=statements)


def req(
    action: str = "s3:ReplicateObject",
    resource: str = DEST_OBJECT,
    principal: str = ROLE,
    **context: str | tuple[str, ...],
) -> Request:
    return Request(principal=principal, action=action, resource=resource, context=context)


# --- parsing: accepted shapes ------------------------------------------------------------


def test_parse_normalises_shorthand_forms() -> None:
    """Single strings, a single statement object and JSON booleans/numbers in conditions
    become tuples of strings (the policy grammar's shorthand; R-012 policies use it)."""
    parsed = iam.parse_policy(
        {
            "Version": "2012-10-17",
            "Id": "dest-policy",
            "Statement": {
                "Sid": "Replicate",
                "Effect": "Allow",
                "Principal": {"AWS": ROLE, "Service": ["s3.amazonaws.com"]},
                "Action": "s3:ReplicateObject",
                "Resource": ["arn:aws:s3:::dest/*"],
                "Condition": {
                    "Bool": {"aws:SecureTransport": True},
                    "StringEquals": {"s3:max-keys": 10, "aws:Ratio": 0.5, "x:F": False},
                },
            },
        },
        kind=PolicyKind.RESOURCE,
    )
    assert parsed == PolicyDocument(
        version="2012-10-17",
        id="dest-policy",
        statements=(
            Statement(
                sid="Replicate",
                effect=Effect.ALLOW,
                principals=Principal(aws=(ROLE,), service=("s3.amazonaws.com",)),
                actions=("s3:ReplicateObject",),
                resources=("arn:aws:s3:::dest/*",),
                conditions=(
                    Condition(operator="Bool", key="aws:SecureTransport", values=("true",)),
                    Condition(operator="StringEquals", key="aws:Ratio", values=("0.5",)),
                    Condition(operator="StringEquals", key="s3:max-keys", values=("10",)),
                    Condition(operator="StringEquals", key="x:F", values=("false",)),
                ),
            ),
        ),
    )


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(json.dumps(doc(statement())), id="str"),
        pytest.param(json.dumps(doc(statement())).encode(), id="bytes"),
        pytest.param("\n\t " + json.dumps(doc(statement())), id="leading-whitespace"),
    ],
)
def test_parse_accepts_json_text_and_bytes(text: str | bytes) -> None:
    """PutBucketPolicy bodies arrive as JSON text or UTF-8 bytes; both parse alike."""
    assert iam.parse_policy(text) == iam.parse_policy(doc(statement()))


@pytest.mark.parametrize(
    ("version", "expected"),
    [("2012-10-17", "2012-10-17"), ("2008-10-17", "2008-10-17"), (_DROP, None)],
)
def test_parse_version(version: object, expected: str | None) -> None:
    """Version is optional; when present it must be one of the two IAM language versions."""
    raw = doc(statement())
    if version is _DROP:
        del raw["Version"]
    else:
        raw["Version"] = version
    assert iam.parse_policy(raw).version == expected


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        pytest.param(doc(statement(Principal=_DROP)), PolicyKind.IDENTITY, id="identity"),
        pytest.param(doc(statement()), PolicyKind.RESOURCE, id="resource-principal"),
        pytest.param(
            doc(statement(Principal=_DROP, NotPrincipal={"AWS": ROLE})),
            PolicyKind.RESOURCE,
            id="resource-notprincipal",
        ),
        pytest.param(
            doc(statement(Resource=_DROP, Principal={"Service": "s3.amazonaws.com"})),
            PolicyKind.TRUST,
            id="trust",
        ),
        pytest.param(doc(statement(Resource=_DROP, Principal=_DROP)), None, id="no-kind"),
    ],
)
def test_parse_accepts_each_kind(raw: dict[str, Any], kind: PolicyKind | None) -> None:
    """Each kind accepts its shape: identity (no principal, R-155), bucket policy
    (principal, R-012), trust policy (principal, no resource, R-006)."""
    assert isinstance(iam.parse_policy(raw, kind=kind), PolicyDocument)


# --- parsing: refusals ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("not json", id="text"),
        pytest.param("[1]", id="array"),
        pytest.param('{"Statement": ', id="truncated"),
        pytest.param('{"Statement": NaN}', id="nan"),
        pytest.param(b"\xff{", id="not-utf8"),
        pytest.param(b'\xef\xbb\xbf{"Statement": []}', id="bom"),
    ],
)
def test_parse_refuses_invalid_json_with_s3_message(text: str | bytes) -> None:
    """A body that is not a JSON object gets S3's PutBucketPolicy message verbatim."""
    with pytest.raises(MalformedPolicy) as info:
        iam.parse_policy(text)
    assert info.value.message == iam.INVALID_JSON_MESSAGE
    assert info.value.message == "Policies must be valid JSON and the first byte must be '{'"


_MALFORMED = [
    # (document, kind, element, message fragment)
    ({"Statement": [statement()], "Foo": 1}, None, "Foo", "Unknown field"),
    (doc(statement(), Version="2010-01-01"), None, "Version", "valid version string"),
    (doc(statement(), Version=2012), None, "Version", "valid version string"),
    (doc(statement(), Id=5), None, "Id", "Id must be a string"),
    ({"Version": "2012-10-17"}, None, "Statement", "Missing required field Statement"),
    ({"Statement": []}, None, "Statement", "non-empty list"),
    ({"Statement": "Allow"}, None, "Statement", "non-empty list"),
    ({"Statement": ["Allow"]}, None, "Statement[0]", "must be a JSON object"),
    (doc(statement(Effect2="Allow")), None, "Statement[0].Effect2", "Unknown field"),
    (doc(statement(effect="Allow")), None, "Statement[0].effect", "Unknown field"),
    (doc(statement(Effect=_DROP)), None, "Statement[0].Effect", "Missing required field Effect"),
    (doc(statement(), statement(Effect="allow")), None, "Statement[1].Effect", "Invalid effect"),
    (doc(statement(Effect=True)), None, "Statement[0].Effect", "Invalid effect"),
    (doc(statement(Sid=1)), None, "Statement[0].Sid", "Sid must be a string"),
    (
        doc(statement(Sid="a"), statement(Sid="b"), statement(Sid="a")),
        None,
        "Statement[2].Sid",
        "must be unique",
    ),
    (
        doc(statement(NotPrincipal={"AWS": ROLE})),
        None,
        "Statement[0].NotPrincipal",
        "both Principal and NotPrincipal",
    ),
    (doc(statement()), PolicyKind.IDENTITY, "Statement[0].Principal", "should not specify"),
    (
        doc(statement(Principal=_DROP, NotPrincipal="*")),
        PolicyKind.IDENTITY,
        "Statement[0].NotPrincipal",
        "should not specify",
    ),
    (
        doc(statement(Principal=_DROP)),
        PolicyKind.RESOURCE,
        "Statement[0].Principal",
        "Missing required field Principal",
    ),
    (
        doc(statement(Resource=_DROP, Principal=_DROP, NotPrincipal="*")),
        PolicyKind.TRUST,
        "Statement[0].NotPrincipal",
        "prohibited field NotPrincipal",
    ),
    (
        doc(statement(Resource=_DROP, Principal=_DROP)),
        PolicyKind.TRUST,
        "Statement[0].Principal",
        "Missing required field Principal",
    ),
    (doc(statement(Principal=ROLE)), None, "Statement[0].Principal", "Invalid principal"),
    (doc(statement(Principal={})), None, "Statement[0].Principal", "Invalid principal"),
    (doc(statement(Principal=["*"])), None, "Statement[0].Principal", "Invalid principal"),
    (
        doc(statement(Principal={"User": ROLE})),
        None,
        "Statement[0].Principal.User",
        "unknown type",
    ),
    (doc(statement(Principal={"AWS": []})), None, "Statement[0].Principal.AWS", "non-empty"),
    (doc(statement(Principal={"AWS": 12})), None, "Statement[0].Principal.AWS", "non-empty"),
    (
        doc(statement(Principal={"AWS": [ROLE, 7]})),
        None,
        "Statement[0].Principal.AWS[1]",
        "must be a string",
    ),
    (
        doc(statement(Principal={"AWS": [ROLE, "arn:aws:iam::111122223333:role/*"]})),
        None,
        "Statement[0].Principal.AWS[1]",
        "Invalid principal",
    ),
    (
        doc(statement(Principal={"AWS": "alice"})),
        None,
        "Statement[0].Principal.AWS[0]",
        "Invalid principal",
    ),
    (
        doc(statement(Principal={"Service": "*.amazonaws.com"})),
        None,
        "Statement[0].Principal.Service[0]",
        "Invalid principal",
    ),
    (
        doc(statement(NotAction="s3:GetObject")),
        None,
        "Statement[0].NotAction",
        "both Action and NotAction",
    ),
    (doc(statement(Action=_DROP)), None, "Statement[0].Action", "Missing required field Action"),
    (doc(statement(Action=[])), None, "Statement[0].Action", "non-empty list of actions"),
    (doc(statement(Action="GetObject")), None, "Statement[0].Action", "prefaced by a vendor"),
    (
        doc(statement(Action=["s3:GetObject", "s3:"])),
        None,
        "Statement[0].Action[1]",
        "prefaced by a vendor",
    ),
    (doc(statement(Action="")), None, "Statement[0].Action", "non-empty string"),
    (
        doc(statement(Action=_DROP, NotAction=[None])),
        None,
        "Statement[0].NotAction[0]",
        "must be a string",
    ),
    (
        doc(statement(NotResource="arn:aws:s3:::x")),
        None,
        "Statement[0].NotResource",
        "both Resource and NotResource",
    ),
    (
        doc(statement(Resource=_DROP)),
        PolicyKind.RESOURCE,
        "Statement[0].Resource",
        "Missing required field Resource",
    ),
    (
        doc(statement(Resource=_DROP, Principal=_DROP)),
        PolicyKind.IDENTITY,
        "Statement[0].Resource",
        "Missing required field Resource",
    ),
    (doc(statement()), PolicyKind.TRUST, "Statement[0].Resource", "prohibited field Resource"),
    (
        doc(statement(Resource=_DROP, NotResource="*")),
        PolicyKind.TRUST,
        "Statement[0].NotResource",
        "prohibited field NotResource",
    ),
    (doc(statement(Resource="dest/*")), None, "Statement[0].Resource", "ARN format"),
    (
        doc(statement(Resource=["*", "dest"])),
        None,
        "Statement[0].Resource[1]",
        "ARN format",
    ),
    (
        doc(statement(Condition=["StringEquals"])),
        None,
        "Statement[0].Condition",
        "must be a mapping",
    ),
    (
        doc(statement(Condition={"StringEquals": {}})),
        None,
        "Statement[0].Condition.StringEquals",
        "non-empty mapping",
    ),
    (
        doc(statement(Condition={"StringEquals": "x"})),
        None,
        "Statement[0].Condition.StringEquals",
        "non-empty mapping",
    ),
    (
        doc(statement(Condition={"StringEquals": {"": "x"}})),
        None,
        "Statement[0].Condition.StringEquals.",
        "condition key",
    ),
    (
        doc(statement(Condition={"StringEquals": {"aws:SourceAccount": []}})),
        None,
        "Statement[0].Condition.StringEquals.aws:SourceAccount",
        "at least one value",
    ),
    (
        doc(statement(Condition={"StringEquals": {"aws:SourceAccount": ["1", {"a": 1}]}})),
        None,
        "Statement[0].Condition.StringEquals.aws:SourceAccount[1]",
        "strings, booleans or numbers",
    ),
    (
        doc(statement(Condition={"Bool": {"aws:SecureTransport": "yes"}})),
        None,
        "Statement[0].Condition.Bool.aws:SecureTransport",
        '"true" or "false"',
    ),
    (
        doc(statement(Condition={"Null": {"s3:x-amz-server-side-encryption": "1"}})),
        None,
        "Statement[0].Condition.Null.s3:x-amz-server-side-encryption",
        '"true" or "false"',
    ),
]


@pytest.mark.parametrize(("raw", "kind", "element", "fragment"), _MALFORMED)
def test_parse_refuses_malformed_policies_naming_the_element(
    raw: dict[str, Any], kind: PolicyKind | None, element: str, fragment: str
) -> None:
    """Every IAM/S3 grammar rule is enforced, and the error names the offending element
    (so a refused bucket policy, R-012, or role policy, R-155, is easy to fix)."""
    with pytest.raises(MalformedPolicy) as info:
        iam.parse_policy(raw, kind=kind)
    assert info.value.element == element
    assert info.value.message.startswith(element + ": ")
    assert fragment in info.value.message
    assert info.value.code == "MalformedPolicy"
    assert info.value.http_status == 400


@pytest.mark.parametrize(
    "operator",
    [
        "IpAddress",
        "NotIpAddress",
        "NumericEquals",
        "DateLessThan",
        "BinaryEquals",
        "stringequals",
        "NullIfExists",
        "ForAnyValue:Null",
        "ForAnyValue:NumericLessThan",
        "IfExists",
    ],
)
def test_unsupported_condition_operator_is_refused(operator: str) -> None:
    """A condition operator s3repl cannot evaluate is refused, naming the operator and the
    statement, never silently ignored (an ignored Deny condition would flip R-158)."""
    raw = doc(
        statement(),
        statement(Sid="DenyInsecure", Effect="Deny", Condition={operator: {"aws:x": "1"}}),
    )
    with pytest.raises(UnsupportedConditionError) as info:
        iam.parse_policy(raw)
    assert repr(operator) in str(info.value)
    assert "Statement[1] (Sid 'DenyInsecure')" in str(info.value)


def test_unsupported_condition_operator_without_sid_names_the_index() -> None:
    """The statement is named by its index when it has no Sid."""
    raw = {"Statement": [statement(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})]}
    with pytest.raises(UnsupportedConditionError, match=r"Statement\[0\]: condition operator"):
        iam.parse_policy(raw)


def test_unsupported_condition_operator_that_is_not_a_string() -> None:
    """A non-string operator in a mapping input is refused as unsupported too."""
    raw = {"Statement": [statement(Condition={3: {"aws:x": "1"}})]}
    with pytest.raises(UnsupportedConditionError, match="'3'"):
        iam.parse_policy(raw)


# --- values refuse invalid states ----------------------------------------------------------

_INVALID_VALUES = [
    pytest.param(lambda: Principal(), MalformedPolicy, id="principal-empty"),
    pytest.param(lambda: Principal(anyone=True, aws=ROLE), MalformedPolicy, id="principal-both"),
    pytest.param(lambda: Principal(aws=("",)), MalformedPolicy, id="principal-empty-entry"),
    pytest.param(lambda: Principal(aws="arn:aws:iam::1:role/*"), MalformedPolicy, id="aws-wild"),
    pytest.param(lambda: Principal(service="*"), MalformedPolicy, id="service-wild"),
    pytest.param(
        lambda: Condition(operator="IpAddress", key="aws:SourceIp", values="10.0.0.1"),
        UnsupportedConditionError,
        id="condition-operator",
    ),
    pytest.param(
        lambda: Condition(operator="StringEquals", key="k", values=()),
        MalformedPolicy,
        id="condition-no-values",
    ),
    pytest.param(
        lambda: Condition(operator="StringEquals", key="k", values=(1,)),
        MalformedPolicy,
        id="condition-non-string",
    ),
    pytest.param(
        lambda: Condition(operator="StringEquals", key="", values="x"),
        MalformedPolicy,
        id="condition-empty-key",
    ),
    pytest.param(
        lambda: Condition(operator="Bool", key="aws:SecureTransport", values="yes"),
        MalformedPolicy,
        id="condition-bool-value",
    ),
    pytest.param(
        lambda: Condition(operator=None, key="k", values="x"), TypeError, id="condition-op-type"
    ),
    pytest.param(lambda: Statement(effect=Effect.ALLOW), MalformedPolicy, id="no-action"),
    pytest.param(
        lambda: Statement(effect=Effect.ALLOW, actions="s3:*", not_actions="s3:Get*"),
        MalformedPolicy,
        id="both-actions",
    ),
    pytest.param(
        lambda: Statement(
            effect=Effect.ALLOW,
            actions="s3:*",
            principals=Principal(anyone=True),
            not_principals=Principal(anyone=True),
        ),
        MalformedPolicy,
        id="both-principals",
    ),
    pytest.param(
        lambda: Statement(effect=Effect.ALLOW, actions="s3:*", resources="*", not_resources="*"),
        MalformedPolicy,
        id="both-resources",
    ),
    pytest.param(
        lambda: Statement(effect=Effect.ALLOW, actions=()), MalformedPolicy, id="empty-actions"
    ),
    pytest.param(
        lambda: Statement(effect=Effect.ALLOW, actions="GetObject"),
        MalformedPolicy,
        id="action-vendor",
    ),
    pytest.param(
        lambda: Statement(effect=Effect.ALLOW, actions="s3:*", resources=()),
        MalformedPolicy,
        id="empty-resources",
    ),
    pytest.param(
        lambda: Statement(effect=Effect.ALLOW, actions="s3:*", resources="bucket"),
        MalformedPolicy,
        id="resource-arn",
    ),
    pytest.param(
        lambda: Statement(
            effect=Effect.ALLOW,
            actions="s3:*",
            conditions=(
                Condition(operator="StringEquals", key="k", values="a"),
                Condition(operator="StringEquals", key="k", values="b"),
            ),
        ),
        MalformedPolicy,
        id="duplicate-condition",
    ),
    pytest.param(lambda: Statement(effect="Allow", actions="s3:*"), TypeError, id="effect-type"),
    pytest.param(
        lambda: Statement(effect=Effect.ALLOW, actions="s3:*", sid=1), TypeError, id="sid"
    ),
    pytest.param(lambda: PolicyDocument(statements=()), MalformedPolicy, id="no-statements"),
    pytest.param(
        lambda: PolicyDocument(
            statements=(allow("s3:*", sid="a"), allow("s3:*", sid="a")),
        ),
        MalformedPolicy,
        id="duplicate-sid",
    ),
    pytest.param(
        lambda: PolicyDocument(statements=(allow("s3:*"),), version="2020-01-01"),
        MalformedPolicy,
        id="version",
    ),
    pytest.param(lambda: Request(principal=None, action="s3:*", resource="*"), TypeError, id="req"),
]


@pytest.mark.parametrize(("build", "error"), _INVALID_VALUES)
def test_values_refuse_invalid_states(build: Any, error: type[Exception]) -> None:
    """Constructors never yield an invalid policy value (STYLE habit 3), whatever the path."""
    with pytest.raises(error):
        build()


def test_value_converters_accept_single_strings_and_iterables() -> None:
    """A single string becomes a 1-tuple (never a tuple of characters); lists become tuples."""
    st_ = Statement(effect=Effect.ALLOW, actions="s3:*", resources=["arn:aws:s3:::a", "*"])
    assert st_.actions == ("s3:*",)
    assert st_.resources == ("arn:aws:s3:::a", "*")
    assert Principal(aws=ROLE).aws == (ROLE,)
    assert Condition(operator="StringEquals", key="k", values="v").values == ("v",)
    assert PolicyDocument(statements=[st_]).statements == (st_,)


def test_conditions_are_kept_in_canonical_order() -> None:
    """Conditions are ANDed, so a statement stores them ordered by (operator, key)."""
    a = Condition(operator="StringLike", key="b", values="1")
    b = Condition(operator="StringEquals", key="z", values="1")
    c = Condition(operator="StringEquals", key="a", values="1")
    assert allow("s3:*", conditions=(a, b, c)).conditions == (c, b, a)


def test_request_copies_its_context_and_is_hashable() -> None:
    """A Request owns a copy of its context (lists become tuples) and can key a dict."""
    context: dict[str, Any] = {"aws:TagKeys": ["a", "b"], "aws:SourceAccount": SRC_ACCOUNT}
    request = Request(principal=ROLE, action="s3:PutObject", resource="*", context=context)
    context["aws:SourceAccount"] = "000000000000"
    assert request.context == {"aws:TagKeys": ("a", "b"), "aws:SourceAccount": SRC_ACCOUNT}
    assert {request: 1}[request] == 1
    assert Request(principal=ROLE, action="s3:PutObject", resource="*").context == {}


def test_reprs_are_valid_python() -> None:
    """Reprs rebuild equal values (Hypothesis prints failing examples as programs)."""
    namespace = {name: getattr(iam, name) for name in iam.__all__}
    parsed = iam.parse_policy(
        doc(statement(Condition={"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/r"}}))
    )
    for value in (parsed, Effect.DENY, Decision.IMPLICIT_DENY, PolicyKind.TRUST, req()):
        assert eval(repr(value), namespace) == value
    assert repr(Effect.ALLOW) == "Effect.ALLOW"


def test_enum_values_are_policy_strings() -> None:
    """Effect carries the policy-language string; Decision IAM's simulator string."""
    assert [e.value for e in Effect] == ["Allow", "Deny"]
    assert [d.value for d in Decision] == ["allowed", "explicitDeny", "implicitDeny"]


# --- round trip -----------------------------------------------------------------------------

_ROUND_TRIP = [
    doc(statement()),
    {"Statement": statement(Principal="*", Sid="Public")},
    doc(
        statement(Principal=_DROP, NotPrincipal={"AWS": [ROLE, SRC_ACCOUNT]}, Effect="Deny"),
        Id="x",
    ),
    doc(statement(Action=_DROP, NotAction=["s3:Delete*", "s3:Put*"])),
    doc(statement(Resource=_DROP, NotResource="arn:aws:s3:::secret/*")),
    doc(
        statement(
            Principal={
                "AWS": "*",
                "Service": "s3.amazonaws.com",
                "Federated": "cognito-identity.amazonaws.com",
                "CanonicalUser": "79a59df900b949e55d96a1e698fbaced",
            },
            Condition={
                "StringEquals": {"aws:SourceAccount": [SRC_ACCOUNT, DST_ACCOUNT]},
                "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "team*"},
                "Null": {"s3:x-amz-server-side-encryption": True},
            },
        )
    ),
    {"Version": "2008-10-17", "Statement": [statement(Resource=_DROP)]},
]


@pytest.mark.parametrize("raw", _ROUND_TRIP)
def test_policy_to_dict_round_trips(raw: dict[str, Any]) -> None:
    """parse(policy_to_dict(p)) == p, also through JSON text (lossless canonical form)."""
    parsed = iam.parse_policy(raw)
    canonical = iam.policy_to_dict(parsed)
    assert iam.parse_policy(canonical) == parsed
    assert iam.parse_policy(json.dumps(canonical)) == parsed
    assert iam.policy_to_dict(iam.parse_policy(canonical)) == canonical


def test_policy_to_dict_canonical_shape() -> None:
    """The canonical form always uses lists, keeps "*" principals, omits absent elements."""
    raw = {
        "Statement": statement(Principal="*", Condition={"Bool": {"aws:SecureTransport": False}})
    }
    assert iam.policy_to_dict(iam.parse_policy(raw)) == {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:ReplicateObject"],
                "Resource": ["arn:aws:s3:::dest/*"],
                "Condition": {"Bool": {"aws:SecureTransport": ["false"]}},
            }
        ]
    }


# --- matching ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("*", "s3:GetObject", True),
        ("s3:*", "s3:ReplicateObject", True),
        ("s3:*", "kms:Decrypt", False),
        ("s3:Get*", "s3:GetObjectVersionForReplication", True),
        ("s3:Get*", "s3:ListBucket", False),
        ("S3:getobject", "s3:GetObject", True),
        ("s3:getobjectversion?cl", "s3:GetObjectVersionAcl", True),
        ("s3:GetObjectVersion", "s3:GetObjectVersionForReplication", False),
        ("s3:List*", "s3:ListBucket", True),
        ("s3:Replicate*", "s3:ReplicateTags", True),
        ("s3:Get.*", "s3:GetX", False),
    ],
)
def test_action_matching(pattern: str, action: str, expected: bool) -> None:
    """Actions match case-insensitively with * and ?; a literal pattern is not a prefix
    (``s3:GetObjectVersion`` does not grant ``s3:GetObjectVersionForReplication``, R-156)."""
    assert iam.action_matches(pattern, action) is expected


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        ("*", DEST_OBJECT, True),
        ("arn:aws:s3:::dest/*", DEST_OBJECT, True),
        ("arn:aws:s3:::dest/*", DEST_BUCKET, False),
        ("arn:aws:s3:::dest", DEST_BUCKET, True),
        ("arn:aws:s3:::Dest/*", DEST_OBJECT, False),
        ("arn:aws:s3:::dest/key.tx?", DEST_OBJECT, True),
        ("arn:aws:s3:::*", DEST_OBJECT, True),
        ("arn:aws:s3:::dest/*", "arn:aws:s3:::dest/a\nb", True),
        ("arn:aws:s3:::dest/[ab]", "arn:aws:s3:::dest/a", False),
    ],
)
def test_resource_matching(pattern: str, resource: str, expected: bool) -> None:
    """Resource ARNs match case-sensitively with * and ? (R-012 grants on dest and dest/*)."""
    assert iam.resource_matches(pattern, resource) is expected


@pytest.mark.parametrize(
    ("principal", "caller", "expected"),
    [
        pytest.param(Principal(anyone=True), ROLE, True, id="star-role"),
        pytest.param(Principal(anyone=True), "s3.amazonaws.com", True, id="star-service"),
        pytest.param(Principal(aws="*"), ROLE, True, id="aws-star-role"),
        pytest.param(Principal(aws="*"), SRC_ACCOUNT, True, id="aws-star-account"),
        pytest.param(Principal(aws="*"), "s3.amazonaws.com", False, id="aws-star-service"),
        pytest.param(Principal(aws=SRC_ACCOUNT), ROLE, True, id="account-id"),
        pytest.param(Principal(aws=SRC_ACCOUNT), FOREIGN_ROLE, False, id="account-id-other"),
        pytest.param(
            Principal(aws="arn:aws:iam::111122223333:root"), ROLE, True, id="account-root"
        ),
        pytest.param(Principal(aws="arn:aws:iam::444455556666:root"), ROLE, False, id="other-root"),
        pytest.param(Principal(aws=SRC_ACCOUNT), SRC_ACCOUNT, True, id="account-as-caller"),
        pytest.param(Principal(aws=ROLE), ROLE, True, id="role-exact"),
        pytest.param(Principal(aws=ROLE), OTHER_ROLE, False, id="role-other"),
        pytest.param(
            Principal(aws="arn:aws:iam::111122223333:role/team/replication"),
            "arn:aws:sts::111122223333:assumed-role/replication/s3-session",
            True,
            id="role-session",
        ),
        pytest.param(
            Principal(aws=ROLE),
            "arn:aws:sts::444455556666:assumed-role/replication/s3-session",
            False,
            id="role-session-other-account",
        ),
        pytest.param(
            Principal(aws="arn:aws:iam::111122223333:user/alice"),
            "arn:aws:sts::111122223333:assumed-role/alice/s",
            False,
            id="user-is-not-role",
        ),
        pytest.param(Principal(service="s3.amazonaws.com"), "s3.amazonaws.com", True, id="svc"),
        pytest.param(
            Principal(service="s3.amazonaws.com"),
            "batchoperations.s3.amazonaws.com",
            False,
            id="svc-other",
        ),
        pytest.param(Principal(service="s3.amazonaws.com"), ROLE, False, id="svc-vs-role"),
        pytest.param(
            Principal(federated="arn:aws:iam::111122223333:saml-provider/idp"),
            "arn:aws:iam::111122223333:saml-provider/idp",
            True,
            id="federated",
        ),
        pytest.param(Principal(canonical_user="79a59df9"), "79a59df9", True, id="canonical"),
    ],
)
def test_principal_matching(principal: Principal, caller: str, expected: bool) -> None:
    """Principal rules of bucket policies (R-012: source account root or role ARN) and
    trust policies (R-006: the S3 service principal)."""
    assert iam.principal_matches(principal, caller) is expected


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        (ROLE, SRC_ACCOUNT),
        ("arn:aws:sts::444455556666:assumed-role/r/s", DST_ACCOUNT),
        ("arn:aws:iam::111122223333:root", SRC_ACCOUNT),
        ("arn:aws:kms:us-east-1:111122223333:key/abc:def", SRC_ACCOUNT),
        (SRC_ACCOUNT, SRC_ACCOUNT),
        ("s3.amazonaws.com", None),
        (DEST_BUCKET, None),
        ("arn:aws:iam::1234:role/r", None),
        ("1234", None),
    ],
)
def test_account_of(arn: str, expected: str | None) -> None:
    """account_of reads the 12-digit account of an ARN or account id (R-012 same/cross)."""
    assert iam.account_of(arn) == expected


# --- conditions ------------------------------------------------------------------------------

_CONDITIONS = [
    # (operator, values, context value or None for absent, expected)
    ("StringEquals", (SRC_ACCOUNT,), SRC_ACCOUNT, True),
    ("StringEquals", (SRC_ACCOUNT,), DST_ACCOUNT, False),
    ("StringEquals", (SRC_ACCOUNT,), None, False),
    ("StringEquals", (SRC_ACCOUNT, DST_ACCOUNT), DST_ACCOUNT, True),
    ("StringEquals", ("abc",), "ABC", False),
    ("StringEquals", ("a",), ("b", "a"), True),
    ("StringEquals", ("a",), (), False),
    ("StringNotEquals", (SRC_ACCOUNT,), DST_ACCOUNT, True),
    ("StringNotEquals", (SRC_ACCOUNT,), SRC_ACCOUNT, False),
    ("StringNotEquals", (SRC_ACCOUNT,), None, True),
    ("StringNotEquals", ("a",), ("b", "a"), False),
    ("StringEqualsIgnoreCase", ("abc",), "ABC", True),
    ("StringEqualsIgnoreCase", ("abc",), "abd", False),
    ("StringNotEqualsIgnoreCase", ("abc",), "ABC", False),
    ("StringLike", ("team-*",), "team-blue", True),
    ("StringLike", ("team-?",), "team-blue", False),
    ("StringLike", ("Team-*",), "team-blue", False),
    ("StringNotLike", ("team-*",), "team-blue", False),
    ("StringNotLike", ("team-*",), "ops", True),
    ("StringNotLike", ("team-*",), None, True),
    ("ArnLike", ("arn:aws:iam::*:role/replication",), ROLE, True),
    ("ArnLike", ("arn:aws:iam::111122223333:role/*",), ROLE, True),
    ("ArnLike", ("arn:aws:iam::*:role/replication",), "arn:aws:iam::1:x:role/replication", False),
    ("ArnLike", ("arn:aws:*:role/replication",), ROLE, True),
    ("ArnLike", ("arn:aws:iam::111122223333:role/Replication",), ROLE, False),
    ("ArnLike", ("arn:aws:iam::*",), "not-an-arn", False),
    ("ArnEquals", (ROLE,), ROLE, True),
    ("ArnEquals", ("arn:aws:iam::*:role/replication",), ROLE, True),
    ("ArnNotEquals", (ROLE,), OTHER_ROLE, True),
    ("ArnNotLike", ("arn:aws:iam::*:role/repl*",), ROLE, False),
    ("ArnNotLike", ("arn:aws:iam::*:role/repl*",), None, True),
    ("Bool", ("true",), "true", True),
    ("Bool", ("TRUE",), "true", True),
    ("Bool", ("false",), "true", False),
    ("Bool", ("false",), None, False),
    ("Null", ("true",), None, True),
    ("Null", ("true",), "AES256", False),
    ("Null", ("false",), "AES256", True),
    ("Null", ("false",), None, False),
    ("Null", ("false",), (), False),
    ("Null", ("true", "false"), None, True),
    ("StringEqualsIfExists", (SRC_ACCOUNT,), None, True),
    ("StringEqualsIfExists", (SRC_ACCOUNT,), DST_ACCOUNT, False),
    ("StringEqualsIfExists", (SRC_ACCOUNT,), SRC_ACCOUNT, True),
    ("BoolIfExists", ("true",), None, True),
    ("ArnLikeIfExists", ("arn:aws:iam::*:role/x",), ROLE, False),
    ("StringNotEqualsIfExists", ("a",), None, True),
    ("ForAnyValue:StringEquals", ("a", "b"), ("c", "b"), True),
    ("ForAnyValue:StringEquals", ("a", "b"), ("c", "d"), False),
    ("ForAnyValue:StringEquals", ("a",), None, False),
    ("ForAnyValue:StringEquals", ("a",), (), False),
    ("ForAnyValue:StringEqualsIfExists", ("a",), None, True),
    ("ForAnyValue:StringNotEquals", ("a",), ("a", "b"), True),
    ("ForAnyValue:StringNotEquals", ("a",), ("a",), False),
    ("ForAllValues:StringEquals", ("a", "b"), ("a", "b"), True),
    ("ForAllValues:StringEquals", ("a", "b"), ("a", "c"), False),
    ("ForAllValues:StringEquals", ("a",), None, True),
    ("ForAllValues:StringLike", ("team*", "env"), ("team-x", "env"), True),
    ("ForAllValues:StringNotLike", ("secret*",), ("team", "env"), True),
    ("ForAllValues:StringNotLike", ("secret*",), ("team", "secret-x"), False),
    ("ForAnyValue:ArnLike", ("arn:aws:iam::*:role/replication",), (OTHER_ROLE, ROLE), True),
    ("ForAllValues:Bool", ("true",), ("true", "false"), False),
]


@pytest.mark.parametrize(("operator", "values", "present", "expected"), _CONDITIONS)
def test_condition_operators(
    operator: str, values: tuple[str, ...], present: str | tuple[str, ...] | None, expected: bool
) -> None:
    """Each supported operator, the missing-key rules, ``IfExists`` and the set operators
    behave as IAM documents them (bucket-policy conditions that gate R-012 grants)."""
    condition = Condition(operator=operator, key="test:Key", values=values)
    granted = policy(allow("s3:*", conditions=(condition,)))
    context = {} if present is None else {"test:Key": present}
    request = Request(principal=ROLE, action="s3:GetObject", resource="*", context=context)
    assert iam.is_allowed((granted,), request) is expected


def test_condition_keys_are_case_insensitive() -> None:
    """``aws:SourceAccount`` in the policy matches ``AWS:sourceaccount`` in the request."""
    parsed = iam.parse_policy(
        doc(statement(Condition={"StringEquals": {"aws:SourceAccount": SRC_ACCOUNT}}))
    )
    assert iam.is_allowed([parsed], req(**{"AWS:sourceaccount": SRC_ACCOUNT}))
    assert not iam.is_allowed([parsed], req(**{"AWS:sourceaccount": DST_ACCOUNT}))


def test_conditions_are_anded_across_keys_and_operators() -> None:
    """Two keys in one operator, or two operators, must all hold (values within a key OR)."""
    parsed = iam.parse_policy(
        doc(
            statement(
                Condition={
                    "StringEquals": {
                        "aws:SourceAccount": [SRC_ACCOUNT, "000000000000"],
                        "k:a": "1",
                    },
                    "Bool": {"aws:SecureTransport": "true"},
                }
            )
        )
    )
    ok = {"aws:SourceAccount": SRC_ACCOUNT, "k:a": "1", "aws:SecureTransport": "true"}
    assert iam.is_allowed([parsed], req(**ok))
    for key in ok:
        partial = {k: v for k, v in ok.items() if k != key}
        assert not iam.is_allowed([parsed], req(**partial)), key


@pytest.mark.parametrize(
    ("caller", "key", "value", "expected"),
    [
        (ROLE, "aws:PrincipalArn", "arn:aws:iam::*:role/replication", True),
        (ROLE, "aws:PrincipalAccount", SRC_ACCOUNT, True),
        (FOREIGN_ROLE, "aws:PrincipalAccount", SRC_ACCOUNT, False),
        ("s3.amazonaws.com", "aws:PrincipalServiceName", "s3.amazonaws.com", True),
        ("s3.amazonaws.com", "aws:PrincipalArn", "*", False),
        (SRC_ACCOUNT, "aws:PrincipalAccount", SRC_ACCOUNT, True),
    ],
)
def test_principal_condition_keys_are_derived(
    caller: str, key: str, value: str, expected: bool
) -> None:
    """aws:PrincipalArn / PrincipalAccount / PrincipalServiceName come from the caller, so a
    destination policy can restrict grants to the source role (R-012)."""
    condition = Condition(operator="StringLike", key=key, values=value)
    granted = policy(allow("s3:*", conditions=(condition,)))
    assert iam.is_allowed([granted], req(principal=caller)) is expected


def test_request_context_overrides_derived_keys() -> None:
    """A key given in the request context wins over the derived one."""
    condition = Condition(operator="StringEquals", key="aws:PrincipalAccount", values="999")
    granted = policy(allow("s3:*", conditions=(condition,)))
    assert iam.is_allowed([granted], req(**{"aws:principalaccount": "999"}))


# --- evaluation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statements", "request_", "expected"),
    [
        pytest.param((), req(), Decision.IMPLICIT_DENY, id="nothing"),
        pytest.param((allow("s3:ReplicateObject"),), req(), Decision.ALLOW, id="allow"),
        pytest.param((allow("s3:ReplicateDelete"),), req(), Decision.IMPLICIT_DENY, id="other"),
        pytest.param(
            (allow("s3:*"), deny("s3:ReplicateObject")),
            req(),
            Decision.EXPLICIT_DENY,
            id="deny-wins-after",
        ),
        pytest.param(
            (deny("s3:Replicate*"), allow("s3:*")),
            req(),
            Decision.EXPLICIT_DENY,
            id="deny-wins-before",
        ),
        pytest.param(
            (allow("s3:*"), deny("s3:ReplicateTags")),
            req(),
            Decision.ALLOW,
            id="deny-other-action",
        ),
        pytest.param(
            (allow("s3:*", "arn:aws:s3:::src/*"),),
            req(),
            Decision.IMPLICIT_DENY,
            id="other-resource",
        ),
        pytest.param(
            (Statement(effect=Effect.ALLOW, not_actions="s3:Delete*", resources="*"),),
            req(),
            Decision.ALLOW,
            id="notaction-allows-rest",
        ),
        pytest.param(
            (Statement(effect=Effect.ALLOW, not_actions="s3:Replicate*", resources="*"),),
            req(),
            Decision.IMPLICIT_DENY,
            id="notaction-excludes",
        ),
        pytest.param(
            (Statement(effect=Effect.ALLOW, actions="s3:*", not_resources="arn:aws:s3:::src/*"),),
            req(),
            Decision.ALLOW,
            id="notresource-allows-rest",
        ),
        pytest.param(
            (Statement(effect=Effect.ALLOW, actions="s3:*", not_resources="arn:aws:s3:::dest/*"),),
            req(),
            Decision.IMPLICIT_DENY,
            id="notresource-excludes",
        ),
        pytest.param(
            (allow("s3:*", principals=Principal(aws=OTHER_ROLE)),),
            req(),
            Decision.IMPLICIT_DENY,
            id="principal-mismatch",
        ),
        pytest.param(
            (allow("s3:*", principals=Principal(aws=ROLE)),),
            req(),
            Decision.ALLOW,
            id="principal-match",
        ),
        pytest.param(
            (deny("s3:*", not_principals=Principal(aws=ROLE)),),
            req(),
            Decision.IMPLICIT_DENY,
            id="notprincipal-excludes-role",
        ),
        pytest.param(
            (deny("s3:*", not_principals=Principal(aws=ROLE)),),
            req(principal=OTHER_ROLE),
            Decision.EXPLICIT_DENY,
            id="notprincipal-denies-others",
        ),
        pytest.param(
            (Statement(effect=Effect.ALLOW, actions="sts:AssumeRole"),),
            req(action="sts:AssumeRole", resource=ROLE),
            Decision.ALLOW,
            id="no-resource-element",
        ),
    ],
)
def test_evaluate(statements: tuple[Statement, ...], request_: Request, expected: Decision) -> None:
    """Explicit deny beats allow, nothing matching is an implicit deny (R-158); Not*
    elements invert their match; identity statements (no Principal) apply to any caller."""
    policies = (PolicyDocument(statements=statements),) if statements else ()
    assert iam.evaluate(policies, request_) is expected
    assert iam.is_allowed(policies, request_) is (expected is Decision.ALLOW)


def test_evaluate_across_several_policies() -> None:
    """A Deny in any of several documents wins over an Allow in another (R-158)."""
    grant = policy(allow("s3:*"))
    refuse = policy(deny("s3:ReplicateObject", "arn:aws:s3:::dest/*"))
    assert iam.evaluate([grant], req()) is Decision.ALLOW
    assert iam.evaluate(iter([grant, refuse]), req()) is Decision.EXPLICIT_DENY
    assert iam.evaluate([refuse], req(resource="arn:aws:s3:::other/k")) is Decision.IMPLICIT_DENY


def test_identity_policy_ignores_the_caller() -> None:
    """An identity statement has no Principal: it applies to whoever holds it (R-155)."""
    role_policy = iam.parse_policy(
        doc(statement(Principal=_DROP, Resource="*")), kind=PolicyKind.IDENTITY
    )
    for caller in (ROLE, FOREIGN_ROLE, "s3.amazonaws.com"):
        assert iam.is_allowed([role_policy], req(principal=caller))


# --- cross-account (R-012) -----------------------------------------------------------------

_ROLE_POLICY = policy(allow(iam.REPLICATION_ROLE_ACTIONS))
_DEST_POLICY = iam.destination_bucket_policy("dest", principal=ROLE)
_DENY_TAGS = iam.parse_policy(
    doc(
        statement(),
        statement(Sid="NoTags", Effect="Deny", Principal="*", Action="s3:ReplicateTags"),
    ),
    kind=PolicyKind.RESOURCE,
)


@pytest.mark.parametrize(
    ("owner", "identity", "resource", "action", "expected"),
    [
        pytest.param(SRC_ACCOUNT, (_ROLE_POLICY,), (), "s3:ReplicateObject", Decision.ALLOW,
                     id="same-identity-only"),
        pytest.param(SRC_ACCOUNT, (), (_DEST_POLICY,), "s3:ReplicateObject", Decision.ALLOW,
                     id="same-resource-only"),
        pytest.param(SRC_ACCOUNT, (), (), "s3:ReplicateObject", Decision.IMPLICIT_DENY,
                     id="same-neither"),
        pytest.param(DST_ACCOUNT, (_ROLE_POLICY,), (), "s3:ReplicateObject",
                     Decision.IMPLICIT_DENY, id="cross-identity-only"),
        pytest.param(DST_ACCOUNT, (), (_DEST_POLICY,), "s3:ReplicateObject",
                     Decision.IMPLICIT_DENY, id="cross-resource-only"),
        pytest.param(DST_ACCOUNT, (_ROLE_POLICY,), (_DEST_POLICY,), "s3:ReplicateObject",
                     Decision.ALLOW, id="cross-both"),
        pytest.param(DST_ACCOUNT, (_ROLE_POLICY,), (_DEST_POLICY,), "s3:GetObject",
                     Decision.IMPLICIT_DENY, id="cross-both-other-action"),
        pytest.param(DST_ACCOUNT, (_ROLE_POLICY,), (_DENY_TAGS,), "s3:ReplicateTags",
                     Decision.EXPLICIT_DENY, id="cross-resource-deny-tags"),
        pytest.param(DST_ACCOUNT, (_ROLE_POLICY,), (_DENY_TAGS,), "s3:ReplicateObject",
                     Decision.ALLOW, id="cross-deny-tags-object-still-replicates"),
        pytest.param(SRC_ACCOUNT, (_ROLE_POLICY,), (_DENY_TAGS,), "s3:ReplicateTags",
                     Decision.EXPLICIT_DENY, id="same-resource-deny"),
        pytest.param(SRC_ACCOUNT, (policy(deny("s3:*")),), (_DEST_POLICY,), "s3:ReplicateObject",
                     Decision.EXPLICIT_DENY, id="same-identity-deny"),
    ],
)  # fmt: skip
def test_evaluate_access_same_and_cross_account(
    owner: str,
    identity: tuple[PolicyDocument, ...],
    resource: tuple[PolicyDocument, ...],
    action: str,
    expected: Decision,
) -> None:
    """Same account: identity OR resource policy; cross-account: identity AND the
    destination bucket policy must allow (R-012); an explicit deny anywhere wins, so a
    destination can refuse tags by denying s3:ReplicateTags (R-157, R-158)."""
    decision = iam.evaluate_access(
        principal=ROLE,
        principal_account=SRC_ACCOUNT,
        resource_owner_account=owner,
        identity_policies=identity,
        resource_policies=resource,
        action=action,
        resource=DEST_OBJECT,
    )
    assert decision is expected


def test_evaluate_access_passes_the_context() -> None:
    """Conditions in either policy see the request context given to evaluate_access."""
    gated = policy(
        allow(
            "s3:*",
            conditions=(Condition(operator="Bool", key="aws:SecureTransport", values="true"),),
        )
    )
    common: dict[str, Any] = {
        "principal": ROLE,
        "principal_account": SRC_ACCOUNT,
        "resource_owner_account": SRC_ACCOUNT,
        "identity_policies": (gated,),
        "resource_policies": (),
        "action": "s3:GetObject",
        "resource": "*",
    }
    assert iam.evaluate_access(**common) is Decision.IMPLICIT_DENY
    context = {"aws:SecureTransport": "true"}
    assert iam.evaluate_access(**common, context=context) is Decision.ALLOW


@pytest.mark.parametrize(
    ("action", "resource", "expected"),
    [
        ("s3:ReplicateObject", DEST_OBJECT, True),
        ("s3:ReplicateDelete", DEST_OBJECT, True),
        ("s3:ReplicateTags", DEST_OBJECT, True),
        ("s3:ObjectOwnerOverrideToBucketOwner", DEST_OBJECT, True),
        ("s3:ListBucket", DEST_BUCKET, True),
        ("s3:ListBucketVersions", DEST_BUCKET, True),
        ("s3:GetBucketVersioning", DEST_BUCKET, True),
        ("s3:PutBucketVersioning", DEST_BUCKET, True),
        ("s3:ReplicateObject", DEST_BUCKET, False),
        ("s3:GetBucketVersioning", DEST_OBJECT, False),
        ("s3:ReplicateObject", "arn:aws:s3:::other/key.txt", False),
        ("s3:DeleteObject", DEST_OBJECT, False),
    ],
)
def test_destination_bucket_policy_grants_r012(action: str, resource: str, expected: bool) -> None:
    """The ready-made destination policy grants exactly R-012's object and bucket actions
    (the identity side allows s3:* here, so the bucket policy decides)."""
    decision = iam.evaluate_access(
        principal=ROLE,
        principal_account=SRC_ACCOUNT,
        resource_owner_account=DST_ACCOUNT,
        identity_policies=(policy(allow("s3:*")),),
        resource_policies=(_DEST_POLICY,),
        action=action,
        resource=resource,
    )
    assert (decision is Decision.ALLOW) is expected


def test_destination_bucket_policy_accepts_the_source_account() -> None:
    """The principal may be the source account instead of the role (R-012), in any
    partition; the document is a valid bucket policy."""
    dest = iam.destination_bucket_policy("dest", principal=SRC_ACCOUNT, partition="aws-cn")
    assert iam.parse_policy(iam.policy_to_dict(dest), kind=PolicyKind.RESOURCE) == dest
    request = req(resource="arn:aws-cn:s3:::dest/k", principal=OTHER_ROLE)
    assert iam.is_allowed([dest], request)
    assert not iam.is_allowed(
        [dest], req(resource="arn:aws-cn:s3:::dest/k", principal=FOREIGN_ROLE)
    )


# --- trust and role permissions (R-155, R-156, R-014) --------------------------------


@pytest.mark.parametrize(
    ("trust", "service", "expected"),
    [
        pytest.param(iam.s3_trust_policy(), iam.S3_SERVICE_PRINCIPAL, True, id="s3"),
        pytest.param(
            iam.s3_trust_policy(), iam.BATCH_OPERATIONS_SERVICE_PRINCIPAL, True, id="batch"
        ),
        pytest.param(iam.s3_trust_policy(), "ec2.amazonaws.com", False, id="ec2"),
        pytest.param(
            {"Statement": statement(Resource=_DROP, Principal={"Service": "ec2.amazonaws.com"},
                                    Action="sts:AssumeRole")},
            iam.S3_SERVICE_PRINCIPAL, False, id="trusts-other-service",
        ),
        pytest.param(
            {"Statement": statement(Resource=_DROP, Principal={"Service": "s3.amazonaws.com"},
                                    Action="sts:TagSession")},
            iam.S3_SERVICE_PRINCIPAL, False, id="other-action",
        ),
        pytest.param(
            {"Statement": statement(Resource=_DROP, Principal="*", Action="sts:*")},
            iam.S3_SERVICE_PRINCIPAL, True, id="star",
        ),
        pytest.param(
            {"Statement": statement(Resource=_DROP, Principal={"AWS": "*"},
                                    Action="sts:AssumeRole")},
            iam.S3_SERVICE_PRINCIPAL, False, id="aws-star-is-not-a-service",
        ),
        pytest.param(
            {"Statement": [
                statement(Resource=_DROP, Principal={"Service": "s3.amazonaws.com"},
                          Action="sts:AssumeRole"),
                statement(Resource=_DROP, Principal="*", Action="sts:AssumeRole", Effect="Deny"),
            ]},
            iam.S3_SERVICE_PRINCIPAL, False, id="explicit-deny",
        ),
    ],
)  # fmt: skip
def test_can_assume(trust: PolicyDocument | dict[str, Any], service: str, expected: bool) -> None:
    """A role is assumable by S3 only if its trust policy lets s3.amazonaws.com (or, for
    Batch Replication, batchoperations.s3.amazonaws.com) call sts:AssumeRole (R-006)."""
    if isinstance(trust, dict):
        trust = iam.parse_policy(trust, kind=PolicyKind.TRUST)
    assert iam.can_assume(trust, service=service) is expected


def test_can_assume_defaults_to_s3() -> None:
    """can_assume asks about the S3 service principal unless told otherwise (R-006)."""
    assert iam.can_assume(iam.s3_trust_policy())
    assert not iam.can_assume(iam.allow_all_replication_policy())


def test_ready_made_policies_are_valid_documents_of_their_kind() -> None:
    """The trust policy parses as a trust policy and the role policy as an identity policy."""
    trust = iam.s3_trust_policy()
    assert iam.parse_policy(iam.policy_to_dict(trust), kind=PolicyKind.TRUST) == trust
    role = iam.allow_all_replication_policy()
    assert iam.parse_policy(iam.policy_to_dict(role), kind=PolicyKind.IDENTITY) == role


def test_replication_role_actions_are_r155() -> None:
    """The minimal role permission set is exactly R-155's list, with the current
    s3:GetObjectVersionForReplication rather than s3:GetObjectVersion (R-156)."""
    assert iam.REPLICATION_ROLE_ACTIONS == (
        "s3:GetReplicationConfiguration",
        "s3:ListBucket",
        "s3:GetObjectVersionForReplication",
        "s3:GetObjectVersionAcl",
        "s3:GetObjectVersionTagging",
        "s3:ReplicateObject",
        "s3:ReplicateDelete",
        "s3:ReplicateTags",
    )
    assert "s3:GetObjectVersion" not in iam.REPLICATION_ROLE_ACTIONS
    assert iam.REPLICATION_KMS_ACTIONS == ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")


@pytest.mark.parametrize(
    "action",
    iam.REPLICATION_ROLE_ACTIONS
    + iam.OPTIONAL_REPLICATION_ROLE_ACTIONS
    + iam.REPLICATION_KMS_ACTIONS,
)
def test_allow_all_replication_policy_allows_every_replication_action(action: str) -> None:
    """The default role policy allows R-155's actions, the optional ones (owner override,
    Object Lock) and the KMS actions of R-014, on every resource."""
    assert iam.is_allowed([iam.allow_all_replication_policy()], req(action=action, resource="*"))


@pytest.mark.parametrize("action", ["s3:GetObject", "s3:GetObjectVersion", "s3:DeleteBucket"])
def test_allow_all_replication_policy_is_not_s3_star(action: str) -> None:
    """The default role policy grants replication actions, not everything (R-155, R-156)."""
    assert not iam.is_allowed([iam.allow_all_replication_policy()], req(action=action))


def test_get_star_grant_covers_object_lock_reads() -> None:
    """An ``s3:Get*`` grant satisfies s3:GetObjectRetention and s3:GetObjectLegalHold
    (R-010, listed as optional in R-155)."""
    role = policy(allow("s3:Get*"))
    for action in ("s3:GetObjectRetention", "s3:GetObjectLegalHold"):
        assert iam.is_allowed([role], req(action=action))


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("s3:PutReplicationConfiguration", True),
        ("s3:GetReplicationConfiguration", False),
        ("iam:PassRole", True),
    ],
)
def test_configuration_api_permissions(action: str, expected: bool) -> None:
    """PutBucketReplication needs s3:PutReplicationConfiguration on the bucket and
    iam:PassRole on the role; these are ordinary actions to the evaluator (R-007)."""
    caller = policy(
        allow("s3:PutReplicationConfiguration", "arn:aws:s3:::src"),
        allow("iam:PassRole", ROLE),
    )
    resource = ROLE if action.startswith("iam:") else "arn:aws:s3:::src"
    request = req(action=action, resource=resource, principal="arn:aws:iam::111122223333:user/u")
    assert iam.is_allowed([caller], request) is expected


# --- properties ------------------------------------------------------------------------------

_TEXT = st.text(alphabet=string.printable + "é*?", max_size=30)


@given(text=_TEXT, data=st.data())
def test_wildcard_pattern_built_from_a_string_matches_it(text: str, data: st.DataObject) -> None:
    """Replacing any characters of a string by ``?`` and any runs by ``*`` gives a pattern
    that matches the string, for actions and resources alike."""
    pieces: list[str] = []
    index = 0
    while index < len(text):
        choice = data.draw(st.sampled_from(["keep", "?", "*"]), label=f"at {index}")
        if choice == "keep":
            pieces.append(text[index])
            index += 1
        elif choice == "?":
            pieces.append("?")
            index += 1
        else:
            pieces.append("*")
            index += data.draw(st.integers(0, len(text) - index), label="run")
    pattern = "".join(pieces)
    assert iam.resource_matches(pattern, text)
    assert iam.action_matches(pattern, text)
    assert iam.action_matches(pattern.upper(), text.lower())


@given(pattern=st.text(alphabet=string.ascii_letters + ":.-[]()+^$\\", max_size=20), other=_TEXT)
def test_literal_pattern_matches_only_itself(pattern: str, other: str) -> None:
    """A pattern without wildcards matches exactly itself (regex metacharacters are literal)."""
    assert iam.resource_matches(pattern, pattern)
    assert iam.resource_matches(pattern, other) is (pattern == other)


_NAMES = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=8)
_ACTIONS = st.builds(lambda v, a: f"{v}:{a}", st.sampled_from(["s3", "kms", "sts"]), _NAMES)
_RESOURCES = st.one_of(st.just("*"), _NAMES.map(lambda n: f"arn:aws:s3:::{n}/*"))
_PRINCIPALS = st.one_of(
    st.just(Principal(anyone=True)),
    st.builds(
        Principal,
        aws=st.lists(st.sampled_from(["*", SRC_ACCOUNT, ROLE]), min_size=1, max_size=3),
    ),
    st.builds(Principal, service=st.lists(st.just("s3.amazonaws.com"), min_size=1, max_size=2)),
)
_CONDITION_LISTS = st.lists(
    st.builds(
        Condition,
        operator=st.sampled_from(
            ["StringEquals", "StringNotLike", "ArnLike", "ForAnyValue:StringLikeIfExists"]
        ),
        key=st.sampled_from(["aws:SourceAccount", "aws:PrincipalArn", "s3:prefix"]),
        values=st.lists(_NAMES, min_size=1, max_size=3),
    ),
    max_size=3,
    unique_by=lambda c: (c.operator, c.key),
)


@st.composite
def statements(draw: st.DrawFn) -> Statement:
    principal = draw(st.one_of(st.none(), _PRINCIPALS))
    negate_principal = principal is not None and draw(st.booleans())
    actions = draw(st.lists(_ACTIONS, min_size=1, max_size=3))
    resources = draw(st.one_of(st.none(), st.lists(_RESOURCES, min_size=1, max_size=2)))
    negate_action, negate_resource = draw(st.booleans()), draw(st.booleans())
    return Statement(
        sid=draw(st.one_of(st.none(), _NAMES)),
        effect=draw(st.sampled_from(Effect)),
        principals=None if negate_principal else principal,
        not_principals=principal if negate_principal else None,
        actions=None if negate_action else actions,
        not_actions=actions if negate_action else None,
        resources=None if negate_resource else resources,
        not_resources=resources if negate_resource else None,
        conditions=draw(_CONDITION_LISTS),
    )


_POLICIES = st.builds(
    PolicyDocument,
    statements=st.lists(statements(), min_size=1, max_size=4, unique_by=lambda s: s.sid or id(s)),
    version=st.sampled_from([None, "2012-10-17", "2008-10-17"]),
    id=st.one_of(st.none(), _NAMES),
)


@given(document=_POLICIES)
def test_round_trip_property(document: PolicyDocument) -> None:
    """parse_policy(policy_to_dict(p)) == p for generated policies, also through JSON."""
    assert iam.parse_policy(iam.policy_to_dict(document)) == document
    assert iam.parse_policy(json.dumps(iam.policy_to_dict(document))) == document


@given(
    document=_POLICIES, action=_ACTIONS, caller=st.sampled_from([ROLE, FOREIGN_ROLE, SRC_ACCOUNT])
)
def test_matching_deny_always_wins_property(
    document: PolicyDocument, action: str, caller: str
) -> None:
    """Adding a Deny statement that matches the request turns any decision into an explicit
    deny, whatever the other statements say (R-158)."""
    request = req(action=action, resource=DEST_OBJECT, principal=caller)
    denied = attrs.evolve(document, statements=(*document.statements, deny(action, "*")))
    assert iam.evaluate([document], request) in tuple(Decision)
    assert iam.evaluate([denied], request) is Decision.EXPLICIT_DENY
    assert iam.evaluate([document, policy(deny("*"))], request) is Decision.EXPLICIT_DENY
