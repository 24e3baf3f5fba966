"""Write the starting corpus of every fuzz target into ``fuzz/corpus/`` (run once).

Seeds are valid documents (from ``examples/`` and the codecs' own encoders), so the
fuzzer starts deep inside each decoder instead of at "not XML". Run it again after
adding a target::

    python fuzz/seed_corpus.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's s3repl

from s3repl import codec, iam
from s3repl.codec import _replication
from s3repl.codec import documents as _documents
from s3repl.codec._shapes import Document, ListOf, Scalar, Structure
from s3repl.model import ObjectLockConfiguration, ObjectOwnership, VersioningStatus
from s3repl.model.acl import Acl, Grant, Grantee, GranteeType, Permission
from s3repl.model.bucket import DefaultEncryption
from s3repl.model.lock import DefaultRetention

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "examples"


def _write(target: str, data: bytes) -> None:
    folder = HERE / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"seed-{hashlib.sha1(data).hexdigest()[:12]}").write_bytes(data)


def _names(shape: object, out: set[str]) -> None:
    """Every member and XML element name of a codec shape."""
    if isinstance(shape, Structure):
        for member in shape.members:
            out.update((member.name, member.xml))
            _names(member.shape, out)
    elif isinstance(shape, ListOf):
        out.add(shape.item_name)
        _names(shape.member, out)
    elif isinstance(shape, Scalar):
        out.update(shape.values)


def _dictionaries() -> None:
    """One libFuzzer dictionary per target: the names and enum values of its schema."""
    shapes = [
        value
        for module in (_replication, _documents)
        for value in vars(module).values()
        if isinstance(value, Document)
    ]
    names: set[str] = {"ResponseMetadata", "Enabled", "Disabled", "arn:aws:s3:::", "arn:aws:iam::"}
    for document in shapes:
        names.add(document.root)
        _names(document.shape, names)
    world = {
        "description",
        "seed",
        "profile",
        "accounts",
        "roles",
        "kms_keys",
        "buckets",
        "id",
        "regions",
        "arn",
        "policy",
        "trusted",
        "enabled",
        "name",
        "account",
        "region",
        "versioning",
        "object_lock",
        "object_lock_configuration",
        "ownership",
        "requester_pays",
        "encryption",
        "replication",
        "Suspended",
        "us-east-1",
    }
    policy = {
        "Version",
        "2012-10-17",
        "Statement",
        "Sid",
        "Effect",
        "Allow",
        "Deny",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "StringEquals",
        "StringLike",
        "Bool",
        "AWS",
        "Service",
        "*",
        "s3:ReplicateObject",
        "aws:SourceArn",
    }
    folder = HERE / "dicts"
    folder.mkdir(exist_ok=True)
    for name, words in (("xml", names), ("json", names | world), ("policy", policy)):
        tokens = sorted(words)
        if name == "xml":
            tokens += [f"<{w}>" for w in sorted(words)] + [f"</{w}>" for w in sorted(words)]
        else:
            tokens = [f'"{w}"' for w in tokens] + ["{", "}", "[", "]", ":", ",", "null", "true"]
        lines = [
            f'"{t.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
            for t in tokens
        ]
        (folder / f"{name}.dict").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    """Write the seeds and the dictionaries."""
    _dictionaries()
    configs = [
        codec.replication_from_dict(json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(EXAMPLES.glob("replication-*.json"))
        if "broken" not in path.name and "mistyped" not in path.name
    ]
    for config in configs:
        _write("replication_xml", codec.replication_to_xml(config).encode())
        _write("replication_dict", json.dumps(codec.replication_to_dict(config)).encode())
    for status in (VersioningStatus.ENABLED, VersioningStatus.SUSPENDED):
        _write("versioning_xml", codec.versioning_to_xml(status).encode())
        _write("versioning_dict", json.dumps(codec.versioning_to_dict(status)).encode())
    lock = ObjectLockConfiguration(default_retention=DefaultRetention(mode="GOVERNANCE", days=30))
    _write("object_lock_xml", codec.object_lock_configuration_to_xml(lock).encode())
    _write("object_lock_dict", json.dumps(codec.object_lock_configuration_to_dict(lock)).encode())
    tags = {"project": "blue", "team": "storage"}
    _write("tagging_xml", codec.tagging_to_xml(tags).encode())
    _write("tagging_dict", json.dumps(codec.tagging_to_dict(tags)).encode())
    acl = Acl(
        owner="123456789012",
        grants=(
            Grant(
                grantee=Grantee(type=GranteeType.CANONICAL_USER, id="123456789012"),
                permission=Permission.FULL_CONTROL,
            ),
        ),
    )
    _write("acl_xml", codec.acl_to_xml(acl).encode())
    _write("acl_dict", json.dumps(codec.acl_to_dict(acl)).encode())
    _write("ownership_xml", codec.ownership_controls_to_xml(ObjectOwnership.OBJECT_WRITER).encode())
    _write(
        "ownership_dict",
        json.dumps(codec.ownership_controls_to_dict(ObjectOwnership.OBJECT_WRITER)).encode(),
    )
    sse = DefaultEncryption(
        sse_algorithm="aws:kms",
        kms_master_key_id="arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    )
    _write("encryption_xml", codec.default_encryption_to_xml(sse).encode())
    _write("encryption_dict", json.dumps(codec.default_encryption_to_dict(sse)).encode())
    _write("world", (EXAMPLES / "world.json").read_bytes())
    policy = iam.destination_bucket_policy(
        "replica-bucket", principal="arn:aws:iam::123456789012:role/r"
    )
    _write("policy", json.dumps(iam.policy_to_dict(policy)).encode())


if __name__ == "__main__":
    main()
