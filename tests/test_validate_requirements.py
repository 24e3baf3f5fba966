"""Tests of s3repl.validate.check_requirements: what AWS accepts at Put but objects fail on later.

Each test builds a world directly, stores a configuration on the source bucket (as the
engine does after a successful Put) and checks the findings: requirement, failure
reason (R-127, R-158), rule and destination.  The tests of the single R-158 table
(``s3repl.policy.PERMISSION_NEEDS``) also run an engine, to compare a finding with the
failure an object really gets.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from s3repl import Engine, iam, policy
from s3repl.model import (
    AccessControlTranslation,
    Bucket,
    Destination,
    EncryptionConfiguration,
    FailureReason,
    Filter,
    FrozenMap,
    ReplicationConfiguration,
    ReplicationRule,
    SourceSelectionCriteria,
    Status,
)
from s3repl.policy import PERMISSION_NEEDS, NeedWhen, PermissionNeed
from s3repl.profile import MissingTagReadPermission, Profile
from s3repl.validate import (
    Finding,
    check_requirements,
    object_arn,
    permission_decision,
    role_allows,
    validate_replication,
)
from s3repl.world import Account, KmsKey, Role, World

OWNER = "123456789012"
OTHER = "210987654321"
ROLE = f"arn:aws:iam::{OWNER}:role/repl"
KEY = f"arn:aws:kms:us-east-1:{OWNER}:key/1111-2222"
F = FailureReason

ALL_ACTIONS = (
    iam.REPLICATION_ROLE_ACTIONS
    + iam.OPTIONAL_REPLICATION_ROLE_ACTIONS
    + iam.REPLICATION_KMS_ACTIONS
)


# --- builders ------------------------------------------------------------------------------


def identity_policy(*statements: dict[str, Any]) -> iam.PolicyDocument:
    return iam.parse_policy(
        {"Version": "2012-10-17", "Statement": list(statements)}, kind=iam.PolicyKind.IDENTITY
    )


def resource_policy(*statements: dict[str, Any]) -> iam.PolicyDocument:
    return iam.parse_policy(
        {"Version": "2012-10-17", "Statement": list(statements)}, kind=iam.PolicyKind.RESOURCE
    )


def allow_all_but(*missing: str) -> iam.PolicyDocument:
    """A role policy allowing every replication action on every resource except ``missing``."""
    actions = [a for a in ALL_ACTIONS if a not in missing]
    return identity_policy({"Effect": "Allow", "Action": actions, "Resource": "*"})


def role(
    *, policy: iam.PolicyDocument | None = None, trusted: bool = True, arn: str = ROLE
) -> Role:
    trust = (
        iam.s3_trust_policy()
        if trusted
        else iam.parse_policy(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            kind=iam.PolicyKind.TRUST,
        )
    )
    return Role(arn=arn, policy=policy or iam.allow_all_replication_policy(), trust_policy=trust)


def rule(to: str = "dst", **kwargs: Any) -> ReplicationRule:
    fields: dict[str, Any] = {
        "id": "rule-1",
        "status": Status.ENABLED,
        "priority": 1,
        "filter": Filter(),
        "delete_marker_replication": Status.DISABLED,
        "destination": Destination(bucket=f"arn:aws:s3:::{to}"),
    }
    fields.update(kwargs)
    return ReplicationRule(**fields)


def bucket(name: str, **kwargs: Any) -> Bucket:
    fields: dict[str, Any] = {"name": name, "owner": OWNER, "versioning": "Enabled"}
    fields.update(kwargs)
    return Bucket(**fields)


def make_world(
    *rules: ReplicationRule,
    source: dict[str, Any] | None = None,
    destinations: tuple[Bucket, ...] | None = None,
    roles: tuple[Role, ...] | None = None,
    policies: dict[str, iam.PolicyDocument] | None = None,
    keys: tuple[KmsKey, ...] = (),
    accounts: tuple[Account, ...] = (),
    profile: Profile | None = None,
) -> World:
    """A world whose bucket ``src`` holds a configuration with ``rules`` (default: one to dst)."""
    cfg = ReplicationConfiguration(role=ROLE, rules=rules or (rule(),))
    src = bucket("src", replication=cfg, **(source or {}))
    dests = destinations if destinations is not None else (bucket("dst"), bucket("dst2"))
    return World(
        profile=profile or Profile.aws(),
        accounts=FrozenMap({a.id: a for a in (Account(id=OWNER), *accounts)}),
        buckets=FrozenMap({b.name: b for b in (src, *dests)}),
        roles=FrozenMap({r.arn: r for r in (roles if roles is not None else (role(),))}),
        bucket_policies=FrozenMap(policies or {}),
        kms_keys=FrozenMap({k.arn: k for k in keys}),
    )


def summary(findings: tuple[Finding, ...]) -> list[tuple[str, FailureReason]]:
    return [(f.requirement, f.failure_reason) for f in findings]


# --- configuration and source -------------------------------------------------------------


def test_healthy_configuration_has_no_findings() -> None:
    """R-155: a trusted role allowed every replication action, versioned destinations: nothing."""
    assert check_requirements(make_world(), "src") == ()


def test_missing_source_bucket() -> None:
    """R-127: a missing source bucket would fail objects with SrcBucketNotFound."""
    findings = check_requirements(make_world(), "absent")
    assert summary(findings) == [("R-127", F.SRC_BUCKET_NOT_FOUND)]


def test_no_configuration_is_a_finding_not_an_error() -> None:
    """R-127: a bucket without configuration gives SrcBucketReplicationConfigMissing."""
    world = make_world()
    bare = attrs.evolve(world.buckets["src"], replication=None)
    world = attrs.evolve(world, buckets=FrozenMap({**world.buckets, "src": bare}))
    findings = check_requirements(world, "src")
    assert summary(findings) == [("R-127", F.SRC_BUCKET_REPLICATION_CONFIG_MISSING)]
    assert "src" in findings[0].message


def test_engine_like_argument_is_snapshotted() -> None:
    """check_requirements takes anything with ``.snapshot()`` returning a World."""

    class Engine:
        def snapshot(self) -> World:
            return make_world(roles=())

    assert summary(check_requirements(Engine(), "src")) == [("R-006", F.ASSUME_ROLE_NOT_PERMITTED)]


# --- the role ------------------------------------------------------------------------


def test_missing_role() -> None:
    """R-006: a role that does not exist cannot be assumed; no permission findings follow."""
    findings = check_requirements(make_world(roles=()), "src")
    assert summary(findings) == [("R-006", F.ASSUME_ROLE_NOT_PERMITTED)]
    assert ROLE in findings[0].message
    assert "does not exist" in findings[0].message
    assert (findings[0].rule_id, findings[0].destination_bucket) == (None, None)


def test_role_not_trusting_s3() -> None:
    """R-006: a trust policy without s3.amazonaws.com gives AssumeRoleNotPermitted."""
    findings = check_requirements(make_world(roles=(role(trusted=False),)), "src")
    assert summary(findings) == [("R-006", F.ASSUME_ROLE_NOT_PERMITTED)]
    assert "trust policy" in findings[0].message


def test_role_findings_come_before_destination_findings() -> None:
    """Order: the role (R-006) first, then the destinations (R-005)."""
    world = make_world(roles=(), destinations=())
    assert summary(check_requirements(world, "src")) == [
        ("R-006", F.ASSUME_ROLE_NOT_PERMITTED),
        ("R-005", F.DST_BUCKET_NOT_FOUND),
    ]


# --- destinations -------------------------------------------------


def test_missing_destination() -> None:
    """R-005: a destination deleted after the Put gives DstBucketNotFound, named."""
    findings = check_requirements(make_world(destinations=()), "src")
    assert summary(findings) == [("R-005", F.DST_BUCKET_NOT_FOUND)]
    assert (findings[0].rule_id, findings[0].destination_bucket) == ("rule-1", "dst")


@pytest.mark.parametrize("versioning", ["Suspended", "Unversioned"])
def test_unversioned_destination(versioning: str) -> None:
    """R-005: a destination whose versioning is not Enabled gives DstBucketUnversioned."""
    world = make_world(destinations=(bucket("dst", versioning=versioning),))
    findings = check_requirements(world, "src")
    assert summary(findings) == [("R-005", F.DST_BUCKET_UNVERSIONED)]
    assert versioning in findings[0].message


def test_destination_in_disabled_opt_in_region() -> None:
    """R-001, R-176: the source owner has not enabled the destination's opt-in Region."""
    world = make_world(destinations=(bucket("dst", region="af-south-1"),))
    findings = check_requirements(world, "src")
    assert summary(findings) == [("R-001", F.UNSUPPORTED_DESTINATION)]
    assert "af-south-1" in findings[0].message


def test_destination_owner_must_enable_its_region() -> None:
    """R-001: the destination owner needs the destination Region too (source owner has it)."""
    world = make_world(
        destinations=(bucket("dst", owner=OTHER, region="af-south-1"),),
        accounts=(Account(id=OWNER, enabled_regions={"af-south-1"}),),
        policies={"dst": iam.destination_bucket_policy("dst", principal=ROLE)},
    )
    findings = check_requirements(world, "src")
    assert summary(findings) == [("R-001", F.UNSUPPORTED_DESTINATION)]
    assert OTHER in findings[0].message


def test_enabled_opt_in_region_is_fine() -> None:
    """R-001: once the owner enabled the Region there is no finding."""
    world = make_world(
        destinations=(bucket("dst", region="af-south-1"),),
        accounts=(Account(id=OWNER, enabled_regions={"af-south-1"}),),
    )
    assert check_requirements(world, "src") == ()


def test_requester_pays_cross_account_destination() -> None:
    """R-013, R-176: a Requester Pays destination of another account is unsupported."""
    world = make_world(
        destinations=(bucket("dst", owner=OTHER, requester_pays=True),),
        policies={"dst": iam.destination_bucket_policy("dst", principal=ROLE)},
    )
    assert summary(check_requirements(world, "src")) == [("R-013", F.UNSUPPORTED_DESTINATION)]


def test_requester_pays_same_account_destination_is_fine() -> None:
    """R-013: Requester Pays only matters across accounts."""
    world = make_world(destinations=(bucket("dst", requester_pays=True),))
    assert check_requirements(world, "src") == ()


def test_locked_source_unlocked_destination() -> None:
    """R-009: an Object Lock source needs an Object Lock destination."""
    world = make_world(source={"object_lock_enabled": True})
    assert summary(check_requirements(world, "src")) == [
        ("R-009", F.DST_BUCKET_OBJECT_LOCK_CONFIG_MISSING)
    ]


def test_locked_source_and_destination_are_fine() -> None:
    """R-009, R-010: both locked, the role allowed every lock permission: nothing."""
    world = make_world(
        source={"object_lock_enabled": True},
        destinations=(bucket("dst", object_lock_enabled=True),),
    )
    assert check_requirements(world, "src") == ()


def test_destination_reported_once_for_several_rules() -> None:
    """Each destination is checked once, attributed to the first enabled rule naming it."""
    rules = (rule("gone", id="a"), rule("gone", id="b", priority=2))
    findings = check_requirements(make_world(*rules), "src")
    assert [(f.failure_reason, f.rule_id) for f in findings] == [(F.DST_BUCKET_NOT_FOUND, "a")]


def test_disabled_rules_do_not_count() -> None:
    """R-065: findings concern enabled rules only (a disabled rule to a missing bucket is fine)."""
    world = make_world(rule("dst", id="on"), rule("gone", id="off", priority=2, status="Disabled"))
    assert check_requirements(world, "src") == ()


# --- permissions ----------------------------------------------------------------

#: (missing action, rule and source settings that need it, requirement, failure reason)
PERMISSION_TABLE: list[tuple[str, dict[str, Any], dict[str, Any], str, FailureReason]] = [
    ("s3:GetObjectVersionForReplication", {}, {}, "R-155", F.SRC_GET_OBJECT_NOT_PERMITTED),
    ("s3:GetObjectVersionAcl", {}, {}, "R-155", F.SRC_GET_ACL_NOT_PERMITTED),
    ("s3:GetObjectVersionTagging", {}, {}, "R-155", F.SRC_GET_TAGGING_NOT_PERMITTED),
    ("s3:ReplicateObject", {}, {}, "R-155", F.DST_PUT_OBJECT_NOT_PERMITTED),
    (
        "s3:ReplicateDelete",
        {"delete_marker_replication": Status.ENABLED},
        {},
        "R-155",
        F.DST_DEL_OBJ_NOT_PERMITTED,
    ),
    (
        "s3:ObjectOwnerOverrideToBucketOwner",
        {
            "destination": Destination(
                bucket="arn:aws:s3:::dst",
                account=OWNER,
                access_control_translation=AccessControlTranslation(),
            )
        },
        {},
        "R-151",
        F.DST_PUT_OBJECT_NOT_PERMITTED,
    ),
    (
        "s3:GetObjectRetention",
        {},
        {"object_lock_enabled": True},
        "R-010",
        F.SRC_GET_OBJECT_NOT_PERMITTED,
    ),
    (
        "s3:GetObjectLegalHold",
        {},
        {"object_lock_enabled": True},
        "R-010",
        F.SRC_GET_OBJECT_NOT_PERMITTED,
    ),
    (
        "s3:PutObjectLegalHold",
        {},
        {"object_lock_enabled": True},
        "R-158",
        F.DST_PUT_LEGAL_HOLD_NOT_PERMITTED,
    ),
]


@pytest.mark.parametrize(
    ("action", "rule_fields", "source_fields", "requirement", "reason"),
    PERMISSION_TABLE,
    ids=[row[0] for row in PERMISSION_TABLE],
)
def test_each_missing_permission_maps_to_its_failure_reason(
    action: str,
    rule_fields: dict[str, Any],
    source_fields: dict[str, Any],
    requirement: str,
    reason: FailureReason,
) -> None:
    """R-155, R-158 (and R-010, R-151): one missing permission -> exactly its failure reason."""
    locked = bool(source_fields.get("object_lock_enabled"))
    world = make_world(
        rule(**rule_fields),
        source=source_fields,
        destinations=(bucket("dst", object_lock_enabled=locked),),
        roles=(role(policy=allow_all_but(action)),),
    )
    findings = check_requirements(world, "src")
    assert summary(findings) == [(requirement, reason)]
    finding = findings[0]
    assert action in finding.message
    assert ROLE in finding.message
    on_destination = action.startswith(("s3:Replicate", "s3:Put", "s3:ObjectOwner"))
    expected_destination = "dst" if on_destination else None
    assert (finding.rule_id, finding.destination_bucket) == ("rule-1", expected_destination)


# --- one table for findings and task application (R-158) ----------------------------------


def engine_needing(need: PermissionNeed, profile: Profile) -> Engine:
    """``src`` -> ``dst`` under one rule that needs ``need``; the role lacks only its action."""
    lock = need.when is NeedWhen.OBJECT_LOCK_SOURCE
    destination: dict[str, Any] = {"Bucket": "arn:aws:s3:::dst"}
    if need.when is NeedWhen.OWNER_OVERRIDE:
        destination |= {"Account": OWNER, "AccessControlTranslation": {"Owner": "Destination"}}
    markers = "Enabled" if need.when is NeedWhen.DELETE_MARKERS else "Disabled"
    eng = Engine(seed=5, profile=profile)
    eng.create_bucket("src", versioning=True, object_lock=lock)
    eng.create_bucket("dst", versioning=True, object_lock=lock)
    eng.create_role(ROLE)
    eng.put_role_policy(ROLE, allow_all_but(need.action))
    rule_document = {
        "ID": "rule-1",
        "Priority": 1,
        "Status": "Enabled",
        "Filter": {},
        "DeleteMarkerReplication": {"Status": markers},
        "Destination": destination,
    }
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule_document]})
    return eng


@pytest.mark.parametrize("need", PERMISSION_NEEDS, ids=[n.action for n in PERMISSION_NEEDS])
def test_findings_and_task_application_read_one_table(need: PermissionNeed) -> None:
    """R-158 (and R-155, R-010, R-151): for a role lacking one row's permission, the
    finding names the row's requirement and reason, and the object (a tagged put, under
    legal hold on a lock source; a delete marker for ``s3:ReplicateDelete``) fails with
    that same reason."""
    profile = Profile.aws().evolve(missing_tag_read_permission=MissingTagReadPermission.FAIL)
    eng = engine_needing(need, profile)
    findings = check_requirements(eng, "src")
    assert summary(findings) == [(need.requirement, need.reason)]
    message = findings[0].message
    assert f"{need.action} on " in message
    assert message.endswith(f": {need.consequence_under(profile)}")
    if need.when is NeedWhen.DELETE_MARKERS:
        eng.delete_object("src", "k")
    else:
        hold = "ON" if need.when is NeedWhen.OBJECT_LOCK_SOURCE else None
        eng.put_object("src", "k", b"x", tags={"t": "1"}, object_lock_legal_hold_status=hold)
    (result,) = eng.run()
    assert result.failure_reason is need.reason


def test_permission_rows_name_their_requirement() -> None:
    """R-158: every row of the table is a public constant named after its R-nnn, and every
    action is one the replication role policies of ``s3repl.iam`` grant (R-155)."""
    named = {
        name: value
        for name, value in vars(policy).items()
        if isinstance(value, PermissionNeed) and name in policy.__all__
    }
    assert sorted(named.values(), key=PERMISSION_NEEDS.index) == list(PERMISSION_NEEDS)
    for name, need in named.items():
        assert name.startswith(need.requirement.replace("-", "") + "_"), name
    assert len({n.action for n in PERMISSION_NEEDS}) == len(PERMISSION_NEEDS)
    assert {n.action for n in PERMISSION_NEEDS} <= set(ALL_ACTIONS)


def test_permission_needs_follow_the_rule() -> None:
    """R-155, R-010, R-151, R-087: a plain V2 rule needs only the rows needed always; a lock
    source, owner override and delete markers add theirs, in table order."""
    plain = make_world()
    src, dst = plain.bucket("src"), plain.bucket("dst")
    assert src is not None
    assert dst is not None
    always = [n for n in PERMISSION_NEEDS if n.when is NeedWhen.ALWAYS]
    assert list(policy.permission_needs(plain, src, dst, rule())) == always
    everything = rule(
        delete_marker_replication=Status.ENABLED,
        destination=Destination(
            bucket="arn:aws:s3:::dst",
            account=OWNER,
            access_control_translation=AccessControlTranslation(),
        ),
    )
    locked = attrs.evolve(src, object_lock_enabled=True)
    assert policy.permission_needs(plain, locked, dst, everything) == PERMISSION_NEEDS


def test_replicate_delete_not_needed_without_delete_marker_replication() -> None:
    """R-087, R-155: a V2 rule with markers Disabled does not need s3:ReplicateDelete."""
    world = make_world(roles=(role(policy=allow_all_but("s3:ReplicateDelete")),))
    assert check_requirements(world, "src") == ()


def test_v1_rule_needs_replicate_delete() -> None:
    """R-087: V1 rules replicate user delete markers, so they need s3:ReplicateDelete."""
    v1 = ReplicationRule(
        id="old",
        status=Status.ENABLED,
        prefix="",
        destination=Destination(bucket="arn:aws:s3:::dst"),
    )
    world = make_world(v1, roles=(role(policy=allow_all_but("s3:ReplicateDelete")),))
    assert summary(check_requirements(world, "src")) == [("R-155", F.DST_DEL_OBJ_NOT_PERMITTED)]


@pytest.mark.parametrize("off_by_default", [False, True])
def test_cross_account_delete_markers_switch(off_by_default: bool) -> None:
    """R-087, section 10: switch on -> cross-account markers stay home, no ReplicateDelete."""
    world = make_world(
        rule(delete_marker_replication=Status.ENABLED),
        destinations=(bucket("dst", owner=OTHER),),
        policies={"dst": iam.destination_bucket_policy("dst", principal=ROLE)},
        roles=(role(policy=allow_all_but("s3:ReplicateDelete")),),
        profile=Profile.aws().evolve(cross_account_delete_markers_off_by_default=off_by_default),
    )
    expected = [] if off_by_default else [("R-155", F.DST_DEL_OBJ_NOT_PERMITTED)]
    assert summary(check_requirements(world, "src")) == expected


def test_permission_scoped_to_the_rule_prefix_suffices() -> None:
    """R-155: a grant on ``src/Tax/*`` covers a ``Tax/`` rule but not a rule for all keys."""
    scoped = identity_policy(
        {
            "Effect": "Allow",
            "Action": [a for a in ALL_ACTIONS if a != "s3:GetObjectVersionAcl"],
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Action": "s3:GetObjectVersionAcl",
            "Resource": "arn:aws:s3:::src/Tax/*",
        },
    )
    tax = rule(filter=Filter(prefix="Tax/"))
    assert check_requirements(make_world(tax, roles=(role(policy=scoped),)), "src") == ()
    everything = rule()
    findings = check_requirements(make_world(everything, roles=(role(policy=scoped),)), "src")
    assert summary(findings) == [("R-155", F.SRC_GET_ACL_NOT_PERMITTED)]
    assert "arn:aws:s3:::src/*" in findings[0].message


def test_same_missing_permission_reported_once_for_several_rules() -> None:
    """A source-side finding once, for the first enabled rule, naming no destination."""
    world = make_world(
        rule("dst", id="a"),
        rule("dst2", id="b", priority=2),
        roles=(role(policy=allow_all_but("s3:GetObjectVersionForReplication")),),
    )
    findings = check_requirements(world, "src")
    assert [(f.failure_reason, f.rule_id, f.destination_bucket) for f in findings] == [
        (F.SRC_GET_OBJECT_NOT_PERMITTED, "a", None)
    ]


def test_destination_permission_reported_per_destination() -> None:
    """R-155: a missing destination permission is one finding per destination bucket."""
    world = make_world(
        rule("dst", id="a"),
        rule("dst2", id="b", priority=2),
        roles=(role(policy=allow_all_but("s3:ReplicateObject")),),
    )
    findings = check_requirements(world, "src")
    assert [(f.failure_reason, f.destination_bucket, f.rule_id) for f in findings] == [
        (F.DST_PUT_OBJECT_NOT_PERMITTED, "dst", "a"),
        (F.DST_PUT_OBJECT_NOT_PERMITTED, "dst2", "b"),
    ]


def test_no_permission_findings_for_missing_destination() -> None:
    """R-005 first: a missing destination gives DstBucketNotFound, not permission findings."""
    world = make_world(destinations=(), roles=(role(policy=allow_all_but("s3:ReplicateObject")),))
    assert summary(check_requirements(world, "src")) == [("R-005", F.DST_BUCKET_NOT_FOUND)]


# --- bucket policies -------------------------------------------------------


def test_cross_account_destination_without_bucket_policy() -> None:
    """R-012: across accounts the destination owner must grant; without a policy, writes fail."""
    world = make_world(destinations=(bucket("dst", owner=OTHER),))
    findings = check_requirements(world, "src")
    assert summary(findings) == [("R-012", F.DST_PUT_OBJECT_NOT_PERMITTED)]
    assert "bucket policy of dst" in findings[0].message
    assert OTHER in findings[0].message


@pytest.mark.parametrize("principal", [ROLE, OWNER, f"arn:aws:iam::{OWNER}:root"])
def test_cross_account_destination_with_bucket_policy(principal: str) -> None:
    """R-012: a destination policy granting the role (or the source account) satisfies it."""
    world = make_world(
        rule(delete_marker_replication=Status.ENABLED),
        destinations=(bucket("dst", owner=OTHER),),
        policies={"dst": iam.destination_bucket_policy("dst", principal=principal)},
    )
    assert check_requirements(world, "src") == ()


def test_cross_account_role_policy_missing_is_r155() -> None:
    """R-155 vs R-012: when the role's own policy lacks the action, the finding is the role's."""
    world = make_world(
        destinations=(bucket("dst", owner=OTHER),),
        policies={"dst": iam.destination_bucket_policy("dst", principal=ROLE)},
        roles=(role(policy=allow_all_but("s3:ReplicateObject")),),
    )
    findings = check_requirements(world, "src")
    assert summary(findings) == [("R-155", F.DST_PUT_OBJECT_NOT_PERMITTED)]
    assert findings[0].message.startswith(f"Role {ROLE} is not allowed s3:ReplicateObject")


def test_same_account_bucket_policy_explicit_deny() -> None:
    """R-158: an explicit Deny in a same-account bucket policy acts as a missing permission."""
    deny = resource_policy(
        {
            "Effect": "Deny",
            "Principal": {"AWS": ROLE},
            "Action": "s3:ReplicateObject",
            "Resource": "arn:aws:s3:::dst/*",
        }
    )
    findings = check_requirements(make_world(policies={"dst": deny}), "src")
    assert summary(findings) == [("R-155", F.DST_PUT_OBJECT_NOT_PERMITTED)]
    assert "bucket policy of dst" in findings[0].message


def test_replicate_tags_explicitly_denied() -> None:
    """R-157: a destination that explicitly denies s3:ReplicateTags gets replicas without tags."""
    deny = resource_policy(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:ReplicateTags",
            "Resource": "arn:aws:s3:::dst/*",
        }
    )
    findings = check_requirements(make_world(policies={"dst": deny}), "src")
    assert summary(findings) == [("R-157", F.DST_PUT_TAGGING_NOT_PERMITTED)]


def test_replicate_tags_denied_by_the_role_itself_is_no_finding() -> None:
    """R-157: only the destination's bucket policy refuses tags; ReplicateObject covers them."""
    policy = identity_policy(
        {"Effect": "Allow", "Action": list(ALL_ACTIONS), "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:ReplicateTags", "Resource": "*"},
    )
    assert check_requirements(make_world(roles=(role(policy=policy),)), "src") == ()


def test_replicate_tags_merely_absent_is_fine() -> None:
    """R-157: s3:ReplicateObject covers tags; lacking s3:ReplicateTags alone is no finding."""
    world = make_world(roles=(role(policy=allow_all_but("s3:ReplicateTags")),))
    assert check_requirements(world, "src") == ()


# --- the replica KMS key ---------------------------------------------------------


def kms_rule(key_arn: str = KEY) -> ReplicationRule:
    return rule(
        source_selection_criteria=SourceSelectionCriteria(sse_kms_encrypted_objects="Enabled"),
        destination=Destination(
            bucket="arn:aws:s3:::dst",
            encryption_configuration=EncryptionConfiguration(replica_kms_key_id=key_arn),
        ),
    )


def test_t28_missing_replica_key_is_accepted_then_fails() -> None:
    """T-28 / R-027: Put accepts an unknown key; objects would fail with DstKmsKeyNotFound."""
    world = make_world(kms_rule())
    cfg = world.buckets["src"].replication
    assert cfg is not None
    assert validate_replication(world, "src", cfg) == ()
    findings = check_requirements(world, "src")
    assert summary(findings) == [("R-027", F.DST_KMS_KEY_NOT_FOUND)]
    assert KEY in findings[0].message


@pytest.mark.parametrize(
    ("key", "reason", "words"),
    [
        (
            KmsKey(arn=KEY, account=OWNER, region="us-east-1", enabled=False),
            F.DST_KMS_KEY_INVALID_STATE,
            "disabled",
        ),
        (
            KmsKey(arn=KEY, account=OWNER, region="us-east-1", pending_deletion=True),
            F.DST_KMS_KEY_INVALID_STATE,
            "pending deletion",
        ),
        (KmsKey(arn=KEY, account=OWNER, region="eu-west-1"), F.DST_KMS_KEY_NOT_FOUND, "eu-west-1"),
    ],
    ids=["disabled", "pending-deletion", "wrong-region"],
)
def test_unusable_replica_key(key: KmsKey, reason: FailureReason, words: str) -> None:
    """R-027: a disabled or deleting key is DstKmsKeyInvalidState; another Region's is not found."""
    findings = check_requirements(make_world(kms_rule(), keys=(key,)), "src")
    assert summary(findings) == [("R-027", reason)]
    assert words in findings[0].message


def test_usable_replica_key_is_fine() -> None:
    """R-014, R-027: an enabled key in the destination's Region, usable by the role: nothing."""
    key = KmsKey(arn=KEY, account=OWNER, region="us-east-1")
    assert check_requirements(make_world(kms_rule(), keys=(key,)), "src") == ()


def test_role_without_kms_encrypt() -> None:
    """R-014, R-158: a role without kms:Encrypt on the key fails objects (DstKmsKeyNotFound)."""
    key = KmsKey(arn=KEY, account=OWNER, region="us-east-1")
    world = make_world(kms_rule(), keys=(key,), roles=(role(policy=allow_all_but("kms:Encrypt")),))
    assert summary(check_requirements(world, "src")) == [("R-014", F.DST_KMS_KEY_NOT_FOUND)]


def test_cross_account_key_needs_its_key_policy() -> None:
    """R-014: another account's key without a key policy granting the role cannot be used."""
    other_key = f"arn:aws:kms:us-east-1:{OTHER}:key/3333"
    key = KmsKey(arn=other_key, account=OTHER, region="us-east-1")
    world = make_world(kms_rule(other_key), keys=(key,))
    assert summary(check_requirements(world, "src")) == [("R-014", F.DST_KMS_KEY_NOT_FOUND)]
    granted = attrs.evolve(
        key,
        policy=resource_policy(
            {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:*", "Resource": "*"}
        ),
    )
    assert check_requirements(make_world(kms_rule(other_key), keys=(granted,)), "src") == ()


def test_key_ignored_without_kms_opt_in() -> None:
    """R-067: without SseKmsEncryptedObjects the replica key is never used, so never checked."""
    plain = rule(
        destination=Destination(
            bucket="arn:aws:s3:::dst",
            encryption_configuration=EncryptionConfiguration(replica_kms_key_id=KEY),
        )
    )
    assert check_requirements(make_world(plain), "src") == ()


# --- the permission helpers ---------------------------------------------------------------------


def test_role_allows_and_permission_decision() -> None:
    """R-155, R-157: the helpers answer for a role ARN, a resource ARN and an action."""
    deny = resource_policy(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:ReplicateTags",
            "Resource": "arn:aws:s3:::dst/*",
        }
    )
    world = make_world(policies={"dst": deny})
    assert role_allows(world, ROLE, "s3:ReplicateObject", "arn:aws:s3:::dst/*")
    assert not role_allows(world, ROLE, "s3:ReplicateTags", "arn:aws:s3:::dst/k")
    assert not role_allows(world, f"arn:aws:iam::{OWNER}:role/absent", "s3:ReplicateObject", "*")
    the_role = world.roles[ROLE]
    decision = permission_decision(world, the_role, "s3:ReplicateTags", "arn:aws:s3:::dst/k")
    assert decision is iam.Decision.EXPLICIT_DENY


def test_role_allows_on_unknown_bucket_uses_the_role_account() -> None:
    """A bucket missing from the world is treated as the role's own (no bucket policy)."""
    world = make_world()
    assert role_allows(world, ROLE, "s3:ReplicateObject", "arn:aws:s3:::elsewhere/*")


def test_role_allows_on_kms_arn_of_unknown_key() -> None:
    """An unknown KMS ARN belongs to the account in the ARN: another account needs a key policy."""
    world = make_world()
    assert role_allows(world, ROLE, "kms:Encrypt", KEY)
    assert not role_allows(world, ROLE, "kms:Encrypt", f"arn:aws:kms:us-east-1:{OTHER}:key/9")


def test_object_arn() -> None:
    """object_arn: the bucket's partition, the bucket, and the key or key pattern."""
    assert object_arn(bucket("dst")) == "arn:aws:s3:::dst"
    assert object_arn(bucket("dst"), "Tax/*") == "arn:aws:s3:::dst/Tax/*"
    assert object_arn(bucket("dst", region="cn-north-1"), "k") == "arn:aws-cn:s3:::dst/k"


def test_finding_is_a_frozen_value_accepting_reason_strings() -> None:
    """Finding: frozen; ``failure_reason`` also takes AWS's string (``"DstBucketNotFound"``)."""
    finding = Finding(requirement="R-005", failure_reason="DstBucketNotFound", message="m")
    assert finding.failure_reason is F.DST_BUCKET_NOT_FOUND
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        finding.message = "other"  # type: ignore[misc]
