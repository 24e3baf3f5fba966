"""The replication configuration (SPEC section 2) in its XML and boto3 dict forms.

The shape below follows botocore 1.44.8's ``service-2.json`` (SPEC source BC): member
names, required members, enums, and the XML spelling of lists. ``Rule`` is a flattened
list (JSON ``Rules``); inside ``And`` the tags are flattened ``Tag`` elements (JSON
``Tags``); inside ``Or`` both lists are flattened, ``Prefix`` and ``Tag`` elements whose
JSON names are botocore's ``Prefixes`` and ``Tags``. (Those two names come from the
service model, which has ``ReplicationRuleNotOperator`` and ``ReplicationRuleOrOperator``
since after 1.40.0, R-022; they are not guesses.)

What the codec refuses, and what it leaves to ``s3repl.validate``. The codec enforces
the *schema* only, the checks AWS answers with ``MalformedXML``: unknown elements and
members, repeated elements, enum values (case-sensitive: ``enabled`` is refused,
T-33), integers, required members, zero rules (T-05), syntax, size, DTDs. It decodes
faithfully everything that is schema-valid but semantically wrong (a V2 rule without
``Priority`` or ``DeleteMarkerReplication``, an empty ``SourceSelectionCriteria``, a
256-character ``ID``, ``Minutes`` 10, ``ExistingObjectReplication``, more than 1,000
rules), so that ``validate`` can report every problem with AWS's code.

Decisions the SPEC does not settle (INF):

- ``DeleteMarkerReplication/Status`` and ``Time/Minutes`` / ``EventThreshold/Minutes``
  are optional in botocore, but the model cannot tell an empty
  ``<DeleteMarkerReplication/>`` or ``<Time/>`` from an absent one, and AWS's answer to
  them is not recorded; the codec requires them (``MalformedXML``) rather than guess.
- A dict stands for the XML body boto3 would send for it, so that body is checked
  too: it must not exceed 2 MB (R-020) and must be representable in XML 1.0 (no NUL
  or other C0 controls); otherwise the two forms would not be refused alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from s3repl.codec._shapes import (
    INTEGER,
    STRING,
    Document,
    ListOf,
    Member,
    Structure,
    build,
    enum,
    guard,
)
from s3repl.codec._xml import MAX_DOCUMENT_BYTES, refusal
from s3repl.errors import MalformedXML
from s3repl.model.enums import StorageClass
from s3repl.model.replication import (
    AccessControlTranslation,
    AndOperator,
    Destination,
    EncryptionConfiguration,
    Filter,
    Metrics,
    NotOperator,
    OrOperator,
    ReplicationConfiguration,
    ReplicationRule,
    ReplicationTime,
    SourceSelectionCriteria,
    Tag,
)

__all__ = [
    "replication_from_dict",
    "replication_from_xml",
    "replication_to_dict",
    "replication_to_xml",
]

_ROOT = "ReplicationConfiguration"

# --------------------------------------------------------------------------- the shape

_STATUS = enum("Enabled", "Disabled")
_STATUS_ONLY = Structure((Member("Status", _STATUS, required=True),))
_MINUTES = Structure((Member("Minutes", INTEGER, required=True),))
_TAG = Structure((Member("Key", STRING, required=True), Member("Value", STRING, required=True)))
_OR = Structure(
    (
        Member("Prefixes", ListOf(STRING), xml_name="Prefix", flattened=True),
        Member("Tags", ListOf(_TAG), xml_name="Tag", flattened=True),
    )
)
_NOT = Structure((Member("Prefix", STRING), Member("Tag", _TAG), Member("Or", _OR)))
_AND = Structure(
    (
        Member("Prefix", STRING),
        Member("Tags", ListOf(_TAG), xml_name="Tag", flattened=True),
        Member("Not", _NOT),
    )
)
_FILTER = Structure(
    (Member("Prefix", STRING), Member("Tag", _TAG), Member("And", _AND), Member("Not", _NOT))
)
_DESTINATION = Structure(
    (
        Member("Bucket", STRING, required=True),
        Member("Account", STRING),
        Member("StorageClass", enum(*(c.value for c in StorageClass))),
        Member(
            "AccessControlTranslation",
            Structure((Member("Owner", enum("Destination"), required=True),)),
        ),
        Member(
            "EncryptionConfiguration",
            Structure(
                (
                    Member("ReplicaKmsKeyID", STRING),
                    Member("UseSourceMultiRegionKey", _STATUS_ONLY),
                )
            ),
        ),
        Member(
            "ReplicationTime",
            Structure(
                (
                    Member("Status", _STATUS, required=True),
                    Member("Time", _MINUTES, required=True),
                )
            ),
        ),
        Member(
            "Metrics",
            Structure(
                (Member("Status", _STATUS, required=True), Member("EventThreshold", _MINUTES))
            ),
        ),
    )
)
_RULE = Structure(
    (
        Member("ID", STRING),
        Member("Priority", INTEGER),
        Member("Prefix", STRING),
        Member("Filter", _FILTER),
        Member("Status", _STATUS, required=True),
        Member(
            "SourceSelectionCriteria",
            Structure(
                (
                    Member("SseKmsEncryptedObjects", _STATUS_ONLY),
                    Member("ReplicaModifications", _STATUS_ONLY),
                )
            ),
        ),
        Member("ExistingObjectReplication", _STATUS_ONLY),
        Member("Destination", _DESTINATION, required=True),
        Member("DeleteMarkerReplication", _STATUS_ONLY),
    )
)
_CONFIGURATION = Structure(
    (
        Member("Role", STRING, required=True),
        Member("Rules", ListOf(_RULE, min_size=1), xml_name="Rule", flattened=True, required=True),
    )
)
_DOCUMENT = Document(_ROOT, _CONFIGURATION)

# --------------------------------------------------------------------------- dict -> model


def _status(d: Mapping[str, Any] | None) -> Any:
    return None if d is None else d["Status"]


def _tag(d: Mapping[str, Any], path: str) -> Tag:
    return build(path, lambda: Tag(key=d["Key"], value=d["Value"]))


def _tags(items: list[Mapping[str, Any]], path: str) -> tuple[Tag, ...]:
    return tuple(_tag(t, f"{path}/Tag[{i}]") for i, t in enumerate(items, start=1))


def _or(d: Mapping[str, Any], path: str) -> OrOperator:
    return OrOperator(prefixes=tuple(d.get("Prefixes", ())), tags=_tags(d.get("Tags", []), path))


def _not(d: Mapping[str, Any], path: str) -> NotOperator:
    tag = _tag(d["Tag"], f"{path}/Tag") if "Tag" in d else None
    or_ = _or(d["Or"], f"{path}/Or") if "Or" in d else None
    return build(path, lambda: NotOperator(prefix=d.get("Prefix"), tag=tag, or_=or_))


def _and(d: Mapping[str, Any], path: str) -> AndOperator:
    not_ = _not(d["Not"], f"{path}/Not") if "Not" in d else None
    return AndOperator(prefix=d.get("Prefix"), tags=_tags(d.get("Tags", []), path), not_=not_)


def _filter(d: Mapping[str, Any], path: str) -> Filter:
    tag = _tag(d["Tag"], f"{path}/Tag") if "Tag" in d else None
    and_ = _and(d["And"], f"{path}/And") if "And" in d else None
    not_ = _not(d["Not"], f"{path}/Not") if "Not" in d else None
    return build(path, lambda: Filter(prefix=d.get("Prefix"), tag=tag, and_=and_, not_=not_))


def _destination(d: Mapping[str, Any]) -> Destination:
    act = d.get("AccessControlTranslation")
    enc = d.get("EncryptionConfiguration")
    rtc = d.get("ReplicationTime")
    metrics = d.get("Metrics")
    return Destination(
        bucket=d["Bucket"],
        account=d.get("Account"),
        storage_class=d.get("StorageClass"),
        access_control_translation=(
            None if act is None else AccessControlTranslation(owner=act["Owner"])
        ),
        encryption_configuration=(
            None
            if enc is None
            else EncryptionConfiguration(
                replica_kms_key_id=enc.get("ReplicaKmsKeyID"),
                use_source_multi_region_key=_status(enc.get("UseSourceMultiRegionKey")),
            )
        ),
        replication_time=(
            None
            if rtc is None
            else ReplicationTime(status=rtc["Status"], minutes=rtc["Time"]["Minutes"])
        ),
        metrics=(
            None
            if metrics is None
            else Metrics(
                status=metrics["Status"],
                event_threshold_minutes=(metrics.get("EventThreshold") or {}).get("Minutes"),
            )
        ),
    )


def _rule(d: Mapping[str, Any], path: str) -> ReplicationRule:
    filter_ = _filter(d["Filter"], f"{path}/Filter") if "Filter" in d else None
    ssc = d.get("SourceSelectionCriteria")
    criteria = (
        None
        if ssc is None
        else SourceSelectionCriteria(
            sse_kms_encrypted_objects=_status(ssc.get("SseKmsEncryptedObjects")),
            replica_modifications=_status(ssc.get("ReplicaModifications")),
        )
    )
    destination = _destination(d["Destination"])
    return build(
        path,
        lambda: ReplicationRule(
            destination=destination,
            status=d["Status"],
            id=d.get("ID"),
            priority=d.get("Priority"),
            prefix=d.get("Prefix"),
            filter=filter_,
            source_selection_criteria=criteria,
            existing_object_replication=_status(d.get("ExistingObjectReplication")),
            delete_marker_replication=_status(d.get("DeleteMarkerReplication")),
        ),
    )


def _configuration(d: Mapping[str, Any]) -> ReplicationConfiguration:
    rules = tuple(_rule(r, f"{_ROOT}/Rule[{i}]") for i, r in enumerate(d["Rules"], start=1))
    return ReplicationConfiguration(role=d["Role"], rules=rules)


# --------------------------------------------------------------------------- model -> dict


def _status_dict(status: Any) -> dict[str, Any]:
    return {"Status": status.value}


def _tag_dict(tag: Tag) -> dict[str, Any]:
    return {"Key": tag.key, "Value": tag.value}


def _not_dict(not_: NotOperator) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not_.prefix is not None:
        out["Prefix"] = not_.prefix
    if not_.tag is not None:
        out["Tag"] = _tag_dict(not_.tag)
    if not_.or_ is not None:
        or_: dict[str, Any] = {}
        if not_.or_.prefixes:
            or_["Prefixes"] = list(not_.or_.prefixes)
        if not_.or_.tags:
            or_["Tags"] = [_tag_dict(t) for t in not_.or_.tags]
        out["Or"] = or_
    return out


def _filter_dict(filter_: Filter) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if filter_.prefix is not None:
        out["Prefix"] = filter_.prefix
    if filter_.tag is not None:
        out["Tag"] = _tag_dict(filter_.tag)
    if filter_.and_ is not None:
        and_: dict[str, Any] = {}
        if filter_.and_.prefix is not None:
            and_["Prefix"] = filter_.and_.prefix
        if filter_.and_.tags:
            and_["Tags"] = [_tag_dict(t) for t in filter_.and_.tags]
        if filter_.and_.not_ is not None:
            and_["Not"] = _not_dict(filter_.and_.not_)
        out["And"] = and_
    if filter_.not_ is not None:
        out["Not"] = _not_dict(filter_.not_)
    return out


def _destination_dict(dest: Destination) -> dict[str, Any]:
    out: dict[str, Any] = {"Bucket": dest.bucket}
    if dest.account is not None:
        out["Account"] = dest.account
    if dest.storage_class is not None:
        out["StorageClass"] = dest.storage_class.value
    if dest.access_control_translation is not None:
        out["AccessControlTranslation"] = {"Owner": dest.access_control_translation.owner}
    enc = dest.encryption_configuration
    if enc is not None:
        enc_dict: dict[str, Any] = {}
        if enc.replica_kms_key_id is not None:
            enc_dict["ReplicaKmsKeyID"] = enc.replica_kms_key_id
        if enc.use_source_multi_region_key is not None:
            enc_dict["UseSourceMultiRegionKey"] = _status_dict(enc.use_source_multi_region_key)
        out["EncryptionConfiguration"] = enc_dict
    if dest.replication_time is not None:
        out["ReplicationTime"] = {
            "Status": dest.replication_time.status.value,
            "Time": {"Minutes": dest.replication_time.minutes},
        }
    if dest.metrics is not None:
        metrics: dict[str, Any] = {"Status": dest.metrics.status.value}
        if dest.metrics.event_threshold_minutes is not None:
            metrics["EventThreshold"] = {"Minutes": dest.metrics.event_threshold_minutes}
        out["Metrics"] = metrics
    return out


def _rule_dict(rule: ReplicationRule) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rule.id is not None:
        out["ID"] = rule.id
    if rule.priority is not None:
        out["Priority"] = rule.priority
    if rule.prefix is not None:
        out["Prefix"] = rule.prefix
    if rule.filter is not None:
        out["Filter"] = _filter_dict(rule.filter)
    out["Status"] = rule.status.value
    ssc = rule.source_selection_criteria
    if ssc is not None:
        ssc_dict: dict[str, Any] = {}
        if ssc.sse_kms_encrypted_objects is not None:
            ssc_dict["SseKmsEncryptedObjects"] = _status_dict(ssc.sse_kms_encrypted_objects)
        if ssc.replica_modifications is not None:
            ssc_dict["ReplicaModifications"] = _status_dict(ssc.replica_modifications)
        out["SourceSelectionCriteria"] = ssc_dict
    if rule.existing_object_replication is not None:
        out["ExistingObjectReplication"] = _status_dict(rule.existing_object_replication)
    out["Destination"] = _destination_dict(rule.destination)
    if rule.delete_marker_replication is not None:
        out["DeleteMarkerReplication"] = _status_dict(rule.delete_marker_replication)
    return out


# --------------------------------------------------------------------------- public API


def replication_from_xml(text: str | bytes) -> ReplicationConfiguration:
    """Decode a ``PutBucketReplication`` XML body (or a ``GetBucketReplication`` reply).

    The document may use the S3 namespace or none. It is refused before parsing when
    it exceeds 2 MB (R-020) or declares a DTD (so entity bombs never expand).

    Args:
        text: the XML document, as ``str`` or UTF-8 ``bytes``.

    Returns:
        The configuration, exactly as written: semantic checks (R-033..R-047) are
        ``s3repl.validate``'s job.

    Raises:
        MalformedXML: with AWS's message (R-045) and ``element`` naming the offending
            path, e.g. ``ReplicationConfiguration/Rule[2]/Destination/StorageClass``.
    """
    return guard(_ROOT, lambda: _configuration(_DOCUMENT.decode_xml(text)))


def replication_to_xml(config: ReplicationConfiguration) -> str:
    """Encode a configuration as S3 XML, elements in the order of the S3 schema.

    Args:
        config: the configuration.

    Returns:
        The XML document (with declaration and S3 namespace); decoding it with
        :func:`replication_from_xml` gives back ``config``.

    Raises:
        MalformedXML: when a string holds a character XML 1.0 cannot carry.
    """
    return _DOCUMENT.encode_xml(replication_to_dict(config))


def replication_from_dict(d: Mapping[str, Any]) -> ReplicationConfiguration:
    """Decode the boto3 / AWS CLI form (``{"Role": ..., "Rules": [...]}``).

    Also accepts ``{"ReplicationConfiguration": {...}}``, as ``aws s3api
    get-bucket-replication`` prints it, and a whole boto3 response. Types are checked
    as strictly as the XML schema: ``"Priority": "1"`` or ``"Rules": {}`` are refused.

    Args:
        d: the configuration mapping.

    Returns:
        The configuration, exactly as written (see :func:`replication_from_xml`).

    Raises:
        MalformedXML: as for XML input, with the same element paths; also when the
            XML body the dict stands for would exceed 2 MB or hold a character XML
            1.0 cannot carry.
    """
    config = guard(_ROOT, lambda: _configuration(_DOCUMENT.decode_dict(d)))
    size = len(replication_to_xml(config).encode("utf-8"))
    if size > MAX_DOCUMENT_BYTES:
        raise refusal(MalformedXML, _ROOT, f"the document is {size} bytes as XML")
    return config


def replication_to_dict(config: ReplicationConfiguration) -> dict[str, Any]:
    """Encode a configuration in the boto3 / AWS CLI form.

    Args:
        config: the configuration.

    Returns:
        A fresh ``{"Role": ..., "Rules": [...]}`` dict, members named and ordered as
        in botocore's service model; absent members are left out.
    """
    return {"Role": config.role, "Rules": [_rule_dict(rule) for rule in config.rules]}


def replication_from_any(
    config: ReplicationConfiguration | Mapping[str, Any] | str | bytes,
) -> ReplicationConfiguration:
    """The model value of a configuration in any form ``PutBucketReplication`` takes.

    Args:
        config: a :class:`~s3repl.model.ReplicationConfiguration` (returned as is),
            boto3's / the AWS CLI's dict, or the S3 XML document (``str`` or ``bytes``).

    Raises:
        s3repl.errors.S3Error: the decoder's error for a document that does not decode
            (``MalformedXML``, R-045).
    """
    if isinstance(config, ReplicationConfiguration):
        return config
    if isinstance(config, str | bytes):
        return replication_from_xml(config)
    return replication_from_dict(config)
