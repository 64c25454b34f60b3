"""The items service's rules, in plain Python: no Lambda, no HTTP, just items and a table."""

from __future__ import annotations

from collections.abc import Callable

from shared.concurrency import AlreadyExists, IdempotencyKeyReused
from shared.ids import is_id, new_id, utc_now
from shared.pagination import (
    DEFAULT_PAGE_SIZE,
    Page,
    decode_cursor,
    encode_cursor,
    page_size,
)

from .dal import ItemTable
from .models import KIND, VERSIONS, Item, ItemFields, ItemNotFound

__all__ = ["DEFAULT_PAGE_SIZE", "ItemService"]


class ItemService:
    def __init__(self, table: ItemTable, clock: Callable[[], str] = utc_now) -> None:
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
        item_id = new_id(idempotency_key, scope=consumer or "")
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
        except AlreadyExists:
            existing = self._table.get(item_id)
            if existing is not None and _fields_of(existing) == fields:
                return existing
            raise IdempotencyKeyReused(KIND, item_id) from None
        return item

    def get(self, item_id: str) -> Item:
        item = self._table.get(item_id) if is_id(item_id) else None
        if item is None:
            raise ItemNotFound(item_id)
        return item

    def update(self, item_id: str, fields: ItemFields, *, expected_version: int) -> Item:
        if not is_id(item_id):
            raise ItemNotFound(item_id)
        return self._table.update(
            item_id, fields, expected_version=expected_version, updated_at=self._clock()
        )

    def delete(self, item_id: str, *, expected_version: int | None = None) -> None:
        # A version outside the schema's range can match nothing, and a number past 38 digits
        # would make DynamoDB reject the request outright.
        VERSIONS.check(expected_version)
        if not is_id(item_id):
            raise ItemNotFound(item_id)
        self._table.delete(item_id, expected_version=expected_version)

    def list(self, *, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None) -> Page[Item]:
        size = page_size(limit)
        items, last_id = self._table.page(
            limit=size, start_id=decode_cursor(cursor, valid_id=is_id)
        )
        return Page(items, encode_cursor(last_id))


def _fields_of(item: Item) -> ItemFields:
    return ItemFields(
        name=item.name, description=item.description, price=item.price, tags=item.tags
    )
