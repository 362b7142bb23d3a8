"""Embeds come only from allowlisted providers; look-alikes and tricks are refused."""

from collections.abc import Callable

import pytest

from liveblog.embeds import embed_provider
from liveblog.models import EmbedBlock
from liveblog.settings import DEFAULT_EMBED_HOSTS, ContentSettings, content_settings


@pytest.mark.parametrize(
    ("url", "provider"),
    [
        ("https://youtube.com/watch?v=dQw4w9WgXcQ", "youtube"),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube"),
        ("https://m.youtube.com/watch?v=dQw4w9WgXcQ", "youtube"),
        ("https://youtu.be/dQw4w9WgXcQ", "youtube"),
        ("https://vimeo.com/76979871", "vimeo"),
        ("https://player.vimeo.com/video/76979871", "vimeo"),
        ("https://x.com/cityhall/status/1850000000000000000", "x"),
        ("https://twitter.com/cityhall/status/1850000000000000000", "x"),
        ("https://www.twitter.com/cityhall/status/1", "x"),
        ("https://mobile.twitter.com/cityhall/status/1", "x"),
        ("https://bsky.app/profile/cityhall.bsky.social/post/3kabc", "bluesky"),
        ("https://instagram.com/p/C0abc/", "instagram"),
        ("https://www.instagram.com/p/C0abc/", "instagram"),
        ("https://www.tiktok.com/@newsroom/video/7300000000000000000", "tiktok"),
        ("https://m.tiktok.com/v/7300000000000000000", "tiktok"),
    ],
)
def test_default_providers_are_accepted_with_their_name(url: str, provider: str) -> None:
    # Given a URL from one of the default providers, on the bare host or a subdomain
    # When its provider is looked up against the defaults
    name = embed_provider(url, DEFAULT_EMBED_HOSTS)
    # Then the reader's app is told which player to use
    assert name == provider


@pytest.mark.parametrize(
    "url",
    [
        "https://WWW.YouTube.COM/watch?v=1",
        "HTTPS://youtube.com/watch?v=1",
        "https://youtube.com./watch?v=1",
        "https://youtube.com:443/watch?v=1",
    ],
)
def test_equivalent_spellings_of_an_allowed_url_are_accepted(url: str) -> None:
    # Given an allowed URL written with capitals, a trailing dot or the default port
    # When its provider is looked up
    name = embed_provider(url, DEFAULT_EMBED_HOSTS)
    # Then it is the same provider
    assert name == "youtube"


@pytest.mark.parametrize(
    "url",
    [
        "http://www.youtube.com/watch?v=1",
        "ftp://youtube.com/video",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//www.youtube.com/watch?v=1",
        "www.youtube.com/watch?v=1",
    ],
)
def test_anything_but_https_is_refused(url: str) -> None:
    # Given an embed URL that is not https
    # When its provider is looked up
    with pytest.raises(ValueError) as refused:
        embed_provider(url, DEFAULT_EMBED_HOSTS)
    # Then the editor is told to use https
    assert str(refused.value) == "embed URLs must use https"


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://example.com/video", "example.com"),
        ("https://youtube.com.evil.example/watch?v=1", "youtube.com.evil.example"),
        ("https://evilyoutube.com/watch?v=1", "evilyoutube.com"),
        ("https://notx.com/status/1", "notx.com"),
        ("https://x.com.evil.example/status/1", "x.com.evil.example"),
        ("https://youtube.co/watch?v=1", "youtube.co"),
        ("https://evil.example/.youtube.com/watch", "evil.example"),
        ("https://evil.example#.youtube.com", "evil.example"),
        ("https://evil.example?.youtube.com", "evil.example"),
        ("https://xn--youtube.com/", "xn--youtube.com"),
    ],
)
def test_other_and_look_alike_hosts_are_refused(url: str, host: str) -> None:
    # Given a URL whose real host is not an allowed provider or a subdomain of one
    # When its provider is looked up
    with pytest.raises(ValueError) as refused:
        embed_provider(url, DEFAULT_EMBED_HOSTS)
    # Then the message names the host and lists what is allowed
    assert str(refused.value) == (
        f"embeds from {host!r} are not allowed; allowed: "
        "youtube.com, youtu.be, vimeo.com, x.com, twitter.com, bsky.app, instagram.com, tiktok.com"
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://user:secret@www.youtube.com/watch?v=1",
        "https://user@www.youtube.com/watch?v=1",
        "https://x.com@evil.example/status/1",
        "https://www.youtube.com:8443/watch?v=1",
        "https://www.youtube.com:80/watch?v=1",
    ],
)
def test_credentials_and_ports_are_refused(url: str) -> None:
    # Given an embed URL with userinfo or a non-default port
    # When its provider is looked up
    with pytest.raises(ValueError) as refused:
        embed_provider(url, DEFAULT_EMBED_HOSTS)
    # Then it is refused: userinfo is the classic way to disguise the real host
    assert str(refused.value) == "embed URLs may not carry credentials or a port"


PLAIN_HOST = "embed URLs must name a plain host such as www.youtube.com"


@pytest.mark.parametrize("url", ["https://", "https:///watch?v=1", "https:www.youtube.com/watch?v=1"])
def test_url_without_a_host_is_refused(url: str) -> None:
    # Given an https URL with no host at all, as urlsplit reads it
    # When its provider is looked up
    with pytest.raises(ValueError) as refused:
        embed_provider(url, DEFAULT_EMBED_HOSTS)
    # Then it is refused as not naming a plain host, rather than naming an empty one
    assert str(refused.value) == PLAIN_HOST


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("https://evil.example\\.youtube.com/watch?v=1", id="backslash"),
        pytest.param("https://evil.example%2F.youtube.com/watch?v=1", id="percent-slash"),
        pytest.param("https://evil.example%2f.youtube.com/watch?v=1", id="percent-slash-lower"),
        pytest.param("https://www%2Eyoutube.com/watch?v=1", id="percent-dot"),
        pytest.param("https://www.youtube.com%00/watch?v=1", id="percent-nul"),
        pytest.param("https://www.youtube.com\u3002evil.example/", id="ideographic-full-stop"),
        pytest.param("https://\u0130youtube.com/", id="non-ascii-letter"),
        pytest.param("https://www_youtube.com/", id="underscore"),
        pytest.param("https://[::1]/watch?v=1", id="ipv6-literal"),
    ],
)
def test_hosts_that_browsers_could_read_differently_are_refused(url: str) -> None:
    # Given a URL whose authority is not plain letters, digits, dots, hyphens and a port: browsers read
    # a backslash as '/' and decode escapes, so evil.example<backslash>.youtube.com opens evil.example
    # When its provider is looked up
    with pytest.raises(ValueError) as refused:
        embed_provider(url, DEFAULT_EMBED_HOSTS)
    # Then it is refused before the allowlist is consulted, not accepted as YouTube
    assert str(refused.value) == PLAIN_HOST


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://evil.example\\.youtube.com/watch?v=1", "embed URLs must use https"),
        ("https://user@evil.example\\.youtube.com/", "embed URLs may not carry credentials or a port"),
        ("https://evil.example\\@www.youtube.com/", "embed URLs may not carry credentials or a port"),
        ("https://evil.example%2F.youtube.com:8443/", "embed URLs may not carry credentials or a port"),
        ("https://evil.example%2F.example.com/", PLAIN_HOST),
    ],
)
def test_https_then_credentials_and_port_then_plain_host_then_allowlist(url: str, message: str) -> None:
    # Given a URL with more than one problem
    # When its provider is looked up
    with pytest.raises(ValueError) as refused:
        embed_provider(url, DEFAULT_EMBED_HOSTS)
    # Then the first problem in the documented order is the one reported
    assert str(refused.value) == message


def test_custom_allowlist_is_honoured(embed_hosts: Callable[[str], None]) -> None:
    # Given a deployment that allows Vimeo and its own video host, written loosely
    embed_hosts(" Vimeo.com , video.example.org ,, ")
    # When the settings are read
    hosts = content_settings().embed_hosts
    # Then the list is trimmed, lowercased and empty items dropped
    assert hosts == ("vimeo.com", "video.example.org")
    # And its own host is accepted, named after the host since it is not a known provider
    assert embed_provider("https://cdn.video.example.org/v/1", hosts) == "video.example.org"
    # And a default provider it left out is refused
    with pytest.raises(ValueError) as refused:
        embed_provider("https://www.youtube.com/watch?v=1", hosts)
    assert str(refused.value) == (
        "embeds from 'www.youtube.com' are not allowed; allowed: vimeo.com, video.example.org"
    )


def test_defaults_apply_when_nothing_is_configured() -> None:
    # Given no LIVEBLOG_EMBED_HOSTS in the environment
    # When the settings are read
    settings = ContentSettings.from_environment()
    # Then the documented providers are allowed
    assert settings.embed_hosts == (
        "youtube.com",
        "youtu.be",
        "vimeo.com",
        "x.com",
        "twitter.com",
        "bsky.app",
        "instagram.com",
        "tiktok.com",
    )


def test_embed_block_uses_the_configured_allowlist(embed_hosts: Callable[[str], None]) -> None:
    # Given a deployment that allows only Vimeo
    embed_hosts("vimeo.com")
    # When an editor sends a YouTube embed and a Vimeo embed
    vimeo = EmbedBlock.model_validate({"type": "embed", "url": "https://vimeo.com/76979871"})
    with pytest.raises(ValueError) as refused:
        EmbedBlock.model_validate({"type": "embed", "url": "https://www.youtube.com/watch?v=1"})
    # Then Vimeo is accepted and YouTube refused with the reason
    assert vimeo.provider == "vimeo"
    assert "embeds from 'www.youtube.com' are not allowed; allowed: vimeo.com" in str(refused.value)


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        (
            'https://www.youtube.com/watch?v="><script>window.__xss=1</script>',
            "https://www.youtube.com/watch?v=%22%3E%3Cscript%3Ewindow.__xss=1%3C/script%3E",
        ),
        ("https://vimeo.com/1#'onload='x", "https://vimeo.com/1#%27onload=%27x"),
        ("https://www.youtube.com/watch?v=x\n<b>", "https://www.youtube.com/watch?v=x%0A%3Cb%3E"),
        (
            "https://www.youtube.com/results?q=café storm",
            "https://www.youtube.com/results?q=caf%C3%A9%20storm",
        ),
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1%2C2",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1%2C2",
        ),
    ],
)
def test_embed_urls_are_stored_percent_encoded_as_browsers_send_them(url: str, stored: str) -> None:
    # Given an embed URL with characters a URL may not hold raw: quotes, angle brackets, a newline,
    # a space, non-ASCII (or none of them, already escaped)
    # When an editor sends it
    block = EmbedBlock.model_validate({"type": "embed", "url": url})
    # Then it is stored with those percent-encoded, so a site templating it into src="…" cannot be
    # broken out of, and what was already escaped is left alone
    assert block.url == stored
    assert EmbedBlock.model_validate(block.model_dump(), context={"trusted": True}).url == stored


def test_an_embed_url_that_escaping_takes_past_the_limit_is_refused_not_stored_unreadable() -> None:
    # Given a URL under 2,048 characters that percent-encoding takes over it
    url = "https://www.youtube.com/watch?v=" + "<" * 700
    # When an editor sends it
    with pytest.raises(ValueError) as refused:
        EmbedBlock.model_validate({"type": "embed", "url": url})
    # Then it is refused: stored, it would fail the limit when read back and stop the renderer
    assert "at most 2048 characters once percent-encoded" in str(refused.value)
    # And a plain URL of exactly 2,048 characters is still accepted
    longest = "https://www.youtube.com/watch?v=" + "a" * (2_048 - 32)
    assert EmbedBlock.model_validate({"type": "embed", "url": longest}).url == longest
