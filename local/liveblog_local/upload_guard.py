"""S3's check of a browser-based upload, in front of moto's server.

moto stores whatever a form POST to a bucket carries: any key, size or type, signed or not. S3
refuses a form whose policy is unsigned, expired or not met (liveblog_local.post_policy), so the
local server must too: a photo's presigned POST would otherwise write renditions, originals,
another photo's upload or an HTML page under media/.

`UploadPolicyGuard` wraps moto's WSGI application. A multipart/form-data POST to a bucket is read
as S3 reads it: the fields before the `file` part, then the file (what follows it is ignored).
Only a form S3 would accept reaches moto, rebuilt from exactly what was checked; a refusal is
S3's XML error. Every other request goes to moto untouched.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from werkzeug.datastructures import Headers
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Event, Field, File, MultipartDecoder, NeedData, Preamble
from werkzeug.wsgi import get_input_stream

from liveblog_local import LOCAL_REGION
from liveblog_local.post_policy import PostRefused, UploadForm, check_form, check_size, error_document

log = logging.getLogger("liveblog_local.upload_guard")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_READ_SIZE = 64 * 1024


def _malformed() -> PostRefused:
    return PostRefused(
        400, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data."
    )


def _one_file() -> PostRefused:
    return PostRefused(400, "InvalidArgument", "POST requires exactly one file upload per request.")


@dataclass(frozen=True)
class _Upload:
    fields: list[tuple[str, str]]
    file: File
    data: bytes


def upload_target(environ: Mapping[str, Any]) -> tuple[str, str] | None:
    """(bucket, key in the path) of a form POST, or None if the request is not one."""
    if environ.get("REQUEST_METHOD") != "POST" or environ.get("QUERY_STRING"):
        return None
    content_type, _ = parse_options_header(environ.get("CONTENT_TYPE", ""))
    if content_type != "multipart/form-data":
        return None
    path = unquote(environ.get("PATH_INFO", "")).lstrip("/")
    if path:
        bucket, _, key = path.partition("/")
        return bucket, key
    # Virtual-hosted style: the bucket is the host's first label.
    return str(environ.get("HTTP_HOST", "")).split(":")[0].split(".")[0], ""


class _FormEvents:
    """A request body's multipart events, read 64 KiB at a time."""

    def __init__(self, stream: Any, boundary: bytes) -> None:
        self._stream = stream
        self._decoder = MultipartDecoder(boundary)
        self._ended = False
        self._read_all = False

    def __iter__(self) -> Iterator[Event]:
        while not self._ended:
            try:
                event = self._decoder.next_event()
            except ValueError as exc:
                raise _malformed() from exc
            if isinstance(event, NeedData):
                if self._read_all:
                    raise _malformed()  # the body ended inside a part
                chunk = self._stream.read(_READ_SIZE)
                self._read_all = not chunk
                self._decoder.receive_data(chunk or None)
                continue
            if isinstance(event, Epilogue):
                self._ended = True
            yield event

    def part_data(self, limit: int | None = None) -> tuple[bytes, int]:
        """The current part's bytes, keeping at most `limit + 1` of them, and its whole size."""
        kept: list[bytes] = []
        size = 0
        for event in self:
            if not isinstance(event, Data):
                raise _malformed()
            if limit is None or size <= limit:
                kept.append(event.data)
            size += len(event.data)
            if not event.more_data:
                break
        return b"".join(kept), size

    def drain(self) -> None:
        while self._stream.read(_READ_SIZE):
            pass


def _read_fields(events: _FormEvents) -> tuple[list[tuple[str, str]], File]:
    fields: list[tuple[str, str]] = []
    for event in events:
        if isinstance(event, Preamble):
            continue
        if isinstance(event, File) and event.name.lower() == "file":
            return fields, event
        if not isinstance(event, Field | File):
            break
        data, _ = events.part_data()
        try:
            fields.append((event.name, data.decode("utf-8")))
        except UnicodeDecodeError as exc:
            raise _malformed() from exc
    raise _one_file()


def _encode(upload: _Upload, boundary: bytes) -> bytes:
    """The form as moto gets it: the checked fields, then the file."""
    parts: list[bytes] = []
    for name, value in upload.fields:
        parts.append(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value.encode())
    file_headers = Headers(upload.file.headers)
    file_headers.setdefault("Content-Type", "application/octet-stream")
    parts.append(
        f'Content-Disposition: form-data; name="file"; filename="{upload.file.filename}"\r\n'
        f"Content-Type: {file_headers['Content-Type']}\r\n\r\n".encode()
        + upload.data
    )
    delimiter = b"--" + boundary + b"\r\n"
    return b"".join(delimiter + part + b"\r\n" for part in parts) + b"--" + boundary + b"--\r\n"


class UploadPolicyGuard:
    """A WSGI middleware: browser-based uploads must satisfy their signed policy, as on S3."""

    def __init__(
        self,
        app: WsgiApp,
        credentials: Mapping[str, str],
        region: str = LOCAL_REGION,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.app = app
        self.credentials = dict(credentials)
        self.region = region
        self.clock = clock

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = upload_target(environ)
        if target is None:
            return self.app(environ, start_response)
        bucket, key = target
        _, options = parse_options_header(environ.get("CONTENT_TYPE", ""))
        boundary = options.get("boundary", "").encode()
        events = _FormEvents(get_input_stream(environ), boundary)
        try:
            if key:
                raise PostRefused(
                    405, "MethodNotAllowed", "The specified method is not allowed against this resource."
                )
            if not boundary:
                raise _malformed()
            upload = self._checked_upload(events, bucket)
        except PostRefused as refusal:
            events.drain()  # the connection can carry the next request
            log.info("POST /%s refused: %s %s", bucket, refusal.code, refusal.message)
            body = error_document(refusal)
            start_response(
                f"{refusal.status} {_REASONS[refusal.status]}",
                [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
            )
            return [body]
        events.drain()  # S3 ignores what follows the file
        body = _encode(upload, boundary)
        environ = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ.pop("wsgi.input_terminated", None)
        return self.app(environ, start_response)

    def _checked_upload(self, events: _FormEvents, bucket: str) -> _Upload:
        fields, file = _read_fields(events)
        form = UploadForm(bucket=bucket, fields=fields, filename=file.filename)
        policy = check_form(form, self.credentials, self.region, self.clock())
        # Past the policy's largest size the bytes are only counted, never kept.
        largest = policy.size_range[1] if policy.size_range else None
        data, size = events.part_data(largest)
        check_size(policy, size)
        key = form.value("key")
        checked = [(name, key if name.lower() == "key" and key else value) for name, value in fields]
        return _Upload(checked, file, data)


_REASONS = {400: "Bad Request", 403: "Forbidden", 405: "Method Not Allowed"}
