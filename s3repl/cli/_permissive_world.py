"""The permissive world: the world ``s3repl check`` uses when no world file is given.

It is built from the configuration itself, so that only the configuration can fail:
see :func:`permissive_world`.
"""

from __future__ import annotations

from typing import Any

from s3repl import iam
from s3repl.errors import S3Error
from s3repl.model import (
    DEFAULT_ACCOUNT,
    KmsKeyArn,
    Partition,
    ReplicationConfiguration,
    ReplicationRule,
    RoleArn,
)
from s3repl.model.names import check_account_id, check_bucket_name

__all__ = ["is_valid_bucket_name", "permissive_world"]

#: The region the permissive world puts buckets in, per partition.
_HOME_REGION = {
    Partition.AWS: "us-east-1",
    Partition.AWS_CN: "cn-north-1",
    Partition.AWS_US_GOV: "us-gov-west-1",
}


def _partition_of_arn(text: str) -> Partition:
    parts = text.split(":")
    try:
        return Partition(parts[1]) if len(parts) > 1 else Partition.AWS
    except ValueError:
        return Partition.AWS


def _valid_account(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_account_id(value)
    except (S3Error, ValueError):
        return None


def is_valid_bucket_name(name: str) -> bool:
    """Whether ``name`` is a bucket name S3 accepts."""
    try:
        check_bucket_name(name)
    except (S3Error, ValueError):
        return False
    return True


def _replica_key(rule: ReplicationRule) -> KmsKeyArn | None:
    """The rule's replica KMS key, when it is a key ARN the world can hold."""
    encryption = rule.destination.encryption_configuration
    if encryption is None or encryption.replica_kms_key_id is None:
        return None
    try:
        arn = KmsKeyArn.parse(encryption.replica_kms_key_id)
    except (S3Error, ValueError):
        return None
    return None if arn.is_alias else arn


def permissive_world(config: ReplicationConfiguration, bucket: str) -> dict[str, Any]:
    """Describe (in the world-file format) a world where only the configuration can fail.

    The source bucket exists, versioned, owned by the role's account (the default
    account ``123456789012`` when the role ARN is not valid), in the home region of
    the role's partition (``us-east-1`` for ``aws``).  Every destination the
    configuration names exists, versioned, owned by its rule's ``Account`` (or the
    source's owner), in the region of its rule's replica KMS key if there is one,
    else in the home region of its ARN's partition; destinations of another account
    carry the bucket policy of R-012.  The role exists, is trusted by S3 and allows
    every replication action; every replica KMS key exists and lets the role use it.
    Names that are not valid (a bad ARN, a bad bucket name) are left out, so that
    validation reports them.

    Args:
        config: the configuration to check.
        bucket: the source bucket's name.

    Returns:
        a world description for :func:`s3repl._worldfile.load_world`.
    """
    role = config.role
    role_arn: RoleArn | None
    try:
        role_arn = RoleArn.parse(role)
    except (S3Error, ValueError):
        role_arn = None
    source_partition = role_arn.partition if role_arn is not None else Partition.AWS
    source_owner = role_arn.account if role_arn is not None else DEFAULT_ACCOUNT
    principal = role if role_arn is not None else source_owner
    accounts: dict[str, None] = {}
    keys: dict[str, dict[str, Any]] = {}
    buckets: dict[str, dict[str, Any]] = {
        bucket: {
            "name": bucket,
            "account": source_owner,
            "region": _HOME_REGION[source_partition],
            "versioning": "Enabled",
        }
    }
    for rule in config.rules:
        name = rule.destination.bucket_name
        key = _replica_key(rule)
        if key is not None and str(key) not in keys:
            keys[str(key)] = {"arn": str(key), "policy": _key_policy(principal)}
        if name in buckets or not is_valid_bucket_name(name):
            continue
        owner = _valid_account(rule.destination.account) or source_owner
        partition = _partition_of_arn(rule.destination.bucket)
        region = key.region if key is not None else _HOME_REGION[partition]
        entry: dict[str, Any] = {
            "name": name,
            "account": owner,
            "region": region,
            "versioning": "Enabled",
        }
        if owner != source_owner:
            accounts[owner] = None
            entry["policy"] = iam.policy_to_dict(
                iam.destination_bucket_policy(name, principal=principal, partition=partition.value)
            )
        buckets[name] = entry
    world: dict[str, Any] = {
        "accounts": [{"id": account} for account in accounts],
        "kms_keys": list(keys.values()),
        "buckets": list(buckets.values()),
    }
    if role_arn is not None:
        world["roles"] = [{"arn": role, "policy": None, "trusted": True}]
    return world


def _key_policy(principal: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReplicationRoleMayUseTheKey",
                "Effect": "Allow",
                "Principal": {"AWS": principal},
                "Action": list(iam.REPLICATION_KMS_ACTIONS),
                "Resource": "*",
            }
        ],
    }
