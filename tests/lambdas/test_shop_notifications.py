"""The notifications handler ("Mensaje") on moto: one customer message per order on the SNS
topic, whatever number of times it is asked; the dev inbox's filter policy; malformed input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from shop.events import MalformedEvent
from shop_world import ShopWorld, new_order_id

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")


def confirmed(order_id: str, email: str = "ana@example.com") -> dict[str, Any]:
    """What the OrderConfirmed rule's input transformer gives the function."""
    return {
        "kind": "ORDER_CONFIRMED",
        "orderId": order_id,
        "customerEmail": email,
        "totalCents": 4900,
        "correlationId": "corr-42",
        "eventId": "event-1",
    }


def inbox_for(shop: ShopWorld, order_id: str) -> list[dict[str, Any]]:
    return [
        json.loads(message["Body"])
        for message in shop.drain(shop.inbox_url)
        if order_id in message["Body"]
    ]


def test_a_confirmed_order_gets_one_message_and_customer_notified(shop: ShopWorld) -> None:
    # GIVEN a confirmed order WHEN notifications is asked to tell the customer
    order_id = new_order_id()
    sent = shop.invoke("notifications", confirmed(order_id))
    # THEN the message is on the topic (the inbox, subscribed with a filter, has it) ...
    [message] = inbox_for(shop, order_id)
    assert message["Subject"] == f"Order {order_id[:8]}: being processed"
    assert "49.00 EUR" in message["Message"]
    assert message["MessageId"] == sent["messageId"]
    attributes = {name: value["Value"] for name, value in message["MessageAttributes"].items()}
    assert attributes == {
        "kind": "ORDER_CONFIRMED",
        "orderId": order_id,
        "correlationId": "corr-42",
        "recipientDomain": "example.com",
    }
    # ... and the bus hears that the customer was told
    [notified] = shop.published("CustomerNotified", order_id=order_id)
    assert notified["detail"]["data"]["messageId"] == sent["messageId"]
    assert notified["detail"]["metadata"]["correlationId"] == "corr-42"


def test_a_repeated_request_notifies_once(shop: ShopWorld) -> None:
    order_id = new_order_id()
    first = shop.invoke("notifications", confirmed(order_id))
    again = shop.invoke("notifications", confirmed(order_id) | {"eventId": "event-2"})
    assert again == first
    assert len(inbox_for(shop, order_id)) == 1


def test_a_message_sns_refused_is_sent_by_the_retry_once(
    shop: ShopWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN SNS failing the first publish
    order_id = new_order_id()
    handler = shop.modules["notifications"]
    real_publish = handler.sns.publish
    calls: list[str] = []

    def flaky(**request: Any) -> Any:
        calls.append(request["TopicArn"])
        if len(calls) == 1:
            raise ConnectionError("SNS is unavailable")
        return real_publish(**request)

    monkeypatch.setattr(handler.sns, "publish", flaky)
    # WHEN the invocation fails THEN nothing was sent, and nothing is marked as sent
    with pytest.raises(ConnectionError):
        shop.invoke("notifications", confirmed(order_id))
    assert inbox_for(shop, order_id) == []
    # AND Lambda's retry sends the message, once
    shop.invoke("notifications", confirmed(order_id))
    shop.invoke("notifications", confirmed(order_id))
    assert len(inbox_for(shop, order_id)) == 1
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("reason", "subject"),
    [("PAYMENT_FAILED", "payment declined"), ("OUT_OF_STOCK", "out of stock")],
)
def test_a_cancelled_order_is_told_why(shop: ShopWorld, reason: str, subject: str) -> None:
    order_id = new_order_id()
    request = confirmed(order_id) | {"kind": "ORDER_CANCELLED", "reason": reason}
    del request["totalCents"]
    shop.invoke("notifications", request)
    [message] = inbox_for(shop, order_id)
    assert message["Subject"].endswith(subject)


def test_the_inbox_filter_policy_keeps_out_real_customers(shop: ShopWorld) -> None:
    # GIVEN a customer outside the example domains the dev inbox subscribes to
    order_id = new_order_id()
    shop.invoke("notifications", confirmed(order_id, "ana@shop.test"))
    # THEN the message was published (and the bus told) but the inbox did not get it
    assert shop.published("CustomerNotified", order_id=order_id)
    assert inbox_for(shop, order_id) == []


@pytest.mark.parametrize(
    "event",
    [
        {"kind": "ORDER_CONFIRMED"},
        {"detail-type": "OrderConfirmed", "detail": {}},
        confirmed("not-an-id"),
    ],
)
def test_a_malformed_request_fails_and_sends_nothing(shop: ShopWorld, event: Any) -> None:
    with pytest.raises(MalformedEvent, match="NotificationRequest"):
        shop.invoke("notifications", event)
