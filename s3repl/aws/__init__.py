"""s3repl speaks AWS: boto3, the AWS CLI and any S3 client, in process and over HTTP.

Extra ``s3repl[aws]`` (botocore) for the in-process mock, ``s3repl[server]`` for
``s3repl serve``.  ``import s3repl`` never imports this package.
"""

from s3repl.aws._http import Caller, HttpRequest, HttpResponse, ServiceError

__all__ = ["Caller", "HttpRequest", "HttpResponse", "ServiceError"]
