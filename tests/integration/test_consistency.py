"""Writes that race other writes, or die half way, leave the table consistent."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from liveblog import clock
from liveblog.errors import IllegalTransitionError, NotFoundError, ThrottledError
from liveblog.logic import blogs as blog_logic
from liveblog.models import Entry, EntryStatus
from liveblog.models.common import Author
from liveblog.storage.content import ContentStore


def if_match(version: int) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}


def entries_in(content_table: Any, blog_id: str) -> list[Any]:
    return content_table.query(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :entry)",
        ExpressionAttributeValues={":pk": f"BLOG#{blog_id}", ":entry": "ENTRY#"},
    )["Items"]


def build_entry(blog_id: str, before: Any = None) -> Any:
    def build(seq: int, pub_seq: int | None) -> Entry:
        if before:
            before()
        now = datetime.now(UTC)
        return Entry(
            id=f"01JDQ9{seq:020d}",
            blog_id=blog_id,
            seq=seq,
            pub_seq=pub_seq,
            status=EntryStatus.PUBLISHED,
            title="Late arrival",
            author=Author(id="e", name="E"),
            created_at=now,
            published_at=now,
            version=1,
        )

    return build


def test_a_blog_archived_while_an_entry_is_created_gets_no_entry(
    api: Any, store: ContentStore, content_table: Any
) -> None:
    # Given a blog that an editor archives just after a create took its number
    blog = api.create_blog()

    def archive():
        return api.request("PATCH", f"/blogs/{blog['id']}", {"status": "archived"}, headers=if_match(1))

    # When the create writes its entry
    with pytest.raises(IllegalTransitionError):
        store.create_entry(blog["id"], build_entry(blog["id"], before=archive), publishing=True)

    # Then the archived blog holds no entry
    assert entries_in(content_table, blog["id"]) == []


def test_a_blog_deleted_while_an_entry_is_created_leaves_no_orphan(
    api: Any, store: ContentStore, content_table: Any
) -> None:
    blog = api.create_blog()
    delete = lambda: api.request("DELETE", f"/blogs/{blog['id']}", headers=if_match(1))  # noqa: E731

    with pytest.raises(NotFoundError):
        store.create_entry(blog["id"], build_entry(blog["id"], before=delete), publishing=True)

    assert entries_in(content_table, blog["id"]) == []


def test_a_blog_delete_cut_short_can_be_retried_to_finish(
    api: Any, content_table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a draft blog with entries, and a delete whose sweep fails half way
    blog = api.create_blog()
    for n in range(30):
        api.post_entry(blog["id"], title=f"n{n}")
    real_batch_delete = ContentStore._batch_delete
    calls = {"n": 0}

    def failing_after_first_batch(self: ContentStore, keys: list[Any]) -> None:
        calls["n"] += 1
        if calls["n"] > 1:
            raise ThrottledError("simulated timeout mid-sweep")
        real_batch_delete(self, keys)

    monkeypatch.setattr(ContentStore, "_batch_delete", failing_after_first_batch)
    cut_short = api.request("DELETE", f"/blogs/{blog['id']}", headers=if_match(1))

    # Then the blog is still there, with its remaining entries, and the same delete finishes the job
    assert cut_short.status == 429
    assert api.request("GET", f"/blogs/{blog['id']}").status == 200
    assert 0 < len(entries_in(content_table, blog["id"])) < 30
    # ... and meanwhile it is read-only: no entry, no edit lands in it
    posted = api.request("POST", f"/blogs/{blog['id']}/entries", {"blocks": [], "title": "Late"})
    edited = api.request("PATCH", f"/blogs/{blog['id']}", {"title": "Renamed"}, headers=if_match(1))
    for refused in (posted, edited):
        assert refused.status == 409, refused.body
        assert refused.body["error"]["code"] == "blog_being_deleted"
    monkeypatch.setattr(ContentStore, "_batch_delete", real_batch_delete)
    assert api.request("DELETE", f"/blogs/{blog['id']}", headers=if_match(1)).status == 204
    assert entries_in(content_table, blog["id"]) == []


def test_an_entry_created_while_the_sweep_runs_does_not_outlive_its_blog(
    api: Any, content_table: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a draft blog with an entry, and an editor posting another just after the delete's sweep
    # read the blog's entries
    blog = api.create_blog()
    api.post_entry(blog["id"], title="Prepared")
    real_batch_delete = ContentStore._batch_delete
    late: list[Any] = []

    def post_during_the_sweep(self: ContentStore, keys: list[Any]) -> None:
        real_batch_delete(self, keys)
        if not late:
            late.append(api.request("POST", f"/blogs/{blog['id']}/entries", {"title": "Late", "blocks": []}))

    monkeypatch.setattr(ContentStore, "_batch_delete", post_during_the_sweep)

    # When the blog is deleted
    deleted = api.request("DELETE", f"/blogs/{blog['id']}", headers=if_match(1))

    # Then the blog is gone and no entry is left behind it: the late post was refused
    assert deleted.status == 204
    assert late[0].status == 409, late[0].body
    assert api.request("GET", f"/blogs/{blog['id']}").status == 404
    assert entries_in(content_table, blog["id"]) == []


def test_deleting_a_blog_takes_its_scheduled_entries_out_of_the_schedule(
    api: Any, store: ContentStore, content_table: Any
) -> None:
    # Given a draft blog with an entry scheduled for later
    blog = api.create_blog()
    at = datetime.now(UTC) + timedelta(minutes=10)
    api.post_entry(blog["id"], title="Embargo lifts", publish_at=at.isoformat())
    assert [b for b, _ in store.due_scheduled_entries(at + timedelta(minutes=1))] == [blog["id"]]

    # When the blog is deleted
    assert api.request("DELETE", f"/blogs/{blog['id']}", headers=if_match(1)).status == 204

    # Then the scheduler has nothing of it to read
    assert list(store.due_scheduled_entries(at + timedelta(minutes=1))) == []


def test_the_scheduler_cleans_away_a_scheduled_entry_whose_blog_is_gone(
    api: Any, store: ContentStore, content_table: Any, run_scheduler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a scheduled entry left behind by a blog deleted before deletes were marked
    blog = api.create_blog()
    at = datetime.now(UTC) + timedelta(minutes=10)
    entry = api.post_entry(blog["id"], title="Orphan", publish_at=at.isoformat())
    content_table.delete_item(Key={"PK": f"BLOG#{blog['id']}", "SK": "BLOG"})

    # When its time comes, and the scheduler runs twice
    monkeypatch.setattr(clock, "utcnow", lambda: at + timedelta(minutes=1))
    results = [run_scheduler(), run_scheduler()]

    # Then nothing is published, and the entry is gone from the table and from the schedule
    assert results == [{"published": 0}, {"published": 0}]
    assert "Item" not in content_table.get_item(
        Key={"PK": f"BLOG#{blog['id']}", "SK": f"ENTRY#{entry['id']}"}
    )
    assert list(store.due_scheduled_entries(at + timedelta(minutes=1))) == []


def test_pinning_an_entry_deleted_meanwhile_is_refused(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a published entry that another editor deletes right after our pin checked it
    blog = api.go_live(api.create_blog())
    entry = api.post_entry(blog["id"], title="Soon gone")
    real_check = blog_logic._check_pinnable

    def check_then_lose_the_race(store: Any, blog_id: str, entry_id: str) -> None:
        real_check(store, blog_id, entry_id)
        api.request("DELETE", f"/blogs/{blog_id}/entries/{entry_id}", headers=if_match(1))

    monkeypatch.setattr(blog_logic, "_check_pinnable", check_then_lose_the_race)

    # When the pin is written
    response = api.request(
        "PATCH", f"/blogs/{blog['id']}", {"pinned_entry_id": entry["id"]}, headers=if_match(2)
    )

    # Then it is refused and the blog pins nothing
    assert response.status == 409
    assert api.request("GET", f"/blogs/{blog['id']}").body["pinned_entry_id"] is None


def test_deleting_with_a_stale_view_of_the_pin_still_unpins(
    api: Any, store: ContentStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a pinned entry, and a delete that first reads the blog as it was before the pin
    blog = api.go_live(api.create_blog())
    entry = api.post_entry(blog["id"], title="Pinned")
    api.request("PATCH", f"/blogs/{blog['id']}", {"pinned_entry_id": entry["id"]}, headers=if_match(2))
    real_read = ContentStore.get_blog_and_entry
    reads = {"n": 0}

    def stale_first_read(self: ContentStore, blog_id: str, entry_id: str) -> Any:
        fetched_blog, fetched_entry = real_read(self, blog_id, entry_id)
        reads["n"] += 1
        if reads["n"] == 1:
            fetched_blog = fetched_blog.model_copy(update={"pinned_entry_id": None})
        return fetched_blog, fetched_entry

    monkeypatch.setattr(ContentStore, "get_blog_and_entry", stale_first_read)

    # When the entry is deleted
    deleted = api.request("DELETE", f"/blogs/{blog['id']}/entries/{entry['id']}", headers=if_match(1))

    # Then the delete noticed the pin, retried, and removed both together
    assert deleted.status == 200
    assert reads["n"] == 2
    assert api.request("GET", f"/blogs/{blog['id']}").body["pinned_entry_id"] is None


def test_a_published_entry_cannot_be_rescheduled_into_the_future(api: Any) -> None:
    blog = api.go_live(api.create_blog())
    entry = api.post_entry(blog["id"], title="Out now")
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()

    response = api.request(
        "PATCH",
        f"/blogs/{blog['id']}/entries/{entry['id']}",
        {"status": "published", "publish_at": future},
        headers=if_match(1),
    )

    assert response.status == 409
    assert api.request("GET", f"/blogs/{blog['id']}/entries/{entry['id']}").body == entry


def test_the_scheduler_leaves_entries_of_archived_blogs_alone(
    api: Any, run_scheduler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a scheduled entry in a blog that is archived before its time
    blog = api.create_blog()
    at = datetime.now(UTC) + timedelta(minutes=10)
    entry = api.post_entry(blog["id"], title="Never mind", publish_at=at.isoformat())
    api.request("PATCH", f"/blogs/{blog['id']}", {"status": "archived"}, headers=if_match(1))

    # When its time comes
    monkeypatch.setattr(clock, "utcnow", lambda: at + timedelta(minutes=1))
    result = run_scheduler()

    # Then nothing is published
    assert result == {"published": 0}
    assert api.request("GET", f"/blogs/{blog['id']}/entries/{entry['id']}").body["status"] == "scheduled"


@pytest.mark.parametrize(
    ("method", "body", "headers", "status"),
    [
        pytest.param("PATCH", {"title": "x"}, {"If-Match": '"\u00b2"'}, 412, id="superscript-digit-if-match"),
        pytest.param("PATCH", {"time_zone": "America"}, {"If-Match": '"1"'}, 422, id="time-zone-folder"),
        pytest.param(
            "PATCH",
            {"coverage_start_at": "9999-12-31T23:59:59-05:00"},
            {"If-Match": '"1"'},
            422,
            id="time-off-calendar",
        ),
    ],
)
def test_odd_input_is_a_4xx_not_a_500(
    api: Any, method: str, body: Any, headers: dict[str, str], status: int
) -> None:
    blog = api.create_blog()

    response = api.request(method, f"/blogs/{blog['id']}", body, headers=headers)

    assert response.status == status, response.body
    assert api.request("GET", f"/blogs/{blog['id']}").body == blog


def test_an_empty_idempotency_key_is_refused(api: Any, slug: str) -> None:
    response = api.request("POST", "/blogs", {"slug": slug, "title": "x"}, headers={"Idempotency-Key": ""})

    assert response.status == 400
