"""Replication configurations broken in exactly one way, with the error code AWS answers.

Each break (a "breaker") takes a valid boto3-shaped configuration, changes one thing
and returns the code: V2 breaks, V1 breaks and breaks for either schema, in the table
``_BREAKS``.  Dicts rather than model values, because several breaks cannot be model
values at all.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

from hypothesis import strategies as st

from s3repl.codec import replication_to_dict
from s3repl.model.enums import StorageClass
from s3repl.model.replication import Destination, ReplicationConfiguration, SchemaVersion
from s3repl.testing._strategies._configurations import (
    _PRIORITIES,
    _RTC_MINUTES,
    _RULE_ID_MAX,
    replication_configurations,
)
from s3repl.testing._strategies._values import (
    _KEY_CHARACTERS,
    _LOWER_DIGITS,
    _TAG_VALUES,
    _prefixes,
    _valid_bucket_name,
    tags,
)
from s3repl.validate import REPLICATION_RULES_MAX

#: A break: the schema its base must have (``None``: either) and the change it makes
#: to a boto3-shaped configuration, returning the code AWS answers with.
_Breaker: TypeAlias = Callable[[st.DrawFn, dict[str, Any]], str]

_MALFORMED = "MalformedXML"
_INVALID_REQUEST = "InvalidRequest"
_INVALID_ARGUMENT = "InvalidArgument"
_NOT_FIFTEEN = st.integers(min_value=0, max_value=2**31 - 1).filter(lambda m: m != _RTC_MINUTES)
_DICT_STATUSES = st.sampled_from(("Enabled", "Disabled"))
_LONG_RULE_IDS = st.text(_KEY_CHARACTERS, min_size=_RULE_ID_MAX + 1, max_size=_RULE_ID_MAX + 40)


def _first(config: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = config["Rules"][0]
    return rule


def _only_first(config: dict[str, Any]) -> dict[str, Any]:
    """Keep the first rule only (so a break cannot clash with the others)."""
    config["Rules"] = [_first(config)]
    return _first(config)


def _free_priority(config: dict[str, Any]) -> int:
    used = {rule.get("Priority") for rule in config["Rules"]}
    return next(p for p in range(len(used) + 1) if p not in used)


def _second_rule(config: dict[str, Any], *, rule_id: str | None = None) -> dict[str, Any]:
    """Keep the first rule and append a copy of it that is valid beside it.

    V2: the copy gets an unused priority.  V1: both get prefixes ``<p>0`` / ``<p>1``,
    which do not overlap (R-037).  The copy has ``rule_id`` as its ID (``None``: none).
    """
    first = _only_first(config)
    second = copy.deepcopy(first)
    second.pop("ID", None)
    if rule_id is not None:
        second["ID"] = rule_id
    if "Filter" in first:
        second["Priority"] = _free_priority(config)
    else:
        prefix = first["Prefix"]
        first["Prefix"], second["Prefix"] = f"{prefix}0", f"{prefix}1"
    config["Rules"].append(second)
    return second


def _other_bucket(arn: str) -> str:
    """A valid bucket ARN other than ``arn`` (its name with another last character)."""
    name = arn.removeprefix("arn:aws:s3:::")
    for char in _LOWER_DIGITS:
        candidate = name[:-1] + char
        if candidate != name and _valid_bucket_name(candidate):
            return f"arn:aws:s3:::{candidate}"
    raise AssertionError(name)  # pragma: no cover - some last character always works


# --- V2 breaks (R-022, R-028..R-030, R-033, R-034, R-038, R-040, R-043, R-045)


def _no_priority(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    del _first(config)["Priority"]
    return _INVALID_REQUEST


def _no_delete_marker_replication(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    del _first(config)["DeleteMarkerReplication"]
    return _INVALID_REQUEST


def _tag_filter_with_delete_markers(draw: st.DrawFn, config: dict[str, Any]) -> str:
    tag = draw(tags())
    rule = _first(config)
    rule["Filter"] = {"Tag": {"Key": tag.key, "Value": tag.value}}
    rule["DeleteMarkerReplication"] = {"Status": "Enabled"}
    return _INVALID_REQUEST


def _replication_time(minutes: int = _RTC_MINUTES, *, status: str = "Enabled") -> dict[str, Any]:
    """A boto3 ``ReplicationTime`` member (valid with the defaults, R-028)."""
    return {"Status": status, "Time": {"Minutes": minutes}}


def _metrics(minutes: int = _RTC_MINUTES) -> dict[str, Any]:
    """A boto3 ``Metrics`` member with an event threshold (valid with the default, R-028)."""
    return {"Status": "Enabled", "EventThreshold": {"Minutes": minutes}}


def _rtc_minutes(draw: st.DrawFn, config: dict[str, Any]) -> str:
    destination = _first(config)["Destination"]
    destination["ReplicationTime"] = _replication_time(draw(_NOT_FIFTEEN))
    destination["Metrics"] = _metrics()
    return _INVALID_ARGUMENT


def _event_threshold_minutes(draw: st.DrawFn, config: dict[str, Any]) -> str:
    destination = _first(config)["Destination"]
    destination["ReplicationTime"] = _replication_time()
    destination["Metrics"] = _metrics(draw(_NOT_FIFTEEN))
    return _INVALID_ARGUMENT


def _event_threshold_without_rtc(draw: st.DrawFn, config: dict[str, Any]) -> str:
    destination = _first(config)["Destination"]  # RTC absent or Disabled
    if draw(st.booleans()):
        destination["ReplicationTime"] = _replication_time(status="Disabled")
    else:
        destination.pop("ReplicationTime", None)
    destination["Metrics"] = _metrics()
    return _INVALID_ARGUMENT


def _rtc_without_metrics(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    destination = _first(config)["Destination"]
    destination["ReplicationTime"] = _replication_time()
    destination.pop("Metrics", None)
    return _INVALID_REQUEST


def _duplicate_priority(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    copied = copy.deepcopy(_first(config))  # same priority as the first rule
    copied.pop("ID", None)
    config["Rules"].append(copied)
    return _INVALID_REQUEST


def _v1_rule_in_v2(draw: st.DrawFn, config: dict[str, Any]) -> str:
    second = _second_rule(config)  # a rule-level Prefix beside a Filter
    del second["Filter"]
    second["Prefix"] = draw(_prefixes())
    return _INVALID_REQUEST


def _not_filter_without_switch(draw: st.DrawFn, config: dict[str, Any]) -> str:
    # Not is outside the schema of the default profile.
    _first(config)["Filter"] = {"Not": {"Prefix": draw(_prefixes(min_size=1))}}
    return _MALFORMED


def _filter_with_two_children(draw: st.DrawFn, config: dict[str, Any]) -> str:
    tag = draw(tags())  # two conditions need And
    _first(config)["Filter"] = {
        "Prefix": draw(_prefixes()),
        "Tag": {"Key": tag.key, "Value": tag.value},
    }
    return _MALFORMED


def _prefix_beside_filter(draw: st.DrawFn, config: dict[str, Any]) -> str:
    _first(config)["Prefix"] = draw(_prefixes())  # Prefix and Filter in one rule
    return _MALFORMED


def _priority_not_an_integer(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    rule = _first(config)  # xs:int
    rule["Priority"] = str(rule["Priority"])
    return _MALFORMED


def _empty_tag_key(draw: st.DrawFn, config: dict[str, Any]) -> str:
    rule = _first(config)  # Key has at least one character
    rule["Filter"] = {"Tag": {"Key": "", "Value": draw(_TAG_VALUES)}}
    rule["DeleteMarkerReplication"] = {"Status": "Disabled"}
    return _MALFORMED


# --- V1 breaks (R-035..R-037)

_V2_ONLY_ELEMENTS = ("Priority", "DeleteMarkerReplication", "ReplicaModifications", "Metrics")


def _v2_element_in_v1(draw: st.DrawFn, config: dict[str, Any]) -> str:
    rule = _first(config)
    element = draw(st.sampled_from(_V2_ONLY_ELEMENTS))
    if element == "Priority":
        rule["Priority"] = draw(_PRIORITIES)
    elif element == "DeleteMarkerReplication":
        rule["DeleteMarkerReplication"] = {"Status": draw(_DICT_STATUSES)}
    elif element == "ReplicaModifications":
        criteria = rule.setdefault("SourceSelectionCriteria", {})
        criteria["ReplicaModifications"] = {"Status": draw(_DICT_STATUSES)}
    else:
        rule["Destination"]["Metrics"] = {"Status": draw(_DICT_STATUSES)}
    return _INVALID_REQUEST


def _v1_two_destinations(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    second = _second_rule(config)
    second["Destination"]["Bucket"] = _other_bucket(second["Destination"]["Bucket"])
    return _INVALID_REQUEST


def _v1_overlapping_prefixes(draw: st.DrawFn, config: dict[str, Any]) -> str:
    first = _only_first(config)  # one prefix extends the other
    second = copy.deepcopy(first)
    second.pop("ID", None)
    second["Prefix"] = first["Prefix"] + draw(_prefixes(min_size=1))
    config["Rules"].append(second)
    return _INVALID_REQUEST


# --- breaks for either schema (R-025, R-026, R-031, R-041, R-042, R-044..R-047)


def _owner_override_without_account(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    destination = _first(config)["Destination"]
    destination["AccessControlTranslation"] = {"Owner": "Destination"}
    destination.pop("Account", None)
    return _INVALID_REQUEST


def _kms_opt_in_without_key(draw: st.DrawFn, config: dict[str, Any]) -> str:
    rule = _first(config)  # whatever the status
    criteria = rule.setdefault("SourceSelectionCriteria", {})
    criteria["SseKmsEncryptedObjects"] = {"Status": draw(_DICT_STATUSES)}
    destination = rule["Destination"]
    if draw(st.booleans()):
        destination.pop("EncryptionConfiguration", None)
    else:
        destination["EncryptionConfiguration"] = {}
    return _INVALID_REQUEST


def _empty_source_selection_criteria(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    _first(config)["SourceSelectionCriteria"] = {}
    return _INVALID_REQUEST


def _rule_id_too_long(draw: st.DrawFn, config: dict[str, Any]) -> str:
    _first(config)["ID"] = draw(_LONG_RULE_IDS)
    return _INVALID_ARGUMENT


def _duplicate_rule_ids(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    first = _only_first(config)
    first.setdefault("ID", "rule")
    _second_rule(config, rule_id=first["ID"])
    return _INVALID_ARGUMENT


def _unsupported_storage_class(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    _first(config)["Destination"]["StorageClass"] = StorageClass.FSX_OPENZFS.value
    return "InvalidStorageClass"


_BAD_ROLES = (
    "role",
    "arn:aws:iam::123:role/short-account",
    "arn:aws:iam::123456789012:user/not-a-role",
    "arn:aws:s3:::a-bucket",
    "arn:aws-cn:iam::123456789012:role/other-partition",
)


def _invalid_role(draw: st.DrawFn, config: dict[str, Any]) -> str:
    config["Role"] = draw(st.sampled_from(_BAD_ROLES))
    return _INVALID_ARGUMENT


def _invalid_bucket_arn(draw: st.DrawFn, config: dict[str, Any]) -> str:
    destination = _only_first(config)["Destination"]
    name = destination["Bucket"].removeprefix("arn:aws:s3:::")
    destination["Bucket"] = draw(
        st.sampled_from(
            (
                name,
                "arn:aws:s3:::",
                f"arn:aws-cn:s3:::{name}",
                "arn:aws:s3:::Not_A_Bucket",
                f"arn:aws:s3:::{'a' * 64}",
            )
        )
    )
    return _INVALID_ARGUMENT


def _too_many_rules(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    bucket = _first(config)["Destination"]["Bucket"]  # small rules, 1,001 of them
    count = REPLICATION_RULES_MAX + 1
    if "Filter" in _first(config):
        config["Rules"] = [
            {
                "Priority": i,
                "Filter": {},
                "Status": "Enabled",
                "DeleteMarkerReplication": {"Status": "Disabled"},
                "Destination": {"Bucket": bucket},
            }
            for i in range(count)
        ]
    else:
        config["Rules"] = [
            {"Prefix": f"{i:04d}", "Status": "Enabled", "Destination": {"Bucket": bucket}}
            for i in range(count)
        ]
    return _INVALID_REQUEST


def _existing_object_replication(draw: st.DrawFn, config: dict[str, Any]) -> str:
    # no longer in the schema (without the profile switch).
    _first(config)["ExistingObjectReplication"] = {"Status": draw(_DICT_STATUSES)}
    return _MALFORMED


def _no_rules(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    config["Rules"] = []  # R-045, T-05
    return _MALFORMED


def _status_in_wrong_case(draw: st.DrawFn, config: dict[str, Any]) -> str:
    # R-045, T-33: enums are case-sensitive.
    _first(config)["Status"] = draw(st.sampled_from(("enabled", "ENABLED", "disabled")))
    return _MALFORMED


def _unknown_storage_class(draw: st.DrawFn, config: dict[str, Any]) -> str:
    classes = ("standard", "GLACIER_FLEXIBLE_RETRIEVAL", "COLD")  # not in the enum
    _first(config)["Destination"]["StorageClass"] = draw(st.sampled_from(classes))
    return _MALFORMED


def _missing_member(draw: st.DrawFn, config: dict[str, Any]) -> str:
    # Role, Rule/Status and Rule/Destination are required.
    member = draw(st.sampled_from(("Status", "Destination", "Role")))
    if member == "Role":
        del config["Role"]
    else:
        del _first(config)[member]
    return _MALFORMED


def _unknown_member(_draw: st.DrawFn, config: dict[str, Any]) -> str:
    _first(config)["Tags"] = [{"Key": "k", "Value": "v"}]  # not a Rule member
    return _MALFORMED


_V2, _V1 = SchemaVersion.V2, SchemaVersion.V1
#: Every break: (schema of the configuration it breaks, or None for either; the break).
#: Document-level only: each holds in any world that accepts the unbroken configuration.
_BREAKS: tuple[tuple[SchemaVersion | None, _Breaker], ...] = (
    (_V2, _no_priority),
    (_V2, _no_delete_marker_replication),
    (_V2, _tag_filter_with_delete_markers),
    (_V2, _rtc_minutes),
    (_V2, _event_threshold_minutes),
    (_V2, _event_threshold_without_rtc),
    (_V2, _rtc_without_metrics),
    (_V2, _duplicate_priority),
    (_V2, _v1_rule_in_v2),
    (_V2, _not_filter_without_switch),
    (_V2, _filter_with_two_children),
    (_V2, _prefix_beside_filter),
    (_V2, _priority_not_an_integer),
    (_V2, _empty_tag_key),
    (_V1, _v2_element_in_v1),
    (_V1, _v1_two_destinations),
    (_V1, _v1_overlapping_prefixes),
    (None, _owner_override_without_account),
    (None, _kms_opt_in_without_key),
    (None, _empty_source_selection_criteria),
    (None, _rule_id_too_long),
    (None, _duplicate_rule_ids),
    (None, _unsupported_storage_class),
    (None, _invalid_role),
    (None, _invalid_bucket_arn),
    (None, _too_many_rules),
    (None, _existing_object_replication),
    (None, _no_rules),
    (None, _status_in_wrong_case),
    (None, _unknown_storage_class),
    (None, _missing_member),
    (None, _unknown_member),
)


@st.composite
def _invalid_configurations(
    draw: st.DrawFn,
    bases: Mapping[SchemaVersion | None, st.SearchStrategy[ReplicationConfiguration]],
    breaks: Sequence[tuple[SchemaVersion | None, _Breaker]] = _BREAKS,
) -> tuple[dict[str, Any], str]:
    # The break first, so that Hypothesis shrinks towards the first break of the table.
    schema, breaker = draw(st.sampled_from(breaks))
    config = replication_to_dict(draw(bases[schema]))
    code = breaker(draw, config)
    return config, code


def invalid_replication_configurations(
    *,
    role: st.SearchStrategy[str] | None = None,
    destinations: st.SearchStrategy[Destination] | None = None,
) -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    """``(configuration, code)``: valid-looking configurations broken in exactly one way.

    Each configuration is a valid one from :func:`replication_configurations`, in
    the boto3 / AWS CLI dict form (``s3repl.codec.replication_to_dict``), then broken
    once, following SPEC section 2 (R-022..R-047): a V2 rule without ``Priority`` or
    ``DeleteMarkerReplication``, a tag filter replicating delete markers, RTC or
    event-threshold minutes other than 15, an event threshold without RTC, RTC
    without metrics, duplicate priorities or IDs, a V1 rule among V2 rules, a V2-only
    element in V1, two V1 destinations, overlapping V1 prefixes, an owner override
    without ``Account``, the SSE-KMS opt-in without a replica key, an empty
    ``SourceSelectionCriteria``, a rule ID over 255 characters, ``FSX_OPENZFS``, bad
    role or bucket ARNs, 1,001 rules, and the schema errors (``MalformedXML``: no rule,
    a missing or unknown member, an enum in the wrong case, two filter conditions
    without ``And``, ``Not`` without the profile switch, ``ExistingObjectReplication``).

    Why dicts: several breaks (a string priority, an unknown member, no rules) cannot
    be model values, whose constructors refuse them.  Feed the dict through the path
    ``PutBucketReplication`` takes: ``s3repl.codec.replication_from_dict`` (which
    raises ``MalformedXML`` for schema breaks) then
    ``s3repl.validate.validate_replication`` in a world where the unbroken
    configuration is accepted (versioned source, every named destination existing
    and versioned, default profile); the first problem's code is ``code``.  Every
    break is in the document, so it comes before any problem of the world (R-055).
    A world lacking a bucket the break introduces (the second V1 destination) also
    reports R-003, after it.

    Args:
        role: role ARNs for the unbroken configurations (default: any).
        destinations: destinations for the unbroken configurations (default: any;
            pass the buckets of your world).

    Returns:
        A strategy of ``(dict, code)`` pairs; ``code`` is an AWS error code such as
        ``"InvalidRequest"``, ``"InvalidArgument"``, ``"InvalidStorageClass"`` or
        ``"MalformedXML"``.
    """
    bases = {
        schema: replication_configurations(role=role, destinations=destinations, schema=schema)
        for schema in (_V2, _V1, None)
    }
    return _invalid_configurations(bases)
