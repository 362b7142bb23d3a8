"""Photos: asking for an upload, reading them, correcting caption, credit and alt text, deleting
them, and saying which photos a takedown left unshown."""

from typing import Any

from liveblog import clock
from liveblog.errors import ForbiddenError, UnprocessableError
from liveblog.ids import new_id
from liveblog.logic import entries
from liveblog.logic.auth import Principal, require_editor, require_member
from liveblog.logic.versions import ExpectedVersion, check_version
from liveblog.models import (
    DeletedEntry,
    EntryStatus,
    Photo,
    PhotoCreate,
    PhotoPatch,
    PhotoStatus,
    PhotoUpload,
)
from liveblog.models.blocks import photo_ids
from liveblog.settings import PhotoLimits
from liveblog.storage.content import ContentStore
from liveblog.storage.media import MediaStore, upload_key
from liveblog.storage.photos import PhotoStore


def request_upload(
    store: ContentStore,
    media: MediaStore,
    actor: Principal,
    blog_id: str,
    request: PhotoCreate,
    limits: PhotoLimits,
    expires_in: int,
) -> PhotoUpload:
    """Record a pending photo and sign a form POST that lets the browser send the file to S3."""
    require_member(actor)
    if request.byte_size > limits.photo_max_bytes:
        raise UnprocessableError(
            f"the file is {request.byte_size} bytes; photos may be at most {limits.photo_max_bytes}",
            details={"field": "byte_size", "limit": limits.photo_max_bytes},
        )
    now = clock.utcnow()
    photo = Photo(
        id=new_id(),
        blog_id=blog_id,
        status=PhotoStatus.PENDING,
        **request.model_dump(),
        uploaded_by=actor.author,
        asked_by_editor=actor.is_editor,
        created_at=now,
        updated_at=now,
        version=1,
    )
    store.create_photo(photo)
    upload = media.presigned_upload(
        upload_key(blog_id, photo.id), request.content_type, limits.photo_max_bytes, expires_in, now
    )
    return PhotoUpload(photo=photo, upload=upload)


def get_photo(store: ContentStore, actor: Principal, blog_id: str, photo_id: str) -> Photo:
    require_member(actor)
    return store.get_photo(blog_id, photo_id)


def list_photos(
    store: ContentStore, actor: Principal, blog_id: str, cursor: str | None, limit: int
) -> tuple[list[Photo], str | None]:
    require_member(actor)
    return store.list_photos(blog_id, cursor, limit)


def update_photo(
    store: ContentStore,
    actor: Principal,
    blog_id: str,
    photo_id: str,
    patch: PhotoPatch,
    if_match: ExpectedVersion,
) -> Photo:
    """Correct the words around a photo; every published entry that shows it is republished."""
    require_member(actor)
    current = store.get_photo(blog_id, photo_id)
    if not actor.is_editor:
        _check_contributor_may_edit(store, actor, current)
    check_version(current.version, if_match, "photo")
    changes: dict[str, Any] = {
        name: getattr(patch, name)
        for name in patch.model_fields_set
        if getattr(patch, name) != getattr(current, name)
    }
    if not changes:
        return current
    updated = current.model_copy(
        update={**changes, "version": current.version + 1, "updated_at": clock.utcnow()}
    )
    return store.update_photo_text(
        updated, expected_version=current.version, unless_locked=not actor.is_editor
    )


def _check_contributor_may_edit(store: ContentStore, actor: Principal, photo: Photo) -> None:
    # A caption shown to readers is published words: contributors cannot change those.
    if photo.uploaded_by.id != actor.user_id:
        raise ForbiddenError("contributors may change only the photos they uploaded")
    users = store.get_entries(photo.blog_id, store.photo_users(photo.blog_id, photo.id))
    shown = sorted(entry.id for entry in users.values() if entry.status != EntryStatus.DRAFT)
    if shown:
        raise ForbiddenError(
            "a published or scheduled entry shows this photo; an editor changes its caption",
            details={"entries": shown},
        )


def authorize_delete(actor: Principal) -> None:
    require_editor(actor, "delete photos")


def delete_photo(
    store: ContentStore,
    media: MediaStore,
    actor: Principal,
    blog_id: str,
    photo_id: str,
    if_match: ExpectedVersion,
) -> None:
    """Take a photo down: its item (refused while a published or scheduled entry shows it), then its
    renditions, original and upload, then the CDN's cached renditions. The item goes first, so a
    photo that readers see is never left without its files."""
    authorize_delete(actor)
    current = store.get_photo(blog_id, photo_id)
    check_version(current.version, if_match, "photo")
    PhotoStore(store).delete(current, expected_version=current.version)
    media.delete_photo_objects(blog_id, photo_id)
    media.purge_renditions(photo_id)


def delete_entry(
    store: ContentStore, actor: Principal, blog_id: str, entry_id: str, if_match: ExpectedVersion
) -> DeletedEntry:
    """Delete an entry, and say which of its photos no published or scheduled entry shows any more,
    so that an editor taking it down can delete those too."""
    deleted = entries.delete_entry(store, actor, blog_id, entry_id, if_match)
    shown = photo_ids(deleted.blocks)
    orphaned = PhotoStore(store).unshown(blog_id, shown) if shown else []
    return DeletedEntry(**dict(deleted), orphaned_photo_ids=orphaned)
