"""Which error a request that is wrong in two ways gets: the order README's Errors bullet documents.

401 → 403 (role) → 413/415/400 (envelope) → 422 (the body's own shape) → 404 → 403 (ownership) →
428/412 (If-Match, just before the change) → 409/422 (the change against the stored state).
"""

from typing import Any

import pytest

MISSING_BLOG = "01JDQ5V7Z8YB6T3M2W4K9C1E0F"
GARBAGE = {"If-Match": "not-an-etag"}
STALE = {"If-Match": '"1"'}


@pytest.fixture
def live(api: Any) -> dict[str, Any]:
    """A live blog at version 2 (so If-Match "1" is stale) with a published entry."""
    blog = api.go_live(api.create_blog())
    entry = api.post_entry(blog["id"], title="Ferries suspended")
    return {"blog": blog, "entry": entry}


def refused(response: Any, status: int, code: str) -> None:
    assert (response.status, response.body["error"]["code"]) == (status, code), response.body


@pytest.mark.parametrize("headers", [GARBAGE, STALE, {}], ids=["garbage", "stale", "missing"])
def test_a_body_of_the_wrong_shape_is_422_whatever_if_match_says(
    api: Any, live: dict[str, Any], headers: dict[str, str]
) -> None:
    # Given bodies whose own fields are wrong, checked by the model or by a rule on the body alone
    blog, entry = live["blog"]["id"], live["entry"]["id"]
    wrong = [
        ("PATCH", f"/blogs/{blog}", {"title": 42}),
        (
            "PATCH",
            f"/blogs/{blog}",
            {"coverage_start_at": "2026-11-28T12:00:00Z", "coverage_end_at": "2026-11-28T11:00:00Z"},
        ),
        ("PATCH", f"/blogs/{blog}/entries/{entry}", {"status": "scheduled", "publish_at": None}),
        ("PATCH", f"/blogs/{MISSING_BLOG}", {"title": 42}),
    ]

    # When each is sent with an If-Match that is garbage, stale or missing
    responses = [api.request(method, path, body, headers=headers) for method, path, body in wrong]

    # Then each is a 422 about the body: fixing If-Match first would only lead to this 422
    for response in responses:
        refused(response, 422, "validation_failed")


def test_a_missing_blog_is_404_before_if_match_is_looked_at(api: Any) -> None:
    response = api.request("PATCH", f"/blogs/{MISSING_BLOG}", {"title": "Gone"}, headers=GARBAGE)

    refused(response, 404, "not_found")


def test_a_contributor_on_someone_elses_entry_is_403_before_if_match(api: Any, live: dict[str, Any]) -> None:
    # Given a draft by another contributor
    draft = api.post_entry(live["blog"]["id"], role="contributor", user="ana", status="draft", title="Draft")

    # When a second contributor edits it with a stale If-Match
    response = api.request(
        "PATCH",
        f"/blogs/{live['blog']['id']}/entries/{draft['id']}",
        {"title": "Mine now"},
        headers=GARBAGE,
        role="contributor",
        user="ben",
    )

    # Then the answer is that they may not, not that their version is stale
    refused(response, 403, "forbidden")


def test_if_match_comes_before_what_depends_on_the_stored_state(api: Any, live: dict[str, Any]) -> None:
    # Given changes the stored state refuses: a pin on an entry the blog lacks, a draft status for a
    # published entry
    blog = live["blog"]
    pin = {"pinned_entry_id": MISSING_BLOG}
    unpublish = {"status": "draft"}
    entry_path = f"/blogs/{blog['id']}/entries/{live['entry']['id']}"

    # When they are sent with a stale If-Match, then with the current one
    stale_pin = api.request("PATCH", f"/blogs/{blog['id']}", pin, headers=STALE)
    stale_unpublish = api.request("PATCH", entry_path, unpublish, headers={"If-Match": '"7"'})
    current_pin = api.request(
        "PATCH", f"/blogs/{blog['id']}", pin, headers={"If-Match": f'"{blog["version"]}"'}
    )
    current_unpublish = api.request("PATCH", entry_path, unpublish, headers={"If-Match": '"1"'})

    # Then a stale version is 412 (the stored state the client saw is gone), and only a current one
    # learns what the stored state forbids
    refused(stale_pin, 412, "version_mismatch")
    refused(stale_unpublish, 412, "version_mismatch")
    refused(current_pin, 422, "unprocessable")
    refused(current_unpublish, 409, "illegal_transition")


def test_an_oversize_body_is_413_whatever_else_is_wrong(api: Any, live: dict[str, Any]) -> None:
    oversize = {"title": 42, "summary": "x" * 300_000}

    response = api.request("PATCH", f"/blogs/{live['blog']['id']}", oversize, headers=GARBAGE)

    refused(response, 413, "payload_too_large")
