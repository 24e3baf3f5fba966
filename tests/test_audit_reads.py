"""Object reads obey Object Ownership and object ACLs (the audit's first mismatch).

A replica written without owner override keeps its source's owner and ACL (R-150).  On
a destination whose ACLs are in effect (``ObjectWriter``, ``BucketOwnerPreferred``) the
destination's owner then does not own it and cannot read it without a grant: S3 answers
``AccessDenied`` (403) to GetObject, HeadObject and GetObjectAcl alike.  Owner override
(R-151) and ``BucketOwnerEnforced`` (R-154) are what make the destination account the
owner.  Sources: DG/UG ``replication-change-owner.md``; UG "How Amazon S3 authorizes a
request for an object operation" (when bucket and object owners differ, only the object
owner's ACL grants access; the bucket policy can only deny).
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from s3repl import Engine, iam
from s3repl.aws import mock
from s3repl.errors import AccessDenied, NoSuchKey
from s3repl.model import Acl, ReplicationStatus
from s3repl.model.acl import Grant, Grantee, Permission

SOURCE_OWNER = "123456789012"
DEST_OWNER = "210987654321"
STRANGER = "333333333333"
ROLE = f"arn:aws:iam::{SOURCE_OWNER}:role/repl"


def cross_account(
    *, ownership: str = "ObjectWriter", override: bool = False, source_ownership: str = ""
) -> Engine:
    """src (account A) -> dst (account B, ``ownership``), the replica of ``k`` written."""
    eng = Engine(seed=11)
    eng.create_account(DEST_OWNER)
    eng.create_account(STRANGER)
    eng.create_bucket("src", versioning=True)
    if source_ownership:
        eng.put_bucket_ownership_controls("src", source_ownership)
    eng.create_bucket("dst", account=DEST_OWNER, region="eu-west-1", versioning=True)
    eng.put_bucket_ownership_controls("dst", ownership)
    eng.put_bucket_policy("dst", iam.destination_bucket_policy("dst", principal=ROLE))
    eng.create_role(ROLE)
    destination: dict[str, Any] = {"Bucket": "arn:aws:s3:::dst", "Account": DEST_OWNER}
    if override:
        destination["AccessControlTranslation"] = {"Owner": "Destination"}
    eng.put_bucket_replication(
        "src",
        {
            "Role": ROLE,
            "Rules": [
                {
                    "ID": "all",
                    "Priority": 1,
                    "Status": "Enabled",
                    "Filter": {},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": destination,
                }
            ],
        },
    )
    eng.put_object("src", "k", b"data")
    (result,) = eng.run()
    assert result.status is ReplicationStatus.COMPLETED
    return eng


READS = ("get_object", "head_object", "get_object_acl")


@pytest.mark.parametrize("read", READS)
@pytest.mark.parametrize("ownership", ["ObjectWriter", "BucketOwnerPreferred"])
def test_r150_destination_owner_cannot_read_a_replica_it_does_not_own(
    read: str, ownership: str
) -> None:
    """R-150: without owner override, on a destination with ACLs in effect, the replica
    is the source account's; the destination's owner gets AccessDenied (403)."""
    eng = cross_account(ownership=ownership)
    assert eng.head_object("dst", "k", account=SOURCE_OWNER).owner == SOURCE_OWNER
    with pytest.raises(AccessDenied) as caught:
        getattr(eng, read)("dst", "k", account=DEST_OWNER)
    assert caught.value.http_status == 403
    assert caught.value.code == "AccessDenied"


def test_r150_account_none_is_the_bucket_owner_for_object_reads() -> None:
    """R-150, DESIGN (account=None is the bucket owner): the default caller of a read on
    dst is its owner, refused like the owner named explicitly."""
    eng = cross_account()
    with pytest.raises(AccessDenied):
        eng.get_object("dst", "k")


@pytest.mark.parametrize("read", READS)
def test_r150_the_replica_owner_reads_it_in_another_accounts_bucket(read: str) -> None:
    """R-150: the object owner (the source account) may read its replica; a stranger
    may not."""
    eng = cross_account()
    getattr(eng, read)("dst", "k", account=SOURCE_OWNER)
    with pytest.raises(AccessDenied):
        getattr(eng, read)("dst", "k", account=STRANGER)


@pytest.mark.parametrize("read", READS)
def test_r151_owner_override_hands_the_replica_to_the_destination_owner(read: str) -> None:
    """R-151: with AccessControlTranslation the destination account owns the replica and
    reads it; the source account no longer can (the replica ACL is the owner's only)."""
    eng = cross_account(override=True)
    getattr(eng, read)("dst", "k", account=DEST_OWNER)
    with pytest.raises(AccessDenied):
        getattr(eng, read)("dst", "k", account=SOURCE_OWNER)


@pytest.mark.parametrize("read", READS)
def test_r154_bucket_owner_enforced_destination_owns_every_replica(read: str) -> None:
    """R-154: a BucketOwnerEnforced destination owns the replica without override; its
    owner reads it, and the source account, which no longer owns it, needs a bucket
    policy grant (ACLs are disabled)."""
    eng = cross_account(ownership="BucketOwnerEnforced")
    assert eng.head_object("dst", "k", account=DEST_OWNER).owner == DEST_OWNER
    getattr(eng, read)("dst", "k", account=DEST_OWNER)
    with pytest.raises(AccessDenied):
        getattr(eng, read)("dst", "k", account=SOURCE_OWNER)


def test_r084_a_replicated_acl_grant_lets_the_destination_owner_read() -> None:
    """R-084, R-150: an ACL granting the destination account READ on the source object
    is replicated with it, and that grant is what lets the destination owner read; READ
    alone does not let it read the ACL (READ_ACP)."""
    eng = cross_account(source_ownership="ObjectWriter")
    grant = Grant(grantee=Grantee.account(DEST_OWNER), permission=Permission.READ)
    eng.put_object_acl(
        "src",
        "k",
        access_control_policy=Acl(
            owner=SOURCE_OWNER,
            grants=(*Acl.private(SOURCE_OWNER).grants, grant),
        ),
    )
    eng.run()
    assert eng.get_object("dst", "k", account=DEST_OWNER).body == b"data"
    with pytest.raises(AccessDenied):
        eng.get_object_acl("dst", "k", account=DEST_OWNER)


def test_r150_a_bucket_policy_grant_does_not_reach_another_accounts_object() -> None:
    """R-150: the destination owner's bucket policy granting a stranger s3:GetObject
    does not cover an object the bucket owner does not own; an explicit deny still
    refuses the object owner."""
    eng = cross_account()
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{STRANGER}:root"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::dst/*",
            },
            {
                "Effect": "Deny",
                "Principal": {"AWS": f"arn:aws:iam::{SOURCE_OWNER}:root"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::dst/*",
            },
        ],
    }
    eng.put_bucket_policy("dst", document, account=DEST_OWNER)
    with pytest.raises(AccessDenied):
        eng.get_object("dst", "k", account=STRANGER)
    with pytest.raises(AccessDenied):
        eng.get_object("dst", "k", account=SOURCE_OWNER)


def test_r150_bucket_owned_objects_read_by_policy_or_acl_grant() -> None:
    """R-150: an object the bucket owner owns (ACLs in effect) is readable by its owner,
    by a bucket policy grant, or by a public-read ACL grant."""
    eng = Engine(seed=2)
    eng.create_account(STRANGER)
    eng.create_bucket("bkt")
    eng.put_bucket_ownership_controls("bkt", "ObjectWriter")
    eng.put_object("bkt", "private", b"1")
    eng.put_object("bkt", "public", b"2", acl="public-read")
    eng.get_object("bkt", "private")
    with pytest.raises(AccessDenied):
        eng.get_object("bkt", "private", account=STRANGER)
    assert eng.get_object("bkt", "public", account=STRANGER).body == b"2"
    with pytest.raises(AccessDenied):
        eng.get_object_acl("bkt", "public", account=STRANGER)


def test_r150_a_missing_key_is_told_only_to_callers_who_may_list() -> None:
    """R-150 (S3 GetObject: without s3:ListBucket a missing key is 403, not 404): on a
    bucket with ACLs in effect a stranger asking for a key that does not exist gets
    AccessDenied; the owner gets NoSuchKey."""
    eng = cross_account()
    with pytest.raises(AccessDenied):
        eng.get_object("dst", "missing", account=STRANGER)
    with pytest.raises(NoSuchKey):
        eng.get_object("dst", "missing", account=DEST_OWNER)


def test_r150_boto3_reads_answer_403_to_the_destination_owner() -> None:
    """R-150 through boto3 (s3repl.aws.mock): the destination account's GetObject and
    HeadObject of a replica it does not own are 403 AccessDenied; the source account,
    which owns it, reads it."""
    eng = cross_account()
    with mock(eng):

        def client(account: str) -> Any:
            return boto3.client(
                "s3",
                region_name="us-east-1",
                aws_access_key_id=account,
                aws_secret_access_key="secret",
            )

        dest, source = client(DEST_OWNER), client(SOURCE_OWNER)
        with pytest.raises(ClientError) as caught:
            dest.get_object(Bucket="dst", Key="k")
        assert caught.value.response["Error"]["Code"] == "AccessDenied"
        with pytest.raises(ClientError) as head:
            dest.head_object(Bucket="dst", Key="k")
        assert head.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert source.get_object(Bucket="dst", Key="k")["Body"].read() == b"data"
