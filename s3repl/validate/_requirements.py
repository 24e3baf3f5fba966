"""Requirement findings: what AWS accepts but objects will fail on (R-127, R-158).

Permission findings read the permission rows of ``s3repl.policy.CHECKS`` through
``permission_needs``, the same rows apply time walks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from s3repl import iam
from s3repl.model import (
    Bucket,
    FailureReason,
    ReplicationRule,
)
from s3repl.policy import (
    kms_opt_in,
    object_arn,
    permission_decision,
    permission_needs,
)
from s3repl.validate._configuration import (
    _At,
    _disabled_regions,
    _rules,
)
from s3repl.validate._values import (
    ConfigurationInput,
    Finding,
    SupportsSnapshot,
    _world_of,
    as_configuration,
)
from s3repl.world import Role, World

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
        return (
            Finding(
                requirement="R-127",
                failure_reason=FailureReason.SRC_BUCKET_NOT_FOUND,
                message=f"Source bucket {bucket} does not exist",
            ),
        )
    config = source.replication if config is None else as_configuration(config)
    if config is None:
        return (
            Finding(
                requirement="R-127",
                failure_reason=FailureReason.SRC_BUCKET_REPLICATION_CONFIG_MISSING,
                message=f"Bucket {bucket} has no replication configuration",
            ),
        )
    enabled = tuple(at for at in _rules(config) if at.rule.is_enabled)
    findings: list[Finding] = []
    role = _assumable_role(world, config.role, findings)
    destinations: dict[str, Bucket | None] = {}
    for at in enabled:
        name = at.rule.destination.bucket_name
        if name not in destinations:
            destinations[name] = _destination_findings(world, source, at, findings)
    if role is not None:
        for at in enabled:
            dest = destinations[at.rule.destination.bucket_name]
            if dest is not None:
                _permission_findings(world, source, dest, role, at, findings)
    return _first_of_each(findings)


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


def _assumable_role(world: World, role_arn: str, findings: list[Finding]) -> Role | None:
    """R-006: the role exists and trusts ``s3.amazonaws.com``; else a finding and ``None``."""
    role = world.roles.get(role_arn)
    if role is None:
        message = f"Role {role_arn} does not exist, so S3 cannot assume it"
    elif not iam.can_assume(role.trust_policy):
        message = (
            f"The trust policy of role {role_arn} does not allow s3.amazonaws.com to call "
            "sts:AssumeRole"
        )
    else:
        return role
    findings.append(
        Finding(
            requirement="R-006",
            failure_reason=FailureReason.ASSUME_ROLE_NOT_PERMITTED,
            message=message,
        )
    )
    return None


def _destination_findings(
    world: World, source: Bucket, at: _At, findings: list[Finding]
) -> Bucket | None:
    """R-005, R-001/R-013 (R-176), R-009 for one destination; the bucket if it exists."""
    name = at.rule.destination.bucket_name
    rule_id = at.rule.id or None

    def add(requirement: str, reason: FailureReason, message: str) -> None:
        findings.append(
            Finding(
                requirement=requirement,
                failure_reason=reason,
                message=message,
                rule_id=rule_id,
                destination_bucket=name,
            )
        )

    dest = world.bucket(name)
    if dest is None:
        add(
            "R-005", FailureReason.DST_BUCKET_NOT_FOUND, f"Destination bucket {name} does not exist"
        )
        return None
    if not dest.is_versioned:
        add(
            "R-005",
            FailureReason.DST_BUCKET_UNVERSIONED,
            f"Destination bucket {name} has versioning {dest.versioning.value}, not Enabled",
        )
    for account, region in _disabled_regions(world, source, dest):
        add(
            "R-001",
            FailureReason.UNSUPPORTED_DESTINATION,
            f"Account {account} has not enabled the Region {region}, which replication "
            f"from {source.name} to {name} needs",
        )
    if dest.requester_pays and dest.owner != source.owner:
        add(
            "R-013",
            FailureReason.UNSUPPORTED_DESTINATION,
            f"Destination bucket {name} of account {dest.owner} is Requester Pays, which a "
            "cross-account destination cannot be",
        )
    if source.object_lock_enabled and not dest.object_lock_enabled:
        add(
            "R-009",
            FailureReason.DST_BUCKET_OBJECT_LOCK_CONFIG_MISSING,
            f"Source bucket {source.name} has Object Lock enabled but destination bucket "
            f"{name} does not",
        )
    return dest


def _permission_findings(
    world: World, source: Bucket, dest: Bucket, role: Role, at: _At, findings: list[Finding]
) -> None:
    """R-155/R-158, R-010, R-012, R-157 and R-014/R-027 for one enabled rule."""
    rule = at.rule
    pattern = f"{rule.key_prefix}*"

    def add(
        requirement: str, reason: FailureReason, message: str, *, about_source: bool = False
    ) -> None:
        # A source-side permission fails every destination alike: no destination named.
        findings.append(
            Finding(
                requirement=requirement,
                failure_reason=reason,
                message=message,
                rule_id=rule.id or None,
                destination_bucket=None if about_source else dest.name,
            )
        )

    for need in permission_needs(world, source, dest, rule):
        target = dest if need.on_destination else source
        resource = object_arn(target, pattern)
        if permission_decision(world, role, need.action, resource) is iam.Decision.ALLOW:
            continue
        consequence = need.consequence_under(world.profile)
        if _identity_allows(role, need.action, resource):
            # The role's own policy allows: the bucket's side refuses.  Across accounts
            # that is R-012 (the owner must grant); in one account an explicit deny.
            requirement = "R-012" if target.owner != role.account else need.requirement
            message = (
                f"The bucket policy of {target.name} (account {target.owner}) does not let "
                f"role {role.arn} use {need.action} on {resource}: {consequence}"
            )
        else:
            requirement = need.requirement
            message = f"Role {role.arn} is not allowed {need.action} on {resource}: {consequence}"
        add(requirement, need.reason, message, about_source=not need.on_destination)
    resource = object_arn(dest, pattern)
    if _bucket_policy_denies(world, role, dest, "s3:ReplicateTags", resource):
        add(
            "R-157",
            FailureReason.DST_PUT_TAGGING_NOT_PERMITTED,
            f"The bucket policy of {dest.name} explicitly denies role {role.arn} "
            f"s3:ReplicateTags on {resource}: replicas are written without their tags",
        )
    _kms_findings(world, dest, role, rule, add)


def _bucket_policy_denies(
    world: World, role: Role, target: Bucket, action: str, resource: str
) -> bool:
    """R-157: whether the bucket policy of ``target`` explicitly denies the role ``action``.

    Only the destination owner's refusal drops tags (``s3:ReplicateObject`` already
    authorises them), as in ``s3repl.policy``.
    """
    policy = world.bucket_policies.get(target.name)
    if policy is None:
        return False
    request = iam.Request(principal=role.arn, action=action, resource=resource)
    return iam.evaluate((policy,), request) is iam.Decision.EXPLICIT_DENY


def _identity_allows(role: Role, action: str, resource: str) -> bool:
    """Whether the role's own permission policy (alone) allows ``action`` on ``resource``."""
    request = iam.Request(principal=role.arn, action=action, resource=resource)
    return iam.evaluate((role.policy,), request) is iam.Decision.ALLOW


def _kms_findings(
    world: World,
    dest: Bucket,
    role: Role,
    rule: ReplicationRule,
    add: Callable[[str, FailureReason, str], None],
) -> None:
    """R-014, R-027: the replica KMS key exists, in the destination's Region, usable."""
    encryption = rule.destination.encryption_configuration
    if not kms_opt_in(rule) or encryption is None or not encryption.replica_kms_key_id:
        return
    key_arn = encryption.replica_kms_key_id
    key = world.kms_keys.get(key_arn)
    if key is None:
        add("R-027", FailureReason.DST_KMS_KEY_NOT_FOUND, f"KMS key {key_arn} does not exist")
    elif key.region != dest.region:
        add(
            "R-027",
            FailureReason.DST_KMS_KEY_NOT_FOUND,
            f"KMS key {key_arn} is in {key.region}, not in the destination's Region {dest.region}",
        )
    elif not key.usable:
        state = "pending deletion" if key.pending_deletion else "disabled"
        add("R-027", FailureReason.DST_KMS_KEY_INVALID_STATE, f"KMS key {key_arn} is {state}")
    elif permission_decision(world, role, "kms:Encrypt", key_arn) is not iam.Decision.ALLOW:
        add(
            "R-014",
            FailureReason.DST_KMS_KEY_NOT_FOUND,
            f"Role {role.arn} is not allowed kms:Encrypt with KMS key {key_arn}",
        )
