"""policy.py as tables: rule matching, the winning rule, and status aggregation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3repl import Engine, policy
from s3repl.model import (
    AndOperator,
    Destination,
    Filter,
    FrozenMap,
    NotOperator,
    OrOperator,
    ReplicationConfiguration,
    ReplicationRule,
    ReplicationStatus,
    SourceSelectionCriteria,
    Tag,
)

P, C, F, R = (
    ReplicationStatus.PENDING,
    ReplicationStatus.COMPLETED,
    ReplicationStatus.FAILED,
    ReplicationStatus.REPLICA,
)


def v2(
    flt: Filter,
    *,
    dest: str = "dst",
    priority: int = 1,
    rule_id: str = "r",
    status: str = "Enabled",
    kms: bool = False,
) -> ReplicationRule:
    """A V2 rule with the given filter."""
    return ReplicationRule(
        id=rule_id,
        priority=priority,
        status=status,
        filter=flt,
        delete_marker_replication="Disabled",
        destination=Destination(bucket=f"arn:aws:s3:::{dest}"),
        source_selection_criteria=SourceSelectionCriteria(sse_kms_encrypted_objects="Enabled")
        if kms
        else None,
    )


T_A1 = Tag(key="a", value="1")
T_B2 = Tag(key="b", value="2")

# (filter, key, tags, matches, requirement)
FILTER_TABLE = [
    (Filter(), "anything", {}, True, "R-023 empty filter selects all"),
    (Filter(prefix=""), "anything", {}, True, "R-023 empty prefix selects all"),
    (Filter(prefix="Tax"), "Tax/document1", {}, True, "R-060 prefix"),
    (Filter(prefix="Tax"), "document3", {}, False, "R-060 prefix"),
    (Filter(prefix="Tax/"), "tax/x", {}, False, "R-060 case-sensitive"),
    (Filter(prefix="logs/"), "app/logs/x", {}, False, "R-060 a prefix, not a substring"),
    (Filter(prefix="logs/"), "logs", {}, False, "R-060 the key must be at least the prefix"),
    (
        Filter(and_=AndOperator(prefix="p/", tags=(T_A1,))),
        "x/p/y",
        {"a": "1"},
        False,
        "R-060 And prefix, not a substring",
    ),
    (
        Filter(not_=NotOperator(prefix="tmp/")),
        "a/tmp/x",
        {},
        True,
        "R-069 Not prefix, not substring",
    ),
    (
        Filter(not_=NotOperator(or_=OrOperator(prefixes=("x/",), tags=(T_B2,)))),
        "a/x/1",
        {},
        True,
        "R-069 Or prefix, not a substring",
    ),
    (Filter(tag=T_A1), "k", {"a": "1", "z": "9"}, True, "R-061 extra tags allowed"),
    (Filter(tag=T_A1), "k", {"a": "2"}, False, "R-061 exact value"),
    (
        Filter(and_=AndOperator(prefix="p/", tags=(T_A1, T_B2))),
        "p/x",
        {"a": "1", "b": "2"},
        True,
        "R-061 And",
    ),
    (
        Filter(and_=AndOperator(prefix="p/", tags=(T_A1, T_B2))),
        "p/x",
        {"a": "1"},
        False,
        "R-061 And",
    ),
    (Filter(and_=AndOperator(prefix="p/", tags=(T_A1,))), "q/x", {"a": "1"}, False, "R-061 And"),
    (Filter(not_=NotOperator(prefix="tmp/")), "tmp/x", {}, False, "R-069 Not prefix"),
    (Filter(not_=NotOperator(prefix="tmp/")), "logs/x", {}, True, "R-069 Not prefix"),
    (Filter(not_=NotOperator(tag=T_A1)), "k", {"a": "1"}, False, "R-069 Not tag"),
    (
        Filter(not_=NotOperator(or_=OrOperator(prefixes=("x/", "y/"), tags=(T_B2,)))),
        "y/1",
        {},
        False,
        "R-069 Or member excludes",
    ),
    (
        Filter(not_=NotOperator(or_=OrOperator(prefixes=("x/",), tags=(T_B2,)))),
        "k",
        {"b": "2"},
        False,
        "R-069 Or tag excludes",
    ),
    (
        Filter(not_=NotOperator(or_=OrOperator(prefixes=("x/",), tags=(T_B2,)))),
        "k",
        {"b": "3"},
        True,
        "R-069 nothing excluded",
    ),
    (
        Filter(and_=AndOperator(prefix="logs/", not_=NotOperator(prefix="logs/tmp/"))),
        "logs/tmp/1",
        {},
        False,
        "R-069 And with Not",
    ),
]


@pytest.mark.parametrize(("flt", "key", "tags", "expected", "req"), FILTER_TABLE)
def test_filter_table(
    flt: Filter, key: str, tags: dict[str, str], *, expected: bool, req: str
) -> None:
    """R-023, R-060, R-061, R-069: each row states whether a filter selects an object."""
    assert policy.filter_matches(flt, key, FrozenMap(tags)) is expected, req


def test_v1_prefix_rule() -> None:
    """R-060: a V1 rule matches by its rule-level prefix."""
    rule = ReplicationRule(
        prefix="a/", status="Enabled", destination=Destination(bucket="arn:aws:s3:::d")
    )
    assert policy.rule_matches(rule, "a/x", FrozenMap())
    assert not policy.rule_matches(rule, "b/x", FrozenMap())
    assert not policy.rule_matches(rule, "b/a/x", FrozenMap())  # a prefix, not a substring


def test_a_prefix_rule_routes_only_keys_that_start_with_it() -> None:
    """R-060: through the engine, ``Prefix="logs/"`` replicates ``logs/x`` and not
    ``app/logs/x`` (the prefix is never matched as a substring)."""
    engine = Engine(seed=1)
    engine.create_bucket("src", versioning=True)
    engine.create_bucket("dst", versioning=True)
    engine.create_role("arn:aws:iam::123456789012:role/r")
    engine.put_bucket_replication(
        "src",
        {
            "Role": "arn:aws:iam::123456789012:role/r",
            "Rules": [
                {
                    "ID": "logs",
                    "Priority": 1,
                    "Status": "Enabled",
                    "Filter": {"Prefix": "logs/"},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {"Bucket": "arn:aws:s3:::dst"},
                }
            ],
        },
    )
    assert engine.put_object("src", "logs/x").replication_status is ReplicationStatus.PENDING
    assert engine.put_object("src", "app/logs/x").replication_status is None
    assert [task.key for task in engine.pending()] == ["logs/x"]


def config(*rules: ReplicationRule) -> ReplicationConfiguration:
    """A configuration of the given rules."""
    return ReplicationConfiguration(role="arn:aws:iam::123456789012:role/r", rules=rules)


def winners(cfg: ReplicationConfiguration, key: str = "k", *, kms: bool = False) -> dict[str, str]:
    """Destination -> winning rule id."""
    return {
        r.destination_bucket: r.rule_id
        for r in policy.winning_rules(cfg, key, FrozenMap(), kms_encrypted=kms)
    }


def test_highest_priority_wins_per_destination() -> None:
    """R-063, R-064: per destination the highest priority wins; other destinations too."""
    cfg = config(
        v2(Filter(), rule_id="low", priority=1),
        v2(Filter(), rule_id="high", priority=5),
        v2(Filter(), rule_id="other", priority=3, dest="d2"),
    )
    assert winners(cfg) == {"dst": "high", "d2": "other"}


def test_disabled_rules_do_not_shadow() -> None:
    """R-065: a disabled higher-priority rule neither replicates nor shadows."""
    cfg = config(
        v2(Filter(), rule_id="on", priority=1),
        v2(Filter(), rule_id="off", priority=9, status="Disabled"),
    )
    assert winners(cfg) == {"dst": "on"}


def test_ties_go_to_the_first_rule() -> None:
    """R-066 [INF]: equal priorities on one destination resolve to the earlier rule."""
    cfg = config(v2(Filter(), rule_id="first"), v2(Filter(), rule_id="second"))
    assert winners(cfg) == {"dst": "first"}


def test_kms_objects_only_under_opted_in_rules() -> None:
    """R-067: for an SSE-KMS object only rules with the opt-in count, even if lower priority."""
    cfg = config(
        v2(Filter(), rule_id="plain", priority=9),
        v2(Filter(), rule_id="kms", priority=1, kms=True),
    )
    assert winners(cfg, kms=True) == {"dst": "kms"}
    assert winners(cfg, kms=False) == {"dst": "plain"}


AGGREGATE_TABLE = [
    ({"a": C}, C),
    ({"a": P}, P),
    ({"a": C, "b": P}, P),
    ({"a": C, "b": C}, C),
    ({"a": C, "b": F}, F),
    ({"a": P, "b": F}, F),  # R-123 [INF]: a failure shows at once, even while others pend
]


@pytest.mark.parametrize(("statuses", "expected"), AGGREGATE_TABLE)
def test_aggregate_status(
    statuses: dict[str, ReplicationStatus], expected: ReplicationStatus
) -> None:
    """R-123: the source's header over its destinations."""
    assert policy.aggregate_status(statuses) is expected


@given(st.dictionaries(st.sampled_from("abcd"), st.sampled_from([P, C, F]), min_size=1))
def test_aggregate_is_completed_only_when_all_completed(
    statuses: dict[str, ReplicationStatus],
) -> None:
    """R-123: COMPLETED exactly when every destination completed."""
    aggregate = policy.aggregate_status(statuses)
    assert (aggregate is C) == all(s is C for s in statuses.values())
    assert (aggregate is F) == any(s is F for s in statuses.values())


@pytest.mark.parametrize(
    ("status", "may"), [(None, True), (P, False), (C, True), (F, True), (R, True)]
)
def test_lifecycle_waits_for_pending(status: ReplicationStatus | None, *, may: bool) -> None:
    """R-125: lifecycle actions wait while a version is PENDING."""
    import datetime as dt

    from s3repl.model import ObjectVersion

    version = ObjectVersion(
        key="k",
        version_id="v",
        last_modified=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        etag='"9dd4e461268c8034f5c8564e155c67a6"',
        size=0,
        owner="123456789012",
        replication_status=status,
    )
    assert policy.lifecycle_may_expire(version) is may


@pytest.mark.parametrize(
    ("statuses", "replica_sync", "expected"),
    [
        ({"a": C}, False, C),
        ({"a": C}, True, R),  # a replica is REPLICA again once its sync is done
        ({"a": P}, True, P),
        ({"a": F}, True, F),
    ],
)
def test_status_after(
    statuses: dict[str, ReplicationStatus], *, replica_sync: bool, expected: ReplicationStatus
) -> None:
    """R-122, R-123: the header after an outcome, for sources and for syncing replicas."""
    assert policy.status_after(statuses, replica_sync=replica_sync) is expected


def test_which_outcomes_change_status() -> None:
    """R-124 [INF]: objects, markers and replica syncs record their outcome in the status;
    a source's metadata operations do not."""
    from s3repl.model import ReplicationTask

    def task(kind: str, *, sync: bool = False) -> ReplicationTask:
        return ReplicationTask(
            source_bucket="src",
            destination_bucket="dst",
            key="k",
            version_id="v",
            rule_id="r",
            kind=kind,
            replica_modification=sync,
        )

    assert policy.outcome_changes_status(task("object"))
    assert policy.outcome_changes_status(task("delete_marker"))
    assert not policy.outcome_changes_status(task("metadata"))
    assert policy.outcome_changes_status(task("metadata", sync=True))
    assert policy.rtc_applies(None, task("object")) is False
    assert policy.sends_failure_events(None) is False


def test_explain_routing_gives_each_rule_its_standing() -> None:
    """R-060, R-063, R-065, R-067: explain_routing labels every rule, in document order,
    as winner, disabled, not matching, without the SSE-KMS opt-in, or outranked."""
    cfg = config(
        v2(Filter(prefix="a/"), rule_id="low", priority=1),
        v2(Filter(prefix="a/"), rule_id="high", priority=5, kms=True),
        v2(Filter(prefix="a/"), rule_id="off", priority=9, status="Disabled"),
        v2(Filter(prefix="b/"), rule_id="other", priority=7),
        v2(Filter(prefix="a/"), rule_id="plain", priority=3, dest="d2"),
    )
    standings = {
        rule.id: standing
        for rule, standing in policy.explain_routing(cfg, "a/x", FrozenMap(), kms_encrypted=True)
    }
    assert standings == {
        "low": policy.Standing.NO_KMS_OPT_IN,
        "high": policy.Standing.WINS,
        "off": policy.Standing.DISABLED,
        "other": policy.Standing.NO_MATCH,
        "plain": policy.Standing.NO_KMS_OPT_IN,
    }
    plain = {
        rule.id: standing for rule, standing in policy.explain_routing(cfg, "a/x", FrozenMap())
    }
    assert plain["low"] is policy.Standing.OUTRANKED
    assert plain["plain"] is policy.Standing.WINS


def test_created_statuses_pend_on_every_destination_routed() -> None:
    """R-121, R-124: a version routed to destinations starts PENDING on each of them;
    one routed nowhere carries no replication status at all."""
    cfg = config(v2(Filter(), dest="east", rule_id="e"), v2(Filter(), dest="west", rule_id="w"))
    routes = policy.winning_rules(cfg, "k", FrozenMap())
    header, statuses = policy.created_statuses(routes)
    assert header is ReplicationStatus.PENDING
    assert dict(statuses) == {
        "east": ReplicationStatus.PENDING,
        "west": ReplicationStatus.PENDING,
    }
    assert policy.created_statuses(()) == (None, FrozenMap())
