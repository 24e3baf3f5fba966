"""The values validation answers with (Problem, Finding) and the messages AWS uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeAlias, runtime_checkable

import attrs

from s3repl.codec import replication_from_any
from s3repl.errors import S3Error, error_class
from s3repl.model import (
    FailureReason,
    ReplicationConfiguration,
)
from s3repl.world import World

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
# R-042's converse, OBS: AWS's 400 (with request id and host id) pasted from a Terraform
# apply of a rule with EncryptionConfiguration and no SseKmsEncryptedObjects
# (I-hashicorp/terraform-provider-aws#26241 reports the same refusal).
_ENCRYPTION_WITHOUT_OPT_IN_MESSAGE = (
    "SseKmsEncryptedObjects must be specified if EncryptionConfiguration is present."
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


#: What the entry points accept as a configuration, as ``Engine.put_bucket_replication``
#: does: the model value, boto3's dict, or the XML document.
ConfigurationInput: TypeAlias = ReplicationConfiguration | Mapping[str, Any] | str | bytes

#: The model value of a configuration in any accepted form (the codec decodes it; R-045).
as_configuration = replication_from_any
