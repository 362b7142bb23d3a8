"""A local stand-in for the CloudFront distribution in front of the snapshot and media buckets.

GET and HEAD of /<key> answer with the object at <key> in the bucket the distribution's cache
behaviours choose for that path (/media/* from the media bucket, everything else from the
snapshot bucket), read through boto3, so from moto. The answer has what a reader sees through
CloudFront: the object's Content-Type and Cache-Control, its S3 ETag (weak once compressed,
as CloudFront makes it), 304 for a matching If-None-Match, gzip when the behaviour
compresses, the client accepts it and the type is compressible, and the headers of the
managed CORS-with-preflight-and-SecurityHeadersPolicy. Nothing is cached here: every
request reads the bucket, so what the renderer wrote is visible at once (CloudFront would
keep a mutable document for its max-age).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes, urlsplit

import boto3
from botocore.exceptions import ClientError

from liveblog_local.template import CacheBehavior

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("liveblog_local.cdn")

Header = tuple[str, str]

# The managed response headers policy "CORS-with-preflight-and-SecurityHeadersPolicy".
CORS_HEADERS: tuple[Header, ...] = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "*"),
)
PREFLIGHT_HEADERS: tuple[Header, ...] = (
    ("Access-Control-Allow-Methods", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"),
    ("Access-Control-Allow-Headers", "*"),
    ("Access-Control-Max-Age", "600"),
)
SECURITY_HEADERS: tuple[Header, ...] = (
    ("Strict-Transport-Security", "max-age=31536000"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-XSS-Protection", "1; mode=block"),
)

# CloudFront compresses these types, and only objects of 1,000 bytes to 10,000,000 bytes.
_COMPRESSIBLE = re.compile(
    r"^(text/|application/(json|.*\+json|javascript|x-javascript|xml|.*\+xml|ld\+json|manifest\+json)|image/svg\+xml)",
    re.IGNORECASE,
)
# The reader page (web/) served at the root, as the distribution's DefaultRootObject.
DEFAULT_ROOT_OBJECT = "index.html"
_SITE_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
_MIN_COMPRESS_BYTES = 1_000
_MAX_COMPRESS_BYTES = 10_000_000


@dataclass(frozen=True)
class CdnResponse:
    status: int
    headers: list[Header]
    body: bytes = b""


# A "%" not followed by two hex digits, and characters no object key is written with.
_BROKEN_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _decoded_path(raw: str) -> str | None:
    """The path as an object key would spell it; None if it cannot name one: a broken escape, bytes
    that are not UTF-8, or a control character (%00 among them), which S3 refuses as InvalidURI."""
    if _BROKEN_ESCAPE.search(raw):
        return None
    try:
        decoded = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if _CONTROL.search(decoded) else decoded


def _bad_request() -> CdnResponse:
    body = json.dumps(
        {"message": "Bad Request: the path is not a percent-encoded UTF-8 object key"}, separators=(",", ":")
    ).encode()
    return CdnResponse(400, [("Content-Type", "application/json")], body)


def _not_found() -> CdnResponse:
    body = json.dumps({"message": "Not Found"}, separators=(",", ":")).encode()
    return CdnResponse(404, [("Content-Type", "application/json")], body)


def _accepts_gzip(accept_encoding: str) -> bool:
    for part in accept_encoding.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _etag_matches(if_none_match: str, etag: str) -> bool:
    # Weak comparison, as for If-None-Match: W/"x" matches "x".
    def opaque(tag: str) -> str:
        tag = tag.strip()
        return tag[2:] if tag.startswith("W/") else tag

    if if_none_match.strip() == "*":
        return True
    return any(opaque(candidate) == opaque(etag) for candidate in if_none_match.split(","))


def _remove_dot_segments(path: str) -> str:
    # CloudFront normalises the path (RFC 3986) before it picks a cache behaviour, so
    # /media/../uploads/x is /uploads/x and goes to the snapshot bucket, not the media bucket.
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if len(segments) > 1:
                segments.pop()
        elif segment != ".":
            segments.append(segment)
    if path.rsplit("/", 1)[-1] in (".", ".."):
        segments.append("")
    return "/".join(segments)


class SnapshotCdn:
    """Answers CDN requests from the buckets; HTTP-free so that tests can call `handle` directly.

    As CloudFront does, a request goes to the first of `behaviors` whose path prefix its path
    starts with (`LocalTemplate.cache_behaviors` reads them from the distribution), and to
    `bucket` through the default behaviour, which compresses, when none matches.
    """

    def __init__(
        self,
        bucket: str,
        s3_client: S3Client | None = None,
        *,
        behaviors: Sequence[CacheBehavior] = (),
        site: Path | None = None,
    ) -> None:
        self.bucket = bucket
        self.site = site
        self.behaviors = (*behaviors, CacheBehavior(path_prefix="", bucket=bucket, compress=True))
        self.s3: S3Client = s3_client or boto3.client("s3")

    def _site_file(self, key: str) -> dict[str, Any] | None:
        """A reader-page file from `site` (web/), in the shape S3 answers with, or None.

        Deployed, these files sit at the snapshot bucket's root; locally they are read from
        disk on every request, so an edit to web/ shows on the next reload. `no-cache` makes
        the browser revalidate (cheaply, by ETag) instead of keeping an old copy.
        """
        if self.site is None:
            return None
        root = self.site.resolve()
        path = (root / key).resolve()
        if root not in path.parents or not path.is_file():
            return None
        data = path.read_bytes()
        return {
            "Body": io.BytesIO(data),
            "ContentLength": len(data),
            "ETag": f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"',
            "ContentType": _SITE_TYPES.get(path.suffix, "application/octet-stream"),
            "CacheControl": "no-cache",
            "LastModified": datetime.fromtimestamp(path.stat().st_mtime, UTC),
        }

    def behavior(self, key: str) -> CacheBehavior:
        """The behaviour that answers for <key> (the path without its leading slash)."""
        return next(behavior for behavior in self.behaviors if key.startswith(behavior.path_prefix))

    def handle(self, method: str, target: str, headers: dict[str, str]) -> CdnResponse:
        """One request; `headers` are keyed by lowercase name."""
        response = self._respond(method, target, headers)
        extra = list(CORS_HEADERS) + list(SECURITY_HEADERS)
        if method == "OPTIONS":
            extra += PREFLIGHT_HEADERS
        return CdnResponse(response.status, response.headers + extra, response.body)

    def _respond(self, method: str, target: str, headers: dict[str, str]) -> CdnResponse:
        if method == "OPTIONS":
            return CdnResponse(200, [("Content-Length", "0")])
        if method not in ("GET", "HEAD"):
            # The distribution allows GET, HEAD and OPTIONS only.
            body = json.dumps({"message": "Method Not Allowed"}, separators=(",", ":")).encode()
            return CdnResponse(403, [("Content-Type", "application/json")], body)
        decoded = _decoded_path(urlsplit(target).path)
        if decoded is None:
            return _bad_request()
        path = _remove_dot_segments(decoded)
        if path == "/":
            return self.root(method, headers)
        key = path.lstrip("/")
        return self.object(self.behavior(key), key, method, headers)

    def root(self, method: str, headers: dict[str, str]) -> CdnResponse:
        # The distribution's DefaultRootObject: "/" is the reader page.
        key = DEFAULT_ROOT_OBJECT
        return self.object(self.behavior(key), key, method, headers)

    def object(self, behavior: CacheBehavior, key: str, method: str, headers: dict[str, str]) -> CdnResponse:
        if not key:
            return _not_found()
        stored: Any = self._site_file(key) if behavior.path_prefix == "" else None
        try:
            if stored is None:
                stored = (
                    self.s3.head_object(Bucket=behavior.bucket, Key=key)
                    if method == "HEAD"
                    else self.s3.get_object(Bucket=behavior.bucket, Key=key)
                )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404", "NotFound"):
                return _not_found()
            raise
        body: bytes = stored["Body"].read() if method == "GET" else b""
        length = int(stored["ContentLength"])
        etag = str(stored["ETag"])
        content_type = str(stored.get("ContentType") or "binary/octet-stream")
        out: list[Header] = [("Content-Type", content_type)]
        if stored.get("CacheControl"):
            out.append(("Cache-Control", str(stored["CacheControl"])))
        if stored.get("LastModified"):
            out.append(
                (
                    "Last-Modified",
                    time.strftime("%a, %d %b %Y %H:%M:%S GMT", stored["LastModified"].utctimetuple()),
                )
            )
        content_encoding = stored.get("ContentEncoding")
        compress = (
            behavior.compress
            and not content_encoding
            and _COMPRESSIBLE.match(content_type) is not None
            and _MIN_COMPRESS_BYTES <= length <= _MAX_COMPRESS_BYTES
        )
        if compress:
            out.append(("Vary", "Accept-Encoding"))
        if compress and _accepts_gzip(headers.get("accept-encoding", "")):
            etag = etag if etag.startswith("W/") else f"W/{etag}"
            content_encoding = "gzip"
            if method == "GET":
                body = gzip.compress(body, compresslevel=6, mtime=0)
                length = len(body)
            else:
                # HEAD: CloudFront sends no Content-Length it would have to compress to know.
                length = -1
        out.append(("ETag", etag))
        if content_encoding:
            out.append(("Content-Encoding", str(content_encoding)))
        if_none_match = headers.get("if-none-match")
        if if_none_match and _etag_matches(if_none_match, etag):
            return CdnResponse(304, [h for h in out if h[0] != "Content-Type"])
        if length >= 0:
            out.append(("Content-Length", str(length)))
        return CdnResponse(200, out, body)


class _RequestHandler(BaseHTTPRequestHandler):
    server: _CdnHttpServer
    protocol_version = "HTTP/1.1"
    server_version = "liveblog-local-cdn"

    def version_string(self) -> str:
        return self.server_version

    def _serve(self) -> None:
        started = time.perf_counter()
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            response = self.server.cdn.handle(self.command, self.path, headers)
        except Exception:
            log.exception("CDN %s %s failed", self.command, self.path)
            body = json.dumps({"message": "Bad Gateway"}).encode()
            response = CdnResponse(502, [("Content-Type", "application/json")], body)
        self.send_response(response.status)
        has_length = False
        for name, value in response.headers:
            has_length = has_length or name.lower() == "content-length"
            self.send_header(name, value)
        if not has_length and response.status != 304 and self.command != "HEAD":
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.status != 304 and response.body:
            self.wfile.write(response.body)
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.info("CDN %s %s %d %.0fms", self.command, self.path, response.status, elapsed_ms)

    do_GET = do_HEAD = do_OPTIONS = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)


class _CdnHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], cdn: SnapshotCdn) -> None:
        self.cdn = cdn
        super().__init__(address, _RequestHandler)


class CdnServer:
    """The CDN listening on host:port in a background thread."""

    name = "cdn"

    def __init__(self, cdn: SnapshotCdn, host: str = "127.0.0.1", port: int = 3001) -> None:
        self._server = _CdnHttpServer((host, port), cdn)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host if isinstance(host, str) else host.decode()}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
