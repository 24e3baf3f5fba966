"""Terraform plans (``terraform show -json PLAN``) -> the world they describe.

Theory of operation.  A plan gives each resource's planned values
(``planned_values.root_module`` and its ``child_modules``), but a value known only after
apply (a role's ``arn``, a key's ``arn``, a bucket's ``arn``) is simply absent there.
The ``configuration`` section says where such a value comes from: each attribute's
expression carries its ``references`` (``aws_iam_role.replication.arn``).  The reader
walks the configuration's expressions beside the planned values, and fills each
absent attribute from its first reference: the referenced resource's planned value,
or the value AWS will give it, computed from what is known (a bucket's ARN from its
name, a role's from its name and the account; a key the plan creates gets a fixed,
key-id-shaped id).  What no reference resolves stays
:class:`~s3repl.iac._intrinsics.Unresolved` and becomes an assumption where it matters.

Regions come from the resource itself (the AWS provider's ``region`` argument, v6)
or from the provider configuration it uses (``provider_config_key``: ``aws`` or an
alias such as ``aws.dr``), whose ``region`` may be a constant or a root variable.

Resource types read: ``aws_s3_bucket`` (and its pre-v4 inline ``versioning`` and
``server_side_encryption_configuration``), ``aws_s3_bucket_versioning``,
``aws_s3_bucket_server_side_encryption_configuration``,
``aws_s3_bucket_ownership_controls``, ``aws_s3_bucket_object_lock_configuration``,
``aws_s3_bucket_policy``, ``aws_s3_bucket_replication_configuration``, ``aws_iam_role``
(inline policies, managed policy ARNs), ``aws_iam_role_policy``, ``aws_iam_policy`` with
``aws_iam_role_policy_attachment``, ``aws_kms_key`` and ``aws_kms_alias``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from s3repl import iam
from s3repl.iac._draft import NOTHING_ALLOWED, Draft, Location, SourceConfiguration
from s3repl.iac._intrinsics import Unresolved
from s3repl.iac._limits import InfrastructureError
from s3repl.iac._lint import settle_document
from s3repl.iac._yaml import LineMap
from s3repl.model.names import partition_of_region

__all__ = ["read_plan"]

_INDEX = re.compile(r"\[[^\]]*\]")
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


@attrs.frozen(kw_only=True)
class _Resource:
    """One planned managed resource, with its configuration expressions."""

    address: str
    type: str
    module: str
    values: Mapping[str, Any]
    expressions: Mapping[str, Any]
    provider_key: str


def _after_apply(what: str, value: Unresolved) -> str:
    return f"{what} is known only after apply ({value.reason})"


def _name_from(address: str) -> str:
    """A bucket-name-shaped stand-in made of a resource address."""
    return re.sub(r"[^a-z0-9-]+", "-", address.lower()).strip("-")


def _json_document(text: str, what: str) -> object:
    """A JSON policy document given as text, or Unresolved when it is not JSON."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return Unresolved(reason=f"{what} is not JSON")


def _key_id(address: str) -> str:
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def _planned(module: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every resource of a planned module and its child modules (bounded by nesting)."""
    resources = module.get("resources", [])
    yield from (
        (r for r in resources if isinstance(r, Mapping)) if isinstance(resources, list) else ()
    )
    children = module.get("child_modules", [])
    for child in children if isinstance(children, list) else []:
        if isinstance(child, Mapping):
            yield from _planned(child)


def _configured(
    module: Mapping[str, Any],
    prefix: str,
    found: dict[str, Mapping[str, Any]],
    calls_found: dict[str, Mapping[str, Any]],
) -> None:
    """Index the configuration's resources and module calls.

    Resources go by full address without index (``module.a.aws_x.y``), module calls'
    argument expressions by the called module's prefix (``module.a.``).
    """
    resources = module.get("resources", [])
    for resource in resources if isinstance(resources, list) else []:
        if isinstance(resource, Mapping) and isinstance(resource.get("address"), str):
            found[f"{prefix}{resource['address']}"] = resource
    calls = module.get("module_calls", {})
    for name, call in calls.items() if isinstance(calls, Mapping) else ():
        inner = call.get("module") if isinstance(call, Mapping) else None
        if isinstance(inner, Mapping):
            arguments = call.get("expressions")
            if isinstance(arguments, Mapping):
                calls_found[f"{prefix}module.{name}."] = arguments
            _configured(inner, f"{prefix}module.{name}.", found, calls_found)


def _one(value: object) -> Mapping[str, Any]:
    """The single object of a Terraform block (a one-item list), or ``{}``."""
    if isinstance(value, list) and value and isinstance(value[0], Mapping):
        return value[0]
    return value if isinstance(value, Mapping) else {}


def _boto_rule(value: object) -> Any:
    """A settled Terraform rule -> boto3's shape (empty strings and blocks are unset)."""
    if isinstance(value, Mapping):
        converted: dict[str, Any] = {}
        for key, item in value.items():
            name = _RULE_NAMES.get(str(key))
            if name is None or item is None or item == "" or item == []:
                continue
            if key == "tags" and isinstance(item, Mapping):
                converted["Tags"] = [{"Key": k, "Value": v} for k, v in item.items()]
                continue
            if isinstance(item, list) and key not in ("rule",):
                item = _one(item)
            converted[name] = _boto_rule(item)
        return converted
    return value


class _Plan:
    """The plan's resources, with the values known only after apply filled in."""

    def __init__(self, plan: Mapping[str, Any], draft: Draft, lines: LineMap) -> None:
        self.plan = plan
        self.draft = draft
        self.lines = lines
        configuration = plan.get("configuration", {})
        configuration = configuration if isinstance(configuration, Mapping) else {}
        providers = configuration.get("provider_config", {})
        self.providers = providers if isinstance(providers, Mapping) else {}
        config_index: dict[str, Mapping[str, Any]] = {}
        self.calls: dict[str, Mapping[str, Any]] = {}
        root = configuration.get("root_module", {})
        _configured(root if isinstance(root, Mapping) else {}, "", config_index, self.calls)
        planned = plan.get("planned_values", {})
        planned_root = planned.get("root_module", {}) if isinstance(planned, Mapping) else {}
        self.resources: dict[str, _Resource] = {}
        for item in _planned(planned_root if isinstance(planned_root, Mapping) else {}):
            address = item.get("address")
            if item.get("mode", "managed") != "managed" or not isinstance(address, str):
                continue
            bare = _INDEX.sub("", address)
            module = bare.rpartition(f"{item.get('type')}.")[0]
            config = config_index.get(bare, {})
            values = item.get("values")
            expressions = config.get("expressions")
            self.resources[address] = _Resource(
                address=address,
                type=str(item.get("type")),
                module=module,
                values=values if isinstance(values, Mapping) else {},
                expressions=expressions if isinstance(expressions, Mapping) else {},
                provider_key=str(config.get("provider_config_key", "aws")),
            )
        self._regions_noted: set[str] = set()
        self._by_bare: dict[str, _Resource] = {}
        for resource in self.resources.values():
            self._by_bare.setdefault(_INDEX.sub("", resource.address), resource)
        self._settled: dict[str, dict[str, Any]] = {}
        self._settling: set[str] = set()

    # --- where things are -----------------------------------------------------------------

    def at(self, resource: _Resource) -> Location:
        return self.draft.at(resource.address, self.lines.get(("address", resource.address)))

    def of_type(self, kind: str) -> list[_Resource]:
        return [r for r in self.resources.values() if r.type == kind]

    def variable(self, name: str) -> object:
        variables = self.plan.get("variables", {})
        entry = variables.get(name) if isinstance(variables, Mapping) else None
        if isinstance(entry, Mapping) and "value" in entry:
            return entry["value"]
        return Unresolved(reason=f"variable {name} has no value in the plan")

    def region(self, resource: _Resource) -> str:
        own = resource.values.get("region")
        if isinstance(own, str) and own:
            return own
        key = resource.provider_key
        config = self.providers.get(key) or self.providers.get(key.rpartition(":")[2])
        expressions = config.get("expressions", {}) if isinstance(config, Mapping) else {}
        region = self.expression(expressions.get("region"), module="")
        if isinstance(region, str) and region:
            return region
        if key not in self._regions_noted:
            self._regions_noted.add(key)
            self.draft.assume(
                self.at(resource),
                f"provider {key} sets no Region the plan shows",
                f"{self.draft.region} (give --region)",
            )
        return self.draft.region

    # --- values known only after apply ----------------------------------------------------

    def expression(self, expression: object, *, module: str) -> object:
        """The value of a configuration expression: a constant, or its first reference."""
        if not isinstance(expression, Mapping):
            return Unresolved(reason="no configuration expression")
        if "constant_value" in expression:
            return expression["constant_value"]
        references = expression.get("references", [])
        first: Unresolved | None = None
        for reference in references if isinstance(references, list) else []:
            value = self.reference(str(reference), module=module)
            if not isinstance(value, Unresolved):
                return value
            first = first or value
        return first or Unresolved(reason="an expression known only after apply")

    def reference(self, reference: str, *, module: str) -> object:
        parts = _INDEX.sub("", reference).split(".")
        if parts[0] == "var" and len(parts) > 1 and not module:
            return self.variable(parts[1])
        if parts[0] == "var" and len(parts) > 1 and parts[1] in self.calls.get(module, {}):
            # A module's variable is the module call's argument, in the calling module.
            parent = (
                module[: module.rstrip(".").rfind("module.")] if module.count("module.") > 1 else ""
            )
            return self.expression(self.calls[module][parts[1]], module=parent)
        if parts[0] in ("data", "local", "module", "var", "each", "count", "path", "self"):
            return Unresolved(reason=f"{reference} is known only after apply")
        if len(parts) < 3:
            return Unresolved(reason=f"{reference} is a whole resource, not a value")
        target = self._by_bare.get(f"{module}{parts[0]}.{parts[1]}")
        if target is None:
            return Unresolved(reason=f"{reference}: no such resource in the plan")
        return self.attribute(target, parts[2])

    def attribute(self, resource: _Resource, name: str) -> object:
        """A resource attribute: planned, or computed as AWS will set it."""
        if name in resource.values and resource.values[name] not in (None, ""):
            return resource.values[name]
        if resource.address in self._settling:
            return Unresolved(reason=f"{resource.address}.{name} depends on itself")
        partition = partition_of_region(self.region(resource)).value
        account = self.draft.account
        kind = resource.type
        if kind == "aws_s3_bucket" and name in ("arn", "id", "bucket"):
            bucket = self.settled(resource).get("bucket")
            if not isinstance(bucket, str):
                # The stand-in the bucket itself gets (an assumption _Reader.buckets states).
                bucket = _name_from(resource.address)[:63]
            return f"arn:{partition}:s3:::{bucket}" if name == "arn" else bucket
        if kind in ("aws_iam_role", "aws_iam_policy") and name in ("arn", "id", "name"):
            role = self.settled(resource).get("name")
            if not isinstance(role, str):
                return Unresolved(
                    reason=f"the name of {resource.address} is known only after apply"
                )
            path = resource.values.get("path") or "/"
            noun = "role" if kind == "aws_iam_role" else "policy"
            return f"arn:{partition}:iam::{account}:{noun}{path}{role}" if name == "arn" else role
        if kind == "aws_kms_key" and name in ("arn", "key_id", "id"):
            key_id = _key_id(resource.address)
            if name == "arn":
                return f"arn:{partition}:kms:{self.region(resource)}:{account}:key/{key_id}"
            return key_id
        return Unresolved(reason=f"{resource.address}.{name} is known only after apply")

    def settled(self, resource: _Resource) -> dict[str, Any]:
        """The planned values, with what is known only after apply filled in (memoised).

        A resource whose values depend on themselves (a cycle Terraform itself refuses)
        gets its planned values alone while the cycle is open.
        """
        if resource.address in self._settled:
            return self._settled[resource.address]
        if resource.address in self._settling:
            return dict(resource.values)
        self._settling.add(resource.address)
        try:
            settled = _settle(resource.values, resource.expressions, self, resource.module)
        finally:
            self._settling.discard(resource.address)
        self._settled[resource.address] = settled
        return settled

    def document(self, resource: _Resource, name: str) -> object:
        """A JSON policy attribute, parsed (or Unresolved saying why not)."""
        text = self.settled(resource).get(name)
        if isinstance(text, Unresolved) or text is None or isinstance(text, Mapping):
            return text
        return _json_document(str(text), f"{name} of {resource.address}")


def _settle(
    values: Mapping[str, Any], expressions: Mapping[str, Any], plan: _Plan, module: str
) -> dict[str, Any]:
    settled = dict(values)
    for key, expression in expressions.items():
        if isinstance(expression, list):
            known = values.get(key)
            known_items = known if isinstance(known, list) else []
            blocks = []
            for index, block in enumerate(expression):
                item = known_items[index] if index < len(known_items) else {}
                if isinstance(block, Mapping):
                    blocks.append(
                        _settle(item if isinstance(item, Mapping) else {}, block, plan, module)
                    )
            settled[key] = blocks
        elif key not in values:
            settled[key] = plan.expression(expression, module=module)
    return settled


class _Reader:
    """Resources -> draft entries (see the module docstring)."""

    def __init__(self, plan: _Plan) -> None:
        self.p = plan
        self.draft = plan.draft
        self.aliases: dict[str, str] = {}

    def bucket_of(self, resource: _Resource) -> str | None:
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
        managed: dict[str, _Resource] = {}
        for resource in self.p.of_type("aws_iam_policy"):
            arn = self.p.attribute(resource, "arn")
            if isinstance(arn, str):
                managed[arn] = resource
        pairs: list[tuple[_Resource, object]] = [
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
                    _after_apply(f"the policy of {resource.address}", document),
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
            for block in values.get("inline_policy", []) or []:
                text = block.get("policy") if isinstance(block, Mapping) else None
                if isinstance(text, str) and text:
                    settled = settle_document(
                        _json_document(text, f"the inline policy of {resource.address}"),
                        owner=f"inline policy of {resource.address}",
                        location=location,
                        draft=self.draft,
                    )
                    statements += settled["Statement"] if settled else []
            for policy_arn in values.get("managed_policy_arns", []) or []:
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
            versioning = _one(values.get("versioning"))
            if versioning.get("enabled") is True:
                entry["versioning"] = "Enabled"
            encryption = _one(values.get("server_side_encryption_configuration"))
            if encryption:
                entry["encryption"] = self.encryption(encryption.get("rule", []))
            self.draft.add_bucket(entry, self.p.at(resource))

    def encryption(self, rules: object) -> dict[str, Any]:
        converted = []
        for rule in rules if isinstance(rules, list) else []:
            default = (
                _one(rule.get("apply_server_side_encryption_by_default"))
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
            status = _one(self.p.settled(resource).get("versioning_configuration")).get("status")
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
            ownership = _one(self.p.settled(resource).get("rule")).get("object_ownership")
            if bucket is not None and isinstance(ownership, str):
                self.draft.buckets[bucket]["ownership"] = ownership
        for resource in self.p.of_type("aws_s3_bucket_object_lock_configuration"):
            bucket = self.bucket_of(resource)
            retention = _one(_one(self.p.settled(resource).get("rule")).get("default_retention"))
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
                    _after_apply(f"the policy of {resource.address}", document),
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
        for resource in self.p.of_type("aws_s3_bucket_replication_configuration"):
            bucket = self.bucket_of(resource)
            if bucket is None:
                continue
            values = self.p.settled(resource)
            location = self.p.at(resource)
            role = values.get("role")
            if isinstance(role, Unresolved):
                stand_in = f"arn:aws:iam::{self.draft.account}:role/{resource.address}-role"
                self.draft.assume(
                    location,
                    f"the role of {resource.address} is known only after apply ({role.reason})",
                    stand_in,
                )
                role = stand_in
            rules = []
            for index, rule in enumerate(values.get("rule", []) or []):
                rules.append(self.rule(resource, index, rule, location))
            config = {"Role": role, "Rules": rules}
            self.draft.sources.append(
                SourceConfiguration(bucket=bucket, location=location, configuration=config)
            )

    def rule(
        self, resource: _Resource, index: int, rule: Mapping[str, Any], location: Location
    ) -> Any:
        destination = _one(rule.get("destination"))
        settled = dict(rule)
        bucket = destination.get("bucket")
        fixed = dict(destination)
        if isinstance(bucket, Unresolved):
            stand_in = f"arn:aws:s3:::{_name_from(resource.address)[:50]}-dest-{index}"
            self.draft.assume(
                location,
                _after_apply(f"the destination of rule {index + 1} of {resource.address}", bucket),
                stand_in,
            )
            fixed["bucket"] = stand_in
        encryption = _one(destination.get("encryption_configuration"))
        key = encryption.get("replica_kms_key_id")
        if isinstance(key, str) and key:
            fixed["encryption_configuration"] = [{"replica_kms_key_id": self.key(key)}]
        elif isinstance(key, Unresolved):
            self.draft.assume(
                location,
                _after_apply(f"the replica KMS key of rule {index + 1} of {resource.address}", key),
                "it is left out",
            )
            fixed["encryption_configuration"] = []
        settled["destination"] = [fixed]
        for key_name, item in list(settled.items()):
            if isinstance(item, Unresolved):
                self.draft.assume(
                    location,
                    _after_apply(f"{key_name} of rule {index + 1} of {resource.address}", item),
                    "it is left out",
                )
                del settled[key_name]
        return _boto_rule(settled)


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
    draft = Draft(file=file, account=account, region=region)
    parsed = _Plan(plan, draft, lines)
    reader = _Reader(parsed)
    reader.kms_keys()
    reader.roles()
    reader.buckets()
    reader.bucket_settings()
    reader.replications()
    if not account_given and parsed.resources:
        draft.assume(
            draft.at(),
            "a plan does not say the account it deploys into",
            f"{account} (give --account)",
        )
    return draft
