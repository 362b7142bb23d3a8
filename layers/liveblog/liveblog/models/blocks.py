"""Structured entry content. Blocks, not free HTML: readers' apps render each type natively."""

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictBool, ValidationInfo, model_validator

from liveblog.embeds import canonical_url, embed_provider
from liveblog.models.common import AltText, Caption, PhotoId, QuoteText, ShortText, StrictModel, is_trusted
from liveblog.sanitize import sanitize_inline_html
from liveblog.settings import content_settings

MAX_INLINE_HTML = 5_000
MAX_EMBED_URL = 2_048
MAX_LIST_ITEMS = 50
# An entry's photo references are written in the entry's transaction (100 items at most).
MAX_PHOTOS_PER_ENTRY = 20


def _sanitized(value: str, info: ValidationInfo) -> str:
    if is_trusted(info):
        return value
    # The limit applies to what the editor sent: cleaning adds rel="…" and escapes, so stored
    # HTML may be longer, and must still read back.
    if len(value) > MAX_INLINE_HTML:
        raise ValueError(f"at most {MAX_INLINE_HTML} characters of HTML, not {len(value)}")
    return sanitize_inline_html(value)


InlineHtml = Annotated[
    str,
    Field(
        min_length=1,
        json_schema_extra={"maxLength": MAX_INLINE_HTML},
        description="Inline HTML: b, strong, i, em, br and a[href] (http, https, mailto). "
        "Other formatting is stripped; scripts, event handlers and other link schemes are refused.",
    ),
    AfterValidator(_sanitized),
]


class ParagraphBlock(StrictModel):
    type: Literal["paragraph"]
    html: InlineHtml


class HeadingBlock(StrictModel):
    type: Literal["heading"]
    text: ShortText
    level: Literal[2, 3] = 2


class QuoteBlock(StrictModel):
    type: Literal["quote"]
    text: QuoteText
    attribution: ShortText | None = None


class ListBlock(StrictModel):
    type: Literal["list"]
    ordered: StrictBool = False
    items: Annotated[list[InlineHtml], Field(min_length=1, max_length=MAX_LIST_ITEMS)]


class PhotoBlock(StrictModel):
    """A photo by id; caption, credit and alt come from the photo unless overridden here."""

    type: Literal["photo"]
    photo_id: PhotoId
    caption: Caption | None = None
    credit: ShortText | None = None
    alt: AltText | None = None


class EmbedBlock(StrictModel):
    type: Literal["embed"]
    url: Annotated[
        str,
        Field(
            min_length=9,
            max_length=MAX_EMBED_URL,
            examples=["https://www.youtube.com/watch?v=abc"],
            description="https, from an allowed host; spaces, quotes, angle brackets and non-ASCII "
            "characters are stored percent-encoded, as browsers send them",
        ),
    ]
    caption: Caption | None = None
    provider: str | None = Field(default=None, description="Set by the server from the URL's host")

    @model_validator(mode="after")
    def _allowed_provider(self, info: ValidationInfo) -> "EmbedBlock":
        if not is_trusted(info):
            # The host is judged on the URL as stored, so what is checked is what readers get; and
            # the limit again, since escapes lengthen it and what is stored must read back.
            self.url = canonical_url(self.url)
            if len(self.url) > MAX_EMBED_URL:
                raise ValueError(
                    f"embed URLs may have at most {MAX_EMBED_URL} characters once percent-encoded"
                )
            self.provider = embed_provider(self.url, content_settings().embed_hosts)
        return self


Block = Annotated[
    ParagraphBlock | HeadingBlock | QuoteBlock | ListBlock | PhotoBlock | EmbedBlock,
    Field(discriminator="type"),
]


def text_size(blocks: list[Block]) -> int:
    """Characters of text an entry's blocks carry, to bound the whole item, not just each field."""
    size = 0
    for block in blocks:
        match block:
            case ParagraphBlock(html=html):
                size += len(html)
            case HeadingBlock(text=text):
                size += len(text)
            case QuoteBlock(text=text, attribution=attribution):
                size += len(text) + len(attribution or "")
            case ListBlock(items=items):
                size += sum(map(len, items))
            case PhotoBlock(caption=caption, credit=credit, alt=alt):
                size += len(caption or "") + len(credit or "") + len(alt or "")
            case EmbedBlock(url=url, caption=caption):
                size += len(url) + len(caption or "")
    return size


def photo_ids(blocks: list[Block]) -> frozenset[str]:
    """The photos an entry's blocks show."""
    return frozenset(block.photo_id for block in blocks if isinstance(block, PhotoBlock))
