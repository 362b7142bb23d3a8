"""Every kind of bad input gets a 4xx with a JSON error naming the problem, and changes nothing stored."""

from typing import Any

import pytest


def stored_state(api: Any, blog_id: str) -> tuple[Any, Any]:
    blog = api.request("GET", f"/blogs/{blog_id}").body
    entries = api.request("GET", f"/blogs/{blog_id}/entries", query={"limit": "100"}).body["items"]
    return blog, entries


@pytest.fixture
def live_blog(api: Any) -> dict[str, Any]:
    blog = api.go_live(api.create_blog())
    api.post_entry(blog["id"], title="Power out in the harbour district")
    return blog


def assert_error(response: Any, status: int, code: str, *mentions: str) -> None:
    assert response.status == status, response.body
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.body["error"]
    assert error["code"] == code
    for mention in mentions:
        assert mention in error["message"] or mention in str(error["details"]), error


ENTRY_CASES = [
    pytest.param("{not json", None, 400, "malformed_json", (), id="malformed-json"),
    pytest.param(None, ["a", "list"], 422, "validation_failed", ("body",), id="body-not-an-object"),
    pytest.param(None, {"title": 42, "blocks": []}, 422, "validation_failed", ("title",), id="wrong-type"),
    pytest.param(
        None, {"title": "x", "colour": "red"}, 422, "validation_failed", ("colour",), id="unknown-field"
    ),
    pytest.param(None, {"title": "x" * 201}, 422, "validation_failed", ("title", "200"), id="oversize-title"),
    pytest.param(
        None,
        {"blocks": [{"type": "paragraph", "html": "<script>alert(1)</script>Hi"}]},
        422,
        "validation_failed",
        ("<script>",),
        id="script-tag",
    ),
    pytest.param(
        None,
        {"blocks": [{"type": "paragraph", "html": '<a href="javascript:alert(1)">map</a>'}]},
        422,
        "validation_failed",
        ("javascript:",),
        id="javascript-link",
    ),
    pytest.param(
        None,
        {"blocks": [{"type": "list", "items": ['<b onmouseover="steal()">x</b>']}]},
        422,
        "validation_failed",
        ("onmouseover",),
        id="event-handler-in-list",
    ),
    pytest.param(
        None,
        {"blocks": [{"type": "embed", "url": "https://tracker.example.net/clip"}]},
        422,
        "validation_failed",
        ("tracker.example.net",),
        id="disallowed-embed-host",
    ),
    pytest.param(
        None,
        {"blocks": [{"type": "marquee", "text": "x"}]},
        422,
        "validation_failed",
        ("type",),
        id="unknown-block",
    ),
    pytest.param(
        None,
        {"blocks": [{"type": "paragraph", "html": "x" * 5001}]},
        422,
        "validation_failed",
        ("5000",),
        id="oversize-paragraph",
    ),
    pytest.param(
        None,
        {"blocks": [{"type": "heading", "text": "h"}] * 51},
        422,
        "validation_failed",
        ("50",),
        id="too-many-blocks",
    ),
    pytest.param(
        None,
        {"status": "scheduled", "title": "x"},
        422,
        "validation_failed",
        ("publish_at",),
        id="scheduled-without-time",
    ),
    pytest.param(
        None,
        {"title": "x", "publish_at": "2026-11-28T10:00:00"},
        422,
        "validation_failed",
        ("timezone",),
        id="naive-time",
    ),
    pytest.param(
        None, {"title": "x", "status": "deleted"}, 422, "validation_failed", ("status",), id="status-deleted"
    ),
]


@pytest.mark.parametrize(("raw", "body", "status", "code", "mentions"), ENTRY_CASES)
def test_bad_entry_bodies_are_refused_and_store_nothing(
    api: Any,
    live_blog: dict[str, Any],
    raw: str | None,
    body: Any,
    status: int,
    code: str,
    mentions: tuple[str, ...],
) -> None:
    # Given a live blog with one entry
    before = stored_state(api, live_blog["id"])

    # When an editor posts a bad entry
    response = api.request("POST", f"/blogs/{live_blog['id']}/entries", body, raw_body=raw)

    # Then the error says what is wrong, and nothing was stored
    assert_error(response, status, code, *mentions)
    assert stored_state(api, live_blog["id"]) == before


BLOG_CASES = [
    pytest.param({"title": None}, 422, "validation_failed", ("title cannot be null",), id="null-title"),
    pytest.param({"summary": "s" * 2001}, 422, "validation_failed", ("2000",), id="oversize-summary"),
    pytest.param({"key_points": ["k"] * 11}, 422, "validation_failed", ("10",), id="too-many-key-points"),
    pytest.param({"time_zone": "Mars/Olympus_Mons"}, 422, "validation_failed", ("IANA",), id="bad-time-zone"),
    pytest.param({"title": "Line\u0000break"}, 422, "validation_failed", ("title",), id="control-character"),
    pytest.param(
        {"status": "draft"}, 409, "illegal_transition", ("live blog cannot become draft",), id="live-to-draft"
    ),
    pytest.param(
        {"status": "archived"}, 409, "illegal_transition", ("cannot become archived",), id="live-to-archived"
    ),
    pytest.param({"slug": "renamed-story"}, 409, "conflict", ("slug",), id="slug-after-going-live"),
    pytest.param(
        {"pinned_entry_id": "01JDQ6A3R4S5T6V7W8X9Y0Z1AB"},
        422,
        "unprocessable",
        ("no entry",),
        id="pin-missing-entry",
    ),
]


@pytest.mark.parametrize(("body", "status", "code", "mentions"), BLOG_CASES)
def test_bad_blog_patches_are_refused_and_change_nothing(
    api: Any, live_blog: dict[str, Any], body: Any, status: int, code: str, mentions: tuple[str, ...]
) -> None:
    before = stored_state(api, live_blog["id"])

    response = api.request(
        "PATCH", f"/blogs/{live_blog['id']}", body, headers={"If-Match": f'"{live_blog["version"]}"'}
    )

    assert_error(response, status, code, *mentions)
    assert stored_state(api, live_blog["id"]) == before


@pytest.mark.parametrize(
    ("if_match", "status", "code"),
    [
        pytest.param(None, 428, "if_match_required", id="missing"),
        pytest.param("*", 428, "if_match_required", id="wildcard"),
        pytest.param('"1"', 412, "version_mismatch", id="stale"),
        pytest.param('"banana"', 412, "version_mismatch", id="garbage"),
    ],
)
def test_writes_need_the_current_version(
    api: Any, live_blog: dict[str, Any], if_match: str | None, status: int, code: str
) -> None:
    # Given a blog that has moved past version 1 and an entry
    entry = api.post_entry(live_blog["id"], title="Ferries cancelled")
    api.request(
        "PATCH",
        f"/blogs/{live_blog['id']}/entries/{entry['id']}",
        {"title": "Ferries cancelled until noon"},
        headers={"If-Match": '"1"'},
    )
    before = stored_state(api, live_blog["id"])
    headers = {} if if_match is None else {"If-Match": if_match}

    # When writes carry a missing, wildcard, stale or garbage If-Match
    responses = [
        api.request("PATCH", f"/blogs/{live_blog['id']}", {"title": "Changed"}, headers=headers),
        api.request(
            "PATCH", f"/blogs/{live_blog['id']}/entries/{entry['id']}", {"title": "Changed"}, headers=headers
        ),
        api.request("DELETE", f"/blogs/{live_blog['id']}/entries/{entry['id']}", headers=headers),
        api.request("DELETE", f"/blogs/{live_blog['id']}", headers=headers),
    ]

    # Then each is refused and nothing changed
    for response in responses:
        assert_error(response, status, code)
    assert stored_state(api, live_blog["id"]) == before


def test_stale_if_match_reports_the_current_version(api: Any, live_blog: dict[str, Any]) -> None:
    response = api.request("PATCH", f"/blogs/{live_blog['id']}", {"title": "x"}, headers={"If-Match": '"1"'})

    assert_error(response, 412, "version_mismatch", "version 2")
    assert response.body["error"]["details"] == {"current_version": 2}


def test_a_weak_etag_never_matches_even_when_it_names_the_current_version(
    api: Any, live_blog: dict[str, Any]
) -> None:
    # Given a blog, an entry and a photo, each at its current version; If-Match compares entity
    # tags strongly (RFC 9110 §13.1.1), so W/"1" matches none of them
    blog_path = f"/blogs/{live_blog['id']}"
    entry = api.post_entry(live_blog["id"], title="Ferries cancelled")
    upload = {"filename": "quay.jpg", "content_type": "image/jpeg", "byte_size": 80_000, "caption": "Quay"}
    photo = api.request("POST", f"{blog_path}/photos", upload).body["photo"]
    writes = [
        ("PATCH", blog_path, {"title": "Changed"}, live_blog["version"]),
        ("PATCH", f"{blog_path}/entries/{entry['id']}", {"title": "Changed"}, entry["version"]),
        ("PATCH", f"{blog_path}/photos/{photo['id']}", {"caption": "Changed"}, photo["version"]),
        ("DELETE", f"{blog_path}/entries/{entry['id']}", None, entry["version"]),
    ]

    def stored() -> Any:
        return stored_state(api, live_blog["id"]), api.request(
            "GET", f"{blog_path}/photos/{photo['id']}"
        ).body

    before = stored()

    for method, path, body, version in writes:
        # When a write names the current version as a weak ETag
        response = api.request(method, path, body, headers={"If-Match": f'W/"{version}"'})

        # Then it gets a 412 that names the current version and the ETag to send
        assert_error(response, 412, "version_mismatch", "weak ETag", f'If-Match: "{version}"')
        assert response.body["error"]["details"] == {"current_version": version}

    # And nothing changed
    assert stored() == before


def test_an_etag_we_never_issued_reports_the_current_version(api: Any, live_blog: dict[str, Any]) -> None:
    response = api.request(
        "PATCH", f"/blogs/{live_blog['id']}", {"title": "x"}, headers={"If-Match": '"banana"'}
    )

    assert_error(response, 412, "version_mismatch", "not an ETag this API issued")
    assert response.body["error"]["details"] == {"current_version": live_blog["version"]}


def test_reused_idempotency_key_with_another_body_is_refused(api: Any, live_blog: dict[str, Any]) -> None:
    path = f"/blogs/{live_blog['id']}/entries"
    first = api.request("POST", path, {"title": "Bridge closed"}, headers={"Idempotency-Key": "key-1"})
    assert first.status == 201
    before = stored_state(api, live_blog["id"])

    response = api.request("POST", path, {"title": "Bridge reopened"}, headers={"Idempotency-Key": "key-1"})

    assert_error(response, 422, "idempotency_key_reused", "different body")
    assert stored_state(api, live_blog["id"]) == before


def test_oversize_body_is_refused_before_parsing(api: Any, live_blog: dict[str, Any]) -> None:
    before = stored_state(api, live_blog["id"])
    huge = '{"title": "x", "blocks": [' + ",".join(['{"type":"heading","text":"h"}'] * 12_000) + "]}"

    response = api.request("POST", f"/blogs/{live_blog['id']}/entries", raw_body=huge)

    assert_error(response, 413, "payload_too_large", "limit")
    assert stored_state(api, live_blog["id"]) == before


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data; boundary=fence",
        "multipart/form-data",  # no boundary: Powertools' parser raised a ValueError, which was a 500
    ],
)
def test_non_json_bodies_are_refused(api: Any, live_blog: dict[str, Any], content_type: str) -> None:
    before = stored_state(api, live_blog["id"])

    response = api.request(
        "POST",
        f"/blogs/{live_blog['id']}/entries",
        raw_body="title=x",
        headers={"Content-Type": content_type},
    )

    assert_error(response, 415, "unsupported_media_type", "application/json")
    assert stored_state(api, live_blog["id"]) == before


def test_valid_json_with_the_wrong_content_type_is_still_refused(api: Any, live_blog: dict[str, Any]) -> None:
    response = api.request(
        "POST", f"/blogs/{live_blog['id']}/entries", {"title": "ok"}, headers={"Content-Type": "text/plain"}
    )

    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("cursor", ["not-base64!", "eyJmb28iOiAxfQ", "bnVsbA"])
def test_tampered_cursors_are_refused(api: Any, live_blog: dict[str, Any], cursor: str) -> None:
    response = api.request("GET", f"/blogs/{live_blog['id']}/entries", query={"cursor": cursor})

    assert_error(response, 400, "invalid_cursor")


def test_a_cursor_from_another_blog_is_refused(api: Any, live_blog: dict[str, Any]) -> None:
    # Given a cursor from another blog's listing
    other = api.create_blog()
    for n in range(3):
        api.post_entry(other["id"], title=f"Update {n}")
    cursor = api.request("GET", f"/blogs/{other['id']}/entries", query={"limit": "1"}).body["next_cursor"]
    assert cursor

    # When it is used on this blog
    response = api.request("GET", f"/blogs/{live_blog['id']}/entries", query={"cursor": cursor})

    # Then it is refused rather than walking the other blog's partition
    assert_error(response, 400, "invalid_cursor")


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/blogs/not-an-id", None),
        ("/blogs", {"limit": "0"}),
        ("/blogs", {"limit": "500"}),
        ("/blogs", {"status": "gone"}),
    ],
)
def test_bad_path_and_query_parameters(api: Any, path: str, query: dict[str, str] | None) -> None:
    assert_error(api.request("GET", path, query=query), 422, "validation_failed")


def test_unknown_routes_and_missing_blogs_are_json_404s(api: Any) -> None:
    assert_error(api.request("GET", "/nowhere"), 404, "not_found", "/nowhere")
    assert_error(
        api.request("GET", "/blogs/01JDQ5V7Z8YB6T3M2W4K9C1E0F"),
        404,
        "not_found",
        "01JDQ5V7Z8YB6T3M2W4K9C1E0F",
    )
    missing = api.request("POST", "/blogs/01JDQ5V7Z8YB6T3M2W4K9C1E0F/entries", {"title": "x"})
    assert_error(missing, 404, "not_found")


def test_only_members_learn_which_routes_exist(api: Any) -> None:
    # Given a path no route serves; When a user in no group, or a request without claims, asks for it
    # Then they hear that they may not, as on any route, not whether the path exists
    assert_error(api.request("GET", "/nowhere", role="reader"), 403, "forbidden")
    assert_error(api.request("GET", "/nowhere", role=None), 401, "unauthorized")


def test_no_error_body_carries_a_stack_trace(api: Any, live_blog: dict[str, Any]) -> None:
    responses = [
        api.request("POST", f"/blogs/{live_blog['id']}/entries", raw_body="{"),
        api.request(
            "POST", f"/blogs/{live_blog['id']}/entries", {"blocks": [{"type": "embed", "url": "ftp://x"}]}
        ),
        api.request("GET", "/blogs", query={"cursor": "%%%"}),
    ]
    for response in responses:
        text = str(response.body)
        assert "Traceback" not in text
        assert 'File "' not in text
