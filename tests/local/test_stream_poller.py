"""The local event source mapping: moto stream records in, Lambda's event shape and retry rules out."""

import base64
import dataclasses
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent
from aws_lambda_powertools.utilities.parser.models import DynamoDBStreamModel

from liveblog_local.functions import lambda_context
from liveblog_local.streams import StreamPoller, StreamReader
from liveblog_local.template import LocalTemplate


class FakeRenderer:
    """A handler that records its batches and fails as told, by item PK."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.raise_on: set[str] = set()
        self.report: dict[str, int] = {}  # PK -> times still to report as failed

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        assert context.function_name == "RendererFunction"
        pks = [record["dynamodb"]["Keys"]["PK"]["S"] for record in event["Records"]]
        self.batches.append(pks)
        if self.raise_on & set(pks):
            raise RuntimeError("boom")
        failures = []
        for record, pk in zip(event["Records"], pks, strict=True):
            if self.report.get(pk, 0) > 0:
                self.report[pk] -= 1
                failures.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
        return {"batchItemFailures": failures}


@pytest.fixture
def mapping(tables: dict[str, str]) -> Any:
    (mapping,) = LocalTemplate.load(names=tables).dynamodb_stream_events("RendererFunction")
    return mapping


@pytest.fixture
def poller(mapping: Any, tmp_path: Path) -> Any:
    def make(handler: Any, **changes: Any) -> StreamPoller:
        poller = StreamPoller(
            handler=handler,
            function_name="RendererFunction",
            mapping=dataclasses.replace(mapping, **changes),
            dead_letter_path=tmp_path / "dead-letters.jsonl",
            retry_delay=0,
        )
        poller.open()
        return poller

    return make


def put(table: str, *pks: str) -> None:
    client = boto3.client("dynamodb")
    for pk in pks:
        client.put_item(TableName=table, Item={"PK": {"S": pk}, "SK": {"S": "BLOG"}})


def test_the_template_mapping_is_read(mapping: Any) -> None:
    assert mapping.table_name == "ContentTable"
    assert (mapping.batch_size, mapping.batching_window_seconds, mapping.starting_position) == (
        100,
        0.0,
        "LATEST",
    )
    assert mapping.report_batch_item_failures
    assert mapping.bisect_on_error
    assert (mapping.maximum_retry_attempts, mapping.maximum_record_age_seconds) == (5, 3600)
    assert mapping.on_failure == "arn:aws:sqs:us-east-1:123456789012:RendererDeadLetterQueue"


def test_records_have_the_shape_lambda_delivers(tables: dict[str, str]) -> None:
    table = tables["ContentTable"]
    reader = StreamReader(table)
    client = boto3.client("dynamodb")
    key = {"PK": {"S": "BLOG#1"}, "SK": {"S": "BLOG"}}
    client.put_item(
        TableName=table,
        Item={**key, "n": {"N": "1"}, "raw": {"B": b"\x00\xff"}, "m": {"M": {"b": {"BS": [b"x"]}}}},
    )
    client.put_item(TableName=table, Item={**key, "n": {"N": "2"}})
    client.delete_item(TableName=table, Key=key)

    records = reader.read_all()

    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    insert = records[0]
    assert list(insert) == [
        "eventID",
        "eventName",
        "eventVersion",
        "eventSource",
        "awsRegion",
        "dynamodb",
        "eventSourceARN",
    ]
    assert insert["eventVersion"] == "1.1"
    assert insert["eventSource"] == "aws:dynamodb"
    assert insert["eventSourceARN"].startswith(
        "arn:aws:dynamodb:us-east-1:123456789012:table/ContentTable/stream/"
    )
    change = insert["dynamodb"]
    assert isinstance(change["ApproximateCreationDateTime"], float)
    assert change["ApproximateCreationDateTime"] == int(change["ApproximateCreationDateTime"])
    assert change["Keys"] == key
    assert change["NewImage"]["raw"] == {"B": base64.b64encode(b"\x00\xff").decode()}
    assert change["NewImage"]["m"] == {"M": {"b": {"BS": [base64.b64encode(b"x").decode()]}}}
    assert "OldImage" not in change
    assert change["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(change["SequenceNumber"], str)
    assert isinstance(change["SizeBytes"], int)
    assert records[1]["dynamodb"]["OldImage"]["n"] == {"N": "1"}
    assert "NewImage" not in records[2]["dynamodb"]

    # Plain JSON, and both Powertools views of a stream event accept it.
    event = json.loads(json.dumps({"Records": records}))
    DynamoDBStreamModel.model_validate(event)
    parsed = list(DynamoDBStreamEvent(event).records)
    assert parsed[0].dynamodb is not None
    assert parsed[0].dynamodb.new_image["n"] == 1
    assert reader.read_all() == []


def test_a_batch_is_delivered_once(tables: dict[str, str], poller: Any) -> None:
    handler = FakeRenderer()
    feed = poller(handler)
    put(tables["ContentTable"], "a", "b", "c")
    feed.poll_once(flush=True)
    feed.poll_once(flush=True)
    assert handler.batches == [["a", "b", "c"]]


def test_batches_wait_for_the_window_or_fill_up(tables: dict[str, str], poller: Any) -> None:
    handler = FakeRenderer()
    feed = poller(handler, batch_size=2, batching_window_seconds=60)
    put(tables["ContentTable"], "a")
    feed.poll_once()
    assert handler.batches == []
    put(tables["ContentTable"], "b", "c")
    feed.poll_once()
    assert handler.batches == [["a", "b"]]
    feed.poll_once(flush=True)
    assert handler.batches == [["a", "b"], ["c"]]


def test_a_partial_failure_retries_from_the_first_failed_record(tables: dict[str, str], poller: Any) -> None:
    handler = FakeRenderer()
    handler.report = {"b": 1, "d": 1}
    feed = poller(handler)
    put(tables["ContentTable"], "a", "b", "c", "d")
    feed.poll_once(flush=True)
    assert handler.batches == [["a", "b", "c", "d"], ["b", "c", "d"]]
    assert not (feed.dead_letter_path).exists()


def test_an_error_bisects_and_a_poison_record_is_dead_lettered(tables: dict[str, str], poller: Any) -> None:
    handler = FakeRenderer()
    handler.raise_on = {"c"}
    feed = poller(handler, maximum_retry_attempts=2)
    put(tables["ContentTable"], "a", "b", "c", "d")
    feed.poll_once(flush=True)
    # Split in halves until "c" is alone; it is retried twice, then given up; "d" still renders.
    assert handler.batches == [["a", "b", "c", "d"], ["a", "b"], ["c", "d"], ["c"], ["c"], ["c"], ["d"]]
    (line,) = feed.dead_letter_path.read_text().splitlines()
    message = json.loads(line)
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert message["responseContext"]["functionError"] == "Unhandled"
    info = message["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1
    assert info["startSequenceNumber"] == info["endSequenceNumber"]
    assert [r["dynamodb"]["Keys"]["PK"]["S"] for r in message["records"]] == ["c"]


def test_retries_of_a_reported_failure_are_bounded(tables: dict[str, str], poller: Any) -> None:
    handler = FakeRenderer()
    handler.report = {"b": 100}
    feed = poller(handler, maximum_retry_attempts=1)
    put(tables["ContentTable"], "a", "b", "c")
    feed.poll_once(flush=True)
    # As Lambda does, what remains of the batch from the failed record on is discarded.
    assert handler.batches == [["a", "b", "c"], ["b", "c"]]
    (line,) = feed.dead_letter_path.read_text().splitlines()
    message = json.loads(line)
    assert message["DDBStreamBatchInfo"]["batchSize"] == 2
    assert message["requestContext"]["approximateInvokeCount"] == 2
    assert message["responseContext"]["functionError"] == ""


def test_an_unknown_item_identifier_fails_the_whole_batch(tables: dict[str, str], poller: Any) -> None:
    calls: list[int] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append(len(event["Records"]))
        return {"batchItemFailures": [{"itemIdentifier": "nope"}]} if len(calls) == 1 else {}

    feed = poller(handler)
    put(tables["ContentTable"], "a", "b")
    feed.poll_once(flush=True)
    assert calls == [2, 2]


def test_a_cancelled_transaction_leaves_the_stream_readable_and_without_its_writes(
    tables: dict[str, str], poller: Any
) -> None:
    # Given a poller reading the stream, and a transaction whose first write lands before its
    # second step fails (moto rolls back by swapping in a copy of the table)
    renderer = FakeRenderer()
    reader = poller(renderer)
    client = boto3.client("dynamodb")
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": "ContentTable",
                        "Item": {"PK": {"S": "BLOG#rolled-back"}, "SK": {"S": "BLOG"}},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": "ContentTable",
                        "Key": {"PK": {"S": "BLOG#missing"}, "SK": {"S": "BLOG"}},
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                },
            ]
        )

    # When a later write happens
    put("ContentTable", "BLOG#after")
    reader.poll_once(flush=True)

    # Then the poller sees that write, and nothing of the cancelled transaction
    assert renderer.batches == [["BLOG#after"]]


def test_a_failing_render_is_retried_to_the_limit_dead_lettered_and_the_shard_moves_on(
    api: Any,
    snapshot_bucket: str,
    seed_published: Any,
    render_all: Any,
    watch: Any,
    truth: Any,
    faults: Any,
    mapping: Any,
    poller: Any,
) -> None:
    # Given two live blogs published, and the real renderer behind the template's mapping
    from liveblog_local.functions import load_handler

    storm = api.go_live(api.create_blog(title="Storm over Port Avalon"))
    seed_published(storm["id"], 22)
    marathon = api.go_live(api.create_blog(title="Harbour City Marathon"))
    render_all()
    renderer = load_handler("renderer")
    invocations: list[list[str]] = []

    def counted(event: dict[str, Any], context: Any) -> Any:
        invocations.append([record["dynamodb"]["SequenceNumber"] for record in event["Records"]])
        return renderer(event, context)

    feed = poller(counted)
    # ... and DynamoDB throttling every write the renderer makes to the storm blog's partition
    faults.arm("throttled", operation="dynamodb.PutItem", body_contains=f"BLOG#{storm['id']}")

    # When the marathon gets an entry, then an archived storm entry is corrected, in one batch
    api.post_entry(marathon["id"], title="Leaders at 10 km")
    response = api.request(
        "PATCH",
        f"/blogs/{storm['id']}/entries/01JD{3:022d}",
        {"title": "Archive 3 (corrected)"},
        headers={"If-Match": '"1"'},
    )
    assert response.status == 200, response.body
    feed.poll_once(flush=True)

    # Then the storm's record is retried exactly MaximumRetryAttempts times, alone, then dead-lettered
    retries = mapping.maximum_retry_attempts
    assert retries == 5
    first, *again = invocations
    assert len(again) == retries
    correction = first[-1]
    assert again == [[correction]] * retries
    (line,) = feed.dead_letter_path.read_text().splitlines()
    message = json.loads(line)
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert message["requestContext"]["approximateInvokeCount"] == retries + 1
    # Reported at first; then the record was a batch of its own, and Powertools raises when every
    # record of a batch failed: a function error
    assert message["responseContext"]["functionError"] == "Unhandled"
    info = message["DDBStreamBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (
        correction,
        correction,
        1,
    )
    assert info["streamArn"] == message["records"][0]["eventSourceARN"]
    assert info["shardId"]
    # ... while the good records of the same batch rendered
    marathon_latest = truth.published()[f"v1/blogs/{marathon['slug']}/latest.json"]
    assert [entry["title"] for entry in marathon_latest["entries"]] == ["Leaders at 10 km"]

    # When the throttling ends and the storm gets a new entry
    faults.disarm()
    api.post_entry(storm["id"], title="Winds easing")
    feed.poll_once(flush=True)

    # Then the shard has moved on: it renders, and no reader ever saw a broken link
    storm_latest = truth.published()[f"v1/blogs/{storm['slug']}/latest.json"]
    assert storm_latest["entries"][0]["title"] == "Winds easing"
    assert watch.violations == [], "\n".join(watch.violations)

    # When an operator redrives the dead letter
    redriven = counted({"Records": message["records"]}, lambda_context("RendererFunction"))
    assert redriven == {"batchItemFailures": []}

    # Then the snapshots are the table's again, the correction included
    assert truth.published() == truth.expected()
    assert watch.violations == [], "\n".join(watch.violations)
