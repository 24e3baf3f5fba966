"""s3repl speaks AWS: boto3, the AWS CLI and any S3 client, in process and over HTTP.

Extra ``s3repl[aws]`` (botocore) for the in-process mock, ``s3repl[server]`` for
``s3repl serve``.  ``import s3repl`` never imports this package.

Why the lazy names: the pytest plugin (``s3repl.aws.pytest_plugin``) lives in this
package and must stay cheap to import for every test session, so importing
``s3repl.aws`` imports none of its modules (nor botocore, nor attrs): every name
below is loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from s3repl.aws._gateway import Gateway
    from s3repl.aws._http import Caller, HttpRequest, HttpResponse, ServiceError
    from s3repl.aws._mock import Mock, mock

__all__ = ["Caller", "Gateway", "HttpRequest", "HttpResponse", "Mock", "ServiceError", "mock"]

_LAZY = {
    "Caller": "s3repl.aws._http",
    "Gateway": "s3repl.aws._gateway",
    "HttpRequest": "s3repl.aws._http",
    "HttpResponse": "s3repl.aws._http",
    "Mock": "s3repl.aws._mock",
    "ServiceError": "s3repl.aws._http",
    "mock": "s3repl.aws._mock",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 's3repl.aws' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
