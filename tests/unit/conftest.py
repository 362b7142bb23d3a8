"""Shared fixtures for unit tests: pure functions and models, no AWS."""

from collections.abc import Callable, Iterator

import pytest

from liveblog.settings import content_settings


@pytest.fixture(autouse=True)
def _default_embed_hosts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every unit test starts from the default allowlist, whatever the shell exports.

    content_settings() is cached for the life of a Lambda container, so the cache is cleared on both
    sides of each test; otherwise one test's hosts would leak into the next.
    """
    monkeypatch.delenv("LIVEBLOG_EMBED_HOSTS", raising=False)
    content_settings.cache_clear()
    yield
    content_settings.cache_clear()


@pytest.fixture
def embed_hosts(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Set LIVEBLOG_EMBED_HOSTS (comma-separated) as a deployment would, for one test."""

    def allow(hosts: str) -> None:
        monkeypatch.setenv("LIVEBLOG_EMBED_HOSTS", hosts)
        content_settings.cache_clear()

    return allow
