"""Data access for the orders table: one item per order (its state and its history together, so
one consistent read shows both). Writes are conditional: an order is created once, and a change
wins only against the version it was computed from (optimistic concurrency)."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from shared.concurrency import is_condition_failure

from ..tables import clear_pending_event
from .models import Order

_serialize = TypeSerializer().serialize
_deserialize = TypeDeserializer().deserialize


class OrderExists(Exception):
    pass


class StaleOrder(Exception):
    """Someone changed the order since it was read: read it again and retry."""


def _item(order: Order) -> dict[str, Any]:
    return {key: _serialize(value) for key, value in order.to_record().items()}


class OrdersTable:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def get(self, order_id: str) -> Order | None:
        answer = self._client.get_item(
            TableName=self._table, Key={"orderId": {"S": order_id}}, ConsistentRead=True
        )
        if "Item" not in answer:
            return None
        return Order.from_record({k: _deserialize(v) for k, v in answer["Item"].items()})

    def create(self, order: Order) -> None:
        try:
            self._client.put_item(
                TableName=self._table,
                Item=_item(order),
                ConditionExpression="attribute_not_exists(orderId)",
            )
        except ClientError as error:
            if is_condition_failure(error):
                raise OrderExists(order.order_id) from None
            raise

    def delete(self, order_id: str) -> None:
        self._client.delete_item(TableName=self._table, Key={"orderId": {"S": order_id}})

    def replace(self, order: Order, *, read_version: int) -> None:
        """Store ``order`` (whose version is ``read_version + 1``) unless it changed meanwhile."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=_item(order),
                ConditionExpression="#version = :read",
                ExpressionAttributeNames={"#version": "version"},
                ExpressionAttributeValues={":read": {"N": str(read_version)}},
            )
        except ClientError as error:
            if is_condition_failure(error):
                raise StaleOrder(order.order_id) from None
            raise

    def clear_pending_event(self, order_id: str, detail_type: str) -> None:
        """The outcome event is on the bus: nothing is pending any more."""
        clear_pending_event(self._client, self._table, order_id, detail_type, versioned=True)
