"""Strategies for replication configurations: filters, destinations, rules, whole configurations.

Every value follows SPEC section 2 (R-022..R-047): V2 rules with a filter, a unique
priority and ``DeleteMarkerReplication``, RTC only with metrics at 15 minutes, the
SSE-KMS opt-in only with a replica key, V1 rules with one destination and prefixes
that do not overlap.  The factories are cached, because building strategies costs more
than drawing from them.
"""

from __future__ import annotations

import functools
import string
from typing import Any, Literal

import attrs
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from s3repl.model.enums import Status, StorageClass
from s3repl.model.replication import (
    AccessControlTranslation,
    AndOperator,
    Destination,
    EncryptionConfiguration,
    Filter,
    Metrics,
    NotOperator,
    OrOperator,
    ReplicationConfiguration,
    ReplicationRule,
    ReplicationTime,
    SchemaVersion,
    SourceSelectionCriteria,
)
from s3repl.testing._strategies._values import (
    _KEY_CHARACTERS,
    _prefixes,
    _tag_lists,
    account_ids,
    bucket_names,
    tags,
)

#: Storage classes a replica can surely be written in (R-025, R-089): the classes of a
#: general purpose bucket. ``FSX_OPENZFS`` is refused for replication; Outposts, Snow,
#: Express One Zone, FSx and AWS Backup classes belong to other kinds of bucket.
_REPLICA_STORAGE_CLASSES = (
    StorageClass.STANDARD,
    StorageClass.STANDARD_IA,
    StorageClass.ONEZONE_IA,
    StorageClass.INTELLIGENT_TIERING,
    StorageClass.GLACIER_IR,
    StorageClass.GLACIER,
    StorageClass.DEEP_ARCHIVE,
    StorageClass.REDUCED_REDUNDANCY,
)
_RTC_MINUTES = 15  # the only accepted value
_RULE_ID_MAX = 255
_PRIORITY_MAX = 2**31 - 1  # Priority is an xs:int
_RULES_MAX = 4  # enough for interactions between rules, small enough to read
_ROLE_NAME_CHARS = string.ascii_letters + string.digits + "+=,.@-_"
_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2")


@st.composite
def _or_operators(draw: st.DrawFn) -> OrOperator:
    prefixes = draw(_OR_PREFIXES)
    tag_list = draw(_tag_lists(min_size=max(0, 2 - len(prefixes)), max_size=3))
    # Any: the model's ``converter=tuple`` leaves mypy an unsolvable type variable.
    any_prefixes: Any = tuple(prefixes)
    return OrOperator(prefixes=any_prefixes, tags=tuple(tag_list))


_OR_PREFIXES = st.lists(_prefixes(min_size=1), max_size=3, unique=True)
_NOT_OPERATORS = st.one_of(
    st.builds(NotOperator, prefix=_prefixes(min_size=1)),
    st.builds(NotOperator, tag=tags()),
    st.builds(NotOperator, or_=_or_operators()),
)
_OPTIONAL_PREFIXES = st.none() | _prefixes()
_OPTIONAL_NOTS = st.none() | _NOT_OPERATORS


@st.composite
def _and_operators(draw: st.DrawFn, *, not_or: bool) -> AndOperator:
    # And is for more than one condition: a prefix and tags, or two tags.
    prefix = draw(_OPTIONAL_PREFIXES)
    tag_list = draw(_tag_lists(min_size=1 if prefix is not None else 2))
    not_ = draw(_OPTIONAL_NOTS) if not_or else None
    return AndOperator(prefix=prefix, tags=tuple(tag_list), not_=not_)


@functools.cache
def filters(*, not_or: bool = False) -> st.SearchStrategy[Filter]:
    """V2 rule filters: empty, a prefix, a tag, or ``And`` of several (R-022, R-023).

    Args:
        not_or: also produce the newer ``Not`` / ``Or`` operators (at the top level
            and inside ``And``), which need ``Profile.enable_not_or_filters``.

    Returns:
        A strategy of :class:`~s3repl.model.replication.Filter`, shrinking towards
        the empty filter (every object).
    """
    choices = [
        st.just(Filter()),
        st.builds(Filter, prefix=_prefixes()),
        st.builds(Filter, tag=tags()),
        st.builds(Filter, and_=_and_operators(not_or=not_or)),
    ]
    if not_or:
        choices.append(st.builds(Filter, not_=_NOT_OPERATORS))
    return st.one_of(choices)


def destinations(
    *, buckets: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[Destination]:
    """Rule destinations: a bucket ARN, optionally an account, storage class and owner override.

    The members that depend on the rule (encryption, RTC, metrics) are left out;
    :func:`replication_rules` sets them to match the rule it builds.

    Args:
        buckets: the destination bucket *names* to choose from (default:
            :func:`bucket_names`); they become ``arn:aws:s3:::<name>``.

    Returns:
        A strategy of :class:`~s3repl.model.replication.Destination`.
    """
    return _destinations(bucket_names() if buckets is None else buckets)


_OPTIONAL_ACCOUNTS = st.none() | account_ids()
_OPTIONAL_STORAGE_CLASSES = st.none() | st.sampled_from(_REPLICA_STORAGE_CLASSES)
_OPTIONAL_OVERRIDES = st.none() | st.just(AccessControlTranslation())


@st.composite
def _destinations(draw: st.DrawFn, names: st.SearchStrategy[str]) -> Destination:
    name = draw(names)
    return _destination_in(draw, name, account=draw(_OPTIONAL_ACCOUNTS))


def _destination_in(draw: st.DrawFn, name: str, *, account: str | None) -> Destination:
    """A destination in bucket ``name`` naming ``account``; storage class and override drawn."""
    storage_class = draw(_OPTIONAL_STORAGE_CLASSES)
    # the owner override needs Account.
    override = None if account is None else draw(_OPTIONAL_OVERRIDES)
    return Destination(
        bucket=f"arn:aws:s3:::{name}",
        account=account,
        storage_class=storage_class,
        access_control_translation=override,
    )


_OPTIONAL_RULE_IDS = st.none() | st.text(_KEY_CHARACTERS, min_size=1, max_size=_RULE_ID_MAX)
_PRIORITIES = st.integers(min_value=0, max_value=_PRIORITY_MAX)
_STATUSES = st.sampled_from((Status.ENABLED, Status.DISABLED))
_OPTIONAL_STATUSES = st.none() | _STATUSES
_KMS_KEY_ARNS = st.builds(
    lambda region, account, h: (
        f"arn:aws:kms:{region}:{account}:key/{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    ),
    st.sampled_from(_REGIONS),
    account_ids(),
    st.text(alphabet="0123456789abcdef", min_size=32, max_size=32),
)
_ROLE_ARNS = st.builds(
    lambda a, n: f"arn:aws:iam::{a}:role/{n}",
    account_ids(),
    st.text(alphabet=_ROLE_NAME_CHARS, min_size=1, max_size=64),
)


@st.composite
def _kms_opt_in(
    draw: st.DrawFn,
) -> tuple[Status | None, EncryptionConfiguration | None]:
    """The SSE-KMS selection status and the encryption it needs (R-042: key whenever set)."""
    status = draw(_OPTIONAL_STATUSES)
    if status is None:
        return None, None
    multi_region = draw(_OPTIONAL_STATUSES)
    encryption = EncryptionConfiguration(
        replica_kms_key_id=draw(_KMS_KEY_ARNS), use_source_multi_region_key=multi_region
    )
    return status, encryption


_KMS_OPT_INS = _kms_opt_in()
_Timing = tuple[ReplicationTime | None, Metrics | None]
_TIMINGS = st.sampled_from(
    (
        (None, None),
        (None, Metrics(status=Status.ENABLED)),  # metrics without RTC (R-029, T-18)
        (  # RTC with its metrics (R-028, R-030, T-09)
            ReplicationTime(status=Status.ENABLED, minutes=_RTC_MINUTES),
            Metrics(status=Status.ENABLED, event_threshold_minutes=_RTC_MINUTES),
        ),
    )
)


@st.composite
def _v2_rules(
    draw: st.DrawFn, destinations: st.SearchStrategy[Destination], *, not_or: bool
) -> ReplicationRule:
    filter_ = draw(filters(not_or=not_or))
    rule_id = draw(_OPTIONAL_RULE_IDS)
    priority = draw(_PRIORITIES)
    status = draw(_STATUSES)
    # a filter with any tag cannot replicate delete markers.
    markers = Status.DISABLED if filter_.mentions_tags else draw(_STATUSES)
    kms, encryption = draw(_KMS_OPT_INS)
    replica_modifications = draw(_OPTIONAL_STATUSES)
    criteria = (
        None
        if kms is None and replica_modifications is None
        else SourceSelectionCriteria(
            sse_kms_encrypted_objects=kms, replica_modifications=replica_modifications
        )
    )
    timing: _Timing = draw(_TIMINGS)
    replication_time, metrics = timing
    destination = attrs.evolve(
        draw(destinations),
        encryption_configuration=encryption,
        replication_time=replication_time,
        metrics=metrics,
    )
    return ReplicationRule(
        destination=destination,
        status=status,
        id=rule_id,
        priority=priority,
        filter=filter_,
        source_selection_criteria=criteria,
        delete_marker_replication=markers,
    )


def _v1_rule(draw: st.DrawFn, destination: Destination, prefix: str) -> ReplicationRule:
    rule_id = draw(_OPTIONAL_RULE_IDS)
    status = draw(_STATUSES)
    kms, encryption = draw(_KMS_OPT_INS)
    # no Priority, DeleteMarkerReplication, ReplicaModifications, RTC or Metrics.
    return ReplicationRule(
        destination=attrs.evolve(
            destination, encryption_configuration=encryption, replication_time=None, metrics=None
        ),
        status=status,
        id=rule_id,
        prefix=prefix,
        source_selection_criteria=(
            None if kms is None else SourceSelectionCriteria(sse_kms_encrypted_objects=kms)
        ),
    )


@st.composite
def _v1_rules(draw: st.DrawFn, destinations: st.SearchStrategy[Destination]) -> ReplicationRule:
    return _v1_rule(draw, draw(destinations), draw(_prefixes()))


def _schema(schema: object) -> SchemaVersion:
    try:
        return SchemaVersion(schema)
    except ValueError:
        msg = f"schema must be 'V1' or 'V2', not {schema!r}"
        raise InvalidArgument(msg) from None


def replication_rules(
    *,
    destinations: st.SearchStrategy[Destination] | None = None,
    schema: Literal["V1", "V2"] | SchemaVersion = "V2",
    not_or: bool = False,
) -> st.SearchStrategy[ReplicationRule]:
    """Single replication rules, valid on their own (R-021).

    Args:
        destinations: where the rules replicate to (default: :func:`destinations`);
            the rule sets the destination's encryption, RTC and metrics itself.
        schema: ``"V2"`` (``Filter``, ``Priority``, ``DeleteMarkerReplication``) or
            ``"V1"`` (a rule-level ``Prefix`` only, R-032).
        not_or: let V2 filters use ``Not`` / ``Or`` (see :func:`filters`).

    Returns:
        A strategy of :class:`~s3repl.model.replication.ReplicationRule`. Rules drawn
        separately may clash (same priority or id): combine them with
        :func:`replication_configurations`, which keeps them distinct.

    Raises:
        hypothesis.errors.InvalidArgument: for an unknown ``schema``.
    """
    version = _schema(schema)
    dests = _destinations(bucket_names()) if destinations is None else destinations
    if version is SchemaVersion.V2:
        return _v2_rules(dests, not_or=not_or)
    return _v1_rules(dests)


def _unique_id(rule: ReplicationRule) -> object:
    # Rules without an ID get distinct generated ones from AWS: never a clash.
    return rule.id if rule.id is not None else object()


def _non_overlapping(prefixes: list[str]) -> list[str]:
    """Keep each prefix that neither starts nor extends an earlier kept one (R-037)."""
    kept: list[str] = []
    for prefix in prefixes:
        if not any(prefix.startswith(k) or k.startswith(prefix) for k in kept):
            kept.append(prefix)
    return kept


_V1_PREFIX_LISTS = st.lists(_prefixes(), min_size=1, max_size=_RULES_MAX).map(_non_overlapping)


def _v1_rule_list(draw: st.DrawFn, dests: st.SearchStrategy[Destination]) -> list[ReplicationRule]:
    destination = draw(dests)  # one destination for every V1 rule
    rules: list[ReplicationRule] = []
    ids: set[str] = set()
    for prefix in draw(_V1_PREFIX_LISTS):  # no prefix overlaps another
        rule = _v1_rule(draw, destination, prefix)
        if rule.id in ids:  # a repeated ID is dropped (AWS generates one)
            rule = attrs.evolve(rule, id=None)
        if rule.id is not None:
            ids.add(rule.id)
        rules.append(rule)
    return rules


@st.composite
def _configurations(
    draw: st.DrawFn,
    roles: st.SearchStrategy[str],
    dests: st.SearchStrategy[Destination],
    versions: st.SearchStrategy[SchemaVersion],
    *,
    not_or: bool,
) -> ReplicationConfiguration:
    # The role first and the version next, at fixed places in the draw sequence, so
    # that Hypothesis shrinks both whichever schema the example uses.
    role = draw(roles)
    if draw(versions) is SchemaVersion.V1:
        return ReplicationConfiguration(role=role, rules=_v1_rule_list(draw, dests))
    rules = draw(
        st.lists(
            _v2_rules(dests, not_or=not_or),
            min_size=1,
            max_size=_RULES_MAX,
            unique_by=(lambda r: r.priority, _unique_id),
        )
    )
    return ReplicationConfiguration(role=role, rules=rules)


def replication_configurations(
    *,
    role: st.SearchStrategy[str] | None = None,
    destinations: st.SearchStrategy[Destination] | None = None,
    schema: Literal["V1", "V2"] | SchemaVersion | None = None,
    not_or: bool = False,
) -> st.SearchStrategy[ReplicationConfiguration]:
    """Whole replication configurations that ``PutBucketReplication`` accepts.

    Args:
        role: the role ARNs to use (default: ``arn:aws:iam::<account>:role/<name>``).
        destinations: where rules replicate to (default: :func:`destinations`). V1
            configurations draw one destination for all their rules.
        schema: ``"V1"``, ``"V2"`` or ``None`` for both.
        not_or: let V2 filters use ``Not`` / ``Or``.

    Returns:
        A strategy of :class:`~s3repl.model.replication.ReplicationConfiguration` with
        1 to 4 rules, unique priorities and ids.

    Raises:
        hypothesis.errors.InvalidArgument: for an unknown ``schema``.
    """
    versions = (SchemaVersion.V2, SchemaVersion.V1) if schema is None else (_schema(schema),)
    return _configurations(
        _ROLE_ARNS if role is None else role,
        _destinations(bucket_names()) if destinations is None else destinations,
        st.sampled_from(versions),
        not_or=not_or,
    )
