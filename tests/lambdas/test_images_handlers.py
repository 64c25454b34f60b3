"""The image handlers with moto behind them: the event path (S3 event in, derivatives, a
record, failure reports), the on-demand path (API Gateway event in, binary answer out,
signatures) and the uploads API, on real generated images."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
import image_samples as samples
import pytest
import pyvips
from conftest import api_event
from images import signing
from lambda_harness import FAKE_AWS, REGION, FakeLambdaContext, fresh_module
from moto import mock_aws

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")

UPLOADS = "image-uploads"
DERIVATIVES = "image-derivatives"
TABLE = "image-metadata"
MAX_BYTES = 2 * 1024 * 1024


@dataclass
class ImageWorld:
    s3: Any
    sqs: Any
    dynamodb: Any
    queue_url: str
    secret_arn: str
    monkeypatch: pytest.MonkeyPatch

    def handler(self, name: str, **env: str) -> ModuleType:
        for key, value in env.items():
            self.monkeypatch.setenv(key, value)
        return fresh_module(f"images.{name}")

    def upload(self, image_id: str, data: bytes) -> dict[str, Any]:
        """Puts an upload and answers the S3 event its creation sends."""
        put = self.s3.put_object(Bucket=UPLOADS, Key=f"uploads/{image_id}", Body=data)
        return s3_event(f"uploads/{image_id}", put["VersionId"], len(data))

    def record(self, image_id: str) -> dict[str, Any] | None:
        table = boto3.resource("dynamodb", region_name=REGION).Table(TABLE)
        return table.get_item(Key={"id": image_id}).get("Item")

    def failures(self) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        ).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]

    def derived_keys(self, prefix: str = "derived/") -> list[str]:
        listed = self.s3.list_objects_v2(Bucket=DERIVATIVES, Prefix=prefix)
        return sorted(o["Key"] for o in listed.get("Contents", []))

    def signing_key(self) -> bytes:
        secrets = boto3.client("secretsmanager", region_name=REGION)
        return str(secrets.get_secret_value(SecretId=self.secret_arn)["SecretString"]).encode()


def s3_event(key: str, version_id: str, size: int) -> dict[str, Any]:
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventName": "ObjectCreated:Post",
                "s3": {
                    "bucket": {"name": UPLOADS, "arn": f"arn:aws:s3:::{UPLOADS}"},
                    "object": {"key": key, "size": size, "versionId": version_id},
                },
            }
        ]
    }


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[ImageWorld]:
    for key, value in FAKE_AWS.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (UPLOADS, DERIVATIVES):
            s3.create_bucket(Bucket=bucket)
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        sqs = boto3.client("sqs", region_name=REGION)
        queue_url = sqs.create_queue(QueueName="image-failures")["QueueUrl"]
        secret_arn = boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name="signing-key", SecretString="k" * 48
        )["ARN"]
        env = {
            "UPLOADS_BUCKET": UPLOADS,
            "DERIVATIVES_BUCKET": DERIVATIVES,
            "METADATA_TABLE": TABLE,
            "FAILURE_QUEUE_URL": queue_url,
            "MAX_UPLOAD_BYTES": str(MAX_BYTES),
            "SIGNING_KEY_ARN": secret_arn,
            "SIGNED_URLS": "false",
            "CDN_URL": "https://d111.cloudfront.net",
            "POWERTOOLS_SERVICE_NAME": "images",
            "POWERTOOLS_METRICS_NAMESPACE": "ServerlessReference/Images",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        yield ImageWorld(s3, sqs, dynamodb, queue_url, secret_arn, monkeypatch)


CONTEXT = FakeLambdaContext()


# -- the event path -------------------------------------------------------------------------


def test_an_upload_gets_its_derivatives_and_a_ready_record(world: ImageWorld) -> None:
    # GIVEN a 2400 x 1600 JPEG uploaded under uploads/
    handler = world.handler("derivatives_handler")
    event = world.upload("photo1", samples.jpeg(2400, 1600))

    # WHEN its S3 event arrives
    result = handler.lambda_handler(event, CONTEXT)

    # THEN three widths in three formats are in the derivatives bucket
    assert result == {"results": [{"key": "uploads/photo1", "status": "ready"}]}
    expected = [
        f"derived/photo1/{w}w.{ext}" for w in (1920, 320, 960) for ext in ("avif", "jpg", "webp")
    ]
    assert world.derived_keys() == sorted(expected)
    jpeg = world.s3.get_object(Bucket=DERIVATIVES, Key="derived/photo1/960w.jpg")
    assert jpeg["ContentType"] == "image/jpeg"
    assert pyvips.Image.new_from_buffer(jpeg["Body"].read(), "").width == 960
    # AND the record says what the image is and where its derivatives are
    record = world.record("photo1")
    assert record is not None
    assert record["status"] == "ready"
    assert (record["format"], record["width"], record["height"]) == ("jpeg", 2400, 1600)
    assert record["versionId"] == event["Records"][0]["s3"]["object"]["versionId"]
    assert sorted(d["key"] for d in record["derivatives"]) == sorted(expected)
    assert world.failures() == []


def test_the_same_object_version_twice_writes_nothing_new(world: ImageWorld) -> None:
    handler = world.handler("derivatives_handler")
    event = world.upload("again", samples.jpeg(800, 600))
    handler.lambda_handler(event, CONTEXT)
    versions_before = world.s3.list_object_versions(Bucket=DERIVATIVES)["Versions"]
    record_before = world.record("again")

    # WHEN the same event is delivered again (S3 and Lambda deliver at least once)
    result = handler.lambda_handler(event, CONTEXT)

    # THEN it is skipped: no new object versions, the record untouched
    assert result["results"][0]["status"] == "skipped"
    assert world.s3.list_object_versions(Bucket=DERIVATIVES)["Versions"] == versions_before
    assert world.record("again") == record_before


def test_a_new_version_of_the_object_is_processed_again(world: ImageWorld) -> None:
    handler = world.handler("derivatives_handler")
    handler.lambda_handler(world.upload("changed", samples.jpeg(800, 600)), CONTEXT)
    second = world.upload("changed", samples.jpeg(400, 300))
    assert handler.lambda_handler(second, CONTEXT)["results"][0]["status"] == "ready"
    record = world.record("changed")
    assert record is not None
    assert (record["width"], record["versionId"]) == (
        400,
        second["Records"][0]["s3"]["object"]["versionId"],
    )


@pytest.mark.parametrize(
    ("sample", "reason"),
    [
        (samples.text_named_jpg, "not an image in a supported format"),
        (samples.truncated_jpeg, "truncated or corrupt"),
        (samples.pixel_bomb, "20000 x 20000 pixels is more than"),
        (lambda: b"", "the file is empty"),
        (samples.svg, "svg images are not supported"),
    ],
    ids=["text-named-jpg", "truncated-jpeg", "pixel-bomb", "empty", "unsupported-format"],
)
def test_bad_uploads_are_recorded_failed_and_reported(
    world: ImageWorld, sample: Any, reason: str
) -> None:
    # GIVEN an upload that is not an image we can process
    handler = world.handler("derivatives_handler")
    event = world.upload("bad.jpg", sample())

    # WHEN its event arrives THEN the invocation succeeds (a retry could not fix it) ...
    assert handler.lambda_handler(event, CONTEXT)["results"][0]["status"] == "failed"

    # ... the record is failed with the reason, and the failure queue names the object
    record = world.record("bad.jpg")
    assert record is not None
    assert record["status"] == "failed"
    assert reason in record["reason"]
    version = event["Records"][0]["s3"]["object"]["versionId"]
    [message] = world.failures()
    assert message["bucket"] == UPLOADS
    assert message["key"] == "uploads/bad.jpg"
    assert message["versionId"] == version
    assert reason in message["reason"]
    assert world.derived_keys() == []
    # AND a repeated delivery reports nothing twice
    handler.lambda_handler(event, CONTEXT)
    assert world.failures() == []


def test_an_upload_over_the_limit_is_refused_without_reading_it(world: ImageWorld) -> None:
    handler = world.handler("derivatives_handler")
    event = world.upload("huge", samples.jpeg(200, 100))
    event["Records"][0]["s3"]["object"]["size"] = MAX_BYTES + 1
    handler.lambda_handler(event, CONTEXT)
    record = world.record("huge")
    assert record is not None
    assert "is more than the 2,097,152 allowed" in record["reason"]
    assert len(world.failures()) == 1


def test_keys_arrive_url_encoded(world: ImageWorld) -> None:
    handler = world.handler("derivatives_handler")
    world.s3.put_object(Bucket=UPLOADS, Key="uploads/my photo.jpg", Body=samples.jpeg(300, 200))
    version = world.s3.head_object(Bucket=UPLOADS, Key="uploads/my photo.jpg")["VersionId"]
    handler.lambda_handler(s3_event("uploads/my+photo.jpg", version, 1000), CONTEXT)
    record = world.record("my photo.jpg")
    assert record is not None
    assert record["status"] == "ready"


def test_an_unexpected_failure_raises_for_lambda_to_retry(world: ImageWorld) -> None:
    # GIVEN the derivatives bucket is gone (an infrastructure fault, not the image's)
    handler = world.handler("derivatives_handler", DERIVATIVES_BUCKET="no-such-bucket")
    event = world.upload("fine", samples.jpeg(300, 200))
    # THEN the handler raises: Lambda retries, then the on-failure destination gets the event
    with pytest.raises(Exception, match="NoSuchBucket"):
        handler.lambda_handler(event, CONTEXT)
    assert world.record("fine") is None
    assert world.failures() == []


# -- the on-demand path ---------------------------------------------------------------------


def transform_event(
    key: str, query: dict[str, str] | None = None, accept: str = "image/*"
) -> dict[str, Any]:
    event = api_event("GET", f"/images/{key}", query=query, headers={"Accept": accept})
    event["resource"] = "/images/{key+}"
    event["pathParameters"] = {"key": key}
    return event


def transform(
    handler: ModuleType, key: str, query: dict[str, str] | None = None, accept: str = "image/*"
) -> tuple[int, dict[str, str], bytes]:
    answer = handler.lambda_handler(transform_event(key, query, accept), CONTEXT)
    body = answer["body"]
    raw = base64.b64decode(body) if answer["isBase64Encoded"] else body.encode()
    return answer["statusCode"], answer["headers"], raw


def test_a_transform_answers_the_image_and_keeps_it(world: ImageWorld) -> None:
    world.s3.put_object(Bucket=UPLOADS, Key="uploads/pic", Body=samples.jpeg(1200, 800))
    handler = world.handler("transform_handler")

    # WHEN a resized WebP is asked for
    status, headers, body = transform(handler, "pic", {"w": "300", "format": "webp"})

    # THEN it is answered as binary with its type, long caching and an ETag
    assert status == 200
    assert headers["Content-Type"] == "image/webp"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["ETag"].startswith('"')
    assert "Vary" not in headers
    image = pyvips.Image.new_from_buffer(body, "")
    assert (image.width, image.height) == (300, 200)
    # AND the result is kept under derived/on-demand/
    [kept] = world.derived_keys("derived/on-demand/")
    assert kept.endswith(".webp")

    # WHEN the original goes and the same transform is asked again (a CloudFront miss)
    world.s3.delete_object(Bucket=UPLOADS, Key="uploads/pic")
    again = transform(handler, "pic", {"w": "300", "format": "webp"})
    # THEN the kept result answers, unchanged
    assert again[0] == 200
    assert again[2] == body
    assert again[1]["ETag"] == headers["ETag"]


def test_format_auto_varies_on_accept(world: ImageWorld) -> None:
    world.s3.put_object(Bucket=UPLOADS, Key="uploads/pic", Body=samples.jpeg(600, 400))
    handler = world.handler("transform_handler")
    for accept, content_type in (
        ("image/avif,image/webp,*/*", "image/avif"),
        ("image/webp,*/*", "image/webp"),
        ("*/*", "image/jpeg"),
    ):
        status, headers, _ = transform(handler, "pic", {"w": "100", "format": "auto"}, accept)
        assert (status, headers["Content-Type"], headers["Vary"]) == (200, content_type, "Accept")
    assert len(world.derived_keys("derived/on-demand/")) == 3


@pytest.mark.parametrize(
    ("key", "query", "status", "message"),
    [
        ("missing", {"w": "100"}, 404, "no such image"),
        ("pic", {"w": "zero"}, 400, "w must be a positive whole number"),
        ("pic", {"fit": "cover"}, 400, "fit=cover needs both w and h"),
        ("pic", {"format": "bmp"}, 400, "format must be auto or one of"),
        ("pic", {"q": "500"}, 400, "q must be a whole number from 1 to 100"),
        ("../etc/passwd", {}, 400, "the image key is not valid"),
        ("text", {"w": "100"}, 415, "not an image"),
        ("bomb", {"w": "100"}, 413, "20000 x 20000 pixels"),
        ("truncated", {"w": "100"}, 400, "truncated or corrupt"),
        ("toolarge", {"w": "100"}, 413, "larger than this service transforms"),
    ],
)
def test_bad_requests_are_4xx_cached_briefly(
    world: ImageWorld, key: str, query: dict[str, str], status: int, message: str
) -> None:
    for name, data in (
        ("pic", samples.jpeg(300, 200)),
        ("text", samples.text_named_jpg()),
        ("bomb", samples.pixel_bomb()),
        ("truncated", samples.truncated_jpeg()),
        ("toolarge", b"\0" * (MAX_BYTES + 1)),
    ):
        world.s3.put_object(Bucket=UPLOADS, Key=f"uploads/{name}", Body=data)
    handler = world.handler("transform_handler")
    got, headers, body = transform(handler, key, query)
    assert got == status
    assert message in json.loads(body)["message"]
    assert headers["Cache-Control"] == "public, max-age=10"
    assert world.derived_keys("derived/on-demand/") == []


def test_results_over_the_lambda_limit_are_stored_and_redirected(world: ImageWorld) -> None:
    # GIVEN an original whose PNG is far larger than a Lambda response may be
    world.s3.put_object(Bucket=UPLOADS, Key="uploads/noise", Body=samples.noise_jpeg())
    handler = world.handler("transform_handler", MAX_UPLOAD_BYTES=str(25 * 1024 * 1024))

    status, headers, body = transform(handler, "noise", {"format": "png"})

    # THEN the answer is a redirect to the stored result, which CloudFront serves
    assert status == 302
    assert body == b""
    [kept] = world.derived_keys("derived/on-demand/")
    assert headers["Location"] == f"/{kept}"
    stored = world.s3.get_object(Bucket=DERIVATIVES, Key=kept)
    assert stored["ContentLength"] > 6 * 1024 * 1024
    assert stored["ContentType"] == "image/png"


# -- signatures -----------------------------------------------------------------------------


@pytest.fixture
def signed(world: ImageWorld) -> ModuleType:
    world.s3.put_object(Bucket=UPLOADS, Key="uploads/pic", Body=samples.jpeg(600, 400))
    return world.handler("transform_handler", SIGNED_URLS="true")


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def test_a_signed_url_is_served(world: ImageWorld, signed: ModuleType) -> None:
    url = signing.signed_url(world.signing_key(), "https://cdn", "pic", w=200, format="jpeg")
    status, headers, _ = transform(signed, "pic", _query(url))
    assert (status, headers["Content-Type"]) == (200, "image/jpeg")


@pytest.mark.parametrize("case", ["missing", "tampered", "wrong-key", "other-image"])
def test_unsigned_or_forged_urls_are_403(world: ImageWorld, signed: ModuleType, case: str) -> None:
    key = b"another key entirely, not the stack's" if case == "wrong-key" else world.signing_key()
    image = "other" if case == "other-image" else "pic"
    query = _query(signing.signed_url(key, "https://cdn", image, w=200, format="jpeg"))
    if case == "missing":
        del query["sig"]
    if case == "tampered":
        query["w"] = "4000"
    status, headers, body = transform(signed, "pic", query)
    assert status == 403
    assert "signature" in json.loads(body)["message"]
    assert headers["Cache-Control"] == "public, max-age=10"
    assert world.derived_keys("derived/on-demand/") == []


def test_unsigned_urls_are_served_where_the_stage_turns_signatures_off(world: ImageWorld) -> None:
    world.s3.put_object(Bucket=UPLOADS, Key="uploads/pic", Body=samples.jpeg(600, 400))
    handler = world.handler("transform_handler", SIGNED_URLS="false")
    assert transform(handler, "pic", {"w": "200"})[0] == 200


# -- the uploads API ------------------------------------------------------------------------


def api_call(handler: ModuleType, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    event = api_event(method, path, body=None if body is None else json.dumps(body))
    if path.startswith("/images/"):
        event["resource"] = "/images/{id}"
        event["pathParameters"] = {"id": path.split("/", 2)[2]}
    answer = handler.lambda_handler(event, CONTEXT)
    return answer["statusCode"], json.loads(answer["body"]) if answer.get("body") else None


def test_post_uploads_answers_a_presigned_post_limited_to_the_type_and_size(
    world: ImageWorld,
) -> None:
    handler = world.handler("api_handler")
    status, ticket = api_call(
        handler, "POST", "/uploads", {"contentType": "image/png", "size": 1000}
    )
    assert status == 201
    assert ticket["key"] == f"uploads/{ticket['id']}"
    fields = ticket["upload"]["fields"]
    assert fields["key"] == ticket["key"]
    assert fields["Content-Type"] == "image/png"
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert {"Content-Type": "image/png"} in policy["conditions"]
    assert ["content-length-range", 1, MAX_BYTES] in policy["conditions"]
    assert ticket["maxBytes"] == MAX_BYTES


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"contentType": "text/plain"}, 415, "contentType"),
        ({"contentType": "image/heic"}, 415, "contentType"),
        ({"contentType": "application/pdf"}, 415, "contentType"),
        ({}, 400, "contentType"),
        ({"contentType": "image/jpeg", "size": MAX_BYTES + 1}, 413, "size"),
        ({"contentType": "image/jpeg", "size": 0}, 400, "size"),
        ({"contentType": "image/jpeg", "size": "big"}, 400, "size"),
        (["image/jpeg"], 400, "body"),
    ],
)
def test_post_uploads_refuses_what_it_cannot_take(
    world: ImageWorld, body: Any, status: int, field: str
) -> None:
    handler = world.handler("api_handler")
    got, answer = api_call(handler, "POST", "/uploads", body)
    assert (got, answer["field"]) == (status, field)
    assert answer["message"]


def test_get_images_lists_and_reads_records_with_their_urls(world: ImageWorld) -> None:
    world.handler("derivatives_handler").lambda_handler(
        world.upload("listed", samples.jpeg(500, 400)), CONTEXT
    )
    world.handler("derivatives_handler").lambda_handler(
        world.upload("broken", samples.text_named_jpg()), CONTEXT
    )
    handler = world.handler("api_handler", SIGNED_URLS="true")

    status, page = api_call(handler, "GET", "/images")
    assert status == 200
    assert {(i["id"], i["status"]) for i in page["images"]} == {
        ("listed", "ready"),
        ("broken", "failed"),
    }

    status, image = api_call(handler, "GET", "/images/listed")
    assert status == 200
    assert image["derivatives"][0]["url"].startswith("https://d111.cloudfront.net/derived/listed/")
    # The example transforms are signed with the stack's key
    thumbnail = image["transforms"]["thumbnail"]
    assert signing.verify(world.signing_key(), "/images/listed", _query(thumbnail))

    assert api_call(handler, "GET", "/images/nope")[0] == 404


def test_an_upload_ticket_is_pending_until_its_upload_is_processed(world: ImageWorld) -> None:
    # GIVEN an upload ticket issued
    api = world.handler("api_handler")
    status, ticket = api_call(api, "POST", "/uploads", {"contentType": "image/jpeg"})
    assert status == 201
    # THEN its record is pending, and expires unless the upload arrives
    status, pending = api_call(api, "GET", f"/images/{ticket['id']}")
    assert (status, pending["status"]) == (200, "pending")
    assert "versionId" not in pending
    stored = world.record(ticket["id"])
    assert stored is not None
    assert int(stored["expiresAt"]) > time.time()

    # WHEN the upload arrives and is processed THEN the record is ready, without expiry
    world.handler("derivatives_handler").lambda_handler(
        world.upload(ticket["id"], samples.jpeg(400, 300)), CONTEXT
    )
    ready = world.record(ticket["id"])
    assert ready is not None
    assert ready["status"] == "ready"
    assert "expiresAt" not in ready
