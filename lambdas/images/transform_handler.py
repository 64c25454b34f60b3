"""GET /images/{key+}?w=&h=&fit=&format=&q=&sig= (API Gateway proxy, binary answers)."""

from __future__ import annotations

import base64
import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger

from . import pipeline
from .signing_key import signing_key
from .transform import TransformService

logger = Logger()
pipeline.configure()
_signed = os.environ.get("SIGNED_URLS", "true") == "true"
service = TransformService(
    s3=boto3.client("s3"),
    uploads_bucket=os.environ["UPLOADS_BUCKET"],
    derivatives_bucket=os.environ["DERIVATIVES_BUCKET"],
    signing_key=signing_key() if _signed else None,
    max_upload_bytes=int(os.environ.get("MAX_UPLOAD_BYTES", str(25 * 1024 * 1024))),
)


def _header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return str(value)
    return None


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    key = (event.get("pathParameters") or {}).get("key") or ""
    params = {k: str(v) for k, v in (event.get("queryStringParameters") or {}).items()}
    answer = service.answer(key, params, _header(event, "accept"))
    logger.info("transform", extra={"key": key, "params": params, "status": answer.status})
    binary = answer.status == 200
    return {
        "statusCode": answer.status,
        "headers": answer.headers,
        "body": base64.b64encode(answer.body).decode() if binary else answer.body.decode(),
        "isBase64Encoded": binary,
    }
