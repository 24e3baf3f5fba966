"""PutBucketReplication validation, and the requirements AWS only enforces later.

Theory of operation
-------------------

Two questions, two pure functions over a :class:`~s3repl.world.World`:

1. :func:`validate_replication` -- *would AWS accept this configuration now?*  It
   returns **every** :class:`Problem`, in the order AWS checks them, so that
   ``problems[0]`` is the error ``PutBucketReplication`` answers with (the engine
   raises ``problems[0].to_error()``).  The model values already refused what is not
   even a document (``MalformedXML`` for missing members, bad enums, R-045); what
   follows is every check AWS makes after parsing.  The order is SPEC R-055 (an INF
   reading: AWS documents no order; observed are only "R-002 before R-003"):

   ====  =================================================  ==========================
   step  what                                               requirements
   ====  =================================================  ==========================
   0     the source bucket exists (normally the engine's)   R-050
   1     the schema of this era: elements AWS no longer     R-031, R-022/R-069
         accepts, or does not accept yet (``MalformedXML``)
   2     the source bucket's versioning is ``Enabled``      R-002
   3     the document: rule count, role ARN                 R-020/R-046, R-047
   4     each rule in document order, through the table     R-021/R-044, R-032..R-035,
         ``_RULE_CHECKS``                                   R-038, R-040..R-042,
                                                            R-026, R-028..R-030,
                                                            R-047, R-173, R-025
   5     across rules: unique IDs, one V1 destination,      R-044, R-036, R-037,
         no overlapping V1 prefixes, unique priorities      R-043/R-066
   6     every destination exists and is versioned, even    R-003
         for ``Disabled`` rules (a missing bucket gets the
         very same message)
   7     strict profile only: destinations that would       R-176, R-001, R-013, R-009
         fail every object
   8     the Object Lock token (profile switch)             R-011
   ====  =================================================  ==========================

2. :func:`check_requirements` -- *AWS accepted it; will objects replicate?*  AWS
   checks neither the role nor the destinations' permissions, regions, Object Lock
   or KMS keys at configuration time (R-027, R-047): objects fail later, one by one,
   with a documented failure reason.  This function predicts those failures for
   the bucket's stored configuration and returns them as :class:`Finding` values,
   each naming the :class:`~s3repl.model.enums.FailureReason` objects would get.
   Only enabled rules matter (R-065).  Order: the configuration and the role (R-006),
   then each destination in order of first use (R-005, R-001, R-013, R-009), then each
   enabled rule in document order (R-155/R-158, R-010, R-012, R-014/R-027).  A
   finding that several rules share is reported once, for the first of them.

Messages are AWS's own text wherever it has been observed (SPEC grade OBS) and are
matched byte for byte; everything else is marked ``# unverified`` below with where
the text comes from (an emulator's text, ``EMU``, or our own wording, ``INF``).

Labelling: ``Problem.rule_id`` / ``Finding.rule_id`` is the rule's own ``ID`` and
``None`` when the rule has none (AWS only generates one once it accepts the
configuration).  The rule's position is always in ``Problem.element``, an XPath-like
path with 1-based indices, such as ``ReplicationConfiguration/Rule[2]/Priority``, so an
index label never masquerades as an ID a user could also have chosen.

The permission helpers (``role_allows``, ``permission_decision``, ``object_arn``) live
in ``s3repl.policy`` and are re-exported here: findings and task application read
permissions through one function, so they can never disagree.  So does the table of
R-158 (which permission, on which side, when, and which failure reason its absence
causes): findings iterate ``s3repl.policy.permission_needs``, and task application
reads the same rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol, TypeAlias, runtime_checkable

import attrs

from s3repl import iam
from s3repl.codec import replication_from_dict, replication_from_xml
from s3repl.errors import MalformedXML, S3Error, error_class
from s3repl.model import (
    Bucket,
    FailureReason,
    ReplicationConfiguration,
    ReplicationRule,
    SchemaVersion,
    Status,
    StorageClass,
)
from s3repl.model.names import (
    BucketArn,
    Partition,
    RoleArn,
    check_bucket_name,
    partition_of_region,
)
from s3repl.policy import (
    object_arn,
    permission_decision,
    permission_needs,
    role_allows,
)
from s3repl.world import Role, World

__all__ = [
    "DESTINATION_VERSIONING_MESSAGE",
    "OBJECT_LOCK_TOKEN_MESSAGE",
    "REPLICATION_RULES_MAX",
    "RULE_ID_LENGTH_MAX",
    "SOURCE_VERSIONING_MESSAGE",
    "VERSIONING_LOCKED_MESSAGE",
    "ConfigurationInput",
    "Finding",
    "Problem",
    "SupportsSnapshot",
    "as_configuration",
    "check_requirements",
    "object_arn",
    "permission_decision",
    "role_allows",
    "validate_replication",
]

# --- messages ------------------------------------------------------------------------
# OBS texts are AWS's, byte for byte.  The others are marked "# unverified" with their
# source: EMU (an emulator's text that SPEC quotes) or INF (our own wording).

#: R-002 (OBS): the source bucket's versioning is not ``Enabled``. No trailing period.
SOURCE_VERSIONING_MESSAGE = (
    "Versioning must be 'Enabled' on the bucket to apply a replication configuration"
)
#: R-003 (OBS): a destination is missing or not versioned. With the period.
DESTINATION_VERSIONING_MESSAGE = "Destination bucket must have versioning enabled."
#: R-004 (OBS, ``InvalidBucketState`` 409): for the engine's PutBucketVersioning.
VERSIONING_LOCKED_MESSAGE = (
    "A replication configuration is present on this bucket, so you cannot change the "
    "versioning state. To change the versioning state, first delete the replication "
    "configuration."
)
#: R-011 (OBS, 2023): an Object Lock source without the token, under the profile switch.
OBJECT_LOCK_TOKEN_MESSAGE = (
    "Replication configuration cannot be applied to an Object Lock enabled bucket"
)
_NO_SUCH_BUCKET_MESSAGE = "The specified bucket does not exist"  # R-050 (OBS)
_EMPTY_SSC_MESSAGE = "SourceSelectionCriteria cannot be empty"  # R-026 (OBS)
_DISTINCT_DESTINATIONS_MESSAGE = (  # R-036 (OBS)
    "Number of distinct destination bucket ARNs cannot exceed 1"
)
_EVENT_THRESHOLD_MESSAGE = (  # R-029 (OBS)
    "Metrics cannot contain an event threshold when ReplicationTime is not specified or Disabled"
)
# R-042: OBS-weak; AWS's reply quoted in public Terraform code ("Error putting S3
# replication configuration: InvalidRequest: ReplicaKmsKeyID must be specified if
# SseKmsEncryptedObjects tag is present."), not yet in SPEC.
_REPLICA_KMS_KEY_MESSAGE = (
    "ReplicaKmsKeyID must be specified if SseKmsEncryptedObjects tag is present."
)
# R-033/R-034/R-035/R-038: AWS's template.  OBS for "DeleteMarkerReplication cannot be
# used" (full text) and "DeleteMarkerReplication must be specified ... schema." (the
# observed text stops there; SPEC R-033 infers the suffix, which two emulators also
# send); the other elements are unverified (INF) uses of the same template.
_SCHEMA_TEMPLATE = (
    "{element} {verb} for this version of Cross Region Replication configuration schema. "
    "Please refer to S3 Developer Guide for more information."
)
_TOO_MANY_RULES_MESSAGE = (  # unverified (EMU): R-046, SCAL
    "Number of defined replication rules cannot exceed 1000"
)
_RULE_ID_TOO_LONG_MESSAGE = "Rule Id cannot be greater than 255"  # unverified (EMU): R-044
_RULE_ID_DUPLICATE_MESSAGE = "Rule Id must be unique"  # unverified (EMU): R-044
_INVALID_ROLE_MESSAGE = (  # unverified (EMU): R-047, SCAL and E1
    "Invalid Role specified in replication configuration"
)
_INVALID_BUCKET_ARN_MESSAGE = "Invalid bucket ARN"  # unverified (EMU): R-047
_INVALID_BUCKET_MESSAGE = "The specified bucket is not valid"  # unverified (EMU): R-047
_SAME_BUCKET_MESSAGE = (  # unverified (EMU): R-173, E1
    "Destination bucket cannot be the same as the source bucket."
)
_TAG_DELETE_MARKER_MESSAGE = (  # unverified (EMU): R-040, E1 (MinIO agrees)
    "Delete marker replication is not supported if any Tag filter is specified."
)
_ACCOUNT_REQUIRED_MESSAGE = (  # unverified (EMU): R-041
    "Account must be specified if the Owner in AccessControlTranslation has a value"
)
_RTC_WITHOUT_METRICS_MESSAGE = (  # unverified (EMU): R-030, E1
    "Replication destination must contain both ReplicationTime and Metrics or neither."
)
# R-025 (INF): S3's usual InvalidStorageClass text; the replication case is not observed.
_STORAGE_CLASS_MESSAGE = "The storage class you specified is not valid"  # unverified (INF)
_MINUTES_MESSAGE = "Invalid time minute value"  # unverified (EMU): R-028, E1
_OVERLAPPING_PREFIXES_TEMPLATE = (  # unverified (EMU): R-037, SCAL
    "Found overlapping prefixes '{first}' and '{second}'"
)
# unverified (EMU): R-043; SPEC quotes no text; an emulator's (another one says "overlapping").
_DUPLICATE_PRIORITY_TEMPLATE = "Found duplicate priority {priority}."
_REGION_NOT_ENABLED_TEMPLATE = (  # unverified (INF): R-176 strict, R-001
    "The Region {region} is not enabled for account {account}."
)
_REQUESTER_PAYS_MESSAGE = (  # unverified (INF): R-176 strict, R-013
    "Destination bucket cannot be a Requester Pays bucket owned by another account."
)
_LOCK_MISSING_MESSAGE = (  # unverified (INF): R-176 strict, R-009
    "Destination bucket must have Object Lock enabled when the source bucket has Object "
    "Lock enabled."
)

#: R-020, R-046: the most rules a configuration may hold.
REPLICATION_RULES_MAX = 1000
#: R-021, R-044: the longest rule ``ID``, in characters.
RULE_ID_LENGTH_MAX = 255
#: R-028: the only value AWS accepts for RTC and event-threshold minutes.
_RTC_MINUTES = 15

_CODE_INVALID_REQUEST = "InvalidRequest"
_CODE_INVALID_ARGUMENT = "InvalidArgument"
_CODE_MALFORMED_XML = "MalformedXML"
_CODE_INVALID_STORAGE_CLASS = "InvalidStorageClass"
_ROOT = "ReplicationConfiguration"


# --- values ----------------------------------------------------------------------------


def _known_code(_instance: object, _attribute: object, value: str) -> None:
    try:
        error_class(value)
    except KeyError:
        msg = f"{value!r} is not an S3 error code s3repl knows"
        raise ValueError(msg) from None


@attrs.frozen(kw_only=True)
class Problem:
    """One reason AWS would refuse a ``PutBucketReplication``.

    Attributes:
        code: the AWS error code, e.g. ``"InvalidRequest"``; always a code of
            :mod:`s3repl.errors`.
        message: the message AWS returns (exact where SPEC grades it OBS).
        requirement: the SPEC requirement, e.g. ``"R-036"``.
        rule_id: the offending rule's ``ID``; ``None`` for a problem of the whole
            configuration or of a rule without an ``ID``.
        element: where the problem is, e.g. ``ReplicationConfiguration/Rule[2]/Priority``
            (1-based indices), or ``None`` when it is about the bucket, not the document.
    """

    code: str = attrs.field(validator=_known_code)
    message: str
    requirement: str
    rule_id: str | None = None
    element: str | None = None

    @property
    def http_status(self) -> int:
        """The HTTP status AWS answers with (from the error class of :attr:`code`)."""
        return error_class(self.code).http_status

    def to_error(self, *, bucket_name: str | None = None) -> S3Error:
        """Build the :class:`~s3repl.errors.S3Error` subclass named by :attr:`code`.

        Args:
            bucket_name: the bucket to name in the error body, if any.

        Returns:
            The error, ready to raise; it carries :attr:`message` and :attr:`element`.
        """
        return error_class(self.code)(self.message, bucket_name=bucket_name, element=self.element)


@attrs.frozen(kw_only=True)
class Finding:
    """A requirement AWS does not check at configuration time, unmet now.

    Objects that the configuration selects would fail (or lose something) with
    :attr:`failure_reason` when the engine replicates them.

    Attributes:
        requirement: the SPEC requirement, e.g. ``"R-155"``.
        failure_reason: the reason objects would get (R-127, R-158).
        message: a human explanation naming the role, bucket and permission.
        rule_id: the ``ID`` of the first enabled rule affected, or ``None`` when the
            finding is about the whole configuration (or that rule has no ``ID``).
        destination_bucket: the destination bucket concerned, or ``None``.
    """

    requirement: str
    failure_reason: FailureReason = attrs.field(converter=FailureReason)
    message: str
    rule_id: str | None = None
    destination_bucket: str | None = None


@runtime_checkable
class SupportsSnapshot(Protocol):
    """Anything that can hand out a :class:`~s3repl.world.World`, such as the engine."""

    def snapshot(self) -> World:
        """Return the current state as an immutable World."""
        ...  # pragma: no cover


def _world_of(world_or_engine: object) -> World:
    """The World itself, or the ``snapshot()`` of an engine (duck-typed)."""
    world = world_or_engine
    if not isinstance(world, World) and isinstance(world, SupportsSnapshot):
        world = world.snapshot()
    if isinstance(world, World):
        return world
    msg = f"expected a World or an object with .snapshot() -> World, got {world_or_engine!r}"
    raise TypeError(msg)


# --- validation context ----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Context:
    """What every check may read: the world, the source and the candidate configuration."""

    world: World
    bucket: str
    source: Bucket | None
    config: ReplicationConfiguration

    @property
    def partition(self) -> Partition | None:
        """The source's partition, when the source is known."""
        return None if self.source is None else partition_of_region(self.source.region)


@attrs.frozen(kw_only=True)
class _At:
    """A rule and its 0-based index in the document."""

    index: int
    rule: ReplicationRule

    def path(self, suffix: str = "") -> str:
        """The element path of the rule, or of ``suffix`` inside it."""
        base = f"{_ROOT}/Rule[{self.index + 1}]"
        return f"{base}/{suffix}" if suffix else base

    def problem(self, code: str, message: str, requirement: str, suffix: str = "") -> Problem:
        """A problem located at ``suffix`` inside this rule."""
        return Problem(
            code=code,
            message=message,
            requirement=requirement,
            rule_id=self.rule.id or None,
            element=self.path(suffix),
        )


def _rules(config: ReplicationConfiguration) -> Iterator[_At]:
    return (_At(index=i, rule=rule) for i, rule in enumerate(config.rules))


# --- step 1: the schema of this era ------------------------------------------------------


def _era_schema_problems(ctx: _Context) -> Iterator[Problem]:
    """R-031, R-022/R-069: elements AWS answers with ``MalformedXML``."""
    profile = ctx.world.profile
    for at in _rules(ctx.config):
        # ExistingObjectReplication is no longer supported (any status).
        if (
            at.rule.existing_object_replication is not None
            and not profile.allow_existing_object_replication
        ):
            yield at.problem(
                _CODE_MALFORMED_XML,
                MalformedXML.DEFAULT_MESSAGE,
                "R-031",
                "ExistingObjectReplication",
            )
        # Not/Or are absent from the schema this profile models.
        if (
            at.rule.filter is not None
            and at.rule.filter.uses_not
            and not profile.enable_not_or_filters
        ):
            yield at.problem(_CODE_MALFORMED_XML, MalformedXML.DEFAULT_MESSAGE, "R-022", "Filter")


# --- step 3: the document ------------------------------------------------------------------


def _document_problems(ctx: _Context) -> Iterator[Problem]:
    """R-020/R-046 (rule count) and R-047 (role ARN)."""
    count = len(ctx.config.rules)
    if count > REPLICATION_RULES_MAX:
        yield Problem(
            code=_CODE_INVALID_REQUEST,
            message=_TOO_MANY_RULES_MESSAGE,
            requirement="R-046",
            element=f"{_ROOT}/Rule",
        )
    if not _valid_role_arn(ctx.config.role, ctx.partition):
        yield Problem(
            code=_CODE_INVALID_ARGUMENT,
            message=_INVALID_ROLE_MESSAGE,
            requirement="R-047",
            element=f"{_ROOT}/Role",
        )


def _valid_role_arn(text: str, partition: Partition | None) -> bool:
    """R-047: a role ARN, in the source's partition when that is known (INF)."""
    try:
        arn = RoleArn.parse(text)
    except ValueError:
        return False
    return partition is None or arn.partition is partition


_ARN_SHAPE = re.compile(r"arn:([^:]*):s3:::(.*)", re.DOTALL)


def _bucket_arn_message(text: str, partition: Partition | None) -> str | None:
    """R-047: why ``text`` is not a usable destination bucket ARN, or ``None``.

    Not ``arn:<partition>:s3:::<name>`` (or another partition than the source's, which
    replication cannot reach, INF) -> "Invalid bucket ARN"; the right shape around a
    name S3 would never accept -> "The specified bucket is not valid".
    """
    match = _ARN_SHAPE.fullmatch(text)
    valid_partitions = {p.value for p in Partition}
    if match is None or match[1] not in valid_partitions or not match[2]:
        return _INVALID_BUCKET_ARN_MESSAGE
    if partition is not None and match[1] != partition.value:
        return _INVALID_BUCKET_ARN_MESSAGE
    try:
        check_bucket_name(match[2])
        BucketArn.parse(text)
    except ValueError:
        return _INVALID_BUCKET_MESSAGE
    return None


# --- step 4: each rule (the table) -----------------------------------------------------------

#: A per-rule check: given the context and a rule, yield its problems.
_RuleCheck = Callable[[_Context, _At], Iterable[Problem]]


def _schema(element: str, verb: str) -> str:
    return _SCHEMA_TEMPLATE.format(element=element, verb=verb)


def _check_id_length(_ctx: _Context, at: _At) -> Iterator[Problem]:
    """R-021, R-044: an ``ID`` has at most 255 characters."""
    if at.rule.id is not None and len(at.rule.id) > RULE_ID_LENGTH_MAX:
        yield at.problem(_CODE_INVALID_ARGUMENT, _RULE_ID_TOO_LONG_MESSAGE, "R-044", "ID")


def _has_replica_modifications(rule: ReplicationRule) -> bool:
    criteria = rule.source_selection_criteria
    return criteria is not None and criteria.replica_modifications is not None


#: R-035 (and INF for the last three): elements a V1 rule cannot carry, as
#: (element named in the message, path inside the rule, presence test).
_V1_FORBIDDEN: tuple[tuple[str, str, Callable[[ReplicationRule], bool]], ...] = (
    ("Priority", "Priority", lambda rule: rule.priority is not None),
    (
        "DeleteMarkerReplication",
        "DeleteMarkerReplication",
        lambda rule: rule.delete_marker_replication is not None,
    ),
    (
        "ReplicaModifications",
        "SourceSelectionCriteria/ReplicaModifications",
        _has_replica_modifications,
    ),
    (
        "ReplicationTime",
        "Destination/ReplicationTime",
        lambda rule: rule.destination.replication_time is not None,
    ),
    ("Metrics", "Destination/Metrics", lambda rule: rule.destination.metrics is not None),
)

#: R-034, R-033: elements a V2 rule must carry, as (element, requirement, absence test).
_V2_REQUIRED: tuple[tuple[str, str, Callable[[ReplicationRule], bool]], ...] = (
    ("Priority", "R-034", lambda rule: rule.priority is None),
    ("DeleteMarkerReplication", "R-033", lambda rule: rule.delete_marker_replication is None),
)


def _check_schema_version(ctx: _Context, at: _At) -> Iterator[Problem]:
    """R-032..R-035, R-038: each rule against the configuration's schema version.

    The configuration is V2 as soon as one rule has a ``Filter`` (R-032).  In a V1
    configuration, V2-only elements "cannot be used" (R-035).  In a V2 configuration,
    ``Priority`` and ``DeleteMarkerReplication`` "must be specified" (R-034, R-033), and
    a rule-level ``Prefix`` (a V1 rule mixed in) "cannot be used" (R-038, INF).
    """
    rule = at.rule
    if ctx.config.schema_version is SchemaVersion.V1:
        for element, path, present in _V1_FORBIDDEN:
            if present(rule):
                yield at.problem(
                    _CODE_INVALID_REQUEST, _schema(element, "cannot be used"), "R-035", path
                )
        return
    if rule.schema_version is SchemaVersion.V1:
        yield at.problem(
            _CODE_INVALID_REQUEST, _schema("Prefix", "cannot be used"), "R-038", "Prefix"
        )
    for element, requirement, absent in _V2_REQUIRED:
        if absent(rule):
            yield at.problem(
                _CODE_INVALID_REQUEST, _schema(element, "must be specified"), requirement, element
            )


def _check_tag_delete_markers(_ctx: _Context, at: _At) -> Iterator[Problem]:
    """R-040: a filter with any tag (``Not``/``Or`` included) cannot replicate markers."""
    rule = at.rule
    if (
        rule.filter is not None
        and rule.filter.mentions_tags
        and rule.delete_marker_replication is Status.ENABLED
    ):
        yield at.problem(
            _CODE_INVALID_REQUEST, _TAG_DELETE_MARKER_MESSAGE, "R-040", "DeleteMarkerReplication"
        )


def _check_selection_criteria(_ctx: _Context, at: _At) -> Iterator[Problem]:
    """R-026 (empty ``SourceSelectionCriteria``) and R-042 (KMS opt-in without a key).

    R-042 fires on the *presence* of ``SseKmsEncryptedObjects``, whatever its status:
    AWS's message says "tag is present", and the Terraform code quoting it notes that
    setting the status to Disabled does not avoid it (INF from that evidence).
    """
    criteria = at.rule.source_selection_criteria
    if criteria is None:
        return
    if criteria.sse_kms_encrypted_objects is None and criteria.replica_modifications is None:
        yield at.problem(
            _CODE_INVALID_REQUEST, _EMPTY_SSC_MESSAGE, "R-026", "SourceSelectionCriteria"
        )
    encryption = at.rule.destination.encryption_configuration
    if criteria.sse_kms_encrypted_objects is not None and (
        encryption is None or not encryption.replica_kms_key_id
    ):
        yield at.problem(
            _CODE_INVALID_REQUEST,
            _REPLICA_KMS_KEY_MESSAGE,
            "R-042",
            "Destination/EncryptionConfiguration/ReplicaKmsKeyID",
        )


def _check_destination_bucket(ctx: _Context, at: _At) -> Iterator[Problem]:
    """R-047 (bucket ARN) and R-173 (destination = source, INF: reject)."""
    arn = at.rule.destination.bucket
    message = _bucket_arn_message(arn, ctx.partition)
    if message is not None:
        yield at.problem(_CODE_INVALID_ARGUMENT, message, "R-047", "Destination/Bucket")
    elif at.rule.destination.bucket_name == ctx.bucket:
        yield at.problem(_CODE_INVALID_REQUEST, _SAME_BUCKET_MESSAGE, "R-173", "Destination/Bucket")


def _check_storage_class(_ctx: _Context, at: _At) -> Iterator[Problem]:
    """R-025, R-089: ``FSX_OPENZFS`` is in the enum but not accepted for replication."""
    if at.rule.destination.storage_class is StorageClass.FSX_OPENZFS:
        yield at.problem(
            _CODE_INVALID_STORAGE_CLASS,
            _STORAGE_CLASS_MESSAGE,
            "R-025",
            "Destination/StorageClass",
        )


def _check_owner_override(_ctx: _Context, at: _At) -> Iterator[Problem]:
    """R-041: ``AccessControlTranslation`` needs ``Account``."""
    destination = at.rule.destination
    if destination.access_control_translation is not None and not destination.account:
        yield at.problem(
            _CODE_INVALID_REQUEST, _ACCOUNT_REQUIRED_MESSAGE, "R-041", "Destination/Account"
        )


def _check_time_control(_ctx: _Context, at: _At) -> Iterator[Problem]:
    """R-030, R-028, R-029: RTC needs Metrics; 15 minutes only; thresholds need RTC on."""
    rtc = at.rule.destination.replication_time
    metrics = at.rule.destination.metrics
    if rtc is not None and metrics is None:
        yield at.problem(
            _CODE_INVALID_REQUEST, _RTC_WITHOUT_METRICS_MESSAGE, "R-030", "Destination/Metrics"
        )
    if rtc is not None and rtc.minutes != _RTC_MINUTES:
        yield at.problem(
            _CODE_INVALID_ARGUMENT,
            _MINUTES_MESSAGE,
            "R-028",
            "Destination/ReplicationTime/Time/Minutes",
        )
    if metrics is None or metrics.event_threshold_minutes is None:
        return
    if rtc is None or rtc.status is not Status.ENABLED:
        yield at.problem(
            _CODE_INVALID_ARGUMENT,
            _EVENT_THRESHOLD_MESSAGE,
            "R-029",
            "Destination/Metrics/EventThreshold",
        )
    if metrics.event_threshold_minutes != _RTC_MINUTES:
        yield at.problem(
            _CODE_INVALID_ARGUMENT,
            _MINUTES_MESSAGE,
            "R-028",
            "Destination/Metrics/EventThreshold/Minutes",
        )


#: The per-rule checks, in the order they run on each rule (step 4 of the module
#: docstring); each names its requirements.  The order inside a rule is INF: rule
#: members first (ID, schema version, delete markers, selection criteria), then the
#: destination (bucket, owner override, RTC and metrics).
_RULE_CHECKS: tuple[tuple[str, _RuleCheck], ...] = (
    ("R-044", _check_id_length),
    ("R-032..R-035, R-038", _check_schema_version),
    ("R-040", _check_tag_delete_markers),
    ("R-026, R-042", _check_selection_criteria),
    ("R-047, R-173", _check_destination_bucket),
    ("R-025, R-089", _check_storage_class),
    ("R-041", _check_owner_override),
    ("R-028..R-030", _check_time_control),
)


def _rule_problems(ctx: _Context) -> Iterator[Problem]:
    for at in _rules(ctx.config):
        for _requirements, check in _RULE_CHECKS:
            yield from check(ctx, at)


# --- step 5: across rules ------------------------------------------------------------------


def _duplicate_ids(ctx: _Context) -> Iterator[Problem]:
    """R-044: rule IDs are unique (rules without an ID get a fresh one from AWS)."""
    seen: set[str] = set()
    for at in _rules(ctx.config):
        rule_id = at.rule.id
        if not rule_id:
            continue
        if rule_id in seen:
            yield at.problem(_CODE_INVALID_ARGUMENT, _RULE_ID_DUPLICATE_MESSAGE, "R-044", "ID")
        seen.add(rule_id)


def _v1_destinations(ctx: _Context) -> Iterator[Problem]:
    """R-036: a V1 configuration names one destination ARN (reported at the second)."""
    if ctx.config.schema_version is not SchemaVersion.V1:
        return
    first = ctx.config.rules[0].destination.bucket
    for at in _rules(ctx.config):
        if at.rule.destination.bucket != first:
            yield at.problem(
                _CODE_INVALID_REQUEST,
                _DISTINCT_DESTINATIONS_MESSAGE,
                "R-036",
                "Destination/Bucket",
            )
            return


def _v1_overlapping_prefixes(ctx: _Context) -> Iterator[Problem]:
    """R-037: no V1 prefix may start with another (``""`` overlaps every prefix, INF).

    One problem per overlapping pair, at the later rule, pairs ordered by the later
    rule's index then the earlier one's.  Sorting the prefixes puts every prefix right
    before the prefixes that extend it, so this is O(n log n + pairs).
    """
    if ctx.config.schema_version is not SchemaVersion.V1:
        return
    ordered = sorted((at.rule.key_prefix, at.index) for at in _rules(ctx.config))
    pairs: list[tuple[int, int]] = []
    for position, (prefix, index) in enumerate(ordered):
        for other_prefix, other_index in ordered[position + 1 :]:
            if not other_prefix.startswith(prefix):
                break
            pairs.append((max(index, other_index), min(index, other_index)))
    rules = ctx.config.rules
    for later, earlier in sorted(pairs):
        message = _OVERLAPPING_PREFIXES_TEMPLATE.format(
            first=rules[earlier].key_prefix, second=rules[later].key_prefix
        )
        yield _At(index=later, rule=rules[later]).problem(
            _CODE_INVALID_REQUEST, message, "R-037", "Prefix"
        )


def _duplicate_priorities(ctx: _Context) -> Iterator[Problem]:
    """R-043, R-066: no two rules share a ``Priority`` (profile ``reject_duplicate_priorities``).

    Reading (INF): *every* two rules, whatever their filters, destinations and status.
    AWS documents none; the evidence is community reports ("Priority must be unique
    between multiple rules", Terraform's docs), Ceph's "aligned with AWS" check and
    two emulators, all of which refuse any repeat -- and the 2018 AWS example with two
    ``Priority 1`` rules was corrected.  Reported at each rule that repeats a priority.
    With the switch off, ties are broken by rule order at routing time (R-066).
    """
    if not ctx.world.profile.reject_duplicate_priorities:
        return
    seen: set[int] = set()
    for at in _rules(ctx.config):
        priority = at.rule.priority
        if priority is None:
            continue
        if priority in seen:
            yield at.problem(
                _CODE_INVALID_REQUEST,
                _DUPLICATE_PRIORITY_TEMPLATE.format(priority=priority),
                "R-043",
                "Priority",
            )
        seen.add(priority)


# --- steps 6 and 7: destinations -------------------------------------------------------------


def _destinations(ctx: _Context) -> Iterator[_At]:
    """The first rule naming each distinct, well-formed destination other than the source."""
    seen: set[str] = set()
    for at in _rules(ctx.config):
        destination = at.rule.destination
        name = destination.bucket_name
        if name in seen or name == ctx.bucket:
            continue
        if _bucket_arn_message(destination.bucket, ctx.partition) is not None:
            continue
        seen.add(name)
        yield at


def _destination_versioning(ctx: _Context) -> Iterator[Problem]:
    """R-003: each destination exists and is versioned; ``Disabled`` rules included."""
    for at in _destinations(ctx):
        dest = ctx.world.bucket(at.rule.destination.bucket_name)
        if dest is None or not dest.is_versioned:
            yield at.problem(
                _CODE_INVALID_REQUEST, DESTINATION_VERSIONING_MESSAGE, "R-003", "Destination/Bucket"
            )


def _unsupported_destinations(ctx: _Context) -> Iterator[Problem]:
    """R-176 strict (profile ``reject_unsupported_destination_at_put``), INF throughout.

    Refuses a destination in a Region an owner has not enabled (R-001), a Requester
    Pays destination of another account (R-013), and an unlocked destination for an
    Object Lock source (R-009).
    """
    if not ctx.world.profile.reject_unsupported_destination_at_put or ctx.source is None:
        return
    for at in _destinations(ctx):
        dest = ctx.world.bucket(at.rule.destination.bucket_name)
        if dest is None:
            continue
        for account, region in _disabled_regions(ctx.world, ctx.source, dest):
            yield at.problem(
                _CODE_INVALID_REQUEST,
                _REGION_NOT_ENABLED_TEMPLATE.format(region=region, account=account),
                "R-176",
                "Destination/Bucket",
            )
        if dest.requester_pays and dest.owner != ctx.source.owner:
            yield at.problem(
                _CODE_INVALID_REQUEST, _REQUESTER_PAYS_MESSAGE, "R-176", "Destination/Bucket"
            )
        if ctx.source.object_lock_enabled and not dest.object_lock_enabled:
            yield at.problem(
                _CODE_INVALID_REQUEST, _LOCK_MISSING_MESSAGE, "R-176", "Destination/Bucket"
            )


def _disabled_regions(world: World, source: Bucket, dest: Bucket) -> tuple[tuple[str, str], ...]:
    """R-001: (account, region) pairs that must be enabled and are not, deduplicated.

    The source owner needs the source and the destination Regions, the destination
    owner the destination Region.
    """
    needed = (
        (source.owner, source.region),
        (source.owner, dest.region),
        (dest.owner, dest.region),
    )
    missing = [pair for pair in needed if not world.account(pair[0]).region_enabled(pair[1])]
    return tuple(dict.fromkeys(missing))


# --- step 8: the Object Lock token -------------------------------------------------------------


def _object_lock_token(ctx: _Context, token: str | None) -> Iterator[Problem]:
    """R-011: under ``object_lock_replication_requires_token``, a lock source needs a token."""
    if (
        ctx.world.profile.object_lock_replication_requires_token
        and ctx.source is not None
        and ctx.source.object_lock_enabled
        and not token
    ):
        yield Problem(
            code=_CODE_INVALID_REQUEST, message=OBJECT_LOCK_TOKEN_MESSAGE, requirement="R-011"
        )


# --- validate_replication ----------------------------------------------------------------------


#: What the entry points accept as a configuration, as ``Engine.put_bucket_replication``
#: does: the model value, boto3's dict, or the XML document.
ConfigurationInput: TypeAlias = ReplicationConfiguration | Mapping[str, Any] | str | bytes


def as_configuration(config: ConfigurationInput) -> ReplicationConfiguration:
    """The model value of a configuration given in any form the entry points accept.

    Args:
        config: a :class:`ReplicationConfiguration`, boto3's dict, or the XML document.

    Raises:
        S3Error: the codec's error for a document that does not decode
            (``MalformedXML``, R-045).
    """
    if isinstance(config, ReplicationConfiguration):
        return config
    if isinstance(config, str | bytes):
        return replication_from_xml(config)
    return replication_from_dict(config)


def validate_replication(
    world_or_engine: World | SupportsSnapshot,
    bucket: str,
    config: ConfigurationInput,
    *,
    token: str | None = None,
) -> tuple[Problem, ...]:
    """Every reason AWS would refuse ``PutBucketReplication(bucket, config)``, in AWS order.

    The first problem is the error AWS answers with (R-055); an empty tuple means the
    call succeeds.  The order is described in the module docstring.  Caller permissions
    (R-007, R-054) are the engine's to check.

    Args:
        world_or_engine: a :class:`~s3repl.world.World`, or anything whose
            ``snapshot()`` returns one (such as the engine).
        bucket: the source bucket's name.
        config: the candidate configuration: a model value, boto3's dict or the XML
            document, as ``Engine.put_bucket_replication`` takes it.  A document that
            does not even decode gives one problem, the codec's error (``MalformedXML``,
            R-045), after ``NoSuchBucket`` if the bucket is missing too.
        token: the ``x-amz-bucket-object-lock-token`` header, if sent (R-011).

    Returns:
        Every problem, ``problems[0]`` first to be raised (``problems[0].to_error()``).

    Raises:
        TypeError: when ``world_or_engine`` is neither a World nor has ``snapshot()``.
    """
    world = _world_of(world_or_engine)
    source = world.bucket(bucket)
    problems: list[Problem] = []
    if source is None:
        # normally the engine's (NoSuchBucket before anything else).
        problems.append(
            Problem(code="NoSuchBucket", message=_NO_SUCH_BUCKET_MESSAGE, requirement="R-050")
        )
    try:
        value = as_configuration(config)
    except S3Error as err:
        undecodable = Problem(
            code=err.code, message=err.message, requirement="R-045", element=err.element
        )
        return (*problems, undecodable)
    ctx = _Context(world=world, bucket=bucket, source=source, config=value)
    problems.extend(_era_schema_problems(ctx))
    if source is not None and not source.is_versioned:
        # never enabled and Suspended alike.
        problems.append(
            Problem(
                code=_CODE_INVALID_REQUEST, message=SOURCE_VERSIONING_MESSAGE, requirement="R-002"
            )
        )
    for step in (
        _document_problems,
        _rule_problems,
        _duplicate_ids,
        _v1_destinations,
        _v1_overlapping_prefixes,
        _duplicate_priorities,
        _destination_versioning,
        _unsupported_destinations,
    ):
        problems.extend(step(ctx))
    problems.extend(_object_lock_token(ctx, token))
    return tuple(problems)


# --- check_requirements ---------------------------------------------------------------------------


def check_requirements(
    world_or_engine: World | SupportsSnapshot,
    bucket: str,
    config: ConfigurationInput | None = None,
) -> tuple[Finding, ...]:
    """What would make objects fail under ``bucket``'s stored replication configuration.

    AWS accepts these at configuration time and fails objects later (see the module
    docstring); only enabled rules count (R-065).

    Args:
        world_or_engine: a :class:`~s3repl.world.World`, or anything whose
            ``snapshot()`` returns one (such as the engine).
        bucket: the source bucket's name.
        config: a configuration to judge instead of the stored one (a model value,
            boto3's dict or the XML document, as ``Engine.put_bucket_replication``
            takes it); ``None`` judges the bucket's stored configuration.

    Returns:
        Every finding, configuration and role first, then destinations, then rules;
        each distinct finding once.

    Raises:
        TypeError: when ``world_or_engine`` is neither a World nor has ``snapshot()``.
        S3Error: ``config`` does not decode (``MalformedXML``, R-045).
    """
    world = _world_of(world_or_engine)
    source = world.bucket(bucket)
    if source is None:
        return (
            Finding(
                requirement="R-127",
                failure_reason=FailureReason.SRC_BUCKET_NOT_FOUND,
                message=f"Source bucket {bucket} does not exist",
            ),
        )
    stored = source.replication if config is None else as_configuration(config)
    if stored is None:
        return (
            Finding(
                requirement="R-127",
                failure_reason=FailureReason.SRC_BUCKET_REPLICATION_CONFIG_MISSING,
                message=f"Bucket {bucket} has no replication configuration",
            ),
        )
    enabled = tuple(at for at in _rules(stored) if at.rule.is_enabled)
    findings: list[Finding] = []
    role = _assumable_role(world, stored.role, findings)
    destinations: dict[str, Bucket | None] = {}
    for at in enabled:
        name = at.rule.destination.bucket_name
        if name not in destinations:
            destinations[name] = _destination_findings(world, source, at, findings)
    if role is not None:
        for at in enabled:
            dest = destinations[at.rule.destination.bucket_name]
            if dest is not None:
                _permission_findings(world, source, dest, role, at, findings)
    return _first_of_each(findings)


def _first_of_each(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Each distinct finding once, attributed to the first rule it was found for."""
    kept: dict[tuple[str, FailureReason, str, str | None], Finding] = {}
    for finding in findings:
        key = (
            finding.requirement,
            finding.failure_reason,
            finding.message,
            finding.destination_bucket,
        )
        kept.setdefault(key, finding)
    return tuple(kept.values())


def _assumable_role(world: World, role_arn: str, findings: list[Finding]) -> Role | None:
    """R-006: the role exists and trusts ``s3.amazonaws.com``; else a finding and ``None``."""
    role = world.roles.get(role_arn)
    if role is None:
        message = f"Role {role_arn} does not exist, so S3 cannot assume it"
    elif not iam.can_assume(role.trust_policy):
        message = (
            f"The trust policy of role {role_arn} does not allow s3.amazonaws.com to call "
            "sts:AssumeRole"
        )
    else:
        return role
    findings.append(
        Finding(
            requirement="R-006",
            failure_reason=FailureReason.ASSUME_ROLE_NOT_PERMITTED,
            message=message,
        )
    )
    return None


def _destination_findings(
    world: World, source: Bucket, at: _At, findings: list[Finding]
) -> Bucket | None:
    """R-005, R-001/R-013 (R-176), R-009 for one destination; the bucket if it exists."""
    name = at.rule.destination.bucket_name
    rule_id = at.rule.id or None

    def add(requirement: str, reason: FailureReason, message: str) -> None:
        findings.append(
            Finding(
                requirement=requirement,
                failure_reason=reason,
                message=message,
                rule_id=rule_id,
                destination_bucket=name,
            )
        )

    dest = world.bucket(name)
    if dest is None:
        add(
            "R-005", FailureReason.DST_BUCKET_NOT_FOUND, f"Destination bucket {name} does not exist"
        )
        return None
    if not dest.is_versioned:
        add(
            "R-005",
            FailureReason.DST_BUCKET_UNVERSIONED,
            f"Destination bucket {name} has versioning {dest.versioning.value}, not Enabled",
        )
    for account, region in _disabled_regions(world, source, dest):
        add(
            "R-001",
            FailureReason.UNSUPPORTED_DESTINATION,
            f"Account {account} has not enabled the Region {region}, which replication "
            f"from {source.name} to {name} needs",
        )
    if dest.requester_pays and dest.owner != source.owner:
        add(
            "R-013",
            FailureReason.UNSUPPORTED_DESTINATION,
            f"Destination bucket {name} of account {dest.owner} is Requester Pays, which a "
            "cross-account destination cannot be",
        )
    if source.object_lock_enabled and not dest.object_lock_enabled:
        add(
            "R-009",
            FailureReason.DST_BUCKET_OBJECT_LOCK_CONFIG_MISSING,
            f"Source bucket {source.name} has Object Lock enabled but destination bucket "
            f"{name} does not",
        )
    return dest


def _permission_findings(
    world: World, source: Bucket, dest: Bucket, role: Role, at: _At, findings: list[Finding]
) -> None:
    """R-155/R-158, R-010, R-012, R-157 and R-014/R-027 for one enabled rule."""
    rule = at.rule
    pattern = f"{rule.key_prefix}*"

    def add(
        requirement: str, reason: FailureReason, message: str, *, about_source: bool = False
    ) -> None:
        # A source-side permission fails every destination alike: no destination named.
        findings.append(
            Finding(
                requirement=requirement,
                failure_reason=reason,
                message=message,
                rule_id=rule.id or None,
                destination_bucket=None if about_source else dest.name,
            )
        )

    for need in permission_needs(world, source, dest, rule):
        target = dest if need.on_destination else source
        resource = object_arn(target, pattern)
        if permission_decision(world, role, need.action, resource) is iam.Decision.ALLOW:
            continue
        consequence = need.consequence_under(world.profile)
        if _identity_allows(role, need.action, resource):
            # The role's own policy allows: the bucket's side refuses.  Across accounts
            # that is R-012 (the owner must grant); in one account an explicit deny.
            requirement = "R-012" if target.owner != role.account else need.requirement
            message = (
                f"The bucket policy of {target.name} (account {target.owner}) does not let "
                f"role {role.arn} use {need.action} on {resource}: {consequence}"
            )
        else:
            requirement = need.requirement
            message = f"Role {role.arn} is not allowed {need.action} on {resource}: {consequence}"
        add(requirement, need.reason, message, about_source=not need.on_destination)
    resource = object_arn(dest, pattern)
    if _bucket_policy_denies(world, role, dest, "s3:ReplicateTags", resource):
        add(
            "R-157",
            FailureReason.DST_PUT_TAGGING_NOT_PERMITTED,
            f"The bucket policy of {dest.name} explicitly denies role {role.arn} "
            f"s3:ReplicateTags on {resource}: replicas are written without their tags",
        )
    _kms_findings(world, dest, role, rule, add)


def _bucket_policy_denies(
    world: World, role: Role, target: Bucket, action: str, resource: str
) -> bool:
    """R-157: whether the bucket policy of ``target`` explicitly denies the role ``action``.

    Only the destination owner's refusal drops tags (``s3:ReplicateObject`` already
    authorises them), as in ``s3repl.policy``.
    """
    policy = world.bucket_policies.get(target.name)
    if policy is None:
        return False
    request = iam.Request(principal=role.arn, action=action, resource=resource)
    return iam.evaluate((policy,), request) is iam.Decision.EXPLICIT_DENY


def _identity_allows(role: Role, action: str, resource: str) -> bool:
    """Whether the role's own permission policy (alone) allows ``action`` on ``resource``."""
    request = iam.Request(principal=role.arn, action=action, resource=resource)
    return iam.evaluate((role.policy,), request) is iam.Decision.ALLOW


def _kms_findings(
    world: World,
    dest: Bucket,
    role: Role,
    rule: ReplicationRule,
    add: Callable[[str, FailureReason, str], None],
) -> None:
    """R-014, R-027: the replica KMS key exists, in the destination's Region, usable."""
    criteria = rule.source_selection_criteria
    encryption = rule.destination.encryption_configuration
    if (
        criteria is None
        or criteria.sse_kms_encrypted_objects is not Status.ENABLED
        or encryption is None
        or not encryption.replica_kms_key_id
    ):
        return
    key_arn = encryption.replica_kms_key_id
    key = world.kms_keys.get(key_arn)
    if key is None:
        add("R-027", FailureReason.DST_KMS_KEY_NOT_FOUND, f"KMS key {key_arn} does not exist")
    elif key.region != dest.region:
        add(
            "R-027",
            FailureReason.DST_KMS_KEY_NOT_FOUND,
            f"KMS key {key_arn} is in {key.region}, not in the destination's Region {dest.region}",
        )
    elif not key.usable:
        state = "pending deletion" if key.pending_deletion else "disabled"
        add("R-027", FailureReason.DST_KMS_KEY_INVALID_STATE, f"KMS key {key_arn} is {state}")
    elif permission_decision(world, role, "kms:Encrypt", key_arn) is not iam.Decision.ALLOW:
        add(
            "R-014",
            FailureReason.DST_KMS_KEY_NOT_FOUND,
            f"Role {role.arn} is not allowed kms:Encrypt with KMS key {key_arn}",
        )
