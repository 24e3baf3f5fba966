"""Engine behaviour beyond the T-vectors: propagation delay, multipart, copies, metrics,
RTC events, destination changes, two-way convergence and bucket-level isolation."""

from __future__ import annotations

from typing import Any

import pytest

from s3repl import Engine, FailureReason, FaultPlan, Profile, ReplicationStatus
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
    """R-052, R-144 [INF]: with config_propagation_delay_steps=2 the new configuration is seen
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
                {"Effect": "Allow", "Action": "s3:GetReplicationConfiguration", "Resource": "*"},
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


def test_r129_threshold_events() -> None:
    """R-129, R-132: an RTC object still pending 15 minutes after its creation sends
    OperationMissedThreshold when the clock passes the threshold, then
    OperationReplicatedAfterThreshold when it lands; one replicated in time sends nothing."""
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
    eng.advance(seconds=14 * 60)
    assert eng.events() == ()
    eng.advance(seconds=2 * 60)
    (missed,) = eng.events()
    assert (missed.event_name, missed.threshold) == ("Replication:OperationMissedThreshold", 15)
    eng.advance(seconds=60)
    eng.run()
    names = [e.event_name for e in eng.events()]
    assert names == [
        "Replication:OperationMissedThreshold",
        "Replication:OperationReplicatedAfterThreshold",
    ]
    late = eng.events()[1]
    assert late.replication_time_seconds is not None
    assert late.replication_time_seconds >= 17 * 60


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


def acl_world(*, override: bool = False) -> Engine:
    """``src`` and ``dst`` with ACLs enabled (ObjectWriter), one rule src -> dst."""
    eng = world()
    for name in ("src", "dst"):
        eng.put_bucket_ownership_controls(name, "ObjectWriter")
    extra: dict[str, Any] = {}
    if override:
        extra = {"Account": "123456789012", "AccessControlTranslation": {"Owner": "Destination"}}
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst", **extra)]})
    return eng


def test_r150_r084_replica_keeps_owner_and_follows_acl_changes() -> None:
    """R-150, R-084: by default the replica has the source object's owner and ACL, and a
    later ACL change on the source version is replicated to it."""
    eng = acl_world()
    v = eng.put_object("src", "k", b"x", acl="public-read")
    eng.run()
    replica = eng.head_object("dst", "k", version_id=v.version_id)
    assert replica.owner == v.owner
    assert replica.acl == v.acl
    eng.put_object_acl("src", "k", acl="private")
    (task,) = eng.pending()
    assert task.kind.value == "metadata"
    eng.run()
    updated = eng.head_object("dst", "k", version_id=v.version_id)
    assert updated.acl == eng.head_object("src", "k").acl
    assert updated.acl != v.acl


def test_r085_tag_changes_replicate_as_metadata() -> None:
    """R-085: a tag change on a replicated version is its own replication operation."""
    eng = acl_world()
    v = eng.put_object("src", "k", b"x", tags={"a": "1"})
    eng.run()
    eng.put_object_tagging("src", "k", {"a": "2"})
    eng.run()
    assert eng.head_object("dst", "k", version_id=v.version_id).tags == {"a": "2"}


def test_r152_r153_same_account_override_and_toggling() -> None:
    """R-152, R-153: owner override between buckets of one account is applied; versions
    replicated while it was set keep not receiving ACL changes after it is removed, and
    versions replicated without it keep receiving them."""
    eng = acl_world(override=True)
    overridden = eng.put_object("src", "o", b"x", acl="public-read")
    eng.run()
    replica = eng.head_object("dst", "o", version_id=overridden.version_id)
    assert replica.acl is not None
    assert len(replica.acl.grants) == 1  # owner full control only, not the public grant
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst")]})
    plain = eng.put_object("src", "p", b"x")
    eng.run()
    eng.put_object_acl("src", "o", acl="private")
    assert eng.pending() == ()
    eng.put_object_acl("src", "p", acl="public-read")
    assert [t.key for t in eng.pending()] == ["p"]
    eng.run()
    assert (
        eng.head_object("dst", "p", version_id=plain.version_id).acl
        == eng.head_object("src", "p").acl
    )


def test_r110_r039_tag_rules_never_carry_delete_markers() -> None:
    """R-110, R-039: a delete marker is not replicated under a tag-filtered V2 rule (markers
    have no tags) nor under DeleteMarkerReplication Disabled; V1 carries user markers."""
    eng = world()
    tagged = {**rule("dst"), "Filter": {"Tag": {"Key": "a", "Value": "1"}}}
    tagged["DeleteMarkerReplication"] = {"Status": "Disabled"}
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [tagged]})
    eng.put_object("src", "k", b"x", tags={"a": "1"})
    eng.run()
    eng.delete_object("src", "k")
    assert eng.pending() == ()


def test_r128_r130_event_fields() -> None:
    """R-128, R-130: a failure event carries the documented name, version 2.2, the S3
    service principal, the rule, the destination ARN, the operation and the reason."""
    eng = world()
    eng.put_bucket_replication(
        "src", {"Role": ROLE, "Rules": [rule("dst", Metrics={"Status": "Enabled"})]}
    )
    eng.put_bucket_versioning("dst", "Suspended")
    v = eng.put_object("src", "k", b"x")
    eng.run()
    (event,) = eng.events()
    assert event.event_name == "Replication:OperationFailedReplication"
    assert (event.event_version, event.principal_id) == ("2.2", "s3.amazonaws.com")
    assert (event.rule_id, event.destination_bucket) == ("to-dst", "arn:aws:s3:::dst")
    assert (event.s3_operation, event.version_id) == ("OBJECT_PUT", v.version_id)
    assert event.request_time == v.last_modified
    assert event.failure_reason is FailureReason.DST_BUCKET_UNVERSIONED


def test_r140_r141_tasks_apply_in_any_order() -> None:
    """R-140, R-141: replication is asynchronous and unordered: any pending task can be
    applied first, and every order ends in the same replicas."""
    finals = []
    for order in ((0, 1, 2), (2, 1, 0), (1, 2, 0)):
        eng = world()
        eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst")]})
        for key in ("a", "b", "c"):
            eng.put_object("src", key, key.encode())
        tasks = eng.pending()
        for index in order:
            eng.step(tasks[index])
        finals.append([(v.key, v.version_id) for v in eng.list_object_versions("dst")])
    assert finals[0] == finals[1] == finals[2]
    assert [key for key, _ in finals[0]] == ["a", "b", "c"]


def test_r170_r175_mixed_regions_and_fan_out() -> None:
    """R-170, R-175: one configuration fans out to a same-region and a cross-region
    destination at once."""
    eng = Engine(seed=8)
    eng.create_bucket("src", region="us-east-1", versioning=True)
    eng.create_bucket("same", region="us-east-1", versioning=True)
    eng.create_bucket("far", region="ap-southeast-2", versioning=True)
    eng.create_role(ROLE)
    rules = [rule("same"), {**rule("far"), "Priority": 2}]
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": rules})
    v = eng.put_object("src", "k", b"x")
    eng.run()
    for name in ("same", "far"):
        assert eng.head_object(name, "k", version_id=v.version_id).replication_status is (
            ReplicationStatus.REPLICA
        )


def test_r112_bytes_are_copied_as_they_are() -> None:
    """R-112 [INF]: client-side encrypted data is just bytes: the replica's body is the
    source's body, shared rather than copied."""
    eng = world()
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst")]})
    body = b"\x00ciphertext\xff"
    v = eng.put_object("src", "k", body)
    eng.run()
    assert (
        eng.get_object("dst", "k", version_id=v.version_id).body is eng.get_object("src", "k").body
    )


def test_r129_missed_threshold_found_when_applied_late() -> None:
    """R-129, R-124: an RTC object held back by a transient outage (each retry a minute
    later) reports the missed threshold when it finally lands, before the late event."""
    eng = world()
    rtc = rule(
        "dst",
        ReplicationTime={"Status": "Enabled", "Time": {"Minutes": 15}},
        Metrics={"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
    )
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rtc]})
    eng.set_faults(FaultPlan(unavailable_regions={"us-east-1"}))
    eng.put_object("src", "k", b"x")
    for _ in range(16):
        assert eng.step().status is ReplicationStatus.PENDING
    eng.set_faults(FaultPlan.none())
    assert eng.step().status is ReplicationStatus.COMPLETED
    assert [e.event_name for e in eng.events()] == [
        "Replication:OperationMissedThreshold",
        "Replication:OperationReplicatedAfterThreshold",
    ]
