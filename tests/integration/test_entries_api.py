"""Entries through the admin handler: posting, correcting, scheduling, deleting, listing."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from liveblog import clock
from liveblog.logic.entries import publish_due_entries
from liveblog.settings import content_settings
from liveblog.storage.retention import EXPIRES_AT


@pytest.fixture
def blog(api: Any) -> dict[str, Any]:
    return api.go_live(api.create_blog())


def entry_url(blog: dict[str, Any], entry: dict[str, Any]) -> str:
    return f"/blogs/{blog['id']}/entries/{entry['id']}"


def test_posting_an_entry_returns_it_sanitised_with_location_and_sequence(
    api: Any, blog: dict[str, Any]
) -> None:
    # Given a photo uploaded to the blog
    photo = api.request(
        "POST",
        f"/blogs/{blog['id']}/photos",
        {"filename": "sea-wall.jpg", "content_type": "image/jpeg", "byte_size": 90_000},
    ).body["photo"]

    # When an editor posts an entry with every kind of block
    response = api.request(
        "POST",
        f"/blogs/{blog['id']}/entries",
        {
            "title": "Landfall near Cape Merrow",
            "status": "published",
            "key_event": True,
            "blocks": [
                {
                    "type": "paragraph",
                    "html": '<p>Winds of <strong>140 km/h</strong> <a href="https://example.org/map">map</a></p>',
                },
                {"type": "heading", "text": "  What we know  "},
                {"type": "quote", "text": "Stay indoors.", "attribution": "Fire chief Ana Lindqvist"},
                {"type": "list", "ordered": True, "items": ["Schools closed", "<em>Buses</em> halted"]},
                {
                    "type": "photo",
                    "photo_id": photo["id"],
                    "caption": "Waves at the sea wall",
                },
                {
                    "type": "embed",
                    "url": "https://www.youtube.com/watch?v=abc123",
                    "caption": "From the pier",
                },
            ],
        },
    )

    # Then it is published now, cleaned, numbered 1, and found at Location
    assert response.status == 201, response.body
    entry = response.body
    assert entry["status"] == "published"
    assert entry["seq"] == 1
    assert entry["version"] == 1
    assert entry["published_at"]
    assert entry["updated_at"] is None
    assert entry["key_event"] is True
    paragraph, heading, _, listing, _, embed = entry["blocks"]
    assert paragraph["html"] == (
        'Winds of <strong>140 km/h</strong> <a href="https://example.org/map" rel="noopener noreferrer nofollow">map</a>'
    )
    assert heading["text"] == "What we know"
    assert listing["items"] == ["Schools closed", "<em>Buses</em> halted"]
    assert embed["provider"] == "youtube"
    assert api.request("GET", response.headers["Location"]).body == entry


def test_a_draft_is_not_published_until_an_editor_publishes_it(api: Any, blog: dict[str, Any]) -> None:
    draft = api.post_entry(blog["id"], status="draft", title="Holding copy")
    assert draft["published_at"] is None

    published = api.request(
        "PATCH", entry_url(blog, draft), {"status": "published"}, headers={"If-Match": '"1"'}
    )

    assert published.body["status"] == "published"
    assert published.body["published_at"]
    assert published.body["updated_at"] is None  # publishing is not a correction


def test_correcting_a_published_entry_marks_it_updated(api: Any, blog: dict[str, Any]) -> None:
    entry = api.post_entry(blog["id"], title="Three injured")

    corrected = api.request(
        "PATCH", entry_url(blog, entry), {"title": "Two injured"}, headers={"If-Match": '"1"'}
    )
    flagged = api.request("PATCH", entry_url(blog, entry), {"key_event": True}, headers={"If-Match": '"2"'})

    assert corrected.status == 200
    assert corrected.body["title"] == "Two injured"
    assert corrected.body["version"] == 2
    assert corrected.body["updated_at"]
    assert corrected.body["published_at"] == entry["published_at"]
    assert flagged.body["key_event"] is True
    assert flagged.body["updated_at"] == corrected.body["updated_at"]


def test_a_published_entry_cannot_go_back_to_draft(api: Any, blog: dict[str, Any]) -> None:
    entry = api.post_entry(blog["id"], title="Out")

    response = api.request("PATCH", entry_url(blog, entry), {"status": "draft"}, headers={"If-Match": '"1"'})

    assert response.status == 409
    assert "delete it" in response.body["error"]["message"]


def test_deleting_keeps_a_tombstone_that_cannot_be_edited(api: Any, blog: dict[str, Any]) -> None:
    entry = api.post_entry(blog["id"], title="Wrong town named")

    deleted = api.request("DELETE", entry_url(blog, entry), headers={"If-Match": '"1"'})
    edit = api.request("PATCH", entry_url(blog, entry), {"title": "x"}, headers={"If-Match": '"2"'})
    again = api.request("DELETE", entry_url(blog, entry), headers={"If-Match": '"2"'})

    assert deleted.status == 200
    assert deleted.body["status"] == "deleted"
    assert deleted.body["deleted_at"]
    assert deleted.etag == '"2"'
    assert edit.status == 409
    assert again.status == 409
    listed = api.request("GET", f"/blogs/{blog['id']}/entries", query={"status": "deleted"}).body["items"]
    assert [item["id"] for item in listed] == [entry["id"]]


def stored_entry(content_table: Any, blog: dict[str, Any], entry: dict[str, Any]) -> Any:
    return content_table.get_item(Key={"PK": f"BLOG#{blog['id']}", "SK": f"ENTRY#{entry['id']}"})["Item"]


@pytest.mark.parametrize(("setting", "days"), [(None, 30), ("7", 7)])
def test_a_deleted_entry_expires_after_the_retention_period(
    api: Any,
    blog: dict[str, Any],
    content_table: Any,
    monkeypatch: pytest.MonkeyPatch,
    setting: Any,
    days: int,
) -> None:
    # Given the retention the template sets (30 days by default, DeletedEntryRetentionDays), a
    # published entry, a draft, and an entry an editor deletes
    if setting is not None:
        monkeypatch.setenv("LIVEBLOG_DELETED_ENTRY_RETENTION_DAYS", setting)
    content_settings.cache_clear()
    kept = api.post_entry(blog["id"], title="Roads reopen")
    draft = api.post_entry(blog["id"], title="Unconfirmed", status="draft")
    entry = api.post_entry(blog["id"], title="Wrong town named")

    # When the entry is deleted
    deleted = api.request("DELETE", entry_url(blog, entry), headers={"If-Match": '"1"'})
    content_settings.cache_clear()

    # Then its tombstone carries the TTL attribute the table expires items by: the retention after
    # its deletion, in epoch seconds; entries that are not deleted carry none
    deleted_at = datetime.fromisoformat(deleted.body["deleted_at"])
    expected = int((deleted_at + timedelta(days=days)).timestamp())
    assert stored_entry(content_table, blog, entry)[EXPIRES_AT] == expected
    assert EXPIRES_AT not in stored_entry(content_table, blog, kept)
    assert EXPIRES_AT not in stored_entry(content_table, blog, draft)


def test_entries_of_an_archived_blog_are_frozen(api: Any, blog: dict[str, Any]) -> None:
    entry = api.post_entry(blog["id"], title="Final update")
    ended = api.request(
        "PATCH", f"/blogs/{blog['id']}", {"status": "ended"}, headers={"If-Match": '"2"'}
    ).body
    api.request(
        "PATCH", f"/blogs/{blog['id']}", {"status": "archived"}, headers={"If-Match": f'"{ended["version"]}"'}
    )

    create = api.request("POST", f"/blogs/{blog['id']}/entries", {"title": "Too late"})
    edit = api.request("PATCH", entry_url(blog, entry), {"title": "x"}, headers={"If-Match": '"1"'})

    assert create.status == 409
    assert edit.status == 409
    assert api.request("GET", entry_url(blog, entry)).body == entry


def test_publication_numbers_follow_publishing_not_creation(api: Any, blog: dict[str, Any]) -> None:
    # Given a draft written first and an entry published after it
    draft = api.post_entry(blog["id"], status="draft", title="Embargoed until noon")
    first_out = api.post_entry(blog["id"], title="Breaking")
    assert draft["pub_seq"] is None
    assert first_out["pub_seq"] == 1

    # When the draft is published, then corrected
    published = api.request(
        "PATCH", entry_url(blog, draft), {"status": "published"}, headers={"If-Match": '"1"'}
    ).body
    corrected = api.request(
        "PATCH", entry_url(blog, draft), {"title": "Embargo lifted"}, headers={"If-Match": '"2"'}
    ).body

    # Then it is second in publication order, and keeps that number
    assert (published["seq"], published["pub_seq"]) == (1, 2)
    assert corrected["pub_seq"] == 2
    listed = api.request("GET", f"/blogs/{blog['id']}/entries", query={"status": "published"}).body["items"]
    assert [item["id"] for item in listed] == [draft["id"], first_out["id"]]


def test_sequence_numbers_count_up_per_blog(api: Any, blog: dict[str, Any]) -> None:
    other = api.create_blog()

    seqs = [api.post_entry(blog["id"], title=f"n{n}")["seq"] for n in range(3)]
    other_seq = api.post_entry(other["id"], title="first")["seq"]

    assert seqs == [1, 2, 3]
    assert other_seq == 1


def test_listing_entries_newest_first_with_cursors_and_status(api: Any, blog: dict[str, Any]) -> None:
    # Given seven entries, two of them drafts
    created = [
        api.post_entry(blog["id"], title=f"Update {n}", status="draft" if n in (1, 4) else "published")
        for n in range(7)
    ]

    # When listed three at a time
    pages, cursor = [], None
    while True:
        page = api.request(
            "GET",
            f"/blogs/{blog['id']}/entries",
            query={"limit": "3", **({"cursor": cursor} if cursor else {})},
        ).body
        pages.append([item["seq"] for item in page["items"]])
        cursor = page["next_cursor"]
        if not cursor:
            break

    # Then all come back once, newest first; filtering by status pages the same way
    assert [seq for page in pages for seq in page] == [7, 6, 5, 4, 3, 2, 1]
    assert all(len(page) <= 3 for page in pages)
    published = api.request(
        "GET", f"/blogs/{blog['id']}/entries", query={"status": "published", "limit": "4"}
    ).body
    assert [item["seq"] for item in published["items"]] == [7, 6, 4, 3]
    rest = api.request(
        "GET",
        f"/blogs/{blog['id']}/entries",
        query={"status": "published", "cursor": published["next_cursor"]},
    ).body
    assert [item["seq"] for item in rest["items"]] == [1]
    assert len(created) == 7


def test_listing_entries_of_a_missing_blog_is_404(api: Any) -> None:
    response = api.request("GET", "/blogs/01JDQ5V7Z8YB6T3M2W4K9C1E0F/entries")

    assert response.status == 404


class TestScheduling:
    def test_a_future_publish_at_schedules_and_the_sweeper_publishes_on_time(
        self, api: Any, blog: dict[str, Any], run_scheduler: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        now = datetime.now(UTC)
        at = now + timedelta(minutes=30)

        # Given an entry published for 30 minutes from now
        entry = api.post_entry(blog["id"], title="Press conference at noon", publish_at=at.isoformat())
        assert entry["status"] == "scheduled"
        assert entry["published_at"] is None

        # When the sweeper runs before the time, then after it
        early = run_scheduler()
        monkeypatch.setattr(clock, "utcnow", lambda: at + timedelta(seconds=5))
        late = run_scheduler()
        again = run_scheduler()

        # Then it is published once, at the scheduled time
        assert early == {"published": 0}
        assert late == {"published": 1}
        assert again == {"published": 0}
        published = api.request("GET", entry_url(blog, entry)).body
        assert published["status"] == "published"
        assert published["version"] == 2
        assert published["published_at"] == entry["publish_at"]

    def test_rescheduling_and_unscheduling(
        self, api: Any, blog: dict[str, Any], store: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        now = datetime.now(UTC)
        entry = api.post_entry(
            blog["id"], title="Embargoed", publish_at=(now + timedelta(hours=1)).isoformat()
        )

        # When the time moves later, the first time passes and nothing happens
        moved = api.request(
            "PATCH",
            entry_url(blog, entry),
            {"publish_at": (now + timedelta(hours=3)).isoformat()},
            headers={"If-Match": '"1"'},
        ).body
        assert moved["status"] == "scheduled"
        assert publish_due_entries(store, now + timedelta(hours=2)) == []

        # When an editor turns it back into a draft, its time passing publishes nothing
        draft = api.request(
            "PATCH", entry_url(blog, entry), {"status": "draft"}, headers={"If-Match": '"2"'}
        ).body
        assert draft["status"] == "draft"
        assert publish_due_entries(store, now + timedelta(hours=4)) == []

        # When it is scheduled for a time already past, it publishes at once
        monkeypatch.setattr(clock, "utcnow", lambda: now)
        out = api.request(
            "PATCH",
            entry_url(blog, entry),
            {"status": "scheduled", "publish_at": (now - timedelta(minutes=1)).isoformat()},
            headers={"If-Match": '"3"'},
        ).body
        assert out["status"] == "published"
