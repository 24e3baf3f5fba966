"""Where a request is addressed: which service, who signed it, for which region, its S3 path.

The service is decided by the first signal present, most specific first:

1. the SigV4 credential scope (``Authorization: AWS4-HMAC-SHA256
   Credential=AKID/DATE/REGION/SERVICE/aws4_request, ...``, or a presigned URL's
   ``X-Amz-Credential``) names the service and the region;
2. ``X-Amz-Target: TrentService.*`` is KMS (the JSON protocol);
3. a form body with ``Action`` and ``Version`` is IAM (``2010-05-08``) or STS
   (``2011-06-15``) (the query protocol);
4. the host name: ``iam.amazonaws.com``, ``sts.*``, ``kms.*``;
5. anything else is S3.

Signatures are never verified (the engine has no secrets); only the *shape* of an
authorization header is checked, and a malformed one is refused as S3 would.

Virtual-hosted-style S3 requests (``bucket.s3.amazonaws.com``,
``bucket.s3.REGION.amazonaws.com``, ``bucket.s3-REGION.amazonaws.com``,
``bucket.s3.dualstack.REGION.amazonaws.com``, and ``bucket.localhost:PORT`` for the
server) are rewritten to path style, so everything below sees one shape.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

import attrs

from s3repl.aws._http import HttpRequest, ServiceError

__all__ = ["SERVICES", "Route", "route"]

#: The services the gateway answers.
SERVICES = ("s3", "iam", "kms", "sts", "s3control")

_SIGV4 = "AWS4-HMAC-SHA256"
_QUERY_VERSIONS = {"2010-05-08": "iam", "2011-06-15": "sts"}
_SCOPE = re.compile(
    r"(?P<akid>[^/\s]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)/aws4_request"
)
_VIRTUAL_AWS = re.compile(
    r"(?P<bucket>.+)\.s3(?:[.-]dualstack)?(?:[.-](?P<region>[a-z0-9-]+))?"
    r"\.amazonaws\.com(?:\.cn)?"
)
_VIRTUAL_LOCAL = re.compile(r"(?P<bucket>.+)\.localhost")


@attrs.frozen(kw_only=True)
class Route:
    """Where a request goes.

    Attributes:
        service: ``"s3"``, ``"iam"``, ``"kms"`` or ``"sts"``.
        region: the region of the credential scope (``"us-east-1"`` when unsigned).
        access_key_id: the access key id that signed it (``None`` when unsigned).
        request: the request, S3 requests rewritten to path style.
    """

    service: str
    region: str
    access_key_id: str | None
    request: HttpRequest


def _malformed(message: str) -> ServiceError:
    return ServiceError(code="AuthorizationHeaderMalformed", message=message)


def _scope_of(credential: str, where: str) -> tuple[str, str, str]:
    """``(access key id, region, service)`` of a credential scope, or a 400."""
    match = _SCOPE.fullmatch(credential.strip())
    if match is None:
        msg = (
            f"The {where} credential is malformed; expecting "
            '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'
        )
        raise _malformed(msg)
    return match["akid"], match["region"], match["service"]


def _signature(request: HttpRequest) -> tuple[str, str, str] | tuple[str, None, None] | None:
    """Who signed the request, from its authorization header or presigned query.

    ``(akid, region, service)`` for SigV4, ``(akid, None, None)`` for SigV2, ``None``
    when it is unsigned.
    """
    header = request.header("authorization")
    if header is not None:
        scheme, _, rest = header.strip().partition(" ")
        if scheme == _SIGV4:
            fields = dict(
                part.strip().partition("=")[::2] for part in rest.split(",") if part.strip()
            )
            if not {"Credential", "SignedHeaders", "Signature"} <= fields.keys():
                msg = (
                    "The authorization header is malformed; it must name Credential, "
                    "SignedHeaders and Signature."
                )
                raise _malformed(msg)
            return _scope_of(fields["Credential"], "authorization header")
        if scheme == "AWS":  # Signature Version 2: "AWS AKID:signature"
            akid, colon, signature = rest.partition(":")
            if not (akid and colon and signature):
                msg = 'The authorization header is malformed; expecting "AWS AKID:Signature".'
                raise ServiceError(
                    code="InvalidArgument", message=msg, fields={"ArgumentName": "Authorization"}
                )
            return akid, None, None
        msg = "Unsupported Authorization Type"
        raise ServiceError(
            code="InvalidArgument",
            message=msg,
            fields={"ArgumentName": "Authorization", "ArgumentValue": header[:64]},
        )
    credential = request.query_value("X-Amz-Credential")
    if credential is not None:
        algorithm = request.query_value("X-Amz-Algorithm")
        if algorithm != _SIGV4:
            msg = 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"'
            raise ServiceError(code="AuthorizationQueryParametersError", message=msg)
        return _scope_of(credential, "X-Amz-Credential")
    access_key = request.query_value("AWSAccessKeyId")  # presigned, Signature Version 2
    if access_key:
        return access_key, None, None
    return None


def _form_service(request: HttpRequest) -> str | None:
    """IAM or STS when the body is a query-protocol form naming its ``Version``."""
    if request.method != "POST" or not request.body:
        return None
    content_type = request.header("content-type", "") or ""
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return None
    try:
        form = dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return None
    if "Action" not in form:
        return None
    return _QUERY_VERSIONS.get(form.get("Version", ""))


def _host_name(request: HttpRequest) -> str:
    host = request.host or request.header("host", "") or ""
    if host.startswith("["):  # an IPv6 literal keeps its colons
        return host.partition("]")[0] + "]"
    return host.rpartition(":")[0] if ":" in host else host


def _host_service(host: str) -> str | None:
    if host in ("iam.amazonaws.com", "iam.us-gov.amazonaws.com", "iam.cn-north-1.amazonaws.com.cn"):
        return "iam"
    for name in ("sts", "kms"):
        if host == f"{name}.amazonaws.com" or host.startswith(f"{name}."):
            return name
    return None


def _s3_control(request: HttpRequest, host: str) -> bool:
    """Whether an S3-signed request is S3 Control's (``<account>.s3-control.<region>...``).

    Without such a host (a local server), its ``/v20180820/`` path and the
    ``x-amz-account-id`` header every S3 Control operation sends tell it apart.
    """
    if ".s3-control." in f".{host}":
        return True
    return request.path.startswith("/v20180820/") and bool(request.header("x-amz-account-id"))


def _path_style(request: HttpRequest, host: str) -> HttpRequest:
    """The S3 request in path style (``/bucket/key``)."""
    match = _VIRTUAL_AWS.fullmatch(host) or _VIRTUAL_LOCAL.fullmatch(host)
    if match is None:
        return request
    bucket = match["bucket"]
    path = request.path if request.path.startswith("/") else "/" + request.path
    path = f"/{bucket}" if path == "/" else f"/{bucket}{path}"
    return attrs.evolve(request, path=path)


def route(request: HttpRequest) -> Route:
    """Decide where ``request`` goes (see the module docstring).

    Raises:
        ServiceError: the authorization header or presigned parameters are malformed
            (``AuthorizationHeaderMalformed``, ``InvalidArgument``,
            ``AuthorizationQueryParametersError``), or the credential scope names a
            service that is not modelled (``NotImplemented``, 501).
    """
    signature = _signature(request)
    akid, region, service = signature if signature is not None else (None, None, None)
    host = _host_name(request)
    if service is None:
        target = request.header("x-amz-target", "") or ""
        if target.startswith("TrentService."):
            service = "kms"
        else:
            service = _form_service(request) or _host_service(host) or "s3"
    if service == "s3" and _s3_control(request, host):
        service = "s3control"  # S3 Control signs as "s3"; its host and path tell it apart
    if service not in SERVICES:
        msg = f"The service {service!r} is not modelled; s3repl answers {', '.join(SERVICES)}."
        raise ServiceError(code="NotImplemented", message=msg, http_status=501)
    path_request = _path_style(request, host) if service == "s3" else request
    return Route(
        service=service,
        region=region or "us-east-1",
        access_key_id=akid,
        request=path_request,
    )
