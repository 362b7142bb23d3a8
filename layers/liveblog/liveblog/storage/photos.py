"""Photo items after their creation: which entries show them, the lock that an editor's publication
puts on them, the one upload the media function accepts for each, their verdict and their deletion.

Attributes of a photo item besides the Photo model's:

    used_by      SS  every entry (not deleted) whose blocks show the photo, at most MAX_USERS
    shown_by     SS  those of them that are published or scheduled; while there is one, the photo stays
    upload_etag  S   the upload the media function accepted: a form is used once, by its first file
    locked_at    S   (also in the model) when a published or scheduled entry first showed it; never cleared

Entry writes keep used_by, shown_by and locked_at in the entry's own transaction (`reference_steps`),
so every rule below is a condition on the photo item, never a read followed by a write.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeSerializer

from liveblog import clock
from liveblog.errors import ForbiddenError, NotFoundError, PhotoInUseError, PreconditionFailedError
from liveblog.models import Photo, PhotoStatus
from liveblog.models.common import format_utc
from liveblog.storage.transactions import Cancelled, Step, TransactionCancelledError, transact

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

    from liveblog.storage.content import ContentStore

# Entries that may show one photo. Each adds a 26-character id to used_by (and, while published, to
# shown_by), so at the cap the sets take about 10 KB of the item's 400 KB.
MAX_USERS = 200
# Transaction step names: an entry starts (or keeps) showing the photo, or stops showing it.
SHOWS = "shows:"
STOPS_SHOWING = "stops-showing:"
# A photo a published or scheduled entry shows, and a contributor's upload that may still land.
_UNLOCKED = "(attribute_not_exists(locked_at) OR asked_by_editor = :true)"
_serializer = TypeSerializer()


def photo_key(blog_id: str, photo_id: str) -> dict[str, Any]:
    return {"PK": {"S": f"BLOG#{blog_id}"}, "SK": {"S": f"PHOTO#{photo_id}"}}


def _update(
    table: str, blog_id: str, photo_id: str, expression: str, condition: str, values: dict[str, Any]
) -> dict[str, Any]:
    update: dict[str, Any] = {
        "TableName": table,
        "Key": photo_key(blog_id, photo_id),
        "UpdateExpression": expression,
        "ConditionExpression": condition,
        "ExpressionAttributeValues": values,
    }
    if "#status" in condition:
        update["ExpressionAttributeNames"] = {"#status": "status"}
    return {"Update": update}


def reference_steps(
    table: str,
    blog_id: str,
    entry_id: str,
    *,
    added: frozenset[str],
    removed: frozenset[str],
    kept: frozenset[str],
    shown: bool,
) -> list[Step]:
    """The steps that keep the photos' references in step with an entry write. `shown`: the entry,
    as written, is published or scheduled, so its photos are locked and may not be deleted."""
    entry = {":entry": {"SS": [entry_id]}}
    lock = {":now": {"S": format_utc(clock.utcnow())}}
    steps: list[Step] = []
    for photo_id in sorted(added):
        # A new reference needs a photo of this blog that was not refused and has room for one more.
        expression = "ADD used_by :entry, shown_by :entry SET locked_at = if_not_exists(locked_at, :now)"
        values = {**entry, ":rejected": {"S": PhotoStatus.REJECTED}, ":cap": {"N": str(MAX_USERS)}}
        if shown:
            values.update(lock)
        else:
            expression = "ADD used_by :entry"
        condition = (
            "attribute_exists(PK) AND #status <> :rejected"
            " AND (attribute_not_exists(used_by) OR size(used_by) < :cap)"
        )
        update = _update(table, blog_id, photo_id, expression, condition, values)
        update["Update"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        steps.append(Step(f"{SHOWS}{photo_id}", update))
    for photo_id in sorted(kept):
        if shown:
            # Publishing a draft that shows a photo deleted meanwhile fails here: it does not exist.
            expression = "ADD shown_by :entry SET locked_at = if_not_exists(locked_at, :now)"
            update = _update(table, blog_id, photo_id, expression, "attribute_exists(PK)", {**entry, **lock})
            update["Update"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
            steps.append(Step(f"{SHOWS}{photo_id}", update))
        else:
            # A scheduled entry sent back to draft no longer holds the photo (a no-op for a draft).
            update = _update(
                table, blog_id, photo_id, "DELETE shown_by :entry", "attribute_exists(PK)", entry
            )
            steps.append(Step(f"{STOPS_SHOWING}{photo_id}", update))
    for photo_id in sorted(removed):
        # The condition only keeps the update from creating a stub item.
        expression = "DELETE used_by :entry, shown_by :entry"
        steps.append(
            Step(
                f"{STOPS_SHOWING}{photo_id}",
                _update(table, blog_id, photo_id, expression, "attribute_exists(PK)", entry),
            )
        )
    return steps


def transact_references(client: "DynamoDBClient", steps: Sequence[Step]) -> None:
    """Run an entry write's transaction. A photo deleted since the entry was read has no reference
    left to drop: when only such steps failed, the write runs again without them."""
    try:
        transact(client, steps)
    except TransactionCancelledError as exc:
        gone = exc.cancelled.failed_steps(STOPS_SHOWING)
        if not gone or gone != exc.cancelled.failed_steps():
            raise
        transact(client, [step for step in steps if step.name not in gone])


def too_many_users(item: dict[str, Any]) -> bool:
    return len(item.get("used_by", {}).get("SS", [])) >= MAX_USERS


def raise_if_locked(cancelled: Cancelled) -> None:
    """Explain a contributor's caption edit refused because an editor published the photo meanwhile."""
    item = cancelled.item("photo") if cancelled.failed("photo") else None
    if item and "locked_at" in item:
        raise ForbiddenError(
            "a published or scheduled entry shows this photo; an editor changes its caption",
            details={"entries": sorted(item.get("shown_by", {}).get("SS", []))},
        ) from cancelled.error


class PhotoStore:
    """The media function's and the photo deletion's writes to photo items, on the content table."""

    def __init__(self, content: "ContentStore") -> None:
        self._content = content
        self._client = content._client
        self.table_name = content.table_name

    def claim_upload(self, photo: Photo, etag: str) -> str | None:
        """Make the upload with this ETag the photo's only one. None when it is (again), else why not:
        the photo was decided, deleted or locked, another upload came first, or the blog is archived."""
        values = {
            ":etag": {"S": etag},
            ":pending": {"S": PhotoStatus.PENDING},
            ":true": {"BOOL": True},
        }
        condition = f"#status = :pending AND (attribute_not_exists(upload_etag) OR upload_etag = :etag) AND {_UNLOCKED}"
        update = _update(
            self.table_name, photo.blog_id, photo.id, "SET upload_etag = :etag", condition, values
        )
        update["Update"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        try:
            transact(self._client, [Step("photo", update), self._content._blog_check(photo.blog_id)])
        except TransactionCancelledError as exc:
            return _claim_refusal(exc.cancelled, etag)
        return None

    def record_verdict(self, photo: Photo, upload_etag: str | None) -> bool:
        """Record the media function's verdict (ready or rejected) on a photo still pending, for the
        upload it claimed, while the upload may still land and the blog is not archived. False when
        it was not recorded: a verdict is final, and an archived blog's readers see nothing change."""
        outcome = photo.model_dump(
            mode="json",
            include={"status", "format", "width", "height", "original_bytes", "renditions", "reason"},
            exclude_none=True,
        )
        outcome.update(processed_at=format_utc(photo.processed_at or photo.updated_at))
        outcome.update(updated_at=format_utc(photo.updated_at))
        names = {f"#a{i}": name for i, name in enumerate(outcome)}
        names["#status"] = "status"
        values = {f":v{i}": _serializer.serialize(value) for i, value in enumerate(outcome.values())}
        values.update({":one": {"N": "1"}, ":pending": {"S": PhotoStatus.PENDING}, ":true": {"BOOL": True}})
        claimed = "attribute_not_exists(upload_etag)"
        if upload_etag is not None:
            claimed = "upload_etag = :etag"
            values[":etag"] = {"S": upload_etag}
        update = {
            "TableName": self.table_name,
            "Key": photo_key(photo.blog_id, photo.id),
            "UpdateExpression": "SET "
            + ", ".join(f"#a{i} = :v{i}" for i in range(len(outcome)))
            + ", version = version + :one",
            "ConditionExpression": f"#status = :pending AND {claimed} AND {_UNLOCKED}",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        try:
            transact(
                self._client, [Step("photo", {"Update": update}), self._content._blog_check(photo.blog_id)]
            )
        except TransactionCancelledError as exc:
            if exc.cancelled.failed_steps():
                return False
            raise
        return True

    def delete(self, photo: Photo, expected_version: int) -> None:
        """Delete the photo item if it is at `expected_version`, no published or scheduled entry shows
        it, and its blog is not archived. Drafts that show it keep their block; publishing them is
        refused (the photo does not exist)."""
        delete = {
            "TableName": self.table_name,
            "Key": photo_key(photo.blog_id, photo.id),
            "ConditionExpression": "attribute_exists(PK) AND version = :expected AND attribute_not_exists(shown_by)",
            "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        try:
            transact(
                self._client, [Step("photo", {"Delete": delete}), self._content._blog_check(photo.blog_id)]
            )
        except TransactionCancelledError as exc:
            _explain_delete(exc.cancelled, photo)
            self._content._raise_blog_check_failure(photo.blog_id, exc.cancelled)
            raise exc.cancelled.error from None

    def unshown(self, blog_id: str, photo_ids: frozenset[str]) -> list[str]:
        """Those of the photos that exist and that no published or scheduled entry shows."""
        items = self._content._batch_get([photo_key(blog_id, photo_id) for photo_id in sorted(photo_ids)])
        return sorted(item["SK"]["S"].removeprefix("PHOTO#") for item in items if "shown_by" not in item)


def _claim_refusal(cancelled: Cancelled, etag: str) -> str:
    if cancelled.failed("blog"):
        return "the blog is archived or deleted"
    if not cancelled.failed("photo"):
        raise cancelled.error  # contention: the delivery is retried
    item = cancelled.item("photo")
    if not item:
        return "the photo was deleted"
    if item.get("status", {}).get("S") != PhotoStatus.PENDING:
        return "the photo was already decided"
    if item.get("upload_etag", {}).get("S", etag) != etag:
        return "another upload was accepted for this photo"
    return "a published or scheduled entry shows this contributor's photo: its upload form is closed"


def _explain_delete(cancelled: Cancelled, photo: Photo) -> None:
    if not cancelled.failed("photo"):
        return
    item = cancelled.item("photo")
    if not item:
        raise NotFoundError(f"no photo with id {photo.id} in blog {photo.blog_id}") from cancelled.error
    shown_by = sorted(item.get("shown_by", {}).get("SS", []))
    if shown_by:
        raise PhotoInUseError(
            f"{len(shown_by)} published or scheduled {'entry shows' if len(shown_by) == 1 else 'entries show'} "
            "this photo; delete or change them first",
            details={"entries": shown_by},
        ) from cancelled.error
    raise PreconditionFailedError(
        "the photo changed since you read it; fetch it and retry"
    ) from cancelled.error
