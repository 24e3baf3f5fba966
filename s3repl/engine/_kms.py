"""Which KMS key a write is encrypted under, and whether KMS lets it (SSE-KMS, R-014).

Why a module of its own: the object writes (``_objects``) resolve a key in a few lines
and leave the rules here: the AWS managed key ``aws/s3`` when none is named, and the
errors S3 passes on from KMS for a key that cannot encrypt.
"""

from __future__ import annotations

from collections.abc import Mapping

from s3repl.errors import KMSDisabledException, KMSInvalidStateException
from s3repl.model.names import AWS_S3_MANAGED_KEY_ALIAS, aws_managed_key_arn
from s3repl.world import KmsKey, find_kms_key

__all__: list[str] = []


def write_key(
    keys: Mapping[str, KmsKey], key_id: str | None, caller: str, region: str, bucket: str
) -> str:
    """The key an SSE-KMS write named ``key_id`` encrypts under, checked usable.

    No key id, or the alias ``aws/s3``, is the caller's AWS managed key in the bucket's
    Region (the alias resolves in the requester's account, as KMS aliases do).

    Args:
        keys: the engine's customer-managed keys.
        key_id: the key id the request names, if any.
        caller: the writing account.
        region: the bucket's Region.
        bucket: the bucket's name (for the error).

    Raises:
        KMSDisabledException: the key is disabled (``KMS.DisabledException``, 400).
        KMSInvalidStateException: the key is pending deletion.
    """
    if (
        key_id is None
        or key_id == AWS_S3_MANAGED_KEY_ALIAS
        or key_id.endswith(f":{AWS_S3_MANAGED_KEY_ALIAS}")
    ):
        return aws_managed_key_arn(caller, region)
    check_usable(keys, key_id, bucket)
    return key_id


def check_usable(keys: Mapping[str, KmsKey], key_id: str, bucket: str) -> None:
    """Refuse a write under a key KMS would not encrypt with (disabled, pending deletion).

    A key id this engine does not know is taken as given (customer keys of other
    worlds, aliases), as before.

    Raises:
        KMSDisabledException: the key is disabled.
        KMSInvalidStateException: the key is pending deletion.
    """
    key = find_kms_key(keys, key_id)
    if key is None:
        return
    if key.pending_deletion:
        msg = f"{key_id} is pending deletion."
        raise KMSInvalidStateException(msg, bucket_name=bucket)
    if not key.enabled:
        msg = f"{key_id} is disabled."
        raise KMSDisabledException(msg, bucket_name=bucket)
