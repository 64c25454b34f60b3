"""Placing orders, in plain Python: price the request from the catalogue, store the order as
PLACED, and tell the bus (OrderPlaced). The services that act on it are not known here."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from shared.validation import ValidationError

from ..events import EventPublisher, PublishFailed, now_iso
from ..inventory.products_table import ProductsTable
from .models import NewOrder, Order, OrderLine, OrderNotFound
from .orders_table import OrdersTable

ORDER_PLACED = "OrderPlaced"
_ORDER_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class OrderDesk:
    def __init__(
        self,
        orders: OrdersTable,
        products: ProductsTable,
        publisher: EventPublisher,
        clock: Callable[[], str] = now_iso,
    ) -> None:
        self._orders = orders
        self._products = products
        self._publisher = publisher
        self._clock = clock

    def place(self, request: NewOrder, *, correlation_id: str) -> Order:
        known = self._products.get_many(line.product_id for line in request.lines)
        for number, line in enumerate(request.lines):
            if line.product_id not in known:
                raise ValidationError(
                    f"body.items[{number}].productId: there is no product {line.product_id} "
                    "(GET /products lists them)",
                    f"items.{number}.productId",
                )
        lines = tuple(
            OrderLine(line.product_id, line.quantity, known[line.product_id].price_cents)
            for line in request.lines
        )
        order = Order(
            order_id=str(uuid.uuid4()),
            customer_email=request.customer_email,
            lines=lines,
            total_cents=sum(line.quantity * line.price_cents for line in lines),
            express=request.express,
            correlation_id=correlation_id,
            placed_at=self._clock(),
        )
        self._orders.create(order)
        try:
            self._publisher.publish(ORDER_PLACED, placed_data(order), correlation_id=correlation_id)
        except PublishFailed:
            # EventBridge refused it, so no service will ever act on the order: take it back
            # and let the customer try again, rather than keep an order that goes nowhere.
            self._orders.delete(order.order_id)
            raise
        return order

    def get(self, order_id: str) -> Order:
        order = self._orders.get(order_id) if _ORDER_ID.match(order_id) else None
        if order is None:
            raise OrderNotFound(order_id)
        return order


def placed_data(order: Order) -> dict[str, Any]:
    return {
        "orderId": order.order_id,
        "customerEmail": order.customer_email,
        "lines": [line.to_json() for line in order.lines],
        "totalCents": order.total_cents,
        "express": order.express,
    }
