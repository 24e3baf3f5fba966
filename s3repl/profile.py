"""Profile: the named switches for every choice AWS leaves open.

Where a requirement (docs/requirements.md) is graded INF (AWS is silent), s3repl does
not pick silently:
the choice is a field here, defaulting to today's AWS behaviour as best known, so a
user can test their policy under either reading.
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

__all__ = ["DestinationVersionOrder", "MissingTagReadPermission", "Profile"]


class MissingTagReadPermission(enum.Enum):
    """What happens when the role cannot read source tags (R-158, T-75)."""

    def __repr__(self) -> str:
        """Return ``ClassName.MEMBER``."""
        return f"{type(self).__name__}.{self.name}"

    #: The object replicates without its tags; the tag read is a metadata failure.
    REPLICATE_WITHOUT_TAGS = "replicate_without_tags"
    #: The object fails with ``SrcGetTaggingNotPermitted``.
    FAIL = "fail"


class DestinationVersionOrder(enum.Enum):
    """How a destination orders replicas that arrive out of order (R-143, T-76)."""

    def __repr__(self) -> str:
        """Return ``ClassName.MEMBER``."""
        return f"{type(self).__name__}.{self.name}"

    #: Replicas are ordered by the source's creation time and sequence.
    SOURCE_TIMESTAMP = "source_timestamp"
    #: The last replica to arrive becomes current.
    ARRIVAL = "arrival"


def _non_negative(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        msg = f"{attribute.name} must be >= 0, got {value}"
        raise ValueError(msg)


@attrs.frozen(kw_only=True)
class Profile:
    """The behaviour switches of the model, one per INF decision in SPEC section 13.

    Build today's AWS behaviour with :meth:`Profile.aws` and change one switch with
    :meth:`evolve`::

        strict = Profile.aws().evolve(reject_unsupported_destination_at_put=True)
    """

    #: R-011, T-36: ``PutBucketReplication`` on an Object Lock source needs the token.
    object_lock_replication_requires_token: bool = False
    #: R-031: accept ``ExistingObjectReplication`` instead of answering ``MalformedXML``.
    allow_existing_object_replication: bool = False
    #: R-043, R-066, T-37: refuse any two rules sharing a priority.
    reject_duplicate_priorities: bool = True
    #: R-052: steps after a configuration change before replication sees it.
    config_propagation_delay_steps: int = attrs.field(default=0, validator=_non_negative)
    #: R-087, section 10: delete markers are not replicated to another account.
    cross_account_delete_markers_off_by_default: bool = False
    #: R-022, R-069: accept the ``Not`` / ``Or`` filter operators.
    enable_not_or_filters: bool = False
    #: R-081, T-59: SSE-C objects replicate (AWS since 2022-10).
    sse_c_replication: bool = True
    #: R-009, R-176: refuse at put time destinations that would fail every object.
    reject_unsupported_destination_at_put: bool = False
    #: R-158, T-75: outcome when the role cannot read source tags.
    missing_tag_read_permission: MissingTagReadPermission = attrs.field(
        default=MissingTagReadPermission.REPLICATE_WITHOUT_TAGS,
        converter=MissingTagReadPermission,
    )
    #: R-143, T-76: which replica becomes current when replicas arrive out of order.
    destination_version_order: DestinationVersionOrder = attrs.field(
        default=DestinationVersionOrder.SOURCE_TIMESTAMP,
        converter=DestinationVersionOrder,
    )

    #: R-124: how long a task kept queued by a transient problem waits before it is
    #: tried again (AWS documents no figure; a minute).
    retry_delay_seconds: int = attrs.field(default=60, validator=_non_negative)

    @classmethod
    def aws(cls) -> Profile:
        """Return today's AWS behaviour (every switch at its documented default)."""
        return cls()

    def evolve(self, **switches: Any) -> Profile:
        """Return a copy with some switches changed.

        Raises:
            TypeError: when a switch name is unknown.
            ValueError: when a value is not allowed for its switch.
        """
        return attrs.evolve(self, **switches)
