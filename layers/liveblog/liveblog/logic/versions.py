"""Optimistic concurrency: a change names the version it was made against."""

from dataclasses import dataclass

from liveblog.errors import DomainError, PreconditionFailedError


@dataclass(frozen=True)
class MatchesNoVersion:
    """An If-Match that names no version of ours, so it fails against whatever is current: a weak
    tag (If-Match compares strongly, RFC 9110 §13.1.1), or a tag we never issued. `why` says which."""

    why: str


# The version a write names (its If-Match), what it named instead (a tag that can match no version:
# 412), or the error that says why it named none (428). RFC 9110 §13.2.1: preconditions are evaluated
# after the normal request checks, just before the change, and ignored when the request would fail
# without them. So logic checks it after the role, the body's own shape (the models), the resource's
# existence and whose it is, and before what depends on the stored state (an illegal move, a pin on a
# missing entry): a request that cannot succeed whatever its version never hears 428 or 412.
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
