"""The ``s3repl`` command as a newcomer meets it: hostile files, standard input, help.

Unusable input (a file too large, too deep, not JSON) is exit status 2 with exactly one
line on standard error and nothing on standard output: never a traceback, never status
1, which means "problems found" (docs/cli.md, "Exit status"). A configuration S3 would
refuse is status 1 with every problem listed (R-045, R-047).
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from s3repl import __version__, _worldfile
from s3repl.cli import main
from s3repl.cli._main import build_parser
from s3repl.codec import MAX_DOCUMENT_BYTES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
ROLE = "arn:aws:iam::123456789012:role/s3-replication"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _one_line(err: str) -> str:
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err.strip()


# --- unusable input: exit 2, one line --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        pytest.param("[" * 100_000 + "]" * 100_000, "nests too deeply", id="list 100,000 deep"),
        pytest.param(
            '{"Role": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "nests too deeply",
            id="Role 100,000 deep",
        ),
        pytest.param(
            json.dumps({"Role": "x" * MAX_DOCUMENT_BYTES, "Rules": []}),
            "larger than 2 MB",
            id="just over 2 MB",
        ),
        pytest.param(
            "[" + "1," * 10_000_000 + "1]", "larger than 2 MB", id="20 MB array, refused unparsed"
        ),
        pytest.param('{"Rules": ' + "9" * 5000 + "}", "not valid JSON", id="5,000-digit number"),
    ],
)
def test_hostile_json_is_unusable_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, says: str
) -> None:
    """R-020: JSON over 2 MB is refused before parsing, as XML is; too deep or a number
    Python will not convert: exit 2, one line naming the file, nothing on stdout."""
    path = _write(tmp_path, "config.json", text)
    status, out, err = _run(capsys, "check", path)
    assert (status, out) == (2, "")
    line = _one_line(err)
    assert line.startswith(f"s3repl check: error: {path} ")
    assert says in line


def test_world_file_errors_name_the_file_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-001: an unreadable, non-JSON or impossible world file is exit 2, and the line
    names the file once (it used to say "world file X: cannot read world file 'X'")."""
    config = str(EXAMPLES / "replication-v2.json")
    cases = {
        str(tmp_path / "absent.json"): "cannot read it: No such file or directory",
        _write(tmp_path, "broken.json", "{bad"): "cannot read it as JSON: Expecting property name"
        " enclosed in double quotes: line 1 column 2 (char 1)",
        _write(
            tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000
        ): "cannot read it as JSON: nested too deeply",
        _write(
            tmp_path, "mars.json", json.dumps({"buckets": [{"name": "b-1", "region": "mars-1"}]})
        ): "buckets[0].region: InvalidArgument: Unknown region 'mars-1'",
    }
    for world, says in cases.items():
        status, _, err = _run(capsys, "check", config, "--world", world)
        line = _one_line(err)
        assert status == 2
        assert line == f"s3repl check: error: world file {world}: {says}"
        assert line.count(world) == 1


def test_world_file_replication_error_says_what_was_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-045: a replication configuration inside a world file with a mistyped member is
    reported with what was expected there, not with S3's sentence about XML."""
    world = {
        "buckets": [
            {"name": "source-bucket", "versioning": "Enabled"},
            {"name": "replica-eu", "versioning": "Enabled"},
        ]
    }
    world["buckets"][0]["replication"] = json.loads(
        (EXAMPLES / "replication-mistyped.json").read_text(encoding="utf-8")
    )
    path = _write(tmp_path, "world.json", json.dumps(world))
    status, _, err = _run(capsys, "check", str(EXAMPLES / "replication-v2.json"), "--world", path)
    line = _one_line(err)
    assert status == 2
    assert "buckets[0].replication: MalformedXML: Invalid type for parameter" in line
    assert "(and 1 more)" in line
    assert "The XML you provided" not in line


# --- all problems at once ----------------------------------------------------------------


def test_mistyped_json_lists_every_problem(capsys: pytest.CaptureFixture[str]) -> None:
    """R-045, R-047: the example with a string ``Priority``, a lower-case ``Status`` and
    a bucket that is not an ARN gives three problems at once, each at its element."""
    status, out, _ = _run(
        capsys, "check", str(EXAMPLES / "replication-mistyped.json"), "--format", "json"
    )
    rows: list[dict[str, Any]] = json.loads(out)
    assert status == 1
    assert [(r["code"], r["requirement"], r["element"]) for r in rows] == [
        ("MalformedXML", "R-045", "ReplicationConfiguration/Rule[1]/Priority"),
        ("MalformedXML", "R-045", "ReplicationConfiguration/Rule[1]/Status"),
        ("InvalidArgument", "R-047", "ReplicationConfiguration/Rule[1]/Destination/Bucket"),
    ]
    assert "valid types: int" in rows[0]["message"]
    assert "valid values: Enabled, Disabled" in rows[1]["message"]
    assert not any("XML" in row["message"] for row in rows)


# --- standard input ----------------------------------------------------------------------


def test_dash_reads_the_configuration_from_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-045: ``check -`` reads the configuration from standard input, as a file."""
    _stdin(monkeypatch, (EXAMPLES / "replication-v2.json").read_text(encoding="utf-8"))
    status, out, _ = _run(capsys, "check", "-")
    assert status == 0
    assert out.splitlines()[0] == (
        "standard input: JSON replication configuration for bucket source-bucket"
    )


def test_dash_reads_the_world_file_from_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-001, R-155: ``--world -`` gives the same findings as the world file itself."""
    config = str(EXAMPLES / "replication-v2.json")
    world = str(EXAMPLES / "world.json")
    expected = _run(capsys, "check", config, "--world", world, "--format", "json")
    _stdin(monkeypatch, (EXAMPLES / "world.json").read_text(encoding="utf-8"))
    got = _run(capsys, "check", config, "--world", "-", "--format", "json")
    assert got == expected
    assert expected[0] == 1


def test_broken_world_on_standard_input_is_named_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-001: a broken world file read from standard input is exit 2, named as such."""
    _stdin(monkeypatch, "{bad")
    status, _, err = _run(capsys, "check", str(EXAMPLES / "replication-v2.json"), "--world", "-")
    assert status == 2
    assert _one_line(err).startswith(
        "s3repl check: error: world file (standard input): cannot read it as JSON: "
    )


def test_dash_cannot_be_both_config_and_world(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Standard input is read once: ``check - --world -`` is unusable input (exit 2)."""
    _stdin(monkeypatch, "{}")
    status, out, err = _run(capsys, "check", "-", "--world", "-")
    assert (status, out) == (2, "")
    assert "standard input is read once" in _one_line(err)


def test_explain_reads_standard_input_and_tags_do_not_swallow_config(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-061: ``--tag`` takes one ``K=V`` (or several joined by ``&``), so a CONFIG after
    it stays CONFIG; the tags reach the rule selection."""
    text = (EXAMPLES / "replication-v2.json").read_text(encoding="utf-8")
    _stdin(monkeypatch, text)
    status, out, _ = _run(
        capsys, "explain", "--key", "finance/q1.xlsx", "--tags", "classification=restricted", "-"
    )
    assert status == 0
    assert out.splitlines()[0] == (
        "Object 'finance/q1.xlsx' (tags: classification=restricted, SSE-KMS: no)"
    )
    path = str(EXAMPLES / "replication-v2.json")
    status, out, _ = _run(capsys, "explain", "--key", "k", "--tag", "a=1&b=2", "--tag", "c=3", path)
    assert status == 0
    assert out.splitlines()[0] == "Object 'k' (tags: a=1, b=2, c=3, SSE-KMS: no)"


# --- version and help ---------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """``s3repl --version`` prints the package version and exits 0."""
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out == f"s3repl {__version__}\n"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    msg = "no subcommands"
    raise AssertionError(msg)


def test_every_subcommand_and_option_is_described() -> None:
    """Every subcommand has a description and every option and argument a help text
    (``--help`` is how a newcomer learns the command)."""
    parser = build_parser()
    commands = _subparsers(parser)
    assert sorted(commands) == ["check", "demo", "explain", "serve", "simulate"]
    for name, sub in [("s3repl", parser), *commands.items()]:
        assert sub.description, f"{name} has no description"
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"


def test_world_file_size_and_encoding_are_checked_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """R-020: a world file is read up to its bound and must be UTF-8: exit 2, one line."""
    config = str(EXAMPLES / "replication-v2.json")
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"description": "caf\xe9"}')
    status, _, err = _run(capsys, "check", config, "--world", str(latin))
    assert status == 2
    assert "not UTF-8 text" in _one_line(err)
    monkeypatch.setattr(_worldfile, "WORLD_FILE_BYTES_MAX", 1024 * 1024)
    big = _write(tmp_path, "big.json", json.dumps({"description": "x" * 1024 * 1024}))
    status, _, err = _run(capsys, "check", config, "--world", big)
    assert status == 2
    assert _one_line(err) == f"s3repl check: error: world file {big}: larger than 1 MB"


def test_template_configuration_lists_every_schema_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """R-045: a template's replication configuration with two bad enum values gives
    two problems at once (one per element, each naming the valid values)."""
    from test_iac_resources import _rows, _template

    text = _template().replace("            Status: Enabled\n", "            Status: Sometimes\n")
    text = text.replace("{Status: Disabled}", "{Status: Maybe}")
    status, rows = _rows(capsys, tmp_path, text)
    problems = [row for row in rows if row["kind"] == "problem"]
    assert status == 1
    assert [(p["code"], p["element"]) for p in problems] == [
        ("MalformedXML", "ReplicationConfiguration/Rule[1]/Status"),
        ("MalformedXML", "ReplicationConfiguration/Rule[1]/DeleteMarkerReplication/Status"),
    ]
    assert all("valid values: Enabled, Disabled" in p["message"] for p in problems)


# --- serve --port, python -m s3repl -------------------------------------------------------


@pytest.mark.parametrize("port", ["99999999", "65536", "-1", "abc", "9" * 5000, "80.5"])
def test_serve_refuses_a_port_that_is_not_one(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``serve --port`` out of 0..65535, negative or not a number: exit 2 at parse time
    with one ``error:`` line naming the option and the range (it reached ``bind()``
    before, and ended in an ``OverflowError`` traceback). Nothing is served."""
    with pytest.raises(SystemExit) as caught:
        main(["serve", "--port", port])
    assert caught.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    (error,) = [line for line in captured.err.splitlines() if "error:" in line]
    assert "argument --port: must be a port number from 0 to 65535, got '" in error
    assert len(error) < 120  # a 5,000-digit port is cut, not echoed


@pytest.mark.parametrize("port", ["0", "9000", "65535"])
def test_serve_port_accepts_every_port(port: str) -> None:
    """0 (pick a free one) to 65535 parse to the int, as ``--port`` documents."""
    args = build_parser().parse_args(["serve", "--port", port])
    assert args.port == int(port)


def test_python_dash_m_s3repl_runs_the_command() -> None:
    """``python -m s3repl`` is the ``s3repl`` command, as ``python -m s3repl.cli`` is."""
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-m", "s3repl", "--version"],
        capture_output=True,
        text=True,
        check=False,
        cwd=root,
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, f"s3repl {__version__}\n", "")
