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


def test_a_blog_is_found_by_its_slug(api: Any, slug: str) -> None:
    # Given two blogs, one of them the storm's
    storm = api.go_live(api.create_blog(slug=slug))
    api.create_blog(slug=f"{slug}-other")

    # When an editor looks the storm up by its slug, with and without a status
    found = api.request("GET", "/blogs", query={"slug": slug})
    live = api.request("GET", "/blogs", query={"slug": slug, "status": "live"})
    draft = api.request("GET", "/blogs", query={"slug": slug, "status": "draft"})

    # Then the page holds that one blog, exactly as GET /blogs/{id} shows it, and no cursor
    assert found.status == 200
    assert found.body == {"items": [storm], "next_cursor": None}
    assert live.body["items"] == [storm]
    # And a status it does not have finds nothing
    assert draft.status == 200
    assert draft.body == {"items": [], "next_cursor": None}


def test_a_slug_no_blog_holds_finds_an_empty_page(api: Any, slug: str) -> None:
    # Given a blog renamed away from a slug while a draft
    blog = api.create_blog(slug=f"{slug}-old")
    patch_blog(api, blog, {"slug": f"{slug}-new"})

    # When the old slug and one never used are looked up
    old = api.request("GET", "/blogs", query={"slug": f"{slug}-old"})
    never = api.request("GET", "/blogs", query={"slug": f"{slug}-never"})

    # Then both pages are empty: not a 404, since the listing itself exists
    assert (old.status, old.body) == (200, {"items": [], "next_cursor": None})
    assert (never.status, never.body) == (200, {"items": [], "next_cursor": None})


def test_a_slug_lookup_refuses_a_cursor_and_an_invalid_slug(api: Any, slug: str) -> None:
    # Given a blog and a cursor from the listing of all blogs
    api.create_blog(slug=slug)
    api.create_blog()
    cursor = api.request("GET", "/blogs", query={"limit": "1"}).body["next_cursor"]

    # When the slug lookup is sent with that cursor, and with a slug no blog could have
    with_cursor = api.request("GET", "/blogs", query={"slug": slug, "cursor": cursor})
    invalid = api.request("GET", "/blogs", query={"slug": "Port_Avalon"})

    # Then the cursor is a 400 that says why, and the slug a 422 that names the parameter
    assert with_cursor.status == 400
    assert with_cursor.body["error"]["code"] == "invalid_cursor"
    assert "at most one blog" in with_cursor.body["error"]["message"]
    assert invalid.status == 422
    assert invalid.body["error"]["details"][0]["field"] == "query.slug"


@pytest.mark.parametrize("path", ["/blogs/{slug}", "/blogs/{slug}/entries", "/blogs/{slug}/photos"])
def test_a_slug_where_the_blog_id_belongs_is_explained(api: Any, slug: str, path: str) -> None:
    # Given a blog known by its slug
    api.create_blog(slug=slug)

    # When its slug is sent where the blog's id belongs
    response = api.request("GET", path.format(slug=slug))

    # Then the 422 says it looks like a slug and how to find the id, not a regular expression
    assert response.status == 422
    error = response.body["error"]
    assert error["code"] == "validation_failed"
    hint = f"this looks like a slug; use the blog's id or GET /blogs?slug={slug}"
    assert error["message"] == f"path.blog_id: {hint}"
    assert error["details"] == [{"field": "path.blog_id", "message": hint, "type": "string_pattern_mismatch"}]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/blogs/42", "path.blog_id"),
        ("/blogs/01JDQ5V7Z8YB6T3M2W4K9C1E0F/entries/first-entry", "path.entry_id"),
        ("/blogs/01JDQ5V7Z8YB6T3M2W4K9C1E0F/photos/IMG_0042", "path.photo_id"),
    ],
)
def test_a_path_id_that_is_no_id_says_what_an_id_looks_like(api: Any, path: str, field: str) -> None:
    # When a path names something that is not an id at all
    response = api.request("GET", path)

    # Then the 422 describes an id with an example, not a regular expression
    assert response.status == 422
    [problem] = response.body["error"]["details"]
    assert problem["field"] == field
    assert problem["message"] == "ids are 26-character ULIDs such as 01JDQ5V7Z8YB6T3M2W4K9C1E0F"
    assert "[0-7]" not in response.body["error"]["message"]


def test_the_openapi_document_offers_the_slug_lookup(api: Any) -> None:
    # When a newcomer reads GET /blogs in the API's own document
    document = api.request("GET", "/openapi.json", role=None).body
    parameters = {
        parameter["name"]: parameter for parameter in document["paths"]["/blogs"]["get"]["parameters"]
    }

    # Then it has a slug parameter that says what it finds
    assert parameters["slug"]["in"] == "query"
    assert "one blog" in parameters["slug"]["description"]
