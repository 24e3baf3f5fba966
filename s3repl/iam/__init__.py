"""IAM policy documents and their evaluation: allow, explicit deny, implicit deny.

Theory of operation
-------------------

Replication is an act of delegated permission.  Amazon S3 assumes the role named in
the replication configuration (the role's *trust policy* must let the service
principal ``s3.amazonaws.com`` call ``sts:AssumeRole``, SPEC R-006), then acts with the
role's *identity policy* (R-155, R-156) against the source and destination buckets,
whose *bucket policies* (resource policies) may add grants (R-012) or explicit denies
(R-157, R-158).  KMS key policies are resource policies too (R-014).  This module is
the small part of IAM that decides those questions, as pure functions over frozen
values.  It knows nothing about buckets or the engine.

1. **Parsing** (:func:`parse_policy`) turns JSON text, bytes or a mapping into a
   :class:`PolicyDocument`, normalising the shorthand forms of the policy grammar
   (a single string where a list is allowed, a single statement object where a list
   is allowed, ``true`` / numbers in condition values) into tuples of strings.  It
   refuses what IAM / S3 refuse with :class:`~s3repl.errors.MalformedPolicy`, whose
   message names the offending element (``Statement[1].Effect``; statements are
   numbered from 0).  The :class:`PolicyKind` adds the rules of one kind of policy:
   identity policies carry no principal, resource (bucket, key) policies must name one,
   trust policies must name one and may not name resources.  A condition operator
   s3repl cannot evaluate is refused with
   :class:`~s3repl.errors.UnsupportedConditionError`: a condition is never ignored.

2. **Matching.**  Actions match case-insensitively, resources (ARNs) case-sensitively;
   both accept the wildcards ``*`` (any run of characters) and ``?`` (one character).
   A :class:`Principal` matches a caller by the rules in :func:`principal_matches`
   (everyone, every AWS identity, an account, an exact ARN, a service).

3. **Conditions.**  Every condition of a statement must hold (AND); within one
   condition, the caller's value must match one of the listed values (OR).  Condition
   keys are case-insensitive.  The table ``_BASE_OPERATORS`` (in ``_documents``) lists
   the operators s3repl evaluates, and ``_condition_holds`` (in ``_evaluate``) holds
   the rules for a missing key, ``...IfExists`` and the ``ForAnyValue:`` /
   ``ForAllValues:`` set operators.

4. **Evaluation** (:func:`evaluate`): a statement *applies* to a :class:`Request` when
   its principal, action, resource and condition parts all match.  Rule 1: an
   applicable ``Deny`` statement anywhere gives :attr:`Decision.EXPLICIT_DENY`.  Rule 2:
   otherwise an applicable ``Allow`` gives :attr:`Decision.ALLOW`.  Rule 3: otherwise
   :attr:`Decision.IMPLICIT_DENY`.  A statement without a ``Principal`` element (all
   identity-policy statements) applies to every caller.

5. **Across accounts** (:func:`evaluate_access`, R-012): an explicit deny on either side
   wins; within one account either the identity side or the resource side may allow;
   across accounts both sides must allow.

Modelling choices that AWS documentation does not settle are listed in the docstrings
of the functions that make them.

This package is a facade: the values are in ``_documents``, parsing and writing JSON in
``_parse``, matching and evaluation in ``_evaluate``, and what replication needs from
IAM (its actions, service principals and ready-made policies) in ``_replication``.
Import every name from ``s3repl.iam``.
"""

from s3repl.iam._documents import (
    POLICY_VERSIONS,
    SUPPORTED_CONDITION_OPERATORS,
    Condition,
    ContextValue,
    Decision,
    Effect,
    PolicyDocument,
    PolicyKind,
    Principal,
    Request,
    Statement,
)
from s3repl.iam._evaluate import (
    account_of,
    action_matches,
    evaluate,
    evaluate_access,
    is_allowed,
    principal_matches,
    resource_matches,
)
from s3repl.iam._parse import INVALID_JSON_MESSAGE, parse_policy, policy_to_dict
from s3repl.iam._replication import (
    BATCH_OPERATIONS_SERVICE_PRINCIPAL,
    OPTIONAL_REPLICATION_ROLE_ACTIONS,
    REPLICATION_DESTINATION_BUCKET_ACTIONS,
    REPLICATION_DESTINATION_OBJECT_ACTIONS,
    REPLICATION_KMS_ACTIONS,
    REPLICATION_ROLE_ACTIONS,
    S3_SERVICE_PRINCIPAL,
    allow_all_replication_policy,
    can_assume,
    destination_bucket_policy,
    s3_trust_policy,
)

__all__ = [
    "BATCH_OPERATIONS_SERVICE_PRINCIPAL",
    "INVALID_JSON_MESSAGE",
    "OPTIONAL_REPLICATION_ROLE_ACTIONS",
    "POLICY_VERSIONS",
    "REPLICATION_DESTINATION_BUCKET_ACTIONS",
    "REPLICATION_DESTINATION_OBJECT_ACTIONS",
    "REPLICATION_KMS_ACTIONS",
    "REPLICATION_ROLE_ACTIONS",
    "S3_SERVICE_PRINCIPAL",
    "SUPPORTED_CONDITION_OPERATORS",
    "Condition",
    "ContextValue",
    "Decision",
    "Effect",
    "PolicyDocument",
    "PolicyKind",
    "Principal",
    "Request",
    "Statement",
    "account_of",
    "action_matches",
    "allow_all_replication_policy",
    "can_assume",
    "destination_bucket_policy",
    "evaluate",
    "evaluate_access",
    "is_allowed",
    "parse_policy",
    "policy_to_dict",
    "principal_matches",
    "resource_matches",
    "s3_trust_policy",
]
