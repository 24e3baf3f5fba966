"""The planned paths against the general ones (R-101, R-124, R-143, R-158).

``policy.object_plan`` lets the engine apply the usual task (a plain object whose
checks all pass) without deciding it again, and a put without options takes its
bucket's defaults memoised per world view.  The planned paths must write exactly what
the general paths write: a state machine drives an engine with plans and a twin with
them switched off through the same calls, and compares every answer and, after every
rule, the whole world (versions, statuses, queue, clock, ids, events, metrics).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule
from worlds import two_way

from s3repl import Engine, FaultPlan, Profile, ReplicationStatus, policy
from s3repl.testing.machine import DEFAULT_ROLE, ReplicationMachine, replication_machine
from s3repl.testing.properties import Call


class _ComparesPaths(ReplicationMachine):
    """Every call goes to both engines; their answers and worlds must be equal."""

    def __init__(self) -> None:
        super().__init__()
        self.general = Engine.from_snapshot(self.engine.snapshot())
        self.general._plans = False

    def _call(self, call: Call) -> Any:
        try:
            answer = super()._call(call)
        except Exception as error:
            with pytest.raises(type(error), match=f"^{re.escape(str(error))}$"):
                call.apply(self.general)
            raise
        assert call.apply(self.general) == answer, f"{call} answered differently"
        return answer

    @rule(choice=st.integers(min_value=0, max_value=7), kms=st.booleans())
    def change_default_encryption(self, choice: int, kms: bool) -> None:
        """Change what a put without options resolves to (its default encryption),
        between two puts without options to the bucket (compared like every call).

        Ownership changes are left out: the machine's ACL rule assumes them fixed;
        ``tests/test_engine_objects.py`` covers them for plain puts.
        """
        setup = self.setup()
        bucket = setup.buckets[choice % len(setup.buckets)]
        region = self.engine.get_bucket(bucket).region
        keys = [arn for arn in setup.kms_keys if arn.split(":")[3] == region]
        default: dict[str, str] = {"SSEAlgorithm": "AES256"}
        if kms and keys:
            default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": keys[0]}
        encryption = {"Rules": [{"ApplyServerSideEncryptionByDefault": default}]}
        self.put(bucket, setup.keys[0], {}, "plain")
        with self._checked():
            self._call(Call("put_bucket_encryption", (bucket, encryption)))
        self.put(bucket, setup.keys[0], {}, "plain")

    @invariant()
    def both_paths_wrote_the_same_world(self) -> None:
        assert self.engine.snapshot() == self.general.snapshot()
        assert self.engine.events() == self.general.events()


def comparing(machine: type[ReplicationMachine]) -> type[ReplicationMachine]:
    """``machine``'s world and rules, run on both paths."""
    return type(
        f"Planned{machine.__name__}",
        (_ComparesPaths, machine),
        {"_setup_cache": machine.setup()},
    )


TestDefaultWorldOnBothPaths = comparing(ReplicationMachine).TestCase
TestTwoWayOnBothPaths = comparing(replication_machine(world=two_way)).TestCase
TestArrivalOrderOnBothPaths = comparing(
    replication_machine(profile=Profile.aws().evolve(destination_version_order="arrival"))
).TestCase


# --- when the plan is taken ---------------------------------------------------------------


def replicating(rule: dict[str, Any] | None = None) -> Engine:
    """src (us-east-1) replicating every object to dst (eu-west-1) under one rule."""
    engine = Engine(seed=3)
    engine.create_bucket("src", versioning=True)
    engine.create_bucket("dst", region="eu-west-1", versioning=True)
    engine.create_role(DEFAULT_ROLE)
    engine.put_bucket_replication(
        "src",
        {
            "Role": DEFAULT_ROLE,
            "Rules": [
                {
                    "ID": "all",
                    "Priority": 1,
                    "Status": "Enabled",
                    "Filter": {},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {"Bucket": "arn:aws:s3:::dst"},
                    **(rule or {}),
                }
            ],
        },
    )
    return engine


@pytest.fixture
def planned(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record, for every object task applied, whether a plan applied it."""
    seen: list[bool] = []
    original = policy.object_plan

    def spy(*args: Any) -> policy.ObjectPlan | None:
        plan = original(*args)
        seen.append(plan is not None)
        return plan

    monkeypatch.setattr(policy, "object_plan", spy)
    return seen


def test_a_plain_object_takes_the_plan(planned: list[bool]) -> None:
    """R-124: the usual object completes through the plan, with the general path's result."""
    engine = replicating()
    version = engine.put_object("src", "a", b"x")
    result = engine.step()
    assert planned == [True]
    assert result.status is ReplicationStatus.COMPLETED
    assert engine.head_object("src", "a").replication_status is ReplicationStatus.COMPLETED
    replica = engine.head_object("dst", "a")
    assert replica.version_id == version.version_id
    assert replica.replication_status is ReplicationStatus.REPLICA


def test_a_tagged_object_takes_the_general_path(planned: list[bool]) -> None:
    """R-158: tags need a tag read, so a tagged version is decided again."""
    engine = replicating()
    engine.put_object("src", "a", b"x", tags={"k": "v"})
    engine.step()
    assert planned == [False]


def test_a_foreign_owned_object_takes_the_general_path(planned: list[bool]) -> None:
    """R-107, R-158: another account's object is decided again (its ACL decides, R-008)."""
    writer = "444455556666"
    engine = replicating()
    engine.put_bucket_ownership_controls("src", "ObjectWriter")
    engine.put_bucket_policy(
        "src",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{writer}:root"},
                    "Action": "s3:PutObject",
                    "Resource": "arn:aws:s3:::src/*",
                }
            ],
        },
    )
    engine.put_object("src", "a", b"x", acl="bucket-owner-full-control", account=writer)
    assert engine.step().status is ReplicationStatus.COMPLETED
    assert planned == [False]
    assert engine.head_object("src", "a").owner == writer


def test_rtc_rules_take_the_general_path(planned: list[bool]) -> None:
    """R-129: an RTC rule may send threshold events, which only the general path sends."""
    engine = replicating(
        {
            "Destination": {
                "Bucket": "arn:aws:s3:::dst",
                "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
                "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
            }
        }
    )
    engine.put_object("src", "a", b"x")
    engine.step()
    assert planned == [False]


def test_a_failing_check_takes_the_general_path(planned: list[bool]) -> None:
    """R-158: an outcome other than "completed" is never planned."""
    engine = replicating()
    engine.put_bucket_versioning("dst", "Suspended")
    engine.put_object("src", "a", b"x")
    result = engine.step()
    assert planned == [False]
    assert result.status is ReplicationStatus.FAILED


def test_faults_switch_plans_off(planned: list[bool]) -> None:
    """R-124: with a fault plan in force every task is decided again (and may retry)."""
    engine = replicating()
    engine.set_faults(FaultPlan(unavailable_buckets=frozenset({"dst"})))
    engine.put_object("src", "a", b"x")
    assert engine.step().status is ReplicationStatus.PENDING
    assert planned == []
