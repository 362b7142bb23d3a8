"""The snapshot bucket behind the CDN: JSON documents with the cache headers readers rely on."""

import time
from functools import cached_property
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

JSON = "application/json; charset=utf-8"
# Mutable documents: seconds, and readers keep showing the old copy while the CDN refreshes it.
MUTABLE = "public, max-age=5, s-maxage=5, stale-while-revalidate=30"
# Content-hashed documents never change under their name.
IMMUTABLE = "public, max-age=31536000, immutable"
# Standard mode: throttling, 5xx and timeouts are retried 4 times (5 attempts) with backoff.
RETRIES = Config(retries={"mode": "standard", "max_attempts": 4})


class SnapshotStore:
    def __init__(self, bucket: str, distribution_id: str = "", client: "S3Client | None" = None) -> None:
        self.bucket = bucket
        self.distribution_id = distribution_id
        self._client = client or boto3.client("s3", config=RETRIES)
        self.puts = 0
        self.invalidations: list[list[str]] = []

    @cached_property
    def cdn(self) -> Any:
        """The CloudFront client, made once: takedowns are rare, but one per render would pay for
        a new client each time."""
        return boto3.client("cloudfront", config=RETRIES)

    def put(self, key: str, body: bytes, *, immutable: bool, version: int | None = None) -> None:
        metadata = {"version": str(version)} if version is not None else {}
        self._client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType=JSON,
            CacheControl=IMMUTABLE if immutable else MUTABLE,
            Metadata=metadata,
        )
        self.puts += 1

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=key)

    def invalidate(self, keys: list[str]) -> None:
        """Purge taken-down documents from the CDN: the only invalidations the system sends.
        Locally there is no distribution, and nothing to purge."""
        if not keys:
            return
        self.invalidations.append(keys)
        if not self.distribution_id:
            return
        self.cdn.create_invalidation(
            DistributionId=self.distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(keys), "Items": [f"/{key}" for key in keys]},
                "CallerReference": f"takedown-{time.time_ns()}",
            },
        )
