"""``s3repl check CONFIG``: every problem and finding of a replication configuration.

A CloudFormation template or Terraform plan goes to :func:`s3repl.iac.check_infrastructure`
whole.  Anything else is a replication configuration (:mod:`s3repl.cli._config_file`):
it is put in a world (the one a world file describes, or the permissive world of
:mod:`s3repl.cli._permissive_world`) and checked with
:func:`~s3repl.validate.validate_replication`; only a configuration without problems can
be put in place, so only then are the findings of
:func:`~s3repl.validate.check_requirements` evaluated.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TextIO

from s3repl import iac
from s3repl._worldfile import STDIN, WorldFileError, load_world, load_world_file
from s3repl.cli._config_file import DecodedConfig, check_json_size, decode_config, read_text
from s3repl.cli._exit import EXIT_FOUND, EXIT_OK, UnusableInputError
from s3repl.cli._output import CheckReport, print_json_report, print_text_report
from s3repl.cli._permissive_world import is_valid_bucket_name, permissive_world
from s3repl.engine import Engine
from s3repl.model import ReplicationConfiguration
from s3repl.validate import check_requirements, validate_replication

__all__ = ["DEFAULT_SOURCE", "run_check"]

#: The source bucket's name when neither ``--bucket`` nor the configuration names one.
DEFAULT_SOURCE = "source-bucket"


def _evaluate(
    engine: Engine, bucket: str, config: ReplicationConfiguration, token: str | None
) -> CheckReport:
    problems = validate_replication(engine, bucket, config, token=token)
    if problems:
        return CheckReport(problems=problems, findings=None)
    trial = engine.fork()
    trial.put_bucket_replication(bucket, config, token=token)
    return CheckReport(problems=(), findings=check_requirements(trial, bucket))


def _load_engine(
    args: argparse.Namespace, decoded: DecodedConfig, bucket: str
) -> tuple[Engine, str]:
    if args.world is not None:
        try:
            engine = load_world_file(args.world)
        except WorldFileError as err:  # it names the file and the place, once
            raise UnusableInputError(str(err)) from err
        if engine.snapshot().bucket(bucket) is None:
            msg = (
                f"source bucket {bucket!r} is not in world file {args.world} "
                "(name it with --bucket)"
            )
            raise UnusableInputError(msg)
        return engine, args.world
    assert decoded.config is not None
    if not is_valid_bucket_name(bucket):
        msg = f"--bucket {bucket!r} is not a valid bucket name"
        raise UnusableInputError(msg)
    description = permissive_world(decoded.config, bucket)
    try:
        engine = load_world(description)
    except WorldFileError as err:  # pragma: no cover - a bug: the description is ours
        msg = f"cannot build the permissive world: {err}"
        raise UnusableInputError(msg) from err
    return engine, "permissive (source, destinations and role exist and allow replication)"


def _parameters(pairs: Sequence[str]) -> dict[str, str]:
    parameters: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            msg = f"--parameter expects KEY=VALUE, got {pair!r}"
            raise UnusableInputError(msg)
        parameters[key] = value
    return parameters


def _check_infrastructure(args: argparse.Namespace, text: str, out: TextIO) -> int | None:
    """Check a CloudFormation template or Terraform plan (``None``: CONFIG is neither)."""
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
        raise UnusableInputError(str(err)) from err
    render = {"text": iac.render_text, "json": iac.render_json, "sarif": iac.render_sarif}
    print(render[args.format](report), file=out)
    return EXIT_OK if report.clean else EXIT_FOUND


def run_check(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``s3repl check``; returns the exit status (0 nothing found, 1 found)."""
    if args.config == STDIN and args.world == STDIN:
        msg = "CONFIG and --world cannot both be '-': standard input is read once"
        raise UnusableInputError(msg)
    text = read_text(args.config)  # once: standard input cannot be read twice
    name = "standard input" if args.config == STDIN else args.config
    check_json_size(name, text, infrastructure=True)  # before any JSON parser runs
    status = _check_infrastructure(args, text, out)
    if status is not None:
        return status
    decoded = decode_config(args.config, text)
    bucket = args.bucket or decoded.bucket or DEFAULT_SOURCE
    token = args.token if args.token is not None else decoded.token
    if decoded.config is None:
        report = CheckReport(problems=decoded.problems, findings=None)
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
        print_json_report(report, out)
    else:
        header = (
            f"{name}: {decoded.format} replication configuration for bucket {bucket}",
            f"World: {where}",
        )
        print_text_report(report, header, out)
    return EXIT_OK if report.clean else EXIT_FOUND
