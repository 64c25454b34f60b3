"""SQS handler of the inventory service: each message is an OrderPlaced (hold its stock) or an
OrderCancelled (give it back). Messages are processed one by one; the ones that fail are
reported back (partial batch response) and come again, poison ones are set aside."""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from ..events import EventPublisher, MalformedEvent, parse_event
from .dead_letters import DeadLetters
from .logic import HANDLED, Inventory
from .products_table import ProductsTable
from .reservations_table import ReservationsTable

logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)
_dynamodb = boto3.client("dynamodb")
inventory = Inventory(
    ReservationsTable(
        os.environ["RESERVATIONS_TABLE"],
        ProductsTable(os.environ["PRODUCTS_TABLE"], _dynamodb),
        _dynamodb,
    ),
    EventPublisher(os.environ["EVENT_BUS_NAME"], boto3.client("events")),
)
dead_letters = DeadLetters(os.environ["DEAD_LETTER_QUEUE_URL"], boto3.client("sqs"))


def handle_record(record: SQSRecord) -> None:
    logger.set_correlation_id(None)
    try:
        event = parse_event(record.body, accept=HANDLED)
    except MalformedEvent as error:
        logger.warning("poison message set aside", reason=str(error), messageId=record.message_id)
        dead_letters.set_aside(
            record.body,
            reason=str(error),
            source_queue=record.event_source_arn,
            message_id=record.message_id,
        )
        metrics.add_metric(name="PoisonMessages", unit=MetricUnit.Count, value=1)
        return
    logger.set_correlation_id(event.correlation_id)
    outcome = inventory.handle(event)
    logger.info(f"{event.detail_type}: {outcome}", orderId=event.order_id, eventId=event.event_id)
    metrics.add_metric(name=f"{event.detail_type}Handled", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=handle_record, processor=processor, context=context
    )
