"""Render one blog's snapshots from the table's current state.

The stream only says *which* blogs and entries changed; the content always comes from the table,
so duplicated, late or reordered records converge on the truth. One render writes the archive
pages whose content changed (at most the one page an entry lives on, plus a page that has just
filled up) and the changed entries' documents, records its state (version, pages, what to delete),
then writes latest.json, and only then deletes what it superseded: a reader never follows a link
to a document that does not exist, and a version never names two contents, whichever AWS call of
a render fails.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from liveblog import clock
from liveblog.errors import NotFoundError
from liveblog.models import Blog, BlogStatus, Entry, EntryStatus, PhotoStatus
from liveblog.rendering.build import (
    complete_pages,
    digest,
    entry_document,
    entry_key,
    key_event_mark,
    latest_document,
    latest_key,
    page_document,
    page_key,
    page_of,
    page_range,
    serialize,
    unplaceable_reason,
)
from liveblog.rendering.documents import PAGE_SIZE, IndexDocument, IndexedBlog
from liveblog.rendering.removal import remove_deleted_blog
from liveblog.storage.content import ContentStore, KeyEventMark, RenderState
from liveblog.storage.snapshots import SnapshotStore

INDEX_ID = "INDEX"
INDEX_KEY = "v1/index.json"
INDEX_SIZE = 50
# Past this many bytes of key events (a thousand or more: far more than a day of news) the render
# state would near DynamoDB's 400 KB item limit; the timeline is then read on each render instead.
MAX_KEPT_KEY_EVENT_BYTES = 200_000
# Counters move on every entry creation; a blog record that changed nothing else is not news.
_COUNTERS = {"entry_seq", "published_seq"}
# What readers see of a photo; its list of users changes with every entry that shows it.
_PHOTO_FIELDS = ("status", "caption", "credit", "alt", "width", "height", "renditions")


@dataclass
class BlogChanges:
    blog_changed: bool = False
    entry_ids: set[str] = field(default_factory=set)
    pub_seqs: set[int] = field(default_factory=set)
    taken_down: set[str] = field(default_factory=set)
    taken_down_seqs: set[int] = field(default_factory=set)
    # Entries showing a photo that became ready or whose caption, credit or alt changed.
    photo_users: set[str] = field(default_factory=set)
    # The slug of the blog, when the batch holds the blog item's REMOVE record: its documents go.
    removed_slug: str | None = None

    def merge(self, other: "BlogChanges") -> None:
        self.blog_changed |= other.blog_changed
        self.entry_ids |= other.entry_ids
        self.pub_seqs |= other.pub_seqs
        self.taken_down |= other.taken_down
        self.taken_down_seqs |= other.taken_down_seqs
        self.photo_users |= other.photo_users
        self.removed_slug = self.removed_slug or other.removed_slug


def _image(record: Mapping[str, Any], name: str) -> dict[str, Any]:
    return dict(record.get("dynamodb", {}).get(name) or {})


def _string(image: dict[str, Any], name: str) -> str | None:
    value = image.get(name)
    return value.get("S") if isinstance(value, dict) else None


def changes_by_blog(records: Iterable[Mapping[str, Any]]) -> dict[str, BlogChanges]:
    """Group stream records (Lambda's shape) by blog; records that cannot matter to readers are dropped.
    A malformed record raises (KeyError, ValueError): callers isolate it."""
    changes: dict[str, BlogChanges] = {}
    for record in records:
        add_change(changes, record)
    return changes


def add_change(changes: dict[str, BlogChanges], record: Mapping[str, Any]) -> tuple[str, BlogChanges] | None:
    """Fold one record into `changes`, all of it or, when it is malformed and raises, nothing.
    Returns the blog and change the record brought, None when it changes nothing readers see."""
    found = _change_of(record)
    if found is not None:
        blog_id, change = found
        changes.setdefault(blog_id, BlogChanges()).merge(change)
    return found


def _change_of(record: Mapping[str, Any]) -> tuple[str, BlogChanges] | None:
    keys = record["dynamodb"]["Keys"]
    pk, sk = keys["PK"]["S"], keys["SK"]["S"]
    if not pk.startswith("BLOG#") or sk == "RENDER":
        return None
    blog_id = pk.removeprefix("BLOG#")
    old, new = _image(record, "OldImage"), _image(record, "NewImage")
    change = BlogChanges()
    if sk.startswith("PHOTO#"):
        if any(old.get(name) != new.get(name) for name in _PHOTO_FIELDS) and PhotoStatus.READY in (
            _string(old, "status"),
            _string(new, "status"),
        ):
            change.photo_users = {
                *old.get("used_by", {}).get("SS", []),
                *new.get("used_by", {}).get("SS", []),
            }
        return (blog_id, change) if change.photo_users else None
    if sk == "BLOG":
        change.blog_changed = {k: v for k, v in old.items() if k not in _COUNTERS} != {
            k: v for k, v in new.items() if k not in _COUNTERS
        }
        if old and not new:
            change.removed_slug = _string(old, "slug")
        return (blog_id, change) if change.blog_changed else None
    if not sk.startswith("ENTRY#"):
        return None
    was, now = _string(old, "status"), _string(new, "status")
    if EntryStatus.PUBLISHED not in (was, now):
        return None  # drafts and scheduled entries never reach readers
    entry_id = sk.removeprefix("ENTRY#")
    change.entry_ids.add(entry_id)
    for image in (old, new):
        if "pub_seq" in image:
            change.pub_seqs.add(int(image["pub_seq"]["N"]))
    if was == EntryStatus.PUBLISHED and now != EntryStatus.PUBLISHED:
        change.taken_down.add(entry_id)
        if "pub_seq" in old:
            change.taken_down_seqs.add(int(old["pub_seq"]["N"]))
    return blog_id, change


def has_readers(blog: Blog, state: RenderState) -> bool:
    """Whether the blog is published: live or ended, or archived after it went live (or after it was
    rendered, for a blog that went live before first_live_at was recorded). A draft, or a draft
    archived without ever going live, has embargoed entries and no reader."""
    if blog.status in (BlogStatus.LIVE, BlogStatus.ENDED):
        return True
    return blog.status == BlogStatus.ARCHIVED and (blog.first_live_at is not None or state.version > 0)


def _kept_size(marks: Iterable[KeyEventMark]) -> int:
    """About what the marks weigh in the render state item: names, numbers and the UTF-8 title."""
    return sum(100 + len(mark.title.encode()) for mark in marks)


@dataclass
class RenderReport:
    version: int
    written: list[str]
    removed: list[str]
    # Published entries left out because their data gives them no place (entry id -> why): the
    # rest of the blog is published all the same, and the caller raises the alarm.
    skipped: dict[str, str] = field(default_factory=dict)


def _placeable(entries: Iterable[Entry], skipped: dict[str, str]) -> list[Entry]:
    """The entries a reader can be shown in order; the others are noted in `skipped`."""
    kept = []
    for entry in entries:
        if reason := unplaceable_reason(entry):
            skipped[entry.id] = reason
        else:
            kept.append(entry)
    return kept


class Renderer:
    def __init__(self, content: ContentStore, snapshots: SnapshotStore, public_base_url: str = "") -> None:
        self.content = content
        self.snapshots = snapshots
        self.public_base_url = public_base_url.rstrip("/")

    def render_blog(self, blog_id: str, changes: BlogChanges) -> RenderReport | None:
        blog, published_seq, state = self.content.render_inputs(blog_id)
        if blog is None or not has_readers(blog, state):
            return self._withdraw(blog_id, blog, changes.removed_slug, state)
        slug = blog.slug
        state = self._continuing_slug(state, slug)
        skipped: dict[str, str] = {}
        newest = _placeable(self.content.newest_published(blog_id, PAGE_SIZE), skipped)
        known: dict[str, Entry] = {entry.id: entry for entry in newest}
        entry_ids = set(changes.entry_ids)
        pub_seqs = set(changes.pub_seqs)
        if changes.photo_users:
            # A photo's readers-visible words changed: its entries re-render like corrections.
            missing = changes.photo_users - known.keys()
            found = self.content.get_entries(blog_id, missing) if missing else {}
            known.update({entry.id: entry for entry in _placeable(found.values(), skipped)})
            for entry_id in changes.photo_users:
                entry = known.get(entry_id)
                if entry is not None and entry.status == EntryStatus.PUBLISHED and entry.pub_seq:
                    entry_ids.add(entry_id)
                    pub_seqs.add(entry.pub_seq)
        oldest_newest = min((entry.pub_seq or 0 for entry in newest), default=published_seq + 1)
        full = complete_pages(published_seq)
        wanted = {n for n in range(full) if n not in state.pages}
        wanted |= {page_of(seq) for seq in pub_seqs if page_of(seq) < full}
        taken_down_pages = {page_of(seq) for seq in changes.taken_down_seqs}

        # Read everything first, then the photos all of it shows in one batch, then write.
        page_entries: dict[int, list[Entry]] = {}
        for number in sorted(wanted):
            first, last = page_range(number)
            if len(newest) == PAGE_SIZE and oldest_newest <= first:
                entries = [e for e in newest if e.pub_seq is not None and first <= e.pub_seq <= last]
            else:
                entries = _placeable(self.content.published_range(blog_id, first, last), skipped)
            known.update({entry.id: entry for entry in entries})
            page_entries[number] = entries
        # Entries published since the last render get their documents now, whether or not their
        # own records are in this batch: latest.json and the pages are about to link them. (Their
        # records may come later, out of order or retried; on a blog's first render, everything
        # published while it was a draft.) All of them are among those just read.
        entry_ids |= {
            entry.id
            for entry in known.values()
            if entry.status == EntryStatus.PUBLISHED and (entry.pub_seq or 0) > state.published_seq
        }
        documents = {
            entry_id: known.get(entry_id) or self._entry(blog_id, entry_id, skipped)
            for entry_id in sorted(entry_ids)
        }
        pinned = None
        if blog.pinned_entry_id:
            pinned = known.get(blog.pinned_entry_id) or self._entry(blog_id, blog.pinned_entry_id, skipped)
            if pinned is not None and pinned.status != EntryStatus.PUBLISHED:
                pinned = None
        seen = [*known.values(), *(entry for entry in documents.values() if entry is not None), pinned]
        key_events = self._key_events(
            blog_id, state, seen, gone=[i for i, e in documents.items() if e is None], skipped=skipped
        )
        shown = [
            *newest,
            *(e for entries in page_entries.values() for e in entries),
            *documents.values(),
            pinned,
        ]
        photo_ids = {photo_id for entry in shown if entry is not None for photo_id in entry.photo_ids}
        photos = self.content.get_photos(blog_id, photo_ids) if photo_ids else {}

        pages = {n: d for n, d in state.pages.items() if n < full}
        new_pages: dict[int, tuple[str, bytes]] = {}
        for number, entries in page_entries.items():
            body = serialize(page_document(blog, number, entries, photos))
            if state.pages.get(number) != (page_digest := digest(body)):
                new_pages[number] = (page_digest, body)
        if new_pages:
            # Pages are written before anything links them. Should this render stop before
            # latest.json does, and the content move on meanwhile, they would never be linked:
            # they are recorded as superseded first, for a later render to delete.
            pending = {
                page_key(slug, number, page_digest): False for number, (page_digest, _) in new_pages.items()
            }
            self.content.save_render_state(
                blog_id, replace(state, superseded={**pending, **state.superseded}), state.version
            )
        uploads: list[tuple[str, bytes, bool]] = []  # (key, body, immutable)
        superseded: dict[str, bool] = {}  # key -> also purge it from the CDN
        for number, (page_digest, body) in new_pages.items():
            uploads.append((page_key(slug, number, page_digest), body, True))
            pages[number] = page_digest
            if number in state.pages:
                superseded[page_key(slug, number, state.pages[number])] = number in taken_down_pages
        for entry_id, entry in documents.items():
            key = entry_key(slug, entry_id)
            if entry is not None and entry.status == EntryStatus.PUBLISHED:
                uploads.append((key, serialize(entry_document(blog, entry, photos)), False))
            elif entry_id in changes.taken_down:
                superseded[key] = True
        self.snapshots.put_many(uploads)
        written = [key for key, _, _ in uploads]
        # What an earlier render superseded but could not confirm deleted is deleted again, unless
        # it is linked once more (a page whose content came back to an earlier version).
        linked = {page_key(slug, number, page_digest) for number, page_digest in pages.items()} | set(written)
        for key, purge in state.superseded.items():
            if key not in linked:
                superseded[key] = superseded.get(key, False) or purge
        version = state.version + 1
        # The new state is recorded before latest.json is written: the version is then never
        # published twice with different contents (a render that fails after writing latest.json
        # would otherwise leave the next one the same number), and a failure after it leaves no
        # state naming a deleted page. The objects to delete are recorded with it, so a render cut
        # short after latest.json still gets them deleted (and purged) by the next one.
        self.content.save_render_state(
            blog_id,
            RenderState(
                version=version,
                pages=pages,
                published_seq=published_seq,
                superseded=superseded,
                key_events=key_events if _kept_size(key_events) <= MAX_KEPT_KEY_EVENT_BYTES else None,
            ),
            state.version,
        )
        latest = latest_document(
            blog,
            version=version,
            generated_at=clock.utcnow(),
            newest=newest,
            pinned=pinned,
            key_events=key_events,
            page_digests=pages,
            photos=photos,
            base_url=self.public_base_url,
        )
        self.snapshots.put(latest_key(slug), serialize(latest), immutable=False, version=version)
        written.append(latest_key(slug))
        # Only now that latest.json no longer links them may superseded documents go.
        for key in superseded:
            self.snapshots.delete(key)
        self.snapshots.invalidate([key for key, purge in superseded.items() if purge])
        if superseded:
            self.content.forget_superseded(blog_id, version)
        return RenderReport(version=version, written=written, removed=list(superseded), skipped=skipped)

    def _continuing_slug(self, state: RenderState, slug: str) -> RenderState:
        """A blog's first render continues from the last version published under its slug (by a
        deleted blog), so a reader polling that URL never sees the version go back."""
        if state.version:
            return state
        return replace(state, version=self.content.slug_record(slug).last_version)

    def _withdraw(
        self, blog_id: str, blog: Blog | None, removed_slug: str | None, state: RenderState
    ) -> RenderReport | None:
        """A blog with no readers: never live (nothing to render), or deleted or being deleted. A
        deleted blog's documents come down on its own REMOVE record, which names its slug."""
        if blog is not None or removed_slug is None:
            return None
        removed = remove_deleted_blog(self.content, self.snapshots, blog_id, removed_slug, state)
        return RenderReport(version=state.version, written=[], removed=removed)

    def render_index(self) -> None:
        _, _, state = self.content.render_inputs(INDEX_ID)
        blogs = []
        for status in (BlogStatus.LIVE, BlogStatus.ENDED):
            listed, _ = self.content.list_blogs(status, None, INDEX_SIZE)
            blogs += listed
        version = state.version + 1
        document = IndexDocument(
            version=version,
            generated_at=clock.utcnow(),
            blogs=[
                IndexedBlog(
                    id=blog.id,
                    slug=blog.slug,
                    title=blog.title,
                    summary=blog.summary,
                    status=blog.status,
                    coverage_start_at=blog.coverage_start_at,
                    latest_url=f"/{latest_key(blog.slug)}",
                )
                for blog in blogs
            ],
        )
        # Claimed before the write, as for latest.json: one version, one content.
        self.content.save_render_state(INDEX_ID, RenderState(version=version), state.version)
        self.snapshots.put(INDEX_KEY, serialize(document), immutable=False, version=version)

    def _key_events(
        self,
        blog_id: str,
        state: RenderState,
        seen: Iterable[Entry | None],
        gone: Iterable[str],
        skipped: dict[str, str],
    ) -> tuple[KeyEventMark, ...]:
        """The blog's published key events. Kept in the render state and brought up to date from the
        entries this render read anyway (every entry a change in the batch names, and the newest),
        so a render reads none of them again: as the content comes from the table, the state
        converges like the documents do. Read in full only when the state has none; the entries
        just read still win over that read, whose index may not have caught up with them yet (the
        result is kept, so a lag would otherwise last until the entry changed again)."""
        if state.key_events is None:
            indexed = _placeable(self.content.published_key_events(blog_id), skipped)
            kept = [key_event_mark(entry) for entry in indexed]
        else:
            kept = list(state.key_events)
        marks = {mark.id: mark for mark in kept}
        for entry_id in gone:
            marks.pop(entry_id, None)
        for entry in seen:
            if entry is None:
                continue
            marks.pop(entry.id, None)
            if entry.status == EntryStatus.PUBLISHED and entry.key_event:
                marks[entry.id] = key_event_mark(entry)
        return tuple(marks.values())  # latest_document orders them

    def _entry(self, blog_id: str, entry_id: str, skipped: dict[str, str]) -> Entry | None:
        """The entry, None when it is gone or cannot be placed (then noted in `skipped`)."""
        try:
            entry = self.content.get_entry(blog_id, entry_id)
        except NotFoundError:
            return None
        return next(iter(_placeable([entry], skipped)), None)
