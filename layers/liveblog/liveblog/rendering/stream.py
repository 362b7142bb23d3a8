"""The renderer function's work: a stream batch in, each touched blog rendered once, failures reported."""

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from liveblog.observability import logger, metrics
from liveblog.rendering.renderer import INDEX_ID, BlogChanges, Renderer, add_change
from liveblog.settings import RendererSettings
from liveblog.storage.content import ContentStore
from liveblog.storage.snapshots import SnapshotStore

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
# template.yaml's RendererSkippedEntriesAlarm watches this metric.
UNPLACEABLE_ENTRIES_METRIC = "UnplaceableEntries"


class RenderFailedError(Exception):
    """The blog this record belongs to could not be rendered; the record is retried."""


@lru_cache(maxsize=1)
def renderer() -> Renderer:
    settings = RendererSettings.from_environment()
    return Renderer(
        ContentStore(settings.table_name),
        SnapshotStore(settings.snapshot_bucket, settings.distribution_id),
        settings.public_base_url,
    )


def _report_skipped(blog_id: str, skipped: dict[str, str]) -> None:
    """Entries the render had to leave out: each logged with its id, all counted for the alarm."""
    for entry_id, reason in skipped.items():
        logger.error(
            "published entry left out of the snapshots",
            extra={"blog_id": blog_id, "entry_id": entry_id, "reason": reason},
        )
    if skipped:
        metrics.add_metric(name=UNPLACEABLE_ENTRIES_METRIC, unit=MetricUnit.Count, value=len(skipped))


def render_batch(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Render every blog the batch touches once, however many records name it, then report the
    records whose change was not published (and malformed records) as partial batch failures.
    Records that change nothing readers see (the renderer's own state, draft edits) never fail."""
    records: list[dict[str, Any]] = event.get("Records", [])
    changes: dict[str, BlogChanges] = {}
    carried: dict[int, tuple[str, BlogChanges]] = {}  # record index -> the change it brought
    poison: set[int] = set()
    for index, record in enumerate(records):
        try:
            if found := add_change(changes, record):
                carried[index] = found
        except (KeyError, TypeError, ValueError, AttributeError):
            poison.add(index)
            logger.exception("malformed stream record", extra={"index": index})
    failed: set[str] = set()
    index_due = False
    for blog_id, change in changes.items():
        try:
            report = renderer().render_blog(blog_id, change)
        except Exception:
            logger.exception("render failed", extra={"blog_id": blog_id})
            failed.add(blog_id)
            continue
        index_due |= change.blog_changed
        if report:
            metrics.add_metric(name="SnapshotsWritten", unit=MetricUnit.Count, value=len(report.written))
            _report_skipped(blog_id, report.skipped)
    if index_due:
        try:
            renderer().render_index()
        except Exception:
            logger.exception("index render failed")
            failed.add(INDEX_ID)
    positions = {id(record): index for index, record in enumerate(records)}

    def check(record: DynamoDBRecord) -> None:
        index = positions.get(id(record.raw_event), -1)
        if index in poison:
            raise RenderFailedError("malformed record")
        if index not in carried:
            return
        blog_id, change = carried[index]
        if blog_id in failed:
            raise RenderFailedError(f"blog {blog_id} was not rendered")
        if INDEX_ID in failed and change.blog_changed:
            raise RenderFailedError("the index was not rendered")

    return dict(
        process_partial_response(event=event, record_handler=check, processor=processor, context=context)
    )
