"""``s3repl check PLAN``: Terraform plans (``terraform show -json``).

The example plans (``examples/iac/dr-plan*.json``) deploy a source bucket in the
default provider's Region (a root variable, ``us-east-1``) and its replica and replica
KMS key through the provider alias ``aws.dr`` (``us-west-2``); the role's ARN, the
destination's ARN and both key ARNs are known only after apply and come from the
configuration's references; a child module replicates a second bucket with a role and
destination passed as module arguments.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from s3repl.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "iac"
BROKEN = EXAMPLES / "dr-plan.json"
FIXED = EXAMPLES / "dr-plan-fixed.json"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["check", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _rows(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, Any]]]:
    status, out, err = _run(capsys, *argv, "--format", "json")
    assert not err, err
    rows: list[dict[str, Any]] = json.loads(out)
    return status, rows


def _codes(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (row["requirement"], row.get("failure_reason") or row["code"])
        for row in rows
        if row["kind"] in ("problem", "finding")
    ]


def _plan() -> dict[str, Any]:
    plan: dict[str, Any] = json.loads(FIXED.read_text(encoding="utf-8"))
    return plan


def _write(tmp_path: Path, plan: dict[str, Any]) -> str:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, indent=2), encoding="utf-8")
    return str(path)


def _configured(plan: dict[str, Any], address: str) -> dict[str, Any]:
    resources = plan["configuration"]["root_module"]["resources"]
    found: dict[str, Any] = next(r for r in resources if r["address"] == address)
    return found


def _planned(plan: dict[str, Any], address: str) -> dict[str, Any]:
    resources = plan["planned_values"]["root_module"]["resources"]
    found: dict[str, Any] = next(r for r in resources if r["address"] == address)
    return found


def test_fixed_plan_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    """Both sources (root and child module) check clean; only notes and assumptions remain."""
    status, out, _ = _run(capsys, str(FIXED), "--account", "111122223333")
    assert status == 0, out
    assert "Terraform plan (JSON), 2 replication configurations" in out
    assert "0 assumptions" in out


def test_broken_plan_finds_kms_without_opt_in(capsys: pytest.CaptureFixture[str]) -> None:
    """R-067: the SSE-KMS source without SseKmsEncryptedObjects, at the resource's line."""
    status, rows = _rows(capsys, str(BROKEN))
    assert status == 1
    assert _codes(rows) == [("R-067", "SrcObjectNotEligible")]
    (row,) = [r for r in rows if r["kind"] == "finding"]
    address = "aws_s3_bucket_replication_configuration.source"
    lines = BROKEN.read_text(encoding="utf-8").splitlines()
    assert row["resource"] == address
    assert f'"address": "{address}"' in lines[row["line"] - 1]


def test_provider_alias_gives_the_region(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-027: the replica key moved to the default provider is in us-east-1, not us-west-2."""
    plan = _plan()
    _configured(plan, "aws_kms_key.replica")["provider_config_key"] = "aws"
    status, rows = _rows(capsys, _write(tmp_path, plan), "--account", "111122223333")
    assert status == 1
    (row,) = [r for r in rows if r["kind"] == "finding"]
    assert (row["requirement"], row["failure_reason"]) == ("R-027", "DstKmsKeyNotFound")
    assert "is in us-east-1, not in the destination's Region us-west-2" in row["message"]


def test_resource_region_argument_wins(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """R-027: a resource's own region (AWS provider v6) overrides its provider's Region."""
    plan = _plan()
    _planned(plan, "aws_kms_key.replica")["values"]["region"] = "eu-west-1"
    status, rows = _rows(capsys, _write(tmp_path, plan), "--account", "111122223333")
    assert status == 1
    assert "is in eu-west-1" in next(r for r in rows if r["kind"] == "finding")["message"]


def test_missing_tag_permission_in_role_policy(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-155: aws_iam_role_policy without s3:GetObjectVersionTagging: tags stay behind."""
    plan = _plan()
    values = _planned(plan, "aws_iam_role_policy.replication")["values"]
    values["policy"] = values["policy"].replace(', "s3:GetObjectVersionTagging"', "")
    status, rows = _rows(capsys, _write(tmp_path, plan), "--account", "111122223333")
    assert status == 1
    assert _codes(rows) == [
        ("R-155", "SrcGetTaggingNotPermitted"),
        ("R-155", "SrcGetTaggingNotPermitted"),
    ]
    assert {r["source_bucket"] for r in rows if r["kind"] == "finding"} == {
        "app-data-prod",
        "app-logs-prod",
    }


def test_policy_known_only_after_apply_is_an_assumption(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A role policy the plan cannot show is assumed to allow replication, and says so."""
    plan = _plan()
    del _planned(plan, "aws_iam_role_policy.replication")["values"]["policy"]
    _configured(plan, "aws_iam_role_policy.replication")["expressions"]["policy"] = {
        "references": ["aws_s3_bucket.source.arn", "aws_s3_bucket.source"]
    }
    status, rows = _rows(capsys, _write(tmp_path, plan), "--account", "111122223333")
    assert status == 0
    messages = [r["message"] for r in rows if r["kind"] == "assumption"]
    assert any("the policy of aws_iam_role_policy.replication is known only" in m for m in messages)


def test_unknown_destination_without_reference_is_assumed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-155: an unresolvable destination becomes a stated stand-in, not a crash.

    The role's policy names the real replica, so the stand-in destination is one the role
    may not write to: the findings follow from the assumption, which the report names.
    """
    plan = _plan()
    rule = _configured(plan, "aws_s3_bucket_replication_configuration.source")["expressions"]
    rule["rule"][0]["destination"][0]["bucket"] = {"references": ["data.aws_s3_bucket.dr.arn"]}
    status, rows = _rows(capsys, _write(tmp_path, plan), "--account", "111122223333")
    assert status == 1
    assert ("R-155", "DstPutObjectNotPermitted") in _codes(rows)
    messages = [r["message"] for r in rows if r["kind"] == "assumption"]
    assert any(
        "the destination of rule 1" in m and "data.aws_s3_bucket.dr.arn" in m for m in messages
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"format_version": "2.0"}, "format_version '2.0' is not supported"),
        ({"planned_values": None}, "the plan has no planned_values"),
    ],
)
def test_unreadable_plan_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, change: dict[str, Any], expected: str
) -> None:
    """A plan of an unknown major format, or a state file: exit 2, one line."""
    plan = copy.deepcopy(_plan())
    plan.update(change)
    status, out, err = _run(capsys, _write(tmp_path, plan))
    assert (status, out) == (2, "")
    assert expected in err
    assert err.count("\n") == 1
