"""moto's server runs in a process of its own and never outlives the stack that started it."""

import socket
import subprocess
import sys
import time

import boto3
import pytest

from liveblog_local.stack import MotoService


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def test_the_server_answers_with_the_stack_patches_and_stops_with_the_stack() -> None:
    # Given the service started on a free port
    port = free_port()
    service = MotoService(port=port)
    service.start()
    try:
        # Then it answers as AWS, with the local stack's fast DynamoDB answers in place
        client = boto3.client(
            "dynamodb", endpoint_url=service.url, region_name="us-east-1",
            aws_access_key_id="local", aws_secret_access_key="local",
        )  # fmt: skip
        client.create_table(
            TableName="probe",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(TableName="probe", Item={"PK": {"S": "a"}, "n": {"N": "1.50"}})
        assert client.get_item(TableName="probe", Key={"PK": {"S": "a"}})["Item"]["n"] == {"N": "1.50"}
    finally:
        # When the stack stops it
        service.stop()

    # Then nothing listens there any more
    assert not listening(port)


def test_the_server_exits_when_its_parent_goes_away() -> None:
    # Given a server whose parent holds its stdin, as MotoService does
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "liveblog_local.aws_server", "--port", str(port)], stdin=subprocess.PIPE
    )
    deadline = time.monotonic() + 30
    while not listening(port):
        assert server.poll() is None, "the server exited while starting"
        assert time.monotonic() < deadline, "the server never listened"
        time.sleep(0.05)

    # When the parent's end of the pipe closes, as it does when the parent dies however it dies
    assert server.stdin is not None
    server.stdin.close()

    # Then the server exits by itself
    try:
        assert server.wait(timeout=10) == 0
    except subprocess.TimeoutExpired:
        server.kill()
        pytest.fail("the server outlived its parent")
