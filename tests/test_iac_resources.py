"""The CloudFormation resources s3repl reads, one behaviour each, with its requirement.

Each template is small: a source and a destination bucket, a role, and the one
resource or property under test; the fixed variant of each checks clean.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from s3repl.cli import main

HEAD = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Source:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: res-source-bucket
      VersioningConfiguration: {Status: Enabled}
SOURCE_EXTRA
      ReplicationConfiguration:
        Role: !GetAtt Role.Arn
        Rules:
          - Id: all
            Status: Enabled
            Priority: 1
            Filter: {Prefix: ""}
            DeleteMarkerReplication: {Status: Disabled}
RULE_EXTRA
            Destination:
              Bucket: !GetAtt Replica.Arn
DESTINATION_EXTRA
  Replica:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: res-replica-bucket
      VersioningConfiguration: {Status: Enabled}
REPLICA_EXTRA
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: TRUSTED}, Action: sts:AssumeRole}
ROLE_EXTRA
"""

CONFIG = "[s3:GetReplicationConfiguration, s3:ListBucket]"  # R-155, on the source bucket
READ = "[s3:GetObjectVersionForReplication, s3:GetObjectVersionAcl, s3:GetObjectVersionTagging]"
WRITE = "[s3:ReplicateObject, s3:ReplicateDelete, s3:ReplicateTags]"
INLINE = f"""\
      Policies:
        - PolicyName: replication
          PolicyDocument:
            Statement:
              - {{Effect: Allow, Action: {CONFIG}, Resource: !GetAtt Source.Arn}}
              - {{Effect: Allow, Action: {READ}, Resource: !Sub "${{Source.Arn}}/*"}}
              - {{Effect: Allow, Action: {WRITE}, Resource: !Sub "${{Replica.Arn}}/*"}}
              - {{Effect: Allow, Action: "kms:*", Resource: "*"}}
"""


def _template(
    *,
    source: str = "",
    rule: str = "",
    destination: str = "",
    replica: str = "",
    role: str = INLINE,
    trusted: str = "s3.amazonaws.com",
    more: str = "",
) -> str:
    text = HEAD
    for marker, value in (
        ("SOURCE_EXTRA\n", source),
        ("RULE_EXTRA\n", rule),
        ("DESTINATION_EXTRA\n", destination),
        ("REPLICA_EXTRA\n", replica),
        ("ROLE_EXTRA\n", role),
    ):
        text = text.replace(marker, value)
    return text.replace("TRUSTED", trusted) + more


def _rows(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, *argv: str
) -> tuple[int, list[dict[str, Any]]]:
    path = tmp_path / "stack.yaml"
    path.write_text(text, encoding="utf-8")
    status = main(["check", str(path), "--account", "111122223333", "--format", "json", *argv])
    captured = capsys.readouterr()
    assert not captured.err, captured.err
    rows: list[dict[str, Any]] = json.loads(captured.out)
    return status, rows


def _codes(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (row["requirement"], row.get("failure_reason") or row["code"])
        for row in rows
        if row["kind"] in ("problem", "finding")
    ]


def _assumed(rows: list[dict[str, Any]]) -> list[str]:
    return [row["message"] for row in rows if row["kind"] == "assumption"]


def test_base_template_is_clean(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """R-155: the base template (inline policy) replicates: no problem, no finding."""
    status, rows = _rows(capsys, tmp_path, _template())
    assert (status, _codes(rows), _assumed(rows)) == (0, [], [])


def test_untrusted_role(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """R-006: a trust policy for another service: S3 cannot assume the role."""
    status, rows = _rows(capsys, tmp_path, _template(trusted="ec2.amazonaws.com"))
    assert status == 1
    assert _codes(rows) == [("R-006", "AssumeRoleNotPermitted")]


SPLIT_POLICIES = f"""\
  ReadPolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: read
      Roles: [!Ref Role]
      PolicyDocument:
        Statement:
          - {{Effect: Allow, Action: {CONFIG}, Resource: !GetAtt Source.Arn}}
          - {{Effect: Allow, Action: {READ}, Resource: !Sub "${{Source.Arn}}/*"}}
  WritePolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - {{Effect: Allow, Action: [s3:ReplicateObject, s3:ReplicateDelete], Resource: "*"}}
  TagPolicy:
    Type: AWS::IAM::RolePolicy
    Properties:
      RoleName: !Ref Role
      PolicyName: tags
      PolicyDocument:
        Statement:
          - {{Effect: Allow, Action: s3:ReplicateTags, Resource: "*"}}
"""


def test_policies_attached_every_way(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """R-155: AWS::IAM::Policy, ManagedPolicy (by ManagedPolicyArns) and RolePolicy all count."""
    role = "      ManagedPolicyArns: [!Ref WritePolicy]\n"
    status, rows = _rows(capsys, tmp_path, _template(role=role, more=SPLIT_POLICIES))
    assert (status, _codes(rows)) == (0, [])


def test_a_missing_attachment_is_found(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """R-155: without the managed policy's attachment the role may not write replicas."""
    status, rows = _rows(capsys, tmp_path, _template(role="", more=SPLIT_POLICIES))
    assert status == 1
    assert _codes(rows) == [("R-155", "DstPutObjectNotPermitted")]


def test_managed_policy_from_outside_is_assumed_to_grant_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-155: an AWS managed policy's content is not in the file: assumed to grant nothing."""
    role = "      ManagedPolicyArns: [arn:aws:iam::aws:policy/AmazonS3FullAccess]\n"
    status, rows = _rows(capsys, tmp_path, _template(role=role))
    assert status == 1
    assert ("R-155", "SrcGetObjectNotPermitted") in _codes(rows)
    assert any("AmazonS3FullAccess of role Role is not in the file" in m for m in _assumed(rows))


KEYS = """\
  ReplicaKey:
    Type: AWS::KMS::Key
    Properties:
      Enabled: false
      KeyPolicy:
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:root"}
            Action: "kms:*"
            Resource: "*"
  ReplicaAlias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: alias/replica
      TargetKeyId: !Ref ReplicaKey
  SourceKey:
    Type: AWS::KMS::Key
    Properties: {}
  SourceAlias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: alias/source
      TargetKeyId: !GetAtt SourceKey.Arn
"""
KMS_SOURCE = """\
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {SSEAlgorithm: "aws:kms", KMSMasterKeyID: alias/source}
"""
OPT_IN = "            SourceSelectionCriteria: {SseKmsEncryptedObjects: {Status: Enabled}}\n"
REPLICA_KEY = (
    "              EncryptionConfiguration:\n"
    '                ReplicaKmsKeyID: !Sub "arn:${AWS::Partition}:kms:${AWS::Region}:'
    '${AWS::AccountId}:${ReplicaAlias}"\n'
)


def test_aliases_resolve_to_their_keys(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """R-027: the replica key, named by its alias ARN, is disabled: DstKmsKeyInvalidState."""
    text = _template(source=KMS_SOURCE, rule=OPT_IN, destination=REPLICA_KEY, more=KEYS)
    status, rows = _rows(capsys, tmp_path, text)
    assert status == 1
    assert _codes(rows) == [("R-027", "DstKmsKeyInvalidState")]
    (row,) = [r for r in rows if r["kind"] == "finding"]
    assert row["message"].startswith("KMS key arn:aws:kms:us-east-1:111122223333:key/")


def test_source_key_alias_names_the_key(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """R-067: without the opt-in, the finding names the source key the alias points to
    (no ReplicaKmsKeyID either: with it alone AWS refuses the configuration, R-042)."""
    text = _template(source=KMS_SOURCE, more=KEYS)
    status, rows = _rows(capsys, tmp_path, text)
    (row,) = [r for r in rows if r["kind"] == "finding"]
    assert status == 1
    assert row["requirement"] == "R-067"
    assert "with key arn:aws:kms:us-east-1:111122223333:key/" in row["message"]


KMS_PUTS_ONLY = """\
  SourcePolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Source
      PolicyDocument:
        Statement:
          - Sid: KmsPutsOnly
            Effect: Deny
            Principal: "*"
            Action: s3:PutObject
            Resource: !Sub "${Source.Arn}/*"
            Condition:
              StringNotEquals: {"s3:x-amz-server-side-encryption": "aws:kms"}
"""


def test_bucket_policy_that_makes_puts_kms(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-067: a policy refusing puts without SSE-KMS makes objects KMS by put."""
    status, rows = _rows(capsys, tmp_path, _template(more=KMS_PUTS_ONLY))
    assert status == 1
    (row,) = [r for r in rows if r["kind"] == "finding"]
    assert row["requirement"] == "R-067"
    assert "objects put with SSE-KMS do not replicate" in row["message"]


def test_bucket_policy_kms_puts_with_opt_in_is_clean(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-067: with the opt-in (and a replica key) the KMS-only source replicates."""
    keys = KEYS.replace("      Enabled: false\n", "")
    text = _template(rule=OPT_IN, destination=REPLICA_KEY, more=KMS_PUTS_ONLY + keys)
    status, rows = _rows(capsys, tmp_path, text)
    assert (status, _codes(rows)) == (0, [])


LOCKED = """\
      ObjectLockEnabled: true
      ObjectLockConfiguration:
        ObjectLockEnabled: Enabled
        Rule: {DefaultRetention: {Mode: GOVERNANCE, Days: 1}}
      OwnershipControls:
        Rules: [{ObjectOwnership: BucketOwnerPreferred}]
"""


def test_object_lock_source_needs_a_locked_destination(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-009, R-010: a lock source, an unlocked destination, no lock permissions."""
    status, rows = _rows(capsys, tmp_path, _template(source=LOCKED))
    assert status == 1
    codes = _codes(rows)
    assert ("R-009", "DstBucketObjectLockConfigMissing") in codes
    assert ("R-010", "SrcGetObjectNotPermitted") in codes


ODD = """\
Transform: AWS::Serverless-2016-10-31
Parameters:
  Unknown: {Type: String}
Conditions:
  Maybe: !Equals [!Ref Unknown, yes]
"""
ODD_RESOURCES = """\
  Nested:
    Type: AWS::CloudFormation::Stack
    Properties: {TemplateURL: https://example.com/t.yaml}
  Sometimes:
    Type: AWS::S3::Bucket
    Condition: Maybe
"""
ODD_ROLE = f"""\
      Policies:
        - PolicyName: odd
          PolicyDocument:
            Statement:
              - {{Effect: Allow, Action: {READ}, Resource: !ImportValue shared-source-arn}}
              - {{Effect: Allow, Action: !ImportValue shared-actions, Resource: "*"}}
              - {{Effect: Allow, Action: {WRITE}, Resource: !Sub "${{Replica.Arn}}/*"}}
              - {{Effect: Allow, Action: {CONFIG}, Resource: !GetAtt Source.Arn}}
"""


def test_what_a_template_does_not_say(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Transforms, nested stacks, undecidable conditions, unresolved policy parts: assumed."""
    text = _template(role=ODD_ROLE, more=ODD_RESOURCES).replace(
        'AWSTemplateFormatVersion: "2010-09-09"\n', 'AWSTemplateFormatVersion: "2010-09-09"\n' + ODD
    )
    status, rows = _rows(capsys, tmp_path, text)
    assumed = _assumed(rows)
    assert (status, _codes(rows)) == (0, [])
    for expected in (
        "the template has a Transform",
        "nested stack Nested is not read",
        "condition Maybe of Sometimes cannot be decided",
        "Resource of statement 1 of policy odd of role Role is not given",
        "statement 2 of policy odd of role Role is not fully given",
    ):
        assert any(expected in message for message in assumed), expected


def test_problems_are_printed_with_their_element(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-034: a V2 rule without Priority, printed with its element in the text report."""
    path = tmp_path / "stack.yaml"
    path.write_text(_template().replace("            Priority: 1\n", ""), encoding="utf-8")
    status = main(["check", str(path), "--account", "111122223333"])
    out = capsys.readouterr().out
    assert status == 1
    assert "InvalidRequest  R-034  rule all" in out
    assert "at ReplicationConfiguration/Rule[1]/Priority" in out
    assert "Findings not evaluated" in out
    assert "(some not evaluated)" in out


def test_schema_break_is_malformed_xml(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """R-045: a configuration S3 would not parse is a MalformedXML problem, not a crash."""
    text = _template().replace("            Status: Enabled\n", "            Status: Sometimes\n")
    status, rows = _rows(capsys, tmp_path, text)
    assert status == 1
    assert _codes(rows) == [("R-045", "MalformedXML")]


def test_unsupported_condition_operator_is_assumed_away(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-155: a statement s3repl cannot evaluate is left out, and the report says so."""
    role = INLINE.replace(
        '              - {Effect: Allow, Action: "kms:*", Resource: "*"}\n',
        '              - {Effect: Allow, Action: "kms:*", Resource: "*",'
        ' Condition: {IpAddressMagic: {"aws:SourceIp": 10.0.0.0/8}}}\n',
    )
    status, rows = _rows(capsys, tmp_path, _template(role=role))
    assert (status, _codes(rows)) == (0, [])
    assert any("has a condition s3repl cannot evaluate" in m for m in _assumed(rows))


def test_names_that_depend_on_each_other(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A circular BucketName (CloudFormation refuses it) is an assumption, not a crash."""
    text = _template().replace(
        "      BucketName: res-replica-bucket\n", "      BucketName: !Sub '${Source}-copy'\n"
    )
    text = text.replace(
        "      BucketName: res-source-bucket\n", "      BucketName: !Sub '${Replica}-src'\n"
    )
    status, rows = _rows(capsys, tmp_path, text)
    assert (status, _codes(rows)) == (0, [])
    assert _assumed(rows) == [
        "BucketName of Source is not given (BucketName of Source depends on itself): "
        "assumed 'stack-source'"
    ]
    main(["check", str(tmp_path / "stack.yaml"), "--account", "111122223333"])
    out = capsys.readouterr().out
    # every reference sees the one stand-in: the source is stack-source, its copy follows it
    assert "Source bucket stack-source, Source" in out


def test_roles_the_template_cannot_name_or_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-155: a role named by a missing parameter keeps its policies under a stated
    stand-in name; a trust policy that cannot be read is assumed to trust S3 (R-006)."""
    text = _template(
        role=INLINE + "      RoleName: !Ref RoleNameParameter\n",
    ).replace("Resources:\n", "Parameters:\n  RoleNameParameter: {Type: String}\nResources:\n")
    status, rows = _rows(capsys, tmp_path, text)
    assert (status, _codes(rows)) == (0, [])
    assert _assumed(rows) == [
        "RoleName of Role is not given (parameter RoleNameParameter has no Default and no "
        "--parameter RoleNameParameter=VALUE): assumed 'stack-Role'"
    ]
    broken = text.replace(", s3:GetObjectVersionTagging]", "]")
    status, rows = _rows(capsys, tmp_path, broken)
    assert (status, _codes(rows)) == (1, [("R-155", "SrcGetTaggingNotPermitted")])
    unreadable = _template().replace("Action: sts:AssumeRole}", "Action: [7]}")
    status, rows = _rows(capsys, tmp_path, unreadable)
    assert (status, _codes(rows)) == (0, [])
    assert any("the trust policy of role Role cannot be read" in m for m in _assumed(rows))


OTHER_TYPES = """\
  Topic:
    Type: AWS::SNS::Topic
  Tagged:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      ManagedPolicyName: tagging
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: s3:GetObjectVersionTagging
            Resource: "*"
            Condition:
              StringNotEquals:
                aws:SourceArn:
                  - !Ref Topic
                  - !GetAtt Source.DomainName
                  - !GetAtt Source.RegionalDomainName
"""


def test_values_of_resources_that_are_not_modelled(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-155: a statement naming an unmodelled resource's id is left out, and said so."""
    role = INLINE + "      ManagedPolicyArns: [!GetAtt Tagged.PolicyArn]\n"
    status, rows = _rows(capsys, tmp_path, _template(role=role, more=OTHER_TYPES))
    assert (status, _codes(rows)) == (0, [])
    assert any("Ref Topic: the physical id of a AWS::SNS::Topic" in m for m in _assumed(rows))
