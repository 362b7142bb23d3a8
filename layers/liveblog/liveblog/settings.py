"""Settings read once per cold start from the function's environment (see template.yaml)."""

import os
from functools import lru_cache
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ENV_PREFIX = "LIVEBLOG_"


class EnvironmentSettings(BaseModel):
    """Fields filled from LIVEBLOG_<FIELD> environment variables, then validated by pydantic.

    pydantic-settings does this and much more (dotenv, secrets, CLI), at about 40 ms of every cold
    start (bench/cold_start.py); these functions read nothing but plain variables.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    @classmethod
    def from_environment(cls) -> Self:
        return cls.model_validate({})

    @model_validator(mode="before")
    @classmethod
    def _read_environment(cls, data: Any) -> Any:
        given = dict(data) if isinstance(data, dict) else {}
        for name in cls.model_fields:
            value = os.environ.get(f"{ENV_PREFIX}{name.upper()}")
            if value is not None and name not in given:
                given[name] = value
        return given


DEFAULT_EMBED_HOSTS = (
    "youtube.com",
    "youtu.be",
    "vimeo.com",
    "x.com",
    "twitter.com",
    "bsky.app",
    "instagram.com",
    "tiktok.com",
)


class ContentSettings(EnvironmentSettings):
    """What editors may put in an entry, and how long a deleted one is kept; shared by every
    function that validates or writes content."""

    # A host is allowed when it equals one of these or is a subdomain of one (www.youtube.com).
    embed_hosts: tuple[str, ...] = DEFAULT_EMBED_HOSTS
    # Long enough for an editor to review a takedown, short enough to honour a privacy or legal
    # request to erase the words; readers lost the entry at deletion.
    deleted_entry_retention_days: int = Field(default=30, ge=1, le=3650)

    @field_validator("embed_hosts", mode="before")
    @classmethod
    def _split_comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(host.strip().lower() for host in value.split(",") if host.strip())
        return value


class TableSettings(EnvironmentSettings):
    table_name: str = Field(min_length=1)


class PhotoLimits(EnvironmentSettings):
    """What an upload may be; the API signs it into the presigned POST, the media function re-checks it."""

    photo_max_bytes: int = Field(default=30 * 1024 * 1024, ge=1024)
    # Width x height of the source. 24-megapixel cameras are common; 60 MP still decodes in the
    # media function's memory, and a bomb that claims more is refused before decoding.
    photo_max_pixels: int = Field(default=60_000_000, ge=10_000)
    # Scans (decoding passes) of a JPEG; a file of thousands of tiny scans takes minutes to decode at a
    # size the pixel limit allows. Below 18, libjpeg's own progressive CMYK files would be refused.
    photo_max_scans: int = Field(default=32, ge=18)


class AdminApiSettings(TableSettings, PhotoLimits):
    idempotency_table_name: str = Field(min_length=1)
    idempotency_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    media_bucket: str = Field(min_length=1)
    # Where a deleted photo's renditions are purged; empty locally, where there is no CDN to purge.
    distribution_id: str = ""
    # Long enough for a slow newsroom connection to send 30 MB, short enough that a leaked form is stale.
    upload_expiry_seconds: int = Field(default=900, ge=60, le=3600)


class MediaSettings(TableSettings, PhotoLimits):
    media_bucket: str = Field(min_length=1)


class RendererSettings(TableSettings):
    snapshot_bucket: str = Field(min_length=1)
    distribution_id: str = ""
    # Absolute base for URLs that must be absolute (schema.org images); empty keeps them relative.
    public_base_url: str = ""


@lru_cache(maxsize=1)
def content_settings() -> ContentSettings:
    return ContentSettings.from_environment()
