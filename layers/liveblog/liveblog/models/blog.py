"""A live blog: the story page that entries are posted to."""

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from liveblog.models.common import (
    Author,
    BlogId,
    EntryId,
    KeyPoint,
    LanguageTag,
    Model,
    ShortText,
    Slug,
    StrictModel,
    Summary,
    TimeZoneName,
    UtcDateTime,
    Version,
)

MAX_KEY_POINTS = 10


class BlogStatus(StrEnum):
    DRAFT = "draft"
    LIVE = "live"
    ENDED = "ended"
    ARCHIVED = "archived"


# Only forward, except that an ended blog can be reopened when the story flares up again.
BLOG_TRANSITIONS: dict[BlogStatus, frozenset[BlogStatus]] = {
    BlogStatus.DRAFT: frozenset({BlogStatus.LIVE, BlogStatus.ARCHIVED}),
    BlogStatus.LIVE: frozenset({BlogStatus.ENDED}),
    BlogStatus.ENDED: frozenset({BlogStatus.LIVE, BlogStatus.ARCHIVED}),
    BlogStatus.ARCHIVED: frozenset(),
}

KeyPoints = Annotated[
    list[KeyPoint], Field(max_length=MAX_KEY_POINTS, description="Bullets shown at the top")
]


class Blog(Model):
    """A blog as the table holds it and as editors see it."""

    id: BlogId
    slug: Slug
    title: ShortText
    summary: Summary = ""
    key_points: KeyPoints = Field(default_factory=list)
    status: BlogStatus
    language: LanguageTag = "en"
    time_zone: TimeZoneName = "UTC"
    coverage_start_at: UtcDateTime | None = None
    coverage_end_at: UtcDateTime | None = None
    first_live_at: UtcDateTime | None = Field(
        default=None,
        description="When the blog first went live, set by the server; a blog that never went live"
        " publishes nothing, whatever its status",
    )
    pinned_entry_id: EntryId | None = None
    created_by: Author
    created_at: UtcDateTime
    updated_at: UtcDateTime
    version: Version


class BlogCreate(StrictModel):
    # Swagger UI's "Try it out" fills the body from the first example; without one it makes strings up
    # from the fields' patterns, which the API then stores. tests/integration/test_openapi_examples.py
    # sends every example through the API.
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "slug": "harbour-city-election-night",
                    "title": "Election night in Harbour City",
                    "summary": "Results from all 42 wards as the count comes in.",
                    "key_points": ["Polls closed at 8 p.m.", "Turnout above 60% in early counts"],
                    "language": "en",
                    "time_zone": "America/Toronto",
                }
            ]
        }
    )

    slug: Slug
    title: ShortText
    summary: Summary = ""
    key_points: KeyPoints = Field(default_factory=list)
    language: LanguageTag = "en"
    time_zone: TimeZoneName = "UTC"
    status: Literal["draft", "live"] = Field(
        default="draft", description="Start as a draft, or go live at once"
    )


class BlogPatch(StrictModel):
    """Only the fields sent change. `null` clears the fields that may be empty."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "summary": "Mayor Okafor concedes; the count goes on in three wards.",
                    "key_points": ["Okafor concedes at 11:40 p.m.", "Recount ordered in Ward 7"],
                },
                {"status": "live"},
            ]
        }
    )

    slug: Slug | None = Field(
        default=None, description="Only while the blog is a draft: it names public URLs"
    )
    title: ShortText | None = None
    summary: Summary | None = None
    key_points: KeyPoints | None = None
    language: LanguageTag | None = None
    time_zone: TimeZoneName | None = None
    status: BlogStatus | None = Field(
        default=None, description="draft → live → ended → archived; ended → live reopens"
    )
    pinned_entry_id: EntryId | None = Field(default=None, description="A published entry; null unpins")
    coverage_start_at: UtcDateTime | None = Field(default=None, description="Set when the blog goes live")
    coverage_end_at: UtcDateTime | None = Field(default=None, description="Set when the blog ends")

    @model_validator(mode="after")
    def _nulls_only_where_clearable(self) -> "BlogPatch":
        clearable = {"pinned_entry_id", "coverage_start_at", "coverage_end_at"}
        nulled = sorted(name for name in self.model_fields_set - clearable if getattr(self, name) is None)
        if nulled:
            raise ValueError(f"{', '.join(nulled)} cannot be null")
        # Checked here when the body alone is wrong, so it is answered before If-Match is; a bound
        # that contradicts the stored other one is liveblog.logic.blogs' to refuse.
        if self.coverage_start_at and self.coverage_end_at and self.coverage_end_at < self.coverage_start_at:
            raise ValueError("coverage_end_at must not be before coverage_start_at")
        return self
