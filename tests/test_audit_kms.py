"""The AWS managed key ``aws/s3`` and the KMS checks of writes (the audit's KMS items).

- ``put_object(..., server_side_encryption="aws:kms")`` without a key id encrypts under
  the account's AWS managed key ``aws/s3`` (S3 API: "If you specify aws:kms but don't
  provide x-amz-server-side-encryption-aws-kms-key-id, Amazon S3 uses the AWS managed key
  (aws/s3)"); so does a bucket default of SSE-KMS without ``KMSMasterKeyID`` (S3 creates
  ``aws/s3`` "in your AWS account").
- An AWS managed key serves only its own account (its key policy cannot be changed), so
  it cannot encrypt replicas for another account's role nor decrypt for another account
  (R-014: "do not use the source account's aws/s3 key for a foreign destination").
- KMS refuses a disabled key: S3 passes ``KMS.DisabledException`` (400) on.
- R-082: an unencrypted source's replica takes the destination default's KMS key, so
  findings foresee what that key does to it, as apply time meets it (R-027, R-158).
"""

from __future__ import annotations

from typing import Any

import pytest

from s3repl import Engine, iam
from s3repl.errors import AccessDenied, KMSDisabledException, KMSInvalidStateException
from s3repl.model import FailureReason, ReplicationStatus, ServerSideEncryption
from s3repl.model.names import aws_managed_key_arn
from s3repl.validate import check_requirements

OWNER = "123456789012"
OTHER = "210987654321"
ROLE = f"arn:aws:iam::{OWNER}:role/repl"


def _rule(destination: dict[str, Any], *, kms: bool) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "ID": "all",
        "Priority": 1,
        "Status": "Enabled",
        "Filter": {},
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "Destination": destination,
    }
    if kms:
        rule["SourceSelectionCriteria"] = {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
    return rule


def world(
    *,
    replica_key: str | None = None,
    other_account: bool = False,
    role_policy: dict[str, Any] | None = None,
) -> Engine:
    """src -> dst (another account when asked), the rule opting into SSE-KMS objects
    with ``replica_key`` (when given; ``"created"``: a key created in this engine)."""
    eng = Engine(seed=5)
    dest_owner = OTHER if other_account else OWNER
    if other_account:
        eng.create_account(OTHER)
    eng.create_bucket("src", versioning=True)
    eng.create_bucket("dst", account=dest_owner, versioning=True)
    if other_account:
        eng.put_bucket_policy("dst", iam.destination_bucket_policy("dst", principal=ROLE))
    eng.create_role(ROLE, policy=role_policy)
    destination: dict[str, Any] = {"Bucket": "arn:aws:s3:::dst"}
    if other_account:
        destination["Account"] = OTHER
    if replica_key == "created":
        replica_key = eng.create_kms_key()
    if replica_key is not None:
        destination["EncryptionConfiguration"] = {"ReplicaKmsKeyID": replica_key}
    eng.put_bucket_replication(
        "src", {"Role": ROLE, "Rules": [_rule(destination, kms=replica_key is not None)]}
    )
    return eng


# --- the managed key on writes ------------------------------------------------------------


@pytest.mark.parametrize("key_id", [None, "alias/aws/s3"])
def test_r014_sse_kms_without_a_key_uses_the_aws_managed_key(key_id: str | None) -> None:
    """R-014 (S3 API PutObject): aws:kms without a key id (or with the alias aws/s3) is
    the account's AWS managed key aws/s3 in the bucket's Region; it exists once used."""
    eng = Engine(seed=1)
    eng.create_bucket("bkt", region="eu-west-1")
    version = eng.put_object(
        "bkt", "k", b"x", server_side_encryption="aws:kms", sse_kms_key_id=key_id
    )
    managed = aws_managed_key_arn(OWNER, "eu-west-1")
    assert version.server_side_encryption is ServerSideEncryption.SSE_KMS
    assert version.sse_kms_key_id == managed
    assert managed.startswith(f"arn:aws:kms:eu-west-1:{OWNER}:key/")
    key = eng.describe_kms_key(managed)
    assert (key.account, key.region, key.aws_managed) == (OWNER, "eu-west-1", True)
    assert eng.get_object("bkt", "k").body == b"x"


def test_r082_default_sse_kms_without_a_key_id_uses_the_owners_aws_s3() -> None:
    """R-082 (S3 API ServerSideEncryptionByDefault): a default of aws:kms without
    KMSMasterKeyID encrypts new objects under the bucket owner's aws/s3."""
    eng = Engine(seed=1)
    eng.create_bucket("bkt")
    eng.put_bucket_encryption(
        "bkt", {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]}
    )
    version = eng.put_object("bkt", "k", b"x")
    assert version.sse_kms_key_id == aws_managed_key_arn(OWNER, "us-east-1")


@pytest.mark.parametrize(
    ("change", "error", "code", "suffix"),
    [
        ("disable_kms_key", KMSDisabledException, "KMS.DisabledException", "is disabled."),
        (
            "schedule_key_deletion",
            KMSInvalidStateException,
            "KMS.KMSInvalidStateException",
            "is pending deletion.",
        ),
    ],
)
@pytest.mark.parametrize("by_default", [False, True])
def test_r158_a_write_under_an_unusable_key_is_refused(
    change: str, error: type[Exception], code: str, suffix: str, *, by_default: bool
) -> None:
    """R-158 (KMS DisabledException passed on by S3, 400): PutObject under a disabled key,
    or one pending deletion, named or the bucket's default, is refused and stores
    nothing."""
    eng = Engine(seed=1)
    eng.create_bucket("bkt", versioning=True)
    key = eng.create_kms_key()
    getattr(eng, change)(key)
    kwargs: dict[str, Any] = {}
    if by_default:
        eng.put_bucket_encryption(
            "bkt",
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
    else:
        kwargs = {"server_side_encryption": "aws:kms", "sse_kms_key_id": key}
    with pytest.raises(error) as caught:
        eng.put_object("bkt", "k", b"x", **kwargs)
    assert caught.value.code == code  # type: ignore[attr-defined]
    assert caught.value.http_status == 400  # type: ignore[attr-defined]
    assert caught.value.message == f"{key} {suffix}"  # type: ignore[attr-defined]
    assert eng.list_object_versions("bkt") == ()


# --- replicas of aws/s3 objects -------------------------------------------------------------


def test_r158_source_aws_s3_objects_replicate_without_a_kms_grant_on_the_role() -> None:
    """R-158, R-014: the role decrypts the source account's aws/s3 key through its key
    policy (same account), so no kms:Decrypt grant is needed; the replica is under the
    rule's ReplicaKmsKeyID (R-082)."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:*", "kms:Encrypt"], "Resource": "*"},
        ],
    }
    eng = world(replica_key="created", role_policy=policy)
    replica_key = world_key(eng)
    assert check_requirements(eng, "src") == ()
    eng.put_object("src", "k", b"x", server_side_encryption="aws:kms")
    (result,) = eng.run()
    assert result.status is ReplicationStatus.COMPLETED
    assert eng.head_object("dst", "k").sse_kms_key_id == replica_key


def world_key(eng: Engine) -> str:
    """The rule's ReplicaKmsKeyID of ``eng``'s source configuration."""
    (rule,) = eng.get_bucket_replication("src").rules
    config = rule.destination.encryption_configuration
    assert config is not None
    assert config.replica_kms_key_id is not None
    return config.replica_kms_key_id


def test_r014_source_aws_s3_as_replica_key_leaves_the_destination_unable_to_read() -> None:
    """R-014: ReplicaKmsKeyID naming the source account's aws/s3 for another account's
    destination replicates (the role may use its own account's key) but the destination
    account cannot decrypt the replicas: GetObject is AccessDenied (403)."""
    managed = aws_managed_key_arn(OWNER, "us-east-1")
    eng = world(replica_key=managed, other_account=True)
    eng.put_object("src", "k", b"x", server_side_encryption="aws:kms")
    (result,) = eng.run()
    assert result.status is ReplicationStatus.COMPLETED
    replica = eng.head_object("dst", "k", account=OTHER)
    assert (replica.owner, replica.sse_kms_key_id) == (OTHER, managed)
    with pytest.raises(AccessDenied) as caught:
        eng.get_object("dst", "k", account=OTHER)
    assert caught.value.http_status == 403
    assert "not allowed to access" in caught.value.message


def test_r014_destination_aws_s3_as_replica_key_fails_and_is_foreseen() -> None:
    """R-014, R-158: the destination account's aws/s3 cannot serve the source account's
    role, so findings name it and the object fails with DstKmsKeyNotFound."""
    managed = aws_managed_key_arn(OTHER, "us-east-1")
    eng = world(replica_key=managed, other_account=True)
    findings = check_requirements(eng, "src")
    assert [(f.requirement, f.failure_reason) for f in findings] == [
        ("R-014", FailureReason.DST_KMS_KEY_NOT_FOUND)
    ]
    eng.put_object("src", "k", b"x", server_side_encryption="aws:kms")
    (result,) = eng.run()
    assert result.failure_reason is FailureReason.DST_KMS_KEY_NOT_FOUND


# --- unencrypted objects into a KMS-default destination: findings and apply time agree -------


def test_r082_findings_foresee_the_destination_default_key_of_unencrypted_replicas() -> None:
    """R-082, R-027, R-158: a rule without the SSE-KMS opt-in still carries unencrypted
    objects, whose replicas take the destination default's KMS key; a disabled default
    key is a finding with the reason the object then fails with."""
    eng = world_with_default({"SSEAlgorithm": "aws:kms"}, disabled=True)
    findings = check_requirements(eng, "src")
    assert [(f.requirement, f.failure_reason) for f in findings] == [
        ("R-027", FailureReason.DST_KMS_KEY_INVALID_STATE)
    ]
    eng.put_object("src", "k", b"x", server_side_encryption=ServerSideEncryption.NONE)
    (result,) = eng.run()
    assert result.failure_reason is FailureReason.DST_KMS_KEY_INVALID_STATE


def world_with_default(default: dict[str, Any], *, disabled: bool) -> Engine:
    """src -> dst whose default encryption is SSE-KMS under a key of its own engine."""
    eng = Engine(seed=5)
    eng.create_bucket("src", versioning=True)
    eng.create_bucket("dst", versioning=True)
    key = eng.create_kms_key()
    if disabled:
        eng.disable_kms_key(key)
    eng.put_bucket_encryption(
        "dst",
        {"Rules": [{"ApplyServerSideEncryptionByDefault": {**default, "KMSMasterKeyID": key}}]},
    )
    eng.create_role(ROLE)
    eng.put_bucket_replication(
        "src", {"Role": ROLE, "Rules": [_rule({"Bucket": "arn:aws:s3:::dst"}, kms=False)]}
    )
    return eng


def test_r082_encrypted_sources_ignore_the_destination_default_key() -> None:
    """R-082: SSE-S3 sources keep SSE-S3 on the replica, so a disabled destination default
    key does not fail them."""
    eng = world_with_default({"SSEAlgorithm": "aws:kms"}, disabled=True)
    eng.put_object("src", "k", b"x")
    (result,) = eng.run()
    assert result.status is ReplicationStatus.COMPLETED
    assert eng.head_object("dst", "k").server_side_encryption is ServerSideEncryption.SSE_S3


def test_r158_a_foreign_writers_aws_s3_object_cannot_be_read_for_replication() -> None:
    """R-158, R-014: another account writing SSE-KMS without a key id encrypts under its
    own aws/s3 (the alias resolves in the requester's account); the source account's
    role cannot decrypt it, so the object fails with SrcKmsKeyInvalidState."""
    eng = world(replica_key="created")
    eng.create_account(OTHER)
    eng.put_bucket_ownership_controls("src", "ObjectWriter")
    grant = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::src/*",
    }
    eng.put_bucket_policy("src", {"Version": "2012-10-17", "Statement": [grant]})
    version = eng.put_object(
        "src",
        "k",
        b"x",
        server_side_encryption="aws:kms",
        acl="bucket-owner-full-control",
        account=OTHER,
    )
    assert version.sse_kms_key_id == aws_managed_key_arn(OTHER, "us-east-1")
    (result,) = eng.run()
    assert result.failure_reason is FailureReason.SRC_KMS_KEY_INVALID_STATE
