"""What publishing costs the renderer (issue 8, figures 1, 2 and 5), in moto, in this process.

1. Render cost vs blog size: blogs of 10, 1,000 and 10,000 published entries (newsroom-like text,
   1 in 25 a key event), written straight into the table with their archive pages already
   published: the steady state of a long story. One entry is posted through the logic layer and
   its stream records rendered, the same render repeated RENDERS times. Counted: S3 PUTs, DynamoDB
   items read and read units, the renderer's own time (its CPU time minus that inside AWS calls,
   which here is moto's: its Query walks the whole partition, which real DynamoDB does not) and
   the total. Baseline: a whole-blog render of the same blog, what a naive renderer does (read every
   published entry, write every page, latest.json and the changed entry's document); its read of
   every entry is counted, and deserialised inside its timing, but served from memory (moto takes
   ~5 ms per item to answer a Query: a minute at 10,000).
2. Batch coalescing: the renderer function's batch handler (render_batch) given the stream records
   of 100 corrections of one entry, and of 100 new entries, in batches of the template's BatchSize
   (100 records), as the event source mapping delivers them, against the records of one change.
5. Reader payloads: gzip bytes (level 6, as the local CDN compresses) of latest.json and of one
   archive page of the 1,000-entry blog against one whole-blog document of the same entries; and
   what latest.json weighs at 10 and 10,000 entries.

Run alone: .venv/bin/python bench/render_cost.py
"""

import gc
import gzip
import json
import os
import random
import sys
from collections.abc import Callable
from typing import Any

from harness import (
    METER,
    Row,
    Section,
    cpu_seconds,
    item_bytes,
    median,
    ms,
    read_units,
    realistic_entry_fields,
    run_alone,
    seed_published_entries,
    use_local_aws,
)

use_local_aws()

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

SIZES = (10, 1_000, 10_000)
RENDERS = 7  # incremental renders per size; own time is their median
RENDERS_LARGEST = 3  # at 10,000 each takes ~3 s, nearly all of it moto's
WHOLE_RENDERS = 1
PAYLOAD_SIZE = 1_000
BATCH_SIZE = 100  # the template's BatchSize for the renderer's stream
MAX_PUTS = 3
MAX_READS_OVER_PAGE = 5
MAX_OWN_TIME_GROWTH = 1.3
MAX_PUT_RATIO = 2.0
MAX_PAYLOAD_SHARE = 1 / 20
GZIP_LEVEL = 6


def measured(action: Callable[[], Any]) -> dict[str, Any]:
    with METER.measure() as calls:
        started = cpu_seconds()
        action()
        total = cpu_seconds() - started
    return {
        "total_s": total,
        "aws_s": calls.seconds,
        "own_s": total - calls.seconds,
        "puts": calls.s3_puts,
        "items_read": calls.items_read,
        "read_units": calls.read_units,
        "calls": dict(calls.calls),
        "reads": calls.reads,
    }


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts from the first run (they are the same each time), times as medians."""
    return {
        **runs[0],
        "total_s": median([run["total_s"] for run in runs]),
        "aws_s": median([run["aws_s"] for run in runs]),
        "own_s": median([run["own_s"] for run in runs]),
        "runs": len(runs),
    }


def whole_blog_render(
    content: Any, snapshots: Any, blog_id: str, entry_ids: set[str], published: Any
) -> None:
    """What a renderer without incremental state does on every change: read every published entry
    (`published()`, newest first), write every archive page, the changed entries' documents and
    latest.json."""
    from liveblog import clock
    from liveblog.rendering.build import (
        complete_pages,
        digest,
        entry_document,
        entry_key,
        key_event_mark,
        latest_document,
        latest_key,
        page_document,
        page_key,
        page_range,
        serialize,
    )
    from liveblog.rendering.documents import PAGE_SIZE
    from liveblog.storage.content import RenderState

    blog, published_seq, state = content.render_inputs(blog_id)
    everything = published()
    by_seq = {entry.pub_seq: entry for entry in everything}
    pages: dict[int, str] = {}
    for number in range(complete_pages(published_seq)):
        first, last = page_range(number)
        body = serialize(page_document(blog, number, [by_seq[seq] for seq in range(first, last + 1)]))
        pages[number] = digest(body)
        snapshots.put(page_key(blog.slug, number, pages[number]), body, immutable=True)
    for entry in everything:
        if entry.id in entry_ids:
            snapshots.put(
                entry_key(blog.slug, entry.id), serialize(entry_document(blog, entry)), immutable=False
            )
    version = state.version + 1
    marks = tuple(key_event_mark(entry) for entry in everything if entry.key_event)
    latest = latest_document(
        blog,
        version=version,
        generated_at=clock.utcnow(),
        newest=everything[:PAGE_SIZE],
        pinned=None,
        key_events=marks,
        page_digests=pages,
    )
    snapshots.put(latest_key(blog.slug), serialize(latest), immutable=False, version=version)
    content.save_render_state(
        blog_id,
        RenderState(version=version, pages=pages, published_seq=published_seq, key_events=marks),
        state.version,
    )


def whole_blog_document(content: Any, blog_id: str, published: Any) -> bytes:
    """One document with every published entry: what readers would fetch without pages."""
    from liveblog import clock
    from liveblog.rendering.build import key_event_mark, latest_document, serialize

    blog, _, state = content.render_inputs(blog_id)
    everything = published()
    document = latest_document(
        blog,
        version=state.version,
        generated_at=clock.utcnow(),
        newest=everything,
        pinned=None,
        key_events=[key_event_mark(entry) for entry in everything if entry.key_event],
        page_digests={},
    )
    return serialize(document)


def story(size: int) -> Any:
    from liveblog.models import BlogCreate

    return BlogCreate(
        slug=f"bench-{size}",
        title="Storm over Port Avalon",
        summary="Gales close the harbour; ferries suspended, shelters open at the arena.",
        key_points=["Ferries suspended", "Shelters open at the arena", "Power cut to 12,000 homes"],
        status="live",
    )


def editor() -> Any:
    from liveblog.logic.auth import Principal

    return Principal(user_id="bench", name="Bench Editor", groups=frozenset({"editors"}))


def one_new_entry() -> Any:
    from liveblog.models import EntryCreate

    return EntryCreate(**realistic_entry_fields(random.Random(1), 1), status="published")


def measure_size(size: int) -> dict[str, Any]:
    from liveblog.logic import blogs, entries
    from liveblog.rendering.build import latest_key
    from liveblog.rendering.renderer import Renderer, changes_by_blog
    from liveblog.storage.content import ContentStore, _entry_key, _to_entry
    from liveblog.storage.snapshots import SnapshotStore
    from liveblog_local.streams import StreamReader
    from liveblog_local.template import create_buckets, create_tables

    with mock_aws():
        table = create_tables(boto3.client("dynamodb"))["ContentTable"]
        bucket = create_buckets(boto3.client("s3"))["SnapshotBucket"]
        content, snapshots = ContentStore(table), SnapshotStore(bucket)
        blog = blogs.create_blog(content, editor(), story(size))
        items = seed_published_entries(content, blog.id, size)

        # The whole-blog renderer's read of every entry: from memory (see the module's docstring).
        def published() -> list[Any]:
            return [_to_entry(item) for item in reversed(items)]

        whole_blog_render(content, snapshots, blog.id, set(), published)  # the archive as it stands
        reader = StreamReader(table, starting_position="LATEST")
        posted = entries.create_entry(content, editor(), blog.id, one_new_entry())
        changes = changes_by_blog(reader.read_all())[blog.id]
        key = _entry_key(blog.id, posted.id)
        items.append(content._client.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"])
        renderer = Renderer(content, snapshots)
        # moto's heap (every item, every stream record) is not the renderer's: keep the
        # collector from walking it inside the timings.
        gc.collect()
        gc.freeze()
        try:
            times = RENDERS if size < 10_000 else RENDERS_LARGEST
            incremental = [measured(lambda: renderer.render_blog(blog.id, changes)) for _ in range(times)]
            latest = snapshots._client.get_object(Bucket=bucket, Key=latest_key(blog.slug))["Body"].read()
            whole = [
                measured(lambda: whole_blog_render(content, snapshots, blog.id, changes.entry_ids, published))
                for _ in range(WHOLE_RENDERS)
            ]
            payloads = (
                measure_payloads(content, snapshots, blog, latest, published)
                if size == PAYLOAD_SIZE
                else None
            )
        finally:
            gc.unfreeze()
    # The whole-blog read, as one paginated Query of the GSI (eventually consistent).
    read_bytes = sum(item_bytes(item) for item in items)
    for run in whole:
        run["items_read"] += len(items)
        run["read_units"] += read_units(read_bytes, consistent=False)
    return {
        "size": size,
        "incremental": summarise(incremental),
        "whole": summarise(whole),
        "payloads": payloads,
        "latest": anatomy(latest),
    }


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))


def anatomy(latest: bytes) -> dict[str, Any]:
    """latest.json's size, and what its parts weigh (gzip of each part alone)."""
    document = json.loads(latest)
    parts = {
        name: json.dumps(document[name], separators=(",", ":")).encode()
        for name in ("entries", "key_events", "pages", "json_ld")
    }
    return {
        "bytes": len(latest),
        "gzip_bytes": gzipped(latest),
        "count": {name: len(document[name]) for name in ("entries", "key_events", "pages")},
        "part_gzip_bytes": {name: gzipped(data) for name, data in parts.items()},
    }


def measure_payloads(
    content: Any, snapshots: Any, blog: Any, latest: bytes, published: Any
) -> dict[str, Any]:
    """latest.json as the incremental renderer left it, the newest archive page, and the whole blog."""
    from liveblog.rendering.build import page_key

    s3 = snapshots._client

    def body(key: str) -> bytes:
        return bytes(s3.get_object(Bucket=snapshots.bucket, Key=key)["Body"].read())

    _, _, state = content.render_inputs(blog.id)
    newest_page = max(state.pages)
    page = body(page_key(blog.slug, newest_page, state.pages[newest_page]))
    whole = whole_blog_document(content, blog.id, published)

    def weigh(data: bytes) -> dict[str, int]:
        return {"bytes": len(data), "gzip_bytes": gzipped(data)}

    return {
        "latest": weigh(latest),
        "page": weigh(page),
        "whole": weigh(whole),
        "pages_linked": len(state.pages),
    }


# ---------------------------------------------------------------- batch coalescing


def measure_coalescing() -> dict[str, dict[str, Any]]:
    """Each variant in a blog of 10 entries (plus the one corrected), in its own fresh moto."""
    from liveblog.logic import entries
    from liveblog.models import EntryCreate, EntryPatch

    def post(content: Any, blog_id: str, count: int) -> None:
        for n in range(count):
            entries.create_entry(
                content, editor(), blog_id, EntryCreate(title=f"Update {n}", status="published")
            )

    def correct(content: Any, blog_id: str, count: int) -> None:
        entry = entries.list_entries(content, editor(), blog_id, None, None, 1)[0][0]
        for n in range(count):
            patch = EntryPatch(title=f"Correction {n}")
            entry = entries.update_entry(content, editor(), blog_id, entry.id, patch, entry.version)

    variants: dict[str, Callable[[Any, str], None]] = {
        "1 new entry": lambda content, blog_id: post(content, blog_id, 1),
        "100 new entries": lambda content, blog_id: post(content, blog_id, 100),
        "1 correction": lambda content, blog_id: correct(content, blog_id, 1),
        "100 corrections of one entry": lambda content, blog_id: correct(content, blog_id, 100),
    }
    return {name: coalesced(change) for name, change in variants.items()}


def coalesced(change: Callable[[Any, str], None]) -> dict[str, Any]:
    """Make the change, then hand its stream records to the renderer function's batch handler in
    batches of BATCH_SIZE, as the event source mapping would; count renders and PUTs."""
    from liveblog.logic import blogs, entries
    from liveblog.models import EntryCreate
    from liveblog.rendering import renderer as renderer_module
    from liveblog.rendering import stream
    from liveblog.storage.content import ContentStore
    from liveblog_local.functions import lambda_context
    from liveblog_local.streams import StreamReader
    from liveblog_local.template import create_buckets, create_tables, function_environment

    renders = {"count": 0}
    original = renderer_module.Renderer.render_blog

    def counted(self: Any, blog_id: str, changes: Any) -> Any:
        renders["count"] += 1
        return original(self, blog_id, changes)

    with mock_aws():
        tables = create_tables(boto3.client("dynamodb"))
        buckets = create_buckets(boto3.client("s3"))
        os.environ.update(function_environment("RendererFunction", names={**tables, **buckets}))
        stream.renderer.cache_clear()
        content = ContentStore(tables["ContentTable"])
        reader = StreamReader(tables["ContentTable"], starting_position="LATEST")
        blog = blogs.create_blog(content, editor(), story(10).model_copy(update={"slug": "batch"}))
        seed_published_entries(content, blog.id, 10)
        entries.create_entry(
            content, editor(), blog.id, EntryCreate(title="To be corrected", status="published")
        )
        stream.render_batch({"Records": reader.read_all()}, lambda_context("RendererFunction"))
        reader.read_all()  # the render state the set-up render wrote
        change(content, blog.id)
        records = reader.read_all()
        renderer_module.Renderer.render_blog = counted  # type: ignore[method-assign]
        try:
            with METER.measure() as calls:
                for first in range(0, len(records), BATCH_SIZE):
                    event = {"Records": records[first : first + BATCH_SIZE]}
                    stream.render_batch(event, lambda_context("RendererFunction"))
        finally:
            renderer_module.Renderer.render_blog = original  # type: ignore[method-assign]
            stream.renderer.cache_clear()
    return {
        "records": len(records),
        "batches": -(-len(records) // BATCH_SIZE),
        "renders": renders["count"],
        "puts": calls.s3_puts,
    }


# ---------------------------------------------------------------- rows


def build() -> Section:
    section = Section("render")
    by_size = {size: measure_size(size) for size in SIZES}
    for size, result in by_size.items():
        print(
            f"render: {size:,} entries: incremental {result['incremental']['puts']} PUTs "
            f"{ms(result['incremental']['own_s'])} own; whole {result['whole']['puts']} PUTs "
            f"{ms(result['whole']['own_s'])} own",
            file=sys.stderr,
        )
    coalescing = measure_coalescing()
    page_size = 20
    rows = section.rows
    for size, result in by_size.items():
        mine, naive = result["incremental"], result["whole"]
        label = f"{size:,} entries"
        rows.append(
            Row("1", f"S3 PUTs, one new entry, {label}", mine["puts"], str(mine["puts"]),
                naive["puts"], f"{naive['puts']:,} whole-blog", target=f"≤ {MAX_PUTS}",
                met=mine["puts"] <= MAX_PUTS)
        )  # fmt: skip
    for size, result in by_size.items():
        mine, naive = result["incremental"], result["whole"]
        rows.append(
            Row("1", f"DynamoDB items read, {size:,} entries", mine["items_read"], str(mine["items_read"]),
                naive["items_read"], f"{naive['items_read']:,} whole-blog",
                target=f"≤ {page_size + MAX_READS_OVER_PAGE}",
                met=mine["items_read"] <= page_size + MAX_READS_OVER_PAGE,
                note=", ".join(f"{what}: {count}" for what, count in mine["reads"]))
        )  # fmt: skip
    for size, result in by_size.items():
        mine, naive = result["incremental"], result["whole"]
        rows.append(
            Row("1", f"read units (computed), {size:,} entries", mine["read_units"], f"{mine['read_units']:g} RRU",
                naive["read_units"], f"{naive['read_units']:g} RRU whole-blog")
        )  # fmt: skip
    for size, result in by_size.items():
        mine, naive = result["incremental"], result["whole"]
        rows.append(
            Row("1", f"renderer own time, {size:,} entries", mine["own_s"], ms(mine["own_s"]),
                naive["own_s"], f"{ms(naive['own_s'])} whole-blog")
        )  # fmt: skip
    for size, result in by_size.items():
        mine, naive = result["incremental"], result["whole"]
        rows.append(
            Row("1", f"render total time (moto), {size:,} entries", mine["total_s"], ms(mine["total_s"]),
                naive["total_s"], f"{ms(naive['total_s'])} whole-blog")
        )  # fmt: skip
    small, large = by_size[SIZES[0]]["incremental"], by_size[SIZES[-1]]["incremental"]
    growth = large["own_s"] / small["own_s"]
    shapes = {size: by_size[size]["latest"]["count"] for size in SIZES}
    rows.append(
        Row("1", f"own time {SIZES[-1]:,} / own time {SIZES[0]:,}", large["own_s"], ms(large["own_s"]),
            small["own_s"], f"{ms(small['own_s'])} at {SIZES[0]:,}", target=f"≤ {MAX_OWN_TIME_GROWTH}",
            met=growth <= MAX_OWN_TIME_GROWTH,
            note="latest.json holds " + "; ".join(
                f"at {size:,}: {shape['entries']} entries, {shape['key_events']} key events, {shape['pages']} page links"
                for size, shape in shapes.items()))
    )  # fmt: skip
    middle = by_size[SIZES[1]]["incremental"]
    rows.append(
        Row("1", f"own time {SIZES[-1]:,} / own time {SIZES[1]:,} (both 20 entries in latest)", large["own_s"],
            ms(large["own_s"]), middle["own_s"], f"{ms(middle['own_s'])} at {SIZES[1]:,}")
    )  # fmt: skip

    one_new, one_fix = coalescing["1 new entry"], coalescing["1 correction"]
    for name, single in (("100 corrections of one entry", one_fix), ("100 new entries", one_new)):
        result = coalescing[name]
        per_batch = result["renders"] / result["batches"]
        rows.append(
            Row("2", f"renders per batch: {name} ({result['records']} records, {result['batches']} batch(es))",
                per_batch, f"{result['renders']} in {result['batches']}", single["renders"],
                f"{single['renders']} for 1 change", target="1 per batch", met=per_batch == 1)
        )  # fmt: skip
        puts_per_batch = result["puts"] / result["batches"]
        note = (
            f"{result['puts']} PUTs in all: a document per new entry (100), the archive pages they filled and "
            f"latest.json once per batch; one batch per entry would write ~{100 * single['puts']} plus the pages"
            if name == "100 new entries"
            else ""
        )
        rows.append(
            Row("2", f"S3 PUTs per batch: {name}", puts_per_batch, f"{puts_per_batch:g}", single["puts"],
                f"{single['puts']} for 1 change", target=f"ratio ≤ {MAX_PUT_RATIO:g}",
                met=puts_per_batch / single["puts"] <= MAX_PUT_RATIO, note=note)
        )  # fmt: skip

    payloads = by_size[PAYLOAD_SIZE]["payloads"]
    whole_gz = payloads["whole"]["gzip_bytes"]
    for name, label in (("latest", "latest.json (20 entries)"), ("page", "one archive page (20 entries)")):
        size = payloads[name]["gzip_bytes"]
        rows.append(
            Row("5", f"gzip bytes, {label}, {PAYLOAD_SIZE:,}-entry blog", size, f"{size:,} B", whole_gz,
                f"{whole_gz:,} B whole blog", target="≤ 1/20 (0.05)", met=size / whole_gz <= MAX_PAYLOAD_SHARE)
        )  # fmt: skip

    for size, result in by_size.items():
        if size == PAYLOAD_SIZE:
            continue
        shape = result["latest"]
        rows.append(
            Row("5", f"gzip bytes, latest.json, {size:,}-entry blog", shape["gzip_bytes"], f"{shape['gzip_bytes']:,} B",
                by_size[PAYLOAD_SIZE]["latest"]["gzip_bytes"],
                f"{by_size[PAYLOAD_SIZE]['latest']['gzip_bytes']:,} B at {PAYLOAD_SIZE:,}",
                note=f"{shape['count']['entries']} entries, {shape['count']['key_events']} key events, "
                f"{shape['count']['pages']} page links; parts alone, gzip: "
                + ", ".join(f"{name} {spent:,} B" for name, spent in shape["part_gzip_bytes"].items()))
        )  # fmt: skip
    section.measurements = {
        "by_size": {str(size): result for size, result in by_size.items()},
        "coalescing": coalescing,
        "payloads": payloads,
        "renders_per_size": RENDERS,
    }
    section.notes.append(
        f"figure 1: counts from the first of {RENDERS} identical incremental renders ({RENDERS_LARGEST} at "
        f"{SIZES[-1]:,}), times their median; the whole-blog baseline is one render whose read of every entry "
        "is counted but not timed (moto takes ~5 ms per item to answer a Query); read units are computed from "
        "item sizes (4 KB units, consistent reads x1, GSI queries x0.5): moto reports a constant"
    )
    return section


if __name__ == "__main__":
    sys.exit(run_alone(build))
