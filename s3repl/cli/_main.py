"""The ``s3repl`` command line: the argument parser and :func:`main`.

Each subcommand is a handler ``run_X(args, out) -> exit status`` in its own module;
:func:`main` parses the command line, runs the handler, and turns
:class:`~s3repl.cli._exit.UnusableInputError` into a one-line message and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import sys
from collections.abc import Sequence

from s3repl.cli._check import DEFAULT_SOURCE, run_check
from s3repl.cli._demo import run_demo
from s3repl.cli._exit import EXIT_FOUND, EXIT_UNUSABLE, UnusableInputError
from s3repl.cli._explain import run_explain
from s3repl.cli._serve import port_number, run_serve
from s3repl.cli._simulate import add_simulate_parser

__all__ = ["build_parser", "main"]


_STDIN_NOTE = "'-' reads standard input"


def _version() -> str:
    """The installed distribution's version (the package metadata is the one source)."""
    try:
        return importlib.metadata.version("s3repl")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``s3repl`` command; each subcommand names its handler."""
    parser = argparse.ArgumentParser(
        prog="s3repl",
        description="Check Amazon S3 replication configurations against a deterministic model.",
        epilog="Run 's3repl COMMAND --help' for the options of a command.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {_version()}", help="print the version"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="report every problem and finding of a replication configuration",
        description=(
            "Report every reason PutBucketReplication would refuse CONFIG, and every "
            "reason objects would then fail to replicate. Exit status: 0 nothing found, "
            "1 problems or findings, 2 unusable input."
        ),
    )
    check.add_argument(
        "config",
        metavar="CONFIG",
        help="replication configuration (XML or JSON), CloudFormation template or "
        f"Terraform plan; {_STDIN_NOTE}",
    )
    check.add_argument(
        "--world",
        metavar="WORLD.json",
        help=f"world file to check against (default: a permissive world); {_STDIN_NOTE}",
    )
    check.add_argument(
        "--bucket", metavar="SOURCE", help=f"source bucket (default: {DEFAULT_SOURCE})"
    )
    check.add_argument("--token", metavar="T", help="x-amz-bucket-object-lock-token (R-011)")
    check.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a CloudFormation template parameter (repeatable)",
    )
    check.add_argument("--account", metavar="ID", help="deploying account of a template or plan")
    check.add_argument("--region", metavar="REGION", help="deployment Region of a template or plan")
    check.add_argument(
        "--format",
        choices=("text", "json", "sarif"),
        default="text",
        help="output format (default: text)",
    )
    check.set_defaults(handler=run_check)

    explain = commands.add_parser(
        "explain",
        help="show which rules select an object and where a put would replicate to",
        description=(
            "Show how each rule of CONFIG stands for one object (its key, tags and "
            "encryption) and where a put of it would replicate to. CONFIG is not "
            "validated: use 'check' for that."
        ),
    )
    explain.add_argument(
        "config", metavar="CONFIG", help=f"replication configuration, XML or JSON; {_STDIN_NOTE}"
    )
    explain.add_argument("--key", required=True, help="the object key")
    explain.add_argument(
        "--tag",
        "--tags",
        dest="tags",
        action="append",
        default=[],
        metavar="K=V",
        help="one of the object's tags (repeat for more, or join pairs with '&')",
    )
    explain.add_argument(
        "--kms", action="store_true", help="the object is SSE-KMS encrypted (R-067)"
    )
    explain.set_defaults(handler=run_explain)

    demo = commands.add_parser(
        "demo",
        help="run an embedded replication scenario step by step",
        description=(
            "Build one source bucket with four replication rules, put and delete objects, "
            "apply every replication task one step at a time, and print the timeline, the "
            "event notifications and the final contents of every bucket."
        ),
    )
    demo.add_argument("--seed", type=int, default=0, help="engine seed (default: 0)")
    demo.set_defaults(handler=run_demo)

    serve = commands.add_parser(
        "serve",
        help="serve an engine as an S3-compatible HTTP endpoint (extra s3repl[server])",
        description=(
            "Answer S3, IAM, KMS and STS requests from an engine over HTTP, path-style and "
            "virtual-hosted-style (BUCKET.localhost:PORT), with the engine's controls under "
            "/_s3repl/. Prints 'listening on http://HOST:PORT' when ready; stops on SIGINT "
            "or SIGTERM with exit status 0."
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    serve.add_argument(
        "--port", type=port_number, default=9000, help="port; 0 picks a free one (default: 9000)"
    )
    serve.add_argument("--seed", type=int, default=None, help="engine seed (default: 0)")
    serve.add_argument(
        "--world", metavar="WORLD.json", help=f"start from a world file; {_STDIN_NOTE}"
    )
    serve.add_argument(
        "--replicate",
        choices=("manual", "eager"),
        default="manual",
        help="manual: tasks wait for POST /_s3repl/step or run; eager: applied after "
        "every request (default: manual)",
    )
    serve.set_defaults(handler=run_serve)

    add_simulate_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``s3repl`` command.

    Args:
        argv: the arguments after the program name; ``None`` reads ``sys.argv``.

    Returns:
        the exit status: 0 nothing found, 1 problems or findings, 2 unusable input
        (argparse itself exits with 2 on a bad command line).
    """
    args = build_parser().parse_args(argv)
    try:
        status: int = args.handler(args, sys.stdout)
        sys.stdout.flush()
    except UnusableInputError as err:
        print(f"s3repl {args.command}: error: {err}", file=sys.stderr)
        return EXIT_UNUSABLE
    except BrokenPipeError:  # pragma: no cover - ``s3repl demo | head``: the reader left
        # Point stdout at devnull so that the interpreter's final flush stays quiet.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FOUND
    return status
