"""Through `make dev`'s stack over HTTP: what an editor does shows on the local CDN."""

from typing import Any
from uuid import uuid4

import pytest
import requests

pytestmark = pytest.mark.e2e


def test_post_correct_and_delete_show_on_the_cdn(stack: Any) -> None:
    editor = stack.session("editor")
    slug = f"storm-{uuid4().hex[:8]}"
    blog = editor.post(f"{stack.api}/blogs", json={"slug": slug, "title": "Storm"}, timeout=5).json()
    editor.patch(
        f"{stack.api}/blogs/{blog['id']}", json={"status": "live"}, headers={"If-Match": '"1"'}, timeout=5
    )
    latest_url = f"{stack.cdn}/v1/blogs/{slug}/latest.json"

    def latest() -> Any:
        response = requests.get(latest_url, timeout=5)
        return response.json() if response.status_code == 200 else {}

    # Post: it appears
    entry = editor.post(
        f"{stack.api}/blogs/{blog['id']}/entries",
        json={"title": "Bridge closed", "status": "published"},
        timeout=5,
    ).json()
    stack.wait_for(latest, lambda doc: [e["title"] for e in doc.get("entries", [])] == ["Bridge closed"])
    response = requests.get(latest_url, timeout=5)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert "max-age=5" in response.headers["Cache-Control"]
    assert (
        requests.get(latest_url, headers={"If-None-Match": response.headers["ETag"]}, timeout=5).status_code
        == 304
    )

    # Correct: the correction and its time show, in latest.json and in the entry's document
    entry_url = f"{stack.api}/blogs/{blog['id']}/entries/{entry['id']}"
    editor.patch(entry_url, json={"title": "Bridge reopened"}, headers={"If-Match": '"1"'}, timeout=5)
    corrected = stack.wait_for(latest, lambda doc: doc["entries"][0]["title"] == "Bridge reopened")
    assert corrected["entries"][0]["updated_at"]
    document = requests.get(f"{stack.cdn}{corrected['entries'][0]['url']}", timeout=5)
    assert document.json()["entry"]["title"] == "Bridge reopened"

    # Delete: gone from latest.json and its document is gone too
    editor.delete(entry_url, headers={"If-Match": '"2"'}, timeout=5)
    stack.wait_for(latest, lambda doc: doc["entries"] == [])
    assert requests.get(f"{stack.cdn}{corrected['entries'][0]['url']}", timeout=5).status_code == 404
