"""The testing kit never passes vacuously (issue 13, "Never vacuous").

Each call below is one a test author made in issue 13, or its twin on the state machine:
a check that could not fail (no property, a region no bucket is in), a property naming a
bucket that does not exist, and a default (``source="src"``, ``config=None``) that does
not fit the world.  Each must raise :class:`CheckSetupError` (a ``ValueError``) before
any search, naming the culprit and what the world has instead; a mistake that follows
from a default names the default.
"""

from __future__ import annotations

from typing import Any

import pytest

from s3repl import Engine
from s3repl.testing.machine import replication_machine
from s3repl.testing.properties import (
    CheckSetupError,
    PolicyProperty,
    PolicyViolation,
    check_policy,
    eventually_replicated,
    never_leaves,
    replicas_owned_by,
    validate_check,
)

ROLE = "arn:aws:iam::123456789012:role/repl"


def world() -> Engine:
    """Issue 13's world: a primary in eu-west-1 and its copy in eu-central-1."""
    engine = Engine(seed=1)
    engine.create_bucket("primary", region="eu-west-1", versioning=True)
    engine.create_bucket("eu-copy", region="eu-central-1", versioning=True)
    engine.create_role(ROLE)
    return engine


POLICY: dict[str, Any] = {
    "Role": ROLE,
    "Rules": [
        {
            "ID": "copy-all",
            "Priority": 1,
            "Status": "Enabled",
            "Filter": {},
            "DeleteMarkerReplication": {"Status": "Disabled"},
            "Destination": {"Bucket": "arn:aws:s3:::eu-copy"},
        }
    ],
}


def _message(call: Any) -> str:
    with pytest.raises(CheckSetupError) as caught:
        call()
    assert isinstance(caught.value, ValueError)
    return str(caught.value)


# --- check_policy ------------------------------------------------------------------------


def test_check_policy_without_a_property_is_an_error() -> None:
    """Issue 13: ``check_policy(world, POLICY, source="primary")`` no longer passes."""
    message = _message(lambda: check_policy(world, POLICY, source="primary"))
    assert "no property" in message
    assert "would pass for any policy" in message


def test_a_region_no_bucket_is_in_is_an_error_listing_the_regions() -> None:
    """Issue 13: ``never_leaves(region="eu-wst-1")`` (a typo) names it and the world's regions.

    The property is about where copies live (R-170: destinations may be in any region);
    in a region with no bucket nothing is ever written, so it could never fail.
    """
    message = _message(
        lambda: check_policy(world, POLICY, never_leaves(region="eu-wst-1"), source="primary")
    )
    assert "never_leaves(region='eu-wst-1') names region 'eu-wst-1'" in message
    assert "did you mean 'eu-west-1'?" in message
    assert "['eu-central-1', 'eu-west-1']" in message


def test_a_region_the_source_is_not_in_is_an_error_naming_where_workloads_write() -> None:
    """``never_leaves`` judges versions written in its region; check_policy writes only to
    ``source``: with the source elsewhere no workload can change the verdict (R-170)."""
    message = _message(
        lambda: check_policy(world, POLICY, never_leaves(region="eu-central-1"), source="primary")
    )
    assert message == (
        "never_leaves(region='eu-central-1') judges versions written in 'eu-central-1', but "
        "check_policy's workloads write only to 'primary' (in eu-west-1), so no run can "
        "change whether it holds: write to a bucket in 'eu-central-1', or name the region "
        "you write in"
    )


def test_replication_pending_from_the_region_makes_the_check_meaningful() -> None:
    """A world with replication pending out of the region can still break it (R-170)."""

    def busy_world() -> Engine:
        engine = world()
        engine.create_bucket("eu-home", region="eu-central-1", versioning=True)
        engine.create_bucket("us-copy", region="us-east-1", versioning=True)
        home_policy = {**POLICY, "Rules": [dict(POLICY["Rules"][0])]}
        home_policy["Rules"][0]["Destination"] = {"Bucket": "arn:aws:s3:::us-copy"}
        engine.put_bucket_replication("eu-home", home_policy)
        engine.put_object("eu-home", "a")
        return engine

    assert busy_world().pending()
    with pytest.raises(PolicyViolation, match="has a copy in us-copy, which is in us-east-1"):
        check_policy(busy_world, POLICY, never_leaves(region="eu-central-1"), source="primary")


def test_a_destination_that_does_not_exist_is_an_error_not_a_violation() -> None:
    """Issue 13: ``eventually_replicated(to="eu-cpy")`` says the bucket does not exist (R-080)."""
    message = _message(
        lambda: check_policy(
            world, POLICY, eventually_replicated(to="eu-cpy"), source="primary", max_examples=5
        )
    )
    assert "names bucket 'eu-cpy', which is not in the world" in message
    assert "did you mean 'eu-copy'?" in message
    assert "['eu-copy', 'primary']" in message


@pytest.mark.parametrize(
    "prop",
    [
        eventually_replicated(to="eu-copy", source="primry"),
        replicas_owned_by("123456789012", to="eu-cpy"),
    ],
    ids=["eventually_replicated source", "replicas_owned_by to"],
)
def test_every_bucket_a_property_names_must_exist(prop: PolicyProperty) -> None:
    """A property whose ``source=`` or ``to=`` is not in the world is refused (R-080, R-151)."""
    message = _message(lambda: check_policy(world, POLICY, prop, source="primary"))
    assert message.startswith(f"{prop!r} names bucket")
    assert "which is not in the world" in message


def test_forgetting_source_names_the_default() -> None:
    """Issue 13: forgetting ``source=`` says that ``'src'`` is check_policy's default."""
    message = _message(lambda: check_policy(world, POLICY, eventually_replicated(to="eu-copy")))
    assert message.startswith("source='src' (check_policy's default;")
    assert "names bucket 'src', which is not in the world" in message
    assert "['eu-copy', 'primary']" in message


def test_a_missing_source_given_explicitly_is_not_called_a_default() -> None:
    """An explicit ``source=`` naming no bucket is named as given, without the default's hint."""
    message = _message(
        lambda: check_policy(world, POLICY, eventually_replicated(to="eu-copy"), source="prim")
    )
    assert message.startswith("source='prim' names bucket 'prim'")
    assert "default" not in message


def test_config_none_names_what_none_means() -> None:
    """``config=None`` on a source without a configuration says what ``None`` stands for."""
    message = _message(
        lambda: check_policy(world, None, eventually_replicated(to="eu-copy"), source="primary")
    )
    assert message.startswith("config=None means the configuration already on 'primary'")
    assert "ReplicationConfigurationNotFoundError" in message


def test_an_empty_world_says_it_has_no_buckets() -> None:
    """A world without buckets is named as such, not as an empty list."""
    message = _message(
        lambda: check_policy(Engine(), POLICY, never_leaves(region="eu-west-1"), source="primary")
    )
    assert message.endswith("it has no buckets")


def test_a_usable_check_still_finds_its_violation() -> None:
    """The setup checks refuse nothing meaningful: issue 13's leak is still found (R-170)."""
    with pytest.raises(PolicyViolation):
        check_policy(
            world, POLICY, never_leaves(region="eu-west-1"), source="primary", max_examples=20
        )


# --- the properties themselves and the helper the runners share ---------------------------


@pytest.mark.parametrize(
    ("prop", "culprit"),
    [
        (never_leaves(region="eu-wst-1"), "region 'eu-wst-1'"),
        (eventually_replicated(to="eu-cpy"), "bucket 'eu-cpy'"),
        (replicas_owned_by("123456789012", to="eu-cpy"), "bucket 'eu-cpy'"),
    ],
    ids=["never_leaves", "eventually_replicated", "replicas_owned_by"],
)
def test_a_property_judged_directly_refuses_a_world_it_cannot_judge(
    prop: PolicyProperty, culprit: str
) -> None:
    """``prop.check(engine)`` outside the runners refuses too, instead of passing (issue 13)."""
    message = _message(lambda: prop.check(world()))
    assert f"names {culprit}" in message
    assert "the engine" in message


def test_validate_check_names_the_argument_that_names_a_bucket() -> None:
    """The runners' shared helper says which argument named the missing bucket."""
    snapshot = world().snapshot()
    validate_check(snapshot, (never_leaves(region="eu-central-1"),), buckets={"primary": "x"})
    message = _message(
        lambda: validate_check(snapshot, (), buckets={"dst": "buckets="}, world_name="W")
    )
    assert message == "buckets= names bucket 'dst', which is not in W; its buckets are " + (
        "['eu-copy', 'primary']"
    )


# --- replication_machine -------------------------------------------------------------------


def test_the_machine_refuses_a_region_no_bucket_is_in_naming_the_default_world() -> None:
    """``replication_machine(properties=...)`` checks at its entry; ``world=None`` is named."""
    message = _message(lambda: replication_machine(properties=[never_leaves(region="eu-wst-1")]))
    assert "names region 'eu-wst-1', where the default world (world=None) has no bucket" in message


def test_the_machine_refuses_a_property_naming_a_missing_bucket() -> None:
    """A property over the user's world naming a bucket it lacks stops the machine (R-080)."""
    message = _message(
        lambda: replication_machine(world=world, properties=[eventually_replicated(to="eu-cpy")])
    )
    assert "names bucket 'eu-cpy', which is not in the world" in message


def test_the_machine_lists_the_world_s_buckets_for_an_unknown_buckets_argument() -> None:
    """``buckets=`` naming a bucket the world lacks lists the buckets it has (issue 13)."""
    with pytest.raises(ValueError, match="are not in the world") as caught:
        replication_machine(world=world, buckets=("primary", "primry"))
    assert str(caught.value).endswith("its buckets are ['eu-copy', 'primary']")
