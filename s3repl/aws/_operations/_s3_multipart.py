"""Multipart uploads: in progress here, an object version only once completed.

In-progress uploads and their parts live in the backend (:class:`BackendState`), not in
the engine: nothing replicates, and nothing is visible in the bucket, until
``CompleteMultipartUpload``, which hands the parts to ``Engine.complete_multipart_upload``
(multipart ETag ``"<md5 of md5s>-N"``, R-090).  Upload ids are drawn from the engine's
seed and a counter, so the same calls give the same ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from s3repl.aws._http import Caller, ServiceError
from s3repl.aws._operations._params import Params
from s3repl.aws._operations._s3_objects import check_content_md5, write_options
from s3repl.aws._operations._state import BackendState, Handler, Upload
from s3repl.model import VersioningStatus

__all__ = ["MULTIPART_OPERATIONS"]

#: Every part but the last must hold at least 5 MiB.
PART_BYTES_MIN = 5 * 1024 * 1024
#: Part numbers run from 1 to 10,000.
PART_NUMBER_MAX = 10_000


def _etag(body: bytes) -> str:
    return f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'


def _no_such_upload(upload_id: str) -> ServiceError:
    return ServiceError(
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload "
        "may have been aborted or completed.",
        http_status=404,
        fields={"UploadId": upload_id},
    )


def _upload(state: BackendState, p: Params) -> Upload:
    upload_id = p.text("UploadId")
    upload = state.uploads.get(upload_id)
    if upload is None or (upload.bucket, upload.key) != (p.text("Bucket"), p.text("Key")):
        raise _no_such_upload(upload_id)
    return upload


def _create_multipart_upload(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    bucket, key = p.text("Bucket"), p.text("Key")
    state.engine.head_bucket(bucket)  # NoSuchBucket now; the completion authorizes the write
    state.uploads_started += 1
    seed = f"{state.engine.seed}:upload:{state.uploads_started}"
    upload_id = hashlib.sha256(seed.encode()).hexdigest()
    state.uploads[upload_id] = Upload(
        upload_id=upload_id,
        bucket=bucket,
        key=key,
        account=caller.account,
        initiated=state.engine.now,
        options=tuple(write_options(p).items()),
    )
    state.parts[upload_id] = {}
    return {"Bucket": bucket, "Key": key, "UploadId": upload_id}


def _upload_part(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    del caller  # the completion authorizes the write
    upload = _upload(state, p)
    number = p.optional_int("PartNumber")
    if number is None or not 1 <= number <= PART_NUMBER_MAX:
        raise ServiceError(
            "InvalidArgument",
            f"Part number must be an integer between 1 and {PART_NUMBER_MAX}, inclusive",
            fields={"ArgumentName": "partNumber", "ArgumentValue": str(number)},
        )
    body = p.blob("Body")
    check_content_md5(p, body)
    state.parts[upload.upload_id][number] = body
    return {"ETag": _etag(body)}


def _chosen_parts(state: BackendState, upload: Upload, p: Params) -> list[bytes]:
    listed = (p.optional_mapping("MultipartUpload") or {}).get("Parts") or []
    uploaded = state.parts[upload.upload_id]
    bodies: list[bytes] = []
    previous = 0
    for index, part in enumerate(listed):
        number = part.get("PartNumber") if isinstance(part, Mapping) else None
        etag = part.get("ETag") if isinstance(part, Mapping) else None
        if not isinstance(number, int) or not isinstance(etag, str):
            raise p.invalid(f"MultipartUpload.Parts[{index}]", "expected {ETag, PartNumber}")
        if number <= previous:
            raise ServiceError(
                "InvalidPartOrder",
                "The list of parts was not in ascending order. The parts list must be "
                "specified in order by part number.",
            )
        previous = number
        body = uploaded.get(number)
        if body is None or _etag(body).strip('"') != etag.strip('"'):
            raise ServiceError(
                "InvalidPart",
                "One or more of the specified parts could not be found. The part may not have "
                "been uploaded, or the specified entity tag may not match the part's entity tag.",
                fields={"PartNumber": str(number), "ETag": etag},
            )
        bodies.append(body)
    for number, body in zip(range(len(bodies) - 1), bodies, strict=False):
        if len(body) < PART_BYTES_MIN:
            raise ServiceError(
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed object size.",
                fields={"PartNumber": str(number + 1)},
            )
    return bodies


def _complete_multipart_upload(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    upload = _upload(state, p)
    bodies = _chosen_parts(state, upload, p)
    version = state.engine.complete_multipart_upload(
        upload.bucket, upload.key, bodies, account=caller.account, **dict(upload.options)
    )
    del state.uploads[upload.upload_id]
    del state.parts[upload.upload_id]
    out: dict[str, Any] = {
        "Location": f"https://{upload.bucket}.s3.amazonaws.com/{upload.key}",
        "Bucket": upload.bucket,
        "Key": upload.key,
        "ETag": version.etag,
    }
    if state.engine.head_bucket(upload.bucket).versioning is not VersioningStatus.UNVERSIONED:
        out["VersionId"] = version.version_id
    return out


def _abort_multipart_upload(state: BackendState, p: Params, caller: Caller) -> dict[str, Any]:
    del caller
    upload = _upload(state, p)
    del state.uploads[upload.upload_id]
    del state.parts[upload.upload_id]
    return {}


MULTIPART_OPERATIONS: dict[str, Handler] = {
    "CreateMultipartUpload": _create_multipart_upload,
    "UploadPart": _upload_part,
    "CompleteMultipartUpload": _complete_multipart_upload,
    "AbortMultipartUpload": _abort_multipart_upload,
}
