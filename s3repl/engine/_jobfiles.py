"""The objects a Batch Replication job writes: its completion report and generated manifest.

Pure renderers: the engine writes what they return as objects (``put_object``).

The completion report follows the user guide's example (batch-ops-examples-reports):
a top-level ``manifest.json`` (``Format``, ``ReportCreationDate``, ``Results``,
``ReportSchema``) pointing at one CSV of succeeded and one of failed tasks under
``<prefix>/job-<id>/results/``.  Why the rows put the HTTP status before the error
code although ``ReportSchema`` lists ``ErrorCode`` first: the guide's example rows do
(``...,failed,200,PermanentFailure,...``), and rows are what readers parse; the schema
string is kept verbatim as AWS writes it.  Keys are URL-encoded, as in manifests.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from s3repl import policy
from s3repl.model.jobs import REPORT_FORMAT, ManifestEntry, TaskOutcome

__all__: list[str] = []

#: The report's column names, as AWS writes them in ``manifest.json``.
REPORT_SCHEMA = "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage"
#: The generated manifest's columns.
GENERATED_SCHEMA = "Bucket, Key, VersionId"


def job_folder(prefix: str | None, job_id: str) -> str:
    """``<prefix>/job-<id>`` (no prefix: ``job-<id>``)."""
    return f"{prefix.rstrip('/')}/job-{job_id}" if prefix else f"job-{job_id}"


def _csv(rows: Iterable[Sequence[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue().encode()


def _md5(body: bytes) -> str:
    return hashlib.md5(body, usedforsecurity=False).hexdigest()


def _name(job_id: str, what: str) -> str:
    return hashlib.sha1(f"{job_id}:{what}".encode(), usedforsecurity=False).hexdigest()


def report_row(outcome: TaskOutcome) -> tuple[str, ...]:
    """One CSV row: bucket, key, version, status, HTTP status, error code, message."""
    entry = outcome.entry
    status, code, message = policy.report_status(outcome.reason)
    task_status = "succeeded" if outcome.succeeded else "failed"
    return (
        entry.bucket,
        quote(entry.key, safe="/"),
        entry.version_id or "",
        task_status,
        status,
        code,
        message,
    )


def completion_report(
    *,
    job_id: str,
    bucket: str,
    prefix: str | None,
    failed_only: bool,
    outcomes: Sequence[TaskOutcome],
    now: dt.datetime,
) -> list[tuple[str, bytes, str]]:
    """The report's objects as (key, body, content type), the ``manifest.json`` last."""
    folder = job_folder(prefix, job_id)
    files: list[tuple[str, bytes, str]] = []
    results = []
    for label, wanted in (("succeeded", True), ("failed", False)):
        if failed_only and wanted:
            continue
        rows = [report_row(o) for o in outcomes if o.succeeded is wanted]
        if not rows:
            continue
        body = _csv(rows)
        key = f"{folder}/results/{_name(job_id, label)}.csv"
        files.append((key, body, "text/csv"))
        results.append(
            {"TaskExecutionStatus": label, "Bucket": bucket, "MD5Checksum": _md5(body), "Key": key}
        )
    top = {
        "Format": REPORT_FORMAT,
        "ReportCreationDate": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "Results": results,
        "ReportSchema": REPORT_SCHEMA,
    }
    files.append(
        (f"{folder}/manifest.json", json.dumps(top, indent=4).encode(), "application/json")
    )
    return files


def generated_manifest(
    *,
    job_id: str,
    source_bucket: str,
    output_bucket_arn: str,
    prefix: str | None,
    entries: Sequence[ManifestEntry],
    now: dt.datetime,
) -> list[tuple[str, bytes, str]]:
    """The generated manifest's objects as (key, body, content type), ``manifest.json`` last."""
    folder = job_folder(prefix, job_id)
    body = _csv((e.bucket, quote(e.key, safe="/"), e.version_id or "") for e in entries)
    data_key = f"{folder}/data/{_name(job_id, 'manifest')}.csv"
    top = {
        "sourceBucket": source_bucket,
        "destinationBucket": output_bucket_arn,
        "version": "2021-11-30",
        "creationTimestamp": str(int(now.timestamp() * 1000)),
        "fileFormat": "CSV",
        "fileSchema": GENERATED_SCHEMA,
        "files": [{"key": data_key, "size": len(body), "MD5checksum": _md5(body)}],
    }
    manifest = json.dumps(top, indent=4).encode()
    return [(data_key, body, "text/csv"), (f"{folder}/manifest.json", manifest, "application/json")]
