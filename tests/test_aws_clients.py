"""Real clients against ``s3repl serve`` on 127.0.0.1: boto3, the AWS CLI, and a load test.

The AWS CLI lives in its own virtual environment (it pins an old docutils); the test
finds it through ``S3REPL_AWS_CLI``, then ``.venv-awscli/bin/aws`` in this checkout,
then ``aws`` on ``PATH``.  Under ``CI=true`` a missing CLI fails the test.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_documents import ROLE_ARN, replicating_engine, replication_config
from aws_http_client import KeepAliveClient
from botocore.config import Config

from s3repl import Engine
from s3repl.aws import Gateway
from s3repl.aws._server import Server, make_server
from s3repl.testing.invariants import check_all

ROOT = Path(__file__).resolve().parent.parent
CONFIG = replication_config()
WORLD = {
    "seed": 5,
    "roles": [{"arn": ROLE_ARN, "trusted": True}],
    "buckets": [
        {"name": "src", "region": "us-east-1", "versioning": "Enabled"},
        {"name": "dst", "region": "eu-west-1", "versioning": "Enabled"},
    ],
}
CREDENTIALS = {
    "aws_access_key_id": "AKIAEXAMPLECLIENT000",
    "aws_secret_access_key": "not-checked",
    "region_name": "us-east-1",
}


@pytest.fixture
def server() -> Iterator[Server]:
    engine = Engine(seed=5)
    served = make_server(engine, port=0)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        served.stop()
        thread.join(timeout=10)
    assert not thread.is_alive()


def client(service: str, served: Server, **config: Any) -> Any:
    return boto3.client(service, endpoint_url=served.url, config=Config(**config), **CREDENTIALS)


def control(served: Server, name: str, method: str = "POST") -> Any:
    request = urllib.request.Request(f"{served.url}/_s3repl/{name}", method=method)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


# --- boto3 -----------------------------------------------------------------------------


def test_boto3_builds_a_world_and_replicates_over_http(server: Server) -> None:
    s3, iam, sts = client("s3", server), client("iam", server), client("sts", server)
    assert sts.get_caller_identity()["Account"] == "123456789012"
    for name, region in (("src", "us-east-1"), ("dst", "eu-west-1")):
        extra = (
            {}
            if region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        s3.create_bucket(Bucket=name, **extra)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName="repl", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(
        RoleName="repl",
        PolicyName="all",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ),
    )
    s3.put_bucket_replication(Bucket="src", ReplicationConfiguration=CONFIG)
    put = s3.put_object(Bucket="src", Key="dir/a b+c.txt", Body=b"over http")
    assert [t["key"] for t in control(server, "pending", "GET")["tasks"]] == ["dir/a b+c.txt"]
    (result,) = control(server, "run")["results"]
    assert result["status"] == "COMPLETED"
    replica = s3.get_object(Bucket="dst", Key="dir/a b+c.txt")
    assert (replica["ReplicationStatus"], replica["VersionId"]) == ("REPLICA", put["VersionId"])
    assert replica["Body"].read() == b"over http"
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket="dst", Key="missing")


def test_boto3_virtual_hosted_style_reaches_the_bucket(server: Server) -> None:
    path_style = client("s3", server)
    path_style.create_bucket(Bucket="vhost")
    path_style.put_object(Bucket="vhost", Key="k", Body=b"v")
    request = urllib.request.Request(
        f"{server.url}/k", headers={"Host": f"vhost.localhost:{server.port}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.read() == b"v"


def test_a_bad_request_over_http_answers_s3_error_xml(server: Server) -> None:
    request = urllib.request.Request(
        f"{server.url}/some-bucket",
        method="PUT",
        headers={"Authorization": "AWS4-HMAC-SHA256 Credential=broken"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    body = caught.value.read()
    assert caught.value.code == 400
    assert b"<Code>AuthorizationHeaderMalformed</Code>" in body
    assert b"Traceback" not in body


# --- the AWS CLI, against `s3repl serve` in a subprocess --------------------------------


def aws_cli() -> str:
    candidates = [
        os.environ.get("S3REPL_AWS_CLI"),
        str(ROOT / ".venv-awscli" / "bin" / "aws"),
        shutil.which("aws"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    # Never a skip: the README's test command installs the CLI into .venv-awscli.
    pytest.fail(
        "the AWS CLI is missing: python3 -m venv .venv-awscli && "
        ".venv-awscli/bin/pip install awscli (or set S3REPL_AWS_CLI)"
    )


@pytest.fixture
def served_cli(tmp_path: Path) -> Iterator[str]:
    """``s3repl serve --port 0 --world ... --replicate eager`` in a subprocess; its URL."""
    world = tmp_path / "world.json"
    world.write_text(json.dumps(WORLD))
    command = [sys.executable, "-m", "s3repl.cli", "serve", "--port", "0"]
    command += ["--world", str(world), "--replicate", "eager"]
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ) as process:
        assert process.stdout is not None
        line = process.stdout.readline()
        try:
            assert line.startswith("listening on http://127.0.0.1:"), line
            yield line.split()[-1]
        finally:
            process.send_signal(signal.SIGTERM)
            _, errors = process.communicate(timeout=15)
        assert process.returncode == 0, errors
        assert "Traceback" not in errors


def test_the_aws_cli_replicates_through_s3repl_serve(served_cli: str, tmp_path: Path) -> None:
    cli = aws_cli()
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLECLI000000",
        "AWS_SECRET_ACCESS_KEY": "not-checked",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }

    def aws(*args: str) -> str:
        done = subprocess.run(
            [cli, "--endpoint-url", served_cli, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    config = tmp_path / "replication.json"
    config.write_text(json.dumps(CONFIG))
    body = tmp_path / "hello.txt"
    body.write_text("hello from the AWS CLI")
    aws(
        "s3api",
        "put-bucket-replication",
        "--bucket",
        "src",
        "--replication-configuration",
        f"file://{config}",
    )
    aws("s3", "cp", str(body), "s3://src/greetings/hello.txt")
    head = json.loads(
        aws("s3api", "head-object", "--bucket", "dst", "--key", "greetings/hello.txt")
    )
    assert head["ReplicationStatus"] == "REPLICA"
    assert head["ContentLength"] == len("hello from the AWS CLI")


# --- load ------------------------------------------------------------------------------

THREADS = 8
REQUESTS_PER_THREAD = 1_000


def test_eight_threads_of_a_thousand_requests_all_answer_and_the_engine_holds(
    server: Server,
) -> None:
    """Eight keep-alive clients, 1,000 requests each, eager replication: nothing is lost.

    Lean by design: small bodies and a minimal HTTP/1.1 client (``aws_http_client``), so
    the seconds go to the server; every answer is still read and checked.
    """
    engine = replicating_engine()
    server.app.gateway = Gateway(engine)
    server.app.replicate = "eager"
    statuses: list[list[int]] = [[] for _ in range(THREADS)]
    failures: list[BaseException] = []

    def work(index: int) -> None:
        try:
            with KeepAliveClient("127.0.0.1", server.port) as connection:
                for n in range(REQUESTS_PER_THREAD):
                    if n % 4 == 3:  # the object the previous request wrote
                        status, _, _ = connection.request("HEAD", f"/src/t{index}/k{(n - 1) % 50}")
                    else:
                        path, body = f"/src/t{index}/k{n % 50}", b"x" * (n % 7)
                        status, _, _ = connection.request("PUT", path, body)
                    statuses[index].append(status)
        except OSError as err:  # pragma: no cover - reported below
            failures.append(err)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures
    assert all(len(s) == REQUESTS_PER_THREAD and set(s) == {200} for s in statuses)
    puts = THREADS * REQUESTS_PER_THREAD * 3 // 4
    assert len(engine.list_object_versions("src")) == puts
    assert engine.pending() == ()
    assert len(engine.list_object_versions("dst")) == puts
    check_all(engine)
