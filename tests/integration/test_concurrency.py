"""Many editors at once: conditional writes let exactly the right requests win."""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

WORKERS = 20


@pytest.fixture
def blog(api: Any) -> dict[str, Any]:
    return api.go_live(api.create_blog())


def in_parallel(count: int, call: Any) -> list[Any]:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(call, range(count)))


def test_twenty_patches_with_one_if_match_have_exactly_one_winner(api: Any, blog: dict[str, Any]) -> None:
    # Given an entry at version 1
    entry = api.post_entry(blog["id"], title="Original")
    url = f"/blogs/{blog['id']}/entries/{entry['id']}"

    # When 20 editors PATCH it at once, all naming version 1
    responses = in_parallel(
        WORKERS,
        lambda n: api.request(
            "PATCH", url, {"title": f"Edit {n}"}, headers={"If-Match": '"1"'}, user=f"ed-{n}"
        ),
    )

    # Then exactly one succeeds, the others get 412, and the stored entry is the winner's
    statuses = sorted(response.status for response in responses)
    assert statuses == [200] + [412] * (WORKERS - 1), statuses
    winner = next(response.body for response in responses if response.status == 200)
    stored = api.request("GET", url).body
    assert stored["version"] == 2
    assert stored["title"] == winner["title"]


def test_twenty_blog_patches_with_one_if_match_have_exactly_one_winner(
    api: Any, blog: dict[str, Any]
) -> None:
    url = f"/blogs/{blog['id']}"
    version = f'"{blog["version"]}"'

    responses = in_parallel(
        WORKERS,
        lambda n: api.request("PATCH", url, {"summary": f"Summary {n}"}, headers={"If-Match": version}),
    )

    assert sorted(response.status for response in responses) == [200] + [412] * (WORKERS - 1)
    assert api.request("GET", url).body["version"] == blog["version"] + 1


def test_concurrent_creates_all_land_with_unique_gap_free_numbers(api: Any, blog: dict[str, Any]) -> None:
    responses = in_parallel(
        WORKERS,
        lambda n: api.request(
            "POST", f"/blogs/{blog['id']}/entries", {"title": f"Flash {n}", "status": "published"}
        ),
    )

    assert [response.status for response in responses] == [201] * WORKERS, [
        r.body for r in responses if r.status != 201
    ]
    assert sorted(response.body["seq"] for response in responses) == list(range(1, WORKERS + 1))
    listed = api.request("GET", f"/blogs/{blog['id']}/entries", query={"limit": "100"}).body["items"]
    assert len(listed) == WORKERS


def test_concurrent_slug_claims_have_one_winner(api: Any, slug: str) -> None:
    responses = in_parallel(
        10, lambda n: api.request("POST", "/blogs", {"slug": slug, "title": f"Claim {n}"})
    )

    statuses = sorted(response.status for response in responses)
    assert statuses == [201] + [409] * 9, statuses
    listed = api.request("GET", "/blogs", query={"limit": "100"}).body["items"]
    assert [blog["slug"] for blog in listed].count(slug) == 1
