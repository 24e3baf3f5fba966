"""The S3 Control job API of Batch Replication (R-126, R-177): statuses, counters, errors.

Job statuses and their transitions follow UG batch-ops-job-status; request and response
member names follow botocore's s3control service model (checked against it below).
"""

from __future__ import annotations

import pickle
from typing import Any

import botocore.session
import hypothesis.strategies as st
import pytest
from batch_world import (
    ACCOUNT,
    JOB_ROLE,
    batch_world,
    configure,
    create,
    generator,
    job,
    report,
)
from hypothesis import given, settings

from s3repl import Engine, ReplicationStatus
from s3repl.errors import (
    AccessDenied,
    BadRequestException,
    IdempotencyException,
    InvalidArgumentType,
    InvalidRequest,
    JobStatusException,
    NotFoundException,
    S3Error,
)
from s3repl.model import TaskKind
from s3repl.model.jobs import JobReport, JobRequest, ManifestEntry, TaskOutcome

_MODEL: Any = botocore.session.get_session().get_service_model("s3control")


def existing_objects(count: int = 2) -> Engine:
    """Objects put before the configuration (R-100), then src -> dst configured."""
    engine = batch_world()
    for n in range(count):
        engine.put_object("src", f"k{n}", b"old")
    configure(engine)
    return engine


def _members(shape_name: str) -> set[str]:
    return set(_MODEL.shape_for(shape_name).members)


def test_r177_a_job_goes_ready_active_complete_and_counts_its_tasks() -> None:
    """R-177: a job without confirmation is Ready with its tasks queued, Active once one
    runs, Complete after the last; the counters follow (UG batch-ops-job-status)."""
    engine = existing_objects(2)
    job_id = create(engine)
    described = job(engine, job_id)
    assert described["Status"] == "Ready"
    assert described["ProgressSummary"]["TotalNumberOfTasks"] == 2
    assert [task.kind for task in engine.pending()] == [TaskKind.BATCH, TaskKind.BATCH]
    engine.step()
    described = job(engine, job_id)
    assert described["Status"] == "Active"
    assert described["ProgressSummary"]["NumberOfTasksSucceeded"] == 1
    engine.step()
    described = job(engine, job_id)
    assert described["Status"] == "Complete"
    assert described["ProgressSummary"]["NumberOfTasksSucceeded"] == 2
    assert described["ProgressSummary"]["NumberOfTasksFailed"] == 0
    assert "TerminationDate" in described
    assert engine.pending() == ()


def test_describe_job_answers_with_the_service_models_member_names() -> None:
    """DescribeJob's JobDescriptor and ListJobs' JobListDescriptor use only the s3control
    model's members (botocore), and carry the request's members back."""
    engine = existing_objects(1)
    job_id = create(engine, description="retry", confirmation_required=True)
    described = job(engine, job_id)
    assert set(described) <= _members("JobDescriptor")
    assert set(described["ProgressSummary"]) <= _members("JobProgressSummary")
    assert set(described["Report"]) <= _members("JobReport")
    gen = described["ManifestGenerator"]["S3JobManifestGenerator"]
    assert set(gen) <= _members("S3JobManifestGenerator")
    assert described["Operation"] == {"S3ReplicateObject": {}}
    assert described["RoleArn"] == JOB_ROLE
    assert described["Description"] == "retry"
    assert described["JobArn"] == f"arn:aws:s3:us-east-1:{ACCOUNT}:job/{job_id}"
    assert described["Status"] in _MODEL.shape_for("JobStatus").enum
    (listed,) = engine.list_jobs(account_id=ACCOUNT)["Jobs"]
    assert set(listed) <= _members("JobListDescriptor")
    assert listed["Operation"] == "S3ReplicateObject"


def test_confirmation_required_waits_suspended_until_ready() -> None:
    """R-177: a job that requires confirmation is Suspended after Preparing, queues
    nothing, and runs once confirmed with RequestedJobStatus=Ready."""
    engine = existing_objects(1)
    job_id = create(engine, confirmation_required=True)
    described = job(engine, job_id)
    assert described["Status"] == "Suspended"
    assert "SuspendedDate" in described
    assert engine.pending() == ()
    answer = engine.update_job_status(
        job_id, "Ready", status_update_reason="go", account_id=ACCOUNT
    )
    assert answer == {"JobId": job_id, "Status": "Ready", "StatusUpdateReason": "go"}
    engine.run()
    assert job(engine, job_id)["Status"] == "Complete"
    assert engine.head_object("dst", "k0").replication_status is ReplicationStatus.REPLICA


def test_cancelling_drops_the_queued_tasks_and_reports_what_ran() -> None:
    """A cancelled job submits no new requests (UG batch-ops-job-status): its queued tasks
    leave the queue; the report covers the task that ran."""
    engine = existing_objects(3)
    job_id = create(engine)
    engine.step()
    answer = engine.update_job_status(job_id, "Cancelled", account_id=ACCOUNT)
    assert answer["Status"] == "Cancelled"
    assert engine.pending() == ()
    described = job(engine, job_id)
    assert described["ProgressSummary"]["NumberOfTasksSucceeded"] == 1
    keys = [v.key for v in engine.list_object_versions("reports")]
    assert any(key.endswith(".csv") for key in keys)
    with pytest.raises(JobStatusException):
        engine.update_job_status(job_id, "Cancelled", account_id=ACCOUNT)


def test_ready_is_only_for_a_suspended_job() -> None:
    """UpdateJobStatus(Ready) confirms a Suspended job only (JobStatusException else)."""
    engine = existing_objects(1)
    job_id = create(engine)
    with pytest.raises(JobStatusException):
        engine.update_job_status(job_id, "Ready", account_id=ACCOUNT)
    with pytest.raises(BadRequestException) as caught:
        engine.update_job_status(job_id, "Active", account_id=ACCOUNT)
    assert caught.value.element == "RequestedJobStatus"


def test_client_request_token_is_idempotent() -> None:
    """The same ClientRequestToken and request give the same job; another request with
    that token is refused (IdempotencyException) and creates nothing."""
    engine = existing_objects(1)
    first = create(engine, token="same")
    assert create(engine, token="same") == first
    with pytest.raises(IdempotencyException):
        create(engine, token="same", priority=99)
    assert len(engine.list_jobs(account_id=ACCOUNT)["Jobs"]) == 1
    assert create(engine, token="other") != first


def test_update_job_priority() -> None:
    """UpdateJobPriority answers the job id and its new priority; DescribeJob shows it."""
    engine = existing_objects(1)
    job_id = create(engine)
    answer = engine.update_job_priority(job_id, 42, account_id=ACCOUNT)
    assert answer == {"JobId": job_id, "Priority": 42}
    assert job(engine, job_id)["Priority"] == 42
    for bad in (-1, 2**31, "1", True):
        with pytest.raises(BadRequestException):
            engine.update_job_priority(job_id, bad, account_id=ACCOUNT)  # type: ignore[arg-type]
    assert job(engine, job_id)["Priority"] == 42


def test_unknown_and_malformed_job_ids() -> None:
    """No such job: NotFoundException (also from another account); a malformed id:
    BadRequestException (s3control's JobId pattern)."""
    engine = existing_objects(1)
    job_id = create(engine)
    with pytest.raises(NotFoundException):
        engine.describe_job("00000000-0000-4000-8000-000000000000", account_id=ACCOUNT)
    with pytest.raises(NotFoundException):
        engine.describe_job(job_id, account_id="210987654321")
    with pytest.raises(BadRequestException):
        engine.describe_job("a b", account_id=ACCOUNT)


def test_list_jobs_filters_by_status_and_pages() -> None:
    """ListJobs filters by JobStatuses and pages with MaxResults and NextToken."""
    engine = existing_objects(1)
    suspended = create(engine, token="a", confirmation_required=True)
    ready = create(engine, token="b")
    listed = engine.list_jobs(account_id=ACCOUNT, job_statuses=["Suspended"])["Jobs"]
    assert [j["JobId"] for j in listed] == [suspended]
    page = engine.list_jobs(account_id=ACCOUNT, max_results=1)
    assert [j["JobId"] for j in page["Jobs"]] == [suspended]
    rest = engine.list_jobs(account_id=ACCOUNT, max_results=1, next_token=page["NextToken"])
    assert [j["JobId"] for j in rest["Jobs"]] == [ready]
    assert "NextToken" not in rest
    assert engine.list_jobs(account_id="210987654321")["Jobs"] == []
    assert engine.list_jobs(account_id=ACCOUNT, max_results=0) == {"Jobs": []}
    with pytest.raises(BadRequestException):
        engine.list_jobs(account_id=ACCOUNT, job_statuses=["Running"])


#: A list nested 1,000 deep in a string slot: refused by its type, never walked or printed.
_DEEP: list[Any] = []
for _ in range(1000):
    _DEEP = [_DEEP]

_GOOD: dict[str, Any] = {
    "account_id": ACCOUNT,
    "operation": {"S3ReplicateObject": {}},
    "report": report(),
    "client_request_token": "t",
    "priority": 1,
    "role_arn": JOB_ROLE,
    "manifest_generator": generator(),
}


@pytest.mark.parametrize(
    ("change", "error", "element"),
    [
        ({"account_id": "12"}, BadRequestException, "AccountId"),
        ({"operation": {"S3PutObjectCopy": {}}}, InvalidRequest, "Operation.S3PutObjectCopy"),
        ({"operation": {"Nope": {}}}, BadRequestException, "Operation.Nope"),
        ({"operation": {}}, BadRequestException, "Operation"),
        ({"operation": {"S3ReplicateObject": {"X": 1}}}, BadRequestException, None),
        ({"priority": "1"}, BadRequestException, "Priority"),
        ({"priority": -1}, BadRequestException, "Priority"),
        ({"priority": 10**5000}, BadRequestException, "Priority"),
        ({"role_arn": "role"}, BadRequestException, "RoleArn"),
        ({"client_request_token": ""}, BadRequestException, "ClientRequestToken"),
        ({"report": {"Enabled": "yes"}}, BadRequestException, "Report.Enabled"),
        ({"report": {"Enabled": True}}, BadRequestException, "Report.Bucket"),
        ({"report": [1] * 3}, BadRequestException, "Report"),
        ({"manifest_generator": None}, BadRequestException, "Manifest"),
        (
            {"manifest": {"Spec": {"Format": "S3BatchOperations_CSV_20180820"}}},
            BadRequestException,
            None,
        ),
        (
            {
                "manifest_generator": {
                    "S3JobManifestGenerator": {"SourceBucket": "src", "EnableManifestOutput": False}
                }
            },
            BadRequestException,
            "ManifestGenerator.S3JobManifestGenerator.SourceBucket",
        ),
        (
            {"manifest_generator": generator(ObjectReplicationStatuses=["PENDING"])},
            BadRequestException,
            "ManifestGenerator.S3JobManifestGenerator.Filter.ObjectReplicationStatuses[0]",
        ),
        (
            {"manifest_generator": generator(CreatedAfter="yesterday")},
            BadRequestException,
            "ManifestGenerator.S3JobManifestGenerator.Filter.CreatedAfter",
        ),
        (
            {"manifest_generator": generator(Unknown=1)},
            BadRequestException,
            "ManifestGenerator.S3JobManifestGenerator.Filter.Unknown",
        ),
        (
            {"manifest_generator": generator(MatchAnyStorageClass=["FAST"])},
            BadRequestException,
            "ManifestGenerator.S3JobManifestGenerator.Filter.MatchAnyStorageClass[0]",
        ),
        ({"region": "mars-1"}, BadRequestException, "Region"),
        ({"region": ["us-east-1"]}, InvalidArgumentType, "region"),  # a wrong Python type
        ({"description": _DEEP}, BadRequestException, "Description"),
        ({"report": {"Enabled": True, "Bucket": _DEEP}}, BadRequestException, "Report.Bucket"),
        ({"tags": [{"Key": "k", "Value": 1}]}, BadRequestException, "Tags[0].Value"),
        ({"confirmation_required": "no"}, BadRequestException, "ConfirmationRequired"),
    ],
)
def test_bad_requests_are_refused_cleanly_and_create_nothing(
    change: dict[str, Any], error: type[S3Error], element: str | None
) -> None:
    """Every bad CreateJob parameter is the S3 Control error, naming its element; no job,
    no task, no object is created."""
    engine = existing_objects(1)
    before = engine.snapshot()
    with pytest.raises(error) as caught:
        engine.create_job(**{**_GOOD, **change})
    if element is not None:
        assert caught.value.element == element
    assert engine.list_jobs(account_id=ACCOUNT)["Jobs"] == []
    assert engine.snapshot().objects == before.objects
    assert engine.pending() == before.pending


def test_a_job_lives_in_snapshots_forks_and_pickles() -> None:
    """A job's state is the engine's: a fork or a restored snapshot or an unpickled
    engine continues the job exactly as the original does."""
    engine = existing_objects(3)
    job_id = create(engine)
    engine.step()
    copies = [
        engine.fork(),
        Engine.from_snapshot(engine.snapshot()),
        pickle.loads(pickle.dumps(engine)),
    ]
    engine.run()
    for copy in copies:
        assert job(copy, job_id)["Status"] == "Active"
        copy.run()
        assert job(copy, job_id) == job(engine, job_id)
        assert copy.snapshot().objects == engine.snapshot().objects


def test_job_fails_when_batch_operations_cannot_assume_the_role() -> None:
    """R-006: the job's role must trust batchoperations.s3.amazonaws.com; otherwise the
    job fails while it is prepared, saying why (FailureReasons)."""
    engine = existing_objects(1)
    engine.create_role(JOB_ROLE, trusted=False)
    job_id = create(engine)
    described = job(engine, job_id)
    assert described["Status"] == "Failed"
    assert described["FailureReasons"][0]["FailureCode"] == "AssumeRoleNotPermitted"
    assert engine.pending() == ()


def test_r126_a_generated_manifest_needs_a_replication_configuration() -> None:
    """R-126: Batch Replication needs an existing configuration on the source."""
    engine = batch_world()
    engine.put_object("src", "k", b"x")
    job_id = create(engine)
    described = job(engine, job_id)
    assert described["Status"] == "Failed"
    assert described["FailureReasons"][0]["FailureCode"] == "ReplicationConfigurationNotFoundError"


def test_job_role_needs_write_access_to_the_report_bucket() -> None:
    """UG s3-batch-replication-policies: s3:PutObject on the report bucket, else the job
    fails while it is prepared."""
    engine = existing_objects(1)
    engine.create_bucket("other-reports")
    job_id = create(
        engine,
        report={**report(), "Bucket": "arn:aws:s3:::other-reports"},
    )
    described = job(engine, job_id)
    assert described["Status"] == "Failed"
    assert described["FailureReasons"][0]["FailureCode"] == "AccessDenied"


def _manifest(engine: Engine, body: bytes, *, fields: tuple[str, ...]) -> dict[str, Any]:
    written = engine.put_object("manifests", "m.csv", body)
    return {
        "Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": list(fields)},
        "Location": {
            "ObjectArn": "arn:aws:s3:::manifests/m.csv",
            "ETag": written.etag,
            "ObjectVersionId": written.version_id,
        },
    }


def test_a_callers_csv_manifest_names_versions_with_url_encoded_keys() -> None:
    """R-177: a CSV manifest (S3BatchOperations_CSV_20180820) lists bucket, URL-encoded key
    and version; only the versions it names are replicated."""
    engine = batch_world()
    first = engine.put_object("src", "a b.txt", b"1")
    engine.put_object("src", "a b.txt", b"2")
    configure(engine)
    body = f"src,a%20b.txt,{first.version_id}\n".encode()
    job_id = create(engine, manifest=_manifest(engine, body, fields=("Bucket", "Key", "VersionId")))
    engine.run()
    assert job(engine, job_id)["ProgressSummary"]["NumberOfTasksSucceeded"] == 1
    replicas = engine.list_object_versions("dst")
    assert [v.version_id for v in replicas] == [first.version_id]


@pytest.mark.parametrize(
    ("etag", "body", "code"),
    [
        ('"00000000000000000000000000000000"', b"src,k0\n", "InvalidManifestETag"),
        (None, b"src,k0,extra,column\n", "InvalidManifestContent"),
        (None, b"\xff\xfe", "InvalidManifestContent"),
    ],
)
def test_a_manifest_that_cannot_be_read_fails_the_job(
    etag: str | None, body: bytes, code: str
) -> None:
    """A manifest whose ETag differs or whose rows do not fit its Fields fails the job
    while it is prepared (UG batch-ops-managing-jobs: job failures)."""
    engine = existing_objects(1)
    manifest = _manifest(engine, body, fields=("Bucket", "Key"))
    if etag is not None:
        manifest["Location"]["ETag"] = etag
    job_id = create(engine, manifest=manifest)
    described = job(engine, job_id)
    assert described["Status"] == "Failed"
    assert described["FailureReasons"][0]["FailureCode"] == code


def test_job_values_validate_when_built() -> None:
    """The job values refuse impossible fields (a bug, not a request): a non-string key,
    a failure reason given as a string, a request with no manifest at all."""
    with pytest.raises(TypeError):
        ManifestEntry(bucket="src", key=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        TaskOutcome(
            entry=ManifestEntry(bucket="src", key="k"),
            reason="SrcObjectNotEligible",  # type: ignore[arg-type]
        )
    with pytest.raises(ValueError, match="exactly one"):
        JobRequest(
            account=ACCOUNT,
            region="us-east-1",
            role_arn=JOB_ROLE,
            priority=1,
            client_request_token="t",
            report=JobReport(enabled=False),
        )


_MEMBERS = (
    "S3ReplicateObject",
    "Enabled",
    "Bucket",
    "Format",
    "S3JobManifestGenerator",
    "SourceBucket",
    "EnableManifestOutput",
    "Filter",
    "Spec",
    "Location",
    "x",
)
_PARAMETERS = (
    "operation",
    "report",
    "manifest_generator",
    "manifest",
    "priority",
    "role_arn",
    "client_request_token",
    "description",
    "tags",
    "confirmation_required",
    "region",
)
_JUNK = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=8)
    | st.sampled_from(["S3ReplicateObject", "Enabled", "arn:aws:s3:::src", ACCOUNT]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(_MEMBERS),
            inner,
            max_size=3,
        )
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(_PARAMETERS),
    junk=_JUNK,
)
def test_any_value_in_any_parameter_is_an_s3_error_or_a_job(name: str, junk: Any) -> None:
    """R-177: whatever a caller puts in a CreateJob parameter, the answer is a job or the
    library's own S3 Control error (never another exception), and a refusal leaves the
    engine as it was."""
    engine = existing_objects(1)
    before = engine.snapshot()
    params = {**_GOOD, name: junk}
    if name == "manifest":
        params["manifest_generator"] = None
    try:
        engine.create_job(**params)
    except S3Error:
        assert engine.list_jobs(account_id=ACCOUNT)["Jobs"] == []
        assert engine.pending() == before.pending


def test_expected_bucket_owner_must_own_the_bucket() -> None:
    """Report.ExpectedBucketOwner (and the generator's) name the account that must own the
    bucket; another owner fails the job while it is prepared."""
    engine = existing_objects(1)
    job_id = create(engine, report={**report(), "ExpectedBucketOwner": "210987654321"})
    described = job(engine, job_id)
    assert described["Status"] == "Failed"
    assert described["FailureReasons"][0]["FailureCode"] == "AccessDenied"
    owned = create(engine, token="owned", report={**report(), "ExpectedBucketOwner": ACCOUNT})
    assert job(engine, owned)["Status"] == "Ready"


def test_a_caller_acts_on_its_own_accounts_jobs_only() -> None:
    """S3 Control acts within the caller's account: naming another AccountId is refused."""
    engine = existing_objects(1)
    job_id = create(engine)
    with pytest.raises(AccessDenied):
        engine.describe_job(job_id, account_id=ACCOUNT, account="210987654321")
    with pytest.raises(AccessDenied):
        create(engine, token="x", account="210987654321")
    assert engine.describe_job(job_id, account=ACCOUNT)["Job"]["JobId"] == job_id
