"""Make moto's DynamoDB as atomic per request as the real service.

moto 5 takes no lock around DynamoDB requests: put_item and update_item evaluate the
ConditionExpression and then write in separate steps, update_item mutates the stored
item in place while other threads may be serialising it, and transact_write_items
deep-copies whole tables for rollback and restores those copies on failure (undoing
writes other threads made meanwhile). Under threads that yields two winners for one
conditional write and "dictionary changed size during iteration" errors. Real DynamoDB
is atomic per item, so the fake must not be weaker: every DynamoDB and DynamoDB Streams
request runs under one process-wide lock. Requests are fast in memory, so the lock costs
little, and it covers both `mock_aws` (in-process) and moto's threaded server.

The rollback has a second flaw: the restored copy brings a copy of the table's stream, while
open shard iterators keep reading the old one, which also holds records of the writes that
were rolled back. After one refused transaction the renderer would read a phantom record and
then nothing, ever. So the live stream stays, minus the rolled-back records, as in DynamoDB,
where a cancelled transaction writes nothing to the stream.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

DYNAMODB_LOCK = threading.RLock()

_SERIALIZED_MARK = "_liveblog_serialized"


def _serialize(handler_class: type[Any], lock: threading.RLock) -> None:
    original = handler_class.call_action
    if getattr(original, _SERIALIZED_MARK, False):
        return

    @functools.wraps(original)
    def call_action(self: Any) -> Any:
        with lock:
            return original(self)

    setattr(call_action, _SERIALIZED_MARK, True)
    handler_class.call_action = call_action


def _keep_streams_across_rollbacks() -> None:
    original = DynamoDBBackend.transact_write_items
    if getattr(original, _SERIALIZED_MARK, False):
        return

    @functools.wraps(original)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        names = {next(iter(item.values())).get("TableName") for item in transact_items}
        live = {name: self.tables[name] for name in names if name in self.tables}
        streams = {
            name: (table.stream_shard, len(table.stream_shard.items))
            for name, table in live.items()
            if table.stream_shard
        }
        try:
            original(self, transact_items)
        except Exception:
            for name, (shard, length) in streams.items():
                restored = self.tables.get(name)
                if restored is not None and restored is not live[name]:
                    del shard.items[length:]
                    shard.table = restored
                    restored.stream_shard = shard
            raise

    setattr(transact_write_items, _SERIALIZED_MARK, True)
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def serialize_dynamodb() -> threading.RLock:
    """Run every moto DynamoDB (and Streams) request under one lock, and keep table streams
    whole across transaction rollbacks; safe to call more than once."""
    for handler_class in (DynamoHandler, DynamoDBStreamsHandler):
        _serialize(handler_class, DYNAMODB_LOCK)
    _keep_streams_across_rollbacks()
    return DYNAMODB_LOCK
