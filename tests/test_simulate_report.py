"""s3repl simulate: executors (serial, processes, Dask), the report files and the command.

The determinism across executors is issue 12's "Done when": the same seed gives the
same numbers under every executor, seed by seed, down to the bytes of summary.json.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import attrs
import pytest

from s3repl.cli import main
from s3repl.simulate import (
    ExecutorUnavailableError,
    ensemble,
    load_scenario,
    open_executor,
    run,
    summary,
    write_report,
)
from s3repl.simulate._results import SERIES_COLUMNS

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "scenarios"


def brief(name: str, *, scale: float = 0.05) -> object:
    """An example with its load scaled down, so it runs in about a second (same timeline)."""
    loaded = load_scenario(EXAMPLES / f"{name}.toml")
    return attrs.evolve(
        loaded,
        streams=tuple(
            attrs.evolve(
                stream,
                puts_per_second=stream.puts_per_second * scale,
                deletes_per_second=stream.deletes_per_second * scale,
                tag_changes_per_second=stream.tag_changes_per_second * scale,
            )
            for stream in loaded.streams
        ),
    )


@pytest.mark.parametrize("name", ["dr-drill", "compliance-tagged", "two-way-conflicts"])
def test_examples_run_briefly(name: str) -> None:
    """Each shipped example runs (load scaled down) and its fault leaves a mark."""
    result = run(brief(name), 0)  # type: ignore[arg-type]
    assert result.puts > 0
    assert result.replicated > 0
    assert result.faults
    if name == "dr-drill":  # the outage outlasts RTC's 15 minutes
        assert result.rtc_misses == result.missed_threshold_events > 0
        assert result.pending_at_end == 0
    if name == "compliance-tagged":  # a revoked source read fails the object
        assert dict(result.failed_by_reason)["SrcGetObjectNotPermitted"] > 0
    if name == "two-way-conflicts":  # flaky destinations retry, nothing fails
        assert result.retried > 0
        assert result.failed == 0


def test_processes_give_the_serial_numbers_seed_by_seed() -> None:
    """The same seed gives the same numbers in a process pool as in this process."""
    scenario = brief("two-way-conflicts", scale=0.02)
    serial = ensemble(scenario, [0, 1, 2])  # type: ignore[arg-type]
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = ensemble(scenario, [0, 1, 2], executor=pool)  # type: ignore[arg-type]
    assert pooled.runs == serial.runs
    assert json.dumps(summary(pooled, scenario)) == json.dumps(summary(serial, scenario))  # type: ignore[arg-type]


def test_dask_local_cluster_gives_the_serial_numbers_seed_by_seed() -> None:
    """Dask (extra s3repl[dask]): a LocalCluster of two worker processes, results identical."""
    scenario = brief("dr-drill", scale=0.02)
    serial = ensemble(scenario, [5, 6])  # type: ignore[arg-type]
    done: list[tuple[int, int]] = []
    with open_executor("dask", workers=2) as executor:
        assert executor is not None
        distributed = ensemble(
            scenario,  # type: ignore[arg-type]
            [5, 6],
            executor=executor,
            progress=lambda finished, total: done.append((finished, total)),
        )
    assert distributed.runs == serial.runs
    assert done[-1] == (2, 2)


def test_open_executor_refuses_what_it_cannot_open() -> None:
    with pytest.raises(ValueError, match="unknown executor"), open_executor("threads"):
        pass
    with pytest.raises(ValueError, match="workers"), open_executor("processes", workers=0):
        pass
    with open_executor("serial") as nothing:
        assert nothing is None


def test_unreachable_scheduler_is_a_clear_error() -> None:
    with (
        pytest.raises(ExecutorUnavailableError, match="cannot reach the Dask scheduler"),
        open_executor("dask", scheduler="tcp://127.0.0.1:9"),
    ):
        pass


def test_report_files(tmp_path: Path) -> None:
    """summary.json, one CSV per seed, the lag CDF, three PNGs and one self-contained HTML."""
    scenario = brief("dr-drill", scale=0.02)
    result = ensemble(scenario, [0, 1])  # type: ignore[arg-type]
    written = write_report(result, scenario, tmp_path / "out")  # type: ignore[arg-type]
    names = [path.name for path in written]
    assert names == [
        "summary.json",
        "series-seed-0.csv",
        "series-seed-1.csv",
        "lag-cdf.csv",
        "backlog.png",
        "lag.png",
        "lag-cdf.png",
        "report.html",
    ]
    data = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert data["seeds"] == [0, 1]
    assert set(data["aggregate"]["lag_seconds"]) == {"count", "p50", "p99", "max", "mean"}
    assert data["runs"][1]["versions_at_risk"][0]["fault"] == "faults[0]"
    header = (tmp_path / "out" / "series-seed-0.csv").read_text().splitlines()[0]
    assert header == ",".join(SERIES_COLUMNS)
    for image in ("backlog.png", "lag.png", "lag-cdf.png"):
        assert (tmp_path / "out" / image).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    page = (tmp_path / "out" / "report.html").read_text()
    assert page.count("src='data:image/png;base64,") == 3
    assert not re.search(r"(src|href)=['\"](?!data:)", page), "the report must be self-contained"
    assert "dr-drill" in page


def test_report_without_plots(tmp_path: Path) -> None:
    scenario = brief("dr-drill", scale=0.02)
    result = ensemble(scenario, [0])  # type: ignore[arg-type]
    written = write_report(result, scenario, tmp_path, plots=False)  # type: ignore[arg-type]
    assert not [path for path in written if path.suffix == ".png"]
    assert "matplotlib is not installed" in (tmp_path / "report.html").read_text()


# --- the command ----------------------------------------------------------------------------


def small_scenario(tmp_path: Path) -> Path:
    """The DR drill at a twentieth of its load and a shorter drain, as a file."""
    text = (EXAMPLES / "dr-drill.toml").read_text()
    text = text.replace(
        'file = "dr-drill.world.json"', f'file = "{EXAMPLES / "dr-drill.world.json"}"'
    )
    text = re.sub(r"puts_per_second = (\d+)", lambda m: f"puts_per_second = {int(m[1]) / 20}", text)
    path = tmp_path / "dr-small.toml"
    path.write_text(text)
    return path


def test_simulate_command_writes_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``s3repl simulate SCENARIO --seeds 2 --out DIR``: exit 0, the report, the headline."""
    out = tmp_path / "report"
    status = main(["simulate", str(small_scenario(tmp_path)), "--seeds", "2", "--out", str(out)])
    captured = capsys.readouterr()
    assert status == 0
    assert (out / "report.html").is_file()
    assert json.loads((out / "summary.json").read_text())["seeds"] == [0, 1]
    assert "replication lag" in captured.out
    assert f"report: {out / 'report.html'}" in captured.out
    # stderr is not a terminal here: plain progress lines, never a bar
    assert "s3repl simulate: 100%" in captured.err
    assert "\r" not in captured.err


def test_simulate_command_same_summary_under_every_executor(tmp_path: Path) -> None:
    """Issue 12's "Done when": determinism across executors is a test (bytes of summary.json)."""
    scenario = small_scenario(tmp_path)
    texts = []
    for executor in ("serial", "processes", "dask"):
        out = tmp_path / executor
        status = main(
            [
                "simulate",
                str(scenario),
                "--seeds",
                "2",
                "--executor",
                executor,
                "--workers",
                "2",
                "--no-plots",
                "--out",
                str(out),
            ]
        )
        assert status == 0
        texts.append((out / "summary.json").read_text())
    assert texts[0] == texts[1] == texts[2]


def test_simulate_command_one_seed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "one"
    status = main(
        ["simulate", str(small_scenario(tmp_path)), "--seed", "7", "--out", str(out), "--no-plots"]
    )
    assert status == 0
    assert json.loads((out / "summary.json").read_text())["seeds"] == [7]
    capsys.readouterr()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["missing.toml"], "cannot read scenario"),
        (["{scenario}", "--seeds", "0"], "--seeds must be at least 1"),
        (
            ["{scenario}", "--executor", "processes", "--scheduler", "tcp://x:1"],
            "--scheduler needs --executor dask",
        ),
        (["{scenario}", "--executor", "processes", "--workers", "0"], "workers must be at least 1"),
        (["{bad}"], "bad.toml:2: speed: unknown key"),
    ],
)
def test_simulate_command_unusable_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    """Unusable input: exit 2 and one clear line on stderr, no traceback."""
    bad = tmp_path / "bad.toml"
    bad.write_text('duration = "1h"\nspeed = 3\n')
    values = {"scenario": str(small_scenario(tmp_path)), "bad": str(bad)}
    status = main(["simulate", *(argument.format(**values) for argument in arguments)])
    captured = capsys.readouterr()
    assert status == 2
    lines = [
        line for line in captured.err.splitlines() if line.startswith("s3repl simulate: error")
    ]
    assert len(lines) == 1
    assert message in lines[0]
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("extra", ["matplotlib", "distributed", "dask"])
def test_the_command_does_not_import_the_optional_extras(extra: str) -> None:
    """matplotlib (s3repl[simulate]) and Dask (s3repl[dask]) load only when used."""
    import subprocess
    import sys

    code = (
        "import sys, s3repl.cli, s3repl.simulate\n"
        f"print(any(m == {extra!r} or m.startswith({extra + '.'!r}) for m in sys.modules))\n"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"


def test_progress_is_a_bar_on_a_terminal() -> None:
    """On a terminal the progress is one redrawn bar (carriage returns), ended by a newline."""
    import io

    from s3repl.cli._simulate import _Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = _Progress(screen, 4)
    bar.update(1, "seed 0 (1/4)")
    bar.update(2.5, "seed 2 (3/4)")
    bar.close()
    text = screen.getvalue()
    assert text.count("\r[") == 2
    assert "[" + "#" * 19 + "." * 11 + "]  62% seed 2 (3/4)" in text
    assert text.endswith("\n")
