"""Property test of the order tracker's rules (``shop.orders.tracking.track``, plain Python):
whatever order payment's and inventory's events arrive in, however often each comes, the order
ends in the one outcome its results call for, decided once."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st
from shop.events import ShopEvent
from shop.orders.models import Order, OrderLine
from shop.orders.tracking import track

ORDER_ID = str(uuid.UUID(int=7, version=4))


def shop_event(detail_type: str, number: int) -> ShopEvent:
    return ShopEvent(
        event_id=f"event-{number}",
        detail_type=detail_type,
        source="shop.test",
        time="2026-01-01T00:00:00Z",
        correlation_id="corr",
        occurred_at="2026-01-01T00:00:00Z",
        data={"orderId": ORDER_ID},
    )


def placed_order() -> Order:
    return Order(
        order_id=ORDER_ID,
        customer_email="ana@example.com",
        lines=(OrderLine("lamp", 1, 100),),
        total_cents=100,
        express=False,
        correlation_id="corr",
        placed_at="2026-01-01T00:00:00Z",
    )


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[bool, bool, list[str]]:
    """Whether payment and stock succeeded, and the events as delivered: each at least once,
    in any order, some more than once, with the compensation a cancellation causes."""
    paid = draw(st.booleans())
    held = draw(st.booleans())
    events = [
        "OrderPlaced",
        "PaymentCompleted" if paid else "PaymentFailed",
        "InventoryReserved" if held else "OutOfStock",
    ]
    if paid and not held:
        events.append("PaymentRefunded")
    if held and not paid:
        events.append("InventoryReleased")
    events.append("CustomerNotified")
    repeated = draw(st.lists(st.sampled_from(events), max_size=6))
    return paid, held, draw(st.permutations(events + repeated))


@given(deliveries())
def test_the_outcome_is_decided_once_and_follows_the_results(
    delivery: tuple[bool, bool, list[str]],
) -> None:
    paid, held, events = delivery
    order = placed_order()
    decided: list[str] = []
    for number, detail_type in enumerate(events):
        before = order.pending_event
        tracked = track(order, shop_event(detail_type, number), "2026-01-01T00:00:01Z")
        order = tracked.order
        if order.pending_event != before and order.pending_event is not None:
            decided.append(order.pending_event)
        # publishing clears the pending event, as the tracker does once it is on the bus
        order = Order(**{**order.__dict__, "pending_event": None})
    assert decided == (["OrderConfirmed"] if paid and held else ["OrderCancelled"])
    assert order.status == ("CONFIRMED" if paid and held else "CANCELLED")
    if not paid:
        # a failed payment cancels for that reason unless stock ran out first
        assert order.cancel_reason in {"PAYMENT_FAILED", "OUT_OF_STOCK"}
    elif not held:
        assert order.cancel_reason == "OUT_OF_STOCK"
    # each event is in the history once, in the order it first came
    assert [entry.detail_type for entry in order.history] == list(dict.fromkeys(events))


@given(deliveries())
def test_replaying_every_event_again_changes_nothing(
    delivery: tuple[bool, bool, list[str]],
) -> None:
    _, _, events = delivery
    order = placed_order()
    for number, detail_type in enumerate(events):
        order = track(order, shop_event(detail_type, number), "t").order
        order = Order(**{**order.__dict__, "pending_event": None})
    settled = order
    for number, detail_type in enumerate(events):
        tracked = track(order, shop_event(detail_type, 1000 + number), "t")
        assert tracked.duplicate
        order = tracked.order
    assert order == settled
