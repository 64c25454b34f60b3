"""What an order is, what a request to place one must be, and what can go wrong with it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.concurrency import NotFound
from shared.validation import ValidationError, body_validator, unicode_text

SCHEMAS = Path(__file__).parent / "schemas"

PLACED, CONFIRMED, CANCELLED = "PLACED", "CONFIRMED", "CANCELLED"
PENDING = "PENDING"


class OrderNotFound(NotFound):
    def __init__(self, order_id: str) -> None:
        super().__init__("order", order_id)


@dataclass(frozen=True)
class RequestedLine:
    product_id: str
    quantity: int


@dataclass(frozen=True)
class NewOrder:
    """A valid ``POST /orders`` body."""

    lines: tuple[RequestedLine, ...]
    customer_email: str
    express: bool = False


@dataclass(frozen=True)
class OrderLine:
    product_id: str
    quantity: int
    price_cents: int

    def to_json(self) -> dict[str, Any]:
        return {
            "productId": self.product_id,
            "quantity": self.quantity,
            "priceCents": self.price_cents,
        }


@dataclass(frozen=True)
class HistoryEntry:
    """One event of the order, as the tracker received it."""

    detail_type: str
    source: str
    event_id: str
    occurred_at: str
    received_at: str
    correlation_id: str

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.detail_type,
            "source": self.source,
            "eventId": self.event_id,
            "occurredAt": self.occurred_at,
            "receivedAt": self.received_at,
            "correlationId": self.correlation_id,
        }


@dataclass(frozen=True)
class Order:
    order_id: str
    customer_email: str
    lines: tuple[OrderLine, ...]
    total_cents: int
    express: bool
    correlation_id: str
    placed_at: str
    status: str = PLACED
    payment: str = PENDING
    inventory: str = PENDING
    customer_notified: bool = False
    cancel_reason: str | None = None
    # The outcome event (OrderConfirmed/OrderCancelled) decided but not yet on the bus.
    pending_event: str | None = None
    history: tuple[HistoryEntry, ...] = ()
    version: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "orderId": self.order_id,
            "status": self.status,
            "payment": self.payment,
            "inventory": self.inventory,
            "customerNotified": self.customer_notified,
            "cancelReason": self.cancel_reason,
            "customerEmail": self.customer_email,
            "express": self.express,
            "items": [line.to_json() for line in self.lines],
            "totalCents": self.total_cents,
            "correlationId": self.correlation_id,
            "placedAt": self.placed_at,
            "history": [entry.to_json() for entry in self.history],
        }

    def to_record(self) -> dict[str, Any]:
        """The order as the orders table stores it."""
        return {
            "orderId": self.order_id,
            "customerEmail": self.customer_email,
            "lines": [line.to_json() for line in self.lines],
            "totalCents": self.total_cents,
            "express": self.express,
            "correlationId": self.correlation_id,
            "placedAt": self.placed_at,
            "status": self.status,
            "payment": self.payment,
            "inventory": self.inventory,
            "customerNotified": self.customer_notified,
            "cancelReason": self.cancel_reason,
            "pendingEvent": self.pending_event,
            "history": [entry.to_json() for entry in self.history],
            "version": self.version,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Order:
        return cls(
            order_id=record["orderId"],
            customer_email=record["customerEmail"],
            lines=tuple(
                OrderLine(line["productId"], int(line["quantity"]), int(line["priceCents"]))
                for line in record["lines"]
            ),
            total_cents=int(record["totalCents"]),
            express=bool(record["express"]),
            correlation_id=record["correlationId"],
            placed_at=record["placedAt"],
            status=record["status"],
            payment=record["payment"],
            inventory=record["inventory"],
            customer_notified=bool(record["customerNotified"]),
            cancel_reason=record.get("cancelReason"),
            pending_event=record.get("pendingEvent"),
            history=tuple(
                HistoryEntry(
                    detail_type=entry["type"],
                    source=entry["source"],
                    event_id=entry["eventId"],
                    occurred_at=entry["occurredAt"],
                    received_at=entry["receivedAt"],
                    correlation_id=entry["correlationId"],
                )
                for entry in record.get("history", [])
            ),
            version=int(record["version"]),
        )


_new_order = body_validator(SCHEMAS / "order_create.json")


def new_order(body: Any) -> NewOrder:
    """A ``POST /orders`` body checked against the schema API Gateway also validates with."""
    valid = _new_order(body)
    lines = tuple(RequestedLine(item["productId"], item["quantity"]) for item in valid["items"])
    seen: set[str] = set()
    for number, line in enumerate(lines):
        if line.product_id in seen:
            raise ValidationError(
                f"body.items[{number}]: {line.product_id} is already ordered in an earlier line; "
                "give one line per product",
                f"items.{number}.productId",
            )
        seen.add(line.product_id)
    email = unicode_text(valid["customerEmail"], "customerEmail")
    return NewOrder(lines, email, bool(valid.get("express", False)))
