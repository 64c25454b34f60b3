"""Image processing on the local cloud, deployed from its synthesized template: an upload
through a presigned POST becomes derivatives and a record, the resize API answers through
the local API and the local CDN, and a bad upload lands on the failure queue with its reason.
Waits poll for a state with a generous deadline; nothing asserts on time."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
import pyvips

from localcloud.__main__ import api_key_values
from localcloud.cloud import LocalCloud
from tests.lambdas import image_samples as samples

from ._http import Answer, post_form, request

T = TypeVar("T")
WAIT_S = 60.0


def eventually(check: Callable[[], T | None], what: str) -> T:
    deadline = time.monotonic() + WAIT_S
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


@dataclass(frozen=True)
class Images:
    api: str
    key: str
    cdn: str
    transform_api: str
    uploads_bucket: str
    derivatives_bucket: str
    failure_queue: str
    cloud: LocalCloud

    def call(self, method: str, path: str, body: Any = None) -> Answer:
        return request(method, self.api + path, json_body=body, headers={"x-api-key": self.key})

    def upload(self, data: bytes, content_type: str = "image/jpeg") -> tuple[str, Answer]:
        ticket = self.call("POST", "uploads", {"contentType": content_type})
        assert ticket.status == 201, ticket.body
        issued = ticket.json()
        return issued["id"], post_form(issued["upload"]["url"], issued["upload"]["fields"], data)

    def record(self, image_id: str) -> dict[str, Any] | None:
        answer = self.call("GET", f"images/{image_id}")
        return answer.json() if answer.status == 200 else None

    def client(self, service: str) -> Any:
        return self.cloud.emulator.client(service)


@pytest.fixture(scope="module")
def images(local_cloud: LocalCloud, outputs: dict[str, dict[str, str]]) -> Images:
    stack = outputs["ImageProcessing-dev"]
    return Images(
        api=stack["ImagesApiUrl"],
        key=api_key_values(local_cloud)[stack["ApiKeyId"]],
        cdn=stack["CdnUrl"],
        transform_api=stack["TransformApiUrl"],
        uploads_bucket=stack["UploadsBucketName"],
        derivatives_bucket=stack["DerivativesBucketName"],
        failure_queue=stack["FailureQueueUrl"],
        cloud=local_cloud,
    )


@pytest.fixture(scope="module")
def photo(images: Images) -> dict[str, Any]:
    """A 2400 x 1600 JPEG uploaded through the presigned POST, processed."""
    image_id, posted = images.upload(samples.jpeg(2400, 1600))
    assert posted.status == 204, posted.body
    return eventually(
        lambda: (r := images.record(image_id)) and r["status"] == "ready" and r,
        "the upload's derivatives",
    )


def test_an_upload_gets_derivatives_and_a_record(images: Images, photo: dict[str, Any]) -> None:
    assert (photo["format"], photo["width"], photo["height"]) == ("jpeg", 2400, 1600)
    assert photo["versionId"] != "null"
    assert {(d["width"], d["format"]) for d in photo["derivatives"]} == {
        (w, f) for w in (320, 960, 1920) for f in ("jpeg", "webp", "avif")
    }
    # Every derivative is in the bucket, and served by the local CDN through its /derived/*
    for derivative in photo["derivatives"]:
        served = request("GET", images.cdn + derivative["key"])
        assert served.status == 200, derivative
        assert served.headers["Content-Type"] == f"image/{derivative['format']}"
        image = pyvips.Image.new_from_buffer(served.body, "")
        assert image.width == derivative["width"]
    listed = images.call("GET", "images").json()["images"]
    assert photo["id"] in {i["id"] for i in listed}


def test_the_records_urls_open_on_the_local_cdn(images: Images, photo: dict[str, Any]) -> None:
    # GIVEN a ready record, whose function names the CDN by its cloudfront.net domain
    # WHEN a local client follows the URLs GET /images/{id} gives
    # THEN they are the local CDN's, and serve the derivative and the example transforms
    urls = [d["url"] for d in photo["derivatives"]] + list(photo["transforms"].values())
    assert len(urls) == 9 + 2
    assert all(url.startswith(images.cdn) for url in urls), urls
    for url in (photo["derivatives"][0]["url"], photo["transforms"]["thumbnail"]):
        served = request("GET", url, headers={"Accept": "image/webp"})
        assert served.status == 200, (url, served.body[:200])
        assert served.headers["Content-Type"].startswith("image/")


def test_resizes_through_the_local_api_and_the_local_cdn(
    images: Images, photo: dict[str, Any]
) -> None:
    path = f"images/{photo['id']}?w=500&h=500&fit=cover&format=webp"
    direct = request("GET", images.transform_api + path)
    assert direct.status == 200
    assert direct.headers["Content-Type"] == "image/webp"
    image = pyvips.Image.new_from_buffer(direct.body, "")
    assert (image.width, image.height) == (500, 500)
    # The CDN answers the same bytes (the result kept by the first request)
    via_cdn = request("GET", images.cdn + path)
    assert (via_cdn.status, via_cdn.body) == (200, direct.body)
    # format=auto follows Accept and says so
    auto = request(
        "GET",
        images.cdn + f"images/{photo['id']}?w=300&format=auto",
        headers={"Accept": "image/avif"},
    )
    assert (auto.status, auto.headers["Content-Type"], auto.headers["Vary"]) == (
        200,
        "image/avif",
        "Accept",
    )
    kept = images.client("s3").list_objects_v2(
        Bucket=images.derivatives_bucket, Prefix="derived/on-demand/"
    )
    assert len(kept["Contents"]) >= 2


def test_bad_transform_requests_are_4xx(images: Images, photo: dict[str, Any]) -> None:
    missing = request("GET", images.cdn + "images/no-such-image?w=100")
    assert missing.status == 404
    assert missing.headers["Cache-Control"] == "public, max-age=10"
    bad = request("GET", images.cdn + f"images/{photo['id']}?w=-1")
    assert bad.status == 400
    assert "w must be" in bad.json()["message"]


def test_a_non_image_upload_lands_on_the_failure_queue_with_its_reason(images: Images) -> None:
    # GIVEN a text file uploaded as a JPEG (the content type is all S3 can check)
    image_id, posted = images.upload(samples.text_named_jpg())
    assert posted.status == 204
    sqs = images.client("sqs")

    def report() -> dict[str, Any] | None:
        for message in sqs.receive_message(
            QueueUrl=images.failure_queue, MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", []):
            body = json.loads(message["Body"])
            if body.get("key") == f"uploads/{image_id}":
                return body
        return None

    # THEN the failure queue names the object and the reason, and the record is failed
    message = eventually(report, "the failure report")
    assert message["bucket"] == images.uploads_bucket
    assert message["versionId"]
    assert "not an image" in message["reason"]
    record = images.record(image_id)
    assert record is not None
    assert (record["status"], record["reason"]) == ("failed", message["reason"])


def test_s3_refuses_uploads_the_presigned_post_does_not_allow(images: Images) -> None:
    # Over the configured 25 MB
    _, too_big = images.upload(b"\xff\xd8" + b"\0" * (25 * 1024 * 1024))
    assert too_big.status == 400
    assert b"EntityTooLarge" in too_big.body
    # Not an image type: the API refuses to presign
    refused = images.call("POST", "uploads", {"contentType": "application/pdf"})
    assert refused.status == 415
    assert refused.json()["field"] == "contentType"


def test_an_unexpected_failure_is_retried_then_sent_to_the_failure_queue(
    images: Images, outputs: dict[str, dict[str, str]]
) -> None:
    # GIVEN an S3 event for an upload that is gone (an error no image explains: it raises)
    key = f"uploads/gone-{time.time_ns()}"
    event = {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": images.uploads_bucket},
                    "object": {"key": key, "size": 10, "versionId": "v-gone"},
                },
            }
        ]
    }
    functions = images.client("lambda").list_functions()["Functions"]
    [derivatives] = [
        f["FunctionName"] for f in functions if "ImagesDerivativesFunction" in f["FunctionName"]
    ]
    # WHEN S3 would invoke it: asynchronously
    images.client("lambda").invoke(
        FunctionName=derivatives, InvocationType="Event", Payload=json.dumps(event).encode()
    )
    sqs = images.client("sqs")

    def destination_record() -> dict[str, Any] | None:
        for message in sqs.receive_message(
            QueueUrl=images.failure_queue, MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", []):
            body = json.loads(message["Body"])
            records = (body.get("requestPayload") or {}).get("Records") or [{}]
            if records[0].get("s3", {}).get("object", {}).get("key") == key:
                return dict(body)
        return None

    # THEN after Lambda's two retries, the on-failure destination has the event and the error
    record = eventually(destination_record, "the on-failure destination's record")
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    s3 = record["requestPayload"]["Records"][0]["s3"]
    assert (s3["bucket"]["name"], s3["object"]["versionId"]) == (images.uploads_bucket, "v-gone")
    assert "NoSuchVersion" in record["responsePayload"]["errorMessage"]
