"""The shop's AWS world on moto, for the handler tests: its tables, bus, topic and queues, the
five handler modules loaded inside the mock, and helpers to make events and read what the
handlers published.

Every event a handler puts on the bus is caught by a rule that copies the bus into a "spy"
queue; tests read it with :meth:`ShopWorld.published`. Handlers are invoked one at a time, as
Lambda would invoke them; nothing flows on to the next service by itself.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import boto3
import pytest
from lambda_harness import ACCOUNT_ID, FAKE_AWS, REGION, FakeLambdaContext, fresh_module
from moto import mock_aws
from shop.events import event_type
from shop.inventory.products_table import Product, ProductsTable

NAMES = {
    "ORDERS_TABLE": "shop-orders",
    "PRODUCTS_TABLE": "shop-products",
    "RESERVATIONS_TABLE": "shop-reservations",
    "PAYMENTS_TABLE": "shop-payments",
    "IDEMPOTENCY_TABLE": "shop-idempotency",
    "EVENT_BUS_NAME": "shop-bus",
}
HANDLERS = {
    "api": "shop.orders.api_handler",
    "tracker": "shop.orders.tracker_handler",
    "payments": "shop.payments.handler",
    "inventory": "shop.inventory.handler",
    "notifications": "shop.notifications.handler",
}
ENVIRONMENT = {
    **FAKE_AWS,
    "POWERTOOLS_SERVICE_NAME": "shop",
    "POWERTOOLS_METRICS_NAMESPACE": "ServerlessReference",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "IDEMPOTENCY_TTL_SECONDS": "86400",
    **NAMES,
}
CORRELATION_ID = "corr-0001"


def new_order_id() -> str:
    return str(uuid.uuid4())


def eventbridge_event(
    detail_type: str,
    data: dict[str, Any],
    *,
    correlation_id: str = CORRELATION_ID,
    event_id: str | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """A shop event as EventBridge delivers it to a target."""
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source or event_type(detail_type).source,
        "account": ACCOUNT_ID,
        "time": "2026-01-01T00:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": {
            "metadata": {"correlationId": correlation_id, "occurredAt": "2026-01-01T00:00:00Z"},
            "data": data,
        },
    }


def placed(
    order_id: str,
    lines: list[tuple[str, int, int]],
    *,
    email: str = "ana@example.com",
    express: bool = False,
) -> dict[str, Any]:
    """The data of an OrderPlaced: ``lines`` are (product, quantity, price in cents)."""
    return {
        "orderId": order_id,
        "customerEmail": email,
        "lines": [{"productId": p, "quantity": q, "priceCents": c} for p, q, c in lines],
        "totalCents": sum(q * c for _, q, c in lines),
        "express": express,
    }


def sqs_event(*bodies: str) -> dict[str, Any]:
    """An SQS event source batch, one record per body."""
    return {
        "Records": [
            {
                "messageId": f"message-{number}",
                "receiptHandle": f"handle-{number}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:inventory-standard",
                "awsRegion": REGION,
            }
            for number, body in enumerate(bodies)
        ]
    }


@dataclass
class ShopWorld:
    modules: dict[str, ModuleType]
    dynamodb: Any
    sqs: Any
    spy_url: str
    inbox_url: str
    dead_letter_url: str
    topic_arn: str
    context: FakeLambdaContext = field(
        default_factory=lambda: FakeLambdaContext(
            function_name="shop",
            invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:shop",
        )
    )
    _seen: list[dict[str, Any]] = field(default_factory=list)

    # -- driving the handlers ---------------------------------------------------------------

    def invoke(self, handler: str, event: Any) -> Any:
        return self.modules[handler].lambda_handler(event, self.context)

    # -- what they did ----------------------------------------------------------------------

    def published(
        self, detail_type: str | None = None, *, order_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Every event put on the bus so far, in order; of one type, of one order."""
        while True:
            messages = self.sqs.receive_message(QueueUrl=self.spy_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not messages:
                break
            for message in messages:
                self._seen.append(json.loads(message["Body"]))
                self.sqs.delete_message(
                    QueueUrl=self.spy_url, ReceiptHandle=message["ReceiptHandle"]
                )
        return [
            event
            for event in self._seen
            if detail_type in (None, event["detail-type"])
            and order_id in (None, event["detail"]["data"].get("orderId"))
        ]

    def drain(self, queue_url: str) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            ).get("Messages", [])
            if not batch:
                return messages
            for message in batch:
                self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            messages += batch

    # -- the data behind them ---------------------------------------------------------------

    @property
    def products(self) -> ProductsTable:
        return ProductsTable(NAMES["PRODUCTS_TABLE"], self.dynamodb)

    def stock(self, product_id: str) -> int:
        return self.products.get_many([product_id])[product_id].stock

    def add_product(self, product_id: str, *, price_cents: int = 1000, stock: int = 10) -> None:
        self.products.put(Product(product_id, product_id.title(), price_cents, stock))

    def record(self, table: str, order_id: str) -> dict[str, Any] | None:
        item = self.dynamodb.get_item(
            TableName=NAMES[table], Key={"orderId": {"S": order_id}}, ConsistentRead=True
        ).get("Item")
        return item


def _table(dynamodb: Any, name: str, key: str) -> None:
    dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )


@contextmanager
def shop_world() -> Iterator[ShopWorld]:
    """Everything the shop's handlers talk to, on moto, with the handlers loaded inside."""
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        for name, value in ENVIRONMENT.items():
            patch.setenv(name, value)
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        for table in ("ORDERS_TABLE", "RESERVATIONS_TABLE", "PAYMENTS_TABLE"):
            _table(dynamodb, NAMES[table], "orderId")
        _table(dynamodb, NAMES["PRODUCTS_TABLE"], "productId")
        _table(dynamodb, NAMES["IDEMPOTENCY_TABLE"], "id")
        sqs = boto3.client("sqs", region_name=REGION)
        spy_url = sqs.create_queue(QueueName="spy")["QueueUrl"]
        inbox_url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        dead_letter_url = sqs.create_queue(QueueName="inventory-dlq")["QueueUrl"]
        events = boto3.client("events", region_name=REGION)
        events.create_event_bus(Name=NAMES["EVENT_BUS_NAME"])
        events.put_rule(
            Name="everything",
            EventBusName=NAMES["EVENT_BUS_NAME"],
            EventPattern=json.dumps({"account": [ACCOUNT_ID]}),
        )
        events.put_targets(
            Rule="everything",
            EventBusName=NAMES["EVENT_BUS_NAME"],
            Targets=[{"Id": "spy", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:spy"}],
        )
        sns = boto3.client("sns", region_name=REGION)
        topic_arn = sns.create_topic(Name="notifications")["TopicArn"]
        sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:inbox",
            Attributes={
                "FilterPolicy": json.dumps(
                    {"recipientDomain": ["example.com", "example.org", "example.net"]}
                )
            },
        )
        patch.setenv("NOTIFICATION_TOPIC_ARN", topic_arn)
        patch.setenv("DEAD_LETTER_QUEUE_URL", dead_letter_url)
        modules = {name: fresh_module(module) for name, module in HANDLERS.items()}
        yield ShopWorld(
            modules=modules,
            dynamodb=dynamodb,
            sqs=sqs,
            spy_url=spy_url,
            inbox_url=inbox_url,
            dead_letter_url=dead_letter_url,
            topic_arn=topic_arn,
        )
