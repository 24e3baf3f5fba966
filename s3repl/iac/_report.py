"""The report of a template or plan check, as text, JSON rows, or SARIF 2.1.0.

Why SARIF: code-scanning services and editors read SARIF and show each result at its
file and line, so the findings land on the template line that causes them.  Each
result's ``ruleId`` is the SPEC requirement (``R-067``); the AWS error code or failure
reason is in the message and in ``properties``.  Problems and findings are ``error``
results, notes and assumptions ``note`` results (they do not fail the check).

The JSON rows keep the keys of ``check --format json`` for configurations and add
``file``, ``resource``, ``line`` and ``source_bucket``; assumptions and notes are rows
of their own kinds.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

from s3repl.iac._check import Report, SourceResult
from s3repl.iac._draft import Location

__all__ = ["render_json", "render_sarif", "render_text"]

_WIDTH = 100
_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _wrapped(text: str, indent: str) -> str:
    return textwrap.fill(
        text, width=_WIDTH, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
    )


def _entry(number: int, head: list[str], message: str) -> list[str]:
    return [f"{number:>3}. " + "  ".join(head), _wrapped(message, "     ")]


def _rows(report: Report) -> Iterator[dict[str, Any]]:
    """Every result as one flat row (the JSON format, and the input of SARIF)."""

    def place(location: Location) -> dict[str, Any]:
        return {"file": location.file, "resource": location.resource, "line": location.line}

    for assumption in report.assumptions:
        yield {
            "kind": "assumption",
            "message": assumption.message,
            "subject": assumption.subject,
            "assumed": assumption.assumed,
            **place(assumption.location),
        }
    for item in report.template_findings:
        yield {
            "kind": "finding",
            "failure_reason": item.code,
            "requirement": item.requirement,
            "rule_id": None,
            "destination_bucket": None,
            "source_bucket": None,
            "message": item.message,
            **place(item.location),
        }
    for source in report.sources:
        for problem in source.problems:
            yield {
                "kind": "problem",
                "code": problem.code,
                "requirement": problem.requirement,
                "rule_id": problem.rule_id,
                "element": problem.element,
                "source_bucket": source.bucket,
                "message": problem.message,
                **place(source.location),
            }
        for finding in source.findings or ():
            yield {
                "kind": "finding",
                "failure_reason": finding.failure_reason.value,
                "requirement": finding.requirement,
                "rule_id": finding.rule_id,
                "destination_bucket": finding.destination_bucket,
                "source_bucket": source.bucket,
                "message": finding.message,
                **place(source.location),
            }
        for note in source.notes:
            yield {
                "kind": "note",
                "code": note.code,
                "requirement": note.requirement,
                "rule_id": note.rule_id,
                "destination_bucket": note.destination_bucket,
                "source_bucket": source.bucket,
                "message": note.message,
                **place(source.location),
            }


def render_json(report: Report) -> str:
    """The report as a JSON list of rows (see the module docstring)."""
    return json.dumps(list(_rows(report)), indent=2)


def _source_text(source: SourceResult) -> list[str]:
    lines = ["", f"Source bucket {source.bucket}, {source.location.describe()}:"]
    if source.problems:
        lines.append(
            f"{_plural(len(source.problems), 'problem')} "
            "(PutBucketReplication would answer with the first):"
        )
        for number, problem in enumerate(source.problems, 1):
            head = [problem.code, problem.requirement]
            if problem.rule_id is not None:
                head.append(f"rule {problem.rule_id}")
            lines += _entry(number, head, problem.message)
            if problem.element is not None:
                lines.insert(-1, _wrapped(f"at {problem.element}", "     "))
        lines.append("Findings not evaluated: PutBucketReplication would refuse the configuration.")
        return lines
    lines.append("No problems: PutBucketReplication would accept the configuration.")
    findings = source.findings or ()
    if findings:
        lines.append(f"{_plural(len(findings), 'finding')} (objects would fail to replicate):")
        for number, finding in enumerate(findings, 1):
            head = [finding.failure_reason.value, finding.requirement]
            if finding.rule_id is not None:
                head.append(f"rule {finding.rule_id}")
            if finding.destination_bucket is not None:
                head.append(f"destination {finding.destination_bucket}")
            lines += _entry(number, head, finding.message)
    else:
        lines.append("No findings: every enabled rule can replicate in this world.")
    if source.notes:
        lines.append(f"{_plural(len(source.notes), 'note')} (informational):")
        for number, note in enumerate(source.notes, 1):
            lines += _entry(number, [note.code, note.requirement], note.message)
    return lines


def render_text(report: Report) -> str:
    """The report as text for a terminal, in the style of ``check`` for configurations."""
    count = _plural(len(report.sources), "replication configuration")
    lines = [f"{report.file}: {report.kind}, {count}", _wrapped(f"World: {report.world}", "")]
    if report.assumptions:
        lines += ["", "Assumed (the file does not say; --world can say otherwise):"]
        for assumption in report.assumptions:
            text = f"{assumption.location.describe()}: {assumption.message}"
            lines.append(
                textwrap.fill(
                    text,
                    width=_WIDTH,
                    initial_indent="  - ",
                    subsequent_indent="    ",
                    break_on_hyphens=False,
                )
            )
    if report.template_findings:
        lines += ["", f"{_plural(len(report.template_findings), 'finding')} in the file itself:"]
        for number, item in enumerate(report.template_findings, 1):
            head = [item.code, item.requirement, item.location.describe()]
            lines += _entry(number, head, item.message)
    if not report.sources:
        lines += ["", "No replication configuration in the file: nothing to check."]
    for source in report.sources:
        lines += _source_text(source)
    problems = sum(len(s.problems) for s in report.sources)
    findings = len(report.template_findings) + sum(len(s.findings or ()) for s in report.sources)
    notes = sum(len(s.notes) for s in report.sources)
    summary = [_plural(problems, "problem"), _plural(findings, "finding")]
    if any(s.findings is None for s in report.sources):
        summary[-1] += " (some not evaluated)"
    summary += [_plural(notes, "note"), _plural(len(report.assumptions), "assumption")]
    lines += ["", f"{'OK' if report.clean else 'NOT OK'}: {', '.join(summary)}."]
    return "\n".join(lines)


def _sarif_result(row: dict[str, Any]) -> dict[str, Any]:
    kind = row["kind"]
    code = row.get("code") or row.get("failure_reason")
    rule_id = row.get("requirement") or "assumption"
    text = row["message"] if kind == "assumption" else f"{code}: {row['message']}"
    physical: dict[str, Any] = {"artifactLocation": {"uri": PurePath(row["file"]).as_posix()}}
    if row.get("line") is not None:
        physical["region"] = {"startLine": row["line"]}
    location: dict[str, Any] = {"physicalLocation": physical}
    if row.get("resource"):
        location["logicalLocations"] = [{"name": row["resource"]}]
    properties = {
        key: row[key]
        for key in (
            "kind",
            "code",
            "failure_reason",
            "source_bucket",
            "destination_bucket",
            "rule_id",
        )
        if row.get(key) is not None
    }
    return {
        "ruleId": rule_id,
        "level": "error" if kind in ("problem", "finding") else "note",
        "message": {"text": text},
        "locations": [location],
        "properties": properties,
    }


def render_sarif(report: Report) -> str:
    """The report as a SARIF 2.1.0 log with one run (see the module docstring)."""
    results = [_sarif_result(row) for row in _rows(report)]
    rule_ids = sorted({result["ruleId"] for result in results})
    rules = [
        {
            "id": rule_id,
            "shortDescription": {
                "text": "an assumption about what the file does not say"
                if rule_id == "assumption"
                else f"SPEC requirement {rule_id}"
            },
        }
        for rule_id in rule_ids
    ]
    log = {
        "$schema": _SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "s3repl",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2)
