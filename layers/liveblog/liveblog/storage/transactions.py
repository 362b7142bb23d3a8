"""DynamoDB transactions whose steps have names, so that a cancellation is explained by what failed
(the entry's version, the blog's state, a photo reference), never by a step's position.

A failure that is not a cancellation (throttling aside) is no domain answer: it propagates as the
ClientError it is, for the API's one handler to log with its cause and answer 500.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from liveblog.errors import ConflictError, ThrottledError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

THROTTLING_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)
CONDITION_FAILED = "ConditionalCheckFailed"
TRANSACTION_CONFLICT = "TransactionConflict"


@dataclass(frozen=True)
class Step:
    """One action of a transaction (a TransactItem: Put, Update, Delete or ConditionCheck), named
    by what it stands for."""

    name: str
    action: dict[str, Any]


@dataclass(frozen=True)
class Cancelled:
    """Why DynamoDB cancelled a transaction, by step name. `error` is the ClientError to chain."""

    reasons: dict[str, dict[str, Any]]
    error: ClientError

    def failed(self, name: str) -> bool:
        """Whether the named step's condition was false."""
        return self.reasons.get(name, {}).get("Code") == CONDITION_FAILED

    def item(self, name: str) -> dict[str, Any] | None:
        """The item as it was when the named step's condition failed (steps that ask for ALL_OLD),
        None when there was no item."""
        return self.reasons.get(name, {}).get("Item") or None

    def failed_steps(self, prefix: str = "") -> list[str]:
        """The names of the failed steps, in transaction order, that start with `prefix`."""
        return [name for name in self.reasons if name.startswith(prefix) and self.failed(name)]

    @property
    def conflicted(self) -> bool:
        """Another transaction held one of the items (retrying may succeed)."""
        return any(reason.get("Code") == TRANSACTION_CONFLICT for reason in self.reasons.values())


class TransactionCancelledError(Exception):
    """Raised by `transact` for a cancellation; carries `cancelled` for the caller to explain."""

    def __init__(self, cancelled: Cancelled) -> None:
        super().__init__(str(cancelled.error))
        self.cancelled = cancelled


@contextmanager
def translated_errors() -> Iterator[None]:
    """Throttling and transaction conflicts as the domain errors callers retry on."""
    try:
        yield
    except ClientError as exc:
        code = exc.response["Error"]["Code"]
        if code in THROTTLING_CODES:
            raise ThrottledError("the content table is busy; retry shortly") from exc
        if code == "TransactionConflictException":
            raise ConflictError("another change to the same item was in flight; retry") from exc
        raise


def transact(client: "DynamoDBClient", steps: Sequence[Step]) -> None:
    """Run the steps as one transaction. A cancellation raises TransactionCancelledError with the
    reasons by step name; throttling a ThrottledError; any other AWS error propagates unchanged."""
    names = [step.name for step in steps]
    if len(set(names)) != len(names):
        raise ValueError(f"transaction step names must be unique: {names}")
    try:
        with translated_errors():
            client.transact_write_items(TransactItems=[step.action for step in steps])  # type: ignore[misc]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        reasons = exc.response.get("CancellationReasons", [])
        # DynamoDB lists one reason per step, in order; "None" for the steps that did not fail.
        by_name = {name: dict(reason) for name, reason in zip(names, reasons, strict=False)}
        raise TransactionCancelledError(Cancelled(by_name, exc)) from exc
