"""A minimal HTTP/1.1 keep-alive client for the load test, much cheaper than ``http.client``.

Why not ``http.client``: in a load test whose eight client threads share the server's
interpreter, ``http.client`` (its header parsing goes through ``email.parser``) cost
three times what the server spent answering, so the test mostly measured itself.  This
client writes each request as bytes and reads the status line, the headers and a
``Content-Length`` body: all that ``s3repl serve`` ever answers with (it never chunks).
"""

from __future__ import annotations

import socket
from typing import Self


class KeepAliveClient:
    """One persistent connection; requests are sent one after another on it.

    Args:
        host: the server's address.
        port: the server's port.
        timeout_seconds: how long one read or write may wait.
    """

    def __init__(self, host: str, port: int, *, timeout_seconds: float = 60.0) -> None:
        self._socket = socket.create_connection((host, port), timeout=timeout_seconds)
        self._reader = self._socket.makefile("rb")
        self._host = f"{host}:{port}"

    def request(
        self, method: str, path: str, body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request and read its answer: ``(status, headers, body)``.

        Raises:
            ConnectionError: the server closed the connection or answered in a form this
                client does not read (no ``Content-Length``, a chunked body).
        """
        head = f"{method} {path} HTTP/1.1\r\nHost: {self._host}\r\n"
        if body or method in ("PUT", "POST"):
            head += f"Content-Length: {len(body)}\r\n"
        self._socket.sendall(head.encode("ascii") + b"\r\n" + body)
        status_line = self._reader.readline()
        parts = status_line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            msg = f"not an HTTP/1.x status line: {status_line!r}"
            raise ConnectionError(msg)
        headers: dict[str, str] = {}
        while (line := self._reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if "transfer-encoding" in headers or "content-length" not in headers:
            msg = f"an answer without Content-Length: {headers}"
            raise ConnectionError(msg)
        length = 0 if method == "HEAD" else int(headers["content-length"])
        answer = self._reader.read(length)
        if len(answer) != length:
            msg = f"the connection closed {length - len(answer)} bytes early"
            raise ConnectionError(msg)
        return int(parts[1]), headers, answer

    def close(self) -> None:
        """Close the connection."""
        self._reader.close()
        self._socket.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
