"""The XSS corpus (xss_payloads.txt) and the checks that published content carries nothing executable.

The checks read markup the way a browser does (html5lib implements the WHATWG parsing algorithm),
so that what they call inert is inert in a reader's browser, not merely in a regex's opinion.
"""

import json
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import html5lib
from html5lib.serializer import HTMLSerializer

CORPUS = Path(__file__).with_name("xss_payloads.txt")
_CODE_POINT = re.compile(r"\\u\{([0-9a-fA-F]{1,6})\}")

# The contract (DESIGN.md, models/blocks.py): paragraphs and list items are inline HTML limited to
# these elements, and a link may carry only its href and the rel the server sets.
INLINE_TAGS = frozenset({"b", "strong", "i", "em", "a", "br"})
INLINE_ATTRIBUTES = {"a": frozenset({"href", "rel"})}
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# Elements that run, load, embed, navigate or restyle, or hide markup from a sanitiser.
DANGEROUS_TAGS = frozenset(
    {
        "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta", "form",
        "style", "link", "svg", "math", "template", "noscript", "noembed", "noframes", "xmp",
        "plaintext", "portal", "input", "button", "textarea", "select", "isindex", "keygen", "img",
        "image", "video", "audio", "source", "bgsound", "title",
    }
)  # fmt: skip
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "srcset", "data", "poster", "background"}
)
_C0_OR_SPACE = "".join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
# What would end an HTML attribute a page templates a URL into, or a URL itself.
_ATTRIBUTE_BREAKERS = re.compile(r"[\x00-\x20\x7f\"'<>`]")
# What would end a <script> block, or switch it into the state where it can be ended early.
SCRIPT_BREAKERS = re.compile(r"</script|<!--|<script", re.IGNORECASE)


def load_payloads() -> list[str]:
    """The corpus in file order; \\u{HEX} in the file stands for that code point."""
    payloads = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        payloads.append(_CODE_POINT.sub(lambda match: chr(int(match.group(1), 16)), line))
    return payloads


def url_scheme(url: str) -> str | None:
    """The scheme a browser's URL parser sees (WHATWG URL): leading and trailing C0 controls and
    spaces are stripped and tabs and newlines removed anywhere; None for a relative URL."""
    cleaned = _TAB_OR_NEWLINE.sub("", url).strip(_C0_OR_SPACE)
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


def unsafe_url(url: str) -> str | None:
    """Why the URL could run script or load a document of its own, or None when it is http(s),
    mailto or relative. Entities are decoded first: a page templating the value into an
    attribute would have the browser decode them."""
    scheme = url_scheme(unescape(url))
    if scheme is None or scheme in SAFE_SCHEMES:
        return None
    return f"{scheme}: URL {url[:80]!r}"


def _local(name: Any) -> str:
    """Tag or attribute name without html5lib's {namespace} prefix; xlink:href keeps its prefix."""
    text = str(name)
    if text.startswith("{http://www.w3.org/1999/xlink}"):
        return "xlink:" + text.rsplit("}", 1)[1]
    return text.rsplit("}", 1)[-1].lower()


def _fragment(html: str) -> Any:
    return html5lib.parseFragment(html, container="div", treebuilder="etree", namespaceHTMLElements=False)


def _elements(html: str) -> Iterator[Any]:
    """Every element and comment of the parsed fragment, without the fragment node itself."""
    fragment = _fragment(html)
    return (node for node in fragment.iter() if node is not fragment)


def _reserialised(html: str) -> str:
    """What a browser's innerHTML would give back after parsing the fragment: markup that changes
    meaning on this round trip (mutation XSS) is caught by checking both forms."""
    walker = html5lib.getTreeWalker("etree")
    serializer = HTMLSerializer(quote_attr_values="always", omit_optional_tags=False)
    return "".join(serializer.serialize(walker(_fragment(html))))


def _problems_in_tree(html: str) -> Iterator[str]:
    for node in _elements(html):
        if callable(node.tag):  # html5lib's etree marks comments this way
            yield "an HTML comment"
            continue
        tag = _local(node.tag)
        if tag in DANGEROUS_TAGS:
            yield f"<{tag}> element"
        for raw_name, value in node.attrib.items():
            name = _local(raw_name)
            if name.startswith("on"):
                yield f"event handler {name}= on <{tag}>"
            elif name == "style":
                yield f"style= on <{tag}>"
            elif name in URL_ATTRIBUTES:
                urls = [candidate.split()[0] for candidate in value.split(",") if candidate.split()]
                for url in urls if name == "srcset" else [value]:
                    if reason := unsafe_url(url):
                        yield f"{name}= with a {reason} on <{tag}>"


def executable_markup(html: str) -> list[str]:
    """Everything in an HTML string that could run script or load something when a browser
    parses it, as it stands and after one parse-and-serialise round trip."""
    found = list(_problems_in_tree(html))
    found += [f"{problem} after re-serialising" for problem in _problems_in_tree(_reserialised(html))]
    return list(dict.fromkeys(found))


def outside_inline_contract(html: str) -> list[str]:
    """Elements and attributes beyond the inline subset paragraphs and list items promise."""
    found = []
    for node in _elements(html):
        if callable(node.tag):
            found.append("an HTML comment")
            continue
        tag = _local(node.tag)
        if tag not in INLINE_TAGS:
            found.append(f"<{tag}>")
        for name in map(_local, node.attrib):
            if name not in INLINE_ATTRIBUTES.get(tag, frozenset()):
                found.append(f"{name}= on <{tag}>")
        if tag == "a" and url_scheme(node.attrib.get("href", "")) not in SAFE_SCHEMES:
            found.append(f"<a> without an absolute http, https or mailto href: {node.attrib.get('href')!r}")
    return found


# --- Snapshots ------------------------------------------------------------------------------------

URL_KEYS = frozenset({"url", "src", "latest_url", "@context"})


def html_strings(document: Any) -> Iterator[tuple[str, str]]:
    """(path, html) for every inline-HTML string in a snapshot: paragraph html and list items."""
    for path, node in _nodes(document):
        if isinstance(node, dict) and node.get("type") == "paragraph":
            yield f"{path}.html", node["html"]
        elif isinstance(node, dict) and node.get("type") == "list":
            for index, item in enumerate(node["items"]):
                yield f"{path}.items[{index}]", item


def url_strings(document: Any) -> Iterator[tuple[str, str]]:
    """(path, url) for every string a reader's page would put in an href or src."""
    for path, node in _nodes(document):
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            if key in URL_KEYS and isinstance(value, str):
                yield f"{path}.{key}", value
            elif key == "srcset" and isinstance(value, dict):
                for kind, srcset in value.items():
                    for candidate in srcset.split(","):
                        yield f"{path}.srcset.{kind}", candidate.strip().split(" ")[0]


def snapshot_problems(key: str, body: bytes) -> list[str]:
    """Everything executable in one published document, raw bytes and parsed values both."""
    text = body.decode("utf-8")
    problems = []
    # Sites inline these documents in <script> blocks (hydration data, the json_ld for
    # <script type=ld+json>): the raw bytes must not be able to end or subvert such a block.
    if breaker := SCRIPT_BREAKERS.search(text):
        problems.append(f"{key}: raw {breaker.group(0)!r} would break out of a <script> block")
    if "\u2028" in text or "\u2029" in text:
        problems.append(f"{key}: raw U+2028/U+2029 ends a string literal in pre-2019 JavaScript")
    document = json.loads(text)
    for path, html in html_strings(document):
        for problem in executable_markup(html) + outside_inline_contract(html):
            problems.append(f"{key} {path}: {problem} in {html[:120]!r}")
    for path, url in url_strings(document):
        if reason := unsafe_url(url):
            problems.append(f"{key} {path}: {reason}")
        if breaker := _ATTRIBUTE_BREAKERS.search(url):
            # A valid URL has these percent-encoded; raw, they let a URL end the attribute that
            # a site's template puts it in (<iframe src="{url}">) and start markup of its own.
            problems.append(f"{key} {path}: raw {breaker.group(0)!r} in URL {url[:80]!r}")
    return problems


def _nodes(node: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _nodes(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _nodes(value, f"{path}[{index}]")
