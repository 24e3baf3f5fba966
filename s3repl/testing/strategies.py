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

The strategies live in private modules, one per kind of value (``_strategies``:
values, configurations, policies, worlds, operations, invalid configurations); this
module is their public face, and every name is imported from here.
"""

from __future__ import annotations

from s3repl.testing._strategies._configurations import (
    destinations,
    filters,
    replication_configurations,
    replication_rules,
)
from s3repl.testing._strategies._invalid import invalid_replication_configurations
from s3repl.testing._strategies._operations import (
    DeleteObject,
    DeleteObjectVersion,
    ExpireObject,
    Operation,
    PutBucketReplication,
    PutObject,
    PutObjectAcl,
    PutObjectLegalHold,
    PutObjectRetention,
    PutObjectTagging,
    SetFaults,
    Step,
    operations,
)
from s3repl.testing._strategies._policies import iam_policies
from s3repl.testing._strategies._values import (
    account_ids,
    bucket_names,
    metadata,
    object_keys,
    tag_sets,
    tags,
)
from s3repl.testing._strategies._worlds import (
    AccountSpec,
    BucketSpec,
    KmsKeySpec,
    WorldSpec,
    worlds,
)

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
