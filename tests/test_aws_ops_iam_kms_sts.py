"""AwsBackend's IAM, KMS and STS operations, with each service's own error codes.

Expected codes are from the IAM, KMS and STS API references (NoSuchEntity 404,
EntityAlreadyExists 409, MalformedPolicyDocument 400, DeleteConflict 409,
NotFoundException, KMSInvalidStateException, ValidationException).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from s3repl import Engine, iam
from s3repl.aws import Caller, ServiceError
from s3repl.aws._operations import AwsBackend

OWNER = "123456789012"
OTHER = "210987654321"
ME = Caller(account=OWNER)


def _trust(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
            ],
        }
    )


_ALLOW_GET = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "S", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)


@pytest.fixture
def backend() -> AwsBackend:
    return AwsBackend(Engine(seed=5))


def _call(
    backend: AwsBackend, service: str, operation: str, caller: Caller = ME, **params: Any
) -> dict[str, Any]:
    return backend.call(service, operation, params, caller)


def _error(
    backend: AwsBackend, service: str, operation: str, caller: Caller = ME, **params: Any
) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        backend.call(service, operation, params, caller)
    return caught.value


# --- IAM ---------------------------------------------------------------------------------


def test_create_role_names_the_callers_account_and_path(backend: AwsBackend) -> None:
    """CreateRole: ARN arn:aws:iam::<caller>:role<Path><RoleName>, an AROA id, the document."""
    trust = _trust("s3.amazonaws.com")
    role = _call(
        backend,
        "iam",
        "CreateRole",
        RoleName="repl",
        Path="/service/",
        AssumeRolePolicyDocument=trust,
    )["Role"]
    assert role["Arn"] == f"arn:aws:iam::{OWNER}:role/service/repl"
    assert (role["RoleName"], role["Path"], role["AssumeRolePolicyDocument"]) == (
        "repl",
        "/service/",
        trust,
    )
    assert role["RoleId"].startswith("AROA")
    assert len(role["RoleId"]) == 21
    assert "MaxSessionDuration" not in role  # only GetRole answers it, as IAM
    got = _call(backend, "iam", "GetRole", RoleName="repl")["Role"]
    assert got == {**role, "MaxSessionDuration": 3600, "RoleLastUsed": {}}


def test_max_session_duration_is_one_to_twelve_hours(backend: AwsBackend) -> None:
    """CreateRole keeps MaxSessionDuration (3600..43200 s) and GetRole answers it."""
    trust = _trust("s3.amazonaws.com")
    _call(
        backend,
        "iam",
        "CreateRole",
        RoleName="long",
        AssumeRolePolicyDocument=trust,
        MaxSessionDuration=43200,
    )
    assert _call(backend, "iam", "GetRole", RoleName="long")["Role"]["MaxSessionDuration"] == 43200
    for seconds, bound in ((3599, "greater than or equal to 3600"), (43201, "less than")):
        error = _error(
            backend,
            "iam",
            "CreateRole",
            RoleName="bad",
            AssumeRolePolicyDocument=trust,
            MaxSessionDuration=seconds,
        )
        assert (error.code, error.http_status) == ("ValidationError", 400)
        assert bound in error.message
    assert _error(backend, "iam", "GetRole", RoleName="bad").code == "NoSuchEntity"


def test_create_role_trust_decides_whether_s3_may_assume_it(backend: AwsBackend) -> None:
    """A role is trusted by S3 iff its trust policy lets s3.amazonaws.com assume it (R-006)."""
    _call(
        backend,
        "iam",
        "CreateRole",
        RoleName="s3",
        AssumeRolePolicyDocument=_trust("s3.amazonaws.com"),
    )
    _call(
        backend,
        "iam",
        "CreateRole",
        RoleName="ec2",
        AssumeRolePolicyDocument=_trust("ec2.amazonaws.com"),
    )
    engine = backend.engine
    trusted = engine.get_role(f"arn:aws:iam::{OWNER}:role/s3").trust_policy
    untrusted = engine.get_role(f"arn:aws:iam::{OWNER}:role/ec2").trust_policy
    assert iam.can_assume(trusted)
    assert not iam.can_assume(untrusted)


def test_create_role_errors(backend: AwsBackend) -> None:
    """Duplicate name: EntityAlreadyExists 409; bad document: MalformedPolicyDocument 400."""
    trust = _trust("s3.amazonaws.com")
    _call(backend, "iam", "CreateRole", RoleName="r", AssumeRolePolicyDocument=trust)
    again = _error(backend, "iam", "CreateRole", RoleName="r", AssumeRolePolicyDocument=trust)
    assert (again.code, again.http_status) == ("EntityAlreadyExists", 409)
    bad = _error(backend, "iam", "CreateRole", RoleName="x", AssumeRolePolicyDocument="{")
    assert (bad.code, bad.http_status) == ("MalformedPolicyDocument", 400)
    name = _error(backend, "iam", "CreateRole", RoleName="bad name", AssumeRolePolicyDocument=trust)
    assert (name.code, name.http_status) == ("ValidationError", 400)
    assert _error(backend, "iam", "GetRole", RoleName="x").code == "NoSuchEntity"


def test_get_role_of_a_missing_role(backend: AwsBackend) -> None:
    """GetRole on a missing role: NoSuchEntity (404) with IAM's message."""
    error = _error(backend, "iam", "GetRole", RoleName="ghost")
    assert (error.code, error.http_status, error.message) == (
        "NoSuchEntity",
        404,
        "The role with name ghost cannot be found.",
    )


def test_roles_are_per_account(backend: AwsBackend) -> None:
    """The same role name in two accounts names two roles."""
    trust = _trust("s3.amazonaws.com")
    _call(backend, "iam", "CreateRole", RoleName="r", AssumeRolePolicyDocument=trust)
    theirs = _call(
        backend,
        "iam",
        "CreateRole",
        Caller(account=OTHER),
        RoleName="r",
        AssumeRolePolicyDocument=trust,
    )
    assert theirs["Role"]["Arn"] == f"arn:aws:iam::{OTHER}:role/r"


def test_inline_policies_become_the_roles_permissions(backend: AwsBackend) -> None:
    """PutRolePolicy grants (R-155); DeleteRolePolicy takes it back; no policies: no permission."""
    trust = _trust("s3.amazonaws.com")
    _call(backend, "iam", "CreateRole", RoleName="r", AssumeRolePolicyDocument=trust)
    arn = f"arn:aws:iam::{OWNER}:role/r"
    role = backend.engine.get_role(arn)
    request = iam.Request(principal=arn, action="s3:GetObject", resource="arn:aws:s3:::b/k")
    assert not iam.is_allowed((role.policy,), request)
    _call(
        backend, "iam", "PutRolePolicy", RoleName="r", PolicyName="get", PolicyDocument=_ALLOW_GET
    )
    _call(
        backend, "iam", "PutRolePolicy", RoleName="r", PolicyName="again", PolicyDocument=_ALLOW_GET
    )
    assert iam.is_allowed((backend.engine.get_role(arn).policy,), request)
    _call(backend, "iam", "DeleteRolePolicy", RoleName="r", PolicyName="get")
    _call(backend, "iam", "DeleteRolePolicy", RoleName="r", PolicyName="again")
    assert not iam.is_allowed((backend.engine.get_role(arn).policy,), request)


def test_role_policy_errors(backend: AwsBackend) -> None:
    """Bad policy: MalformedPolicyDocument; unknown policy: NoSuchEntity; in use: DeleteConflict."""
    _call(
        backend,
        "iam",
        "CreateRole",
        RoleName="r",
        AssumeRolePolicyDocument=_trust("s3.amazonaws.com"),
    )
    bad = _error(
        backend, "iam", "PutRolePolicy", RoleName="r", PolicyName="p", PolicyDocument='{"x": 1}'
    )
    assert (bad.code, bad.http_status) == ("MalformedPolicyDocument", 400)
    missing = _error(backend, "iam", "DeleteRolePolicy", RoleName="r", PolicyName="p")
    assert (missing.code, missing.http_status) == ("NoSuchEntity", 404)
    _call(backend, "iam", "PutRolePolicy", RoleName="r", PolicyName="p", PolicyDocument=_ALLOW_GET)
    conflict = _error(backend, "iam", "DeleteRole", RoleName="r")
    assert (conflict.code, conflict.http_status) == ("DeleteConflict", 409)
    _call(backend, "iam", "DeleteRolePolicy", RoleName="r", PolicyName="p")
    assert _call(backend, "iam", "DeleteRole", RoleName="r") == {}
    assert _error(backend, "iam", "GetRole", RoleName="r").code == "NoSuchEntity"


def test_roles_made_through_the_engine_are_visible(backend: AwsBackend) -> None:
    """A role the engine API created (path /) answers GetRole and DeleteRole."""
    backend.engine.create_role(f"arn:aws:iam::{OWNER}:role/direct")
    assert _call(backend, "iam", "GetRole", RoleName="direct")["Role"]["Path"] == "/"
    _call(backend, "iam", "DeleteRole", RoleName="direct")
    assert _error(backend, "iam", "GetRole", RoleName="direct").code == "NoSuchEntity"


# --- KMS ---------------------------------------------------------------------------------------


def test_create_key_in_the_callers_region(backend: AwsBackend) -> None:
    """CreateKey: a symmetric customer key in the caller's region and account, Enabled."""
    caller = Caller(account=OWNER, region="eu-west-1")
    meta = _call(backend, "kms", "CreateKey", caller, Description="repl")["KeyMetadata"]
    assert meta["Arn"] == f"arn:aws:kms:eu-west-1:{OWNER}:key/{meta['KeyId']}"
    assert (meta["AWSAccountId"], meta["KeyState"], meta["Enabled"]) == (OWNER, "Enabled", True)
    assert (meta["KeySpec"], meta["KeyUsage"], meta["Description"]) == (
        "SYMMETRIC_DEFAULT",
        "ENCRYPT_DECRYPT",
        "repl",
    )
    by_id = _call(backend, "kms", "DescribeKey", caller, KeyId=meta["KeyId"])["KeyMetadata"]
    assert by_id == meta


def test_create_key_with_a_malformed_policy(backend: AwsBackend) -> None:
    """A key policy that is not JSON: MalformedPolicyDocumentException (400), no key made."""
    error = _error(backend, "kms", "CreateKey", Policy="not json")
    assert (error.code, error.http_status) == ("MalformedPolicyDocumentException", 400)
    assert backend.engine.snapshot().kms_keys.to_dict() == {}


def test_create_role_with_a_bad_path(backend: AwsBackend) -> None:
    """A Path that does not start and end with '/' is a ValidationError (400)."""
    error = _error(
        backend,
        "iam",
        "CreateRole",
        RoleName="r",
        Path="service",
        AssumeRolePolicyDocument=_trust("s3.amazonaws.com"),
    )
    assert (error.code, error.http_status) == ("ValidationError", 400)


def test_asymmetric_keys_are_not_implemented(backend: AwsBackend) -> None:
    """A key spec s3repl does not model is NotImplemented (501), not a symmetric key."""
    error = _error(backend, "kms", "CreateKey", KeySpec="RSA_2048")
    assert (error.code, error.http_status) == ("NotImplemented", 501)


def test_key_states(backend: AwsBackend) -> None:
    """DisableKey, EnableKey, ScheduleKeyDeletion move KeyState; pending deletion is final."""
    arn = _call(backend, "kms", "CreateKey")["KeyMetadata"]["Arn"]
    _call(backend, "kms", "DisableKey", KeyId=arn)
    assert _call(backend, "kms", "DescribeKey", KeyId=arn)["KeyMetadata"]["KeyState"] == "Disabled"
    _call(backend, "kms", "EnableKey", KeyId=arn)
    assert _call(backend, "kms", "DescribeKey", KeyId=arn)["KeyMetadata"]["KeyState"] == "Enabled"
    out = _call(backend, "kms", "ScheduleKeyDeletion", KeyId=arn, PendingWindowInDays=7)
    assert (out["KeyId"], out["KeyState"], out["PendingWindowInDays"]) == (
        arn,
        "PendingDeletion",
        7,
    )
    meta = _call(backend, "kms", "DescribeKey", KeyId=arn)["KeyMetadata"]
    assert (meta["KeyState"], meta["Enabled"], meta["DeletionDate"]) == (
        "PendingDeletion",
        False,
        out["DeletionDate"],
    )
    error = _error(backend, "kms", "EnableKey", KeyId=arn)
    assert (error.code, error.http_status) == ("KMSInvalidStateException", 400)


def test_schedule_key_deletion_window_is_7_to_30_days(backend: AwsBackend) -> None:
    """PendingWindowInDays outside 7..30: ValidationException; the key stays Enabled."""
    arn = _call(backend, "kms", "CreateKey")["KeyMetadata"]["Arn"]
    error = _error(backend, "kms", "ScheduleKeyDeletion", KeyId=arn, PendingWindowInDays=6)
    assert (error.code, error.http_status) == ("ValidationException", 400)
    assert _call(backend, "kms", "DescribeKey", KeyId=arn)["KeyMetadata"]["KeyState"] == "Enabled"


def test_missing_keys_are_not_found(backend: AwsBackend) -> None:
    """DescribeKey / DisableKey of an unknown key: NotFoundException (400)."""
    for operation in ("DescribeKey", "DisableKey"):
        error = _error(backend, "kms", operation, KeyId="1234abcd-12ab-34cd-56ef-1234567890ab")
        assert (error.code, error.http_status) == ("NotFoundException", 400)


def test_another_accounts_key_is_refused(backend: AwsBackend) -> None:
    """Managing another account's key by ARN: AccessDeniedException."""
    arn = _call(backend, "kms", "CreateKey")["KeyMetadata"]["Arn"]
    error = _error(backend, "kms", "DisableKey", Caller(account=OTHER), KeyId=arn)
    assert error.code == "AccessDeniedException"


def test_put_object_with_a_kms_key_answers_the_key(backend: AwsBackend) -> None:
    """PutObject with SSE-KMS echoes ServerSideEncryption aws:kms and the key's ARN."""
    _call(backend, "s3", "CreateBucket", Bucket="enc")
    arn = _call(backend, "kms", "CreateKey")["KeyMetadata"]["Arn"]
    out = _call(
        backend,
        "s3",
        "PutObject",
        Bucket="enc",
        Key="k",
        ServerSideEncryption="aws:kms",
        SSEKMSKeyId=arn,
    )
    assert (out["ServerSideEncryption"], out["SSEKMSKeyId"]) == ("aws:kms", arn)
    head = _call(backend, "s3", "HeadObject", Bucket="enc", Key="k")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", arn)


# --- STS ---------------------------------------------------------------------------------------


def test_get_caller_identity_is_the_callers_account(backend: AwsBackend) -> None:
    """GetCallerIdentity: Account is the caller's, as its root user."""
    out = _call(backend, "sts", "GetCallerIdentity", Caller(account=OTHER))
    assert out == {"UserId": OTHER, "Account": OTHER, "Arn": f"arn:aws:iam::{OTHER}:root"}


def test_unknown_services_and_operations_are_not_implemented(backend: AwsBackend) -> None:
    """Anything unmodelled, in any service: NotImplemented (501)."""
    for service, operation in (("iam", "ListRoles"), ("kms", "Encrypt"), ("sqs", "SendMessage")):
        error = _error(backend, service, operation)
        assert (error.code, error.http_status) == ("NotImplemented", 501)
