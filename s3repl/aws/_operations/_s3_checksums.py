"""Object checksums (S3's flexible checksums), kept for versions whose upload carried one.

S3 checks the checksum a client sends with an upload (``x-amz-checksum-<algorithm>``,
as a header or an ``aws-chunked`` trailer) against the body, keeps it, and answers it
on PutObject, on CopyObject, on GetObject and HeadObject when asked
(``x-amz-checksum-mode: ENABLED``), and names the algorithm in listings (S3 User Guide,
"Checking object integrity in Amazon S3").  boto3 sends a CRC32 with every upload.

Why beside the engine: the engine does not model checksums, so the backend keeps them
by (bucket, key, version id), like creation dates: not in ``Engine.snapshot()``, and
not carried to replicas (S3 replicates them; a known gap).  CRC32, SHA-1 and SHA-256
are checked against the body; CRC32C and CRC64NVME (no implementation in the standard
library) are kept as sent.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable

from s3repl.aws._http import ServiceError
from s3repl.aws._operations._params import Params
from s3repl.aws._operations._state import BackendState

__all__ = ["MEMBERS", "Checksum", "algorithm_of", "checksum_sent", "recorded", "remember"]

#: Algorithm -> the member (and, lower-cased with dashes, the header) carrying it.
MEMBERS = {
    "CRC32": "ChecksumCRC32",
    "CRC32C": "ChecksumCRC32C",
    "CRC64NVME": "ChecksumCRC64NVME",
    "SHA1": "ChecksumSHA1",
    "SHA256": "ChecksumSHA256",
}
_DIGESTS: dict[str, Callable[[bytes], bytes]] = {
    "ChecksumCRC32": lambda body: zlib.crc32(body).to_bytes(4, "big"),
    "ChecksumSHA1": lambda body: hashlib.sha1(body, usedforsecurity=False).digest(),
    "ChecksumSHA256": lambda body: hashlib.sha256(body).digest(),
}

#: ``(member, base64 value)``: ``("ChecksumCRC32", "NhCmhg==")``.
Checksum = tuple[str, str]


def _computed(member: str, body: bytes) -> str | None:
    digest = _DIGESTS.get(member)
    return None if digest is None else base64.b64encode(digest(body)).decode("ascii")


def checksum_sent(p: Params, body: bytes) -> Checksum | None:
    """The checksum an upload carries, checked against ``body``; ``None`` when it has none.

    A ``ChecksumAlgorithm`` without a value is computed here when the standard library
    can (S3 computes it for the client).

    Raises:
        ServiceError: ``InvalidRequest`` for more than one checksum, ``BadDigest`` for
            one that is not the body's.
    """
    given = [(member, p.text(member)) for member in MEMBERS.values() if p.has(member)]
    if len(given) > 1:
        msg = "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
        raise ServiceError("InvalidRequest", msg)
    if not given:
        member = MEMBERS.get((p.optional_text("ChecksumAlgorithm") or "").upper())
        value = None if member is None else _computed(member, body)
        return None if member is None or value is None else (member, value)
    member, value = given[0]
    expected = _computed(member, body)
    if expected is not None and expected != value:
        algorithm = member.removeprefix("Checksum")
        msg = f"The {algorithm} you specified did not match the calculated checksum."
        raise ServiceError("BadDigest", msg)
    return member, value


def remember(state: BackendState, version: tuple[str, str, str], checksum: Checksum | None) -> None:
    """Keep (or, for ``None``, forget) the checksum of ``(bucket, key, version id)``."""
    if checksum is None:
        state.checksums.pop(version, None)
    else:
        state.checksums[version] = checksum


def recorded(state: BackendState, version: tuple[str, str, str]) -> Checksum | None:
    """The checksum kept for ``(bucket, key, version id)``, if any."""
    return state.checksums.get(version)


def algorithm_of(checksum: Checksum) -> str:
    """The algorithm's name (``"CRC32"``) of a kept checksum."""
    return checksum[0].removeprefix("Checksum")
