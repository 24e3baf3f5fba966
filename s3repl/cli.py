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
  would replicate to (:func:`s3repl.policy.winning_rules`).
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
import sys
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

import attrs

from s3repl import iam
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
    RoleArn,
    StepResult,
)
from s3repl.model.names import check_account_id, check_bucket_name
from s3repl.policy import rule_matches, winning_rules
from s3repl.validate import Finding, Problem, check_requirements, validate_replication

__all__ = ["main"]

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
        requirement = "R-045" if isinstance(err, MalformedXML) else "R-047"
        return Problem(
            code=err.code, message=err.message, requirement=requirement, element=err.element
        )
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


def _replica_key(rule_config: Any) -> KmsKeyArn | None:
    """The rule's replica KMS key, when it is a key ARN the world can hold."""
    encryption = rule_config.destination.encryption_configuration
    if encryption is None or encryption.replica_kms_key_id is None:
        return None
    try:
        arn = KmsKeyArn.parse(encryption.replica_kms_key_id)
    except (S3Error, ValueError):
        return None
    return None if arn.is_alias else arn


def permissive_world(config: ReplicationConfiguration, bucket: str) -> dict[str, Any]:
    """Describe (in the world-file format) a world where only the configuration can fail.

    The source bucket exists, versioned, owned by the default account, in the home
    region of the role's partition (``us-east-1`` for ``aws``).  Every destination
    the configuration names exists, versioned, owned by its rule's ``Account`` (or the
    default account), in the region of its rule's replica KMS key if there is one,
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
    principal = role if role_arn is not None else DEFAULT_ACCOUNT
    accounts: dict[str, None] = {}
    keys: dict[str, dict[str, Any]] = {}
    buckets: dict[str, dict[str, Any]] = {
        bucket: {
            "name": bucket,
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
        owner = _valid_account(rule.destination.account) or DEFAULT_ACCOUNT
        partition = _partition_of_arn(rule.destination.bucket)
        region = key.region if key is not None else _HOME_REGION[partition]
        entry: dict[str, Any] = {
            "name": name,
            "account": owner,
            "region": region,
            "versioning": "Enabled",
        }
        if owner != DEFAULT_ACCOUNT:
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


def _print_text(report: _Report, header: str, out: TextIO) -> None:
    print(_wrapped(header, ""), file=out)
    print(file=out)
    if report.problems:
        count = len(report.problems)
        print(
            f"Problems: {_plural(count, 'problem')}; PutBucketReplication would fail with "
            "the first.",
            file=out,
        )
        for number, problem in enumerate(report.problems, 1):
            parts = [f"{number:>3}. {problem.code}", problem.requirement]
            if problem.rule_id is not None:
                parts.append(f"rule {problem.rule_id}")
            if problem.element is not None:
                parts.append(f"at {problem.element}")
            print("  ".join(parts), file=out)
            print(_wrapped(problem.message, "     "), file=out)
    else:
        print("Problems: none; PutBucketReplication would accept the configuration.", file=out)
    print(file=out)
    if report.findings is None:
        print(
            _wrapped(
                "Findings: not evaluated. They need the configuration in place, and "
                "PutBucketReplication would refuse it; fix the problems first.",
                "",
            ),
            file=out,
        )
    elif report.findings:
        count = len(report.findings)
        print(f"Findings: {_plural(count, 'finding')}; objects would fail to replicate.", file=out)
        for number, finding in enumerate(report.findings, 1):
            parts = [f"{number:>3}. {finding.failure_reason.value}", finding.requirement]
            if finding.rule_id is not None:
                parts.append(f"rule {finding.rule_id}")
            if finding.destination_bucket is not None:
                parts.append(f"destination {finding.destination_bucket}")
            print("  ".join(parts), file=out)
            print(_wrapped(finding.message, "     "), file=out)
    else:
        print("Findings: none; every enabled rule can replicate.", file=out)
    print(file=out)
    findings = "not evaluated" if report.findings is None else str(len(report.findings))
    verdict = "OK" if report.clean else "NOT OK"
    print(f"Result: {verdict} ({len(report.problems)} problems, findings: {findings}).", file=out)


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
        return engine, f"world {args.world}"
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
    return engine, "a permissive world"


def _check(args: argparse.Namespace, out: TextIO) -> int:
    decoded = _decode(args.config)
    bucket = args.bucket or decoded.bucket or _DEFAULT_SOURCE
    token = args.token if args.token is not None else decoded.token
    if decoded.config is None:
        assert decoded.problem is not None
        report = _Report(problems=(decoded.problem,), findings=None)
        where = "S3 would not parse it"
    else:
        engine, where = _load_engine(args, decoded, bucket)
        report = _evaluate(engine, bucket, decoded.config, token)
    if args.format == "json":
        rows = [_problem_json(p) for p in report.problems]
        rows += [_finding_json(f) for f in report.findings or ()]
        print(json.dumps(rows, indent=2), file=out)
    else:
        header = f"Checking {args.config} ({decoded.format}), source bucket {bucket}, in {where}."
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
    routes = winning_rules(config, args.key, tags, kms_encrypted=args.kms)
    winners = {id(route.rule) for route in routes}
    print("Rules, in document order:", file=out)
    for index, rule in enumerate(config.rules, 1):
        label = rule.id or "(no ID)"
        priority = "-" if rule.priority is None else str(rule.priority)
        matches = rule_matches(rule, args.key, tags)
        if id(rule) in winners:
            verdict = "wins"
        elif not rule.is_enabled:
            verdict = "disabled"
        elif not matches:
            verdict = "does not match"
        elif args.kms and (
            rule.source_selection_criteria is None
            or rule.source_selection_criteria.sse_kms_encrypted_objects is None
            or rule.source_selection_criteria.sse_kms_encrypted_objects.value != "Enabled"
        ):
            verdict = "matches, but has no SSE-KMS opt-in"
        else:
            verdict = "matches, outranked"
        print(
            f"  {index:>3}. {label:<24} priority {priority:>4}  -> "
            f"{rule.destination.bucket_name:<28} {verdict}",
            file=out,
        )
    print(file=out)
    if not routes:
        print("A put of this object would not replicate.", file=out)
        return EXIT_OK
    print("A put of this object would replicate to:", file=out)
    for route in routes:
        print(f"  {route.destination_bucket}  (rule {route.rule_id or '(no ID)'})", file=out)
    return EXIT_OK


# --- demo -------------------------------------------------------------------------------

_DEMO_ROLE = "arn:aws:iam::123456789012:role/demo-replication"
_DEMO_SOURCE = "demo-source"
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
        self.say(_wrapped(f"{_clock(self.engine)}  {what:<7} {detail}", "")[:_WIDTH])

    def setup(self) -> None:
        eng = self.engine
        eng.create_account(_PARTNER_ACCOUNT)
        eng.create_account(_AUDIT_ACCOUNT)
        eng.create_role(_DEMO_ROLE)
        eng.create_bucket(_DEMO_SOURCE, region="us-east-1", versioning=True)
        eng.create_bucket("demo-replica-eu", region="eu-west-1", versioning=True)
        eng.create_bucket("demo-replica-local", region="us-east-1", versioning=True)
        eng.create_bucket(
            "partner-vault", account=_PARTNER_ACCOUNT, region="eu-west-1", versioning=True
        )
        eng.put_bucket_ownership_controls("partner-vault", "ObjectWriter")
        eng.put_bucket_policy(
            "partner-vault", iam.destination_bucket_policy("partner-vault", principal=_DEMO_ROLE)
        )
        eng.create_bucket(
            "audit-archive", account=_AUDIT_ACCOUNT, region="us-east-1", versioning=True
        )
        eng.put_bucket_replication(_DEMO_SOURCE, _demo_config())
        self.say(f"s3repl demo: one source bucket, four replication rules (V2), seed {eng.seed}.")
        self.say()
        for name in self.bucket_names():
            bucket = eng.get_bucket(name)
            self.say(
                f"  {name:<20} {bucket.region:<10} owner {bucket.owner}  "
                f"ownership {bucket.ownership.value}"
            )
        self.say()
        self.say("Rules of demo-source (role demo-replication):")
        for rule in eng.get_bucket_replication(_DEMO_SOURCE).rules:
            self.say(
                f"  P{rule.priority} {rule.id:<17} {_describe_filter(rule):<18} -> "
                f"{rule.destination.bucket_name:<19}{_describe_extras(rule)}"
            )
        self.say(
            "  partner-vault's bucket policy lets the role replicate and override the "
            "owner (R-012);"
        )
        self.say(
            "  audit-archive (account 777788889999) grants nothing, so the role may not "
            "write there."
        )
        self.say()

    def bucket_names(self) -> tuple[str, ...]:
        return (
            _DEMO_SOURCE,
            "demo-replica-eu",
            "demo-replica-local",
            "partner-vault",
            "audit-archive",
        )

    def put(self, key: str, body: bytes, tags: Mapping[str, str] | None = None) -> ObjectVersion:
        version = self.engine.put_object(_DEMO_SOURCE, key, body, tags=tags)
        targets = self.targets(key, version.version_id)
        shown = "" if not tags else " {" + ", ".join(f"{k}={v}" for k, v in tags.items()) + "}"
        self.line(
            "PUT", f"{key}{shown}  v={_short(version.version_id)}  {_status(version)} -> {targets}"
        )
        return version

    def targets(self, key: str, version_id: str) -> str:
        names = [
            t.destination_bucket
            for t in self.engine.pending()
            if t.key == key and t.version_id == version_id
        ]
        return ", ".join(names) or "(not replicated)"

    def step_all(self) -> None:
        for _ in range(len(self.engine.pending()) + 10):
            if not self.engine.pending():
                return
            self.show_step(self.engine.step())

    def show_step(self, result: StepResult) -> None:
        task = result.task
        outcome = result.status.value
        if result.failure_reason is not None:
            outcome += f" {result.failure_reason.value}"
        kind = "marker " if task.kind.value == "delete_marker" else ""
        self.line(
            "STEP",
            f"{task.key} {kind}v={_short(task.version_id)} -> "
            f"{task.destination_bucket} [{task.rule_id}]  {outcome}",
        )

    def run(self) -> None:
        eng = self.engine
        self.setup()
        self.say("Timeline (simulated clock; each STEP applies exactly one replication task):")
        first = self.put("report.csv", b"v1")
        self.put("report.csv", b"v2")
        self.put("logs/app.log", b"started")
        self.put("shared/plan.pdf", b"plan", tags={"share": "partner"})
        self.put("finance/q1.xlsx", b"numbers")
        self.step_all()
        marker = eng.delete_object(_DEMO_SOURCE, "logs/app.log")
        assert marker.version_id is not None
        self.line(
            "DELETE",
            f"logs/app.log  delete marker v={_short(marker.version_id)} -> "
            f"{self.targets('logs/app.log', marker.version_id)} (R-087)",
        )
        eng.delete_object(_DEMO_SOURCE, "report.csv", version_id=first.version_id)
        self.line(
            "DELETE",
            f"report.csv?versionId={_short(first.version_id)}  permanent, not replicated (R-103)",
        )
        self.step_all()
        self.say()
        events = eng.events()
        self.say(f"Event notifications: {len(events)}")
        for event in events:
            reason = "" if event.failure_reason is None else f" {event.failure_reason.value}"
            self.say(f"  {event.event_name} {event.key} -> {event.destination_bucket}{reason}")
        self.say()
        self.say("Final state (newest version first; STATUS is x-amz-replication-status):")
        for name in self.bucket_names():
            self.table(name)

    def table(self, name: str) -> None:
        bucket = self.engine.get_bucket(name)
        self.say()
        self.say(f"{name} ({bucket.region}, owner {bucket.owner})")
        rows = self.engine.list_object_versions(name)
        if not rows:
            self.say("  (empty)")
            return
        self.say(
            f"  {'KEY':<17} {'VERSION':<8} {'LATEST':<6} {'STATUS':<9} {'OWNER':<12} "
            f"{'CLASS':<11} TAGS"
        )
        for row in rows:
            latest = "yes" if row.is_latest else ""
            status = row.replication_status.value if row.replication_status else "-"
            if isinstance(row, DeleteMarker):
                klass, tags = "-", "(delete marker)"
            else:
                klass = row.storage_class.value
                tags = ", ".join(f"{k}={v}" for k, v in row.tags.items()) or "-"
            self.say(
                f"  {row.key:<17} {_short(row.version_id):<8} {latest:<6} {status:<9} "
                f"{row.owner:<12} {klass:<11} {tags}"
            )


def _status(version: ObjectVersion) -> str:
    status = version.replication_status
    return "no status" if status is None else status.value


def _describe_filter(rule: Any) -> str:
    flt = rule.filter
    if flt is None:
        return f"prefix {rule.prefix!r}"
    if flt.prefix is not None:
        return f"prefix {flt.prefix}"
    if flt.tag is not None:
        return f"tag {flt.tag.key}={flt.tag.value}"
    return "every object"


def _describe_extras(rule: Any) -> str:
    dest = rule.destination
    extras = []
    if (
        rule.delete_marker_replication is not None
        and rule.delete_marker_replication.value == "Enabled"
    ):
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
    check.add_argument("config", metavar="CONFIG", help="replication configuration, XML or JSON")
    check.add_argument("--world", metavar="WORLD.json", help="world file (default: permissive)")
    check.add_argument(
        "--bucket", metavar="SOURCE", help=f"source bucket (default: {_DEFAULT_SOURCE})"
    )
    check.add_argument("--token", metavar="T", help="x-amz-bucket-object-lock-token (R-011)")
    check.add_argument("--format", choices=("text", "json"), default="text")
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
    except _UnusableInputError as err:
        print(f"s3repl {args.command}: error: {err}", file=sys.stderr)
        return EXIT_UNUSABLE
    return status
