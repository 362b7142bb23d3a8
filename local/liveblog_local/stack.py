"""The local stack's services, started in order and stopped in reverse.

Each service is an object with `name`, `start()` and `stop()`; adding one is one more
entry in `LocalStack.services`.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import boto3

from liveblog_local import LOCAL_ACCOUNT_ID, LOCAL_REGION, STATE_DIR, TEMPLATE_PATH, WEB_DIR
from liveblog_local.cdn import CdnServer, SnapshotCdn
from liveblog_local.functions import Handler, lambda_context, load_handler
from liveblog_local.gateway import GatewayServer, HttpApiGateway
from liveblog_local.media import ObjectCreatedWatcher
from liveblog_local.streams import StreamPoller
from liveblog_local.template import LOCAL_STACK_NAME, LocalTemplate, create_buckets, create_tables
from liveblog_local.ttl import TtlSweeper

log = logging.getLogger("liveblog_local")


class Service(Protocol):
    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class Ports:
    api: int = 3000
    aws: int = 5000
    cdn: int = 3001

    @classmethod
    def from_environment(cls) -> Ports:
        return cls(
            api=int(os.environ.get("LIVEBLOG_API_PORT", cls.api)),
            aws=int(os.environ.get("LIVEBLOG_AWS_PORT", cls.aws)),
            cdn=int(os.environ.get("LIVEBLOG_CDN_PORT", cls.cdn)),
        )


def ensure_port_free(host: str, port: int, setting: str) -> None:
    # moto's server waits forever for a bind that failed in its thread; fail here instead.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise SystemExit(
                f"{host}:{port} is in use ({exc.strerror}); choose another with {setting}=..."
            ) from exc


def configure_aws_environment(aws_port: int) -> None:
    """Point every boto3 client in this process at moto, never at a real account.

    Must run before any handler is imported or client made: both read the environment once.
    """
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update(
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{aws_port}",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106 - moto's documented dummy credentials
        AWS_DEFAULT_REGION=LOCAL_REGION,
        AWS_REGION=LOCAL_REGION,
        # No X-Ray daemon locally, and EMF metric blobs on stdout would bury the request log.
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_METRICS_DISABLED="true",
    )


class MotoService:
    """moto's server, the AWS endpoint for the handlers, boto3 and the aws CLI, in a process of its
    own (see liveblog_local.aws_server)."""

    name = "aws"

    def __init__(self, host: str = "127.0.0.1", port: int = 5000, start_seconds: float = 30) -> None:
        self.url = f"http://{host}:{port}"
        self._address = (host, port)
        self._start_seconds = start_seconds
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(  # noqa: S603 (our own module, our own interpreter)
            [sys.executable, "-m", "liveblog_local.aws_server", "--host", self._address[0],
             "--port", str(self._address[1])],
            stdin=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + self._start_seconds
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto's server exited with {self._process.returncode} while starting")
            try:
                with socket.create_connection(self._address, timeout=0.5):
                    return
            except OSError as exc:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"moto's server did not listen on {self.url} within {self._start_seconds} s"
                    ) from exc
                time.sleep(0.05)

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.stdin is not None:
            self._process.stdin.close()  # the server exits when its stdin closes
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None


def scheduled_event(rule_name: str) -> dict[str, Any]:
    """The event an EventBridge schedule rule delivers (see events/scheduler-tick.json)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": LOCAL_ACCOUNT_ID,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": LOCAL_REGION,
        "resources": [f"arn:aws:events:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:rule/{rule_name}"],
        "detail": {},
    }


@dataclass
class PeriodicInvoker:
    """Invokes a handler every `interval` seconds, as a schedule rule would (one run at a time)."""

    name: str
    handler: Handler
    make_event: Callable[[], dict[str, Any]]
    interval: float
    function_name: str
    _stopping: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                result = self.handler(self.make_event(), lambda_context(self.function_name))
            except Exception:
                log.exception("%s failed", self.function_name)
            else:
                if result:
                    log.debug("%s -> %s", self.function_name, result)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=15)


@dataclass
class LocalStack:
    services: list[Service] = field(default_factory=list)

    def add(self, service: Service) -> Service:
        """Start a service and keep it for stop(), which stops services in reverse order."""
        service.start()
        self.services.append(service)
        return service

    def stop(self) -> None:
        while self.services:
            service = self.services.pop()
            try:
                service.stop()
            except Exception:
                log.exception("stopping %s failed", service.name)


@dataclass(frozen=True)
class DevStackInfo:
    api_url: str
    aws_url: str
    cdn_url: str
    tables: dict[str, str]
    buckets: dict[str, str]
    # Function logical id -> the file where what its event sources gave up on is written.
    dead_letters: dict[str, Path] = field(default_factory=dict)


# The functions `make dev` runs, by template logical id -> functions/<dir>.
DEV_FUNCTIONS = {
    "AdminApiFunction": "admin_api",
    "SchedulerFunction": "scheduler",
    "RendererFunction": "renderer",
    "MediaFunction": "media",
}


def dead_letter_path(function_logical_id: str) -> Path:
    return STATE_DIR / f"{DEV_FUNCTIONS[function_logical_id]}-dead-letters.jsonl"


def start_dev_stack(stack: LocalStack, ports: Ports, scheduler_seconds: float) -> DevStackInfo:
    """Start moto, create the tables and buckets, then serve the admin API, run the scheduler,
    feed the renderer from the table's stream, hand uploads to the media function and serve
    the snapshot and media buckets through the CDN, all from the template."""
    ensure_port_free("127.0.0.1", ports.aws, "LIVEBLOG_AWS_PORT")
    ensure_port_free("127.0.0.1", ports.api, "LIVEBLOG_API_PORT")
    ensure_port_free("127.0.0.1", ports.cdn, "LIVEBLOG_CDN_PORT")
    configure_aws_environment(ports.aws)
    moto = MotoService(port=ports.aws)
    stack.add(moto)
    tables = create_tables(boto3.client("dynamodb"), TEMPLATE_PATH)
    buckets = create_buckets(boto3.client("s3"), TEMPLATE_PATH)
    stack.add(TtlSweeper(tuple(tables.values())))

    # Known before the CDN listens: handlers write absolute URLs (photos in schema.org) with it.
    cdn_url = f"http://127.0.0.1:{ports.cdn}"
    template = LocalTemplate.load(
        TEMPLATE_PATH, names={**tables, **buckets}, parameters={"PublicBaseUrl": cdn_url}
    )
    # The functions share this process, so their environments must agree where they overlap.
    environment: dict[str, str] = {}
    for logical_id in DEV_FUNCTIONS:
        for name, value in template.function_environment(logical_id).items():
            if environment.get(name, value) != value:
                raise SystemExit(
                    f"{logical_id} sets {name}={value!r}, another function sets {environment[name]!r}"
                )
            environment[name] = value
    os.environ.update(environment)

    gateway = HttpApiGateway(
        handler=load_handler(DEV_FUNCTIONS["AdminApiFunction"]),
        config=template.http_api("AdminApiFunction"),
        function_name="AdminApiFunction",
        memory_limit_in_mb=template.function_setting("AdminApiFunction", "MemorySize", 128),
        timeout_seconds=template.function_setting("AdminApiFunction", "Timeout", 3),
    )
    api = GatewayServer(gateway, port=ports.api)
    stack.add(api)
    stack.add(
        PeriodicInvoker(
            name="scheduler",
            handler=load_handler(DEV_FUNCTIONS["SchedulerFunction"]),
            make_event=lambda: scheduled_event(f"{LOCAL_STACK_NAME}-SchedulerFunctionEveryMinute"),
            interval=scheduler_seconds,
            function_name="SchedulerFunction",
        )
    )
    for mapping in template.dynamodb_stream_events("RendererFunction"):
        stack.add(
            StreamPoller(
                handler=load_handler(DEV_FUNCTIONS["RendererFunction"]),
                function_name="RendererFunction",
                mapping=mapping,
                memory_limit_in_mb=template.function_setting("RendererFunction", "MemorySize", 128),
                timeout_seconds=template.function_setting("RendererFunction", "Timeout", 3),
                dead_letter_path=dead_letter_path("RendererFunction"),
            )
        )
    dead_letters = {"RendererFunction": dead_letter_path("RendererFunction")}
    for logical_id, name in DEV_FUNCTIONS.items():
        for rule in template.s3_eventbridge_rules(logical_id):
            stack.add(
                ObjectCreatedWatcher(
                    handler=load_handler(name),
                    function_name=logical_id,
                    rule=rule,
                    memory_limit_in_mb=template.function_setting(logical_id, "MemorySize", 128),
                    timeout_seconds=template.function_setting(logical_id, "Timeout", 3),
                    dead_letter_path=dead_letter_path(logical_id),
                )
            )
            dead_letters[logical_id] = dead_letter_path(logical_id)
    snapshots = SnapshotCdn(
        buckets["SnapshotBucket"],
        behaviors=template.cache_behaviors("SnapshotDistribution"),
        site=WEB_DIR,
    )
    cdn = CdnServer(snapshots, port=ports.cdn)
    stack.add(cdn)
    return DevStackInfo(
        api_url=api.url,
        aws_url=moto.url,
        cdn_url=cdn.url,
        tables=tables,
        buckets=buckets,
        dead_letters=dead_letters,
    )
