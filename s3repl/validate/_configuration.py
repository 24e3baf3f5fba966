"""PutBucketReplication validation: every problem, in the order AWS checks (R-055)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType

import attrs

from s3repl.errors import MalformedXML, S3Error
from s3repl.model import (
    Bucket,
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
from s3repl.policy import Cause, Stage, unmet_checks
from s3repl.validate._values import (
    _ACCOUNT_REQUIRED_MESSAGE,
    _CODE_INVALID_ARGUMENT,
    _CODE_INVALID_REQUEST,
    _CODE_INVALID_STORAGE_CLASS,
    _CODE_MALFORMED_XML,
    _DISTINCT_DESTINATIONS_MESSAGE,
    _DUPLICATE_PRIORITY_TEMPLATE,
    _EMPTY_SSC_MESSAGE,
    _ENCRYPTION_WITHOUT_OPT_IN_MESSAGE,
    _EVENT_THRESHOLD_MESSAGE,
    _INVALID_BUCKET_ARN_MESSAGE,
    _INVALID_BUCKET_MESSAGE,
    _INVALID_ROLE_MESSAGE,
    _LOCK_MISSING_MESSAGE,
    _MINUTES_MESSAGE,
    _NO_SUCH_BUCKET_MESSAGE,
    _OVERLAPPING_PREFIXES_TEMPLATE,
    _REGION_NOT_ENABLED_TEMPLATE,
    _REPLICA_KMS_KEY_MESSAGE,
    _REQUESTER_PAYS_MESSAGE,
    _ROOT,
    _RTC_MINUTES,
    _RTC_WITHOUT_METRICS_MESSAGE,
    _RULE_ID_DUPLICATE_MESSAGE,
    _RULE_ID_TOO_LONG_MESSAGE,
    _SAME_BUCKET_MESSAGE,
    _SCHEMA_TEMPLATE,
    _STORAGE_CLASS_MESSAGE,
    _TAG_DELETE_MARKER_MESSAGE,
    _TOO_MANY_RULES_MESSAGE,
    DESTINATION_VERSIONING_MESSAGE,
    OBJECT_LOCK_TOKEN_MESSAGE,
    REPLICATION_RULES_MAX,
    RULE_ID_LENGTH_MAX,
    SOURCE_VERSIONING_MESSAGE,
    ConfigurationInput,
    Problem,
    SupportsSnapshot,
    _world_of,
    as_configuration,
)
from s3repl.world import World

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


def _check_selection_criteria(ctx: _Context, at: _At) -> Iterator[Problem]:
    """R-026 (empty ``SourceSelectionCriteria``) and R-042 (opt-in and replica key pair up).

    Either without the other is refused: the opt-in without ``ReplicaKmsKeyID``, and
    ``EncryptionConfiguration`` without ``SseKmsEncryptedObjects`` (OBS), unless the
    profile's ``accept_replica_key_without_kms_opt_in`` accepts the latter.

    R-042 fires on the *presence* of ``SseKmsEncryptedObjects``, whatever its status:
    AWS's message says "tag is present", and the Terraform code quoting it notes that
    setting the status to Disabled does not avoid it (INF from that evidence).
    """
    criteria = at.rule.source_selection_criteria
    encryption = at.rule.destination.encryption_configuration
    empty = criteria is not None and (
        criteria.sse_kms_encrypted_objects is None and criteria.replica_modifications is None
    )  # R-026's problem already (one problem per mistake)
    if (
        encryption is not None
        and (criteria is None or criteria.sse_kms_encrypted_objects is None)
        and not empty
        and not ctx.world.profile.accept_replica_key_without_kms_opt_in
    ):
        # OBS: AWS's 400 pasted from a Terraform apply (see the message's note).
        yield at.problem(
            _CODE_INVALID_REQUEST,
            _ENCRYPTION_WITHOUT_OPT_IN_MESSAGE,
            "R-042",
            "SourceSelectionCriteria/SseKmsEncryptedObjects",
        )
    if criteria is None:
        return
    if criteria.sse_kms_encrypted_objects is None and criteria.replica_modifications is None:
        yield at.problem(
            _CODE_INVALID_REQUEST, _EMPTY_SSC_MESSAGE, "R-026", "SourceSelectionCriteria"
        )
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

    Refuses what the destination rows of ``s3repl.policy.CHECKS`` would fail every
    object on and R-003 has not refused already: a Region an owner has not enabled
    (R-001), a Requester Pays destination of another account (R-013), an unlocked
    destination for an Object Lock source (R-009).
    """
    if not ctx.world.profile.reject_unsupported_destination_at_put or ctx.source is None:
        return
    for at in _destinations(ctx):
        rules = (at.rule,)
        destination_rows = (Stage.DESTINATION,)
        for unmet in unmet_checks(
            ctx.world, ctx.source, ctx.config.role, rules, stages=destination_rows
        ):
            message = _STRICT_MESSAGES.get(unmet.fault.cause)
            if message is not None:
                fault = unmet.fault
                text = message.format(region=fault.region, account=fault.account)
                yield at.problem(_CODE_INVALID_REQUEST, text, "R-176", "Destination/Bucket")


#: R-176 strict: what PutBucketReplication says for each destination it refuses.
_STRICT_MESSAGES = MappingProxyType(
    {
        Cause.REGION_NOT_ENABLED: _REGION_NOT_ENABLED_TEMPLATE,
        Cause.REQUESTER_PAYS_ACROSS_ACCOUNTS: _REQUESTER_PAYS_MESSAGE,
        Cause.DESTINATION_UNLOCKED: _LOCK_MISSING_MESSAGE,
    }
)


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
            does not even decode gives the problems of ``undecodable_problems``
            (the codec's ``MalformedXML``, R-045), after ``NoSuchBucket`` if the bucket
            is missing too.
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
        partition = None if source is None else partition_of_region(source.region)
        return (*problems, *undecodable_problems(err, config, partition))
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


# --- a document that does not decode ------------------------------------------------------------


def undecodable_problems(
    err: S3Error, config: object = None, partition: Partition | None = None
) -> tuple[Problem, ...]:
    """The problems of a configuration the codec refused, all at once.

    XML: one problem, the codec's error as S3 answers it (``MalformedXML`` with AWS's
    message, R-045): S3 stops at the first. A dict (boto3's form, or JSON): one problem
    per schema violation (:attr:`~s3repl.errors.S3Error.violations`), each naming its
    element and saying what was expected there, botocore-style; then, so that one pass
    shows everything, the R-047 problems of the role and destination bucket ARNs that
    are strings (the checks of step 3 and 4, on the raw dict).

    Args:
        err: what the codec raised.
        config: the dict that did not decode, or ``None`` (XML, or not at hand).
        partition: the source's partition, when known (R-047's partition check).

    Returns:
        The problems, the codec's first.
    """
    if not err.violations:
        only = Problem(code=err.code, message=err.message, requirement="R-045", element=err.element)
        return (only,)
    problems = [
        Problem(code=err.code, message=v.message, requirement="R-045", element=v.element)
        for v in err.violations
    ]
    problems.extend(_raw_arn_problems(config, partition))
    return tuple(problems)


def _raw_arn_problems(config: object, partition: Partition | None) -> Iterator[Problem]:
    """R-047 on an undecoded dict: its role ARN and each string ``Destination/Bucket``."""
    if isinstance(config, Mapping) and set(config) - {"ResponseMetadata"} == {_ROOT}:
        config = config[_ROOT]
    if not isinstance(config, Mapping):
        return
    role = config.get("Role")
    if isinstance(role, str) and not _valid_role_arn(role, partition):
        yield Problem(
            code=_CODE_INVALID_ARGUMENT,
            message=_INVALID_ROLE_MESSAGE,
            requirement="R-047",
            element=f"{_ROOT}/Role",
        )
    rules = config.get("Rules")
    if not isinstance(rules, list | tuple):
        return
    for index, rule in enumerate(rules, start=1):
        destination = rule.get("Destination") if isinstance(rule, Mapping) else None
        bucket = destination.get("Bucket") if isinstance(destination, Mapping) else None
        message = _bucket_arn_message(bucket, partition) if isinstance(bucket, str) else None
        if message is not None:
            rule_id = rule.get("ID")
            yield Problem(
                code=_CODE_INVALID_ARGUMENT,
                message=message,
                requirement="R-047",
                rule_id=rule_id if isinstance(rule_id, str) and rule_id else None,
                element=f"{_ROOT}/Rule[{index}]/Destination/Bucket",
            )
