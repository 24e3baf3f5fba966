"""Requirement findings: what AWS accepts but objects will fail on (R-127, R-158).

Findings are the rows of ``s3repl.policy.CHECKS`` whose condition does not hold for an
enabled rule and its destination (``s3repl.policy.unmet_checks``): the same rows apply
time walks, judged by the same function (``s3repl.policy.judge``).  This module only
puts each one into words.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

from s3repl.model import Bucket, FailureReason
from s3repl.policy import CHECKS, Cause, Condition, Unmet, unmet_checks
from s3repl.validate._configuration import _rules
from s3repl.validate._values import (
    ConfigurationInput,
    Finding,
    SupportsSnapshot,
    _world_of,
    as_configuration,
)
from s3repl.world import World

# --- check_requirements ---------------------------------------------------------------------------


def check_requirements(
    world_or_engine: World | SupportsSnapshot,
    bucket: str,
    config: ConfigurationInput | None = None,
) -> tuple[Finding, ...]:
    """What would make objects fail under ``bucket``'s stored replication configuration.

    AWS accepts these at configuration time and fails objects later (see the module
    docstring); only enabled rules count (R-065).

    Args:
        world_or_engine: a :class:`~s3repl.world.World`, or anything whose
            ``snapshot()`` returns one (such as the engine).
        bucket: the source bucket's name.
        config: a configuration to judge instead of the stored one (a model value,
            boto3's dict or the XML document, as ``Engine.put_bucket_replication``
            takes it); ``None`` judges the bucket's stored configuration.

    Returns:
        Every finding, configuration and role first, then destinations, then rules;
        each distinct finding once.

    Raises:
        TypeError: when ``world_or_engine`` is neither a World nor has ``snapshot()``.
        S3Error: ``config`` does not decode (``MalformedXML``, R-045).
    """
    world = _world_of(world_or_engine)
    source = world.bucket(bucket)
    if source is None:
        message = f"Source bucket {bucket} does not exist"
        return (_source_finding(Condition.SOURCE_EXISTS, message),)
    config = source.replication if config is None else as_configuration(config)
    if config is None:
        message = f"Bucket {bucket} has no replication configuration"
        return (_source_finding(Condition.SOURCE_CONFIGURED, message),)
    rules = tuple(at.rule for at in _rules(config) if at.rule.is_enabled)
    unmet = unmet_checks(world, source, config.role, rules)
    return _first_of_each(_finding(world, source, config.role, each) for each in unmet)


def _source_finding(condition: Condition, message: str) -> Finding:
    """The finding of the source stage's row of ``condition`` (``CHECKS``, R-127).

    The findings' door: ``unmet_checks`` is handed a source with a configuration.
    """
    (row,) = (check for check in CHECKS if check.condition is condition)
    assert row.reason is not None  # only the outage row has none, and it is not asked
    return Finding(requirement=row.requirement, failure_reason=row.reason, message=message)


def _first_of_each(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Each distinct finding once, attributed to the first rule it was found for."""
    kept: dict[tuple[str, FailureReason, str, str | None], Finding] = {}
    for finding in findings:
        key = (
            finding.requirement,
            finding.failure_reason,
            finding.message,
            finding.destination_bucket,
        )
        kept.setdefault(key, finding)
    return tuple(kept.values())


def _finding(world: World, source: Bucket, role_arn: str, unmet: Unmet) -> Finding:
    """The finding for a row of ``CHECKS`` that does not hold: its fault, in words.

    A source-side permission fails every destination alike, so it names no destination.
    """
    check, fault = unmet.check, unmet.fault
    need = check.need
    about_source = need is not None and not need.on_destination
    return Finding(
        requirement=fault.requirement,
        failure_reason=check.reason,
        message=_message(world, source, role_arn, unmet),
        rule_id=None if unmet.rule is None else unmet.rule.id or None,
        destination_bucket=None if about_source else unmet.destination,
    )


def _message(world: World, source: Bucket, role_arn: str, unmet: Unmet) -> str:
    """What a finding says about ``unmet`` (INF: our own wording throughout)."""
    fault, name = unmet.fault, unmet.destination or ""
    cause = fault.cause
    if cause is Cause.ROLE_MISSING:
        return f"Role {role_arn} does not exist, so S3 cannot assume it"
    if cause is Cause.ROLE_UNTRUSTED:
        return (
            f"The trust policy of role {role_arn} does not allow s3.amazonaws.com to call "
            "sts:AssumeRole"
        )
    if cause is Cause.DESTINATION_MISSING:
        return f"Destination bucket {name} does not exist"
    if cause is Cause.DESTINATION_UNVERSIONED:
        dest = world.buckets[name]
        return f"Destination bucket {name} has versioning {dest.versioning.value}, not Enabled"
    if cause is Cause.REGION_NOT_ENABLED:
        return (
            f"Account {fault.account} has not enabled the Region {fault.region}, which "
            f"replication from {source.name} to {name} needs"
        )
    if cause is Cause.REQUESTER_PAYS_ACROSS_ACCOUNTS:
        return (
            f"Destination bucket {name} of account {fault.account} is Requester Pays, which a "
            "cross-account destination cannot be"
        )
    if cause is Cause.DESTINATION_UNLOCKED:
        return (
            f"Source bucket {source.name} has Object Lock enabled but destination bucket "
            f"{name} does not"
        )
    if cause is Cause.BUCKET_POLICY_DENIES:
        return (
            f"The bucket policy of {fault.bucket} explicitly denies role {role_arn} "
            f"{fault.action} on {fault.resource}: replicas are written without their tags"
        )
    if cause is Cause.SSE_C_BLOCKED:
        return (
            f"Destination bucket {name} blocks SSE-C (BlockedEncryptionTypes), so S3 refuses "
            f"the replicas of SSE-C objects from {source.name}"
        )
    if cause in _KEY_MESSAGES:
        return _KEY_MESSAGES[cause].format(fault=fault, role=role_arn, dest=world.buckets[name])
    need = unmet.check.need
    assert need is not None  # the rest are permission rows
    consequence = need.consequence_under(world.profile)
    if cause is Cause.BUCKET_POLICY_REFUSES:
        return (
            f"The bucket policy of {fault.bucket} (account {fault.account}) does not let "
            f"role {role_arn} use {fault.action} on {fault.resource}: {consequence}"
        )
    return f"Role {role_arn} is not allowed {fault.action} on {fault.resource}: {consequence}"


#: R-027, R-014: what a finding says about the replica's KMS key.
_KEY_MESSAGES = MappingProxyType(
    {
        Cause.KEY_MISSING: "KMS key {fault.resource} does not exist",
        Cause.KEY_IN_OTHER_REGION: (
            "KMS key {fault.resource} is in {fault.region}, not in the destination's "
            "Region {dest.region}"
        ),
        Cause.KEY_DISABLED: "KMS key {fault.resource} is disabled",
        Cause.KEY_PENDING_DELETION: "KMS key {fault.resource} is pending deletion",
        Cause.KEY_NOT_PERMITTED: (
            "Role {role} is not allowed {fault.action} with KMS key {fault.resource}"
        ),
    }
)
