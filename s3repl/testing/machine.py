"""A Hypothesis state machine that drives an engine and checks replication invariants.

Theory of operation.  :class:`ReplicationMachine` is a ``RuleBasedStateMachine`` whose
rules are S3 calls and replication steps: puts (with tags, SSE-KMS, SSE-C or an archived
storage class), delete markers, deletes by version id, tag and ACL changes,
configuration swaps, lifecycle expirations, fault plans on and off, stepping *any*
pending task (so every interleaving is reachable, R-141) and running to the end.  After
every rule it checks:

- the whole-world safety invariants (:func:`~s3repl.testing.invariants.check_all`);
- the status history (:class:`~s3repl.testing.invariants.StatusTracker`), and that no
  version vanished except the one a call deleted itself (R-103);
- right after a write, where it was routed (an independent oracle of SPEC section 3,
  :func:`~s3repl.testing.invariants.check_routing`); right after a step, the copy it
  wrote (:func:`~s3repl.testing.invariants.check_replica_written`); around a delete by
  version id, that it changed nothing else
  (:func:`~s3repl.testing.invariants.check_version_delete_not_replicated`).

At teardown it switches faults off, runs to the end and checks convergence
(:func:`~s3repl.testing.invariants.check_converged`) and the user's policy properties.

Users do not subclass: :func:`replication_machine` returns a configured class to run::

    TestMyPolicy = replication_machine(world=my_engine, properties=(...)).TestCase

Rule arguments are plain values (bucket and key names, tag dicts, small integers
choosing among what exists), so a failing run prints as a Python program that replays
it exactly: the engine is deterministic.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from s3repl.engine import Engine, FaultPlan
from s3repl.errors import AccessDenied, S3Error, StepLimitExceededError
from s3repl.model import (
    NULL_VERSION_ID,
    DefaultEncryption,
    Destination,
    EncryptionConfiguration,
    Filter,
    ObjectOwnership,
    ObjectVersion,
    ReplicationConfiguration,
    ReplicationRule,
    ReplicationStatus,
    ServerSideEncryption,
    SourceSelectionCriteria,
    Status,
    StorageClass,
    Tag,
    VersioningStatus,
)
from s3repl.profile import Profile
from s3repl.testing.invariants import (
    DeletePropagationViolation,
    StatusTracker,
    check_all,
    check_converged,
    check_replica_written,
    check_routing,
    check_version_delete_not_replicated,
)
from s3repl.testing.properties import (
    Call,
    Journal,
    JournalEntry,
    PolicyProperty,
    WorldSource,
    _engines_from,
    validate_check,
)
from s3repl.world import World

__all__ = ["DEFAULT_ROLE", "ReplicationMachine", "default_world", "replication_machine"]

#: The replication role of :func:`default_world`.
DEFAULT_ROLE = "arn:aws:iam::123456789012:role/s3repl-machine"

_T = TypeVar("_T")

#: How a put is made: the keyword arguments added to ``put_object`` for each variant.
_PLAIN = "plain"
_KMS = "sse-kms"
_SSE_C = "sse-c"
_GLACIER = "glacier"
_ACLS = ("private", "public-read", "bucket-owner-full-control")
#: A role policy that allows nothing, so replication through the role fails (R-158).
_REVOKED = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "s3:ReplicateObject", "Resource": "*"}],
}


# --- the default world ----------------------------------------------------------------


def _rule(
    rule_id: str,
    priority: int,
    dest: str,
    *,
    prefix: str | None = None,
    tag: tuple[str, str] | None = None,
    delete_markers: bool = False,
    storage_class: StorageClass | None = None,
    kms_key: str | None = None,
    enabled: bool = True,
) -> ReplicationRule:
    if prefix is not None:
        flt = Filter(prefix=prefix)
    elif tag is not None:
        flt = Filter(tag=Tag(key=tag[0], value=tag[1]))
    else:
        flt = Filter()
    return ReplicationRule(
        id=rule_id,
        priority=priority,
        status=Status.ENABLED if enabled else Status.DISABLED,
        filter=flt,
        delete_marker_replication=Status.ENABLED if delete_markers else Status.DISABLED,
        source_selection_criteria=(
            None
            if kms_key is None
            else SourceSelectionCriteria(sse_kms_encrypted_objects=Status.ENABLED)
        ),
        destination=Destination(
            bucket=f"arn:aws:s3:::{dest}",
            storage_class=storage_class,
            encryption_configuration=(
                None if kms_key is None else EncryptionConfiguration(replica_kms_key_id=kms_key)
            ),
        ),
    )


def _default_configurations(kms_key: str) -> dict[str, tuple[ReplicationConfiguration, ...]]:
    """The configurations the default machine swaps between on ``src`` (and ``dst``'s)."""
    fan_out = ReplicationConfiguration(
        role=DEFAULT_ROLE,
        rules=(
            # Overlapping rules to one destination: priority decides.
            _rule("all-to-dst", 1, "dst", delete_markers=True),
            _rule("logs-to-dst", 3, "dst", prefix="logs/", storage_class=StorageClass.STANDARD_IA),
            # A tag rule (no delete markers, R-087) and an SSE-KMS opt-in.
            _rule("public-to-dst2", 2, "dst2", tag=("class", "public")),
            _rule(
                "secure-to-dst2", 4, "dst2", prefix="secure/", delete_markers=True, kms_key=kms_key
            ),
        ),
    )
    paused = ReplicationConfiguration(
        role=DEFAULT_ROLE,
        rules=(
            _rule("all-to-dst", 1, "dst"),
            # A disabled higher-priority rule does not shadow an enabled one.
            _rule(
                "logs-to-dst",
                3,
                "dst",
                prefix="logs/",
                storage_class=StorageClass.ONEZONE_IA,
                enabled=False,
            ),
            _rule("public-to-dst2", 2, "dst2", tag=("class", "public")),
        ),
    )
    dst2_only = ReplicationConfiguration(
        role=DEFAULT_ROLE,
        rules=(_rule("all-to-dst2", 1, "dst2", delete_markers=True, kms_key=kms_key),),
    )
    chain = ReplicationConfiguration(
        role=DEFAULT_ROLE, rules=(_rule("dst-to-dst2", 1, "dst2", delete_markers=True),)
    )
    return {"src": (fan_out, paused, dst2_only), "dst": (chain,)}


def default_world(*, seed: int = 0, profile: Profile | None = None) -> Engine:
    """The default machine's world: three versioned buckets, a role, two configurations.

    ``src`` (us-east-1, Object Ownership ``ObjectWriter`` so ACLs can change) replicates
    to ``dst`` (eu-west-1, ``BucketOwnerEnforced``) and ``dst2`` (us-east-1, same region,
    ``ObjectWriter``) with overlapping prefix rules of different priorities, a tag rule
    and an SSE-KMS rule; ``dst`` replicates to ``dst2``, making the chain A -> B -> C of
    R-101 and R-171.  A KMS key in us-east-1 serves SSE-KMS puts and replicas.

    Args:
        seed: the engine seed.
        profile: the behaviour switches (default ``Profile.aws()``).
    """
    engine = Engine(seed=seed, profile=profile)
    engine.create_bucket("src", region="us-east-1", versioning=True)
    engine.put_bucket_ownership_controls("src", ObjectOwnership.OBJECT_WRITER)
    engine.create_bucket("dst", region="eu-west-1", versioning=True)
    engine.create_bucket("dst2", region="us-east-1", versioning=True)
    engine.put_bucket_ownership_controls("dst2", ObjectOwnership.OBJECT_WRITER)
    for name in ("src", "dst", "dst2"):  # SSE-C puts and replicas are part of the world
        engine.put_bucket_encryption(name, _SSE_C_ALLOWED)
    engine.create_role(DEFAULT_ROLE)
    key = engine.create_kms_key(region="us-east-1")
    configurations = _default_configurations(key)
    engine.put_bucket_replication("src", configurations["src"][0])
    engine.put_bucket_replication("dst", configurations["dst"][0])
    return engine


#: Default encryption SSE-S3 with SSE-C allowed (``BlockedEncryptionTypes`` NONE).
_SSE_C_ALLOWED = DefaultEncryption(sse_algorithm=ServerSideEncryption.SSE_S3, sse_c_blocked=False)


def _blocks_sse_c(engine: Engine, bucket: str) -> bool:
    """Whether ``bucket`` refuses SSE-C writes (``BlockedEncryptionTypes``)."""
    return bool(engine.get_bucket(bucket).default_encryption.sse_c_blocked)


# --- the machine's setup ------------------------------------------------------------------


@attrs.frozen(eq=False)
class _Setup:
    """Everything a machine class is configured with (built once per class)."""

    make_engine: Callable[[], Engine]
    buckets: tuple[str, ...]
    acl_buckets: tuple[str, ...]
    keys: tuple[str, ...]
    tag_sets: tuple[dict[str, str], ...]
    variants: tuple[str, ...]
    kms_keys: tuple[str, ...]
    configurations: tuple[tuple[str, ReplicationConfiguration], ...]
    disturbances: dict[str, Call]
    properties: tuple[PolicyProperty, ...]


def _decode(config: ReplicationConfiguration | Mapping[str, Any]) -> ReplicationConfiguration:
    if isinstance(config, ReplicationConfiguration):
        return config
    from s3repl.codec import replication_from_dict

    return replication_from_dict(config)


def _build_setup(
    *,
    world: WorldSource | None,
    configurations: Mapping[str, Sequence[ReplicationConfiguration | Mapping[str, Any]]] | None,
    properties: Sequence[PolicyProperty],
    buckets: Sequence[str] | None,
    keys: Sequence[str] | None,
    tag_sets: Sequence[Mapping[str, str]] | None,
    seed: int,
    profile: Profile | None,
) -> _Setup:
    if world is None:
        template = default_world(seed=seed, profile=profile)
        if configurations is None:
            kms = next(iter(template.snapshot().kms_keys))
            configurations = _default_configurations(kms)
    else:
        template = _engines_from(world)()
    snapshot = template.snapshot()
    make_engine = _engines_from(snapshot)
    configs = tuple(
        (bucket, _decode(config))
        for bucket, options in (configurations or {}).items()
        for config in options
    )
    for bucket, config in configs:
        try:
            make_engine().put_bucket_replication(bucket, config)
        except S3Error as err:
            msg = f"configuration for {bucket!r} is refused by PutBucketReplication: {err}"
            raise ValueError(msg) from err
    all_configs = [c for _, c in configs] + [
        b.replication for b in snapshot.buckets.values() if b.replication is not None
    ]
    names = tuple(buckets) if buckets is not None else tuple(snapshot.buckets)
    unknown = [name for name in names if name not in snapshot.buckets]
    if unknown:
        msg = f"buckets {unknown} are not in the world; its buckets are {sorted(snapshot.buckets)}"
        raise ValueError(msg)
    world_name = "the world" if world is not None else "the default world (world=None)"
    validate_check(snapshot, properties, world_name=world_name)
    acl_buckets = tuple(
        name
        for name in names
        if snapshot.buckets[name].ownership is not ObjectOwnership.BUCKET_OWNER_ENFORCED
    )
    prefixes = [r.key_prefix for c in all_configs for r in c.rules]
    prefixes += [p for prop in properties for p in prop.prefixes]
    if keys is None:
        keys = tuple(dict.fromkeys(["a", *(f"{p}a" for p in prefixes)]))
    sets: list[dict[str, str]] = [{}]
    if tag_sets is None:
        sets += [
            {t.key: t.value for t in r.filter.tags}
            for config in all_configs
            for r in config.rules
            if r.filter is not None and r.filter.tags
        ]
        sets += [dict(tags) for prop in properties for tags in prop.tag_sets]
        sets.append({"class": "secret"})
    else:
        sets += [dict(tags) for tags in tag_sets]
    unique_sets: list[dict[str, str]] = []
    for tags in sets:
        if tags not in unique_sets:
            unique_sets.append(tags)
    kms_keys = tuple(snapshot.kms_keys)
    variants = (_PLAIN, _GLACIER, _SSE_C) + ((_KMS,) if kms_keys else ())
    destinations = sorted({r.destination.bucket_name for c in all_configs for r in c.rules})
    changes: dict[str, Call] = {
        "faults off": Call("set_faults", (FaultPlan.none(),)),
        "faults flaky": Call("set_faults", (FaultPlan(outage_rate=0.5),)),
    }
    down: Any  # FaultPlan converts with ``frozenset``, whose item type mypy cannot infer
    for dest in destinations:
        down = frozenset([dest])
        changes[f"faults {dest} down"] = Call("set_faults", (FaultPlan(unavailable_buckets=down),))
    regions = sorted({snapshot.buckets[d].region for d in destinations if d in snapshot.buckets})
    for region in regions:
        down = frozenset([region])
        changes[f"faults {region} down"] = Call(
            "set_faults", (FaultPlan(unavailable_regions=down),)
        )
    for arn, role in snapshot.roles.items():
        changes[f"role {arn} revoked"] = Call("put_role_policy", (arn, _REVOKED))
        changes[f"role {arn} restored"] = Call("put_role_policy", (arn, role.policy))
    for name in names:
        if snapshot.buckets[name].replication is None:
            for status in ("Suspended", "Enabled"):
                changes[f"{name} versioning {status}"] = Call(
                    "put_bucket_versioning", (name, status)
                )
    return _Setup(
        make_engine=make_engine,
        buckets=names,
        acl_buckets=acl_buckets,
        keys=tuple(keys),
        tag_sets=tuple(unique_sets),
        variants=variants,
        kms_keys=kms_keys,
        configurations=configs,
        disturbances=changes,
        properties=tuple(properties),
    )


def _choose(pick: Callable[[_Setup], Sequence[_T]]) -> st.SearchStrategy[_T]:
    """A strategy drawing from the running machine's setup (so subclasses differ)."""
    return st.runner().flatmap(lambda machine: st.sampled_from(pick(machine.setup())))


def _index(count: Callable[[_Setup], int]) -> st.SearchStrategy[int]:
    return st.runner().flatmap(
        lambda machine: st.integers(min_value=0, max_value=count(machine.setup()) - 1)
    )


def _targets(kind: str) -> st.SearchStrategy[Any]:
    """Draw an existing target of ``kind``, half the time one of the interesting ones.

    Interesting are the targets where replication has something to get wrong: for a tag
    change, a replica in a bucket that replicates too (R-088, R-101); for an ACL change,
    a replicated version (R-084); for a delete by version id, a version with copies
    elsewhere (R-103); for a lifecycle expiration, a key whose current version is
    PENDING (R-125).
    """

    def draw(machine: ReplicationMachine) -> st.SearchStrategy[Any]:
        interesting, every = machine._candidates(kind)
        anything = st.sampled_from(every)
        return st.one_of(st.sampled_from(interesting), anything) if interesting else anything

    return st.runner().flatmap(draw)


_BUCKETS = _choose(lambda s: s.buckets)
_KEYS = _choose(lambda s: s.keys)
_TAG_SETS = _choose(lambda s: s.tag_sets)


# --- the machine ---------------------------------------------------------------------------


class ReplicationMachine(RuleBasedStateMachine):
    """Drives an engine with S3 calls and steps, checking replication after every rule.

    This class runs the default world (:func:`default_world`, its three
    configurations, every bucket, the keys and tags its rules mention); run it with
    ``TestReplication = ReplicationMachine.TestCase``.  For your own world,
    configurations and properties, call :func:`replication_machine` instead of
    subclassing.

    Attributes:
        engine: the engine of the current run.
        tracker: the status history of the current run.
    """

    _setup_cache: ClassVar[_Setup | None] = None

    def __init__(self) -> None:
        super().__init__()
        setup = self.setup()
        self.engine = setup.make_engine()
        self.tracker = StatusTracker()
        self.tracker.observe(self.engine)
        self._hard_deleted: set[tuple[str, str, str]] = set()
        self._may_vanish: frozenset[tuple[str, str, str]] = frozenset()
        self._journal: list[JournalEntry] | None = [] if setup.properties else None
        self._writes = 0
        self._acls = 0
        # True while a rule or a check runs; left True when one raised, so that the
        # teardown does not hide the first failure behind a second one.
        self._busy = False

    @classmethod
    def setup(cls) -> _Setup:
        """Return this class's configuration (the default one is built on first use)."""
        cached = cls.__dict__.get("_setup_cache")
        if cached is None:
            cached = _build_setup(
                world=None,
                configurations=None,
                properties=(),
                buckets=None,
                keys=None,
                tag_sets=None,
                seed=0,
                profile=None,
            )
            cls._setup_cache = cached
        return cached

    # --- helpers --------------------------------------------------------------------------

    @contextlib.contextmanager
    def _checked(self) -> Iterator[None]:
        self._busy = True
        yield
        self._busy = False

    def _call(self, call: Call) -> Any:
        if self._journal is not None:
            self._journal.append(JournalEntry(call=call, before=self.engine.snapshot()))
        return call.apply(self.engine)

    def _world(self) -> World:
        return self.engine.snapshot()

    def _null_versions(self, bucket: str, key: str) -> frozenset[tuple[str, str, str]]:
        """What a write may replace or remove: the key's ``null`` version (unversioned)."""
        if self.engine.get_bucket(bucket).versioning is VersioningStatus.ENABLED:
            return frozenset()
        return frozenset({(bucket, key, NULL_VERSION_ID)})

    def _candidates(self, kind: str) -> tuple[list[Any], list[Any]]:
        """The interesting and all targets of ``kind`` now (see :func:`_targets`)."""
        setup = self.setup()
        world = self._world()
        if kind == "expire":
            pairs = [(b, k) for b in setup.buckets for k in setup.keys]
            pending = [
                (b, k)
                for b, k in pairs
                if (found := world.versions(b, k))
                and found[0].replication_status is ReplicationStatus.PENDING
            ]
            return pending, pairs
        buckets = setup.acl_buckets if kind == "acl" else setup.buckets
        interesting: list[Any] = []
        every: list[Any] = []
        for bucket in buckets:
            configured = world.buckets[bucket].replication is not None
            for key, chain in world.objects[bucket].items():
                cursor = chain
                while cursor is not None:
                    version, cursor = cursor
                    if kind != "delete" and not isinstance(version, ObjectVersion):
                        continue
                    target = (bucket, key, version.version_id)
                    every.append(target)
                    status = version.replication_status
                    replicated = ReplicationStatus.COMPLETED in set(
                        version.destination_statuses.values()
                    )
                    if (kind == "tag" and status is ReplicationStatus.REPLICA and configured) or (
                        kind != "tag" and (replicated or status is ReplicationStatus.REPLICA)
                    ):
                        interesting.append(target)
        return interesting, every

    def _exists(self, kind: str) -> bool:
        return bool(self._candidates(kind)[1])

    # --- rules ---------------------------------------------------------------------------

    @initialize()
    def populate(self) -> None:
        """Start with one replicated version of every key in every replicating bucket.

        So that from the first rule on there are replicas to tag, versions with copies
        to delete by version id, and current versions to be overtaken by late arrivals.
        """
        with self._checked():
            setup = self.setup()
            world = self._world()
            for bucket in setup.buckets:
                if world.buckets[bucket].replication is None:
                    continue
                for index, key in enumerate(setup.keys):
                    tags = setup.tag_sets[index % len(setup.tag_sets)]
                    self._writes += 1
                    body = f"{key}#{self._writes}".encode()
                    self._call(Call("put_object", (bucket, key, body), {"tags": tags}))
            self._call(Call("run", (), {"steps_max": max(len(self.engine.pending()), 1)}))

    @rule(bucket=_BUCKETS, key=_KEYS, tags=_TAG_SETS, variant=_choose(lambda s: s.variants))
    def put(self, bucket: str, key: str, tags: dict[str, str], variant: str) -> None:
        """Put a new version (plain, SSE-KMS, SSE-C or GLACIER) and check its routing."""
        with self._checked():
            self._writes += 1
            extra: dict[str, Any] = {"tags": tags} if tags else {}
            if variant == _KMS:
                region = self.engine.get_bucket(bucket).region
                keys = [k for k in self.setup().kms_keys if k.split(":")[3] == region]
                extra["server_side_encryption"] = "aws:kms"
                extra["sse_kms_key_id"] = (keys or list(self.setup().kms_keys))[0]
            elif variant == _SSE_C and not _blocks_sse_c(self.engine, bucket):
                # A bucket blocking SSE-C (new buckets since April 2026) takes a plain put.
                extra["sse_customer_algorithm"] = "AES256"
            elif variant == _GLACIER:
                extra["storage_class"] = "GLACIER"
            body = f"{key}#{self._writes}".encode()
            version = self._call(Call("put_object", (bucket, key, body), extra))
            self._may_vanish = self._null_versions(bucket, key)
            check_routing(self.engine, bucket, key, version.version_id)

    @rule(bucket=_BUCKETS, key=_KEYS)
    def delete(self, bucket: str, key: str) -> None:
        """Delete without version id (a delete marker where versioned) and check routing."""
        with self._checked():
            result = self._call(Call("delete_object", (bucket, key)))
            self._may_vanish = self._null_versions(bucket, key)
            if result.delete_marker and result.version_id is not None:
                check_routing(self.engine, bucket, key, result.version_id)

    @precondition(lambda self: self._exists("delete"))
    @rule(version=_targets("delete"))
    def delete_version(self, version: tuple[str, str, str]) -> None:
        """Delete one version by id (bucket, key, version id); nothing else may change (R-103)."""
        with self._checked():
            bucket, key, version_id = version
            before = self._world()
            try:
                self._call(Call("delete_object", (bucket, key), {"version_id": version_id}))
            except AccessDenied:
                return  # Object Lock refuses it: nothing happened
            self._hard_deleted.add(version)
            self._may_vanish = frozenset({version})
            check_version_delete_not_replicated(
                before, self._world(), bucket=bucket, key=key, version_id=version_id
            )

    @precondition(lambda self: self._exists("tag"))
    @rule(version=_targets("tag"))
    def tag(self, version: tuple[str, str, str]) -> None:
        """Give one version the next tag set of the cycle.

        A metadata operation (R-085); it never makes the version eligible (R-062).
        """
        with self._checked():
            bucket, key, version_id = version
            tags = self._next(self.setup().tag_sets, self._tags_of(bucket, key, version_id))
            call = Call("put_object_tagging", (bucket, key, tags), {"version_id": version_id})
            self._call(call)

    @precondition(lambda self: self._exists("acl"))
    @rule(version=_targets("acl"))
    def acl(self, version: tuple[str, str, str]) -> None:
        """Give one version the next canned ACL of the cycle (R-084, R-151, R-153)."""
        with self._checked():
            bucket, key, version_id = version
            self._acls += 1
            acl = _ACLS[self._acls % len(_ACLS)]
            call = Call("put_object_acl", (bucket, key), {"acl": acl, "version_id": version_id})
            self._call(call)

    def _tags_of(self, bucket: str, key: str, version_id: str) -> dict[str, str]:
        for version in self._world().versions(bucket, key):
            if version.version_id == version_id and isinstance(version, ObjectVersion):
                return dict(version.tags)
        return {}

    @staticmethod
    def _next(cycle: Sequence[dict[str, str]], current: dict[str, str]) -> dict[str, str]:
        """The element after ``current`` in ``cycle`` (the first when it is not there)."""
        index = cycle.index(current) + 1 if current in cycle else 0
        return cycle[index % len(cycle)]

    @precondition(lambda self: bool(self.setup().configurations))
    @rule(choice=_index(lambda s: len(s.configurations)))
    def configure(self, choice: int) -> None:
        """Swap in one of the configurations (existing versions keep their routing, R-068)."""
        with self._checked():
            bucket, config = self.setup().configurations[choice]
            try:
                self._call(Call("put_bucket_replication", (bucket, config)))
            except S3Error:
                return  # refused in this state (a destination suspended): nothing changed

    @rule(location=_targets("expire"))
    def expire(self, location: tuple[str, str]) -> None:
        """Expire a key's current version by lifecycle (``location`` is bucket and key).

        Never replicated (R-104); deferred while the version is PENDING (R-125).
        """
        with self._checked():
            bucket, key = location
            self._call(Call("expire_object", (bucket, key)))
            self._may_vanish = self._null_versions(bucket, key)

    @rule(change=_choose(lambda s: tuple(s.disturbances)))
    def disturb(self, change: str) -> None:
        """Change the conditions replication meets.

        Faults on or off (transient: tasks stay PENDING, R-124), a role's permissions
        revoked or restored (tasks FAIL, R-113, R-158), or versioning suspended or
        re-enabled on a bucket without configuration (R-004, R-005).
        """
        with self._checked():
            try:
                self._call(self.setup().disturbances[change])
            except S3Error:
                return  # refused in this state: nothing changed

    @precondition(lambda self: bool(self.engine.pending()))
    @rule(choice=st.integers(min_value=0, max_value=15))
    def step(self, choice: int) -> None:
        """Apply one pending task, any of them, counting from the newest (R-141, R-143).

        ``choice=0`` applies the task queued last, the most out-of-order choice; the
        index wraps around, so every interleaving is reachable.
        """
        with self._checked():
            pending = sorted(self.engine.pending(), key=lambda t: t.sequence, reverse=True)
            task = pending[choice % len(pending)]
            result = self._call(Call("step", (task,)))
            if result.status is ReplicationStatus.COMPLETED:
                check_replica_written(self.engine, task)

    @precondition(lambda self: bool(self.engine.pending()))
    @rule()
    def run(self) -> None:
        """Run until nothing is pending; without faults every step must retire its task."""
        with self._checked():
            count = len(self.engine.pending())
            try:
                self._call(Call("run", (), {"steps_max": max(count, 1)}))
            except StepLimitExceededError:
                if self.engine.faults.is_quiet:
                    raise  # liveness: with nothing failing, each task needs one step

    # --- checks ----------------------------------------------------------------------------

    @invariant()
    def replication_is_safe(self) -> None:
        """Every safety invariant, the status history, and nothing deleted unasked."""
        with self._checked():
            world = self._world()
            check_all(world)
            self.tracker.observe(world)
            unexpected = self.tracker.vanished - self._may_vanish
            self._may_vanish = frozenset()
            if unexpected:
                bucket, key, version_id = min(unexpected)
                msg = (
                    "the version disappeared although no call deleted it there; deletes "
                    "are never replicated by version id, and steps delete nothing"
                )
                raise DeletePropagationViolation(
                    msg, requirement="R-103", bucket=bucket, key=key, version_id=version_id
                )

    def teardown(self) -> None:
        """Lift faults, run to the end, check convergence and the user's properties."""
        if self._busy:
            return  # a rule or a check already failed: let that failure be reported
        with self._checked():
            self._call(Call("set_faults", (FaultPlan.none(),)))
            self._call(Call("run", (), {"steps_max": max(len(self.engine.pending()), 1)}))
            world = self._world()
            check_all(world)
            self.tracker.observe(world)
            check_converged(world, hard_deleted=self._hard_deleted)
            journal = Journal(entries=tuple(self._journal or ()))
            for prop in self.setup().properties:
                prop.check(self.engine, journal=journal)


def replication_machine(
    *,
    world: WorldSource | None = None,
    configurations: Mapping[str, Sequence[ReplicationConfiguration | Mapping[str, Any]]]
    | None = None,
    properties: Sequence[PolicyProperty] = (),
    buckets: Sequence[str] | None = None,
    keys: Sequence[str] | None = None,
    tag_sets: Sequence[Mapping[str, str]] | None = None,
    seed: int = 0,
    profile: Profile | None = None,
) -> type[ReplicationMachine]:
    """Return a state machine class over your world, configurations and properties.

    Run it, do not subclass it: ``TestMine = replication_machine(...).TestCase``.  A
    failing run prints as ``state = ReplicationMachine()`` followed by its rules, so
    ``ReplicationMachine = replication_machine(...)`` with the same arguments replays it.

    Args:
        world: where every run starts: an engine (forked per run, never changed), a
            snapshot, or a function returning a new engine.  ``None``: the
            :func:`default_world` with ``seed``, and (unless ``configurations`` is given)
            its three configurations to swap between.
        configurations: bucket -> the configurations the machine may put on it (model
            values or boto3-shaped dicts); each is checked against the world now.
        properties: policy properties checked at teardown, after the run converged.
        buckets: the buckets the machine writes to (default: every bucket).
        keys: the keys it writes (default: ``"a"`` and ``"<prefix>a"`` for each rule
            and property prefix).
        tag_sets: the tag sets puts and tag changes use (default: none, every filter's
            and property's tags, and ``{"class": "secret"}``).
        seed: the seed of the default world (ignored when ``world`` is given).
        profile: the profile of the default world (ignored when ``world`` is given).

    Raises:
        ValueError: a configuration is refused, or a bucket is not in the world.
        s3repl.testing.properties.CheckSetupError: a property names a bucket that is
            not in the world or a region none of its buckets is in (a ``ValueError``).
    """
    setup = _build_setup(
        world=world,
        configurations=configurations,
        properties=properties,
        buckets=buckets,
        keys=keys,
        tag_sets=tag_sets,
        seed=seed,
        profile=profile,
    )
    machine = type("ReplicationMachine", (ReplicationMachine,), {"_setup_cache": setup})
    machine.__qualname__ = "ReplicationMachine"
    machine.__module__ = ReplicationMachine.__module__
    return machine
