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

from liveblog_local.moto_fast import serialize_items_fast
from liveblog_local.moto_locks import serialize_dynamodb


def _exit_with_parent() -> None:
    # Ctrl-C in `make dev` reaches the whole process group: the parent shuts the stack down, in order,
    # and closes the pipe last.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stdin.buffer.read()  # returns at end of file: the parent is gone
    os._exit(0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING, format="aws: %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request, as in-process
    serialize_dynamodb()  # real DynamoDB is atomic per item; moto is not without this
    serialize_items_fast()
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    _exit_with_parent()


if __name__ == "__main__":
    main()
