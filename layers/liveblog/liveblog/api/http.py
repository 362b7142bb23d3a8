"""HTTP details shared by the admin API's routes: errors as JSON, ETags, If-Match, the request envelope."""

import base64
import binascii
import json
import math
import re
from collections.abc import Mapping
from http import HTTPStatus
from itertools import accumulate
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from liveblog.errors import (
    DomainError,
    MalformedBodyError,
    PayloadTooLargeError,
    PreconditionFailedError,
    PreconditionRequiredError,
    UnsupportedMediaTypeError,
)
from liveblog.models.common import Model

_VERSION = re.compile(r"[0-9]{1,12}")
JSON_TYPES = ("application/json", "application/merge-patch+json")
MAX_JSON_DEPTH = 32  # our deepest document (a blog's key points) is 4 levels
MAX_NUMBER_DIGITS = 32  # no field holds more than a version number or a pixel size


def _refuse(message: str, doc: str) -> json.JSONDecodeError:
    return json.JSONDecodeError(message, doc, 0)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    body = dict(pairs)
    if len(body) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"the key {key[:40]!r} appears twice in one object")
            seen.add(key)
    return body


def _bounded_int(text: str) -> int:
    if (digits := len(text.lstrip("-"))) > MAX_NUMBER_DIGITS:
        raise ValueError(f"a number has {digits} digits; at most {MAX_NUMBER_DIGITS} are accepted")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or len(text) > 2 * MAX_NUMBER_DIGITS:
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_NESTING = {"[": 1, "{": 1, "]": -1, "}": -1}


def _depth(text: str) -> int:
    """How deep arrays and objects nest, counted in C-speed passes (brackets in strings skipped)."""
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_NESTING.__getitem__, brackets)), default=0)


def strict_json_loads(text: str) -> Any:
    """Parse a request body, refusing what json.loads lets through but no API client means: NaN and
    Infinity, duplicate keys (two parsers may keep different ones), numbers of thousands of digits
    (which cost quadratic time to convert) and deep nesting (which exhausts the stack). Every refusal
    is a JSONDecodeError, so it answers 400 malformed_json like any other broken body."""
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _depth(text) > MAX_JSON_DEPTH:
        raise _refuse(f"arrays and objects nest deeper than {MAX_JSON_DEPTH} levels", text)
    try:
        return json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_int=_bounded_int,
            parse_float=_finite_float,
            parse_constant=_no_constants,
        )
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError) as exc:
        raise _refuse(str(exc), text) from None


class ErrorDetail(Model):
    code: str
    message: str
    details: Any = None


class ErrorBody(Model):
    error: ErrorDetail


class GatewayMessage(Model):
    """What API Gateway answers itself, before the function runs: a missing or invalid token (401), a
    body over its 10 MB limit (413), throttling (429). HTTP APIs cannot reshape these bodies."""

    message: str


ERROR_DESCRIPTIONS = {
    400: "Malformed request: invalid JSON, cursor or header",
    401: "No valid bearer token",
    403: "Your role may not do this",
    404: "No such blog, entry or photo",
    409: "The resource's state forbids this (illegal status move, slug taken, archived blog…)",
    412: "If-Match names a version that is no longer current (checked after the request's own problems, before the stored state's)",
    413: "Request body too large",
    415: "Body is not application/json",
    422: "Body fails validation (answered before If-Match is looked at), the change contradicts the stored "
    "content, or Idempotency-Key reused with another body",
    428: "If-Match is required (checked after the request's own problems, before the stored state's)",
    429: "Too much contention; retry",
}


# The statuses API Gateway itself may answer with, in its own body, as well as the function in ours.
GATEWAY_STATUSES = frozenset({401, 413, 429})


def error_responses(*statuses: int) -> dict[int, Any]:
    """OpenAPI entries for the errors a route can return, all with the one error body (or, for what
    the gateway answers itself, its message). Every route validates its input, so 422 is always one."""
    return {
        status: {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {
                content_types.APPLICATION_JSON: {
                    "model": ErrorBody | GatewayMessage if status in GATEWAY_STATUSES else ErrorBody
                }
            },
        }
        for status in sorted({*statuses, 422})
    }


def responses(status: int, description: str, *errors: int) -> dict[int, Any]:
    """A route's OpenAPI responses: its success, whose schema Powertools takes from the route's return
    type (once a route passes `responses`, Powertools documents no success on its own), and its errors."""
    success: dict[str, Any] = {"description": description}
    if status == HTTPStatus.NO_CONTENT:
        success["content"] = {}  # no body, so no media type
    return {status: success} | error_responses(*errors)


def error_response(status: int, code: str, message: str, details: Any = None) -> Response:
    body = ErrorBody(error=ErrorDetail(code=code, message=message, details=details))
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump_json(),
        headers={"Cache-Control": "no-store"},
    )


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(header: str | None) -> int:
    """The version an If-Match header names. Missing: 428. Anything but one of our ETags: 412."""
    if header is None or not header.strip():
        raise PreconditionRequiredError('send If-Match with the ETag you read, e.g. If-Match: "3"')
    value = header.strip()
    if value == "*":
        raise PreconditionRequiredError(
            'If-Match: * would overwrite blindly; send the ETag you read, e.g. "3"'
        )
    value = value.removeprefix("W/").strip('"')
    if not _VERSION.fullmatch(value):
        raise PreconditionFailedError(f"If-Match {header!r} does not match the current version")
    return int(value)


def expected_version(header: str | None) -> int | DomainError:
    """parse_if_match, with its refusal returned rather than raised: logic raises it, after
    deciding whether the caller may make the change at all (see liveblog.logic.versions)."""
    try:
        return parse_if_match(header)
    except (PreconditionRequiredError, PreconditionFailedError) as exc:
        return exc


def screen_envelope(event: Mapping[str, Any], max_body_bytes: int) -> None:
    """Refuse bodies that are too large or not JSON before anyone parses them."""
    body = event.get("body")
    if not body:
        return
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode())
    if size > max_body_bytes:
        raise PayloadTooLargeError(
            f"request body is {size} bytes; the limit is {max_body_bytes}", details={"limit": max_body_bytes}
        )
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in JSON_TYPES:
        raise UnsupportedMediaTypeError(
            f"send the body as application/json, not {media_type or 'without a Content-Type'}"
        )
    if event.get("isBase64Encoded"):
        try:
            base64.b64decode(body, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise MalformedBodyError(f"the request body is not UTF-8 text: {exc}") from None
