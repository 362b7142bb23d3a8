"""Every text field an editor controls, and how the corpus is spread over them.

A field kind names one place a payload can go (models/blog.py, entry.py, blocks.py, photo.py).
`accepts` asks the request models the API validates with whether a kind takes a payload, so the
tests can pack what is accepted into few requests and send what is refused on its own, where the
API must answer with a clean 422 naming the field.

Plain-text fields are text, never parsed, so several payloads may share one value ("a | b | c")
without changing what any of them means; that keeps the number of blocks, and the tests, small.
Inline HTML (paragraphs, list items) is parsed, so each payload there gets a value of its own: an
unclosed <textarea> in one must not hide the next. Embed URLs carry one raw payload each (nearly
all are refused), plus payloads packed into the query of an allowed URL.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from liveblog.models import BlogCreate, EntryCreate, PhotoCreate
from liveblog.models.blocks import Block

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
# Harmless values for the fields of a block that carry no payload.
BENIGN: dict[str, dict[str, Any]] = {
    "paragraph": {"type": "paragraph", "html": "Winds ease along the harbour wall."},
    "heading": {"type": "heading", "text": "Harbour wall"},
    "quote": {"type": "quote", "text": "Stay indoors until the all-clear.", "attribution": "Fire chief"},
    "photo": {"type": "photo", "caption": "Waves over the pier.", "credit": "Ana Ruiz/Port Avalon Post"},
    "embed": {"type": "embed", "url": YOUTUBE, "caption": "The storm from the lighthouse cam"},
}
PHOTO_PLACEHOLDER = "01JDQ7B8C9D0E1F2G3H4J5K6M7"
SEPARATOR = " | "


@dataclass(frozen=True)
class BlockField:
    """One field of one block type. `limit` is its maximum length when payloads share a value;
    None gives every payload a value of its own."""

    kind: str
    block: str
    field: str
    limit: int | None
    prefix: str = ""  # before the payloads: an allowed embed URL whose query carries them


BLOCK_FIELDS = (
    BlockField("paragraph html", "paragraph", "html", None),
    BlockField("heading text", "heading", "text", 200),
    BlockField("quote text", "quote", "text", 2_000),
    BlockField("quote attribution", "quote", "attribution", 200),
    BlockField("photo block caption", "photo", "caption", 1_000),
    BlockField("photo block credit", "photo", "credit", 200),
    BlockField("photo block alt", "photo", "alt", 500),
    BlockField("embed url", "embed", "url", None),
    # Percent-encoding may triple a payload's length, and the limit applies to the encoded URL.
    BlockField("embed url query", "embed", "url", 600, prefix=YOUTUBE + "&q="),
    BlockField("embed caption", "embed", "caption", 1_000),
)
LIST_ITEM = "list item"
LIST_ITEMS_PER_BLOCK = 50
HTML_KINDS = frozenset({"paragraph html", LIST_ITEM})
# One value per blog, entry or photo: a test publishes as many of these as it makes objects.
OBJECT_LIMITS = {
    "blog title": 200,
    "blog summary": 2_000,
    "blog key point": 300,
    "entry title": 200,
    "entry author name": 200,
    "photo caption": 1_000,
    "photo credit": 200,
    "photo alt": 500,
}
OBJECT_KINDS = tuple(OBJECT_LIMITS)
ALL_KINDS = (*(f.kind for f in BLOCK_FIELDS), LIST_ITEM, *OBJECT_KINDS)
_BLOCK = TypeAdapter(Block)
_BLOG_FIELDS = {"blog title": "title", "blog summary": "summary", "blog key point": "key_points"}
_PHOTO_FIELDS = {"photo caption": "caption", "photo credit": "credit", "photo alt": "alt"}
_PHOTO = {"filename": "pier.jpg", "content_type": "image/jpeg", "byte_size": 1}


def block_field(kind: str) -> BlockField:
    return next(field for field in BLOCK_FIELDS if field.kind == kind)


def refused_block(kind: str, payload: str, photo_id: str = PHOTO_PLACEHOLDER) -> dict[str, Any]:
    """A block whose field `kind` holds `payload` and whose other fields are harmless."""
    field = block_field(kind)
    block = {**BENIGN[field.block], field.field: field.prefix + payload}
    return block | ({"photo_id": photo_id} if field.block == "photo" else {})


def _validate(kind: str, payload: str) -> None:
    """Raise as the API's request models would on `payload` in the field `kind`."""
    if kind in {field.kind for field in BLOCK_FIELDS}:
        _BLOCK.validate_python(refused_block(kind, payload))
    elif kind == LIST_ITEM:
        _BLOCK.validate_python({"type": "list", "items": [payload]})
    elif kind in _BLOG_FIELDS:
        value = [payload] if kind == "blog key point" else payload
        BlogCreate.model_validate({"slug": "port-avalon-storm", "title": "Storm", _BLOG_FIELDS[kind]: value})
    elif kind == "entry title":
        EntryCreate.model_validate({"title": payload})
    elif kind in _PHOTO_FIELDS:
        PhotoCreate.model_validate(_PHOTO | {_PHOTO_FIELDS[kind]: payload})
    elif kind != "entry author name":  # the token's name claim, taken as it comes (logic/auth.py)
        raise KeyError(kind)


def accepts(kind: str, payload: str) -> bool:
    try:
        _validate(kind, payload)
    except ValueError:  # pydantic's ValidationError is one
        return False
    return True


def accepted(kind: str, payloads: list[str]) -> list[int]:
    return [index for index, payload in enumerate(payloads) if accepts(kind, payload)]


def packed(payloads: list[str], indices: list[int], limit: int | None) -> Iterator[tuple[str, list[int]]]:
    """Values of at most `limit` characters joining the payloads (trimmed, as the API trims), each
    with the corpus indices it carries; one value per payload when `limit` is None."""
    value, carried = "", []
    for index in indices:
        text = payloads[index] if limit is None else payloads[index].strip()
        joined = f"{value}{SEPARATOR}{text}" if value else text
        if value and (limit is None or len(joined) > limit):
            yield value, carried
            value, carried = text, [index]
        else:
            value, carried = joined, [*carried, index]
    if value:
        yield value, carried


@dataclass
class PlacedBlock:
    """A block to send, and the corpus indices each of its payload-carrying fields holds."""

    block: dict[str, Any]
    carries: dict[str, list[int]] = field(default_factory=dict)


def blocks_for(payloads: list[str], photo_id: Callable[[int], str]) -> list[PlacedBlock]:
    """Blocks that carry every payload in every block field that accepts it. Fields of one block
    type share blocks: the n-th quote carries the n-th value of both quote text and attribution."""
    placed: list[PlacedBlock] = []
    # A field with a payload per value gets blocks of its own: sharing, it would repeat the others.
    by_type: dict[tuple[str, bool], list[BlockField]] = {}
    for each in BLOCK_FIELDS:
        by_type.setdefault((each.block, each.limit is None), []).append(each)
    for fields in by_type.values():
        values = {f.kind: list(packed(payloads, accepted(f.kind, payloads), f.limit)) for f in fields}
        for n in range(max(map(len, values.values()))):
            block = dict(BENIGN[fields[0].block])
            carries = {}
            for f in fields:
                if n < len(values[f.kind]):
                    value, carried = values[f.kind][n]
                    block[f.field] = f.prefix + value
                    carries[f.kind] = carried
            if fields[0].block == "photo":
                block["photo_id"] = photo_id(n)
            placed.append(PlacedBlock(block, carries))
    items = accepted(LIST_ITEM, payloads)
    for start in range(0, len(items), LIST_ITEMS_PER_BLOCK):
        chunk = items[start : start + LIST_ITEMS_PER_BLOCK]
        block = {"type": "list", "ordered": start == 0, "items": [payloads[i] for i in chunk]}
        placed.append(PlacedBlock(block, {LIST_ITEM: chunk}))
    return placed
