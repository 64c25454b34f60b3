"""The event-driven shop, deployed from its synthesized template into the local cloud: orders
placed over HTTP travel the bus, the queues and the topic to the inbox, and every hop shows in
``GET /orders/{id}``. Waits poll for a state with a generous deadline; nothing asserts on time.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from localcloud.cloud import LocalCloud

from ._http import Answer, request
from .conftest import FunctionLogs, OrderFlowApi

T = TypeVar("T")
WAIT_S = 30.0
HOPS = [
    "OrderPlaced",
    "PaymentCompleted",
    "InventoryReserved",
    "OrderConfirmed",
    "CustomerNotified",
]


def eventually(check: Callable[[], T | None], what: str, wait_s: float = WAIT_S) -> T:
    deadline = time.monotonic() + wait_s
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


class Inbox:
    """The dev inbox queue, read into memory by order id (its messages are taken off the queue
    once read, so every test sees every message of its own orders)."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._url = queue_url
        self._by_order: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def _read(self) -> None:
        with self._lock:
            while True:
                batch = self._sqs.receive_message(QueueUrl=self._url, MaxNumberOfMessages=10).get(
                    "Messages", []
                )
                if not batch:
                    return
                for message in batch:
                    envelope = json.loads(message["Body"])
                    order_id = envelope["MessageAttributes"]["orderId"]["Value"]
                    self._by_order.setdefault(order_id, []).append(envelope)
                    self._sqs.delete_message(
                        QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"]
                    )

    def messages(self, order_id: str) -> list[dict[str, Any]]:
        self._read()
        return list(self._by_order.get(order_id, []))

    def wait_for(self, order_id: str) -> dict[str, Any]:
        return eventually(lambda: self.messages(order_id), f"the message of order {order_id}")[0]


@pytest.fixture(scope="module")
def inbox(local_cloud: LocalCloud, order_flow: OrderFlowApi) -> Inbox:
    return Inbox(local_cloud.emulator.client("sqs"), order_flow.inbox_url)


@pytest.fixture(scope="module")
def dynamodb(local_cloud: LocalCloud) -> Any:
    return local_cloud.emulator.client("dynamodb")


def key(shop: OrderFlowApi) -> dict[str, str]:
    return {"x-api-key": shop.key}


def new_product(shop: OrderFlowApi, dynamodb: Any, *, stock: int, price_cents: int = 1000) -> str:
    """A product of this test's own, written straight into the catalogue."""
    product_id = f"test-{uuid.uuid4().hex[:12]}"
    dynamodb.put_item(
        TableName=shop.products_table,
        Item={
            "productId": {"S": product_id},
            "name": {"S": "Test product"},
            "priceCents": {"N": str(price_cents)},
            "stock": {"N": str(stock)},
        },
    )
    return product_id


def stock(shop: OrderFlowApi, dynamodb: Any, product_id: str) -> int:
    item = dynamodb.get_item(
        TableName=shop.products_table, Key={"productId": {"S": product_id}}, ConsistentRead=True
    )["Item"]
    return int(item["stock"]["N"])


def place(
    shop: OrderFlowApi,
    product_id: str,
    quantity: int = 1,
    *,
    email: str = "ana@example.com",
    express: bool = False,
) -> Answer:
    return request(
        "POST",
        f"{shop.url}orders",
        json_body={
            "items": [{"productId": product_id, "quantity": quantity}],
            "customerEmail": email,
            "express": express,
        },
        headers=key(shop),
    )


def placed_id(answer: Answer) -> str:
    assert answer.status == 202, answer.body
    return str(answer.json()["orderId"])


def order(shop: OrderFlowApi, order_id: str) -> dict[str, Any]:
    answer = request("GET", f"{shop.url}orders/{order_id}", headers=key(shop))
    assert answer.status == 200, answer.body
    return dict(answer.json())


def settled(shop: OrderFlowApi, order_id: str) -> dict[str, Any]:
    """The order once its outcome is decided, its customer told, and the outcome event back
    from the bus in its history (it can arrive after the status changed)."""
    return eventually(
        lambda: (
            (o := order(shop, order_id))["customerNotified"]
            and o["status"] != "PLACED"
            and {"OrderConfirmed", "OrderCancelled"} & set(history(o))
            and o
        ),
        f"order {order_id} to settle",
    )


def history(placed: dict[str, Any]) -> list[str]:
    return [entry["type"] for entry in placed["history"]]


def put_order_placed(cloud: LocalCloud, shop: OrderFlowApi, detail: dict[str, Any]) -> None:
    """Put an OrderPlaced on the bus as the orders API would (or as a buggy producer might)."""
    entry = {
        "EventBusName": shop.bus,
        "Source": "shop.orders",
        "DetailType": "OrderPlaced",
        "Detail": json.dumps(detail),
    }
    assert cloud.emulator.client("events").put_events(Entries=[entry])["FailedEntryCount"] == 0


def log_lines(logs: FunctionLogs, function: str, *fragments: str) -> list[str]:
    return [
        line
        for name, line in list(logs.lines)
        if function in name and all(fragment in line for fragment in fragments)
    ]


# -- the order flow ------------------------------------------------------------------------


def test_an_order_flows_to_the_inbox_with_every_hop_in_its_history(
    order_flow: OrderFlowApi, inbox: Inbox, function_logs: FunctionLogs
) -> None:
    # GIVEN the demo catalogue WHEN a customer orders two desk lamps
    answer = place(order_flow, "desk-lamp", 2)
    order_id = placed_id(answer)
    correlation_id = answer.json()["correlationId"]
    assert answer.headers["Location"] == f"/orders/{order_id}"
    # THEN the customer's message reaches the inbox, through SNS's envelope with its attributes
    message = inbox.wait_for(order_id)
    assert message["Type"] == "Notification"
    assert message["TopicArn"] == order_flow.topic_arn
    assert message["Subject"] == f"Order {order_id[:8]}: being processed"
    assert "49.00 EUR" in message["Message"]
    attributes = {name: value["Value"] for name, value in message["MessageAttributes"].items()}
    assert attributes["correlationId"] == correlation_id
    # AND GET /orders/{id} shows the order confirmed, with every hop, each once, carrying the
    # order's correlation id
    confirmed = settled(order_flow, order_id)
    assert (confirmed["status"], confirmed["payment"], confirmed["inventory"]) == (
        "CONFIRMED",
        "COMPLETED",
        "RESERVED",
    )
    # (in whatever order they reached the tracker: EventBridge promises none)
    assert sorted(history(confirmed)) == sorted(HOPS)
    assert {entry["correlationId"] for entry in confirmed["history"]} == {correlation_id}
    # AND the correlation id is in the logs of every service the order went through
    for function in ("OrdersApi", "Payments", "Inventory", "OrderTracker", "Notifications"):
        assert log_lines(function_logs, function, f'"correlation_id":"{correlation_id}"'), function


def test_an_order_out_of_stock_is_cancelled_refunded_and_told(
    order_flow: OrderFlowApi, inbox: Inbox, dynamodb: Any
) -> None:
    # GIVEN a product with one unit WHEN two are ordered
    product = new_product(order_flow, dynamodb, stock=1)
    order_id = placed_id(place(order_flow, product, 2))
    # THEN the order is cancelled for want of stock, its charge refunded, the customer told
    assert "out of stock" in inbox.wait_for(order_id)["Subject"]
    refunded = eventually(
        lambda: (o := order(order_flow, order_id))["payment"] == "REFUNDED" and o,
        "the refund",
    )
    assert (refunded["status"], refunded["cancelReason"]) == ("CANCELLED", "OUT_OF_STOCK")
    assert {"OutOfStock", "OrderCancelled", "PaymentRefunded"} <= set(history(refunded))
    # AND nothing was taken from stock
    assert stock(order_flow, dynamodb, product) == 1


def test_a_declined_payment_cancels_the_order_and_releases_what_was_reserved(
    order_flow: OrderFlowApi, inbox: Inbox, dynamodb: Any
) -> None:
    # GIVEN a customer whose card the simulated gateway declines
    product = new_product(order_flow, dynamodb, stock=5)
    order_id = placed_id(place(order_flow, product, 3, email="bo+decline@example.com"))
    # THEN the order is cancelled for the payment, and the customer told nothing was charged
    assert "payment declined" in inbox.wait_for(order_id)["Subject"]
    cancelled = settled(order_flow, order_id)
    assert (cancelled["status"], cancelled["cancelReason"]) == ("CANCELLED", "PAYMENT_FAILED")
    assert cancelled["payment"] == "FAILED"
    # AND whatever inventory held for it went back: stock ends where it began
    eventually(lambda: stock(order_flow, dynamodb, product) == 5, "the stock to come back")
    if "InventoryReserved" in history(cancelled):
        eventually(
            lambda: "InventoryReleased" in history(order(order_flow, order_id)), "the release"
        )


def test_two_concurrent_orders_for_the_last_unit_one_wins(
    order_flow: OrderFlowApi, inbox: Inbox, dynamodb: Any
) -> None:
    # GIVEN one unit left WHEN an express and a standard order for it come at the same time
    # (through different queues, so inventory handles them concurrently)
    product = new_product(order_flow, dynamodb, stock=1)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda express: place(order_flow, product, express=express),
                                (True, False)))  # fmt: skip
    order_ids = [placed_id(answer) for answer in answers]
    # THEN exactly one is confirmed and the other cancelled out of stock, and stock is zero
    outcomes = sorted(
        (settled(order_flow, oid)["status"], settled(order_flow, oid)["cancelReason"])
        for oid in order_ids
    )
    assert outcomes == [("CANCELLED", "OUT_OF_STOCK"), ("CONFIRMED", None)]
    assert stock(order_flow, dynamodb, product) == 0
    assert all(len(inbox.messages(oid)) == 1 for oid in order_ids)


def test_express_orders_are_reserved_while_standard_ones_wait(
    local_cloud: LocalCloud, order_flow: OrderFlowApi, dynamodb: Any
) -> None:
    # GIVEN the standard queue's consumer paused (a backlog of standard orders)
    lambda_client = local_cloud.emulator.client("lambda")
    standard_queue = order_flow.queue_url("ShopInventoryStandard")
    [mapping] = [
        m
        for m in lambda_client.list_event_source_mappings()["EventSourceMappings"]
        if m["EventSourceArn"].endswith(":" + standard_queue.rsplit("/", 1)[-1])
    ]
    lambda_client.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    # the local poller notices at its next scan: wait until it has stopped reading the queue
    lane = local_cloud.event_sources._lanes.get((mapping["UUID"], ""))
    eventually(lambda: lane is None or not lane.is_alive(), "the standard queue's poller to stop")
    try:
        product = new_product(order_flow, dynamodb, stock=10)
        standard = placed_id(place(order_flow, product))
        # WHEN an express order comes after it
        express = placed_id(place(order_flow, product, express=True))
        # THEN the express order is reserved (its own queue) while the standard one waits
        eventually(
            lambda: order(order_flow, express)["inventory"] == "RESERVED", "the express order"
        )
        assert order(order_flow, standard)["inventory"] == "PENDING"
    finally:
        lambda_client.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    # AND once the standard queue is read again, its order is reserved too
    eventually(lambda: order(order_flow, standard)["inventory"] == "RESERVED", "the backlog")


# -- duplicates and replays -------------------------------------------------------------------


def test_a_duplicated_order_placed_charges_and_reserves_once(
    local_cloud: LocalCloud,
    order_flow: OrderFlowApi,
    inbox: Inbox,
    dynamodb: Any,
    function_logs: FunctionLogs,
) -> None:
    # GIVEN a confirmed order
    product = new_product(order_flow, dynamodb, stock=10)
    order_id = placed_id(place(order_flow, product, 2))
    placed = settled(order_flow, order_id)
    # WHEN its OrderPlaced is put on the bus again (a producer's retry)
    detail = {
        "metadata": {"correlationId": placed["correlationId"], "occurredAt": placed["placedAt"]},
        "data": {
            "orderId": order_id,
            "customerEmail": placed["customerEmail"],
            "lines": placed["items"],
            "totalCents": placed["totalCents"],
            "express": False,
        },
    }
    put_order_placed(local_cloud, order_flow, detail)
    # THEN payments and inventory both see it as a duplicate ...
    eventually(lambda: log_lines(function_logs, "Payments", order_id, "duplicate"), "payments")
    eventually(lambda: log_lines(function_logs, "Inventory", order_id, "duplicate"), "inventory")
    eventually(
        lambda: log_lines(function_logs, "OrderTracker", order_id, "already recorded"), "tracker"
    )
    # ... so stock moved once, and the customer was told once
    assert stock(order_flow, dynamodb, product) == 8
    assert len(inbox.messages(order_id)) == 1
    # ... and every hop is in the history once (OrderConfirmed comes back over the bus, and a
    # write that met the duplicate's is retried a second later: wait for it)
    recorded = eventually(
        lambda: (h := history(order(order_flow, order_id))) and len(h) >= len(HOPS) and h,
        "every hop in the history",
    )
    assert sorted(recorded) == sorted(HOPS)


def test_replaying_the_archive_charges_reserves_and_notifies_nothing_twice(
    local_cloud: LocalCloud,
    order_flow: OrderFlowApi,
    inbox: Inbox,
    dynamodb: Any,
    function_logs: FunctionLogs,
) -> None:
    # GIVEN a confirmed and notified order
    product = new_product(order_flow, dynamodb, stock=10)
    start = time.time() - 1
    order_id = placed_id(place(order_flow, product, 3))
    settled(order_flow, order_id)
    inbox.wait_for(order_id)
    notified = len(log_lines(function_logs, "Notifications", order_id))
    # WHEN every event since it was placed is replayed from the bus's archive
    events = local_cloud.emulator.client("events")
    replay = f"replay-{uuid.uuid4().hex[:8]}"
    events.start_replay(
        ReplayName=replay,
        EventSourceArn=order_flow.archive_arn,
        EventStartTime=start,
        EventEndTime=time.time() + 1,
        Destination={"Arn": order_flow.bus_arn},
    )
    # THEN each consumer gets its events again (replayed) and does nothing with them
    eventually(lambda: log_lines(function_logs, "Payments", order_id, replay), "payments")
    eventually(lambda: log_lines(function_logs, "Inventory", order_id, "duplicate"), "inventory")
    eventually(
        lambda: len(log_lines(function_logs, "Notifications", order_id)) > notified,
        "notifications",
    )
    assert stock(order_flow, dynamodb, product) == 7
    assert len(inbox.messages(order_id)) == 1
    replayed = order(order_flow, order_id)
    assert sorted(history(replayed)) == sorted(HOPS)
    assert replayed["status"] == "CONFIRMED"


# -- what cannot be processed ---------------------------------------------------------------


def test_a_poison_event_lands_in_each_consumers_dead_letter_queue_with_the_reason(
    local_cloud: LocalCloud, order_flow: OrderFlowApi
) -> None:
    # GIVEN an OrderPlaced whose detail breaks the catalogue's schema (no lines, no total)
    sqs = local_cloud.emulator.client("sqs")
    marker = str(uuid.uuid4())
    detail = {
        "metadata": {"correlationId": marker, "occurredAt": "2026-01-01T00:00:00Z"},
        "data": {"orderId": marker, "express": False},
    }
    # WHEN it is put on the bus
    put_order_placed(local_cloud, order_flow, detail)

    def letters(logical_prefix: str) -> list[dict[str, Any]]:
        found = sqs.receive_message(
            QueueUrl=order_flow.queue_url(logical_prefix),
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
            VisibilityTimeout=0,
        ).get("Messages", [])
        return [m for m in found if marker in m["Body"]]

    # THEN inventory sets it aside at once, saying why ...
    [set_aside] = eventually(lambda: letters("ShopInventoryDeadLetters"), "inventory's")
    reason = set_aside["MessageAttributes"]["reason"]["StringValue"]
    assert reason.startswith("OrderPlaced detail.data must contain")
    # ... and payments' and the tracker's invocations fail until Lambda gives up and keeps the
    # event with the error
    for consumer in ("ShopPaymentsDeadLetters", "ShopOrderTrackerDeadLetters"):
        [failed] = eventually(lambda c=consumer: letters(c), consumer)  # type: ignore[misc]
        error = failed["MessageAttributes"]["ErrorMessage"]["StringValue"]
        assert "OrderPlaced detail.data must contain" in error


# -- the API ---------------------------------------------------------------------------------


def test_the_catalogue_is_seeded_and_bad_orders_are_refused(order_flow: OrderFlowApi) -> None:
    products = request("GET", f"{order_flow.url}products", headers=key(order_flow)).json()
    assert {"desk-lamp", "signed-print"} <= {p["productId"] for p in products["products"]}
    assert request("GET", f"{order_flow.url}products").status == 403
    bad = request(
        "POST",
        f"{order_flow.url}orders",
        json_body={"items": [], "customerEmail": "ana@example.com"},
        headers=key(order_flow),
    )
    assert bad.status == 400
    unknown = place(order_flow, "no-such-product")
    assert unknown.status == 400
    assert unknown.json()["field"] == "items.0.productId"
    assert (
        request("GET", f"{order_flow.url}orders/{uuid.uuid4()}", headers=key(order_flow)).status
        == 404
    )
