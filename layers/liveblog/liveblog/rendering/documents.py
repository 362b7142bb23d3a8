"""What readers get: the public JSON documents on the CDN.

Separate from the stored models on purpose: readers' apps depend on these shapes, which change
for different reasons than what editors send or what the table holds. JSON Schemas for them are
generated into schemas/ (scripts/snapshot_schemas.py).
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from liveblog.models.blocks import EmbedBlock, HeadingBlock, ListBlock, ParagraphBlock, QuoteBlock
from liveblog.models.common import UtcDateTime

PAGE_SIZE = 20
SCHEMA_VERSION = 1


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PublishedRendition(Document):
    width: int
    height: int
    format: Literal["jpeg", "webp"]
    url: str = Field(description="Immutable: the name changes if the bytes ever do")
    bytes: int


class Srcset(Document):
    jpeg: str = Field(description="For <img srcset>: every JPEG rendition as '<url> <width>w'")
    webp: str = Field(description="For <source type=image/webp srcset>")


class PublishedPhotoBlock(Document):
    """A photo that is ready: renditions at several widths, never larger than the original."""

    type: Literal["photo"]
    photo_id: str
    caption: str
    credit: str | None
    alt: str = Field(description="Text for screen readers; empty when the editor gave none")
    width: int = Field(description="The original's upright width; with height, the aspect ratio")
    height: int
    src: str = Field(description="A JPEG of moderate width for <img src>")
    srcset: Srcset
    renditions: list[PublishedRendition] = Field(description="By format, then width ascending")


PublishedBlock = Annotated[
    ParagraphBlock | HeadingBlock | QuoteBlock | ListBlock | PublishedPhotoBlock | EmbedBlock,
    Field(discriminator="type"),
]


class PublishedAuthor(Document):
    name: str


class PublishedEntry(Document):
    id: str
    url: str = Field(description="This entry's own document, for permalinks and sharing")
    title: str | None
    blocks: list[PublishedBlock] = Field(
        description="A photo block appears once its photo is ready; until then the entry is published without it"
    )
    key_event: bool
    author: PublishedAuthor
    published_at: UtcDateTime
    updated_at: UtcDateTime | None = Field(description="Set when corrected after publishing: show 'updated'")


class KeyEvent(Document):
    id: str
    url: str
    title: str
    published_at: UtcDateTime


class PageLink(Document):
    number: int = Field(ge=0, description="Page 0 holds the oldest entries")
    url: str = Field(description="Content-hashed and immutable: cache it forever")


class PublishedBlog(Document):
    id: str
    slug: str
    title: str
    summary: str
    key_points: list[str]
    status: str = Field(description="live, ended or archived")
    language: str
    time_zone: str = Field(description="IANA name for showing times, e.g. America/Toronto")
    coverage_start_at: UtcDateTime | None
    coverage_end_at: UtcDateTime | None


class LatestDocument(Document):
    """/v1/blogs/{slug}/latest.json: everything a story page needs, refreshed on every change."""

    schema_version: int = SCHEMA_VERSION
    version: int = Field(ge=1, description="Increases with every render; never goes backwards")
    generated_at: UtcDateTime
    blog: PublishedBlog
    pinned: PublishedEntry | None
    key_events: list[KeyEvent] = Field(description="Every published key event, newest first; never paged")
    entries: list[PublishedEntry] = Field(
        description=f"The newest {PAGE_SIZE} published entries, newest first"
    )
    pages: list[PageLink] = Field(
        description="Older entries, newest page first; a page may repeat entries shown above, so merge by id"
    )
    json_ld: dict[str, Any] = Field(
        description="schema.org LiveBlogPosting for the page's <script type=ld+json>"
    )


class PageDocument(Document):
    """/v1/blogs/{slug}/pages/{n}.{hash}.json: a fixed range of publication numbers, immutable."""

    schema_version: int = SCHEMA_VERSION
    blog_id: str
    number: int
    entries: list[PublishedEntry] = Field(description="Newest first")


class EntryDocument(Document):
    """/v1/blogs/{slug}/entries/{entry_id}.json: one entry, for permalinks."""

    schema_version: int = SCHEMA_VERSION
    blog: PublishedBlog
    entry: PublishedEntry


class IndexedBlog(Document):
    id: str
    slug: str
    title: str
    summary: str
    status: str
    coverage_start_at: UtcDateTime | None
    latest_url: str


class IndexDocument(Document):
    """/v1/index.json: live blogs, then recently ended ones."""

    schema_version: int = SCHEMA_VERSION
    version: int
    generated_at: UtcDateTime
    blogs: list[IndexedBlog]


PUBLIC_DOCUMENTS: dict[str, type[Document]] = {
    "latest": LatestDocument,
    "page": PageDocument,
    "entry": EntryDocument,
    "index": IndexDocument,
}
