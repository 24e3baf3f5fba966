"""s3repl speaks AWS: boto3, the AWS CLI and any S3 client, in process and over HTTP.

Extra ``s3repl[aws]`` (botocore) for the in-process mock, ``s3repl[server]`` for
``s3repl serve``.  ``import s3repl`` never imports this package; importing it imports
botocore.
"""

from s3repl.aws._gateway import Gateway
from s3repl.aws._http import Caller, HttpRequest, HttpResponse, ServiceError
from s3repl.aws._mock import Mock, mock

__all__ = ["Caller", "Gateway", "HttpRequest", "HttpResponse", "Mock", "ServiceError", "mock"]
