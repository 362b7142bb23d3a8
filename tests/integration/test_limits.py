"""Limits: whatever an attacker or a broken client sends under the size limit, the admin API answers a
clean 4xx naming the problem, in bounded memory, and changes nothing stored."""

import base64
import json
import time
import tracemalloc
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from liveblog.api import http
from liveblog.api.admin import MAX_PROBLEMS_LISTED
from liveblog.api.http import MAX_JSON_DEPTH, MAX_NUMBER_DIGITS
from liveblog.models.blocks import MAX_INLINE_HTML
from liveblog.models.entry import MAX_BLOCKS
from liveblog.settings import AdminApiSettings

LIMIT = AdminApiSettings.model_fields["max_body_bytes"].default
# A request may hold a few copies of its body (the event, the decoded text, the parsed objects); a
# refusal that grows with what it refuses (an error per bad item, a traceback per level) would not fit.
MEMORY_BUDGET = 16 * 1024 * 1024


@pytest.fixture
def story(api: Any) -> dict[str, Any]:
    blog = api.go_live(api.create_blog(title="Harbour storm"))
    entry = api.post_entry(blog["id"], title="Ferries suspended")
    return {"blog": blog, "entry": entry}


def stored(api: Any, blog_id: str) -> tuple[Any, Any, Any]:
    blogs = api.request("GET", "/blogs", query={"limit": "100"}).body["items"]
    blog = api.request("GET", f"/blogs/{blog_id}").body
    entries = api.request("GET", f"/blogs/{blog_id}/entries", query={"limit": "100"}).body["items"]
    return blogs, blog, entries


# Each write route with the headers it needs; bodies go in as raw text
ROUTES: dict[str, Callable[[dict[str, Any]], tuple[str, str, dict[str, str]]]] = {
    "create-blog": lambda s: ("POST", "/blogs", {}),
    "update-blog": lambda s: (
        "PATCH",
        f"/blogs/{s['blog']['id']}",
        {"If-Match": f'"{s["blog"]["version"]}"'},
    ),
    "create-entry": lambda s: ("POST", f"/blogs/{s['blog']['id']}/entries", {}),
    "update-entry": lambda s: (
        "PATCH",
        f"/blogs/{s['blog']['id']}/entries/{s['entry']['id']}",
        {"If-Match": f'"{s["entry"]["version"]}"'},
    ),
}


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


MALFORMED = [
    pytest.param(nested(120_000), "nest deeper", id="120k-nested-arrays"),
    pytest.param('{"a":' * 30_000 + "1" + "}" * 30_000, "nest deeper", id="30k-nested-objects"),
    pytest.param(
        '{"title": "x", "blocks": ' + nested(MAX_JSON_DEPTH) + "}",
        "nest deeper",
        id="just-too-deep-in-a-field",
    ),
    pytest.param(
        '{"title": "Bridge open", "title": "Bridge shut"}', "'title' appears twice", id="duplicate-key"
    ),
    pytest.param('{"title": "x", "position": NaN}', "NaN is not JSON", id="nan"),
    pytest.param('{"title": "x", "position": -Infinity}', "-Infinity is not JSON", id="infinity"),
    pytest.param('{"title": "x", "position": 1e999}', "out of range", id="float-overflow"),
    pytest.param('{"title": "x", "position": ' + "9" * 100_000 + "}", "digits", id="100k-digit-number"),
    pytest.param(
        '{"title": "x", "position": -' + "9" * (MAX_NUMBER_DIGITS + 1) + "}",
        f"has {MAX_NUMBER_DIGITS + 1} digits",
        id="33-digits-negative",
    ),
    pytest.param('{"title": "unterminated', "", id="unterminated-string"),
    pytest.param("", None, id="empty-body"),
]


@pytest.mark.parametrize(("body", "reason"), MALFORMED)
def test_bodies_no_client_means_are_refused_as_malformed_json(
    api: Any, story: dict[str, Any], body: str, reason: str | None
) -> None:
    # Given what is stored
    before = stored(api, story["blog"]["id"])

    for route, request in ROUTES.items():
        # When a body that json.loads would choke on, or quietly misread, is sent to a write route
        method, path, headers = request(story)
        response, peak = measured(api, method, path, body, headers)

        # Then it is a 400 saying why (an empty body is a validation error: the body is required),
        # and memory stayed bounded
        if reason is None:
            assert response.status in (400, 422), (route, response.body)
        else:
            assert response.status == 400, (route, response.body)
            assert response.body["error"]["code"] == "malformed_json", route
            assert reason in response.body["error"]["message"], (route, response.body)
        assert peak < MEMORY_BUDGET, f"{route}: {peak / 2**20:.1f} MiB"
    # And nothing changed
    assert stored(api, story["blog"]["id"]) == before


def test_nesting_up_to_the_limit_is_parsed_and_judged_by_the_schema(api: Any, story: dict[str, Any]) -> None:
    body = '{"title": "x", "blocks": ' + nested(MAX_JSON_DEPTH - 1) + "}"

    response = api.request("POST", f"/blogs/{story['blog']['id']}/entries", raw_body=body)

    assert response.status == 422, response.body
    assert response.body["error"]["code"] == "validation_failed"


def test_brackets_inside_strings_are_text_not_nesting(api: Any, story: dict[str, Any]) -> None:
    title = "[" * 100 + "{" * 100
    body = json.dumps({"title": title, "blocks": [{"type": "paragraph", "html": '"[{' * 500}]})

    response = api.request("POST", f"/blogs/{story['blog']['id']}/entries", raw_body=body)

    assert response.status == 201, response.body
    assert response.body["title"] == title


def blocks(count: int) -> list[dict[str, str]]:
    return [{"type": "paragraph", "html": "Quay"}] * count


def unknown_fields(count: int) -> dict[str, Any]:
    return {"title": "x", **{f"field{n}": n for n in range(count)}}


TOO_MUCH = [
    pytest.param({"title": "x", "blocks": blocks(5_000)}, "blocks", f"at most {MAX_BLOCKS}", id="5k-blocks"),
    pytest.param({"title": "x", "blocks": blocks(MAX_BLOCKS + 1)}, "blocks", str(MAX_BLOCKS), id="51-blocks"),
    pytest.param({"title": "x" * 200_000}, "title", "200", id="200k-char-title"),
    pytest.param(
        {"title": "x", "blocks": [{"type": "paragraph", "html": "y" * 240_000}]},
        "blocks",
        str(MAX_INLINE_HTML),
        id="240k-char-paragraph",
    ),
    pytest.param(
        {"title": "x", "blocks": [{"type": "list", "items": ["flood"] * 20_000}]},
        "items",
        "50",
        id="20k-list-items",
    ),
    pytest.param(unknown_fields(10_000), "field", "Extra inputs", id="10k-unknown-fields"),
    pytest.param(
        {"title": "x", "blocks": [{"type": "paragraph", "html": "<b>" * 20_000}]},
        "blocks",
        "",
        id="20k-unclosed-tags",
    ),
]


@pytest.mark.parametrize(("body", "field", "mention"), TOO_MUCH)
def test_too_much_of_anything_is_a_short_422(
    api: Any, story: dict[str, Any], body: dict[str, Any], field: str, mention: str
) -> None:
    # Given a body under the size limit holding thousands of things, or one huge one
    text = json.dumps(body)
    assert len(text) < LIMIT
    before = stored(api, story["blog"]["id"])

    # When it is posted as an entry
    response, peak = measured(api, "POST", f"/blogs/{story['blog']['id']}/entries", text, {})

    # Then the answer names the field and the limit, lists at most a screenful of problems and
    # never echoes the input back; memory stayed bounded and nothing was stored
    assert response.status == 422, response.body
    error = response.body["error"]
    assert error["code"] == "validation_failed"
    assert field in error["message"], error["message"]
    assert mention in error["message"], error["message"]
    assert len(error["details"]) <= MAX_PROBLEMS_LISTED
    assert len(json.dumps(response.body)) < 20_000
    assert peak < MEMORY_BUDGET, f"{peak / 2**20:.1f} MiB"
    assert stored(api, story["blog"]["id"]) == before


def test_thousands_of_problems_are_counted_and_the_first_listed(api: Any, story: dict[str, Any]) -> None:
    response = api.request("POST", "/blogs", unknown_fields(3_000))

    assert response.status == 422
    assert len(response.body["error"]["details"]) == MAX_PROBLEMS_LISTED
    assert "more" in response.body["error"]["message"], response.body["error"]["message"]


def test_a_body_over_the_limit_is_refused_before_it_is_parsed(api: Any, story: dict[str, Any]) -> None:
    # Given a body one byte over the limit that would take long to parse
    body = nested(LIMIT // 2)
    assert len(body) == LIMIT + 1
    before = stored(api, story["blog"]["id"])

    response, peak = measured(api, "POST", f"/blogs/{story['blog']['id']}/entries", body, {})

    assert response.status == 413, response.body
    assert response.body["error"]["details"] == {"limit": LIMIT}
    assert peak < MEMORY_BUDGET
    assert stored(api, story["blog"]["id"]) == before


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"title": "caf\xe9"}', id="latin-1"),
        pytest.param(b'{"title": "\xff\xfe"}', id="stray-bytes"),
        pytest.param(b'{"title": "\xed\xa0\x80"}', id="utf-8-encoded-surrogate"),
    ],
)
def test_a_body_that_is_not_utf8_is_refused(api: Any, story: dict[str, Any], raw: bytes) -> None:
    before = stored(api, story["blog"]["id"])
    event = api.event("POST", f"/blogs/{story['blog']['id']}/entries")
    event["headers"]["content-type"] = "application/json"
    event["body"] = base64.b64encode(raw).decode()
    event["isBase64Encoded"] = True

    response = api.invoke(event)

    assert response.status == 400, response.body
    assert response.body["error"]["code"] == "malformed_json"
    assert "UTF-8" in response.body["error"]["message"]
    assert stored(api, story["blog"]["id"]) == before


def test_a_body_that_is_not_base64_as_it_claims_is_refused(api: Any, story: dict[str, Any]) -> None:
    event = api.event("POST", f"/blogs/{story['blog']['id']}/entries")
    event["headers"]["content-type"] = "application/json"
    event["body"] = "{not base64}"
    event["isBase64Encoded"] = True

    response = api.invoke(event)

    assert response.status == 400, response.body
    assert response.body["error"]["code"] == "malformed_json"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"cursor": "c" * 50_000}, "cursor"),
        ({"limit": "9" * 10_000}, "limit"),
        ({"status": "s" * 50_000}, "status"),
    ],
)
def test_huge_query_parameters_are_422s(api: Any, query: dict[str, str], field: str) -> None:
    response = api.request("GET", "/blogs", query=query)

    assert response.status == 422, response.body
    assert field in response.body["error"]["message"]
    assert len(json.dumps(response.body)) < 10_000


def test_a_huge_path_gets_a_short_json_answer(api: Any, story: dict[str, Any]) -> None:
    for path, status in (
        (f"/blogs/{'A' * 60_000}", 422),
        (f"/blogs/{story['blog']['id']}/entries/{'B' * 60_000}", 422),
        ("/x" * 30_000, 404),
    ):
        response = api.request("GET", path)
        assert response.status == status, response.body
        # The answer names what is wrong without echoing 60 KB back
        assert len(json.dumps(response.body)) < 2_000, len(json.dumps(response.body))


def measured(api: Any, method: str, path: str, body: str, headers: dict[str, str]) -> tuple[Any, int]:
    tracemalloc.start()
    try:
        response = api.request(method, path, raw_body=body, headers=headers)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return response, peak


# The order of checks: a body's size, then who is asking, then its parse. A refusal before the parse
# must not pay for the parse, whoever sends it and however the body is built.


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every body the admin API parses as JSON while a test runs."""
    parsed: list[int] = []

    def loads(text: str, **options: Any) -> Any:
        parsed.append(len(text))
        return json.loads(text, **options)

    monkeypatch.setattr(http, "json", SimpleNamespace(loads=loads, JSONDecodeError=json.JSONDecodeError))
    return parsed


ORDER = [
    pytest.param("reader", "create-entry", LIMIT + 1, 413, "payload_too_large", id="oversize-from-no-group"),
    pytest.param(None, "create-entry", LIMIT + 1, 413, "payload_too_large", id="oversize-without-claims"),
    pytest.param("editor", "update-entry", LIMIT + 1, 413, "payload_too_large", id="oversize-from-an-editor"),
    pytest.param("reader", "create-entry", 40_000, 403, "forbidden", id="no-group"),
    pytest.param("reader", "update-blog", 40_000, 403, "forbidden", id="no-group-on-a-blog"),
    pytest.param(None, "create-entry", 40_000, 401, "unauthorized", id="no-claims"),
    pytest.param("contributor", "create-blog", 40_000, 403, "forbidden", id="contributor-creating-a-blog"),
    pytest.param("contributor", "update-blog", 40_000, 403, "forbidden", id="contributor-changing-a-blog"),
]


@pytest.mark.parametrize(("role", "route", "size", "status", "code"), ORDER)
def test_size_then_caller_are_judged_before_the_body_is_parsed(
    api: Any,
    story: dict[str, Any],
    parses: list[int],
    role: str | None,
    route: str,
    size: int,
    status: int,
    code: str,
) -> None:
    # Given a well-formed body of `size` bytes that a parse would have to read through
    body = ordinary_entry(size)
    method, path, headers = ROUTES[route](story)
    before = stored(api, story["blog"]["id"])

    # When a caller sends it to a write route
    response = api.request(method, path, raw_body=body, headers=headers, role=role)

    # Then they hear the size refusal, or their own, and the body was never parsed
    assert response.status == status, response.body
    assert response.body["error"]["code"] == code
    assert parses == []
    assert stored(api, story["blog"]["id"]) == before


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=fence",
        "multipart/form-data",
    ],
)
def test_a_user_in_no_group_is_refused_whatever_the_body_is_sent_as(
    api: Any, story: dict[str, Any], content_type: str
) -> None:
    # Given a body Powertools would parse with its own form or multipart parser, or refuse as not JSON
    body = "--fence\r\nContent-Disposition: form-data; name=title\r\n\r\nx\r\n--fence--\r\n"

    # When a user in no group sends it
    response = api.request(
        "POST",
        f"/blogs/{story['blog']['id']}/entries",
        raw_body=body,
        headers={"Content-Type": content_type},
        role="reader",
    )

    # Then they hear that they may not, before anything about the body
    assert response.status == 403, response.body
    assert response.body["error"]["code"] == "forbidden"


# Time: a body built to make a scanner re-read it costs about what an ordinary body of its size costs.
# Each is measured as its fastest of a few runs, since noise on a shared machine only ever adds time.
SLOWER_AT_MOST = 5


def ordinary_entry(size: int) -> str:
    """A well-formed entry of exactly `size` bytes: paragraphs of plain prose."""
    prose = "Ferries stay in port as gusts reach 110 km/h on Quay Street. "
    paragraph = (prose * (4_000 // len(prose)))[:4_000]
    head = '{"title": "Storm update", "blocks": ['
    blocks = []
    while len(head) + len(",".join(blocks)) + 100 + len(paragraph) < size:
        blocks.append(json.dumps({"type": "paragraph", "html": paragraph}))
    body = head + ",".join(blocks)
    last = size - len(body) - len(', {"type": "paragraph", "html": ""}]}')
    body += ', {"type": "paragraph", "html": "' + paragraph[:last] + '"}]}'
    assert len(body.encode()) == size
    return body


def pathological(size: int) -> dict[str, str]:
    """Bodies of exactly `size` bytes that made a string-stripping regex retry from every quote."""
    return {
        "escaped quotes in an open string": ("[" * 40 + '"' + '\\"' * size)[:size],
        "escaped quotes and brackets in an open string": ('["' + '\\"[' * size)[:size],
        "quotes and brackets": ('["' + '[\\"' * size)[:size],
        "brackets, then a quote": "[" * (size - 1) + '"',
    }


def fastest(send: Callable[[], Any], runs: int = 5, budget_seconds: float = 10.0) -> float:
    """The fastest of `runs` calls, or of those made before `budget_seconds` ran out."""
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < runs and time.perf_counter() - started < budget_seconds:
        begun = time.perf_counter()
        send()
        times.append(time.perf_counter() - begun)
    return min(times)


@pytest.mark.parametrize(
    ("role", "size", "status"),
    [
        pytest.param("editor", 48 * 1024, 400, id="48KB-from-an-editor"),
        pytest.param("editor", 200 * 1024, 400, id="200KB-from-an-editor"),
        pytest.param("reader", 48 * 1024, 403, id="48KB-from-no-group"),
        pytest.param("reader", LIMIT + 10 * 1024, 413, id="266KB-from-no-group"),
    ],
)
def test_a_pathological_body_costs_no_more_than_an_ordinary_one(
    api: Any, story: dict[str, Any], role: str, size: int, status: int
) -> None:
    # Given an ordinary entry of `size` bytes, and bodies of that size built to be re-read
    path = f"/blogs/{story['blog']['id']}/entries"

    def send(body: str) -> Any:
        return api.request("POST", path, raw_body=body, role=role)

    ordinary = fastest(lambda: send(ordinary_entry(size)))
    slow = []
    for name, body in pathological(size).items():
        # When each is sent, as often as the ordinary one was
        response = send(body)
        took = fastest(lambda body=body: send(body))

        # Then each gets its 4xx as soon as an ordinary body gets its answer
        assert response.status == status, (name, response.body)
        if took > SLOWER_AT_MOST * ordinary:
            slow.append(f"{name}: {took:.3f} s, an ordinary body {ordinary:.3f} s")
    assert not slow, "\n".join(slow)
