"""REST handler of the orders service: ``POST /orders``, ``GET /orders/{id}``, ``GET
/products``. The request id API Gateway gives the call becomes the order's correlation id,
which every event of the order carries on."""

from __future__ import annotations

import json
import os
import warnings
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import (
    APIGatewayRestResolver,
    CORSConfig,
    Response,
    content_types,
)
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from ..events import EventPublisher, PublishFailed
from ..inventory.products_table import ProductsTable
from .models import OrderNotFound, ValidationError, new_order, parse_body
from .orders_table import OrdersTable
from .placing import OrderDesk

logger = Logger()
metrics = Metrics()
# Reads publish no metric; Powertools would warn about that on every GET.
warnings.filterwarnings("ignore", message="No application metrics to publish")
app = APIGatewayRestResolver(cors=CORSConfig(allow_origin="*", max_age=300))
_dynamodb = boto3.client("dynamodb")
products = ProductsTable(os.environ["PRODUCTS_TABLE"], _dynamodb)
desk = OrderDesk(
    OrdersTable(os.environ["ORDERS_TABLE"], _dynamodb),
    products,
    EventPublisher(os.environ["EVENT_BUS_NAME"], boto3.client("events")),
)


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body),
        headers=headers,
    )


@app.post("/orders")
def place_order() -> Response[str]:
    request = new_order(parse_body(app.current_event.decoded_body))
    order = desk.place(request, correlation_id=logger.get_correlation_id() or "unknown")
    logger.info("order placed", orderId=order.order_id, express=order.express)
    metrics.add_metric(name="OrdersPlaced", unit=MetricUnit.Count, value=1)
    body = {
        "orderId": order.order_id,
        "status": order.status,
        "totalCents": order.total_cents,
        "correlationId": order.correlation_id,
    }
    return _json(202, body, {"Location": f"/orders/{order.order_id}"})


@app.get("/orders/<order_id>")
def get_order(order_id: str) -> dict[str, Any]:
    return desk.get(order_id).to_json()


@app.get("/products")
def list_products() -> dict[str, Any]:
    return {"products": [product.to_json() for product in products.all()]}


@app.exception_handler(ValidationError)
def bad_request(error: ValidationError) -> Response[str]:
    return _json(400, {"message": error.message, "field": error.field})


@app.exception_handler(PublishFailed)
def not_accepted(error: PublishFailed) -> Response[str]:
    logger.error("the bus refused OrderPlaced; the order was taken back", error=str(error))
    message = "the order could not be accepted right now (nothing was stored); try again"
    return _json(503, {"message": message})


@app.exception_handler(OrderNotFound)
def not_found(error: OrderNotFound) -> Response[str]:
    return _json(404, {"message": str(error)})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
