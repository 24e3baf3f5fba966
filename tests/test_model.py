"""The frozen model values validate themselves: names, ARNs, tags, metadata, ACLs, lock,
the replication schema, FrozenMap, Profile and the error tree."""

from __future__ import annotations

import datetime as dt
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3repl import Profile
from s3repl.errors import (
    InvalidArgument,
    InvalidBucketName,
    InvalidTag,
    MalformedXML,
    MetadataTooLarge,
    NoSuchBucket,
    S3Error,
    error_class,
)
from s3repl.model import (
    Acl,
    Bucket,
    BucketArn,
    CannedAcl,
    DefaultEncryption,
    DefaultRetention,
    Destination,
    Filter,
    FrozenMap,
    KmsKeyArn,
    NotOperator,
    Permission,
    ReplicationConfiguration,
    ReplicationRule,
    ReplicationStatus,
    Retention,
    RoleArn,
    Tag,
)
from s3repl.model.acl import Grantee
from s3repl.model.names import (
    check_account_id,
    check_object_key,
    check_region,
    default_enabled_regions,
    is_opt_in_region,
)
from s3repl.model.tagging import METADATA_BYTES_MAX, check_metadata, check_tags


@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "a" * 64,
        "Upper",
        "under_score",
        "-lead",
        "trail-",
        "two..dots",
        "192.168.5.4",
        "xn--punycode",
        "sthree-x",
        "amzn-s3-demo-x",
        "x-s3alias",
        "x--ol-s3",
        "x.mrap",
        "x--x-s3",
        "x--table-s3",
    ],
)
def test_bad_bucket_names(name: str) -> None:
    """S3 bucket naming rules: each row breaks one rule and is refused (InvalidBucketName)."""
    with pytest.raises(InvalidBucketName):
        Bucket(name=name, owner="123456789012")


@pytest.mark.parametrize("name", ["abc", "my.bucket-1", "a" * 63, "1bucket"])
def test_good_bucket_names(name: str) -> None:
    """S3 bucket naming rules: these names are valid."""
    assert Bucket(name=name, owner="123456789012").name == name


def test_accounts_regions_and_keys() -> None:
    """Account ids are 12 digits, regions are known, keys are 1..1024 UTF-8 bytes (R-001)."""
    assert check_account_id("123456789012") == "123456789012"
    for bad in ("12345", "abcdefghijkl"):
        with pytest.raises(InvalidArgument):
            check_account_id(bad)
    with pytest.raises(InvalidArgument):
        check_region("mars-north-1")
    assert is_opt_in_region("af-south-1")
    assert not is_opt_in_region("us-east-1")
    assert "us-east-1" in default_enabled_regions()
    assert check_object_key("é" * 512) == "é" * 512
    assert check_object_key("a" * 1024) == "a" * 1024
    for bad in ("", "é" * 513, "a" * 1025):
        with pytest.raises(InvalidArgument):
            check_object_key(bad)
    with pytest.raises(InvalidArgument):
        check_object_key("\ud800")


def test_arns_round_trip() -> None:
    """R-025, R-047: bucket, role and KMS ARNs parse by partition and print back."""
    for text in ("arn:aws:s3:::dst", "arn:aws-cn:s3:::dst"):
        assert str(BucketArn.parse(text)) == text
    role = "arn:aws:iam::123456789012:role/path/name"
    assert RoleArn.parse(role).name == "name"
    assert str(RoleArn.parse(role)) == role
    alias = KmsKeyArn.parse("arn:aws:kms:eu-west-1:123456789012:alias/mine")
    assert alias.is_alias
    assert str(alias) == "arn:aws:kms:eu-west-1:123456789012:alias/mine"
    for parse, bad in (
        (BucketArn.parse, "arn:aws:s3:::Bad_Name"),
        (BucketArn.parse, "dst"),
        (RoleArn.parse, "arn:aws:iam::1:role/x"),
        (KmsKeyArn.parse, "key/1"),
    ):
        with pytest.raises(InvalidArgument):
            parse(bad)


def test_r024_object_tag_limits() -> None:
    """R-024: at most 10 tags, keys of 1..128 and values of at most 256 characters."""
    assert check_tags({f"k{i}": "v" for i in range(10)})
    assert check_tags(None) == {}
    for bad in (
        {f"k{i}": "v" for i in range(11)},
        {"": "v"},
        {"k" * 129: "v"},
        {"k": "v" * 257},
    ):
        with pytest.raises(InvalidTag):
            check_tags(bad)
    with pytest.raises(InvalidTag):
        check_tags([("k", "v")])
    assert check_tags({"k" * 128: "v" * 256})


def test_metadata_is_folded_and_limited() -> None:
    """User metadata keys are lower-cased and the whole is limited to 2 KB."""
    assert check_metadata({"Owner": "me"}) == {"owner": "me"}
    with pytest.raises(MetadataTooLarge):
        check_metadata({"k": "v" * 2048})
    with pytest.raises(MetadataTooLarge):
        check_metadata({"": "v"})


@given(st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=700), max_size=4))
def test_metadata_size_counts_utf8_bytes_of_any_text(metadata: dict[str, str]) -> None:
    """The 2 KB limit counts UTF-8 bytes of the keys as given and of the values, ASCII
    or not; keys come back folded to lower case."""
    size = sum(len(k.encode()) + len(v.encode()) for k, v in metadata.items())
    if size > METADATA_BYTES_MAX:
        with pytest.raises(MetadataTooLarge):
            check_metadata(metadata)
    else:
        assert check_metadata(metadata) == {k.lower(): v for k, v in metadata.items()}


def test_tag_limits_count_characters_not_bytes() -> None:
    """R-024: tag limits are in Unicode characters (128 two-byte letters are a valid key)."""
    assert check_tags({"é" * 128: "ü" * 256}) == {"é" * 128: "ü" * 256}
    with pytest.raises(InvalidTag):
        check_tags({"é" * 129: "v"})
    with pytest.raises(InvalidTag):
        check_tags({"k": 1})


def test_canned_acls() -> None:
    """R-008: canned ACLs expand to grants; bucket-owner-full-control grants the bucket
    owner READ and READ_ACP on a foreign object, private does not."""
    owner, bucket_owner = "444455556666", "123456789012"
    full = Acl.canned(CannedAcl.BUCKET_OWNER_FULL_CONTROL, owner=owner, bucket_owner=bucket_owner)
    private = Acl.canned("private", owner=owner, bucket_owner=bucket_owner)
    read = Acl.canned("bucket-owner-read", owner=owner, bucket_owner=bucket_owner)
    assert full.allows(bucket_owner, Permission.READ)
    assert full.allows(bucket_owner, Permission.READ_ACP)
    assert not private.allows(bucket_owner, Permission.READ)
    assert read.allows(bucket_owner, Permission.READ)
    assert not read.allows(bucket_owner, Permission.READ_ACP)
    public = Acl.canned("public-read-write", owner=owner, bucket_owner=owner)
    assert public.allows("999999999999", Permission.WRITE)
    with pytest.raises(InvalidArgument):
        Grantee(type="Group", id="http://example.com/not-a-group")


def test_lock_values() -> None:
    """R-086: default retention needs exactly one positive period; retention dates are aware."""
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert DefaultRetention(mode="GOVERNANCE", years=1).retain_until(start) == start + dt.timedelta(
        days=365
    )
    for bad in ({}, {"days": 1, "years": 1}):
        with pytest.raises(MalformedXML):
            DefaultRetention(mode="GOVERNANCE", **bad)
    with pytest.raises(InvalidArgument):
        DefaultRetention(mode="GOVERNANCE", days=0)
    with pytest.raises(InvalidArgument):
        Retention(mode="COMPLIANCE", retain_until_date=dt.datetime(2027, 1, 1))  # noqa: DTZ001


def test_bucket_invariants() -> None:
    """An Object Lock bucket is versioned; default encryption kinds are S3's."""
    with pytest.raises(InvalidArgument):
        Bucket(name="abc", owner="123456789012", object_lock_enabled=True)
    with pytest.raises(InvalidArgument):
        DefaultEncryption(sse_algorithm="SSE-C")
    with pytest.raises(InvalidArgument):
        DefaultEncryption(sse_algorithm="AES256", kms_master_key_id="k")
    assert Bucket(name="abc", owner="123456789012", region="cn-north-1").arn == (
        "arn:aws-cn:s3:::abc"
    )


def test_replication_schema() -> None:
    """R-045, R-022: a rule has exactly one of Prefix or Filter; a filter holds at most one
    child; Not holds exactly one; a configuration holds at least one rule."""
    dest = Destination(bucket="arn:aws:s3:::dst")
    with pytest.raises(MalformedXML):
        ReplicationRule(destination=dest, status="Enabled")
    with pytest.raises(MalformedXML):
        ReplicationRule(destination=dest, status="Enabled", prefix="", filter=Filter())
    with pytest.raises(MalformedXML):
        Filter(prefix="a", tag=Tag(key="k", value="v"))
    with pytest.raises(MalformedXML):
        NotOperator()
    with pytest.raises(MalformedXML):
        Tag(key="", value="v")
    with pytest.raises(MalformedXML):
        ReplicationConfiguration(role="arn:aws:iam::123456789012:role/r", rules=[])
    with pytest.raises(MalformedXML):
        ReplicationRule(destination=dest, status="Enabled", filter=Filter(), priority=True)
    assert dest.bucket_name == "dst"
    assert Destination(bucket="dst").bucket_name == "dst"


def test_filter_tags_and_not() -> None:
    """R-040, R-022: a filter reports the tags it needs, whether any tag appears anywhere
    (Not and Or included), and whether it uses Not."""
    flt = Filter(not_=NotOperator(tag=Tag(key="k", value="v")))
    assert flt.tags == ()
    assert flt.mentions_tags
    assert flt.uses_not
    assert not Filter(prefix="p").mentions_tags


def test_r120_legacy_complete_spelling() -> None:
    """R-120: the legacy spelling COMPLETE is read as COMPLETED."""
    assert ReplicationStatus("COMPLETE") is ReplicationStatus.COMPLETED


@given(st.dictionaries(st.text(max_size=5), st.integers()))
def test_frozen_map_behaves_like_a_dict(data: dict[str, int]) -> None:
    """FrozenMap equals the dict it was built from, hashes by content, pickles, and its
    repr is the dict's (valid Python)."""
    frozen = FrozenMap(data)
    assert frozen == data
    assert frozen == FrozenMap(dict(reversed(list(data.items()))))
    assert hash(frozen) == hash(FrozenMap(data))
    assert pickle.loads(pickle.dumps(frozen)) == frozen
    assert repr(frozen) == repr(data)
    assert frozen.to_dict() == data
    assert (frozen == 3) is False


def test_profile_switches() -> None:
    """Section 13: Profile.aws() is the documented default; evolve validates switches."""
    assert Profile.aws() == Profile()
    assert Profile.aws().evolve(sse_c_replication=False).sse_c_replication is False
    with pytest.raises(ValueError, match="config_propagation_delay_steps"):
        Profile.aws().evolve(config_propagation_delay_steps=-1)
    with pytest.raises(ValueError, match="sometimes"):
        Profile.aws().evolve(destination_version_order="sometimes")
    assert "MissingTagReadPermission.REPLICATE_WITHOUT_TAGS" in repr(Profile.aws())


def test_errors_carry_codes() -> None:
    """Every S3 error carries AWS's code and status, names its bucket, and is found by code."""
    err = NoSuchBucket("The specified bucket does not exist", bucket_name="b")
    assert isinstance(err, LookupError)
    assert str(err) == "NoSuchBucket (404): The specified bucket does not exist [bucket 'b']"
    assert repr(err) == (
        "NoSuchBucket('The specified bucket does not exist', bucket_name='b', element=None)"
    )
    assert error_class("MalformedXML") is MalformedXML
    assert issubclass(error_class("KMS.NotFoundException"), S3Error)
    assert str(MalformedXML("m", element="Rule")) == "MalformedXML (400): m [element Rule]"


@given(size=st.integers(min_value=0), tags=st.dictionaries(st.text(min_size=1), st.text()))
def test_evolve_version_matches_attrs_evolve(size: int, tags: dict[str, str]) -> None:
    """The engine's trusted copy of a version equals ``attrs.evolve`` field for field, and
    refuses a field the class does not have (R-083: replicas are exact copies)."""
    import attrs

    from s3repl.model import DeleteMarker, ObjectVersion
    from s3repl.model._fastbuild import evolve_version

    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    owner = "123456789012"
    etag = '"9dd4e461268c8034f5c8564e155c67a6"'
    version = ObjectVersion(
        key="k", version_id="v", last_modified=start, etag=etag, size=1, owner=owner
    )
    frozen = FrozenMap(tags)
    assert evolve_version(version, size=size, tags=frozen) == attrs.evolve(
        version, size=size, tags=frozen
    )
    marker = DeleteMarker(key="k", version_id="m", last_modified=start, owner=owner)
    assert evolve_version(marker, is_latest=True) == attrs.evolve(marker, is_latest=True)
    with pytest.raises(TypeError):
        evolve_version(version, colour="blue")


def test_builders_refuse_classes_whose_init_does_more() -> None:
    """A trusted builder skips validators on purpose, but it could not reproduce
    converters, factories and post-init hooks, and CPython refuses the class hand-over for
    a ``__weakref__`` slot: such classes get a ``TypeError`` up front."""
    import attrs

    from s3repl.model._fastbuild import builders, copier

    @attrs.frozen(weakref_slot=False)
    class Validated:
        x: int = attrs.field(validator=attrs.validators.instance_of(int))

    build, _ = builders(Validated)
    assert build(x=3) == Validated(x=3)
    assert build(x="three").x == "three"  # trusted: the caller vouches for its parts
    assert copier(Validated, ("x",))(Validated(x=1), 2) == Validated(x=2)

    @attrs.frozen(weakref_slot=False)
    class Converted:
        x: int = attrs.field(converter=int)

    @attrs.frozen(weakref_slot=False)
    class Factory:
        x: list[int] = attrs.field(factory=list)

    @attrs.frozen(weakref_slot=False)
    class PostInit:
        x: int

        def __attrs_post_init__(self) -> None:
            pass

    @attrs.frozen
    class WeakReferable:
        x: int

    @attrs.frozen(weakref_slot=False, slots=False)
    class Unslotted:
        x: int

    for cls in (Converted, Factory, PostInit, WeakReferable, Unslotted):
        with pytest.raises(TypeError):
            builders(cls)
        with pytest.raises(TypeError):
            copier(cls, ("x",))
    build, _ = builders(Converted, trusted=("x",))
    assert build(x=3) == Converted(x=3)

    @attrs.frozen(weakref_slot=False, kw_only=True)
    class RequiredAfterDefault:
        a: int = 0
        b: int

    build, _ = builders(RequiredAfterDefault)
    assert build(b=2) == RequiredAfterDefault(b=2)
    with pytest.raises(TypeError):
        build(1, 2)  # b is keyword-only: Python allows no required after a default
    with pytest.raises(TypeError):
        copier(RequiredAfterDefault, ("c",))  # no such field
