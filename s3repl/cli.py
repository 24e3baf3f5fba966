"""The ``s3repl`` command: check a replication configuration, explain it, watch a demo.

Theory of operation.  Every subcommand is a thin shell around the library:

- ``check CONFIG`` decodes the configuration the way S3 would receive it (XML on the
  wire, or the JSON that boto3 and ``aws s3api put-bucket-replication`` send), puts it
  in a world (a permissive one built from the configuration itself, or one described
  by a world file, see ``s3repl._worldfile``), and prints every
  :class:`~s3repl.validate.Problem` of :func:`~s3repl.validate.validate_replication`
  (why ``PutBucketReplication`` would fail) and, when there is none, every
  :class:`~s3repl.validate.Finding` of :func:`~s3repl.validate.check_requirements`
  (why objects would later fail to replicate).  Findings need the configuration in
  place, and the engine only stores configurations AWS accepts, so findings are only
  evaluated for a configuration without problems; the output says so.
- ``explain CONFIG --key KEY`` shows which rules select an object and where a put
  would replicate to (:func:`s3repl.policy.explain_routing`).
- ``demo`` runs an embedded scenario step by step and prints its timeline and the
  final contents of every bucket.

Exit status: 0 when nothing was found, 1 when there are problems or findings, 2 when
the input is unusable (a file that cannot be read, JSON that does not parse, a broken
world file).  A configuration that S3 itself would answer with ``MalformedXML`` is a
problem of the configuration (exit 1), not unusable input.

Output is deterministic: no wall clock, no randomness outside the engine's seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

import attrs

from s3repl import iac, iam
from s3repl._worldfile import WorldFileError, load_world, load_world_file
from s3repl.codec import replication_from_dict, replication_from_xml
from s3repl.engine import EPOCH, Engine
from s3repl.errors import MalformedXML, S3Error
from s3repl.model import (
    DEFAULT_ACCOUNT,
    DeleteMarker,
    KmsKeyArn,
    ObjectVersion,
    Partition,
    ReplicationConfiguration,
    ReplicationRule,
    ReplicationStatus,
    RoleArn,
    Status,
    TaskKind,
)
from s3repl.model.names import check_account_id, check_bucket_name
from s3repl.policy import explain_routing, winning_rules
from s3repl.validate import Finding, Problem, check_requirements, validate_replication

__all__ = ["main", "permissive_world"]

#: Exit status: nothing found.
EXIT_OK = 0
#: Exit status: problems or findings.
EXIT_FOUND = 1
#: Exit status: unusable input.
EXIT_UNUSABLE = 2

_WIDTH = 100
_DEFAULT_SOURCE = "source-bucket"
#: The region the permissive world puts buckets in, per partition.
_HOME_REGION = {
    Partition.AWS: "us-east-1",
    Partition.AWS_CN: "cn-north-1",
    Partition.AWS_US_GOV: "us-gov-west-1",
}
#: Keys of the ``aws s3api put-bucket-replication --cli-input-json`` wrapper.
_CLI_INPUT_KEYS = frozenset(
    {
        "Bucket",
        "ReplicationConfiguration",
        "Token",
        "ExpectedBucketOwner",
        "ChecksumAlgorithm",
        "ContentMD5",
    }
)


class _UnusableInputError(Exception):
    """Input the command cannot work with (exit status 2); the message says why."""


# --- reading a configuration ------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Decoded:
    """A configuration file, decoded: the configuration, or the problem S3 would answer."""

    format: str
    config: ReplicationConfiguration | None
    problem: Problem | None = None
    bucket: str | None = None
    token: str | None = None


def _read_text(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as err:
        msg = f"cannot read {path}: {err.strerror or err}"
        raise _UnusableInputError(msg) from err
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        msg = f"{path} is not UTF-8 text: {err}"
        raise _UnusableInputError(msg) from err


def _schema_problem(err: Exception) -> Problem:
    """A decoding error as the problem S3 answers with (``MalformedXML``, R-045)."""
    if isinstance(err, S3Error):
        # The codec refuses only what breaks the schema, so the requirement is R-045
        # whatever the code (today it is always MalformedXML).
        return Problem(code=err.code, message=err.message, requirement="R-045", element=err.element)
    message = f"{MalformedXML.DEFAULT_MESSAGE}: {err}"
    return Problem(code="MalformedXML", message=message, requirement="R-045")


def _unwrap(data: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None, str | None]:
    """Strip the ``--cli-input-json`` wrapper (``{"Bucket", "ReplicationConfiguration"}``)."""
    inner = data.get("ReplicationConfiguration")
    if isinstance(inner, Mapping) and set(data) <= _CLI_INPUT_KEYS:
        bucket = data.get("Bucket")
        token = data.get("Token")
        return (
            inner,
            bucket if isinstance(bucket, str) else None,
            token if isinstance(token, str) else None,
        )
    return data, None, None


def _decode(path: str) -> _Decoded:
    """Read a configuration file, detecting XML or JSON by its first character."""
    text = _read_text(path)
    stripped = text.lstrip()
    if stripped.startswith("<"):
        try:
            return _Decoded(format="XML", config=replication_from_xml(text))
        except (S3Error, ValueError, TypeError) as err:
            return _Decoded(format="XML", config=None, problem=_schema_problem(err))
    if not stripped.startswith(("{", "[")):
        msg = f"{path} is neither XML nor JSON (it should start with '<' or '{{')"
        raise _UnusableInputError(msg)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        msg = f"{path} is not valid JSON: {err}"
        raise _UnusableInputError(msg) from err
    if not isinstance(data, Mapping):
        msg = f"{path} must hold a JSON object (a ReplicationConfiguration)"
        raise _UnusableInputError(msg)
    inner, bucket, token = _unwrap(data)
    try:
        config = replication_from_dict(inner)
    except (S3Error, ValueError, TypeError) as err:
        return _Decoded(format="JSON", config=None, problem=_schema_problem(err), bucket=bucket)
    return _Decoded(format="JSON", config=config, bucket=bucket, token=token)


# --- the permissive world --------------------------------------------------------------


def _partition_of_arn(text: str) -> Partition:
    parts = text.split(":")
    try:
        return Partition(parts[1]) if len(parts) > 1 else Partition.AWS
    except ValueError:
        return Partition.AWS


def _valid_account(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_account_id(value)
    except (S3Error, ValueError):
        return None


def _valid_bucket(name: str) -> bool:
    try:
        check_bucket_name(name)
    except (S3Error, ValueError):
        return False
    return True


def _replica_key(rule: ReplicationRule) -> KmsKeyArn | None:
    """The rule's replica KMS key, when it is a key ARN the world can hold."""
    encryption = rule.destination.encryption_configuration
    if encryption is None or encryption.replica_kms_key_id is None:
        return None
    try:
        arn = KmsKeyArn.parse(encryption.replica_kms_key_id)
    except (S3Error, ValueError):
        return None
    return None if arn.is_alias else arn


def permissive_world(config: ReplicationConfiguration, bucket: str) -> dict[str, Any]:
    """Describe (in the world-file format) a world where only the configuration can fail.

    The source bucket exists, versioned, owned by the role's account (the default
    account ``123456789012`` when the role ARN is not valid), in the home region of
    the role's partition (``us-east-1`` for ``aws``).  Every destination the
    configuration names exists, versioned, owned by its rule's ``Account`` (or the
    source's owner), in the region of its rule's replica KMS key if there is one,
    else in the home region of its ARN's partition; destinations of another account
    carry the bucket policy of R-012.  The role exists, is trusted by S3 and allows
    every replication action; every replica KMS key exists and lets the role use it.
    Names that are not valid (a bad ARN, a bad bucket name) are left out, so that
    validation reports them.

    Args:
        config: the configuration to check.
        bucket: the source bucket's name.

    Returns:
        a world description for :func:`s3repl._worldfile.load_world`.
    """
    role = config.role
    role_arn: RoleArn | None
    try:
        role_arn = RoleArn.parse(role)
    except (S3Error, ValueError):
        role_arn = None
    source_partition = role_arn.partition if role_arn is not None else Partition.AWS
    source_owner = role_arn.account if role_arn is not None else DEFAULT_ACCOUNT
    principal = role if role_arn is not None else source_owner
    accounts: dict[str, None] = {}
    keys: dict[str, dict[str, Any]] = {}
    buckets: dict[str, dict[str, Any]] = {
        bucket: {
            "name": bucket,
            "account": source_owner,
            "region": _HOME_REGION[source_partition],
            "versioning": "Enabled",
        }
    }
    for rule in config.rules:
        name = rule.destination.bucket_name
        key = _replica_key(rule)
        if key is not None and str(key) not in keys:
            keys[str(key)] = {"arn": str(key), "policy": _key_policy(principal)}
        if name in buckets or not _valid_bucket(name):
            continue
        owner = _valid_account(rule.destination.account) or source_owner
        partition = _partition_of_arn(rule.destination.bucket)
        region = key.region if key is not None else _HOME_REGION[partition]
        entry: dict[str, Any] = {
            "name": name,
            "account": owner,
            "region": region,
            "versioning": "Enabled",
        }
        if owner != source_owner:
            accounts[owner] = None
            entry["policy"] = iam.policy_to_dict(
                iam.destination_bucket_policy(name, principal=principal, partition=partition.value)
            )
        buckets[name] = entry
    world: dict[str, Any] = {
        "accounts": [{"id": account} for account in accounts],
        "kms_keys": list(keys.values()),
        "buckets": list(buckets.values()),
    }
    if role_arn is not None:
        world["roles"] = [{"arn": role, "policy": None, "trusted": True}]
    return world


def _key_policy(principal: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReplicationRoleMayUseTheKey",
                "Effect": "Allow",
                "Principal": {"AWS": principal},
                "Action": list(iam.REPLICATION_KMS_ACTIONS),
                "Resource": "*",
            }
        ],
    }


# --- check ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Report:
    """What ``check`` found; ``findings`` is ``None`` when they were not evaluated."""

    problems: tuple[Problem, ...]
    findings: tuple[Finding, ...] | None

    @property
    def clean(self) -> bool:
        return not self.problems and not self.findings


def _evaluate(
    engine: Engine, bucket: str, config: ReplicationConfiguration, token: str | None
) -> _Report:
    problems = validate_replication(engine, bucket, config, token=token)
    if problems:
        return _Report(problems=problems, findings=None)
    trial = engine.fork()
    trial.put_bucket_replication(bucket, config, token=token)
    return _Report(problems=(), findings=check_requirements(trial, bucket))


def _problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "kind": "problem",
        "code": problem.code,
        "requirement": problem.requirement,
        "rule_id": problem.rule_id,
        "element": problem.element,
        "message": problem.message,
    }


def _finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "kind": "finding",
        "failure_reason": finding.failure_reason.value,
        "requirement": finding.requirement,
        "rule_id": finding.rule_id,
        "destination_bucket": finding.destination_bucket,
        "message": finding.message,
    }


def _wrapped(text: str, indent: str) -> str:
    return textwrap.fill(
        text, width=_WIDTH, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _print_entry(
    number: int, head: Sequence[str], where: str | None, message: str, out: TextIO
) -> None:
    print(f"{number:>3}. " + "  ".join(head), file=out)
    if where is not None:
        print(_wrapped(f"at {where}", "     "), file=out)
    print(_wrapped(message, "     "), file=out)


def _print_text(report: _Report, header: Sequence[str], out: TextIO) -> None:
    for line in header:
        print(_wrapped(line, ""), file=out)
    print(file=out)
    if report.problems:
        count = _plural(len(report.problems), "problem")
        print(f"{count} (PutBucketReplication would answer with the first):", file=out)
        for number, problem in enumerate(report.problems, 1):
            head = [problem.code, problem.requirement]
            if problem.rule_id is not None:
                head.append(f"rule {problem.rule_id}")
            _print_entry(number, head, problem.element, problem.message, out)
    else:
        print("No problems: PutBucketReplication would accept the configuration.", file=out)
    if report.findings is None:
        print(file=out)
        text = (
            "Findings not evaluated: they need the configuration in place, and "
            "PutBucketReplication would refuse it. Fix the problems first."
        )
        print(_wrapped(text, ""), file=out)
    elif report.findings:
        print(file=out)
        count = _plural(len(report.findings), "finding")
        print(f"{count} (objects would fail to replicate):", file=out)
        for number, finding in enumerate(report.findings, 1):
            head = [finding.failure_reason.value, finding.requirement]
            if finding.rule_id is not None:
                head.append(f"rule {finding.rule_id}")
            if finding.destination_bucket is not None:
                head.append(f"destination {finding.destination_bucket}")
            _print_entry(number, head, None, finding.message, out)
    else:
        print("No findings: every enabled rule can replicate in this world.", file=out)
    print(file=out)
    problems = _plural(len(report.problems), "problem")
    if report.findings is None:
        findings = "findings not evaluated"
    else:
        findings = _plural(len(report.findings), "finding")
    print(f"{'OK' if report.clean else 'NOT OK'}: {problems}, {findings}.", file=out)


def _load_engine(args: argparse.Namespace, decoded: _Decoded, bucket: str) -> tuple[Engine, str]:
    if args.world is not None:
        try:
            engine = load_world_file(args.world)
        except WorldFileError as err:
            msg = f"world file {args.world}: {err}"
            raise _UnusableInputError(msg) from err
        if engine.snapshot().bucket(bucket) is None:
            msg = (
                f"source bucket {bucket!r} is not in world file {args.world} "
                "(name it with --bucket)"
            )
            raise _UnusableInputError(msg)
        return engine, args.world
    assert decoded.config is not None
    if not _valid_bucket(bucket):
        msg = f"--bucket {bucket!r} is not a valid bucket name"
        raise _UnusableInputError(msg)
    description = permissive_world(decoded.config, bucket)
    try:
        engine = load_world(description)
    except WorldFileError as err:  # pragma: no cover - a bug: the description is ours
        msg = f"cannot build the permissive world: {err}"
        raise _UnusableInputError(msg) from err
    return engine, "permissive (source, destinations and role exist and allow replication)"


def _parameters(pairs: Sequence[str]) -> dict[str, str]:
    parameters: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            msg = f"--parameter expects KEY=VALUE, got {pair!r}"
            raise _UnusableInputError(msg)
        parameters[key] = value
    return parameters


def _check_infrastructure(args: argparse.Namespace, out: TextIO) -> int | None:
    """Check a CloudFormation template or Terraform plan (``None``: CONFIG is neither)."""
    text = _read_text(args.config)
    if iac.recognise(text) is None:
        return None
    options = iac.CheckOptions(
        parameters=_parameters(args.parameter),
        account=args.account,
        region=args.region,
        world_file=args.world,
        bucket=args.bucket,
        token=args.token,
    )
    try:
        report = iac.check_infrastructure(text, file=args.config, options=options)
    except iac.InfrastructureError as err:
        raise _UnusableInputError(str(err)) from err
    render = {"text": iac.render_text, "json": iac.render_json, "sarif": iac.render_sarif}
    print(render[args.format](report), file=out)
    return EXIT_OK if report.clean else EXIT_FOUND


def _check(args: argparse.Namespace, out: TextIO) -> int:
    status = _check_infrastructure(args, out)
    if status is not None:
        return status
    decoded = _decode(args.config)
    bucket = args.bucket or decoded.bucket or _DEFAULT_SOURCE
    token = args.token if args.token is not None else decoded.token
    if decoded.config is None:
        assert decoded.problem is not None
        report = _Report(problems=(decoded.problem,), findings=None)
        where = "none (S3 would not parse the configuration)"
    else:
        engine, where = _load_engine(args, decoded, bucket)
        report = _evaluate(engine, bucket, decoded.config, token)
    if args.format == "sarif":
        wrapped = iac.configuration_report(
            file=args.config,
            kind=f"{decoded.format} replication configuration",
            world=where,
            bucket=bucket,
            problems=report.problems,
            findings=report.findings,
        )
        print(iac.render_sarif(wrapped), file=out)
    elif args.format == "json":
        rows = [_problem_json(p) for p in report.problems]
        rows += [_finding_json(f) for f in report.findings or ()]
        print(json.dumps(rows, indent=2), file=out)
    else:
        header = (
            f"{args.config}: {decoded.format} replication configuration for bucket {bucket}",
            f"World: {where}",
        )
        _print_text(report, header, out)
    return EXIT_OK if report.clean else EXIT_FOUND


# --- explain ----------------------------------------------------------------------------


def _tags(pairs: Sequence[str]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            msg = f"--tags expects KEY=VALUE, got {pair!r}"
            raise _UnusableInputError(msg)
        tags[key] = value
    return tags


def _explain(args: argparse.Namespace, out: TextIO) -> int:
    decoded = _decode(args.config)
    if decoded.config is None:
        assert decoded.problem is not None
        problem = decoded.problem
        print(
            f"{args.config}: S3 would not parse it: {problem.code} ({problem.requirement})",
            file=out,
        )
        print(_wrapped(problem.message, "  "), file=out)
        return EXIT_FOUND
    config = decoded.config
    tags = _tags(args.tags)
    shown = ", ".join(f"{k}={v}" for k, v in tags.items()) or "none"
    print(f"Object {args.key!r} (tags: {shown}, SSE-KMS: {'yes' if args.kms else 'no'})", file=out)
    print(file=out)
    standings = explain_routing(config, args.key, tags, kms_encrypted=args.kms)
    print("Rules, in document order (the configuration itself is not validated here):", file=out)
    for index, (rule, standing) in enumerate(standings, 1):
        label = rule.id or "(no ID)"
        priority = "-" if rule.priority is None else str(rule.priority)
        target = rule.destination.bucket_name
        print(f"{index:>3}. {label} (priority {priority}) -> {target}: {standing.value}", file=out)
    routes = winning_rules(config, args.key, tags, kms_encrypted=args.kms)
    print(file=out)
    if not routes:
        print("A put of this object would not replicate.", file=out)
        return EXIT_OK
    print("A put of this object would replicate to:", file=out)
    for route in routes:
        print(f"  {route.destination_bucket} (rule {route.rule_id or '(no ID)'})", file=out)
    return EXIT_OK


# --- demo -------------------------------------------------------------------------------

_DEMO_ROLE = "arn:aws:iam::123456789012:role/demo-replication"
_DEMO_SOURCE = "demo-source"
_DEMO_EU = "demo-replica-eu"
_DEMO_LOCAL = "demo-replica-local"
_PARTNER = "partner-vault"
_AUDIT = "audit-archive"
_DEMO_BUCKETS = (_DEMO_SOURCE, _DEMO_EU, _DEMO_LOCAL, _PARTNER, _AUDIT)
_PARTNER_ACCOUNT = "444455556666"
_AUDIT_ACCOUNT = "777788889999"


def _demo_config() -> dict[str, Any]:
    """The demo's replication configuration (boto3 shape)."""
    return {
        "Role": _DEMO_ROLE,
        "Rules": [
            {
                "ID": "everything-to-eu",
                "Priority": 1,
                "Status": "Enabled",
                "Filter": {},
                "DeleteMarkerReplication": {"Status": "Enabled"},
                "Destination": {"Bucket": "arn:aws:s3:::demo-replica-eu"},
            },
            {
                "ID": "logs-local-ia",
                "Priority": 2,
                "Status": "Enabled",
                "Filter": {"Prefix": "logs/"},
                "DeleteMarkerReplication": {"Status": "Disabled"},
                "Destination": {
                    "Bucket": "arn:aws:s3:::demo-replica-local",
                    "StorageClass": "STANDARD_IA",
                },
            },
            {
                "ID": "partner-share",
                "Priority": 3,
                "Status": "Enabled",
                "Filter": {"Tag": {"Key": "share", "Value": "partner"}},
                "DeleteMarkerReplication": {"Status": "Disabled"},
                "Destination": {
                    "Bucket": "arn:aws:s3:::partner-vault",
                    "Account": _PARTNER_ACCOUNT,
                    "AccessControlTranslation": {"Owner": "Destination"},
                },
            },
            {
                "ID": "finance-audit",
                "Priority": 4,
                "Status": "Enabled",
                "Filter": {"Prefix": "finance/"},
                "DeleteMarkerReplication": {"Status": "Disabled"},
                "Destination": {
                    "Bucket": "arn:aws:s3:::audit-archive",
                    "Account": _AUDIT_ACCOUNT,
                    "Metrics": {"Status": "Enabled"},
                },
            },
        ],
    }


def _clock(engine: Engine) -> str:
    """The simulated time since the engine's epoch, as ``HH:MM:SS.mmm``."""
    elapsed_ms = (engine.now - EPOCH) // dt.timedelta(milliseconds=1)
    seconds, millis = divmod(elapsed_ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _wrapped_after(prefix: str, text: str) -> str:
    """``prefix`` then ``text``, continuation lines indented to line up after the prefix."""
    return textwrap.fill(
        text,
        width=_WIDTH,
        initial_indent=prefix,
        subsequent_indent=" " * len(prefix),
        break_on_hyphens=False,
        break_long_words=False,
    )


def _short(version_id: str) -> str:
    return version_id[:8]


class _Demo:
    """The embedded scenario: builds the world, acts, and prints as it goes."""

    def __init__(self, seed: int, out: TextIO) -> None:
        self.engine = Engine(seed=seed)
        self.out = out

    def say(self, text: str = "") -> None:
        print(text, file=self.out)

    def line(self, what: str, detail: str) -> None:
        prefix = f"{_clock(self.engine)}  {what:<7}"
        self.say(_wrapped_after(prefix, detail))

    def setup(self) -> None:
        eng = self.engine
        eng.create_account(_PARTNER_ACCOUNT)
        eng.create_account(_AUDIT_ACCOUNT)
        eng.create_role(_DEMO_ROLE)
        eng.create_bucket(_DEMO_SOURCE, region="us-east-1", versioning=True)
        eng.create_bucket(_DEMO_EU, region="eu-west-1", versioning=True)
        eng.create_bucket(_DEMO_LOCAL, region="us-east-1", versioning=True)
        eng.create_bucket(_PARTNER, account=_PARTNER_ACCOUNT, region="eu-west-1", versioning=True)
        eng.put_bucket_ownership_controls(_PARTNER, "ObjectWriter")
        eng.put_bucket_policy(
            _PARTNER, iam.destination_bucket_policy(_PARTNER, principal=_DEMO_ROLE)
        )
        eng.create_bucket(_AUDIT, account=_AUDIT_ACCOUNT, region="us-east-1", versioning=True)
        eng.put_bucket_replication(_DEMO_SOURCE, _demo_config())

    def introduce(self) -> None:
        eng = self.engine
        self.say(f"s3repl demo (seed {eng.seed}): one source bucket, four V2 replication rules.")
        self.say()
        self.say(f"  {'BUCKET':<19} {'REGION':<10} {'OWNER':<13} OBJECT OWNERSHIP")
        for name in _DEMO_BUCKETS:
            bucket = eng.get_bucket(name)
            self.say(
                f"  {name:<19} {bucket.region:<10} {bucket.owner:<13} {bucket.ownership.value}"
            )
        self.say()
        self.say(f"Rules of {_DEMO_SOURCE} (role {_DEMO_ROLE}):")
        for rule in eng.get_bucket_replication(_DEMO_SOURCE).rules:
            self.say(
                f"  P{rule.priority} {rule.id or '':<17} {_describe_filter(rule):<18} -> "
                f"{rule.destination.bucket_name:<19}{_describe_extras(rule)}"
            )
        self.say(
            f"{_PARTNER}'s bucket policy lets the role replicate and override the owner (R-012);"
        )
        self.say(f"{_AUDIT} grants the role nothing, so it may not write there (R-158).")
        self.say()

    def put(self, key: str, body: bytes, tags: Mapping[str, str] | None = None) -> ObjectVersion:
        version = self.engine.put_object(_DEMO_SOURCE, key, body, tags=tags)
        shown = "" if not tags else " {" + ", ".join(f"{k}={v}" for k, v in tags.items()) + "}"
        status = _status(version.replication_status)
        targets = self.targets(key, version.version_id)
        self.line("PUT", f"{key}{shown} v={_short(version.version_id)}  {status} -> {targets}")
        return version

    def targets(self, key: str, version_id: str) -> str:
        names = [
            task.destination_bucket
            for task in self.engine.pending()
            if task.key == key and task.version_id == version_id
        ]
        return ", ".join(names) or "(not replicated)"

    def step_all(self) -> None:
        # Bounded: each step removes a task, and nothing in the demo is transient.
        for _ in range(len(self.engine.pending())):
            result = self.engine.step()
            task = result.task
            outcome = result.status.value
            if result.failure_reason is not None:
                outcome += f" {result.failure_reason.value}"
            kind = "marker " if task.kind is TaskKind.DELETE_MARKER else ""
            self.line(
                "STEP",
                f"{task.key} {kind}v={_short(task.version_id)} -> {task.destination_bucket} "
                f"[{task.rule_id}]  {outcome}",
            )

    def act(self) -> tuple[ObjectVersion, str]:
        eng = self.engine
        self.say("Timeline (simulated clock; each STEP applies exactly one replication task):")
        first = self.put("report.csv", b"v1")
        self.put("report.csv", b"v2")
        self.put("logs/app.log", b"started")
        self.put("shared/plan.pdf", b"plan", tags={"share": "partner"})
        self.put("finance/q1.xlsx", b"numbers")
        self.step_all()
        marker = eng.delete_object(_DEMO_SOURCE, "logs/app.log")
        marker_id = marker.version_id or ""
        targets = self.targets("logs/app.log", marker_id)
        self.line("DELETE", f"logs/app.log  delete marker v={_short(marker_id)} -> {targets}")
        eng.delete_object(_DEMO_SOURCE, "report.csv", version_id=first.version_id)
        self.line(
            "DELETE",
            f"report.csv?versionId={_short(first.version_id)}  permanent: not replicated",
        )
        self.step_all()
        return first, marker_id

    def report(self, first: ObjectVersion, marker_id: str) -> None:
        eng = self.engine
        self.say()
        events = eng.events()
        self.say(f"Event notifications ({len(events)}):")
        for event in events:
            reason = "" if event.failure_reason is None else f" {event.failure_reason.value}"
            self.say(
                _wrapped_after(
                    "  ", f"{event.event_name} {event.key} -> {event.destination_bucket}{reason}"
                )
            )
        self.say()
        self.say("Final state (newest version first; STATUS is x-amz-replication-status):")
        for name in _DEMO_BUCKETS:
            self.table(name)
        self.say()
        self.say("What to notice:")
        partner = eng.head_object(_PARTNER, "shared/plan.pdf")
        kept = any(v.version_id == first.version_id for v in eng.list_object_versions(_DEMO_EU))
        local_marker = any(v.version_id == marker_id for v in eng.list_object_versions(_DEMO_LOCAL))
        failed = eng.head_object(_DEMO_SOURCE, "finance/q1.xlsx")
        notes = (
            f"{_DEMO_LOCAL} keeps the source's version ids but stores STANDARD_IA (R-083, R-089).",
            f"{_PARTNER} owns its replica ({partner.owner}): owner override (R-151).",
            "The delete marker reached "
            + (f"{_DEMO_EU} only" if not local_marker else "both replicas")
            + ": DeleteMarkerReplication is Enabled on everything-to-eu, Disabled on "
            "logs-local-ia (R-087).",
            f"report.csv v={_short(first.version_id)} was deleted by version id on the source but "
            + ("is still" if kept else "is no longer")
            + f" in {_DEMO_EU} (R-103).",
            f"finance/q1.xlsx is {_status(failed.replication_status)} on the source: "
            f"{_AUDIT} refused the replica (DstPutObjectNotPermitted, R-123, R-158).",
        )
        for note in notes:
            self.say(_wrapped_after("  - ", note))

    def table(self, name: str) -> None:
        bucket = self.engine.get_bucket(name)
        self.say()
        self.say(f"{name} ({bucket.region}, owner {bucket.owner})")
        rows = self.engine.list_object_versions(name)
        if not rows:
            self.say("  (empty)")
            return
        self.say(
            f"  {'KEY':<16} {'VERSION':<8} {'LATEST':<6} {'STATUS':<9} {'OWNER':<12} "
            f"{'STORAGE CLASS':<13} TAGS"
        )
        for row in rows:
            latest = "yes" if row.is_latest else ""
            if isinstance(row, DeleteMarker):
                klass, tags = "-", "(delete marker)"
            else:
                klass = row.storage_class.value
                tags = ", ".join(f"{k}={v}" for k, v in row.tags.items()) or "-"
            self.say(
                f"  {row.key:<16} {_short(row.version_id):<8} {latest:<6} "
                f"{_status(row.replication_status):<9} {row.owner:<12} {klass:<13} {tags}"
            )

    def run(self) -> None:
        self.setup()
        self.introduce()
        first, marker_id = self.act()
        self.report(first, marker_id)


def _status(status: ReplicationStatus | None) -> str:
    return "-" if status is None else status.value


def _describe_filter(rule: ReplicationRule) -> str:
    flt = rule.filter
    if flt is None:
        return f"prefix {rule.prefix!r}"
    if flt.prefix is not None:
        return f"prefix {flt.prefix}"
    if flt.tag is not None:
        return f"tag {flt.tag.key}={flt.tag.value}"
    return "every object"


def _describe_extras(rule: ReplicationRule) -> str:
    dest = rule.destination
    extras = []
    if rule.delete_marker_replication is Status.ENABLED:
        extras.append("delete markers")
    if dest.storage_class is not None:
        extras.append(dest.storage_class.value)
    if dest.access_control_translation is not None:
        extras.append(f"owner override to {dest.account}")
    elif dest.account is not None:
        extras.append(f"account {dest.account}")
    if dest.metrics is not None:
        extras.append("metrics")
    return (" " + ", ".join(extras)) if extras else ""


def _demo(args: argparse.Namespace, out: TextIO) -> int:
    _Demo(args.seed, out).run()
    return EXIT_OK


# --- serve ------------------------------------------------------------------------------


def _serve(args: argparse.Namespace, out: TextIO) -> int:
    if args.world is not None and args.seed is not None:
        msg = "--seed and --world exclude each other: a world file names its own seed"
        raise _UnusableInputError(msg)
    try:
        from s3repl.aws._server import serve  # the optional extra s3repl[server]
    except ImportError as err:
        msg = (
            f"s3repl serve needs the server extra ({err.name or 'a dependency'} is missing): "
            "pip install 's3repl[server]'"
        )
        raise _UnusableInputError(msg) from err
    if args.world is None:
        engine = Engine(seed=args.seed or 0)
    else:
        try:
            engine = load_world_file(args.world)
        except WorldFileError as err:
            raise _UnusableInputError(str(err)) from err
    try:
        return serve(engine, host=args.host, port=args.port, replicate=args.replicate, out=out)
    except OSError as err:  # the address is taken, or not ours to bind
        msg = f"cannot listen on {args.host}:{args.port}: {err.strerror or err}"
        raise _UnusableInputError(msg) from err


# --- the parser ---------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="s3repl",
        description="Check Amazon S3 replication configurations against a deterministic model.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="report every problem and finding of a replication configuration",
        description=(
            "Report every reason PutBucketReplication would refuse CONFIG, and every "
            "reason objects would then fail to replicate. Exit status: 0 nothing found, "
            "1 problems or findings, 2 unusable input."
        ),
    )
    check.add_argument(
        "config",
        metavar="CONFIG",
        help="replication configuration (XML or JSON), CloudFormation template or Terraform plan",
    )
    check.add_argument("--world", metavar="WORLD.json", help="world file (default: permissive)")
    check.add_argument(
        "--bucket", metavar="SOURCE", help=f"source bucket (default: {_DEFAULT_SOURCE})"
    )
    check.add_argument("--token", metavar="T", help="x-amz-bucket-object-lock-token (R-011)")
    check.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a CloudFormation template parameter (repeatable)",
    )
    check.add_argument("--account", help="deploying account of a template or plan")
    check.add_argument("--region", help="deployment Region of a template or plan")
    check.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    check.set_defaults(handler=_check)

    explain = commands.add_parser(
        "explain",
        help="show which rules select an object and where a put would replicate to",
    )
    explain.add_argument("config", metavar="CONFIG", help="replication configuration, XML or JSON")
    explain.add_argument("--key", required=True, help="the object key")
    explain.add_argument("--tags", nargs="*", default=[], metavar="K=V", help="the object's tags")
    explain.add_argument(
        "--kms", action="store_true", help="the object is SSE-KMS encrypted (R-067)"
    )
    explain.set_defaults(handler=_explain)

    demo = commands.add_parser("demo", help="run an embedded replication scenario step by step")
    demo.add_argument("--seed", type=int, default=0, help="engine seed (default: 0)")
    demo.set_defaults(handler=_demo)

    serve = commands.add_parser(
        "serve",
        help="serve an engine as an S3-compatible HTTP endpoint (extra s3repl[server])",
        description=(
            "Answer S3, IAM, KMS and STS requests from an engine over HTTP, path-style and "
            "virtual-hosted-style (BUCKET.localhost:PORT), with the engine's controls under "
            "/_s3repl/. Prints 'listening on http://HOST:PORT' when ready; stops on SIGINT "
            "or SIGTERM with exit status 0."
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=9000, help="port; 0 picks a free one (default: 9000)"
    )
    serve.add_argument("--seed", type=int, default=None, help="engine seed (default: 0)")
    serve.add_argument("--world", metavar="WORLD.json", help="start from a world file")
    serve.add_argument(
        "--replicate",
        choices=("manual", "eager"),
        default="manual",
        help="manual: tasks wait for POST /_s3repl/step or run; eager: applied after "
        "every request (default: manual)",
    )
    serve.set_defaults(handler=_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``s3repl`` command.

    Args:
        argv: the arguments after the program name; ``None`` reads ``sys.argv``.

    Returns:
        the exit status: 0 nothing found, 1 problems or findings, 2 unusable input
        (argparse itself exits with 2 on a bad command line).
    """
    args = _parser().parse_args(argv)
    try:
        status: int = args.handler(args, sys.stdout)
        sys.stdout.flush()
    except _UnusableInputError as err:
        print(f"s3repl {args.command}: error: {err}", file=sys.stderr)
        return EXIT_UNUSABLE
    except BrokenPipeError:  # pragma: no cover - ``s3repl demo | head``: the reader left
        # Point stdout at devnull so that the interpreter's final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FOUND
    return status


if __name__ == "__main__":  # pragma: no cover - ``python -m s3repl.cli``
    raise SystemExit(main())
