"""The orders service on moto: the REST handler (place, show, list products) and the tracker
that records each event of an order and decides its outcome once."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from shop.events import MalformedEvent, PublishFailed
from shop.orders.tracking import UnknownOrder
from shop_world import ShopWorld, eventbridge_event

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")


def request(shop: ShopWorld, make_api_event: Any, method: str, path: str, body: Any = None) -> Any:
    raw = body if isinstance(body, str) or body is None else json.dumps(body)
    answer = shop.invoke("api", make_api_event(method, path, body=raw))
    return answer["statusCode"], json.loads(answer["body"]) if answer["body"] else None, answer


@pytest.fixture(scope="module")
def lamp(shop: ShopWorld) -> str:
    shop.add_product("desk-lamp", price_cents=2450, stock=1000)
    return "desk-lamp"


def place(shop: ShopWorld, make_api_event: Any, lamp: str, **extra: Any) -> str:
    status, body, _ = request(
        shop,
        make_api_event,
        "POST",
        "/orders",
        {"items": [{"productId": lamp, "quantity": 2}], "customerEmail": "ana@x.example", **extra},
    )
    assert status == 202, body
    return str(body["orderId"])


def tell_tracker(shop: ShopWorld, order_id: str, detail_type: str, **data: Any) -> Any:
    return shop.invoke("tracker", eventbridge_event(detail_type, {"orderId": order_id, **data}))


PAID = {"paymentId": "pay_1", "amountCents": 4900}
HELD = {"lines": [{"productId": "desk-lamp", "quantity": 2}]}


# --- POST /orders, GET /orders/{id}, GET /products -------------------------------------------


def test_placing_an_order_stores_it_and_publishes_order_placed(
    shop: ShopWorld, make_api_event: Any, lamp: str
) -> None:
    # GIVEN a valid order WHEN it is POSTed
    status, body, raw = request(
        shop,
        make_api_event,
        "POST",
        "/orders",
        {"items": [{"productId": lamp, "quantity": 2}], "customerEmail": "ana@example.com"},
    )
    # THEN it is accepted (202: the rest happens asynchronously), priced from the catalogue
    assert status == 202
    assert body["status"] == "PLACED"
    assert body["totalCents"] == 4900
    location = (raw.get("headers") or {}).get("Location") or raw["multiValueHeaders"]["Location"][0]
    assert location == f"/orders/{body['orderId']}"
    # AND OrderPlaced is on the bus, carrying the request's id as the correlation id
    [event] = shop.published("OrderPlaced", order_id=body["orderId"])
    assert event["source"] == "shop.orders"
    assert event["detail"]["data"]["lines"] == [
        {"productId": lamp, "quantity": 2, "priceCents": 2450}
    ]
    assert event["detail"]["data"]["express"] is False
    assert event["detail"]["metadata"]["correlationId"] == body["correlationId"]
    # AND the order reads back as PLACED, with no history yet
    status, order, _ = request(shop, make_api_event, "GET", f"/orders/{body['orderId']}")
    assert status == 200
    assert order["status"] == "PLACED"
    assert order["history"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("{", None),
        ({"items": [], "customerEmail": "a@example.com"}, "items"),
        ({"items": [{"productId": "desk-lamp", "quantity": 0}], "customerEmail": "a@b.c"}, None),
        ({"items": [{"productId": "desk-lamp", "quantity": 1}], "customerEmail": "nobody"}, None),
        ({"items": [{"productId": "no-such-thing", "quantity": 1}], "customerEmail": "a@b.co"},
         "items.0.productId"),
        (
            {
                "items": [
                    {"productId": "desk-lamp", "quantity": 1},
                    {"productId": "desk-lamp", "quantity": 2},
                ],
                "customerEmail": "a@b.co",
            },
            "items.1.productId",
        ),
    ],
)  # fmt: skip
def test_a_bad_order_is_a_400_naming_the_problem_and_publishes_nothing(
    shop: ShopWorld, make_api_event: Any, lamp: str, body: Any, field: str | None
) -> None:
    before = len(shop.published("OrderPlaced"))
    status, answer, _ = request(shop, make_api_event, "POST", "/orders", body)
    assert status == 400
    assert answer["message"]
    if field:
        assert answer["field"] == field
    assert len(shop.published("OrderPlaced")) == before


def test_an_order_the_bus_refuses_is_taken_back_and_answered_503(
    shop: ShopWorld, make_api_event: Any, lamp: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN EventBridge refusing the OrderPlaced
    publisher = shop.modules["api"].desk._publisher

    def refuse(detail_type: str, data: dict[str, Any], *, correlation_id: str) -> str:
        raise PublishFailed("InternalFailure")

    monkeypatch.setattr(publisher, "publish", refuse)
    orders = shop.dynamodb.scan(TableName="shop-orders", Select="COUNT")["Count"]
    # WHEN an order is placed THEN the customer is told to try again, and no order is left
    # behind that no service would ever act on
    status, body, _ = request(
        shop,
        make_api_event,
        "POST",
        "/orders",
        {"items": [{"productId": lamp, "quantity": 1}], "customerEmail": "ana@example.com"},
    )
    assert status == 503
    assert "try again" in body["message"]
    assert shop.dynamodb.scan(TableName="shop-orders", Select="COUNT")["Count"] == orders


def test_an_unknown_order_is_a_404(shop: ShopWorld, make_api_event: Any) -> None:
    for order_id in (str(uuid.uuid4()), "not-an-id"):
        status, _, _ = request(shop, make_api_event, "GET", f"/orders/{order_id}")
        assert status == 404


def test_products_lists_the_catalogue_with_prices_and_stock(
    shop: ShopWorld, make_api_event: Any, lamp: str
) -> None:
    status, body, _ = request(shop, make_api_event, "GET", "/products")
    assert status == 200
    assert {"productId": lamp, "name": "Desk-Lamp", "priceCents": 2450, "stock": 1000} in body[
        "products"
    ]


# --- the tracker ---------------------------------------------------------------------------


def test_a_paid_and_reserved_order_is_confirmed_once_with_its_history(
    shop: ShopWorld, make_api_event: Any, lamp: str
) -> None:
    # GIVEN a placed order WHEN its events reach the tracker, payment and inventory in any order
    order_id = place(shop, make_api_event, lamp)
    [placed_event] = shop.published("OrderPlaced", order_id=order_id)
    shop.invoke("tracker", placed_event)
    tell_tracker(shop, order_id, "InventoryReserved", **HELD)
    assert not shop.published("OrderConfirmed", order_id=order_id)
    tell_tracker(shop, order_id, "PaymentCompleted", **PAID)
    # THEN the order is confirmed, and OrderConfirmed published with its correlation id
    [confirmed] = shop.published("OrderConfirmed", order_id=order_id)
    assert confirmed["detail"]["data"]["totalCents"] == 4900
    correlation_id = placed_event["detail"]["metadata"]["correlationId"]
    assert confirmed["detail"]["metadata"]["correlationId"] == correlation_id
    # AND duplicates of any of them change nothing and publish nothing more
    tell_tracker(shop, order_id, "PaymentCompleted", **PAID)
    answer = shop.invoke("tracker", placed_event)
    assert answer["duplicate"] is True
    assert len(shop.published("OrderConfirmed", order_id=order_id)) == 1
    # AND GET /orders/{id} shows the state and each event as it arrived
    _, order, _ = request(shop, make_api_event, "GET", f"/orders/{order_id}")
    assert (order["status"], order["payment"], order["inventory"]) == (
        "CONFIRMED",
        "COMPLETED",
        "RESERVED",
    )
    assert [entry["type"] for entry in order["history"]] == [
        "OrderPlaced",
        "InventoryReserved",
        "PaymentCompleted",
    ]
    assert order["history"][0]["correlationId"] == correlation_id


def test_a_failed_payment_cancels_the_order_once(
    shop: ShopWorld, make_api_event: Any, lamp: str
) -> None:
    order_id = place(shop, make_api_event, lamp)
    tell_tracker(shop, order_id, "PaymentFailed", reason="card declined")
    tell_tracker(shop, order_id, "InventoryReserved", **HELD)
    tell_tracker(shop, order_id, "PaymentFailed", reason="card declined")
    [cancelled] = shop.published("OrderCancelled", order_id=order_id)
    assert cancelled["detail"]["data"]["reason"] == "PAYMENT_FAILED"
    assert not shop.published("OrderConfirmed", order_id=order_id)


def test_an_event_for_an_order_never_placed_fails(shop: ShopWorld) -> None:
    with pytest.raises(UnknownOrder):
        tell_tracker(shop, str(uuid.uuid4()), "PaymentFailed", reason="card declined")


def test_a_malformed_event_fails_with_the_reason(shop: ShopWorld) -> None:
    with pytest.raises(MalformedEvent, match=r"PaymentFailed detail\.data"):
        tell_tracker(shop, "not-an-order-id", "PaymentFailed", reason="card declined")
