"""Bucket event notifications routed as S3 routes them (R-128..R-130; issue 12).

The configuration shape and event types are botocore's (``NotificationConfiguration``,
``Event``); the record shape is the UG's ``notification-content-structure.md``:
``eventVersion`` 2.1 for ``ObjectCreated``, 2.2 for replication events (R-130),
``eventSource`` ``aws:s3``, ``s3.bucket``, ``s3.object``, ``replicationEventData``.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Any

import boto3
import pytest
from aws_env import no_aws_env  # noqa: F401 - a fixture, used by name
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from s3repl import Engine, Profile
from s3repl.aws import mock
from s3repl.engine.notifications import (
    NotificationConfiguration,
    NotificationTarget,
    TargetKind,
    event_matches,
)
from s3repl.errors import InvalidArgument, MalformedXML, NoSuchBucket, S3Error
from s3repl.profile import LatencyModel

ROLE = "arn:aws:iam::123456789012:role/repl"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:events"
TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:handler"


def rule(dest: str, *, metrics: bool = True, rtc: bool = False) -> dict[str, Any]:
    """A V2 rule for every object towards ``dest`` (boto3 shape)."""
    destination: dict[str, Any] = {"Bucket": f"arn:aws:s3:::{dest}"}
    if rtc:
        destination["Metrics"] = {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}
        destination["ReplicationTime"] = {"Status": "Enabled", "Time": {"Minutes": 15}}
    elif metrics:
        destination["Metrics"] = {"Status": "Enabled"}
    return {
        "ID": "to-dst",
        "Priority": 1,
        "Status": "Enabled",
        "Filter": {},
        "DeleteMarkerReplication": {"Status": "Enabled"},
        "Destination": destination,
    }


def world(profile: Profile | None = None, *, rtc: bool = False) -> Engine:
    """``src`` replicating to ``dst`` (eu-west-1) with metrics on."""
    eng = Engine(seed=4, profile=profile)
    eng.create_bucket("src", versioning=True)
    eng.create_bucket("dst", versioning=True, region="eu-west-1")
    eng.create_role(ROLE)
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst", rtc=rtc)]})
    return eng


def queue(events: list[str], **filters: str) -> dict[str, Any]:
    """A one-queue configuration taking ``events``, with prefix/suffix filters."""
    entry: dict[str, Any] = {"Id": "q", "QueueArn": QUEUE, "Events": events}
    if filters:
        rules = [{"Name": name, "Value": value} for name, value in filters.items()]
        entry["Filter"] = {"Key": {"FilterRules": rules}}
    return {"QueueConfigurations": [entry]}


# -- the configuration -------------------------------------------------------------------


def test_r128_configuration_round_trips() -> None:
    """R-128: what Put stores, Get answers in boto3's shape; an empty one removes it."""
    eng = world()
    assert eng.get_bucket_notification_configuration("src") == {}
    config = {
        "QueueConfigurations": [
            {
                "Id": "q",
                "QueueArn": QUEUE,
                "Events": ["s3:Replication:*"],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "logs/"}]}},
            }
        ],
        "TopicConfigurations": [{"TopicArn": TOPIC, "Events": ["s3:ObjectCreated:*"]}],
    }
    eng.put_bucket_notification_configuration("src", config)
    got = eng.get_bucket_notification_configuration("src")
    assert got["QueueConfigurations"][0]["Filter"] == {
        "Key": {"FilterRules": [{"Name": "Prefix", "Value": "logs/"}]}
    }
    assert got["TopicConfigurations"] == [
        {"Id": "Topic-1", "TopicArn": TOPIC, "Events": ["s3:ObjectCreated:*"]}
    ]
    eng.put_bucket_notification_configuration("src", {})
    assert eng.get_bucket_notification_configuration("src") == {}


@pytest.mark.parametrize(
    ("config", "error", "match"),
    [
        (queue(["s3:Replication:OperationCompletedReplication"]), InvalidArgument, "event"),
        ({"QueueConfigurations": [{"QueueArn": TOPIC, "Events": ["s3:ObjectCreated:*"]}]},
         InvalidArgument, "Queue ARN"),
        ({"QueueConfigurations": [{"QueueArn": QUEUE, "Events": ["s3:ObjectCreated:*"],
          "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "a"},
                                             {"Name": "Prefix", "Value": "b"}]}}}]},
         InvalidArgument, "more than one prefix"),
        ({"QueueConfigurations": [{"QueueArn": QUEUE, "Events": ["s3:ObjectCreated:Put"]}],
          "TopicConfigurations": [{"TopicArn": TOPIC, "Events": ["s3:ObjectCreated:*"]}]},
         InvalidArgument, "overlap"),
        ({"QueueConfiguration": []}, MalformedXML, "well-formed"),
        ({"QueueConfigurations": [{"QueueArn": QUEUE, "Events": ["s3:ObjectCreated:*"],
          "Filter": {"Key": "logs/"}}]}, MalformedXML, "well-formed"),
        ({"QueueConfigurations": [{"QueueArn": QUEUE, "Events": ["s3:ObjectCreated:*"],
          "Filter": {"Key": {"FilterRules": [{"Name": "middle", "Value": "x"}]}}}]},
         InvalidArgument, "prefix or suffix"),
        ({"QueueConfigurations": [{"QueueArn": QUEUE}]}, MalformedXML, "well-formed"),
    ],
)  # fmt: skip
def test_r128_bad_configurations_are_refused_whole(
    config: dict[str, Any], error: type[Exception], match: str
) -> None:
    """R-128: an unknown event type (there is no OperationCompletedReplication), a wrong
    ARN, two prefix rules, overlapping targets or a wrong shape are refused with S3's
    error, and the previous configuration stays."""
    eng = world()
    eng.put_bucket_notification_configuration("src", queue(["s3:Replication:*"]))
    before = eng.get_bucket_notification_configuration("src")
    with pytest.raises(error, match=match):
        eng.put_bucket_notification_configuration("src", config)
    assert eng.get_bucket_notification_configuration("src") == before


def test_targets_that_cannot_share_an_event_do_not_overlap() -> None:
    """R-128: the same event type under disjoint prefixes is allowed."""
    NotificationConfiguration(
        targets=(
            NotificationTarget(kind="Queue", arn=QUEUE, id="a", events=("s3:ObjectCreated:*",),
                               prefix="a/"),
            NotificationTarget(kind="Queue", arn=QUEUE, id="b", events=("s3:ObjectCreated:*",),
                               prefix="b/"),
        )
    )  # fmt: skip
    assert event_matches("s3:Replication:*", "s3:Replication:OperationMissedThreshold")
    assert not event_matches("s3:ObjectCreated:Put", "s3:ObjectCreated:Copy")


def test_unknown_bucket_and_deleted_bucket() -> None:
    """R-128: a configuration needs its bucket, and goes with it."""
    eng = world()
    with pytest.raises(NoSuchBucket):
        eng.put_bucket_notification_configuration("nope", queue(["s3:ObjectCreated:*"]))
    eng.create_bucket("tmp")
    eng.put_bucket_notification_configuration("tmp", queue(["s3:ObjectCreated:*"]))
    eng.delete_bucket("tmp")
    eng.create_bucket("tmp")
    assert eng.get_bucket_notification_configuration("tmp") == {}


# -- delivery ----------------------------------------------------------------------------


def test_object_created_record_shape() -> None:
    """R-128: ``s3:ObjectCreated:Put`` delivers one record in S3's event JSON shape."""
    eng = world()
    eng.put_bucket_notification_configuration("src", queue(["s3:ObjectCreated:*"]))
    version = eng.put_object("src", "dir/a b.txt", b"hello")
    ((record,),) = (message["Records"] for message in eng.notifications(QUEUE))
    assert record["eventVersion"] == "2.1"
    assert record["eventSource"] == "aws:s3"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["awsRegion"] == "us-east-1"
    assert record["s3"]["configurationId"] == "q"
    assert record["s3"]["bucket"]["name"] == "src"
    assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::src"
    obj = record["s3"]["object"]
    assert obj["key"] == "dir/a+b.txt"  # URL-encoded, as S3 writes keys in records
    assert obj["size"] == 5
    assert obj["eTag"] == version.etag.strip('"')
    assert obj["versionId"] == version.version_id
    assert "replicationEventData" not in record


def test_copy_and_multipart_have_their_own_event_names() -> None:
    """R-128: a copy is ``ObjectCreated:Copy``, a multipart upload
    ``ObjectCreated:CompleteMultipartUpload``; a target taking only ``Put`` gets neither."""
    eng = world()
    eng.put_bucket_notification_configuration(
        "src",
        {
            "QueueConfigurations": [
                {"QueueArn": QUEUE, "Events": ["s3:ObjectCreated:Copy", "s3:ObjectCreated:Put"]}
            ],
            "LambdaFunctionConfigurations": [
                {
                    "LambdaFunctionArn": FUNCTION,
                    "Events": ["s3:ObjectCreated:CompleteMultipartUpload"],
                }
            ],
        },
    )
    eng.put_object("src", "a", b"x")
    eng.copy_object("src", "b", "src/a")
    eng.complete_multipart_upload("src", "c", [b"1", b"2"])
    names = [m["Records"][0]["eventName"] for m in eng.notifications(QUEUE)]
    assert names == ["ObjectCreated:Put", "ObjectCreated:Copy"]
    (multipart,) = eng.notifications(FUNCTION)
    assert multipart["Records"][0]["eventName"] == "ObjectCreated:CompleteMultipartUpload"


def test_prefix_and_suffix_filters() -> None:
    """R-128: only keys with the prefix and the suffix are delivered."""
    eng = world()
    eng.put_bucket_notification_configuration(
        "src", queue(["s3:ObjectCreated:*"], prefix="logs/", suffix=".gz")
    )
    for key in ("logs/a.gz", "logs/a.txt", "data/a.gz", "logs/b.gz"):
        eng.put_object("src", key, b"x")
    keys = [m["Records"][0]["s3"]["object"]["key"] for m in eng.notifications(QUEUE)]
    assert keys == ["logs/a.gz", "logs/b.gz"]


def test_r130_failed_replication_record() -> None:
    """R-129, R-130: a failed replication under metrics delivers
    ``Replication:OperationFailedReplication``, event version 2.2, from S3 itself, with
    ``replicationEventData`` naming the rule, destination, operation and reason."""
    eng = world()
    eng.put_bucket_notification_configuration("src", queue(["s3:Replication:*"]))
    eng.delete_role(ROLE)
    version = eng.put_object("src", "k", b"x")
    eng.run()
    ((record,),) = (message["Records"] for message in eng.notifications(QUEUE))
    assert record["eventVersion"] == "2.2"
    assert record["eventName"] == "Replication:OperationFailedReplication"
    assert record["userIdentity"] == {"principalId": "s3.amazonaws.com"}
    assert record["requestParameters"] == {"sourceIPAddress": "s3.amazonaws.com"}
    data = record["replicationEventData"]
    assert data["replicationRuleId"] == "to-dst"
    assert data["destinationBucket"] == "arn:aws:s3:::dst"
    assert data["s3Operation"] == "OBJECT_PUT"
    assert data["failureReason"] == "AssumeRoleNotPermitted"
    assert data["requestTime"] == version.last_modified.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    assert "threshold" not in data


def test_r129_threshold_records_follow_simulated_latency() -> None:
    """R-129, R-130: under a latency model a 20-minute route sends MissedThreshold at
    15 minutes and ReplicatedAfterThreshold at 20, with threshold and time taken."""
    slow = Profile(latency=LatencyModel(across_oceans_seconds=1200, tail_shape=None))
    eng = world(slow, rtc=True)
    eng.put_bucket_notification_configuration(
        "src", queue(["s3:Replication:OperationMissedThreshold",
                      "s3:Replication:OperationReplicatedAfterThreshold"])
    )  # fmt: skip
    eng.put_object("src", "k", b"x")
    eng.advance(seconds=3600)
    missed, late = (m["Records"][0] for m in eng.notifications(QUEUE))
    assert missed["eventName"] == "Replication:OperationMissedThreshold"
    assert missed["replicationEventData"]["threshold"] == "15"
    assert late["eventName"] == "Replication:OperationReplicatedAfterThreshold"
    assert late["replicationEventData"]["replicationTime"] == "1200"
    assert missed["eventTime"] < late["eventTime"]


def test_events_on_other_buckets_or_types_are_not_delivered() -> None:
    """R-128: a target receives only its bucket's events of its types."""
    eng = world()
    eng.put_bucket_notification_configuration("dst", queue(["s3:Replication:*"]))
    eng.put_bucket_notification_configuration("src", {"TopicConfigurations": [
        {"TopicArn": TOPIC, "Events": ["s3:Replication:OperationMissedThreshold"]}]})  # fmt: skip
    eng.delete_role(ROLE)
    eng.put_object("src", "k", b"x")
    eng.run()
    assert eng.notifications(QUEUE) == ()
    assert eng.notifications(TOPIC) == ()
    assert len(eng.events()) == 1  # the failure happened; nobody subscribed to it


def test_drain_empties_the_sink_and_runs_are_deterministic() -> None:
    """Issue 12: draining reads and empties; the same seed delivers the same messages;
    a snapshot carries configurations and undrained messages."""
    runs = []
    for _ in range(2):
        eng = world()
        eng.put_bucket_notification_configuration("src", queue(["s3:ObjectCreated:*"]))
        eng.put_object("src", "a", b"x")
        restored = Engine.from_snapshot(eng.snapshot())
        assert restored.notifications(QUEUE) == eng.notifications(QUEUE)
        eng.put_object("src", "b", b"x")
        runs.append(eng.notifications(QUEUE, drain=True))
        assert eng.notifications(QUEUE) == ()
    assert runs[0] == runs[1]
    assert len(runs[0]) == 2


def test_value_api_builds_targets() -> None:
    """R-128: a target built as a value validates its ARN against its kind."""
    target = NotificationTarget(kind=TargetKind.FUNCTION, arn=FUNCTION, id="f",
                                events=("s3:ObjectCreated:*",))  # fmt: skip
    assert target.takes("s3:ObjectCreated:Put", "any")
    with pytest.raises(InvalidArgument, match="LambdaFunction ARN"):
        NotificationTarget(
            kind=TargetKind.FUNCTION, arn=QUEUE, id="f", events=("s3:ObjectCreated:*",)
        )
    eng = world()
    eng.put_bucket_notification_configuration("src", NotificationConfiguration(targets=(target,)))
    eng.put_object(
        "src",
        "k",
        b"x",
    )
    (message,) = eng.notifications(FUNCTION)
    when = dt.datetime.fromisoformat(message["Records"][0]["eventTime"].replace("Z", "+00:00"))
    assert when.tzinfo is not None


@pytest.mark.usefixtures("no_aws_env")
def test_r128_boto3_put_and_get_through_the_mock() -> None:
    """R-128: boto3's Put/GetBucketNotificationConfiguration reach the engine through
    ``s3repl.aws.mock`` (S3's XML on the wire), and its errors come back as S3's."""
    eng = world()
    config = queue(["s3:ObjectCreated:*"], prefix="in/")
    with mock(eng):
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.put_bucket_notification_configuration(Bucket="src", NotificationConfiguration=config)
        got = s3.get_bucket_notification_configuration(Bucket="src")
        s3.put_object(Bucket="src", Key="in/a", Body=b"x")
        with pytest.raises(ClientError) as caught:
            s3.put_bucket_notification_configuration(
                Bucket="src", NotificationConfiguration=queue(["s3:Object:Nope"])
            )
    assert (
        got["QueueConfigurations"]
        == eng.get_bucket_notification_configuration("src")["QueueConfigurations"]
    )
    assert caught.value.response["Error"]["Code"] == "InvalidArgument"
    (message,) = eng.notifications(QUEUE)
    assert message["Records"][0]["s3"]["object"]["key"] == "in/a"


keys = st.text(alphabet="ab/.", min_size=1, max_size=6)


@given(
    written=st.lists(keys, max_size=12),
    prefix=st.none() | st.text(alphabet="ab/", max_size=2),
    suffix=st.none() | st.text(alphabet="b.", max_size=2),
)
def test_r128_a_target_receives_exactly_the_keys_its_filter_matches(
    written: list[str], prefix: str | None, suffix: str | None
) -> None:
    """R-128: ``ObjectCreated`` reaches the queue once per write whose key has the
    prefix and the suffix, in write order, and for no other write."""
    eng = world()
    filters = {name: value for name, value in (("prefix", prefix), ("suffix", suffix)) if value}
    eng.put_bucket_notification_configuration("src", queue(["s3:ObjectCreated:*"], **filters))
    for key in written:
        eng.put_object("src", key, b"x")
    delivered = [m["Records"][0]["s3"]["object"]["key"] for m in eng.notifications(QUEUE)]
    expected = [
        key for key in written if key.startswith(prefix or "") and key.endswith(suffix or "")
    ]
    assert delivered == [urllib.parse.quote_plus(key, safe="/") for key in expected]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(
        ["s3:ObjectCreated:*", "prefix", "suffix", QUEUE, TOPIC, "Key", "x"]
    ),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(
        st.sampled_from(
            ["QueueConfigurations", "TopicConfigurations", "QueueArn", "TopicArn", "Events",
             "Filter", "Key", "FilterRules", "Name", "Value", "Id"]
        ),
        inner,
        max_size=4,
    ),
    max_leaves=12,
)  # fmt: skip


@given(document=json_values)
def test_r128_any_document_is_accepted_or_refused_with_an_s3_error(document: Any) -> None:
    """R-128: whatever the document, Put answers, or refuses with an S3 error (never
    another exception), and a refusal changes nothing."""
    eng = world()
    try:
        eng.put_bucket_notification_configuration("src", document)
    except S3Error:
        assert eng.get_bucket_notification_configuration("src") == {}
