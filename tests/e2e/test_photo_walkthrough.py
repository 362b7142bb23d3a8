"""The README's photo walk-through against `make dev`'s stack: ask, curl -F, attach, see it on the CDN."""

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import requests
from PIL import Image

pytestmark = pytest.mark.e2e


def gps_tagged_jpeg(path: Path) -> bytes:
    image = Image.new("RGB", (1600, 1000), (40, 90, 160))
    image.paste((230, 230, 230), (600, 200, 800, 900))
    exif = Image.Exif()
    exif[0x010F] = "Harbour Cameras"
    exif.get_ifd(0x8825).update({1: "N", 2: (44.0, 38.0, 1.0), 3: "W", 4: (63.0, 34.0, 2.0)})
    image.save(path, "JPEG", quality=90, exif=exif.tobytes())
    return path.read_bytes()


def curl_form(upload: dict[str, Any], file: Path) -> subprocess.CompletedProcess[str]:
    """`curl -F` exactly as the README shows it: every signed field, then the file."""
    fields = [arg for name, value in upload["fields"].items() for arg in ("--form-string", f"{name}={value}")]
    return subprocess.run(
        [
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            *fields,
            "-F",
            f"file=@{file}",
            upload["url"],
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_ask_upload_attach_and_the_photo_reaches_latest_json_and_the_cdn(stack: Any, tmp_path: Path) -> None:
    # Given a live blog
    editor = stack.session("editor")
    slug = f"marathon-{uuid4().hex[:8]}"
    blog = editor.post(f"{stack.api}/blogs", json={"slug": slug, "title": "Harbour City Marathon"}, timeout=5)
    blog_id = blog.json()["id"]
    editor.patch(
        f"{stack.api}/blogs/{blog_id}", json={"status": "live"}, headers={"If-Match": '"1"'}, timeout=5
    )
    file = tmp_path / "finish.jpg"
    original = gps_tagged_jpeg(file)

    # When an editor asks for an upload, sends the file with curl -F, and posts an entry showing it
    asked = editor.post(
        f"{stack.api}/blogs/{blog_id}/photos",
        json={
            "filename": "finish.jpg",
            "content_type": "image/jpeg",
            "byte_size": len(original),
            "caption": "The winner breaks the tape on Harbour Road.",
            "credit": "Ana Ruiz/Harbour City Herald",
            "alt": "A runner with raised arms at a finish tape",
        },
        timeout=5,
    )
    assert asked.status_code == 201, asked.text
    upload = asked.json()["upload"]
    assert upload["url"].startswith(stack.aws)
    sent = curl_form(upload, file)
    assert sent.stdout in ("200", "201", "204"), sent
    photo_id = asked.json()["photo"]["id"]
    entry = editor.post(
        f"{stack.api}/blogs/{blog_id}/entries",
        json={"status": "published", "blocks": [{"type": "photo", "photo_id": photo_id}]},
        timeout=5,
    )
    assert entry.status_code == 201, entry.text

    # Then the photo becomes ready, and latest.json shows it with its caption and credit
    def latest() -> Any:
        response = requests.get(f"{stack.cdn}/v1/blogs/{slug}/latest.json", timeout=5)
        return response.json() if response.status_code == 200 else {}

    def photo_block(doc: Any) -> Any:
        blocks = doc.get("entries", [{}])[0].get("blocks", []) if doc.get("entries") else []
        return next((block for block in blocks if block["type"] == "photo"), None)

    document = stack.wait_for(latest, lambda doc: photo_block(doc) is not None)
    block = photo_block(document)
    assert block["caption"] == "The winner breaks the tape on Harbour Road."
    assert block["credit"] == "Ana Ruiz/Harbour City Herald"
    photo = editor.get(f"{stack.api}/blogs/{blog_id}/photos/{photo_id}", timeout=5).json()
    assert photo["status"] == "ready"

    # And every rendition is served by the local CDN as an immutable image without the GPS tags
    for rendition in block["renditions"]:
        served = requests.get(f"{stack.cdn}{rendition['url']}", timeout=5)
        assert served.status_code == 200
        assert served.headers["Content-Type"] == f"image/{rendition['format']}"
        assert "immutable" in served.headers["Cache-Control"]
        assert len(served.content) == rendition["bytes"]
        assert b"Exif" not in served.content
        assert b"Harbour Cameras" not in served.content
        with Image.open(io.BytesIO(served.content)) as image:
            assert image.width == rendition["width"]
    # And neither the upload nor the kept original is reachable through the CDN
    assert requests.get(f"{stack.cdn}/uploads/{blog_id}/{photo_id}", timeout=5).status_code == 404
    assert requests.get(f"{stack.cdn}/originals/{blog_id}/{photo_id}", timeout=5).status_code == 404
