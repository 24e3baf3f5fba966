"""Tests of s3repl.validate.validate_replication: PutBucketReplication's checks (SPEC 2, 11.1).

The SPEC 11.1 vectors live as data with provenance in ``tests/vectors/configuration_api.toml``;
this module builds each vector's world and configuration (``VECTOR_INPUTS``) and checks
the first problem against the vector.  The remaining tests pin down each requirement,
the check order (R-055), the profile switches in both positions, and ``Problem`` itself.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3repl import iam
from s3repl.errors import (
    InvalidArgument,
    InvalidRequest,
    MalformedXML,
    NoSuchBucket,
)
from s3repl.model import (
    AccessControlTranslation,
    AndOperator,
    Bucket,
    Destination,
    EncryptionConfiguration,
    Filter,
    FrozenMap,
    Metrics,
    NotOperator,
    OrOperator,
    ReplicationConfiguration,
    ReplicationRule,
    ReplicationTime,
    SourceSelectionCriteria,
    Status,
    StorageClass,
    Tag,
)
from s3repl.profile import Profile
from s3repl.testing import strategies
from s3repl.validate import (
    DESTINATION_VERSIONING_MESSAGE,
    OBJECT_LOCK_TOKEN_MESSAGE,
    REPLICATION_RULES_MAX,
    RULE_ID_LENGTH_MAX,
    SOURCE_VERSIONING_MESSAGE,
    VERSIONING_LOCKED_MESSAGE,
    Problem,
    validate_replication,
)
from s3repl.world import Account, Role, World

VECTORS_FILE = Path(__file__).parent / "vectors" / "configuration_api.toml"
VECTORS: dict[str, dict[str, Any]] = {
    v["id"]: v for v in tomllib.loads(VECTORS_FILE.read_text(encoding="utf-8"))["vector"]
}

OWNER = "123456789012"
OTHER = "210987654321"
ROLE = f"arn:aws:iam::{OWNER}:role/repl"
SCHEMA_SUFFIX = " Please refer to S3 Developer Guide for more information."
MALFORMED = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)


# --- a small world builder ----------------------------------------------------------------


def bucket(
    name: str,
    *,
    owner: str = OWNER,
    region: str = "us-east-1",
    versioning: str = "Enabled",
    lock: bool = False,
    requester_pays: bool = False,
) -> Bucket:
    return Bucket(
        name=name,
        owner=owner,
        region=region,
        versioning=versioning,
        object_lock_enabled=lock,
        requester_pays=requester_pays,
    )


def make_world(
    *buckets: Bucket,
    profile: Profile | None = None,
    accounts: tuple[Account, ...] = (),
) -> World:
    """A world holding ``buckets`` (default: versioned src, dst, dst2, dst3) and the role."""
    if not buckets:
        buckets = (bucket("src"), bucket("dst"), bucket("dst2"), bucket("dst3"))
    role = Role(
        arn=ROLE,
        policy=iam.allow_all_replication_policy(),
        trust_policy=iam.s3_trust_policy(),
    )
    return World(
        profile=profile or Profile.aws(),
        accounts=FrozenMap({a.id: a for a in (Account(id=OWNER), *accounts)}),
        buckets=FrozenMap({b.name: b for b in buckets}),
        roles=FrozenMap({ROLE: role}),
    )


def dest(name: str = "dst", **kwargs: Any) -> Destination:
    return Destination(bucket=f"arn:aws:s3:::{name}", **kwargs)


def v2(to: str = "dst", **kwargs: Any) -> ReplicationRule:
    """A V2 rule (SPEC 11 notation): ID, Enabled, Priority 1, Filter {}, markers Disabled."""
    fields: dict[str, Any] = {
        "id": "rule-1",
        "status": Status.ENABLED,
        "priority": 1,
        "filter": Filter(),
        "delete_marker_replication": Status.DISABLED,
        "destination": dest(to),
    }
    fields.update(kwargs)
    return ReplicationRule(**fields)


def v1(to: str = "dst", prefix: str = "", **kwargs: Any) -> ReplicationRule:
    """A V1 rule: rule-level Prefix, no Filter, no Priority, no DeleteMarkerReplication."""
    fields: dict[str, Any] = {
        "id": "rule-1",
        "status": Status.ENABLED,
        "prefix": prefix,
        "destination": dest(to),
    }
    fields.update(kwargs)
    return ReplicationRule(**fields)


def config(*rules: ReplicationRule, role: str = ROLE) -> ReplicationConfiguration:
    return ReplicationConfiguration(role=role, rules=rules)


def validate(
    cfg: ReplicationConfiguration, world: World | None = None, **kwargs: Any
) -> tuple[Problem, ...]:
    return validate_replication(world or make_world(), "src", cfg, **kwargs)


def codes(problems: tuple[Problem, ...]) -> list[tuple[str, str]]:
    return [(p.requirement, p.code) for p in problems]


RTC_15 = ReplicationTime(status=Status.ENABLED, minutes=15)
METRICS_15 = Metrics(status=Status.ENABLED, event_threshold_minutes=15)
TAG = Tag(key="k", value="v")


# --- SPEC 11.1 vectors --------------------------------------------------------------------

VectorInput = tuple[World, ReplicationConfiguration, dict[str, Any]]


def _t03() -> VectorInput:
    return make_world(bucket("src", versioning="Unversioned"), bucket("dst")), config(v2()), {}


def _t04() -> VectorInput:
    return make_world(bucket("src", versioning="Suspended"), bucket("dst")), config(v2()), {}


def _t06() -> VectorInput:
    return make_world(), config(v2("does-not-exist")), {}


def _t07() -> VectorInput:
    world = make_world(bucket("src"), bucket("dst", versioning="Unversioned"))
    return world, config(v2()), {}


def _t08() -> VectorInput:
    return make_world(), config(v2("does-not-exist", status=Status.DISABLED)), {}


def _t09() -> VectorInput:
    rule = v2(
        priority=0,
        status=Status.DISABLED,
        destination=dest(
            storage_class=StorageClass.STANDARD, replication_time=RTC_15, metrics=METRICS_15
        ),
    )
    return make_world(), config(rule), {}


def _t10() -> VectorInput:
    return make_world(), config(v2(id=None)), {}


def _t11() -> VectorInput:
    return make_world(), config(v2(filter=Filter(prefix="Tax"), delete_marker_replication=None)), {}


def _t12() -> VectorInput:
    return make_world(), config(v2(priority=None)), {}


def _t13() -> VectorInput:
    return make_world(), config(v1(delete_marker_replication=Status.DISABLED)), {}


def _t14() -> VectorInput:
    return make_world(), config(v1(priority=1)), {}


def _t15() -> VectorInput:
    return make_world(), config(v1("dst", "a/", id="a"), v1("dst2", "b/", id="b")), {}


def _t16() -> VectorInput:
    rules = (v1(prefix="TaxDocs", id="a"), v1(prefix="TaxDocs/2015", id="b"))
    return make_world(), config(*rules), {}


def _t17() -> VectorInput:
    return make_world(), config(v2(destination=dest(metrics=METRICS_15))), {}


def _t18() -> VectorInput:
    return make_world(), config(v2(destination=dest(metrics=Metrics(status=Status.ENABLED)))), {}


def _t19() -> VectorInput:
    return make_world(), config(v2(destination=dest(replication_time=RTC_15))), {}


def _t20() -> VectorInput:
    rtc = ReplicationTime(status=Status.ENABLED, minutes=10)
    return make_world(), config(v2(destination=dest(replication_time=rtc, metrics=METRICS_15))), {}


def _t21() -> VectorInput:
    return make_world(), config(v2(source_selection_criteria=SourceSelectionCriteria())), {}


def _t22() -> VectorInput:
    return make_world(), config(v2(existing_object_replication=Status.ENABLED)), {}


def _t23() -> VectorInput:
    rule = v2(filter=Filter(tag=TAG), delete_marker_replication=Status.ENABLED)
    return make_world(), config(rule), {}


def _t24() -> VectorInput:
    return make_world(), config(v2(filter=Filter(tag=TAG))), {}


def _t25() -> VectorInput:
    act = AccessControlTranslation()
    return make_world(), config(v2(destination=dest(access_control_translation=act))), {}


def _t26() -> VectorInput:
    act = AccessControlTranslation()
    rule = v2(destination=dest(access_control_translation=act, account=OWNER))
    return make_world(), config(rule), {}


def _t27() -> VectorInput:
    ssc = SourceSelectionCriteria(sse_kms_encrypted_objects=Status.ENABLED)
    return make_world(), config(v2(source_selection_criteria=ssc)), {}


def _t29() -> VectorInput:
    rules = (
        v2("dst", id="a", priority=1, destination=dest("dst", storage_class="STANDARD")),
        v2("dst2", id="b", priority=2, destination=dest("dst2", storage_class="STANDARD_IA")),
        v2(
            "dst3",
            id="c",
            priority=3,
            status=Status.DISABLED,
            destination=dest("dst3", storage_class="ONEZONE_IA"),
        ),
    )
    return make_world(), config(*rules), {}


def _t30() -> VectorInput:
    prefix1 = Filter(prefix="prefix1")
    rules = (v2("dst", id="a", filter=prefix1), v2("dst2", id="b", priority=2, filter=prefix1))
    return make_world(), config(*rules), {}


def _t31() -> VectorInput:
    rules = tuple(v2(id=f"r{i}", priority=i) for i in range(REPLICATION_RULES_MAX + 1))
    return make_world(), config(*rules), {}


def _t32() -> VectorInput:
    return make_world(), config(v2(id="x" * (RULE_ID_LENGTH_MAX + 1))), {}


def _t36() -> VectorInput:
    profile = Profile.aws().evolve(object_lock_replication_requires_token=True)
    world = make_world(bucket("src", lock=True), bucket("dst", lock=True), profile=profile)
    return world, config(v2()), {}


def _t37() -> VectorInput:
    rules = (
        v2(id="a", filter=Filter(prefix="Tax/")),
        v2(id="b", filter=Filter(prefix="Tax/2024/")),
    )
    return make_world(), config(*rules), {}


#: The input of every SPEC 11.1 vector of level "validate".
VECTOR_INPUTS: dict[str, Callable[[], VectorInput]] = {
    "T-03": _t03,
    "T-04": _t04,
    "T-06": _t06,
    "T-07": _t07,
    "T-08": _t08,
    "T-09": _t09,
    "T-10": _t10,
    "T-11": _t11,
    "T-12": _t12,
    "T-13": _t13,
    "T-14": _t14,
    "T-15": _t15,
    "T-16": _t16,
    "T-17": _t17,
    "T-18": _t18,
    "T-19": _t19,
    "T-20": _t20,
    "T-21": _t21,
    "T-22": _t22,
    "T-23": _t23,
    "T-24": _t24,
    "T-25": _t25,
    "T-26": _t26,
    "T-27": _t27,
    "T-29": _t29,
    "T-30": _t30,
    "T-31": _t31,
    "T-32": _t32,
    "T-36": _t36,
    "T-37": _t37,
}


def test_vector_file_lists_every_spec_vector_once() -> None:
    """The vector file holds T-01..T-37 of SPEC 11.1, each with requirements, grade and source."""
    assert sorted(VECTORS) == [f"T-{n:02d}" for n in range(1, 38)]
    for vector in VECTORS.values():
        assert vector["requirements"], vector["id"]
        assert vector["grade"], vector["id"]
        assert vector["source"], vector["id"]
        assert vector["level"] in ("validate", "model", "requirements", "engine"), vector["id"]


def test_every_validate_vector_has_an_input() -> None:
    """Each vector of level "validate" is built here, and nothing else is (SPEC 11.1)."""
    wanted = sorted(k for k, v in VECTORS.items() if v["level"] == "validate")
    assert sorted(VECTOR_INPUTS) == wanted


def test_observed_text_is_a_prefix_of_what_s3repl_sends() -> None:
    """Where AWS was seen sending a prefix (T-11, T-12, T-14), our message extends it exactly."""
    for vector in VECTORS.values():
        if "observed" in vector:
            assert vector["message"].startswith(vector["observed"]), vector["id"]


@pytest.mark.parametrize("vector_id", sorted(VECTOR_INPUTS))
def test_configuration_api_vector(vector_id: str) -> None:
    """SPEC 11.1 vectors: the first problem is the vector's code, status and message (R-055)."""
    vector = VECTORS[vector_id]
    world, cfg, kwargs = VECTOR_INPUTS[vector_id]()
    problems = validate_replication(world, "src", cfg, **kwargs)
    if vector["match"] == "none":
        assert problems == ()
        return
    first = problems[0]
    assert first.code == vector["code"]
    assert first.http_status == vector["http_status"]
    assert set(vector["requirements"]) & {first.requirement}
    if vector["match"] == "exact":
        assert first.message == vector["message"]
    else:
        assert first.message.startswith(vector.get("observed", vector["message"]))
        assert first.message == vector["message"]
    error = first.to_error()
    assert error.code == vector["code"]
    assert error.message == vector["message"]


def test_t05_empty_rules_are_refused_by_the_model() -> None:
    """T-05 / R-045: ``Rules: []`` is a schema violation (``MalformedXML``) before validation."""
    with pytest.raises(MalformedXML) as caught:
        config()
    assert caught.value.http_status == VECTORS["T-05"]["http_status"]
    assert caught.value.message.startswith(VECTORS["T-05"]["message"])


def test_t33_lower_case_status_is_refused_by_the_model() -> None:
    """T-33 / R-045: ``Status: enabled`` is not an enum value (``ValueError``, the model's)."""
    with pytest.raises(ValueError, match="enabled"):
        v2(status="enabled")


def test_t35_versioning_locked_message_is_aws_text() -> None:
    """T-35 / R-004: the engine's message for a locked versioning state is AWS's, exactly."""
    assert VECTORS["T-35"]["message"] == VERSIONING_LOCKED_MESSAGE


def test_message_constants_are_the_vector_texts() -> None:
    """R-002, R-003, R-011: exported message constants equal the OBS texts of T-03, T-06, T-36."""
    assert VECTORS["T-03"]["message"] == SOURCE_VERSIONING_MESSAGE
    assert VECTORS["T-06"]["message"] == DESTINATION_VERSIONING_MESSAGE
    assert VECTORS["T-36"]["message"] == OBJECT_LOCK_TOKEN_MESSAGE


# --- the INF switches, both positions -------------------------------------------------------


def test_t22_existing_object_replication_switch() -> None:
    """T-22 / R-031: MalformedXML by default; allowed by ``allow_existing_object_replication``."""
    world, cfg, _ = _t22()
    assert codes(validate(cfg, world)) == [("R-031", "MalformedXML")]
    allowed = attrs.evolve(
        world, profile=world.profile.evolve(allow_existing_object_replication=True)
    )
    assert validate(cfg, allowed) == ()


def test_existing_object_replication_disabled_is_refused_too() -> None:
    """R-031 (INF): the element itself is unsupported, so ``Disabled`` is MalformedXML as well."""
    assert codes(validate(config(v2(existing_object_replication="Disabled")))) == [
        ("R-031", "MalformedXML")
    ]


def test_t36_object_lock_token_switch() -> None:
    """T-36 / R-011: under the switch a lock source needs the token; switch off -> accepted."""
    world, cfg, _ = _t36()
    assert [p.message for p in validate(cfg, world)] == [OBJECT_LOCK_TOKEN_MESSAGE]
    assert validate(cfg, world, token="token-from-support") == ()
    off = attrs.evolve(
        world, profile=world.profile.evolve(object_lock_replication_requires_token=False)
    )
    assert validate(cfg, off) == ()


def test_object_lock_token_not_needed_for_unlocked_source() -> None:
    """R-011: the token switch concerns only Object Lock sources."""
    profile = Profile.aws().evolve(object_lock_replication_requires_token=True)
    assert validate(config(v2()), make_world(profile=profile)) == ()


def test_t37_duplicate_priorities_switch() -> None:
    """T-37 / R-043, R-066: equal priorities refused by default; accepted with the switch off."""
    world, cfg, _ = _t37()
    problems = validate(cfg, world)
    assert codes(problems) == [("R-043", "InvalidRequest")]
    assert problems[0].rule_id == "b"
    assert problems[0].element == "ReplicationConfiguration/Rule[2]/Priority"
    off = attrs.evolve(world, profile=world.profile.evolve(reject_duplicate_priorities=False))
    assert validate(cfg, off) == ()


def test_duplicate_priorities_refused_whatever_the_rules_select() -> None:
    """R-043 (INF reading): any repeat counts: disjoint prefixes, other destinations, Disabled."""
    rules = (
        v2("dst", id="a", filter=Filter(prefix="a/")),
        v2("dst2", id="b", filter=Filter(prefix="b/"), status=Status.DISABLED),
        v2("dst3", id="c", priority=2),
        v2("dst3", id="d", priority=1),
    )
    problems = validate(config(*rules))
    assert [(p.rule_id, p.message) for p in problems] == [
        ("b", "Found duplicate priority 1."),
        ("d", "Found duplicate priority 1."),
    ]


def test_not_or_filters_switch() -> None:
    """R-022, R-069: a ``Not`` filter is MalformedXML unless ``enable_not_or_filters`` is on."""
    excluded = NotOperator(or_=OrOperator(prefixes=("tmp/",)))
    cfg = config(v2(filter=Filter(not_=excluded)))
    problems = validate(cfg)
    assert [(p.requirement, p.code, p.message) for p in problems] == [
        ("R-022", "MalformedXML", MALFORMED)
    ]
    assert problems[0].element == "ReplicationConfiguration/Rule[1]/Filter"
    on = make_world(profile=Profile.aws().evolve(enable_not_or_filters=True))
    assert validate(cfg, on) == ()


def test_not_inside_and_also_needs_the_switch() -> None:
    """R-022: ``And{Not}`` uses the new operator too."""
    flt = Filter(and_=AndOperator(prefix="a/", not_=NotOperator(prefix="a/tmp/")))
    assert codes(validate(config(v2(filter=flt)))) == [("R-022", "MalformedXML")]


def test_tag_inside_not_forbids_delete_marker_replication() -> None:
    """R-040: a tag inside ``Not``/``Or`` counts as a tag filter (switch on)."""
    flt = Filter(not_=NotOperator(or_=OrOperator(tags=(TAG,))))
    world = make_world(profile=Profile.aws().evolve(enable_not_or_filters=True))
    cfg = config(v2(filter=flt, delete_marker_replication=Status.ENABLED))
    assert codes(validate(cfg, world)) == [("R-040", "InvalidRequest")]


# --- R-176 strict switch -------------------------------------------------------------------

STRICT = Profile.aws().evolve(reject_unsupported_destination_at_put=True)


def test_opt_in_region_destination_accepted_by_default() -> None:
    """R-176 / R-001: by default a destination in a disabled opt-in Region is accepted at Put."""
    world = make_world(bucket("src"), bucket("dst", region="af-south-1"))
    assert validate(config(v2()), world) == ()


def test_opt_in_region_destination_refused_when_strict() -> None:
    """R-176 / R-001: strict profile: every owner/Region pair not enabled is a problem."""
    world = make_world(
        bucket("src"), bucket("dst", owner=OTHER, region="af-south-1"), profile=STRICT
    )
    problems = validate(config(v2()), world)
    assert [(p.requirement, p.code, p.message) for p in problems] == [
        ("R-176", "InvalidRequest", f"The Region af-south-1 is not enabled for account {OWNER}."),
        ("R-176", "InvalidRequest", f"The Region af-south-1 is not enabled for account {OTHER}."),
    ]


def test_opt_in_region_enabled_by_both_owners_passes_strict() -> None:
    """R-001: once both accounts enabled the Region, the strict profile accepts it."""
    accounts = (
        Account(id=OWNER, enabled_regions={"af-south-1"}),
        Account(id=OTHER, enabled_regions={"af-south-1"}),
    )
    world = make_world(
        bucket("src"),
        bucket("dst", owner=OTHER, region="af-south-1"),
        profile=STRICT,
        accounts=accounts,
    )
    assert validate(config(v2()), world) == ()


def test_source_region_not_enabled_is_refused_when_strict() -> None:
    """R-001: the source owner needs the source Region enabled too (strict profile)."""
    world = make_world(bucket("src", region="eu-south-1"), bucket("dst"), profile=STRICT)
    assert [p.message for p in validate(config(v2()), world)] == [
        f"The Region eu-south-1 is not enabled for account {OWNER}."
    ]


@pytest.mark.parametrize("profile", [Profile.aws(), STRICT], ids=["default", "strict"])
def test_requester_pays_cross_account_destination(profile: Profile) -> None:
    """R-176 / R-013: a cross-account Requester Pays destination is refused only when strict."""
    world = make_world(
        bucket("src"), bucket("dst", owner=OTHER, requester_pays=True), profile=profile
    )
    expected = (
        ["Destination bucket cannot be a Requester Pays bucket owned by another account."]
        if profile.reject_unsupported_destination_at_put
        else []
    )
    assert [p.message for p in validate(config(v2()), world)] == expected


def test_requester_pays_same_account_destination_passes_strict() -> None:
    """R-013: Requester Pays only matters across accounts."""
    world = make_world(bucket("src"), bucket("dst", requester_pays=True), profile=STRICT)
    assert validate(config(v2()), world) == ()


@pytest.mark.parametrize("profile", [Profile.aws(), STRICT], ids=["default", "strict"])
def test_unlocked_destination_for_locked_source(profile: Profile) -> None:
    """R-009 / R-176: an unlocked destination for a lock source is refused only when strict."""
    world = make_world(bucket("src", lock=True), bucket("dst"), profile=profile)
    expected = (
        [
            (
                "R-176",
                "Destination bucket must have Object Lock enabled when the source bucket has "
                "Object Lock enabled.",
            )
        ]
        if profile.reject_unsupported_destination_at_put
        else []
    )
    assert [(p.requirement, p.message) for p in validate(config(v2()), world)] == expected


def test_strict_checks_skip_missing_destinations() -> None:
    """R-003 covers a missing destination; the strict checks add nothing for it."""
    world = make_world(bucket("src", lock=True), profile=STRICT)
    assert codes(validate(config(v2()), world)) == [("R-003", "InvalidRequest")]


# --- R-050 -------------------------------------------------------------------


def test_missing_source_bucket_is_no_such_bucket() -> None:
    """R-050: a missing source bucket is NoSuchBucket, first (normally the engine's check)."""
    world = make_world(bucket("dst"))
    problems = validate(config(v2()), world)
    assert [(p.code, p.message, p.http_status) for p in problems] == [
        ("NoSuchBucket", "The specified bucket does not exist", 404)
    ]
    assert isinstance(problems[0].to_error(bucket_name="src"), NoSuchBucket)


def test_destination_problem_reported_once_per_bucket() -> None:
    """R-003: each missing or unversioned destination once, at the first rule naming it."""
    world = make_world(bucket("src"), bucket("dst2", versioning="Suspended"))
    rules = (
        v2("dst", id="a", priority=1),
        v2("dst", id="b", priority=2),
        v2("dst2", id="c", priority=3),
    )
    problems = validate(config(*rules), world)
    assert [(p.requirement, p.rule_id, p.element) for p in problems] == [
        ("R-003", "a", "ReplicationConfiguration/Rule[1]/Destination/Bucket"),
        ("R-003", "c", "ReplicationConfiguration/Rule[3]/Destination/Bucket"),
    ]


def test_unversioned_source_then_bad_destination_in_aws_order() -> None:
    """R-055: with an unversioned source and a missing destination, R-002 comes before R-003."""
    world = make_world(bucket("src", versioning="Suspended"))
    assert codes(validate(config(v2()), world)) == [
        ("R-002", "InvalidRequest"),
        ("R-003", "InvalidRequest"),
    ]


def test_every_problem_in_aws_order() -> None:
    """R-055: schema era, source versioning, document, rules, across rules, destinations, token."""
    profile = Profile.aws().evolve(object_lock_replication_requires_token=True)
    world = make_world(
        bucket("src", lock=True, versioning="Enabled"), bucket("dst", lock=True), profile=profile
    )
    world = attrs.evolve(
        world,
        buckets=FrozenMap({**world.buckets, "src": attrs.evolve(world.buckets["src"])}),
    )
    rules = (
        v2("nowhere", id="a", existing_object_replication=Status.ENABLED),
        v2("dst", id="a", priority=None),
        v2("dst", id="c"),
    )
    problems = validate(config(*rules, role="not-a-role"), world)
    assert codes(problems) == [
        ("R-031", "MalformedXML"),
        ("R-047", "InvalidArgument"),
        ("R-034", "InvalidRequest"),
        ("R-044", "InvalidArgument"),
        ("R-043", "InvalidRequest"),
        ("R-003", "InvalidRequest"),
        ("R-011", "InvalidRequest"),
    ]


# --- schema versions: R-032..R-035, R-038 ------------------------------------------------------


@pytest.mark.parametrize(
    ("element", "path", "extra"),
    [
        ("Priority", "Priority", {"priority": 3}),
        (
            "DeleteMarkerReplication",
            "DeleteMarkerReplication",
            {"delete_marker_replication": Status.ENABLED},
        ),
        (
            "ReplicaModifications",
            "SourceSelectionCriteria/ReplicaModifications",
            {"source_selection_criteria": SourceSelectionCriteria(replica_modifications="Enabled")},
        ),
        (
            "ReplicationTime",
            "Destination/ReplicationTime",
            {"destination": dest(replication_time=RTC_15, metrics=METRICS_15)},
        ),
        (
            "Metrics",
            "Destination/Metrics",
            {"destination": dest(metrics=Metrics(status="Enabled"))},
        ),
    ],
)
def test_v1_rule_cannot_use_v2_elements(element: str, path: str, extra: dict[str, Any]) -> None:
    """R-035: each V2-only element on a V1 rule gets the "cannot be used" template."""
    problems = validate(config(v1(**extra)))
    first = problems[0]
    assert (first.requirement, first.code) == ("R-035", "InvalidRequest")
    assert first.message == (
        f"{element} cannot be used for this version of Cross Region Replication "
        f"configuration schema.{SCHEMA_SUFFIX}"
    )
    assert first.element == f"ReplicationConfiguration/Rule[1]/{path}"


def test_v2_rule_missing_both_required_elements() -> None:
    """R-034 then R-033: a V2 rule without Priority and DeleteMarkerReplication gets both."""
    problems = validate(config(v2(priority=None, delete_marker_replication=None)))
    assert [(p.requirement, p.element) for p in problems] == [
        ("R-034", "ReplicationConfiguration/Rule[1]/Priority"),
        ("R-033", "ReplicationConfiguration/Rule[1]/DeleteMarkerReplication"),
    ]


def test_mixed_v1_and_v2_rules() -> None:
    """R-038 (INF): in a V2 document a rule-level Prefix cannot be used; its V2 members are due."""
    problems = validate(config(v2(id="new"), v1("dst", "old/", id="old")))
    assert [(p.requirement, p.rule_id, p.message) for p in problems] == [
        (
            "R-038",
            "old",
            "Prefix cannot be used for this version of Cross Region Replication "
            f"configuration schema.{SCHEMA_SUFFIX}",
        ),
        (
            "R-034",
            "old",
            "Priority must be specified for this version of Cross Region Replication "
            f"configuration schema.{SCHEMA_SUFFIX}",
        ),
        (
            "R-033",
            "old",
            "DeleteMarkerReplication must be specified for this version of Cross Region "
            f"Replication configuration schema.{SCHEMA_SUFFIX}",
        ),
    ]


def test_v1_configuration_with_one_destination_passes() -> None:
    """R-032, R-036, R-037: V1 rules with disjoint prefixes and one destination are fine."""
    assert validate(config(v1(prefix="a/", id="a"), v1(prefix="b/", id="b"))) == ()


def test_v1_distinct_destinations_reported_once() -> None:
    """R-036: one problem, at the first rule naming a second destination ARN."""
    rules = (v1("dst", "a/", id="a"), v1("dst2", "b/", id="b"), v1("dst3", "c/", id="c"))
    problems = validate(config(*rules))
    assert [(p.requirement, p.rule_id) for p in problems] == [("R-036", "b")]


def test_v1_empty_prefix_overlaps_every_prefix() -> None:
    """R-037 (INF): ``""`` overlaps all others; every overlapping pair, at the later rule."""
    rules = (v1(prefix="a/", id="a"), v1(prefix="", id="all"), v1(prefix="a/b", id="ab"))
    problems = validate(config(*rules))
    assert [(p.rule_id, p.message) for p in problems] == [
        ("all", "Found overlapping prefixes 'a/' and ''"),
        ("ab", "Found overlapping prefixes 'a/' and 'a/b'"),
        ("ab", "Found overlapping prefixes '' and 'a/b'"),
    ]


def test_v1_equal_prefixes_overlap() -> None:
    """R-037: the same prefix twice overlaps."""
    problems = validate(config(v1(prefix="x", id="a"), v1(prefix="x", id="b")))
    assert [p.message for p in problems] == ["Found overlapping prefixes 'x' and 'x'"]


def test_v2_overlapping_prefixes_are_fine() -> None:
    """R-063: V2 rules may overlap; priorities decide (SPEC 10, V2 allows overlap)."""
    rules = (
        v2(id="a", filter=Filter(prefix="star")),
        v2(id="b", priority=2, filter=Filter(prefix="starship")),
    )
    assert validate(config(*rules)) == ()


# --- per-rule cross-field checks -------------------------------------------------------------


def test_rule_id_of_255_characters_is_fine() -> None:
    """R-021, R-044: exactly 255 characters is allowed."""
    assert validate(config(v2(id="x" * RULE_ID_LENGTH_MAX))) == ()


def test_duplicate_rule_ids() -> None:
    """R-044: a repeated ID is InvalidArgument "Rule Id must be unique" at the repeat."""
    problems = validate(config(v2(id="same"), v2("dst2", id="same", priority=2)))
    assert [(p.code, p.message, p.element) for p in problems] == [
        ("InvalidArgument", "Rule Id must be unique", "ReplicationConfiguration/Rule[2]/ID")
    ]


def test_rules_without_ids_do_not_collide() -> None:
    """R-021: rules without an ID get distinct generated IDs, so they never duplicate."""
    assert validate(config(v2(id=None), v2("dst2", id=None, priority=2))) == ()


def test_problem_of_rule_without_id_has_no_rule_id() -> None:
    """Labelling: a rule without ID gives ``rule_id=None``; its position is in ``element``."""
    problems = validate(config(v2(id="a"), v2(id=None, priority=None)))
    assert [(p.rule_id, p.element) for p in problems] == [
        (None, "ReplicationConfiguration/Rule[2]/Priority")
    ]


def test_tag_filter_with_delete_markers_disabled_is_fine() -> None:
    """R-040: ``And`` with tags is fine while delete markers are not replicated."""
    flt = Filter(and_=AndOperator(prefix="Tax/", tags=(TAG, Tag(key="b", value="2"))))
    assert validate(config(v2(filter=flt))) == ()


def test_prefix_filter_may_replicate_delete_markers() -> None:
    """R-040, R-087: a prefix-only filter may enable delete-marker replication."""
    rule = v2(filter=Filter(prefix="Tax/"), delete_marker_replication=Status.ENABLED)
    assert validate(config(rule)) == ()


def test_kms_opt_in_with_key_is_fine() -> None:
    """R-042: SseKmsEncryptedObjects with a ReplicaKmsKeyID passes (key not checked, R-027)."""
    ssc = SourceSelectionCriteria(sse_kms_encrypted_objects=Status.ENABLED)
    enc = EncryptionConfiguration(replica_kms_key_id="arn:aws:kms:us-east-1:123456789012:key/nope")
    assert (
        validate(
            config(
                v2(source_selection_criteria=ssc, destination=dest(encryption_configuration=enc))
            )
        )
        == ()
    )


def test_kms_selector_disabled_without_key_is_refused() -> None:
    """R-042 (INF): the check fires on the presence of SseKmsEncryptedObjects, even Disabled."""
    ssc = SourceSelectionCriteria(sse_kms_encrypted_objects=Status.DISABLED)
    problems = validate(config(v2(source_selection_criteria=ssc)))
    assert [(p.requirement, p.element) for p in problems] == [
        (
            "R-042",
            "ReplicationConfiguration/Rule[1]/Destination/EncryptionConfiguration/ReplicaKmsKeyID",
        )
    ]


def test_kms_encryption_configuration_without_key_is_refused() -> None:
    """R-042: an EncryptionConfiguration without ReplicaKmsKeyID does not satisfy the opt-in."""
    ssc = SourceSelectionCriteria(sse_kms_encrypted_objects=Status.ENABLED)
    rule = v2(
        source_selection_criteria=ssc,
        destination=dest(encryption_configuration=EncryptionConfiguration()),
    )
    assert codes(validate(config(rule))) == [("R-042", "InvalidRequest")]


def test_replica_modifications_alone_is_fine() -> None:
    """R-026, R-088: SourceSelectionCriteria with only ReplicaModifications is not empty."""
    ssc = SourceSelectionCriteria(replica_modifications=Status.ENABLED)
    assert validate(config(v2(source_selection_criteria=ssc))) == ()


def test_owner_override_with_other_account_is_fine() -> None:
    """R-041, R-151: AccessControlTranslation with Account passes."""
    rule = v2(
        destination=dest(access_control_translation=AccessControlTranslation(), account=OTHER)
    )
    assert validate(config(rule)) == ()


def test_rtc_disabled_with_threshold_is_refused() -> None:
    """R-029: an event threshold with ReplicationTime present but Disabled is refused."""
    rtc = ReplicationTime(status=Status.DISABLED, minutes=15)
    problems = validate(config(v2(destination=dest(replication_time=rtc, metrics=METRICS_15))))
    assert [(p.requirement, p.code) for p in problems] == [("R-029", "InvalidArgument")]


def test_event_threshold_minutes_must_be_15() -> None:
    """R-028: an event threshold other than 15 minutes is refused, at its Minutes element."""
    metrics = Metrics(status=Status.ENABLED, event_threshold_minutes=30)
    problems = validate(config(v2(destination=dest(replication_time=RTC_15, metrics=metrics))))
    assert [(p.requirement, p.message, p.element) for p in problems] == [
        (
            "R-028",
            "Invalid time minute value",
            "ReplicationConfiguration/Rule[1]/Destination/Metrics/EventThreshold/Minutes",
        )
    ]


def test_threshold_without_rtc_and_wrong_minutes_reports_both() -> None:
    """R-029 then R-028: every problem of one rule's destination, in check order."""
    metrics = Metrics(status=Status.ENABLED, event_threshold_minutes=5)
    assert codes(validate(config(v2(destination=dest(metrics=metrics))))) == [
        ("R-029", "InvalidArgument"),
        ("R-028", "InvalidArgument"),
    ]


def test_rtc_without_metrics_and_wrong_minutes_reports_both() -> None:
    """R-030 then R-028: RTC without Metrics and with 10 minutes gives two problems."""
    rtc = ReplicationTime(status=Status.ENABLED, minutes=10)
    assert codes(validate(config(v2(destination=dest(replication_time=rtc))))) == [
        ("R-030", "InvalidRequest"),
        ("R-028", "InvalidArgument"),
    ]


def test_fsx_openzfs_is_not_a_replica_storage_class() -> None:
    """R-025, R-089: FSX_OPENZFS is in the enum but refused for replication (INF message)."""
    problems = validate(config(v2(destination=dest(storage_class=StorageClass.FSX_OPENZFS))))
    assert [(p.requirement, p.code, p.message, p.http_status) for p in problems] == [
        ("R-025", "InvalidStorageClass", "The storage class you specified is not valid", 400)
    ]


@pytest.mark.parametrize("storage_class", ["GLACIER", "DEEP_ARCHIVE", "FSX_ONTAP"])
def test_other_storage_classes_are_accepted(storage_class: str) -> None:
    """R-089: any other class S3 supports, archive classes included, is a valid override."""
    assert validate(config(v2(destination=dest(storage_class=storage_class)))) == ()


# --- R-047 and R-173 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [
        "not-an-arn",
        "arn:aws:iam::123456789012:user/someone",
        "arn:aws:iam::12345:role/short-account",
        "arn:aws-cn:iam::123456789012:role/other-partition",
    ],
)
def test_invalid_role_arn(role: str) -> None:
    """R-047: a Role that is not a role ARN of the source's partition is InvalidArgument."""
    problems = validate(config(v2(), role=role))
    assert [(p.requirement, p.code, p.message, p.element) for p in problems] == [
        (
            "R-047",
            "InvalidArgument",
            "Invalid Role specified in replication configuration",
            "ReplicationConfiguration/Role",
        )
    ]


def test_role_is_not_looked_up_at_put() -> None:
    """R-047: a well-formed role ARN that does not exist is accepted (it fails later, R-006)."""
    assert validate(config(v2(), role=f"arn:aws:iam::{OWNER}:role/absent")) == ()


@pytest.mark.parametrize(
    ("arn", "message"),
    [
        ("dst", "Invalid bucket ARN"),
        ("arn:aws:s3:::", "Invalid bucket ARN"),
        ("arn:aws:s3:us-east-1::dst", "Invalid bucket ARN"),
        ("arn:aws-cn:s3:::dst", "Invalid bucket ARN"),
        ("arn:aws:s3:::Bad_Bucket", "The specified bucket is not valid"),
        ("arn:aws:s3:::dst/key", "The specified bucket is not valid"),
    ],
)
def test_invalid_destination_bucket_arn(arn: str, message: str) -> None:
    """R-047: a destination that is not a bucket ARN of the source's partition, or a bad name."""
    problems = validate(config(v2(destination=Destination(bucket=arn))))
    assert [(p.requirement, p.code, p.message, p.element) for p in problems] == [
        ("R-047", "InvalidArgument", message, "ReplicationConfiguration/Rule[1]/Destination/Bucket")
    ]


def test_destination_is_the_source() -> None:
    """R-173 (INF, EMU text): the source cannot be its own destination (and R-003 adds nothing)."""
    problems = validate(config(v2("src")))
    assert [(p.requirement, p.code, p.message) for p in problems] == [
        ("R-173", "InvalidRequest", "Destination bucket cannot be the same as the source bucket.")
    ]


# --- Problem, Finding and the world argument ------------------------------------------------


def test_problem_to_error_builds_the_named_class() -> None:
    """Problem.to_error: the S3Error subclass of its code, with message, element and bucket."""
    problem = Problem(
        code="InvalidArgument",
        message="m",
        requirement="R-044",
        rule_id="r",
        element="ReplicationConfiguration/Rule[1]/ID",
    )
    error = problem.to_error(bucket_name="src")
    assert isinstance(error, InvalidArgument)
    assert (error.message, error.element, error.bucket_name) == (
        "m",
        "ReplicationConfiguration/Rule[1]/ID",
        "src",
    )
    assert problem.http_status == 400
    assert isinstance(
        Problem(code="InvalidRequest", message="m", requirement="R-1").to_error(), InvalidRequest
    )


def test_problem_refuses_unknown_codes() -> None:
    """Problem.code must name an s3repl.errors class, so to_error can never fail."""
    with pytest.raises(ValueError, match="NotACode"):
        Problem(code="NotACode", message="m", requirement="R-000")


def test_problem_is_frozen_and_has_a_python_repr() -> None:
    """Problem is a frozen value whose repr rebuilds it."""
    problem = Problem(code="InvalidRequest", message="m", requirement="R-003")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        problem.message = "other"  # type: ignore[misc]
    assert eval(repr(problem)) == problem


class _FakeEngine:
    """Anything with ``snapshot()`` returning a World stands for the engine."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.calls = 0

    def snapshot(self) -> World:
        self.calls += 1
        return self.world


def test_engine_like_argument_is_snapshotted() -> None:
    """validate_replication takes anything with ``.snapshot()`` (duck typing, no engine import)."""
    engine = _FakeEngine(make_world(bucket("src", versioning="Suspended"), bucket("dst")))
    assert codes(validate_replication(engine, "src", config(v2()))) == [("R-002", "InvalidRequest")]
    assert engine.calls == 1


@pytest.mark.parametrize("bad", [object(), "world", None])
def test_other_arguments_are_a_type_error(bad: object) -> None:
    """Neither a World nor snapshottable -> TypeError naming the argument."""
    with pytest.raises(TypeError, match="World"):
        validate_replication(bad, "src", config(v2()))  # type: ignore[arg-type]


def test_snapshot_must_return_a_world() -> None:
    """A ``snapshot()`` that returns something else is a TypeError too."""

    class Liar:
        def snapshot(self) -> object:
            return "not a world"

    with pytest.raises(TypeError, match="World"):
        validate_replication(Liar(), "src", config(v2()))  # type: ignore[arg-type]


# --- property: valid configurations pass ------------------------------------------------------

_DESTINATION_NAMES = st.sampled_from(["dst", "dst2", "dst3"])


@given(
    strategies.replication_configurations(
        destinations=strategies.destinations(buckets=_DESTINATION_NAMES)
    )
)
def test_valid_configurations_have_no_problems(cfg: ReplicationConfiguration) -> None:
    """Property (R-020..R-047, R-003): shipped valid configurations to versioned buckets pass."""
    assert validate(cfg) == ()


@given(
    strategies.replication_configurations(
        destinations=strategies.destinations(buckets=_DESTINATION_NAMES), not_or=True
    )
)
def test_valid_not_or_configurations_pass_with_the_switch(cfg: ReplicationConfiguration) -> None:
    """Property (R-022, R-069): configurations using ``Not``/``Or`` pass once the switch is on."""
    world = make_world(profile=Profile.aws().evolve(enable_not_or_filters=True))
    assert validate(cfg, world) == ()
