"""A Terraform plan's resources, with the values known only after apply filled in.

Theory of operation.  A plan (``terraform show -json PLAN``) gives each resource's
planned values (``planned_values.root_module`` and its ``child_modules``), but a value
known only after apply (a role's ``arn``, a key's ``arn``, a bucket's ``arn``) is simply
absent there.  The ``configuration`` section says where such a value comes from: each
attribute's expression carries its ``references`` (``aws_iam_role.replication.arn``).
:meth:`Plan.settled` walks the configuration's expressions beside the planned values,
and fills each absent attribute from its first reference: the referenced resource's
planned value, or the value AWS will give it, computed from what is known (a bucket's
ARN from its name, a role's from its name and the account; a key the plan creates gets
a fixed, key-id-shaped id).  A module's variable is its call's argument, evaluated in
the calling module; a root variable is the plan's ``variables``.  What no reference
resolves stays :class:`~s3repl.iac._intrinsics.Unresolved`, and the reader
(:mod:`s3repl.iac._terraform`) makes it an assumption where it matters.

Regions come from the resource itself (the AWS provider's ``region`` argument, v6) or
from the provider configuration it uses (``provider_config_key``: ``aws`` or an alias
such as ``aws.dr``), whose ``region`` may be a constant or a root variable.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from s3repl.iac._draft import Draft, Location
from s3repl.iac._intrinsics import Unresolved
from s3repl.iac._yaml import LineMap
from s3repl.model.names import partition_of_region

__all__ = [
    "Plan",
    "PlannedResource",
    "after_apply",
    "caller_account",
    "data_sources",
    "json_document",
    "mappings",
    "name_from",
    "one",
]

_INDEX = re.compile(r"\[[^\]]*\]")


@attrs.frozen(kw_only=True)
class PlannedResource:
    """One planned managed resource, with its configuration expressions.

    Attributes:
        address: the full address (``module.logs.aws_s3_bucket.this[0]``).
        type: the resource type (``aws_s3_bucket``).
        module: the module prefix of the address (``module.logs.``, ``""`` at the root).
        values: the planned values (what is known only after apply is absent).
        expressions: the configuration's expressions for the resource (``{}`` if none).
        provider_key: the provider configuration it uses (``aws``, ``aws.dr``).
    """

    address: str
    type: str
    module: str
    values: Mapping[str, Any]
    expressions: Mapping[str, Any]
    provider_key: str


def after_apply(what: str, value: Unresolved) -> str:
    """``what is known only after apply (why)``, for assumptions."""
    return f"{what} is known only after apply ({value.reason})"


def name_from(address: str) -> str:
    """A bucket-name-shaped stand-in made of a resource address."""
    return re.sub(r"[^a-z0-9-]+", "-", address.lower()).strip("-")


def json_document(text: str, what: str) -> object:
    """A JSON policy document given as text, or Unresolved when it is not JSON."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # not JSON, too deep, or a 4,300-digit number
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


def data_sources(plan: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Values of the data sources read while planning, by address without index.

    They are in the planned values or in the prior state; a data source read only at
    apply is in neither (its references stay unresolved).
    """
    found: dict[str, Mapping[str, Any]] = {}
    prior = plan.get("prior_state")
    for section in (plan.get("planned_values"), one(prior).get("values")):
        root = one(section).get("root_module")
        for item in _planned(root if isinstance(root, Mapping) else {}):
            address, values = item.get("address"), item.get("values")
            if item.get("mode") != "data" or not isinstance(address, str):
                continue
            if isinstance(values, Mapping):
                found.setdefault(_INDEX.sub("", address), values)
    return found


def caller_account(plan: Mapping[str, Any]) -> str | None:
    """The account of ``data.aws_caller_identity`` in the root module, if the plan read it."""
    for address, values in data_sources(plan).items():
        account = values.get("account_id")
        if address.startswith("data.aws_caller_identity.") and isinstance(account, str):
            return account
    return None


def mappings(value: object) -> list[Mapping[str, Any]]:
    """The objects of a Terraform block list (anything else in it, or a non-list: none)."""
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def one(value: object) -> Mapping[str, Any]:
    """The single object of a Terraform block (a one-item list), or ``{}``."""
    if isinstance(value, list) and value and isinstance(value[0], Mapping):
        return value[0]
    return value if isinstance(value, Mapping) else {}


class Plan:
    """The plan's resources, with the values known only after apply filled in.

    Args:
        plan: the parsed ``terraform show -json`` output.
        draft: where assumptions about Regions are recorded.
        lines: the line of each resource address in the file.
    """

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
        self.resources: dict[str, PlannedResource] = {}
        for item in _planned(planned_root if isinstance(planned_root, Mapping) else {}):
            address = item.get("address")
            if item.get("mode", "managed") != "managed" or not isinstance(address, str):
                continue
            bare = _INDEX.sub("", address)
            module = bare.rpartition(f"{item.get('type')}.")[0]
            config = config_index.get(bare, {})
            values = item.get("values")
            expressions = config.get("expressions")
            self.resources[address] = PlannedResource(
                address=address,
                type=str(item.get("type")),
                module=module,
                values=values if isinstance(values, Mapping) else {},
                expressions=expressions if isinstance(expressions, Mapping) else {},
                provider_key=str(config.get("provider_config_key", "aws")),
            )
        self._regions_noted: set[str] = set()
        self._by_bare: dict[str, PlannedResource] = {}
        for resource in self.resources.values():
            self._by_bare.setdefault(_INDEX.sub("", resource.address), resource)
        self._settled: dict[str, dict[str, Any]] = {}
        self._settling: set[str] = set()
        self._data = data_sources(plan)

    # --- where things are -----------------------------------------------------------------

    def at(self, resource: PlannedResource) -> Location:
        """Where the plan file shows the resource (the line of its address)."""
        return self.draft.at(resource.address, self.lines.get(("address", resource.address)))

    def of_type(self, kind: str) -> list[PlannedResource]:
        """The planned resources of one type, in plan order."""
        return [r for r in self.resources.values() if r.type == kind]

    def variable(self, name: str) -> object:
        """A root variable's value in the plan, or Unresolved."""
        variables = self.plan.get("variables", {})
        entry = variables.get(name) if isinstance(variables, Mapping) else None
        if isinstance(entry, Mapping) and "value" in entry:
            return entry["value"]
        return Unresolved(reason=f"variable {name} has no value in the plan")

    def region(self, resource: PlannedResource) -> str:
        """The resource's Region: its own argument, else its provider configuration's.

        When neither says, ``--region`` (an assumption, recorded once per provider).
        """
        own = resource.values.get("region")
        if isinstance(own, str) and own:
            return own
        key = resource.provider_key
        config = self.providers.get(key) or self.providers.get(key.rpartition(":")[2])
        expressions = config.get("expressions") if isinstance(config, Mapping) else None
        region = self.expression(one(expressions).get("region"), module="")
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
        """The value a reference (``aws_iam_role.r.arn``, ``var.x``) names, from ``module``."""
        parts = _INDEX.sub("", reference).split(".")
        if parts[0] == "var" and len(parts) > 1 and not module:
            return self.variable(parts[1])
        if parts[0] == "var" and len(parts) > 1 and parts[1] in self.calls.get(module, {}):
            # A module's variable is the module call's argument, in the calling module.
            parent = (
                module[: module.rstrip(".").rfind("module.")] if module.count("module.") > 1 else ""
            )
            return self.expression(self.calls[module][parts[1]], module=parent)
        if parts[0] == "data" and len(parts) > 3:
            values = self._data.get(f"{module}data.{parts[1]}.{parts[2]}", {})
            if values.get(parts[3]) not in (None, ""):
                return values[parts[3]]
        if parts[0] in ("data", "local", "module", "var", "each", "count", "path", "self"):
            return Unresolved(reason=f"{reference} is known only after apply")
        if len(parts) < 3:
            return Unresolved(reason=f"{reference} is a whole resource, not a value")
        target = self._by_bare.get(f"{module}{parts[0]}.{parts[1]}")
        if target is None:
            return Unresolved(reason=f"{reference}: no such resource in the plan")
        return self.attribute(target, parts[2])

    def attribute(self, resource: PlannedResource, name: str) -> object:
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
                bucket = name_from(resource.address)[:63]
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

    def settled(self, resource: PlannedResource) -> dict[str, Any]:
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

    def document(self, resource: PlannedResource, name: str) -> object:
        """A JSON policy attribute, parsed (or Unresolved saying why not)."""
        text = self.settled(resource).get(name)
        if isinstance(text, Unresolved) or text is None or isinstance(text, Mapping):
            return text
        return json_document(str(text), f"{name} of {resource.address}")


def _settle(
    values: Mapping[str, Any], expressions: Mapping[str, Any], plan: Plan, module: str
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
