"""Inline HTML for paragraphs and list items: refuse what is dangerous, clean the rest with nh3.

Two steps on purpose. nh3 is the authority on what survives, but silently dropping a script or a
javascript: link would hide an attack (or a broken paste) from the editor, so those are refused
with a message that names them. Harmless formatting outside the subset (<span>, <p>, style=...)
is stripped quietly, keeping its text: that is what pasting from a word processor produces.
"""

import re
from html import unescape
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = frozenset({"b", "strong", "i", "em", "a", "br"})
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

# Elements that execute, load or embed something, or are commonly used to smuggle markup.
REFUSED_TAGS = frozenset(
    {
        "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
        "input", "button", "textarea", "select", "option", "svg", "math", "link", "meta", "base",
        "template", "img", "picture", "video", "audio", "source", "track", "noscript", "xmp",
        "plaintext", "noembed", "noframes", "portal",
    }
)  # fmt: skip
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "srcset", "data", "poster"})

_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    # "*" given explicitly: otherwise ammonia keeps lang and title on every tag.
    attributes={"a": {"href"}, "*": set()},
    url_schemes=set(ALLOWED_URL_SCHEMES),
    link_rel=LINK_REL,
    url_relative="deny",
    strip_comments=True,
)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_TAG = re.compile(r"<[^>]*>")


def url_scheme(url: str) -> str | None:
    """The scheme a browser would see: it drops tabs and newlines and leading controls or spaces."""
    cleaned = _TAB_OR_NEWLINE.sub("", url).lstrip("".join(map(chr, range(0x21))))
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in REFUSED_TAGS:
            self.problems.append(f"<{tag}> is not allowed; only b, strong, i, em, a and br are")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler attribute {name!r} is not allowed")
            elif name in URL_ATTRIBUTES and value is not None:
                scheme = url_scheme(value)
                if scheme is None:
                    self.problems.append(f"link {value[:80]!r} must be an absolute http, https or mailto URL")
                elif scheme not in ALLOWED_URL_SCHEMES:
                    self.problems.append(f"{scheme}: links are not allowed; use http, https or mailto")

    handle_startendtag = handle_starttag


def sanitize_inline_html(html: str) -> str:
    """Return the cleaned fragment, or raise ValueError naming what was refused."""
    if "<!" in html or "<?" in html:
        # Browsers, html.parser and nh3 disagree on where odd comments and CDATA end, which could
        # hide markup from the inspector; nothing an editor needs is written that way.
        raise ValueError("HTML comments, CDATA and declarations (<!…>, <?…>) are not allowed")
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    if inspector.problems:
        raise ValueError("; ".join(dict.fromkeys(inspector.problems)))
    cleaned = _CLEANER.clean(html).strip()
    if not visible_text(cleaned).strip():
        raise ValueError("must contain some text")
    return cleaned


def visible_text(html: str) -> str:
    """Rough text content of a cleaned fragment, for emptiness checks and plain-text summaries."""
    return unescape(_TAG.sub("", html))
