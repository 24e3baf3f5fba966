"""The findings' reading of the checks table: what a configuration's objects would fail.

Theory.  ``s3repl.validate.check_requirements`` predicts the failures objects would
meet later (R-127, R-158).  It reads ``CHECKS`` through :func:`unmet_checks`: the rows
whose condition, judged as at apply time (``_conditions.judge``), does not hold for a
rule's route.  A rule's route is its destination and its key pattern, standing for
every object the rule may carry; the rows about one object in hand or the moment a task
is applied (``apply_time_only``) are left to apply time.  The source stage is the
caller's: it is handed a source bucket and its configuration's role, so the rows that
find them hold (``check_requirements`` judges them at its door), and the rest of that
stage is apply time's.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import attrs

from s3repl.model import Bucket, ReplicationRule, ServerSideEncryption
from s3repl.policy._checks import CHECKS, Check, Objects, Stage, _about, rule_needs
from s3repl.policy._conditions import Condition, Facts, Fault, judge
from s3repl.policy._routing import kms_opt_in
from s3repl.world import World


@attrs.frozen(kw_only=True)
class Unmet:
    """A row of :data:`CHECKS` whose condition does not hold for a configuration, and why.

    Attributes:
        check: the row.
        fault: why its condition does not hold.
        rule: the rule it was judged for (for a destination row, the first rule naming
            the destination); ``None`` for a role row.
        destination: the destination bucket's name; ``None`` for a role row.
    """

    check: Check
    fault: Fault
    rule: ReplicationRule | None = None
    destination: str | None = None


#: Where findings judge each stage: the role once per configuration, a destination
#: once per destination, the rows about objects once per rule.  ``Stage.SOURCE`` is in
#: none of them: the caller found the source and its configuration (module docstring).
_PER_CONFIGURATION = (Stage.ROLE,)
_PER_DESTINATION = (Stage.DESTINATION,)
_PER_RULE = (Stage.SOURCE_READ, Stage.DESTINATION_WRITE)


def unmet_checks(
    world: World,
    source: Bucket,
    role_arn: str,
    rules: Iterable[ReplicationRule],
    *,
    stages: Collection[Stage] = tuple(Stage),
) -> tuple[Unmet, ...]:
    """The rows of :data:`CHECKS` that objects replicated under ``rules`` would fail.

    The findings' reading of the table (R-127, R-158): the rows of ``stages`` whose
    condition (:func:`~s3repl.policy._conditions.judge`, as at apply time) does not
    hold for a rule's route, judged with the rule's key pattern for every object it
    may carry.  The role's rows come first, then each destination's in order of first
    use, then each rule's object rows in rule order, each in table order.  A row is
    left out when apply time could not meet it either: one the rule does not need
    (``NeedWhen``, :class:`Objects`), one whose ``presumes`` did not all hold, the
    rows marked ``apply_time_only``, and the source stage (``source`` and ``role_arn``
    are its answer already).

    Args:
        world: the world.
        source: the source bucket.
        role_arn: the configuration's replication role.
        rules: the rules to judge (the enabled ones, R-065), in document order.
        stages: the stages to judge (default: all).
    """
    unmet: list[Unmet] = []
    configuration = Facts.of_route(world, source, role_arn, "", None, "")  # the role alone
    held_by_configuration = _judged(
        _rows(stages, _PER_CONFIGURATION),
        configuration,
        frozenset(),
        unmet,
    )
    routes = [_rule_facts(world, source, role_arn, rule) for rule in rules]
    held_by_destination: dict[str, frozenset[Condition]] = {}
    for facts in routes:
        if facts.dest_name not in held_by_destination:
            held_by_destination[facts.dest_name] = _judged(
                _rows(stages, _PER_DESTINATION), facts, held_by_configuration, unmet
            )
    for facts in routes:
        held = held_by_destination[facts.dest_name]
        _judged(_rows(stages, _PER_RULE), facts, held, unmet)
        plain = _unencrypted_facts(facts)
        if plain is not None:  # their replicas take the destination default's key
            replica_key_rows = tuple(
                check
                for check in _rows(stages, _PER_RULE)
                if check.objects is Objects.REPLICA_KEYED
            )
            _judged(replica_key_rows, plain, held, unmet)
    return tuple(unmet)


def _unencrypted_facts(facts: Facts) -> Facts | None:
    """The route of a rule's unencrypted objects, when their replicas take another key.

    An unencrypted source object is encrypted on the replica with the destination's
    default encryption (R-082): under its KMS key when that default is SSE-KMS, which
    apply time checks like a rule's replica key (``Objects.REPLICA_KEYED``).  ``None``
    when the destination has no KMS default, or it is the key already judged.
    """
    dest = facts.dest
    if dest is None or dest.default_kms_key is None or dest.default_kms_key == facts.replica_key:
        return None
    return Facts.of_route(
        facts.world,
        facts.source,
        facts.role_arn,
        facts.dest_name,
        facts.rule,
        facts.key,
        encryption=ServerSideEncryption.NONE,
    )


def _rows(stages: Collection[Stage], scope: tuple[Stage, ...]) -> tuple[Check, ...]:
    return tuple(
        check
        for check in CHECKS
        if check.stage in scope and check.stage in stages and not check.apply_time_only
    )


def _rule_facts(world: World, source: Bucket, role_arn: str, rule: ReplicationRule) -> Facts:
    """The route of a rule: its destination, its key pattern, its SSE-KMS objects' key."""
    key_pattern = f"{rule.key_prefix}*"
    encryption = ServerSideEncryption.SSE_KMS if kms_opt_in(rule) else None
    dest_name = rule.destination.bucket_name
    return Facts.of_route(
        world, source, role_arn, dest_name, rule, key_pattern, encryption=encryption
    )


def _judged(
    rows: tuple[Check, ...],
    facts: Facts,
    held_before: frozenset[Condition],
    unmet: list[Unmet],
) -> frozenset[Condition]:
    """Judge ``rows`` for one route, adding what does not hold to ``unmet``.

    A row is judged once the conditions it presumes held (``held_before`` and the rows
    above it here), and when the rule needs it, as apply time skips it otherwise.

    Returns:
        ``held_before`` and the conditions that held here.
    """
    held = set(held_before)
    rule = facts.rule
    destination = None if rule is None else facts.dest_name
    for check in rows:
        need = check.need
        if not check.presumes <= held:
            continue
        if need is not None and not rule_needs(
            need.when, facts.world, facts.source, facts.dest, facts.rule
        ):
            continue
        if not _about(check.objects, facts, drop_tags=False):
            continue
        faults = judge(check, facts)
        if not faults:
            held.add(check.condition)
        unmet.extend(
            Unmet(check=check, fault=fault, rule=rule, destination=destination) for fault in faults
        )
    return frozenset(held)
