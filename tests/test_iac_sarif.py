"""``check --format sarif``: SARIF 2.1.0 logs that code-scanning tools place at the right line.

Every problem and finding is an ``error`` result whose ``ruleId`` is its SPEC
requirement (here R-067 and R-155 of the issue's DR template), at the file and the line
of the template that causes it; notes (R-089) and assumptions are ``note`` results.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from s3repl.cli import main

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "examples" / "iac" / "dr-stack.yaml"


@pytest.fixture(autouse=True)
def _at_the_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Paths in the logs are as given on the command line: run from the repository root."""
    monkeypatch.chdir(ROOT)


def _sarif(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    status = main(["check", *argv, "--format", "sarif"])
    log: dict[str, Any] = json.loads(capsys.readouterr().out)
    return status, log


def _check_shape(log: dict[str, Any]) -> list[dict[str, Any]]:
    """The parts of SARIF 2.1.0 every consumer needs; returns the run's results."""
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "s3repl"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == sorted(set(rule_ids))
    results: list[dict[str, Any]] = run["results"]
    for result in results:
        assert result["ruleId"] in rule_ids
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]
        (location,) = result["locations"]
        assert location["physicalLocation"]["artifactLocation"]["uri"]
    return results


def test_template_results_sit_at_their_lines(capsys: pytest.CaptureFixture[str]) -> None:
    """R-067 at the ReplicationConfiguration line, R-155 (not an ARN) at the statement."""
    status, log = _sarif(capsys, "examples/iac/dr-stack.yaml")
    results = _check_shape(log)
    assert status == 1
    lines = TEMPLATE.read_text(encoding="utf-8").splitlines()

    def line_of(result: dict[str, Any]) -> str:
        region = result["locations"][0]["physicalLocation"]["region"]
        return lines[region["startLine"] - 1].strip()

    kms = next(r for r in results if r["ruleId"] == "R-067")
    assert kms["level"] == "error"
    assert line_of(kms) == "ReplicationConfiguration:"
    assert kms["locations"][0]["logicalLocations"] == [{"name": "SourceBucket"}]
    not_arn = next(r for r in results if "not an ARN" in r["message"]["text"])
    assert (not_arn["ruleId"], line_of(not_arn)) == ("R-155", "- Sid: ReadObjects")
    assert not_arn["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "examples/iac/dr-stack.yaml"
    )


def test_notes_and_assumptions_do_not_fail(capsys: pytest.CaptureFixture[str]) -> None:
    """R-089 notes and assumptions are 'note' results; the fixed twin has no error."""
    status, log = _sarif(capsys, "examples/iac/dr-stack-fixed.yaml")
    results = _check_shape(log)
    assert status == 0
    assert {r["level"] for r in results} == {"note"}
    assert {r["ruleId"] for r in results} == {"R-089", "assumption"}


def test_plan_results_sit_at_the_resource_address(capsys: pytest.CaptureFixture[str]) -> None:
    """R-067 in a Terraform plan: at the line of the resource's address."""
    status, log = _sarif(capsys, "examples/iac/dr-plan.json")
    results = _check_shape(log)
    assert status == 1
    (error,) = [r for r in results if r["level"] == "error"]
    start = error["locations"][0]["physicalLocation"]["region"]["startLine"]
    text = (ROOT / "examples" / "iac" / "dr-plan.json").read_text(encoding="utf-8").splitlines()
    assert '"address": "aws_s3_bucket_replication_configuration.source"' in text[start - 1]


def test_plain_configuration_as_sarif(capsys: pytest.CaptureFixture[str]) -> None:
    """R-001, R-155: a replication configuration's findings, at the file (no line)."""
    status, log = _sarif(capsys, "examples/replication-v2.json", "--world", "examples/world.json")
    results = _check_shape(log)
    assert status == 1
    assert [r["ruleId"] for r in results] == ["R-001", "R-155"]
    assert all("region" not in r["locations"][0]["physicalLocation"] for r in results)
