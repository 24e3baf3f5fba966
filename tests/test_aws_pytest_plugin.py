"""The pytest plugin: declared as an entry point, cheap to import, inert until asked.

Its fixtures serve clients from a fresh engine per test. The suites run in a subprocess
with this checkout first on ``PYTHONPATH``, the entry point switched off and the plugin
named with ``-p`` (so the tests hold whether or not the entry point is installed).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from aws_env import hide_aws_env

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = "s3repl.aws.pytest_plugin"
#: The entry point off (its name in pyproject), then this checkout's plugin by module.
PLUGIN_ARGS = ("-p", "no:s3repl", "-p", PLUGIN, "-p", "no:cacheprovider")


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    return lambda: pytester.runpytest_subprocess(*PLUGIN_ARGS)


def test_the_plugin_is_declared_as_a_pytest11_entry_point() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["entry-points"]["pytest11"] == {"s3repl": PLUGIN}


def test_importing_the_plugin_imports_neither_botocore_nor_boto3() -> None:
    code = (
        f"import sys, {PLUGIN}; print(sorted(m for m in ('botocore', 'boto3') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


def test_a_suite_that_asks_for_nothing_never_imports_botocore(
    pytester: pytest.Pytester, run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the plugin under test (named with -p): other installed plugins cost seconds of
    # start-up and could import botocore themselves.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makepyfile(
        """
        import sys

        def test_plain():
            assert "botocore" not in sys.modules
        """
    )
    run().assert_outcomes(passed=1)


def test_the_fixtures_serve_every_client_from_one_fresh_engine(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In process (so that coverage sees the fixtures), the machine's AWS setup hidden.
    hide_aws_env(monkeypatch)
    pytester.makepyfile(
        test_fixtures="""
        import json

        TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]})

        def test_world(s3repl_engine, s3_client, iam_client, kms_client, sts_client):
            s3_client.create_bucket(Bucket="made-with-fixtures")
            assert s3repl_engine.get_bucket("made-with-fixtures").name == "made-with-fixtures"
            assert sts_client.get_caller_identity()["Account"] == "123456789012"
            iam_client.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
            assert kms_client.create_key()["KeyMetadata"]["KeyId"]
            assert s3_client.meta.region_name == "us-east-1"

        def test_fresh_engine_each_time(s3_client):
            assert s3_client.list_buckets()["Buckets"] == []

        def test_the_mock_yields_the_engine(s3repl_mock, s3repl_engine):
            assert s3repl_mock is s3repl_engine
        """,
    )
    result = pytester.runpytest_inprocess(*PLUGIN_ARGS)
    result.assert_outcomes(passed=3)
