"""The semantic mutants: one plausible bug each, as an exact source replacement.

Each :class:`Mutant` names the file it breaks, the replacements (``old`` must occur
exactly once in the file as it is now: when the code moves, the harness fails loudly
instead of testing an unbroken tree), the R-ids it breaks, and the project test files
that pin those R-ids (the suite column of the kill table runs only those, for speed).

The first sixteen are the bugs of issue 13, in its order; the rest are extras.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    """One injected bug.

    Attributes:
        name: a short identifier (``--mutant NAME``).
        bug: what the bug is, in words (the kill table's first column).
        requirement: the R-ids it breaks.
        path: the file it changes, relative to the repository root.
        replacements: ``(old, new)`` pairs; each ``old`` occurs exactly once.
        tests: the project test files that pin ``requirement``.
    """

    name: str
    bug: str
    requirement: str
    path: str
    replacements: tuple[tuple[str, str], ...]
    tests: tuple[str, ...]


ROUTING = "s3repl/policy/_routing.py"
APPLY = "s3repl/policy/_apply.py"
STATUS = "s3repl/policy/_status.py"
SHAPE = "s3repl/policy/_shape.py"
STORE = "s3repl/engine/_store.py"
REPLICATOR = "s3repl/engine/_replicator.py"
VALIDATE = "s3repl/validate/_configuration.py"

_ROUTING_TESTS = (
    "tests/test_policy.py",
    "tests/test_engine_replication.py",
    "tests/test_routing_cache.py",
)

MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        name="tag-filter-ignored",
        bug="tag filter ignored",
        requirement="R-061",
        path=ROUTING,
        replacements=(
            (
                "    for tag in flt.tags:\n        if tags.get(tag.key) != tag.value:\n"
                "            return False\n",
                "",
            ),
        ),
        tests=_ROUTING_TESTS,
    ),
    Mutant(
        name="priority-ignored",
        bug="priority ignored (the first matching rule wins)",
        requirement="R-063, R-064",
        path=ROUTING,
        replacements=(("if held is None or rank > held[:2]:", "if held is None:"),),
        tests=_ROUTING_TESTS,
    ),
    Mutant(
        name="delete-marker-flag-dropped",
        bug="delete-marker flag check dropped",
        requirement="R-087, R-110",
        path=ROUTING,
        replacements=(
            (
                "        Status.ENABLED\n    ):\n        return False\n",
                "        Status.ENABLED\n    ):\n        pass\n",
            ),
        ),
        tests=("tests/test_engine_replication.py", "tests/test_policy.py"),
    ),
    Mutant(
        name="kms-opt-in-ignored",
        bug="KMS opt-in ignored",
        requirement="R-067, R-109",
        path=ROUTING,
        replacements=(("and (not kms_encrypted or kms_opt_in(rule))", "and True"),),
        tests=("tests/test_engine_replication.py", "tests/test_policy.py"),
    ),
    Mutant(
        name="version-deletes-replicated",
        bug="version-id deletes replicated",
        requirement="R-103",
        path=ROUTING,
        replacements=(
            (
                "    del world, bucket, version\n    return ()\n",
                "    source = world.bucket(bucket)\n"
                "    if source is None or source.replication is None:\n"
                "        return ()\n"
                "    return winning_rules(source.replication, version.key, FrozenMap())\n",
            ),
        ),
        tests=("tests/test_engine_replication.py", "tests/test_engine_objects.py"),
    ),
    Mutant(
        name="replicas-re-replicated",
        bug="replicas re-replicated",
        requirement="R-101, R-171",
        path=ROUTING,
        replacements=(
            (
                "    if version.replication_status is _REPLICA:\n        return ()\n"
                "    return route_new_object(",
                "    return route_new_object(",
            ),
        ),
        tests=("tests/test_engine_replication.py", "tests/test_apply.py"),
    ),
    Mutant(
        name="failed-recorded-completed",
        bug="FAILED recorded as COMPLETED",
        requirement="R-124, R-127",
        path=APPLY,
        replacements=(
            (
                "task, version, _FAILED, shared.reason, answers, world.profile, recorded",
                "task, version, _COMPLETED, None, answers, world.profile, recorded",
            ),
        ),
        tests=("tests/test_failure_reasons.py", "tests/test_apply.py"),
    ),
    Mutant(
        name="racing-replica-dropped",
        bug="a racing replica dropped (an older version arriving late is not stored)",
        requirement="R-142, R-143",
        path=STORE,
        replacements=(
            ("keys[key] = _insert_ordered(chain, replica)", "keys[key] = chain"),
            ("            indexed.insert_ordered(replica)\n", "            pass\n"),
        ),
        tests=("tests/test_engine_store.py", "tests/test_engine_replication.py"),
    ),
    Mutant(
        name="destination-versioning-unchecked",
        bug="destination versioning not checked at configuration time",
        requirement="R-003",
        path=VALIDATE,
        replacements=(("        _destination_versioning,\n", ""),),
        tests=("tests/test_validate.py",),
    ),
    Mutant(
        name="prefix-substring",
        bug="prefix matched as a substring",
        requirement="R-060",
        path=ROUTING,
        replacements=(
            # Both places that read a prefix, as one consistent bug: the filter, and
            # the routing signature the engine caches routes under.
            ("if prefix and not key.startswith(prefix):", "if prefix and prefix not in key:"),
            ("*map(key.startswith, self.prefixes),", "*map(key.__contains__, self.prefixes),"),
        ),
        tests=_ROUTING_TESTS,
    ),
    Mutant(
        name="not-filter-ignored",
        bug="Not filter ignored",
        requirement="R-069",
        path=ROUTING,
        replacements=(("    return not _not_matches(flt, key, tags)\n", "    return True\n"),),
        tests=_ROUTING_TESTS,
    ),
    Mutant(
        name="disabled-rules-win",
        bug="disabled rules win",
        requirement="R-065",
        path=ROUTING,
        replacements=(
            (
                "            rule.status is _ENABLED\n            and rule_matches(",
                "            rule_matches(",
            ),
        ),
        tests=_ROUTING_TESTS,
    ),
    Mutant(
        name="outage-recorded-failed",
        bug="a transient outage recorded as a permanent FAILED (DstBucketNotFound)",
        requirement="R-124",
        path=APPLY,
        replacements=(
            (
                "        return None  # a transient outage holds back every kind of task (R-124)\n",
                "        return answers.failure(\n"
                "            world, task, ApplyOutcome.fail(F.DST_BUCKET_NOT_FOUND)\n"
                "        )\n",
            ),
        ),
        tests=("tests/test_engine_replication.py", "tests/test_apply.py"),
    ),
    Mutant(
        name="metadata-never-replicated",
        bug="tag and ACL changes never replicated",
        requirement="R-084, R-085",
        path=ROUTING,
        replacements=(
            ("        routes.append(Route(destination_bucket=dest_name, rule=rule))\n", ""),
        ),
        tests=("tests/test_engine_behaviour.py", "tests/test_engine_replication.py"),
    ),
    Mutant(
        name="storage-class-override-ignored",
        bug="destination storage-class override ignored",
        requirement="R-089",
        path=SHAPE,
        replacements=(
            (
                "storage_class = rule.destination.storage_class or storage_class",
                "storage_class = storage_class",
            ),
        ),
        tests=("tests/test_engine_replication.py", "tests/test_apply.py"),
    ),
    Mutant(
        name="failure-events-dropped",
        bug="failure events dropped",
        requirement="R-129",
        path=STATUS,
        replacements=(
            ("    if not reasons or not sends_failure_events(rule):\n", "    if True:\n"),
        ),
        tests=("tests/test_failure_reasons.py", "tests/test_engine_behaviour.py"),
    ),
    # --- extras ---------------------------------------------------------------------
    Mutant(
        name="failures-not-counted",
        bug="failed operations not counted in the metrics (extra)",
        requirement="R-131",
        path=REPLICATOR,
        replacements=(("failed[counter] = failed.get(counter, 0) + len(failures)", "pass"),),
        tests=("tests/test_failure_reasons.py", "tests/test_engine_behaviour.py"),
    ),
    Mutant(
        name="pending-hides-failed",
        bug="a pending destination hides a failed one in the aggregate status (extra)",
        requirement="R-123",
        path=STATUS,
        replacements=(
            (
                "    if ReplicationStatus.FAILED in values:\n"
                "        return ReplicationStatus.FAILED\n"
                "    if ReplicationStatus.PENDING in values:\n"
                "        return ReplicationStatus.PENDING\n",
                "    if ReplicationStatus.PENDING in values:\n"
                "        return ReplicationStatus.PENDING\n"
                "    if ReplicationStatus.FAILED in values:\n"
                "        return ReplicationStatus.FAILED\n",
            ),
        ),
        tests=("tests/test_policy.py", "tests/test_engine_replication.py"),
    ),
    Mutant(
        name="lifecycle-expires-pending",
        bug="lifecycle expires a PENDING version (extra)",
        requirement="R-125",
        path=STATUS,
        replacements=(
            (
                "    return version.replication_status is not ReplicationStatus.PENDING\n",
                "    return True\n",
            ),
        ),
        tests=("tests/test_engine_replication.py", "tests/test_policy.py"),
    ),
)

#: The sixteen of issue 13 (the Done-when of the kill table).
ISSUE_13 = tuple(m.name for m in MUTANTS[:16])


def by_name(name: str) -> Mutant:
    """The mutant called ``name``."""
    for mutant in MUTANTS:
        if mutant.name == name:
            return mutant
    known = ", ".join(m.name for m in MUTANTS)
    msg = f"no mutant called {name!r}; known: {known}"
    raise KeyError(msg)


def mutated_text(mutant: Mutant, text: str) -> str:
    """``text`` with the mutant's replacements made; each ``old`` must occur exactly once."""
    for old, new in mutant.replacements:
        count = text.count(old)
        if count != 1:
            msg = (
                f"mutant {mutant.name}: the pattern occurs {count} times in {mutant.path} "
                f"(expected exactly once; re-anchor it): {old!r}"
            )
            raise LookupError(msg)
        text = text.replace(old, new)
    return text
