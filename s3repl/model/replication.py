"""The replication configuration of SPEC section 2, as frozen values.

These values enforce the *schema* (what AWS answers with ``MalformedXML``): required
members, enum values, one child per filter.  Rules that AWS checks after parsing
(``InvalidRequest`` / ``InvalidArgument``: V1/V2 mixing, priorities, RTC minutes, ...)
are left to ``s3repl.validate`` so that it can report every problem at once; that is
why, for example, ``priority`` may be ``None`` on a V2 rule here.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from s3repl.errors import MalformedXML
from s3repl.model.enums import S3Enum, Status, StorageClass

__all__ = [
    "AccessControlTranslation",
    "AndOperator",
    "Destination",
    "EncryptionConfiguration",
    "Filter",
    "Metrics",
    "NotOperator",
    "OrOperator",
    "ReplicationConfiguration",
    "ReplicationRule",
    "ReplicationTime",
    "SchemaVersion",
    "SourceSelectionCriteria",
    "Tag",
]


def _malformed(detail: str, element: str) -> MalformedXML:
    """AWS's exact schema message (R-045); the detail rides along as an exception note."""
    err = MalformedXML(MalformedXML.DEFAULT_MESSAGE, element=element)
    err.add_note(f"s3repl: {detail}")
    return err


class SchemaVersion(S3Enum):
    """Replication configuration schema version (R-032)."""

    V1 = "V1"
    V2 = "V2"


@attrs.frozen(kw_only=True)
class Tag:
    """A filter tag: both key (non-empty) and value are required (R-024)."""

    key: str
    value: str

    def __attrs_post_init__(self) -> None:
        """Enforce the schema's minimum key length."""
        if not self.key:
            msg = "Tag Key must be a non-empty string"
            raise _malformed(msg, "Tag/Key")


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _tags(value: Iterable[Tag]) -> tuple[Tag, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class OrOperator:
    """``Or``: any number of prefixes and tags; matching any member excludes (R-022)."""

    prefixes: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    tags: tuple[Tag, ...] = attrs.field(default=(), converter=_tags)


@attrs.frozen(kw_only=True)
class NotOperator:
    """``Not``: exactly one of ``prefix``, ``tag`` or ``or_`` to exclude (R-022, R-069)."""

    prefix: str | None = None
    tag: Tag | None = None
    or_: OrOperator | None = None

    def __attrs_post_init__(self) -> None:
        """Require exactly one child."""
        if sum(x is not None for x in (self.prefix, self.tag, self.or_)) != 1:
            msg = "Not must hold exactly one of Prefix, Tag or Or"
            raise _malformed(msg, "Filter/Not")


@attrs.frozen(kw_only=True)
class AndOperator:
    """``And``: an optional prefix, tags and an optional ``Not`` that must all hold."""

    prefix: str | None = None
    tags: tuple[Tag, ...] = attrs.field(default=(), converter=_tags)
    not_: NotOperator | None = None


@attrs.frozen(kw_only=True)
class Filter:
    """A V2 rule filter: at most one of prefix, tag, ``And`` or ``Not``; none = all (R-023)."""

    prefix: str | None = None
    tag: Tag | None = None
    and_: AndOperator | None = None
    not_: NotOperator | None = None

    def __attrs_post_init__(self) -> None:
        """Refuse two children without ``And`` (R-045)."""
        if sum(x is not None for x in (self.prefix, self.tag, self.and_, self.not_)) > 1:
            msg = "Filter must hold at most one of Prefix, Tag, And, Not"
            raise _malformed(msg, "Filter")

    @property
    def tags(self) -> tuple[Tag, ...]:
        """Every tag the filter requires an object to carry."""
        if self.tag is not None:
            return (self.tag,)
        if self.and_ is not None:
            return self.and_.tags
        return ()

    @property
    def mentions_tags(self) -> bool:
        """Whether any tag appears anywhere in the filter, ``Not``/``Or`` included (R-040)."""
        nots = [self.not_, self.and_.not_ if self.and_ is not None else None]
        excluded = any(
            n is not None and (n.tag is not None or (n.or_ is not None and bool(n.or_.tags)))
            for n in nots
        )
        return bool(self.tags) or excluded

    @property
    def uses_not(self) -> bool:
        """Whether the filter uses the newer ``Not`` operator (R-022)."""
        return self.not_ is not None or (self.and_ is not None and self.and_.not_ is not None)


@attrs.frozen(kw_only=True)
class AccessControlTranslation:
    """Owner override: ``Owner`` is ``Destination``, the only value (R-025, R-151)."""

    owner: str = "Destination"

    def __attrs_post_init__(self) -> None:
        """Enforce the enum."""
        if self.owner != "Destination":
            msg = f"Owner must be 'Destination', got {self.owner!r}"
            raise _malformed(
                msg,
                "Destination/AccessControlTranslation/Owner",
            )


@attrs.frozen(kw_only=True)
class EncryptionConfiguration:
    """The replica's KMS key and the multi-Region key switch (R-025, R-027)."""

    replica_kms_key_id: str | None = None
    use_source_multi_region_key: Status | None = attrs.field(
        default=None, converter=attrs.converters.optional(Status)
    )


@attrs.frozen(kw_only=True)
class ReplicationTime:
    """Replication Time Control: a status and the minutes (only 15 is valid, R-028)."""

    status: Status = attrs.field(converter=Status)
    minutes: int


@attrs.frozen(kw_only=True)
class Metrics:
    """Replication metrics: a status and an optional event threshold in minutes (R-029)."""

    status: Status = attrs.field(converter=Status)
    event_threshold_minutes: int | None = None


@attrs.frozen(kw_only=True)
class Destination:
    """Where a rule replicates to, and how the replica is written (R-025)."""

    bucket: str
    account: str | None = None
    storage_class: StorageClass | None = attrs.field(
        default=None, converter=attrs.converters.optional(StorageClass)
    )
    access_control_translation: AccessControlTranslation | None = None
    encryption_configuration: EncryptionConfiguration | None = None
    replication_time: ReplicationTime | None = None
    metrics: Metrics | None = None

    @property
    def bucket_name(self) -> str:
        """The bucket name part of the ARN (everything after ``:::``), or the ARN itself."""
        _, sep, name = self.bucket.partition(":::")
        return name if sep else self.bucket


@attrs.frozen(kw_only=True)
class SourceSelectionCriteria:
    """Which extra objects a rule selects: SSE-KMS ones, and replica modifications (R-026)."""

    sse_kms_encrypted_objects: Status | None = attrs.field(
        default=None, converter=attrs.converters.optional(Status)
    )
    replica_modifications: Status | None = attrs.field(
        default=None, converter=attrs.converters.optional(Status)
    )


@attrs.frozen(kw_only=True)
class ReplicationRule:
    """One replication rule (R-021); V1 when it has ``prefix``, V2 when it has ``filter``."""

    destination: Destination
    status: Status = attrs.field(converter=Status)
    id: str | None = None
    priority: int | None = None
    prefix: str | None = None
    filter: Filter | None = None
    source_selection_criteria: SourceSelectionCriteria | None = None
    existing_object_replication: Status | None = attrs.field(
        default=None, converter=attrs.converters.optional(Status)
    )
    delete_marker_replication: Status | None = attrs.field(
        default=None, converter=attrs.converters.optional(Status)
    )

    def __attrs_post_init__(self) -> None:
        """A rule names exactly one of a rule-level ``Prefix`` or a ``Filter`` (R-045)."""
        if (self.prefix is None) == (self.filter is None):
            msg = "Rule must hold exactly one of Prefix or Filter"
            raise _malformed(msg, "Rule")
        if self.priority is not None and (
            not isinstance(self.priority, int) or isinstance(self.priority, bool)
        ):
            msg = "Priority must be an integer"
            raise _malformed(msg, "Rule/Priority")

    @property
    def schema_version(self) -> SchemaVersion:
        """``V2`` when the rule uses ``Filter``, else ``V1`` (R-032)."""
        return SchemaVersion.V1 if self.filter is None else SchemaVersion.V2

    @property
    def is_enabled(self) -> bool:
        """Whether the rule is ``Enabled`` (R-065)."""
        return self.status is Status.ENABLED

    @property
    def key_prefix(self) -> str:
        """The positive key prefix the rule requires (``""`` when none)."""
        if self.prefix is not None:
            return self.prefix
        assert self.filter is not None  # guaranteed by __attrs_post_init__
        if self.filter.prefix is not None:
            return self.filter.prefix
        if self.filter.and_ is not None and self.filter.and_.prefix is not None:
            return self.filter.and_.prefix
        return ""


def _rules(value: Iterable[ReplicationRule]) -> tuple[ReplicationRule, ...]:
    rules = tuple(value)
    if not rules:
        msg = "at least one Rule is required"
        raise _malformed(msg, "ReplicationConfiguration/Rule")
    return rules


@attrs.frozen(kw_only=True)
class ReplicationConfiguration:
    """A bucket's replication configuration: the role and 1..n rules (R-020)."""

    role: str
    rules: tuple[ReplicationRule, ...] = attrs.field(converter=_rules)

    @property
    def schema_version(self) -> SchemaVersion:
        """``V2`` when any rule uses ``Filter`` (R-032); mixed documents are refused later."""
        if any(rule.filter is not None for rule in self.rules):
            return SchemaVersion.V2
        return SchemaVersion.V1

    @property
    def destination_buckets(self) -> tuple[str, ...]:
        """The distinct destination bucket names, in rule order."""
        return tuple(dict.fromkeys(rule.destination.bucket_name for rule in self.rules))
