"""Roles from the token's cognito:groups: editors do everything; contributors draft their own entries.

The full route x caller matrix, and every refusal a contributor gets, are in test_authorization.py.
"""

from typing import Any

import pytest


@pytest.fixture
def blog(api: Any) -> dict[str, Any]:
    return api.go_live(api.create_blog())


def test_contributors_can_read_and_draft_but_not_publish(api: Any, blog: dict[str, Any]) -> None:
    path = f"/blogs/{blog['id']}/entries"
    assert api.request("GET", f"/blogs/{blog['id']}", role="contributor").status == 200

    publish = api.request(
        "POST", path, {"title": "Scoop", "status": "published"}, role="contributor", user="c-1"
    )
    schedule = api.request(
        "POST",
        path,
        {"title": "Later", "status": "scheduled", "publish_at": "2099-01-01T00:00:00Z"},
        role="contributor",
        user="c-1",
    )
    draft = api.request("POST", path, {"title": "Scoop"}, role="contributor", user="c-1")

    assert publish.status == 403
    assert schedule.status == 403
    assert draft.status == 201
    assert draft.body["status"] == "draft"
    assert draft.body["author"]["id"] == "c-1"


def test_contributors_cannot_publish_their_draft_but_an_editor_can(api: Any, blog: dict[str, Any]) -> None:
    own = api.post_entry(blog["id"], role="contributor", user="c-1", status="draft", title="Mine")
    url = f"/blogs/{blog['id']}/entries/{own['id']}"

    refused = api.request(
        "PATCH", url, {"status": "published"}, headers={"If-Match": '"1"'}, role="contributor", user="c-1"
    )
    published = api.request("PATCH", url, {"status": "published"}, headers={"If-Match": '"1"'})

    assert refused.status == 403
    assert published.status == 200
    assert published.body["status"] == "published"
    assert published.body["published_at"]
    # Once published it is no longer the contributor's to change
    assert (
        api.request(
            "PATCH", url, {"title": "x"}, headers={"If-Match": '"2"'}, role="contributor", user="c-1"
        ).status
        == 403
    )
