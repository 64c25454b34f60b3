"""The payments handler ("Pago") on moto: charges a placed order once, declines by the order,
refunds only what it charged, and refuses malformed events."""

from __future__ import annotations

from typing import Any

import pytest
from shop.events import MalformedEvent
from shop_world import ShopWorld, eventbridge_event, new_order_id, placed

# A failed invocation publishes no metrics, and Powertools warns about each one.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")


def order_placed(order_id: str, *, email: str = "ana@example.com") -> dict[str, Any]:
    return eventbridge_event("OrderPlaced", placed(order_id, [("lamp", 2, 1250)], email=email))


def order_cancelled(order_id: str, reason: str = "OUT_OF_STOCK") -> dict[str, Any]:
    return eventbridge_event(
        "OrderCancelled",
        {"orderId": order_id, "customerEmail": "ana@example.com", "reason": reason},
    )


def status(shop: ShopWorld, order_id: str) -> str | None:
    record = shop.record("PAYMENTS_TABLE", order_id)
    return record["status"]["S"] if record else None


def test_a_placed_order_is_charged_and_payment_completed_is_published(shop: ShopWorld) -> None:
    # GIVEN a placed order of 25.00 WHEN payments gets it
    order_id = new_order_id()
    answer = shop.invoke("payments", order_placed(order_id))
    # THEN it is charged once, and the bus hears of it with the order's correlation id
    assert answer == {"orderId": order_id, "outcome": "charged"}
    assert status(shop, order_id) == "CHARGED"
    [completed] = shop.published("PaymentCompleted", order_id=order_id)
    assert completed["source"] == "shop.payments"
    assert completed["detail"]["data"]["amountCents"] == 2500
    assert completed["detail"]["data"]["paymentId"].startswith("pay_")
    assert completed["detail"]["metadata"]["correlationId"] == "corr-0001"
    # AND nothing is left pending in the record
    assert "pendingEvent" not in shop.record("PAYMENTS_TABLE", order_id)  # type: ignore[operator]


def test_a_declined_payment_publishes_payment_failed_and_charges_nothing(shop: ShopWorld) -> None:
    order_id = new_order_id()
    shop.invoke("payments", order_placed(order_id, email="ana+decline@example.com"))
    assert status(shop, order_id) == "DECLINED"
    [failed] = shop.published("PaymentFailed", order_id=order_id)
    assert "declined" in failed["detail"]["data"]["reason"]
    assert not shop.published("PaymentCompleted", order_id=order_id)


def test_a_duplicated_order_placed_charges_once(shop: ShopWorld) -> None:
    # GIVEN an order that was charged WHEN the same event comes again (a retry, or a replay
    # with a new event id)
    order_id = new_order_id()
    shop.invoke("payments", order_placed(order_id))
    again = shop.invoke("payments", order_placed(order_id))
    # THEN nothing more is charged or published
    assert again["outcome"].startswith("duplicate")
    assert len(shop.published("PaymentCompleted", order_id=order_id)) == 1


def test_a_cancelled_charged_order_is_refunded_once(shop: ShopWorld) -> None:
    order_id = new_order_id()
    shop.invoke("payments", order_placed(order_id))
    shop.invoke("payments", order_cancelled(order_id))
    shop.invoke("payments", order_cancelled(order_id))
    assert status(shop, order_id) == "REFUNDED"
    [refund] = shop.published("PaymentRefunded", order_id=order_id)
    assert refund["detail"]["data"]["amountCents"] == 2500


def test_a_cancelled_declined_order_refunds_nothing(shop: ShopWorld) -> None:
    order_id = new_order_id()
    shop.invoke("payments", order_placed(order_id, email="bo+decline@example.com"))
    answer = shop.invoke("payments", order_cancelled(order_id, "PAYMENT_FAILED"))
    assert answer["outcome"] == "nothing to refund"
    assert status(shop, order_id) == "DECLINED"
    assert not shop.published("PaymentRefunded", order_id=order_id)


def test_a_cancellation_that_comes_first_keeps_the_late_order_from_being_charged(
    shop: ShopWorld,
) -> None:
    # GIVEN an order cancelled before payments saw it placed
    order_id = new_order_id()
    shop.invoke("payments", order_cancelled(order_id))
    # WHEN its OrderPlaced arrives late
    answer = shop.invoke("payments", order_placed(order_id))
    # THEN nothing is charged
    assert status(shop, order_id) == "VOIDED"
    assert answer["outcome"].startswith("duplicate")
    assert not shop.published(order_id=order_id)


def test_an_outcome_whose_publication_failed_is_published_by_the_retry(
    shop: ShopWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the bus refuses the first PaymentCompleted (the invocation fails after charging)
    order_id = new_order_id()
    publisher = shop.modules["payments"].payments._publisher
    real_publish = publisher.publish
    calls: list[str] = []

    def flaky(detail_type: str, data: dict[str, Any], *, correlation_id: str) -> str:
        calls.append(detail_type)
        if len(calls) == 1:
            raise RuntimeError("EventBridge is unavailable")
        return real_publish(detail_type, data, correlation_id=correlation_id)

    monkeypatch.setattr(publisher, "publish", flaky)
    with pytest.raises(RuntimeError):
        shop.invoke("payments", order_placed(order_id))
    # WHEN Lambda retries the event
    shop.invoke("payments", order_placed(order_id))
    # THEN the charge happened once and its event is published
    assert status(shop, order_id) == "CHARGED"
    assert len(shop.published("PaymentCompleted", order_id=order_id)) == 1


@pytest.mark.parametrize(
    ("event", "says"),
    [
        ({"hello": "world"}, "not an EventBridge event"),
        (eventbridge_event("PaymentCompleted", {}), "not an event this service handles"),
        (eventbridge_event("OrderPlaced", {"orderId": "42"}), "OrderPlaced detail.data"),
        (
            eventbridge_event("OrderPlaced", placed(new_order_id(), [("x", 1, 1)]), source="me"),
            "comes from shop.orders",
        ),
    ],
)
def test_a_malformed_event_fails_with_the_reason_and_changes_nothing(
    shop: ShopWorld, event: dict[str, Any], says: str
) -> None:
    # WHEN payments gets something that is not a valid OrderPlaced or OrderCancelled
    # THEN it fails (Lambda retries, then keeps it in the dead-letter queue with this error)
    with pytest.raises(MalformedEvent, match=says):
        shop.invoke("payments", event)
