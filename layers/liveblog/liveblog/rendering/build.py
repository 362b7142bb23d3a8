"""Pure functions from stored blogs and entries to reader documents. No I/O here."""

import hashlib
import json
from datetime import datetime
from typing import Any

from liveblog.models import Blog, Entry, EntryStatus
from liveblog.models.blocks import EmbedBlock, HeadingBlock, ListBlock, ParagraphBlock, PhotoBlock, QuoteBlock
from liveblog.models.common import format_utc
from liveblog.rendering.documents import (
    PAGE_SIZE,
    Document,
    EntryDocument,
    KeyEvent,
    LatestDocument,
    PageDocument,
    PageLink,
    PublishedAuthor,
    PublishedBlog,
    PublishedEntry,
)
from liveblog.sanitize import visible_text

SUMMARY_CHARS = 120


def blog_prefix(slug: str) -> str:
    return f"v1/blogs/{slug}"


def latest_key(slug: str) -> str:
    return f"{blog_prefix(slug)}/latest.json"


def entry_key(slug: str, entry_id: str) -> str:
    return f"{blog_prefix(slug)}/entries/{entry_id}.json"


def page_key(slug: str, number: int, digest: str) -> str:
    return f"{blog_prefix(slug)}/pages/{number}.{digest}.json"


def page_of(pub_seq: int) -> int:
    """Page n holds publication numbers n*PAGE_SIZE+1 … (n+1)*PAGE_SIZE."""
    return (pub_seq - 1) // PAGE_SIZE


def page_range(number: int) -> tuple[int, int]:
    return number * PAGE_SIZE + 1, (number + 1) * PAGE_SIZE


def complete_pages(published_seq: int) -> int:
    """How many pages are full, and so frozen in their range; the newest entries live in latest.json."""
    return published_seq // PAGE_SIZE


def serialize(document: Document) -> bytes:
    """Stable bytes: the same content always hashes the same."""
    return json.dumps(
        document.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"), sort_keys=True
    ).encode()


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:16]


def published_blog(blog: Blog) -> PublishedBlog:
    return PublishedBlog(
        id=blog.id,
        slug=blog.slug,
        title=blog.title,
        summary=blog.summary,
        key_points=blog.key_points,
        status=blog.status,
        language=blog.language,
        time_zone=blog.time_zone,
        coverage_start_at=blog.coverage_start_at,
        coverage_end_at=blog.coverage_end_at,
    )


def published_entry(slug: str, entry: Entry) -> PublishedEntry:
    if entry.status != EntryStatus.PUBLISHED or entry.published_at is None:
        raise ValueError(f"entry {entry.id} is {entry.status}; only published entries reach readers")
    return PublishedEntry(
        id=entry.id,
        url=f"/{entry_key(slug, entry.id)}",
        title=entry.title,
        # Photo blocks wait for photos to exist: omitted rather than published half-made.
        blocks=[block for block in entry.blocks if not isinstance(block, PhotoBlock)],
        key_event=entry.key_event,
        author=PublishedAuthor(name=entry.author.name),
        published_at=entry.published_at,
        updated_at=entry.updated_at,
    )


def plain_text(entry: Entry) -> str:
    parts: list[str] = []
    for block in entry.blocks:
        match block:
            case ParagraphBlock(html=html):
                parts.append(visible_text(html))
            case HeadingBlock(text=text) | QuoteBlock(text=text):
                parts.append(text)
            case ListBlock(items=items):
                parts.extend(visible_text(item) for item in items)
            case EmbedBlock(caption=caption) if caption:
                parts.append(caption)
    return "\n".join(part.strip() for part in parts if part.strip())


def headline(entry: Entry) -> str:
    if entry.title:
        return entry.title
    text = " ".join(plain_text(entry).split())
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1].rstrip() + "…"


def key_event(slug: str, entry: Entry) -> KeyEvent:
    assert entry.published_at is not None
    return KeyEvent(
        id=entry.id,
        url=f"/{entry_key(slug, entry.id)}",
        title=headline(entry),
        published_at=entry.published_at,
    )


def page_document(blog: Blog, number: int, entries: list[Entry]) -> PageDocument:
    ordered = sorted(entries, key=lambda entry: entry.pub_seq or 0, reverse=True)
    return PageDocument(
        blog_id=blog.id, number=number, entries=[published_entry(blog.slug, e) for e in ordered]
    )


def entry_document(blog: Blog, entry: Entry) -> EntryDocument:
    return EntryDocument(blog=published_blog(blog), entry=published_entry(blog.slug, entry))


def json_ld(blog: Blog, newest: list[Entry], modified: datetime) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": blog.title,
        "description": blog.summary,
        "inLanguage": blog.language,
        "dateModified": format_utc(modified),
        "liveBlogUpdate": [
            {
                "@type": "BlogPosting",
                "headline": headline(entry),
                "datePublished": format_utc(entry.published_at),
                "dateModified": format_utc(entry.updated_at or entry.published_at),
                "articleBody": plain_text(entry),
            }
            for entry in newest
            if entry.published_at is not None
        ],
    }
    if blog.coverage_start_at:
        document["coverageStartTime"] = format_utc(blog.coverage_start_at)
    if blog.coverage_end_at:
        document["coverageEndTime"] = format_utc(blog.coverage_end_at)
    return document


def latest_document(
    blog: Blog,
    *,
    version: int,
    generated_at: datetime,
    newest: list[Entry],
    pinned: Entry | None,
    key_events: list[Entry],
    page_digests: dict[int, str],
) -> LatestDocument:
    ordered = sorted(newest, key=lambda entry: entry.pub_seq or 0, reverse=True)
    return LatestDocument(
        version=version,
        generated_at=generated_at,
        blog=published_blog(blog),
        pinned=published_entry(blog.slug, pinned) if pinned else None,
        key_events=[
            key_event(blog.slug, e) for e in sorted(key_events, key=lambda e: e.pub_seq or 0, reverse=True)
        ],
        entries=[published_entry(blog.slug, entry) for entry in ordered],
        pages=[
            PageLink(number=number, url=f"/{page_key(blog.slug, number, page_digests[number])}")
            for number in sorted(page_digests, reverse=True)
        ],
        json_ld=json_ld(blog, ordered, generated_at),
    )
