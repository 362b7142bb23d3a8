"""moto's server in a process of its own, for the local stack.

In the stack's process it shared one interpreter lock with the admin API, the renderer and the CDN,
so every AWS call waited on whatever else the stack was doing: a render took a median of 505 ms
while entries were being posted (bench/freshness.py). Here it has a core of its own.

The parent hands this process the read end of a pipe as stdin; when the parent exits, however it
exits, the pipe closes and this process follows, so no server outlives its stack.

    python -m liveblog_local.aws_server --port 5000
"""

import argparse
import logging
import os
import signal
import sys
import threading

from liveblog_local.moto_fast import serialize_items_fast
from liveblog_local.moto_locks import serialize_dynamodb
from liveblog_local.moto_streams import trim_consumed_stream_records
from liveblog_local.upload_guard import UploadPolicyGuard


def _exit_with_parent() -> None:
    # Ctrl-C in `make dev` reaches the whole process group: the parent shuts the stack down, in order,
    # and closes the pipe last.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stdin.buffer.read()  # returns at end of file: the parent is gone
    os._exit(0)


def local_credentials() -> dict[str, str]:
    """The access key the stack signs with (its environment, see stack.configure_aws_environment):
    the only one whose signatures this S3 can check, as S3 knows only its own account's keys."""
    access_key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    return {access_key: secret} if access_key and secret else {}


def serve(host: str, port: int) -> None:
    """moto's application behind S3's upload policy check, on a threaded server in the background."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    app = UploadPolicyGuard(DomainDispatcherApplication(create_backend_app), local_credentials())
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, name="aws", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING, format="aws: %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request, as in-process
    serialize_dynamodb()  # real DynamoDB is atomic per item; moto is not without this
    serialize_items_fast()
    trim_consumed_stream_records()  # moto would keep every record with both images until exit
    serve(args.host, args.port)
    _exit_with_parent()


if __name__ == "__main__":
    main()
