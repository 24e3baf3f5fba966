"""The violations the invariant checks raise: one ``AssertionError`` subclass per concern.

Every violation carries its parts (requirement, bucket, key, version id, detail) as
attributes.  The classes name :mod:`s3repl.testing.invariants` as their module, so
tracebacks and pickles show the public path users import them from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias


class InvariantViolation(AssertionError):
    """An invariant of S3 replication does not hold.

    Attributes:
        requirement: the SPEC requirement(s) broken, e.g. ``"R-101"``.
        bucket: the bucket where it was seen, if one.
        key: the object key, if one.
        version_id: the version id, if one.
        detail: what broke, in words.
    """

    def __init__(
        self,
        detail: str,
        *,
        requirement: str,
        bucket: str | None = None,
        key: str | None = None,
        version_id: str | None = None,
    ) -> None:
        self.requirement = requirement
        self.bucket = bucket
        self.key = key
        self.version_id = version_id
        self.detail = detail
        where = ""
        if bucket is not None:
            where = bucket if key is None else f"{bucket}/{key}"
            if version_id is not None:
                where += f" version {version_id!r}"
            where += ": "
        super().__init__(f"{where}{detail} ({requirement})")


class VersionIdentityViolation(InvariantViolation):
    """A replica differs from its source in what replication keeps (R-083, R-142)."""


class ReplicationChainViolation(InvariantViolation):
    """A replica was replicated onwards (R-101)."""


class IneligibleReplicaViolation(InvariantViolation):
    """A replica exists whose source was never routed to its bucket (R-121)."""


class AggregateStatusViolation(InvariantViolation):
    """A version's status disagrees with its per-destination statuses (R-123, R-127)."""


class PendingTaskViolation(InvariantViolation):
    """A PENDING destination has no queued task, or a queued task no PENDING status (R-124)."""


class OwnershipViolation(InvariantViolation):
    """A replica has an owner or ACL that R-150..R-154 do not allow."""


class VersionOrderViolation(InvariantViolation):
    """A key's versions are not in source order: a late older version became current (R-143)."""


class LifecycleViolation(InvariantViolation):
    """A lifecycle action was replicated (R-104) or acted on a PENDING version (R-125)."""


class RoutingViolation(InvariantViolation):
    """A new version went to the wrong destinations or under the wrong rule (R-060..R-069)."""


class ReplicaContentViolation(InvariantViolation):
    """A replica just written is not shaped as R-082..R-089 and R-150..R-154 say."""


class DeletePropagationViolation(InvariantViolation):
    """A delete by version id reached another bucket or queued work (R-103)."""


class StatusTransitionViolation(InvariantViolation):
    """A status moved backwards or out of a terminal state (R-113, R-122, R-124)."""


class ConvergenceViolation(InvariantViolation):
    """After a run with faults off, something is not replicated nor FAILED with a reason."""


class FailureReasonViolation(InvariantViolation):
    """A step FAILED with a reason the world does not give, or did not record it (R-124, R-127)."""


class FailureReportViolation(InvariantViolation):
    """A failure went without its event or its count in the metrics (R-129, R-131)."""


class MetadataConvergenceViolation(InvariantViolation):
    """After the run, a replica's tags, ACL or lock settings are not its source's (R-084..R-086)."""


class ConfigurationViolation(InvariantViolation):
    """PutBucketReplication accepted what SPEC refuses, or disagreed with validation (R-003)."""


#: Builds a violation from a detail and an R-nnn (a local helper's type).
_Fail: TypeAlias = Callable[[str, str], ReplicaContentViolation]


# A traceback prints ``module.Class: detail``, and users read (and doctests match) the
# public path, so every violation names the facade it is imported from.
for _violation in (InvariantViolation, *InvariantViolation.__subclasses__()):
    _violation.__module__ = "s3repl.testing.invariants"
