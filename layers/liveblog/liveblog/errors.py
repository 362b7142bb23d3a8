"""Domain errors. Logic and storage raise these; the API maps each to one HTTP status."""

from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class BadRequestError(DomainError):
    status = 400
    code = "bad_request"


class InvalidCursorError(BadRequestError):
    code = "invalid_cursor"


class MalformedBodyError(BadRequestError):
    """The body is not JSON at all: the same code as a syntax error in it."""

    code = "malformed_json"


class UnauthorizedError(DomainError):
    status = 401
    code = "unauthorized"


class ForbiddenError(DomainError):
    status = 403
    code = "forbidden"


class NotFoundError(DomainError):
    status = 404
    code = "not_found"


class ConflictError(DomainError):
    """The request is valid but the resource's current state forbids it (409)."""

    status = 409
    code = "conflict"


class SlugTakenError(ConflictError):
    code = "slug_taken"


class SlugBeingReleasedError(ConflictError):
    """The slug's last blog was deleted and its public documents are still being removed."""

    code = "slug_being_released"


class BlogBeingDeletedError(ConflictError):
    """A delete of the blog has begun: it is read-only until a DELETE finishes it."""

    code = "blog_being_deleted"


class IllegalTransitionError(ConflictError):
    code = "illegal_transition"


class PhotoInUseError(ConflictError):
    """A published or scheduled entry shows the photo; details list those entries."""

    code = "photo_in_use"


class PinMovedError(ConflictError):
    """The blog's pin changed between reading it and writing an entry; re-read and retry."""

    code = "pin_changed"


class IdempotencyInProgressError(ConflictError):
    code = "idempotency_key_in_progress"


class PreconditionFailedError(DomainError):
    """If-Match named a version that is no longer current (412)."""

    status = 412
    code = "version_mismatch"


class PreconditionRequiredError(DomainError):
    status = 428
    code = "if_match_required"


class PayloadTooLargeError(DomainError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaTypeError(DomainError):
    status = 415
    code = "unsupported_media_type"


class IdempotencyKeyReusedError(DomainError):
    status = 422
    code = "idempotency_key_reused"


class ThrottledError(DomainError):
    """Contention did not clear within our bounded retries; the client may retry (429)."""

    status = 429
    code = "too_many_requests"


class UnprocessableError(DomainError):
    """Well-formed but contradicts itself or the stored content (422)."""

    status = 422
    code = "unprocessable"
