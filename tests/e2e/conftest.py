"""The local stack (`python -m liveblog_local dev`, what `make dev` runs) as a subprocess on free ports."""

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("LIVEBLOG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# As the machine's own probe starts it: no sandbox as root, and no background connections,
# which this machine's closed network would refuse by the dozen.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LocalStack:
    api: str
    aws: str
    cdn: str
    process: subprocess.Popen[str]
    log: Path

    def token(self, role: str = "editor") -> str:
        result = subprocess.run(
            [sys.executable, "-m", "liveblog_local", "token", "--role", role],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
            timeout=60,
        )
        return result.stdout.strip()

    def session(self, role: str = "editor") -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.token(role)}"
        return session

    @staticmethod
    def wait_for(fetch: Callable[[], Any], ready: Callable[[Any], bool], seconds: float = 15) -> Any:
        """Poll `fetch` until `ready` says yes: the stack works asynchronously, as AWS does."""
        deadline = time.monotonic() + seconds
        while True:
            value = fetch()
            if ready(value):
                return value
            assert time.monotonic() < deadline, f"not ready after {seconds} s: {value!r}"[:500]
            time.sleep(0.2)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, free_port: Callable[[], int]) -> Iterator[LocalStack]:
    api_port, aws_port, cdn_port = free_port(), free_port(), free_port()
    log = tmp_path_factory.mktemp("stack") / "dev.log"
    env = {
        **os.environ,
        "LIVEBLOG_API_PORT": str(api_port),
        "LIVEBLOG_AWS_PORT": str(aws_port),
        "LIVEBLOG_CDN_PORT": str(cdn_port),
        "LIVEBLOG_SCHEDULER_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("AWS_ENDPOINT_URL", "LIVEBLOG_TABLE_NAME", "LIVEBLOG_IDEMPOTENCY_TABLE_NAME"):
        env.pop(name, None)
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "liveblog_local", "dev"],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    local = LocalStack(
        f"http://127.0.0.1:{api_port}",
        f"http://127.0.0.1:{aws_port}",
        f"http://127.0.0.1:{cdn_port}",
        process,
        log,
    )
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail(f"the local stack exited with {process.returncode}:\n{log.read_text()}")
        try:
            if requests.get(f"{local.api}/health", timeout=5).status_code == 200:
                break
        except requests.RequestException:  # refused while starting, or slow on a busy machine
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the local stack did not answer within 60 s:\n{log.read_text()}")
        time.sleep(0.2)
    yield local
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"the local stack did not stop on Ctrl-C within 15 s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """The system's Chromium driven by Playwright; the test is skipped, saying why, without either."""
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: `apt-get install -y chromium` (CI does) to run the browser tests"
        )
    playwright_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (make venv)"
    )
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
