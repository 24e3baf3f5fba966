"""The engine's read-only calls, paged listings and DeleteObjects (s3repl.engine._reads, _batch)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3repl import Engine, check_requirements, validate_replication
from s3repl.errors import (
    AccessDenied,
    InvalidArgument,
    InvalidRequest,
    KMSNotFoundException,
    MalformedXML,
    NoSuchBucket,
    NoSuchEntity,
    NoSuchObjectLockConfiguration,
    ObjectLockConfigurationNotFoundError,
    S3Error,
)
from s3repl.model import (
    DeleteMarker,
    ObjectLockLegalHoldStatus,
    ObjectLockMode,
    ObjectOwnership,
    ObjectVersion,
    Permission,
    ServerSideEncryption,
    VersioningStatus,
)
from s3repl.model.acl import ALL_USERS

OTHER = "210987654321"


def _engine() -> Engine:
    engine = Engine(seed=3)
    engine.create_bucket("src", versioning=True)
    return engine


# --- buckets ----------------------------------------------------------------------------


def test_list_buckets_lists_only_the_callers_buckets_by_name() -> None:
    """ListBuckets answers the caller's own buckets, names ascending."""
    engine = Engine()
    engine.create_bucket("zeta")
    engine.create_bucket("alpha")
    engine.create_bucket("theirs", account=OTHER)
    assert [b.name for b in engine.list_buckets()] == ["alpha", "zeta"]
    assert [b.name for b in engine.list_buckets(account=OTHER)] == ["theirs"]


def test_head_bucket_answers_the_bucket_and_refuses_strangers() -> None:
    """HeadBucket: the bucket for its owner, AccessDenied for another account, else NoSuchBucket."""
    engine = Engine()
    engine.create_bucket("bkt", region="eu-west-1")
    assert engine.head_bucket("bkt").region == "eu-west-1"
    with pytest.raises(AccessDenied):
        engine.head_bucket("bkt", account=OTHER)
    with pytest.raises(NoSuchBucket):
        engine.head_bucket("missing")


def test_bucket_settings_read_back_as_written() -> None:
    """Versioning, default encryption and ownership read back what was put."""
    engine = Engine()
    engine.create_bucket("bkt")
    assert engine.get_bucket_versioning("bkt") is VersioningStatus.UNVERSIONED
    engine.put_bucket_versioning("bkt", "Suspended")
    assert engine.get_bucket_versioning("bkt") is VersioningStatus.SUSPENDED
    assert engine.get_bucket_encryption("bkt").sse_algorithm is ServerSideEncryption.SSE_S3
    assert engine.get_bucket_ownership_controls("bkt") is ObjectOwnership.BUCKET_OWNER_ENFORCED
    engine.put_bucket_ownership_controls("bkt", "ObjectWriter")
    assert engine.get_bucket_ownership_controls("bkt") is ObjectOwnership.OBJECT_WRITER


def test_object_lock_configuration_is_absent_until_lock_is_enabled() -> None:
    """GetObjectLockConfiguration: ObjectLockConfigurationNotFoundError (404) without lock."""
    engine = Engine()
    engine.create_bucket("plain")
    with pytest.raises(ObjectLockConfigurationNotFoundError) as caught:
        engine.get_object_lock_configuration("plain")
    assert caught.value.http_status == 404
    engine.create_bucket("locked", object_lock=True)
    engine.put_object_lock_configuration(
        "locked",
        {
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 2}},
        },
    )
    retention = engine.get_object_lock_configuration("locked").default_retention
    assert retention is not None
    assert (retention.mode, retention.days) == (ObjectLockMode.GOVERNANCE, 2)


# --- object sub-resources -----------------------------------------------------------------


def test_object_acl_reads_back_a_canned_acl() -> None:
    """GetObjectAcl: a public-read object grants READ to AllUsers and FULL_CONTROL to its owner."""
    engine = Engine()
    engine.create_bucket("bkt")
    engine.put_bucket_ownership_controls("bkt", "ObjectWriter")
    engine.put_object("bkt", "k", b"x", acl="public-read")
    acl = engine.get_object_acl("bkt", "k")
    assert {(g.grantee.id, g.permission) for g in acl.grants} == {
        ("123456789012", Permission.FULL_CONTROL),
        (ALL_USERS, Permission.READ),
    }


def test_object_acl_under_bucket_owner_enforced_is_the_owners_full_control() -> None:
    """GetObjectAcl under BucketOwnerEnforced: the bucket owner holds FULL_CONTROL."""
    engine = Engine()
    engine.create_bucket("bkt")
    engine.put_object("bkt", "k", b"x")
    acl = engine.get_object_acl("bkt", "k")
    assert acl.owner == "123456789012"
    assert [(g.grantee.id, g.permission) for g in acl.grants] == [
        ("123456789012", Permission.FULL_CONTROL)
    ]


def test_retention_and_legal_hold_read_back_and_are_absent_otherwise() -> None:
    """GetObjectRetention / GetObjectLegalHold: what was set, else NoSuchObjectLockConfiguration."""
    engine = Engine()
    engine.create_bucket("locked", object_lock=True)
    engine.put_object("locked", "bare", b"x")
    with pytest.raises(NoSuchObjectLockConfiguration):
        engine.get_object_retention("locked", "bare")
    with pytest.raises(NoSuchObjectLockConfiguration):
        engine.get_object_legal_hold("locked", "bare")
    until = engine.now + dt.timedelta(days=1)
    engine.put_object(
        "locked",
        "held",
        b"x",
        object_lock_mode="COMPLIANCE",
        object_lock_retain_until_date=until,
        object_lock_legal_hold_status="ON",
    )
    retention = engine.get_object_retention("locked", "held")
    assert (retention.mode, retention.retain_until_date) == (ObjectLockMode.COMPLIANCE, until)
    assert engine.get_object_legal_hold("locked", "held") is ObjectLockLegalHoldStatus.ON


def test_current_version_answers_a_delete_marker_too() -> None:
    """current_version: the current version, a current delete marker, or None for no key."""
    engine = _engine()
    put = engine.put_object("src", "k", b"x")
    current = engine.current_version("src", "k")
    assert isinstance(current, ObjectVersion)
    assert current.version_id == put.version_id
    deleted = engine.delete_object("src", "k")
    marker = engine.current_version("src", "k")
    assert isinstance(marker, DeleteMarker)
    assert (marker.version_id, marker.is_latest) == (deleted.version_id, True)
    assert engine.current_version("src", "never") is None
    with pytest.raises(AccessDenied):
        engine.current_version("src", "k", account=OTHER)


def test_retention_on_a_bucket_without_object_lock_is_an_invalid_request() -> None:
    """GetObjectRetention on a bucket without Object Lock: InvalidRequest (400)."""
    engine = _engine()
    engine.put_object("src", "k", b"x")
    with pytest.raises(InvalidRequest, match="missing Object Lock Configuration"):
        engine.get_object_retention("src", "k")


# --- listings ---------------------------------------------------------------------------------

_KEYS = st.text(alphabet="ab/", min_size=1, max_size=4)
_WRITES = st.lists(st.tuples(_KEYS, st.booleans()), max_size=25)


def _world(writes: list[tuple[str, bool]]) -> Engine:
    """A versioned bucket after puts (False) and deletes (True, a delete marker)."""
    engine = _engine()
    for key, delete in writes:
        if delete:
            engine.delete_object("src", key)
        else:
            engine.put_object("src", key, key.encode())
    return engine


def _all_objects_pages(engine: Engine, **listing: object) -> tuple[list[str], list[str]]:
    keys: list[str] = []
    prefixes: list[str] = []
    token = None
    for _ in range(200):  # bounded: every page holds at least one entry
        page = engine.list_objects_v2("src", continuation_token=token, **listing)  # type: ignore[arg-type]
        keys += [v.key for v in page.contents]
        prefixes += page.common_prefixes
        assert page.key_count == len(page.contents) + len(page.common_prefixes)
        if not page.is_truncated:
            return keys, prefixes
        token = page.next_continuation_token
    msg = "listing did not end"
    raise AssertionError(msg)


@given(writes=_WRITES, max_keys=st.integers(1, 4), prefix=st.sampled_from(["", "a", "b/"]))
def test_list_objects_v2_pages_concatenate_to_the_sorted_live_keys(
    writes: list[tuple[str, bool]], max_keys: int, prefix: str
) -> None:
    """ListObjectsV2 pages, concatenated, are the keys whose current version is not a marker."""
    engine = _world(writes)
    live = sorted(
        key
        for key in {k for k, _ in writes}
        if key.startswith(prefix)
        and not isinstance(engine.snapshot().versions("src", key)[0], DeleteMarker)
    )
    keys, prefixes = _all_objects_pages(engine, prefix=prefix, max_keys=max_keys)
    assert keys == live
    assert prefixes == []


@given(writes=_WRITES, max_keys=st.integers(1, 4))
def test_list_objects_v2_pages_with_a_delimiter_match_one_big_page(
    writes: list[tuple[str, bool]], max_keys: int
) -> None:
    """With a delimiter, paged keys and common prefixes equal those of one unlimited page."""
    engine = _world(writes)
    whole = engine.list_objects_v2("src", delimiter="/")
    keys, prefixes = _all_objects_pages(engine, delimiter="/", max_keys=max_keys)
    assert keys == [v.key for v in whole.contents]
    assert prefixes == list(whole.common_prefixes)
    assert all("/" not in key for key in keys)
    assert all(p.endswith("/") and p.count("/") == 1 for p in prefixes)


@given(writes=_WRITES, max_keys=st.integers(1, 4))
def test_list_object_versions_pages_concatenate_to_the_full_listing(
    writes: list[tuple[str, bool]], max_keys: int
) -> None:
    """ListObjectVersions pages, concatenated, equal list_object_versions (one big listing)."""
    engine = _world(writes)
    entries: list[ObjectVersion | DeleteMarker] = []
    key_marker, version_marker = "", None
    for _ in range(200):
        page = engine.list_object_versions_page(
            "src", key_marker=key_marker, version_id_marker=version_marker, max_keys=max_keys
        )
        assert len(page.entries) <= max_keys
        entries += page.entries
        if not page.is_truncated:
            break
        assert page.next_key_marker is not None
        key_marker, version_marker = page.next_key_marker, page.next_version_id_marker
    assert entries == list(engine.list_object_versions("src"))


def test_a_prefix_whose_keys_are_all_deleted_is_not_listed() -> None:
    """ListObjectsV2 lists current objects only: a prefix holding only delete markers is hidden."""
    engine = _engine()
    engine.put_object("src", "gone/a", b"")
    engine.put_object("src", "kept/a", b"")
    engine.delete_object("src", "gone/a")
    assert engine.list_objects_v2("src", delimiter="/").common_prefixes == ("kept/",)


def test_start_after_skips_keys_up_to_and_including_it() -> None:
    """ListObjectsV2 StartAfter lists only keys after it."""
    engine = _engine()
    for key in ("a", "b", "c"):
        engine.put_object("src", key, b"")
    assert [v.key for v in engine.list_objects_v2("src", start_after="a").contents] == ["b", "c"]


def test_listing_refuses_bad_arguments() -> None:
    """A negative MaxKeys, a foreign token and a lone version-id marker are InvalidArgument."""
    engine = _engine()
    with pytest.raises(InvalidArgument):
        engine.list_objects_v2("src", max_keys=-1)
    with pytest.raises(InvalidArgument, match="continuation token"):
        engine.list_objects_v2("src", continuation_token="%%%")
    with pytest.raises(InvalidArgument, match="without a key marker"):
        engine.list_object_versions_page("src", version_id_marker="v")


def test_listing_needs_list_permission() -> None:
    """Another account may not list a bucket whose policy does not let it (AccessDenied)."""
    engine = _engine()
    with pytest.raises(AccessDenied):
        engine.list_objects_v2("src", account=OTHER)
    with pytest.raises(AccessDenied):
        engine.list_object_versions_page("src", account=OTHER)


# --- DeleteObjects --------------------------------------------------------------------------


def test_delete_objects_answers_each_key() -> None:
    """DeleteObjects: a marker per key without version id, a permanent delete with one."""
    engine = _engine()
    first = engine.put_object("src", "a", b"1")
    engine.put_object("src", "b", b"2")
    result = engine.delete_objects("src", [("a", first.version_id), "b"])
    assert result.errors == ()
    by_version, by_marker = result.deleted
    assert (by_version.key, by_version.version_id, by_version.delete_marker) == (
        "a",
        first.version_id,
        False,
    )
    assert by_marker.delete_marker
    head = engine.snapshot().versions("src", "b")[0]
    assert by_marker.delete_marker_version_id == head.version_id


def test_delete_objects_reports_refusals_per_key() -> None:
    """A locked version is refused (AccessDenied) in Errors; the other key is still deleted."""
    engine = Engine()
    engine.create_bucket("locked", object_lock=True)
    held = engine.put_object("locked", "held", b"x", object_lock_legal_hold_status="ON")
    engine.put_object("locked", "free", b"y")
    result = engine.delete_objects(
        "locked", [{"Key": "held", "VersionId": held.version_id}, {"Key": "free"}]
    )
    assert [(e.key, e.code) for e in result.errors] == [("held", "AccessDenied")]
    assert [d.key for d in result.deleted] == ["free"]


@pytest.mark.parametrize("count", [0, 1001])
def test_delete_objects_needs_one_to_a_thousand_keys(count: int) -> None:
    """DeleteObjects with no keys or more than 1,000: MalformedXML, nothing deleted."""
    engine = _engine()
    engine.put_object("src", "k0", b"")
    with pytest.raises(MalformedXML):
        engine.delete_objects("src", [f"k{i}" for i in range(count)])
    assert engine.head_object("src", "k0").key == "k0"


# --- IAM, KMS, errors ---------------------------------------------------------------------------


def test_get_role_and_describe_kms_key() -> None:
    """get_role / describe_kms_key answer what exists, NoSuchEntity / KMS.NotFoundException else."""
    engine = Engine()
    arn = "arn:aws:iam::123456789012:role/r"
    engine.create_role(arn, trusted=False)
    assert engine.get_role(arn).arn == arn
    with pytest.raises(NoSuchEntity):
        engine.get_role("arn:aws:iam::123456789012:role/none")
    key = engine.create_kms_key(region="eu-west-1")
    assert engine.describe_kms_key(key).region == "eu-west-1"
    with pytest.raises(KMSNotFoundException):
        engine.describe_kms_key(key + "0")


def test_s3_error_response_is_shaped_like_boto3s() -> None:
    """S3Error.response mirrors botocore's ClientError.response (code, message, bucket, status)."""
    engine = Engine()
    with pytest.raises(S3Error) as caught:
        engine.get_bucket_replication("missing")
    assert caught.value.response == {
        "Error": {
            "Code": "NoSuchBucket",
            "Message": "The specified bucket does not exist",
            "BucketName": "missing",
        },
        "ResponseMetadata": {"HTTPStatusCode": 404},
    }


# --- validate entry points ---------------------------------------------------------------------

_RULE = {
    "ID": "r",
    "Priority": 1,
    "Status": "Enabled",
    "Filter": {},
    "DeleteMarkerReplication": {"Status": "Disabled"},
    "Destination": {"Bucket": "arn:aws:s3:::dst"},
}
_ROLE = "arn:aws:iam::123456789012:role/repl"


def test_validate_replication_accepts_the_dict_and_xml_forms() -> None:
    """validate_replication judges a boto3 dict and XML text as put_bucket_replication (R-003)."""
    engine = _engine()
    config = {"Role": _ROLE, "Rules": [_RULE]}
    problems = validate_replication(engine, "src", config)
    assert [p.requirement for p in problems] == ["R-003"]
    engine.create_bucket("dst", versioning=True)
    assert validate_replication(engine, "src", config) == ()
    xml = engine.put_bucket_replication("src", config)
    from s3repl.codec import replication_to_xml

    assert validate_replication(engine, "src", replication_to_xml(xml)) == ()


def test_validate_replication_reports_an_undecodable_dict_as_malformed_xml() -> None:
    """A dict with no rules is one MalformedXML problem (R-045, T-05)."""
    problems = validate_replication(_engine(), "src", {"Role": _ROLE, "Rules": []})
    assert [(p.code, p.requirement) for p in problems] == [("MalformedXML", "R-045")]


def test_check_requirements_judges_a_candidate_configuration() -> None:
    """check_requirements(config=...) predicts failures of a configuration not stored (R-006)."""
    engine = _engine()
    engine.create_bucket("dst", versioning=True)
    findings = check_requirements(engine, "src", {"Role": _ROLE, "Rules": [_RULE]})
    assert [f.failure_reason.value for f in findings] == ["AssumeRoleNotPermitted"]
