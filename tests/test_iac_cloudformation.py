"""``s3repl check TEMPLATE``: CloudFormation templates (YAML and JSON, CDK-style output).

Each mistake of issue 14 is written into a template, and each has its fixed twin, which
checks clean (exit 0).  The shared examples (``examples/iac/dr-stack*.yaml``) are the
hand-written DR template of the issue and its fix.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from s3repl.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "iac"
BROKEN = EXAMPLES / "dr-stack.yaml"
FIXED = EXAMPLES / "dr-stack-fixed.yaml"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["check", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _rows(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, Any]]]:
    status, out, _ = _run(capsys, *argv, "--format", "json")
    rows: list[dict[str, Any]] = json.loads(out)
    return status, rows


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _codes(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(requirement, failure reason or code) of every problem and finding."""
    return [
        (row["requirement"], row.get("failure_reason") or row["code"])
        for row in rows
        if row["kind"] in ("problem", "finding")
    ]


# --- the DR template of issue 14 and its fixed twin -------------------------------------


def test_fixed_dr_template_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    """The fixed twin replicates KMS objects with their tags: no problem, no finding."""
    status, out, _ = _run(capsys, str(FIXED))
    assert status == 0, out
    assert "OK: 0 problems, 0 findings" in out


def test_broken_dr_template_reports_each_mistake(capsys: pytest.CaptureFixture[str]) -> None:
    """R-067, R-155: no KMS opt-in, a Resource that is a bucket name, no tag permission."""
    status, rows = _rows(capsys, str(BROKEN))
    assert status == 1
    codes = _codes(rows)
    assert ("R-067", "SrcObjectNotEligible") in codes
    assert ("R-155", "SrcGetObjectNotPermitted") in codes
    assert ("R-155", "SrcGetTaggingNotPermitted") in codes


FIXED_TEXT = FIXED.read_text(encoding="utf-8")
#: One mistake at a time, applied to the fixed twin: (replace this, by that).
MISTAKES = {
    "kms-without-opt-in": (
        "            SourceSelectionCriteria:\n              SseKmsEncryptedObjects:\n"
        "                Status: Enabled\n"
        "            Filter:\n"
        '              Prefix: ""\n'
        "            DeleteMarkerReplication:\n"
        "              Status: Enabled\n"
        "            Destination:\n"
        "              Bucket: !GetAtt ReplicaBucket.Arn\n"
        '              StorageClass: !If [IsProd, STANDARD_IA, !Ref "AWS::NoValue"]\n'
        "              EncryptionConfiguration:\n"
        "                ReplicaKmsKeyID: !GetAtt ReplicaKey.Arn\n",
        "            Filter:\n"
        '              Prefix: ""\n'
        "            DeleteMarkerReplication:\n"
        "              Status: Enabled\n"
        "            Destination:\n"
        "              Bucket: !GetAtt ReplicaBucket.Arn\n"
        '              StorageClass: !If [IsProd, STANDARD_IA, !Ref "AWS::NoValue"]\n',
    ),
    "replica-key-without-opt-in": (
        "            SourceSelectionCriteria:\n              SseKmsEncryptedObjects:\n"
        "                Status: Enabled\n",
        "",
    ),
    "resource-is-a-bucket-name": (
        'Resource: !Sub "${SourceBucket.Arn}/*"',
        'Resource: !Sub "${SourceBucket}/*"',
    ),
    "no-tag-read-permission": ("                  - s3:GetObjectVersionTagging\n", ""),
}


@pytest.mark.parametrize(
    ("mistake", "expected"),
    [
        # R-042 (OBS): a ReplicaKmsKeyID without the opt-in is refused outright.
        ("replica-key-without-opt-in", [("R-042", "InvalidRequest")]),
        # Without the key too, AWS accepts it and no KMS object replicates.
        ("kms-without-opt-in", [("R-067", "SrcObjectNotEligible")]),
        (
            "resource-is-a-bucket-name",
            [
                ("R-155", "SrcGetObjectNotPermitted"),
                ("R-155", "SrcGetObjectNotPermitted"),
                ("R-155", "SrcGetAclNotPermitted"),
                ("R-155", "SrcGetTaggingNotPermitted"),
            ],
        ),
        ("no-tag-read-permission", [("R-155", "SrcGetTaggingNotPermitted")]),
    ],
)
def test_each_mistake_alone_is_found(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    mistake: str,
    expected: list[tuple[str, str]],
) -> None:
    """Each mistake, alone in the fixed template, gives exactly its findings (exit 1)."""
    old, new = MISTAKES[mistake]
    assert old in FIXED_TEXT
    path = _write(tmp_path, "stack.yaml", FIXED_TEXT.replace(old, new))
    status, rows = _rows(capsys, path)
    assert status == 1
    assert _codes(rows) == expected


def test_replicate_tags_alone_is_not_needed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-157: s3:ReplicateObject also authorises tags, so a role without s3:ReplicateTags
    still replicates them (only a destination policy's explicit deny drops them)."""
    text = FIXED_TEXT.replace("s3:ReplicateDelete, s3:ReplicateTags]", "s3:ReplicateDelete]")
    assert text != FIXED_TEXT
    status, rows = _rows(capsys, _write(tmp_path, "stack.yaml", text))
    assert (status, _codes(rows)) == (0, [])


def test_resource_not_an_arn_names_statement_and_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """R-155: the finding names the statement, says why it matches nothing, at its line."""
    _, rows = _rows(capsys, str(BROKEN))
    (row,) = [r for r in rows if r["kind"] == "finding" and r["source_bucket"] is None]
    line = BROKEN.read_text(encoding="utf-8").splitlines().index("              - Sid: ReadObjects")
    assert row["resource"] == "ReplicationRole"
    assert row["line"] == line + 1
    assert "statement 'ReadObjects'" in row["message"]
    assert "bucket's name followed by /*, not an ARN" in row["message"]
    assert "matches no object" in row["message"]


def test_kms_finding_is_at_the_replication_configuration(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """R-067: the KMS finding points at SourceBucket's ReplicationConfiguration line."""
    _, rows = _rows(capsys, str(BROKEN))
    (row,) = [r for r in rows if r.get("failure_reason") == "SrcObjectNotEligible"]
    lines = BROKEN.read_text(encoding="utf-8").splitlines()
    assert row["resource"] == "SourceBucket"
    assert lines[row["line"] - 1].strip() == "ReplicationConfiguration:"
    assert "no SourceSelectionCriteria.SseKmsEncryptedObjects" in row["message"]


def test_storage_class_is_a_note_that_does_not_fail(capsys: pytest.CaptureFixture[str]) -> None:
    """R-089: STANDARD_IA (prod, by Fn::If) is an informational note; exit stays 0."""
    status, rows = _rows(capsys, str(FIXED))
    notes = [r for r in rows if r["kind"] == "note"]
    assert status == 0
    assert [(n["requirement"], n["code"]) for n in notes] == [("R-089", "StorageClass:STANDARD_IA")]


def test_parameter_switches_the_condition(capsys: pytest.CaptureFixture[str]) -> None:
    """R-089: --parameter Environment=staging makes Fn::If drop the storage class (NoValue)."""
    status, rows = _rows(capsys, str(FIXED), "--parameter", "Environment=staging")
    assert status == 0
    assert [r for r in rows if r["kind"] == "note"] == []


# --- every source bucket, CDK-style JSON ------------------------------------------------

CDK_ROLE = "ReplicationRoleCE149CEC"
CDK_POLICY = "ReplicationRoleDefaultPolicy80AA3B31"


def _cdk_template(*, read_actions: list[str], opt_in: bool) -> dict[str, Any]:
    """A template shaped like `cdk synth` output: hashed ids, Fn::Join ARNs, a CDK policy."""
    criteria = {"SseKmsEncryptedObjects": {"Status": "Enabled"}} if opt_in else None
    rule: dict[str, Any] = {
        "Destination": {
            "Bucket": {"Fn::GetAtt": ["ReplicaBucketB1C4A2F3", "Arn"]},
        },
        "Id": "all-objects",
        "Priority": 0,
        "Filter": {"Prefix": ""},
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "Status": "Enabled",
    }
    if criteria:  # the opt-in and the replica key go together
        rule["SourceSelectionCriteria"] = criteria
        rule["Destination"]["EncryptionConfiguration"] = {
            "ReplicaKmsKeyID": {"Fn::GetAtt": ["ReplicaKey6F4A2F1B", "Arn"]}
        }
    source_objects = {
        "Fn::Join": [
            "",
            [{"Fn::GetAtt": ["SourceBucketDDD2130A", "Arn"]}, "/*"],
        ]
    }
    key_policy = {
        "Statement": [
            {
                "Action": "kms:*",
                "Effect": "Allow",
                "Principal": {
                    "AWS": {
                        "Fn::Join": [
                            "",
                            [
                                "arn:",
                                {"Ref": "AWS::Partition"},
                                ":iam::",
                                {"Ref": "AWS::AccountId"},
                                ":root",
                            ],
                        ]
                    }
                },
                "Resource": "*",
            }
        ],
        "Version": "2012-10-17",
    }
    return {
        "Parameters": {
            "BootstrapVersion": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": "/cdk-bootstrap/hnb659fds/version",
            }
        },
        "Conditions": {
            "CDKMetadataAvailable": {
                "Fn::Or": [
                    {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]},
                    {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]},
                ]
            }
        },
        "Resources": {
            "SourceKeyB9F8A2C1": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": key_policy}},
            "ReplicaKey6F4A2F1B": {
                "Type": "AWS::KMS::Key",
                "Properties": {"KeyPolicy": key_policy},
            },
            "SourceBucketDDD2130A": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "BucketEncryption": {
                        "ServerSideEncryptionConfiguration": [
                            {
                                "ServerSideEncryptionByDefault": {
                                    "SSEAlgorithm": "aws:kms",
                                    "KMSMasterKeyID": {"Fn::GetAtt": ["SourceKeyB9F8A2C1", "Arn"]},
                                }
                            }
                        ]
                    },
                    "ReplicationConfiguration": {
                        "Role": {"Fn::GetAtt": [CDK_ROLE, "Arn"]},
                        "Rules": [rule],
                    },
                    "VersioningConfiguration": {"Status": "Enabled"},
                },
                "UpdateReplacePolicy": "Retain",
                "DeletionPolicy": "Retain",
                "Metadata": {"aws:cdk:path": "DrStack/SourceBucket/Resource"},
            },
            "ReplicaBucketB1C4A2F3": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"VersioningConfiguration": {"Status": "Enabled"}},
            },
            CDK_ROLE: {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Statement": [
                            {
                                "Action": "sts:AssumeRole",
                                "Effect": "Allow",
                                "Principal": {"Service": "s3.amazonaws.com"},
                            }
                        ],
                        "Version": "2012-10-17",
                    }
                },
            },
            CDK_POLICY: {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "PolicyDocument": {
                        "Statement": [
                            {
                                "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                                "Effect": "Allow",
                                "Resource": {"Fn::GetAtt": ["SourceBucketDDD2130A", "Arn"]},
                            },
                            {
                                "Action": read_actions,
                                "Effect": "Allow",
                                "Resource": source_objects,
                            },
                            {
                                "Action": ["s3:ReplicateObject", "s3:ReplicateTags"],
                                "Effect": "Allow",
                                "Resource": {
                                    "Fn::Join": [
                                        "",
                                        [{"Fn::GetAtt": ["ReplicaBucketB1C4A2F3", "Arn"]}, "/*"],
                                    ]
                                },
                            },
                            {
                                "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
                                "Effect": "Allow",
                                "Resource": [
                                    {"Fn::GetAtt": ["SourceKeyB9F8A2C1", "Arn"]},
                                    {"Fn::GetAtt": ["ReplicaKey6F4A2F1B", "Arn"]},
                                ],
                            },
                        ],
                        "Version": "2012-10-17",
                    },
                    "PolicyName": CDK_POLICY,
                    "Roles": [{"Ref": CDK_ROLE}],
                },
            },
            "CDKMetadata": {
                "Type": "AWS::CDK::Metadata",
                "Properties": {"Analytics": "v2:deflate64:H4sIAAAAAAAA/zPSMzQ"},
                "Condition": "CDKMetadataAvailable",
            },
        },
        "Rules": {"CheckBootstrapVersion": {"Assertions": []}},
    }


READ_ALL = [
    "s3:GetObjectVersionForReplication",
    "s3:GetObjectVersionAcl",
    "s3:GetObjectVersionTagging",
]


def test_cdk_json_template_is_clean(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """CDK output (JSON, Fn::Join ARNs, an AWS::IAM::Policy on the role) checks clean."""
    template = _cdk_template(read_actions=READ_ALL, opt_in=True)
    path = _write(tmp_path, "DrStack.template.json", json.dumps(template, indent=1))
    status, out, _ = _run(capsys, path)
    assert status == 0, out
    assert "CloudFormation template (JSON), 1 replication configuration" in out


def test_cdk_example_is_the_clean_template(capsys: pytest.CaptureFixture[str]) -> None:
    """R-067, R-155: examples/iac/cdk-stack.template.json is the clean CDK-style template."""
    example = EXAMPLES / "cdk-stack.template.json"
    assert json.loads(example.read_text(encoding="utf-8")) == _cdk_template(
        read_actions=READ_ALL, opt_in=True
    )
    status, out, _ = _run(capsys, str(example))
    assert status == 0, out


def test_cdk_json_template_mistakes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """R-155, R-067 in CDK output: the policy resource's grants reach the role (or do not)."""
    template = _cdk_template(read_actions=READ_ALL[:2], opt_in=False)
    text = json.dumps(template, indent=1)
    path = _write(tmp_path, "DrStack.template.json", text)
    status, rows = _rows(capsys, path)
    assert status == 1
    assert _codes(rows) == [
        ("R-155", "SrcGetTaggingNotPermitted"),
        ("R-067", "SrcObjectNotEligible"),
    ]
    (row,) = [r for r in rows if r.get("requirement") == "R-067"]
    lines = text.splitlines()
    assert row["resource"] == "SourceBucketDDD2130A"
    assert lines[row["line"] - 1].strip() == '"ReplicationConfiguration": {'


def test_cdk_json_statement_lines(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """R-155: in a JSON template too, a Resource that is not an ARN is found at its statement."""
    template = _cdk_template(read_actions=READ_ALL, opt_in=True)
    statements = template["Resources"][CDK_POLICY]["Properties"]["PolicyDocument"]["Statement"]
    statements[0]["Resource"] = {"Fn::Join": ["", [{"Ref": "SourceBucketDDD2130A"}, "/*"]]}
    text = json.dumps(template, indent=1)
    status, rows = _rows(capsys, _write(tmp_path, "DrStack.template.json", text))
    (row,) = [r for r in rows if r["kind"] == "finding" and r["source_bucket"] is None]
    assert status == 1
    assert row["resource"] == CDK_POLICY
    assert text.splitlines()[row["line"] - 1].strip() == "{"
    assert '"Action": [' in text.splitlines()[row["line"]]


TWO_SOURCES = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: s3.amazonaws.com}, Action: sts:AssumeRole}
  Logs:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: app-logs-source
      VersioningConfiguration: {Status: Enabled}
      ReplicationConfiguration:
        Role: !GetAtt Role.Arn
        Rules:
          - {Id: logs, Status: Enabled, Prefix: "", Destination: {Bucket: !GetAtt Archive.Arn}}
  Data:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: app-data-source
      ReplicationConfiguration:
        Role: !GetAtt Role.Arn
        Rules:
          - {Id: data, Status: Enabled, Prefix: "", Destination: {Bucket: !GetAtt Archive.Arn}}
  Archive:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: app-archive
      VersioningConfiguration: {Status: Enabled}
"""


def test_every_source_bucket_is_checked(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """R-002, R-155: both sources are checked; the unversioned one has a problem."""
    status, rows = _rows(capsys, _write(tmp_path, "two.yaml", TWO_SOURCES))
    assert status == 1
    by_bucket = {
        (r["source_bucket"], r["requirement"], r.get("code") or r.get("failure_reason"))
        for r in rows
        if r["kind"] != "assumption"
    }
    assert ("app-data-source", "R-002", "InvalidRequest") in by_bucket
    # the role has no policy at all: the versioned source's rule cannot even read objects
    assert ("app-logs-source", "R-155", "SrcGetObjectNotPermitted") in by_bucket


def test_bucket_option_picks_one_source(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """R-002: --bucket checks only the named source (here the unversioned one)."""
    path = _write(tmp_path, "two.yaml", TWO_SOURCES)
    status, rows = _rows(capsys, path, "--bucket", "app-data-source")
    assert status == 1
    assert {r["source_bucket"] for r in rows if r["kind"] == "problem"} == {"app-data-source"}
    assert not [r for r in rows if r["kind"] == "finding"]
