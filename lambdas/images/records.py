"""The metadata table: one record per image (its id is its key under ``uploads/``).

A record names the object version it describes; processing a version that is already recorded
writes nothing (``record`` is conditional), so a repeated S3 event or a retried invocation is
harmless. ``POST /uploads`` writes a ``pending`` record (no version yet) that expires after a
day unless the upload arrives and replaces it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from shared.pagination import Page, decode_cursor, encode_cursor, page_size

UPLOADS_PREFIX = "uploads/"


def image_id(key: str) -> str:
    return key.removeprefix(UPLOADS_PREFIX)


def valid_id(value: str) -> bool:
    return 0 < len(value) <= 512 and "\x00" not in value


PENDING_SECONDS = 86_400


@dataclass
class ImageRecord:
    id: str
    key: str
    version_id: str | None
    status: str  # pending | ready | failed
    created_at: str
    reason: str | None = None
    format: str | None = None
    width: int | None = None
    height: int | None = None
    frames: int | None = None
    bytes: int | None = None
    derivatives: list[dict[str, Any]] = field(default_factory=list)
    # Epoch seconds after which DynamoDB deletes a pending record (its time to live).
    expires_at: int | None = None

    def to_json(self) -> dict[str, Any]:
        document = {
            "id": self.id,
            "key": self.key,
            "versionId": self.version_id,
            "status": self.status,
            "createdAt": self.created_at,
            "reason": self.reason,
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "frames": self.frames,
            "bytes": self.bytes,
            "derivatives": self.derivatives,
            "expiresAt": self.expires_at,
        }
        return {k: v for k, v in document.items() if v is not None}

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> ImageRecord:
        plain = _plain(item)
        return cls(
            id=plain["id"],
            key=plain["key"],
            version_id=plain.get("versionId"),
            status=plain["status"],
            created_at=plain["createdAt"],
            reason=plain.get("reason"),
            format=plain.get("format"),
            width=plain.get("width"),
            height=plain.get("height"),
            frames=plain.get("frames"),
            bytes=plain.get("bytes"),
            derivatives=plain.get("derivatives") or [],
            expires_at=plain.get("expiresAt"),
        )


def _plain(value: Any) -> Any:
    """DynamoDB's Decimals back to ints."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class ImageRecords:
    def __init__(self, table: Any) -> None:
        """``table``: a boto3 DynamoDB ``Table`` resource."""
        self.table = table

    def get(self, record_id: str) -> ImageRecord | None:
        found = self.table.get_item(Key={"id": record_id}, ConsistentRead=True).get("Item")
        return ImageRecord.from_json(found) if found else None

    def record(self, record: ImageRecord) -> bool:
        """Store ``record`` unless its object version is already recorded; False if it was."""
        try:
            self.table.put_item(
                Item=record.to_json(),
                ConditionExpression=(
                    "attribute_not_exists(id) OR attribute_not_exists(versionId) "
                    "OR versionId <> :version"
                ),
                ExpressionAttributeValues={":version": record.version_id},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def pending(self, record_id: str, key: str, now: datetime.datetime) -> ImageRecord:
        """The record of an upload ticket just issued (ids are new: never overwrites)."""
        record = ImageRecord(
            id=record_id,
            key=key,
            version_id=None,
            status="pending",
            created_at=now.isoformat(timespec="seconds"),
            expires_at=int(now.timestamp()) + PENDING_SECONDS,
        )
        self.table.put_item(Item=record.to_json(), ConditionExpression="attribute_not_exists(id)")
        return record

    def list(self, *, limit: int, cursor: str | None) -> Page[ImageRecord]:
        after = decode_cursor(cursor, valid_id=valid_id)
        request: dict[str, Any] = {"Limit": page_size(limit)}
        if after is not None:
            request["ExclusiveStartKey"] = {"id": after}
        answer = self.table.scan(**request)
        items = [ImageRecord.from_json(item) for item in answer.get("Items", [])]
        last = answer.get("LastEvaluatedKey")
        return Page(items, encode_cursor(last["id"]) if last else None)
