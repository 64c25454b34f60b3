"""The customer's message for each outcome of an order, in plain Python."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ORDER_CONFIRMED, ORDER_CANCELLED = "ORDER_CONFIRMED", "ORDER_CANCELLED"


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    attributes: dict[str, str]


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d} EUR"


def compose(request: dict[str, Any]) -> Message:
    """The message for a notification request (see ``catalogue/targets/NotificationRequest``).
    Its attributes let subscriptions filter: ``kind``, ``orderId``, ``correlationId`` and the
    recipient's domain."""
    order_id = request["orderId"]
    short = order_id[:8]
    if request["kind"] == ORDER_CONFIRMED:
        subject = f"Order {short}: being processed"
        text = (
            f"Your order {order_id} is paid ({_money(int(request.get('totalCents', 0)))}) and "
            "its items are set aside for you: it is being processed."
        )
    elif request.get("reason") == "PAYMENT_FAILED":
        subject = f"Order {short}: payment declined"
        text = (
            f"The payment for your order {order_id} was declined, so the order is cancelled. "
            "Nothing was charged."
        )
    else:
        subject = f"Order {short}: out of stock"
        text = (
            f"Some items of your order {order_id} are out of stock, so the order is cancelled. "
            "If anything was charged, it has been refunded."
        )
    return Message(
        subject=subject,
        text=text,
        attributes={
            "kind": request["kind"],
            "orderId": order_id,
            "correlationId": request["correlationId"],
            "recipientDomain": request["customerEmail"].rsplit("@", 1)[-1].lower(),
        },
    )
