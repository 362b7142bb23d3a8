"""Load Lambda handlers from functions/<name>/app.py and invoke them as Lambda would."""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from liveblog_local import FUNCTIONS_DIR, LOCAL_ACCOUNT_ID, LOCAL_REGION

Handler = Callable[[Any, Any], Any]

_load_lock = threading.Lock()


def load_module(name: str, functions_dir: Path = FUNCTIONS_DIR) -> ModuleType:
    """functions/<name>/app.py as module "<name>_app", imported once per process like a warm Lambda.

    Function directories are not packages and every one holds an app.py, so each is loaded
    from its file under its own module name. Import it only after the environment is set:
    handlers read their settings at import (cold start).
    """
    module_name = f"{name}_app"
    with _load_lock:
        if module_name in sys.modules:
            return sys.modules[module_name]
        path = functions_dir / name / "app.py"
        if not path.is_file():
            raise FileNotFoundError(f"no handler module at {path}")
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
        return module


def load_handler(
    name: str, attribute: str = "lambda_handler", functions_dir: Path = FUNCTIONS_DIR
) -> Handler:
    handler: Handler = getattr(load_module(name, functions_dir), attribute)
    keep_log_keys_per_thread()
    return handler


def keep_log_keys_per_thread() -> None:
    """Powertools' `inject_lambda_context` stores the function's name, request id and correlation id
    in the logger itself, which every function shares: in Lambda each function has a process of its
    own, but here they run side by side on threads, and one function's lines would name whichever
    function started last. Stored per thread instead, each line names the invocation that wrote it.

    Called once the handlers are imported: the logger reads its level from the environment then.
    """
    from liveblog.observability import logger

    logger.append_keys = logger.thread_safe_append_keys  # type: ignore[method-assign]


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that Powertools and handlers read."""

    function_name: str
    memory_limit_in_mb: int = 512
    timeout_seconds: float = 10
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    region: str = LOCAL_REGION
    account_id: str = LOCAL_ACCOUNT_ID
    _deadline: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"{time.strftime('%Y/%m/%d')}/[{self.function_version}]local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class FunctionTimeoutError(Exception):
    """The invocation ran past the function's Timeout; Lambda stops it and reports it failed."""


def invoke_with_timeout(handler: Handler, event: Any, context: LambdaContext, timeout_seconds: float) -> Any:
    """The handler's result, or FunctionTimeoutError once `timeout_seconds` have passed, as Lambda
    answers an asynchronous invocation that runs too long.

    Lambda then freezes the sandbox; a Python thread cannot be stopped from outside, so a handler
    that overruns is left to finish on its own, and whatever it writes afterwards still lands.
    """
    outcome: dict[str, Any] = {}
    finished = threading.Event()

    def run() -> None:
        try:
            outcome["result"] = handler(event, context)
        except BaseException as exc:  # the caller re-raises it, as Lambda reports any error
            outcome["error"] = exc
        finally:
            finished.set()

    threading.Thread(
        target=run, name=f"{context.function_name}-{context.aws_request_id}", daemon=True
    ).start()
    if not finished.wait(timeout_seconds):
        raise FunctionTimeoutError(f"Task timed out after {timeout_seconds:.2f} seconds")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def lambda_context(
    function_name: str, memory_limit_in_mb: int = 512, timeout_seconds: float = 10
) -> LambdaContext:
    """A fresh context per invocation: each gets its own request id and deadline."""
    return LambdaContext(
        function_name=function_name, memory_limit_in_mb=memory_limit_in_mb, timeout_seconds=timeout_seconds
    )
