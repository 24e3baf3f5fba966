"""SSE-C on new general purpose buckets: blocked since April 2026 (``BlockedEncryptionTypes``).

AWS (UG "Blocking or unblocking SSE-C for a general purpose bucket"; API
``BlockedEncryptionTypes``, values ``NONE`` | ``SSE-C``): starting April 2026 S3 disables
SSE-C for all new general purpose buckets; with SSE-C blocked, PutObject, CopyObject,
PostObject, multipart upload "or replication requests that specify SSE-C encryption will
be rejected with an HTTP 403 AccessDenied error"; existing SSE-C objects stay readable;
PutBucketEncryption's ``BlockedEncryptionTypes`` blocks (``SSE-C``) or allows (``NONE``)
it.  ``Profile.block_sse_c_on_new_buckets`` off is the older behaviour (R-081, T-59).
"""

from __future__ import annotations

from typing import Any

import pytest

from s3repl import Engine, Profile
from s3repl.codec import default_encryption_from_dict, default_encryption_to_dict
from s3repl.errors import AccessDenied
from s3repl.model import FailureReason, ReplicationStatus, ServerSideEncryption
from s3repl.validate import check_requirements

ROLE = "arn:aws:iam::123456789012:role/repl"
SSE_C = {"sse_customer_algorithm": "AES256", "sse_customer_key": "k" * 32}


def encryption(blocked: list[str] | None) -> dict[str, Any]:
    """A boto3 ServerSideEncryptionConfiguration: SSE-S3, with ``blocked`` if given."""
    rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    if blocked is not None:
        rule["BlockedEncryptionTypes"] = {"EncryptionType": blocked}
    return {"Rules": [rule]}


def test_r081_new_buckets_refuse_sse_c_writes() -> None:
    """R-081 (April 2026): a new bucket's default encryption blocks SSE-C, and an SSE-C
    PutObject is AccessDenied (403), storing nothing."""
    eng = Engine(seed=1)
    eng.create_bucket("bkt", versioning=True)
    assert eng.get_bucket_encryption("bkt").sse_c_blocked is True
    with pytest.raises(AccessDenied) as caught:
        eng.put_object("bkt", "k", b"x", **SSE_C)
    assert (caught.value.code, caught.value.http_status) == ("AccessDenied", 403)
    assert eng.list_object_versions("bkt") == ()


def test_r081_the_older_behaviour_is_a_profile_switch() -> None:
    """R-081, T-59: with block_sse_c_on_new_buckets off, new buckets take SSE-C writes."""
    eng = Engine(seed=1, profile=Profile.aws().evolve(block_sse_c_on_new_buckets=False))
    eng.create_bucket("bkt")
    assert eng.get_bucket_encryption("bkt").sse_c_blocked is False
    version = eng.put_object("bkt", "k", b"x", **SSE_C)
    assert version.server_side_encryption is ServerSideEncryption.SSE_C


def test_r081_put_bucket_encryption_blocks_and_unblocks() -> None:
    """R-081: BlockedEncryptionTypes NONE allows SSE-C, SSE-C blocks it again; existing
    SSE-C objects stay readable; a configuration without the element keeps the
    bucket's setting (INF)."""
    eng = Engine(seed=1)
    eng.create_bucket("bkt")
    eng.put_bucket_encryption("bkt", encryption(["NONE"]))
    eng.put_object("bkt", "k", b"x", **SSE_C)
    eng.put_bucket_encryption("bkt", encryption(None))
    assert eng.get_bucket_encryption("bkt").sse_c_blocked is False
    eng.put_bucket_encryption("bkt", encryption(["SSE-C"]))
    with pytest.raises(AccessDenied):
        eng.put_object("bkt", "k2", b"y", **SSE_C)
    assert eng.get_object("bkt", "k").body == b"x"


def test_r081_blocked_encryption_types_round_trip_in_boto3_shape() -> None:
    """API BlockedEncryptionTypes: decoded from and encoded to boto3's shape."""
    for blocked, value in ((["SSE-C"], True), (["NONE"], False)):
        decoded = default_encryption_from_dict(encryption(blocked))
        assert decoded.sse_c_blocked is value
        (rule,) = default_encryption_to_dict(decoded)["Rules"]
        assert rule["BlockedEncryptionTypes"] == {"EncryptionType": blocked}
    (rule,) = default_encryption_to_dict(default_encryption_from_dict(encryption(None)))["Rules"]
    assert "BlockedEncryptionTypes" not in rule


def replicating(*, destination_blocks: bool) -> Engine:
    """src (SSE-C allowed) -> dst (SSE-C blocked or allowed)."""
    eng = Engine(seed=2)
    eng.create_bucket("src", versioning=True)
    eng.create_bucket("dst", versioning=True)
    eng.put_bucket_encryption("src", encryption(["NONE"]))
    eng.put_bucket_encryption("dst", encryption(["SSE-C" if destination_blocks else "NONE"]))
    eng.create_role(ROLE)
    rule = {
        "ID": "all",
        "Priority": 1,
        "Status": "Enabled",
        "Filter": {},
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "Destination": {"Bucket": "arn:aws:s3:::dst"},
    }
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule]})
    return eng


def test_r081_a_destination_blocking_sse_c_fails_sse_c_replicas_and_is_foreseen() -> None:
    """R-081, R-127: replication requests with SSE-C are refused by a blocking destination:
    the finding and the failed object both name DstPutObjectNotPermitted; other objects
    still replicate."""
    eng = replicating(destination_blocks=True)
    findings = check_requirements(eng, "src")
    assert [(f.requirement, f.failure_reason) for f in findings] == [
        ("R-081", FailureReason.DST_PUT_OBJECT_NOT_PERMITTED)
    ]
    assert "blocks SSE-C" in findings[0].message
    eng.put_object("src", "secret", b"x", **SSE_C)
    eng.put_object("src", "plain", b"y")
    results = {r.task.key: r for r in eng.run()}
    assert results["secret"].failure_reason is FailureReason.DST_PUT_OBJECT_NOT_PERMITTED
    assert results["plain"].status is ReplicationStatus.COMPLETED


def test_r081_an_allowing_destination_takes_sse_c_replicas() -> None:
    """R-081: with SSE-C allowed on both sides, SSE-C objects replicate as SSE-C."""
    eng = replicating(destination_blocks=False)
    assert check_requirements(eng, "src") == ()
    eng.put_object("src", "secret", b"x", **SSE_C)
    (result,) = eng.run()
    assert result.status is ReplicationStatus.COMPLETED
    assert eng.head_object("dst", "secret").server_side_encryption is ServerSideEncryption.SSE_C
