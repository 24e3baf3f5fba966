"""Terraform plans (``terraform show -json PLAN``) -> the world they describe.

Theory of operation.  :class:`~s3repl.iac._plan.Plan` gives every planned resource
with the values known only after apply filled in from the configuration's references;
this module turns the resources s3repl models into world-file entries in a
:class:`~s3repl.iac._draft.Draft`, and each ``aws_s3_bucket_replication_configuration``
into a configuration to check, in boto3's shape (Terraform's one-item blocks become
members, ``tags`` maps become ``Tags`` lists, empty strings and blocks are unset).
Whatever stays unresolved where it matters is an assumption, with a stated stand-in
for a role or a destination.

Resource types read: ``aws_s3_bucket`` (and its pre-v4 inline ``versioning``,
``server_side_encryption_configuration`` and ``replication_configuration``, whose rules
:func:`_modern_rule` rewrites as v4 rule blocks), ``aws_s3_bucket_versioning``,
``aws_s3_bucket_server_side_encryption_configuration``,
``aws_s3_bucket_ownership_controls``, ``aws_s3_bucket_object_lock_configuration``,
``aws_s3_bucket_policy``, ``aws_s3_bucket_replication_configuration``, ``aws_iam_role``
(inline policies, managed policy ARNs), ``aws_iam_role_policy``, ``aws_iam_policy`` with
``aws_iam_role_policy_attachment``, ``aws_kms_key`` and ``aws_kms_alias``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from s3repl import iam
from s3repl.iac._draft import NOTHING_ALLOWED, Draft, Location, SourceConfiguration
from s3repl.iac._intrinsics import Unresolved
from s3repl.iac._limits import InfrastructureError
from s3repl.iac._lint import settle_document
from s3repl.iac._plan import (
    Plan,
    PlannedResource,
    after_apply,
    caller_account,
    json_document,
    mappings,
    name_from,
    one,
)
from s3repl.iac._yaml import LineMap

__all__ = ["read_plan"]

#: Terraform's replication rule blocks -> boto3's names (blocks are one-item lists).
_RULE_NAMES = {
    "id": "ID",
    "priority": "Priority",
    "status": "Status",
    "prefix": "Prefix",
    "filter": "Filter",
    "tag": "Tag",
    "and": "And",
    "key": "Key",
    "value": "Value",
    "delete_marker_replication": "DeleteMarkerReplication",
    "destination": "Destination",
    "bucket": "Bucket",
    "account": "Account",
    "storage_class": "StorageClass",
    "access_control_translation": "AccessControlTranslation",
    "owner": "Owner",
    "encryption_configuration": "EncryptionConfiguration",
    "replica_kms_key_id": "ReplicaKmsKeyID",
    "metrics": "Metrics",
    "event_threshold": "EventThreshold",
    "minutes": "Minutes",
    "replication_time": "ReplicationTime",
    "time": "Time",
    "source_selection_criteria": "SourceSelectionCriteria",
    "sse_kms_encrypted_objects": "SseKmsEncryptedObjects",
    "replica_modifications": "ReplicaModifications",
    "existing_object_replication": "ExistingObjectReplication",
}


def _boto_rule(value: object) -> Any:
    """A settled Terraform rule -> boto3's shape (empty strings and blocks are unset)."""
    if isinstance(value, Mapping):
        converted: dict[str, Any] = {}
        for key, item in value.items():
            if key == "tags" and isinstance(item, Mapping) and item:
                converted["Tags"] = [{"Key": k, "Value": v} for k, v in item.items()]
                continue
            name = _RULE_NAMES.get(str(key))
            if name is None or item is None or item == "" or item == []:
                continue
            converted[name] = _boto_rule(one(item) if isinstance(item, list) else item)
        return converted
    return value


class _Reader:
    """Resources -> draft entries (see the module docstring)."""

    def __init__(self, plan: Plan) -> None:
        self.p = plan
        self.draft = plan.draft
        self.aliases: dict[str, str] = {}

    def bucket_of(self, resource: PlannedResource) -> str | None:
        name = self.p.settled(resource).get("bucket")
        if isinstance(name, str) and name in self.draft.buckets:
            return name
        shown = name.reason if isinstance(name, Unresolved) else repr(name)
        self.draft.assume(
            self.p.at(resource),
            f"the bucket of {resource.address} ({shown}) is not a bucket of the plan",
            "the resource is left out",
        )
        return None

    def kms_keys(self) -> None:
        for resource in self.p.of_type("aws_kms_key"):
            arn = str(self.p.attribute(resource, "arn"))
            document = self.p.document(resource, "policy")
            location = self.p.at(resource)
            policy = None
            if isinstance(document, Unresolved):
                self.draft.assume(
                    location,
                    f"the key policy of {resource.address} is not in the plan ({document.reason})",
                    "the default key policy (the account may use the key)",
                )
            elif document is not None:
                policy = settle_document(
                    document,
                    owner=f"the key policy of {resource.address}",
                    location=location,
                    draft=self.draft,
                )
            entry: dict[str, Any] = {"arn": arn, "policy": policy}
            if resource.values.get("is_enabled") is False:
                entry["enabled"] = False
            self.draft.add_kms_key(entry, location)
        for resource in self.p.of_type("aws_kms_alias"):
            values = self.p.settled(resource)
            name, target = values.get("name"), values.get("target_key_id")
            if not isinstance(name, str) or not isinstance(target, str):
                continue
            for arn in self.draft.kms_keys:
                if target in (arn, arn.rpartition("/")[2]):
                    self.aliases[name] = arn
                    region = arn.split(":")[3]
                    self.aliases[
                        f"arn:{arn.split(':')[1]}:kms:{region}:{self.draft.account}:{name}"
                    ] = arn

    def key(self, text: str) -> str:
        if text in self.aliases:
            return self.aliases[text]
        return next((arn for arn in self.draft.kms_keys if text == arn.rpartition("/")[2]), text)

    def policies_by_role(self) -> tuple[dict[str, list[Any]], set[str]]:
        """Statements attached to each role name, and the roles with a policy not in the plan."""
        attached: dict[str, list[Any]] = {}
        unknown: set[str] = set()
        managed: dict[str, PlannedResource] = {}
        for resource in self.p.of_type("aws_iam_policy"):
            arn = self.p.attribute(resource, "arn")
            if isinstance(arn, str):
                managed[arn] = resource
        pairs: list[tuple[PlannedResource, object]] = [
            (r, self.p.settled(r).get("role")) for r in self.p.of_type("aws_iam_role_policy")
        ]
        for resource in self.p.of_type("aws_iam_role_policy_attachment"):
            values = self.p.settled(resource)
            policy_arn = values.get("policy_arn")
            role = values.get("role")
            if isinstance(policy_arn, str) and policy_arn in managed:
                pairs.append((managed[policy_arn], role))
            elif isinstance(role, str):
                shown = policy_arn.reason if isinstance(policy_arn, Unresolved) else policy_arn
                self.draft.assume(
                    self.p.at(resource),
                    f"managed policy {shown} attached to role {role} is not in the plan",
                    "it grants nothing (give the role's permissions with --world)",
                )
        for resource, role in pairs:
            if not isinstance(role, str):
                continue
            document = self.p.document(resource, "policy")
            if isinstance(document, Unresolved):
                unknown.add(role)
                self.draft.assume(
                    self.p.at(resource),
                    after_apply(f"the policy of {resource.address}", document),
                    f"role {role} may do every replication action (give it with --world)",
                )
                continue
            settled = settle_document(
                document,
                owner=f"policy {resource.address}",
                location=self.p.at(resource),
                draft=self.draft,
            )
            attached.setdefault(role, []).extend(settled["Statement"] if settled else [])
        return attached, unknown

    def roles(self) -> None:
        attached, unknown = self.policies_by_role()
        for resource in self.p.of_type("aws_iam_role"):
            values = self.p.settled(resource)
            arn = self.p.attribute(resource, "arn")
            name = values.get("name")
            location = self.p.at(resource)
            if not isinstance(arn, str) or not isinstance(name, str):
                self.draft.assume(
                    location,
                    f"the name of {resource.address} is known only after apply",
                    "the role is left out",
                )
                continue
            statements = list(attached.get(name, []))
            for block in mappings(values.get("inline_policy")):
                text = block.get("policy")
                if isinstance(text, str) and text:
                    settled = settle_document(
                        json_document(text, f"the inline policy of {resource.address}"),
                        owner=f"inline policy of {resource.address}",
                        location=location,
                        draft=self.draft,
                    )
                    statements += settled["Statement"] if settled else []
            arns = values.get("managed_policy_arns")
            for policy_arn in arns if isinstance(arns, list) else []:
                self.draft.assume(
                    location,
                    f"managed policy {policy_arn} of {resource.address} is not in the plan",
                    "it grants nothing (give the role's permissions with --world)",
                )
            trust = self.p.document(resource, "assume_role_policy")
            trusted = True
            if isinstance(trust, Mapping):
                try:
                    trusted = iam.can_assume(iam.parse_policy(trust, kind=iam.PolicyKind.TRUST))
                except ValueError:
                    self.draft.assume(
                        location,
                        f"the trust policy of {resource.address} cannot be read",
                        "it lets S3 assume the role",
                    )
            policy: dict[str, Any] | None
            if name in unknown:
                policy = None
            else:
                policy = (
                    {"Version": "2012-10-17", "Statement": statements}
                    if statements
                    else NOTHING_ALLOWED
                )
            self.draft.add_role({"arn": arn, "policy": policy, "trusted": trusted}, location)

    def buckets(self) -> None:
        for resource in self.p.of_type("aws_s3_bucket"):
            name = self.p.settled(resource).get("bucket")
            if not isinstance(name, str):
                why = name.reason if isinstance(name, Unresolved) else "no bucket argument"
                name = str(self.p.attribute(resource, "bucket"))
                self.draft.assume(
                    self.p.at(resource),
                    f"the name of {resource.address} is known only after apply ({why})",
                    repr(name),
                )
            values = self.p.settled(resource)
            entry: dict[str, Any] = {
                "name": name,
                "account": self.draft.account,
                "region": self.p.region(resource),
            }
            if values.get("object_lock_enabled") is True:
                entry["object_lock"] = True
            versioning = one(values.get("versioning"))
            if versioning.get("enabled") is True:
                entry["versioning"] = "Enabled"
            encryption = one(values.get("server_side_encryption_configuration"))
            if encryption:
                entry["encryption"] = self.encryption(encryption.get("rule", []))
            self.draft.add_bucket(entry, self.p.at(resource))

    def encryption(self, rules: object) -> dict[str, Any]:
        converted = []
        for rule in rules if isinstance(rules, list) else []:
            default = (
                one(rule.get("apply_server_side_encryption_by_default"))
                if isinstance(rule, Mapping)
                else {}
            )
            applied: dict[str, Any] = {}
            if isinstance(default.get("sse_algorithm"), str):
                applied["SSEAlgorithm"] = default["sse_algorithm"]
            key = default.get("kms_master_key_id")
            if isinstance(key, str) and key:
                applied["KMSMasterKeyID"] = self.key(key)
            item: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": applied}
            if isinstance(rule, Mapping) and isinstance(rule.get("bucket_key_enabled"), bool):
                item["BucketKeyEnabled"] = rule["bucket_key_enabled"]
            converted.append(item)
        return {"Rules": converted}

    def bucket_settings(self) -> None:
        for resource in self.p.of_type("aws_s3_bucket_versioning"):
            bucket = self.bucket_of(resource)
            status = one(self.p.settled(resource).get("versioning_configuration")).get("status")
            if bucket is not None and status in ("Enabled", "Suspended"):
                self.draft.buckets[bucket]["versioning"] = status
        for resource in self.p.of_type("aws_s3_bucket_server_side_encryption_configuration"):
            bucket = self.bucket_of(resource)
            if bucket is not None:
                self.draft.buckets[bucket]["encryption"] = self.encryption(
                    self.p.settled(resource).get("rule")
                )
        for resource in self.p.of_type("aws_s3_bucket_ownership_controls"):
            bucket = self.bucket_of(resource)
            ownership = one(self.p.settled(resource).get("rule")).get("object_ownership")
            if bucket is not None and isinstance(ownership, str):
                self.draft.buckets[bucket]["ownership"] = ownership
        for resource in self.p.of_type("aws_s3_bucket_object_lock_configuration"):
            bucket = self.bucket_of(resource)
            retention = one(one(self.p.settled(resource).get("rule")).get("default_retention"))
            if bucket is not None and retention:
                rule = {k.capitalize(): v for k, v in retention.items() if v not in (None, "", 0)}
                self.draft.buckets[bucket]["object_lock_configuration"] = {
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {"DefaultRetention": rule},
                }
        for resource in self.p.of_type("aws_s3_bucket_policy"):
            bucket = self.bucket_of(resource)
            document = self.p.document(resource, "policy")
            if bucket is None:
                continue
            if isinstance(document, Unresolved):
                self.draft.assume(
                    self.p.at(resource),
                    after_apply(f"the policy of {resource.address}", document),
                    "the bucket has no policy (give it with --world)",
                )
                continue
            policy = settle_document(
                document,
                owner=f"bucket policy {resource.address}",
                location=self.p.at(resource),
                draft=self.draft,
            )
            if policy is not None:
                self.draft.buckets[bucket]["policy"] = policy

    def replications(self) -> None:
        found: list[tuple[PlannedResource, str, Mapping[str, Any], list[Any]]] = []
        for resource in self.p.of_type("aws_s3_bucket"):
            inline = one(self.p.settled(resource).get("replication_configuration"))
            if inline:
                name = str(self.p.attribute(resource, "bucket"))
                rules = [_modern_rule(r) for r in mappings(inline.get("rules"))]
                found.append((resource, name, inline, rules))
        for resource in self.p.of_type("aws_s3_bucket_replication_configuration"):
            bucket = self.bucket_of(resource)
            if bucket is not None:
                settled = self.p.settled(resource)
                found.append((resource, bucket, settled, mappings(settled.get("rule"))))
        for resource, bucket, configuration, rules in found:
            self.replication(resource, bucket, configuration, rules)

    def replication(
        self, resource: PlannedResource, bucket: str, values: Mapping[str, Any], rules: list[Any]
    ) -> None:
        location = self.p.at(resource)
        role = values.get("role")
        if isinstance(role, Unresolved):
            name = name_from(resource.address)[:59]
            stand_in = f"arn:aws:iam::{self.draft.account}:role/{name}-role"
            self.draft.assume(
                location,
                f"the role of {resource.address} is known only after apply ({role.reason})",
                stand_in,
            )
            role = stand_in
        converted = [self.rule(resource, index, rule, location) for index, rule in enumerate(rules)]
        config = {"Role": role, "Rules": converted}
        self.draft.sources.append(
            SourceConfiguration(bucket=bucket, location=location, configuration=config)
        )

    def rule(
        self, resource: PlannedResource, index: int, rule: Mapping[str, Any], location: Location
    ) -> Any:
        destination = one(rule.get("destination"))
        settled = dict(rule)
        bucket = destination.get("bucket")
        fixed = dict(destination)
        if isinstance(bucket, Unresolved):
            stand_in = f"arn:aws:s3:::{name_from(resource.address)[:50]}-dest-{index}"
            self.draft.assume(
                location,
                after_apply(f"the destination of rule {index + 1} of {resource.address}", bucket),
                stand_in,
            )
            fixed["bucket"] = stand_in
        encryption = one(destination.get("encryption_configuration"))
        key = encryption.get("replica_kms_key_id")
        if isinstance(key, str) and key:
            fixed["encryption_configuration"] = [{"replica_kms_key_id": self.key(key)}]
        elif isinstance(key, Unresolved):
            self.draft.assume(
                location,
                after_apply(f"the replica KMS key of rule {index + 1} of {resource.address}", key),
                "it is left out",
            )
            fixed["encryption_configuration"] = []
        settled["destination"] = [fixed]
        for key_name, item in list(settled.items()):
            if isinstance(item, Unresolved):
                self.draft.assume(
                    location,
                    after_apply(f"{key_name} of rule {index + 1} of {resource.address}", item),
                    "it is left out",
                )
                del settled[key_name]
        converted: dict[str, Any] = _boto_rule(settled)
        if "Filter" not in converted:  # a V1 rule: its Prefix is required, "" included
            converted.setdefault("Prefix", settled.get("prefix") or "")
        return converted


def _modern_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """A rule of the pre-4.0 inline ``replication_configuration`` -> the 4.0+ rule block.

    Version 3 of the AWS provider wrote a V2 rule as a ``filter`` with a ``tags`` map,
    ``delete_marker_replication_status``, and ``destination`` members that are blocks
    of their own since 4.0 (``replica_kms_key_id``, ``account_id``, ``replication_time``
    and ``metrics`` minutes); a rule without ``filter`` is a V1 rule with its ``prefix``.
    """
    modern: dict[str, Any] = {"id": rule.get("id"), "status": rule.get("status")}
    flt = one(rule.get("filter"))
    if rule.get("filter"):
        tags = flt.get("tags") if isinstance(flt.get("tags"), Mapping) else {}
        prefix = flt.get("prefix") or ""
        if tags and (prefix or len(tags) > 1):
            modern["filter"] = [{"and": [{"prefix": prefix, "tags": tags}]}]
        elif tags:
            ((key, value),) = tags.items()
            modern["filter"] = [{"tag": [{"key": key, "value": value}]}]
        else:
            modern["filter"] = [{"prefix": prefix}]
        modern["priority"] = rule.get("priority")
        markers = "Enabled" if rule.get("delete_marker_replication_status") == "Enabled" else None
        modern["delete_marker_replication"] = [{"status": markers or "Disabled"}]
    else:
        modern["prefix"] = rule.get("prefix") or ""
    destination = one(rule.get("destination"))
    converted: dict[str, Any] = {
        "bucket": destination.get("bucket"),
        "storage_class": destination.get("storage_class"),
        "account": destination.get("account_id"),
        "access_control_translation": destination.get("access_control_translation") or [],
    }
    if destination.get("replica_kms_key_id"):
        converted["encryption_configuration"] = [
            {"replica_kms_key_id": destination["replica_kms_key_id"]}
        ]
    timing = one(destination.get("replication_time"))
    if timing:
        time = [{"minutes": timing.get("minutes")}]
        converted["replication_time"] = [{"status": timing.get("status"), "time": time}]
    metrics = one(destination.get("metrics"))
    if metrics:
        threshold = [{"minutes": metrics.get("minutes")}]
        converted["metrics"] = [{"status": metrics.get("status"), "event_threshold": threshold}]
    modern["destination"] = [converted]
    kms = one(one(rule.get("source_selection_criteria")).get("sse_kms_encrypted_objects"))
    if kms:
        status = "Enabled" if kms.get("enabled") is True else "Disabled"
        modern["source_selection_criteria"] = [{"sse_kms_encrypted_objects": [{"status": status}]}]
    return modern


def read_plan(
    plan: Mapping[str, Any],
    lines: LineMap,
    *,
    file: str,
    account: str,
    region: str,
    account_given: bool,
) -> Draft:
    """The world a Terraform plan describes (see the module docstring).

    Args:
        plan: the parsed ``terraform show -json`` output.
        lines: the line of each resource address in the file.
        file: the file's name, for locations.
        account: the account the plan deploys into (``--account``).
        region: the Region of resources whose provider names none (``--region``).
        account_given: whether ``--account`` was given (else it is an assumption).

    Returns:
        the draft: world entries, configurations to check, and assumptions.

    Raises:
        InfrastructureError: the plan's ``format_version`` is of a major version this
            reader does not know, or the plan has no planned values.
    """
    version = str(plan.get("format_version", ""))
    if version.partition(".")[0] != "1":
        msg = f"{file}: plan format_version {version!r} is not supported (1.x is)"
        raise InfrastructureError(msg)
    if not isinstance(plan.get("planned_values"), Mapping):
        msg = f"{file}: the plan has no planned_values (is it a plan, not a state?)"
        raise InfrastructureError(msg)
    planned_account = caller_account(plan)
    if planned_account is not None and not account_given:
        account, account_given = planned_account, True
    draft = Draft(file=file, account=account, region=region)
    parsed = Plan(plan, draft, lines)
    reader = _Reader(parsed)
    reader.kms_keys()
    reader.roles()
    reader.buckets()
    reader.bucket_settings()
    reader.replications()
    if not account_given and parsed.resources:
        draft.assume(
            draft.at(),
            "the plan names no account (no data.aws_caller_identity) and --account is not given",
            f"{account} (give --account)",
        )
    return draft
