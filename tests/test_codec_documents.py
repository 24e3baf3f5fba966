"""The other control-plane documents: versioning, Object Lock, tagging, ACL, ownership, encryption.

Each document round-trips in both wire forms, decodes alike from XML and from boto3's
dict, and is refused with the code AWS uses (``MalformedXML``, ``MalformedACLError``,
``InvalidTag``, ...). Expected values are written from botocore's service model and the
evidence quoted in ``s3repl/codec/documents.py``, not copied from the codec's output.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3repl.codec import (
    S3_NAMESPACE,
    acl_from_dict,
    acl_from_xml,
    acl_to_dict,
    acl_to_xml,
    default_encryption_from_dict,
    default_encryption_from_xml,
    default_encryption_to_dict,
    default_encryption_to_xml,
    object_lock_configuration_from_dict,
    object_lock_configuration_from_xml,
    object_lock_configuration_to_dict,
    object_lock_configuration_to_xml,
    ownership_controls_from_dict,
    ownership_controls_from_xml,
    ownership_controls_to_dict,
    ownership_controls_to_xml,
    tagging_from_dict,
    tagging_from_xml,
    tagging_to_dict,
    tagging_to_xml,
    versioning_from_dict,
    versioning_from_xml,
    versioning_to_dict,
    versioning_to_xml,
)
from s3repl.errors import (
    AccessDenied,
    InvalidArgument,
    InvalidTag,
    MalformedACLError,
    MalformedXML,
    MethodNotAllowed,
    S3Error,
)
from s3repl.model import (
    Acl,
    DefaultEncryption,
    DefaultRetention,
    Grant,
    Grantee,
    GranteeType,
    ObjectLockConfiguration,
    ObjectLockMode,
    ObjectOwnership,
    Permission,
    ServerSideEncryption,
    VersioningStatus,
)
from s3repl.model.acl import ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY
from s3repl.testing.strategies import account_ids, tag_sets

MESSAGE = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)
NS = f' xmlns="{S3_NAMESPACE}"'
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def expect_error(
    decode: Callable[[Any], object], value: Any, error: type[S3Error], element: str
) -> S3Error:
    """Decode ``value``, expecting ``error`` naming ``element``; return the error."""
    with pytest.raises(error) as caught:
        decode(value)
    assert type(caught.value) is error
    assert caught.value.element == element
    return caught.value


# --------------------------------------------------------------------------- versioning


def versioning(inner: str) -> str:
    """A VersioningConfiguration document around ``inner``."""
    return f"<VersioningConfiguration{NS}>{inner}</VersioningConfiguration>"


@pytest.mark.parametrize(
    ("text", "as_dict", "expected"),
    [
        (versioning("<Status>Enabled</Status>"), {"Status": "Enabled"}, VersioningStatus.ENABLED),
        (
            versioning("<Status>Suspended</Status>"),
            {"Status": "Suspended"},
            VersioningStatus.SUSPENDED,
        ),
        (versioning(""), {}, VersioningStatus.UNVERSIONED),
    ],
)
def test_versioning_decodes_from_both_forms(
    text: str, as_dict: dict[str, Any], expected: VersioningStatus
) -> None:
    """Enabled / Suspended / no Status (never versioned) decode alike from XML and dict (R-002)."""
    assert versioning_from_xml(text) == expected
    assert versioning_from_dict(as_dict) == expected
    assert (
        versioning_from_dict({**as_dict, "ResponseMetadata": {"HTTPStatusCode": 200}}) == expected
    )


@pytest.mark.parametrize("status", list(VersioningStatus))
def test_versioning_round_trips(status: VersioningStatus) -> None:
    """Every versioning state survives both encodings; never-versioned is empty (R-002)."""
    assert versioning_from_xml(versioning_to_xml(status)) is status
    assert versioning_from_dict(versioning_to_dict(status)) is status
    has_status = ET.fromstring(versioning_to_xml(status)).find(f"{{{S3_NAMESPACE}}}Status")
    assert (has_status is None) == (status is VersioningStatus.UNVERSIONED)


@pytest.mark.parametrize(
    ("decode", "value", "element"),
    [
        (versioning_from_xml, versioning("<Status>enabled</Status>"), "Status"),
        (versioning_from_xml, versioning("<Status>Disabled</Status>"), "Status"),
        (versioning_from_dict, {"Status": "Off"}, "Status"),
        (versioning_from_xml, versioning("<MfaDelete>On</MfaDelete>"), "MfaDelete"),
        (versioning_from_xml, versioning("<Mfa>Disabled</Mfa>"), "Mfa"),
        (
            versioning_from_xml,
            versioning("<Status>Enabled</Status><MfaDelete>Disabled</MfaDelete>"),
            "MfaDelete",
        ),
        (versioning_from_dict, {"Status": "Enabled", "MFADelete": "Disabled"}, "MfaDelete"),
    ],
)
def test_bad_versioning_documents_are_malformed_xml(
    decode: Callable[[Any], object], value: Any, element: str
) -> None:
    """A bad Status (``enabled``, ``Disabled``) or MfaDelete sans MFA: ``MalformedXML`` (R-045)."""
    err = expect_error(decode, value, MalformedXML, f"VersioningConfiguration/{element}")
    assert err.message == MESSAGE


@pytest.mark.parametrize(
    ("decode", "value"),
    [
        (versioning_from_xml, versioning("<Status>Enabled</Status><MfaDelete>Enabled</MfaDelete>")),
        (versioning_from_dict, {"Status": "Enabled", "MFADelete": "Enabled"}),
    ],
)
def test_enabling_mfa_delete_without_mfa_is_access_denied(
    decode: Callable[[Any], object], value: Any
) -> None:
    """``MfaDelete=Enabled`` without MFA is ``AccessDenied`` 403, AWS's text (R-004 area)."""
    err = expect_error(decode, value, AccessDenied, "VersioningConfiguration/MfaDelete")
    assert err.message == "Mfa Authentication must be used for this request"
    assert err.http_status == 403


# --------------------------------------------------------------------------- object lock


def lock(inner: str, *, enabled: str = "<ObjectLockEnabled>Enabled</ObjectLockEnabled>") -> str:
    """An ObjectLockConfiguration document."""
    return f"<ObjectLockConfiguration{NS}>{enabled}{inner}</ObjectLockConfiguration>"


def retention(inner: str) -> str:
    """A lock rule holding a DefaultRetention around ``inner``."""
    return f"<Rule><DefaultRetention>{inner}</DefaultRetention></Rule>"


@pytest.mark.parametrize(
    ("text", "as_dict", "expected"),
    [
        (
            lock(retention("<Mode>GOVERNANCE</Mode><Days>30</Days>")),
            {
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}},
            },
            ObjectLockConfiguration(
                default_retention=DefaultRetention(mode=ObjectLockMode.GOVERNANCE, days=30)
            ),
        ),
        (
            lock(retention("<Years>1</Years><Mode>COMPLIANCE</Mode>")),
            {
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 1}},
            },
            ObjectLockConfiguration(
                default_retention=DefaultRetention(mode=ObjectLockMode.COMPLIANCE, years=1)
            ),
        ),
        (lock(""), {"ObjectLockEnabled": "Enabled"}, ObjectLockConfiguration()),
    ],
)
def test_object_lock_configuration_decodes_from_both_forms(
    text: str, as_dict: dict[str, Any], expected: ObjectLockConfiguration
) -> None:
    """Lock configurations with Days, Years or no rule decode alike in both forms (R-086)."""
    assert object_lock_configuration_from_xml(text) == expected
    assert object_lock_configuration_from_dict(as_dict) == expected
    assert object_lock_configuration_from_dict({"ObjectLockConfiguration": as_dict}) == expected


_RETENTIONS = st.one_of(
    st.none(),
    st.builds(DefaultRetention, mode=st.sampled_from(ObjectLockMode), days=st.integers(1, 36500)),
    st.builds(DefaultRetention, mode=st.sampled_from(ObjectLockMode), years=st.integers(1, 100)),
)


@given(_RETENTIONS.map(lambda r: ObjectLockConfiguration(default_retention=r)))
def test_object_lock_configuration_round_trips(config: ObjectLockConfiguration) -> None:
    """Lock configurations survive both encodings (R-086)."""
    assert object_lock_configuration_from_xml(object_lock_configuration_to_xml(config)) == config
    assert object_lock_configuration_from_dict(object_lock_configuration_to_dict(config)) == config


@pytest.mark.parametrize(
    ("text", "element"),
    [
        (lock(retention("<Mode>GOVERNANCE</Mode><Days>1</Days>"), enabled=""), "ObjectLockEnabled"),
        (lock("", enabled="<ObjectLockEnabled>Disabled</ObjectLockEnabled>"), "ObjectLockEnabled"),
        (lock(retention("<Mode>governance</Mode><Days>1</Days>")), "Rule/DefaultRetention/Mode"),
        (lock(retention("<Days>1</Days>")), "Rule/DefaultRetention/Mode"),
        (lock(retention("<Mode>GOVERNANCE</Mode><Days>x</Days>")), "Rule/DefaultRetention/Days"),
        (
            lock(retention("<Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years>")),
            "Rule/DefaultRetention",
        ),
        (lock(retention("<Mode>GOVERNANCE</Mode>")), "Rule/DefaultRetention"),
        (
            lock(
                retention(
                    "<Mode>GOVERNANCE</Mode><Days>1</Days><DefaultEventHold>1</DefaultEventHold>"
                )
            ),
            "Rule/DefaultRetention/DefaultEventHold",
        ),
        (lock("<Rule/>"), "Rule/DefaultRetention"),
    ],
)
def test_bad_object_lock_documents_are_malformed_xml(text: str, element: str) -> None:
    """Missing/bad members, both or neither period, unmodelled ones: ``MalformedXML`` (R-045)."""
    err = expect_error(
        object_lock_configuration_from_xml, text, MalformedXML, f"ObjectLockConfiguration/{element}"
    )
    assert err.message == MESSAGE


def test_non_positive_retention_period_is_invalid_argument() -> None:
    """A zero-day retention keeps the model's ``InvalidArgument``, with the path (R-086)."""
    err = expect_error(
        object_lock_configuration_from_dict,
        {
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 0}},
        },
        InvalidArgument,
        "ObjectLockConfiguration/Rule/DefaultRetention",
    )
    assert err.message == "Default retention period must be a positive integer value"


# --------------------------------------------------------------------------- tagging


def tagging(tag_set: str) -> str:
    """A Tagging document around a TagSet's content."""
    return f"<Tagging{NS}><TagSet>{tag_set}</TagSet></Tagging>"


def tag(key: str, value: str) -> str:
    """One Tag element."""
    return f"<Tag><Key>{key}</Key><Value>{value}</Value></Tag>"


def test_tagging_decodes_from_both_forms_in_order() -> None:
    """A tag set decodes to one mapping, in document order, from XML and dict (R-024)."""
    text = tagging(tag("b", "2") + tag("a", "") + tag("c", " x "))
    as_dict = {
        "TagSet": [
            {"Key": "b", "Value": "2"},
            {"Key": "a", "Value": ""},
            {"Key": "c", "Value": " x "},
        ]
    }
    expected = {"b": "2", "a": "", "c": " x "}
    assert tagging_from_xml(text) == expected
    assert list(tagging_from_xml(text)) == ["b", "a", "c"]
    assert tagging_from_dict(as_dict) == expected
    assert tagging_from_dict({"Tagging": as_dict}) == expected


@pytest.mark.parametrize(
    "text",
    [
        tagging(""),
        "<Tagging><TagSet/></Tagging>",
        f"<Tagging{NS}>\n  <TagSet>\n  </TagSet>\n</Tagging>",
    ],
)
def test_empty_tag_sets_decode_to_no_tags(text: str) -> None:
    """An empty TagSet (empty, self-closed or whitespace) is no tags (R-024)."""
    assert tagging_from_xml(text) == {}


def test_pretty_printed_tagging_with_redeclared_namespace_decodes() -> None:
    """Whitespace between elements and a namespace re-declared on TagSet are accepted (R-024)."""
    inner = f'<TagSet xmlns="{S3_NAMESPACE}">\n  {tag("k", "v")}\n </TagSet>'
    text = f"<Tagging{NS}>\n {inner}\n</Tagging>"
    assert tagging_from_xml(text) == {"k": "v"}


@given(tag_sets())
def test_tag_sets_round_trip(tags: dict[str, str]) -> None:
    """Valid object tag sets survive both encodings, order included (R-024)."""
    from_xml = tagging_from_xml(tagging_to_xml(tags))
    assert from_xml == tags
    assert list(from_xml) == list(tags)
    assert tagging_from_dict(tagging_to_dict(tags)) == tags


@pytest.mark.parametrize("form", ["xml", "dict"])
def test_duplicate_tag_keys_are_invalid_tag(form: str) -> None:
    """Repeated keys: ``InvalidTag`` "Cannot provide multiple Tags with the same key" (R-024)."""
    if form == "xml":
        value: Any = tagging(tag("k", "1") + tag("j", "2") + tag("k", "3"))
        decode: Callable[[Any], object] = tagging_from_xml
    else:
        value = {
            "TagSet": [
                {"Key": "k", "Value": "1"},
                {"Key": "j", "Value": "2"},
                {"Key": "k", "Value": "3"},
            ]
        }
        decode = tagging_from_dict
    err = expect_error(decode, value, InvalidTag, "Tagging/TagSet/Tag[3]/Key")
    assert err.message == "Cannot provide multiple Tags with the same key"


def test_more_than_ten_tags_are_invalid_tag() -> None:
    """An eleventh object tag is ``InvalidTag`` from the shared tag limits (R-024)."""
    err = expect_error(
        tagging_from_xml,
        tagging("".join(tag(f"k{i}", "v") for i in range(11))),
        InvalidTag,
        "Tagging/TagSet",
    )
    assert "10" in err.message


@pytest.mark.parametrize(
    ("decode", "value", "element"),
    [
        (tagging_from_xml, tagging("<Tag><Key>k</Key></Tag>"), "TagSet/Tag[1]/Value"),
        (tagging_from_xml, tagging("text"), "TagSet"),
        (tagging_from_xml, tagging("x" + tag("k", "v")), "TagSet"),
        (tagging_from_xml, tagging("<Label/>"), "TagSet/Label"),
        (tagging_from_xml, f"<Tagging{NS}><TagSet/><TagSet/></Tagging>", "TagSet"),
        (tagging_from_xml, f"<Tagging{NS}/>", "TagSet"),
        (tagging_from_dict, {"TagSet": {"Key": "k", "Value": "v"}}, "TagSet"),
        (tagging_from_dict, {"TagSet": [{"Key": "k", "Value": 1}]}, "TagSet/Tag[1]/Value"),
    ],
)
def test_bad_tagging_documents_are_malformed_xml(
    decode: Callable[[Any], object], value: Any, element: str
) -> None:
    """No Value, text or unknown elements in TagSet, wrong types: ``MalformedXML`` (R-045)."""
    err = expect_error(decode, value, MalformedXML, f"Tagging/{element}")
    assert err.message == MESSAGE


# --------------------------------------------------------------------------- ACL

OWNER = "111122223333"
GRANTEE_CANONICAL = f'<Grantee xmlns:xsi="{XSI}" xsi:type="CanonicalUser"><ID>{{id}}</ID></Grantee>'
GRANTEE_GROUP = f'<Grantee xmlns:xsi="{XSI}" xsi:type="Group"><URI>{{uri}}</URI></Grantee>'


def acl_doc(grants: str, *, owner: str = f"<Owner><ID>{OWNER}</ID></Owner>") -> str:
    """An AccessControlPolicy document with the given Grant elements."""
    return (
        f"<AccessControlPolicy{NS}>{owner}"
        f"<AccessControlList>{grants}</AccessControlList></AccessControlPolicy>"
    )


def grant(grantee: str, permission: str) -> str:
    """One Grant element."""
    return f"<Grant>{grantee}<Permission>{permission}</Permission></Grant>"


EXAMPLE_ACL = Acl(
    owner=OWNER,
    grants=[
        Grant(grantee=Grantee.account(OWNER), permission=Permission.FULL_CONTROL),
        Grant(grantee=Grantee(type=GranteeType.GROUP, id=ALL_USERS), permission=Permission.READ),
    ],
)


def test_acl_decodes_from_both_forms() -> None:
    """An account and a group grantee decode alike from XML and boto3's dict (R-008, R-150)."""
    text = acl_doc(
        grant(
            GRANTEE_CANONICAL.format(id=OWNER).replace(
                "</ID>", "</ID><DisplayName>me</DisplayName>"
            ),
            "FULL_CONTROL",
        )
        + grant(GRANTEE_GROUP.format(uri=ALL_USERS), "READ"),
        owner=f"<Owner><ID>{OWNER}</ID><DisplayName>me</DisplayName></Owner>",
    )
    boto3_response = {
        "Owner": {"DisplayName": "me", "ID": OWNER},
        "Grants": [
            {
                "Grantee": {"DisplayName": "me", "ID": OWNER, "Type": "CanonicalUser"},
                "Permission": "FULL_CONTROL",
            },
            {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"},
        ],
        "ResponseMetadata": {"HTTPStatusCode": 200},
    }
    assert acl_from_xml(text) == EXAMPLE_ACL
    assert acl_from_dict(boto3_response) == EXAMPLE_ACL
    assert acl_from_dict({"AccessControlPolicy": acl_to_dict(EXAMPLE_ACL)}) == EXAMPLE_ACL


def test_acl_without_grants_decodes() -> None:
    """An ACL with an empty or absent AccessControlList has no grants (R-150)."""
    expected = Acl(owner=OWNER)
    assert acl_from_xml(acl_doc("")) == expected
    assert (
        acl_from_xml(f"<AccessControlPolicy><Owner><ID>{OWNER}</ID></Owner></AccessControlPolicy>")
        == expected
    )
    assert acl_from_dict({"Owner": {"ID": OWNER}}) == expected


def test_grantee_type_may_use_any_prefix_for_the_xsi_namespace() -> None:
    """``xsi:type`` is matched by namespace, not by prefix (R-150)."""
    grantee = f'<Grantee xmlns:i="{XSI}" i:type="CanonicalUser"><ID>{OWNER}</ID></Grantee>'
    assert acl_from_xml(acl_doc(grant(grantee, "READ"))) == Acl(
        owner=OWNER, grants=[Grant(grantee=Grantee.account(OWNER), permission=Permission.READ)]
    )


def test_acl_xml_types_grantees_with_xsi() -> None:
    """Encoded grantees carry ``xsi:type`` in the XML Schema instance namespace (R-150)."""
    root = ET.fromstring(acl_to_xml(EXAMPLE_ACL))
    grantees = root.findall(f".//{{{S3_NAMESPACE}}}Grantee")
    assert [g.get(f"{{{XSI}}}type") for g in grantees] == ["CanonicalUser", "Group"]
    assert root.find(f"{{{S3_NAMESPACE}}}Owner/{{{S3_NAMESPACE}}}ID") is not None


_GRANTEES = st.one_of(
    account_ids().map(Grantee.account),
    st.sampled_from([ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY]).map(
        lambda uri: Grantee(type=GranteeType.GROUP, id=uri)
    ),
)
_ACLS = st.builds(
    Acl,
    owner=account_ids(),
    grants=st.lists(
        st.builds(Grant, grantee=_GRANTEES, permission=st.sampled_from(Permission)), max_size=5
    ),
)


@given(_ACLS)
def test_acls_round_trip(acl: Acl) -> None:
    """ACLs survive both encodings, grant order included (R-150, R-151)."""
    assert acl_from_xml(acl_to_xml(acl)) == acl
    assert acl_from_dict(acl_to_dict(acl)) == acl


ACL_ROOT = "AccessControlPolicy"
GRANTEE_1 = f"{ACL_ROOT}/AccessControlList/Grant[1]/Grantee"


@pytest.mark.parametrize(
    ("decode", "value", "element"),
    [
        (acl_from_xml, acl_doc("", owner=""), f"{ACL_ROOT}/Owner"),
        (acl_from_xml, acl_doc("", owner="<Owner/>"), f"{ACL_ROOT}/Owner/ID"),
        (
            acl_from_xml,
            acl_doc(grant(GRANTEE_CANONICAL.format(id=OWNER), "read")),
            f"{ACL_ROOT}/AccessControlList/Grant[1]/Permission",
        ),
        (
            acl_from_xml,
            acl_doc(grant(f"<Grantee><ID>{OWNER}</ID></Grantee>", "READ")),
            f"{GRANTEE_1}/xsi:type",
        ),
        (
            acl_from_xml,
            acl_doc(grant(f'<Grantee type="CanonicalUser"><ID>{OWNER}</ID></Grantee>', "READ")),
            f"{GRANTEE_1}/@type",
        ),
        (
            acl_from_xml,
            acl_doc(
                grant(
                    GRANTEE_CANONICAL.format(id=OWNER)
                    .replace("<ID>", "<URI>")
                    .replace("</ID>", "</URI>"),
                    "READ",
                )
            ),
            f"{GRANTEE_1}/ID",
        ),
        (
            acl_from_xml,
            acl_doc(
                grant(
                    GRANTEE_GROUP.format(uri=ALL_USERS).replace(
                        "</URI>", f"</URI><ID>{OWNER}</ID>"
                    ),
                    "READ",
                )
            ),
            f"{GRANTEE_1}/ID",
        ),
        (
            acl_from_dict,
            {
                "Owner": {"ID": OWNER},
                "Grants": [
                    {
                        "Grantee": {"Type": "CanonicalUser", "ID": OWNER, "EmailAddress": "a@b.c"},
                        "Permission": "READ",
                    }
                ],
            },
            f"{GRANTEE_1}/EmailAddress",
        ),
        (acl_from_dict, {"Owner": {"ID": OWNER}, "Grants": {}}, f"{ACL_ROOT}/AccessControlList"),
        (acl_from_dict, {}, f"{ACL_ROOT}/Owner"),
    ],
)
def test_bad_acl_documents_are_malformed_acl_error(
    decode: Callable[[Any], object], value: Any, element: str
) -> None:
    """ACL schema breaks are ``MalformedACLError`` 400 with the schema message (R-045 analogue)."""
    err = expect_error(decode, value, MalformedACLError, element)
    assert err.message == MESSAGE
    assert err.http_status == 400


def test_email_grantees_are_method_not_allowed() -> None:
    """E-mail grantees, which S3 stopped accepting in 2025, are ``MethodNotAllowed`` 405 (INF)."""
    grantee = (
        f'<Grantee xmlns:xsi="{XSI}" xsi:type="AmazonCustomerByEmail">'
        "<EmailAddress>a@b.c</EmailAddress></Grantee>"
    )
    err = expect_error(acl_from_xml, acl_doc(grant(grantee, "READ")), MethodNotAllowed, GRANTEE_1)
    assert err.http_status == 405


def test_unknown_group_uri_is_invalid_argument() -> None:
    """An unknown group URI keeps the model's ``InvalidArgument``, with the path (R-150)."""
    text = acl_doc(
        grant(GRANTEE_GROUP.format(uri="http://acs.amazonaws.com/groups/global/Nobody"), "READ")
    )
    expect_error(acl_from_xml, text, InvalidArgument, GRANTEE_1)


# --------------------------------------------------------------------------- ownership


@pytest.mark.parametrize("ownership", list(ObjectOwnership))
def test_ownership_controls_decode_and_round_trip(ownership: ObjectOwnership) -> None:
    """Each Object Ownership setting decodes from both forms and round-trips (R-154)."""
    text = (
        f"<OwnershipControls{NS}><Rule><ObjectOwnership>{ownership.value}</ObjectOwnership>"
        "</Rule></OwnershipControls>"
    )
    assert ownership_controls_from_xml(text) is ownership
    assert (
        ownership_controls_from_dict({"Rules": [{"ObjectOwnership": ownership.value}]}) is ownership
    )
    assert ownership_controls_from_xml(ownership_controls_to_xml(ownership)) is ownership
    assert ownership_controls_from_dict(ownership_controls_to_dict(ownership)) is ownership


@pytest.mark.parametrize(
    ("decode", "value", "element"),
    [
        (ownership_controls_from_xml, f"<OwnershipControls{NS}/>", "Rule"),
        (
            ownership_controls_from_xml,
            "<OwnershipControls><Rule><ObjectOwnership>BucketOwner</ObjectOwnership></Rule></OwnershipControls>",
            "Rule[1]/ObjectOwnership",
        ),
        (
            ownership_controls_from_xml,
            "<OwnershipControls>"
            + "<Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule>" * 2
            + "</OwnershipControls>",
            "Rule[2]",
        ),
        (ownership_controls_from_dict, {"Rules": []}, "Rule"),
    ],
)
def test_bad_ownership_controls_are_malformed_xml(
    decode: Callable[[Any], object], value: Any, element: str
) -> None:
    """No rule, two rules or an unknown setting: ``MalformedXML`` (R-154, R-045)."""
    err = expect_error(decode, value, MalformedXML, f"OwnershipControls/{element}")
    assert err.message == MESSAGE


# --------------------------------------------------------------------------- encryption


def sse(default: str, extra: str = "") -> str:
    """A ServerSideEncryptionConfiguration with one rule."""
    return (
        f"<ServerSideEncryptionConfiguration{NS}><Rule>"
        f"<ApplyServerSideEncryptionByDefault>{default}</ApplyServerSideEncryptionByDefault>"
        f"{extra}</Rule></ServerSideEncryptionConfiguration>"
    )


KMS_KEY = "arn:aws:kms:us-east-1:111122223333:key/k"


@pytest.mark.parametrize(
    ("text", "as_dict", "expected"),
    [
        (
            sse("<SSEAlgorithm>AES256</SSEAlgorithm>"),
            {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
            DefaultEncryption(sse_algorithm=ServerSideEncryption.SSE_S3),
        ),
        (
            sse(
                f"<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>{KMS_KEY}</KMSMasterKeyID>",
                "<BucketKeyEnabled>true</BucketKeyEnabled>",
            ),
            {
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": KMS_KEY,
                        },
                        "BucketKeyEnabled": True,
                    }
                ]
            },
            DefaultEncryption(
                sse_algorithm=ServerSideEncryption.SSE_KMS,
                kms_master_key_id=KMS_KEY,
                bucket_key_enabled=True,
            ),
        ),
        (
            sse(
                "<SSEAlgorithm>aws:kms:dsse</SSEAlgorithm>",
                "<BucketKeyEnabled> 0 </BucketKeyEnabled>",
            ),
            {
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms:dsse"},
                        "BucketKeyEnabled": False,
                    }
                ]
            },
            DefaultEncryption(sse_algorithm=ServerSideEncryption.DSSE_KMS),
        ),
    ],
)
def test_default_encryption_decodes_from_both_forms(
    text: str, as_dict: dict[str, Any], expected: DefaultEncryption
) -> None:
    """SSE-S3, SSE-KMS with key and bucket key, DSSE-KMS decode alike in both forms (R-082)."""
    assert default_encryption_from_xml(text) == expected
    assert default_encryption_from_dict(as_dict) == expected
    assert default_encryption_from_dict({"ServerSideEncryptionConfiguration": as_dict}) == expected


def test_xml_booleans_follow_xml_schema() -> None:
    """``BucketKeyEnabled`` reads xs:boolean: ``true``/``false``/``1``/``0``, spaces (R-082)."""
    read = [
        default_encryption_from_xml(
            sse(
                "<SSEAlgorithm>aws:kms</SSEAlgorithm>",
                f"<BucketKeyEnabled>{word}</BucketKeyEnabled>",
            )
        ).bucket_key_enabled
        for word in ("true", "1", " true\n", "false", "0")
    ]
    assert read == [True, True, True, False, False]


_ENCRYPTIONS = st.one_of(
    st.builds(
        DefaultEncryption,
        sse_algorithm=st.just(ServerSideEncryption.SSE_S3),
        bucket_key_enabled=st.booleans(),
    ),
    st.builds(
        DefaultEncryption,
        sse_algorithm=st.sampled_from(
            [ServerSideEncryption.SSE_KMS, ServerSideEncryption.DSSE_KMS]
        ),
        kms_master_key_id=st.none() | st.just(KMS_KEY),
        bucket_key_enabled=st.booleans(),
    ),
)


@given(_ENCRYPTIONS)
def test_default_encryption_round_trips(encryption: DefaultEncryption) -> None:
    """Every default encryption the model holds survives both encodings (R-082)."""
    assert default_encryption_from_xml(default_encryption_to_xml(encryption)) == encryption
    assert default_encryption_from_dict(default_encryption_to_dict(encryption)) == encryption


SSE_ROOT = "ServerSideEncryptionConfiguration"


@pytest.mark.parametrize(
    ("decode", "value", "element"),
    [
        (
            default_encryption_from_xml,
            sse("<SSEAlgorithm>aws:fsx</SSEAlgorithm>"),
            "Rule[1]/ApplyServerSideEncryptionByDefault/SSEAlgorithm",
        ),
        (
            default_encryption_from_xml,
            sse("<SSEAlgorithm>SSE-C</SSEAlgorithm>"),
            "Rule[1]/ApplyServerSideEncryptionByDefault/SSEAlgorithm",
        ),
        (
            default_encryption_from_xml,
            sse("<SSEAlgorithm>AES256</SSEAlgorithm>", "<BucketKeyEnabled>yes</BucketKeyEnabled>"),
            "Rule[1]/BucketKeyEnabled",
        ),
        (
            default_encryption_from_xml,
            sse("<SSEAlgorithm>AES256</SSEAlgorithm>", "<BlockedTypes/>"),
            "Rule[1]/BlockedTypes",
        ),
        (
            default_encryption_from_xml,
            f"<{SSE_ROOT}><Rule><BucketKeyEnabled>true</BucketKeyEnabled></Rule></{SSE_ROOT}>",
            "Rule[1]/ApplyServerSideEncryptionByDefault",
        ),
        (
            default_encryption_from_dict,
            {
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                        "BucketKeyEnabled": "true",
                    }
                ]
            },
            "Rule[1]/BucketKeyEnabled",
        ),
        (
            default_encryption_from_dict,
            {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}] * 2},
            "Rule[2]",
        ),
    ],
)
def test_bad_default_encryption_is_malformed_xml(
    decode: Callable[[Any], object], value: Any, element: str
) -> None:
    """Unmodelled algorithms or members, non-booleans, two rules: ``MalformedXML`` (R-045)."""
    err = expect_error(decode, value, MalformedXML, f"{SSE_ROOT}/{element}")
    assert err.message == MESSAGE


def test_kms_key_with_sse_s3_is_invalid_argument() -> None:
    """``KMSMasterKeyID`` with ``AES256`` keeps the model's ``InvalidArgument`` (R-082)."""
    expect_error(
        default_encryption_from_xml,
        sse(f"<SSEAlgorithm>AES256</SSEAlgorithm><KMSMasterKeyID>{KMS_KEY}</KMSMasterKeyID>"),
        InvalidArgument,
        f"{SSE_ROOT}/Rule[1]/ApplyServerSideEncryptionByDefault",
    )


# --------------------------------------------------------------------------- shared machinery


def test_wrapped_lists_enforce_their_minimum_size() -> None:
    """The shared schema walker refuses a wrapped list shorter than its minimum (R-045).

    No S3 document above needs it yet; the walker must still honour what a shape says.
    """
    from s3repl.codec._shapes import STRING, Document, ListOf, Member, Structure

    document = Document(
        "Things", Structure((Member("Items", ListOf(STRING, item_name="Item", min_size=1)),))
    )
    assert document.decode_xml("<Things><Items><Item>a</Item></Items></Things>") == {"Items": ["a"]}
    for empty in ("<Things><Items/></Things>", "<Things><Items> </Items></Things>"):
        with pytest.raises(MalformedXML) as caught:
            document.decode_xml(empty)
        assert caught.value.element == "Things/Items"


def test_model_errors_that_name_an_element_keep_it() -> None:
    """A model error that already names its element is re-raised unchanged (R-045)."""
    from s3repl.codec._shapes import build

    def make() -> object:
        msg = "bad"
        raise InvalidArgument(msg, element="Inner/Element")

    with pytest.raises(InvalidArgument) as caught:
        build("Outer", make)
    assert caught.value.element == "Inner/Element"


def test_text_that_is_not_unicode_is_malformed_xml() -> None:
    """A ``str`` holding a lone surrogate cannot be UTF-8 and is ``MalformedXML`` (R-045)."""
    expect_error(
        tagging_from_xml, f"<Tagging{NS}><TagSet>\ud800</TagSet></Tagging>", MalformedXML, "Tagging"
    )
