"""How much decoding work a file's structure asks for, read without decoding anything.

The pixel limit bounds the size of a picture, not the work of decoding it. A progressive JPEG is
decoded in scans, and libjpeg visits every block of the image's components in each one, however few
bytes the scan holds: a scan of 26 bytes repeated 65,000 times is a 2 MB file that takes minutes to
decode. Counting the scans first, in one linear pass over the bytes, lets such a file be refused
before libjpeg is given it.

The walk reads markers as libjpeg does (ITU T.81, annex B): a marker is 0xFF, any number of 0xFF
fill bytes, then a code other than 0x00; every marker but SOI, EOI, TEM and RST0-7 is followed by a
length that counts itself, and the bytes it covers are skipped unread. Whatever lies between one
segment and the next marker (a scan's entropy-coded data, or garbage) is skipped the same way libjpeg
skips it: 0xFF 0x00 is a stuffed data byte and RSTn a restart, neither ends the scan. libjpeg stops at
the first EOI, so does the walk: the second picture of a Multi-Picture file is never decoded.
"""

import re

_SOI = 0xD8
_EOI = 0xD9
_SOS = 0xDA
# Markers that stand alone, without a length: TEM and the restart markers RST0-7.
_WITHOUT_LENGTH = frozenset({0x01, *range(0xD0, 0xD8)})
# The next marker's last 0xFF (fill bytes come before it) and its code: neither a stuffed zero nor
# more fill. Starting with a literal byte lets the regex engine skip ahead at memchr speed; a leading
# ``\xff+`` would make it 30 times slower on entropy-coded data.
_NEXT_MARKER = re.compile(rb"\xff([^\x00\xff])")


def count_jpeg_scans(data: bytes, stop_after: int) -> int:
    """The number of SOS (start of scan) markers before the first EOI, counting no further than
    ``stop_after``: past the limit the exact number changes nothing, and the walk stays bounded.

    A file that ends early is counted as far as it goes; telling it is truncated is the decoder's job.
    """
    scans = 0
    position = 2 if data[:2] == b"\xff" + bytes([_SOI]) else 0
    while scans < stop_after:
        marker = _NEXT_MARKER.search(data, position)
        if marker is None:
            break
        code = marker.group(1)[0]
        position = marker.end()
        if code == _EOI:
            break
        if code in _WITHOUT_LENGTH or code == _SOI:
            continue
        if code == _SOS:
            scans += 1
        # The length counts its own two bytes; libjpeg reads a length under 2 as an empty segment.
        length = int.from_bytes(data[position : position + 2], "big")
        position += max(length, 2)
    return scans
