"""Routing: which rules select an object, which rule wins each destination (R-060..R-113).

Rule 1: only enabled rules count (R-065).  Rule 2: a rule matches by prefix (a string
prefix, never a substring), tags and ``Not`` (R-060, R-061, R-069).  Rule 3: per
destination, the matching rule with the highest priority wins, ties going to the
earlier rule (R-063, R-066).  Rule 4: eligibility gates come before priority (replicas
never, archived classes never, SSE-KMS only with the opt-in, SSE-C by profile: R-101,
R-105, R-067, R-081).
"""

from __future__ import annotations

import enum
import operator
import sys
from collections.abc import Mapping

import attrs

from s3repl.model import (
    Bucket,
    DeleteMarker,
    Filter,
    FrozenMap,
    ObjectOwnership,
    ObjectVersion,
    ReplicationConfiguration,
    ReplicationRule,
    ReplicationStatus,
    SchemaVersion,
    ServerSideEncryption,
    Status,
    StorageClass,
)
from s3repl.world import World

#: Encryption kinds that need a KMS key and the SSE-KMS opt-in (R-067).
KMS_KINDS = frozenset({ServerSideEncryption.SSE_KMS, ServerSideEncryption.DSSE_KMS})
#: Storage classes whose objects are never replicated (R-105).
UNREPLICATED_CLASSES = frozenset({StorageClass.GLACIER, StorageClass.DEEP_ARCHIVE})

# Enum members read through their class cost a metaclass lookup (about 170 ns on
# CPython 3.11); the functions every step runs read these module constants instead.
_REPLICA = ReplicationStatus.REPLICA
_ENABLED = Status.ENABLED


@attrs.frozen(kw_only=True)
class Route:
    """One destination a version goes to, with the rule that won it (R-063, R-064).

    Attributes:
        destination_bucket: the destination bucket's name.
        rule: the winning rule.
        rule_id: the winning rule's id (the engine stores configurations with ids
            filled in); derived from ``rule``, kept as a field because every task reads it.
    """

    destination_bucket: str
    rule: ReplicationRule
    rule_id: str = attrs.field(init=False)

    @rule_id.default
    def _rule_id(self) -> str:
        return self.rule.id or ""


# --- rule selection (R-060..R-069) ---------------------------------------------------


def _has_tag(tags: Mapping[str, str], key: str, value: str) -> bool:
    return tags.get(key) == value


def _not_matches(flt: Filter, key: str, tags: Mapping[str, str]) -> bool:
    """Whether the ``Not`` part of a filter (if any) excludes the object (R-069)."""
    nots = [flt.not_, flt.and_.not_ if flt.and_ is not None else None]
    for excluded in nots:
        if excluded is None:
            continue
        if excluded.prefix is not None and key.startswith(excluded.prefix):
            return True
        if excluded.tag is not None and _has_tag(tags, excluded.tag.key, excluded.tag.value):
            return True
        if excluded.or_ is not None:
            if any(key.startswith(p) for p in excluded.or_.prefixes):
                return True
            if any(_has_tag(tags, t.key, t.value) for t in excluded.or_.tags):
                return True
    return False


def filter_matches(flt: Filter, key: str, tags: Mapping[str, str]) -> bool:
    """Whether a V2 filter selects an object with ``key`` and ``tags``.

    An empty filter selects everything (R-023); prefixes are case-sensitive string
    prefixes, never substrings (R-060); every filter tag must be on the object, extra
    tags are fine (R-061); ``Not`` excludes what it names (R-069).
    """
    and_ = flt.and_
    prefix = flt.prefix if flt.prefix is not None else (and_.prefix if and_ else None)
    if prefix and not key.startswith(prefix):
        return False
    for tag in flt.tags:
        if tags.get(tag.key) != tag.value:
            return False
    if flt.not_ is None and (and_ is None or and_.not_ is None):
        return True  # nothing excluded (most filters): skip building the Not list
    return not _not_matches(flt, key, tags)


def rule_matches(rule: ReplicationRule, key: str, tags: Mapping[str, str]) -> bool:
    """Whether a rule's prefix or filter selects the object (status not considered)."""
    if rule.filter is None:
        return key.startswith(rule.prefix or "")
    return filter_matches(rule.filter, key, tags)


def taking_part(
    config: ReplicationConfiguration,
    key: str,
    tags: Mapping[str, str],
    *,
    kms_encrypted: bool = False,
) -> tuple[int, ...]:
    """The positions of the rules that take part in routing an object (R-060..R-067).

    Enabled (R-065), selecting the object (R-060, R-061, R-069) and, for a
    KMS-encrypted object, opted in (R-067).  The winners are decided among these
    alone (:func:`winning_rules`).
    """
    taking: list[int] = []
    for index, rule in enumerate(config.rules):  # a loop: every put runs it (no generator)
        if (
            rule.status is _ENABLED
            and rule_matches(rule, key, tags)
            and (not kms_encrypted or kms_opt_in(rule))
        ):
            taking.append(index)
    return tuple(taking)


def winning_rules(
    config: ReplicationConfiguration,
    key: str,
    tags: Mapping[str, str],
    *,
    kms_encrypted: bool = False,
) -> tuple[Route, ...]:
    """The winning rule per destination for an object, in order of first rule per destination.

    Disabled rules never win and never shadow (R-065); for a KMS-encrypted object only
    rules with the SSE-KMS opt-in take part (R-067); per destination the highest
    priority wins, ties going to the earlier rule (R-063, R-066).
    """
    return _winners(config, taking_part(config, key, tags, kms_encrypted=kms_encrypted))


def _winners(config: ReplicationConfiguration, indices: tuple[int, ...]) -> tuple[Route, ...]:
    """Per destination, the highest-priority rule among ``indices`` (R-063, R-066)."""
    best: dict[str, tuple[int, int, ReplicationRule]] = {}
    for index in indices:
        rule = config.rules[index]
        rank = (rule.priority if rule.priority is not None else 0, -index)
        dest = sys.intern(rule.destination.bucket_name)
        held = best.get(dest)
        if held is None or rank > held[:2]:
            best[dest] = (rank[0], rank[1], rule)
    return tuple(Route(destination_bucket=d, rule=r) for d, (_, _, r) in best.items())


@attrs.frozen
class RoutingTable:
    """What routing under one configuration reads of an object, gathered once (R-060..R-069).

    :func:`winning_rules` reads an object's key only through ``key.startswith(p)`` for
    the prefixes its rules name (a V1 rule's prefix; a filter's, ``And``'s, ``Not``'s and
    ``Or``'s prefixes) and its tags only through ``tags.get(k) == v`` for the tag pairs
    its filters name (required or excluded).  So two objects with the same
    :meth:`signature` (and the same KMS encryption, storage class and encryption kind)
    take the same routes: the engine routes an object once per signature and looks
    the answer up after that.  Built by :func:`routing_table`; a pure value.

    Attributes:
        prefixes: every distinct non-empty prefix any rule reads, in document order
            (the empty prefix selects every key: nothing to ask).
        tag_keys: the keys of every distinct tag pair any rule reads.
        tag_values: the values of those pairs, position by position.
    """

    prefixes: tuple[str, ...]
    tag_keys: tuple[str, ...]
    tag_values: tuple[str, ...]

    def signature(self, key: str, tags: Mapping[str, str]) -> tuple[bool, ...]:
        """Every answer routing reads of an object: its prefix hits, then its tag hits."""
        # map() over bound methods: the questions are asked without a Python-level loop.
        if not self.tag_keys:  # prefixes alone (or nothing: a rule for every key)
            return tuple(map(key.startswith, self.prefixes))
        return (
            *map(key.startswith, self.prefixes),
            *map(operator.eq, map(tags.get, self.tag_keys), self.tag_values),
        )


def routing_table(config: ReplicationConfiguration | None) -> RoutingTable:
    """The :class:`RoutingTable` of ``config`` (no configuration: nothing to ask).

    Every rule counts, enabled or not: a signature that asks more than needed is
    still exact, and one that asks less would not be.
    """
    prefixes: dict[str, None] = {}
    pairs: dict[tuple[str, str], None] = {}
    for rule in () if config is None else config.rules:
        prefixes[rule.prefix or ""] = None
        flt = rule.filter
        if flt is None:
            continue
        prefixes[flt.prefix or ""] = None
        pairs.update(dict.fromkeys((tag.key, tag.value) for tag in flt.tags))
        if flt.and_ is not None:
            prefixes[flt.and_.prefix or ""] = None
        for excluded in (flt.not_, flt.and_.not_ if flt.and_ is not None else None):
            if excluded is None:
                continue
            prefixes[excluded.prefix or ""] = None
            if excluded.tag is not None:
                pairs[(excluded.tag.key, excluded.tag.value)] = None
            if excluded.or_ is not None:
                prefixes.update(dict.fromkeys(excluded.or_.prefixes))
                pairs.update(dict.fromkeys((tag.key, tag.value) for tag in excluded.or_.tags))
    prefixes.pop("", None)
    return RoutingTable(
        tuple(prefixes),
        tuple(key for key, _ in pairs),
        tuple(value for _, value in pairs),
    )


class Standing(enum.Enum):
    """Where a rule stands for one object (:func:`explain_routing`), with its R-nnn."""

    def __repr__(self) -> str:
        """Return ``ClassName.MEMBER``."""
        return f"{type(self).__name__}.{self.name}"

    #: It wins its destination (R-063, R-064).
    WINS = "wins"
    #: Disabled: it neither wins nor shadows (R-065).
    DISABLED = "disabled (R-065)"
    #: Its prefix or filter does not select the object (R-060, R-061, R-069).
    NO_MATCH = "does not match (R-060, R-061)"
    #: It selects a KMS-encrypted object but has no SSE-KMS opt-in (R-067).
    NO_KMS_OPT_IN = "matches, but has no SSE-KMS opt-in (R-067)"
    #: It takes part, but a rule of higher priority wins its destination (R-063, R-066).
    OUTRANKED = "matches, outranked by a higher priority (R-063)"


def explain_routing(
    config: ReplicationConfiguration,
    key: str,
    tags: Mapping[str, str],
    *,
    kms_encrypted: bool = False,
) -> tuple[tuple[ReplicationRule, Standing], ...]:
    """Every rule of ``config`` in document order, with where it stands for the object.

    The same reading as :func:`winning_rules` (it decides the winners), spelled out
    for people: the ``s3repl explain`` command prints it.
    """
    winners = {
        id(route.rule) for route in winning_rules(config, key, tags, kms_encrypted=kms_encrypted)
    }
    standings = []
    for rule in config.rules:
        if id(rule) in winners:
            standing = Standing.WINS
        elif rule.status is not _ENABLED:
            standing = Standing.DISABLED
        elif not rule_matches(rule, key, tags):
            standing = Standing.NO_MATCH
        elif kms_encrypted and not kms_opt_in(rule):
            standing = Standing.NO_KMS_OPT_IN
        else:
            standing = Standing.OUTRANKED
        standings.append((rule, standing))
    return tuple(standings)


def kms_opt_in(rule: ReplicationRule) -> bool:
    """Whether the rule opted in to SSE-KMS encrypted objects (R-067)."""
    criteria = rule.source_selection_criteria
    return criteria is not None and criteria.sse_kms_encrypted_objects is Status.ENABLED


# --- routing (R-080..R-113) ----------------------------------------------------------


def route_object(world: World, bucket: str, version: ObjectVersion) -> tuple[Route, ...]:
    """The destinations a new object version goes to; empty when it is not eligible.

    Not eligible: replicas (R-101), archived storage classes (R-105), SSE-C under the
    pre-2022 profile (R-081), SSE-KMS without an opted-in rule (R-067, R-109),
    versions on a bucket without configuration (R-100).
    """
    if version.replication_status is _REPLICA:
        return ()
    return route_new_object(
        world,
        bucket,
        key=version.key,
        tags=version.tags,
        storage_class=version.storage_class,
        encryption=version.server_side_encryption,
    )


def route_new_object(
    world: World,
    bucket: str,
    key: str,
    tags: Mapping[str, str],
    storage_class: StorageClass,
    encryption: ServerSideEncryption,
) -> tuple[Route, ...]:
    """:func:`route_object` for a version about to be written (never a replica).

    The engine asks before it builds the version, so the version is built once, with
    its replication status already in place.
    """
    source = world.bucket(bucket)
    if source is None or source.replication is None:
        return ()
    if not eligible(world, storage_class, encryption):
        return ()
    kms = encryption in KMS_KINDS
    return winning_rules(source.replication, key, tags, kms_encrypted=kms)


def eligible(world: World, storage_class: StorageClass, encryption: ServerSideEncryption) -> bool:
    """Whether a new version of this class and encryption may replicate at all.

    Archived classes never (R-105); SSE-C only under ``sse_c_replication`` (R-081).
    """
    if storage_class in UNREPLICATED_CLASSES:
        return False
    return encryption is not ServerSideEncryption.SSE_C or world.profile.sse_c_replication


def route_delete_marker(world: World, bucket: str, marker: DeleteMarker) -> tuple[Route, ...]:
    """The destinations a delete marker goes to (R-087, R-104, R-110).

    Lifecycle markers never replicate; V1 rules replicate user markers; V2 rules only
    with ``DeleteMarkerReplication`` enabled on the winning rule (markers carry no
    tags, so tag rules never match them).  Under the profile switch
    ``cross_account_delete_markers_off_by_default`` markers stay in the account.
    Deletes by version id go through :func:`route_version_delete` instead (R-103).
    """
    source = world.bucket(bucket)
    if marker.by_lifecycle or source is None or source.replication is None:
        return ()
    routes = winning_rules(source.replication, marker.key, FrozenMap())
    return tuple(
        route
        for route in routes
        if delete_markers_replicate(
            world, source, world.bucket(route.destination_bucket), route.rule
        )
    )


def delete_markers_replicate(
    world: World, source: Bucket, dest: Bucket | None, rule: ReplicationRule
) -> bool:
    """Whether user delete markers travel under ``rule`` to ``dest`` (R-087, R-110).

    V1 rules carry them; V2 rules only with ``DeleteMarkerReplication`` enabled; and
    under ``cross_account_delete_markers_off_by_default`` never to another account.
    """
    if rule.schema_version is SchemaVersion.V2 and rule.delete_marker_replication is not (
        Status.ENABLED
    ):
        return False
    cross_account = dest is not None and dest.owner != source.owner
    return not (world.profile.cross_account_delete_markers_off_by_default and cross_account)


def route_version_delete(
    world: World, bucket: str, version: ObjectVersion | DeleteMarker
) -> tuple[Route, ...]:
    """Where a delete by version id goes: nowhere, ever (R-103, T-52).

    A permanent delete of a version (or of a delete marker) on the source leaves every
    destination's copy alone; this holds whatever the rules say.
    """
    del world, bucket, version
    return ()


def route_metadata(
    world: World, bucket: str, version: ObjectVersion, *, acl_changed: bool = False
) -> tuple[Route, ...]:
    """Where a metadata change (tags, ACL, retention, legal hold) of a version goes (R-085).

    A source version sends it to each destination it already reached; an ACL change
    skips destinations where the replica's owner was overridden or ACLs are disabled
    (R-151, R-153, R-154).  A replica sends it back only under rules of its own
    bucket with ``ReplicaModifications`` enabled (R-088, R-172).
    """
    source = world.bucket(bucket)
    if source is None:
        return ()
    if version.replication_status is ReplicationStatus.REPLICA:
        if source.replication is None:
            return ()
        return tuple(
            route
            for route in winning_rules(source.replication, version.key, version.tags)
            if _replica_modifications(route.rule)
        )
    if source.replication is None:
        return ()
    routes = []
    for dest_name, status in version.destination_statuses.items():
        if status is not ReplicationStatus.COMPLETED:
            continue
        rule = _rule_for_destination(source.replication, dest_name, version)
        if rule is None:
            continue
        if acl_changed and not _acl_follows(world, dest_name, version):
            continue
        routes.append(Route(destination_bucket=dest_name, rule=rule))
    return tuple(routes)


def _replica_modifications(rule: ReplicationRule) -> bool:
    criteria = rule.source_selection_criteria
    return criteria is not None and criteria.replica_modifications is Status.ENABLED


def _rule_for_destination(
    config: ReplicationConfiguration, dest: str, version: ObjectVersion
) -> ReplicationRule | None:
    for route in winning_rules(
        config, version.key, version.tags, kms_encrypted=version.server_side_encryption.uses_kms
    ):
        if route.destination_bucket == dest:
            return route.rule
    # The rule that routed the version may since be gone; any enabled rule to it serves.
    for rule in config.rules:
        if rule.is_enabled and rule.destination.bucket_name == dest:
            return rule
    return None


def _acl_follows(world: World, dest_name: str, version: ObjectVersion) -> bool:
    """Whether ACL changes still replicate to this destination's replica (R-151..R-154)."""
    dest = world.bucket(dest_name)
    if dest is None or dest.ownership is ObjectOwnership.BUCKET_OWNER_ENFORCED:
        return False
    replica = world.version(dest_name, version.key, version.version_id)
    return isinstance(replica, ObjectVersion) and not replica.owner_overridden
