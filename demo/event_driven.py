"""The event-driven shop's demo step: an order placed over HTTP, followed hop by hop (the bus,
payments, inventory's queue, the tracker, notifications, SNS, the inbox) as ``GET
/orders/{id}`` records it; then a declined payment, the last unit wanted twice, and an archive
replay that changes nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from localcloud.__main__ import api_key_values
from localcloud.cloud import LocalCloud

from .checks import Http, Report, http, outputs_with, said

T = TypeVar("T")
WAIT_S = 30.0
WHAT_EACH_HOP_MEANS = {
    "OrderPlaced": "the order is on the bus (orders API -> EventBridge)",
    "PaymentCompleted": "Pago charged it (EventBridge -> payments)",
    "PaymentFailed": "Pago was declined (EventBridge -> payments)",
    "InventoryReserved": "Inventario held its stock (EventBridge -> SQS -> inventory)",
    "OutOfStock": "Inventario found too little stock (EventBridge -> SQS -> inventory)",
    "InventoryReleased": "Inventario gave the stock back",
    "PaymentRefunded": "Pago refunded the charge",
    "OrderConfirmed": "the tracker confirmed it (paid and reserved)",
    "OrderCancelled": "the tracker cancelled it",
    "CustomerNotified": "Mensaje published the customer's message (SNS -> inbox)",
}


def _eventually(check: Callable[[], T | None]) -> T | None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    return None


def _ms(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000


def run(cloud: LocalCloud, outputs: dict[str, dict[str, str]], report: Report) -> None:
    stack = outputs_with(outputs, "OrdersApiUrl", "EventBusName", "NotificationsInboxQueueUrl")
    if stack is None:
        return
    report.section("Event-driven shop: orders over EventBridge, SQS and SNS")
    api = stack["OrdersApiUrl"]
    key = {"x-api-key": api_key_values(cloud)[stack["ApiKeyId"]]}
    sqs = cloud.emulator.client("sqs")
    inbox: dict[str, list[dict[str, Any]]] = {}

    def read_inbox() -> dict[str, list[dict[str, Any]]]:
        for message in sqs.receive_message(
            QueueUrl=stack["NotificationsInboxQueueUrl"], MaxNumberOfMessages=10
        ).get("Messages", []):
            envelope = json.loads(message["Body"])
            order_id = envelope["MessageAttributes"]["orderId"]["Value"]
            inbox.setdefault(order_id, []).append(envelope)
            sqs.delete_message(
                QueueUrl=stack["NotificationsInboxQueueUrl"], ReceiptHandle=message["ReceiptHandle"]
            )
        return inbox

    def settled(order_id: str) -> dict[str, Any] | None:
        def check() -> dict[str, Any] | None:
            answer = http("GET", f"{api}orders/{order_id}", headers=key)
            order: dict[str, Any] = answer.json() if answer.status == 200 else {}
            return order if order.get("customerNotified") else None

        return _eventually(check)

    def message_for(order_id: str) -> dict[str, Any] | None:
        messages = _eventually(lambda: read_inbox().get(order_id))
        return messages[0] if messages else None

    def place(product: str, quantity: int, email: str, *, express: bool = False) -> Http:
        body = {
            "items": [{"productId": product, "quantity": quantity}],
            "customerEmail": email,
            "express": express,
        }
        return http("POST", f"{api}orders", body, key)

    products = http("GET", f"{api}products", headers=key)
    names = [p["productId"] for p in products.json()["products"]] if products.status == 200 else []
    report.check("GET /products lists the demo catalogue", "desk-lamp" in names, ", ".join(names))

    # A first order starts every function (cold starts); the one shown hop by hop is warm.
    warm_up = place("notebook-a5", 1, "warm-up@example.com")
    if warm_up.status == 202:
        settled(warm_up.json()["orderId"])
    placed = place("desk-lamp", 2, "ana@example.com")
    report.check("POST /orders accepts the order (202)", placed.status == 202, said(placed))
    if placed.status != 202:
        return
    order_id, accepted = placed.json()["orderId"], time.time() * 1000
    order = settled(order_id)
    report.check(
        "the order is confirmed: paid and reserved",
        bool(order) and order["status"] == "CONFIRMED",  # type: ignore[index]
        f"order {order_id}",
    )
    if order:
        print(
            f"     correlation id {order['correlationId']}; each hop as the tracker saw it, "
            "from the order accepted (functions warm):"
        )
        for entry in order["history"]:
            when = _ms(entry["receivedAt"]) - accepted
            meaning = WHAT_EACH_HOP_MEANS.get(entry["type"], "")
            print(f"     {when:+8.0f} ms  {entry['type']:<18} {meaning}")
    message = message_for(order_id)
    report.check(
        "the customer's message is in the inbox (SNS, filtered to example.com)",
        bool(message),
        message["Subject"] if message else "no message",
    )

    declined = place("desk-lamp", 1, "bo+decline@example.com")
    declined_order = settled(declined.json()["orderId"]) if declined.status == 202 else None
    report.check(
        "a declined card cancels the order and releases any stock held",
        bool(declined_order) and declined_order["cancelReason"] == "PAYMENT_FAILED",  # type: ignore[index]
        " -> ".join(e["type"] for e in (declined_order or {}).get("history", [])),
    )

    first = place("signed-print", 1, "cy@example.com", express=True)
    second = place("signed-print", 1, "di@example.com")
    last_unit = [answer.json()["orderId"] for answer in (first, second)]
    outcomes = sorted((settled(order) or {}).get("status", "?") for order in last_unit)
    report.check(
        "two orders for the one signed print: one confirmed, one out of stock",
        outcomes == ["CANCELLED", "CONFIRMED"],
        str(outcomes),
    )

    events = cloud.emulator.client("events")
    archive = next(a for a in events.list_archives()["Archives"])
    bus_arn = events.describe_event_bus(Name=stack["EventBusName"])["Arn"]
    for told in (order_id, declined.json()["orderId"], *last_unit):
        message_for(told)
    before = sum(len(messages) for messages in inbox.values())
    events.start_replay(
        ReplayName=f"demo-{int(time.time())}",
        EventSourceArn=events.describe_archive(ArchiveName=archive["ArchiveName"])["ArchiveArn"],
        EventStartTime=accepted / 1000 - 5,
        EventEndTime=time.time() + 1,
        Destination={"Arn": bus_arn},
    )
    time.sleep(3)  # let the replayed events run through every consumer
    read_inbox()
    again = http("GET", f"{api}orders/{order_id}", headers=key).json()
    after = sum(len(messages) for messages in inbox.values())
    report.check(
        "replaying the archive charges, reserves and notifies nothing twice",
        after == before and len(again["history"]) == len(order["history"]),  # type: ignore[index]
        f"{after - before} new message(s); {len(again['history'])} events in the history",
    )
