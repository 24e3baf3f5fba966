"""boto3's s3control client through ``s3repl.aws.mock``: Batch Replication jobs (R-177).

Every call goes through botocore's real serialisation (rest-xml, the account id in
``x-amz-account-id`` and the host) and parsing; the job runs in the engine.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest
from aws_env import hide_aws_env
from batch_world import ACCOUNT, JOB_ROLE, batch_world, configure
from botocore.exceptions import ClientError

from s3repl import ReplicationStatus
from s3repl.aws import mock
from s3repl.aws._addressing import route
from s3repl.aws._http import HttpRequest

_REPORT = {
    "Bucket": "arn:aws:s3:::reports",
    "Format": "Report_CSV_20180820",
    "Enabled": True,
    "Prefix": "batch",
    "ReportScope": "AllTasks",
}
_GENERATOR = {
    "S3JobManifestGenerator": {
        "SourceBucket": "arn:aws:s3:::src",
        "EnableManifestOutput": False,
        "Filter": {
            "EligibleForReplication": True,
            "ObjectReplicationStatuses": ["NONE"],
            "CreatedAfter": dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        },
    }
}


@pytest.fixture
def control(monkeypatch: pytest.MonkeyPatch) -> Any:
    """An engine with one object older than src's configuration, and its s3control client."""
    hide_aws_env(monkeypatch)
    engine = batch_world()
    engine.put_object("src", "old", b"x")
    configure(engine)
    with mock(engine):
        client = boto3.client("s3control", region_name="us-east-1")
        client.engine = engine
        yield client


def test_r177_create_describe_list_through_boto3(control: Any) -> None:
    """R-177: CreateJob through boto3 (its idempotency token filled in by botocore) makes a
    job in the addressed Region; DescribeJob and ListJobs answer in the model's shapes."""
    job_id = control.create_job(
        AccountId=ACCOUNT,
        Operation={"S3ReplicateObject": {}},
        Report=_REPORT,
        Priority=3,
        RoleArn=JOB_ROLE,
        ManifestGenerator=_GENERATOR,
    )["JobId"]
    described = control.describe_job(AccountId=ACCOUNT, JobId=job_id)["Job"]
    assert described["Status"] == "Ready"
    assert described["JobArn"] == f"arn:aws:s3:us-east-1:{ACCOUNT}:job/{job_id}"
    flt = described["ManifestGenerator"]["S3JobManifestGenerator"]["Filter"]
    assert flt["CreatedAfter"] == dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    control.engine.run()
    described = control.describe_job(AccountId=ACCOUNT, JobId=job_id)["Job"]
    assert described["Status"] == "Complete"
    assert described["ProgressSummary"]["NumberOfTasksSucceeded"] == 1
    assert control.engine.head_object("dst", "old").replication_status is ReplicationStatus.REPLICA
    listed = control.list_jobs(AccountId=ACCOUNT, JobStatuses=["Complete"])["Jobs"]
    assert [j["JobId"] for j in listed] == [job_id]


def test_update_status_and_priority_through_boto3(control: Any) -> None:
    """UpdateJobStatus confirms a Suspended job; UpdateJobPriority answers the new one."""
    job_id = control.create_job(
        AccountId=ACCOUNT,
        ConfirmationRequired=True,
        Operation={"S3ReplicateObject": {}},
        Report={"Enabled": False},
        Priority=3,
        RoleArn=JOB_ROLE,
        ManifestGenerator=_GENERATOR,
    )["JobId"]
    answer = control.update_job_status(
        AccountId=ACCOUNT, JobId=job_id, RequestedJobStatus="Ready", StatusUpdateReason="ok"
    )
    assert (answer["Status"], answer["StatusUpdateReason"]) == ("Ready", "ok")
    assert control.update_job_priority(AccountId=ACCOUNT, JobId=job_id, Priority=9)["Priority"] == 9


@pytest.mark.parametrize(
    ("call", "code", "status"),
    [
        (
            lambda c: c.describe_job(
                AccountId=ACCOUNT, JobId="00000000-0000-4000-8000-000000000000"
            ),
            "NotFoundException",
            404,
        ),
        (
            lambda c: c.create_job(
                AccountId=ACCOUNT,
                Operation={"S3PutObjectCopy": {}},
                Report={"Enabled": False},
                Priority=1,
                RoleArn=JOB_ROLE,
                ManifestGenerator=_GENERATOR,
            ),
            "InvalidRequestException",
            400,
        ),
        (
            lambda c: c.create_job(
                AccountId=ACCOUNT,
                Operation={"S3ReplicateObject": {}},
                Report={"Enabled": True},
                Priority=1,
                RoleArn=JOB_ROLE,
                ManifestGenerator=_GENERATOR,
            ),
            "BadRequestException",
            400,
        ),
    ],
)
def test_errors_come_back_as_s3control_errors(
    control: Any, call: Any, code: str, status: int
) -> None:
    """Refusals are ClientErrors with s3control's codes and statuses."""
    with pytest.raises(ClientError) as caught:
        call(control)
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status


def test_s3_control_requests_are_told_apart_from_s3() -> None:
    """S3 Control signs as ``s3``: its ``<account>.s3-control.<region>`` host (or, on a
    local server, its ``/v20180820/`` path with ``x-amz-account-id``) routes it."""
    by_host = HttpRequest(
        method="GET",
        path="/v20180820/jobs",
        host=f"{ACCOUNT}.s3-control.us-east-1.amazonaws.com",
    )
    assert route(by_host).service == "s3control"
    local = HttpRequest(
        method="GET",
        path="/v20180820/jobs",
        host="localhost:9000",
        headers=(("x-amz-account-id", ACCOUNT),),
    )
    assert route(local).service == "s3control"
    bucket = HttpRequest(method="GET", path="/v20180820/jobs", host="localhost:9000")
    assert route(bucket).service == "s3"
