"""The workflow's DNI check: ``{"dni"}`` in, ``{"valid", "reason"}`` out."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from .validation import check_dni

logger = Logger()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, object]:
    result = check_dni(event["dni"])
    # The verdict only: the DNI itself stays out of the logs.
    logger.info("DNI checked", extra={"valid": result.valid})
    return result.to_json()
