"""The local CDN in front of the snapshot and media buckets: what a reader's browser sees through CloudFront."""

import gzip
import http.client
import json
from pathlib import Path

import boto3
import pytest
import requests

from liveblog_local import WEB_DIR
from liveblog_local.cdn import CdnServer, SnapshotCdn
from liveblog_local.template import CacheBehavior, LocalTemplate, create_buckets, function_environment

REPO = Path(__file__).resolve().parents[2]
BIG = json.dumps({"entries": [{"n": n, "text": "Winds reach 90 km/h."} for n in range(100)]}).encode()


@pytest.fixture
def bucket(tables: dict[str, str]) -> str:
    buckets = create_buckets(boto3.client("s3"))
    assert buckets == {"SnapshotBucket": "snapshotbucket", "MediaBucket": "mediabucket"}
    assert create_buckets(boto3.client("s3")) == buckets  # idempotent
    s3 = boto3.client("s3")
    s3.put_object(
        Bucket="snapshotbucket",
        Key="v1/blogs/storm/latest.json",
        Body=BIG,
        ContentType="application/json",
        CacheControl="public, max-age=5",
    )
    s3.put_object(Bucket="snapshotbucket", Key="v1/tiny.json", Body=b"{}", ContentType="application/json")
    return "snapshotbucket"


def test_the_renderer_environment_names_the_local_bucket_and_no_distribution(tables: dict[str, str]) -> None:
    environment = function_environment("RendererFunction", names=tables)
    assert environment["LIVEBLOG_SNAPSHOT_BUCKET"] == "snapshotbucket"
    assert environment["LIVEBLOG_DISTRIBUTION_ID"] == ""


def test_an_object_with_its_headers(bucket: str) -> None:
    cdn = SnapshotCdn(bucket)
    response = cdn.handle("GET", "/v1/blogs/storm/latest.json?x=1", {})
    headers = dict(response.headers)
    assert response.status == 200
    assert response.body == BIG
    assert headers["Content-Type"] == "application/json"
    assert headers["Cache-Control"] == "public, max-age=5"
    assert headers["ETag"].startswith('"')
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Length"] == str(len(BIG))

    again = cdn.handle("GET", "/v1/blogs/storm/latest.json", {"if-none-match": headers["ETag"]})
    assert again.status == 304
    assert again.body == b""


def test_gzip_when_accepted_and_worth_it(bucket: str) -> None:
    cdn = SnapshotCdn(bucket)
    response = cdn.handle("GET", "/v1/blogs/storm/latest.json", {"accept-encoding": "br, gzip"})
    headers = dict(response.headers)
    assert headers["Content-Encoding"] == "gzip"
    assert headers["ETag"].startswith('W/"')
    assert gzip.decompress(response.body) == BIG
    assert cdn.handle("GET", "/v1/blogs/storm/latest.json", {"if-none-match": headers["ETag"]}).status == 304
    tiny = dict(cdn.handle("GET", "/v1/tiny.json", {"accept-encoding": "gzip"}).headers)
    assert "Content-Encoding" not in tiny


def test_missing_objects_and_the_root(bucket: str) -> None:
    cdn = SnapshotCdn(bucket)
    for path in ("/v1/blogs/nope/latest.json", "/", "/v1/"):
        response = cdn.handle("GET", path, {})
        assert response.status == 404
        assert json.loads(response.body) == {"message": "Not Found"}
    assert cdn.handle("HEAD", "/v1/nope.json", {}).status == 404


def test_over_http(bucket: str) -> None:
    server = CdnServer(SnapshotCdn(bucket), port=0)
    server.start()
    try:
        response = requests.get(f"{server.url}/v1/blogs/storm/latest.json", timeout=5)
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == "gzip"  # requests accepts gzip
        assert response.json() == json.loads(BIG)
        head = requests.head(f"{server.url}/v1/tiny.json", timeout=5)
        assert head.status_code == 200
        assert head.headers["Content-Length"] == "2"
        assert requests.get(f"{server.url}/missing", timeout=5).status_code == 404
        assert requests.post(f"{server.url}/v1/tiny.json", timeout=5).status_code == 403
        preflight = requests.options(f"{server.url}/v1/tiny.json", timeout=5)
        assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    finally:
        server.stop()


# Photos: /media/* comes from the media bucket, as the distribution's cache behaviour says.

PHOTO = "01JDQ7B2C3D4E5F6G7H8J9K0MN"
BLOG = "01JDQ5V7Z8YB6T3M2W4K9C1E0F"
RENDITION = f"media/{PHOTO}/640.3f9a1c.webp"


@pytest.fixture(scope="module")
def behaviors() -> list[CacheBehavior]:
    return LocalTemplate.load().cache_behaviors("SnapshotDistribution")


@pytest.fixture
def media_cdn(bucket: str, behaviors: list[CacheBehavior]) -> SnapshotCdn:
    s3 = boto3.client("s3")
    webp = b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(4000)
    s3.put_object(
        Bucket="mediabucket",
        Key=RENDITION,
        Body=webp,
        ContentType="image/webp",
        CacheControl="public, max-age=31536000, immutable",
    )
    for private in (f"uploads/{BLOG}/{PHOTO}", f"originals/{BLOG}/{PHOTO}"):
        s3.put_object(
            Bucket="mediabucket", Key=private, Body=b"GPS-tagged original", ContentType="image/jpeg"
        )
    return SnapshotCdn(bucket, behaviors=behaviors)


def test_the_distribution_sends_media_paths_to_the_media_bucket(behaviors: list[CacheBehavior]) -> None:
    # Given template.yaml's distribution, When its cache behaviours are read
    # Then /media/* goes to the media bucket, uncompressed, and nothing else is routed specially
    assert behaviors == [CacheBehavior(path_prefix="media/", bucket="mediabucket", compress=False)]


def test_a_photo_rendition_with_its_headers(media_cdn: SnapshotCdn) -> None:
    # When a reader's browser loads a rendition, accepting gzip
    response = media_cdn.handle("GET", f"/{RENDITION}", {"accept-encoding": "gzip"})

    # Then it gets the media bucket's object as stored, immutable for a year, not compressed
    headers = dict(response.headers)
    assert response.status == 200
    assert response.body.startswith(b"RIFF")
    assert headers["Content-Type"] == "image/webp"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["ETag"].startswith('"')
    assert "Content-Encoding" not in headers
    assert "Vary" not in headers
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["X-Content-Type-Options"] == "nosniff"

    # And asking again with its ETag is a 304 without a body
    again = media_cdn.handle("GET", f"/{RENDITION}", {"if-none-match": headers["ETag"]})
    assert again.status == 304
    assert again.body == b""


def test_uploads_and_originals_are_not_reachable_through_the_cdn(media_cdn: SnapshotCdn) -> None:
    # Given an upload and its original in the media bucket
    # When a reader asks the CDN for them, directly or by climbing out of /media/
    for path in (
        f"/uploads/{BLOG}/{PHOTO}",
        f"/originals/{BLOG}/{PHOTO}",
        f"/media/../uploads/{BLOG}/{PHOTO}",
        f"/media/%2E%2E/originals/{BLOG}/{PHOTO}",
    ):
        response = media_cdn.handle("GET", path, {})
        # Then they are not found: only /media/ is read from the media bucket
        assert response.status == 404, path
        assert b"GPS" not in response.body
    # And the snapshots are still served from the snapshot bucket
    assert media_cdn.handle("GET", "/v1/tiny.json", {}).status == 200


def test_the_reader_page_is_the_root_and_its_files_are_served_from_web(bucket: str, tmp_path: Path) -> None:
    # Given a site folder with the page, its script, and a secret one level up
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "index.html").write_text("<!doctype html><title>Live</title>" + "<p>x</p>" * 200)
    (tmp_path / "web" / "app.js").write_text("export const poll = 10;")
    (tmp_path / "secret.txt").write_text("not for readers")
    cdn = SnapshotCdn(bucket, site=tmp_path / "web")

    # Then "/" is the page (HTML, revalidated by ETag, gzip when accepted), and app.js is JavaScript
    root = cdn.handle("GET", "/", {"accept-encoding": "gzip"})
    headers = dict(root.headers)
    assert root.status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-cache"
    assert gzip.decompress(root.body).startswith(b"<!doctype html>")
    assert cdn.handle("GET", "/", {"if-none-match": headers["ETag"]}).status == 304
    script = cdn.handle("GET", "/app.js", {})
    assert dict(script.headers)["Content-Type"] == "text/javascript; charset=utf-8"
    # And nothing outside the folder is reachable, while snapshots still come from the bucket
    assert cdn.handle("GET", "/../secret.txt", {}).status == 404
    assert cdn.handle("GET", "/%2E%2E/secret.txt", {}).status == 404
    assert cdn.handle("GET", "/v1/tiny.json", {}).status == 200


def test_the_published_reader_page_is_served_from_the_bucket_as_cloudfront_would(
    bucket: str, tmp_path: Path
) -> None:
    import importlib.util

    # Given the reader page published to the snapshot bucket with scripts/publish_web.py
    spec = importlib.util.spec_from_file_location("publish_web", REPO / "scripts" / "publish_web.py")
    assert spec is not None
    assert spec.loader is not None
    publish_web = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(publish_web)
    (tmp_path / "index.html").write_text("<!doctype html><title>Live</title>")
    (tmp_path / "style.css").write_text("body { margin: 0 }")
    keys = publish_web.publish(bucket, boto3.client("s3"), source=tmp_path)

    # Then the CDN, with no local site folder, answers "/" and the stylesheet from the bucket
    assert keys == ["index.html", "style.css"]
    cdn = SnapshotCdn(bucket)
    root = cdn.handle("GET", "/", {})
    assert root.status == 200
    assert dict(root.headers)["Content-Type"] == "text/html; charset=utf-8"
    assert dict(root.headers)["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"
    assert dict(cdn.handle("GET", "/style.css", {}).headers)["Content-Type"] == "text/css; charset=utf-8"


@pytest.mark.parametrize(
    "path", ["/%00", "/v1/blogs/%00/latest.json", "/%ZZ.json", "/v1/%C3%28.json", "/index.html%0A", "/%"]
)
def test_a_path_that_cannot_name_an_object_is_a_bad_request(bucket: str, path: str) -> None:
    # Given the CDN as `make dev` serves it: snapshots, and the reader page from web/
    server = CdnServer(SnapshotCdn(bucket, site=WEB_DIR), port=0)
    server.start()
    try:
        # When a path has a NUL, a broken escape or bytes that are not UTF-8 (sent as they are)
        connection = http.client.HTTPConnection(server.url.removeprefix("http://"), timeout=5)
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        connection.close()
    finally:
        server.stop()

    # Then it is refused as a bad request that says why, never a 502
    assert response.status == 400
    assert json.loads(body) == {"message": "Bad Request: the path is not a percent-encoded UTF-8 object key"}


def test_an_encoded_utf8_path_is_looked_up(bucket: str) -> None:
    cdn = SnapshotCdn(bucket, site=WEB_DIR)

    assert cdn.handle("GET", "/v1/blogs/caf%C3%A9/latest.json", {}).status == 404
    assert cdn.handle("GET", "/v1/tiny%2Ejson", {}).status == 200
