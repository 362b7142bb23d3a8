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
    MalformedBodyError,
    PayloadTooLargeError,
    PreconditionRequiredError,
    UnsupportedMediaTypeError,
)
from liveblog.logic.versions import ExpectedVersion, MatchesNoVersion
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
    # The length is checked before converting, so no conversion ever sees thousands of digits.
    if len(text) > 2 * MAX_NUMBER_DIGITS or not math.isfinite(value := float(text)):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


_STRING = re.compile(r'"[^"]*"')
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_NESTING = {"[": 1, "{": 1, "]": -1, "}": -1}
_TOO_DEEP = f"arrays and objects nest deeper than {MAX_JSON_DEPTH} levels"


def _depth(valid_json: str) -> int:
    """How deep arrays and objects nest in a text json.loads accepted, brackets in strings skipped.

    Only ever given valid JSON, where every backslash is in a string and every string is closed: then
    dropping escaped backslashes, then escaped quotes, leaves quotes only at the ends of strings, and
    each step reads the text once, whatever it holds.
    """
    unescaped = valid_json.replace("\\\\", "").replace('\\"', "")
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", unescaped))
    return max(accumulate(map(_NESTING.__getitem__, brackets)), default=0)


def strict_json_loads(text: str) -> Any:
    """Parse a request body, refusing what json.loads lets through but no API client means: NaN and
    Infinity, duplicate keys (two parsers may keep different ones), numbers of thousands of digits
    (which cost quadratic time to convert) and nesting deeper than MAX_JSON_DEPTH. Every refusal is a
    JSONDecodeError, so it answers 400 malformed_json like any other broken body.

    The C parser reads first: it takes time linear in the text, and stops nesting at the interpreter's
    recursion limit. So the nesting is counted only in text known to be JSON, and a text built to
    make a scanner read it again and again (an unterminated string of escaped quotes) never reaches one.
    """
    try:
        body = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_int=_bounded_int,
            parse_float=_finite_float,
            parse_constant=_no_constants,
        )
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise _refuse(_TOO_DEEP, text) from None
    except ValueError as exc:
        raise _refuse(str(exc), text) from None
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _depth(text) > MAX_JSON_DEPTH:
        raise _refuse(_TOO_DEEP, text)
    return body


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


def parse_if_match(header: str | None) -> int | MatchesNoVersion:
    """The version an If-Match header names. Missing or *: 428. Anything but one of our (strong)
    ETags can match no version: logic answers 412 with the current one."""
    if header is None or not header.strip():
        raise PreconditionRequiredError('send If-Match with the ETag you read, e.g. If-Match: "3"')
    value = header.strip()
    # RFC 9110 lets * match any current representation; every write here must name the version it
    # was made against, so * is refused as no precondition at all (RFC 6585 §3).
    if value == "*":
        raise PreconditionRequiredError(
            'If-Match: * would overwrite blindly; send the ETag you read, e.g. "3"'
        )
    if value.startswith("W/"):
        return MatchesNoVersion(f"If-Match {header!r} is a weak ETag, and If-Match never matches one")
    value = value.strip('"')
    if not _VERSION.fullmatch(value):
        return MatchesNoVersion(f"If-Match {header!r} is not an ETag this API issued")
    return int(value)


def expected_version(header: str | None) -> ExpectedVersion:
    """parse_if_match, with its refusal returned rather than raised: logic raises it, after
    deciding whether the caller may make the change at all (see liveblog.logic.versions)."""
    try:
        return parse_if_match(header)
    except PreconditionRequiredError as exc:
        return exc


def _body_bytes(event: Mapping[str, Any]) -> int:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return len(body) * 3 // 4 - body[-2:].count("=")  # padding stands for no byte
    return len(body.encode())


def refuse_oversize_body(event: Mapping[str, Any], max_body_bytes: int) -> None:
    """413 for a body over the limit: counts its bytes, reads nothing in it."""
    if (size := _body_bytes(event)) > max_body_bytes:
        raise PayloadTooLargeError(
            f"request body is {size} bytes; the limit is {max_body_bytes}", details={"limit": max_body_bytes}
        )


def refuse_non_json_body(event: Mapping[str, Any]) -> None:
    """415 for a body sent as anything but JSON, 400 for one that is not UTF-8 text."""
    body = event.get("body")
    if not body:
        return
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
