"""Read template.yaml so local tables, routes and environments are the deployed ones.

Tests and `make dev` build DynamoDB tables and S3 buckets from the template's own resource
properties, route requests by the template's HttpApi events, deliver uploads by its
EventBridge rules, answer CDN requests by its cache behaviours and give handlers the
environment the template gives the Lambda; nothing about the stack is written down twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import yaml
from botocore.exceptions import ClientError

from liveblog_local import LOCAL_ACCOUNT_ID, LOCAL_REGION, TEMPLATE_PATH

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CORSRuleTypeDef

LOCAL_STACK_NAME = "liveblog-local"
# Parameters whose deployed default means nothing here (it names a CloudFront domain).
LOCAL_PARAMETER_DEFAULTS = {"PublicBaseUrl": "http://127.0.0.1:3001"}
# What a rule target's RetryPolicy is when the template leaves a limit out.
EVENTBRIDGE_DEFAULT_RETRY_ATTEMPTS = 185
EVENTBRIDGE_DEFAULT_EVENT_AGE_SECONDS = 86_400


class TemplateError(Exception):
    """The template holds something the local stack cannot reproduce."""


class CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader that reads CloudFormation short tags (!Ref, !Sub, ...) as their long form."""


def _construct_intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - yaml has no other node kinds
        raise TemplateError(f"unexpected YAML node for !{tag_suffix}")
    if tag_suffix in ("Ref", "Condition"):
        return {tag_suffix: value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        # The short form is "Resource.Attribute"; only the first dot separates them.
        value = value.split(".", 1)
    return {f"Fn::{tag_suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with path.open(encoding="utf-8") as stream:
        document = yaml.load(stream, Loader=CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(document, dict) or "Resources" not in document:
        raise TemplateError(f"{path} is not a CloudFormation template")
    return document


_NO_VALUE = object()
_SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")


@dataclass(frozen=True)
class HttpRoute:
    method: str
    path: str
    authorized: bool

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class CorsConfiguration:
    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False


@dataclass(frozen=True)
class HttpApiConfig:
    routes: tuple[HttpRoute, ...]
    cors: CorsConfiguration | None = None


@dataclass(frozen=True)
class DynamoDBStreamEvent:
    """A function's DynamoDB event: what Lambda's event source mapping would do with the stream.

    -1 for retries or record age means "until the record expires", as in Lambda.
    """

    name: str
    table_logical_id: str
    table_name: str
    starting_position: str = "LATEST"
    batch_size: int = 100
    batching_window_seconds: float = 0.0
    report_batch_item_failures: bool = False
    bisect_on_error: bool = False
    maximum_retry_attempts: int = -1
    maximum_record_age_seconds: int = -1
    on_failure: str | None = None


@dataclass(frozen=True)
class S3ObjectCreatedRule:
    """A function's EventBridgeRule event that matches S3 "Object Created" events, and the rule
    target's retry policy (EventBridge's defaults when the template sets none)."""

    name: str
    bucket_names: tuple[str, ...]
    key_prefix: str = ""
    maximum_retry_attempts: int = EVENTBRIDGE_DEFAULT_RETRY_ATTEMPTS
    maximum_event_age_seconds: int = EVENTBRIDGE_DEFAULT_EVENT_AGE_SECONDS
    dead_letter_arn: str | None = None


@dataclass(frozen=True)
class CacheBehavior:
    """A distribution's cache behaviour: paths starting with /<path_prefix> are read from `bucket`."""

    path_prefix: str
    bucket: str
    compress: bool = False


@dataclass
class LocalTemplate:
    """The template with intrinsics resolved as the local stack deploys it.

    Resources are named by their logical id unless `names` says otherwise, and
    parameters take their Default unless `parameters` overrides them.
    """

    document: dict[str, Any]
    names: Mapping[str, str] = field(default_factory=dict)
    parameters: Mapping[str, str] = field(default_factory=dict)
    region: str = LOCAL_REGION
    account_id: str = LOCAL_ACCOUNT_ID

    @classmethod
    def load(cls, path: Path = TEMPLATE_PATH, **kwargs: Any) -> LocalTemplate:
        return cls(load_template(path), **kwargs)

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.document["Resources"]
        return resources

    def resources_of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {lid: res for lid, res in self.resources.items() if res.get("Type") == resource_type}

    def physical_name(self, logical_id: str) -> str:
        """What !Ref gives locally: `names`, else a default by resource type, else the logical id."""
        if logical_id in self.names:
            return self.names[logical_id]
        resource_type = self.resources.get(logical_id, {}).get("Type")
        if resource_type == "AWS::S3::Bucket":
            # S3 names are lowercase; a BucketName property would be honoured as in AWS.
            name = self.resources[logical_id].get("Properties", {}).get("BucketName")
            return str(self.resolve(name)) if name is not None else logical_id.lower()
        if resource_type == "AWS::CloudFront::Distribution":
            # No CloudFront locally: an empty id tells the renderer to skip invalidations.
            return ""
        return logical_id

    def properties(self, logical_id: str) -> dict[str, Any]:
        resolved = self.resolve(self.resources[logical_id].get("Properties", {}))
        assert isinstance(resolved, dict)
        return resolved

    # ------------------------------------------------------------ functions

    def function_environment(self, logical_id: str) -> dict[str, str]:
        """Globals plus the function's own variables, resolved; the function's win, as in SAM."""
        if self.resources.get(logical_id, {}).get("Type") != "AWS::Serverless::Function":
            raise TemplateError(f"{logical_id} is not an AWS::Serverless::Function")
        global_vars = self.document.get("Globals", {}).get("Function", {}).get("Environment", {})
        own_vars = self.resources[logical_id].get("Properties", {}).get("Environment", {})
        merged = {**global_vars.get("Variables", {}), **own_vars.get("Variables", {})}
        return {name: _env_string(self.resolve(value)) for name, value in merged.items()}

    def function_setting(self, logical_id: str, name: str, default: int) -> int:
        """A numeric function property (MemorySize, Timeout), from the function or else Globals."""
        value = self.resources[logical_id].get("Properties", {}).get(name)
        if value is None:
            value = self.document.get("Globals", {}).get("Function", {}).get(name, default)
        return int(self.resolve(value))

    def dynamodb_stream_events(self, function_logical_id: str) -> list[DynamoDBStreamEvent]:
        """The function's DynamoDB events (its stream event source mappings), with SAM's defaults."""
        function = self.resources[function_logical_id]
        events: list[DynamoDBStreamEvent] = []
        for event_name, event in function.get("Properties", {}).get("Events", {}).items():
            if event.get("Type") != "DynamoDB":
                continue
            props = event.get("Properties", {})
            stream = props.get("Stream")
            # The stream ARN exists only once the table does; the mapping is known by its table.
            get_att = stream.get("Fn::GetAtt") if isinstance(stream, dict) else None
            if not get_att or list(get_att)[1:] != ["StreamArn"]:
                raise TemplateError(
                    f"{function_logical_id}.{event_name}: Stream must be !GetAtt <Table>.StreamArn"
                )
            table = str(get_att[0])
            setting = {
                name: self.resolve(props[name])
                for name in props
                if name not in ("Stream", "DestinationConfig")
            }
            destination = self.resolve(
                props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
            )
            events.append(
                DynamoDBStreamEvent(
                    name=event_name,
                    table_logical_id=table,
                    table_name=self.physical_name(table),
                    starting_position=str(setting.get("StartingPosition", "LATEST")),
                    batch_size=int(setting.get("BatchSize", 100)),
                    batching_window_seconds=float(setting.get("MaximumBatchingWindowInSeconds", 0)),
                    report_batch_item_failures="ReportBatchItemFailures"
                    in setting.get("FunctionResponseTypes", []),
                    bisect_on_error=bool(setting.get("BisectBatchOnFunctionError", False)),
                    maximum_retry_attempts=int(setting.get("MaximumRetryAttempts", -1)),
                    maximum_record_age_seconds=int(setting.get("MaximumRecordAgeInSeconds", -1)),
                    on_failure=destination if isinstance(destination, str) else None,
                )
            )
        return events

    def s3_eventbridge_rules(self, function_logical_id: str) -> list[S3ObjectCreatedRule]:
        """The function's EventBridgeRule events on S3 "Object Created", bucket names resolved.

        Rules on other sources are not returned. A pattern on aws.s3 that filters on anything
        but the bucket name and a key prefix, or a rule that changes the event on its way to
        the function, is a TemplateError: the local delivery could not match it.
        """
        function = self.resources[function_logical_id]
        rules: list[S3ObjectCreatedRule] = []
        for event_name, event in function.get("Properties", {}).get("Events", {}).items():
            if event.get("Type") != "EventBridgeRule":
                continue
            where = f"{function_logical_id}.{event_name}"
            props = self.resolve(event.get("Properties", {}))
            pattern = props.get("Pattern", {})
            if pattern.get("source") != ["aws.s3"]:
                continue
            if str(props.get("State", "ENABLED")).upper() == "DISABLED" or props.get("Enabled") is False:
                continue
            unsupported = sorted(set(props) & {"EventBusName", "Input", "InputPath", "InputTransformer"})
            if unsupported:
                raise TemplateError(f"{where}: {', '.join(unsupported)} has no local meaning")
            if pattern.get("detail-type") != ["Object Created"]:
                raise TemplateError(f"{where}: detail-type must be [Object Created]")
            unmatched = set(pattern) - {"source", "detail-type", "detail"}
            detail = pattern.get("detail", {})
            unmatched |= {f"detail.{name}" for name in set(detail) - {"bucket", "object"}}
            unmatched |= {f"detail.bucket.{name}" for name in set(detail.get("bucket", {})) - {"name"}}
            unmatched |= {f"detail.object.{name}" for name in set(detail.get("object", {})) - {"key"}}
            if unmatched:
                raise TemplateError(f"{where}: cannot match on {', '.join(sorted(unmatched))} locally")
            retry = props.get("RetryPolicy", {})
            rules.append(
                S3ObjectCreatedRule(
                    name=event_name,
                    bucket_names=self._notifying_buckets(where, detail.get("bucket", {}).get("name")),
                    key_prefix=_key_prefix(where, detail.get("object", {}).get("key")),
                    maximum_retry_attempts=int(
                        retry.get("MaximumRetryAttempts", EVENTBRIDGE_DEFAULT_RETRY_ATTEMPTS)
                    ),
                    maximum_event_age_seconds=int(
                        retry.get("MaximumEventAgeInSeconds", EVENTBRIDGE_DEFAULT_EVENT_AGE_SECONDS)
                    ),
                    dead_letter_arn=props.get("DeadLetterConfig", {}).get("Arn"),
                )
            )
        return rules

    def _notifying_buckets(self, where: str, names: Any) -> tuple[str, ...]:
        """The buckets a rule hears from: those named (all, if none is), which must send events to
        EventBridge; otherwise S3 never emits the events and the rule would never fire."""
        notifying = {
            self.physical_name(lid)
            for lid, bucket in self.resources_of_type("AWS::S3::Bucket").items()
            if bucket.get("Properties", {})
            .get("NotificationConfiguration", {})
            .get("EventBridgeConfiguration", {})
            .get("EventBridgeEnabled")
            in (True, "true")
        }
        if names is None:
            return tuple(sorted(notifying))
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise TemplateError(f"{where}: detail.bucket.name must be a list of bucket names")
        silent = sorted(set(names) - notifying)
        if silent:
            raise TemplateError(
                f"{where}: bucket {', '.join(silent)} does not send events to EventBridge "
                "(NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled)"
            )
        return tuple(names)

    def cache_behaviors(self, distribution_logical_id: str) -> list[CacheBehavior]:
        """The distribution's CacheBehaviors whose origin is a bucket of this template, in the order
        CloudFront tries them; the DefaultCacheBehavior is not among them."""
        config = self.resources[distribution_logical_id].get("Properties", {}).get("DistributionConfig", {})
        origin_buckets: dict[str, str] = {}
        for origin in config.get("Origins", []):
            domain = origin.get("DomainName")
            get_att = domain.get("Fn::GetAtt") if isinstance(domain, dict) else None
            if get_att and self.resources.get(get_att[0], {}).get("Type") == "AWS::S3::Bucket":
                origin_buckets[origin["Id"]] = self.physical_name(get_att[0])
        behaviors: list[CacheBehavior] = []
        for behavior in config.get("CacheBehaviors", []):
            pattern = str(behavior["PathPattern"]).lstrip("/")
            origin_id = behavior["TargetOriginId"]
            # A trailing * is a prefix; wildcards elsewhere would need CloudFront's own matching.
            if not pattern.endswith("*") or "*" in pattern[:-1] or "?" in pattern:
                raise TemplateError(f"{distribution_logical_id}: path pattern {pattern!r} is not <prefix>*")
            if origin_id not in origin_buckets:
                raise TemplateError(f"{distribution_logical_id}: origin {origin_id} is not a template bucket")
            behaviors.append(
                CacheBehavior(
                    path_prefix=pattern[:-1],
                    bucket=origin_buckets[origin_id],
                    compress=bool(self.resolve(behavior.get("Compress", False))),
                )
            )
        return behaviors

    def http_api(self, function_logical_id: str) -> HttpApiConfig:
        """The function's HttpApi routes, which of them need a token, and the API's CORS."""
        function = self.resources[function_logical_id]
        routes: list[HttpRoute] = []
        api_ids: set[str] = set()
        for event in function.get("Properties", {}).get("Events", {}).values():
            if event.get("Type") != "HttpApi":
                continue
            props = event.get("Properties", {})
            api_ref = props.get("ApiId")
            api_id = api_ref.get("Ref") if isinstance(api_ref, dict) else None
            if api_id:
                api_ids.add(api_id)
            default_authorizer = (
                self.resources.get(api_id, {}).get("Properties", {}).get("Auth", {}).get("DefaultAuthorizer")
                if api_id
                else None
            )
            authorizer = props.get("Auth", {}).get("Authorizer", default_authorizer)
            routes.append(
                HttpRoute(
                    method=str(props.get("Method", "ANY")).upper(),
                    path=str(props.get("Path", "$default")),
                    authorized=bool(authorizer) and authorizer != "NONE",
                )
            )
        if len(api_ids) > 1:
            raise TemplateError(f"{function_logical_id} is served by several HTTP APIs: {sorted(api_ids)}")
        cors = self._cors(api_ids.pop()) if api_ids else None
        return HttpApiConfig(routes=tuple(routes), cors=cors)

    def _cors(self, api_logical_id: str) -> CorsConfiguration | None:
        # Only this subtree is resolved: other properties may hold values with no local meaning.
        config = self.resolve(self.resources[api_logical_id].get("Properties", {}).get("CorsConfiguration"))
        if not config:
            return None
        if config is True:
            # SAM's shorthand: every origin, method and header.
            return CorsConfiguration(allow_origins=("*",), allow_methods=("*",), allow_headers=("*",))
        return CorsConfiguration(
            allow_origins=tuple(config.get("AllowOrigins", ())),
            allow_methods=tuple(m.upper() for m in config.get("AllowMethods", ())),
            allow_headers=tuple(h.lower() for h in config.get("AllowHeaders", ())),
            expose_headers=tuple(h.lower() for h in config.get("ExposeHeaders", ())),
            max_age=int(config["MaxAge"]) if "MaxAge" in config else None,
            allow_credentials=bool(config.get("AllowCredentials", False)),
        )

    # ------------------------------------------------------------ intrinsics

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                if key == "Ref" or key.startswith("Fn::"):
                    return self._intrinsic(key, argument)
            resolved = {k: self.resolve(v) for k, v in value.items()}
            return {k: v for k, v in resolved.items() if v is not _NO_VALUE}
        if isinstance(value, list):
            return [item for item in (self.resolve(v) for v in value) if item is not _NO_VALUE]
        return value

    def _intrinsic(self, key: str, argument: Any) -> Any:
        if key == "Ref":
            return self._ref(argument)
        if key == "Fn::Sub":
            return self._sub(argument)
        if key == "Fn::If":
            condition, when_true, when_false = argument
            return self.resolve(when_true if self.condition(condition) else when_false)
        if key == "Fn::Join":
            separator, items = argument
            return separator.join(str(item) for item in self.resolve(items))
        if key == "Fn::Select":
            index, items = argument
            return self.resolve(items)[int(self.resolve(index))]
        if key == "Fn::Split":
            separator, text = argument
            return str(self.resolve(text)).split(separator)
        if key == "Fn::GetAtt":
            logical_id, attribute = argument
            return self._get_att(logical_id, attribute)
        if key in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or"):
            return self._evaluate_condition({key: argument})
        raise TemplateError(f"{key} has no local meaning")

    def _ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::StackName": LOCAL_STACK_NAME,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in pseudo:
            return pseudo[name]
        parameters = self.document.get("Parameters", {})
        if name in parameters:
            if name in self.parameters:
                return self.parameters[name]
            if name in LOCAL_PARAMETER_DEFAULTS:
                return LOCAL_PARAMETER_DEFAULTS[name]
            if "Default" not in parameters[name]:
                raise TemplateError(f"parameter {name} has no Default and no local value")
            return parameters[name]["Default"]
        if name in self.resources:
            return self.physical_name(name)
        raise TemplateError(f"Ref to unknown name {name}")

    def _get_att(self, logical_id: str, attribute: str) -> str:
        resource_type = self.resources.get(logical_id, {}).get("Type")
        if resource_type == "AWS::DynamoDB::Table" and attribute == "Arn":
            name = self.physical_name(logical_id)
            return f"arn:aws:dynamodb:{self.region}:{self.account_id}:table/{name}"
        if resource_type == "AWS::S3::Bucket" and attribute == "Arn":
            return f"arn:aws:s3:::{self.physical_name(logical_id)}"
        if resource_type == "AWS::SQS::Queue" and attribute == "Arn":
            return f"arn:aws:sqs:{self.region}:{self.account_id}:{self.physical_name(logical_id)}"
        raise TemplateError(f"Fn::GetAtt {logical_id}.{attribute} has no local value")

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = argument[0], self.resolve(argument[1])
        else:
            text, variables = argument, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return self._get_att(logical_id, attribute)
            return str(self._ref(name))

        return _SUB_VARIABLE.sub(replace, text)

    def condition(self, name: str) -> bool:
        conditions = self.document.get("Conditions", {})
        if name not in conditions:
            raise TemplateError(f"unknown condition {name}")
        return self._evaluate_condition(conditions[name])

    def _evaluate_condition(self, expression: Any) -> bool:
        ((key, argument),) = expression.items()
        if key == "Condition":
            return self.condition(argument)
        if key == "Fn::Equals":
            left, right = (self.resolve(side) for side in argument)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not self._evaluate_condition(argument[0])
        if key == "Fn::And":
            return all(self._evaluate_condition(item) for item in argument)
        if key == "Fn::Or":
            return any(self._evaluate_condition(item) for item in argument)
        raise TemplateError(f"{key} is not a condition function")


def _key_prefix(where: str, key_filter: Any) -> str:
    # EventBridge matches S3 keys as sent (not URL-encoded), so a prefix compares with the raw key.
    if key_filter is None:
        return ""
    if (
        isinstance(key_filter, list)
        and len(key_filter) == 1
        and isinstance(key_filter[0], dict)
        and set(key_filter[0]) == {"prefix"}
        and isinstance(key_filter[0]["prefix"], str)
    ):
        return str(key_filter[0]["prefix"])
    raise TemplateError(f"{where}: detail.object.key must be [{{prefix: ...}}], not {key_filter!r}")


def _env_string(value: Any) -> str:
    # Lambda environment values are strings; YAML may have read `true` or `5` as other types.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise TemplateError(f"environment value {value!r} did not resolve to a string")
    return str(value)


# ---------------------------------------------------------------- DynamoDB


def _create_table_request(table_name: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """CreateTable arguments from AWS::DynamoDB::Table properties (CloudFormation spells some differently)."""
    request: dict[str, Any] = {
        "TableName": table_name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    for passthrough in ("ProvisionedThroughput", "DeletionProtectionEnabled", "TableClass"):
        if passthrough in props:
            request[passthrough] = props[passthrough]
    for index_kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if props.get(index_kind):
            request[index_kind] = [
                {
                    k: v
                    for k, v in index.items()
                    if k in ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")
                }
                for index in props[index_kind]
            ]
    if "StreamSpecification" in props:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": props["StreamSpecification"]["StreamViewType"],
        }
    sse = props.get("SSESpecification")
    if sse:
        request["SSESpecification"] = {"Enabled": bool(sse.get("SSEEnabled", False))}
        for key in ("SSEType", "KMSMasterKeyId"):
            if key in sse:
                request["SSESpecification"][key] = sse[key]
    return request


def create_tables(dynamodb_client: DynamoDBClient, template_path: Path = TEMPLATE_PATH) -> dict[str, str]:
    """Create every AWS::DynamoDB::Table in the template, named by logical id; existing ones are kept.

    Only the given client is used, so this works against moto's server and inside `mock_aws`.
    Returns logical id -> table name.
    """
    template = LocalTemplate.load(template_path)
    created: dict[str, str] = {}
    for logical_id in template.resources_of_type("AWS::DynamoDB::Table"):
        props = template.properties(logical_id)
        table_name = template.physical_name(logical_id)
        try:
            dynamodb_client.create_table(**_create_table_request(table_name, props))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
                raise
        else:
            ttl = props.get("TimeToLiveSpecification")
            if ttl and ttl.get("Enabled"):
                dynamodb_client.update_time_to_live(
                    TableName=table_name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
                )
        created[logical_id] = table_name
    return created


# ---------------------------------------------------------------- S3


# AWS::S3::Bucket CorsRule property -> PutBucketCors CORSRule member.
_CORS_RULE_MEMBERS = {
    "AllowedHeaders": "AllowedHeaders",
    "AllowedMethods": "AllowedMethods",
    "AllowedOrigins": "AllowedOrigins",
    "ExposedHeaders": "ExposeHeaders",
    "Id": "ID",
    "MaxAge": "MaxAgeSeconds",
}


def _cors_rules(template: LocalTemplate, bucket_logical_id: str) -> list[CORSRuleTypeDef]:
    """PutBucketCors rules from a bucket's CorsConfiguration (CloudFormation spells three members differently)."""
    # Only this subtree is resolved: other properties may hold values with no local meaning.
    config = template.resolve(
        template.resources[bucket_logical_id].get("Properties", {}).get("CorsConfiguration", {})
    )
    return [
        cast(
            "CORSRuleTypeDef",
            {_CORS_RULE_MEMBERS[name]: value for name, value in rule.items() if name in _CORS_RULE_MEMBERS},
        )
        for rule in config.get("CorsRules", [])
    ]


def create_buckets(s3_client: S3Client, template_path: Path = TEMPLATE_PATH) -> dict[str, str]:
    """Create every AWS::S3::Bucket in the template, named as `LocalTemplate.physical_name` names it
    (the logical id lowercased), with its CORS rules; existing ones are kept and given the rules.

    Only the given client is used, so this works against moto's server and inside `mock_aws`.
    Returns logical id -> bucket name. Bucket policies, public access blocks, encryption,
    versioning and lifecycle settings are not reproduced: locally nothing reads the bucket
    except through boto3, and nothing lives long enough to expire. CORS is, because browsers
    POST uploads straight to the bucket.
    """
    template = LocalTemplate.load(template_path)
    created: dict[str, str] = {}
    for logical_id in template.resources_of_type("AWS::S3::Bucket"):
        bucket_name = template.physical_name(logical_id)
        request: dict[str, Any] = {"Bucket": bucket_name}
        region = s3_client.meta.region_name
        if region and region != "us-east-1":
            request["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            s3_client.create_bucket(**request)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in (
                "BucketAlreadyOwnedByYou",
                "BucketAlreadyExists",
            ):
                raise
        cors_rules = _cors_rules(template, logical_id)
        if cors_rules:
            s3_client.put_bucket_cors(Bucket=bucket_name, CORSConfiguration={"CORSRules": cors_rules})
        created[logical_id] = bucket_name
    return created


def function_environment(
    logical_id: str,
    *,
    names: Mapping[str, str] | None = None,
    parameters: Mapping[str, str] | None = None,
    template_path: Path = TEMPLATE_PATH,
) -> dict[str, str]:
    """The environment the template gives a function, with resources named as the local stack names them."""
    template = LocalTemplate.load(template_path, names=names or {}, parameters=parameters or {})
    return template.function_environment(logical_id)
