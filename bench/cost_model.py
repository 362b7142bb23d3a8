"""What a 12-hour live blog costs on AWS (issue 8, figure 7), from the other figures' measurements.

The story: 500 entries and 50 photos over 12 hours, read by 1,000,000 readers who keep the page
open the whole time and poll latest.json every 10 s with If-None-Match (the reference reader page's
behaviour). Counts come from this run (PUTs, read units and durations per render, DynamoDB calls
and item sizes per create, gzip bytes of latest.json) or from bench/results/photo_processing.json
(`make bench` writes it; media duration and rendition bytes); every other input is an assumption
written next to its line. Prices: AWS list prices, us-east-1, as of November 2026.
Run: as part of bench/run.py (it needs the other sections' measurements).
"""

import gzip
import json
import math
from dataclasses import dataclass

from harness import REPO, RESULTS, Row, Section

PRICES_AS_OF = "2026-11, us-east-1 list prices"


@dataclass(frozen=True)
class Price:
    per_unit: float
    text: str  # as the price list states it


LAMBDA_GB_SECOND = Price(0.0000133334, "$0.0000133334 per GB-s (arm64)")
LAMBDA_REQUEST = Price(0.20 / 1_000_000, "$0.20 per 1M")
DYNAMODB_WRITE_UNIT = Price(0.625 / 1_000_000, "$0.625 per 1M (on demand)")
DYNAMODB_READ_UNIT = Price(0.125 / 1_000_000, "$0.125 per 1M (on demand)")
DYNAMODB_GB_MONTH = Price(0.25, "$0.25 per GB-month")
S3_PUT = Price(0.005 / 1_000, "$0.005 per 1,000")
S3_GET = Price(0.0004 / 1_000, "$0.0004 per 1,000")
S3_GB_MONTH = Price(0.023, "$0.023 per GB-month")
CLOUDFRONT_REQUEST = Price(0.0100 / 10_000, "$0.0100 per 10,000 HTTPS")
CLOUDFRONT_GB = Price(0.085, "$0.085 per GB (NA/EU)")
API_GATEWAY_REQUEST = Price(1.00 / 1_000_000, "$1.00 per 1M (HTTP API)")
SQS_REQUEST = Price(0.40 / 1_000_000, "$0.40 per 1M")

HOURS = 12
ENTRIES = 500
PHOTOS = 50
READERS = 1_000_000
POLL_SECONDS = 10
# Measured in Chromium by tests/e2e (README): a 304 for latest.json, headers included.
NOT_MODIFIED_BYTES = 1_210
HEADER_BYTES = 1_210  # a 200 carries about the same headers as the 304, plus the body
EDGES = 100  # assumption: edge locations serving the audience, each asking S3 at most every 5 s
EDGE_REFRESH_SECONDS = 5  # latest.json's s-maxage
SCHEDULER_MINUTES = HOURS * 60  # the sweeper runs every minute
SCHEDULER_SECONDS = 0.05  # assumption: one empty GSI query
SCHEDULER_READ_UNITS = 0.5
RENDITIONS_PER_PHOTO = 8  # 320, 640, 1280, 2048 px, JPEG and WebP
ORIGINAL_PHOTO_BYTES = 5_000_000  # a 24-megapixel JPEG (bench/photo_processing.py makes 4.9 MB)
READER_PHOTO = ("webp", 640)  # the rendition a phone-sized column loads
GB = 1_000_000_000


@dataclass
class Line:
    what: str
    quantity: float
    unit: str
    price: Price
    note: str = ""

    @property
    def cost(self) -> float:
        return self.quantity * self.price.per_unit


def function_memory_mb(logical_id: str) -> int:
    from liveblog_local.template import LocalTemplate

    return LocalTemplate.load(REPO / "template.yaml").function_setting(logical_id, "MemorySize", 128)


def reader_page_bytes() -> int:
    """The reference reader page (web/), gzipped, as one reader downloads it once."""
    return sum(
        len(gzip.compress(path.read_bytes(), 6)) + HEADER_BYTES for path in sorted((REPO / "web").iterdir())
    )


def photo_measurements() -> tuple[float | None, int | None, str]:
    path = RESULTS / "photo_processing.json"
    if not path.is_file():
        return None, None, "not measured in this checkout (run bench/photo_processing.py)"
    data = json.loads(path.read_text())
    rendition = next(
        (r for r in data["renditions"] if (r["format"], r["width"]) == READER_PHOTO), data["renditions"][0]
    )
    return data["process_image"]["seconds_median"], rendition["bytes"], "bench/results/photo_processing.json"


def write_units(size: int, transactional: bool = False) -> int:
    return math.ceil(size / 1024) * (2 if transactional else 1)


def build(sections: dict[str, Section]) -> tuple[Section, list[Line]]:
    render = sections["render"].measurements
    write = sections["write"].measurements
    at_1000 = render["by_size"]["1000"]["incremental"]
    latest_gzip = render["payloads"]["latest"]["gzip_bytes"]
    media_seconds, photo_bytes, photo_source = photo_measurements()
    media_seconds = media_seconds if media_seconds is not None else 2.0
    photo_bytes = photo_bytes if photo_bytes is not None else 15_000

    # The table's writes per create, from the measured item sizes (DynamoDB's rules: 1 KB units,
    # doubled in a transaction; the blog item is in both GSIs with ALL projection, so its counter
    # update is replicated to each; the entry is in GSI1).
    blog, entry = write["blog_item_bytes"], write["entry_item_bytes"]
    create_units = (
        write_units(blog) * 3  # UpdateItem of the counters, table + GSI1 + GSI2
        + write_units(blog, transactional=True)  # the transaction's ConditionCheck on the blog
        + write_units(entry, transactional=True)  # the entry's Put
        + write_units(entry)  # its GSI1 copy
    )
    render_state_units = 2  # the RENDER item (version and page digests), one put per render
    renders = (
        ENTRIES + PHOTOS
    )  # a render per entry (stream batches at this pace hold one) and per ready photo
    page_puts = ENTRIES // 20  # an archive page fills every 20 entries
    admin_requests = ENTRIES + PHOTOS + 3  # entries, upload requests, create / live / end the blog
    admin_seconds = write["median_s"]["handler"]
    render_seconds = at_1000["total_s"]
    polls = READERS * HOURS * 3600 / POLL_SECONDS
    changed_share = POLL_SECONDS / (HOURS * 3600 / ENTRIES)
    full_polls = polls * changed_share
    origin_fetches = EDGES * HOURS * 3600 / EDGE_REFRESH_SECONDS
    page_bytes = reader_page_bytes()

    admin_gb = function_memory_mb("AdminApiFunction") / 1024
    render_gb = function_memory_mb("RendererFunction") / 1024
    media_gb = function_memory_mb("MediaFunction") / 1024
    scheduler_gb = function_memory_mb("SchedulerFunction") / 1024
    lambda_seconds = (
        admin_requests * admin_seconds * admin_gb
        + renders * render_seconds * render_gb
        + PHOTOS * media_seconds * media_gb
        + SCHEDULER_MINUTES * SCHEDULER_SECONDS * scheduler_gb
    )
    lines = [
        Line("Lambda requests (admin, renderer, media, scheduler)",
             admin_requests + renders + PHOTOS + SCHEDULER_MINUTES, "requests", LAMBDA_REQUEST),
        Line("Lambda compute", lambda_seconds, "GB-s", LAMBDA_GB_SECOND,
             f"admin {admin_requests} x {admin_seconds * 1000:.0f} ms x {admin_gb:g} GB (measured, figure 6); "
             f"renderer {renders} x {render_seconds * 1000:.0f} ms x {render_gb:g} GB (measured on moto, figure 1, "
             f"an upper bound); media {PHOTOS} x {media_seconds:.2f} s x {media_gb:.2f} GB ({photo_source}); "
             f"scheduler {SCHEDULER_MINUTES} x {SCHEDULER_SECONDS * 1000:.0f} ms (assumed)"),
        Line("API Gateway HTTP API requests", admin_requests, "requests", API_GATEWAY_REQUEST),
        Line("DynamoDB write units", ENTRIES * create_units + renders * render_state_units + PHOTOS * 8,
             "WRU", DYNAMODB_WRITE_UNIT,
             f"{create_units} per create (blog item {blog} B, entry {entry} B, measured), {render_state_units} per "
             "render (render state), ~8 per photo (create, result, references)"),
        Line("DynamoDB read units", renders * at_1000["read_units"] + SCHEDULER_MINUTES * SCHEDULER_READ_UNITS,
             "RRU", DYNAMODB_READ_UNIT,
             f"{at_1000['read_units']:g} per render at 1,000 entries (figure 1) + the scheduler's query each minute"),
        Line("S3 PUTs", renders * at_1000["puts"] + page_puts + PHOTOS * (1 + 1 + RENDITIONS_PER_PHOTO), "PUTs",
             S3_PUT, f"{at_1000['puts']} per render (figure 1), {page_puts} archive pages, per photo: the upload, "
             f"the kept original, {RENDITIONS_PER_PHOTO} renditions"),
        Line("S3 GETs (CloudFront origin fetches, media reads)", origin_fetches + PHOTOS, "GETs", S3_GET,
             f"{EDGES} edges (assumed) x one fetch per {EDGE_REFRESH_SECONDS} s x {HOURS} h"),
        Line("CloudFront requests: latest.json polls", polls, "requests", CLOUDFRONT_REQUEST,
             f"{READERS:,} readers x {HOURS} h / {POLL_SECONDS} s"),
        Line("CloudFront transfer: 304 Not Modified", polls * (1 - changed_share) * NOT_MODIFIED_BYTES / GB, "GB",
             CLOUDFRONT_GB, f"{1 - changed_share:.1%} of polls x {NOT_MODIFIED_BYTES:,} B (browser-measured)"),
        Line("CloudFront transfer: 200 latest.json", full_polls * (latest_gzip + HEADER_BYTES) / GB, "GB",
             CLOUDFRONT_GB, f"{changed_share:.1%} of polls (a change every {HOURS * 3600 / ENTRIES:.0f} s) x "
             f"({latest_gzip:,} B gzip, figure 5, + {HEADER_BYTES:,} B headers)"),
        Line("CloudFront requests: reader page and photos, once per reader",
             READERS * (3 + PHOTOS), "requests", CLOUDFRONT_REQUEST, "web/ (3 files) and each photo once"),
        Line("CloudFront transfer: reader page and photos", READERS * (page_bytes + PHOTOS * (photo_bytes + HEADER_BYTES))
             / GB, "GB", CLOUDFRONT_GB,
             f"web/ {page_bytes:,} B gzip, {PHOTOS} photos x {photo_bytes:,} B ({READER_PHOTO[0]} {READER_PHOTO[1]} px)"),
        Line("S3 storage for the 12 h", PHOTOS * ORIGINAL_PHOTO_BYTES * 1.1 / GB * HOURS / (30 * 24), "GB-month",
             S3_GB_MONTH, "originals + renditions"),
        Line("DynamoDB storage for the 12 h", ENTRIES * entry / GB * HOURS / (30 * 24), "GB-month", DYNAMODB_GB_MONTH),
        Line("SQS (dead letters: none when nothing fails)", 0, "requests", SQS_REQUEST),
    ]  # fmt: skip
    total = sum(line.cost for line in lines)
    request_floor = polls * CLOUDFRONT_REQUEST.per_unit
    backend = sum(line.cost for line in lines if not line.what.startswith("CloudFront"))
    section = Section("cost")
    section.rows.append(
        Row("7", f"12-h blog, {ENTRIES} entries, {PHOTOS} photos, {READERS:,} readers polling every {POLL_SECONDS} s",
            total, f"${total:,.2f}", request_floor, f"${request_floor:,.2f} CloudFront poll fees alone")
    )  # fmt: skip
    section.rows.append(
        Row("7", "of which behind the CDN (Lambda, API, DynamoDB, S3, SQS)", backend, f"${backend:,.2f}", total,
            f"${total:,.2f} total")
    )  # fmt: skip
    per_reader_hour = total / (READERS * HOURS) * 1_000_000
    section.rows.append(Row("7", "per million reader-hours", per_reader_hour, f"${per_reader_hour:,.2f}"))
    section.notes.append(
        f"figure 7: every reader keeps the page open for all {HOURS} h (an upper bound; scale by reader-hours); "
        "the arithmetic is printed below the table"
    )
    section.measurements = {
        "prices_as_of": PRICES_AS_OF,
        "lines": [
            {
                "what": line.what,
                "quantity": line.quantity,
                "unit": line.unit,
                "price": line.price.text,
                "price_per_unit": line.price.per_unit,
                "cost": line.cost,
                "note": line.note,
            }
            for line in lines
        ],
        "total": total,
    }
    return section, lines


def money(amount: float) -> str:
    return f"${amount:,.2f}" if amount >= 1 or amount == 0 else f"${amount:.4f}"


def arithmetic(lines: list[Line]) -> str:
    width = max(len(line.what) for line in lines)
    out = [f"Cost model ({PRICES_AS_OF}); quantity x unit price = cost"]
    for line in lines:
        quantity = f"{line.quantity:,.0f}" if line.quantity >= 100 else f"{line.quantity:.3g}"
        out.append(
            f"  {line.what:<{width}}  {quantity:>15} {line.unit:<8} x {line.price.text:<30}"
            f" = {money(line.cost):>10}"
        )
        if line.note:
            out.append(f"  {'':<{width}}    {line.note}")
    total = sum(line.cost for line in lines)
    out.append(f"  {'total':<{width}}  {'':>15} {'':<8}   {'':<30} = {money(total):>10}")
    return "\n".join(out)
