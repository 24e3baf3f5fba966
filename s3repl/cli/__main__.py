"""``python -m s3repl.cli``: the ``s3repl`` command, for when the script is not on PATH."""

from s3repl.cli._main import main

if __name__ == "__main__":  # pragma: no cover - run as ``python -m s3repl.cli``
    raise SystemExit(main())
