"""docs/iac.md shows what ``s3repl check`` prints for templates and plans, exactly.

The page's runs are the issue-14 examples: the DR template's R-067 and R-155 findings,
its fixed twin, and the multi-region plan's R-067 finding and R-089 note.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from s3repl.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _documented_runs() -> list[tuple[str, str]]:
    text = (ROOT / "docs" / "iac.md").read_text(encoding="utf-8")
    runs = []
    for block in re.findall(r"```text\n(.*?)```", text, flags=re.DOTALL):
        first, _, rest = block.partition("\n")
        if first.startswith("$ s3repl "):
            runs.append((first.removeprefix("$ s3repl "), rest))
    return runs


@pytest.mark.parametrize(("command", "shown"), _documented_runs())
def test_documented_output_is_what_the_command_prints(
    command: str, shown: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every ``$ s3repl ...`` run on the page prints what the page shows (R-067, R-155, R-089)."""
    monkeypatch.chdir(ROOT)
    main(shlex.split(command))
    assert capsys.readouterr().out == shown


def test_the_page_shows_templates_and_plans() -> None:
    """The check above is not vacuous: the page runs the template, its twin and the plan."""
    files = [shlex.split(command)[1] for command, _ in _documented_runs()]
    assert files == [
        "examples/iac/dr-stack.yaml",
        "examples/iac/dr-stack-fixed.yaml",
        "examples/iac/dr-plan.json",
    ]
