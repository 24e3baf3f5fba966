"""The object and task values validate themselves; the trusted builders agree with them.

Every public value refuses invalid fields in ``__init__`` (and so in ``attrs.evolve``),
naming the class and the field (STYLE habit 3).  The engine builds the same values from
parts it has already checked with the trusted builders of ``s3repl.model._fastbuild``,
which skip those checks: for valid parts they must build exactly what ``__init__`` and
``attrs.evolve`` build.  ACLs, buckets, lock configurations and ARNs check their fields too.
"""

from __future__ import annotations

import datetime
import datetime as dt
import string
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3repl import Engine
from s3repl.model import (
    Acl,
    Bucket,
    BucketArn,
    DefaultEncryption,
    DeleteMarker,
    FailureReason,
    FrozenMap,
    Grant,
    Grantee,
    GranteeType,
    KmsKeyArn,
    ObjectLockConfiguration,
    ObjectLockLegalHoldStatus,
    ObjectLockMode,
    ObjectVersion,
    Partition,
    Permission,
    ReplicationStatus,
    ReplicationTask,
    RoleArn,
    ServerSideEncryption,
    StepResult,
    StorageClass,
    TaskKind,
)
from s3repl.model._fastbuild import (
    builders,
    copier,
    evolve_version,
    new_object_version,
    new_step_result,
    new_task,
    with_statuses,
)
from s3repl.model._frozenmap import EMPTY

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
OWNER = "123456789012"
ETAG = '"9dd4e461268c8034f5c8564e155c67a6"'
NAIVE = dt.datetime(2026, 1, 1)  # noqa: DTZ001 - the wall-clock reading values refuse
P, C, F = ReplicationStatus.PENDING, ReplicationStatus.COMPLETED, ReplicationStatus.FAILED

# --- strategies for valid fields --------------------------------------------------------------

_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=8)
_keys = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=20)
_version_ids = st.one_of(
    st.just("null"),
    st.text(string.ascii_letters + string.digits + "._", min_size=32, max_size=32),
    _keys,  # opaque: AWS promises no shape
)
_times = st.datetimes(
    timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=-5, minutes=-30))])
)
_hex = st.text("0123456789abcdef", min_size=32, max_size=32)
_etags = st.builds(
    lambda digest, parts: f'"{digest}"' if parts is None else f'"{digest}-{parts}"',
    _hex,
    st.none() | st.integers(1, 10_000),
)
_owners = st.from_regex(r"[0-9]{12}", fullmatch=True)
_buckets = st.sampled_from(["src", "dst", "dst2", "logs.example-1"])
_str_maps = st.dictionaries(_text, _text, max_size=3).map(FrozenMap)
_statuses = st.dictionaries(_buckets, st.sampled_from([P, C, F]), max_size=3).map(FrozenMap)
_reasons = st.dictionaries(_buckets, st.sampled_from(list(FailureReason)), max_size=2).map(
    FrozenMap
)
_acls = st.none() | _owners.map(Acl.private)
_naturals = st.integers(0, 2**40)

_VERSION_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "key": _keys,
    "version_id": _version_ids,
    "last_modified": _times,
    "etag": _etags,
    "size": _naturals,
    "owner": _owners,
    "storage_class": st.sampled_from(list(StorageClass)),
    "metadata": _str_maps,
    "tags": _str_maps,
    "replication_status": st.none() | st.sampled_from(list(ReplicationStatus)),
    "server_side_encryption": st.sampled_from(list(ServerSideEncryption)),
    "sse_kms_key_id": st.none() | _keys,
    "object_lock_mode": st.none() | st.sampled_from(list(ObjectLockMode)),
    "object_lock_retain_until_date": st.none() | _times,
    "object_lock_legal_hold_status": st.none() | st.sampled_from(list(ObjectLockLegalHoldStatus)),
    "is_latest": st.booleans(),
    "content_type": _text,
    "acl": _acls,
    "body": st.binary(max_size=8),
    "sequence": _naturals,
    "destination_statuses": _statuses,
    "failure_reasons": _reasons,
    "owner_overridden": st.booleans(),
}
_MARKER_FIELDS = {
    name: _VERSION_FIELDS[name]
    for name in (
        "key",
        "version_id",
        "last_modified",
        "owner",
        "is_latest",
        "replication_status",
        "sequence",
        "destination_statuses",
        "failure_reasons",
    )
} | {"by_lifecycle": st.booleans()}
_TASK_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "source_bucket": _buckets,
    "destination_bucket": _buckets,
    "key": _keys,
    "version_id": _version_ids,
    "rule_id": st.text(string.ascii_letters, min_size=1, max_size=10),
    "kind": st.sampled_from(list(TaskKind)),
    "due_us": _naturals,
    "sequence": _naturals,
    "replica_modification": st.booleans(),
}
_FIELDS = {
    ObjectVersion: _VERSION_FIELDS,
    DeleteMarker: _MARKER_FIELDS,
    ReplicationTask: _TASK_FIELDS,
}


def _kms_key_only_with_kms(fields: dict[str, Any]) -> dict[str, Any]:
    """A KMS key id belongs to SSE-KMS and DSSE-KMS objects only."""
    encryption = fields.get("server_side_encryption", ServerSideEncryption.SSE_S3)
    if fields.get("sse_kms_key_id") is not None and not encryption.uses_kms:
        return fields | {"sse_kms_key_id": None}
    return fields


def _fields(cls: type[Any]) -> st.SearchStrategy[dict[str, Any]]:
    fields = st.fixed_dictionaries(_FIELDS[cls])
    return fields.map(_kms_key_only_with_kms) if cls is ObjectVersion else fields


def _changes(data: st.DataObject, cls: type[Any], value: Any) -> dict[str, Any]:
    strategies = _FIELDS[cls]
    names = data.draw(st.lists(st.sampled_from(sorted(strategies)), unique=True), label="changed")
    changes = {name: data.draw(strategies[name], label=name) for name in names}
    if cls is ObjectVersion:  # keep the result valid: a key id only on KMS objects
        merged = _kms_key_only_with_kms(attrs.asdict(value, recurse=False) | changes)
        changes["sse_kms_key_id"] = merged["sse_kms_key_id"]
    return changes


def _step_results(task: ReplicationTask) -> st.SearchStrategy[dict[str, Any]]:
    failed = st.fixed_dictionaries(
        {
            "task": st.just(task),
            "status": st.just(F),
            "failure_reason": st.sampled_from(list(FailureReason)),
        }
    )
    other = st.fixed_dictionaries(
        {"task": st.just(task), "status": st.sampled_from([C, P]), "failure_reason": st.none()}
    )
    return failed | other


# --- the trusted builders build what the validating classes build -----------------------------


def _same(built: object, reference: object) -> None:
    """Equal, of the very class, with the same hash and still frozen."""
    assert type(built) is type(reference)
    assert built == reference
    assert hash(built) == hash(reference)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        built.key = "other"  # type: ignore[attr-defined]


@given(fields=_fields(ObjectVersion), data=st.data())
def test_trusted_version_builders_match_init_and_evolve(
    fields: dict[str, Any], data: st.DataObject
) -> None:
    """``new_object_version``, ``evolve_version`` and ``with_statuses`` build, from valid
    parts, exactly what ``ObjectVersion(...)`` and ``attrs.evolve`` build (R-083: replicas
    are exact copies of what a validating constructor would make)."""
    reference = ObjectVersion(**fields)
    ordered = [fields[field.name] for field in attrs.fields(ObjectVersion)]
    _same(new_object_version(**fields), reference)
    _same(new_object_version(*ordered), reference)  # positionally, as the put path
    changes = _changes(data, ObjectVersion, reference)
    _same(evolve_version(reference, **changes), attrs.evolve(reference, **changes))
    _same(
        copier(ObjectVersion, tuple(changes))(reference, **changes),
        attrs.evolve(reference, **changes),
    )
    statuses = (
        data.draw(_statuses),
        data.draw(_reasons),
        data.draw(st.none() | st.sampled_from([P, C, F])),
    )
    _same(
        with_statuses(reference, *statuses),
        attrs.evolve(
            reference,
            destination_statuses=statuses[0],
            failure_reasons=statuses[1],
            replication_status=statuses[2],
        ),
    )


@given(fields=_fields(DeleteMarker), data=st.data())
def test_trusted_marker_builders_match_init_and_evolve(
    fields: dict[str, Any], data: st.DataObject
) -> None:
    """``evolve_version`` and ``with_statuses`` copy a delete marker exactly as
    ``attrs.evolve`` does (R-087: marker replicas keep the marker's identity)."""
    reference = DeleteMarker(**fields)
    build, _ = builders(DeleteMarker)
    _same(build(**fields), reference)
    changes = _changes(data, DeleteMarker, reference)
    _same(evolve_version(reference, **changes), attrs.evolve(reference, **changes))
    _same(
        with_statuses(
            reference,
            FrozenMap({"dst": F}),
            FrozenMap({"dst": FailureReason.DST_BUCKET_NOT_FOUND}),
            F,
        ),
        attrs.evolve(
            reference,
            destination_statuses={"dst": F},
            failure_reasons={"dst": FailureReason.DST_BUCKET_NOT_FOUND},
            replication_status=F,
        ),
    )


@given(fields=_fields(ReplicationTask), data=st.data())
def test_trusted_task_builders_match_init(fields: dict[str, Any], data: st.DataObject) -> None:
    """``new_task`` and ``new_step_result`` build the task and the step result that the
    validating classes build (R-124: they are the values ``pending()`` and ``step()`` return)."""
    task = ReplicationTask(**fields)
    ordered = [fields[field.name] for field in attrs.fields(ReplicationTask)]
    _same(new_task(**fields), task)
    _same(new_task(*ordered), task)
    result = data.draw(_step_results(task))
    reference = StepResult(**result)
    assert type(new_step_result(**result)) is StepResult
    assert new_step_result(**result) == reference
    assert new_step_result(task, result["status"], result["failure_reason"]) == reference


def test_the_domain_modules_hold_only_validating_classes() -> None:
    """The trusted builders live in one private module; the modules that define the
    public values offer no way around their checks (issue 9)."""
    from s3repl.model import objects, tasks

    trusted = {
        "new_object_version",
        "evolve_version",
        "with_statuses",
        "new_task",
        "new_step_result",
    }
    for module in (objects, tasks):
        assert trusted.isdisjoint(vars(module)), module.__name__
        assert "_fastbuild" not in module.__dict__


def test_step_results_accept_boto3_strings() -> None:
    """``StepResult`` (and ``ReplicationTask.kind``) keep converting S3's strings, as before."""
    task = ReplicationTask(
        source_bucket="src",
        destination_bucket="dst",
        key="k",
        version_id="v",
        rule_id="r",
        kind="object",
    )
    assert task.kind is TaskKind.OBJECT
    result = StepResult(task=task, status="FAILED", failure_reason="DstBucketNotFound")
    assert result.failure_reason is FailureReason.DST_BUCKET_NOT_FOUND


# --- invalid values are refused, naming the field ---------------------------------------------

_VERSION = {
    "key": "k",
    "version_id": "null",
    "last_modified": START,
    "etag": ETAG,
    "size": 1,
    "owner": OWNER,
}
_MARKER = {"key": "k", "version_id": "null", "last_modified": START, "owner": OWNER}
_TASK = {
    "source_bucket": "src",
    "destination_bucket": "dst",
    "key": "k",
    "version_id": "v",
    "rule_id": "r",
    "kind": TaskKind.OBJECT,
}
_RESULT = {"task": ReplicationTask(**_TASK), "status": C}

_REFUSED: list[tuple[type[Any], dict[str, Any], str, type[Exception]]] = [
    (ObjectVersion, {"key": ""}, "ObjectVersion.key must not be empty", ValueError),
    (
        ObjectVersion,
        {"key": "k" * 1025},
        "ObjectVersion.key must be at most 1024 bytes",
        ValueError,
    ),
    (ObjectVersion, {"key": "é" * 513}, r"ObjectVersion.key .* \(is 1026\)", ValueError),
    (ObjectVersion, {"key": "\ud800"}, "ObjectVersion.key must be valid UTF-8", ValueError),
    (ObjectVersion, {"key": b"k"}, "ObjectVersion.key must be a str", TypeError),
    (ObjectVersion, {"version_id": ""}, "ObjectVersion.version_id must not be empty", ValueError),
    (ObjectVersion, {"version_id": "v" * 1025}, "ObjectVersion.version_id", ValueError),
    (ObjectVersion, {"version_id": None}, "ObjectVersion.version_id must be a str", TypeError),
    (ObjectVersion, {"size": -5}, "ObjectVersion.size must be >= 0", ValueError),
    (ObjectVersion, {"size": True}, "ObjectVersion.size must be an int", TypeError),
    (ObjectVersion, {"size": 1.0}, "ObjectVersion.size must be an int", TypeError),
    (ObjectVersion, {"etag": "nope"}, "ObjectVersion.etag must be a quoted MD5", ValueError),
    (ObjectVersion, {"etag": ETAG.strip('"')}, "ObjectVersion.etag", ValueError),
    (ObjectVersion, {"etag": ETAG.upper()}, "ObjectVersion.etag", ValueError),
    (ObjectVersion, {"etag": ETAG[:-1] + '-0"'}, "ObjectVersion.etag", ValueError),
    (ObjectVersion, {"etag": ETAG[:-1] + '-10001"'}, "ObjectVersion.etag", ValueError),
    (
        ObjectVersion,
        {"last_modified": NAIVE},
        "last_modified must be timezone-aware",
        ValueError,
    ),
    (ObjectVersion, {"last_modified": "2026-01-01"}, "last_modified must be a datetime", TypeError),
    (ObjectVersion, {"owner": "1"}, "ObjectVersion.owner must be a 12-digit", ValueError),
    (ObjectVersion, {"owner": 123456789012}, "ObjectVersion.owner must be a str", TypeError),
    (
        ObjectVersion,
        {"storage_class": "STANDARD"},
        "storage_class must be a StorageClass",
        TypeError,
    ),
    (
        ObjectVersion,
        {"replication_status": "PENDING"},
        "replication_status must be a ReplicationStatus",
        TypeError,
    ),
    (ObjectVersion, {"server_side_encryption": None}, "server_side_encryption", TypeError),
    (ObjectVersion, {"object_lock_mode": "GOVERNANCE"}, "object_lock_mode", TypeError),
    (
        ObjectVersion,
        {"object_lock_retain_until_date": NAIVE},
        "object_lock_retain_until_date",
        ValueError,
    ),
    (
        ObjectVersion,
        {"object_lock_legal_hold_status": "ON"},
        "object_lock_legal_hold_status",
        TypeError,
    ),
    (
        ObjectVersion,
        {"sse_kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/k"},
        "ObjectVersion.sse_kms_key_id is only for SSE-KMS and DSSE-KMS objects",
        ValueError,
    ),
    (
        ObjectVersion,
        {"sse_kms_key_id": ""},
        "ObjectVersion.sse_kms_key_id must not be empty",
        ValueError,
    ),
    (
        ObjectVersion,
        {"metadata": {"a": 1}},
        "ObjectVersion.metadata must be a map of str to str",
        TypeError,
    ),
    (ObjectVersion, {"tags": [("a", "b")]}, "ObjectVersion.tags must be a FrozenMap", TypeError),
    (ObjectVersion, {"is_latest": 1}, "ObjectVersion.is_latest must be a bool", TypeError),
    (ObjectVersion, {"acl": "private"}, "ObjectVersion.acl must be a Acl", TypeError),
    (ObjectVersion, {"body": "text"}, "ObjectVersion.body must be a bytes", TypeError),
    (ObjectVersion, {"sequence": -1}, "ObjectVersion.sequence must be >= 0", ValueError),
    (ObjectVersion, {"content_type": None}, "ObjectVersion.content_type must be a str", TypeError),
    (
        ObjectVersion,
        {"destination_statuses": {"dst": "PENDING"}},
        "destination_statuses must be a map",
        TypeError,
    ),
    (
        ObjectVersion,
        {"destination_statuses": {"dst": ReplicationStatus.REPLICA}},
        "only PENDING, COMPLETED or FAILED",
        ValueError,
    ),
    (
        ObjectVersion,
        {"failure_reasons": {"dst": "DstBucketNotFound"}},
        "failure_reasons must be a map",
        TypeError,
    ),
    (
        ObjectVersion,
        {"owner_overridden": None},
        "ObjectVersion.owner_overridden must be a bool",
        TypeError,
    ),
    (DeleteMarker, {"key": ""}, "DeleteMarker.key must not be empty", ValueError),
    (DeleteMarker, {"version_id": ""}, "DeleteMarker.version_id must not be empty", ValueError),
    (
        DeleteMarker,
        {"last_modified": NAIVE},
        "DeleteMarker.last_modified",
        ValueError,
    ),
    (DeleteMarker, {"owner": "me"}, "DeleteMarker.owner must be a 12-digit", ValueError),
    (DeleteMarker, {"by_lifecycle": "yes"}, "DeleteMarker.by_lifecycle must be a bool", TypeError),
    (DeleteMarker, {"sequence": -1}, "DeleteMarker.sequence must be >= 0", ValueError),
    (
        ReplicationTask,
        {"source_bucket": "s"},
        "ReplicationTask.source_bucket is not a valid bucket name: must be between 3 and 63",
        ValueError,
    ),
    (
        ReplicationTask,
        {"destination_bucket": "Dst"},
        "ReplicationTask.destination_bucket",
        ValueError,
    ),
    (ReplicationTask, {"key": ""}, "ReplicationTask.key must not be empty", ValueError),
    (
        ReplicationTask,
        {"version_id": ""},
        "ReplicationTask.version_id must not be empty",
        ValueError,
    ),
    (ReplicationTask, {"rule_id": ""}, "ReplicationTask.rule_id must not be empty", ValueError),
    (
        ReplicationTask,
        {"rule_id": "r" * 256},
        "ReplicationTask.rule_id must be at most 255",
        ValueError,
    ),
    (ReplicationTask, {"kind": "copy"}, "is not a valid TaskKind", ValueError),
    (ReplicationTask, {"due_us": -1}, "ReplicationTask.due_us must be >= 0", ValueError),
    (ReplicationTask, {"sequence": "1"}, "ReplicationTask.sequence must be an int", TypeError),
    (
        ReplicationTask,
        {"replica_modification": 0},
        "ReplicationTask.replica_modification",
        TypeError,
    ),
    (StepResult, {"task": "task"}, "StepResult.task must be a ReplicationTask", TypeError),
    (
        StepResult,
        {"status": ReplicationStatus.REPLICA},
        "StepResult.status must be COMPLETED, FAILED or PENDING",
        ValueError,
    ),
    (StepResult, {"status": "DONE"}, "is not a valid ReplicationStatus", ValueError),
    (
        StepResult,
        {"status": F},
        "StepResult.failure_reason is required when the status is FAILED",
        ValueError,
    ),
    (
        StepResult,
        {"failure_reason": FailureReason.DST_BUCKET_NOT_FOUND},
        "StepResult.failure_reason must be None unless",
        ValueError,
    ),
    (
        StepResult,
        {"status": P, "failure_reason": "DstBucketNotFound"},
        "StepResult.failure_reason must be None",
        ValueError,
    ),
]
_VALID = {
    ObjectVersion: _VERSION,
    DeleteMarker: _MARKER,
    ReplicationTask: _TASK,
    StepResult: _RESULT,
}


def test_the_issue_example_is_refused() -> None:
    """Issue 9's example no longer builds: an empty key, a negative size, a made-up ETag
    and a naive time are each refused on their own, naming the field."""
    with pytest.raises(ValueError, match=r"ObjectVersion\.key"):
        ObjectVersion(
            key="",
            version_id="null",
            size=-5,
            etag="nope",
            last_modified=NAIVE,
            owner=OWNER,
        )


@pytest.mark.parametrize(
    ("cls", "bad", "message", "error"),
    _REFUSED,
    ids=[
        f"{cls.__name__}-{next(iter(bad))}-{index}"
        for index, (cls, bad, _, _) in enumerate(_REFUSED)
    ],
)
def test_invalid_fields_are_refused_naming_the_field(
    cls: type[Any], bad: dict[str, Any], message: str, error: type[Exception]
) -> None:
    """Each invalid field is refused by the constructor and by ``attrs.evolve`` with a
    ``TypeError`` (wrong type) or ``ValueError`` (impossible value) that names the class
    and the field (STYLE habit 3: constructors never yield invalid values)."""
    valid = cls(**_VALID[cls])
    with pytest.raises(error, match=message):
        cls(**(_VALID[cls] | bad))
    with pytest.raises(error, match=message):
        attrs.evolve(valid, **bad)


def test_hand_built_values_may_use_any_id_aws_could_return() -> None:
    """Version ids are opaque (AWS promises only a string of at most 1024 bytes), ETags may
    be multipart, times may carry any offset, and maps may be given as dicts."""
    version = ObjectVersion(
        **(
            _VERSION
            | {"version_id": "3/L4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo"}
        ),
        metadata={"colour": "blue"},
        tags={},
    )
    assert version.metadata == FrozenMap({"colour": "blue"})
    assert isinstance(version.metadata, FrozenMap)
    assert version.tags is EMPTY  # the shared empty map
    multipart = attrs.evolve(version, etag=ETAG[:-1] + '-10000"', version_id="v" * 1024)
    assert multipart.parts_count == 10_000
    later = dt.datetime(2026, 1, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    assert DeleteMarker(**(_MARKER | {"last_modified": later})).last_modified == START


@given(fields=_fields(ObjectVersion))
def test_version_reprs_are_python_that_builds_the_value(fields: dict[str, Any]) -> None:
    """A version's repr is a valid Python call that builds it again (STYLE habit 2:
    Hypothesis prints failing runs as programs); only the body is left out of it."""
    version = ObjectVersion(**fields)
    namespace = {
        "datetime": datetime,
        **{cls.__name__: cls for cls in (ObjectVersion, StorageClass, ReplicationStatus)},
        **{
            cls.__name__: cls
            for cls in (
                ServerSideEncryption,
                ObjectLockMode,
                ObjectLockLegalHoldStatus,
                FailureReason,
                Acl,
                Grant,
                Grantee,
                GranteeType,
                Permission,
            )
        },
    }
    assert eval(repr(version), namespace) == attrs.evolve(version, body=b"")


@given(fields=_fields(ReplicationTask), data=st.data())
def test_task_and_result_reprs_are_python_that_builds_the_value(
    fields: dict[str, Any], data: st.DataObject
) -> None:
    """Tasks and step results print as the calls that build them (STYLE habit 2)."""
    result = StepResult(**data.draw(_step_results(ReplicationTask(**fields))))
    namespace = {
        cls.__name__: cls
        for cls in (StepResult, ReplicationTask, TaskKind, ReplicationStatus, FailureReason)
    }
    assert eval(repr(result), namespace) == result


def test_the_engine_stores_only_values_that_validate() -> None:
    """Everything the engine built with the trusted builders on a run with replicas,
    delete markers, failures and metadata changes would pass the validating constructor."""
    engine = Engine(seed=3)
    engine.create_bucket("src", versioning=True)
    engine.create_bucket("dst", region="eu-west-1", versioning=True)
    engine.create_bucket("dst2", versioning=True)
    engine.create_role("arn:aws:iam::123456789012:role/repl")
    engine.put_bucket_replication(
        "src",
        {
            "Role": "arn:aws:iam::123456789012:role/repl",
            "Rules": [
                {
                    "ID": f"to-{name}",
                    "Priority": priority,
                    "Status": "Enabled",
                    "Filter": {},
                    "DeleteMarkerReplication": {"Status": "Enabled"},
                    "Destination": {"Bucket": f"arn:aws:s3:::{name}"},
                }
                for priority, name in enumerate(("dst", "dst2"), start=1)
            ],
        },
    )
    engine.put_bucket_versioning("dst2", "Suspended")  # its tasks fail (T-48)
    for index in range(5):
        engine.put_object("src", f"k{index}", b"x" * index, metadata={"m": "v"}, tags={"t": "1"})
    engine.complete_multipart_upload("src", "big", [b"a", b"b"])
    engine.delete_object("src", "k0")
    engine.put_object_tagging("src", "k1", {"t": "2"})
    results = engine.run(steps_max=100)
    assert any(result.status is F for result in results)
    for result in results:
        attrs.evolve(result.task)
        attrs.evolve(result)
    world = engine.snapshot()
    stored = [
        version
        for bucket in ("src", "dst")
        for key in world.objects[bucket]
        for version in world.versions(bucket, key)
    ]
    assert len(stored) >= 12
    assert any(isinstance(version, DeleteMarker) for version in stored)
    for version in stored:
        assert attrs.evolve(version) == version
    for task in engine.pending():
        attrs.evolve(task)


# --- the other values that used to take any field ---------------------------------------------

_KEY_ARN = {
    "partition": Partition.AWS,
    "region": "eu-west-1",
    "account": OWNER,
    "resource": "key/1234abcd-12ab-34cd-56ef-1234567890ab",
}
_ROLE_ARN = {"partition": Partition.AWS, "account": OWNER, "path": "service/", "name": "repl"}
_OTHERS: list[tuple[type[Any], dict[str, Any], dict[str, Any], str, type[Exception]]] = [
    (
        Grantee,
        {"type": GranteeType.CANONICAL_USER, "id": OWNER},
        {"id": ""},
        "Grantee.id",
        ValueError,
    ),
    (
        Grant,
        {"grantee": Grantee.account(OWNER), "permission": Permission.READ},
        {"grantee": OWNER},
        "Grant.grantee must be a Grantee",
        TypeError,
    ),
    (Acl, {"owner": OWNER}, {"owner": None}, "Acl.owner must be a str", TypeError),
    (
        Acl,
        {"owner": OWNER},
        {"grants": ("READ",)},
        "Acl.grants must be a tuple of Grant",
        TypeError,
    ),
    (
        DefaultEncryption,
        {"sse_algorithm": "AES256"},
        {"bucket_key_enabled": "true"},
        "DefaultEncryption.bucket_key_enabled must be a bool",
        TypeError,
    ),
    (
        DefaultEncryption,
        {"sse_algorithm": "aws:kms"},
        {"kms_master_key_id": ""},
        "DefaultEncryption.kms_master_key_id must not be empty",
        ValueError,
    ),
    (
        Bucket,
        {"name": "src", "owner": OWNER},
        {"object_lock_enabled": 1},
        "Bucket.object_lock_enabled must be a bool",
        TypeError,
    ),
    (
        Bucket,
        {"name": "src", "owner": OWNER},
        {"requester_pays": None},
        "Bucket.requester_pays must be a bool",
        TypeError,
    ),
    (
        Bucket,
        {"name": "src", "owner": OWNER},
        {"object_lock": {}},
        "Bucket.object_lock must be a ObjectLockConfiguration",
        TypeError,
    ),
    (
        Bucket,
        {"name": "src", "owner": OWNER},
        {"default_encryption": "AES256"},
        "Bucket.default_encryption",
        TypeError,
    ),
    (
        Bucket,
        {"name": "src", "owner": OWNER},
        {"replication": {"Rules": []}},
        "Bucket.replication",
        TypeError,
    ),
    (
        ObjectLockConfiguration,
        {},
        {"default_retention": 30},
        "ObjectLockConfiguration.default_retention",
        TypeError,
    ),
    (
        BucketArn,
        {"partition": Partition.AWS, "bucket": "src"},
        {"partition": "aws"},
        "BucketArn.partition must be a Partition",
        TypeError,
    ),
    (
        BucketArn,
        {"partition": Partition.AWS, "bucket": "src"},
        {"bucket": "a..b"},
        "BucketArn.bucket is not a valid bucket name: must not contain two adjacent",
        ValueError,
    ),
    (RoleArn, _ROLE_ARN, {"account": "1234"}, "RoleArn.account must be a 12-digit", ValueError),
    (RoleArn, _ROLE_ARN, {"path": "service"}, "RoleArn.path must be an IAM path", ValueError),
    (RoleArn, _ROLE_ARN, {"name": ""}, "RoleArn.name must be an IAM role name", ValueError),
    (RoleArn, _ROLE_ARN, {"name": "r" * 65}, "RoleArn.name", ValueError),
    (KmsKeyArn, _KEY_ARN, {"region": ""}, "KmsKeyArn.region must be a region name", ValueError),
    (KmsKeyArn, _KEY_ARN, {"account": 123456789012}, "KmsKeyArn.account must be a str", TypeError),
    (
        KmsKeyArn,
        _KEY_ARN,
        {"resource": "1234abcd"},
        "KmsKeyArn.resource must be 'key/<id>' or 'alias/<name>'",
        ValueError,
    ),
]


@pytest.mark.parametrize(
    ("cls", "valid", "bad", "message", "error"),
    _OTHERS,
    ids=[f"{cls.__name__}-{next(iter(bad))}" for cls, _, bad, _, _ in _OTHERS],
)
def test_other_values_refuse_invalid_fields(
    cls: type[Any], valid: dict[str, Any], bad: dict[str, Any], message: str, error: type[Exception]
) -> None:
    """ACLs, buckets, lock configurations and ARNs built from parts check their fields as
    the parsers do (STYLE habit 3), naming the class and the field."""
    value = cls(**valid)
    with pytest.raises(error, match=message):
        cls(**(valid | bad))
    with pytest.raises(error, match=message):
        attrs.evolve(value, **bad)


@pytest.mark.parametrize(
    "text",
    [
        "arn:aws:s3:::src",
        "arn:aws-cn:s3:::logs.example-1",
        "arn:aws:iam::123456789012:role/repl",
        "arn:aws:iam::123456789012:role/service-role/a/b/Repl+=,.@-",
        "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws:kms:us-east-1:123456789012:alias/a/b_c-d",
    ],
)
def test_parsed_arns_pass_their_own_checks(text: str) -> None:
    """Every ARN the parsers accept is a value the constructors accept, and prints back."""
    cls = {"s3": BucketArn, "iam": RoleArn, "kms": KmsKeyArn}[text.split(":")[2]]
    arn = cls.parse(text)  # type: ignore[attr-defined]
    assert attrs.evolve(arn) == arn
    assert str(arn) == text
