"""Check infrastructure as written: CloudFormation templates and Terraform plans.

``s3repl check stack.yaml`` and ``s3repl check plan.json`` land here.  The package
reads the file (:mod:`._read`, :mod:`._yaml`), resolves what it can
(:mod:`._intrinsics`), translates the resources into the world-file description that
``--world`` uses (:mod:`._cloudformation`, :mod:`._terraform`, :mod:`._draft`), checks
every source bucket's replication configuration against the world it builds
(:mod:`._check`), and renders the report (:mod:`._report`).  What the file does not
say is reported as an assumption, never guessed silently.

PyYAML (extra ``s3repl[iac]``) is imported only when a YAML template is read.
"""

from __future__ import annotations

import os

import attrs

from s3repl.iac._check import Report, SourceResult, evaluate
from s3repl.iac._cloudformation import TemplateOptions, read_template
from s3repl.iac._draft import Assumption, Location, TemplateFinding
from s3repl.iac._limits import InfrastructureError
from s3repl.iac._read import Kind, read_document, recognise
from s3repl.iac._report import render_json, render_sarif, render_text
from s3repl.iac._terraform import read_plan
from s3repl.model import DEFAULT_ACCOUNT
from s3repl.model.names import check_account_id, check_region, partition_of_region
from s3repl.validate import Finding, Problem

__all__ = [
    "Assumption",
    "CheckOptions",
    "InfrastructureError",
    "Kind",
    "Location",
    "Report",
    "SourceResult",
    "TemplateFinding",
    "check_infrastructure",
    "configuration_report",
    "recognise",
    "render_json",
    "render_sarif",
    "render_text",
]

_DEFAULT_REGION = "us-east-1"


@attrs.frozen(kw_only=True)
class CheckOptions:
    """What the command line says.

    Attributes:
        parameters: ``--parameter KEY=VALUE`` (CloudFormation parameters).
        account: ``--account``: the deploying account (default ``123456789012``).
        region: ``--region``: the deployment Region (default ``us-east-1``).
        world_file: ``--world``: completes what the file does not declare.
        bucket: ``--bucket``: check only this source bucket.
        token: ``--token``: the Object Lock token (R-011).
    """

    parameters: dict[str, str] = attrs.field(factory=dict)
    account: str | None = None
    region: str | None = None
    world_file: str | None = None
    bucket: str | None = None
    token: str | None = None


def _stack_name(file: str) -> str:
    # CDK writes <StackName>.template.json: the stack's name is the part before.
    stem = os.path.splitext(os.path.basename(file))[0].removesuffix(".template")
    cleaned = "".join(c if c.isalnum() or c == "-" else "-" for c in stem).strip("-")
    if not cleaned or not cleaned[0].isalpha():
        cleaned = f"stack-{cleaned}".strip("-")
    return cleaned[:128]


def check_infrastructure(text: str, *, file: str, options: CheckOptions) -> Report:
    """Check every replication configuration of a template or plan.

    Args:
        text: the file's text (a template or plan :func:`recognise` recognises).
        file: the file's name, for messages and locations.
        options: the command line's choices.

    Returns:
        the report; ``report.clean`` decides the exit status.

    Raises:
        InfrastructureError: the file, the world it describes, or an option cannot be
            used; the message is one line naming the file (and resource and line).
    """
    account = options.account or DEFAULT_ACCOUNT
    region = options.region or _DEFAULT_REGION
    try:
        check_account_id(account)
        check_region(region)
    except ValueError as err:
        msg = f"--account/--region: {err}"
        raise InfrastructureError(msg) from err
    document = read_document(text, name=file)
    kind = f"{document.kind.value} ({document.syntax})"
    if document.kind is Kind.CLOUDFORMATION:
        draft = read_template(
            document.data,
            document.lines,
            file=file,
            options=TemplateOptions(
                parameters=options.parameters,
                account=account,
                region=region,
                partition=partition_of_region(region).value,
                stack_name=_stack_name(file),
                account_given=options.account is not None,
                region_given=options.region is not None,
            ),
        )
    else:
        draft = read_plan(
            document.data,
            document.lines,
            file=file,
            account=account,
            region=region,
            account_given=options.account is not None,
        )
    return evaluate(
        draft, kind=kind, world_file=options.world_file, bucket=options.bucket, token=options.token
    )


def configuration_report(
    *,
    file: str,
    kind: str,
    world: str,
    bucket: str,
    problems: tuple[Problem, ...],
    findings: tuple[Finding, ...] | None,
) -> Report:
    """Wrap the check of one replication configuration file, so it renders like a template's.

    ``check CONFIG --format sarif`` uses it: the results sit at the file, without lines.

    Args:
        file: the configuration file.
        kind: what it is (``"JSON replication configuration"``).
        world: where the world came from, in words.
        bucket: the source bucket.
        problems: what ``validate_replication`` found.
        findings: what ``check_requirements`` found (``None``: not evaluated).

    Returns:
        a report with one source.
    """
    source = SourceResult(
        bucket=bucket, location=Location(file=file), problems=problems, findings=findings
    )
    return Report(
        file=file,
        kind=kind,
        world=world,
        assumptions=(),
        template_findings=(),
        sources=(source,),
    )
