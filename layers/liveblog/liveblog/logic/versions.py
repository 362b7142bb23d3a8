"""Optimistic concurrency: a change names the version it was made against."""

from liveblog.errors import DomainError, PreconditionFailedError

# The version a write names (its If-Match), or the error that says why it named none we could use
# (428 missing, 412 unusable). RFC 9110 §13.2.1: preconditions are evaluated after the normal request
# checks, just before the change, and ignored when the request would fail without them. So logic checks
# it after the role, the body's own shape (the models), the resource's existence and whose it is, and
# before what depends on the stored state (an illegal move, a pin on a missing entry): a request that
# cannot succeed whatever its version never hears "send If-Match" or "stale version".
ExpectedVersion = int | DomainError


def check_version(current: int, expected: ExpectedVersion, kind: str) -> None:
    if isinstance(expected, DomainError):
        raise expected
    if current != expected:
        raise PreconditionFailedError(
            f"the {kind} is at version {current}, not {expected}; fetch it, reapply your change and retry",
            details={"current_version": current},
        )
