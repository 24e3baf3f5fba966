"""The fuzzer's findings, replayed: every decoder refuses hostile bytes with its own error.

``fuzz/run.py`` (atheris, coverage-guided; see ``fuzz/README.md``) feeds mutated bytes
to every public decoder and to the world-file loader. An input that made one of them
raise anything but the library's error was a crash; each is kept in ``fuzz/crashes/``
and replayed here, with the committed seeds of ``fuzz/corpus/``, so that a fix cannot
regress. A Hypothesis property covers the same ground in every
test run, with JSON values built from each schema's own member names.

The requirement: R-045 (a document that breaks the schema is the S3 error
``MalformedXML``, never an exception of the implementation) and R-020 (the 2 MB
bound); for the world file, its loader's ``WorldFileError``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "fuzz"))

from targets import TARGETS, run_target  # noqa: E402

FUZZ = ROOT / "fuzz"
INPUTS = sorted(
    (folder.name, path)
    for kind in ("crashes", "corpus")
    for folder in sorted((FUZZ / kind).glob("*"))
    if folder.is_dir()
    for path in sorted(folder.iterdir())
    if path.is_file() and (kind == "crashes" or path.name.startswith("seed-"))
)


def test_every_target_has_a_corpus() -> None:
    """R-045: each decoder the fuzzer knows starts from at least one valid seed."""
    seeded = {name for name, path in INPUTS if path.parent.parent.name == "corpus"}
    assert seeded == set(TARGETS)


@pytest.mark.parametrize(
    ("target", "path"),
    [
        pytest.param(name, path, id=f"{path.parent.parent.name}/{name}/{path.name}")
        for name, path in INPUTS
    ],
)
def test_fuzz_input_ends_in_the_librarys_error(target: str, path: Path) -> None:
    """R-045, R-020: replaying a found input raises nothing but the library's error."""
    run_target(target, path.read_bytes())


_NAMES = st.sampled_from(
    [
        "Role",
        "Rules",
        "Rule",
        "ID",
        "Priority",
        "Status",
        "Filter",
        "Prefix",
        "Tag",
        "Tags",
        "And",
        "Not",
        "Or",
        "Key",
        "Value",
        "Destination",
        "Bucket",
        "Account",
        "TagSet",
        "Grants",
        "Grantee",
        "Type",
        "Owner",
        "Permission",
        "ObjectLockEnabled",
        "DefaultRetention",
        "Mode",
        "Days",
        "Years",
        "ApplyServerSideEncryptionByDefault",
        "SSEAlgorithm",
        "ObjectOwnership",
        "MFADelete",
        "buckets",
        "name",
        "replication",
        "profile",
        "seed",
        "roles",
        "arn",
        "policy",
    ]
)
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["Enabled", "Disabled", "arn:aws:s3:::replica-bucket", "GOVERNANCE"])
)
_JSON = st.recursive(
    _LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(_NAMES | st.text(max_size=4), inner, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(target=st.sampled_from(sorted(t for t in TARGETS if not t.endswith("_xml"))), value=_JSON)
def test_any_json_value_ends_in_the_librarys_error(target: str, value: Any) -> None:
    """R-045: any JSON value, built from the schemas' own names, given to a dict decoder
    or the world-file loader, gives a value or the library's error."""
    import json

    run_target(target, json.dumps(value).encode())
