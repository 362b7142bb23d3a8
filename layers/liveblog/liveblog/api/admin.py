"""The editors' admin API: routes translate HTTP to logic calls and back, nothing more."""

import pathlib
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from aws_lambda_powertools.event_handler.types import EventHandlerInstance
from pydantic import BaseModel

from liveblog.api.http import (
    error_response,
    etag,
    expected_version,
    refuse_non_json_body,
    refuse_oversize_body,
    responses,
    strict_json_loads,
)
from liveblog.api.idempotency import IdempotentRunner
from liveblog.errors import DomainError, UnsupportedMediaTypeError
from liveblog.logic import blogs, entries, photos
from liveblog.logic.auth import Principal, principal_from_claims, require_member
from liveblog.models import (
    Blog,
    BlogCreate,
    BlogPatch,
    BlogStatus,
    DeletedEntry,
    Entry,
    EntryCreate,
    EntryPatch,
    EntryStatus,
    Page,
    Photo,
    PhotoCreate,
    PhotoPatch,
    PhotoUpload,
)
from liveblog.models.common import SLUG_FIELD, SLUG_PATTERN, ULID_PATTERN, Model
from liveblog.observability import logger
from liveblog.settings import AdminApiSettings
from liveblog.storage.content import TRUSTED, ContentStore
from liveblog.storage.media import MediaStore

API_VERSION = "1.0.0"
PUBLIC_PATHS = frozenset({"/health", "/openapi.json", "/docs"})
MAX_PROBLEMS_LISTED = 100  # every problem of any entry an editor means to send; beyond, a count
ModelT = TypeVar("ModelT", Blog, Entry, DeletedEntry, Photo, PhotoUpload)
RouteT = TypeVar("RouteT", bound=Callable[..., Any])

app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=strict_json_loads)


@lru_cache(maxsize=1)
def openapi_json() -> str:
    """The API's OpenAPI document, described on first use.

    Powertools' OpenAPI models cost about 150 ms to import (bench/cold_start.py), on every cold
    start, and only GET /openapi.json and GET /docs need them.
    """
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    app.configure_openapi(
        title="Liveblog admin API",
        version=API_VERSION,
        description="Editors post and correct live-blog entries here; readers read the JSON snapshots on the CDN. "
        "A request wrong in several ways gets the first of: 401; 403 (role); 413, 415, 400 (size, type, JSON); "
        "422 (the body's own fields); 404; 403 (whose draft or photo); 428, 412 (If-Match, checked just before "
        "the change, RFC 9110 §13.2.1); 409, 422 (the change against the stored state).",
        security_schemes={"bearer": HTTPBearer(bearerFormat="JWT", description="A Cognito ID token")},
        security=[{"bearer": []}],
    )
    return app.get_openapi_json_schema()


class Services:
    def __init__(self, settings: AdminApiSettings) -> None:
        self.settings = settings
        self.store = ContentStore(settings.table_name)
        self.media = MediaStore(settings.media_bucket, distribution_id=settings.distribution_id)
        self.idempotency = IdempotentRunner(settings.idempotency_table_name, settings.idempotency_ttl_seconds)


@lru_cache(maxsize=1)
def services() -> Services:
    return Services(AdminApiSettings.from_environment())


def actor() -> Principal:
    authorizer = app.current_event.raw_event.get("requestContext", {}).get("authorizer") or {}
    return principal_from_claims((authorizer.get("jwt") or {}).get("claims"))


def base_path() -> str:
    stage = app.current_event.raw_event.get("requestContext", {}).get("stage", "$default")
    return "" if stage == "$default" else f"/{stage}"


def with_etag(model: ModelT, status: int = 200, headers: dict[str, str] | None = None) -> Response[ModelT]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=model,
        headers={"ETag": etag(model.version), "Cache-Control": "no-store", **(headers or {})},
    )


def created(
    model_type: type[ModelT],
    idempotency_key: str | None,
    scope: str,
    request: BaseModel,
    create: Callable[[], ModelT],
    location: Callable[[ModelT], str],
) -> Response[ModelT]:
    """201 with Location and ETag; with an Idempotency-Key, at most once per key and body."""
    if idempotency_key is None:
        model, replayed = create(), False
    else:
        outcome, replayed = services().idempotency.run(
            idempotency_key,
            scope=f"{actor().user_id} {scope}",
            body=request.model_dump(mode="json"),
            action=lambda: create().model_dump(mode="json"),
            context=app.lambda_context,
        )
        model = model_type.model_validate(outcome, context=TRUSTED)
    headers = {"Location": base_path() + location(model)}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return with_etag(model, 201, headers)


# Role rules that need neither the body nor a stored item, by route function: screen_request applies
# them before the body is read, so a caller their role refuses hears 403, never 400 or 422.
ROLE_FIRST: dict[Callable[..., Any], Callable[[Principal], None]] = {}


def role_first(check: Callable[[Principal], None]) -> Callable[[RouteT], RouteT]:
    def register(route: RouteT) -> RouteT:
        ROLE_FIRST[route] = check
        return route

    return register


def refuse_unauthorized_first() -> None:
    """Who is asking, and whether their role may call this route at all (see ROLE_FIRST)."""
    if app.current_event.path in PUBLIC_PATHS:
        return
    principal = actor()
    require_member(principal)
    # The route Powertools matched: in its context before validation runs.
    route_function = getattr(app.context.get("_route"), "func", None)
    check = ROLE_FIRST.get(route_function) if route_function is not None else None
    if check is not None:
        check(principal)


# Request screening and errors: every failure leaves as {"error": {"code", "message", "details"}}.


def screen_request() -> None:
    """What every request passes before anything reads its body, in this order: its size (413), who
    is asking and whether their role may call the route at all (401, 403), its media type and
    encoding (415, 400). None of them reads more of the body than its length and its bytes."""
    event = app.current_event.raw_event
    refuse_oversize_body(event, services().settings.max_body_bytes)
    refuse_unauthorized_first()
    refuse_non_json_body(event)


class ScreenedValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, with the screen first.

    Validation is where Powertools parses a body (JSON through json_body_deserializer, forms and
    multipart with its own parsers), and it runs before every middleware given to app.use, on every
    route, the 404 one too (none here turns validation off). Screening at its start is the one place
    that precedes every parse.
    """

    def handler(self, app: EventHandlerInstance, next_middleware: NextMiddleware) -> Response:
        screen_request()
        return super().handler(app, next_middleware)


# Powertools builds each route's middleware stack from this attribute, request validation first, and
# has no public hook that runs earlier. tests/integration/test_limits.py fails if it stops doing so.
app._request_validation_middleware = ScreenedValidation()


@app.exception_handler(DomainError)
def domain_error(exc: DomainError) -> Response:
    return error_response(exc.status, exc.code, exc.message, exc.details)


@app.exception_handler(RequestValidationError)
def invalid_request(exc: RequestValidationError) -> Response:
    # Only a request that passed screen_request gets here: its size, caller and media type are fine.
    errors = exc.errors()
    problems = [_problem(error) for error in errors[:MAX_PROBLEMS_LISTED]]
    if any(problem["type"] == "json_invalid" for problem in problems):
        reason = next(p["message"] for p in problems if p["type"] == "json_invalid")
        return error_response(
            400, "malformed_json", f"the request body is not valid JSON: {reason}", problems
        )
    summary = "; ".join(f"{problem['field']}: {problem['message']}" for problem in problems[:3])
    if len(errors) > len(problems):
        # A body of ten thousand bad blocks gets a short answer, not ten thousand problems
        summary += f" (and {len(errors) - 3} more; details lists the first {len(problems)})"
    return error_response(422, "validation_failed", summary, problems)


def _problem(error: dict[str, Any]) -> dict[str, Any]:
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    location = tuple(error.get("loc", ()))
    if error.get("type") == "json_invalid":
        message = str((error.get("ctx") or {}).get("error", message))
    elif location[:1] == ("path",) and error.get("type") == "string_pattern_mismatch":
        message = _not_an_id(location, str(error.get("input", "")))
    return {"field": ".".join(str(part) for part in location), "message": message, "type": error.get("type")}


_SLUG = re.compile(SLUG_PATTERN)
_ULID = re.compile(ULID_PATTERN)


def _not_an_id(location: tuple[Any, ...], sent: str) -> str:
    """Path ids are ULIDs; the regular expression that says so helps no one who sent a slug."""
    looks_like_slug = 3 <= len(sent) <= 80 and _SLUG.match(sent) and not _ULID.match(sent.upper())
    if location[1:] == ("blog_id",) and looks_like_slug:
        return f"this looks like a slug; use the blog's id or GET /blogs?slug={sent}"
    return "ids are 26-character ULIDs such as 01JDQ5V7Z8YB6T3M2W4K9C1E0F"


@app.exception_handler(RequestUnsupportedContentType)
def unsupported_content_type(_exc: RequestUnsupportedContentType) -> Response:
    return domain_error(UnsupportedMediaTypeError("send the body as application/json"))


@app.not_found
def not_found(_exc: Exception) -> Response:
    event = app.current_event
    path = event.path if len(event.path) <= 200 else event.path[:200] + "…"  # never echo 60 KB back
    return error_response(404, "not_found", f"no route for {event.http_method} {path}")


@app.exception_handler(Exception)
def unexpected(exc: Exception) -> Response:
    logger.exception("unhandled error", extra={"path": app.current_event.path})
    return error_response(500, "internal_error", "something went wrong on our side; it has been logged")


# Parameters

BlogIdParam = Annotated[str, Path(pattern=ULID_PATTERN, description="The blog's id")]
EntryIdParam = Annotated[str, Path(pattern=ULID_PATTERN, description="The entry's id")]
PhotoIdParam = Annotated[str, Path(pattern=ULID_PATTERN, description="The photo's id")]
IfMatch = Annotated[
    str | None,
    Header(description='The ETag you read, e.g. "3" (required; a weak W/"3" never matches, * is refused)'),
]
IdempotencyKey = Annotated[
    str | None,
    Header(max_length=255, description="Retrying a POST with the same key and body creates nothing more"),
]
Cursor = Annotated[str | None, Query(max_length=2048, description="next_cursor from the previous page")]
Limit = Annotated[int, Query(ge=1, le=100, description="Items per page")]
SlugQuery = Annotated[
    str | None,
    Query(
        **SLUG_FIELD,
        description="Only the blog with this slug (exact): a page of that one blog, or an empty page",
        examples=["port-avalon-storm"],
    ),
]


class Health(Model):
    status: str = "ok"
    version: str = API_VERSION


class BlogPage(Page[Blog]):
    pass


class EntryPage(Page[Entry]):
    pass


class PhotoPage(Page[Photo]):
    pass


# Routes


@app.get(
    "/health",
    tags=["Meta"],
    summary="Liveness check",
    responses=responses(200, "Up"),
    # Public: OpenAPI says so with an empty `security`, which Powertools' own `security=[]` leaves out
    # (it writes only a non-empty one), so the route would inherit the API-wide bearer requirement.
    openapi_extensions={"security": []},
)
def health() -> Health:
    return Health()


@app.get("/openapi.json", include_in_schema=False)
def openapi_document() -> Response[str]:
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=openapi_json())


@app.get("/docs", include_in_schema=False)
def swagger_ui() -> Response[str]:
    """Swagger UI with its assets inline, as Powertools' enable_swagger serves it, over openapi_json()."""
    from aws_lambda_powertools.event_handler.openapi import swagger_ui as assets
    from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

    folder = pathlib.Path(assets.__file__).parent
    html = generate_swagger_html(
        # Escaped so that no string in the document can close the page's <script>.
        openapi_json().replace("</", "<\\/"),
        (folder / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        (folder / "swagger-ui.min.css").read_text(encoding="utf-8"),
        swagger_base_url="",
        oauth2_config=None,
    )
    return Response(status_code=200, content_type="text/html", body=html)


@app.post(
    "/blogs",
    status_code=201,
    tags=["Blogs"],
    summary="Create a blog",
    responses=responses(201, "Created", 400, 401, 403, 409, 413, 415, 429),
)
@role_first(blogs.authorize_create)
def create_blog(
    body: Annotated[BlogCreate, Body()], idempotency_key: IdempotencyKey = None
) -> Response[Blog]:
    return created(
        Blog,
        idempotency_key,
        "POST /blogs",
        body,
        lambda: blogs.create_blog(services().store, actor(), body),
        lambda blog: f"/blogs/{blog.id}",
    )


@app.get(
    "/blogs",
    tags=["Blogs"],
    summary="List blogs, newest first, or find the one with a slug (?slug=)",
    responses=responses(200, "A page of blogs", 400, 401, 403),
)
def list_blogs(
    status: Annotated[BlogStatus | None, Query()] = None,
    slug: SlugQuery = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> BlogPage:
    items, next_cursor = blogs.list_blogs(services().store, actor(), status, cursor, limit, slug=slug)
    return BlogPage(items=items, next_cursor=next_cursor)


@app.get(
    "/blogs/<blog_id>",
    tags=["Blogs"],
    summary="Get a blog",
    responses=responses(200, "The blog", 401, 403, 404),
)
def get_blog(blog_id: BlogIdParam) -> Response[Blog]:
    return with_etag(blogs.get_blog(services().store, actor(), blog_id))


@app.patch(
    "/blogs/<blog_id>",
    tags=["Blogs"],
    summary="Change a blog: fields, status (go live, end, reopen, archive), pinned entry",
    responses=responses(200, "The changed blog", 400, 401, 403, 404, 409, 412, 413, 415, 428),
)
@role_first(blogs.authorize_change)
def update_blog(
    blog_id: BlogIdParam, body: Annotated[BlogPatch, Body()], if_match: IfMatch = None
) -> Response[Blog]:
    version = expected_version(if_match)
    return with_etag(blogs.update_blog(services().store, actor(), blog_id, body, version))


@app.delete(
    "/blogs/<blog_id>",
    status_code=204,
    tags=["Blogs"],
    summary="Delete a draft or archived blog and its entries",
    responses=responses(204, "Deleted", 401, 403, 404, 409, 412, 428),
)
@role_first(blogs.authorize_delete)
def delete_blog(blog_id: BlogIdParam, if_match: IfMatch = None) -> Response[None]:
    blogs.delete_blog(services().store, actor(), blog_id, expected_version(if_match))
    return Response(status_code=204, body=None, headers={"Cache-Control": "no-store"})


@app.post(
    "/blogs/<blog_id>/entries",
    status_code=201,
    tags=["Entries"],
    summary="Post an entry: draft, published now, or scheduled (publish_at in the future)",
    responses=responses(201, "Created", 400, 401, 403, 404, 409, 413, 415, 429),
)
def create_entry(
    blog_id: BlogIdParam, body: Annotated[EntryCreate, Body()], idempotency_key: IdempotencyKey = None
) -> Response[Entry]:
    return created(
        Entry,
        idempotency_key,
        f"POST /blogs/{blog_id}/entries",
        body,
        lambda: entries.create_entry(services().store, actor(), blog_id, body),
        lambda entry: f"/blogs/{blog_id}/entries/{entry.id}",
    )


@app.get(
    "/blogs/<blog_id>/entries",
    tags=["Entries"],
    summary="List a blog's entries, newest first",
    responses=responses(200, "A page of entries", 400, 401, 403, 404),
)
def list_entries(
    blog_id: BlogIdParam,
    status: Annotated[EntryStatus | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> EntryPage:
    items, next_cursor = entries.list_entries(services().store, actor(), blog_id, status, cursor, limit)
    return EntryPage(items=items, next_cursor=next_cursor)


@app.get(
    "/blogs/<blog_id>/entries/<entry_id>",
    tags=["Entries"],
    summary="Get an entry",
    responses=responses(200, "The entry", 401, 403, 404),
)
def get_entry(blog_id: BlogIdParam, entry_id: EntryIdParam) -> Response[Entry]:
    return with_etag(entries.get_entry(services().store, actor(), blog_id, entry_id))


@app.patch(
    "/blogs/<blog_id>/entries/<entry_id>",
    tags=["Entries"],
    summary="Correct, publish, schedule or mark an entry as a key event",
    responses=responses(200, "The changed entry", 400, 401, 403, 404, 409, 412, 413, 415, 428),
)
def update_entry(
    blog_id: BlogIdParam,
    entry_id: EntryIdParam,
    body: Annotated[EntryPatch, Body()],
    if_match: IfMatch = None,
) -> Response[Entry]:
    version = expected_version(if_match)
    return with_etag(entries.update_entry(services().store, actor(), blog_id, entry_id, body, version))


@app.delete(
    "/blogs/<blog_id>/entries/<entry_id>",
    tags=["Entries"],
    summary="Delete an entry: it stays, marked deleted, so readers' pages drop it",
    description="The response is the entry, marked deleted, with `orphaned_photo_ids`: the photos it showed "
    "that no published or scheduled entry shows any more. Their renditions stay on the CDN until an editor "
    "deletes them (`DELETE /blogs/{blog_id}/photos/{photo_id}`).",
    responses=responses(200, "The entry, now marked deleted", 401, 403, 404, 409, 412, 428),
)
def delete_entry(
    blog_id: BlogIdParam, entry_id: EntryIdParam, if_match: IfMatch = None
) -> Response[DeletedEntry]:
    version = expected_version(if_match)
    return with_etag(photos.delete_entry(services().store, actor(), blog_id, entry_id, version))


@app.post(
    "/blogs/<blog_id>/photos",
    status_code=201,
    tags=["Photos"],
    summary="Ask to upload a photo: a pending photo and a presigned POST that sends the file to S3",
    description="POST the form to `upload.url` with every field of `upload.fields`, then the file as the "
    "field `file` (e.g. `curl -F key=... -F file=@photo.jpg URL`). The photo becomes `ready` (or `rejected`, "
    "with a reason) seconds later; entries can show it from the start and readers see it once ready.",
    responses=responses(201, "Created", 400, 401, 403, 404, 409, 413, 415, 429),
)
def create_photo(
    blog_id: BlogIdParam, body: Annotated[PhotoCreate, Body()], idempotency_key: IdempotencyKey = None
) -> Response[PhotoUpload]:
    settings = services().settings
    return created(
        PhotoUpload,
        idempotency_key,
        f"POST /blogs/{blog_id}/photos",
        body,
        lambda: photos.request_upload(
            services().store,
            services().media,
            actor(),
            blog_id,
            body,
            settings,
            settings.upload_expiry_seconds,
        ),
        lambda upload: f"/blogs/{blog_id}/photos/{upload.photo.id}",
    )


@app.get(
    "/blogs/<blog_id>/photos",
    tags=["Photos"],
    summary="List a blog's photos, newest first",
    responses=responses(200, "A page of photos", 400, 401, 403, 404),
)
def list_photos(blog_id: BlogIdParam, cursor: Cursor = None, limit: Limit = 20) -> PhotoPage:
    items, next_cursor = photos.list_photos(services().store, actor(), blog_id, cursor, limit)
    return PhotoPage(items=items, next_cursor=next_cursor)


@app.get(
    "/blogs/<blog_id>/photos/<photo_id>",
    tags=["Photos"],
    summary="Get a photo: its status (pending, ready, rejected with a reason) and renditions",
    responses=responses(200, "The photo", 401, 403, 404),
)
def get_photo(blog_id: BlogIdParam, photo_id: PhotoIdParam) -> Response[Photo]:
    return with_etag(photos.get_photo(services().store, actor(), blog_id, photo_id))


@app.patch(
    "/blogs/<blog_id>/photos/<photo_id>",
    tags=["Photos"],
    summary="Correct a photo's caption, credit or alt text; entries showing it are republished",
    responses=responses(200, "The changed photo", 400, 401, 403, 404, 409, 412, 413, 415, 428),
)
def update_photo(
    blog_id: BlogIdParam,
    photo_id: PhotoIdParam,
    body: Annotated[PhotoPatch, Body()],
    if_match: IfMatch = None,
) -> Response[Photo]:
    version = expected_version(if_match)
    return with_etag(photos.update_photo(services().store, actor(), blog_id, photo_id, body, version))


@app.delete(
    "/blogs/<blog_id>/photos/<photo_id>",
    status_code=204,
    tags=["Photos"],
    summary="Delete a photo: its renditions, original and upload, purged from the CDN (editors)",
    description="Refused with 409 `photo_in_use` while a published or scheduled entry shows the photo "
    "(`details.entries` lists them): delete those entries, or show another photo, first. Drafts that show it "
    "keep their block; publishing them is refused with 422 until it is removed. The CDN is asked to "
    "invalidate `/media/<photo_id>/*`, which takes effect within minutes.",
    responses=responses(204, "Deleted", 401, 403, 404, 409, 412, 428),
)
@role_first(photos.authorize_delete)
def delete_photo(blog_id: BlogIdParam, photo_id: PhotoIdParam, if_match: IfMatch = None) -> Response[None]:
    version = expected_version(if_match)
    photos.delete_photo(services().store, services().media, actor(), blog_id, photo_id, version)
    return Response(status_code=204, body=None, headers={"Cache-Control": "no-store"})
