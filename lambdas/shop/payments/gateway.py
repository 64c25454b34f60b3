"""A simulated payment gateway whose answer is decided by the order, so tests and demos choose
it: a customer e-mail whose local part has ``+decline`` (``ana+decline@example.com``) is
declined, as is a total above the card limit; everything else is approved.

A real gateway would be called with the order id as its idempotency key, so a retried call
charges once; here the same order always gets the same answer and the same payment id."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

DECLINE_TAG = "+decline"
CARD_LIMIT_CENTS = 1_000_000


@dataclass(frozen=True)
class GatewayAnswer:
    approved: bool
    payment_id: str | None = None
    reason: str | None = None


def charge(order_id: str, amount_cents: int, customer_email: str) -> GatewayAnswer:
    local_part = customer_email.rsplit("@", 1)[0].lower()
    if DECLINE_TAG in local_part:
        return GatewayAnswer(False, reason="card declined by the issuer (simulated)")
    if amount_cents > CARD_LIMIT_CENTS:
        return GatewayAnswer(False, reason="amount above the card limit (simulated)")
    digest = hashlib.sha256(f"charge:{order_id}".encode()).hexdigest()[:20]
    return GatewayAnswer(True, payment_id=f"pay_{digest}")
