"""Entries: posting, scheduling, correcting, deleting."""

from datetime import datetime
from typing import Any

from liveblog import clock
from liveblog.errors import (
    BlogBeingDeletedError,
    ForbiddenError,
    IllegalTransitionError,
    NotFoundError,
    PinMovedError,
    PreconditionFailedError,
)
from liveblog.ids import new_id
from liveblog.logic.auth import Principal, require_member
from liveblog.logic.publishing import needs_publishing, publish, publish_stored, resolve_publication
from liveblog.logic.versions import ExpectedVersion, check_version
from liveblog.models import Blog, BlogStatus, Entry, EntryCreate, EntryPatch, EntryStatus
from liveblog.storage.content import ContentStore


def create_entry(store: ContentStore, actor: Principal, blog_id: str, request: EntryCreate) -> Entry:
    require_member(actor)
    if not actor.is_editor and request.status != EntryStatus.DRAFT:
        raise ForbiddenError("contributors create drafts; an editor publishes them")
    now = clock.utcnow()
    status, publish_at, published_at = resolve_publication(
        EntryStatus(request.status), request.publish_at, None, now
    )
    entry_id = new_id()

    def build(seq: int, pub_seq: int | None) -> Entry:
        entry = Entry(
            id=entry_id,
            blog_id=blog_id,
            seq=seq,
            status=EntryStatus.DRAFT if status == EntryStatus.PUBLISHED else status,
            title=request.title,
            blocks=request.blocks,
            key_event=request.key_event,
            author=actor.author,
            created_at=now,
            publish_at=publish_at,
            version=1,
        )
        if pub_seq is None or published_at is None:
            return entry
        return publish(entry, pub_seq=pub_seq, at=published_at)

    return store.create_entry(blog_id, build, publishing=status == EntryStatus.PUBLISHED)


def get_entry(store: ContentStore, actor: Principal, blog_id: str, entry_id: str) -> Entry:
    require_member(actor)
    return store.get_entry(blog_id, entry_id)


def list_entries(
    store: ContentStore,
    actor: Principal,
    blog_id: str,
    status: EntryStatus | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Entry], str | None]:
    require_member(actor)
    return store.list_entries(blog_id, status, cursor, limit)


def _check_allowed(actor: Principal, entry: Entry, action: str) -> None:
    """What a contributor may not touch, decided before the version is checked."""
    if actor.is_editor:
        return
    if entry.author.id != actor.user_id:
        raise ForbiddenError(f"contributors may {action} only their own entries")
    if entry.status != EntryStatus.DRAFT:
        raise ForbiddenError(f"contributors may {action} only drafts; this entry is {entry.status}")


def _check_changeable(blog: Blog, entry: Entry) -> None:
    if blog.status == BlogStatus.ARCHIVED:
        raise IllegalTransitionError("the blog is archived; its entries can no longer change")
    if entry.status == EntryStatus.DELETED:
        raise IllegalTransitionError("the entry is deleted; it can no longer change")


def update_entry(
    store: ContentStore,
    actor: Principal,
    blog_id: str,
    entry_id: str,
    patch: EntryPatch,
    if_match: ExpectedVersion,
) -> Entry:
    require_member(actor)
    blog, current = store.get_blog_and_entry(blog_id, entry_id)
    _check_allowed(actor, current, "edit")
    changes: dict[str, Any] = {name: getattr(patch, name) for name in patch.model_fields_set}
    requested = EntryStatus(changes.pop("status")) if "status" in changes else None
    if not actor.is_editor and requested not in (None, EntryStatus.DRAFT):
        raise ForbiddenError("contributors cannot publish or schedule; an editor does")
    check_version(current.version, if_match, "entry")
    _check_changeable(blog, current)
    now = clock.utcnow()
    publish_at = changes.pop("publish_at") if "publish_at" in changes else current.publish_at
    if (
        requested is None
        and current.status == EntryStatus.SCHEDULED
        and "publish_at" in patch.model_fields_set
    ):
        requested = EntryStatus.SCHEDULED  # moving the time of a scheduled entry reschedules it
    if requested is not None:
        if current.status == EntryStatus.PUBLISHED and requested != EntryStatus.PUBLISHED:
            raise IllegalTransitionError(
                f"a published entry cannot become {requested}; correct it, or delete it to remove it from readers"
            )
        status, publish_at, published_at = resolve_publication(
            requested, publish_at, current.published_at, now
        )
        if current.status == EntryStatus.PUBLISHED and status != EntryStatus.PUBLISHED:
            raise IllegalTransitionError(
                "a published entry cannot be rescheduled; correct it, or delete it to remove it from readers"
            )
        changes.update(status=status, publish_at=publish_at, published_at=published_at)
    elif "publish_at" in patch.model_fields_set:
        changes["publish_at"] = publish_at
    changes = {name: value for name, value in changes.items() if getattr(current, name) != value}
    if not changes:
        return current
    corrected = current.status == EntryStatus.PUBLISHED and ("title" in changes or "blocks" in changes)
    if corrected:
        changes["updated_at"] = now
    updated = current.model_copy(update={**changes, "version": current.version + 1})
    if needs_publishing(updated):
        return publish_stored(
            store,
            updated,
            at=updated.published_at or now,
            expected_version=current.version,
            before=current,
        )
    return store.update_entry(updated, expected_version=current.version, before=current)


def delete_entry(
    store: ContentStore, actor: Principal, blog_id: str, entry_id: str, if_match: ExpectedVersion
) -> Entry:
    """Soft delete: the entry stays, marked deleted, so readers' copies learn it is gone.

    If the blog pins it, the pin goes in the same transaction; if the pin moves while we work,
    the blog is read again (bounded: a pin changes at editor speed)."""
    require_member(actor)
    for attempt in range(3):
        blog, current = store.get_blog_and_entry(blog_id, entry_id)
        _check_allowed(actor, current, "delete")
        check_version(current.version, if_match, "entry")
        _check_changeable(blog, current)
        now = clock.utcnow()
        deleted = current.model_copy(
            update={"status": EntryStatus.DELETED, "deleted_at": now, "version": current.version + 1}
        )
        pinned_here = blog.pinned_entry_id == entry_id
        try:
            return store.update_entry(
                deleted,
                expected_version=current.version,
                unpin_at=now if pinned_here else None,
                before=current,
            )
        except PinMovedError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable: the last attempt returns or raises")


def publish_due_entries(store: ContentStore, now: datetime | None = None) -> list[Entry]:
    """Publish every scheduled entry whose time has come. Safe to run concurrently or twice."""
    now = now or clock.utcnow()
    published: list[Entry] = []
    for blog_id, entry_id in store.due_scheduled_entries(now):
        try:
            entry = store.get_entry(blog_id, entry_id)
        except NotFoundError:
            continue
        if entry.status != EntryStatus.SCHEDULED or entry.publish_at is None or entry.publish_at > now:
            continue  # the index lags the table: the item itself is the truth
        try:
            live = publish_stored(
                store,
                entry.model_copy(update={"version": entry.version + 1}),
                at=entry.publish_at,
                expected_version=entry.version,
                expected_status=EntryStatus.SCHEDULED,
            )
        except NotFoundError:
            # Its blog is gone: left in the index, the entry would be read on every sweep, forever.
            store.delete_orphaned_entry(blog_id, entry_id)
            continue
        except (PreconditionFailedError, IllegalTransitionError, BlogBeingDeletedError):
            # Changed by an editor meanwhile (the next sweep sees their version), or its blog is
            # archived or being deleted: an archived blog's entries stay as they were.
            continue
        published.append(live)
    return published
