"""``s3repl serve``: an engine behind an S3-compatible HTTP endpoint (extra ``s3repl[server]``).

The server itself is :func:`s3repl.aws._server.serve`, imported only when the
subcommand runs, so that the command works without the extra installed.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from s3repl._worldfile import WorldFileError, load_world_file
from s3repl.cli._exit import UnusableInputError
from s3repl.engine import Engine

__all__ = ["port_number", "run_serve"]

_PORT_MAX = 65_535


def port_number(text: str) -> int:
    """``--port``'s argparse type: a TCP port, 0 (pick a free one) to 65535.

    Refused here, at parse time, so that argparse answers with exit status 2 and one
    ``error:`` line; a port out of range would otherwise reach ``bind()`` and end in
    an ``OverflowError`` traceback.

    Raises:
        argparse.ArgumentTypeError: ``text`` is not a whole number in that range.
    """
    cut = text if len(text) <= 20 else text[:17] + "..."
    try:
        port = int(text, 10)
    except ValueError:
        port = -1
    if not 0 <= port <= _PORT_MAX:
        msg = f"must be a port number from 0 to {_PORT_MAX}, got {cut!r}"
        raise argparse.ArgumentTypeError(msg)
    return port


def run_serve(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``s3repl serve`` until SIGINT or SIGTERM; returns the server's exit status."""
    if args.world is not None and args.seed is not None:
        msg = "--seed and --world exclude each other: a world file names its own seed"
        raise UnusableInputError(msg)
    try:
        from s3repl.aws._server import serve  # the optional extra s3repl[server]
    except ImportError as err:
        msg = (
            f"s3repl serve needs the server extra ({err.name or 'a dependency'} is missing): "
            "pip install 's3repl[server]'"
        )
        raise UnusableInputError(msg) from err
    if args.world is None:
        engine = Engine(seed=args.seed or 0)
    else:
        try:
            engine = load_world_file(args.world)
        except WorldFileError as err:
            raise UnusableInputError(str(err)) from err
    try:
        return serve(engine, host=args.host, port=args.port, replicate=args.replicate, out=out)
    except OSError as err:  # the address is taken, or not ours to bind
        msg = f"cannot listen on {args.host}:{args.port}: {err.strerror or err}"
        raise UnusableInputError(msg) from err
