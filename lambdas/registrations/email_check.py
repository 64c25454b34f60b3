"""The workflow's e-mail check: ``{"email"}`` in, ``{"valid", "reason"}`` out. The deny-list
of disposable-mail domains is configuration (``DISPOSABLE_EMAIL_DOMAINS``, comma-separated)."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger

from .validation import check_email

logger = Logger()
disposable_domains = frozenset(
    domain.strip().lower()
    for domain in os.environ.get("DISPOSABLE_EMAIL_DOMAINS", "").split(",")
    if domain.strip()
)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, object]:
    result = check_email(event["email"], disposable_domains)
    logger.info("e-mail checked", extra={"valid": result.valid})
    return result.to_json()
