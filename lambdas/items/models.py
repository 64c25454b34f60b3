"""What an item is, and how a request body becomes one (or a clear validation error).

The JSON schemas in ``schemas/`` are the single source of truth: API Gateway validates requests
with them before the function runs, and this module validates with the same files again, so a
direct invocation or a misconfigured API cannot store a bad item.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from json_api import ValidationError, body_validator, unicode_text

SCHEMAS = Path(__file__).parent / "schemas"


class ItemNotFound(LookupError):
    def __init__(self, item_id: str) -> None:
        super().__init__(f"item {item_id} not found")
        self.item_id = item_id


class Conflict(Exception):
    """The request contradicts what is stored (HTTP 409)."""


class VersionConflict(Conflict):
    """The client's version is not the stored one: someone else changed the item first."""

    def __init__(self, item_id: str, expected: int, current: int) -> None:
        super().__init__(
            f"item {item_id} is at version {current}, not {expected}: read it again and retry"
        )
        self.current = current


class IdempotencyKeyReused(Conflict):
    def __init__(self, item_id: str) -> None:
        super().__init__(
            f"Idempotency-Key was already used to create item {item_id} with other content"
        )


# Compiled once per execution environment: validating a body then costs microseconds.
_validate_create = body_validator(SCHEMAS / "item_create.json")
_validate_update = body_validator(SCHEMAS / "item_update.json")
_UPDATE_SCHEMA = json.loads((SCHEMAS / "item_update.json").read_text())
# A version counts updates. Past 2**53 - 1 JavaScript clients cannot hold it exactly, and past
# 38 digits DynamoDB cannot store it, so the schema caps it and DELETE ?version= obeys that too.
MIN_VERSION: int = _UPDATE_SCHEMA["properties"]["version"]["minimum"]
MAX_VERSION: int = _UPDATE_SCHEMA["properties"]["version"]["maximum"]


@dataclass(frozen=True, kw_only=True)
class ItemFields:
    """The part of an item that clients write."""

    name: str
    description: str | None = None
    price: Decimal | None = None
    tags: list[str] = field(default_factory=list)

    @classmethod
    def from_body(cls, data: dict[str, Any]) -> ItemFields:
        description = data.get("description")
        return cls(
            name=unicode_text(data["name"], "name"),
            description=None if description is None else unicode_text(description, "description"),
            price=_price(data.get("price")),
            tags=[unicode_text(tag, f"tags.{n}") for n, tag in enumerate(data.get("tags", []))],
        )


def _price(value: Any) -> Decimal | None:
    if value is None:
        return None
    price = Decimal(value)
    exponent = price.normalize().as_tuple().exponent
    # A price is money: cents at most. This also keeps every price within DynamoDB's precision.
    if isinstance(exponent, int) and exponent < -2:
        raise ValidationError("body.price must have at most 2 decimal places", "price")
    return price


def new_item_fields(data: Any) -> ItemFields:
    return ItemFields.from_body(_validate_create(data))


def item_update(data: Any) -> tuple[ItemFields, int]:
    """Returns the new fields and the version the client last read."""
    valid = _validate_update(data)
    return ItemFields.from_body(valid), int(valid["version"])


@dataclass(frozen=True, kw_only=True)
class Item(ItemFields):
    id: str
    version: int
    created_at: str
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "tags": list(self.tags),
            "version": self.version,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }
        if self.description is not None:
            body["description"] = self.description
        if self.price is not None:
            # JSON has one number type: integral prices print as integers, others as floats.
            integral = self.price == self.price.to_integral_value()
            body["price"] = int(self.price) if integral else float(self.price)
        return body
