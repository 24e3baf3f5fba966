"""S3 bucket operations: creation, listing, deletion, and the bucket's configurations.

Region rules of ``CreateBucket`` live here because they are about the endpoint a request
was signed for (``Caller.region``), which the engine never sees.  Their messages are the
ones AWS returns, as users quote them (aws/aws-cli#4445, tweag/aws-secrets#22); the
region check comes before the existence check, as AWS's does (aws/aws-sdk-php#2696).
Re-creating an owned bucket in us-east-1 answers 200 OK for legacy compatibility (S3 API
reference, ``BucketAlreadyOwnedByYou``).
"""

from __future__ import annotations

import json
from typing import Any

from s3repl import iam
from s3repl.aws._http import Caller, ServiceError
from s3repl.aws._operations._params import Params
from s3repl.aws._operations._state import BackendState, Handler
from s3repl.codec import (
    default_encryption_to_dict,
    object_lock_configuration_to_dict,
    ownership_controls_from_dict,
    ownership_controls_to_dict,
    replication_to_dict,
    versioning_from_dict,
    versioning_to_dict,
)
from s3repl.engine import EPOCH
from s3repl.errors import BucketAlreadyOwnedByYou, S3Error
from s3repl.model import ObjectOwnership
from s3repl.model.names import check_region

__all__ = ["BUCKET_OPERATIONS"]

_US_EAST_1 = "us-east-1"
#: ``EU`` is the legacy spelling of eu-west-1 that S3 still accepts as a constraint.
_LOCATION_ALIASES = {"EU": "eu-west-1"}
_INCOMPATIBLE = (
    "location constraint is incompatible for the region specific endpoint this request was sent to."
)


def _bucket_region(constraint: object, caller: Caller, params: Params) -> str:
    """The region a ``CreateBucket`` puts the bucket in, or the error S3 answers.

    Without a constraint the bucket goes to us-east-1, which only the us-east-1 endpoint
    accepts; ``us-east-1`` itself is never a valid constraint; a constraint sent to
    another region's endpoint must name that region (us-east-1's endpoint takes any).
    """
    if constraint is None or constraint == "":
        if caller.region != _US_EAST_1:
            raise ServiceError(
                "IllegalLocationConstraintException", f"The unspecified {_INCOMPATIBLE}"
            )
        return _US_EAST_1
    if not isinstance(constraint, str):
        raise params.invalid("CreateBucketConfiguration.LocationConstraint", "not a string")
    region = _LOCATION_ALIASES.get(constraint, constraint)
    try:
        check_region(region)
    except S3Error:
        region = ""
    if not region or constraint == _US_EAST_1:
        raise ServiceError(
            "InvalidLocationConstraint", "The specified location-constraint is not valid"
        )
    if caller.region not in (_US_EAST_1, region):
        raise ServiceError(
            "IllegalLocationConstraintException", f"The {constraint} {_INCOMPATIBLE}"
        )
    return region


def _create_bucket(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    name = p.text("Bucket")
    config = p.optional_mapping("CreateBucketConfiguration") or {}
    region = _bucket_region(config.get("LocationConstraint"), caller, p)
    ownership = p.optional_text("ObjectOwnership")
    if ownership is not None and ownership not in {o.value for o in ObjectOwnership}:
        raise p.invalid("ObjectOwnership", f"{ownership!r} is not an Object Ownership setting")
    location = f"/{name}" if region == _US_EAST_1 else f"http://{name}.s3.amazonaws.com/"
    try:
        state.engine.create_bucket(
            name,
            account=caller.account,
            region=region,
            object_lock=p.flag("ObjectLockEnabledForBucket"),
        )
    except BucketAlreadyOwnedByYou:
        existing = state.engine.head_bucket(name)
        if existing.region == _US_EAST_1 == region:
            return {"Location": location}  # legacy: 200 OK in North Virginia
        raise
    state.bucket_created[name] = state.engine.now
    if ownership is not None:
        state.engine.put_bucket_ownership_controls(name, ownership, account=caller.account)
    return {"Location": location}


def _head_bucket(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    bucket = state.engine.head_bucket(p.text("Bucket"), account=caller.account)
    return {"BucketRegion": bucket.region, "AccessPointAlias": False}


def _list_buckets(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    for unmodelled in ("MaxBuckets", "ContinuationToken"):
        if p.has(unmodelled):
            raise ServiceError(
                "NotImplemented",
                f"s3repl does not page ListBuckets ({unmodelled})",
                http_status=501,
            )
    prefix = p.optional_text("Prefix") or ""
    region = p.optional_text("BucketRegion")
    buckets = [
        {
            "Name": bucket.name,
            "CreationDate": state.bucket_created.get(bucket.name, EPOCH),
            "BucketRegion": bucket.region,
        }
        for bucket in state.engine.list_buckets(account=caller.account)
        if bucket.name.startswith(prefix) and region in (None, bucket.region)
    ]
    out: dict[str, Any] = {"Buckets": buckets, "Owner": {"ID": caller.account}}
    if prefix:
        out["Prefix"] = prefix
    return out


def _delete_bucket(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    name = p.text("Bucket")
    state.engine.delete_bucket(name, account=caller.account)
    state.bucket_created.pop(name, None)
    for upload_id in [u.upload_id for u in state.uploads.values() if u.bucket == name]:
        del state.uploads[upload_id]
        state.parts.pop(upload_id, None)
    return {}


def _put_bucket_versioning(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    status = versioning_from_dict(p.mapping("VersioningConfiguration"))
    state.engine.put_bucket_versioning(p.text("Bucket"), status, account=caller.account)
    return {}


def _get_bucket_versioning(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    return versioning_to_dict(
        state.engine.get_bucket_versioning(p.text("Bucket"), account=caller.account)
    )


def _put_bucket_replication(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    state.engine.put_bucket_replication(
        p.text("Bucket"),
        p.mapping("ReplicationConfiguration"),
        token=p.optional_text("Token"),
        account=caller.account,
    )
    return {}


def _get_bucket_replication(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    config = state.engine.get_bucket_replication(p.text("Bucket"), account=caller.account)
    return {"ReplicationConfiguration": replication_to_dict(config)}


def _delete_bucket_replication(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    state.engine.delete_bucket_replication(p.text("Bucket"), account=caller.account)
    return {}


def _put_bucket_policy(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    state.engine.put_bucket_policy(p.text("Bucket"), p.text("Policy"), account=caller.account)
    return {}


def _get_bucket_policy(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    document = state.engine.get_bucket_policy(p.text("Bucket"), account=caller.account)
    return {"Policy": json.dumps(iam.policy_to_dict(document))}


def _delete_bucket_policy(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    state.engine.delete_bucket_policy(p.text("Bucket"), account=caller.account)
    return {}


def _put_bucket_encryption(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    state.engine.put_bucket_encryption(
        p.text("Bucket"), p.mapping("ServerSideEncryptionConfiguration"), account=caller.account
    )
    return {}


def _get_bucket_encryption(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    encryption = state.engine.get_bucket_encryption(p.text("Bucket"), account=caller.account)
    return {"ServerSideEncryptionConfiguration": default_encryption_to_dict(encryption)}


def _put_bucket_ownership_controls(
    state: BackendState, p: Params, caller: Caller
) -> dict[str, Any]:
    ownership = ownership_controls_from_dict(p.mapping("OwnershipControls"))
    state.engine.put_bucket_ownership_controls(p.text("Bucket"), ownership, account=caller.account)
    return {}


def _get_bucket_ownership_controls(
    state: BackendState, p: Params, caller: Caller
) -> dict[str, Any]:
    ownership = state.engine.get_bucket_ownership_controls(p.text("Bucket"), account=caller.account)
    return {"OwnershipControls": ownership_controls_to_dict(ownership)}


def _put_object_lock_configuration(
    state: BackendState, p: Params, caller: Caller
) -> dict[str, Any]:
    state.engine.put_object_lock_configuration(
        p.text("Bucket"), p.mapping("ObjectLockConfiguration"), account=caller.account
    )
    return {}


def _get_object_lock_configuration(
    state: BackendState, p: Params, caller: Caller
) -> dict[str, Any]:
    config = state.engine.get_object_lock_configuration(p.text("Bucket"), account=caller.account)
    return {"ObjectLockConfiguration": object_lock_configuration_to_dict(config)}


def _put_bucket_request_payment(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    payer = p.mapping("RequestPaymentConfiguration").get("Payer")
    if not isinstance(payer, str):
        raise p.invalid("RequestPaymentConfiguration.Payer", "missing required parameter")
    state.engine.put_bucket_request_payment(p.text("Bucket"), payer, account=caller.account)
    return {}


def _put_bucket_notification_configuration(
    state: BackendState, p: Params, caller: Caller
) -> dict[str, Any]:
    state.engine.put_bucket_notification_configuration(
        p.text("Bucket"), p.mapping("NotificationConfiguration"), account=caller.account
    )
    return {}


def _get_bucket_notification_configuration(
    state: BackendState, p: Params, caller: Caller
) -> dict[str, Any]:
    return state.engine.get_bucket_notification_configuration(
        p.text("Bucket"), account=caller.account
    )


BUCKET_OPERATIONS: dict[str, Handler] = {
    "CreateBucket": _create_bucket,
    "HeadBucket": _head_bucket,
    "ListBuckets": _list_buckets,
    "DeleteBucket": _delete_bucket,
    "PutBucketVersioning": _put_bucket_versioning,
    "GetBucketVersioning": _get_bucket_versioning,
    "PutBucketReplication": _put_bucket_replication,
    "GetBucketReplication": _get_bucket_replication,
    "DeleteBucketReplication": _delete_bucket_replication,
    "PutBucketPolicy": _put_bucket_policy,
    "GetBucketPolicy": _get_bucket_policy,
    "DeleteBucketPolicy": _delete_bucket_policy,
    "PutBucketEncryption": _put_bucket_encryption,
    "GetBucketEncryption": _get_bucket_encryption,
    "PutBucketOwnershipControls": _put_bucket_ownership_controls,
    "GetBucketOwnershipControls": _get_bucket_ownership_controls,
    "PutObjectLockConfiguration": _put_object_lock_configuration,
    "GetObjectLockConfiguration": _get_object_lock_configuration,
    "PutBucketRequestPayment": _put_bucket_request_payment,
    "PutBucketNotificationConfiguration": _put_bucket_notification_configuration,
    "GetBucketNotificationConfiguration": _get_bucket_notification_configuration,
}
