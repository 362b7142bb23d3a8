"""Shared fixtures: moto-backed tables built from template.yaml, handlers called with events/*.json."""

import copy
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

# Before anything makes a boto3 client: never reach real AWS from a test.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_METRICS_NAMESPACE="LiveblogTest",
    POWERTOOLS_LOG_LEVEL="WARNING",
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

import boto3
import pytest
from moto import mock_aws

from liveblog_local.functions import load_handler
from liveblog_local.moto_locks import serialize_dynamodb
from liveblog_local.template import create_buckets, create_tables, function_environment

REPO = Path(__file__).resolve().parents[1]
EVENTS = REPO / "events"
SAMPLE_BLOG_ID = "01JDQ5V7Z8YB6T3M2W4K9C1E0F"
SAMPLE_ENTRY_ID = "01JDQ6A3R4S5T6V7W8X9Y0Z1AB"
GROUPS = {"editor": "[editors]", "contributor": "[contributors]", "reader": "[]"}


@dataclass
class LambdaContext:
    function_name: str = "liveblog-admin-api"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:liveblog-admin-api"
    aws_request_id: str = field(default_factory=lambda: str(uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def etag(self) -> str:
        return self.headers["ETag"]


class AdminApi:
    """Calls the admin handler as API Gateway would, starting from the sample events."""

    def __init__(self) -> None:
        self.handler = load_handler("admin_api")
        # One invocation at a time, as in a Lambda sandbox: the resolver holds the current request.
        self._invocation = threading.Lock()

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        role: str | None = "editor",
        user: str = "editor-1",
        name: str | None = None,
        raw_body: str | None = None,
    ) -> ApiResponse:
        event = copy.deepcopy(load_event("get-blog"))
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
        event["requestContext"]["http"]["method"] = method
        event["routeKey"] = f"{method} {path}"
        event["headers"] = {"accept": "application/json"}
        if body is not None or raw_body is not None:
            event["headers"]["content-type"] = "application/json"
            event["body"] = raw_body if raw_body is not None else json.dumps(body)
        event["headers"].update({name.lower(): value for name, value in (headers or {}).items()})
        if query:
            event["queryStringParameters"] = query
            event["rawQueryString"] = "&".join(f"{name}={value}" for name, value in query.items())
        if role is None:
            del event["requestContext"]["authorizer"]
        else:
            claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
            claims.update({"sub": user, "name": name or f"User {user}", "cognito:groups": GROUPS[role]})
        return self.invoke(event)

    def invoke(self, event: dict[str, Any]) -> ApiResponse:
        with self._invocation:
            result = self.handler(event, LambdaContext())
        body = result.get("body")
        is_json = result.get("headers", {}).get("Content-Type", "").startswith("application/json")
        return ApiResponse(
            result["statusCode"], result.get("headers", {}), json.loads(body) if body and is_json else body
        )

    # Shortcuts for the common set-up steps, each asserting it worked.

    def create_blog(self, **fields: Any) -> dict[str, Any]:
        body = {"slug": unique_slug(), "title": "Storm over Port Avalon", **fields}
        response = self.request("POST", "/blogs", body)
        assert response.status == 201, response.body
        return response.body

    def go_live(self, blog: dict[str, Any]) -> dict[str, Any]:
        response = self.request(
            "PATCH", f"/blogs/{blog['id']}", {"status": "live"}, headers={"If-Match": f'"{blog["version"]}"'}
        )
        assert response.status == 200, response.body
        return response.body

    def post_entry(
        self, blog_id: str, role: str = "editor", user: str = "editor-1", **fields: Any
    ) -> dict[str, Any]:
        body = {
            "status": "published",
            "blocks": [{"type": "paragraph", "html": "Winds reach 90 km/h."}],
            **fields,
        }
        response = self.request("POST", f"/blogs/{blog_id}/entries", body, role=role, user=user)
        assert response.status == 201, response.body
        return response.body


@pytest.fixture(scope="session")
def session_tables() -> Iterator[dict[str, str]]:
    """moto for the whole session, with the tables and buckets template.yaml defines and the
    environment of the admin and media functions."""
    serialize_dynamodb()  # real DynamoDB is atomic per item; moto is not without this
    with mock_aws():
        names = create_tables(boto3.client("dynamodb"))
        buckets = create_buckets(boto3.client("s3"))
        patch = pytest.MonkeyPatch()
        for function in ("AdminApiFunction", "MediaFunction"):
            for name, value in function_environment(function, names={**names, **buckets}).items():
                patch.setenv(name, value)
        _reset_cold_start_caches()
        yield names
        patch.undo()
        _reset_cold_start_caches()


@pytest.fixture
def tables(session_tables: dict[str, str]) -> dict[str, str]:
    """Empty tables for every test: moto's transactions copy whole tables, so a table that kept
    every test's items would make each later test slower."""
    dynamodb = boto3.resource("dynamodb")
    for name in session_tables.values():
        table = dynamodb.Table(name)
        keys = [key["AttributeName"] for key in table.key_schema]
        with table.batch_writer() as batch:
            for item in table.scan(
                ProjectionExpression=", ".join(f"#k{i}" for i in range(len(keys))),
                ExpressionAttributeNames={f"#k{i}": key for i, key in enumerate(keys)},
            )["Items"]:
                batch.delete_item(Key=item)
    return session_tables


def _reset_cold_start_caches() -> None:
    from liveblog import scheduling
    from liveblog.api import admin
    from liveblog.media import ingest
    from liveblog.settings import content_settings

    admin.services.cache_clear()
    ingest._services.cache_clear()
    scheduling._store.cache_clear()
    content_settings.cache_clear()


def unique_slug(prefix: str = "blog") -> str:
    return f"{prefix}-{uuid4().hex[:12]}"


@pytest.fixture
def api(tables: dict[str, str]) -> AdminApi:
    return AdminApi()


@pytest.fixture
def content_table(tables: dict[str, str]) -> Any:
    return boto3.resource("dynamodb").Table(tables["ContentTable"])


@pytest.fixture
def store(tables: dict[str, str]) -> Any:
    from liveblog.storage.content import ContentStore

    return ContentStore(tables["ContentTable"])


@pytest.fixture
def decide(store: Any) -> Any:
    """Record the media function's verdict on a photo directly, for tests about the API and the
    renderer rather than about images: ready with 320 and 640 px renditions, or rejected."""
    from liveblog.models import Photo, PhotoStatus, Rejection, Rendition

    def record(blog_id: str, photo_id: str, *, rejected: bool = False) -> Photo:
        photo = store.get_photo(blog_id, photo_id)
        if rejected:
            verdict = photo.model_copy(
                update={
                    "status": PhotoStatus.REJECTED,
                    "reason": Rejection(code="not_an_image", message="the file is not an image"),
                }
            )
        else:
            renditions = [
                Rendition(
                    width=w, height=w * 2 // 3, format=f, key=f"media/{photo_id}/{w}.abc.{e}", bytes=w * 10
                )
                for w in (320, 640)
                for f, e in (("jpeg", "jpg"), ("webp", "webp"))
            ]
            verdict = photo.model_copy(
                update={"status": PhotoStatus.READY, "width": 640, "height": 426, "renditions": renditions}
            )
        assert store.finish_photo(verdict)
        return store.get_photo(blog_id, photo_id)

    return record


@pytest.fixture
def run_scheduler(tables: dict[str, str]) -> Any:
    handler = load_handler("scheduler")
    return lambda: handler(load_event("scheduler-tick"), LambdaContext(function_name="liveblog-scheduler"))


@pytest.fixture
def sample_event() -> Any:
    """A fresh copy of events/<name>.json."""
    return load_event


@pytest.fixture
def slug() -> str:
    return unique_slug()
