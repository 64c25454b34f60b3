"""REST handler for POST /uploads, GET /images and GET /images/{id} (API key)."""

from __future__ import annotations

import datetime
import os
import warnings
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from shared.concurrency import NotFound
from shared.http import add_error_answers, int_query, json_response, request_body
from shared.pagination import DEFAULT_PAGE_SIZE

from . import signing
from .records import ImageRecord, ImageRecords
from .signing_key import signing_key
from .uploads import UploadRefused, presigned_upload

logger = Logger()
metrics = Metrics()
warnings.filterwarnings("ignore", message="No application metrics to publish")
app = APIGatewayRestResolver(
    cors=CORSConfig(allow_origin="*", allow_headers=["x-api-key"], max_age=300)
)
add_error_answers(app)
s3 = boto3.client("s3")
records = ImageRecords(boto3.resource("dynamodb").Table(os.environ["METADATA_TABLE"]))
UPLOADS_BUCKET = os.environ["UPLOADS_BUCKET"]
MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(25 * 1024 * 1024)))
CDN_URL = os.environ.get("CDN_URL", "")
_key = signing_key() if os.environ.get("SIGNED_URLS", "true") == "true" else None
# The example transforms GET /images/{id} offers (each a signed URL where the stage signs).
EXAMPLES = {
    "thumbnail": {"w": 200, "h": 200, "fit": "cover", "format": "auto"},
    "preview": {"w": 800, "format": "auto"},
}


def _urls(record: ImageRecord) -> dict[str, Any]:
    """Where a record's images are served: its derivatives and example transforms."""
    document = record.to_json()
    for derivative in document.get("derivatives", []):
        derivative["url"] = f"{CDN_URL}/{derivative['key']}"
    if record.status == "ready":
        document["transforms"] = {
            name: signing.signed_url(_key, CDN_URL, record.id, **params)
            for name, params in EXAMPLES.items()
        }
    return document


def refused(error: UploadRefused) -> Response[str]:
    return json_response(error.status, {"message": error.message, "field": error.field})


app.exception_handler(UploadRefused)(refused)


@app.post("/uploads")
def create_upload() -> Response[str]:
    ticket = presigned_upload(
        s3, bucket=UPLOADS_BUCKET, body=request_body(app), max_bytes=MAX_UPLOAD_BYTES
    )
    records.pending(ticket.id, ticket.key, datetime.datetime.now(datetime.UTC))
    metrics.add_metric(name="UploadsPresigned", unit=MetricUnit.Count, value=1)
    return json_response(201, ticket.to_json(), {"Location": f"/images/{ticket.id}"})


@app.get("/images")
def list_images() -> dict[str, Any]:
    cursor = (app.current_event.query_string_parameters or {}).get("cursor")
    page = records.list(limit=int_query(app, "limit", DEFAULT_PAGE_SIZE) or 0, cursor=cursor)
    return {"images": [_urls(r) for r in page.items], "nextCursor": page.next_cursor}


@app.get("/images/<image_id>")
def get_image(image_id: str) -> dict[str, Any]:
    record = records.get(image_id)
    if record is None:
        raise NotFound("image", image_id)
    return _urls(record)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
