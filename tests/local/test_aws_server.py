"""moto's server runs in a process of its own and never outlives the stack that started it."""

import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable

import boto3

from liveblog_local.stack import MotoService


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def test_the_server_answers_with_the_stack_patches_and_stops_with_the_stack(
    free_port: Callable[[], int],
) -> None:
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


def test_the_server_exits_when_the_stack_is_killed(free_port: Callable[[], int]) -> None:
    # Given a stack process that started the server, as `make dev` does
    port = free_port()
    stack = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import time
            from liveblog_local.stack import MotoService
            MotoService(port={port}).start()
            print("started", flush=True)
            time.sleep(600)
        """)],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert stack.stdout is not None
    assert stack.stdout.readline().strip() == "started"
    assert listening(port)

    # When that process is killed, with no chance to stop anything
    stack.send_signal(signal.SIGKILL)
    stack.wait()

    # Then the server goes too, freeing its port
    deadline = time.monotonic() + 10
    while listening(port):
        assert time.monotonic() < deadline, "moto's server outlived the stack that started it"
        time.sleep(0.1)
