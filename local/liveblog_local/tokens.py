"""Local stand-in for the Cognito user pool and API Gateway's JWT authorizer.

Tokens are RS256 JWTs shaped like Cognito ID tokens and signed with a key kept in
.local/, so `make token` and a running `make dev` agree without sharing a process.
Verification follows the HTTP API JWT authorizer: signature by a known key id, then
iss, aud (or client_id), exp, nbf and iat, which must be JSON numbers.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from liveblog_local import STATE_DIR

KEY_PATH = STATE_DIR / "jwt-key.pem"
LOCAL_ISSUER = "http://localhost/liveblog-local-user-pool"
LOCAL_CLIENT_ID = "liveblog-local-client"
DEFAULT_TTL_SECONDS = 12 * 3600

Role = Literal["editor", "contributor"]


@dataclass(frozen=True)
class LocalUser:
    sub: str
    name: str
    group: str


DEFAULT_USERS: dict[Role, LocalUser] = {
    "editor": LocalUser(sub="local-editor", name="Local Editor", group="editors"),
    "contributor": LocalUser(sub="local-contributor", name="Local Contributor", group="contributors"),
}


class InvalidTokenError(Exception):
    """The authorizer refuses the token; the message says why (API Gateway logs it, never returns it)."""


@dataclass(frozen=True)
class SigningKey:
    private_key: rsa.RSAPrivateKey
    kid: str

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()


def _write_new_key(path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as stream:
        stream.write(pem)
    try:
        # link() refuses to overwrite, so when several processes (test workers, `make token`
        # racing `make dev`) create the key at once, exactly one wins and all read its key.
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


@lru_cache(maxsize=4)
def signing_key(path: Path = KEY_PATH) -> SigningKey:
    if not path.exists():
        _write_new_key(path)
    private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise InvalidTokenError(f"{path} does not hold an RSA private key")
    # Cognito names its keys by id; the RFC 7638 thumbprint gives a stable one.
    public_jwk = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
    canonical = json.dumps({k: public_jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    kid = jwt.utils.base64url_encode(hashlib.sha256(canonical.encode()).digest()).decode()
    return SigningKey(private_key=private_key, kid=kid)


def issue_token(
    role: Role = "editor",
    *,
    sub: str | None = None,
    name: str | None = None,
    email: str | None = None,
    ttl: int = DEFAULT_TTL_SECONDS,
    key_path: Path = KEY_PATH,
) -> str:
    """An ID token as Cognito would issue it for a member of the role's group."""
    if role not in DEFAULT_USERS:
        raise ValueError(f"role must be one of {sorted(DEFAULT_USERS)}, not {role!r}")
    user = DEFAULT_USERS[role]
    subject = sub or user.sub
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "cognito:groups": [user.group],
        "iss": LOCAL_ISSUER,
        "cognito:username": subject,
        "aud": LOCAL_CLIENT_ID,
        "token_use": "id",
        "auth_time": now,
        "name": name or user.name,
        "email": email or f"{subject}@liveblog.local",
        "email_verified": True,
        "event_id": secrets.token_hex(16),
        "jti": secrets.token_hex(16),
        "iat": now,
        "exp": now + ttl,
    }
    key = signing_key(key_path)
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})


def verify(
    token: str,
    *,
    issuer: str = LOCAL_ISSUER,
    audience: tuple[str, ...] = (LOCAL_CLIENT_ID,),
    key_path: Path = KEY_PATH,
) -> dict[str, Any]:
    """The token's claims if the HTTP API JWT authorizer would accept it, else InvalidTokenError."""
    key = signing_key(key_path)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(f"not a JWT: {exc}") from exc
    if header.get("kid") != key.kid:
        raise InvalidTokenError("unknown key id (kid)")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key.public_key,
            # API Gateway only supports RSA signatures.
            algorithms=["RS256", "RS384", "RS512"],
            issuer=issuer,
            # The times are checked below: PyJWT reads them with int(), so "exp": "1900000000" passes.
            options={
                "require": ["exp", "iss"],
                "verify_aud": False,
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(str(exc)) from exc
    _check_times(claims, time.time())
    # ID tokens carry the client id in aud, access tokens in client_id; the authorizer takes either.
    audiences = claims.get("aud", claims.get("client_id"))
    presented = audiences if isinstance(audiences, list) else [audiences]
    if not any(value in audience for value in presented):
        raise InvalidTokenError("invalid audience")
    return claims


def _is_numeric_date(value: Any) -> bool:
    # RFC 7519 §2: a NumericDate is a JSON number. bool is an int to Python, and JSON here may hold
    # Infinity, which no clock reaches.
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_times(claims: dict[str, Any], now: float) -> None:
    """exp, nbf and iat as the authorizer checks them: numbers, expiry in the future, the others not."""
    for name in ("exp", "nbf", "iat"):
        if name in claims and not _is_numeric_date(claims[name]):
            raise InvalidTokenError(f"the {name} claim is not a number (NumericDate)")
    if claims["exp"] <= now:
        raise InvalidTokenError("the token has expired (exp)")
    if claims.get("nbf", now) > now:
        raise InvalidTokenError("the token is not yet valid (nbf)")
    if claims.get("iat", now) > now:
        raise InvalidTokenError("the token was issued in the future (iat)")


def _claim_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        # HTTP API flattens arrays to "[a b]": cognito:groups ["editors","x"] arrives as "[editors x]".
        return "[" + " ".join(_claim_string(item) for item in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def authorizer_claims(claims: dict[str, Any]) -> dict[str, str]:
    """The claims as HTTP API hands them to the integration in requestContext.authorizer.jwt.claims."""
    return {name: _claim_string(value) for name, value in claims.items()}


def authorizer_scopes(claims: dict[str, Any]) -> list[str] | None:
    """requestContext.authorizer.jwt.scopes: the access token's scope claim, None for ID tokens."""
    scope = claims.get("scope")
    return str(scope).split() if scope else None
