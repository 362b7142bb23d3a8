"""Who may call what: every admin route x every kind of caller, through the local API Gateway.

The routes come from the admin API's own OpenAPI document plus the public documents it serves, so a
route added to the code joins the matrix by itself and fails until it has a row in ROWS. Requests go
through liveblog_local's HttpApiGateway, whose JWT authorizer refuses a bad token before the
function runs, as HTTP API does; roles are decided by the handler from the claims the authorizer
flattens. Every refusal must leave both tables exactly as they were.
"""

import dataclasses
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import pytest

from liveblog.api.admin import PUBLIC_PATHS, app
from liveblog_local.functions import load_handler
from liveblog_local.tokens import LOCAL_CLIENT_ID

HTTP_METHODS = ("get", "put", "post", "delete", "patch")
EDITOR, CONTRIBUTOR, OTHER_CONTRIBUTOR = "eda-harbour", "cal-rivers", "mo-finch"


def served_routes() -> list[str]:
    """ "METHOD /path" for every operation in the OpenAPI document, and the public documents."""
    schema = app.get_openapi_schema()
    routes = {
        f"{method.upper()} {path}"
        for path, item in schema.paths.items()
        for method in item.model_dump(exclude_none=True)
        if method in HTTP_METHODS
    }
    return sorted(routes | {f"GET {path}" for path in PUBLIC_PATHS})


UPLOAD = {"filename": "ballots.jpg", "content_type": "image/jpeg", "byte_size": 80_000, "caption": "Ballots"}


@dataclass
class World:
    """An election-night blog as a newsroom has it mid-evening, made through the gateway on demand:
    each piece is created the first time a request names it."""

    gateway: Any
    tokens: Any
    made: dict[str, str] = field(default_factory=dict)
    writes: int = 0

    def token(self, role: str, user: str | None = None) -> str:
        return self.tokens.issue(role, sub=user or (EDITOR if role == "editor" else CONTRIBUTOR))

    def call(
        self,
        method: str,
        target: str,
        body: Any = None,
        *,
        role: str = "editor",
        user: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        self.writes += method != "GET"
        reply = self.gateway.request(method, target, body, token=self.token(role, user), headers=headers)
        assert reply.status < 300, (method, target, reply.status, reply.body)
        return reply.json

    def etag(self, target: str) -> str:
        return f'"{self.call("GET", target)["version"]}"'

    def __getitem__(self, name: str) -> str:
        if name not in self.made:
            self.made[name] = getattr(self, f"_make_{name}")()
        return self.made[name]

    def _entries(self) -> str:
        return f"/blogs/{self['blog_id']}/entries"

    def _make_blog_id(self) -> str:
        body = {"slug": f"election-{uuid4().hex[:8]}", "title": "Election night in Valmora", "status": "live"}
        return str(self.call("POST", "/blogs", body)["id"])

    def _make_draft_blog_id(self) -> str:
        body = {"slug": f"recount-{uuid4().hex[:8]}", "title": "The Valmora recount"}
        return str(self.call("POST", "/blogs", body)["id"])

    def _make_published(self) -> str:
        return str(self.call("POST", self._entries(), {"title": "Polls close", "status": "published"})["id"])

    def _make_own_draft(self) -> str:
        return str(self.call("POST", self._entries(), {"title": "Turnout at 61%"}, role="contributor")["id"])

    def _make_others_draft(self) -> str:
        body = {"title": "Queues in Eastbank"}
        return str(self.call("POST", self._entries(), body, role="contributor", user=OTHER_CONTRIBUTOR)["id"])

    def _make_own_published(self) -> str:
        entry = self.call("POST", self._entries(), {"title": "Mine, then published"}, role="contributor")
        self.call(
            "PATCH", f"{self._entries()}/{entry['id']}", {"status": "published"}, headers={"If-Match": '"1"'}
        )
        return str(entry["id"])

    def _make_own_photo(self) -> str:
        return str(
            self.call("POST", f"/blogs/{self['blog_id']}/photos", UPLOAD, role="contributor")["photo"]["id"]
        )

    def _make_others_photo(self) -> str:
        photos = f"/blogs/{self['blog_id']}/photos"
        return str(
            self.call("POST", photos, UPLOAD, role="contributor", user=OTHER_CONTRIBUTOR)["photo"]["id"]
        )

    def _make_shown_photo(self) -> str:
        # The contributor's photo, in an entry an editor published: its caption is public words now.
        photo = self.call("POST", f"/blogs/{self['blog_id']}/photos", UPLOAD, role="contributor")["photo"]
        block = {"type": "photo", "photo_id": photo["id"]}
        self.call("POST", self._entries(), {"status": "published", "blocks": [block]})
        return str(photo["id"])


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class Ids(dict[str, str]):
    """Path templates name pieces of the world; each is made when first named."""

    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world

    def __missing__(self, name: str) -> str:
        return self.world[name]


def plain(method: str, target: str, body: Any = None) -> Callable[[World], Request]:
    return lambda world: Request(method, target.format_map(Ids(world)), body)


def versioned(method: str, target: str, body: Any = None) -> Callable[[World], Request]:
    """A write naming the version it was made against, read just before it is sent."""

    def build(world: World) -> Request:
        path = target.format_map(Ids(world))
        return Request(method, path, body, {"If-Match": world.etag(path)})

    return build


@dataclass(frozen=True)
class Row:
    """A representative, valid request on one route, and what editors and contributors get for it."""

    request: Callable[[World], Request]
    editor: int
    contributor: int
    public: bool = False
    # The world piece a successful request uses up (a delete): the next caller gets a new one.
    consumes: str | None = None


DRAFT = {"title": "Counting starts", "blocks": [{"type": "paragraph", "html": "Ballot boxes arrive."}]}

# The contract (README "Roles", DESIGN "Admin API"): editors do everything; contributors read, create
# drafts, edit or delete their own drafts and upload photos (and correct them until an editor
# publishes them); they cannot publish, schedule, pin or change a blog. Refusals that depend on whose
# entry or photo it is, or on its status, are in CONTRIBUTOR_REFUSALS below.
ROWS: dict[str, Row] = {
    "GET /health": Row(plain("GET", "/health"), 200, 200, public=True),
    "GET /openapi.json": Row(plain("GET", "/openapi.json"), 200, 200, public=True),
    "GET /docs": Row(plain("GET", "/docs"), 200, 200, public=True),
    "POST /blogs": Row(
        lambda world: Request("POST", "/blogs", {"slug": f"turnout-{uuid4().hex[:8]}", "title": "Turnout"}),
        201,
        403,
    ),
    "GET /blogs": Row(plain("GET", "/blogs?limit=5"), 200, 200),
    "GET /blogs/{blog_id}": Row(plain("GET", "/blogs/{blog_id}"), 200, 200),
    "PATCH /blogs/{blog_id}": Row(
        versioned("PATCH", "/blogs/{blog_id}", {"title": "Valmora decides"}), 200, 403
    ),
    "DELETE /blogs/{blog_id}": Row(
        versioned("DELETE", "/blogs/{draft_blog_id}"), 204, 403, consumes="draft_blog_id"
    ),
    "POST /blogs/{blog_id}/entries": Row(plain("POST", "/blogs/{blog_id}/entries", DRAFT), 201, 201),
    "GET /blogs/{blog_id}/entries": Row(plain("GET", "/blogs/{blog_id}/entries"), 200, 200),
    "GET /blogs/{blog_id}/entries/{entry_id}": Row(
        plain("GET", "/blogs/{blog_id}/entries/{published}"), 200, 200
    ),
    "PATCH /blogs/{blog_id}/entries/{entry_id}": Row(
        versioned("PATCH", "/blogs/{blog_id}/entries/{own_draft}", {"title": "Turnout at 62%"}), 200, 200
    ),
    "DELETE /blogs/{blog_id}/entries/{entry_id}": Row(
        versioned("DELETE", "/blogs/{blog_id}/entries/{own_draft}"), 200, 200, consumes="own_draft"
    ),
    "POST /blogs/{blog_id}/photos": Row(plain("POST", "/blogs/{blog_id}/photos", UPLOAD), 201, 201),
    "GET /blogs/{blog_id}/photos": Row(plain("GET", "/blogs/{blog_id}/photos"), 200, 200),
    "GET /blogs/{blog_id}/photos/{photo_id}": Row(
        plain("GET", "/blogs/{blog_id}/photos/{own_photo}"), 200, 200
    ),
    "PATCH /blogs/{blog_id}/photos/{photo_id}": Row(
        versioned("PATCH", "/blogs/{blog_id}/photos/{own_photo}", {"caption": "Ballots, sealed"}), 200, 200
    ),
    "DELETE /blogs/{blog_id}/photos/{photo_id}": Row(
        versioned("DELETE", "/blogs/{blog_id}/photos/{own_photo}"), 204, 403, consumes="own_photo"
    ),
}

# Tokens HTTP API's JWT authorizer must refuse, and what its WWW-Authenticate challenge names.
BAD_TOKENS: dict[str, tuple[Callable[[Any], str | None], str]] = {
    "no-token": (lambda tokens: None, ""),
    "expired": (lambda tokens: tokens.issue(exp=1_700_000_000, iat=1_699_990_000), "expired"),
    # NumericDates are JSON numbers (RFC 7519 §2); digits in a string are not one, however lenient
    # a parser's int() may be.
    "exp-as-string": (lambda tokens: tokens.issue(exp=str(int(time.time()) + 3600)), "exp"),
    "iat-as-string": (lambda tokens: tokens.issue(iat=str(int(time.time()))), "iat"),
    "nbf-as-true": (lambda tokens: tokens.issue(nbf=True), "nbf"),
    "not-yet-valid": (lambda tokens: tokens.issue(nbf=int(time.time()) + 3600), "nbf"),
    "other-key": (lambda tokens: tokens.issue(key_path=tokens.other_key_path), "key"),
    "other-key-our-kid": (
        lambda tokens: tokens.issue(key_path=tokens.other_key_path, kid=tokens.kid),
        "signature",
    ),
    "unsigned-alg-none": (lambda tokens: tokens.issue(algorithm="none"), "alg"),
    "wrong-audience": (lambda tokens: tokens.issue(aud="someone-elses-client"), "audience"),
    "wrong-issuer": (
        lambda tokens: tokens.issue(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"),
        "issuer",
    ),
}
ROLES = {"no-group": "none", "contributor": "contributor", "editor": "editor"}
# An editor's Cognito access token: the authorizer accepts it (its client_id names our client), but it
# does not say who the person is, so the function itself refuses it with its own JSON error.
ACCESS_TOKEN = "editor-access-token"
# A route that reached the function with no verified claims (a template that lost its authorizer):
# the function itself must still refuse it, with its own JSON error.
UNGUARDED = "no-authorizer-on-route"
CASES = [*BAD_TOKENS, UNGUARDED, ACCESS_TOKEN, *ROLES]


def access_token(tokens: Any) -> str:
    """An access token as Cognito issues one for an editor: client_id instead of aud, a username
    and a scope, and no name or email."""
    return tokens.issue(
        "editor",
        sub=EDITOR,
        token_use="access",
        client_id=LOCAL_CLIENT_ID,
        username=EDITOR,
        scope="aws.cognito.signin.user.admin",
        drop=("aud", "name", "email", "email_verified", "cognito:username"),
    )


def expected_status(row: Row, case: str) -> int:
    if row.public:
        return 200
    if case in BAD_TOKENS or case in (UNGUARDED, ACCESS_TOKEN):
        return 401
    return {"no-group": 403, "contributor": row.contributor, "editor": row.editor}[case]


@dataclass
class Invocations:
    """Counts calls reaching the admin function behind the gateway."""

    handler: Any
    count: int = 0

    def __call__(self, event: Any, context: Any) -> Any:
        self.count += 1
        return self.handler(event, context)


@pytest.fixture
def world(gateway: Any, tokens: Any) -> World:
    return World(gateway, tokens)


@dataclass
class Tables:
    """The tables' contents before a request, re-read only when something may have written: a
    refusal must leave them as they were, so after one the state is known without a scan."""

    world: World
    stored: Any
    known: Any = None
    writes: int = -1

    def before(self) -> Any:
        if self.known is None or self.writes != self.world.writes:
            self.known, self.writes = self.stored(), self.world.writes
        return self.known

    def unchanged(self, before: Any) -> bool:
        self.known = self.stored()
        return bool(self.known == before)

    def forget(self) -> None:
        self.known = None


@pytest.fixture
def tables_state(world: World, stored: Any) -> Tables:
    return Tables(world, stored)


def test_every_served_route_has_a_row() -> None:
    # A route added to the admin API must say who may call it before it can ship
    assert sorted(set(served_routes()) - set(ROWS)) == [], "routes with no row in the authorization matrix"
    assert sorted(set(ROWS) - set(served_routes())) == [], "rows for routes the API no longer serves"


@pytest.mark.parametrize("route", served_routes())
def test_authorization_matrix(
    world: World, tokens: Any, tables_state: Tables, make_gateway: Any, route: str
) -> None:
    # Given the route's row (a new route without one fails here) and the gateway in front of it
    row = ROWS.get(route)
    assert row is not None, f"{route} has no row in ROWS: say who may call it"
    invocations = Invocations(load_handler("admin_api"))
    guarded = make_gateway(invocations)
    unguarded = make_gateway(authorizers=False)
    wrong: list[str] = []

    for case in CASES:
        # When each kind of caller sends the route's request
        request = row.request(world)
        token = BAD_TOKENS[case][0](tokens) if case in BAD_TOKENS else None
        if case in ROLES:
            token = world.token(ROLES[case])
        if case == ACCESS_TOKEN:
            token = access_token(tokens)
        before, reached = tables_state.before(), invocations.count
        reply = (unguarded if case == UNGUARDED else guarded).request(
            request.method, request.target, request.body, token=token, headers=request.headers
        )

        # Then it gets what the role table says, as JSON, and a refusal changes nothing stored
        problems = _check(row, case, reply, invocations.count - reached)
        if reply.status < 300:
            tables_state.forget()
            if row.consumes:
                world.made.pop(row.consumes, None)
        elif not tables_state.unchanged(before):
            problems.append("a refused request changed the tables")
        wrong += [f"{route} [{case}]: {problem}" for problem in problems]

    assert not wrong, "\n".join(wrong)


def _check(row: Row, case: str, reply: Any, invoked: int) -> list[str]:
    expected = expected_status(row, case)
    if reply.status != expected:
        return [f"status {reply.status}, expected {expected}: {reply.body[:200]!r}"]
    if expected < 300:
        return []
    problems = []
    if not reply.headers.get("content-type", "").startswith("application/json"):
        problems.append(f"content-type {reply.headers.get('content-type')}")
    if case in BAD_TOKENS:
        # The authorizer answers before the function runs: HTTP API's own body and, for a token it
        # could read, a challenge naming the check that failed
        if invoked:
            problems.append("the function ran for a request the authorizer should have refused")
        if reply.json != {"message": "Unauthorized"}:
            problems.append(f"body {reply.json}")
        challenge = reply.headers.get("www-authenticate")
        reason = BAD_TOKENS[case][1]
        if not reason and challenge is not None:
            problems.append(f"challenge without a token: {challenge}")
        if reason and not (
            challenge and 'Bearer scope="" error="invalid_token"' in challenge and reason in challenge.lower()
        ):
            problems.append(f"challenge {challenge!r} does not name {reason!r}")
        return problems
    error = (reply.json or {}).get("error") or {}
    expected_code = "unauthorized" if case in (UNGUARDED, ACCESS_TOKEN) else "forbidden"
    if error.get("code") != expected_code or not error.get("message"):
        problems.append(f"error {error}, expected code {expected_code}")
    if case == ACCESS_TOKEN and "ID token" not in error.get("message", ""):
        problems.append(f"the refusal does not say to send the ID token: {error}")
    return problems


FUTURE = "2099-11-05T02:00:00Z"
# What a contributor may not do (README "Roles"), each on a piece of the election-night world. The
# matrix above covers what they may do and the editor-only routes' representative requests.
CONTRIBUTOR_REFUSALS: dict[str, Callable[[World], Request]] = {
    "publish a new entry": plain(
        "POST", "/blogs/{blog_id}/entries", {"title": "Scoop", "status": "published"}
    ),
    "schedule a new entry": plain(
        "POST", "/blogs/{blog_id}/entries", {"title": "Later", "status": "scheduled", "publish_at": FUTURE}
    ),
    "publish their draft": versioned(
        "PATCH", "/blogs/{blog_id}/entries/{own_draft}", {"status": "published"}
    ),
    "schedule their draft": versioned(
        "PATCH", "/blogs/{blog_id}/entries/{own_draft}", {"status": "scheduled", "publish_at": FUTURE}
    ),
    "edit another's draft": versioned(
        "PATCH", "/blogs/{blog_id}/entries/{others_draft}", {"title": "Mine now"}
    ),
    "edit an editor's entry": versioned(
        "PATCH", "/blogs/{blog_id}/entries/{published}", {"title": "Polls shut"}
    ),
    "edit their entry once published": versioned(
        "PATCH", "/blogs/{blog_id}/entries/{own_published}", {"title": "Quietly changed"}
    ),
    "delete another's draft": versioned("DELETE", "/blogs/{blog_id}/entries/{others_draft}"),
    "delete an editor's entry": versioned("DELETE", "/blogs/{blog_id}/entries/{published}"),
    "delete their entry once published": versioned("DELETE", "/blogs/{blog_id}/entries/{own_published}"),
    "pin an entry": versioned("PATCH", "/blogs/{blog_id}", {"pinned_entry_id": "{published}"}),
    "end the blog": versioned("PATCH", "/blogs/{blog_id}", {"status": "ended"}),
    "rename the blog": versioned("PATCH", "/blogs/{blog_id}", {"key_points": ["Turnout 61%"]}),
    "delete a live blog": versioned("DELETE", "/blogs/{blog_id}"),
    "delete a draft blog": versioned("DELETE", "/blogs/{draft_blog_id}"),
    "create a blog": lambda world: Request(
        "POST", "/blogs", {"slug": f"mine-{uuid4().hex[:8]}", "title": "Mine"}
    ),
    "recaption another's photo": versioned(
        "PATCH", "/blogs/{blog_id}/photos/{others_photo}", {"caption": "x"}
    ),
    "recaption a published photo": versioned(
        "PATCH", "/blogs/{blog_id}/photos/{shown_photo}", {"caption": "x"}
    ),
}


# Routes where a contributor's refusal needs neither the body nor a stored item: the blog routes.
BLOG_ROUTES = re.compile(r"^/blogs(/[0-9A-Z]{26})?$")


def variants(request: Request, role_decided_by_route: bool) -> dict[str, Request]:
    """The request as sent, and as a caller might get it wrong in ways that do not change who may
    send it. The role's refusal comes before any precondition (RFC 9110 §13.2.1 evaluates them only
    for a request that would otherwise succeed), and before the body's validation wherever the
    refusal needs neither the body nor the stored item (a no-group user anywhere, a contributor on
    the blog routes). Where it does need them (whose entry, which status), a body that fails
    validation is reported as such first: the route cannot read what it cannot parse."""
    found = {"as sent": request}
    if "If-Match" in request.headers:
        found["no If-Match"] = dataclasses.replace(request, headers={})
        found["stale If-Match"] = dataclasses.replace(request, headers={"If-Match": '"999"'})
    if isinstance(request.body, dict) and role_decided_by_route:
        found["invalid body"] = dataclasses.replace(request, body={**request.body, "colour": "red"})
    return found


def _resolve(world: World, request: Request) -> Request:
    if isinstance(request.body, dict):
        body = {k: v.format_map(Ids(world)) if isinstance(v, str) else v for k, v in request.body.items()}
        request = dataclasses.replace(request, body=body)
    return request


def _refusals(
    world: World,
    tables_state: Tables,
    callers: dict[str, str],
    requests: dict[str, Callable[[World], Request]],
) -> list[str]:
    wrong: list[str] = []
    for name, build in requests.items():
        sent = _resolve(world, build(world))
        decided_by_route = "contributor" not in callers or bool(BLOG_ROUTES.match(sent.target))
        for variant, request in variants(sent, decided_by_route).items():
            for caller, role in callers.items():
                before = tables_state.before()
                reply = world.gateway.request(
                    request.method,
                    request.target,
                    request.body,
                    token=world.token(role),
                    headers=request.headers,
                )
                error = (reply.json or {}).get("error") if reply.body.startswith(b"{") else None
                if reply.status != 403 or not error or error.get("code") != "forbidden":
                    wrong.append(f"{caller}: {name} ({variant}): {reply.status} {reply.body[:160]!r}")
                elif not tables_state.unchanged(before):
                    wrong.append(f"{caller}: {name} ({variant}): refused, but the tables changed")
    return wrong


def test_contributors_are_refused_what_the_role_table_forbids_whatever_else_is_wrong(
    world: World, tables_state: Tables
) -> None:
    # Given the election-night blog with the contributor's drafts, published entries and photos
    # When the contributor tries each thing their role may not do, also with a missing or stale
    # If-Match and with an invalid body
    wrong = _refusals(world, tables_state, {"contributor": "contributor"}, CONTRIBUTOR_REFUSALS)

    # Then every attempt is a 403 "forbidden" and nothing stored changed
    assert not wrong, "\n".join(wrong)


def test_users_in_no_group_are_refused_before_anything_else_is_checked(
    world: World, tables_state: Tables
) -> None:
    # Given every route that needs a role, with its representative request
    requests = {route: row.request for route, row in ROWS.items() if not row.public}

    # When a signed-in user in no group sends each, as is and with the usual mistakes
    wrong = _refusals(world, tables_state, {"no-group": "none"}, requests)

    # Then they hear 403 whatever else is wrong, and nothing changed
    assert not wrong, "\n".join(wrong)
