"""The media bucket: uploads arrive under uploads/, originals are kept private under originals/,
renditions are public through the CDN under media/.

    uploads/<blog_id>/<photo_id>                 what the browser POSTed (expires by lifecycle rule)
    originals/<blog_id>/<photo_id>               the accepted upload, kept private
    media/<photo_id>/<width>.<digest>.<ext>      renditions: content-addressed, so immutable

Deleting a photo removes all three and purges its renditions from the CDN. The bucket keeps
versions: what is deleted stays, private, until the lifecycle rules expire it (uploads after a
day, the rest after 30 days).
"""

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from liveblog.models import PresignedUpload
from liveblog.models.common import ULID_PATTERN

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

UPLOADS_PREFIX = "uploads/"
# Renditions never change under their name (the digest is of their bytes).
IMMUTABLE = "public, max-age=31536000, immutable"
_UPLOAD_KEY = re.compile(rf"^uploads/({ULID_PATTERN[1:-1]})/({ULID_PATTERN[1:-1]})$")


def upload_key(blog_id: str, photo_id: str) -> str:
    return f"{UPLOADS_PREFIX}{blog_id}/{photo_id}"


def original_key(blog_id: str, photo_id: str) -> str:
    return f"originals/{blog_id}/{photo_id}"


def rendition_key(photo_id: str, width: int, digest: str, extension: str) -> str:
    return f"media/{photo_id}/{width}.{digest}.{extension}"


def renditions_prefix(photo_id: str) -> str:
    return f"media/{photo_id}/"


def parse_upload_key(key: str) -> tuple[str, str] | None:
    """(blog_id, photo_id) for a key under uploads/, None for anything else."""
    match = _UPLOAD_KEY.match(key)
    return (match.group(1), match.group(2)) if match else None


@dataclass(frozen=True)
class Upload:
    data: bytes
    size: int
    etag: str


@dataclass(frozen=True)
class UploadHead:
    size: int
    etag: str


RETRIES = Config(retries={"mode": "standard", "max_attempts": 4})


class MediaStore:
    def __init__(self, bucket: str, client: "S3Client | None" = None, distribution_id: str = "") -> None:
        self.bucket = bucket
        self.distribution_id = distribution_id
        self._client = client or boto3.client(
            "s3", config=Config(retries={"mode": "standard", "max_attempts": 4}, signature_version="s3v4")
        )
        self.invalidations: list[list[str]] = []

    @cached_property
    def cdn(self) -> Any:
        return boto3.client("cloudfront", config=RETRIES)

    def presigned_upload(
        self, key: str, content_type: str, max_bytes: int, expires_in: int, now: datetime
    ) -> PresignedUpload:
        """A form POST that S3 accepts only for this key, this type and at most `max_bytes`."""
        post = self._client.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, max_bytes],
            ],
            ExpiresIn=expires_in,
        )
        return PresignedUpload(
            url=post["url"],
            fields={name: str(value) for name, value in post["fields"].items()},
            expires_at=now + timedelta(seconds=expires_in),
            max_bytes=max_bytes,
        )

    def head_upload(self, key: str) -> UploadHead | None:
        """The uploaded object's size and ETag, or None if it is gone."""
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return UploadHead(size=int(head["ContentLength"]), etag=str(head["ETag"]))

    def read_upload(self, key: str, head: UploadHead) -> Upload | None:
        """The object `head` describes, or None if a later POST replaced it (or it is gone)."""
        try:
            body = self._client.get_object(Bucket=self.bucket, Key=key, IfMatch=head.etag)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "PreconditionFailed", "412"):
                return None
            raise
        return Upload(data=body, size=len(body), etag=head.etag)

    def keep_original(self, upload: Upload, key: str) -> None:
        """Keep the accepted upload out of uploads/, which the lifecycle rule empties. Its bytes as
        read, not a copy of the upload's key: a later POST may have replaced what is there."""
        self._client.put_object(Bucket=self.bucket, Key=key, Body=upload.data)

    def put_rendition(self, key: str, data: bytes, content_type: str) -> None:
        self._client.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, CacheControl=IMMUTABLE
        )

    def delete_photo_objects(self, blog_id: str, photo_id: str) -> list[str]:
        """Delete the photo's renditions (every object under its prefix, listed, so that renditions
        a refused verdict left behind go too), its original and its upload; the keys deleted."""
        keys = [original_key(blog_id, photo_id), upload_key(blog_id, photo_id)]
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=renditions_prefix(photo_id)):
            keys += [item["Key"] for item in page.get("Contents", [])]
        for start in range(0, len(keys), 1000):
            batch = keys[start : start + 1000]
            response = self._client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
            )
            if response.get("Errors"):
                failed = ", ".join(error.get("Key", "?") for error in response["Errors"])
                raise RuntimeError(f"S3 did not delete {failed}; retry")
        return keys

    def purge_renditions(self, photo_id: str) -> None:
        """Ask the CDN to forget the photo's renditions, cached there for up to a year. Locally there
        is no distribution, and nothing to purge."""
        paths = [f"/{renditions_prefix(photo_id)}*"]
        self.invalidations.append(paths)
        if not self.distribution_id:
            return
        self.cdn.create_invalidation(
            DistributionId=self.distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": paths},
                "CallerReference": f"photo-{photo_id}-{time.time_ns()}",
            },
        )
