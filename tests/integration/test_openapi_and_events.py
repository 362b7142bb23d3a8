"""The OpenAPI document and Swagger UI, and every sample event in events/ through the handler."""

from typing import Any

import pytest

from liveblog.api.admin import PUBLIC_PATHS
from liveblog.models import Blog, BlogStatus, Entry, EntryStatus
from liveblog.models.common import Author

SAMPLE_BLOG_ID = "01JDQ5V7Z8YB6T3M2W4K9C1E0F"
SAMPLE_ENTRY_ID = "01JDQ6A3R4S5T6V7W8X9Y0Z1AB"


def test_openapi_document_is_public_and_documents_every_route(api: Any) -> None:
    response = api.request("GET", "/openapi.json", role=None)

    assert response.status == 200
    document = response.body
    paths = document["paths"]
    assert set(paths) == {
        "/health",
        "/blogs",
        "/blogs/{blog_id}",
        "/blogs/{blog_id}/entries",
        "/blogs/{blog_id}/entries/{entry_id}",
        "/blogs/{blog_id}/photos",
        "/blogs/{blog_id}/photos/{photo_id}",
    }
    create = paths["/blogs/{blog_id}/entries"]["post"]
    assert create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/Entry")
    for status in ("400", "403", "404", "409", "415", "422"):
        assert create["responses"][status]["content"]["application/json"]["schema"]["$ref"].endswith(
            "/ErrorBody"
        )
    patch = paths["/blogs/{blog_id}"]["patch"]
    assert {"412", "428"} <= set(patch["responses"])
    assert {"name": "if-match", "in": "header"}.items() <= patch["parameters"][1].items()
    schemas = document["components"]["schemas"]
    assert {"ParagraphBlock", "EmbedBlock", "PhotoBlock", "BlogCreate", "EntryPatch"} <= set(schemas)
    assert {"PhotoCreate", "PhotoPatch", "PhotoUpload", "Photo", "Rendition"} <= set(schemas)
    upload = paths["/blogs/{blog_id}/photos"]["post"]
    assert upload["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/PhotoUpload"
    )
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert document["security"] == [{"bearer": []}]
    for path, item in paths.items():
        for method, operation in item.items():
            # Only the public routes say so; every other one inherits the bearer requirement
            assert operation.get("security") == ([] if path in PUBLIC_PATHS else None), f"{method} {path}"


def test_every_operation_documents_its_success_and_its_errors_in_the_one_error_body(api: Any) -> None:
    document = api.request("GET", "/openapi.json", role=None).body

    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            successes = sorted(status for status in responses if status.startswith("2"))
            assert len(successes) == 1, f"{method} {path}: {successes}"
            success = responses[successes[0]]
            if successes[0] == "204":
                assert not success.get("content"), f"{method} {path}"
            else:
                assert success["content"]["application/json"]["schema"]["$ref"].startswith(
                    "#/components/schemas/"
                ), f"{method} {path}"
            assert "422" in responses, f"{method} {path}"  # every route validates its input
            for status, response in responses.items():
                if status.startswith("2"):
                    continue
                schema = response["content"]["application/json"]["schema"]
                refs = [schema["$ref"]] if "$ref" in schema else [one["$ref"] for one in schema["anyOf"]]
                # What the gateway refuses itself (401, 413, 429) carries its own {"message": ...}
                expected = (
                    ["ErrorBody", "GatewayMessage"] if status in ("401", "413", "429") else ["ErrorBody"]
                )
                assert [ref.rsplit("/", 1)[1] for ref in refs] == expected, f"{method} {path} {status}"


def test_swagger_ui_is_served_at_docs(api: Any) -> None:
    response = api.request("GET", "/docs", role=None)

    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "swagger" in response.body.lower()
    assert "/blogs/{blog_id}/entries" in response.body


def _seed_sample_ids(store: Any, content_table: Any, tables: dict[str, str]) -> None:
    """The sample events name fixed ids, slugs and keys: start each test from none of them."""
    from datetime import UTC, datetime

    import boto3

    for key in [
        ("BLOG#" + SAMPLE_BLOG_ID, "BLOG"),
        ("SLUG#sample-blog", "SLUG"),
        ("SLUG#harbour-city-marathon", "SLUG"),
    ]:
        content_table.delete_item(Key={"PK": key[0], "SK": key[1]})
    for item in content_table.scan(
        FilterExpression="slug = :s", ExpressionAttributeValues={":s": "harbour-city-marathon"}
    )["Items"]:
        content_table.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})
    for item in content_table.query(
        KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": "BLOG#" + SAMPLE_BLOG_ID}
    )["Items"]:
        content_table.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})
    idempotency = boto3.resource("dynamodb").Table(tables["IdempotencyTable"])
    for item in idempotency.scan()["Items"]:
        idempotency.delete_item(Key={"id": item["id"]})
    now = datetime.now(UTC)
    author = Author(id="7d3c1f4e-0000-4000-8000-000000000001", name="Eda Harbour")
    store.create_blog(
        Blog(
            id=SAMPLE_BLOG_ID,
            slug="sample-blog",
            title="Sample",
            status=BlogStatus.DRAFT,
            created_by=author,
            created_at=now,
            updated_at=now,
            version=1,
        )
    )
    store.create_entry(
        SAMPLE_BLOG_ID,
        lambda seq, pub_seq: Entry(
            id=SAMPLE_ENTRY_ID,
            blog_id=SAMPLE_BLOG_ID,
            seq=seq,
            pub_seq=pub_seq,
            status=EntryStatus.PUBLISHED,
            title="Sample entry",
            author=author,
            created_at=now,
            published_at=now,
            version=1,
        ),
        publishing=True,
    )


def test_every_sample_event_works_against_the_handler(
    api: Any, store: Any, sample_event: Any, content_table: Any, tables: dict[str, str]
) -> None:
    # Given the blog and entry that the sample events name
    _seed_sample_ids(store, content_table, tables)

    expected = [
        ("health", 200),
        ("openapi", 200),
        ("create-blog", 201),
        ("list-blogs", 200),
        ("get-blog", 200),
        ("update-blog", 200),
        ("create-entry", 201),
        ("list-entries", 200),
        ("get-entry", 200),
        ("update-entry", 200),
        ("delete-entry", 200),
    ]
    # When each is sent as API Gateway would, then each gets its documented status
    for name, status in expected:
        response = api.invoke(sample_event(name))
        assert response.status == status, (name, response.body)
    # And the blog can be deleted with the sample event once it has ended and been archived
    for version, status in ((2, "ended"), (3, "archived")):
        api.request(
            "PATCH", f"/blogs/{SAMPLE_BLOG_ID}", {"status": status}, headers={"If-Match": f'"{version}"'}
        )
    assert api.invoke(sample_event("delete-blog")).status == 204


@pytest.mark.parametrize("name", ["create-blog", "create-entry"])
def test_sample_create_events_replay_under_their_idempotency_key(
    api: Any, store: Any, sample_event: Any, content_table: Any, tables: dict[str, str], name: str
) -> None:
    _seed_sample_ids(store, content_table, tables)

    first = api.invoke(sample_event(name))
    second = api.invoke(sample_event(name))

    assert first.status == 201
    assert second.body == first.body
