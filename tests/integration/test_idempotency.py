"""Idempotency-Key on POST: a retry returns the first response and creates nothing more."""

from typing import Any


def count_entries(api: Any, blog_id: str) -> int:
    return len(api.request("GET", f"/blogs/{blog_id}/entries", query={"limit": "100"}).body["items"])


def test_a_retried_create_returns_the_first_response(api: Any) -> None:
    blog = api.go_live(api.create_blog())
    path = f"/blogs/{blog['id']}/entries"
    body = {"title": "Tornado warning lifted", "status": "published"}

    first = api.request("POST", path, body, headers={"Idempotency-Key": "retry-me"})
    second = api.request("POST", path, body, headers={"Idempotency-Key": "retry-me"})

    assert first.status == second.status == 201
    assert second.body == first.body
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count_entries(api, blog["id"]) == 1


def test_keys_are_scoped_to_the_caller_and_the_route(api: Any) -> None:
    blog_a = api.go_live(api.create_blog())
    blog_b = api.go_live(api.create_blog())
    body = {"title": "Same words", "status": "published"}

    by_one = api.request(
        "POST", f"/blogs/{blog_a['id']}/entries", body, headers={"Idempotency-Key": "k"}, user="ed-1"
    )
    by_other = api.request(
        "POST", f"/blogs/{blog_a['id']}/entries", body, headers={"Idempotency-Key": "k"}, user="ed-2"
    )
    other_blog = api.request(
        "POST", f"/blogs/{blog_b['id']}/entries", body, headers={"Idempotency-Key": "k"}, user="ed-1"
    )

    assert len({by_one.body["id"], by_other.body["id"], other_blog.body["id"]}) == 3
    assert count_entries(api, blog_a["id"]) == 2
    assert count_entries(api, blog_b["id"]) == 1


def test_a_failed_request_does_not_burn_its_key(api: Any, slug: str) -> None:
    # Given a slug that is taken
    taken = api.create_blog(slug=slug)
    body = {"slug": slug, "title": "x"}

    # When a keyed create fails, and is retried with the same key once the slug is free
    refused = api.request("POST", "/blogs", body, headers={"Idempotency-Key": slug})
    api.request("DELETE", f"/blogs/{taken['id']}", headers={"If-Match": '"1"'})
    retried = api.request("POST", "/blogs", body, headers={"Idempotency-Key": slug})

    # Then the retry really runs, rather than replaying the failure
    assert refused.status == 409
    assert retried.status == 201


def test_unprintable_keys_are_refused(api: Any, slug: str) -> None:
    response = api.request(
        "POST", "/blogs", {"slug": slug, "title": "x"}, headers={"Idempotency-Key": "caf\u00e9"}
    )

    assert response.status == 400
    assert "Idempotency-Key" in response.body["error"]["message"]
    listed = api.request("GET", "/blogs", query={"limit": "100"}).body["items"]
    assert slug not in [blog["slug"] for blog in listed]


def test_a_replay_after_the_entry_was_deleted_repeats_the_first_response_and_creates_nothing(
    api: Any, content_table: Any
) -> None:
    # Given a published entry created with a key, then deleted by an editor
    blog = api.go_live(api.create_blog())
    path = f"/blogs/{blog['id']}/entries"
    body = {"title": "Bridge reopens", "status": "published"}
    first = api.request("POST", path, body, headers={"Idempotency-Key": "bridge-1"})
    deleted = api.request("DELETE", f"{path}/{first.body['id']}", headers={"If-Match": '"1"'})
    assert deleted.status == 200
    before = content_table.scan()["Items"]

    # When the create is replayed with the same key and body
    replay = api.request("POST", path, body, headers={"Idempotency-Key": "bridge-1"})

    # Then it says it is a replay of the first response (the draft's semantics), nothing is written,
    # and the entry it names reads as deleted
    assert replay.status == 201
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.body == first.body
    assert content_table.scan()["Items"] == before
    current = api.request("GET", replay.headers["Location"])
    assert (current.status, current.body["status"]) == (200, "deleted")
    assert count_entries(api, blog["id"]) == 1


def test_a_replay_after_the_blog_was_deleted_creates_no_blog(api: Any, slug: str) -> None:
    # Given a draft blog created with a key, then deleted
    body = {"slug": slug, "title": "Storm watch"}
    first = api.request("POST", "/blogs", body, headers={"Idempotency-Key": slug})
    api.request("DELETE", f"/blogs/{first.body['id']}", headers={"If-Match": '"1"'})

    # When the create is replayed
    replay = api.request("POST", "/blogs", body, headers={"Idempotency-Key": slug})

    # Then the first response comes back marked as a replay, and the blog stays deleted
    assert (replay.status, replay.headers.get("Idempotent-Replayed")) == (201, "true")
    assert replay.body == first.body
    assert api.request("GET", f"/blogs/{first.body['id']}").status == 404
    listed = api.request("GET", "/blogs", query={"limit": "100"}).body["items"]
    assert slug not in [blog["slug"] for blog in listed]
