"""The media function's work: one upload in, a ready photo with renditions (or a refusal) out.

An upload form is a bearer capability S3 cannot revoke, so its limits are kept here, where the file
lands. Before anything is written, the upload claims the photo (storage/photos.py): only while the
photo is pending, its blog is not archived, no other upload came first (a form is used once), and,
for a contributor's photo, no published or scheduled entry shows it yet (an editor publishing the
entry reviewed what was there, not what its uploader sends later). The verdict is recorded under the
same conditions. Anything else is refused and writes nothing.

Idempotent: a photo that is no longer pending has been decided, so a repeated notification
returns at once. Two deliveries of one upload racing each other write byte-identical renditions
under the same content-addressed keys, and only one of them records the verdict.
"""

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3EventBridgeNotificationEvent

from liveblog import clock
from liveblog.errors import NotFoundError
from liveblog.media.processing import ImageLimits, ImageRejected, process_image
from liveblog.models import Photo, PhotoStatus, Rejection, Rendition
from liveblog.observability import logger, metrics
from liveblog.settings import MediaSettings, PhotoLimits
from liveblog.storage.content import ContentStore
from liveblog.storage.media import MediaStore, original_key, parse_upload_key, rendition_key
from liveblog.storage.photos import PhotoStore


@dataclass(frozen=True)
class IngestResult:
    """What happened to one uploaded object."""

    outcome: str  # "ready", "rejected", "already_decided", "refused", "ignored"
    photo: Photo | None = None


def ingest_upload(store: ContentStore, media: MediaStore, key: str, limits: PhotoLimits) -> IngestResult:
    parsed = parse_upload_key(key)
    if parsed is None:
        logger.warning("not an upload key; ignored", extra={"key": key})
        return IngestResult("ignored")
    blog_id, photo_id = parsed
    try:
        photo = store.get_photo(blog_id, photo_id)
    except NotFoundError:
        # The blog was deleted meanwhile, or someone wrote under uploads/ without asking the API.
        logger.warning("upload for an unknown photo; ignored", extra={"key": key})
        return IngestResult("ignored")
    if photo.status != PhotoStatus.PENDING:
        return IngestResult("already_decided", photo)
    head = media.head_upload(key)
    if head is None:
        logger.warning("upload vanished before it was read", extra={"key": key})
        return IngestResult("ignored", photo)
    refusal = PhotoStore(store).claim_upload(photo, head.etag)
    if refusal is not None:
        logger.warning("upload refused", extra={"key": key, "reason": refusal})
        return IngestResult("refused", photo)
    if head.size > limits.photo_max_bytes:
        message = f"the file is {head.size} bytes; photos may be at most {limits.photo_max_bytes}"
        return _decide(store, _rejected(photo, "too_large", message, head.size), head.etag)
    upload = media.read_upload(key, head)
    if upload is None:
        # A later POST replaced the claimed file: that one is refused, and this one is gone.
        logger.warning("the claimed upload was replaced before it was read", extra={"key": key})
        return IngestResult("ignored", photo)
    try:
        processed = process_image(
            upload.data,
            ImageLimits(
                max_bytes=limits.photo_max_bytes,
                max_pixels=limits.photo_max_pixels,
                max_scans=limits.photo_max_scans,
            ),
        )
    except ImageRejected as exc:
        return _decide(store, _rejected(photo, exc.code, exc.message, upload.size), head.etag)
    media.keep_original(upload, original_key(blog_id, photo_id))
    renditions = []
    for image in processed.renditions:
        rendition = Rendition(
            width=image.width,
            height=image.height,
            format=image.format,
            key=rendition_key(photo_id, image.width, image.digest, image.extension),
            bytes=len(image.data),
        )
        media.put_rendition(rendition.key, image.data, image.content_type)
        renditions.append(rendition)
    now = clock.utcnow()
    ready = photo.model_copy(
        update={
            "status": PhotoStatus.READY,
            "format": processed.source_format,
            "width": processed.width,
            "height": processed.height,
            "original_bytes": upload.size,
            "renditions": renditions,
            "processed_at": now,
            "updated_at": now,
            "version": photo.version + 1,
        }
    )
    return _decide(store, ready, head.etag)


def _rejected(photo: Photo, code: str, message: str, size: int) -> Photo:
    now = clock.utcnow()
    return photo.model_copy(
        update={
            "status": PhotoStatus.REJECTED,
            "reason": Rejection.model_validate({"code": code, "message": message}),
            "original_bytes": size or None,
            "processed_at": now,
            "updated_at": now,
            "version": photo.version + 1,
        }
    )


def _decide(store: ContentStore, photo: Photo, upload_etag: str) -> IngestResult:
    if not store.finish_photo(photo, upload_etag):
        # Decided by a racing delivery, or no longer allowed (locked, deleted, blog archived).
        logger.warning("verdict not recorded", extra={"photo_id": photo.id})
        return IngestResult("already_decided")
    logger.info(
        "photo processed",
        extra={
            "photo_id": photo.id,
            "status": photo.status,
            "reason": photo.reason.code if photo.reason else None,
            "renditions": len(photo.renditions),
        },
    )
    return IngestResult(str(photo.status), photo)


@lru_cache(maxsize=1)
def _services() -> tuple[ContentStore, MediaStore, MediaSettings]:
    settings = MediaSettings.from_environment()
    return ContentStore(settings.table_name), MediaStore(settings.media_bucket), settings


def handle_upload_event(event: dict[str, Any]) -> dict[str, str]:
    """An S3 "Object Created" event from EventBridge. Errors propagate: EventBridge retries the
    delivery and finally sends it to the dead-letter queue. A refused image is not an error."""
    notification = S3EventBridgeNotificationEvent(event)
    if notification.detail.bucket.name != _services()[1].bucket:
        raise ValueError(f"event for bucket {notification.detail.bucket.name!r}, not the media bucket")
    store, media, settings = _services()
    key = notification.detail.object.key
    started = time.perf_counter()
    result = ingest_upload(store, media, key, settings)
    if result.outcome in (PhotoStatus.READY, PhotoStatus.REJECTED):
        metrics.add_metric(
            name="PhotosReady" if result.outcome == PhotoStatus.READY else "PhotosRejected",
            unit=MetricUnit.Count,
            value=1,
        )
        metrics.add_metric(
            name="PhotoProcessingTime",
            unit=MetricUnit.Milliseconds,
            value=(time.perf_counter() - started) * 1000,
        )
    return {"key": key, "outcome": result.outcome}
