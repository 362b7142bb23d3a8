"""DynamoDB's Time to Live for the local stack: moto keeps a table's TTL setting but never expires
an item, so this sweep deletes what DynamoDB would, items whose TTL attribute holds a number below
the current epoch second. DynamoDB does it within about two days of expiry; the sweep, every minute.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

log = logging.getLogger("liveblog_local")


def ttl_attribute(client: DynamoDBClient, table_name: str) -> str | None:
    """The attribute the table's TTL reads, None while TTL is off."""
    description = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    if description.get("TimeToLiveStatus") != "ENABLED":
        return None
    return description.get("AttributeName")


def expire_items(client: DynamoDBClient, table_name: str, now: float) -> int:
    """Delete the table's expired items, as DynamoDB's TTL would; the number deleted."""
    attribute = ttl_attribute(client, table_name)
    if attribute is None:
        return 0
    key_names = [
        key["AttributeName"] for key in client.describe_table(TableName=table_name)["Table"]["KeySchema"]
    ]
    # TTL ignores an attribute that is not a number; moto raises comparing a string with one.
    names = {"#ttl": attribute}
    values: dict[str, Any] = {":now": {"N": str(int(now))}, ":number": {"S": "N"}}
    expired = "attribute_type(#ttl, :number) AND #ttl < :now"
    pages = client.get_paginator("scan").paginate(
        TableName=table_name,
        FilterExpression=expired,
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )
    deleted = 0
    for page in pages:
        for item in page["Items"]:
            try:
                # Checked again: a writer may have given the item a new life since the scan.
                client.delete_item(
                    TableName=table_name,
                    Key={name: item[name] for name in key_names},
                    ConditionExpression=expired,
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                )
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
            else:
                deleted += 1
    return deleted


@dataclass
class TtlSweeper:
    """Runs expire_items on every table every `interval` seconds."""

    tables: Iterable[str]
    interval: float = 60.0
    clock: Callable[[], float] = time.time
    name: str = "ttl-sweeper"
    _stopping: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def sweep(self, client: Any = None) -> int:
        client = client or boto3.client("dynamodb")
        return sum(expire_items(client, table, self.clock()) for table in self.tables)

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.sweep()
            except Exception:
                log.exception("expiring items by TTL failed")

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
