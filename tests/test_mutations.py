"""Deliberately broken engines: each breaks one replication decision and must be caught.

Every test patches one decision with ``monkeypatch`` and runs the shipped
:class:`~s3repl.testing.machine.ReplicationMachine` within the ``ci`` profile's budget
(100 derandomised examples; shrinking is skipped, only detection matters here), then
asserts which invariant caught it (``tests/test_machine.py`` runs the same machine on
the unbroken engine).  Where the engine does not ask ``policy`` (deletes by
version id, the destination's version order), the test patches the engine or the store
at the one place that decision is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import pytest
from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from worlds import break_policy

from s3repl import policy
from s3repl.engine import Engine
from s3repl.errors import StepLimitExceededError
from s3repl.model import (
    DeleteMarker,
    FrozenMap,
    ObjectVersion,
    ReplicationConfiguration,
    ReplicationStatus,
)
from s3repl.testing.invariants import (
    DeletePropagationViolation,
    InvariantViolation,
    LifecycleViolation,
    RoutingViolation,
    StatusTransitionViolation,
    VersionOrderViolation,
    check_all,
)
from s3repl.testing.machine import ReplicationMachine
from s3repl.world import World

#: The ci profile's budget, without shrinking: a mutation is caught or it is not.
CI_BUDGET = settings(
    settings.get_profile("ci"),
    database=None,
    phases=(Phase.explicit, Phase.generate),
)


def run_machine() -> None:
    run_state_machine_as_test(ReplicationMachine, settings=CI_BUDGET)


def lowest_priority_wins(
    config: ReplicationConfiguration,
    key: str,
    tags: Mapping[str, str],
    *,
    kms_encrypted: bool = False,
) -> tuple[policy.Route, ...]:
    """``winning_rules`` with the priority comparison turned around."""
    best: dict[str, Any] = {}
    for rule in config.rules:
        if not rule.is_enabled or not policy.rule_matches(rule, key, tags):
            continue
        if kms_encrypted and not policy.kms_opt_in(rule):
            continue
        held = best.get(rule.destination.bucket_name)
        if held is None or (rule.priority or 0) < (held.priority or 0):
            best[rule.destination.bucket_name] = rule
    return tuple(policy.Route(destination_bucket=d, rule=r) for d, r in best.items())


def every_marker(world: World, bucket: str, marker: DeleteMarker) -> tuple[policy.Route, ...]:
    """``route_delete_marker`` without the DeleteMarkerReplication check."""
    source = world.bucket(bucket)
    if source is None or source.replication is None:
        return ()
    return policy.winning_rules(source.replication, marker.key, FrozenMap())


def test_ignoring_priority_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lowest-priority rule winning a destination breaks routing (R-063, R-064)."""
    break_policy(monkeypatch, "winning_rules", lowest_priority_wins)
    with pytest.raises(RoutingViolation):
        run_machine()


def test_skipping_the_sse_kms_opt_in_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """SSE-KMS objects replicated under rules without the opt-in break routing (R-067, R-109)."""
    break_policy(monkeypatch, "kms_opt_in", lambda rule: True)
    with pytest.raises(RoutingViolation, match="went to"):
        run_machine()


def test_re_replicating_replicas_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A replica's change sent onwards by every rule, not only ReplicaModifications ones,
    is a replica replicated again (R-088, R-101, R-122).

    The engine never routes an arriving replica (it writes it without asking
    ``route_object``), so the replica gate of ``route_object`` cannot be broken from
    ``policy``; the ReplicaModifications gate of ``route_metadata`` is where replicas
    are kept from travelling on.
    """
    break_policy(monkeypatch, "_replica_modifications", lambda rule: True)
    with pytest.raises(StatusTransitionViolation, match="replicas are not replicated"):
        run_machine()


def test_replicating_delete_markers_against_the_rule_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Delete markers replicated where DeleteMarkerReplication is Disabled (R-087, R-110)."""
    break_policy(monkeypatch, "route_delete_marker", every_marker)
    with pytest.raises(RoutingViolation, match="new delete marker went to"):
        run_machine()


def test_replicating_deletes_by_version_id_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A delete by version id routed to the destinations like a delete marker (R-103, T-52):
    ``policy.route_version_delete`` answers with the winning rules instead of nowhere."""

    def propagating(world: World, bucket: str, version: Any) -> tuple[policy.Route, ...]:
        source = world.bucket(bucket)
        if source is None or source.replication is None:
            return ()
        return policy.winning_rules(source.replication, version.key, FrozenMap())

    break_policy(monkeypatch, "route_version_delete", propagating)
    with pytest.raises(DeletePropagationViolation, match="R-103"):
        run_machine()


def test_a_late_older_version_becoming_current_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Replicas stacked by arrival while the profile says source order (R-143, T-76):
    ``policy.orders_by_source_time`` answers no."""
    break_policy(monkeypatch, "orders_by_source_time", lambda _profile: False)
    with pytest.raises(VersionOrderViolation):
        run_machine()


def test_expiring_a_pending_version_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lifecycle expiration that does not wait for a PENDING version (R-125, T-74)."""
    break_policy(monkeypatch, "lifecycle_may_expire", lambda version: True)
    with pytest.raises(LifecycleViolation, match="while it was PENDING"):
        run_machine()


def test_replicas_not_marked_replica_are_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A replica written without the REPLICA status (R-120, R-101): its shape, which
    gives every replica its status, copies the source's instead."""
    original = policy.ReplicaShape.build

    def unmarked(shape: policy.ReplicaShape, version: ObjectVersion, *args: Any) -> ObjectVersion:
        replica = original(shape, version, *args)
        return attrs.evolve(replica, replication_status=version.replication_status)

    monkeypatch.setattr(policy.ReplicaShape, "build", unmarked)
    # Unmarked, the replica is routed again like a new version: either an invariant
    # fires first, or the copies chase each other until the bounded run gives up.
    with pytest.raises((InvariantViolation, StepLimitExceededError)):
        run_machine()


def test_rereplicating_replicas_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replicas routed again like new versions (R-101, R-171): ``policy.route_object``
    forgets that a REPLICA never replicates, and a chain A -> B -> C carries A's object
    on to C."""
    original = policy.route_object

    def routes_replicas(world: World, bucket: str, version: ObjectVersion) -> Any:
        if version.replication_status is ReplicationStatus.REPLICA:
            version = attrs.evolve(version, replication_status=None)
        return original(world, bucket, version)

    break_policy(monkeypatch, "route_object", routes_replicas)
    eng = Engine(seed=5)
    role = "arn:aws:iam::123456789012:role/chain"
    for name in ("a-bucket", "b-bucket", "c-bucket"):
        eng.create_bucket(name, versioning=True)
    eng.create_role(role)
    for source, destination in (("a-bucket", "b-bucket"), ("b-bucket", "c-bucket")):
        rule = {
            "ID": "all",
            "Priority": 1,
            "Status": "Enabled",
            "Filter": {},
            "DeleteMarkerReplication": {"Status": "Disabled"},
            "Destination": {"Bucket": f"arn:aws:s3:::{destination}"},
        }
        eng.put_bucket_replication(source, {"Role": role, "Rules": [rule]})
    eng.put_object("a-bucket", "k", b"x")
    eng.run()
    with pytest.raises(InvariantViolation):
        check_all(eng)
