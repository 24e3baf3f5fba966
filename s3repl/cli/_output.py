"""What ``s3repl check`` found about a replication configuration, and its text and JSON forms.

:class:`CheckReport` holds the problems (why ``PutBucketReplication`` would refuse the
configuration) and findings (why objects would later fail to replicate);
:func:`print_text_report` and :func:`print_json_report` print it.  The SARIF form is
the infrastructure checker's (:func:`s3repl.iac.render_sarif`), shared with templates
and plans.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

import attrs

from s3repl.cli._text import wrapped
from s3repl.validate import Finding, Problem

__all__ = ["CheckReport", "print_json_report", "print_text_report"]


@attrs.frozen(kw_only=True)
class CheckReport:
    """What ``check`` found; ``findings`` is ``None`` when they were not evaluated."""

    problems: tuple[Problem, ...]
    findings: tuple[Finding, ...] | None

    @property
    def clean(self) -> bool:
        """Whether nothing was found (no problem, and no finding if they were evaluated)."""
        return not self.problems and not self.findings


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


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _print_entry(
    number: int, head: Sequence[str], where: str | None, message: str, out: TextIO
) -> None:
    print(f"{number:>3}. " + "  ".join(head), file=out)
    if where is not None:
        print(wrapped(f"at {where}", "     "), file=out)
    print(wrapped(message, "     "), file=out)


def print_text_report(report: CheckReport, header: Sequence[str], out: TextIO) -> None:
    """Print the report for a reader: ``header`` lines, problems, findings, a verdict."""
    for line in header:
        print(wrapped(line, ""), file=out)
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
        print(wrapped(text, ""), file=out)
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


def print_json_report(report: CheckReport, out: TextIO) -> None:
    """Print the report as a JSON array: the problems, then the findings."""
    rows = [_problem_json(p) for p in report.problems]
    rows += [_finding_json(f) for f in report.findings or ()]
    print(json.dumps(rows, indent=2), file=out)
