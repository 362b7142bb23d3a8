"""The renderer fed with real moto stream records, shaped as Lambda's event source mapping delivers them."""

import json
import time
from typing import Any

import boto3
import pytest

from liveblog.rendering.documents import PAGE_SIZE
from liveblog_local.ttl import TtlSweeper


def test_a_published_entry_reaches_latest_json_and_drafts_never_do(api: Any, render: Any) -> None:
    # Given a live blog with a published entry and a draft
    blog = api.go_live(api.create_blog(key_points=["Ferries suspended"]))
    out = api.post_entry(blog["id"], title="Harbour wall breached", key_event=True)
    api.post_entry(blog["id"], status="draft", title="Unconfirmed: bridge down")

    # When the stream batch is rendered
    result = render()

    # Then latest.json carries the blog, the entry, the key event and JSON-LD; the draft is nowhere
    assert result == {"batchItemFailures": []}
    latest = render.json(f"v1/blogs/{blog['slug']}/latest.json")
    assert latest["blog"]["key_points"] == ["Ferries suspended"]
    assert [entry["id"] for entry in latest["entries"]] == [out["id"]]
    assert [event["id"] for event in latest["key_events"]] == [out["id"]]
    assert latest["json_ld"]["@type"] == "LiveBlogPosting"
    assert latest["json_ld"]["liveBlogUpdate"][0]["headline"] == "Harbour wall breached"
    assert "Unconfirmed" not in render.everything()
    stored = render.object(f"v1/blogs/{blog['slug']}/latest.json")
    assert stored["ContentType"] == "application/json; charset=utf-8"
    assert "max-age=5" in stored["CacheControl"]
    entry_doc = render.json(f"v1/blogs/{blog['slug']}/entries/{out['id']}.json")
    assert entry_doc["entry"]["title"] == "Harbour wall breached"


def test_versions_only_go_up_and_duplicates_converge(api: Any, render: Any) -> None:
    # Given a rendered batch, and a later one
    blog = api.go_live(api.create_blog())
    api.post_entry(blog["id"], title="One")
    first_batch = render.batch()
    render(first_batch)
    api.post_entry(blog["id"], title="Two")
    render()
    latest_two = render.json(f"v1/blogs/{blog['slug']}/latest.json")

    # When the first batch is delivered again, late
    replay = render(first_batch)

    # Then the snapshot still shows the truth, at a higher version
    latest = render.json(f"v1/blogs/{blog['slug']}/latest.json")
    assert replay == {"batchItemFailures": []}
    assert [entry["title"] for entry in latest["entries"]] == ["Two", "One"]
    assert latest["version"] > latest_two["version"]


def test_full_pages_are_archived_immutably_and_a_takedown_leaves_no_trace(api: Any, render: Any) -> None:
    # Given a blog with more than two pages of entries
    blog = api.go_live(api.create_blog())
    posted = [api.post_entry(blog["id"], title=f"Update {n}") for n in range(2 * PAGE_SIZE + 3)]
    render()
    latest = render.json(f"v1/blogs/{blog['slug']}/latest.json")
    assert len(latest["entries"]) == PAGE_SIZE
    assert [page["number"] for page in latest["pages"]] == [1, 0]
    page_zero = render.object(latest["pages"][1]["url"].lstrip("/"))
    assert "immutable" in page_zero["CacheControl"]

    # When an entry in the oldest page is deleted
    victim = posted[3]
    api.request(
        "PATCH",
        f"/blogs/{blog['id']}/entries/{victim['id']}",
        {"title": "Secret source named"},
        headers={"If-Match": '"1"'},
    )
    render()
    api.request("DELETE", f"/blogs/{blog['id']}/entries/{victim['id']}", headers={"If-Match": '"2"'})
    result = render()

    # Then no object in the bucket still holds its text, and latest links the rewritten page
    assert result == {"batchItemFailures": []}
    assert "Secret source named" not in render.everything()
    assert '"Update 3"' not in render.everything()
    assert victim["id"] not in render.everything()
    after = render.json(f"v1/blogs/{blog['slug']}/latest.json")
    assert after["pages"][1]["url"] != latest["pages"][1]["url"]
    page = render.json(after["pages"][1]["url"].lstrip("/"))
    assert victim["id"] not in [entry["id"] for entry in page["entries"]]


def test_a_poison_record_fails_alone(api: Any, render: Any) -> None:
    # Given a real batch with a malformed record in the middle
    blog = api.go_live(api.create_blog())
    api.post_entry(blog["id"], title="Fine")
    event = render.batch()
    poison = {"eventID": "bad", "eventName": "MODIFY", "dynamodb": {"SequenceNumber": "999999999"}}
    event["Records"].insert(1, poison)

    # When it is rendered
    result = render(event)

    # Then only that record is reported, and the blog still publishes
    assert result == {"batchItemFailures": [{"itemIdentifier": "999999999"}]}
    latest = render.json(f"v1/blogs/{blog['slug']}/latest.json")
    assert [entry["title"] for entry in latest["entries"]] == ["Fine"]


def _items_read(client: Any) -> Any:
    counted = {"items": 0, "key_event_queries": 0}

    def count_key_event_queries(params: dict[str, Any], **_: Any) -> None:
        partition = params.get("ExpressionAttributeValues", {}).get(":pk", {}).get("S", "")
        counted["key_event_queries"] += partition.endswith("#KEY")

    def count(parsed: dict[str, Any], **_: Any) -> None:
        if "Count" in parsed:
            counted["items"] += parsed["Count"]
        elif "Responses" in parsed:
            counted["items"] += sum(len(items) for items in parsed["Responses"].values())
        elif "Item" in parsed:
            counted["items"] += 1

    client.meta.events.register("after-call.dynamodb", count)
    client.meta.events.register("before-parameter-build.dynamodb.Query", count_key_event_queries)
    return counted


@pytest.mark.parametrize("size", [10, 400])
def test_one_new_entry_costs_the_same_whatever_the_blog_size(
    api: Any, render: Any, seed_published: Any, size: int
) -> None:
    # Given a live blog already holding `size` published entries, one in 25 a key event, rendered once
    from liveblog.rendering import stream as stream_module

    blog = api.go_live(api.create_blog())
    seed_published(blog["id"], size, key_events=range(1, size + 1, 25))
    api.post_entry(blog["id"], title="Warm-up")
    while render.pending():
        render()
    renderer = stream_module.renderer()
    puts_before = renderer.snapshots.puts
    counted = _items_read(renderer.content._client)

    # When one more entry is posted and rendered
    api.post_entry(blog["id"], title="One more")
    render()

    # Then it costs a handful of writes and about one page of reads, at any size
    puts = renderer.snapshots.puts - puts_before
    assert puts <= 3, puts
    assert counted["items"] <= PAGE_SIZE + 5, counted
    assert renderer.snapshots.invalidations == []
    latest = render.json(f"v1/blogs/{blog['slug']}/latest.json")
    assert latest["entries"][0]["title"] == "One more"
    assert len(latest["pages"]) == (size + 2) // PAGE_SIZE
    assert len(latest["key_events"]) == len(range(1, size + 1, 25))


def test_the_key_event_timeline_follows_edits_takedowns_and_unmarking_without_rereading_it(
    api: Any, render: Any
) -> None:
    # Given a live blog with three key events and an ordinary entry, rendered
    from liveblog.rendering import stream as stream_module

    blog = api.go_live(api.create_blog())
    first = api.post_entry(blog["id"], title="Storm warning issued", key_event=True)
    second = api.post_entry(blog["id"], title="Ferries suspended", key_event=True)
    third = api.post_entry(blog["id"], title="Harbour wall breached", key_event=True)
    ordinary = api.post_entry(blog["id"], title="Rain easing in the west")
    render()
    client = stream_module.renderer().content._client
    counted = _items_read(client)

    def timeline() -> list[tuple[str, str]]:
        latest = render.json(f"v1/blogs/{blog['slug']}/latest.json")
        return [(event["id"], event["title"]) for event in latest["key_events"]]

    assert timeline() == [
        (third["id"], "Harbour wall breached"),
        (second["id"], "Ferries suspended"),
        (first["id"], "Storm warning issued"),
    ]

    # When one is retitled, one stops being a key event, one is deleted and another becomes one
    def patch(entry: dict[str, Any], body: dict[str, Any]) -> None:
        response = api.request(
            "PATCH",
            f"/blogs/{blog['id']}/entries/{entry['id']}",
            body,
            headers={"If-Match": f'"{entry["version"]}"'},
        )
        assert response.status == 200, response.body

    patch(first, {"title": "Storm warning raised to red"})
    patch(second, {"key_event": False})
    patch(ordinary, {"key_event": True})
    deleted = api.request(
        "DELETE", f"/blogs/{blog['id']}/entries/{third['id']}", headers={"If-Match": f'"{third["version"]}"'}
    )
    assert deleted.status == 200, deleted.body
    render()

    # Then the timeline shows exactly that, and no render read the key events from the table
    assert timeline() == [
        (ordinary["id"], "Rain easing in the west"),
        (first["id"], "Storm warning raised to red"),
    ]
    assert counted["key_event_queries"] == 0, counted


def test_a_key_event_the_index_has_not_caught_up_with_is_still_kept_on_the_first_render(
    api: Any, render: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a blog with a key event that the key-event index does not list yet (a global secondary
    # index is eventually consistent) and a page of entries after it, rendered for the first time
    from liveblog.storage.content import ContentStore

    blog = api.go_live(api.create_blog())
    scoop = api.post_entry(blog["id"], title="Harbour wall breached", key_event=True)
    for n in range(PAGE_SIZE):
        api.post_entry(blog["id"], title=f"Update {n}")
    with monkeypatch.context() as lagging:
        lagging.setattr(ContentStore, "published_key_events", lambda self, blog_id: [])
        render()
    first = render.json(f"v1/blogs/{blog['slug']}/latest.json")

    # When the index has caught up and an ordinary entry is rendered, the key event now older than
    # the newest page and untouched
    api.post_entry(blog["id"], title="Rain easing")
    render()

    # Then the key event was shown from the first render on, and stays
    latest = render.json(f"v1/blogs/{blog['slug']}/latest.json")
    assert [event["id"] for event in first["key_events"]] == [scoop["id"]]
    assert [event["id"] for event in latest["key_events"]] == [scoop["id"]]


def test_a_timeline_too_big_for_the_render_state_is_read_from_the_table_each_time(
    api: Any, render: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a render state that can hold no key events at all
    from liveblog.rendering import renderer as renderer_module
    from liveblog.rendering import stream as stream_module

    monkeypatch.setattr(renderer_module, "MAX_KEPT_KEY_EVENT_BYTES", 0)
    blog = api.go_live(api.create_blog())
    event = api.post_entry(blog["id"], title="Storm warning issued", key_event=True)
    render()
    counted = _items_read(stream_module.renderer().content._client)

    # When an ordinary entry is posted
    api.post_entry(blog["id"], title="Rain easing")
    render()

    # Then the key events were read again, and shown
    latest = render.json(f"v1/blogs/{blog['slug']}/latest.json")
    assert [e["id"] for e in latest["key_events"]] == [event["id"]]
    assert counted["key_event_queries"] == 1, counted


def test_a_batch_of_many_changes_to_one_blog_renders_it_once(api: Any, render: Any) -> None:
    from liveblog.rendering import stream as stream_module

    blog = api.go_live(api.create_blog())
    api.post_entry(blog["id"], title="First")
    render()
    renderer = stream_module.renderer()
    before = render.json(f"v1/blogs/{blog['slug']}/latest.json")["version"]
    puts_before = renderer.snapshots.puts
    for n in range(30):
        api.post_entry(blog["id"], title=f"Burst {n}")

    render()

    after = render.json(f"v1/blogs/{blog['slug']}/latest.json")
    assert after["version"] == before + 1
    # latest.json, one full page, and the 30 new entries' own documents
    assert renderer.snapshots.puts - puts_before == 1 + 1 + 30


def test_takedown_invalidates_exactly_the_removed_paths_and_routine_changes_none(
    api: Any, distribution: str, render: Any
) -> None:
    # Given a CloudFront distribution in front of the bucket
    cloudfront = boto3.client("cloudfront")
    blog = api.go_live(api.create_blog())
    entry = api.post_entry(blog["id"], title="Named the wrong person")
    render()
    api.request(
        "PATCH",
        f"/blogs/{blog['id']}/entries/{entry['id']}",
        {"title": "Named a person"},
        headers={"If-Match": '"1"'},
    )
    render()
    assert (
        cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"].get("Quantity", 0) == 0
    )

    # When the entry is deleted
    api.request("DELETE", f"/blogs/{blog['id']}/entries/{entry['id']}", headers={"If-Match": '"2"'})
    render()

    # Then one invalidation names exactly the entry's document
    invalidations = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]["Items"]
    assert len(invalidations) == 1
    detail = cloudfront.get_invalidation(DistributionId=distribution, Id=invalidations[0]["Id"])
    assert detail["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == [
        f"/v1/blogs/{blog['slug']}/entries/{entry['id']}.json"
    ]


def test_the_sample_stream_event_renders(api: Any, render: Any, store: Any, sample_event: Any) -> None:
    # Given the blog and entry that events/stream-batch.json names
    from datetime import UTC, datetime

    from liveblog.models import Blog, BlogStatus, Entry, EntryStatus
    from liveblog.models.common import Author

    now = datetime(2026, 11, 28, 14, 5, tzinfo=UTC)
    author = Author(id="7d3c1f4e-0000-4000-8000-000000000001", name="Eda Harbour")
    blog_id, entry_id = "01JDQ5V7Z8YB6T3M2W4K9C1E0F", "01JDQ6A3R4S5T6V7W8X9Y0Z1AB"
    store.create_blog(
        Blog(id=blog_id, slug="harbour-city-marathon", title="Harbour City Marathon: live", status=BlogStatus.LIVE,
             coverage_start_at=now, created_by=author, created_at=now, updated_at=now, version=2)
    )  # fmt: skip
    store.create_entry(
        blog_id,
        lambda seq, pub_seq: Entry(
            id=entry_id, blog_id=blog_id, seq=seq, pub_seq=pub_seq, status=EntryStatus.PUBLISHED,
            title="And they're off", key_event=True, author=author, created_at=now, published_at=now, version=1,
        ),
        publishing=True,
    )  # fmt: skip

    # When the sample batch is delivered as Lambda would
    result = render(sample_event("stream-batch"))

    # Then it renders the blog with the entry
    assert result == {"batchItemFailures": []}
    latest = render.json("v1/blogs/harbour-city-marathon/latest.json")
    assert [entry["id"] for entry in latest["entries"]] == [entry_id]
    assert [event["id"] for event in latest["key_events"]] == [entry_id]


def test_entries_published_while_the_blog_was_a_draft_get_their_documents_when_it_goes_live(
    api: Any, render: Any
) -> None:
    # Given a draft blog prepared with published entries, one a key event (drafts are never rendered)
    blog = api.create_blog(title="Election night: live results")
    prepared = [
        api.post_entry(blog["id"], title=f"Polls close in district {n}", key_event=n == 1) for n in (1, 2)
    ]
    render()
    published = render.keys()
    assert not [key for key in published if key.startswith(f"v1/blogs/{blog['slug']}/")]

    # When it goes live
    blog = api.go_live(blog)
    render()

    # Then every entry latest.json shows, and every key event it lists, has its document
    latest = render.json(f"v1/blogs/{blog['slug']}/latest.json")
    links = {entry["url"] for entry in latest["entries"]} | {event["url"] for event in latest["key_events"]}
    assert links == {f"/v1/blogs/{blog['slug']}/entries/{entry['id']}.json" for entry in prepared}
    for url in links:
        assert render.json(url.lstrip("/"))["entry"]["id"] in url


def snapshot_objects(render: Any) -> dict[str, bytes]:
    names = render.keys()
    return {name: render.object(name)["Body"].read() for name in names}


def test_a_tombstone_removed_by_ttl_changes_nothing_readers_see(
    api: Any, render: Any, tables: dict[str, str], content_table: Any
) -> None:
    # Given a published entry that an editor deleted, and the render that took it down
    blog = api.go_live(api.create_blog())
    kept = api.post_entry(blog["id"], title="Roads reopen")
    gone = api.post_entry(blog["id"], title="Wrong town named")
    api.request("DELETE", f"/blogs/{blog['id']}/entries/{gone['id']}", headers={"If-Match": '"1"'})
    render()
    published = snapshot_objects(render)

    # When the retention has passed and TTL removes the tombstone (the local stack's sweep does
    # what DynamoDB does), and the renderer gets the removal from the stream
    a_month_on = time.time() + 31 * 24 * 3600
    purged = TtlSweeper([tables["ContentTable"]], clock=lambda: a_month_on).sweep()
    result = render()

    # Then the deleted text is gone from the table, and every snapshot is exactly as it was
    assert purged == 1
    assert result == {"batchItemFailures": []}
    assert "Wrong town named" not in json.dumps(content_table.scan()["Items"], default=str)
    assert snapshot_objects(render) == published
    assert api.request("GET", f"/blogs/{blog['id']}/entries/{gone['id']}").status == 404
    assert api.request("GET", f"/blogs/{blog['id']}/entries/{kept['id']}").status == 200


# ---------------------------------------------------------------- a deleted blog's documents


def documents_under(render: Any, prefix: str) -> list[str]:
    every = render.keys()
    return [key for key in every if key.startswith(prefix)]


def invalidated_paths(distribution: str) -> list[list[str]]:
    cloudfront = boto3.client("cloudfront")
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"].get("Items", [])
    return [
        cloudfront.get_invalidation(DistributionId=distribution, Id=item["Id"])["Invalidation"][
            "InvalidationBatch"
        ]["Paths"]["Items"]
        for item in listed
    ]


def retire(api: Any, blog: dict[str, Any]) -> dict[str, Any]:
    """End and archive a live blog, as an editor would before deleting it."""
    for status in ("ended", "archived"):
        response = api.request(
            "PATCH", f"/blogs/{blog['id']}", {"status": status}, headers={"If-Match": f'"{blog["version"]}"'}
        )
        assert response.status == 200, response.body
        blog = response.body
    return blog


def delete_blog(api: Any, blog: dict[str, Any]) -> None:
    response = api.request("DELETE", f"/blogs/{blog['id']}", headers={"If-Match": f'"{blog["version"]}"'})
    assert response.status == 204, response.body


def test_deleting_a_blog_removes_its_documents_and_a_new_blog_on_its_slug_continues_its_version(
    api: Any,
    distribution: str,
    render: Any,
    seed_published: Any,
    render_all: Any,
    content_table: Any,
    slug: str,
) -> None:
    # Given a blog that was live with an archived page, entry documents and a key event, then
    # archived; everything rendered behind a CDN
    old = api.go_live(api.create_blog(slug=slug))
    seed_published(old["id"], PAGE_SIZE + 3, key_events=[2])
    render_all()
    render.skip()
    old = retire(api, old)
    render()
    prefix = f"v1/blogs/{slug}/"
    published = documents_under(render, prefix)
    old_version = render.json(f"{prefix}latest.json")["version"]
    assert len(published) == 1 + 1 + PAGE_SIZE + 3  # latest.json, one page, the entry documents

    # When it is deleted and the stream rendered
    delete_blog(api, old)
    result = render()

    # Then nothing is left under its URLs, the CDN was told to forget all of them, the index does
    # not list it, and neither its render state nor its slug is held any more
    assert result == {"batchItemFailures": []}
    assert documents_under(render, prefix) == []
    assert invalidated_paths(distribution) == [[f"/{prefix}*"]]
    assert slug not in json.dumps(render.json("v1/index.json"))
    assert "Item" not in content_table.get_item(Key={"PK": f"BLOG#{old['id']}", "SK": "RENDER"})

    # When a new blog takes the slug and publishes
    new = api.go_live(api.create_blog(slug=slug, title="Storm over Port Avalon, again"))
    fresh = api.post_entry(new["id"], title="A second storm")
    render()

    # Then its latest.json continues past the old version, and links only its own documents
    latest = render.json(f"{prefix}latest.json")
    assert latest["version"] > old_version
    assert [entry["id"] for entry in latest["entries"]] == [fresh["id"]]
    assert documents_under(render, prefix) == [
        f"{prefix}entries/{fresh['id']}.json",
        f"{prefix}latest.json",
    ]


def test_a_replayed_deletion_record_never_touches_the_next_blog_on_the_slug(
    api: Any, render: Any, slug: str
) -> None:
    # Given a deleted blog whose documents the renderer removed, and a new blog on its slug, published
    old = api.go_live(api.create_blog(slug=slug))
    api.post_entry(old["id"], title="First storm")
    render()
    old = retire(api, old)
    render()
    delete_blog(api, old)
    deletion = render.batch()
    assert render(deletion) == {"batchItemFailures": []}
    new = api.go_live(api.create_blog(slug=slug))
    api.post_entry(new["id"], title="Second storm")
    render()
    before = {key: render.json(key) for key in documents_under(render, f"v1/blogs/{slug}/")}

    # When the stream delivers the deletion again
    assert render(deletion) == {"batchItemFailures": []}

    # Then the new blog's documents are all still there, unchanged
    assert {key: render.json(key) for key in documents_under(render, f"v1/blogs/{slug}/")} == before
    assert before


def test_a_slug_whose_documents_are_not_yet_removed_cannot_be_claimed(
    api: Any, render: Any, slug: str
) -> None:
    # Given a live-then-archived blog, deleted, whose deletion the renderer has not yet seen
    old = api.go_live(api.create_blog(slug=slug))
    render()
    delete_blog(api, retire(api, old))

    # When an editor creates a blog, or renames a draft, to that slug
    created = api.request("POST", "/blogs", {"slug": slug, "title": "Too soon"})
    draft = api.create_blog()
    renamed = api.request("PATCH", f"/blogs/{draft['id']}", {"slug": slug}, headers={"If-Match": '"1"'})

    # Then both are told to retry shortly; once the renderer has removed the documents, it works
    for refused in (created, renamed):
        assert refused.status == 409, refused.body
        assert refused.body["error"]["code"] == "slug_being_released"
    render()
    assert api.request("POST", "/blogs", {"slug": slug, "title": "Now"}).status == 201


def test_an_archived_blog_that_never_went_live_publishes_nothing(
    api: Any, render: Any, content_table: Any
) -> None:
    # Given a draft prepared with embargoed entries (published, as they will be at launch), one of
    # them a key event, and an editor setting its coverage start by hand
    blog = api.create_blog(title="Merger announcement")
    embargoed = [api.post_entry(blog["id"], title=f"Embargoed {n}", key_event=n == 1) for n in (1, 2)]
    blog = api.request(
        "PATCH",
        f"/blogs/{blog['id']}",
        {"coverage_start_at": "2026-11-28T09:00:00Z"},
        headers={"If-Match": '"1"'},
    ).body

    # When the story is dropped: archived straight from draft, and rendered
    archived = api.request(
        "PATCH", f"/blogs/{blog['id']}", {"status": "archived"}, headers={"If-Match": f'"{blog["version"]}"'}
    )
    assert archived.status == 200, archived.body
    assert render() == {"batchItemFailures": []}

    # Then nothing of it is public: no latest.json, no entry document at its guessable URL
    assert archived.body["first_live_at"] is None
    assert documents_under(render, f"v1/blogs/{blog['slug']}/") == []
    assert not any(entry["id"] in render.everything() for entry in embargoed)
    assert "Item" not in content_table.get_item(Key={"PK": f"BLOG#{blog['id']}", "SK": "RENDER"})


def test_a_blog_that_went_live_stays_published_once_archived(api: Any, render: Any) -> None:
    # Given a blog that went live with an entry and ended
    blog = api.go_live(api.create_blog())
    entry = api.post_entry(blog["id"], title="Final whistle")
    render()

    # When it is archived
    archived = retire(api, blog)
    render()

    # Then readers still find it, marked archived, with its entry
    latest = render.json(f"v1/blogs/{blog['slug']}/latest.json")
    assert archived["first_live_at"] == blog["first_live_at"] is not None
    assert latest["blog"]["status"] == "archived"
    assert [e["id"] for e in latest["entries"]] == [entry["id"]]
