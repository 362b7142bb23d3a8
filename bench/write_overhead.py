"""What the admin API adds to a create-entry over the DynamoDB calls it cannot avoid (issue 8, figure 6).

In one moto backend (in-process `mock_aws`, tables from template.yaml), round-robin, ITERATIONS times:
  (a) POST /blogs/{id}/entries through the admin handler (functions/admin_api/app.py): the
      API Gateway event, routing, validation, sanitising, the counter UpdateItem and the entry's
      TransactWriteItems, the response;
  (b) the same with an Idempotency-Key (a new key each time: first use, not replay);
  (c) the floor: the same two DynamoDB calls made raw with boto3, with an item of the same size;
  (d) the floor of the proposed keyed design: (c) with the idempotency record inside the transaction.
Median CPU time per create (the thread's: see harness.cpu_seconds) and the DynamoDB calls each makes.
The content table's stream is off and created entries are swept away between rounds: moto
deep-copies a table (and its stream) for every transaction, so a growing table would slow every
variant alike and hide the difference.
Run alone: .venv/bin/python bench/write_overhead.py
"""

import copy
import gc
import json
import os
import sys
import time
from typing import Any

from harness import METER, REPO, Row, Section, cpu_seconds, item_bytes, median, ms, run_alone, use_local_aws

use_local_aws()

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from moto import mock_aws  # noqa: E402

ITERATIONS = 150  # per variant
ROUND = 5  # creates per variant between sweeps: keeps the table (which moto copies per transaction) small
WARM_UP = 5
MAX_RATIO = 1.5
BODY = {
    "title": "Ferries suspended until further notice",
    "status": "published",
    "key_event": False,
    "blocks": [
        {
            "type": "paragraph",
            "html": "The harbour master closed the port at <b>14:00</b> as gusts reached 110 km/h. "
            'Crossings to the islands are cancelled; <a href="https://example.org/ferries">check the '
            "operator's page</a> for refunds.",
        },
        {"type": "quote", "text": "Nobody sails in this.", "attribution": "Harbour master Ida Brekke"},
        {"type": "list", "items": ["North quay closed", "<i>South quay</i> open for rescue boats"]},
    ],
}


def api_event(blog_id: str, idempotency_key: str | None) -> dict[str, Any]:
    event = json.loads((REPO / "events" / "create-entry.json").read_text())
    path = f"/blogs/{blog_id}/entries"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["body"] = json.dumps(BODY)
    event["headers"].pop("idempotency-key", None)
    if idempotency_key:
        event["headers"]["idempotency-key"] = idempotency_key
    return event


def build() -> Section:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from liveblog.logic import blogs
    from liveblog.logic.auth import Principal
    from liveblog.models import BlogCreate
    from liveblog.storage.content import ContentStore
    from liveblog_local.functions import lambda_context, load_handler
    from liveblog_local.template import create_buckets, create_tables, function_environment

    with mock_aws():
        client = boto3.client("dynamodb", config=Config(retries={"mode": "standard", "max_attempts": 4}))
        tables = create_tables(client)
        buckets = create_buckets(boto3.client("s3"))
        os.environ.update(function_environment("AdminApiFunction", names={**tables, **buckets}))
        table = tables["ContentTable"]
        backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][os.environ["AWS_DEFAULT_REGION"]]
        backend.get_table(table).stream_shard = None  # see the module's docstring
        handler = load_handler("admin_api")
        store = ContentStore(table)
        editor = Principal(user_id="bench", name="Bench", groups=frozenset({"editors"}))
        blog = blogs.create_blog(
            store, editor, BlogCreate(slug="write-bench", title="Write bench", status="live")
        )
        blog_key = {"PK": {"S": f"BLOG#{blog.id}"}, "SK": {"S": "BLOG"}}

        def through_handler(key: str | None) -> Any:
            response = handler(api_event(blog.id, key), lambda_context("AdminApiFunction"))
            assert response["statusCode"] == 201, response
            return response

        # An entry exactly as the handler stores it, for the raw floor to write again and again.
        created = json.loads(through_handler(None)["body"])
        stored = client.get_item(TableName=table, Key={**blog_key, "SK": {"S": f"ENTRY#{created['id']}"}})[
            "Item"
        ]
        counter = 10_000

        def raw(idempotency_record: dict[str, Any] | None = None) -> None:
            nonlocal counter
            counter += 1
            numbers = client.update_item(
                TableName=table,
                Key=blog_key,
                UpdateExpression="ADD entry_seq :one, published_seq :one",
                ConditionExpression="attribute_exists(PK) AND #status <> :archived",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":one": {"N": "1"}, ":archived": {"S": "archived"}},
                ReturnValues="UPDATED_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )["Attributes"]
            item = copy.copy(stored)
            item["SK"] = {"S": f"ENTRY#RAW{counter:022d}"}
            item["seq"], item["pub_seq"] = numbers["entry_seq"], numbers["published_seq"]
            item["GSI1SK"] = {"S": f"{int(numbers['published_seq']['N']):010d}"}
            client.transact_write_items(
                TransactItems=[
                    {
                        "ConditionCheck": {
                            "TableName": table,
                            "Key": blog_key,
                            "ConditionExpression": "attribute_exists(PK) AND #status <> :archived",
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": {":archived": {"S": "archived"}},
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        }
                    },
                    {
                        "Put": {
                            "TableName": table,
                            "Item": item,
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                    *(
                        [
                            {
                                "Put": {
                                    "TableName": tables["IdempotencyTable"],
                                    "Item": {**idempotency_record, "id": {"S": f"raw-{counter}"}},
                                    "ConditionExpression": "attribute_not_exists(id) OR expiration < :now",
                                    "ExpressionAttributeValues": {":now": {"N": str(int(time.time()))}},
                                }
                            }
                        ]
                        if idempotency_record
                        else []
                    ),
                ]
            )

        # What Powertools stores for a completed keyed create, to price writing it inside the
        # entry's own transaction instead of in two calls of its own (the proposed design).
        record = {
            "status": {"S": "COMPLETED"},
            "expiration": {"N": str(int(time.time()) + 86_400)},
            "validation": {"S": "0" * 32},
            "data": {"S": json.dumps(created)},
        }
        blog_item = client.get_item(TableName=table, Key=blog_key)["Item"]
        keys = iter(range(10**9))
        variants = {
            "handler": lambda: through_handler(None),
            "handler + Idempotency-Key": lambda: through_handler(f"bench-{next(keys)}"),
            "raw boto3 floor": raw,
            "raw, idempotency record in the transaction": lambda: raw(record),
        }

        def sweep() -> None:
            """Delete every created entry and idempotency record (the blog stays)."""
            for name in (table, tables["IdempotencyTable"]):
                schema = client.describe_table(TableName=name)["Table"]["KeySchema"]
                names = [key["AttributeName"] for key in schema]
                scanned = client.scan(
                    TableName=name,
                    ProjectionExpression=", ".join(f"#k{i}" for i in range(len(names))),
                    ExpressionAttributeNames={f"#k{i}": key for i, key in enumerate(names)},
                )["Items"]
                doomed = [item for item in scanned if item != blog_key]
                for first in range(0, len(doomed), 25):
                    requests = [{"DeleteRequest": {"Key": key}} for key in doomed[first : first + 25]]
                    client.batch_write_item(RequestItems={name: requests})

        for action in variants.values():
            for _ in range(WARM_UP):
                action()
        sweep()
        times: dict[str, list[float]] = {name: [] for name in variants}
        aws: dict[str, list[float]] = {name: [] for name in variants}
        calls: dict[str, dict[str, int]] = {}
        gc.collect()
        gc.freeze()
        try:
            for _ in range(ITERATIONS // ROUND):
                for _ in range(ROUND):
                    for name, action in variants.items():
                        with METER.measure() as measured:
                            started = cpu_seconds()
                            action()
                            times[name].append(cpu_seconds() - started)
                        aws[name].append(measured.seconds)
                        calls[name] = {k: v for k, v in measured.calls.items() if k.startswith("dynamodb.")}
                sweep()
        finally:
            gc.unfreeze()

    floor = median(times["raw boto3 floor"])
    section = Section("write")
    for name in ("handler", "handler + Idempotency-Key"):
        value = median(times[name])
        rows_calls = sum(calls[name].values())
        outside = median([total - inside for total, inside in zip(times[name], aws[name], strict=True)])
        section.rows.append(
            Row("6", f"create entry: {name}", value, ms(value), floor, f"{ms(floor)} raw 2 calls",
                target=f"≤ {MAX_RATIO}x", met=value / floor <= MAX_RATIO,
                note=f"{ms(outside)} outside AWS calls, {ms(median(aws[name]))} inside")
        )  # fmt: skip
        section.rows.append(
            Row("6", f"DynamoDB calls per create: {name}", rows_calls, str(rows_calls),
                sum(calls["raw boto3 floor"].values()), "2 raw", target="as few as correctness allows",
                note=", ".join(f"{k.removeprefix('dynamodb.')} {v}" for k, v in sorted(calls[name].items())))
        )  # fmt: skip
    proposed = median(times["raw, idempotency record in the transaction"])
    section.rows.append(
        Row("6", "create entry, raw: idempotency record inside the entry's transaction (2 calls)", proposed,
            ms(proposed), floor, f"{ms(floor)} raw 2 calls", note="the floor of the proposed keyed design")
    )  # fmt: skip
    section.measurements = {
        "iterations": ITERATIONS,
        "median_s": {name: median(values) for name, values in times.items()},
        "median_aws_s": {name: median(values) for name, values in aws.items()},
        "p90_s": {name: sorted(values)[int(len(values) * 0.9)] for name, values in times.items()},
        "dynamodb_calls": calls,
        "blog_item_bytes": item_bytes(blog_item),
        "entry_item_bytes": item_bytes(stored),
        "idempotency_record_bytes": item_bytes({**record, "id": {"S": "x" * 80}}),
    }
    section.notes.append(
        f"figure 6: {ITERATIONS} creates per variant, round-robin, median; calls: "
        + "; ".join(
            f"{name}: {', '.join(f'{k[9:]} {v}' for k, v in sorted(c.items()))}" for name, c in calls.items()
        )
    )
    return section


if __name__ == "__main__":
    sys.exit(run_alone(build))
