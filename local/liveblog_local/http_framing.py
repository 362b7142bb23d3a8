"""Where a request body ends, read as strictly as API Gateway's front door reads it.

A request whose framing is ambiguous (a length that is not a number, two lengths that disagree, a
length with Transfer-Encoding) or malformed (a chunk size that is not hexadecimal, a chunk not
closed by CRLF, a body shorter than it said) is refused: two readers of such a request can see
two different bodies, which is how requests are smuggled past a proxy. A body over the limit is
refused as soon as its size is known, without reading the rest into memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from typing import Protocol

_LENGTH = re.compile(r"[0-9]+")
# A chunk size line: hexadecimal digits, optional extensions after ";", then the line end.
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]+)[ \t]*(?:;[^\r\n]*)?\r?\n")
_MAX_LINE = 4096
_MAX_TRAILERS = 100
# More digits than this is more than any limit here; int() would refuse past 4,300 anyway.
_MAX_DIGITS = 18


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...

    def readline(self, size: int, /) -> bytes: ...


class FramingError(Exception):
    """The request's framing is ambiguous or malformed: 400, and the connection cannot go on."""


class BodyTooLarge(Exception):
    """The body is over the limit: 413, and the rest of it is never read."""


@dataclass(frozen=True)
class Framing:
    content_length: int  # 0 when chunked
    chunked: bool

    @property
    def has_body(self) -> bool:
        return self.chunked or self.content_length > 0


def request_framing(headers: Message) -> Framing:
    """The framing the headers declare; FramingError if they declare it badly or twice."""
    lengths = [value.strip() for raw in headers.get_all("Content-Length") or [] for value in raw.split(",")]
    encodings = [
        coding.strip().lower()
        for raw in headers.get_all("Transfer-Encoding") or []
        for coding in raw.split(",")
    ]
    if encodings and lengths:
        raise FramingError("Content-Length together with Transfer-Encoding")
    if encodings:
        if encodings != ["chunked"]:
            raise FramingError(f"Transfer-Encoding {', '.join(encodings)} is not supported")
        return Framing(0, chunked=True)
    if not lengths:
        return Framing(0, chunked=False)
    if len(set(lengths)) > 1:
        raise FramingError(f"conflicting Content-Length values {', '.join(lengths)}")
    if not _LENGTH.fullmatch(lengths[0]):
        raise FramingError(f"Content-Length {lengths[0][:40]!r} is not a number of bytes")
    return Framing(_digits(lengths[0]), chunked=False)


def _digits(text: str) -> int:
    return int(text) if len(text.lstrip("0")) <= _MAX_DIGITS else 10**_MAX_DIGITS


def read_body(stream: Readable, framing: Framing, limit: int) -> bytes:
    """The body the framing delimits, at most `limit` bytes (else BodyTooLarge)."""
    if framing.chunked:
        return _read_chunked(stream, limit)
    if framing.content_length > limit:
        raise BodyTooLarge
    body = stream.read(framing.content_length) if framing.content_length else b""
    if len(body) < framing.content_length:
        raise FramingError("the body ended before Content-Length bytes")
    return body


def _read_chunked(stream: Readable, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        length = _chunk_size(stream.readline(_MAX_LINE))
        if length == 0:
            _skip_trailers(stream)
            return b"".join(chunks)
        size += length
        if size > limit:
            raise BodyTooLarge
        chunk = stream.read(length)
        if len(chunk) < length:
            raise FramingError("the body ended inside a chunk")
        if stream.readline(_MAX_LINE) not in (b"\r\n", b"\n"):
            raise FramingError("a chunk is not followed by CRLF")
        chunks.append(chunk)


def _chunk_size(line: bytes) -> int:
    found = _CHUNK_SIZE.fullmatch(line)
    if found is None:
        raise FramingError(f"invalid chunk size line {line[:40]!r}")
    digits = found.group(1).lstrip(b"0")
    return int(digits or b"0", 16) if len(digits) <= _MAX_DIGITS else 16**_MAX_DIGITS


def _skip_trailers(stream: Readable) -> None:
    for _ in range(_MAX_TRAILERS):
        line = stream.readline(_MAX_LINE)
        if line in (b"\r\n", b"\n"):
            return
        if not line.endswith(b"\n"):
            raise FramingError("the trailer section does not end")
    raise FramingError(f"more than {_MAX_TRAILERS} trailer fields")
