"""Measure s3repl's AWS face: boto3 through ``s3repl.aws.mock`` vs moto, and ``s3repl serve``.

Run ``python benchmarks/bench_aws.py`` (about a minute) or add ``--quick``.  Everything
runs in ONE process, so the ratio compares like with like.

1. **boto3 put_object + replication, in process.**  s3repl: ``boto3.client("s3")
   .put_object`` inside ``s3repl.aws.mock`` on a versioned source with one replication
   rule, then ``engine.run()`` replicates the batch (timed too).  moto:
   ``put_object`` inside ``moto.mock_aws`` on a versioned bucket (moto does not
   replicate, so this is a put alone).  The two take turns, round by round; each round
   times a batch of puts on a fresh world (set up untimed); the figures are the
   minimum and the median over the rounds, as operations per second.
   Target: s3repl >= 1.5x moto.
2. **Gateway.handle alone.**  The PutObject and HeadObject requests boto3 really sends
   (captured through the mock), answered by ``Gateway.handle`` 1,000 times per round on
   a fresh world; the figure is the best round, in microseconds per request.  This is
   s3repl's own share of a mocked call (the rest is botocore's, the same under moto),
   and it is far steadier on a busy machine than the end-to-end ratio.
3. **s3repl serve, 8 client threads.**  A server on 127.0.0.1 (port 0) in a thread,
   ``--replicate eager``; 8 threads send PUT and HEAD requests over keep-alive
   HTTP/1.1 connections (``http.client``; a boto3 client would measure itself); the
   figure is requests per second over the whole run, median of the rounds.

Progress goes to stderr, Markdown to stdout.  Nothing asserts; a busy machine prints
FAIL rows, it never breaks a build.
"""

from __future__ import annotations

import argparse
import gc
import http.client
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from importlib import metadata

import boto3
import moto

# The same world as the engine benchmark (this folder is on sys.path when run as a script).
from bench_replication import BODY, REPLICATION, ROLE

from s3repl import Engine
from s3repl.aws import Gateway, HttpRequest, HttpResponse, mock
from s3repl.aws._server import make_server

TARGET = 1.5


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _world() -> Engine:
    engine = Engine(seed=7)
    engine.create_bucket("src", versioning=True)
    engine.create_bucket("dst", region="eu-west-1", versioning=True)
    engine.create_role(ROLE)
    engine.put_bucket_replication("src", REPLICATION)
    return engine


def s3repl_round(puts: int) -> float:
    """Seconds for ``puts`` boto3 puts plus replicating them, through the mock."""
    with mock(_world()) as engine:
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.put_object(Bucket="src", Key="warm-up", Body=BODY)
        engine.run()
        gc.collect()
        start = time.perf_counter()
        for n in range(puts):
            s3.put_object(Bucket="src", Key=f"k{n}", Body=BODY)
        results = engine.run()
        elapsed = time.perf_counter() - start
    if len(results) != puts or any(r.status.value != "COMPLETED" for r in results):
        msg = "s3repl did not replicate every put"
        raise SystemExit(msg)
    return elapsed


def moto_round(puts: int) -> float:
    """Seconds for ``puts`` boto3 puts under moto's mock_aws."""
    with moto.mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="src")
        s3.put_bucket_versioning(Bucket="src", VersioningConfiguration={"Status": "Enabled"})
        s3.put_object(Bucket="src", Key="warm-up", Body=BODY)
        gc.collect()
        start = time.perf_counter()
        for n in range(puts):
            s3.put_object(Bucket="src", Key=f"k{n}", Body=BODY)
        return time.perf_counter() - start


def in_process(rounds: int, puts: int) -> tuple[list[float], list[float]]:
    ours: list[float] = []
    theirs: list[float] = []
    contenders: list[tuple[str, Callable[[int], float], list[float]]] = [
        ("s3repl", s3repl_round, ours),
        ("moto", moto_round, theirs),
    ]
    for index in range(rounds):
        for name, run, times in contenders if index % 2 == 0 else contenders[::-1]:
            times.append(run(puts))
            _say(f"  round {index + 1}/{rounds} {name}: {puts / times[-1]:,.0f} puts/s")
    return ours, theirs


def captured_requests() -> dict[str, HttpRequest]:
    """The PutObject and HeadObject requests a boto3 client sends, as the gateway sees them."""
    captured: list[HttpRequest] = []
    handle = Gateway.handle

    def capture(self: Gateway, request: HttpRequest) -> HttpResponse:
        captured.append(request)
        return handle(self, request)

    Gateway.handle = capture  # type: ignore[method-assign]
    try:
        with mock(_world()):
            s3 = boto3.client("s3", region_name="us-east-1")
            s3.put_object(Bucket="src", Key="k", Body=BODY)
            s3.head_object(Bucket="src", Key="k")
    finally:
        Gateway.handle = handle  # type: ignore[method-assign]
    put, head = captured
    return {"PutObject": put, "HeadObject": head}


def gateway_rounds(rounds: int, requests: int) -> dict[str, float]:
    """Best microseconds per ``Gateway.handle`` of each captured request."""
    best: dict[str, float] = {}
    captured = captured_requests()
    for name, request in captured.items():
        for _ in range(rounds):
            gateway = Gateway(_world())
            gateway.handle(captured["PutObject"])  # the object HeadObject reads
            gc.collect()
            start = time.perf_counter()
            for _ in range(requests):
                gateway.handle(request)
            elapsed = (time.perf_counter() - start) / requests * 1e6
            best[name] = min(best.get(name, elapsed), elapsed)
    return best


def served_round(threads: int, requests: int) -> float:
    """Requests per second of ``s3repl serve`` (eager) under ``threads`` clients."""
    server = make_server(_world(), port=0, replicate="eager")
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    failures: list[int] = []

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        for n in range(requests):
            if n % 4 == 3:
                connection.request("HEAD", f"/src/t{index}/k{n - 1}")
            else:
                connection.request("PUT", f"/src/t{index}/k{n}", body=BODY)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures.append(response.status)
        connection.close()

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    server.stop()
    serving.join(timeout=10)
    if failures:
        msg = f"{len(failures)} requests failed: {sorted(set(failures))}"
        raise SystemExit(msg)
    return threads * requests / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, smaller rounds")
    args = parser.parse_args()
    rounds, puts = (3, 200) if args.quick else (7, 500)
    server_rounds, requests = (1, 250) if args.quick else (3, 1_000)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        os.environ.pop(name, None)

    _say(f"boto3 put_object, {rounds} rounds of {puts} puts")
    ours, theirs = in_process(rounds, puts)
    _say(f"Gateway.handle, {rounds * 2} rounds of 1,000 requests")
    handled = gateway_rounds(rounds * 2, 1_000)
    _say(f"s3repl serve, 8 threads x {requests} requests, {server_rounds} rounds")
    served = [served_round(8, requests) for _ in range(server_rounds)]

    best_ratio = min(theirs) / min(ours)
    median_ratio = statistics.median(theirs) / statistics.median(ours)
    verdict = "PASS" if median_ratio >= TARGET else "FAIL"
    print(
        f"CPython {platform.python_version()}, boto3 {metadata.version('boto3')}, "
        f"moto {metadata.version('moto')}, waitress {metadata.version('waitress')}, "
        f"{os.cpu_count()} cores\n"
    )
    print("| contender | best (ops/s) | median (ops/s) |")
    print("| --- | ---: | ---: |")
    print(
        f"| s3repl mock: put_object + replication | {puts / min(ours):,.0f} | "
        f"{puts / statistics.median(ours):,.0f} |"
    )
    print(
        f"| moto mock_aws: put_object | {puts / min(theirs):,.0f} | "
        f"{puts / statistics.median(theirs):,.0f} |"
    )
    print(
        f"| ratio s3repl / moto | {best_ratio:.2f}x | {median_ratio:.2f}x "
        f"(target >= {TARGET}x: {verdict}) |"
    )
    print()
    print("| Gateway.handle of boto3's request | best (us/request) |")
    print("| --- | ---: |")
    for name, micros in handled.items():
        print(f"| {name} | {micros:,.0f} |")
    print()
    print("| s3repl serve, 8 client threads, eager replication | requests/s |")
    print("| --- | ---: |")
    print(f"| median of {server_rounds} | {statistics.median(served):,.0f} |")


if __name__ == "__main__":
    main()
