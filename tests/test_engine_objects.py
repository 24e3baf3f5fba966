"""Object operations answer bad input with S3's errors and change nothing when they do."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from s3repl import Engine
from s3repl.errors import (
    AccessControlListNotSupported,
    AccessDenied,
    InvalidArgument,
    InvalidRequest,
    InvalidStorageClass,
    InvalidTag,
    NoSuchBucket,
    NoSuchKey,
    S3Error,
)
from s3repl.model import Acl, DeleteMarker, ServerSideEncryption


def bucket(*, versioning: bool = True, ownership: str | None = None) -> Engine:
    """One bucket ``bkt`` in the default account."""
    eng = Engine(seed=21)
    eng.create_bucket("bkt", versioning=versioning)
    if ownership:
        eng.put_bucket_ownership_controls("bkt", ownership)
    return eng


BAD_PUTS: list[tuple[dict[str, object], type[S3Error]]] = [
    ({"storage_class": "COLD"}, InvalidStorageClass),
    ({"server_side_encryption": "rot13"}, InvalidArgument),
    ({"server_side_encryption": "AES256", "sse_kms_key_id": "k"}, InvalidArgument),
    ({"tags": {"": "v"}}, InvalidTag),
    ({"acl": "everyone"}, InvalidArgument),
    ({"object_lock_mode": "FOREVER"}, InvalidArgument),
]


@pytest.mark.parametrize(("kwargs", "error"), BAD_PUTS)
def test_bad_puts_change_nothing(kwargs: dict[str, object], error: type[S3Error]) -> None:
    """Every bad PutObject input gets its S3 error and leaves the world as it was."""
    eng = bucket(ownership="ObjectWriter")
    before = eng.snapshot()
    with pytest.raises(error):
        eng.put_object("bkt", "k", b"x", **kwargs)  # type: ignore[arg-type]
    after = eng.snapshot()
    assert after.objects == before.objects
    assert after.clock_us == before.clock_us


def test_puts_need_a_bucket_key_and_bytes() -> None:
    """PutObject on a missing bucket, with an empty key or a non-bytes body is refused."""
    eng = bucket()
    with pytest.raises(NoSuchBucket):
        eng.put_object("missing", "k", b"x")
    with pytest.raises(InvalidArgument):
        eng.put_object("bkt", "", b"x")
    with pytest.raises(InvalidArgument):
        eng.put_object("bkt", "k", "text")  # type: ignore[arg-type]


def test_bucket_owner_preferred_takes_ownership() -> None:
    """Object Ownership BucketOwnerPreferred: bucket-owner-full-control hands the object to
    the bucket owner; other writes stay with the writer; strangers are refused."""
    eng = bucket(ownership="BucketOwnerPreferred")
    other = "444455556666"
    eng.create_account(other)
    eng.put_bucket_policy(
        "bkt",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": other},
                    "Action": "s3:PutObject",
                    "Resource": "arn:aws:s3:::bkt/*",
                }
            ],
        },
    )
    mine = eng.put_object("bkt", "a", b"x", acl="bucket-owner-full-control", account=other)
    theirs = eng.put_object("bkt", "b", b"x", account=other)
    assert (mine.owner, theirs.owner) == ("123456789012", other)
    with pytest.raises(AccessDenied):
        eng.put_object("bkt", "c", b"x", account="999999999999")


def test_repeated_puts_resolve_per_caller_and_options() -> None:
    """R-008, R-154: a put's owner and ACL follow its own caller, its options and the
    bucket's Object Ownership (another account's object is its writer's unless
    bucket-owner-full-control hands it over), however many puts of other callers or
    options came first (the engine remembers a write's settings per caller and
    options); a bad option is refused every time, also after good puts."""
    eng = bucket(ownership="BucketOwnerPreferred")
    other = "444455556666"
    eng.create_account(other)
    eng.put_bucket_policy(
        "bkt",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": other},
                    "Action": "s3:PutObject",
                    "Resource": "arn:aws:s3:::bkt/*",
                }
            ],
        },
    )
    for _ in range(2):
        own = eng.put_object("bkt", "a", b"x")
        theirs = eng.put_object("bkt", "b", b"x", account=other)
        handed = eng.put_object("bkt", "c", b"x", acl="bucket-owner-full-control", account=other)
        cold = eng.put_object("bkt", "d", b"x", storage_class="STANDARD_IA")
        assert (own.owner, theirs.owner, handed.owner) == ("123456789012", other, "123456789012")
        assert theirs.acl is not None
        assert theirs.acl.owner == other
        assert cold.storage_class.value == "STANDARD_IA"
        assert own.storage_class.value == "STANDARD"
        with pytest.raises(InvalidStorageClass):
            eng.put_object("bkt", "e", b"x", storage_class="COLD")
        with pytest.raises(InvalidArgument):
            eng.put_object("bkt", "e", b"x", acl="everyone")


def test_copy_from_a_version_dict() -> None:
    """CopyObject accepts boto3's CopySource dict with a VersionId."""
    eng = bucket()
    first = eng.put_object("bkt", "src", b"one")
    eng.put_object("bkt", "src", b"two")
    copy = eng.copy_object(
        "bkt", "dst", {"Bucket": "bkt", "Key": "src", "VersionId": first.version_id}
    )
    assert eng.get_object("bkt", "dst", version_id=copy.version_id).body == b"one"


def test_multipart_needs_parts() -> None:
    """CompleteMultipartUpload with no parts is refused."""
    with pytest.raises(InvalidRequest):
        bucket().complete_multipart_upload("bkt", "k", [])


def test_unversioned_deletes_and_expirations_remove() -> None:
    """On an unversioned bucket a delete or an expiration removes the object, no marker."""
    eng = bucket(versioning=False)
    eng.put_object("bkt", "a", b"x")
    eng.put_object("bkt", "b", b"x")
    assert eng.delete_object("bkt", "a").delete_marker is False
    expired = eng.expire_object("bkt", "b")
    assert expired is not None
    assert expired.delete_marker is False
    assert eng.list_object_versions("bkt") == ()
    assert eng.delete_object("bkt", "never").version_id is None
    assert eng.expire_object("bkt", "never") == eng.expire_object("bkt", "never")


def test_deleting_a_marker_by_id_restores_the_object() -> None:
    """Deleting the delete marker by version id makes the previous version current again;
    deleting an unknown version id is a no-op, as S3's 204."""
    eng = bucket()
    v = eng.put_object("bkt", "k", b"x")
    marker = eng.delete_object("bkt", "k")
    assert marker.version_id is not None
    result = eng.delete_object("bkt", "k", version_id=marker.version_id)
    assert result.delete_marker
    assert eng.head_object("bkt", "k").version_id == v.version_id
    assert eng.delete_object("bkt", "k", version_id="nope").delete_marker is False


def test_delete_markers_are_valid_values() -> None:
    """A marker built by the delete path (without its checks) equals the one its
    validating constructor builds; a key no put accepts is refused as a put refuses it."""
    eng = bucket()
    eng.put_object("bkt", "k", b"x")
    eng.delete_object("bkt", "k")
    (marker,) = (v for v in eng.list_object_versions("bkt") if isinstance(v, DeleteMarker))
    assert DeleteMarker(**attrs.asdict(marker, recurse=False)) == marker
    with pytest.raises(InvalidArgument):
        eng.delete_object("bkt", "")
    with pytest.raises(InvalidArgument):
        eng.delete_object("bkt", "k" * 1025)


def test_acl_calls() -> None:
    """PutObjectAcl takes a canned ACL or an explicit policy (dict or Acl), exactly one;
    BucketOwnerEnforced buckets refuse it."""
    eng = bucket(ownership="ObjectWriter")
    eng.put_object("bkt", "k", b"x")
    with pytest.raises(InvalidRequest):
        eng.put_object_acl("bkt", "k")
    explicit = Acl.private("123456789012")
    assert eng.put_object_acl("bkt", "k", access_control_policy=explicit).acl == explicit
    as_dict = {
        "Owner": {"ID": "123456789012"},
        "Grants": [
            {
                "Grantee": {"Type": "CanonicalUser", "ID": "123456789012"},
                "Permission": "FULL_CONTROL",
            }
        ],
    }
    assert eng.put_object_acl("bkt", "k", access_control_policy=as_dict).acl == explicit
    with pytest.raises(InvalidArgument):
        eng.put_object_acl("bkt", "k", acl="everyone")
    enforced = bucket()
    enforced.put_object("bkt", "k", b"x")
    with pytest.raises(AccessControlListNotSupported):
        enforced.put_object_acl("bkt", "k", acl="private")


def test_tagging_calls() -> None:
    """Get/Put/DeleteObjectTagging read and replace a version's tags."""
    eng = bucket()
    eng.put_object("bkt", "k", b"x", tags={"a": "1"})
    assert eng.get_object_tagging("bkt", "k") == {"a": "1"}
    eng.delete_object_tagging("bkt", "k")
    assert eng.get_object_tagging("bkt", "k") == {}
    eng.delete_object("bkt", "k")
    with pytest.raises(NoSuchKey):
        eng.put_object_tagging("bkt", "k", {"a": "2"})


def test_lock_details() -> None:
    """Object Lock: naive dates are refused; a bucket default applies to new versions; an
    expired retention no longer protects a version."""
    eng = Engine(seed=3)
    eng.create_bucket("bkt", object_lock=True)
    with pytest.raises(InvalidArgument):
        eng.put_object(
            "bkt",
            "k",
            b"x",
            object_lock_mode="GOVERNANCE",
            object_lock_retain_until_date=dt.datetime(2030, 1, 1),  # noqa: DTZ001
        )
    eng.put_object_lock_configuration(
        "bkt",
        {
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}},
        },
    )
    v = eng.put_object("bkt", "k", b"x")
    assert v.object_lock_mode is not None
    with pytest.raises(AccessDenied):
        eng.delete_object("bkt", "k", version_id=v.version_id)
    eng.advance(seconds=2 * 86_400)
    eng.delete_object("bkt", "k", version_id=v.version_id)
    assert eng.list_object_versions("bkt") == ()
    with pytest.raises(ValueError, match="seconds"):
        eng.advance(seconds=-1)


def test_listing_by_prefix() -> None:
    """ListObjectVersions filters by prefix and lists keys in order, newest first."""
    eng = bucket()
    eng.put_object("bkt", "b/1", b"x")
    eng.put_object("bkt", "a/1", b"x")
    eng.delete_object("bkt", "a/1")
    listed = eng.list_object_versions("bkt", prefix="a/")
    assert [(v.key, isinstance(v, DeleteMarker)) for v in listed] == [
        ("a/1", True),
        ("a/1", False),
    ]


KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_plain_puts_follow_bucket_changes() -> None:
    """A put without options takes the bucket's settings as they are at that moment:
    default encryption, object ownership (ACLs) and a default retention that runs
    from each put (R-086's source side)."""
    eng = bucket()
    first = eng.put_object("bkt", "k", b"x")
    assert first.server_side_encryption is ServerSideEncryption.SSE_S3
    assert first.acl is None  # BucketOwnerEnforced: ACLs disabled
    eng.put_bucket_encryption(
        "bkt",
        {
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": KEY,
                    }
                }
            ]
        },
    )
    eng.put_bucket_ownership_controls("bkt", "ObjectWriter")
    second = eng.put_object("bkt", "k", b"x")
    assert second.server_side_encryption is ServerSideEncryption.SSE_KMS
    assert second.sse_kms_key_id == KEY
    assert second.acl is not None
    assert second.acl.owner == second.owner

    locked = Engine(seed=3)
    locked.create_bucket("locked", object_lock=True)
    locked.put_object_lock_configuration(
        "locked",
        {
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}},
        },
    )
    early = locked.put_object("locked", "k", b"x")
    locked.advance(seconds=60)
    late = locked.put_object("locked", "k", b"x")
    assert early.object_lock_retain_until_date is not None
    assert late.object_lock_retain_until_date == early.object_lock_retain_until_date + dt.timedelta(
        seconds=60, milliseconds=1
    )


def test_default_encryption_applies() -> None:
    """New objects take the bucket's default encryption (SSE-S3 unless configured)."""
    eng = bucket()
    assert eng.put_object("bkt", "k", b"x").server_side_encryption is ServerSideEncryption.SSE_S3
