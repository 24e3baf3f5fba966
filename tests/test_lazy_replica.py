"""A replica a step places into a bucket that does not replicate is built when first read.

``policy.apply`` gives such a replica by its shape (``Applied.replica_shape``) and the
store keeps the source version with the shape until something reads the replica
(``ObjectStore.place_replica_of``).  Whoever reads it, and when (the engine, a fork, a
pickled copy), it is the replica a build at the step gives (R-083, R-142).  A replica
whose default retention counts from the step (R-086), or one written into a bucket that
replicates on (R-101), is built at the step.
"""

from __future__ import annotations

import datetime as dt
import pickle

import attrs
import pytest
from worlds import fan_out, two_way

from s3repl import Engine, policy
from s3repl.model import (
    ObjectLockMode,
    ObjectVersion,
    ReplicationStatus,
    ServerSideEncryption,
    StorageClass,
)
from s3repl.world import World


def next_applied(engine: Engine) -> tuple[World, ObjectVersion, policy.Applied]:
    """What ``policy.apply`` decides for the next queued task, in a snapshot."""
    world = engine.snapshot()
    task = engine.pending()[0]
    version = world.version(task.source_bucket, task.key, task.version_id)
    assert isinstance(version, ObjectVersion)
    applied = policy.apply(world, task, version, lambda: engine.now, world.clock_us)
    return world, version, applied


def test_a_replica_into_a_plain_bucket_is_given_by_its_shape() -> None:
    """R-083, R-142: into a bucket without a configuration, the step gives the replica
    by its shape; the replica the engine then shows is that shape's replica of the
    source version (same key, version id, time, body; status REPLICA, R-120)."""
    engine = fan_out("dst")
    engine.put_object("src", "k", b"payload", metadata={"m": "1"}, tags={"t": "1"})
    _, version, applied = next_applied(engine)
    assert applied.replica is None
    shape = applied.replica_shape
    assert shape is not None
    assert shape.default_retention is None  # nothing counts from the moment of writing
    expected = shape.replica_of(version)
    engine.step()
    shown = engine.head_object("dst", "k")
    assert attrs.evolve(shown, is_latest=False) == expected
    assert (shown.version_id, shown.last_modified, shown.body) == (
        version.version_id,
        version.last_modified,
        version.body,
    )
    assert shown.replication_status is ReplicationStatus.REPLICA


def test_a_default_retention_is_taken_at_the_step() -> None:
    """R-086: a replica that takes the destination's default retention counts it from
    the moment of writing, so the step builds it; its shape refuses to build it later."""
    engine = fan_out("dst")
    engine.put_object_lock_configuration(  # on the versioned destination
        "dst",
        {
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}},
        },
    )
    engine.put_object("src", "k", b"x")
    engine.advance(seconds=3600)  # the step's moment is an hour after the put
    world, version, applied = next_applied(engine)
    assert applied.replica_shape is None
    assert isinstance(applied.replica, ObjectVersion)
    assert applied.replica.object_lock_mode is ObjectLockMode.GOVERNANCE
    assert applied.replica.object_lock_retain_until_date == engine.now + dt.timedelta(days=30)
    shape = policy.replica_shape(
        None, world.buckets["dst"], StorageClass.STANDARD, ServerSideEncryption.SSE_S3
    )
    assert shape.default_retention is not None
    assert version.object_lock_mode is None  # so the retention counts from the writing
    with pytest.raises(ValueError, match="default retention"):
        shape.replica_of(version)


def test_a_replica_into_a_bucket_that_replicates_is_built_and_goes_nowhere() -> None:
    """R-101: into a bucket that replicates on, the step builds the replica and asks
    routing about it, which sends it nowhere."""
    engine = two_way()
    engine.put_object("east", "k", b"x")
    _, _, applied = next_applied(engine)
    assert applied.replica_shape is None
    assert isinstance(applied.replica, ObjectVersion)
    assert applied.reroutes == ()
    engine.run()
    assert engine.pending() == ()


def test_forks_and_pickles_taken_before_the_read_show_the_same_replicas() -> None:
    """R-083, R-142: replicas not read yet when the engine is forked or pickled are the
    same values in the original, the fork and the copy, and the same as a build of each
    source version by policy at the step."""
    engine = fan_out("dst-1", "dst-2")
    for number in range(3):
        engine.put_object("src", f"k{number}", bytes([number]) * 10, tags={"n": str(number)})
    expected = {}
    while engine.pending():
        _, version, applied = next_applied(engine)
        assert applied.replica_shape is not None
        expected[applied.destination, version.key] = applied.replica_shape.replica_of(version)
        engine.step()
    fork = engine.fork()
    copy = pickle.loads(pickle.dumps(engine))
    for each in (copy, fork, engine):
        for (dest, key), replica in expected.items():
            assert attrs.evolve(each.head_object(dest, key), is_latest=False) == replica
