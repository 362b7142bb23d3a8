"""Media Lambda: an upload lands under uploads/ → a checked, stripped photo with renditions, or a refusal."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from liveblog.media.ingest import handle_upload_event
from liveblog.observability import logger, metrics


@logger.inject_lambda_context(correlation_id_path="detail.object.key")
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    return handle_upload_event(event)
