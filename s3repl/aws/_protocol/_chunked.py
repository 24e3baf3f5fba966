r"""S3's ``aws-chunked`` content encoding: the body as chunks, then trailing headers.

botocore sends a streaming body this way when it puts a checksum in a trailer
(``x-amz-trailer: x-amz-checksum-crc32``); SigV4 streaming uploads
(``STREAMING-AWS4-HMAC-SHA256-PAYLOAD``) add ``;chunk-signature=...`` to each size line.
The layout, per chunk: ``<hex size>[;extensions]\r\n<bytes>\r\n``; a zero-size chunk
ends the data and is followed by ``name:value\r\n`` trailer lines and a blank line.
"""

from __future__ import annotations

from s3repl.aws._http import HttpRequest

__all__ = ["ChunkedBodyError", "decode_aws_chunked", "is_aws_chunked"]

_CRLF = b"\r\n"


class ChunkedBodyError(ValueError):
    """A body that claims ``aws-chunked`` but is not laid out as chunks."""


def is_aws_chunked(request: HttpRequest) -> bool:
    """Whether ``request``'s body is ``aws-chunked`` (by content encoding or payload hash)."""
    encodings = (request.header("content-encoding") or "").lower()
    if "aws-chunked" in (part.strip() for part in encodings.split(",")):
        return True
    return (request.header("x-amz-content-sha256") or "").upper().startswith("STREAMING-")


def decode_aws_chunked(body: bytes) -> tuple[bytes, tuple[tuple[str, str], ...]]:
    """The data and the trailing headers (names lower-cased) of an ``aws-chunked`` body.

    Raises:
        ChunkedBodyError: a size line is not hexadecimal, a chunk is shorter than its
            size, or the body ends before the zero-size chunk.
    """
    data = bytearray()
    position = 0
    # Each pass consumes one chunk, so the loop is bounded by the body's length.
    while position < len(body):
        line_end = body.find(_CRLF, position)
        if line_end < 0:
            msg = "a chunk size line has no end"
            raise ChunkedBodyError(msg)
        size_text = body[position:line_end].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError as err:
            msg = f"chunk size {size_text!r} is not hexadecimal"
            raise ChunkedBodyError(msg) from err
        if size < 0:
            msg = "negative chunk size"
            raise ChunkedBodyError(msg)
        start = line_end + len(_CRLF)
        if size == 0:
            return bytes(data), _trailers(body[start:])
        end = start + size
        if body[end : end + len(_CRLF)] != _CRLF:
            msg = "a chunk is shorter than its size"
            raise ChunkedBodyError(msg)
        data += body[start:end]
        position = end + len(_CRLF)
    msg = "the body ends before its last (zero-size) chunk"
    raise ChunkedBodyError(msg)


def _trailers(rest: bytes) -> tuple[tuple[str, str], ...]:
    trailers: list[tuple[str, str]] = []
    for raw_line in rest.split(_CRLF):
        line = raw_line.decode("utf-8", errors="replace").strip()
        if not line:
            continue
        name, colon, value = line.partition(":")
        if not colon:
            msg = f"trailer line {line!r} has no colon"
            raise ChunkedBodyError(msg)
        trailers.append((name.strip().lower(), value.strip()))
    return tuple(trailers)
