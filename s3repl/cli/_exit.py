"""Exit statuses of the ``s3repl`` command, and the error that means "unusable input".

Every subcommand returns one of the statuses below; ``main`` turns an
:class:`UnusableInputError` raised anywhere under a subcommand into a one-line message
on stderr and :data:`EXIT_UNUSABLE`.
"""

from __future__ import annotations

__all__ = ["EXIT_FOUND", "EXIT_OK", "EXIT_UNUSABLE", "UnusableInputError"]

#: Exit status: nothing found.
EXIT_OK = 0
#: Exit status: problems or findings.
EXIT_FOUND = 1
#: Exit status: unusable input.
EXIT_UNUSABLE = 2


class UnusableInputError(Exception):
    """Input the command cannot work with (exit status 2); the message says why."""
