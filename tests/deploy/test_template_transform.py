"""What CloudFormation would create from template.yaml: the SAM transform, run offline, then read.

scripts/sam_transform.py runs the translator `sam validate` runs, in .venv-tools (the SAM CLI pins
its own pydantic, so it cannot share .venv); `make test` installs .venv-tools first. These tests
read the generated resources, not the SAM shorthand, so they see the routes, roles and policy
statements that SAM expands and that a review of template.yaml alone would miss.
"""

import json
import os
import re
import subprocess
from datetime import date
from fnmatch import fnmatchcase
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from liveblog.api.admin import PUBLIC_PATHS, app
from liveblog.settings import ContentSettings, PhotoLimits
from liveblog.storage.retention import EXPIRES_AT
from liveblog_local.template import load_template

REPO = Path(__file__).resolve().parents[2]
TOOLS_PYTHON = Path(os.environ.get("LIVEBLOG_TOOLS_PYTHON", REPO / ".venv-tools" / "bin" / "python"))
DATA_RESOURCE_TYPES = {"AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SQS::Queue"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# Every role gets the first two from SAM (logs, X-Ray); a function with a DynamoDB stream event also
# gets the stream-reading one. Anything else attached by ARN needs a look before it joins this list.
ALLOWED_MANAGED_POLICIES = {
    "service-role/AWSLambdaBasicExecutionRole",
    "AWSXrayWriteOnlyAccess",
    "service-role/AWSLambdaDynamoDBExecutionRole",
}
_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")

Json = dict[str, Any]


@pytest.fixture(scope="module")
def cfn() -> Json:
    if not TOOLS_PYTHON.exists():
        pytest.skip(f"needs the SAM translator in {TOOLS_PYTHON}: run `make tools` (make test does)")
    result = subprocess.run(
        [str(TOOLS_PYTHON), str(REPO / "scripts" / "sam_transform.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"the SAM transform failed:\n{result.stderr}"
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def sam() -> Json:
    return load_template()


def _of_type(cfn: Json, resource_type: str) -> dict[str, Json]:
    return {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in cfn["Resources"].items()
        if resource["Type"] == resource_type
    }


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _referenced(value: Any) -> set[str]:
    """Logical ids a property value points at through Ref, Fn::GetAtt or Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= _referenced(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item.split(".", 1)[0] if isinstance(item, str) else item[0])
            elif key == "Fn::Sub":
                text, names = (item, {}) if isinstance(item, str) else (item[0], item[1])
                found |= {name.split(".", 1)[0] for name in _SUB_VARIABLE.findall(text)} - set(names)
                found |= _referenced(names)
            else:
                found |= _referenced(item)
    return {logical_id for logical_id in found if not logical_id.startswith("AWS::")}


def _only(resources: dict[str, Json]) -> tuple[str, Json]:
    assert len(resources) == 1, f"expected one resource, found {sorted(resources)}"
    return next(iter(resources.items()))


def _env_target(cfn: Json, function_id: str, variable: str) -> str:
    """The resource a function's environment variable names: what the code is told to use."""
    value = cfn["Resources"][function_id]["Properties"]["Environment"]["Variables"][variable]
    (target,) = _referenced(value)
    return target


def _role_of(cfn: Json, function_id: str) -> str:
    (role,) = _referenced(cfn["Resources"][function_id]["Properties"]["Role"])
    return role


def _allow_statements(role: Json) -> list[Json]:
    return [
        statement
        for policy in role.get("Policies", [])
        for statement in _as_list(policy["PolicyDocument"]["Statement"])
        if statement["Effect"] == "Allow"
    ]


def _grants(statement: Json, action: str, logical_id: str) -> bool:
    """Whether an Allow statement lets `action` reach the resource `logical_id` (wildcards included)."""
    actions = _as_list(statement.get("Action", []))
    resources = _as_list(statement.get("Resource", []))
    acts = any(fnmatchcase(action.lower(), pattern.lower()) for pattern in actions)
    return acts and ("*" in resources or logical_id in _referenced(resources))


def _secure_transport_condition(statement: Json) -> str:
    return str(statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")).lower()


def _lambda_runtime_lifecycle() -> Json:
    """cfn-lint's data on each Lambda runtime's deprecation, read without importing cfn-lint (1 s)."""
    spec = find_spec("cfnlint")
    assert spec is not None
    assert spec.origin is not None
    data = Path(spec.origin).parent / "data" / "AdditionalSpecs" / "LmbdRuntimeLifecycle.json"
    return json.loads(data.read_text(encoding="utf-8"))


def _routes(cfn: Json) -> dict[tuple[str, str], Json]:
    _, api = _only(_of_type(cfn, "AWS::ApiGatewayV2::Api"))
    return {
        (method, path): operation
        for path, operations in api["Body"]["paths"].items()
        for method, operation in operations.items()
        if method in HTTP_METHODS
    }


def test_renderer_stream_mapping_has_the_renderer_issue_settings(cfn: Json) -> None:
    # Given the transformed template, When the renderer's stream mapping is read
    mappings = {
        logical_id: mapping
        for logical_id, mapping in _of_type(cfn, "AWS::Lambda::EventSourceMapping").items()
        if _referenced(mapping["FunctionName"]) == {"RendererFunction"}
    }
    _, mapping = _only(mappings)

    # Then it reads the content table's stream in batches of up to 100 records, at most 1 s apart,
    # retries failures record by record and gives up to the dead-letter queue, one batch per shard
    content_table = _env_target(cfn, "RendererFunction", "LIVEBLOG_TABLE_NAME")
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [content_table, "StreamArn"]}
    settings = {
        name: value for name, value in mapping.items() if name not in ("EventSourceArn", "FunctionName")
    }
    assert settings == {
        "BatchSize": 100,
        "MaximumBatchingWindowInSeconds": 0,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "BisectBatchOnFunctionError": True,
        "MaximumRetryAttempts": 5,
        "MaximumRecordAgeInSeconds": 3600,
        "ParallelizationFactor": 1,
        "DestinationConfig": {
            "OnFailure": {"Destination": {"Fn::GetAtt": ["RendererDeadLetterQueue", "Arn"]}}
        },
        "StartingPosition": "LATEST",
    }
    # And the renderer may send to that queue (without it, given-up batches vanish)
    role = cfn["Resources"][_role_of(cfn, "RendererFunction")]["Properties"]
    assert any(_grants(s, "sqs:SendMessage", "RendererDeadLetterQueue") for s in _allow_statements(role))


def test_every_admin_route_needs_a_cognito_jwt_except_the_public_ones(cfn: Json) -> None:
    # Given the HTTP API the transform generates (an OpenAPI body, not separate Route resources)
    _, api = _only(_of_type(cfn, "AWS::ApiGatewayV2::Api"))
    schemes = api["Body"]["components"]["securitySchemes"]

    # When each route's security requirement is read
    routes = _routes(cfn)

    # Then the public paths the code names have none (SAM's NONE), and every other route needs a
    # JWT from the stack's user pool, for its app client
    jwt_schemes = {
        name
        for name, scheme in schemes.items()
        if scheme["x-amazon-apigateway-authorizer"]["type"] == "jwt"
        and _referenced(scheme["x-amazon-apigateway-authorizer"]["jwtConfiguration"])
        == {"UserPool", "UserPoolClient"}
    }
    assert jwt_schemes, "no JWT authorizer on the user pool"
    for (method, path), operation in routes.items():
        names = {name for requirement in operation.get("security", []) for name in requirement}
        if path in PUBLIC_PATHS:
            assert names <= {"NONE"}, f"{method.upper()} {path} is public in the code but not in the template"
        else:
            assert names, f"{method.upper()} {path} has no authorizer"
            assert names <= jwt_schemes, f"{method.upper()} {path} has another authorizer: {names}"
    # And every route reaches the admin function
    for (method, path), operation in routes.items():
        assert _referenced(operation["x-amazon-apigateway-integration"]["uri"]) == {"AdminApiFunction"}, (
            f"{method.upper()} {path}"
        )


def test_the_template_routes_exactly_the_routes_the_admin_api_serves(cfn: Json) -> None:
    # Given the routes in the admin API's own OpenAPI document, plus the public documents it serves
    schema = app.get_openapi_schema()
    served = {
        (method, path)
        for path, item in schema.paths.items()
        for method in item.model_dump(exclude_none=True)
        if method in HTTP_METHODS
    }
    served |= {("get", path) for path in PUBLIC_PATHS}

    # When the template's routes are read
    routed = set(_routes(cfn))

    # Then a route added in code but not in template.yaml (or left behind there) fails here
    assert sorted(served - routed) == [], "served by the code but not routed by API Gateway"
    assert sorted(routed - served) == [], "routed by API Gateway to a path the code does not serve"


def test_cdn_reads_both_buckets_through_origin_access_control_over_https_only(cfn: Json) -> None:
    # Given the distribution
    _, distribution = _only(_of_type(cfn, "AWS::CloudFront::Distribution"))
    config = distribution["DistributionConfig"]
    origins = {origin["Id"]: origin for origin in config["Origins"]}
    behaviours = [config["DefaultCacheBehavior"], *config.get("CacheBehaviors", [])]
    access_controls = _of_type(cfn, "AWS::CloudFront::OriginAccessControl")

    # Then every origin signs with an origin access control, and none uses a legacy identity (OAI)
    for origin_id, origin in origins.items():
        assert _referenced(origin["OriginAccessControlId"]) <= set(access_controls), origin_id
        assert origin.get("S3OriginConfig", {}).get("OriginAccessIdentity", "") == "", origin_id
    for access_control in access_controls.values():
        assert access_control["OriginAccessControlConfig"]["SigningBehavior"] == "always"
        assert access_control["OriginAccessControlConfig"]["OriginAccessControlOriginType"] == "s3"
    # And viewers only ever get HTTPS, over HTTP/2 or HTTP/3
    assert {b["ViewerProtocolPolicy"] for b in behaviours} <= {"redirect-to-https", "https-only"}
    assert config["HttpVersion"] == "http2and3"
    # And /media/* comes from the media bucket, everything else from the snapshot bucket
    media = next(b for b in config["CacheBehaviors"] if b["PathPattern"] == "/media/*")
    media_bucket = _env_target(cfn, "MediaFunction", "LIVEBLOG_MEDIA_BUCKET")
    snapshot_bucket = _env_target(cfn, "RendererFunction", "LIVEBLOG_SNAPSHOT_BUCKET")
    assert _referenced(origins[media["TargetOriginId"]]["DomainName"]) == {media_bucket}
    assert _referenced(origins[config["DefaultCacheBehavior"]["TargetOriginId"]]["DomainName"]) == {
        snapshot_bucket
    }


def test_every_bucket_is_encrypted_private_and_refuses_plain_http(cfn: Json) -> None:
    # Given every bucket and every bucket policy
    buckets = _of_type(cfn, "AWS::S3::Bucket")
    policies = _of_type(cfn, "AWS::S3::BucketPolicy")
    assert buckets

    for bucket_id, bucket in buckets.items():
        # Then it is encrypted at rest and blocks every kind of public access
        rules = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rules, bucket_id
        assert all(rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] for rule in rules), bucket_id
        assert bucket["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, bucket_id
        # And its policy denies any request that is not over TLS, on the bucket and its objects
        statements = [
            statement
            for policy in policies.values()
            if _referenced(policy["Bucket"]) == {bucket_id}
            for statement in _as_list(policy["PolicyDocument"]["Statement"])
        ]
        tls_denials = [
            statement
            for statement in statements
            if statement["Effect"] == "Deny"
            and statement["Principal"] in ("*", {"AWS": "*"})
            and "s3:*" in _as_list(statement["Action"])
            and _secure_transport_condition(statement) == "false"
        ]
        assert tls_denials, f"{bucket_id} has no bucket policy denying aws:SecureTransport false"
        resources = [resource for statement in tls_denials for resource in _as_list(statement["Resource"])]
        assert {"Fn::GetAtt": [bucket_id, "Arn"]} in resources, bucket_id
        assert {"Fn::Sub": f"${{{bucket_id}.Arn}}/*"} in resources, bucket_id


def test_content_table_keeps_history_and_streams_both_images(cfn: Json) -> None:
    # Given the tables the admin API is told to use
    tables = _of_type(cfn, "AWS::DynamoDB::Table")
    content = tables[_env_target(cfn, "AdminApiFunction", "LIVEBLOG_TABLE_NAME")]
    idempotency = tables[_env_target(cfn, "AdminApiFunction", "LIVEBLOG_IDEMPOTENCY_TABLE_NAME")]

    # Then the content table is on demand, recoverable to any second of the last 35 days, and
    # streams old and new images (the renderer needs both)
    assert content["BillingMode"] == "PAY_PER_REQUEST"
    assert content["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert content["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    # And idempotency records expire by TTL on the attribute Powertools writes
    assert idempotency["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


def test_deleted_entries_expire_by_ttl_after_the_retention_the_functions_are_given(
    cfn: Json, sam: Json
) -> None:
    # Given the content table and the retention setting every function gets
    content = _of_type(cfn, "AWS::DynamoDB::Table")[
        _env_target(cfn, "AdminApiFunction", "LIVEBLOG_TABLE_NAME")
    ]

    # Then the table expires items by the attribute the code writes on a deleted entry
    assert content["TimeToLiveSpecification"] == {"AttributeName": EXPIRES_AT, "Enabled": True}
    # And every function reads the retention from the parameter, whose default is the code's
    for function_id, function in _of_type(cfn, "AWS::Lambda::Function").items():
        variables = function["Environment"]["Variables"]
        assert variables["LIVEBLOG_DELETED_ENTRY_RETENTION_DAYS"] == {"Ref": "DeletedEntryRetentionDays"}, (
            function_id
        )
    parameter = sam["Parameters"]["DeletedEntryRetentionDays"]
    assert parameter["Default"] == ContentSettings.model_fields["deleted_entry_retention_days"].default
    assert parameter["MinValue"] >= 1


def test_every_function_runs_traced_on_arm64_with_a_current_python(cfn: Json, sam: Json) -> None:
    # Given the runtime in Globals and what cfn-lint knows of Lambda runtimes' end of support
    runtime = sam["Globals"]["Function"]["Runtime"]
    lifecycle = _lambda_runtime_lifecycle()

    # Then it is Python 3.13 or newer, and not deprecated
    match = re.fullmatch(r"python3\.(\d+)", runtime)
    assert match, runtime
    assert int(match.group(1)) >= 13, runtime
    if runtime in lifecycle:
        assert date.fromisoformat(lifecycle[runtime]["deprecated"]) > date.today(), f"{runtime} is deprecated"
    # And every function uses it, on Graviton, with X-Ray tracing and the shared layer
    functions = _of_type(cfn, "AWS::Lambda::Function")
    layer_id, layer = _only(_of_type(cfn, "AWS::Lambda::LayerVersion"))
    assert len(functions) == 4
    for function_id, function in functions.items():
        assert function["Runtime"] == runtime, function_id
        assert function["Architectures"] == ["arm64"], function_id
        assert function["TracingConfig"] == {"Mode": "Active"}, function_id
        assert _referenced(function["Layers"]) == {layer_id}, function_id
    # And the layer is built for that runtime and architecture
    assert layer["CompatibleRuntimes"] == [runtime]
    assert layer["CompatibleArchitectures"] == ["arm64"]
    # (SAM names the published version LiveblogLayer<hash>; the build settings are on the SAM resource)
    sam_layers = {i: r for i, r in sam["Resources"].items() if r["Type"] == "AWS::Serverless::LayerVersion"}
    assert [layer.get("Metadata") for layer in sam_layers.values()] == [
        {"BuildMethod": runtime, "BuildArchitecture": "arm64"}
    ]


def test_no_role_has_a_wildcard_action_on_a_table_bucket_or_queue(cfn: Json) -> None:
    # Given every statement of every role, as SAM expands its policy templates
    data_resources = {
        logical_id
        for logical_id, resource in cfn["Resources"].items()
        if resource["Type"] in DATA_RESOURCE_TYPES
    }
    roles = _of_type(cfn, "AWS::IAM::Role")
    assert len(roles) == 4

    wildcards = []
    for role_id, role in roles.items():
        for statement in _allow_statements(role):
            resources = _as_list(statement["Resource"])
            targets = _referenced(resources) & data_resources
            actions = _as_list(statement["Action"])
            # Then no action on a data resource is a wildcard (dynamodb:*, s3:Put*, ...)
            if targets and any("*" in action for action in actions):
                wildcards.append((role_id, sorted(targets), actions))
            # And nothing reaches every table, bucket or queue in the account through Resource "*"
            services = {action.split(":", 1)[0] for action in actions}
            if "*" in resources and services & {"dynamodb", "s3", "sqs"}:
                wildcards.append((role_id, ["*"], actions))
        # And the only AWS managed policies are SAM's own, for logs, X-Ray and stream reading
        attached = {arn.split(":policy/", 1)[1] for arn in role.get("ManagedPolicyArns", [])}
        assert attached <= ALLOWED_MANAGED_POLICIES, role_id
    assert wildcards == []


def test_only_the_renderer_can_write_the_snapshots_readers_see(cfn: Json) -> None:
    # Given the bucket the renderer publishes to, and every role
    snapshot_bucket = _env_target(cfn, "RendererFunction", "LIVEBLOG_SNAPSHOT_BUCKET")
    roles = _of_type(cfn, "AWS::IAM::Role")

    # When we ask which roles may put objects in it
    writers = {
        role_id
        for role_id, role in roles.items()
        if any(_grants(statement, "s3:PutObject", snapshot_bucket) for statement in _allow_statements(role))
    }

    # Then it is the renderer's alone: the admin API (which signs editors' uploads) cannot
    assert writers == {_role_of(cfn, "RendererFunction")}
    assert _role_of(cfn, "AdminApiFunction") not in writers


def test_the_admin_api_may_take_down_a_photo_and_purge_only_the_cdn_it_serves(cfn: Json) -> None:
    # Given the admin function's role, the media bucket it is told to use and the distribution
    media_bucket = _env_target(cfn, "AdminApiFunction", "LIVEBLOG_MEDIA_BUCKET")
    distribution = _env_target(cfn, "AdminApiFunction", "LIVEBLOG_DISTRIBUTION_ID")
    statements = _allow_statements(_of_type(cfn, "AWS::IAM::Role")[_role_of(cfn, "AdminApiFunction")])

    # Then it may invalidate that distribution, the one the renderer purges, and no other
    assert distribution == _env_target(cfn, "RendererFunction", "LIVEBLOG_DISTRIBUTION_ID")
    invalidating = [s for s in statements if "cloudfront:CreateInvalidation" in _as_list(s["Action"])]
    assert invalidating
    assert all(_referenced(s["Resource"]) == {distribution} for s in invalidating)
    assert all("*" not in _as_list(s["Resource"]) for s in invalidating)
    # And it may delete media objects only under the photo prefixes, and list only renditions
    [deleting] = [s for s in statements if "s3:DeleteObject" in _as_list(s["Action"])]
    assert _as_list(deleting["Action"]) == ["s3:DeleteObject"]
    assert _referenced(deleting["Resource"]) == {media_bucket}
    paths = sorted(resource["Fn::Sub"] for resource in deleting["Resource"])
    assert paths == [f"${{{media_bucket}.Arn}}/{prefix}/*" for prefix in ("media", "originals", "uploads")]
    [listing] = [s for s in statements if "s3:ListBucket" in _as_list(s["Action"])]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": "media/*"}}


# Concurrency. Lambda's default quota is 1,000 executions per account and region, and it refuses a
# reservation that would leave fewer than 100 unreserved (README, "Limits and isolation").
ACCOUNT_CONCURRENCY = 1_000
KEPT_UNRESERVED = 100
CONCURRENCY_PARAMETERS = {
    "AdminApiFunction": "AdminApiMaxConcurrency",
    "RendererFunction": "RendererReservedConcurrency",
    "MediaFunction": "MediaReservedConcurrency",
}
NO_VALUE = object()


def _resolved(cfn: Json, value: Any, parameters: dict[str, str]) -> Any:
    """A property as CloudFormation resolves it for these parameter values: Ref, Fn::If and the
    Fn::Not and Fn::Equals of the conditions; NO_VALUE where AWS::NoValue leaves it out."""
    if not (isinstance(value, dict) and len(value) == 1):
        return value
    ((function, argument),) = value.items()
    if function == "Ref":
        return NO_VALUE if argument == "AWS::NoValue" else parameters.get(argument, value)
    if function == "Fn::If":
        condition, when_true, when_false = argument
        holds = _resolved(cfn, cfn["Conditions"][condition], parameters)
        return _resolved(cfn, when_true if holds else when_false, parameters)
    if function == "Fn::Not":
        return not _resolved(cfn, argument[0], parameters)
    if function == "Fn::Equals":
        left, right = (str(_resolved(cfn, side, parameters)) for side in argument)
        return left == right
    return value


def _reserved_concurrency(cfn: Json, **overrides: int) -> dict[str, Any]:
    """Each function's ReservedConcurrentExecutions for the parameters' defaults and `overrides`."""
    parameters = {name: str(spec.get("Default")) for name, spec in cfn["Parameters"].items()}
    parameters |= {name: str(value) for name, value in overrides.items()}
    return {
        function_id: _resolved(cfn, function.get("ReservedConcurrentExecutions", NO_VALUE), parameters)
        for function_id, function in _of_type(cfn, "AWS::Lambda::Function").items()
    }


def test_the_write_path_can_never_take_the_renderers_or_the_media_functions_capacity(cfn: Json) -> None:
    # Given the transformed template with its default parameters
    reserved = _reserved_concurrency(cfn)

    # Then the renderer and the media function have executions no other function can take, the admin
    # API is capped, and the scheduler (once a minute) draws on the pool that is left
    renderer, media, admin = (
        int(reserved[f]) for f in ("RendererFunction", "MediaFunction", "AdminApiFunction")
    )
    assert renderer > 0, reserved
    assert media > 0, reserved
    assert reserved["SchedulerFunction"] is NO_VALUE
    # And the cap lets the API stage's steady rate through at half a second a request, so the gateway's
    # own 429 refuses a flood before Lambda's throttle (a 500) does
    _, stage = _only(_of_type(cfn, "AWS::ApiGatewayV2::Stage"))
    rate = stage["DefaultRouteSettings"]["ThrottlingRateLimit"]
    assert rate * 0.5 <= admin <= rate, (rate, admin)
    # And an account with the default quota keeps Lambda's minimum unreserved
    assert ACCOUNT_CONCURRENCY - (renderer + media + admin) >= KEPT_UNRESERVED


@pytest.mark.parametrize(("function_id", "parameter"), CONCURRENCY_PARAMETERS.items())
def test_a_concurrency_of_0_reserves_nothing_rather_than_stopping_the_function(
    cfn: Json, function_id: str, parameter: str
) -> None:
    # Given an account whose quota is too low to reserve anything; When the parameter is set to 0
    reserved = _reserved_concurrency(cfn, **{parameter: 0})

    # Then the function has no reservation at all (a reservation of 0 would throttle every call),
    # and the others keep theirs
    assert reserved[function_id] is NO_VALUE
    others = set(CONCURRENCY_PARAMETERS) - {function_id}
    assert all(int(reserved[other]) > 0 for other in others), reserved
    # And no value the parameter accepts reserves less than nothing
    assert cfn["Parameters"][parameter]["MinValue"] == 0


def _resource_texts(statement: Json) -> list[str]:
    """A statement's resources as text, intrinsic functions written out (to tell a bucket from its objects)."""
    return [json.dumps(resource, sort_keys=True) for resource in _as_list(statement.get("Resource", []))]


def test_the_renderer_may_make_every_call_a_deleted_blogs_removal_makes(cfn: Json) -> None:
    # Given the renderer's role, its bucket and its distribution
    bucket = _env_target(cfn, "RendererFunction", "LIVEBLOG_SNAPSHOT_BUCKET")
    distribution = _env_target(cfn, "RendererFunction", "LIVEBLOG_DISTRIBUTION_ID")
    statements = _allow_statements(_of_type(cfn, "AWS::IAM::Role")[_role_of(cfn, "RendererFunction")])

    def allowed(action: str, target: str, objects: bool) -> bool:
        """Whether `action` is allowed on the bucket itself (objects=False) or on its objects."""
        return any(
            _grants(statement, action, target)
            and any(("/*" in text) == objects for text in _resource_texts(statement) if target in text)
            for statement in statements
        )

    # Then it may list the blog's prefix (ListObjectsV2 needs s3:ListBucket on the bucket, not its
    # objects: AWS answers AccessDenied where moto lists anyway), delete its documents one by one or
    # a thousand at a time (DeleteObjects is authorised per object as s3:DeleteObject), and purge them
    assert allowed("s3:ListBucket", bucket, objects=False)
    assert allowed("s3:DeleteObject", bucket, objects=True)
    assert allowed("cloudfront:CreateInvalidation", distribution, objects=False)


@pytest.mark.parametrize(
    ("parameter", "variable", "setting"),
    [
        ("PhotoMaxBytes", "LIVEBLOG_PHOTO_MAX_BYTES", "photo_max_bytes"),
        ("PhotoMaxPixels", "LIVEBLOG_PHOTO_MAX_PIXELS", "photo_max_pixels"),
        ("PhotoMaxScans", "LIVEBLOG_PHOTO_MAX_SCANS", "photo_max_scans"),
    ],
)
def test_each_photo_limit_reaches_the_api_and_the_media_function_with_the_codes_default(
    cfn: Json, sam: Json, parameter: str, variable: str, setting: str
) -> None:
    # Given a photo limit the stack takes as a parameter
    declared = sam["Parameters"][parameter]
    field = PhotoLimits.model_fields[setting]

    # Then the function that signs uploads and the one that decodes them both read it
    for function_id in ("AdminApiFunction", "MediaFunction"):
        variables = cfn["Resources"][function_id]["Properties"]["Environment"]["Variables"]
        assert variables[variable] == {"Ref": parameter}, function_id
    # And the default and the floor are the code's, so a stack deployed as is behaves as tested
    assert declared["Default"] == field.default
    floors = [rule.ge for rule in field.metadata if hasattr(rule, "ge")]
    assert declared["MinValue"] == floors[0]
