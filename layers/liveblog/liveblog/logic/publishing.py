"""Publication: the one way an entry reaches readers, whoever asks for it (a new entry posted as
published, an editor publishing a draft or an embargoed entry, the scheduler at an entry's time).

Publishing means: the blog's next publication number (`pub_seq`, which orders the stream newest
first and numbers the archive pages), the time readers see (`published_at`), and no schedule left.
The key-event timeline and the published listing follow from those fields where the table indexes
the item, so nothing else needs doing; and storage refuses to write a published entry without its
number, so no other path can publish.
"""

from datetime import datetime

from liveblog.errors import UnprocessableError
from liveblog.models import Entry, EntryStatus
from liveblog.storage.content import ContentStore

Publication = tuple[EntryStatus, datetime | None, datetime | None]


def resolve_publication(
    requested: EntryStatus, publish_at: datetime | None, published_at: datetime | None, now: datetime
) -> Publication:
    """(status, publish_at, published_at) for what the editor asked: a future time schedules."""
    if requested == EntryStatus.DRAFT:
        return EntryStatus.DRAFT, publish_at, None
    if requested == EntryStatus.SCHEDULED and publish_at is None:
        raise UnprocessableError(
            "a scheduled entry needs publish_at: an ISO 8601 time with its offset, "
            'e.g. "2026-11-28T09:00:00-04:00"',
            details={"field": "publish_at"},
        )
    if publish_at is not None and publish_at > now:
        return EntryStatus.SCHEDULED, publish_at, None
    return EntryStatus.PUBLISHED, None, published_at or now


def publish(entry: Entry, *, pub_seq: int, at: datetime) -> Entry:
    """The entry as readers get it. An entry keeps the publication number it was first given (an
    unnumbered one gets `pub_seq`), so republishing never moves it in the stream."""
    return entry.model_copy(
        update={
            "status": EntryStatus.PUBLISHED,
            "pub_seq": entry.pub_seq or pub_seq,
            "published_at": entry.published_at or at,
            "publish_at": None,
        }
    )


def publish_stored(
    store: ContentStore,
    entry: Entry,
    *,
    at: datetime,
    expected_version: int,
    expected_status: EntryStatus | None = None,
    before: Entry | None = None,
) -> Entry:
    """Publish an entry the table already holds (with whatever else changes in `entry`), if it is
    still at `expected_version` (and `expected_status`). Its number is taken first: should the write
    then be refused, that number is simply never used, and the stream keeps its order."""
    pub_seq = entry.pub_seq or store.take_published_seq(entry.blog_id)
    published = publish(entry, pub_seq=pub_seq, at=at)
    return store.update_entry(
        published,
        expected_version=expected_version,
        expected_status=expected_status,
        before=before,
    )


def needs_publishing(entry: Entry) -> bool:
    """Whether a write of `entry` must go through publication: it is (or is becoming) published
    without a number, as an entry published by an earlier release's scheduler was."""
    return entry.status == EntryStatus.PUBLISHED and entry.pub_seq is None
