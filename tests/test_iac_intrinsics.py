"""The CloudFormation intrinsic resolver (s3repl.iac._intrinsics), by example and by property.

The resolver's values feed every requirement check of a template (R-067, R-155...);
these tests pin the functions themselves, and that what it cannot resolve comes back
as an ``Unresolved`` value saying why, never as an exception or a guess.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3repl.iac._intrinsics import NO_VALUE, Resolver, StackContext, Unresolved, first_unresolved
from s3repl.iac._limits import InfrastructureError

CONTEXT = StackContext(account="111122223333", region="eu-west-1", partition="aws", stack_name="dr")


class _Resources:
    """One bucket, ``Data``, named ``data-bucket``."""

    def has(self, logical_id: str) -> bool:
        return logical_id == "Data"

    def ref(self, logical_id: str) -> object:
        return "data-bucket"

    def attribute(self, logical_id: str, name: str) -> object:
        if name == "Arn":
            return "arn:aws:s3:::data-bucket"
        return Unresolved(reason=f"{logical_id}.{name}")


TEMPLATE: dict[str, Any] = {
    "Parameters": {
        "Env": {"Type": "String", "Default": "prod"},
        "Zones": {"Type": "CommaDelimitedList", "Default": "a, b"},
        "NoDefault": {"Type": "String"},
    },
    "Mappings": {"Regions": {"eu-west-1": {"Replica": "eu-central-1"}}},
    "Conditions": {
        "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
        "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        "Either": {"Fn::Or": [{"Condition": "NotProd"}, {"Condition": "IsProd"}]},
        "Unknowable": {"Fn::Equals": [{"Ref": "NoDefault"}, "x"]},
        "Loop": {"Fn::Not": [{"Condition": "Loop"}]},
    },
    "Resources": {},
}


def _resolver(**parameters: str) -> Resolver:
    return Resolver(
        template=TEMPLATE, context=CONTEXT, parameters=parameters, resources=_Resources()
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "AWS::AccountId"}, "111122223333"),
        ({"Ref": "Env"}, "prod"),
        ({"Ref": "Zones"}, ["a", "b"]),
        ({"Ref": "Data"}, "data-bucket"),
        ({"Fn::Sub": "arn:${AWS::Partition}:s3:::${Data}/*"}, "arn:aws:s3:::data-bucket/*"),
        ({"Fn::Sub": "${Data.Arn}/*"}, "arn:aws:s3:::data-bucket/*"),
        ({"Fn::Sub": ["${X}-${!Literal}", {"X": {"Ref": "Env"}}]}, "prod-${Literal}"),
        ({"Fn::GetAtt": ["Data", "Arn"]}, "arn:aws:s3:::data-bucket"),
        ({"Fn::GetAtt": "Data.Arn"}, "arn:aws:s3:::data-bucket"),
        ({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::x"]]}, "arn:aws:s3:::x"),
        ({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}, "b"),
        ({"Fn::Select": ["0", {"Ref": "Zones"}]}, "a"),
        ({"Fn::FindInMap": ["Regions", {"Ref": "AWS::Region"}, "Replica"]}, "eu-central-1"),
        ({"Fn::If": ["IsProd", "STANDARD_IA", "STANDARD"]}, "STANDARD_IA"),
        ({"Fn::If": ["NotProd", "a", "b"]}, "b"),
        ({"Fn::If": ["Either", "a", "b"]}, "a"),
        ({"Fn::Base64": "hi"}, "aGk="),
        ({"Key": {"Ref": "AWS::NoValue"}, "Other": 1}, {"Other": 1}),
        ([{"Ref": "AWS::NoValue"}, "kept"], ["kept"]),
    ],
)
def test_functions_resolve(value: object, expected: object) -> None:
    """R-155, R-067: the values templates build ARNs and switches from resolve as AWS does."""
    assert _resolver().resolve(value) == expected


def test_parameter_given_on_the_command_line_wins() -> None:
    """--parameter overrides a Default, and conditions follow it (R-089's Fn::If switch)."""
    resolver = _resolver(Env="staging")
    assert resolver.resolve({"Fn::If": ["IsProd", "STANDARD_IA", {"Ref": "AWS::NoValue"}]}) is (
        NO_VALUE
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"Ref": "NoDefault"}, "parameter NoDefault has no Default and no --parameter"),
        ({"Fn::ImportValue": "shared-bucket"}, "Fn::ImportValue shared-bucket"),
        ({"Fn::Cidr": ["10.0.0.0/16", 2, 8]}, "Fn::Cidr is not supported"),
        ({"Fn::Sub": "${Nothing}"}, "Ref Nothing: no parameter or resource"),
        ({"Fn::GetAtt": ["Data", "WebsiteURL"]}, "Data.WebsiteURL"),
        ({"Fn::If": ["Unknowable", "a", "b"]}, "Fn::If Unknowable"),
        ({"Fn::If": ["Loop", "a", "b"]}, "condition Loop depends on itself"),
        ({"Fn::Select": [5, ["a"]]}, "out of range"),
        ({"Fn::FindInMap": ["Regions", "mars-1", "Replica"]}, "not in Mappings"),
        ({"Fn::Join": ["", ["a", {"Fn::ImportValue": "x"}]]}, "Fn::ImportValue x"),
    ],
)
def test_what_cannot_be_resolved_says_why(value: object, reason: str) -> None:
    """Unsupported or unknowable values become Unresolved with the reason, not an error."""
    result = _resolver().resolve({"Wrapped": value})
    missing = first_unresolved(result)
    assert missing is not None
    assert reason in missing.reason


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"Ref": 7}, "Ref needs a name"),
        ({"Ref": "AWS::NotAPseudo"}, "pseudo parameter AWS::NotAPseudo is not supported"),
        ({"Fn::Sub": 7}, "Fn::Sub needs a string"),
        ({"Fn::Sub": "${Zones}"}, "expected a string, got list"),
        ({"Fn::GetAtt": ["Data"]}, "Fn::GetAtt needs [LogicalId, Attribute]"),
        ({"Fn::GetAtt": ["Data", 7]}, "needs a resource and an attribute name"),
        ({"Fn::GetAtt": ["Ghost", "Arn"]}, "Fn::GetAtt Ghost.Arn: no such resource"),
        ({"Fn::Join": "x"}, "Fn::Join needs [delimiter, list]"),
        ({"Fn::Join": ["", "x"]}, "needs a string delimiter and a list"),
        ({"Fn::Join": ["", {"Fn::ImportValue": "y"}]}, "Fn::ImportValue y"),
        ({"Fn::Select": "x"}, "Fn::Select needs [index, list]"),
        ({"Fn::Select": ["one", ["a"]]}, "is not a number"),
        ({"Fn::Select": [0, {"Ref": "NoDefault"}]}, "parameter NoDefault"),
        ({"Fn::Split": "x"}, "Fn::Split needs [delimiter, string]"),
        ({"Fn::Split": ["", "a"]}, "needs a delimiter and a string"),
        ({"Fn::Split": [",", {"Ref": "NoDefault"}]}, "parameter NoDefault"),
        ({"Fn::If": ["IsProd", "a"]}, "Fn::If needs [condition"),
        ({"Fn::If": [7, "a", "b"]}, "Fn::If needs a condition name"),
        ({"Fn::If": ["Ghost", "a", "b"]}, "condition Ghost is not in Conditions"),
        ({"Fn::FindInMap": ["Regions"]}, "Fn::FindInMap needs [map"),
        ({"Fn::FindInMap": [{"Ref": "NoDefault"}, "a", "b"]}, "parameter NoDefault"),
        ({"Fn::Base64": {"Ref": "NoDefault"}}, "parameter NoDefault"),
        ({"Fn::Equals": ["a"]}, "Fn::Equals needs two values"),
        ({"Fn::Equals": [{"Ref": "NoDefault"}, "a"]}, "parameter NoDefault"),
        ({"Fn::Not": ["IsProd", "IsProd"]}, "Fn::Not needs one condition"),
        ({"Fn::And": [{"Condition": "Unknowable"}, True]}, "parameter NoDefault"),
        ({"Fn::Or": [{"Condition": "Unknowable"}, False]}, "parameter NoDefault"),
    ],
)
def test_malformed_functions_are_unresolved(value: object, reason: str) -> None:
    """A function written wrongly is an Unresolved value naming the mistake, never a crash."""
    missing = first_unresolved(_resolver().resolve([value]))
    assert missing is not None
    assert reason in missing.reason


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Fn::And": [{"Condition": "Unknowable"}, False]}, False),
        ({"Fn::Or": [{"Condition": "Unknowable"}, True]}, True),
        ({"Fn::And": [{"Condition": "IsProd"}, {"Fn::Equals": ["a", "a"]}]}, True),
        ({"Fn::Not": [{"Fn::Equals": [1, "1"]}]}, False),
    ],
)
def test_and_or_decide_without_the_unknown_part(value: object, expected: bool) -> None:
    """And is false if any part is false, Or true if any is true, whatever the rest."""
    assert _resolver().resolve(value) is expected


def test_pseudo_parameters_are_recorded_when_used() -> None:
    """The report can say which pseudo parameters took their default (--account, --region)."""
    resolver = _resolver()
    stack_id = resolver.resolve({"Ref": "AWS::StackId"})
    assert stack_id.startswith("arn:aws:cloudformation:eu-west-1:111122223333:stack/dr/")
    assert resolver.resolve({"Ref": "AWS::URLSuffix"}) == "amazonaws.com"
    assert resolver.resolve({"Ref": "AWS::NotificationARNs"}) == []
    assert list(resolver.pseudo_used) == ["AWS::StackId", "AWS::URLSuffix"]


def test_unresolved_prints_its_reason() -> None:
    """An Unresolved value shows why when printed (it never passes for a real value)."""
    assert str(Unresolved(reason="x")) == "<unresolved: x>"


def test_alias_expansion_is_bounded() -> None:
    """A value shared a billion times (YAML aliases) stops at VALUES_MAX, not in memory."""
    layer: object = "x"
    for _ in range(30):
        layer = [layer, layer]
    with pytest.raises(InfrastructureError, match="more than"):
        _resolver().resolve(layer)


_PLAIN_KEYS = st.text(min_size=1, max_size=8).filter(
    lambda k: k != "Ref" and not k.startswith("Fn::")
)
_PLAIN = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=10).filter(lambda t: "${" not in t),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_PLAIN_KEYS, children, max_size=4)
    ),
    max_leaves=20,
)


@given(_PLAIN)
def test_plain_values_resolve_to_themselves(value: object) -> None:
    """A value without intrinsic functions is its own resolution (identity on plain data)."""
    assert _resolver().resolve(value) == value


@given(st.text(max_size=5), st.lists(st.text(max_size=8), max_size=6))
def test_join_is_str_join(delimiter: str, items: list[str]) -> None:
    """Fn::Join of literal strings is Python's str.join."""
    assert _resolver().resolve({"Fn::Join": [delimiter, items]}) == delimiter.join(items)


@given(st.text(alphabet=st.characters(blacklist_characters="$"), max_size=20))
def test_sub_without_variables_is_the_text(text: str) -> None:
    """Fn::Sub of a string with no ${...} is the string itself."""
    assert _resolver().resolve({"Fn::Sub": text}) == text


@given(st.text(alphabet="abcxyz.-", min_size=1, max_size=10))
def test_sub_escape_keeps_the_literal(name: str) -> None:
    """${!Name} is written out as ${Name}, never resolved."""
    assert _resolver().resolve({"Fn::Sub": "${!" + name + "}"}) == "${" + name + "}"
