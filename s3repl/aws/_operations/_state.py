"""What the AWS face remembers beside the engine, and the shape of an operation.

Why some state lives here and not in the engine: the engine models what replication
depends on.  In-progress multipart uploads and their parts, IAM's named inline
policies, role paths and ids, and creation dates are bookkeeping of the AWS API
(the engine sees a multipart upload only when it completes, and a role's one
combined permission policy), so :class:`BackendState` keeps them next to the engine.
They are not part of ``Engine.snapshot()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import attrs

from s3repl.aws._http import Caller
from s3repl.aws._operations._params import Params
from s3repl.engine import Engine

__all__ = ["BackendState", "Handler", "RoleRecord", "Upload"]


@attrs.frozen(kw_only=True)
class Upload:
    """An in-progress multipart upload: what ``CreateMultipartUpload`` asked for.

    Attributes:
        upload_id: its id.
        bucket: the bucket.
        key: the object key.
        account: the account that started it.
        initiated: when it started.
        options: the write options for ``Engine.complete_multipart_upload``.
    """

    upload_id: str
    bucket: str
    key: str
    account: str
    initiated: dt.datetime
    options: tuple[tuple[str, Any], ...] = ()


@attrs.frozen(kw_only=True)
class RoleRecord:
    """What IAM knows about a role beyond the engine's ``Role``.

    Attributes:
        arn: the role ARN.
        name: the role name.
        path: the role path (``/`` unless given).
        role_id: IAM's unique id (``AROA...``).
        create_date: when it was created.
        trust_document: the ``AssumeRolePolicyDocument`` as given.
        description: the description, if any.
        max_session_duration_seconds: the longest session assuming it may ask for.
        inline_policies: the named inline policies, ``(name, JSON text)``, in order.
    """

    arn: str
    name: str
    path: str
    role_id: str
    create_date: dt.datetime
    trust_document: str
    description: str | None = None
    max_session_duration_seconds: int = 3600
    inline_policies: tuple[tuple[str, str], ...] = ()


class BackendState:
    """The engine, and the AWS bookkeeping kept beside it (see the module docstring).

    Args:
        engine: the engine every operation acts on.
    """

    def __init__(self, engine: Engine) -> None:
        """Start with no uploads, no IAM records and no recorded dates."""
        self.engine = engine
        self.uploads: dict[str, Upload] = {}
        self.parts: dict[str, dict[int, bytes]] = {}
        self.uploads_started = 0
        self.roles: dict[str, RoleRecord] = {}
        self.bucket_created: dict[str, dt.datetime] = {}
        self.key_created: dict[str, dt.datetime] = {}
        self.key_descriptions: dict[str, str] = {}
        #: Object checksums sent with uploads: (bucket, key, version id) -> (member, value).
        self.checksums: dict[tuple[str, str, str], tuple[str, str]] = {}
        #: KMS keys scheduled for deletion: ARN -> (deletion date, waiting period in days).
        self.key_deletions: dict[str, tuple[dt.datetime, int]] = {}


#: An operation: (state, parameters, caller) -> the output shape, as boto3 returns it.
Handler = Callable[[BackendState, Params, Caller], dict[str, Any]]
