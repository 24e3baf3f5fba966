"""The JSON world-file loader (``s3repl._worldfile``): what it builds, and how it refuses.

Every value goes through the engine's own methods, so these tests check that the
loader wires each key to the right call and that every refusal names its place in
the file (``buckets[2].region``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from s3repl._worldfile import WorldFileError, load_world, load_world_file
from s3repl.iam import can_assume
from s3repl.model import ObjectOwnership, VersioningStatus
from s3repl.profile import Profile
from s3repl.validate import role_allows

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ROLE = "arn:aws:iam::123456789012:role/replication"
KEY = "arn:aws:kms:eu-west-1:444455556666:key/0f5a8c2e-6b1d-4c3a-9e7f-2d4b6a8c0e1f"
DISABLED_KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def _full_world() -> dict[str, Any]:
    return {
        "description": "every key of the format",
        "seed": 7,
        "profile": {"reject_duplicate_priorities": False, "missing_tag_read_permission": "fail"},
        "accounts": [{"id": "444455556666", "regions": ["af-south-1"]}],
        "roles": [
            {"arn": ROLE},
            {"arn": "arn:aws:iam::123456789012:role/untrusted", "trusted": False},
            {
                "arn": "arn:aws:iam::123456789012:role/narrow",
                "policy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "s3:ReplicateObject", "Resource": "*"}
                    ],
                },
            },
        ],
        "kms_keys": [
            {"arn": KEY},
            {"arn": DISABLED_KEY, "enabled": False},
        ],
        "buckets": [
            {
                "name": "source-bucket",
                "versioning": "Enabled",
                "replication": {
                    "Role": ROLE,
                    "Rules": [
                        {
                            "ID": "all",
                            "Priority": 1,
                            "Status": "Enabled",
                            "Filter": {},
                            "DeleteMarkerReplication": {"Status": "Disabled"},
                            "Destination": {"Bucket": "arn:aws:s3:::later-bucket"},
                        }
                    ],
                },
            },
            {
                "name": "partner-bucket",
                "account": "444455556666",
                "region": "af-south-1",
                "versioning": "Suspended",
                "ownership": "ObjectWriter",
                "requester_pays": True,
                "encryption": {
                    "Rules": [
                        {
                            "ApplyServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": KEY,
                            }
                        }
                    ]
                },
                "policy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": ROLE},
                            "Action": "s3:ReplicateObject",
                            "Resource": "arn:aws:s3:::partner-bucket/*",
                        }
                    ],
                },
            },
            {
                "name": "locked-bucket",
                "region": "eu-west-1",
                "object_lock": True,
                "object_lock_configuration": {
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}},
                },
            },
            {"name": "later-bucket", "region": "eu-west-1", "versioning": "Enabled"},
        ],
    }


def _error(data: dict[str, Any]) -> WorldFileError:
    with pytest.raises(WorldFileError) as caught:
        load_world(data)
    return caught.value


def test_every_key_reaches_the_engine() -> None:
    """Each world-file key sets what its engine call sets: accounts and opt-in regions
    (R-001), role trust (R-006), bucket policies (R-012), Requester Pays (R-013), KMS
    keys under the file's ARN (R-027), Object Lock (R-009) and a replication
    configuration put after all buckets exist (R-003)."""
    engine = load_world(_full_world())
    world = engine.snapshot()
    assert engine.seed == 7
    assert world.profile == Profile.aws().evolve(
        reject_duplicate_priorities=False, missing_tag_read_permission="fail"
    )
    assert world.account("444455556666").region_enabled("af-south-1")
    assert can_assume(world.roles[ROLE].trust_policy)
    assert not can_assume(world.roles["arn:aws:iam::123456789012:role/untrusted"].trust_policy)
    assert world.kms_keys[KEY].region == "eu-west-1"
    assert world.kms_keys[KEY].account == "444455556666"
    assert world.kms_keys[KEY].usable
    assert not world.kms_keys[DISABLED_KEY].usable
    assert len(world.kms_keys) == 2
    partner = engine.get_bucket("partner-bucket")
    assert partner.owner == "444455556666"
    assert partner.region == "af-south-1"
    assert partner.versioning is VersioningStatus.SUSPENDED
    assert partner.ownership is ObjectOwnership.OBJECT_WRITER
    assert partner.requester_pays
    assert partner.default_encryption.kms_master_key_id == KEY
    assert "partner-bucket" in world.bucket_policies
    locked = engine.get_bucket("locked-bucket")
    assert locked.object_lock_enabled
    assert locked.versioning is VersioningStatus.ENABLED
    assert locked.object_lock is not None
    assert locked.object_lock.default_retention is not None
    assert locked.object_lock.default_retention.days == 30
    source = engine.get_bucket_replication("source-bucket")
    assert source.rules[0].destination.bucket_name == "later-bucket"
    assert engine.get_bucket("later-bucket").versioning is VersioningStatus.ENABLED


def test_versioning_null_means_never_versioned() -> None:
    """A bucket without ``versioning`` was never versioned: the state R-002 and R-003
    refuse as a source or a destination."""
    engine = load_world({"buckets": [{"name": "plain-bucket"}]})
    bucket = engine.get_bucket("plain-bucket")
    assert bucket.versioning is VersioningStatus.UNVERSIONED
    assert bucket.owner == "123456789012"
    assert bucket.region == "us-east-1"


def test_loading_is_deterministic() -> None:
    """The same file builds the same world twice, generated ids included (determinism
    contract of DESIGN.md; KMS key ARNs of R-027 are the file's)."""
    first = load_world(_full_world()).snapshot()
    second = load_world(_full_world()).snapshot()
    assert first == second


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"colour": "blue"}, "colour"),
        ({"buckets": [{"name": "a-bucket", "colour": "blue"}]}, "buckets[0].colour"),
        ({"accounts": [{"id": "444455556666", "zones": []}]}, "accounts[0].zones"),
        ({"roles": [{"arn": ROLE, "trust": True}]}, "roles[0].trust"),
        ({"kms_keys": [{"arn": KEY, "alias": "k"}]}, "kms_keys[0].alias"),
        ({"profile": {"no_such_switch": True}}, "profile.no_such_switch"),
    ],
)
def test_unknown_keys_are_refused_by_path(data: dict[str, Any], path: str) -> None:
    """An unknown key is an error naming it, so a typo never silently weakens the world
    a configuration is checked against (file format; SPEC section 13 for profile)."""
    error = _error(data)
    assert error.path == path
    assert "unknown" in error.reason


@pytest.mark.parametrize(
    ("data", "path", "text"),
    [
        (
            {"buckets": [{"name": "a-bucket"}, {"name": "b-bucket"}, {"name": "c", "region": "x"}]},
            "buckets[2].region",
            "Unknown region 'x'",
        ),
        ({"buckets": [{"name": "Bad_Name"}]}, "buckets[0].name", "InvalidBucketName"),
        ({"buckets": [{"name": "a-bucket", "account": "12"}]}, "buckets[0].account", "12 digits"),
        ({"accounts": [{"id": "444455556666", "regions": ["mars-1"]}]}, "accounts[0].regions[0]",
         "Unknown region"),
        ({"roles": [{"arn": "arn:aws:iam::123:role/x"}]}, "roles[0].arn", "Invalid role ARN"),
        ({"roles": [{"arn": ROLE, "policy": {"Statement": "nope"}}]}, "roles[0].policy",
         "MalformedPolicy"),
        ({"kms_keys": [{"arn": "arn:aws:kms:eu-west-1:444455556666:alias/k"}]}, "kms_keys[0].arn",
         "aliases are not modelled"),
        ({"kms_keys": [{"arn": KEY}, {"arn": KEY}]}, "kms_keys[1].arn", "duplicate"),
        ({"buckets": [{"name": "a-bucket", "versioning": "On"}]}, "buckets[0].versioning",
         "expected 'Enabled', 'Suspended' or null"),
        ({"buckets": [{"name": "a-bucket", "object_lock": "yes"}]}, "buckets[0].object_lock",
         "expected true or false"),
        ({"buckets": [{"name": "a-bucket", "ownership": "Mine"}]}, "buckets[0].ownership",
         "InvalidArgument"),
        ({"buckets": [{"name": "a-bucket", "versioning": "Suspended", "object_lock": True}]},
         "buckets[0].versioning", "InvalidBucketState"),
        ({"buckets": [{"region": "us-east-1"}]}, "buckets[0].name", "required"),
        ({"buckets": {"name": "a-bucket"}}, "buckets", "expected a list"),
        ({"buckets": ["a-bucket"]}, "buckets[0]", "expected an object"),
        ({"buckets": [None]}, "buckets[0]", "expected an object, got null"),
        ({"accounts": [{"id": "444455556666", "regions": [5]}]}, "accounts[0].regions[0]",
         "expected a string, got int"),
        ({"seed": "7"}, "seed", "expected an integer"),
        ({"profile": {"reject_duplicate_priorities": "no"}}, "profile.reject_duplicate_priorities",
         "expected true or false"),
        ({"profile": {"config_propagation_delay_steps": -1}},
         "profile.config_propagation_delay_steps", "must be >= 0"),
        ({"profile": {"destination_version_order": "newest"}},
         "profile.destination_version_order", "newest"),
    ],
)  # fmt: skip
def test_bad_values_are_refused_by_path(data: dict[str, Any], path: str, text: str) -> None:
    """A value the engine refuses (a bad region, R-001; a role ARN, R-006; an Object Lock
    bucket that would not be versioned, R-009) is reported at its place in the file,
    with the engine's reason."""
    error = _error(data)
    assert error.path == path
    assert text in error.reason
    assert str(error) == f"{path}: {error.reason}"


def test_replication_in_the_world_is_validated_as_aws_would() -> None:
    """A bucket's ``replication`` goes through PutBucketReplication, so an unversioned
    destination is refused with AWS's own R-003 message, at the bucket's path."""
    data = {
        "buckets": [
            {"name": "plain-bucket"},
            {
                "name": "source-bucket",
                "versioning": "Enabled",
                "replication": {
                    "Role": ROLE,
                    "Rules": [
                        {
                            "Priority": 1,
                            "Status": "Enabled",
                            "Filter": {},
                            "DeleteMarkerReplication": {"Status": "Disabled"},
                            "Destination": {"Bucket": "arn:aws:s3:::plain-bucket"},
                        }
                    ],
                },
            },
        ]
    }
    error = _error(data)
    assert error.path == "buckets[1].replication"
    assert error.reason == "InvalidRequest: Destination bucket must have versioning enabled."


def test_load_world_file_reads_the_example() -> None:
    """``examples/world.json`` loads and holds what ``s3repl check`` needs: the role
    without ``s3:ReplicateDelete`` (R-155) and a destination in an opt-in region the
    owner never enabled (R-001)."""
    engine = load_world_file(EXAMPLES / "world.json")
    world = engine.snapshot()
    assert engine.get_bucket("replica-cape-town").region == "af-south-1"
    assert not world.account("123456789012").region_enabled("af-south-1")
    role = "arn:aws:iam::123456789012:role/s3-replication"
    assert role_allows(world, role, "s3:ReplicateObject", "arn:aws:s3:::replica-eu/x")
    assert not role_allows(world, role, "s3:ReplicateDelete", "arn:aws:s3:::replica-eu/x")


def test_load_world_file_refuses_unreadable_and_non_json(tmp_path: Path) -> None:
    """A missing file and a file that is not JSON are WorldFileErrors for the whole file
    (path ``""``), so the command can exit 2 with the reason (file format; no R-nnn)."""
    absent = tmp_path / "absent.json"
    with pytest.raises(WorldFileError, match="cannot read it: No such file") as missing:
        load_world_file(absent)
    assert missing.value.path == ""
    # The file is named once (the CLI prints the error as it is, without a prefix).
    assert str(missing.value).count(str(absent)) == 1
    assert str(missing.value).startswith(f"world file {absent}: ")
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json", encoding="utf-8")
    with pytest.raises(WorldFileError, match="cannot read it as JSON"):
        load_world_file(broken)
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([1, 2]), encoding="utf-8")
    with pytest.raises(WorldFileError, match="expected an object"):
        load_world_file(listed)
