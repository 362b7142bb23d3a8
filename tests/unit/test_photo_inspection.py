"""The scans of a JPEG are counted as libjpeg will meet them, whatever bytes try to hide one.

Every file is a small progressive JPEG from Pillow (10 scans), taken apart and put together again.
"""

import pytest

from liveblog.media.inspection import count_jpeg_scans
from support.jpeg import EOI, progressive_jpeg, split_jpeg

NO_LIMIT = 1_000_000


def test_every_scan_of_an_ordinary_progressive_jpeg_is_counted() -> None:
    # Given a progressive JPEG as libjpeg writes it
    upload = progressive_jpeg()
    # When its scans are counted
    # Then there are libjpeg's usual 10
    assert count_jpeg_scans(upload, NO_LIMIT) == 10


def test_fill_bytes_before_a_marker_do_not_hide_it() -> None:
    # Given the same scans, each introduced by a run of 0xFF fill bytes (which T.81 allows)
    parts = split_jpeg(progressive_jpeg())
    upload = parts.with_scans([b"\xff" * 7 + scan for scan in parts.scans])
    # When they are counted
    # Then every scan still counts
    assert count_jpeg_scans(upload, NO_LIMIT) == 10


def test_garbage_between_segments_is_skipped_as_libjpeg_skips_it() -> None:
    # Given a scan behind bytes that belong to no segment, stuffed zeros and a restart marker
    # included: libjpeg warns of extraneous data, skips to the next marker and decodes the scan
    parts = split_jpeg(progressive_jpeg())
    garbage = b"\x12\x34\xff\x00\x56\xff\xd3\x78"
    upload = parts.with_scans([*parts.scans, garbage + parts.scans[-1]])
    # When its scans are counted
    # Then the hidden scan is counted too
    assert count_jpeg_scans(upload, NO_LIMIT) == 11


def test_marker_bytes_inside_a_segment_are_not_markers() -> None:
    # Given a comment segment whose text holds the bytes of an SOS marker and of an EOI
    parts = split_jpeg(progressive_jpeg())
    text = b"\xff\xda\x00\x08 not a scan \xff\xd9"
    comment = b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text
    upload = parts.with_scans([comment, *parts.scans])
    # When its scans are counted
    # Then the comment is skipped whole: neither a scan nor the end
    assert count_jpeg_scans(upload, NO_LIMIT) == 10


def test_counting_stops_at_the_end_of_the_first_picture() -> None:
    # Given a JPEG followed by more scans after its EOI, which libjpeg never reads
    parts = split_jpeg(progressive_jpeg())
    upload = parts.with_scans(parts.scans) + b"".join(parts.scans) + EOI
    # When its scans are counted
    # Then only the picture's own count
    assert count_jpeg_scans(upload, NO_LIMIT) == 10


def test_counting_stops_one_past_the_limit() -> None:
    # Given a JPEG of 10 scans
    upload = progressive_jpeg()
    # When its scans are counted up to 4
    # Then the count stops there: past the limit the exact number does not matter
    assert count_jpeg_scans(upload, stop_after=4) == 4


@pytest.mark.parametrize("cut", [0, 1, 3, 200, -2], ids=["empty", "one-byte", "in-soi", "mid-file", "no-eoi"])
def test_a_truncated_file_is_counted_as_far_as_it_goes(cut: int) -> None:
    # Given a progressive JPEG cut short
    upload = progressive_jpeg()[:cut]
    # When its scans are counted
    count = count_jpeg_scans(upload, NO_LIMIT)
    # Then the count is what the bytes hold, and nothing is raised: refusing it is the decoder's job
    assert 0 <= count <= 10
    if cut == -2:
        assert count == 10
