"""The public snapshot documents: schemas kept in step with the models, and built documents valid against them."""

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import jsonschema

from liveblog.models import Blog, BlogStatus, Entry, EntryStatus, Photo, PhotoStatus, Rendition
from liveblog.models.blocks import ParagraphBlock, PhotoBlock
from liveblog.models.common import Author
from liveblog.rendering.build import (
    digest,
    key_event_mark,
    latest_document,
    page_document,
    page_of,
    serialize,
)

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
        blog(), version=7, generated_at=NOW, newest=[*newest, photo], pinned=newest[0], key_events=[key_event_mark(photo)],
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


def photo(status: PhotoStatus = PhotoStatus.READY, **fields: object) -> Photo:
    renditions = [
        Rendition(width=w, height=w * 3 // 4, format=f, key=f"media/{PHOTO_ID}/{w}.d1g35t.{e}", bytes=w * 40)
        for f, e in (("webp", "webp"), ("jpeg", "jpg"))
        for w in (2048, 320, 1280, 640)
    ]
    values: dict[str, object] = {
        "id": PHOTO_ID, "blog_id": blog().id, "status": status, "filename": "lighthouse.jpg",
        "content_type": "image/jpeg", "byte_size": 3_000_000, "caption": "The lighthouse at mile 20.",
        "credit": "Ana Ruiz/Harbour City Herald", "alt": "Runners beside a white lighthouse",
        "uploaded_by": Author(id="e", name="E"), "created_at": NOW, "updated_at": NOW,
        "width": 4000, "height": 3000, "renditions": renditions if status == PhotoStatus.READY else [],
        "version": 2,
    } | fields  # fmt: skip
    return Photo.model_validate(values)


PHOTO_ID = "01JDQ7B8C9D0E1F2G3H4J5K6M7"


def test_a_ready_photo_publishes_with_srcsets_words_and_a_moderate_src() -> None:
    # Given an entry showing a ready photo, once with the photo's words and once overriding them
    shown = entry(1, blocks=[PhotoBlock(type="photo", photo_id=PHOTO_ID)])
    overridden = entry(2, blocks=[PhotoBlock(type="photo", photo_id=PHOTO_ID, caption="", credit="Pool")])

    # When the page is built with the photo
    body = json.loads(serialize(page_document(blog(), 0, [shown, overridden], {PHOTO_ID: photo()})))

    # Then it validates, and the blocks carry renditions ordered by format then width
    jsonschema.validate(body, json.loads((REPO / "schemas" / "page.schema.json").read_text()))
    [own] = body["entries"][1]["blocks"]
    assert own["caption"] == "The lighthouse at mile 20."
    assert own["credit"] == "Ana Ruiz/Harbour City Herald"
    assert own["src"] == f"/media/{PHOTO_ID}/1280.d1g35t.jpg"
    assert own["srcset"]["webp"] == ", ".join(
        f"/media/{PHOTO_ID}/{w}.d1g35t.webp {w}w" for w in (320, 640, 1280, 2048)
    )
    assert [(r["format"], r["width"]) for r in own["renditions"]][:2] == [("jpeg", 320), ("jpeg", 640)]
    [custom] = body["entries"][0]["blocks"]
    assert (custom["caption"], custom["credit"], custom["alt"]) == (
        "",
        "Pool",
        "Runners beside a white lighthouse",
    )


def test_pending_and_rejected_photos_are_left_out_and_missing_ones_too() -> None:
    shown = entry(
        1, blocks=[PhotoBlock(type="photo", photo_id=PHOTO_ID), ParagraphBlock(type="paragraph", html="Text")]
    )
    for photos in ({PHOTO_ID: photo(PhotoStatus.PENDING)}, {PHOTO_ID: photo(PhotoStatus.REJECTED)}, {}):
        body = json.loads(serialize(page_document(blog(), 0, [shown], photos)))
        assert [block["type"] for block in body["entries"][0]["blocks"]] == ["paragraph"]


def test_json_ld_images_carry_caption_and_credit_with_an_absolute_url() -> None:
    shown = entry(1, blocks=[PhotoBlock(type="photo", photo_id=PHOTO_ID)])
    document = latest_document(
        blog(), version=1, generated_at=NOW, newest=[shown], pinned=None, key_events=[], page_digests={},
        photos={PHOTO_ID: photo()}, base_url="https://live.example.com",
    )  # fmt: skip
    [image] = document.json_ld["liveBlogUpdate"][0]["image"]
    assert image == {
        "@type": "ImageObject",
        "url": f"https://live.example.com/media/{PHOTO_ID}/1280.d1g35t.jpg",
        "width": 4000,
        "height": 3000,
        "caption": "The lighthouse at mile 20.",
        "creditText": "Ana Ruiz/Harbour City Herald",
    }


def test_documents_can_be_inlined_in_a_script_block_and_read_back_unchanged() -> None:
    # Given an entry whose text says </script>, opens a comment and holds a line separator
    text = "Tonight: </script><!-- the \u2028 count"
    document = latest_document(
        blog(), version=1, generated_at=NOW, newest=[entry(1, title=text)], pinned=None, key_events=[],
        page_digests={},
    )  # fmt: skip

    # When it is serialised for the CDN
    body = serialize(document).decode()

    # Then no "<" and no raw separators are in the bytes: a site can put the document (or its
    # json_ld) in a <script> block as it is, and nothing ends or subverts the block
    assert "<" not in body
    assert "\u2028" not in body
    assert "\\u003c/script>" in body
    # And a JSON parser reads the text exactly as written
    parsed = json.loads(body)
    assert parsed["entries"][0]["title"] == text
    assert parsed["json_ld"]["liveBlogUpdate"][0]["headline"] == text
