"""Whatever a template or plan holds, ``check`` answers or refuses it: never a traceback.

A property over mutated example files (CloudFormation YAML and CDK-style JSON,
Terraform plans): any value, anywhere, replaced or removed, gives either a report or
an :class:`~s3repl.iac.InfrastructureError` (exit 2, one line).  Found by this test
before it was kept: a role without a trust policy, a provider with ``expressions: null``
and a tag filter of the wrong shape.  The examples' requirements (R-067, R-155) are the
ones the other iac tests pin; this one pins robustness.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from s3repl.iac import CheckOptions, InfrastructureError, Report, check_infrastructure
from s3repl.iac._yaml import load_yaml

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "iac"


def _base(name: str) -> Any:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    return load_yaml(text, name)[0] if name.endswith(".yaml") else json.loads(text)


BASES = [
    _base(name)
    for name in (
        "dr-stack.yaml",
        "cdk-stack.template.json",
        "dr-plan.json",
        "dr-plan-fixed.json",
    )
]

_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 20),
    st.text(max_size=6),
    st.sampled_from(["Enabled", "aws:kms", "arn:aws:s3:::bucket-a", "x/*", "*", "alias/x"]),
)
_KEYS = st.text(max_size=5) | st.sampled_from(["Ref", "Fn::GetAtt", "Fn::Sub", "references"])
_VALUES = st.recursive(
    _LEAVES,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_KEYS, children, max_size=3),
    max_leaves=8,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


@given(
    st.sampled_from(range(len(BASES))),
    st.lists(st.tuples(st.integers(0, 10**6), _VALUES, st.booleans()), min_size=1, max_size=3),
)
def test_any_mutation_is_checked_or_refused(which: int, edits: list[tuple[int, Any, bool]]) -> None:
    """Replace or remove any part of a template or plan: a report, or one refusal."""
    document = copy.deepcopy(BASES[which])
    for pick, value, remove in edits:
        paths = list(_paths(document))[1:]
        path = paths[pick % len(paths)]
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        if remove and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
    outcome: Report | str
    try:
        outcome = check_infrastructure(json.dumps(document), file="t.json", options=CheckOptions())
    except InfrastructureError as err:
        outcome = str(err)
    assert isinstance(outcome, Report) or "\n" not in outcome
