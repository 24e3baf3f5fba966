"""The state machine's world and setup: the default world, and what a machine class draws from.

Why a module of its own: :mod:`s3repl.testing.machine` is the rules and the checks;
this is the data they run on.  The default world is built to tell bugs apart: every
routing decision of SPEC section 3 has a key, a tag set or a configuration where a
wrong answer shows (a prefix that also appears mid-key, a ``Not`` filter, a disabled
rule of the highest priority, storage-class overrides, several rules per destination,
an SSE-KMS opt-in, delete-marker replication on and off, metrics on a rule, and
configurations PutBucketReplication must refuse).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from s3repl.engine import Engine, FaultPlan
from s3repl.errors import S3Error
from s3repl.model import (
    DefaultEncryption,
    Destination,
    EncryptionConfiguration,
    Filter,
    Metrics,
    NotOperator,
    ObjectOwnership,
    ReplicationConfiguration,
    ReplicationRule,
    ServerSideEncryption,
    SourceSelectionCriteria,
    Status,
    StorageClass,
    Tag,
)
from s3repl.profile import Profile
from s3repl.testing.properties import (
    Call,
    PolicyProperty,
    WorldSource,
    _engines_from,
    validate_check,
)

#: The replication role of :func:`default_world`.
DEFAULT_ROLE = "arn:aws:iam::123456789012:role/s3repl-machine"

#: How a put is made: the keyword arguments added to ``put_object`` for each variant.
PLAIN = "plain"
KMS = "sse-kms"
SSE_C = "sse-c"
GLACIER = "glacier"
#: A role policy that allows nothing, so replication through the role fails (R-158).
REVOKED = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "s3:ReplicateObject", "Resource": "*"}],
}


def _rule(
    rule_id: str,
    priority: int,
    dest: str,
    *,
    prefix: str | None = None,
    tag: tuple[str, str] | None = None,
    not_prefix: str | None = None,
    delete_markers: bool = False,
    storage_class: StorageClass | None = None,
    kms_key: str | None = None,
    enabled: bool = True,
    metrics: bool = False,
) -> ReplicationRule:
    if prefix is not None:
        flt = Filter(prefix=prefix)
    elif tag is not None:
        flt = Filter(tag=Tag(key=tag[0], value=tag[1]))
    elif not_prefix is not None:
        flt = Filter(not_=NotOperator(prefix=not_prefix))
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
            metrics=Metrics(status=Status.ENABLED) if metrics else None,
        ),
    )


def default_configurations(
    kms_key: str, *, not_filters: bool = True
) -> dict[str, tuple[ReplicationConfiguration, ...]]:
    """The configurations the default machine swaps between on ``src`` (and ``dst``'s).

    Every one is accepted in the default world as built; :func:`refused_configurations`
    are the ones PutBucketReplication must refuse.  ``not_filters``: include the rule
    with a ``Not`` filter (the profile's ``enable_not_or_filters``, R-022).
    """
    fan_out = ReplicationConfiguration(
        role=DEFAULT_ROLE,
        rules=(
            # Overlapping rules to one destination: priority decides;
            # the logs rule overrides the storage class.
            _rule("all-to-dst", 1, "dst", delete_markers=True, metrics=True),
            _rule("logs-to-dst", 3, "dst", prefix="logs/", storage_class=StorageClass.STANDARD_IA),
            # A disabled rule of the highest priority neither wins nor shadows.
            _rule(
                "off-to-dst",
                9,
                "dst",
                prefix="logs/",
                storage_class=StorageClass.ONEZONE_IA,
                enabled=False,
            ),
            # A tag rule (no delete markers, R-087) and an SSE-KMS opt-in.
            _rule(
                "public-to-dst2",
                2,
                "dst2",
                tag=("class", "public"),
                storage_class=StorageClass.STANDARD_IA,
                metrics=True,
            ),
            _rule(
                "secure-to-dst2", 4, "dst2", prefix="secure/", delete_markers=True, kms_key=kms_key
            ),
            # Everything but tmp/ (R-069), below the tag and KMS rules.
            *(
                (_rule("not-tmp-to-dst2", 0, "dst2", not_prefix="tmp/", metrics=True),)
                if not_filters
                else ()
            ),
        ),
    )
    paused = ReplicationConfiguration(
        role=DEFAULT_ROLE,
        rules=(
            _rule("all-to-dst", 1, "dst", metrics=True),
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


def refused_configurations() -> dict[str, tuple[ReplicationConfiguration, ...]]:
    """Configurations for ``src`` that PutBucketReplication refuses (R-003).

    One names the unversioned bucket (accepted only while the machine has enabled its
    versioning), one a bucket that does not exist, behind a valid rule.
    """
    unversioned = ReplicationConfiguration(
        role=DEFAULT_ROLE,
        rules=(
            _rule("all-to-dst", 1, "dst", delete_markers=True),
            _rule("logs-to-plain", 2, "plain", prefix="logs/"),
        ),
    )
    missing = ReplicationConfiguration(
        role=DEFAULT_ROLE, rules=(_rule("all-to-nowhere", 1, "nowhere", enabled=False),)
    )
    return {"src": (unversioned, missing)}


def default_world(*, seed: int = 0, profile: Profile | None = None) -> Engine:
    """The default machine's world: four buckets, a role, a KMS key, two configurations.

    ``src`` (us-east-1, Object Ownership ``ObjectWriter`` so ACLs can change) replicates
    to ``dst`` (eu-west-1, ``BucketOwnerEnforced``) and ``dst2`` (us-east-1, same region,
    ``ObjectWriter``) under overlapping prefix rules of different priorities, a disabled
    rule, a tag rule, an SSE-KMS rule and a ``Not`` rule, some with metrics; ``dst``
    replicates to ``dst2``, making the chain A -> B -> C of R-101 and R-171.  ``plain``
    (us-east-1) is not versioned, so a configuration naming it is refused (R-003).  A
    KMS key in us-east-1 serves SSE-KMS puts and replicas.

    Args:
        seed: the engine seed.
        profile: the behaviour switches (default ``Profile.aws()`` with
            ``enable_not_or_filters``, R-022; under a profile without it the ``Not``
            rule is left out).
    """
    if profile is None:
        profile = Profile.aws().evolve(enable_not_or_filters=True)
    engine = Engine(seed=seed, profile=profile)
    engine.create_bucket("src", region="us-east-1", versioning=True)
    engine.put_bucket_ownership_controls("src", ObjectOwnership.OBJECT_WRITER)
    engine.create_bucket("dst", region="eu-west-1", versioning=True)
    engine.create_bucket("dst2", region="us-east-1", versioning=True)
    engine.put_bucket_ownership_controls("dst2", ObjectOwnership.OBJECT_WRITER)
    engine.create_bucket("plain", region="us-east-1")
    for name in ("src", "dst", "dst2"):  # SSE-C puts and replicas are part of the world
        engine.put_bucket_encryption(name, _SSE_C_ALLOWED)
    engine.create_role(DEFAULT_ROLE)
    key = engine.create_kms_key(region="us-east-1")
    configurations = default_configurations(key, not_filters=profile.enable_not_or_filters)
    engine.put_bucket_replication("src", configurations["src"][0])
    engine.put_bucket_replication("dst", configurations["dst"][0])
    return engine


#: Default encryption SSE-S3 with SSE-C allowed (``BlockedEncryptionTypes`` NONE).
_SSE_C_ALLOWED = DefaultEncryption(sse_algorithm=ServerSideEncryption.SSE_S3, sse_c_blocked=False)


def blocks_sse_c(engine: Engine, bucket: str) -> bool:
    """Whether ``bucket`` refuses SSE-C writes (``BlockedEncryptionTypes``)."""
    return bool(engine.get_bucket(bucket).default_encryption.sse_c_blocked)


@attrs.frozen(eq=False)
class Setup:
    """Everything a machine class is configured with (built once per class)."""

    make_engine: Callable[[], Engine]
    buckets: tuple[str, ...]
    sources: tuple[str, ...]
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


def _filter_reads(rule: ReplicationRule) -> tuple[list[str], list[dict[str, str]]]:
    """Every prefix and tag pair a rule's filter reads: required or excluded."""
    prefixes = [rule.prefix] if rule.prefix else []
    tags: list[dict[str, str]] = []
    flt = rule.filter
    if flt is None:
        return prefixes, tags
    and_ = flt.and_
    prefixes += [p for p in (flt.prefix, and_.prefix if and_ else None) if p]
    if flt.tags:
        tags.append({t.key: t.value for t in flt.tags})
    for excluded in (flt.not_, and_.not_ if and_ else None):
        if excluded is None:
            continue
        if excluded.prefix:
            prefixes.append(excluded.prefix)
        if excluded.tag is not None:
            tags.append({excluded.tag.key: excluded.tag.value})
        if excluded.or_ is not None:
            prefixes += [p for p in excluded.or_.prefixes if p]
            tags += [{t.key: t.value} for t in excluded.or_.tags]
    return prefixes, tags


def _disturbances(world: Any, names: Sequence[str], destinations: Sequence[str]) -> dict[str, Call]:
    changes: dict[str, Call] = {
        "faults off": Call("set_faults", (FaultPlan.none(),)),
        "faults flaky": Call("set_faults", (FaultPlan(outage_rate=0.5),)),
    }
    down: Any  # FaultPlan converts with ``frozenset``, whose item type mypy cannot infer
    for dest in destinations:
        down = frozenset([dest])
        changes[f"faults {dest} down"] = Call("set_faults", (FaultPlan(unavailable_buckets=down),))
    regions = sorted({world.buckets[d].region for d in destinations if d in world.buckets})
    for region in regions:
        down = frozenset([region])
        changes[f"faults {region} down"] = Call(
            "set_faults", (FaultPlan(unavailable_regions=down),)
        )
    for arn, role in world.roles.items():
        changes[f"role {arn} revoked"] = Call("put_role_policy", (arn, REVOKED))
        changes[f"role {arn} restored"] = Call("put_role_policy", (arn, role.policy))
    for name in names:
        if world.buckets[name].replication is None:
            for status in ("Suspended", "Enabled"):
                changes[f"{name} versioning {status}"] = Call(
                    "put_bucket_versioning", (name, status)
                )
    return changes


def build_setup(
    *,
    world: WorldSource | None,
    configurations: Mapping[str, Sequence[ReplicationConfiguration | Mapping[str, Any]]] | None,
    properties: Sequence[PolicyProperty],
    buckets: Sequence[str] | None,
    keys: Sequence[str] | None,
    tag_sets: Sequence[Mapping[str, str]] | None,
    seed: int,
    profile: Profile | None,
) -> Setup:
    """The :class:`Setup` of a machine class (see ``replication_machine``'s arguments).

    Raises:
        ValueError: a configuration is refused, or a bucket is not in the world.
    """
    refused: Mapping[str, Sequence[ReplicationConfiguration]] = {}
    if world is None:
        template = default_world(seed=seed, profile=profile)
        if configurations is None:
            kms = next(iter(template.snapshot().kms_keys))
            configurations = default_configurations(
                kms, not_filters=template.profile.enable_not_or_filters
            )
            refused = refused_configurations()
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
    configs += tuple((bucket, config) for bucket, options in refused.items() for config in options)
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
    prefixes: list[str] = []
    filter_tags: list[dict[str, str]] = []
    for config in all_configs:
        for rule in config.rules:
            found_prefixes, found_tags = _filter_reads(rule)
            prefixes += found_prefixes
            filter_tags += found_tags
    prefixes += [p for prop in properties for p in prop.prefixes if p]
    if keys is None:
        # Each prefix at the start of a key, and in the middle of one (R-060: a string
        # prefix, never a substring).
        unique = list(dict.fromkeys(prefixes))
        keys = tuple(dict.fromkeys(["a", *(f"{p}a" for p in unique), *(f"x{p}a" for p in unique)]))
    sets: list[dict[str, str]] = [{}]
    if tag_sets is None:
        sets += filter_tags
        sets += [dict(tags) for prop in properties for tags in prop.tag_sets]
        sets.append({"class": "secret"})
    else:
        sets += [dict(tags) for tags in tag_sets]
    unique_sets: list[dict[str, str]] = []
    for tags in sets:
        if tags not in unique_sets:
            unique_sets.append(tags)
    kms_keys = tuple(snapshot.kms_keys)
    variants = (PLAIN, GLACIER, SSE_C) + ((KMS,) if kms_keys else ())
    destinations = sorted({r.destination.bucket_name for c in all_configs for r in c.rules})
    return Setup(
        make_engine=make_engine,
        buckets=names,
        sources=tuple(
            name
            for name in names
            if snapshot.buckets[name].replication is not None
            or any(bucket == name for bucket, _ in configs)
        ),
        acl_buckets=acl_buckets,
        keys=tuple(keys),
        tag_sets=tuple(unique_sets),
        variants=variants,
        kms_keys=kms_keys,
        configurations=configs,
        disturbances=_disturbances(snapshot, names, destinations),
        properties=tuple(properties),
    )
