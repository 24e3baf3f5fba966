"""One checks table, two readings: every row apply time can fail a task on is a finding.

``s3repl.policy.CHECKS`` is walked by apply time (``run_checks``) and by requirement
findings (``unmet_checks``, read by ``s3repl.validate.check_requirements``); both ask
one judge per condition.  These tests walk the table: each row is either foreseen by
findings or says why only apply time can tell (R-127, R-158), and for each foreseen row
a world that breaks that row alone gives the same failure reason to the finding and to
the object the engine then fails (or, for the tag rows, to the failed tag operation).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest

from s3repl import Engine, iam
from s3repl.model import FailureReason, ReplicationStatus
from s3repl.policy import (
    CHECKS,
    Check,
    Condition,
    Effect,
    NeedWhen,
    Stage,
    unmet_checks,
)
from s3repl.policy._conditions import JUDGES
from s3repl.profile import MissingTagReadPermission, Profile
from s3repl.validate import check_requirements

OWNER = "123456789012"
OTHER = "210987654321"
ROLE = f"arn:aws:iam::{OWNER}:role/repl"
ALL_ACTIONS = (
    iam.REPLICATION_ROLE_ACTIONS
    + iam.OPTIONAL_REPLICATION_ROLE_ACTIONS
    + iam.REPLICATION_KMS_ACTIONS
)
FAILED_OPERATION = "Replication:OperationFailedReplication"


def row_id(check: Check) -> str:
    """A row's name: its permission's action, else its condition."""
    return check.need.action if check.need is not None else check.condition.name


def allow_all_but(action: str) -> dict[str, Any]:
    """A role policy allowing every replication action on every resource but ``action``."""
    actions = [a for a in ALL_ACTIONS if a != action]
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    }


# --- worlds that break one row ----------------------------------------------------------


@attrs.frozen(kw_only=True)
class Breach:
    """A world ``src`` -> ``dst`` whose only broken row is the one it is filed under.

    Attributes:
        lock: both buckets have Object Lock (the source only, with ``unlocked_destination``).
        unlocked_destination: the destination lacks Object Lock.
        destination: extra members of the rule's ``Destination``.
        markers: the rule replicates delete markers.
        kms: the rule opts into SSE-KMS objects, replicas under ``replica_key``.
        replica_key: ``"created"``, ``"disabled"`` or an ARN no key has.
        other_account: the destination belongs to another account (which grants the role).
        region: the destination's Region.
        trusted: the role trusts S3.
        role_lacks: the one action the role's policy leaves out.
        after: what breaks the world once the configuration is in place.
        profile: the profile.
        delete: the task is a delete marker (else a tagged put, under legal hold on a
            lock source, SSE-KMS for a KMS rule).
        sse_c: the source takes SSE-C writes (new buckets block them) and the put is
            SSE-C; the destination keeps blocking them (R-081).
    """

    lock: bool = False
    unlocked_destination: bool = False
    destination: dict[str, Any] = attrs.field(factory=dict)
    markers: bool = False
    kms: bool = False
    replica_key: str = "created"
    other_account: bool = False
    region: str = "us-east-1"
    trusted: bool = True
    role_lacks: str = ""
    after: Callable[[Engine], None] = lambda eng: None
    profile: Profile = attrs.field(factory=Profile.aws)
    delete: bool = False
    sse_c: bool = False

    def engine(self) -> Engine:
        """The world, configured, then broken by ``after``."""
        eng = Engine(seed=3, profile=self.profile)
        owner = OWNER
        if self.other_account:
            owner = OTHER
            eng.create_account(OTHER)
        eng.create_bucket("src", versioning=True, object_lock=self.lock)
        if self.sse_c:
            rule_sse = {
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                "BlockedEncryptionTypes": {"EncryptionType": ["NONE"]},
            }
            eng.put_bucket_encryption("src", {"Rules": [rule_sse]})
        dest_lock = self.lock and not self.unlocked_destination
        eng.create_bucket(
            "dst", account=owner, region=self.region, versioning=True, object_lock=dest_lock
        )
        if self.other_account:
            eng.put_bucket_policy("dst", iam.destination_bucket_policy("dst", principal=ROLE))
        eng.create_role(ROLE, trusted=self.trusted)
        if self.role_lacks:
            eng.put_role_policy(ROLE, allow_all_but(self.role_lacks))
        destination: dict[str, Any] = {
            "Bucket": "arn:aws:s3:::dst",
            "Metrics": {"Status": "Enabled"},  # failure events carry the reason
            **self.destination,
        }
        if self.other_account:
            destination["Account"] = OTHER
        rule: dict[str, Any] = {
            "ID": "rule-1",
            "Priority": 1,
            "Status": "Enabled",
            "Filter": {},
            "DeleteMarkerReplication": {"Status": "Enabled" if self.markers else "Disabled"},
        }
        if self.kms:
            key = self.replica_key
            if key in ("created", "disabled"):
                key = eng.create_kms_key()
                if self.replica_key == "disabled":
                    eng.disable_kms_key(key)
            rule["SourceSelectionCriteria"] = {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
            destination["EncryptionConfiguration"] = {"ReplicaKmsKeyID": key}
        rule["Destination"] = destination
        eng.put_bucket_replication("src", {"Role": ROLE, "Rules": [rule]})
        self.after(eng)
        return eng

    def act(self, eng: Engine) -> None:
        """Create the one task that meets the row."""
        if self.delete:
            eng.put_object("src", "k", b"x")
            eng.run()
            eng.delete_object("src", "k")
            return
        extra: dict[str, Any] = {}
        if self.lock:
            extra["object_lock_legal_hold_status"] = "ON"
        if self.kms:
            extra["server_side_encryption"] = "aws:kms"
            extra["sse_kms_key_id"] = eng.create_kms_key()
        if self.sse_c:
            extra["sse_customer_algorithm"] = "AES256"
            extra["sse_customer_key"] = "k" * 32
        eng.put_object("src", "k", b"x", tags={"t": "1"}, **extra)


def _delete_destination(eng: Engine) -> None:
    eng.delete_bucket("dst")


def _suspend_destination(eng: Engine) -> None:
    eng.put_bucket_versioning("dst", "Suspended")


def _requester_pays(eng: Engine) -> None:
    eng.put_bucket_request_payment("dst", "Requester")


def _deny_tags(eng: Engine) -> None:
    statement = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:ReplicateTags",
        "Resource": "arn:aws:s3:::dst/*",
    }
    eng.put_bucket_policy("dst", {"Version": "2012-10-17", "Statement": [statement]})


_OVERRIDE = {"Account": OWNER, "AccessControlTranslation": {"Owner": "Destination"}}

#: For each foreseen row of CHECKS (by :func:`row_id`), a world breaking it alone.
BREACHES: dict[str, Breach] = {
    "ROLE_ASSUMABLE": Breach(trusted=False),
    "DESTINATION_EXISTS": Breach(after=_delete_destination),
    "DESTINATION_VERSIONED": Breach(after=_suspend_destination),
    "REGIONS_ENABLED": Breach(region="af-south-1"),
    "NO_CROSS_ACCOUNT_REQUESTER_PAYS": Breach(other_account=True, after=_requester_pays),
    "DESTINATION_LOCKED": Breach(lock=True, unlocked_destination=True),
    "s3:GetReplicationConfiguration": Breach(role_lacks="s3:GetReplicationConfiguration"),
    "s3:ListBucket": Breach(markers=True, delete=True, role_lacks="s3:ListBucket"),
    "s3:GetObjectVersionForReplication": Breach(role_lacks="s3:GetObjectVersionForReplication"),
    "s3:GetObjectVersionAcl": Breach(role_lacks="s3:GetObjectVersionAcl"),
    "s3:GetObjectRetention": Breach(lock=True, role_lacks="s3:GetObjectRetention"),
    "s3:GetObjectLegalHold": Breach(lock=True, role_lacks="s3:GetObjectLegalHold"),
    "s3:GetObjectVersionTagging": Breach(role_lacks="s3:GetObjectVersionTagging"),
    "s3:ReplicateObject": Breach(role_lacks="s3:ReplicateObject"),
    "s3:ReplicateDelete": Breach(markers=True, delete=True, role_lacks="s3:ReplicateDelete"),
    "s3:ObjectOwnerOverrideToBucketOwner": Breach(
        destination=_OVERRIDE, role_lacks="s3:ObjectOwnerOverrideToBucketOwner"
    ),
    "s3:PutObjectLegalHold": Breach(lock=True, role_lacks="s3:PutObjectLegalHold"),
    "TAGS_WRITABLE": Breach(after=_deny_tags),
    "SSE_C_ACCEPTED": Breach(sse_c=True),
    "REPLICA_KEY_FOUND": Breach(
        kms=True, replica_key=f"arn:aws:kms:us-east-1:{OWNER}:key/0000-missing"
    ),
    "REPLICA_KEY_USABLE": Breach(kms=True, replica_key="disabled"),
    "REPLICA_KEY_PERMITTED": Breach(kms=True, role_lacks="kms:Encrypt"),
}

#: The rows findings foresee for a rule's route (``unmet_checks``).
FORESEEN = [
    check for check in CHECKS if not check.apply_time_only and check.stage is not Stage.SOURCE
]
#: The rows findings foresee at their door: the source bucket and its configuration
#: (``check_requirements``, before ``unmet_checks``).
AT_THE_DOOR = [
    check for check in CHECKS if not check.apply_time_only and check.stage is Stage.SOURCE
]


# --- the table ----------------------------------------------------------------------------


@pytest.mark.parametrize("check", CHECKS, ids=row_id)
def test_every_row_is_a_finding_or_says_why_only_apply_time_can_tell(check: Check) -> None:
    """R-127, R-158: each row a task can fail on is foreseen by check_requirements (a
    world below breaks it alone), or is marked apply-time-only with the reason."""
    if check.apply_time_only:
        assert len(check.apply_time_only.split()) >= 5, row_id(check)
    elif check.stage is Stage.SOURCE:
        assert row_id(check) in DOOR_BREACHES
    else:
        assert row_id(check) in BREACHES


def test_every_breach_names_a_foreseen_row() -> None:
    """The worlds below are exactly one per foreseen row of the table."""
    assert sorted(BREACHES) == sorted(row_id(check) for check in FORESEEN)


@pytest.mark.parametrize("check", CHECKS, ids=row_id)
def test_a_row_presumes_only_what_rows_above_it_found(check: Check) -> None:
    """R-158: what a row presumes (the role, the destination, a KMS key) is the condition
    of an earlier row that fails the task when it does not hold, so the walk of apply
    time never meets a row whose presumption failed, and findings skip such rows alike."""
    above = CHECKS[: CHECKS.index(check)]
    for condition in check.presumes:
        presumed = [row for row in above if row.condition is condition]
        assert presumed, (row_id(check), condition)
        assert all(row.effect is Effect.FAIL for row in presumed)


def test_every_condition_is_a_row_with_one_judge() -> None:
    """R-124, R-127, R-158: each condition names at least one row of the table; each
    condition of a route has exactly one judge, the reading both apply time and
    findings ask; the source stage reads the task instead, judged where a step starts
    (tests/test_apply.py walks it)."""
    assert {check.condition for check in CHECKS} == set(Condition)
    source_stage = {check.condition for check in CHECKS if check.stage is Stage.SOURCE}
    assert set(JUDGES) == set(Condition) - source_stage


def test_apply_time_only_rows_are_about_the_object_in_hand() -> None:
    """R-008, R-085, R-124, R-127, R-158: the rows findings leave to apply time are
    those about one object (its owner and ACL, its KMS key), one replica (a metadata
    change's), or the moment a task is applied (an outage, its version gone)."""
    conditions = {check.condition for check in CHECKS if check.apply_time_only}
    assert conditions == {
        Condition.BUCKETS_REACHABLE,
        Condition.SOURCE_VERSION_EXISTS,
        Condition.REPLICA_EXISTS,
        Condition.FOREIGN_OBJECT_READABLE,
        Condition.SOURCE_KEY_USABLE,
        Condition.SOURCE_KEY_PERMITTED,
    }


# --- one world per row: the same reason in a finding and at apply time ---------------------


@pytest.mark.parametrize("check", FORESEEN, ids=row_id)
def test_a_world_breaking_one_row_fails_alike_in_findings_and_at_apply_time(
    check: Check,
) -> None:
    """R-127, R-158 (and the row's own R-nnn): check_requirements reports exactly the
    row, with its requirement and failure reason, and the task the engine then steps
    fails with that reason (a tag row: the object completes, its tag operation fails
    with it)."""
    breach = BREACHES[row_id(check)]
    eng = breach.engine()
    findings = check_requirements(eng, "src")
    assert [(f.requirement, f.failure_reason) for f in findings] == [
        (check.requirement, check.reason)
    ]
    breach.act(eng)
    (result,) = eng.run()
    reasons = [e.failure_reason for e in eng.events() if e.event_name == FAILED_OPERATION]
    assert reasons == [check.reason]
    fails_the_task = check.effect is Effect.FAIL or (
        check.effect is Effect.UNREADABLE_TAGS
        and breach.profile.missing_tag_read_permission is MissingTagReadPermission.FAIL
    )
    if fails_the_task:
        assert result.failure_reason is check.reason
    else:
        assert result.status is ReplicationStatus.COMPLETED
        assert not eng.head_object("dst", "k").tags


def _without_source(eng: Engine) -> None:
    eng.delete_object("src", "k", version_id=eng.head_object("src", "k").version_id)
    eng.delete_bucket_replication("src")
    eng.delete_bucket("src")


#: For each row findings foresee at their door, what breaks it once a task is queued.
DOOR_BREACHES: dict[str, Callable[[Engine], None]] = {
    "SOURCE_EXISTS": _without_source,
    "SOURCE_CONFIGURED": lambda eng: eng.delete_bucket_replication("src"),
}


def test_every_door_breach_names_a_row_at_the_door() -> None:
    """The worlds above are exactly one per source row findings foresee."""
    assert sorted(DOOR_BREACHES) == sorted(row_id(check) for check in AT_THE_DOOR)


@pytest.mark.parametrize("check", AT_THE_DOOR, ids=row_id)
def test_a_missing_source_or_configuration_fails_alike_in_findings_and_at_apply_time(
    check: Check,
) -> None:
    """R-127 (R-124: a step re-reads the world): with a task queued, deleting the
    source's configuration (or the source itself) makes check_requirements report the
    row, with its requirement and reason, and the task then fails with that reason."""
    eng = Breach().engine()
    eng.put_object("src", "k", b"x")
    DOOR_BREACHES[row_id(check)](eng)
    findings = check_requirements(eng, "src")
    assert [(f.requirement, f.failure_reason) for f in findings] == [
        (check.requirement, check.reason)
    ]
    (result,) = eng.run()
    assert result.failure_reason is check.reason


def test_unread_tags_fail_the_object_under_the_fail_switch() -> None:
    """R-158 [INF], profile missing_tag_read_permission=FAIL: the tag read row fails
    the object with the reason its finding names."""
    profile = Profile.aws().evolve(missing_tag_read_permission=MissingTagReadPermission.FAIL)
    breach = attrs.evolve(BREACHES["s3:GetObjectVersionTagging"], profile=profile)
    eng = breach.engine()
    (finding,) = check_requirements(eng, "src")
    breach.act(eng)
    (result,) = eng.run()
    assert (
        result.failure_reason
        is finding.failure_reason
        is FailureReason.SRC_GET_TAGGING_NOT_PERMITTED
    )


def test_findings_judge_stages_in_their_scope_and_order() -> None:
    """R-006, R-005, R-155: with no role and a missing destination, findings name the role
    and the destination and judge no object row (their presumptions failed)."""
    eng = BREACHES["DESTINATION_EXISTS"].engine()
    eng.delete_role(ROLE)
    world = eng.snapshot()
    source = world.buckets["src"]
    assert source.replication is not None
    unmet = unmet_checks(world, source, ROLE, source.replication.rules)
    assert [(u.check.stage, u.check.condition) for u in unmet] == [
        (Stage.ROLE, Condition.ROLE_ASSUMABLE),
        (Stage.DESTINATION, Condition.DESTINATION_EXISTS),
    ]
    only_destinations = unmet_checks(
        world, source, ROLE, source.replication.rules, stages=(Stage.DESTINATION,)
    )
    assert [u.check.condition for u in only_destinations] == [Condition.DESTINATION_EXISTS]


def test_permission_rows_follow_their_when_column_in_findings() -> None:
    """R-087, R-155: a rule without delete marker replication does not need the
    s3:ReplicateDelete row, so a role lacking it has no finding (NeedWhen.DELETE_MARKERS)."""
    (need_row,) = [
        c for c in CHECKS if c.need is not None and c.need.action == "s3:ReplicateDelete"
    ]
    assert need_row.need is not None
    assert need_row.need.when is NeedWhen.DELETE_MARKERS
    eng = attrs.evolve(BREACHES["s3:ReplicateDelete"], markers=False).engine()
    assert check_requirements(eng, "src") == ()
