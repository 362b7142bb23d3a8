"""Answer moto's DynamoDB item reads and writes without its shape-walking serialiser.

moto 5.2 serialises every response by walking botocore's output shape member by member, trying
several spellings of each key: 80 ms for a Query of 30 entries, most of a render's time locally and
half the time of the renderer's tests. DynamoDB speaks plain JSON whose keys are the shape's member
names, and an item's attribute values are already in wire form once moto has converted them
(`dynamo_to_dict`), so for the item operations `json.dumps` gives the same document.

Only the operations listed go this way, only on success, and only with the output shape's own
top-level members (moto adds a legacy ConsumedCapacityUnits its serialiser drops);
tests/local/test_moto_fast.py checks every one against moto's own serialiser.
"""

from __future__ import annotations

import base64
import functools
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from moto.core.responses import ActionResult
from moto.dynamodb.responses import DynamoHandler

ITEM_OPERATIONS = frozenset(
    {
        "BatchGetItem",
        "BatchWriteItem",
        "DeleteItem",
        "GetItem",
        "PutItem",
        "Query",
        "Scan",
        "TransactGetItems",
        "TransactWriteItems",
        "UpdateItem",
    }
)
_MARK = "_liveblog_fast"


def _wire(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} has no DynamoDB wire form")


@functools.cache
def _output_members(operation: str) -> frozenset[str]:
    from moto.core.responses import get_service_model

    shape = get_service_model("dynamodb").operation_model(operation).output_shape
    return frozenset(shape.members) if shape is not None else frozenset()


def serialize_items_fast() -> None:
    """Serialise successful DynamoDB item operations with json.dumps; safe to call more than once."""
    original = DynamoHandler.serialized
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def serialized(self: Any, action_result: ActionResult) -> Any:
        operation = self._get_action()
        result = action_result.result
        if operation not in ITEM_OPERATIONS or not isinstance(result, dict):
            return original(self, action_result)
        members = _output_members(operation)
        body = json.dumps({key: value for key, value in result.items() if key in members}, default=_wire)
        headers = {"Content-Type": "application/x-amz-json-1.0", **self.response_headers}
        return 200, headers, body

    setattr(serialized, _MARK, True)
    DynamoHandler.serialized = serialized  # type: ignore[method-assign]
