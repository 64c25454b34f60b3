"""REST handler for /items: parse the request, call the service, shape the response."""

from __future__ import annotations

import os
import warnings
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import (
    APIGatewayRestResolver,
    CORSConfig,
    Response,
)
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from json_api import ValidationError, event_json, json_response

from .dal import ItemTable
from .logic import DEFAULT_PAGE_SIZE, ItemService
from .models import Conflict, ItemNotFound, item_update, new_item_fields

logger = Logger()
metrics = Metrics()
# Reads publish no metric; Powertools would warn about that on every GET.
warnings.filterwarnings("ignore", message="No application metrics to publish")
app = APIGatewayRestResolver(
    cors=CORSConfig(
        allow_origin="*",  # the API key is the credential; no cookies cross origins
        allow_headers=["x-api-key", "Idempotency-Key"],
        max_age=300,
    )
)
service = ItemService(ItemTable(os.environ["TABLE_NAME"], boto3.client("dynamodb")))


def _int_query(name: str, default: int | None) -> int | None:
    value = (app.current_event.query_string_parameters or {}).get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValidationError(f"{name} must be an integer", name) from None


@app.get("/items")
def list_items() -> dict[str, Any]:
    cursor = (app.current_event.query_string_parameters or {}).get("cursor")
    page = service.list(limit=_int_query("limit", DEFAULT_PAGE_SIZE) or 0, cursor=cursor)
    return {"items": [item.to_json() for item in page.items], "nextCursor": page.next_cursor}


@app.post("/items")
def create_item() -> Response[str]:
    fields = new_item_fields(event_json(app.current_event))
    event = app.current_event
    key = event.headers.get("Idempotency-Key")  # Powertools' headers are case-insensitive
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
    fields, expected_version = item_update(event_json(app.current_event))
    return service.update(item_id, fields, expected_version=expected_version).to_json()


@app.delete("/items/<item_id>")
def delete_item(item_id: str) -> Response[str]:
    service.delete(item_id, expected_version=_int_query("version", None))
    metrics.add_metric(name="ItemsDeleted", unit=MetricUnit.Count, value=1)
    return Response(status_code=204, body="")


@app.exception_handler(ValidationError)
def bad_request(error: ValidationError) -> Response[str]:
    return json_response(400, {"message": error.message, "field": error.field})


@app.exception_handler(ItemNotFound)
def not_found(error: ItemNotFound) -> Response[str]:
    return json_response(404, {"message": str(error)})


@app.exception_handler(Conflict)
def conflict(error: Conflict) -> Response[str]:
    return json_response(409, {"message": str(error)})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
