"""The XSS corpus against the sanitiser and the pure rendering functions, and the checks the corpus
tests rely on: they must flag what a browser would run, or every corpus test could pass vacuously."""

import json
from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter

from liveblog.models import Blog, BlogStatus, Entry, EntryStatus, Photo, PhotoStatus, Rendition
from liveblog.models.blocks import Block
from liveblog.models.common import Author
from liveblog.rendering.build import entry_document, key_event_mark, latest_document, page_document, serialize
from liveblog.sanitize import sanitize_inline_html
from security.corpus import (
    executable_markup,
    load_payloads,
    outside_inline_contract,
    snapshot_problems,
    unsafe_url,
)
from security.fields import BLOCK_FIELDS, LIST_ITEM, accepts, refused_block

PAYLOADS = load_payloads()
NOW = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)
BLOG_ID = "01JDQ5V7Z8YB6T3M2W4K9C1E0F"
PHOTO_ID = "01JDQ7B8C9D0E1F2G3H4J5K6M7"


def test_the_corpus_is_large_distinct_and_detectable_without_dialogs() -> None:
    # Given the corpus file
    # Then it holds well over 120 distinct payloads
    assert len(PAYLOADS) >= 120
    assert len(set(PAYLOADS)) == len(PAYLOADS)
    # And what would run script sets a flag the browser test reads, never opens a dialog
    assert not [p for p in PAYLOADS if any(call in p for call in ("alert(", "prompt(", "confirm(", "print("))]
    assert sum("__xss=1" in payload for payload in PAYLOADS) >= 200
    # And the escapes for characters a line cannot hold were decoded
    for decoded in ("\x00", "\t", "\u202e"):
        assert any(decoded in payload for payload in PAYLOADS), repr(decoded)
    # And a JS escape written without braces stays six characters, as a breakout must be
    assert any("\\u2028" in payload for payload in PAYLOADS)


@pytest.mark.parametrize(
    "html",
    [
        "<script>window.__xss=1</script>",
        "<img src=x onerror=window.__xss=1>",
        "<b onmouseover=window.__xss=1>x</b>",
        '<a href="jav&#x09;ascript:window.__xss=1">x</a>',
        '<a href=" &#x20;JAVASCRIPT:x">x</a>',
        '<a href="data:text/html,x">x</a>',
        "<svg><a xlink:href='javascript:x'><text>t</text></a></svg>",
        '<iframe srcdoc="<b>x</b>"></iframe>',
        "<b style='color:red'>x</b>",
        "<meta http-equiv=refresh content='0;url=https://evil.example/'>",
        "<base href='https://evil.example/'>",
        "<form action='https://evil.example/'><button>go</button></form>",
        "<object data='x'></object>",
        "<embed src='x'>",
        "<link rel=stylesheet href='x'>",
        "<style>*{}</style>",
        "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
    ],
)
def test_the_markup_check_flags_what_a_browser_would_run_or_load(html: str) -> None:
    # Given markup that runs script, loads something, navigates or restyles
    # When it is checked
    problems = executable_markup(html)
    # Then it is flagged
    assert problems, html


def test_the_markup_check_passes_the_inline_subset_and_escaped_text() -> None:
    # Given what the sanitiser produces: the inline subset, an https link and escaped markup
    html = 'A <b>b</b> <a href="https://example.com/" rel="noopener">c</a> &lt;script&gt;x&lt;/script&gt;'
    # Then neither check finds anything
    assert executable_markup(html) == []
    assert outside_inline_contract(html) == []
    # And the contract check alone refuses harmless markup outside the subset
    assert outside_inline_contract("<span>x</span><p>y</p>") == ["<span>", "<p>"]


@pytest.mark.parametrize(
    ("url", "unsafe"),
    [
        ("https://example.com/", False),
        ("/v1/blogs/storm/latest.json", False),
        ("mailto:desk@example.com", False),
        ("javascript:x", True),
        ("\x01 java\tscript:x", True),
        ("jav&#x0A;ascript:x", True),
        ("VBScript:x", True),
        ("data:text/html,x", True),
    ],
)
def test_urls_are_judged_by_the_scheme_a_browser_sees(url: str, unsafe: bool) -> None:
    assert bool(unsafe_url(url)) is unsafe


def test_the_snapshot_check_flags_script_breakers_attribute_breakers_and_executable_html() -> None:
    # Given documents as a broken renderer could write them
    raw_script = json.dumps({"title": "</script><script>x</script>"}).encode()
    raw_separator = '{"title": "a\u2028b"}'.encode()
    quote_in_url = json.dumps({"url": 'https://www.youtube.com/watch?v="><img src=x onerror=x>'}).encode()
    script_url = json.dumps({"url": "javascript:x"}).encode()
    handler = json.dumps({"blocks": [{"type": "paragraph", "html": "<b onclick=x>b</b>"}]}).encode()
    list_item = json.dumps({"blocks": [{"type": "list", "items": ["<img src=x>"]}]}).encode()
    # Then each is flagged; the same text escaped as the renderer writes it is not
    for body in (raw_script, raw_separator, quote_in_url, script_url, handler, list_item):
        assert snapshot_problems("doc.json", body), body
    escaped = json.dumps({"title": "</script><!--\u2028"}, ensure_ascii=True).replace("<", "\\u003c")
    assert snapshot_problems("doc.json", escaped.encode()) == []


@pytest.mark.parametrize("index", range(len(PAYLOADS)))
def test_each_payload_is_refused_or_cleaned_to_inert_inline_html(index: int) -> None:
    # Given a payload as a paragraph's or list item's inline HTML
    # When the sanitiser takes it
    try:
        cleaned, reason = sanitize_inline_html(PAYLOADS[index]), ""
    except ValueError as refused:
        cleaned, reason = "", str(refused)
    # Then it is refused with a reason the editor can read
    if not cleaned:
        assert reason
    # Or what remains is the inline subset, with nothing a browser would run
    assert executable_markup(cleaned) == []
    assert outside_inline_contract(cleaned) == []


@pytest.mark.parametrize("index", range(len(PAYLOADS)))
def test_each_payload_in_every_field_renders_to_inert_documents(index: int) -> None:
    # Given a blog, a ready photo and an entry with the payload in every field that accepts it:
    # the fields with one value per blog, entry or photo too, which the pipeline test can only
    # give a share of the corpus
    payload = PAYLOADS[index]
    text = payload.strip()
    blocks = TypeAdapter(list[Block]).validate_python(
        [refused_block(f.kind, payload, PHOTO_ID) for f in BLOCK_FIELDS if accepts(f.kind, payload)]
        + ([{"type": "list", "items": [payload]}] if accepts(LIST_ITEM, payload) else [])
        + [{"type": "photo", "photo_id": PHOTO_ID}]
    )
    blog = Blog(
        id=BLOG_ID, slug="port-avalon-storm", status=BlogStatus.LIVE,
        title=text if accepts("blog title", payload) else "Storm over Port Avalon",
        summary=text if accepts("blog summary", payload) else "",
        key_points=[text] if accepts("blog key point", payload) else [],
        created_by=Author(id="e", name="E"), created_at=NOW, updated_at=NOW, version=2,
    )  # fmt: skip
    photo = Photo(
        id=PHOTO_ID, blog_id=BLOG_ID, status=PhotoStatus.READY, filename="pier.jpg",
        content_type="image/jpeg", byte_size=1,
        caption=text if accepts("photo caption", payload) else "",
        credit=text if accepts("photo credit", payload) else None,
        alt=text if accepts("photo alt", payload) else "",
        uploaded_by=Author(id="e", name="E"), created_at=NOW, updated_at=NOW, width=640, height=426,
        renditions=[Rendition(width=640, height=426, format="jpeg", key=f"media/{PHOTO_ID}/640.jpg", bytes=9)],
        version=2,
    )  # fmt: skip
    entry = Entry(
        id="01JDQ6A3R4S5T6V7W8X9Y0Z1AB", blog_id=BLOG_ID, seq=1, pub_seq=1, status=EntryStatus.PUBLISHED,
        title=text if accepts("entry title", payload) else None, blocks=blocks, key_event=True,
        author=Author(id="e", name=payload[:200]), created_at=NOW, published_at=NOW, version=1,
    )  # fmt: skip
    photos = {PHOTO_ID: photo}

    # When the renderer's functions build every document that shows them
    documents = {
        "latest.json": latest_document(
            blog, version=1, generated_at=NOW, newest=[entry], pinned=entry, key_events=[key_event_mark(entry)],
            page_digests={}, photos=photos, base_url="https://live.example.com",
        ),
        "entry.json": entry_document(blog, entry, photos),
        "page.json": page_document(blog, 0, [entry], photos),
    }  # fmt: skip

    # Then none carries anything a browser would run, in its bytes or in its HTML
    bodies = {name: serialize(document) for name, document in documents.items()}
    assert [problem for name, body in bodies.items() for problem in snapshot_problems(name, body)] == []
    # And the text fields read back exactly as written: text, not markup
    latest = json.loads(bodies["latest.json"])
    assert latest["blog"]["title"] == blog.title
    assert latest["blog"]["summary"] == blog.summary
    assert latest["blog"]["key_points"] == blog.key_points
    assert latest["entries"][0]["author"]["name"] == payload[:200]
    assert latest["entries"][0]["title"] == entry.title
    shown = latest["entries"][0]["blocks"][-1]
    assert [shown["caption"], shown["credit"], shown["alt"]] == [photo.caption, photo.credit, photo.alt]
