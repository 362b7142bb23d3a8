"""Renderer Lambda: DynamoDB stream batches → JSON snapshots on S3, with partial batch failures."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from liveblog.observability import logger, metrics
from liveblog.rendering.stream import render_batch


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return render_batch(event, context)
