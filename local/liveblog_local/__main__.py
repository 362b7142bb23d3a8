"""`python -m liveblog_local dev` runs the local stack; `... token --role editor` prints a token."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import threading
from types import FrameType

from liveblog_local.stack import DevStackInfo, LocalStack, Ports, start_dev_stack
from liveblog_local.tokens import DEFAULT_TTL_SECONDS, DEFAULT_USERS, issue_token


def _banner(info: DevStackInfo, token: str) -> str:
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
  AWS (moto)   {aws_url}   tables: {table_list}   buckets: {bucket_list}
               aws --endpoint-url {aws_url} dynamodb scan --table-name ContentTable
  Given up on  {dead_letter_list}
Data lives in moto's memory and is lost when this process exits.

Editor token (12 h; `make token ROLE=contributor` for a contributor):
export LIVEBLOG_TOKEN={token}

  curl -s {api_url}/health
  curl -s -H "Authorization: Bearer $LIVEBLOG_TOKEN" -H 'content-type: application/json' \\
       -d '{{"slug": "storm-watch", "title": "Storm watch"}}' {api_url}/blogs

Ctrl-C stops everything.
"""


def run_dev(scheduler_seconds: float) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    # Our own handler, not the root's: Powertools filters root handlers to drop every record
    # whose logger name contains its service name ("liveblog"), which includes "liveblog_local".
    stack_log = logging.getLogger("liveblog_local")
    stack_handler = logging.StreamHandler()
    stack_handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    stack_log.addHandler(stack_handler)
    stack_log.setLevel(logging.INFO)
    stack_log.propagate = False
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
        print(_banner(info, issue_token("editor")), flush=True)
        while not stopping.wait(1):
            pass
    finally:
        print("stopping...", file=sys.stderr, flush=True)
        stack.stop()
        # moto and botocore leave a large heap; the collection at interpreter exit would
        # scan all of it and make Ctrl-C take seconds. Nothing needs collecting now.
        gc.freeze()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m liveblog_local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    dev = commands.add_parser("dev", help="run the local stack until Ctrl-C")
    dev.add_argument(
        "--scheduler-seconds",
        type=float,
        default=float(os.environ.get("LIVEBLOG_SCHEDULER_SECONDS", "5")),
        help="how often the scheduler function runs (env LIVEBLOG_SCHEDULER_SECONDS, default 5)",
    )
    token = commands.add_parser("token", help="print a JWT the local API accepts")
    token.add_argument("--role", choices=sorted(DEFAULT_USERS), default="editor")
    token.add_argument("--sub", help="user id (default: local-editor / local-contributor)")
    token.add_argument("--name", help="display name")
    token.add_argument("--ttl", type=int, default=DEFAULT_TTL_SECONDS, help="lifetime in seconds")
    args = parser.parse_args(argv)

    if args.command == "dev":
        return run_dev(args.scheduler_seconds)
    print(issue_token(args.role, sub=args.sub, name=args.name, ttl=args.ttl))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
