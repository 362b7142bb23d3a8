"""Keep moto's DynamoDB stream history to what its reader has not consumed yet.

moto keeps every stream record, each with both full item images, for as long as the server runs,
and every GetRecords call adds a shard iterator it never forgets: a long `make dev` held 21.5 GB.
A DynamoDB stream keeps records for 24 hours whether read or not, so no local bound is exact; the
local stack has one reader per stream (the event source mapping's poller), and what it has read it
never asks for again. So when a reader asks for records from a position, the records before that
position are trimmed, with the iterators that point among them: memory stays proportional to what
is waiting, not to what was ever written. Reading from behind the trimmed start is refused as
DynamoDB Streams refuses it: TrimmedDataAccessException, or ExpiredIteratorException for an
iterator already dropped (DynamoDB drops every iterator after 15 minutes).
"""

from __future__ import annotations

import functools
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.models.table import StreamShard
from moto.dynamodbstreams.models import DynamoDBStreamsBackend

_MARK = "_liveblog_trimmed"


class TrimmedDataAccessError(JsonRESTError):
    code = 400

    def __init__(self) -> None:
        super().__init__(
            "TrimmedDataAccessException",
            "The operation attempted to read past the oldest stream record in a shard.",
        )


class ExpiredIteratorError(JsonRESTError):
    code = 400

    def __init__(self) -> None:
        super().__init__("ExpiredIteratorException", "The shard iterator has expired or was trimmed.")


def trim_before(backend: DynamoDBStreamsBackend, shard: StreamShard, position: int) -> int:
    """Drop the shard's records before sequence number `position`, and the iterators among them;
    returns how many records were dropped."""
    consumed = min(max(0, position - shard.starting_sequence_number), len(shard.items))
    if consumed:
        del shard.items[:consumed]
        shard.starting_sequence_number += consumed
    stale = [
        arn
        for arn, iterator in backend.shard_iterators.items()
        if iterator.stream_shard is shard and iterator.sequence_number < shard.starting_sequence_number
    ]
    for arn in stale:
        del backend.shard_iterators[arn]
    return consumed


def trim_consumed_stream_records() -> None:
    """Patch moto's GetRecords to trim what its reader consumed; safe to call more than once."""
    original = DynamoDBStreamsBackend.get_records
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def get_records(self: DynamoDBStreamsBackend, iterator_arn: str, limit: int) -> dict[str, Any]:
        iterator = self.shard_iterators.get(iterator_arn)
        if iterator is None:
            raise ExpiredIteratorError()
        if iterator.sequence_number < iterator.stream_shard.starting_sequence_number:
            raise TrimmedDataAccessError()
        trim_before(self, iterator.stream_shard, iterator.sequence_number)
        result: dict[str, Any] = original(self, iterator_arn, limit)
        if not result["Records"]:
            # Nothing new: the position is the same, so is the iterator, and none is added.
            del self.shard_iterators[result["NextShardIterator"]]
            result["NextShardIterator"] = iterator_arn
        return result

    setattr(get_records, _MARK, True)
    DynamoDBStreamsBackend.get_records = get_records  # type: ignore[method-assign]
