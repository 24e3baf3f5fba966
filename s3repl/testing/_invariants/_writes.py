"""Checks at the moment of a write: routing after a put, the replica's content after a step.

They hold only at that moment, because configurations, tags and lock settings may
change afterwards.  :func:`expected_routes` restates the rule selection of SPEC section
3 independently of ``s3repl.policy``, so that a broken policy is caught, not echoed.
"""

from __future__ import annotations

from collections.abc import Mapping

from s3repl.model import (
    Acl,
    Bucket,
    DeleteMarker,
    ObjectOwnership,
    ObjectVersion,
    ReplicationRule,
    ReplicationTask,
    ServerSideEncryption,
    Status,
    TaskKind,
)
from s3repl.model.replication import Filter, NotOperator, SchemaVersion
from s3repl.testing._invariants._index import (
    _ARCHIVED,
    _PENDING,
    _REPLICA,
    EngineOrWorld,
    _find,
    _kind,
    _world,
)
from s3repl.testing._invariants._safety import _identity_problem
from s3repl.testing._invariants._violations import (
    ReplicaContentViolation,
    RoutingViolation,
    VersionIdentityViolation,
    _Fail,
)
from s3repl.world import Version, World


def _excluded(excluded: NotOperator, key: str, tags: Mapping[str, str]) -> bool:
    if excluded.prefix is not None and key.startswith(excluded.prefix):
        return True
    if excluded.tag is not None and tags.get(excluded.tag.key) == excluded.tag.value:
        return True
    either = excluded.or_
    if either is None:
        return False
    return any(key.startswith(p) for p in either.prefixes) or any(
        tags.get(t.key) == t.value for t in either.tags
    )


def _filter_selects(flt: Filter, key: str, tags: Mapping[str, str]) -> bool:
    both = flt.and_
    prefix = flt.prefix if flt.prefix is not None else (both.prefix if both else None)
    if prefix is not None and not key.startswith(prefix):
        return False
    wanted = (flt.tag,) if flt.tag is not None else (both.tags if both else ())
    if any(tags.get(t.key) != t.value for t in wanted):
        return False
    for excluded in (flt.not_, both.not_ if both else None):
        if excluded is not None and _excluded(excluded, key, tags):
            return False
    return True


def _selects(rule: ReplicationRule, key: str, tags: Mapping[str, str]) -> bool:
    if rule.filter is None:
        return key.startswith(rule.prefix or "")
    return _filter_selects(rule.filter, key, tags)


def expected_routes(world: World, bucket: str, version: Version) -> dict[str, ReplicationRule]:
    """The winning rule per destination for a version just written to ``bucket``.

    An independent restatement of SPEC sections 3 to 5 (deliberately not calling
    ``s3repl.policy``): enabled rules only (R-065); prefix, tags and ``Not`` (R-060,
    R-061, R-069); per destination the highest priority, ties to the earlier rule
    (R-063, R-066); replicas (R-101), archived classes (R-105), SSE-C by profile (R-081)
    and SSE-KMS without the opt-in (R-067) never; delete markers only from user deletes
    under V1 rules or V2 rules with ``DeleteMarkerReplication`` (R-087, R-104, R-110).

    Args:
        world: the world at the moment of the write.
        bucket: the bucket written to.
        version: the new object version or delete marker.

    Returns:
        destination bucket name -> winning rule; empty when not eligible.
    """
    source = world.bucket(bucket)
    if source is None or source.replication is None:
        return {}
    tags: Mapping[str, str] = {}
    kms = False
    if isinstance(version, DeleteMarker):
        if version.by_lifecycle:
            return {}
    else:
        if version.replication_status is _REPLICA or version.storage_class in _ARCHIVED:
            return {}
        sse = version.server_side_encryption
        if sse is ServerSideEncryption.SSE_C and not world.profile.sse_c_replication:
            return {}
        tags = version.tags
        kms = sse in (ServerSideEncryption.SSE_KMS, ServerSideEncryption.DSSE_KMS)
    best: dict[str, tuple[tuple[int, int], ReplicationRule]] = {}
    for index, rule in enumerate(source.replication.rules):
        if rule.status is not Status.ENABLED or not _selects(rule, version.key, tags):
            continue
        criteria = rule.source_selection_criteria
        if kms and (criteria is None or criteria.sse_kms_encrypted_objects is not Status.ENABLED):
            continue
        rank = (rule.priority if rule.priority is not None else 0, -index)
        dest = rule.destination.bucket_name
        if dest not in best or rank > best[dest][0]:
            best[dest] = (rank, rule)
    routes = {dest: rule for dest, (_, rule) in best.items()}
    if isinstance(version, DeleteMarker):
        routes = {
            dest: rule
            for dest, rule in routes.items()
            if (
                rule.schema_version is SchemaVersion.V1
                or rule.delete_marker_replication is Status.ENABLED
            )
            and not _cross_account_marker_off(world, source, dest)
        }
    return routes


def _cross_account_marker_off(world: World, source: Bucket, dest_name: str) -> bool:
    if not world.profile.cross_account_delete_markers_off_by_default:
        return False
    dest = world.bucket(dest_name)
    return dest is not None and dest.owner != source.owner


def check_routing(engine_or_world: EngineOrWorld, bucket: str, key: str, version_id: str) -> None:
    """A version just written went exactly where the configuration sends it.

    Call it right after ``put_object`` or ``delete_object`` (without version id): it
    compares the version's status, its destinations and the rule of each queued task
    with :func:`expected_routes` under the configuration in force now.

    Raises:
        RoutingViolation: naming the version, the expected and the actual routing.
        LookupError: the version does not exist.
    """
    world = _world(engine_or_world)
    version = _find(world, bucket, key, version_id)
    if version is None:
        msg = f"{bucket}/{key} has no version {version_id!r}"
        raise LookupError(msg)
    expected = expected_routes(world, bucket, version)
    where = {"bucket": bucket, "key": key, "version_id": version_id}
    wanted = {dest: rule.id or "" for dest, rule in expected.items()}
    actual = dict(version.destination_statuses)
    if set(actual) != set(wanted):
        msg_0 = (
            f"this new {_kind(version)} went to {sorted(actual)}, but the configuration "
            f"sends it to {sorted(wanted)} (winning rules {wanted})"
        )
        raise RoutingViolation(
            msg_0,
            requirement="R-060..R-069, R-080, R-087, R-100..R-110",
            **where,
        )
    status = version.replication_status
    expected_status = _PENDING if wanted else None
    if status is not expected_status or any(s is not _PENDING for s in actual.values()):
        msg_0 = (
            f"a new {_kind(version)} has status {status!r} and destinations {actual!r}; "
            f"expected {expected_status!r} with every destination PENDING"
        )
        raise RoutingViolation(
            msg_0,
            requirement="R-120, R-121, R-124",
            **where,
        )
    queued: dict[str, list[str]] = {}
    for task in world.pending:
        if (task.source_bucket, task.key, task.version_id) == (bucket, key, version_id):
            queued.setdefault(task.destination_bucket, []).append(task.rule_id)
    if queued != {dest: [rule_id] for dest, rule_id in wanted.items()}:
        msg_0 = (
            f"the queued tasks name the rules {queued}, but the winning rules per "
            f"destination are {wanted} (highest priority among enabled matching rules)"
        )
        raise RoutingViolation(
            msg_0,
            requirement="R-063, R-064, R-066",
            **where,
        )


def check_replica_written(engine_or_world: EngineOrWorld, task: ReplicationTask) -> None:
    """The copy a step just wrote (or updated) is shaped as SPEC section 4 and 8 say.

    Call it right after ``step()`` returned ``COMPLETED`` for ``task``.  For an object:
    same identity (R-083), the winning rule's storage class or the source's (R-089),
    the encryption of R-082, the source's tags (or none when they could not be read,
    R-158), the lock settings or the destination's default retention (R-086), and the
    owner and ACL of R-150, R-151 and R-154.  For a delete marker: a ``REPLICA`` marker
    with the same creation time (R-087).  For a metadata change: the lock settings and
    the ACL carried over (R-085, R-088).

    Raises:
        ReplicaContentViolation: naming the copy and what is wrong.
        VersionIdentityViolation: the copy lost its identity.
    """
    world = _world(engine_or_world)
    where = {"bucket": task.destination_bucket, "key": task.key, "version_id": task.version_id}
    source = _find(world, task.source_bucket, task.key, task.version_id)
    copy = _find(world, task.destination_bucket, task.key, task.version_id)
    if source is None:
        return  # deleted by version id since; nothing to compare with
    if copy is None:
        msg = (
            f"the {task.kind.value} task from {task.source_bucket} completed but there is no "
            "such version in the destination"
        )
        raise ReplicaContentViolation(
            msg,
            requirement="R-080, R-124",
            **where,
        )
    if task.kind is TaskKind.METADATA:
        _check_metadata_carried(source, copy, where)
        return
    problem = _identity_problem(source, copy)
    if problem is not None:
        msg = f"the replica just written differs from its source in {task.source_bucket}: {problem}"
        raise VersionIdentityViolation(
            msg,
            requirement="R-083, R-142",
            **where,
        )
    if copy.replication_status is not _REPLICA:
        msg = f"a replica just written has status {copy.replication_status!r}, not REPLICA"
        raise ReplicaContentViolation(
            msg,
            requirement="R-120",
            **where,
        )
    if isinstance(source, ObjectVersion) and isinstance(copy, ObjectVersion):
        dest = world.bucket(task.destination_bucket)
        config = world.buckets[task.source_bucket].replication
        rule = None
        if config is not None:
            rule = next((r for r in config.rules if r.id == task.rule_id), None)
        if dest is not None:
            _check_replica_object(source, copy, rule, dest, where)


def _check_replica_object(
    source: ObjectVersion,
    replica: ObjectVersion,
    rule: ReplicationRule | None,
    dest: Bucket,
    where: Mapping[str, str],
) -> None:
    def fail(detail: str, requirement: str) -> ReplicaContentViolation:
        return ReplicaContentViolation(detail, requirement=requirement, **where)

    if rule is not None:
        klass = rule.destination.storage_class or source.storage_class
        if replica.storage_class is not klass:
            msg = (
                f"the replica's storage class is {replica.storage_class.value}, but rule "
                f"{rule.id!r} gives {klass.value}"
            )
            raise fail(
                msg,
                "R-089, R-064",
            )
    if replica.tags not in (source.tags, {}):
        msg = f"the replica's tags {dict(replica.tags)} are not the source's"
        raise fail(msg, "R-085")
    _check_replica_encryption(source, replica, rule, dest, fail)
    _check_replica_lock(source, replica, dest, fail)
    override = rule is not None and rule.destination.access_control_translation is not None
    if dest.ownership is ObjectOwnership.BUCKET_OWNER_ENFORCED:
        owner, acl, overridden, requirement = dest.owner, None, False, "R-154"
    elif override:
        owner, acl, overridden, requirement = dest.owner, Acl.private(dest.owner), True, "R-151"
    else:
        owner, acl, overridden, requirement = source.owner, source.acl, False, "R-150"
    got = (replica.owner, replica.acl, replica.owner_overridden)
    if got != (owner, acl, overridden):
        msg = (
            f"the replica is owned by {replica.owner} with ACL {replica.acl!r} (owner "
            f"overridden: {replica.owner_overridden}); expected owner {owner} with ACL "
            f"{acl!r} (owner overridden: {overridden})"
        )
        raise fail(msg, requirement)


def _check_replica_encryption(
    source: ObjectVersion,
    replica: ObjectVersion,
    rule: ReplicationRule | None,
    dest: Bucket,
    fail: _Fail,
) -> None:
    sse = source.server_side_encryption
    wanted: tuple[ServerSideEncryption, str | None] = (sse, None)
    if sse is ServerSideEncryption.NONE:
        wanted = (dest.default_encryption.sse_algorithm, dest.default_encryption.kms_master_key_id)
    elif sse.uses_kms:
        config = None if rule is None else rule.destination.encryption_configuration
        # Without the rule (changed since) only the kind can be checked.
        key = replica.sse_kms_key_id if rule is None else None
        wanted = (sse, key if config is None else config.replica_kms_key_id)
    got = (replica.server_side_encryption, replica.sse_kms_key_id)
    if got != wanted:
        msg = (
            f"the replica is encrypted as {got[0].value} (key {got[1]}), expected "
            f"{wanted[0].value} (key {wanted[1]})"
        )
        raise fail(
            msg,
            "R-082",
        )


def _check_replica_lock(
    source: ObjectVersion, replica: ObjectVersion, dest: Bucket, fail: _Fail
) -> None:
    got = (replica.object_lock_mode, replica.object_lock_retain_until_date)
    if source.object_lock_mode is not None:
        if got != (source.object_lock_mode, source.object_lock_retain_until_date):
            msg = (
                f"the replica's retention {got} is not the source's "
                f"{(source.object_lock_mode, source.object_lock_retain_until_date)}"
            )
            raise fail(
                msg,
                "R-086",
            )
    else:
        default = None if dest.object_lock is None else dest.object_lock.default_retention
        wanted_mode = None if default is None else default.mode
        if replica.object_lock_mode is not wanted_mode or (
            (replica.object_lock_retain_until_date is None) != (wanted_mode is None)
        ):
            msg = (
                f"the source has no retention, so the replica should get the destination's "
                f"default ({wanted_mode!r}), but it has {got}"
            )
            raise fail(
                msg,
                "R-086",
            )
    if replica.object_lock_legal_hold_status is not source.object_lock_legal_hold_status:
        msg = (
            f"the replica's legal hold {replica.object_lock_legal_hold_status!r} is not the "
            f"source's {source.object_lock_legal_hold_status!r}"
        )
        raise fail(
            msg,
            "R-086",
        )


def _check_metadata_carried(source: Version, copy: Version, where: Mapping[str, str]) -> None:
    if not (isinstance(source, ObjectVersion) and isinstance(copy, ObjectVersion)):
        return
    lock = (
        source.object_lock_mode,
        source.object_lock_retain_until_date,
        source.object_lock_legal_hold_status,
    )
    got = (
        copy.object_lock_mode,
        copy.object_lock_retain_until_date,
        copy.object_lock_legal_hold_status,
    )
    if got != lock:
        msg = f"after a metadata update the lock settings are {got}, not the source's {lock}"
        raise ReplicaContentViolation(
            msg,
            requirement="R-085, R-086",
            **where,
        )
    if not copy.owner_overridden and copy.acl is not None and copy.acl != source.acl:
        msg = f"after a metadata update the ACL is {copy.acl!r}, not the source's {source.acl!r}"
        raise ReplicaContentViolation(
            msg,
            requirement="R-084",
            **where,
        )
