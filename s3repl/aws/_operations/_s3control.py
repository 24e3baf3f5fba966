"""S3 Control: the Batch Operations job API (Batch Replication) on the engine's jobs.

CreateJob, DescribeJob, ListJobs, UpdateJobStatus and UpdateJobPriority, each a thin
call of the engine's method of the same name.  The job runs in the Region the client
addressed (S3 Control endpoints are regional); the account is the request's
``AccountId`` (botocore sends it in ``x-amz-account-id``), which must be the caller's.
"""

from __future__ import annotations

from typing import Any

from s3repl.aws._http import Caller
from s3repl.aws._operations._params import Params
from s3repl.aws._operations._state import BackendState, Handler

__all__ = ["S3CONTROL_OPERATIONS"]


def _create_job(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    return state.engine.create_job(
        account_id=p.text("AccountId"),
        operation=p.raw("Operation"),
        report=p.raw("Report"),
        client_request_token=p.raw("ClientRequestToken"),
        priority=p.raw("Priority"),
        role_arn=p.raw("RoleArn"),
        manifest=p.raw("Manifest"),
        manifest_generator=p.raw("ManifestGenerator"),
        confirmation_required=p.raw("ConfirmationRequired"),
        description=p.raw("Description"),
        tags=p.raw("Tags"),
        region=caller.region,
        account=caller.account,
    )


def _describe_job(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    return state.engine.describe_job(
        p.text("JobId"), account_id=p.text("AccountId"), account=caller.account
    )


def _list_jobs(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    return state.engine.list_jobs(
        account_id=p.text("AccountId"),
        account=caller.account,
        job_statuses=p.raw("JobStatuses"),
        next_token=p.optional_text("NextToken"),
        max_results=p.optional_int("MaxResults"),
    )


def _update_job_status(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    return state.engine.update_job_status(
        p.text("JobId"),
        p.text("RequestedJobStatus"),
        status_update_reason=p.optional_text("StatusUpdateReason"),
        account_id=p.text("AccountId"),
        account=caller.account,
    )


def _update_job_priority(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    priority = p.optional_int("Priority")
    return state.engine.update_job_priority(
        p.text("JobId"),
        priority if priority is not None else -1,
        account_id=p.text("AccountId"),
        account=caller.account,
    )


S3CONTROL_OPERATIONS: dict[str, Handler] = {
    "CreateJob": _create_job,
    "DescribeJob": _describe_job,
    "ListJobs": _list_jobs,
    "UpdateJobStatus": _update_job_status,
    "UpdateJobPriority": _update_job_priority,
}
