"""World files: a small JSON description of accounts, roles, keys and buckets.

``s3repl check --world WORLD.json`` and anyone who wants a scenario outside Python
describe the world in JSON; :func:`load_world` builds it by calling the public
:class:`~s3repl.engine.Engine` methods, so every value is checked exactly as the
engine checks it, and any error names the offending place in the file
(``buckets[2].region: InvalidArgument: Unknown region 'mars-1'``).

The format (every key optional unless marked *required*; unknown keys are errors)::

    {
      "description": "free text, ignored",
      "seed": 0,
      "profile": {"reject_duplicate_priorities": false},
      "accounts": [
        {"id": "111122223333", "regions": ["af-south-1"]}
      ],
      "roles": [
        {"arn": "arn:aws:iam::123456789012:role/replication",   # required
         "policy": {IAM policy JSON} | null,
         "trusted": true}
      ],
      "kms_keys": [
        {"arn": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
         "policy": {IAM key policy JSON} | null,
         "enabled": true}
      ],
      "buckets": [
        {"name": "source-bucket",                               # required
         "account": "123456789012",
         "region": "us-east-1",
         "versioning": "Enabled" | "Suspended" | null,
         "object_lock": false,
         "object_lock_configuration": {boto3 ObjectLockConfiguration},
         "ownership": "BucketOwnerEnforced" | "BucketOwnerPreferred" | "ObjectWriter",
         "requester_pays": false,
         "encryption": {boto3 ServerSideEncryptionConfiguration},
         "policy": {IAM bucket policy JSON},
         "replication": {boto3 ReplicationConfiguration}}
      ]
    }

Meaning of each part:

- ``seed`` and ``profile`` build ``Engine(seed=..., profile=Profile.aws().evolve(...))``;
  ``profile`` keys are the :class:`~s3repl.profile.Profile` switches (SPEC section 13);
  ``profile.latency`` is an object of :class:`~s3repl.profile.LatencyModel` settings.
- ``accounts`` are created with :meth:`Engine.create_account`; ``regions`` are the
  opt-in regions the account enabled (R-001).  The default account ``123456789012``
  always exists; listing it replaces it (to enable opt-in regions for it).
- ``roles`` go through :meth:`Engine.create_role`: ``policy: null`` (the default)
  allows every replication action, ``trusted: false`` gives the role a trust policy
  that S3 cannot assume (R-006).
- ``kms_keys`` carry the ARN a replication configuration uses in ``ReplicaKmsKeyID``,
  so configuration files stay exactly as they would be sent to AWS.  The key's region
  and account are read from the ARN (key ARNs only: aliases are not modelled).
  ``enabled: false`` disables the key (``DstKmsKeyInvalidState``).
- ``buckets`` are created in file order by :meth:`Engine.create_bucket`, then
  configured: versioning, ownership, Object Lock configuration, default encryption,
  request payment and bucket policy.  ``versioning`` is ``null`` for a bucket that was
  never versioned; ``object_lock: true`` implies ``"Enabled"``.
- ``replication`` configurations are put after every bucket exists (in file order),
  through :meth:`Engine.put_bucket_replication`, so they are validated as AWS would.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from s3repl.engine import Engine
from s3repl.errors import S3Error, S3ReplError
from s3repl.model import KmsKeyArn, RoleArn
from s3repl.model.names import check_account_id, check_region
from s3repl.profile import Profile

__all__ = ["WorldFileError", "load_world", "load_world_file"]

_TOP_KEYS = ("description", "seed", "profile", "accounts", "roles", "kms_keys", "buckets")
_ACCOUNT_KEYS = ("id", "regions")
_ROLE_KEYS = ("arn", "policy", "trusted")
_KEY_KEYS = ("arn", "policy", "enabled")
_BUCKET_KEYS = (
    "name",
    "account",
    "region",
    "versioning",
    "object_lock",
    "object_lock_configuration",
    "ownership",
    "requester_pays",
    "encryption",
    "policy",
    "replication",
)
_VERSIONING = ("Enabled", "Suspended")


class WorldFileError(S3ReplError, ValueError):
    """A world file that cannot be read, or that describes an impossible world.

    Attributes:
        path: where in the file the problem is, for example ``buckets[2].region``
            (``""`` for the file as a whole).
        reason: what is wrong there.
    """

    def __init__(self, reason: str, *, path: str = "") -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path = path
        self.reason = reason


def _describe(err: Exception) -> str:
    """Render an engine error as ``Code: message`` (S3 errors) or its text."""
    if isinstance(err, S3Error):
        return f"{err.code}: {err.message}"
    return str(err)


@contextlib.contextmanager
def _at(path: str) -> Iterator[None]:
    """Turn any refusal of the engine inside the block into a WorldFileError at ``path``."""
    try:
        yield
    except (S3ReplError, ValueError, TypeError) as err:
        raise WorldFileError(_describe(err), path=path) from err


def _type_name(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), type(value).__name__)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _mapping(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        msg = f"expected an object, got {_type_name(value)}"
        raise WorldFileError(msg, path=path)
    return value


def _sequence(value: object, path: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        msg = f"expected a list, got {_type_name(value)}"
        raise WorldFileError(msg, path=path)
    return value


def _only(obj: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
    """Refuse unknown keys, naming the first one and listing the known ones."""
    for key in obj:
        if key not in allowed:
            msg = f"unknown key (known: {', '.join(allowed)})"
            raise WorldFileError(msg, path=_join(path, str(key)))


def _string(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        msg = f"expected a string, got {_type_name(value)}"
        raise WorldFileError(msg, path=_join(path, key))
    return value


def _required(obj: Mapping[str, Any], key: str, path: str) -> str:
    value = _string(obj, key, path)
    if value is None:
        msg = "required"
        raise WorldFileError(msg, path=_join(path, key))
    return value


def _flag(obj: Mapping[str, Any], key: str, path: str, *, default: bool) -> bool:
    value = obj.get(key, default)
    if not isinstance(value, bool):
        msg = f"expected true or false, got {_type_name(value)}"
        raise WorldFileError(msg, path=_join(path, key))
    return value


def _document(obj: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any] | str | None:
    """A JSON document given inline (an object) or as JSON text (a string), or ``None``."""
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    return _mapping(value, _join(path, key))


def _profile(value: object) -> Profile:
    switches = _mapping(value, "profile")
    fields = attrs.fields_dict(Profile)
    profile = Profile.aws()
    for name, setting in switches.items():
        where = f"profile.{name}"
        if name not in fields:
            msg = f"unknown switch (known: {', '.join(fields)})"
            raise WorldFileError(msg, path=where)
        default = fields[name].default
        if name == "latency":  # issue 12: a table of LatencyModel settings
            expected, ok = "an object of latency settings", isinstance(setting, Mapping)
        elif isinstance(default, bool):
            expected, ok = "true or false", isinstance(setting, bool)
        elif isinstance(default, int):
            expected = "an integer"
            ok = isinstance(setting, int) and not isinstance(setting, bool)
        else:
            expected, ok = "a string", isinstance(setting, str)
        if not ok:
            msg = f"expected {expected}, got {_type_name(setting)}"
            raise WorldFileError(msg, path=where)
        with _at(where):
            profile = profile.evolve(**{name: setting})
    return profile


def _seed(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        msg = f"expected an integer, got {_type_name(value)}"
        raise WorldFileError(msg, path="seed")
    return value


def _accounts(engine: Engine, value: object) -> None:
    for index, item in enumerate(_sequence(value, "accounts")):
        path = f"accounts[{index}]"
        obj = _mapping(item, path)
        _only(obj, _ACCOUNT_KEYS, path)
        account_id = _required(obj, "id", path)
        regions = _sequence(obj.get("regions", []), f"{path}.regions")
        for r_index, region in enumerate(regions):
            if not isinstance(region, str):
                where = f"{path}.regions[{r_index}]"
                msg = f"expected a string, got {_type_name(region)}"
                raise WorldFileError(msg, path=where)
            with _at(f"{path}.regions[{r_index}]"):
                check_region(region)
        with _at(f"{path}.id"):
            engine.create_account(account_id, regions=regions)


def _roles(engine: Engine, value: object) -> None:
    for index, item in enumerate(_sequence(value, "roles")):
        path = f"roles[{index}]"
        obj = _mapping(item, path)
        _only(obj, _ROLE_KEYS, path)
        arn = _required(obj, "arn", path)
        document = _document(obj, "policy", path)
        trusted = _flag(obj, "trusted", path, default=True)
        with _at(f"{path}.arn"):
            RoleArn.parse(arn)
        with _at(f"{path}.policy"):
            engine.create_role(arn, policy=document, trusted=trusted)


def _kms_keys(engine: Engine, value: object) -> Engine:
    """Create each key with exactly the ARN the file names."""
    seen: set[str] = set()
    for index, item in enumerate(_sequence(value, "kms_keys")):
        path = f"kms_keys[{index}]"
        obj = _mapping(item, path)
        _only(obj, _KEY_KEYS, path)
        arn = _required(obj, "arn", path)
        with _at(f"{path}.arn"):
            parsed = KmsKeyArn.parse(arn)
            check_region(parsed.region)
        if parsed.is_alias:
            where, msg = f"{path}.arn", "give a key ARN (key/...): aliases are not modelled"
            raise WorldFileError(msg, path=where)
        if arn in seen:
            where, msg = f"{path}.arn", f"duplicate key ARN {arn!r}"
            raise WorldFileError(msg, path=where)
        seen.add(arn)
        document = _document(obj, "policy", path)
        enabled = _flag(obj, "enabled", path, default=True)
        with _at(f"{path}.policy"):
            engine.create_kms_key(
                region=parsed.region,
                account=parsed.account,
                policy=document,
                key_id=parsed.resource.removeprefix("key/"),
            )
        if not enabled:
            engine.disable_kms_key(arn)
    return engine


def _bucket(engine: Engine, obj: Mapping[str, Any], path: str) -> None:
    """Create and configure one bucket (its replication configuration comes later)."""
    _only(obj, _BUCKET_KEYS, path)
    name = _required(obj, "name", path)
    account = _string(obj, "account", path)
    region = _string(obj, "region", path) or "us-east-1"
    versioning = _string(obj, "versioning", path)
    if versioning is not None and versioning not in _VERSIONING:
        where = f"{path}.versioning"
        msg = f"expected 'Enabled', 'Suspended' or null, got {versioning!r}"
        raise WorldFileError(msg, path=where)
    object_lock = _flag(obj, "object_lock", path, default=False)
    requester_pays = _flag(obj, "requester_pays", path, default=False)
    ownership = _string(obj, "ownership", path)
    policy = _document(obj, "policy", path)
    # create_bucket checks name, account and region at once: check the last two first
    # so that the error names the right field.
    if account is not None:
        with _at(f"{path}.account"):
            check_account_id(account)
    with _at(f"{path}.region"):
        check_region(region)
    with _at(f"{path}.name"):
        engine.create_bucket(
            name,
            account=account,
            region=region,
            versioning=versioning is not None,
            object_lock=object_lock,
        )
    if versioning == "Suspended":
        with _at(f"{path}.versioning"):
            engine.put_bucket_versioning(name, "Suspended")
    if ownership is not None:
        with _at(f"{path}.ownership"):
            engine.put_bucket_ownership_controls(name, ownership)
    for key, put in (
        ("object_lock_configuration", engine.put_object_lock_configuration),
        ("encryption", engine.put_bucket_encryption),
    ):
        if obj.get(key) is not None:
            where = f"{path}.{key}"
            config = _mapping(obj[key], where)
            with _at(where):
                put(name, config)
    if requester_pays:
        with _at(f"{path}.requester_pays"):
            engine.put_bucket_request_payment(name, "Requester")
    if policy is not None:
        with _at(f"{path}.policy"):
            engine.put_bucket_policy(name, policy)


def _buckets(engine: Engine, value: object) -> None:
    replications: list[tuple[str, str, Mapping[str, Any]]] = []
    for index, item in enumerate(_sequence(value, "buckets")):
        path = f"buckets[{index}]"
        obj = _mapping(item, path)
        _bucket(engine, obj, path)
        if obj.get("replication") is not None:
            where = f"{path}.replication"
            replications.append((where, obj["name"], _mapping(obj["replication"], where)))
    # Replication comes last: its destinations may be buckets listed further down.
    for where, name, config in replications:
        with _at(where):
            engine.put_bucket_replication(name, config)


def load_world(data: Mapping[str, Any]) -> Engine:
    """Build an engine from a parsed world description (see the module docstring).

    Args:
        data: the JSON object of a world file, already parsed.

    Returns:
        a new :class:`~s3repl.engine.Engine` holding the world.

    Raises:
        WorldFileError: a key is unknown, a value has the wrong type, or the engine
            refuses a value; the error's ``path`` names the place in the file.
    """
    top = _mapping(data, "")
    _only(top, _TOP_KEYS, "")
    _string(top, "description", "")
    seed = _seed(top.get("seed", 0))
    profile = _profile(top.get("profile", {}))
    engine = Engine(seed=seed, profile=profile)
    _accounts(engine, top.get("accounts", []))
    _roles(engine, top.get("roles", []))
    engine = _kms_keys(engine, top.get("kms_keys", []))
    _buckets(engine, top.get("buckets", []))
    return engine


def load_world_file(path: str | os.PathLike[str]) -> Engine:
    """Read a world file (JSON) and build its engine with :func:`load_world`.

    Args:
        path: the file to read.

    Returns:
        a new :class:`~s3repl.engine.Engine` holding the world.

    Raises:
        WorldFileError: the file cannot be read, is not JSON, or describes an
            impossible world.
    """
    name = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as err:
        msg = f"cannot read world file {name!r}: {err}"
        raise WorldFileError(msg) from err
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        msg = f"world file {name!r} is not valid JSON: {err}"
        raise WorldFileError(msg) from err
    return load_world(data)
