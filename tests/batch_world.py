"""A world for Batch Replication tests: src -> dst, a replication role and a job role.

The job role holds the permissions the user guide's Batch Replication policy lists
(UG s3-batch-replication-policies): ``s3:InitiateReplication`` on the source objects,
``s3:GetReplicationConfiguration`` and ``s3:PutInventoryConfiguration`` on the source
bucket, ``s3:GetObject``/``s3:GetObjectVersion`` on the manifests and ``s3:PutObject``
on the report and manifest buckets; its trust policy (s3repl's default) trusts
``batchoperations.s3.amazonaws.com`` (R-006).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from s3repl import Engine
from s3repl.engine._core import OrderPolicy

ACCOUNT = "123456789012"
REPLICATION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/replication"
JOB_ROLE = f"arn:aws:iam::{ACCOUNT}:role/batch"


def job_role_policy(*, initiate: bool = True, generator: bool = True) -> dict[str, Any]:
    """The user guide's Batch Replication policy (parts of it can be left out)."""
    statements: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": "arn:aws:s3:::manifests/*",
        },
        {
            "Effect": "Allow",
            "Action": ["s3:PutObject"],
            "Resource": ["arn:aws:s3:::reports/*", "arn:aws:s3:::manifests/*"],
        },
    ]
    if initiate:
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["s3:InitiateReplication"],
                "Resource": "arn:aws:s3:::*/*",
            }
        )
    if generator:
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["s3:GetReplicationConfiguration", "s3:PutInventoryConfiguration"],
                "Resource": "arn:aws:s3:::*",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def rule(
    rule_id: str = "all",
    dest: str = "dst",
    *,
    prefix: str | None = None,
    priority: int = 1,
    markers: bool = False,
    rtc: bool = False,
) -> dict[str, Any]:
    """A V2 rule to ``dest``."""
    destination: dict[str, Any] = {"Bucket": f"arn:aws:s3:::{dest}"}
    if rtc:
        destination["Metrics"] = {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}
        destination["ReplicationTime"] = {"Status": "Enabled", "Time": {"Minutes": 15}}
    return {
        "ID": rule_id,
        "Priority": priority,
        "Status": "Enabled",
        "Filter": {} if prefix is None else {"Prefix": prefix},
        "DeleteMarkerReplication": {"Status": "Enabled" if markers else "Disabled"},
        "Destination": destination,
    }


def configure(engine: Engine, *rules: dict[str, Any], source: str = "src") -> None:
    """Put a configuration on ``source`` with the replication role."""
    engine.put_bucket_replication(
        source, {"Role": REPLICATION_ROLE, "Rules": list(rules or [rule()])}
    )


def batch_world(
    *, seed: int = 1, job_policy: dict[str, Any] | None = None, order: OrderPolicy = "fifo"
) -> Engine:
    """src (us-east-1) and dst (eu-west-1), both versioned, no configuration yet."""
    engine = Engine(seed=seed, order=order)
    engine.create_bucket("src", versioning=True)
    engine.create_bucket("dst", region="eu-west-1", versioning=True)
    engine.create_bucket("reports")
    engine.create_bucket("manifests", versioning=True)
    engine.create_role(REPLICATION_ROLE)
    engine.create_role(JOB_ROLE, policy=job_policy or job_role_policy())
    return engine


def generator(source: str = "src", **flt: Any) -> dict[str, Any]:
    """A ``ManifestGenerator`` over ``source`` with filter members ``flt``."""
    inner: dict[str, Any] = {
        "SourceBucket": f"arn:aws:s3:::{source}",
        "EnableManifestOutput": False,
    }
    if flt:
        inner["Filter"] = flt
    return {"S3JobManifestGenerator": inner}


def report(*, scope: str = "AllTasks", prefix: str | None = "batch") -> dict[str, Any]:
    """A completion report into ``reports``."""
    out: dict[str, Any] = {
        "Bucket": "arn:aws:s3:::reports",
        "Format": "Report_CSV_20180820",
        "Enabled": True,
        "ReportScope": scope,
    }
    if prefix is not None:
        out["Prefix"] = prefix
    return out


def create(engine: Engine, token: str = "token-1", **kwargs: Any) -> str:
    """Create an ``S3ReplicateObject`` job (a generator over src unless told otherwise)."""
    params: dict[str, Any] = {
        "account_id": ACCOUNT,
        "operation": {"S3ReplicateObject": {}},
        "report": report(),
        "client_request_token": token,
        "priority": 10,
        "role_arn": JOB_ROLE,
    }
    params.update(kwargs)
    if "manifest" not in params and "manifest_generator" not in params:
        params["manifest_generator"] = generator()
    return engine.create_job(**params)["JobId"]


def job(engine: Engine, job_id: str) -> dict[str, Any]:
    """``describe_job``'s ``Job``."""
    described: dict[str, Any] = engine.describe_job(job_id, account_id=ACCOUNT)["Job"]
    return described


def report_files(engine: Engine, job_id: str, prefix: str | None = "batch") -> dict[str, Any]:
    """The report's ``manifest.json`` and its CSV rows by task status."""
    folder = f"{prefix}/job-{job_id}" if prefix else f"job-{job_id}"
    top = json.loads(engine.get_object("reports", f"{folder}/manifest.json").body)
    rows: dict[str, list[list[str]]] = {}
    for result in top["Results"]:
        body = engine.get_object("reports", result["Key"]).body.decode()
        rows[result["TaskExecutionStatus"]] = list(csv.reader(io.StringIO(body)))
    return {"manifest": top, "rows": rows}
