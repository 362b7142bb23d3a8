"""Optimistic concurrency: a change names the version it was made against."""

from liveblog.errors import PreconditionFailedError


def check_version(current: int, expected: int, kind: str) -> None:
    if current != expected:
        raise PreconditionFailedError(
            f"the {kind} is at version {current}, not {expected}; fetch it, reapply your change and retry",
            details={"current_version": current},
        )
