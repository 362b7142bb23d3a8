"""A local API Gateway HTTP API: real HTTP in, payload format 2.0 events to the handler.

It reproduces what the handler can observe of the deployed API: routes and their auth
come from template.yaml, the JWT authorizer refuses a request before the handler runs,
CORS is answered and added by the gateway (not the function), oversized bodies get 413,
and the event carries the same fields, encodings and flattened claims as in Lambda.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from liveblog_local import LOCAL_ACCOUNT_ID
from liveblog_local.functions import Handler, lambda_context
from liveblog_local.http_framing import BodyTooLarge, FramingError, read_body, request_framing
from liveblog_local.template import CorsConfiguration, HttpApiConfig, HttpRoute
from liveblog_local.tokens import InvalidTokenError, authorizer_claims, authorizer_scopes, verify

log = logging.getLogger("liveblog_local.gateway")

# HTTP API's payload quota; larger requests never reach the integration.
MAX_BODY_BYTES = 10 * 1024 * 1024
LOCAL_API_ID = "local"
LOCAL_STAGE = "$default"

Verifier = Callable[[str], dict[str, Any]]
Header = tuple[str, str]

_TEXT_TYPES = re.compile(r"^text/|json|xml|javascript|x-www-form-urlencoded|yaml|csv", re.IGNORECASE)
# The gateway owns these; a function's own values would be ignored by HTTP API too.
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "keep-alive"}


@dataclass(frozen=True)
class GatewayResponse:
    status: int
    headers: list[Header]
    body: bytes = b""


def _message(status: int, message: str, headers: Iterable[Header] = ()) -> GatewayResponse:
    # HTTP API's own errors (no route, authorizer refusal, quotas) all look like this.
    body = json.dumps({"message": message}, separators=(",", ":")).encode()
    return GatewayResponse(status, [("content-type", "application/json"), *headers], body)


# ---------------------------------------------------------------- routing


def _route_pattern(path: str) -> re.Pattern[str]:
    parts = []
    for segment in path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("+}"):
            parts.append(f"(?P<{segment[1:-2]}>.+)")
        elif segment.startswith("{") and segment.endswith("}"):
            parts.append(f"(?P<{segment[1:-1]}>[^/]+)")
        else:
            parts.append(re.escape(segment))
    return re.compile("^/" + "/".join(parts) + "$")


def _specificity(route: HttpRoute) -> tuple[int, int, int]:
    # HTTP API prefers literal segments over variables, and greedy variables last.
    segments = route.path.strip("/").split("/")
    literals = sum(1 for s in segments if not s.startswith("{"))
    greedy = sum(1 for s in segments if s.endswith("+}"))
    return (-greedy, literals, route.method != "ANY")


def match_route(
    routes: Iterable[HttpRoute], method: str, path: str
) -> tuple[HttpRoute, dict[str, str]] | None:
    candidates: list[tuple[HttpRoute, dict[str, str]]] = []
    for route in routes:
        if route.method not in (method, "ANY"):
            continue
        if route.path == "$default":
            candidates.append((route, {}))
            continue
        found = _route_pattern(route.path).match(path)
        if found:
            candidates.append((route, {name: unquote(value) for name, value in found.groupdict().items()}))
    if not candidates:
        return None
    return max(
        candidates, key=lambda candidate: (candidate[0].path != "$default", _specificity(candidate[0]))
    )


# ---------------------------------------------------------------- events


def _is_text(content_type: str) -> bool:
    return bool(_TEXT_TYPES.search(content_type)) or "charset=" in content_type.lower()


def build_event(
    *,
    method: str,
    target: str,
    headers: Iterable[Header],
    body: bytes,
    source_ip: str,
    route: HttpRoute,
    path_parameters: Mapping[str, str],
    claims: Mapping[str, Any] | None,
    domain_name: str,
    request_id: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The payload format 2.0 event HTTP API sends for this request."""
    now = now or datetime.now(UTC)
    split = urlsplit(target)
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        lowered = name.lower()
        if lowered == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        joined[lowered] = f"{joined[lowered]},{value}" if lowered in joined else value
    joined.setdefault("x-forwarded-for", source_ip)
    joined.setdefault("x-forwarded-proto", "http")
    joined.setdefault("x-amzn-trace-id", f"Root=1-{int(now.timestamp()):08x}-{secrets.token_hex(12)}")

    query: dict[str, str] = {}
    for name, value in parse_qsl(split.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value

    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key if route.path != "$default" else "$default",
        "rawPath": split.path,
        "rawQueryString": split.query,
        "headers": joined,
        "requestContext": {
            "accountId": LOCAL_ACCOUNT_ID,
            "apiId": LOCAL_API_ID,
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".")[0],
            "http": {
                "method": method,
                "path": split.path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": joined.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route.route_key if route.path != "$default" else "$default",
            "stage": LOCAL_STAGE,
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if claims is not None:
        event["requestContext"]["authorizer"] = {
            "jwt": {"claims": authorizer_claims(dict(claims)), "scopes": authorizer_scopes(dict(claims))}
        }
    if body:
        if _is_text(joined.get("content-type", "")):
            event["body"] = body.decode("utf-8", errors="replace")
        else:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


def response_from_result(result: Any) -> GatewayResponse:
    """Turn a payload 2.0 Lambda result into the HTTP response HTTP API would send."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # Format 2.0 lets a function return bare JSON: HTTP API then answers 200 with it.
        return GatewayResponse(200, [("content-type", "application/json")], json.dumps(result).encode())
    headers: list[Header] = []
    for name, value in (result.get("headers") or {}).items():
        headers.append((name, str(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((name, str(value)) for value in values)
    headers.extend(("set-cookie", cookie) for cookie in result.get("cookies") or [])
    headers = [(name, value) for name, value in headers if name.lower() not in _HOP_BY_HOP]
    raw = result.get("body")
    if raw is None:
        body = b""
    elif result.get("isBase64Encoded"):
        body = base64.b64decode(raw)
    else:
        body = str(raw).encode("utf-8")
    return GatewayResponse(int(result["statusCode"]), headers, body)


# ---------------------------------------------------------------- CORS


def _origin_allowed(cors: CorsConfiguration, origin: str) -> bool:
    return "*" in cors.allow_origins or origin in cors.allow_origins


def preflight_response(cors: CorsConfiguration, origin: str | None) -> GatewayResponse:
    if not origin or not _origin_allowed(cors, origin):
        return GatewayResponse(204, [])
    headers = [
        ("access-control-allow-origin", origin if "*" not in cors.allow_origins else "*"),
        ("access-control-allow-methods", ",".join(cors.allow_methods)),
        ("access-control-allow-headers", ",".join(cors.allow_headers)),
    ]
    if cors.max_age is not None:
        headers.append(("access-control-max-age", str(cors.max_age)))
    if cors.allow_credentials:
        headers.append(("access-control-allow-credentials", "true"))
    return GatewayResponse(204, headers)


def with_cors(
    response: GatewayResponse, cors: CorsConfiguration | None, origin: str | None
) -> GatewayResponse:
    if cors is None:
        return response
    # With a CorsConfiguration, HTTP API ignores the function's CORS headers and sets its own.
    headers = [(n, v) for n, v in response.headers if not n.lower().startswith("access-control-")]
    if origin and _origin_allowed(cors, origin):
        headers.append(("access-control-allow-origin", origin if "*" not in cors.allow_origins else "*"))
        if cors.expose_headers:
            headers.append(("access-control-expose-headers", ",".join(cors.expose_headers)))
        if cors.allow_credentials:
            headers.append(("access-control-allow-credentials", "true"))
    return GatewayResponse(response.status, headers, response.body)


# ---------------------------------------------------------------- the gateway


def _bearer_token(headers: Iterable[Header]) -> str | None:
    values = [value for name, value in headers if name.lower() == "authorization"]
    if not values:
        return None
    token = values[0].strip()
    # The authorizer takes the bare token or one prefixed with "Bearer ".
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    return token or None


@dataclass(frozen=True)
class AdmittedRequest:
    """A request the gateway routed and authorized; its body is still unread."""

    method: str
    target: str
    headers: list[Header]
    source_ip: str
    domain_name: str
    route: HttpRoute
    path_parameters: dict[str, str]
    claims: dict[str, Any] | None
    request_id: str


@dataclass
class HttpApiGateway:
    """Routes, authorizes and invokes: everything between the socket and the handler.

    `admit` decides from the request line and headers alone, so a request without a route or a
    valid token is refused before a byte of its body is read; `invoke` runs the handler.
    """

    handler: Handler
    config: HttpApiConfig
    function_name: str = "AdminApiFunction"
    memory_limit_in_mb: int = 512
    timeout_seconds: int = 10
    verifier: Verifier = verify
    # A Lambda sandbox runs one invocation at a time, and the handler relies on it: the Powertools
    # resolver keeps the current request on the app object. The threaded server must not interleave
    # two requests inside one handler, or one request can be answered with another's route.
    _invocation: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def handle(
        self, method: str, target: str, headers: list[Header], body: bytes, source_ip: str, domain_name: str
    ) -> GatewayResponse:
        admitted = self.admit(method, target, headers, source_ip, domain_name)
        return admitted if isinstance(admitted, GatewayResponse) else self.invoke(admitted, body)

    def admit(
        self, method: str, target: str, headers: list[Header], source_ip: str, domain_name: str
    ) -> AdmittedRequest | GatewayResponse:
        origin = _origin(headers)
        cors = self.config.cors
        if method == "OPTIONS" and cors is not None:
            return preflight_response(cors, origin)
        request_id = base64.b64encode(secrets.token_bytes(12)).decode().rstrip("=") + "="
        matched = match_route(self.config.routes, method, urlsplit(target).path)
        if matched is None:
            return with_cors(_message(404, "Not Found", [("apigw-requestid", request_id)]), cors, origin)
        route, path_parameters = matched
        claims: dict[str, Any] | None = None
        if route.authorized:
            claims_or_refusal = self._authorize(headers, request_id)
            if isinstance(claims_or_refusal, GatewayResponse):
                return with_cors(claims_or_refusal, cors, origin)
            claims = claims_or_refusal
        return AdmittedRequest(
            method, target, headers, source_ip, domain_name, route, path_parameters, claims, request_id
        )

    def _authorize(self, headers: list[Header], request_id: str) -> dict[str, Any] | GatewayResponse:
        token = _bearer_token(headers)
        if token is None:
            return _message(401, "Unauthorized", [("apigw-requestid", request_id)])
        try:
            return self.verifier(token)
        except InvalidTokenError as exc:
            reason = str(exc).replace('"', "'")
            challenge = f'Bearer scope="" error="invalid_token" error_description="{reason}"'
            return _message(
                401, "Unauthorized", [("www-authenticate", challenge), ("apigw-requestid", request_id)]
            )

    def refuse(self, request: AdmittedRequest, status: int, message: str) -> GatewayResponse:
        """The gateway's own answer to an admitted request whose body it will not pass on."""
        response = _message(status, message, [("apigw-requestid", request.request_id)])
        return with_cors(response, self.config.cors, _origin(request.headers))

    def invoke(self, request: AdmittedRequest, body: bytes) -> GatewayResponse:
        return with_cors(self._invoke(request, body), self.config.cors, _origin(request.headers))

    def _invoke(self, request: AdmittedRequest, body: bytes) -> GatewayResponse:
        event = build_event(
            method=request.method,
            target=request.target,
            headers=request.headers,
            body=body,
            source_ip=request.source_ip,
            route=request.route,
            path_parameters=request.path_parameters,
            claims=request.claims,
            domain_name=request.domain_name,
            request_id=request.request_id,
        )
        context = lambda_context(self.function_name, self.memory_limit_in_mb, self.timeout_seconds)
        try:
            with self._invocation:
                result = self.handler(event, context)
            response = response_from_result(result)
        except Exception:
            log.exception("%s failed on %s %s", self.function_name, request.method, request.target)
            return _message(500, "Internal Server Error", [("apigw-requestid", request.request_id)])
        return GatewayResponse(
            response.status, [*response.headers, ("apigw-requestid", request.request_id)], response.body
        )


def _origin(headers: Iterable[Header]) -> str | None:
    return next((value for name, value in headers if name.lower() == "origin"), None)


class _RequestHandler(BaseHTTPRequestHandler):
    server: _GatewayServer
    protocol_version = "HTTP/1.1"
    server_version = "liveblog-local"

    def version_string(self) -> str:
        return self.server_version

    def _respond(self) -> GatewayResponse:
        """Framing, then route and token, then the body: what API Gateway checks, in its order."""
        try:
            framing = request_framing(self.headers)
        except FramingError as exc:
            return self._bad_request(exc)
        gateway = self.server.gateway
        admitted = gateway.admit(
            self.command,
            self.path,
            list(self.headers.items()),
            self.client_address[0],
            self.headers.get("Host", self.server.host_and_port),
        )
        if isinstance(admitted, GatewayResponse):
            # Its body stays unread, so this connection cannot carry another request.
            self.close_connection = self.close_connection or framing.has_body
            return admitted
        try:
            body = read_body(self.rfile, framing, MAX_BODY_BYTES)
        except BodyTooLarge:
            self.close_connection = True
            return gateway.refuse(admitted, 413, "Request Entity Too Large")
        except FramingError as exc:
            return self._bad_request(exc)
        return gateway.invoke(admitted, body)

    def _bad_request(self, error: FramingError) -> GatewayResponse:
        log.info("%s %s refused: %s", self.command, self.path, error)
        self.close_connection = True
        return _message(400, "Bad Request")

    def _serve(self) -> None:
        started = time.perf_counter()
        response = self._respond()
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.status not in (204, 304):
            self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.info("%s %s %d %.0fms", self.command, self.path, response.status, elapsed_ms)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

    def __getattr__(self, name: str) -> Any:
        # Any other method goes to the routes too, as at API Gateway, where one that no route takes
        # (TRACE, QUERY) gets its JSON 404; http.server would answer an HTML 501.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        # One line per request is logged by _serve; the base class would log a second.
        log.debug(format, *args)


class _GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    # Keep-alive connections must not hold up shutdown.
    block_on_close = False
    # socketserver's default backlog of 5 resets connections when editors' tools (or the
    # concurrency tests) open a few dozen at once; API Gateway never refuses a connection.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], gateway: HttpApiGateway) -> None:
        self.gateway = gateway
        super().__init__(address, _RequestHandler)

    @property
    def host_and_port(self) -> str:
        host, port = self.server_address[:2]
        return f"{host!s}:{port}" if isinstance(host, str) else f"{host.decode()}:{port}"


class GatewayServer:
    """The gateway listening on host:port in a background thread."""

    name = "api"

    def __init__(self, gateway: HttpApiGateway, host: str = "127.0.0.1", port: int = 3000) -> None:
        self._server = _GatewayServer((host, port), gateway)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self._server.host_and_port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
