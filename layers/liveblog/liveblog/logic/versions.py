"""Optimistic concurrency: a change names the version it was made against."""

from dataclasses import dataclass

from liveblog.errors import DomainError, PreconditionFailedError


@dataclass(frozen=True)
class MatchesNoVersion:
    """An If-Match that names no version of ours, so it fails against whatever is current: a weak
    tag (If-Match compares strongly, RFC 9110 §13.1.1), or a tag we never issued. `why` says which."""

    why: str


# The version a write names (its If-Match), what it named instead, or the error that says why it
# named nothing we could use (428). Logic checks it only once the caller is known to be allowed the
# write: preconditions are evaluated only for a request that would otherwise succeed (RFC 9110
# §13.2.1), so a caller their role refuses hears 403, not "send If-Match" or "stale version".
ExpectedVersion = int | MatchesNoVersion | DomainError


def check_version(current: int, expected: ExpectedVersion, kind: str) -> None:
    if isinstance(expected, DomainError):
        raise expected
    if isinstance(expected, MatchesNoVersion):
        raise PreconditionFailedError(
            f"{expected.why}; the {kind} is at version {current}: fetch it, reapply your change "
            f'and retry with If-Match: "{current}"',
            details={"current_version": current},
        )
    if current != expected:
        raise PreconditionFailedError(
            f"the {kind} is at version {current}, not {expected}; fetch it, reapply your change and retry",
            details={"current_version": current},
        )
