"""A photo: uploaded straight to S3, processed by the media function, shown by photo blocks."""

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from liveblog.models.common import (
    AltText,
    Author,
    BlogId,
    Caption,
    Model,
    PhotoId,
    ShortText,
    StrictModel,
    UtcDateTime,
    Version,
)

# What browsers send for the formats the media function decodes (HEIC: iPhone cameras).
UPLOAD_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic", "image/heif")
UploadType = Literal["image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"]
FileName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255, pattern=r"^[^\x00-\x1f\x7f/\\]+$"),
]


class PhotoStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"
    REJECTED = "rejected"


class Rendition(Model):
    width: int = Field(ge=1)
    height: int = Field(ge=1)
    format: Literal["jpeg", "webp"]
    key: str = Field(description="Object key in the media bucket; served by the CDN at /<key>")
    bytes: int = Field(ge=1)


class Rejection(Model):
    code: Literal[
        "too_large",
        "not_an_image",
        "unsupported_format",
        "too_many_pixels",
        "too_complex",
        "corrupt",
        "empty",
    ]
    message: str


class Photo(Model):
    """A photo as the table holds it and as editors see it."""

    id: PhotoId
    blog_id: BlogId
    status: PhotoStatus
    filename: FileName
    content_type: UploadType = Field(
        description="What the uploader declared; the media function checks the bytes"
    )
    byte_size: int = Field(ge=1, description="Declared size of the upload in bytes")
    caption: Caption = ""
    credit: ShortText | None = None
    alt: AltText = ""
    uploaded_by: Author
    created_at: UtcDateTime
    updated_at: UtcDateTime
    processed_at: UtcDateTime | None = None
    format: Literal["jpeg", "png", "webp", "heic"] | None = Field(
        default=None, description="Format found in the uploaded bytes"
    )
    width: int | None = Field(default=None, ge=1, description="Upright width, after EXIF orientation")
    height: int | None = Field(default=None, ge=1)
    original_bytes: int | None = Field(default=None, ge=1, description="Size of the file received")
    renditions: list[Rendition] = Field(default_factory=list)
    reason: Rejection | None = Field(default=None, description="Why a rejected photo was refused")
    asked_by_editor: bool = Field(
        default=False,
        description="An editor asked for the upload: its form still works after an entry showing the "
        "photo is published; a contributor's does not",
    )
    locked_at: UtcDateTime | None = Field(
        default=None,
        description="When a published or scheduled entry first showed the photo: from then on only "
        "editors change its words, and a contributor's upload form no longer works",
    )
    version: Version


class PhotoCreate(StrictModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "filename": "count-centre.jpg",
                    "content_type": "image/jpeg",
                    "byte_size": 2_480_000,
                    "caption": "Volunteers sort ballots at the Harbour City count centre.",
                    "credit": "Kari Holm/Harbour City Herald",
                    "alt": "Volunteers at long tables stacked with ballot papers",
                }
            ]
        }
    )

    filename: FileName = Field(examples=["finish-line.jpg"])
    content_type: UploadType = Field(examples=["image/jpeg"])
    byte_size: int = Field(ge=1, description="The file's exact size in bytes", examples=[4_718_592])
    caption: Caption = ""
    credit: ShortText | None = Field(default=None, examples=["Ana Ruiz/Harbour City Herald"])
    alt: AltText = Field(default="", description="What the photo shows, for screen readers")


class PhotoPatch(StrictModel):
    """Only the fields sent change; `null` clears the credit."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "caption": "Volunteers sort ballots at the count centre on Quay Street.",
                    "alt": "Volunteers at long tables stacked with ballot papers",
                }
            ]
        }
    )

    caption: Caption | None = None
    credit: ShortText | None = None
    alt: AltText | None = None

    @model_validator(mode="after")
    def _not_null(self) -> "PhotoPatch":
        nulled = sorted(name for name in self.model_fields_set - {"credit"} if getattr(self, name) is None)
        if nulled:
            raise ValueError(f"{', '.join(nulled)} cannot be null; send an empty string to clear")
        return self


class PresignedUpload(Model):
    """A browser form POST straight to S3: send `fields` first, then the file as the field `file`."""

    url: str
    fields: dict[str, str]
    expires_at: UtcDateTime
    max_bytes: int


class PhotoUpload(Model):
    photo: Photo
    upload: PresignedUpload

    @property
    def version(self) -> int:
        """The photo's: the response's ETag is the photo's."""
        return self.photo.version
