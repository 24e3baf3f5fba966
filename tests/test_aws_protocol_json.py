"""The JSON protocol layer (KMS) is the counterpart of botocore's: botocore is the oracle."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
from typing import Any

import pytest
from aws_wire import (
    MILLISECOND_TIMESTAMPS,
    Wire,
    botocore_parse,
    inputs,
    other_service,
    outputs,
    serialized_request,
)
from botocore.exceptions import ClientError
from botocore.model import Shape
from hypothesis import given
from hypothesis import strategies as st

from s3repl.aws import HttpRequest, ServiceError
from s3repl.aws._protocol import load_service, parse_request, serialize_error, serialize_result
from s3repl.aws._protocol._values import BadValue, format_scalar, parse_scalar

KMS = load_service("kms")
ENDPOINT = "https://kms.us-east-1.amazonaws.com"
NOW = dt.datetime(2026, 12, 7, 16, 0, 0, tzinfo=dt.UTC)
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
METADATA = {
    "AWSAccountId": "123456789012",
    "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
    "Arn": KEY_ARN,
    "CreationDate": NOW,
    "Enabled": True,
    "Description": "replica key",
    "KeyUsage": "ENCRYPT_DECRYPT",
    "KeyState": "Enabled",
    "Origin": "AWS_KMS",
    "KeyManager": "CUSTOMER",
    "KeySpec": "SYMMETRIC_DEFAULT",
    "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
    "MultiRegion": False,
}

REQUESTS: list[tuple[str, dict[str, Any]]] = [
    (
        "CreateKey",
        {
            "Description": "replica key",
            "KeyUsage": "ENCRYPT_DECRYPT",
            "KeySpec": "SYMMETRIC_DEFAULT",
            "Policy": '{"Version":"2012-10-17","Statement":[]}',
            "Tags": [{"TagKey": "team", "TagValue": "x"}],
            "MultiRegion": False,
        },
    ),
    ("CreateKey", {}),
    ("DescribeKey", {"KeyId": KEY_ARN, "GrantTokens": ["t1", "t2"]}),
    ("DisableKey", {"KeyId": KEY_ARN}),
    ("EnableKey", {"KeyId": "alias/repl"}),
    ("ScheduleKeyDeletion", {"KeyId": KEY_ARN, "PendingWindowInDays": 7}),
    (
        "Encrypt",
        {"KeyId": KEY_ARN, "Plaintext": b"\x00secret\xff", "EncryptionContext": {"a": "b"}},
    ),
]


@pytest.fixture(scope="module")
def wire() -> Wire:
    return Wire("kms")


@pytest.mark.parametrize(("operation", "params"), REQUESTS)
def test_boto3_requests_parse_back_to_the_call(
    wire: Wire, operation: str, params: dict[str, Any]
) -> None:
    """What boto3 sends for a call parses to that call's operation and parameters."""
    request = wire.request_of(operation, params)
    assert request.header("x-amz-target") == f"TrentService.{operation}"
    parsed = parse_request(KMS, request)
    assert parsed.operation == operation
    assert parsed.params == params


RESULTS: list[tuple[str, dict[str, Any]]] = [
    ("CreateKey", {"KeyMetadata": METADATA}),
    (
        "DescribeKey",
        {"KeyMetadata": {**METADATA, "DeletionDate": NOW.replace(microsecond=250000)}},
    ),
    ("DisableKey", {}),
    ("EnableKey", {}),
    (
        "ScheduleKeyDeletion",
        {
            "KeyId": KEY_ARN,
            "DeletionDate": NOW,
            "KeyState": "PendingDeletion",
            "PendingWindowInDays": 7,
        },
    ),
    (
        "Encrypt",
        {
            "CiphertextBlob": b"\x01\x02\xff",
            "KeyId": KEY_ARN,
            "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
        },
    ),
]


@pytest.mark.parametrize(("operation", "output"), RESULTS)
def test_results_parse_back_with_botocore(operation: str, output: dict[str, Any]) -> None:
    """botocore's JSON parser reads ``serialize_result``'s answer as the output given."""
    response = serialize_result(KMS, operation, output, request_id="req-1")
    parsed = botocore_parse("json", KMS.operation_model(operation).output_shape, response)
    assert parsed == output
    assert response.header("x-amzn-RequestId") == "req-1"


AUTOSCALING = other_service("application-autoscaling")


def _autoscaling(operation: str, document: dict[str, Any]) -> HttpRequest:
    target = f"AnyScaleFrontendService.{operation}"
    body = json.dumps(document).encode()
    return HttpRequest(method="POST", path="/", headers=(("x-amz-target", target),), body=body)


SCHEDULE = {
    "ServiceNamespace": "ecs",
    "ScheduledActionName": "a",
    "ResourceId": "r",
    "ScalableDimension": "ecs:service:DesiredCount",
}
POLICY = {
    "PolicyName": "p",
    "ServiceNamespace": "ecs",
    "ResourceId": "r",
    "ScalableDimension": "ecs:service:DesiredCount",
}


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        (int(NOW.timestamp()), NOW),
        (NOW.timestamp() + 0.5, NOW.replace(microsecond=500000)),
        ("2026-12-07T16:00:00Z", NOW),
    ],
)
def test_timestamps_read_from_numbers_and_text(sent: Any, read: dt.datetime) -> None:
    """A JSON timestamp is epoch seconds, whole or not, or ISO 8601 text."""
    request = _autoscaling("PutScheduledAction", {**SCHEDULE, "StartTime": sent})
    assert parse_request(AUTOSCALING, request).params["StartTime"] == read


@pytest.mark.parametrize(("sent", "read"), [(3, 3.0), (2.5, 2.5), ("Infinity", math.inf)])
def test_doubles_read_from_numbers_and_words(sent: Any, read: float) -> None:
    """A double is any JSON number, or one of the words for the infinities and NaN."""
    configuration = {"TargetValue": sent}
    request = _autoscaling(
        "PutScalingPolicy", {**POLICY, "TargetTrackingScalingPolicyConfiguration": configuration}
    )
    params = parse_request(AUTOSCALING, request).params
    assert params["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == read


@pytest.mark.parametrize(
    ("operation", "document", "named"),
    [
        ("PutScheduledAction", {**SCHEDULE, "StartTime": True}, "StartTime"),
        ("PutScheduledAction", {**SCHEDULE, "StartTime": "someday"}, "StartTime"),
        ("PutScheduledAction", {**SCHEDULE, "StartTime": 1e300}, "StartTime"),
        (
            "PutScalingPolicy",
            {**POLICY, "TargetTrackingScalingPolicyConfiguration": {"TargetValue": "x"}},
            "TargetValue",
        ),
        (
            "PutScalingPolicy",
            {**POLICY, "TargetTrackingScalingPolicyConfiguration": {"TargetValue": False}},
            "TargetValue",
        ),
    ],
)
def test_wrong_numbers_and_times_are_serialization_errors(
    operation: str, document: dict[str, Any], named: str
) -> None:
    """Booleans, words and out-of-range numbers where times or doubles belong are refused."""
    with pytest.raises(ServiceError) as raised:
        parse_request(AUTOSCALING, _autoscaling(operation, document))
    assert raised.value.code == "SerializationException"
    assert named in raised.value.message


def test_infinite_doubles_read_back_as_floats() -> None:
    """botocore reads an infinite double back as a float."""
    output = {
        "ScalingPolicies": [
            {
                **POLICY,
                "PolicyARN": "arn",
                "PolicyType": "TargetTrackingScaling",
                "CreationTime": NOW,
                "TargetTrackingScalingPolicyConfiguration": {"TargetValue": -math.inf},
            }
        ]
    }
    response = serialize_result(AUTOSCALING, "DescribeScalingPolicies", output, request_id="r")
    parsed = botocore_parse(
        "json", AUTOSCALING.operation_model("DescribeScalingPolicies").output_shape, response
    )
    assert parsed == output


def test_outputs_are_checked_against_the_shape() -> None:
    """An output member the shape lacks, or an output where there is none, is refused."""
    with pytest.raises(ValueError, match="Colour"):
        serialize_result(KMS, "CreateKey", {"KeyMetadata": {"Colour": "x"}}, request_id="r")
    with pytest.raises(ValueError, match="DisableKey has no output"):
        serialize_result(KMS, "DisableKey", {"Colour": "x"}, request_id="r")


def test_timestamps_are_epoch_seconds() -> None:
    """JSON timestamps travel as epoch seconds, as KMS sends them."""
    response = serialize_result(
        KMS, "CreateKey", {"KeyMetadata": {"KeyId": "k", "CreationDate": NOW}}, request_id="r"
    )
    assert json.loads(response.body)["KeyMetadata"]["CreationDate"] == NOW.timestamp()


def test_errors_parse_back_through_boto3(wire: Wire) -> None:
    """``__type`` and ``message`` reach boto3 as the error's code and message."""
    error = ServiceError("NotFoundException", f"Key '{KEY_ARN}' does not exist", http_status=400)
    response = serialize_error(KMS, error, request_id="req-3")
    assert response.header("x-amzn-ErrorType") == "NotFoundException"
    wire.answer = response
    with pytest.raises(ClientError) as raised:
        wire.call("DescribeKey", {"KeyId": KEY_ARN})
    assert raised.value.response["Error"]["Code"] == "NotFoundException"
    assert raised.value.response["Error"]["Message"] == f"Key '{KEY_ARN}' does not exist"
    assert raised.value.response["ResponseMetadata"]["RequestId"] == "req-3"


def _call(target: str, body: bytes) -> HttpRequest:
    return HttpRequest(method="POST", path="/", headers=(("x-amz-target", target),), body=body)


@pytest.mark.parametrize(
    ("request_", "code", "named"),
    [
        (_call("TrentService.Nope", b"{}"), "UnknownOperationException", "TrentService.Nope"),
        (_call("Other.CreateKey", b"{}"), "UnknownOperationException", "Other.CreateKey"),
        (_call("", b"{}"), "UnknownOperationException", "(none)"),
        (_call("TrentService.CreateKey", b"{nope"), "SerializationException", "JSON"),
        (_call("TrentService.CreateKey", b"[]"), "SerializationException", "object"),
        (_call("TrentService.CreateKey", b"[" * 100_000), "SerializationException", "JSON"),
        (
            _call("TrentService.CreateKey", b'{"MultiRegion": "yes"}'),
            "SerializationException",
            "MultiRegion",
        ),
        (
            _call(
                "TrentService.ScheduleKeyDeletion", b'{"KeyId": "k", "PendingWindowInDays": 7.5}'
            ),
            "SerializationException",
            "PendingWindowInDays",
        ),
        (
            _call("TrentService.Encrypt", b'{"KeyId": "k", "Plaintext": "***"}'),
            "SerializationException",
            "Plaintext",
        ),
        (_call("TrentService.DescribeKey", b"{}"), "ValidationException", "keyId"),
        (_call("TrentService.CreateKey", b'{"Tags": {}}'), "SerializationException", "Tags"),
        (
            _call("TrentService.Encrypt", b'{"KeyId": "k", "EncryptionContext": []}'),
            "SerializationException",
            "EncryptionContext",
        ),
        (_call("TrentService.DescribeKey", b'{"KeyId": 5}'), "SerializationException", "KeyId"),
        (
            _call("TrentService.Encrypt", b'{"KeyId": "k", "Plaintext": 5}'),
            "SerializationException",
            "Plaintext",
        ),
    ],
)
def test_bad_requests_are_service_errors(request_: HttpRequest, code: str, named: str) -> None:
    """Unknown targets, bad JSON, wrong types and missing members name what is wrong."""
    with pytest.raises(ServiceError) as raised:
        parse_request(KMS, request_)
    assert raised.value.code == code
    assert named in raised.value.message


@st.composite
def project_calls(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    operation = draw(st.sampled_from([operation for operation, _ in REQUESTS]))
    return operation, draw(inputs(KMS.operation_model(operation).input_shape))


@given(project_calls())
def test_generated_calls_parse_back(call: tuple[str, dict[str, Any]]) -> None:
    """Any parameters of these operations, serialised by botocore, parse back."""
    operation, params = call
    request = serialized_request("json", KMS.operation_model(operation), params, ENDPOINT)
    assert parse_request(KMS, request).params == params


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["KeyId", "Tags", "Plaintext", "PendingWindowInDays", "x"]),
            children,
            max_size=3,
        )
    ),
    max_leaves=8,
)


@given(
    target=st.sampled_from(
        ["TrentService.CreateKey", "TrentService.Encrypt", "TrentService.ScheduleKeyDeletion", "x"]
    ),
    body=st.one_of(
        st.binary(max_size=30), JSON_VALUES.map(lambda value: json.dumps(value).encode())
    ),
)
def test_random_requests_raise_only_service_errors(target: str, body: bytes) -> None:
    """Whatever arrives, parse_request answers with a ParsedRequest or a ServiceError."""
    status = 400
    try:
        parse_request(KMS, _call(target, body))
    except ServiceError as err:
        status = err.http_status
    assert status == 400


@st.composite
def project_results(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    operation = draw(st.sampled_from(sorted({operation for operation, _ in RESULTS})))
    model = KMS.operation_model(operation)
    return operation, draw(outputs(model, timestamps=MILLISECOND_TIMESTAMPS))


@given(project_results())
def test_generated_results_parse_back(result: tuple[str, dict[str, Any]]) -> None:
    """Any output of these operations reads back through botocore's JSON parser."""
    operation, output = result
    response = serialize_result(KMS, operation, output, request_id="r")
    assert botocore_parse("json", KMS.operation_model(operation).output_shape, response) == output


#: Other JSON services' operations with features KMS lacks: maps, nested unions and
#: blobs (DynamoDB), doubles (Application Auto Scaling).
OTHER_CALLS = [
    ("dynamodb", "PutItem"),
    ("dynamodb", "Query"),
    ("dynamodb", "UpdateTable"),
    ("dynamodb", "BatchWriteItem"),
    ("application-autoscaling", "PutScalingPolicy"),
]
OTHER_RESULTS = [
    ("dynamodb", "GetItem"),
    ("dynamodb", "DescribeTable"),
    ("dynamodb", "Query"),
    ("application-autoscaling", "DescribeScalingPolicies"),
]


@st.composite
def other_calls(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    service, operation = draw(st.sampled_from(OTHER_CALLS))
    shape = other_service(service).operation_model(operation).input_shape
    return service, operation, draw(inputs(shape, timestamps=MILLISECOND_TIMESTAMPS, depth_max=1))


@given(other_calls())
def test_other_json_features_parse_back(call: tuple[str, str, dict[str, Any]]) -> None:
    """Maps, blobs, doubles, booleans and nested values parse back as sent."""
    service, operation, params = call
    model = other_service(service).operation_model(operation)
    request = serialized_request(
        "json", model, params, f"https://{service}.us-east-1.amazonaws.com"
    )
    assert parse_request(other_service(service), request).params == params


@st.composite
def other_results(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    service, operation = draw(st.sampled_from(OTHER_RESULTS))
    model = other_service(service).operation_model(operation)
    return service, operation, draw(outputs(model, timestamps=MILLISECOND_TIMESTAMPS, depth_max=1))


@given(other_results())
def test_other_json_results_parse_back(result: tuple[str, str, dict[str, Any]]) -> None:
    """Maps, blobs, doubles and timestamps in results read back through botocore's parser."""
    service, operation, output = result
    model = other_service(service)
    response = serialize_result(model, operation, output, request_id="r")
    shape = model.operation_model(operation).output_shape
    assert botocore_parse("json", shape, response) == output


# ------------------------------------------------------------------------ scalars
# The scalar spellings every protocol shares (s3repl.aws._protocol._values).


def _shape(type_name: str, **serialization: Any) -> Shape:
    model: dict[str, Any] = {"type": type_name, **serialization}
    return Shape("Scalar", model)


@pytest.mark.parametrize(
    ("type_name", "text", "value"),
    [
        ("integer", "42", 42),
        ("long", "-7", -7),
        ("boolean", "true", True),
        ("boolean", "FALSE", False),
        ("double", "1.5", 1.5),
        ("double", "Infinity", math.inf),
        ("double", "-Infinity", -math.inf),
        ("timestamp", "2026-12-07T16:00:00Z", NOW),
        ("timestamp", "2026-12-07T16:00:00.250Z", NOW.replace(microsecond=250000)),
        ("timestamp", "2026-12-07T17:00:00+01:00", NOW),
        ("timestamp", "Mon, 07 Dec 2026 16:00:00 GMT", NOW),
        ("timestamp", str(int(NOW.timestamp())), NOW),
        ("timestamp", f"{int(NOW.timestamp())}.5", NOW.replace(microsecond=500000)),
        ("blob", "aGk=", b"hi"),
        ("string", " spaced ", " spaced "),
    ],
)
def test_scalars_parse_from_every_spelling(type_name: str, text: str, value: Any) -> None:
    """Each type reads from its wire spellings; timestamps from all three formats."""
    assert parse_scalar(_shape(type_name), text) == value


def test_nan_parses() -> None:
    """``NaN`` is a double."""
    assert math.isnan(parse_scalar(_shape("double"), "NaN"))


def test_json_value_strings_carry_base64_json() -> None:
    """A ``jsonvalue`` string travels as base64 JSON, both ways."""
    shape = _shape("string", jsonvalue=True)
    text = format_scalar(shape, {"a": [1, 2]}, timestamp_format="rfc822")
    assert base64.b64decode(text) == b'{"a":[1,2]}'
    assert parse_scalar(shape, text) == {"a": [1, 2]}


@pytest.mark.parametrize(
    ("type_name", "text", "kind"),
    [
        ("integer", "4x", "integer"),
        ("integer", "1_000", "integer"),
        ("integer", "9" * 5000, "integer"),
        ("boolean", "yes", "boolean"),
        ("double", "one", "number"),
        ("timestamp", "someday", "timestamp"),
        ("timestamp", "2026-13-01T00:00:00Z", "timestamp"),
        ("timestamp", "9" * 400, "timestamp"),
        ("blob", "***", "base64 value"),
        ("blob", "é", "base64 value"),
        ("map", "x", "map"),
    ],
)
def test_bad_scalars_name_what_was_expected(type_name: str, text: str, kind: str) -> None:
    """Text that does not fit its type is refused, saying what was expected."""
    with pytest.raises(BadValue) as raised:
        parse_scalar(_shape(type_name), text)
    assert (raised.value.kind, raised.value.text) == (kind, text)


def test_bad_json_value_is_refused() -> None:
    """A ``jsonvalue`` that is not base64 JSON is refused."""
    with pytest.raises(BadValue):
        parse_scalar(_shape("string", jsonvalue=True), "bm90IGpzb24=")


@pytest.mark.parametrize(
    ("type_name", "value", "timestamp_format", "text"),
    [
        ("double", math.nan, "iso8601", "NaN"),
        ("double", math.inf, "iso8601", "Infinity"),
        ("double", -math.inf, "iso8601", "-Infinity"),
        ("float", 1.5, "iso8601", "1.5"),
        ("blob", b"hi", "iso8601", "aGk="),
        ("blob", "hi", "iso8601", "aGk="),
        ("boolean", False, "iso8601", "false"),
        ("timestamp", NOW, "iso8601", "2026-12-07T16:00:00.000Z"),
        ("timestamp", NOW.replace(microsecond=1), "iso8601", "2026-12-07T16:00:00.000001Z"),
        ("timestamp", NOW.replace(tzinfo=None), "iso8601", "2026-12-07T16:00:00.000Z"),
        ("timestamp", NOW, "rfc822", "Mon, 07 Dec 2026 16:00:00 GMT"),
        ("timestamp", NOW, "unixtimestamp", str(int(NOW.timestamp()))),
        ("timestamp", int(NOW.timestamp()), "iso8601", "2026-12-07T16:00:00.000Z"),
        ("timestamp", "2026-12-07T16:00:00Z", "rfc822", "Mon, 07 Dec 2026 16:00:00 GMT"),
    ],
)
def test_scalars_format_as_the_wire_spells_them(
    type_name: str, value: Any, timestamp_format: str, text: str
) -> None:
    """Each type writes in its wire spelling, timestamps in the location's format."""
    shape = _shape(type_name)
    assert format_scalar(shape, value, timestamp_format=timestamp_format) == text


def test_shape_timestamp_format_wins_over_the_location() -> None:
    """A shape's own ``timestampFormat`` overrides the location's default."""
    shape = _shape("timestamp", timestampFormat="unixtimestamp")
    assert format_scalar(shape, NOW, timestamp_format="iso8601") == str(int(NOW.timestamp()))
