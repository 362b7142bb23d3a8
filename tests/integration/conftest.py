"""Fixtures for the integration tests: the renderer fed with real moto stream records."""

import json
from typing import Any

import boto3
import pytest

from liveblog_local.functions import load_handler


class Stream:
    """Reads the content table's stream from where it stood when created."""

    def __init__(self, table_name: str) -> None:
        # With a stream ARN botocore picks an account-based endpoint that moto does not serve.
        self.client = boto3.client(
            "dynamodbstreams", endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com"
        )
        arn = boto3.client("dynamodb").describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
        self.arn = arn
        self.skip()

    def skip(self) -> None:
        """Stand where the stream ends now."""
        shards = self.client.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        self.iterators = [
            self.client.get_shard_iterator(
                StreamArn=self.arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
            )["ShardIterator"]
            for shard in shards
        ]

    def batch(self) -> dict[str, Any]:
        records: list[dict[str, Any]] = []
        for position, iterator in enumerate(self.iterators):
            response = self.client.get_records(ShardIterator=iterator)
            self.iterators[position] = response["NextShardIterator"]
            for record in response["Records"]:
                record = {**record, "eventSourceARN": self.arn}
                record["dynamodb"] = {**record["dynamodb"]}
                created = record["dynamodb"].get("ApproximateCreationDateTime")
                if created is not None and not isinstance(created, int | float):
                    record["dynamodb"]["ApproximateCreationDateTime"] = created.timestamp()
                records.append(record)
        return {"Records": records}


@pytest.fixture
def render(tables: dict[str, str], snapshot_bucket: str) -> Any:
    handler = load_handler("renderer")
    stream = Stream(tables["ContentTable"])
    bucket = boto3.resource("s3").Bucket(snapshot_bucket)

    class Render:
        def batch(self) -> dict[str, Any]:
            return stream.batch()

        def skip(self) -> None:
            """Leave what the stream holds unread (set-up writes, rendered another way)."""
            stream.skip()

        def pending(self) -> bool:
            """Render what the stream holds; False once a batch came back empty."""
            event = stream.batch()
            if not event["Records"]:
                return False
            self(event)
            return True

        def __call__(self, event: dict[str, Any] | None = None) -> dict[str, Any]:
            from liveblog_local.functions import LambdaContext

            return handler(event if event is not None else stream.batch(), LambdaContext("liveblog-renderer"))

        def json(self, key: str) -> Any:
            return json.loads(bucket.Object(key).get()["Body"].read())

        def keys(self) -> list[str]:
            return sorted(obj.key for obj in bucket.objects.all())

        def everything(self) -> str:
            return "\n".join(bucket.Object(key).get()["Body"].read().decode() for key in self.keys())

        def object(self, key: str) -> Any:
            return bucket.Object(key).get()

    return Render()
