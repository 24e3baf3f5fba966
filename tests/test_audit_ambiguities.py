"""Where AWS is ambiguous: the best evidence is the default, the other reading a switch.

- R-123, the aggregate status while one destination has FAILED and another is still
  PENDING.  AWS's HeadObject text (BC ``HeadObjectOutput.ReplicationStatus``) says the
  header "will remain at value PENDING until replication has completed for all
  destinations" and "If one or more destinations fails replication the header will
  return FAILED": a failed destination never completes, so the second sentence decides
  (default: ``FAILED`` at once).  ``Profile.aggregate_pending_until_all_finish`` reads
  the first sentence as precedence instead (``PENDING`` until every destination ends).
- R-042's converse, ``ReplicaKmsKeyID`` without ``SseKmsEncryptedObjects``.  AWS's own
  400 answer is on record (OBS: a Terraform apply printing AWS's response with request
  id and host id, "InvalidRequest: SseKmsEncryptedObjects must be specified if
  EncryptionConfiguration is present."; the same refusal reported in
  hashicorp/terraform-provider-aws#26241): refused by default.
  ``Profile.accept_replica_key_without_kms_opt_in`` accepts it, the key then serving no
  object (SSE-KMS objects stay ineligible, R-067).
"""

from __future__ import annotations

from typing import Any

import pytest

from s3repl import Engine, Profile
from s3repl.errors import InvalidRequest
from s3repl.model import FailureReason, ReplicationStatus, ServerSideEncryption
from s3repl.testing.invariants import check_aggregate_status
from s3repl.validate import validate_replication

ROLE = "arn:aws:iam::123456789012:role/repl"
OPT_IN_MESSAGE = "SseKmsEncryptedObjects must be specified if EncryptionConfiguration is present."


def _rule(rule_id: str, priority: int, bucket: str, **extra: Any) -> dict[str, Any]:
    return {
        "ID": rule_id,
        "Priority": priority,
        "Status": "Enabled",
        "Filter": {},
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "Destination": {"Bucket": f"arn:aws:s3:::{bucket}"},
        **extra,
    }


def two_destinations(profile: Profile | None = None) -> Engine:
    """src -> d-one and d-two; d-two's versioning is suspended after configuring."""
    eng = Engine(seed=4, profile=profile)
    eng.create_bucket("src", versioning=True)
    eng.create_bucket("d-one", versioning=True)
    eng.create_bucket("d-two", versioning=True)
    eng.create_role(ROLE)
    rules = [_rule("one", 1, "d-one"), _rule("two", 2, "d-two")]
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": rules})
    eng.put_bucket_versioning("d-two", "Suspended")
    return eng


def _fail_d_two_first(eng: Engine) -> None:
    eng.put_object("src", "k", b"x")
    (task,) = [t for t in eng.pending() if t.destination_bucket == "d-two"]
    result = eng.step(task)
    assert result.failure_reason is FailureReason.DST_BUCKET_UNVERSIONED


def test_r123_failed_wins_while_another_destination_is_pending() -> None:
    """R-123 (default): one destination FAILED, the other PENDING: the header is FAILED."""
    eng = two_destinations()
    _fail_d_two_first(eng)
    assert eng.head_object("src", "k").replication_status is ReplicationStatus.FAILED
    eng.run()
    assert eng.head_object("src", "k").replication_status is ReplicationStatus.FAILED
    assert eng.head_object("d-one", "k").replication_status is ReplicationStatus.REPLICA


def test_r123_pending_until_all_finish_under_the_switch() -> None:
    """R-123 (switch aggregate_pending_until_all_finish): PENDING while d-one is still
    pending although d-two failed; FAILED once d-one completed."""
    eng = two_destinations(Profile.aws().evolve(aggregate_pending_until_all_finish=True))
    _fail_d_two_first(eng)
    assert eng.head_object("src", "k").replication_status is ReplicationStatus.PENDING
    eng.run()
    assert eng.head_object("src", "k").replication_status is ReplicationStatus.FAILED


@pytest.mark.parametrize("pending_first", [False, True])
def test_r123_the_invariant_follows_the_profile(*, pending_first: bool) -> None:
    """R-123: the shipped aggregate invariant reads the profile's switch, so a world in
    either reading checks clean after every step."""
    profile = Profile.aws().evolve(aggregate_pending_until_all_finish=pending_first)
    eng = two_destinations(profile)
    _fail_d_two_first(eng)
    check_aggregate_status(eng)
    eng.run()
    check_aggregate_status(eng)


# --- ReplicaKmsKeyID without SseKmsEncryptedObjects ---------------------------------------------


def _world(profile: Profile | None = None) -> tuple[Engine, dict[str, Any]]:
    eng = Engine(seed=4, profile=profile)
    eng.create_bucket("src", versioning=True)
    eng.create_bucket("dst", versioning=True)
    eng.create_role(ROLE)
    key = eng.create_kms_key()
    rule = _rule("r", 1, "dst")
    rule["Destination"]["EncryptionConfiguration"] = {"ReplicaKmsKeyID": key}
    return eng, {"Role": ROLE, "Rules": [rule]}


def test_r042_replica_key_without_the_opt_in_is_refused() -> None:
    """R-042 (OBS): EncryptionConfiguration without SseKmsEncryptedObjects is AWS's
    InvalidRequest (400) with its exact message, and nothing is stored."""
    eng, config = _world()
    with pytest.raises(InvalidRequest) as caught:
        eng.put_bucket_replication("src", config)
    assert (caught.value.code, caught.value.http_status) == ("InvalidRequest", 400)
    assert caught.value.message == OPT_IN_MESSAGE
    (problem,) = validate_replication(eng, "src", config)
    assert problem.requirement == "R-042"
    assert eng.get_bucket("src").replication is None


def test_r042_an_opt_in_present_but_disabled_satisfies_the_element_check() -> None:
    """R-042: AWS's message asks for the element; SseKmsEncryptedObjects Disabled with a
    replica key is accepted (its own R-042 check needs only the key)."""
    eng, config = _world()
    config["Rules"][0]["SourceSelectionCriteria"] = {
        "SseKmsEncryptedObjects": {"Status": "Disabled"}
    }
    eng.put_bucket_replication("src", config)


def test_r042_switch_accepts_the_key_which_then_serves_no_object() -> None:
    """R-042, R-067 (switch accept_replica_key_without_kms_opt_in): accepted; SSE-KMS
    objects are still not eligible and SSE-S3 ones replicate as SSE-S3 (R-082)."""
    eng, config = _world(Profile.aws().evolve(accept_replica_key_without_kms_opt_in=True))
    eng.put_bucket_replication("src", config)
    kms = eng.put_object("src", "kms", b"x", server_side_encryption="aws:kms")
    assert kms.replication_status is None
    eng.put_object("src", "plain", b"y")
    eng.run()
    replica = eng.head_object("dst", "plain")
    assert replica.server_side_encryption is ServerSideEncryption.SSE_S3
    assert replica.sse_kms_key_id is None
