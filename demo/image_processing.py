"""Image processing's demo step: a photo uploaded through a presigned POST becomes its
derivatives and a metadata record; a resize through the CDN; a text file posing as a JPEG
lands on the failure queue with its reason; S3 refuses an upload over the size limit."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import pyvips

from localcloud.__main__ import api_key_values
from localcloud.cloud import LocalCloud

from .checks import Http, Report, http, outputs_with, said

T = TypeVar("T")
WAIT_S = 60.0


def _eventually(check: Callable[[], T | None]) -> T | None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    return None


def _post_form(url: str, fields: dict[str, str], file: bytes) -> Http:
    """What a browser's upload form sends: the presigned fields, then the file."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f"--{boundary}\r\nContent-Disposition: form-data; "
        f'name="file"; filename="upload"\r\n\r\n'.encode()
        + file
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        url,
        data=b"".join(parts),
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Http(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Http(error.code, dict(error.headers), error.read())


def _photo() -> bytes:
    """A 3000 x 2000 photo-like JPEG (smooth colour fields, fine texture)."""
    width, height = 3000, 2000
    p = pyvips.Image.perlin(width, height, cell_size=256) * 0.7
    p = (p + pyvips.Image.perlin(width, height, cell_size=16) * 0.3 + 1) * 127
    x = pyvips.Image.xyz(width, height)
    image = p.bandjoin([p * 0.6 + x[0] * 100 / width, (255 - p) * 0.8 + x[1] * 50 / height])
    return bytes(image.cast("uchar").copy(interpretation="srgb").jpegsave_buffer(Q=90))


def run(cloud: LocalCloud, outputs: dict[str, dict[str, str]], report: Report) -> None:
    stack = outputs_with(outputs, "UploadsBucketName", "DerivativesBucketName", "CdnUrl")
    if stack is None:
        return
    report.section("Image processing: uploads to S3, Lambda derivatives, resizes behind CloudFront")
    api, cdn = stack["ImagesApiUrl"], stack["CdnUrl"]
    key = {"x-api-key": api_key_values(cloud)[stack["ApiKeyId"]]}

    def upload(data: bytes, content_type: str) -> tuple[str, Http]:
        ticket = http("POST", api + "uploads", {"contentType": content_type}, key).json()
        return ticket["id"], _post_form(ticket["upload"]["url"], ticket["upload"]["fields"], data)

    def record(image_id: str, status: str) -> dict[str, Any] | None:
        answer = http("GET", f"{api}images/{image_id}", headers=key)
        found = answer.json() if answer.status == 200 else None
        return found if found and found["status"] == status else None

    started = time.perf_counter()
    image_id, posted = upload(_photo(), "image/jpeg")
    report.check("POST /uploads, then the presigned POST to S3", posted.status == 204, said(posted))
    ready = _eventually(lambda: record(image_id, "ready"))
    took = time.perf_counter() - started
    report.check(
        "S3 -> Lambda wrote the derivatives and the record",
        ready is not None and len(ready["derivatives"]) == 9,
        (
            f"{ready['width']} x {ready['height']} {ready['format']} -> "
            + ", ".join(
                f"{d['width']}w.{d['format']} {d['bytes'] // 1024} KB"
                for d in ready["derivatives"]
                if d["width"] == 960
            )
            + f", ... ({len(ready['derivatives'])} files, {took:.1f} s from upload)"
            if ready
            else "no ready record"
        ),
    )
    if ready:
        largest = next(
            d for d in ready["derivatives"] if d["width"] == 1920 and d["format"] == "avif"
        )
        served = http("GET", cdn + largest["key"])
        report.check(
            "the CDN serves a derivative from the bucket (/derived/*, OAC)",
            served.status == 200 and served.headers.get("Content-Type") == "image/avif",
            f"{served.status} {served.headers.get('Content-Type')} {len(served.body) // 1024} KB",
        )
        url = f"{cdn}images/{image_id}?w=400&h=400&fit=cover&format=auto"
        first = http("GET", url, headers={"Accept": "image/avif,image/webp,*/*"})
        resized = pyvips.Image.new_from_buffer(first.body, "") if first.status == 200 else None
        report.check(
            "a resize through the CDN (w=400&h=400&fit=cover&format=auto)",
            resized is not None and (resized.width, resized.height) == (400, 400),
            f"{first.status} {first.headers.get('Content-Type')} (Accept chose it), "
            f"{len(first.body) // 1024} KB",
        )
        bad = http("GET", f"{cdn}images/{image_id}?w=0")
        report.check("a bad parameter is a 400, cached 10 s", bad.status == 400, said(bad))

    text_id, posted = upload(b"a shopping list, not a photo\n", "image/jpeg")
    sqs = cloud.emulator.client("sqs")

    def failure_report() -> dict[str, Any] | None:
        for message in sqs.receive_message(
            QueueUrl=stack["FailureQueueUrl"], MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", []):
            body = json.loads(message["Body"])
            if body.get("key") == f"uploads/{text_id}":
                return dict(body)
        return None

    found = _eventually(failure_report)
    report.check(
        "a text file uploaded as a JPEG lands on the failure queue",
        found is not None and "not an image" in found["reason"],
        f"{found['key']} v{found['versionId'][:8]}: {found['reason']}" if found else "no report",
    )
    _, too_big = upload(b"\xff\xd8" + bytes(26 * 1024 * 1024), "image/jpeg")
    report.check(
        "S3 refuses an upload over the presigned POST's 25 MB",
        too_big.status == 400 and b"EntityTooLarge" in too_big.body,
        f"{too_big.status} EntityTooLarge" if too_big.status == 400 else said(too_big),
    )
