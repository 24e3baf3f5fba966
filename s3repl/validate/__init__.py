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
   enabled rule in document order (R-155/R-158, R-010, R-012, R-157, R-027/R-014): the
   table's order, stage by stage.  A finding that several rules share is reported
   once, for the first of them.

Messages are AWS's own text wherever it has been observed (SPEC grade OBS) and are
matched byte for byte; everything else is marked ``# unverified`` below with where
the text comes from (an emulator's text, ``EMU``, or our own wording, ``INF``).

Labelling: ``Problem.rule_id`` / ``Finding.rule_id`` is the rule's own ``ID`` and
``None`` when the rule has none (AWS only generates one once it accepts the
configuration).  The rule's position is always in ``Problem.element``, an XPath-like
path with 1-based indices, such as ``ReplicationConfiguration/Rule[2]/Priority``, so an
index label never masquerades as an ID a user could also have chosen.

Findings and task application read one table, ``s3repl.policy.CHECKS``, through one
judge per condition (``s3repl.policy.judge``), so they can never disagree: findings are
the rows whose condition does not hold for an enabled rule and its destination
(``s3repl.policy.unmet_checks``), put into words here; step 7 reads the same
destination rows.  The permission helpers (``role_allows``, ``permission_decision``,
``object_arn``) live in ``s3repl.policy`` and are re-exported here.

Modules by job: ``_values`` (``Problem``, ``Finding``, AWS's messages),
``_configuration`` (``validate_replication``), ``_requirements``
(``check_requirements``).
"""

from __future__ import annotations

from s3repl.policy import object_arn, permission_decision, role_allows
from s3repl.validate._configuration import (
    undecodable_problems,
    validate_replication,
)
from s3repl.validate._requirements import (
    check_requirements,
)
from s3repl.validate._values import (
    DESTINATION_VERSIONING_MESSAGE,
    OBJECT_LOCK_TOKEN_MESSAGE,
    REPLICATION_RULES_MAX,
    RULE_ID_LENGTH_MAX,
    SOURCE_VERSIONING_MESSAGE,
    VERSIONING_LOCKED_MESSAGE,
    ConfigurationInput,
    Finding,
    Problem,
    SupportsSnapshot,
    as_configuration,
)

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
    "undecodable_problems",
    "validate_replication",
]
