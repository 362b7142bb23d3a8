"""The snapshot bucket behind the CDN: JSON documents with the cache headers readers rely on."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
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
# Fewer documents than this are written one after another (the common render: latest.json, one entry).
PARALLEL_FROM = 3
MAX_PARALLEL_PUTS = 8  # within botocore's pool of 10 connections
DELETE_BATCH = 1000  # S3's most keys per DeleteObjects


class SnapshotStore:
    def __init__(self, bucket: str, distribution_id: str = "", client: "S3Client | None" = None) -> None:
        self.bucket = bucket
        self.distribution_id = distribution_id
        self._client = client or boto3.client("s3", config=RETRIES)
        self.puts = 0
        self._counting = threading.Lock()
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
        with self._counting:
            self.puts += 1

    def put_many(self, documents: list[tuple[str, bytes, bool]]) -> None:
        """Write (key, body, immutable) documents, at once when there are several: a batch of new
        entries is one document each, and S3 answers each PUT in tens of milliseconds. All are
        attempted; the first failure is raised once every write has ended (the render is retried)."""
        if len(documents) < PARALLEL_FROM:
            for key, body, immutable in documents:
                self.put(key, body, immutable=immutable)
            return
        with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_PUTS, len(documents))) as pool:
            futures = [
                pool.submit(self.put, key, body, immutable=immutable) for key, body, immutable in documents
            ]
        for future in futures:
            future.result()

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=key)

    def list_keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            keys += [obj["Key"] for obj in page.get("Contents", [])]
        return keys

    def delete_many(self, keys: list[str]) -> None:
        """Delete the keys, a thousand per request. A key S3 could not delete raises, so the caller
        retries the whole removal (deleting what is already gone succeeds)."""
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start : start + DELETE_BATCH]
            response = self._client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
            )
            if errors := response.get("Errors"):
                raise RuntimeError(f"S3 did not delete {len(errors)} documents, first {errors[0]}")

    def invalidate(self, keys: list[str]) -> None:
        """Purge taken-down documents (or, with a trailing `*`, a deleted blog's every document)
        from the CDN: the only invalidations the system sends. Locally there is no distribution,
        and nothing to purge."""
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
