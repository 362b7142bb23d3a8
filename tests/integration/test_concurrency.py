"""Many editors at once on one blog: conditional writes let exactly the right requests win.

The races run in threads straight against the logic layer, the code each Lambda invocation runs:
a handler runs one request at a time per sandbox, and production races are between sandboxes,
all meeting at DynamoDB. A barrier releases every thread at once so their reads and conditional
writes interleave. The tests end by rendering the stream and comparing the snapshots with the table.
"""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from liveblog.errors import ConflictError, DomainError, PreconditionFailedError, SlugTakenError
from liveblog.logic import blogs, entries
from liveblog.logic.auth import CONTRIBUTORS, EDITORS, Principal
from liveblog.models import BlogCreate, BlogPatch, EntryCreate, EntryPatch, EntryStatus
from liveblog.rendering.build import entry_key, latest_key
from liveblog.rendering.documents import PAGE_SIZE

WORKERS = 20
T = TypeVar("T")


def editor(number: int = 0) -> Principal:
    return Principal(f"editor-{number}", f"Editor {number}", frozenset({EDITORS}))


def at_once(count: int, call: Callable[[int], T]) -> list[T | DomainError]:
    """Run call(0..count-1) in threads released together; domain errors are returned, not raised."""
    barrier = threading.Barrier(count)

    def run(number: int) -> T | DomainError:
        barrier.wait()
        try:
            return call(number)
        except DomainError as error:
            return error

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def paragraph(text: str) -> list[dict[str, str]]:
    return [{"type": "paragraph", "html": text}]


@pytest.fixture
def live_blog(store: Any) -> Any:
    blog = blogs.create_blog(store, editor(), BlogCreate(slug=unique(), title="Storm over Port Avalon"))
    return blogs.update_blog(store, editor(), blog.id, BlogPatch(status="live"), blog.version)


def unique() -> str:
    from uuid import uuid4

    return f"race-{uuid4().hex[:12]}"


def publish(store: Any, blog_id: str, title: str, number: int = 0) -> Any:
    request = EntryCreate(title=title, status="published", blocks=paragraph(f"{title}: the wind rises."))
    return entries.create_entry(store, editor(number), blog_id, request)


def all_entries(store: Any, blog_id: str) -> list[Any]:
    found, cursor = [], None
    while True:
        page, cursor = store.list_entries(blog_id, None, cursor, 100)
        found.extend(page)
        if cursor is None:
            return found


def assert_snapshots_match_the_table(store: Any, render: Any, blog_id: str) -> None:
    while render.pending():
        pass
    blog = store.get_blog(blog_id)
    published = sorted(
        (entry for entry in all_entries(store, blog_id) if entry.status == EntryStatus.PUBLISHED),
        key=lambda entry: entry.pub_seq,
        reverse=True,
    )
    latest = render.json(latest_key(blog.slug))
    assert [(e["id"], e["title"]) for e in latest["entries"]] == [
        (e.id, e.title) for e in published[:PAGE_SIZE]
    ]
    assert (latest["pinned"] or {}).get("id") == blog.pinned_entry_id
    assert (latest["blog"]["title"], latest["blog"]["summary"]) == (blog.title, blog.summary)
    for entry in published:
        assert render.json(entry_key(blog.slug, entry.id))["entry"]["title"] == entry.title
    if blog.pinned_entry_id is not None:
        assert blog.pinned_entry_id in {entry.id for entry in published}


def test_concurrent_creates_all_land_with_unique_gap_free_numbers(
    store: Any, render: Any, live_blog: Any
) -> None:
    created = at_once(WORKERS, lambda n: publish(store, live_blog.id, f"Flash {n}", n))

    assert not [outcome for outcome in created if isinstance(outcome, DomainError)], created
    assert sorted(entry.seq for entry in created) == list(range(1, WORKERS + 1))
    assert sorted(entry.pub_seq for entry in created) == list(range(1, WORKERS + 1))
    assert len(all_entries(store, live_blog.id)) == WORKERS
    assert_snapshots_match_the_table(store, render, live_blog.id)


def test_concurrent_patches_with_one_if_match_have_exactly_one_winner(
    store: Any, render: Any, live_blog: Any
) -> None:
    entry = publish(store, live_blog.id, "Original")

    outcomes = at_once(
        WORKERS,
        lambda n: entries.update_entry(
            store, editor(n), live_blog.id, entry.id, EntryPatch(title=f"Edit {n}"), entry.version
        ),
    )

    winners = [outcome for outcome in outcomes if not isinstance(outcome, DomainError)]
    losers = [outcome for outcome in outcomes if isinstance(outcome, DomainError)]
    assert len(winners) == 1, outcomes
    assert all(isinstance(loser, PreconditionFailedError) for loser in losers), losers
    stored = store.get_entry(live_blog.id, entry.id)
    assert (stored.version, stored.title) == (entry.version + 1, winners[0].title)
    assert_snapshots_match_the_table(store, render, live_blog.id)


def test_concurrent_pin_changes_have_one_winner_and_the_snapshot_shows_it(
    store: Any, render: Any, live_blog: Any
) -> None:
    candidates = [publish(store, live_blog.id, f"Landfall update {n}") for n in range(10)]

    outcomes = at_once(
        len(candidates),
        lambda n: blogs.update_blog(
            store, editor(n), live_blog.id, BlogPatch(pinned_entry_id=candidates[n].id), live_blog.version
        ),
    )

    winners = [outcome for outcome in outcomes if not isinstance(outcome, DomainError)]
    assert len(winners) == 1, outcomes
    assert all(isinstance(o, PreconditionFailedError) for o in outcomes if isinstance(o, DomainError))
    assert store.get_blog(live_blog.id).pinned_entry_id == winners[0].pinned_entry_id
    assert_snapshots_match_the_table(store, render, live_blog.id)


def test_pinning_an_entry_while_it_is_deleted_never_pins_a_deleted_entry(
    store: Any, render: Any, live_blog: Any
) -> None:
    for round_number in range(8):
        target = publish(store, live_blog.id, f"Evacuation order {round_number}")
        blog = store.get_blog(live_blog.id)

        def pin_or_delete(n: int, target: Any = target, blog: Any = blog) -> Any:
            if n == 0:
                patch = BlogPatch(pinned_entry_id=target.id)
                return blogs.update_blog(store, editor(n), live_blog.id, patch, blog.version)
            return entries.delete_entry(store, editor(n), live_blog.id, target.id, target.version)

        outcomes = at_once(2, pin_or_delete)

        # The delete always wins (it unpins in its own transaction, re-reading a moved pin); the pin
        # lands only if it came first, and is then removed with the entry.
        assert not isinstance(outcomes[1], DomainError), outcomes
        assert isinstance(outcomes[0], ConflictError | PreconditionFailedError) or not isinstance(
            outcomes[0], DomainError
        ), outcomes
        assert store.get_entry(live_blog.id, target.id).status == EntryStatus.DELETED
        assert store.get_blog(live_blog.id).pinned_entry_id != target.id
    assert_snapshots_match_the_table(store, render, live_blog.id)


def test_concurrent_slug_claims_have_one_winner(store: Any, content_table: Any, slug: str) -> None:
    outcomes = at_once(
        10, lambda n: blogs.create_blog(store, editor(n), BlogCreate(slug=slug, title=f"Claim {n}"))
    )

    winners = [outcome for outcome in outcomes if not isinstance(outcome, DomainError)]
    assert len(winners) == 1, outcomes
    assert all(isinstance(o, SlugTakenError) for o in outcomes if isinstance(o, DomainError)), outcomes
    claim = content_table.get_item(Key={"PK": f"SLUG#{slug}", "SK": "SLUG"}, ConsistentRead=True)["Item"]
    assert claim["blog_id"] == winners[0].id


def test_concurrent_renames_to_one_slug_have_one_winner(store: Any, slug: str) -> None:
    drafts = [
        blogs.create_blog(store, editor(), BlogCreate(slug=unique(), title=f"Draft {n}")) for n in range(6)
    ]

    outcomes = at_once(
        len(drafts),
        lambda n: blogs.update_blog(store, editor(n), drafts[n].id, BlogPatch(slug=slug), drafts[n].version),
    )

    winners = [outcome for outcome in outcomes if not isinstance(outcome, DomainError)]
    assert len(winners) == 1, outcomes
    assert all(isinstance(o, SlugTakenError) for o in outcomes if isinstance(o, DomainError)), outcomes
    # The losers keep their old slugs, which stay theirs.
    for draft, outcome in zip(drafts, outcomes, strict=True):
        assert store.get_blog(draft.id).slug == (slug if outcome is winners[0] else draft.slug)


def test_many_editors_at_once_leave_snapshots_equal_to_the_table(
    store: Any, render: Any, live_blog: Any
) -> None:
    existing = [publish(store, live_blog.id, f"Morning brief {n}") for n in range(5)]
    contributor = Principal("stringer-1", "Stringer", frozenset({CONTRIBUTORS}))

    def someone(n: int) -> Any:
        kind = n % 4
        if kind == 0:
            return publish(store, live_blog.id, f"Ferry cancelled {n}", n)
        if kind == 1:
            target = existing[n % len(existing)]
            current = store.get_entry(live_blog.id, target.id)
            patch = EntryPatch(title=f"Corrected {n}")
            return entries.update_entry(store, editor(n), live_blog.id, target.id, patch, current.version)
        if kind == 2:
            blog = store.get_blog(live_blog.id)
            patch = BlogPatch(pinned_entry_id=existing[n % len(existing)].id, summary=f"Summary {n}")
            return blogs.update_blog(store, editor(n), live_blog.id, patch, blog.version)
        request = EntryCreate(title=f"Draft {n}", blocks=paragraph("Power out on the east side."))
        return entries.create_entry(store, contributor, live_blog.id, request)

    outcomes = at_once(24, someone)

    # Creates never conflict; edits and pins may lose a race (412) but never fail otherwise.
    for n, outcome in enumerate(outcomes):
        if n % 4 in (0, 3):
            assert not isinstance(outcome, DomainError), outcome
        elif isinstance(outcome, DomainError):
            assert isinstance(outcome, PreconditionFailedError), outcome
    numbers = sorted(entry.seq for entry in all_entries(store, live_blog.id))
    assert numbers == list(range(1, len(numbers) + 1))
    assert_snapshots_match_the_table(store, render, live_blog.id)


ROUNDS = 12


def test_entries_created_while_their_blog_is_deleted_never_outlive_it(store: Any, content_table: Any) -> None:
    for round_number in range(ROUNDS):
        # Given a draft blog with an entry, three editors posting and one deleting the blog, at once
        blog = blogs.create_blog(store, editor(), BlogCreate(slug=unique(), title=f"Round {round_number}"))
        publish(store, blog.id, "Prepared")

        def post_or_delete(n: int, blog: Any = blog) -> Any:
            if n == 0:
                return blogs.delete_blog(store, editor(n), blog.id, blog.version)
            return publish(store, blog.id, f"Breaking {n}", n)

        outcomes = at_once(4, post_or_delete)

        # Then the delete went through, and every post either landed before it (and went with the
        # blog) or was refused; nothing of the blog is left in its partition
        assert outcomes[0] is None, outcomes
        for outcome in outcomes[1:]:
            if isinstance(outcome, DomainError):
                assert outcome.status in (404, 409), outcome
        left = content_table.query(
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": f"BLOG#{blog.id}"},
            ConsistentRead=True,
        )["Items"]
        assert left == [], f"round {round_number}: {[item['SK'] for item in left]} outlived the blog"
