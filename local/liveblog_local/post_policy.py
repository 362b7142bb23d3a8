"""S3's rules for a browser-based upload (a presigned POST), as S3 applies them to the form.

S3 accepts a form POST only if its `policy` (base64 JSON) is signed with the caller's secret key
(SigV4: `x-amz-signature` is the HMAC-SHA256 of the base64 policy with the key derived from the
`x-amz-credential` scope), has not expired, and every condition holds for the form: `bucket`,
exact (`{"name": value}`, `["eq", "$name", value]`) and prefix (`["starts-with", "$name", prefix]`)
matches on form fields, and `["content-length-range", min, max]` on the file's size. Every field
but `policy`, `x-amz-signature`, `file` and `x-ignore-*` must be named by a condition. Field names
are compared without regard to case, values exactly.

`check_form` raises `PostRefused` with S3's status, code and message; `error_document` is the XML
S3 answers with. Nothing here reads a socket or the clock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

ALGORITHM = "AWS4-HMAC-SHA256"
# Fields a policy need not name: the policy, its signature and the file itself.
_UNCOVERED = frozenset({"policy", "x-amz-signature", "file"})
_SIGNATURE_FIELDS = ("x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature")


@dataclass
class PostRefused(Exception):
    status: int
    code: str
    message: str
    details: Mapping[str, str] = field(default_factory=dict)


def _denied(reason: str) -> PostRefused:
    return PostRefused(403, "AccessDenied", f"Invalid according to Policy: {reason}")


def _invalid_policy(reason: str) -> PostRefused:
    return PostRefused(400, "InvalidPolicyDocument", f"Invalid Policy: {reason}")


@dataclass(frozen=True)
class UploadForm:
    """The fields before the file, in order, and the file's name as the browser sent it."""

    bucket: str
    fields: Sequence[tuple[str, str]]
    filename: str = ""

    def value(self, name: str) -> str | None:
        """A field's value; the key with `${filename}` replaced, as S3 does before checking it."""
        wanted = name.lower()
        found = next((value for key, value in self.fields if key.lower() == wanted), None)
        if wanted == "key" and found is not None:
            return found.replace("${filename}", self.filename)
        return found


@dataclass(frozen=True)
class Policy:
    expiration: datetime
    conditions: list[Any]
    # Bounds from content-length-range; None when the policy sets none.
    size_range: tuple[int, int] | None


# ---------------------------------------------------------------- the signature


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def policy_signature(policy_base64: str, secret: str, date: str, region: str) -> str:
    key = signing_key(secret, date, region, "s3")
    return hmac.new(key, policy_base64.encode(), hashlib.sha256).hexdigest()


def _check_signature(form: UploadForm, credentials: Mapping[str, str], region: str) -> str:
    """The base64 policy, once its signature is the one the credential's secret key gives."""
    policy = form.value("policy")
    if policy is None:
        # A form without a policy is anonymous, and the local buckets take no anonymous writes.
        raise PostRefused(403, "AccessDenied", "Access Denied")
    missing = [name for name in _SIGNATURE_FIELDS if form.value(name) is None]
    if missing:
        raise PostRefused(400, "InvalidArgument", f"Bucket POST must contain a field named '{missing[0]}'.")
    if form.value("x-amz-algorithm") != ALGORITHM:
        raise PostRefused(400, "InvalidArgument", f"Only {ALGORITHM} is supported.")
    scope = str(form.value("x-amz-credential")).split("/")
    if len(scope) != 5 or scope[3:] != ["s3", "aws4_request"] or scope[2] != region:
        raise PostRefused(400, "InvalidArgument", "Invalid x-amz-credential: " + "/".join(scope))
    access_key, date = scope[0], scope[1]
    if access_key not in credentials:
        raise PostRefused(
            403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
        )
    expected = policy_signature(policy, credentials[access_key], date, region)
    if not hmac.compare_digest(expected, str(form.value("x-amz-signature"))):
        raise PostRefused(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
        )
    return policy


# ---------------------------------------------------------------- the policy document


def _parse_expiration(text: Any) -> datetime:
    if not isinstance(text, str):
        raise _invalid_policy("Invalid 'expiration' value.")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _invalid_policy(f"Invalid 'expiration' value: '{text}'") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _size_range(condition: list[Any]) -> tuple[int, int]:
    bounds = condition[1:]
    if len(bounds) != 2 or not all(isinstance(b, int) and not isinstance(b, bool) for b in bounds):
        raise _invalid_policy(f"Invalid content-length-range: {json.dumps(condition)}")
    return bounds[0], bounds[1]


def parse_policy(policy_base64: str) -> Policy:
    try:
        document = json.loads(base64.b64decode(policy_base64, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise _invalid_policy("Invalid JSON.") from exc
    if not isinstance(document, dict) or not isinstance(document.get("conditions"), list):
        raise _invalid_policy("Policy must contain 'expiration' and 'conditions'.")
    expiration = _parse_expiration(document.get("expiration"))
    size_range = None
    for condition in document["conditions"]:
        if isinstance(condition, list) and condition[:1] == ["content-length-range"]:
            size_range = _size_range(condition)
    return Policy(expiration, document["conditions"], size_range)


# ---------------------------------------------------------------- the conditions


def _as_match(condition: Any) -> tuple[str, str, str]:
    """(operator, field name, operand) of a field condition, in S3's array form."""
    if isinstance(condition, dict) and len(condition) == 1:
        ((name, value),) = condition.items()
        if isinstance(value, str):
            return "eq", name, value
    if (
        isinstance(condition, list)
        and len(condition) == 3
        and condition[0] in ("eq", "starts-with")
        and isinstance(condition[1], str)
        and condition[1].startswith("$")
        and isinstance(condition[2], str)
    ):
        return condition[0], condition[1][1:], condition[2]
    raise _invalid_policy(f"Invalid Simple-Condition: {json.dumps(condition)}")


def _holds(operator: str, actual: str | None, operand: str) -> bool:
    if actual is None:
        return False
    return actual == operand if operator == "eq" else actual.startswith(operand)


def _check_conditions(form: UploadForm, policy: Policy) -> None:
    covered: set[str] = set()
    for condition in policy.conditions:
        if isinstance(condition, list) and condition[:1] == ["content-length-range"]:
            continue  # checked against the file's size once it is read
        operator, name, operand = _as_match(condition)
        actual = form.bucket if name.lower() == "bucket" else form.value(name)
        if not _holds(operator, actual, operand):
            raise _denied(f"Policy Condition failed: {json.dumps([operator, '$' + name, operand])}")
        covered.add(name.lower())
    extra = [
        name
        for name, _ in form.fields
        if name.lower() not in covered | _UNCOVERED and not name.lower().startswith("x-ignore-")
    ]
    if extra:
        raise _denied(f"Extra input fields: {', '.join(extra)}")


def check_form(form: UploadForm, credentials: Mapping[str, str], region: str, now: datetime) -> Policy:
    """The policy of an acceptable form, checked in S3's order: signature, expiry, conditions.

    Raises PostRefused. The file's size is checked apart (`check_size`), once it is known.
    """
    names = [name.lower() for name, _ in form.fields]
    duplicated = next((name for name in names if names.count(name) > 1), None)
    if duplicated:
        raise PostRefused(400, "InvalidArgument", f"Field '{duplicated}' is given more than once.")
    policy = parse_policy(_check_signature(form, credentials, region))
    if now >= policy.expiration:
        raise _denied("Policy expired.")
    _check_conditions(form, policy)
    return policy


def check_size(policy: Policy, size: int) -> None:
    if policy.size_range is None:
        return
    smallest, largest = policy.size_range
    if size < smallest:
        raise PostRefused(
            400,
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size",
            {"ProposedSize": str(size), "MinSizeAllowed": str(smallest)},
        )
    if size > largest:
        raise PostRefused(
            400,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
            {"ProposedSize": str(size), "MaxSizeAllowed": str(largest)},
        )


def error_document(refusal: PostRefused) -> bytes:
    """S3's XML error body for a refusal."""
    details = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in refusal.details.items())
    request_id = uuid.uuid4().hex[:16].upper()
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{refusal.code}</Code><Message>{escape(refusal.message)}</Message>{details}"
        f"<RequestId>{request_id}</RequestId><HostId>local</HostId></Error>"
    ).encode()
