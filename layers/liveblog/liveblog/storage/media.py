"""The media bucket: uploads arrive under uploads/, originals are kept private under originals/,
renditions are public through the CDN under media/.

    uploads/<blog_id>/<photo_id>                 what the browser POSTed (expires by lifecycle rule)
    originals/<blog_id>/<photo_id>               the accepted upload, kept private
    media/<photo_id>/<width>.<digest>.<ext>      renditions: content-addressed, so immutable
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

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


def parse_upload_key(key: str) -> tuple[str, str] | None:
    """(blog_id, photo_id) for a key under uploads/, None for anything else."""
    match = _UPLOAD_KEY.match(key)
    return (match.group(1), match.group(2)) if match else None


@dataclass(frozen=True)
class Upload:
    data: bytes
    size: int
    etag: str


class UploadTooLargeError(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(f"upload is {size} bytes")
        self.size = size


class MediaStore:
    def __init__(self, bucket: str, client: "S3Client | None" = None) -> None:
        self.bucket = bucket
        self._client = client or boto3.client(
            "s3", config=Config(retries={"mode": "standard", "max_attempts": 4}, signature_version="s3v4")
        )

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

    def read_upload(self, key: str, max_bytes: int) -> Upload | None:
        """The uploaded object, or None if it is gone. Larger than `max_bytes`: UploadTooLargeError,
        raised from the object's size before a byte of it is read."""
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        size = int(head["ContentLength"])
        if size > max_bytes:
            raise UploadTooLargeError(size)
        etag = str(head["ETag"])
        try:
            # IfMatch: the object read is the object measured, even if a second POST replaced it.
            body = self._client.get_object(Bucket=self.bucket, Key=key, IfMatch=etag)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "PreconditionFailed", "412"):
                return None
            raise
        return Upload(data=body, size=len(body), etag=etag)

    def keep_original(self, upload: Upload, upload_key: str, key: str) -> None:
        """Copy the accepted upload out of uploads/, which the lifecycle rule empties."""
        self._client.copy_object(
            Bucket=self.bucket,
            Key=key,
            CopySource={"Bucket": self.bucket, "Key": upload_key},
            CopySourceIfMatch=upload.etag,
        )

    def put_rendition(self, key: str, data: bytes, content_type: str) -> None:
        self._client.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, CacheControl=IMMUTABLE
        )
