"""World: an immutable snapshot of everything the engine knows.

``validate`` and ``policy`` read a World; the engine builds one with ``snapshot()``
and can start again from it.  It sits above ``iam`` (roles and bucket policies hold
parsed policy documents) and below ``policy``/``validate``/``engine``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeAlias

import attrs

from s3repl.iam import PolicyDocument
from s3repl.model import (
    Bucket,
    DeleteMarker,
    FrozenMap,
    ObjectVersion,
    ReplicationConfiguration,
    ReplicationTask,
)
from s3repl.model.names import (
    DEFAULT_ACCOUNT,
    KmsKeyArn,
    is_aws_managed_key_arn,
    is_opt_in_region,
)
from s3repl.profile import Profile

__all__ = [
    "Account",
    "Chain",
    "EngineMemento",
    "KmsKey",
    "Role",
    "Version",
    "World",
    "find_kms_key",
]

#: A stored version of a key: an object version or a delete marker.
Version: TypeAlias = ObjectVersion | DeleteMarker
#: A key's versions as a cons list, newest first: ``(version, rest)``; ``None`` is empty.
Chain: TypeAlias = "tuple[Version, Chain] | None"


def _regions(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


@attrs.frozen(kw_only=True)
class Account:
    """An AWS account and the opt-in regions it has enabled (R-001)."""

    id: str
    enabled_regions: frozenset[str] = attrs.field(default=frozenset(), converter=_regions)

    def region_enabled(self, region: str) -> bool:
        """Whether the account may use ``region`` (default regions always, opt-in if enabled)."""
        return not is_opt_in_region(region) or region in self.enabled_regions


@attrs.frozen(kw_only=True)
class Role:
    """An IAM role: its permission policy and its trust policy (R-006, R-155)."""

    arn: str
    policy: PolicyDocument
    trust_policy: PolicyDocument

    @property
    def account(self) -> str:
        """The account that owns the role."""
        return self.arn.split(":")[4]


@attrs.frozen(kw_only=True)
class KmsKey:
    """A symmetric customer-managed KMS key (R-014, R-027)."""

    arn: str
    account: str
    region: str
    enabled: bool = True
    pending_deletion: bool = False
    policy: PolicyDocument | None = None
    #: An AWS managed key (``aws/s3``): its key policy lets only principals of its own
    #: account use it, through S3, so it cannot serve another account (R-014).
    aws_managed: bool = False

    @property
    def usable(self) -> bool:
        """Whether the key can encrypt and decrypt (enabled, not pending deletion)."""
        return self.enabled and not self.pending_deletion


def find_kms_key(keys: Mapping[str, KmsKey], arn: str) -> KmsKey | None:
    """The key ``arn`` names among ``keys``, or an account's ``aws/s3`` key, else ``None``.

    AWS managed keys exist implicitly: S3 creates one per account and Region when it is
    first needed (R-014), so a key ARN of ``aws_managed_key_arn`` always finds one.
    """
    key = keys.get(arn)
    if key is not None or not is_aws_managed_key_arn(arn):
        return key
    parsed = KmsKeyArn.parse(arn)
    return KmsKey(arn=arn, account=parsed.account, region=parsed.region, aws_managed=True)


_EMPTY: FrozenMap[str, object] = FrozenMap()


@attrs.frozen
class EngineMemento:
    """The engine's own state (seeds, random generators, queue draw, events) in a World.

    The engine subclasses this with named, typed fields (``EngineState`` in
    ``s3repl.engine``); a World names only this base because it lives below the engine.
    """


@attrs.frozen(kw_only=True)
class World:
    """An immutable snapshot of accounts, buckets, roles, keys, objects and the queue.

    A stored version's ``is_latest`` is the value it was written with; only the
    engine's reads (``head_object``, ``list_object_versions``) compute it from the
    chain, so read currentness from the chain's head, not from that flag.
    """

    profile: Profile = attrs.field(factory=Profile.aws)
    accounts: FrozenMap[str, Account] = attrs.field(
        factory=lambda: FrozenMap({DEFAULT_ACCOUNT: Account(id=DEFAULT_ACCOUNT)})
    )
    buckets: FrozenMap[str, Bucket] = attrs.field(factory=FrozenMap)
    bucket_policies: FrozenMap[str, PolicyDocument] = attrs.field(factory=FrozenMap)
    roles: FrozenMap[str, Role] = attrs.field(factory=FrozenMap)
    kms_keys: FrozenMap[str, KmsKey] = attrs.field(factory=FrozenMap)
    objects: FrozenMap[str, FrozenMap[str, Chain]] = attrs.field(factory=FrozenMap)
    pending: tuple[ReplicationTask, ...] = ()
    clock_us: int = 0
    sequence: int = 0
    #: Lifecycle expirations waiting for a version to leave PENDING (R-125):
    #: ``(bucket, key, version_id)``, in the order they were deferred.
    deferred_expirations: tuple[tuple[str, str, str], ...] = ()
    #: Configuration changes not yet in force (R-052): ``(bucket, (configuration or
    #: None, calls or steps left))``.
    propagating: tuple[tuple[str, tuple[ReplicationConfiguration | None, int]], ...] = ()
    #: The engine's own state (seed, order, random generators, fault plan, events,
    #: counters), carried so that ``Engine.from_snapshot`` continues exactly; ``None``
    #: in a World built by hand (the engine then starts fresh: seed 0, FIFO).
    engine_state: EngineMemento | None = None

    def bucket(self, name: str) -> Bucket | None:
        """Return the bucket called ``name``, or ``None``."""
        return self.buckets.get(name)

    def kms_key(self, arn: str) -> KmsKey | None:
        """Return the KMS key ``arn`` names, an account's ``aws/s3`` key too (``find_kms_key``)."""
        return find_kms_key(self.kms_keys, arn)

    def account(self, account_id: str) -> Account:
        """Return the account, or a fresh one (any 12-digit id is an account)."""
        return self.accounts.get(account_id) or Account(id=account_id)

    def version(self, bucket: str, key: str, version_id: str) -> Version | None:
        """Return a key's version (or delete marker) ``version_id``, or ``None``.

        Policy finds one version through this (a metadata change looks for its
        replica); the engine's live view answers it without walking the key.
        """
        chain = self.objects.get(bucket, FrozenMap()).get(key)
        while chain is not None:
            if chain[0].version_id == version_id:
                return chain[0]
            chain = chain[1]
        return None

    def versions(self, bucket: str, key: str) -> tuple[Version, ...]:
        """Return a key's versions, newest first."""
        chain = self.objects.get(bucket, FrozenMap()).get(key)
        out: list[Version] = []
        while chain is not None:
            out.append(chain[0])
            chain = chain[1]
        return tuple(out)
