"""Templates that cannot be read (exit 2, one line) and what templates do not say (assumptions).

Unreadable input never gives a traceback: the error is one line naming the file, and
the line or resource where the format has them.  What a template does not say is
reported as a named assumption that ``--world`` can replace (issue 14).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from s3repl.cli import main
from s3repl.iac._limits import NESTING_MAX, TEMPLATE_BYTES_MAX


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["check", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- unreadable ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "bad.yaml",
            "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A: [unclosed\n",
            "is not valid YAML at line",
        ),
        (
            "tabs.yaml",
            "Resources:\n\tBucket:\n\t\tType: AWS::S3::Bucket\n",
            "is not valid YAML at line 2",
        ),
        ("nores.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nDescription: x\n", "Resources"),
        (
            "notype.yaml",
            "Resources:\n  Bucket:\n    Properties: {}\n",
            "resource Bucket (line 2) needs a Type",
        ),
        ("list.yaml", "Resources:\n- a\n", "needs a non-empty Resources section"),
        (
            "deep.yaml",
            "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Metadata: "
            + "[" * (NESTING_MAX + 5)
            + "]" * (NESTING_MAX + 5)
            + "\n",
            f"nested deeper than {NESTING_MAX} levels",
        ),
        (
            "deep.json",
            '{"Resources": {"B": {"Type": "AWS::S3::Bucket", "Metadata": '
            + "[" * (NESTING_MAX + 5)
            + "]" * (NESTING_MAX + 5)
            + "}}}",
            f"nested deeper than {NESTING_MAX} levels",
        ),
        (
            "big.json",
            '{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}, "Description": "'
            + "x" * TEMPLATE_BYTES_MAX
            + '"}',
            f"larger than {TEMPLATE_BYTES_MAX} bytes",
        ),
        (
            "badname.yaml",
            "Resources:\n  Data:\n    Type: AWS::S3::Bucket\n    Properties:\n"
            "      BucketName: Not_A_Bucket\n",
            "Data (line 2): ",
        ),
    ],
)
def test_unreadable_template_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, text: str, expected: str
) -> None:
    """A broken, oversized or too-deep template, or an impossible world: exit 2, one line."""
    path = _write(tmp_path, name, text)
    status, out, err = _run(capsys, path)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("s3repl check: error: ")
    assert expected in err
    assert path in err or Path(path).name in err


def test_json_template_that_does_not_parse_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A JSON template with a syntax error is refused as JSON (exit 2, one line)."""
    path = _write(tmp_path, "cdk.template.json", '{"Resources": {"B": {"Type": }}}')
    status, _, err = _run(capsys, path)
    assert status == 2
    assert "is not valid JSON" in err
    assert err.count("\n") == 1


def test_yaml_alias_bomb_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Aliases expanding to billions of values stop at the resolver's bound (exit 2)."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    text = "Mappings:\n" + "\n".join(f"  {line}" for line in lines) + "\n"
    text += "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags: *a8\n"
    status, _, err = _run(capsys, _write(tmp_path, "bomb.yaml", text))
    assert status == 2
    assert "more than" in err


def test_bad_parameter_option_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """--parameter needs KEY=VALUE."""
    example = Path(__file__).resolve().parent.parent / "examples" / "iac" / "dr-stack.yaml"
    status, _, err = _run(capsys, str(example), "--parameter", "Environment")
    assert status == 2
    assert "--parameter expects KEY=VALUE" in err


def test_bad_region_option_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """R-001: --region must be a Region s3repl knows."""
    example = Path(__file__).resolve().parent.parent / "examples" / "iac" / "dr-stack.yaml"
    status, _, err = _run(capsys, str(example), "--region", "mars-1")
    assert status == 2
    assert "mars-1" in err


# --- assumptions ----------------------------------------------------------------------------

OTHER_STACK = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  ReplicaAccount:
    Type: String
Resources:
  Source:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: app-source-bucket
      VersioningConfiguration: {Status: Enabled}
      ReplicationConfiguration:
        Role: arn:aws:iam::123456789012:role/shared-replication
        Rules:
          - Id: to-dr
            Status: Enabled
            Priority: 1
            Filter: {Prefix: ""}
            DeleteMarkerReplication: {Status: Disabled}
            Destination:
              Bucket: !ImportValue dr-stack-ReplicaBucketArn
          - Id: to-archive
            Status: Enabled
            Priority: 2
            Filter: {Prefix: archive/}
            DeleteMarkerReplication: {Status: Disabled}
            Destination:
              Bucket: arn:aws:s3:::central-archive-bucket
              Account: !Ref ReplicaAccount
              StorageClass: !Cidr [10.0.0.0/16, 2, 8]
"""


def _assumptions(rows: list[dict[str, Any]]) -> list[str]:
    return [row["message"] for row in rows if row["kind"] == "assumption"]


def test_what_the_file_does_not_say_is_assumed_and_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An import, an unsupported function, a parameter without value: assumptions, exit 0."""
    path = _write(tmp_path, "app.yaml", OTHER_STACK)
    status, out, _ = _run(capsys, path, "--format", "json")
    rows = json.loads(out)
    assert status == 0, out
    messages = _assumptions(rows)
    assert any("Fn::ImportValue dr-stack-ReplicaBucketArn" in m for m in messages)
    assert any("Fn::Cidr is not supported" in m and "left out" in m for m in messages)
    assert any("parameter ReplicaAccount has no Default" in m for m in messages)
    assert any(
        "role arn:aws:iam::123456789012:role/shared-replication is not in" in m for m in messages
    )
    assert any(
        "destination bucket central-archive-bucket is not in the file" in m for m in messages
    )
    assert all(
        row["resource"] == "Source" and row["line"] for row in rows if row["kind"] == "assumption"
    )


def test_assumptions_are_printed_in_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The text report lists assumptions before the results, and counts them."""
    status, out, _ = _run(capsys, _write(tmp_path, "app.yaml", OTHER_STACK))
    assert status == 0
    assert "Assumed (the file does not say; --world can say otherwise):" in out
    assert out.rstrip().endswith("6 assumptions.")


def test_world_file_supplies_what_the_template_lacks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-003: --world gives the archive bucket, unversioned: a problem instead of an assumption."""
    world = {
        "buckets": [
            {"name": "central-archive-bucket", "region": "us-east-1"},
        ]
    }
    world_path = _write(tmp_path, "world.json", json.dumps(world))
    path = _write(tmp_path, "app.yaml", OTHER_STACK)
    status, out, _ = _run(capsys, path, "--world", world_path, "--format", "json")
    rows = json.loads(out)
    assert status == 1
    assert [(r["requirement"], r["code"]) for r in rows if r["kind"] == "problem"] == [
        ("R-003", "InvalidRequest")
    ]
    assert not any("central-archive-bucket is not in the file" in m for m in _assumptions(rows))


def test_broken_world_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A world file the loader refuses: exit 2 naming the world file and the place."""
    world_path = _write(tmp_path, "world.json", json.dumps({"buckets": [{"name": "x"}]}))
    path = _write(tmp_path, "app.yaml", OTHER_STACK)
    status, _, err = _run(capsys, path, "--world", world_path)
    assert status == 2
    assert f"world file {world_path}: buckets[0].name" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [("[]", "expected an object, got list"), ("{", "cannot read it as JSON")],
)
def test_world_file_that_is_not_an_object_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, expected: str
) -> None:
    """--world must be a JSON object: exit 2, one line naming the world file."""
    world_path = _write(tmp_path, "world.json", text)
    status, _, err = _run(capsys, _write(tmp_path, "app.yaml", OTHER_STACK), "--world", world_path)
    assert status == 2
    assert f"world file {world_path}: {expected}" in err
    assert err.count("\n") == 1


def test_account_and_region_options_place_the_stack(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """R-001: --account and --region become AWS::AccountId and AWS::Region (no assumption)."""
    example = Path(__file__).resolve().parent.parent / "examples" / "iac" / "dr-stack-fixed.yaml"
    status, out, _ = _run(
        capsys, str(example), "--account", "444455556666", "--region", "eu-west-1"
    )
    assert status == 0, out
    assert "account 444455556666, region eu-west-1" in " ".join(out.split())
    assert "dr-stack-fixed-data-444455556666" in out
    assert "Assumed" not in out


def test_bucket_option_must_name_a_source(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--bucket names a bucket the file puts no configuration on: exit 2, one line."""
    status, _, err = _run(capsys, _write(tmp_path, "app.yaml", OTHER_STACK), "--bucket", "other")
    assert status == 2
    assert "puts no replication configuration on bucket 'other'" in err


def test_template_without_replication_has_nothing_to_check(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A template with buckets but no ReplicationConfiguration: nothing to check, exit 0."""
    text = "Resources:\n  Data:\n    Type: AWS::S3::Bucket\n"
    status, out, _ = _run(capsys, _write(tmp_path, "plain.yaml", text))
    assert status == 0
    assert "No replication configuration in the file" in out


def test_false_condition_removes_the_resource(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A resource whose Condition is false is not created: its configuration is not checked."""
    text = OTHER_STACK.replace(
        "  Source:\n    Type: AWS::S3::Bucket\n",
        "  Source:\n    Type: AWS::S3::Bucket\n    Condition: Never\n",
    ).replace("Resources:\n", "Conditions:\n  Never: !Equals [a, b]\nResources:\n", 1)
    status, out, _ = _run(capsys, _write(tmp_path, "cond.yaml", text))
    assert status == 0
    assert "No replication configuration in the file" in out


def test_yaml_without_pyyaml_says_which_extra(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without PyYAML, a YAML template exits 2 naming the extra to install; JSON still works."""
    monkeypatch.setitem(sys.modules, "yaml", None)
    example = Path(__file__).resolve().parent.parent / "examples" / "iac" / "dr-stack.yaml"
    status, _, err = _run(capsys, str(example))
    assert status == 2
    assert "reading YAML templates needs PyYAML: pip install 's3repl[iac]'" in err
    plan = example.parent / "dr-plan-fixed.json"
    assert _run(capsys, str(plan), "--account", "111122223333")[0] == 0


DUPLICATE_ROLES = """\
Resources:
  RoleA:
    Type: AWS::IAM::Role
    Properties:
      RoleName: same
  RoleB:
    Type: AWS::IAM::Role
    Properties:
      RoleName: same
"""


def test_two_resources_with_one_name_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Two roles with one name (CloudFormation fails the stack): both named, with lines."""
    status, _, err = _run(capsys, _write(tmp_path, "dup.yaml", DUPLICATE_ROLES))
    assert status == 2
    assert "RoleB (line 6): role arn:aws:iam::123456789012:role/same is also declared by" in err
    assert "RoleA (line 2)" in err


def test_role_of_another_account(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """R-012: a role of another account must be let in by the source's own bucket policy."""
    text = OTHER_STACK.replace(
        "arn:aws:iam::123456789012:role/shared-replication",
        "arn:aws:iam::444455556666:role/shared-replication",
    )
    status, out, _ = _run(capsys, _write(tmp_path, "app.yaml", text), "--format", "json")
    rows = json.loads(out)
    assert status == 1
    assert {(r["requirement"], r["failure_reason"]) for r in rows if r["kind"] == "finding"} >= {
        ("R-012", "SrcGetObjectNotPermitted")
    }
