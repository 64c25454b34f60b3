"""Inventory's rules, in plain Python: hold the stock of a placed order (all of it or nothing),
give back exactly what a cancelled order held, and tell the bus what was decided.

Events may come twice (a retry, an archive replay) and in any order (an order can be cancelled
before its OrderPlaced reaches inventory, e.g. when its payment failed fast). The reservation
record settles both: it is written with the stock, only if the order has none yet, and a
cancellation that finds nothing held leaves a record that keeps a late OrderPlaced from
reserving. Whatever was decided is published once; a decision whose event could not be
published yet is published by the next delivery of the same event.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from ..events import EventPublisher, ShopEvent
from ..tables import publish_pending
from .reservations_table import (
    CANCELLED,
    OUT_OF_STOCK,
    RESERVED,
    AlreadyDecided,
    Contention,
    Line,
    NotEnoughStock,
    Reservation,
    ReservationsTable,
)

ORDER_PLACED, ORDER_CANCELLED = "OrderPlaced", "OrderCancelled"
HANDLED = frozenset({ORDER_PLACED, ORDER_CANCELLED})
INVENTORY_RESERVED, OUT_OF_STOCK_EVENT, INVENTORY_RELEASED = (
    "InventoryReserved",
    "OutOfStock",
    "InventoryReleased",
)
_ATTEMPTS = 5


class Inventory:
    def __init__(
        self,
        reservations: ReservationsTable,
        publisher: EventPublisher,
        backoff_s: float = 0.05,
    ) -> None:
        self._reservations = reservations
        self._publisher = publisher
        self._backoff_s = backoff_s

    def handle(self, event: ShopEvent) -> str:
        """Apply one event; says what was done (for the logs and metrics)."""
        if event.detail_type == ORDER_PLACED:
            return self._reserve(event)
        return self._release(event)

    def _reserve(self, event: ShopEvent) -> str:
        lines = tuple(Line(x["productId"], int(x["quantity"])) for x in event.data["lines"])
        wanted = Reservation(
            event.order_id,
            RESERVED,
            event.correlation_id,
            lines,
            pending_event=INVENTORY_RESERVED,
        )
        for attempt in range(_ATTEMPTS):
            try:
                self._reservations.reserve(wanted)
                return self._publish(wanted, "reserved")
            except AlreadyDecided:
                return self._publish_existing(event.order_id, "duplicate")
            except NotEnoughStock as shortage:
                decided = replace(
                    wanted,
                    status=OUT_OF_STOCK,
                    missing=tuple(shortage.missing),
                    pending_event=OUT_OF_STOCK_EVENT,
                )
                try:
                    self._reservations.record(decided)
                except AlreadyDecided:
                    return self._publish_existing(event.order_id, "duplicate")
                return self._publish(decided, "out of stock")
            except Contention:
                time.sleep(self._backoff_s * (attempt + 1))
        raise Contention()

    def _release(self, event: ShopEvent) -> str:
        for attempt in range(_ATTEMPTS):
            held = self._reservations.get(event.order_id)
            if held is None:
                try:
                    self._reservations.record(
                        Reservation(event.order_id, CANCELLED, event.correlation_id)
                    )
                    return "cancelled before anything was held"
                except AlreadyDecided:
                    continue  # OrderPlaced got there first: look again
            if held.status != RESERVED:
                # Out of stock, released already, or cancelled first: nothing (more) is held.
                return self._publish(held, "nothing held")
            try:
                self._reservations.release(held, pending_event=INVENTORY_RELEASED)
            except (AlreadyDecided, Contention):
                time.sleep(self._backoff_s * attempt)
                continue
            return self._publish(replace(held, pending_event=INVENTORY_RELEASED), "released")
        raise Contention()

    def _publish_existing(self, order_id: str, outcome: str) -> str:
        existing = self._reservations.get(order_id)
        return self._publish(existing, outcome) if existing else outcome

    def _publish(self, reservation: Reservation, outcome: str) -> str:
        publish_pending(
            reservation,
            publisher=self._publisher,
            data=lambda detail_type: _event_data(reservation, detail_type),
            clear=self._reservations.clear_pending_event,
        )
        return outcome


def _event_data(reservation: Reservation, detail_type: str) -> dict[str, Any]:
    data: dict[str, Any] = {"orderId": reservation.order_id}
    if detail_type == OUT_OF_STOCK_EVENT:
        data["missing"] = [shortage.to_json() for shortage in reservation.missing]
    else:
        data["lines"] = [line.to_json() for line in reservation.lines]
    return data
