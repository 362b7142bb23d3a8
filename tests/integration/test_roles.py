"""Roles from the token's cognito:groups: editors do everything; contributors draft their own entries."""

from typing import Any

import pytest


@pytest.fixture
def blog(api: Any) -> dict[str, Any]:
    return api.go_live(api.create_blog())


def test_no_token_is_401_everywhere_but_health_and_docs(api: Any, blog: dict[str, Any]) -> None:
    for method, path in [("GET", "/blogs"), ("GET", f"/blogs/{blog['id']}"), ("POST", "/blogs")]:
        response = api.request(method, path, {} if method == "POST" else None, role=None)
        assert response.status == 401
        assert response.body["error"]["code"] == "unauthorized"
    assert api.request("GET", "/health", role=None).status == 200
    assert api.request("GET", "/openapi.json", role=None).status == 200


def test_a_user_in_no_group_is_403(api: Any, blog: dict[str, Any]) -> None:
    response = api.request("GET", f"/blogs/{blog['id']}", role="reader")

    assert response.status == 403
    assert "editors nor the contributors" in response.body["error"]["message"]


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


def test_contributors_edit_only_their_own_drafts(api: Any, blog: dict[str, Any]) -> None:
    own = api.post_entry(blog["id"], role="contributor", user="c-1", status="draft", title="Mine")
    others = api.post_entry(blog["id"], role="contributor", user="c-2", status="draft", title="Theirs")
    editors = api.post_entry(blog["id"], title="Editor's")
    path = f"/blogs/{blog['id']}/entries"

    def patch(entry: dict[str, Any], body: dict[str, Any]) -> Any:
        return api.request(
            "PATCH",
            f"{path}/{entry['id']}",
            body,
            headers={"If-Match": '"1"'},
            role="contributor",
            user="c-1",
        )

    assert patch(own, {"title": "Mine, fixed"}).status == 200
    assert patch(others, {"title": "Hijack"}).status == 403
    assert patch(editors, {"title": "Hijack"}).status == 403
    assert api.request("GET", f"{path}/{others['id']}").body["title"] == "Theirs"


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


def test_contributors_delete_only_their_own_drafts(api: Any, blog: dict[str, Any]) -> None:
    own = api.post_entry(blog["id"], role="contributor", user="c-1", status="draft", title="Mine")
    others = api.post_entry(blog["id"], role="contributor", user="c-2", status="draft", title="Theirs")
    path = f"/blogs/{blog['id']}/entries"

    def delete(entry: dict[str, Any]) -> Any:
        return api.request(
            "DELETE", f"{path}/{entry['id']}", headers={"If-Match": '"1"'}, role="contributor", user="c-1"
        )

    assert delete(own).status == 200
    assert delete(others).status == 403


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PATCH", "", {"title": "x"}),
        ("PATCH", "", {"pinned_entry_id": None}),
        ("PATCH", "", {"status": "ended"}),
        ("DELETE", "", None),
    ],
)
def test_contributors_cannot_change_blogs(
    api: Any, blog: dict[str, Any], method: str, suffix: str, body: Any
) -> None:
    response = api.request(
        method, f"/blogs/{blog['id']}{suffix}", body, headers={"If-Match": '"2"'}, role="contributor"
    )

    assert response.status == 403
    assert response.body["error"]["code"] == "forbidden"
    assert (
        api.request("POST", "/blogs", {"slug": "contrib-blog", "title": "x"}, role="contributor").status
        == 403
    )
