"""The XSS corpus (tests/security/xss_payloads.txt) in every text field an editor controls, through
the admin API and the renderer: the API refuses a payload with a clean 422 naming the field, or
publishes it, and nothing published carries markup a browser would run."""

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from liveblog.embeds import PROVIDER_NAMES
from liveblog.models.entry import MAX_BLOCKS
from security.corpus import load_payloads, snapshot_problems
from security.fields import (
    BLOCK_FIELDS,
    HTML_KINDS,
    LIST_ITEM,
    LIST_ITEMS_PER_BLOCK,
    OBJECT_KINDS,
    OBJECT_LIMITS,
    PlacedBlock,
    accepted,
    accepts,
    block_field,
    blocks_for,
    packed,
    refused_block,
)

PAYLOADS = load_payloads()
EVERY_PAYLOAD = set(range(len(PAYLOADS)))
ENTRIES = 21  # one more than latest.json holds, so that an archive page is written too
PHOTOS = 4
BLOGS = 2


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def share(kind: str, count: int) -> list[tuple[str, list[int]]]:
    """The first `count` packed values of a field that holds one value per blog, entry or photo.
    Each kind starts at its own place in the corpus, so that together they cover all of it."""
    indices = accepted(kind, PAYLOADS)
    start = OBJECT_KINDS.index(kind) * len(indices) // len(OBJECT_KINDS)
    return list(packed(PAYLOADS, indices[start:] + indices[:start], OBJECT_LIMITS[kind]))[:count]


def assert_refused(response: Any, fields: set[str]) -> None:
    """A 422 in the API's error shape whose details name exactly `fields`."""
    assert response.status == 422, response.body
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.body["error"]
    assert error["code"] == "validation_failed"
    assert error["message"]
    # The allowlist refuses an embed URL on the whole block; a URL too short to check, on its url.
    named = {re.sub(r"\.embed\.url$", ".embed", detail["field"]) for detail in error["details"]}
    assert named == fields, error["details"]


def refusal_path(position: int, kind: str) -> str:
    field = block_field(kind)
    if kind.startswith("embed url"):
        return f"body.blocks.{position}.embed"
    return f"body.blocks.{position}.{field.block}.{field.field}"


def test_every_payload_in_every_field_is_refused_cleanly_or_published_inert(
    api: Any, render: Any, decide: Any
) -> None:
    reached: dict[str, set[int]] = defaultdict(set)
    refused: dict[str, set[int]] = defaultdict(set)
    blog = api.create_blog()

    # Given photos whose own caption, credit and alt carry payloads, made ready as the media
    # function would, and live blogs whose title, summary and key points do
    photo_values = {kind: share(kind, PHOTOS) for kind in ("photo caption", "photo credit", "photo alt")}
    photos = []
    for n in range(PHOTOS):
        words = {kind.removeprefix("photo "): values[n][0] for kind, values in photo_values.items()}
        asked = api.request(
            "POST",
            f"/blogs/{blog['id']}/photos",
            {"filename": f"pier-{n}.jpg", "content_type": "image/jpeg", "byte_size": 90_000, **words},
        )
        assert asked.status == 201, asked.body
        photos.append(decide(blog["id"], asked.body["photo"]["id"]).model_dump(mode="json"))
    blog_values = {kind: share(kind, BLOGS) for kind in ("blog title", "blog summary")}
    key_points = list(chunks(share("blog key point", 10 * BLOGS), 10))
    blogs = [
        api.go_live(
            api.create_blog(
                title=blog_values["blog title"][n][0],
                summary=blog_values["blog summary"][n][0],
                key_points=[value for value, _ in key_points[n]],
            )
        )
        for n in range(BLOGS)
    ]

    # When entries carry every payload in every block field, with payloads as titles and bylines.
    # moto copies the whole table on every transaction, so the entries without blocks go first.
    placed = blocks_for(PAYLOADS, lambda n: photos[n % PHOTOS]["id"])
    placed += [PlacedBlock({"type": "photo", "photo_id": photo["id"]}) for photo in photos]
    full = -(-len(placed) // MAX_BLOCKS)
    contents = [[]] * (ENTRIES - full) + [placed[n::full] for n in range(full)]
    titles, bylines = share("entry title", ENTRIES), share("entry author name", ENTRIES)
    sent = []
    for n, blocks in enumerate(contents):
        body = {
            "title": titles[n][0],
            "blocks": [item.block for item in blocks],
            "key_event": n % 4 == 0,
            "status": "published",
        }
        response = api.request("POST", f"/blogs/{blog['id']}/entries", body, name=bylines[n][0])
        assert response.status == 201, response.body
        sent.append((response.body["id"], body, blocks, bylines[n][0]))
    live = api.request(
        "PATCH",
        f"/blogs/{blog['id']}",
        {"status": "live", "pinned_entry_id": sent[-full][0]},
        headers={"If-Match": f'"{blog["version"]}"'},
    )
    assert live.status == 200, live.body

    # And each payload a field refuses is sent in that field: the API refuses it, naming the field
    block_refusals = [
        (field.kind, index)
        for field in BLOCK_FIELDS
        for index in EVERY_PAYLOAD - set(accepted(field.kind, PAYLOADS))
    ]
    list_refusals = sorted(EVERY_PAYLOAD - set(accepted(LIST_ITEM, PAYLOADS)))
    for batch in chunks(block_refusals, 45):
        items = [list_refusals.pop() for _ in range(min(LIST_ITEMS_PER_BLOCK, len(list_refusals)))]
        body = {"blocks": [refused_block(kind, PAYLOADS[index], photos[0]["id"]) for kind, index in batch]}
        expected = {refusal_path(position, kind) for position, (kind, _) in enumerate(batch)}
        if items:
            body["blocks"].append({"type": "list", "items": [PAYLOADS[index] for index in items]})
            expected |= {f"body.blocks.{len(batch)}.list.items.{n}" for n in range(len(items))}
        assert_refused(api.request("POST", f"/blogs/{blog['id']}/entries", body), expected)
        refused[LIST_ITEM].update(items)
        for kind, index in batch:
            refused[kind].add(index)
    assert not list_refusals
    for index, payload in enumerate(PAYLOADS):
        if not accepts("entry title", payload):
            body = {"title": payload, "blocks": [refused_block("heading text", "Harbour wall")]}
            assert_refused(api.request("POST", f"/blogs/{blog['id']}/entries", body), {"body.title"})
            refused["entry title"].add(index)
        blog_fields = {
            name: value
            for kind, name, value in (
                ("blog title", "title", payload),
                ("blog summary", "summary", payload),
                ("blog key point", "key_points", [payload]),
            )
            if not accepts(kind, payload)
        }
        if blog_fields:
            response = api.request(
                "POST", "/blogs", {"slug": f"refused-{index}", "title": "Storm", **blog_fields}
            )
            assert_refused(
                response, {f"body.{name}" + (".0" if name == "key_points" else "") for name in blog_fields}
            )
            for name in blog_fields:
                refused["blog key point" if name == "key_points" else f"blog {name}"].add(index)
        photo_fields = {
            name: payload for name in ("caption", "credit", "alt") if not accepts(f"photo {name}", payload)
        }
        if photo_fields:
            body = {"filename": "pier.jpg", "content_type": "image/jpeg", "byte_size": 1, **photo_fields}
            assert_refused(
                api.request("POST", f"/blogs/{blog['id']}/photos", body),
                {f"body.{name}" for name in photo_fields},
            )
            for name in photo_fields:
                refused[f"photo {name}"].add(index)
    while render.pending():
        pass

    # Then every published document is inert: no executable markup in its HTML, no script URL,
    # nothing in its raw bytes that could end a <script> block it is inlined in
    keys = render.keys()
    slug = live.body["slug"]
    assert {f"v1/blogs/{b['slug']}/latest.json" for b in [live.body, *blogs]} | {"v1/index.json"} <= set(keys)
    assert sum(key.startswith(f"v1/blogs/{slug}/pages/") for key in keys) == 1
    assert sum(key.startswith(f"v1/blogs/{slug}/entries/") for key in keys) == ENTRIES
    problems = [
        problem for key in keys for problem in snapshot_problems(key, render.object(key)["Body"].read())
    ]
    assert not problems, f"{len(problems)} problems, the first:\n" + "\n".join(problems[:25])

    # And plain text is published exactly as written (trimmed): text, never interpreted or altered
    for entry_id, body, blocks, byline in sent:
        entry = render.json(f"v1/blogs/{slug}/entries/{entry_id}.json")["entry"]
        assert (entry["title"], entry["author"]["name"]) == (body["title"], byline)
        for item, published in zip(blocks, entry["blocks"], strict=True):
            for kind, carried in item.carries.items():
                if kind.startswith("embed url"):
                    assert published["url"].startswith("https://")
                    assert published["provider"] in PROVIDER_NAMES.values()
                elif kind not in HTML_KINDS:
                    name = block_field(kind).field
                    assert published[name] == item.block[name], kind
                reached[kind].update(carried)
            if published["type"] == "photo" and "caption" not in item.block:
                photo = next(p for p in photos if p["id"] == item.block["photo_id"])
                assert [published[name] for name in ("caption", "credit", "alt")] == [
                    photo[name] for name in ("caption", "credit", "alt")
                ]
    for kind, values in photo_values.items():
        for value, carried in values:
            assert value in [photo[kind.removeprefix("photo ")] for photo in photos]
            reached[kind].update(carried)
    for (_, by_title), (_, by_byline) in zip(titles, bylines, strict=True):
        reached["entry title"].update(by_title)
        reached["entry author name"].update(by_byline)
    for n, created in enumerate(blogs):
        published = render.json(f"v1/blogs/{created['slug']}/latest.json")["blog"]
        assert published["title"] == blog_values["blog title"][n][0]
        assert published["summary"] == blog_values["blog summary"][n][0]
        assert published["key_points"] == [value for value, _ in key_points[n]]
        for kind in blog_values:
            reached[kind].update(blog_values[kind][n][1])
        for _, carried in key_points[n]:
            reached["blog key point"].update(carried)

    # And every payload reached every block field, published or refused; fields that hold one
    # value per blog, entry or photo published their share (tests/unit/test_xss_corpus.py renders
    # every payload in each of them) and refused exactly what they refuse
    for kind in [*(field.kind for field in BLOCK_FIELDS), LIST_ITEM]:
        assert reached[kind] | refused[kind] == EVERY_PAYLOAD, kind
        assert not reached[kind] & refused[kind], kind
    for kind in OBJECT_KINDS:
        assert refused[kind] == EVERY_PAYLOAD - set(accepted(kind, PAYLOADS)), kind
        assert reached[kind], kind
        assert not reached[kind] & refused[kind], kind
    print(
        f"{len(PAYLOADS)} payloads; published share of one-value fields: "
        + ", ".join(f"{kind} {len(reached[kind])}" for kind in OBJECT_KINDS)
    )
