"""What a reader can reach from a snapshot document."""

from typing import Any


def linked_keys(key: str, document: Any) -> set[str]:
    """The snapshots a reader can reach from this one."""
    if key == "v1/index.json":
        urls = [blog["latest_url"] for blog in document["blogs"]]
    elif key.endswith("/latest.json"):
        entries = [*document["entries"], *([document["pinned"]] if document["pinned"] else [])]
        urls = [page["url"] for page in document["pages"]] + [entry["url"] for entry in entries]
        urls += [event["url"] for event in document["key_events"]]
    elif "/pages/" in key:
        urls = [entry["url"] for entry in document["entries"]]
    else:
        urls = []
    return {url.lstrip("/") for url in urls}
