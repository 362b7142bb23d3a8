"""The demo story `make dev` seeds: every feature of a reader page, posted once through the admin API."""

import time
from typing import Any
from uuid import uuid4

import pytest
import requests

from liveblog_local.__main__ import build_parser
from liveblog_local.demo import (
    DEMO_SLUG,
    EDITOR,
    LIVE_UPDATES,
    PHOTOS,
    REPORTER,
    STORY,
    find_blog,
    post_live_update,
    seed_demo,
)

pytestmark = pytest.mark.e2e


def latest(stack: Any, slug: str = DEMO_SLUG) -> dict[str, Any]:
    response = requests.get(f"{stack.cdn}/v1/blogs/{slug}/latest.json", timeout=5)
    return response.json() if response.status_code == 200 else {}


def blocks_of(document: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [block for entry in document["entries"] for block in entry["blocks"] if block["type"] == kind]


@pytest.fixture(scope="module")
def demo(stack: Any) -> dict[str, Any]:
    """latest.json once the seed has finished and its last write (a correction) has been rendered."""
    stack.wait_for(lambda: stack.log.read_text(), lambda log: "Demo story ready" in log, seconds=30)
    return stack.wait_for(
        lambda: latest(stack),
        lambda doc: (
            len(doc.get("entries", [])) == len(STORY) and any(e["updated_at"] for e in doc["entries"])
        ),
        seconds=30,
    )


def test_make_dev_seeds_a_story_with_everything_a_reader_page_shows(stack: Any, demo: dict[str, Any]) -> None:
    # Given `make dev` has started (the fixture) and said where readers find the story
    assert f"Demo story ready: {stack.cdn}/?blog={DEMO_SLUG}" in stack.log.read_text()

    # Then the blog is live, with its summary, key points and time zone
    blog = demo["blog"]
    assert blog["status"] == "live"
    assert blog["title"] == "Harbour City Marathon 2026: live"
    assert blog["summary"]
    assert 3 <= len(blog["key_points"]) <= 5
    assert (blog["language"], blog["time_zone"]) == ("en", "America/Halifax")

    # And every entry of the story is there, in the order it was told, the correction included
    told = [item.correction.get("title", item.title) for item in STORY]
    assert [entry["title"] for entry in reversed(demo["entries"])] == told
    corrected = [entry for entry in demo["entries"] if entry["updated_at"]]
    assert [entry["title"] for entry in corrected] == ["Quennell and Ostrander share the lead at 10 km"]
    assert any(entry["title"] is None for entry in demo["entries"])

    # And the road closures are pinned, the key events listed, the reporter's draft published
    assert demo["pinned"]["title"] == "Road closures until 3 p.m."
    assert len(demo["key_events"]) == sum(item.key_event for item in STORY) >= 3
    assert [entry["author"]["name"] for entry in demo["entries"]].count(REPORTER.name) == 1

    # And it uses every kind of block: quotes with attribution, lists, headings, an embed
    assert all(quote["attribution"] for quote in blocks_of(demo, "quote"))
    assert len(blocks_of(demo, "quote")) >= 2
    assert any(block["ordered"] for block in blocks_of(demo, "list"))
    assert blocks_of(demo, "heading")
    assert [block["provider"] for block in blocks_of(demo, "embed")] == ["youtube"]
    assert any('href="https://example.org/' in block["html"] for block in blocks_of(demo, "paragraph"))

    # And every photo is ready, with its caption and credit, and its renditions are on the CDN
    photos = blocks_of(demo, "photo")
    assert sorted((block["caption"], block["credit"], block["alt"]) for block in photos) == sorted(
        (photo.caption, photo.credit, photo.alt) for photo in PHOTOS.values()
    )
    for block in photos:
        assert block["width"] >= 1600
        for url, kind in ((block["src"], "image/jpeg"), (block["renditions"][-1]["url"], "image/webp")):
            served = requests.get(f"{stack.cdn}{url}", timeout=5)
            assert served.status_code == 200, url
            assert served.headers["Content-Type"] == kind


def settled(stack: Any, quiet_seconds: float = 1.5) -> dict[str, Any]:
    """latest.json once no render has changed it for `quiet_seconds`: the demo's photos finish
    processing, and re-render the entries showing them, after the seed reports ready."""
    last: dict[str, Any] = {"version": None, "since": time.monotonic()}

    def quiet(doc: dict[str, Any]) -> bool:
        if doc["version"] != last["version"]:
            last.update(version=doc["version"], since=time.monotonic())
        return time.monotonic() - last["since"] >= quiet_seconds

    return stack.wait_for(lambda: latest(stack), quiet, seconds=30)


def test_seeding_again_is_skipped_and_changes_nothing(stack: Any, demo: dict[str, Any]) -> None:
    # Given the seeded story, every render it caused landed
    before = settled(stack)
    editor = EDITOR.client(stack.api)
    blog_id = before["blog"]["id"]

    # When it is seeded again against the same stack
    story = seed_demo(stack.api, stack.cdn)

    # Then it is found, not posted again: the API holds the same entries...
    assert (story.seeded, story.blog_id) == (False, blog_id)
    assert story.reader_url == f"{stack.cdn}/?blog={DEMO_SLUG}"
    entries = editor.get(f"/blogs/{blog_id}/entries", {"limit": 100})["items"]
    assert len(entries) == len(STORY)
    # ...and, once any render a write would have caused has had time to land, readers see no change
    time.sleep(1.5)
    after = latest(stack)
    assert after["version"] == before["version"]
    assert len(after["entries"]) == len(before["entries"])


def test_demo_live_finds_the_story_and_posts_updates_readers_see(stack: Any, demo: dict[str, Any]) -> None:
    # Given the editor demo-live posts as, and a live blog of its own: an update in the demo story
    # itself would change what the reader page tests expect to find there
    editor = EDITOR.client(stack.api)
    found = find_blog(editor, DEMO_SLUG, status="live")
    assert found is not None
    assert found["id"] == demo["blog"]["id"]
    slug = f"marathon-afternoon-{uuid4().hex[:8]}"
    blog = editor.create("/blogs", {"slug": slug, "title": "Afternoon", "status": "live"}, "blog")

    # When demo-live posts its first two updates
    first = post_live_update(editor, blog["id"], 0)
    second = post_live_update(editor, blog["id"], 1)

    # Then readers see both, newest first, as the list tells them
    document = stack.wait_for(lambda: latest(stack, slug), lambda doc: len(doc.get("entries", [])) == 2)
    assert [entry["id"] for entry in document["entries"]] == [second["id"], first["id"]]
    assert [entry["title"] for entry in document["entries"]] == [LIVE_UPDATES[1].title, LIVE_UPDATES[0].title]
    assert [event["id"] for event in document["key_events"]] == (
        [second["id"]] if LIVE_UPDATES[1].key_event else []
    )


def test_dev_seeds_the_demo_unless_told_not_to(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIVEBLOG_DEMO", raising=False)
    assert build_parser().parse_args(["dev"]).demo is True
    assert build_parser().parse_args(["dev", "--no-demo"]).demo is False
    monkeypatch.setenv("LIVEBLOG_DEMO", "0")
    assert build_parser().parse_args(["dev"]).demo is False
