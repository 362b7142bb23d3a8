"""Who is asking, from the JWT claims API Gateway's authorizer verified, and what they may do."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from liveblog.errors import ForbiddenError, UnauthorizedError
from liveblog.models import Author

EDITORS = "editors"
CONTRIBUTORS = "contributors"


def parse_groups(value: Any) -> frozenset[str]:
    """cognito:groups as a list (REST API, tests) or as HTTP API flattens it: "[editors contributors]"."""
    if value is None:
        return frozenset()
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(str(group) for group in value)
    text = str(value).strip().removeprefix("[").removesuffix("]")
    return frozenset(group.strip().strip('"') for group in text.replace(",", " ").split() if group.strip())


@dataclass(frozen=True)
class Principal:
    user_id: str
    name: str
    groups: frozenset[str]

    @property
    def is_editor(self) -> bool:
        return EDITORS in self.groups

    @property
    def is_member(self) -> bool:
        return self.is_editor or CONTRIBUTORS in self.groups

    @property
    def author(self) -> Author:
        return Author(id=self.user_id, name=self.name)


def principal_from_claims(claims: Mapping[str, Any] | None) -> Principal:
    if not claims or not claims.get("sub"):
        raise UnauthorizedError("a valid bearer token is required")
    # The authorizer accepts Cognito access tokens too (they carry the client id), but only the ID
    # token says who the person is: an access token has no name, so its username would be the byline.
    use = claims.get("token_use")
    if use != "id":
        raise UnauthorizedError(
            "send the Cognito ID token (IdToken) as the bearer token, not the access token",
            details={"token_use": None if use is None else str(use)[:20]},
        )
    name = claims.get("name") or claims.get("cognito:username") or claims.get("email") or claims["sub"]
    return Principal(
        user_id=str(claims["sub"]), name=str(name)[:200], groups=parse_groups(claims.get("cognito:groups"))
    )


def require_member(actor: Principal) -> None:
    if not actor.is_member:
        raise ForbiddenError("your account is in neither the editors nor the contributors group")


def require_editor(actor: Principal, action: str) -> None:
    require_member(actor)
    if not actor.is_editor:
        raise ForbiddenError(f"only editors may {action}")
