"""Properties of s3repl.simulate: no scenario document escapes as anything but a ScenarioError.

A user's TOML is untrusted input: whatever a key holds, loading either builds a Scenario
or refuses with a ScenarioError naming the key (issue 12: "errors name the file, line
where possible, and the key"; STYLE.md: no traceback reaches a user).
"""

from __future__ import annotations

import copy
import math
import textwrap
import tomllib
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from s3repl.simulate import Scenario, ScenarioError, parse_duration, scenario_from_mapping

BASE = tomllib.loads(
    textwrap.dedent(
        """
        duration = "10m"
        [world]
        roles = [{ arn = "arn:aws:iam::123456789012:role/r" }]
        [[world.buckets]]
        name = "src"
        versioning = "Enabled"
        [latency]
        tail_shape = 2.0
        [workload]
        bucket = "src"
        keys = { count = 10, distribution = "zipf", prefixes = ["a/"] }
        sizes = { distribution = "lognormal", median_bytes = 100 }
        tags = [{ probability = 0.5, tags = { k = "v" } }]
        [[workload.phases]]
        start = "1m"
        end = "5m"
        puts_per_second = 1
        [[workload.bursts]]
        start = "2m"
        duration = "1m"
        puts_per_second = 3
        [[faults]]
        kind = "region_outage"
        region = "us-east-1"
        start = "1m"
        end = "2m"
        [measure]
        resolution = "10s"
        drain = "1m"
        """
    )
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


PATHS = [path for path in _paths(BASE) if path[0] != "world"]

# Values TOML can hold (it has no null; it does have inf and nan).
TOML_VALUES = st.recursive(
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["1h", "0s", "15m", "uniform", "fixed", "src", "delete_role", "-1m"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["count", "end", "kind", "x", "tags"]), inner, max_size=3)
    ),
    max_leaves=6,
)


def _set(document: dict[str, Any], path: tuple[Any, ...], value: object) -> None:
    target: Any = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


@given(changes=st.lists(st.tuples(st.sampled_from(PATHS), TOML_VALUES), min_size=1, max_size=3))
def test_any_document_builds_a_scenario_or_is_refused_by_name(
    changes: list[tuple[tuple[Any, ...], object]],
) -> None:
    document = copy.deepcopy(BASE)
    for path, value in changes:
        try:
            _set(document, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change replaced a table on this path
    try:
        built: Scenario | None = scenario_from_mapping(document)
    except ScenarioError as err:
        built, reason = None, err.reason
    else:
        reason = ""
    assert isinstance(built, Scenario) or reason


@given(
    parts=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10_000), st.sampled_from(["ms", "s", "m", "h", "d"])
        ),
        min_size=1,
        max_size=4,
    )
)
def test_parse_duration_adds_up_its_parts(parts: list[tuple[int, str]]) -> None:
    unit = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    text = "".join(f"{number}{name}" for number, name in parts)
    expected = sum(number * unit[name] for number, name in parts)
    assert math.isclose(parse_duration(text), expected, rel_tol=1e-12, abs_tol=1e-9)


@given(lags=st.lists(st.integers(min_value=0, max_value=10**11), min_size=1, max_size=300))
def test_lag_percentiles_are_within_two_percent_above_the_exact_ones(lags: list[int]) -> None:
    """The histogram's p50/p99 lie in [exact, exact * 1.02]; mean and max are exact."""
    from s3repl.simulate._results import LagHistogram

    histogram = LagHistogram()
    for lag in lags:
        histogram.add(lag)
    stats = histogram.stats()
    ordered = sorted(lags)
    for fraction, reported in ((0.5, stats.p50_seconds), (0.99, stats.p99_seconds)):
        exact = ordered[math.ceil(fraction * len(ordered)) - 1] / 1_000_000
        assert exact - 1e-9 <= reported <= exact * 1.02 + 1e-9
    assert stats.max_seconds == ordered[-1] / 1_000_000
    assert math.isclose(stats.mean_seconds, sum(lags) / len(lags) / 1_000_000, rel_tol=1e-9)
