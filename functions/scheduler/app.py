"""Scheduler Lambda: every minute, publish the scheduled entries whose time has come."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from liveblog.observability import logger, metrics
from liveblog.scheduling import publish_due


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    return publish_due()
