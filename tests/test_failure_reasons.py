"""R-158's permission -> outcome map, row by row, through the engine (R-124, R-127, R-157).

Each row builds ``src`` -> ``dst`` (both lock-enabled when the row needs it), breaks one
thing, makes one change on the source, and expects the failure reason SPEC documents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from s3repl import Engine, FailureReason, Profile, ReplicationStatus, iam

ROLE = "arn:aws:iam::123456789012:role/repl"
ALL_ACTIONS = (
    *iam.REPLICATION_ROLE_ACTIONS,
    *iam.OPTIONAL_REPLICATION_ROLE_ACTIONS,
    *iam.REPLICATION_KMS_ACTIONS,
)
F = FailureReason


def policy_without(*missing: str) -> dict[str, Any]:
    """A role policy allowing every replication action but ``missing``."""
    actions = [a for a in ALL_ACTIONS if a not in missing]
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    }


def base_rule(**changes: Any) -> dict[str, Any]:
    """The one V2 rule, src -> dst, delete markers on."""
    rule: dict[str, Any] = {
        "ID": "r",
        "Priority": 1,
        "Status": "Enabled",
        "Filter": {},
        "DeleteMarkerReplication": {"Status": "Enabled"},
        "Destination": {"Bucket": "arn:aws:s3:::dst"},
    }
    rule.update(changes)
    return rule


def build(*, lock: bool = False, rule: dict[str, Any] | None = None, **profile: Any) -> Engine:
    """``src`` -> ``dst`` with a permissive role."""
    eng = Engine(seed=13, profile=Profile.aws().evolve(**profile))
    eng.create_bucket("src", versioning=True, object_lock=lock)
    eng.create_bucket("dst", versioning=True, object_lock=lock)
    eng.create_role(ROLE)
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule or base_rule()]})
    return eng


def kms_rule(eng: Engine, *, region: str = "us-east-1") -> tuple[str, str]:
    """Switch the configuration to an SSE-KMS rule; return (source key, replica key)."""
    source_key = eng.create_kms_key()
    replica_key = eng.create_kms_key(region=region)
    rule = base_rule(
        SourceSelectionCriteria={"SseKmsEncryptedObjects": {"Status": "Enabled"}},
        Destination={
            "Bucket": "arn:aws:s3:::dst",
            "EncryptionConfiguration": {"ReplicaKmsKeyID": replica_key},
        },
    )
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule]})
    return source_key, replica_key


def put_kms(eng: Engine, source_key: str) -> None:
    """Put one SSE-KMS object under ``source_key``."""
    eng.put_object("src", "k", b"x", server_side_encryption="aws:kms", sse_kms_key_id=source_key)


def only_result(eng: Engine) -> FailureReason | None:
    """Run to the end; the single step's failure reason."""
    (result,) = eng.run()
    return result.failure_reason


def row_source_read() -> Engine:
    eng = build()
    eng.put_role_policy(ROLE, policy_without("s3:GetObjectVersionForReplication"))
    eng.put_object("src", "k", b"x")
    return eng


def row_source_acl() -> Engine:
    eng = build()
    eng.put_role_policy(ROLE, policy_without("s3:GetObjectVersionAcl"))
    eng.put_object("src", "k", b"x")
    return eng


def row_lock_retention() -> Engine:
    eng = build(lock=True)
    eng.put_role_policy(ROLE, policy_without("s3:GetObjectRetention"))
    eng.put_object("src", "k", b"x")
    return eng


def row_source_decrypt() -> Engine:
    eng = build()
    source_key, _ = kms_rule(eng)
    eng.put_role_policy(ROLE, policy_without("kms:Decrypt"))
    put_kms(eng, source_key)
    return eng


def row_source_key_disabled() -> Engine:
    eng = build()
    source_key, _ = kms_rule(eng)
    put_kms(eng, source_key)
    eng.disable_kms_key(source_key)
    return eng


def row_replica_key_region() -> Engine:
    eng = build()
    source_key, _ = kms_rule(eng, region="eu-west-1")
    put_kms(eng, source_key)
    return eng


def row_replica_key_encrypt() -> Engine:
    eng = build()
    source_key, _ = kms_rule(eng)
    eng.put_role_policy(ROLE, policy_without("kms:Encrypt"))
    put_kms(eng, source_key)
    return eng


def row_replica_key_deleted() -> Engine:
    eng = build()
    source_key, replica_key = kms_rule(eng)
    eng.schedule_key_deletion(replica_key)
    put_kms(eng, source_key)
    return eng


def row_replicate_delete() -> Engine:
    eng = build()
    eng.put_role_policy(ROLE, policy_without("s3:ReplicateDelete"))
    eng.delete_object("src", "k")
    return eng


def row_owner_override() -> Engine:
    destination = {
        "Bucket": "arn:aws:s3:::dst",
        "Account": "123456789012",
        "AccessControlTranslation": {"Owner": "Destination"},
    }
    eng = build(rule=base_rule(Destination=destination))
    eng.put_role_policy(ROLE, policy_without("s3:ObjectOwnerOverrideToBucketOwner"))
    eng.put_object("src", "k", b"x")
    return eng


def row_legal_hold() -> Engine:
    eng = build(lock=True)
    eng.put_role_policy(ROLE, policy_without("s3:PutObjectLegalHold"))
    eng.put_object("src", "k", b"x", object_lock_legal_hold_status="ON")
    return eng


def row_destination_deleted() -> Engine:
    eng = build()
    eng.put_object("src", "k", b"x")
    eng.delete_bucket("dst")
    return eng


def row_configuration_deleted() -> Engine:
    eng = build()
    eng.put_object("src", "k", b"x")
    eng.delete_bucket_replication("src")
    return eng


def row_source_version_gone() -> Engine:
    eng = build()
    v = eng.put_object("src", "k", b"x")
    eng.delete_object("src", "k", version_id=v.version_id)
    return eng


def row_source_bucket_gone() -> Engine:
    eng = build()
    v = eng.put_object("src", "k", b"x")
    eng.delete_object("src", "k", version_id=v.version_id)
    eng.delete_bucket("src")
    return eng


def replicated(*, lock: bool = False) -> tuple[Engine, str]:
    """One version already replicated; returns its id."""
    eng = build(lock=lock)
    v = eng.put_object("src", "k", b"x")
    eng.run()
    return eng, v.version_id


def row_metadata_replica_gone() -> Engine:
    eng, version_id = replicated()
    eng.delete_object("dst", "k", version_id=version_id)
    eng.put_object_tagging("src", "k", {"t": "1"})
    return eng


def row_metadata_write_refused() -> Engine:
    eng, _ = replicated()
    eng.put_role_policy(ROLE, policy_without("s3:ReplicateObject"))
    eng.put_object_tagging("src", "k", {"t": "1"})
    return eng


def row_metadata_read_refused() -> Engine:
    eng, _ = replicated()
    eng.put_role_policy(ROLE, policy_without("s3:GetObjectVersionForReplication"))
    eng.put_object_tagging("src", "k", {"t": "1"})
    return eng


def row_metadata_acl_read_refused() -> Engine:
    eng, _ = replicated()
    eng.put_role_policy(ROLE, policy_without("s3:GetObjectVersionAcl"))
    eng.put_object_tagging("src", "k", {"t": "1"})
    return eng


def row_metadata_lock_read_refused() -> Engine:
    eng, _ = replicated(lock=True)
    eng.put_role_policy(ROLE, policy_without("s3:GetObjectRetention"))
    eng.put_object_tagging("src", "k", {"t": "1"})
    return eng


def row_metadata_legal_hold_refused() -> Engine:
    eng, _ = replicated(lock=True)
    eng.put_role_policy(ROLE, policy_without("s3:PutObjectLegalHold"))
    eng.put_object_legal_hold("src", "k", status="ON")
    return eng


ROWS: list[tuple[str, Callable[[], Engine], FailureReason]] = [
    ("no GetObjectVersionForReplication", row_source_read, F.SRC_GET_OBJECT_NOT_PERMITTED),
    ("no GetObjectVersionAcl", row_source_acl, F.SRC_GET_ACL_NOT_PERMITTED),
    ("lock source, no GetObjectRetention", row_lock_retention, F.SRC_GET_OBJECT_NOT_PERMITTED),
    ("no kms:Decrypt on the source key", row_source_decrypt, F.SRC_KMS_KEY_INVALID_STATE),
    ("source key disabled", row_source_key_disabled, F.SRC_KMS_KEY_INVALID_STATE),
    ("replica key in another region", row_replica_key_region, F.DST_KMS_KEY_NOT_FOUND),
    ("no kms:Encrypt on the replica key", row_replica_key_encrypt, F.DST_KMS_KEY_NOT_FOUND),
    ("replica key pending deletion", row_replica_key_deleted, F.DST_KMS_KEY_INVALID_STATE),
    ("no ReplicateDelete", row_replicate_delete, F.DST_DEL_OBJ_NOT_PERMITTED),
    ("override without permission", row_owner_override, F.DST_PUT_OBJECT_NOT_PERMITTED),
    ("legal hold without PutObjectLegalHold", row_legal_hold, F.DST_PUT_LEGAL_HOLD_NOT_PERMITTED),
    ("destination deleted", row_destination_deleted, F.DST_BUCKET_NOT_FOUND),
    ("configuration deleted", row_configuration_deleted, F.SRC_BUCKET_REPLICATION_CONFIG_MISSING),
    ("source version deleted", row_source_version_gone, F.SRC_VERSION_NOT_FOUND),
    ("source bucket deleted", row_source_bucket_gone, F.SRC_BUCKET_NOT_FOUND),
    ("metadata: replica deleted", row_metadata_replica_gone, F.DST_VERSION_NOT_FOUND),
    ("metadata: write refused", row_metadata_write_refused, F.DST_PUT_OBJECT_NOT_PERMITTED),
    ("metadata: read refused", row_metadata_read_refused, F.SRC_GET_OBJECT_NOT_PERMITTED),
    ("metadata: ACL read refused", row_metadata_acl_read_refused, F.SRC_GET_ACL_NOT_PERMITTED),
    (
        "metadata: lock source, no GetObjectRetention",
        row_metadata_lock_read_refused,
        F.SRC_GET_OBJECT_NOT_PERMITTED,
    ),
    (
        "metadata: legal hold without PutObjectLegalHold",
        row_metadata_legal_hold_refused,
        F.DST_PUT_LEGAL_HOLD_NOT_PERMITTED,
    ),
]


@pytest.mark.parametrize(("case", "scenario", "reason"), ROWS, ids=[r[0] for r in ROWS])
def test_r158_outcome_map(case: str, scenario: Callable[[], Engine], reason: FailureReason) -> None:
    """R-127, R-158: each broken requirement fails the operation with its documented reason."""
    assert only_result(scenario()) is reason, case


def test_r157_destination_may_refuse_tags() -> None:
    """R-157: an explicit Deny of s3:ReplicateTags in the destination policy drops the tags
    but the object still replicates."""
    eng = build()
    eng.put_bucket_policy(
        "dst",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Principal": {"AWS": ROLE},
                    "Action": "s3:ReplicateTags",
                    "Resource": "arn:aws:s3:::dst/*",
                }
            ],
        },
    )
    v = eng.put_object("src", "k", b"x", tags={"t": "1"})
    assert only_result(eng) is None
    assert eng.head_object("dst", "k", version_id=v.version_id).tags == {}


def metrics_rule() -> dict[str, Any]:
    """The one rule, with replication metrics on (failure events need them, R-129)."""
    return base_rule(Destination={"Bucket": "arn:aws:s3:::dst", "Metrics": {"Status": "Enabled"}})


def failed_operations(eng: Engine) -> tuple[int, list[FailureReason | None]]:
    """``OperationsFailedReplication`` of the rule and the failure events' reasons."""
    (metrics,) = eng.replication_metrics("src")
    reasons = [
        event.failure_reason
        for event in eng.events()
        if event.event_name == "Replication:OperationFailedReplication"
    ]
    return metrics.operations_failed, reasons


def deny_tags_at_destination(eng: Engine) -> None:
    """The destination's bucket policy explicitly denies the role s3:ReplicateTags."""
    statement = {
        "Effect": "Deny",
        "Principal": {"AWS": ROLE},
        "Action": "s3:ReplicateTags",
        "Resource": "arn:aws:s3:::dst/*",
    }
    eng.put_bucket_policy("dst", {"Version": "2012-10-17", "Statement": [statement]})


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("tags unreadable", F.SRC_GET_TAGGING_NOT_PERMITTED),
        ("tags refused by the destination", F.DST_PUT_TAGGING_NOT_PERMITTED),
    ],
)
def test_r158_tags_left_behind_are_a_failed_metadata_operation(
    case: str, reason: FailureReason
) -> None:
    """R-158 [INF] defaults, R-157, R-129, R-131: an object whose tags cannot be read
    (default switch) or written (explicit deny) still replicates, COMPLETED and without
    tags, and the tag operation counts as one failed operation with its own event."""
    eng = build(rule=metrics_rule())
    if case == "tags unreadable":
        eng.put_role_policy(ROLE, policy_without("s3:GetObjectVersionTagging"))
    else:
        deny_tags_at_destination(eng)
    v = eng.put_object("src", "k", b"x", tags={"t": "1"})
    assert only_result(eng) is None
    assert eng.head_object("src", "k").replication_status is ReplicationStatus.COMPLETED
    assert eng.head_object("dst", "k", version_id=v.version_id).tags == {}
    assert failed_operations(eng) == (1, [reason])


def test_r158_untagged_objects_need_no_tag_permissions() -> None:
    """R-158: without tags there is nothing to read or write, so nothing fails."""
    eng = build(rule=metrics_rule())
    eng.put_role_policy(ROLE, policy_without("s3:GetObjectVersionTagging"))
    deny_tags_at_destination(eng)
    eng.put_object("src", "k", b"x")
    assert only_result(eng) is None
    assert failed_operations(eng) == (0, [])


@pytest.mark.parametrize(
    ("switch", "step_reason"),
    [("replicate_without_tags", None), ("fail", F.SRC_GET_TAGGING_NOT_PERMITTED)],
)
def test_r158_metadata_sync_with_unreadable_tags(
    switch: str, step_reason: FailureReason | None
) -> None:
    """R-085, R-158 [INF]: a tag change whose tags the role cannot read follows the same
    switch as an object: by default the sync completes without the tags and counts one
    failed operation; under ``fail`` it fails with SrcGetTaggingNotPermitted.  Either
    way the source version stays COMPLETED (a metadata failure leaves its status)."""
    eng = build(rule=metrics_rule(), missing_tag_read_permission=switch)
    eng.put_role_policy(ROLE, policy_without("s3:GetObjectVersionTagging"))
    v = eng.put_object("src", "k", b"x")
    assert only_result(eng) is None
    eng.put_object_tagging("src", "k", {"t": "1"})
    assert only_result(eng) is step_reason
    assert eng.head_object("src", "k").replication_status is ReplicationStatus.COMPLETED
    assert eng.head_object("dst", "k", version_id=v.version_id).tags == {}
    assert failed_operations(eng) == (1, [F.SRC_GET_TAGGING_NOT_PERMITTED])


def test_metadata_failures_leave_the_source_status() -> None:
    """R-085 [INF]: a failed metadata operation does not turn a COMPLETED version FAILED."""
    eng = row_metadata_write_refused()
    eng.run()
    assert eng.head_object("src", "k").replication_status is ReplicationStatus.COMPLETED


def test_r087_cross_account_markers_switch() -> None:
    """R-087, section 10 [INF]: under cross_account_delete_markers_off_by_default a marker
    is not sent to another account's bucket; by default it is."""
    for switch, expected in ((False, 1), (True, 0)):
        eng = Engine(
            seed=1, profile=Profile.aws().evolve(cross_account_delete_markers_off_by_default=switch)
        )
        eng.create_account("444455556666")
        eng.create_bucket("src", versioning=True)
        eng.create_bucket("xdst", account="444455556666", versioning=True)
        eng.create_role(ROLE)
        rule = base_rule(Destination={"Bucket": "arn:aws:s3:::xdst", "Account": "444455556666"})
        eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule]})
        eng.delete_object("src", "k")
        assert len(eng.pending()) == expected


def test_r069_not_filter_in_the_engine() -> None:
    """R-069 [INF]: with enable_not_or_filters a Not-prefix rule skips the excluded keys."""
    rule = base_rule(Filter={"Not": {"Prefix": "tmp/"}})
    eng = build(rule=rule, enable_not_or_filters=True)
    eng.put_object("src", "tmp/x", b"x")
    assert eng.pending() == ()
    eng.put_object("src", "logs/x", b"x")
    assert [t.key for t in eng.pending()] == ["logs/x"]


def test_r125_deferred_expiration_after_failure() -> None:
    """R-125: an expiration deferred while PENDING runs once the version FAILS too."""
    eng = build()
    eng.put_role_policy(ROLE, policy_without("s3:ReplicateObject"))
    eng.put_object("src", "k", b"x")
    assert eng.expire_object("src", "k") is None
    eng.run()
    versions = eng.list_object_versions("src")
    assert versions[0].is_latest
    assert type(versions[0]).__name__ == "DeleteMarker"


def test_retention_dates_must_be_in_the_future() -> None:
    """Object Lock: a retain-until date in the past is refused, mode and date go together."""
    from s3repl.errors import InvalidArgument, InvalidRequest

    eng = build(lock=True)
    with pytest.raises(InvalidArgument):
        eng.put_object(
            "src", "k", b"x", object_lock_mode="GOVERNANCE", object_lock_retain_until_date=eng.now
        )
    with pytest.raises(InvalidArgument):
        eng.put_object("src", "k", b"x", object_lock_mode="GOVERNANCE")
    plain = Engine()
    plain.create_bucket("plain", versioning=True)
    with pytest.raises(InvalidRequest):
        plain.put_object("plain", "k", b"x", object_lock_legal_hold_status="ON")
    v = eng.put_object("src", "k", b"x")
    later = eng.now + dt.timedelta(days=2)
    updated = eng.put_object_retention("src", "k", mode="COMPLIANCE", retain_until_date=later)
    assert updated.object_lock_retain_until_date == later
    held = eng.put_object_legal_hold("src", "k", status="ON", version_id=v.version_id)
    assert held.object_lock_legal_hold_status.value == "ON"
