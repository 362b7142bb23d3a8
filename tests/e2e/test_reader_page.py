"""The reference reader page (web/) in headless Chromium, against `make dev`'s stack and its demo story."""

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.e2e

DEMO_SLUG = "harbour-city-marathon"
OUTPUT = Path(__file__).resolve().parents[2] / ".local" / "test-output"


def latest(stack: Any, slug: str = DEMO_SLUG) -> dict[str, Any]:
    response = requests.get(f"{stack.cdn}/v1/blogs/{slug}/latest.json", timeout=5)
    return response.json() if response.status_code == 200 else {}


@pytest.fixture(scope="module")
def demo(stack: Any) -> dict[str, Any]:
    """The demo story `make dev` seeds, once it is on the CDN."""
    # The seeding corrects an entry last: once a correction shows, the story is complete.
    return stack.wait_for(
        lambda: latest(stack),
        lambda doc: bool(doc.get("pinned")) and any(entry["updated_at"] for entry in doc.get("entries", [])),
        seconds=60,
    )


def open_reader(browser: Any, stack: Any, width: int = 1280, height: int = 900) -> Any:
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    page.goto(f"{stack.cdn}/?blog={DEMO_SLUG}")
    page.wait_for_selector("body[data-ready='true']", timeout=15_000)
    return page


def shown_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all("#stream article.entry", "els => els.map(e => e.dataset.entryId)")


def test_the_page_shows_the_demo_story_with_photos_pinned_and_key_events(
    browser: Any, stack: Any, demo: Any
) -> None:
    # When a reader opens the page
    page = open_reader(browser, stack)

    # Then it shows the story as latest.json has it: headline, every entry newest first, the pin
    assert page.inner_text("h1#headline") == demo["blog"]["title"]
    assert page.get_attribute("#status", "data-status") == "live"
    assert shown_ids(page) == [entry["id"] for entry in demo["entries"]]
    assert page.get_attribute("#pinned article.entry", "data-entry-id") == demo["pinned"]["id"]
    key_events = page.eval_on_selector_all(
        "#key-events a[data-entry-id]", "els => els.map(e => e.dataset.entryId)"
    )
    assert key_events == [event["id"] for event in demo["key_events"]]
    assert page.locator("ul#key-points li").count() == len(demo["blog"]["key_points"])
    # And every photo with its caption and credit, from the srcset the snapshot gives
    photos = [block for entry in demo["entries"] for block in entry["blocks"] if block["type"] == "photo"]
    assert photos, "the demo story has photos"
    captions = page.locator("#stream figure.photo .photo__caption").all_inner_texts()
    credits = page.locator("#stream figure.photo .photo__credit").all_inner_texts()
    for photo in photos:
        assert photo["caption"] in captions
        assert any(photo["credit"] in credit for credit in credits)
    first_image = page.locator("#stream figure.photo img").first
    assert first_image.get_attribute("srcset")
    assert first_image.get_attribute("alt") is not None
    # And the corrected entry says so
    corrected = [entry["id"] for entry in demo["entries"] if entry["updated_at"]]
    assert corrected
    for entry_id in corrected:
        assert (
            page.locator(
                f"#stream article.entry--updated[data-entry-id='{entry_id}'] .entry__updated"
            ).count()
            == 1
        )
    assert page.errors == []

    # And screenshots are saved, wide and phone-sized
    OUTPUT.mkdir(parents=True, exist_ok=True)
    # A full-page screenshot does not scroll, so lazy images below the fold would stay blank.
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(img => { img.loading = 'eager'; })")
    page.wait_for_function("[...document.images].every(img => img.complete && img.naturalWidth > 0)")
    page.screenshot(path=str(OUTPUT / "reader-page.png"), full_page=True)
    phone = open_reader(browser, stack, width=375, height=812)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375  # nothing sideways at phone width
    phone.screenshot(path=str(OUTPUT / "reader-page-phone.png"), full_page=True)
    phone.close()
    page.close()


def test_a_key_event_jumps_to_its_entry(browser: Any, stack: Any, demo: Any) -> None:
    page = open_reader(browser, stack)
    target = demo["key_events"][-1]["id"]
    page.click(f"#key-events a[data-entry-id='{target}']")
    page.wait_for_function(
        "id => document.activeElement?.closest(`#stream article[data-entry-id='${id}']`)",
        arg=target,
    )
    assert page.locator(f"#stream article[data-entry-id='{target}']").is_visible()
    page.close()


def test_new_corrected_and_deleted_entries_show_without_a_reload(browser: Any, stack: Any, demo: Any) -> None:
    # Given a reader at the top of the page
    page = open_reader(browser, stack)
    editor = stack.session("editor")
    blog_id = demo["blog"]["id"]

    # When an editor posts an entry, it appears at the top within one polling interval (~10 s)
    posted = editor.post(
        f"{stack.api}/blogs/{blog_id}/entries",
        json={"title": "Wheelchair race: course record falls", "status": "published"},
        timeout=5,
    ).json()
    page.wait_for_function(
        "id => document.querySelector('#stream article.entry')?.dataset.entryId === id",
        arg=posted["id"],
        timeout=15_000,
    )

    # When the editor corrects it, the page updates it in place and marks it updated
    entry_url = f"{stack.api}/blogs/{blog_id}/entries/{posted['id']}"
    editor.patch(
        entry_url,
        json={"title": "Wheelchair race: course record falls by 41 s"},
        headers={"If-Match": '"1"'},
        timeout=5,
    )
    stack.wait_for(lambda: latest(stack), lambda doc: doc["entries"][0]["updated_at"] is not None)
    page.evaluate("window.liveblog.pollNow()")
    updated = page.locator(f"#stream article[data-entry-id='{posted['id']}']")
    assert "by 41 s" in updated.inner_text()
    assert "entry--updated" in (updated.get_attribute("class") or "")

    # When the editor deletes it, it disappears
    editor.delete(entry_url, headers={"If-Match": '"2"'}, timeout=5)
    stack.wait_for(lambda: latest(stack), lambda doc: posted["id"] not in [e["id"] for e in doc["entries"]])
    page.evaluate("window.liveblog.pollNow()")
    assert page.locator(f"#stream article[data-entry-id='{posted['id']}']").count() == 0
    assert (
        shown_ids(page)[: len(demo["entries"])]
        == [e["id"] for e in latest(stack)["entries"]][: len(demo["entries"])]
    )

    # Given a reader who scrolled down, a new entry waits behind a "new updates" bar
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    waiting = editor.post(
        f"{stack.api}/blogs/{blog_id}/entries",
        json={"title": "Last finishers welcomed home", "status": "published"},
        timeout=5,
    ).json()
    stack.wait_for(lambda: latest(stack), lambda doc: doc["entries"][0]["id"] == waiting["id"])
    page.evaluate("window.liveblog.pollNow()")
    bar = page.locator("button#new-updates")
    bar.wait_for(state="visible", timeout=5_000)
    assert "1 new update" in bar.inner_text()
    assert waiting["id"] not in shown_ids(page)
    bar.click()
    page.wait_for_function("() => window.scrollY < 50")
    assert shown_ids(page)[0] == waiting["id"]
    assert page.errors == []
    page.close()


def test_a_minute_of_idle_polling_costs_only_not_modified_answers(
    browser: Any, stack: Any, demo: Any
) -> None:
    # Given a reader on a story where nothing changes, with the page's clock under the test's
    # control: a minute of page time passes in a second or two, and the cadence is exact
    page = browser.new_page()
    page.clock.install()
    polls: list[dict[str, Any]] = []

    def record(response: Any) -> None:
        if "/latest.json" in response.url:
            sizes = response.request.sizes()
            polls.append(
                {
                    "status": response.status,
                    "bytes": sizes["responseBodySize"] + sizes["responseHeadersSize"],
                    "request_bytes": sizes["requestHeadersSize"],
                }
            )

    def is_poll(response: Any) -> bool:
        return "/latest.json" in response.url

    # (listening from the start, so the first load's own fetch is counted as the load's, not a poll's)
    page.on("response", record)
    page.goto(f"{stack.cdn}/?blog={DEMO_SLUG}")
    page.wait_for_selector("body[data-ready='true']", timeout=15_000)
    del polls[:]

    # The clock stands still from here on but when the test moves it; first, to the next poll
    page.clock.pause_at(page.evaluate("Date.now()") + 50)
    with page.expect_response(is_poll, timeout=10_000):
        page.clock.run_for(10_000)
    page.evaluate("() => window.liveblog.settled()")
    page.wait_for_timeout(500)
    del polls[:]

    # When a minute passes, a second at a time, each poll's second noted by the page's own count
    # (the test hears of responses a moment late; a fetch finishes while the clock stands still)
    def requests() -> int:
        return int(page.evaluate("() => window.liveblog.stats.requests"))

    seconds: list[int] = []
    for second in range(1, 61):
        before = requests()
        page.clock.run_for(1_000)
        page.evaluate("() => window.liveblog.settled()")
        seconds += [second] * (requests() - before)
    page.wait_for_timeout(500)

    # Then the page polled once every 10 s, and every answer was a bodiless 304
    total = sum(poll["bytes"] + poll["request_bytes"] for poll in polls)
    report = {
        "page_seconds": 60,
        "polls": len(polls),
        "bytes": total,
        "statuses": [p["status"] for p in polls],
    }
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "idle-polling.json").write_text(json.dumps(report, indent=2))
    print(f"idle polling: {report}")
    assert [b - a for a, b in itertools.pairwise(seconds)] == [10] * 5, (seconds, report)
    assert len(polls) == 6, report
    assert all(poll["status"] == 304 for poll in polls), report
    assert total < 10_000, report
    page.close()


def test_without_javascript_the_page_says_where_the_updates_are(browser: Any, stack: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{stack.cdn}/?blog={DEMO_SLUG}")
    assert "JavaScript" in page.inner_text("body")
    context.close()
