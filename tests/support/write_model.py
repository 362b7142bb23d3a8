"""The model that tests/integration/test_write_paths_model.py keeps of what editors did, and what it
predicts: which entries readers see and in what order, what the scheduler publishes, whether the
media function accepts a file, which photos an entry's deletion leaves unshown, what a deleted
blog's slug hands on to the next blog that claims it."""

from dataclasses import dataclass, field
from datetime import datetime

from liveblog.models.common import format_utc

SHOWN = ("published", "scheduled")  # what keeps a photo in view, and locks a contributor's upload


@dataclass
class EntryModel:
    id: str
    blog_id: str
    status: str
    title: str | None
    key_event: bool
    version: int
    photo_ids: tuple[str, ...] = ()
    publish_at: datetime | None = None
    order: int | None = None  # the model's own publication counter, per blog


@dataclass
class BlogModel:
    id: str
    slug: str
    status: str
    version: int
    pinned: str | None = None
    published_count: int = 0
    went_live: bool = False  # a blog that never went live publishes nothing, whatever its status
    # The highest latest.json version readers have seen under this blog's URL; a blog on a reused
    # slug starts from the last blog's, and its first latest.json must be above it.
    last_version: int = 0
    rendered: bool = False


@dataclass
class PhotoModel:
    id: str
    blog_id: str
    upload_key: str
    asked_by_editor: bool
    status: str = "pending"  # pending, ready, rejected, deleted
    caption: str = "Waves over the harbour wall"
    version: int = 1
    locked: bool = False  # a published or scheduled entry has shown it: a contributor's form is closed
    claimed: bool = False  # the media function accepted a file for it: a form is used once


@dataclass
class ReleasedSlug:
    last_version: int
    entry_ids: set[str]  # the deleted blog's entries, which no later blog's documents may name


@dataclass
class Model:
    blogs: dict[str, BlogModel] = field(default_factory=dict)
    entries: dict[str, EntryModel] = field(default_factory=dict)
    photos: dict[str, PhotoModel] = field(default_factory=dict)
    released: dict[str, ReleasedSlug] = field(default_factory=dict)

    # ---------------------------------------------------------------- entries

    def publish(self, entry: EntryModel) -> None:
        blog = self.blogs[entry.blog_id]
        blog.published_count += 1
        entry.status, entry.order, entry.publish_at = "published", blog.published_count, None
        self.shown(entry)

    def shown(self, entry: EntryModel) -> None:
        """The entry is published or scheduled: the photos it shows are locked."""
        for photo_id in entry.photo_ids:
            self.photos[photo_id].locked = True

    def published(self, blog_id: str) -> list[EntryModel]:
        """Newest publication first."""
        shown = [e for e in self.entries.values() if e.blog_id == blog_id and e.status == "published"]
        return sorted(shown, key=lambda entry: entry.order or 0, reverse=True)

    def hidden(self, blog_id: str) -> set[str]:
        return {e.id for e in self.entries.values() if e.blog_id == blog_id and e.status != "published"}

    def due(self, now: datetime) -> list[EntryModel]:
        """What the scheduler publishes, in the order it does: by time, then blog, then entry."""
        due = [
            entry
            for entry in self.entries.values()
            if entry.status == "scheduled"
            and entry.publish_at is not None
            and entry.publish_at <= now
            and self.blogs[entry.blog_id].status != "archived"
        ]
        return sorted(due, key=lambda e: (format_utc(e.publish_at), e.blog_id, e.id))

    def publishable(self, entry: EntryModel) -> bool:
        """Whether the entry's photos all still exist (a photo refused after the draft showed it is
        left out for readers, like one still pending)."""
        return all(self.photos[p].status != "deleted" for p in entry.photo_ids)

    # ---------------------------------------------------------------- photos

    def showing(self, photo_id: str, but: str = "") -> list[str]:
        """The published or scheduled entries that show the photo (other than `but`)."""
        return sorted(
            entry.id
            for entry in self.entries.values()
            if entry.id != but and entry.status in SHOWN and photo_id in entry.photo_ids
        )

    def unshown_after_deleting(self, entry: EntryModel) -> list[str]:
        """What an entry's deletion reports as `orphaned_photo_ids`."""
        return sorted(
            photo_id
            for photo_id in set(entry.photo_ids)
            if self.photos[photo_id].status != "deleted" and not self.showing(photo_id, but=entry.id)
        )

    def accepts_file(self, photo: PhotoModel) -> bool:
        """Whether the media function takes a file sent to the photo's upload form."""
        return (
            photo.status == "pending"
            and not photo.claimed
            and (photo.asked_by_editor or not photo.locked)
            and self.blogs[photo.blog_id].status != "archived"
        )

    # ---------------------------------------------------------------- blogs

    def forget(self, blog: BlogModel) -> None:
        """A deleted blog: its entries and photos go with it, its slug is free for the next blog."""
        entry_ids = {entry_id for entry_id, entry in self.entries.items() if entry.blog_id == blog.id}
        for entry_id in entry_ids:
            del self.entries[entry_id]
        for photo_id in [p for p, photo in self.photos.items() if photo.blog_id == blog.id]:
            del self.photos[photo_id]
        del self.blogs[blog.id]
        earlier = self.released.get(blog.slug)
        self.released[blog.slug] = ReleasedSlug(
            blog.last_version, entry_ids | (earlier.entry_ids if earlier else set())
        )
