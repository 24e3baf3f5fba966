"""``s3repl explain CONFIG --key KEY``: which rules select an object, and where it goes.

Shows how each rule stands for the object (:func:`s3repl.policy.explain_routing`) and
where a put would replicate to (:func:`s3repl.policy.winning_rules`).  The configuration
itself is not validated here; ``s3repl check`` does that.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TextIO

from s3repl._worldfile import STDIN
from s3repl.cli._config_file import decode_config
from s3repl.cli._exit import EXIT_FOUND, EXIT_OK, UnusableInputError
from s3repl.cli._text import wrapped
from s3repl.policy import explain_routing, winning_rules

__all__ = ["run_explain"]


def _tags(values: Sequence[str]) -> dict[str, str]:
    """The tags of ``--tag K=V`` values.

    One value may hold several pairs joined by ``&``, as the ``x-amz-tagging`` header
    writes them (S3 tag keys and values cannot hold ``&``).
    """
    tags: dict[str, str] = {}
    for value in values:
        for pair in value.split("&"):
            key, sep, tag_value = pair.partition("=")
            if not sep or not key:
                msg = f"--tag expects KEY=VALUE, got {pair!r}"
                raise UnusableInputError(msg)
            tags[key] = tag_value
    return tags


def run_explain(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``s3repl explain``; returns 0, or 1 when S3 would not parse the configuration."""
    decoded = decode_config(args.config)
    if decoded.config is None:
        name = "standard input" if args.config == STDIN else args.config
        first = decoded.problems[0]
        print(f"{name}: S3 would not parse it: {first.code} ({first.requirement})", file=out)
        for problem in decoded.problems:
            where = f"at {problem.element}: " if problem.element else ""
            print(wrapped(f"{where}{problem.message}", "  "), file=out)
        return EXIT_FOUND
    config = decoded.config
    tags = _tags(args.tags)
    shown = ", ".join(f"{k}={v}" for k, v in tags.items()) or "none"
    print(f"Object {args.key!r} (tags: {shown}, SSE-KMS: {'yes' if args.kms else 'no'})", file=out)
    print(file=out)
    standings = explain_routing(config, args.key, tags, kms_encrypted=args.kms)
    print("Rules, in document order (the configuration itself is not validated here):", file=out)
    for index, (rule, standing) in enumerate(standings, 1):
        label = rule.id or "(no ID)"
        priority = "-" if rule.priority is None else str(rule.priority)
        target = rule.destination.bucket_name
        print(f"{index:>3}. {label} (priority {priority}) -> {target}: {standing.value}", file=out)
    routes = winning_rules(config, args.key, tags, kms_encrypted=args.kms)
    print(file=out)
    if not routes:
        print("A put of this object would not replicate.", file=out)
        return EXIT_OK
    print("A put of this object would replicate to:", file=out)
    for route in routes:
        print(f"  {route.destination_bucket} (rule {route.rule_id or '(no ID)'})", file=out)
    return EXIT_OK
