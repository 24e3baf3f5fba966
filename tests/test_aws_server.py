"""``s3repl serve`` pieces: the JSON controls, the WSGI app, waitress on loopback, the CLI.

AWS requests here go through fakes of the protocol layer (``aws_fakes``); real clients
against the server are in ``test_aws_clients.py``.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from aws_documents import replicating_engine
from aws_fakes import FakeProtocol, fake_gateway

from s3repl import Engine
from s3repl.aws import Caller, Gateway
from s3repl.aws._control import control
from s3repl.aws._server import S3ReplApp, _reason, make_server, serve

# --- the controls ----------------------------------------------------------------------


def test_pending_step_and_events_answer_json_shaped_from_the_engine() -> None:
    engine = replicating_engine()
    version = engine.put_object("src", "a.txt", b"hello")
    status, pending = control(engine, "GET", "/_s3repl/pending", ())
    assert status == 200
    (task,) = pending["tasks"]
    assert task["key"] == "a.txt"
    assert task["version_id"] == version.version_id
    assert (task["source_bucket"], task["destination_bucket"], task["kind"]) == (
        "src",
        "dst",
        engine.pending()[0].kind.value,
    )
    status, stepped = control(engine, "POST", "/_s3repl/step", ())
    assert status == 200
    assert stepped["result"]["status"] == "COMPLETED"
    assert stepped["result"]["failure_reason"] is None
    assert engine.head_object("dst", "a.txt").replication_status.value == "REPLICA"
    status, events = control(engine, "GET", "/_s3repl/events", ())
    assert (status, events["next"]) == (200, len(engine.events()))


def test_run_applies_every_pending_task_and_reports_what_is_left() -> None:
    engine = replicating_engine()
    for key in ("a", "b", "c"):
        engine.put_object("src", key, b"x")
    status, ran = control(engine, "POST", "/_s3repl/run", ())
    assert status == 200
    assert [r["task"]["key"] for r in ran["results"]] == ["a", "b", "c"]
    assert ran["pending"] == 0


def test_run_past_its_bound_is_a_conflict() -> None:
    engine = replicating_engine()
    engine.put_object("src", "a", b"x")
    engine.put_object("src", "b", b"x")
    status, answer = control(engine, "POST", "/_s3repl/run", (("steps_max", "1"),))
    assert (status, answer["error"]["code"]) == (409, "StepLimitExceeded")


def test_step_with_nothing_pending_is_a_conflict() -> None:
    status, answer = control(Engine(), "POST", "/_s3repl/step", ())
    assert (status, answer["error"]["code"]) == (409, "NothingPending")


def test_advance_moves_the_clock() -> None:
    engine = Engine()
    before = engine.now
    status, answer = control(engine, "POST", "/_s3repl/advance", (("seconds", "60"),))
    assert status == 200
    assert (engine.now - before).total_seconds() == 60
    assert answer["now"].endswith("Z")


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("POST", "/_s3repl/advance", (("seconds", "-1"),), (400, "InvalidArgument")),
        ("POST", "/_s3repl/advance", (("seconds", "nan"),), (400, "InvalidArgument")),
        ("POST", "/_s3repl/advance", (), (400, "InvalidArgument")),
        ("POST", "/_s3repl/run", (("steps_max", "many"),), (400, "InvalidArgument")),
        ("GET", "/_s3repl/events", (("since", "-2"),), (400, "InvalidArgument")),
        ("GET", "/_s3repl/step", (), (405, "MethodNotAllowed")),
        ("GET", "/_s3repl/nothing-here", (), (404, "NoSuchControl")),
    ],
)
def test_bad_control_requests_answer_json_errors(
    method: str, path: str, query: tuple[tuple[str, str], ...], expected: tuple[int, str]
) -> None:
    engine = Engine()
    before = engine.snapshot()
    status, answer = control(engine, method, path, query)
    assert (status, answer["error"]["code"]) == expected
    assert engine.snapshot() == before


# --- the WSGI app, without sockets -----------------------------------------------------


def call(app: S3ReplApp, method: str, path: str, body: bytes = b"", **environ: str) -> Any:
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        captured["status"] = int(status.split()[0])
        captured["headers"] = dict(headers)

    path_only, _, query = path.partition("?")
    chunks = app(
        {
            "REQUEST_METHOD": method,
            "PATH_INFO": path_only,
            "QUERY_STRING": query,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            **environ,
        },
        start_response,
    )
    captured["body"] = b"".join(chunks)
    return captured


def test_the_app_sends_aws_requests_to_the_gateway_and_controls_to_the_engine() -> None:
    engine = Engine()
    app = S3ReplApp(fake_gateway(engine))
    created = call(app, "PUT", "/fresh")
    assert created["status"] == 200
    listed = call(app, "GET", "/")
    assert b"<Name>fresh</Name>" in listed["body"]
    pending = call(app, "GET", "/_s3repl/pending")
    assert pending["headers"]["Content-Type"] == "application/json"
    assert json.loads(pending["body"]) == {"tasks": []}


def test_the_app_reads_the_raw_path_and_the_host() -> None:
    engine = Engine()
    gateway = fake_gateway(engine)
    app = S3ReplApp(gateway)
    call(
        app,
        "GET",
        "/k%2Fx",
        REQUEST_URI="/k%2Fx?versionId=1",
        HTTP_HOST="bucket.localhost:9000",
        HTTP_X_AMZ_META_A="b",
    )
    _, seen = gateway.protocol.parsed[-1]
    assert seen.path == "/bucket/k%2Fx"
    assert seen.header("x-amz-meta-a") == "b"


def test_the_app_refuses_a_body_past_the_limit_without_reading_it_all() -> None:
    engine = Engine()
    app = S3ReplApp(fake_gateway(engine, body_limit_bytes=8))
    answer = call(app, "PUT", "/b/k", body=b"x" * 100)
    assert answer["status"] == 400
    assert b"<Code>EntityTooLarge</Code>" in answer["body"]


class PuttingBackend:
    """Every request puts one object into ``src``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def call(
        self, service: str, operation: str, params: Mapping[str, Any], caller: Caller
    ) -> Mapping[str, Any]:
        self.engine.put_object("src", "k", b"v")
        return {"Buckets": []}


@pytest.mark.parametrize(("replicate", "pending_after"), [("manual", 1), ("eager", 0)])
def test_eager_replication_applies_due_tasks_after_each_request(
    replicate: Any, pending_after: int
) -> None:
    engine = replicating_engine()
    gateway = Gateway(engine, protocol=FakeProtocol(), backend=PuttingBackend(engine))
    app = S3ReplApp(gateway, replicate=replicate)
    call(app, "GET", "/")
    assert len(engine.pending()) == pending_after


def test_the_app_wants_a_known_replication_mode() -> None:
    with pytest.raises(ValueError, match="manual"):
        S3ReplApp(fake_gateway(Engine()), replicate="sometimes")  # type: ignore[arg-type]


# --- waitress on loopback --------------------------------------------------------------


@pytest.fixture
def served() -> Iterator[tuple[Engine, int]]:
    engine = Engine()
    server = make_server(engine, port=0, gateway=fake_gateway(engine))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield engine, server.port
    finally:
        server.stop()
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_waitress_serves_the_app_on_loopback(served: tuple[Engine, int]) -> None:
    engine, port = served
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("PUT", "/over-http")
    assert connection.getresponse().read() == b""
    connection.request("POST", "/_s3repl/run")
    response = connection.getresponse()
    assert (response.status, json.loads(response.read())) == (200, {"results": [], "pending": 0})
    connection.request("HEAD", "/b/missing")
    head = connection.getresponse()
    assert (head.status, head.read()) == (400, b"")  # the fake refuses a HEAD; no body
    connection.close()
    assert engine.get_bucket("over-http").name == "over-http"


# --- the command -----------------------------------------------------------------------


def run_cli(*args: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    code = f"{prelude}\nimport sys\nfrom s3repl.cli import main\nsys.exit(main({list(args)!r}))"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_serve_without_the_server_extra_says_so_and_exits_2() -> None:
    result = run_cli("serve", "--port", "0", prelude="import sys; sys.modules['waitress'] = None")
    assert result.returncode == 2
    assert "s3repl[server]" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_a_seed_with_a_world_file(tmp_path: Any) -> None:
    world = tmp_path / "world.json"
    world.write_text("{}")
    result = run_cli("serve", "--world", str(world), "--seed", "3")
    assert result.returncode == 2
    assert "--seed and --world" in result.stderr


def test_serve_reports_an_unusable_world_file(tmp_path: Any) -> None:
    world = tmp_path / "world.json"
    world.write_text("{not json")
    result = run_cli("serve", "--world", str(world), "--port", "0")
    assert result.returncode == 2
    assert f"world file {world}: cannot read it as JSON" in result.stderr
    assert result.stderr.count(str(world)) == 1  # named once
    assert "Traceback" not in result.stderr


class StopWhenListening(io.StringIO):
    """An output stream that sends this process SIGTERM once ``serve`` says it listens."""

    def write(self, text: str) -> int:
        written = super().write(text)
        if "listening on" in text:
            os.kill(os.getpid(), signal.SIGTERM)
        return written


def test_serve_prints_where_it_listens_and_stops_cleanly_on_sigterm() -> None:
    out = StopWhenListening()
    before = signal.getsignal(signal.SIGTERM)
    assert serve(Engine(), port=0, out=out) == 0
    assert out.getvalue().startswith("listening on http://127.0.0.1:")
    assert signal.getsignal(signal.SIGTERM) is before


def test_the_app_reads_paths_and_bodies_from_any_wsgi_server() -> None:
    engine = Engine()
    gateway = fake_gateway(engine)
    app = S3ReplApp(gateway)
    call(app, "GET", "/b/x", REQUEST_URI="http://bucket.example/b/key%20one?x=1")
    assert gateway.protocol.parsed[-1][1].path == "/b/key%20one"
    answer = app(
        # PATH_INFO is the path's bytes decoded as latin-1 (PEP 3333): here UTF-8 "é".
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/b/k \u00c3\u00a9", "CONTENT_LENGTH": "oops"},
        lambda status, headers: None,
    )
    assert b"".join(answer)
    assert gateway.protocol.parsed[-1][1].path == "/b/k%20%C3%A9"


def test_unknown_statuses_have_a_reason_phrase() -> None:
    assert _reason(599) == "Unknown"
    assert _reason(404) == "Not Found"


def test_a_host_naming_several_addresses_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import waitress.server

    class Several:
        closed = False

        def close(self) -> None:
            Several.closed = True

    monkeypatch.setattr(waitress.server, "create_server", lambda *a, **k: Several())
    with pytest.raises(OSError, match="several addresses"):
        make_server(Engine(), host="localhost", port=0, gateway=fake_gateway(Engine()))
    assert Several.closed
