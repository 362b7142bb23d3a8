"""Uploaded photos become upright, metadata-free sRGB renditions; everything else is refused with a reason.

Every image here is generated with Pillow in the test itself: no binary fixtures.
"""

import hashlib
import io
import random
import struct
import zipfile
import zlib
from typing import Any, get_args

import pytest
from PIL import ExifTags, Image, ImageChops, ImageCms, ImageDraw, ImageOps, PngImagePlugin

from liveblog.media.processing import (
    SUPPORTED_FORMATS,
    ImageLimits,
    ImageRejected,
    ProcessedImage,
    RejectionCode,
    RenditionImage,
    process_image,
)
from liveblog.models import Rejection
from support.jpeg import progressive_jpeg, scan_bomb, split_jpeg

RED = (255, 0, 0)
GREEN = (0, 255, 0)
BLUE = (0, 0, 255)
WHITE = (255, 255, 255)
# D50-adapted sRGB primaries, as ICC profiles store them.
SRGB_RED = (0.4361, 0.2225, 0.0139)
SRGB_GREEN = (0.3851, 0.7169, 0.0971)
SRGB_BLUE = (0.1431, 0.0606, 0.7141)


def encode(image: Image.Image, pillow_format: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, pillow_format, **options)
    return buffer.getvalue()


def decode(rendition: RenditionImage) -> Image.Image:
    image = Image.open(io.BytesIO(rendition.data))
    image.load()
    return image


def noise(size: tuple[int, int], seed: int = 7) -> Image.Image:
    """Detail that compression and resampling cannot hide; seeded, so every run sees the same pixels."""
    grey = Image.frombytes("L", size, random.Random(seed).randbytes(size[0] * size[1]))
    return Image.merge("RGB", (grey, grey.rotate(180), grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))


def landscape(size: tuple[int, int]) -> Image.Image:
    """Smooth gradients, like sky: small files, so a stray byte pattern in them means something."""
    sky = Image.linear_gradient("L").resize(size)
    return Image.merge(
        "RGB", (sky, sky.transpose(Image.Transpose.FLIP_TOP_BOTTOM), Image.new("L", size, 200))
    )


def colour_at(image: Image.Image, point: tuple[int, int]) -> tuple[int, ...]:
    colour = image.convert("RGBA" if image.mode == "RGBA" else "RGB").getpixel(point)
    assert isinstance(colour, tuple)
    return colour


def close_to(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 12) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def mean_difference(first: Image.Image, second: Image.Image) -> float:
    histogram = ImageChops.difference(first, second).convert("L").histogram()
    return sum(level * count for level, count in enumerate(histogram)) / (first.width * first.height)


def sizes(processed: ProcessedImage) -> list[tuple[str, int, int]]:
    return [(rendition.format, rendition.width, rendition.height) for rendition in processed.renditions]


def reporter_exif() -> Image.Exif:
    """What a phone writes: camera, time, and where the reporter stood."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS R5"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2026:11:28 14:05:09"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (44.0, 39.0, 1.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (63.0, 34.0, 2.5)
    return exif


XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:City="Port Avalon"'
    b' photoshop:Credit="Ana Lindqvist"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def rgb_profile(
    description: str, red: tuple[float, ...], green: tuple[float, ...], blue: tuple[float, ...]
) -> bytes:
    """A minimal ICC v2 matrix/TRC display profile with the given primaries (gamma 2.2, D50 white)."""

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)

    text = description.encode() + b"\0"
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    tags = {
        b"desc": b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + b"\0" * (4 + 4 + 2 + 1 + 67),
        b"wtpt": xyz(0.9642, 1.0, 0.8249),
        b"rXYZ": xyz(*red),
        b"gXYZ": xyz(*green),
        b"bXYZ": xyz(*blue),
        b"rTRC": curve,
        b"gTRC": curve,
        b"bTRC": curve,
    }
    first_offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags.items():
        table += signature + struct.pack(">II", first_offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    header = (
        struct.pack(">I", first_offset + len(body))
        + b"none\x02\x10\0\0mntrRGB XYZ "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 24
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
    ).ljust(128, b"\0")
    return header + struct.pack(">I", len(tags)) + table + body


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a size its (absent) pixel data never backs up."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


# --- metadata ------------------------------------------------------------------------------------


@pytest.mark.parametrize("pillow_format", ["JPEG", "PNG", "WEBP"])
def test_no_metadata_reaches_the_renditions(pillow_format: str) -> None:
    # Given a photo carrying GPS and camera EXIF, an XMP packet with a city and a credit, an ICC
    # profile and (for JPEG) a comment with the photographer's name
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    options: dict[str, Any] = {"exif": reporter_exif(), "icc_profile": icc, "xmp": XMP}
    if pillow_format == "JPEG":
        options["comment"] = b"Shot by Ana Lindqvist"
    if pillow_format == "PNG":  # Pillow's PNG writer takes XMP as an iTXt chunk
        options["pnginfo"] = PngImagePlugin.PngInfo()
        options["pnginfo"].add_itxt("XML:com.adobe.xmp", XMP.decode())
    upload = encode(landscape((800, 600)), pillow_format, **options)
    assert Image.open(io.BytesIO(upload)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"Port Avalon" in upload
    # When it is processed
    processed = process_image(upload)
    # Then no rendition carries any of it, in its bytes or as Pillow reads it back
    assert processed.renditions
    for rendition in processed.renditions:
        for marker in (b"Exif", b"Canon", b"EOS R5", b"2026:11:28", b"<x:xmpmeta", b"Port Avalon"):
            assert marker not in rendition.data, (rendition.format, rendition.width, marker)
        # (JPEG marker names, WebP chunk names, bare TIFF headers as PNG and WebP carry EXIF)
        for marker in (b"ICC_PROFILE", b"ICCP", b"EXIF", b"XMP ", b"II*\0", b"MM\0*", b"Lindqvist"):
            assert marker not in rendition.data, (rendition.format, rendition.width, marker)
        image = decode(rendition)
        assert dict(image.getexif()) == {}
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert not {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment"} & set(image.info)


# --- transparency --------------------------------------------------------------------------------


def test_alpha_is_kept_in_webp_and_flattened_onto_white_in_jpeg() -> None:
    # Given a blue PNG whose top-left corner is fully transparent red
    image = Image.new("RGBA", (400, 300), (*BLUE, 255))
    ImageDraw.Draw(image).rectangle((0, 0, 99, 99), fill=(*RED, 0))
    # When it is processed
    processed = process_image(encode(image, "PNG"))
    # Then the WebP renditions keep the alpha channel: the corner stays see-through, the rest opaque
    for rendition in processed.renditions:
        pixels = decode(rendition)
        corner = colour_at(pixels, (5, 5))
        middle = colour_at(pixels, (pixels.width - 5, pixels.height - 5))
        if rendition.format == "webp":
            assert pixels.mode == "RGBA"
            assert corner[3] == 0
            assert close_to(middle, (*BLUE, 255))
        # And the JPEG renditions, which cannot be transparent, show white there, not black or red
        else:
            assert pixels.mode == "RGB"
            assert close_to(corner, WHITE)
            assert close_to(middle, BLUE)


def test_a_png_with_an_alpha_channel_that_is_all_opaque_is_not_treated_as_transparent() -> None:
    # Given an RGBA PNG in which every pixel is opaque
    upload = encode(Image.new("RGBA", (300, 200), (*GREEN, 255)), "PNG")
    # When it is processed
    processed = process_image(upload)
    # Then the WebP rendition carries no alpha channel to download
    webp = next(rendition for rendition in processed.renditions if rendition.format == "webp")
    assert decode(webp).mode == "RGB"


# --- orientation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pillow_format", "orientation", "red_corner"),
    [
        ("JPEG", 6, "top-right"),  # stored sideways: shown turned a quarter clockwise
        ("JPEG", 8, "bottom-left"),  # shown turned a quarter anticlockwise
        ("JPEG", 3, "bottom-right"),  # stored upside down
        ("PNG", 6, "top-right"),
        ("WEBP", 8, "bottom-left"),
        ("HEIF", 6, "top-right"),  # written as a HEIF rotation box, which libheif applies on reading
    ],
)
def test_renditions_are_upright_whatever_way_the_camera_was_held(
    pillow_format: str, orientation: int, red_corner: str
) -> None:
    # Given a landscape-stored photo, red block at its stored top-left, with an EXIF orientation
    stored = Image.new("RGB", (300, 180), WHITE)
    ImageDraw.Draw(stored).rectangle((0, 0, 74, 44), fill=RED)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    quality = {"lossless": True} if pillow_format == "WEBP" else {"quality": 95}
    # When it is processed
    processed = process_image(encode(stored, pillow_format, exif=exif.tobytes(), **quality))
    # Then the reported size and every rendition are upright
    quarter_turn = orientation in (6, 8)
    assert (processed.width, processed.height) == ((180, 300) if quarter_turn else (300, 180))
    for rendition in processed.renditions:
        assert (rendition.width, rendition.height) == (processed.width, processed.height)
        pixels = decode(rendition)
        right, bottom = pixels.width - 5, pixels.height - 5
        corners = {"top-left": (5, 5), "top-right": (right, 5), "bottom-left": (5, bottom)}
        corners["bottom-right"] = (right, bottom)
        # And the red block is in the corner a reader expects, and only there
        for name, point in corners.items():
            colour = colour_at(pixels, point)
            assert close_to(colour, RED if name == red_corner else WHITE, tolerance=20), (name, colour)


def test_a_turned_jpeg_decoded_at_reduced_scale_stays_as_sharp_as_a_full_decode() -> None:
    # Given a detailed JPEG stored 1600 wide but shown 800 wide (orientation 6), and one rendition
    # width, 640: a draft decode at half scale would leave it 400 wide upright, and upscaled
    stored = noise((1600, 800))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    upload = encode(stored, "JPEG", exif=exif, quality=95)
    limits = ImageLimits(widths=(640,), jpeg_quality=95)
    # When it is processed
    processed = process_image(upload, limits)
    # Then the rendition matches a full-size decode resized with LANCZOS, to within JPEG noise
    reference = ImageOps.exif_transpose(Image.open(io.BytesIO(upload))).resize(
        (640, 1280), Image.Resampling.LANCZOS
    )
    jpeg = decode(processed.renditions[0]).convert("RGB")
    assert jpeg.size == (640, 1280)
    assert mean_difference(jpeg, reference) < 12  # ignoring the turn when drafting gives about 23


def test_a_large_jpeg_decoded_at_reduced_scale_still_matches_a_full_decode() -> None:
    # Given a detailed 2000-px JPEG and a widest rendition of 640, which libjpeg can reach at 1/2 scale
    upload = encode(noise((2000, 1000)), "JPEG", quality=95)
    # When it is processed
    processed = process_image(upload, ImageLimits(widths=(640,), jpeg_quality=95))
    # Then the rendition is as wide as asked and as close to a full decode as JPEG noise allows
    reference = Image.open(io.BytesIO(upload)).resize((640, 320), Image.Resampling.LANCZOS)
    jpeg = decode(processed.renditions[0]).convert("RGB")
    assert jpeg.size == (640, 320)
    assert mean_difference(jpeg, reference) < 12  # the same noise over a half-size decode, upscaled: 23


# --- refusals ------------------------------------------------------------------------------------


def test_a_truncated_jpeg_is_corrupt() -> None:
    # Given a JPEG cut in half, as an interrupted upload leaves it
    whole = encode(noise((640, 480)), "JPEG", quality=90)
    # When it is processed
    with pytest.raises(ImageRejected) as refused:
        process_image(whole[: len(whole) // 2])
    # Then it is refused as corrupt, not as "not an image"
    assert refused.value.code == "corrupt"


@pytest.mark.parametrize("pillow_format", ["PNG", "WEBP", "HEIF"])
def test_truncated_files_of_other_accepted_formats_are_corrupt(pillow_format: str) -> None:
    # Given a PNG, WebP or HEIC cut in half
    whole = encode(noise((320, 240)), pillow_format)
    # When it is processed
    with pytest.raises(ImageRejected) as refused:
        process_image(whole[: len(whole) // 2])
    # Then it is refused as corrupt
    assert refused.value.code == "corrupt"


def zip_file() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("story.txt", "Winds reach 110 km/h at the harbour")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "upload",
    [
        b"Winds reach 110 km/h at the harbour.\n" * 20,
        b"<!doctype html><html><body><img src=x onerror=alert(1)></body></html>",
        zip_file(),
        b"\x00" * 64,
    ],
    ids=["text", "html", "zip", "zeros"],
)
def test_files_that_are_not_images_are_refused_whatever_they_were_called(upload: bytes) -> None:
    # Given bytes that an uploader named photo.jpg and declared as image/jpeg
    # When they are processed
    with pytest.raises(ImageRejected) as refused:
        process_image(upload)
    # Then they are refused as not an image
    assert refused.value.code == "not_an_image"


@pytest.mark.parametrize(("pillow_format", "name"), [("GIF", "GIF"), ("BMP", "BMP"), ("TIFF", "TIFF")])
def test_images_in_other_formats_are_refused_and_named(pillow_format: str, name: str) -> None:
    # Given a real image, in a format photos are not accepted in
    upload = encode(Image.new("RGB", (300, 200), RED), pillow_format)
    # When it is processed
    with pytest.raises(ImageRejected) as refused:
        process_image(upload)
    # Then the editor is told it is an image, and which format it is
    assert refused.value.code == "unsupported_format"
    assert name in refused.value.message


def test_an_animated_gif_is_refused_but_an_animated_webp_gives_its_first_frame() -> None:
    # Given the same three-frame animation as a GIF and as a WebP
    frames = [Image.new("RGB", (300, 200), colour) for colour in (RED, GREEN, BLUE)]
    animation = {"save_all": True, "append_images": frames[1:], "duration": 100, "loop": 0}
    gif = encode(frames[0], "GIF", **animation)
    webp = encode(frames[0], "WEBP", lossless=True, **animation)
    assert Image.open(io.BytesIO(webp)).n_frames == 3
    # When both are processed
    with pytest.raises(ImageRejected) as refused:
        process_image(gif)
    processed = process_image(webp)
    # Then the GIF is an unsupported format, and the WebP becomes still renditions of its first frame
    assert refused.value.code == "unsupported_format"
    assert processed.source_format == "webp"
    for rendition in processed.renditions:
        still = decode(rendition)
        assert getattr(still, "n_frames", 1) == 1
        assert close_to(colour_at(still, (5, 5))[:3], RED)


def test_a_file_over_the_byte_limit_is_refused_before_it_is_read() -> None:
    # Given a valid photo one byte over a small limit
    upload = encode(Image.new("RGB", (300, 200), RED), "PNG")
    limits = ImageLimits(max_bytes=len(upload) - 1)
    # When it is processed
    with pytest.raises(ImageRejected) as refused:
        process_image(upload, limits)
    # Then it is refused as too large, and the message says both sizes
    assert refused.value.code == "too_large"
    assert f"{len(upload)} bytes" in refused.value.message
    assert f"at most {limits.max_bytes}" in refused.value.message
    # And at exactly the limit it is accepted
    assert process_image(upload, ImageLimits(max_bytes=len(upload))).renditions


def test_an_empty_file_is_refused_as_empty() -> None:
    # Given an upload of zero bytes
    # When it is processed
    with pytest.raises(ImageRejected) as refused:
        process_image(b"")
    # Then it is refused as empty
    assert refused.value.code == "empty"


def test_a_small_png_of_144_megapixels_is_refused_as_a_decompression_bomb() -> None:
    # Given a 1-bit PNG of 12000 x 12000 pixels: tens of kilobytes on disk, hundreds of MB decoded
    upload = encode(Image.new("1", (12000, 12000)), "PNG", compress_level=1)
    assert len(upload) < 200_000
    # When it is processed with the default limits
    with pytest.raises(ImageRejected) as refused:
        process_image(upload)
    # Then it is refused for its pixel count
    assert refused.value.code == "too_many_pixels"
    assert "144000000" in refused.value.message
    assert "60000000" in refused.value.message


def test_a_header_over_the_pixel_limit_is_refused_without_decoding() -> None:
    # Given a PNG whose header claims 9000 x 9000 pixels (over our limit, under Pillow's) and holds
    # no pixel data at all: decoding would fail as corrupt, so refusing as a bomb proves it is not tried
    upload = png_claiming(9000, 9000)
    # When it is processed
    with pytest.raises(ImageRejected) as refused:
        process_image(upload)
    # Then it is refused for the pixel count its header claims, and the message says both numbers
    assert refused.value.code == "too_many_pixels"
    assert "81000000" in refused.value.message
    assert "60000000" in refused.value.message


def test_a_header_claiming_ten_gigapixels_is_refused_even_with_a_generous_limit() -> None:
    # Given a hand-made PNG header claiming 100000 x 100000 pixels
    upload = png_claiming(100_000, 100_000)
    # When it is processed with the default limit, and with a limit raised far beyond it
    for limits in (ImageLimits(), ImageLimits(max_pixels=10**12)):
        with pytest.raises(ImageRejected) as refused:
            process_image(upload, limits)
        # Then it is refused as a decompression bomb both times: Pillow's own guard still holds
        assert refused.value.code == "too_many_pixels"
    # And the guard was not left switched off for the rest of the process
    assert Image.MAX_IMAGE_PIXELS is not None


# --- decoding work ------------------------------------------------------------------------------


def test_a_jpeg_of_thousands_of_repeated_scans_is_refused_as_too_complex() -> None:
    # Given a progressive JPEG whose last scan follows itself 5,000 times: 350 kB, and at 7000 x 7000
    # pixels the same trick takes minutes to decode, one pass over every block per scan
    upload = scan_bomb(repeats=5_000)
    # When it is processed
    with pytest.raises(ImageRejected) as refused:
        process_image(upload)
    # Then it is refused as too complex, and the message says why and what the limit is
    assert refused.value.code == "too_complex"
    assert "more than 32 scans" in refused.value.message
    assert "at most 32" in refused.value.message


def test_scans_up_to_the_limit_are_decoded_and_one_more_is_refused() -> None:
    # Given a progressive JPEG of 10 scans with its last scan repeated until it has 32, and one of 33
    at_limit, over_limit = scan_bomb(repeats=22), scan_bomb(repeats=23)
    # When both are processed with the default limits
    processed = process_image(at_limit)
    with pytest.raises(ImageRejected) as refused:
        process_image(over_limit)
    # Then the first is a photo like any other, and only the second is refused
    assert processed.source_format == "jpeg"
    assert (processed.width, processed.height) == (64, 48)
    assert refused.value.code == "too_complex"


def test_a_scan_bomb_is_refused_without_being_decoded() -> None:
    # Given 5,000 repeated scans cut off in the middle of the last one: decoding would fail as
    # corrupt, so refusing it as too complex proves it was never handed to the decoder
    upload = scan_bomb(repeats=5_000)[:-40]
    # When it is processed
    with pytest.raises(ImageRejected) as refused:
        process_image(upload)
    # Then it is refused for its scans
    assert refused.value.code == "too_complex"


def test_the_scan_limit_is_a_setting() -> None:
    # Given an ordinary progressive JPEG in colour: libjpeg writes it in 10 scans
    upload = progressive_jpeg()
    # When it is processed with a limit of 9 scans, and of 10
    with pytest.raises(ImageRejected) as refused:
        process_image(upload, ImageLimits(max_scans=9))
    # Then the limit decides: refused at 9 and accepted at 10
    assert refused.value.code == "too_complex"
    assert "at most 9" in refused.value.message
    assert process_image(upload, ImageLimits(max_scans=10)).source_format == "jpeg"


def test_the_scans_of_a_second_embedded_picture_are_not_counted() -> None:
    # Given a Multi-Picture file of two progressive pictures, 10 scans each
    picture = Image.linear_gradient("L").convert("RGB")
    upload = encode(picture, "MPO", save_all=True, append_images=[picture], progressive=True)
    # When it is processed with a limit of 10 scans
    processed = process_image(upload, ImageLimits(max_scans=10))
    # Then it is accepted: only its first picture is decoded, so only its scans count
    assert processed.source_format == "jpeg"


@pytest.mark.parametrize(
    ("pillow_format", "options", "source_format"),
    [
        ("JPEG", {}, "jpeg"),
        ("JPEG", {"progressive": True}, "jpeg"),
        ("JPEG", {"progressive": True, "optimize": True, "subsampling": 0}, "jpeg"),
        ("PNG", {}, "png"),
        ("PNG", {"interlace": 1}, "png"),
        ("WEBP", {}, "webp"),
        ("WEBP", {"lossless": True}, "webp"),
        ("HEIF", {}, "heic"),
    ],
    ids=[
        "baseline-jpeg",
        "progressive-jpeg",
        "optimized-jpeg",
        "png",
        "interlaced-png",
        "webp",
        "lossless-webp",
        "heic",
    ],
)
def test_ordinary_files_of_every_accepted_kind_are_within_the_work_limits(
    pillow_format: str, options: dict[str, Any], source_format: str
) -> None:
    # Given a photo saved the ordinary way, progressive and interlaced included
    upload = encode(landscape((400, 300)), pillow_format, **options)
    # When it is processed with the default limits
    processed = process_image(upload)
    # Then it is accepted
    assert processed.source_format == source_format
    assert (processed.width, processed.height) == (400, 300)


@pytest.mark.parametrize("mode", ["L", "CMYK"])
def test_progressive_jpegs_with_the_most_scans_libjpeg_writes_are_accepted(mode: str) -> None:
    # Given progressive JPEGs in grey (6 scans) and CMYK (18 scans, the most libjpeg's own
    # progression writes for a photo)
    upload = encode(Image.new(mode, (300, 200)), "JPEG", progressive=True)
    assert len(split_jpeg(upload).scans) == {"L": 6, "CMYK": 18}[mode]
    # When it is processed
    processed = process_image(upload)
    # Then it is accepted
    assert processed.source_format == "jpeg"


@pytest.mark.parametrize(
    ("pillow_format", "options"),
    # Lossy WebP would merge frames this alike into a few.
    [("PNG", {}), ("WEBP", {"lossless": True}), ("HEIF", {})],
    ids=["apng", "animated-webp", "heic-sequence"],
)
def test_of_an_animation_or_a_sequence_only_the_first_frame_is_decoded(
    pillow_format: str, options: dict[str, Any]
) -> None:
    # Given 200 frames, the first red and the others shades of green (frames that repeat the one
    # before are merged by the encoders), as an APNG, an animated WebP and a HEIC sequence
    frames = [Image.new("RGB", (120, 80), RED)]
    frames += [Image.new("RGB", (120, 80), (0, 255, shade)) for shade in range(199)]
    upload = encode(frames[0], pillow_format, save_all=True, append_images=frames[1:], duration=40, **options)
    assert getattr(Image.open(io.BytesIO(upload)), "n_frames", 1) == 200
    # When it is processed
    processed = process_image(upload)
    # Then the photo is its first frame, still
    for rendition in processed.renditions:
        still = decode(rendition)
        assert getattr(still, "n_frames", 1) == 1
        assert close_to(colour_at(still, (5, 5))[:3], RED, tolerance=20)


# --- formats and colour --------------------------------------------------------------------------


def test_a_heic_photo_is_accepted() -> None:
    # Given a HEIC photo, as iPhones upload
    upload = encode(Image.new("RGB", (500, 300), GREEN), "HEIF")
    # When it is processed
    processed = process_image(upload)
    # Then it is recognised as HEIC and rendered like any other photo
    assert processed.source_format == "heic"
    assert (processed.width, processed.height) == (500, 300)
    assert close_to(colour_at(decode(processed.renditions[-1]), (5, 5)), GREEN, tolerance=20)


def test_a_jpeg_with_a_second_embedded_picture_is_a_jpeg() -> None:
    # Given a Multi-Picture JPEG (what some cameras save), green first picture, blue second
    upload = encode(
        Image.new("RGB", (300, 200), GREEN),
        "MPO",
        save_all=True,
        append_images=[Image.new("RGB", (300, 200), BLUE)],
    )
    # When it is processed
    processed = process_image(upload)
    # Then it is a JPEG, rendered from its first picture
    assert processed.source_format == "jpeg"
    assert close_to(colour_at(decode(processed.renditions[0]), (5, 5)), GREEN)


def test_a_cmyk_jpeg_becomes_rgb() -> None:
    # Given a print-ready CMYK JPEG of pure red (no cyan, full magenta and yellow)
    upload = encode(Image.new("CMYK", (300, 200), (0, 255, 255, 0)), "JPEG")
    # When it is processed
    processed = process_image(upload)
    # Then browsers get RGB renditions of the same red
    for rendition in processed.renditions:
        image = decode(rendition)
        assert image.mode in ("RGB", "RGBA")
        assert close_to(colour_at(image, (5, 5))[:3], RED)


def test_palette_pngs_become_rgb_and_keep_their_transparent_colour() -> None:
    # Given a palette PNG with a transparent colour, green block in a transparent field
    image = Image.new("P", (300, 200), 0)
    image.putpalette([*RED, *GREEN])
    ImageDraw.Draw(image).rectangle((0, 0, 49, 49), fill=1)
    # When it is processed
    processed = process_image(encode(image, "PNG", transparency=0))
    # Then the green stays green and the transparent field is transparent (WebP) or white (JPEG)
    for rendition in processed.renditions:
        pixels = decode(rendition)
        block = colour_at(pixels, (5, 5))
        field = colour_at(pixels, (pixels.width - 5, pixels.height - 5))
        assert close_to(block[:3], GREEN)
        if rendition.format == "webp":
            assert field[3] == 0
        else:
            assert close_to(field, WHITE)


def test_sixteen_bit_grey_is_scaled_not_clipped() -> None:
    # Given a 16-bit grey PNG at 40000 of 65535 (61% grey)
    upload = encode(Image.new("I;16", (300, 200), 40000), "PNG")
    # When it is processed
    processed = process_image(upload)
    # Then the renditions are mid grey, not white
    assert close_to(colour_at(decode(processed.renditions[0]), (5, 5)), (156, 156, 156), tolerance=4)


def test_colours_in_another_profile_are_converted_to_srgb() -> None:
    # Given a red PNG tagged with a profile whose red and green primaries are swapped, so that it
    # actually shows green
    profile = rgb_profile("Swapped red and green", SRGB_GREEN, SRGB_RED, SRGB_BLUE)
    upload = encode(Image.new("RGB", (300, 200), RED), "PNG", icc_profile=profile)
    # When it is processed
    processed = process_image(upload)
    # Then the untagged renditions show green in a browser, which assumes sRGB
    for rendition in processed.renditions:
        image = decode(rendition)
        assert "icc_profile" not in image.info
        assert close_to(colour_at(image, (5, 5)), GREEN, tolerance=16)


def test_an_unreadable_profile_leaves_the_pixels_as_they_are() -> None:
    # Given a red JPEG whose embedded profile is garbage
    upload = encode(Image.new("RGB", (300, 200), RED), "JPEG", icc_profile=b"not a profile" * 20)
    # When it is processed
    processed = process_image(upload)
    # Then it is accepted and still red
    assert close_to(colour_at(decode(processed.renditions[0]), (5, 5)), RED)


# --- rendition sizes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((700, 400), [(320, 183), (640, 366), (700, 400)]),
        ((200, 120), [(200, 120)]),
        ((4000, 100), [(320, 8), (640, 16), (1280, 32), (2048, 51)]),
        ((2048, 64), [(320, 10), (640, 20), (1280, 40), (2048, 64)]),
        ((300, 900), [(300, 900)]),
        ((800, 1200), [(320, 480), (640, 960), (800, 1200)]),
        ((3000, 1), [(320, 1), (640, 1), (1280, 1), (2048, 1)]),
    ],
    ids=["700-wide", "200-wide", "4000-wide", "exactly-2048", "narrow-portrait", "portrait", "one-px-tall"],
)
def test_rendition_sizes_never_upscale_and_keep_the_aspect_ratio(
    size: tuple[int, int], expected: list[tuple[int, int]]
) -> None:
    # Given a photo of a given size
    upload = encode(Image.new("RGB", size, BLUE), "PNG")
    # When it is processed with the default widths
    processed = process_image(upload)
    # Then every width narrower than the photo is made, plus the photo's own width up to 2048,
    # in both formats, ordered by format then width
    assert (processed.width, processed.height) == size
    assert sizes(processed) == [("jpeg", *wh) for wh in expected] + [("webp", *wh) for wh in expected]
    for rendition in processed.renditions:
        assert decode(rendition).size == (rendition.width, rendition.height)


def test_a_very_tall_image_is_narrowed_to_fit_webp() -> None:
    # Given a strip 20 x 20000 (a long screenshot, scaled down to keep the test fast): at its own
    # width it would be taller than the 16383 px WebP allows
    upload = encode(Image.new("RGB", (20, 20000), BLUE), "PNG")
    # When it is processed
    processed = process_image(upload)
    # Then its rendition is narrowed until it fits, rather than failing to encode
    assert (processed.width, processed.height) == (20, 20000)
    assert sizes(processed) == [("jpeg", 16, 16000), ("webp", 16, 16000)]


def test_an_image_too_thin_to_render_is_refused() -> None:
    # Given a 1 x 20000 image: even one pixel wide it is taller than WebP allows
    upload = encode(Image.new("RGB", (1, 20000), BLUE), "PNG")
    # When it is processed
    with pytest.raises(ImageRejected) as refused:
        process_image(upload)
    # Then it is refused with a reason, instead of failing the media function again and again
    assert refused.value.code == "unsupported_format"
    assert "1x20000" in refused.value.message


def test_renditions_describe_themselves_for_storage() -> None:
    # Given a processed photo
    processed = process_image(encode(Image.new("RGB", (320, 200), RED), "PNG"))
    jpeg, webp = processed.renditions
    # Then each says its content type and extension, and a digest of its bytes that names its key
    assert (jpeg.content_type, jpeg.extension) == ("image/jpeg", "jpg")
    assert (webp.content_type, webp.extension) == ("image/webp", "webp")
    assert jpeg.data.startswith(b"\xff\xd8\xff")
    assert webp.data[8:12] == b"WEBP"
    for rendition in processed.renditions:
        assert rendition.digest == hashlib.sha256(rendition.data).hexdigest()[:12]
    assert jpeg.digest != webp.digest
    assert frozenset({"JPEG", "PNG", "WEBP", "HEIF"}) == SUPPORTED_FORMATS


@pytest.mark.parametrize("pillow_format", ["JPEG", "PNG"])
def test_the_same_upload_always_gives_the_same_bytes(pillow_format: str) -> None:
    # Given a detailed photo (with transparency, for PNG)
    image = noise((600, 400))
    if pillow_format == "PNG":
        image.putalpha(Image.linear_gradient("L").resize((600, 400)))
    upload = encode(image, pillow_format)
    # When it is processed twice
    first, second = process_image(upload), process_image(upload)
    # Then both runs give byte-identical renditions, so retries write the same content-addressed keys
    assert first == second
    assert [rendition.digest for rendition in first.renditions] == [
        rendition.digest for rendition in second.renditions
    ]


def test_every_refusal_can_be_recorded_on_the_photo() -> None:
    # Given the codes processing refuses with, and the codes a photo's reason may hold
    # When they are compared
    # Then they are the same set: a refusal never fails to be recorded as the photo's verdict
    assert set(get_args(RejectionCode)) == set(get_args(Rejection.model_fields["code"].annotation))


def test_limits_that_make_no_sense_are_refused_at_construction() -> None:
    # Given limits with no widths, or a quality out of range
    # When they are built
    # Then they fail at once, not on the first upload
    with pytest.raises(ValueError, match="widths"):
        ImageLimits(widths=())
    with pytest.raises(ValueError, match="qualities"):
        ImageLimits(jpeg_quality=0)
    with pytest.raises(ValueError, match="max_scans"):
        ImageLimits(max_scans=0)
