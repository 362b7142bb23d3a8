"""The local S3 takes a presigned POST only as S3 does: signed, unexpired, and within its policy.

The photo's presigned POST is made by the same MediaStore the admin API uses, and sent over HTTP to
moto's server process as a browser would; every refusal is S3's status and XML error, and leaves the
bucket as it was.
"""

import base64
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from ulid import ULID

from liveblog.storage.media import MediaStore, upload_key
from liveblog_local.post_policy import policy_signature
from liveblog_local.stack import MotoService

BUCKET = "mediabucket"
MAX_BYTES = 1000
JPEG = b"\xff\xd8\xff\xe0 a photo's bytes"


@pytest.fixture(scope="module")
def aws(free_port: Callable[[], int]) -> Iterator[str]:
    # The server knows the key in its environment, as the stack's own key (stack.configure_aws_environment).
    service = MotoService(port=free_port())
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("AWS_ACCESS_KEY_ID", "testing")
        environment.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        service.start()
    s3(service.url).create_bucket(Bucket=BUCKET)
    yield service.url
    service.stop()


def s3(url: str, access_key: str = "testing", secret: str = "testing") -> Any:
    return boto3.client(
        "s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id=access_key,
        aws_secret_access_key=secret, config=Config(signature_version="s3v4"),
    )  # fmt: skip


def photo_upload(url: str, key: str | None = None, expires_in: int = 900, **client: str) -> dict[str, Any]:
    """The presigned POST the admin API hands out for one photo."""
    store = MediaStore(BUCKET, client=s3(url, **client))
    key = key or upload_key(str(ULID()), str(ULID()))
    upload = store.presigned_upload(key, "image/jpeg", MAX_BYTES, expires_in, datetime.now(UTC))
    return {"url": upload.url, "fields": dict(upload.fields)}


def send(upload: dict[str, Any], data: bytes = JPEG, **changes: str) -> requests.Response:
    """A browser form: the signed fields (with `changes`), then the file."""
    fields = {**upload["fields"], **changes}
    return requests.post(
        upload["url"], data=fields, files={"file": ("photo.jpg", data, "image/jpeg")}, timeout=10
    )


def keys(url: str) -> list[str]:
    return sorted(item["Key"] for item in s3(url).list_objects_v2(Bucket=BUCKET).get("Contents", []))


def error(response: requests.Response) -> tuple[int, str, str]:
    assert response.headers["Content-Type"] == "application/xml"
    code = re.search(r"<Code>(.*?)</Code>", response.text)
    message = re.search(r"<Message>(.*?)</Message>", response.text)
    assert code, response.text
    assert message, response.text
    return response.status_code, code.group(1), message.group(1).replace("&quot;", '"')


def refused_and_unchanged(url: str, response: requests.Response) -> tuple[int, str, str]:
    before = keys(url)
    assert response.status_code >= 400
    assert keys(url) == before
    return error(response)


def test_the_photos_own_post_is_stored_with_its_type(aws: str) -> None:
    # Given a photo's presigned POST
    upload = photo_upload(aws)

    # When the browser sends the file with exactly the signed fields
    response = send(upload)

    # Then S3 stores it under the photo's key, as the declared type
    assert response.status_code == 204, response.text
    stored = s3(aws).get_object(Bucket=BUCKET, Key=upload["fields"]["key"])
    assert stored["ContentType"] == "image/jpeg"
    assert stored["Body"].read() == JPEG


@pytest.mark.parametrize(
    "pattern",
    [
        "uploads/{}/{}",  # another photo's pending upload
        "media/{}/{}.html",  # served by the CDN from the reader page's origin
        "originals/{}/{}",
    ],
)
def test_another_key_is_refused(aws: str, pattern: str) -> None:
    # Given a photo's presigned POST
    upload = photo_upload(aws)
    key = pattern.format(ULID(), ULID())
    before = keys(aws)

    # When the form names another key
    response = send(upload, key=key)

    # Then S3 refuses it, naming the key condition, and writes nothing
    assert error(response) == (
        403,
        "AccessDenied",
        f'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "{upload["fields"]["key"]}"]',
    )
    assert keys(aws) == before


def test_an_html_page_under_media_cannot_be_uploaded(aws: str) -> None:
    # Given a photo's presigned POST
    upload = photo_upload(aws)
    before = keys(aws)

    # When the form asks for text/html
    response = send(upload, **{"Content-Type": "text/html"})

    # Then the type condition fails and nothing is written
    assert error(response) == (
        403,
        "AccessDenied",
        'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/jpeg"]',
    )
    assert keys(aws) == before


def test_a_file_over_the_limit_is_entity_too_large(aws: str) -> None:
    upload = photo_upload(aws)
    before = keys(aws)

    response = send(upload, data=b"x" * (MAX_BYTES + 1))

    assert error(response) == (400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
    assert f"<ProposedSize>{MAX_BYTES + 1}</ProposedSize>" in response.text
    assert f"<MaxSizeAllowed>{MAX_BYTES}</MaxSizeAllowed>" in response.text
    assert keys(aws) == before


def test_a_file_of_exactly_the_limit_is_stored(aws: str) -> None:
    upload = photo_upload(aws)

    response = send(upload, data=b"x" * MAX_BYTES)

    assert response.status_code == 204, response.text
    assert upload["fields"]["key"] in keys(aws)


def test_an_empty_file_is_entity_too_small(aws: str) -> None:
    upload = photo_upload(aws)
    before = keys(aws)

    response = send(upload, data=b"")

    assert error(response) == (
        400,
        "EntityTooSmall",
        "Your proposed upload is smaller than the minimum allowed size",
    )
    assert keys(aws) == before


def test_an_expired_policy_is_refused(aws: str) -> None:
    # Given a POST whose policy expired a minute ago
    upload = photo_upload(aws, expires_in=-60)

    # Then S3 says so
    assert refused_and_unchanged(aws, send(upload)) == (
        403,
        "AccessDenied",
        "Invalid according to Policy: Policy expired.",
    )


def test_a_tampered_policy_no_longer_matches_its_signature(aws: str) -> None:
    # Given a photo's POST whose policy is rewritten to allow any key, keeping the signature
    upload = photo_upload(aws)
    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))
    policy["conditions"] = [
        ["starts-with", "$key", ""] if isinstance(c, dict) and "key" in c else c for c in policy["conditions"]
    ]
    tampered = base64.b64encode(json.dumps(policy).encode()).decode()

    # When it is sent for a key under media/
    response = send(upload, policy=tampered, key=f"media/{ULID()}/index.html")

    # Then the signature does not match
    status, code, _ = refused_and_unchanged(aws, response)
    assert (status, code) == (403, "SignatureDoesNotMatch")


def test_a_wrong_signature_is_refused(aws: str) -> None:
    upload = photo_upload(aws)
    signature = upload["fields"]["x-amz-signature"]
    forged = ("0" if signature[0] != "0" else "1") + signature[1:]

    status, code, _ = refused_and_unchanged(aws, send(upload, **{"x-amz-signature": forged}))

    assert (status, code) == (403, "SignatureDoesNotMatch")


def test_a_policy_signed_with_an_unknown_key_is_refused(aws: str) -> None:
    upload = photo_upload(aws, access_key="AKIDSOMEONEELSE", secret="their-secret")

    status, code, _ = refused_and_unchanged(aws, send(upload))

    assert (status, code) == (403, "InvalidAccessKeyId")


@pytest.mark.parametrize("field", ["acl", "x-amz-meta-owner", "success_action_redirect"])
def test_a_field_the_policy_does_not_name_is_refused(aws: str, field: str) -> None:
    upload = photo_upload(aws)

    response = send(upload, **{field: "public-read"})

    assert refused_and_unchanged(aws, response) == (
        403,
        "AccessDenied",
        f"Invalid according to Policy: Extra input fields: {field}",
    )


def test_fields_s3_ignores_are_accepted(aws: str) -> None:
    # Given a photo's POST with an x-ignore- field, and a field after the file
    upload = photo_upload(aws)
    fields = [*upload["fields"].items(), ("x-ignore-tracking", "1")]
    files = [("file", ("photo.jpg", JPEG, "image/jpeg")), ("key", (None, f"media/{ULID()}/late.html"))]

    # When it is sent
    response = requests.post(upload["url"], data=fields, files=files, timeout=10)

    # Then the photo is stored under its own key: what follows the file plays no part
    assert response.status_code == 204, response.text
    assert upload["fields"]["key"] in keys(aws)
    assert not [key for key in keys(aws) if key.endswith("late.html")]


def test_a_form_without_policy_is_anonymous_and_denied(aws: str) -> None:
    response = requests.post(
        f"{aws}/{BUCKET}",
        data={"key": f"media/{ULID()}/index.html", "Content-Type": "text/html"},
        files={"file": ("index.html", b"<script>alert(1)</script>", "text/html")},
        timeout=10,
    )

    assert refused_and_unchanged(aws, response) == (403, "AccessDenied", "Access Denied")


def test_a_form_without_a_file_is_refused(aws: str) -> None:
    upload = photo_upload(aws)

    response = requests.post(
        upload["url"], files={**{k: (None, v) for k, v in upload["fields"].items()}}, timeout=10
    )

    assert refused_and_unchanged(aws, response) == (
        400,
        "InvalidArgument",
        "POST requires exactly one file upload per request.",
    )


def test_a_body_that_is_not_multipart_is_malformed(aws: str) -> None:
    response = requests.post(
        f"{aws}/{BUCKET}",
        data=b'--b\r\nContent-Disposition: form-data; name="key"\r\n\r\nmedia/x',  # never ends
        headers={"Content-Type": "multipart/form-data; boundary=b"},
        timeout=10,
    )

    status, code, _ = refused_and_unchanged(aws, response)
    assert (status, code) == (400, "MalformedPOSTRequest")


def test_a_form_posted_to_an_object_is_not_allowed(aws: str) -> None:
    upload = photo_upload(aws)

    response = requests.post(
        f"{upload['url']}/media/{ULID()}/index.html",
        data=upload["fields"],
        files={"file": ("photo.jpg", JPEG, "image/jpeg")},
        timeout=10,
    )

    status, code, _ = refused_and_unchanged(aws, response)
    assert (status, code) == (405, "MethodNotAllowed")


def test_an_invalid_condition_is_an_invalid_policy(aws: str) -> None:
    # Given a policy, signed with the local key, whose condition S3 cannot read
    upload = photo_upload(aws)
    fields = upload["fields"]
    policy = json.loads(base64.b64decode(fields["policy"]))
    policy["conditions"].append(["matches", "$key", ".*"])
    encoded = base64.b64encode(json.dumps(policy).encode()).decode()
    date = fields["x-amz-credential"].split("/")[1]
    signature = policy_signature(encoded, "testing", date, "us-east-1")

    # When it is sent
    response = send(upload, policy=encoded, **{"x-amz-signature": signature})

    # Then S3 says the policy is invalid
    status, code, message = refused_and_unchanged(aws, response)
    assert (status, code) == (400, "InvalidPolicyDocument")
    assert "matches" in message


def test_starts_with_and_filename_as_s3_applies_them(aws: str) -> None:
    # Given a POST for any key under a prefix, the file's name filling ${filename}
    prefix = f"uploads/{ULID()}/"
    post = s3(aws).generate_presigned_post(Bucket=BUCKET, Key=prefix + "${filename}", ExpiresIn=60)

    # When a file is sent under the prefix, and another outside it
    inside = requests.post(post["url"], data=post["fields"], files={"file": ("a.jpg", JPEG)}, timeout=10)
    outside = requests.post(
        post["url"],
        data={**post["fields"], "key": "media/${filename}"},
        files={"file": ("b.jpg", JPEG)},
        timeout=10,
    )

    # Then only the first is stored, under the name it was sent with
    assert inside.status_code == 204, inside.text
    assert prefix + "a.jpg" in keys(aws)
    assert error(outside)[:2] == (403, "AccessDenied")
    assert "media/b.jpg" not in keys(aws)


def test_a_refusal_leaves_the_connection_usable(aws: str) -> None:
    # Given one keep-alive connection
    with requests.Session() as browser:
        upload = photo_upload(aws)

        # When a refused upload is followed by an accepted one on it
        fields = {**upload["fields"], "key": f"media/{ULID()}/x"}
        refused = browser.post(upload["url"], data=fields, files={"file": ("p.jpg", JPEG)}, timeout=10)
        accepted = browser.post(
            upload["url"], data=upload["fields"], files={"file": ("p.jpg", JPEG)}, timeout=10
        )

    # Then both get their own answer
    assert refused.status_code == 403
    assert accepted.status_code == 204, accepted.text


def test_other_posts_to_a_bucket_still_reach_s3(aws: str) -> None:
    # Given two objects
    client = s3(aws)
    for key in ("tmp/a", "tmp/b"):
        client.put_object(Bucket=BUCKET, Key=key, Body=b"x")

    # When they are deleted with DeleteObjects, itself a POST to the bucket
    client.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "tmp/a"}, {"Key": "tmp/b"}]})

    # Then they are gone
    assert not [key for key in keys(aws) if key.startswith("tmp/")]
