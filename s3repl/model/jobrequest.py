"""Reading boto3's ``s3control.create_job`` parameters into a :class:`JobRequest`.

Every refusal is the S3 Control error the service answers (``BadRequestException``, or
``InvalidRequest`` for an operation or manifest format s3repl does not model), naming
the offending element by its path (``ManifestGenerator.S3JobManifestGenerator.Filter``)
and saying what was expected.  Nothing is created before the whole request is read.

Why one reader class: each shape is a mapping whose members are checked against the
service model (unknown members refused, required ones demanded, types checked) in
the same way; the reader carries the element path so every message names it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn
from urllib.parse import unquote

from s3repl.errors import BadRequestException, InvalidRequest, S3Error
from s3repl.model.enums import StorageClass
from s3repl.model.jobs import (
    ENCRYPTION_FILTERS,
    GENERATED_MANIFEST_FORMAT,
    REPORT_FORMAT,
    JobReport,
    JobRequest,
    KeyNameConstraint,
    ManifestEntry,
    ManifestFilter,
    ManifestGenerator,
    ManifestLocation,
)
from s3repl.model.names import check_bucket_name, check_region

__all__ = ["parse_create_job", "parse_manifest_csv"]

_ACCOUNT_RE = re.compile(r"\d{12}")
_ROLE_RE = re.compile(r"arn:[^:]+:iam::\d{12}:role/.*")
_BUCKET_ARN_RE = re.compile(r"arn:([^:]+):s3:::([^/]+)")
_OBJECT_ARN_RE = re.compile(r"arn:([^:]+):s3:::([^/]+)/(.+)", re.DOTALL)
_PRIORITY_MAX = 2_147_483_647
#: The operations of the service model's ``JobOperation``; only one is modelled.
_OPERATIONS = frozenset(
    {
        "LambdaInvoke",
        "S3PutObjectCopy",
        "S3PutObjectAcl",
        "S3PutObjectTagging",
        "S3DeleteObjectTagging",
        "S3InitiateRestoreObject",
        "S3PutObjectLegalHold",
        "S3PutObjectRetention",
        "S3ReplicateObject",
        "S3ComputeObjectChecksum",
        "S3UpdateObjectEncryption",
    }
)
_CSV_FORMAT = "S3BatchOperations_CSV_20180820"
_INVENTORY_FORMAT = "S3InventoryReport_CSV_20161130"
_FIELDS = ("Ignore", "Bucket", "Key", "VersionId")
_SCOPES = ("AllTasks", "FailedTasksOnly")
_STATUSES = ("COMPLETED", "FAILED", "REPLICA", "NONE")
#: ``S3StorageClass`` of the s3control model (the classes a generator can filter on).
_FILTER_CLASSES = (
    "STANDARD",
    "STANDARD_IA",
    "ONEZONE_IA",
    "GLACIER",
    "INTELLIGENT_TIERING",
    "DEEP_ARCHIVE",
    "GLACIER_IR",
)


class _Reader:
    """Checks one mapping of the request against its shape, naming its path."""

    def __init__(self, value: object, path: str) -> None:
        self.path = path
        if not isinstance(value, Mapping):
            _bad(path, f"expected a structure (dict), got {_kind(value)}")
        self.value: Mapping[str, Any] = value

    def only(self, *members: str) -> _Reader:
        """Refuse members the shape does not have."""
        for name in self.value:
            if name not in members:
                shown = str(name)[:64]
                known = f"has {', '.join(members)}" if members else "takes no members"
                _bad(f"{self.path}.{shown}", f"unknown member; {self.path} {known}")
        return self

    def _get(self, name: str, *, required: bool) -> Any:
        if name not in self.value or self.value[name] is None:
            if required:
                _bad(f"{self.path}.{name}", "is required")
            return None
        return self.value[name]

    def text(self, name: str, *, required: bool = False, low: int = 1, high: int = 1024) -> Any:
        """A string member of ``low``..``high`` characters."""
        value = self._get(name, required=required)
        if value is None:
            return None
        return _text(value, f"{self.path}.{name}", low, high)

    def flag(self, name: str, *, required: bool = False) -> bool | None:
        """A boolean member."""
        value = self._get(name, required=required)
        if value is not None and not isinstance(value, bool):
            _bad(f"{self.path}.{name}", f"expected a boolean, got {_kind(value)}")
        return value

    def integer(self, name: str, *, low: int = 0, high: int = 2**63 - 1) -> int | None:
        """An integer member in ``low``..``high``."""
        value = self._get(name, required=False)
        if value is None:
            return None
        return _integer(value, f"{self.path}.{name}", low, high)

    def choice(self, name: str, choices: Sequence[str], *, required: bool = False) -> Any:
        """A member that is one of ``choices``."""
        value = self._get(name, required=required)
        if value is None:
            return None
        return _choice(value, f"{self.path}.{name}", choices)

    def strings(self, name: str, *, high: int = 1024) -> tuple[str, ...]:
        """A list of strings."""
        value = self._get(name, required=False)
        if value is None:
            return ()
        items = _list(value, f"{self.path}.{name}")
        return tuple(
            _text(item, f"{self.path}.{name}[{i}]", 1, high) for i, item in enumerate(items)
        )

    def sub(self, name: str, *, required: bool = False) -> _Reader | None:
        """A structure member, as a reader."""
        value = self._get(name, required=required)
        return None if value is None else _Reader(value, f"{self.path}.{name}")


def _kind(value: object) -> str:
    return type(value).__name__


def _bad(path: str, problem: str) -> NoReturn:
    msg = f"Invalid request: {path} {problem}"
    raise BadRequestException(msg, element=path)


def _text(value: object, path: str, low: int, high: int) -> str:
    if not isinstance(value, str):
        _bad(path, f"expected a string, got {_kind(value)}")
    if not low <= len(value) <= high:
        _bad(path, f"must be {low} to {high} characters long, got {len(value)}")
    return value


def _integer(value: object, path: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        _bad(path, f"expected an integer, got {_kind(value)}")
    if not low <= value <= high:
        _bad(path, f"must be between {low} and {high}")
    return value


def _choice(value: object, path: str, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        shown = repr(value) if isinstance(value, str) and len(value) <= 64 else _kind(value)
        _bad(path, f"must be one of {', '.join(choices)}, got {shown}")
    return value


def _list(value: object, path: str) -> Sequence[Any]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        _bad(path, f"expected a list, got {_kind(value)}")
    return value


def _bucket_of_arn(value: object, path: str) -> str:
    """The bucket name of ``arn:<partition>:s3:::<bucket>``."""
    text = _text(value, path, 1, 128)
    match = _BUCKET_ARN_RE.fullmatch(text)
    if match is None:
        _bad(path, f"expected a bucket ARN (arn:aws:s3:::bucket), got {text!r}")
    try:
        return check_bucket_name(match[2])
    except S3Error as error:
        _bad(path, f"names an invalid bucket: {error.message}")


def _timestamp(value: object, path: str) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            _bad(path, "expected a timestamp (ISO 8601 or datetime)")
    if not isinstance(value, dt.datetime):
        _bad(path, f"expected a timestamp, got {_kind(value)}")
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _account(value: object, path: str) -> str:
    if not isinstance(value, str) or not _ACCOUNT_RE.fullmatch(value):
        shown = repr(value) if isinstance(value, str) and len(value) <= 64 else _kind(value)
        _bad(path, f"expected a 12-digit account id, got {shown}")
    return value


def _optional_account(reader: _Reader, name: str) -> str | None:
    value = reader.value.get(name)
    return None if value is None else _account(value, f"{reader.path}.{name}")


def _operation(value: object) -> None:
    op = _Reader(value, "Operation")
    names = list(op.value)
    if len(names) != 1:
        _bad("Operation", f"must name exactly one operation, got {len(names)}")
    (name,) = names
    if name not in _OPERATIONS:
        _bad(
            f"Operation.{name}",
            f"unknown operation; expected one of {', '.join(sorted(_OPERATIONS))}",
        )
    if name != "S3ReplicateObject":
        msg = f"Operation {name} is not modelled by s3repl: only S3ReplicateObject is"
        raise InvalidRequest(msg, element=f"Operation.{name}")
    _Reader(op.value[name], f"Operation.{name}").only()


def _report(value: object) -> JobReport:
    report = _Reader(value, "Report").only(
        "Bucket", "Format", "Enabled", "Prefix", "ReportScope", "ExpectedBucketOwner"
    )
    enabled = report.flag("Enabled", required=True)
    assert enabled is not None  # required
    bucket_arn = report.text("Bucket", high=128)
    if report.value.get("Format") is not None:
        report.choice("Format", (REPORT_FORMAT,))
    scope = report.choice("ReportScope", _SCOPES) or "AllTasks"
    prefix = report.text("Prefix", high=512)
    if enabled and bucket_arn is None:
        _bad("Report.Bucket", "is required when Report.Enabled is true")
    if enabled and report.value.get("Format") is None:
        _bad("Report.Format", f"is required when Report.Enabled is true ({REPORT_FORMAT})")
    return JobReport(
        enabled=enabled,
        bucket=None if bucket_arn is None else _bucket_of_arn(bucket_arn, "Report.Bucket"),
        bucket_arn=bucket_arn,
        prefix=prefix,
        scope=scope,
        expected_bucket_owner=_optional_account(report, "ExpectedBucketOwner"),
    )


def _manifest(value: object) -> ManifestLocation:
    manifest = _Reader(value, "Manifest").only("Spec", "Location")
    spec = manifest.sub("Spec", required=True)
    location = manifest.sub("Location", required=True)
    assert spec is not None  # required
    assert location is not None  # required
    spec.only("Format", "Fields")
    fmt = spec.choice("Format", (_CSV_FORMAT, _INVENTORY_FORMAT), required=True)
    if fmt == _INVENTORY_FORMAT:
        msg = f"Manifest format {fmt} is not modelled by s3repl: use {_CSV_FORMAT}"
        raise InvalidRequest(msg, element="Manifest.Spec.Format")
    fields = tuple(
        _choice(item, f"Manifest.Spec.Fields[{i}]", _FIELDS)
        for i, item in enumerate(_list(spec.value.get("Fields") or [], "Manifest.Spec.Fields"))
    )
    if "Bucket" not in fields or "Key" not in fields:
        _bad("Manifest.Spec.Fields", "must list the Bucket and Key columns of the CSV manifest")
    location.only("ObjectArn", "ObjectVersionId", "ETag")
    arn = location.text("ObjectArn", required=True, high=2000)
    match = _OBJECT_ARN_RE.fullmatch(arn)
    if match is None:
        _bad("Manifest.Location.ObjectArn", f"expected an object ARN, got {arn[:200]!r}")
    etag = location.text("ETag", required=True)
    return ManifestLocation(
        object_arn=arn,
        bucket=_bucket_of_arn(f"arn:{match[1]}:s3:::{match[2]}", "Manifest.Location.ObjectArn"),
        key=match[3],
        etag=etag,
        version_id=location.text("ObjectVersionId", high=2000),
        format=fmt,
        fields=fields,
    )


def _filter(reader: _Reader | None) -> ManifestFilter:
    if reader is None:
        return ManifestFilter()
    reader.only(
        "EligibleForReplication",
        "CreatedAfter",
        "CreatedBefore",
        "ObjectReplicationStatuses",
        "KeyNameConstraint",
        "ObjectSizeGreaterThanBytes",
        "ObjectSizeLessThanBytes",
        "MatchAnyStorageClass",
        "MatchAnyObjectEncryption",
    )
    path = reader.path
    statuses = tuple(
        _choice(item, f"{path}.ObjectReplicationStatuses[{i}]", _STATUSES)
        for i, item in enumerate(
            _list(
                reader.value.get("ObjectReplicationStatuses") or [],
                f"{path}.ObjectReplicationStatuses",
            )
        )
    )
    constraint = None
    names = reader.sub("KeyNameConstraint")
    if names is not None:
        names.only("MatchAnyPrefix", "MatchAnySuffix", "MatchAnySubstring")
        constraint = KeyNameConstraint(
            match_any_prefix=names.strings("MatchAnyPrefix"),
            match_any_suffix=names.strings("MatchAnySuffix"),
            match_any_substring=names.strings("MatchAnySubstring"),
        )
    classes = tuple(
        StorageClass(_choice(item, f"{path}.MatchAnyStorageClass[{i}]", _FILTER_CLASSES))
        for i, item in enumerate(
            _list(reader.value.get("MatchAnyStorageClass") or [], f"{path}.MatchAnyStorageClass")
        )
    )
    encryptions = []
    raw = _list(
        reader.value.get("MatchAnyObjectEncryption") or [], f"{path}.MatchAnyObjectEncryption"
    )
    if len(raw) > 1:
        _bad(f"{path}.MatchAnyObjectEncryption", "takes at most 1 item")
    for i, item in enumerate(raw):
        where = f"{path}.MatchAnyObjectEncryption[{i}]"
        one = _Reader(item, where).only(*ENCRYPTION_FILTERS)
        if len(one.value) != 1:
            _bad(where, f"must name exactly one of {', '.join(ENCRYPTION_FILTERS)}")
        (name,) = one.value
        encryptions.append(ENCRYPTION_FILTERS[name])
    created = {
        name: None
        if reader.value.get(name) is None
        else _timestamp(reader.value[name], f"{path}.{name}")
        for name in ("CreatedAfter", "CreatedBefore")
    }
    return ManifestFilter(
        eligible_for_replication=reader.flag("EligibleForReplication"),
        created_after=created["CreatedAfter"],
        created_before=created["CreatedBefore"],
        object_replication_statuses=statuses,
        key_name_constraint=constraint,
        object_size_greater_than_bytes=reader.integer("ObjectSizeGreaterThanBytes"),
        object_size_less_than_bytes=reader.integer("ObjectSizeLessThanBytes"),
        match_any_storage_class=classes,
        match_any_object_encryption=tuple(encryptions),
    )


def _generator(value: object) -> ManifestGenerator:
    union = _Reader(value, "ManifestGenerator").only("S3JobManifestGenerator")
    gen = union.sub("S3JobManifestGenerator", required=True)
    assert gen is not None  # required
    gen.only(
        "ExpectedBucketOwner",
        "SourceBucket",
        "ManifestOutputLocation",
        "Filter",
        "EnableManifestOutput",
    )
    source_arn = gen.text("SourceBucket", required=True, high=128)
    enabled = gen.flag("EnableManifestOutput", required=True)
    assert enabled is not None  # required
    output = gen.sub("ManifestOutputLocation")
    out_bucket = out_arn = out_prefix = out_owner = None
    if output is not None:
        output.only(
            "ExpectedManifestBucketOwner",
            "Bucket",
            "ManifestPrefix",
            "ManifestEncryption",
            "ManifestFormat",
        )
        out_arn = output.text("Bucket", required=True, high=128)
        out_bucket = _bucket_of_arn(out_arn, f"{output.path}.Bucket")
        output.choice("ManifestFormat", (GENERATED_MANIFEST_FORMAT,), required=True)
        out_prefix = output.text("ManifestPrefix", high=512)
        out_owner = _optional_account(output, "ExpectedManifestBucketOwner")
    if enabled and output is None:
        _bad(
            f"{gen.path}.ManifestOutputLocation",
            "is required when EnableManifestOutput is true",
        )
    return ManifestGenerator(
        source_bucket=_bucket_of_arn(source_arn, f"{gen.path}.SourceBucket"),
        source_bucket_arn=source_arn,
        expected_bucket_owner=_optional_account(gen, "ExpectedBucketOwner"),
        enable_manifest_output=enabled,
        output_bucket=out_bucket,
        output_bucket_arn=out_arn,
        output_prefix=out_prefix,
        output_expected_owner=out_owner,
        filter=_filter(gen.sub("Filter")),
    )


def _tags(value: object) -> tuple[tuple[str, str], ...]:
    pairs = []
    for i, item in enumerate(_list(value, "Tags")):
        tag = _Reader(item, f"Tags[{i}]").only("Key", "Value")
        key = tag.text("Key", required=True, high=128)
        text = tag.text("Value", required=True, low=0, high=256)
        pairs.append((key, text))
    return tuple(pairs)


def parse_create_job(
    *,
    account: object,
    operation: object,
    report: object,
    client_request_token: object,
    priority: object,
    role_arn: object,
    region: object,
    manifest: object = None,
    manifest_generator: object = None,
    confirmation_required: object = None,
    description: object = None,
    tags: object = None,
) -> JobRequest:
    """Read and check a ``CreateJob`` request (boto3's parameters, snake_case names).

    Args:
        account: ``AccountId``.
        operation: ``Operation`` (only ``{"S3ReplicateObject": {}}`` is modelled).
        report: ``Report``.
        client_request_token: ``ClientRequestToken``.
        priority: ``Priority``.
        role_arn: ``RoleArn``.
        region: the Region the job runs in.
        manifest: ``Manifest``, or ``None``.
        manifest_generator: ``ManifestGenerator``, or ``None``.
        confirmation_required: ``ConfirmationRequired`` (``None``: false).
        description: ``Description``.
        tags: ``Tags``.

    Raises:
        BadRequestException: a member is missing, unknown, of the wrong type or out of
            range (the message names it by its path).
        InvalidRequest: an operation or manifest format s3repl does not model.
    """
    job_account = _account(account, "AccountId")
    _operation(operation)
    token = _text(client_request_token, "ClientRequestToken", 1, 64)
    job_priority = _integer(priority, "Priority", 0, _PRIORITY_MAX)
    role = _text(role_arn, "RoleArn", 1, 2048)
    if not _ROLE_RE.fullmatch(role):
        _bad(
            "RoleArn",
            f"expected an IAM role ARN (arn:aws:iam::<account>:role/<name>), got {role[:200]!r}",
        )
    if confirmation_required is not None and not isinstance(confirmation_required, bool):
        _bad("ConfirmationRequired", f"expected a boolean, got {_kind(confirmation_required)}")
    text = None if description is None else _text(description, "Description", 1, 256)
    if (manifest is None) == (manifest_generator is None):
        _bad("Manifest", "exactly one of Manifest and ManifestGenerator is required")
    job_report = _report(report)
    if not isinstance(region, str):
        _bad("Region", f"expected a Region name, got {_kind(region)}")
    try:
        job_region = check_region(region)
    except S3Error:
        _bad("Region", f"names no AWS Region: {region[:64]!r}")
    return JobRequest(
        account=job_account,
        region=job_region,
        role_arn=role,
        priority=job_priority,
        client_request_token=token,
        report=job_report,
        confirmation_required=bool(confirmation_required),
        description=text,
        manifest=None if manifest is None else _manifest(manifest),
        generator=None if manifest_generator is None else _generator(manifest_generator),
        tags=() if tags is None else _tags(tags),
    )


def parse_manifest_csv(body: bytes, fields: Sequence[str]) -> tuple[ManifestEntry, ...]:
    """The entries of a CSV manifest (``S3BatchOperations_CSV_20180820``).

    Each line holds the columns ``fields`` names; keys are URL-encoded, as the user
    guide asks of CSV manifests (batch-ops-create-job, "Specifying a manifest").

    Raises:
        ValueError: a line does not have the columns, or the body is not UTF-8.
    """
    import csv
    import io

    text = body.decode("utf-8")
    entries = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != len(fields):
            msg = f"line {number} has {len(row)} columns, the manifest's Fields name {len(fields)}"
            raise ValueError(msg)
        cells = dict(zip(fields, row, strict=True))
        version = cells.get("VersionId") or None
        entries.append(
            ManifestEntry(bucket=cells["Bucket"], key=unquote(cells["Key"]), version_id=version)
        )
    return tuple(entries)
