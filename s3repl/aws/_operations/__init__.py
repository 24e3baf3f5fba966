"""The AWS operations on one engine: a thin map from API calls to the public Engine API.

Each operation reads a boto3-shaped parameter mapping, calls the public ``Engine``
API and shapes the engine's answer as boto3 returns it.  No replication semantics live
here: what the engine decides is what AWS answers.  Errors leave as
:class:`~s3repl.aws.ServiceError` only, in each service's own words (``_errors``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from s3repl.aws._http import Caller, ServiceError
from s3repl.aws._operations._errors import not_implemented, service_error
from s3repl.aws._operations._iam import IAM_OPERATIONS
from s3repl.aws._operations._kms import KMS_OPERATIONS
from s3repl.aws._operations._params import Params
from s3repl.aws._operations._s3_buckets import BUCKET_OPERATIONS
from s3repl.aws._operations._s3_listing import LISTING_OPERATIONS
from s3repl.aws._operations._s3_multipart import MULTIPART_OPERATIONS
from s3repl.aws._operations._s3_objects import OBJECT_OPERATIONS
from s3repl.aws._operations._s3control import S3CONTROL_OPERATIONS
from s3repl.aws._operations._state import BackendState, Handler
from s3repl.aws._operations._sts import STS_OPERATIONS
from s3repl.engine import Engine
from s3repl.errors import S3ReplError

__all__ = ["AwsBackend"]

#: service -> operation name (botocore's) -> handler.
OPERATIONS: Mapping[str, Mapping[str, Handler]] = {
    "s3": {
        **BUCKET_OPERATIONS,
        **OBJECT_OPERATIONS,
        **LISTING_OPERATIONS,
        **MULTIPART_OPERATIONS,
    },
    "iam": IAM_OPERATIONS,
    "kms": KMS_OPERATIONS,
    "sts": STS_OPERATIONS,
    "s3control": S3CONTROL_OPERATIONS,
}


class AwsBackend:
    """What boto3's S3, IAM, KMS and STS calls do, on one Engine.

    Args:
        engine: the engine every call acts on.

    Attributes:
        engine: that engine.
    """

    def __init__(self, engine: Engine) -> None:
        """Serve ``engine``, with no multipart upload in progress."""
        self._state = BackendState(engine)

    @property
    def engine(self) -> Engine:
        """The engine every call acts on."""
        return self._state.engine

    def call(
        self, service: str, operation: str, params: Mapping[str, Any], caller: Caller
    ) -> dict[str, Any]:
        """Perform one AWS API call.

        Args:
            service: ``"s3"``, ``"iam"``, ``"kms"`` or ``"sts"``.
            operation: the botocore operation name, such as ``"PutObject"``.
            params: what the boto3 client call takes (botocore member names; blobs as
                bytes; timestamps as aware datetimes).
            caller: the calling account (passed as ``account=`` to the engine) and the
                region the request was signed for.

        Returns:
            The output shape as boto3 returns it, without ``ResponseMetadata``.

        Raises:
            ServiceError: every failure, with the service's code and HTTP status;
                ``NotImplemented`` (501) for an operation s3repl does not model.
        """
        handler = OPERATIONS.get(service, {}).get(operation)
        if handler is None:
            raise not_implemented(operation)
        try:
            return handler(self._state, Params(params, service), caller)
        except ServiceError:
            raise
        except S3ReplError as err:
            raise service_error(service, err, params) from err
        except Exception as err:
            raise ServiceError(
                "InternalError", f"{type(err).__name__}: {err}", http_status=500, sender_fault=False
            ) from err
