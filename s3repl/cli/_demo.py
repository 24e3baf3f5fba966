"""``s3repl demo``: an embedded replication scenario, run step by step and printed.

One source bucket with four V2 rules (another region, a storage class override, a
cross-account owner override, a destination that refuses the role) shows, in a
timeline, the event notifications and the final contents of every bucket, what
replicates, what does not, and why.  Everything printed comes from the engine, seeded
by ``--seed``, so the output is the same on every machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Mapping
from typing import Any, TextIO

from s3repl import iam
from s3repl.cli._exit import EXIT_OK
from s3repl.cli._text import wrapped_after
from s3repl.engine import EPOCH, Engine
from s3repl.model import (
    DeleteMarker,
    ObjectVersion,
    ReplicationRule,
    ReplicationStatus,
    Status,
    TaskKind,
)

__all__ = ["run_demo"]

_DEMO_ROLE = "arn:aws:iam::123456789012:role/demo-replication"
_DEMO_SOURCE = "demo-source"
_DEMO_EU = "demo-replica-eu"
_DEMO_LOCAL = "demo-replica-local"
_PARTNER = "partner-vault"
_AUDIT = "audit-archive"
_DEMO_BUCKETS = (_DEMO_SOURCE, _DEMO_EU, _DEMO_LOCAL, _PARTNER, _AUDIT)
_PARTNER_ACCOUNT = "444455556666"
_AUDIT_ACCOUNT = "777788889999"


def _demo_config() -> dict[str, Any]:
    """The demo's replication configuration (boto3 shape)."""
    return {
        "Role": _DEMO_ROLE,
        "Rules": [
            {
                "ID": "everything-to-eu",
                "Priority": 1,
                "Status": "Enabled",
                "Filter": {},
                "DeleteMarkerReplication": {"Status": "Enabled"},
                "Destination": {"Bucket": "arn:aws:s3:::demo-replica-eu"},
            },
            {
                "ID": "logs-local-ia",
                "Priority": 2,
                "Status": "Enabled",
                "Filter": {"Prefix": "logs/"},
                "DeleteMarkerReplication": {"Status": "Disabled"},
                "Destination": {
                    "Bucket": "arn:aws:s3:::demo-replica-local",
                    "StorageClass": "STANDARD_IA",
                },
            },
            {
                "ID": "partner-share",
                "Priority": 3,
                "Status": "Enabled",
                "Filter": {"Tag": {"Key": "share", "Value": "partner"}},
                "DeleteMarkerReplication": {"Status": "Disabled"},
                "Destination": {
                    "Bucket": "arn:aws:s3:::partner-vault",
                    "Account": _PARTNER_ACCOUNT,
                    "AccessControlTranslation": {"Owner": "Destination"},
                },
            },
            {
                "ID": "finance-audit",
                "Priority": 4,
                "Status": "Enabled",
                "Filter": {"Prefix": "finance/"},
                "DeleteMarkerReplication": {"Status": "Disabled"},
                "Destination": {
                    "Bucket": "arn:aws:s3:::audit-archive",
                    "Account": _AUDIT_ACCOUNT,
                    "Metrics": {"Status": "Enabled"},
                },
            },
        ],
    }


def _clock(engine: Engine) -> str:
    """The simulated time since the engine's epoch, as ``HH:MM:SS.mmm``."""
    elapsed_ms = (engine.now - EPOCH) // dt.timedelta(milliseconds=1)
    seconds, millis = divmod(elapsed_ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _short(version_id: str) -> str:
    return version_id[:8]


class _Demo:
    """The embedded scenario: builds the world, acts, and prints as it goes."""

    def __init__(self, seed: int, out: TextIO) -> None:
        self.engine = Engine(seed=seed)
        self.out = out

    def say(self, text: str = "") -> None:
        print(text, file=self.out)

    def line(self, what: str, detail: str) -> None:
        prefix = f"{_clock(self.engine)}  {what:<7}"
        self.say(wrapped_after(prefix, detail))

    def setup(self) -> None:
        eng = self.engine
        eng.create_account(_PARTNER_ACCOUNT)
        eng.create_account(_AUDIT_ACCOUNT)
        eng.create_role(_DEMO_ROLE)
        eng.create_bucket(_DEMO_SOURCE, region="us-east-1", versioning=True)
        eng.create_bucket(_DEMO_EU, region="eu-west-1", versioning=True)
        eng.create_bucket(_DEMO_LOCAL, region="us-east-1", versioning=True)
        eng.create_bucket(_PARTNER, account=_PARTNER_ACCOUNT, region="eu-west-1", versioning=True)
        eng.put_bucket_ownership_controls(_PARTNER, "ObjectWriter")
        eng.put_bucket_policy(
            _PARTNER, iam.destination_bucket_policy(_PARTNER, principal=_DEMO_ROLE)
        )
        eng.create_bucket(_AUDIT, account=_AUDIT_ACCOUNT, region="us-east-1", versioning=True)
        eng.put_bucket_replication(_DEMO_SOURCE, _demo_config())

    def introduce(self) -> None:
        eng = self.engine
        self.say(f"s3repl demo (seed {eng.seed}): one source bucket, four V2 replication rules.")
        self.say()
        self.say(f"  {'BUCKET':<19} {'REGION':<10} {'OWNER':<13} OBJECT OWNERSHIP")
        for name in _DEMO_BUCKETS:
            bucket = eng.get_bucket(name)
            self.say(
                f"  {name:<19} {bucket.region:<10} {bucket.owner:<13} {bucket.ownership.value}"
            )
        self.say()
        self.say(f"Rules of {_DEMO_SOURCE} (role {_DEMO_ROLE}):")
        for rule in eng.get_bucket_replication(_DEMO_SOURCE).rules:
            self.say(
                f"  P{rule.priority} {rule.id or '':<17} {_describe_filter(rule):<18} -> "
                f"{rule.destination.bucket_name:<19}{_describe_extras(rule)}"
            )
        self.say(
            f"{_PARTNER}'s bucket policy lets the role replicate and override the owner (R-012);"
        )
        self.say(f"{_AUDIT} grants the role nothing, so it may not write there (R-158).")
        self.say()

    def put(self, key: str, body: bytes, tags: Mapping[str, str] | None = None) -> ObjectVersion:
        version = self.engine.put_object(_DEMO_SOURCE, key, body, tags=tags)
        shown = "" if not tags else " {" + ", ".join(f"{k}={v}" for k, v in tags.items()) + "}"
        status = _status(version.replication_status)
        targets = self.targets(key, version.version_id)
        self.line("PUT", f"{key}{shown} v={_short(version.version_id)}  {status} -> {targets}")
        return version

    def targets(self, key: str, version_id: str) -> str:
        names = [
            task.destination_bucket
            for task in self.engine.pending()
            if task.key == key and task.version_id == version_id
        ]
        return ", ".join(names) or "(not replicated)"

    def step_all(self) -> None:
        # Bounded: each step removes a task, and nothing in the demo is transient.
        for _ in range(len(self.engine.pending())):
            result = self.engine.step()
            task = result.task
            outcome = result.status.value
            if result.failure_reason is not None:
                outcome += f" {result.failure_reason.value}"
            kind = "marker " if task.kind is TaskKind.DELETE_MARKER else ""
            self.line(
                "STEP",
                f"{task.key} {kind}v={_short(task.version_id)} -> {task.destination_bucket} "
                f"[{task.rule_id}]  {outcome}",
            )

    def act(self) -> tuple[ObjectVersion, str]:
        eng = self.engine
        self.say("Timeline (simulated clock; each STEP applies exactly one replication task):")
        first = self.put("report.csv", b"v1")
        self.put("report.csv", b"v2")
        self.put("logs/app.log", b"started")
        self.put("shared/plan.pdf", b"plan", tags={"share": "partner"})
        self.put("finance/q1.xlsx", b"numbers")
        self.step_all()
        marker = eng.delete_object(_DEMO_SOURCE, "logs/app.log")
        marker_id = marker.version_id or ""
        targets = self.targets("logs/app.log", marker_id)
        self.line("DELETE", f"logs/app.log  delete marker v={_short(marker_id)} -> {targets}")
        eng.delete_object(_DEMO_SOURCE, "report.csv", version_id=first.version_id)
        self.line(
            "DELETE",
            f"report.csv?versionId={_short(first.version_id)}  permanent: not replicated",
        )
        self.step_all()
        return first, marker_id

    def report(self, first: ObjectVersion, marker_id: str) -> None:
        eng = self.engine
        self.say()
        events = eng.events()
        self.say(f"Event notifications ({len(events)}):")
        for event in events:
            reason = "" if event.failure_reason is None else f" {event.failure_reason.value}"
            self.say(
                wrapped_after(
                    "  ", f"{event.event_name} {event.key} -> {event.destination_bucket}{reason}"
                )
            )
        self.say()
        self.say("Final state (newest version first; STATUS is x-amz-replication-status):")
        for name in _DEMO_BUCKETS:
            self.table(name)
        self.say()
        self.say("What to notice:")
        partner = eng.head_object(_PARTNER, "shared/plan.pdf")
        kept = any(v.version_id == first.version_id for v in eng.list_object_versions(_DEMO_EU))
        local_marker = any(v.version_id == marker_id for v in eng.list_object_versions(_DEMO_LOCAL))
        failed = eng.head_object(_DEMO_SOURCE, "finance/q1.xlsx")
        notes = (
            f"{_DEMO_LOCAL} keeps the source's version ids but stores STANDARD_IA (R-083, R-089).",
            f"{_PARTNER} owns its replica ({partner.owner}): owner override (R-151).",
            "The delete marker reached "
            + (f"{_DEMO_EU} only" if not local_marker else "both replicas")
            + ": DeleteMarkerReplication is Enabled on everything-to-eu, Disabled on "
            "logs-local-ia (R-087).",
            f"report.csv v={_short(first.version_id)} was deleted by version id on the source but "
            + ("is still" if kept else "is no longer")
            + f" in {_DEMO_EU} (R-103).",
            f"finance/q1.xlsx is {_status(failed.replication_status)} on the source: "
            f"{_AUDIT} refused the replica (DstPutObjectNotPermitted, R-123, R-158).",
        )
        for note in notes:
            self.say(wrapped_after("  - ", note))

    def table(self, name: str) -> None:
        bucket = self.engine.get_bucket(name)
        self.say()
        self.say(f"{name} ({bucket.region}, owner {bucket.owner})")
        rows = self.engine.list_object_versions(name)
        if not rows:
            self.say("  (empty)")
            return
        self.say(
            f"  {'KEY':<16} {'VERSION':<8} {'LATEST':<6} {'STATUS':<9} {'OWNER':<12} "
            f"{'STORAGE CLASS':<13} TAGS"
        )
        for row in rows:
            latest = "yes" if row.is_latest else ""
            if isinstance(row, DeleteMarker):
                klass, tags = "-", "(delete marker)"
            else:
                klass = row.storage_class.value
                tags = ", ".join(f"{k}={v}" for k, v in row.tags.items()) or "-"
            self.say(
                f"  {row.key:<16} {_short(row.version_id):<8} {latest:<6} "
                f"{_status(row.replication_status):<9} {row.owner:<12} {klass:<13} {tags}"
            )

    def run(self) -> None:
        self.setup()
        self.introduce()
        first, marker_id = self.act()
        self.report(first, marker_id)


def _status(status: ReplicationStatus | None) -> str:
    return "-" if status is None else status.value


def _describe_filter(rule: ReplicationRule) -> str:
    flt = rule.filter
    if flt is None:
        return f"prefix {rule.prefix!r}"
    if flt.prefix is not None:
        return f"prefix {flt.prefix}"
    if flt.tag is not None:
        return f"tag {flt.tag.key}={flt.tag.value}"
    return "every object"


def _describe_extras(rule: ReplicationRule) -> str:
    dest = rule.destination
    extras = []
    if rule.delete_marker_replication is Status.ENABLED:
        extras.append("delete markers")
    if dest.storage_class is not None:
        extras.append(dest.storage_class.value)
    if dest.access_control_translation is not None:
        extras.append(f"owner override to {dest.account}")
    elif dest.account is not None:
        extras.append(f"account {dest.account}")
    if dest.metrics is not None:
        extras.append("metrics")
    return (" " + ", ".join(extras)) if extras else ""


def run_demo(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``s3repl demo`` with the seed of ``--seed``; returns exit status 0."""
    _Demo(args.seed, out).run()
    return EXIT_OK
