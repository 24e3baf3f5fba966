"""Findings about the world that ``check_requirements`` does not make yet.

To move into validate's checks once its split lands: these functions read only a
:class:`~s3repl.world.World` and return :class:`~s3repl.validate.Finding` values (or,
for what changes costs but not replication, :class:`Note` values), whatever file format
described the world.  They live here for now because ``s3repl.validate`` is being split
into a package; each names its SPEC requirement.

- :func:`kms_objects_without_opt_in` (R-067, R-109): the source bucket encrypts new
  objects with SSE-KMS or DSSE-KMS, by default encryption or because its bucket policy
  refuses puts without it, and an enabled rule has no
  ``SourceSelectionCriteria.SseKmsEncryptedObjects``: those objects are never eligible,
  so nothing (or nothing KMS-encrypted) replicates under that rule, and no replication
  status says so.  ``ReplicaKmsKeyID`` alone does not opt in.
- :func:`storage_class_notes` (R-089): a destination storage class other than
  ``STANDARD`` stores replicas in a class with other prices, minimum storage durations
  and retrieval fees; informational.
"""

from __future__ import annotations

import attrs

from s3repl.iam import Effect, PolicyDocument
from s3repl.model import FailureReason, StorageClass
from s3repl.policy import kms_opt_in
from s3repl.validate import Finding
from s3repl.world import World

__all__ = ["Note", "kms_objects_without_opt_in", "storage_class_notes"]

_SSE_KEY = "s3:x-amz-server-side-encryption"
_KMS_VALUES = ("aws:kms", "aws:kms:dsse")
#: Classes that bill differently from STANDARD (minimum duration, retrieval, or both).
_COST_NOTES = {
    StorageClass.STANDARD_IA: "30-day minimum storage and per-GB retrieval fees",
    StorageClass.ONEZONE_IA: "one Availability Zone, 30-day minimum and retrieval fees",
    StorageClass.INTELLIGENT_TIERING: "a monitoring fee per object",
    StorageClass.GLACIER_IR: "90-day minimum storage and retrieval fees",
    StorageClass.GLACIER: "90-day minimum, restores before reading, retrieval fees",
    StorageClass.DEEP_ARCHIVE: "180-day minimum, restores of hours before reading",
    StorageClass.REDUCED_REDUNDANCY: "a deprecated class, priced above STANDARD",
}


@attrs.frozen(kw_only=True)
class Note:
    """Something worth knowing that does not stop replication (informational).

    Attributes:
        requirement: the SPEC requirement, e.g. ``"R-089"``.
        code: a short name for it, e.g. ``"StorageClass:GLACIER"``.
        message: what it means.
        rule_id: the rule's ``ID``, if it has one.
        destination_bucket: the destination concerned.
    """

    requirement: str
    code: str
    message: str
    rule_id: str | None = None
    destination_bucket: str | None = None


def _policy_requires_kms(policy: PolicyDocument | None) -> bool:
    """Whether a bucket policy conditions puts on SSE-KMS (the usual "deny unless KMS")."""
    if policy is None:
        return False
    for statement in policy.statements:
        for condition in statement.conditions:
            if condition.key.lower() != _SSE_KEY:
                continue
            named = any(value in _KMS_VALUES for value in condition.values)
            negated = "Not" in condition.operator
            if named and ((statement.effect is Effect.DENY) == negated):
                return True
    return False


def kms_objects_without_opt_in(world: World, bucket: str) -> tuple[Finding, ...]:
    """R-067: KMS-encrypted objects under enabled rules without the SSE-KMS opt-in.

    Args:
        world: the world, with ``bucket``'s replication configuration in place.
        bucket: the source bucket.

    Returns:
        one finding per enabled rule without the opt-in, when the bucket's objects are
        KMS-encrypted by default encryption or by its bucket policy (else none).
    """
    source = world.bucket(bucket)
    if source is None or source.replication is None:
        return ()
    default = source.default_encryption
    if default.sse_algorithm.uses_kms:
        key = f" with key {default.kms_master_key_id}" if default.kms_master_key_id else ""
        why = (
            f"Bucket {bucket} encrypts every new object with {default.sse_algorithm.value}"
            f"{key} by default"
        )
        scope = "none of its objects replicate"
    elif _policy_requires_kms(world.bucket_policies.get(bucket)):
        why = f"The bucket policy of {bucket} makes puts use SSE-KMS"
        scope = "objects put with SSE-KMS do not replicate"
    else:
        return ()
    findings = []
    for rule in source.replication.rules:
        if not rule.is_enabled or kms_opt_in(rule):
            continue
        encryption = rule.destination.encryption_configuration
        replica_key = (
            " (ReplicaKmsKeyID alone does not opt in)"
            if encryption is not None and encryption.replica_kms_key_id
            else ""
        )
        findings.append(
            Finding(
                requirement="R-067",
                failure_reason=FailureReason.SRC_OBJECT_NOT_ELIGIBLE,
                message=(
                    f"{why}, and the rule has no SourceSelectionCriteria.SseKmsEncryptedObjects "
                    f"with Status Enabled{replica_key}: {scope} to "
                    f"{rule.destination.bucket_name}, and no replication status says so"
                ),
                rule_id=rule.id or None,
                destination_bucket=rule.destination.bucket_name,
            )
        )
    return tuple(findings)


def storage_class_notes(world: World, bucket: str) -> tuple[Note, ...]:
    """R-089: destination storage classes that change what replicas cost.

    Args:
        world: the world, with ``bucket``'s replication configuration in place.
        bucket: the source bucket.

    Returns:
        one note per enabled rule whose ``Destination.StorageClass`` bills differently.
    """
    source = world.bucket(bucket)
    if source is None or source.replication is None:
        return ()
    notes = []
    for rule in source.replication.rules:
        klass = rule.destination.storage_class
        if not rule.is_enabled or klass is None or klass not in _COST_NOTES:
            continue
        notes.append(
            Note(
                requirement="R-089",
                code=f"StorageClass:{klass.value}",
                message=(
                    f"Replicas in {rule.destination.bucket_name} are stored as {klass.value} "
                    f"({_COST_NOTES[klass]}), not in the source object's class"
                ),
                rule_id=rule.id or None,
                destination_bucket=rule.destination.bucket_name,
            )
        )
    return tuple(notes)
