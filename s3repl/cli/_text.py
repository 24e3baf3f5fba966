"""Text layout shared by the subcommands: the line width and how long lines wrap."""

from __future__ import annotations

import textwrap

__all__ = ["WIDTH", "wrapped", "wrapped_after"]

#: The width every subcommand wraps its text output to.
WIDTH = 100


def wrapped(text: str, indent: str) -> str:
    """``text`` filled to :data:`WIDTH`, every line indented by ``indent``."""
    return textwrap.fill(
        text, width=WIDTH, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
    )


def wrapped_after(prefix: str, text: str) -> str:
    """``prefix`` then ``text``, continuation lines indented to line up after the prefix."""
    return textwrap.fill(
        text,
        width=WIDTH,
        initial_indent=prefix,
        subsequent_indent=" " * len(prefix),
        break_on_hyphens=False,
        break_long_words=False,
    )
