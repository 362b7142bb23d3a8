"""Idempotency-Key on POST: a retried create returns the first response and creates nothing more.

Built on Powertools idempotency. The key is scoped to the caller and the route, so two editors (or
two routes) can never collide; the body is the payload Powertools checks, so the same key with
another body is refused instead of silently answering with the first result.
"""

from collections.abc import Callable
from functools import cached_property
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from liveblog.errors import BadRequestError, IdempotencyInProgressError, IdempotencyKeyReusedError

MAX_KEY_LENGTH = 255
Outcome = dict[str, Any]


class IdempotentRunner:
    def __init__(self, table_name: str, ttl_seconds: int) -> None:
        self._table_name = table_name
        self._ttl_seconds = ttl_seconds

    @cached_property
    def _once(self) -> Any:
        # Imported on first keyed POST only: most requests never pay for it at cold start.
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        self._config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="body",
            expires_after_seconds=self._ttl_seconds,
            raise_on_no_idempotency_key=True,
            response_hook=lambda response, _record: {**response, "replayed": True},
        )
        persistence = DynamoDBPersistenceLayer(table_name=self._table_name)

        @idempotent_function(
            data_keyword_argument="request", persistence_store=persistence, config=self._config
        )
        def run_once(request: dict[str, Any], action: Callable[[], Outcome]) -> Outcome:
            return action()

        return run_once

    def run(
        self,
        key: str,
        scope: str,
        body: Any,
        action: Callable[[], Outcome],
        context: LambdaContext | None,
    ) -> tuple[Outcome, bool]:
        """(outcome, replayed). `action` returns a JSON-ready outcome, stored for replays."""
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        if not key or not key.isprintable() or not key.isascii() or len(key) > MAX_KEY_LENGTH:
            raise BadRequestError(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters")
        run_once = self._once
        if context is not None:
            self._config.register_lambda_context(context)
        try:
            outcome = run_once(request={"key": f"{scope} {key}", "body": body}, action=action)
        except IdempotencyValidationError as exc:
            raise IdempotencyKeyReusedError(
                "this Idempotency-Key was already used with a different body; use a new key for a new request"
            ) from exc
        except IdempotencyAlreadyInProgressError as exc:
            raise IdempotencyInProgressError(
                "a request with this Idempotency-Key is still in progress; retry in a moment"
            ) from exc
        replayed = bool(outcome.pop("replayed", False))
        return outcome, replayed
