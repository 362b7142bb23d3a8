"""Copy the reference reader page (web/) to the root of the snapshot bucket, where CloudFront
serves it at "/" (DefaultRootObject) beside the snapshots it reads.

    python scripts/publish_web.py --bucket <SnapshotBucketName output of the stack>

The files are not content-hashed, so they get a short max-age: a new version reaches readers
within a minute, without an invalidation.
"""

import argparse
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING

import boto3

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"
TEXT_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


def content_type(path: Path) -> str:
    if path.suffix in TEXT_TYPES:
        return f"{TEXT_TYPES[path.suffix]}; charset=utf-8"
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def publish(bucket: str, client: "S3Client | None" = None, source: Path = WEB_DIR) -> list[str]:
    """Upload every file under `source`, keyed by its path relative to it; returns the keys."""
    s3 = client or boto3.client("s3")
    keys = []
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        key = path.relative_to(source).as_posix()
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=path.read_bytes(),
            ContentType=content_type(path),
            CacheControl=CACHE_CONTROL,
        )
        keys.append(key)
    return keys


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bucket", required=True, help="the stack's SnapshotBucketName output")
    args = parser.parse_args()
    for key in publish(args.bucket):
        print(f"s3://{args.bucket}/{key}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
