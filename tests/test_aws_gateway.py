"""The gateway: routing, credentials, limits and failures, with small fakes of the layers below.

Each failure test also checks that the engine is unchanged (its snapshot compares equal)
and that the answer is S3's error XML with a request id, never a traceback.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from aws_fakes import fake_gateway
from hypothesis import given
from hypothesis import strategies as st

from s3repl import Engine
from s3repl.aws import HttpRequest, HttpResponse, ServiceError
from s3repl.aws._addressing import route

SIGV4 = "AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host;x-amz-date, Signature=abcdef0123"


def signed(scope: str) -> tuple[tuple[str, str], ...]:
    return (("Authorization", SIGV4.format(scope=scope)),)


def code_of(body: bytes) -> str:
    match = re.search(rb"<Code>([^<]*)</Code>", body)
    assert match is not None, body
    return match[1].decode()


# --- routing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "service", "region"),
    [
        (HttpRequest(method="GET", path="/"), "s3", "us-east-1"),
        (
            HttpRequest(
                method="GET", path="/", headers=signed("AKID/20240101/eu-west-1/s3/aws4_request")
            ),
            "s3",
            "eu-west-1",
        ),
        (
            HttpRequest(
                method="POST",
                path="/",
                headers=signed("AKID/20240101/us-east-1/iam/aws4_request"),
            ),
            "iam",
            "us-east-1",
        ),
        (
            HttpRequest(
                method="GET",
                path="/b/k",
                query=(
                    ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
                    ("X-Amz-Credential", "AKID/20240101/ap-south-1/s3/aws4_request"),
                ),
            ),
            "s3",
            "ap-south-1",
        ),
        (
            HttpRequest(
                method="POST", path="/", headers=(("X-Amz-Target", "TrentService.CreateKey"),)
            ),
            "kms",
            "us-east-1",
        ),
        (
            HttpRequest(
                method="POST",
                path="/",
                headers=(("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),),
                body=b"Action=GetCallerIdentity&Version=2011-06-15",
            ),
            "sts",
            "us-east-1",
        ),
        (
            HttpRequest(
                method="POST",
                path="/",
                headers=(("Content-Type", "application/x-www-form-urlencoded"),),
                body=b"Action=GetRole&Version=2010-05-08&RoleName=r",
            ),
            "iam",
            "us-east-1",
        ),
        (HttpRequest(method="POST", path="/", host="iam.amazonaws.com"), "iam", "us-east-1"),
        (
            HttpRequest(method="POST", path="/", host="sts.eu-west-1.amazonaws.com"),
            "sts",
            "us-east-1",
        ),
        (
            HttpRequest(method="POST", path="/", host="kms.us-east-2.amazonaws.com:443"),
            "kms",
            "us-east-1",
        ),
    ],
)
def test_route_decides_the_service_and_region(
    request_: HttpRequest, service: str, region: str
) -> None:
    found = route(request_)
    assert (found.service, found.region) == (service, region)


@pytest.mark.parametrize(
    ("host", "path", "expected"),
    [
        ("bucket.s3.amazonaws.com", "/key/with/slashes", "/bucket/key/with/slashes"),
        ("bucket.s3.eu-west-1.amazonaws.com", "/", "/bucket"),
        ("my.dotted.bucket.s3-us-west-2.amazonaws.com", "/k", "/my.dotted.bucket/k"),
        ("bucket.s3.dualstack.us-east-1.amazonaws.com", "/k", "/bucket/k"),
        ("bucket.localhost:9000", "/k%20x", "/bucket/k%20x"),
        ("s3.amazonaws.com", "/bucket/k", "/bucket/k"),
        ("s3.us-east-1.amazonaws.com", "/bucket", "/bucket"),
        ("127.0.0.1:9000", "/bucket/k", "/bucket/k"),
        ("localhost:9000", "/bucket/k", "/bucket/k"),
    ],
)
def test_virtual_hosted_requests_become_path_style(host: str, path: str, expected: str) -> None:
    assert route(HttpRequest(method="GET", path=path, host=host)).request.path == expected


def test_the_access_key_id_comes_from_the_credential_scope() -> None:
    found = route(
        HttpRequest(
            method="GET",
            path="/",
            headers=signed("111122223333/20240101/us-east-1/s3/aws4_request"),
        )
    )
    assert found.access_key_id == "111122223333"
    assert route(HttpRequest(method="GET", path="/")).access_key_id is None
    sigv2 = HttpRequest(method="GET", path="/", headers=(("Authorization", "AWS AKID2:sig"),))
    assert route(sigv2).access_key_id == "AKID2"


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        ("AWS4-HMAC-SHA256 Credential=AKID/2024/us-east-1/s3", "AuthorizationHeaderMalformed"),
        (
            "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request",
            "AuthorizationHeaderMalformed",
        ),
        ("AWS4-HMAC-SHA256", "AuthorizationHeaderMalformed"),
        (
            "AWS4-HMAC-SHA256 Credential=AKID/2024/us-east-1/s3, SignedHeaders=host, Signature=0",
            "AuthorizationHeaderMalformed",
        ),
        ("AWS nocolon", "InvalidArgument"),
        ("Bearer token", "InvalidArgument"),
    ],
)
def test_malformed_authorization_headers_are_refused(authorization: str, code: str) -> None:
    with pytest.raises(ServiceError) as caught:
        route(HttpRequest(method="GET", path="/", headers=(("Authorization", authorization),)))
    assert caught.value.code == code
    assert caught.value.http_status == 400


def test_a_presigned_url_needs_sigv4() -> None:
    with pytest.raises(ServiceError) as caught:
        route(
            HttpRequest(
                method="GET",
                path="/b/k",
                query=(("X-Amz-Credential", "AKID/20240101/us-east-1/s3/aws4_request"),),
            )
        )
    assert caught.value.code == "AuthorizationQueryParametersError"


def test_an_unmodelled_service_in_the_scope_answers_not_implemented() -> None:
    with pytest.raises(ServiceError) as caught:
        route(
            HttpRequest(
                method="POST", path="/", headers=signed("AKID/20240101/us-east-1/sqs/aws4_request")
            )
        )
    assert (caught.value.code, caught.value.http_status) == ("NotImplemented", 501)


# --- the gateway -----------------------------------------------------------------------


def test_a_request_is_parsed_called_and_serialised_with_a_counted_request_id() -> None:
    engine = Engine()
    gateway = fake_gateway(engine)
    first = gateway.handle(HttpRequest(method="PUT", path="/made"))
    second = gateway.handle(HttpRequest(method="GET", path="/"))
    assert first.status == 200
    assert (first.header("x-amz-request-id"), second.header("x-amz-request-id")) == (
        "0000000000000001",
        "0000000000000002",
    )
    assert b"<Name>made</Name>" in second.body
    assert engine.get_bucket("made").name == "made"


@pytest.mark.parametrize(
    ("access_key_id", "account"),
    [
        ("AKIAREGISTERED00000", "444455556666"),
        ("210987654321", "210987654321"),
        ("AKIASOMETHINGELSE000", "123456789012"),
    ],
)
def test_credentials_choose_the_calling_account(access_key_id: str, account: str) -> None:
    engine = Engine()
    gateway = fake_gateway(engine)
    gateway.register_credentials("AKIAREGISTERED00000", "444455556666")
    headers = signed(f"{access_key_id}/20240101/eu-central-1/s3/aws4_request")
    gateway.handle(HttpRequest(method="GET", path="/", headers=headers))
    assert gateway.backend.callers[-1].account == account
    assert gateway.backend.callers[-1].region == "eu-central-1"


def test_register_credentials_wants_an_account_id() -> None:
    with pytest.raises(ValueError, match="12-digit"):
        fake_gateway(Engine()).register_credentials("AKID", "not-an-account")


def test_service_errors_become_the_services_error_response() -> None:
    gateway = fake_gateway(Engine())
    response = gateway.handle(HttpRequest(method="GET", path="/b/missing"))
    assert response.status == 404
    assert code_of(response.body) == "NoSuchKey"
    assert b"<Key>missing</Key>" in response.body
    assert b"<RequestId>0000000000000001</RequestId>" in response.body


def _refused(gateway: Any, request: HttpRequest) -> tuple[int, str]:
    engine = gateway.engine
    before = engine.snapshot()
    response = gateway.handle(request)
    assert engine.snapshot() == before, "a refused request changed the engine"
    assert b"Traceback" not in response.body
    return response.status, code_of(response.body)


def test_an_oversized_object_body_is_entity_too_large() -> None:
    gateway = fake_gateway(Engine(), body_limit_bytes=10)
    refused = _refused(gateway, HttpRequest(method="PUT", path="/b/k", body=b"x" * 11))
    assert refused == (400, "EntityTooLarge")
    assert gateway.backend.callers == []


def test_an_oversized_control_body_is_max_message_length_exceeded() -> None:
    gateway = fake_gateway(Engine(), body_limit_bytes=10)
    refused = _refused(gateway, HttpRequest(method="PUT", path="/newbucket", body=b"x" * 11))
    assert refused == (400, "MaxMessageLengthExceeded")
    with pytest.raises(LookupError):
        gateway.engine.get_bucket("newbucket")


def test_too_many_headers_are_refused() -> None:
    gateway = fake_gateway(Engine(), header_count_max=3)
    headers = tuple((f"x-h{i}", "v") for i in range(4))
    refused = _refused(gateway, HttpRequest(method="PUT", path="/newbucket", headers=headers))
    assert refused == (400, "RequestHeaderSectionTooLarge")


def test_too_large_headers_are_refused() -> None:
    gateway = fake_gateway(Engine(), header_bytes_max=100)
    headers = (("x-amz-meta-big", "v" * 100),)
    refused = _refused(gateway, HttpRequest(method="PUT", path="/newbucket", headers=headers))
    assert refused == (400, "RequestHeaderSectionTooLarge")


def test_a_malformed_authorization_header_answers_s3_error_xml() -> None:
    gateway = fake_gateway(Engine())
    request = HttpRequest(
        method="PUT", path="/newbucket", headers=(("Authorization", "AWS4-HMAC-SHA256 x"),)
    )
    assert _refused(gateway, request) == (400, "AuthorizationHeaderMalformed")


def test_a_parse_error_leaves_the_engine_unchanged() -> None:
    gateway = fake_gateway(Engine())
    assert _refused(gateway, HttpRequest(method="POST", path="/b", body=b"<bad")) == (
        400,
        "MalformedXML",
    )


def test_an_unexpected_exception_is_an_internal_error_logged_not_sent(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gateway = fake_gateway(Engine())
    with caplog.at_level(logging.ERROR, logger="s3repl.aws"):
        status, code = _refused(gateway, HttpRequest(method="GET", path="/_boom"))
    assert (status, code) == (500, "InternalError")
    (record,) = caplog.records
    assert "0000000000000001" in record.getMessage()
    assert "GET /_boom" in record.getMessage()
    assert record.exc_info is not None
    assert "the parser fell over" in caplog.text


def test_a_failing_error_serialiser_still_answers_plain_s3_xml() -> None:
    gateway = fake_gateway(Engine())

    def broken(*args: object, **kwargs: object) -> None:
        msg = "serialiser broke"
        raise RuntimeError(msg)

    gateway.protocol.serialize_error = broken
    response = gateway.handle(HttpRequest(method="GET", path="/b/missing"))
    assert (response.status, code_of(response.body)) == (404, "NoSuchKey")


def test_a_head_error_has_no_body() -> None:
    gateway = fake_gateway(Engine())
    response = gateway.handle(HttpRequest(method="HEAD", path="/b/k", body=b""))
    assert response.body == b""
    assert response.header("content-length") == "0"


def test_limits_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        fake_gateway(Engine(), body_limit_bytes=-1)


# --- refused requests through the real protocol layer and operations ---------------------


def _real_world() -> Any:
    from s3repl.aws import Gateway

    engine = Engine(seed=2)
    engine.create_bucket("src", versioning=True)
    engine.put_object("src", "k", b"v")
    return Gateway(engine)


FORM = (("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),)
KMS = (("X-Amz-Target", "TrentService.CreateKey"), ("Content-Type", "application/x-amz-json-1.1"))


@pytest.mark.parametrize(
    ("request_", "status", "code"),
    [
        (
            HttpRequest(method="PUT", path="/src", query=(("replication", ""),), body=b"<bad"),
            400,
            "MalformedXML",
        ),
        (
            HttpRequest(method="PUT", path="/src", query=(("versioning", ""),), body=b"<V>"),
            400,
            "MalformedXML",
        ),
        (
            HttpRequest(
                method="PUT", path="/src/k", headers=(("Content-MD5", "not-base64!"),), body=b"x"
            ),
            400,
            "InvalidDigest",
        ),
        (
            HttpRequest(method="GET", path="/src", query=(("website", ""),)),
            501,
            "NotImplemented",
        ),
        (HttpRequest(method="DELETE", path="/src"), 409, "BucketNotEmpty"),
        (
            HttpRequest(
                method="POST",
                path="/",
                headers=FORM,
                body=b"Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=%7B",
            ),
            400,
            "MalformedPolicyDocument",
        ),
        (
            HttpRequest(method="POST", path="/", headers=KMS, body=b"{not json"),
            400,
            "SerializationException",
        ),
    ],
)
def test_refused_requests_leave_the_engine_unchanged(
    request_: HttpRequest, status: int, code: str
) -> None:
    gateway = _real_world()
    before = gateway.engine.snapshot()
    response = gateway.handle(request_)
    assert gateway.engine.snapshot() == before
    assert response.status == status
    assert code.encode() in response.body
    assert b"Traceback" not in response.body


class WrappingBackend:
    """Turns a bug into a 500 ServiceError the way the operations layer does."""

    def call(self, service: str, operation: str, params: Any, caller: Any) -> Any:
        try:
            {}["secret internals"]
        except KeyError as err:
            message = f"KeyError: {err}"
            raise ServiceError(
                code="InternalError", message=message, http_status=500, sender_fault=False
            ) from err


def test_a_bug_wrapped_below_is_logged_and_answered_without_its_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from aws_fakes import FakeProtocol

    from s3repl.aws import Gateway

    gateway = Gateway(Engine(), protocol=FakeProtocol(), backend=WrappingBackend())
    with caplog.at_level(logging.ERROR, logger="s3repl.aws"):
        response = gateway.handle(HttpRequest(method="GET", path="/"))
    assert (response.status, code_of(response.body)) == (500, "InternalError")
    assert b"secret internals" not in response.body
    (record,) = caplog.records
    assert "secret internals" in record.getMessage()
    assert record.exc_info is not None


@pytest.mark.parametrize(
    ("request_", "service"),
    [
        (HttpRequest(method="POST", path="/", headers=FORM, body=b"\xff\xfe"), "s3"),
        (HttpRequest(method="POST", path="/", headers=FORM, body=b"Version=2010-05-08"), "s3"),
        (HttpRequest(method="POST", path="/", body=b"Action=GetRole&Version=2010-05-08"), "s3"),
        (HttpRequest(method="GET", path="/", query=(("AWSAccessKeyId", "AKID"),)), "s3"),
        (HttpRequest(method="GET", path="/b", host="[::1]:9000"), "s3"),
    ],
)
def test_requests_without_a_service_signal_are_s3(request_: HttpRequest, service: str) -> None:
    found = route(request_)
    assert found.service == service
    assert found.request.path == request_.path


# --- a bug in an operation, through the real operations layer ----------------------------


def test_a_bug_in_an_operation_is_an_internal_error_logged_with_its_request_id(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AwsBackend turns its own bug into InternalError (500): the client gets the request
    id and nothing of the bug; the log names the request id and keeps the traceback."""
    from s3repl.aws._operations import OPERATIONS

    def broken(state: Any, params: Any, caller: Any) -> dict[str, Any]:
        return {"Buckets": state.secret_internals}

    monkeypatch.setitem(OPERATIONS["s3"], "ListBuckets", broken)  # type: ignore[index]
    gateway = _real_world()
    before = gateway.engine.snapshot()
    with caplog.at_level(logging.ERROR, logger="s3repl.aws"):
        response = gateway.handle(HttpRequest(method="GET", path="/"))
    request_id = response.header("x-amz-request-id")
    assert request_id is not None
    assert (response.status, code_of(response.body)) == (500, "InternalError")
    assert f"<RequestId>{request_id}</RequestId>".encode() in response.body
    assert b"secret_internals" not in response.body
    assert b"Traceback" not in response.body
    (record,) = caplog.records
    assert request_id in record.getMessage()
    assert "GET /" in record.getMessage()
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], AttributeError)
    assert gateway.engine.snapshot() == before


# --- malformed requests of every kind ---------------------------------------------------

_SEGMENTS = st.one_of(
    st.sampled_from(["src", "k", "_s3repl", "%ZZ", "..", "a%2Fb", "", "WriteGetObjectResponse"]),
    st.text(max_size=8),
)
_QUERY_NAMES = st.one_of(
    st.sampled_from(
        [
            "versioning",
            "replication",
            "tagging",
            "uploadId",
            "partNumber",
            "list-type",
            "versionId",
            "Action",
            "Version",
            "X-Amz-Credential",
            "X-Amz-Algorithm",
            "AWSAccessKeyId",
            "max-keys",
        ]
    ),
    st.text(min_size=1, max_size=6),
)
_HEADERS = st.tuples(
    st.sampled_from(
        [
            "authorization",
            "content-type",
            "x-amz-target",
            "content-md5",
            "x-amz-copy-source",
            "content-encoding",
            "x-amz-content-sha256",
            "x-amz-decoded-content-length",
            "x-amz-meta-a",
            "x-amz-checksum-crc32",
            "x-amz-object-lock-retain-until-date",
            "host",
        ]
    ),
    st.one_of(
        st.sampled_from(
            [
                "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request, "
                "SignedHeaders=host, Signature=0",
                "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/iam/aws4_request, "
                "SignedHeaders=host, Signature=0",
                "AWS AKID:sig",
                "application/x-www-form-urlencoded",
                "application/x-amz-json-1.1",
                "TrentService.CreateKey",
                "aws-chunked",
                "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                "src/k",
                "src.localhost:9000",
            ]
        ),
        st.text(max_size=20),
    ),
)
_BODIES = st.one_of(
    st.binary(max_size=40),
    st.sampled_from(
        [
            b"<VersioningConfiguration><Status>On</Status></VersioningConfiguration>",
            b"<ReplicationConfiguration><Rule/></ReplicationConfiguration>",
            b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>',
            b"Action=CreateRole&Version=2010-05-08&RoleName=r",
            b"Action=Nope&Version=2011-06-15",
            b'{"KeySpec": 5}',
            b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n",
        ]
    ),
)


def error_code(response: HttpResponse) -> str:
    """The code of an error answer in any of the three services' shapes."""
    if response.body.startswith(b"{"):
        code: str = json.loads(response.body)["__type"]
        return code
    return code_of(response.body)


@pytest.fixture(scope="module")
def loaded_models() -> None:
    """Load the service models and S3's route index before the clock starts ticking."""
    from s3repl.aws._protocol import load_service
    from s3repl.aws._protocol._routing import route_index
    from s3repl.aws._protocol._service import SUPPORTED_SERVICES

    for name in SUPPORTED_SERVICES:
        load_service(name)
    route_index(load_service("s3"))


@given(
    method=st.sampled_from(["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "OPTIONS"]),
    segments=st.lists(_SEGMENTS, max_size=3),
    query=st.lists(st.tuples(_QUERY_NAMES, st.text(max_size=8)), max_size=3),
    headers=st.lists(_HEADERS, max_size=4),
    body=_BODIES,
)
@pytest.mark.usefixtures("loaded_models")
def test_any_request_answers_and_a_refused_one_changes_nothing(
    method: str,
    segments: list[str],
    query: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    body: bytes,
) -> None:
    """Whatever arrives, Gateway.handle answers: never a 500 or a traceback; a refusal
    is the service's error (code and request id) and leaves the engine as it was."""
    gateway = _real_world()
    before = gateway.engine.snapshot()
    request = HttpRequest(
        method=method,
        path="/" + "/".join(segments),
        query=tuple(query),
        headers=tuple(headers),
        body=body,
    )
    response = gateway.handle(request)
    assert 200 <= response.status < 600
    assert response.status != 500, response.body
    assert b"Traceback" not in response.body
    request_id = response.header("x-amz-request-id") or response.header("x-amzn-RequestId")
    assert request_id is not None
    if response.status < 300:
        return
    assert gateway.engine.snapshot() == before
    if method != "HEAD":
        assert error_code(response)
        # The XML error shapes repeat the request id; the JSON one has it in its header.
        assert request_id.encode() in response.body or response.body.startswith(b"{")
