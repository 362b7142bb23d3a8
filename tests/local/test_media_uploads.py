"""Uploads to the media function: moto objects in, S3's EventBridge event and the rule's retry policy out."""

import copy
import dataclasses
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from ulid import ULID

from liveblog_local.functions import LambdaContext
from liveblog_local.media import ObjectCreatedWatcher
from liveblog_local.template import LocalTemplate, S3ObjectCreatedRule, TemplateError

EVENTS = Path(__file__).resolve().parents[2] / "events"
MEDIA_BUCKET = "mediabucket"


class FakeMedia:
    """A media handler that records what it is given and fails as told."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.events: list[dict[str, Any]] = []
        self.contexts: list[LambdaContext] = []
        self.hold: dict[str, threading.Event] = {}  # key -> released when set
        self.lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
        key = event["detail"]["object"]["key"]
        with self.lock:
            self.events.append(event)
            self.contexts.append(context)
            fail = self.failures > 0
            self.failures -= 1
        if key in self.hold:
            assert self.hold[key].wait(5)
        if fail:
            raise RuntimeError("moto was restarting")
        return {"key": key, "outcome": "ready"}

    def keys(self) -> list[str]:
        return [event["detail"]["object"]["key"] for event in self.events]


@pytest.fixture(scope="module")
def rule() -> S3ObjectCreatedRule:
    (rule,) = LocalTemplate.load().s3_eventbridge_rules("MediaFunction")
    return rule


@pytest.fixture
def watch(tables: dict[str, str], rule: S3ObjectCreatedRule, tmp_path: Path) -> Iterator[Any]:
    watchers: list[ObjectCreatedWatcher] = []

    def make(handler: Any, timeout_seconds: float = 60, **changes: Any) -> ObjectCreatedWatcher:
        watcher = ObjectCreatedWatcher(
            handler=handler,
            function_name="MediaFunction",
            rule=dataclasses.replace(rule, **changes),
            memory_limit_in_mb=1769,
            timeout_seconds=timeout_seconds,
            dead_letter_path=tmp_path / "media-dead-letters.jsonl",
            retry_delay=0.001,
        )
        watcher.open()
        watchers.append(watcher)
        return watcher

    yield make
    for watcher in watchers:
        watcher.stop()


def upload_key() -> str:
    return f"uploads/{ULID()}/{ULID()}"


def upload(key: str, body: bytes = b"\xff\xd8\xff\xe0 a photo") -> str:
    """What the browser's form POST leaves in the bucket; returns the object's ETag."""
    put = boto3.client("s3").put_object(Bucket=MEDIA_BUCKET, Key=key, Body=body, ContentType="image/jpeg")
    return str(put["ETag"])


def deliver(watcher: ObjectCreatedWatcher) -> list[dict[str, Any]]:
    found = watcher.poll_once()
    assert watcher.wait_idle(5)
    return found


def shape(value: Any) -> Any:
    """The keys of a JSON document, nested, without its values."""
    if isinstance(value, dict):
        return {name: shape(inner) for name, inner in value.items()}
    return type(value).__name__


def test_the_template_rule_is_read(rule: S3ObjectCreatedRule) -> None:
    # Given template.yaml's MediaFunction, When its EventBridge rules are read
    # Then it hears of new objects under uploads/ in the media bucket, retried as the template says
    assert rule.bucket_names == (MEDIA_BUCKET,)
    assert rule.key_prefix == "uploads/"
    assert (rule.maximum_retry_attempts, rule.maximum_event_age_seconds) == (4, 3600)
    assert rule.dead_letter_arn == "arn:aws:sqs:us-east-1:123456789012:MediaDeadLetterQueue"


def test_eventbridge_defaults_and_patterns_the_local_stack_cannot_match() -> None:
    # Given the template with the retry policy left out
    template = LocalTemplate.load()
    properties = template.resources["MediaFunction"]["Properties"]["Events"]["Uploaded"]["Properties"]
    del properties["RetryPolicy"]
    # Then EventBridge's defaults apply
    (rule,) = template.s3_eventbridge_rules("MediaFunction")
    assert (rule.maximum_retry_attempts, rule.maximum_event_age_seconds) == (185, 86_400)

    # When a pattern filters on something a listing cannot tell, or names a bucket that is silent
    for change, message in (
        ({"object": {"key": [{"suffix": ".jpg"}]}}, "detail.object.key"),
        ({"reason": ["PutObject"]}, "detail.reason"),
        ({"bucket": {"name": [{"Ref": "SnapshotBucket"}]}}, "does not send events to EventBridge"),
    ):
        changed = copy.deepcopy(template.document)
        pattern = changed["Resources"]["MediaFunction"]["Properties"]["Events"]["Uploaded"]["Properties"]
        pattern["Pattern"]["detail"] = {**pattern["Pattern"]["detail"], **change}
        # Then reading the rule fails rather than delivering what AWS would not
        with pytest.raises(TemplateError, match=message):
            LocalTemplate(changed).s3_eventbridge_rules("MediaFunction")


def test_the_media_bucket_accepts_browser_posts_from_the_editors_origin(tables: dict[str, str]) -> None:
    # Given the buckets made from the template, Then the media bucket has its CORS rule in S3's spelling
    (cors,) = boto3.client("s3").get_bucket_cors(Bucket=MEDIA_BUCKET)["CORSRules"]
    assert cors["AllowedOrigins"] == ["http://localhost:3000"]
    assert cors["AllowedMethods"] == ["POST"]
    assert cors["AllowedHeaders"] == ["*"]
    assert cors["MaxAgeSeconds"] == 3000


def test_a_new_upload_is_delivered_once_with_the_event_s3_sends(watch: Any) -> None:
    # Given a watcher on the media bucket
    media = FakeMedia()
    watcher = watch(media)
    key = upload_key()

    # When a photo is uploaded and the bucket is listed twice
    etag = upload(key)
    deliver(watcher)
    deliver(watcher)

    # Then the function got one event, shaped as events/photo-uploaded.json, for that object
    assert media.keys() == [key]
    (event,) = media.events
    sample = json.loads((EVENTS / "photo-uploaded.json").read_text())
    assert shape(event) == shape(sample)
    assert list(event) == list(sample)
    assert (event["source"], event["detail-type"], event["resources"]) == (
        "aws.s3",
        "Object Created",
        [f"arn:aws:s3:::{MEDIA_BUCKET}"],
    )
    assert event["detail"]["bucket"]["name"] == MEDIA_BUCKET
    assert event["detail"]["object"]["etag"] == etag.strip('"')
    assert event["detail"]["object"]["size"] == len(b"\xff\xd8\xff\xe0 a photo")
    assert event["detail"]["reason"] == "PostObject"
    # And it ran as the template's MediaFunction
    (context,) = media.contexts
    assert (context.function_name, context.memory_limit_in_mb, context.timeout_seconds) == (
        "MediaFunction",
        1769,
        60,
    )


def test_objects_outside_uploads_are_not_delivered(watch: Any) -> None:
    # Given a watcher on the media bucket
    media = FakeMedia()
    watcher = watch(media)
    photo = ULID()

    # When the function itself writes an original and a rendition
    boto3.client("s3").put_object(Bucket=MEDIA_BUCKET, Key=f"originals/{ULID()}/{photo}", Body=b"original")
    boto3.client("s3").put_object(Bucket=MEDIA_BUCKET, Key=f"media/{photo}/320.abc.webp", Body=b"webp")

    # Then it is not invoked again for them
    assert deliver(watcher) == []
    assert media.events == []


def test_a_second_post_to_the_same_key_is_delivered_again(watch: Any) -> None:
    # Given a photo uploaded and delivered
    media = FakeMedia()
    watcher = watch(media)
    key = upload_key()
    first = upload(key, b"first bytes")
    deliver(watcher)

    # When the same form is posted again with other bytes
    second = upload(key, b"other bytes")
    deliver(watcher)
    deliver(watcher)

    # Then the new object is delivered once more, and only once
    assert media.keys() == [key, key]
    assert [event["detail"]["object"]["etag"] for event in media.events] == [
        first.strip('"'),
        second.strip('"'),
    ]
    assert media.events[0]["id"] != media.events[1]["id"]


def test_a_failing_handler_is_retried_until_it_succeeds(watch: Any) -> None:
    # Given a media function that fails twice, then works
    media = FakeMedia(failures=2)
    watcher = watch(media)
    key = upload_key()

    # When a photo is uploaded
    upload(key)
    deliver(watcher)

    # Then the same event was delivered three times and nothing was given up
    assert media.keys() == [key, key, key]
    assert len({event["id"] for event in media.events}) == 1
    assert len({context.aws_request_id for context in media.contexts}) == 3
    assert not watcher.dead_letter_path.exists()


def test_a_handler_that_always_fails_is_dead_lettered_after_the_retries(watch: Any) -> None:
    # Given a media function that always fails
    media = FakeMedia(failures=1_000)
    watcher = watch(media)
    key = upload_key()

    # When a photo is uploaded
    upload(key)
    deliver(watcher)

    # Then it was tried once and retried four times (the template's MaximumRetryAttempts)
    assert media.keys() == [key] * 5
    # And the event is in the dead-letter file with what the rule's queue would be told
    (line,) = watcher.dead_letter_path.read_text().splitlines()
    message = json.loads(line)
    assert message["body"] == media.events[0]
    assert message["deadLetterQueue"] == "arn:aws:sqs:us-east-1:123456789012:MediaDeadLetterQueue"
    attributes = message["messageAttributes"]
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    assert attributes["RETRY_ATTEMPTS"] == "4"
    assert attributes["ERROR_MESSAGE"] == "RuntimeError: moto was restarting"
    assert attributes["TARGET_ARN"] == "arn:aws:lambda:us-east-1:123456789012:function:MediaFunction"
    assert attributes["RULE_ARN"].endswith(":rule/liveblog-local-MediaFunctionUploaded")
    assert "RuntimeError: moto was restarting" in message["stackTrace"][-1]


class SlowMedia(FakeMedia):
    """A media function that overruns its timeout on its first `slow` invocations."""

    def __init__(self, slow: int, seconds: float) -> None:
        super().__init__()
        self.slow = slow
        self.seconds = seconds
        self.finished: list[str] = []

    def __call__(self, event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
        with self.lock:
            overrun = self.slow > 0
            self.slow -= 1
        result = super().__call__(event, context)
        if overrun:
            threading.Event().wait(self.seconds)
        with self.lock:
            self.finished.append(context.aws_request_id)
        return result


def test_a_run_past_the_function_timeout_is_a_failure_and_retried(watch: Any) -> None:
    # Given a media function with a 0.2 s timeout whose first run takes 1 s
    media = SlowMedia(slow=1, seconds=1.0)
    watcher = watch(media, timeout_seconds=0.2)
    key = upload_key()

    # When a photo is uploaded
    upload(key)
    deliver(watcher)

    # Then the overrun counted as a failed attempt and the event was delivered again, which worked
    assert media.keys() == [key, key]
    assert media.finished == [media.contexts[1].aws_request_id]
    assert media.contexts[0].timeout_seconds == 0.2
    assert not watcher.dead_letter_path.exists()


def test_a_function_that_always_times_out_is_dead_lettered_as_a_timeout(watch: Any) -> None:
    # Given a media function that always runs past its 0.1 s timeout
    media = SlowMedia(slow=1_000, seconds=0.5)
    watcher = watch(media, timeout_seconds=0.1)
    key = upload_key()

    # When a photo is uploaded
    upload(key)
    deliver(watcher)

    # Then every attempt timed out and the event was given up after the retries
    assert media.keys() == [key] * 5
    message = json.loads(watcher.dead_letter_path.read_text())
    assert message["messageAttributes"]["ERROR_MESSAGE"] == (
        "FunctionTimeoutError: Task timed out after 0.10 seconds"
    )
    assert message["messageAttributes"]["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"


def test_an_event_older_than_the_age_limit_is_not_retried(watch: Any) -> None:
    # Given a rule that keeps events for no time at all, and a failing function
    media = FakeMedia(failures=1_000)
    watcher = watch(media, maximum_event_age_seconds=0)

    # When a photo is uploaded
    upload(upload_key())
    deliver(watcher)

    # Then it is given up after the first attempt, for its age
    assert len(media.events) == 1
    message = json.loads(watcher.dead_letter_path.read_text())
    assert message["messageAttributes"]["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeInSeconds"
    assert message["messageAttributes"]["RETRY_ATTEMPTS"] == "0"


def test_a_slow_upload_does_not_hold_up_the_next_but_one_object_waits_for_itself(watch: Any) -> None:
    # Given a photo whose processing is slow
    media = FakeMedia()
    watcher = watch(media)
    slow, quick = upload_key(), upload_key()
    media.hold[slow] = threading.Event()
    upload(slow, b"24 megapixels")
    watcher.poll_once()

    # When another photo, and a second version of the slow one, arrive meanwhile
    upload(quick)
    upload(slow, b"24 megapixels, cropped")
    watcher.poll_once()

    # Then the other photo is processed at once, while the slow one's new version waits its turn
    assert not watcher.wait_idle(0.3)
    assert sorted(media.keys()) == sorted([slow, quick])
    # And once the slow one is done, its second version follows
    media.hold[slow].set()
    assert watcher.wait_idle(5)
    assert media.keys().count(slow) == 2
    sizes = [
        event["detail"]["object"]["size"]
        for event in media.events
        if event["detail"]["object"]["key"] == slow
    ]
    assert sizes == [len(b"24 megapixels"), len(b"24 megapixels, cropped")]
