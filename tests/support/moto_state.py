"""Emptying moto's tables and buckets between tests, or between a state machine's sequences."""

from collections.abc import Iterable

import boto3

from liveblog_local.moto_locks import DYNAMODB_LOCK


def empty_tables(table_names: Iterable[str]) -> None:
    """Delete every item, then the stream records that held them (and the deletes): moto copies a
    table, stream included, on every transaction, so what earlier tests left makes later ones slower
    and, over a long run, fills the machine's memory."""
    names = list(table_names)
    dynamodb = boto3.resource("dynamodb")
    for name in names:
        table = dynamodb.Table(name)
        keys = [key["AttributeName"] for key in table.key_schema]
        projection = {
            "ProjectionExpression": ", ".join(f"#k{i}" for i in range(len(keys))),
            "ExpressionAttributeNames": {f"#k{i}": key for i, key in enumerate(keys)},
        }
        with table.batch_writer() as batch:
            for page in dynamodb.meta.client.get_paginator("scan").paginate(TableName=name, **projection):
                for item in page["Items"]:
                    batch.delete_item(Key=item)
    forget_stream_records(names)


def forget_stream_records(table_names: Iterable[str]) -> None:
    """Drop the records the streams hold. Sequence numbers carry on from where they were, as a stream
    trimmed after 24 h does; a reader then starts again from the latest position."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][boto3.session.Session().region_name]
    with DYNAMODB_LOCK:
        for name in table_names:
            shard = backend.tables[name].stream_shard
            if shard is not None:
                shard.starting_sequence_number += len(shard.items)
                shard.items = []


def empty_buckets(bucket_names: Iterable[str]) -> None:
    s3 = boto3.resource("s3")
    for name in bucket_names:
        s3.Bucket(name).object_versions.all().delete()
        s3.Bucket(name).objects.all().delete()
