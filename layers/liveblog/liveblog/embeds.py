"""Embeds come only from an allowlist of providers (settings: LIVEBLOG_EMBED_HOSTS)."""

import re
from urllib.parse import urlsplit

# Anything outside this (a backslash, a percent-escape) is read differently by browsers than by
# urlsplit, which is how "https://evil.example\\.youtube.com" would pass as YouTube.
_PLAIN_HOST = re.compile(r"^[a-z0-9.-]+$")
_PLAIN_AUTHORITY = re.compile(r"^[A-Za-z0-9.\-:]+$")

PROVIDER_NAMES = {
    "youtube.com": "youtube",
    "youtu.be": "youtube",
    "vimeo.com": "vimeo",
    "x.com": "x",
    "twitter.com": "x",
    "bsky.app": "bluesky",
    "instagram.com": "instagram",
    "tiktok.com": "tiktok",
}


def embed_provider(url: str, allowed_hosts: tuple[str, ...]) -> str:
    """The provider name for an embed URL, or ValueError saying why the URL is refused."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        raise ValueError("embed URLs must use https")
    try:
        port = parts.port
    except ValueError as exc:  # urlsplit refuses a malformed port only when asked for it
        raise ValueError("embed URLs may not carry credentials or a port") from exc
    if parts.username or parts.password or port not in (None, 443):
        raise ValueError("embed URLs may not carry credentials or a port")
    host = (parts.hostname or "").lower().rstrip(".")
    if not _PLAIN_AUTHORITY.match(parts.netloc) or not _PLAIN_HOST.match(host):
        raise ValueError("embed URLs must name a plain host such as www.youtube.com")
    for allowed in allowed_hosts:
        if host == allowed or host.endswith("." + allowed):
            return PROVIDER_NAMES.get(allowed, allowed)
    raise ValueError(f"embeds from {host!r} are not allowed; allowed: {', '.join(allowed_hosts)}")
