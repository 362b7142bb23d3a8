"""The photo routes: asking for an upload, reading a photo, correcting its words, using it in entries."""

import json
from typing import Any

import pytest

from support.cloudfront import create_distribution

PHOTO = {
    "filename": "finish-line.jpg",
    "content_type": "image/jpeg",
    "byte_size": 2_400_000,
    "caption": "Runners cross the finish line on Harbour Road.",
    "credit": "Ana Ruiz/Harbour City Herald",
    "alt": "Three runners with raised arms under a finish banner",
}


def ask_upload(api: Any, blog_id: str, role: str = "editor", user: str = "editor-1", **fields: Any) -> Any:
    return api.request("POST", f"/blogs/{blog_id}/photos", {**PHOTO, **fields}, role=role, user=user)


def test_asking_for_an_upload_records_a_pending_photo_and_signs_a_post_for_exactly_its_key(api: Any) -> None:
    # Given a blog
    blog = api.create_blog()

    # When an editor asks to upload a photo
    response = ask_upload(api, blog["id"])

    # Then a pending photo with the editor's words exists, and the presigned POST names its key and type
    assert response.status == 201, response.body
    photo, upload = response.body["photo"], response.body["upload"]
    assert photo["status"] == "pending"
    assert photo["caption"] == PHOTO["caption"]
    assert photo["credit"] == PHOTO["credit"]
    assert photo["uploaded_by"]["id"] == "editor-1"
    assert response.headers["Location"] == f"/blogs/{blog['id']}/photos/{photo['id']}"
    assert response.etag == '"1"'
    assert upload["fields"]["key"] == f"uploads/{blog['id']}/{photo['id']}"
    assert upload["fields"]["Content-Type"] == "image/jpeg"
    assert "policy" in upload["fields"]
    assert upload["max_bytes"] == 31_457_280
    assert upload["url"].startswith("https://mediabucket.")
    # And the photo reads back
    got = api.request("GET", f"/blogs/{blog['id']}/photos/{photo['id']}")
    assert got.status == 200
    assert got.body == photo


def test_the_signed_policy_limits_size_type_key_and_time(api: Any) -> None:
    import base64
    import json

    # Given a photo upload
    blog = api.create_blog()
    upload = ask_upload(api, blog["id"], content_type="image/png", filename="map.png").body["upload"]

    # When the policy S3 will enforce is decoded
    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))

    # Then it allows only this key, PNG, 1 byte to the limit, and expires in 15 minutes
    conditions = policy["conditions"]
    assert {"key": upload["fields"]["key"]} in conditions
    assert {"Content-Type": "image/png"} in conditions
    assert ["content-length-range", 1, 31_457_280] in conditions
    assert policy["expiration"].startswith(upload["expires_at"][:16])


def test_contributors_may_upload(api: Any) -> None:
    blog = api.create_blog()
    response = ask_upload(api, blog["id"], role="contributor", user="stringer-7")
    assert response.status == 201, response.body
    assert response.body["photo"]["uploaded_by"]["id"] == "stringer-7"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"content_type": "image/gif"}, "content_type"),
        ({"content_type": "text/html"}, "content_type"),
        ({"byte_size": 0}, "byte_size"),
        ({"filename": "../../etc/passwd"}, "filename"),
        ({"filename": ""}, "filename"),
        ({"caption": "x" * 1001}, "caption"),
        ({"credit": "line\nbreak"}, "credit"),
        ({"width": 100}, "width"),
    ],
)
def test_bad_upload_requests_are_refused_with_the_field_named(
    api: Any, fields: dict[str, Any], field: str
) -> None:
    # Given a blog
    blog = api.create_blog()

    # When the upload request has a bad field
    response = ask_upload(api, blog["id"], **fields)

    # Then 422 names it, and no photo was recorded
    assert response.status == 422, response.body
    assert any(problem["field"].endswith(field) for problem in response.body["error"]["details"])
    listed = api.request("GET", f"/blogs/{blog['id']}/photos")
    assert listed.body["items"] == []


def test_a_file_over_the_limit_is_refused_before_anything_is_signed(api: Any) -> None:
    blog = api.create_blog()
    response = ask_upload(api, blog["id"], byte_size=31_457_281)
    assert response.status == 422
    assert "at most 31457280" in response.body["error"]["message"]
    assert api.request("GET", f"/blogs/{blog['id']}/photos").body["items"] == []


def test_uploads_need_an_existing_writable_blog_and_a_token(api: Any) -> None:
    # No such blog: 404
    assert ask_upload(api, "01JDQ5V7Z8YB6T3M2W4K9C1E0F").status == 404
    # No token: 401; not a member: 403
    blog = api.create_blog()
    assert ask_upload(api, blog["id"], role=None).status == 401
    assert ask_upload(api, blog["id"], role="reader").status == 403
    # Archived blog: 409
    archived = api.request(
        "PATCH", f"/blogs/{blog['id']}", {"status": "archived"}, headers={"If-Match": f'"{blog["version"]}"'}
    )
    assert archived.status == 200
    response = ask_upload(api, blog["id"])
    assert response.status == 409
    assert "archived" in response.body["error"]["message"]


def test_photos_list_newest_first_with_a_cursor(api: Any) -> None:
    blog = api.create_blog()
    ids = [ask_upload(api, blog["id"], filename=f"{n}.jpg").body["photo"]["id"] for n in range(3)]
    first = api.request("GET", f"/blogs/{blog['id']}/photos", query={"limit": "2"})
    assert [p["id"] for p in first.body["items"]] == ids[::-1][:2]
    rest = api.request(
        "GET", f"/blogs/{blog['id']}/photos", query={"limit": "2", "cursor": first.body["next_cursor"]}
    )
    assert [p["id"] for p in rest.body["items"]] == ids[:1]


def test_caption_credit_and_alt_are_corrected_with_if_match(api: Any) -> None:
    # Given a photo at version 1
    blog = api.create_blog()
    photo = ask_upload(api, blog["id"]).body["photo"]
    path = f"/blogs/{blog['id']}/photos/{photo['id']}"

    # When an editor corrects the caption and clears the credit
    fixed = api.request(
        "PATCH", path, {"caption": "Runners on Harbour Road.", "credit": None}, headers={"If-Match": '"1"'}
    )

    # Then the photo is at version 2 with the new words, and the alt text is untouched
    assert fixed.status == 200, fixed.body
    assert fixed.body["caption"] == "Runners on Harbour Road."
    assert fixed.body["credit"] is None
    assert fixed.body["alt"] == PHOTO["alt"]
    assert fixed.etag == '"2"'
    # And a stale or missing If-Match changes nothing
    assert api.request("PATCH", path, {"caption": "Again"}, headers={"If-Match": '"1"'}).status == 412
    assert api.request("PATCH", path, {"caption": "Again"}).status == 428
    assert api.request("PATCH", path, {"alt": None}, headers={"If-Match": '"2"'}).status == 422
    assert api.request("PATCH", path, {"filename": "x.jpg"}, headers={"If-Match": '"2"'}).status == 422
    assert api.request("GET", path).body["caption"] == "Runners on Harbour Road."


def test_processing_changes_the_version_so_a_stale_patch_is_refused(api: Any, decide: Any) -> None:
    blog = api.create_blog()
    photo = ask_upload(api, blog["id"]).body["photo"]
    decide(blog["id"], photo["id"])
    response = api.request(
        "PATCH", f"/blogs/{blog['id']}/photos/{photo['id']}", {"caption": "New"}, headers={"If-Match": '"1"'}
    )
    assert response.status == 412


def test_contributors_edit_their_own_photos_until_a_published_entry_shows_them(api: Any) -> None:
    # Given a contributor's photo and another contributor's
    blog = api.go_live(api.create_blog())
    own = ask_upload(api, blog["id"], role="contributor", user="stringer-7").body["photo"]
    other = ask_upload(api, blog["id"], role="contributor", user="stringer-9").body["photo"]
    path = f"/blogs/{blog['id']}/photos"

    # Then they may change their own but not the other's
    ok = api.request(
        "PATCH",
        f"{path}/{own['id']}",
        {"caption": "Mile 20"},
        headers={"If-Match": '"1"'},
        role="contributor",
        user="stringer-7",
    )
    assert ok.status == 200, ok.body
    denied = api.request(
        "PATCH",
        f"{path}/{other['id']}",
        {"caption": "Mile 20"},
        headers={"If-Match": '"1"'},
        role="contributor",
        user="stringer-7",
    )
    assert denied.status == 403

    # When an editor publishes an entry that shows the contributor's photo
    api.post_entry(blog["id"], blocks=[{"type": "photo", "photo_id": own["id"]}])

    # Then its words are the editors' to change
    locked = api.request(
        "PATCH",
        f"{path}/{own['id']}",
        {"caption": "Mile 21"},
        headers={"If-Match": '"2"'},
        role="contributor",
        user="stringer-7",
    )
    assert locked.status == 403
    assert "editor" in locked.body["error"]["message"]
    assert (
        api.request(
            "PATCH", f"{path}/{own['id']}", {"caption": "Mile 21"}, headers={"If-Match": '"2"'}
        ).status
        == 200
    )


def test_an_entry_can_show_a_pending_photo_but_not_a_missing_or_rejected_one(api: Any, decide: Any) -> None:
    # Given a pending photo, a rejected one, and an id that names nothing
    blog = api.go_live(api.create_blog())
    pending = ask_upload(api, blog["id"]).body["photo"]
    rejected = ask_upload(api, blog["id"], filename="notes.jpg").body["photo"]
    decide(blog["id"], rejected["id"], rejected=True)
    missing = "01JDQ7B2C3D4E5F6G7H8J9K0MN"

    # Then an entry may show the pending one
    api.post_entry(blog["id"], blocks=[{"type": "photo", "photo_id": pending["id"]}])

    # But not the rejected one (the reason is given) nor the missing one; nothing is written
    for photo_id, words in ((rejected["id"], "rejected"), (missing, "does not exist")):
        response = api.request(
            "POST",
            f"/blogs/{blog['id']}/entries",
            {"status": "published", "blocks": [{"type": "photo", "photo_id": photo_id}]},
        )
        assert response.status == 422, response.body
        assert words in response.body["error"]["message"]
        assert response.body["error"]["details"]["photo_id"] == photo_id
    entries = api.request("GET", f"/blogs/{blog['id']}/entries").body["items"]
    assert len(entries) == 1


def test_entry_writes_keep_each_photos_list_of_users(api: Any, store: Any) -> None:
    # Given two photos and an entry showing the first
    blog = api.go_live(api.create_blog())
    first = ask_upload(api, blog["id"]).body["photo"]["id"]
    second = ask_upload(api, blog["id"]).body["photo"]["id"]
    entry = api.post_entry(blog["id"], blocks=[{"type": "photo", "photo_id": first}])
    assert store.photo_users(blog["id"], first) == {entry["id"]}

    # When the entry swaps to the second photo
    path = f"/blogs/{blog['id']}/entries/{entry['id']}"
    swapped = api.request(
        "PATCH", path, {"blocks": [{"type": "photo", "photo_id": second}]}, headers={"If-Match": '"1"'}
    )
    assert swapped.status == 200, swapped.body

    # Then the references moved with it, and deleting the entry drops them
    assert store.photo_users(blog["id"], first) == set()
    assert store.photo_users(blog["id"], second) == {entry["id"]}
    assert api.request("DELETE", path, headers={"If-Match": '"2"'}).status == 200
    assert store.photo_users(blog["id"], second) == set()


def test_an_entry_shows_at_most_twenty_different_photos(api: Any) -> None:
    blog = api.create_blog()
    from liveblog.ids import new_id

    ids = [new_id() for _ in range(21)]
    response = api.request(
        "POST",
        f"/blogs/{blog['id']}/entries",
        {"blocks": [{"type": "photo", "photo_id": photo_id} for photo_id in ids]},
    )
    assert response.status == 422
    assert "at most 20 different photos" in response.body["error"]["message"]


def test_unknown_photos_are_404(api: Any) -> None:
    blog = api.create_blog()
    path = f"/blogs/{blog['id']}/photos/01JDQ7B2C3D4E5F6G7H8J9K0MN"
    assert api.request("GET", path).status == 404
    assert api.request("PATCH", path, {"caption": "x"}, headers={"If-Match": '"1"'}).status == 404
    assert api.request("GET", f"/blogs/{blog['id']}/photos/not-an-id").status == 422


def test_a_contributors_caption_edit_racing_an_editors_publication_is_refused(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a contributor's photo that no entry shows yet
    from liveblog.storage.content import ContentStore

    blog = api.go_live(api.create_blog())
    photo = ask_upload(api, blog["id"], role="contributor", user="stringer-7").body["photo"]
    path = f"/blogs/{blog['id']}/photos/{photo['id']}"
    real_write = ContentStore.update_photo_text
    published: list[Any] = []

    def publish_first(self: Any, *args: Any, **kwargs: Any) -> Any:
        # An editor publishes an entry showing the photo after the contributor's edit was checked
        published.append(api.post_entry(blog["id"], blocks=[{"type": "photo", "photo_id": photo["id"]}]))
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(ContentStore, "update_photo_text", publish_first)

    # When the contributor changes the caption at that moment
    response = api.request(
        "PATCH",
        path,
        {"caption": "Not what the editor saw"},
        headers={"If-Match": '"1"'},
        role="contributor",
        user="stringer-7",
    )

    # Then the edit is refused, naming the entry, and the caption is what the editor published
    assert response.status == 403, response.body
    assert response.body["error"]["code"] == "forbidden"
    assert response.body["error"]["details"] == {"entries": [published[0]["id"]]}
    monkeypatch.undo()
    assert api.request("GET", path).body["caption"] == PHOTO["caption"]


def delete_photo(api: Any, blog_id: str, photo_id: str, etag: str | None = '"1"', **options: Any) -> Any:
    headers = {"If-Match": etag} if etag else {}
    return api.request("DELETE", f"/blogs/{blog_id}/photos/{photo_id}", headers=headers, **options)


def test_a_photo_in_use_is_refused_then_deleted_once_its_entry_is_taken_down(
    api: Any, decide: Any, store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a ready photo with its files in the media bucket, shown by one published entry
    import boto3

    from liveblog.api import admin

    distribution = create_distribution("mediabucket", "media")
    monkeypatch.setenv("LIVEBLOG_DISTRIBUTION_ID", distribution)
    admin.services.cache_clear()
    s3 = boto3.client("s3")
    blog = api.go_live(api.create_blog())
    photo = ask_upload(api, blog["id"]).body["photo"]
    ready = decide(blog["id"], photo["id"])
    files = [r.key for r in ready.renditions] + [
        f"originals/{blog['id']}/{photo['id']}",
        f"uploads/{blog['id']}/{photo['id']}",
    ]
    for key in files:
        s3.put_object(Bucket="mediabucket", Key=key, Body=b"jpeg")
    entry = api.post_entry(blog["id"], blocks=[{"type": "photo", "photo_id": photo["id"]}])

    # When an editor deletes the photo: refused, naming the entry
    refused = delete_photo(api, blog["id"], photo["id"], '"2"')
    assert refused.status == 409, refused.body
    assert refused.body["error"]["code"] == "photo_in_use"
    assert refused.body["error"]["details"] == {"entries": [entry["id"]]}

    # When the entry is taken down, the response says the photo is shown nowhere now
    taken_down = api.request(
        "DELETE", f"/blogs/{blog['id']}/entries/{entry['id']}", headers={"If-Match": '"1"'}
    )
    assert taken_down.status == 200, taken_down.body
    assert taken_down.body["status"] == "deleted"
    assert taken_down.body["orphaned_photo_ids"] == [photo["id"]]

    # Then the photo can be deleted: gone from the API, its files gone, the CDN told to forget them
    deleted = delete_photo(api, blog["id"], photo["id"], '"2"')
    assert deleted.status == 204, deleted.body
    assert api.request("GET", f"/blogs/{blog['id']}/photos/{photo['id']}").status == 404
    for key in files:
        assert s3.list_objects_v2(Bucket="mediabucket", Prefix=key).get("KeyCount") == 0, key
    cloudfront = boto3.client("cloudfront")
    [invalidation] = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]["Items"]
    sent = cloudfront.get_invalidation(DistributionId=distribution, Id=invalidation["Id"])
    assert sent["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == [f"/media/{photo['id']}/*"]
    admin.services.cache_clear()


def test_a_takedown_names_only_photos_no_other_published_entry_shows(api: Any) -> None:
    # Given two photos, the first also shown by another published entry
    blog = api.go_live(api.create_blog())
    shared = ask_upload(api, blog["id"]).body["photo"]["id"]
    alone = ask_upload(api, blog["id"]).body["photo"]["id"]
    api.post_entry(blog["id"], blocks=[{"type": "photo", "photo_id": shared}])
    entry = api.post_entry(blog["id"], blocks=[{"type": "photo", "photo_id": p} for p in (shared, alone)])

    # When the entry showing both is deleted
    response = api.request(
        "DELETE", f"/blogs/{blog['id']}/entries/{entry['id']}", headers={"If-Match": '"1"'}
    )

    # Then only the photo nothing else shows is named
    assert response.status == 200, response.body
    assert response.body["orphaned_photo_ids"] == [alone]


def test_a_draft_showing_a_deleted_photo_can_be_edited_and_deleted_but_not_published(api: Any) -> None:
    # Given a draft showing a photo that an editor then deletes
    blog = api.go_live(api.create_blog())
    photo = ask_upload(api, blog["id"]).body["photo"]
    draft = api.post_entry(blog["id"], status="draft", blocks=[{"type": "photo", "photo_id": photo["id"]}])
    assert delete_photo(api, blog["id"], photo["id"]).status == 204
    path = f"/blogs/{blog['id']}/entries/{draft['id']}"

    # When it is published: refused, the photo named
    refused = api.request("PATCH", path, {"status": "published"}, headers={"If-Match": '"1"'})
    assert refused.status == 422, refused.body
    assert "does not exist" in refused.body["error"]["message"]
    assert refused.body["error"]["details"]["photo_id"] == photo["id"]

    # But its author can still change it, and delete it
    edited = api.request("PATCH", path, {"title": "Roofs off on Quay Street"}, headers={"If-Match": '"1"'})
    assert edited.status == 200, edited.body
    assert api.request("DELETE", path, headers={"If-Match": '"2"'}).status == 200


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("contributor", 403, "forbidden"),
        ("no-if-match", 428, "if_match_required"),
        ("stale", 412, "version_mismatch"),
        ("unknown", 404, "not_found"),
        ("scheduled", 409, "photo_in_use"),
        ("archived", 409, "illegal_transition"),
    ],
)
def test_refused_photo_deletions_change_nothing(
    api: Any, stored: Any, case: str, status: int, code: str
) -> None:
    # Given a photo, in the case's situation
    blog = api.go_live(api.create_blog())
    photo = ask_upload(api, blog["id"]).body["photo"]
    photo_id, etag, options = photo["id"], '"1"', {}
    if case == "contributor":
        options = {"role": "contributor", "user": "stringer-7"}
    elif case == "no-if-match":
        etag = None
    elif case == "stale":
        etag = '"7"'
    elif case == "unknown":
        photo_id = "01JDQ7B2C3D4E5F6G7H8J9K0MN"
    elif case == "scheduled":
        api.post_entry(
            blog["id"], publish_at="2099-01-01T00:00:00Z", blocks=[{"type": "photo", "photo_id": photo_id}]
        )
    elif case == "archived":
        for step in ("ended", "archived"):
            current = api.request("GET", f"/blogs/{blog['id']}").body
            api.request(
                "PATCH",
                f"/blogs/{blog['id']}",
                {"status": step},
                headers={"If-Match": f'"{current["version"]}"'},
            )
    before = stored()

    # When an editor (or the case's caller) deletes it
    response = delete_photo(api, blog["id"], photo_id, etag, **options)

    # Then it is refused with a JSON error, and nothing changed
    assert response.status == status, response.body
    assert response.body["error"]["code"] == code
    assert response.body["error"]["message"]
    assert stored() == before


def test_a_photo_deletion_racing_a_publication_is_refused(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an unused photo, and an editor publishing an entry showing it while another deletes it
    from liveblog.storage.photos import PhotoStore

    blog = api.go_live(api.create_blog())
    photo = ask_upload(api, blog["id"]).body["photo"]
    real_delete = PhotoStore.delete
    published: list[Any] = []

    def publish_first(self: Any, *args: Any, **kwargs: Any) -> Any:
        published.append(api.post_entry(blog["id"], blocks=[{"type": "photo", "photo_id": photo["id"]}]))
        return real_delete(self, *args, **kwargs)

    monkeypatch.setattr(PhotoStore, "delete", publish_first)

    # When the deletion's write comes after the publication
    response = delete_photo(api, blog["id"], photo["id"])

    # Then it is refused, naming the entry, and the photo is still there
    assert response.status == 409, response.body
    assert response.body["error"]["details"] == {"entries": [published[0]["id"]]}
    assert api.request("GET", f"/blogs/{blog['id']}/photos/{photo['id']}").status == 200


def test_a_photo_is_shown_by_at_most_two_hundred_entries_and_its_caption_still_changes_at_the_cap(
    api: Any, content_table: Any
) -> None:
    # Given a photo already shown by 199 entries
    from liveblog.storage.photos import MAX_USERS

    blog = api.go_live(api.create_blog())
    photo = ask_upload(api, blog["id"]).body["photo"]
    others = {f"01JD{n:022d}" for n in range(MAX_USERS - 1)}
    content_table.update_item(
        Key={"PK": f"BLOG#{blog['id']}", "SK": f"PHOTO#{photo['id']}"},
        UpdateExpression="ADD used_by :others",
        ExpressionAttributeValues={":others": others},
    )
    show = {"status": "draft", "blocks": [{"type": "photo", "photo_id": photo["id"]}]}

    # When an entry shows it, it is the 200th; a 201st is refused with the limit named
    assert api.request("POST", f"/blogs/{blog['id']}/entries", show).status == 201
    refused = api.request("POST", f"/blogs/{blog['id']}/entries", show)
    assert refused.status == 422, refused.body
    assert "the most one photo may be" in refused.body["error"]["message"]
    assert refused.body["error"]["details"] == {"photo_id": photo["id"], "limit": 200}

    # Then the item stays small, and an editor's caption fix still lands
    item = content_table.get_item(Key={"PK": f"BLOG#{blog['id']}", "SK": f"PHOTO#{photo['id']}"})["Item"]
    assert len(item["used_by"]) == MAX_USERS == 200
    assert len(json.dumps(item, default=lambda v: sorted(v) if isinstance(v, set) else str(v))) < 10_000
    fixed = api.request(
        "PATCH",
        f"/blogs/{blog['id']}/photos/{photo['id']}",
        {"caption": "Fixed"},
        headers={"If-Match": '"1"'},
    )
    assert fixed.status == 200, fixed.body
