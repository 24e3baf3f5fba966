"""Engine calls given junk where a string (or a mapping) belongs: the library's error.

Every public :class:`~s3repl.engine.Engine` method whose parameter is hinted ``str``
(alone, ``str | None``, or with the enum of its values) or a mapping refuses any other
type before it changes anything, with :class:`~s3repl.errors.InvalidArgumentType`
(S3's ``InvalidArgument``, and a ``TypeError``) naming the method, the parameter and
the type received, never ``repr()`` of the value (a list nested a thousand deep would
raise ``RecursionError``). Before the guard a bucket given as a list failed with
``unhashable type`` and a deep list with ``RecursionError`` (issue 11's audit).

The table names each parameter's requirement: the R-id whose value it carries (R-001
regions, R-006 role ARNs, R-012 accounts, R-014 KMS keys, R-089 storage classes, ...),
and R-045 (a request S3 cannot read is refused, never an implementation error) for the
rest. The Hypothesis property after it throws arbitrary junk at any argument of any
public method: only s3repl's errors may come out, and a refused call changes nothing.
"""

from __future__ import annotations

import datetime as dt
import inspect
import types
import typing
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s3repl.engine import Engine
from s3repl.errors import InvalidArgumentType, InvalidBucketName, S3ReplError
from s3repl.model.names import (
    BucketArn,
    KmsKeyArn,
    RoleArn,
    check_account_id,
    check_bucket_name,
    check_object_key,
    check_region,
)

ROLE = "arn:aws:iam::123456789012:role/replication"
DEPTH = 1_000  # repr() of a list this deep raised RecursionError


def _nested_list(depth: int) -> object:
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return value


STRING_PARAMETERS: dict[str, tuple[str, ...]] = {
    "create_job": ("account_id", "region", "account"),
    "describe_job": ("job_id", "account_id", "account"),
    "list_jobs": ("account_id", "next_token", "account"),
    "update_job_priority": ("job_id", "account_id", "account"),
    "update_job_status": (
        "job_id",
        "requested_job_status",
        "status_update_reason",
        "account_id",
        "account",
    ),
    "complete_multipart_upload": (
        "bucket",
        "key",
        "metadata",
        "tags",
        "storage_class",
        "server_side_encryption",
        "sse_kms_key_id",
        "account",
    ),
    "copy_object": ("bucket", "key", "copy_source", "metadata", "tags", "storage_class", "account"),
    "create_account": ("account_id",),
    "create_bucket": ("name", "account", "region", "versioning"),
    "create_kms_key": ("region", "account", "policy", "key_id"),
    "create_role": ("arn", "policy", "account"),
    "current_version": ("bucket", "key", "account"),
    "delete_bucket": ("name", "account"),
    "delete_bucket_policy": ("bucket", "account"),
    "delete_bucket_replication": ("bucket", "account"),
    "delete_object": ("bucket", "key", "version_id", "account"),
    "delete_object_tagging": ("bucket", "key", "version_id", "account"),
    "delete_objects": ("bucket", "account"),
    "delete_role": ("arn", "account"),
    "describe_kms_key": ("arn", "account"),
    "disable_kms_key": ("arn", "account"),
    "enable_kms_key": ("arn", "account"),
    "expire_object": ("bucket", "key"),
    "get_bucket": ("name", "account"),
    "get_bucket_encryption": ("bucket", "account"),
    "get_bucket_notification_configuration": ("bucket", "account"),
    "get_bucket_ownership_controls": ("bucket", "account"),
    "get_bucket_policy": ("bucket", "account"),
    "get_bucket_replication": ("bucket", "account"),
    "get_bucket_versioning": ("bucket", "account"),
    "get_object": ("bucket", "key", "version_id", "account"),
    "get_object_acl": ("bucket", "key", "version_id", "account"),
    "get_object_legal_hold": ("bucket", "key", "version_id", "account"),
    "get_object_lock_configuration": ("bucket", "account"),
    "get_object_retention": ("bucket", "key", "version_id", "account"),
    "get_object_tagging": ("bucket", "key", "version_id", "account"),
    "get_role": ("arn", "account"),
    "head_bucket": ("bucket", "account"),
    "head_object": ("bucket", "key", "version_id", "account"),
    "latency_quantiles": ("source_bucket", "rule_id", "destination"),
    "list_buckets": ("account",),
    "list_object_versions": ("bucket", "prefix", "account"),
    "list_object_versions_page": ("bucket", "prefix", "key_marker", "version_id_marker", "account"),
    "list_objects_v2": (
        "bucket",
        "prefix",
        "delimiter",
        "continuation_token",
        "start_after",
        "account",
    ),
    "metric_series": ("name", "source_bucket", "rule_id", "destination"),
    "notifications": ("arn",),
    "put_bucket_encryption": ("bucket", "config", "account"),
    "put_bucket_notification_configuration": ("bucket", "configuration", "account"),
    "put_bucket_ownership_controls": ("bucket", "ownership", "account"),
    "put_bucket_policy": ("bucket", "policy", "account"),
    "put_bucket_replication": ("bucket", "config", "token", "account"),
    "put_bucket_request_payment": ("bucket", "payer", "account"),
    "put_bucket_versioning": ("bucket", "status", "account"),
    "put_object": (
        "bucket",
        "key",
        "metadata",
        "tags",
        "content_type",
        "acl",
        "storage_class",
        "server_side_encryption",
        "sse_kms_key_id",
        "sse_customer_algorithm",
        "sse_customer_key",
        "object_lock_mode",
        "object_lock_legal_hold_status",
        "account",
    ),
    "put_object_acl": ("bucket", "key", "acl", "access_control_policy", "version_id", "account"),
    "put_object_legal_hold": ("bucket", "key", "status", "version_id", "account"),
    "put_object_lock_configuration": ("bucket", "config", "account"),
    "put_object_retention": ("bucket", "key", "mode", "version_id", "account"),
    "put_object_tagging": ("bucket", "key", "tags", "version_id", "account"),
    "put_role_policy": ("arn", "policy", "account"),
    "replication_metrics": ("bucket",),
    "schedule_key_deletion": ("arn", "account"),
}

# The requirement whose value a parameter carries; R-045 for the others.
_REQUIREMENT = {
    "region": "R-001",
    "account_id": "R-012",
    "account": "R-012",
    "arn": "R-006",
    "sse_kms_key_id": "R-014",
    "server_side_encryption": "R-081",
    "storage_class": "R-089",
    "acl": "R-084",
    "access_control_policy": "R-084",
    "ownership": "R-154",
    "versioning": "R-002",
    "status": "R-002",
    "payer": "R-013",
    "config": "R-020",
    "tags": "R-085",
    "metadata": "R-083",
    "object_lock_mode": "R-086",
    "object_lock_legal_hold_status": "R-086",
    "mode": "R-086",
    "configuration": "R-128",
    "name": "R-045",
}

# A list nested 1,000 deep, a dict, None, an int and bytes: what the audit tried.
_JUNK: dict[str, object] = {
    "deep list": _nested_list(DEPTH),
    "dict": {"a": 1},
    "None": None,
    "int": 7,
    "bytes": b"source-bucket",
}


def _accepted(method: str, param: str) -> tuple[type, ...]:
    """The runtime types a parameter's hint names (``Mapping[...]`` as ``Mapping``)."""
    hint = typing.get_type_hints(getattr(Engine, method))[param]
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    members = typing.get_args(hint) if union else (hint,)
    return tuple(typing.get_origin(member) or member for member in members)


def _rows() -> list[Any]:
    rows = []
    for method, params in STRING_PARAMETERS.items():
        for param in params:
            accepted = _accepted(method, param)
            for junk_name, junk in _JUNK.items():
                if isinstance(junk, accepted):
                    continue  # None where None is allowed, a dict where a mapping is
                rid = _REQUIREMENT.get(param, "R-045")
                rows.append(
                    pytest.param(method, param, junk, id=f"{rid} {method}({param}={junk_name})")
                )
    return rows


def _engine() -> Engine:
    engine = Engine()
    engine.create_bucket("source-bucket", versioning=True)
    engine.put_object("source-bucket", "k", b"x")
    return engine


def _call(engine: Engine, method: str, param: str, value: object) -> object:
    """Call ``method`` with ``value`` for ``param`` and usable values for the others."""
    usable: dict[str, object] = {
        "bucket": "source-bucket",
        "name": "source-bucket",
        "key": "k",
        "arn": ROLE,
        "account_id": "210987654321",
        "parts": [b"a"],
        "copy_source": "source-bucket/k",
        "objects": ["k"],
        "config": {},
        "configuration": {},
        "ownership": "BucketOwnerEnforced",
        "policy": "{}",
        "payer": "Requester",
        "status": "Enabled",
        "mode": "GOVERNANCE",
        "retain_until_date": dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        "tags": {},
        "when": dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        "seconds": 1.0,
        "plan": None,
        # Batch Replication jobs (the type guard comes before the job's own checks)
        "operation": {"S3ReplicateObject": {}},
        "report": {"Enabled": False},
        "client_request_token": "token",
        "priority": 1,
        "role_arn": ROLE,
        "job_id": "no-such-job",
        "requested_job_status": "Ready",
    }
    function = getattr(engine, method)
    kwargs = {
        name: usable[name]
        for name, spec in inspect.signature(function).parameters.items()
        if spec.default is inspect.Parameter.empty and name != param
    }
    kwargs[param] = value
    return function(**kwargs)


def test_the_table_covers_every_string_parameter() -> None:
    """R-045: the table lists every public method's ``str`` and mapping parameters, read
    off the hints here, so that a new method or parameter cannot go unchecked."""
    hinted: dict[str, tuple[str, ...]] = {}
    for method, function in inspect.getmembers(Engine, predicate=inspect.isfunction):
        if method.startswith("_"):
            continue
        params = tuple(
            param
            for param in list(inspect.signature(function).parameters)[1:]
            if str in _accepted(method, param) or Mapping in _accepted(method, param)
        )
        if params:
            hinted[method] = params
    assert hinted == STRING_PARAMETERS


@pytest.mark.parametrize(("method", "param", "junk"), _rows())
def test_junk_for_a_string_parameter_is_refused(method: str, param: str, junk: object) -> None:
    """Each (method, parameter) refuses a deep list, a dict, ``None``, an int and bytes
    with ``InvalidArgumentType`` naming the method, the parameter and the type received,
    and the engine is as it was (the refusal comes before any change)."""
    engine = _engine()
    before = engine.snapshot()
    with pytest.raises(InvalidArgumentType) as caught:
        _call(engine, method, param, junk)
    err = caught.value
    assert err.element == param
    assert f"{method}() argument {param!r}" in str(err)
    assert f"got {type(junk).__name__}" in str(err)
    assert engine.snapshot() == before


def test_the_refusal_is_both_s3_and_python() -> None:
    """R-045: the refusal is S3's ``InvalidArgument`` (HTTP 400) and Python's
    ``TypeError``, so ``except TypeError`` keeps working for Python callers."""
    engine = Engine()
    with pytest.raises(TypeError) as caught:
        engine.create_bucket(["source-bucket"])  # type: ignore[arg-type]
    assert isinstance(caught.value, InvalidArgumentType)
    assert (caught.value.code, caught.value.http_status) == ("InvalidArgument", 400)
    assert str(caught.value).startswith(
        "InvalidArgument (400): create_bucket() argument 'name' must be str, got list"
    )
    assert engine.list_buckets() == ()


@pytest.mark.parametrize(
    ("check", "error", "text"),
    [
        pytest.param(check_region, InvalidArgumentType, "A region", id="R-001 check_region"),
        pytest.param(
            check_account_id, InvalidArgumentType, "An account id", id="R-012 check_account_id"
        ),
        pytest.param(
            check_bucket_name, InvalidBucketName, "is not a string", id="R-047 check_bucket_name"
        ),
        pytest.param(check_object_key, InvalidArgumentType, "Object key", id="R-045 key"),
        pytest.param(RoleArn.parse, InvalidArgumentType, "role ARN", id="R-047 RoleArn.parse"),
        pytest.param(
            BucketArn.parse, InvalidArgumentType, "bucket ARN", id="R-047 BucketArn.parse"
        ),
        pytest.param(KmsKeyArn.parse, InvalidArgumentType, "KMS key ARN", id="R-027 KmsKeyArn"),
    ],
)
@pytest.mark.parametrize("junk", list(_JUNK.values()), ids=list(_JUNK))
def test_name_checks_refuse_other_types(
    check: Any, error: type[S3ReplError], text: str, junk: object
) -> None:
    """The name checks themselves refuse a value that is not a string with the library's
    error naming what was expected and the type, never ``repr()`` of the value."""
    with pytest.raises(error) as caught:
        check(junk)
    assert text in str(caught.value)
    assert type(junk).__name__ in str(caught.value)


def test_long_names_are_cut_in_messages() -> None:
    """R-001: a refused name is quoted in the message, cut to a short prefix."""
    with pytest.raises(S3ReplError) as caught:
        check_region("x" * 100_000)
    assert len(str(caught.value)) < 200
    assert "xxx..." in str(caught.value)


_PUBLIC = sorted(
    (method, param)
    for method, function in inspect.getmembers(Engine, predicate=inspect.isfunction)
    if not method.startswith("_")
    for param in list(inspect.signature(function).parameters)[1:]
)

_ANY_JUNK = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.binary(max_size=20)
    | st.datetimes(),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        | st.tuples(inner, inner)
    ),
    max_leaves=8,
)
# Drawn by name: Hypothesis's own printer recurses on a list nested 1,000 deep.
_NAMED_JUNK = st.sampled_from(sorted(_JUNK))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=st.sampled_from(_PUBLIC), drawn=_ANY_JUNK, named=st.none() | _NAMED_JUNK)
def test_any_junk_in_one_argument_raises_only_the_librarys_errors(
    target: tuple[str, str], drawn: object, named: str | None
) -> None:
    """R-045: any public method, with arbitrary junk in one argument and usable values in
    the others, either works or raises an s3repl error; a refused call leaves
    ``snapshot()`` as it was."""
    method, param = target
    junk = drawn if named is None else _JUNK[named]
    engine = _engine()
    engine.record_metrics()
    before = engine.snapshot()
    try:
        _call(engine, method, param, junk)
    except S3ReplError:
        assert engine.snapshot() == before


#: The hot methods that check their own arguments (no wrapper; a put saves about 1.2 µs).
CHECK_THEIR_OWN = ("delete_object", "get_object", "head_object", "put_object")


def test_hot_methods_check_their_own_arguments_with_the_guards_checks() -> None:
    """R-045: the methods that skip the wrapper carry the checks the guard reads off
    their hints (one rule, two ways to apply it), and only those skip it."""
    own = sorted(
        method
        for method, function in inspect.getmembers(Engine, predicate=inspect.isfunction)
        if getattr(function, "__argument_checks__", None) is not None
    )
    assert own == sorted(CHECK_THEIR_OWN)
    put_checks = Engine.put_object.__argument_checks__  # type: ignore[attr-defined]
    assert tuple(name for _, name, _ in put_checks) == STRING_PARAMETERS["put_object"]


def test_own_checks_accept_str_subclasses_and_enum_members() -> None:
    """R-045: the quick test of a hot method is only a pre-filter: a ``str`` subclass
    or an enum member where a string belongs is accepted as the hint says."""

    class Name(str):
        __slots__ = ()

    engine = _engine()
    put = engine.put_object(Name("source-bucket"), Name("k2"), b"y", storage_class="STANDARD")
    assert engine.head_object("source-bucket", "k2").version_id == put.version_id
    assert engine.get_object(Name("source-bucket"), Name("k2"), account=None).body == b"y"
    assert engine.delete_object(Name("source-bucket"), Name("k2")).delete_marker


def test_guarded_methods_keep_their_signature_and_docs() -> None:
    """R-045: the guard changes no public signature, name or docstring (the API contract
    and the docs read them), and the positional and keyword forms of a call agree."""
    for method in STRING_PARAMETERS:
        function = getattr(Engine, method)
        if method in CHECK_THEIR_OWN:
            assert not hasattr(function, "__wrapped__")  # no wrapper: nothing to keep
            continue
        original = function.__wrapped__
        assert inspect.signature(function) == inspect.signature(original)
        assert (function.__name__, function.__doc__) == (method, original.__doc__)
    engine = _engine()
    positional = engine.get_object("source-bucket", "k")
    assert engine.get_object(bucket="source-bucket", key="k") == positional
    with pytest.raises(InvalidArgumentType, match="argument 'key' must be str, got int"):
        engine.get_object(bucket="source-bucket", key=7)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentType, match="argument 'account' must be str or None"):
        engine.get_object("source-bucket", "k", account=7)  # type: ignore[arg-type]
