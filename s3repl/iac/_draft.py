"""The world a template or plan describes, as a world-file description, and what it assumes.

Why a description and not an engine: ``s3repl._worldfile.load_world`` already builds
an engine from the world-file format and checks every value exactly as the engine
does, so templates and plans are translated into that format and handed over; there is
one world builder.  :class:`Draft` collects buckets, roles and KMS keys (each with the
place in the file that declares it), the replication configurations to check, and the
:class:`Assumption` values made where the file is silent.  :meth:`Draft.describe`
completes the world the way ``check``'s permissive world does for what the file names
but does not declare (a destination in another stack, a role given by ARN) unless a
world file (``--world``) supplies it, and records each such choice as an assumption.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import attrs

from s3repl import iam
from s3repl.errors import S3ReplError
from s3repl.iac._limits import InfrastructureError
from s3repl.model import DEFAULT_ACCOUNT, KmsKeyArn, RoleArn
from s3repl.model.names import BucketArn, partition_of_region

__all__ = ["Assumption", "Draft", "Location", "SourceConfiguration", "TemplateFinding"]


@attrs.frozen(kw_only=True)
class Location:
    """A place in the file: the resource (logical id or address) and its line.

    Attributes:
        file: the file's name as given on the command line.
        resource: the logical id (CloudFormation) or address (Terraform), if any.
        line: the 1-based line, when the format has lines and it is known.
    """

    file: str
    resource: str | None = None
    line: int | None = None

    def describe(self) -> str:
        """``Resources.SourceBucket (line 12)``-style text for messages."""
        text = self.resource or self.file
        return f"{text} (line {self.line})" if self.line is not None else text


@attrs.frozen(kw_only=True)
class Assumption:
    """Something the file does not say, and what s3repl assumed instead.

    Attributes:
        location: where the file refers to it.
        subject: what is missing, e.g. ``destination bucket dr-replica is not in the file``.
        assumed: what the check assumed; ``--world`` can say otherwise.
    """

    location: Location
    subject: str
    assumed: str

    @property
    def message(self) -> str:
        """The subject and the assumption in one sentence."""
        return f"{self.subject}: assumed {self.assumed}"


@attrs.frozen(kw_only=True)
class TemplateFinding:
    """A mistake in the file itself (not in the world it describes).

    Attributes:
        location: where it is.
        requirement: the SPEC requirement, e.g. ``"R-155"``.
        code: the failure reason or error code it leads to.
        message: what is wrong and why.
    """

    location: Location
    requirement: str
    code: str
    message: str


@attrs.frozen(kw_only=True)
class SourceConfiguration:
    """A replication configuration the file puts on a source bucket.

    Attributes:
        bucket: the source bucket's name.
        location: where the file declares the configuration.
        configuration: the configuration in boto3's shape.
    """

    bucket: str
    location: Location
    configuration: Mapping[str, Any]


#: A policy no replication action matches: a role the file gives no permission.  (The
#: world file reads ``policy: null`` as "allow every replication action", and IAM has no
#: empty document, so "nothing" is one statement about an unrelated action.)
NOTHING_ALLOWED: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "NoPermissionInTheFile",
            "Effect": "Allow",
            "Action": "sts:GetCallerIdentity",
            "Resource": "*",
        }
    ],
}


def _kms_key_policy(principal: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AssumedReplicationRoleMayUseTheKey",
                "Effect": "Allow",
                "Principal": {"AWS": principal},
                "Action": list(iam.REPLICATION_KMS_ACTIONS),
                "Resource": "*",
            }
        ],
    }


def _parsed(parse: Any, text: object) -> Any:
    if not isinstance(text, str):
        return None
    try:
        return parse(text)
    except (S3ReplError, ValueError):
        return None


class Draft:
    """The world a file describes, built up resource by resource (a mutable builder).

    Args:
        file: the file's name, for locations.
        account: the account that deploys (``--account``), owner of what the file creates.
        region: the Region of resources that name none (``--region``).
    """

    def __init__(self, *, file: str, account: str, region: str) -> None:
        self.file = file
        self.account = account
        self.region = region
        self.buckets: dict[str, dict[str, Any]] = {}
        self.roles: dict[str, dict[str, Any]] = {}
        self.kms_keys: dict[str, dict[str, Any]] = {}
        self.places: dict[str, Location] = {}
        self.sources: list[SourceConfiguration] = []
        self.assumptions: list[Assumption] = []
        self.template_findings: list[TemplateFinding] = []

    def at(self, resource: str | None = None, line: int | None = None) -> Location:
        """A location in this file."""
        return Location(file=self.file, resource=resource, line=line)

    def assume(self, location: Location, subject: str, assumed: str) -> None:
        """Record an assumption (each distinct one once)."""
        item = Assumption(location=location, subject=subject, assumed=assumed)
        if item not in self.assumptions:
            self.assumptions.append(item)

    def add_bucket(self, entry: dict[str, Any], location: Location) -> None:
        """Declare a bucket (a world-file bucket object without ``replication``).

        Raises:
            InfrastructureError: the file already declares a bucket of that name.
        """
        if entry["name"] in self.buckets:
            first = self.place_of("bucket", entry["name"])
            msg = (
                f"{self.file}: {location.describe()}: bucket {entry['name']!r} is also "
                f"declared by {first.describe()} (bucket names are unique)"
            )
            raise InfrastructureError(msg)
        self.buckets[entry["name"]] = entry
        self.places[f"bucket:{entry['name']}"] = location

    def add_role(self, entry: dict[str, Any], location: Location) -> None:
        """Declare a role (a world-file role object).

        Raises:
            InfrastructureError: the file already declares a role with that ARN.
        """
        if entry["arn"] in self.roles:
            first = self.place_of("role", entry["arn"])
            msg = (
                f"{self.file}: {location.describe()}: role {entry['arn']} is also "
                f"declared by {first.describe()} (role names are unique in an account)"
            )
            raise InfrastructureError(msg)
        self.roles[entry["arn"]] = entry
        self.places[f"role:{entry['arn']}"] = location

    def add_kms_key(self, entry: dict[str, Any], location: Location) -> None:
        """Declare a KMS key (a world-file key object)."""
        self.kms_keys[entry["arn"]] = entry
        self.places[f"key:{entry['arn']}"] = location

    def place_of(self, kind: str, name: str) -> Location:
        """Where the file declares a bucket, role or key (the file itself if it does not)."""
        return self.places.get(f"{kind}:{name}", self.at())

    # --- completing the world -----------------------------------------------------------

    def describe(self, world: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The world-file description of the file's world, completed (see the module doc).

        Args:
            world: a parsed world file (``--world``) that supplies what the file lacks;
                what the file declares itself wins over it.

        Returns:
            a description for :func:`s3repl._worldfile.load_world`.
        """
        given = _index(world or {})
        buckets = copy.deepcopy(self.buckets)
        roles = copy.deepcopy(self.roles)
        keys = copy.deepcopy(self.kms_keys)
        for source in self.sources:
            self._complete_source(source, given, buckets, roles, keys)
        description: dict[str, Any] = {}
        if world:
            description.update({k: v for k, v in world.items() if k in ("seed", "profile")})
        accounts = {str(entry.get("account", DEFAULT_ACCOUNT)) for entry in buckets.values()}
        for parse, arns in ((KmsKeyArn.parse, keys), (RoleArn.parse, roles)):
            parsed = (_parsed(parse, arn) for arn in arns)
            accounts |= {arn.account for arn in parsed if arn is not None}
        accounts.discard(DEFAULT_ACCOUNT)
        listed = [dict(entry) for entry in given["accounts"].values()]
        listed += [
            {"id": account} for account in sorted(accounts) if account not in given["accounts"]
        ]
        description["accounts"] = listed
        description["roles"] = [*roles.values(), *_missing(given["roles"], roles)]
        description["kms_keys"] = [*keys.values(), *_missing(given["kms_keys"], keys)]
        description["buckets"] = [*buckets.values(), *_missing(given["buckets"], buckets)]
        return description

    def _complete_source(
        self,
        source: SourceConfiguration,
        given: Mapping[str, Mapping[str, Any]],
        buckets: dict[str, dict[str, Any]],
        roles: dict[str, dict[str, Any]],
        keys: dict[str, dict[str, Any]],
    ) -> None:
        config = source.configuration
        role = config.get("Role")
        role_arn = _parsed(RoleArn.parse, role)
        if role_arn is not None and role not in roles and role not in given["roles"]:
            roles[str(role)] = {"arn": role, "policy": None, "trusted": True}
            self.assume(
                source.location,
                f"role {role} is not in the file",
                "it exists, S3 may assume it and it may do every replication action",
            )
        owner = str(buckets.get(source.bucket, {}).get("account", self.account))
        source_region = str(buckets.get(source.bucket, {}).get("region", self.region))
        rules = config.get("Rules")
        for rule in rules if isinstance(rules, list) else []:
            destination = rule.get("Destination") if isinstance(rule, Mapping) else None
            if not isinstance(destination, Mapping):
                continue
            arn = _parsed(BucketArn.parse, destination.get("Bucket"))
            encryption = destination.get("EncryptionConfiguration")
            key_text = (
                encryption.get("ReplicaKmsKeyID") if isinstance(encryption, Mapping) else None
            )
            key = _parsed(KmsKeyArn.parse, key_text)
            principal = str(role) if role_arn is not None else owner
            if (
                key is not None
                and not key.is_alias
                and str(key) not in keys
                and str(key) not in given["kms_keys"]
            ):
                keys[str(key)] = {"arn": str(key), "policy": _kms_key_policy(principal)}
                self.assume(
                    source.location,
                    f"replica KMS key {key} is not in the file",
                    f"it exists in {key.region} and lets the role use it",
                )
            if arn is None or arn.bucket in buckets or arn.bucket in given["buckets"]:
                continue
            account = destination.get("Account")
            account = account if isinstance(account, str) and account.isdigit() else owner
            region = key.region if key is not None else source_region
            entry: dict[str, Any] = {
                "name": arn.bucket,
                "account": account,
                "region": region,
                "versioning": "Enabled",
            }
            granted = ""
            if account != owner:
                partition = partition_of_region(region).value
                entry["policy"] = iam.policy_to_dict(
                    iam.destination_bucket_policy(
                        arn.bucket, principal=principal, partition=partition
                    )
                )
                granted = ", with a bucket policy that lets the role replicate (R-012)"
            buckets[arn.bucket] = entry
            self.assume(
                source.location,
                f"destination bucket {arn.bucket} is not in the file",
                f"it exists, versioned, in {region}, owned by {account}{granted}",
            )


_KEYS = {"accounts": "id", "roles": "arn", "kms_keys": "arn", "buckets": "name"}


def _index(world: Mapping[str, Any]) -> dict[str, dict[str, Mapping[str, Any]]]:
    """The world file's accounts, roles, keys and buckets, by identity.

    Entries without an identity are kept under their position (the world loader has
    already reported malformed files, so these are only the odd ones).
    """
    found: dict[str, dict[str, Mapping[str, Any]]] = {}
    for section, identity in _KEYS.items():
        items = world.get(section, [])
        entries: dict[str, Mapping[str, Any]] = {}
        for index, item in enumerate(items if isinstance(items, list) else []):
            key = item.get(identity) if isinstance(item, Mapping) else None
            entries[key if isinstance(key, str) else f"#{index}"] = item
        found[section] = entries
    return found


def _missing(given: Mapping[str, Mapping[str, Any]], declared: Mapping[str, Any]) -> list[Any]:
    return [dict(item) for key, item in given.items() if key not in declared]
