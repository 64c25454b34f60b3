"""The event path's service: an uploaded object version becomes derivatives and a record, or a
``failed`` record and a message on the failure queue. Knows nothing of Lambda."""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from . import pipeline
from .records import ImageRecord, ImageRecords, image_id

DERIVED_PREFIX = "derived/"


@dataclass(frozen=True)
class Upload:
    bucket: str
    key: str
    version_id: str
    size: int


@dataclass(frozen=True)
class Outcome:
    status: str  # ready | failed | skipped
    record: ImageRecord | None = None


def derivative_key(record_id: str, encoded: pipeline.Encoded) -> str:
    return f"{DERIVED_PREFIX}{record_id}/{encoded.width}w.{encoded.extension}"


class DerivativesService:
    def __init__(
        self,
        *,
        s3: Any,
        sqs: Any,
        records: ImageRecords,
        derivatives_bucket: str,
        failure_queue_url: str,
        widths: Sequence[int],
        max_upload_bytes: int,
    ) -> None:
        self.s3 = s3
        self.sqs = sqs
        self.records = records
        self.derivatives_bucket = derivatives_bucket
        self.failure_queue_url = failure_queue_url
        self.widths = tuple(widths)
        self.max_upload_bytes = max_upload_bytes

    def process(self, upload: Upload) -> Outcome:
        record_id = image_id(upload.key)
        existing = self.records.get(record_id)
        if existing is not None and existing.version_id == upload.version_id:
            return Outcome("skipped", existing)
        now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        base: dict[str, Any] = {
            "id": record_id,
            "key": upload.key,
            "version_id": upload.version_id,
            "created_at": now,
            "bytes": upload.size,
        }
        try:
            if upload.size > self.max_upload_bytes:
                raise pipeline.ImageTooLarge(
                    f"{upload.size:,} bytes is more than the {self.max_upload_bytes:,} allowed"
                )
            data = self._original(upload)
            info = pipeline.inspect(data)
            encoded = pipeline.derivatives(data, self.widths)
        except pipeline.BadImage as bad:
            failed = ImageRecord(status="failed", reason=bad.reason, **base)
            if self.records.record(failed):
                self._report(upload, bad.reason)
            return Outcome("failed", failed)
        derivatives = self._store(record_id, encoded)
        ready = ImageRecord(
            status="ready",
            format=info.format,
            width=info.width,
            height=info.height,
            frames=info.frames,
            derivatives=derivatives,
            **base,
        )
        self.records.record(ready)
        return Outcome("ready", ready)

    def _original(self, upload: Upload) -> bytes:
        extra = {"VersionId": upload.version_id} if upload.version_id != "null" else {}
        answer = self.s3.get_object(Bucket=upload.bucket, Key=upload.key, **extra)
        body: bytes = answer["Body"].read()
        return body

    def _store(self, record_id: str, encoded: list[pipeline.Encoded]) -> list[dict[str, Any]]:
        def put(item: pipeline.Encoded) -> dict[str, Any]:
            key = derivative_key(record_id, item)
            self.s3.put_object(
                Bucket=self.derivatives_bucket,
                Key=key,
                Body=item.body,
                ContentType=item.content_type,
                CacheControl="public, max-age=31536000, immutable",
            )
            return {
                "key": key,
                "width": item.width,
                "height": item.height,
                "format": item.format,
                "bytes": len(item.body),
            }

        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(put, encoded))

    def _report(self, upload: Upload, reason: str) -> None:
        self.sqs.send_message(
            QueueUrl=self.failure_queue_url,
            MessageBody=json.dumps(
                {
                    "bucket": upload.bucket,
                    "key": upload.key,
                    "versionId": upload.version_id,
                    "reason": reason,
                }
            ),
        )
