"""Small stand-ins for the protocol layer and the operations, for gateway and mock tests.

They answer S3's ``ListBuckets`` and STS's ``GetCallerIdentity`` with the real wire
shapes (so botocore parses them), echo the caller, and fail on demand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from s3repl.aws import Caller, HttpRequest, HttpResponse, ServiceError
from s3repl.aws._gateway import plain_s3_error


@attrs.frozen(kw_only=True)
class Parsed:
    operation: str
    params: Mapping[str, Any]


class FakeProtocol:
    """Decides the operation from the method and path; answers in S3 / query XML."""

    def __init__(self) -> None:
        self.parsed: list[tuple[str, HttpRequest]] = []

    def load_service(self, name: str) -> str:
        return name

    def parse_request(self, service: str, request: HttpRequest) -> Parsed:
        self.parsed.append((service, request))
        if request.path == "/_boom":
            msg = "the parser fell over"
            raise RuntimeError(msg)
        if service == "sts":
            return Parsed(operation="GetCallerIdentity", params={})
        if request.method == "GET" and request.path == "/":
            return Parsed(operation="ListBuckets", params={})
        if request.method == "PUT" and request.path.count("/") == 1:
            return Parsed(operation="CreateBucket", params={"Bucket": request.path[1:]})
        if request.method == "GET" and request.path.count("/") >= 2:
            bucket, _, key = request.path[1:].partition("/")
            return Parsed(operation="GetObject", params={"Bucket": bucket, "Key": key})
        msg = "MalformedXML"
        raise ServiceError(msg, "The XML you provided was not well-formed.")

    def serialize_result(
        self, service: str, operation: str, output: Mapping[str, Any], *, request_id: str
    ) -> HttpResponse:
        if operation == "GetCallerIdentity":
            body = (
                "<GetCallerIdentityResponse><GetCallerIdentityResult>"
                f"<Account>{output['Account']}</Account><Arn>{output['Arn']}</Arn>"
                f"<UserId>{output['UserId']}</UserId></GetCallerIdentityResult>"
                f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
                "</GetCallerIdentityResponse>"
            ).encode()
            return HttpResponse(status=200, headers=(("x-amzn-RequestId", request_id),), body=body)
        if operation == "ListBuckets":
            names = "".join(
                f"<Bucket><Name>{name}</Name>"
                "<CreationDate>2024-01-01T00:00:00.000Z</CreationDate></Bucket>"
                for name in output["Buckets"]
            )
            body = (
                "<ListAllMyBucketsResult><Owner><ID>o</ID></Owner>"
                f"<Buckets>{names}</Buckets></ListAllMyBucketsResult>"
            ).encode()
            return HttpResponse(status=200, headers=(("x-amz-request-id", request_id),), body=body)
        return HttpResponse(status=200, headers=(("x-amz-request-id", request_id),))

    def serialize_error(
        self, service: str, error: ServiceError, *, request_id: str, method: str = "GET"
    ) -> HttpResponse:
        return plain_s3_error(error, request_id=request_id, method=method)


class FakeBackend:
    """Creates buckets in the engine, lists them, and records who called."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.callers: list[Caller] = []

    def call(
        self, service: str, operation: str, params: Mapping[str, Any], caller: Caller
    ) -> Mapping[str, Any]:
        self.callers.append(caller)
        if operation == "GetCallerIdentity":
            return {
                "Account": caller.account,
                "Arn": f"arn:aws:iam::{caller.account}:root",
                "UserId": caller.account,
            }
        if operation == "CreateBucket":
            self.engine.create_bucket(params["Bucket"], account=caller.account)
            return {}
        if operation == "ListBuckets":
            return {"Buckets": sorted(self.engine.snapshot().buckets)}
        if operation == "GetObject":
            msg = "NoSuchKey"
            raise ServiceError(
                msg,
                "The specified key does not exist.",
                http_status=404,
                fields={"Key": params["Key"]},
            )
        raise AssertionError(operation)


def fake_gateway(engine: Any, **options: Any) -> Any:
    from s3repl.aws import Gateway

    protocol = FakeProtocol()
    backend = FakeBackend(engine)
    return Gateway(engine, protocol=protocol, backend=backend, **options)
