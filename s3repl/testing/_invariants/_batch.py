"""What Batch Replication jobs may do that live replication never does (R-177).

A job may give a version older than its configuration a status (R-100), move a
``FAILED`` version to ``COMPLETED`` (R-113), add a destination to a version (R-102) and
copy a replica on (R-101).  The invariants of live replication hold for every other
version; these helpers name the versions a job was asked to replicate, read from the
snapshot's engine state (a World built by hand has no jobs).
"""

from __future__ import annotations

from s3repl.engine import EngineState
from s3repl.world import World

__all__ = ["batch_subjects"]


def batch_subjects(world: World) -> frozenset[tuple[str, str, str]]:
    """``(bucket, key, version_id)`` of every version a Batch Replication job names."""
    state = world.engine_state
    if not isinstance(state, EngineState):
        return frozenset()
    return frozenset(
        (entry.bucket, entry.key, entry.version_id)
        for job in state.jobs
        for entry in job.entries
        if entry.version_id is not None
    )
