"""Batch Replication's rules: what a job may replicate, and what one of its tasks does.

Theory.  A Batch Replication job (``S3ReplicateObject``) replicates the versions its
manifest names under the source's *current* replication configuration (R-126), and
it is the only way to replicate versions that existed before the configuration, to
retry ``FAILED`` ones, to back-fill a new destination and to copy replicas on
(R-100, R-101, R-113, R-177).  So batch routing is live routing without its gates on
the version's history (:func:`batch_routes`: no "replicas never" and no "only new
versions"); the configuration's own gates stay (rules, prefixes, tags, the SSE-KMS
opt-in, archived classes: R-105).

A task is applied by :func:`apply_batch`: the batch-only refusals first (the job's
Region, ``s3:InitiateReplication``, a copy deleted by version id from the destination:
R-111, R-127), then the very same :func:`~s3repl.policy.apply` as live replication,
so every check, replica shape and status rule is shared.  RTC does not apply to
Batch Replication (R-126, R-132), so its threshold events are never sent for a job.

Decisions made here on thin evidence, each named:

- ``DstBucketInvalidRegion`` ("the destination bucket is not in the same Region as
  specified by the Batch Operations job", UG replication-failure-codes) is read as
  "a destination the job's Region cannot reach": a destination in another partition
  (aws, aws-cn, aws-us-gov) than the job's Region.  Cross-Region destinations of the
  same partition are what Batch Replication serves, so they cannot be what it refuses.
- A replica copied on by a job keeps its ``REPLICA`` status (its history is a
  replica's); the outcome lives in the job's report.
- A batch-only refusal does not change the version's status: it is about the job.
- A job's task for a destination that live replication still has ``PENDING`` does
  the live task's work (the same checks, the same write) and supersedes it
  (:func:`supersedes_live`): one write per version and destination, whichever of the
  two the queue picks first.
- A job that fails to copy a version to a destination that already holds a copy of
  it (replicated before, or copied on from a replica) leaves the version's status
  alone: the copy is there (the report has the failure).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs

from s3repl import iam
from s3repl.model import (
    DeleteMarker,
    FailureReason,
    FrozenMap,
    ObjectVersion,
    ReplicationStatus,
    ReplicationTask,
    TaskKind,
)
from s3repl.model._frozenmap import EMPTY
from s3repl.model.jobs import JobRequest, ManifestEntry, ManifestFilter
from s3repl.model.names import partition_of_region
from s3repl.policy._applied import (
    Applied,
    Write,
    with_replica_built,
)
from s3repl.policy._apply import (
    PURE_ANSWERS,
    Answers,
    apply,
    rule_by_id,
)
from s3repl.policy._checks import Verdict
from s3repl.policy._permissions import object_arn, role_allows
from s3repl.policy._routing import Route, route_delete_marker, route_new_object
from s3repl.policy._status import failure_notifications
from s3repl.world import Version, World

__all__ = [
    "BATCH_MANIFEST_READ_ACTIONS",
    "BATCH_REPLICATION_ACTION",
    "EntryPlan",
    "apply_batch",
    "batch_refusal",
    "batch_routes",
    "manifest_selects",
    "plan_entry",
    "preparation_failure",
    "report_status",
    "supersedes_live",
]

F = FailureReason
#: What the job's role needs on every source object (UG s3-batch-replication-policies;
#: ``InitiateReplicationNotPermitted``, R-127).
BATCH_REPLICATION_ACTION = "s3:InitiateReplication"
#: What the job's role needs on a manifest the caller wrote (same page).
BATCH_MANIFEST_READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion")
#: What the job's role needs on the source bucket to generate a manifest (same page).
BATCH_GENERATOR_ACTIONS = ("s3:GetReplicationConfiguration", "s3:PutInventoryConfiguration")
#: What the job's role needs on the report bucket and a generated manifest's bucket.
BATCH_WRITE_ACTION = "s3:PutObject"
#: The RTC events a batch task never sends (R-126, R-132).
_RTC_EVENTS = frozenset({"OperationMissedThreshold", "OperationReplicatedAfterThreshold"})
_COMPLETED = ReplicationStatus.COMPLETED
_PENDING = ReplicationStatus.PENDING
_REPLICA = ReplicationStatus.REPLICA


# --- which versions a job takes (R-126) ---------------------------------------------------


def batch_routes(world: World, bucket: str, version: Version) -> tuple[Route, ...]:
    """Where a job replicates a version: the configuration's winners, whatever its history.

    Live replication never routes replicas (R-101) nor versions older than the
    configuration (R-100); a job does (R-177).  The configuration's own gates hold:
    rules, filters, the SSE-KMS opt-in, archived storage classes (R-060..R-067, R-105),
    and for delete markers the rule's delete marker replication (R-087, R-110).
    """
    if isinstance(version, DeleteMarker):
        return route_delete_marker(world, bucket, version)
    return route_new_object(
        world,
        bucket,
        key=version.key,
        tags=version.tags,
        storage_class=version.storage_class,
        encryption=version.server_side_encryption,
    )


def _status_name(version: Version) -> str:
    """The version's ``ObjectReplicationStatuses`` value: ``NONE`` when never attempted."""
    status = version.replication_status
    return "NONE" if status is None else status.value


def manifest_selects(flt: ManifestFilter, world: World, bucket: str, version: Version) -> bool:
    """Whether a generated manifest lists ``version`` under the filter (R-126).

    ``EligibleForReplication`` keeps what :func:`batch_routes` routes somewhere;
    ``ObjectReplicationStatuses`` keeps ``NONE`` (never attempted), ``FAILED``,
    ``COMPLETED`` or ``REPLICA`` versions (a ``PENDING`` one only when no status is
    asked for); a key matches each non-empty key list by one of its entries; the size,
    storage class and encryption filters keep objects only (a delete marker has none).
    """
    if flt.eligible_for_replication and not batch_routes(world, bucket, version):
        return False
    statuses = flt.object_replication_statuses
    if statuses and _status_name(version) not in statuses:
        return False
    created = version.last_modified
    if flt.created_after is not None and not created > flt.created_after:
        return False
    if flt.created_before is not None and not created < flt.created_before:
        return False
    names = flt.key_name_constraint
    if names is not None:
        key = version.key
        for wanted, test in (
            (names.match_any_prefix, key.startswith),
            (names.match_any_suffix, key.endswith),
            (names.match_any_substring, key.__contains__),
        ):
            if wanted and not any(map(test, wanted)):
                return False
    if not flt.reads_object_fields:
        return True
    if not isinstance(version, ObjectVersion):
        return False
    return _object_fields_match(flt, version)


def _object_fields_match(flt: ManifestFilter, version: ObjectVersion) -> bool:
    above, below = flt.object_size_greater_than_bytes, flt.object_size_less_than_bytes
    if above is not None and not version.size > above:
        return False
    if below is not None and not version.size < below:
        return False
    classes = flt.match_any_storage_class
    if classes and version.storage_class not in classes:
        return False
    kinds = flt.match_any_object_encryption
    return not kinds or version.server_side_encryption in kinds


@attrs.frozen
class EntryPlan:
    """What a job does with one manifest entry when it starts running.

    Attributes:
        version_id: the version the entry names (its key's current one when the
            manifest gives none), ``None`` when there is none.
        routes: one task per route (destination and winning rule).
        failure: why the entry fails at once (no route), else ``None``.
    """

    version_id: str | None
    routes: tuple[Route, ...] = ()
    failure: FailureReason | None = None


def plan_entry(world: World, entry: ManifestEntry) -> EntryPlan:
    """Where one manifest entry goes, or why it fails before any task runs (R-126, R-127).

    No source bucket, no configuration on it (Batch Replication needs one, R-126),
    no such version, or no rule that replicates it: the entry fails with
    ``SrcBucketNotFound``, ``SrcBucketReplicationConfigMissing``,
    ``SrcVersionNotFound`` or ``SrcObjectNotEligible``.
    """
    source = world.bucket(entry.bucket)
    if source is None:
        return EntryPlan(entry.version_id, failure=F.SRC_BUCKET_NOT_FOUND)
    versions = world.versions(entry.bucket, entry.key)
    if entry.version_id is None:
        version = versions[0] if versions else None
    else:
        version = next((v for v in versions if v.version_id == entry.version_id), None)
    version_id = entry.version_id if version is None else version.version_id
    if source.replication is None:
        return EntryPlan(version_id, failure=F.SRC_BUCKET_REPLICATION_CONFIG_MISSING)
    if version is None:
        return EntryPlan(version_id, failure=F.SRC_VERSION_NOT_FOUND)
    routes = batch_routes(world, entry.bucket, version)
    if not routes:
        return EntryPlan(version_id, failure=F.SRC_OBJECT_NOT_ELIGIBLE)
    return EntryPlan(version_id, routes=routes)


# --- whether the job can start (UG s3-batch-replication-policies) --------------------------


def preparation_failure(
    world: World, request: JobRequest, manifest: Version | None = None
) -> tuple[str, str] | None:
    """Why a job fails while it is prepared, as (FailureCode, FailureReason), or ``None``.

    The job's role must let Batch Operations assume it (R-006); a generated manifest
    needs a source bucket with a replication configuration (R-126) and the role's
    ``s3:GetReplicationConfiguration`` and ``s3:PutInventoryConfiguration`` on it, and
    ``s3:PutObject`` where the manifest is written; a caller's manifest must exist with
    the ETag given and be readable (``s3:GetObject``, ``s3:GetObjectVersion``); the
    report bucket must exist and take ``s3:PutObject`` (UG s3-batch-replication-policies);
    a bucket named with an ``ExpectedBucketOwner`` must belong to that account.

    Args:
        world: the world now.
        request: the job's request.
        manifest: the caller's manifest object (``None`` if missing or generated).
    """
    role = world.roles.get(request.role_arn)
    if role is None or not iam.can_assume(
        role.trust_policy, service=iam.BATCH_OPERATIONS_SERVICE_PRINCIPAL
    ):
        return (
            "AssumeRoleNotPermitted",
            f"S3 Batch Operations cannot assume the role {request.role_arn}: it must exist and "
            f"trust {iam.BATCH_OPERATIONS_SERVICE_PRINCIPAL} (R-006)",
        )
    failure = _owner_failure(world, request)
    if failure is not None:
        return failure
    generator = request.generator
    if generator is not None:
        failure = _generator_failure(world, request, generator.source_bucket)
        if failure is not None:
            return failure
        if generator.enable_manifest_output and generator.output_bucket is not None:
            failure = _write_failure(
                world, request, generator.output_bucket, generator.output_prefix, "manifest"
            )
            if failure is not None:
                return failure
    elif request.manifest is not None:
        failure = _manifest_failure(world, request, manifest)
        if failure is not None:
            return failure
    report = request.report
    if report.enabled and report.bucket is not None:
        return _write_failure(world, request, report.bucket, report.prefix, "completion report")
    return None


def _owner_failure(world: World, request: JobRequest) -> tuple[str, str] | None:
    """A bucket the request expects another account to own (``ExpectedBucketOwner``)."""
    generator, report = request.generator, request.report
    expected = [(report.bucket, report.expected_bucket_owner)]
    if generator is not None:
        expected.append((generator.source_bucket, generator.expected_bucket_owner))
        expected.append((generator.output_bucket, generator.output_expected_owner))
    for name, owner in expected:
        bucket = None if name is None or owner is None else world.bucket(name)
        if bucket is not None and bucket.owner != owner:
            return ("AccessDenied", f"Bucket {name} is not owned by the expected owner {owner}")
    return None


def _generator_failure(world: World, request: JobRequest, name: str) -> tuple[str, str] | None:
    source = world.bucket(name)
    if source is None:
        return ("NoSuchBucket", f"The manifest's source bucket {name} does not exist")
    if source.replication is None:
        return (
            "ReplicationConfigurationNotFoundError",
            f"Batch Replication needs a replication configuration on {name} (R-126)",
        )
    for action in BATCH_GENERATOR_ACTIONS:
        if not role_allows(world, request.role_arn, action, object_arn(source)):
            return ("AccessDenied", f"The job's role may not {action} on bucket {name}")
    return None


def _manifest_failure(
    world: World, request: JobRequest, manifest: Version | None
) -> tuple[str, str] | None:
    location = request.manifest
    assert location is not None  # asked only for a caller's manifest
    bucket = world.bucket(location.bucket)
    if bucket is None:
        return ("NoSuchBucket", f"The manifest bucket {location.bucket} does not exist")
    if not isinstance(manifest, ObjectVersion):
        return ("NoSuchKey", f"The manifest object {location.object_arn} does not exist")
    if manifest.etag.strip('"') != location.etag.strip('"'):
        return (
            "InvalidManifestETag",
            f"The manifest's ETag {location.etag} does not match the object's {manifest.etag}",
        )
    actions = (
        BATCH_MANIFEST_READ_ACTIONS if location.version_id else BATCH_MANIFEST_READ_ACTIONS[:1]
    )
    for action in actions:
        if not role_allows(world, request.role_arn, action, object_arn(bucket, location.key)):
            return ("AccessDenied", f"Reading the manifest is forbidden: {action} is denied")
    return None


def _write_failure(
    world: World, request: JobRequest, name: str, prefix: str | None, what: str
) -> tuple[str, str] | None:
    bucket = world.bucket(name)
    if bucket is None:
        return ("NoSuchBucket", f"The {what} bucket {name} does not exist")
    keys = object_arn(bucket, f"{prefix}/*" if prefix else "*")
    if not role_allows(world, request.role_arn, BATCH_WRITE_ACTION, keys):
        return (
            "AccessDenied",
            f"Writing the {what} is forbidden: s3:PutObject on {name} is denied",
        )
    return None


# --- one task (R-111, R-127) ----------------------------------------------------------------


def supersedes_live(version: Version | None, destination: str) -> bool:
    """Whether a job's task that completes or fails makes the live task redundant.

    So when live replication still has the version ``PENDING`` to the destination: the
    job's task did what the live task would do (see the module header).
    """
    return version is not None and version.destination_statuses.get(destination) is _PENDING


def batch_refusal(
    world: World, task: ReplicationTask, version: Version | None, *, role_arn: str, region: str
) -> FailureReason | None:
    """The batch-only reason a task fails before replication is attempted, or ``None``.

    In order: the source is not in the job's Region (``SrcBucketInvalidRegion``); the
    job's role lacks ``s3:InitiateReplication`` on the object
    (``InitiateReplicationNotPermitted``); the destination is beyond the job's Region's
    partition (``DstBucketInvalidRegion``, see the module header); the version was
    replicated to the destination and deleted there by version id since
    (``DstObjectHardDeleted``, R-111: also after the destination bucket was deleted and
    made again).  Everything else is live replication's own checks.

    Args:
        world: the world now.
        task: the batch task.
        version: the version it carries (``None`` if gone).
        role_arn: the job's role.
        region: the job's Region.
    """
    source = world.bucket(task.source_bucket)
    if source is None or version is None or source.replication is None:
        return None  # live replication's checks name these (SrcBucketNotFound, ...)
    if source.region != region:
        return F.SRC_BUCKET_INVALID_REGION
    if not role_allows(world, role_arn, BATCH_REPLICATION_ACTION, object_arn(source, task.key)):
        return F.INITIATE_REPLICATION_NOT_PERMITTED
    dest = world.bucket(task.destination_bucket)
    if dest is None:
        return None  # DstBucketNotFound, from the checks
    if partition_of_region(dest.region) is not partition_of_region(region):
        return F.DST_BUCKET_INVALID_REGION
    replicated = version.destination_statuses.get(task.destination_bucket) is _COMPLETED
    if replicated and world.version(dest.name, task.key, task.version_id) is None:
        return F.DST_OBJECT_HARD_DELETED
    return None


def apply_batch(
    world: World,
    task: ReplicationTask,
    version: Version | None,
    *,
    role_arn: str,
    region: str,
    clock: Callable[[], dt.datetime],
    now_us: int,
    unavailable: frozenset[str] = frozenset(),
    answers: Answers = PURE_ANSWERS,
) -> Applied:
    """Every effect of one Batch Replication task, as one :class:`Applied` (R-177).

    The batch-only refusals (:func:`batch_refusal`), then :func:`~s3repl.policy.apply`
    on the task as live replication would carry the version (an object or a delete
    marker), with these differences: a copy already in the destination is replaced
    in place rather than placed again (and an original there, as in two-way
    replication, is left alone); a replica's own status stays ``REPLICA``; a retried
    destination that completes loses its old failure reason (R-127); no RTC event is
    sent (R-132).

    Args:
        world: the world now.
        task: the batch task (kind ``BATCH``).
        version: the source version (or marker) it carries, ``None`` if it is gone.
        role_arn: the job's role.
        region: the job's Region.
        clock: the simulated time, read only when needed.
        now_us: the simulated time in microseconds.
        unavailable: buckets a fault plan takes down.
        answers: where the answers come from (see :class:`~s3repl.policy.Answers`).
    """
    refusal = batch_refusal(world, task, version, role_arn=role_arn, region=region)
    if refusal is not None:
        source = world.bucket(task.source_bucket)
        rule = None
        if source is not None and source.replication is not None:
            rule = rule_by_id(source.replication, task.rule_id)
        reasons = (refusal,)
        return Applied(
            verdict=Verdict.FAILED,
            reason=refusal,
            destination=task.destination_bucket,
            notifications=failure_notifications(rule, reasons),
            failures=reasons,
        )
    kind = TaskKind.DELETE_MARKER if isinstance(version, DeleteMarker) else TaskKind.OBJECT
    live = attrs.evolve(task, kind=kind)
    # Built: a placed replica may become a replacement below (never lazily placed).
    applied = with_replica_built(
        apply(
            world,
            live,
            version,
            clock=clock,
            now_us=now_us,
            unavailable=unavailable,
            missed_reported=True,
            answers=answers,
        ),
        version,
    )
    changes: dict[str, object] = {}
    notifications = tuple(n for n in applied.notifications if n.kind not in _RTC_EVENTS)
    if notifications != applied.notifications:
        changes["notifications"] = notifications
    if applied.write is Write.PLACE:
        there = world.version(applied.destination, task.key, task.version_id)
        if there is not None and there.replication_status is _REPLICA:
            changes["write"] = Write.REPLACE  # copied again over its earlier copy
        elif there is not None:  # the destination holds the original: never overwritten
            changes.update(write=Write.NOTHING, replica=None, reroutes=())
    recorded = applied.source_statuses
    if version is not None and version.replication_status is _REPLICA and recorded is not None:
        changes["source_statuses"] = None
    elif (
        recorded is not None
        and applied.verdict is Verdict.FAILED
        and world.version(task.destination_bucket, task.key, task.version_id) is not None
    ):
        changes["source_statuses"] = None  # a copy made before is still there: the status stays
    elif recorded is not None and applied.verdict is Verdict.COMPLETED:
        earlier = recorded.failure_reasons
        if task.destination_bucket in earlier:  # a retried FAILED destination
            kept = {d: r for d, r in earlier.items() if d != task.destination_bucket}
            changes["source_statuses"] = attrs.evolve(
                recorded, failure_reasons=FrozenMap(kept) if kept else EMPTY
            )
    return attrs.evolve(applied, **changes) if changes else applied  # type: ignore[arg-type]


def report_status(reason: FailureReason | None) -> tuple[str, str, str]:
    """A report row's (HTTPStatusCode, ErrorCode, ResultMessage) for a task's outcome.

    A success reads ``200``, no error code, ``Successful`` (the user guide's report
    example); a failure names its replication failure reason (R-127) as the error code
    (``403`` for a permission, ``404`` for something missing, else ``400``).
    """
    if reason is None:
        return ("200", "", "Successful")
    name = reason.value
    status = "403" if name.endswith("NotPermitted") else "404" if "NotFound" in name else "400"
    return (status, name, f"Replication failed: {name}")
