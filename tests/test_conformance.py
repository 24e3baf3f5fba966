"""docs/conformance.md is the ledger of SPEC requirements: it must stay true.

Every requirement id has exactly one row; a row that claims `modelled` or `partial`
names test files, and each of those files really names the requirement; a row that
says `not modelled` says why.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEDGER = ROOT / "docs" / "conformance.md"
SPEC = ROOT.parent / "shared" / "SPEC.md"

#: The requirement ids of SPEC.md (late 2026 edition), checked against SPEC.md itself
#: whenever the shared folder sits beside the repository, as it does in CI.
SPEC_IDS = tuple(
    f"R-{n:03d}"
    for n in (
        *range(1, 16),
        *range(20, 56),
        *range(60, 70),
        *range(80, 93),
        *range(100, 114),
        *range(120, 133),
        *range(140, 146),
        *range(150, 160),
        *range(170, 178),
    )
)
ROW = re.compile(r"^\| (R-\d{3}) \| (.*?) \| (modelled|partial|not modelled) \| (.*?) \| (.*?) \|$")


def rows() -> dict[str, tuple[str, str, str]]:
    """R-id -> (status, tested in, notes), from the ledger's table."""
    found: dict[str, tuple[str, str, str]] = {}
    for line in LEDGER.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            assert match[1] not in found, f"{match[1]} has two rows"
            found[match[1]] = (match[3], match[4], match[5])
    return found


def test_spec_ids_are_current() -> None:
    """The id list above is SPEC.md's, so the ledger is checked against the real SPEC."""
    if SPEC.exists():
        assert tuple(re.findall(r"^\*\*(R-\d{3})\*\*", SPEC.read_text(), re.MULTILINE)) == (
            SPEC_IDS
        )
    assert len(SPEC_IDS) == 125


def test_every_requirement_has_one_row() -> None:
    """Every R-nnn of SPEC.md appears in docs/conformance.md exactly once, and no other."""
    assert sorted(rows()) == sorted(SPEC_IDS)


def test_claimed_tests_name_the_requirement() -> None:
    """A modelled or partial row lists test files, and each of them names its R-id."""
    for rid, (status, tested_in, notes) in rows().items():
        files = re.findall(r"`(tests/[^`]+)`", tested_in)
        if status == "not modelled":
            assert notes.strip(), f"{rid}: say why it is not modelled"
            continue
        assert files, f"{rid} is {status} but names no test"
        for name in files:
            text = (ROOT / name).read_text(encoding="utf-8")
            assert re.search(rf"\b{rid}\b", text), f"{name} does not mention {rid}"
