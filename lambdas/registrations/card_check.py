"""The workflow's card check: ``{"card": {"ciphertext", "last4"}, "registration"}`` in,
``{"valid", "reason", "brand", "last4"}`` out. The only function that may decrypt a card, and
it logs and answers nothing of it but the brand and the last four digits."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger

from .card_vault import CardVault
from .validation import check_card

logger = Logger()
vault = CardVault(os.environ["CARD_KEY_ID"], boto3.client("kms"))


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, object]:
    # CardUnreadable (altered, or another registration's card) fails the task: the workflow
    # retries it, then records the failure, naming this step.
    card = vault.open(event["card"]["ciphertext"], event["registration"])
    result = check_card(card.number, card.expiry, today=datetime.now(UTC).date())
    logger.info(
        "card checked", extra={"valid": result.valid, "brand": result.brand, "last4": result.last4}
    )
    return result.to_json()
