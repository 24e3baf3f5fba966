"""Permission decisions: may the role do an action on a resource (R-006, R-012, R-155..R-158)."""

from __future__ import annotations

from s3repl import iam
from s3repl.model import (
    Bucket,
)
from s3repl.model.names import partition_of_region
from s3repl.world import Role, World

# --- permissions (R-006, R-012, R-155..R-158) ------------------------------------------


def object_arn(bucket: Bucket, key: str | None = None) -> str:
    """The ARN of a bucket (``key=None``) or of an object (or key pattern) in it.

    Args:
        bucket: the bucket.
        key: an object key, or a pattern such as ``"Tax/*"``; ``None`` for the bucket.

    Returns:
        ``arn:<partition>:s3:::<bucket>`` or ``arn:<partition>:s3:::<bucket>/<key>``.
    """
    arn = f"arn:{partition_of_region(bucket.region).value}:s3:::{bucket.name}"
    return arn if key is None else f"{arn}/{key}"


def _resource_owner_and_policy(
    world: World, resource: str
) -> tuple[str | None, iam.PolicyDocument | None]:
    """Who owns ``resource`` (an S3 or KMS ARN) and its resource policy, if known."""
    if ":s3:::" in resource:
        name = resource.split(":s3:::", 1)[1].split("/", 1)[0]
        bucket = world.bucket(name)
        if bucket is None:
            return None, None
        return bucket.owner, world.bucket_policies.get(name)
    key = world.kms_keys.get(resource)
    if key is not None:
        return key.account, key.policy
    parts = resource.split(":")
    return (parts[4] if len(parts) > 5 and parts[4] else None), None


def permission_decision(world: World, role: Role, action: str, resource: str) -> iam.Decision:
    """How IAM decides ``role`` doing ``action`` on ``resource`` (an ARN).

    The role's permission policy and the resource's policy (the bucket policy of an S3
    resource, the key policy of a KMS key) are combined as IAM does: an explicit deny
    anywhere wins; in the same account either policy may allow; across accounts both
    must (R-012, R-158).

    Args:
        world: the world.
        role: the role S3 assumes.
        action: an IAM action such as ``"s3:ReplicateObject"``.
        resource: the resource ARN (a key pattern like ``.../dst/Tax/*`` stands for
            every object under it).

    Returns:
        ``ALLOW``, ``EXPLICIT_DENY`` or ``IMPLICIT_DENY``.
    """
    owner, resource_policy = _resource_owner_and_policy(world, resource)
    return iam.evaluate_access(
        principal=role.arn,
        principal_account=role.account,
        resource_owner_account=owner if owner is not None else role.account,
        identity_policies=(role.policy,),
        resource_policies=() if resource_policy is None else (resource_policy,),
        action=action,
        resource=resource,
    )


def role_allows(world: World, role_arn: str, action: str, resource: str) -> bool:
    """Whether the role ``role_arn`` may do ``action`` on ``resource`` (``False`` if no role).

    Args:
        world: the world.
        role_arn: the role's ARN.
        action: an IAM action such as ``"s3:GetObjectVersionForReplication"``.
        resource: the resource ARN, e.g. ``"arn:aws:s3:::dst/*"``.

    Returns:
        ``True`` only when IAM's decision is ``ALLOW`` (see :func:`permission_decision`).
    """
    role = world.roles.get(role_arn)
    if role is None:
        return False
    return permission_decision(world, role, action, resource) is iam.Decision.ALLOW


def role_may(world: World, role: Role, action: str, bucket: Bucket, key: str | None) -> bool:
    """Whether the role may perform ``action`` on the bucket (``key=None``) or an object.

    Same account: the role policy or the bucket policy may allow; another account:
    both must allow; an explicit deny anywhere wins (R-012, R-158).
    """
    decision = permission_decision(world, role, action, object_arn(bucket, key))
    return decision is iam.Decision.ALLOW


def keys_alike(world: World, role_arn: str, source: Bucket, destination: str) -> bool:
    """Whether no policy a task meets can tell two object keys of its buckets apart.

    When they cannot, every object check decides alike for every key, so an answer
    for one object serves every object of the same kind (the engine's caches rely on
    it).  Conditions, or resource patterns that cut inside the bucket, make keys differ.

    Args:
        world: the world.
        role_arn: the replication role.
        source: the source bucket.
        destination: the destination bucket's name.
    """
    role = world.roles.get(role_arn)
    dest = world.bucket(destination)
    if role is None or dest is None:
        return True  # the outcome does not get as far as any key
    for bucket in (source, dest):
        documents = [role.policy]
        resource_policy = world.bucket_policies.get(bucket.name)
        if resource_policy is not None:
            documents.append(resource_policy)
        prefix = object_arn(bucket, "")
        if not all(_key_uniform(document, prefix) for document in documents):
            return False
    return True


def _key_uniform(document: iam.PolicyDocument, prefix: str) -> bool:
    """Whether the document decides alike for every object ARN starting with ``prefix``."""
    for statement in document.statements:
        if statement.conditions:
            return False
        for pattern in (*(statement.resources or ()), *(statement.not_resources or ())):
            if not (_covers_every_key(pattern, prefix) or _covers_no_key(pattern, prefix)):
                return False
    return True


def _literal_head(pattern: str) -> tuple[str, bool]:
    """The pattern's text before its first wildcard, and whether it has one."""
    cut = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0), default=-1)
    return (pattern, False) if cut < 0 else (pattern[:cut], True)


def _covers_every_key(pattern: str, prefix: str) -> bool:
    head, wild = _literal_head(pattern)
    return wild and pattern == head + "*" and prefix.startswith(head)


def _covers_no_key(pattern: str, prefix: str) -> bool:
    head, wild = _literal_head(pattern)
    if not wild:
        return not pattern.startswith(prefix)
    return not (prefix.startswith(head) or head.startswith(prefix))


def _assumable(world: World, role: Role) -> bool:
    """Whether S3 may assume the role (R-006)."""
    del world  # the trust policy alone decides
    return iam.can_assume(role.trust_policy)


def _explicitly_denied(world: World, role: Role, action: str, bucket: Bucket, key: str) -> bool:
    resource_policy = world.bucket_policies.get(bucket.name)
    if resource_policy is None:
        return False
    decision = iam.evaluate(
        (resource_policy,),
        iam.Request(principal=role.arn, action=action, resource=object_arn(bucket, key)),
    )
    return decision is iam.Decision.EXPLICIT_DENY


def _kms_may(world: World, role: Role, action: str, key_arn: str) -> bool:
    key = world.kms_key(key_arn)
    if key is None:
        return False
    if key.aws_managed:
        # an AWS managed key's policy lets every principal of its own account use
        # it through S3 and no other account (its policy cannot be changed); the role's
        # own policy can still deny.
        if key.account != role.account:
            return False
        request = iam.Request(principal=role.arn, action=action, resource=key_arn)
        return iam.evaluate((role.policy,), request) is not iam.Decision.EXPLICIT_DENY
    return permission_decision(world, role, action, key_arn) is iam.Decision.ALLOW
