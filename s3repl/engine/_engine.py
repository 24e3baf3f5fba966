"""The deterministic in-memory S3: the only mutable state in s3repl.

Theory of operation.  The engine stores buckets, accounts, roles and keys as frozen
values in plain dicts, and each bucket's objects as ``key -> chain`` (a cons list of
frozen versions, newest first; see ``_store``).  API calls mirror S3; every call
advances a simulated clock by one millisecond.  Whenever a call creates something
that may replicate (a version, a delete marker, a metadata change), the engine asks
``s3repl.policy`` where it goes and queues one :class:`ReplicationTask` per
destination in a heap ordered by (due time, sequence).  ``step()`` pops exactly one
task, asks ``policy.apply_outcome`` what happens *now*, and writes the replica or
records the failure.  The engine never decides semantics itself.

Determinism: ids come from ``random.Random`` instances seeded from the engine seed
(one per subsystem), time from the simulated clock, and iteration only over dicts in
insertion order or sorted keys.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import heapq
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import attrs

from s3repl import iam, policy
from s3repl.codec import (
    acl_from_dict,
    default_encryption_from_dict,
    object_lock_configuration_from_dict,
    replication_from_dict,
    replication_from_xml,
)
from s3repl.engine import _store
from s3repl.engine.faults import FaultPlan
from s3repl.engine.results import DeleteResult, ReplicationEvent, ReplicationMetrics
from s3repl.errors import (
    AccessControlListNotSupported,
    AccessDenied,
    BucketAlreadyExists,
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    IllegalVersioningConfigurationException,
    InvalidArgument,
    InvalidBucketState,
    InvalidRequest,
    KMSNotFoundException,
    MethodNotAllowed,
    NoSuchBucket,
    NoSuchBucketPolicy,
    NoSuchEntity,
    NoSuchKey,
    NoSuchVersion,
    NothingPendingError,
    ReplicationConfigurationNotFoundError,
    StepLimitExceededError,
    UnknownTaskError,
)
from s3repl.model import (
    DEFAULT_ACCOUNT,
    NULL_VERSION_ID,
    Acl,
    Bucket,
    CannedAcl,
    DefaultEncryption,
    DeleteMarker,
    FailureReason,
    FrozenMap,
    ObjectLockConfiguration,
    ObjectLockLegalHoldStatus,
    ObjectLockMode,
    ObjectOwnership,
    ObjectVersion,
    ReplicationConfiguration,
    ReplicationStatus,
    ReplicationTask,
    ServerSideEncryption,
    Status,
    StepResult,
    StorageClass,
    TaskKind,
    VersioningStatus,
)
from s3repl.model.names import (
    KmsKeyArn,
    RoleArn,
    check_account_id,
    check_bucket_name,
    check_object_key,
    check_region,
)
from s3repl.model.tagging import check_metadata, check_tags
from s3repl.profile import DestinationVersionOrder, Profile
from s3repl.validate import VERSIONING_LOCKED_MESSAGE, validate_replication
from s3repl.world import Account, Chain, KmsKey, Role, Version, World

__all__ = ["EPOCH", "Engine"]

#: Simulated time zero.
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_TICK_US = 1_000  # every API call advances the clock by one millisecond
_RETRY_US = 60_000_000  # a transiently failed task is retried a minute later
_RTC_THRESHOLD_US = 15 * 60 * 1_000_000
_NOT_OWNER_ENFORCED_ACL = "The bucket does not allow ACLs"
_LOCKED_MESSAGE = "Access Denied because object protected by object lock."

OrderPolicy = Literal["fifo", "random"]


def _when(clock_us: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=clock_us)


def _etag(body: bytes) -> str:
    return f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'


class Engine:
    """A deterministic, steppable Amazon S3 with replication.

    Args:
        seed: seeds every id, every random interleaving and every injected fault.
        profile: the behaviour switches; ``None`` means :meth:`Profile.aws`.
        order: ``"fifo"`` applies tasks by (due time, sequence); ``"random"`` picks a
            seeded random pending task at each ``step()``.
    """

    def __init__(
        self, *, seed: int = 0, profile: Profile | None = None, order: OrderPolicy = "fifo"
    ) -> None:
        """Create an empty world with the default account."""
        if order not in ("fifo", "random"):
            msg = f"order must be 'fifo' or 'random', got {order!r}"
            raise ValueError(msg)
        self.seed = seed
        self.profile = profile or Profile.aws()
        self.order: OrderPolicy = order
        self.faults = FaultPlan.none()
        self._ids = random.Random(f"{seed}:ids")
        self._interleave = random.Random(f"{seed}:order")
        self._fault_rng = random.Random(f"{seed}:faults")
        self._clock_us = 0
        self._sequence = 0
        self._accounts: dict[str, Account] = {DEFAULT_ACCOUNT: Account(id=DEFAULT_ACCOUNT)}
        self._buckets: dict[str, Bucket] = {}
        self._policies: dict[str, iam.PolicyDocument] = {}
        self._roles: dict[str, Role] = {}
        self._keys: dict[str, KmsKey] = {}
        self._objects: dict[str, dict[str, Chain]] = {}
        self._queue: list[tuple[int, int, ReplicationTask]] = []
        self._events: list[ReplicationEvent] = []
        self._failed_operations: dict[tuple[str, str, str], int] = {}
        self._deferred_expirations: dict[tuple[str, str, str], None] = {}
        # configuration changes waiting to take effect, with steps left.
        self._propagating: dict[str, tuple[ReplicationConfiguration | None, int]] = {}
        self._view: World | None = None

    # --- world, snapshots and forks -------------------------------------------------

    def _world(self) -> World:
        """A live read-only view for ``policy`` (not a snapshot: never handed out)."""
        if self._view is None:
            self._view = World(
                profile=self.profile,
                accounts=FrozenMap._wrap(self._accounts),
                buckets=FrozenMap._wrap(self._buckets),
                bucket_policies=FrozenMap._wrap(self._policies),
                roles=FrozenMap._wrap(self._roles),
                kms_keys=FrozenMap._wrap(self._keys),
                objects=FrozenMap._wrap(
                    {name: FrozenMap._wrap(keys) for name, keys in self._objects.items()}
                ),
            )
        return self._view

    def _changed(self) -> None:
        self._view = None

    def snapshot(self) -> World:
        """Return an immutable :class:`World` holding the whole state, queue included."""
        return World(
            profile=self.profile,
            accounts=FrozenMap(self._accounts),
            buckets=FrozenMap(self._buckets),
            bucket_policies=FrozenMap(self._policies),
            roles=FrozenMap(self._roles),
            kms_keys=FrozenMap(self._keys),
            objects=FrozenMap({name: FrozenMap(keys) for name, keys in self._objects.items()}),
            pending=self.pending(),
            clock_us=self._clock_us,
            sequence=self._sequence,
            rng_state=(
                self.seed,
                self.order,
                self._ids.getstate(),
                self._interleave.getstate(),
                self._fault_rng.getstate(),
                self.faults,
                tuple(self._events),
                tuple(self._deferred_expirations),
                tuple(self._propagating.items()),
                tuple(self._failed_operations.items()),
            ),
        )

    @classmethod
    def from_snapshot(cls, world: World) -> Engine:
        """Start an independent engine from a :class:`World` (for example a snapshot)."""
        state: tuple[Any, ...] = world.rng_state
        seed: int = state[0] if state else 0
        order: OrderPolicy = state[1] if state else "fifo"
        engine = cls(seed=seed, profile=world.profile, order=order)
        if state:
            engine._ids.setstate(state[2])
            engine._interleave.setstate(state[3])
            engine._fault_rng.setstate(state[4])
            engine.faults = state[5]
            engine._events = list(state[6])
            engine._deferred_expirations = dict.fromkeys(state[7])
            engine._propagating = dict(state[8])
            engine._failed_operations = dict(state[9])
        engine._clock_us = world.clock_us
        engine._sequence = world.sequence
        engine._accounts = dict(world.accounts)
        engine._buckets = dict(world.buckets)
        engine._policies = dict(world.bucket_policies)
        engine._roles = dict(world.roles)
        engine._keys = dict(world.kms_keys)
        engine._objects = {name: dict(keys) for name, keys in world.objects.items()}
        engine._queue = [(t.due_us, t.sequence, t) for t in world.pending]
        heapq.heapify(engine._queue)
        return engine

    def fork(self) -> Engine:
        """Return an independent engine in the same state (ids and order continue alike)."""
        return Engine.from_snapshot(self.snapshot())

    # --- clock and ids ------------------------------------------------------------------

    @property
    def now(self) -> dt.datetime:
        """The simulated time."""
        return _when(self._clock_us)

    def advance(self, *, seconds: float) -> None:
        """Move the simulated clock forward by ``seconds``."""
        if seconds < 0:
            msg = "seconds must be >= 0"
            raise ValueError(msg)
        self._clock_us += round(seconds * 1_000_000)

    def _tick(self) -> int:
        self._clock_us += _TICK_US
        if self._propagating:
            self._propagate()
        return self._clock_us

    def _next_sequence(self) -> int:
        self._sequence += 1
        return self._sequence

    def _new_version_id(self) -> str:
        raw = self._ids.getrandbits(192).to_bytes(24, "big")
        return base64.urlsafe_b64encode(raw).decode().replace("-", ".")

    def _new_rule_id(self) -> str:
        raw = self._ids.getrandbits(120).to_bytes(15, "big")
        return base64.b32encode(raw).decode()

    # --- accounts, roles, keys -----------------------------------------------------------

    def create_account(self, account_id: str, *, regions: Iterable[str] = ()) -> Account:
        """Add (or replace) an account; ``regions`` are the opt-in regions it enabled."""
        check_account_id(account_id)
        enabled = frozenset(check_region(r) for r in regions)
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
    ) -> Role:
        """Create (or replace) an IAM role.

        Args:
            arn: the role ARN.
            policy: its permission policy; ``None`` allows every replication action.
            trusted: whether its trust policy lets S3 assume it (R-006).
        """
        RoleArn.parse(arn)
        document = (
            iam.allow_all_replication_policy() if policy is None else _identity_policy(policy)
        )
        trust = iam.s3_trust_policy() if trusted else _untrusting_policy()
        role = Role(arn=arn, policy=document, trust_policy=trust)
        self._tick()
        self._roles[arn] = role
        self._changed()
        return role

    def put_role_policy(
        self, arn: str, policy: str | Mapping[str, Any] | iam.PolicyDocument
    ) -> Role:
        """Replace a role's permission policy (for example to revoke a permission)."""
        role = self._role(arn)
        updated = attrs.evolve(role, policy=_identity_policy(policy))
        self._tick()
        self._roles[arn] = updated
        self._changed()
        return updated

    def delete_role(self, arn: str) -> None:
        """Delete an IAM role; replication through it then fails (R-158)."""
        self._role(arn)
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
    ) -> str:
        """Create a symmetric customer-managed KMS key and return its ARN."""
        owner = check_account_id(account or DEFAULT_ACCOUNT)
        check_region(region)
        key_id = self._new_key_id()
        arn = str(KmsKeyArn.parse(f"arn:aws:kms:{region}:{owner}:key/{key_id}"))
        document = None if policy is None else _resource_policy(policy)
        self._tick()
        self._keys[arn] = KmsKey(arn=arn, account=owner, region=region, policy=document)
        self._changed()
        return arn

    def _new_key_id(self) -> str:
        hexits = f"{self._ids.getrandbits(128):032x}"
        return f"{hexits[:8]}-{hexits[8:12]}-{hexits[12:16]}-{hexits[16:20]}-{hexits[20:]}"

    def _update_key(self, arn: str, change: Callable[[KmsKey], KmsKey]) -> None:
        try:
            key = self._keys[arn]
        except KeyError:
            msg = f"Key '{arn}' does not exist"
            raise KMSNotFoundException(msg) from None
        self._tick()
        self._keys[arn] = change(key)
        self._changed()

    def disable_kms_key(self, arn: str) -> None:
        """Disable a key (replication then fails with ``*KmsKeyInvalidState``)."""
        self._update_key(arn, lambda key: attrs.evolve(key, enabled=False))

    def enable_kms_key(self, arn: str) -> None:
        """Enable a key again."""
        self._update_key(arn, lambda key: attrs.evolve(key, enabled=True))

    def schedule_key_deletion(self, arn: str) -> None:
        """Schedule a key for deletion (it is unusable from now on)."""
        self._update_key(arn, lambda key: attrs.evolve(key, pending_deletion=True))

    # --- buckets ----------------------------------------------------------------------------

    def create_bucket(
        self,
        name: str,
        *,
        account: str | None = None,
        region: str = "us-east-1",
        versioning: bool = False,
        object_lock: bool = False,
    ) -> Bucket:
        """Create a bucket (ownership ``BucketOwnerEnforced``, as S3 does for new buckets).

        Raises:
            InvalidBucketName: the name breaks the naming rules.
            BucketAlreadyOwnedByYou: the caller already owns a bucket of that name.
            BucketAlreadyExists: another account owns it.
        """
        check_bucket_name(name)
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
            versioning=VersioningStatus.ENABLED
            if versioning or object_lock
            else VersioningStatus.UNVERSIONED,
            object_lock_enabled=object_lock,
            object_lock=ObjectLockConfiguration() if object_lock else None,
        )
        self._tick()
        self._buckets[name] = bucket
        self._objects[name] = {}
        self._changed()
        return bucket

    def _bucket(self, name: str) -> Bucket:
        try:
            return self._buckets[name]
        except KeyError:
            msg = "The specified bucket does not exist"
            raise NoSuchBucket(msg, bucket_name=name) from None

    def _authorize(
        self, bucket: Bucket, account: str | None, action: str, key: str | None = None
    ) -> str:
        """Check the caller the way S3 does; return the caller's account id."""
        caller = bucket.owner if account is None else check_account_id(account)
        if caller == bucket.owner:
            return caller
        document = self._policies.get(bucket.name)
        resource = bucket.arn if key is None else f"{bucket.arn}/{key}"
        if document is not None:
            request = iam.Request(
                principal=f"arn:aws:iam::{caller}:root", action=action, resource=resource
            )
            if iam.evaluate((document,), request) is iam.Decision.ALLOW:
                return caller
        msg = "Access Denied"
        raise AccessDenied(msg, bucket_name=bucket.name)

    def _set_bucket(self, bucket: Bucket) -> None:
        self._tick()
        self._buckets[bucket.name] = bucket
        self._changed()

    def get_bucket(self, name: str) -> Bucket:
        """Return a bucket's configuration."""
        return self._bucket(name)

    def delete_bucket(self, name: str, *, account: str | None = None) -> None:
        """Delete an empty bucket (``BucketNotEmpty`` while it holds any version)."""
        bucket = self._bucket(name)
        self._authorize(bucket, account, "s3:DeleteBucket")
        if self._objects[name]:
            msg = "The bucket you tried to delete is not empty"
            raise BucketNotEmpty(msg, bucket_name=name)
        self._tick()
        del self._buckets[name]
        del self._objects[name]
        self._policies.pop(name, None)
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
            msg = "The Versioning element must be specified as 'Enabled' or 'Suspended'"
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
        """Set default encryption (boto3 ``ServerSideEncryptionConfiguration`` or model)."""
        current = self._bucket(bucket)
        self._authorize(current, account, "s3:PutEncryptionConfiguration")
        value = (
            config
            if isinstance(config, DefaultEncryption)
            else default_encryption_from_dict(config)
        )
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

    def get_bucket_policy(self, bucket: str) -> iam.PolicyDocument:
        """Return the bucket policy (``NoSuchBucketPolicy`` when none)."""
        self._bucket(bucket)
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

    # --- replication configuration ----------------------------------------------------------

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
        value = _decode_replication(config)
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

    def _propagate(self) -> None:
        """Count one API call or step down on every change still propagating (R-052)."""
        for name, (config, steps) in list(self._propagating.items()):
            if steps > 1:
                self._propagating[name] = (config, steps - 1)
                continue
            del self._propagating[name]
            bucket = self._buckets.get(name)
            if bucket is not None:
                self._buckets[name] = attrs.evolve(bucket, replication=config)
                self._changed()

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

    # --- objects: writes ---------------------------------------------------------------------

    def put_object(
        self,
        bucket: str,
        key: str,
        body: bytes = b"",
        *,
        metadata: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
        content_type: str = "binary/octet-stream",
        acl: CannedAcl | str | None = None,
        storage_class: StorageClass | str = StorageClass.STANDARD,
        server_side_encryption: ServerSideEncryption | str | None = None,
        sse_kms_key_id: str | None = None,
        sse_customer_algorithm: str | None = None,
        sse_customer_key: str | None = None,
        object_lock_mode: ObjectLockMode | str | None = None,
        object_lock_retain_until_date: dt.datetime | None = None,
        object_lock_legal_hold_status: ObjectLockLegalHoldStatus | str | None = None,
        account: str | None = None,
    ) -> ObjectVersion:
        """Write a new object version and schedule its replication (R-080).

        Returns:
            the new version, with its replication status (``PENDING`` when eligible).
        """
        return self._write_object(
            bucket,
            key,
            body,
            metadata=metadata,
            tags=tags,
            content_type=content_type,
            acl=acl,
            storage_class=storage_class,
            server_side_encryption=server_side_encryption,
            sse_kms_key_id=sse_kms_key_id,
            sse_customer=sse_customer_algorithm is not None or sse_customer_key is not None,
            object_lock_mode=object_lock_mode,
            object_lock_retain_until_date=object_lock_retain_until_date,
            object_lock_legal_hold_status=object_lock_legal_hold_status,
            account=account,
            parts=None,
        )

    def copy_object(
        self,
        bucket: str,
        key: str,
        copy_source: str | Mapping[str, str],
        *,
        metadata: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
        storage_class: StorageClass | str | None = None,
        account: str | None = None,
    ) -> ObjectVersion:
        """Copy a version into a new version (replicated like any write, R-080).

        ``copy_source`` is ``"bucket/key"`` or boto3's ``{"Bucket", "Key", "VersionId"}``;
        metadata and tags are copied unless given.
        """
        if isinstance(copy_source, str):
            src_bucket, _, src_key = copy_source.partition("/")
            src_version = None
        else:
            src_bucket, src_key = copy_source["Bucket"], copy_source["Key"]
            src_version = copy_source.get("VersionId")
        source = self.head_object(src_bucket, src_key, version_id=src_version, account=account)
        return self._write_object(
            bucket,
            key,
            source.body,
            metadata=source.metadata if metadata is None else metadata,
            tags=source.tags if tags is None else tags,
            content_type=source.content_type,
            acl=None,
            storage_class=storage_class or source.storage_class,
            server_side_encryption=None,
            sse_kms_key_id=None,
            sse_customer=False,
            object_lock_mode=None,
            object_lock_retain_until_date=None,
            object_lock_legal_hold_status=None,
            account=account,
            parts=None,
        )

    def complete_multipart_upload(
        self,
        bucket: str,
        key: str,
        parts: Sequence[bytes],
        *,
        metadata: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
        storage_class: StorageClass | str = StorageClass.STANDARD,
        server_side_encryption: ServerSideEncryption | str | None = None,
        sse_kms_key_id: str | None = None,
        account: str | None = None,
    ) -> ObjectVersion:
        """Create a version from uploaded parts: multipart ETag ``"<md5 of md5s>-N"`` (R-090)."""
        if not parts:
            msg = "You must specify at least one part"
            raise MalformedMultipart(msg, bucket_name=bucket)
        return self._write_object(
            bucket,
            key,
            b"".join(parts),
            metadata=metadata,
            tags=tags,
            content_type="binary/octet-stream",
            acl=None,
            storage_class=storage_class,
            server_side_encryption=server_side_encryption,
            sse_kms_key_id=sse_kms_key_id,
            sse_customer=False,
            object_lock_mode=None,
            object_lock_retain_until_date=None,
            object_lock_legal_hold_status=None,
            account=account,
            parts=parts,
        )

    def _write_object(
        self,
        bucket: str,
        key: str,
        body: object,
        *,
        metadata: Mapping[str, str] | None,
        tags: Mapping[str, str] | None,
        content_type: str,
        acl: CannedAcl | str | None,
        storage_class: StorageClass | str,
        server_side_encryption: ServerSideEncryption | str | None,
        sse_kms_key_id: str | None,
        sse_customer: bool,
        object_lock_mode: ObjectLockMode | str | None,
        object_lock_retain_until_date: dt.datetime | None,
        object_lock_legal_hold_status: ObjectLockLegalHoldStatus | str | None,
        account: str | None,
        parts: Sequence[bytes] | None,
    ) -> ObjectVersion:
        target = self._bucket(bucket)
        caller = self._authorize(target, account, "s3:PutObject", key)
        check_object_key(key)
        if not isinstance(body, bytes | bytearray | memoryview):
            msg = "Body must be bytes"
            raise InvalidArgument(msg, bucket_name=bucket)
        data = bytes(body)
        frozen_tags = check_tags(tags)
        frozen_metadata = check_metadata(metadata)
        try:
            klass = StorageClass(storage_class)
        except ValueError:
            from s3repl.errors import InvalidStorageClass

            msg = "The storage class you specified is not valid"
            raise InvalidStorageClass(msg, bucket_name=bucket) from None
        sse, kms_key = self._encryption(
            target, server_side_encryption, sse_kms_key_id, sse_customer
        )
        owner, object_acl = self._ownership(target, caller, acl)
        mode, until, hold = self._lock_settings(
            target, object_lock_mode, object_lock_retain_until_date, object_lock_legal_hold_status
        )
        now_us = self._tick()
        if parts is None:
            etag = _etag(data)
            parts_count = None
        else:
            digest = hashlib.md5(usedforsecurity=False)
            for part in parts:
                digest.update(hashlib.md5(part, usedforsecurity=False).digest())
            etag = f'"{digest.hexdigest()}-{len(parts)}"'
            parts_count = len(parts)
        version = ObjectVersion(
            key=key,
            version_id=self._version_id_for(target),
            last_modified=_when(now_us),
            etag=etag,
            size=len(data),
            owner=owner,
            storage_class=klass,
            metadata=frozen_metadata,
            tags=frozen_tags,
            server_side_encryption=sse,
            sse_kms_key_id=kms_key,
            object_lock_mode=mode,
            object_lock_retain_until_date=until,
            object_lock_legal_hold_status=hold,
            content_type=content_type,
            acl=object_acl,
            body=data,
            sequence=self._next_sequence(),
            parts_count=parts_count,
        )
        routes = policy.route_object(self._world(), bucket, version)
        if routes:
            version = attrs.evolve(
                version,
                replication_status=ReplicationStatus.PENDING,
                destination_statuses=FrozenMap(
                    {r.destination_bucket: ReplicationStatus.PENDING for r in routes}
                ),
            )
        keys = self._objects[bucket]
        keys[key] = _store.push(keys.get(key), version)
        self._enqueue(bucket, version, routes, TaskKind.OBJECT)
        return attrs.evolve(version, is_latest=True)

    def _version_id_for(self, bucket: Bucket) -> str:
        if bucket.versioning is VersioningStatus.ENABLED:
            return self._new_version_id()
        return NULL_VERSION_ID

    def _encryption(
        self,
        bucket: Bucket,
        sse: ServerSideEncryption | str | None,
        kms_key_id: str | None,
        sse_customer: bool,  # noqa: FBT001 - private helper
    ) -> tuple[ServerSideEncryption, str | None]:
        if sse_customer:
            return ServerSideEncryption.SSE_C, None
        if sse is None:
            default = bucket.default_encryption
            return default.sse_algorithm, default.kms_master_key_id
        try:
            kind = ServerSideEncryption(sse)
        except ValueError:
            msg = f"The encryption method specified is not supported: {sse!r}"
            raise InvalidArgument(msg, bucket_name=bucket.name) from None
        if kind.uses_kms:
            if kms_key_id is None:
                msg = "An SSE-KMS object needs a KMS key id in this model (no aws/s3 managed key)"
                raise InvalidArgument(msg, bucket_name=bucket.name)
            return kind, kms_key_id
        if kms_key_id is not None:
            msg = "x-amz-server-side-encryption-aws-kms-key-id is only allowed with aws:kms"
            raise InvalidArgument(msg, bucket_name=bucket.name)
        return kind, None

    def _ownership(
        self, bucket: Bucket, caller: str, acl: CannedAcl | str | None
    ) -> tuple[str, Acl | None]:
        canned = None if acl is None else CannedAcl(acl)
        if bucket.ownership is ObjectOwnership.BUCKET_OWNER_ENFORCED:
            if canned not in (None, CannedAcl.BUCKET_OWNER_FULL_CONTROL):
                raise AccessControlListNotSupported(
                    _NOT_OWNER_ENFORCED_ACL, bucket_name=bucket.name
                )
            return bucket.owner, None
        owner = caller
        if (
            bucket.ownership is ObjectOwnership.BUCKET_OWNER_PREFERRED
            and canned is CannedAcl.BUCKET_OWNER_FULL_CONTROL
        ):
            owner = bucket.owner
        return owner, Acl.canned(
            canned or CannedAcl.PRIVATE, owner=owner, bucket_owner=bucket.owner
        )

    def _lock_settings(
        self,
        bucket: Bucket,
        mode: ObjectLockMode | str | None,
        until: dt.datetime | None,
        hold: ObjectLockLegalHoldStatus | str | None,
    ) -> tuple[ObjectLockMode | None, dt.datetime | None, ObjectLockLegalHoldStatus | None]:
        lock_mode = None if mode is None else ObjectLockMode(mode)
        legal_hold = None if hold is None else ObjectLockLegalHoldStatus(hold)
        if (lock_mode or until or legal_hold) and not bucket.object_lock_enabled:
            msg = "Bucket is missing Object Lock Configuration"
            raise InvalidRequest(msg, bucket_name=bucket.name)
        if (lock_mode is None) != (until is None):
            msg = (
                "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be "
                "supplied"
            )
            raise InvalidArgument(msg, bucket_name=bucket.name)
        if until is not None:
            if until.tzinfo is None:
                msg = "object_lock_retain_until_date must be timezone-aware"
                raise InvalidArgument(msg, bucket_name=bucket.name)
            if until <= self.now:
                msg = "The retain until date must be in the future!"
                raise InvalidArgument(msg, bucket_name=bucket.name)
        if lock_mode is None and bucket.object_lock is not None:
            default = bucket.object_lock.default_retention
            if default is not None:
                lock_mode, until = default.mode, default.retain_until(self.now)
        return lock_mode, until, legal_hold

    def _enqueue(
        self,
        bucket: str,
        version: Version,
        routes: Sequence[policy.Route],
        kind: TaskKind,
        *,
        replica_modification: bool = False,
    ) -> None:
        for route in routes:
            sequence = self._next_sequence()
            task = ReplicationTask(
                source_bucket=bucket,
                destination_bucket=route.destination_bucket,
                key=version.key,
                version_id=version.version_id,
                rule_id=route.rule_id,
                kind=kind,
                due_us=self._clock_us,
                sequence=sequence,
                replica_modification=replica_modification,
            )
            heapq.heappush(self._queue, (task.due_us, sequence, task))

    def delete_object(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        bypass_governance_retention: bool = False,
        account: str | None = None,
    ) -> DeleteResult:
        """Delete as S3 does: a marker without ``version_id``, a permanent delete with it.

        Deletes by version id never replicate (R-103); Object Lock refuses deleting a
        locked version (GOVERNANCE may be bypassed).
        """
        target = self._bucket(bucket)
        caller = self._authorize(
            target, account, "s3:DeleteObjectVersion" if version_id else "s3:DeleteObject", key
        )
        keys = self._objects[bucket]
        chain = keys.get(key)
        if version_id is not None:
            return self._delete_version(target, key, version_id, bypass=bypass_governance_retention)
        now_us = self._tick()
        if target.versioning is VersioningStatus.UNVERSIONED:
            if chain is not None:
                keys[key] = _store.remove(chain, NULL_VERSION_ID)
                if keys[key] is None:
                    del keys[key]
            return DeleteResult(version_id=None, delete_marker=False)
        marker = DeleteMarker(
            key=key,
            version_id=self._version_id_for(target),
            last_modified=_when(now_us),
            owner=caller,
            sequence=self._next_sequence(),
        )
        routes = policy.route_delete_marker(self._world(), bucket, marker)
        if routes:
            marker = attrs.evolve(
                marker,
                replication_status=ReplicationStatus.PENDING,
                destination_statuses=FrozenMap(
                    {r.destination_bucket: ReplicationStatus.PENDING for r in routes}
                ),
            )
        keys[key] = _store.push(chain, marker)
        self._enqueue(bucket, marker, routes, TaskKind.DELETE_MARKER)
        return DeleteResult(version_id=marker.version_id, delete_marker=True)

    def _delete_version(
        self, bucket: Bucket, key: str, version_id: str, *, bypass: bool
    ) -> DeleteResult:
        keys = self._objects[bucket.name]
        chain = keys.get(key)
        found = _store.find(chain, version_id)
        self._tick()
        if found is None:
            # S3 answers 204 for a version that does not exist.
            return DeleteResult(version_id=version_id, delete_marker=False)
        if isinstance(found, ObjectVersion) and self._locked(found, bypass=bypass):
            raise AccessDenied(_LOCKED_MESSAGE, bucket_name=bucket.name)
        rest = _store.remove(chain, version_id)
        if rest is None:
            del keys[key]
        else:
            keys[key] = rest
        return DeleteResult(version_id=version_id, delete_marker=isinstance(found, DeleteMarker))

    def _locked(self, version: ObjectVersion, *, bypass: bool) -> bool:
        if version.object_lock_legal_hold_status is ObjectLockLegalHoldStatus.ON:
            return True
        until = version.object_lock_retain_until_date
        if until is None or until <= self.now:
            return False
        return not (bypass and version.object_lock_mode is ObjectLockMode.GOVERNANCE)

    def expire_object(self, bucket: str, key: str) -> DeleteResult | None:
        """A lifecycle expiration of the key's current version (never replicated, R-104).

        On a versioned bucket it adds a lifecycle delete marker; on an unversioned one it
        removes the object.  While the current version is ``PENDING`` the expiration is
        deferred until it completes or fails (R-125), and ``None`` is returned.
        """
        target = self._bucket(bucket)
        keys = self._objects[bucket]
        chain = keys.get(key)
        if chain is None or isinstance(chain[0], DeleteMarker):
            self._tick()
            return DeleteResult(version_id=None, delete_marker=False)
        current = chain[0]
        if not policy.lifecycle_may_expire(current):
            self._tick()
            self._deferred_expirations[(bucket, key, current.version_id)] = None
            return None
        now_us = self._tick()
        if target.versioning is VersioningStatus.UNVERSIONED:
            rest = _store.remove(chain, current.version_id)
            if rest is None:
                del keys[key]
            else:
                keys[key] = rest
            return DeleteResult(version_id=None, delete_marker=False)
        marker = DeleteMarker(
            key=key,
            version_id=self._version_id_for(target),
            last_modified=_when(now_us),
            owner=target.owner,
            sequence=self._next_sequence(),
            by_lifecycle=True,
        )
        keys[key] = _store.push(chain, marker)
        return DeleteResult(version_id=marker.version_id, delete_marker=True)

    # --- objects: metadata changes ---------------------------------------------------------

    def _change_version(
        self,
        bucket: str,
        key: str,
        version_id: str | None,
        account: str | None,
        action: str,
        change: Callable[[ObjectVersion], ObjectVersion],
        *,
        acl_changed: bool = False,
    ) -> ObjectVersion:
        target = self._bucket(bucket)
        self._authorize(target, account, action, key)
        version = self._resolve(bucket, key, version_id)
        updated = change(version)
        self._tick()
        routes = policy.route_metadata(self._world(), bucket, updated, acl_changed=acl_changed)
        replica_sync = updated.replication_status is ReplicationStatus.REPLICA and bool(routes)
        if replica_sync:
            # a replica shows PENDING while its change travels back.
            updated = attrs.evolve(
                updated,
                replication_status=ReplicationStatus.PENDING,
                destination_statuses=FrozenMap(
                    {r.destination_bucket: ReplicationStatus.PENDING for r in routes}
                ),
            )
        keys = self._objects[bucket]
        keys[key] = _store.replace(keys[key], version.version_id, lambda _old: updated)
        self._enqueue(bucket, updated, routes, TaskKind.METADATA, replica_modification=replica_sync)
        return updated

    def put_object_tagging(
        self,
        bucket: str,
        key: str,
        tags: Mapping[str, str],
        *,
        version_id: str | None = None,
        account: str | None = None,
    ) -> ObjectVersion:
        """Replace a version's tags (metadata replication R-085; never makes it eligible, R-062)."""
        frozen = check_tags(tags)
        return self._change_version(
            bucket, key, version_id, account, "s3:PutObjectTagging",
            lambda v: attrs.evolve(v, tags=frozen),
        )  # fmt: skip

    def delete_object_tagging(
        self, bucket: str, key: str, *, version_id: str | None = None, account: str | None = None
    ) -> ObjectVersion:
        """Remove a version's tags (a metadata operation, R-085)."""
        return self._change_version(
            bucket, key, version_id, account, "s3:DeleteObjectTagging",
            lambda v: attrs.evolve(v, tags=FrozenMap()),
        )  # fmt: skip

    def get_object_tagging(
        self, bucket: str, key: str, *, version_id: str | None = None
    ) -> Mapping[str, str]:
        """Return a version's tags."""
        return self._resolve(bucket, key, version_id).tags

    def put_object_acl(
        self,
        bucket: str,
        key: str,
        *,
        acl: CannedAcl | str | None = None,
        access_control_policy: Mapping[str, Any] | Acl | None = None,
        version_id: str | None = None,
        account: str | None = None,
    ) -> ObjectVersion:
        """Set a version's ACL (canned or explicit); replicated unless overridden (R-084)."""
        target = self._bucket(bucket)
        if target.ownership is ObjectOwnership.BUCKET_OWNER_ENFORCED:
            raise AccessControlListNotSupported(_NOT_OWNER_ENFORCED_ACL, bucket_name=bucket)
        if (acl is None) == (access_control_policy is None):
            msg = "Specify exactly one of acl or access_control_policy"
            raise InvalidRequest(msg, bucket_name=bucket)

        def change(version: ObjectVersion) -> ObjectVersion:
            if acl is not None:
                new = Acl.canned(acl, owner=version.owner, bucket_owner=target.owner)
            elif isinstance(access_control_policy, Acl):
                new = access_control_policy
            else:
                assert access_control_policy is not None
                new = acl_from_dict(access_control_policy)
            return attrs.evolve(version, acl=new)

        return self._change_version(
            bucket, key, version_id, account, "s3:PutObjectAcl", change, acl_changed=True
        )

    def put_object_retention(
        self,
        bucket: str,
        key: str,
        *,
        mode: ObjectLockMode | str,
        retain_until_date: dt.datetime,
        version_id: str | None = None,
        account: str | None = None,
    ) -> ObjectVersion:
        """Set a version's retention (Object Lock buckets only; replicated, R-085, R-086)."""
        target = self._bucket(bucket)
        lock_mode, until, _ = self._lock_settings(target, mode, retain_until_date, None)
        return self._change_version(
            bucket, key, version_id, account, "s3:PutObjectRetention",
            lambda v: attrs.evolve(
                v, object_lock_mode=lock_mode, object_lock_retain_until_date=until
            ),
        )  # fmt: skip

    def put_object_legal_hold(
        self,
        bucket: str,
        key: str,
        *,
        status: ObjectLockLegalHoldStatus | str,
        version_id: str | None = None,
        account: str | None = None,
    ) -> ObjectVersion:
        """Set a version's legal hold (Object Lock buckets only; replicated, R-085)."""
        target = self._bucket(bucket)
        _, _, hold = self._lock_settings(target, None, None, status)
        return self._change_version(
            bucket, key, version_id, account, "s3:PutObjectLegalHold",
            lambda v: attrs.evolve(v, object_lock_legal_hold_status=hold),
        )  # fmt: skip

    # --- objects: reads ------------------------------------------------------------------------

    def _resolve(self, bucket: str, key: str, version_id: str | None) -> ObjectVersion:
        self._bucket(bucket)
        chain = self._objects[bucket].get(key)
        if version_id is None:
            if chain is None or isinstance(chain[0], DeleteMarker):
                msg = "The specified key does not exist."
                raise NoSuchKey(msg, bucket_name=bucket)
            return chain[0]
        found = _store.find(chain, version_id)
        if found is None:
            msg = "The specified version does not exist."
            raise NoSuchVersion(msg, bucket_name=bucket)
        if isinstance(found, DeleteMarker):
            msg = "The specified method is not allowed against this resource."
            raise MethodNotAllowed(msg, bucket_name=bucket)
        return found

    def head_object(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        account: str | None = None,
    ) -> ObjectVersion:
        """Return a version (the current one without ``version_id``).

        Raises:
            NoSuchKey: the key is absent or its current version is a delete marker.
            MethodNotAllowed: ``version_id`` names a delete marker.
            NoSuchVersion: ``version_id`` does not exist.
        """
        target = self._bucket(bucket)
        self._authorize(target, account, "s3:GetObject", key)
        version = self._resolve(bucket, key, version_id)
        chain = self._objects[bucket][key]
        assert chain is not None
        return attrs.evolve(version, is_latest=chain[0] is version)

    def get_object(
        self,
        bucket: str,
        key: str,
        *,
        version_id: str | None = None,
        account: str | None = None,
    ) -> ObjectVersion:
        """Return a version with its body (``.body``); errors as :meth:`head_object`."""
        return self.head_object(bucket, key, version_id=version_id, account=account)

    def list_object_versions(
        self, bucket: str, *, prefix: str = ""
    ) -> tuple[ObjectVersion | DeleteMarker, ...]:
        """Every version and delete marker, keys ascending, newest first per key."""
        self._bucket(bucket)
        out: list[ObjectVersion | DeleteMarker] = []
        keys = self._objects[bucket]
        for key in sorted(k for k in keys if k.startswith(prefix)):
            for index, version in enumerate(_store.iterate(keys[key])):
                out.append(attrs.evolve(version, is_latest=index == 0))
        return tuple(out)

    # --- the queue ----------------------------------------------------------------------------

    def pending(self) -> tuple[ReplicationTask, ...]:
        """The queued tasks in application order (due time, then sequence)."""
        return tuple(task for _, _, task in sorted(self._queue))

    def peek(self) -> ReplicationTask | None:
        """The task ``step()`` would apply next under FIFO order, or ``None``."""
        return self._queue[0][2] if self._queue else None

    def events(self) -> tuple[ReplicationEvent, ...]:
        """The replication event notifications emitted so far (R-128..R-130)."""
        return tuple(self._events)

    def replication_metrics(self, bucket: str) -> tuple[ReplicationMetrics, ...]:
        """The replication metrics of a source bucket, one per rule and destination (R-131).

        Operations cover objects, delete markers and metadata changes alike.
        """
        source = self._bucket(bucket)
        rows: dict[tuple[str, str], list[int]] = {}
        if source.replication is not None:
            for rule in source.replication.rules:
                rows[(rule.id or "", rule.destination.bucket_name)] = [0, 0, 0]
        for _, _, task in sorted(self._queue):
            if task.source_bucket != bucket:
                continue
            row = rows.setdefault((task.rule_id, task.destination_bucket), [0, 0, 0])
            version = _store.find(self._objects[bucket].get(task.key), task.version_id)
            row[0] += 1
            if isinstance(version, ObjectVersion) and task.kind is TaskKind.OBJECT:
                row[1] += version.size
            if version is not None:
                age_us = self._clock_us - round(
                    (version.last_modified - EPOCH).total_seconds() * 1e6
                )
                row[2] = max(row[2], age_us // 1_000_000)
        return tuple(
            ReplicationMetrics(
                source_bucket=bucket,
                rule_id=rule_id,
                destination_bucket=dest,
                operations_pending=pending,
                bytes_pending=size,
                replication_latency_seconds=latency,
                operations_failed=self._failed_operations.get((bucket, rule_id, dest), 0),
            )
            for (rule_id, dest), (pending, size, latency) in rows.items()
        )

    def set_faults(self, plan: FaultPlan) -> None:
        """Put a fault plan in force (``FaultPlan.none()`` switches faults off)."""
        self.faults = plan

    def step(self, task: ReplicationTask | None = None) -> StepResult:
        """Apply exactly one pending task (the next one, or the one named).

        Raises:
            NothingPendingError: nothing is pending.
            UnknownTaskError: ``task`` is not pending.
        """
        if not self._queue:
            msg = "no replication task is pending"
            raise NothingPendingError(msg)
        chosen = self._take(task)
        self._clock_us = max(self._tick(), chosen.due_us)
        return self._apply(chosen)

    def _take(self, task: ReplicationTask | None) -> ReplicationTask:
        if task is None and self.order == "fifo":
            return heapq.heappop(self._queue)[2]
        if task is None:
            index = self._interleave.randrange(len(self._queue))
        else:
            index = next((i for i, (_, _, queued) in enumerate(self._queue) if queued == task), -1)
            if index < 0:
                msg = f"task is not pending: {task!r}"
                raise UnknownTaskError(msg)
        entry = self._queue[index]
        self._queue[index] = self._queue[-1]
        self._queue.pop()
        heapq.heapify(self._queue)
        return entry[2]

    def run(self, *, steps_max: int = 100_000) -> tuple[StepResult, ...]:
        """Step until nothing is pending; at most ``steps_max`` steps.

        Raises:
            StepLimitExceededError: tasks are still pending after ``steps_max`` steps.
        """
        results: list[StepResult] = []
        for _ in range(steps_max):
            if not self._queue:
                return tuple(results)
            results.append(self.step())
        if self._queue:
            msg = f"{len(self._queue)} tasks still pending after {steps_max} steps"
            raise StepLimitExceededError(msg)
        return tuple(results)

    def _unavailable(self, task: ReplicationTask) -> frozenset[str]:
        plan = self.faults
        if plan.is_quiet:
            return frozenset()
        down = set(plan.unavailable_buckets)
        for name in (task.source_bucket, task.destination_bucket):
            bucket = self._buckets.get(name)
            if bucket is not None and bucket.region in plan.unavailable_regions:
                down.add(name)
        if plan.outage_rate and self._fault_rng.random() < plan.outage_rate:
            down.add(task.destination_bucket)
        return frozenset(down)

    def _apply(self, task: ReplicationTask) -> StepResult:
        keys = self._objects.get(task.source_bucket)
        version = None if keys is None else _store.find(keys.get(task.key), task.version_id)
        world = self._world()
        outcome = policy.apply_outcome(world, task, version, unavailable=self._unavailable(task))
        if outcome.verdict is policy.Verdict.RETRY:
            retry = attrs.evolve(task, due_us=self._clock_us + _RETRY_US)
            heapq.heappush(self._queue, (retry.due_us, retry.sequence, retry))
            return StepResult(task=task, status=ReplicationStatus.PENDING)
        if outcome.verdict is policy.Verdict.FAILED:
            self._record(task, ReplicationStatus.FAILED, outcome.reason)
            counter = (task.source_bucket, task.rule_id, task.destination_bucket)
            self._failed_operations[counter] = self._failed_operations.get(counter, 0) + 1
            self._emit_failure(task, outcome.reason)
            return StepResult(
                task=task, status=ReplicationStatus.FAILED, failure_reason=outcome.reason
            )
        assert version is not None
        self._write_replica(task, version, drop_tags=outcome.drop_tags)
        self._record(task, ReplicationStatus.COMPLETED, None)
        self._emit_threshold(task, version)
        return StepResult(task=task, status=ReplicationStatus.COMPLETED)

    def _write_replica(self, task: ReplicationTask, version: Version, *, drop_tags: bool) -> None:
        world = self._world()
        dest = self._buckets[task.destination_bucket]
        keys = self._objects[dest.name]
        chain = keys.get(task.key)
        if task.kind is TaskKind.METADATA:
            assert isinstance(version, ObjectVersion)
            keys[task.key] = _store.replace(
                chain,
                task.version_id,
                lambda old: (
                    policy.metadata_update(old, version, drop_tags=drop_tags)
                    if isinstance(old, ObjectVersion)
                    else old
                ),
            )
            return
        source = self._buckets[task.source_bucket]
        assert source.replication is not None
        rule = next((r for r in source.replication.rules if r.id == task.rule_id), None)
        if isinstance(version, DeleteMarker):
            replica: Version = attrs.evolve(
                version,
                replication_status=ReplicationStatus.REPLICA,
                destination_statuses=FrozenMap(),
                failure_reasons=FrozenMap(),
                is_latest=False,
            )
        else:
            replica = policy.build_replica(
                world, version, rule, dest, now=self.now, drop_tags=drop_tags
            )
        if self.profile.destination_version_order is DestinationVersionOrder.ARRIVAL:
            keys[task.key] = (replica, _store.remove(chain, replica.version_id))
        else:
            keys[task.key] = _store.insert_ordered(chain, replica)

    def _record(
        self, task: ReplicationTask, status: ReplicationStatus, reason: FailureReason | None
    ) -> None:
        """Record a destination's outcome on the source version and re-aggregate (R-123)."""
        if task.kind is TaskKind.METADATA and not task.replica_modification:
            return  # metadata operations leave the source's status as it is
        keys = self._objects.get(task.source_bucket)
        if keys is None or task.key not in keys:
            return

        def change(version: Version) -> Version:
            statuses = dict(version.destination_statuses)
            statuses[task.destination_bucket] = status
            reasons = dict(version.failure_reasons)
            if reason is not None:
                reasons[task.destination_bucket] = reason
            aggregate = policy.aggregate_status(statuses)
            if task.replica_modification and aggregate is ReplicationStatus.COMPLETED:
                aggregate = ReplicationStatus.REPLICA  # back to REPLICA when done
            return attrs.evolve(
                version,
                destination_statuses=FrozenMap(statuses),
                failure_reasons=FrozenMap(reasons),
                replication_status=aggregate,
            )

        keys[task.key] = _store.replace(keys[task.key], task.version_id, change)
        self._run_deferred_expiration(task.source_bucket, task.key, task.version_id)

    def _run_deferred_expiration(self, bucket: str, key: str, version_id: str) -> None:
        marker = (bucket, key, version_id)
        if marker not in self._deferred_expirations:
            return
        version = _store.find(self._objects[bucket].get(key), version_id)
        if version is not None and policy.lifecycle_may_expire(version):
            del self._deferred_expirations[marker]
            self.expire_object(bucket, key)

    def _rule(self, task: ReplicationTask) -> Any:
        source = self._buckets.get(task.source_bucket)
        if source is None or source.replication is None:
            return None
        return next((r for r in source.replication.rules if r.id == task.rule_id), None)

    def _emit_failure(self, task: ReplicationTask, reason: FailureReason | None) -> None:
        rule = self._rule(task)
        metrics = None if rule is None else rule.destination.metrics
        if metrics is None or metrics.status is not Status.ENABLED:
            return  # failure events need replication metrics on the rule
        self._events.append(self._event("OperationFailedReplication", task, failure_reason=reason))

    def _emit_threshold(self, task: ReplicationTask, version: Version) -> None:
        rule = self._rule(task)
        rtc = None if rule is None else rule.destination.replication_time
        if rtc is None or rtc.status is not Status.ENABLED or task.kind is not TaskKind.OBJECT:
            return  # threshold events need RTC, and cover objects only
        latency_us = self._clock_us - round((version.last_modified - EPOCH).total_seconds() * 1e6)
        if latency_us > _RTC_THRESHOLD_US:
            self._events.append(
                self._event(
                    "OperationReplicatedAfterThreshold",
                    task,
                    threshold=15,
                    replication_time_seconds=latency_us // 1_000_000,
                )
            )

    def _event(self, name: str, task: ReplicationTask, **fields: Any) -> ReplicationEvent:
        keys = self._objects.get(task.source_bucket, {})
        version = _store.find(keys.get(task.key), task.version_id)
        request_time = version.last_modified if version is not None else self.now
        operation = "OBJECT_DELETE" if task.kind is TaskKind.DELETE_MARKER else "OBJECT_PUT"
        return ReplicationEvent(
            event_name=f"Replication:{name}",
            event_time=self.now,
            source_bucket=task.source_bucket,
            key=task.key,
            version_id=task.version_id,
            rule_id=task.rule_id,
            destination_bucket=f"arn:aws:s3:::{task.destination_bucket}",
            s3_operation=operation,
            request_time=request_time,
            **fields,
        )


class MalformedMultipart(InvalidRequest):
    """A multipart completion without parts (S3 answers ``InvalidRequest``)."""


def _decode_replication(
    config: ReplicationConfiguration | Mapping[str, Any] | str | bytes,
) -> ReplicationConfiguration:
    if isinstance(config, ReplicationConfiguration):
        return config
    if isinstance(config, str | bytes):
        return replication_from_xml(config)
    return replication_from_dict(config)


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
