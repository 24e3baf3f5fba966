"""One boto3 script under moto's ``mock_aws`` and under ``s3repl.aws.mock``: the shapes agree.

A response's shape is the set of its member paths with their Python types
(``Buckets[].Name:str``), values aside (ids, dates and request ids differ by design);
an error's shape is its code and HTTP status.  Where the two differ, the difference is
listed in :data:`KNOWN` with the reason, and the test pins the list both ways: a new
difference fails, and so does a listed one that has gone (remove it then).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import moto
import pytest
from aws_documents import TRUST_POLICY
from aws_env import hide_aws_env
from botocore.exceptions import ClientError

from s3repl.aws import mock

BUCKET_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::diff-bucket/*",
            }
        ],
    }
)

_SSE = (
    "S3 User Guide, 'Setting default server-side encryption behavior for Amazon S3 "
    "buckets': every new object is encrypted with SSE-S3 (since 2023-01-05) and answers "
    "x-amz-server-side-encryption: AES256; moto omits it"
)
_DISPLAY_NAME = (
    "S3 API reference, Owner: DisplayName is no longer returned (2025 deprecation); "
    "moto still answers it"
)

#: call -> (paths only moto answers, paths only s3repl answers, the AWS documentation
#: s3repl follows there).
KNOWN: dict[str, tuple[frozenset[str], frozenset[str], str]] = {
    "head_bucket": (
        frozenset(),
        frozenset({"AccessPointAlias:bool"}),
        "S3 API reference, HeadBucket: answers x-amz-access-point-alias (false for a bucket)",
    ),
    "list_buckets": (
        frozenset({"Owner.DisplayName:str"}),
        frozenset({"Buckets[].BucketRegion:str"}),
        f"S3 API reference, ListBuckets: each Bucket has its BucketRegion (2024); {_DISPLAY_NAME}",
    ),
    "put_object": (frozenset(), frozenset({"ServerSideEncryption:str"}), _SSE),
    "get_object": (frozenset(), frozenset({"ServerSideEncryption:str"}), _SSE),
    "head_object": (frozenset(), frozenset({"ServerSideEncryption:str"}), _SSE),
    "copy_object": (frozenset(), frozenset({"ServerSideEncryption:str"}), _SSE),
    "put_object_tagging": (
        frozenset(),
        frozenset({"VersionId:str"}),
        "S3 API reference, PutObjectTagging: answers x-amz-version-id, the version tagged",
    ),
    "list_object_versions": (
        frozenset({"Versions[].Owner.DisplayName:str"}),
        frozenset({"EncodingType:str", "Versions[].ChecksumAlgorithm[]:str"}),
        "S3 API reference, ListObjectVersions: echoes the encoding-type botocore asks for, "
        f"and each ObjectVersion names its ChecksumAlgorithm; {_DISPLAY_NAME}",
    ),
    "create_role": (
        frozenset({"Role.MaxSessionDuration:int", "Role.RoleLastUsed:dict"}),
        frozenset(),
        "IAM API reference, CreateRole: its answer's Role has no MaxSessionDuration and no "
        "RoleLastUsed (GetRole's has both); moto adds them",
    ),
    "create_key": (
        frozenset({"KeyMetadata.SigningAlgorithms:list"}),
        frozenset({"KeyMetadata.KeyUsage:str", "KeyMetadata.MultiRegion:bool"}),
        "KMS API reference, KeyMetadata: KeyUsage and MultiRegion are always answered, "
        "SigningAlgorithms only for signing keys (none for a symmetric encryption key)",
    ),
    "describe_key": (
        frozenset({"KeyMetadata.SigningAlgorithms:list"}),
        frozenset({"KeyMetadata.KeyUsage:str", "KeyMetadata.MultiRegion:bool"}),
        "as create_key",
    ),
}


def paths(value: Any, prefix: str = "") -> Iterator[str]:
    """Every member path of a response with its type; lists by their first item."""
    if isinstance(value, dict):
        if not value:
            yield f"{prefix}:dict"
        for key, item in value.items():
            if key not in ("ResponseMetadata", "Body"):
                yield from paths(item, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list):
        if value:
            yield from paths(value[0], f"{prefix}[]")
        else:
            yield f"{prefix}:list"
    else:
        yield f"{prefix}:{type(value).__name__}"


Shape = frozenset[str] | tuple[str, int]


def script() -> dict[str, Shape]:
    """The boto3 script: every call's shape, by name."""
    s3 = boto3.client("s3", region_name="us-east-1")
    iam = boto3.client("iam", region_name="us-east-1")
    kms = boto3.client("kms", region_name="us-east-1")
    sts = boto3.client("sts", region_name="us-east-1")
    shapes: dict[str, Shape] = {}

    def call(name: str, method: Callable[..., Any], **params: Any) -> Any:
        try:
            answer = method(**params)
        except ClientError as err:
            error: Any = err.response
            shapes[name] = (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"])
            return None
        shapes[name] = frozenset(paths(answer))
        return answer

    call("create_bucket", s3.create_bucket, Bucket="diff-bucket")
    call(
        "create_bucket_eu",
        s3.create_bucket,
        Bucket="diff-eu",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    call("head_bucket", s3.head_bucket, Bucket="diff-bucket")
    call("list_buckets", s3.list_buckets)
    call(
        "put_bucket_versioning",
        s3.put_bucket_versioning,
        Bucket="diff-bucket",
        VersioningConfiguration={"Status": "Enabled"},
    )
    call("get_bucket_versioning", s3.get_bucket_versioning, Bucket="diff-bucket")
    object_ = {"Bucket": "diff-bucket", "Key": "a/b.txt"}
    call("put_object", s3.put_object, **object_, Body=b"hello", Metadata={"m": "1"})
    call("get_object", s3.get_object, **object_)
    call("head_object", s3.head_object, **object_)
    call("copy_object", s3.copy_object, Bucket="diff-bucket", Key="c.txt", CopySource=object_)
    tags = {"TagSet": [{"Key": "k", "Value": "v"}]}
    call("put_object_tagging", s3.put_object_tagging, **object_, Tagging=tags)
    call("get_object_tagging", s3.get_object_tagging, **object_)
    call("list_objects_v2", s3.list_objects_v2, Bucket="diff-bucket")
    call("list_objects_v2_page", s3.list_objects_v2, Bucket="diff-bucket", MaxKeys=1)
    call("list_object_versions", s3.list_object_versions, Bucket="diff-bucket")
    call("delete_object", s3.delete_object, Bucket="diff-bucket", Key="c.txt")
    call(
        "delete_objects",
        s3.delete_objects,
        Bucket="diff-bucket",
        Delete={"Objects": [{"Key": "a/b.txt"}]},
    )
    call("get_missing_key", s3.get_object, Bucket="diff-bucket", Key="missing")
    call("get_missing_bucket", s3.get_object, Bucket="no-such-bucket-here", Key="k")
    call("put_bucket_policy", s3.put_bucket_policy, Bucket="diff-bucket", Policy=BUCKET_POLICY)
    call("get_bucket_policy", s3.get_bucket_policy, Bucket="diff-bucket")
    call("delete_bucket_policy", s3.delete_bucket_policy, Bucket="diff-bucket")
    call("get_missing_policy", s3.get_bucket_policy, Bucket="diff-bucket")
    call("delete_bucket", s3.delete_bucket, Bucket="diff-eu")
    call("create_role", iam.create_role, RoleName="r", AssumeRolePolicyDocument=TRUST_POLICY)
    call("get_role", iam.get_role, RoleName="r")
    call("get_missing_role", iam.get_role, RoleName="missing")
    key = call("create_key", kms.create_key)
    call("describe_key", kms.describe_key, KeyId=key["KeyMetadata"]["KeyId"])
    call("disable_key", kms.disable_key, KeyId=key["KeyMetadata"]["KeyId"])
    call("get_caller_identity", sts.get_caller_identity)
    return shapes


@pytest.fixture(scope="module")
def both() -> tuple[dict[str, Shape], dict[str, Shape]]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        hide_aws_env(monkeypatch)
        with moto.mock_aws():
            under_moto = script()
        with mock():
            under_s3repl = script()
    return under_moto, under_s3repl


def test_the_script_makes_the_same_calls_under_both(
    both: tuple[dict[str, Shape], dict[str, Shape]],
) -> None:
    under_moto, under_s3repl = both
    assert list(under_moto) == list(under_s3repl)
    assert set(KNOWN) <= set(under_moto)


def test_every_response_shape_agrees_but_for_the_known_differences(
    both: tuple[dict[str, Shape], dict[str, Shape]],
) -> None:
    under_moto, under_s3repl = both
    found: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    for name, moto_shape in under_moto.items():
        ours = under_s3repl[name]
        if isinstance(moto_shape, tuple) or isinstance(ours, tuple):
            assert moto_shape == ours, name  # errors: the same code and status
        elif moto_shape != ours:
            found[name] = (moto_shape - ours, ours - moto_shape)
    expected = {name: (only_moto, only_ours) for name, (only_moto, only_ours, _) in KNOWN.items()}
    assert found == expected
