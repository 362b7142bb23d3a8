"""The XSS corpus on the reference reader page: a live blog whose every field carries the corpus,
published by `make dev`'s stack and shown in Chromium, runs none of it."""

import io
import json
from typing import Any
from uuid import uuid4

import pytest
import requests
from PIL import Image

from liveblog.models.entry import MAX_BLOCKS
from liveblog_local.tokens import issue_token
from security.corpus import load_payloads
from security.fields import BLOCK_FIELDS, HTML_KINDS, PlacedBlock, accepted, blocks_for, packed

pytestmark = pytest.mark.e2e

PAYLOADS = load_payloads()
ENTRIES = 21  # one more than latest.json holds: the oldest comes from an archive page
PHOTOS = 2

# Run in the page: everything in the rendered story a browser could execute or be sent away by.
# (The page's own scripts are in <head>; the story is everything in <body>.)
DOM_PROBLEMS = """() => {
  const problems = [];
  const dangerous = new Set(["SCRIPT", "IFRAME", "FRAME", "OBJECT", "EMBED", "APPLET", "BASE", "META",
    "FORM", "STYLE", "LINK", "SVG", "MATH", "TEMPLATE", "PORTAL", "INPUT", "TEXTAREA", "SELECT"]);
  const safe = (url) => { try { return ["http:", "https:", "mailto:"].includes(new URL(url, location.href).protocol); }
                          catch { return false; } };
  for (const el of document.body.querySelectorAll("*")) {
    if (dangerous.has(el.tagName.toUpperCase())) problems.push(`<${el.tagName}>`);
    for (const attr of el.attributes) {
      if (attr.name.startsWith("on")) problems.push(`${attr.name}= on <${el.tagName}>`);
      if (attr.name === "style") problems.push(`style= on <${el.tagName}>`);
    }
    for (const name of ["href", "src", "action", "formaction", "xlink:href"]) {
      const value = el.getAttribute(name);
      if (value !== null && !safe(value)) problems.push(`${name}=${value.slice(0, 80)} on <${el.tagName}>`);
    }
    for (const candidate of (el.getAttribute("srcset") || "").split(",").filter((c) => c.trim())) {
      if (!safe(candidate.trim().split(/\\s+/)[0])) problems.push(`srcset=${candidate.slice(0, 80)} on <${el.tagName}>`);
    }
  }
  return problems;
}"""


def share(kind: str, limit: int, count: int) -> list[str]:
    return [value for value, _ in packed(PAYLOADS, accepted(kind, PAYLOADS), limit)][:count]


def tiny_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (96, 64), (40, 90, 160)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def corpus_blog(stack: Any) -> dict[str, Any]:
    """A live blog whose fields carry the corpus, once it is all on the CDN."""
    editor = requests.Session()
    editor.headers["Authorization"] = f"Bearer {issue_token('editor')}"
    slug = f"xss-{uuid4().hex[:8]}"
    blog = editor.post(
        f"{stack.api}/blogs",
        json={
            "slug": slug,
            "title": share("blog title", 200, 1)[0],
            "summary": share("blog summary", 2_000, 1)[0],
            "key_points": share("blog key point", 300, 10),
        },
        timeout=10,
    )
    assert blog.status_code == 201, blog.text
    blog_id = blog.json()["id"]

    # Photos whose own caption, credit and alt carry payloads, uploaded as a browser would
    photos = []
    words = {
        name: share(f"photo {name}", limit, PHOTOS)
        for name, limit in (("caption", 1_000), ("credit", 200), ("alt", 500))
    }
    for n in range(PHOTOS):
        data = tiny_jpeg()
        asked = editor.post(
            f"{stack.api}/blogs/{blog_id}/photos",
            json={"filename": f"pier-{n}.jpg", "content_type": "image/jpeg", "byte_size": len(data)}
            | {name: values[n] for name, values in words.items()},
            timeout=10,
        )
        assert asked.status_code == 201, asked.text
        upload = asked.json()["upload"]
        sent = requests.post(
            upload["url"], data=upload["fields"], files={"file": ("photo", data, "image/jpeg")}, timeout=10
        )
        assert sent.status_code in (200, 201, 204), sent.text
        photos.append(asked.json()["photo"]["id"])
    for photo_id in photos:
        stack.wait_for(
            lambda photo_id=photo_id: editor.get(
                f"{stack.api}/blogs/{blog_id}/photos/{photo_id}", timeout=10
            ).json(),
            lambda photo: photo["status"] == "ready",
        )

    # Entries carrying every payload in every block field, with payloads as titles and bylines;
    # those without blocks first, so that the heavy ones are among the newest
    placed = blocks_for(PAYLOADS, lambda n: photos[n % PHOTOS])
    placed += [PlacedBlock({"type": "photo", "photo_id": photo_id}) for photo_id in photos]
    full = -(-len(placed) // MAX_BLOCKS)
    contents = [[]] * (ENTRIES - full) + [placed[n::full] for n in range(full)]
    titles = share("entry title", 200, ENTRIES)
    bylines = share("entry author name", 200, ENTRIES)
    entries = []
    for n, blocks in enumerate(contents):
        author = {"Authorization": f"Bearer {issue_token('editor', sub=f'xss-{n}', name=bylines[n])}"}
        body = {
            "title": titles[n],
            "blocks": [item.block for item in blocks],
            "key_event": n % 4 == 0,
            "status": "published",
        }
        response = requests.post(
            f"{stack.api}/blogs/{blog_id}/entries", json=body, headers=author, timeout=10
        )
        assert response.status_code == 201, response.text
        entries.append({"id": response.json()["id"], "placed": blocks, **body})
    live = editor.patch(
        f"{stack.api}/blogs/{blog_id}",
        json={"status": "live", "pinned_entry_id": entries[-full]["id"]},
        headers={"If-Match": f'"{blog.json()["version"]}"'},
        timeout=10,
    )
    assert live.status_code == 200, live.text

    def latest() -> Any:
        response = requests.get(f"{stack.cdn}/v1/blogs/{slug}/latest.json", timeout=10)
        return response.json() if response.status_code == 200 else {}

    stack.wait_for(
        latest,
        lambda doc: (
            bool(doc.get("pinned")) and doc.get("pages") and doc["entries"][0]["id"] == entries[-1]["id"]
        ),
        seconds=60,
    )
    return {"slug": slug, "entries": entries}


def test_the_reader_page_shows_the_whole_corpus_and_runs_none_of_it(
    browser: Any, stack: Any, corpus_blog: dict[str, Any]
) -> None:
    # Given a reader's page that records dialogs, page errors, and requests and navigations to
    # script and data URLs
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(10_000)  # a page that a payload broke fails fast rather than hangs
    seen: dict[str, list[str]] = {"dialogs": [], "errors": [], "script or data URLs": []}

    def script_url(url: str) -> None:
        # index.html's own favicon is href="data:,"; nothing else may be data: or javascript:
        if url.startswith(("javascript:", "data:")) and url != "data:,":
            seen["script or data URLs"].append(url[:120])

    page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("request", lambda request: script_url(request.url))
    page.on("framenavigated", lambda frame: script_url(frame.url))
    entries = corpus_blog["entries"]

    def assert_nothing_ran() -> None:
        flags = [frame.evaluate("typeof window.__xss") for frame in page.frames]
        assert flags == ["undefined"] * len(flags), "a payload set window.__xss"
        assert seen == {"dialogs": [], "errors": [], "script or data URLs": []}
        assert page.evaluate(DOM_PROBLEMS) == []

    # When it opens the blog, nothing runs
    page.goto(f"{stack.cdn}/?blog={corpus_blog['slug']}")
    page.wait_for_selector("body[data-ready='true']", timeout=15_000)
    page.wait_for_load_state("networkidle")
    assert_nothing_ran()

    # And when it loads every older page
    while page.locator("#load-older").is_visible():
        page.click("#load-older")
        page.wait_for_function(
            "() => !document.querySelector('#load-older').textContent.includes('…')", timeout=10_000
        )
    page.wait_for_load_state("networkidle")

    # Then every entry is shown, the pinned one and the key events too, and nothing ran: no flag in
    # any frame, no dialog, no script or data URL, nothing in the story that could run or load
    assert_nothing_ran()
    shown = page.eval_on_selector_all("#stream article.entry", "els => els.map(e => e.dataset.entryId)")
    assert sorted(shown) == sorted(entry["id"] for entry in entries)
    assert page.locator("#pinned article.entry").count() == 1
    assert page.locator("#key-events a[data-entry-id]").count() == len(entries[::4])
    # And text fields read exactly as written: shown as text, never parsed as markup
    for entry in entries:
        article = page.locator(f"#stream article[data-entry-id='{entry['id']}']")
        assert article.locator(".entry__title").text_content() == entry["title"]
        headings = [item.block["text"] for item in entry["placed"] if item.block["type"] == "heading"]
        assert article.locator(".entry__heading").all_text_contents() == headings
        quotes = [item.block["attribution"] for item in entry["placed"] if item.block["type"] == "quote"]
        assert article.locator(".quote cite").all_text_contents() == quotes
    carried = {kind for entry in entries for item in entry["placed"] for kind in item.carries}
    assert carried == {field.kind for field in BLOCK_FIELDS} | HTML_KINDS

    # When a reader opens the oldest entry's permalink, and follows the key events timeline
    page.goto(f"{stack.cdn}/?blog={corpus_blog['slug']}#entry-{entries[0]['id']}")
    page.wait_for_function(
        "id => document.activeElement?.dataset?.entryId === id", arg=entries[0]["id"], timeout=15_000
    )
    page.click(f"#key-events a[data-entry-id='{entries[-1]['id']}']")
    page.wait_for_function(
        "id => document.activeElement?.dataset?.entryId === id", arg=entries[-1]["id"], timeout=5_000
    )
    # Then still nothing ran
    assert_nothing_ran()

    # And the detector is live: the same page runs an injected handler, and the flag shows it
    page.evaluate(
        """document.querySelector("#stream").insertAdjacentHTML("beforeend", '<img src="x" onerror="window.__xss = 1">')"""
    )
    page.wait_for_function("() => window.__xss === 1", timeout=5_000)
    page.close()


def tampered_latest(slug: str) -> dict[str, Any]:
    """latest.json as a compromised pipeline could write it: the raw corpus everywhere, unsanitised,
    including where only the server writes (URLs, provider names, photo sources)."""
    now = "2026-11-28T21:00:00.000Z"

    def entry(n: int, blocks: list[dict[str, Any]]) -> dict[str, Any]:
        entry_id = f"01JDQ6A3R4S5T6V7W8X9Y0Z{n:03d}"
        return {
            "id": entry_id, "url": f"/v1/blogs/{slug}/entries/{entry_id}.json", "title": PAYLOADS[n],
            "blocks": blocks, "key_event": True, "author": {"name": PAYLOADS[-n]}, "published_at": now,
            "updated_at": now,
        }  # fmt: skip

    script = "javascript:window.__xss=1"
    blocks = [
        *({"type": "paragraph", "html": payload} for payload in PAYLOADS),
        {"type": "list", "ordered": False, "items": PAYLOADS},
        *({"type": "heading", "text": payload, "level": 2} for payload in PAYLOADS[:40]),
        *({"type": "quote", "text": payload, "attribution": payload} for payload in PAYLOADS[40:80]),
        *({"type": "embed", "url": payload, "caption": payload, "provider": payload} for payload in PAYLOADS),
        {"type": "embed", "url": script, "caption": "x", "provider": "youtube"},
        *(
            {
                "type": "photo", "photo_id": "01JDQ7B8C9D0E1F2G3H4J5K6M7", "caption": payload, "credit": payload,
                "alt": payload, "width": 96, "height": 64, "src": src,
                "srcset": {"jpeg": f"{src} 96w", "webp": f"{src} 96w"}, "renditions": [],
            }
            for payload, src in zip(PAYLOADS[80:84], [script, "data:text/html,x", " javascript:x", "vbscript:x"], strict=True)
        ),
    ]  # fmt: skip
    entries = [entry(1, blocks), entry(2, [])]
    return {
        "schema_version": 1, "version": 1, "generated_at": now,
        "blog": {
            "id": "01JDQ5V7Z8YB6T3M2W4K9C1E0F", "slug": slug, "title": PAYLOADS[0], "summary": PAYLOADS[1],
            "key_points": PAYLOADS[:10], "status": "live", "language": PAYLOADS[2], "time_zone": PAYLOADS[3],
            "coverage_start_at": now, "coverage_end_at": None,
        },
        "pinned": entries[0],
        # A key event the page does not show sends the reader to its url: here, a script URL.
        "key_events": [{"id": "01JDQ6A3R4S5T6V7W8X9Y0Z999", "url": script, "title": PAYLOADS[4], "published_at": now}],
        "entries": entries,
        "pages": [],
        "json_ld": {"headline": "</script><script>window.__xss=1</script>"},
    }  # fmt: skip


def test_even_a_tampered_snapshot_runs_nothing_on_the_reader_page(browser: Any, stack: Any) -> None:
    # Given a latest.json that carries the raw corpus where the server would have refused or
    # escaped it (the page checks again: a bug or a compromised pipeline must not reach readers)
    slug = f"tampered-{uuid4().hex[:8]}"
    body = json.dumps(tampered_latest(slug))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(10_000)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.route(
        f"**/v1/blogs/{slug}/latest.json",
        lambda route: route.fulfill(status=200, content_type="application/json", body=body),
    )

    def assert_nothing_ran() -> None:
        flags = [frame.evaluate("typeof window.__xss") for frame in page.frames]
        assert flags == ["undefined"] * len(flags), "a payload set window.__xss"
        assert dialogs == []
        assert page.evaluate(DOM_PROBLEMS) == []

    # When a reader opens it, nothing runs and the story holds nothing that could run or load
    page.goto(f"{stack.cdn}/?blog={slug}")
    page.wait_for_selector("body[data-ready='true']", timeout=15_000)
    page.wait_for_load_state("networkidle")
    assert_nothing_ran()
    # And what was text is shown as text
    assert page.locator("#headline").text_content() == PAYLOADS[0]
    assert page.locator("#stream article.entry").count() == 2

    # When the reader follows the key event the page does not show, it is not sent to its script URL
    page.click("#key-events a[data-entry-id]")
    page.wait_for_timeout(500)
    assert_nothing_ran()
    page.close()
