"""``s3repl.aws.mock``: how it hooks botocore, and that leaving restores everything.

These tests use real boto3 clients and small fakes of the protocol layer and the
operations (``aws_fakes``), so they pin down the hooking alone; the operations are
tested through the mock in ``test_aws_boto3.py``.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import botocore.awsrequest
import botocore.config
import botocore.exceptions
import botocore.handlers
import pytest
from aws_env import no_aws_env  # noqa: F401 - a fixture, used by name
from aws_fakes import FakeBackend, FakeProtocol
from botocore.awsrequest import AWSPreparedRequest

from s3repl import Engine
from s3repl.aws import mock
from s3repl.aws._mock import FAKE_ACCESS_KEY_ID, _before_send, to_http_request

ROOT = Path(__file__).resolve().parent.parent


def faked(engine: Engine) -> Any:
    return mock(engine, protocol=FakeProtocol(), backend=FakeBackend(engine))


@pytest.mark.usefixtures("no_aws_env")
def test_clients_created_inside_are_served_by_the_engine() -> None:
    engine = Engine()
    engine.create_bucket("made-by-engine")
    with faked(engine) as served:
        assert served is engine
        s3 = boto3.client("s3")
        names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        identity = boto3.client("sts", region_name="eu-west-1").get_caller_identity()
    assert names == ["made-by-engine"]
    assert identity["Account"] == "123456789012"


@pytest.mark.usefixtures("no_aws_env")
def test_fake_credentials_and_region_exist_only_while_active() -> None:
    before = dict(os.environ)
    handlers = list(botocore.handlers.BUILTIN_HANDLERS)
    with faked(Engine()):
        assert os.environ["AWS_ACCESS_KEY_ID"] == FAKE_ACCESS_KEY_ID
        assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
        assert len(botocore.handlers.BUILTIN_HANDLERS) == len(handlers) + 1
    assert dict(os.environ) == before
    assert handlers == botocore.handlers.BUILTIN_HANDLERS
    assert all(a is b for a, b in zip(botocore.handlers.BUILTIN_HANDLERS, handlers, strict=True))


@pytest.mark.usefixtures("no_aws_env")
def test_configured_credentials_are_kept_and_name_the_account(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "210987654321")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    with faked(Engine()):
        assert os.environ["AWS_ACCESS_KEY_ID"] == "210987654321"
        identity = boto3.client("sts").get_caller_identity()
    assert identity["Account"] == "210987654321"
    assert os.environ["AWS_DEFAULT_REGION"] == "ap-south-1"


@pytest.mark.usefixtures("no_aws_env")
def test_registered_credentials_choose_the_account() -> None:
    with faked(Engine()) as engine:
        del engine
        active = _active()
        active.gateway.register_credentials("AKIAALICE", "111122223333")
        sts = boto3.client(
            "sts", aws_access_key_id="AKIAALICE", aws_secret_access_key="x", region_name="us-east-1"
        )
        assert sts.get_caller_identity()["Account"] == "111122223333"


def _active() -> Any:
    from s3repl.aws._mock import _STACK

    return _STACK.frames[-1][0]


@pytest.mark.usefixtures("no_aws_env")
def test_errors_reach_the_client_as_client_error_and_modelled_exceptions() -> None:
    with faked(Engine()):
        s3 = boto3.client("s3")
        with pytest.raises(s3.exceptions.NoSuchKey) as caught:
            s3.get_object(Bucket="b", Key="missing")
    response = caught.value.response
    assert response["Error"]["Code"] == "NoSuchKey"
    assert response["Error"]["Message"] == "The specified key does not exist."
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert response["ResponseMetadata"]["RequestId"] == "0000000000000001"


@pytest.mark.usefixtures("no_aws_env")
def test_a_custom_endpoint_url_passes_through() -> None:
    with faked(Engine()):
        s3 = boto3.client(
            "s3",
            endpoint_url="http://127.0.0.1:9",
            config=botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=1),
        )
        with pytest.raises(botocore.exceptions.EndpointConnectionError):
            s3.list_buckets()


def _prepared(url: str) -> AWSPreparedRequest:
    return AWSPreparedRequest(
        method="GET",
        url=url,
        headers=botocore.awsrequest.HTTPHeaders(),
        body=b"",
        stream_output=False,
    )


def test_other_services_and_inactive_mocks_pass_through() -> None:
    request = _prepared("https://s3.amazonaws.com/")
    assert _before_send(request, event_name="before-send.s3.ListBuckets") is None  # inactive
    with faked(Engine()):
        sqs = _prepared("https://sqs.us-east-1.amazonaws.com/")
        assert _before_send(sqs, event_name="before-send.sqs.ListQueues") is None
        answered = _before_send(request, event_name="before-send.s3.ListBuckets")
        assert answered is not None
        assert answered.status_code == 200


@pytest.mark.usefixtures("no_aws_env")
def test_the_innermost_mock_serves_and_leaving_it_restores_the_outer() -> None:
    outer, inner = Engine(), Engine()
    outer.create_bucket("outer-bucket")
    inner.create_bucket("inner-bucket")
    with faked(outer):
        s3 = boto3.client("s3")
        with faked(inner):
            assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["inner-bucket"]
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["outer-bucket"]
        handlers_inside = len(botocore.handlers.BUILTIN_HANDLERS)
    assert len(botocore.handlers.BUILTIN_HANDLERS) == handlers_inside - 1


def test_reentering_an_active_mock_serves_the_same_engine() -> None:
    active = faked(Engine())
    with active as first, active as second:
        assert first is second
    with pytest.raises(RuntimeError, match="not active"):
        _ = active.engine


def test_stop_must_leave_the_innermost_mock() -> None:
    outer, inner = faked(Engine()), faked(Engine())
    outer.start()
    inner.start()
    with pytest.raises(RuntimeError, match="innermost"):
        outer.stop()
    inner.stop()
    outer.stop()
    with pytest.raises(RuntimeError, match="innermost"):
        outer.stop()


@pytest.mark.usefixtures("no_aws_env")
def test_the_decorator_runs_each_call_inside_the_mock() -> None:
    engine = Engine()
    engine.create_bucket("decorated")

    @faked(engine)
    def names() -> list[str]:
        return [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]

    assert names() == ["decorated"]
    assert names() == ["decorated"]
    assert "AWS_ACCESS_KEY_ID" not in os.environ


@pytest.mark.usefixtures("no_aws_env")
def test_the_class_decorator_wraps_test_methods_only() -> None:
    engine = Engine()

    @faked(engine)
    class Suite:
        def test_inside(self) -> str:
            return os.environ["AWS_ACCESS_KEY_ID"]

        def helper(self) -> str | None:
            return os.environ.get("AWS_ACCESS_KEY_ID")

    assert Suite().test_inside() == FAKE_ACCESS_KEY_ID
    assert Suite().helper() is None


def test_coroutine_functions_are_refused() -> None:
    async def coroutine() -> None:
        return None

    with pytest.raises(TypeError, match="synchronous"):
        faked(Engine())(coroutine)


def test_import_s3repl_does_not_import_botocore() -> None:
    code = "import sys, s3repl; print('botocore' in sys.modules, 'boto3' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (None, b""),
        (b"raw", b"raw"),
        ("text \u00e9", "text \u00e9".encode()),
        (io.BytesIO(b"stream"), b"stream"),
        (io.StringIO("text stream"), b"text stream"),
        ([b"chunk ", b"by chunk"], b"chunk by chunk"),
    ],
)
def test_every_body_botocore_may_hold_becomes_bytes(body: object, expected: bytes) -> None:
    request = AWSPreparedRequest(
        method="PUT",
        url="https://s3.amazonaws.com/b/k?versionId=v&acl",
        headers=botocore.awsrequest.HTTPHeaders(),
        body=body,
        stream_output=False,
    )
    converted = to_http_request(request)
    assert converted.body == expected
    assert converted.query == (("versionId", "v"), ("acl", ""))
    if hasattr(body, "read"):
        assert body.read() == body.getvalue()  # type: ignore[attr-defined]  # rewound


def test_s3repl_aws_declares_its_names_and_loads_botocore_only_when_one_needs_it() -> None:
    code = (
        "import sys, s3repl.aws as aws\n"
        "before = 'botocore' in sys.modules\n"
        "names = [n for n in aws.__all__ if getattr(aws, n, None) is None]\n"
        "listed = set(aws.__all__) <= set(dir(aws))\n"
        "try:\n"
        "    aws.no_such_name\n"
        "    missing = 'no error'\n"
        "except AttributeError as err:\n"
        "    missing = str(err)\n"
        "print(before, 'botocore' in sys.modules, names, listed, missing)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == (
        "False True [] True module 's3repl.aws' has no attribute 'no_such_name'"
    )
