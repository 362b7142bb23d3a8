"""An entry: one timestamped post in a blog's stream."""

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StrictBool, model_validator

from liveblog.models.blocks import MAX_PHOTOS_PER_ENTRY, Block, photo_ids, text_size
from liveblog.models.common import (
    Author,
    BlogId,
    EntryId,
    Model,
    PhotoId,
    ShortText,
    StrictModel,
    UtcDateTime,
    Version,
)

MAX_BLOCKS = 50
# Bounds the whole item well inside DynamoDB's 400 KB even if every character takes 4 bytes.
MAX_ENTRY_TEXT = 60_000


class EntryStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    DELETED = "deleted"


RequestedStatus = Literal["draft", "scheduled", "published"]
Blocks = Annotated[list[Block], Field(max_length=MAX_BLOCKS)]


class Entry(Model):
    """An entry as the table holds it and as editors see it."""

    id: EntryId
    blog_id: BlogId
    seq: Annotated[int, Field(ge=1, description="Per-blog creation order: 1, 2, 3…")]
    pub_seq: int | None = Field(
        default=None, ge=1, description="Per-blog publication order, given when first published"
    )
    status: EntryStatus
    title: ShortText | None = None
    blocks: Blocks = Field(default_factory=list)
    key_event: bool = False
    author: Author
    created_at: UtcDateTime
    publish_at: UtcDateTime | None = Field(default=None, description="When a scheduled entry goes out")
    published_at: UtcDateTime | None = None
    updated_at: UtcDateTime | None = Field(
        default=None,
        description="Last change to the title or blocks after publishing: readers show 'updated'",
    )
    deleted_at: UtcDateTime | None = None
    version: Version

    @property
    def photo_ids(self) -> frozenset[str]:
        """Photos this entry references; a deleted entry shows none."""
        return frozenset() if self.status == EntryStatus.DELETED else photo_ids(self.blocks)


class DeletedEntry(Entry):
    """An entry just deleted, with the photos it showed that no published or scheduled entry shows
    any more: an editor may now delete them (DELETE /blogs/{blog_id}/photos/{photo_id})."""

    orphaned_photo_ids: list[PhotoId] = Field(
        default_factory=list,
        description="Photos this entry showed that no published or scheduled entry shows now",
    )


def _check_content(blocks: list[Block] | None) -> None:
    if blocks is None:
        return
    if text_size(blocks) > MAX_ENTRY_TEXT:
        raise ValueError(f"an entry's blocks may carry at most {MAX_ENTRY_TEXT} characters of text")
    if len(photo_ids(blocks)) > MAX_PHOTOS_PER_ENTRY:
        raise ValueError(f"an entry may show at most {MAX_PHOTOS_PER_ENTRY} different photos")


class EntryCreate(StrictModel):
    # No photo block: its photo_id must name a photo of the blog, which no example can know.
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Polls close across the city",
                    "status": "published",
                    "key_event": True,
                    "blocks": [
                        {
                            "type": "paragraph",
                            "html": "Voting ended at <b>8 p.m.</b>; the first results are due by 9.",
                        },
                        {
                            "type": "quote",
                            "text": "Every ballot will be counted tonight.",
                            "attribution": "City clerk Ana Ruiz",
                        },
                    ],
                },
                {
                    "title": "What to watch in the count",
                    "blocks": [
                        {"type": "heading", "text": "Three wards to watch", "level": 2},
                        {
                            "type": "list",
                            "items": ["Ward 3: the harbour", "Ward 7: <i>a recount last time</i>", "Ward 12"],
                            "ordered": False,
                        },
                    ],
                },
            ]
        }
    )

    title: ShortText | None = None
    blocks: Blocks = Field(default_factory=list)
    key_event: StrictBool = False
    status: RequestedStatus = Field(
        default="draft",
        description="published goes out now, or at publish_at if that is in the future (then: scheduled)",
    )
    publish_at: UtcDateTime | None = None

    @model_validator(mode="after")
    def _coherent(self) -> "EntryCreate":
        if self.title is None and not self.blocks:
            raise ValueError("an entry needs a title or at least one block")
        _check_content(self.blocks)
        if self.status == EntryStatus.SCHEDULED and self.publish_at is None:
            raise ValueError("a scheduled entry needs publish_at")
        return self


class EntryPatch(StrictModel):
    """Only the fields sent change. `null` clears title and publish_at."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Polls close; counting under way in all 42 wards",
                    "blocks": [
                        {"type": "paragraph", "html": "Voting ended at <b>8 p.m.</b>; counting has begun."}
                    ],
                },
                {"status": "published", "key_event": True},
            ]
        }
    )

    title: ShortText | None = None
    blocks: Blocks | None = None
    key_event: StrictBool | None = None
    status: RequestedStatus | None = None
    publish_at: UtcDateTime | None = None

    @model_validator(mode="after")
    def _coherent(self) -> "EntryPatch":
        nulled = sorted(
            name for name in self.model_fields_set - {"title", "publish_at"} if getattr(self, name) is None
        )
        if nulled:
            raise ValueError(f"{', '.join(nulled)} cannot be null")
        _check_content(self.blocks)
        # Only when the body clears publish_at: without it in the body, the stored time may do.
        if (
            self.status == EntryStatus.SCHEDULED
            and "publish_at" in self.model_fields_set
            and not self.publish_at
        ):
            raise ValueError("a scheduled entry needs publish_at")
        return self
