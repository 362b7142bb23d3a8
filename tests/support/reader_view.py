"""What readers find on the CDN for each blog of a write-path model, checked against the model."""

import json
from typing import Any

from support.snapshots import linked_keys
from support.write_model import BlogModel, Model

RENDERED = ("live", "ended", "archived")
LATEST_SIZE = 20


class ReaderView:
    def __init__(self, s3: Any, bucket: str, model: Model) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.model = model

    def documents(self, slug: str) -> dict[str, Any]:
        found = {}
        prefix = f"v1/blogs/{slug}/"
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                body = self.s3.get_object(Bucket=self.bucket, Key=item["Key"])["Body"].read()
                found[item["Key"]] = json.loads(body)
        return found

    def check(self) -> None:
        held = {blog.slug for blog in self.model.blogs.values()}
        for slug in self.model.released.keys() - held:
            documents = self.documents(slug)
            assert not documents, f"a deleted blog's documents are still public: {sorted(documents)}"
        for blog in self.model.blogs.values():
            self.check_blog(blog)

    def check_blog(self, blog: BlogModel) -> None:
        documents = self.documents(blog.slug)
        latest_key = f"v1/blogs/{blog.slug}/latest.json"
        if blog.status not in RENDERED or not blog.went_live:
            assert not documents, f"a {blog.status} blog is public: {sorted(documents)}"
            return
        latest = documents[latest_key]
        # The version only goes up under one URL, across the blogs that held the slug too
        if blog.rendered:
            assert latest["version"] >= blog.last_version, (latest["version"], blog.last_version)
        else:
            assert latest["version"] > blog.last_version, (latest["version"], blog.last_version)
        blog.last_version, blog.rendered = latest["version"], True
        # Every document latest.json links exists, and so does what its pages link
        reachable = linked_keys(latest_key, latest)
        for key in [key for key in reachable if "/pages/" in key]:
            reachable |= linked_keys(key, documents[key])
        assert reachable <= documents.keys(), sorted(reachable - documents.keys())
        self.check_stream(blog, latest, documents)
        self.check_key_events_and_pin(blog, latest)
        # Nothing unpublished is anywhere: drafts, scheduled, deleted, an earlier blog's entries
        text = "".join(str(document) for document in documents.values())
        released = self.model.released.get(blog.slug)
        hidden = self.model.hidden(blog.id) | (released.entry_ids if released else set())
        leaked = {entry_id for entry_id in hidden if entry_id in text}
        assert not leaked, f"unpublished entries are public: {leaked}"

    def check_stream(self, blog: BlogModel, latest: Any, documents: dict[str, Any]) -> None:
        expected = self.model.published(blog.id)
        # Newest publication first, the newest 20 in latest.json
        assert [e["id"] for e in latest["entries"]] == [e.id for e in expected[:LATEST_SIZE]]
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
