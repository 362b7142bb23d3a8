"""Each function's log lines name that function, though the local stack runs them all in one process."""

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from liveblog.observability import logger
from liveblog_local.functions import lambda_context, load_handler

# The decorators the real handlers carry (functions/*/app.py), around a body that can be held open.
HANDLER = """
from liveblog.observability import logger


@logger.inject_lambda_context(correlation_id_path="{path}")
def lambda_handler(event, context):
    event["started"].set()
    event["go_on"].wait(10)
    logger.info("{message}")
    return "done"
"""


def handler_named(functions_dir: Path, path: str, message: str) -> Any:
    """A handler module of its own under `functions_dir`, loaded as the local stack loads every function."""
    name = f"logs_{uuid4().hex[:8]}"
    (functions_dir / name).mkdir(parents=True)
    (functions_dir / name / "app.py").write_text(HANDLER.format(path=path, message=message))
    return load_handler(name, functions_dir=functions_dir)


@pytest.fixture
def log_lines() -> Iterator[list[dict[str, Any]]]:
    """What the functions print, as the JSON objects Powertools writes."""
    lines: list[dict[str, Any]] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(logger.registered_formatter.format(record)))

    collect = Collect()
    logger.addHandler(collect)
    level = logger.log_level
    logger.setLevel("INFO")
    yield lines
    logger.removeHandler(collect)
    logger.setLevel(level)


def event(**fields: Any) -> dict[str, Any]:
    return {"started": threading.Event(), "go_on": threading.Event(), **fields}


def test_a_functions_log_line_names_it_while_another_function_runs(
    tmp_path: Path, log_lines: list[Any]
) -> None:
    # Given the media function and the admin API loaded side by side, as `make dev` runs them
    media = handler_named(tmp_path, "detail.object.key", "photo ready")
    api = handler_named(tmp_path, "requestContext.requestId", "request served")
    upload = event(detail={"object": {"key": "uploads/blog/photo"}})
    request = event(requestContext={"requestId": "request-1"})
    request["go_on"].set()

    # When an API request starts and ends while the media function is between its start and its log line
    media_context = lambda_context("MediaFunction")
    worker = threading.Thread(target=media, args=(upload, media_context))
    worker.start()
    assert upload["started"].wait(10)
    api(request, lambda_context("AdminApiFunction"))
    upload["go_on"].set()
    worker.join(10)

    # Then each line names the function that wrote it, its request and its correlation id
    by_message = {line["message"]: line for line in log_lines}
    assert by_message["photo ready"]["function_name"] == "MediaFunction"
    assert by_message["photo ready"]["function_request_id"] == media_context.aws_request_id
    assert by_message["photo ready"]["correlation_id"] == "uploads/blog/photo"
    assert by_message["request served"]["function_name"] == "AdminApiFunction"
    assert by_message["request served"]["correlation_id"] == "request-1"
