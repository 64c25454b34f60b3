"""The order tracker's rules, in plain Python: how each event changes an order, and when an
order's outcome is decided.

Payments and inventory work on an order at the same time and report in any order. The order is
confirmed once it is both paid and reserved, and cancelled as soon as either fails (then
payments refunds and inventory releases whatever they hold of it). Each event counts once: a
duplicate or replayed event finds its type already in the history and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ..events import EventPublisher, ShopEvent, event_types, now_iso
from ..tables import publish_pending
from .models import CANCELLED, CONFIRMED, PLACED, HistoryEntry, Order
from .orders_table import OrdersTable, StaleOrder

ORDER_CONFIRMED, ORDER_CANCELLED = "OrderConfirmed", "OrderCancelled"
# What each event says about the order, beyond being part of its history.
_EFFECTS: dict[str, dict[str, Any]] = {
    "PaymentCompleted": {"payment": "COMPLETED"},
    "PaymentFailed": {"payment": "FAILED"},
    "PaymentRefunded": {"payment": "REFUNDED"},
    "InventoryReserved": {"inventory": "RESERVED"},
    "OutOfStock": {"inventory": "OUT_OF_STOCK"},
    "InventoryReleased": {"inventory": "RELEASED"},
    "CustomerNotified": {"customer_notified": True},
}
# Every event of the catalogue is part of an order's history.
TRACKED = frozenset(event_types())
_MAX_ATTEMPTS = 10


class UnknownOrder(LookupError):
    """An event names an order that was never placed: a poison event."""


@dataclass(frozen=True)
class Tracked:
    order: Order
    duplicate: bool


def track(order: Order, event: ShopEvent, received_at: str) -> Tracked:
    """The order after ``event``: its history, its state and, once decided, its outcome (the
    event to publish, kept in ``pending_event`` until it is on the bus)."""
    if any(entry.detail_type == event.detail_type for entry in order.history):
        return Tracked(order, duplicate=True)
    entry = HistoryEntry(
        detail_type=event.detail_type,
        source=event.source,
        event_id=event.event_id,
        occurred_at=event.occurred_at,
        received_at=received_at,
        correlation_id=event.correlation_id,
    )
    changed = replace(
        order,
        history=(*order.history, entry),
        version=order.version + 1,
        **_EFFECTS.get(event.detail_type, {}),
    )
    return Tracked(_decide(changed), duplicate=False)


def _decide(order: Order) -> Order:
    if order.status != PLACED:
        return order
    if order.payment == "FAILED":
        return _cancel(order, "PAYMENT_FAILED")
    if order.inventory == "OUT_OF_STOCK":
        return _cancel(order, "OUT_OF_STOCK")
    if order.payment == "COMPLETED" and order.inventory == "RESERVED":
        return replace(order, status=CONFIRMED, pending_event=ORDER_CONFIRMED)
    return order


def _cancel(order: Order, reason: str) -> Order:
    return replace(order, status=CANCELLED, cancel_reason=reason, pending_event=ORDER_CANCELLED)


def outcome_data(order: Order) -> dict[str, Any]:
    """The ``data`` of the order's outcome event."""
    if order.pending_event == ORDER_CONFIRMED:
        return {
            "orderId": order.order_id,
            "customerEmail": order.customer_email,
            "totalCents": order.total_cents,
        }
    return {
        "orderId": order.order_id,
        "customerEmail": order.customer_email,
        "reason": order.cancel_reason,
    }


class OrderTracker:
    def __init__(
        self,
        table: OrdersTable,
        publisher: EventPublisher,
        clock: Callable[[], str] = now_iso,
    ) -> None:
        self._table = table
        self._publisher = publisher
        self._clock = clock

    def record(self, event: ShopEvent) -> Tracked:
        """Add ``event`` to its order (retrying while other events of the same order are being
        recorded), then publish the outcome if one is pending."""
        for _ in range(_MAX_ATTEMPTS):
            order = self._table.get(event.order_id)
            if order is None:
                raise UnknownOrder(
                    f"{event.detail_type} {event.event_id} names order "
                    f"{event.order_id}, which was never placed"
                )
            tracked = track(order, event, self._clock())
            if not tracked.duplicate:
                try:
                    self._table.replace(tracked.order, read_version=order.version)
                except StaleOrder:
                    continue
            self._publish_outcome(tracked.order)
            return tracked
        raise StaleOrder(f"order {event.order_id} kept changing; the event will be retried")

    def _publish_outcome(self, order: Order) -> None:
        # Also on a duplicate: an earlier invocation may have stored the outcome and failed
        # before publishing it. Consumers of the outcome are idempotent.
        publish_pending(
            order,
            publisher=self._publisher,
            data=lambda _: outcome_data(order),
            clear=self._table.clear_pending_event,
        )
