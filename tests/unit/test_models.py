"""Blogs, entries and blocks: what editors may send, what is refused and why, what is stored."""

import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from liveblog.ids import new_id
from liveblog.models import (
    BLOG_TRANSITIONS,
    Blog,
    BlogCreate,
    BlogPatch,
    BlogStatus,
    Entry,
    EntryCreate,
    EntryPatch,
    ParagraphBlock,
)
from liveblog.models.common import iana_time_zones

TRUSTED = {"trusted": True}
REL = 'rel="noopener noreferrer nofollow"'
NEEDS_OFFSET = (
    'a time needs its offset from UTC, such as "2026-11-28T09:00:00-04:00" or "2026-11-28T13:00:00Z"'
)


def errors(exc: pytest.ExceptionInfo[ValidationError]) -> list[tuple[tuple[str | int, ...], str]]:
    """(location, message) pairs: what an API client would see in a 422 body."""
    return [(tuple(error["loc"]), error["msg"]) for error in exc.value.errors()]


def blog_create(**fields: Any) -> BlogCreate:
    return BlogCreate.model_validate(
        {"slug": f"story-{new_id().lower()}", "title": "Election night"} | fields
    )


def paragraph(html: str) -> dict[str, str]:
    return {"type": "paragraph", "html": html}


def stored_entry(**fields: Any) -> dict[str, Any]:
    """An entry as the table holds it (JSON mode), with fresh ids."""
    return {
        "id": new_id(),
        "blog_id": new_id(),
        "seq": 1,
        "pub_seq": 1,
        "status": "published",
        "title": "Polls close",
        "blocks": [],
        "key_event": False,
        "author": {"id": f"user-{new_id()}", "name": "Ada Reporter"},
        "created_at": "2026-11-03T23:00:00.000Z",
        "publish_at": None,
        "published_at": "2026-11-03T23:00:01.250Z",
        "updated_at": None,
        "deleted_at": None,
        "version": 1,
    } | fields


# --- blogs: what an editor sends -----------------------------------------------------------------


def test_new_blog_has_sensible_defaults() -> None:
    # Given only a slug and a title
    slug = f"marathon-{new_id().lower()}"
    # When the blog request is validated
    blog = BlogCreate.model_validate({"slug": slug, "title": "Harbour City Marathon"})
    # Then it starts as an English draft in UTC with no summary or key points
    assert blog.model_dump() == {
        "slug": slug,
        "title": "Harbour City Marathon",
        "summary": "",
        "key_points": [],
        "language": "en",
        "time_zone": "UTC",
        "status": "draft",
    }
    assert type(blog.status) is str


@pytest.mark.parametrize("status", ["draft", "live"])
def test_blog_may_start_as_draft_or_live(status: str) -> None:
    # Given a new blog that asks for a starting status
    # When it is validated
    blog = blog_create(status=status)
    # Then that status is kept, as the plain string sent
    assert blog.status == status
    assert type(blog.status) is str


@pytest.mark.parametrize("status", ["ended", "archived", "published"])
def test_blog_cannot_start_ended_or_archived(status: str) -> None:
    # Given a new blog that asks to start past live
    # When it is validated
    with pytest.raises(ValidationError) as refused:
        blog_create(status=status)
    # Then the status is refused, naming the two allowed
    [(loc, message)] = errors(refused)
    assert loc == ("status",)
    assert "'draft'" in message
    assert "'live'" in message


def test_status_message_shows_plain_values() -> None:
    # Given a new blog, a new entry and an entry patch with a status they may not ask for
    # When each is validated
    with pytest.raises(ValidationError) as blog:
        blog_create(status="ended")
    with pytest.raises(ValidationError) as entry:
        EntryCreate.model_validate({"title": "t", "status": "deleted"})
    with pytest.raises(ValidationError) as patch:
        EntryPatch.model_validate({"status": "deleted"})
    # Then the API client reads the JSON values, not Python enum reprs
    assert errors(blog) == [(("status",), "Input should be 'draft' or 'live'")]
    assert errors(entry) == [(("status",), "Input should be 'draft', 'scheduled' or 'published'")]
    assert errors(patch) == [(("status",), "Input should be 'draft', 'scheduled' or 'published'")]


def test_title_and_summary_are_trimmed() -> None:
    # Given text pasted with surrounding whitespace
    # When the blog is validated
    blog = blog_create(title="  \tElection night\t ", summary="\n  Polls close at 8.\nCount follows.  \n")
    # Then the ends are trimmed and inner line breaks of the summary are kept
    assert blog.title == "Election night"
    assert blog.summary == "Polls close at 8.\nCount follows."


@pytest.mark.parametrize(
    ("fields", "loc", "message"),
    [
        ({"title": "x" * 201}, ("title",), "String should have at most 200 characters"),
        ({"title": ""}, ("title",), "String should have at least 1 character"),
        ({"title": "   "}, ("title",), "String should have at least 1 character"),
        ({"summary": "s" * 2001}, ("summary",), "String should have at most 2000 characters"),
        (
            {"key_points": ["k"] * 11},
            ("key_points",),
            "List should have at most 10 items after validation, not 11",
        ),
        ({"key_points": ["k" * 301]}, ("key_points", 0), "String should have at most 300 characters"),
        ({"key_points": ["ok", " "]}, ("key_points", 1), "String should have at least 1 character"),
    ],
)
def test_blog_text_limits(fields: dict[str, Any], loc: tuple[str | int, ...], message: str) -> None:
    # Given a blog with one field past its limit
    # When it is validated
    with pytest.raises(ValidationError) as refused:
        blog_create(**fields)
    # Then that field, and only that field, is reported with its limit
    assert errors(refused) == [(loc, message)]


def test_blog_text_at_its_limits_is_accepted() -> None:
    # Given every field exactly at its limit (the title padded: limits apply after trimming)
    fields = {"title": f"  {'t' * 200}  ", "summary": "s" * 2000, "key_points": ["k" * 300] * 10}
    # When the blog is validated
    blog = blog_create(**fields)
    # Then nothing is cut
    assert (len(blog.title), len(blog.summary), len(blog.key_points), len(blog.key_points[9])) == (
        200,
        2000,
        10,
        300,
    )


@pytest.mark.parametrize("char", ["\n", "\r", "\t", "\x00", "\x1b", "\x7f"])
@pytest.mark.parametrize("field", ["title", "key_points"])
def test_control_characters_in_single_line_text_are_refused(field: str, char: str) -> None:
    # Given a control character inside a one-line field
    value = f"Polls{char}close"
    # When the blog is validated
    with pytest.raises(ValidationError) as refused:
        blog_create(**{field: [value] if field == "key_points" else value})
    # Then the field is refused
    [(loc, message)] = errors(refused)
    assert loc[0] == field
    assert message.startswith("String should match pattern")


@pytest.mark.parametrize("char", ["\t", "\x00", "\x0b", "\x0c", "\x0e", "\x1b", "\x7f"])
def test_summary_allows_newlines_but_no_other_controls(char: str) -> None:
    # Given a summary with line breaks, and one with another control character
    # When both are validated
    multi_line = blog_create(summary="First.\nSecond.")
    with pytest.raises(ValidationError) as refused:
        blog_create(summary=f"First.{char}Second.")
    # Then line breaks are kept and the control character is refused
    assert multi_line.summary == "First.\nSecond."
    assert [loc for loc, _ in errors(refused)] == [("summary",)]


@pytest.mark.parametrize("text", ["First.\r\nSecond.", "First.\rSecond.", "First.\r\n\r\nSecond."])
def test_summary_accepts_windows_line_endings(text: str) -> None:
    # Given a summary pasted from Windows, with CR LF (or a lone CR) between lines and at the end
    # When the blog is validated
    blog = blog_create(summary=f"{text}\r\n")
    # Then the line breaks are kept as sent and only the trailing one is trimmed
    assert blog.summary == text


@pytest.mark.parametrize("slug", ["abc", "harbour-city-marathon-2026", "2026-vote", "a1-b2-c3", "x" * 80])
def test_valid_slugs(slug: str) -> None:
    # Given a lowercase, hyphenated slug
    # When the blog is validated
    blog = blog_create(slug=slug)
    # Then it names the blog's URLs unchanged
    assert blog.slug == slug


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("ab", "String should have at least 3 characters"),
        ("x" * 81, "String should have at most 80 characters"),
        ("Election-Night", "String should match pattern '^[a-z0-9]+(?:-[a-z0-9]+)*$'"),
        ("election--night", "String should match pattern '^[a-z0-9]+(?:-[a-z0-9]+)*$'"),
        ("-election", "String should match pattern '^[a-z0-9]+(?:-[a-z0-9]+)*$'"),
        ("election-", "String should match pattern '^[a-z0-9]+(?:-[a-z0-9]+)*$'"),
        ("election_night", "String should match pattern '^[a-z0-9]+(?:-[a-z0-9]+)*$'"),
        ("election night", "String should match pattern '^[a-z0-9]+(?:-[a-z0-9]+)*$'"),
        ("élection", "String should match pattern '^[a-z0-9]+(?:-[a-z0-9]+)*$'"),
        ("../admin", "String should match pattern '^[a-z0-9]+(?:-[a-z0-9]+)*$'"),
    ],
)
def test_invalid_slugs_are_refused(slug: str, message: str) -> None:
    # Given a slug that could not be a clean URL segment
    # When the blog is validated
    with pytest.raises(ValidationError) as refused:
        blog_create(slug=slug)
    # Then the slug is refused with the rule it breaks
    assert errors(refused) == [(("slug",), message)]


@pytest.mark.parametrize(
    "zone",
    [
        "America/Toronto",
        "Europe/London",
        "Asia/Kolkata",
        "UTC",
        "America/Argentina/Buenos_Aires",
        "US/Eastern",
    ],
)
def test_iana_time_zones_are_accepted(zone: str) -> None:
    # Given a real IANA zone name (US/Eastern: an old name IANA keeps as a link)
    # When the blog is validated
    blog = blog_create(time_zone=zone)
    # Then it is kept for readers' local times
    assert blog.time_zone == zone


@pytest.mark.parametrize(
    "zone",
    [
        "Mars/Base",
        "america/toronto",
        "Eastern",
        "",
        "../../etc/passwd",
        "+05:00",
        "America",
        # Files of a system's zoneinfo folder that load as zones but name no place
        "posixrules",
        "localtime",
        "Factory",
        "right/UTC",
        "posix/Europe/Paris",
    ],
)
def test_unknown_time_zones_are_refused(zone: str) -> None:
    # Given something that is not an IANA zone name
    # When the blog is validated
    with pytest.raises(ValidationError) as refused:
        blog_create(time_zone=zone)
    # Then the message names the value and shows what a zone looks like
    assert errors(refused) == [
        (
            ("time_zone",),
            f"Value error, {zone!r} is not a time zone; expected an IANA time zone such as 'Europe/Paris'",
        )
    ]


def test_every_accepted_time_zone_loads_without_a_system_time_zone_database() -> None:
    # Given no system zoneinfo folder, as on a Lambda runtime that ships none
    zoneinfo.reset_tzpath(to=[])
    try:
        # When every accepted zone is loaded
        unloadable = []
        for name in sorted(iana_time_zones()):
            try:
                zoneinfo.ZoneInfo.no_cache(name)
            except zoneinfo.ZoneInfoNotFoundError:
                unloadable.append(name)
    finally:
        zoneinfo.reset_tzpath()
    # Then each comes from the tzdata package: the same names work locally and in Lambda
    assert unloadable == []
    assert {"Europe/Paris", "UTC"} <= iana_time_zones()


def test_a_stored_time_zone_stays_readable_when_no_longer_accepted() -> None:
    # Given a blog stored before its zone was refused on write
    stored = {**blog_create().model_dump(mode="json"), "time_zone": "posixrules"}
    stored.update(
        id="01JDQ5V7Z8YB6T3M2W4K9C1E0F",
        status="live",
        created_by={"id": "e", "name": "E"},
        created_at="2026-11-28T14:00:00Z",
        updated_at="2026-11-28T14:00:00Z",
        version=1,
    )
    # When it is read back from the table
    blog = Blog.model_validate(stored, context=TRUSTED)
    # Then it is readable, as it was written
    assert blog.time_zone == "posixrules"


@pytest.mark.parametrize("language", ["en", "fr", "fr-CA", "zh-Hant-TW", "es-419", "haw"])
def test_language_tags_are_accepted(language: str) -> None:
    # Given a BCP 47 style language tag
    # When the blog is validated
    blog = blog_create(language=language)
    # Then it is kept as sent
    assert blog.language == language


@pytest.mark.parametrize("language", ["english", "e", "en_CA", "en-", "", "fr-CA-x-verylongsubtag"])
def test_malformed_language_tags_are_refused(language: str) -> None:
    # Given something that is not a language tag
    # When the blog is validated
    with pytest.raises(ValidationError) as refused:
        blog_create(language=language)
    # Then the language is refused
    assert [loc for loc, _ in errors(refused)] == [("language",)]


def test_unknown_blog_fields_are_refused() -> None:
    # Given a request with a misspelt field
    # When it is validated
    with pytest.raises(ValidationError) as refused:
        blog_create(titel="Typo")
    # Then it is refused rather than silently dropped
    assert errors(refused) == [(("titel",), "Extra inputs are not permitted")]


@pytest.mark.parametrize(
    ("fields", "loc", "message"),
    [
        ({"title": 5}, ("title",), "Input should be a valid string"),
        ({"title": ["Election night"]}, ("title",), "Input should be a valid string"),
        ({"summary": {"text": "x"}}, ("summary",), "Input should be a valid string"),
        ({"key_points": "one point"}, ("key_points",), "Input should be a valid list"),
        ({"key_points": [1]}, ("key_points", 0), "Input should be a valid string"),
        ({"slug": None}, ("slug",), "Input should be a valid string"),
    ],
)
def test_wrong_types_are_refused(fields: dict[str, Any], loc: tuple[str | int, ...], message: str) -> None:
    # Given a field of the wrong JSON type
    # When the blog is validated
    with pytest.raises(ValidationError) as refused:
        blog_create(**fields)
    # Then it is refused, not coerced
    assert errors(refused) == [(loc, message)]


# --- blogs: patches ------------------------------------------------------------------------------


def test_patch_remembers_exactly_which_fields_were_sent() -> None:
    # Given a patch that changes the title and unpins
    # When it is validated
    patch = BlogPatch.model_validate({"title": " New title ", "pinned_entry_id": None})
    # Then only those two fields count as sent, so nothing else is overwritten
    assert patch.model_fields_set == {"title", "pinned_entry_id"}
    assert patch.title == "New title"


def test_empty_patch_sends_nothing() -> None:
    # Given an empty JSON object
    # When it is validated
    patch = BlogPatch.model_validate({})
    # Then no field is marked as sent
    assert patch.model_fields_set == set()


@pytest.mark.parametrize("field", ["pinned_entry_id", "coverage_start_at", "coverage_end_at"])
def test_patch_may_clear_clearable_fields(field: str) -> None:
    # Given a patch that sends null for a field that may be empty
    # When it is validated
    patch = BlogPatch.model_validate({field: None})
    # Then the null is accepted and counts as sent, meaning "clear it"
    assert patch.model_fields_set == {field}
    assert getattr(patch, field) is None


@pytest.mark.parametrize(
    "field", ["slug", "title", "summary", "key_points", "language", "time_zone", "status"]
)
def test_patch_refuses_null_on_fields_that_cannot_be_empty(field: str) -> None:
    # Given a patch that sends null for a required field
    # When it is validated
    with pytest.raises(ValidationError) as refused:
        BlogPatch.model_validate({field: None})
    # Then the message names the field
    assert errors(refused) == [((), f"Value error, {field} cannot be null")]


def test_patch_names_every_null_field_in_one_message() -> None:
    # Given several illegal nulls alongside a legal one
    # When the patch is validated
    with pytest.raises(ValidationError) as refused:
        BlogPatch.model_validate({"title": None, "status": None, "slug": None, "pinned_entry_id": None})
    # Then all illegal ones are named, sorted, and the legal one is not
    assert errors(refused) == [((), "Value error, slug, status, title cannot be null")]


def test_patch_applies_the_same_rules_as_create() -> None:
    # Given a patch with an over-long title, a bad time zone and an unknown field
    # When it is validated
    with pytest.raises(ValidationError) as refused:
        BlogPatch.model_validate({"title": "x" * 201, "time_zone": "Mars/Base", "colour": "red"})
    # Then each problem is reported where it is
    assert [loc for loc, _ in errors(refused)] == [("title",), ("time_zone",), ("colour",)]


def test_patch_may_pin_an_entry_by_ulid() -> None:
    # Given a patch pinning an entry by a well-formed id, and one by a malformed id
    entry_id = new_id()
    # When both are validated
    patch = BlogPatch.model_validate({"pinned_entry_id": entry_id})
    with pytest.raises(ValidationError) as refused:
        BlogPatch.model_validate({"pinned_entry_id": "entry-1"})
    # Then the ULID is accepted and the other refused
    assert patch.pinned_entry_id == entry_id
    assert [loc for loc, _ in errors(refused)] == [("pinned_entry_id",)]


@pytest.mark.parametrize("status", ["draft", "live", "ended", "archived"])
def test_patch_accepts_any_status_value(status: str) -> None:
    # Given a patch with a status (whether the move is legal depends on the current status)
    # When it is validated
    patch = BlogPatch.model_validate({"status": status})
    # Then the value is parsed; BLOG_TRANSITIONS decides the move
    assert patch.status is BlogStatus(status)


# --- timestamps ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "serialised"),
    [
        ("2026-11-28T09:05:00-05:00", "2026-11-28T14:05:00.000Z"),
        ("2026-11-28T14:05:00Z", "2026-11-28T14:05:00.000Z"),
        ("2026-11-28T15:05:00.123456+01:00", "2026-11-28T14:05:00.123Z"),
        ("2026-11-29T00:35:00+10:30", "2026-11-28T14:05:00.000Z"),
    ],
)
def test_timestamps_are_stored_and_sent_as_utc_with_z_and_milliseconds(sent: str, serialised: str) -> None:
    # Given a timestamp with any offset
    # When a patch carrying it is validated and serialised
    patch = BlogPatch.model_validate({"coverage_start_at": sent})
    # Then it is held in UTC and written ISO 8601 with a Z to the millisecond (sortable as text)
    assert patch.coverage_start_at is not None
    assert patch.coverage_start_at.utcoffset() is not None
    assert patch.coverage_start_at.utcoffset().total_seconds() == 0
    assert patch.model_dump(mode="json")["coverage_start_at"] == serialised


@pytest.mark.parametrize(
    "naive", ["2026-11-28T14:05:00", "2026-11-28 14:05:00", datetime(2026, 11, 28, 14, 5)]
)
def test_timestamps_without_an_offset_are_refused(naive: str | datetime) -> None:
    # Given a timestamp with no offset: which zone it means is a guess
    # When it is validated
    with pytest.raises(ValidationError) as refused:
        BlogPatch.model_validate({"coverage_end_at": naive})
    # Then it is refused rather than guessed
    assert errors(refused) == [(("coverage_end_at",), NEEDS_OFFSET)]


@pytest.mark.parametrize("sent", ["tomorrow 9am", "next Tuesday", "28/11/2026 09:00", "", 5.5e300])
def test_a_time_that_is_not_iso_8601_is_refused_with_an_example(sent: Any) -> None:
    # Given a publish_at an editor typed the way people talk
    # When the entry is validated
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"title": "Polls close", "status": "published", "publish_at": sent})
    # Then the message says what to send, with an example, not what the parser tripped on
    assert errors(refused) == [
        (
            ("publish_at",),
            'expected an ISO 8601 time with its offset, such as "2026-11-28T09:00:00-04:00" or '
            '"2026-11-28T13:00:00Z"',
        )
    ]


def test_an_iso_8601_time_out_of_range_says_which_part() -> None:
    # Given a time in ISO 8601 shape with a thirteenth month
    # When it is validated
    with pytest.raises(ValidationError) as refused:
        BlogPatch.model_validate({"coverage_end_at": "2026-13-01T09:00:00Z"})
    # Then the message gives the example and pydantic's reason
    [(location, message)] = errors(refused)
    assert location == ("coverage_end_at",)
    assert message.startswith("expected an ISO 8601 time with its offset, such as ")
    assert message.endswith("(month value is outside expected range of 1-12)")


def test_stored_blog_round_trips_through_json() -> None:
    # Given a blog as the table holds it
    stored = {
        "id": new_id(),
        "slug": f"vote-{new_id().lower()}",
        "title": "Election night",
        "summary": "Live results.",
        "key_points": ["Polls closed at 8 p.m."],
        "status": "live",
        "language": "en-CA",
        "time_zone": "America/Toronto",
        "coverage_start_at": "2026-11-03T23:00:00.000Z",
        "coverage_end_at": None,
        "first_live_at": "2026-11-03T23:00:00.000Z",
        "pinned_entry_id": new_id(),
        "created_by": {"id": f"user-{new_id()}", "name": "Ada Editor"},
        "created_at": "2026-11-01T12:00:00.000Z",
        "updated_at": "2026-11-03T23:00:00.000Z",
        "version": 3,
    }
    # When it is read back and written out again
    blog = Blog.model_validate(stored, context=TRUSTED)
    # Then nothing changes, timestamps included
    assert blog.model_dump(mode="json") == stored
    assert blog.created_at == datetime(2026, 11, 1, 12, tzinfo=UTC)


def test_stored_blog_version_starts_at_one() -> None:
    # Given a stored blog claiming version 0
    # When it is read
    with pytest.raises(ValidationError) as refused:
        Blog.model_validate(
            {
                "id": new_id(),
                "slug": "abc",
                "title": "t",
                "status": "draft",
                "created_by": {"id": "u", "name": "n"},
                "created_at": "2026-11-01T12:00:00Z",
                "updated_at": "2026-11-01T12:00:00Z",
                "version": 0,
            }
        )
    # Then it is refused
    assert errors(refused) == [(("version",), "Input should be greater than or equal to 1")]


# --- blog status transitions ---------------------------------------------------------------------


def test_blog_transitions_are_exactly_the_documented_ones() -> None:
    # Given the transition table
    # When every allowed move is listed
    moves = {(old.value, new.value) for old, targets in BLOG_TRANSITIONS.items() for new in targets}
    # Then only forward moves and reopening an ended blog are allowed
    assert moves == {
        ("draft", "live"),
        ("draft", "archived"),
        ("live", "ended"),
        ("ended", "live"),
        ("ended", "archived"),
    }


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("live", "draft"),
        ("live", "archived"),
        ("ended", "draft"),
        ("archived", "live"),
        ("archived", "draft"),
        ("archived", "ended"),
        ("draft", "ended"),
        ("draft", "draft"),
        ("live", "live"),
    ],
)
def test_backward_skipping_and_same_status_moves_are_not_allowed(old: str, new: str) -> None:
    # Given a move the newsroom workflow does not have
    # When the table is consulted
    allowed = BlogStatus(new) in BLOG_TRANSITIONS[BlogStatus(old)]
    # Then it is not allowed
    assert allowed is False


def test_every_status_has_a_row() -> None:
    # Given the statuses a blog can have
    # When the table is looked up for each
    # Then none is missing (archived is final: an empty row, not a KeyError)
    assert set(BLOG_TRANSITIONS) == set(BlogStatus)
    assert BLOG_TRANSITIONS[BlogStatus.ARCHIVED] == frozenset()


# --- entries: what an editor sends ---------------------------------------------------------------


def test_entry_needs_a_title_or_a_block() -> None:
    # Given an entry with neither title nor blocks
    # When it is validated
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"blocks": []})
    # Then the editor is told what is missing
    assert errors(refused) == [((), "Value error, an entry needs a title or at least one block")]


def test_entry_with_only_a_title_is_a_draft_by_default() -> None:
    # Given a title-only entry
    # When it is validated
    entry = EntryCreate.model_validate({"title": "  Polls close  "})
    # Then it is a trimmed, non-key draft with no blocks
    assert entry.model_dump() == {
        "title": "Polls close",
        "blocks": [],
        "key_event": False,
        "status": "draft",
        "publish_at": None,
    }
    assert type(entry.status) is str


def test_entry_with_only_a_block_is_accepted() -> None:
    # Given a block-only entry
    # When it is validated
    entry = EntryCreate.model_validate({"blocks": [paragraph("Turnout is <b>high</b>.")]})
    # Then the paragraph is kept as written
    assert entry.title is None
    assert entry.model_dump(mode="json")["blocks"] == [
        {"type": "paragraph", "html": "Turnout is <b>high</b>."}
    ]


def test_scheduled_entry_needs_publish_at() -> None:
    # Given a scheduled entry with no time
    # When it is validated
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"title": "Results", "status": "scheduled"})
    # Then the editor is told to give a time
    assert errors(refused) == [((), "Value error, a scheduled entry needs publish_at")]


def test_scheduled_entry_with_publish_at_is_accepted() -> None:
    # Given a scheduled entry with a local time
    # When it is validated
    entry = EntryCreate.model_validate(
        {"title": "Results", "status": "scheduled", "publish_at": "2026-11-03T20:00:00-05:00"}
    )
    # Then the status is the plain string sent and the time is held in UTC
    assert entry.status == "scheduled"
    assert type(entry.status) is str
    assert entry.model_dump(mode="json")["publish_at"] == "2026-11-04T01:00:00.000Z"


@pytest.mark.parametrize("status", ["deleted", "live", "PUBLISHED"])
def test_entry_status_must_be_one_an_editor_may_request(status: str) -> None:
    # Given a status an editor may not ask for on create
    # When the entry is validated
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"title": "t", "status": status})
    # Then the status is refused
    assert [loc for loc, _ in errors(refused)] == [("status",)]


def test_entry_title_follows_the_single_line_rules() -> None:
    # Given a title that is too long, and one with a newline
    # When each is validated
    with pytest.raises(ValidationError) as too_long:
        EntryCreate.model_validate({"title": "x" * 201})
    with pytest.raises(ValidationError) as two_lines:
        EntryCreate.model_validate({"title": "Polls\nclose"})
    # Then each is refused on the title
    assert errors(too_long) == [(("title",), "String should have at most 200 characters")]
    assert [loc for loc, _ in errors(two_lines)] == [("title",)]


def test_unknown_entry_fields_are_refused() -> None:
    # Given an entry with a field the API does not have
    # When it is validated
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"title": "t", "author": {"id": "x", "name": "Impostor"}})
    # Then it is refused: clients cannot set server-owned fields
    assert errors(refused) == [(("author",), "Extra inputs are not permitted")]


@pytest.mark.parametrize(
    ("fields", "loc"),
    [
        ({"title": 42}, ("title",)),
        ({"blocks": "Some text"}, ("blocks",)),
        ({"blocks": [{"type": "paragraph", "html": 7}]}, ("blocks", 0, "paragraph", "html")),
        ({"title": "t", "key_event": "maybe"}, ("key_event",)),
        ({"title": "t", "publish_at": "tomorrow"}, ("publish_at",)),
    ],
)
def test_wrong_entry_types_are_refused(fields: dict[str, Any], loc: tuple[str | int, ...]) -> None:
    # Given an entry field of the wrong type
    # When it is validated
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate(fields)
    # Then it is refused at that location
    assert [error_loc for error_loc, _ in errors(refused)] == [loc]


NOT_BOOLEANS = ["yes", "true", "True", "1", 1, 0, 1.0, "false", "on"]


@pytest.mark.parametrize("value", [True, False])
def test_key_event_takes_a_json_boolean(value: bool) -> None:
    # Given an entry and a patch that set key_event to true or false
    # When each is validated
    entry = EntryCreate.model_validate({"title": "t", "key_event": value})
    patch = EntryPatch.model_validate({"key_event": value})
    # Then the flag is kept as sent
    assert entry.key_event is value
    assert patch.key_event is value


@pytest.mark.parametrize("value", NOT_BOOLEANS)
def test_key_event_refuses_anything_but_a_boolean(value: object) -> None:
    # Given an entry and a patch whose key_event is a string or a number
    # When each is validated
    with pytest.raises(ValidationError) as create:
        EntryCreate.model_validate({"title": "t", "key_event": value})
    with pytest.raises(ValidationError) as patch:
        EntryPatch.model_validate({"key_event": value})
    # Then it is refused, not guessed at
    assert errors(create) == [(("key_event",), "Input should be a valid boolean")]
    assert errors(patch) == [(("key_event",), "Input should be a valid boolean")]


def test_key_event_from_json_text() -> None:
    # Given the request bodies an API client sends
    # When they are parsed as JSON
    entry = EntryCreate.model_validate_json('{"title": "t", "key_event": true}')
    with pytest.raises(ValidationError) as refused:
        EntryPatch.model_validate_json('{"key_event": "true"}')
    # Then a JSON true is a boolean and the string "true" is not
    assert entry.key_event is True
    assert errors(refused) == [(("key_event",), "Input should be a valid boolean")]


# --- blocks --------------------------------------------------------------------------------------


def test_paragraph_html_is_stored_sanitised() -> None:
    # Given a paragraph pasted from a word processor with a link
    html = '<p><span style="x">Read</span> <a href="https://example.com/r">the report</a> & more</p>'
    # When the entry is validated
    entry = EntryCreate.model_validate({"blocks": [paragraph(html)]})
    # Then the stored HTML is the cleaned subset
    assert entry.blocks[0].html == f'Read <a href="https://example.com/r" {REL}>the report</a> &amp; more'


def test_dangerous_paragraph_is_refused_where_it_is() -> None:
    # Given an entry whose second block carries a script
    blocks = [paragraph("Fine"), paragraph("<script>alert(1)</script>Hi")]
    # When it is validated
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"blocks": blocks})
    # Then the error points at that block and names the problem
    assert errors(refused) == [
        (
            ("blocks", 1, "paragraph", "html"),
            "Value error, <script> is not allowed; only b, strong, i, em, a and br are",
        )
    ]


def test_list_items_are_sanitised_and_checked_one_by_one() -> None:
    # Given a list with a harmless item and a javascript: link
    block = {
        "type": "list",
        "ordered": True,
        "items": ["<span>One</span>", '<a href="javascript:x()">Two</a>'],
    }
    # When it is validated
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"blocks": [block]})
    # Then only the bad item is reported
    assert errors(refused) == [
        (
            ("blocks", 0, "list", "items", 1),
            "Value error, javascript: links are not allowed; use http, https or mailto",
        )
    ]


def test_every_block_type_is_accepted() -> None:
    # Given one block of each type
    photo_id = new_id()
    blocks = [
        paragraph("Text"),
        {"type": "heading", "text": " Results ", "level": 3},
        {"type": "quote", "text": "We won.\nThank you.", "attribution": "The mayor"},
        {"type": "list", "items": ["a", "<b>b</b>"]},
        {"type": "photo", "photo_id": photo_id, "caption": "Crowd", "credit": "Staff", "alt": "People"},
        {"type": "embed", "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "caption": "Speech"},
    ]
    # When the entry is validated
    entry = EntryCreate.model_validate({"blocks": blocks})
    # Then each is stored in its canonical shape
    assert entry.model_dump(mode="json")["blocks"] == [
        {"type": "paragraph", "html": "Text"},
        {"type": "heading", "text": "Results", "level": 3},
        {"type": "quote", "text": "We won.\nThank you.", "attribution": "The mayor"},
        {"type": "list", "ordered": False, "items": ["a", "<b>b</b>"]},
        {"type": "photo", "photo_id": photo_id, "caption": "Crowd", "credit": "Staff", "alt": "People"},
        {
            "type": "embed",
            "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "caption": "Speech",
            "provider": "youtube",
        },
    ]


@pytest.mark.parametrize("ordered", [True, False])
def test_list_ordered_takes_a_json_boolean(ordered: bool) -> None:
    # Given a numbered and a bulleted list
    # When the entry is validated
    entry = EntryCreate.model_validate({"blocks": [{"type": "list", "ordered": ordered, "items": ["a"]}]})
    # Then the flag is kept as sent
    assert entry.blocks[0].ordered is ordered


@pytest.mark.parametrize("value", NOT_BOOLEANS)
def test_list_ordered_refuses_anything_but_a_boolean(value: object) -> None:
    # Given a list whose ordered flag is a string or a number
    block = {"type": "list", "ordered": value, "items": ["a"]}
    # When the entry is validated
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"blocks": [block]})
    # Then the flag is refused where it is
    assert errors(refused) == [(("blocks", 0, "list", "ordered"), "Input should be a valid boolean")]


@pytest.mark.parametrize(
    ("block", "field"),
    [
        ({"type": "quote", "text": "We won.\r\nThank you.\r\n"}, "text"),
        ({"type": "photo", "photo_id": new_id(), "caption": "Crowd\r\nat noon\r\n"}, "caption"),
        ({"type": "photo", "photo_id": new_id(), "alt": "People\r\nwaving\r\n"}, "alt"),
        (
            {"type": "embed", "url": "https://youtu.be/dQw4w9WgXcQ", "caption": "Speech\r\nin full\r\n"},
            "caption",
        ),
    ],
)
def test_multi_line_block_text_accepts_windows_line_endings(block: dict[str, Any], field: str) -> None:
    # Given quote text, a caption or alt text pasted from Windows, with CR LF line ends
    sent = block[field]
    # When the entry is validated
    entry = EntryCreate.model_validate({"blocks": [block]})
    # Then the inner CR LF is kept and the trailing one trimmed
    assert getattr(entry.blocks[0], field) == sent.removesuffix("\r\n")
    assert "\r\n" in getattr(entry.blocks[0], field)


@pytest.mark.parametrize("char", ["\t", "\x00", "\x0b", "\x0c", "\x1b", "\x7f"])
@pytest.mark.parametrize(
    ("block", "field"),
    [
        ({"type": "quote", "text": "We won.{}Thank you."}, "text"),
        ({"type": "photo", "photo_id": new_id(), "caption": "Crowd{}at noon"}, "caption"),
        ({"type": "photo", "photo_id": new_id(), "alt": "People{}waving"}, "alt"),
        ({"type": "embed", "url": "https://youtu.be/dQw4w9WgXcQ", "caption": "Speech{}in full"}, "caption"),
    ],
)
def test_multi_line_block_text_refuses_other_controls(block: dict[str, Any], field: str, char: str) -> None:
    # Given multi-line block text with a control character other than CR or LF
    sent = block | {field: block[field].format(char)}
    # When the entry is validated
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"blocks": [sent]})
    # Then that field is refused
    [(loc, message)] = errors(refused)
    assert loc == ("blocks", 0, block["type"], field)
    assert message.startswith("String should match pattern")


@pytest.mark.parametrize(
    ("block", "field"),
    [
        ({"type": "heading", "text": "Results{}tonight"}, "text"),
        ({"type": "quote", "text": "q", "attribution": "The{}mayor"}, "attribution"),
        ({"type": "photo", "photo_id": new_id(), "credit": "Staff{}photo"}, "credit"),
    ],
)
@pytest.mark.parametrize("line_end", ["\r\n", "\r", "\n"])
def test_single_line_block_text_still_refuses_line_breaks(
    block: dict[str, Any], field: str, line_end: str
) -> None:
    # Given a heading, attribution or credit with a line break of any kind inside
    sent = block | {field: block[field].format(line_end)}
    # When the entry is validated
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"blocks": [sent]})
    # Then that field is refused: one-line text stays on one line
    [(loc, message)] = errors(refused)
    assert loc == ("blocks", 0, block["type"], field)
    assert message.startswith("String should match pattern")


def test_embed_provider_is_set_by_the_server() -> None:
    # Given a client that claims a YouTube URL is from Vimeo
    block = {"type": "embed", "url": "https://youtu.be/dQw4w9WgXcQ", "provider": "vimeo"}
    # When the entry is validated
    entry = EntryCreate.model_validate({"blocks": [block]})
    # Then the provider comes from the URL, not the client
    assert entry.blocks[0].provider == "youtube"


def test_embed_from_a_host_not_allowed_is_refused() -> None:
    # Given an embed from an unlisted host
    block = {"type": "embed", "url": "https://www.dailymotion.com/video/x8abc"}
    # When the entry is validated
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"blocks": [block]})
    # Then the editor is told the host and what is allowed
    [(loc, message)] = errors(refused)
    assert loc == ("blocks", 0, "embed")
    assert message.startswith(
        "Value error, embeds from 'www.dailymotion.com' are not allowed; allowed: youtube.com"
    )


@pytest.mark.parametrize(
    ("block", "loc", "message"),
    [
        (
            {"type": "video", "url": "https://x"},
            ("blocks", 0),
            "Input tag 'video' found using 'type' does not match any of the expected tags: "
            "'paragraph', 'heading', 'quote', 'list', 'photo', 'embed'",
        ),
        ({"html": "no type"}, ("blocks", 0), "Unable to extract tag using discriminator 'type'"),
        (
            {"type": "paragraph", "html": "x", "style": "bold"},
            ("blocks", 0, "paragraph", "style"),
            "Extra inputs are not permitted",
        ),
        (
            {"type": "heading", "text": "h", "level": 1},
            ("blocks", 0, "heading", "level"),
            "Input should be 2 or 3",
        ),
        ({"type": "heading", "text": "a\nb"}, ("blocks", 0, "heading", "text"), None),
        ({"type": "heading", "text": "h" * 201}, ("blocks", 0, "heading", "text"), None),
        ({"type": "quote", "text": "q" * 2001}, ("blocks", 0, "quote", "text"), None),
        ({"type": "quote", "text": "q", "attribution": "a\tb"}, ("blocks", 0, "quote", "attribution"), None),
        ({"type": "list", "items": []}, ("blocks", 0, "list", "items"), None),
        ({"type": "photo", "photo_id": "photo-1"}, ("blocks", 0, "photo", "photo_id"), None),
        (
            {"type": "photo", "photo_id": new_id(), "caption": "c" * 1001},
            ("blocks", 0, "photo", "caption"),
            None,
        ),
        ({"type": "photo", "photo_id": new_id(), "alt": "a" * 501}, ("blocks", 0, "photo", "alt"), None),
        (
            {"type": "photo", "photo_id": new_id(), "credit": "c" * 201},
            ("blocks", 0, "photo", "credit"),
            None,
        ),
        ({"type": "embed", "url": "https://youtu.be/" + "v" * 2040}, ("blocks", 0, "embed", "url"), None),
    ],
)
def test_malformed_blocks_are_refused(
    block: dict[str, Any], loc: tuple[str | int, ...], message: str | None
) -> None:
    # Given an entry with one malformed block
    # When it is validated
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"blocks": [block]})
    # Then the error points inside that block (and says why, where the wording matters to editors)
    [(error_loc, error_message)] = errors(refused)
    assert error_loc == loc
    if message is not None:
        assert error_message == message


# --- entry limits --------------------------------------------------------------------------------


def test_paragraph_limit_is_5000_characters() -> None:
    # Given paragraphs at and just past the limit
    # When each is validated
    at_limit = EntryCreate.model_validate({"blocks": [paragraph("x" * 5000)]})
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"blocks": [paragraph("x" * 5001)]})
    # Then the first is kept whole and the second refused with the limit
    assert len(at_limit.blocks[0].html) == 5000
    assert errors(refused) == [
        (("blocks", 0, "paragraph", "html"), "Value error, at most 5000 characters of HTML, not 5001")
    ]


def test_paragraph_limit_applies_to_what_was_sent_not_what_is_kept() -> None:
    # Given 5,600 characters of pasted spans that clean down to 400 characters
    html = "<span>x</span>" * 400
    # When the paragraph is validated
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"blocks": [paragraph(html)]})
    # Then the length the editor sent is what is refused
    assert errors(refused) == [
        (("blocks", 0, "paragraph", "html"), "Value error, at most 5000 characters of HTML, not 5600")
    ]


def test_paragraph_schema_still_documents_the_limit() -> None:
    # Given the JSON schema API clients read (the limit is checked in a validator now)
    # When the paragraph's html property is looked up, for requests and for responses
    for mode in ("validation", "serialization"):
        html = ParagraphBlock.model_json_schema(mode=mode)["properties"]["html"]
        # Then it still says 1 to 5000 characters
        assert (html["minLength"], html["maxLength"]) == (1, 5000)


def test_an_entry_holds_at_most_50_blocks() -> None:
    # Given entries with 50 and 51 headings
    heading = {"type": "heading", "text": "h"}
    # When each is validated
    fifty = EntryCreate.model_validate({"blocks": [heading] * 50})
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"blocks": [heading] * 51})
    # Then 50 fit and 51 are refused
    assert len(fifty.blocks) == 50
    assert errors(refused) == [(("blocks",), "List should have at most 50 items after validation, not 51")]


def test_a_list_holds_at_most_50_items() -> None:
    # Given lists with 50 and 51 items
    # When each is validated
    fifty = EntryCreate.model_validate({"blocks": [{"type": "list", "items": ["i"] * 50}]})
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"blocks": [{"type": "list", "items": ["i"] * 51}]})
    # Then 50 fit and 51 are refused
    assert len(fifty.blocks[0].items) == 50
    assert errors(refused) == [
        (("blocks", 0, "list", "items"), "List should have at most 50 items after validation, not 51")
    ]


def test_a_list_item_is_limited_like_a_paragraph() -> None:
    # Given a list with one over-long item
    # When it is validated
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"blocks": [{"type": "list", "items": ["ok", "x" * 5001]}]})
    # Then that item is refused
    assert errors(refused) == [
        (("blocks", 0, "list", "items", 1), "Value error, at most 5000 characters of HTML, not 5001")
    ]


def test_total_entry_text_is_limited_to_60000_characters() -> None:
    # Given 12 full paragraphs (60,000 characters) and 13 (65,000)
    full = paragraph("x" * 5000)
    # When each is validated
    at_limit = EntryCreate.model_validate({"blocks": [full] * 12})
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"blocks": [full] * 13})
    # Then the first fits and the second is refused as a whole
    assert len(at_limit.blocks) == 12
    assert errors(refused) == [
        ((), "Value error, an entry's blocks may carry at most 60000 characters of text")
    ]


def test_total_entry_text_counts_every_block_type() -> None:
    # Given 11 full paragraphs (55,000) and 5,001 more characters spread over other blocks
    blocks = [paragraph("x" * 5000)] * 11 + [
        {"type": "quote", "text": "q" * 2000, "attribution": "a" * 200},
        {"type": "heading", "text": "h" * 200},
        {"type": "list", "items": ["i" * 1000, "j" * 1000]},
        {"type": "photo", "photo_id": new_id(), "caption": "c" * 300, "credit": "d" * 100, "alt": "e" * 201},
    ]
    # When the entry is validated
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"blocks": blocks})
    # Then the total, not any one field, is what is refused
    assert errors(refused) == [
        ((), "Value error, an entry's blocks may carry at most 60000 characters of text")
    ]


def test_total_entry_text_is_measured_after_escaping() -> None:
    # Given three paragraphs of 5,000 ampersands: 15,000 typed, 75,000 stored as &amp;
    blocks = [paragraph("&" * 5000)] * 3
    # When the entry is validated
    with pytest.raises(ValidationError) as refused:
        EntryCreate.model_validate({"blocks": blocks})
    # Then the limit applies to what would be stored
    assert errors(refused) == [
        ((), "Value error, an entry's blocks may carry at most 60000 characters of text")
    ]


# --- entries: patches ----------------------------------------------------------------------------


def test_entry_patch_remembers_which_fields_were_sent() -> None:
    # Given a patch that marks a key event and clears the title
    # When it is validated
    patch = EntryPatch.model_validate({"key_event": True, "title": None})
    # Then only those count as sent
    assert patch.model_fields_set == {"key_event", "title"}


@pytest.mark.parametrize("field", ["title", "publish_at"])
def test_entry_patch_may_clear_title_and_publish_at(field: str) -> None:
    # Given a patch that sends null for a clearable field
    # When it is validated
    patch = EntryPatch.model_validate({field: None})
    # Then the null is accepted as "clear it"
    assert patch.model_fields_set == {field}
    assert getattr(patch, field) is None


@pytest.mark.parametrize("field", ["blocks", "key_event", "status"])
def test_entry_patch_refuses_null_on_fields_that_cannot_be_empty(field: str) -> None:
    # Given a patch that sends null for a field that must have a value
    # When it is validated
    with pytest.raises(ValidationError) as refused:
        EntryPatch.model_validate({field: None})
    # Then the message names the field
    assert errors(refused) == [((), f"Value error, {field} cannot be null")]


def test_entry_patch_may_empty_the_blocks_with_a_list() -> None:
    # Given a patch replacing the blocks with an empty list (null is not the way to say it)
    # When it is validated
    patch = EntryPatch.model_validate({"blocks": []})
    # Then the empty list is accepted as sent
    assert patch.blocks == []
    assert patch.model_fields_set == {"blocks"}


def test_entry_patch_applies_block_and_total_limits() -> None:
    # Given patches with too many blocks, too much text, and a dangerous paragraph
    # When each is validated
    with pytest.raises(ValidationError) as too_many:
        EntryPatch.model_validate({"blocks": [paragraph("x")] * 51})
    with pytest.raises(ValidationError) as too_much:
        EntryPatch.model_validate({"blocks": [paragraph("x" * 5000)] * 13})
    with pytest.raises(ValidationError) as dangerous:
        EntryPatch.model_validate({"blocks": [paragraph('<b onclick="x()">hi</b>')]})
    # Then each is refused as on create
    assert errors(too_many) == [(("blocks",), "List should have at most 50 items after validation, not 51")]
    assert errors(too_much) == [
        ((), "Value error, an entry's blocks may carry at most 60000 characters of text")
    ]
    assert errors(dangerous) == [
        (("blocks", 0, "paragraph", "html"), "Value error, event handler attribute 'onclick' is not allowed")
    ]


def test_entry_patch_refuses_unknown_fields_and_naive_times() -> None:
    # Given a patch with an unknown field and a publish_at without offset
    # When it is validated
    with pytest.raises(ValidationError) as refused:
        EntryPatch.model_validate({"seq": 7, "publish_at": "2026-11-03T20:00:00"})
    # Then both are reported
    assert sorted(errors(refused)) == [
        (("publish_at",), NEEDS_OFFSET),
        (("seq",), "Extra inputs are not permitted"),
    ]


# --- stored entries and the trusted context ------------------------------------------------------


def test_stored_entry_round_trips_through_json() -> None:
    # Given an entry as the table holds it, with every block type
    stored = stored_entry(
        blocks=[
            {"type": "paragraph", "html": f'See <a href="https://example.com/" {REL}>this</a> &amp; that'},
            {"type": "heading", "text": "Results", "level": 2},
            {"type": "quote", "text": "We won.", "attribution": None},
            {"type": "list", "ordered": True, "items": ["<b>One</b>"]},
            {"type": "photo", "photo_id": new_id(), "caption": None, "credit": None, "alt": None},
            {"type": "embed", "url": "https://youtu.be/dQw4w9WgXcQ", "caption": None, "provider": "youtube"},
        ],
        updated_at="2026-11-03T23:10:00.000Z",
    )
    # When it is read back with the trusted context and written out again
    entry = Entry.model_validate(stored, context=TRUSTED)
    # Then it is unchanged
    assert entry.model_dump(mode="json") == stored


def test_trusted_context_keeps_an_embed_whose_host_is_no_longer_allowed(
    embed_hosts: Callable[[str], None],
) -> None:
    # Given an entry stored with a YouTube embed, and a deployment that now allows only Vimeo
    stored = stored_entry(
        blocks=[
            {
                "type": "embed",
                "url": "https://www.youtube.com/watch?v=1",
                "caption": "Speech",
                "provider": "youtube",
            }
        ]
    )
    embed_hosts("vimeo.com")
    # When it is read as untrusted input and as stored data
    with pytest.raises(ValidationError) as refused:
        Entry.model_validate(stored)
    entry = Entry.model_validate(stored, context=TRUSTED)
    # Then new input would be refused, but the published entry stays readable, provider intact
    assert [loc for loc, _ in errors(refused)] == [("blocks", 0, "embed")]
    assert entry.model_dump(mode="json") == stored


def test_trusted_context_does_not_rewrite_stored_html() -> None:
    # Given stored paragraph HTML the current sanitiser would change (say, a rule was tightened)
    stored = stored_entry(blocks=[{"type": "paragraph", "html": "<span>Kept as stored</span>"}])
    # When it is read back with and without the trusted context
    trusted = Entry.model_validate(stored, context=TRUSTED)
    untrusted = Entry.model_validate(stored)
    # Then stored data is served as written; only untrusted input is cleaned
    assert trusted.blocks[0].html == "<span>Kept as stored</span>"
    assert untrusted.blocks[0].html == "Kept as stored"


@pytest.mark.parametrize("field", ["created_at", "publish_at", "published_at", "updated_at", "deleted_at"])
def test_stored_entry_timestamps_need_an_offset(field: str) -> None:
    # Given a stored entry with a naive timestamp
    stored = stored_entry(**{field: "2026-11-03T23:00:00"})
    # When it is read
    with pytest.raises(ValidationError) as refused:
        Entry.model_validate(stored, context=TRUSTED)
    # Then it is refused
    assert errors(refused) == [((field,), NEEDS_OFFSET)]


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param('<a href="https://example.com/">source</a> ' + "x" * 4950, id="link-gains-rel"),
        pytest.param("&" * 5000, id="ampersands-escaped"),
    ],
)
def test_entry_accepted_on_write_stays_readable(typed: str) -> None:
    # Given a paragraph within the limit as typed, which grows past 5,000 characters when sanitised
    # (rel="noopener noreferrer nofollow" added to a link, & written as &amp;)
    assert len(typed) <= 5000
    created = EntryCreate.model_validate({"blocks": [paragraph(typed)]})
    assert len(created.blocks[0].html) > 5000
    stored = stored_entry(blocks=[block.model_dump(mode="json") for block in created.blocks])
    # When the stored entry is read back, as the table and the admin API do
    entry = Entry.model_validate(stored, context=TRUSTED)
    # Then what was accepted on write is readable, unchanged
    assert entry.blocks[0].html == created.blocks[0].html
    assert entry.model_dump(mode="json") == stored
