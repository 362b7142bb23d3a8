"""Upload → media function → renderer: real images made here, real bytes checked in the bucket."""

import io
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from PIL import Image

from liveblog_local.functions import LambdaContext, load_handler
from support.jpeg import progressive_jpeg, scan_bomb

MEDIA_BUCKET = "mediabucket"
EVENTS = Path(__file__).resolve().parents[2] / "events"
GPS_IFD = 0x8825


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def photo_jpeg(width: int = 1600, height: int = 1000, orientation: int | None = None) -> bytes:
    """A photo-like JPEG carrying a camera make, a time and the reporter's GPS position."""
    image = Image.new("RGB", (width, height), (40, 90, 160))
    image.paste((220, 30, 30), (0, 0, width // 4, height // 4))  # red top-left corner
    exif = Image.Exif()
    exif[0x010F] = "Harbour Cameras"  # Make
    exif[0x0132] = "2026:11:28 09:14:00"  # DateTime
    if orientation:
        exif[0x0112] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (43.0, 39.0, 12.5), 3: "W", 4: (79.0, 23.0, 4.2)})
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def upload_file(upload: dict[str, Any], data: bytes) -> requests.Response:
    """What a browser form (or curl -F) sends: the signed fields, then the file."""
    return requests.post(
        upload["url"],
        data=upload["fields"],
        files={"file": ("photo", data, upload["fields"]["Content-Type"])},
        timeout=10,
    )


@pytest.fixture
def media(tables: dict[str, str]) -> Any:
    handler = load_handler("media")
    s3 = boto3.client("s3")

    class Media:
        def notify(self, key: str) -> dict[str, Any]:
            event = load_event("photo-uploaded")
            event["detail"]["bucket"]["name"] = MEDIA_BUCKET
            event["detail"]["object"]["key"] = key
            return handler(event, LambdaContext("liveblog-media"))

        def get(self, key: str) -> bytes:
            return s3.get_object(Bucket=MEDIA_BUCKET, Key=key)["Body"].read()

        def head(self, key: str) -> Any:
            return s3.head_object(Bucket=MEDIA_BUCKET, Key=key)

        def keys(self, prefix: str) -> list[str]:
            listed = s3.list_objects_v2(Bucket=MEDIA_BUCKET, Prefix=prefix)
            return sorted(item["Key"] for item in listed.get("Contents", []))

    return Media()


def send_photo(api: Any, media: Any, blog_id: str, data: bytes, **fields: Any) -> dict[str, Any]:
    """Ask for an upload, POST the bytes to S3 as a browser would, and let the media function run."""
    body = {
        "filename": "photo.jpg",
        "content_type": "image/jpeg",
        "byte_size": len(data),
        "caption": "Runners pass the lighthouse at mile 20.",
        "credit": "Ana Ruiz/Harbour City Herald",
        "alt": "A line of runners beside a white lighthouse",
        **fields,
    }
    asked = api.request("POST", f"/blogs/{blog_id}/photos", body)
    assert asked.status == 201, asked.body
    posted = upload_file(asked.body["upload"], data)
    assert posted.status_code in (200, 201, 204), posted.text
    result = media.notify(asked.body["upload"]["fields"]["key"])
    assert result["key"] == asked.body["upload"]["fields"]["key"]
    return api.request("GET", f"/blogs/{blog_id}/photos/{asked.body['photo']['id']}").body


def test_a_photo_with_gps_tags_becomes_ready_with_clean_renditions(api: Any, media: Any) -> None:
    # Given a blog and a 1600 px JPEG whose EXIF holds a camera, a time and GPS coordinates
    blog = api.create_blog()
    original = photo_jpeg()
    assert b"Harbour Cameras" in original

    # When it is uploaded and the media function hears of it
    photo = send_photo(api, media, blog["id"], original)

    # Then the photo is ready, upright size and format recorded
    assert photo["status"] == "ready", photo
    assert (photo["width"], photo["height"], photo["format"]) == (1600, 1000, "jpeg")
    assert photo["original_bytes"] == len(original)
    # And renditions exist at 320, 640 and 1280 (and 1600, never upscaled) in JPEG and WebP
    widths = sorted((r["format"], r["width"]) for r in photo["renditions"])
    assert widths == [(f, w) for f in ("jpeg", "webp") for w in (320, 640, 1280, 1600)]
    for rendition in photo["renditions"]:
        data = media.get(rendition["key"])
        assert len(data) == rendition["bytes"]
        # no metadata survives: no EXIF block, no camera, no GPS
        assert b"Exif" not in data
        assert b"Harbour Cameras" not in data
        with Image.open(io.BytesIO(data)) as image:
            assert image.width == rendition["width"]
            assert not image.getexif()
            assert not image.getexif().get_ifd(GPS_IFD)
            assert "icc_profile" not in image.info
        head = media.head(rendition["key"])
        assert head["CacheControl"] == "public, max-age=31536000, immutable"
        assert head["ContentType"] == f"image/{rendition['format']}"
    # And the original is kept privately, byte for byte
    assert media.get(f"originals/{blog['id']}/{photo['id']}") == original


def test_a_rotated_jpeg_is_published_upright(api: Any, media: Any) -> None:
    # Given a landscape JPEG whose EXIF says "rotate 90° clockwise to view" (orientation 6)
    blog = api.create_blog()
    photo = send_photo(api, media, blog["id"], photo_jpeg(900, 600, orientation=6))

    # Then the photo is portrait, and the red corner moved to the top right
    assert (photo["width"], photo["height"]) == (600, 900)
    largest = max((r for r in photo["renditions"] if r["format"] == "jpeg"), key=lambda r: r["width"])
    with Image.open(io.BytesIO(media.get(largest["key"]))) as image:
        assert image.size == (600, 900)
        red, green, _ = image.convert("RGB").getpixel((image.width - 10, 10))
        assert red > 180
        assert green < 80
        red, _, _ = image.convert("RGB").getpixel((10, 10))
        assert red < 100


def test_a_png_with_transparency_keeps_it_in_webp(api: Any, media: Any) -> None:
    blog = api.create_blog()
    image = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    image.paste((30, 160, 60, 255), (100, 100, 300, 200))
    out = io.BytesIO()
    image.save(out, "PNG")
    photo = send_photo(api, media, blog["id"], out.getvalue(), content_type="image/png", filename="map.png")
    assert photo["status"] == "ready"
    assert photo["format"] == "png"
    webp = next(r for r in photo["renditions"] if r["format"] == "webp" and r["width"] == 400)
    with Image.open(io.BytesIO(media.get(webp["key"]))) as decoded:
        assert decoded.mode == "RGBA"
        assert decoded.getpixel((5, 5))[3] == 0
        assert decoded.getpixel((200, 150))[3] == 255


def bomb_png() -> bytes:
    # 12,000 x 12,000 one-bit pixels: a small file that would decode to 144 megapixels.
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: b"<html><script>alert(1)</script></html>", "not_an_image"),
        (lambda: photo_jpeg()[:5_000], "corrupt"),
        (bomb_png, "too_many_pixels"),
        (lambda: scan_bomb(repeats=5_000), "too_complex"),
        (lambda: b"GIF89a" + bytes(100), "not_an_image"),
    ],
    ids=["html-named-jpg", "truncated-jpeg", "decompression-bomb", "jpeg-scan-bomb", "broken-gif"],
)
def test_what_is_not_a_usable_image_is_rejected_with_a_reason(
    api: Any, media: Any, make: Any, code: str
) -> None:
    # Given a blog and a file that is not a usable photo, whatever its name and declared type say
    blog = api.create_blog()

    # When it is uploaded
    photo = send_photo(api, media, blog["id"], make())

    # Then the photo is rejected with a reason, and no rendition exists
    assert photo["status"] == "rejected", photo
    assert photo["reason"]["code"] == code
    assert photo["reason"]["message"]
    assert photo["renditions"] == []
    assert media.keys(f"media/{photo['id']}/") == []
    assert media.keys(f"originals/{blog['id']}/{photo['id']}") == []


def test_a_file_over_the_size_limit_is_rejected_unread(
    api: Any, media: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a media function whose limit is 50 kB, and a file that claimed less than it is
    from liveblog.media import ingest

    blog = api.create_blog()
    data = photo_jpeg(2400, 1600) + bytes(60_000)
    monkeypatch.setenv("LIVEBLOG_PHOTO_MAX_BYTES", "50000")
    ingest._services.cache_clear()
    try:
        # When it arrives (S3 would refuse it by the signed content-length-range; moto does not)
        photo = send_photo(api, media, blog["id"], data, byte_size=1_000)
    finally:
        ingest._services.cache_clear()

    # Then it is rejected for its size
    assert photo["status"] == "rejected"
    assert photo["reason"]["code"] == "too_large"
    assert str(len(data)) in photo["reason"]["message"]


def test_the_scan_limit_comes_from_the_stack_parameter(
    api: Any, media: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a media function whose PhotoMaxScans is 18, a progressive JPEG of 19 scans, and an
    # ordinary progressive JPEG (10 scans)
    from liveblog.media import ingest

    blog = api.create_blog()
    monkeypatch.setenv("LIVEBLOG_PHOTO_MAX_SCANS", "18")
    ingest._services.cache_clear()
    try:
        # When both are uploaded
        refused = send_photo(api, media, blog["id"], scan_bomb(repeats=9))
        accepted = send_photo(api, media, blog["id"], progressive_jpeg())
    finally:
        ingest._services.cache_clear()

    # Then the 19-scan file is rejected as too complex, its message naming the limit, and the
    # ordinary one is ready
    assert refused["status"] == "rejected"
    assert refused["reason"]["code"] == "too_complex"
    assert "more than 18 scans" in refused["reason"]["message"]
    assert accepted["status"] == "ready"


def test_the_same_upload_notified_twice_changes_nothing_the_second_time(api: Any, media: Any) -> None:
    # Given a processed photo
    blog = api.create_blog()
    first = send_photo(api, media, blog["id"], photo_jpeg(800, 600))
    key = f"uploads/{blog['id']}/{first['id']}"

    # When the same notification is delivered again
    result = media.notify(key)

    # Then nothing changes: same version, same renditions
    assert result["outcome"] == "already_decided"
    again = api.request("GET", f"/blogs/{blog['id']}/photos/{first['id']}").body
    assert again == first
    assert len(media.keys(f"media/{first['id']}/")) == len(first["renditions"])


def test_processing_is_deterministic_so_a_racing_duplicate_writes_the_same_keys(
    api: Any, media: Any, store: Any
) -> None:
    # Given a photo processed once, then set back to pending as if a second delivery had raced the first
    from liveblog.media.processing import process_image

    data = photo_jpeg(700, 500)
    first = process_image(data)
    second = process_image(data)

    # Then both runs produce identical bytes, hence identical content-addressed keys
    assert [(r.width, r.format, r.digest) for r in first.renditions] == [
        (r.width, r.format, r.digest) for r in second.renditions
    ]
    assert [r.data for r in first.renditions] == [r.data for r in second.renditions]


def test_notifications_for_other_keys_are_ignored_and_other_buckets_refused(api: Any, media: Any) -> None:
    assert media.notify("uploads/not-a-photo.jpg")["outcome"] == "ignored"
    assert (
        media.notify("uploads/01JDQ5V7Z8YB6T3M2W4K9C1E0F/01JDQ7B2C3D4E5F6G7H8J9K0MN")["outcome"] == "ignored"
    )
    event = load_event("photo-uploaded")
    event["detail"]["bucket"]["name"] = "someone-elses-bucket"
    with pytest.raises(ValueError, match="not the media bucket"):
        load_handler("media")(event, LambdaContext("liveblog-media"))


# Into the snapshots


def photo_blocks(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [block for block in entry["blocks"] if block["type"] == "photo"]


def test_an_entry_publishes_before_its_photo_is_ready_and_gains_it_when_it_is(
    api: Any, media: Any, render: Any
) -> None:
    # Given a live blog and a photo asked for but not yet uploaded
    blog = api.go_live(api.create_blog())
    asked = api.request(
        "POST",
        f"/blogs/{blog['id']}/photos",
        {
            "filename": "start.jpg",
            "content_type": "image/jpeg",
            "byte_size": 10_000,
            "caption": "The start on Harbour Road.",
            "credit": "Ana Ruiz/Harbour City Herald",
            "alt": "Crowd of runners at a start line",
        },
    ).body
    photo_id = asked["photo"]["id"]

    # When an entry showing it is published right away
    entry = api.post_entry(
        blog["id"],
        title="And they're off",
        blocks=[
            {"type": "paragraph", "html": "The elite field left at 7:00."},
            {"type": "photo", "photo_id": photo_id},
        ],
    )
    render()

    # Then readers get the entry at once, without the photo (not a broken image)
    latest = render.json(f"v1/blogs/{blog['slug']}/latest.json")
    assert latest["entries"][0]["id"] == entry["id"]
    assert photo_blocks(latest["entries"][0]) == []

    # When the file arrives and is processed, and the stream is rendered
    assert upload_file(asked["upload"], photo_jpeg(2400, 1600)).status_code in (200, 201, 204)
    assert media.notify(asked["upload"]["fields"]["key"])["outcome"] == "ready"
    render()

    # Then the entry shows the photo with its words and srcset-ready renditions, not marked as corrected
    latest = render.json(f"v1/blogs/{blog['slug']}/latest.json")
    shown = latest["entries"][0]
    [block] = photo_blocks(shown)
    assert block["caption"] == "The start on Harbour Road."
    assert block["credit"] == "Ana Ruiz/Harbour City Herald"
    assert block["alt"] == "Crowd of runners at a start line"
    assert (block["width"], block["height"]) == (2400, 1600)
    assert [r["width"] for r in block["renditions"] if r["format"] == "webp"] == [320, 640, 1280, 2048]
    assert block["src"].endswith(".jpg")
    assert "/1280." in block["src"]
    assert block["srcset"]["webp"].count("w,") == 3
    assert block["srcset"]["jpeg"].startswith(f"/media/{photo_id}/320.")
    assert shown["updated_at"] is None
    # And the schema.org update carries the image with its caption, as an absolute URL
    [update] = latest["json_ld"]["liveBlogUpdate"]
    [image] = update["image"]
    assert image["caption"] == "The start on Harbour Road."
    assert image["creditText"] == "Ana Ruiz/Harbour City Herald"
    assert image["url"] == "http://127.0.0.1:3001" + block["src"]
    # And the entry's own document shows it too
    document = render.json(f"v1/blogs/{blog['slug']}/entries/{entry['id']}.json")
    assert photo_blocks(document["entry"]) == [block]


def test_block_overrides_win_over_the_photos_own_words(api: Any, media: Any, render: Any) -> None:
    blog = api.go_live(api.create_blog())
    photo = send_photo(api, media, blog["id"], photo_jpeg(640, 480))
    api.post_entry(
        blog["id"],
        blocks=[
            {"type": "photo", "photo_id": photo["id"], "caption": "At mile 20 (earlier)", "credit": "Pool"}
        ],
    )
    render()
    [block] = photo_blocks(render.json(f"v1/blogs/{blog['slug']}/latest.json")["entries"][0])
    assert block["caption"] == "At mile 20 (earlier)"
    assert block["credit"] == "Pool"
    assert block["alt"] == "A line of runners beside a white lighthouse"


def test_a_caption_edit_republishes_every_entry_showing_the_photo_even_on_an_archive_page(
    api: Any, media: Any, render: Any
) -> None:
    # Given a photo shown by the first entry of a blog whose first page has since filled up,
    # and by one recent entry
    from liveblog.rendering.documents import PAGE_SIZE

    blog = api.go_live(api.create_blog())
    photo = send_photo(api, media, blog["id"], photo_jpeg(640, 480))
    old = api.post_entry(blog["id"], blocks=[{"type": "photo", "photo_id": photo["id"]}])
    for n in range(PAGE_SIZE + 2):
        api.post_entry(blog["id"], title=f"Mile marker {n}")
    recent = api.post_entry(blog["id"], blocks=[{"type": "photo", "photo_id": photo["id"]}])
    while render.pending():
        pass
    before = render.json(f"v1/blogs/{blog['slug']}/latest.json")
    page_url = before["pages"][-1]["url"]

    # When an editor corrects the caption
    response = api.request(
        "PATCH",
        f"/blogs/{blog['id']}/photos/{photo['id']}",
        {"caption": "Runners pass the old lighthouse at mile 20."},
        headers={"If-Match": f'"{photo["version"]}"'},
    )
    assert response.status == 200, response.body
    result = render()

    # Then one render rewrote the recent entry in latest.json, the old entry's archive page
    # (under a new immutable name) and both entries' documents
    assert result == {"batchItemFailures": []}
    latest = render.json(f"v1/blogs/{blog['slug']}/latest.json")
    assert latest["version"] == before["version"] + 1
    assert photo_blocks(latest["entries"][0])[0]["caption"] == "Runners pass the old lighthouse at mile 20."
    new_page_url = latest["pages"][-1]["url"]
    assert new_page_url != page_url
    page = render.json(new_page_url.lstrip("/"))
    [old_shown] = [e for e in page["entries"] if e["id"] == old["id"]]
    assert photo_blocks(old_shown)[0]["caption"] == "Runners pass the old lighthouse at mile 20."
    for entry in (old, recent):
        document = render.json(f"v1/blogs/{blog['slug']}/entries/{entry['id']}.json")
        assert photo_blocks(document["entry"])[0]["caption"] == "Runners pass the old lighthouse at mile 20."


def test_a_caption_edit_of_a_photo_no_published_entry_shows_renders_nothing(
    api: Any, media: Any, render: Any
) -> None:
    blog = api.go_live(api.create_blog())
    photo = send_photo(api, media, blog["id"], photo_jpeg(640, 480))
    while render.pending():
        pass
    before = render.json(f"v1/blogs/{blog['slug']}/latest.json") if render.keys() else None
    api.request(
        "PATCH",
        f"/blogs/{blog['id']}/photos/{photo['id']}",
        {"caption": "Unused"},
        headers={"If-Match": f'"{photo["version"]}"'},
    )
    render()
    after = render.json(f"v1/blogs/{blog['slug']}/latest.json") if render.keys() else None
    assert (before or {}).get("version") == (after or {}).get("version")


# What an upload form may still do once it was signed


def ask_for_upload(api: Any, blog_id: str, role: str = "editor", user: str = "editor-1") -> dict[str, Any]:
    body = {
        "filename": "quay.jpg",
        "content_type": "image/jpeg",
        "byte_size": 50_000,
        "caption": "Quay Street.",
    }
    asked = api.request("POST", f"/blogs/{blog_id}/photos", body, role=role, user=user)
    assert asked.status == 201, asked.body
    return asked.body


def test_a_contributors_file_sent_after_an_editor_published_the_entry_never_reaches_readers(
    api: Any, media: Any, render: Any
) -> None:
    # Given a contributor's draft showing their photo, not yet uploaded, which an editor publishes
    blog = api.go_live(api.create_blog())
    asked = ask_for_upload(api, blog["id"], role="contributor", user="stringer-7")
    photo_id = asked["photo"]["id"]
    draft = api.post_entry(
        blog["id"],
        role="contributor",
        user="stringer-7",
        status="draft",
        blocks=[{"type": "paragraph", "html": "Roofs off."}, {"type": "photo", "photo_id": photo_id}],
    )
    published = api.request(
        "PATCH",
        f"/blogs/{blog['id']}/entries/{draft['id']}",
        {"status": "published"},
        headers={"If-Match": '"1"'},
    )
    assert published.status == 200, published.body
    render()

    # When the contributor then sends a file with the form they still hold
    assert upload_file(asked["upload"], photo_jpeg(800, 600)).status_code in (200, 201, 204)
    result = media.notify(asked["upload"]["fields"]["key"])
    while render.pending():
        pass

    # Then the media function refuses it: the photo stays pending, nothing is written for it,
    # and readers see the entry as the editor published it, without a picture
    assert result["outcome"] == "refused"
    photo = api.request("GET", f"/blogs/{blog['id']}/photos/{photo_id}").body
    assert photo["status"] == "pending"
    assert photo["locked_at"] is not None
    assert media.keys(f"media/{photo_id}/") == []
    assert media.keys(f"originals/{blog['id']}/{photo_id}") == []
    latest = render.json(f"v1/blogs/{blog['slug']}/latest.json")
    [entry] = latest["entries"]
    assert entry["id"] == draft["id"]
    assert photo_blocks(entry) == []
    assert entry["updated_at"] is None


def test_a_contributors_file_sent_before_review_becomes_ready_as_before(api: Any, media: Any) -> None:
    # Given a contributor's photo that only a draft shows
    blog = api.go_live(api.create_blog())
    asked = ask_for_upload(api, blog["id"], role="contributor", user="stringer-7")
    api.post_entry(
        blog["id"],
        role="contributor",
        user="stringer-7",
        status="draft",
        blocks=[{"type": "photo", "photo_id": asked["photo"]["id"]}],
    )

    # When the file arrives
    upload_file(asked["upload"], photo_jpeg(800, 600))
    result = media.notify(asked["upload"]["fields"]["key"])

    # Then it is processed: an editor reviews a ready photo before publishing
    assert result["outcome"] == "ready"


def test_a_second_file_sent_while_the_first_is_processed_never_reaches_readers(
    api: Any, media: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an upload being processed, and a second file sent to the same form meanwhile (and
    # delivered at once)
    from liveblog.media import ingest

    blog = api.go_live(api.create_blog())
    asked = ask_for_upload(api, blog["id"])
    key = asked["upload"]["fields"]["key"]
    photo_id = asked["photo"]["id"]
    real_process = ingest.process_image
    second: list[dict[str, Any]] = []

    def process_while_a_second_file_lands(data: bytes, limits: Any) -> Any:
        if not second:
            second.append({})
            assert upload_file(asked["upload"], photo_jpeg(300, 900)).status_code in (200, 201, 204)
            second[0] = media.notify(key)
        return real_process(data, limits)

    monkeypatch.setattr(ingest, "process_image", process_while_a_second_file_lands)
    sent = photo_jpeg(900, 300)
    upload_file(asked["upload"], sent)

    # When the first delivery runs
    first = media.notify(key)

    # Then the second file was refused, and the photo, its original and its renditions are the first's
    assert second[0]["outcome"] == "refused"
    assert first["outcome"] == "ready"
    photo = api.request("GET", f"/blogs/{blog['id']}/photos/{photo_id}").body
    assert (photo["width"], photo["height"]) == (900, 300)
    assert media.get(f"originals/{blog['id']}/{photo_id}") == sent
    assert sorted(r["key"] for r in photo["renditions"]) == media.keys(f"media/{photo_id}/")


def test_a_file_sent_again_after_the_verdict_changes_no_original_and_no_rendition(
    api: Any, media: Any
) -> None:
    # Given a photo made ready from a first file
    blog = api.create_blog()
    asked = ask_for_upload(api, blog["id"])
    first = photo_jpeg(800, 600)
    upload_file(asked["upload"], first)
    assert media.notify(asked["upload"]["fields"]["key"])["outcome"] == "ready"
    photo_id = asked["photo"]["id"]
    renditions = {key: media.get(key) for key in media.keys(f"media/{photo_id}/")}

    # When another file is sent with the same form
    upload_file(asked["upload"], photo_jpeg(500, 500))
    result = media.notify(asked["upload"]["fields"]["key"])

    # Then the verdict stands: the original and every rendition are the first file's
    assert result["outcome"] == "already_decided"
    assert media.get(f"originals/{blog['id']}/{photo_id}") == first
    assert {key: media.get(key) for key in media.keys(f"media/{photo_id}/")} == renditions


def test_an_upload_to_an_archived_blogs_photo_changes_nothing_readers_see(
    api: Any, media: Any, render: Any
) -> None:
    # Given an editor's pending photo shown by a published entry, in a blog since archived
    blog = api.go_live(api.create_blog())
    asked = ask_for_upload(api, blog["id"])
    photo_id = asked["photo"]["id"]
    api.post_entry(blog["id"], blocks=[{"type": "photo", "photo_id": photo_id}])
    for status in ("ended", "archived"):
        blog = api.request("GET", f"/blogs/{blog['id']}").body
        changed = api.request(
            "PATCH", f"/blogs/{blog['id']}", {"status": status}, headers={"If-Match": f'"{blog["version"]}"'}
        )
        assert changed.status == 200, changed.body
    while render.pending():
        pass
    before = render.json(f"v1/blogs/{blog['slug']}/latest.json")

    # When the file arrives
    upload_file(asked["upload"], photo_jpeg(800, 600))
    result = media.notify(asked["upload"]["fields"]["key"])
    while render.pending():
        pass

    # Then nothing is recorded or written, and the archived snapshot is as it was
    assert result["outcome"] == "refused"
    assert api.request("GET", f"/blogs/{blog['id']}/photos/{photo_id}").body["status"] == "pending"
    assert media.keys(f"media/{photo_id}/") == []
    assert render.json(f"v1/blogs/{blog['slug']}/latest.json") == before
