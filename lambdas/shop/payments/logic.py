"""Payments' rules, in plain Python: charge a placed order once, refund a cancelled order only
if it was charged, and tell the bus what happened.

The payment record is the charge: it is written only if the order has none, so a duplicate or
replayed OrderPlaced finds it and charges nothing. An OrderCancelled that arrives before the
OrderPlaced leaves a VOIDED record, and the late OrderPlaced then charges nothing either.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..events import EventPublisher, ShopEvent
from ..tables import publish_pending
from . import gateway
from .payments_table import (
    CHARGED,
    DECLINED,
    REFUNDED,
    VOIDED,
    AlreadyRecorded,
    Payment,
    PaymentsTable,
)

ORDER_PLACED, ORDER_CANCELLED = "OrderPlaced", "OrderCancelled"
HANDLED = frozenset({ORDER_PLACED, ORDER_CANCELLED})
PAYMENT_COMPLETED, PAYMENT_FAILED, PAYMENT_REFUNDED = (
    "PaymentCompleted",
    "PaymentFailed",
    "PaymentRefunded",
)
_ATTEMPTS = 5


class Payments:
    def __init__(self, table: PaymentsTable, publisher: EventPublisher) -> None:
        self._table = table
        self._publisher = publisher

    def handle(self, event: ShopEvent) -> str:
        """Apply one event; says what was done (for the logs and metrics)."""
        if event.detail_type == ORDER_PLACED:
            return self._charge(event)
        return self._refund(event)

    def _charge(self, event: ShopEvent) -> str:
        existing = self._table.get(event.order_id)
        if existing is not None:
            return self._publish(existing, "duplicate: charged nothing")
        data = event.data
        answer = gateway.charge(event.order_id, int(data["totalCents"]), data["customerEmail"])
        payment = Payment(
            order_id=event.order_id,
            status=CHARGED if answer.approved else DECLINED,
            correlation_id=event.correlation_id,
            amount_cents=int(data["totalCents"]),
            payment_id=answer.payment_id,
            reason=answer.reason,
            pending_event=PAYMENT_COMPLETED if answer.approved else PAYMENT_FAILED,
        )
        try:
            self._table.record(payment)
        except AlreadyRecorded:
            # A concurrent delivery of the same event, or a cancellation, got there first.
            return self._charge(event)
        return self._publish(payment, "charged" if answer.approved else "declined")

    def _refund(self, event: ShopEvent) -> str:
        for _ in range(_ATTEMPTS):
            payment = self._table.get(event.order_id)
            if payment is None:
                try:
                    self._table.record(Payment(event.order_id, VOIDED, event.correlation_id))
                    return "cancelled before any charge"
                except AlreadyRecorded:
                    continue  # OrderPlaced got there first: look again
            if payment.status == CHARGED:
                if not self._table.refund(event.order_id, pending_event=PAYMENT_REFUNDED):
                    continue  # refunded by a concurrent delivery: look again
                refunded = replace(payment, status=REFUNDED, pending_event=PAYMENT_REFUNDED)
                return self._publish(refunded, "refunded")
            # Declined, refunded already or voided: nothing was (still is) charged.
            return self._publish(payment, "nothing to refund")
        raise RuntimeError(f"payment of order {event.order_id} kept changing; will be retried")

    def _publish(self, payment: Payment, outcome: str) -> str:
        publish_pending(
            payment,
            publisher=self._publisher,
            data=lambda detail_type: _event_data(payment, detail_type),
            clear=self._table.clear_pending_event,
        )
        return outcome


def _event_data(payment: Payment, detail_type: str) -> dict[str, Any]:
    if detail_type == PAYMENT_FAILED:
        return {"orderId": payment.order_id, "reason": payment.reason or "declined"}
    return {
        "orderId": payment.order_id,
        "paymentId": payment.payment_id,
        "amountCents": payment.amount_cents,
    }
