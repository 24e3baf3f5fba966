"""``python -m s3repl``: the ``s3repl`` command, as ``python -m s3repl.cli`` runs it."""

from s3repl.cli import main

if __name__ == "__main__":  # pragma: no cover - run as ``python -m s3repl``
    raise SystemExit(main())
