"""What the shop's data-access modules do alike with DynamoDB: tell a failed condition from
other errors, and clear a record's pending event once it is on the bus.

Every service records a decision and the event that tells of it (``pendingEvent``) in one
write, publishes the event, then clears it. A delivery that finds a decision with its event
still pending publishes it again: no decision is lost between the write and the bus.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError


def failed_condition(error: ClientError) -> bool:
    return bool(error.response["Error"]["Code"] == "ConditionalCheckFailedException")


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
        if not failed_condition(error):
            raise
