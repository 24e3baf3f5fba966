"""The documents and the small world the AWS-face tests share: a replication role and rule."""

from __future__ import annotations

import json
from typing import Any

from s3repl import Engine
from s3repl.iam import REPLICATION_ROLE_ACTIONS

ROLE_ARN = "arn:aws:iam::123456789012:role/repl"

#: The trust policy that lets S3 assume a role (JSON text, as IAM takes it).
TRUST_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)

#: A role policy with the minimal replication permissions, on every resource.
REPLICATION_PERMISSIONS = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": list(REPLICATION_ROLE_ACTIONS), "Resource": "*"}
        ],
    }
)


def replication_config(role: str = ROLE_ARN, destination: str = "dst") -> dict[str, Any]:
    """One enabled rule for every key (``Filter: {}``), delete markers included."""
    return {
        "Role": role,
        "Rules": [
            {
                "ID": "all",
                "Priority": 1,
                "Status": "Enabled",
                "Filter": {},
                "DeleteMarkerReplication": {"Status": "Enabled"},
                "Destination": {"Bucket": f"arn:aws:s3:::{destination}"},
            }
        ],
    }


def replicating_engine(seed: int = 3) -> Engine:
    """Versioned ``src`` (us-east-1) replicating to versioned ``dst`` (eu-west-1)."""
    engine = Engine(seed=seed)
    engine.create_bucket("src", versioning=True)
    engine.create_bucket("dst", region="eu-west-1", versioning=True)
    engine.create_role(ROLE_ARN)
    engine.put_bucket_replication("src", replication_config())
    return engine
