"""REST handler for /items: parse the request, call the service, shape the response."""

from __future__ import annotations

import os
import warnings
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from shared.http import add_error_answers, int_query, json_response, request_body
from shared.ids import IDEMPOTENCY_HEADER

from .dal import ItemTable
from .logic import DEFAULT_PAGE_SIZE, ItemService
from .models import item_update, new_item_fields

logger = Logger()
metrics = Metrics()
# Reads publish no metric; Powertools would warn about that on every GET.
warnings.filterwarnings("ignore", message="No application metrics to publish")
app = APIGatewayRestResolver(
    cors=CORSConfig(
        allow_origin="*",  # the API key is the credential; no cookies cross origins
        allow_headers=["x-api-key", IDEMPOTENCY_HEADER],
        max_age=300,
    )
)
add_error_answers(app)
service = ItemService(ItemTable(os.environ["TABLE_NAME"], boto3.client("dynamodb")))


@app.get("/items")
def list_items() -> dict[str, Any]:
    cursor = (app.current_event.query_string_parameters or {}).get("cursor")
    page = service.list(limit=int_query(app, "limit", DEFAULT_PAGE_SIZE) or 0, cursor=cursor)
    return {"items": [item.to_json() for item in page.items], "nextCursor": page.next_cursor}


@app.post("/items")
def create_item() -> Response[str]:
    fields = new_item_fields(request_body(app))
    event = app.current_event
    key = event.headers.get(IDEMPOTENCY_HEADER)  # Powertools' headers are case-insensitive
    item = service.create(
        fields, idempotency_key=key, consumer=event.request_context.identity.api_key_id
    )
    metrics.add_metric(name="ItemsCreated", unit=MetricUnit.Count, value=1)
    return json_response(201, item.to_json(), {"Location": f"/items/{item.id}"})


@app.get("/items/<item_id>")
def get_item(item_id: str) -> dict[str, Any]:
    return service.get(item_id).to_json()


@app.put("/items/<item_id>")
def update_item(item_id: str) -> dict[str, Any]:
    fields, expected_version = item_update(request_body(app))
    return service.update(item_id, fields, expected_version=expected_version).to_json()


@app.delete("/items/<item_id>")
def delete_item(item_id: str) -> Response[str]:
    service.delete(item_id, expected_version=int_query(app, "version", None))
    metrics.add_metric(name="ItemsDeleted", unit=MetricUnit.Count, value=1)
    return Response(status_code=204, body="")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
