"""Hypothesis strategies for valid s3repl values (shipped as the ``s3repl[testing]`` extra).

Every strategy here produces only values that AWS would accept, following SPEC section 2,
so a property test can assume validity and look for behaviour instead:

- V2 rules (the default) carry a ``Filter``, a unique ``Priority`` and
  ``DeleteMarkerReplication``; a filter that mentions a tag forces
  ``DeleteMarkerReplication`` to ``Disabled`` (R-033, R-034, R-040, R-043).
- Replication Time Control comes only with ``Metrics``, both at 15 minutes, and an
  event threshold only with RTC enabled (R-028..R-030).
- ``AccessControlTranslation`` only with ``Account`` (R-041); the SSE-KMS opt-in only
  with a ``ReplicaKmsKeyID`` (R-042); ``SourceSelectionCriteria`` is never empty
  (R-026); no ``ExistingObjectReplication`` (R-031); rule ids are unique and at most
  255 characters (R-044).
- V1 configurations have one destination bucket, rule-level prefixes that do not
  overlap, and none of the V2-only elements (R-035..R-037).
- ``Not`` / ``Or`` filters only when asked for with ``not_or=True`` (R-022: they need
  the profile switch ``enable_not_or_filters``).

What the strategies cannot know is the world: they do not create the buckets, roles
or KMS keys they name, and they do not know the source bucket, so pass
``destinations=`` (or ``buckets=``) that exist in your engine and exclude the source
(R-003, R-173).

The strategies are plain functions in Hypothesis's style (plural nouns, keyword-only
options) and shrink towards small, readable values: names of ``a`` and ``0``, empty
filters, one rule, no optional members. Strategies are built once and reused (the
factories are cached), because building Hypothesis strategies inside every draw costs
more than drawing from them.

Strings stay within what XML 1.0 can carry, so every value also survives
``s3repl.codec``'s XML round trip.

Beyond single values, the module describes whole scenarios:

- :func:`metadata` and :func:`iam_policies` for user metadata and IAM documents;
- :func:`worlds` yields a :class:`WorldSpec`, a frozen, printable description of a
  consistent world (accounts, opt-in regions, a versioned source, 1 to 3 versioned
  destinations, a trusted role, cross-account bucket policies, KMS keys and a
  replication configuration ``PutBucketReplication`` accepts there); ``.build()``
  makes a fresh :class:`~s3repl.engine.Engine` from it, as often as needed;
- :func:`operations` yields :class:`Operation` values for one world (puts, deletes,
  tag/ACL/retention/legal-hold changes, configuration changes, lifecycle expirations,
  fault plans, steps), each a frozen value whose repr is the Python that makes it and
  whose ``.apply(engine)`` performs it;
- :func:`invalid_replication_configurations` yields boto3-shaped dicts broken in
  exactly one way, with the error code AWS answers.

Values are frozen and their reprs are valid Python, so Hypothesis prints a failing
example as code that rebuilds it (import the names from ``s3repl.model``,
``s3repl.iam``, ``s3repl.engine`` and this module).
"""

from __future__ import annotations

import abc
import copy
import datetime as dt
import functools
import string
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeAlias

import attrs
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from s3repl import iam
from s3repl.codec import replication_to_dict
from s3repl.engine import Engine, FaultPlan
from s3repl.errors import InvalidBucketName
from s3repl.model import FrozenMap
from s3repl.model.acl import CannedAcl
from s3repl.model.enums import (
    ObjectLockLegalHoldStatus,
    ObjectLockMode,
    ObjectOwnership,
    Status,
    StorageClass,
)
from s3repl.model.names import DEFAULT_ACCOUNT, check_bucket_name, is_opt_in_region
from s3repl.model.objects import DeleteMarker, ObjectVersion
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
    Tag,
)
from s3repl.model.tagging import METADATA_BYTES_MAX, TAG_KEY_MAX, TAG_VALUE_MAX, TAGS_MAX
from s3repl.profile import Profile
from s3repl.validate import REPLICATION_RULES_MAX

__all__ = [
    "AccountSpec",
    "BucketSpec",
    "DeleteObject",
    "DeleteObjectVersion",
    "ExpireObject",
    "KmsKeySpec",
    "Operation",
    "PutBucketReplication",
    "PutObject",
    "PutObjectAcl",
    "PutObjectLegalHold",
    "PutObjectRetention",
    "PutObjectTagging",
    "SetFaults",
    "Step",
    "WorldSpec",
    "account_ids",
    "bucket_names",
    "destinations",
    "filters",
    "iam_policies",
    "invalid_replication_configurations",
    "metadata",
    "object_keys",
    "operations",
    "replication_configurations",
    "replication_rules",
    "tag_sets",
    "tags",
    "worlds",
]

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
_KEY_BYTES_MAX = 1024
_LOWER_DIGITS = string.ascii_lowercase + string.digits
# S3 accepts tag keys and values made of letters, digits, spaces and + - = . _ : / @.
_TAG_CHARS = string.ascii_letters + string.digits + "+-=._:/@"
_ROLE_NAME_CHARS = string.ascii_letters + string.digits + "+=,.@-_"
_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2")


def _valid_bucket_name(name: str) -> bool:
    try:
        check_bucket_name(name)
    except InvalidBucketName:
        return False
    return True


@functools.cache
def bucket_names() -> st.SearchStrategy[str]:
    """Bucket names that follow the S3 general purpose naming rules.

    Returns:
        A strategy of names of 3 to 63 lowercase letters, digits and hyphens.
    """
    edge = st.sampled_from(_LOWER_DIGITS)
    middle = st.text(alphabet=_LOWER_DIGITS + "-", min_size=1, max_size=61)
    return st.builds(lambda a, m, z: a + m + z, edge, middle, edge).filter(_valid_bucket_name)


@functools.cache
def account_ids() -> st.SearchStrategy[str]:
    """Twelve-digit AWS account ids.

    Returns:
        A strategy shrinking towards ``"000000000000"``.
    """
    return st.text(alphabet=string.digits, min_size=12, max_size=12)


# Anything UTF-8 and XML 1.0 can carry: no control, surrogate, private-use or
# unassigned characters (the last two exclude U+FFFE and U+FFFF).
_KEY_CHARACTERS = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn"))


@functools.cache
def _prefixes(*, min_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(_KEY_CHARACTERS, min_size=min_size, max_size=32)


def object_keys(prefixes: Sequence[str] = ()) -> st.SearchStrategy[str]:
    """Object keys (1 to 1024 bytes of UTF-8), optionally under given prefixes.

    Args:
        prefixes: when not empty, every key starts with one of these.

    Returns:
        A strategy of keys that XML can carry.
    """
    suffixes = st.text(_KEY_CHARACTERS, min_size=1, max_size=64)
    if not prefixes:
        return suffixes
    keys = st.builds(lambda p, s: p + s, st.sampled_from(tuple(prefixes)), suffixes)
    return keys.filter(lambda key: len(key.encode("utf-8")) <= _KEY_BYTES_MAX)


_TAG_KEYS = st.text(alphabet=_TAG_CHARS, min_size=1, max_size=TAG_KEY_MAX).filter(
    lambda key: not key.lower().startswith("aws:")  # reserved prefix
)
_TAG_VALUES = st.text(alphabet=_TAG_CHARS + " ", max_size=TAG_VALUE_MAX)


@functools.cache
def tag_sets() -> st.SearchStrategy[dict[str, str]]:
    """Object tag sets S3 accepts: at most 10 tags, keys unique (R-024).

    Returns:
        A strategy of ``dict`` key -> value, shrinking towards ``{}``.
    """
    return st.dictionaries(_TAG_KEYS, _TAG_VALUES, max_size=TAGS_MAX)


@functools.cache
def tags() -> st.SearchStrategy[Tag]:
    """Filter tags (``Tag`` values with a key of 1 to 128 characters, R-024).

    Returns:
        A strategy of :class:`~s3repl.model.replication.Tag`.
    """
    return st.builds(Tag, key=_TAG_KEYS, value=_TAG_VALUES)


@functools.cache
def _tag_lists(*, min_size: int, max_size: int = 4) -> st.SearchStrategy[list[Tag]]:
    # Distinct keys: an object holds each key once, so a repeated key could never match.
    return st.lists(tags(), min_size=min_size, max_size=max_size, unique_by=lambda t: t.key)


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
    account = draw(_OPTIONAL_ACCOUNTS)
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


# --------------------------------------------------------------------------- metadata

# User metadata travels as ``x-amz-meta-<key>`` HTTP headers: keys are header-name
# tokens (S3 folds them to lower case), values printable ASCII without spaces (HTTP
# would trim leading and trailing ones).
_METADATA_KEYS = st.text(
    alphabet=string.ascii_lowercase + string.digits + "-_", min_size=1, max_size=32
)
_METADATA_VALUE_CHARS = string.ascii_letters + string.digits + "-_.:/=+@,;!*'()~"
# A short random text, then a filler whose length is one integer choice: the 2 KB limit
# is reached often, and a long value shrinks in a few steps (a long random text costs
# the shrinker one choice per character; the content never matters to replication).
_METADATA_VALUES = st.builds(
    lambda text, filler: text + "x" * filler,
    st.text(_METADATA_VALUE_CHARS, max_size=16),
    st.just(0) | st.integers(min_value=1, max_value=1024),
)
_METADATA_KEY_LISTS = st.lists(_METADATA_KEYS, max_size=8, unique=True)


@st.composite
def _metadata(draw: st.DrawFn) -> dict[str, str]:
    keys = draw(_METADATA_KEY_LISTS)
    # Keys first (at most 8 x 32 bytes), then values share what is left of the 2 KB.
    budget = METADATA_BYTES_MAX - sum(len(key) for key in keys)
    out: dict[str, str] = {}
    for key in keys:
        value = draw(_METADATA_VALUES)[:budget]
        budget -= len(value)
        out[key] = value
    return out


@functools.cache
def metadata() -> st.SearchStrategy[dict[str, str]]:
    """User metadata S3 accepts: lower-case keys, at most 2 KB of keys and values.

    Returns:
        A strategy of ``dict`` key -> value (ASCII), shrinking towards ``{}``; the
        UTF-8 bytes of all keys and values never exceed 2,048 (``MetadataTooLarge``).
    """
    return _metadata()


# --------------------------------------------------------------------------- IAM policies

_PolicyKindName: TypeAlias = Literal["identity", "resource", "trust"]

_S3_ACTIONS = tuple(
    dict.fromkeys(
        (
            "s3:ReplicateObject",
            "s3:*",
            "*",
            "s3:Get*",
            "s3:Replicate*",
            *iam.REPLICATION_ROLE_ACTIONS,
            *iam.OPTIONAL_REPLICATION_ROLE_ACTIONS,
            *iam.REPLICATION_KMS_ACTIONS,
            "s3:PutObject",
            "s3:PutObjectRetention",
        )
    )
)
_TRUST_ACTIONS = ("sts:AssumeRole", "sts:TagSession", "sts:*")
# Condition operators s3repl evaluates, with the qualifiers it accepts; Bool and Null
# take "true" / "false" (Null has neither IfExists nor a set qualifier).
_STRING_OPERATORS = (
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "StringEqualsIgnoreCase",
    "ArnLike",
    "ArnEquals",
    "ArnNotLike",
    "StringEqualsIfExists",
    "ForAnyValue:StringEquals",
    "ForAllValues:StringLike",
)
_BOOLEAN_OPERATORS = ("Bool", "Null", "BoolIfExists")
_CONDITION_KEYS = (
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:PrincipalArn",
    "aws:SecureTransport",
    "s3:x-amz-acl",
    "s3:ExistingObjectTag/team",
)
_CONDITION_VALUE_CHARS = string.ascii_letters + string.digits + "-_.:/*?"
_SERVICES = (iam.S3_SERVICE_PRINCIPAL, iam.BATCH_OPERATIONS_SERVICE_PRINCIPAL, "ec2.amazonaws.com")
_SIDS = st.none() | st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=16)


def _resource_arns(bucket: str, prefix: str) -> tuple[str, ...]:
    return (
        "*",
        f"arn:aws:s3:::{bucket}",
        f"arn:aws:s3:::{bucket}/*",
        f"arn:aws:s3:::{bucket}/{prefix}*",
        f"arn:aws:kms:us-east-1:{DEFAULT_ACCOUNT}:key/*",
    )


_PATTERN_PREFIXES = st.text(alphabet=string.ascii_letters + string.digits + "/-_.", max_size=8)
_RESOURCES = st.builds(_resource_arns, bucket_names(), _PATTERN_PREFIXES).flatmap(
    lambda arns: st.lists(st.sampled_from(arns), min_size=1, max_size=3, unique=True)
)
_ACTION_LISTS = st.lists(st.sampled_from(_S3_ACTIONS), min_size=1, max_size=4, unique=True)
_TRUST_ACTION_LISTS = st.lists(st.sampled_from(_TRUST_ACTIONS), min_size=1, max_size=2, unique=True)
_CONDITIONS = st.one_of(
    st.builds(
        iam.Condition,
        operator=st.sampled_from(_STRING_OPERATORS),
        key=st.sampled_from(_CONDITION_KEYS),
        values=st.lists(st.text(_CONDITION_VALUE_CHARS, max_size=24), min_size=1, max_size=3),
    ),
    st.builds(
        iam.Condition,
        operator=st.sampled_from(_BOOLEAN_OPERATORS),
        key=st.sampled_from(_CONDITION_KEYS),
        values=st.sampled_from((("true",), ("false",))),
    ),
)
_CONDITION_LISTS = st.lists(_CONDITIONS, max_size=2, unique_by=lambda c: (c.operator, c.key))
_AWS_PRINCIPAL_ENTRIES = st.one_of(
    account_ids(),
    st.just("*"),
    st.builds(lambda a: f"arn:aws:iam::{a}:root", account_ids()),
    _ROLE_ARNS,
)
_AWS_PRINCIPALS = st.builds(
    iam.Principal,
    aws=st.lists(_AWS_PRINCIPAL_ENTRIES, min_size=1, max_size=2, unique=True).map(tuple),
)
_SERVICE_PRINCIPALS = st.builds(
    iam.Principal,
    service=st.lists(st.sampled_from(_SERVICES), min_size=1, max_size=2, unique=True).map(tuple),
)
_ANYONE = st.just(iam.Principal(anyone=True))
# Shrinking goes to the first branch: accounts for resource policies, and for trust
# policies the S3 service (a role that S3 may assume, R-006).
_RESOURCE_PRINCIPALS = st.one_of(_AWS_PRINCIPALS, _SERVICE_PRINCIPALS, _ANYONE)
_TRUST_PRINCIPALS = st.one_of(_SERVICE_PRINCIPALS, _AWS_PRINCIPALS, _ANYONE)
_EFFECTS = st.sampled_from((iam.Effect.ALLOW, iam.Effect.DENY))


@st.composite
def _statements(draw: st.DrawFn, kind: iam.PolicyKind) -> iam.Statement:
    effect = draw(_EFFECTS)
    sid = draw(_SIDS)
    conditions = tuple(draw(_CONDITION_LISTS))
    if kind is iam.PolicyKind.TRUST:
        # A principal, no NotPrincipal, no resource.
        return iam.Statement(
            effect=effect,
            sid=sid,
            principals=draw(_TRUST_PRINCIPALS),
            actions=tuple(draw(_TRUST_ACTION_LISTS)),
            conditions=conditions,
        )
    actions = tuple(draw(_ACTION_LISTS))
    resources = tuple(draw(_RESOURCES))
    negate_actions, negate_resources = draw(st.booleans()), draw(st.booleans())
    principals = not_principals = None
    if kind is iam.PolicyKind.RESOURCE:
        principal = draw(_RESOURCE_PRINCIPALS)
        # NotPrincipal only with Deny, as IAM advises (Allow + NotPrincipal grants almost all).
        if effect is iam.Effect.DENY and draw(st.booleans()):
            not_principals = principal
        else:
            principals = principal
    return iam.Statement(
        effect=effect,
        sid=sid,
        principals=principals,
        not_principals=not_principals,
        actions=None if negate_actions else actions,
        not_actions=actions if negate_actions else None,
        resources=None if negate_resources else resources,
        not_resources=resources if negate_resources else None,
        conditions=conditions,
    )


@st.composite
def _policies(draw: st.DrawFn, kind: iam.PolicyKind) -> iam.PolicyDocument:
    statements = draw(st.lists(_statements(kind), min_size=1, max_size=3))
    seen: set[str] = set()
    unique: list[iam.Statement] = []
    for statement in statements:
        if statement.sid is not None and statement.sid in seen:
            statement = attrs.evolve(statement, sid=None)  # Sids are unique per policy
        if statement.sid is not None:
            seen.add(statement.sid)
        unique.append(statement)
    version = draw(st.sampled_from((*iam.POLICY_VERSIONS, None)))
    policy_id = draw(_SIDS)
    return iam.PolicyDocument(statements=tuple(unique), version=version, id=policy_id)


@functools.cache
def _iam_policies(kind: iam.PolicyKind) -> st.SearchStrategy[iam.PolicyDocument]:
    return _policies(kind)


def iam_policies(
    *, kind: _PolicyKindName | iam.PolicyKind = "identity"
) -> st.SearchStrategy[iam.PolicyDocument]:
    """IAM policy documents of one kind that ``iam.parse_policy`` accepts.

    Statements allow or deny replication-related actions (and wildcards) on buckets,
    object prefixes and KMS keys, with the condition operators s3repl evaluates.
    Every document survives ``parse_policy(policy_to_dict(p), kind=kind) == p``.

    Args:
        kind: ``"identity"`` (a role's permissions: no principal), ``"resource"`` (a
            bucket or key policy: ``Principal``, or ``NotPrincipal`` in a ``Deny``) or
            ``"trust"`` (a role's trust policy: ``Principal``, no resource); or the
            :class:`~s3repl.iam.PolicyKind` itself.

    Returns:
        A strategy of :class:`~s3repl.iam.PolicyDocument`, shrinking towards one
        ``Allow`` statement without conditions. Whether a document allows
        replication is left to chance: use the engine's defaults (``create_role``
        with ``policy=None``) when you need one that does.

    Raises:
        hypothesis.errors.InvalidArgument: for an unknown ``kind``.
    """
    try:
        policy_kind = iam.PolicyKind(kind)
    except ValueError:
        msg = f"kind must be 'identity', 'resource' or 'trust', not {kind!r}"
        raise InvalidArgument(msg) from None
    return _iam_policies(policy_kind)


# --------------------------------------------------------------------------- worlds


def _short_repr(value: Any) -> str:
    """``Class(field=value, ...)`` naming only fields that differ from their default.

    Still valid Python (defaults are restored on construction) and much shorter in
    Hypothesis's failure reports than attrs' full repr.
    """
    parts = []
    for field in attrs.fields(type(value)):
        current = getattr(value, field.name)
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory()
        if default is not attrs.NOTHING and current == default:
            continue
        parts.append(f"{field.name}={current!r}")
    return f"{type(value).__name__}({', '.join(parts)})"


def _strings_tuple(value: Sequence[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True, repr=False)
class AccountSpec:
    """An account of a :class:`WorldSpec` and the opt-in regions it enabled (R-001).

    Attributes:
        id: the 12-digit account id.
        regions: the opt-in regions the account enabled (default regions are always on).
    """

    id: str
    regions: tuple[str, ...] = attrs.field(default=(), converter=_strings_tuple)

    __repr__ = _short_repr


@attrs.frozen(kw_only=True, repr=False)
class BucketSpec:
    """A bucket of a :class:`WorldSpec`.

    Attributes:
        name: the bucket name.
        account: the owning account id.
        region: the bucket's region.
        versioning: whether versioning is enabled (Object Lock implies it).
        object_lock: whether Object Lock is enabled.
        ownership: the Object Ownership setting (``BucketOwnerEnforced`` refuses ACLs).
        grant_role: whether the bucket policy grants the world's role what replication
            needs on this bucket: the cross-account grant of R-012 (object actions,
            legal hold and retention when Object Lock is on, and the bucket actions).
    """

    name: str
    account: str = DEFAULT_ACCOUNT
    region: str = "us-east-1"
    versioning: bool = True
    object_lock: bool = False
    ownership: ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED
    grant_role: bool = False

    __repr__ = _short_repr


@attrs.frozen(kw_only=True, repr=False)
class KmsKeySpec:
    """A customer-managed KMS key of a :class:`WorldSpec` (R-014, R-027).

    Attributes:
        key_id: the key id (the part after ``key/``).
        region: the key's region.
        account: the owning account id.
    """

    key_id: str
    region: str = "us-east-1"
    account: str = DEFAULT_ACCOUNT

    __repr__ = _short_repr

    @property
    def arn(self) -> str:
        """The key ARN, ``arn:aws:kms:<region>:<account>:key/<key_id>``."""
        return f"arn:aws:kms:{self.region}:{self.account}:key/{self.key_id}"


def _bucket_specs(value: Sequence[BucketSpec]) -> tuple[BucketSpec, ...]:
    return tuple(value)


def _account_specs(value: Sequence[AccountSpec]) -> tuple[AccountSpec, ...]:
    return tuple(value)


def _key_specs(value: Sequence[KmsKeySpec]) -> tuple[KmsKeySpec, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True, repr=False)
class WorldSpec:
    """A frozen description of a world, and a factory of engines holding it.

    An :class:`~s3repl.engine.Engine` is mutable, so :func:`worlds` yields this
    description instead: Hypothesis can print it (the repr is valid Python, naming
    only fields that differ from their defaults) and every :meth:`build` starts a
    fresh, independent engine in the same state.  ``spec.build`` is also a
    ready-made ``world`` argument for ``s3repl.testing.properties.check_policy``.

    Attributes:
        source: the name of the source bucket (one of :attr:`buckets`).
        buckets: every bucket, source first.
        role: the replication role's ARN.
        configuration: the replication configuration :meth:`build` puts on
            :attr:`source`, or ``None`` for none.
        accounts: accounts to create, with their enabled opt-in regions.
        kms_keys: KMS keys to create.
        role_policy: the role's permission policy; ``None`` allows every replication
            action on every resource.
        role_trusted: whether the role's trust policy lets S3 assume it (R-006).
        seed: the engine seed.
        profile: the engine's behaviour switches.

    Raises:
        ValueError: bucket names repeat, or :attr:`source` is not among them.
    """

    source: str
    buckets: tuple[BucketSpec, ...] = attrs.field(converter=_bucket_specs)
    role: str
    configuration: ReplicationConfiguration | None = None
    accounts: tuple[AccountSpec, ...] = attrs.field(default=(), converter=_account_specs)
    kms_keys: tuple[KmsKeySpec, ...] = attrs.field(default=(), converter=_key_specs)
    role_policy: iam.PolicyDocument | None = None
    role_trusted: bool = True
    seed: int = 0
    profile: Profile = attrs.field(factory=Profile.aws)

    __repr__ = _short_repr

    def __attrs_post_init__(self) -> None:
        """Require the source among the buckets, and bucket names to be unique."""
        names = [bucket.name for bucket in self.buckets]
        if len(set(names)) != len(names):
            msg = f"bucket names must be unique, got {names}"
            raise ValueError(msg)
        if self.source not in names:
            msg = f"the source {self.source!r} is not one of the buckets {names}"
            raise ValueError(msg)

    def bucket(self, name: str) -> BucketSpec:
        """The bucket called ``name``.

        Raises:
            KeyError: no bucket has that name.
        """
        for bucket in self.buckets:
            if bucket.name == name:
                return bucket
        raise KeyError(name)

    @property
    def source_bucket(self) -> BucketSpec:
        """The source bucket's description."""
        return self.bucket(self.source)

    @property
    def destinations(self) -> tuple[BucketSpec, ...]:
        """Every bucket other than the source, in order."""
        return tuple(bucket for bucket in self.buckets if bucket.name != self.source)

    def build(self, *, replication: bool = True) -> Engine:
        """Make a fresh engine holding this world.

        Args:
            replication: put :attr:`configuration` on the source (when there is one);
                ``False`` leaves the source without a configuration, for callers
                that put their own.

        Returns:
            A new engine; nothing is pending.

        Raises:
            s3repl.errors.S3Error: whatever the engine refuses (a hand-made spec may be
                inconsistent; specs from :func:`worlds` never are).
        """
        engine = Engine(seed=self.seed, profile=self.profile)
        for account in self.accounts:
            engine.create_account(account.id, regions=account.regions)
        for bucket in self.buckets:
            engine.create_bucket(
                bucket.name,
                account=bucket.account,
                region=bucket.region,
                versioning=bucket.versioning,
                object_lock=bucket.object_lock,
            )
            if bucket.ownership is not ObjectOwnership.BUCKET_OWNER_ENFORCED:
                engine.put_bucket_ownership_controls(bucket.name, bucket.ownership)
        engine.create_role(self.role, policy=self.role_policy, trusted=self.role_trusted)
        for key in self.kms_keys:
            engine.create_kms_key(region=key.region, account=key.account, key_id=key.key_id)
        for bucket in self.buckets:
            if bucket.grant_role:
                engine.put_bucket_policy(bucket.name, _replication_grant(bucket, self.role))
        if replication and self.configuration is not None:
            engine.put_bucket_replication(self.source, self.configuration)
        return engine


#: Destination object actions a locked source also needs granted (R-010, R-158).
_LOCK_GRANT_ACTIONS = ("s3:PutObjectLegalHold", "s3:PutObjectRetention")


def _replication_grant(bucket: BucketSpec, role: str) -> iam.PolicyDocument:
    """The destination bucket policy of R-012 for ``role``, lock actions included."""
    document = iam.destination_bucket_policy(bucket.name, principal=role)
    objects, *rest = document.statements
    if bucket.object_lock:
        objects = attrs.evolve(objects, actions=(*(objects.actions or ()), *_LOCK_GRANT_ACTIONS))
    return attrs.evolve(document, statements=(objects, *rest))


#: Regions of the worlds: defaults first (they shrink there), then two opt-in ones.
_WORLD_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2", "af-south-1", "eu-south-1")
_WORLD_ROLE_NAME = "s3repl-replication"
_OTHER_ACCOUNT_LISTS = st.lists(
    account_ids().filter(lambda a: a != DEFAULT_ACCOUNT), max_size=2, unique=True
)
_WORLD_BUCKET_NAMES = st.lists(bucket_names(), min_size=2, max_size=4, unique=True)
_OWNERSHIPS = st.sampled_from(tuple(ObjectOwnership))
_SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def _kms_key_id(index: int) -> str:
    return f"00000000-0000-4000-8000-{index:012d}"


def _world_keys(source_account: str, destinations: Sequence[BucketSpec]) -> tuple[KmsKeySpec, ...]:
    # One key per destination, in its region, owned by the source account (so the
    # role's own policy may use it, R-014).
    return tuple(
        KmsKeySpec(key_id=_kms_key_id(i), region=dest.region, account=source_account)
        for i, dest in enumerate(destinations)
    )


def _enabled_regions(source: BucketSpec, destinations: Sequence[BucketSpec]) -> dict[str, set[str]]:
    """R-001: the opt-in regions each account must enable for every pair to work."""
    needed: dict[str, set[str]] = {source.account: set()}
    for dest in destinations:
        needed.setdefault(dest.account, set())
        for account, region in (
            (source.account, source.region),
            (source.account, dest.region),
            (dest.account, dest.region),
        ):
            if is_opt_in_region(region):
                needed[account].add(region)
    return needed


@st.composite
def _world_destinations(draw: st.DrawFn, owners: tuple[tuple[str, str], ...]) -> Destination:
    name, owner = draw(st.sampled_from(owners))
    account = draw(st.none() | st.just(owner))  # Account, when named, is the real owner
    storage_class = draw(_OPTIONAL_STORAGE_CLASSES)
    override = None if account is None else draw(_OPTIONAL_OVERRIDES)
    return Destination(
        bucket=f"arn:aws:s3:::{name}",
        account=account,
        storage_class=storage_class,
        access_control_translation=override,
    )


def _with_world_keys(
    config: ReplicationConfiguration, keys: Mapping[str, str]
) -> ReplicationConfiguration:
    """Point each rule's replica KMS key at the world's key for its destination (R-027)."""
    rules = []
    for rule in config.rules:
        encryption = rule.destination.encryption_configuration
        key = keys.get(rule.destination.bucket_name)
        if encryption is not None and encryption.replica_kms_key_id is not None and key:
            destination = attrs.evolve(
                rule.destination,
                encryption_configuration=attrs.evolve(encryption, replica_kms_key_id=key),
            )
            rule = attrs.evolve(rule, destination=destination)
        rules.append(rule)
    return attrs.evolve(config, rules=tuple(rules))


def _world_configurations(
    world: WorldSpec,
    *,
    schema: Literal["V1", "V2"] | SchemaVersion | None = None,
) -> st.SearchStrategy[ReplicationConfiguration]:
    """Configurations valid in ``world``: its role, its destinations, its KMS keys."""
    owners = tuple((dest.name, dest.account) for dest in world.destinations)
    keys: dict[str, str] = {}
    for dest in world.destinations:
        for key in world.kms_keys:
            if key.region == dest.region:
                keys.setdefault(dest.name, key.arn)
    configurations = replication_configurations(
        role=st.just(world.role),
        destinations=_world_destinations(owners),
        schema=schema,
        not_or=world.profile.enable_not_or_filters,
    )
    return configurations.map(lambda config: _with_world_keys(config, keys))


@st.composite
def _worlds(
    draw: st.DrawFn,
    schema: Literal["V1", "V2"] | SchemaVersion | None,
    profile: Profile,
) -> WorldSpec:
    names = draw(_WORLD_BUCKET_NAMES)
    owners = (DEFAULT_ACCOUNT, *draw(_OTHER_ACCOUNT_LISTS))
    accounts = st.sampled_from(owners)
    regions = st.sampled_from(_WORLD_REGIONS)
    locked = draw(st.booleans())
    source = BucketSpec(
        name=names[0],
        account=draw(accounts),
        region=draw(regions),
        object_lock=locked,
        ownership=draw(_OWNERSHIPS),
    )
    destinations = []
    for name in names[1:]:
        owner = draw(accounts)
        region = draw(regions)
        # Drawn even when the source is locked: skipping the draw would make a locked
        # world the shorter (so "simpler") choice sequence for the shrinker.
        lock = draw(st.booleans())
        destinations.append(
            BucketSpec(
                name=name,
                account=owner,
                region=region,
                object_lock=locked or lock,  # a locked source needs locked destinations
                # another account's destination grants the role.
                grant_role=owner != source.account,
            )
        )
    enabled = _enabled_regions(source, destinations)
    spec = WorldSpec(
        source=source.name,
        buckets=(source, *destinations),
        role=f"arn:aws:iam::{source.account}:role/{_WORLD_ROLE_NAME}",
        accounts=tuple(
            AccountSpec(id=account, regions=tuple(sorted(enabled.get(account, ()))))
            for account in owners
            if account != DEFAULT_ACCOUNT or enabled.get(account)
        ),
        kms_keys=_world_keys(source.account, destinations),
        seed=draw(_SEEDS),
        profile=profile,
    )
    configuration = draw(_world_configurations(spec, schema=schema))
    return attrs.evolve(spec, configuration=configuration)


@functools.cache
def _cached_worlds(schema: SchemaVersion | None, *, not_or: bool) -> st.SearchStrategy[WorldSpec]:
    profile = Profile.aws().evolve(enable_not_or_filters=True) if not_or else Profile.aws()
    return _worlds(schema, profile)


def worlds(
    *,
    schema: Literal["V1", "V2"] | SchemaVersion | None = None,
    not_or: bool = False,
) -> st.SearchStrategy[WorldSpec]:
    """Consistent worlds in which replication is configured and can succeed.

    Each world has one to three accounts (destinations in another account than the
    source get a bucket policy granting the role, R-012), regions among a few default
    and opt-in ones with every needed opt-in region enabled (R-001), a versioned
    source (sometimes with Object Lock, then every destination has it too, R-009; and
    sometimes accepting ACLs), one to three versioned destinations, a trusted role
    allowed every replication action (R-006, R-155), one KMS key per destination in
    its region (R-027), and a configuration from :func:`replication_configurations`
    over those destinations that ``PutBucketReplication`` accepts
    (``validate_replication`` finds no problem and ``check_requirements`` no finding).

    Args:
        schema: the schema of the configuration: ``"V1"``, ``"V2"`` or ``None``
            for both.
        not_or: switch ``Profile.enable_not_or_filters`` on and let filters use
            ``Not`` / ``Or``.

    Returns:
        A strategy of :class:`WorldSpec`, shrinking towards one account, one
        destination in ``us-east-1`` and the smallest configuration.

    Raises:
        hypothesis.errors.InvalidArgument: for an unknown ``schema``.
    """
    return _cached_worlds(None if schema is None else _schema(schema), not_or=not_or)


# --------------------------------------------------------------------------- operations


def _frozen_strings(value: Mapping[str, str]) -> FrozenMap[str, str]:
    return FrozenMap(value)


def _versions_of(engine: Engine, bucket: str, key: str) -> tuple[ObjectVersion | DeleteMarker, ...]:
    """The key's versions and delete markers, newest first."""
    return tuple(v for v in engine.list_object_versions(bucket, prefix=key) if v.key == key)


def _object_version_id(engine: Engine, bucket: str, key: str, index: int) -> str | None:
    """The id of the ``index``-th object version (markers skipped, cyclically), or ``None``."""
    versions = [v for v in _versions_of(engine, bucket, key) if isinstance(v, ObjectVersion)]
    return versions[index % len(versions)].version_id if versions else None


class Operation(abc.ABC):
    """One call on an engine, as a frozen value whose repr is the Python that makes it.

    :func:`operations` draws them for a :class:`WorldSpec`.  Operations that act on
    an existing version or task take an ``index`` chosen when drawn and resolved when
    applied (cyclically, among what exists then), so a drawn sequence stays
    meaningful whatever came before; with nothing to act on they do nothing.
    """

    __slots__ = ()

    @abc.abstractmethod
    def apply(self, engine: Engine) -> None:
        """Perform the operation on ``engine``.

        Raises:
            AccessDenied: only :class:`DeleteObjectVersion`, when Object Lock
                protects the version it chose (S3 refuses that delete too).
        """


@attrs.frozen(kw_only=True, repr=False)
class PutObject(Operation):
    """``put_object``: a new version of ``key`` with tags and user metadata (R-080).

    Attributes:
        bucket: the bucket written to.
        key: the object key.
        tags: the object's tags.
        metadata: its user metadata.
    """

    bucket: str
    key: str
    tags: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=_frozen_strings)
    metadata: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=_frozen_strings)

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Put the version."""
        engine.put_object(self.bucket, self.key, tags=self.tags, metadata=self.metadata)


@attrs.frozen(kw_only=True, repr=False)
class DeleteObject(Operation):
    """``delete_object`` without a version id: a delete marker (R-087).

    Attributes:
        bucket: the bucket.
        key: the object key (a marker is added even when the key has no version).
    """

    bucket: str
    key: str

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Add the delete marker."""
        engine.delete_object(self.bucket, self.key)


@attrs.frozen(kw_only=True, repr=False)
class DeleteObjectVersion(Operation):
    """``delete_object`` with a version id: a permanent delete, never replicated (R-103).

    Attributes:
        bucket: the bucket.
        key: the object key.
        index: which of the key's versions and markers (newest first, cyclically).
    """

    bucket: str
    key: str
    index: int = 0

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Delete the chosen version or marker; nothing when the key has none.

        Raises:
            AccessDenied: Object Lock protects the chosen version (legal hold, or a
                retention date still in the future).
        """
        versions = _versions_of(engine, self.bucket, self.key)
        if versions:
            chosen = versions[self.index % len(versions)]
            engine.delete_object(self.bucket, self.key, version_id=chosen.version_id)


@attrs.frozen(kw_only=True, repr=False)
class PutObjectTagging(Operation):
    """``put_object_tagging`` on an existing object version (R-062, R-085).

    Attributes:
        bucket: the bucket.
        key: the object key.
        tags: the new tag set.
        index: which object version (newest first, markers skipped, cyclically).
    """

    bucket: str
    key: str
    tags: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=_frozen_strings)
    index: int = 0

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Replace the chosen version's tags; nothing when the key has no object version."""
        version_id = _object_version_id(engine, self.bucket, self.key, self.index)
        if version_id is not None:
            engine.put_object_tagging(self.bucket, self.key, self.tags, version_id=version_id)


@attrs.frozen(kw_only=True, repr=False)
class PutObjectAcl(Operation):
    """``put_object_acl`` with a canned ACL on an existing object version (R-084).

    Drawn only for buckets whose ownership is not ``BucketOwnerEnforced``.

    Attributes:
        bucket: the bucket.
        key: the object key.
        acl: the canned ACL.
        index: which object version (newest first, markers skipped, cyclically).
    """

    bucket: str
    key: str
    acl: CannedAcl = CannedAcl.PRIVATE
    index: int = 0

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Set the chosen version's ACL; nothing when the key has no object version."""
        version_id = _object_version_id(engine, self.bucket, self.key, self.index)
        if version_id is not None:
            engine.put_object_acl(self.bucket, self.key, acl=self.acl, version_id=version_id)


@attrs.frozen(kw_only=True, repr=False)
class PutObjectRetention(Operation):
    """``put_object_retention`` on an existing object version (R-086).

    Drawn only for buckets with Object Lock.

    Attributes:
        bucket: the bucket.
        key: the object key.
        mode: the retention mode.
        days: the retention lasts this many days from the engine's clock at apply time.
        index: which object version (newest first, markers skipped, cyclically).
    """

    bucket: str
    key: str
    mode: ObjectLockMode = ObjectLockMode.GOVERNANCE
    days: int = 1
    index: int = 0

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Set the chosen version's retention; nothing when the key has no object version."""
        version_id = _object_version_id(engine, self.bucket, self.key, self.index)
        if version_id is not None:
            engine.put_object_retention(
                self.bucket,
                self.key,
                mode=self.mode,
                retain_until_date=engine.now + dt.timedelta(days=self.days),
                version_id=version_id,
            )


@attrs.frozen(kw_only=True, repr=False)
class PutObjectLegalHold(Operation):
    """``put_object_legal_hold`` on an existing object version (R-086).

    Drawn only for buckets with Object Lock.

    Attributes:
        bucket: the bucket.
        key: the object key.
        status: ``ON`` or ``OFF``.
        index: which object version (newest first, markers skipped, cyclically).
    """

    bucket: str
    key: str
    status: ObjectLockLegalHoldStatus = ObjectLockLegalHoldStatus.ON
    index: int = 0

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Set the chosen version's legal hold; nothing when the key has no object version."""
        version_id = _object_version_id(engine, self.bucket, self.key, self.index)
        if version_id is not None:
            engine.put_object_legal_hold(
                self.bucket, self.key, status=self.status, version_id=version_id
            )


@attrs.frozen(kw_only=True, repr=False)
class PutBucketReplication(Operation):
    """``put_bucket_replication``: replace the configuration (R-048).

    Attributes:
        bucket: the source bucket.
        configuration: the new configuration (valid in the world it was drawn for).
    """

    bucket: str
    configuration: ReplicationConfiguration

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Put the configuration."""
        engine.put_bucket_replication(self.bucket, self.configuration)


@attrs.frozen(kw_only=True, repr=False)
class ExpireObject(Operation):
    """``expire_object``: a lifecycle expiration of the current version, never replicated.

    Deferred while the current version is ``PENDING`` (R-104, R-125).

    Attributes:
        bucket: the bucket.
        key: the object key (nothing happens when it has no current version).
    """

    bucket: str
    key: str

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Expire the current version."""
        engine.expire_object(self.bucket, self.key)


@attrs.frozen(kw_only=True, repr=False)
class SetFaults(Operation):
    """``set_faults``: put a fault plan in force; ``FaultPlan()`` switches faults off (R-124).

    Attributes:
        plan: the plan.
    """

    plan: FaultPlan = attrs.field(factory=FaultPlan)

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Set the plan."""
        engine.set_faults(self.plan)


@attrs.frozen(kw_only=True, repr=False)
class Step(Operation):
    """``step(task)``: apply one pending task, any of them, so every order is reachable (R-141).

    Attributes:
        index: which pending task (in ``pending()`` order, cyclically).
    """

    index: int = 0

    __repr__ = _short_repr

    def apply(self, engine: Engine) -> None:
        """Apply the chosen task; nothing when nothing is pending."""
        pending = engine.pending()
        if pending:
            engine.step(pending[self.index % len(pending)])


_INDEXES = st.integers(min_value=0, max_value=15)
_RETENTION_DAYS = st.integers(min_value=1, max_value=3650)
_ACLS = st.sampled_from(
    (CannedAcl.PRIVATE, CannedAcl.PUBLIC_READ, CannedAcl.BUCKET_OWNER_FULL_CONTROL)
)


def _filter_tag_sets(config: ReplicationConfiguration | None) -> list[dict[str, str]]:
    sets: list[dict[str, str]] = [{}]
    for rule in config.rules if config is not None else ():
        if rule.filter is not None and rule.filter.tags:
            tagged = {tag.key: tag.value for tag in rule.filter.tags}
            if tagged not in sets:
                sets.append(tagged)
    return sets


def _fault_plans(world: WorldSpec) -> st.SearchStrategy[FaultPlan]:
    names = tuple(bucket.name for bucket in world.destinations) or (world.source,)
    regions = tuple(sorted({bucket.region for bucket in world.buckets}))
    return st.one_of(
        st.just(FaultPlan()),
        st.builds(FaultPlan, unavailable_buckets=st.frozensets(st.sampled_from(names), min_size=1)),
        st.builds(
            FaultPlan, unavailable_regions=st.frozensets(st.sampled_from(regions), min_size=1)
        ),
        st.builds(FaultPlan, outage_rate=st.sampled_from((0.5, 1.0))),
    )


def operations(world: WorldSpec) -> st.SearchStrategy[Operation]:
    """Operations on the source bucket of ``world``, each valid there.

    Keys come mostly from a small pool (``"a"`` and ``<prefix>a`` for each rule's
    prefix) so that versions pile up on the same keys; tag sets include the ones the
    rules' filters name.  Drawn: :class:`PutObject`, :class:`Step`,
    :class:`DeleteObject`, :class:`DeleteObjectVersion`, :class:`PutObjectTagging`,
    :class:`ExpireObject`, :class:`SetFaults`, :class:`PutBucketReplication` (another
    configuration valid in the world; none if it has no destination), plus
    :class:`PutObjectAcl` when the source accepts ACLs, and :class:`PutObjectRetention`
    / :class:`PutObjectLegalHold` when it has Object Lock.

    Args:
        world: the world (usually drawn from :func:`worlds`).

    Returns:
        A strategy of :class:`Operation`, shrinking towards ``Step()`` (a no-op
        when nothing is pending) and puts towards ``PutObject`` of ``"a"`` without
        tags or metadata.  Apply a drawn list in order to ``world.build()``.
    """
    source = world.source_bucket
    bucket = st.just(source.name)
    config = world.configuration
    prefixes = tuple(dict.fromkeys(rule.key_prefix for rule in config.rules)) if config else ()
    pool = st.sampled_from(tuple(dict.fromkeys(("a", *(f"{p}a" for p in prefixes)))))
    keys = pool | object_keys(prefixes=prefixes)
    tag_choices = st.sampled_from(_filter_tag_sets(config)) | tag_sets()
    choices: list[st.SearchStrategy[Operation]] = [
        st.builds(PutObject, bucket=bucket, key=keys, tags=tag_choices, metadata=metadata()),
        st.builds(Step, index=_INDEXES),
        st.builds(DeleteObject, bucket=bucket, key=keys),
        st.builds(DeleteObjectVersion, bucket=bucket, key=pool, index=_INDEXES),
        st.builds(PutObjectTagging, bucket=bucket, key=pool, tags=tag_choices, index=_INDEXES),
        st.builds(ExpireObject, bucket=bucket, key=pool),
        st.builds(SetFaults, plan=_fault_plans(world)),
    ]
    if world.destinations:
        choices.append(
            st.builds(
                PutBucketReplication, bucket=bucket, configuration=_world_configurations(world)
            )
        )
    if source.ownership is not ObjectOwnership.BUCKET_OWNER_ENFORCED:
        choices.append(st.builds(PutObjectAcl, bucket=bucket, key=pool, acl=_ACLS, index=_INDEXES))
    if source.object_lock:
        choices.append(
            st.builds(
                PutObjectRetention,
                bucket=bucket,
                key=pool,
                mode=st.sampled_from(tuple(ObjectLockMode)),
                days=_RETENTION_DAYS,
                index=_INDEXES,
            )
        )
        choices.append(
            st.builds(
                PutObjectLegalHold,
                bucket=bucket,
                key=pool,
                status=st.sampled_from(tuple(ObjectLockLegalHoldStatus)),
                index=_INDEXES,
            )
        )
    return st.one_of(choices)


# --------------------------------------------------------------------------- invalid configurations

#: A break: the schema its base must have (``None``: either) and the change it makes
#: to a boto3-shaped configuration, returning the code AWS answers with.
_Breaker: TypeAlias = Callable[[st.DrawFn, dict[str, Any]], str]

_MALFORMED = "MalformedXML"
_INVALID_REQUEST = "InvalidRequest"
_INVALID_ARGUMENT = "InvalidArgument"
_NOT_FIFTEEN = st.integers(min_value=0, max_value=2**31 - 1).filter(lambda m: m != _RTC_MINUTES)
_DICT_STATUSES = st.sampled_from(("Enabled", "Disabled"))
_LONG_RULE_IDS = st.text(_KEY_CHARACTERS, min_size=_RULE_ID_MAX + 1, max_size=_RULE_ID_MAX + 40)


def _first(config: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = config["Rules"][0]
    return rule


def _only_first(config: dict[str, Any]) -> dict[str, Any]:
    """Keep the first rule only (so a break cannot clash with the others)."""
    config["Rules"] = [_first(config)]
    return _first(config)


def _free_priority(config: dict[str, Any]) -> int:
    used = {rule.get("Priority") for rule in config["Rules"]}
    return next(p for p in range(len(used) + 1) if p not in used)


def _second_rule(config: dict[str, Any], *, rule_id: str | None = None) -> dict[str, Any]:
    """Keep the first rule and append a copy of it that is valid beside it.

    V2: the copy gets an unused priority.  V1: both get prefixes ``<p>0`` / ``<p>1``,
    which do not overlap (R-037).  The copy has ``rule_id`` as its ID (``None``: none).
    """
    first = _only_first(config)
    second = copy.deepcopy(first)
    second.pop("ID", None)
    if rule_id is not None:
        second["ID"] = rule_id
    if "Filter" in first:
        second["Priority"] = _free_priority(config)
    else:
        prefix = first["Prefix"]
        first["Prefix"], second["Prefix"] = f"{prefix}0", f"{prefix}1"
    config["Rules"].append(second)
    return second


def _other_bucket(arn: str) -> str:
    """A valid bucket ARN other than ``arn`` (its name with another last character)."""
    name = arn.removeprefix("arn:aws:s3:::")
    for char in _LOWER_DIGITS:
        candidate = name[:-1] + char
        if candidate != name and _valid_bucket_name(candidate):
            return f"arn:aws:s3:::{candidate}"
    raise AssertionError(name)  # pragma: no cover - some last character always works


# --- V2 breaks (R-022, R-028..R-030, R-033, R-034, R-038, R-040, R-043, R-045)


def _no_priority(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    del _first(config)["Priority"]
    return _INVALID_REQUEST


def _no_delete_marker_replication(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    del _first(config)["DeleteMarkerReplication"]
    return _INVALID_REQUEST


def _tag_filter_with_delete_markers(draw: st.DrawFn, config: dict[str, Any]) -> str:
    tag = draw(tags())
    rule = _first(config)
    rule["Filter"] = {"Tag": {"Key": tag.key, "Value": tag.value}}
    rule["DeleteMarkerReplication"] = {"Status": "Enabled"}
    return _INVALID_REQUEST


def _rtc_minutes(draw: st.DrawFn, config: dict[str, Any]) -> str:
    destination = _first(config)["Destination"]
    destination["ReplicationTime"] = {"Status": "Enabled", "Time": {"Minutes": draw(_NOT_FIFTEEN)}}
    destination["Metrics"] = {"Status": "Enabled", "EventThreshold": {"Minutes": _RTC_MINUTES}}
    return _INVALID_ARGUMENT


def _event_threshold_minutes(draw: st.DrawFn, config: dict[str, Any]) -> str:
    destination = _first(config)["Destination"]
    destination["ReplicationTime"] = {"Status": "Enabled", "Time": {"Minutes": _RTC_MINUTES}}
    destination["Metrics"] = {
        "Status": "Enabled",
        "EventThreshold": {"Minutes": draw(_NOT_FIFTEEN)},
    }
    return _INVALID_ARGUMENT


def _event_threshold_without_rtc(draw: st.DrawFn, config: dict[str, Any]) -> str:
    destination = _first(config)["Destination"]  # RTC absent or Disabled
    if draw(st.booleans()):
        destination["ReplicationTime"] = {"Status": "Disabled", "Time": {"Minutes": _RTC_MINUTES}}
    else:
        destination.pop("ReplicationTime", None)
    destination["Metrics"] = {"Status": "Enabled", "EventThreshold": {"Minutes": _RTC_MINUTES}}
    return _INVALID_ARGUMENT


def _rtc_without_metrics(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    destination = _first(config)["Destination"]
    destination["ReplicationTime"] = {"Status": "Enabled", "Time": {"Minutes": _RTC_MINUTES}}
    destination.pop("Metrics", None)
    return _INVALID_REQUEST


def _duplicate_priority(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    copied = copy.deepcopy(_first(config))  # same priority as the first rule
    copied.pop("ID", None)
    config["Rules"].append(copied)
    return _INVALID_REQUEST


def _v1_rule_in_v2(draw: st.DrawFn, config: dict[str, Any]) -> str:
    second = _second_rule(config)  # a rule-level Prefix beside a Filter
    del second["Filter"]
    second["Prefix"] = draw(_prefixes())
    return _INVALID_REQUEST


def _not_filter_without_switch(draw: st.DrawFn, config: dict[str, Any]) -> str:
    # Not is outside the schema of the default profile.
    _first(config)["Filter"] = {"Not": {"Prefix": draw(_prefixes(min_size=1))}}
    return _MALFORMED


def _filter_with_two_children(draw: st.DrawFn, config: dict[str, Any]) -> str:
    tag = draw(tags())  # two conditions need And
    _first(config)["Filter"] = {
        "Prefix": draw(_prefixes()),
        "Tag": {"Key": tag.key, "Value": tag.value},
    }
    return _MALFORMED


def _prefix_beside_filter(draw: st.DrawFn, config: dict[str, Any]) -> str:
    _first(config)["Prefix"] = draw(_prefixes())  # Prefix and Filter in one rule
    return _MALFORMED


def _priority_not_an_integer(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    rule = _first(config)  # xs:int
    rule["Priority"] = str(rule["Priority"])
    return _MALFORMED


def _empty_tag_key(draw: st.DrawFn, config: dict[str, Any]) -> str:
    rule = _first(config)  # Key has at least one character
    rule["Filter"] = {"Tag": {"Key": "", "Value": draw(_TAG_VALUES)}}
    rule["DeleteMarkerReplication"] = {"Status": "Disabled"}
    return _MALFORMED


# --- V1 breaks (R-035..R-037)

_V2_ONLY_ELEMENTS = ("Priority", "DeleteMarkerReplication", "ReplicaModifications", "Metrics")


def _v2_element_in_v1(draw: st.DrawFn, config: dict[str, Any]) -> str:
    rule = _first(config)
    element = draw(st.sampled_from(_V2_ONLY_ELEMENTS))
    if element == "Priority":
        rule["Priority"] = draw(_PRIORITIES)
    elif element == "DeleteMarkerReplication":
        rule["DeleteMarkerReplication"] = {"Status": draw(_DICT_STATUSES)}
    elif element == "ReplicaModifications":
        criteria = rule.setdefault("SourceSelectionCriteria", {})
        criteria["ReplicaModifications"] = {"Status": draw(_DICT_STATUSES)}
    else:
        rule["Destination"]["Metrics"] = {"Status": draw(_DICT_STATUSES)}
    return _INVALID_REQUEST


def _v1_two_destinations(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    second = _second_rule(config)
    second["Destination"]["Bucket"] = _other_bucket(second["Destination"]["Bucket"])
    return _INVALID_REQUEST


def _v1_overlapping_prefixes(draw: st.DrawFn, config: dict[str, Any]) -> str:
    first = _only_first(config)  # one prefix extends the other
    second = copy.deepcopy(first)
    second.pop("ID", None)
    second["Prefix"] = first["Prefix"] + draw(_prefixes(min_size=1))
    config["Rules"].append(second)
    return _INVALID_REQUEST


# --- breaks for either schema (R-025, R-026, R-031, R-041, R-042, R-044..R-047)


def _owner_override_without_account(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    destination = _first(config)["Destination"]
    destination["AccessControlTranslation"] = {"Owner": "Destination"}
    destination.pop("Account", None)
    return _INVALID_REQUEST


def _kms_opt_in_without_key(draw: st.DrawFn, config: dict[str, Any]) -> str:
    rule = _first(config)  # whatever the status
    criteria = rule.setdefault("SourceSelectionCriteria", {})
    criteria["SseKmsEncryptedObjects"] = {"Status": draw(_DICT_STATUSES)}
    destination = rule["Destination"]
    if draw(st.booleans()):
        destination.pop("EncryptionConfiguration", None)
    else:
        destination["EncryptionConfiguration"] = {}
    return _INVALID_REQUEST


def _empty_source_selection_criteria(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    _first(config)["SourceSelectionCriteria"] = {}
    return _INVALID_REQUEST


def _rule_id_too_long(draw: st.DrawFn, config: dict[str, Any]) -> str:
    _first(config)["ID"] = draw(_LONG_RULE_IDS)
    return _INVALID_ARGUMENT


def _duplicate_rule_ids(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    first = _only_first(config)
    first.setdefault("ID", "rule")
    _second_rule(config, rule_id=first["ID"])
    return _INVALID_ARGUMENT


def _unsupported_storage_class(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    _first(config)["Destination"]["StorageClass"] = StorageClass.FSX_OPENZFS.value
    return "InvalidStorageClass"


_BAD_ROLES = (
    "role",
    "arn:aws:iam::123:role/short-account",
    "arn:aws:iam::123456789012:user/not-a-role",
    "arn:aws:s3:::a-bucket",
    "arn:aws-cn:iam::123456789012:role/other-partition",
)


def _invalid_role(draw: st.DrawFn, config: dict[str, Any]) -> str:
    config["Role"] = draw(st.sampled_from(_BAD_ROLES))
    return _INVALID_ARGUMENT


def _invalid_bucket_arn(draw: st.DrawFn, config: dict[str, Any]) -> str:
    destination = _only_first(config)["Destination"]
    name = destination["Bucket"].removeprefix("arn:aws:s3:::")
    destination["Bucket"] = draw(
        st.sampled_from(
            (
                name,
                "arn:aws:s3:::",
                f"arn:aws-cn:s3:::{name}",
                "arn:aws:s3:::Not_A_Bucket",
                f"arn:aws:s3:::{'a' * 64}",
            )
        )
    )
    return _INVALID_ARGUMENT


def _too_many_rules(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    bucket = _first(config)["Destination"]["Bucket"]  # small rules, 1,001 of them
    count = REPLICATION_RULES_MAX + 1
    if "Filter" in _first(config):
        config["Rules"] = [
            {
                "Priority": i,
                "Filter": {},
                "Status": "Enabled",
                "DeleteMarkerReplication": {"Status": "Disabled"},
                "Destination": {"Bucket": bucket},
            }
            for i in range(count)
        ]
    else:
        config["Rules"] = [
            {"Prefix": f"{i:04d}", "Status": "Enabled", "Destination": {"Bucket": bucket}}
            for i in range(count)
        ]
    return _INVALID_REQUEST


def _existing_object_replication(draw: st.DrawFn, config: dict[str, Any]) -> str:
    # no longer in the schema (without the profile switch).
    _first(config)["ExistingObjectReplication"] = {"Status": draw(_DICT_STATUSES)}
    return _MALFORMED


def _no_rules(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    config["Rules"] = []  # R-045, T-05
    return _MALFORMED


def _status_in_wrong_case(draw: st.DrawFn, config: dict[str, Any]) -> str:
    # R-045, T-33: enums are case-sensitive.
    _first(config)["Status"] = draw(st.sampled_from(("enabled", "ENABLED", "disabled")))
    return _MALFORMED


def _unknown_storage_class(draw: st.DrawFn, config: dict[str, Any]) -> str:
    classes = ("standard", "GLACIER_FLEXIBLE_RETRIEVAL", "COLD")  # not in the enum
    _first(config)["Destination"]["StorageClass"] = draw(st.sampled_from(classes))
    return _MALFORMED


def _missing_member(draw: st.DrawFn, config: dict[str, Any]) -> str:
    # Role, Rule/Status and Rule/Destination are required.
    member = draw(st.sampled_from(("Status", "Destination", "Role")))
    if member == "Role":
        del config["Role"]
    else:
        del _first(config)[member]
    return _MALFORMED


def _unknown_member(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    _first(config)["Tags"] = [{"Key": "k", "Value": "v"}]  # not a Rule member
    return _MALFORMED


_V2, _V1 = SchemaVersion.V2, SchemaVersion.V1
#: Every break: (schema of the configuration it breaks, or None for either; the break).
#: Document-level only: each holds in any world that accepts the unbroken configuration.
_BREAKS: tuple[tuple[SchemaVersion | None, _Breaker], ...] = (
    (_V2, _no_priority),
    (_V2, _no_delete_marker_replication),
    (_V2, _tag_filter_with_delete_markers),
    (_V2, _rtc_minutes),
    (_V2, _event_threshold_minutes),
    (_V2, _event_threshold_without_rtc),
    (_V2, _rtc_without_metrics),
    (_V2, _duplicate_priority),
    (_V2, _v1_rule_in_v2),
    (_V2, _not_filter_without_switch),
    (_V2, _filter_with_two_children),
    (_V2, _prefix_beside_filter),
    (_V2, _priority_not_an_integer),
    (_V2, _empty_tag_key),
    (_V1, _v2_element_in_v1),
    (_V1, _v1_two_destinations),
    (_V1, _v1_overlapping_prefixes),
    (None, _owner_override_without_account),
    (None, _kms_opt_in_without_key),
    (None, _empty_source_selection_criteria),
    (None, _rule_id_too_long),
    (None, _duplicate_rule_ids),
    (None, _unsupported_storage_class),
    (None, _invalid_role),
    (None, _invalid_bucket_arn),
    (None, _too_many_rules),
    (None, _existing_object_replication),
    (None, _no_rules),
    (None, _status_in_wrong_case),
    (None, _unknown_storage_class),
    (None, _missing_member),
    (None, _unknown_member),
)


@st.composite
def _invalid_configurations(
    draw: st.DrawFn,
    bases: Mapping[SchemaVersion | None, st.SearchStrategy[ReplicationConfiguration]],
    breaks: Sequence[tuple[SchemaVersion | None, _Breaker]] = _BREAKS,
) -> tuple[dict[str, Any], str]:
    # The break first, so that Hypothesis shrinks towards the first break of the table.
    schema, breaker = draw(st.sampled_from(breaks))
    config = replication_to_dict(draw(bases[schema]))
    code = breaker(draw, config)
    return config, code


def invalid_replication_configurations(
    *,
    role: st.SearchStrategy[str] | None = None,
    destinations: st.SearchStrategy[Destination] | None = None,
) -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    """``(configuration, code)``: valid-looking configurations broken in exactly one way.

    Each configuration is a valid one from :func:`replication_configurations`, in
    the boto3 / AWS CLI dict form (``s3repl.codec.replication_to_dict``), then broken
    once, following SPEC section 2 (R-022..R-047): a V2 rule without ``Priority`` or
    ``DeleteMarkerReplication``, a tag filter replicating delete markers, RTC or
    event-threshold minutes other than 15, an event threshold without RTC, RTC
    without metrics, duplicate priorities or IDs, a V1 rule among V2 rules, a V2-only
    element in V1, two V1 destinations, overlapping V1 prefixes, an owner override
    without ``Account``, the SSE-KMS opt-in without a replica key, an empty
    ``SourceSelectionCriteria``, a rule ID over 255 characters, ``FSX_OPENZFS``, bad
    role or bucket ARNs, 1,001 rules, and the schema errors (``MalformedXML``: no rule,
    a missing or unknown member, an enum in the wrong case, two filter conditions
    without ``And``, ``Not`` without the profile switch, ``ExistingObjectReplication``).

    Why dicts: several breaks (a string priority, an unknown member, no rules) cannot
    be model values, whose constructors refuse them.  Feed the dict through the path
    ``PutBucketReplication`` takes: ``s3repl.codec.replication_from_dict`` (which
    raises ``MalformedXML`` for schema breaks) then
    ``s3repl.validate.validate_replication`` in a world where the unbroken
    configuration is accepted (versioned source, every named destination existing
    and versioned, default profile); the first problem's code is ``code``.  Every
    break is in the document, so it comes before any problem of the world (R-055).
    A world lacking a bucket the break introduces (the second V1 destination) also
    reports R-003, after it.

    Args:
        role: role ARNs for the unbroken configurations (default: any).
        destinations: destinations for the unbroken configurations (default: any;
            pass the buckets of your world).

    Returns:
        A strategy of ``(dict, code)`` pairs; ``code`` is an AWS error code such as
        ``"InvalidRequest"``, ``"InvalidArgument"``, ``"InvalidStorageClass"`` or
        ``"MalformedXML"``.
    """
    bases = {
        schema: replication_configurations(role=role, destinations=destinations, schema=schema)
        for schema in (_V2, _V1, None)
    }
    return _invalid_configurations(bases)


# ``st.from_type(WorldSpec)``: registered here, where the type lives (the entry-point
# hook in ``_hypothesis_setup`` registers the model types).
st.register_type_strategy(WorldSpec, lambda _thing: worlds())
