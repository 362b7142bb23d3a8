"""Hand-built JPEG structures: Pillow's own files taken apart into segments and put back together.

Pillow writes clean files (no fill bytes, no garbage between segments), so splitting them needs only
the lengths and, for a scan, the next marker that is not a stuffed 0xFF 0x00 or a restart.
"""

import io
import re
from dataclasses import dataclass

from PIL import Image

SOS = 0xDA
SOF = frozenset({0xC0, 0xC1, 0xC2})  # baseline, extended and progressive frames
EOI = b"\xff\xd9"
_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


@dataclass(frozen=True)
class JpegParts:
    """A JPEG as its header (SOI to the frame header, SOF) and its scans. Each scan carries the
    tables written just before it (libjpeg writes fresh Huffman tables for every progressive scan),
    then its SOS segment and entropy-coded data: a scan can be repeated on its own."""

    header: bytes
    scans: tuple[bytes, ...]

    def with_scans(self, scans: list[bytes] | tuple[bytes, ...], end: bytes = EOI) -> bytes:
        return self.header + b"".join(scans) + end


def split_jpeg(data: bytes) -> JpegParts:
    position = header_end = scan_start = 2
    scans: list[bytes] = []
    while data[position : position + 2] != EOI:
        marker = data[position + 1]
        end = position + 2 + int.from_bytes(data[position + 2 : position + 4], "big")
        if marker in SOF:
            header_end = scan_start = end
        elif marker == SOS:
            match = _SCAN_END.search(data, end)
            assert match is not None, "a scan runs to the end of the file"
            end = match.start()
            scans.append(data[scan_start:end])
            scan_start = end
        position = end
    return JpegParts(header=data[:header_end], scans=tuple(scans))


def progressive_jpeg(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    """A small progressive JPEG as Pillow (libjpeg) writes it: 10 scans in colour, 6 in grey."""
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize(size).convert(mode).save(buffer, "JPEG", progressive=True, quality=90)
    return buffer.getvalue()


def scan_bomb(repeats: int, size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    """A progressive JPEG whose last scan (a refinement of every AC coefficient) follows itself
    ``repeats`` more times. libjpeg decodes it: it warns of a bogus progression and carries on,
    visiting every block of the picture once per scan."""
    parts = split_jpeg(progressive_jpeg(size, mode))
    return parts.with_scans([*parts.scans, *[parts.scans[-1]] * repeats])
