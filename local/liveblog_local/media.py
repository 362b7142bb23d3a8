"""S3 "Object Created" events to a Lambda handler, as an EventBridge rule delivers them.

In AWS the media bucket sends every new object to EventBridge, and the media function's
rule passes those under uploads/ to it. moto's S3 sends nothing anywhere, so locally
`ObjectCreatedWatcher` lists the rule's buckets and prefix every 0.2 s and turns each new
object, or new version of an object (another ETag or time under the same key: a second
POST), into the event S3 would have sent (events/photo-uploaded.json), then invokes the
handler with it.

Delivery follows the rule target's RetryPolicy from the template: a handler that raises, or runs
past the function's Timeout (a Lambda timeout, see functions.invoke_with_timeout), is
invoked again after a backoff (0.2 s doubling, at most 5 s; EventBridge waits longer) until
MaximumRetryAttempts retries or MaximumEventAgeInSeconds have passed, and the event is then
given up: one JSON line in .local/<function>-dead-letters.jsonl, the message the rule's
dead-letter queue would receive (its attributes and the event as the body) plus the stack
trace. Uploads are delivered side by side, so a slow 24-megapixel photo does not hold up
the next; two versions of one object are delivered one after the other, in order.

In AWS the rule hands the event to Lambda's asynchronous queue, and a function error is then
retried by the function's own asynchronous settings (EventInvokeConfig: two retries by
default, then its OnFailure destination if it has one); the rule's RetryPolicy and
dead-letter queue only cover failures to hand the event over. Locally the rule's settings
stand for both, so a handler failure is visible here even where AWS would drop it.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import traceback
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from liveblog_local import LOCAL_ACCOUNT_ID, LOCAL_REGION, STATE_DIR
from liveblog_local.functions import Handler, invoke_with_timeout, lambda_context
from liveblog_local.template import LOCAL_STACK_NAME, S3ObjectCreatedRule

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("liveblog_local.media")

POLL_INTERVAL_SECONDS = 0.2
_MAX_BACKOFF_SECONDS = 5.0

ObjectId = tuple[str, str]  # (bucket, key)


@dataclass(frozen=True)
class StoredObject:
    """One version of an object, as ListObjectsV2 shows it."""

    bucket: str
    key: str
    etag: str  # quoted, as S3 sends it in headers and listings
    size: int
    last_modified: datetime

    @property
    def version(self) -> tuple[str, datetime]:
        # Another ETag is other bytes; another time with the same ETag is the same bytes sent again,
        # which S3 also announces (to the second: moto lists no finer times).
        return self.etag, self.last_modified


def object_created_event(stored: StoredObject, *, reason: str = "PostObject") -> dict[str, Any]:
    """The event S3 sends EventBridge for a new object (see events/photo-uploaded.json).

    The key is as stored, not URL-encoded, and the ETag is unquoted, as in S3's events. Locally
    every object is said to come from a form POST (`reason`), the way photos are uploaded: a
    listing does not tell how an object was written.
    """
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": LOCAL_ACCOUNT_ID,
        "time": stored.last_modified.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": LOCAL_REGION,
        "resources": [f"arn:aws:s3:::{stored.bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": stored.bucket},
            "object": {
                "key": stored.key,
                "size": stored.size,
                "etag": stored.etag.strip('"'),
                # S3's sequencers are hex and grow with each event for a key; nanoseconds do too.
                "sequencer": f"{time.time_ns():018X}",
            },
            "request-id": uuid.uuid4().hex[:16].upper(),
            "requester": LOCAL_ACCOUNT_ID,
            "source-ip-address": "127.0.0.1",
            "reason": reason,
        },
    }


class ObjectCreatedWatcher:
    """One function's S3 "Object Created" rule: finds new objects in moto and delivers them.

    `start()` takes the objects already there as announced, then polls in a thread and
    delivers on `workers` threads. Tests call `open()`, then `poll_once()` and `wait_idle()`.
    """

    def __init__(
        self,
        *,
        handler: Handler,
        function_name: str,
        rule: S3ObjectCreatedRule,
        memory_limit_in_mb: int = 512,
        timeout_seconds: float = 10,
        dead_letter_path: Path | None = None,
        poll_interval: float = POLL_INTERVAL_SECONDS,
        retry_delay: float = 0.2,
        max_retry_delay: float = _MAX_BACKOFF_SECONDS,
        workers: int = 4,
        s3_client: S3Client | None = None,
    ) -> None:
        self.name = f"{function_name}.{rule.name}"
        self.handler = handler
        self.function_name = function_name
        self.rule = rule
        self.memory_limit_in_mb = memory_limit_in_mb
        self.timeout_seconds = timeout_seconds
        self.dead_letter_path = dead_letter_path or STATE_DIR / f"{function_name}-dead-letters.jsonl"
        self.poll_interval = poll_interval
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self.workers = workers
        self.s3: S3Client = s3_client or boto3.client("s3")
        # SAM names the rule after the function and the event.
        rule_name = f"{LOCAL_STACK_NAME}-{function_name}{rule.name}"
        self.rule_arn = f"arn:aws:events:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:rule/{rule_name}"
        self.function_arn = f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:function:{function_name}"
        self._stopping = threading.Event()
        self._seen: dict[ObjectId, tuple[str, datetime]] = {}
        # Per object, the events still to deliver and when each was found; the first is the one
        # being delivered. An object is here exactly while one worker owns it, so its versions
        # go in order and never side by side.
        self._pending: dict[ObjectId, deque[tuple[dict[str, Any], float]]] = {}
        self._changed = threading.Condition()
        self._ready: queue.SimpleQueue[ObjectId | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._dead_letter_lock = threading.Lock()
        self._last_poll_error = ""

    # ------------------------------------------------------------ service

    def open(self) -> None:
        """Take what the buckets hold now as already announced and start the delivery workers."""
        self._seen = {(obj.bucket, obj.key): obj.version for obj in self.list_objects()}
        for number in range(self.workers):
            worker = threading.Thread(target=self._work, name=f"{self.name}-{number}", daemon=True)
            worker.start()
            self._threads.append(worker)

    def start(self) -> None:
        self.open()
        poller = threading.Thread(target=self._run, name=self.name, daemon=True)
        poller.start()
        self._threads.append(poller)

    def stop(self) -> None:
        # Events still waiting are dropped with moto's memory; a handler mid-run finishes alone.
        self._stopping.set()
        for _ in range(self.workers):
            self._ready.put(None)
        deadline = time.monotonic() + self.timeout_seconds + 5
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def _run(self) -> None:
        while not self._stopping.wait(self.poll_interval):
            try:
                self.poll_once()
            except Exception as exc:
                # moto restarting or a bucket being recreated; the next poll tries again. Said once.
                if str(exc) != self._last_poll_error:
                    log.exception("%s: listing %s failed", self.name, ", ".join(self.rule.bucket_names))
                self._last_poll_error = str(exc)
            else:
                self._last_poll_error = ""

    # ------------------------------------------------------------ finding new objects

    def list_objects(self) -> list[StoredObject]:
        """Every object under the rule's prefix in the rule's buckets."""
        paginator = self.s3.get_paginator("list_objects_v2")
        return [
            StoredObject(
                bucket=bucket,
                key=item["Key"],
                etag=item["ETag"],
                size=int(item["Size"]),
                last_modified=item["LastModified"],
            )
            for bucket in self.rule.bucket_names
            for page in paginator.paginate(Bucket=bucket, Prefix=self.rule.key_prefix)
            for item in page.get("Contents", [])
        ]

    def poll_once(self) -> list[dict[str, Any]]:
        """Queue an event for every object version not seen before; returns those events."""
        listing = sorted(self.list_objects(), key=lambda obj: (obj.last_modified, obj.key))
        fresh = [obj for obj in listing if self._seen.get((obj.bucket, obj.key)) != obj.version]
        # Only what is listed now is remembered: an object deleted and written again is new.
        self._seen = {(obj.bucket, obj.key): obj.version for obj in listing}
        events = [object_created_event(obj) for obj in fresh]
        for event in events:
            self._enqueue(event)
        return events

    # ------------------------------------------------------------ delivering

    def _enqueue(self, event: dict[str, Any]) -> None:
        object_id = (event["detail"]["bucket"]["name"], event["detail"]["object"]["key"])
        found = time.monotonic()
        with self._changed:
            waiting = self._pending.get(object_id)
            if waiting is not None:
                waiting.append((event, found))  # its worker delivers it after the one in hand
                return
            self._pending[object_id] = deque([(event, found)])
        self._ready.put(object_id)

    def _work(self) -> None:
        while (object_id := self._ready.get()) is not None:
            while not self._stopping.is_set():
                with self._changed:
                    events = self._pending[object_id]
                    if not events:
                        del self._pending[object_id]
                        self._changed.notify_all()
                        break
                    event, found = events[0]
                try:
                    self.deliver(event, since=found)
                except Exception:
                    log.exception("%s: delivering %s failed", self.name, object_id)
                with self._changed:
                    events.popleft()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every queued event is delivered or given up; False if `timeout` passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._pending, timeout)

    def deliver(self, event: dict[str, Any], since: float | None = None) -> bool:
        """Invoke the handler until it returns, or until the retry or age limit (then dead-letter it).

        The event's age counts from `since` (a `time.monotonic()`, when it was found), else from now.
        """
        since = time.monotonic() if since is None else since
        retries = 0
        while True:
            error = self._invoke(event, retries)
            if error is None:
                return True
            if self._stopping.is_set():
                return False
            delay = min(self.max_retry_delay, self.retry_delay * 2**retries)
            if retries >= self.rule.maximum_retry_attempts:
                condition = "MaximumRetryAttempts"
            elif time.monotonic() - since + delay > self.rule.maximum_event_age_seconds:
                condition = "MaximumEventAgeInSeconds"
            else:
                if self._stopping.wait(delay):
                    return False
                retries += 1
                continue
            self._dead_letter(event, error, condition, retries)
            return False

    def _invoke(self, event: dict[str, Any], retries: int) -> Exception | None:
        # Each invocation gets its own freshly parsed copy of the event, as from Lambda's queue.
        copy = json.loads(json.dumps(event))
        context = lambda_context(self.function_name, self.memory_limit_in_mb, self.timeout_seconds)
        key = event["detail"]["object"]["key"]
        started = time.perf_counter()
        try:
            result = invoke_with_timeout(self.handler, copy, context, self.timeout_seconds)
        except Exception as exc:
            elapsed_ms = (time.perf_counter() - started) * 1000
            log.warning(
                "s3 %s -> %s raised %s %.0fms (attempt %d)",
                key,
                self.function_name,
                _describe(exc),
                elapsed_ms,
                retries + 1,
                exc_info=retries == 0,  # the first trace tells why; retries would repeat it
            )
            return exc
        elapsed = time.perf_counter() - started
        outcome = result.get("outcome", "ok") if isinstance(result, dict) else "ok"
        log.info("s3 %s -> %s %s %.0fms", key, self.function_name, outcome, elapsed * 1000)
        return None

    def _dead_letter(self, event: dict[str, Any], error: Exception, condition: str, retries: int) -> None:
        """What the rule's dead-letter queue would receive, as a line of the local dead-letter file."""
        message = {
            "deadLetterQueue": self.rule.dead_letter_arn,
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            # SQS message attributes are strings.
            "messageAttributes": {
                "RULE_ARN": self.rule_arn,
                "TARGET_ARN": self.function_arn,
                "ERROR_CODE": "Unhandled",
                "ERROR_MESSAGE": _describe(error),
                "EXHAUSTED_RETRY_CONDITION": condition,
                "RETRY_ATTEMPTS": str(retries),
            },
            "body": event,
            # Local only: where the last attempt failed.
            "stackTrace": traceback.format_exception(error),
        }
        with self._dead_letter_lock:
            self.dead_letter_path.parent.mkdir(parents=True, exist_ok=True)
            with self.dead_letter_path.open("a", encoding="utf-8") as output:
                output.write(json.dumps(message, separators=(",", ":")) + "\n")
        log.error(
            "%s gave up on %s after %d retries (%s); see %s",
            self.function_name,
            event["detail"]["object"]["key"],
            retries,
            condition,
            self.dead_letter_path,
        )


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
