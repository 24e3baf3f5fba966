"""The engine's control plane and object semantics: buckets, versioning, configuration
calls (T-01, T-02, T-34, T-35), reads of delete markers, Object Lock deletes, snapshots,
forks and determinism."""

from __future__ import annotations

import datetime as dt
import pickle
import re
from typing import Any

import pytest

from s3repl import Engine, NothingPendingError, ReplicationStatus, StepLimitExceededError
from s3repl.errors import (
    AccessControlListNotSupported,
    AccessDenied,
    BucketAlreadyExists,
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    InvalidBucketName,
    InvalidBucketState,
    InvalidRequest,
    MalformedXML,
    MethodNotAllowed,
    NoSuchBucket,
    NoSuchKey,
    NoSuchVersion,
    ReplicationConfigurationNotFoundError,
    UnknownTaskError,
)
from s3repl.model import DeleteMarker, ObjectOwnership

ROLE = "arn:aws:iam::123456789012:role/repl"
CONFIG: dict[str, Any] = {
    "Role": ROLE,
    "Rules": [
        {
            "Priority": 1,
            "Status": "Enabled",
            "Filter": {},
            "DeleteMarkerReplication": {"Status": "Enabled"},
            "Destination": {"Bucket": "arn:aws:s3:::dst"},
        }
    ],
}


def replicating() -> Engine:
    """``src`` -> ``dst``, both versioned, one V2 rule without an ID."""
    eng = Engine(seed=7)
    eng.create_bucket("src", versioning=True)
    eng.create_bucket("dst", region="eu-west-1", versioning=True)
    eng.create_role(ROLE)
    eng.put_bucket_replication("src", CONFIG)
    return eng


def test_t01_get_without_configuration() -> None:
    """T-01 (R-049): Get on a bucket without configuration -> 404 with AWS's text and bucket."""
    eng = Engine()
    eng.create_bucket("src", versioning=True)
    with pytest.raises(ReplicationConfigurationNotFoundError) as err:
        eng.get_bucket_replication("src")
    assert err.value.http_status == 404
    assert err.value.message == "The replication configuration was not found"
    assert err.value.bucket_name == "src"


@pytest.mark.parametrize("call", ["get_bucket_replication", "delete_bucket_replication"])
def test_t02_missing_bucket(call: str) -> None:
    """T-02 (R-050): configuration calls on a missing bucket -> NoSuchBucket 404."""
    with pytest.raises(NoSuchBucket) as err:
        getattr(Engine(), call)("missing")
    assert err.value.message == "The specified bucket does not exist"
    assert err.value.http_status == 404


def test_t10_generated_rule_ids_are_echoed() -> None:
    """T-10 (R-021, R-053): a rule without ID is stored and returned with a generated one."""
    eng = replicating()
    (stored,) = eng.get_bucket_replication("src").rules
    assert stored.id
    assert len(stored.id) <= 255


def test_t34_delete_is_idempotent() -> None:
    """T-34 (R-051): deleting the configuration twice succeeds twice."""
    eng = replicating()
    eng.delete_bucket_replication("src")
    eng.delete_bucket_replication("src")
    with pytest.raises(ReplicationConfigurationNotFoundError):
        eng.get_bucket_replication("src")


def test_t35_versioning_is_locked_while_configured() -> None:
    """T-35 (R-004): suspending a source with a configuration -> InvalidBucketState 409."""
    eng = replicating()
    with pytest.raises(InvalidBucketState) as err:
        eng.put_bucket_versioning("src", "Suspended")
    assert err.value.http_status == 409
    assert err.value.message == (
        "A replication configuration is present on this bucket, so you cannot change the "
        "versioning state. To change the versioning state, first delete the replication "
        "configuration."
    )
    eng.put_bucket_versioning("src", "Enabled")  # R-004 [INF]: a no-op, not an error
    eng.delete_bucket_replication("src")
    eng.put_bucket_versioning("src", "Suspended")
    assert not eng.get_bucket("src").is_versioned


def test_put_replaces_whole_configuration() -> None:
    """R-048: a second put replaces the first entirely."""
    eng = replicating()
    eng.create_bucket("dst2", versioning=True)
    second = {
        **CONFIG,
        "Rules": [
            {**CONFIG["Rules"][0], "ID": "only", "Destination": {"Bucket": "arn:aws:s3:::dst2"}}
        ],
    }
    eng.put_bucket_replication("src", second)
    assert [r.id for r in eng.get_bucket_replication("src").rules] == ["only"]


def test_failed_put_changes_nothing() -> None:
    """R-055: a rejected configuration leaves the previous one in place."""
    eng = replicating()
    before = eng.get_bucket_replication("src")
    with pytest.raises(MalformedXML):
        eng.put_bucket_replication("src", {"Role": ROLE, "Rules": []})
    with pytest.raises(InvalidRequest):
        eng.put_bucket_replication(
            "src",
            {
                **CONFIG,
                "Rules": [{**CONFIG["Rules"][0], "Destination": {"Bucket": "arn:aws:s3:::nope"}}],
            },
        )
    assert eng.get_bucket_replication("src") == before


def test_configuration_from_xml() -> None:
    """R-020: the engine accepts the S3 XML document as well as the boto3 dict."""
    eng = Engine()
    eng.create_bucket("src", versioning=True)
    eng.create_bucket("dst", versioning=True)
    eng.create_role(ROLE)
    xml = (
        '<ReplicationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"<Role>{ROLE}</Role><Rule><ID>x</ID><Priority>1</Priority><Status>Enabled</Status>"
        "<Filter/><DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication>"
        "<Destination><Bucket>arn:aws:s3:::dst</Bucket></Destination></Rule>"
        "</ReplicationConfiguration>"
    )
    stored = eng.put_bucket_replication("src", xml)
    assert stored.rules[0].id == "x"


def test_non_owner_may_not_configure() -> None:
    """R-007, R-054: another account without a bucket policy grant gets AccessDenied."""
    eng = replicating()
    eng.create_account("444455556666")
    with pytest.raises(AccessDenied):
        eng.put_bucket_replication("src", CONFIG, account="444455556666")


def test_bucket_naming_and_ownership_rules() -> None:
    """Bucket names follow the S3 rules; names are global across accounts."""
    eng = Engine()
    with pytest.raises(InvalidBucketName):
        eng.create_bucket("Bad_Name")
    eng.create_bucket("taken")
    with pytest.raises(BucketAlreadyOwnedByYou):
        eng.create_bucket("taken")
    with pytest.raises(BucketAlreadyExists):
        eng.create_bucket("taken", account="444455556666")
    assert eng.get_bucket("taken").ownership is ObjectOwnership.BUCKET_OWNER_ENFORCED


def test_delete_bucket_needs_empty_bucket() -> None:
    """DeleteBucket refuses a bucket that still holds versions."""
    eng = Engine()
    eng.create_bucket("bkt", versioning=True)
    eng.put_object("bkt", "k", b"x")
    with pytest.raises(BucketNotEmpty):
        eng.delete_bucket("bkt")


def test_delete_marker_reads() -> None:
    """A current delete marker hides the key (NoSuchKey); its version id answers
    MethodNotAllowed; an unknown version id answers NoSuchVersion."""
    eng = Engine()
    eng.create_bucket("bkt", versioning=True)
    v = eng.put_object("bkt", "k", b"x")
    marker = eng.delete_object("bkt", "k")
    assert marker.delete_marker
    with pytest.raises(NoSuchKey):
        eng.head_object("bkt", "k")
    with pytest.raises(MethodNotAllowed):
        eng.head_object("bkt", "k", version_id=marker.version_id)
    with pytest.raises(NoSuchVersion):
        eng.head_object("bkt", "k", version_id="nope")
    assert eng.head_object("bkt", "k", version_id=v.version_id).is_latest is False
    listed = eng.list_object_versions("bkt")
    assert [type(x).__name__ for x in listed] == ["DeleteMarker", "ObjectVersion"]
    assert [x.is_latest for x in listed] == [True, False]


def test_null_versions() -> None:
    """Unversioned buckets write the ``null`` version and overwrite it; a suspended
    bucket's delete leaves a ``null`` delete marker."""
    eng = Engine()
    eng.create_bucket("bkt")
    eng.put_object("bkt", "k", b"1")
    eng.put_object("bkt", "k", b"2")
    (only,) = eng.list_object_versions("bkt")
    assert only.version_id == "null"
    eng.put_bucket_versioning("bkt", "Enabled")
    eng.put_object("bkt", "k", b"3")
    eng.put_bucket_versioning("bkt", "Suspended")
    result = eng.delete_object("bkt", "k")
    assert result.version_id == "null"
    versions = eng.list_object_versions("bkt")
    assert isinstance(versions[0], DeleteMarker)
    assert [v.version_id == "null" for v in versions] == [True, False]


def test_object_lock_refuses_deletes() -> None:
    """Object Lock: a retained or held version cannot be deleted by id."""
    eng = Engine()
    eng.create_bucket("bkt", object_lock=True)
    v = eng.put_object(
        "bkt",
        "k",
        b"x",
        object_lock_mode="GOVERNANCE",
        object_lock_retain_until_date=eng.now + dt.timedelta(days=1),
    )
    with pytest.raises(AccessDenied):
        eng.delete_object("bkt", "k", version_id=v.version_id)
    eng.delete_object("bkt", "k", version_id=v.version_id, bypass_governance_retention=True)
    assert eng.list_object_versions("bkt") == ()


def test_acls_disabled_under_bucket_owner_enforced() -> None:
    """BucketOwnerEnforced buckets refuse ACLs other than bucket-owner-full-control."""
    eng = Engine()
    eng.create_bucket("bkt")
    with pytest.raises(AccessControlListNotSupported):
        eng.put_object("bkt", "k", b"x", acl="public-read")


def test_step_and_run_bounds() -> None:
    """DESIGN contract: step() on an empty queue raises NothingPendingError; run() is
    bounded by steps_max; a task that is not pending cannot be stepped."""
    eng = replicating()
    with pytest.raises(NothingPendingError):
        eng.step()
    assert eng.run() == ()
    eng.put_object("src", "a", b"x")
    eng.put_object("src", "bkt", b"x")
    with pytest.raises(StepLimitExceededError):
        eng.run(steps_max=1)
    (task,) = eng.pending()
    eng.step(task)
    eng.put_object("src", "c", b"x")
    with pytest.raises(UnknownTaskError):
        eng.step(task)


def test_fork_is_independent() -> None:
    """DESIGN: a fork continues alike but changes to it never reach the original."""
    eng = replicating()
    eng.put_object("src", "k", b"x")
    fork = eng.fork()
    fork.run()
    assert eng.head_object("src", "k").replication_status is ReplicationStatus.PENDING
    assert fork.head_object("src", "k").replication_status is ReplicationStatus.COMPLETED
    a = eng.put_object("src", "k2", b"y")
    b = fork.put_object("src", "k2", b"y")
    assert a.version_id == b.version_id  # same seed state -> same next id


def test_version_ids_continue_across_forks_and_snapshots() -> None:
    """DESIGN (determinism): ids drawn ahead are part of the state, so a fork and a
    restored snapshot hand out the original's next ids, across every draw."""
    eng = replicating()
    ids = [eng.put_object("src", f"k{i}", b"x").version_id for i in range(150)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9._]{32}", vid) for vid in ids)
    fork, restored = eng.fork(), Engine.from_snapshot(eng.snapshot())
    for i in range(150):
        expected = eng.put_object("src", f"n{i}", b"x").version_id
        assert fork.put_object("src", f"n{i}", b"x").version_id == expected
        assert restored.put_object("src", f"n{i}", b"x").version_id == expected


def test_an_engine_pickles_and_continues_alike() -> None:
    """DESIGN (determinism): a pickled engine, like a fork, continues exactly as the
    original does, so simulators can persist or ship one."""
    eng = replicating()
    eng.put_object("src", "k", b"x")
    copy = pickle.loads(pickle.dumps(eng))
    assert copy.run() == eng.run()
    assert copy.put_object("src", "k2", b"y") == eng.put_object("src", "k2", b"y")
    assert copy.snapshot() == eng.snapshot()


def scripted(seed: int) -> list[Any]:
    """A fixed scenario run under random interleaving; returns its full trace."""
    eng = Engine(seed=seed, order="random")
    eng.create_bucket("src", versioning=True)
    eng.create_bucket("dst", versioning=True)
    eng.create_bucket("dst2", versioning=True)
    eng.create_role(ROLE)
    rules = [
        {**CONFIG["Rules"][0], "ID": "a", "Priority": 1},
        {
            **CONFIG["Rules"][0],
            "ID": "b",
            "Priority": 2,
            "Destination": {"Bucket": "arn:aws:s3:::dst2"},
        },
    ]
    eng.put_bucket_replication("src", {"Role": ROLE, "Rules": rules})
    trace: list[Any] = [eng.put_object("src", f"k{i % 2}", bytes([i])) for i in range(5)]
    trace.append(eng.delete_object("src", "k0"))
    trace.extend(eng.run())
    trace.extend(eng.list_object_versions("dst"))
    return trace


def test_determinism() -> None:
    """DESIGN promise 2: same seed and calls -> identical trace; another seed differs."""
    assert scripted(11) == scripted(11)
    assert scripted(11) != scripted(12)


BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    "<ReplicationConfiguration><Role>&lol2;</Role></ReplicationConfiguration>"
)
MALFORMED: list[Any] = [
    "<ReplicationConfiguration><Role>arn:aws:iam::123456789012:role/repl</Role><Rule>",
    '<ReplicationConfiguration xmlns="http://example.com/other"><Role>r</Role>'
    "</ReplicationConfiguration>",
    BOMB,
    "<ReplicationConfiguration>" + " " * (2 * 1024 * 1024 + 1) + "</ReplicationConfiguration>",
    {**CONFIG, "Rules": [{**CONFIG["Rules"][0], "Status": "enabled"}]},
    {**CONFIG, "Rules": [{**CONFIG["Rules"][0], "Priority": "1"}]},
    {**CONFIG, "Rules": {}},
]


@pytest.mark.parametrize("document", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_documents_leave_the_engine_unchanged(document: Any) -> None:
    """R-045, R-055, T-05, T-33: truncated XML, a foreign namespace, an entity bomb, an
    oversize document, an unknown enum value and wrong dict types each answer
    MalformedXML with AWS's message, and the engine's state does not change."""
    eng = replicating()
    eng.put_object("src", "k", b"x")
    before = eng.snapshot()
    with pytest.raises(MalformedXML) as err:
        eng.put_bucket_replication("src", document)
    assert err.value.message == MalformedXML.DEFAULT_MESSAGE
    after = eng.snapshot()
    assert (after.buckets, after.objects, after.pending) == (
        before.buckets,
        before.objects,
        before.pending,
    )


def test_every_operation_checks_its_caller() -> None:
    """DESIGN contract, R-007: reads of another account's bucket need a bucket-policy grant,
    and IAM roles and KMS keys are managed only by their own account."""
    eng = replicating()
    stranger = "444455556666"
    eng.put_object("src", "k", b"x")
    for call in (
        lambda: eng.list_object_versions("src", account=stranger),
        lambda: eng.get_object_tagging("src", "k", account=stranger),
        lambda: eng.get_bucket("src", account=stranger),
        lambda: eng.head_object("src", "k", account=stranger),
    ):
        with pytest.raises(AccessDenied):
            call()
    key = eng.create_kms_key()
    for call in (
        lambda: eng.create_role("arn:aws:iam::123456789012:role/other", account=stranger),
        lambda: eng.put_role_policy(
            ROLE, {"Version": "2012-10-17", "Statement": []}, account=stranger
        ),
        lambda: eng.delete_role(ROLE, account=stranger),
        lambda: eng.disable_kms_key(key, account=stranger),
    ):
        with pytest.raises(AccessDenied):
            call()
    assert eng.list_object_versions("src", account="123456789012")
    eng.disable_kms_key(key, account="123456789012")


def test_run_stops_exactly_at_steps_max() -> None:
    """DESIGN contract: run(steps_max=n) applies n tasks and returns their results when
    that empties the queue, and raises once more are pending after n steps (the tasks a
    step queues count too)."""
    eng = replicating()
    for key in ("a", "b", "c"):
        eng.put_object("src", key, b"x")
    fork = eng.fork()
    results = eng.run(steps_max=3)
    assert [result.task.key for result in results] == ["a", "b", "c"]
    assert eng.pending() == ()
    with pytest.raises(StepLimitExceededError, match="1 tasks still pending after 2 steps"):
        fork.run(steps_max=2)
    assert [task.key for task in fork.pending()] == ["c"]
