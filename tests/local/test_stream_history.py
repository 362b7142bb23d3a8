"""moto's server keeps only the stream records its reader has not consumed, however long it runs."""

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from liveblog_local.stack import MotoService
from liveblog_local.streams import StreamReader, streams_client

WRITES = 3000
POLL_EVERY = 100  # writes between two polls, as the poller reads four times a second


@pytest.fixture(scope="module")
def aws(free_port: Callable[[], int]) -> Iterator[str]:
    service = MotoService(port=free_port())
    service.start()
    yield service.url
    service.stop()


def clients(url: str) -> tuple[Any, Any]:
    options = {"endpoint_url": url, "region_name": "us-east-1"}
    return boto3.client("dynamodb", **options), streams_client(**options)


def streamed_table(url: str, name: str) -> None:
    dynamodb, _ = clients(url)
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )


def write(url: str, table: str, start: int, count: int) -> None:
    dynamodb, _ = clients(url)
    for first in range(start, start + count, 25):
        items = [
            {"PutRequest": {"Item": {"PK": {"S": f"item-{n}"}, "body": {"S": "x" * 2000}}}}
            for n in range(first, min(first + 25, start + count))
        ]
        dynamodb.batch_write_item(RequestItems={table: items})


def held(url: str, table: str) -> int:
    """How many records a reader starting at the stream's oldest record gets: what is kept."""
    dynamodb, streams = clients(url)
    return len(
        StreamReader(
            table, starting_position="TRIM_HORIZON", dynamodb_client=dynamodb, client=streams
        ).read_all()
    )


def test_records_the_reader_consumed_are_not_kept(aws: str) -> None:
    # Given a table whose stream is read as the poller reads it
    streamed_table(aws, "history")
    dynamodb, streams = clients(aws)
    reader = StreamReader(
        "history", starting_position="TRIM_HORIZON", dynamodb_client=dynamodb, client=streams
    )

    # When thousands of items are written, with a poll every hundred writes
    sequence_numbers: list[int] = []
    for start in range(0, WRITES, POLL_EVERY):
        write(aws, "history", start, POLL_EVERY)
        sequence_numbers += [int(r["dynamodb"]["SequenceNumber"]) for r in reader.read_all()]

    # Then the reader got every record once, in order
    assert len(sequence_numbers) == WRITES
    assert sequence_numbers == sorted(set(sequence_numbers))
    # And the stream holds no more than what was written since the reader's previous poll
    assert held(aws, "history") <= POLL_EVERY


def test_an_iterator_behind_the_trimmed_start_is_refused_as_dynamodb_refuses_it(aws: str) -> None:
    # Given an iterator at the oldest record, and a reader that consumes past it
    streamed_table(aws, "laggard")
    dynamodb, streams = clients(aws)
    write(aws, "laggard", 0, 10)
    stream_arn = dynamodb.describe_table(TableName="laggard")["Table"]["LatestStreamArn"]
    shard_id = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    laggard = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
    )
    reader = StreamReader(
        "laggard", starting_position="TRIM_HORIZON", dynamodb_client=dynamodb, client=streams
    )
    assert len(reader.read_all()) == 10
    write(aws, "laggard", 10, 1)
    assert len(reader.read_all()) == 1  # this read trims the ten records before it

    # When the old iterator is used
    with pytest.raises(ClientError) as refused:
        streams.get_records(ShardIterator=laggard["ShardIterator"])

    # Then it is told its records are gone, not served a 500
    assert refused.value.response["Error"]["Code"] in (
        "TrimmedDataAccessException",
        "ExpiredIteratorException",
    )
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
