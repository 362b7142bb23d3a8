"""Settings read once per cold start from the function's environment (see template.yaml)."""

from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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


class ContentSettings(BaseSettings):
    """What editors may put in an entry; shared by every function that validates content."""

    model_config = SettingsConfigDict(env_prefix="LIVEBLOG_", extra="ignore")

    # A host is allowed when it equals one of these or is a subdomain of one (www.youtube.com).
    embed_hosts: Annotated[tuple[str, ...], NoDecode] = DEFAULT_EMBED_HOSTS

    @field_validator("embed_hosts", mode="before")
    @classmethod
    def _split_comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(host.strip().lower() for host in value.split(",") if host.strip())
        return value


class TableSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIVEBLOG_", extra="ignore")

    table_name: str = Field(min_length=1)


class AdminApiSettings(TableSettings):
    idempotency_table_name: str = Field(min_length=1)
    idempotency_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)


class RendererSettings(TableSettings):
    snapshot_bucket: str = Field(min_length=1)
    distribution_id: str = ""


@lru_cache(maxsize=1)
def content_settings() -> ContentSettings:
    return ContentSettings()
