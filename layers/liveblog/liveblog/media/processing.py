"""Photo bytes in, web renditions out: the pure core of the media function (no AWS, no files).

Design choices:

- The bytes decide what a file is. The extension and the declared content type come from the
  uploader, so they are never read here: Pillow identifies the format from the file's header, and
  only the readers of the accepted formats are tried. Other readers are consulted, header only, just
  to tell "a GIF, which we do not take" from "not an image at all".
- Pixels are counted before anything is decoded. A few kilobytes of PNG can claim 10 gigapixels,
  so the header's width x height is checked against ``ImageLimits.max_pixels`` before ``load()``.
  Pillow's own decompression-bomb warning is also turned into an error for the duration of a call:
  neither guard can be switched off by a global setting elsewhere, and none is changed here.
- Work is bounded before anything is decoded, not only size. libjpeg decodes a progressive JPEG in
  scans and visits every block in each, so a small file of many tiny scans takes minutes at a size
  the pixel limit allows (about 150 ms per scan at 60 megapixels). The scans are counted first
  (``inspection.count_jpeg_scans``, linear in the bytes) and more than ``ImageLimits.max_scans`` is
  refused as ``too_complex``. The other formats need no such count: PNG interlacing is a fixed seven
  passes, WebP is one pass, and of an animation (APNG, animated WebP), a HEIC sequence or a
  Multi-Picture JPEG only the first frame is decoded; the other frames are container structure that
  the readers parse in time linear in the bytes, which ``max_bytes`` bounds.
- Large JPEGs are decoded at reduced scale. libjpeg decodes at 1/2, 1/4 or 1/8 of the size almost
  for free (``Image.draft``), so a 24-megapixel photo whose widest rendition is 2048 px is decoded
  at 3000 x 2000 and never exists in memory at full size (see bench/photo_processing.py). The draft
  size is computed in the file's stored orientation, since EXIF rotation is applied after decoding,
  and never leaves the picture narrower than the widest rendition: libjpeg's scaled decode is then
  finished by LANCZOS, within about 44 dB PSNR of a full decode resized the same way.
- Metadata is never copied. EXIF (camera serials, GPS: where a reporter stood), XMP, IPTC, ICC
  profiles and comments stay in the original upload. Pixels are converted to sRGB so that the
  renditions need no profile, ``.info`` is emptied on every image handed to an encoder (``resize()``
  copies it, and savers read some blocks from it), and the encoders are told explicitly that there
  is nothing to embed.
- Renditions are made from the widest to the narrowest, each from the previous one: the decoded
  source is released once the widest rendition exists, and each later resize is small. On a
  24-megapixel photo that takes a quarter less time than resizing every width from the source, for
  differences around 50 dB PSNR, far below what JPEG and WebP encoding change anyway.
- Output is deterministic, byte for byte: rendition keys are content-addressed, so a retried
  upload writes identical objects under identical keys.

The decompression-bomb guard changes the process's warning filters while a call runs, which is not
thread-safe; a Lambda container handles one event at a time.
"""

import hashlib
import io
import math
import struct
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import pillow_heif
from PIL import ExifTags, Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from liveblog.media.inspection import count_jpeg_scans

pillow_heif.register_heif_opener()

SourceFormat = Literal["jpeg", "png", "webp", "heic"]
RenditionFormat = Literal["jpeg", "webp"]
RejectionCode = Literal[
    "too_large", "not_an_image", "unsupported_format", "too_many_pixels", "too_complex", "corrupt", "empty"
]

SUPPORTED_FORMATS: frozenset[str] = frozenset({"JPEG", "PNG", "WEBP", "HEIF"})

# Most common first: Image.open tries the readers in this order.
_OPEN_ORDER = ("JPEG", "PNG", "WEBP", "HEIF")
# The JPEG reader names a file "MPO" when the camera embedded a second picture (Multi-Picture
# Format, e.g. a stereo pair); the first picture is an ordinary JPEG.
_SOURCE_FORMATS: dict[str, SourceFormat] = {
    "JPEG": "jpeg",
    "MPO": "jpeg",
    "PNG": "png",
    "WEBP": "webp",
    "HEIF": "heic",
}
_CONTENT_TYPES: dict[RenditionFormat, str] = {"jpeg": "image/jpeg", "webp": "image/webp"}
_EXTENSIONS: dict[RenditionFormat, str] = {"jpeg": "jpg", "webp": "webp"}

# What readers and decoders raise on truncated or damaged data (Pillow, zlib, libwebp, libheif).
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    struct.error,
    zlib.error,
    RuntimeError,
)
_BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)
# Orientations 5 to 8 turn the picture by a quarter: its upright width is its stored height.
_QUARTER_TURNS = frozenset({5, 6, 7, 8})
# A resize of more than 3x first shrinks by an integer factor, then applies LANCZOS to the rest;
# Pillow documents a gap of 3 as indistinguishable from LANCZOS all the way.
_REDUCING_GAP = 3.0
# WebP stores each side in 14 bits; JPEG allows 65535, so WebP's limit is the one that binds.
_MAX_SIDE = 16383
_SIXTEEN_BIT_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I"})
_OPAQUE = (255, 255)
_WHITE = (255, 255, 255, 255)
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class ImageLimits:
    """What an upload may be, and how its renditions are made."""

    max_bytes: int = 30 * 1024 * 1024
    max_pixels: int = 60_000_000  # width x height of the source; above it: a decompression bomb
    # Scans of a JPEG, each a pass over the whole image. libjpeg's own progression writes 6 (grey)
    # to 18 (CMYK); at 60 megapixels each extra scan can cost 150 ms, so 32 is at most about twice
    # the decoding time of an ordinary progressive photo of the same size.
    max_scans: int = 32
    widths: tuple[int, ...] = (320, 640, 1280, 2048)
    jpeg_quality: int = 82
    webp_quality: int = 80

    def __post_init__(self) -> None:
        if self.max_bytes < 1 or self.max_pixels < 1 or self.max_scans < 1:
            raise ValueError("max_bytes, max_pixels and max_scans must be positive")
        if not self.widths or min(self.widths) < 1:
            raise ValueError("widths must hold at least one positive width")
        if not (1 <= self.jpeg_quality <= 100 and 1 <= self.webp_quality <= 100):
            raise ValueError("qualities are between 1 and 100")


@dataclass(frozen=True)
class RenditionImage:
    """One encoded rendition, ready to be stored under an immutable key."""

    width: int
    height: int
    format: RenditionFormat
    data: bytes

    @property
    def content_type(self) -> str:
        return _CONTENT_TYPES[self.format]

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self.format]

    @property
    def digest(self) -> str:
        """Names the object: different bytes get a different key, so a CDN may cache a key forever."""
        return hashlib.sha256(self.data).hexdigest()[:12]


@dataclass(frozen=True)
class ProcessedImage:
    """An accepted photo: its upright size and every rendition, ordered by (format, width)."""

    source_format: SourceFormat
    width: int
    height: int
    renditions: tuple[RenditionImage, ...]


class ImageRejected(Exception):
    """The upload is not a photo this system publishes: ``code`` says why, ``message`` explains."""

    def __init__(self, code: RejectionCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code: RejectionCode = code
        self.message = message


def process_image(data: bytes, limits: ImageLimits = ImageLimits()) -> ProcessedImage:
    """Check that ``data`` is a photo within ``limits`` and make its renditions.

    Raises ImageRejected when the upload is refused; any other exception is a fault of this system,
    not of the upload, and is worth a retry.
    """
    if not data:
        raise ImageRejected("empty", "the file is empty")
    if len(data) > limits.max_bytes:
        raise ImageRejected(
            "too_large", f"the file is {len(data)} bytes; photos may be at most {limits.max_bytes}"
        )
    image, source_format, (width, height) = _decode_upright(data, limits)
    if height > width * _MAX_SIDE:
        raise ImageRejected(
            "unsupported_format",
            f"the image is {width}x{height}; photos may be at most {_MAX_SIDE} times taller than wide",
        )
    renditions: list[RenditionImage] = []
    for rendition_width in sorted(_rendition_widths(width, height, limits.widths), reverse=True):
        rendition_height = max(1, round(rendition_width * height / width))
        # Rebinding drops the previous, wider image: the decoded source goes after the first pass.
        image = _resize(image, (rendition_width, rendition_height))
        renditions.extend(_encode(image, limits))
    return ProcessedImage(
        source_format=source_format,
        width=width,
        height=height,
        renditions=tuple(sorted(renditions, key=lambda rendition: (rendition.format, rendition.width))),
    )


def _rendition_widths(source_width: int, source_height: int, widths: tuple[int, ...]) -> tuple[int, ...]:
    """Every configured width narrower than the source, plus the source's own width capped at the
    widest configured one: a photo is never upscaled, and a small one still gets its own size.

    A very tall image (a long screenshot) is also capped so that its height fits in WebP.
    """
    fits_webp = max(1, _MAX_SIDE * source_width // source_height)
    widest = min(source_width, max(widths), _MAX_SIDE, fits_webp)
    kept = {width for width in widths if width < widest}
    kept.add(widest)
    return tuple(sorted(kept))


def _decode_upright(data: bytes, limits: ImageLimits) -> tuple[Image.Image, SourceFormat, tuple[int, int]]:
    """The first frame, upright, in sRGB, as RGB or as RGBa when some pixel is not opaque; and the
    upright size of the source.

    RGBa (premultiplied alpha) is what resizing needs to keep colour from bleeding out of
    transparent pixels. A JPEG may come back smaller than the source (draft decoding), never
    narrower than the widest rendition, and with the source's aspect ratio to within a pixel.
    """
    with _decompression_bombs_refused():
        image, source_format = _open(data, limits)
        stored_width, stored_height = image.size
        pixels = stored_width * stored_height
        if pixels > limits.max_pixels:
            raise ImageRejected(
                "too_many_pixels",
                f"the image is {stored_width}x{stored_height} = {pixels} pixels; "
                f"photos may have at most {limits.max_pixels}",
            )
        if source_format == "jpeg":
            _refuse_too_many_scans(data, limits.max_scans)
            _draft(image, max(limits.widths))
        try:
            image.load()
        except _BOMB_ERRORS as exc:
            raise ImageRejected("too_many_pixels", _too_many_pixels(exc, limits)) from exc
        except _DECODE_ERRORS as exc:
            raise ImageRejected(
                "corrupt", f"the {source_format.upper()} data cannot be decoded: {exc}"
            ) from exc
    upright, turned = _upright(image)
    del image  # once turned, the decoded file is a second full-size copy: let it go now
    size = (stored_height, stored_width) if turned else (stored_width, stored_height)
    return _to_working_mode(upright), source_format, size


def _refuse_too_many_scans(data: bytes, max_scans: int) -> None:
    """Refuse a JPEG whose scans would cost more decoding work than any photo needs; counting stops
    one past the limit, so refusing a file of a million scans costs no more than refusing 33."""
    if count_jpeg_scans(data, stop_after=max_scans + 1) > max_scans:
        raise ImageRejected(
            "too_complex",
            f"the JPEG has more than {max_scans} scans (decoding passes over the whole picture); "
            f"photos may have at most {max_scans}. Saved again from an image editor, it will have "
            "the usual few.",
        )


@contextmanager
def _decompression_bombs_refused() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _too_many_pixels(exc: Exception, limits: ImageLimits) -> str:
    pillow_limit = Image.MAX_IMAGE_PIXELS or limits.max_pixels
    return f"{exc} Photos may have at most {min(limits.max_pixels, pillow_limit)} pixels."


def _open(data: bytes, limits: ImageLimits) -> tuple[ImageFile.ImageFile, SourceFormat]:
    """Parse the header of an accepted format, or say which of the refusals applies."""
    try:
        image = Image.open(io.BytesIO(data), formats=_OPEN_ORDER)
    except _BOMB_ERRORS as exc:
        # Pillow's guard fires inside open(), before ours can look at the size.
        raise ImageRejected("too_many_pixels", _too_many_pixels(exc, limits)) from exc
    except UnidentifiedImageError:
        pass  # a subclass of OSError: it must be caught before _DECODE_ERRORS
    except _DECODE_ERRORS as exc:
        raise ImageRejected("corrupt", f"the image header cannot be read: {exc}") from exc
    else:
        source_format = _SOURCE_FORMATS.get(image.format or "")
        if source_format is None:
            raise ImageRejected("unsupported_format", f"{image.format} images are not accepted")
        return image, source_format
    prefix = data[:16]
    for name in _OPEN_ORDER:
        accept = Image.OPEN[name][1]
        if accept is not None and accept(prefix) is True:
            raise ImageRejected(
                "corrupt", f"the file starts like a {name} image but its header cannot be read"
            )
    other = _other_image_format(data)
    if other is None:
        raise ImageRejected("not_an_image", "the file is not an image")
    raise ImageRejected("unsupported_format", f"the file is {other}; photos must be JPEG, PNG, WebP or HEIC")


def _other_image_format(data: bytes) -> str | None:
    """What kind of image we do not accept the bytes are ("a GIF image"), or None for no image.

    Only readers that check a signature are tried: a few of Pillow's (TGA, for one) accept almost any
    bytes, and would call a text file an image. Headers only; nothing is decoded.
    """
    Image.init()
    signed = [
        name
        for name, (_factory, accept) in Image.OPEN.items()
        if accept is not None and name not in SUPPORTED_FORMATS
    ]
    try:
        with Image.open(io.BytesIO(data), formats=signed) as image:
            return f"a {image.format} image"
    except _BOMB_ERRORS:
        return "a very large image in another format"
    except Exception:  # whatever a reader raises on bytes that are not its format means "not an image"
        return None


def _draft(image: ImageFile.ImageFile, widest: int) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 scale, staying at least ``widest`` px wide once upright."""
    stored_width, stored_height = image.size
    upright_width = stored_height if _orientation(image) in _QUARTER_TURNS else stored_width
    scale = min(widest, upright_width) / upright_width
    # draft() keeps each side at or above the size asked for, so asking for the proportional size in
    # stored orientation keeps the upright width at or above the widest rendition.
    image.draft(None, (math.ceil(stored_width * scale), math.ceil(stored_height * scale)))


def _orientation(image: Image.Image) -> int:
    """The EXIF (or XMP) orientation, read the way ImageOps.exif_transpose reads it."""
    try:
        return int(image.getexif().get(ExifTags.Base.Orientation, 1))
    except Exception:  # a damaged EXIF block is no reason to refuse the pixels
        return 1


def _upright(image: ImageFile.ImageFile) -> tuple[Image.Image, bool]:
    """The image with its EXIF orientation applied, and whether that turned it by a quarter."""
    orientation = _orientation(image)
    if orientation == 1:
        return image, False
    try:
        return ImageOps.exif_transpose(image), orientation in _QUARTER_TURNS
    except Exception:  # the orientation was readable but the rest of the EXIF block is not
        return image, False


def _to_working_mode(image: Image.Image) -> Image.Image:
    """RGB, or RGBa when some pixel is not opaque, in sRGB.

    Palette, 1-bit, grey, 16-bit and CMYK images become RGB(A). An embedded ICC profile other than
    sRGB is applied, because browsers show untagged images as sRGB and the renditions carry no
    profile. A profile that cannot be read is ignored: the pixels are shown as they are, as most
    viewers would show that file anyway.
    """
    if image.mode in _SIXTEEN_BIT_MODES:
        # Pillow's own conversion to 8 bits clips everything above 255 to white; scale instead.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
        image.info.pop("transparency", None)  # a 16-bit value, meaningless after scaling
    if image.has_transparency_data:
        image = image.convert("RGBA")
    elif image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    image = _apply_icc_profile(image)
    if image.mode == "RGBA":
        if image.getchannel("A").getextrema() == _OPAQUE:
            return image.convert("RGB")
        return image.convert("RGBa")
    if image.mode != "RGB":
        return image.convert("RGB")
    return image


def _apply_icc_profile(image: Image.Image) -> Image.Image:
    icc = image.info.get("icc_profile")
    if not icc:
        return image
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        description = (profile.profile.profile_description or "").lower()
        if profile.profile.xcolor_space.strip() == "RGB" and "srgb" in description:
            return image
        converted = ImageCms.profileToProfile(
            image, profile, _SRGB, outputMode="RGBA" if image.mode == "RGBA" else "RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    return converted if converted is not None else image


def _resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if image.size == size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=_REDUCING_GAP)


def _encode(image: Image.Image, limits: ImageLimits) -> tuple[RenditionImage, RenditionImage]:
    """The image as JPEG (alpha flattened onto white, JPEG has none) and as WebP (alpha kept)."""
    width, height = image.size
    if image.mode == "RGBa":
        with_alpha = image.convert("RGBA")
        flat = Image.alpha_composite(Image.new("RGBA", image.size, _WHITE), with_alpha).convert("RGB")
    else:
        with_alpha = flat = image
    jpeg = _save(flat, "JPEG", quality=limits.jpeg_quality, optimize=True, progressive=True, comment=b"")
    webp = _save(with_alpha, "WEBP", quality=limits.webp_quality, method=4)
    return RenditionImage(width, height, "jpeg", jpeg), RenditionImage(width, height, "webp", webp)


def _save(image: Image.Image, pillow_format: str, **options: object) -> bytes:
    # resize() and convert() copy .info from the source, and savers fall back to it for some blocks
    # (the JPEG comment, for one): empty it, and pass every block explicitly empty as well.
    image.info = {}
    buffer = io.BytesIO()
    image.save(buffer, pillow_format, exif=b"", icc_profile=b"", xmp=b"", **options)
    return buffer.getvalue()
