"""Names: account ids, regions and partitions, bucket names, object keys and ARNs.

Each rule of S3 or IAM naming lives in exactly one function here; values elsewhere
call these checks in their attrs validators.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from types import MappingProxyType
from typing import Any

import attrs

from s3repl.errors import InvalidArgument, InvalidArgumentType, InvalidBucketName
from s3repl.model import _checks
from s3repl.model.enums import S3Enum

__all__ = [
    "AWS_S3_MANAGED_KEY_ALIAS",
    "DEFAULT_ACCOUNT",
    "BucketArn",
    "KmsKeyArn",
    "Partition",
    "Region",
    "RoleArn",
    "aws_managed_key_arn",
    "bucket_name_field",
    "check_account_id",
    "check_bucket_name",
    "check_object_key",
    "check_region",
    "default_enabled_regions",
    "is_aws_managed_key_arn",
    "is_opt_in_region",
    "partition_of_region",
    "shown_name",
]

#: The account that owns buckets when no account is named.
DEFAULT_ACCOUNT = "123456789012"

_ACCOUNT_RE = re.compile(r"\d{12}")


class Partition(S3Enum):
    """An AWS partition; ``.value`` is the ARN partition string."""

    AWS = "aws"
    AWS_CN = "aws-cn"
    AWS_US_GOV = "aws-us-gov"


# Regions enabled for every account (launched before March 2019).
_DEFAULT_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1",
    "ap-southeast-2", "ap-south-1", "sa-east-1",
)  # fmt: skip
# Regions an account must opt in to (launched since March 2019).
_OPT_IN_REGIONS = (
    "af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3",
    "ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "ca-west-1",
    "eu-central-2", "eu-south-1", "eu-south-2", "il-central-1", "me-central-1",
    "me-south-1", "mx-central-1",
)  # fmt: skip
_PARTITION_REGIONS = MappingProxyType(
    {
        "cn-north-1": Partition.AWS_CN,
        "cn-northwest-1": Partition.AWS_CN,
        "us-gov-west-1": Partition.AWS_US_GOV,
        "us-gov-east-1": Partition.AWS_US_GOV,
    }
)
_ALL_REGIONS = frozenset(_DEFAULT_REGIONS + _OPT_IN_REGIONS) | frozenset(_PARTITION_REGIONS)

#: A region name, such as ``"eu-west-1"``.
Region = str

_SHOWN_MAX = 80  # characters of a refused name an error message repeats


def shown_name(value: object) -> str:
    """A refused value as an error message shows it: a string quoted and cut short.

    ``None``, a bool, a float or a short int as Python writes it; anything else by its
    type only: ``repr()`` of a list nested a thousand
    deep raises ``RecursionError``, and a message must never fail to build.
    """
    if isinstance(value, str):
        cut = value if len(value) <= _SHOWN_MAX else value[: _SHOWN_MAX - 3] + "..."
        return repr(cut)
    if value is None or isinstance(value, bool | float):
        return repr(value)
    if isinstance(value, int) and value.bit_length() <= 64:
        return str(value)
    return f"a value of type {type(value).__name__}"


def _require_str(value: object, what: str) -> None:
    """Refuse a name that is not a ``str``, naming what it should be and its type.

    Raises:
        InvalidArgumentType: ``value`` is not a string.
    """
    if not isinstance(value, str):
        msg = f"{what} must be a string, got {type(value).__name__}"
        raise InvalidArgumentType(msg)


def check_account_id(value: str) -> str:
    """Return ``value`` if it is a 12-digit AWS account id.

    Raises:
        InvalidArgument: otherwise.
    """
    _require_str(value, "An account id")
    if not _ACCOUNT_RE.fullmatch(value):
        msg = f"Invalid account id {shown_name(value)}: an AWS account id is 12 digits"
        raise InvalidArgument(msg)
    return value


def check_region(value: str) -> str:
    """Return ``value`` if it names a known AWS region.

    Raises:
        InvalidArgument: otherwise (:class:`~s3repl.errors.InvalidArgumentType` for
            a value that is not a string).
    """
    _require_str(value, "A region")
    if value not in _ALL_REGIONS:
        msg = f"Unknown region {shown_name(value)}"
        raise InvalidArgument(msg)
    return value


def is_opt_in_region(region: str) -> bool:
    """Whether an account must enable ``region`` before using it (R-001)."""
    return region in _OPT_IN_REGIONS


def default_enabled_regions() -> tuple[str, ...]:
    """Every region that is on for every account of its partition."""
    return _DEFAULT_REGIONS + tuple(_PARTITION_REGIONS)


def partition_of_region(region: str) -> Partition:
    """Return the partition a region belongs to."""
    return _PARTITION_REGIONS.get(region, Partition.AWS)


_BUCKET_CHARS = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_BAD_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BAD_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def check_bucket_name(name: str) -> str:
    """Return ``name`` if it follows the S3 general-purpose bucket naming rules.

    Raises:
        InvalidBucketName: naming the broken rule.
    """
    problem = _bucket_name_problem(name)
    if problem is not None:
        msg = f"The specified bucket is not valid: {shown_name(name)} {problem}"
        raise InvalidBucketName(msg, bucket_name=name if isinstance(name, str) else None)
    return name


def _bucket_name_problem(name: object) -> str | None:
    if not isinstance(name, str):
        return f"is not a string but {type(name).__name__}"
    if not 3 <= len(name) <= 63:
        return "must be between 3 and 63 characters long"
    if not _BUCKET_CHARS.fullmatch(name):
        return (
            "may hold only lowercase letters, digits, dots and hyphens, "
            "and must begin and end with a letter or digit"
        )
    if ".." in name:
        return "must not contain two adjacent periods"
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        pass
    else:
        return "must not be formatted as an IP address"
    if name.startswith(_BAD_PREFIXES):
        return f"must not start with any of {', '.join(_BAD_PREFIXES)}"
    if name.endswith(_BAD_SUFFIXES):
        return f"must not end with any of {', '.join(_BAD_SUFFIXES)}"
    return None


def bucket_name_field(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Check, as an attrs validator, that a bucket name follows S3's naming rules.

    Raises:
        TypeError: when ``value`` is not a ``str``.
        ValueError: naming the class, the field and the rule.
    """
    _checks.text(instance, attribute, value)
    problem = _bucket_name_problem(value)
    if problem is not None:
        raise _checks.value_error(
            instance, attribute, f"is not a valid bucket name: {problem}", value
        )


def check_object_key(key: str) -> str:
    """Return ``key`` if it is a valid object key (1 to 1024 bytes of UTF-8).

    Raises:
        InvalidArgument: otherwise.
    """
    if type(key) is not str:  # the usual key skips _require_str's call
        _require_str(key, "Object key")
    if not key:
        msg = "Object key must be a non-empty string"
        raise InvalidArgument(msg)
    if key.isascii():  # O(1) for str; the usual key, whose length is its UTF-8 size
        size = len(key)
    else:
        try:
            size = len(key.encode("utf-8"))
        except UnicodeEncodeError as err:
            msg = f"Object key {shown_name(key)} is not valid UTF-8"
            raise InvalidArgument(msg) from err
    if size > 1024:
        msg = f"Object key is {size} bytes of UTF-8; the maximum is 1024"
        raise InvalidArgument(msg)
    return key


_PARTITIONS = "|".join(p.value for p in Partition)
_BUCKET_ARN_RE = re.compile(rf"arn:({_PARTITIONS}):s3:::([^/]+)")
_ROLE_ARN_RE = re.compile(
    rf"arn:({_PARTITIONS}):iam::(\d{{12}}):role/((?:[\w+=,.@-]+/)*)([\w+=,.@-]{{1,64}})"
)
_KMS_ARN_RE = re.compile(
    rf"arn:({_PARTITIONS}):kms:([a-z0-9-]+):(\d{{12}}):(key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+)"
)
# The parts of the ARNs above, for values built from parts rather than parsed.
_ROLE_PATH_RE = re.compile(r"(?:[\w+=,.@-]+/)*")
_ROLE_NAME_RE = re.compile(r"[\w+=,.@-]{1,64}")
_KMS_REGION_RE = re.compile(r"[a-z0-9-]+")
_KMS_RESOURCE_RE = re.compile(r"key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+")


def _pattern(pattern: re.Pattern[str], shape: str) -> Any:
    """Check, as an attrs validator, that ``pattern`` matches a ``str`` in full."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        _checks.text(instance, attribute, value)
        assert isinstance(value, str)
        if not pattern.fullmatch(value):
            raise _checks.value_error(instance, attribute, f"must be {shape}", value)

    return check


@attrs.frozen(kw_only=True)
class BucketArn:
    """A bucket ARN, ``arn:<partition>:s3:::<bucket>``."""

    partition: Partition = attrs.field(validator=_checks.member_of(Partition))
    bucket: str = attrs.field(validator=bucket_name_field)

    @classmethod
    def parse(cls, text: str) -> BucketArn:
        """Parse a bucket ARN.

        Raises:
            InvalidArgument: when ``text`` is not a bucket ARN with a valid bucket name.
        """
        _require_str(text, "A bucket ARN")
        match = _BUCKET_ARN_RE.fullmatch(text)
        if match is None:
            msg = f"Invalid bucket ARN {shown_name(text)}"
            raise InvalidArgument(msg)
        try:
            check_bucket_name(match[2])
        except InvalidBucketName as err:
            msg = f"Invalid bucket ARN {shown_name(text)}: {err.message}"
            raise InvalidArgument(msg) from err
        return cls(partition=Partition(match[1]), bucket=match[2])

    def __str__(self) -> str:
        """Return the ARN text."""
        return f"arn:{self.partition.value}:s3:::{self.bucket}"


@attrs.frozen(kw_only=True)
class RoleArn:
    """An IAM role ARN, ``arn:<partition>:iam::<account>:role/<path><name>``."""

    partition: Partition = attrs.field(validator=_checks.member_of(Partition))
    account: str = attrs.field(validator=_checks.account_id)
    path: str = attrs.field(validator=_pattern(_ROLE_PATH_RE, "an IAM path ('' or 'a/b/')"))
    name: str = attrs.field(
        validator=_pattern(_ROLE_NAME_RE, "an IAM role name (1 to 64 of [\\w+=,.@-])")
    )

    @classmethod
    def parse(cls, text: str) -> RoleArn:
        """Parse an IAM role ARN.

        Raises:
            InvalidArgument: when ``text`` is not a role ARN.
        """
        _require_str(text, "A role ARN")
        match = _ROLE_ARN_RE.fullmatch(text)
        if match is None:
            msg = f"Invalid role ARN {shown_name(text)}"
            raise InvalidArgument(msg)
        return cls(partition=Partition(match[1]), account=match[2], path=match[3], name=match[4])

    def __str__(self) -> str:
        """Return the ARN text."""
        return f"arn:{self.partition.value}:iam::{self.account}:role/{self.path}{self.name}"


@attrs.frozen(kw_only=True)
class KmsKeyArn:
    """A KMS key or alias ARN, ``arn:<partition>:kms:<region>:<account>:key/<id>``."""

    partition: Partition = attrs.field(validator=_checks.member_of(Partition))
    region: str = attrs.field(validator=_pattern(_KMS_REGION_RE, "a region name"))
    account: str = attrs.field(validator=_checks.account_id)
    resource: str = attrs.field(
        validator=_pattern(_KMS_RESOURCE_RE, "'key/<id>' or 'alias/<name>'")
    )

    @property
    def is_alias(self) -> bool:
        """Whether this ARN names an alias rather than a key."""
        return self.resource.startswith("alias/")

    @classmethod
    def parse(cls, text: str) -> KmsKeyArn:
        """Parse a KMS key or alias ARN.

        Raises:
            InvalidArgument: when ``text`` is not a KMS key or alias ARN.
        """
        _require_str(text, "A KMS key ARN")
        match = _KMS_ARN_RE.fullmatch(text)
        if match is None:
            msg = f"Invalid KMS key ARN {shown_name(text)}"
            raise InvalidArgument(msg)
        return cls(
            partition=Partition(match[1]), region=match[2], account=match[3], resource=match[4]
        )

    def __str__(self) -> str:
        """Return the ARN text."""
        return f"arn:{self.partition.value}:kms:{self.region}:{self.account}:{self.resource}"


#: The alias of the AWS managed key S3 uses for SSE-KMS when no key is named.
AWS_S3_MANAGED_KEY_ALIAS = "alias/aws/s3"


def aws_managed_key_arn(account: str, region: str) -> str:
    """The key ARN of ``account``'s AWS managed key ``aws/s3`` in ``region`` (R-014).

    AWS creates the key in the account the first time SSE-KMS is used there without a
    key id, and picks its id.  s3repl derives the id from the account and Region
    (a UUID-shaped digest), so that every engine and every fork names it alike without
    drawing from the engine's random ids.

    Args:
        account: the owning account id.
        region: the key's Region.
    """
    digest = hashlib.sha256(f"aws/s3:{account}:{region}".encode()).hexdigest()
    key_id = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    return f"arn:{partition_of_region(region).value}:kms:{region}:{account}:key/{key_id}"


def is_aws_managed_key_arn(arn: str) -> bool:
    """Whether ``arn`` is the key ARN of an account's ``aws/s3`` (:func:`aws_managed_key_arn`)."""
    match = _KMS_ARN_RE.fullmatch(arn) if isinstance(arn, str) else None
    if match is None or not match[4].startswith("key/"):
        return False
    try:
        return arn == aws_managed_key_arn(match[3], match[2])
    except InvalidArgument:
        return False
