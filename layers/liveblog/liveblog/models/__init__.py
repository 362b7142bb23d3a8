from liveblog.models.blocks import (
    Block,
    EmbedBlock,
    HeadingBlock,
    ListBlock,
    ParagraphBlock,
    PhotoBlock,
    QuoteBlock,
)
from liveblog.models.blog import BLOG_TRANSITIONS, Blog, BlogCreate, BlogPatch, BlogStatus
from liveblog.models.common import Author, Page
from liveblog.models.entry import DeletedEntry, Entry, EntryCreate, EntryPatch, EntryStatus
from liveblog.models.photo import (
    Photo,
    PhotoCreate,
    PhotoPatch,
    PhotoStatus,
    PhotoUpload,
    PresignedUpload,
    Rejection,
    Rendition,
)

__all__ = [
    "BLOG_TRANSITIONS",
    "Author",
    "Block",
    "Blog",
    "BlogCreate",
    "BlogPatch",
    "BlogStatus",
    "DeletedEntry",
    "EmbedBlock",
    "Entry",
    "EntryCreate",
    "EntryPatch",
    "EntryStatus",
    "HeadingBlock",
    "ListBlock",
    "Page",
    "ParagraphBlock",
    "Photo",
    "PhotoBlock",
    "PhotoCreate",
    "PhotoPatch",
    "PhotoStatus",
    "PhotoUpload",
    "PresignedUpload",
    "QuoteBlock",
    "Rejection",
    "Rendition",
]
