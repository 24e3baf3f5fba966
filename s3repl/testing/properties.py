"""Policy properties: what users state about their replication policy, checked by search.

A property is a frozen value with ``check(engine, journal=None)`` that raises
:class:`PropertyViolation` when the engine's state breaks it::

    from s3repl.testing.properties import check_policy, never_leaves

    check_policy(world, config, never_leaves(region="eu-west-1", tagged={"class": "secret"}))

:func:`check_policy` searches with Hypothesis for a workload (puts, deletes with and
without version id, tag changes and steps on the source bucket) after which, once
everything is replicated, a property is false, and raises :class:`PolicyViolation`
showing the shrunk workload as a list of engine calls.  The state machine of
:mod:`s3repl.testing.machine` checks the same properties at the end of every run.

Properties judge the state after a run; one that needs to know *what happened* (such as
:func:`never_replicates_deletes_by_version`) reads the :class:`Journal` of calls that
both runners keep.

A check never passes vacuously: :func:`check_policy` without a property, or with one
naming a bucket the world lacks or a region that none of its buckets (or not the source)
is in, raises :class:`CheckSetupError` (a ``ValueError``) before searching, and an error
that follows from a default (``source="src"``, ``config=None``) names the default.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeAlias

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s3repl.engine import Engine, FaultPlan
from s3repl.errors import S3Error
from s3repl.model import (
    NULL_VERSION_ID,
    DeleteMarker,
    FrozenMap,
    ObjectVersion,
    ReplicationConfiguration,
    ReplicationStatus,
    StorageClass,
)
from s3repl.testing._vacuity import CheckSetupError, validate_check
from s3repl.world import Version, World

__all__ = [
    "Call",
    "CheckSetupError",
    "EventuallyReplicated",
    "Journal",
    "JournalEntry",
    "NeverLeaves",
    "NeverReplicatesDeletesByVersion",
    "PolicyProperty",
    "PolicyViolation",
    "PropertyViolation",
    "ReplicasOwnedBy",
    "WorldSource",
    "check_policy",
    "eventually_replicated",
    "never_leaves",
    "never_replicates_deletes_by_version",
    "replicas_owned_by",
    "validate_check",
]

#: Where a run starts, an engine (forked per run), a snapshot, or a function making one.
WorldSource: TypeAlias = Engine | World | Callable[[], Engine]


class PropertyViolation(AssertionError):
    """A policy property does not hold in an engine's state.

    Attributes:
        property: the property that failed.
        detail: what broke, in words.
    """

    def __init__(self, prop: PolicyProperty, detail: str) -> None:
        self.property = prop
        self.detail = detail
        super().__init__(f"{prop!r} does not hold: {detail}")


class PolicyViolation(AssertionError):
    """:func:`check_policy` found a workload after which a property is false.

    Attributes:
        property: the property that failed.
        workload: the shrunk workload, as the engine calls that reproduce it.
        detail: what broke after the workload, in words.
    """

    def __init__(
        self, prop: PolicyProperty, workload: Sequence[Call], detail: str, *, source: str = "src"
    ) -> None:
        self.property = prop
        self.workload = tuple(workload)
        self.detail = detail
        lines = "\n".join(f"    {call!r}" for call in self.workload)
        super().__init__(
            f"{prop!r} is false for this policy.\n"
            f"Counterexample, shrunk by Hypothesis: on a fresh engine from the world, with "
            f"the configuration put on {source!r},\n"
            f"{lines}\n"
            f"Then: {detail}"
        )


# --- calls and journals -----------------------------------------------------------------


def _args(value: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(value)


def _kwargs(value: Mapping[str, Any]) -> FrozenMap[str, Any]:
    return FrozenMap(value)


@attrs.frozen
class Call:
    """One engine call of a workload; its repr is the Python that makes it.

    Attributes:
        method: the engine method, e.g. ``"put_object"``.
        args: positional arguments.
        kwargs: keyword arguments.
    """

    method: str
    args: tuple[Any, ...] = attrs.field(default=(), converter=_args)
    kwargs: FrozenMap[str, Any] = attrs.field(factory=FrozenMap, converter=_kwargs)

    def __repr__(self) -> str:
        """Return ``engine.method(arg, ..., name=value)``."""
        parts = [repr(a) for a in self.args]
        parts += [f"{name}={value!r}" for name, value in self.kwargs.items()]
        return f"engine.{self.method}({', '.join(parts)})"

    def apply(self, engine: Engine) -> Any:
        """Make the call on ``engine`` and return what it returns."""
        return getattr(engine, self.method)(*self.args, **self.kwargs)


@attrs.frozen
class JournalEntry:
    """A call and the world just before it."""

    call: Call
    before: World


@attrs.frozen
class Journal:
    """What a run did: every call, in order, with the world just before each."""

    entries: tuple[JournalEntry, ...] = ()

    def __iter__(self) -> Iterator[JournalEntry]:
        """Iterate over the entries in call order."""
        return iter(self.entries)

    @property
    def calls(self) -> tuple[Call, ...]:
        """The calls, in order."""
        return tuple(entry.call for entry in self.entries)


# --- the vocabulary ------------------------------------------------------------------------


def _copies(world: World) -> dict[tuple[str, str], list[tuple[str, Version]]]:
    """Every copy of each non-null (key, version id), by bucket: O(total versions)."""
    found: dict[tuple[str, str], list[tuple[str, Version]]] = {}
    for bucket, keys in world.objects.items():
        for key, chain in keys.items():
            cursor = chain
            while cursor is not None:
                version = cursor[0]
                if version.version_id != NULL_VERSION_ID:
                    found.setdefault((key, version.version_id), []).append((bucket, version))
                cursor = cursor[1]
    return found


def _has_tags(version: Version, tags: Mapping[str, str]) -> bool:
    if not tags:
        return True
    own = version.tags if isinstance(version, ObjectVersion) else {}
    return all(own.get(k) == v for k, v in tags.items())


def _is_source(version: Version) -> bool:
    return version.replication_status is not ReplicationStatus.REPLICA


def _tags(value: Mapping[str, str] | None) -> FrozenMap[str, str]:
    return FrozenMap(value or {})


def _storage_class(value: StorageClass | str | None) -> StorageClass | None:
    return None if value is None else StorageClass(value)


class PolicyProperty(abc.ABC):
    """A statement about a replication policy, judged on an engine's state.

    Subclass it (as a frozen attrs class with a repr that reads as the call making it)
    to add a property; :func:`check_policy` uses :attr:`prefixes` and :attr:`tag_sets`
    to aim its workloads at what the property talks about, and both runners refuse a
    property whose :attr:`buckets` or :attr:`regions` the world lacks.
    """

    @abc.abstractmethod
    def check(self, engine: Engine, *, journal: Journal | None = None) -> None:
        """Raise :class:`PropertyViolation` if the property is false now.

        Args:
            engine: the engine after a workload (normally after ``run()``).
            journal: the calls the workload made, for properties about history.
        """

    @property
    def prefixes(self) -> tuple[str, ...]:
        """Key prefixes the property is about (workloads write keys under them)."""
        return ()

    @property
    def tag_sets(self) -> tuple[Mapping[str, str], ...]:
        """Tag sets the property is about (workloads put objects with them)."""
        return ()

    @property
    def buckets(self) -> tuple[str, ...]:
        """The buckets the property names, each of which must be in the world."""
        return ()

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions whose versions the property judges; each must hold a bucket.

        :func:`check_policy` also requires its source to be in each of them (or a bucket
        there to have replication pending): its workloads write nowhere else.
        """
        return ()


@attrs.frozen(repr=False)
class EventuallyReplicated(PolicyProperty):
    """Every source object version under ``prefix`` ends up in ``to`` (see the factory)."""

    to: str
    prefix: str = ""
    storage_class: StorageClass | None = attrs.field(default=None, converter=_storage_class)
    tagged: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=_tags)
    source: str | None = None

    def __repr__(self) -> str:
        """Return the call that makes this property."""
        parts = [f"prefix={self.prefix!r}", f"to={self.to!r}"]
        if self.storage_class is not None:
            parts.append(f"storage_class={self.storage_class.value!r}")
        if self.tagged:
            parts.append(f"tagged={dict(self.tagged)!r}")
        if self.source is not None:
            parts.append(f"source={self.source!r}")
        return f"eventually_replicated({', '.join(parts)})"

    @property
    def prefixes(self) -> tuple[str, ...]:
        """The prefix."""
        return (self.prefix,)

    @property
    def tag_sets(self) -> tuple[Mapping[str, str], ...]:
        """The tags, if any."""
        return (self.tagged,) if self.tagged else ()

    @property
    def buckets(self) -> tuple[str, ...]:
        """``to``, and ``source`` if given."""
        return (self.to,) if self.source is None else (self.to, self.source)

    def check(self, engine: Engine, *, journal: Journal | None = None) -> None:
        """Raise :class:`PropertyViolation` naming a version that is not in ``to``.

        Raises:
            CheckSetupError: ``to`` or ``source`` is not a bucket of the engine.
        """
        del journal
        world = engine.snapshot()
        validate_check(world, (self,), world_name="the engine")
        copies = _copies(world)
        for bucket in world.objects:
            if bucket == self.to or (self.source is not None and bucket != self.source):
                continue
            for version in _object_versions(world, bucket, self.prefix):
                if not _is_source(version) or not _has_tags(version, self.tagged):
                    continue
                there = dict(copies.get((version.key, version.version_id), ())).get(self.to)
                if there is None:
                    raise PropertyViolation(
                        self,
                        f"{bucket}/{version.key} version {version.version_id!r} is not in "
                        f"{self.to}: {_status_account(version, self.to)}",
                    )
                klass = self.storage_class
                if (
                    klass is not None
                    and isinstance(there, ObjectVersion)
                    and there.storage_class is not klass
                ):
                    raise PropertyViolation(
                        self,
                        f"{bucket}/{version.key} version {version.version_id!r} is in "
                        f"{self.to} as {there.storage_class.value}, not {klass.value}",
                    )


def _object_versions(world: World, bucket: str, prefix: str) -> Iterator[ObjectVersion]:
    for key, chain in world.objects[bucket].items():
        if not key.startswith(prefix):
            continue
        cursor = chain
        while cursor is not None:
            if isinstance(cursor[0], ObjectVersion):
                yield cursor[0]
            cursor = cursor[1]


def _status_account(version: Version, dest: str) -> str:
    status = version.replication_status
    if status is None:
        return "it was not eligible for replication (no replication status)"
    if dest not in version.destination_statuses:
        return f"its rules sent it to {sorted(version.destination_statuses)} only"
    reason = version.failure_reasons.get(dest)
    shown = version.destination_statuses[dest].value
    return f"its replication to {dest} is {shown}" + (
        "" if reason is None else f" ({reason.value})"
    )


def eventually_replicated(
    *,
    to: str,
    prefix: str = "",
    storage_class: StorageClass | str | None = None,
    tagged: Mapping[str, str] | None = None,
    source: str | None = None,
) -> EventuallyReplicated:
    """Every object version written under ``prefix`` ends up in bucket ``to``.

    Judged after a run: every object version whose key starts with ``prefix`` (and that
    carries the ``tagged`` tags, if given) in any bucket but ``to`` (or only in
    ``source``), and that is not itself a replica, has a copy in ``to`` with the same
    version id, in ``storage_class`` if given.

    Args:
        to: the destination bucket.
        prefix: the key prefix.
        storage_class: the storage class the copy must have.
        tagged: only versions carrying all these tags.
        source: only versions in this bucket (default: every bucket but ``to``).
    """
    return EventuallyReplicated(
        to=to, prefix=prefix, storage_class=storage_class, tagged=tagged, source=source
    )


@attrs.frozen(repr=False)
class NeverLeaves(PolicyProperty):
    """Matching versions have no copy outside ``region`` (see the factory)."""

    region: str
    tagged: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=_tags)
    prefix: str = ""

    def __repr__(self) -> str:
        """Return the call that makes this property."""
        parts = [f"region={self.region!r}"]
        if self.tagged:
            parts.append(f"tagged={dict(self.tagged)!r}")
        if self.prefix:
            parts.append(f"prefix={self.prefix!r}")
        return f"never_leaves({', '.join(parts)})"

    @property
    def prefixes(self) -> tuple[str, ...]:
        """The prefix."""
        return (self.prefix,)

    @property
    def tag_sets(self) -> tuple[Mapping[str, str], ...]:
        """The tags, if any."""
        return (self.tagged,) if self.tagged else ()

    @property
    def regions(self) -> tuple[str, ...]:
        """The region."""
        return (self.region,)

    def check(self, engine: Engine, *, journal: Journal | None = None) -> None:
        """Raise :class:`PropertyViolation` naming a copy outside the region.

        Raises:
            CheckSetupError: no bucket of the engine is in ``region``.
        """
        del journal
        world = engine.snapshot()
        validate_check(world, (self,), world_name="the engine")
        for (key, version_id), copies in _copies(world).items():
            if len(copies) < 2 or not key.startswith(self.prefix):
                continue
            home = [(b, v) for b, v in copies if _is_source(v) and _region(world, b) == self.region]
            if not home:
                continue
            if not any(_has_tags(v, self.tagged) for _, v in copies):
                continue
            for bucket, _ in copies:
                region = _region(world, bucket)
                if region != self.region:
                    tags = f" (tagged {dict(self.tagged)})" if self.tagged else ""
                    raise PropertyViolation(
                        self,
                        f"{home[0][0]}/{key} version {version_id!r}{tags} has a copy in "
                        f"{bucket}, which is in {region}",
                    )


def _region(world: World, bucket: str) -> str | None:
    found = world.bucket(bucket)
    return None if found is None else found.region


def never_leaves(
    *, region: str, tagged: Mapping[str, str] | None = None, prefix: str = ""
) -> NeverLeaves:
    """Versions written in ``region`` (with the ``tagged`` tags) are never copied elsewhere.

    Judged on the state: no version that lives in a bucket of ``region`` as a source
    version, under ``prefix``, and that carries the ``tagged`` tags (on the source or on
    any copy, so a tag added later counts), has a copy in a bucket of another region.

    Args:
        region: the region the data must stay in.
        tagged: only versions carrying all these tags (default: every version).
        prefix: only keys under this prefix.
    """
    return NeverLeaves(region=region, tagged=tagged, prefix=prefix)


@attrs.frozen(repr=False)
class NeverReplicatesDeletesByVersion(PolicyProperty):
    """Deleting a version by id never removes its copies elsewhere (R-103)."""

    def __repr__(self) -> str:
        """Return the call that makes this property."""
        return "never_replicates_deletes_by_version()"

    def check(self, engine: Engine, *, journal: Journal | None = None) -> None:
        """Raise :class:`PropertyViolation` naming a copy that vanished with its source.

        Raises:
            ValueError: without a journal (the property is about what happened).
        """
        if journal is None:
            msg = (
                "never_replicates_deletes_by_version() needs the journal of calls: "
                "check it with check_policy() or replication_machine()"
            )
            raise ValueError(msg)
        final = engine.snapshot()
        deleted: set[tuple[str, str, str]] = set()
        watched: list[tuple[JournalEntry, str, str, str]] = []
        for entry in journal:
            call = entry.call
            version_id = call.kwargs.get("version_id")
            if call.method != "delete_object" or version_id is None:
                continue
            bucket, key = call.args[0], call.args[1]
            deleted.add((bucket, key, version_id))
            for other in entry.before.objects:
                if other == bucket:
                    continue
                if any(v.version_id == version_id for v in entry.before.versions(other, key)):
                    watched.append((entry, other, key, version_id))
        for entry, other, key, version_id in watched:
            if (other, key, version_id) in deleted:
                continue
            if not any(v.version_id == version_id for v in final.versions(other, key)):
                raise PropertyViolation(
                    self,
                    f"after {entry.call!r}, the copy of {key} version {version_id!r} in "
                    f"{other} is gone; deletes by version id must not replicate",
                )


def never_replicates_deletes_by_version() -> NeverReplicatesDeletesByVersion:
    """A delete with a version id on one bucket never removes copies in others (R-103).

    Needs the :class:`Journal` of calls, which :func:`check_policy` and the state
    machine keep: for every ``delete_object(bucket, key, version_id=...)``, the copies of
    that version that other buckets held just before must still be there at the end,
    unless they were deleted by version id themselves.
    """
    return NeverReplicatesDeletesByVersion()


@attrs.frozen(repr=False)
class ReplicasOwnedBy(PolicyProperty):
    """Every replica in ``to`` is owned by ``account`` (see the factory)."""

    account: str
    to: str

    def __repr__(self) -> str:
        """Return the call that makes this property."""
        return f"replicas_owned_by({self.account!r}, to={self.to!r})"

    @property
    def buckets(self) -> tuple[str, ...]:
        """``to``."""
        return (self.to,)

    def check(self, engine: Engine, *, journal: Journal | None = None) -> None:
        """Raise :class:`PropertyViolation` naming a replica with another owner.

        Raises:
            CheckSetupError: ``to`` is not a bucket of the engine.
        """
        del journal
        world = engine.snapshot()
        validate_check(world, (self,), world_name="the engine")
        for key, chain in world.objects.get(self.to, FrozenMap()).items():
            cursor = chain
            while cursor is not None:
                version = cursor[0]
                cursor = cursor[1]
                if _is_source(version) or isinstance(version, DeleteMarker):
                    continue
                if version.owner != self.account:
                    raise PropertyViolation(
                        self,
                        f"the replica {self.to}/{key} version {version.version_id!r} is owned "
                        f"by {version.owner}",
                    )


def replicas_owned_by(account: str, *, to: str) -> ReplicasOwnedBy:
    """Every replica (object, not delete marker) in bucket ``to`` is owned by ``account``.

    Args:
        account: the account id that must own them (R-151, R-154).
        to: the destination bucket.
    """
    return ReplicasOwnedBy(account=account, to=to)


# --- searching for a counterexample ----------------------------------------------------------


def _engines_from(world: WorldSource) -> Callable[[], Engine]:
    """Return a function making a fresh, independent engine from ``world`` on each call.

    Args:
        world: an engine (forked each time, never changed), a snapshot, or a function
            returning a new engine.
    """
    if isinstance(world, Engine):
        template = world.snapshot()
        return lambda: Engine.from_snapshot(template)
    if isinstance(world, World):
        snapshot = world
        return lambda: Engine.from_snapshot(snapshot)
    return world


class _Falsified(Exception):  # an internal signal: never escapes check_policy
    """Carries a falsified property and its workload out of the Hypothesis search."""

    def __init__(self, prop: PolicyProperty, calls: tuple[Call, ...], detail: str) -> None:
        super().__init__(detail)
        self.prop = prop
        self.calls = calls
        self.detail = detail


def _workload_keys(
    config: ReplicationConfiguration | None, properties: Sequence[PolicyProperty]
) -> tuple[str, ...]:
    prefixes = [p for prop in properties for p in prop.prefixes]
    if config is not None:
        prefixes += [rule.key_prefix for rule in config.rules]
    keys = [f"{prefix}a" for prefix in dict.fromkeys(prefixes)]
    keys.append("a")
    return tuple(dict.fromkeys(keys))


def _workload_tags(
    config: ReplicationConfiguration | None, properties: Sequence[PolicyProperty]
) -> tuple[dict[str, str], ...]:
    sets: list[dict[str, str]] = [{}]
    sets += [dict(tags) for prop in properties for tags in prop.tag_sets]
    if config is not None:
        for rule in config.rules:
            if rule.filter is not None and rule.filter.tags:
                sets.append({t.key: t.value for t in rule.filter.tags})
    unique: list[dict[str, str]] = []
    for tags in sets:
        if tags not in unique:
            unique.append(tags)
    return tuple(unique)


def _draw_call(
    data: st.DataObject,
    engine: Engine,
    source: str,
    keys: tuple[str, ...],
    tag_sets: tuple[dict[str, str], ...],
) -> Call:
    """Draw one call that makes sense now (a version-id delete names an existing version)."""
    kinds = ["put", "delete", "tag", "delete_version"]
    if engine.pending():
        kinds.append("step")
    kind = data.draw(st.sampled_from(kinds))
    if kind == "step":
        return Call("step")
    key = data.draw(st.sampled_from(keys))
    versions = [v for v in engine.list_object_versions(source, prefix=key) if v.key == key]
    if kind == "put" or not versions:
        tags = data.draw(st.sampled_from(tag_sets))
        return Call("put_object", (source, key), {"tags": tags} if tags else {})
    if kind == "delete":
        return Call("delete_object", (source, key))
    if kind == "tag":
        tags = data.draw(st.sampled_from(tag_sets))
        if isinstance(versions[0], DeleteMarker):  # nothing to tag: put instead
            return Call("put_object", (source, key), {"tags": tags} if tags else {})
        return Call("put_object_tagging", (source, key, tags))
    chosen = data.draw(st.sampled_from(versions))
    return Call("delete_object", (source, key), {"version_id": chosen.version_id})


#: The bucket :func:`check_policy`'s workloads write to unless told otherwise.
_DEFAULT_SOURCE = "src"


def _configuration_on(engine: Engine, source: str) -> ReplicationConfiguration:
    """The configuration already on ``source``, for ``config=None``; an error naming that."""
    try:
        return engine.get_bucket_replication(source)
    except S3Error as err:
        msg = (
            f"config=None means the configuration already on {source!r}, and it has none "
            f"({err.code}): pass the configuration to judge"
        )
        raise CheckSetupError(msg) from err


def check_policy(
    world: WorldSource,
    config: ReplicationConfiguration | Mapping[str, Any] | str | None,
    *properties: PolicyProperty,
    max_examples: int = 100,
    source: str = "src",  # _DEFAULT_SOURCE, spelled out for the signature in the docs
    calls_max: int = 8,
) -> None:
    """Search for a workload after which one of ``properties`` is false.

    Each example starts from a fresh engine made from ``world`` with ``config`` put on
    ``source``, makes up to ``calls_max`` calls drawn by Hypothesis (puts with the tag
    sets the configuration and the properties mention, delete markers, deletes by
    version id, tag changes, steps), runs replication to the end with faults off, and
    checks every property.  Settings other than ``max_examples`` come from the active
    Hypothesis profile (derandomised under the ``ci`` profile).

    Args:
        world: an engine (forked per example), a snapshot, or a function making one.
        config: the replication configuration to judge (``None``: the one already on
            ``source``); a model value, a boto3-shaped dict or XML.
        *properties: what must hold after every workload.
        max_examples: how many workloads to try.
        source: the bucket the workloads write to.
        calls_max: the longest workload.

    Raises:
        PolicyViolation: with the shrunk workload, as engine calls, and what broke.
        CheckSetupError: before any search, if the check could not judge the policy: no
            property; ``source`` (the default ``"src"`` included, which the message names)
            or a bucket a property names is not in the world; a property names a region
            none of the world's buckets is in, or that ``source`` is not in (the workloads
            write only there); ``config`` is ``None`` and ``source`` has no configuration.
        s3repl.errors.S3Error: ``config`` is refused by ``PutBucketReplication``.
    """
    if not properties:
        msg = (
            "check_policy() was given no property, so it would pass for any policy: pass "
            "at least one, e.g. eventually_replicated(to=...) or never_leaves(region=...)"
        )
        raise CheckSetupError(msg)
    template = _engines_from(world)()
    start = template.snapshot()
    named = f"source={source!r}"
    if source == _DEFAULT_SOURCE:
        named += " (check_policy's default; pass source= the bucket the workloads write to)"
    validate_check(
        start,
        properties,
        buckets={source: named},
        writes_to=(source,),
        writer="check_policy's workloads",
    )
    if config is not None:
        stored = template.put_bucket_replication(source, config)
    else:
        stored = _configuration_on(template, source)
    snapshot = template.snapshot()
    keys = _workload_keys(stored, properties)
    tag_sets = _workload_tags(stored, properties)

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        report_multiple_bugs=False,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(data=st.data())
    def search(data: st.DataObject) -> None:
        engine = Engine.from_snapshot(snapshot)
        entries: list[JournalEntry] = []
        count = data.draw(st.integers(min_value=1, max_value=calls_max))
        for _ in range(count):
            call = _draw_call(data, engine, source, keys, tag_sets)
            entries.append(JournalEntry(call=call, before=engine.snapshot()))
            call.apply(engine)
        engine.set_faults(FaultPlan.none())
        entries.append(JournalEntry(call=Call("run"), before=engine.snapshot()))
        engine.run()
        journal = Journal(entries=tuple(entries))
        for prop in properties:
            try:
                prop.check(engine, journal=journal)
            except PropertyViolation as err:
                raise _Falsified(prop, journal.calls, err.detail) from None

    try:
        search()
    except _Falsified as found:
        raise PolicyViolation(found.prop, found.calls, found.detail, source=source) from None
