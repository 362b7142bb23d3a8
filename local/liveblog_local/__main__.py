"""`python -m liveblog_local dev` runs the local stack and seeds a demo story; `... token --role editor`
prints a token; `... demo-live` keeps posting updates to the demo story."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import threading
from datetime import datetime
from types import FrameType

import requests

from liveblog_local import LOCAL_REGION
from liveblog_local.demo import DEMO_SLUG, DemoError, headline, live_updates, reader_url, seed_demo
from liveblog_local.stack import DevStackInfo, LocalStack, Ports, start_dev_stack
from liveblog_local.tokens import DEFAULT_TTL_SECONDS, DEFAULT_USERS, issue_token

log = logging.getLogger("liveblog_local")


def aws_cli_example(aws_url: str, table: str) -> str:
    """An aws CLI command that works as pasted, on a machine with no AWS configuration too: moto takes
    any credentials, but the CLI refuses to sign a request without some, or without a region."""
    return (
        f"AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION={LOCAL_REGION} "
        f"aws --endpoint-url {aws_url} dynamodb scan --table-name {table}"
    )


def _banner(info: DevStackInfo, token: str, demo: bool) -> str:
    api_url, aws_url = info.api_url, info.aws_url
    table_list = ", ".join(sorted(info.tables.values()))
    bucket_list = ", ".join(sorted(info.buckets.values()))
    dead_letter_list = ", ".join(os.path.relpath(path) for path in info.dead_letters.values()) or "none"
    return f"""
Liveblog local stack
  API          {api_url}
  Swagger UI   {api_url}/docs
  OpenAPI      {api_url}/openapi.json
  CDN          {info.cdn_url}   e.g. {info.cdn_url}/v1/blogs/<slug>/latest.json, photos under /media/
  Reader       {reader_url(info.cdn_url, DEMO_SLUG if demo else "<slug>")}
  AWS (moto)   {aws_url}   tables: {table_list}   buckets: {bucket_list}
               {aws_cli_example(aws_url, info.tables["ContentTable"])}
  Given up on  {dead_letter_list}
Data lives in moto's memory and is lost when this process exits.

Editor token (12 h; `make token ROLE=contributor` for a contributor):
export LIVEBLOG_TOKEN={token}

  curl -s {api_url}/health
  curl -s -H "Authorization: Bearer $LIVEBLOG_TOKEN" -H 'content-type: application/json' \\
       -d '{{"slug": "storm-watch", "title": "Storm watch"}}' {api_url}/blogs

Ctrl-C stops everything.
"""


def _seed_demo_in_background(info: DevStackInfo, stopping: threading.Event) -> None:
    """Seed over HTTP from a thread: the banner prints at once and the API serves while we post."""

    def seed() -> None:
        try:
            story = seed_demo(info.api_url, info.cdn_url)
        except (DemoError, requests.RequestException):
            if not stopping.is_set():  # Ctrl-C during seeding cuts requests short: no story to tell
                log.exception("Demo story failed; the stack runs on without it")
            return
        log.info("Demo story ready: %s", story.reader_url)

    threading.Thread(target=seed, name="demo-seed", daemon=True).start()


def run_dev(scheduler_seconds: float, demo: bool) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    # Our own handler, not the root's: Powertools filters root handlers to drop every record
    # whose logger name contains its service name ("liveblog"), which includes "liveblog_local".
    stack_handler = logging.StreamHandler()
    stack_handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    log.addHandler(stack_handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    # moto's server logs every AWS call the handlers make; one line per API request is enough.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # Lambda runs one request per process; here threads share the handler's boto3 pool, and
    # urllib3 warns each time a burst overflows it. That is an artefact of the local stack.
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)

    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    stack = LocalStack()
    try:
        info = start_dev_stack(stack, Ports.from_environment(), scheduler_seconds)
        print(_banner(info, issue_token("editor"), demo), flush=True)
        if demo:
            _seed_demo_in_background(info, stopping)
        while not stopping.wait(1):
            pass
    finally:
        print("stopping...", file=sys.stderr, flush=True)
        stack.stop()
        # moto and botocore leave a large heap; the collection at interpreter exit would
        # scan all of it and make Ctrl-C take seconds. Nothing needs collecting now.
        gc.freeze()
    return 0


def run_demo_live(api_url: str, every: float) -> int:
    cdn_url = f"http://127.0.0.1:{Ports.from_environment().cdn}"
    print(f"Posting to {reader_url(cdn_url)} every {every:g} s; Ctrl-C stops.", flush=True)
    try:
        for entry in live_updates(api_url, cdn_url, every):
            published = datetime.fromisoformat(entry["published_at"]).astimezone()
            print(f"{published:%H:%M:%S}  {headline(entry)}", flush=True)
    except KeyboardInterrupt:
        return 0
    except requests.ConnectionError:
        print(f"nothing answers at {api_url}: start the stack with `make dev`", file=sys.stderr)
        return 1
    except DemoError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m liveblog_local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    dev = commands.add_parser("dev", help="run the local stack until Ctrl-C")
    dev.add_argument(
        "--scheduler-seconds",
        type=float,
        default=float(os.environ.get("LIVEBLOG_SCHEDULER_SECONDS", "5")),
        help="how often the scheduler function runs (env LIVEBLOG_SCHEDULER_SECONDS, default 5)",
    )
    dev.add_argument(
        "--no-demo",
        dest="demo",
        action="store_false",
        default=os.environ.get("LIVEBLOG_DEMO", "1") != "0",
        help=f"do not seed the demo story ({DEMO_SLUG}) (env LIVEBLOG_DEMO=0)",
    )
    token = commands.add_parser("token", help="print a JWT the local API accepts")
    token.add_argument("--role", choices=sorted(DEFAULT_USERS), default="editor")
    token.add_argument("--sub", help="user id (default: local-editor / local-contributor)")
    token.add_argument("--name", help="display name")
    token.add_argument("--ttl", type=int, default=DEFAULT_TTL_SECONDS, help="lifetime in seconds")
    live = commands.add_parser(
        "demo-live", help="post an invented update to the demo story every few seconds, until Ctrl-C"
    )
    live.add_argument("--every", type=float, default=5.0, help="seconds between updates (default 5)")
    live.add_argument(
        "--api",
        default=f"http://127.0.0.1:{Ports.from_environment().api}",
        help="the admin API (default: the local stack's, port from LIVEBLOG_API_PORT)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "dev":
        return run_dev(args.scheduler_seconds, args.demo)
    if args.command == "demo-live":
        return run_demo_live(args.api, args.every)
    print(issue_token(args.role, sub=args.sub, name=args.name, ttl=args.ttl))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
