"""S3 Batch Operations jobs as frozen values: the request, the manifest, the job's progress.

A Batch Replication job (``S3ReplicateObject``, R-177) is created from a request
(:class:`JobRequest`, parsed from boto3's ``s3control.create_job`` parameters by
:func:`s3repl.model.jobrequest.parse_create_job`), reads or generates a manifest
(:class:`ManifestEntry` rows) and then runs one task per manifest entry.  The
:class:`Job` value holds everything a ``describe_job`` answers and a snapshot carries;
the engine replaces it (``attrs.evolve``) whenever the job moves on.

Every value validates its fields when built (``s3repl.model._checks``): the engine
builds them from a request the parser already checked, so a refusal here is a bug.

Why the wire names live here (``to_boto``): ``describe_job`` answers with the s3control
service model's member names, and the values that hold the request are the one place
that knows which member each field came from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from s3repl.model import _checks
from s3repl.model._frozenmap import FrozenMap
from s3repl.model.enums import FailureReason, S3Enum, ServerSideEncryption, StorageClass

__all__ = [
    "GENERATED_MANIFEST_FORMAT",
    "REPORT_FORMAT",
    "Job",
    "JobReport",
    "JobRequest",
    "JobStatus",
    "KeyNameConstraint",
    "ManifestEntry",
    "ManifestFilter",
    "ManifestGenerator",
    "ManifestLocation",
    "TaskOutcome",
]

#: The one completion report format of the service model (``JobReportFormat``).
REPORT_FORMAT = "Report_CSV_20180820"
#: The one generated-manifest format of the service model (``GeneratedManifestFormat``).
GENERATED_MANIFEST_FORMAT = "S3InventoryReport_CSV_20211130"


class JobStatus(S3Enum):
    """A Batch Operations job's status (s3control ``JobStatus``; UG batch-ops-job-status)."""

    NEW = "New"
    PREPARING = "Preparing"
    SUSPENDED = "Suspended"
    READY = "Ready"
    ACTIVE = "Active"
    PAUSING = "Pausing"
    PAUSED = "Paused"
    COMPLETING = "Completing"
    COMPLETE = "Complete"
    CANCELLING = "Cancelling"
    CANCELLED = "Cancelled"
    FAILING = "Failing"
    FAILED = "Failed"

    @property
    def is_terminal(self) -> bool:
        """``Complete``, ``Cancelled`` and ``Failed`` never change again."""
        return self in _TERMINAL


_TERMINAL = frozenset({JobStatus.COMPLETE, JobStatus.CANCELLED, JobStatus.FAILED})


@attrs.frozen(kw_only=True)
class ManifestEntry:
    """One row of a manifest: the object (version) a task acts on.

    Attributes:
        bucket: the bucket's name.
        key: the object key (decoded; manifests carry it URL-encoded).
        version_id: the version, or ``None`` for the key's current version.
    """

    bucket: str = attrs.field(validator=_checks.non_empty_text)
    key: str = attrs.field(validator=_checks.non_empty_text)
    version_id: str | None = attrs.field(
        default=None, validator=_checks.optional(_checks.non_empty_text)
    )


@attrs.frozen(kw_only=True)
class KeyNameConstraint:
    """``KeyNameConstraint``: a key matches each non-empty list by one of its entries."""

    match_any_prefix: tuple[str, ...] = ()
    match_any_suffix: tuple[str, ...] = ()
    match_any_substring: tuple[str, ...] = ()

    def to_boto(self) -> dict[str, Any]:
        """The service model's shape."""
        out: dict[str, Any] = {}
        if self.match_any_prefix:
            out["MatchAnyPrefix"] = list(self.match_any_prefix)
        if self.match_any_suffix:
            out["MatchAnySuffix"] = list(self.match_any_suffix)
        if self.match_any_substring:
            out["MatchAnySubstring"] = list(self.match_any_substring)
        return out


#: ``ObjectEncryptionFilter`` members and the encryption each one selects.
ENCRYPTION_FILTERS: FrozenMap[str, ServerSideEncryption] = FrozenMap(
    {
        "SSES3": ServerSideEncryption.SSE_S3,
        "SSEKMS": ServerSideEncryption.SSE_KMS,
        "DSSEKMS": ServerSideEncryption.DSSE_KMS,
        "SSEC": ServerSideEncryption.SSE_C,
        "NOTSSE": ServerSideEncryption.NONE,
    }
)
_FILTER_OF = FrozenMap({kind: name for name, kind in ENCRYPTION_FILTERS.items()})


@attrs.frozen(kw_only=True)
class ManifestFilter:
    """``JobManifestGeneratorFilter``: which versions a generated manifest lists (R-126).

    Attributes:
        eligible_for_replication: only versions the configuration would replicate.
        created_after: only versions created after this time.
        created_before: only versions created before this time.
        object_replication_statuses: only versions with one of these statuses
            (``NONE``, ``FAILED``, ``COMPLETED``, ``REPLICA``).
        key_name_constraint: key prefix, suffix and substring matches.
        object_size_greater_than_bytes: only objects larger than this.
        object_size_less_than_bytes: only objects smaller than this.
        match_any_storage_class: only objects of one of these classes.
        match_any_object_encryption: only objects encrypted in one of these ways.
    """

    eligible_for_replication: bool | None = None
    created_after: dt.datetime | None = None
    created_before: dt.datetime | None = None
    object_replication_statuses: tuple[str, ...] = ()
    key_name_constraint: KeyNameConstraint | None = None
    object_size_greater_than_bytes: int | None = None
    object_size_less_than_bytes: int | None = None
    match_any_storage_class: tuple[StorageClass, ...] = ()
    match_any_object_encryption: tuple[ServerSideEncryption, ...] = ()

    @property
    def reads_object_fields(self) -> bool:
        """Whether the filter asks what only an object has (size, class, encryption)."""
        return bool(
            self.object_size_greater_than_bytes is not None
            or self.object_size_less_than_bytes is not None
            or self.match_any_storage_class
            or self.match_any_object_encryption
        )

    def to_boto(self) -> dict[str, Any]:
        """The service model's shape (members that were given)."""
        out: dict[str, Any] = {}
        if self.eligible_for_replication is not None:
            out["EligibleForReplication"] = self.eligible_for_replication
        if self.created_after is not None:
            out["CreatedAfter"] = self.created_after
        if self.created_before is not None:
            out["CreatedBefore"] = self.created_before
        if self.object_replication_statuses:
            out["ObjectReplicationStatuses"] = list(self.object_replication_statuses)
        if self.key_name_constraint is not None:
            out["KeyNameConstraint"] = self.key_name_constraint.to_boto()
        if self.object_size_greater_than_bytes is not None:
            out["ObjectSizeGreaterThanBytes"] = self.object_size_greater_than_bytes
        if self.object_size_less_than_bytes is not None:
            out["ObjectSizeLessThanBytes"] = self.object_size_less_than_bytes
        if self.match_any_storage_class:
            out["MatchAnyStorageClass"] = [c.value for c in self.match_any_storage_class]
        if self.match_any_object_encryption:
            out["MatchAnyObjectEncryption"] = [
                {_FILTER_OF[kind]: {}} for kind in self.match_any_object_encryption
            ]
        return out


@attrs.frozen(kw_only=True)
class ManifestGenerator:
    """``S3JobManifestGenerator``: S3 lists the manifest from the source bucket (R-126).

    Attributes:
        source_bucket: the source bucket's name.
        source_bucket_arn: its ARN as given.
        expected_bucket_owner: the account the source bucket must belong to, if given.
        enable_manifest_output: whether the generated manifest is written out.
        output_bucket: the bucket the manifest is written to (``None``: not written).
        output_bucket_arn: its ARN as given.
        output_prefix: the key prefix of the written manifest.
        output_expected_owner: the account the output bucket must belong to, if given.
        filter: which versions the manifest lists.
    """

    source_bucket: str = attrs.field(validator=_checks.non_empty_text)
    source_bucket_arn: str = attrs.field(validator=_checks.non_empty_text)
    expected_bucket_owner: str | None = attrs.field(
        default=None, validator=_checks.optional(_checks.account_id)
    )
    enable_manifest_output: bool = attrs.field(default=False, validator=_checks.boolean)
    output_bucket: str | None = None
    output_bucket_arn: str | None = None
    output_prefix: str | None = None
    output_expected_owner: str | None = None
    filter: ManifestFilter = attrs.field(factory=ManifestFilter)

    def to_boto(self) -> dict[str, Any]:
        """The service model's ``JobManifestGenerator`` shape."""
        inner: dict[str, Any] = {
            "SourceBucket": self.source_bucket_arn,
            "EnableManifestOutput": self.enable_manifest_output,
        }
        if self.expected_bucket_owner is not None:
            inner["ExpectedBucketOwner"] = self.expected_bucket_owner
        if self.output_bucket_arn is not None:
            location: dict[str, Any] = {
                "Bucket": self.output_bucket_arn,
                "ManifestFormat": GENERATED_MANIFEST_FORMAT,
            }
            if self.output_prefix is not None:
                location["ManifestPrefix"] = self.output_prefix
            if self.output_expected_owner is not None:
                location["ExpectedManifestBucketOwner"] = self.output_expected_owner
            inner["ManifestOutputLocation"] = location
        flt = self.filter.to_boto()
        if flt:
            inner["Filter"] = flt
        return {"S3JobManifestGenerator": inner}


@attrs.frozen(kw_only=True)
class ManifestLocation:
    """``JobManifest``: a manifest object the caller wrote (a CSV of bucket, key, version).

    Attributes:
        object_arn: the manifest object's ARN as given.
        bucket: the manifest bucket's name.
        key: the manifest object's key.
        version_id: the manifest object's version, if given.
        etag: the ETag the manifest object must have.
        format: ``S3BatchOperations_CSV_20180820``.
        fields: the CSV's columns (``Bucket``, ``Key``, optionally ``VersionId``).
    """

    object_arn: str = attrs.field(validator=_checks.non_empty_text)
    bucket: str = attrs.field(validator=_checks.non_empty_text)
    key: str = attrs.field(validator=_checks.non_empty_text)
    etag: str = attrs.field(validator=_checks.non_empty_text)
    version_id: str | None = attrs.field(
        default=None, validator=_checks.optional(_checks.non_empty_text)
    )
    format: str = "S3BatchOperations_CSV_20180820"
    fields: tuple[str, ...] = ("Bucket", "Key")

    def to_boto(self) -> dict[str, Any]:
        """The service model's ``JobManifest`` shape."""
        location: dict[str, Any] = {"ObjectArn": self.object_arn, "ETag": self.etag}
        if self.version_id is not None:
            location["ObjectVersionId"] = self.version_id
        return {"Spec": {"Format": self.format, "Fields": list(self.fields)}, "Location": location}


@attrs.frozen(kw_only=True)
class JobReport:
    """``JobReport``: whether and where the completion report is written.

    Attributes:
        enabled: whether a report is written.
        bucket: the report bucket's name (when enabled).
        bucket_arn: its ARN as given.
        prefix: the key prefix of the report.
        scope: ``AllTasks`` or ``FailedTasksOnly``.
        expected_bucket_owner: the account the report bucket must belong to, if given.
    """

    enabled: bool = attrs.field(validator=_checks.boolean)
    bucket: str | None = attrs.field(default=None, validator=_checks.optional(_checks.text))
    bucket_arn: str | None = attrs.field(default=None, validator=_checks.optional(_checks.text))
    prefix: str | None = attrs.field(default=None, validator=_checks.optional(_checks.text))
    scope: str = attrs.field(
        default="AllTasks", validator=attrs.validators.in_(("AllTasks", "FailedTasksOnly"))
    )
    expected_bucket_owner: str | None = attrs.field(
        default=None, validator=_checks.optional(_checks.account_id)
    )

    def to_boto(self) -> dict[str, Any]:
        """The service model's ``JobReport`` shape."""
        out: dict[str, Any] = {"Enabled": self.enabled}
        if self.bucket_arn is not None:
            out["Bucket"] = self.bucket_arn
            out["Format"] = REPORT_FORMAT
        if self.prefix is not None:
            out["Prefix"] = self.prefix
        if self.enabled:
            out["ReportScope"] = self.scope
        if self.expected_bucket_owner is not None:
            out["ExpectedBucketOwner"] = self.expected_bucket_owner
        return out


@attrs.frozen(kw_only=True)
class JobRequest:
    """A ``CreateJob`` request, validated (everything but the idempotency token's reuse).

    Attributes:
        account: the account the job belongs to (``AccountId``).
        region: the Region the job runs in (the S3 Control endpoint's).
        role_arn: the role Batch Operations assumes (``RoleArn``).
        priority: the job's priority (``Priority``).
        client_request_token: the idempotency token (``ClientRequestToken``).
        confirmation_required: whether the job waits in ``Suspended`` for confirmation.
        description: the job's description.
        report: the completion report.
        manifest: a manifest the caller wrote, or ``None``.
        generator: a manifest S3 generates, or ``None`` (exactly one of the two is set).
        tags: the job's tags, as (key, value) pairs.
    """

    account: str = attrs.field(validator=_checks.account_id)
    region: str = attrs.field(validator=_checks.non_empty_text)
    role_arn: str = attrs.field(validator=_checks.non_empty_text)
    priority: int = attrs.field(validator=_checks.non_negative_int)
    client_request_token: str = attrs.field(validator=_checks.non_empty_text)
    report: JobReport = attrs.field(validator=_checks.instance_of(JobReport))
    confirmation_required: bool = attrs.field(default=False, validator=_checks.boolean)
    description: str | None = attrs.field(default=None, validator=_checks.optional(_checks.text))
    manifest: ManifestLocation | None = attrs.field(
        default=None, validator=_checks.optional(_checks.instance_of(ManifestLocation))
    )
    generator: ManifestGenerator | None = attrs.field(
        default=None, validator=_checks.optional(_checks.instance_of(ManifestGenerator))
    )
    tags: tuple[tuple[str, str], ...] = ()

    def __attrs_post_init__(self) -> None:
        """Exactly one of a caller's manifest and a generator."""
        if (self.manifest is None) == (self.generator is None):
            msg = "JobRequest needs exactly one of manifest and generator"
            raise ValueError(msg)

    @property
    def source_bucket(self) -> str | None:
        """The bucket a generated manifest lists, or ``None`` for a caller's manifest."""
        return None if self.generator is None else self.generator.source_bucket


@attrs.frozen(kw_only=True)
class TaskOutcome:
    """How one manifest entry ended: succeeded, or failed with its reason (R-127).

    Attributes:
        entry: the entry, with the version id it resolved to (if any).
        reason: the failure reason, ``None`` when the task succeeded.
    """

    entry: ManifestEntry = attrs.field(validator=_checks.instance_of(ManifestEntry))
    reason: FailureReason | None = attrs.field(
        default=None, validator=_checks.member_of(FailureReason, optional=True)
    )

    @property
    def succeeded(self) -> bool:
        """Whether the task succeeded."""
        return self.reason is None


@attrs.frozen(kw_only=True)
class Job:
    """A Batch Operations job and its progress: what ``describe_job`` answers.

    Attributes:
        job_id: the job's id.
        request: the request it was created from.
        status: its status.
        priority: its priority (``update_job_priority`` changes it).
        creation_time: when it was created (simulated time).
        entries: the manifest, read or generated when the job was prepared.
        outcomes: the entries finished so far, in the order they finished.
        open_entries: entry index -> (tasks still queued, first failure so far), for
            entries whose tasks are queued.
        failure_reasons: why the job itself failed, as (code, reason) pairs.
        status_update_reason: the reason given to ``update_job_status``.
        termination_date: when it reached a terminal status.
        suspended_date: when it was suspended awaiting confirmation.
        generated_manifest: the written generated manifest: (key, ETag) of its
            ``manifest.json`` in the output bucket, or ``None``.
        active_since: when it became ``Active``, ``None`` before.
    """

    job_id: str = attrs.field(validator=_checks.non_empty_text)
    request: JobRequest = attrs.field(validator=_checks.instance_of(JobRequest))
    status: JobStatus = attrs.field(validator=_checks.member_of(JobStatus))
    priority: int = attrs.field(validator=_checks.non_negative_int)
    creation_time: dt.datetime = attrs.field(validator=_checks.aware_datetime)
    entries: tuple[ManifestEntry, ...] = ()
    outcomes: tuple[TaskOutcome, ...] = ()
    open_entries: FrozenMap[int, tuple[int, FailureReason | None]] = attrs.field(factory=FrozenMap)
    failure_reasons: tuple[tuple[str, str], ...] = ()
    status_update_reason: str | None = None
    termination_date: dt.datetime | None = None
    suspended_date: dt.datetime | None = None
    generated_manifest: tuple[str, str] | None = None
    active_since: dt.datetime | None = None

    @property
    def arn(self) -> str:
        """``arn:aws:s3:<region>:<account>:job/<id>``."""
        return f"arn:aws:s3:{self.request.region}:{self.request.account}:job/{self.job_id}"

    def progress(self, now: dt.datetime) -> dict[str, Any]:
        """``JobProgressSummary``: tasks in all, succeeded, failed, and time spent Active."""
        succeeded = sum(1 for outcome in self.outcomes if outcome.succeeded)
        elapsed = 0
        if self.active_since is not None:
            until = self.termination_date or now
            elapsed = max(0, int((until - self.active_since).total_seconds()))
        return {
            "TotalNumberOfTasks": len(self.entries),
            "NumberOfTasksSucceeded": succeeded,
            "NumberOfTasksFailed": len(self.outcomes) - succeeded,
            "Timers": {"ElapsedTimeInActiveSeconds": elapsed},
        }

    def describe(self, now: dt.datetime) -> dict[str, Any]:
        """``JobDescriptor``, with the service model's member names."""
        request = self.request
        out: dict[str, Any] = {
            "JobId": self.job_id,
            "ConfirmationRequired": request.confirmation_required,
            "JobArn": self.arn,
            "Status": self.status.value,
            "Operation": {"S3ReplicateObject": {}},
            "Priority": self.priority,
            "ProgressSummary": self.progress(now),
            "FailureReasons": [
                {"FailureCode": code, "FailureReason": reason}
                for code, reason in self.failure_reasons
            ],
            "Report": request.report.to_boto(),
            "CreationTime": self.creation_time,
            "RoleArn": request.role_arn,
        }
        if request.description is not None:
            out["Description"] = request.description
        if request.manifest is not None:
            out["Manifest"] = request.manifest.to_boto()
        if request.generator is not None:
            out["ManifestGenerator"] = request.generator.to_boto()
        if self.generated_manifest is not None and request.generator is not None:
            key, etag = self.generated_manifest
            bucket_arn = request.generator.output_bucket_arn
            out["GeneratedManifestDescriptor"] = {
                "Format": GENERATED_MANIFEST_FORMAT,
                "Location": {"ObjectArn": f"{bucket_arn}/{key}", "ETag": etag},
            }
        if self.status_update_reason is not None:
            out["StatusUpdateReason"] = self.status_update_reason
        if self.termination_date is not None:
            out["TerminationDate"] = self.termination_date
        if self.suspended_date is not None:
            out["SuspendedDate"] = self.suspended_date
        return out

    def list_descriptor(self, now: dt.datetime) -> dict[str, Any]:
        """``JobListDescriptor``, as ``list_jobs`` answers it."""
        out: dict[str, Any] = {
            "JobId": self.job_id,
            "Operation": "S3ReplicateObject",
            "Priority": self.priority,
            "Status": self.status.value,
            "CreationTime": self.creation_time,
            "ProgressSummary": self.progress(now),
        }
        if self.request.description is not None:
            out["Description"] = self.request.description
        if self.termination_date is not None:
            out["TerminationDate"] = self.termination_date
        return out
