"""Hostile inputs end in the library's own error, naming what is wrong: never a traceback.

The first test is the hostile-input table of issue 11, one row per input that an
audit measured: each row names the requirement it pins (R-045 schema errors are
``MalformedXML``, R-020 the 2 MB limit, R-047 ARNs, ...), the error class expected,
and the element or text the error must name. Expected codes and messages are S3's
(SPEC R-045: every schema violation is ``MalformedXML`` with one fixed message) or,
for the simulator's own controls, the library's :class:`~s3repl.errors.UsageError`.
The tests after it pin what the table cannot: all violations at once, nothing
changed by a refused call, and the messages a user reads.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from s3repl import codec, iam
from s3repl.codec._shapes import describe_value
from s3repl.engine import Engine, FaultPlan
from s3repl.errors import (
    IllegalVersioningConfigurationException,
    InvalidArgument,
    InvalidArgumentType,
    InvalidBucketState,
    InvalidUsageError,
    MalformedACLError,
    MalformedPolicy,
    MalformedXML,
    NoSuchKey,
    S3ReplError,
)
from s3repl.model import VersioningStatus
from s3repl.model.names import check_region
from s3repl.validate import undecodable_problems, validate_replication

ROLE = "arn:aws:iam::123456789012:role/replication"
ROOT = "ReplicationConfiguration"
R1 = f"{ROOT}/Rule[1]"
DEPTH = 1_000  # the audit's depth: repr() of such a value raised RecursionError
DEEP = 100_000  # far past the interpreter's recursion limit


def _rule(**changes: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "ID": "all",
        "Priority": 1,
        "Status": "Enabled",
        "Filter": {},
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "Destination": {"Bucket": "arn:aws:s3:::replica-bucket"},
    }
    rule.update(changes)
    return rule


def _config(**changes: Any) -> dict[str, Any]:
    return {"Role": ROLE, "Rules": [_rule(**changes)]}


def _nested_list(depth: int) -> object:
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return value


def _nested_dict(depth: int) -> object:
    value: object = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


def _nested_tuple(depth: int) -> object:
    value: object = ()
    for _ in range(depth):
        value = (value,)
    return value


def _xml(rule_body: str) -> str:
    return (
        f'<ReplicationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"<Role>{ROLE}</Role><Rule>{rule_body}<Status>Enabled</Status>"
        f"<Destination><Bucket>arn:aws:s3:::replica-bucket</Bucket></Destination>"
        f"</Rule></ReplicationConfiguration>"
    )


_BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    "<ReplicationConfiguration><Role>&lol2;</Role></ReplicationConfiguration>"
)
_XXE = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<ReplicationConfiguration><Role>&xxe;</Role></ReplicationConfiguration>"
)


def _engine_with_bucket() -> Engine:
    engine = Engine()
    engine.create_bucket("source-bucket", versioning=True)
    return engine


# (id: what and its R-id, the call, the error class, a text the error must name)
HOSTILE: list[tuple[str, Callable[[], object], type[S3ReplError], str]] = [
    (
        "R-045 list nested 1,000 deep in a string slot",
        lambda: codec.replication_from_dict({"Role": _nested_list(DEPTH), "Rules": [_rule()]}),
        MalformedXML,
        f"{ROOT}/Role",
    ),
    (
        "R-045 dict nested 1,000 deep in a string slot",
        lambda: codec.replication_from_dict(_config(ID=_nested_dict(DEPTH))),
        MalformedXML,
        f"{R1}/ID",
    ),
    (
        "R-045 list nested 100,000 deep in an integer slot",
        lambda: codec.replication_from_dict(_config(Priority=_nested_list(DEEP))),
        MalformedXML,
        f"{R1}/Priority",
    ),
    (
        "R-024 dict nested 1,000 deep in a tag key",
        lambda: codec.tagging_from_dict({"TagSet": [{"Key": _nested_dict(DEPTH), "Value": "v"}]}),
        MalformedXML,
        "Tagging/TagSet/Tag[1]/Key",
    ),
    (
        "R-045 tuple nested 1,000 deep as an unknown member's name",
        lambda: codec.replication_from_dict({**_config(), _nested_tuple(DEPTH): 1}),
        MalformedXML,
        "Unknown parameter in ReplicationConfiguration",
    ),
    (
        "R-045 5,000-digit Priority in XML",
        lambda: codec.replication_from_xml(_xml(f"<Priority>{'9' * 5000}</Priority>")),
        MalformedXML,
        f"{R1}/Priority",
    ),
    (
        "R-045 2**80 Priority in a dict",
        lambda: codec.replication_from_dict(_config(Priority=2**80)),
        MalformedXML,
        f"{R1}/Priority",
    ),
    (
        "R-020 replication_from_xml(2**40) allocates nothing",
        lambda: codec.replication_from_xml(2**40),  # type: ignore[arg-type]
        InvalidArgument,
        ROOT,
    ),
    (
        "R-020 document over 2 MB",
        lambda: codec.replication_from_xml(_xml(f"<ID>{'x' * codec.MAX_DOCUMENT_BYTES}</ID>")),
        MalformedXML,
        ROOT,
    ),
    (
        "R-020 bytes over 2 MB as a memoryview",
        lambda: codec.replication_from_xml(memoryview(b" " * (codec.MAX_DOCUMENT_BYTES + 1))),
        MalformedXML,
        ROOT,
    ),
    ("R-045 entity bomb", lambda: codec.replication_from_xml(_BOMB), MalformedXML, ROOT),
    ("R-045 external entity", lambda: codec.replication_from_xml(_XXE), MalformedXML, ROOT),
    (
        "R-045 invalid UTF-8",
        lambda: codec.replication_from_xml(b"<ReplicationConfiguration>\xff\xfe"),
        MalformedXML,
        ROOT,
    ),
    (
        "R-045 ACL given as None",
        lambda: codec.acl_from_dict(None),  # type: ignore[arg-type]
        MalformedACLError,
        "AccessControlPolicy",
    ),
    (
        "R-084 empty grantee ID (found by the fuzzer)",
        lambda: codec.acl_from_dict(
            {
                "Owner": {"ID": "123456789012"},
                "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": ""}, "Permission": "READ"}],
            }
        ),
        MalformedACLError,
        "AccessControlPolicy/AccessControlList/Grant[1]/Grantee",
    ),
    (
        "R-084 empty owner ID in XML",
        lambda: codec.acl_from_xml(
            "<AccessControlPolicy><Owner><ID></ID></Owner></AccessControlPolicy>"
        ),
        MalformedACLError,
        "AccessControlPolicy/Owner/ID",
    ),
    (
        "R-124 set_faults('none')",
        lambda: Engine().set_faults("none"),  # type: ignore[arg-type]
        InvalidUsageError,
        "FaultPlan.none()",
    ),
    ("R-129 advance(seconds=-5)", lambda: Engine().advance(seconds=-5), InvalidUsageError, "-5"),
    (
        "R-129 advance(seconds=nan)",
        lambda: Engine().advance(seconds=math.nan),
        InvalidUsageError,
        "finite",
    ),
    (
        "R-129 advance(seconds=inf)",
        lambda: Engine().advance(seconds=math.inf),
        InvalidUsageError,
        "finite",
    ),
    (
        "R-129 advance(seconds='3')",
        lambda: Engine().advance(seconds="3"),  # type: ignore[arg-type]
        InvalidUsageError,
        "a number",
    ),
    (
        "R-090 complete_multipart_upload with a None part",
        lambda: _engine_with_bucket().complete_multipart_upload(
            "source-bucket",
            "k",
            [b"a", None],  # type: ignore[list-item]
        ),
        InvalidArgument,
        "Part 2",
    ),
    (
        "R-141 Engine(seed='abc')",
        lambda: Engine(seed="abc"),  # type: ignore[arg-type]
        InvalidUsageError,
        "seed must be an int",
    ),
    (
        "R-002 create_bucket(versioning='yes')",
        lambda: Engine().create_bucket("source-bucket", versioning="yes"),
        IllegalVersioningConfigurationException,
        "'Enabled' or 'Suspended'",
    ),
    (
        "R-006 policy mapping with a tuple nested 1,000 deep as a key",
        lambda: iam.parse_policy({_nested_tuple(DEPTH): 1}),  # type: ignore[dict-item]
        MalformedPolicy,
        "Unknown field a value of type tuple",
    ),
    (
        "R-006 policy condition key nested 1,000 deep",
        lambda: iam.parse_policy(
            {
                "Statement": {
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "Resource": "*",
                    "Condition": {"StringEquals": {_nested_tuple(DEPTH): "x"}},
                }
            }
        ),
        MalformedPolicy,
        "Statement[0].Condition.StringEquals.<tuple>",
    ),
    (
        "R-006 policy Effect given as a list nested 1,000 deep",
        lambda: iam.parse_policy(
            {"Statement": {"Effect": _nested_list(DEPTH), "Action": "s3:*", "Resource": "*"}}
        ),
        MalformedPolicy,
        "Invalid effect a value of type list",
    ),
    (
        "R-047 create_bucket(name=<list nested 1,000 deep>)",
        lambda: Engine().create_bucket(_nested_list(DEPTH)),  # type: ignore[arg-type]
        InvalidArgumentType,
        "create_bucket() argument 'name' must be str, got list",
    ),
    (
        "R-001 check_region(<dict>)",
        lambda: check_region({"eu-west-1": 1}),  # type: ignore[arg-type]
        InvalidArgumentType,
        "A region must be a string, got dict",
    ),
    (
        "R-009 create_bucket(versioning='Suspended', object_lock=True)",
        lambda: Engine().create_bucket("source-bucket", versioning="Suspended", object_lock=True),
        InvalidBucketState,
        "Object Lock",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "names"),
    [pytest.param(call, error, names, id=rid) for rid, call, error, names in HOSTILE],
)
def test_hostile_input_is_refused_with_the_librarys_error(
    call: Callable[[], object], error: type[S3ReplError], names: str
) -> None:
    """Each hostile input of the audit ends in the library's error, which names it.

    The R-id of each row is in its id. No ``RecursionError``, Python ``ValueError``,
    ``MemoryError`` or ``AttributeError`` may escape: only ``error`` (a subclass of
    :class:`~s3repl.errors.S3ReplError`), whose ``str()`` (and, for document errors,
    ``element``) names the offending place or value.
    """
    with pytest.raises(S3ReplError) as caught:
        call()
    assert type(caught.value) is error or isinstance(caught.value, error)
    element = getattr(caught.value, "element", None)
    assert names in str(caught.value) or names == element


def test_dict_type_errors_are_reported_all_at_once() -> None:
    """R-045, R-047: ``"Priority": "1"``, ``"Status": "enabled"`` and a bucket that is not
    an ARN are reported together, each at its element, each saying what was expected
    (botocore's parameter-validation wording), not one bare ``MalformedXML``."""
    config = _config(Priority="1", Status="enabled", Destination={"Bucket": "replica-bucket"})
    with pytest.raises(MalformedXML) as caught:
        codec.replication_from_dict(config)
    err = caught.value
    assert err.message == MalformedXML.DEFAULT_MESSAGE  # what S3 answers (R-045, T-33)
    assert err.element == f"{R1}/Priority"  # the first violation
    assert [(v.element, v.message) for v in err.violations] == [
        (
            f"{R1}/Priority",
            "Invalid type for parameter ReplicationConfiguration.Rules[0].Priority, "
            "value: '1', type: str, valid types: int",
        ),
        (
            f"{R1}/Status",
            "Invalid value for parameter ReplicationConfiguration.Rules[0].Status, "
            "value: 'enabled', valid values: Enabled, Disabled",
        ),
    ]
    engine = _engine_with_bucket()
    problems = validate_replication(engine, "source-bucket", config)
    assert [(p.code, p.requirement, p.element) for p in problems] == [
        ("MalformedXML", "R-045", f"{R1}/Priority"),
        ("MalformedXML", "R-045", f"{R1}/Status"),
        ("InvalidArgument", "R-047", f"{R1}/Destination/Bucket"),
    ]
    assert problems[2].message == "Invalid bucket ARN"
    assert problems[2].rule_id == "all"


def test_missing_and_unknown_members_name_the_parameter() -> None:
    """R-020, R-021: a missing ``Destination`` and an unknown member are named with the
    boto3 parameter path and the members that were expected."""
    rule = _rule(Bogus=1)
    del rule["Destination"]
    with pytest.raises(MalformedXML) as caught:
        codec.replication_from_dict({"Role": ROLE, "Rules": [rule]})
    messages = [v.message for v in caught.value.violations]
    assert messages[0].startswith(
        'Unknown parameter in ReplicationConfiguration.Rules[0]: "Bogus", must be one of: ID, '
    )
    assert 'Missing required parameter in ReplicationConfiguration.Rules[0]: "Destination"' in (
        messages
    )
    assert f"{R1}/Destination" in str(caught.value)  # str() lists every violation


def test_violations_are_bounded() -> None:
    """R-045: a dict with a million bad rules stops at the bound; the error says so."""
    rules = [{"Status": 1}] * 1_000_000
    with pytest.raises(MalformedXML) as caught:
        codec.replication_from_dict({"Role": ROLE, "Rules": rules})
    assert 0 < len(caught.value.violations) <= 50
    assert any("there are more" in note for note in caught.value.__notes__)


def test_refused_controls_change_nothing() -> None:
    """R-124, R-129: a refused ``set_faults`` keeps the plan in force (so ``fork()``
    still works) and a refused ``advance`` does not move the clock."""
    engine = Engine()
    plan = FaultPlan(unavailable_regions=frozenset({"eu-west-1"}))
    engine.set_faults(plan)
    with pytest.raises(InvalidUsageError):
        engine.set_faults("none")  # type: ignore[arg-type]
    assert engine.faults == plan
    assert engine.fork().faults == plan
    before = engine.now
    for bad in (-5, math.nan, math.inf):
        with pytest.raises(ValueError, match="seconds"):  # still a ValueError, as before
            engine.advance(seconds=bad)
    assert engine.now == before
    engine.advance(seconds=1.5)
    assert (engine.now - before).total_seconds() == 1.5


def test_refused_multipart_part_is_a_type_error_too() -> None:
    """R-090: a ``None`` part is ``InvalidArgument`` (also a ``TypeError``) naming the
    part by its 1-based number, and nothing is written."""
    engine = _engine_with_bucket()
    with pytest.raises(TypeError) as caught:
        engine.complete_multipart_upload("source-bucket", "k", [b"a", None])  # type: ignore[list-item]
    assert isinstance(caught.value, InvalidArgumentType)
    assert caught.value.element == "Part[2]"
    assert engine.list_object_versions("source-bucket") == ()


@pytest.mark.parametrize(
    ("versioning", "expected"),
    [
        (True, VersioningStatus.ENABLED),
        ("Enabled", VersioningStatus.ENABLED),
        ("Suspended", VersioningStatus.SUSPENDED),
        (VersioningStatus.SUSPENDED, VersioningStatus.SUSPENDED),
        (False, VersioningStatus.UNVERSIONED),
    ],
)
def test_create_bucket_versioning_states(versioning: Any, expected: VersioningStatus) -> None:
    """R-002: ``create_bucket(versioning=...)`` takes the bools it always took and the
    states ``put_bucket_versioning`` takes; ``"Suspended"`` is no longer enabled."""
    engine = Engine()
    assert engine.create_bucket("source-bucket", versioning=versioning).versioning is expected
    assert engine.get_bucket("source-bucket").versioning is expected


def test_refused_create_bucket_creates_nothing() -> None:
    """R-002: a refused versioning value leaves no bucket behind."""
    engine = Engine()
    with pytest.raises(IllegalVersioningConfigurationException):
        engine.create_bucket("source-bucket", versioning="enabled")
    assert engine.snapshot().bucket("source-bucket") is None


def test_no_such_key_names_the_key_and_the_delete_marker() -> None:
    """R-087: a GET of a key whose current version is a delete marker is ``NoSuchKey``;
    the error names the key and the marker (S3 sends ``x-amz-delete-marker: true`` and
    the marker's ``x-amz-version-id``); an absent key is named too."""
    engine = _engine_with_bucket()
    with pytest.raises(NoSuchKey) as absent:
        engine.get_object("source-bucket", "never-written")
    assert absent.value.key == "never-written"
    assert not absent.value.is_delete_marker
    assert "key 'never-written'" in str(absent.value)
    assert absent.value.response["Error"]["Key"] == "never-written"
    engine.put_object("source-bucket", "report.csv", b"v1")
    marker = engine.delete_object("source-bucket", "report.csv")
    with pytest.raises(NoSuchKey) as deleted:
        engine.head_object("source-bucket", "report.csv")
    err = deleted.value
    assert err.message == "The specified key does not exist."  # S3's text, unchanged
    assert err.delete_marker_version_id == marker.version_id
    assert "the current version is a delete marker" in str(err)
    headers = err.response["ResponseMetadata"]["HTTPHeaders"]
    assert headers == {"x-amz-delete-marker": "true", "x-amz-version-id": marker.version_id}


def test_undecodable_dict_reports_arns_of_the_raw_document() -> None:
    """R-047: the ARN problems of a dict that does not decode are read off the raw
    document, wrapped as ``aws s3api get-bucket-replication`` prints it, too; values
    that are not strings are left to the schema problems."""
    config = {
        "ReplicationConfiguration": {
            "Role": "not-a-role",
            "Rules": [
                _rule(Priority="1", ID=""),
                "not a rule",
                _rule(Destination={"Bucket": 7}),
            ],
        },
        "ResponseMetadata": {"HTTPStatusCode": 200},
    }
    with pytest.raises(MalformedXML) as caught:
        codec.replication_from_dict(config)
    problems = undecodable_problems(caught.value, config)
    arn_problems = [
        (p.requirement, p.element, p.rule_id) for p in problems if p.code != "MalformedXML"
    ]
    assert arn_problems == [("R-047", f"{ROOT}/Role", None)]
    assert undecodable_problems(caught.value, ["not", "a", "mapping"]) == problems[:-1]


def test_xml_that_does_not_decode_is_one_problem() -> None:
    """R-045: S3 stops at the first error of an XML document: one problem, AWS's text."""
    with pytest.raises(MalformedXML) as caught:
        codec.replication_from_xml(_xml("<Priority>x</Priority>"))
    (problem,) = undecodable_problems(caught.value)
    assert (problem.code, problem.message, problem.element) == (
        "MalformedXML",
        MalformedXML.DEFAULT_MESSAGE,
        f"{R1}/Priority",
    )


def test_parts_must_be_a_sequence() -> None:
    """R-090: ``parts`` itself must be a sequence of bodies, not one body or ``None``."""
    engine = _engine_with_bucket()
    for bad in (None, b"abc", "abc"):
        with pytest.raises(InvalidArgumentType, match="sequence of bytes"):
            engine.complete_multipart_upload("source-bucket", "k", bad)  # type: ignore[arg-type]


class _HostileMapping(dict[str, Any]):
    def __len__(self) -> int:
        msg = "no length for you"
        raise RuntimeError(msg)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("x" * 100, repr("x" * 57 + "...")),
        (None, "None"),
        (1.5, "1.5"),
        (True, "True"),
        (2**100, "an integer of 101 bits"),
        (_nested_list(DEEP), "a list of 1 item(s)"),
        (frozenset({1, 2}), "a frozenset of 2 item(s)"),
        (_HostileMapping(), "a value of type _HostileMapping"),
        (object(), "a value of type object"),
    ],
)
def test_values_in_messages_are_described_safely(value: object, shown: str) -> None:
    """R-045: an offending value is shown short, never by ``repr()`` of a container or
    ``str()`` of a huge integer, and a container whose ``len()`` fails is named only."""
    assert describe_value(value) == shown
