"""What Batch Replication replicates and refuses (R-100, R-101, R-111, R-113, R-126, R-177).

Sources: UG s3-batch-replication-batch (what a job replicates, its filters, versions
deleted from the destination), UG replication-failure-codes (the Batch-only reasons),
UG s3-batch-replication-policies (the job role), UG batch-ops-examples-reports (the
completion report).
"""

from __future__ import annotations

import json
from typing import Any

import attrs
import hypothesis.strategies as st
import pytest
from batch_world import (
    ACCOUNT,
    batch_world,
    configure,
    create,
    generator,
    job,
    job_role_policy,
    report,
    report_files,
    rule,
)
from hypothesis import given, settings

from s3repl import Engine, FailureReason, ReplicationStatus
from s3repl.engine import EngineState
from s3repl.model import TaskKind
from s3repl.model.jobs import ManifestEntry
from s3repl.testing.explore import explore
from s3repl.testing.invariants import ReplicationChainViolation, StatusTracker, check_all

F = FailureReason


def test_r100_r177_existing_objects_replicate_only_through_a_job() -> None:
    """R-100: versions older than the configuration are not replicated live; R-177 (a):
    a job with ObjectReplicationStatuses NONE replicates them, version ids kept (R-142)."""
    engine = batch_world()
    old = engine.put_object("src", "old", b"before")
    configure(engine)
    engine.put_object("src", "new", b"after")
    engine.run()
    assert engine.head_object("src", "old").replication_status is None
    job_id = create(engine, manifest_generator=generator(ObjectReplicationStatuses=["NONE"]))
    engine.run()
    assert job(engine, job_id)["ProgressSummary"]["TotalNumberOfTasks"] == 1
    replica = engine.head_object("dst", "old")
    assert replica.version_id == old.version_id
    assert replica.replication_status is ReplicationStatus.REPLICA
    assert engine.head_object("src", "old").replication_status is ReplicationStatus.COMPLETED


def test_r113_r177_a_failed_version_is_retried_by_a_job() -> None:
    """R-113: live replication leaves FAILED alone; R-177 (b): a job with the FAILED filter
    replicates it once the cause is fixed, and the version reads COMPLETED (R-124)."""
    engine = batch_world()
    configure(engine)
    engine.put_bucket_versioning("dst", "Suspended")
    engine.put_object("src", "k", b"x")
    (result,) = engine.run()
    assert result.failure_reason is F.DST_BUCKET_UNVERSIONED
    engine.put_bucket_versioning("dst", "Enabled")
    engine.put_object("src", "later", b"y")
    engine.run()
    assert engine.head_object("src", "k").replication_status is ReplicationStatus.FAILED
    job_id = create(engine, manifest_generator=generator(ObjectReplicationStatuses=["FAILED"]))
    engine.run()
    assert job(engine, job_id)["ProgressSummary"]["TotalNumberOfTasks"] == 1
    assert engine.head_object("src", "k").replication_status is ReplicationStatus.COMPLETED
    assert engine.head_object("dst", "k").replication_status is ReplicationStatus.REPLICA


def test_r102_r177_a_job_back_fills_a_new_destination() -> None:
    """R-102: versions replicated to an earlier destination stay there when the rule's
    destination changes; R-177 (c): a job with the COMPLETED filter back-fills the new one."""
    engine = batch_world()
    engine.create_bucket("dst2", region="eu-central-1", versioning=True)
    configure(engine)
    version = engine.put_object("src", "k", b"x")
    engine.run()
    configure(engine, rule(dest="dst2"))
    engine.run()
    assert engine.list_object_versions("dst2") == ()
    create(engine, manifest_generator=generator(ObjectReplicationStatuses=["COMPLETED"]))
    engine.run()
    assert engine.head_object("dst2", "k").version_id == version.version_id
    statuses = engine.head_object("src", "k").destination_statuses
    assert dict(statuses) == {
        "dst": ReplicationStatus.COMPLETED,
        "dst2": ReplicationStatus.COMPLETED,
    }


def test_r101_r177_replicas_are_copied_on_only_by_a_job() -> None:
    """R-101: with src -> dst and dst -> dst2, replicas in dst do not travel on; R-177 (d):
    a job on dst with the REPLICA filter copies them on; they keep reading REPLICA."""
    engine = batch_world()
    engine.create_bucket("dst2", region="eu-central-1", versioning=True)
    configure(engine)
    configure(engine, rule(dest="dst2"), source="dst")
    version = engine.put_object("src", "k", b"x")
    engine.run()
    assert engine.list_object_versions("dst2") == ()
    job_id = create(
        engine, manifest_generator=generator("dst", ObjectReplicationStatuses=["REPLICA"])
    )
    engine.run()
    assert job(engine, job_id)["ProgressSummary"]["NumberOfTasksSucceeded"] == 1
    assert engine.head_object("dst2", "k").version_id == version.version_id
    assert engine.head_object("dst", "k").replication_status is ReplicationStatus.REPLICA


def test_r111_a_copy_deleted_by_version_id_from_the_destination_is_not_replicated_again() -> None:
    """R-111: Batch Replication does not re-replicate a version deleted by version id from
    the destination: the task fails with DstObjectHardDeleted, in the report too."""
    engine = batch_world()
    configure(engine)
    version = engine.put_object("src", "k", b"x")
    engine.run()
    engine.delete_object("dst", "k", version_id=version.version_id)
    job_id = create(engine)
    engine.run()
    assert job(engine, job_id)["ProgressSummary"]["NumberOfTasksFailed"] == 1
    assert engine.list_object_versions("dst") == ()
    (row,) = report_files(engine, job_id)["rows"]["failed"]
    assert row[:4] == ["src", "k", version.version_id, "failed"]
    assert row[5] == "DstObjectHardDeleted"


def test_r111_recreating_the_destination_bucket_does_not_trigger_replication() -> None:
    """R-111: deleting and recreating the destination bucket brings nothing back, and a
    job fails the versions replicated before (DstObjectHardDeleted)."""
    engine = batch_world()
    configure(engine)
    version = engine.put_object("src", "k", b"x")
    engine.run()
    engine.delete_object("dst", "k", version_id=version.version_id)
    engine.delete_bucket("dst")
    engine.create_bucket("dst", region="eu-west-1", versioning=True)
    assert engine.pending() == ()
    job_id = create(engine)
    (result,) = engine.run()
    assert result.failure_reason is F.DST_OBJECT_HARD_DELETED
    assert job(engine, job_id)["Status"] == "Complete"


def test_initiate_replication_permission_is_needed_per_object() -> None:
    """R-127 InitiateReplicationNotPermitted: the job's role lacks s3:InitiateReplication."""
    engine = batch_world(job_policy=job_role_policy(initiate=False))
    engine.put_object("src", "k", b"x")
    configure(engine)
    job_id = create(engine)
    (result,) = engine.run()
    assert result.failure_reason is F.INITIATE_REPLICATION_NOT_PERMITTED
    assert engine.list_object_versions("dst") == ()
    assert engine.head_object("src", "k").replication_status is None
    assert job(engine, job_id)["ProgressSummary"]["NumberOfTasksFailed"] == 1


def test_src_bucket_invalid_region() -> None:
    """R-127 SrcBucketInvalidRegion: the source is not in the Region the job runs in."""
    engine = batch_world()
    engine.put_object("src", "k", b"x")
    configure(engine)
    job_id = create(engine, region="eu-west-1")
    (result,) = engine.run()
    assert result.failure_reason is F.SRC_BUCKET_INVALID_REGION
    assert job(engine, job_id)["JobArn"].startswith(f"arn:aws:s3:eu-west-1:{ACCOUNT}:job/")


def test_dst_bucket_invalid_region_beyond_the_jobs_partition() -> None:
    """R-127 DstBucketInvalidRegion (Batch only), read as a destination the job's Region
    cannot reach (another partition; see policy._batch); a destination in another Region
    of the same partition replicates (R-170)."""
    engine = batch_world()
    engine.create_bucket("dst-cn", region="cn-north-1", versioning=True)
    engine.put_object("src", "k", b"x")
    configure(engine, rule(dest="dst-cn"), rule("eu", dest="dst", priority=2))
    create(engine)
    results = {r.task.destination_bucket: r.failure_reason for r in engine.run()}
    assert results == {"dst-cn": F.DST_BUCKET_INVALID_REGION, "dst": None}


def test_a_task_fails_whole_when_one_of_its_destinations_fails() -> None:
    """A manifest entry is one task (TotalNumberOfTasks counts entries): with two
    destinations it succeeds only if both do."""
    engine = batch_world()
    engine.create_bucket("dst2", region="eu-central-1", versioning=True)
    engine.put_object("src", "k", b"x")
    configure(engine, rule(dest="dst"), rule("two", dest="dst2", priority=2))
    engine.put_bucket_versioning("dst2", "Suspended")
    job_id = create(engine)
    assert len(engine.pending()) == 2
    engine.run()
    progress = job(engine, job_id)["ProgressSummary"]
    assert progress["TotalNumberOfTasks"] == 1
    assert progress["NumberOfTasksFailed"] == 1
    assert engine.head_object("dst", "k").replication_status is ReplicationStatus.REPLICA


def test_r126_eligible_for_replication_follows_the_configurations_prefixes() -> None:
    """R-126: a generated manifest with EligibleForReplication lists what the
    configuration's rules select; without it every version is listed, and those no rule
    selects fail with SrcObjectNotEligible."""
    engine = batch_world()
    engine.put_object("src", "logs/a", b"x")
    engine.put_object("src", "tmp/b", b"x")
    configure(engine, rule(prefix="logs/"))
    eligible = create(engine, token="a", manifest_generator=generator(EligibleForReplication=True))
    everything = create(engine, token="b")
    engine.run()
    assert job(engine, eligible)["ProgressSummary"]["TotalNumberOfTasks"] == 1
    assert job(engine, everything)["ProgressSummary"]["TotalNumberOfTasks"] == 2
    rows = report_files(engine, everything)["rows"]
    assert [r[1] for r in rows["failed"]] == ["tmp/b"]
    assert rows["failed"][0][5] == "SrcObjectNotEligible"


def _listed(engine: Engine, **flt: Any) -> list[str]:
    token = json.dumps(flt, default=str, sort_keys=True)[:64]
    job_id = create(engine, token=token or "none", manifest_generator=generator(**flt))
    return [
        m.key
        for m in engine._jobs[job_id].entries  # the manifest the job read
    ]


def test_r126_generator_filters() -> None:
    """R-126 and the service model's JobManifestGeneratorFilter: created after/before,
    key prefix/suffix/substring, size, storage class and encryption select versions."""
    engine = batch_world()
    engine.put_object("src", "a.log", b"12345")
    engine.advance(seconds=30)
    middle = engine.now
    engine.advance(seconds=30)
    engine.put_object("src", "b.txt", b"1", storage_class="STANDARD_IA")
    engine.put_object("src", "dir/c.log", b"1234567890")
    configure(engine)
    assert _listed(engine, CreatedBefore=middle) == ["a.log"]
    assert _listed(engine, CreatedAfter=middle) == ["b.txt", "dir/c.log"]
    assert _listed(engine, KeyNameConstraint={"MatchAnySuffix": [".log"]}) == ["a.log", "dir/c.log"]
    assert _listed(engine, KeyNameConstraint={"MatchAnyPrefix": ["dir/", "b"]}) == [
        "b.txt",
        "dir/c.log",
    ]
    assert _listed(engine, KeyNameConstraint={"MatchAnySubstring": ["/c"]}) == ["dir/c.log"]
    assert _listed(engine, ObjectSizeGreaterThanBytes=4, ObjectSizeLessThanBytes=10) == ["a.log"]
    assert _listed(engine, MatchAnyStorageClass=["STANDARD_IA"]) == ["b.txt"]
    # New buckets encrypt with SSE-S3 by default: every object is SSES3, none NOTSSE.
    assert _listed(engine, MatchAnyObjectEncryption=[{"SSES3": {}}]) == [
        "a.log",
        "b.txt",
        "dir/c.log",
    ]
    assert _listed(engine, MatchAnyObjectEncryption=[{"NOTSSE": {}}]) == []


def test_r126_status_filter_lists_each_status() -> None:
    """R-126: NONE (never attempted), COMPLETED and REPLICA select by the version's
    x-amz-replication-status (R-120)."""
    engine = batch_world()
    engine.put_object("src", "never", b"x")
    configure(engine)
    configure(engine, rule(dest="src"), source="dst")
    engine.put_object("src", "done", b"x")
    engine.run()
    assert _listed(engine, ObjectReplicationStatuses=["NONE"]) == ["never"]
    assert _listed(engine, ObjectReplicationStatuses=["COMPLETED"]) == ["done"]
    assert _listed(engine, ObjectReplicationStatuses=["NONE", "COMPLETED"]) == ["done", "never"]
    replicas = create(
        engine,
        token="r",
        manifest_generator=generator("dst", ObjectReplicationStatuses=["REPLICA"]),
    )
    assert [e.key for e in engine._jobs[replicas].entries] == ["done"]


def test_delete_markers_replicate_under_delete_marker_replication() -> None:
    """R-087: a job replicates an existing delete marker where the rule replicates
    markers (the user guide warns a job may copy a marker before its versions)."""
    engine = batch_world()
    engine.put_object("src", "k", b"x")
    marker = engine.delete_object("src", "k")
    configure(engine, rule(markers=True))
    create(engine)
    engine.run()
    versions = engine.list_object_versions("dst")
    assert marker.version_id in {v.version_id for v in versions}
    assert len(versions) == 2


def test_r132_rtc_does_not_apply_to_batch_replication() -> None:
    """R-126, R-132: RTC does not apply to Batch Replication: no threshold event for a
    job's task however late, while a live task is reported (R-129)."""
    engine = batch_world()
    engine.put_object("src", "old", b"x")
    configure(engine, rule(rtc=True))
    create(engine)
    engine.put_object("src", "new", b"x")
    engine.advance(seconds=20 * 60)
    engine.run()
    late = [e for e in engine.events() if "Threshold" in e.event_name]
    assert {e.key for e in late} == {"new"}


def test_job_tasks_interleave_with_live_replication() -> None:
    """R-141: a job's tasks share the queue with live ones; under order="random" the
    seed decides the interleaving, and every order ends the same."""
    finals = set()
    orders = set()
    for seed in range(6):
        engine = batch_world(seed=seed, order="random")
        for n in range(3):
            engine.put_object("src", f"old{n}", b"x")
        configure(engine)
        create(engine)
        for n in range(3):
            engine.put_object("src", f"new{n}", b"x")
        orders.add(tuple(r.task.kind for r in engine.run()))
        finals.add(tuple(sorted(v.key for v in engine.list_object_versions("dst"))))
    assert len(orders) > 1
    assert len(finals) == 1


def test_r131_metrics_count_batch_failures_but_not_batch_pending() -> None:
    """R-131: pending operations cover live replication only; the failed operations
    count Batch Replication too."""
    engine = batch_world(job_policy=job_role_policy(initiate=False))
    engine.put_object("src", "k", b"x")
    configure(engine)
    create(engine)
    (metrics,) = engine.replication_metrics("src")
    assert metrics.operations_pending == 0
    engine.run()
    (metrics,) = engine.replication_metrics("src")
    assert metrics.operations_failed == 1


def test_completion_report_is_written_as_aws_writes_it() -> None:
    """UG batch-ops-examples-reports: manifest.json (Format Report_CSV_20180820,
    Results, ReportSchema) and CSV rows bucket, key, version, status, HTTP status,
    error code, message; FailedTasksOnly writes the failed rows only."""
    engine = batch_world()
    engine.put_object("src", "ok", b"x")
    engine.put_object("src", "tmp/no", b"x")
    configure(engine, rule(prefix="ok"))
    everything = create(engine, token="a")
    failed_only = create(engine, token="b", report=report(scope="FailedTasksOnly", prefix=None))
    engine.run()
    files = report_files(engine, everything)
    top = files["manifest"]
    assert top["Format"] == "Report_CSV_20180820"
    assert top["ReportSchema"] == (
        "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage"
    )
    ok = engine.head_object("src", "ok")
    assert files["rows"]["succeeded"] == [
        ["src", "ok", ok.version_id, "succeeded", "200", "", "Successful"]
    ]
    assert files["rows"]["failed"][0][3:6] == ["failed", "400", "SrcObjectNotEligible"]
    only = report_files(engine, failed_only, prefix=None)
    assert set(only["rows"]) == {"failed"}
    assert (
        engine.head_object(
            "reports", f"batch/job-{everything}/manifest.json"
        ).server_side_encryption.value
        == "AES256"
    )


def test_generated_manifest_is_written_when_asked_for() -> None:
    """S3JobManifestGenerator with EnableManifestOutput writes the manifest to its output
    location; DescribeJob's GeneratedManifestDescriptor names it with its ETag."""
    engine = batch_world()
    engine.put_object("src", "k", b"x")
    configure(engine)
    gen = generator()
    gen["S3JobManifestGenerator"].update(
        EnableManifestOutput=True,
        ManifestOutputLocation={
            "Bucket": "arn:aws:s3:::manifests",
            "ManifestPrefix": "gen",
            "ManifestFormat": "S3InventoryReport_CSV_20211130",
        },
    )
    job_id = create(engine, manifest_generator=gen)
    descriptor = job(engine, job_id)["GeneratedManifestDescriptor"]
    assert descriptor["Format"] == "S3InventoryReport_CSV_20211130"
    key = f"gen/job-{job_id}/manifest.json"
    assert descriptor["Location"]["ObjectArn"] == f"arn:aws:s3:::manifests/{key}"
    written = engine.head_object("manifests", key)
    assert descriptor["Location"]["ETag"] == written.etag
    data = json.loads(engine.get_object("manifests", key).body)["files"][0]["key"]
    version = engine.head_object("src", "k").version_id
    assert engine.get_object("manifests", data).body.decode() == f"src,k,{version}\n"


@settings(max_examples=25, deadline=None)
@given(
    before=st.lists(st.sampled_from(["a", "b/c", "d e", "logs/x"]), max_size=5),
    prefix=st.sampled_from([None, "logs/", "b"]),
    statuses=st.sets(st.sampled_from(["NONE", "FAILED", "COMPLETED", "REPLICA"])),
)
def test_every_job_accounts_for_every_entry(
    before: list[str], prefix: str | None, statuses: set[str]
) -> None:
    """R-177, R-142: whatever existed and however it is filtered, a job ends Complete with
    succeeded + failed == total, and every succeeded entry's version is in the
    destination with its version id."""
    engine = batch_world()
    for key in before:
        engine.put_object("src", key, b"x")
    configure(engine, rule(prefix=prefix))
    flt: dict[str, Any] = {"ObjectReplicationStatuses": sorted(statuses)} if statuses else {}
    job_id = create(engine, manifest_generator=generator(**flt))
    engine.run()
    described = job(engine, job_id)
    progress = described["ProgressSummary"]
    assert described["Status"] == "Complete"
    assert (
        progress["NumberOfTasksSucceeded"] + progress["NumberOfTasksFailed"]
        == progress["TotalNumberOfTasks"]
    )
    for outcome in engine._jobs[job_id].outcomes:
        entry: ManifestEntry = outcome.entry
        assert entry.version_id is not None
        replica = engine._store.find("dst", entry.key, entry.version_id)
        assert (replica is not None) == outcome.succeeded
    assert all(t.kind is not TaskKind.BATCH for t in engine.pending())


@pytest.mark.parametrize("markers", [False, True])
def test_plan_and_apply_agree_with_live_routing(markers: bool) -> None:
    """R-126: a job routes by the configuration's rules as live replication does; only
    the history gates differ (a delete marker follows DeleteMarkerReplication, R-110)."""
    engine = batch_world()
    engine.put_object("src", "k", b"x")
    engine.delete_object("src", "k")
    configure(engine, rule(markers=markers))
    job_id = create(engine)
    engine.run()
    progress = job(engine, job_id)["ProgressSummary"]
    assert progress["TotalNumberOfTasks"] == 2
    assert progress["NumberOfTasksSucceeded"] == (2 if markers else 1)


def test_r172_a_replica_copied_back_to_its_origin_leaves_the_original_alone() -> None:
    """R-172, R-142: in two-way replication a job that copies replicas on (REPLICA) may
    route one back to the bucket holding its original: the original keeps its data and
    status, and the task succeeds without a second copy."""
    engine = batch_world()
    configure(engine)
    configure(engine, rule(dest="src"), source="dst")
    original = engine.put_object("src", "k", b"x")
    engine.run()
    job_id = create(
        engine, manifest_generator=generator("dst", ObjectReplicationStatuses=["REPLICA"])
    )
    engine.run()
    assert job(engine, job_id)["ProgressSummary"]["NumberOfTasksSucceeded"] == 1
    (kept,) = engine.list_object_versions("src")
    assert kept.version_id == original.version_id
    assert kept.replication_status is ReplicationStatus.COMPLETED


def test_r141_r177_explore_interleaves_a_job_with_live_replication() -> None:
    """R-141, R-177: explore() applies a job's tasks and live tasks in every order (two
    destinations, a newer version and a delete marker written while the job runs); every
    state reached keeps the safety invariants."""
    engine = batch_world()
    engine.create_bucket("dst2", region="eu-central-1", versioning=True)
    engine.put_object("src", "a", b"x")
    engine.put_object("src", "b", b"x")
    configure(engine, rule(markers=True), rule("two", dest="dst2", priority=2, markers=True))
    create(engine)
    engine.put_object("src", "a", b"new")
    engine.delete_object("src", "b")
    assert {t.kind for t in engine.pending()} == {
        TaskKind.BATCH,
        TaskKind.OBJECT,
        TaskKind.DELETE_MARKER,
    }
    found = explore(engine)
    assert found.complete
    assert found.violation is None
    assert found.terminal_states > 1


def test_r177_the_invariants_allow_what_only_jobs_do() -> None:
    """R-177 with R-100, R-101, R-102, R-113: the testing kit's invariants (check_all, the
    status history) accept what a job may do to the versions it names: a status for an
    old version, FAILED to COMPLETED, a new destination, a replica copied on. The same
    world without its jobs is still a violation (R-101): the exemption names versions."""
    engine = batch_world()
    engine.create_bucket("dst2", region="eu-central-1", versioning=True)
    engine.put_object("src", "old", b"x")
    configure(engine)
    engine.put_bucket_versioning("dst", "Suspended")
    engine.put_object("src", "failed", b"x")
    tracker = StatusTracker()
    tracker.observe(engine)
    engine.run()
    engine.put_bucket_versioning("dst", "Enabled")
    configure(engine, rule(dest="dst2"), source="dst")
    engine.put_object("src", "done", b"x")
    engine.run()
    tracker.observe(engine)
    create(engine, token="a", manifest_generator=generator(ObjectReplicationStatuses=["NONE"]))
    create(engine, token="b", manifest_generator=generator(ObjectReplicationStatuses=["FAILED"]))
    while engine.pending():
        engine.step()
        tracker.observe(engine)
        check_all(engine.snapshot())
    replicas = generator("dst", ObjectReplicationStatuses=["REPLICA"])
    create(engine, token="c", manifest_generator=replicas)
    while engine.pending():
        engine.step()
        tracker.observe(engine)
        check_all(engine.snapshot())
    failed = engine.head_object("src", "failed")
    assert failed.replication_status is ReplicationStatus.COMPLETED
    assert dict(failed.failure_reasons) == {}
    assert {v.key for v in engine.list_object_versions("dst2")} == {"old", "failed", "done"}
    world = engine.snapshot()
    assert isinstance(world.engine_state, EngineState)
    without_jobs = attrs.evolve(world, engine_state=attrs.evolve(world.engine_state, jobs=()))
    with pytest.raises(ReplicationChainViolation):
        check_all(without_jobs)


@pytest.mark.parametrize("batch_first", [True, False])
def test_a_job_task_and_a_live_task_write_once(batch_first: bool) -> None:
    """R-124, R-142: a job's task for a destination live replication still has PENDING
    does the live task's work and supersedes it; run after the live task it copies
    again in place: either way the destination ends with one copy of the version."""
    engine = batch_world()
    configure(engine)
    version = engine.put_object("src", "k", b"x")
    job_id = create(engine)
    live, batch = engine.pending()
    assert (live.kind, batch.kind) == (TaskKind.OBJECT, TaskKind.BATCH)
    first = batch if batch_first else live
    assert engine.step(first).status is ReplicationStatus.COMPLETED
    assert len(engine.run()) == (0 if batch_first else 1)
    assert [v.version_id for v in engine.list_object_versions("dst")] == [version.version_id]
    assert engine.head_object("src", "k").replication_status is ReplicationStatus.COMPLETED
    assert job(engine, job_id)["ProgressSummary"]["NumberOfTasksSucceeded"] == 1
