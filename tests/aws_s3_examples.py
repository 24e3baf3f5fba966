"""Realistic S3 calls and results for the rest-xml protocol tests: boto3 parameters with
the members botocore adds on its own, and outputs as boto3 returns them."""

from __future__ import annotations

import datetime as dt
from typing import Any

NOW = dt.datetime(2026, 12, 7, 16, 0, 0, tzinfo=dt.UTC)
RETAIN = dt.datetime(2030, 1, 1, 0, 0, 0, tzinfo=dt.UTC)
ROLE = "arn:aws:iam::123456789012:role/repl"
REPLICATION = {
    "Role": ROLE,
    "Rules": [
        {
            "ID": "all",
            "Priority": 1,
            "Status": "Enabled",
            "Filter": {"And": {"Prefix": "logs/", "Tags": [{"Key": "team", "Value": "x"}]}},
            "DeleteMarkerReplication": {"Status": "Enabled"},
            "Destination": {
                "Bucket": "arn:aws:s3:::dst",
                "StorageClass": "STANDARD_IA",
                "Account": "210987654321",
                "AccessControlTranslation": {"Owner": "Destination"},
                "EncryptionConfiguration": {"ReplicaKmsKeyID": "arn:aws:kms:eu-west-1:1:key/k"},
                "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
                "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
            },
            "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
        }
    ],
}
ACL = {
    "Grants": [
        {
            "Grantee": {"Type": "CanonicalUser", "ID": "abc", "DisplayName": "owner"},
            "Permission": "FULL_CONTROL",
        },
        {
            "Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
            "Permission": "READ",
        },
    ],
    "Owner": {"ID": "abc", "DisplayName": "owner"},
}

#: botocore's checksum handler adds these to every call whose input models them.
CHECKSUM = frozenset({"ChecksumAlgorithm"})
#: ... and for streaming bodies, the length and the checksum value itself.
STREAMING = frozenset({"ChecksumAlgorithm", "ChecksumCRC32", "ContentLength"})

#: ... and asks GetObject for the object's checksum.
GET = frozenset({"ChecksumMode"})

#: (operation, boto3 parameters, members botocore adds on its own).
REQUESTS: list[tuple[str, dict[str, Any], frozenset[str]]] = [
    ("CreateBucket", {"Bucket": "src"}, frozenset()),
    (
        "CreateBucket",
        {
            "Bucket": "dst",
            "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"},
            "ObjectLockEnabledForBucket": True,
            "ObjectOwnership": "BucketOwnerEnforced",
        },
        frozenset(),
    ),
    ("HeadBucket", {"Bucket": "src", "ExpectedBucketOwner": "123456789012"}, frozenset()),
    ("ListBuckets", {}, frozenset()),
    ("DeleteBucket", {"Bucket": "src"}, frozenset()),
    (
        "PutBucketVersioning",
        {"Bucket": "src", "VersioningConfiguration": {"Status": "Enabled"}},
        CHECKSUM,
    ),
    ("GetBucketVersioning", {"Bucket": "src"}, frozenset()),
    (
        "PutBucketReplication",
        {"Bucket": "src", "ReplicationConfiguration": REPLICATION, "Token": "tok"},
        CHECKSUM,
    ),
    ("GetBucketReplication", {"Bucket": "src"}, frozenset()),
    ("DeleteBucketReplication", {"Bucket": "src"}, frozenset()),
    (
        "PutBucketPolicy",
        {"Bucket": "src", "Policy": '{"Version":"2012-10-17","Statement":[]}'},
        CHECKSUM,
    ),
    ("GetBucketPolicy", {"Bucket": "src"}, frozenset()),
    ("DeleteBucketPolicy", {"Bucket": "src"}, frozenset()),
    (
        "PutBucketEncryption",
        {
            "Bucket": "src",
            "ServerSideEncryptionConfiguration": {
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": "arn:aws:kms:us-east-1:1:key/k",
                        },
                        "BucketKeyEnabled": True,
                    }
                ]
            },
        },
        CHECKSUM,
    ),
    ("GetBucketEncryption", {"Bucket": "src"}, frozenset()),
    (
        "PutBucketOwnershipControls",
        {"Bucket": "src", "OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}},
        CHECKSUM,
    ),
    ("GetBucketOwnershipControls", {"Bucket": "src"}, frozenset()),
    (
        "PutObjectLockConfiguration",
        {
            "Bucket": "src",
            "ObjectLockConfiguration": {
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}},
            },
        },
        CHECKSUM,
    ),
    ("GetObjectLockConfiguration", {"Bucket": "src"}, frozenset()),
    (
        "PutBucketRequestPayment",
        {"Bucket": "src", "RequestPaymentConfiguration": {"Payer": "Requester"}},
        CHECKSUM,
    ),
    (
        "PutObject",
        {
            "Bucket": "src",
            "Key": "logs/a b+c%/é.txt",
            "Body": b"hello",
            "Metadata": {"team": "x", "colour": "blue"},
            "Tagging": "team=x&env=prod",
            "ContentType": "text/plain",
            "ServerSideEncryption": "aws:kms",
            "SSEKMSKeyId": "arn:aws:kms:us-east-1:1:key/k",
            "BucketKeyEnabled": True,
            "StorageClass": "STANDARD_IA",
            "ACL": "bucket-owner-full-control",
            "ObjectLockMode": "GOVERNANCE",
            "ObjectLockRetainUntilDate": RETAIN,
            "ObjectLockLegalHoldStatus": "ON",
        },
        STREAMING,
    ),
    (
        "PutObject",
        {
            "Bucket": "src",
            "Key": "gz",
            "Body": b"\x1f\x8b",
            "ContentEncoding": "gzip",
            "SSECustomerAlgorithm": "AES256",
            "SSECustomerKey": "k" * 32,
        },
        STREAMING | {"SSECustomerKeyMD5"},
    ),
    (
        "CopyObject",
        {
            "Bucket": "dst",
            "Key": "copy",
            "CopySource": {"Bucket": "src", "Key": "a b/c", "VersionId": "v1"},
            "MetadataDirective": "REPLACE",
            "Metadata": {"k": "v"},
            "TaggingDirective": "COPY",
        },
        frozenset(),
    ),
    ("CopyObject", {"Bucket": "dst", "Key": "copy", "CopySource": "src/plain"}, frozenset()),
    (
        "CreateMultipartUpload",
        {"Bucket": "src", "Key": "big", "Metadata": {"a": "1"}, "StorageClass": "GLACIER"},
        frozenset(),
    ),
    (
        "UploadPart",
        {"Bucket": "src", "Key": "big", "UploadId": "up1", "PartNumber": 2, "Body": b"part"},
        STREAMING,
    ),
    (
        "UploadPartCopy",
        {
            "Bucket": "src",
            "Key": "big",
            "UploadId": "up1",
            "PartNumber": 3,
            "CopySource": "src/other",
            "CopySourceRange": "bytes=0-9",
        },
        frozenset(),
    ),
    (
        "CompleteMultipartUpload",
        {
            "Bucket": "src",
            "Key": "big",
            "UploadId": "up1",
            "MultipartUpload": {
                "Parts": [{"ETag": '"e1"', "PartNumber": 1}, {"ETag": '"e2"', "PartNumber": 2}]
            },
        },
        frozenset(),
    ),
    ("AbortMultipartUpload", {"Bucket": "src", "Key": "big", "UploadId": "up1"}, frozenset()),
    (
        "GetObject",
        {"Bucket": "src", "Key": "a", "VersionId": "v1", "Range": "bytes=0-1"},
        GET,
    ),
    ("GetObject", {"Bucket": "src", "Key": "a", "IfModifiedSince": NOW}, GET),
    ("HeadObject", {"Bucket": "src", "Key": "dir/a", "VersionId": "v1"}, frozenset()),
    ("DeleteObject", {"Bucket": "src", "Key": "a"}, frozenset()),
    (
        "DeleteObject",
        {"Bucket": "src", "Key": "a", "VersionId": "v1", "BypassGovernanceRetention": True},
        frozenset(),
    ),
    (
        "DeleteObjects",
        {
            "Bucket": "src",
            "Delete": {
                "Objects": [{"Key": "a\nb"}, {"Key": "c", "VersionId": "v2"}],
                "Quiet": True,
            },
        },
        CHECKSUM,
    ),
    (
        "ListObjectsV2",
        {"Bucket": "src", "Prefix": "logs/", "MaxKeys": 10, "ContinuationToken": "t"},
        frozenset({"EncodingType"}),
    ),
    ("ListObjectsV2", {"Bucket": "src", "EncodingType": "url"}, frozenset()),
    (
        "ListObjectVersions",
        {"Bucket": "src", "Prefix": "a", "KeyMarker": "k", "VersionIdMarker": "v"},
        frozenset({"EncodingType"}),
    ),
    (
        "PutObjectTagging",
        {
            "Bucket": "src",
            "Key": "a",
            "VersionId": "v1",
            "Tagging": {"TagSet": [{"Key": "team", "Value": "x"}, {"Key": "e", "Value": ""}]},
        },
        CHECKSUM,
    ),
    ("GetObjectTagging", {"Bucket": "src", "Key": "a"}, frozenset()),
    (  # a list in one header (x-amz-object-attributes)
        "GetObjectAttributes",
        {"Bucket": "src", "Key": "a", "ObjectAttributes": ["ETag", "ObjectSize", "StorageClass"]},
        frozenset(),
    ),
    ("DeleteObjectTagging", {"Bucket": "src", "Key": "a", "VersionId": "v1"}, frozenset()),
    ("PutObjectAcl", {"Bucket": "src", "Key": "a", "ACL": "public-read"}, CHECKSUM),
    ("PutObjectAcl", {"Bucket": "src", "Key": "a", "AccessControlPolicy": ACL}, CHECKSUM),
    ("GetObjectAcl", {"Bucket": "src", "Key": "a"}, frozenset()),
    (
        "PutObjectRetention",
        {
            "Bucket": "src",
            "Key": "a",
            "Retention": {"Mode": "COMPLIANCE", "RetainUntilDate": RETAIN},
            "BypassGovernanceRetention": True,
        },
        CHECKSUM,
    ),
    ("GetObjectRetention", {"Bucket": "src", "Key": "a"}, frozenset()),
    (
        "PutObjectLegalHold",
        {"Bucket": "src", "Key": "a", "LegalHold": {"Status": "OFF"}},
        CHECKSUM,
    ),
    ("GetObjectLegalHold", {"Bucket": "src", "Key": "a", "VersionId": "v"}, frozenset()),
]


ETAG = '"5d41402abc4b2a76b9719d911017c592"'

#: (operation, output as boto3 returns it).
RESULTS: list[tuple[str, dict[str, Any]]] = [
    ("CreateBucket", {"Location": "/src"}),
    ("HeadBucket", {"BucketRegion": "eu-west-1", "AccessPointAlias": False}),
    (
        "ListBuckets",
        {
            "Buckets": [
                {"Name": "dst", "CreationDate": NOW, "BucketRegion": "eu-west-1"},
                {"Name": "src", "CreationDate": NOW.replace(microsecond=123000)},
            ],
            "Owner": {"ID": "abc", "DisplayName": "owner"},
        },
    ),
    ("GetBucketVersioning", {"Status": "Enabled", "MFADelete": "Disabled"}),
    ("GetBucketVersioning", {}),
    ("GetBucketReplication", {"ReplicationConfiguration": REPLICATION}),
    ("GetBucketPolicy", {"Policy": '{"Version":"2012-10-17","Statement":[]}'}),
    (
        "GetBucketEncryption",
        {
            "ServerSideEncryptionConfiguration": {
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                        "BucketKeyEnabled": False,
                    }
                ]
            }
        },
    ),
    (
        "GetBucketOwnershipControls",
        {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}},
    ),
    (
        "GetObjectLockConfiguration",
        {
            "ObjectLockConfiguration": {
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 1}},
            }
        },
    ),
    (
        "PutObject",
        {
            "ETag": ETAG,
            "VersionId": "v1",
            "ServerSideEncryption": "aws:kms",
            "SSEKMSKeyId": "arn:aws:kms:us-east-1:1:key/k",
            "BucketKeyEnabled": True,
            "ChecksumCRC32": "NhCmhg==",
        },
    ),
    (
        "CopyObject",
        {
            "CopyObjectResult": {"ETag": ETAG, "LastModified": NOW},
            "VersionId": "v2",
            "CopySourceVersionId": "v1",
        },
    ),
    ("CreateMultipartUpload", {"Bucket": "src", "Key": "big", "UploadId": "up1"}),
    ("UploadPart", {"ETag": ETAG}),
    ("UploadPartCopy", {"CopyPartResult": {"ETag": ETAG, "LastModified": NOW}}),
    (
        "CompleteMultipartUpload",
        {
            "Location": "https://src.s3.amazonaws.com/big",
            "Bucket": "src",
            "Key": "big",
            "ETag": '"abc-2"',
            "VersionId": "v3",
        },
    ),
    ("AbortMultipartUpload", {}),
    (
        "GetObject",
        {
            "Body": b"hello",
            "ContentLength": 5,
            "ContentType": "text/plain",
            "ETag": ETAG,
            "LastModified": NOW,
            "Metadata": {"team": "x"},
            "VersionId": "v1",
            "ReplicationStatus": "COMPLETED",
            "TagCount": 2,
            "ObjectLockMode": "GOVERNANCE",
            "ObjectLockRetainUntilDate": RETAIN.replace(microsecond=250000),
            "ObjectLockLegalHoldStatus": "ON",
            "StorageClass": "STANDARD_IA",
        },
    ),
    (
        "HeadObject",
        {
            "ContentLength": 5,
            "ETag": ETAG,
            "LastModified": NOW,
            "Metadata": {"a": "1", "b": "2"},
            "VersionId": "v1",
            "ReplicationStatus": "PENDING",
            "ServerSideEncryption": "aws:kms:dsse",
            "DeleteMarker": False,
        },
    ),
    ("DeleteObject", {"DeleteMarker": True, "VersionId": "dm1"}),
    (
        "DeleteObjects",
        {
            "Deleted": [
                {"Key": "a", "DeleteMarker": True, "DeleteMarkerVersionId": "dm"},
                {"Key": "b", "VersionId": "v"},
            ],
            "Errors": [{"Key": "c", "Code": "AccessDenied", "Message": "Access Denied"}],
        },
    ),
    (
        "ListObjectsV2",
        {
            "IsTruncated": False,
            "Contents": [
                {
                    "Key": "a b+c",
                    "LastModified": NOW,
                    "ETag": ETAG,
                    "Size": 5,
                    "StorageClass": "STANDARD",
                    "Owner": {"ID": "abc"},
                }
            ],
            "Name": "src",
            "Prefix": "",
            "MaxKeys": 1000,
            "CommonPrefixes": [{"Prefix": "logs/"}],
            "KeyCount": 2,
        },
    ),
    (
        "ListObjectVersions",
        {
            "IsTruncated": True,
            "KeyMarker": "",
            "NextKeyMarker": "b",
            "NextVersionIdMarker": "v9",
            "Versions": [
                {
                    "ETag": ETAG,
                    "Size": 5,
                    "StorageClass": "STANDARD",
                    "Key": "a",
                    "VersionId": "v1",
                    "IsLatest": True,
                    "LastModified": NOW,
                    "Owner": {"ID": "abc"},
                }
            ],
            "DeleteMarkers": [
                {"Key": "b", "VersionId": "dm", "IsLatest": True, "LastModified": NOW}
            ],
            "Name": "src",
            "MaxKeys": 1000,
        },
    ),
    ("PutObjectTagging", {"VersionId": "v1"}),
    ("GetObjectTagging", {"VersionId": "v1", "TagSet": [{"Key": "team", "Value": "x"}]}),
    ("GetObjectTagging", {"TagSet": []}),
    ("DeleteObjectTagging", {"VersionId": "v1"}),
    ("PutObjectAcl", {}),
    ("GetObjectAcl", {"Owner": ACL["Owner"], "Grants": ACL["Grants"]}),
    ("GetObjectRetention", {"Retention": {"Mode": "GOVERNANCE", "RetainUntilDate": RETAIN}}),
    ("PutObjectRetention", {}),
    ("GetObjectLegalHold", {"LegalHold": {"Status": "ON"}}),
    ("PutObjectLegalHold", {}),
    ("PutObjectLockConfiguration", {}),
]
