"""THE replication rules of s3repl: every "does this replicate, and how" decision.

Theory of operation.  The engine asks this package four questions, and stores and
schedules whatever the answers say; it never decides semantics itself.

1. *Routing* (``_routing``; when a version, delete marker or metadata change is
   created): which destinations does it go to, and under which winning rule?
   ``route_object``, ``route_delete_marker``, ``route_metadata``.  Rule 1: only
   enabled rules count (R-065); rule 2: a rule matches by prefix, tags and ``Not``
   (R-060, R-061, R-069); rule 3: per destination, the matching rule with the highest
   priority wins, ties broken by rule order (R-063, R-066); rule 4: eligibility gates
   are applied before priority (replicas never, archived classes never, SSE-KMS only
   with the opt-in, SSE-C by profile: R-101, R-105, R-067, R-081).  ``routing_table``
   names what routing reads of an object (its ``RoutingTable.signature``), so that
   the engine may route once per signature and look the answer up after that.
2. *Applying* (``_apply``, ``_checks``; when the engine steps a task): does it
   succeed, fail with which documented reason, or wait (transient)?  ``apply_outcome``
   walks ``CHECKS``, one ordered table of every check S3 meets (stage, condition or
   permission, which tasks and objects, failure reason, ``R-nnn``): assume the role,
   find the destination, read the source, write the destination.  ``s3repl.validate``'s
   findings read the same rows through ``unmet_checks``; both readings ask ``judge``
   (``_conditions``), the one meaning of each condition.  Whether the role may do an
   action is ``_permissions``' job (IAM).
3. *Shaping* the replica (``_shape``): ``build_replica`` (R-082..R-089,
   R-150..R-154), through a ``ReplicaShape``: what a rule and destination give every
   replica of one storage class and encryption kind.
4. *Status* (``_status``): ``aggregate_status`` (R-123), ``status_after`` (R-122),
   the RTC rules (R-129, R-132), the destination's version order (R-143) and
   ``lifecycle_may_expire`` (R-125).

5. *One step, one answer* (``_apply``, the value in ``_applied``): ``apply`` returns an
   ``Applied``, every effect of a step (verdict, reason, the replica, or its shape, and
   where it goes, the source's new statuses, events, failed operations, retry time,
   reroutes); the engine writes it.
   What every version named alike by ``outcome_key`` gets is a ``Ruling`` (``rule_on``):
   the checks' answer, the rule, the replica's shape and the shared part of the
   ``Applied``; ``apply`` adds what the version itself gives.

6. *Latency* (``_latency``; when the engine schedules a task under a
   ``Profile.latency`` model): ``replication_delay`` says when the task is due and
   until when its destination is busy (issue 12; R-132, R-140).

No caches.  Policy remembers nothing between calls: no module-level state, no
memo on the world.  Answers that an owner of state may remember are asked through
``Answers`` (``apply``'s ``answers=``); the engine passes its own caches there.

Every function is a pure function over a :class:`~s3repl.world.World` and frozen values;
the modules are private, this facade is the public face.
"""

from __future__ import annotations

from s3repl.policy._applied import (
    Applied,
    Write,
    with_replica_built,
)
from s3repl.policy._apply import (
    PURE_ANSWERS,
    Answers,
    Ruling,
    apply,
    apply_outcome,
    decide,
    outcome_key,
    rule_by_id,
    rule_on,
)
from s3repl.policy._batch import (
    BATCH_MANIFEST_READ_ACTIONS,
    BATCH_REPLICATION_ACTION,
    EntryPlan,
    apply_batch,
    batch_refusal,
    batch_routes,
    manifest_selects,
    plan_entry,
    preparation_failure,
    report_status,
    supersedes_live,
)
from s3repl.policy._checks import (
    CHECKS,
    OK,
    PERMISSION_NEEDS,
    ApplyOutcome,
    Check,
    Effect,
    Objects,
    Stage,
    Subject,
    Verdict,
    permission_needs,
    rule_needs,
)
from s3repl.policy._conditions import (
    Cause,
    Condition,
    Facts,
    Fault,
    judge,
)
from s3repl.policy._latency import (
    TAIL_FACTOR_MAX,
    Scheduled,
    continent_of,
    replication_delay,
    route_base_seconds,
    tail_factor,
)
from s3repl.policy._needs import (
    R010_READ_LEGAL_HOLD,
    R010_READ_RETENTION,
    R151_OVERRIDE_OWNER,
    R155_LIST_BUCKET,
    R155_READ_ACL,
    R155_READ_CONFIGURATION,
    R155_READ_OBJECT,
    R155_READ_TAGS,
    R155_REPLICATE_DELETE,
    R155_REPLICATE_OBJECT,
    R158_PUT_LEGAL_HOLD,
    NeedWhen,
    PermissionNeed,
)
from s3repl.policy._permissions import (
    keys_alike,
    object_arn,
    permission_decision,
    role_allows,
    role_may,
)
from s3repl.policy._routing import (
    Route,
    RoutingTable,
    Standing,
    delete_markers_replicate,
    eligible,
    explain_routing,
    filter_matches,
    kms_opt_in,
    route_delete_marker,
    route_metadata,
    route_new_object,
    route_object,
    route_version_delete,
    routing_table,
    rule_matches,
    taking_part,
    winning_rules,
)
from s3repl.policy._shape import (
    ReplicaShape,
    build_marker_replica,
    build_replica,
    metadata_update,
    replica_shape,
)
from s3repl.policy._status import (
    MISSED_THRESHOLD,
    RTC_THRESHOLD_MINUTES,
    MetadataChange,
    Notification,
    aggregate_status,
    created_statuses,
    failure_notifications,
    lifecycle_may_expire,
    metadata_change,
    orders_by_source_time,
    outcome_changes_status,
    pending_statuses,
    retry_delay_us,
    rtc_applies,
    rtc_enabled,
    rtc_late,
    rtc_notifications,
    sends_failure_events,
    status_after,
    statuses_after,
)
from s3repl.policy._unmet import Unmet, unmet_checks

__all__ = [
    "CHECKS",
    "MISSED_THRESHOLD",
    "OK",
    "PERMISSION_NEEDS",
    "PURE_ANSWERS",
    "R010_READ_LEGAL_HOLD",
    "R010_READ_RETENTION",
    "R151_OVERRIDE_OWNER",
    "R155_LIST_BUCKET",
    "R155_READ_ACL",
    "R155_READ_CONFIGURATION",
    "R155_READ_OBJECT",
    "R155_READ_TAGS",
    "R155_REPLICATE_DELETE",
    "R155_REPLICATE_OBJECT",
    "R158_PUT_LEGAL_HOLD",
    "RTC_THRESHOLD_MINUTES",
    "TAIL_FACTOR_MAX",
    "Answers",
    "Applied",
    "ApplyOutcome",
    "Cause",
    "Check",
    "Condition",
    "Effect",
    "Facts",
    "Fault",
    "MetadataChange",
    "NeedWhen",
    "Notification",
    "Objects",
    "PermissionNeed",
    "ReplicaShape",
    "Route",
    "RoutingTable",
    "Ruling",
    "Scheduled",
    "Stage",
    "Standing",
    "Subject",
    "Unmet",
    "Verdict",
    "Write",
    "aggregate_status",
    "apply",
    "apply_outcome",
    "build_marker_replica",
    "build_replica",
    "continent_of",
    "created_statuses",
    "decide",
    "delete_markers_replicate",
    "eligible",
    "explain_routing",
    "failure_notifications",
    "filter_matches",
    "judge",
    "keys_alike",
    "kms_opt_in",
    "lifecycle_may_expire",
    "metadata_change",
    "metadata_update",
    "object_arn",
    "orders_by_source_time",
    "outcome_changes_status",
    "outcome_key",
    "pending_statuses",
    "permission_decision",
    "permission_needs",
    "replica_shape",
    "replication_delay",
    "retry_delay_us",
    "role_allows",
    "role_may",
    "route_base_seconds",
    "route_delete_marker",
    "route_metadata",
    "route_new_object",
    "route_object",
    "route_version_delete",
    "routing_table",
    "rtc_applies",
    "rtc_enabled",
    "rtc_late",
    "rtc_notifications",
    "rule_by_id",
    "rule_matches",
    "rule_needs",
    "rule_on",
    "sends_failure_events",
    "status_after",
    "statuses_after",
    "tail_factor",
    "taking_part",
    "unmet_checks",
    "winning_rules",
    "with_replica_built",
]

# Batch Replication (``_batch``): what a job may replicate and what its tasks do.
__all__ += [
    "BATCH_MANIFEST_READ_ACTIONS",
    "BATCH_REPLICATION_ACTION",
    "EntryPlan",
    "apply_batch",
    "batch_refusal",
    "batch_routes",
    "manifest_selects",
    "plan_entry",
    "preparation_failure",
    "report_status",
    "supersedes_live",
]
