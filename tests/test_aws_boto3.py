"""boto3 in process through ``s3repl.aws.mock``: every modelled operation, the replication
flow end to end, and errors as botocore raises them (``ClientError``, modelled classes).

Everything goes through botocore's real serialisation and parsing; the engine is then
read through its Python API to check that the call did what it said.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_documents import REPLICATION_PERMISSIONS, TRUST_POLICY, replication_config
from aws_env import hide_aws_env
from botocore.exceptions import ClientError

from s3repl import Engine
from s3repl.aws import mock


class Clients:
    """One client per service, made on first use; they outlive any one engine.

    Why shared: a client costs a tenth of a second to make (its session loads the
    service model), more than most tests here.  A client created inside a mock asks the
    innermost active mock on every request, so one set serves every test's own engine.
    """

    @functools.cached_property
    def s3(self) -> Any:
        return boto3.client("s3", region_name="us-east-1")

    @functools.cached_property
    def iam(self) -> Any:
        return boto3.client("iam", region_name="us-east-1")

    @functools.cached_property
    def kms(self) -> Any:
        return boto3.client("kms", region_name="us-east-1")

    @functools.cached_property
    def sts(self) -> Any:
        return boto3.client("sts", region_name="us-east-1")


class Aws:
    """A test's own engine and the module's clients, which it serves."""

    def __init__(self, engine: Engine, clients: Clients) -> None:
        self.engine = engine
        self.s3 = clients.s3
        self.iam = clients.iam
        self.kms = clients.kms
        self.sts = clients.sts


@pytest.fixture(scope="module")
def clients() -> Iterator[Clients]:
    """The module's clients, made inside an outer mock with the machine's AWS setup hidden."""
    with pytest.MonkeyPatch.context() as patch:
        hide_aws_env(patch)
        with mock():
            yield Clients()


@pytest.fixture
def aws(clients: Clients) -> Iterator[Aws]:
    """A fresh engine for the test: the innermost mock, so it serves every client."""
    with mock(Engine(seed=11)) as engine:
        yield Aws(engine, clients)


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response: Any = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def versioned(aws: Aws, *names: str, region: str = "us-east-1") -> None:
    for name in names:
        if region == "us-east-1":
            aws.s3.create_bucket(Bucket=name)
        else:
            aws.s3.create_bucket(
                Bucket=name, CreateBucketConfiguration={"LocationConstraint": region}
            )
        aws.s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def replication_role(aws: Aws) -> str:
    aws.iam.create_role(RoleName="repl", AssumeRolePolicyDocument=TRUST_POLICY)
    aws.iam.put_role_policy(
        RoleName="repl", PolicyName="replicate", PolicyDocument=REPLICATION_PERMISSIONS
    )
    arn: str = aws.iam.get_role(RoleName="repl")["Role"]["Arn"]
    return arn


# --- the replication flow --------------------------------------------------------------


def test_replication_end_to_end(aws: Aws) -> None:
    versioned(aws, "src")
    versioned(aws, "dst", region="eu-west-1")
    role = replication_role(aws)
    aws.s3.put_bucket_replication(Bucket="src", ReplicationConfiguration=replication_config(role))
    put = aws.s3.put_object(Bucket="src", Key="a.txt", Body=b"hello", Metadata={"team": "x"})
    assert aws.s3.head_object(Bucket="src", Key="a.txt")["ReplicationStatus"] == "PENDING"
    results = aws.engine.run()
    assert [r.status.value for r in results] == ["COMPLETED"]
    assert aws.s3.head_object(Bucket="src", Key="a.txt")["ReplicationStatus"] == "COMPLETED"
    replica = aws.s3.get_object(Bucket="dst", Key="a.txt")
    assert replica["ReplicationStatus"] == "REPLICA"
    assert replica["VersionId"] == put["VersionId"]
    assert replica["Metadata"] == {"team": "x"}
    assert replica["Body"].read() == b"hello"
    got = aws.s3.get_bucket_replication(Bucket="src")["ReplicationConfiguration"]
    assert got["Rules"][0]["Filter"] == {}
    assert got["Role"] == role


# --- buckets ---------------------------------------------------------------------------


def test_create_head_list_and_delete_buckets(aws: Aws) -> None:
    aws.s3.create_bucket(Bucket="one")
    aws.s3.create_bucket(
        Bucket="two", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    assert aws.engine.get_bucket("two").region == "eu-west-1"
    head = aws.s3.head_bucket(Bucket="two")
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert [b["Name"] for b in aws.s3.list_buckets()["Buckets"]] == ["one", "two"]
    aws.s3.delete_bucket(Bucket="one")
    with pytest.raises(ClientError) as caught:
        aws.s3.head_bucket(Bucket="one")
    assert error_of(caught) == ("404", 404)
    assert [b["Name"] for b in aws.s3.list_buckets()["Buckets"]] == ["two"]


def test_bucket_versioning(aws: Aws) -> None:
    aws.s3.create_bucket(Bucket="bkt")
    assert "Status" not in aws.s3.get_bucket_versioning(Bucket="bkt")
    aws.s3.put_bucket_versioning(Bucket="bkt", VersioningConfiguration={"Status": "Enabled"})
    assert aws.s3.get_bucket_versioning(Bucket="bkt")["Status"] == "Enabled"
    aws.s3.put_bucket_versioning(Bucket="bkt", VersioningConfiguration={"Status": "Suspended"})
    assert aws.engine.get_bucket("bkt").versioning.value == "Suspended"


def test_delete_bucket_replication(aws: Aws) -> None:
    versioned(aws, "src", "dst")
    role = replication_role(aws)
    aws.s3.put_bucket_replication(Bucket="src", ReplicationConfiguration=replication_config(role))
    aws.s3.delete_bucket_replication(Bucket="src")
    with pytest.raises(ClientError) as caught:
        aws.s3.get_bucket_replication(Bucket="src")
    assert error_of(caught) == ("ReplicationConfigurationNotFoundError", 404)


def test_bucket_policy(aws: Aws) -> None:
    aws.s3.create_bucket(Bucket="bkt")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "s3:ReplicateObject",
                "Resource": "arn:aws:s3:::b/*",
            }
        ],
    }
    aws.s3.put_bucket_policy(Bucket="bkt", Policy=json.dumps(policy))
    assert json.loads(aws.s3.get_bucket_policy(Bucket="bkt")["Policy"])["Statement"][0][
        "Action"
    ] in (
        "s3:ReplicateObject",
        ["s3:ReplicateObject"],
    )
    aws.s3.delete_bucket_policy(Bucket="bkt")
    with pytest.raises(ClientError) as caught:
        aws.s3.get_bucket_policy(Bucket="bkt")
    assert error_of(caught) == ("NoSuchBucketPolicy", 404)


def test_bucket_encryption(aws: Aws) -> None:
    aws.s3.create_bucket(Bucket="bkt")
    key_arn = aws.kms.create_key()["KeyMetadata"]["Arn"]
    aws.s3.put_bucket_encryption(
        Bucket="bkt",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key_arn,
                    },
                    "BucketKeyEnabled": False,
                }
            ]
        },
    )
    rules = aws.s3.get_bucket_encryption(Bucket="bkt")["ServerSideEncryptionConfiguration"]["Rules"]
    default = rules[0]["ApplyServerSideEncryptionByDefault"]
    assert (default["SSEAlgorithm"], default["KMSMasterKeyID"]) == ("aws:kms", key_arn)


def test_ownership_controls(aws: Aws) -> None:
    aws.s3.create_bucket(Bucket="bkt")
    aws.s3.put_bucket_ownership_controls(
        Bucket="bkt", OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    got = aws.s3.get_bucket_ownership_controls(Bucket="bkt")["OwnershipControls"]
    assert got["Rules"] == [{"ObjectOwnership": "ObjectWriter"}]


def test_object_lock_configuration_retention_and_legal_hold(aws: Aws) -> None:
    aws.s3.create_bucket(Bucket="locked", ObjectLockEnabledForBucket=True)
    aws.s3.put_object_lock_configuration(
        Bucket="locked",
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}},
        },
    )
    config = aws.s3.get_object_lock_configuration(Bucket="locked")["ObjectLockConfiguration"]
    assert config["Rule"]["DefaultRetention"] == {"Mode": "GOVERNANCE", "Days": 1}
    version = aws.s3.put_object(Bucket="locked", Key="k", Body=b"x")["VersionId"]
    until = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    aws.s3.put_object_retention(
        Bucket="locked",
        Key="k",
        VersionId=version,
        Retention={"Mode": "COMPLIANCE", "RetainUntilDate": until},
    )
    retention = aws.s3.get_object_retention(Bucket="locked", Key="k", VersionId=version)
    assert retention["Retention"] == {"Mode": "COMPLIANCE", "RetainUntilDate": until}
    aws.s3.put_object_legal_hold(
        Bucket="locked", Key="k", VersionId=version, LegalHold={"Status": "ON"}
    )
    hold = aws.s3.get_object_legal_hold(Bucket="locked", Key="k", VersionId=version)
    assert hold["LegalHold"] == {"Status": "ON"}
    with pytest.raises(ClientError) as caught:
        aws.s3.delete_object(Bucket="locked", Key="k", VersionId=version)
    assert error_of(caught)[1] == 403
    assert aws.engine.head_object("locked", "k").object_lock_legal_hold_status is not None


def test_request_payment(aws: Aws) -> None:
    aws.s3.create_bucket(Bucket="bkt")
    aws.s3.put_bucket_request_payment(
        Bucket="bkt", RequestPaymentConfiguration={"Payer": "Requester"}
    )
    assert aws.engine.get_bucket("bkt").requester_pays is True


# --- objects ---------------------------------------------------------------------------


def test_put_get_head_copy_and_delete_objects(aws: Aws) -> None:
    versioned(aws, "bkt")
    put = aws.s3.put_object(
        Bucket="bkt",
        Key="dir/a b.txt",
        Body=b"hello",
        ContentType="text/plain",
        Metadata={"k": "v"},
        Tagging="t=1",
        StorageClass="STANDARD_IA",
    )
    got = aws.s3.get_object(Bucket="bkt", Key="dir/a b.txt")
    assert got["Body"].read() == b"hello"
    assert (got["VersionId"], got["Metadata"], got["ETag"]) == (
        put["VersionId"],
        {"k": "v"},
        put["ETag"],
    )
    head = aws.s3.head_object(Bucket="bkt", Key="dir/a b.txt")
    assert (head["ContentLength"], head["StorageClass"]) == (5, "STANDARD_IA")
    copied = aws.s3.copy_object(
        Bucket="bkt", Key="copy.txt", CopySource={"Bucket": "bkt", "Key": "dir/a b.txt"}
    )
    assert copied["CopyObjectResult"]["ETag"] == put["ETag"]
    assert aws.engine.get_object("bkt", "copy.txt").size == 5
    deleted = aws.s3.delete_object(Bucket="bkt", Key="copy.txt")
    assert deleted["DeleteMarker"] is True
    with pytest.raises(aws.s3.exceptions.NoSuchKey):
        aws.s3.get_object(Bucket="bkt", Key="copy.txt")
    removed = aws.s3.delete_objects(
        Bucket="bkt",
        Delete={"Objects": [{"Key": "dir/a b.txt", "VersionId": put["VersionId"]}, {"Key": "x"}]},
    )
    assert sorted(d["Key"] for d in removed["Deleted"]) == ["dir/a b.txt", "x"]
    with pytest.raises(ClientError) as caught:
        aws.s3.head_object(Bucket="bkt", Key="dir/a b.txt")
    assert error_of(caught) == ("404", 404)


def test_the_crc32_boto3_sends_comes_back_and_boto3_validates_it(aws: Aws) -> None:
    """boto3 sends a CRC32 trailer with every put and checks the one a read answers."""
    aws.s3.create_bucket(Bucket="bkt")
    put = aws.s3.put_object(Bucket="bkt", Key="k", Body=b"hello")
    assert put["ChecksumCRC32"] == "NhCmhg=="
    got = aws.s3.get_object(Bucket="bkt", Key="k", ChecksumMode="ENABLED")
    assert got["ChecksumCRC32"] == "NhCmhg=="
    assert got["Body"].read() == b"hello"  # botocore checks the CRC32 as it reads


def test_multipart_upload(aws: Aws) -> None:
    versioned(aws, "bkt")
    upload = aws.s3.create_multipart_upload(Bucket="bkt", Key="big")["UploadId"]
    part_one = b"a" * (5 * 1024 * 1024)
    etags = [
        aws.s3.upload_part(Bucket="bkt", Key="big", UploadId=upload, PartNumber=n, Body=body)[
            "ETag"
        ]
        for n, body in ((1, part_one), (2, b"tail"))
    ]
    done = aws.s3.complete_multipart_upload(
        Bucket="bkt",
        Key="big",
        UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": n + 1, "ETag": e} for n, e in enumerate(etags)]},
    )
    assert done["ETag"].strip('"').endswith("-2")
    assert aws.s3.head_object(Bucket="bkt", Key="big")["ContentLength"] == len(part_one) + 4
    aborted = aws.s3.create_multipart_upload(Bucket="bkt", Key="gone")["UploadId"]
    aws.s3.abort_multipart_upload(Bucket="bkt", Key="gone", UploadId=aborted)
    with pytest.raises(ClientError) as caught:
        aws.s3.upload_part(Bucket="bkt", Key="gone", UploadId=aborted, PartNumber=1, Body=b"x")
    assert error_of(caught) == ("NoSuchUpload", 404)


def test_list_objects_v2_pages(aws: Aws) -> None:
    aws.s3.create_bucket(Bucket="bkt")
    for key in ("a/1", "a/2", "b/1", "c"):
        aws.s3.put_object(Bucket="bkt", Key=key, Body=b"x")
    first = aws.s3.list_objects_v2(Bucket="bkt", MaxKeys=2)
    assert [o["Key"] for o in first["Contents"]] == ["a/1", "a/2"]
    assert first["IsTruncated"] is True
    rest = aws.s3.list_objects_v2(Bucket="bkt", ContinuationToken=first["NextContinuationToken"])
    assert [o["Key"] for o in rest["Contents"]] == ["b/1", "c"]
    grouped = aws.s3.list_objects_v2(Bucket="bkt", Delimiter="/")
    assert [p["Prefix"] for p in grouped["CommonPrefixes"]] == ["a/", "b/"]
    assert [o["Key"] for o in grouped["Contents"]] == ["c"]
    keys = [
        o["Key"]
        for page in aws.s3.get_paginator("list_objects_v2").paginate(
            Bucket="bkt", PaginationConfig={"PageSize": 1}
        )
        for o in page.get("Contents", [])
    ]
    assert keys == ["a/1", "a/2", "b/1", "c"]


def test_list_object_versions(aws: Aws) -> None:
    versioned(aws, "bkt")
    first = aws.s3.put_object(Bucket="bkt", Key="k", Body=b"1")["VersionId"]
    second = aws.s3.put_object(Bucket="bkt", Key="k", Body=b"2")["VersionId"]
    marker = aws.s3.delete_object(Bucket="bkt", Key="k")["VersionId"]
    listed = aws.s3.list_object_versions(Bucket="bkt")
    assert [v["VersionId"] for v in listed["Versions"]] == [second, first]
    assert [m["VersionId"] for m in listed["DeleteMarkers"]] == [marker]
    paged = aws.s3.list_object_versions(Bucket="bkt", MaxKeys=1)
    assert paged["IsTruncated"] is True
    assert "NextVersionIdMarker" in paged


def test_object_tagging(aws: Aws) -> None:
    versioned(aws, "bkt")
    aws.s3.put_object(Bucket="bkt", Key="k", Body=b"x")
    aws.s3.put_object_tagging(
        Bucket="bkt", Key="k", Tagging={"TagSet": [{"Key": "team", "Value": "a"}]}
    )
    assert aws.s3.get_object_tagging(Bucket="bkt", Key="k")["TagSet"] == [
        {"Key": "team", "Value": "a"}
    ]
    assert aws.engine.head_object("bkt", "k").tags == {"team": "a"}
    aws.s3.delete_object_tagging(Bucket="bkt", Key="k")
    assert aws.s3.get_object_tagging(Bucket="bkt", Key="k")["TagSet"] == []


def test_object_acl(aws: Aws) -> None:
    aws.s3.create_bucket(Bucket="bkt")
    aws.s3.put_bucket_ownership_controls(
        Bucket="bkt", OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    aws.s3.put_object(Bucket="bkt", Key="k", Body=b"x")
    aws.s3.put_object_acl(Bucket="bkt", Key="k", ACL="public-read")
    grants = aws.s3.get_object_acl(Bucket="bkt", Key="k")["Grants"]
    permissions = sorted(g["Permission"] for g in grants)
    assert permissions == ["FULL_CONTROL", "READ"]


# --- IAM, KMS, STS ---------------------------------------------------------------------


def test_iam_roles_and_inline_policies(aws: Aws) -> None:
    created = aws.iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST_POLICY)["Role"]
    assert created["Arn"] == "arn:aws:iam::123456789012:role/r"
    assert aws.iam.get_role(RoleName="r")["Role"]["RoleName"] == "r"
    aws.iam.put_role_policy(RoleName="r", PolicyName="p", PolicyDocument=REPLICATION_PERMISSIONS)
    aws.iam.delete_role_policy(RoleName="r", PolicyName="p")
    aws.iam.delete_role(RoleName="r")
    with pytest.raises(aws.iam.exceptions.NoSuchEntityException) as caught:
        aws.iam.get_role(RoleName="r")
    assert error_of(caught) == ("NoSuchEntity", 404)


def test_kms_key_lifecycle(aws: Aws) -> None:
    key = aws.kms.create_key(Description="d")["KeyMetadata"]
    assert key["Enabled"] is True
    aws.kms.disable_key(KeyId=key["KeyId"])
    assert aws.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"
    aws.kms.enable_key(KeyId=key["KeyId"])
    assert aws.kms.describe_key(KeyId=key["Arn"])["KeyMetadata"]["Enabled"] is True
    deletion = aws.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    assert deletion["KeyId"] == key["Arn"]
    assert aws.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
    with pytest.raises(aws.kms.exceptions.NotFoundException):
        aws.kms.describe_key(KeyId="00000000-0000-0000-0000-000000000000")


def test_sts_caller_identity_names_the_account_of_the_credentials(aws: Aws) -> None:
    assert aws.sts.get_caller_identity()["Account"] == "123456789012"
    other = boto3.client(
        "sts",
        region_name="eu-west-1",
        aws_access_key_id="111122223333",
        aws_secret_access_key="x",
    )
    assert other.get_caller_identity()["Account"] == "111122223333"


def test_cross_account_buckets_are_owned_by_the_callers_account(aws: Aws) -> None:
    aws.engine.create_account("111122223333")
    other = boto3.client(
        "s3", region_name="us-east-1", aws_access_key_id="111122223333", aws_secret_access_key="x"
    )
    other.create_bucket(Bucket="theirs")
    assert aws.engine.get_bucket("theirs").owner == "111122223333"
    with pytest.raises(ClientError) as caught:
        aws.s3.put_object(Bucket="theirs", Key="k", Body=b"x")
    assert error_of(caught) == ("AccessDenied", 403)


# --- errors ----------------------------------------------------------------------------


def test_errors_arrive_as_client_errors_and_modelled_exceptions(aws: Aws) -> None:
    with pytest.raises(aws.s3.exceptions.NoSuchBucket) as caught:
        aws.s3.list_objects_v2(Bucket="missing")
    response: Any = caught.value.response
    assert response["Error"]["Code"] == "NoSuchBucket"
    assert response["Error"]["Message"] == "The specified bucket does not exist"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    aws.s3.create_bucket(Bucket="bkt")
    with pytest.raises(aws.s3.exceptions.NoSuchKey):
        aws.s3.get_object(Bucket="bkt", Key="missing")
    with pytest.raises(aws.s3.exceptions.BucketAlreadyOwnedByYou):
        aws.s3.create_bucket(
            Bucket="bkt", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )


def test_a_refused_replication_configuration_answers_aws_error(aws: Aws) -> None:
    aws.s3.create_bucket(Bucket="src")
    role = replication_role(aws)
    with pytest.raises(ClientError) as caught:
        aws.s3.put_bucket_replication(
            Bucket="src", ReplicationConfiguration=replication_config(role)
        )
    assert error_of(caught) == ("InvalidRequest", 400)
    assert "versioning" in caught.value.response["Error"]["Message"].lower()


def test_an_unmodelled_operation_answers_not_implemented(aws: Aws) -> None:
    aws.s3.create_bucket(Bucket="bkt")
    before = aws.engine.snapshot()
    with pytest.raises(ClientError) as caught:
        aws.s3.get_bucket_website(Bucket="bkt")
    assert error_of(caught) == ("NotImplemented", 501)
    assert "GetBucketWebsite" in caught.value.response["Error"]["Message"]
    assert aws.engine.snapshot() == before


def test_the_readme_boto3_quick_start_replicates(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hide_aws_env(monkeypatch)
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    (quick_start,) = [block for block in blocks if "s3repl.aws import mock" in block]
    exec(compile(quick_start, "README.md", "exec"), {})  # the README's own code, as written
    assert capsys.readouterr().out.strip() == "REPLICA"
