"""The local stack over real HTTP, as an editor with curl or a newsroom tool would use it."""

import os
import re
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from uuid import uuid4

import boto3
import pytest
import requests

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def test_public_routes_and_the_authorizer(stack: Any) -> None:
    assert requests.get(f"{stack.api}/health", timeout=5).json()["status"] == "ok"
    assert (
        requests.get(f"{stack.api}/openapi.json", timeout=5).json()["info"]["title"] == "Liveblog admin API"
    )
    assert "swagger" in requests.get(f"{stack.api}/docs", timeout=5).text.lower()

    # No token, a garbage token, and a token signed by another key are stopped before the handler
    assert requests.get(f"{stack.api}/blogs", timeout=5).status_code == 401
    bad = requests.get(f"{stack.api}/blogs", headers={"Authorization": "Bearer not.a.jwt"}, timeout=5)
    assert bad.status_code == 401
    assert bad.json() == {"message": "Unauthorized"}


@pytest.mark.parametrize("method", ["TRACE", "QUERY", "PUT"])
def test_a_method_no_route_takes_gets_the_gateways_json_404(stack: Any, method: str) -> None:
    response = requests.request(method, f"{stack.api}/health", timeout=5)

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"message": "Not Found"}


def test_an_editor_runs_a_live_blog_over_http(stack: Any) -> None:
    editor = stack.session("editor")
    api = stack.api
    slug = f"harbour-marathon-{uuid4().hex[:8]}"

    # Create a blog and go live
    created = editor.post(f"{api}/blogs", json={"slug": slug, "title": "Harbour City Marathon"}, timeout=5)
    assert created.status_code == 201, created.text
    blog = created.json()
    assert created.headers["Location"] == f"/blogs/{blog['id']}"
    assert created.headers["ETag"] == '"1"'
    live = editor.patch(
        f"{api}/blogs/{blog['id']}", json={"status": "live"}, headers={"If-Match": '"1"'}, timeout=5
    )
    assert live.status_code == 200
    assert live.json()["status"] == "live"

    # Post twelve entries and page through them newest first
    for n in range(12):
        response = editor.post(
            f"{api}/blogs/{blog['id']}/entries",
            json={
                "title": f"Kilometre {n * 3}",
                "status": "published",
                "blocks": [{"type": "paragraph", "html": f"Split <b>{n}</b>"}],
            },
            timeout=5,
        )
        assert response.status_code == 201, response.text
    seen, cursor = [], None
    while True:
        params = {"limit": "5", **({"cursor": cursor} if cursor else {})}
        page = editor.get(f"{api}/blogs/{blog['id']}/entries", params=params, timeout=5).json()
        seen += [entry["seq"] for entry in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert seen == list(range(12, 0, -1))

    # Edit with If-Match; the same If-Match again conflicts
    entry_url = (
        f"{api}/blogs/{blog['id']}/entries/"
        + editor.get(f"{api}/blogs/{blog['id']}/entries", params={"limit": "1"}, timeout=5).json()["items"][
            0
        ]["id"]
    )
    edited = editor.patch(
        entry_url,
        json={"title": "Kilometre 33: the leaders break away"},
        headers={"If-Match": '"1"'},
        timeout=5,
    )
    assert edited.status_code == 200
    assert edited.headers["ETag"] == '"2"'
    assert edited.json()["updated_at"]
    stale = editor.patch(entry_url, json={"title": "Lost"}, headers={"If-Match": '"1"'}, timeout=5)
    assert stale.status_code == 412
    assert stale.json()["error"]["details"] == {"current_version": 2}

    # Delete it: a tombstone remains
    deleted = editor.delete(entry_url, headers={"If-Match": '"2"'}, timeout=5)
    assert deleted.status_code == 200
    assert editor.get(entry_url, timeout=5).json()["status"] == "deleted"


def test_contributors_draft_but_cannot_publish(stack: Any) -> None:
    editor, contributor = stack.session("editor"), stack.session("contributor")
    blog = editor.post(
        f"{stack.api}/blogs", json={"slug": f"storm-{uuid4().hex[:8]}", "title": "Storm"}, timeout=5
    ).json()
    entries = f"{stack.api}/blogs/{blog['id']}/entries"

    assert (
        contributor.post(entries, json={"title": "Scoop", "status": "published"}, timeout=5).status_code
        == 403
    )
    draft = contributor.post(entries, json={"title": "Scoop"}, timeout=5)
    assert draft.status_code == 201
    assert draft.json()["author"]["id"] == "local-contributor"


def test_twenty_concurrent_patches_over_http_have_one_winner(stack: Any) -> None:
    editor = stack.session("editor")
    blog = editor.post(
        f"{stack.api}/blogs", json={"slug": f"race-{uuid4().hex[:8]}", "title": "Race"}, timeout=5
    ).json()
    url = f"{stack.api}/blogs/{blog['id']}"

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(
            pool.map(
                lambda n: (
                    editor.patch(
                        url, json={"summary": f"take {n}"}, headers={"If-Match": '"1"'}, timeout=10
                    ).status_code
                ),
                range(20),
            )
        )

    assert sorted(statuses) == [200] + [412] * 19
    assert editor.get(url, timeout=5).json()["version"] == 2


def test_thirty_concurrent_creates_over_http_all_land_in_order(stack: Any) -> None:
    # The threaded gateway once ran requests inside the handler at the same time, and the resolver's
    # per-request state leaked between them: some POSTs answered 500 (KeyError '_route').
    editor = stack.session("editor")
    blog = editor.post(
        f"{stack.api}/blogs", json={"slug": f"rush-{uuid4().hex[:8]}", "title": "Rush"}, timeout=5
    ).json()
    url = f"{stack.api}/blogs/{blog['id']}/entries"

    with ThreadPoolExecutor(max_workers=30) as pool:
        responses = list(
            pool.map(
                lambda n: editor.post(url, json={"title": f"Flash {n}", "status": "published"}, timeout=20),
                range(30),
            )
        )

    assert [response.status_code for response in responses] == [201] * 30, [
        response.text for response in responses if response.status_code != 201
    ]
    assert sorted(response.json()["seq"] for response in responses) == list(range(1, 31))
    assert sorted(response.json()["title"] for response in responses) == sorted(
        f"Flash {n}" for n in range(30)
    )


def test_the_scheduler_publishes_on_time_locally(stack: Any) -> None:
    from datetime import UTC, datetime, timedelta

    editor = stack.session("editor")
    blog = editor.post(
        f"{stack.api}/blogs", json={"slug": f"briefing-{uuid4().hex[:8]}", "title": "Briefing"}, timeout=5
    ).json()
    at = datetime.now(UTC) + timedelta(seconds=2)
    entry = editor.post(
        f"{stack.api}/blogs/{blog['id']}/entries",
        json={"title": "Mayor speaks", "status": "published", "publish_at": at.isoformat()},
        timeout=5,
    ).json()
    assert entry["status"] == "scheduled"

    deadline = time.monotonic() + 15
    url = f"{stack.api}/blogs/{blog['id']}/entries/{entry['id']}"
    while editor.get(url, timeout=5).json()["status"] != "published":
        assert time.monotonic() < deadline, "the local scheduler did not publish the entry"
        time.sleep(0.5)


def test_the_aws_endpoint_is_inspectable_with_boto3(stack: Any) -> None:
    client = boto3.client(
        "dynamodb",
        endpoint_url=stack.aws,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    assert {"ContentTable", "IdempotencyTable"} <= set(client.list_tables()["TableNames"])


def test_the_banners_aws_cli_line_works_as_pasted_without_aws_configuration(
    stack: Any, tmp_path: Path
) -> None:
    # Given the aws CLI line `make dev` printed, and a shell with no AWS settings or ~/.aws at all
    printed = stack.wait_for(  # the banner follows the API's first answer by a moment
        lambda: [text.strip() for text in stack.log.read_text().splitlines() if "dynamodb scan" in text], bool
    )
    [line] = printed
    assert f"--endpoint-url {stack.aws} " in line
    assert "AWS_DEFAULT_REGION=us-east-1" in line  # the region the stack's tables live in
    assert "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing" in line
    if shutil.which("aws") is None:
        pytest.skip("the aws CLI is not installed; the line's region and credentials were checked")
    bare = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    bare["HOME"] = str(tmp_path)  # no ~/.aws/config or credentials

    # When it is pasted
    result = subprocess.run(["bash", "-c", line], capture_output=True, text=True, env=bare, timeout=60)

    # Then it lists the content table's items
    assert result.returncode == 0, result.stderr
    assert '"Items"' in result.stdout


def test_a_published_entry_reaches_the_cdn_within_seconds(stack: Any) -> None:
    editor = stack.session("editor")
    slug = f"ferry-{uuid4().hex[:8]}"
    blog = editor.post(f"{stack.api}/blogs", json={"slug": slug, "title": "Ferries"}, timeout=5).json()
    live = editor.patch(
        f"{stack.api}/blogs/{blog['id']}", json={"status": "live"}, headers={"If-Match": '"1"'}, timeout=5
    )
    assert live.status_code == 200
    posted = editor.post(
        f"{stack.api}/blogs/{blog['id']}/entries",
        json={"title": "Last sailing cancelled", "status": "published", "blocks": []},
        timeout=5,
    )
    assert posted.status_code == 201, posted.text
    started = time.monotonic()
    latest = f"{stack.cdn}/v1/blogs/{slug}/latest.json"
    while True:
        response = requests.get(latest, timeout=5)
        if response.status_code == 200 and "Last sailing cancelled" in response.text:
            break
        # Typically ~1.3 s (the template's 1 s batching window, a 0.25 s poll, the render);
        # the margin is for parallel test workers each running a stack.
        assert time.monotonic() - started < 5, f"not on the CDN after 5 s: {response.status_code}"
        time.sleep(0.1)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Content-Encoding"] == "gzip"
    again = requests.get(latest, headers={"If-None-Match": response.headers["ETag"]}, timeout=5)
    assert again.status_code == 304
    assert requests.get(f"{stack.cdn}/v1/blogs/{slug}/nope.json", timeout=5).status_code == 404


def test_the_readme_walkthrough_works_as_pasted(stack: Any) -> None:
    readme = (REPO / "README.md").read_text()
    walkthrough = re.search(r"## Try it.*?```sh\n(.*?)```", readme, re.S)
    assert walkthrough, "README has no walk-through"
    script = (
        walkthrough.group(1)
        .replace("http://127.0.0.1:3000", stack.api)
        .replace("http://127.0.0.1:3001", stack.cdn)
    )
    env = {**os.environ, "PATH": f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}"}

    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert '"status":"live"' in out
    assert '"title":"Winds reach 120 km/h at the harbour"' in out
    assert '"code":"version_mismatch"' in out
    assert '"code":"validation_failed"' in out
    assert "img" in out
    assert '"status":"scheduled"' in out
    assert '"@type":"LiveBlogPosting"' in out  # step 8 read the snapshot from the local CDN
