"""Policy properties and check_policy, used as a user would: a dozen lines per policy.

The first two tests are the user-style examples of issue 4: a property that holds
passes quietly; one that does not raises PolicyViolation showing the shrunk workload.
"""

from __future__ import annotations

from typing import Any

import pytest

from s3repl import Engine
from s3repl.testing.properties import (
    Call,
    Journal,
    JournalEntry,
    PolicyViolation,
    PropertyViolation,
    check_policy,
    eventually_replicated,
    never_leaves,
    never_replicates_deletes_by_version,
    replicas_owned_by,
)

ROLE = "arn:aws:iam::123456789012:role/repl"


def my_world() -> Engine:
    """A user's world: logs in eu-west-1, an archive next to them, a backup in the US."""
    engine = Engine(seed=1)
    engine.create_bucket("src", region="eu-west-1", versioning=True)
    engine.create_bucket("archive", region="eu-west-1", versioning=True)
    engine.create_bucket("backup", region="us-east-1", versioning=True)
    engine.create_role(ROLE)
    return engine


def rule(rule_id: str, priority: int, dest: str, flt: dict[str, Any], **extra: Any) -> Any:
    return {
        "ID": rule_id,
        "Priority": priority,
        "Status": "Enabled",
        "Filter": flt,
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "Destination": {"Bucket": f"arn:aws:s3:::{dest}", **extra},
    }


MY_POLICY = {
    "Role": ROLE,
    "Rules": [
        rule("archive-logs", 1, "archive", {"Prefix": "logs/"}, StorageClass="GLACIER"),
        rule("backup-logs", 2, "backup", {"Prefix": "logs/"}),
    ],
}


def test_a_true_property_passes() -> None:
    """Every log version reaches the archive in GLACIER, whatever the workload (R-080, R-089)."""
    check_policy(
        my_world(),
        MY_POLICY,
        eventually_replicated(prefix="logs/", to="archive", storage_class="GLACIER"),
        replicas_owned_by("123456789012", to="archive"),
        never_replicates_deletes_by_version(),
    )


def test_a_false_property_raises_the_shrunk_counterexample() -> None:
    """Secret logs leave eu-west-1 through the backup rule; the workload shows how (R-170)."""
    with pytest.raises(PolicyViolation) as caught:
        check_policy(
            my_world, MY_POLICY, never_leaves(region="eu-west-1", tagged={"class": "secret"})
        )
    error = caught.value
    assert error.workload == (
        Call("put_object", ("src", "logs/a"), {"tags": {"class": "secret"}}),
        Call("run"),
    )
    message = str(error)
    assert "never_leaves(region='eu-west-1', tagged={'class': 'secret'}) is false" in message
    assert "    engine.put_object('src', 'logs/a', tags={'class': 'secret'})\n" in message
    assert "has a copy in backup, which is in us-east-1" in message


def test_eventually_replicated_is_false_under_a_tag_filter() -> None:
    """A tag-filtered rule leaves untagged versions behind (R-061): the property says why."""
    policy = {
        "Role": ROLE,
        "Rules": [rule("tagged", 1, "archive", {"Tag": {"Key": "keep", "Value": "yes"}})],
    }
    with pytest.raises(PolicyViolation, match="not eligible for replication") as caught:
        check_policy(my_world(), policy, eventually_replicated(prefix="logs/", to="archive"))
    assert caught.value.workload[0].method == "put_object"
    assert "keep" not in repr(caught.value.workload[0])


def test_eventually_replicated_checks_the_storage_class() -> None:
    """The storage class override of the rule is what the property expects (R-089)."""
    with pytest.raises(PolicyViolation, match="in backup as STANDARD, not GLACIER"):
        check_policy(
            my_world(),
            MY_POLICY,
            eventually_replicated(prefix="logs/", to="backup", storage_class="GLACIER"),
        )


def test_replicas_owned_by_names_the_wrong_owner() -> None:
    """Replicas in a BucketOwnerEnforced destination belong to its owner (R-154)."""
    with pytest.raises(PolicyViolation, match="is owned by 123456789012"):
        check_policy(my_world(), MY_POLICY, replicas_owned_by("444455556666", to="archive"))


def test_check_policy_uses_the_configuration_already_in_place() -> None:
    """``config=None`` judges the source bucket's current configuration."""
    engine = my_world()
    engine.put_bucket_replication("src", MY_POLICY)
    with pytest.raises(PolicyViolation, match="never_leaves"):
        check_policy(engine.snapshot(), None, never_leaves(region="eu-west-1"), max_examples=20)


def test_never_replicates_deletes_by_version_fires_when_a_copy_vanished() -> None:
    """A copy that disappears with its source's version-id delete is reported (R-103)."""
    engine = my_world()
    engine.put_bucket_replication("src", MY_POLICY)
    version = engine.put_object("src", "logs/a", b"x")
    engine.run()
    before = engine.snapshot()
    delete = Call("delete_object", ("src", "logs/a"), {"version_id": version.version_id})
    delete.apply(engine)
    engine.delete_object("backup", "logs/a", version_id=version.version_id)  # as if propagated
    journal = Journal(entries=(JournalEntry(call=delete, before=before),))
    prop = never_replicates_deletes_by_version()
    with pytest.raises(PropertyViolation, match=r"the copy of logs/a .* in backup is gone"):
        prop.check(engine, journal=journal)
    with pytest.raises(ValueError, match="needs the journal"):
        prop.check(engine)


def test_calls_print_as_python_that_makes_them() -> None:
    """A workload's calls print as ``engine.method(...)`` and replay when evaluated."""
    call = Call("put_object", ("src", "logs/a", b"x"), {"tags": {"k": "v"}})
    assert repr(call) == "engine.put_object('src', 'logs/a', b'x', tags={'k': 'v'})"
    engine = my_world()
    eval(repr(call), {"engine": engine})
    assert engine.head_object("src", "logs/a").tags == {"k": "v"}


def test_properties_print_as_the_calls_that_make_them() -> None:
    """A property's repr is the call that makes it, so violations read as code."""
    assert repr(eventually_replicated(prefix="logs/", to="archive", storage_class="GLACIER")) == (
        "eventually_replicated(prefix='logs/', to='archive', storage_class='GLACIER')"
    )
    assert repr(never_leaves(region="eu-west-1", tagged={"class": "secret"}, prefix="p/")) == (
        "never_leaves(region='eu-west-1', tagged={'class': 'secret'}, prefix='p/')"
    )
    assert repr(replicas_owned_by("123456789012", to="a")) == (
        "replicas_owned_by('123456789012', to='a')"
    )
    assert repr(never_replicates_deletes_by_version()) == "never_replicates_deletes_by_version()"
