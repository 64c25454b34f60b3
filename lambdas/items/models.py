"""What an item is, and how a request body becomes one (or a clear validation error).

The JSON schemas in ``schemas/`` are both API Gateway's request models and this module's
validators (``shared.validation``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from shared.concurrency import NotFound
from shared.schemas import RecordSchemas
from shared.validation import ValidationError, unicode_text

SCHEMAS = Path(__file__).parent / "schemas"
KIND = "item"


class ItemNotFound(NotFound):
    def __init__(self, item_id: str) -> None:
        super().__init__(KIND, item_id)


_SCHEMAS = RecordSchemas(SCHEMAS, KIND)
VERSIONS = _SCHEMAS.versions


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
    return ItemFields.from_body(_SCHEMAS.new(data))


def item_update(data: Any) -> tuple[ItemFields, int]:
    """Returns the new fields and the version the client last read."""
    valid, version = _SCHEMAS.changed(data)
    return ItemFields.from_body(valid), version


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
