"""Data access for the payments table: one record per order, written once (that write is the
charge), changed only from CHARGED to REFUNDED."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from shared.concurrency import is_condition_failure

from ..tables import clear_pending_event

_serialize = TypeSerializer().serialize
_deserialize = TypeDeserializer().deserialize

CHARGED, DECLINED, REFUNDED, VOIDED = "CHARGED", "DECLINED", "REFUNDED", "VOIDED"


@dataclass(frozen=True)
class Payment:
    order_id: str
    status: str
    correlation_id: str
    amount_cents: int = 0
    payment_id: str | None = None
    reason: str | None = None
    # The event that tells of this payment, if it is not on the bus yet.
    pending_event: str | None = None

    def to_item(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "orderId": self.order_id,
            "status": self.status,
            "correlationId": self.correlation_id,
            "amountCents": self.amount_cents,
        }
        for name, value in (
            ("paymentId", self.payment_id),
            ("reason", self.reason),
            ("pendingEvent", self.pending_event),
        ):
            if value is not None:
                record[name] = value
        return {key: _serialize(value) for key, value in record.items()}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Payment:
        record = {key: _deserialize(value) for key, value in item.items()}
        return cls(
            order_id=record["orderId"],
            status=record["status"],
            correlation_id=record["correlationId"],
            amount_cents=int(record["amountCents"]),
            payment_id=record.get("paymentId"),
            reason=record.get("reason"),
            pending_event=record.get("pendingEvent"),
        )


class AlreadyRecorded(Exception):
    """The order has a payment record: a duplicate, or a cancellation that came first."""


class PaymentsTable:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def get(self, order_id: str) -> Payment | None:
        answer = self._client.get_item(
            TableName=self._table, Key={"orderId": {"S": order_id}}, ConsistentRead=True
        )
        return Payment.from_item(answer["Item"]) if "Item" in answer else None

    def record(self, payment: Payment) -> None:
        """Write the order's payment record unless it has one (:class:`AlreadyRecorded`)."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=payment.to_item(),
                ConditionExpression="attribute_not_exists(orderId)",
            )
        except ClientError as error:
            if is_condition_failure(error):
                raise AlreadyRecorded(payment.order_id) from None
            raise

    def refund(self, order_id: str, *, pending_event: str) -> bool:
        """CHARGED -> REFUNDED; False if the payment was not (or no longer) charged."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"orderId": {"S": order_id}},
                UpdateExpression="SET #status = :refunded, pendingEvent = :event",
                ConditionExpression="#status = :charged",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":refunded": {"S": REFUNDED},
                    ":charged": {"S": CHARGED},
                    ":event": {"S": pending_event},
                },
            )
        except ClientError as error:
            if is_condition_failure(error):
                return False
            raise
        return True

    def clear_pending_event(self, order_id: str, detail_type: str) -> None:
        clear_pending_event(self._client, self._table, order_id, detail_type)
