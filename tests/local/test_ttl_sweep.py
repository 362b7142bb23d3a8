"""The local stack's Time to Live: moto never expires an item, so a sweep deletes what DynamoDB would."""

import threading
import time
from typing import Any

import boto3
import pytest

from liveblog_local.ttl import TtlSweeper, expire_items

NOW = 1_900_000_000


@pytest.fixture
def content(tables: dict[str, str]) -> Any:
    return boto3.resource("dynamodb").Table(tables["ContentTable"])


def put(content: Any, name: str, **attributes: Any) -> None:
    content.put_item(Item={"PK": f"TEST#{name}", "SK": "ITEM", **attributes})


def names_left(content: Any) -> list[str]:
    return sorted(item["PK"].removeprefix("TEST#") for item in content.scan()["Items"])


def test_the_sweep_deletes_exactly_what_dynamodb_ttl_would(tables: dict[str, str], content: Any) -> None:
    # Given items whose TTL attribute (the one template.yaml names) lies in the past, in the future,
    # is exactly now, is not a number, or is missing
    put(content, "expired", expires_at=NOW - 1)
    put(content, "long-expired", expires_at=NOW - 400 * 24 * 3600)
    put(content, "future", expires_at=NOW + 60)
    put(content, "exactly-now", expires_at=NOW)
    put(content, "a-string", expires_at=str(NOW - 1))
    put(content, "none")

    # When the sweep runs at NOW
    deleted = expire_items(boto3.client("dynamodb"), tables["ContentTable"], NOW)

    # Then only numbers below the current epoch second are gone (DynamoDB's rule)
    assert deleted == 2
    assert names_left(content) == ["a-string", "exactly-now", "future", "none"]


def test_an_item_given_a_new_life_between_scan_and_delete_is_kept(
    tables: dict[str, str], content: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an expired item that a writer renews just after the sweep's scan saw it
    put(content, "renewed", expires_at=NOW - 1)
    client = boto3.client("dynamodb")
    delete_item = client.delete_item

    def renew_then_delete(**request: Any) -> Any:
        put(content, "renewed", expires_at=NOW + 3600)
        return delete_item(**request)

    monkeypatch.setattr(client, "delete_item", renew_then_delete)

    # When the sweep deletes what it found
    deleted = expire_items(client, tables["ContentTable"], NOW)

    # Then the renewed item stays
    assert deleted == 0
    assert names_left(content) == ["renewed"]


def test_a_table_without_ttl_is_left_alone(tables: dict[str, str]) -> None:
    # Given a table with no TTL setting
    client = boto3.client("dynamodb")
    name = f"no-ttl-{time.time_ns()}"
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    client.put_item(TableName=name, Item={"id": {"S": "x"}, "expires_at": {"N": "1"}})
    try:
        # When the sweep runs
        deleted = expire_items(client, name, NOW)

        # Then nothing is deleted
        assert deleted == 0
        assert client.scan(TableName=name)["Count"] == 1
    finally:
        client.delete_table(TableName=name)


def test_the_sweeper_runs_on_its_own_until_stopped(tables: dict[str, str], content: Any) -> None:
    # Given the sweeper as `make dev` starts it, on every table, with a short interval
    put(content, "expired", expires_at=int(time.time()) - 1)
    sweeper = TtlSweeper(tuple(tables.values()), interval=0.05)
    swept = threading.Event()
    sweep = sweeper.sweep

    def observed(client: Any = None) -> int:
        count = sweep(client)
        swept.set()
        return count

    sweeper.sweep = observed  # type: ignore[method-assign]

    # When it has run
    sweeper.start()
    try:
        assert swept.wait(10)
    finally:
        sweeper.stop()

    # Then the expired item is gone
    assert names_left(content) == []
