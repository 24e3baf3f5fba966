"""Engine behaviour beyond the T-vectors: propagation delay, multipart, copies, metrics,
RTC events, destination changes, two-way convergence and bucket-level isolation."""

from __future__ import annotations

from typing import Any

import pytest

from s3repl import Engine, FailureReason, Profile, ReplicationStatus
from s3repl.errors import NoSuchBucketPolicy

ROLE = "arn:aws:iam::123456789012:role/repl"


def rule(dest: str, **destination: Any) -> dict[str, Any]:
    """A V2 rule for every object, in boto3 shape."""
    return {
        "ID": f"to-{dest}",
        "Priority": 1,
        "Status": "Enabled",
        "Filter": {},
        "DeleteMarkerReplication": {"Status": "Enabled"},
        "Destination": {"Bucket": f"arn:aws:s3:::{dest}", **destination},
    }


def world(profile: Profile | None = None) -> Engine:
    """``src`` plus versioned ``dst`` and ``dst2``, and a permissive role; no configuration."""
    eng = Engine(seed=9, profile=profile)
    for name in ("src", "dst", "dst2"):
        eng.create_bucket(name, versioning=True)
    eng.create_role(ROLE)
    return eng


def test_r052_configuration_takes_effect_after_the_delay() -> None:
    """R-052 [INF]: with config_propagation_delay_steps=2 the new configuration is seen
    neither by Get nor by puts until two further calls or steps have passed."""
    eng = world(Profile.aws().evolve(config_propagation_delay_steps=2))
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst")]})
    early = eng.put_object("src", "early", b"x")  # one call later: not yet in force
    assert early.replication_status is None
    late = eng.put_object("src", "late", b"x")  # two calls later: in force
    assert late.replication_status is ReplicationStatus.PENDING
    assert eng.get_bucket_replication("src").rules[0].id == "to-dst"


def test_r052_default_is_immediate() -> None:
    """R-052: the default profile applies configuration changes at once."""
    eng = world()
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst")]})
    assert eng.put_object("src", "k", b"x").replication_status is ReplicationStatus.PENDING


def test_r090_multipart_objects_replicate_with_their_etag() -> None:
    """R-090: a multipart upload replicates; the replica keeps the ``-N`` multipart ETag."""
    eng = world()
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst")]})
    v = eng.complete_multipart_upload("src", "big", [b"a" * 10, b"b" * 10])
    assert v.etag.endswith('-2"')
    eng.run()
    assert eng.head_object("dst", "big", version_id=v.version_id).etag == v.etag


def test_r090_multipart_write_refused() -> None:
    """R-090, R-127: a refused multipart write fails with DstMultipartInitNotPermitted."""
    eng = world()
    eng.create_role(
        ROLE,
        policy={
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObjectVersion*", "Resource": "*"},
            ],
        },
    )
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst")]})
    eng.complete_multipart_upload("src", "big", [b"a", b"b"])
    (result,) = eng.run()
    assert result.failure_reason is FailureReason.DST_MULTIPART_INIT_NOT_PERMITTED


def test_r080_copies_replicate() -> None:
    """R-080: a COPY creates a new version that replicates like a put."""
    eng = world()
    eng.put_object("dst2", "origin", b"body", metadata={"m": "1"})
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst")]})
    copy = eng.copy_object("src", "copy", "dst2/origin")
    eng.run()
    replica = eng.head_object("dst", "copy", version_id=copy.version_id)
    assert replica.metadata == {"m": "1"}
    assert replica.body == b"body"


def test_r102_changed_destination_does_not_recopy() -> None:
    """R-102, R-068: versions already replicated are not sent again when the rule's
    destination changes; new versions go to the new destination."""
    eng = world()
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst")]})
    old = eng.put_object("src", "k", b"1")
    eng.run()
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst2")]})
    assert eng.pending() == ()
    new = eng.put_object("src", "k", b"2")
    eng.run()
    assert [v.version_id for v in eng.list_object_versions("dst2")] == [new.version_id]
    assert [v.version_id for v in eng.list_object_versions("dst")] == [old.version_id]


def test_r131_metrics_count_pending_and_failed() -> None:
    """R-131: pending operations and bytes per rule, and the failed-operation count."""
    eng = world()
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst")]})
    eng.put_object("src", "a", b"12345")
    eng.put_object("src", "b", b"123")
    (metrics,) = eng.replication_metrics("src")
    assert (metrics.operations_pending, metrics.bytes_pending) == (2, 8)
    eng.put_bucket_versioning("dst", "Suspended")
    eng.run()
    (metrics,) = eng.replication_metrics("src")
    assert (metrics.operations_pending, metrics.operations_failed) == (0, 2)


def test_r129_replicated_after_threshold_event() -> None:
    """R-129, R-132: an RTC object replicated more than 15 minutes late sends
    OperationReplicatedAfterThreshold; one in time sends nothing."""
    eng = world()
    rtc = rule(
        "dst",
        ReplicationTime={"Status": "Enabled", "Time": {"Minutes": 15}},
        Metrics={"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
    )
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rtc]})
    eng.put_object("src", "fast", b"x")
    eng.run()
    assert eng.events() == ()
    eng.put_object("src", "slow", b"x")
    eng.advance(seconds=16 * 60)
    eng.run()
    (event,) = eng.events()
    assert event.event_name == "Replication:OperationReplicatedAfterThreshold"
    assert event.threshold == 15
    assert event.replication_time_seconds is not None
    assert event.replication_time_seconds >= 16 * 60


def test_r145_two_way_concurrent_writes_converge() -> None:
    """R-145, R-143 [INF]: concurrent writes of one key on both sides of a two-way pair
    end with both versions on both sides and the same current version."""
    eng = Engine(seed=2)
    eng.create_bucket("a-bucket", versioning=True)
    eng.create_bucket("b-bucket", versioning=True)
    eng.create_role(ROLE)
    eng.put_bucket_replication("a-bucket", {"Role": ROLE, "Rules": [rule("b-bucket")]})
    eng.put_bucket_replication("b-bucket", {"Role": ROLE, "Rules": [rule("a-bucket")]})
    eng.put_object("a-bucket", "k", b"from a")
    later = eng.put_object("b-bucket", "k", b"from b")
    eng.run()
    for name in ("a-bucket", "b-bucket"):
        assert len(eng.list_object_versions(name)) == 2
        assert eng.head_object(name, "k").version_id == later.version_id


def test_r108_bucket_configuration_is_not_replicated() -> None:
    """R-108: bucket-level settings (here the bucket policy) never reach the destination."""
    eng = world()
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst")]})
    eng.put_bucket_policy(
        "src",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:DeleteBucket",
                    "Resource": "arn:aws:s3:::src",
                }
            ],
        },
    )
    eng.put_object("src", "k", b"x")
    eng.run()
    with pytest.raises(NoSuchBucketPolicy):
        eng.get_bucket_policy("dst")


def test_r124_removed_role_fails_later_versions() -> None:
    """R-124, R-158: deleting the role makes queued versions fail (AssumeRoleNotPermitted)."""
    eng = world()
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst")]})
    eng.put_object("src", "k", b"x")
    eng.delete_role(ROLE)
    (result,) = eng.run()
    assert result.failure_reason is FailureReason.ASSUME_ROLE_NOT_PERMITTED


def test_r158_disabled_destination_key() -> None:
    """R-158: a disabled replica key fails SSE-KMS objects with DstKmsKeyInvalidState."""
    eng = world()
    source_key = eng.create_kms_key()
    replica_key = eng.create_kms_key()
    kms_rule = {
        **rule("dst", EncryptionConfiguration={"ReplicaKmsKeyID": replica_key}),
        "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
    }
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [kms_rule]})
    eng.disable_kms_key(replica_key)
    eng.put_object("src", "k", b"x", server_side_encryption="aws:kms", sse_kms_key_id=source_key)
    (result,) = eng.run()
    assert result.failure_reason is FailureReason.DST_KMS_KEY_INVALID_STATE


@pytest.mark.parametrize(
    ("setting", "reason"),
    [
        ("opt-in-region", FailureReason.UNSUPPORTED_DESTINATION),
        ("requester-pays", FailureReason.UNSUPPORTED_DESTINATION),
    ],
)
def test_r176_unsupported_destinations_fail_per_object(setting: str, reason: FailureReason) -> None:
    """R-001, R-013, R-176 [INF]: a destination in an opt-in region the owner never
    enabled, or a cross-account Requester Pays destination, is accepted at put time and
    fails each object (UnsupportedDestination)."""
    eng = Engine(seed=1)
    other = "444455556666"
    eng.create_account(other)
    eng.create_bucket("src", versioning=True)
    region = "af-south-1" if setting == "opt-in-region" else "us-east-1"
    eng.create_bucket("xdst", account=other, region=region, versioning=True)
    if setting == "requester-pays":
        eng.put_bucket_request_payment("xdst", "Requester")
    eng.create_role(ROLE)
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("xdst", Account=other)]})
    eng.put_object("src", "k", b"x")
    (result,) = eng.run()
    assert result.failure_reason is reason
