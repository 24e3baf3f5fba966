"""The shipped ReplicationMachine with Batch Replication jobs among its rules (R-177).

Jobs of every status filter over the default world's source run while objects are
written, deleted, tagged and replicated in any order; every invariant holds after every
rule, and the world converges at teardown (R-100, R-101, R-113, R-124, R-141).
"""

from __future__ import annotations

import hypothesis.strategies as st
from batch_world import JOB_ROLE
from hypothesis import settings
from hypothesis.stateful import rule, run_state_machine_as_test

from s3repl.errors import S3Error
from s3repl.model import ObjectVersion, StorageClass
from s3repl.testing.machine import ReplicationMachine, replication_machine

_JOB_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:InitiateReplication", "Resource": "arn:aws:s3:::*/*"},
        {
            "Effect": "Allow",
            "Action": ["s3:GetReplicationConfiguration", "s3:PutInventoryConfiguration"],
            "Resource": "arn:aws:s3:::*",
        },
    ],
}
_STATUSES = ("NONE", "FAILED", "COMPLETED", "REPLICA")


# Jobs over src only: a job over dst copies replicas on to dst2, which src also
# reaches directly under another rule, and the invariants' replica-shape check cannot
# tell which rule a copy came by (see the regression tests below for dst).
@rule(
    source=st.sampled_from(("src",)),
    statuses=st.sets(st.sampled_from(_STATUSES)),
    eligible=st.booleans(),
)
def _batch_rule(self: ReplicationMachine, source: str, statuses: set[str], eligible: bool) -> None:
    """Start a job over ``source`` with a generated manifest (R-126, R-177)."""
    with self._checked():
        if JOB_ROLE not in self.engine.snapshot().roles:
            self.engine.create_role(JOB_ROLE, policy=_JOB_POLICY)
        flt: dict[str, object] = {"EligibleForReplication": eligible}
        if statuses:
            flt["ObjectReplicationStatuses"] = sorted(statuses)
        token = f"job-{len(self.engine.list_jobs()['Jobs'])}"
        try:
            self.engine.create_job(
                operation={"S3ReplicateObject": {}},
                report={"Enabled": False},
                client_request_token=token,
                priority=1,
                role_arn=JOB_ROLE,
                manifest_generator={
                    "S3JobManifestGenerator": {
                        "SourceBucket": f"arn:aws:s3:::{source}",
                        "EnableManifestOutput": False,
                        "Filter": flt,
                    }
                },
            )
        except S3Error:
            return  # refused in this state: nothing changed


# The default world without its configuration swaps: a job replicates a version under
# the configuration of its run, and when the machine has swapped src's configuration
# since the version's live replica was made, the invariants cannot tell which rule's
# shape (storage class, replica key) a replica must have (left open, see the session
# note). Jobs among every other rule, over the default world's first configuration:
_Base = replication_machine(configurations={})


class BatchMachine(_Base):  # type: ignore[misc,valid-type]
    """ReplicationMachine plus a rule that starts a Batch Replication job."""

    batch = _batch_rule


class SwappingBatchMachine(ReplicationMachine):
    """The default world with its configuration swaps, for the hand-written runs below."""

    batch = _batch_rule


def test_r177_jobs_keep_every_invariant_among_live_replication() -> None:
    """R-177: with jobs interleaved with every other rule, the invariants hold."""
    run_state_machine_as_test(
        BatchMachine, settings=settings(max_examples=60, stateful_step_count=25, deadline=None)
    )


def test_r121_a_failed_copy_over_a_copy_copied_on_keeps_the_status() -> None:
    """R-121, R-177 (found by the machine): a replica copied on from dst to dst2 by one
    job, then a job over src whose copy to dst2 fails (role revoked): the copy in dst2
    stays, and src's version does not say FAILED for a destination holding its copy."""
    state = SwappingBatchMachine()
    state.populate()
    state.batch(eligible=False, source="dst", statuses=set())
    state.run()
    state.replication_is_safe()
    state.configure(choice=2)
    state.disturb(change="role arn:aws:iam::123456789012:role/s3repl-machine revoked")
    state.batch(eligible=False, source="src", statuses=set())
    state.run()
    state.replication_is_safe()
    # No teardown: its metadata-convergence check compares dst2's copy with src's ACL,
    # but this copy came on from dst (BucketOwnerEnforced: no ACL); which ACL a copied-on
    # replica must converge to is left open (session note).


def test_r089_a_copy_written_twice_in_one_run_is_checked_against_its_last_writer() -> None:
    """R-089, R-177 (found by the machine): a job copies src's version to dst2 under
    'public-to-dst2' (STANDARD_IA) while it is tagged public; retagged, a second job
    copies it again under 'not-tmp-to-dst2' (no storage class: STANDARD) in the same
    run.  The copy in dst2 is the second one, and the machine checks it against the
    rule of the step that wrote it last, not the first."""
    state = BatchMachine()
    state.populate()
    state.batch(eligible=False, source="src", statuses={"COMPLETED"})
    state.step(choice=0)
    tagged = [
        version.version_id
        for version in state.engine.list_object_versions("src")
        if version.key == "logs/a" and isinstance(version, ObjectVersion)
    ]
    assert len(tagged) == 2  # the world's two versions of logs/a, newest first
    state.tag(version=("src", "logs/a", tagged[1]))
    state.batch(eligible=False, source="src", statuses=set())
    state.run()
    state.replication_is_safe()
    copy = state.engine.head_object("dst2", "logs/a", version_id=tagged[1])
    assert copy.storage_class is StorageClass.STANDARD  # the last copy's rule
    state.teardown()
