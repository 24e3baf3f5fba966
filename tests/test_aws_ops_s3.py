"""AwsBackend's S3 operations: boto3-shaped parameters in, boto3-shaped outputs or AWS errors out.

Expected codes and statuses are those of the Amazon S3 API reference ("Error responses",
and each operation's page); replication outcomes are SPEC's (R-nnn named per test).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3repl import Engine
from s3repl.aws import Caller, ServiceError
from s3repl.aws._operations import AwsBackend

OWNER = "123456789012"
OTHER = "210987654321"
ME = Caller(account=OWNER)
THEM = Caller(account=OTHER)
ROLE = f"arn:aws:iam::{OWNER}:role/repl"
_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
_ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)


class S3:
    """A backend and the caller to call it as."""

    def __init__(self) -> None:
        self.backend = AwsBackend(Engine(seed=11))

    def __call__(self, operation: str, caller: Caller = ME, **params: Any) -> dict[str, Any]:
        return self.backend.call("s3", operation, params, caller)

    def error(self, operation: str, caller: Caller = ME, **params: Any) -> ServiceError:
        with pytest.raises(ServiceError) as caught:
            self.backend.call("s3", operation, params, caller)
        return caught.value

    def versioned(self, *names: str) -> None:
        for name in names:
            self("CreateBucket", Bucket=name)
            self("PutBucketVersioning", Bucket=name, VersioningConfiguration={"Status": "Enabled"})


@pytest.fixture
def s3() -> S3:
    return S3()


def _rule(destination: str, **extra: Any) -> dict[str, Any]:
    return {
        "Priority": 1,
        "Status": "Enabled",
        "Filter": {},
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "Destination": {"Bucket": f"arn:aws:s3:::{destination}"},
        **extra,
    }


def _replicating(s3: S3) -> None:
    """src -> dst (same account), through IAM and S3 calls only (R-006, R-080)."""
    s3.versioned("src", "dst")
    iam = s3.backend
    iam.call("iam", "CreateRole", {"RoleName": "repl", "AssumeRolePolicyDocument": _TRUST}, ME)
    iam.call(
        "iam",
        "PutRolePolicy",
        {"RoleName": "repl", "PolicyName": "all", "PolicyDocument": _ALLOW_ALL},
        ME,
    )
    s3(
        "PutBucketReplication",
        Bucket="src",
        ReplicationConfiguration={"Role": ROLE, "Rules": [_rule("dst")]},
    )


# --- buckets -------------------------------------------------------------------------------


def test_create_bucket_without_constraint_goes_to_us_east_1(s3: S3) -> None:
    """CreateBucket without LocationConstraint from us-east-1: the bucket is in us-east-1."""
    assert s3("CreateBucket", Bucket="plain") == {"Location": "/plain"}
    assert s3("HeadBucket", Bucket="plain")["BucketRegion"] == "us-east-1"


def test_create_bucket_with_a_constraint_goes_there(s3: S3) -> None:
    """LocationConstraint names the region; EU is eu-west-1; HeadBucket says BucketRegion."""
    eu = Caller(account=OWNER, region="eu-west-1")
    s3("CreateBucket", eu, Bucket="euro", CreateBucketConfiguration={"LocationConstraint": "EU"})
    s3(
        "CreateBucket",
        Bucket="oregon",
        CreateBucketConfiguration={"LocationConstraint": "us-west-2"},
    )
    assert s3("HeadBucket", Bucket="euro")["BucketRegion"] == "eu-west-1"
    assert s3("HeadBucket", Bucket="oregon")["BucketRegion"] == "us-west-2"


@pytest.mark.parametrize(
    ("region", "constraint", "code"),
    [
        ("eu-west-1", None, "IllegalLocationConstraintException"),
        ("eu-west-1", "us-west-2", "IllegalLocationConstraintException"),
        ("us-east-1", "us-east-1", "InvalidLocationConstraint"),
        ("us-east-1", "moon-1", "InvalidLocationConstraint"),
    ],
)
def test_create_bucket_refuses_a_wrong_constraint(
    s3: S3, region: str, constraint: str | None, code: str
) -> None:
    """A constraint the endpoint cannot take, or that names no region, is a 400; no bucket."""
    config = {} if constraint is None else {"LocationConstraint": constraint}
    caller = Caller(account=OWNER, region=region)
    error = s3.error("CreateBucket", caller, Bucket="nope", CreateBucketConfiguration=config)
    assert (error.code, error.http_status) == (code, 400)
    assert s3.error("HeadBucket", Bucket="nope").code == "NoSuchBucket"


def test_create_bucket_twice(s3: S3) -> None:
    """Re-creating: 200 in us-east-1 (legacy), else BucketAlreadyOwnedByYou; others: Exists."""
    s3("CreateBucket", Bucket="mine")
    assert s3("CreateBucket", Bucket="mine") == {"Location": "/mine"}
    eu = Caller(account=OWNER, region="eu-west-1")
    config = {"LocationConstraint": "eu-west-1"}
    s3("CreateBucket", eu, Bucket="mine-eu", CreateBucketConfiguration=config)
    again = s3.error("CreateBucket", eu, Bucket="mine-eu", CreateBucketConfiguration=config)
    assert (again.code, again.http_status) == ("BucketAlreadyOwnedByYou", 409)
    theirs = s3.error("CreateBucket", THEM, Bucket="mine")
    assert (theirs.code, theirs.http_status) == ("BucketAlreadyExists", 409)
    assert theirs.fields["BucketName"] == "mine"


def test_create_bucket_with_object_lock_and_ownership(s3: S3) -> None:
    """ObjectLockEnabledForBucket enables lock (and versioning); ObjectOwnership is applied."""
    s3(
        "CreateBucket",
        Bucket="vault",
        ObjectLockEnabledForBucket=True,
        ObjectOwnership="ObjectWriter",
    )
    assert s3("GetObjectLockConfiguration", Bucket="vault") == {
        "ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled"}
    }
    assert s3("GetBucketVersioning", Bucket="vault") == {"Status": "Enabled"}
    assert s3("GetBucketOwnershipControls", Bucket="vault") == {
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    }


def test_head_bucket_of_a_missing_bucket_is_404(s3: S3) -> None:
    """HeadBucket on a missing bucket: NoSuchBucket (404)."""
    error = s3.error("HeadBucket", Bucket="missing")
    assert (error.code, error.http_status) == ("NoSuchBucket", 404)


def test_list_buckets_lists_the_callers_buckets(s3: S3) -> None:
    """ListBuckets: the caller's buckets by name, with region and creation date, and Owner."""
    s3("CreateBucket", Bucket="bbb")
    s3("CreateBucket", Bucket="aaa")
    s3("CreateBucket", THEM, Bucket="theirs")
    out = s3("ListBuckets")
    assert [b["Name"] for b in out["Buckets"]] == ["aaa", "bbb"]
    assert all(b["BucketRegion"] == "us-east-1" for b in out["Buckets"])
    assert out["Buckets"][0]["CreationDate"] > out["Buckets"][1]["CreationDate"]
    assert out["Owner"] == {"ID": OWNER}


def test_list_buckets_filters_by_prefix_and_region(s3: S3) -> None:
    """ListBuckets Prefix and BucketRegion narrow the list."""
    s3("CreateBucket", Bucket="logs-a")
    s3("CreateBucket", Bucket="data-a")
    config = {"LocationConstraint": "eu-west-1"}
    s3("CreateBucket", Bucket="logs-eu", CreateBucketConfiguration=config)
    names = [b["Name"] for b in s3("ListBuckets", Prefix="logs-")["Buckets"]]
    assert names == ["logs-a", "logs-eu"]
    in_eu = s3("ListBuckets", BucketRegion="eu-west-1")["Buckets"]
    assert [b["Name"] for b in in_eu] == ["logs-eu"]


def test_head_bucket_of_another_accounts_bucket_is_403(s3: S3) -> None:
    """HeadBucket by an account without s3:ListBucket: AccessDenied (403)."""
    s3("CreateBucket", Bucket="private")
    error = s3.error("HeadBucket", THEM, Bucket="private")
    assert (error.code, error.http_status) == ("AccessDenied", 403)


def test_delete_bucket_only_when_empty(s3: S3) -> None:
    """DeleteBucket: BucketNotEmpty (409) while it holds an object; then it is gone."""
    s3("CreateBucket", Bucket="full")
    s3("PutObject", Bucket="full", Key="k", Body=b"x")
    error = s3.error("DeleteBucket", Bucket="full")
    assert (error.code, error.http_status, error.fields) == (
        "BucketNotEmpty",
        409,
        {"BucketName": "full"},
    )
    s3("DeleteObject", Bucket="full", Key="k")
    assert s3("DeleteBucket", Bucket="full") == {}
    assert s3.error("HeadBucket", Bucket="full").code == "NoSuchBucket"


def test_bucket_versioning_round_trip(s3: S3) -> None:
    """GetBucketVersioning: {} when never enabled, then the status put."""
    s3("CreateBucket", Bucket="ver")
    assert s3("GetBucketVersioning", Bucket="ver") == {}
    s3("PutBucketVersioning", Bucket="ver", VersioningConfiguration={"Status": "Suspended"})
    assert s3("GetBucketVersioning", Bucket="ver") == {"Status": "Suspended"}
    bad = s3.error("PutBucketVersioning", Bucket="ver", VersioningConfiguration={"Status": "On"})
    assert (bad.code, bad.http_status) == ("MalformedXML", 400)


def test_bucket_replication_round_trip(s3: S3) -> None:
    """Get returns the configuration put, with the generated rule ID (R-021, R-053)."""
    s3.versioned("src", "dst")
    s3(
        "PutBucketReplication",
        Bucket="src",
        ReplicationConfiguration={"Role": ROLE, "Rules": [_rule("dst")]},
    )
    (rule,) = s3("GetBucketReplication", Bucket="src")["ReplicationConfiguration"]["Rules"]
    assert rule["ID"]
    assert {k: v for k, v in rule.items() if k != "ID"} == _rule("dst")
    assert s3("DeleteBucketReplication", Bucket="src") == {}
    assert s3("DeleteBucketReplication", Bucket="src") == {}  # idempotent


def test_get_bucket_replication_without_configuration(s3: S3) -> None:
    """T-01: ReplicationConfigurationNotFoundError (404) naming the bucket (R-049)."""
    s3("CreateBucket", Bucket="bare")
    error = s3.error("GetBucketReplication", Bucket="bare")
    assert (error.code, error.http_status, error.message, error.fields) == (
        "ReplicationConfigurationNotFoundError",
        404,
        "The replication configuration was not found",
        {"BucketName": "bare"},
    )


def test_put_bucket_replication_on_an_unversioned_bucket(s3: S3) -> None:
    """T-03: InvalidRequest (400), AWS's message (R-002)."""
    s3("CreateBucket", Bucket="src")
    error = s3.error(
        "PutBucketReplication",
        Bucket="src",
        ReplicationConfiguration={"Role": ROLE, "Rules": [_rule("dst")]},
    )
    assert (error.code, error.http_status, error.message) == (
        "InvalidRequest",
        400,
        "Versioning must be 'Enabled' on the bucket to apply a replication configuration",
    )


def test_bucket_policy_round_trip(s3: S3) -> None:
    """Put/Get/DeleteBucketPolicy; Get without a policy is NoSuchBucketPolicy (404)."""
    s3("CreateBucket", Bucket="pol")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::pol/*",
            }
        ],
    }
    s3("PutBucketPolicy", Bucket="pol", Policy=json.dumps(policy))
    stored = json.loads(s3("GetBucketPolicy", Bucket="pol")["Policy"])
    assert stored["Statement"][0]["Action"] in ("s3:GetObject", ["s3:GetObject"])
    s3("DeleteBucketPolicy", Bucket="pol")
    error = s3.error("GetBucketPolicy", Bucket="pol")
    assert (error.code, error.http_status) == ("NoSuchBucketPolicy", 404)
    bad = s3.error("PutBucketPolicy", Bucket="pol", Policy="not json")
    assert (bad.code, bad.http_status) == ("MalformedPolicy", 400)


def test_bucket_encryption_round_trip(s3: S3) -> None:
    """GetBucketEncryption: SSE-S3 by default, then the configuration put."""
    s3("CreateBucket", Bucket="enc")
    default = s3("GetBucketEncryption", Bucket="enc")["ServerSideEncryptionConfiguration"]
    assert default["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    key = s3.backend.call("kms", "CreateKey", {}, ME)["KeyMetadata"]["Arn"]
    config = {
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms",
                    "KMSMasterKeyID": key,
                },
                "BucketKeyEnabled": False,
            }
        ]
    }
    s3("PutBucketEncryption", Bucket="enc", ServerSideEncryptionConfiguration=config)
    out = s3("GetBucketEncryption", Bucket="enc")["ServerSideEncryptionConfiguration"]
    assert out["Rules"][0]["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": key,
    }


def test_ownership_controls_round_trip(s3: S3) -> None:
    """New buckets are BucketOwnerEnforced; PutBucketOwnershipControls changes it."""
    s3("CreateBucket", Bucket="own")
    assert s3("GetBucketOwnershipControls", Bucket="own") == {
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    }
    s3(
        "PutBucketOwnershipControls",
        Bucket="own",
        OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]},
    )
    rules = s3("GetBucketOwnershipControls", Bucket="own")["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerPreferred"}]


def test_object_lock_configuration_round_trip(s3: S3) -> None:
    """PutObjectLockConfiguration's default retention reads back; absent: 404."""
    s3("CreateBucket", Bucket="nolock")
    error = s3.error("GetObjectLockConfiguration", Bucket="nolock")
    assert (error.code, error.http_status) == ("ObjectLockConfigurationNotFoundError", 404)
    s3.versioned("lock")
    config = {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}},
    }
    s3("PutObjectLockConfiguration", Bucket="lock", ObjectLockConfiguration=config)
    assert s3("GetObjectLockConfiguration", Bucket="lock") == {"ObjectLockConfiguration": config}


def test_request_payment(s3: S3) -> None:
    """PutBucketRequestPayment sets Requester Pays; an unknown payer is refused (400)."""
    s3("CreateBucket", Bucket="pay")
    s3("PutBucketRequestPayment", Bucket="pay", RequestPaymentConfiguration={"Payer": "Requester"})
    assert s3.backend.engine.head_bucket("pay").requester_pays
    error = s3.error(
        "PutBucketRequestPayment", Bucket="pay", RequestPaymentConfiguration={"Payer": "Me"}
    )
    assert error.http_status == 400


# --- objects -----------------------------------------------------------------------------------


def test_put_object_and_read_it_back(s3: S3) -> None:
    """PutObject answers ETag and VersionId; Get/HeadObject answer what was written."""
    s3.versioned("obj")
    put = s3(
        "PutObject",
        Bucket="obj",
        Key="dir/a.txt",
        Body=b"hello",
        Metadata={"Team": "x"},
        Tagging="a=1&b=two%20words",
        ContentType="text/plain",
        StorageClass="STANDARD_IA",
    )
    assert put["ETag"] == '"5d41402abc4b2a76b9719d911017c592"'  # MD5 of "hello"
    got = s3("GetObject", Bucket="obj", Key="dir/a.txt")
    assert got["Body"] == b"hello"
    assert (got["ContentLength"], got["ETag"], got["VersionId"]) == (
        5,
        put["ETag"],
        put["VersionId"],
    )
    assert got["Metadata"] == {"team": "x"}
    assert (got["ContentType"], got["StorageClass"], got["TagCount"]) == (
        "text/plain",
        "STANDARD_IA",
        2,
    )
    assert isinstance(got["LastModified"], dt.datetime)
    assert "ReplicationStatus" not in got  # no rule selects it
    head = s3("HeadObject", Bucket="obj", Key="dir/a.txt")
    assert "Body" not in head
    assert head["ETag"] == put["ETag"]
    tags = s3("GetObjectTagging", Bucket="obj", Key="dir/a.txt")["TagSet"]
    assert tags == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "two words"}]


def test_put_object_on_an_unversioned_bucket_has_no_version_id(s3: S3) -> None:
    """S3 sends x-amz-version-id only for buckets that have had versioning."""
    s3("CreateBucket", Bucket="flat")
    assert "VersionId" not in s3("PutObject", Bucket="flat", Key="k", Body=b"")
    assert "VersionId" not in s3("HeadObject", Bucket="flat", Key="k")


def test_put_object_refuses_bad_input_with_s3_codes(s3: S3) -> None:
    """Bad storage class, missing bucket, non-bytes body, duplicate tag key: S3's 4xx codes."""
    s3("CreateBucket", Bucket="obj")
    cases = [
        ({"Bucket": "obj", "Key": "k", "StorageClass": "COLD"}, "InvalidStorageClass", 400),
        ({"Bucket": "missing", "Key": "k"}, "NoSuchBucket", 404),
        ({"Bucket": "obj", "Key": "k", "Body": 7}, "InvalidArgument", 400),
        ({"Bucket": "obj", "Key": "k", "Tagging": "a=1&a=2"}, "InvalidTag", 400),
    ]
    for params, code, status in cases:
        error = s3.error("PutObject", **params)
        assert (error.code, error.http_status) == (code, status), params
    assert s3("ListObjectsV2", Bucket="obj")["KeyCount"] == 0


def test_put_object_checks_content_md5(s3: S3) -> None:
    """ContentMD5 of another body: BadDigest (400); not an MD5: InvalidDigest (400)."""
    s3("CreateBucket", Bucket="obj")
    good = "XUFAKrxLKna5cZ2REBfFkg=="  # base64 of MD5("hello")
    s3("PutObject", Bucket="obj", Key="k", Body=b"hello", ContentMD5=good)
    other = s3.error("PutObject", Bucket="obj", Key="k", Body=b"bye", ContentMD5=good)
    assert (other.code, other.http_status) == ("BadDigest", 400)
    junk = s3.error("PutObject", Bucket="obj", Key="k", Body=b"bye", ContentMD5="abc")
    assert (junk.code, junk.http_status) == ("InvalidDigest", 400)
    assert s3("GetObject", Bucket="obj", Key="k")["Body"] == b"hello"


HELLO_CRC32 = "NhCmhg=="  # base64 of the big-endian CRC32 of b"hello"
HELLO_SHA256 = "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="


def test_an_uploads_checksum_is_kept_and_answered_when_asked(s3: S3) -> None:
    """S3 answers the checksum an upload carried: on the put, on reads in checksum mode,
    on a copy, and its algorithm in listings (S3 User Guide, object integrity)."""
    s3.versioned("obj")
    put = s3("PutObject", Bucket="obj", Key="k", Body=b"hello", ChecksumCRC32=HELLO_CRC32)
    assert put["ChecksumCRC32"] == HELLO_CRC32
    assert "ChecksumCRC32" not in s3("GetObject", Bucket="obj", Key="k")
    for operation in ("GetObject", "HeadObject"):
        read = s3(operation, Bucket="obj", Key="k", ChecksumMode="ENABLED")
        assert read["ChecksumCRC32"] == HELLO_CRC32
    copy = s3("CopyObject", Bucket="obj", Key="c", CopySource="obj/k")
    assert copy["CopyObjectResult"]["ChecksumCRC32"] == HELLO_CRC32
    listed = s3("ListObjectsV2", Bucket="obj")["Contents"]
    assert [entry["ChecksumAlgorithm"] for entry in listed] == [["CRC32"], ["CRC32"]]
    versions = s3("ListObjectVersions", Bucket="obj")["Versions"]
    assert {tuple(entry["ChecksumAlgorithm"]) for entry in versions} == {("CRC32",)}
    s3("PutObject", Bucket="obj", Key="k", Body=b"plain")  # a new version without one
    latest = s3("GetObject", Bucket="obj", Key="k", ChecksumMode="ENABLED")
    assert "ChecksumCRC32" not in latest
    older = s3(
        "GetObject", Bucket="obj", Key="k", VersionId=put["VersionId"], ChecksumMode="ENABLED"
    )
    assert older["ChecksumCRC32"] == HELLO_CRC32


def test_an_algorithm_without_a_value_is_computed(s3: S3) -> None:
    """ChecksumAlgorithm alone: S3 computes the checksum of the body and answers it."""
    s3("CreateBucket", Bucket="obj")
    put = s3("PutObject", Bucket="obj", Key="k", Body=b"hello", ChecksumAlgorithm="SHA256")
    assert put["ChecksumSHA256"] == HELLO_SHA256


def test_a_wrong_checksum_is_refused_and_writes_nothing(s3: S3) -> None:
    """A checksum that is not the body's: BadDigest (400); two checksums: InvalidRequest."""
    s3("CreateBucket", Bucket="obj")
    before = s3.backend.engine.snapshot()
    wrong = s3.error("PutObject", Bucket="obj", Key="k", Body=b"bye", ChecksumCRC32=HELLO_CRC32)
    assert (wrong.code, wrong.http_status) == ("BadDigest", 400)
    assert "CRC32" in wrong.message
    both = s3.error(
        "PutObject",
        Bucket="obj",
        Key="k",
        Body=b"hello",
        ChecksumCRC32=HELLO_CRC32,
        ChecksumSHA256=HELLO_SHA256,
    )
    assert (both.code, both.http_status) == ("InvalidRequest", 400)
    assert s3.backend.engine.snapshot() == before


def test_conditional_writes_are_refused_not_ignored(s3: S3) -> None:
    """IfNoneMatch on PutObject is not modelled: NotImplemented (501), nothing written."""
    s3("CreateBucket", Bucket="obj")
    error = s3.error("PutObject", Bucket="obj", Key="k", Body=b"x", IfNoneMatch="*")
    assert (error.code, error.http_status) == ("NotImplemented", 501)
    assert s3("ListObjectsV2", Bucket="obj")["KeyCount"] == 0


def test_get_object_of_a_missing_key_is_no_such_key(s3: S3) -> None:
    """GetObject on a missing key: NoSuchKey (404) naming the key."""
    s3("CreateBucket", Bucket="obj")
    error = s3.error("GetObject", Bucket="obj", Key="nothing")
    assert (error.code, error.http_status, error.message) == (
        "NoSuchKey",
        404,
        "The specified key does not exist.",
    )
    assert error.fields == {"Key": "nothing"}


def test_head_object_after_a_delete_marker(s3: S3) -> None:
    """A marker is current: NoSuchKey with x-amz-delete-marker; by its id: MethodNotAllowed."""
    s3.versioned("obj")
    s3("PutObject", Bucket="obj", Key="k", Body=b"x")
    marker = s3("DeleteObject", Bucket="obj", Key="k")
    assert marker["DeleteMarker"] is True
    gone = s3.error("HeadObject", Bucket="obj", Key="k")
    assert (gone.code, gone.http_status) == ("NoSuchKey", 404)
    assert gone.headers["x-amz-delete-marker"] == "true"
    assert gone.headers["x-amz-version-id"] == marker["VersionId"]
    refused = s3.error("HeadObject", Bucket="obj", Key="k", VersionId=marker["VersionId"])
    assert (refused.code, refused.http_status) == ("MethodNotAllowed", 405)
    assert refused.headers["x-amz-delete-marker"] == "true"
    assert refused.fields["ResourceType"] == "DeleteMarker"


def test_head_object_of_an_unknown_version_is_no_such_version(s3: S3) -> None:
    """HeadObject with a version id that does not exist: NoSuchVersion (404) with Key, VersionId."""
    s3.versioned("obj")
    s3("PutObject", Bucket="obj", Key="k", Body=b"x")
    error = s3.error("GetObject", Bucket="obj", Key="k", VersionId="nope")
    assert (error.code, error.http_status) == ("NoSuchVersion", 404)
    assert error.fields == {"Key": "k", "VersionId": "nope"}


def test_sse_c_objects_need_their_key_to_be_read(s3: S3) -> None:
    """An SSE-C object read without SSECustomer* parameters: InvalidRequest (400).

    New buckets block SSE-C (BlockedEncryptionTypes, April 2026: 403 AccessDenied) until
    PutBucketEncryption lists NONE.
    """
    s3("CreateBucket", Bucket="obj")
    sse_c = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": "k" * 32}
    refused = s3.error("PutObject", Bucket="obj", Key="k", Body=b"x", **sse_c)
    assert (refused.code, refused.http_status) == ("AccessDenied", 403)
    rule = {
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
        "BlockedEncryptionTypes": {"EncryptionType": ["NONE"]},
    }
    s3("PutBucketEncryption", Bucket="obj", ServerSideEncryptionConfiguration={"Rules": [rule]})
    put = s3("PutObject", Bucket="obj", Key="k", Body=b"x", **sse_c)
    assert put["SSECustomerAlgorithm"] == "AES256"
    error = s3.error("HeadObject", Bucket="obj", Key="k")
    assert (error.code, error.http_status) == ("InvalidRequest", 400)
    assert s3("GetObject", Bucket="obj", Key="k", **sse_c)["Body"] == b"x"


def test_ranged_reads_are_refused_not_ignored(s3: S3) -> None:
    """A Range s3repl does not model is answered NotImplemented (501), never the whole body."""
    s3("CreateBucket", Bucket="obj")
    s3("PutObject", Bucket="obj", Key="k", Body=b"abc")
    error = s3.error("GetObject", Bucket="obj", Key="k", Range="bytes=0-0")
    assert (error.code, error.http_status) == ("NotImplemented", 501)


def test_delete_object_by_version_is_permanent(s3: S3) -> None:
    """DeleteObject with VersionId removes that version and answers its id."""
    s3.versioned("obj")
    first = s3("PutObject", Bucket="obj", Key="k", Body=b"1")
    s3("PutObject", Bucket="obj", Key="k", Body=b"2")
    assert s3("DeleteObject", Bucket="obj", Key="k", VersionId=first["VersionId"]) == {
        "VersionId": first["VersionId"]
    }
    versions = s3("ListObjectVersions", Bucket="obj")["Versions"]
    assert [v["VersionId"] for v in versions] != [first["VersionId"]]
    assert len(versions) == 1


def test_delete_objects(s3: S3) -> None:
    """DeleteObjects: per-key Deleted with DeleteMarker/DeleteMarkerVersionId; Quiet hides them."""
    s3.versioned("obj")
    one = s3("PutObject", Bucket="obj", Key="one", Body=b"1")
    s3("PutObject", Bucket="obj", Key="two", Body=b"2")
    out = s3(
        "DeleteObjects",
        Bucket="obj",
        Delete={"Objects": [{"Key": "one", "VersionId": one["VersionId"]}, {"Key": "two"}]},
    )
    assert "Errors" not in out
    by_version, by_marker = out["Deleted"]
    assert by_version == {"Key": "one", "VersionId": one["VersionId"]}
    assert by_marker["Key"] == "two"
    assert by_marker["DeleteMarker"] is True
    assert by_marker["DeleteMarkerVersionId"]
    quiet = s3("DeleteObjects", Bucket="obj", Delete={"Objects": [{"Key": "x"}], "Quiet": True})
    assert quiet == {}


def test_delete_objects_reports_per_key_errors(s3: S3) -> None:
    """A key another account may not delete appears in Errors with AccessDenied."""
    s3("CreateBucket", Bucket="obj")
    s3("PutObject", Bucket="obj", Key="k", Body=b"1")
    out = s3("DeleteObjects", THEM, Bucket="obj", Delete={"Objects": [{"Key": "k"}]})
    assert out["Deleted"] == []
    assert [(e["Key"], e["Code"]) for e in out["Errors"]] == [("k", "AccessDenied")]


def test_copy_object(s3: S3) -> None:
    """CopyObject copies body, metadata and tags; REPLACE takes the new ones."""
    s3.versioned("obj")
    source = s3(
        "PutObject", Bucket="obj", Key="src", Body=b"data", Metadata={"m": "1"}, Tagging="t=1"
    )
    out = s3("CopyObject", Bucket="obj", Key="copy", CopySource="obj/src")
    assert out["CopyObjectResult"]["ETag"] == source["ETag"]
    assert out["CopySourceVersionId"] == source["VersionId"]
    assert s3("GetObject", Bucket="obj", Key="copy")["Metadata"] == {"m": "1"}
    s3(
        "CopyObject",
        Bucket="obj",
        Key="copy2",
        CopySource={"Bucket": "obj", "Key": "src", "VersionId": source["VersionId"]},
        MetadataDirective="REPLACE",
        Metadata={"m": "2"},
    )
    assert s3("HeadObject", Bucket="obj", Key="copy2")["Metadata"] == {"m": "2"}
    itself = s3.error("CopyObject", Bucket="obj", Key="src", CopySource="obj/src")
    assert (itself.code, itself.http_status) == ("InvalidRequest", 400)


def test_multipart_upload(s3: S3) -> None:
    """Create, UploadPart x2, Complete: one version with the multipart ETag "...-2" (R-090)."""
    s3.versioned("obj")
    upload = s3("CreateMultipartUpload", Bucket="obj", Key="big", Metadata={"m": "1"})
    ids = {"Bucket": "obj", "Key": "big", "UploadId": upload["UploadId"]}
    first = b"a" * (5 * 1024 * 1024)
    e1 = s3("UploadPart", **ids, PartNumber=1, Body=first)["ETag"]
    e2 = s3("UploadPart", **ids, PartNumber=2, Body=b"tail")["ETag"]
    assert s3("ListObjectsV2", Bucket="obj")["KeyCount"] == 0  # nothing visible yet
    parts = [{"ETag": e1, "PartNumber": 1}, {"ETag": e2, "PartNumber": 2}]
    done = s3("CompleteMultipartUpload", **ids, MultipartUpload={"Parts": parts})
    assert done["ETag"].endswith('-2"')
    got = s3("GetObject", Bucket="obj", Key="big")
    assert got["Body"] == first + b"tail"
    assert got["Metadata"] == {"m": "1"}
    again = s3.error("CompleteMultipartUpload", **ids, MultipartUpload={"Parts": parts})
    assert (again.code, again.http_status) == ("NoSuchUpload", 404)


def test_multipart_upload_errors(s3: S3) -> None:
    """Parts out of order, unknown parts and small parts are refused; Abort forgets the upload."""
    s3("CreateBucket", Bucket="obj")
    ids = {"Bucket": "obj", "Key": "k"}
    ids["UploadId"] = s3("CreateMultipartUpload", **ids)["UploadId"]
    e1 = s3("UploadPart", **ids, PartNumber=1, Body=b"small")["ETag"]
    e2 = s3("UploadPart", **ids, PartNumber=2, Body=b"small")["ETag"]
    cases = [
        ([{"ETag": e2, "PartNumber": 2}, {"ETag": e1, "PartNumber": 1}], "InvalidPartOrder"),
        ([{"ETag": '"0"', "PartNumber": 1}], "InvalidPart"),
        ([{"ETag": e1, "PartNumber": 1}, {"ETag": e2, "PartNumber": 2}], "EntityTooSmall"),
    ]
    for parts, code in cases:
        error = s3.error("CompleteMultipartUpload", **ids, MultipartUpload={"Parts": parts})
        assert (error.code, error.http_status) == (code, 400)
    bad_number = s3.error("UploadPart", **ids, PartNumber=10_001, Body=b"")
    assert bad_number.code == "InvalidArgument"
    assert s3("AbortMultipartUpload", **ids) == {}
    assert s3.error("AbortMultipartUpload", **ids).code == "NoSuchUpload"


def test_object_tagging(s3: S3) -> None:
    """Put/Get/DeleteObjectTagging answer the version id; the tag set reads back."""
    s3.versioned("obj")
    put = s3("PutObject", Bucket="obj", Key="k", Body=b"")
    tagging = {"TagSet": [{"Key": "k1", "Value": "v1"}]}
    assert s3("PutObjectTagging", Bucket="obj", Key="k", Tagging=tagging) == {
        "VersionId": put["VersionId"]
    }
    assert s3("GetObjectTagging", Bucket="obj", Key="k") == {
        "VersionId": put["VersionId"],
        **tagging,
    }
    s3("DeleteObjectTagging", Bucket="obj", Key="k")
    assert s3("GetObjectTagging", Bucket="obj", Key="k")["TagSet"] == []


def test_object_acl(s3: S3) -> None:
    """PutObjectAcl with a canned ACL; GetObjectAcl answers Owner and Grants; enforced: 400."""
    s3("CreateBucket", Bucket="acl", ObjectOwnership="ObjectWriter")
    s3("PutObject", Bucket="acl", Key="k", Body=b"")
    s3("PutObjectAcl", Bucket="acl", Key="k", ACL="public-read")
    out = s3("GetObjectAcl", Bucket="acl", Key="k")
    assert out["Owner"] == {"ID": OWNER}
    assert {
        "Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
        "Permission": "READ",
    } in out["Grants"]
    s3("CreateBucket", Bucket="enforced")
    s3("PutObject", Bucket="enforced", Key="k", Body=b"")
    error = s3.error("PutObjectAcl", Bucket="enforced", Key="k", ACL="public-read")
    assert (error.code, error.http_status) == ("AccessControlListNotSupported", 400)


def test_object_retention_and_legal_hold(s3: S3) -> None:
    """Put/GetObjectRetention and Put/GetObjectLegalHold on an Object Lock bucket."""
    s3("CreateBucket", Bucket="vault", ObjectLockEnabledForBucket=True)
    s3("PutObject", Bucket="vault", Key="k", Body=b"")
    missing = s3.error("GetObjectRetention", Bucket="vault", Key="k")
    assert (missing.code, missing.http_status) == ("NoSuchObjectLockConfiguration", 404)
    until = s3.backend.engine.now + dt.timedelta(days=3)
    s3(
        "PutObjectRetention",
        Bucket="vault",
        Key="k",
        Retention={"Mode": "GOVERNANCE", "RetainUntilDate": until},
    )
    assert s3("GetObjectRetention", Bucket="vault", Key="k") == {
        "Retention": {"Mode": "GOVERNANCE", "RetainUntilDate": until}
    }
    s3("PutObjectLegalHold", Bucket="vault", Key="k", LegalHold={"Status": "ON"})
    assert s3("GetObjectLegalHold", Bucket="vault", Key="k") == {"LegalHold": {"Status": "ON"}}
    head = s3("HeadObject", Bucket="vault", Key="k")
    assert (head["ObjectLockMode"], head["ObjectLockLegalHoldStatus"]) == ("GOVERNANCE", "ON")


def test_put_object_with_lock_settings_on_an_unlocked_bucket(s3: S3) -> None:
    """ObjectLockMode on a bucket without Object Lock: InvalidRequest (400), nothing written."""
    s3("CreateBucket", Bucket="plain")
    until = s3.backend.engine.now + dt.timedelta(days=1)
    error = s3.error(
        "PutObject",
        Bucket="plain",
        Key="k",
        ObjectLockMode="GOVERNANCE",
        ObjectLockRetainUntilDate=until,
    )
    assert (error.code, error.http_status) == ("InvalidRequest", 400)
    assert s3.error("HeadObject", Bucket="plain", Key="k").code == "NoSuchKey"


# --- listings -----------------------------------------------------------------------------------


def test_list_objects_v2_with_delimiter(s3: S3) -> None:
    """Delimiter rolls keys up into CommonPrefixes; KeyCount counts both."""
    s3("CreateBucket", Bucket="lst")
    for key in ("a", "d/1", "d/2", "e/f/g"):
        s3("PutObject", Bucket="lst", Key=key, Body=b"")
    out = s3("ListObjectsV2", Bucket="lst", Delimiter="/")
    assert [c["Key"] for c in out["Contents"]] == ["a"]
    assert out["CommonPrefixes"] == [{"Prefix": "d/"}, {"Prefix": "e/"}]
    assert (out["KeyCount"], out["IsTruncated"], out["Delimiter"]) == (3, False, "/")


def test_list_objects_v2_url_encoding(s3: S3) -> None:
    """EncodingType=url: keys come back URL-encoded and EncodingType is echoed."""
    s3("CreateBucket", Bucket="lst")
    s3("PutObject", Bucket="lst", Key="a b/c", Body=b"")
    out = s3("ListObjectsV2", Bucket="lst", EncodingType="url")
    assert out["Contents"][0]["Key"] == "a+b/c"
    assert out["EncodingType"] == "url"


@given(
    keys=st.lists(st.text(alphabet="ab/", min_size=1, max_size=3), max_size=15),
    max_keys=st.integers(1, 3),
)
def test_list_objects_v2_pages_concatenate(keys: list[str], max_keys: int) -> None:
    """ListObjectsV2 pages through NextContinuationToken concatenate to the sorted listing."""
    s3 = S3()
    s3("CreateBucket", Bucket="lst")
    for key in keys:
        s3("PutObject", Bucket="lst", Key=key, Body=b"")
    listed: list[str] = []
    params: dict[str, Any] = {"Bucket": "lst", "MaxKeys": max_keys}
    for _ in range(100):
        out = s3("ListObjectsV2", **params)
        assert out["KeyCount"] <= max_keys
        listed += [c["Key"] for c in out.get("Contents", [])]
        if not out["IsTruncated"]:
            break
        params["ContinuationToken"] = out["NextContinuationToken"]
    assert listed == sorted(set(keys))


@given(
    writes=st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.booleans()), max_size=15),
    max_keys=st.integers(1, 3),
)
def test_list_object_versions_pages_concatenate(
    writes: list[tuple[str, bool]], max_keys: int
) -> None:
    """ListObjectVersions pages (NextKeyMarker, NextVersionIdMarker) cover each version once."""
    s3 = S3()
    s3.versioned("lst")
    written: list[tuple[str, str]] = []
    for key, delete in writes:
        if delete:
            written.append((key, s3("DeleteObject", Bucket="lst", Key=key)["VersionId"]))
        else:
            written.append((key, s3("PutObject", Bucket="lst", Key=key, Body=b"")["VersionId"]))
    seen: list[tuple[str, str, bool]] = []
    params: dict[str, Any] = {"Bucket": "lst", "MaxKeys": max_keys}
    for _ in range(100):
        out = s3("ListObjectVersions", **params)
        page = out.get("Versions", []) + out.get("DeleteMarkers", [])
        assert len(page) <= max_keys
        page.sort(key=lambda e: (e["Key"], not e["IsLatest"]))
        seen += [(e["Key"], e["VersionId"], e["IsLatest"]) for e in page]
        if not out["IsTruncated"]:
            break
        params["KeyMarker"] = out["NextKeyMarker"]
        params["VersionIdMarker"] = out["NextVersionIdMarker"]
    assert sorted((k, v) for k, v, _ in seen) == sorted(written)
    latest = {k: v for k, v, is_latest in seen if is_latest}
    assert latest == dict(written)  # the last write of each key is current


# --- replication through the backend -----------------------------------------------------------


def test_replication_flow_through_the_backend(s3: S3) -> None:
    """T-40: PutObject on src is PENDING, after run() COMPLETED; dst's copy is REPLICA (R-120)."""
    _replicating(s3)
    put = s3("PutObject", Bucket="src", Key="a.txt", Body=b"hello", Metadata={"m": "1"})
    assert s3("HeadObject", Bucket="src", Key="a.txt")["ReplicationStatus"] == "PENDING"
    s3.backend.engine.run(steps_max=10)
    assert s3("HeadObject", Bucket="src", Key="a.txt")["ReplicationStatus"] == "COMPLETED"
    replica = s3("HeadObject", Bucket="dst", Key="a.txt")
    assert replica["ReplicationStatus"] == "REPLICA"
    assert (replica["VersionId"], replica["Metadata"]) == (put["VersionId"], {"m": "1"})


def test_replication_fails_when_the_role_has_no_permissions(s3: S3) -> None:
    """A role without inline policies may not replicate: FAILED (R-155, R-158)."""
    _replicating(s3)
    s3.backend.call("iam", "DeleteRolePolicy", {"RoleName": "repl", "PolicyName": "all"}, ME)
    s3("PutObject", Bucket="src", Key="k", Body=b"x")
    s3.backend.engine.run(steps_max=10)
    assert s3("HeadObject", Bucket="src", Key="k")["ReplicationStatus"] == "FAILED"


def test_cross_account_calls_are_checked_against_the_bucket_policy(s3: S3) -> None:
    """Another account is refused (403) until the bucket policy grants it (R-007)."""
    s3("CreateBucket", Bucket="shared")
    denied = s3.error("PutObject", THEM, Bucket="shared", Key="k", Body=b"x")
    assert (denied.code, denied.http_status, denied.fields) == ("AccessDenied", 403, {})
    grant = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::shared/*",
            }
        ],
    }
    s3("PutBucketPolicy", Bucket="shared", Policy=json.dumps(grant))
    s3("PutObject", THEM, Bucket="shared", Key="k", Body=b"x")
    assert s3("HeadObject", Bucket="shared", Key="k")["ContentLength"] == 1


# --- the contract -----------------------------------------------------------------------------


def test_unknown_operations_are_not_implemented(s3: S3) -> None:
    """An operation s3repl does not model: NotImplemented (501) naming it."""
    error = s3.error("PutBucketLifecycleConfiguration", Bucket="x")
    assert (error.code, error.http_status, error.message) == (
        "NotImplemented",
        501,
        "s3repl does not implement PutBucketLifecycleConfiguration",
    )


def test_missing_parameters_are_invalid_arguments(s3: S3) -> None:
    """A missing required parameter is InvalidArgument (400) naming it, never a KeyError."""
    error = s3.error("PutObject", Key="k")
    assert (error.code, error.http_status) == ("InvalidArgument", 400)
    assert "Bucket" in error.message


def test_the_operations_do_not_need_botocore() -> None:
    """Importing s3repl and the operations imports no botocore (it is the extra's, not theirs)."""
    code = (
        "import sys, s3repl, s3repl.aws._operations; "
        "assert not any(m.split('.')[0] in ('botocore', 'boto3') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
