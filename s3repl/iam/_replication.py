"""What replication needs from IAM: its service principals, actions and ready-made policies.

The action lists a replication role needs (R-155, R-156, R-014), the grants a
destination owner adds for cross-account replication (R-012), :func:`can_assume` for a
role's trust policy (R-006), and the policies s3repl builds by default for a role
created without one.
"""

from __future__ import annotations

from s3repl.iam._documents import Effect, PolicyDocument, Principal, Request, Statement
from s3repl.iam._evaluate import is_allowed

#: The service principal S3 uses to assume a replication role (R-006).
S3_SERVICE_PRINCIPAL = "s3.amazonaws.com"

#: The service principal S3 Batch Operations uses (Batch Replication, R-006).
BATCH_OPERATIONS_SERVICE_PRINCIPAL = "batchoperations.s3.amazonaws.com"

#: The minimal permissions of a replication role (R-155): source bucket, source
#: objects, destination objects, in the order the documentation lists them.
#: ``s3:GetObjectVersionForReplication`` rather than the older ``s3:GetObjectVersion``
#
REPLICATION_ROLE_ACTIONS: tuple[str, ...] = (
    "s3:GetReplicationConfiguration",
    "s3:ListBucket",
    "s3:GetObjectVersionForReplication",
    "s3:GetObjectVersionAcl",
    "s3:GetObjectVersionTagging",
    "s3:ReplicateObject",
    "s3:ReplicateDelete",
    "s3:ReplicateTags",
)

#: Role permissions needed only with some features: owner override (R-151), an Object
#: Lock source (R-010), and replicating a legal hold (R-158,
#: ``DstPutLegalHoldNotPermitted``).
OPTIONAL_REPLICATION_ROLE_ACTIONS: tuple[str, ...] = (
    "s3:ObjectOwnerOverrideToBucketOwner",
    "s3:GetObjectRetention",
    "s3:GetObjectLegalHold",
    "s3:PutObjectLegalHold",
)

#: KMS permissions of a role replicating encrypted objects (R-014, R-155).
REPLICATION_KMS_ACTIONS: tuple[str, ...] = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")

#: What a destination bucket policy grants on ``arn:aws:s3:::dest/*`` (R-012).
REPLICATION_DESTINATION_OBJECT_ACTIONS: tuple[str, ...] = (
    "s3:ReplicateObject",
    "s3:ReplicateDelete",
    "s3:ReplicateTags",
    "s3:ObjectOwnerOverrideToBucketOwner",
)

#: What a destination bucket policy grants on ``arn:aws:s3:::dest`` (R-012).
REPLICATION_DESTINATION_BUCKET_ACTIONS: tuple[str, ...] = (
    "s3:List*",
    "s3:GetBucketVersioning",
    "s3:PutBucketVersioning",
)


def can_assume(trust_policy: PolicyDocument, *, service: str = S3_SERVICE_PRINCIPAL) -> bool:
    """Whether a role's trust policy lets a service principal call ``sts:AssumeRole`` (R-006).

    Args:
        trust_policy: the role's trust policy.
        service: the service principal; Batch Replication uses
            :data:`BATCH_OPERATIONS_SERVICE_PRINCIPAL`.
    """
    request = Request(principal=service, action="sts:AssumeRole", resource="*")
    return is_allowed((trust_policy,), request)


# --- ready-made policies --------------------------------------------------------------


def allow_all_replication_policy() -> PolicyDocument:
    """A role policy allowing every replication permission on every resource.

    It allows :data:`REPLICATION_ROLE_ACTIONS` (R-155) and
    :data:`OPTIONAL_REPLICATION_ROLE_ACTIONS` on ``"*"``, and
    :data:`REPLICATION_KMS_ACTIONS` on ``"*"`` (R-014).
    """
    return PolicyDocument(
        version="2012-10-17",
        statements=(
            Statement(
                sid="AllowReplication",
                effect=Effect.ALLOW,
                actions=REPLICATION_ROLE_ACTIONS + OPTIONAL_REPLICATION_ROLE_ACTIONS,
                resources=("*",),
            ),
            Statement(
                sid="AllowReplicationKms",
                effect=Effect.ALLOW,
                actions=REPLICATION_KMS_ACTIONS,
                resources=("*",),
            ),
        ),
    )


def s3_trust_policy() -> PolicyDocument:
    """A trust policy letting S3 and S3 Batch Operations assume the role (R-006)."""
    return PolicyDocument(
        version="2012-10-17",
        statements=(
            Statement(
                effect=Effect.ALLOW,
                principals=Principal(
                    service=(S3_SERVICE_PRINCIPAL, BATCH_OPERATIONS_SERVICE_PRINCIPAL)
                ),
                actions=("sts:AssumeRole",),
            ),
        ),
    )


def destination_bucket_policy(
    bucket: str, *, principal: str, partition: str = "aws"
) -> PolicyDocument:
    """The bucket policy a destination owner adds for cross-account replication (R-012).

    It grants :data:`REPLICATION_DESTINATION_OBJECT_ACTIONS` on ``arn:aws:s3:::bucket/*``
    and :data:`REPLICATION_DESTINATION_BUCKET_ACTIONS` on ``arn:aws:s3:::bucket``.

    Args:
        bucket: the destination bucket name.
        principal: the source account id, its root ARN, or the replication role ARN.
        partition: the ARN partition of the bucket.
    """
    bucket_arn = f"arn:{partition}:s3:::{bucket}"
    grantee = Principal(aws=(principal,))
    return PolicyDocument(
        version="2012-10-17",
        statements=(
            Statement(
                sid="ReplicationObjects",
                effect=Effect.ALLOW,
                principals=grantee,
                actions=REPLICATION_DESTINATION_OBJECT_ACTIONS,
                resources=(f"{bucket_arn}/*",),
            ),
            Statement(
                sid="ReplicationBucket",
                effect=Effect.ALLOW,
                principals=grantee,
                actions=REPLICATION_DESTINATION_BUCKET_ACTIONS,
                resources=(bucket_arn,),
            ),
        ),
    )
