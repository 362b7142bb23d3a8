"""The content table: blogs, slugs and entries in one DynamoDB table.

Key schema (also in the README):

    item      PK                SK              GSI1PK / GSI1SK                        GSI2PK / GSI2SK
    blog      BLOG#<blog_id>    BLOG            BLOGS#<status> / <created_at>#<id>     BLOGS / <created_at>#<id>
    slug      SLUG#<slug>       SLUG            -                                      -
              (state: claimed, releasing while a deleted blog's documents are removed, released;
               last_version: the highest snapshot version published under the slug)
    photo     BLOG#<blog_id>    PHOTO#<id>      -                                      -
              (used_by: the ids of the entries showing it, kept in each entry write's transaction)
    entry     BLOG#<blog_id>    ENTRY#<id>      BLOG#<blog_id>#ENTRIES#<status> / <seq> SCHEDULED / <publish_at>#<blog>#<id>
              (published entries sort by <pub_seq> instead; published key events: BLOG#<blog_id>#KEY / <pub_seq>)
                                                                                       (only while scheduled)

Every write is conditional: creates never overwrite, updates name the version they replace.
"""

import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

from liveblog.errors import (
    BlogBeingDeletedError,
    ConflictError,
    IllegalTransitionError,
    NotFoundError,
    PinMovedError,
    PreconditionFailedError,
    SlugBeingReleasedError,
    SlugTakenError,
    ThrottledError,
    UnprocessableError,
)
from liveblog.models import Blog, BlogStatus, Entry, EntryStatus, Photo, PhotoStatus
from liveblog.models.common import format_utc
from liveblog.storage import photos as photo_references
from liveblog.storage.cursor import decode_cursor, encode_cursor
from liveblog.storage.retention import EXPIRES_AT, tombstone_expires_at
from liveblog.storage.transactions import (
    Cancelled,
    Step,
    TransactionCancelledError,
    transact,
)
from liveblog.storage.transactions import translated_errors as _translated_errors

if TYPE_CHECKING:
    from datetime import datetime

    from mypy_boto3_dynamodb.client import DynamoDBClient

TRUSTED = {"trusted": True}
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
_ENTRY_KEY_NAMES = frozenset({"PK", "SK"})
_GSI1_KEY_NAMES = frozenset({"PK", "SK", "GSI1PK", "GSI1SK"})
_GSI2_KEY_NAMES = frozenset({"PK", "SK", "GSI2PK", "GSI2SK"})
DELETABLE_BLOG_STATUSES = (BlogStatus.DRAFT, BlogStatus.ARCHIVED)
# Entries whose photos are locked and may not be deleted: readers see them, or will.
SHOWN_STATUSES = (EntryStatus.PUBLISHED, EntryStatus.SCHEDULED)
_SHOWS = photo_references.SHOWS
TRANSACTION_ATTEMPTS = 5
# A blog item with this attribute is being deleted: no write may land in it any more.
DELETING = "deleting"


class SlugState(StrEnum):
    """Where a slug stands. A claim written before states existed has none: it is claimed."""

    CLAIMED = "claimed"
    # Its blog is deleted and the renderer has not yet removed the documents under its URLs.
    RELEASING = "releasing"
    RELEASED = "released"


@dataclass(frozen=True)
class SlugRecord:
    """The slug item: who holds the slug, and the last snapshot version published under it, which
    a later blog with the same slug continues from so readers never see a version go back."""

    state: SlugState
    blog_id: str | None = None
    last_version: int = 0

    @classmethod
    def from_item(cls, item: dict[str, Any] | None) -> "SlugRecord":
        if not item:
            return cls(SlugState.RELEASED)
        return cls(
            state=SlugState(item.get("state", {}).get("S", SlugState.CLAIMED)),
            blog_id=item.get("blog_id", {}).get("S"),
            last_version=int(item.get("last_version", {}).get("N", "0")),
        )


def _being_deleted() -> BlogBeingDeletedError:
    return BlogBeingDeletedError(
        "the blog is being deleted; it can no longer change (a DELETE finishes deleting it)"
    )


def _failed_item(exc: ClientError) -> dict[str, Any] | None:
    """The item as it was when a single write's condition failed (with ALL_OLD), None if absent."""
    item: Any = exc.response.get("Item")
    return dict(item) if item else None


def _raise_closed_blog(blog_id: str, item: dict[str, Any] | None, error: Exception) -> None:
    """Explain a blog that refused an entry write from its item as it was: gone, being deleted or
    archived. Returns when it is none of those."""
    if not item:
        raise NotFoundError(f"no blog with id {blog_id}") from error
    if DELETING in item:
        raise _being_deleted() from error
    if item.get("status", {}).get("S") == BlogStatus.ARCHIVED:
        raise IllegalTransitionError("the blog is archived; its entries can no longer change") from error


def _blog_pk(blog_id: str) -> str:
    return f"BLOG#{blog_id}"


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def _blog_key(blog_id: str) -> dict[str, Any]:
    return _key(_blog_pk(blog_id), "BLOG")


def _slug_key(slug: str) -> dict[str, Any]:
    return _key(f"SLUG#{slug}", "SLUG")


def _entry_key(blog_id: str, entry_id: str) -> dict[str, Any]:
    return _key(_blog_pk(blog_id), f"ENTRY#{entry_id}")


def _photo_key(blog_id: str, photo_id: str) -> dict[str, Any]:
    return _key(_blog_pk(blog_id), f"PHOTO#{photo_id}")


def _entries_by_status_pk(blog_id: str, status: str) -> str:
    return f"BLOG#{blog_id}#ENTRIES#{status}"


def _serialize(plain: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in plain.items()}


def _deserialize(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def _plain_key(item: dict[str, Any]) -> dict[str, str]:
    return {name: value["S"] for name, value in item.items()}


def _blog_item(blog: Blog) -> dict[str, Any]:
    plain = blog.model_dump(mode="json", exclude_none=True)
    listed = f"{plain['created_at']}#{blog.id}"
    plain.update(type="blog", GSI1PK=f"BLOGS#{blog.status}", GSI1SK=listed, GSI2PK="BLOGS", GSI2SK=listed)
    return plain


def _entry_item(entry: Entry) -> dict[str, Any]:
    if entry.status == EntryStatus.PUBLISHED and (entry.pub_seq is None or entry.published_at is None):
        # Without its number a published entry has no place in the stream, its pages or the
        # key-event timeline: liveblog.logic.publishing gives it one.
        raise ValueError(f"entry {entry.id} is published without its publication number or time")
    plain = entry.model_dump(mode="json", exclude_none=True)
    published = entry.status == EntryStatus.PUBLISHED
    plain.update(
        type="entry",
        GSI1PK=_entries_by_status_pk(entry.blog_id, entry.status),
        # Published entries sort by publication order: the renderer pages by it.
        GSI1SK=f"{entry.pub_seq if published else entry.seq:010d}",
    )
    if published and entry.key_event:
        plain.update(GSI2PK=f"BLOG#{entry.blog_id}#KEY", GSI2SK=f"{entry.pub_seq:010d}")
    if entry.status == EntryStatus.SCHEDULED and entry.publish_at is not None:
        plain.update(GSI2PK="SCHEDULED", GSI2SK=f"{format_utc(entry.publish_at)}#{entry.blog_id}#{entry.id}")
    if entry.status == EntryStatus.DELETED and entry.deleted_at is not None:
        plain[EXPIRES_AT] = tombstone_expires_at(entry.deleted_at)
    return plain


def _photo_item(photo: Photo) -> dict[str, Any]:
    return {**photo.model_dump(mode="json", exclude_none=True), "type": "photo"}


def _to_photo(item: dict[str, Any]) -> Photo:
    return Photo.model_validate(_deserialize(item), context=TRUSTED)


def _to_blog(item: dict[str, Any]) -> Blog:
    return Blog.model_validate(_deserialize(item), context=TRUSTED)


def _to_entry(item: dict[str, Any]) -> Entry:
    return Entry.model_validate(_deserialize(item), context=TRUSTED)


@dataclass(frozen=True)
class KeyEventMark:
    """A published key event as the timeline shows it: kept in the render state, so that a render
    does not read every key event of the blog again."""

    id: str
    pub_seq: int
    title: str
    published_at: str  # ISO 8601 UTC

    def to_attribute(self) -> dict[str, Any]:
        return {
            "M": {
                "id": {"S": self.id},
                "pub_seq": {"N": str(self.pub_seq)},
                "title": {"S": self.title},
                "published_at": {"S": self.published_at},
            }
        }

    @classmethod
    def from_attribute(cls, value: dict[str, Any]) -> "KeyEventMark":
        fields = value["M"]
        return cls(
            id=fields["id"]["S"],
            pub_seq=int(fields["pub_seq"]["N"]),
            title=fields["title"]["S"],
            published_at=fields["published_at"]["S"],
        )


@dataclass(frozen=True)
class RenderState:
    """What the renderer last published for a blog: its version, each archive page's digest, the
    blog's publication count then (entries numbered above it were published since), the
    superseded documents not yet known to be deleted (key -> whether to purge it from the CDN),
    and its published key events (None: not known, read them from the table)."""

    version: int = 0
    pages: dict[int, str] = field(default_factory=dict)
    published_seq: int = 0
    superseded: dict[str, bool] = field(default_factory=dict)
    key_events: tuple[KeyEventMark, ...] | None = None

    @classmethod
    def from_item(cls, item: dict[str, Any] | None) -> "RenderState":
        if not item:
            return cls()
        pages = {int(number): value["S"] for number, value in item.get("pages", {}).get("M", {}).items()}
        superseded = {key: value["BOOL"] for key, value in item.get("superseded", {}).get("M", {}).items()}
        marks = item.get("key_events", {}).get("L")
        return cls(
            version=int(item["version"]["N"]),
            pages=pages,
            published_seq=int(item.get("published_seq", {}).get("N", "0")),
            superseded=superseded,
            key_events=None if marks is None else tuple(KeyEventMark.from_attribute(mark) for mark in marks),
        )


class ContentStore:
    """Blogs and entries in the content table."""

    def __init__(self, table_name: str, client: "DynamoDBClient | None" = None) -> None:
        self.table_name = table_name
        self._client = client or boto3.client(
            "dynamodb", config=Config(retries={"mode": "standard", "max_attempts": 4})
        )

    # Conditions on the blog item, added to entry writes so they land only in a writable blog

    def _blog_check(self, blog_id: str, not_pinned: str | None = None) -> Step:
        condition = f"attribute_exists(PK) AND #status <> :archived AND attribute_not_exists({DELETING})"
        values: dict[str, Any] = {":archived": {"S": BlogStatus.ARCHIVED}}
        if not_pinned:
            condition += " AND (attribute_not_exists(pinned_entry_id) OR pinned_entry_id <> :entry)"
            values[":entry"] = {"S": not_pinned}
        return Step(
            "blog",
            {
                "ConditionCheck": {
                    "TableName": self.table_name,
                    "Key": _blog_key(blog_id),
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": values,
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
        )

    def _unpin_step(self, blog_id: str, entry_id: str, now: "datetime") -> Step:
        return Step(
            "blog",
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": _blog_key(blog_id),
                    "UpdateExpression": "REMOVE pinned_entry_id SET version = version + :one, updated_at = :now",
                    "ConditionExpression": (
                        f"pinned_entry_id = :entry AND #status <> :archived AND attribute_not_exists({DELETING})"
                    ),
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {
                        ":entry": {"S": entry_id},
                        ":one": {"N": "1"},
                        ":now": {"S": format_utc(now)},
                        ":archived": {"S": BlogStatus.ARCHIVED},
                    },
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
        )

    def _raise_blog_check_failure(self, blog_id: str, cancelled: Cancelled) -> None:
        """Explain a failed "blog" step: the blog is gone, being deleted, archived, or its pin moved."""
        if not cancelled.failed("blog"):
            return
        _raise_closed_blog(blog_id, cancelled.item("blog"), cancelled.error)
        raise PinMovedError("the blog's pinned entry changed meanwhile; retry") from cancelled.error

    # Photo references: each photo item lists the entries that show it, so that a caption edit
    # republishes exactly those entries without scanning the blog.

    def _photo_reference_steps(
        self,
        blog_id: str,
        entry_id: str,
        added: frozenset[str] = frozenset(),
        removed: frozenset[str] = frozenset(),
        kept: frozenset[str] = frozenset(),
        shown: bool = False,
        was_shown: bool = False,
    ) -> list[Step]:
        return photo_references.reference_steps(
            self.table_name,
            blog_id,
            entry_id,
            added=added,
            removed=removed,
            # A photo the entry keeps showing changes only when readers start or stop seeing the entry.
            kept=kept if shown != was_shown else frozenset(),
            shown=shown,
        )

    def _raise_versioned_write_failure(
        self, cancelled: Cancelled, kind: str, item_id: str, blog_id: str
    ) -> None:
        """Explain a cancelled write of the `kind` step at a version, with its "blog" step."""
        if cancelled.failed(kind):
            if not cancelled.item(kind):
                raise NotFoundError(f"no {kind} with id {item_id}") from cancelled.error
            raise PreconditionFailedError(
                f"the {kind} changed since you read it; fetch it and retry"
            ) from cancelled.error
        self._raise_blog_check_failure(blog_id, cancelled)

    def _raise_photo_reference_failure(self, cancelled: Cancelled) -> None:
        """Explain a cancelled entry write whose new photo references failed."""
        for name in cancelled.failed_steps(_SHOWS):
            item = cancelled.item(name)
            if not item:
                photo_id = name.removeprefix(_SHOWS)
                raise UnprocessableError(
                    f"photo {photo_id} does not exist in this blog; upload it first",
                    details={"photo_id": photo_id},
                ) from cancelled.error
            photo = _to_photo(dict(item))
            if photo.status != PhotoStatus.REJECTED and photo_references.too_many_users(dict(item)):
                raise UnprocessableError(
                    f"photo {photo.id} ({photo.filename}) is shown by {photo_references.MAX_USERS} entries,"
                    " the most one photo may be; upload it again to show it in more",
                    details={"photo_id": photo.id, "limit": photo_references.MAX_USERS},
                ) from cancelled.error
            detail = f": {photo.reason.message}" if photo.reason else ""
            raise UnprocessableError(
                f"photo {photo.id} ({photo.filename}) was rejected{detail}; upload another",
                details={"photo_id": photo.id, "reason": photo.reason.code if photo.reason else None},
            ) from cancelled.error

    # Blogs

    def _slug_claim(self, blog: Blog) -> Step:
        """The transaction step that claims `blog.slug`, failing while another blog holds it or a
        deleted blog's documents are still under its URLs. An update, so that the slug's last
        published version stays for the new blog to continue from."""
        return Step(
            "slug",
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": _slug_key(blog.slug),
                    "UpdateExpression": "SET blog_id = :id, #type = :slug, #state = :claimed",
                    "ConditionExpression": "attribute_not_exists(PK) OR #state = :released",
                    "ExpressionAttributeNames": {"#type": "type", "#state": "state"},
                    "ExpressionAttributeValues": {
                        ":id": {"S": blog.id},
                        ":slug": {"S": "slug"},
                        ":claimed": {"S": SlugState.CLAIMED},
                        ":released": {"S": SlugState.RELEASED},
                    },
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
        )

    def _slug_release(self, blog_id: str, slug: str, state: SlugState = SlugState.RELEASED) -> Step:
        """The transaction step that gives up the blog's claim on `slug`: released at once, or
        releasing until the renderer has removed the documents published under it."""
        expression = "SET #state = :state" + (" REMOVE blog_id" if state == SlugState.RELEASED else "")
        return Step(
            "slug-release",
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": _slug_key(slug),
                    "UpdateExpression": expression,
                    "ConditionExpression": "blog_id = :id",
                    "ExpressionAttributeNames": {"#state": "state"},
                    "ExpressionAttributeValues": {":id": {"S": blog_id}, ":state": {"S": state}},
                }
            },
        )

    @staticmethod
    def _raise_slug_refusal(cancelled: Cancelled, slug: str) -> None:
        if not cancelled.failed("slug"):
            return
        if SlugRecord.from_item(cancelled.item("slug")).state == SlugState.RELEASING:
            raise SlugBeingReleasedError(
                f"slug {slug!r} belonged to a deleted blog whose public documents are being removed;"
                " retry in a few seconds"
            ) from cancelled.error
        raise SlugTakenError(f"slug {slug!r} is already used by another blog") from cancelled.error

    def create_blog(self, blog: Blog) -> Blog:
        """Claim the slug and write the blog in one transaction: two racing creates cannot share a slug."""
        item = _serialize({**_blog_item(blog), "entry_seq": 0, "published_seq": 0})
        put = {
            "TableName": self.table_name,
            "Item": {**item, **_blog_key(blog.id)},
            "ConditionExpression": "attribute_not_exists(PK)",
        }
        try:
            transact(self._client, [self._slug_claim(blog), Step("blog", {"Put": put})])
        except TransactionCancelledError as exc:
            cancelled = exc.cancelled
            self._raise_slug_refusal(cancelled, blog.slug)
            if cancelled.failed("blog"):
                raise ConflictError("a blog with this id already exists") from exc
            if cancelled.conflicted:
                raise ConflictError("another change to this slug was in flight; retry") from exc
            raise cancelled.error from None
        return blog

    def get_blog(self, blog_id: str) -> Blog:
        with _translated_errors():
            response = self._client.get_item(
                TableName=self.table_name, Key=_blog_key(blog_id), ConsistentRead=True
            )
        if "Item" not in response:
            raise NotFoundError(f"no blog with id {blog_id}")
        return _to_blog(response["Item"])

    def blog_id_for_slug(self, slug: str) -> str | None:
        """The id of the blog that holds `slug`, from its slug claim; None if no blog holds it."""
        with _translated_errors():
            response = self._client.get_item(
                TableName=self.table_name, Key=_slug_key(slug), ConsistentRead=True
            )
        # A released slug keeps its item (its last version) without a blog.
        holder = response.get("Item", {}).get("blog_id", {}).get("S")
        return str(holder) if holder else None

    def update_blog(
        self,
        blog: Blog,
        expected_version: int,
        previous_slug: str | None = None,
        require_published: str | None = None,
    ) -> Blog:
        """Replace the blog's fields if it is still at `expected_version`; move its slug claim if the
        slug changed; with `require_published`, only while that entry is still published (a pin).

        An update rather than a put: the entry counter on the same item moves independently.
        """
        plain = _blog_item(blog)
        del plain["id"]
        cleared = [name for name in Blog.model_fields if name != "id" and name not in plain]
        names = {f"#a{i}": name for i, name in enumerate([*plain, *cleared, "PK"])}
        by_name = {name: alias for alias, name in names.items()}
        values = _serialize({f":v{i}": value for i, value in enumerate(plain.values())})
        values[":expected"] = {"N": str(expected_version)}
        names["#deleting"] = DELETING
        expression = "SET " + ", ".join(f"{by_name[name]} = :v{i}" for i, name in enumerate(plain))
        if cleared:
            expression += " REMOVE " + ", ".join(by_name[name] for name in cleared)
        update: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": _blog_key(blog.id),
            "UpdateExpression": expression,
            "ConditionExpression": (
                f"attribute_exists({by_name['PK']}) AND {by_name['version']} = :expected"
                " AND attribute_not_exists(#deleting)"
            ),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        steps = [Step("blog", {"Update": update})]
        if previous_slug is not None and previous_slug != blog.slug:
            steps += [self._slug_release(blog.id, previous_slug), self._slug_claim(blog)]
        if require_published:
            steps.append(self._still_published(blog.id, require_published))
        if len(steps) == 1:
            try:
                with _translated_errors():
                    self._client.update_item(**update)
            except ClientError as exc:
                if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                    self._raise_blog_update_failure(exc, blog.id, _failed_item(exc))
                raise
            return blog
        try:
            transact(self._client, steps)
        except TransactionCancelledError as exc:
            self._explain_blog_update(exc.cancelled, blog, require_published)
            raise exc.cancelled.error from None
        return blog

    def _still_published(self, blog_id: str, entry_id: str) -> Step:
        return Step(
            "pinned-entry",
            {
                "ConditionCheck": {
                    "TableName": self.table_name,
                    "Key": _entry_key(blog_id, entry_id),
                    "ConditionExpression": "#status = :published",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {":published": {"S": EntryStatus.PUBLISHED}},
                }
            },
        )

    def _raise_blog_update_failure(self, exc: ClientError, blog_id: str, item: dict[str, Any] | None) -> None:
        if item and DELETING in item:
            raise _being_deleted() from exc
        self._raise_version_failure(exc, blog_id, bool(item))

    def _explain_blog_update(self, cancelled: Cancelled, blog: Blog, pinned: str | None) -> None:
        if cancelled.failed("blog"):
            self._raise_blog_update_failure(cancelled.error, blog.id, cancelled.item("blog"))
        self._raise_slug_refusal(cancelled, blog.slug)
        if cancelled.failed("pinned-entry"):
            raise ConflictError(
                f"entry {pinned} is no longer published; it cannot be pinned"
            ) from cancelled.error
        if cancelled.conflicted:
            raise ConflictError("another change to this blog was in flight; retry") from cancelled.error

    def delete_blog(self, blog: Blog, expected_version: int) -> None:
        """Delete a draft or archived blog: mark it, delete what its partition holds, then the blog.

        The mark comes first and every write into the blog checks it (entries, photos, counters,
        the blog itself), so nothing can land after the sweep has passed and outlive the blog. A
        delete cut short leaves the blog marked and in place, read-only; the same request (the
        mark leaves the version as it was) finishes it. The slug is released at once for a draft,
        which never published anything; otherwise it stays releasing until the renderer has
        removed the blog's public documents, from the blog's REMOVE record in the stream.
        """
        self._mark_deleting(blog.id, expected_version)
        self._delete_partition_items(blog.id)
        delete = {
            "TableName": self.table_name,
            "Key": _blog_key(blog.id),
            "ConditionExpression": f"version = :expected AND attribute_exists({DELETING})",
            "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
        }
        slug_state = SlugState.RELEASED if blog.status == BlogStatus.DRAFT else SlugState.RELEASING
        try:
            transact(
                self._client,
                [Step("blog", {"Delete": delete}), self._slug_release(blog.id, blog.slug, slug_state)],
            )
        except TransactionCancelledError as exc:
            if exc.cancelled.failed_steps():
                raise PreconditionFailedError(
                    "the blog changed since you read it; fetch it and retry"
                ) from exc
            if exc.cancelled.conflicted:
                raise ConflictError("another change to this blog was in flight; retry") from exc
            raise exc.cancelled.error from None

    def _mark_deleting(self, blog_id: str, expected_version: int) -> None:
        """Mark the blog as being deleted, if it is still at `expected_version` and deletable."""
        try:
            with _translated_errors():
                self._client.update_item(
                    TableName=self.table_name,
                    Key=_blog_key(blog_id),
                    UpdateExpression=f"SET {DELETING} = :true",
                    ConditionExpression="version = :expected AND #status IN (:draft, :archived)",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues={
                        ":true": {"BOOL": True},
                        ":expected": {"N": str(expected_version)},
                        ":draft": {"S": BlogStatus.DRAFT},
                        ":archived": {"S": BlogStatus.ARCHIVED},
                    },
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                self._raise_version_failure(exc, blog_id, bool(exc.response.get("Item")))
            raise

    def _delete_partition_items(self, blog_id: str) -> None:
        """Delete entries and photos: everything in the partition but the blog item and the render
        state, which the renderer needs (the version it reached) and deletes itself. The read is
        consistent, so it sees every entry that landed before the mark."""
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self.table_name,
            KeyConditionExpression="PK = :pk AND SK > :blog",
            ExpressionAttributeValues={":pk": {"S": _blog_pk(blog_id)}, ":blog": {"S": "BLOG"}},
            ProjectionExpression="PK, SK",
            ConsistentRead=True,
        )
        with _translated_errors():
            for page in pages:
                keys = [key for key in page.get("Items", []) if key["SK"]["S"] != "RENDER"]
                for start in range(0, len(keys), 25):
                    self._batch_delete(keys[start : start + 25])

    def _batch_delete(self, keys: list[dict[str, Any]]) -> None:
        requests: list[Any] = [{"DeleteRequest": {"Key": key}} for key in keys]
        for attempt in range(8):
            with _translated_errors():
                response = self._client.batch_write_item(RequestItems={self.table_name: requests})
            requests = response.get("UnprocessedItems", {}).get(self.table_name, [])
            if not requests:
                return
            time.sleep(min(0.05 * 2**attempt, 1.0))
        raise ThrottledError("could not delete every entry of the blog; retry the delete")

    def list_blogs(
        self, status: BlogStatus | None, cursor: str | None, limit: int
    ) -> tuple[list[Blog], str | None]:
        if status is None:
            index, partition = "GSI2", {"GSI2PK": "BLOGS"}
        else:
            index, partition = "GSI1", {"GSI1PK": f"BLOGS#{status}"}
        key_names = _GSI2_KEY_NAMES if index == "GSI2" else _GSI1_KEY_NAMES
        return self._query_page(index, partition, key_names, cursor, limit, _to_blog)

    # Entries

    def create_entry(
        self, blog_id: str, build: Callable[[int, int | None], Entry], publishing: bool
    ) -> Entry:
        """Write a new entry with the blog's next sequence number.

        With `publishing`, the entry's publication number is taken in the same update. The number
        comes from an atomic counter on the blog item (one UpdateItem), so concurrent
        creates each get their own number at once, however many arrive together; an optimistic
        transaction would make them retry each other into the ground. The entry is written next;
        only a function dying between the two writes could leave a number unused.
        """
        numbers = self._take_numbers(
            blog_id, ("entry_seq", "published_seq") if publishing else ("entry_seq",)
        )
        entry = build(numbers["entry_seq"], numbers.get("published_seq"))
        # The blog may be archived or deleted between the counter and the put: check it again,
        # atomically with the put.
        put = {
            "TableName": self.table_name,
            "Item": {**_serialize(_entry_item(entry)), **_entry_key(blog_id, entry.id)},
            "ConditionExpression": "attribute_not_exists(PK)",
        }
        steps = [
            self._blog_check(blog_id),
            Step("entry", {"Put": put}),
            *self._photo_reference_steps(
                blog_id, entry.id, added=entry.photo_ids, shown=entry.status in SHOWN_STATUSES
            ),
        ]
        for attempt in range(TRANSACTION_ATTEMPTS):
            try:
                transact(self._client, steps)
            except TransactionCancelledError as exc:
                cancelled = exc.cancelled
                if cancelled.conflicted and attempt + 1 < TRANSACTION_ATTEMPTS:
                    # Another create's counter update touched the blog item; the number is still ours.
                    time.sleep(random.uniform(0, 0.02 * 2**attempt))  # noqa: S311
                    continue
                self._raise_blog_check_failure(blog_id, cancelled)
                if cancelled.failed("entry"):
                    raise ConflictError("an entry with this id already exists") from exc
                self._raise_photo_reference_failure(cancelled)
                if cancelled.conflicted:
                    raise ThrottledError("too many writes to this blog at once; retry") from exc
                raise cancelled.error from None
            return entry
        raise AssertionError("unreachable: the last attempt returns or raises")

    def take_published_seq(self, blog_id: str) -> int:
        """The blog's next publication number, for an entry being published for the first time."""
        return self._take_numbers(blog_id, ("published_seq",))["published_seq"]

    def _take_numbers(self, blog_id: str, counters: tuple[str, ...]) -> dict[str, int]:
        """Advance the blog's counters by one, atomically, refusing missing and archived blogs."""
        try:
            with _translated_errors():
                response = self._client.update_item(
                    TableName=self.table_name,
                    Key=_blog_key(blog_id),
                    UpdateExpression="ADD " + ", ".join(f"{counter} :one" for counter in counters),
                    ConditionExpression=(
                        f"attribute_exists(PK) AND #status <> :archived AND attribute_not_exists({DELETING})"
                    ),
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues={":one": {"N": "1"}, ":archived": {"S": BlogStatus.ARCHIVED}},
                    ReturnValues="UPDATED_NEW",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                _raise_closed_blog(blog_id, _failed_item(exc), exc)
            raise
        return {counter: int(response["Attributes"][counter]["N"]) for counter in counters}

    def get_entry(self, blog_id: str, entry_id: str) -> Entry:
        with _translated_errors():
            response = self._client.get_item(
                TableName=self.table_name, Key=_entry_key(blog_id, entry_id), ConsistentRead=True
            )
        if "Item" not in response:
            raise NotFoundError(f"no entry with id {entry_id} in blog {blog_id}")
        return _to_entry(response["Item"])

    def get_blog_and_entry(self, blog_id: str, entry_id: str) -> tuple[Blog, Entry]:
        """Both in one round trip: entry writes need the blog's status too."""
        items = self._batch_get([_blog_key(blog_id), _entry_key(blog_id, entry_id)])
        found = {item["SK"]["S"]: item for item in items}
        if "BLOG" not in found:
            raise NotFoundError(f"no blog with id {blog_id}")
        entry_item = found.get(f"ENTRY#{entry_id}")
        if entry_item is None:
            raise NotFoundError(f"no entry with id {entry_id} in blog {blog_id}")
        return _to_blog(found["BLOG"]), _to_entry(entry_item)

    def update_entry(
        self,
        entry: Entry,
        expected_version: int,
        expected_status: EntryStatus | None = None,
        unpin_at: "datetime | None" = None,
        before: Entry | None = None,
    ) -> Entry:
        """Replace the entry if it is still at `expected_version` (and `expected_status`), in a blog
        that is not archived. A deleted entry must not stay pinned: with `unpin_at` the blog's pin
        is removed in the same transaction, otherwise the blog must not be pinning it.

        `before` is the entry as stored: its photos' references move with the entry in the same
        transaction (None: neither its photos nor whether it shows them to readers change)."""
        condition = "attribute_exists(PK) AND version = :expected"
        values: dict[str, Any] = {":expected": {"N": str(expected_version)}}
        put: dict[str, Any] = {
            "TableName": self.table_name,
            "Item": {**_serialize(_entry_item(entry)), **_entry_key(entry.blog_id, entry.id)},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if expected_status is not None:
            condition += " AND #status = :status"
            values[":status"] = {"S": expected_status}
            put["ExpressionAttributeNames"] = {"#status": "status"}
        put.update(ConditionExpression=condition, ExpressionAttributeValues=values)
        deleting = entry.status == EntryStatus.DELETED
        if unpin_at is not None:
            blog_step = self._unpin_step(entry.blog_id, entry.id, unpin_at)
        else:
            blog_step = self._blog_check(entry.blog_id, not_pinned=entry.id if deleting else None)
        steps = [Step("entry", {"Put": put}), blog_step]
        if before is not None:
            steps += self._photo_reference_steps(
                entry.blog_id,
                entry.id,
                added=entry.photo_ids - before.photo_ids,
                removed=before.photo_ids - entry.photo_ids,
                kept=entry.photo_ids & before.photo_ids,
                shown=entry.status in SHOWN_STATUSES,
                was_shown=before.status in SHOWN_STATUSES,
            )
        try:
            photo_references.transact_references(self._client, steps)
        except TransactionCancelledError as exc:
            self._raise_versioned_write_failure(exc.cancelled, "entry", entry.id, entry.blog_id)
            self._raise_photo_reference_failure(exc.cancelled)
            if exc.cancelled.conflicted:
                raise ConflictError("another change to this entry or its blog was in flight; retry") from exc
            raise exc.cancelled.error from None
        return entry

    def list_entries(
        self, blog_id: str, status: EntryStatus | None, cursor: str | None, limit: int
    ) -> tuple[list[Entry], str | None]:
        """Newest first: by id (creation time) for all entries, by sequence number within a status."""
        self.get_blog(blog_id)
        if status is None:
            return self._query_page(
                None,
                {"PK": _blog_pk(blog_id)},
                _ENTRY_KEY_NAMES,
                cursor,
                limit,
                _to_entry,
                sk_prefix="ENTRY#",
            )
        return self._query_page(
            "GSI1",
            {"GSI1PK": _entries_by_status_pk(blog_id, status)},
            _GSI1_KEY_NAMES,
            cursor,
            limit,
            _to_entry,
        )

    def due_scheduled_entries(self, now: "datetime") -> Iterator[tuple[str, str]]:
        """(blog_id, entry_id) of every scheduled entry whose time has come, oldest first."""
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self.table_name,
            IndexName="GSI2",
            KeyConditionExpression="GSI2PK = :scheduled AND GSI2SK <= :now",
            ExpressionAttributeValues={
                ":scheduled": {"S": "SCHEDULED"},
                # '~' sorts after the '#<blog>#<entry>' suffix, so entries due this millisecond count.
                ":now": {"S": f"{format_utc(now)}~"},
            },
            ProjectionExpression="blog_id, id",
        )
        with _translated_errors():
            for page in pages:
                for item in page.get("Items", []):
                    yield item["blog_id"]["S"], item["id"]["S"]

    def delete_orphaned_entry(self, blog_id: str, entry_id: str) -> bool:
        """Delete an entry whose blog no longer exists, so that nothing reads it again (a blog
        deleted before deletes were marked could leave one behind). False when the blog exists."""
        gone = {
            "TableName": self.table_name,
            "Key": _blog_key(blog_id),
            "ConditionExpression": "attribute_not_exists(PK)",
        }
        delete = {"TableName": self.table_name, "Key": _entry_key(blog_id, entry_id)}
        try:
            transact(
                self._client,
                [Step("blog-gone", {"ConditionCheck": gone}), Step("entry", {"Delete": delete})],
            )
        except TransactionCancelledError as exc:
            if exc.cancelled.failed("blog-gone"):
                return False
            if exc.cancelled.conflicted:
                raise ConflictError("another change to this entry was in flight; retry") from exc
            raise exc.cancelled.error from None
        return True

    # Photos

    def create_photo(self, photo: Photo) -> Photo:
        """Write a new pending photo, only into a blog that exists and is not archived."""
        put = {
            "TableName": self.table_name,
            "Item": {**_serialize(_photo_item(photo)), **_photo_key(photo.blog_id, photo.id)},
            "ConditionExpression": "attribute_not_exists(PK)",
        }
        try:
            transact(self._client, [self._blog_check(photo.blog_id), Step("photo", {"Put": put})])
        except TransactionCancelledError as exc:
            self._raise_blog_check_failure(photo.blog_id, exc.cancelled)
            if exc.cancelled.failed("photo"):
                raise ConflictError("a photo with this id already exists") from exc
            if exc.cancelled.conflicted:
                raise ConflictError("another change to this blog was in flight; retry") from exc
            raise exc.cancelled.error from None
        return photo

    def get_photo(self, blog_id: str, photo_id: str) -> Photo:
        with _translated_errors():
            response = self._client.get_item(
                TableName=self.table_name, Key=_photo_key(blog_id, photo_id), ConsistentRead=True
            )
        if "Item" not in response:
            raise NotFoundError(f"no photo with id {photo_id} in blog {blog_id}")
        return _to_photo(response["Item"])

    def photo_users(self, blog_id: str, photo_id: str) -> frozenset[str]:
        """Ids of the entries that show the photo."""
        with _translated_errors():
            response = self._client.get_item(
                TableName=self.table_name,
                Key=_photo_key(blog_id, photo_id),
                ConsistentRead=True,
                ProjectionExpression="used_by",
            )
        return frozenset(response.get("Item", {}).get("used_by", {}).get("SS", []))

    def get_photos(self, blog_id: str, photo_ids: Iterable[str]) -> dict[str, Photo]:
        """The photos that exist among `photo_ids`, by id."""
        items = self._batch_get([_photo_key(blog_id, photo_id) for photo_id in sorted(set(photo_ids))])
        photos = [_to_photo(item) for item in items]
        return {photo.id: photo for photo in photos}

    def get_entries(self, blog_id: str, entry_ids: Iterable[str]) -> dict[str, Entry]:
        items = self._batch_get([_entry_key(blog_id, entry_id) for entry_id in sorted(set(entry_ids))])
        entries = [_to_entry(item) for item in items]
        return {entry.id: entry for entry in entries}

    def list_photos(self, blog_id: str, cursor: str | None, limit: int) -> tuple[list[Photo], str | None]:
        """Newest first (ids sort by creation time)."""
        self.get_blog(blog_id)
        return self._query_page(
            None, {"PK": _blog_pk(blog_id)}, _ENTRY_KEY_NAMES, cursor, limit, _to_photo, sk_prefix="PHOTO#"
        )

    def update_photo_text(self, photo: Photo, expected_version: int, unless_locked: bool = False) -> Photo:
        """Write caption, credit and alt if the photo is still at `expected_version`, in a blog that
        is not archived; with `unless_locked`, only while no published or scheduled entry has shown it
        (a contributor's edit: the lock is set in the same transaction as the entry that shows it).
        An update, not a put: the media function and entry writes change other attributes of the
        same item independently."""
        values = _serialize(
            {
                ":caption": photo.caption,
                ":alt": photo.alt,
                ":updated": format_utc(photo.updated_at),
                ":version": photo.version,
                ":expected": expected_version,
            }
        )
        expression = "SET caption = :caption, alt = :alt, updated_at = :updated, version = :version"
        if photo.credit is None:
            expression += " REMOVE credit"
        else:
            expression = expression.replace("SET ", "SET credit = :credit, ")
            values[":credit"] = {"S": photo.credit}
        update = {
            "TableName": self.table_name,
            "Key": _photo_key(photo.blog_id, photo.id),
            "UpdateExpression": expression,
            "ConditionExpression": "attribute_exists(PK) AND version = :expected"
            + (" AND attribute_not_exists(locked_at)" if unless_locked else ""),
            "ExpressionAttributeValues": values,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        try:
            transact(self._client, [Step("photo", {"Update": update}), self._blog_check(photo.blog_id)])
        except TransactionCancelledError as exc:
            if unless_locked:
                photo_references.raise_if_locked(exc.cancelled)
            self._raise_versioned_write_failure(exc.cancelled, "photo", photo.id, photo.blog_id)
            if exc.cancelled.conflicted:
                raise ConflictError("another change to this photo or its blog was in flight; retry") from exc
            raise exc.cancelled.error from None
        return photo

    def finish_photo(self, photo: Photo, upload_etag: str | None = None) -> bool:
        """Record the media function's verdict on a photo that is still pending (for the upload it
        claimed, if any). False when it was not recorded: a repeated notification changes nothing."""
        return photo_references.PhotoStore(self).record_verdict(photo, upload_etag)

    def _batch_get(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Items for `keys` (consistent reads), in chunks of 100, retrying what DynamoDB leaves unprocessed."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(keys), 100):
            pending = keys[start : start + 100]
            for attempt in range(8):
                with _translated_errors():
                    response = self._client.batch_get_item(
                        RequestItems={self.table_name: {"Keys": pending, "ConsistentRead": True}}
                    )
                found += response.get("Responses", {}).get(self.table_name, [])
                unprocessed: dict[str, Any] = dict(response.get("UnprocessedKeys") or {})
                pending = unprocessed.get(self.table_name, {}).get("Keys", [])
                if not pending:
                    break
                time.sleep(min(0.02 * 2**attempt, 0.5))
            else:
                raise ThrottledError("the content table is busy; retry shortly")
        return found

    # What the renderer reads

    def render_inputs(self, blog_id: str) -> tuple[Blog | None, int, "RenderState"]:
        """The blog, how many publication numbers it has handed out, and what was last rendered."""
        keys = [_blog_key(blog_id), _key(_blog_pk(blog_id), "RENDER")]
        with _translated_errors():
            response = self._client.batch_get_item(
                RequestItems={self.table_name: {"Keys": keys, "ConsistentRead": True}}
            )
        if response.get("UnprocessedKeys"):
            raise ThrottledError("the content table is busy; the render will be retried")
        found = {item["SK"]["S"]: item for item in response.get("Responses", {}).get(self.table_name, [])}
        state = RenderState.from_item(found.get("RENDER"))
        if "BLOG" not in found or DELETING in found["BLOG"]:
            # A blog being deleted is already gone for readers: its removal follows its REMOVE record.
            return None, 0, state
        published_seq = int(found["BLOG"].get("published_seq", {}).get("N", "0"))
        return _to_blog(found["BLOG"]), published_seq, state

    def newest_published(self, blog_id: str, limit: int) -> list[Entry]:
        return self._query_published(blog_id, limit=limit)

    def published_range(self, blog_id: str, first: int, last: int) -> list[Entry]:
        """Published entries whose publication numbers fall in first..last."""
        return self._query_published(blog_id, between=(first, last))

    def published_key_events(self, blog_id: str) -> list[Entry]:
        entries: list[Entry] = []
        paginator = self._client.get_paginator("query")
        with _translated_errors():
            for page in paginator.paginate(
                TableName=self.table_name,
                IndexName="GSI2",
                KeyConditionExpression="GSI2PK = :pk",
                ExpressionAttributeValues={":pk": {"S": f"BLOG#{blog_id}#KEY"}},
                ScanIndexForward=False,
            ):
                entries += [_to_entry(item) for item in page.get("Items", [])]
        return entries

    def _query_published(
        self, blog_id: str, limit: int | None = None, between: tuple[int, int] | None = None
    ) -> list[Entry]:
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": "GSI1",
            "KeyConditionExpression": "GSI1PK = :pk",
            "ExpressionAttributeValues": {
                ":pk": {"S": _entries_by_status_pk(blog_id, EntryStatus.PUBLISHED)}
            },
            "ScanIndexForward": False,
        }
        if between:
            request["KeyConditionExpression"] += " AND GSI1SK BETWEEN :first AND :last"
            request["ExpressionAttributeValues"].update(
                {":first": {"S": f"{between[0]:010d}"}, ":last": {"S": f"{between[1]:010d}"}}
            )
        if limit:
            request["Limit"] = limit
        entries: list[Entry] = []
        with _translated_errors():
            while True:
                response = self._client.query(**request)
                entries += [_to_entry(item) for item in response.get("Items", [])]
                if limit or "LastEvaluatedKey" not in response:
                    return entries
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def save_render_state(self, blog_id: str, state: "RenderState", previous_version: int) -> None:
        """Record what is about to be published, only if nobody published a later version meanwhile."""
        item = {
            **_key(_blog_pk(blog_id), "RENDER"),
            "type": {"S": "render"},
            "version": {"N": str(state.version)},
            "pages": {"M": {str(number): {"S": digest} for number, digest in state.pages.items()}},
            "published_seq": {"N": str(state.published_seq)},
        }
        if state.superseded:
            item["superseded"] = {"M": {key: {"BOOL": purge} for key, purge in state.superseded.items()}}
        if state.key_events is not None:
            item["key_events"] = {"L": [mark.to_attribute() for mark in state.key_events]}
        try:
            with _translated_errors():
                self._client.put_item(
                    TableName=self.table_name,
                    Item=item,
                    ConditionExpression="attribute_not_exists(PK) OR version = :previous",
                    ExpressionAttributeValues={":previous": {"N": str(previous_version)}},
                )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise ConflictError(f"blog {blog_id} was rendered concurrently; render again") from exc
            raise

    def slug_record(self, slug: str) -> SlugRecord:
        with _translated_errors():
            response = self._client.get_item(
                TableName=self.table_name, Key=_slug_key(slug), ConsistentRead=True
            )
        return SlugRecord.from_item(response.get("Item"))

    def release_slug(self, slug: str, blog_id: str, last_version: int) -> None:
        """The deleted blog's documents are removed: the slug may be claimed again, and keeps the
        last version published under it. Only the blog's own releasing slug is touched: a replayed
        removal changes nothing."""
        try:
            with _translated_errors():
                self._client.update_item(
                    TableName=self.table_name,
                    Key=_slug_key(slug),
                    UpdateExpression="SET #state = :released, last_version = :version REMOVE blog_id",
                    ConditionExpression="blog_id = :id AND #state = :releasing",
                    ExpressionAttributeNames={"#state": "state"},
                    ExpressionAttributeValues={
                        ":released": {"S": SlugState.RELEASED},
                        ":releasing": {"S": SlugState.RELEASING},
                        ":version": {"N": str(last_version)},
                        ":id": {"S": blog_id},
                    },
                )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def forget_render_state(self, blog_id: str) -> None:
        with _translated_errors():
            self._client.delete_item(TableName=self.table_name, Key=_key(_blog_pk(blog_id), "RENDER"))

    def forget_superseded(self, blog_id: str, version: int) -> None:
        """The superseded documents recorded at `version` are deleted. A later render that took over
        meanwhile carries them in its own state (and deletes them again): it is left alone."""
        try:
            with _translated_errors():
                self._client.update_item(
                    TableName=self.table_name,
                    Key=_key(_blog_pk(blog_id), "RENDER"),
                    UpdateExpression="REMOVE superseded",
                    ConditionExpression="version = :version",
                    ExpressionAttributeValues={":version": {"N": str(version)}},
                )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    # Shared

    def _query_page(
        self,
        index: str | None,
        partition: dict[str, str],
        key_names: frozenset[str],
        cursor: str | None,
        limit: int,
        convert: Callable[[dict[str, Any]], Any],
        sk_prefix: str | None = None,
    ) -> tuple[list[Any], str | None]:
        [(partition_name, partition_value)] = partition.items()
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": partition_name},
            "ExpressionAttributeValues": {":pk": {"S": partition_value}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if index:
            request["IndexName"] = index
        if sk_prefix:
            request["KeyConditionExpression"] += " AND begins_with(SK, :prefix)"
            request["ExpressionAttributeValues"][":prefix"] = {"S": sk_prefix}
        start = decode_cursor(cursor, partition, key_names)
        if start:
            request["ExclusiveStartKey"] = {name: {"S": value} for name, value in start.items()}
        with _translated_errors():
            response = self._client.query(**request)
        items = [convert(item) for item in response.get("Items", [])]
        last = response.get("LastEvaluatedKey")
        return items, encode_cursor(_plain_key(last) if last else None)

    def _raise_version_failure(
        self, exc: ClientError, item_id: str, existed: bool, kind: str = "blog"
    ) -> None:
        """The versioned write's own condition failed, alone or as the first step of a transaction."""
        if not existed:
            raise NotFoundError(f"no {kind} with id {item_id}") from exc
        raise PreconditionFailedError(f"the {kind} changed since you read it; fetch it and retry") from exc
