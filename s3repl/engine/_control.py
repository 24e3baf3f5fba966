"""The control plane: accounts, roles, KMS keys, buckets and their configurations."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from s3repl import iam
from s3repl.codec import (
    default_encryption_from_dict,
    object_lock_configuration_from_dict,
)
from s3repl.engine._arguments import (
    VERSIONING_STATUS_MESSAGE,
    check_regions,
    versioning_at_creation,
)
from s3repl.engine._core import (
    _EngineCore,
)
from s3repl.errors import (
    AccessDenied,
    BucketAlreadyExists,
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    IllegalVersioningConfigurationException,
    InvalidArgument,
    InvalidBucketState,
    KMSNotFoundException,
    NoSuchBucketPolicy,
    NoSuchEntity,
    ReplicationConfigurationNotFoundError,
)
from s3repl.model import (
    DEFAULT_ACCOUNT,
    Bucket,
    DefaultEncryption,
    ObjectLockConfiguration,
    ObjectOwnership,
    ReplicationConfiguration,
    ServerSideEncryption,
    Status,
    VersioningStatus,
)
from s3repl.model.names import (
    KmsKeyArn,
    RoleArn,
    check_account_id,
    check_bucket_name,
    check_region,
    partition_of_region,
)
from s3repl.validate import VERSIONING_LOCKED_MESSAGE, as_configuration, validate_replication
from s3repl.world import Account, KmsKey, Role


class _ControlPlane(_EngineCore):
    """Accounts, roles, keys, buckets, bucket settings and replication configuration."""

    def create_account(self, account_id: str, *, regions: Iterable[str] = ()) -> Account:
        """Add (or replace) an account; ``regions`` are the opt-in regions it enabled."""
        check_account_id(account_id)
        enabled = frozenset(check_region(r) for r in check_regions(regions))
        account = Account(id=account_id, enabled_regions=enabled)
        self._tick()
        self._accounts[account_id] = account
        self._changed()
        return account

    def create_role(
        self,
        arn: str,
        *,
        policy: str | Mapping[str, Any] | iam.PolicyDocument | None = None,
        trusted: bool = True,
        account: str | None = None,
    ) -> Role:
        """Create (or replace) an IAM role.

        Args:
            arn: the role ARN.
            policy: its permission policy; ``None`` allows every replication action.
            trusted: whether its trust policy lets S3 assume it (R-006).
            account: the calling account; only the role's own account may create it.
        """
        self._own_iam(account, RoleArn.parse(arn).account, f"role {arn}")
        document = (
            iam.allow_all_replication_policy() if policy is None else _identity_policy(policy)
        )
        trust = iam.s3_trust_policy() if trusted else _untrusting_policy()
        role = Role(arn=arn, policy=document, trust_policy=trust)
        self._tick()
        self._roles[arn] = role
        self._changed()
        return role

    def _own_iam(self, account: str | None, owner: str, what: str) -> None:
        """IAM and KMS calls act within one account: another account is refused."""
        if account is not None and check_account_id(account) != owner:
            msg = f"User from account {account} is not authorized to manage {what}"
            raise AccessDenied(msg)

    def put_role_policy(
        self,
        arn: str,
        policy: str | Mapping[str, Any] | iam.PolicyDocument,
        *,
        account: str | None = None,
    ) -> Role:
        """Replace a role's permission policy (for example to revoke a permission)."""
        role = self._role(arn)
        self._own_iam(account, role.account, f"role {arn}")
        updated = attrs.evolve(role, policy=_identity_policy(policy))
        self._tick()
        self._roles[arn] = updated
        self._changed()
        return updated

    def delete_role(self, arn: str, *, account: str | None = None) -> None:
        """Delete an IAM role; replication through it then fails (R-158)."""
        role = self._role(arn)
        self._own_iam(account, role.account, f"role {arn}")
        self._tick()
        del self._roles[arn]
        self._changed()

    def _role(self, arn: str) -> Role:
        try:
            return self._roles[arn]
        except KeyError:
            msg = f"The role with name {arn.rsplit('/', 1)[-1]} cannot be found."
            raise NoSuchEntity(msg) from None

    def create_kms_key(
        self,
        *,
        region: str = "us-east-1",
        account: str | None = None,
        policy: str | Mapping[str, Any] | iam.PolicyDocument | None = None,
        key_id: str | None = None,
    ) -> str:
        """Create a symmetric customer-managed KMS key and return its ARN.

        Args:
            region: the key's region.
            account: the owning account (default: the default account).
            policy: the key policy; ``None`` leaves access to the owner's IAM policies.
            key_id: the key id to use (default: a generated UUID-shaped id).

        Raises:
            InvalidArgument: the region, account or key id is not valid, or the key exists.
        """
        owner = check_account_id(account or DEFAULT_ACCOUNT)
        check_region(region)
        # Parsed before a key id is drawn: a refused policy leaves the id stream as it was.
        document = None if policy is None else _resource_policy(policy)
        arn = str(
            KmsKeyArn.parse(
                f"arn:{partition_of_region(region).value}:kms:{region}:{owner}:"
                f"key/{key_id or self._new_key_id()}"
            )
        )
        if arn in self._keys:
            msg = f"KMS key {arn} already exists"
            raise InvalidArgument(msg)
        self._tick()
        self._keys[arn] = KmsKey(arn=arn, account=owner, region=region, policy=document)
        self._changed()
        return arn

    def _new_key_id(self) -> str:
        hexits = f"{self._ids.getrandbits(128):032x}"
        return f"{hexits[:8]}-{hexits[8:12]}-{hexits[12:16]}-{hexits[16:20]}-{hexits[20:]}"

    def _update_key(
        self, arn: str, account: str | None, change: Callable[[KmsKey], KmsKey]
    ) -> None:
        try:
            key = self._keys[arn]
        except KeyError:
            msg = f"Key '{arn}' does not exist"
            raise KMSNotFoundException(msg) from None
        self._own_iam(account, key.account, f"key {arn}")
        self._tick()
        self._keys[arn] = change(key)
        self._changed()

    def disable_kms_key(self, arn: str, *, account: str | None = None) -> None:
        """Disable a key (replication then fails with ``*KmsKeyInvalidState``)."""
        self._update_key(arn, account, lambda key: attrs.evolve(key, enabled=False))

    def enable_kms_key(self, arn: str, *, account: str | None = None) -> None:
        """Enable a key again."""
        self._update_key(arn, account, lambda key: attrs.evolve(key, enabled=True))

    def schedule_key_deletion(self, arn: str, *, account: str | None = None) -> None:
        """Schedule a key for deletion (it is unusable from now on)."""
        self._update_key(arn, account, lambda key: attrs.evolve(key, pending_deletion=True))

    def create_bucket(
        self,
        name: str,
        *,
        account: str | None = None,
        region: str = "us-east-1",
        versioning: bool | Status | VersioningStatus | str = False,
        object_lock: bool = False,
    ) -> Bucket:
        """Create a bucket (ownership ``BucketOwnerEnforced``, as S3 does for new buckets).

        ``versioning``: ``True`` or ``"Enabled"`` (enabled), ``"Suspended"`` (enabled,
        then suspended), ``False`` (never versioned, the default).

        Its default encryption is SSE-S3 with SSE-C blocked, as new general purpose
        buckets since April 2026 (``Profile.block_sse_c_on_new_buckets``).

        Raises:
            InvalidBucketName: the name breaks the naming rules.
            IllegalVersioningConfigurationException: ``versioning`` is none of the above.
            InvalidBucketState: ``"Suspended"`` with ``object_lock=True``.
            BucketAlreadyOwnedByYou: the caller already owns a bucket of that name.
            BucketAlreadyExists: another account owns it.
        """
        check_bucket_name(name)
        wanted = versioning_at_creation(versioning=versioning, object_lock=object_lock, bucket=name)
        owner = check_account_id(account or DEFAULT_ACCOUNT)
        check_region(region)
        existing = self._buckets.get(name)
        if existing is not None:
            if existing.owner == owner:
                msg = (
                    "Your previous request to create the named bucket succeeded and you "
                    "already own it."
                )
                raise BucketAlreadyOwnedByYou(msg, bucket_name=name)
            msg = (
                "The requested bucket name is not available. The bucket namespace is "
                "shared by all users of the system. Please select a different name and "
                "try again."
            )
            raise BucketAlreadyExists(msg, bucket_name=name)
        bucket = Bucket(
            name=name,
            owner=owner,
            region=region,
            versioning=wanted,
            object_lock_enabled=object_lock,
            object_lock=ObjectLockConfiguration() if object_lock else None,
            # SSE-C is blocked on new general purpose buckets since April 2026
            # (BlockedEncryptionTypes); the profile switch restores the older default.
            default_encryption=DefaultEncryption(
                sse_algorithm=ServerSideEncryption.SSE_S3,
                sse_c_blocked=self.profile.block_sse_c_on_new_buckets,
            ),
        )
        self._tick()
        self._buckets[name] = bucket
        self._store.add_bucket(name)
        self._changed()
        return bucket

    def get_bucket(self, name: str, *, account: str | None = None) -> Bucket:
        """Return a bucket's configuration (the caller needs ``s3:ListBucket``)."""
        bucket = self._bucket(name)
        self._authorize(bucket, account, "s3:ListBucket")
        return bucket

    def delete_bucket(self, name: str, *, account: str | None = None) -> None:
        """Delete an empty bucket (``BucketNotEmpty`` while it holds any version)."""
        bucket = self._bucket(name)
        self._authorize(bucket, account, "s3:DeleteBucket")
        if not self._store.is_empty(name):
            msg = "The bucket you tried to delete is not empty"
            raise BucketNotEmpty(msg, bucket_name=name)
        self._tick()
        del self._buckets[name]
        self._store.drop_bucket(name)
        self._policies.pop(name, None)
        self._notification_configs.pop(name, None)
        self._changed()

    def put_bucket_versioning(
        self, bucket: str, status: Status | VersioningStatus | str, *, account: str | None = None
    ) -> None:
        """Enable or suspend versioning.

        Raises:
            InvalidBucketState: a replication configuration is present (R-004), or the
                bucket has Object Lock.
        """
        current = self._bucket(bucket)
        self._authorize(current, account, "s3:PutBucketVersioning")
        value = status.value if isinstance(status, Status | VersioningStatus) else status
        if value not in ("Enabled", "Suspended"):
            msg = VERSIONING_STATUS_MESSAGE
            raise IllegalVersioningConfigurationException(msg, bucket_name=bucket)
        wanted = VersioningStatus(value)
        if wanted is current.versioning:
            self._tick()  # R-004 [INF]: re-enabling an enabled source is a no-op
            return
        if current.replication is not None:
            raise InvalidBucketState(VERSIONING_LOCKED_MESSAGE, bucket_name=bucket)
        if current.object_lock_enabled:
            msg = (
                "An Object Lock configuration is present on this bucket, so the versioning "
                "state cannot be changed."
            )
            raise InvalidBucketState(msg, bucket_name=bucket)
        self._set_bucket(attrs.evolve(current, versioning=wanted))

    def put_bucket_ownership_controls(
        self, bucket: str, ownership: ObjectOwnership | str, *, account: str | None = None
    ) -> None:
        """Set Object Ownership (``BucketOwnerEnforced``, ``BucketOwnerPreferred``, ...)."""
        current = self._bucket(bucket)
        self._authorize(current, account, "s3:PutBucketOwnershipControls")
        try:
            value = ObjectOwnership(ownership)
        except ValueError as err:
            msg = f"Invalid ObjectOwnership {ownership!r}"
            raise InvalidArgument(msg, bucket_name=bucket) from err
        self._set_bucket(attrs.evolve(current, ownership=value))

    def put_object_lock_configuration(
        self,
        bucket: str,
        config: Mapping[str, Any] | ObjectLockConfiguration,
        *,
        account: str | None = None,
    ) -> None:
        """Enable Object Lock and set the default retention (boto3 dict or model value)."""
        current = self._bucket(bucket)
        self._authorize(current, account, "s3:PutBucketObjectLockConfiguration")
        value = (
            config
            if isinstance(config, ObjectLockConfiguration)
            else object_lock_configuration_from_dict(config)
        )
        if not current.is_versioned:
            msg = "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration"
            raise InvalidBucketState(msg, bucket_name=bucket)
        self._set_bucket(attrs.evolve(current, object_lock_enabled=True, object_lock=value))

    def put_bucket_encryption(
        self,
        bucket: str,
        config: Mapping[str, Any] | DefaultEncryption,
        *,
        account: str | None = None,
    ) -> None:
        """Set default encryption (boto3 ``ServerSideEncryptionConfiguration`` or model).

        ``BlockedEncryptionTypes`` blocks (``SSE-C``) or allows (``NONE``) SSE-C writes;
        a configuration that does not say keeps the bucket's setting (INF).
        """
        current = self._bucket(bucket)
        self._authorize(current, account, "s3:PutEncryptionConfiguration")
        value = (
            config
            if isinstance(config, DefaultEncryption)
            else default_encryption_from_dict(config)
        )
        if value.sse_c_blocked is None:  # the document does not say: the bucket's stays
            value = attrs.evolve(value, sse_c_blocked=current.default_encryption.sse_c_blocked)
        self._set_bucket(attrs.evolve(current, default_encryption=value))

    def put_bucket_request_payment(
        self, bucket: str, payer: str, *, account: str | None = None
    ) -> None:
        """Set who pays for requests: ``"Requester"`` or ``"BucketOwner"`` (R-013)."""
        current = self._bucket(bucket)
        self._authorize(current, account, "s3:PutBucketRequestPayment")
        if payer not in ("Requester", "BucketOwner"):
            msg = f"Invalid Payer {payer!r}"
            raise InvalidArgument(msg, bucket_name=bucket)
        self._set_bucket(attrs.evolve(current, requester_pays=payer == "Requester"))

    def put_bucket_policy(
        self,
        bucket: str,
        policy: str | Mapping[str, Any] | iam.PolicyDocument,
        *,
        account: str | None = None,
    ) -> None:
        """Set the bucket policy (IAM JSON as ``str`` or ``dict``)."""
        current = self._bucket(bucket)
        self._authorize(current, account, "s3:PutBucketPolicy")
        document = _resource_policy(policy)
        self._tick()
        self._policies[bucket] = document
        self._changed()

    def get_bucket_policy(self, bucket: str, *, account: str | None = None) -> iam.PolicyDocument:
        """Return the bucket policy (``NoSuchBucketPolicy`` when none)."""
        self._authorize(self._bucket(bucket), account, "s3:GetBucketPolicy")
        try:
            return self._policies[bucket]
        except KeyError:
            msg = "The bucket policy does not exist"
            raise NoSuchBucketPolicy(msg, bucket_name=bucket) from None

    def delete_bucket_policy(self, bucket: str, *, account: str | None = None) -> None:
        """Remove the bucket policy (idempotent)."""
        current = self._bucket(bucket)
        self._authorize(current, account, "s3:DeleteBucketPolicy")
        self._tick()
        self._policies.pop(bucket, None)
        self._changed()

    def put_bucket_replication(
        self,
        bucket: str,
        config: ReplicationConfiguration | Mapping[str, Any] | str | bytes,
        *,
        token: str | None = None,
        account: str | None = None,
    ) -> ReplicationConfiguration:
        """Set (replace, R-048) the bucket's replication configuration.

        Checks run in AWS's order (R-055): the bucket and the caller, the schema
        (``MalformedXML``), then every rule of ``s3repl.validate``; the first problem
        is raised and nothing changes.  Rules without an ``ID`` get one (R-021).

        Returns:
            the configuration as stored (what ``get_bucket_replication`` returns).
        """
        current = self._bucket(bucket)
        self._authorize(current, account, "s3:PutReplicationConfiguration")
        value = as_configuration(config)
        problems = validate_replication(self._world(), bucket, value, token=token)
        if problems:
            raise problems[0].to_error(bucket_name=bucket)
        rules = tuple(
            rule if rule.id else attrs.evolve(rule, id=self._new_rule_id()) for rule in value.rules
        )
        stored = attrs.evolve(value, rules=rules)
        self._configure(current, stored)
        return stored

    def _configure(self, bucket: Bucket, config: ReplicationConfiguration | None) -> None:
        """Store a configuration change, after the profile's propagation delay (R-052)."""
        delay = self.profile.config_propagation_delay_steps
        if delay:
            self._tick()
            self._propagating[bucket.name] = (config, delay)  # counted by later ticks
        else:
            self._propagating.pop(bucket.name, None)
            self._set_bucket(attrs.evolve(bucket, replication=config))

    def get_bucket_replication(
        self, bucket: str, *, account: str | None = None
    ) -> ReplicationConfiguration:
        """Return the stored configuration, generated rule ids included (R-053).

        Raises:
            ReplicationConfigurationNotFoundError: none is set (R-049).
        """
        current = self._bucket(bucket)
        self._authorize(current, account, "s3:GetReplicationConfiguration")
        if current.replication is None:
            msg = "The replication configuration was not found"
            raise ReplicationConfigurationNotFoundError(msg, bucket_name=bucket)
        return current.replication

    def delete_bucket_replication(self, bucket: str, *, account: str | None = None) -> None:
        """Remove the configuration; idempotent, as S3's 204 (R-051)."""
        current = self._bucket(bucket)
        self._authorize(current, account, "s3:PutReplicationConfiguration")
        self._configure(current, None)


def _identity_policy(policy: str | Mapping[str, Any] | iam.PolicyDocument) -> iam.PolicyDocument:
    if isinstance(policy, iam.PolicyDocument):
        return policy
    return iam.parse_policy(policy, kind=iam.PolicyKind.IDENTITY)


def _resource_policy(policy: str | Mapping[str, Any] | iam.PolicyDocument) -> iam.PolicyDocument:
    if isinstance(policy, iam.PolicyDocument):
        return policy
    return iam.parse_policy(policy, kind=iam.PolicyKind.RESOURCE)


def _untrusting_policy() -> iam.PolicyDocument:
    """A trust policy that lets only EC2 assume the role, so S3 cannot (R-006)."""
    return iam.parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
        kind=iam.PolicyKind.TRUST,
    )
