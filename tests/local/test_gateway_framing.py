"""The local API gateway reads a request's framing as strictly as API Gateway, over a raw socket.

Ambiguous or malformed framing is a 400 in API Gateway's own JSON shape and the connection is
closed; a body over 10 MB is a 413 without being read; the token is checked before the body is.
"""

import json
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from liveblog_local.gateway import MAX_BODY_BYTES, GatewayServer, HttpApiGateway
from liveblog_local.template import HttpApiConfig, HttpRoute
from liveblog_local.tokens import InvalidTokenError

TOKEN = "good-token"  # the fake verifier's only valid token


class Recorder:
    """A handler that answers 200 with the body it was given."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.bodies.append(event.get("body", ""))
        return {"statusCode": 200, "body": json.dumps({"received": len(event.get("body", ""))})}


def verifier(token: str) -> dict[str, Any]:
    if token != TOKEN:
        raise InvalidTokenError("bad signature")
    return {"sub": "editor", "cognito:groups": "[editors]"}


@pytest.fixture
def server(free_port: Callable[[], int]) -> Iterator[tuple[GatewayServer, Recorder]]:
    handler = Recorder()
    config = HttpApiConfig(routes=(HttpRoute(method="POST", path="/blogs", authorized=True),))
    gateway = HttpApiGateway(handler=handler, config=config, verifier=verifier)
    service = GatewayServer(gateway, port=free_port())
    service.start()
    yield service, handler
    service.stop()


def exchange(service: GatewayServer, request: bytes) -> tuple[int, dict[str, str], bytes, bool]:
    """Send raw bytes; the status, headers, body, and whether the server closed the connection."""
    host, port = service.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request)
        reader = connection.makefile("rb")
        status_line = reader.readline()
        assert status_line.startswith(b"HTTP/1.1 "), status_line
        headers: dict[str, str] = {}
        while (line := reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        body = reader.read(int(headers.get("content-length", 0)))
        connection.settimeout(5)
        try:
            closed = reader.read(1) == b""
        except (TimeoutError, ConnectionResetError):
            closed = False
        return int(status_line.split()[1]), headers, body, closed


def post(headers: str, body: bytes = b"", token: str = TOKEN) -> bytes:
    return (
        f"POST /blogs HTTP/1.1\r\nHost: local\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\n{headers}\r\n"
    ).encode() + body


@pytest.mark.parametrize(
    "framing",
    [
        "Content-Length: -1\r\n",
        "Content-Length: 12abc\r\n",
        "Content-Length: +2\r\n",
        "Content-Length: 2\r\nContent-Length: 3\r\n",
        "Content-Length: 2, 3\r\n",
        "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: gzip, chunked\r\n",
    ],
)
def test_ambiguous_framing_is_a_bad_request_and_the_connection_closes(
    server: tuple[GatewayServer, Recorder], framing: str
) -> None:
    service, handler = server

    status, headers, body, closed = exchange(service, post(framing, b"{}"))

    assert (status, json.loads(body)) == (400, {"message": "Bad Request"})
    assert headers["content-type"] == "application/json"
    assert closed
    assert handler.bodies == []


@pytest.mark.parametrize(
    "chunks",
    [
        b"-1\r\n{}\r\n0\r\n\r\n",  # a negative size
        b"zz\r\n{}\r\n0\r\n\r\n",  # not hexadecimal
        b"\r\n{}\r\n0\r\n\r\n",  # no size at all
        b"2\r\n{}XX0\r\n\r\n",  # a chunk not closed by CRLF
    ],
)
def test_a_malformed_chunk_is_a_bad_request_not_a_dropped_connection(
    server: tuple[GatewayServer, Recorder], chunks: bytes
) -> None:
    service, handler = server

    status, _, body, closed = exchange(service, post("Transfer-Encoding: chunked\r\n", chunks))

    assert (status, json.loads(body)) == (400, {"message": "Bad Request"})
    assert closed
    assert handler.bodies == []


def test_well_formed_chunks_and_lengths_reach_the_function(server: tuple[GatewayServer, Recorder]) -> None:
    service, handler = server

    chunked = exchange(
        service,
        post(
            "Connection: close\r\nTransfer-Encoding: chunked\r\n",
            b"1;ext=1\r\n{\r\n1\r\n}\r\n0\r\nX-T: 1\r\n\r\n",
        ),
    )
    repeated = exchange(
        service, post("Connection: close\r\nContent-Length: 2\r\nContent-Length: 2\r\n", b"{}")
    )

    assert chunked[0] == 200
    assert repeated[0] == 200
    assert handler.bodies == ["{}", "{}"]


def test_a_declared_length_over_the_limit_is_413_without_reading_the_body(
    server: tuple[GatewayServer, Recorder],
) -> None:
    # Given a request that declares 200 MB and sends only its headers
    service, handler = server

    # When the server answers
    status, _, body, closed = exchange(service, post(f"Content-Length: {200 * 1024 * 1024}\r\n"))

    # Then it is refused at once, in API Gateway's shape, and the connection is closed
    assert (status, json.loads(body)) == (413, {"message": "Request Entity Too Large"})
    assert closed
    assert handler.bodies == []


def test_chunks_past_the_limit_are_413_once_the_limit_is_passed(
    server: tuple[GatewayServer, Recorder],
) -> None:
    service, handler = server
    # One chunk that declares the limit plus one byte; its bytes never follow.
    declared = f"{MAX_BODY_BYTES + 1:x}\r\n".encode()

    status, _, body, closed = exchange(service, post("Transfer-Encoding: chunked\r\n", declared))

    assert (status, json.loads(body)) == (413, {"message": "Request Entity Too Large"})
    assert closed
    assert handler.bodies == []


def test_the_token_is_checked_before_the_body_is_read(server: tuple[GatewayServer, Recorder]) -> None:
    # Given a request with a bad token that declares a body it has not sent yet
    service, handler = server
    answered = threading.Event()
    result: list[Any] = []

    def send() -> None:
        result.append(exchange(service, post("Content-Length: 1000\r\n", token="stolen")))
        answered.set()

    threading.Thread(target=send, daemon=True).start()

    # Then the 401 comes without waiting for the body, and the connection is closed
    assert answered.wait(5), "the gateway waited for the body before checking the token"
    status, _, body, closed = result[0]
    assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})
    assert closed
    assert handler.bodies == []


def test_a_body_shorter_than_its_length_is_a_bad_request(server: tuple[GatewayServer, Recorder]) -> None:
    service, handler = server
    host, port = service.url.removeprefix("http://").split(":")

    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(post("Content-Length: 10\r\n", b"{}"))
        connection.shutdown(socket.SHUT_WR)  # the client is done: 8 bytes will never come
        answer = connection.makefile("rb").read()

    assert answer.startswith(b"HTTP/1.1 400 ")
    assert answer.endswith(b'{"message":"Bad Request"}')
    assert handler.bodies == []
