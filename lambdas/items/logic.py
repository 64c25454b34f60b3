"""The items service's rules, in plain Python: no Lambda, no HTTP, just items and a table."""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from json_api import ValidationError, is_unicode_text

from .dal import ItemAlreadyExists, ItemTable
from .models import (
    MAX_VERSION,
    MIN_VERSION,
    IdempotencyKeyReused,
    Item,
    ItemFields,
    ItemNotFound,
)

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Ids are UUIDs the service generates; anything else cannot name an item.
_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1c62a4-49f5-4d0e-9a57-0f4f3f0e8d21")
_MAX_IDEMPOTENCY_KEY = 200


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Page:
    items: list[Item]
    next_cursor: str | None


class ItemService:
    def __init__(self, table: ItemTable, clock: Callable[[], str] = _now) -> None:
        self._table = table
        self._clock = clock

    def create(
        self,
        fields: ItemFields,
        *,
        idempotency_key: str | None = None,
        consumer: str | None = None,
    ) -> Item:
        """Store a new item. A retried request with the same idempotency key gets the same item.

        Keys are scoped to the consumer (the caller's API key), so two consumers never collide.
        """
        if idempotency_key is None:
            item_id = str(uuid.uuid4())
        else:
            if not 1 <= len(idempotency_key) <= _MAX_IDEMPOTENCY_KEY:
                raise ValidationError(
                    f"Idempotency-Key must be 1-{_MAX_IDEMPOTENCY_KEY} characters",
                    "Idempotency-Key",
                )
            if not is_unicode_text(idempotency_key):
                raise ValidationError(
                    "Idempotency-Key must be valid Unicode text", "Idempotency-Key"
                )
            scoped_key = f"{consumer or ''}:{idempotency_key}"
            item_id = str(uuid.uuid5(_IDEMPOTENCY_NAMESPACE, scoped_key))
        now = self._clock()
        item = Item(
            id=item_id,
            name=fields.name,
            description=fields.description,
            price=fields.price,
            tags=fields.tags,
            version=1,
            created_at=now,
            updated_at=now,
        )
        try:
            self._table.create(item)
        except ItemAlreadyExists:
            existing = self._table.get(item_id)
            if existing is not None and _fields_of(existing) == fields:
                return existing
            raise IdempotencyKeyReused(item_id) from None
        return item

    def get(self, item_id: str) -> Item:
        item = self._table.get(item_id) if _ID.match(item_id) else None
        if item is None:
            raise ItemNotFound(item_id)
        return item

    def update(self, item_id: str, fields: ItemFields, *, expected_version: int) -> Item:
        if not _ID.match(item_id):
            raise ItemNotFound(item_id)
        return self._table.update(
            item_id, fields, expected_version=expected_version, updated_at=self._clock()
        )

    def delete(self, item_id: str, *, expected_version: int | None = None) -> None:
        # The same range PUT's schema enforces: a version outside it can match nothing, and a
        # number past 38 digits would make DynamoDB reject the request outright.
        if expected_version is not None and not MIN_VERSION <= expected_version <= MAX_VERSION:
            raise ValidationError(
                f"version must be an integer from {MIN_VERSION} to {MAX_VERSION}", "version"
            )
        if not _ID.match(item_id):
            raise ItemNotFound(item_id)
        self._table.delete(item_id, expected_version=expected_version)

    def list(self, *, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None) -> Page:
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValidationError(f"limit must be between 1 and {MAX_PAGE_SIZE}", "limit")
        items, last_id = self._table.page(limit=limit, start_id=_decode_cursor(cursor))
        return Page(items, _encode_cursor(last_id) if last_id else None)


def _fields_of(item: Item) -> ItemFields:
    return ItemFields(
        name=item.name, description=item.description, price=item.price, tags=item.tags
    )


# The cursor is opaque to clients: the last id of the page, base64url-encoded JSON.
def _encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"id": last_id}).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        last_id = decoded["id"]
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeError, RecursionError):
        # RecursionError: a few KB of "[" is a cursor a URL can carry, too deep for json.loads.
        last_id = None
    if not isinstance(last_id, str) or not _ID.match(last_id):
        raise ValidationError("cursor is not valid: use nextCursor from a previous page", "cursor")
    return last_id
