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

import fastjsonschema

SCHEMAS = Path(__file__).parent / "schemas"


class ValidationError(ValueError):
    """The request is malformed; ``field`` names the offending part when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


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


def _schema(name: str) -> dict[str, Any]:
    return dict(json.loads((SCHEMAS / name).read_text()))


# Compiled once per execution environment: validating a body then costs microseconds.
_validate_create = fastjsonschema.compile(_schema("item_create.json"))
_UPDATE_SCHEMA = _schema("item_update.json")
_validate_update = fastjsonschema.compile(_UPDATE_SCHEMA)
# A version counts updates. Past 2**53 - 1 JavaScript clients cannot hold it exactly, and past
# 38 digits DynamoDB cannot store it, so the schema caps it and DELETE ?version= obeys that too.
MIN_VERSION: int = _UPDATE_SCHEMA["properties"]["version"]["minimum"]
MAX_VERSION: int = _UPDATE_SCHEMA["properties"]["version"]["maximum"]


def _reject_constant(name: str) -> Any:
    raise ValidationError(f"body must not contain {name}; JSON numbers must be finite")


def parse_json(body: str | None) -> Any:
    """Parse a request body; numbers become Decimal, which DynamoDB stores exactly."""
    if body is None or body == "":
        raise ValidationError("request body is required")
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        if isinstance(error, ValidationError):
            raise
        raise ValidationError("request body is not valid JSON") from None


def _validated(validate: Any, data: Any) -> dict[str, Any]:
    try:
        validate(data)
    except fastjsonschema.JsonSchemaValueException as error:
        message = "body" + error.message.removeprefix("data")
        raise ValidationError(message, _offending_field(error, data)) from None
    return dict(data)


def _offending_field(error: Any, data: Any) -> str | None:
    """The dotted path of the field at fault, also for a missing or an unexpected property."""
    path = [str(part) for part in error.path[1:]]
    if error.rule == "required" and isinstance(error.value, dict):
        missing = [name for name in error.rule_definition if name not in error.value]
        path += missing[:1]
    elif error.rule == "additionalProperties" and isinstance(error.value, dict):
        known = error.definition.get("properties", {})
        path += sorted(name for name in error.value if name not in known)[:1]
    return ".".join(path) or None


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
            name=_text(data["name"], "name"),
            description=None if description is None else _text(description, "description"),
            price=_price(data.get("price")),
            tags=[_text(tag, f"tags.{n}") for n, tag in enumerate(data.get("tags", []))],
        )


def is_unicode_text(value: str) -> bool:
    """False for strings holding lone UTF-16 surrogates, which no UTF-8 store can hold.

    A JSON escape such as "\\ud800" decodes to one, and it passes every schema check.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text(value: str, field_path: str) -> str:
    if not is_unicode_text(value):
        raise ValidationError(
            f"body.{field_path} must be valid Unicode text (it holds a lone surrogate)", field_path
        )
    return value


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
    return ItemFields.from_body(_validated(_validate_create, data))


def item_update(data: Any) -> tuple[ItemFields, int]:
    """Returns the new fields and the version the client last read."""
    valid = _validated(_validate_update, data)
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
