"""REST handler of the orders service: ``POST /orders``, ``GET /orders/{id}``, ``GET
/products``. The request id API Gateway gives the call becomes the order's correlation id,
which every event of the order carries on."""

from __future__ import annotations

import os
import warnings
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from shared.http import add_error_answers, json_response, request_body

from ..events import EventPublisher, PublishFailed
from ..inventory.products_table import ProductsTable
from .models import new_order
from .orders_table import OrdersTable
from .placing import OrderDesk

logger = Logger()
metrics = Metrics()
# Reads publish no metric; Powertools would warn about that on every GET.
warnings.filterwarnings("ignore", message="No application metrics to publish")
app = APIGatewayRestResolver(cors=CORSConfig(allow_origin="*", max_age=300))
add_error_answers(app)
_dynamodb = boto3.client("dynamodb")
products = ProductsTable(os.environ["PRODUCTS_TABLE"], _dynamodb)
desk = OrderDesk(
    OrdersTable(os.environ["ORDERS_TABLE"], _dynamodb),
    products,
    EventPublisher(os.environ["EVENT_BUS_NAME"], boto3.client("events")),
)


@app.post("/orders")
def place_order() -> Response[str]:
    request = new_order(request_body(app))
    order = desk.place(request, correlation_id=logger.get_correlation_id() or "unknown")
    logger.info("order placed", orderId=order.order_id, express=order.express)
    metrics.add_metric(name="OrdersPlaced", unit=MetricUnit.Count, value=1)
    body = {
        "orderId": order.order_id,
        "status": order.status,
        "totalCents": order.total_cents,
        "correlationId": order.correlation_id,
    }
    return json_response(202, body, {"Location": f"/orders/{order.order_id}"})


@app.get("/orders/<order_id>")
def get_order(order_id: str) -> dict[str, Any]:
    return desk.get(order_id).to_json()


@app.get("/products")
def list_products() -> dict[str, Any]:
    return {"products": [product.to_json() for product in products.all()]}


@app.exception_handler(PublishFailed)
def not_accepted(error: PublishFailed) -> Response[str]:
    logger.error("the bus refused OrderPlaced; the order was taken back", error=str(error))
    message = "the order could not be accepted right now (nothing was stored); try again"
    return json_response(503, {"message": message})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
