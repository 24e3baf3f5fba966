"""The query protocol layer (IAM, STS) is the counterpart of botocore's: botocore is the oracle."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from aws_wire import Wire, botocore_parse, inputs, other_service, outputs, serialized_request
from botocore.exceptions import ClientError
from botocore.parsers import create_parser
from hypothesis import given
from hypothesis import strategies as st

from s3repl.aws import HttpRequest, ServiceError
from s3repl.aws._protocol import load_service, parse_request, serialize_error, serialize_result

IAM = load_service("iam")
STS = load_service("sts")
SERVICES = {"iam": IAM, "sts": STS}
NOW = dt.datetime(2026, 12, 7, 16, 0, 0, tzinfo=dt.UTC)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
ROLE = {
    "Path": "/",
    "RoleName": "repl",
    "RoleId": "AROAEXAMPLE",
    "Arn": "arn:aws:iam::123456789012:role/repl",
    "CreateDate": NOW,
    "AssumeRolePolicyDocument": TRUST,
    "Description": "replication",
    "MaxSessionDuration": 3600,
    "Tags": [{"Key": "team", "Value": "x"}],
}

REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "iam",
        "CreateRole",
        {
            "RoleName": "repl",
            "AssumeRolePolicyDocument": TRUST,
            "Path": "/service/",
            "Description": "replication role",
            "MaxSessionDuration": 7200,
            "Tags": [{"Key": "team", "Value": "x"}, {"Key": "env", "Value": "prod"}],
        },
    ),
    ("iam", "GetRole", {"RoleName": "repl"}),
    ("iam", "DeleteRole", {"RoleName": "repl"}),
    (
        "iam",
        "PutRolePolicy",
        {"RoleName": "repl", "PolicyName": "p", "PolicyDocument": '{"Statement":[]}'},
    ),
    ("iam", "DeleteRolePolicy", {"RoleName": "repl", "PolicyName": "p"}),
    ("iam", "ListRoles", {"PathPrefix": "/", "MaxItems": 10}),
    ("sts", "GetCallerIdentity", {}),
    (
        "sts",
        "AssumeRole",
        {
            "RoleArn": "arn:aws:iam::123456789012:role/repl",
            "RoleSessionName": "session",
            "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
            "Tags": [{"Key": "a", "Value": "b"}],
            "DurationSeconds": 900,
        },
    ),
]


@pytest.fixture(scope="module")
def wires() -> dict[str, Wire]:
    return {"iam": Wire("iam"), "sts": Wire("sts")}


@pytest.mark.parametrize(("service", "operation", "params"), REQUESTS)
def test_boto3_requests_parse_back_to_the_call(
    wires: dict[str, Wire], service: str, operation: str, params: dict[str, Any]
) -> None:
    """What boto3 sends for a call parses to that call's operation and parameters."""
    request = wires[service].request_of(operation, params)
    parsed = parse_request(SERVICES[service], request)
    assert parsed.operation == operation
    assert parsed.params == params


def test_parameters_in_the_query_string_count_too() -> None:
    """A GET with the form in its query string reads as the same call."""
    request = HttpRequest(
        method="GET",
        path="/",
        query=(("Action", "GetRole"), ("Version", "2010-05-08"), ("RoleName", "repl")),
    )
    assert parse_request(IAM, request).params == {"RoleName": "repl"}


def test_empty_lists_are_read_as_empty() -> None:
    """botocore sends an empty list as its bare name; it reads back as ``[]``."""
    operation = IAM.operation_model("CreateRole")
    params = {"RoleName": "r", "AssumeRolePolicyDocument": "{}", "Tags": []}
    request = serialized_request("query", operation, params, "https://iam.amazonaws.com")
    assert parse_request(IAM, request).params == params


RESULTS: list[tuple[str, str, dict[str, Any]]] = [
    ("iam", "CreateRole", {"Role": ROLE}),
    (
        "iam",
        "GetRole",
        {"Role": {**ROLE, "RoleLastUsed": {"LastUsedDate": NOW, "Region": "us-east-1"}}},
    ),
    ("iam", "ListRoles", {"Roles": [ROLE, {**ROLE, "RoleName": "b"}], "IsTruncated": False}),
    ("iam", "DeleteRole", {}),
    ("iam", "PutRolePolicy", {}),
    ("iam", "DeleteRolePolicy", {}),
    (
        "sts",
        "GetCallerIdentity",
        {
            "UserId": "AIDAEXAMPLE",
            "Account": "123456789012",
            "Arn": "arn:aws:iam::123456789012:user/me",
        },
    ),
    (
        "sts",
        "AssumeRole",
        {
            "Credentials": {
                "AccessKeyId": "ASIA",
                "SecretAccessKey": "s",
                "SessionToken": "t",
                "Expiration": NOW.replace(microsecond=500000),
            },
            "AssumedRoleUser": {
                "AssumedRoleId": "AROA:s",
                "Arn": "arn:aws:sts::1:assumed-role/r/s",
            },
            "PackedPolicySize": 6,
        },
    ),
]


@pytest.mark.parametrize(("service", "operation", "output"), RESULTS)
def test_results_parse_back_with_botocore(
    service: str, operation: str, output: dict[str, Any]
) -> None:
    """botocore's query parser reads ``serialize_result``'s answer as the output given."""
    model = SERVICES[service]
    response = serialize_result(model, operation, output, request_id="req-1")
    parsed = botocore_parse("query", model.operation_model(operation).output_shape, response)
    assert parsed == output
    assert response.status == 200
    assert f"<{operation}Response xmlns=".encode() in response.body


def test_boto3_reads_results_and_request_ids(wires: dict[str, Wire]) -> None:
    """A real client reads the result and the request id of the answer."""
    wires["sts"].answer = serialize_result(
        STS, "GetCallerIdentity", {"Account": "123456789012"}, request_id="req-7"
    )
    answer = wires["sts"].call("GetCallerIdentity", {})
    assert answer["Account"] == "123456789012"
    assert answer["ResponseMetadata"]["RequestId"] == "req-7"


def test_errors_parse_back_with_botocore(wires: dict[str, Wire]) -> None:
    """``<ErrorResponse>`` carries type, code and message; boto3 raises it as ClientError."""
    error = ServiceError(
        "NoSuchEntity", "The role with name repl cannot be found.", http_status=404
    )
    wires["iam"].answer = serialize_error(IAM, error, request_id="req-2")
    with pytest.raises(ClientError) as raised:
        wires["iam"].call("GetRole", {"RoleName": "repl"})
    response = raised.value.response
    assert response["Error"] == {
        "Type": "Sender",
        "Code": "NoSuchEntity",
        "Message": "The role with name repl cannot be found.",
    }
    assert response["ResponseMetadata"]["RequestId"] == "req-2"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_receiver_faults_say_receiver() -> None:
    """A service-side error is typed ``Receiver``."""
    error = ServiceError("ServiceFailure", "boom", http_status=500, sender_fault=False)
    assert b"<Type>Receiver</Type>" in serialize_error(IAM, error, request_id="r").body


def test_error_fields_and_headers_travel_with_the_error() -> None:
    """Extra error fields sit inside ``<Error>``; extra headers are response headers."""
    error = ServiceError(
        "Throttling", "slow down", fields={"Detail": "rate"}, headers={"Retry-After": "1"}
    )
    response = serialize_error(STS, error, request_id="r")
    parsed = botocore_parse_error(response)
    assert parsed["Error"]["Detail"] == "rate"
    assert response.header("Retry-After") == "1"


def botocore_parse_error(response: Any) -> dict[str, Any]:
    return dict(
        create_parser("query").parse(
            {
                "status_code": response.status,
                "headers": dict(response.headers),
                "body": response.body,
            },
            None,
        )
    )


def test_operations_without_output_refuse_output() -> None:
    """DeleteRole has no output: handing it one is a bug, refused."""
    with pytest.raises(ValueError, match="DeleteRole has no output"):
        serialize_result(IAM, "DeleteRole", {"Colour": "x"}, request_id="r")


def _form(**fields: str) -> HttpRequest:
    body = "&".join(f"{key}={value}" for key, value in fields.items()).encode()
    return HttpRequest(
        method="POST",
        path="/",
        headers=(("content-type", "application/x-www-form-urlencoded"),),
        body=body,
    )


@pytest.mark.parametrize(
    ("request_", "code", "named"),
    [
        (_form(Action="Nope", Version="2010-05-08"), "InvalidAction", "Nope"),
        (_form(Version="2010-05-08"), "MissingAction", "Action"),
        (_form(Action="GetRole", Version="2010-05-08"), "ValidationError", "roleName"),
        (
            _form(
                Action="CreateRole",
                RoleName="r",
                AssumeRolePolicyDocument="{}",
                MaxSessionDuration="long",
            ),
            "InvalidParameterValue",
            "MaxSessionDuration",
        ),
    ],
)
def test_bad_requests_are_service_errors(request_: HttpRequest, code: str, named: str) -> None:
    """Unknown or missing actions, missing members and wrong types name what is wrong."""
    with pytest.raises(ServiceError) as raised:
        parse_request(IAM, request_)
    assert raised.value.code == code
    assert named in raised.value.message
    assert raised.value.http_status == 400


PROJECT_CALLS = [(service, operation) for service, operation, _ in REQUESTS]


@st.composite
def project_calls(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    service, operation = draw(st.sampled_from(PROJECT_CALLS))
    shape = SERVICES[service].operation_model(operation).input_shape
    params = draw(inputs(shape)) if shape is not None else {}
    return service, operation, params


@given(project_calls())
def test_generated_calls_parse_back(call: tuple[str, str, dict[str, Any]]) -> None:
    """Any parameters of these operations, serialised by botocore, parse back."""
    service, operation, params = call
    model = SERVICES[service].operation_model(operation)
    request = serialized_request("query", model, params, f"https://{service}.amazonaws.com")
    assert parse_request(SERVICES[service], request).params == params


@given(
    service=st.sampled_from(sorted(SERVICES)),
    pairs=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "Action",
                    "RoleName",
                    "Tags.member.1.Key",
                    "Tags.member.x",
                    "MaxSessionDuration",
                    "Tags",
                ]
            ),
            st.one_of(
                st.text(max_size=8), st.sampled_from(["CreateRole", "GetRole", "GetCallerIdentity"])
            ),
        ),
        max_size=6,
    ),
    body=st.binary(max_size=40),
)
def test_random_requests_raise_only_service_errors(
    service: str, pairs: list[tuple[str, str]], body: bytes
) -> None:
    """Whatever arrives, parse_request answers with a ParsedRequest or a ServiceError."""
    request = HttpRequest(method="POST", path="/", query=tuple(pairs), body=body)
    status = 400
    try:
        parse_request(SERVICES[service], request)
    except ServiceError as err:
        status = err.http_status
    assert status == 400


@st.composite
def project_results(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    service, operation = draw(st.sampled_from(sorted({(s, o) for s, o, _ in RESULTS})))
    return service, operation, draw(outputs(SERVICES[service].operation_model(operation)))


@given(project_results())
def test_generated_results_parse_back(result: tuple[str, str, dict[str, Any]]) -> None:
    """Any output of these operations reads back through botocore's query parser."""
    service, operation, output = result
    model = SERVICES[service]
    response = serialize_result(model, operation, output, request_id="r")
    shape = model.operation_model(operation).output_shape
    assert botocore_parse("query", shape, response) == output


SNS = other_service("sns")
SNS_OPERATIONS = ["CreateTopic", "Publish", "PublishBatch", "SetTopicAttributes", "Subscribe"]


@st.composite
def sns_calls(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    operation = draw(st.sampled_from(SNS_OPERATIONS))
    return operation, draw(inputs(SNS.operation_model(operation).input_shape))


@given(sns_calls())
def test_maps_and_nested_lists_parse_back(call: tuple[str, dict[str, Any]]) -> None:
    """SNS's maps (``entry.N.key``) of structures with blobs parse back as sent."""
    operation, params = call
    model = SNS.operation_model(operation)
    request = serialized_request("query", model, params, "https://sns.us-east-1.amazonaws.com")
    assert parse_request(SNS, request).params == params


@st.composite
def sns_results(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    operation = draw(st.sampled_from(["GetTopicAttributes", "ListTopics", "PublishBatch"]))
    return operation, draw(outputs(SNS.operation_model(operation)))


@given(sns_results())
def test_result_maps_parse_back(result: tuple[str, dict[str, Any]]) -> None:
    """Maps and lists of structures in results read back through botocore's parser."""
    operation, output = result
    response = serialize_result(SNS, operation, output, request_id="r")
    assert botocore_parse("query", SNS.operation_model(operation).output_shape, response) == output
