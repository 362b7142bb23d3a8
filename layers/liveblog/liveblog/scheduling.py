"""The scheduler function's work: publish due entries, count them."""

from functools import lru_cache

from aws_lambda_powertools.metrics import MetricUnit

from liveblog.logic.entries import publish_due_entries
from liveblog.observability import logger, metrics
from liveblog.settings import TableSettings
from liveblog.storage.content import ContentStore


@lru_cache(maxsize=1)
def _store() -> ContentStore:
    return ContentStore(TableSettings.from_environment().table_name)


def publish_due() -> dict[str, int]:
    published = publish_due_entries(_store())
    for entry in published:
        logger.info("published scheduled entry", extra={"blog_id": entry.blog_id, "entry_id": entry.id})
    metrics.add_metric(name="ScheduledEntriesPublished", unit=MetricUnit.Count, value=len(published))
    return {"published": len(published)}
