"""s3repl.simulate: scenario files, the seeded workload, runs, lag, RTC and faults (issue 12).

Each test names the requirement it pins where one applies: R-124 (transient problems
keep tasks PENDING), R-129 (RTC OperationMissedThreshold), R-131 (replication metrics:
OperationsFailedReplication, pending operations), R-132 (RTC: 15 minutes), R-158
(a missing permission's failure reason).
"""

from __future__ import annotations

import math
import textwrap
import tomllib
from collections import Counter
from pathlib import Path

import attrs
import pytest

from s3repl.simulate import (
    KeySpec,
    LagStats,
    Scenario,
    ScenarioError,
    SizeSpec,
    Stream,
    build_engine,
    ensemble,
    load_scenario,
    parse_duration,
    run,
    scenario_from_mapping,
)
from s3repl.simulate._lines import LineIndex
from s3repl.simulate._results import LagHistogram, bin_of, bin_upper_seconds
from s3repl.simulate._run import _Run
from s3repl.simulate._workload import DELETE, PUT, TAG, operations, size_class

ROLE = "arn:aws:iam::123456789012:role/repl"

WORLD = f"""
[world]
roles = [{{ arn = "{ROLE}" }}]

[[world.buckets]]
name = "src"
region = "us-east-1"
versioning = "Enabled"

[world.buckets.replication]
Role = "{ROLE}"

[[world.buckets.replication.Rules]]
ID = "all"
Priority = 1
Status = "Enabled"
Filter = {{}}
DeleteMarkerReplication = {{ Status = "Enabled" }}

[world.buckets.replication.Rules.Destination]
Bucket = "arn:aws:s3:::dst"
ReplicationTime = {{ Status = "Enabled", Time = {{ Minutes = 15 }} }}
Metrics = {{ Status = "Enabled", EventThreshold = {{ Minutes = 15 }} }}

[[world.buckets]]
name = "dst"
region = "eu-west-1"
versioning = "Enabled"
"""


def scenario(body: str, *, world: str = WORLD, path: Path | None = None) -> Scenario:
    """A scenario from TOML text (the world above unless given), as load_scenario reads it."""
    text = textwrap.dedent(body) + world
    if path is not None:
        path.write_text(text, encoding="utf-8")
        return load_scenario(path)
    return scenario_from_mapping(tomllib.loads(text), lines=LineIndex(text))


STEADY = """
duration = "2m"
[workload]
bucket = "src"
keys = { count = 500 }
[[workload.phases]]
puts_per_second = 20
deletes_per_second = 1
tag_changes_per_second = 1
[measure]
resolution = "10s"
"""

FIXED_LATENCY = """
[latency]
tail_shape = false
"""


# --- scenario files -----------------------------------------------------------------------


def test_examples_load_and_name_their_parts() -> None:
    """Every shipped example is a valid scenario (issue 12: two or three realistic examples)."""
    folder = Path(__file__).resolve().parent.parent / "examples" / "scenarios"
    found = sorted(folder.glob("*.toml"))
    assert len(found) >= 3
    for path in found:
        loaded = load_scenario(path)
        assert loaded.name == path.stem
        assert loaded.streams
        assert loaded.faults, f"{path.name} exercises no fault"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(90, 90.0), (2.5, 2.5), ("250ms", 0.25), ("15m", 900.0), ("1h30m", 5400.0), ("1d", 86400.0)],
)
def test_parse_duration_reads_numbers_and_units(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", ["", "15", "15 minutes", "m15", -1, True, None, "1h-5m"])
def test_parse_duration_refuses_anything_else(value: object) -> None:
    with pytest.raises(ValueError, match=r"duration|seconds"):
        parse_duration(value)


@pytest.mark.parametrize(
    ("body", "line", "where", "reason"),
    [
        ('duration = "1h"\nspeed = 3\n', 2, "speed", "unknown key"),
        ('duration = "an hour"\n', 1, "duration", "expected a duration"),
        (
            'duration = "1h"\n[workload]\nbucket = "src"\n[[workload.phases]]\n'
            "puts_per_second = 1\n[[workload.phases]]\nputs_per_second = -5\n",
            7,
            "workload.phases[1].puts_per_second",
            "must be >= 0",
        ),
        (
            'duration = "1h"\n[[faults]]\nkind = "region_outage"\nstart = "1m"\nend = "2m"\n',
            2,
            "faults[0]",
            "needs region",
        ),
        (
            'duration = "1h"\n[[faults]]\nkind = "meteor"\nstart = "1m"\n',
            3,
            "faults[0].kind",
            "unknown kind 'meteor'",
        ),
        (
            'duration = "1h"\n[workload]\n[[workload.bursts]]\nbucket = "nope"\n'
            'duration = "1m"\nputs_per_second = 5\n',
            3,
            "workload.bursts[0]",
            "bucket 'nope' is not in the world",
        ),
        (
            'duration = "1h"\n[latency]\nwarp_factor = 9\n',
            3,
            "latency.warp_factor",
            "unknown latency setting",
        ),
        (
            'duration = "1h"\n[measure]\nresolution = "1ms"\n',
            3,
            "measure.resolution",
            "at most 20000",
        ),
    ],
)
def test_scenario_errors_name_the_file_line_and_key(
    tmp_path: Path, body: str, line: int | None, where: str, reason: str
) -> None:
    """A bad scenario is refused with FILE:LINE: key.path: reason (issue 12)."""
    path = tmp_path / "bad.toml"
    with pytest.raises(ScenarioError) as caught:
        scenario(body, path=path)
    error = caught.value
    assert error.file == str(path)
    assert error.path == where
    assert reason in error.reason
    if where:
        assert error.line == line
        assert str(error).startswith(f"{path}:{line}: {where}: ")


def test_inline_world_errors_point_into_the_world(tmp_path: Path) -> None:
    """A world the engine refuses is reported at its key: world.buckets[1].region."""
    broken = WORLD.replace('region = "eu-west-1"', 'region = "mars-north-1"')
    with pytest.raises(ScenarioError) as caught:
        scenario('duration = "1h"\n', world=broken, path=tmp_path / "w.toml")
    assert caught.value.path == "world.buckets[1].region"
    assert "mars-north-1" in caught.value.reason
    assert caught.value.line is not None
    assert "mars-north-1" in broken.splitlines()[caught.value.line - 2]


def test_toml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "syntax.toml"
    path.write_text('duration = "1h"\n[world\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid TOML") as caught:
        load_scenario(path)
    assert caught.value.line == 2


def test_world_file_is_read_relative_to_the_scenario(tmp_path: Path) -> None:
    """``[world] file = ...`` is carried inside the Scenario, so workers need no files."""
    examples = Path(__file__).resolve().parent.parent / "examples" / "scenarios"
    loaded = load_scenario(examples / "dr-drill.toml")
    assert loaded.world_source.endswith("dr-drill.world.json")
    assert '"app-primary"' in loaded.world
    missing = tmp_path / "m.toml"
    missing.write_text('duration = "1h"\n[world]\nfile = "nowhere.json"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="cannot read world file") as caught:
        load_scenario(missing)
    assert caught.value.path == "world.file"
    assert caught.value.line == 3


def test_values_check_themselves() -> None:
    with pytest.raises(ValueError, match="end"):
        Stream(name="s", bucket="b", start_seconds=5, end_seconds=5)
    with pytest.raises(ValueError, match="count"):
        KeySpec(count=0)
    with pytest.raises(ValueError, match="min_bytes"):
        SizeSpec(min_bytes=10, max_bytes=5)


# --- the workload -------------------------------------------------------------------------


def test_workload_is_deterministic_and_independent_per_seed() -> None:
    """Same seed, same operations; another seed, other operations (issue 12)."""
    steady = scenario(STEADY)
    first = list(operations(steady, 3))
    assert first == list(operations(steady, 3))
    assert first != list(operations(steady, 4))
    times = [op[0] for op in first]
    assert times == sorted(times)


def test_workload_rates_follow_the_phases() -> None:
    """Arrivals are Poisson at the stream's rate: counts within 5 standard deviations."""
    steady = scenario(STEADY)
    kinds = Counter(op[3] for op in operations(steady, 1))
    for kind, rate in ((PUT, 20), (DELETE, 1), (TAG, 1)):
        expected = rate * 120
        assert abs(kinds[kind] - expected) <= 5 * math.sqrt(expected), (kind, kinds)


def test_bursts_add_load_only_within_their_window() -> None:
    bursty = scenario(
        STEADY
        + '[[workload.bursts]]\nbucket = "src"\nstart = "60s"\nduration = "10s"\n'
        + "puts_per_second = 200\n"
    )
    inside = sum(1 for op in operations(bursty, 0) if 60e6 <= op[0] < 70e6)
    outside = sum(1 for op in operations(bursty, 0) if 20e6 <= op[0] < 30e6)
    assert inside > 5 * outside


def test_key_distributions() -> None:
    zipf = scenario(
        STEADY.replace(
            "keys = { count = 500 }",
            'keys = { count = 500, distribution = "zipf", exponent = 1.2, '
            'prefixes = ["a/", "b/"] }',
        )
    )
    keys = Counter(op[5] for op in operations(zipf, 0))
    assert keys.most_common(1)[0][0] == "a/00000000"
    sequential = scenario(
        STEADY.replace(
            "keys = { count = 500 }", 'keys = { count = 100000, distribution = "sequential" }'
        )
        .replace("deletes_per_second = 1", "deletes_per_second = 0")
        .replace("tag_changes_per_second = 1", "tag_changes_per_second = 0")
    )
    puts = [op[5] for op in operations(sequential, 0)]
    assert len(set(puts)) == len(puts)
    assert puts[:2] == ["00000000", "00000001"]


def test_sizes_are_rounded_to_shared_size_classes() -> None:
    assert [size_class(n) for n in (0, 1, 1024, 1100, 1500)] == [0, 1, 1024, 1024, 1448]
    for size in range(2, 5000, 7):
        assert abs(size_class(size) - size) <= 0.1 * size + 1


def test_tag_choices_follow_their_probability() -> None:
    tagged = scenario(STEADY + '[[workload.tags]]\nprobability = 0.25\ntags = { class = "pii" }\n')
    puts = [op for op in operations(tagged, 0) if op[3] == PUT]
    share = sum(1 for op in puts if op[7] == {"class": "pii"}) / len(puts)
    assert 0.2 < share < 0.3


# --- runs -----------------------------------------------------------------------------------


def test_same_seed_same_result_other_seed_other_result() -> None:
    """Determinism (issue 12, DESIGN.md promise 2): a run is a function of (scenario, seed)."""
    steady = scenario(STEADY)
    assert run(steady, 5) == run(steady, 5)
    assert run(steady, 5) != run(steady, 6)


def test_without_latency_replication_follows_at_once() -> None:
    """No latency model: every task is due at once, so lag is the engine's one-tick step."""
    result = run(scenario(STEADY), 0)
    assert result.puts > 2000
    assert result.replicated == result.puts + result.deletes + result.tag_changes - sum(
        n for code, n in result.operation_errors
    )
    assert result.lag.max_seconds <= 0.002
    assert result.pending_at_end == 0
    assert result.rtc_misses == 0


def test_lag_is_the_latency_models_delay() -> None:
    """Lag is measured on the engine's clock: with a fixed model it is the model's delay.

    us-east-1 to eu-west-1 crosses an ocean (LatencyModel.across_oceans_seconds, 8 s by
    default), objects of 0 bytes take no transfer time, and no tail is drawn.
    """
    steady = scenario(
        STEADY + FIXED_LATENCY + '[workload.sizes]\ndistribution = "fixed"\nbytes = 0\n'
    )
    result = run(steady, 0)
    assert result.lag.count > 2000
    assert result.lag.p50_seconds == pytest.approx(8.0, rel=0.02)
    assert result.lag.max_seconds == pytest.approx(8.0, abs=0.01)


def test_lag_histogram_percentiles_are_within_two_percent() -> None:
    histogram = LagHistogram()
    lags = [1_000 * n for n in range(1, 10_001)]  # 1 ms .. 10 s
    for lag in lags:
        histogram.add(lag)
    stats = histogram.stats()
    assert stats.count == 10_000
    assert stats.max_seconds == 10.0
    assert stats.p50_seconds == pytest.approx(5.0, rel=0.02)
    assert stats.p99_seconds == pytest.approx(9.9, rel=0.02)
    assert stats.mean_seconds == pytest.approx(5.0005)
    merged = LagStats.merge([stats, stats])
    assert merged.count == 20_000
    assert merged.p99_seconds == stats.p99_seconds
    assert bin_upper_seconds(bin_of(1_500_000)) >= 1.5 > bin_upper_seconds(bin_of(1_500_000) - 1)


OUTAGE = """
duration = "40m"
[latency]
tail_shape = false
[workload]
bucket = "src"
keys = { count = 1000 }
[[workload.phases]]
puts_per_second = 2
[[faults]]
kind = "region_outage"
region = "eu-west-1"
start = "5m"
end = "25m"
[measure]
resolution = "30s"
drain = "10m"
"""


def test_region_outage_keeps_tasks_pending_then_drains() -> None:
    """R-124: a destination region outage keeps tasks PENDING (retried); they complete after."""
    result = run(scenario(OUTAGE), 0)
    assert result.retried > 0
    assert result.failed == 0
    assert result.pending_at_end == 0
    assert result.replicated == result.puts
    peak = result.peak_at_seconds
    assert 5 * 60 < peak <= 25 * 60 + 30
    assert result.lag.max_seconds > 15 * 60


def test_rtc_misses_match_the_engines_missed_threshold_events() -> None:
    """R-129, R-132: operations pending past 15 minutes are RTC misses.

    The run's own count (from its clock) and the engine's OperationMissedThreshold
    events must agree: every put made in the first five minutes of a 20-minute outage
    waits more than 15 minutes.
    """
    result = run(scenario(OUTAGE), 0)
    assert result.rtc_misses > 0
    assert result.rtc_misses == result.missed_threshold_events
    quiet = run(
        scenario(OUTAGE.replace('start = "5m"\nend = "25m"', 'start = "5m"\nend = "10m"')), 0
    )
    assert quiet.rtc_misses == quiet.missed_threshold_events == 0


def test_versions_at_risk_are_the_backlog_when_the_fault_begins() -> None:
    """The impact of a fault is the backlog at its start: the sample at that instant agrees."""
    result = run(scenario(OUTAGE), 2)
    (impact,) = result.faults
    assert impact.at_seconds == 300.0
    row = next(r for r in result.series.rows if r[0] == 300.0)
    at = result.series.columns.index
    assert impact.operations_pending == row[at("operations_pending")]
    # Two puts a second, each 8 s in flight: about 16 versions not yet replicated.
    assert 4 <= impact.operations_pending <= 40
    assert impact.oldest_pending_seconds <= 8.0 + 1e-6


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (
            'kind = "revoke_permission"\nrole = "' + ROLE + '"\nactions = ["s3:ReplicateObject"]',
            "DstPutObjectNotPermitted",
        ),
        ('kind = "delete_role"\nrole = "' + ROLE + '"', "AssumeRoleNotPermitted"),
        ('kind = "suspend_versioning"\nbucket = "dst"', "DstBucketUnversioned"),
    ],
)
def test_permanent_faults_fail_replication_with_their_reason(fault: str, reason: str) -> None:
    """R-131, R-158: OperationsFailedReplication by reason; T-66: s3:ReplicateObject denied."""
    body = STEADY + f'[[faults]]\n{fault}\nstart = "30s"\nend = "60s"\n'
    result = run(scenario(body), 0)
    failed = dict(result.failed_by_reason)
    assert failed.get(reason, 0) > 0, failed
    rows = result.series.rows
    at = result.series.columns.index("failed")
    assert sum(r[at] for r in rows if r[0] <= 30) == 0
    assert sum(r[at] for r in rows if r[0] > 70) == 0  # lifted at 60 s


def test_failed_counts_match_the_engines_metrics() -> None:
    """R-131: the run's failures equal the engine's OperationsFailedReplication."""
    body = STEADY + (
        f'[[faults]]\nkind = "revoke_permission"\nrole = "{ROLE}"\n'
        'actions = ["s3:ReplicateObject"]\nstart = "30s"\n'
    )
    steady = scenario(body)
    working = _Run(steady, 0, None)
    result = working.run()
    metrics = working.engine.replication_metrics("src")
    assert result.failed == sum(m.operations_failed for m in metrics) > 0


def test_a_fault_the_engine_refuses_is_a_scenario_error() -> None:
    """Suspending versioning on a source with replication is refused (R-004): named clearly."""
    body = STEADY + '[[faults]]\nkind = "suspend_versioning"\nbucket = "src"\nstart = "30s"\n'
    with pytest.raises(
        ScenarioError, match=r"faults\[0\]: the engine refused it: InvalidBucketState"
    ):
        run(scenario(body), 0)


def test_memory_follows_the_backlog_not_the_puts() -> None:
    """What a run remembers of its writes is pruned to the backlog at every sample."""
    steady = scenario(STEADY)
    working = _Run(steady, 0, None)
    result = working.run()
    assert result.puts > 2000
    assert len(working.origins) <= result.pending_at_end + 1
    assert len(result.series.rows) == 12


def test_build_engine_seeds_the_engine_with_the_run_seed() -> None:
    steady = scenario(STEADY)
    assert build_engine(steady, 4).seed == 4
    assert build_engine(steady, 4).profile.latency is None
    assert build_engine(scenario(OUTAGE), 0).profile.latency is not None


def test_ensemble_keeps_seed_order_and_aggregates() -> None:
    steady = scenario(STEADY)
    result = ensemble(steady, [3, 1, 2])
    assert result.seeds == (3, 1, 2)
    assert result.runs[1] == run(steady, 1)
    aggregate = result.aggregate()
    assert aggregate["runs"] == 3
    assert result.lag.count == sum(r.lag.count for r in result.runs)
    with pytest.raises(ValueError, match="distinct"):
        ensemble(steady, [1, 1])


def test_scenarios_are_values() -> None:
    steady = scenario(STEADY)
    assert attrs.evolve(steady) == steady
    with pytest.raises(ValueError, match="duration_seconds"):
        attrs.evolve(steady, duration_seconds=0)


def test_a_run_leaves_the_garbage_collector_as_it_found_it() -> None:
    """A run freezes the collector's view at each sample and unfreezes at its end."""
    import gc

    assert gc.get_freeze_count() == 0
    run(scenario(STEADY), 0)
    assert gc.get_freeze_count() == 0


PHASE = '[workload]\nbucket = "src"\n[[workload.phases]]\n'


@pytest.mark.parametrize(
    ("body", "where", "reason"),
    [
        ('duration = "1h"\nworkload = 3\n', "workload", "expected a table"),
        ('duration = "1h"\nfaults = 3\n', "faults", "expected an array of tables"),
        (
            'duration = "1h"\n' + PHASE + 'puts_per_second = "fast"\n',
            "workload.phases[0].puts_per_second",
            "expected a number",
        ),
        (
            'duration = "1h"\n' + PHASE + "keys = { count = 2.5 }\n",
            "workload.phases[0].keys.count",
            "expected an integer",
        ),
        (
            'duration = "1h"\n' + PHASE + "keys = { distribution = 3 }\n",
            "workload.phases[0].keys.distribution",
            "expected a string",
        ),
        (
            'duration = "1h"\n' + PHASE + "keys = { prefixes = [1] }\n",
            "workload.phases[0].keys.prefixes",
            "array of strings",
        ),
        (
            'duration = "1h"\n' + PHASE + "tags = [{ tags = { a = 1 } }]\n",
            "workload.phases[0].tags[0].tags",
            "must be strings",
        ),
        (
            'duration = "1h"\n[workload]\n[[workload.phases]]\nputs_per_second = 1\n',
            "workload.phases[0]",
            "names no bucket",
        ),
        (
            'duration = "1h"\n' + PHASE + 'end = "2m"\nduration = "1m"\n',
            "workload.phases[0].duration",
            "not both",
        ),
        (
            'duration = "1h"\n[workload]\nbucket = "src"\n[[workload.bursts]]\nputs_per_second = 1\n',  # noqa: E501 - one case per line
            "workload.bursts[0]",
            "needs duration",
        ),
        (
            'duration = "1h"\n' + PHASE + 'start = "2h"\n',
            "workload.phases[0].start",
            "after the workload ends",
        ),
        ('duration = "1h"\n[[faults]]\nstart = "1m"\n', "faults[0]", "needs kind"),
        (
            'duration = "1h"\n[[faults]]\nkind = "delete_role"\nrole = "'
            + ROLE
            + '"\nstart = "1m"\nat = "2m"\n',
            "faults[0].at",
            "not both",
        ),
        (
            'duration = "1h"\n[[faults]]\nkind = "delete_role"\nrole = "' + ROLE + '"\n',
            "faults[0]",
            "needs start",
        ),
        (
            'duration = "1h"\n[[faults]]\nkind = "delete_role"\nrole = "'
            + ROLE
            + '"\nat = "1m"\nend = "3m"\nduration = "2m"\n',
            "faults[0].duration",
            "not both",
        ),
        (
            'duration = "1h"\n[[faults]]\nkind = "revoke_permission"\nrole = "'
            + ROLE
            + '"\nat = "1m"\nactions = "s3:*"\n',
            "faults[0].actions",
            "array of strings",
        ),
        (
            'duration = "1h"\n[[faults]]\nkind = "delete_role"\nrole = "'
            + ROLE
            + '"\nbucket = "src"\nat = "1m"\n',
            "faults[0].bucket",
            "takes no bucket",
        ),
        (
            'duration = "1h"\n[[faults]]\nkind = "bucket_outage"\nbucket = "gone"\nat = "1m"\nend = "2m"\n',  # noqa: E501 - one case per line
            "faults[0].bucket",
            "not in the world",
        ),
        (
            'duration = "1h"\n[[faults]]\nkind = "delete_role"\nrole = "arn:aws:iam::123456789012:role/x"\nat = "1m"\n',  # noqa: E501 - one case per line
            "faults[0].role",
            "not in the world",
        ),
        (
            'duration = "1h"\n[[faults]]\nkind = "disable_kms_key"\nkms_key = "arn:aws:kms:us-east-1:123456789012:key/x"\nat = "1m"\n',  # noqa: E501 - one case per line
            "faults[0].kms_key",
            "not in the world",
        ),
        (
            'duration = "1h"\n[[faults]]\nkind = "delete_role"\nrole = "' + ROLE + '"\nat = "2h"\n',
            "faults[0].start",
            "after the run ends",
        ),
        (
            'duration = "1h"\n[[faults]]\nkind = "flaky_destinations"\nrate = 2.0\nat = "1m"\nend = "2m"\n',  # noqa: E501 - one case per line
            "faults[0].rate",
            "rate must be within",
        ),
        (
            'duration = "1h"\n[[faults]]\nkind = "region_outage"\nregion = "us-east-1"\nat = "1m"\n',  # noqa: E501 - one case per line
            "faults[0]",
            "needs an end",
        ),
        ('duration = "1h"\nlatency = 3\n', "latency", "expected a table"),
        ('description = "no duration"\n', "", "needs duration"),
    ],
)
def test_every_scenario_mistake_is_named(body: str, where: str, reason: str) -> None:
    """Each refusal names the key path and says what is wrong (issue 12)."""
    with pytest.raises(ScenarioError) as caught:
        scenario(body)
    assert caught.value.path == where
    assert reason in caught.value.reason


def test_a_scenario_needs_a_world() -> None:
    text = 'duration = "1h"\n'
    with pytest.raises(ScenarioError, match=r"needs a \[world\] table"):
        scenario_from_mapping(tomllib.loads(text))
    with pytest.raises(ScenarioError, match="give file or an inline world"):
        scenario_from_mapping(tomllib.loads(text + '[world]\nfile = "w.json"\nbuckets = []\n'))


def test_size_distributions_stay_within_bounds() -> None:
    for sizes in (
        'sizes = { distribution = "lognormal", median_bytes = 4096, sigma = 2.0, min_bytes = 100, max_bytes = 65536 }',  # noqa: E501 - one case per line
        'sizes = { distribution = "uniform", min_bytes = 100, max_bytes = 65536 }',
    ):
        loaded = scenario(
            STEADY.replace("keys = { count = 500 }", "keys = { count = 500 }\n" + sizes)
        )
        drawn = [op[6] for op in operations(loaded, 0) if op[3] == PUT]
        assert min(drawn) >= size_class(100)
        assert max(drawn) <= size_class(65536)
        assert len(set(drawn)) > 5


def test_latency_table_builds_the_model_destinations_included() -> None:
    """[latency] is a LatencyModel; a destination's own throughput queues its work.

    With ``operations_per_second = 2`` for dst and 20 operations a second arriving, the
    queue grows through the run: lag climbs far past the fixed 8-second route delay.
    """
    loaded = scenario(
        STEADY + FIXED_LATENCY + "[latency.destinations.dst]\noperations_per_second = 2\n"
    )
    assert loaded.latency is not None
    assert loaded.latency.tail_shape is None
    assert loaded.latency.limits_of("dst") == (125_000_000.0, 2.0)
    result = run(loaded, 0)
    assert result.lag.max_seconds > 60
    assert result.peak_operations_pending > 100
