"""Field types shared by every model: ids, slugs, text with limits, UTC timestamps."""

import re
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

ULID_PATTERN = r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$"
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
# The constraints of a slug, shared by the field and the lookup by slug (GET /blogs?slug=).
SLUG_FIELD: dict[str, Any] = {"min_length": 3, "max_length": 80, "pattern": SLUG_PATTERN}
_ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
_MANY_LINES = r"^[^\x00-\x09\x0b\x0c\x0e-\x1f\x7f]*$"  # newlines and CR LF pasted from Windows


def is_trusted(info: ValidationInfo) -> bool:
    """True when validating what we stored ourselves: it was checked on write, and re-checking
    it against today's settings (say, a shorter embed allowlist) must not make old content unreadable."""
    return bool(info.context and info.context.get("trusted"))


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # year 1 or 9999 with an offset falls off the calendar in UTC
        raise ValueError("time is out of range") from exc


def format_utc(value: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the millisecond: sortable as text, which the table relies on."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


TIME_EXAMPLE = '"2026-11-28T09:00:00-04:00" or "2026-11-28T13:00:00Z"'
# pydantic's words for these ("invalid character in year") describe its parser, not what to send;
# its reason is kept only for a value that is ISO 8601 in shape ("month value is outside ... 1-12").
_UNREADABLE_TIME = frozenset({"datetime_parsing", "datetime_from_date_parsing", "datetime_type"})
_ISO_DATE_START = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _explain_time(value: Any, parse: ValidatorFunctionWrapHandler) -> datetime:
    try:
        parsed: datetime = parse(value)
    except ValidationError as exc:
        problems = exc.errors()
        if any(error["type"] == "timezone_aware" for error in problems):
            raise PydanticCustomError(
                "timezone_aware",
                "a time needs its offset from UTC, such as {example}",
                {"example": TIME_EXAMPLE},
            ) from None
        unreadable = [error for error in problems if error["type"] in _UNREADABLE_TIME]
        if unreadable:
            message = "expected an ISO 8601 time with its offset, such as {example}"
            reason = (unreadable[0].get("ctx") or {}).get("error")
            if reason and isinstance(value, str) and _ISO_DATE_START.match(value):
                message += " ({reason})"
            context = {"example": TIME_EXAMPLE, "reason": str(reason)}
            raise PydanticCustomError("datetime_format", message, context) from None
        raise
    return parsed


@lru_cache(maxsize=1)
def iana_time_zones() -> frozenset[str]:
    """The zone names of the tzdata package, the list zoneinfo.available_timezones() reads too.

    Not the system's zoneinfo folder: Lambda's runtime may have none, and where there is one it also
    holds files that load as zones but name no place (posixrules, localtime, posix/*, right/*).
    """
    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    return frozenset(listed) - {"Factory"}  # a placeholder ("-00") for systems with no zone set


def _check_time_zone(name: str, info: ValidationInfo) -> str:
    if not is_trusted(info) and name not in iana_time_zones():
        raise ValueError(f"{name!r} is not a time zone; expected an IANA time zone such as 'Europe/Paris'")
    return name


UtcDateTime = Annotated[
    AwareDatetime,
    WrapValidator(_explain_time),
    AfterValidator(_to_utc),
    PlainSerializer(format_utc, return_type=str),
    Field(
        description="UTC, ISO 8601 with a Z suffix; inputs must carry an offset",
        examples=["2026-11-28T14:05:00.000Z"],
    ),
]
Ulid = Annotated[str, Field(pattern=ULID_PATTERN, examples=["01JDQ5V7Z8YB6T3M2W4K9C1E0F"])]
BlogId = Ulid
EntryId = Ulid
PhotoId = Ulid
Version = Annotated[int, Field(ge=1, description="Increases by one on every change; sent as the ETag")]
Slug = Annotated[
    str,
    Field(
        **SLUG_FIELD,
        description="Lowercase letters, digits and single hyphens; it names the blog's public URLs",
        examples=["harbour-city-marathon-2026"],
    ),
]
LanguageTag = Annotated[
    str, Field(pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,3}$", examples=["en", "fr-CA"])
]
TimeZoneName = Annotated[
    str, Field(max_length=64, examples=["America/Toronto"]), AfterValidator(_check_time_zone)
]


# Plain text: trimmed, bounded, no control characters. Readers must escape it: it is text, not HTML.
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=_ONE_LINE)
]
KeyPoint = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300, pattern=_ONE_LINE)
]
Summary = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2_000, pattern=_MANY_LINES)]
QuoteText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000, pattern=_MANY_LINES)
]
Caption = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1_000, pattern=_MANY_LINES)]
AltText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500, pattern=_MANY_LINES)]


class Model(BaseModel):
    """Base of every model: its validator is built on first use rather than at import.

    A cold start imports every model, and each invocation uses a few of them; building them all
    up front cost most of liveblog.models' import time (bench/cold_start.py).
    """

    model_config = ConfigDict(defer_build=True)


class StrictModel(Model):
    """What clients send: unknown fields are refused rather than silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Author(Model):
    id: Annotated[str, Field(min_length=1, max_length=128, description="The user's id (token subject)")]
    name: Annotated[str, Field(min_length=1, max_length=200, description="Display name for bylines")]


ItemT = TypeVar("ItemT")


class Page(Model, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None = Field(
        default=None, description="Pass as ?cursor= to get the next page; absent on the last page"
    )
