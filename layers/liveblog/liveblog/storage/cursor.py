"""Opaque page cursors: DynamoDB's LastEvaluatedKey, checked on the way back in.

A cursor only ever resumes the listing it came from. Checking its shape and partition here turns a
tampered or stale cursor into a 400 instead of a DynamoDB ValidationException (a 500) or, worse, a
walk into another blog's partition.
"""

import base64
import binascii
import json

from liveblog.errors import InvalidCursorError

Key = dict[str, str]


def encode_cursor(last_key: Key | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, fixed: Key, key_names: frozenset[str]) -> Key | None:
    """The start key for a query whose partition attributes must equal `fixed`."""
    if cursor is None:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursorError("cursor is not one this API issued") from exc
    if (
        not isinstance(decoded, dict)
        or set(decoded) != key_names
        or not all(isinstance(value, str) for value in decoded.values())
        or any(decoded.get(name) != value for name, value in fixed.items())
    ):
        raise InvalidCursorError("cursor does not belong to this listing")
    return decoded
