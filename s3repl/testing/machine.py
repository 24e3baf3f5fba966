"""A Hypothesis state machine that drives an engine and checks replication invariants.

Theory of operation.  :class:`ReplicationMachine` is a ``RuleBasedStateMachine`` whose
rules are S3 calls and replication steps: puts (with tags, SSE-KMS, SSE-C or an archived
storage class), delete markers, deletes by version id, tag and ACL changes,
configuration swaps, lifecycle expirations, fault plans on and off, stepping *any*
pending task (so every interleaving is reachable, R-141) and stepping every pending
task once.  Each run starts by writing every key (and tag set) and checking where each
write was routed, so that a routing bug fails the first example.  After every rule it
checks:

- the safety invariants (:func:`~s3repl.testing.invariants.check_all`) and the status
  history (:class:`~s3repl.testing.invariants.StatusTracker`) on the keys the rule
  touched (every check reads one key at a time, so this is all the rule could break,
  and the cost does not grow with the world), and that no version vanished except the
  one a call deleted itself (R-103);
- right after a write, where it was routed (an independent oracle of SPEC section 3,
  :func:`~s3repl.testing.invariants.check_routing`); right after a step, the copy it
  wrote (:func:`~s3repl.testing.invariants.check_replica_written`), a FAILED step's
  reason against the world (a transient outage never ends in FAILED) and its event and
  count (:func:`~s3repl.testing.invariants.check_failures_explained`,
  :func:`~s3repl.testing.invariants.check_failure_reported`); around a delete by
  version id, that it changed nothing else
  (:func:`~s3repl.testing.invariants.check_version_delete_not_replicated`); after a
  configuration swap, that PutBucketReplication answered as SPEC and validation say
  (:func:`~s3repl.testing.invariants.check_configuration_answer`).

At teardown it switches faults off, runs to the end and checks convergence
(:func:`~s3repl.testing.invariants.check_converged`), the replicas' metadata
(:func:`~s3repl.testing.invariants.check_metadata_converged`) and the user's policy
properties.

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

from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from s3repl.engine import FaultPlan
from s3repl.errors import AccessDenied, S3Error, StepLimitExceededError
from s3repl.model import (
    NULL_VERSION_ID,
    ObjectVersion,
    ReplicationConfiguration,
    ReplicationStatus,
    ReplicationTask,
    StepResult,
    TaskKind,
    VersioningStatus,
)
from s3repl.profile import Profile
from s3repl.testing._machine_setup import (
    DEFAULT_ROLE,
    GLACIER,
    KMS,
    PLAIN,
    SSE_C,
    Setup,
    blocks_sse_c,
    build_setup,
    default_world,
)
from s3repl.testing._machine_targets import Targets
from s3repl.testing.invariants import (
    DeletePropagationViolation,
    StatusTracker,
    check_all,
    check_configuration_answer,
    check_converged,
    check_failure_reported,
    check_failures_explained,
    check_metadata_converged,
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
)
from s3repl.world import World

__all__ = ["DEFAULT_ROLE", "ReplicationMachine", "default_world", "replication_machine"]

_T = TypeVar("_T")
_ACLS = ("private", "public-read", "bucket-owner-full-control")


def _choose(pick: Callable[[Setup], Sequence[_T]]) -> st.SearchStrategy[_T]:
    """A strategy drawing from the running machine's setup (so subclasses differ)."""
    return st.runner().flatmap(lambda machine: st.sampled_from(pick(machine.setup())))


def _index(count: Callable[[Setup], int]) -> st.SearchStrategy[int]:
    return st.runner().flatmap(
        lambda machine: st.integers(min_value=0, max_value=count(machine.setup()) - 1)
    )


def _targets(kind: str) -> st.SearchStrategy[Any]:
    """Draw an existing target of ``kind``, half the time one of the interesting ones.

    Interesting are the targets where replication has something to get wrong (see
    ``_machine_targets.Targets``): replicated versions and replicas, whose copies a tag
    or ACL change must reach (R-084, R-085) or must not leave (R-088, R-101) and a delete
    by version id must leave alone (R-103); for a lifecycle expiration, a key whose
    current version is PENDING (R-125).
    """
    return st.runner().flatmap(lambda machine: machine._targets_of(kind))


#: A bucket to write to: half the time one that replicates (where the bugs are).
_BUCKETS = st.runner().flatmap(
    lambda machine: st.one_of(
        *([st.sampled_from(machine.setup().sources)] if machine.setup().sources else []),
        st.sampled_from(machine.setup().buckets),
    )
)
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

    _setup_cache: ClassVar[Setup | None] = None

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
        # The keys the calls since the last check touched: the safety checks read one
        # key at a time, so checking these is checking all a call could have broken.
        self._touched: set[str] = set()
        # Replicas whose metadata may legitimately lag their source's at the end (see
        # check_metadata_converged): changed on the replica, a change no rule carried,
        # a metadata operation that FAILED, tags left behind.
        self._exempt: set[tuple[str, str, str]] = set()
        self._view: World | None = None
        self._target_pools = Targets(setup.buckets, setup.acl_buckets, setup.keys)
        self._target_pools.refresh_all(self._world())
        self._stale_targets: set[str] = set()
        # True while a rule or a check runs; left True when one raised, so that the
        # teardown does not hide the first failure behind a second one.
        self._busy = False

    @classmethod
    def setup(cls) -> Setup:
        """Return this class's configuration (the default one is built on first use).

        A subclass of a configured class (one ``replication_machine`` made) shares its
        configuration; ``ReplicationMachine`` itself builds the default one.
        """
        cached = next(
            (k.__dict__["_setup_cache"] for k in cls.__mro__ if k.__dict__.get("_setup_cache")),
            None,
        )
        if cached is None:
            cached = build_setup(
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
        self._view = None
        if self._journal is not None:
            self._journal.append(JournalEntry(call=call, before=self.engine.snapshot()))
        return call.apply(self.engine)

    def _failed_counters(self, buckets: Sequence[str]) -> dict[tuple[str, str, str], int]:
        """``OperationsFailedReplication`` by (source, rule id, destination) (R-131)."""
        counters: dict[tuple[str, str, str], int] = {}
        for bucket in buckets:
            for row in self.engine.replication_metrics(bucket):
                counters[(bucket, row.rule_id, row.destination_bucket)] = row.operations_failed
        return counters

    def _sources(self) -> list[str]:
        world = self._world()
        return [name for name, bucket in world.buckets.items() if bucket.replication is not None]

    def _stepping(
        self, buckets: Sequence[str], task: ReplicationTask | None = None
    ) -> tuple[StepResult, ...]:
        """Step ``task``, or as many tasks as are pending now; check what each step reports.

        One step at a time (not ``run``), so that every result is seen even when tasks
        stay pending behind a fault.  Each FAILED step has the reason the world gives
        it (a transient outage never ends in FAILED, R-124), its status, event and count
        (R-127, R-129, R-131); each completed copy is shaped as SPEC says (R-080..R-089,
        R-150..R-154).

        Raises:
            StepLimitExceededError: with faults off, tasks are still pending after one
                step each (liveness, R-124).
        """
        events_before = len(self.engine.events())
        counters_before = self._failed_counters(buckets)
        done: list[StepResult] = []
        if task is not None:
            done.append(self._call(Call("step", (task,))))
        else:
            for _ in range(len(self.engine.pending())):
                if not self.engine.pending():
                    break
                done.append(self._call(Call("step")))
        results = tuple(done)
        world = self._world()
        check_failures_explained(world, results)
        check_failure_reported(
            world,
            results,
            new_events=self.engine.events()[events_before:],
            failed_before=counters_before,
            failed_after=self._failed_counters(buckets),
        )
        # The world is read after every step of the batch: a copy is checked against the
        # last step that wrote it (a later job may copy it again under another rule).
        last_writer = {
            (result.task.destination_bucket, result.task.key, result.task.version_id): index
            for index, result in enumerate(results)
            if result.status is ReplicationStatus.COMPLETED
        }
        for index, result in enumerate(results):
            task = result.task
            self._touch(task.key)
            copy = (task.destination_bucket, task.key, task.version_id)
            if result.status is ReplicationStatus.COMPLETED:
                if last_writer[copy] == index:
                    check_replica_written(world, task)
                if task.kind is TaskKind.OBJECT and self._tags_dropped(world, task.key, copy):
                    self._exempt.add(copy)
            elif result.status is ReplicationStatus.FAILED and task.kind is TaskKind.METADATA:
                self._exempt.add(copy)
        if task is None and world.pending and self.engine.faults.is_quiet:
            count = len(results)
            msg = f"{len(world.pending)} tasks still pending after {count} steps with no fault"
            raise StepLimitExceededError(msg)
        return results

    @staticmethod
    def _tags_dropped(world: World, key: str, copy: tuple[str, str, str]) -> bool:
        """Whether a copy just written left its source's tags behind (R-157, R-158)."""
        dest, _, version_id = copy
        replica = world.version(dest, key, version_id)
        if not isinstance(replica, ObjectVersion) or replica.tags:
            return False
        for bucket in world.buckets:
            source = world.version(bucket, key, version_id)
            if (
                isinstance(source, ObjectVersion)
                and source.replication_status is not ReplicationStatus.REPLICA
                and source.tags
            ):
                return True
        return False

    def _metadata_changed(self, bucket: str, key: str, version_id: str, *, acl: bool) -> None:
        """Note where a metadata change must arrive, for the convergence check (R-084, R-085).

        A change on a replica stays there (unless synced back, R-088); a change on a
        source reaches each replicated destination some enabled rule still names (for
        an ACL, where ACLs follow, R-151..R-154).
        """
        world = self._world()
        version = world.version(bucket, key, version_id)
        if not isinstance(version, ObjectVersion):
            return
        replica = self.tracker.is_replica(bucket, key, version_id)
        if replica or version.replication_status is ReplicationStatus.REPLICA:
            self._exempt.add((bucket, key, version_id))
            return
        config = world.buckets[bucket].replication
        for dest, status in version.destination_statuses.items():
            if status is not ReplicationStatus.COMPLETED:
                continue
            copy = (dest, key, version_id)
            named = config is not None and any(
                rule.is_enabled and rule.destination.bucket_name == dest for rule in config.rules
            )
            if not named:
                self._exempt.add(copy)
            elif not acl:
                self._exempt.discard(copy)

    def _world(self) -> World:
        """The engine's state now, read through (not copied: O(buckets), not O(objects)).

        Valid until the next call; a world kept across calls is a ``snapshot()``.
        """
        if self._view is None:
            self._view = self.engine._state(copy=False)
        return self._view

    def _null_versions(self, bucket: str, key: str) -> frozenset[tuple[str, str, str]]:
        """What a write may replace or remove: the key's ``null`` version (unversioned)."""
        if self.engine.get_bucket(bucket).versioning is VersioningStatus.ENABLED:
            return frozenset()
        return frozenset({(bucket, key, NULL_VERSION_ID)})

    def _touch(self, *keys: str) -> None:
        """Note keys a call touched: checked next, and their targets refreshed."""
        self._touched.update(keys)
        self._stale_targets.update(keys)

    def _targets_of(self, kind: str) -> st.SearchStrategy[Any]:
        """The strategy of targets of ``kind`` now (see :func:`_targets`)."""
        self._refresh_targets()
        return self._target_pools.strategy(kind)

    def _exists(self, kind: str) -> bool:
        self._refresh_targets()
        return self._target_pools.exists(kind)

    def _refresh_targets(self) -> None:
        if self._stale_targets:
            self._target_pools.refresh(self._world(), self._stale_targets)
            self._stale_targets = set()

    # --- rules ---------------------------------------------------------------------------

    @initialize()
    def populate(self) -> None:
        """Start with replicated versions of every key in every replicating bucket.

        Every key with a plain put, every tag set at least once, and in the first
        replicating bucket every key with an SSE-KMS put too; then a delete marker on
        every other key; each write's routing checked at once (SPEC section 3), then
        every task stepped.  So that a routing bug shows in the first example, and from
        the first rule on there are replicas to tag, versions with copies to delete by
        version id, and current versions to be overtaken by late arrivals.
        """
        with self._checked():
            setup = self.setup()
            world = self._world()
            sets = setup.tag_sets
            # Every key once, every tag set at least once (the leftover sets on the
            # first key), so that a property about tags can fail in the first example.
            writes = [(key, sets[index % len(sets)]) for index, key in enumerate(setup.keys)]
            writes += [(setup.keys[0], tags) for tags in sets[len(setup.keys) :]]
            sources = [b for b in setup.buckets if world.buckets[b].replication is not None]
            for bucket in sources:
                for key, tags in writes:
                    self._put(bucket, key, tags, PLAIN)
            if KMS in setup.variants and sources:
                for key, tags in writes[: len(setup.keys)]:
                    self._put(sources[0], key, tags, KMS)
            for bucket in sources:
                for key in setup.keys[1::2]:
                    self._delete(bucket, key)
            self._touch(*setup.keys)
            self._stepping(self._sources())

    @rule(bucket=_BUCKETS, key=_KEYS, tags=_TAG_SETS, variant=_choose(lambda s: s.variants))
    def put(self, bucket: str, key: str, tags: dict[str, str], variant: str) -> None:
        """Put a new version (plain, SSE-KMS, SSE-C or GLACIER) and check its routing."""
        with self._checked():
            self._put(bucket, key, tags, variant)

    def _put(self, bucket: str, key: str, tags: dict[str, str], variant: str) -> None:
        self._writes += 1
        extra: dict[str, Any] = {"tags": tags} if tags else {}
        if variant == KMS:
            region = self.engine.get_bucket(bucket).region
            keys = [k for k in self.setup().kms_keys if k.split(":")[3] == region]
            extra["server_side_encryption"] = "aws:kms"
            extra["sse_kms_key_id"] = (keys or list(self.setup().kms_keys))[0]
        elif variant == SSE_C and not blocks_sse_c(self.engine, bucket):
            # A bucket blocking SSE-C (new buckets since April 2026) takes a plain put.
            extra["sse_customer_algorithm"] = "AES256"
        elif variant == GLACIER:
            extra["storage_class"] = "GLACIER"
        body = f"{key}#{self._writes}".encode()
        version = self._call(Call("put_object", (bucket, key, body), extra))
        self._may_vanish = self._may_vanish | self._null_versions(bucket, key)
        self._touch(key)
        check_routing(self._world(), bucket, key, version.version_id)

    @rule(bucket=_BUCKETS, key=_KEYS)
    def delete(self, bucket: str, key: str) -> None:
        """Delete without version id (a delete marker where versioned) and check routing."""
        with self._checked():
            self._delete(bucket, key)

    def _delete(self, bucket: str, key: str) -> None:
        result = self._call(Call("delete_object", (bucket, key)))
        self._may_vanish = self._may_vanish | self._null_versions(bucket, key)
        self._touch(key)
        if result.delete_marker and result.version_id is not None:
            check_routing(self._world(), bucket, key, result.version_id)

    @precondition(lambda self: self._exists("delete"))
    @rule(version=_targets("delete"))
    def delete_version(self, version: tuple[str, str, str]) -> None:
        """Delete one version by id (bucket, key, version id); nothing else may change (R-103)."""
        with self._checked():
            bucket, key, version_id = version
            before = self.engine.snapshot()
            try:
                self._call(Call("delete_object", (bucket, key), {"version_id": version_id}))
            except AccessDenied:
                return  # Object Lock refuses it: nothing happened
            self._hard_deleted.add(version)
            self._may_vanish = frozenset({version})
            self._touch(key)
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
            self._touch(key)
            self._metadata_changed(bucket, key, version_id, acl=False)

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
            self._touch(key)
            self._metadata_changed(bucket, key, version_id, acl=True)

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
        """Swap in one of the configurations (existing versions keep their routing, R-068).

        Refused exactly when SPEC and ``validate_replication`` say (R-003, R-055): a
        destination that does not exist or is not versioned, say; then nothing changed.
        """
        with self._checked():
            bucket, config = self.setup().configurations[choice]
            before = self.engine.snapshot()
            error: S3Error | None = None
            try:
                self._call(Call("put_bucket_replication", (bucket, config)))
            except S3Error as err:
                error = err
            check_configuration_answer(before, bucket, config, error)

    @rule(location=_targets("expire"))
    def expire(self, location: tuple[str, str]) -> None:
        """Expire a key's current version by lifecycle (``location`` is bucket and key).

        Never replicated (R-104); deferred while the version is PENDING (R-125).
        """
        with self._checked():
            bucket, key = location
            self._call(Call("expire_object", (bucket, key)))
            self._may_vanish = self._null_versions(bucket, key)
            self._touch(key)

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
            self._stepping([task.source_bucket], task)

    @precondition(lambda self: bool(self.engine.pending()))
    @rule()
    def run(self) -> None:
        """Step every pending task once; without faults every step must retire its task."""
        with self._checked():
            self._stepping(self._sources())

    # --- checks ----------------------------------------------------------------------------

    @invariant()
    def replication_is_safe(self) -> None:
        """Every safety invariant, the status history, and nothing deleted unasked."""
        with self._checked():
            world = self._world()
            keys = self._touched
            check_all(world, keys=keys)
            self.tracker.observe(world, keys=keys)
            self._touched = set()
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
            self._stepping(self._sources())
            world = self._world()
            check_all(world)
            self.tracker.observe(world)
            check_converged(world, hard_deleted=self._hard_deleted)
            check_metadata_converged(world, exempt=self._exempt)
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
    setup = build_setup(
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
