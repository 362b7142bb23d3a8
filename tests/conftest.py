"""Shared fixtures: moto-backed tables built from template.yaml, handlers called with events/*.json."""

import copy
import json
import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
from liveblog_local.moto_fast import serialize_items_fast
from liveblog_local.moto_locks import serialize_dynamodb
from liveblog_local.template import create_buckets, create_tables, function_environment
from support.cloudfront import create_distribution
from support.moto_state import empty_tables
from support.snapshots import linked_keys

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
        # Re-entrant, because a test may play another editor from inside a request (a race made
        # deterministic); a plain Lock deadlocks there and hangs the whole run.
        self._invocation = threading.RLock()

    def request(self, method: str, path: str, body: Any = None, **options: Any) -> ApiResponse:
        return self.invoke(self.event(method, path, body, **options))

    def event(
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
    ) -> dict[str, Any]:
        """The HTTP API event API Gateway would send for this request, with an editor's verified claims."""
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
        return event

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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def free_port() -> Callable[[], int]:
    """A loopback port nothing listens on, for servers the tests start."""
    return _free_port


@pytest.fixture(scope="session")
def session_tables() -> Iterator[dict[str, str]]:
    """moto for the whole session, with the tables and buckets template.yaml defines and the
    environment of the admin and media functions."""
    serialize_dynamodb()  # real DynamoDB is atomic per item; moto is not without this
    serialize_items_fast()  # moto's own serialiser is half of a render's time here
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
    """Empty tables for every test (see support.moto_state)."""
    empty_tables(session_tables.values())
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


# ---------------------------------------------------------------- the renderer and its snapshots


@pytest.fixture
def snapshot_bucket(tables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The renderer's environment as template.yaml gives it, and its (empty) snapshot bucket."""
    buckets = create_buckets(boto3.client("s3"))
    for name, value in function_environment("RendererFunction", names={**tables, **buckets}).items():
        monkeypatch.setenv(name, value)
    from liveblog.rendering import stream as stream_module

    stream_module.renderer.cache_clear()
    # Tests assert on everything in the bucket: start from an empty one, as the tables do.
    boto3.resource("s3").Bucket(buckets["SnapshotBucket"]).objects.all().delete()
    yield buckets["SnapshotBucket"]
    stream_module.renderer.cache_clear()


@pytest.fixture
def distribution(snapshot_bucket: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A CloudFront distribution in front of the snapshot bucket, known to the renderer."""
    from liveblog.rendering import stream as stream_module

    distribution_id = create_distribution(snapshot_bucket, "snapshots")
    monkeypatch.setenv("LIVEBLOG_DISTRIBUTION_ID", distribution_id)
    stream_module.renderer.cache_clear()
    return distribution_id


@pytest.fixture
def seed_published(tables: dict[str, str]) -> Any:
    """Writes published entries straight into the table, as hours of posting would (their stream
    records are real ones)."""
    return lambda blog_id, count, key_events=(): _seed_published(
        tables["ContentTable"], blog_id, count, key_events
    )


def _seed_published(table_name: str, blog_id: str, count: int, key_events: Iterable[int]) -> None:
    from liveblog.models import Entry, EntryStatus
    from liveblog.models.common import Author
    from liveblog.storage.content import _entry_item, _entry_key, _serialize

    client = boto3.client("dynamodb")
    now = datetime.now(UTC)
    author = Author(id="seed", name="Seed")
    items = []
    for n in range(1, count + 1):
        entry = Entry(
            id=f"01JD{n:022d}",
            blog_id=blog_id,
            seq=n,
            pub_seq=n,
            status=EntryStatus.PUBLISHED,
            title=f"Archive {n}",
            key_event=n in set(key_events),
            author=author,
            created_at=now,
            published_at=now,
            version=1,
        )
        items.append(
            {"PutRequest": {"Item": {**_serialize(_entry_item(entry)), **_entry_key(blog_id, entry.id)}}}
        )
    for start in range(0, len(items), 25):
        client.batch_write_item(RequestItems={table_name: items[start : start + 25]})
    client.update_item(
        TableName=table_name,
        Key={"PK": {"S": f"BLOG#{blog_id}"}, "SK": {"S": "BLOG"}},
        UpdateExpression="SET entry_seq = :n, published_seq = :n",
        ExpressionAttributeValues={":n": {"N": str(count)}},
    )


def comparable(key: str, document: Any) -> Any:
    """A snapshot without what differs between two renders of the same content: the render's
    version and time. Entry documents also drop the blog they embed, which is as it was when the
    entry was last rendered: a blog edit rewrites latest.json, not every entry's document."""
    document = {name: value for name, value in document.items() if name not in ("version", "generated_at")}
    if key.endswith("/latest.json"):
        document["json_ld"] = {k: v for k, v in document["json_ld"].items() if k != "dateModified"}
    if "/entries/" in key:
        document.pop("blog")
    return document


class SnapshotTruth:
    """What the bucket holds, and what it should hold given the table."""

    def __init__(self, table_name: str, bucket: str) -> None:
        self.table_name = table_name
        self.bucket = bucket
        self._read: dict[str, tuple[str, Any]] = {}  # key -> (ETag, comparable document)

    def published(self) -> dict[str, Any]:
        """Every snapshot in the bucket, comparable (see `comparable`); each content read once."""
        client = boto3.client("s3")
        documents = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for obj in page.get("Contents", []):
                key, etag = obj["Key"], obj["ETag"]
                if self._read.get(key, ("",))[0] != etag:
                    body = client.get_object(Bucket=self.bucket, Key=key, IfMatch=etag)["Body"].read()
                    self._read[key] = (etag, comparable(key, json.loads(body)))
                documents[key] = self._read[key][1]
        return documents

    def expected(self) -> dict[str, Any]:
        return expected_snapshots(self.table_name)


@pytest.fixture
def truth(tables: dict[str, str], snapshot_bucket: str) -> SnapshotTruth:
    return SnapshotTruth(tables["ContentTable"], snapshot_bucket)


@pytest.fixture
def render_all(tables: dict[str, str], snapshot_bucket: str) -> Any:
    """Publish the whole table with the renderer the handler uses, without the stream: set-up for
    tests that start from a blog whose history was written straight into the table."""
    from liveblog.rendering import stream as stream_module

    return lambda: render_everything(stream_module.renderer(), tables["ContentTable"])


def render_everything(renderer: Any, table_name: str) -> None:
    """Render every blog of the table in full (all pages, every published entry's document),
    then the index, whatever the stream said."""
    from liveblog.rendering.renderer import BlogChanges

    client = boto3.client("dynamodb")
    blogs = [
        item["PK"]["S"].removeprefix("BLOG#")
        for page in client.get_paginator("query").paginate(
            TableName=table_name,
            IndexName="GSI2",
            KeyConditionExpression="GSI2PK = :blogs",
            ExpressionAttributeValues={":blogs": {"S": "BLOGS"}},
            ProjectionExpression="PK",
        )
        for item in page["Items"]
    ]
    for blog_id in blogs:
        published = {
            item["SK"]["S"].removeprefix("ENTRY#")
            for page in client.get_paginator("query").paginate(
                TableName=table_name,
                IndexName="GSI1",
                KeyConditionExpression="GSI1PK = :published",
                ExpressionAttributeValues={":published": {"S": f"BLOG#{blog_id}#ENTRIES#published"}},
                ProjectionExpression="SK",
            )
            for item in page["Items"]
        }
        renderer.render_blog(blog_id, BlogChanges(blog_changed=True, entry_ids=published))
    renderer.render_index()


def expected_snapshots(table_name: str) -> dict[str, Any]:
    """What readers should find, from the table alone: every blog rendered as if for the first time
    (no render state) into an empty store. Faults, duplicates and reordering must converge on it."""
    from liveblog.rendering.renderer import Renderer
    from liveblog.settings import RendererSettings
    from liveblog.storage.content import ContentStore, RenderState
    from liveblog.storage.snapshots import SnapshotStore

    class FirstRender(ContentStore):
        def render_inputs(self, blog_id: str) -> Any:
            blog, published_seq, _ = super().render_inputs(blog_id)
            return blog, published_seq, RenderState()

        def save_render_state(self, *args: Any, **kwargs: Any) -> None:
            pass

        def forget_superseded(self, *args: Any, **kwargs: Any) -> None:
            pass

    class Collected(SnapshotStore):
        def __init__(self) -> None:
            self.documents: dict[str, bytes] = {}

        def put(self, key: str, body: bytes, *, immutable: bool, version: int | None = None) -> None:
            self.documents[key] = body

        def delete(self, key: str) -> None:
            self.documents.pop(key, None)

        def invalidate(self, keys: list[str]) -> None:
            pass

    store = Collected()
    render_everything(
        Renderer(FirstRender(table_name), store, RendererSettings().public_base_url), table_name
    )
    return {key: comparable(key, json.loads(body)) for key, body in store.documents.items()}


class SnapshotWatch:
    """Looks at the bucket after every PutObject and DeleteObject the renderer makes, failed or not,
    as a reader could at that moment: nothing reachable from index.json or a latest.json may be
    missing, and a versioned document's version never goes down, nor names two contents.

    The bucket is listed once; after that each write's key is looked up (a write whose answer
    was lost may or may not have landed), so a check costs one HEAD and the reads of what changed."""

    def __init__(self, bucket: str, client: Any) -> None:
        self.bucket = bucket
        self.reader = boto3.client("s3")
        self.writes = 0
        self.violations: list[str] = []
        self.versions: dict[str, list[int]] = {}
        self._reported: set[str] = set()
        self._seen: dict[str, tuple[int, Any]] = {}
        self._documents: dict[str, Any] = {}
        self.keys = {
            obj["Key"]
            for page in self.reader.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for obj in page.get("Contents", [])
        }
        for operation in ("PutObject", "DeleteObject"):
            client.meta.events.register(f"before-parameter-build.s3.{operation}", self._note_key)
            for outcome in ("after-call", "after-call-error"):
                client.meta.events.register(f"{outcome}.s3.{operation}", self._after_write)
        self.check("the start")

    @staticmethod
    def _note_key(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["watched_key"] = params["Key"]

    def _after_write(self, context: dict[str, Any], **_: Any) -> None:
        key = context["watched_key"]
        self.writes += 1
        self._documents.pop(key, None)
        try:
            self.reader.head_object(Bucket=self.bucket, Key=key)
            self.keys.add(key)
        except self.reader.exceptions.ClientError:
            self.keys.discard(key)
        self.check(f"write {self.writes} ({key})")

    def _violation(self, moment: str, what: str) -> None:
        """Recorded once, at the first write that shows it."""
        if what not in self._reported:
            self._reported.add(what)
            self.violations.append(f"after {moment}: {what}")

    def _get(self, key: str) -> Any:
        if key not in self._documents:
            self._documents[key] = json.loads(
                self.reader.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            )
        return self._documents[key]

    def check(self, moment: str) -> None:
        roots = sorted(key for key in self.keys if key == "v1/index.json" or key.endswith("/latest.json"))
        for root in roots:
            document = self._get(root)
            reachable = linked_keys(root, document)
            for page in [key for key in reachable if "/pages/" in key and key in self.keys]:
                reachable |= linked_keys(page, self._get(page))
            for missing in sorted(reachable - self.keys):
                self._violation(moment, f"{root} (version {document['version']}) links {missing}")
            version, content = document["version"], comparable(root, document)
            seen = self._seen.get(root)
            if seen and version < seen[0]:
                self._violation(moment, f"{root} went from version {seen[0]} back to {version}")
            elif seen and version == seen[0] and content != seen[1]:
                self._violation(
                    moment, f"{root} version {version} was published twice, with different content"
                )
            if not seen or seen[0] != version:
                self.versions.setdefault(root, []).append(version)
            self._seen[root] = (version, content)


@pytest.fixture
def watch(snapshot_bucket: str) -> SnapshotWatch:
    """Invariant checks on every write of the renderer (the one the handler will use)."""
    from liveblog.rendering import stream as stream_module

    return SnapshotWatch(snapshot_bucket, stream_module.renderer().snapshots._client)


# ---------------------------------------------------------------- AWS faults behind moto

_DYNAMODB_ERROR = "com.amazonaws.dynamodb.v20120810#"


def _error_response(service: str, kind: str, url: str, call: int) -> Any:
    """What the service answers when it is throttling or failing, as botocore receives it."""
    from botocore.awsrequest import AWSResponse
    from moto.core.botocore_stubber import MockRawResponse

    if service == "dynamodb":
        # Both throttling codes DynamoDB sends, alternately: the renderer must treat them alike.
        throttled = "ProvisionedThroughputExceededException" if call % 2 else "ThrottlingException"
        code, status = (throttled, 400) if kind == "throttled" else ("InternalServerError", 500)
        body = json.dumps({"__type": _DYNAMODB_ERROR + code, "message": f"injected {kind}"})
        headers = {"Content-Type": "application/x-amz-json-1.0"}
    else:
        code, status = {
            ("s3", "throttled"): ("SlowDown", 503),
            ("s3", "internal-error"): ("InternalError", 500),
            ("cloudfront", "throttled"): ("Throttling", 400),
            ("cloudfront", "internal-error"): ("InternalError", 500),
        }[service, kind]
        error = f"<Error><Type>Sender</Type><Code>{code}</Code><Message>injected {kind}</Message></Error>"
        body = error if service == "s3" else f"<ErrorResponse>{error}</ErrorResponse>"
        headers = {"Content-Type": "application/xml"}
    return AWSResponse(url, status, headers, MockRawResponse(body))


class FaultInjector:
    """Fails AWS calls of the given clients, on every attempt botocore makes, in front of moto.

    Calls are counted at `before-call` (once per API call, whatever the retries), and moto's own
    `before-send` handler is wrapped. A failing attempt gets, by kind: "throttled" (S3 SlowDown,
    DynamoDB ProvisionedThroughputExceededException or ThrottlingException, CloudFront
    Throttling) or "internal-error" (a 500) without reaching moto; "connect-timeout" without
    reaching moto; "read-timeout" after moto has done the work (the write landed, the caller
    cannot know). botocore's retries see every attempt fail, so the error reaches the renderer
    as it would in AWS once the client's retries are spent."""

    def __init__(self, clients: list[Any]) -> None:
        from moto.core.models import botocore_stubber

        self._moto = botocore_stubber
        self.calls: list[str] = []
        self.attempts = 0
        self.failed: list[str] = []
        self._kind: str | None = None
        self._call: int | None = None
        self._operation: str | None = None
        self._body_contains = b""
        self._url_contains = ""
        for client in clients:
            client.meta.events.register("before-call", self._count)
            client.meta.events.unregister("before-send", botocore_stubber)
            client.meta.events.register("before-send", self._send)

    def arm(
        self,
        kind: str,
        *,
        call: int | None = None,
        operation: str | None = None,
        body_contains: str = "",
        url_contains: str = "",
    ) -> None:
        """Fail the `call`th call (1-based, counted from now), or every call of `operation`
        ("dynamodb.PutItem") whose request body holds `body_contains` and URL `url_contains`."""
        assert kind in ("throttled", "internal-error", "read-timeout", "connect-timeout"), kind
        self.calls, self.attempts, self.failed = [], 0, []
        self._kind, self._call, self._operation = kind, call, operation
        self._body_contains = body_contains.encode()
        self._url_contains = url_contains

    def disarm(self) -> None:
        self._kind = None

    def _count(self, model: Any, **_: Any) -> None:
        self.calls.append(f"{model.service_model.service_id.hyphenize()}.{model.name}")

    def _targeted(self, request: Any) -> bool:
        if self._kind is None:
            return False
        if self._call is not None:
            return len(self.calls) == self._call
        body = request.body if isinstance(request.body, bytes) else str(request.body or "").encode()
        return (
            self.calls[-1] == self._operation
            and self._body_contains in body
            and self._url_contains in request.url
        )

    def _send(self, request: Any, event_name: str, **kwargs: Any) -> Any:
        from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

        if not self._targeted(request):
            return self._moto(event_name=event_name, request=request, **kwargs)
        self.attempts += 1
        if self.attempts == 1 or self.failed[-1] != self.calls[-1]:
            self.failed.append(self.calls[-1])
        if self._kind == "connect-timeout":
            raise ConnectTimeoutError(endpoint_url=request.url)
        if self._kind == "read-timeout":
            self._moto(event_name=event_name, request=request, **kwargs)
            raise ReadTimeoutError(endpoint_url=request.url)
        assert self._kind is not None
        return _error_response(event_name.split(".")[1], self._kind, request.url, len(self.calls))


@pytest.fixture
def faults(snapshot_bucket: str, monkeypatch: pytest.MonkeyPatch) -> FaultInjector:
    """Fault injection on every client the renderer uses. botocore's backoff between attempts is
    skipped (tests never wait); the number of attempts is the renderer's configuration."""
    from botocore.retries.standard import ExponentialBackoff

    from liveblog.rendering import stream as stream_module

    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)
    renderer = stream_module.renderer()
    return FaultInjector([renderer.content._client, renderer.snapshots._client, renderer.snapshots.cdn])
