"""The project's stateful tests of the engine run on the shipped ReplicationMachine.

Three worlds: the default one (fan-out with priorities, a tag rule, an SSE-KMS rule and
a chain, R-063..R-067, R-101, R-171), two-way replication with replica modification
sync (R-088, R-122, R-172), and the default one under the ``arrival`` ordering switch
(R-143).  Each checks every invariant after every rule and convergence at teardown;
the ``ci`` profile runs 100 derandomised examples of each.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from worlds import break_policy, two_way

from s3repl import Profile
from s3repl.testing.invariants import RoutingViolation
from s3repl.testing.machine import (
    DEFAULT_ROLE,
    ReplicationMachine,
    default_world,
    replication_machine,
)
from s3repl.testing.properties import (
    PropertyViolation,
    never_leaves,
    never_replicates_deletes_by_version,
)

TestReplication = ReplicationMachine.TestCase

TestTwoWayReplication = replication_machine(
    world=two_way, properties=(never_replicates_deletes_by_version(),)
).TestCase

TestArrivalOrder = replication_machine(
    profile=Profile.aws().evolve(destination_version_order="arrival")
).TestCase


#: The ci profile's budget without shrinking, for tests that only need a failure.
CI_BUDGET = settings(
    settings.get_profile("ci"), database=None, phases=(Phase.explicit, Phase.generate)
)


def _failing_program(error: BaseException) -> str:
    notes = "\n".join(getattr(error, "__notes__", ()))
    start = notes.index("state = ReplicationMachine()")
    end = notes.index("state.teardown()", start) + len("state.teardown()")
    return notes[start:end]


def test_a_failing_run_prints_a_program_that_replays_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failing run is printed as Python that reproduces the failure when executed."""
    break_policy(monkeypatch, "kms_opt_in", lambda rule: True)  # R-067 broken
    with pytest.raises(RoutingViolation) as caught:
        run_state_machine_as_test(ReplicationMachine, settings=CI_BUDGET)
    program = _failing_program(caught.value)
    # populate's SSE-KMS puts are routed (and checked) before the first rule
    assert program.splitlines()[:2] == ["state = ReplicationMachine()", "state.populate()"]
    with pytest.raises(RoutingViolation, match=r"R-060\.\.R-069"):
        exec(program, {"ReplicationMachine": ReplicationMachine})


def test_user_properties_are_checked_at_teardown() -> None:
    """A property the default world breaks (src replicates to eu-west-1) fails the run."""
    machine = replication_machine(properties=(never_leaves(region="us-east-1"),))
    with pytest.raises(PropertyViolation, match="which is in eu-west-1"):
        run_state_machine_as_test(machine, settings=CI_BUDGET)


def test_a_refused_configuration_is_reported_when_the_machine_is_made() -> None:
    """Every configuration to swap in must pass PutBucketReplication in the world (R-055)."""
    bad: dict[str, Any] = {
        "Role": DEFAULT_ROLE,
        "Rules": [
            {
                "ID": "r",
                "Priority": 1,
                "Status": "Enabled",
                "Filter": {},
                "DeleteMarkerReplication": {"Status": "Disabled"},
                "Destination": {"Bucket": "arn:aws:s3:::missing-bucket"},
            }
        ],
    }
    with pytest.raises(ValueError, match="refused by PutBucketReplication"):
        replication_machine(configurations={"src": [bad]})


def test_an_unknown_bucket_is_reported_when_the_machine_is_made() -> None:
    """The machine writes only to buckets of its world."""
    with pytest.raises(ValueError, match=r"\['nope'\] are not in the world"):
        replication_machine(world=default_world(), buckets=("src", "nope"))
