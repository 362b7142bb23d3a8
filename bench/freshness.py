"""How long a posted entry takes to reach readers (issue 8, figure 3), through the whole local stack.

Starts `python -m liveblog_local dev --no-demo` in a subprocess on free ports (as tests/e2e does),
creates a live blog, then posts ENTRIES entries over HTTP at RATE a second. A poller thread fetches
latest.json from the local CDN every POLL_SECONDS with If-None-Match and notes when each entry id
first appears. Freshness = that moment minus the moment the API's 201 arrived: p50, p95, max.

The renderer is fed by the local stream poller, which batches as the template's event source
mapping says: up to BatchSize records, waiting up to MaximumBatchingWindowInSeconds after the first
one (polling the stream 4 times a second, as Lambda does). The stack's log says how many records
each render got and how long it ran, which shows what the time is made of. A second, shorter run
starts the stack from a copy of the template with MaximumBatchingWindowInSeconds: 1 (the file in
the repository is not touched), the setting before, for comparison.
Run alone: .venv/bin/python bench/freshness.py
"""

import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from harness import PYTHON, REPO, RESULTS, Row, Section, ms, realistic_blocks, run_alone

ENTRIES = 200
RATE = 5.0  # entries a second
WHAT_IF_ENTRIES = 60
COMPARED_WINDOW_S = 1  # the template's setting before it became 0
POLL_SECONDS = 0.02
TARGET_P95_S = 1.0
SETTLE_SECONDS = 15.0
TEMPLATE = REPO / "template.yaml"
WINDOW = re.compile(r"^(\s*MaximumBatchingWindowInSeconds:\s*)\d+", re.MULTILINE)
RENDER_LOG = re.compile(r"stream \S+ -> RendererFunction (\d+) records (\d+)ms")
# Runs the stack from another template: stack.py reads TEMPLATE_PATH from its own module globals.
DEV_FROM_TEMPLATE = """
import sys
from pathlib import Path
import liveblog_local.stack as stack
stack.TEMPLATE_PATH = Path(sys.argv[1])
from liveblog_local.__main__ import main
raise SystemExit(main(["dev", "--no-demo"]))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    api: str
    cdn: str
    environment: dict[str, str]
    log: Path

    def token(self) -> str:
        command = [PYTHON, "-m", "liveblog_local", "token", "--role", "editor"]
        result = subprocess.run(
            command, env=self.environment, cwd=REPO, capture_output=True, text=True, check=True
        )
        return result.stdout.strip()


@contextmanager
def local_stack(template: Path | None = None) -> Iterator[Stack]:
    api_port, aws_port, cdn_port = free_port(), free_port(), free_port()
    environment = {
        **os.environ,
        "LIVEBLOG_API_PORT": str(api_port),
        "LIVEBLOG_AWS_PORT": str(aws_port),
        "LIVEBLOG_CDN_PORT": str(cdn_port),
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "LIVEBLOG_TABLE_NAME", "LIVEBLOG_IDEMPOTENCY_TABLE_NAME"):
        environment.pop(name, None)
    command = [PYTHON, "-m", "liveblog_local", "dev", "--no-demo"]
    if template is not None:
        command = [PYTHON, "-c", DEV_FROM_TEMPLATE, str(template)]
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "dev.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                command, cwd=REPO, env=environment, stdout=output, stderr=subprocess.STDOUT
            )
        stack = Stack(f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{cdn_port}", environment, log)
        try:
            deadline = time.monotonic() + 90
            while True:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"the local stack exited with {process.returncode}:\n{log.read_text()}"
                    )
                try:
                    if requests.get(f"{stack.api}/health", timeout=1).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the local stack did not answer within 90 s:\n{log.read_text()}")
                time.sleep(0.2)
            yield stack
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            RESULTS.mkdir(parents=True, exist_ok=True)
            (
                RESULTS / f"freshness-stack{'-window-' + str(COMPARED_WINDOW_S) if template else ''}.log"
            ).write_text(log.read_text())


class LatestWatcher(threading.Thread):
    """Fetches latest.json every POLL_SECONDS (If-None-Match, gzip) and notes when each id first shows."""

    def __init__(self, url: str) -> None:
        super().__init__(name="latest-watcher", daemon=True)
        self.url = url
        self.first_seen: dict[str, float] = {}
        self.requests = 0
        self.not_modified = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        session = requests.Session()
        etag = ""
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                response = session.get(self.url, headers={"If-None-Match": etag} if etag else {}, timeout=5)
            except requests.RequestException:
                response = None
            seen = time.monotonic()
            self.requests += 1
            if response is not None and response.status_code == 304:
                self.not_modified += 1
            elif response is not None and response.status_code == 200:
                etag = response.headers.get("ETag", "")
                for entry in response.json().get("entries", []):
                    self.first_seen.setdefault(entry["id"], seen)
            self.stopping.wait(max(0.0, POLL_SECONDS - (time.monotonic() - started)))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def measure(entries: int, template: Path | None = None) -> dict[str, Any]:
    with local_stack(template) as stack:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {stack.token()}"
        slug = f"fresh-{random.randrange(10**9)}"
        blog = session.post(f"{stack.api}/blogs", json={"slug": slug, "title": "Freshness", "status": "live"})
        blog.raise_for_status()
        watcher = LatestWatcher(f"{stack.cdn}/v1/blogs/{slug}/latest.json")
        time.sleep(2)  # the blog's first render, so the watcher starts from a document
        watcher.start()
        rng = random.Random(3)
        bodies = [
            {"status": "published", "title": f"Update {n}", "blocks": realistic_blocks(rng)}
            for n in range(entries)
        ]
        created: dict[str, float] = {}
        api_seconds: list[float] = []
        url = f"{stack.api}/blogs/{blog.json()['id']}/entries"

        def post(body: dict[str, Any]) -> None:
            sent = time.monotonic()
            response = session.post(url, json=body, timeout=30)
            if response.status_code != 201:
                raise RuntimeError(f"POST {body['title']}: {response.status_code} {response.text[:300]}")
            created[response.json()["id"]] = done = time.monotonic()
            api_seconds.append(done - sent)

        # One request at a time: the local gateway runs the handler in its server's threads, and
        # Powertools' resolver keeps the current request on the app, so concurrent requests
        # trip over each other (KeyError '_route', a 500). Lambda runs one at a time per instance.
        started = time.monotonic()
        for n, body in enumerate(bodies):
            time.sleep(max(0.0, started + n / RATE - time.monotonic()))
            post(body)
        achieved = entries / (time.monotonic() - started)
        deadline = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < deadline and not created.keys() <= watcher.first_seen.keys():
            time.sleep(0.1)
        watcher.stopping.set()
        watcher.join()
        renders = [(int(records), int(took)) for records, took in RENDER_LOG.findall(stack.log.read_text())]
    latencies = [
        watcher.first_seen[entry_id] - at
        for entry_id, at in created.items()
        if entry_id in watcher.first_seen
    ]
    return {
        "entries": entries,
        "rate_per_s": RATE,
        "achieved_rate_per_s": achieved,
        "seen": len(latencies),
        "missing": len(created) - len(latencies),
        "p50_s": percentile(latencies, 0.50),
        "p95_s": percentile(latencies, 0.95),
        "max_s": max(latencies),
        "api_p50_s": statistics.median(api_seconds),
        "renders": len(renders),
        "records_per_render_median": statistics.median(r for r, _ in renders) if renders else None,
        "render_ms_median": statistics.median(t for _, t in renders) if renders else None,
        "render_ms_p95": percentile([t for _, t in renders], 0.95) if renders else None,
        "polls": watcher.requests,
        "polls_not_modified": watcher.not_modified,
    }


def template_with_window(seconds: int) -> Path:
    text, count = WINDOW.subn(rf"\g<1>{seconds}", TEMPLATE.read_text())
    if count != 1:
        raise RuntimeError(f"expected one MaximumBatchingWindowInSeconds in {TEMPLATE}, found {count}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f"template-window-{seconds}-", suffix=".yaml", dir=RESULTS)
    with os.fdopen(handle, "w") as output:
        output.write(text)
    return Path(name)


def build() -> Section:
    window = WINDOW.search(TEMPLATE.read_text())
    window_s = int(window.group(0).split(":")[1]) if window else None
    as_is = measure(ENTRIES)
    print(
        f"freshness: p50 {ms(as_is['p50_s'])} p95 {ms(as_is['p95_s'])} max {ms(as_is['max_s'])}",
        file=sys.stderr,
    )
    copy = template_with_window(COMPARED_WINDOW_S)
    try:
        compared = measure(WHAT_IF_ENTRIES, copy)
    finally:
        copy.unlink()
    section = Section("freshness")
    label = f"window {window_s} s" if window_s is not None else "template's window"
    for name, key in (("p50", "p50_s"), ("p95", "p95_s"), ("max", "max_s")):
        target = f"< {TARGET_P95_S:g} s" if name == "p95" else ""
        met = as_is[key] < TARGET_P95_S if name == "p95" else None
        section.rows.append(
            Row("3", f"freshness {name}: 201 -> in latest.json on the CDN ({label})", as_is[key], ms(as_is[key]),
                compared[key], f"{ms(compared[key])} with window {COMPARED_WINDOW_S} s", target=target, met=met)
        )  # fmt: skip
    section.rows[1].note = (
        f"{as_is['renders']} renders for {ENTRIES} entries posted one at a time at up to {RATE:g}/s "
        f"(achieved {as_is['achieved_rate_per_s']:.1f}/s, {as_is['missing']} never seen): median {as_is['records_per_render_median']} "
        f"records and {as_is['render_ms_median']} ms per render (p95 {as_is['render_ms_p95']} ms); the rest is the "
        f"batching window; API 201 median {ms(as_is['api_p50_s'])}. With window {COMPARED_WINDOW_S} s (template copy, "
        f"{WHAT_IF_ENTRIES} entries): {compared['renders']} renders, median {compared['records_per_render_median']} "
        f"records and {compared['render_ms_median']} ms per render"
    )
    section.measurements = {
        "as_is": as_is,
        f"window_{COMPARED_WINDOW_S}": compared,
        "window_s": window_s,
        "poll_s": POLL_SECONDS,
    }
    section.notes.append(
        f"figure 3: {ENTRIES} entries at up to {RATE:g}/s over HTTP, one request at a time, latest.json polled every {POLL_SECONDS * 1000:g} ms; "
        f"baseline column: the same stack from a template copy with MaximumBatchingWindowInSeconds {COMPARED_WINDOW_S} (the setting before), "
        f"{WHAT_IF_ENTRIES} entries"
    )
    return section


if __name__ == "__main__":
    sys.exit(run_alone(build))
