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


# --- more resource types -------------------------------------------------------------------


def _add(
    plan: dict[str, Any],
    address: str,
    values: dict[str, Any],
    expressions: dict[str, Any] | None = None,
    provider: str = "aws",
) -> None:
    """Add a root-module resource to the plan, planned and configured."""
    kind, name = address.split(".")
    plan["planned_values"]["root_module"]["resources"].append(
        {"address": address, "mode": "managed", "type": kind, "name": name, "values": values}
    )
    plan["configuration"]["root_module"]["resources"].append(
        {
            "address": address,
            "mode": "managed",
            "type": kind,
            "name": name,
            "provider_config_key": provider,
            "expressions": expressions or {},
        }
    )


def _remove(plan: dict[str, Any], address: str) -> dict[str, Any]:
    """Remove a root-module resource; return its planned values."""
    planned = plan["planned_values"]["root_module"]["resources"]
    found = _planned(plan, address)
    planned.remove(found)
    configured = plan["configuration"]["root_module"]["resources"]
    configured.remove(_configured(plan, address))
    values: dict[str, Any] = found["values"]
    return values


def _check(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, plan: dict[str, Any]
) -> tuple[int, list[dict[str, Any]]]:
    return _rows(capsys, _write(tmp_path, plan), "--account", "111122223333")


def _assumed(rows: list[dict[str, Any]]) -> list[str]:
    return [row["message"] for row in rows if row["kind"] == "assumption"]


def test_managed_policy_attachment(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """R-155: aws_iam_policy attached by aws_iam_role_policy_attachment grants the role."""
    plan = _plan()
    policy = _remove(plan, "aws_iam_role_policy.replication")["policy"]
    _add(plan, "aws_iam_policy.replication", {"name": "replication", "path": "/", "policy": policy})
    _add(
        plan,
        "aws_iam_role_policy_attachment.replication",
        {"role": "app-data-replication"},
        {"policy_arn": {"references": ["aws_iam_policy.replication.arn"]}},
    )
    assert _check(capsys, tmp_path, plan)[0] == 0


def test_attachment_of_a_policy_outside_the_plan(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-155: an attached AWS managed policy is assumed to grant nothing (and said so)."""
    plan = _plan()
    _remove(plan, "aws_iam_role_policy.replication")
    _add(
        plan,
        "aws_iam_role_policy_attachment.s3",
        {
            "role": "app-data-replication",
            "policy_arn": "arn:aws:iam::aws:policy/AmazonS3FullAccess",
        },
    )
    status, rows = _check(capsys, tmp_path, plan)
    assert status == 1
    assert ("R-155", "SrcGetObjectNotPermitted") in _codes(rows)
    assert any("AmazonS3FullAccess attached to role" in m for m in _assumed(rows))


def test_inline_policy_and_managed_arns(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """R-155: a role's inline_policy blocks grant; its managed_policy_arns are assumptions."""
    plan = _plan()
    policy = _remove(plan, "aws_iam_role_policy.replication")["policy"]
    role = _planned(plan, "aws_iam_role.replication")["values"]
    role["inline_policy"] = [{"name": "replication", "policy": policy}]
    role["managed_policy_arns"] = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    status, rows = _check(capsys, tmp_path, plan)
    assert (status, _codes(rows)) == (0, [])
    assert any("ReadOnlyAccess of aws_iam_role.replication" in m for m in _assumed(rows))


def test_kms_alias_names_its_key(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """R-067: a default key given by alias is reported as the key the alias targets."""
    plan: dict[str, Any] = json.loads(BROKEN.read_text(encoding="utf-8"))
    sse = _planned(plan, "aws_s3_bucket_server_side_encryption_configuration.source")["values"]
    sse["rule"][0]["apply_server_side_encryption_by_default"][0]["kms_master_key_id"] = (
        "alias/source"
    )
    _add(
        plan,
        "aws_kms_alias.source",
        {"name": "alias/source"},
        {"target_key_id": {"references": ["aws_kms_key.source.key_id", "aws_kms_key.source"]}},
    )
    status, rows = _check(capsys, tmp_path, plan)
    (row,) = [r for r in rows if r["kind"] == "finding"]
    assert status == 1
    assert "with key arn:aws:kms:us-east-1:111122223333:key/" in row["message"]


KMS_ONLY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::app-logs-prod/*",
                "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
            }
        ],
    }
)


def test_bucket_policy_known_and_unknown(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-067: a bucket policy making puts SSE-KMS is read; one known after apply is assumed."""
    plan = _plan()
    _add(plan, "aws_s3_bucket_policy.logs", {"bucket": "app-logs-prod", "policy": KMS_ONLY})
    _add(
        plan,
        "aws_s3_bucket_policy.data",
        {"bucket": "app-data-prod"},
        {"policy": {"references": ["aws_s3_bucket.source.arn", "aws_s3_bucket.source"]}},
    )
    status, rows = _check(capsys, tmp_path, plan)
    assert status == 1
    (row,) = [r for r in rows if r["kind"] == "finding"]
    assert (row["requirement"], row["source_bucket"]) == ("R-067", "app-logs-prod")
    assert any("the policy of aws_s3_bucket_policy.data is known" in m for m in _assumed(rows))


def test_object_lock_and_ownership(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """R-009: a lock source (object lock configuration) with an unlocked destination."""
    plan = _plan()
    _planned(plan, "aws_s3_bucket.source")["values"]["object_lock_enabled"] = True
    _add(
        plan,
        "aws_s3_bucket_object_lock_configuration.source",
        {
            "bucket": "app-data-prod",
            "rule": [{"default_retention": [{"mode": "GOVERNANCE", "days": 1, "years": None}]}],
        },
    )
    _add(
        plan,
        "aws_s3_bucket_ownership_controls.replica",
        {"bucket": "app-data-dr", "rule": [{"object_ownership": "BucketOwnerEnforced"}]},
        provider="aws.dr",
    )
    status, rows = _check(capsys, tmp_path, plan)
    assert status == 1
    assert ("R-009", "DstBucketObjectLockConfigMissing") in _codes(rows)


def test_inline_versioning_of_provider_v3(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-003: the pre-4.0 inline versioning block counts; without any, the replica is refused."""
    plan = _plan()
    _remove(plan, "aws_s3_bucket_versioning.replica")
    status, rows = _check(capsys, tmp_path, plan)
    assert status == 1
    assert ("R-003", "InvalidRequest") in _codes(rows)
    _planned(plan, "aws_s3_bucket.replica")["values"]["versioning"] = [
        {"enabled": True, "mfa_delete": False}
    ]
    assert _check(capsys, tmp_path, plan)[0] == 0


def test_bucket_name_known_only_after_apply(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A bucket named by bucket_prefix gets a stated stand-in name; its settings are assumed."""
    plan = _plan()
    del _planned(plan, "aws_s3_bucket.replica")["values"]["bucket"]
    _configured(plan, "aws_s3_bucket.replica")["expressions"] = {
        "bucket_prefix": {"constant_value": "app-data-dr-"}
    }
    # What names the bucket is known only after apply too: the configuration says where from.
    del _planned(plan, "aws_s3_bucket_versioning.replica")["values"]["bucket"]
    logs = plan["planned_values"]["root_module"]["child_modules"][0]["resources"][-1]
    del logs["values"]["rule"][0]["destination"][0]["bucket"]
    # A role policy naming the replica would be known only after apply as well.
    policy = _planned(plan, "aws_iam_role_policy.replication")["values"]
    policy["policy"] = policy["policy"].replace("arn:aws:s3:::app-data-dr/*", "*")
    status, rows = _check(capsys, tmp_path, plan)
    assumed = _assumed(rows)
    assert (status, _codes(rows)) == (0, [])
    assert assumed == [
        "the name of aws_s3_bucket.replica is known only after apply (no bucket argument): "
        "assumed 'aws-s3-bucket-replica'"
    ]


def test_provider_without_region(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """R-001: a provider whose Region the plan does not show: --region is assumed, and said."""
    plan = _plan()
    del plan["variables"]["primary_region"]
    status, rows = _rows(capsys, _write(tmp_path, plan), "--account", "111122223333")
    assert status == 0
    assert any("provider aws sets no Region the plan shows" in m for m in _assumed(rows))


def test_values_that_depend_on_each_other(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A reference cycle (Terraform refuses it) ends in an assumption, not a recursion."""
    plan = _plan()
    del _planned(plan, "aws_s3_bucket.replica")["values"]["bucket"]
    del _planned(plan, "aws_s3_bucket.source")["values"]["bucket"]
    _configured(plan, "aws_s3_bucket.replica")["expressions"] = {
        "bucket": {"references": ["aws_s3_bucket.source.bucket"]}
    }
    _configured(plan, "aws_s3_bucket.source")["expressions"] = {
        "bucket": {"references": ["aws_s3_bucket.replica.bucket"]}
    }
    status = main(["check", _write(tmp_path, plan), "--account", "111122223333"])
    captured = capsys.readouterr()
    # The source's name is assumed, and the replica, named after it, collides with it.
    assert (status, captured.out) == (2, "")
    assert captured.err.count("\n") == 1
    assert "is also declared by aws_s3_bucket.source" in captured.err


def test_inline_policy_that_is_not_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """An inline policy that is not JSON is left out with an assumption (exit by findings)."""
    plan = _plan()
    _remove(plan, "aws_iam_role_policy.replication")
    role = _planned(plan, "aws_iam_role.replication")["values"]
    role["inline_policy"] = [{"name": "broken", "policy": "{not json"}]
    status, rows = _check(capsys, tmp_path, plan)
    assert status == 1
    assert ("R-155", "SrcGetObjectNotPermitted") in _codes(rows)
    assert any(
        "the inline policy of aws_iam_role.replication is not JSON" in m for m in _assumed(rows)
    )


def _legacy(*, opt_in: bool) -> dict[str, Any]:
    """The fixed plan with the source's replication written as provider 3.x did (inline)."""
    plan = _plan()
    _remove(plan, "aws_s3_bucket_replication_configuration.source")
    criteria = [{"sse_kms_encrypted_objects": [{"enabled": True}]}] if opt_in else []
    rule = {
        "id": "everything-to-dr",
        "priority": 1,
        "status": "Enabled",
        "prefix": "",
        "delete_marker_replication_status": "Enabled",
        "filter": [{"prefix": "", "tags": {}}],
        "destination": [
            {
                "account_id": "",
                "storage_class": "STANDARD",
                "access_control_translation": [],
                "metrics": [{"status": "Enabled", "minutes": 15}],
                "replication_time": [{"status": "Enabled", "minutes": 15}],
            }
        ],
        "source_selection_criteria": criteria,
    }
    _planned(plan, "aws_s3_bucket.source")["values"]["replication_configuration"] = [
        {"rules": [rule]}
    ]
    _configured(plan, "aws_s3_bucket.source")["expressions"]["replication_configuration"] = [
        {
            "role": {"references": ["aws_iam_role.replication.arn"]},
            "rules": [
                {
                    "destination": [
                        {
                            "bucket": {"references": ["aws_s3_bucket.replica.arn"]},
                            "replica_kms_key_id": {"references": ["aws_kms_key.replica.arn"]},
                        }
                    ]
                }
            ],
        }
    ]
    if not opt_in:  # a replica key without the opt-in is refused outright
        _drop_replica_key(plan)
    return plan


def _drop_replica_key(plan: dict[str, Any]) -> None:
    """Remove the legacy rule's ``replica_kms_key_id`` from the plan's configuration."""
    expressions = _configured(plan, "aws_s3_bucket.source")["expressions"]
    (destination,) = expressions["replication_configuration"][0]["rules"][0]["destination"]
    del destination["replica_kms_key_id"]


def test_inline_replication_of_provider_v3(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-067, R-028: the pre-4.0 inline replication_configuration is read, RTC included."""
    status, rows = _check(capsys, tmp_path, _legacy(opt_in=True))
    assert (status, _codes(rows)) == (0, [])
    status, rows = _check(capsys, tmp_path, _legacy(opt_in=False))
    assert (status, _codes(rows)) == (1, [("R-067", "SrcObjectNotEligible")])
    (row,) = [r for r in rows if r["kind"] == "finding"]
    assert row["resource"] == "aws_s3_bucket.source"


@pytest.mark.parametrize(
    ("rule_filter", "expected"),
    [
        ([{"prefix": "", "tags": {"team": "data"}}], [("R-040", "InvalidRequest")]),
        ([{"prefix": "logs/", "tags": {"team": "data"}}], [("R-040", "InvalidRequest")]),
        ([], [("R-035", "InvalidRequest"), ("R-035", "InvalidRequest")]),
    ],
)
def test_inline_v3_filters(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    rule_filter: list[dict[str, Any]],
    expected: list[tuple[str, str]],
) -> None:
    """R-040, R-035: v3 tag filters become Tag/And (no delete markers with tags), and a rule
    without filter is V1, where replication time and metrics cannot be used."""
    plan = _legacy(opt_in=True)
    values = _planned(plan, "aws_s3_bucket.source")["values"]
    rule = values["replication_configuration"][0]["rules"][0]
    rule["filter"] = rule_filter
    if not rule_filter:
        del rule["source_selection_criteria"]
        _drop_replica_key(plan)  # it would need the opt-in
    status, rows = _check(capsys, tmp_path, plan)
    assert (status, _codes(rows)) == (1, expected)


def test_what_else_a_plan_may_not_show(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A role, a replica key, a key policy and a bucket the plan cannot name: assumptions.

    Without its replica key, the rule's SSE-KMS opt-in has no ReplicaKmsKeyID: PutBucket-
    Replication refuses it (R-042), which the check reports rather than guessing a key.
    """
    plan = _plan()
    config = _configured(plan, "aws_s3_bucket_replication_configuration.source")["expressions"]
    config["role"] = {"references": ["data.aws_iam_role.shared.arn"]}
    destination = config["rule"][0]["destination"][0]
    destination["encryption_configuration"][0]["replica_kms_key_id"] = {
        "references": ["data.aws_kms_key.shared.arn"]
    }
    _configured(plan, "aws_kms_key.source")["expressions"]["policy"] = {
        "references": ["data.aws_iam_policy_document.key.json"]
    }
    _add(plan, "aws_s3_bucket_versioning.elsewhere", {"bucket": "bucket-of-another-stack"})
    status, rows = _check(capsys, tmp_path, plan)
    assumed = " | ".join(_assumed(rows))
    assert (status, _codes(rows)) == (1, [("R-042", "InvalidRequest")])
    assert "the role of aws_s3_bucket_replication_configuration.source is known only" in assumed
    assert "role/aws-s3-bucket-replication-configuration-source-role" in assumed
    assert "the replica KMS key of rule 1 of" in assumed
    assert "the key policy of aws_kms_key.source is not in the plan" in assumed
    assert "'bucket-of-another-stack') is not a bucket of the plan" in assumed


def test_disabled_key(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """R-027: aws_kms_key with is_enabled = false: replicas cannot be encrypted."""
    plan = _plan()
    _planned(plan, "aws_kms_key.replica")["values"]["is_enabled"] = False
    status, rows = _check(capsys, tmp_path, plan)
    assert (status, _codes(rows)) == (1, [("R-027", "DstKmsKeyInvalidState")])


def test_oversized_plan_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan over the size limit is refused before it is parsed (exit 2, one line)."""
    monkeypatch.setattr("s3repl.iac._read.PLAN_BYTES_MAX", 1000)
    status, out, err = _run(capsys, str(FIXED))
    assert (status, out) == (2, "")
    assert "is larger than 1000 bytes, the most a Terraform plan may be here" in err


def test_data_sources_read_while_planning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-155: a role policy from data.aws_iam_policy_document (read while planning) counts,
    and data.aws_caller_identity names the account (no assumption about it)."""
    plan = _plan()
    values = _planned(plan, "aws_iam_role_policy.replication")["values"]
    policy = values.pop("policy").replace(', "s3:GetObjectVersionTagging"', "")
    _configured(plan, "aws_iam_role_policy.replication")["expressions"]["policy"] = {
        "references": [
            "data.aws_iam_policy_document.replication.json",
            "data.aws_iam_policy_document.replication",
        ]
    }
    plan["prior_state"] = {
        "format_version": "1.0",
        "values": {
            "root_module": {
                "resources": [
                    {
                        "address": "data.aws_iam_policy_document.replication",
                        "mode": "data",
                        "type": "aws_iam_policy_document",
                        "name": "replication",
                        "values": {"json": policy},
                    },
                    {
                        "address": "data.aws_caller_identity.current",
                        "mode": "data",
                        "type": "aws_caller_identity",
                        "name": "current",
                        "values": {"account_id": "444455556666"},
                    },
                ]
            }
        },
    }
    status, rows = _rows(capsys, _write(tmp_path, plan))
    assert status == 1
    assert set(_codes(rows)) == {("R-155", "SrcGetTaggingNotPermitted")}
    assert _assumed(rows) == []
    assert "arn:aws:iam::444455556666:role/app-data-replication" in rows[0]["message"]
