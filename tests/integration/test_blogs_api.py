"""Blogs through the admin handler: create, read, list, change status, pin, delete."""

from typing import Any

import pytest


def patch_blog(api: Any, blog: dict[str, Any], body: dict[str, Any], **kwargs: Any) -> Any:
    return api.request(
        "PATCH", f"/blogs/{blog['id']}", body, headers={"If-Match": f'"{blog["version"]}"'}, **kwargs
    )


def test_create_returns_201_with_location_and_etag(api: Any, slug: str) -> None:
    # When an editor creates a blog
    response = api.request(
        "POST",
        "/blogs",
        {
            "slug": slug,
            "title": "Storm over Port Avalon",
            "key_points": ["Ferries suspended"],
            "time_zone": "America/Halifax",
        },
    )

    # Then it is a draft at version 1, found where Location says
    assert response.status == 201
    blog = response.body
    assert blog["status"] == "draft"
    assert blog["version"] == 1
    assert blog["key_points"] == ["Ferries suspended"]
    assert blog["created_by"]["id"] == "editor-1"
    assert response.headers["Location"] == f"/blogs/{blog['id']}"
    assert response.etag == '"1"'
    fetched = api.request("GET", response.headers["Location"])
    assert fetched.status == 200
    assert fetched.body == blog
    assert fetched.etag == '"1"'


def test_slugs_are_unique(api: Any, slug: str) -> None:
    api.create_blog(slug=slug)

    response = api.request("POST", "/blogs", {"slug": slug, "title": "Another"})

    assert response.status == 409
    assert response.body["error"]["code"] == "slug_taken"


def test_full_status_lifecycle_sets_coverage_times(api: Any) -> None:
    # Given a draft
    blog = api.create_blog()
    assert blog["coverage_start_at"] is None

    # When it goes live, ends, reopens, ends again and is archived
    live = patch_blog(api, blog, {"status": "live"}).body
    ended = patch_blog(api, live, {"status": "ended"}).body
    reopened = patch_blog(api, ended, {"status": "live"}).body
    ended_again = patch_blog(api, reopened, {"status": "ended"}).body
    archived = patch_blog(api, ended_again, {"status": "archived"}).body

    # Then coverage starts once, the end is cleared on reopening, and each step bumps the version
    assert live["status"] == "live"
    assert live["coverage_start_at"]
    assert live["coverage_end_at"] is None
    assert ended["coverage_end_at"]
    assert ended["coverage_start_at"] == live["coverage_start_at"]
    assert reopened["coverage_end_at"] is None
    assert archived["status"] == "archived"
    assert archived["version"] == 6
    # And an archived blog is read-only
    refused = patch_blog(api, archived, {"title": "Late change"})
    assert refused.status == 409
    assert refused.body["error"]["code"] == "illegal_transition"


@pytest.mark.parametrize(
    ("path", "target"),
    [
        (["live"], "draft"),
        (["live"], "archived"),
        (["archived"], "live"),
        (["live", "ended", "archived"], "ended"),
    ],
)
def test_illegal_moves_are_409_and_name_the_allowed_ones(api: Any, path: list[str], target: str) -> None:
    blog = api.create_blog()
    for status in path:
        blog = patch_blog(api, blog, {"status": status}).body

    response = patch_blog(api, blog, {"status": target})

    assert response.status == 409
    assert response.body["error"]["details"]["from"] == path[-1]
    assert api.request("GET", f"/blogs/{blog['id']}").body == blog


def test_slug_can_change_while_draft_and_frees_the_old_one(api: Any, slug: str) -> None:
    blog = api.create_blog(slug=f"{slug}-draft")

    renamed = patch_blog(api, blog, {"slug": f"{slug}-final"})

    assert renamed.status == 200
    assert renamed.body["slug"] == f"{slug}-final"
    assert api.request("POST", "/blogs", {"slug": f"{slug}-draft", "title": "Reuse"}).status == 201
    assert api.request("POST", "/blogs", {"slug": f"{slug}-final", "title": "Clash"}).status == 409


def test_renaming_onto_a_taken_slug_is_refused(api: Any, slug: str) -> None:
    api.create_blog(slug=f"{slug}-taken")
    blog = api.create_blog(slug=f"{slug}-free")

    response = patch_blog(api, blog, {"slug": f"{slug}-taken"})

    assert response.status == 409
    assert response.body["error"]["code"] == "slug_taken"
    assert api.request("GET", f"/blogs/{blog['id']}").body == blog


def test_pinning_needs_a_published_entry(api: Any) -> None:
    blog = api.go_live(api.create_blog())
    draft = api.post_entry(blog["id"], status="draft", title="Draft")
    published = api.post_entry(blog["id"], title="Shelters open")

    refused = patch_blog(api, blog, {"pinned_entry_id": draft["id"]})
    pinned = patch_blog(api, blog, {"pinned_entry_id": published["id"]})
    unpinned = patch_blog(api, pinned.body, {"pinned_entry_id": None})

    assert refused.status == 409
    assert "published" in refused.body["error"]["message"]
    assert pinned.status == 200
    assert pinned.body["pinned_entry_id"] == published["id"]
    assert unpinned.status == 200
    assert unpinned.body["pinned_entry_id"] is None


def test_deleting_the_pinned_entry_unpins_it(api: Any) -> None:
    blog = api.go_live(api.create_blog())
    entry = api.post_entry(blog["id"], title="Evacuation order")
    blog = patch_blog(api, blog, {"pinned_entry_id": entry["id"]}).body

    deleted = api.request("DELETE", f"/blogs/{blog['id']}/entries/{entry['id']}", headers={"If-Match": '"1"'})

    assert deleted.status == 200
    after = api.request("GET", f"/blogs/{blog['id']}")
    assert after.body["pinned_entry_id"] is None
    assert after.body["version"] == blog["version"] + 1


def test_a_patch_that_changes_nothing_keeps_the_version(api: Any) -> None:
    blog = api.create_blog(title="Same")

    response = patch_blog(api, blog, {"title": "Same"})

    assert response.status == 200
    assert response.body["version"] == 1


def test_coverage_end_before_start_is_refused(api: Any) -> None:
    blog = api.go_live(api.create_blog())

    response = patch_blog(api, blog, {"coverage_end_at": "2000-01-01T00:00:00Z"})

    assert response.status == 422
    assert "coverage_end_at" in response.body["error"]["message"]


def test_only_draft_or_archived_blogs_can_be_deleted_and_their_entries_go_too(
    api: Any, content_table: Any, slug: str
) -> None:
    # Given a live blog with entries
    blog = api.go_live(api.create_blog(slug=slug))
    for n in range(3):
        api.post_entry(blog["id"], title=f"Update {n}")

    # When it is deleted while live, then after ending and archiving
    refused = api.request("DELETE", f"/blogs/{blog['id']}", headers={"If-Match": f'"{blog["version"]}"'})
    ended = patch_blog(api, blog, {"status": "ended"}).body
    archived = patch_blog(api, ended, {"status": "archived"}).body
    deleted = api.request("DELETE", f"/blogs/{blog['id']}", headers={"If-Match": f'"{archived["version"]}"'})

    # Then the live delete was refused; the archived one removed blog and entries, and holds the
    # slug until the renderer has removed the documents published under it
    assert refused.status == 409
    assert "archive" in refused.body["error"]["message"]
    assert deleted.status == 204
    assert deleted.body in (None, "")
    assert api.request("GET", f"/blogs/{blog['id']}").status == 404
    assert (
        content_table.query(
            KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": f"BLOG#{blog['id']}"}
        )["Items"]
        == []
    )
    reclaimed = api.request("POST", "/blogs", {"slug": slug, "title": "Too soon"})
    assert reclaimed.status == 409
    assert reclaimed.body["error"]["code"] == "slug_being_released"
    assert "retry in a few seconds" in reclaimed.body["error"]["message"]


def test_listing_blogs_pages_with_cursors_and_filters_by_status(api: Any) -> None:
    # Given five blogs, two of them live
    created = [api.create_blog(title=f"Blog {n}") for n in range(5)]
    for blog in created[:2]:
        api.go_live(blog)

    # When all blogs are listed two at a time
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = api.request("GET", "/blogs", query=query).body
        assert len(page["items"]) <= 2
        seen += [blog["id"] for blog in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break

    # Then every blog appears once, newest first; and the status filter finds the live ones, not the drafts
    mine = {blog["id"] for blog in created}
    assert len(seen) == len(set(seen))
    assert [blog_id for blog_id in seen if blog_id in mine] == [blog["id"] for blog in reversed(created)]
    live = api.request("GET", "/blogs", query={"status": "live", "limit": "100"}).body["items"]
    assert {blog["id"] for blog in live} & mine == {blog["id"] for blog in created[:2]}
