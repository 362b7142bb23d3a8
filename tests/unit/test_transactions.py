"""Transaction failures are explained by the name of the step that failed, never by its position,
and an AWS error that is not a cancellation is never mistaken for one."""

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from liveblog.errors import (
    ConflictError,
    IllegalTransitionError,
    NotFoundError,
    PinMovedError,
    PreconditionFailedError,
    SlugTakenError,
    ThrottledError,
    UnprocessableError,
)
from liveblog.models import Blog, BlogStatus, Entry, EntryStatus
from liveblog.models.common import Author
from liveblog.storage.content import ContentStore
from liveblog.storage.transactions import Step, TransactionCancelledError, transact

BLOG_ID = "01JDQ5V7Z8YB6T3M2W4K9C1E0F"
ENTRY_ID = "01JDQ6A3R4S5T6V7W8X9Y0Z1AB"
PHOTO_ID = "01JDQ7B2C3D4E5F6G7H8J9K0MN"
NOW = datetime(2026, 11, 28, 14, 5, tzinfo=UTC)
NONE = {"Code": "None"}
FAILED = {"Code": "ConditionalCheckFailed"}


def stubbed_store() -> tuple[ContentStore, Stubber]:
    client = boto3.client("dynamodb", region_name="us-east-1")
    return ContentStore("ContentTable", client), Stubber(client)


def add_cancellation(stubber: Stubber, *reasons: dict[str, Any]) -> None:
    stubber.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        service_message="Transaction cancelled",
        http_status_code=400,
        modeled_fields={"CancellationReasons": list(reasons)},
    )


def blog(**fields: Any) -> Blog:
    values = {
        "id": BLOG_ID,
        "slug": "port-avalon-storm",
        "title": "Storm over Port Avalon",
        "status": BlogStatus.DRAFT,
        "created_at": NOW,
        "updated_at": NOW,
        "version": 2,
        "created_by": Author(id="editor-1", name="Eda Harbour"),
    } | fields
    return Blog.model_validate(values, context={"trusted": True})


def entry(**fields: Any) -> Entry:
    values = {
        "id": ENTRY_ID,
        "blog_id": BLOG_ID,
        "seq": 1,
        "status": EntryStatus.DRAFT,
        "title": "Winds reach 110 km/h",
        "author": Author(id="editor-1", name="Eda Harbour"),
        "created_at": NOW,
        "version": 2,
    } | fields
    return Entry.model_validate(values, context={"trusted": True})


def test_a_cancellation_names_its_failed_steps() -> None:
    # Given a transaction of three named steps whose middle one fails
    store, stubber = stubbed_store()
    add_cancellation(stubber, NONE, FAILED, NONE)
    check = {
        "TableName": "ContentTable",
        "Key": {"PK": {"S": "BLOG#x"}, "SK": {"S": "BLOG"}},
        "ConditionExpression": "attribute_exists(PK)",
    }
    steps = [Step(name, {"ConditionCheck": check}) for name in ("entry", "blog", "shows:x")]

    # When it runs
    with stubber, pytest.raises(TransactionCancelledError) as raised:
        transact(store._client, steps)

    # Then the failure is known by name
    assert raised.value.cancelled.failed_steps() == ["blog"]
    assert raised.value.cancelled.failed("blog")
    assert not raised.value.cancelled.failed("entry")


def test_step_names_must_be_unique() -> None:
    store, _ = stubbed_store()
    with pytest.raises(ValueError, match="unique"):
        transact(store._client, [Step("blog", {}), Step("blog", {})])


def test_an_aws_error_that_is_not_a_cancellation_is_not_explained_as_one() -> None:
    # Given a slug change (three steps) that AWS answers with an internal error: no reasons at all
    store, stubber = stubbed_store()
    stubber.add_client_error("transact_write_items", "InternalServerError", http_status_code=500)

    # When the blog is written, Then the AWS error itself comes out (the API logs it and answers
    # 500), never an IndexError from reading reasons that are not there
    with stubber, pytest.raises(ClientError) as raised:
        store.update_blog(
            blog(slug="port-avalon-gale"), expected_version=2, previous_slug="port-avalon-storm"
        )
    assert raised.value.response["Error"]["Code"] == "InternalServerError"


def test_throttling_of_a_transaction_is_a_retryable_429() -> None:
    store, stubber = stubbed_store()
    stubber.add_client_error("transact_write_items", "ThrottlingException", http_status_code=400)
    with stubber, pytest.raises(ThrottledError):
        store.update_blog(
            blog(slug="port-avalon-gale"), expected_version=2, previous_slug="port-avalon-storm"
        )


@pytest.mark.parametrize(
    ("reasons", "error", "message"),
    [
        ((FAILED | {"Item": {"version": {"N": "3"}}}, NONE, NONE), PreconditionFailedError, "changed"),
        ((FAILED, NONE, NONE), NotFoundError, "no blog"),
        ((NONE, NONE, FAILED), SlugTakenError, "already used"),
        ((NONE, {"Code": "TransactionConflict"}, NONE), ConflictError, "in flight"),
    ],
)
def test_a_slug_move_is_explained_by_the_step_that_failed(
    reasons: tuple[dict[str, Any], ...], error: type[Exception], message: str
) -> None:
    # Given a slug move: the blog at its version, the old slug released, the new one claimed
    store, stubber = stubbed_store()
    add_cancellation(stubber, *reasons)

    # When one step fails, Then its own meaning is reported
    with stubber, pytest.raises(error, match=message):
        store.update_blog(
            blog(slug="port-avalon-gale"), expected_version=2, previous_slug="port-avalon-storm"
        )


def test_a_pin_whose_entry_was_taken_down_is_a_conflict_about_that_entry() -> None:
    # Given a pin (the blog at its version, the entry still published) without a slug move
    store, stubber = stubbed_store()
    add_cancellation(stubber, NONE, FAILED)

    # When the entry's check fails, Then the answer names the entry (with a slug move it would
    # have been the third step and not the last: the old code read both by position)
    with stubber, pytest.raises(ConflictError, match=f"entry {ENTRY_ID} is no longer published"):
        store.update_blog(blog(pinned_entry_id=ENTRY_ID), expected_version=2, require_published=ENTRY_ID)


@pytest.mark.parametrize(
    ("blog_reason", "error"),
    [
        (FAILED, NotFoundError),
        (FAILED | {"Item": {"status": {"S": "archived"}}}, IllegalTransitionError),
        (FAILED | {"Item": {"status": {"S": "live"}}}, PinMovedError),
    ],
)
def test_an_entry_write_refused_by_its_blog_says_why(
    blog_reason: dict[str, Any], error: type[Exception]
) -> None:
    store, stubber = stubbed_store()
    add_cancellation(stubber, NONE, blog_reason)
    with stubber, pytest.raises(error):
        store.update_entry(entry(version=3), expected_version=2)


def test_a_missing_photo_is_named_whatever_its_place_in_the_transaction() -> None:
    # Given an entry write that adds one photo and removes another: four steps
    store, stubber = stubbed_store()
    add_cancellation(stubber, NONE, NONE, FAILED, NONE)
    shown = entry(
        version=3, blocks=[{"type": "photo", "photo_id": PHOTO_ID}, {"type": "paragraph", "html": "Gusts."}]
    )

    # When the new photo's reference fails, Then the editor hears which photo
    with stubber, pytest.raises(UnprocessableError, match=f"photo {PHOTO_ID} does not exist"):
        store.update_entry(
            shown,
            expected_version=2,
            before=entry(blocks=[{"type": "photo", "photo_id": "01JDQ7B2C3D4E5F6G7H8J9K0ZZ"}]),
        )


def written_items(store: ContentStore, stubber: Stubber, write: Any) -> list[str]:
    """The keys (SK) a successful entry write's transaction touches, in order."""
    sent: list[Any] = []
    store._client.meta.events.register(
        "provide-client-params.dynamodb.TransactWriteItems", lambda params, **_: sent.append(params)
    )
    stubber.add_response("transact_write_items", {})
    with stubber:
        write()
    return [
        next(iter(step.values())).get("Key", next(iter(step.values())).get("Item"))["SK"]["S"]
        for step in sent[0]["TransactItems"]
    ]


def test_a_correction_that_keeps_its_photos_in_view_writes_no_photo_item() -> None:
    # Given a published entry showing a photo, corrected without touching the photo
    store, stubber = stubbed_store()
    blocks = [{"type": "photo", "photo_id": PHOTO_ID}]
    before = entry(status=EntryStatus.PUBLISHED, pub_seq=1, published_at=NOW, blocks=blocks)
    corrected = before.model_copy(update={"title": "Winds reach 120 km/h", "version": 3})

    # When it is written, Then only the entry and its blog's check are in the transaction
    touched = written_items(store, stubber, lambda: store.update_entry(corrected, 2, before=before))
    assert touched == [f"ENTRY#{ENTRY_ID}", "BLOG"]


def test_publishing_a_draft_that_shows_a_photo_locks_the_photo_in_the_same_transaction() -> None:
    # Given a draft showing a photo, published with no other change
    store, stubber = stubbed_store()
    before = entry(blocks=[{"type": "photo", "photo_id": PHOTO_ID}])
    published = before.model_copy(
        update={"status": EntryStatus.PUBLISHED, "pub_seq": 1, "published_at": NOW, "version": 3}
    )

    # When it is written, Then the photo item is written with it (readers start to see it)
    touched = written_items(store, stubber, lambda: store.update_entry(published, 2, before=before))
    assert touched == [f"ENTRY#{ENTRY_ID}", "BLOG", f"PHOTO#{PHOTO_ID}"]
