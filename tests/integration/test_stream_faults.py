"""The renderer under stream faults: duplicated, reordered, replayed and poisoned batches, and AWS
errors at every call of a render. After each, the snapshots must equal a fresh render of the table
(`truth`), and at every single write a reader must find nothing broken (`watch`): no link from
index.json or a latest.json to a missing object, no version going back or naming two contents."""

import copy
import os
import random
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from liveblog.rendering.documents import PAGE_SIZE

SEEDED = 22  # one full archived page (entries 1-20) and two more in latest.json only


def deliver(render: Any, event: dict[str, Any]) -> list[str]:
    """Invoke the renderer as the event source mapping would; the sequence numbers it failed.
    Powertools raises when every record failed: the mapping then retries them all."""
    try:
        result = render(copy.deepcopy(event))
    except BatchProcessingError:
        return [record["dynamodb"]["SequenceNumber"] for record in event["Records"]]
    return [failure["itemIdentifier"] for failure in result["batchItemFailures"]]


def retry_of(event: dict[str, Any], failed: list[str]) -> dict[str, Any]:
    """What the mapping redelivers: the batch from the first failed record on."""
    sequence = [record["dynamodb"]["SequenceNumber"] for record in event["Records"]]
    return {"Records": event["Records"][min(sequence.index(number) for number in failed) :]}


def if_match(version: int) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}


def seeded_id(n: int) -> str:
    return f"01JD{n:022d}"


class Newsroom:
    """Editors at work, through the admin API."""

    def __init__(self, api: Any) -> None:
        self.api = api
        self.entry_versions: dict[str, int] = {}

    def open_two_blogs(self, render: Any, seed_published: Any, render_all: Any) -> None:
        """A long live blog with an archived page and a short one, published."""
        self.storm = self.api.go_live(
            self.api.create_blog(title="Storm over Port Avalon", key_points=["Ferries stop"])
        )
        seed_published(self.storm["id"], SEEDED, key_events=[4, 21])
        self.marathon = self.api.go_live(self.api.create_blog(title="Harbour City Marathon"))
        self.api.post_entry(self.marathon["id"], title="Start line")
        render_all()
        render.skip()

    def post(self, blog: dict[str, Any], **fields: Any) -> dict[str, Any]:
        entry = self.api.post_entry(blog["id"], **fields)
        self.entry_versions[entry["id"]] = entry["version"]
        return entry

    def correct(self, blog: dict[str, Any], entry_id: str, **fields: Any) -> None:
        version = self.entry_versions.get(entry_id, 1)
        response = self.api.request(
            "PATCH", f"/blogs/{blog['id']}/entries/{entry_id}", fields, headers=if_match(version)
        )
        assert response.status == 200, response.body
        self.entry_versions[entry_id] = response.body["version"]

    def take_down(self, blog: dict[str, Any], entry_id: str) -> None:
        version = self.entry_versions.get(entry_id, 1)
        response = self.api.request(
            "DELETE", f"/blogs/{blog['id']}/entries/{entry_id}", headers=if_match(version)
        )
        assert response.status in (200, 204), response.body

    def edit_blog(self, blog: dict[str, Any], **fields: Any) -> dict[str, Any]:
        response = self.api.request(
            "PATCH", f"/blogs/{blog['id']}", fields, headers=if_match(blog["version"])
        )
        assert response.status == 200, response.body
        blog.update(response.body)
        return blog


# ---------------------------------------------------------------- duplicated, reordered, replayed


def first_changes(desk: Newsroom) -> dict[str, Any]:
    """A new key event, a correction on the archived page, new key points; the marathon's first news."""
    scoop = desk.post(desk.storm, title="Harbour wall breached", key_event=True)
    desk.correct(desk.storm, seeded_id(3), title="Archive 3 (corrected)")
    desk.edit_blog(desk.storm, key_points=["Ferries stop", "Harbour wall breached"])
    desk.post(desk.marathon, title="Leaders at 10 km")
    return scoop


def second_changes(desk: Newsroom, scoop: dict[str, Any]) -> None:
    """The scoop corrected and pinned; an archived entry taken down."""
    desk.correct(desk.storm, scoop["id"], title="Harbour wall partly breached")
    desk.edit_blog(desk.storm, pinned_entry_id=scoop["id"])
    desk.take_down(desk.storm, seeded_id(5))


def third_changes(desk: Newsroom, scoop: dict[str, Any]) -> None:
    """The pinned scoop taken down, a new entry, the storm coverage ended, the marathon renamed."""
    desk.storm = desk.api.request("GET", f"/blogs/{desk.storm['id']}").body
    desk.take_down(desk.storm, scoop["id"])
    desk.post(desk.storm, title="Winds easing")
    desk.storm = desk.api.request("GET", f"/blogs/{desk.storm['id']}").body
    desk.edit_blog(desk.storm, status="ended")
    desk.edit_blog(desk.marathon, title="Harbour City Marathon: results")


def records(*batches: dict[str, Any]) -> dict[str, Any]:
    return {"Records": [record for batch in batches for record in batch["Records"]]}


@pytest.mark.parametrize(
    "script",
    [
        # Each batch delivered twice (one record twice within its batch), then old batches again
        # after newer changes were rendered.
        "c1 d1 d1 c2 d2 d2 c3 d3 twice3 d1 d2 d1",
        # Batches delivered newest first.
        "c1 c2 c3 d3 d2 d1",
        # Every record of the three batches in one batch, shuffled, then reversed.
        "c1 c2 c3 shuffled reversed",
    ],
    ids=["duplicated-and-replayed-late", "batches-out-of-order", "records-shuffled"],
)
def test_redelivered_and_reordered_batches_converge_on_the_table(
    api: Any, render: Any, seed_published: Any, render_all: Any, watch: Any, truth: Any, script: str
) -> None:
    # Given two live blogs, published, and three rounds of editing captured from the stream
    desk = Newsroom(api)
    desk.open_two_blogs(render, seed_published, render_all)
    batches: dict[str, dict[str, Any]] = {}
    scoop: dict[str, Any] = {}

    # When the batches are delivered as the script says
    for step in script.split():
        if step == "c1":
            scoop = first_changes(desk)
            batches["1"] = render.batch()
        elif step == "c2":
            second_changes(desk, scoop)
            batches["2"] = render.batch()
        elif step == "c3":
            third_changes(desk, scoop)
            batches["3"] = render.batch()
        elif step == "twice3":
            event = batches["3"]
            assert deliver(render, {"Records": [*event["Records"], event["Records"][0]]}) == []
        elif step.startswith("d"):
            assert deliver(render, batches[step[1:]]) == [], step
        else:
            every = records(batches["1"], batches["2"], batches["3"])["Records"]
            shuffled = random.Random(20261128).sample(every, len(every))
            order = shuffled if step == "shuffled" else list(reversed(every))
            assert deliver(render, {"Records": order}) == [], step

    # Then the snapshots are what a fresh render of the table publishes, and no reader ever saw
    # a broken link or a version going back
    assert watch.violations == [], "\n".join(watch.violations)
    assert truth.published() == truth.expected()
    assert watch.writes > 0
    latest = truth.published()[f"v1/blogs/{desk.storm['slug']}/latest.json"]
    assert latest["blog"]["status"] == "ended"
    assert scoop["id"] not in str(truth.published())


# ---------------------------------------------------------------- poison records


def poisoned(record: dict[str, Any], number: int, damage: Any) -> dict[str, Any]:
    bad = copy.deepcopy(record)
    bad["eventID"] = f"poison-{number}"
    bad["dynamodb"]["SequenceNumber"] = f"9{number:020d}"
    damage(bad["dynamodb"])
    return bad


def test_poison_records_fail_alone_and_the_good_ones_in_their_batch_render(
    api: Any, render: Any, seed_published: Any, render_all: Any, watch: Any, truth: Any
) -> None:
    # Given a real batch of changes to two blogs
    desk = Newsroom(api)
    desk.open_two_blogs(render, seed_published, render_all)
    first_changes(desk)
    event = render.batch()
    entry_record = next(r for r in event["Records"] if r["dynamodb"]["Keys"]["SK"]["S"].startswith("ENTRY#"))

    def set_(path: str, value: Any) -> Any:
        def damage(change: dict[str, Any]) -> None:
            *parents, name = path.split(".")
            target = change
            for parent in parents:
                target = target.setdefault(parent, {})
            target[name] = value

        return damage

    def drop(name: str) -> Any:
        return lambda change: change.pop(name)

    def replace(**fields: Any) -> Any:
        return lambda change: change.update(fields)

    photo = {"PK": {"S": f"BLOG#{desk.storm['id']}"}, "SK": {"S": "PHOTO#01JDPHOTO"}}
    # ... with records no table could have written, mixed in
    poison = [
        poisoned(entry_record, 1, set_("NewImage", "not an item")),
        poisoned(entry_record, 2, set_("NewImage.pub_seq", {"N": "twenty-three"})),
        poisoned(entry_record, 3, drop("Keys")),
        poisoned(entry_record, 4, set_("Keys", {"PK": entry_record["dynamodb"]["Keys"]["PK"]})),
        poisoned(entry_record, 5, set_("Keys.PK", {"B": "%%% not base64 %%%"})),
        poisoned(
            entry_record,
            6,
            replace(
                Keys=photo,
                OldImage={**photo, "status": {"S": "ready"}, "caption": {"S": "Spray"}},
                NewImage={**photo, "status": {"S": "ready"}, "caption": {"S": "Sea"}, "used_by": {"SS": 7}},
            ),
        ),
    ]
    # ... and records the renderer has no use for, which are not failures
    harmless = [
        poisoned(entry_record, 7, set_("Keys.SK", {"S": "WIDGET#1"})),
        poisoned(entry_record, 8, set_("NewImage.thumbnail", {"B": "%%% not base64 %%%"})),
        poisoned(entry_record, 9, set_("Keys", {"PK": {"S": "SLUG#storm"}, "SK": {"S": "SLUG"}})),
    ]
    mixed = list(event["Records"])
    for position, record in enumerate([*poison, *harmless]):
        mixed.insert((position * 3) % (len(mixed) + 1), record)

    # When the batch is delivered
    failed = deliver(render, {"Records": mixed})

    # Then exactly the poison records are reported, by sequence number, and everything else renders
    assert sorted(failed) == sorted(r["dynamodb"]["SequenceNumber"] for r in poison)
    assert truth.published() == truth.expected()
    assert watch.violations == [], "\n".join(watch.violations)

    # And a batch of nothing but poison fails as a whole (the mapping bisects it) and writes nothing
    writes = watch.writes
    assert sorted(deliver(render, {"Records": poison})) == sorted(
        r["dynamodb"]["SequenceNumber"] for r in poison
    )
    assert watch.writes == writes


# ---------------------------------------------------------------- AWS errors at every call of a render

# The calls of a typical render, in order: a batch that posts a key event (the timeline is kept in the
# render state: no key events are read), takes down an entry on an archived page and renames the
# blog (so the index renders too). Each one is an injection point.
TYPICAL_RENDER = [
    ("dynamodb.BatchGetItem", "blog-and-render-state"),
    ("dynamodb.Query", "newest-entries"),
    ("dynamodb.Query", "archived-page-entries"),
    ("dynamodb.GetItem", "taken-down-entry"),
    ("dynamodb.PutItem", "pages-about-to-be-written"),
    ("s3.PutObject", "archived-page"),
    ("s3.PutObject", "new-entry-document"),
    ("dynamodb.PutItem", "render-state"),
    ("s3.PutObject", "latest"),
    ("s3.DeleteObject", "superseded-page"),
    ("s3.DeleteObject", "taken-down-entry-document"),
    ("cloudfront.CreateInvalidation", "takedown-purge"),
    ("dynamodb.UpdateItem", "superseded-deleted"),
    ("dynamodb.BatchGetItem", "index-render-state"),
    ("dynamodb.Query", "live-blogs"),
    ("dynamodb.Query", "ended-blogs"),
    ("dynamodb.PutItem", "index-render-state"),
    ("s3.PutObject", "index"),
]
INDEX_CALLS = 5  # the last ones: the index renders after the blog
WRITES = [
    n for n, (operation, _) in enumerate(TYPICAL_RENDER, 1) if not operation.endswith(("GetItem", "Query"))
]
REFUSED = ["throttled", "internal-error", "connect-timeout"]  # the call never takes effect
# Every point gets a fault that refuses the call (the three kinds in turn), and every write one
# that lands but whose answer is lost. LIVEBLOG_FAULTS=all gives every kind at every point.
if os.environ.get("LIVEBLOG_FAULTS") == "all":
    POINTS = {kind: list(range(1, len(TYPICAL_RENDER) + 1)) for kind in [*REFUSED, "read-timeout"]}
else:
    POINTS = {
        kind: list(range(1 + i, len(TYPICAL_RENDER) + 1, len(REFUSED))) for i, kind in enumerate(REFUSED)
    }
    POINTS["read-timeout"] = WRITES
ARCHIVED = 40  # two full pages; the newest twenty overlap the second


def label(call: int) -> str:
    operation, what = TYPICAL_RENDER[call - 1]
    return f"call {call} ({operation}, {what})"


def is_retitling(record: dict[str, Any]) -> bool:
    change = record["dynamodb"]
    old, new = change.get("OldImage", {}), change.get("NewImage", {})
    return change["Keys"]["SK"]["S"] == "BLOG" and old.get("title") != new.get("title")


@pytest.mark.parametrize("kind", list(POINTS))
def test_a_failed_aws_call_anywhere_in_a_render_breaks_nothing_and_the_retry_converges(
    api: Any,
    distribution: str,
    render: Any,
    seed_published: Any,
    render_all: Any,
    watch: Any,
    truth: Any,
    faults: Any,
    kind: str,
) -> None:
    # Given a live blog with two archived pages and key events, published, behind a CDN
    desk = Newsroom(api)
    storm = api.go_live(api.create_blog(title="Storm over Port Avalon"))
    seed_published(storm["id"], ARCHIVED, key_events=[4, 21])
    render_all()
    render.skip()
    watch.check("the set-up")
    takedowns = iter(n for n in range(1, PAGE_SIZE + 1) if n != 4)  # the first page, never in latest.json
    corrections = iter(range(ARCHIVED, 0, -1))
    for call in POINTS[kind]:
        point = f"{kind} at {label(call)}"
        # ... and a typical batch
        desk.post(storm, title=f"Harbour wall breached ({point})", key_event=True)
        desk.take_down(storm, seeded_id(next(takedowns)))
        desk.edit_blog(storm, title=f"Storm over Port Avalon ({point})")
        event = render.batch()

        # When one call of its render fails on every attempt
        faults.arm(kind, call=call)
        failed = deliver(render, event)
        faults.disarm()

        # Then that call was the one meant, botocore tried it 5 times, and the records whose change
        # is not published are reported: the blog's (not the renderer's own state writes coming
        # back through the stream), or for the index, the retitling
        assert faults.calls[:call] == [operation for operation, _ in TYPICAL_RENDER[:call]], point
        assert faults.attempts == 5, point
        changes = [r for r in event["Records"] if r["dynamodb"]["Keys"]["PK"]["S"] == f"BLOG#{storm['id']}"]
        changes = [
            r for r in changes if is_retitling(r) or r["dynamodb"]["Keys"]["SK"]["S"].startswith("ENTRY#")
        ]
        if call > len(TYPICAL_RENDER) - INDEX_CALLS:
            changes = [r for r in changes if is_retitling(r)]
        assert sorted(failed) == sorted(r["dynamodb"]["SequenceNumber"] for r in changes), point
        # ... and no reader could see anything broken, at any write
        assert watch.violations == [], "\n".join(watch.violations)

        # When an editor corrects an entry meanwhile, and the mapping retries the failed records
        # with the correction's behind them
        desk.correct(storm, seeded_id(next(corrections)), title=f"Corrected after {point}")
        assert deliver(render, records(retry_of(event, failed), render.batch())) == [], point

        # Then the snapshots are the table's, and no reader saw anything broken or going back
        assert watch.violations == [], "\n".join(watch.violations)
        assert truth.published() == truth.expected(), point


def test_one_failed_write_among_a_batch_of_new_entries_written_at_once_breaks_nothing(
    api: Any, distribution: str, render: Any, watch: Any, truth: Any, faults: Any
) -> None:
    # Given a live blog and a batch of six new entries, whose documents are written at once
    from liveblog.storage.snapshots import PARALLEL_FROM

    desk = Newsroom(api)
    storm = api.go_live(api.create_blog(title="Storm over Port Avalon"))
    desk.post(storm, title="Gales close the harbour")
    render()
    posted = [desk.post(storm, title=f"Flood report {n} from the quay") for n in range(6)]
    assert len(posted) >= PARALLEL_FROM  # six entry documents: SnapshotStore.put_many writes them at once
    event = render.batch()

    # When the PUT of one of their documents fails on every attempt
    faults.arm("internal-error", operation="s3.PutObject", url_contains=f"/entries/{posted[3]['id']}.json")
    failed = deliver(render, event)
    faults.disarm()

    # Then botocore tried it 5 times, the blog's entry records are reported, latest.json was not
    # written, and no reader saw a link to a missing document
    assert faults.attempts == 5
    entries = [r for r in event["Records"] if r["dynamodb"]["Keys"]["SK"]["S"].startswith("ENTRY#")]
    assert sorted(failed) == sorted(r["dynamodb"]["SequenceNumber"] for r in entries)
    latest = render.json(f"v1/blogs/{storm['slug']}/latest.json")
    assert [entry["title"] for entry in latest["entries"]] == ["Gales close the harbour"]
    assert watch.violations == [], "\n".join(watch.violations)

    # And the mapping's retry converges on the table
    assert deliver(render, retry_of(event, failed)) == []
    assert watch.violations == [], "\n".join(watch.violations)
    assert truth.published() == truth.expected()


# ---------------------------------------------------------------- AWS errors at every call of a blog's removal

# The calls that take a deleted blog's documents down, in order (the index renders after them).
REMOVAL = [
    ("dynamodb.BatchGetItem", "blog-and-render-state"),
    ("dynamodb.GetItem", "slug"),
    ("s3.ListObjectsV2", "blog-documents"),
    ("s3.DeleteObject", "latest"),
    ("s3.DeleteObjects", "pages-and-entry-documents"),
    ("cloudfront.CreateInvalidation", "blog-purge"),
    ("dynamodb.UpdateItem", "slug-released"),
    ("dynamodb.DeleteItem", "render-state"),
]
REMOVAL_POINTS = [(call, REFUSED[call % len(REFUSED)]) for call in range(1, len(REMOVAL) + 1)] + [
    (call, "read-timeout")
    for call, (operation, _) in enumerate(REMOVAL, 1)
    if not operation.endswith(("GetItem", "ListObjectsV2"))
]


@pytest.mark.parametrize(
    ("call", "kind"), REMOVAL_POINTS, ids=[f"{kind}-{REMOVAL[call - 1][1]}" for call, kind in REMOVAL_POINTS]
)
def test_a_failed_aws_call_anywhere_in_a_blogs_removal_breaks_nothing_and_the_retry_finishes_it(
    api: Any,
    distribution: str,
    render: Any,
    seed_published: Any,
    render_all: Any,
    watch: Any,
    truth: Any,
    faults: Any,
    call: int,
    kind: str,
) -> None:
    # Given a blog that was live, with an archived page, then archived and deleted, behind a CDN
    blog = api.go_live(api.create_blog(title="Storm over Port Avalon"))
    seed_published(blog["id"], SEEDED, key_events=[4])
    render_all()
    render.skip()
    for status in ("ended", "archived"):
        blog = api.request(
            "PATCH", f"/blogs/{blog['id']}", {"status": status}, headers=if_match(blog["version"])
        ).body
    render()
    watch.check("the set-up")
    assert api.request("DELETE", f"/blogs/{blog['id']}", headers=if_match(blog["version"])).status == 204
    event = render.batch()
    removal = [
        r
        for r in event["Records"]
        if r["dynamodb"]["Keys"]["SK"]["S"] == "BLOG" and r["eventName"] == "REMOVE"
    ]

    # When one call of the removal fails on every attempt
    faults.arm(kind, call=call)
    failed = deliver(render, event)
    faults.disarm()

    # Then that call was the one meant, the blog's removal record is reported, and no reader was
    # led to a missing document
    assert faults.calls[:call] == [operation for operation, _ in REMOVAL[:call]]
    assert faults.attempts == 5
    assert removal[0]["dynamodb"]["SequenceNumber"] in failed
    assert watch.violations == [], "\n".join(watch.violations)

    # When the mapping retries
    assert deliver(render, retry_of(event, failed)) == []

    # Then every document is gone, purged from the CDN, the slug is free, and the bucket is the table's
    prefix = f"v1/blogs/{blog['slug']}/"
    every = render.keys()
    assert [key for key in every if key.startswith(prefix)] == []
    cloudfront = boto3.client("cloudfront")
    purges = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]["Items"]
    paths = {
        path
        for purge in purges
        for path in cloudfront.get_invalidation(DistributionId=distribution, Id=purge["Id"])["Invalidation"][
            "InvalidationBatch"
        ]["Paths"]["Items"]
    }
    assert paths == {f"/{prefix}*"}
    assert watch.violations == [], "\n".join(watch.violations)
    assert truth.published() == truth.expected()
    assert api.request("POST", "/blogs", {"slug": blog["slug"], "title": "Next storm"}).status == 201
