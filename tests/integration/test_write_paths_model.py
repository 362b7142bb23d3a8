"""Every write path together, against a model of what readers and editors should see.

Hypothesis drives random sequences through the real handlers on moto: blogs created (on a fresh
slug or one a deleted blog left), taken live, ended, reopened, archived and deleted; entries posted
as drafts, published or scheduled, corrected, published by PATCH or by the scheduler under a clock
the test moves, marked and unmarked as key events, rescheduled, pinned, deleted; photos asked for by
editors and contributors, files sent to their upload forms and processed by the media function,
re-captioned and deleted. After every step the stream is rendered and the snapshots are compared
with the model the machine keeps by itself (tests/support/write_model.py, reader_view.py).

`make test` runs a bounded, derandomised pass; `make fuzz` a long random one (LIVEBLOG_MODEL_RANDOM=1,
LIVEBLOG_MODEL_EXAMPLES, LIVEBLOG_MODEL_STEPS). New capabilities add their rules to `WritePaths` and
what they mean to `Model`.
"""

import io
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from PIL import Image

from liveblog import clock
from liveblog_local.functions import LambdaContext, load_handler
from support.moto_state import empty_buckets, empty_tables
from support.reader_view import ReaderView
from support.write_model import BlogModel, EntryModel, Model, PhotoModel

# The bounded run finds a scheduled key event freezing its blog (the first bug it caught).
EXAMPLES = int(os.environ.get("LIVEBLOG_MODEL_EXAMPLES", 12))
STEPS = int(os.environ.get("LIVEBLOG_MODEL_STEPS", 30))
DETERMINISTIC = "LIVEBLOG_MODEL_RANDOM" not in os.environ
START = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
MEDIA_BUCKET = "mediabucket"
MOVES = {"draft": ("live", "archived"), "live": ("ended",), "ended": ("live", "archived"), "archived": ()}
TITLES = st.sampled_from(
    ["Ferries suspended", "Shelters open", "Polls close", "Runners reach the bridge", None]
)


def small_jpeg(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (40, 90, shade)).save(out, "JPEG", quality=80)
    return out.getvalue()


FILES = {"photo": small_jpeg(160), "another photo": small_jpeg(60), "not an image": b"%PDF-1.7 minutes"}


class WritePaths(RuleBasedStateMachine):
    api: Any
    render: Any
    scheduler: Any
    media: Any
    reset: Any
    bucket: str
    clock: list[datetime]

    def __init__(self) -> None:
        super().__init__()
        self.reset()
        self.model = Model()
        self.s3 = boto3.client("s3")
        self.readers = ReaderView(self.s3, self.bucket, self.model)
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

    def call(
        self, method: str, path: str, body: Any = None, version: int | None = None, **options: Any
    ) -> Any:
        headers = {"If-Match": f'"{version}"'} if version is not None else None
        return self.api.request(method, path, body, headers=headers, **options)

    def blocks(self, photo: PhotoModel | None) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = [{"type": "paragraph", "html": "Gusts reach <b>110 km/h</b>."}]
        if photo is not None:
            blocks.append({"type": "photo", "photo_id": photo.id})
        return blocks

    # ------------------------------------------------------------------ blogs

    @initialize()
    def a_live_blog_awaits_two_photos_and_a_review(self) -> None:
        """Every sequence starts where most of a newsroom's stories do: live, with a contributor's and
        an editor's photo on their way and the contributor's draft showing theirs, awaiting review.
        Deeper states (a form closed by a publication, a photo in use) are then a few steps away."""
        self._create_blog(f"model-{os.urandom(6).hex()}", live=True)
        blog = next(iter(self.model.blogs.values()))
        self._ask_for_upload(blog, by_editor=False)
        self._ask_for_upload(blog, by_editor=True)
        photo = next(photo for photo in self.model.photos.values() if not photo.asked_by_editor)
        body = {"status": "draft", "title": "Roofs off on Quay Street", "blocks": self.blocks(photo)}
        response = self.call("POST", f"/blogs/{blog.id}/entries", body, role="contributor", user="stringer-7")
        assert response.status == 201, response.body
        draft = EntryModel(response.body["id"], blog.id, "draft", body["title"], False, 1, (photo.id,))
        self.model.entries[draft.id] = draft

    @rule(data=st.data(), live=st.booleans(), reuse=st.booleans())
    def create_blog(self, data: st.DataObject, live: bool, reuse: bool) -> None:
        held = {blog.slug for blog in self.model.blogs.values()}
        free = sorted(self.model.released.keys() - held)
        slug = data.draw(st.sampled_from(free)) if reuse and free else f"model-{os.urandom(6).hex()}"
        self._create_blog(slug, live)

    def _create_blog(self, slug: str, live: bool) -> None:
        body = {"slug": slug, "title": "Storm watch", "status": "live" if live else "draft"}
        response = self.call("POST", "/blogs", body)
        assert response.status == 201, response.body
        created = response.body
        blog = BlogModel(created["id"], slug, created["status"], created["version"], went_live=live)
        if slug in self.model.released:
            blog.last_version = self.model.released[slug].last_version
        self.model.blogs[blog.id] = blog

    @precondition(lambda self: self.model.blogs)
    @rule(data=st.data())
    def delete_blog(self, data: st.DataObject) -> None:
        blog = self.pick(data, self.model.blogs)
        response = self.call("DELETE", f"/blogs/{blog.id}", version=blog.version)
        if blog.status not in ("draft", "archived"):
            assert response.status == 409, response.body
            return
        assert response.status == 204, response.body
        self.model.forget(blog)

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
            self.pick(data, self.model.photos, blog_id=(blog.id,), status=("pending", "ready", "rejected"))
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
        if photo is not None and photo.status == "rejected":
            assert response.status == 422, response.body
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
        elif status == "scheduled":
            self.model.shown(entry)
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
        if not self.model.publishable(entry):
            assert response.status == 422, response.body
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
        assert response.body["orphaned_photo_ids"] == self.model.unshown_after_deleting(entry)
        entry.status, entry.version = "deleted", response.body["version"]
        blog = self.model.blogs[entry.blog_id]
        if blog.pinned == entry.id:
            blog.pinned, blog.version = None, blog.version + 1

    # ------------------------------------------------------------------ photos

    @precondition(lambda self: self.model.blogs)
    @rule(data=st.data(), by_editor=st.booleans())
    def ask_for_upload(self, data: st.DataObject, by_editor: bool) -> None:
        self._ask_for_upload(self.pick(data, self.model.blogs), by_editor)

    def _ask_for_upload(self, blog: BlogModel, by_editor: bool) -> None:
        body = {
            "filename": "harbour.jpg",
            "content_type": "image/jpeg",
            "byte_size": 20_000,
            "caption": "Waves over the harbour wall",
            "credit": "Ana Ruiz/Port Avalon Courier",
            "alt": "Grey waves breaking over a stone wall",
        }
        role = {} if by_editor else {"role": "contributor", "user": "stringer-7"}
        response = self.call("POST", f"/blogs/{blog.id}/photos", body, **role)
        if blog.status == "archived":
            assert response.status == 409, response.body
            return
        assert response.status == 201, response.body
        photo, key = response.body["photo"], response.body["upload"]["fields"]["key"]
        self.model.photos[photo["id"]] = PhotoModel(photo["id"], blog.id, key, asked_by_editor=by_editor)

    @precondition(lambda self: self.model.photos)
    @rule(data=st.data(), sent=st.sampled_from(sorted(FILES)))
    def a_file_arrives(self, data: st.DataObject, sent: str) -> None:
        """A file sent to the photo's upload form, processed by the media function: the first file of
        a form still open decides the photo; any later one, or one for a closed form, changes nothing."""
        photo = self.pick(data, self.model.photos)
        accepted = self.model.accepts_file(photo)
        self.media(photo.upload_key, FILES[sent])
        response = self.call("GET", f"/blogs/{photo.blog_id}/photos/{photo.id}")
        if photo.status == "deleted":
            assert response.status == 404, response.body
            return
        if accepted:
            photo.claimed, photo.status = True, "rejected" if sent == "not an image" else "ready"
        assert response.body["status"] == photo.status, (sent, photo, response.body)
        photo.version = response.body["version"]

    @precondition(lambda self: self.model.photos)
    @rule(data=st.data())
    def delete_photo(self, data: st.DataObject) -> None:
        photo = self.pick(data, self.model.photos, status=("pending", "ready", "rejected"))
        if photo is None:
            return
        response = self.call("DELETE", f"/blogs/{photo.blog_id}/photos/{photo.id}", version=photo.version)
        if self.model.blogs[photo.blog_id].status == "archived":
            assert response.status == 409, response.body
        elif showing := self.model.showing(photo.id):
            assert response.status == 409, response.body
            assert response.body["error"]["details"]["entries"] == showing
        else:
            assert response.status == 204, response.body
            photo.status = "deleted"

    @precondition(lambda self: self.model.photos)
    @rule(data=st.data(), caption=st.sampled_from(["Spray over the quay", "The harbour at noon"]))
    def recaption(self, data: st.DataObject, caption: str) -> None:
        photo = self.pick(data, self.model.photos, status=("pending", "ready", "rejected"))
        if photo is None:
            return
        response = self.call(
            "PATCH", f"/blogs/{photo.blog_id}/photos/{photo.id}", {"caption": caption}, photo.version
        )
        if caption != photo.caption and self.model.blogs[photo.blog_id].status == "archived":
            assert response.status == 409, response.body  # a change to nothing is no change: 200
            return
        assert response.status == 200, response.body
        photo.caption, photo.version = caption, response.body["version"]

    # ------------------------------------------------------------------ what readers see

    @invariant()
    def readers_see_what_editors_did(self) -> None:
        while (batch := self.render.batch())["Records"]:
            assert self.render(batch) == {"batchItemFailures": []}
        self.readers.check()


# About a second a step on a busy 2-core machine, render included.
@pytest.mark.timeout(max(240, 2 * EXAMPLES * STEPS))
def test_every_write_path_together_shows_readers_what_editors_did(
    api: Any,
    render: Any,
    run_scheduler: Any,
    sample_event: Any,
    tables: dict[str, str],
    snapshot_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [START]
    handler, s3 = load_handler("media"), boto3.client("s3")

    def reset() -> None:
        """Each sequence starts from empty tables, streams and buckets: what earlier ones left would
        grow moto's memory with every step (a 60 x 50 run was killed at 24 GB)."""
        empty_tables(tables.values())
        empty_buckets([snapshot_bucket, MEDIA_BUCKET])
        render.skip()

    def deliver(key: str, body: bytes) -> None:
        """S3 takes the file, and tells the media function as EventBridge would."""
        s3.put_object(Bucket=MEDIA_BUCKET, Key=key, Body=body, ContentType="image/jpeg")
        event = sample_event("photo-uploaded")
        event["detail"]["bucket"]["name"] = MEDIA_BUCKET
        event["detail"]["object"]["key"] = key
        handler(event, LambdaContext("liveblog-media"))

    monkeypatch.setattr(clock, "utcnow", lambda: now[0])
    machine = type(
        "WritePathsHere",
        (WritePaths,),
        {
            "api": api,
            "render": render,
            "scheduler": staticmethod(run_scheduler),
            "media": staticmethod(deliver),
            "reset": staticmethod(reset),
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
