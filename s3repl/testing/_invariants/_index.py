"""A world indexed for the checks: the copies of each version, grouped, sources told from replicas.

Every whole-world check reads the same index: the versions of every chain, grouped by
(key, version id) across buckets, each group split into its origin and its replicas
the way S3 tells them apart (a ``REPLICA`` status, or a replica whose change is
travelling back under replica modification sync, R-122).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import TypeAlias

import attrs

from s3repl.engine import Engine
from s3repl.model import NULL_VERSION_ID, DeleteMarker, FrozenMap, ReplicationStatus, StorageClass
from s3repl.world import Version, World

#: What every check accepts, a live engine (snapshotted first) or a snapshot.
EngineOrWorld: TypeAlias = Engine | World

_PENDING = ReplicationStatus.PENDING
_COMPLETED = ReplicationStatus.COMPLETED
_FAILED = ReplicationStatus.FAILED
_REPLICA = ReplicationStatus.REPLICA
_ARCHIVED = (StorageClass.GLACIER, StorageClass.DEEP_ARCHIVE)


def _world(engine_or_world: EngineOrWorld) -> World:
    if isinstance(engine_or_world, World):
        return engine_or_world
    return engine_or_world.snapshot()


def restricted(world: World, keys: Collection[str]) -> World:
    """The world with only the versions and tasks of ``keys`` (in every bucket).

    Every whole-world check reads a key's versions together with the same key's copies
    in other buckets and its tasks, never another key's: checking the keys a call
    touched is checking everything that call could have broken.  O(len(keys) x buckets
    + pending), whatever the number of objects.
    """
    objects = FrozenMap(
        {
            bucket: FrozenMap({key: chains[key] for key in keys if key in chains})
            for bucket, chains in world.objects.items()
        }
    )
    pending = tuple(task for task in world.pending if task.key in keys)
    return attrs.evolve(world, objects=objects, pending=pending)


def _find(world: World, bucket: str, key: str, version_id: str) -> Version | None:
    """The version ``version_id`` of ``bucket/key``, or ``None``."""
    for version in world.versions(bucket, key):
        if version.version_id == version_id:
            return version
    return None


def _chain_versions(world: World) -> Iterator[tuple[str, str, int, Version]]:
    """Yield ``(bucket, key, position, version)`` for every stored version, newest first."""
    for bucket, keys in world.objects.items():
        for key, chain in keys.items():
            position = 0
            cursor = chain
            while cursor is not None:
                yield bucket, key, position, cursor[0]
                cursor = cursor[1]
                position += 1


@attrs.frozen
class _Copy:
    bucket: str
    version: Version


@attrs.frozen
class _Group:
    """Every copy of one ``(key, version id)``, split into origins and replicas."""

    key: str
    version_id: str
    origins: tuple[_Copy, ...]
    replicas: tuple[_Copy, ...]

    @property
    def origin(self) -> _Copy | None:
        return self.origins[0] if len(self.origins) == 1 else None


def _is_replica(copy: _Copy, copies: list[_Copy], syncing: set[tuple[str, str, str]]) -> bool:
    status = copy.version.replication_status
    if status is _REPLICA:
        return True
    if status not in (_PENDING, _FAILED):
        return False
    # a replica syncing its metadata back shows PENDING (with a replica
    # modification task queued) or, once that failed, FAILED.
    if (copy.bucket, copy.version.key, copy.version.version_id) in syncing:
        return True
    for other in copies:
        if other is copy or other.version.replication_status is _REPLICA:
            continue
        if (
            other.version.destination_statuses.get(copy.bucket) is _COMPLETED
            and copy.version.destination_statuses.get(other.bucket) is not _COMPLETED
        ):
            return True
    return False


def _groups(world: World) -> list[_Group]:
    """Group the copies of every non-null version id across buckets: O(total versions)."""
    found: dict[tuple[str, str], list[_Copy]] = {}
    for bucket, key, _, version in _chain_versions(world):
        if version.version_id != NULL_VERSION_ID:
            found.setdefault((key, version.version_id), []).append(_Copy(bucket, version))
    syncing = {
        (t.source_bucket, t.key, t.version_id) for t in world.pending if t.replica_modification
    }
    groups = []
    for (key, version_id), copies in found.items():
        flags = [_is_replica(c, copies, syncing) for c in copies]
        groups.append(
            _Group(
                key=key,
                version_id=version_id,
                origins=tuple(c for c, f in zip(copies, flags, strict=True) if not f),
                replicas=tuple(c for c, f in zip(copies, flags, strict=True) if f),
            )
        )
    return groups


def _kind(version: Version) -> str:
    return "delete marker" if isinstance(version, DeleteMarker) else "object version"
