"""Checks across snapshots: statuses only move forward, deletes by version id stay local.

:class:`StatusTracker` remembers every status it has seen and refuses a move back
(R-113, R-122, R-124); :func:`check_version_delete_not_replicated` compares a snapshot
before and after a delete by version id (R-103).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import attrs

from s3repl.model import (
    NULL_VERSION_ID,
    DeleteMarker,
    ObjectVersion,
    ReplicationRule,
    ReplicationStatus,
    Status,
)
from s3repl.testing._invariants._batch import batch_subjects
from s3repl.testing._invariants._index import (
    _COMPLETED,
    _FAILED,
    _PENDING,
    _REPLICA,
    EngineOrWorld,
    _chain_versions,
    _groups,
    _world,
    restricted,
)
from s3repl.testing._invariants._violations import (
    DeletePropagationViolation,
    LifecycleViolation,
    StatusTransitionViolation,
)
from s3repl.world import World


def check_version_delete_not_replicated(
    before: World, after: World, *, bucket: str, key: str, version_id: str
) -> None:
    """A delete by version id changed only its own version: no other bucket, no new task.

    Call it with snapshots taken just before and just after
    ``delete_object(bucket, key, version_id=version_id)``.

    Raises:
        DeletePropagationViolation: another bucket's versions of ``key`` changed, or a
            replication task was queued (R-103).
    """
    where = {"bucket": bucket, "key": key, "version_id": version_id}
    new_tasks = set(after.pending) - set(before.pending)
    if new_tasks:
        task = min(new_tasks, key=lambda t: t.sequence)
        msg = (
            f"deleting by version id queued a {task.kind.value} task to "
            f"{task.destination_bucket}; such deletes are never replicated"
        )
        raise DeletePropagationViolation(
            msg,
            requirement="R-103",
            **where,
        )
    names = set(before.objects) | set(after.objects)
    for name in sorted(names):
        old = before.versions(name, key)
        new = after.versions(name, key)
        if name == bucket:
            old = tuple(v for v in old if v.version_id != version_id)
        if old != new:
            gone = [v.version_id for v in old if v not in new]
            msg = (
                f"deleting by version id in {bucket} changed {name}/{key} "
                f"(versions gone or changed: {gone}); the destination keeps its copy"
            )
            raise DeletePropagationViolation(
                msg,
                requirement="R-103",
                **where,
            )


_ORIGIN_MOVES: dict[ReplicationStatus | None, tuple[ReplicationStatus | None, ...]] = {
    None: (None,),  # eligibility is fixed at creation
    _PENDING: (_PENDING, _COMPLETED, _FAILED),
    _COMPLETED: (_COMPLETED,),
    _FAILED: (_FAILED,),  # FAILED is terminal for live replication
}
_REPLICA_MOVES: dict[ReplicationStatus | None, tuple[ReplicationStatus | None, ...]] = {
    _REPLICA: (_REPLICA, _PENDING, _FAILED),  # a change travels back
    _PENDING: (_PENDING, _REPLICA, _FAILED),
    _FAILED: (_FAILED,),
}
_DESTINATION_MOVES: dict[ReplicationStatus, tuple[ReplicationStatus, ...]] = {
    _PENDING: (_PENDING, _COMPLETED, _FAILED),
    _COMPLETED: (_COMPLETED,),
    _FAILED: (_FAILED,),
}


@attrs.frozen
class _Seen:
    sequence: int
    replica: bool
    status: ReplicationStatus | None
    destinations: Mapping[str, ReplicationStatus]


class StatusTracker:
    """Remembers every version's statuses across snapshots and checks each transition.

    Observe after every operation (as the state machine does): a source version's
    status goes ``PENDING`` -> ``COMPLETED`` or ``FAILED`` and stays there (R-113,
    R-124), a version without status never gets one (R-068, R-121), the set of its
    destinations never changes, and each destination's status moves the same way.  A
    replica goes ``REPLICA`` -> ``PENDING`` -> ``REPLICA`` or ``FAILED`` only while its
    bucket has a rule with ``ReplicaModifications`` enabled (R-088, R-122).  A new
    lifecycle delete marker never covers the PENDING version that was current (R-125).
    The status checks hold at any observation frequency; the last two assume that no
    more than one call happened since the previous observation.  A version a Batch
    Replication job names is exempt from the status checks (R-177).

    Attributes:
        vanished: ``(bucket, key, version_id)`` of every version present at the
            previous observation and gone at the last one.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, str], _Seen] = {}
        self._heads: dict[tuple[str, str], tuple[str, int]] = {}
        self._sync_buckets: set[str] = set()
        self.vanished: frozenset[tuple[str, str, str]] = frozenset()

    def copy(self) -> StatusTracker:
        """Return an independent tracker with the same memory (for explorers that branch)."""
        twin = StatusTracker()
        twin._seen = dict(self._seen)
        twin._heads = dict(self._heads)
        twin._sync_buckets = set(self._sync_buckets)
        twin.vanished = self.vanished
        return twin

    def is_replica(self, bucket: str, key: str, version_id: str) -> bool | None:
        """Whether the version was a replica when first observed; ``None`` if never seen.

        Decided once, when it appeared (a ``REPLICA`` status, or a copy of another
        bucket's version), so a replica whose change is travelling back under replica
        modification sync (``PENDING``, R-122) still counts as one.
        """
        seen = self._seen.get((bucket, key, version_id))
        return None if seen is None else seen.replica

    def observe(
        self, engine_or_world: EngineOrWorld, *, keys: Collection[str] | None = None
    ) -> None:
        """Record a snapshot and check every change since the previous one.

        Args:
            engine_or_world: the engine or its snapshot.
            keys: observe only these keys' versions (in every bucket), the ones the
                calls since the previous observation touched; the others are
                remembered as they were.  ``None``: every key.

        Raises:
            StatusTransitionViolation: naming the version and the forbidden move.
            LifecycleViolation: an expiration did not wait for a PENDING version.
        """
        world = _world(engine_or_world)
        if keys is not None:
            world = restricted(world, keys)
        for name, settings in world.buckets.items():
            config = settings.replication
            if config is not None and any(_syncs(rule) for rule in config.rules):
                self._sync_buckets.add(name)
        groups = {(g.key, g.version_id): g for g in _groups(world)}
        # A Batch Replication job may move its versions as live replication never does.
        batch = batch_subjects(world)
        seen: dict[tuple[str, str, str], _Seen] = {}
        for bucket, key, _, version in _chain_versions(world):
            ident = (bucket, key, version.version_id)
            before = self._seen.get(ident)
            if before is not None and before.sequence == version.sequence:
                now = _Seen(
                    sequence=version.sequence,
                    replica=before.replica,
                    status=version.replication_status,
                    destinations=version.destination_statuses,
                )
                if ident not in batch:
                    self._check(ident, before, now)
            else:
                group = groups.get((key, version.version_id))
                replica = version.replication_status is _REPLICA or (
                    group is not None
                    and any(c.bucket == bucket for c in group.replicas)
                    and version.version_id != NULL_VERSION_ID
                )
                now = _Seen(
                    sequence=version.sequence,
                    replica=replica,
                    status=version.replication_status,
                    destinations=version.destination_statuses,
                )
            seen[ident] = now
        heads = self._check_expirations(world, seen)
        if keys is None:
            self.vanished = frozenset(self._seen.keys() - seen.keys())
            self._seen = seen
            self._heads = heads
            return
        wanted = set(keys)
        previous = {ident for ident in self._seen if ident[1] in wanted}
        self.vanished = frozenset(previous - seen.keys())
        for ident in previous:
            del self._seen[ident]
        self._seen.update(seen)
        for place in [place for place in self._heads if place[1] in wanted]:
            del self._heads[place]
        self._heads.update(heads)

    def _check_expirations(
        self, world: World, seen: dict[tuple[str, str, str], _Seen]
    ) -> dict[tuple[str, str], tuple[str, int]]:
        """R-125: a new lifecycle marker does not sit on the PENDING version it expired.

        The expired version is the one the marker now covers, provided that version was
        the key's current version at the previous observation (so nothing came and went
        in between).  Returns the current version of every key.
        """
        heads: dict[tuple[str, str], tuple[str, int]] = {}
        for bucket, keys in world.objects.items():
            for key, chain in keys.items():
                if chain is None:
                    continue
                head, below = chain
                heads[(bucket, key)] = (head.version_id, head.sequence)
                if not (isinstance(head, DeleteMarker) and head.by_lifecycle) or below is None:
                    continue
                earlier = self._seen.get((bucket, key, head.version_id))
                if earlier is not None and earlier.sequence == head.sequence:
                    continue  # not new
                expired = below[0]
                record = seen[(bucket, key, expired.version_id)]
                if (
                    isinstance(expired, ObjectVersion)
                    and expired.replication_status is _PENDING
                    and not record.replica
                    and self._heads.get((bucket, key)) == (expired.version_id, expired.sequence)
                ):
                    msg = (
                        f"a lifecycle expiration put a delete marker over version "
                        f"{expired.version_id!r} while it was PENDING; lifecycle waits "
                        "until it is COMPLETED or FAILED"
                    )
                    raise LifecycleViolation(
                        msg, requirement="R-125", bucket=bucket, key=key, version_id=head.version_id
                    )
        return heads

    def _check(self, ident: tuple[str, str, str], before: _Seen, now: _Seen) -> None:
        bucket, key, version_id = ident
        where = {"bucket": bucket, "key": key, "version_id": version_id}
        moves = _REPLICA_MOVES if before.replica else _ORIGIN_MOVES
        if now.status not in moves.get(before.status, ()):
            msg = f"the status moved from {_shown(before.status)} to {_shown(now.status)}"
            raise StatusTransitionViolation(
                msg,
                requirement="R-122" if before.replica else "R-113, R-124",
                **where,
            )
        if before.replica:
            leaves = before.status is _REPLICA and now.status is not _REPLICA
            if leaves and bucket not in self._sync_buckets:
                msg = (
                    f"a replica went from REPLICA to {_shown(now.status)}, sending a "
                    f"change onwards, but no rule of {bucket} has ReplicaModifications "
                    "enabled; replicas are not replicated"
                )
                raise StatusTransitionViolation(
                    msg,
                    requirement="R-088, R-101, R-122",
                    **where,
                )
            return
        if set(now.destinations) != set(before.destinations):
            msg = (
                f"the destinations changed from {sorted(before.destinations)} to "
                f"{sorted(now.destinations)}; they are fixed when the version is created"
            )
            raise StatusTransitionViolation(
                msg,
                requirement="R-068, R-102",
                **where,
            )
        for dest, old in before.destinations.items():
            new = now.destinations[dest]
            if new not in _DESTINATION_MOVES[old]:
                msg = f"destination {dest} moved from {old.value} to {new.value}"
                raise StatusTransitionViolation(
                    msg,
                    requirement="R-113, R-124",
                    **where,
                )


def _syncs(rule: ReplicationRule) -> bool:
    criteria = rule.source_selection_criteria
    return (
        rule.status is Status.ENABLED
        and criteria is not None
        and criteria.replica_modifications is Status.ENABLED
    )


def _shown(status: ReplicationStatus | None) -> str:
    return "no status" if status is None else status.value
