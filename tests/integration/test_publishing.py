"""Every way an entry gets published is one way: posted as published, a draft or an embargoed draft
published by PATCH, a scheduled entry published by the scheduler. Whichever path published it, the
newest publication is on top, key events join the timeline, and the blog keeps rendering."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from liveblog import clock
from liveblog.rendering.stream import UNPLACEABLE_ENTRIES_METRIC
from liveblog_local.template import load_template

START = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A clock the test moves: `now.move(seconds)`."""

    class Clock:
        at = START

        def move(self, seconds: float) -> None:
            self.at += timedelta(seconds=seconds)

    moving = Clock()
    monkeypatch.setattr(clock, "utcnow", lambda: moving.at)
    return moving


def latest(render: Any, blog: dict[str, Any]) -> Any:
    return render.json(f"v1/blogs/{blog['slug']}/latest.json")


def titles(document: Any) -> list[str]:
    return [entry["title"] for entry in document["entries"]]


def test_a_scheduled_key_event_joins_the_timeline_and_the_blog_keeps_updating(
    api: Any, render: Any, run_scheduler: Any, now: Any
) -> None:
    # Given a live blog with one entry, and a key event scheduled 8 s ahead
    blog = api.go_live(api.create_blog())
    first = api.post_entry(blog["id"], title="Ferries suspended")
    at = (now.at + timedelta(seconds=8)).isoformat()
    briefing = api.post_entry(blog["id"], title="Press briefing", key_event=True, publish_at=at)
    assert briefing["status"] == "scheduled"
    render()

    # When its time comes and the scheduler runs, then another entry is posted
    now.move(20)
    run_scheduler()
    assert render() == {"batchItemFailures": []}
    later = api.post_entry(blog["id"], title="Shelters open at the arena")
    assert render() == {"batchItemFailures": []}

    # Then readers see all three, newest publication first, and the key event on the timeline
    document = latest(render, blog)
    assert titles(document) == ["Shelters open at the arena", "Press briefing", "Ferries suspended"]
    assert [event["id"] for event in document["key_events"]] == [briefing["id"]]
    assert document["version"] == 3
    stored = api.request("GET", f"/blogs/{blog['id']}/entries/{briefing['id']}").body
    assert stored["pub_seq"] == first["pub_seq"] + 1 == later["pub_seq"] - 1
    assert stored["published_at"] == at.replace("+00:00", ".000Z")
    assert stored["publish_at"] is None


def test_an_embargoed_draft_published_later_comes_out_on_top(api: Any, render: Any, now: Any) -> None:
    # Given a draft with an embargo time, created before two published entries
    blog = api.go_live(api.create_blog())
    embargoed = api.post_entry(
        blog["id"],
        status="draft",
        title="Results embargoed",
        publish_at=(now.at + timedelta(hours=1)).isoformat(),
    )
    api.post_entry(blog["id"], title="Polls close")
    api.post_entry(blog["id"], title="Counting begins")

    # When the embargo passes and an editor publishes it
    now.move(2 * 3600)
    published = api.request(
        "PATCH",
        f"/blogs/{blog['id']}/entries/{embargoed['id']}",
        {"status": "published"},
        headers={"If-Match": '"1"'},
    )
    render()

    # Then it is on top, with a number after the others'
    assert published.status == 200, published.body
    assert published.body["pub_seq"] == 3
    assert titles(latest(render, blog)) == ["Results embargoed", "Counting begins", "Polls close"]


def test_a_draft_scheduled_by_patch_and_published_by_the_scheduler_comes_out_on_top(
    api: Any, render: Any, run_scheduler: Any, now: Any
) -> None:
    # Given a draft, scheduled by PATCH, and an entry published after the scheduling
    blog = api.go_live(api.create_blog())
    draft = api.post_entry(blog["id"], status="draft", title="Mayor to speak")
    at = (now.at + timedelta(minutes=5)).isoformat()
    scheduled = api.request(
        "PATCH",
        f"/blogs/{blog['id']}/entries/{draft['id']}",
        {"status": "published", "publish_at": at},
        headers={"If-Match": '"1"'},
    )
    assert scheduled.body["status"] == "scheduled"
    api.post_entry(blog["id"], title="Roads reopen")

    # When the scheduler publishes it
    now.move(6 * 60)
    assert run_scheduler() == {"published": 1}
    render()

    # Then it is the newest publication
    assert titles(latest(render, blog)) == ["Mayor to speak", "Roads reopen"]


def write_unnumbered_published_entry(table_name: str, blog_id: str, entry_id: str, title: str) -> None:
    """An entry as an earlier release's scheduler left it: published, key event, no pub_seq."""
    client = boto3.client("dynamodb")
    seq = int(
        client.update_item(
            TableName=table_name,
            Key={"PK": {"S": f"BLOG#{blog_id}"}, "SK": {"S": "BLOG"}},
            UpdateExpression="ADD entry_seq :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )["Attributes"]["entry_seq"]["N"]
    )
    stamp = START.isoformat().replace("+00:00", ".000Z")
    client.put_item(
        TableName=table_name,
        Item={
            "PK": {"S": f"BLOG#{blog_id}"},
            "SK": {"S": f"ENTRY#{entry_id}"},
            "type": {"S": "entry"},
            "id": {"S": entry_id},
            "blog_id": {"S": blog_id},
            "seq": {"N": str(seq)},
            "status": {"S": "published"},
            "title": {"S": title},
            "blocks": {"L": []},
            "key_event": {"BOOL": True},
            "author": {"M": {"id": {"S": "editor-1"}, "name": {"S": "Eda Harbour"}}},
            "created_at": {"S": stamp},
            "published_at": {"S": stamp},
            "version": {"N": "2"},
            "GSI1PK": {"S": f"BLOG#{blog_id}#ENTRIES#published"},
            "GSI1SK": {"S": f"{seq:010d}"},
        },
    )


def test_a_render_leaves_out_an_entry_it_cannot_place_and_publishes_the_rest(
    api: Any,
    render: Any,
    tables: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a live blog holding an unnumbered published key event (data an earlier release wrote)
    blog = api.go_live(api.create_blog())
    api.post_entry(blog["id"], title="Ferries suspended")
    render()
    stray = "01JDQ6A3R4S5T6V7W8X9Y0Z1ZZ"
    write_unnumbered_published_entry(tables["ContentTable"], blog["id"], stray, "Press briefing")
    capsys.readouterr()

    # When it is rendered, with another entry posted after it
    first = render()
    api.post_entry(blog["id"], title="Shelters open")
    second = render()

    # Then every render succeeds and publishes everything else
    assert first == second == {"batchItemFailures": []}
    document = latest(render, blog)
    assert titles(document) == ["Shelters open", "Ferries suspended"]
    assert stray not in json.dumps(document)
    # and says which entry it left out, counting it on the metric the template's alarm watches
    left_out = [record for record in caplog.records if getattr(record, "entry_id", None) == stray]
    assert [record.levelname for record in left_out] == ["ERROR", "ERROR"]
    output = capsys.readouterr().out
    alarm = template_alarm("RendererSkippedEntriesAlarm")
    emitted = [json.loads(line) for line in output.splitlines() if UNPLACEABLE_ENTRIES_METRIC in line]
    emitted = [doc for doc in emitted if "_aws" in doc]
    assert emitted, output
    [directive] = emitted[-1]["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == alarm["Namespace"] == "Liveblog"
    assert alarm["MetricName"] == UNPLACEABLE_ENTRIES_METRIC
    assert {metric["Name"] for metric in directive["Metrics"]} >= {alarm["MetricName"]}
    assert directive["Dimensions"] == [[dimension["Name"] for dimension in alarm["Dimensions"]]]
    assert {d["Name"]: emitted[-1][d["Name"]] for d in alarm["Dimensions"]} == {
        d["Name"]: d["Value"] for d in alarm["Dimensions"]
    }


def test_correcting_an_unnumbered_entry_gives_it_its_place(
    api: Any, render: Any, tables: dict[str, str]
) -> None:
    # Given an unnumbered published entry among numbered ones
    blog = api.go_live(api.create_blog())
    api.post_entry(blog["id"], title="Ferries suspended")
    stray = "01JDQ6A3R4S5T6V7W8X9Y0Z1ZY"
    write_unnumbered_published_entry(tables["ContentTable"], blog["id"], stray, "Press briefing")

    # When an editor corrects it
    corrected = api.request(
        "PATCH",
        f"/blogs/{blog['id']}/entries/{stray}",
        {"title": "Press briefing at noon"},
        headers={"If-Match": '"2"'},
    )
    render()

    # Then it gets the next number and readers see it on top, on the timeline too
    assert corrected.status == 200, corrected.body
    assert corrected.body["pub_seq"] == 2
    document = latest(render, blog)
    assert titles(document) == ["Press briefing at noon", "Ferries suspended"]
    assert [event["id"] for event in document["key_events"]] == [stray]


def template_alarm(name: str) -> dict[str, Any]:
    properties: dict[str, Any] = load_template()["Resources"][name]["Properties"]
    return properties
