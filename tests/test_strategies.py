"""The shipped Hypothesis strategies produce only values AWS would accept, and shrink well.

These tests check structural invariants taken from SPEC section 2, one per rule the
strategies promise to respect.

TODO: prove validity end to end: for every configuration drawn, build a world holding
its destination buckets (versioned) and a versioned source bucket, and assert that
``s3repl.validate.validate_replication(world, source, config)`` returns no problem
(with ``Profile.enable_not_or_filters`` on for ``not_or=True``). Waits on
``s3repl.validate`` being final.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from s3repl.model import (
    Destination,
    Filter,
    ReplicationConfiguration,
    ReplicationRule,
    SchemaVersion,
    Status,
    StorageClass,
    Tag,
)
from s3repl.model.names import check_bucket_name, check_object_key
from s3repl.model.tagging import check_tags
from s3repl.testing.strategies import (
    account_ids,
    bucket_names,
    destinations,
    filters,
    object_keys,
    replication_configurations,
    replication_rules,
    tag_sets,
    tags,
)

#: Search (no shrinking) for examples that show a kind of value is reachable.
SEARCH = settings(database=None, phases=[Phase.generate], max_examples=2000)
_XML_SAFE = frozenset(chr(c) for c in range(0x20)) - {"\t", "\n", "\r"}


def assert_xml_safe(text: str) -> None:
    """``text`` holds no character XML 1.0 cannot carry."""
    assert not (set(text) & _XML_SAFE)
    assert "\ufffe" not in text
    assert "\uffff" not in text


def check_rule(rule: ReplicationRule, *, not_or: bool) -> None:
    """Per-rule invariants of SPEC section 2 shared by V1 and V2 rules."""
    destination = rule.destination
    assert destination.bucket.startswith("arn:aws:s3:::")
    check_bucket_name(destination.bucket_name)
    assert rule.existing_object_replication is None
    if rule.id is not None:
        assert 1 <= len(rule.id) <= 255
        assert_xml_safe(rule.id)
    if destination.access_control_translation is not None:
        assert destination.account is not None
    assert destination.storage_class is not StorageClass.FSX_OPENZFS
    criteria = rule.source_selection_criteria
    if criteria is not None:
        # never empty; R-042: SseKmsEncryptedObjects (any status) needs a key.
        assert (criteria.sse_kms_encrypted_objects, criteria.replica_modifications) != (None, None)
        if criteria.sse_kms_encrypted_objects is not None:
            assert destination.encryption_configuration is not None
            assert destination.encryption_configuration.replica_kms_key_id
    if rule.filter is not None and not not_or:
        assert not rule.filter.uses_not


def check_v2_rule(rule: ReplicationRule, *, not_or: bool) -> None:
    """V2 invariants: Filter, Priority, DeleteMarkerReplication, tag and RTC rules."""
    check_rule(rule, not_or=not_or)
    assert rule.filter is not None
    assert rule.prefix is None
    assert rule.priority is not None
    assert rule.delete_marker_replication is not None
    if rule.filter.mentions_tags:
        assert rule.delete_marker_replication is Status.DISABLED
    rtc, metrics = rule.destination.replication_time, rule.destination.metrics
    if rtc is not None:
        assert metrics is not None
        assert rtc.minutes == 15
    if metrics is not None and metrics.event_threshold_minutes is not None:
        assert rtc is not None
        assert rtc.status is Status.ENABLED
        assert metrics.event_threshold_minutes == 15


def check_v1_rule(rule: ReplicationRule) -> None:
    """V1 invariants: a rule-level prefix and none of the V2-only elements (R-035)."""
    check_rule(rule, not_or=False)
    assert rule.filter is None
    assert rule.prefix is not None
    assert rule.priority is None
    assert rule.delete_marker_replication is None
    assert rule.destination.replication_time is None
    assert rule.destination.metrics is None
    criteria = rule.source_selection_criteria
    assert criteria is None or criteria.replica_modifications is None


def check_configuration(config: ReplicationConfiguration, *, not_or: bool) -> None:
    """Whole-configuration invariants (R-020, R-036, R-037, R-043, R-044)."""
    assert 1 <= len(config.rules) <= 1000
    assert config.role.startswith("arn:aws:iam::")
    ids = [rule.id for rule in config.rules if rule.id is not None]
    assert len(ids) == len(set(ids))
    if config.schema_version is SchemaVersion.V2:
        for rule in config.rules:
            check_v2_rule(rule, not_or=not_or)
        priorities = [rule.priority for rule in config.rules]
        assert len(priorities) == len(set(priorities))
        return
    for rule in config.rules:
        check_v1_rule(rule)
    assert len({rule.destination.bucket for rule in config.rules}) == 1
    prefixes = [rule.key_prefix for rule in config.rules]
    for i, first in enumerate(prefixes):
        for second in prefixes[i + 1 :]:
            assert not first.startswith(second)
            assert not second.startswith(first)


# --------------------------------------------------------------------------- names and tags


@given(bucket_names())
def test_bucket_names_follow_s3_naming_rules(name: str) -> None:
    """Every generated bucket name passes the S3 naming rules, so its ARN is valid (R-047)."""
    assert check_bucket_name(name) == name
    assert set(name) <= set(string.ascii_lowercase + string.digits + "-")


@pytest.mark.parametrize("name", ["xn--abc", "sthree-a", "abc-s3alias", "a--x-s3"])
def test_reserved_bucket_names_are_filtered_out(name: str) -> None:
    """Names the character pattern allows but S3 reserves are filtered out (R-047)."""
    from s3repl.testing.strategies import _valid_bucket_name

    assert not _valid_bucket_name(name)


@given(account_ids())
def test_account_ids_are_twelve_digits(account: str) -> None:
    """Account ids are 12 digits, as ``Destination.Account`` needs (R-025, R-041)."""
    assert len(account) == 12
    assert account.isdigit()
    assert account.isascii()


@given(object_keys())
def test_object_keys_are_valid_and_xml_safe(key: str) -> None:
    """Object keys are 1 to 1024 bytes of UTF-8 and XML can carry them (R-060)."""
    assert check_object_key(key) == key
    assert_xml_safe(key)


@given(object_keys(prefixes=["Tax/", "logs/2024/"]))
def test_object_keys_start_with_a_given_prefix(key: str) -> None:
    """With ``prefixes``, every key starts with one of them, so rules match it (R-060)."""
    assert key.startswith(("Tax/", "logs/2024/"))
    assert len(key) > len("Tax/")
    check_object_key(key)


@given(tag_sets())
def test_tag_sets_respect_object_tag_limits(tag_set: dict[str, str]) -> None:
    """Tag sets hold at most 10 tags, valid keys and values, no reserved ``aws:`` keys (R-024)."""
    assert check_tags(tag_set) == tag_set
    assert not any(key.lower().startswith("aws:") for key in tag_set)


@given(tags())
def test_filter_tags_respect_tag_limits(tag: Tag) -> None:
    """Filter tags have a key of 1 to 128 characters and a value of at most 256 (R-024)."""
    assert check_tags({tag.key: tag.value}) == {tag.key: tag.value}


# --------------------------------------------------------------------------- filters and rules


@given(filters())
def test_filters_without_not_or(filter_: Filter) -> None:
    """By default filters never use ``Not``/``Or``; ``And`` joins two conditions or more (R-022)."""
    assert not filter_.uses_not
    if filter_.and_ is not None:
        conditions = len(filter_.and_.tags) + (filter_.and_.prefix is not None)
        assert conditions >= 2


def test_not_or_filters_are_reachable_when_asked() -> None:
    """``not_or=True`` yields ``Not`` with ``Or``, at the top and in ``And`` (R-022, R-069)."""
    top = find(
        filters(not_or=True),
        lambda f: f.not_ is not None and f.not_.or_ is not None,
        settings=SEARCH,
    )
    assert top.not_ is not None
    assert top.not_.or_ is not None
    assert len(top.not_.or_.prefixes) + len(top.not_.or_.tags) >= 2
    nested = find(
        filters(not_or=True),
        lambda f: f.and_ is not None and f.and_.not_ is not None,
        settings=SEARCH,
    )
    assert nested.uses_not


@given(destinations(buckets=st.just("dst-bucket")))
def test_destinations_use_the_given_buckets(destination: Destination) -> None:
    """Destinations name the given bucket's ARN; owner override only with Account (R-041)."""
    assert destination.bucket == "arn:aws:s3:::dst-bucket"
    assert destination.encryption_configuration is None
    if destination.access_control_translation is not None:
        assert destination.account is not None


@given(replication_rules())
def test_v2_rules_are_valid_alone(rule: ReplicationRule) -> None:
    """V2 rules carry Priority and DeleteMarkerReplication, Disabled with tags (R-033, R-040)."""
    check_v2_rule(rule, not_or=False)


@given(replication_rules(schema="V1", destinations=destinations(buckets=st.just("dst-bucket"))))
def test_v1_rules_are_valid_alone(rule: ReplicationRule) -> None:
    """V1 rules carry a rule-level prefix and no V2-only element (R-032, R-035)."""
    check_v1_rule(rule)
    assert rule.destination.bucket_name == "dst-bucket"


# --------------------------------------------------------------------------- configurations


@given(replication_configurations())
def test_configurations_are_structurally_valid(config: ReplicationConfiguration) -> None:
    """Configurations meet every section-2 rule the strategies promise (R-020..R-044)."""
    check_configuration(config, not_or=False)


@given(replication_configurations(not_or=True, schema="V2"))
def test_not_or_configurations_are_structurally_valid(config: ReplicationConfiguration) -> None:
    """With ``not_or=True`` the configurations stay valid V2 (R-022, R-040, R-069)."""
    assert config.schema_version is SchemaVersion.V2
    check_configuration(config, not_or=True)


@given(replication_configurations(schema=SchemaVersion.V1))
def test_v1_configurations_share_one_destination(config: ReplicationConfiguration) -> None:
    """V1 configurations name one destination and non-overlapping prefixes (R-036, R-037)."""
    assert config.schema_version is SchemaVersion.V1
    check_configuration(config, not_or=False)


def test_both_schema_versions_are_reachable() -> None:
    """``schema=None`` draws V1 and V2 configurations, with several rules (R-032)."""
    for version in SchemaVersion:

        def wanted(config: ReplicationConfiguration, version: SchemaVersion = version) -> bool:
            return config.schema_version is version and len(config.rules) >= 2

        found = find(replication_configurations(), wanted, settings=SEARCH)
        assert found.schema_version is version


def minimal_example(strategy: st.SearchStrategy[ReplicationConfiguration]) -> object:
    """The example Hypothesis shrinks a test that always fails to."""
    seen: list[object] = []

    @settings(database=None, phases=[Phase.generate, Phase.shrink])
    @given(strategy)
    def always_fails(value: object) -> None:
        seen.append(value)
        raise AssertionError

    with pytest.raises(AssertionError):
        always_fails()
    return seen[-1]  # the shrunk example is replayed last


MINIMAL_ROLE = "arn:aws:iam::000000000000:role/0"
MINIMAL_DESTINATION = Destination(bucket="arn:aws:s3:::a0a")


MINIMAL_V2 = ReplicationConfiguration(
    role=MINIMAL_ROLE,
    rules=[
        ReplicationRule(
            destination=MINIMAL_DESTINATION,
            status=Status.ENABLED,
            priority=0,
            filter=Filter(),
            delete_marker_replication=Status.ENABLED,
        )
    ],
)
MINIMAL_V1 = ReplicationConfiguration(
    role=MINIMAL_ROLE,
    rules=[ReplicationRule(destination=MINIMAL_DESTINATION, status=Status.ENABLED, prefix="")],
)


def test_v2_configurations_shrink_to_a_readable_minimum() -> None:
    """An unrelated failure shrinks to one enabled V2 rule with an empty filter (R-023)."""
    assert minimal_example(replication_configurations(schema="V2")) == MINIMAL_V2


def test_v1_configurations_shrink_to_a_readable_minimum() -> None:
    """An unrelated V1 failure shrinks to one enabled rule with prefix ``""`` (R-032, R-060)."""
    assert minimal_example(replication_configurations(schema="V1")) == MINIMAL_V1


def test_configurations_shrink_to_one_of_the_two_minima() -> None:
    """Across schemas an unrelated failure shrinks to the V1 or the V2 minimum (R-032)."""
    assert minimal_example(replication_configurations()) in (MINIMAL_V1, MINIMAL_V2)


@pytest.mark.parametrize("make", [replication_rules, replication_configurations])
def test_unknown_schema_is_invalid_argument(make: object) -> None:
    """An unknown ``schema`` is Hypothesis's ``InvalidArgument``, raised at once (R-032)."""
    with pytest.raises(InvalidArgument):
        make(schema="V3")  # type: ignore[operator]
