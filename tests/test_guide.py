"""The worked example of docs/testing.md, as the pytest tests a user would write.

A user states a property of their own replication configuration in about a dozen
lines: one that holds passes quietly, one that is false raises PolicyViolation whose
message shows the counterexample workload Hypothesis shrank (issue 4, "Done when").
"""

from __future__ import annotations

import pytest

from s3repl import Engine
from s3repl.testing.properties import (
    PolicyViolation,
    check_policy,
    eventually_replicated,
    never_leaves,
)

ROLE = "arn:aws:iam::123456789012:role/replication"

#: Logs to an archive in the same region, in GLACIER; everything to a US backup.
MY_POLICY = {
    "Role": ROLE,
    "Rules": [
        {
            "ID": "archive-logs",
            "Priority": 1,
            "Status": "Enabled",
            "Filter": {"Prefix": "logs/"},
            "DeleteMarkerReplication": {"Status": "Disabled"},
            "Destination": {"Bucket": "arn:aws:s3:::archive", "StorageClass": "GLACIER"},
        },
        {
            "ID": "backup-all",
            "Priority": 2,
            "Status": "Enabled",
            "Filter": {},
            "DeleteMarkerReplication": {"Status": "Enabled"},
            "Destination": {"Bucket": "arn:aws:s3:::backup"},
        },
    ],
}


def my_world() -> Engine:
    """The user's buckets: the source and its archive in eu-west-1, the backup in us-east-1."""
    engine = Engine(seed=1)
    engine.create_bucket("src", region="eu-west-1", versioning=True)
    engine.create_bucket("archive", region="eu-west-1", versioning=True)
    engine.create_bucket("backup", region="us-east-1", versioning=True)
    engine.create_role(ROLE)
    return engine


def test_logs_are_archived_in_glacier() -> None:
    """Every version under logs/ reaches archive, in the rule's storage class (R-080, R-089)."""
    check_policy(
        my_world,
        MY_POLICY,
        eventually_replicated(prefix="logs/", to="archive", storage_class="GLACIER"),
        max_examples=20,
    )


def test_secrets_leave_the_region_and_the_counterexample_shows_how() -> None:
    """The untagged backup rule copies a secret object to us-east-1 (R-063, R-170).

    check_policy raises PolicyViolation, and its message lists the shrunk workload as
    engine calls: one put of a secret object, then the run that replicates it.
    """
    with pytest.raises(PolicyViolation) as caught:
        check_policy(
            my_world,
            MY_POLICY,
            never_leaves(region="eu-west-1", tagged={"class": "secret"}),
            max_examples=20,
        )
    message = str(caught.value)
    assert message.startswith(
        "never_leaves(region='eu-west-1', tagged={'class': 'secret'}) is false for this policy."
    )
    assert (
        "    engine.put_object('src', 'a', tags={'class': 'secret'})\n    engine.run()\n"
    ) in message
    assert "has a copy in backup, which is in us-east-1" in message
