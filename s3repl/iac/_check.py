"""Check every replication configuration of a template or plan against its world.

Theory of operation.  The file becomes a :class:`~s3repl.iac._draft.Draft` (CloudFormation
or Terraform reader), the draft a world-file description, completed with ``--world``
where the file is silent, and ``s3repl._worldfile.load_world`` builds the engine, so
the world is checked exactly as ``--world`` worlds are.  Then, for each source bucket:

1. the configuration is decoded as S3 would receive it (``MalformedXML`` when it breaks
   the schema, R-045) and :func:`~s3repl.validate.validate_replication` lists every
   reason ``PutBucketReplication`` would refuse it;
2. configurations without a problem are put in place (all of them, before any
   finding is evaluated, so that each sees the others);
3. :func:`~s3repl.validate.check_requirements` and the findings of
   :mod:`s3repl.iac._findings` say why objects would fail or lose something.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from s3repl._worldfile import WorldFileError, load_world, read_world_json
from s3repl.codec import replication_from_dict
from s3repl.errors import MalformedXML, S3Error, S3ReplError
from s3repl.iac._draft import Assumption, Draft, Location, TemplateFinding
from s3repl.iac._findings import Note, kms_objects_without_opt_in, storage_class_notes
from s3repl.iac._limits import InfrastructureError
from s3repl.model import ReplicationConfiguration
from s3repl.validate import (
    Finding,
    Problem,
    check_requirements,
    undecodable_problems,
    validate_replication,
)

__all__ = ["Report", "SourceResult", "evaluate", "read_world_file"]

_WORLD_PATH = re.compile(r"^(buckets|roles|kms_keys)\[(\d+)\]")
_IDENTITY = {"buckets": ("name", "bucket"), "roles": ("arn", "role"), "kms_keys": ("arn", "key")}


@attrs.frozen(kw_only=True)
class SourceResult:
    """What the check found for one source bucket's configuration.

    Attributes:
        bucket: the source bucket.
        location: where the file declares its configuration.
        problems: why ``PutBucketReplication`` would refuse it.
        findings: why objects would fail; ``None`` when not evaluated (problems).
        notes: informational results (costs).
    """

    bucket: str
    location: Location
    problems: tuple[Problem, ...]
    findings: tuple[Finding, ...] | None
    notes: tuple[Note, ...] = ()


@attrs.frozen(kw_only=True)
class Report:
    """Everything ``check`` says about a template or plan.

    Attributes:
        file: the file's name.
        kind: ``"CloudFormation template (YAML)"`` and the like.
        world: where the world came from, in words.
        assumptions: what the file does not say, and what was assumed.
        template_findings: mistakes in the file's own text (e.g. a Resource not an ARN).
        sources: one result per source bucket, in file order.
    """

    file: str
    kind: str
    world: str
    assumptions: tuple[Assumption, ...]
    template_findings: tuple[TemplateFinding, ...]
    sources: tuple[SourceResult, ...]

    @property
    def clean(self) -> bool:
        """No problem and no finding (notes and assumptions do not count)."""
        return not self.template_findings and all(
            not source.problems and not source.findings for source in self.sources
        )


def read_world_file(path: str) -> Mapping[str, Any]:
    """Read and check a world file (``--world``) to complete a template's world.

    Args:
        path: the world file.

    Returns:
        its parsed JSON object (which ``load_world`` accepts on its own).

    Raises:
        InfrastructureError: the file cannot be read or describes an impossible world.
    """
    try:
        data = read_world_json(path)  # ``-`` reads standard input
    except WorldFileError as err:
        raise InfrastructureError(str(err)) from err
    if not isinstance(data, Mapping):
        msg = f"world file {path}: expected an object, got {type(data).__name__}"
        raise InfrastructureError(msg)
    try:
        load_world(data)
    except WorldFileError as err:
        msg = f"world file {path}: {err}"
        raise InfrastructureError(msg) from err
    return data


def _blame(err: WorldFileError, description: Mapping[str, Any], draft: Draft) -> str:
    """Name the resource (and line) behind a world-loader error."""
    match = _WORLD_PATH.match(err.path)
    if match is not None:
        section, index = match.group(1), int(match.group(2))
        field, kind = _IDENTITY[section]
        entry = description[section][index]
        location = draft.place_of(kind, str(entry.get(field)))
        if location.resource is not None:
            return f"{draft.file}: {location.describe()}: {err.reason}"
    return f"{draft.file}: {err}"


def _decode(configuration: Mapping[str, Any]) -> ReplicationConfiguration | tuple[Problem, ...]:
    try:
        return replication_from_dict(configuration)
    except S3Error as err:  # every violation at once, each saying what was expected
        return undecodable_problems(err, configuration)
    except (S3ReplError, ValueError, TypeError) as err:
        message = f"{MalformedXML.DEFAULT_MESSAGE}: {err}"
        return (Problem(code="MalformedXML", message=message, requirement="R-045"),)


def evaluate(
    draft: Draft,
    *,
    kind: str,
    world_file: str | None = None,
    bucket: str | None = None,
    token: str | None = None,
) -> Report:
    """Check every source configuration of the draft (see the module docstring).

    Args:
        draft: what the file describes.
        kind: what the file is, for the report.
        world_file: a world file completing the file's world, if any.
        bucket: check only this source bucket.
        token: the Object Lock token (R-011).

    Returns:
        the report.

    Raises:
        InfrastructureError: the world cannot be built, or ``bucket`` is no source.
    """
    world = read_world_file(world_file) if world_file is not None else None
    description = draft.describe(world)
    try:
        engine = load_world(description)
    except WorldFileError as err:
        raise InfrastructureError(_blame(err, description, draft)) from err
    sources = [s for s in draft.sources if bucket is None or s.bucket == bucket]
    if bucket is not None and not sources:
        msg = f"{draft.file} puts no replication configuration on bucket {bucket!r}"
        raise InfrastructureError(msg)
    decoded: list[tuple[ReplicationConfiguration | None, tuple[Problem, ...]]] = []
    for source in sources:
        outcome = _decode(source.configuration)
        if isinstance(outcome, tuple):
            decoded.append((None, outcome))
            continue
        problems = validate_replication(engine, source.bucket, outcome, token=token)
        if not problems:
            engine.put_bucket_replication(source.bucket, outcome, token=token)
        decoded.append((outcome, problems))
    snapshot = engine.snapshot()
    results = []
    for source, (config, problems) in zip(sources, decoded, strict=True):
        if config is None or problems:
            results.append(
                SourceResult(
                    bucket=source.bucket, location=source.location, problems=problems, findings=None
                )
            )
            continue
        findings = check_requirements(snapshot, source.bucket)
        findings += kms_objects_without_opt_in(snapshot, source.bucket)
        results.append(
            SourceResult(
                bucket=source.bucket,
                location=source.location,
                problems=(),
                findings=findings,
                notes=storage_class_notes(snapshot, source.bucket),
            )
        )
    where = f"built from {draft.file} (account {draft.account}, region {draft.region})"
    if world_file is not None:
        where += f", completed by {world_file}"
    return Report(
        file=draft.file,
        kind=kind,
        world=where,
        assumptions=tuple(draft.assumptions),
        template_findings=tuple(draft.template_findings),
        sources=tuple(results),
    )
