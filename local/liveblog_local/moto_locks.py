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
"""

from __future__ import annotations

import functools
import threading
from typing import Any

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


def serialize_dynamodb() -> threading.RLock:
    """Run every moto DynamoDB (and Streams) request under one lock; safe to call more than once."""
    for handler_class in (DynamoHandler, DynamoDBStreamsHandler):
        _serialize(handler_class, DYNAMODB_LOCK)
    return DYNAMODB_LOCK
