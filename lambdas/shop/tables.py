"""What the shop's data-access modules do alike with DynamoDB: clear a record's pending event
once it is on the bus (a failed condition is told from other errors by ``shared.concurrency``).

Every service records a decision and the event that tells of it (``pendingEvent``) in one
write, publishes the event, then clears it. A delivery that finds a decision with its event
still pending publishes it again: no decision is lost between the write and the bus.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from botocore.exceptions import ClientError

from shared.concurrency import is_condition_failure

from .events import EventPublisher


class Decision(Protocol):
    """A service's record of what it decided for an order."""

    @property
    def order_id(self) -> str: ...

    @property
    def correlation_id(self) -> str: ...

    @property
    def pending_event(self) -> str | None: ...


def clear_pending_event(
    client: Any, table_name: str, order_id: str, detail_type: str, *, versioned: bool = False
) -> None:
    """Remove the record's ``pendingEvent`` if it is still ``detail_type`` (a no-op if another
    delivery cleared it first); ``versioned`` records also count the change."""
    update = "REMOVE pendingEvent"
    names: dict[str, str] = {}
    values: dict[str, Any] = {":published": {"S": detail_type}}
    if versioned:
        update += " SET #version = #version + :one"
        names["#version"] = "version"
        values[":one"] = {"N": "1"}
    try:
        client.update_item(
            TableName=table_name,
            Key={"orderId": {"S": order_id}},
            UpdateExpression=update,
            ConditionExpression="pendingEvent = :published",
            ExpressionAttributeValues=values,
            **({"ExpressionAttributeNames": names} if names else {}),
        )
    except ClientError as error:
        if not is_condition_failure(error):
            raise


def publish_pending(
    decision: Decision,
    *,
    publisher: EventPublisher,
    data: Callable[[str], dict[str, Any]],
    clear: Callable[[str, str], None],
) -> None:
    """Publish the decision's pending event (``data(detail_type)`` is its data), then clear it
    (``clear(order_id, detail_type)``); nothing if none is pending."""
    detail_type = decision.pending_event
    if detail_type is None:
        return
    publisher.publish(detail_type, data(detail_type), correlation_id=decision.correlation_id)
    clear(decision.order_id, detail_type)
