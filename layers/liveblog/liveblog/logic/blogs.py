"""Blogs: creation, edits, status moves, pinning, deletion."""

from typing import Any

from liveblog import clock
from liveblog.errors import (
    ConflictError,
    IllegalTransitionError,
    InvalidCursorError,
    NotFoundError,
    UnprocessableError,
)
from liveblog.ids import new_id
from liveblog.logic.auth import Principal, require_editor, require_member
from liveblog.logic.versions import ExpectedVersion, check_version
from liveblog.models import BLOG_TRANSITIONS, Blog, BlogCreate, BlogPatch, BlogStatus, EntryStatus
from liveblog.storage.content import DELETABLE_BLOG_STATUSES, ContentStore


def authorize_create(actor: Principal) -> None:
    require_editor(actor, "create blogs")


def authorize_change(actor: Principal) -> None:
    require_editor(actor, "change a blog")


def authorize_delete(actor: Principal) -> None:
    require_editor(actor, "delete a blog")


def create_blog(store: ContentStore, actor: Principal, request: BlogCreate) -> Blog:
    authorize_create(actor)
    now = clock.utcnow()
    blog = Blog(
        id=new_id(),
        **request.model_dump(exclude={"status"}),
        status=BlogStatus(request.status),
        coverage_start_at=now if request.status == BlogStatus.LIVE else None,
        first_live_at=now if request.status == BlogStatus.LIVE else None,
        created_by=actor.author,
        created_at=now,
        updated_at=now,
        version=1,
    )
    return store.create_blog(blog)


def get_blog(store: ContentStore, actor: Principal, blog_id: str) -> Blog:
    require_member(actor)
    return store.get_blog(blog_id)


def list_blogs(
    store: ContentStore,
    actor: Principal,
    status: BlogStatus | None,
    cursor: str | None,
    limit: int,
    slug: str | None = None,
) -> tuple[list[Blog], str | None]:
    """A page of blogs, newest first; with `slug`, the one page of the blog that holds it, if any."""
    require_member(actor)
    if slug is None:
        return store.list_blogs(status, cursor, limit)
    if cursor is not None:
        raise InvalidCursorError("a slug names at most one blog, so there is no next page to resume")
    return _find_by_slug(store, slug, status), None


def _find_by_slug(store: ContentStore, slug: str, status: BlogStatus | None) -> list[Blog]:
    blog_id = store.blog_id_for_slug(slug)
    if blog_id is None:
        return []
    try:
        blog = store.get_blog(blog_id)
    except NotFoundError:  # deleted between the two reads: the slug is free now
        return []
    return [blog] if status in (None, blog.status) else []


def update_blog(
    store: ContentStore, actor: Principal, blog_id: str, patch: BlogPatch, if_match: ExpectedVersion
) -> Blog:
    authorize_change(actor)
    current = store.get_blog(blog_id)
    check_version(current.version, if_match, "blog")
    changes: dict[str, Any] = {
        name: getattr(patch, name)
        for name in patch.model_fields_set
        if getattr(patch, name) != getattr(current, name)
    }
    if not changes:
        return current
    now = clock.utcnow()
    if "status" in changes:
        changes.update(_status_move(current, changes["status"], changes, now))
    elif current.status == BlogStatus.ARCHIVED:
        raise IllegalTransitionError("the blog is archived and read-only")
    if "slug" in changes and current.status != BlogStatus.DRAFT:
        raise ConflictError(
            "the slug names the blog's public URLs; it can change only while the blog is a draft"
        )
    pinned = changes.get("pinned_entry_id")
    if pinned:
        _check_pinnable(store, blog_id, pinned)
    updated = current.model_copy(update={**changes, "version": current.version + 1, "updated_at": now})
    if (
        updated.coverage_start_at
        and updated.coverage_end_at
        and updated.coverage_end_at < updated.coverage_start_at
    ):
        raise UnprocessableError("coverage_end_at must not be before coverage_start_at")
    # The pin is written only while the entry is still published, atomically with the blog.
    return store.update_blog(
        updated, expected_version=current.version, previous_slug=current.slug, require_published=pinned
    )


def _status_move(current: Blog, target: BlogStatus, changes: dict[str, Any], now: Any) -> dict[str, Any]:
    allowed = BLOG_TRANSITIONS[current.status]
    if target not in allowed:
        options = ", ".join(sorted(allowed)) or "nothing: it is final"
        raise IllegalTransitionError(
            f"a {current.status} blog cannot become {target}; it can become {options}",
            details={"from": current.status, "to": target, "allowed": sorted(allowed)},
        )
    coverage: dict[str, Any] = {}
    if target == BlogStatus.LIVE:
        if current.coverage_start_at is None and "coverage_start_at" not in changes:
            coverage["coverage_start_at"] = now
        if current.first_live_at is None:
            coverage["first_live_at"] = now
        if current.status == BlogStatus.ENDED and "coverage_end_at" not in changes:
            coverage["coverage_end_at"] = None
    elif target == BlogStatus.ENDED and "coverage_end_at" not in changes:
        coverage["coverage_end_at"] = now
    return coverage


def _check_pinnable(store: ContentStore, blog_id: str, entry_id: str) -> None:
    try:
        entry = store.get_entry(blog_id, entry_id)
    except NotFoundError as exc:
        raise UnprocessableError(f"pinned_entry_id: no entry {entry_id} in this blog") from exc
    if entry.status != EntryStatus.PUBLISHED:
        raise ConflictError(f"only a published entry can be pinned; entry {entry_id} is {entry.status}")


def delete_blog(store: ContentStore, actor: Principal, blog_id: str, if_match: ExpectedVersion) -> None:
    authorize_delete(actor)
    current = store.get_blog(blog_id)
    check_version(current.version, if_match, "blog")
    if current.status not in DELETABLE_BLOG_STATUSES:
        raise IllegalTransitionError(
            f"a {current.status} blog cannot be deleted: readers are following it; end and archive it first"
        )
    store.delete_blog(current, expected_version=current.version)
