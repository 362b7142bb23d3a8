"""What every bench shares: result rows, the AWS-call meter, realistic seed content, moto set-up.

A bench module (render_cost, freshness, cold_start, write_overhead) returns a `Section`: its
rows for the one table `bench/run.py` prints, plus the raw measurements the cost model reuses.
Each module also runs alone (`.venv/bin/python bench/<name>.py`) and prints its own rows.
"""

import json
import math
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"
PYTHON = sys.executable

# In-process benches talk to moto's mock_aws, never to an account: set before any boto3 client.
LOCAL_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}
_UNSAFE_ENVIRONMENT = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


# In-process timings are the measuring thread's CPU time: this 2-core machine is shared, and other
# processes' load would otherwise land in the figures. Everything timed here (our code, botocore,
# moto in the same thread) is CPU-bound; waiting on sockets happens only in figure 3, timed by wall.
cpu_seconds = time.thread_time


def use_local_aws() -> None:
    for name in _UNSAFE_ENVIRONMENT:
        os.environ.pop(name, None)
    os.environ.update(LOCAL_ENVIRONMENT)


# ---------------------------------------------------------------- rows


@dataclass
class Row:
    """One line of the table: a figure, what it measured, what it is compared with in the same run."""

    section: str
    figure: str
    value: float | None
    shown: str
    baseline: float | None = None
    baseline_shown: str = ""
    target: str = ""
    # True met, False missed, None: reported for information, no target.
    met: bool | None = None
    # The ratio the target is about; by default value / baseline.
    ratio: float | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.ratio is None and self.value is not None and self.baseline:
            self.ratio = self.value / self.baseline


@dataclass
class Section:
    name: str
    rows: list[Row] = field(default_factory=list)
    measurements: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rows": [asdict(row) for row in self.rows],
            "measurements": self.measurements,
            "notes": self.notes,
            "seconds": self.seconds,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Section":
        return cls(
            name=data["name"],
            rows=[Row(**row) for row in data["rows"]],
            measurements=data["measurements"],
            notes=data["notes"],
            seconds=data["seconds"],
        )


def status(row: Row) -> str:
    return "info" if row.met is None else ("met" if row.met else "MISSED")


def format_ratio(ratio: float | None) -> str:
    if ratio is None:
        return ""
    return f"{ratio:.3f}" if ratio < 0.1 else f"{ratio:.2f}"


def table(rows: list[Row]) -> str:
    header = ("#", "figure", "measured", "baseline (same run)", "ratio", "target", "status")
    lines = [
        (
            row.section,
            row.figure,
            row.shown,
            row.baseline_shown,
            format_ratio(row.ratio),
            row.target,
            status(row),
        )
        for row in rows
    ]
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]
    rule = "  ".join("-" * width for width in widths)

    def render(line: tuple[str, ...]) -> str:
        cells = [
            str(cell).rjust(width) if i in (2, 3, 4) else str(cell).ljust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    return "\n".join([render(header), rule, *(render(line) for line in lines)])


def footnotes(rows: list[Row], notes: list[str]) -> str:
    """The rows' notes (what a figure is made of, the profiled cause of a miss), then the sections'."""
    lines = [f"- [{row.section}] {row.figure}: {row.note}" for row in rows if row.note]
    return "\n".join([*lines, *(f"- {note}" for note in notes)])


def run_alone(build: Callable[[], Section]) -> int:
    """`python bench/<module>.py`: print the module's rows; `--json PATH`: write its Section there."""
    started = time.perf_counter()
    section = build()
    section.seconds = time.perf_counter() - started
    if len(sys.argv) == 3 and sys.argv[1] == "--json":
        Path(sys.argv[2]).write_text(json.dumps(section.to_json(), indent=2) + "\n")
        return 0
    print(table(section.rows))
    print(footnotes(section.rows, section.notes))
    print(f"{section.name} took {section.seconds:.1f} s")
    return 0


def median(values: list[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# ---------------------------------------------------------------- AWS calls: time, items, capacity


def item_bytes(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB bills it: attribute names plus values (numbers ~ digits / 2 + 1)."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def _value_bytes(value: dict[str, Any]) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return len(inner.lstrip("-").replace(".", "").lstrip("0")) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(text.encode()) for text in inner)
    if kind == "NS":
        return sum(len(number) // 2 + 1 for number in inner)
    if kind == "L":
        return 3 + sum(1 + _value_bytes(element) for element in inner)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + _value_bytes(element) for name, element in inner.items())
    return len(json.dumps(inner))


_ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


def read_units(size: int, consistent: bool) -> float:
    """Read request units for `size` bytes read at once: 4 KB each, half for eventual consistency."""
    return max(1, math.ceil(size / 4096)) * (1.0 if consistent else 0.5)


@dataclass
class AwsCalls:
    """What a stretch of code asked AWS for. Capacity is computed from the items' sizes by
    DynamoDB's documented rules; moto answers ReturnConsumedCapacity with a constant."""

    seconds: float = 0.0
    calls: Counter[str] = field(default_factory=Counter)
    items_read: int = 0
    read_units: float = 0.0
    s3_puts: int = 0
    s3_gets: int = 0
    # (operation and what it read, items): where the items read come from.
    reads: list[tuple[str, int]] = field(default_factory=list)

    @property
    def dynamodb_calls(self) -> int:
        return sum(count for name, count in self.calls.items() if name.startswith("dynamodb."))


class AwsMeter:
    """Wraps botocore's BaseClient._make_api_call: every client in the process is measured.

    The time inside a call is request serialisation, moto (the stand-in for AWS) and response
    parsing; the renderer's "own time" is its wall time minus this."""

    def __init__(self) -> None:
        self.current: AwsCalls | None = None
        self._original: Any = None

    def install(self) -> None:
        from botocore.client import BaseClient

        if self._original is not None:
            return
        self._original = original = BaseClient._make_api_call
        meter = self

        def measured(client: Any, operation: str, params: dict[str, Any]) -> Any:
            started = cpu_seconds()
            response: Any = None
            try:
                response = original(client, operation, params)
                return response
            finally:
                if meter.current is not None:
                    meter._record(client, operation, params, response, cpu_seconds() - started)

        BaseClient._make_api_call = measured

    def _record(
        self, client: Any, operation: str, params: dict[str, Any], response: Any, seconds: float
    ) -> None:
        calls = self.current
        assert calls is not None
        service = client.meta.service_model.service_name
        calls.seconds += seconds
        calls.calls[f"{service}.{operation}"] += 1
        if service == "dynamodb" and response is not None:
            self._count_reads(operation, params, response)
        elif service == "s3" and operation == "PutObject":
            calls.s3_puts += 1
        elif service == "s3" and operation == "GetObject":
            calls.s3_gets += 1

    def _count_reads(self, operation: str, params: dict[str, Any], response: dict[str, Any]) -> None:
        calls = self.current
        assert calls is not None
        consistent = bool(params.get("ConsistentRead"))
        if operation == "GetItem":
            item = response.get("Item")
            calls.reads.append((operation, 1 if item else 0))
            calls.items_read += 1 if item else 0
            calls.read_units += read_units(item_bytes(item) if item else 0, consistent)
        elif operation == "BatchGetItem":
            for table, items in response.get("Responses", {}).items():
                table_consistent = bool(params["RequestItems"][table].get("ConsistentRead"))
                calls.items_read += len(items)
                calls.read_units += sum(read_units(item_bytes(item), table_consistent) for item in items)
                calls.reads.append((operation, len(items)))
        elif operation in ("Query", "Scan"):
            items = response.get("Items", [])
            calls.items_read += len(items)
            values = [value.get("S", "") for value in params.get("ExpressionAttributeValues", {}).values()]
            partition = _ULID.sub("<id>", values[0]) if values else ""
            calls.reads.append((f"{operation} {params.get('IndexName', 'table')} {partition}", len(items)))
            # A query is billed on the total size of what it read, rounded up once.
            calls.read_units += read_units(sum(item_bytes(item) for item in items), consistent)

    @contextmanager
    def measure(self) -> Iterator[AwsCalls]:
        self.install()
        outer, self.current = self.current, AwsCalls()
        try:
            yield self.current
        finally:
            self.current = outer


METER = AwsMeter()


# ---------------------------------------------------------------- realistic entries

_VOCABULARY = (
    "the harbour wind ferry crews shelter arena council mayor storm warning coast guard road closed "
    "power lines residents evacuation centre rain gusts km/h police fire service update latest "
    "minister said statement expected hours morning afternoon tonight north south east west bridge "
    "quay street hospital school flooding water levels river bank emergency teams volunteers "
    "reported damage roofs trees fallen cars stranded rescue boats helicopter airport flights "
    "cancelled delayed trains buses services resumed schedule forecast weather office alert level "
    "orange red yellow people homes without electricity crews working restore supply overnight "
    "officials urged stay indoors avoid travel unless necessary conditions worsen improve slowly "
    "across region county city town village market square press conference briefing questions "
    "journalists asked about response funding recovery insurance claims businesses shops open "
    "closed tomorrow weekend families children elderly neighbours helping each other community hall "
    "blankets food supplies donations charity appeal raised thousands pounds dollars euros and of "
    "to in on at for with from by after before during while as has have had was were is are will "
    "would could should may might not no more than about around up down over under into"
)
_WORDS = tuple(_VOCABULARY.split())
_NAMES = ("Eda Harbour", "Maya Okafor", "Tomás Reyes", "Ana Lindqvist", "Sam Whitlock")


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random) -> str:
    sentences = [_sentence(rng, rng.randint(8, 22)) for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.3:
        sentences[0] = f"<b>{sentences[0]}</b>"
    if rng.random() < 0.2:
        sentences.append(
            f'<a href="https://example.org/news/{rng.randrange(10**6)}" '
            f'rel="noopener noreferrer nofollow">{_sentence(rng, 4)}</a>'
        )
    return " ".join(sentences)


def realistic_blocks(rng: random.Random) -> list[dict[str, Any]]:
    """A newsroom-like mix: mostly one or two paragraphs, sometimes a quote, a list or an embed."""
    blocks: list[dict[str, Any]] = [
        {"type": "paragraph", "html": _paragraph(rng)} for _ in range(rng.choice((1, 1, 2, 2, 3)))
    ]
    roll = rng.random()
    if roll < 0.15:
        blocks.append({"type": "quote", "text": _sentence(rng, 18), "attribution": rng.choice(_NAMES)})
    elif roll < 0.25:
        blocks.append(
            {"type": "list", "ordered": False, "items": [_sentence(rng, 7) for _ in range(rng.randint(2, 5))]}
        )
    elif roll < 0.30:
        blocks.append(
            {
                "type": "embed",
                "url": f"https://www.youtube.com/watch?v=v{rng.randrange(10**9)}",
                "caption": _sentence(rng, 6),
                "provider": "youtube",
            }
        )
    return blocks


def realistic_entry_fields(rng: random.Random, n: int) -> dict[str, Any]:
    """Title, blocks and key_event for the n-th entry of a story (1 in 25 is a key event)."""
    return {
        "title": _sentence(rng, rng.randint(4, 10)).rstrip(".") if rng.random() < 0.4 else None,
        "blocks": realistic_blocks(rng),
        "key_event": n % 25 == 0,
    }


def seed_published_entries(store: Any, blog_id: str, count: int, seed: int = 8) -> list[dict[str, Any]]:
    """`count` published entries, as the API would have stored them, written straight into moto's
    table (only inside `mock_aws`: through boto3 moto would take minutes at 10,000), and the blog's
    counters moved past them. Returns the items, oldest first.

    They bypass the table's stream: they are history, already rendered. (It also keeps moto fast:
    each transaction deep-copies the table with its stream for rollback.)"""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from liveblog.ids import new_id
    from liveblog.models import Entry
    from liveblog.storage.content import TRUSTED, _entry_item, _entry_key, _serialize

    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][os.environ["AWS_DEFAULT_REGION"]]
    rng = random.Random(seed)
    start = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
    items: list[dict[str, Any]] = []
    table = backend.get_table(store.table_name)
    stream, table.stream_shard = table.stream_shard, None
    for n in range(1, count + 1):
        at = start + timedelta(seconds=43_200 * n / max(count, 1))
        name = rng.choice(_NAMES)
        entry = Entry.model_validate(
            {
                "id": new_id(),
                "blog_id": blog_id,
                "seq": n,
                "pub_seq": n,
                "status": "published",
                **realistic_entry_fields(rng, n),
                "author": {"id": name.lower().replace(" ", "-"), "name": name},
                "created_at": at,
                "published_at": at,
                "version": 1,
            },
            context=TRUSTED,
        )
        item = {**_serialize(_entry_item(entry)), **_entry_key(blog_id, entry.id)}
        backend.put_item(store.table_name, item)
        items.append(item)
    table.stream_shard = stream
    store._client.update_item(
        TableName=store.table_name,
        Key={"PK": {"S": f"BLOG#{blog_id}"}, "SK": {"S": "BLOG"}},
        UpdateExpression="SET entry_seq = :n, published_seq = :n",
        ExpressionAttributeValues={":n": {"N": str(count)}},
    )
    return items
