"""Operations on an engine: the :class:`Operation` values and the :func:`operations` strategy.

Each operation (a put, a delete, a tag / ACL / retention / legal-hold change, a
configuration change, a lifecycle expiration, a fault plan, a step) is a frozen value
whose repr is the Python that makes it and whose ``.apply(engine)`` performs it, drawn
for one :class:`~s3repl.testing.strategies.WorldSpec`.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Mapping

import attrs
from hypothesis import strategies as st

from s3repl.engine import Engine, FaultPlan
from s3repl.model import FrozenMap
from s3repl.model.acl import CannedAcl
from s3repl.model.enums import ObjectLockLegalHoldStatus, ObjectLockMode, ObjectOwnership
from s3repl.model.objects import DeleteMarker, ObjectVersion
from s3repl.model.replication import ReplicationConfiguration
from s3repl.testing._strategies._values import metadata, object_keys, tag_sets
from s3repl.testing._strategies._worlds import WorldSpec, _short_repr, _world_configurations


def _frozen_strings(value: Mapping[str, str]) -> FrozenMap[str, str]:
    return FrozenMap(value)


def _versions_of(engine: Engine, bucket: str, key: str) -> tuple[ObjectVersion | DeleteMarker, ...]:
    """The key's versions and delete markers, newest first."""
    return tuple(v for v in engine.list_object_versions(bucket, prefix=key) if v.key == key)


def _object_version_id(engine: Engine, bucket: str, key: str, index: int) -> str | None:
    """The id of the ``index``-th object version (markers skipped, cyclically), or ``None``."""
    versions = [v for v in _versions_of(engine, bucket, key) if isinstance(v, ObjectVersion)]
    return versions[index % len(versions)].version_id if versions else None


class Operation(abc.ABC):
    """One call on an engine, as a frozen value whose repr is the Python that makes it.

    :func:`operations` draws them for a :class:`WorldSpec`.  Operations that act on
    an existing version or task take an ``index`` chosen when drawn and resolved when
    applied (cyclically, among what exists then), so a drawn sequence stays
    meaningful whatever came before; with nothing to act on they do nothing.
    """

    __slots__ = ()

    @abc.abstractmethod
    def apply(self, engine: Engine) -> None:
        """Perform the operation on ``engine``.

        Raises:
            AccessDenied: only :class:`DeleteObjectVersion`, when Object Lock
                protects the version it chose (S3 refuses that delete too).
        """


@attrs.frozen(kw_only=True, repr=False)
class PutObject(Operation):
    """``put_object``: a new version of ``key`` with tags and user metadata (R-080).

    Attributes:
        bucket: the bucket written to.
        key: the object key.
        tags: the object's tags.
        metadata: its user metadata.
    """

    bucket: str
    key: str
    tags: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=_frozen_strings)
    metadata: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=_frozen_strings)

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Put the version."""
        engine.put_object(self.bucket, self.key, tags=self.tags, metadata=self.metadata)


@attrs.frozen(kw_only=True, repr=False)
class DeleteObject(Operation):
    """``delete_object`` without a version id: a delete marker (R-087).

    Attributes:
        bucket: the bucket.
        key: the object key (a marker is added even when the key has no version).
    """

    bucket: str
    key: str

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Add the delete marker."""
        engine.delete_object(self.bucket, self.key)


@attrs.frozen(kw_only=True, repr=False)
class DeleteObjectVersion(Operation):
    """``delete_object`` with a version id: a permanent delete, never replicated (R-103).

    Attributes:
        bucket: the bucket.
        key: the object key.
        index: which of the key's versions and markers (newest first, cyclically).
    """

    bucket: str
    key: str
    index: int = 0

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Delete the chosen version or marker; nothing when the key has none.

        Raises:
            AccessDenied: Object Lock protects the chosen version (legal hold, or a
                retention date still in the future).
        """
        versions = _versions_of(engine, self.bucket, self.key)
        if versions:
            chosen = versions[self.index % len(versions)]
            engine.delete_object(self.bucket, self.key, version_id=chosen.version_id)


@attrs.frozen(kw_only=True, repr=False)
class PutObjectTagging(Operation):
    """``put_object_tagging`` on an existing object version (R-062, R-085).

    Attributes:
        bucket: the bucket.
        key: the object key.
        tags: the new tag set.
        index: which object version (newest first, markers skipped, cyclically).
    """

    bucket: str
    key: str
    tags: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=_frozen_strings)
    index: int = 0

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Replace the chosen version's tags; nothing when the key has no object version."""
        version_id = _object_version_id(engine, self.bucket, self.key, self.index)
        if version_id is not None:
            engine.put_object_tagging(self.bucket, self.key, self.tags, version_id=version_id)


@attrs.frozen(kw_only=True, repr=False)
class PutObjectAcl(Operation):
    """``put_object_acl`` with a canned ACL on an existing object version (R-084).

    Drawn only for buckets whose ownership is not ``BucketOwnerEnforced``.

    Attributes:
        bucket: the bucket.
        key: the object key.
        acl: the canned ACL.
        index: which object version (newest first, markers skipped, cyclically).
    """

    bucket: str
    key: str
    acl: CannedAcl = CannedAcl.PRIVATE
    index: int = 0

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Set the chosen version's ACL; nothing when the key has no object version."""
        version_id = _object_version_id(engine, self.bucket, self.key, self.index)
        if version_id is not None:
            engine.put_object_acl(self.bucket, self.key, acl=self.acl, version_id=version_id)


@attrs.frozen(kw_only=True, repr=False)
class PutObjectRetention(Operation):
    """``put_object_retention`` on an existing object version (R-086).

    Drawn only for buckets with Object Lock.

    Attributes:
        bucket: the bucket.
        key: the object key.
        mode: the retention mode.
        days: the retention lasts this many days from the engine's clock at apply time.
        index: which object version (newest first, markers skipped, cyclically).
    """

    bucket: str
    key: str
    mode: ObjectLockMode = ObjectLockMode.GOVERNANCE
    days: int = 1
    index: int = 0

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Set the chosen version's retention; nothing when the key has no object version."""
        version_id = _object_version_id(engine, self.bucket, self.key, self.index)
        if version_id is not None:
            engine.put_object_retention(
                self.bucket,
                self.key,
                mode=self.mode,
                retain_until_date=engine.now + dt.timedelta(days=self.days),
                version_id=version_id,
            )


@attrs.frozen(kw_only=True, repr=False)
class PutObjectLegalHold(Operation):
    """``put_object_legal_hold`` on an existing object version (R-086).

    Drawn only for buckets with Object Lock.

    Attributes:
        bucket: the bucket.
        key: the object key.
        status: ``ON`` or ``OFF``.
        index: which object version (newest first, markers skipped, cyclically).
    """

    bucket: str
    key: str
    status: ObjectLockLegalHoldStatus = ObjectLockLegalHoldStatus.ON
    index: int = 0

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Set the chosen version's legal hold; nothing when the key has no object version."""
        version_id = _object_version_id(engine, self.bucket, self.key, self.index)
        if version_id is not None:
            engine.put_object_legal_hold(
                self.bucket, self.key, status=self.status, version_id=version_id
            )


@attrs.frozen(kw_only=True, repr=False)
class PutBucketReplication(Operation):
    """``put_bucket_replication``: replace the configuration (R-048).

    Attributes:
        bucket: the source bucket.
        configuration: the new configuration (valid in the world it was drawn for).
    """

    bucket: str
    configuration: ReplicationConfiguration

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Put the configuration."""
        engine.put_bucket_replication(self.bucket, self.configuration)


@attrs.frozen(kw_only=True, repr=False)
class ExpireObject(Operation):
    """``expire_object``: a lifecycle expiration of the current version, never replicated.

    Deferred while the current version is ``PENDING`` (R-104, R-125).

    Attributes:
        bucket: the bucket.
        key: the object key (nothing happens when it has no current version).
    """

    bucket: str
    key: str

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Expire the current version."""
        engine.expire_object(self.bucket, self.key)


@attrs.frozen(kw_only=True, repr=False)
class SetFaults(Operation):
    """``set_faults``: put a fault plan in force; ``FaultPlan()`` switches faults off (R-124).

    Attributes:
        plan: the plan.
    """

    plan: FaultPlan = attrs.field(factory=FaultPlan)

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Set the plan."""
        engine.set_faults(self.plan)


@attrs.frozen(kw_only=True, repr=False)
class Step(Operation):
    """``step(task)``: apply one pending task, any of them, so every order is reachable (R-141).

    Attributes:
        index: which pending task (in ``pending()`` order, cyclically).
    """

    index: int = 0

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Apply the chosen task; nothing when nothing is pending."""
        pending = engine.pending()
        if pending:
            engine.step(pending[self.index % len(pending)])


_INDEXES = st.integers(min_value=0, max_value=15)
_RETENTION_DAYS = st.integers(min_value=1, max_value=3650)
_ACLS = st.sampled_from(
    (CannedAcl.PRIVATE, CannedAcl.PUBLIC_READ, CannedAcl.BUCKET_OWNER_FULL_CONTROL)
)


def _filter_tag_sets(config: ReplicationConfiguration | None) -> list[dict[str, str]]:
    sets: list[dict[str, str]] = [{}]
    for rule in config.rules if config is not None else ():
        if rule.filter is not None and rule.filter.tags:
            tagged = {tag.key: tag.value for tag in rule.filter.tags}
            if tagged not in sets:
                sets.append(tagged)
    return sets


def _fault_plans(world: WorldSpec) -> st.SearchStrategy[FaultPlan]:
    names = tuple(bucket.name for bucket in world.destinations) or (world.source,)
    regions = tuple(sorted({bucket.region for bucket in world.buckets}))
    return st.one_of(
        st.just(FaultPlan()),
        st.builds(FaultPlan, unavailable_buckets=st.frozensets(st.sampled_from(names), min_size=1)),
        st.builds(
            FaultPlan, unavailable_regions=st.frozensets(st.sampled_from(regions), min_size=1)
        ),
        st.builds(FaultPlan, outage_rate=st.sampled_from((0.5, 1.0))),
    )


def operations(world: WorldSpec) -> st.SearchStrategy[Operation]:
    """Operations on the source bucket of ``world``, each valid there.

    Keys come mostly from a small pool (``"a"`` and ``<prefix>a`` for each rule's
    prefix) so that versions pile up on the same keys; tag sets include the ones the
    rules' filters name.  Drawn: :class:`PutObject`, :class:`Step`,
    :class:`DeleteObject`, :class:`DeleteObjectVersion`, :class:`PutObjectTagging`,
    :class:`ExpireObject`, :class:`SetFaults`, :class:`PutBucketReplication` (another
    configuration valid in the world; none if it has no destination), plus
    :class:`PutObjectAcl` when the source accepts ACLs, and :class:`PutObjectRetention`
    / :class:`PutObjectLegalHold` when it has Object Lock.

    Args:
        world: the world (usually drawn from :func:`worlds`).

    Returns:
        A strategy of :class:`Operation`, shrinking towards ``Step()`` (a no-op
        when nothing is pending) and puts towards ``PutObject`` of ``"a"`` without
        tags or metadata.  Apply a drawn list in order to ``world.build()``.
    """
    source = world.source_bucket
    bucket = st.just(source.name)
    config = world.configuration
    prefixes = tuple(dict.fromkeys(rule.key_prefix for rule in config.rules)) if config else ()
    pool = st.sampled_from(tuple(dict.fromkeys(("a", *(f"{p}a" for p in prefixes)))))
    keys = pool | object_keys(prefixes=prefixes)
    tag_choices = st.sampled_from(_filter_tag_sets(config)) | tag_sets()
    choices: list[st.SearchStrategy[Operation]] = [
        st.builds(PutObject, bucket=bucket, key=keys, tags=tag_choices, metadata=metadata()),
        st.builds(Step, index=_INDEXES),
        st.builds(DeleteObject, bucket=bucket, key=keys),
        st.builds(DeleteObjectVersion, bucket=bucket, key=pool, index=_INDEXES),
        st.builds(PutObjectTagging, bucket=bucket, key=pool, tags=tag_choices, index=_INDEXES),
        st.builds(ExpireObject, bucket=bucket, key=pool),
        st.builds(SetFaults, plan=_fault_plans(world)),
    ]
    if world.destinations:
        choices.append(
            st.builds(
                PutBucketReplication, bucket=bucket, configuration=_world_configurations(world)
            )
        )
    if source.ownership is not ObjectOwnership.BUCKET_OWNER_ENFORCED:
        choices.append(st.builds(PutObjectAcl, bucket=bucket, key=pool, acl=_ACLS, index=_INDEXES))
    if source.object_lock:
        choices.append(
            st.builds(
                PutObjectRetention,
                bucket=bucket,
                key=pool,
                mode=st.sampled_from(tuple(ObjectLockMode)),
                days=_RETENTION_DAYS,
                index=_INDEXES,
            )
        )
        choices.append(
            st.builds(
                PutObjectLegalHold,
                bucket=bucket,
                key=pool,
                status=st.sampled_from(tuple(ObjectLockLegalHoldStatus)),
                index=_INDEXES,
            )
        )
    return st.one_of(choices)
