"""What one new entry costs the renderer, in a blog of 10 and of 10,000 published entries.

Counts, not times: S3 PUTs, DynamoDB items read, CloudFront invalidations. Each blog is seeded
straight into moto with its archive pages already rendered (the steady state of a long story),
then one entry is posted through the logic layer and its stream records are rendered.
Run: .venv/bin/python bench/render_cost.py
"""

import os
import sys
from datetime import UTC, datetime

os.environ.update(
    AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
    POWERTOOLS_TRACE_DISABLED="true", POWERTOOLS_LOG_LEVEL="WARNING", POWERTOOLS_METRICS_DISABLED="true",
)  # fmt: skip
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3
from moto import mock_aws

SIZES = (10, 10_000)


def measure(size: int, changes: str = "one new entry") -> dict[str, int]:
    from liveblog.ids import new_id
    from liveblog.logic import blogs, entries
    from liveblog.logic.auth import Principal
    from liveblog.models import BlogCreate, Entry, EntryCreate, EntryStatus
    from liveblog.models.common import Author
    from liveblog.rendering.build import complete_pages
    from liveblog.rendering.renderer import Renderer, changes_by_blog
    from liveblog.storage.content import ContentStore, RenderState, _entry_item, _entry_key, _serialize
    from liveblog.storage.snapshots import SnapshotStore
    from liveblog_local.streams import StreamReader
    from liveblog_local.template import create_buckets, create_tables

    with mock_aws():
        client = boto3.client("dynamodb")
        tables = create_tables(client)
        bucket = create_buckets(boto3.client("s3"))["SnapshotBucket"]
        store = ContentStore(tables["ContentTable"])
        editor = Principal(user_id="bench", name="Bench", groups=frozenset({"editors"}))
        blog = blogs.create_blog(
            store, editor, BlogCreate(slug=f"bench-{size}", title="Bench", status="live")
        )
        now = datetime.now(UTC)
        author = Author(id="seed", name="Seed")
        requests = []
        for n in range(1, size + 1):
            entry = Entry(
                id=new_id(), blog_id=blog.id, seq=n, pub_seq=n, status=EntryStatus.PUBLISHED,
                title=f"Archive {n}", author=author, created_at=now, published_at=now, version=1,
            )  # fmt: skip
            requests.append(
                {"PutRequest": {"Item": {**_serialize(_entry_item(entry)), **_entry_key(blog.id, entry.id)}}}
            )
        for start in range(0, len(requests), 25):
            client.batch_write_item(RequestItems={store.table_name: requests[start : start + 25]})
        client.update_item(
            TableName=store.table_name,
            Key={"PK": {"S": f"BLOG#{blog.id}"}, "SK": {"S": "BLOG"}},
            UpdateExpression="SET entry_seq = :n, published_seq = :n",
            ExpressionAttributeValues={":n": {"N": str(size)}},
        )
        already = RenderState(version=1, pages={n: f"{n:016x}" for n in range(complete_pages(size))})
        store.save_render_state(blog.id, already, 0)
        reader = StreamReader(store.table_name)
        reader.read_all()

        if changes == "one new entry":
            entries.create_entry(store, editor, blog.id, EntryCreate(title="One more", status="published"))
        elif changes == "100 new entries":
            for n in range(100):
                entries.create_entry(
                    store, editor, blog.id, EntryCreate(title=f"Burst {n}", status="published")
                )
        else:  # 100 corrections of one entry
            from liveblog.models import EntryPatch

            entry = entries.create_entry(
                store, editor, blog.id, EntryCreate(title="Count", status="published")
            )
            for n in range(100):
                entry = entries.update_entry(
                    store, editor, blog.id, entry.id, EntryPatch(title=f"Count {n}"), entry.version
                )
        records = reader.read_all()
        content = ContentStore(tables["ContentTable"])
        snapshots = SnapshotStore(bucket)
        read = {"items": 0}

        def count(parsed: dict, **_: object) -> None:
            read["items"] += parsed.get("Count", 0) + sum(
                len(v) for v in parsed.get("Responses", {}).values()
            )
            read["items"] += 1 if "Item" in parsed else 0

        content._client.meta.events.register("after-call.dynamodb", count)
        renderer = Renderer(content, snapshots)
        for blog_id, change in changes_by_blog(records).items():
            renderer.render_blog(blog_id, change)
        return {
            "puts": snapshots.puts,
            "items_read": read["items"],
            "invalidations": len(snapshots.invalidations),
        }


def main() -> int:
    results = {size: measure(size) for size in SIZES}
    print(f"{'published entries':>18} {'S3 PUTs':>8} {'items read':>11} {'invalidations':>14}")
    for size, result in results.items():
        print(f"{size:>18} {result['puts']:>8} {result['items_read']:>11} {result['invalidations']:>14}")
    small, large = (results[size] for size in SIZES)
    print(
        f"ratio {SIZES[1]}/{SIZES[0]}: PUTs {large['puts'] / small['puts']:.2f}, items read {large['items_read'] / small['items_read']:.2f}"
    )
    print("\nOne stream batch into a blog of 10 entries (each batch renders the blog once):")
    for changes in ("one new entry", "100 new entries", "100 corrections of one entry"):
        result = measure(10, changes)
        print(f"{changes:>30}: {result['puts']} PUTs, {result['items_read']} items read")
    return 0


if __name__ == "__main__":
    sys.exit(main())
