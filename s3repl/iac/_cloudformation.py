"""CloudFormation templates (hand-written, CDK or SAM output) -> the world they describe.

Theory of operation.  A template is read in three passes:

1. every resource's ``Properties`` are resolved by the intrinsic resolver
   (:mod:`s3repl.iac._intrinsics`), which asks this module for ``Ref`` and
   ``Fn::GetAtt`` of the template's own resources: physical names come from the
   properties that set them (``BucketName``, ``RoleName``...) or, when the template
   leaves them to CloudFormation, from ``<stack>-<logical id>`` (CloudFormation adds a
   random suffix; a fixed one keeps the output deterministic);
2. the resources s3repl models become world-file entries in a
   :class:`~s3repl.iac._draft.Draft`: ``AWS::S3::Bucket`` (versioning, default
   encryption and bucket keys, Object Lock, ownership controls), ``AWS::S3::BucketPolicy``,
   ``AWS::IAM::Role`` with its inline ``Policies`` and the ``AWS::IAM::Policy``,
   ``AWS::IAM::RolePolicy`` and ``AWS::IAM::ManagedPolicy`` attached to it,
   ``AWS::KMS::Key`` and ``AWS::KMS::Alias`` (aliases resolve to their key, since the
   world has keys only);
3. each bucket's ``ReplicationConfiguration`` becomes a configuration to check, in
   boto3's shape (CloudFormation's ``Id``, ``TagFilter`` and ``TagFilters`` are boto3's
   ``ID``, ``Tag`` and ``Tags``; every other name is the same).

Whatever the template does not give is an assumption, never a silent guess: a value the
resolver cannot resolve, a resource whose ``Condition`` cannot be decided, a managed
policy ARN from outside the template, a nested stack or a transform.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

import attrs

from s3repl import iam
from s3repl.errors import S3ReplError
from s3repl.iac._draft import NOTHING_ALLOWED, Draft, Location, SourceConfiguration
from s3repl.iac._intrinsics import NO_VALUE, Resolver, StackContext, Unresolved, first_unresolved
from s3repl.iac._limits import InfrastructureError
from s3repl.iac._lint import settle_document
from s3repl.iac._yaml import LineMap

__all__ = ["TemplateOptions", "read_template"]

_BOTO_NAMES = {"Id": "ID", "TagFilter": "Tag", "TagFilters": "Tags"}
_NAME_UNSAFE = re.compile(r"[^a-z0-9-]+")


@attrs.frozen(kw_only=True)
class TemplateOptions:
    """What the command line says about the deployment.

    Attributes:
        parameters: ``--parameter KEY=VALUE`` values.
        account: ``AWS::AccountId``.
        region: ``AWS::Region``.
        partition: ``AWS::Partition``.
        stack_name: ``AWS::StackName``.
        account_given: whether ``--account`` was given (else it is an assumption).
        region_given: whether ``--region`` was given (else it is an assumption).
    """

    parameters: Mapping[str, str] = attrs.field(factory=dict)
    account: str
    region: str
    partition: str
    stack_name: str
    account_given: bool = False
    region_given: bool = False


def _key_id(stack: str, logical_id: str) -> str:
    """A fixed, key-id-shaped id for a key the template creates (CloudFormation draws one)."""
    digest = hashlib.sha256(f"{stack}/{logical_id}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def _generated_bucket_name(stack: str, logical_id: str) -> str:
    name = _NAME_UNSAFE.sub("-", f"{stack}-{logical_id}".lower()).strip("-")
    return (name[:63].rstrip("-") or "bucket").ljust(3, "0")


def _boto_shape(value: object) -> Any:
    """CloudFormation's replication property names -> boto3's (see the module docstring)."""
    if isinstance(value, Mapping):
        return {_BOTO_NAMES.get(str(k), str(k)): _boto_shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_boto_shape(item) for item in value]
    return value


class _Template:
    """The template's resources: their resolved properties and physical names."""

    def __init__(
        self, template: Mapping[str, Any], options: TemplateOptions, lines: LineMap, file: str
    ) -> None:
        resources = template.get("Resources")
        if not isinstance(resources, Mapping) or not resources:
            msg = f"{file}: a CloudFormation template needs a non-empty Resources section"
            raise InfrastructureError(msg)
        self.resources: dict[str, Mapping[str, Any]] = {}
        for logical_id, resource in resources.items():
            if not isinstance(resource, Mapping) or not isinstance(resource.get("Type"), str):
                line = lines.get(("Resources", str(logical_id)))
                where = f" (line {line})" if line is not None else ""
                msg = f"{file}: resource {logical_id}{where} needs a Type"
                raise InfrastructureError(msg)
            self.resources[str(logical_id)] = resource
        self.options = options
        context = StackContext(
            account=options.account,
            region=options.region,
            partition=options.partition,
            stack_name=options.stack_name,
            url_suffix="amazonaws.com.cn" if options.partition == "aws-cn" else "amazonaws.com",
        )
        self.resolver = Resolver(
            template=template, context=context, parameters=options.parameters, resources=self
        )
        self._properties: dict[str, Mapping[str, Any]] = {}
        self._resolving: list[str] = []
        self._naming: list[tuple[str, str]] = []
        #: Logical id -> (property, why it is unresolved, the name used instead).
        self.stand_ins: dict[str, tuple[str, Unresolved, str]] = {}
        self._names: dict[str, str] = {}

    def type_of(self, logical_id: str) -> str:
        return str(self.resources[logical_id]["Type"])

    def properties(self, logical_id: str) -> Mapping[str, Any]:
        if logical_id not in self._properties:
            if logical_id in self._resolving:
                return {}
            self._resolving.append(logical_id)
            try:
                raw = self.resources[logical_id].get("Properties", {})
                resolved = self.resolver.resolve(raw)
            finally:
                self._resolving.pop()
            self._properties[logical_id] = resolved if isinstance(resolved, Mapping) else {}
        return self._properties[logical_id]

    def _own(self, logical_id: str, name: str) -> object:
        """A naming property, resolved alone (so names never need the whole resource)."""
        raw = self.resources[logical_id].get("Properties", {})
        if not isinstance(raw, Mapping) or name not in raw:
            return None
        if (logical_id, name) in self._naming:
            return Unresolved(reason=f"{name} of {logical_id} depends on itself")
        self._naming.append((logical_id, name))
        try:
            value = self.resolver.resolve(raw[name])
        finally:
            self._naming.pop()
        return None if value is NO_VALUE else value

    # --- ResourceValues -----------------------------------------------------------------

    def has(self, logical_id: str) -> bool:
        return logical_id in self.resources

    def bucket_name(self, logical_id: str) -> str:
        """The bucket's name: ``BucketName``, else the generated one (also when unresolved)."""
        return self._name(logical_id, "BucketName", _generated_bucket_name)

    def role_name(self, logical_id: str) -> str:
        """The role's name: ``RoleName``, else the generated one (also when unresolved)."""
        return self._name(logical_id, "RoleName", lambda stack, lid: f"{stack}-{lid}"[:64])

    def _name(self, logical_id: str, prop: str, generate: Any) -> str:
        """A physical name, decided once: every reference sees the same one."""
        if logical_id in self._names:
            return self._names[logical_id]
        name = self._own(logical_id, prop)
        generated: str = generate(self.options.stack_name, logical_id)
        if isinstance(name, Unresolved):
            # One stand-in for every reference; the reader states it as an assumption.
            self.stand_ins.setdefault(logical_id, (prop, name, generated))
        if logical_id in self.stand_ins:  # unresolved, here or inside a cycle through it
            name = self.stand_ins[logical_id][2]
        elif not isinstance(name, str):
            name = generated
        self._names[logical_id] = name
        return name

    def role_arn(self, logical_id: str) -> object:
        name = self.role_name(logical_id)
        path = self._own(logical_id, "Path") or "/"
        if isinstance(path, Unresolved):
            return path
        opts = self.options
        return f"arn:{opts.partition}:iam::{opts.account}:role{path}{name}"

    def key_arn(self, logical_id: str) -> str:
        opts = self.options
        key_id = _key_id(opts.stack_name, logical_id)
        return f"arn:{opts.partition}:kms:{opts.region}:{opts.account}:key/{key_id}"

    def ref(self, logical_id: str) -> object:
        kind = self.type_of(logical_id)
        opts = self.options
        if kind == "AWS::S3::Bucket":
            return self.bucket_name(logical_id)
        if kind == "AWS::IAM::Role":
            return self.role_name(logical_id)
        if kind == "AWS::KMS::Key":
            return _key_id(opts.stack_name, logical_id)
        if kind == "AWS::KMS::Alias":
            return self._own(logical_id, "AliasName")
        if kind == "AWS::IAM::ManagedPolicy":
            name = self._own(logical_id, "ManagedPolicyName")
            name = name if name is not None else f"{opts.stack_name}-{logical_id}"
            return f"arn:{opts.partition}:iam::{opts.account}:policy/{name}"
        return Unresolved(reason=f"Ref {logical_id}: the physical id of a {kind}")

    def attribute(self, logical_id: str, name: str) -> object:
        kind = self.type_of(logical_id)
        opts = self.options
        suffix = "amazonaws.com.cn" if opts.partition == "aws-cn" else "amazonaws.com"
        if kind == "AWS::S3::Bucket":
            bucket = self.bucket_name(logical_id)
            values = {
                "Arn": f"arn:{opts.partition}:s3:::{bucket}",
                "DomainName": f"{bucket}.s3.{suffix}",
                "RegionalDomainName": f"{bucket}.s3.{opts.region}.{suffix}",
                "DualStackDomainName": f"{bucket}.s3.dualstack.{opts.region}.{suffix}",
                "WebsiteURL": f"http://{bucket}.s3-website-{opts.region}.{suffix}",
            }
            if name in values:
                return values[name]
        elif kind == "AWS::IAM::Role" and name == "Arn":
            return self.role_arn(logical_id)
        elif kind == "AWS::KMS::Key" and name in ("Arn", "KeyId"):
            arn = self.key_arn(logical_id)
            return arn if name == "Arn" else arn.rpartition("/")[2]
        elif kind == "AWS::IAM::ManagedPolicy" and name == "PolicyArn":
            return self.ref(logical_id)
        return Unresolved(reason=f"Fn::GetAtt {logical_id}.{name} of a {kind} is not modelled")


class _Reader:
    """Pass 2 and 3 of the module docstring, for one template."""

    def __init__(self, template: _Template, lines: LineMap, draft: Draft) -> None:
        self.t = template
        self.lines = lines
        self.draft = draft
        self.aliases: dict[str, str] = {}
        self.created: list[str] = []

    def at(self, logical_id: str, *path: str | int) -> Location:
        full: tuple[str | int, ...] = ("Resources", logical_id, *path)
        while full:
            if full in self.lines:
                return self.draft.at(logical_id, self.lines[full])
            full = full[:-1]
        return self.draft.at(logical_id)

    def statement_at(self, logical_id: str, *path: str | int) -> Any:
        """Where statement ``i`` of the document at ``Properties.<path>`` is."""
        return lambda i: self.at(logical_id, "Properties", *path, "Statement", i)

    def select(self) -> None:
        """Keep the resources whose Condition holds (or cannot be decided: assumed to)."""
        for logical_id, resource in self.t.resources.items():
            condition = resource.get("Condition")
            if isinstance(condition, str):
                truth = self.t.resolver.condition(condition)
                if truth is False:
                    continue
                if isinstance(truth, Unresolved):
                    self.draft.assume(
                        self.at(logical_id, "Condition"),
                        f"condition {condition} of {logical_id} cannot be decided ({truth.reason})",
                        "the resource is created",
                    )
            self.created.append(logical_id)

    def of_type(self, *kinds: str) -> list[str]:
        return [lid for lid in self.created if self.t.type_of(lid) in kinds]

    def text(self, logical_id: str, value: object, what: str, path: str) -> str | None:
        """A string property, or ``None`` with an assumption when it is not given."""
        if isinstance(value, Unresolved):
            self.draft.assume(
                self.at(logical_id, "Properties", path),
                f"{what} of {logical_id} is not given ({value.reason})",
                "it is left out",
            )
            return None
        return value if isinstance(value, str) else None

    # --- KMS ----------------------------------------------------------------------------

    def kms_keys(self) -> None:
        opts = self.t.options
        for logical_id in self.of_type("AWS::KMS::Key"):
            props = self.t.properties(logical_id)
            arn = self.t.key_arn(logical_id)
            location = self.at(logical_id)
            policy = settle_document(
                props.get("KeyPolicy"),
                owner=f"the key policy of {logical_id}",
                location=location,
                draft=self.draft,
                statement_location=self.statement_at(logical_id, "KeyPolicy"),
            )
            entry: dict[str, Any] = {"arn": arn, "policy": policy}
            if props.get("Enabled") in (False, "false"):
                entry["enabled"] = False
            self.draft.add_kms_key(entry, location)
        for logical_id in self.of_type("AWS::KMS::Alias"):
            props = self.t.properties(logical_id)
            alias = props.get("AliasName")
            target = props.get("TargetKeyId")
            if not isinstance(alias, str) or not isinstance(target, str):
                continue
            key = next(
                (arn for arn in self.draft.kms_keys if target in (arn, arn.rpartition("/")[2])),
                None,
            )
            if key is not None:
                self.aliases[alias] = key
                self.aliases[f"arn:{opts.partition}:kms:{opts.region}:{opts.account}:{alias}"] = key

    def key(self, text: str) -> str:
        """A key id, key ARN or alias of the template's keys -> the key's ARN."""
        if text in self.aliases:
            return self.aliases[text]
        for arn in self.draft.kms_keys:
            if text == arn.rpartition("/")[2]:
                return arn
        return text

    # --- IAM ----------------------------------------------------------------------------

    def roles(self) -> None:
        attached = self.attached_policies()
        for logical_id in self.of_type("AWS::IAM::Role"):
            props = self.t.properties(logical_id)
            location = self.at(logical_id)
            arn = self.t.role_arn(logical_id)
            if not isinstance(arn, str):
                self.text(logical_id, arn, "the role's Path", "Path")
                continue
            name = self.t.role_name(logical_id)
            statements: list[Any] = []
            documents = props.get("Policies", [])
            for index, item in enumerate(documents if isinstance(documents, list) else []):
                if not isinstance(item, Mapping):
                    continue
                policy_name = item.get("PolicyName", str(index + 1))
                settled = settle_document(
                    item.get("PolicyDocument"),
                    owner=f"policy {policy_name} of role {logical_id}",
                    location=self.at(logical_id, "Properties", "Policies", index),
                    draft=self.draft,
                    statement_location=self.statement_at(
                        logical_id, "Policies", index, "PolicyDocument"
                    ),
                )
                statements += settled["Statement"] if settled else []
            statements += attached.get(str(name), [])
            managed = props.get("ManagedPolicyArns", [])
            for policy_arn in managed if isinstance(managed, list) else []:
                if isinstance(policy_arn, str) and policy_arn in attached:
                    statements += attached[policy_arn]
                    continue
                shown = policy_arn.reason if isinstance(policy_arn, Unresolved) else policy_arn
                self.draft.assume(
                    self.at(logical_id, "Properties", "ManagedPolicyArns"),
                    f"managed policy {shown} of role {logical_id} is not in the file",
                    "it grants nothing (give the role's permissions with --world)",
                )
            policy = (
                {"Version": "2012-10-17", "Statement": statements}
                if statements
                else NOTHING_ALLOWED
            )
            self.draft.add_role(
                {"arn": arn, "policy": policy, "trusted": self.trusted(logical_id, props)},
                location,
            )

    def trusted(self, logical_id: str, props: Mapping[str, Any]) -> bool:
        document = props.get("AssumeRolePolicyDocument")
        try:
            if not isinstance(document, Mapping) or first_unresolved(document) is not None:
                raise TypeError(document)
            trust = iam.parse_policy(document, kind=iam.PolicyKind.TRUST)
        except (S3ReplError, ValueError, TypeError):
            self.draft.assume(
                self.at(logical_id, "Properties", "AssumeRolePolicyDocument"),
                f"the trust policy of role {logical_id} cannot be read",
                "it lets S3 assume the role",
            )
            return True
        return iam.can_assume(trust)

    def attached_policies(self) -> dict[str, list[Any]]:
        """Statements of AWS::IAM::Policy/RolePolicy/ManagedPolicy, by role name or ARN."""
        attached: dict[str, list[Any]] = {}
        kinds = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy")
        for logical_id in self.of_type(*kinds):
            props = self.t.properties(logical_id)
            settled = settle_document(
                props.get("PolicyDocument"),
                owner=f"policy {logical_id}",
                location=self.at(logical_id),
                draft=self.draft,
                statement_location=self.statement_at(logical_id, "PolicyDocument"),
            )
            statements = settled["Statement"] if settled else []
            roles = props.get("Roles", [])
            targets = [r for r in (roles if isinstance(roles, list) else []) if isinstance(r, str)]
            if isinstance(props.get("RoleName"), str):
                targets.append(props["RoleName"])
            if self.t.type_of(logical_id) == "AWS::IAM::ManagedPolicy":
                arn = self.t.ref(logical_id)
                if isinstance(arn, str):
                    targets.append(arn)
            for target in targets:
                attached.setdefault(target, []).extend(statements)
        return attached

    # --- S3 -----------------------------------------------------------------------------

    def buckets(self) -> None:
        for logical_id in self.of_type("AWS::S3::Bucket"):
            props = self.t.properties(logical_id)
            name = self.t.bucket_name(logical_id)
            entry: dict[str, Any] = {
                "name": name,
                "account": self.t.options.account,
                "region": self.t.options.region,
            }
            self.bucket_settings(logical_id, props, entry)
            self.draft.add_bucket(entry, self.at(logical_id))
            replication = props.get("ReplicationConfiguration")
            if isinstance(replication, Mapping):
                self.source(logical_id, name, replication)

    def bucket_settings(
        self, logical_id: str, props: Mapping[str, Any], entry: dict[str, Any]
    ) -> None:
        versioning = props.get("VersioningConfiguration")
        if isinstance(versioning, Mapping):
            status = self.text(
                logical_id,
                versioning.get("Status"),
                "the versioning status",
                "VersioningConfiguration",
            )
            if status in ("Enabled", "Suspended"):
                entry["versioning"] = status
        if props.get("ObjectLockEnabled") in (True, "true"):
            entry["object_lock"] = True
        lock = props.get("ObjectLockConfiguration")
        if isinstance(lock, Mapping) and isinstance(lock.get("Rule"), Mapping):
            entry["object_lock_configuration"] = dict(lock)
        ownership = props.get("OwnershipControls")
        rules = ownership.get("Rules") if isinstance(ownership, Mapping) else None
        if isinstance(rules, list) and rules and isinstance(rules[0], Mapping):
            value = rules[0].get("ObjectOwnership")
            if isinstance(value, str):
                entry["ownership"] = value
        encryption = props.get("BucketEncryption")
        rules = (
            encryption.get("ServerSideEncryptionConfiguration")
            if isinstance(encryption, Mapping)
            else None
        )
        if isinstance(rules, list):
            entry["encryption"] = {
                "Rules": [
                    self.encryption_rule(logical_id, r) for r in rules if isinstance(r, Mapping)
                ]
            }

    def encryption_rule(self, logical_id: str, rule: Mapping[str, Any]) -> dict[str, Any]:
        default = rule.get("ServerSideEncryptionByDefault")
        converted: dict[str, Any] = {}
        if isinstance(default, Mapping):
            applied: dict[str, Any] = {}
            algorithm = self.text(
                logical_id, default.get("SSEAlgorithm"), "SSEAlgorithm", "BucketEncryption"
            )
            if algorithm is not None:
                applied["SSEAlgorithm"] = algorithm
            key = default.get("KMSMasterKeyID")
            if key is not None:
                text = self.text(logical_id, key, "KMSMasterKeyID", "BucketEncryption")
                if text is not None:
                    applied["KMSMasterKeyID"] = self.key(text)
            converted["ApplyServerSideEncryptionByDefault"] = applied
        if "BucketKeyEnabled" in rule:
            converted["BucketKeyEnabled"] = rule["BucketKeyEnabled"] in (True, "true")
        return converted

    def bucket_policies(self) -> None:
        names = {entry["name"]: entry for entry in self.draft.buckets.values()}
        for logical_id in self.of_type("AWS::S3::BucketPolicy"):
            props = self.t.properties(logical_id)
            bucket = self.text(logical_id, props.get("Bucket"), "the bucket", "Bucket")
            if bucket is None:
                continue
            policy = settle_document(
                props.get("PolicyDocument"),
                owner=f"bucket policy {logical_id}",
                location=self.at(logical_id),
                draft=self.draft,
                statement_location=self.statement_at(logical_id, "PolicyDocument"),
            )
            if bucket in names and policy is not None:
                names[bucket]["policy"] = policy

    def source(self, logical_id: str, bucket: str, replication: Mapping[str, Any]) -> None:
        location = self.at(logical_id, "Properties", "ReplicationConfiguration")
        config = _boto_shape(self.settle_configuration(logical_id, replication, location))
        self.draft.sources.append(
            SourceConfiguration(bucket=bucket, location=location, configuration=config)
        )

    def settle_configuration(
        self, logical_id: str, value: Any, location: Location, path: str = ""
    ) -> Any:
        """Replace what the template does not give by a stated stand-in (or leave it out)."""
        if isinstance(value, Mapping):
            settled = {}
            for key, item in value.items():
                here = f"{path}.{key}" if path else str(key)
                result = self.settle_configuration(logical_id, item, location, here)
                if result is not NO_VALUE:
                    settled[key] = result
            return settled
        if isinstance(value, list):
            return [
                self.settle_configuration(logical_id, item, location, f"{path}[{i}]")
                for i, item in enumerate(value)
            ]
        if isinstance(value, str) and path.endswith("ReplicaKmsKeyID"):
            return self.key(value)
        if not isinstance(value, Unresolved):
            return value
        opts = self.t.options
        stand_ins = {
            "Role": f"arn:{opts.partition}:iam::{opts.account}:role/{logical_id}-replication-role",
            "Bucket": f"arn:{opts.partition}:s3:::{_generated_bucket_name(logical_id, path)}",
            "ReplicaKmsKeyID": self.t.key_arn(f"{logical_id}/{path}"),
        }
        leaf = path.rpartition(".")[2]
        stand_in = stand_ins.get(leaf)
        what = f"{path} of {logical_id}'s ReplicationConfiguration is not given ({value.reason})"
        if stand_in is None:
            self.draft.assume(location, what, "it is left out")
            return NO_VALUE
        self.draft.assume(location, what, f"{stand_in}")
        return stand_in


def read_template(
    template: Mapping[str, Any], lines: LineMap, *, file: str, options: TemplateOptions
) -> Draft:
    """The world a CloudFormation template describes (see the module docstring).

    Args:
        template: the parsed template (intrinsics in their long form).
        lines: the line of each mapping key, by path (empty paths where unknown).
        file: the file's name, for locations.
        options: parameters and pseudo parameters.

    Returns:
        the draft: world entries, configurations to check, assumptions, and the
        mistakes found in the file's policies.

    Raises:
        InfrastructureError: the template has no resources, or one has no ``Type``.
    """
    parsed = _Template(template, options, lines, file)
    draft = Draft(file=file, account=options.account, region=options.region)
    reader = _Reader(parsed, lines, draft)
    reader.select()
    if "Transform" in template:
        draft.assume(
            draft.at("Transform"),
            "the template has a Transform (SAM or a macro)",
            "the resources it generates are not part of the check",
        )
    for logical_id in reader.of_type("AWS::CloudFormation::Stack"):
        draft.assume(
            reader.at(logical_id),
            f"nested stack {logical_id} is not read",
            "its resources are not part of the check",
        )
    reader.kms_keys()
    reader.roles()
    reader.buckets()
    reader.bucket_policies()
    for logical_id, (prop, why, name) in parsed.stand_ins.items():
        draft.assume(
            reader.at(logical_id, "Properties", prop),
            f"{prop} of {logical_id} is not given ({why.reason})",
            repr(name),
        )
    used = parsed.resolver.pseudo_used
    if "AWS::AccountId" in used and not options.account_given:
        draft.assume(
            draft.at(),
            "the template uses AWS::AccountId and --account is not given",
            options.account,
        )
    if "AWS::Region" in used and not options.region_given:
        draft.assume(
            draft.at(), "the template uses AWS::Region and --region is not given", options.region
        )
    return draft
