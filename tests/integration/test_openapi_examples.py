"""Every request-body example in the API's own OpenAPI document succeeds when sent as it is, as Swagger
UI's "Try it out" sends it: the examples are what a newcomer's first requests are made of."""

from collections.abc import Callable
from typing import Any

import pytest

# An operation, and how to bring about the state its examples are written for: the path to send them
# to, and the If-Match a PATCH needs (the resource's current ETag).
Arranged = tuple[str, dict[str, str]]


def _live_blog(api: Any) -> dict[str, Any]:
    return api.go_live(api.create_blog(title="Election night"))


def _draft_blog(api: Any) -> Arranged:
    blog = api.create_blog(title="Election night")
    return f"/blogs/{blog['id']}", {"If-Match": f'"{blog["version"]}"'}


def _draft_entry(api: Any) -> Arranged:
    blog = _live_blog(api)
    entry = api.post_entry(blog["id"], status="draft", title="Polls close")
    return f"/blogs/{blog['id']}/entries/{entry['id']}", {"If-Match": f'"{entry["version"]}"'}


def _pending_photo(api: Any) -> Arranged:
    blog = _live_blog(api)
    asked = api.request(
        "POST",
        f"/blogs/{blog['id']}/photos",
        {"filename": "count.jpg", "content_type": "image/jpeg", "byte_size": 1000},
    )
    assert asked.status == 201, asked.body
    photo = asked.body["photo"]
    return f"/blogs/{blog['id']}/photos/{photo['id']}", {"If-Match": f'"{photo["version"]}"'}


ARRANGE: dict[tuple[str, str], Callable[[Any], Arranged]] = {
    ("POST", "/blogs"): lambda api: ("/blogs", {}),
    ("PATCH", "/blogs/{blog_id}"): _draft_blog,
    ("POST", "/blogs/{blog_id}/entries"): lambda api: (f"/blogs/{_live_blog(api)['id']}/entries", {}),
    ("PATCH", "/blogs/{blog_id}/entries/{entry_id}"): _draft_entry,
    ("POST", "/blogs/{blog_id}/photos"): lambda api: (f"/blogs/{_live_blog(api)['id']}/photos", {}),
    ("PATCH", "/blogs/{blog_id}/photos/{photo_id}"): _pending_photo,
}


def body_examples(document: dict[str, Any]) -> dict[tuple[str, str], list[Any]]:
    """Each operation's request-body examples, from its media type or from the schema it names."""
    found: dict[tuple[str, str], list[Any]] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content is None:
                continue
            schema = content["schema"]
            if "$ref" in schema:
                schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
            examples = [example["value"] for example in content.get("examples", {}).values()]
            examples += [content["example"]] if "example" in content else []
            found[(method.upper(), path)] = examples + schema.get("examples", [])
    return found


@pytest.fixture
def document(api: Any) -> dict[str, Any]:
    response = api.request("GET", "/openapi.json", role=None)
    assert response.status == 200
    return dict(response.body)


def test_every_request_body_has_an_example(document: dict[str, Any]) -> None:
    # When the document's operations that take a body are read
    examples = body_examples(document)

    # Then each has an example (and this test knows how to try each one)
    assert set(examples) == set(ARRANGE)
    assert [operation for operation, found in examples.items() if not found] == []


@pytest.mark.parametrize("operation", sorted(ARRANGE), ids=" ".join)
def test_every_example_succeeds_as_it_is(
    api: Any, document: dict[str, Any], operation: tuple[str, str]
) -> None:
    method, _ = operation
    examples = body_examples(document)[operation]
    assert examples, f"{operation} has no example for Swagger UI to fill in"
    for example in examples:
        # Given the resource the example is written for, in the state it expects
        path, headers = ARRANGE[operation](api)

        # When the example is sent as it is
        response = api.request(method, path, example, headers=headers)

        # Then it succeeds, and what it set is what the API now shows
        assert 200 <= response.status < 300, (example, response.body)
        shown = response.body.get("photo", response.body)
        assert {name: shown[name] for name in example} == example
