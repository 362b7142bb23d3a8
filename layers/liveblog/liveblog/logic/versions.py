"""Optimistic concurrency: a change names the version it was made against."""

from liveblog.errors import DomainError, PreconditionFailedError

# The version a write names (its If-Match), or the error that says why it named none we could use
# (428 missing, 412 unusable). Logic checks it only once the caller is known to be allowed the write:
# preconditions are evaluated only for a request that would otherwise succeed (RFC 9110 §13.2.1),
# so a caller their role refuses hears 403, not "send If-Match" or "stale version".
ExpectedVersion = int | DomainError


def check_version(current: int, expected: ExpectedVersion, kind: str) -> None:
    if isinstance(expected, DomainError):
        raise expected
    if current != expected:
        raise PreconditionFailedError(
            f"the {kind} is at version {current}, not {expected}; fetch it, reapply your change and retry",
            details={"current_version": current},
        )
