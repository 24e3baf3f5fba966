"""Whole consistent worlds: :class:`WorldSpec` and the :func:`worlds` strategy.

A world spec is a frozen, printable description of accounts, opt-in regions, a
versioned source, versioned destinations, a trusted role, cross-account bucket
policies, KMS keys and a replication configuration that ``PutBucketReplication``
accepts there; ``.build()`` makes a fresh engine from it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import attrs
from hypothesis import strategies as st

from s3repl import iam
from s3repl.engine import Engine
from s3repl.model.enums import ObjectOwnership
from s3repl.model.names import DEFAULT_ACCOUNT, is_opt_in_region
from s3repl.model.replication import Destination, ReplicationConfiguration, SchemaVersion
from s3repl.profile import Profile
from s3repl.testing._strategies._configurations import (
    _destination_in,
    _schema,
    replication_configurations,
)
from s3repl.testing._strategies._values import account_ids, bucket_names


def _short_repr(value: Any) -> str:
    """``Class(field=value, ...)`` naming only fields that differ from their default.

    Still valid Python (defaults are restored on construction) and much shorter in
    Hypothesis's failure reports than attrs' full repr.
    """
    parts = []
    for field in attrs.fields(type(value)):
        current = getattr(value, field.name)
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory()
        if default is not attrs.NOTHING and current == default:
            continue
        parts.append(f"{field.name}={current!r}")
    return f"{type(value).__name__}({', '.join(parts)})"


def _strings_tuple(value: Sequence[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True, repr=False)
class AccountSpec:
    """An account of a :class:`WorldSpec` and the opt-in regions it enabled (R-001).

    Attributes:
        id: the 12-digit account id.
        regions: the opt-in regions the account enabled (default regions are always on).
    """

    id: str
    regions: tuple[str, ...] = attrs.field(default=(), converter=_strings_tuple)

    __repr__ = _short_repr


@attrs.frozen(kw_only=True, repr=False)
class BucketSpec:
    """A bucket of a :class:`WorldSpec`.

    Attributes:
        name: the bucket name.
        account: the owning account id.
        region: the bucket's region.
        versioning: whether versioning is enabled (Object Lock implies it).
        object_lock: whether Object Lock is enabled.
        ownership: the Object Ownership setting (``BucketOwnerEnforced`` refuses ACLs).
        grant_role: whether the bucket policy grants the world's role what replication
            needs on this bucket: the cross-account grant of R-012 (object actions,
            legal hold and retention when Object Lock is on, and the bucket actions).
    """

    name: str
    account: str = DEFAULT_ACCOUNT
    region: str = "us-east-1"
    versioning: bool = True
    object_lock: bool = False
    ownership: ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED
    grant_role: bool = False

    __repr__ = _short_repr


@attrs.frozen(kw_only=True, repr=False)
class KmsKeySpec:
    """A customer-managed KMS key of a :class:`WorldSpec` (R-014, R-027).

    Attributes:
        key_id: the key id (the part after ``key/``).
        region: the key's region.
        account: the owning account id.
    """

    key_id: str
    region: str = "us-east-1"
    account: str = DEFAULT_ACCOUNT

    __repr__ = _short_repr

    @property
    def arn(self) -> str:
        """The key ARN, ``arn:aws:kms:<region>:<account>:key/<key_id>``."""
        return f"arn:aws:kms:{self.region}:{self.account}:key/{self.key_id}"


def _bucket_specs(value: Sequence[BucketSpec]) -> tuple[BucketSpec, ...]:
    return tuple(value)


def _account_specs(value: Sequence[AccountSpec]) -> tuple[AccountSpec, ...]:
    return tuple(value)


def _key_specs(value: Sequence[KmsKeySpec]) -> tuple[KmsKeySpec, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True, repr=False)
class WorldSpec:
    """A frozen description of a world, and a factory of engines holding it.

    An :class:`~s3repl.engine.Engine` is mutable, so :func:`worlds` yields this
    description instead: Hypothesis can print it (the repr is valid Python, naming
    only fields that differ from their defaults) and every :meth:`build` starts a
    fresh, independent engine in the same state.  ``spec.build`` is also a
    ready-made ``world`` argument for ``s3repl.testing.properties.check_policy``.

    Attributes:
        source: the name of the source bucket (one of :attr:`buckets`).
        buckets: every bucket, source first.
        role: the replication role's ARN.
        configuration: the replication configuration :meth:`build` puts on
            :attr:`source`, or ``None`` for none.
        accounts: accounts to create, with their enabled opt-in regions.
        kms_keys: KMS keys to create.
        role_policy: the role's permission policy; ``None`` allows every replication
            action on every resource.
        role_trusted: whether the role's trust policy lets S3 assume it (R-006).
        seed: the engine seed.
        profile: the engine's behaviour switches.

    Raises:
        ValueError: bucket names repeat, or :attr:`source` is not among them.
    """

    source: str
    buckets: tuple[BucketSpec, ...] = attrs.field(converter=_bucket_specs)
    role: str
    configuration: ReplicationConfiguration | None = None
    accounts: tuple[AccountSpec, ...] = attrs.field(default=(), converter=_account_specs)
    kms_keys: tuple[KmsKeySpec, ...] = attrs.field(default=(), converter=_key_specs)
    role_policy: iam.PolicyDocument | None = None
    role_trusted: bool = True
    seed: int = 0
    profile: Profile = attrs.field(factory=Profile.aws)

    __repr__ = _short_repr

    def __attrs_post_init__(self) -> None:
        """Require the source among the buckets, and bucket names to be unique."""
        names = [bucket.name for bucket in self.buckets]
        if len(set(names)) != len(names):
            msg = f"bucket names must be unique, got {names}"
            raise ValueError(msg)
        if self.source not in names:
            msg = f"the source {self.source!r} is not one of the buckets {names}"
            raise ValueError(msg)

    def bucket(self, name: str) -> BucketSpec:
        """The bucket called ``name``.

        Raises:
            KeyError: no bucket has that name.
        """
        for bucket in self.buckets:
            if bucket.name == name:
                return bucket
        raise KeyError(name)

    @property
    def source_bucket(self) -> BucketSpec:
        """The source bucket's description."""
        return self.bucket(self.source)

    @property
    def destinations(self) -> tuple[BucketSpec, ...]:
        """Every bucket other than the source, in order."""
        return tuple(bucket for bucket in self.buckets if bucket.name != self.source)

    def build(self, *, replication: bool = True) -> Engine:
        """Make a fresh engine holding this world.

        Args:
            replication: put :attr:`configuration` on the source (when there is one);
                ``False`` leaves the source without a configuration, for callers
                that put their own.

        Returns:
            A new engine; nothing is pending.

        Raises:
            s3repl.errors.S3Error: whatever the engine refuses (a hand-made spec may be
                inconsistent; specs from :func:`worlds` never are).
        """
        engine = Engine(seed=self.seed, profile=self.profile)
        for account in self.accounts:
            engine.create_account(account.id, regions=account.regions)
        for bucket in self.buckets:
            engine.create_bucket(
                bucket.name,
                account=bucket.account,
                region=bucket.region,
                versioning=bucket.versioning,
                object_lock=bucket.object_lock,
            )
            if bucket.ownership is not ObjectOwnership.BUCKET_OWNER_ENFORCED:
                engine.put_bucket_ownership_controls(bucket.name, bucket.ownership)
        engine.create_role(self.role, policy=self.role_policy, trusted=self.role_trusted)
        for key in self.kms_keys:
            engine.create_kms_key(region=key.region, account=key.account, key_id=key.key_id)
        for bucket in self.buckets:
            if bucket.grant_role:
                engine.put_bucket_policy(bucket.name, _replication_grant(bucket, self.role))
        if replication and self.configuration is not None:
            engine.put_bucket_replication(self.source, self.configuration)
        return engine


#: Destination object actions a locked source also needs granted (R-010, R-158).
_LOCK_GRANT_ACTIONS = ("s3:PutObjectLegalHold", "s3:PutObjectRetention")


def _replication_grant(bucket: BucketSpec, role: str) -> iam.PolicyDocument:
    """The destination bucket policy of R-012 for ``role``, lock actions included."""
    document = iam.destination_bucket_policy(bucket.name, principal=role)
    objects, *rest = document.statements
    if bucket.object_lock:
        objects = attrs.evolve(objects, actions=(*(objects.actions or ()), *_LOCK_GRANT_ACTIONS))
    return attrs.evolve(document, statements=(objects, *rest))


#: Regions of the worlds: defaults first (they shrink there), then two opt-in ones.
_WORLD_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2", "af-south-1", "eu-south-1")
_WORLD_ROLE_NAME = "s3repl-replication"
_OTHER_ACCOUNT_LISTS = st.lists(
    account_ids().filter(lambda a: a != DEFAULT_ACCOUNT), max_size=2, unique=True
)
_WORLD_BUCKET_NAMES = st.lists(bucket_names(), min_size=2, max_size=4, unique=True)
_OWNERSHIPS = st.sampled_from(tuple(ObjectOwnership))
_SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def _kms_key_id(index: int) -> str:
    return f"00000000-0000-4000-8000-{index:012d}"


def _world_keys(source_account: str, destinations: Sequence[BucketSpec]) -> tuple[KmsKeySpec, ...]:
    # One key per destination, in its region, owned by the source account (so the
    # role's own policy may use it, R-014).
    return tuple(
        KmsKeySpec(key_id=_kms_key_id(i), region=dest.region, account=source_account)
        for i, dest in enumerate(destinations)
    )


def _enabled_regions(source: BucketSpec, destinations: Sequence[BucketSpec]) -> dict[str, set[str]]:
    """R-001: the opt-in regions each account must enable for every pair to work."""
    needed: dict[str, set[str]] = {source.account: set()}
    for dest in destinations:
        needed.setdefault(dest.account, set())
        for account, region in (
            (source.account, source.region),
            (source.account, dest.region),
            (dest.account, dest.region),
        ):
            if is_opt_in_region(region):
                needed[account].add(region)
    return needed


@st.composite
def _world_destinations(draw: st.DrawFn, owners: tuple[tuple[str, str], ...]) -> Destination:
    name, owner = draw(st.sampled_from(owners))
    account = draw(st.none() | st.just(owner))  # Account, when named, is the real owner
    return _destination_in(draw, name, account=account)


def _with_world_keys(
    config: ReplicationConfiguration, keys: Mapping[str, str]
) -> ReplicationConfiguration:
    """Point each rule's replica KMS key at the world's key for its destination (R-027)."""
    rules = []
    for rule in config.rules:
        encryption = rule.destination.encryption_configuration
        key = keys.get(rule.destination.bucket_name)
        if encryption is not None and encryption.replica_kms_key_id is not None and key:
            destination = attrs.evolve(
                rule.destination,
                encryption_configuration=attrs.evolve(encryption, replica_kms_key_id=key),
            )
            rule = attrs.evolve(rule, destination=destination)
        rules.append(rule)
    return attrs.evolve(config, rules=tuple(rules))


def _world_configurations(
    world: WorldSpec,
    *,
    schema: Literal["V1", "V2"] | SchemaVersion | None = None,
) -> st.SearchStrategy[ReplicationConfiguration]:
    """Configurations valid in ``world``: its role, its destinations, its KMS keys."""
    owners = tuple((dest.name, dest.account) for dest in world.destinations)
    keys: dict[str, str] = {}
    for dest in world.destinations:
        for key in world.kms_keys:
            if key.region == dest.region:
                keys.setdefault(dest.name, key.arn)
    configurations = replication_configurations(
        role=st.just(world.role),
        destinations=_world_destinations(owners),
        schema=schema,
        not_or=world.profile.enable_not_or_filters,
    )
    return configurations.map(lambda config: _with_world_keys(config, keys))


@st.composite
def _worlds(
    draw: st.DrawFn,
    schema: Literal["V1", "V2"] | SchemaVersion | None,
    profile: Profile,
) -> WorldSpec:
    names = draw(_WORLD_BUCKET_NAMES)
    owners = (DEFAULT_ACCOUNT, *draw(_OTHER_ACCOUNT_LISTS))
    accounts = st.sampled_from(owners)
    regions = st.sampled_from(_WORLD_REGIONS)
    locked = draw(st.booleans())
    source = BucketSpec(
        name=names[0],
        account=draw(accounts),
        region=draw(regions),
        object_lock=locked,
        ownership=draw(_OWNERSHIPS),
    )
    destinations = []
    for name in names[1:]:
        owner = draw(accounts)
        region = draw(regions)
        # Drawn even when the source is locked: skipping the draw would make a locked
        # world the shorter (so "simpler") choice sequence for the shrinker.
        lock = draw(st.booleans())
        destinations.append(
            BucketSpec(
                name=name,
                account=owner,
                region=region,
                object_lock=locked or lock,  # a locked source needs locked destinations
                # another account's destination grants the role.
                grant_role=owner != source.account,
            )
        )
    enabled = _enabled_regions(source, destinations)
    spec = WorldSpec(
        source=source.name,
        buckets=(source, *destinations),
        role=f"arn:aws:iam::{source.account}:role/{_WORLD_ROLE_NAME}",
        accounts=tuple(
            AccountSpec(id=account, regions=tuple(sorted(enabled.get(account, ()))))
            for account in owners
            if account != DEFAULT_ACCOUNT or enabled.get(account)
        ),
        kms_keys=_world_keys(source.account, destinations),
        seed=draw(_SEEDS),
        profile=profile,
    )
    configuration = draw(_world_configurations(spec, schema=schema))
    return attrs.evolve(spec, configuration=configuration)


@functools.cache
def _cached_worlds(schema: SchemaVersion | None, *, not_or: bool) -> st.SearchStrategy[WorldSpec]:
    profile = Profile.aws().evolve(enable_not_or_filters=True) if not_or else Profile.aws()
    return _worlds(schema, profile)


def worlds(
    *,
    schema: Literal["V1", "V2"] | SchemaVersion | None = None,
    not_or: bool = False,
) -> st.SearchStrategy[WorldSpec]:
    """Consistent worlds in which replication is configured and can succeed.

    Each world has one to three accounts (destinations in another account than the
    source get a bucket policy granting the role, R-012), regions among a few default
    and opt-in ones with every needed opt-in region enabled (R-001), a versioned
    source (sometimes with Object Lock, then every destination has it too, R-009; and
    sometimes accepting ACLs), one to three versioned destinations, a trusted role
    allowed every replication action (R-006, R-155), one KMS key per destination in
    its region (R-027), and a configuration from :func:`replication_configurations`
    over those destinations that ``PutBucketReplication`` accepts
    (``validate_replication`` finds no problem and ``check_requirements`` no finding).

    Args:
        schema: the schema of the configuration: ``"V1"``, ``"V2"`` or ``None``
            for both.
        not_or: switch ``Profile.enable_not_or_filters`` on and let filters use
            ``Not`` / ``Or``.

    Returns:
        A strategy of :class:`WorldSpec`, shrinking towards one account, one
        destination in ``us-east-1`` and the smallest configuration.

    Raises:
        hypothesis.errors.InvalidArgument: for an unknown ``schema``.
    """
    return _cached_worlds(None if schema is None else _schema(schema), not_or=not_or)


# ``st.from_type(WorldSpec)``: registered here, where the type lives (the entry-point
# hook in ``_hypothesis_setup`` registers the model types).
st.register_type_strategy(WorldSpec, lambda _thing: worlds())
