"""The shipped machine catches the bugs issue 13 found it missing (R-124, R-129, R-084).

Each test breaks one decision with ``monkeypatch`` (as ``tests/test_mutations.py``
does) and runs the default machine within the ``ci`` profile's budget without
shrinking, asserting which of the new checks caught it.  The full kill table, sixteen
mutants and more against the suite and the machine, is ``tools/mutants/run.py``
(docs/testing.md).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from worlds import break_policy

from s3repl import policy
from s3repl.model import FailureReason
from s3repl.policy import _apply
from s3repl.testing.invariants import (
    FailureReasonViolation,
    FailureReportViolation,
    MetadataConvergenceViolation,
)
from s3repl.testing.machine import ReplicationMachine

CI_BUDGET = settings(
    settings.get_profile("ci"), database=None, phases=(Phase.explicit, Phase.generate)
)


def test_a_transient_outage_recorded_as_failed_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """DstBucketNotFound for a bucket that is only down: the world explains no failure (R-124)."""
    original = _apply._ruling

    def outage_fails(
        world: Any, task: Any, version: Any, unavailable: frozenset[str], answers: Any
    ) -> Any:
        if task.destination_bucket in unavailable or task.source_bucket in unavailable:
            outcome = policy.ApplyOutcome.fail(FailureReason.DST_BUCKET_NOT_FOUND)
            return answers.failure(world, task, outcome)
        return original(world, task, version, unavailable, answers)

    monkeypatch.setattr(_apply, "_ruling", outage_fails)
    with pytest.raises(FailureReasonViolation, match="DstBucketNotFound"):
        run_state_machine_as_test(ReplicationMachine, settings=CI_BUDGET)


def test_dropped_failure_events_are_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure under a rule with metrics must send OperationFailedReplication (R-129)."""
    break_policy(monkeypatch, "failure_notifications", lambda rule, reasons: ())
    with pytest.raises(FailureReportViolation, match="R-129"):
        run_state_machine_as_test(ReplicationMachine, settings=CI_BUDGET)


def test_metadata_changes_never_replicated_are_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tag or ACL change after replication must reach the replica (R-084, R-085)."""
    original = policy.route_metadata

    def source_changes_stay(world: Any, bucket: str, version: Any, **kwargs: Any) -> Any:
        if version.replication_status is not None and version.destination_statuses:
            return ()
        return original(world, bucket, version, **kwargs)

    break_policy(monkeypatch, "route_metadata", source_changes_stay)
    with pytest.raises(MetadataConvergenceViolation):
        run_state_machine_as_test(ReplicationMachine, settings=CI_BUDGET)


def test_every_mutant_still_anchors_on_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each mutant of ``tools/mutants`` matches its file exactly once (issue 13's kill table).

    The mutants pin the R-ids their catalogue lists (R-062 .. R-131); a refactor that
    moves a pattern would silently turn the harness off, so the drift fails here.
    """
    import importlib.util
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location(
        "mutant_catalogue", root / "tools" / "mutants" / "catalogue.py"
    )
    assert spec is not None
    assert spec.loader is not None
    catalogue = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, catalogue)  # dataclasses look it up
    spec.loader.exec_module(catalogue)
    assert len(catalogue.MUTANTS) >= 16
    for mutant in catalogue.MUTANTS:
        original = (root / mutant.path).read_text(encoding="utf-8")
        assert catalogue.mutated_text(mutant, original) != original, mutant.name
