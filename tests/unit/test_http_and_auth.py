"""If-Match parsing, the request envelope, groups from claims, cursors: pure functions, no AWS."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from liveblog.api.http import (
    MAX_JSON_DEPTH,
    expected_version,
    parse_if_match,
    refuse_non_json_body,
    refuse_oversize_body,
    strict_json_loads,
)
from liveblog.errors import (
    InvalidCursorError,
    PayloadTooLargeError,
    PreconditionFailedError,
    PreconditionRequiredError,
    UnauthorizedError,
    UnprocessableError,
    UnsupportedMediaTypeError,
)
from liveblog.logic.auth import parse_groups, principal_from_claims
from liveblog.logic.publishing import resolve_publication
from liveblog.logic.versions import check_version
from liveblog.models import EntryStatus
from liveblog.storage.cursor import decode_cursor, encode_cursor


@pytest.mark.parametrize(("header", "version"), [('"3"', 3), ("3", 3), (' "7" ', 7)])
def test_if_match_names_a_version(header: str, version: int) -> None:
    assert parse_if_match(header) == version


@pytest.mark.parametrize("header", [None, "", "  ", "*"])
def test_if_match_missing_or_wildcard_is_428(header: str | None) -> None:
    with pytest.raises(PreconditionRequiredError):
        parse_if_match(header)


@pytest.mark.parametrize(
    ("header", "why"),
    [
        ('W/"12"', "weak ETag"),
        ('W/"3"', "weak ETag"),
        ('"abc"', "not an ETag this API issued"),
        ('"-1"', "not an ETag this API issued"),
        ('"1.5"', "not an ETag this API issued"),
        ('"9999999999999"', "not an ETag this API issued"),
    ],
)
def test_if_match_that_cannot_be_ours_fails_with_the_current_version(header: str, why: str) -> None:
    # Given an If-Match that names no version of ours: a weak tag never matches, since If-Match
    # uses the strong comparison (RFC 9110 §13.1.1), even when its digits are the current version
    expected = parse_if_match(header)

    # When a write checks it against the stored version 3
    with pytest.raises(PreconditionFailedError) as refused:
        check_version(3, expected, "entry")

    # Then it is a 412 that says why and what the current version is
    assert refused.value.status == 412
    assert why in refused.value.message
    assert 'If-Match: "3"' in refused.value.message
    assert refused.value.details == {"current_version": 3}


@pytest.mark.parametrize(
    ("header", "refusal"),
    [(None, PreconditionRequiredError), ("*", PreconditionRequiredError), ('"abc"', PreconditionFailedError)],
)
def test_an_unusable_if_match_is_kept_for_logic_to_raise_after_the_role_check(
    header: str | None, refusal: type
) -> None:
    # Returned, not raised: a caller whose role is refused must hear 403 first (RFC 9110 §13.2.1)
    with pytest.raises(refusal):
        check_version(1, expected_version(header), "blog")
    assert expected_version('"7"') == 7


def event(
    body: str | None, content_type: str | None = "application/json", base64_encoded: bool = False
) -> dict:
    headers = {"content-type": content_type} if content_type else {}
    return {"body": body, "headers": headers, "isBase64Encoded": base64_encoded}


def test_envelope_accepts_json_and_bodiless_requests() -> None:
    for accepted in (
        event('{"a": 1}'),
        event('{"a": 1}', "application/json; charset=utf-8"),
        event(None, None),
    ):
        refuse_oversize_body(accepted, 1024)
        refuse_non_json_body(accepted)


def test_envelope_counts_bytes_not_characters() -> None:
    refuse_oversize_body(event('"' + "é" * 510 + '"'), 1024)
    with pytest.raises(PayloadTooLargeError, match="1024"):
        refuse_oversize_body(event('"' + "é" * 512 + '"'), 1024)


def test_envelope_counts_base64_bodies_decoded() -> None:
    refuse_oversize_body(event(base64.b64encode(b"x" * 1024).decode(), base64_encoded=True), 1024)
    with pytest.raises(PayloadTooLargeError):
        refuse_oversize_body(event(base64.b64encode(b"x" * 1026).decode(), base64_encoded=True), 1024)


def test_the_size_check_reads_nothing_but_the_length() -> None:
    # Given a body over the limit that is neither JSON, nor declared as JSON, nor valid base64
    garbage = event("\x00" * 2000, "text/plain", base64_encoded=True)

    # Then it is refused for its size alone
    with pytest.raises(PayloadTooLargeError):
        refuse_oversize_body(garbage, 1024)


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_envelope_refuses_bodies_that_are_not_json(content_type: str | None) -> None:
    with pytest.raises(UnsupportedMediaTypeError):
        refuse_non_json_body(event("{}", content_type))


@pytest.mark.parametrize(
    ("claim", "groups"),
    [
        ("[editors]", {"editors"}),
        ("[editors contributors]", {"editors", "contributors"}),
        (["contributors"], {"contributors"}),
        ("editors,contributors", {"editors", "contributors"}),
        ("[]", set()),
        (None, set()),
    ],
)
def test_groups_claim_in_every_shape_api_gateway_sends(claim: object, groups: set[str]) -> None:
    assert parse_groups(claim) == groups


def test_principal_needs_a_subject_and_prefers_the_display_name() -> None:
    with pytest.raises(UnauthorizedError):
        principal_from_claims({})
    with pytest.raises(UnauthorizedError):
        principal_from_claims(None)
    editor = principal_from_claims(
        {
            "sub": "u1",
            "token_use": "id",
            "name": "Eda Harbour",
            "cognito:username": "eda",
            "cognito:groups": "[editors]",
        }
    )
    assert editor.is_editor
    assert editor.author.name == "Eda Harbour"
    assert principal_from_claims({"sub": "u2", "token_use": "id", "cognito:username": "sam"}).name == "sam"
    assert not principal_from_claims({"sub": "u3", "token_use": "id"}).is_member


@pytest.mark.parametrize("token_use", ["access", None, "refresh", ""])
def test_only_an_id_token_names_the_author(token_use: str | None) -> None:
    # Given the claims of a Cognito access token (as the authorizer passes them: it accepts both
    # kinds), or of a token that does not say what it is for
    claims = {"sub": "u4", "username": "eda", "cognito:groups": "[editors]", "client_id": "c"}
    if token_use is not None:
        claims["token_use"] = token_use

    # When the API asks who is calling
    with pytest.raises(UnauthorizedError) as refused:
        principal_from_claims(claims)

    # Then it refuses with a 401 that says which token to send
    assert refused.value.status == 401
    assert "ID token" in refused.value.message
    assert refused.value.details == {"token_use": token_use}


NOW = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("requested", "publish_at", "expected"),
    [
        (EntryStatus.DRAFT, None, (EntryStatus.DRAFT, None, None)),
        (EntryStatus.DRAFT, NOW + timedelta(hours=1), (EntryStatus.DRAFT, NOW + timedelta(hours=1), None)),
        (EntryStatus.PUBLISHED, None, (EntryStatus.PUBLISHED, None, NOW)),
        (
            EntryStatus.PUBLISHED,
            NOW + timedelta(hours=1),
            (EntryStatus.SCHEDULED, NOW + timedelta(hours=1), None),
        ),
        (EntryStatus.PUBLISHED, NOW - timedelta(hours=1), (EntryStatus.PUBLISHED, None, NOW)),
        (
            EntryStatus.SCHEDULED,
            NOW + timedelta(minutes=5),
            (EntryStatus.SCHEDULED, NOW + timedelta(minutes=5), None),
        ),
        (EntryStatus.SCHEDULED, NOW - timedelta(minutes=5), (EntryStatus.PUBLISHED, None, NOW)),
    ],
)
def test_what_an_editor_asks_for_and_what_they_get(
    requested: EntryStatus, publish_at: datetime | None, expected: tuple
) -> None:
    assert resolve_publication(requested, publish_at, None, NOW) == expected


def test_republishing_keeps_the_first_publication_time() -> None:
    earlier = NOW - timedelta(hours=2)
    assert resolve_publication(EntryStatus.PUBLISHED, None, earlier, NOW) == (
        EntryStatus.PUBLISHED,
        None,
        earlier,
    )


def test_scheduling_without_a_time_is_refused() -> None:
    with pytest.raises(UnprocessableError):
        resolve_publication(EntryStatus.SCHEDULED, None, None, NOW)


KEYS = frozenset({"PK", "SK"})


def test_cursors_round_trip_and_are_opaque() -> None:
    key = {"PK": "BLOG#01JDQ5V7Z8YB6T3M2W4K9C1E0F", "SK": "ENTRY#01JDQ6A3R4S5T6V7W8X9Y0Z1AB"}
    cursor = encode_cursor(key)
    assert cursor
    assert "BLOG#" not in cursor
    assert "=" not in cursor
    assert decode_cursor(cursor, {"PK": key["PK"]}, KEYS) == key
    assert encode_cursor(None) is None
    assert decode_cursor(None, {}, KEYS) is None


def _forge(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",
        _forge([1, 2]),
        _forge({"PK": "BLOG#other", "SK": "ENTRY#x"}),
        _forge({"PK": "BLOG#mine"}),
        _forge({"PK": "BLOG#mine", "SK": "ENTRY#x", "extra": "y"}),
        _forge({"PK": "BLOG#mine", "SK": 5}),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_forged_or_foreign_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursorError):
        decode_cursor(cursor, {"PK": "BLOG#mine"}, KEYS)


def nested_in_a_field(depth: int, before: str = '"x"') -> str:
    """An object whose field "b" nests arrays so that the deepest value is `depth` levels down, between
    two strings: a count that misreads where the first ends takes the arrays for text."""
    return '{"a": ' + before + ', "b": ' + "[" * (depth - 1) + "1" + "]" * (depth - 1) + ', "c": "z"}'


@pytest.mark.parametrize(
    "before",
    [
        pytest.param('"x"', id="plain"),
        pytest.param(r'"ends in an escaped backslash\\"', id="escaped-backslash"),
        pytest.param(r'"\\\"[[[[{{{{"', id="escaped-backslash-then-escaped-quote"),
        pytest.param(r'"\"]]]]}}}}"', id="escaped-quote-then-closing-brackets"),
    ],
)
def test_nesting_is_counted_outside_strings_whatever_they_escape(before: str) -> None:
    # Given a string that a careless count would leave open, or whose brackets it would count
    # When the arrays after it nest exactly to the limit, then one level more
    at_limit = strict_json_loads(nested_in_a_field(MAX_JSON_DEPTH, before))

    # Then the first is parsed as sent and the second refused for its nesting
    assert at_limit["a"] == json.loads(before)
    with pytest.raises(json.JSONDecodeError, match=f"deeper than {MAX_JSON_DEPTH}"):
        strict_json_loads(nested_in_a_field(MAX_JSON_DEPTH + 1, before))


def test_nesting_past_the_parsers_own_limit_is_refused_as_too_deep() -> None:
    with pytest.raises(json.JSONDecodeError, match=f"deeper than {MAX_JSON_DEPTH}"):
        strict_json_loads("[" * 100_000 + "]" * 100_000)
