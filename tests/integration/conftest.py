"""Fixtures for the integration tests: the renderer fed with real moto stream records."""

import dataclasses
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import jwt
import pytest

from liveblog_local import TEMPLATE_PATH
from liveblog_local.functions import load_handler
from liveblog_local.gateway import HttpApiGateway
from liveblog_local.template import HttpApiConfig, LocalTemplate
from liveblog_local.tokens import issue_token, signing_key, verify


class Stream:
    """Reads the content table's stream from where it stood when created."""

    def __init__(self, table_name: str) -> None:
        # With a stream ARN botocore picks an account-based endpoint that moto does not serve.
        self.client = boto3.client(
            "dynamodbstreams", endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com"
        )
        arn = boto3.client("dynamodb").describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
        self.arn = arn
        self.skip()

    def skip(self) -> None:
        """Stand where the stream ends now."""
        shards = self.client.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"]
        self.iterators = [
            self.client.get_shard_iterator(
                StreamArn=self.arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST"
            )["ShardIterator"]
            for shard in shards
        ]

    def batch(self) -> dict[str, Any]:
        records: list[dict[str, Any]] = []
        for position, iterator in enumerate(self.iterators):
            response = self.client.get_records(ShardIterator=iterator)
            self.iterators[position] = response["NextShardIterator"]
            for record in response["Records"]:
                record = {**record, "eventSourceARN": self.arn}
                record["dynamodb"] = {**record["dynamodb"]}
                created = record["dynamodb"].get("ApproximateCreationDateTime")
                if created is not None and not isinstance(created, int | float):
                    record["dynamodb"]["ApproximateCreationDateTime"] = created.timestamp()
                records.append(record)
        return {"Records": records}


@pytest.fixture
def render(tables: dict[str, str], snapshot_bucket: str) -> Any:
    handler = load_handler("renderer")
    stream = Stream(tables["ContentTable"])
    bucket = boto3.resource("s3").Bucket(snapshot_bucket)

    class Render:
        def batch(self) -> dict[str, Any]:
            return stream.batch()

        def skip(self) -> None:
            """Leave what the stream holds unread (set-up writes, rendered another way)."""
            stream.skip()

        def pending(self) -> bool:
            """Render what the stream holds; False once a batch came back empty."""
            event = stream.batch()
            if not event["Records"]:
                return False
            self(event)
            return True

        def __call__(self, event: dict[str, Any] | None = None) -> dict[str, Any]:
            from liveblog_local.functions import LambdaContext

            return handler(event if event is not None else stream.batch(), LambdaContext("liveblog-renderer"))

        def json(self, key: str) -> Any:
            return json.loads(bucket.Object(key).get()["Body"].read())

        def keys(self) -> list[str]:
            return sorted(obj.key for obj in bucket.objects.all())

        def everything(self) -> str:
            return "\n".join(bucket.Object(key).get()["Body"].read().decode() for key in self.keys())

        def object(self, key: str) -> Any:
            return bucket.Object(key).get()

    return Render()


# ---------------------------------------------------------------- the local API Gateway, in process


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Tokens:
    """Tokens as the user pool would issue them, and the ways a token can be wrong, all signed
    with this session's keys (never the local stack's .local key)."""

    def __init__(self, key_path: Path, other_key_path: Path) -> None:
        self.key_path = key_path
        self.other_key_path = other_key_path

    def issue(
        self,
        role: str = "editor",
        sub: str | None = None,
        *,
        key_path: Path | None = None,
        kid: str | None = None,
        algorithm: str = "RS256",
        drop: tuple[str, ...] = (),
        **changes: Any,
    ) -> str:
        """A Cognito-shaped ID token for `role` ("none": a user in no group), with claims changed
        or dropped, signed by `key_path` and naming `kid` in its header."""
        issued = issue_token("editor" if role == "none" else role, sub=sub, key_path=self.key_path)  # type: ignore[arg-type]
        claims = {**jwt.decode(issued, options={"verify_signature": False}), **changes}
        if role == "none":
            claims.pop("cognito:groups")
        for name in drop:
            claims.pop(name, None)
        key = signing_key(key_path or self.key_path)
        headers = {"kid": kid or key.kid}
        if algorithm == "none":
            return jwt.encode(claims, None, algorithm="none", headers=headers)
        return jwt.encode(claims, key.private_key, algorithm=algorithm, headers=headers)

    @property
    def kid(self) -> str:
        return signing_key(self.key_path).kid


@pytest.fixture(scope="session")
def tokens(tmp_path_factory: pytest.TempPathFactory) -> Tokens:
    keys = tmp_path_factory.mktemp("jwt-keys")
    return Tokens(keys / "user-pool.pem", keys / "someone-else.pem")


@functools.lru_cache(maxsize=1)
def admin_api_template() -> tuple[HttpApiConfig, int, int]:
    template = LocalTemplate.load(TEMPLATE_PATH)
    return (
        template.http_api("AdminApiFunction"),
        template.function_setting("AdminApiFunction", "MemorySize", 128),
        template.function_setting("AdminApiFunction", "Timeout", 3),
    )


class Gateway:
    """The admin function behind liveblog_local's HttpApiGateway, as `make dev` builds it: routes
    and authorizers from template.yaml, tokens verified as HTTP API's JWT authorizer would.

    `authorizers=False` drops every route's authorizer, as a template that lost one would.
    """

    def __init__(self, tokens: Tokens, handler: Any = None, *, authorizers: bool = True) -> None:
        config, memory, timeout = admin_api_template()
        if not authorizers:
            routes = tuple(dataclasses.replace(route, authorized=False) for route in config.routes)
            config = dataclasses.replace(config, routes=routes)
        self.gateway = HttpApiGateway(
            handler=handler or load_handler("admin_api"),
            config=config,
            memory_limit_in_mb=memory,
            timeout_seconds=timeout,
            verifier=functools.partial(verify, key_path=tokens.key_path),
        )

    def request(
        self,
        method: str,
        target: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw_body: bytes | None = None,
    ) -> Reply:
        sent: dict[str, str] = {"accept": "application/json"}
        if token is not None:
            sent["authorization"] = f"Bearer {token}"
        payload = raw_body if raw_body is not None else b"" if body is None else json.dumps(body).encode()
        if payload:
            sent["content-type"] = "application/json"
        sent.update({name.lower(): value for name, value in (headers or {}).items()})
        response = self.gateway.handle(
            method, target, list(sent.items()), payload, "203.0.113.10", "api.liveblog.test"
        )
        return Reply(
            response.status, {name.lower(): value for name, value in response.headers}, response.body
        )


@pytest.fixture
def gateway(tables: dict[str, str], tokens: Tokens) -> Gateway:
    return Gateway(tokens)


@pytest.fixture
def make_gateway(tables: dict[str, str], tokens: Tokens) -> Any:
    """Another gateway over the same tables: Gateway's arguments after `tokens`."""
    return functools.partial(Gateway, tokens)


@pytest.fixture
def stored(tables: dict[str, str]) -> Any:
    """Everything the tables hold, in a stable order: compare before and after a refused request."""
    client = boto3.client("dynamodb")

    def everything() -> dict[str, list[str]]:
        state = {}
        for logical_id, name in tables.items():
            items = client.get_paginator("scan").paginate(TableName=name).build_full_result()["Items"]
            state[logical_id] = sorted(json.dumps(item, sort_keys=True) for item in items)
        return state

    return everything
