"""pytest fixtures for s3repl's AWS face, registered through the ``pytest11`` entry point.

Inert unless a test asks for a fixture: importing this module imports neither botocore
nor the engine (both are imported inside the fixtures), so installing s3repl costs
other test suites nothing.

Fixtures (function scope, like moto's customary ones):

- ``s3repl_engine``: a fresh :class:`s3repl.Engine`;
- ``s3repl_mock``: :func:`s3repl.aws.mock` active around the test, yielding that engine;
- ``s3_client``, ``iam_client``, ``kms_client``, ``sts_client``: clients in
  ``us-east-1`` (botocore's, the class ``boto3.client`` returns), created inside the mock.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from s3repl.engine import Engine

__all__ = [
    "iam_client",
    "kms_client",
    "s3_client",
    "s3repl_engine",
    "s3repl_mock",
    "sts_client",
]

#: The region the client fixtures are created in.
REGION = "us-east-1"


@pytest.fixture
def s3repl_engine() -> Engine:
    """A fresh engine (seed 0) for one test."""
    from s3repl.engine import Engine  # lazy: the plugin must stay cheap to import

    return Engine()


@pytest.fixture
def s3repl_mock(s3repl_engine: Engine) -> Iterator[Engine]:
    """``s3repl.aws.mock`` active for the test; yields the engine serving it."""
    from s3repl.aws import mock  # lazy: imports botocore

    with mock(s3repl_engine) as engine:
        yield engine


def _client(service: str) -> Any:
    # botocore's session builds the very client class boto3.client() returns (boto3 is
    # a thin layer over it), so the plugin needs no boto3 of its own.
    import botocore.session  # lazy: the plugin must stay cheap to import

    return botocore.session.Session().create_client(service, region_name=REGION)


@pytest.fixture
def s3_client(s3repl_mock: Engine) -> Any:
    """A boto3 S3 client served by the mock."""
    return _client("s3")


@pytest.fixture
def iam_client(s3repl_mock: Engine) -> Any:
    """A boto3 IAM client served by the mock."""
    return _client("iam")


@pytest.fixture
def kms_client(s3repl_mock: Engine) -> Any:
    """A boto3 KMS client served by the mock."""
    return _client("kms")


@pytest.fixture
def sts_client(s3repl_mock: Engine) -> Any:
    """A boto3 STS client served by the mock."""
    return _client("sts")
