"""The data plane against SPEC section 11.2: vectors T-40..T-76, one test (or more) each.

Every expected value below is read off the vector table in SPEC.md, not off the code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from s3repl import Engine, FailureReason, FaultPlan, Profile, ReplicationStatus, StorageClass, iam
from s3repl.errors import NoSuchKey
from s3repl.model import (
    DeleteMarker,
    ObjectLockLegalHoldStatus,
    ObjectLockMode,
    ObjectVersion,
    ServerSideEncryption,
)

ROLE = "arn:aws:iam::123456789012:role/repl"
OTHER = "444455556666"
ALL_ACTIONS = (
    *iam.REPLICATION_ROLE_ACTIONS,
    *iam.OPTIONAL_REPLICATION_ROLE_ACTIONS,
    *iam.REPLICATION_KMS_ACTIONS,
)


def role_policy(*, without: tuple[str, ...] = ()) -> dict[str, Any]:
    """An identity policy allowing every replication action except ``without``."""
    actions = [a for a in ALL_ACTIONS if a not in without]
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    }


def rule(
    dest: str,
    *,
    rule_id: str = "r1",
    priority: int = 1,
    flt: dict[str, Any] | None = None,
    delete_markers: str = "Disabled",
    **destination: Any,
) -> dict[str, Any]:
    """A V2 rule in boto3 shape."""
    return {
        "ID": rule_id,
        "Priority": priority,
        "Status": "Enabled",
        "Filter": {} if flt is None else flt,
        "DeleteMarkerReplication": {"Status": delete_markers},
        "Destination": {"Bucket": f"arn:aws:s3:::{dest}", **destination},
    }


def engine(
    *rules: dict[str, Any],
    dests: tuple[str, ...] = ("dst",),
    profile: Profile | None = None,
    policy: dict[str, Any] | None = None,
    lock: bool = False,
) -> Engine:
    """A source ``src`` (us-east-1) replicating with ``rules`` to versioned ``dests``."""
    eng = Engine(seed=1, profile=profile)
    eng.create_bucket("src", versioning=True, object_lock=lock)
    for name in dests:
        eng.create_bucket(name, region="eu-west-1", versioning=True, object_lock=lock)
    eng.create_role(ROLE, policy=policy)
    if rules:
        eng.put_bucket_replication("src", {"Role": ROLE, "Rules": list(rules)})
    return eng


def test_t40_prefix_rule_replicates_identical_replica() -> None:
    """T-40 (R-080, R-083, R-120): a matching put is PENDING, then COMPLETED, and the
    replica keeps key, version id, creation time and metadata, reading REPLICA."""
    eng = engine(rule("dst", flt={"Prefix": "Tax/"}))
    v = eng.put_object("src", "Tax/a.pdf", b"pdf", metadata={"Owner": "me"})
    assert eng.head_object("src", "Tax/a.pdf").replication_status is ReplicationStatus.PENDING
    result = eng.step()
    assert result.status is ReplicationStatus.COMPLETED
    assert eng.head_object("src", "Tax/a.pdf").replication_status is ReplicationStatus.COMPLETED
    replica = eng.head_object("dst", "Tax/a.pdf", version_id=v.version_id)
    assert replica.version_id == v.version_id
    assert replica.last_modified == v.last_modified
    assert replica.metadata == {"owner": "me"}
    assert replica.replication_status is ReplicationStatus.REPLICA


def test_t41_unmatched_key_has_no_status() -> None:
    """T-41 (R-060, R-121): a key outside the prefix is not replicated and has no status."""
    eng = engine(rule("dst", flt={"Prefix": "Tax/"}))
    eng.put_object("src", "Personal/b.txt", b"x")
    assert eng.pending() == ()
    assert eng.head_object("src", "Personal/b.txt").replication_status is None


def test_t42_existing_objects_are_not_replicated() -> None:
    """T-42 (R-100): versions written before the configuration never replicate."""
    eng = engine()
    eng.put_object("src", "old", b"x")
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst")]})
    assert eng.pending() == ()
    assert eng.head_object("src", "old").replication_status is None


AND_FILTER = {
    "And": {"Prefix": "Tax/", "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}
}


def test_t43_and_filter_replicates_with_all_tags() -> None:
    """T-43 (R-061, R-085): every filter tag present (plus extras) -> replicated with all tags."""
    eng = engine(rule("dst", flt=AND_FILTER))
    v = eng.put_object("src", "Tax/x", b"x", tags={"a": "1", "b": "2", "c": "3"})
    eng.run()
    assert eng.head_object("dst", "Tax/x", version_id=v.version_id).tags == {
        "a": "1",
        "b": "2",
        "c": "3",
    }


def test_t44_and_filter_needs_every_tag() -> None:
    """T-44 (R-061): an object missing one filter tag is not replicated."""
    eng = engine(rule("dst", flt=AND_FILTER))
    eng.put_object("src", "Tax/y", b"x", tags={"a": "1"})
    assert eng.pending() == ()


def test_t45_tags_added_later_do_not_make_a_version_eligible() -> None:
    """T-45 (R-062): tags are judged at creation; tagging afterwards replicates nothing."""
    eng = engine(rule("dst", flt={"Tag": {"Key": "k", "Value": "v"}}))
    eng.put_object("src", "z", b"x")
    eng.put_object_tagging("src", "z", {"k": "v"})
    assert eng.pending() == ()
    assert eng.list_object_versions("dst") == ()


def test_t46_highest_priority_rule_wins_per_destination() -> None:
    """T-46 (R-063, R-064): two rules to one destination give one replica, shaped by the
    higher-priority rule (STANDARD_IA)."""
    eng = engine(
        rule("dst", rule_id="star", priority=1, flt={"Prefix": "star"}),
        rule(
            "dst",
            rule_id="ship",
            priority=2,
            flt={"Prefix": "starship"},
            StorageClass="STANDARD_IA",
        ),
    )
    eng.put_object("src", "starship-x", b"x")
    assert [t.rule_id for t in eng.pending()] == ["ship"]
    eng.run()
    (replica,) = eng.list_object_versions("dst")
    assert isinstance(replica, ObjectVersion)
    assert replica.storage_class is StorageClass.STANDARD_IA


def test_t47_two_destinations_aggregate_status() -> None:
    """T-47 (R-063, R-123): both destinations get a replica; the source stays PENDING
    until both are done, then reads COMPLETED."""
    eng = engine(
        rule("dst", rule_id="a", priority=1),
        rule("dst2", rule_id="b", priority=2),
        dests=("dst", "dst2"),
    )
    v = eng.put_object("src", "k", b"x")
    eng.step()
    assert eng.head_object("src", "k").replication_status is ReplicationStatus.PENDING
    eng.step()
    assert eng.head_object("src", "k").replication_status is ReplicationStatus.COMPLETED
    for name in ("dst", "dst2"):
        assert eng.head_object(name, "k", version_id=v.version_id).replication_status is (
            ReplicationStatus.REPLICA
        )


def test_t48_one_failed_destination_fails_the_source() -> None:
    """T-48 (R-005, R-123): a destination suspended after configuration fails with
    DstBucketUnversioned; the other still gets its replica; the source reads FAILED."""
    eng = engine(
        rule("dst", rule_id="a", priority=1),
        rule("dst2", rule_id="b", priority=2),
        dests=("dst", "dst2"),
    )
    eng.put_bucket_versioning("dst2", "Suspended")
    v = eng.put_object("src", "k", b"x")
    results = eng.run()
    assert {(r.task.destination_bucket, r.failure_reason) for r in results} == {
        ("dst", None),
        ("dst2", FailureReason.DST_BUCKET_UNVERSIONED),
    }
    assert eng.head_object("dst", "k", version_id=v.version_id).replication_status is (
        ReplicationStatus.REPLICA
    )
    source = eng.head_object("src", "k")
    assert source.replication_status is ReplicationStatus.FAILED
    assert source.failure_reasons == {"dst2": FailureReason.DST_BUCKET_UNVERSIONED}


V1_RULE = {
    "ID": "v1",
    "Prefix": "",
    "Status": "Enabled",
    "Destination": {"Bucket": "arn:aws:s3:::dst"},
}


def test_t49_v1_replicates_delete_markers() -> None:
    """T-49 (R-087): under a V1 rule a user delete marker is replicated."""
    eng = engine(V1_RULE)
    eng.put_object("src", "k", b"x")
    eng.run()
    marker = eng.delete_object("src", "k")
    eng.run()
    versions = eng.list_object_versions("dst")
    assert isinstance(versions[0], DeleteMarker)
    assert versions[0].version_id == marker.version_id
    with pytest.raises(NoSuchKey):
        eng.head_object("dst", "k")


@pytest.mark.parametrize(("status", "replicated"), [("Disabled", False), ("Enabled", True)])
def test_t50_t51_v2_delete_markers_follow_the_rule(status: str, *, replicated: bool) -> None:
    """T-50, T-51 (R-087): V2 replicates a delete marker only with DeleteMarkerReplication
    Enabled on the winning rule."""
    eng = engine(rule("dst", delete_markers=status))
    eng.put_object("src", "k", b"x")
    eng.run()
    eng.delete_object("src", "k")
    eng.run()
    markers = [v for v in eng.list_object_versions("dst") if isinstance(v, DeleteMarker)]
    assert bool(markers) is replicated


def test_t52_version_id_deletes_never_propagate() -> None:
    """T-52 (R-103): deleting a version by id on the source leaves the replica alone."""
    eng = engine(rule("dst", delete_markers="Enabled"))
    v1 = eng.put_object("src", "k", b"x")
    eng.run()
    eng.delete_object("src", "k", version_id=v1.version_id)
    assert eng.pending() == ()
    assert eng.head_object("dst", "k", version_id=v1.version_id).version_id == v1.version_id


def test_t53_lifecycle_markers_are_not_replicated() -> None:
    """T-53 (R-087, R-104): a lifecycle expiration marker stays on the source."""
    eng = engine(V1_RULE)
    eng.put_object("src", "k", b"x")
    eng.run()
    result = eng.expire_object("src", "k")
    assert result is not None
    assert result.delete_marker
    assert eng.pending() == ()
    assert eng.head_object("dst", "k").replication_status is ReplicationStatus.REPLICA


def test_t54_chains_do_not_cascade() -> None:
    """T-54 (R-101, R-171): A->B->C carries A's objects to B only; B's own objects reach C."""
    eng = Engine(seed=3)
    for name in ("a-bucket", "b-bucket", "c-bucket"):
        eng.create_bucket(name, versioning=True)
    eng.create_role(ROLE)
    eng.put_bucket_replication("a-bucket", {"Role": ROLE, "Rules": [rule("b-bucket")]})
    eng.put_bucket_replication("b-bucket", {"Role": ROLE, "Rules": [rule("c-bucket")]})
    eng.put_object("a-bucket", "from-a", b"x")
    eng.run()
    assert eng.head_object("b-bucket", "from-a").replication_status is ReplicationStatus.REPLICA
    assert eng.list_object_versions("c-bucket") == ()
    eng.put_object("b-bucket", "from-b", b"y")
    eng.run()
    assert eng.head_object("c-bucket", "from-b").replication_status is ReplicationStatus.REPLICA


def two_way(*, replica_modifications: bool) -> Engine:
    """Buckets ``a-bucket`` and ``b-bucket`` replicating to each other."""
    eng = Engine(seed=4)
    eng.create_bucket("a-bucket", versioning=True)
    eng.create_bucket("b-bucket", region="eu-west-1", versioning=True)
    eng.create_role(ROLE)
    extra: dict[str, Any] = {}
    if replica_modifications:
        extra["SourceSelectionCriteria"] = {"ReplicaModifications": {"Status": "Enabled"}}
    for src, dst in (("a-bucket", "b-bucket"), ("b-bucket", "a-bucket")):
        eng.put_bucket_replication(src, {"Role": ROLE, "Rules": [{**rule(dst), **extra}]})
    return eng


def test_t55_two_way_without_sync_does_not_loop() -> None:
    """T-55 (R-088, R-172): a replica is not sent back, and tagging it changes nothing on A."""
    eng = two_way(replica_modifications=False)
    v = eng.put_object("a-bucket", "k", b"x")
    eng.run()
    eng.put_object_tagging("b-bucket", "k", {"t": "1"})
    assert eng.pending() == ()
    assert eng.head_object("a-bucket", "k", version_id=v.version_id).tags == {}


def test_t56_replica_modification_sync_flows_back() -> None:
    """T-56 (R-088, R-122): with ReplicaModifications on both sides a tag change on the
    replica reads PENDING, then REPLICA, and A's version gets the tags."""
    eng = two_way(replica_modifications=True)
    v = eng.put_object("a-bucket", "k", b"x")
    eng.run()
    eng.put_object_tagging("b-bucket", "k", {"t": "1"})
    assert eng.head_object("b-bucket", "k").replication_status is ReplicationStatus.PENDING
    eng.run()
    assert eng.head_object("b-bucket", "k").replication_status is ReplicationStatus.REPLICA
    assert eng.head_object("a-bucket", "k", version_id=v.version_id).tags == {"t": "1"}


def test_t57_kms_objects_need_the_opt_in() -> None:
    """T-57 (R-067, R-109): an SSE-KMS object under a rule without the opt-in is ineligible."""
    eng = engine(rule("dst"))
    key = eng.create_kms_key()
    eng.put_object("src", "k", b"x", server_side_encryption="aws:kms", sse_kms_key_id=key)
    assert eng.pending() == ()
    assert eng.head_object("src", "k").replication_status is None


def test_t58_kms_objects_use_the_replica_key() -> None:
    """T-58 (R-082): with the opt-in the replica is SSE-KMS under ReplicaKmsKeyID."""
    eng = engine()
    source_key = eng.create_kms_key()
    replica_key = eng.create_kms_key(region="eu-west-1")
    kms_rule = {
        **rule("dst", EncryptionConfiguration={"ReplicaKmsKeyID": replica_key}),
        "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
    }
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [kms_rule]})
    v = eng.put_object(
        "src", "k", b"x", server_side_encryption="aws:kms", sse_kms_key_id=source_key
    )
    eng.run()
    replica = eng.head_object("dst", "k", version_id=v.version_id)
    assert replica.server_side_encryption is ServerSideEncryption.SSE_KMS
    assert replica.sse_kms_key_id == replica_key


def test_t28_missing_replica_key_fails_per_object() -> None:
    """T-28 (R-027, R-127): a ReplicaKmsKeyID naming no key is accepted at put time and
    each SSE-KMS object then fails with DstKmsKeyNotFound."""
    eng = engine()
    source_key = eng.create_kms_key()
    missing = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    kms_rule = {
        **rule("dst", EncryptionConfiguration={"ReplicaKmsKeyID": missing}),
        "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
    }
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [kms_rule]})
    eng.put_object("src", "k", b"x", server_side_encryption="aws:kms", sse_kms_key_id=source_key)
    (result,) = eng.run()
    assert result.failure_reason is FailureReason.DST_KMS_KEY_NOT_FOUND


@pytest.mark.parametrize(("sse_c", "replicated"), [(True, True), (False, False)])
def test_t59_sse_c_follows_the_profile(*, sse_c: bool, replicated: bool) -> None:
    """T-59 (R-081): SSE-C objects replicate today; not under the pre-2022-10 switch.

    Buckets here allow SSE-C writes (block_sse_c_on_new_buckets off: the buckets of T-59
    predate April 2026, when new buckets started blocking SSE-C; tests/test_audit_sse_c.py).
    """
    profile = Profile.aws().evolve(sse_c_replication=sse_c, block_sse_c_on_new_buckets=False)
    eng = engine(rule("dst"), profile=profile)
    v = eng.put_object("src", "k", b"x", sse_customer_algorithm="AES256", sse_customer_key="k")
    assert v.server_side_encryption is ServerSideEncryption.SSE_C
    assert bool(eng.pending()) is replicated


def test_t60_unencrypted_source_takes_destination_default() -> None:
    """T-60 (R-082): an unencrypted source object is encrypted with the destination's
    default (SSE-KMS here) and its replica's ETag differs."""
    eng = engine(rule("dst"))
    key = eng.create_kms_key(region="eu-west-1")
    eng.put_bucket_encryption(
        "dst",
        {
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key,
                    }
                }
            ]
        },
    )
    v = eng.put_object("src", "k", b"x", server_side_encryption=ServerSideEncryption.NONE)
    eng.run()
    replica = eng.head_object("dst", "k", version_id=v.version_id)
    assert replica.server_side_encryption is ServerSideEncryption.SSE_KMS
    assert replica.sse_kms_key_id == key
    assert replica.etag != v.etag


@pytest.mark.parametrize("klass", ["GLACIER", "DEEP_ARCHIVE"])
def test_t61_archived_classes_are_not_replicated(klass: str) -> None:
    """T-61 (R-105): GLACIER and DEEP_ARCHIVE objects are never replicated."""
    eng = engine(rule("dst"))
    eng.put_object("src", "k", b"x", storage_class=klass)
    assert eng.pending() == ()


def test_t62_storage_class_override() -> None:
    """T-62 (R-089): the rule's StorageClass overrides the source's class on the replica."""
    eng = engine(rule("dst", StorageClass="DEEP_ARCHIVE"))
    v = eng.put_object("src", "k", b"x")
    eng.run()
    assert eng.head_object("dst", "k", version_id=v.version_id).storage_class is (
        StorageClass.DEEP_ARCHIVE
    )


def writer_policy(account: str) -> dict[str, Any]:
    """A bucket policy letting ``account`` put objects into ``src``."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::src/*",
            }
        ],
    }


@pytest.mark.parametrize(
    ("acl", "replicated"),
    [("private", False), ("bucket-owner-read", False), ("bucket-owner-full-control", True)],
)
def test_t63_foreign_objects_need_read_and_read_acp(acl: str, *, replicated: bool) -> None:
    """T-63 (R-008, R-107): an object owned by another account replicates only if the
    bucket owner holds READ and READ_ACP on it; otherwise it fails (SrcGetObjectNotPermitted)."""
    eng = engine(rule("dst"))
    eng.create_account(OTHER)
    eng.put_bucket_ownership_controls("src", "ObjectWriter")
    eng.put_bucket_policy("src", writer_policy(OTHER))
    v = eng.put_object("src", "k", b"x", acl=acl, account=OTHER)
    assert v.owner == OTHER
    (result,) = eng.run()
    if replicated:
        assert result.status is ReplicationStatus.COMPLETED
    else:
        assert result.failure_reason is FailureReason.SRC_GET_OBJECT_NOT_PERMITTED


def cross_account_destination_policy(*, override: bool) -> dict[str, Any]:
    """The destination bucket policy of R-012 granting the source role what it needs."""
    actions = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]
    if override:
        actions.append("s3:ObjectOwnerOverrideToBucketOwner")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ROLE},
                "Action": actions,
                "Resource": "arn:aws:s3:::xdst/*",
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": ROLE},
                "Action": ["s3:List*", "s3:GetBucketVersioning", "s3:PutBucketVersioning"],
                "Resource": "arn:aws:s3:::xdst",
            },
        ],
    }


def cross_account(*, override: bool, ownership: str) -> Engine:
    """``src`` (default account) replicating to ``xdst`` owned by OTHER."""
    eng = Engine(seed=5)
    eng.create_account(OTHER)
    eng.create_bucket("src", versioning=True)
    eng.put_bucket_ownership_controls("src", "ObjectWriter")
    eng.create_bucket("xdst", account=OTHER, region="eu-west-1", versioning=True)
    eng.put_bucket_ownership_controls("xdst", ownership)
    eng.put_bucket_policy("xdst", cross_account_destination_policy(override=override))
    eng.create_role(ROLE)
    extra: dict[str, Any] = {"Account": OTHER}
    if override:
        extra["AccessControlTranslation"] = {"Owner": "Destination"}
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("xdst", **extra)]})
    return eng


def test_t64_owner_override() -> None:
    """T-64 (R-151): with AccessControlTranslation the replica belongs to the destination
    account with an owner-full-control ACL, and later source ACL changes are not sent."""
    eng = cross_account(override=True, ownership="ObjectWriter")
    v = eng.put_object("src", "k", b"x", acl="public-read")
    eng.run()
    replica = eng.head_object("xdst", "k", version_id=v.version_id)
    assert replica.owner == OTHER
    assert replica.acl is not None
    assert replica.acl.owner == OTHER
    assert [(g.grantee.id, g.permission.value) for g in replica.acl.grants] == [
        (OTHER, "FULL_CONTROL")
    ]
    eng.put_object_acl("src", "k", acl="private")
    assert eng.pending() == ()


def test_t65_bucket_owner_enforced_destination_owns_replicas() -> None:
    """T-65 (R-154): without override, a BucketOwnerEnforced destination owns every replica."""
    eng = cross_account(override=False, ownership="BucketOwnerEnforced")
    v = eng.put_object("src", "k", b"x")
    eng.run()
    assert eng.head_object("xdst", "k", version_id=v.version_id).owner == OTHER


def test_cross_account_needs_the_destination_bucket_policy() -> None:
    """R-012, R-158: without the destination owner's bucket policy the cross-account write
    is refused (DstPutObjectNotPermitted)."""
    eng = cross_account(override=False, ownership="BucketOwnerEnforced")
    eng.delete_bucket_policy("xdst", account=OTHER)
    eng.put_object("src", "k", b"x")
    (result,) = eng.run()
    assert result.failure_reason is FailureReason.DST_PUT_OBJECT_NOT_PERMITTED


def test_t66_missing_replicate_object_fails_with_event() -> None:
    """T-66 (R-127, R-129, R-158): without s3:ReplicateObject the version FAILS with
    DstPutObjectNotPermitted and, metrics being on, an OperationFailedReplication event."""
    eng = engine(
        rule("dst", Metrics={"Status": "Enabled"}),
        policy=role_policy(without=("s3:ReplicateObject",)),
    )
    eng.put_object("src", "k", b"x")
    (result,) = eng.run()
    assert result.status is ReplicationStatus.FAILED
    assert result.failure_reason is FailureReason.DST_PUT_OBJECT_NOT_PERMITTED
    (event,) = eng.events()
    assert event.event_name == "Replication:OperationFailedReplication"
    assert event.failure_reason is FailureReason.DST_PUT_OBJECT_NOT_PERMITTED
    assert event.event_version == "2.2"


def test_failure_events_need_metrics() -> None:
    """R-129: without replication metrics on the rule no failure event is sent."""
    eng = engine(rule("dst"), policy=role_policy(without=("s3:ReplicateObject",)))
    eng.put_object("src", "k", b"x")
    eng.run()
    assert eng.events() == ()


def test_t67_role_not_assumable() -> None:
    """T-67 (R-006, R-158): a role S3 may not assume fails each version (AssumeRoleNotPermitted)."""
    eng = engine(rule("dst"))
    eng.create_role(ROLE, trusted=False)
    eng.put_object("src", "k", b"x")
    (result,) = eng.run()
    assert result.failure_reason is FailureReason.ASSUME_ROLE_NOT_PERMITTED


def test_t68_transient_outage_keeps_pending() -> None:
    """T-68 (R-124): while the destination is unavailable the task stays PENDING; after
    recovery it completes."""
    eng = engine(rule("dst"))
    eng.set_faults(FaultPlan(unavailable_buckets={"dst"}))
    eng.put_object("src", "k", b"x")
    assert eng.step().status is ReplicationStatus.PENDING
    assert eng.head_object("src", "k").replication_status is ReplicationStatus.PENDING
    eng.set_faults(FaultPlan.none())
    assert eng.step().status is ReplicationStatus.COMPLETED
    assert eng.head_object("src", "k").replication_status is ReplicationStatus.COMPLETED


def test_t69_failed_is_terminal_and_new_puts_replicate() -> None:
    """T-69 (R-113): a FAILED version stays FAILED; a new put of the key replicates."""
    eng = engine(rule("dst"), policy=role_policy(without=("s3:ReplicateObject",)))
    old = eng.put_object("src", "k", b"x")
    eng.run()
    eng.put_role_policy(ROLE, role_policy())
    new = eng.put_object("src", "k", b"y")
    eng.run()
    assert eng.head_object("src", "k", version_id=old.version_id).replication_status is (
        ReplicationStatus.FAILED
    )
    assert eng.head_object("src", "k", version_id=new.version_id).replication_status is (
        ReplicationStatus.COMPLETED
    )


def test_t70_lock_settings_are_copied() -> None:
    """T-70 (R-086): retention mode, date and legal hold are replicated; the destination's
    default retention does not override them."""
    eng = engine(lock=True)
    eng.put_object_lock_configuration(
        "dst",
        {
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}},
        },
    )
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst")]})
    until = eng.now + dt.timedelta(days=400)
    v = eng.put_object(
        "src",
        "k",
        b"x",
        object_lock_mode="COMPLIANCE",
        object_lock_retain_until_date=until,
        object_lock_legal_hold_status="ON",
    )
    eng.run()
    replica = eng.head_object("dst", "k", version_id=v.version_id)
    assert replica.object_lock_mode is ObjectLockMode.COMPLIANCE
    assert replica.object_lock_retain_until_date == until
    assert replica.object_lock_legal_hold_status is ObjectLockLegalHoldStatus.ON


def test_t71_destination_default_retention_applies() -> None:
    """T-71 (R-086): a version without retention gets the destination's default retention."""
    eng = engine(lock=True)
    eng.put_object_lock_configuration(
        "dst",
        {
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}},
        },
    )
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst")]})
    v = eng.put_object("src", "k", b"x")
    assert v.object_lock_mode is None
    eng.run()
    replica = eng.head_object("dst", "k", version_id=v.version_id)
    assert replica.object_lock_mode is ObjectLockMode.GOVERNANCE
    assert replica.object_lock_retain_until_date is not None
    assert replica.object_lock_retain_until_date - eng.now <= dt.timedelta(days=30)
    assert replica.object_lock_retain_until_date - eng.now > dt.timedelta(days=29)


def test_t72_locked_source_needs_locked_destination() -> None:
    """T-72 (R-009): a lock-enabled source replicating to an unlocked destination fails
    each version with DstBucketObjectLockConfigMissing."""
    eng = Engine(seed=6)
    eng.create_bucket("src", object_lock=True)
    eng.create_bucket("dst", versioning=True)
    eng.create_role(ROLE)
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst")]})
    eng.put_object("src", "k", b"x")
    (result,) = eng.run()
    assert result.failure_reason is FailureReason.DST_BUCKET_OBJECT_LOCK_CONFIG_MISSING


def test_t73_disabled_rules_pause_replication() -> None:
    """T-73 (R-065, R-068): a disabled rule replicates nothing; after enabling, only later
    puts replicate."""
    disabled = {**rule("dst"), "Status": "Disabled"}
    eng = engine(disabled)
    early = eng.put_object("src", "early", b"x")
    assert eng.pending() == ()
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule("dst")]})
    late = eng.put_object("src", "late", b"y")
    eng.run()
    assert eng.head_object("src", "early", version_id=early.version_id).replication_status is None
    assert eng.head_object("dst", "late", version_id=late.version_id).version_id == late.version_id


def test_t74_expiration_waits_for_pending() -> None:
    """T-74 (R-125): a lifecycle expiration of a PENDING version waits until it completes."""
    eng = engine(rule("dst"))
    eng.put_object("src", "k", b"x")
    assert eng.expire_object("src", "k") is None
    assert eng.head_object("src", "k").replication_status is ReplicationStatus.PENDING
    eng.run()
    with pytest.raises(NoSuchKey):
        eng.head_object("src", "k")
    assert isinstance(eng.list_object_versions("src")[0], DeleteMarker)


@pytest.mark.parametrize(
    ("switch", "reason"),
    [("replicate_without_tags", None), ("fail", FailureReason.SRC_GET_TAGGING_NOT_PERMITTED)],
)
def test_t75_missing_tag_read_permission(switch: str, reason: FailureReason | None) -> None:
    """T-75 (R-158): without s3:GetObjectVersionTagging the object replicates without tags
    by default, or fails with SrcGetTaggingNotPermitted under the ``fail`` switch."""
    eng = engine(
        rule("dst"),
        policy=role_policy(without=("s3:GetObjectVersionTagging",)),
        profile=Profile.aws().evolve(missing_tag_read_permission=switch),
    )
    v = eng.put_object("src", "k", b"x", tags={"t": "1"})
    (result,) = eng.run()
    assert result.failure_reason is reason
    if reason is None:
        assert eng.head_object("dst", "k", version_id=v.version_id).tags == {}


@pytest.mark.parametrize(("order", "current"), [("source_timestamp", "v2"), ("arrival", "v1")])
def test_t76_out_of_order_arrival(order: str, current: str) -> None:
    """T-76 (R-142, R-143, INF): applying v2 before v1 leaves v2 current under the
    source_timestamp switch, v1 under arrival; both keep their source version ids."""
    eng = engine(rule("dst"), profile=Profile.aws().evolve(destination_version_order=order))
    v1 = eng.put_object("src", "k", b"1")
    v2 = eng.put_object("src", "k", b"2")
    first, second = eng.pending()
    eng.step(second)
    eng.step(first)
    versions = {"v1": v1.version_id, "v2": v2.version_id}
    assert eng.head_object("dst", "k").version_id == versions[current]
    assert {v.version_id for v in eng.list_object_versions("dst")} == set(versions.values())


def test_a_metadata_change_of_an_old_version_of_a_busy_key_replicates() -> None:
    """R-085: a tag change on the oldest of many versions of one key reaches that
    version's replica (the key is held as an index; the replica is found by id)."""
    eng = engine(rule("dst"))
    versions = [eng.put_object("src", "busy", b"%d" % n) for n in range(20)]
    eng.run()
    oldest = versions[0].version_id
    eng.put_object_tagging("src", "busy", {"team": "x"}, version_id=oldest)
    (task,) = eng.pending()
    assert eng.step(task).status is ReplicationStatus.COMPLETED
    assert eng.head_object("dst", "busy", version_id=oldest).tags == {"team": "x"}
    assert eng.head_object("dst", "busy", version_id=versions[1].version_id).tags == {}
