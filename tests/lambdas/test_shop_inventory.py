"""The inventory handler ("Inventario") on moto, as its SQS event source calls it: holds all of
an order's stock or none, never below zero, once per order; gives back exactly what a cancelled
order held; sets poison messages aside with the reason; reports only failed records."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from shop_world import ShopWorld, eventbridge_event, new_order_id, placed, sqs_event

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")


def product(shop: ShopWorld, *, stock: int, price_cents: int = 500) -> str:
    product_id = f"p-{uuid.uuid4().hex[:10]}"
    shop.add_product(product_id, stock=stock, price_cents=price_cents)
    return product_id


def placed_body(order_id: str, *lines: tuple[str, int]) -> str:
    data = placed(order_id, [(pid, quantity, 500) for pid, quantity in lines])
    return json.dumps(eventbridge_event("OrderPlaced", data))


def cancelled_body(order_id: str, reason: str = "PAYMENT_FAILED") -> str:
    data = {"orderId": order_id, "customerEmail": "ana@example.com", "reason": reason}
    return json.dumps(eventbridge_event("OrderCancelled", data))


def deliver(shop: ShopWorld, *bodies: str) -> list[str]:
    """The ids of the batch's records the handler reports as failed."""
    answer = shop.invoke("inventory", sqs_event(*bodies))
    return [failure["itemIdentifier"] for failure in answer["batchItemFailures"]]


def test_an_order_in_stock_is_reserved_and_inventory_reserved_published(shop: ShopWorld) -> None:
    # GIVEN two products in stock WHEN an order for some of each arrives
    lamp, desk = product(shop, stock=5), product(shop, stock=1)
    order_id = new_order_id()
    assert deliver(shop, placed_body(order_id, (lamp, 2), (desk, 1))) == []
    # THEN exactly that is taken from stock and the bus is told
    assert (shop.stock(lamp), shop.stock(desk)) == (3, 0)
    [reserved] = shop.published("InventoryReserved", order_id=order_id)
    assert reserved["detail"]["data"]["lines"] == [
        {"productId": lamp, "quantity": 2},
        {"productId": desk, "quantity": 1},
    ]


def test_an_order_short_of_one_product_reserves_nothing_at_all(shop: ShopWorld) -> None:
    # GIVEN one product with plenty and one with too few
    plenty, scarce = product(shop, stock=9), product(shop, stock=1)
    order_id = new_order_id()
    deliver(shop, placed_body(order_id, (plenty, 3), (scarce, 2)))
    # THEN no stock moved (all or nothing) and OutOfStock names what was missing
    assert (shop.stock(plenty), shop.stock(scarce)) == (9, 1)
    [out] = shop.published("OutOfStock", order_id=order_id)
    assert out["detail"]["data"]["missing"] == [
        {"productId": scarce, "requested": 2, "available": 1}
    ]
    assert not shop.published("InventoryReserved", order_id=order_id)


def test_an_unknown_product_is_out_of_stock(shop: ShopWorld) -> None:
    order_id = new_order_id()
    deliver(shop, placed_body(order_id, ("no-such-product", 1)))
    [out] = shop.published("OutOfStock", order_id=order_id)
    assert out["detail"]["data"]["missing"][0]["available"] == 0


def test_the_last_unit_goes_to_one_order_only(shop: ShopWorld) -> None:
    # GIVEN one unit left WHEN two orders for it come in the same batch
    last = product(shop, stock=1)
    first, second = new_order_id(), new_order_id()
    deliver(shop, placed_body(first, (last, 1)), placed_body(second, (last, 1)))
    # THEN one is reserved, the other out of stock, and stock is zero, never below
    assert shop.stock(last) == 0
    assert len(shop.published("InventoryReserved", order_id=first)) == 1
    assert len(shop.published("OutOfStock", order_id=second)) == 1


def test_a_duplicated_order_placed_reserves_once(shop: ShopWorld) -> None:
    lamp = product(shop, stock=5)
    order_id = new_order_id()
    body = placed_body(order_id, (lamp, 2))
    deliver(shop, body)
    deliver(shop, body)  # the same message again
    deliver(shop, placed_body(order_id, (lamp, 2)))  # a replay: same order, new event id
    assert shop.stock(lamp) == 3
    assert len(shop.published("InventoryReserved", order_id=order_id)) == 1


def test_a_failed_payment_gives_back_exactly_what_was_reserved_once(shop: ShopWorld) -> None:
    # GIVEN a reserved order
    lamp = product(shop, stock=5)
    order_id = new_order_id()
    deliver(shop, placed_body(order_id, (lamp, 2)))
    # WHEN it is cancelled (its payment failed), twice
    deliver(shop, cancelled_body(order_id))
    deliver(shop, cancelled_body(order_id))
    # THEN its two units are back once
    assert shop.stock(lamp) == 5
    [released] = shop.published("InventoryReleased", order_id=order_id)
    assert released["detail"]["data"]["lines"] == [{"productId": lamp, "quantity": 2}]


def test_a_failed_payment_releases_nothing_that_was_not_reserved(shop: ShopWorld) -> None:
    # GIVEN an order that held nothing (out of stock)
    scarce = product(shop, stock=1)
    order_id = new_order_id()
    deliver(shop, placed_body(order_id, (scarce, 3)))
    # WHEN it is cancelled because its payment failed too
    # THEN stock is what it was: nothing it did not reserve is released
    deliver(shop, cancelled_body(order_id, "PAYMENT_FAILED"))
    assert shop.stock(scarce) == 1
    assert not shop.published("InventoryReleased", order_id=order_id)


def test_a_cancellation_that_comes_first_keeps_the_late_order_from_reserving(
    shop: ShopWorld,
) -> None:
    lamp = product(shop, stock=5)
    order_id = new_order_id()
    deliver(shop, cancelled_body(order_id))
    deliver(shop, placed_body(order_id, (lamp, 2)))
    assert shop.stock(lamp) == 5
    assert not shop.published(order_id=order_id)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{not json", "not JSON"),
        ('"a string"', "not an EventBridge event"),
        (json.dumps(eventbridge_event("PaymentCompleted", {})), "not an event this service"),
        (json.dumps(eventbridge_event("OrderPlaced", {"orderId": "x"})), "OrderPlaced detail"),
    ],
)
def test_a_poison_message_is_set_aside_with_its_reason_and_the_rest_go_through(
    shop: ShopWorld, body: str, reason: str
) -> None:
    # GIVEN a batch of a poison message and a good one
    lamp = product(shop, stock=2)
    order_id = new_order_id()
    failed = deliver(shop, body, placed_body(order_id, (lamp, 1)))
    # THEN the good one is reserved, neither is reported failed (no point retrying poison),
    # and the poison one is in the dead-letter queue with the reason
    assert failed == []
    assert shop.stock(lamp) == 1
    [set_aside] = shop.drain(shop.dead_letter_url)
    assert set_aside["Body"] == body
    assert reason in set_aside["MessageAttributes"]["reason"]["StringValue"]
    assert set_aside["MessageAttributes"]["sourceMessageId"]["StringValue"] == "message-0"


def test_a_record_that_fails_is_reported_alone_and_comes_again(
    shop: ShopWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN DynamoDB failing for one order only
    lamp = product(shop, stock=5)
    broken, fine = new_order_id(), new_order_id()
    inventory = shop.modules["inventory"].inventory
    real_handle = inventory.handle

    def handle(event: Any) -> str:
        if event.order_id == broken:
            raise ConnectionError("DynamoDB timed out")
        return str(real_handle(event))

    monkeypatch.setattr(inventory, "handle", handle)
    # WHEN a batch holds both THEN only the broken one is reported (partial batch response)
    failed = deliver(shop, placed_body(broken, (lamp, 1)), placed_body(fine, (lamp, 1)))
    assert failed == ["message-0"]
    assert shop.stock(lamp) == 4
