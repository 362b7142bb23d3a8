"""Every write path together, against a model of what readers and editors should see.

Hypothesis drives random sequences through the real handlers on moto: blogs created, taken live,
ended, reopened, archived; entries posted as drafts, published or scheduled, corrected, published
by PATCH or by the scheduler under a clock the test moves, marked and unmarked as key events,
rescheduled, pinned, deleted; photos uploaded, decided and re-captioned. After every step the
stream is rendered and the snapshots are compared with the model the machine keeps by itself.

`make test` runs a bounded, derandomised pass; `make fuzz` a long random one (LIVEBLOG_MODEL_RANDOM=1,
LIVEBLOG_MODEL_EXAMPLES, LIVEBLOG_MODEL_STEPS). New capabilities add their rules to `WritePaths` and
what they mean to `Model`.
"""

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from tests.conftest import linked_keys

from liveblog import clock
from liveblog.models.common import format_utc

# The bounded run finds a scheduled key event freezing its blog (the first bug it caught).
EXAMPLES = int(os.environ.get("LIVEBLOG_MODEL_EXAMPLES", 12))
STEPS = int(os.environ.get("LIVEBLOG_MODEL_STEPS", 30))
DETERMINISTIC = "LIVEBLOG_MODEL_RANDOM" not in os.environ
START = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
RENDERED = ("live", "ended", "archived")
MOVES = {"draft": ("live", "archived"), "live": ("ended",), "ended": ("live", "archived"), "archived": ()}
TITLES = st.sampled_from(
    ["Ferries suspended", "Shelters open", "Polls close", "Runners reach the bridge", None]
)


@dataclass
class EntryModel:
    id: str
    blog_id: str
    status: str
    title: str | None
    key_event: bool
    version: int
    photo_ids: tuple[str, ...] = ()
    publish_at: datetime | None = None
    order: int | None = None  # the model's own publication counter, per blog


@dataclass
class BlogModel:
    id: str
    slug: str
    status: str
    version: int
    pinned: str | None = None
    published_count: int = 0
    last_version: int = 0  # the highest latest.json version readers have seen
    went_live: bool = False  # a blog that never went live publishes nothing, whatever its status


@dataclass
class PhotoModel:
    id: str
    blog_id: str
    status: str = "pending"
    caption: str = "Waves over the harbour wall"
    version: int = 1


@dataclass
class Model:
    """What editors did, and so what readers should see."""

    blogs: dict[str, BlogModel] = field(default_factory=dict)
    entries: dict[str, EntryModel] = field(default_factory=dict)
    photos: dict[str, PhotoModel] = field(default_factory=dict)

    def publish(self, entry: EntryModel) -> None:
        blog = self.blogs[entry.blog_id]
        blog.published_count += 1
        entry.status, entry.order, entry.publish_at = "published", blog.published_count, None

    def published(self, blog_id: str) -> list[EntryModel]:
        """Newest publication first."""
        shown = [e for e in self.entries.values() if e.blog_id == blog_id and e.status == "published"]
        return sorted(shown, key=lambda entry: entry.order or 0, reverse=True)

    def hidden(self, blog_id: str) -> set[str]:
        return {e.id for e in self.entries.values() if e.blog_id == blog_id and e.status != "published"}

    def due(self, now: datetime) -> list[EntryModel]:
        """What the scheduler publishes, in the order it does: by time, then blog, then entry."""
        due = [
            entry
            for entry in self.entries.values()
            if entry.status == "scheduled"
            and entry.publish_at is not None
            and entry.publish_at <= now
            and self.blogs[entry.blog_id].status != "archived"
        ]
        return sorted(due, key=lambda e: (format_utc(e.publish_at), e.blog_id, e.id))


class WritePaths(RuleBasedStateMachine):
    api: Any
    render: Any
    scheduler: Any
    decide: Any
    bucket: str
    clock: list[datetime]

    def __init__(self) -> None:
        super().__init__()
        self.model = Model()
        self.s3 = boto3.client("s3")
        # Every sequence starts at the same time, so that a failing one replays (and shrinks) alike.
        self.clock[0] = START

    # ------------------------------------------------------------------ helpers

    @property
    def now(self) -> datetime:
        return self.clock[0]

    def pick(self, data: st.DataObject, items: dict[str, Any], **wanted: Any) -> Any:
        choices = sorted(
            (key for key, item in items.items() if all(getattr(item, k) in v for k, v in wanted.items())),
        )
        return items[data.draw(st.sampled_from(choices))] if choices else None

    def call(self, method: str, path: str, body: Any = None, version: int | None = None) -> Any:
        headers = {"If-Match": f'"{version}"'} if version is not None else None
        return self.api.request(method, path, body, headers=headers)

    def blocks(self, photo: PhotoModel | None) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = [{"type": "paragraph", "html": "Gusts reach <b>110 km/h</b>."}]
        if photo is not None:
            blocks.append({"type": "photo", "photo_id": photo.id})
        return blocks

    # ------------------------------------------------------------------ blogs

    @rule(live=st.booleans())
    def create_blog(self, live: bool) -> None:
        response = self.call(
            "POST",
            "/blogs",
            {
                "slug": f"model-{os.urandom(6).hex()}",
                "title": "Storm watch",
                "status": "live" if live else "draft",
            },
        )
        assert response.status == 201, response.body
        body = response.body
        self.model.blogs[body["id"]] = BlogModel(
            body["id"], body["slug"], body["status"], body["version"], went_live=live
        )

    @precondition(lambda self: self.model.blogs)
    @rule(data=st.data(), to=st.sampled_from(["live", "ended", "archived"]))
    def move_blog(self, data: st.DataObject, to: str) -> None:
        blog = self.pick(data, self.model.blogs)
        response = self.call("PATCH", f"/blogs/{blog.id}", {"status": to}, blog.version)
        if to == blog.status:
            assert response.status == 200, response.body
            return
        if to not in MOVES[blog.status]:
            assert response.status == 409, response.body
            return
        assert response.status == 200, response.body
        blog.status, blog.version = to, response.body["version"]
        blog.went_live |= to == "live"

    @precondition(lambda self: self.model.blogs)
    @rule(data=st.data(), unpin=st.booleans())
    def pin(self, data: st.DataObject, unpin: bool) -> None:
        blog = self.pick(data, self.model.blogs)
        entry = None if unpin else self.pick(data, self.model.entries, blog_id=(blog.id,))
        if entry is None and not unpin:
            return
        target = None if entry is None else entry.id
        response = self.call("PATCH", f"/blogs/{blog.id}", {"pinned_entry_id": target}, blog.version)
        if target == blog.pinned:
            assert response.status == 200, response.body
        elif blog.status == "archived" or (entry is not None and entry.status != "published"):
            assert response.status == 409, response.body
        else:
            assert response.status == 200, response.body
            blog.pinned, blog.version = target, response.body["version"]

    # ------------------------------------------------------------------ entries

    @precondition(lambda self: self.model.blogs)
    @rule(
        data=st.data(),
        status=st.sampled_from(["draft", "published", "scheduled", "embargoed"]),
        title=TITLES,
        key_event=st.booleans(),
        ahead=st.integers(1, 120),
        with_photo=st.booleans(),
    )
    def post_entry(
        self,
        data: st.DataObject,
        status: str,
        title: str | None,
        key_event: bool,
        ahead: int,
        with_photo: bool,
    ) -> None:
        blog = self.pick(data, self.model.blogs)
        photo = (
            self.pick(data, self.model.photos, blog_id=(blog.id,), status=("pending", "ready"))
            if with_photo
            else None
        )
        body: dict[str, Any] = {"title": title, "key_event": key_event, "blocks": self.blocks(photo)}
        publish_at = self.now + timedelta(seconds=ahead)
        body["status"] = {"embargoed": "draft", "scheduled": "published"}.get(status, status)
        if status in ("scheduled", "embargoed"):
            body["publish_at"] = publish_at.isoformat()
        response = self.call("POST", f"/blogs/{blog.id}/entries", body)
        if blog.status == "archived":
            assert response.status == 409, response.body
            return
        assert response.status == 201, response.body
        entry = EntryModel(
            id=response.body["id"],
            blog_id=blog.id,
            status="draft" if status == "embargoed" else status,
            title=title,
            key_event=key_event,
            version=1,
            photo_ids=(photo.id,) if photo else (),
            publish_at=publish_at if status in ("scheduled", "embargoed") else None,
        )
        self.model.entries[entry.id] = entry
        if status == "published":
            self.model.publish(entry)
        assert response.body["status"] == entry.status

    @rule(seconds=st.integers(1, 180))
    def time_passes_and_the_scheduler_runs(self, seconds: int) -> None:
        self.clock[0] += timedelta(seconds=seconds)
        due = self.model.due(self.now)
        self.scheduler()
        for entry in due:
            self.model.publish(entry)
            entry.version += 1

    def _patch(self, entry: EntryModel, body: dict[str, Any]) -> Any:
        return self.call("PATCH", f"/blogs/{entry.blog_id}/entries/{entry.id}", body, entry.version)

    def _refused_because_archived(self, entry: EntryModel, response: Any) -> bool:
        if self.model.blogs[entry.blog_id].status == "archived":
            assert response.status == 409, response.body
            return True
        return False

    @precondition(lambda self: self.model.entries)
    @rule(data=st.data(), title=TITLES)
    def correct(self, data: st.DataObject, title: str | None) -> None:
        entry = self.pick(data, self.model.entries, status=("draft", "scheduled", "published"))
        if entry is None:
            return
        response = self._patch(entry, {"title": title})
        if self._refused_because_archived(entry, response):
            return
        assert response.status == 200, response.body
        entry.title, entry.version = title, response.body["version"]

    @precondition(lambda self: self.model.entries)
    @rule(data=st.data())
    def publish_by_patch(self, data: st.DataObject) -> None:
        entry = self.pick(data, self.model.entries, status=("draft", "scheduled"))
        if entry is None:
            return
        response = self._patch(entry, {"status": "published", "publish_at": None})
        if self._refused_because_archived(entry, response):
            return
        assert response.status == 200, response.body
        self.model.publish(entry)
        entry.version = response.body["version"]
        assert response.body["status"] == "published"

    @precondition(lambda self: self.model.entries)
    @rule(data=st.data())
    def toggle_key_event(self, data: st.DataObject) -> None:
        entry = self.pick(data, self.model.entries, status=("draft", "scheduled", "published"))
        if entry is None:
            return
        response = self._patch(entry, {"key_event": not entry.key_event})
        if self._refused_because_archived(entry, response):
            return
        assert response.status == 200, response.body
        entry.key_event, entry.version = not entry.key_event, response.body["version"]

    @precondition(lambda self: self.model.entries)
    @rule(data=st.data(), ahead=st.integers(1, 300))
    def reschedule(self, data: st.DataObject, ahead: int) -> None:
        entry = self.pick(data, self.model.entries, status=("scheduled",))
        if entry is None:
            return
        at = self.now + timedelta(seconds=ahead)
        response = self._patch(entry, {"publish_at": at.isoformat()})
        if self._refused_because_archived(entry, response):
            return
        assert response.status == 200, response.body
        entry.publish_at, entry.version = at, response.body["version"]
        assert response.body["status"] == "scheduled"

    @precondition(lambda self: self.model.entries)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        entry = self.pick(data, self.model.entries, status=("draft", "scheduled", "published"))
        if entry is None:
            return
        response = self.call("DELETE", f"/blogs/{entry.blog_id}/entries/{entry.id}", version=entry.version)
        if self._refused_because_archived(entry, response):
            return
        assert response.status == 200, response.body
        entry.status, entry.version = "deleted", response.body["version"]
        blog = self.model.blogs[entry.blog_id]
        if blog.pinned == entry.id:
            blog.pinned, blog.version = None, blog.version + 1

    # ------------------------------------------------------------------ photos

    @precondition(lambda self: self.model.blogs)
    @rule(data=st.data())
    def upload_photo(self, data: st.DataObject) -> None:
        blog = self.pick(data, self.model.blogs)
        body = {
            "filename": "harbour.jpg",
            "content_type": "image/jpeg",
            "byte_size": 20_000,
            "caption": "Waves over the harbour wall",
            "credit": "Ana Ruiz/Port Avalon Courier",
            "alt": "Grey waves breaking over a stone wall",
        }
        response = self.call("POST", f"/blogs/{blog.id}/photos", body)
        if blog.status == "archived":
            assert response.status == 409, response.body
            return
        assert response.status == 201, response.body
        photo = response.body["photo"]
        self.model.photos[photo["id"]] = PhotoModel(photo["id"], blog.id)

    @precondition(lambda self: self.model.photos)
    @rule(data=st.data(), rejected=st.booleans())
    def photo_decided(self, data: st.DataObject, rejected: bool) -> None:
        photo = self.pick(data, self.model.photos, status=("pending",))
        if photo is None:
            return
        decided = self.decide(photo.blog_id, photo.id, rejected=rejected)
        photo.status, photo.version = decided.status, decided.version

    @precondition(lambda self: self.model.photos)
    @rule(data=st.data(), caption=st.sampled_from(["Spray over the quay", "The harbour at noon"]))
    def recaption(self, data: st.DataObject, caption: str) -> None:
        photo = self.pick(data, self.model.photos)
        response = self.call(
            "PATCH", f"/blogs/{photo.blog_id}/photos/{photo.id}", {"caption": caption}, photo.version
        )
        if self.model.blogs[photo.blog_id].status == "archived":
            assert response.status == 409, response.body
            return
        assert response.status == 200, response.body
        photo.caption, photo.version = caption, response.body["version"]

    # ------------------------------------------------------------------ what readers see

    def documents(self, blog: BlogModel) -> dict[str, Any]:
        prefix = f"v1/blogs/{blog.slug}/"
        found = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                body = self.s3.get_object(Bucket=self.bucket, Key=item["Key"])["Body"].read()
                found[item["Key"]] = json.loads(body)
        return found

    @invariant()
    def readers_see_what_editors_did(self) -> None:
        while (batch := self.render.batch())["Records"]:
            assert self.render(batch) == {"batchItemFailures": []}
        for blog in self.model.blogs.values():
            self.check_blog(blog)

    def check_blog(self, blog: BlogModel) -> None:
        documents = self.documents(blog)
        latest_key = f"v1/blogs/{blog.slug}/latest.json"
        if blog.status not in RENDERED or not blog.went_live:
            assert not documents, f"a {blog.status} blog is public: {sorted(documents)}"
            return
        latest = documents[latest_key]
        # The version only goes up
        assert latest["version"] >= blog.last_version, (latest["version"], blog.last_version)
        blog.last_version = latest["version"]
        # Every document latest.json links exists, and so does what its pages link
        reachable = linked_keys(latest_key, latest)
        for key in [key for key in reachable if "/pages/" in key]:
            reachable |= linked_keys(key, documents[key])
        assert reachable <= documents.keys(), sorted(reachable - documents.keys())
        self.check_stream(blog, latest, documents)
        self.check_key_events_and_pin(blog, latest)
        # Nothing unpublished is anywhere: drafts, scheduled, deleted
        text = "".join(str(document) for document in documents.values())
        leaked = {entry_id for entry_id in self.model.hidden(blog.id) if entry_id in text}
        assert not leaked, f"unpublished entries are public: {leaked}"

    def check_stream(self, blog: BlogModel, latest: Any, documents: dict[str, Any]) -> None:
        expected = self.model.published(blog.id)
        # Newest publication first, the newest 20 in latest.json
        assert [e["id"] for e in latest["entries"]] == [e.id for e in expected[:20]]
        # Every published entry is reachable exactly through latest.json and the pages, once per page
        seen: dict[str, Any] = {entry["id"]: entry for entry in latest["entries"]}
        for link in latest["pages"]:
            page = documents[link["url"].lstrip("/")]
            ids = [entry["id"] for entry in page["entries"]]
            assert len(ids) == len(set(ids))
            seen.update({entry["id"]: entry for entry in page["entries"]})
        assert seen.keys() == {entry.id for entry in expected}
        photos = self.model.photos
        for entry in expected:
            shown = seen[entry.id]
            assert shown.get("title") == entry.title
            ready = [p for p in entry.photo_ids if photos[p].status == "ready"]
            blocks = [block for block in shown["blocks"] if block["type"] == "photo"]
            assert [block["photo_id"] for block in blocks] == ready
            assert [block["caption"] for block in blocks] == [photos[p].caption for p in ready]
            assert f"v1/blogs/{blog.slug}/entries/{entry.id}.json" in documents

    def check_key_events_and_pin(self, blog: BlogModel, latest: Any) -> None:
        expected = [entry.id for entry in self.model.published(blog.id) if entry.key_event]
        assert [event["id"] for event in latest["key_events"]] == expected
        pinned = self.model.entries.get(blog.pinned or "")
        if pinned is not None and pinned.status == "published":
            assert latest["pinned"] is not None
            assert latest["pinned"]["id"] == pinned.id
        else:
            assert latest["pinned"] is None


# About a second a step on a busy 2-core machine, render included.
@pytest.mark.timeout(max(240, 2 * EXAMPLES * STEPS))
def test_every_write_path_together_shows_readers_what_editors_did(
    api: Any,
    render: Any,
    run_scheduler: Any,
    decide: Any,
    snapshot_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [START]
    monkeypatch.setattr(clock, "utcnow", lambda: now[0])
    machine = type(
        "WritePathsHere",
        (WritePaths,),
        {
            "api": api,
            "render": render,
            "scheduler": staticmethod(run_scheduler),
            "decide": staticmethod(decide),
            "bucket": snapshot_bucket,
            "clock": now,
        },
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            derandomize=DETERMINISTIC,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        ),
    )
