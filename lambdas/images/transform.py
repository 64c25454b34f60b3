"""The on-demand path's service: a signed (or, where the stage allows, unsigned) request for a
transform of an upload answers its result, from the derivatives bucket if it was made before.
Knows nothing of Lambda or API Gateway: it answers :class:`Answer` values."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from . import pipeline, signing
from .records import UPLOADS_PREFIX

ON_DEMAND_PREFIX = "derived/on-demand/"
# Lambda answers at most 6 MB, API Gateway's base64 of a binary body is 4/3 of it: larger
# results are stored and redirected to (CloudFront serves them from the bucket).
INLINE_LIMIT = 4 * 1024 * 1024
RESULT_CACHING = "public, max-age=31536000, immutable"
REDIRECT_CACHING = "public, max-age=3600"
# Errors are cached briefly: a corrected URL or a late upload is served soon.
ERROR_CACHING = "public, max-age=10"


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # An error's message (the body is it, as JSON).
    message: str | None = None


class Refused(Exception):
    """A request answered with an error (``answer``) before any work."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.message)
        self.answer = answer


def error(status: int, message: str) -> Answer:
    return Answer(
        status,
        {"Content-Type": "application/json", "Cache-Control": ERROR_CACHING},
        json.dumps({"message": message}).encode(),
        message,
    )


class TransformService:
    def __init__(
        self,
        *,
        s3: Any,
        uploads_bucket: str,
        derivatives_bucket: str,
        signing_key: bytes | None,
        max_upload_bytes: int,
    ) -> None:
        """``signing_key`` None: signatures are not required (a stage that turns them off)."""
        self.s3 = s3
        self.uploads_bucket = uploads_bucket
        self.derivatives_bucket = derivatives_bucket
        self.signing_key = signing_key
        self.max_upload_bytes = max_upload_bytes

    def answer(self, image_key: str, params: Mapping[str, str], accept: str | None) -> Answer:
        try:
            return self._answer(image_key, params, accept)
        except Refused as refusal:
            return refusal.answer

    def _answer(self, image_key: str, params: Mapping[str, str], accept: str | None) -> Answer:
        request = self._request(image_key, params, accept)
        source = UPLOADS_PREFIX + image_key
        extension, content_type = pipeline.FORMATS[request.format]
        result_key = f"{ON_DEMAND_PREFIX}{request.digest(source)}.{extension}"
        vary = {"Vary": "Accept"} if request.auto else {}
        stored = self._stored(result_key)
        if stored is not None:
            return self._deliver(result_key, stored, content_type, vary)
        try:
            result = pipeline.transform(self._original(source), request)
        except pipeline.BadImage as bad:
            raise Refused(error(bad.status, bad.reason)) from None
        self.s3.put_object(
            Bucket=self.derivatives_bucket,
            Key=result_key,
            Body=result.body,
            ContentType=result.content_type,
            CacheControl=RESULT_CACHING,
        )
        return self._deliver(result_key, result.body, result.content_type, vary)

    def _request(
        self, image_key: str, params: Mapping[str, str], accept: str | None
    ) -> pipeline.TransformRequest:
        """The checked request: 400 for a bad key or parameter, 403 for a missing or wrong
        signature where signatures are required."""
        if not image_key or ".." in image_key.split("/"):
            raise Refused(error(400, "the image key is not valid"))
        try:
            request = pipeline.parse_transform(dict(params), accept)
        except pipeline.BadParameter as bad:
            raise Refused(error(400, bad.reason)) from None
        if self.signing_key is not None:
            if not params.get(signing.SIGNATURE_PARAMETER):
                raise Refused(error(403, "this URL needs its signature (sig)"))
            if not signing.verify(self.signing_key, signing.image_path(image_key), params):
                raise Refused(error(403, "the signature (sig) does not match this URL"))
        return request

    def _stored(self, key: str) -> bytes | None:
        try:
            answer = self.s3.get_object(Bucket=self.derivatives_bucket, Key=key)
        except ClientError as failure:
            if failure.response["Error"]["Code"] in ("NoSuchKey", "404"):
                return None
            raise
        body: bytes = answer["Body"].read()
        return body

    def _original(self, key: str) -> bytes:
        try:
            head = self.s3.head_object(Bucket=self.uploads_bucket, Key=key)
        except ClientError as failure:
            if failure.response["Error"]["Code"] in ("NoSuchKey", "404", "NotFound"):
                raise Refused(error(404, "no such image")) from None
            raise
        if int(head["ContentLength"]) > self.max_upload_bytes:
            raise Refused(error(413, "the original is larger than this service transforms"))
        body: bytes = self.s3.get_object(Bucket=self.uploads_bucket, Key=key)["Body"].read()
        return body

    def _deliver(self, key: str, body: bytes, content_type: str, vary: dict[str, str]) -> Answer:
        if len(body) > INLINE_LIMIT:
            # Relative: the redirect stays on the CDN, whose /derived/* reads the bucket.
            return Answer(302, {"Location": f"/{key}", "Cache-Control": REDIRECT_CACHING, **vary})
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        return Answer(
            200,
            {
                "Content-Type": content_type,
                "Cache-Control": RESULT_CACHING,
                "ETag": etag,
                **vary,
            },
            body,
        )
