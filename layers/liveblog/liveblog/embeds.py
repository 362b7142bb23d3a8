"""Embeds come only from an allowlist of providers (settings: LIVEBLOG_EMBED_HOSTS)."""

import re
from urllib.parse import quote, urlsplit

# Anything outside this (a backslash, a percent-escape) is read differently by browsers than by
# urlsplit, which is how "https://evil.example\\.youtube.com" would pass as YouTube.
_PLAIN_HOST = re.compile(r"^[a-z0-9.-]+$")
_PLAIN_AUTHORITY = re.compile(r"^[A-Za-z0-9.\-:]+$")

# What a URL may hold as it is (RFC 3986's unreserved and reserved characters, and % for escapes
# already made), less the apostrophe, which browsers escape in queries too.
_URL_CHARACTERS = "!#$&()*+,/:;=?@[]~%"

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


def canonical_url(url: str) -> str:
    """The URL with what may not stand raw in one percent-encoded (spaces, controls, quotes, angle
    brackets, backslashes, non-ASCII as UTF-8), as a browser's address bar would send it. Readers'
    apps put embed URLs into src and href attributes: encoded, a URL cannot end the attribute."""
    return quote(url, safe=_URL_CHARACTERS)


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
