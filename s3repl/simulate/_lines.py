"""Where each key of a TOML file is written, so errors can name the line.

``tomllib`` parses without positions.  This scanner reads the text once more, line by
line, tracking table headers (``[a.b]``, ``[[a.b]]`` with a count per array) and
``key = value`` lines, and maps every key path it sees to its line.  It understands
what scenario files use (bare, quoted and dotted keys; inline tables on one line);
anything it cannot place is found through the nearest enclosing path instead, so a
message always has a line when the key or its table is written anywhere.
"""

from __future__ import annotations

import re

__all__ = ["KeyPath", "LineIndex", "format_path"]

#: A key path: table keys and array indexes, for example ``("faults", 1, "end")``.
KeyPath = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_INLINE_KEY = re.compile(r"""[{,]\s*([A-Za-z0-9_\-]+|"[^"]*")\s*=""")


def _split_dotted(text: str) -> list[str]:
    parts = re.findall(r"""[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'""", text)
    return [part.strip("\"'") for part in parts]


def format_path(path: KeyPath) -> str:
    """``("workload", "phases", 1, "end")`` -> ``workload.phases[1].end``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


class LineIndex:
    """The line (1-based) of every key path the scanner could place in a TOML text."""

    def __init__(self, text: str) -> None:
        """Scan ``text`` once."""
        self._lines: dict[KeyPath, int] = {}
        counts: dict[KeyPath, int] = {}
        table: KeyPath = ()
        depth = 0  # open brackets of a multi-line array: its lines hold no keys
        for number, line in enumerate(text.splitlines(), start=1):
            if depth > 0:
                depth += line.count("[") - line.count("]")
                continue
            header = _HEADER.match(line)
            if header and not _KEY.match(line):
                path: KeyPath = tuple(_split_dotted(header.group(2)))
                if header.group(1) == "[[":
                    index = counts.get(path, -1) + 1
                    counts[path] = index
                    table = (*path, index)
                    self._lines.setdefault(path, number)
                else:
                    table = path
                self._lines.setdefault(table, number)
                continue
            key = _KEY.match(line)
            if key is None:
                continue
            full = (*table, *_split_dotted(key.group(1)))
            self._lines.setdefault(full, number)
            rest = line[key.end() :]
            for inline in _INLINE_KEY.finditer(rest):
                self._lines.setdefault((*full, inline.group(1).strip('"')), number)
            depth = max(0, rest.count("[") - rest.count("]"))

    def line_of(self, path: KeyPath) -> int | None:
        """The line of ``path``, else of its nearest enclosing path, else ``None``."""
        for end in range(len(path), 0, -1):
            line = self._lines.get(path[:end])
            if line is not None:
                return line
        return None
