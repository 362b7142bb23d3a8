"""The public snapshot documents: schemas kept in step with the models, and built documents valid against them."""

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import jsonschema

from liveblog.models import Blog, BlogStatus, Entry, EntryStatus
from liveblog.models.blocks import ParagraphBlock, PhotoBlock
from liveblog.models.common import Author
from liveblog.rendering.build import digest, latest_document, page_document, page_of, serialize

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)


def test_committed_schemas_match_the_models() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "snapshot_schemas.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def blog() -> Blog:
    return Blog(
        id="01JDQ5V7Z8YB6T3M2W4K9C1E0F", slug="harbour-storm", title="Storm over Port Avalon",
        summary="Gales close the harbour.", key_points=["Ferries suspended"], status=BlogStatus.LIVE,
        time_zone="America/Halifax", coverage_start_at=NOW, created_by=Author(id="e", name="E"),
        created_at=NOW, updated_at=NOW, version=2,
    )  # fmt: skip


def entry(pub_seq: int, **fields: object) -> Entry:
    values: dict[str, object] = {
        "id": f"01JDQ6{pub_seq:020d}", "blog_id": blog().id, "seq": pub_seq, "pub_seq": pub_seq,
        "status": EntryStatus.PUBLISHED, "title": f"Update {pub_seq}",
        "blocks": [ParagraphBlock(type="paragraph", html="Winds <b>rise</b>.")],
        "author": Author(id="e", name="Eda Harbour"), "created_at": NOW, "published_at": NOW, "version": 1,
    } | fields  # fmt: skip
    return Entry.model_validate(values)


def test_latest_document_is_valid_against_its_schema_and_carries_json_ld() -> None:
    newest = [entry(n) for n in range(3, 0, -1)]
    photo = entry(
        4,
        title=None,
        key_event=True,
        blocks=[PhotoBlock(type="photo", photo_id="01JDQ7B8C9D0E1F2G3H4J5K6M7")],
    )

    document = latest_document(
        blog(), version=7, generated_at=NOW, newest=[*newest, photo], pinned=newest[0], key_events=[photo],
        page_digests={0: "abc123"},
    )  # fmt: skip

    body = json.loads(serialize(document))
    schema = json.loads((REPO / "schemas" / "latest.schema.json").read_text())
    jsonschema.validate(body, schema)
    assert [item["title"] for item in body["entries"]] == [None, "Update 3", "Update 2", "Update 1"]
    assert body["entries"][0]["blocks"] == []  # photo blocks wait for photos to exist
    assert body["pages"] == [{"number": 0, "url": "/v1/blogs/harbour-storm/pages/0.abc123.json"}]
    assert body["json_ld"]["@type"] == "LiveBlogPosting"
    assert body["json_ld"]["coverageStartTime"] == "2026-11-28T14:00:00.000Z"
    assert body["json_ld"]["liveBlogUpdate"][1]["articleBody"] == "Winds rise."


def test_pages_hash_their_content_and_number_by_publication() -> None:
    first = page_document(blog(), 0, [entry(1), entry(2)])
    same = page_document(blog(), 0, [entry(2), entry(1)])
    corrected = page_document(blog(), 0, [entry(1), entry(2, title="Update 2, corrected")])

    assert digest(serialize(first)) == digest(serialize(same))
    assert digest(serialize(first)) != digest(serialize(corrected))
    assert [page_of(n) for n in (1, 20, 21, 40, 41)] == [0, 0, 1, 1, 2]
