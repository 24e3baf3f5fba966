"""The replica: what it keeps of its source and takes from its rule (R-082..R-089, R-150..R-154)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

import attrs

from s3repl.model import (
    Acl,
    Bucket,
    DefaultRetention,
    DeleteMarker,
    FailureReason,
    FrozenMap,
    ObjectOwnership,
    ObjectVersion,
    ReplicationRule,
    ReplicationStatus,
    ServerSideEncryption,
    StorageClass,
)
from s3repl.model._fastbuild import copier, evolve_version
from s3repl.model._frozenmap import EMPTY
from s3repl.policy._routing import KMS_KINDS
from s3repl.world import World

# Enum members read through their class cost a metaclass lookup (about 170 ns on
# CPython 3.11); the functions every step runs read these module constants instead.
_REPLICA = ReplicationStatus.REPLICA
_NO_ENCRYPTION = ServerSideEncryption.NONE
_OWNER_ENFORCED = ObjectOwnership.BUCKET_OWNER_ENFORCED

# --- the replica (R-082..R-089, R-150..R-154) ---------------------------------------------


_NO_TAGS: FrozenMap[str, str] = EMPTY
_NO_STATUSES: FrozenMap[str, ReplicationStatus] = EMPTY
_NO_REASONS: FrozenMap[str, FailureReason] = EMPTY


# What a replica changes of its source; the rest (key, version id, time, metadata, body,
# sequence, ...) it keeps.  Generated: every step builds one.
_copy_as_replica: Callable[..., ObjectVersion] = copier(
    ObjectVersion,
    (
        "storage_class",
        "server_side_encryption",
        "sse_kms_key_id",
        "etag",
        "owner",
        "acl",
        "tags",
        "object_lock_mode",
        "object_lock_retain_until_date",
        "replication_status",
        "destination_statuses",
        "failure_reasons",
        "is_latest",
        "owner_overridden",
    ),
)


@attrs.frozen
class ReplicaShape:
    """What replicas take from their rule and destination rather than their source.

    One shape serves every source version of one storage class and encryption kind
    under one rule and destination (R-082, R-086, R-089, R-150..R-154).

    Attributes:
        storage_class: the replica's storage class (the rule's override, R-089).
        server_side_encryption: the replica's encryption kind (R-082).
        sse_kms_key_id: the replica's KMS key, if any (R-082).
        etag_salt: set when the replica is encrypted under a KMS key its unencrypted
            source was not (the destination's default, R-082), which changes the ETag.
        owner: the replica's owner when it is not the source's (R-151, R-154).
        acl: the replica's ACL when ``owner`` is set (``None``: ACLs are disabled).
        owner_overridden: whether the owner override made the replica the
            destination owner's (R-151); later ACL changes then stay on the source.
        destination: the destination bucket the shape was read from.
        default_retention: the destination's default retention, applied from the
            moment of writing to versions without lock settings of their own (R-086).
        drop_tags: whether replicas leave their source's tags behind (the checks'
            answer when the role may not read them, ``ApplyOutcome.drop_tags``).
    """

    storage_class: StorageClass
    server_side_encryption: ServerSideEncryption
    sse_kms_key_id: str | None
    etag_salt: str | None
    owner: str | None
    acl: Acl | None
    owner_overridden: bool
    default_retention: DefaultRetention | None
    drop_tags: bool = False
    destination: Bucket | None = attrs.field(default=None, eq=False, repr=False)

    def replica_of(self, version: ObjectVersion) -> ObjectVersion:
        """The replica of ``version``, when it does not depend on the moment of writing.

        Only a destination's default retention makes it depend on that, for a version
        without lock settings of its own (R-086).

        Raises:
            ValueError: the replica depends on the moment it is written.
        """
        return self.build(version, None)

    def build(
        self,
        version: ObjectVersion,
        clock: Callable[[], dt.datetime] | None,
        drop_tags: bool = False,  # noqa: FBT001, FBT002 - positional: every step passes it
    ) -> ObjectVersion:
        """The replica of ``version`` in this shape (:func:`build_replica` with a shape).

        It keeps the key, version id, creation time, metadata and body (R-083, R-142)
        and its tags unless ``drop_tags`` or the shape's own ``drop_tags``; the rest
        comes from the shape.  ``clock`` tells the moment of writing, read only for a
        default retention on a version without lock settings of its own; ``None`` for a
        replica that does not read it.

        Raises:
            ValueError: ``clock`` is ``None`` and the replica reads it.
        """
        if self.etag_salt is None:  # the replica shares the body: its MD5 stays uncomputed
            etag = version._stored_etag
        else:
            digest = hashlib.md5(f"{version.etag}:{self.etag_salt}".encode(), usedforsecurity=False)
            etag = f'"{digest.hexdigest()}"'
        owner, acl = version.owner, version.acl
        if self.owner is not None:
            owner, acl = self.owner, self.acl
        mode, until = version.object_lock_mode, version.object_lock_retain_until_date
        default = self.default_retention
        if mode is None and default is not None:
            if clock is None:
                msg = "this replica takes its default retention from the moment it is written"
                raise ValueError(msg)
            mode, until = default.mode, default.retain_until(clock())
        # Positionally, in the order _copy_as_replica names the fields (see _fastbuild).
        return _copy_as_replica(
            version,
            self.storage_class,
            self.server_side_encryption,
            self.sse_kms_key_id,
            etag,
            owner,
            acl,
            _NO_TAGS if drop_tags or self.drop_tags else version.tags,  # tags
            mode,  # object_lock_mode
            until,  # object_lock_retain_until_date
            _REPLICA,  # replication_status
            _NO_STATUSES,  # destination_statuses
            _NO_REASONS,  # failure_reasons
            False,  # noqa: FBT003 - is_latest
            self.owner_overridden,
        )


def replica_shape(
    rule: ReplicationRule | None,
    dest: Bucket,
    storage_class: StorageClass,
    encryption: ServerSideEncryption,
) -> ReplicaShape:
    """The :class:`ReplicaShape` of replicas written into ``dest`` under ``rule``.

    It serves sources stored in ``storage_class`` and encrypted with ``encryption``.
    """
    override = False
    if rule is not None:
        storage_class = rule.destination.storage_class or storage_class
        override = _owner_override(rule)
    salt = None
    if encryption in KMS_KINDS:
        sse, key_id = encryption, _replica_key(dest, encryption, rule)
    elif encryption is _NO_ENCRYPTION:
        sse, key_id = dest.default_encryption.sse_algorithm, dest.default_kms_key
        if sse.uses_kms:
            salt = dest.name
    else:
        sse, key_id = encryption, None
    enforced = dest.ownership is _OWNER_ENFORCED
    owner: str | None = None
    acl = None
    if enforced:
        owner = dest.owner
    elif override:
        owner, acl = dest.owner, Acl.private(dest.owner)
    lock = dest.object_lock
    return ReplicaShape(
        storage_class=storage_class,
        server_side_encryption=sse,
        sse_kms_key_id=key_id,
        etag_salt=salt,
        owner=owner,
        acl=acl,
        owner_overridden=override and not enforced,
        default_retention=None if lock is None else lock.default_retention,
        destination=dest,
    )


def build_replica(
    world: World,
    version: ObjectVersion,
    rule: ReplicationRule | None,
    dest: Bucket | None,
    clock: Callable[[], dt.datetime],
    drop_tags: bool = False,  # noqa: FBT001, FBT002 - positional: every step passes it
    shape: ReplicaShape | None = None,
) -> ObjectVersion:
    """The replica of ``version`` as written into ``dest`` under ``rule``.

    Same key, version id, creation time, metadata and body (R-083, R-142); the
    storage class override (R-089); the same encryption kind under the replica key, or
    the destination's default for unencrypted sources, which changes the ETag (R-082);
    the owner and ACL per R-150, R-151, R-154; lock settings copied, else the
    destination's default retention from the moment of writing (R-086), which
    ``clock`` tells (read only then).  ``shape``, when given, is
    :func:`replica_shape` of the same rule, destination, class and encryption
    (``dest`` may then be ``None``: the shape names it).
    """
    del world  # the replica depends only on the version, the rule and the destination
    if shape is None:
        assert dest is not None  # only a shape names no destination
        shape = replica_shape(rule, dest, version.storage_class, version.server_side_encryption)
    return shape.build(version, clock, drop_tags)


def build_marker_replica(marker: DeleteMarker) -> DeleteMarker:
    """The replica of a delete marker: same key, version id and time, status REPLICA (R-087)."""
    return evolve_version(
        marker,
        replication_status=ReplicationStatus.REPLICA,
        destination_statuses=_NO_STATUSES,
        failure_reasons=_NO_REASONS,
        is_latest=False,
    )


def metadata_update(
    replica: ObjectVersion, source: ObjectVersion, *, drop_tags: bool
) -> ObjectVersion:
    """Carry a metadata change (tags, ACL, lock settings) from ``source`` onto ``replica``."""
    acl = replica.acl if replica.owner_overridden or replica.acl is None else source.acl
    return attrs.evolve(
        replica,
        tags=replica.tags if drop_tags else source.tags,
        acl=acl,
        object_lock_mode=source.object_lock_mode,
        object_lock_retain_until_date=source.object_lock_retain_until_date,
        object_lock_legal_hold_status=source.object_lock_legal_hold_status,
    )


def _owner_override(rule: ReplicationRule) -> bool:
    return rule.destination.access_control_translation is not None


def _replica_key(
    dest: Bucket, encryption: ServerSideEncryption, rule: ReplicationRule | None
) -> str | None:
    """The KMS key a replica of a source encrypted with ``encryption`` is under (R-082)."""
    if encryption.uses_kms:
        config = rule.destination.encryption_configuration if rule is not None else None
        return None if config is None else config.replica_kms_key_id
    if encryption is ServerSideEncryption.NONE:
        return dest.default_kms_key  # the destination owner's aws/s3 without a key id
    return None
