"""DynamoDB Streams to a Lambda handler, as Lambda's event source mapping delivers them.

`to_lambda_record` turns a record from the Streams API (GetRecords) into the record Lambda
puts in the event; `StreamReader` follows a table's stream shard by shard; `StreamPoller`
is the `make dev` service that batches, invokes the handler and retries like the mapping
the template declares (batch size, batching window, partial batch failures, bisection,
retry and age limits, a dead-letter destination).

What the mapping does, and so what the poller does, for one shard (one batch at a time,
ParallelizationFactor 1):

- A batch succeeds when the handler returns without raising and reports no failures.
- With ReportBatchItemFailures, {"batchItemFailures": [{"itemIdentifier": <SequenceNumber>}]}
  checkpoints before the lowest reported record: the ones before it are done, it and
  everything after it are retried (one retry). An identifier that is empty or not in the
  batch makes the whole batch a failure.
- A raised exception is a function error. With BisectBatchOnFunctionError the batch is split
  in two and each half retried in order; splitting does not count as a retry.
- After MaximumRetryAttempts retries, or once its oldest record is older than
  MaximumRecordAgeInSeconds, the batch is discarded and described to the OnFailure
  destination. Locally that is one JSON line in .local/<function>-dead-letters.jsonl, in
  the shape Lambda sends to SQS plus the records themselves (Lambda sends only their range).
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from liveblog_local import LOCAL_ACCOUNT_ID, LOCAL_REGION, STATE_DIR
from liveblog_local.functions import Handler, lambda_context
from liveblog_local.template import DynamoDBStreamEvent

log = logging.getLogger("liveblog_local.streams")

LambdaRecord = dict[str, Any]

# Lambda polls each shard of a DynamoDB stream four times a second.
POLL_INTERVAL_SECONDS = 0.25
_MAX_BACKOFF_SECONDS = 5.0


def streams_client(**kwargs: Any) -> Any:
    """A boto3 "dynamodbstreams" client that works against moto's server and inside `mock_aws`.

    botocore sends DescribeStream and GetRecords to an account-based host derived from the
    stream ARN (<account>.streams-ddb.<region>.amazonaws.com), which `mock_aws` does not
    intercept ("404 Not yet implemented"); the regional endpoint is the one moto serves.
    """
    config = Config(account_id_endpoint_mode="disabled")
    return boto3.client("dynamodbstreams", config=config, **kwargs)


# ---------------------------------------------------------------- records


def _wire_value(value: Mapping[str, Any]) -> dict[str, Any]:
    """An AttributeValue as it is on the wire: botocore decodes B and BS to bytes, Lambda sends base64."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": _base64(inner)}
    if kind == "BS":
        return {"BS": [_base64(item) for item in inner]}
    if kind == "M":
        return {"M": _wire_item(inner)}
    if kind == "L":
        return {"L": [_wire_value(item) for item in inner]}
    return {kind: inner}


def _wire_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _wire_value(value) for name, value in item.items()}


def _base64(value: bytes | str) -> str:
    return base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value


def _epoch_seconds(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


def to_lambda_record(record: Mapping[str, Any], stream_arn: str) -> LambdaRecord:
    """A Streams API record (boto3 GetRecords, moto or AWS) as Lambda delivers it to the function.

    Lambda adds eventSourceARN, reports eventVersion 1.1, sends ApproximateCreationDateTime as
    epoch seconds (a number, whole seconds) and binary attributes as base64 text; everything
    else is passed through. The result is plain JSON.
    """
    stream_record = record["dynamodb"]
    change: dict[str, Any] = {}
    if stream_record.get("ApproximateCreationDateTime") is not None:
        change["ApproximateCreationDateTime"] = float(
            int(_epoch_seconds(stream_record["ApproximateCreationDateTime"]))
        )
    for image in ("Keys", "NewImage", "OldImage"):
        if image in stream_record:
            change[image] = _wire_item(stream_record[image])
    change["SequenceNumber"] = str(stream_record["SequenceNumber"])
    change["SizeBytes"] = int(stream_record["SizeBytes"])
    change["StreamViewType"] = stream_record["StreamViewType"]
    lambda_record: LambdaRecord = {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": record.get("awsRegion", LOCAL_REGION),
        "dynamodb": change,
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in record:  # TTL deletions
        lambda_record["userIdentity"] = dict(record["userIdentity"])
    return lambda_record


def stream_event(records: Iterable[LambdaRecord]) -> dict[str, Any]:
    """The event a DynamoDB event source mapping invokes its function with."""
    return {"Records": list(records)}


# ---------------------------------------------------------------- reading a stream


@dataclass
class _Shard:
    shard_id: str
    iterator: str | None


class StreamReader:
    """Follows one table's stream: every shard, new shards as they appear, a new stream if the
    table is recreated. `read()` returns Lambda records, oldest first, per shard.

    `starting_position` (LATEST or TRIM_HORIZON) applies to the shards that exist when the
    reader starts; shards found later are read from their start, as Lambda reads child shards.
    For tests: `StreamReader(table_name, starting_position="TRIM_HORIZON").read_all()` inside
    `mock_aws` gives every record written so far, ready for the handler.
    """

    def __init__(
        self,
        table_name: str,
        *,
        starting_position: str = "LATEST",
        dynamodb_client: Any = None,
        client: Any = None,
    ) -> None:
        self.table_name = table_name
        self.starting_position = starting_position
        self._dynamodb = dynamodb_client or boto3.client("dynamodb")
        self._streams = client or streams_client()
        self.stream_arn: str | None = None
        self._shards: dict[str, _Shard] = {}
        self._started = False
        self.refresh()

    def refresh(self) -> None:
        """Pick up the table's current stream and any shards not seen before."""
        table = self._dynamodb.describe_table(TableName=self.table_name)["Table"]
        stream_arn = table.get("LatestStreamArn")
        if not stream_arn:
            raise ValueError(f"table {self.table_name} has no stream")
        if stream_arn != self.stream_arn:
            if self.stream_arn is not None:
                log.info("%s has a new stream %s", self.table_name, stream_arn)
            self.stream_arn, self._shards = stream_arn, {}
        position = self.starting_position if not self._started else "TRIM_HORIZON"
        self._started = True
        for shard in self._describe_shards(stream_arn):
            if shard["ShardId"] in self._shards:
                continue
            iterator = self._streams.get_shard_iterator(
                StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType=position
            )["ShardIterator"]
            self._shards[shard["ShardId"]] = _Shard(shard["ShardId"], iterator)

    def _describe_shards(self, stream_arn: str) -> list[dict[str, Any]]:
        shards: list[dict[str, Any]] = []
        request: dict[str, Any] = {"StreamArn": stream_arn}
        while True:
            description = self._streams.describe_stream(**request)["StreamDescription"]
            shards.extend(description.get("Shards", []))
            last = description.get("LastEvaluatedShardId")
            if not last:
                return shards
            request["ExclusiveStartShardId"] = last

    @property
    def shard_ids(self) -> list[str]:
        return [shard_id for shard_id, shard in self._shards.items() if shard.iterator is not None]

    def read(self, shard_id: str, limit: int = 1000) -> list[LambdaRecord]:
        shard = self._shards[shard_id]
        if shard.iterator is None or limit <= 0:
            return []
        response = self._streams.get_records(ShardIterator=shard.iterator, Limit=limit)
        records = response.get("Records", [])
        # An empty answer leaves the position where it was, so the old iterator is kept: moto
        # keeps every iterator it hands out, and four polls a second would pile them up.
        if records or response.get("NextShardIterator") is None:
            shard.iterator = response.get("NextShardIterator")  # None: a closed shard, read to its end
        assert self.stream_arn is not None
        return [to_lambda_record(record, self.stream_arn) for record in records]

    def read_all(self) -> list[LambdaRecord]:
        """Every new record on every shard, shard by shard."""
        self.refresh()
        records: list[LambdaRecord] = []
        for shard_id in self.shard_ids:
            while batch := self.read(shard_id):
                records.extend(batch)
        return records


# ---------------------------------------------------------------- the event source mapping


@dataclass
class _Outcome:
    ok: bool
    # Index in the batch from which records must be retried (partial batch failure).
    retry_from: int = 0
    function_error: bool = False


@dataclass
class _Pending:
    records: list[LambdaRecord] = field(default_factory=list)
    since: float = 0.0


class StreamPoller:
    """The event source mapping of one function's DynamoDB event, polling moto in a thread."""

    def __init__(
        self,
        *,
        handler: Handler,
        function_name: str,
        mapping: DynamoDBStreamEvent,
        memory_limit_in_mb: int = 512,
        timeout_seconds: int = 10,
        dead_letter_path: Path | None = None,
        poll_interval: float = POLL_INTERVAL_SECONDS,
        retry_delay: float = 0.1,
    ) -> None:
        self.name = f"{function_name}.{mapping.name}"
        self.handler = handler
        self.function_name = function_name
        self.mapping = mapping
        self.memory_limit_in_mb = memory_limit_in_mb
        self.timeout_seconds = timeout_seconds
        self.dead_letter_path = dead_letter_path or STATE_DIR / f"{function_name}-dead-letters.jsonl"
        self.poll_interval = poll_interval
        self.retry_delay = retry_delay
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._reader: StreamReader | None = None
        self._pending: dict[str, _Pending] = {}

    # ------------------------------------------------------------ service

    def open(self) -> None:
        """Take the starting position in the stream; start() does this, tests call it and poll_once()."""
        self._reader = StreamReader(self.mapping.table_name, starting_position=self.mapping.starting_position)

    def start(self) -> None:
        # The starting position is taken now, before anything can write to the table.
        self.open()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout_seconds + 5)

    def _run(self) -> None:
        while not self._stopping.wait(self.poll_interval):
            try:
                self.poll_once()
            except Exception:
                # moto restarting or a table being recreated; the next poll tries again.
                log.exception("%s: polling %s failed", self.name, self.mapping.table_name)

    # ------------------------------------------------------------ polling

    def poll_once(self, *, flush: bool = False) -> None:
        """Read every shard once and deliver each batch that is full or has waited out the window."""
        reader = self._reader
        assert reader is not None, "start() first"
        reader.refresh()
        batch_size = self.mapping.batch_size
        for shard_id in reader.shard_ids:
            pending = self._pending.setdefault(shard_id, _Pending())
            fresh = reader.read(shard_id, limit=batch_size - len(pending.records))
            if fresh and not pending.records:
                pending.since = time.monotonic()
            pending.records.extend(fresh)
            while pending.records and (
                flush
                or len(pending.records) >= batch_size
                or time.monotonic() - pending.since >= self.mapping.batching_window_seconds
            ):
                batch, pending.records = pending.records[:batch_size], pending.records[batch_size:]
                self.deliver(shard_id, batch)
                if self._stopping.is_set():
                    return

    def deliver(self, shard_id: str, batch: list[LambdaRecord]) -> None:
        """Invoke the handler with one batch until every record succeeds or is discarded."""
        work: list[tuple[list[LambdaRecord], int]] = [(batch, 0)]
        while work and not self._stopping.is_set():
            records, retries = work.pop(0)
            # `retries` is also how many times these records were handed over already.
            if self._too_old(records):
                self._discard(shard_id, records, "RecordAgeExceeded", retries, function_error=False)
                continue
            outcome = self._invoke(records)
            if outcome.ok:
                continue
            if outcome.function_error and self.mapping.bisect_on_error and len(records) > 1:
                half = len(records) // 2
                work[0:0] = [(records[:half], retries), (records[half:], retries)]
                continue
            records = records[outcome.retry_from :]
            retries += 1
            limit = self.mapping.maximum_retry_attempts
            if limit >= 0 and retries > limit:
                self._discard(shard_id, records, "RetryAttemptsExhausted", retries, outcome.function_error)
                continue
            # Lambda backs off between retries of a batch; the shard waits meanwhile.
            self._stopping.wait(min(_MAX_BACKOFF_SECONDS, self.retry_delay * 2**retries))
            work.insert(0, (records, retries))

    def _too_old(self, records: list[LambdaRecord]) -> bool:
        limit = self.mapping.maximum_record_age_seconds
        if limit < 0:
            return False
        created = records[0]["dynamodb"].get("ApproximateCreationDateTime")
        return created is not None and time.time() - float(created) > limit

    def _invoke(self, records: list[LambdaRecord]) -> _Outcome:
        # Lambda hands each invocation its own freshly parsed copy of the event.
        event = json.loads(json.dumps(stream_event(records)))
        context = lambda_context(self.function_name, self.memory_limit_in_mb, self.timeout_seconds)
        first, last = records[0]["dynamodb"]["SequenceNumber"], records[-1]["dynamodb"]["SequenceNumber"]
        started = time.perf_counter()
        try:
            response = self.handler(event, context)
        except Exception:
            log.exception("%s: %d records (%s..%s) raised", self.function_name, len(records), first, last)
            return _Outcome(ok=False, function_error=True)
        elapsed = time.perf_counter() - started
        if elapsed > self.timeout_seconds:
            log.warning(
                "%s took %.1f s; Lambda would have stopped it at %d s",
                self.function_name,
                elapsed,
                self.timeout_seconds,
            )
        outcome = self._outcome(records, response)
        log.info(
            "stream %s -> %s %d records %.0fms%s",
            self.mapping.table_name,
            self.function_name,
            len(records),
            elapsed * 1000,
            ""
            if outcome.ok
            else f" - retry from {records[outcome.retry_from]['dynamodb']['SequenceNumber']}",
        )
        return outcome

    def _outcome(self, records: list[LambdaRecord], response: Any) -> _Outcome:
        if not self.mapping.report_batch_item_failures or not isinstance(response, dict):
            return _Outcome(ok=True)
        failures = response.get("batchItemFailures")
        if not failures:
            return _Outcome(ok=True)
        positions = {record["dynamodb"]["SequenceNumber"]: index for index, record in enumerate(records)}
        indexes: list[int] = []
        for failure in failures:
            identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
            if not identifier or identifier not in positions:
                log.warning(
                    "%s reported a failure for %r, not a record of the batch", self.function_name, identifier
                )
                return _Outcome(ok=False, retry_from=0)
            indexes.append(positions[identifier])
        return _Outcome(ok=False, retry_from=min(indexes))

    def _discard(
        self,
        shard_id: str,
        records: list[LambdaRecord],
        condition: str,
        invocations: int,
        function_error: bool,
    ) -> None:
        """What the OnFailure destination would receive, as a line of the local dead-letter file."""
        first, last = records[0], records[-1]
        message: dict[str, Any] = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:function:{self.function_name}",
                "condition": condition,
                "approximateInvokeCount": invocations,
            },
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled" if function_error else "",
            },
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": first["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": last["dynamodb"]["SequenceNumber"],
                "approximateArrivalOfFirstRecord": _iso(first),
                "approximateArrivalOfLastRecord": _iso(last),
                "batchSize": len(records),
                "streamArn": first["eventSourceARN"],
            },
            # Local only: Lambda's message names the range, the records stay in the stream.
            "records": records,
        }
        self.dead_letter_path.parent.mkdir(parents=True, exist_ok=True)
        with self.dead_letter_path.open("a", encoding="utf-8") as output:
            output.write(json.dumps(message, separators=(",", ":")) + "\n")
        log.error(
            "%s gave up on %d records (%s, %s..%s) after %d invocations; see %s",
            self.function_name,
            len(records),
            condition,
            message["DDBStreamBatchInfo"]["startSequenceNumber"],
            message["DDBStreamBatchInfo"]["endSequenceNumber"],
            invocations,
            self.dead_letter_path,
        )


def _iso(record: LambdaRecord) -> str | None:
    created = record["dynamodb"].get("ApproximateCreationDateTime")
    if created is None:
        return None
    return (
        datetime.fromtimestamp(float(created), UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )
