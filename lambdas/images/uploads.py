"""Uploads go straight to S3: ``POST /uploads`` answers a presigned POST that S3 accepts only
for the content type asked for (an image type) and up to the configured size."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from .records import UPLOADS_PREFIX

# What an upload may declare. Not HEIC: this libvips build cannot encode HEVC, and whether it
# decodes it could not be verified (README, "Image processing").
IMAGE_TYPES = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "image/avif",
    "image/tiff",
}
PRESIGNED_SECONDS = 900


class UploadRefused(ValueError):
    def __init__(self, status: int, message: str, field: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


@dataclass(frozen=True)
class UploadTicket:
    id: str
    key: str
    url: str
    fields: dict[str, str]
    max_bytes: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "upload": {"url": self.url, "fields": self.fields},
            "maxBytes": self.max_bytes,
            "expiresIn": PRESIGNED_SECONDS,
        }


def presigned_upload(
    s3: Any, *, bucket: str, body: Any, max_bytes: int, new_id: str | None = None
) -> UploadTicket:
    """A presigned POST for one image; :class:`UploadRefused` (400, 413, 415) otherwise."""
    if not isinstance(body, dict):
        raise UploadRefused(400, "the body must be a JSON object", "body")
    content_type = body.get("contentType")
    if not isinstance(content_type, str) or not content_type:
        raise UploadRefused(400, "contentType is required (an image media type)", "contentType")
    content_type = content_type.strip().lower()
    if content_type not in IMAGE_TYPES:
        raise UploadRefused(
            415,
            f"{content_type} is not accepted; send one of {', '.join(sorted(IMAGE_TYPES))}",
            "contentType",
        )
    size = body.get("size")
    if size is not None:
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise UploadRefused(400, "size must be a positive number of bytes", "size")
        if size > max_bytes:
            raise UploadRefused(413, f"size is over the {max_bytes:,} bytes allowed", "size")
    image_id = new_id or uuid.uuid4().hex
    key = UPLOADS_PREFIX + image_id
    post = s3.generate_presigned_post(
        Bucket=bucket,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=PRESIGNED_SECONDS,
    )
    return UploadTicket(image_id, key, post["url"], dict(post["fields"]), max_bytes)
