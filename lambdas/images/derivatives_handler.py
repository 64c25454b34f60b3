"""S3 ObjectCreated under uploads/ (asynchronous): derivatives and a metadata record per
upload. Bad images are recorded and reported, not raised (a retry cannot fix them); anything
else raises, so that Lambda retries and then sends the event to the on-failure destination."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import unquote_plus

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from botocore.config import Config

from . import pipeline
from .derivatives import DerivativesService, Upload
from .records import ImageRecords

logger = Logger()
metrics = Metrics()
pipeline.configure()
_config = Config(max_pool_connections=16)
service = DerivativesService(
    s3=boto3.client("s3", config=_config),
    sqs=boto3.client("sqs"),
    records=ImageRecords(boto3.resource("dynamodb").Table(os.environ["METADATA_TABLE"])),
    derivatives_bucket=os.environ["DERIVATIVES_BUCKET"],
    failure_queue_url=os.environ["FAILURE_QUEUE_URL"],
    widths=[int(w) for w in os.environ.get("DERIVATIVE_WIDTHS", "320,960,1920").split(",")],
    max_upload_bytes=int(os.environ.get("MAX_UPLOAD_BYTES", str(25 * 1024 * 1024))),
)


def uploads(event: dict[str, Any]) -> list[Upload]:
    found = []
    for record in event.get("Records") or []:
        s3 = record["s3"]
        found.append(
            Upload(
                bucket=s3["bucket"]["name"],
                # S3 events carry keys URL-encoded, spaces as "+".
                key=unquote_plus(s3["object"]["key"]),
                version_id=s3["object"].get("versionId") or "null",
                size=int(s3["object"].get("size") or 0),
            )
        )
    return found


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    results = []
    for upload in uploads(event):
        outcome = service.process(upload)
        logger.info(
            "processed upload",
            extra={
                "key": upload.key,
                "versionId": upload.version_id,
                "status": outcome.status,
                "reason": outcome.record.reason if outcome.record else None,
            },
        )
        metrics.add_metric(name=f"Images{outcome.status.title()}", unit=MetricUnit.Count, value=1)
        results.append({"key": upload.key, "status": outcome.status})
    return {"results": results}
