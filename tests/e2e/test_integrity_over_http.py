"""Publication and takedown over HTTP against the local stack, as a frontend and an editor would see
them: a scheduled key event, an embargoed draft, a hostile body, a contributor's late upload, a
photo's takedown, a blog's deletion and its slug taken again, a blog archived without going live."""

import io
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
import requests
from PIL import Image

pytestmark = pytest.mark.e2e
GONE = (403, 404)  # what CloudFront in front of a private bucket answers for a missing object


class Desk:
    """An editor and a contributor at work on one stack, and what readers get from its CDN."""

    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.editor, self.contributor = stack.session("editor"), stack.session("contributor")

    def call(
        self, method: str, path: str, body: Any = None, *, version: int | None = None, who: Any = None
    ) -> Any:
        headers = {"If-Match": f'"{version}"'} if version is not None else {}
        session = who or self.editor
        return session.request(method, self.stack.api + path, json=body, headers=headers, timeout=30)

    def blog(self, status: str = "live") -> dict[str, Any]:
        slug = f"storm-{uuid4().hex[:10]}"
        response = self.call(
            "POST", "/blogs", {"slug": slug, "title": "Storm over Port Avalon", "status": status}
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def entry(self, blog: dict[str, Any], who: Any = None, **fields: Any) -> dict[str, Any]:
        body = {
            "status": "published",
            "blocks": [{"type": "paragraph", "html": "Gusts reach 110 km/h."}],
            **fields,
        }
        response = self.call("POST", f"/blogs/{blog['id']}/entries", body, who=who)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def latest(self, slug: str) -> requests.Response:
        return requests.get(f"{self.stack.cdn}/v1/blogs/{slug}/latest.json", timeout=10)

    def cdn(self, path: str) -> requests.Response:
        return requests.get(self.stack.cdn + path, timeout=10)

    def titles_once(self, slug: str, count: int) -> list[str]:
        """The titles readers see, once latest.json shows `count` entries."""
        document = self.stack.wait_for(
            lambda: self.latest(slug), lambda r: r.status_code == 200 and len(r.json()["entries"]) == count
        ).json()
        return [entry["title"] for entry in document["entries"]]

    def photo(self, blog: dict[str, Any], who: Any = None) -> dict[str, Any]:
        """Ask for an upload: the pending photo and its form."""
        body = {
            "filename": "harbour.jpg",
            "content_type": "image/jpeg",
            "byte_size": len(JPEG),
            "caption": "Waves break over the harbour wall.",
            "credit": "Ana Ruiz/Port Avalon Courier",
            "alt": "Grey waves over a stone wall",
        }
        response = self.call("POST", f"/blogs/{blog['id']}/photos", body, who=who)
        assert response.status_code == 201, response.text
        return dict(response.json())

    @staticmethod
    def send(upload: dict[str, Any]) -> int:
        form = upload["upload"]
        files = {"file": ("harbour.jpg", JPEG, "image/jpeg")}
        return requests.post(form["url"], data=form["fields"], files=files, timeout=30).status_code


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 400), (40, 90, 160)).save(out, "JPEG")
    return out.getvalue()


JPEG = _jpeg()


@pytest.fixture(scope="module")
def desk(stack: Any) -> Desk:
    return Desk(stack)


def test_a_scheduled_key_event_comes_out_in_order_and_the_blog_keeps_updating(desk: Desk) -> None:
    # Given a live blog with an entry, and a key event scheduled a few seconds ahead
    blog = desk.blog()
    desk.entry(blog, title="Ferries suspended")
    at = (datetime.now(UTC) + timedelta(seconds=3)).isoformat()
    briefing = desk.entry(blog, title="Press briefing", key_event=True, publish_at=at)
    assert briefing["status"] == "scheduled"

    # When its time has passed, the scheduler has published it, and another entry is posted
    desk.stack.wait_for(
        lambda: desk.call("GET", f"/blogs/{blog['id']}/entries/{briefing['id']}").json(),
        lambda body: body["status"] == "published",
    )
    desk.entry(blog, title="Shelters open")

    # Then readers see all three by publication, and the key event on the timeline
    assert desk.titles_once(blog["slug"], 3) == ["Shelters open", "Press briefing", "Ferries suspended"]
    document = desk.latest(blog["slug"]).json()
    assert [event["id"] for event in document["key_events"]] == [briefing["id"]]


def test_an_embargoed_draft_published_later_comes_out_on_top(desk: Desk) -> None:
    # Given a draft under embargo, then two published entries
    blog = desk.blog()
    embargoed = desk.entry(
        blog,
        status="draft",
        title="Results embargoed",
        publish_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat(),
    )
    desk.entry(blog, title="Polls close")
    desk.entry(blog, title="Counting begins")

    # When an editor lifts the embargo
    published = desk.call(
        "PATCH",
        f"/blogs/{blog['id']}/entries/{embargoed['id']}",
        {"status": "published", "publish_at": None},
        version=1,
    )

    # Then it is the newest publication readers see
    assert published.status_code == 200, published.text
    assert desk.titles_once(blog["slug"], 3) == ["Results embargoed", "Counting begins", "Polls close"]


def test_a_pathological_body_is_refused_as_fast_as_an_ordinary_one(desk: Desk) -> None:
    # Given two 48 KB bodies: ordinary JSON, and brackets then a string that never closes, its
    # quotes all escaped (each quote once started a regex scan to the end: seconds of CPU)
    blog = desk.blog()
    url = f"{desk.stack.api}/blogs/{blog['id']}/entries"
    bodies = {
        "ordinary": json.dumps({"title": "x" * 47_900}),
        "pathological": "[" * 40 + '"' + '\\"x' * 16_000,
    }

    # When each is sent (the best of three, against a busy machine's noise)
    spent: dict[str, float] = {}
    for name, body in bodies.items():
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            answer = desk.editor.post(
                url, data=body, headers={"content-type": "application/json"}, timeout=60
            )
            timings.append(time.perf_counter() - started)
            assert answer.status_code in (400, 422), answer.text
        spent[name] = min(timings)

    # Then the hostile one costs no more than a few ordinary ones
    assert spent["pathological"] < 5 * spent["ordinary"], spent


def test_a_contributors_file_sent_after_publication_never_reaches_readers(desk: Desk) -> None:
    # Given a contributor's draft showing their pending photo, published by an editor
    blog = desk.blog()
    upload = desk.photo(blog, who=desk.contributor)
    photo_id = upload["photo"]["id"]
    draft = desk.entry(
        blog, who=desk.contributor, status="draft", blocks=[{"type": "photo", "photo_id": photo_id}]
    )
    published = desk.call(
        "PATCH", f"/blogs/{blog['id']}/entries/{draft['id']}", {"status": "published"}, version=1
    )
    assert published.status_code == 200, published.text

    # When the contributor sends a file with the form they still hold (S3 takes it)
    assert desk.send(upload) == 204
    time.sleep(3)  # the media function has been told; it would have decided by now

    # Then the photo stays pending and readers never see it
    assert desk.call("GET", f"/blogs/{blog['id']}/photos/{photo_id}").json()["status"] == "pending"
    assert photo_id not in desk.latest(blog["slug"]).text


def test_a_photo_taken_down_leaves_the_cdn(desk: Desk) -> None:
    # Given a ready photo shown by a published entry
    blog = desk.blog()
    upload = desk.photo(blog)
    photo_id = upload["photo"]["id"]
    assert desk.send(upload) == 204
    photo = desk.stack.wait_for(
        lambda: desk.call("GET", f"/blogs/{blog['id']}/photos/{photo_id}").json(),
        lambda body: body["status"] == "ready",
        seconds=30,
    )
    shown = desk.entry(blog, title="The harbour at noon", blocks=[{"type": "photo", "photo_id": photo_id}])
    src = desk.stack.wait_for(
        lambda: [b.get("src") for e in desk.latest(blog["slug"]).json()["entries"] for b in e["blocks"]],
        lambda sources: any(sources),
    )[0]
    assert desk.cdn(src).status_code == 200

    # When an editor tries to delete it, takes the entry down, then deletes it
    in_use = desk.call("DELETE", f"/blogs/{blog['id']}/photos/{photo_id}", version=photo["version"])
    taken_down = desk.call("DELETE", f"/blogs/{blog['id']}/entries/{shown['id']}", version=1)
    deleted = desk.call("DELETE", f"/blogs/{blog['id']}/photos/{photo_id}", version=photo["version"])

    # Then the first is refused while it is in use, the takedown names it, and its files are gone
    assert in_use.status_code == 409, in_use.text
    assert in_use.json()["error"]["details"]["entries"] == [shown["id"]]
    assert taken_down.json()["orphaned_photo_ids"] == [photo_id]
    assert deleted.status_code == 204, deleted.text
    assert desk.cdn(src).status_code in GONE


def test_a_deleted_blogs_documents_go_and_its_slug_continues_past_its_version(desk: Desk) -> None:
    # Given a live blog with entries, ended and archived
    blog = desk.blog()
    old = desk.entry(blog, title="Ferries suspended")
    for status in ("ended", "archived"):
        blog = desk.call("PATCH", f"/blogs/{blog['id']}", {"status": status}, version=blog["version"]).json()
    last = desk.stack.wait_for(
        lambda: desk.latest(blog["slug"]).json(), lambda doc: doc.get("blog", {}).get("status") == "archived"
    )["version"]

    # When it is deleted, and a new blog takes its slug and posts
    assert desk.call("DELETE", f"/blogs/{blog['id']}", version=blog["version"]).status_code == 204
    desk.stack.wait_for(lambda: desk.latest(blog["slug"]).status_code, lambda status: status in GONE)
    claim = {"slug": blog["slug"], "title": "A second storm", "status": "live"}
    second = desk.stack.wait_for(
        lambda: desk.call("POST", "/blogs", claim), lambda response: response.status_code == 201
    ).json()
    desk.entry(second, title="A second storm reaches the coast")

    # Then nothing of the old blog is public, and the URL's version went on from where it was
    document = desk.stack.wait_for(
        lambda: desk.latest(blog["slug"]), lambda response: response.status_code == 200
    ).json()
    assert document["version"] > last
    assert old["id"] not in json.dumps(document)
    assert desk.cdn(f"/v1/blogs/{blog['slug']}/entries/{old['id']}.json").status_code in GONE


def test_a_blog_archived_without_going_live_publishes_nothing(desk: Desk) -> None:
    # Given a draft blog with a published entry
    blog = desk.blog(status="draft")
    secret = desk.entry(blog, title="Embargoed result")

    # When it is archived without ever going live
    archived = desk.call("PATCH", f"/blogs/{blog['id']}", {"status": "archived"}, version=1)
    time.sleep(3)  # the renderer has had the change

    # Then nothing of it is on the CDN
    assert archived.status_code == 200, archived.text
    assert desk.latest(blog["slug"]).status_code in GONE
    assert desk.cdn(f"/v1/blogs/{blog['slug']}/entries/{secret['id']}.json").status_code in GONE
