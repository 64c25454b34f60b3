"""Data access for the reservations table: what inventory decided for each order (stock held,
out of stock, given back, or cancelled before anything was held).

An order's reservation record and the stock it takes are written in one DynamoDB transaction:
every line of the order is held or none is, stock never goes below zero, and the record's own
condition (it must not exist yet) makes a duplicate or replayed order reserve nothing again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from shared.concurrency import is_condition_failure

from ..tables import clear_pending_event
from .products_table import ProductsTable

_serialize = TypeSerializer().serialize
_deserialize = TypeDeserializer().deserialize

RESERVED, OUT_OF_STOCK, RELEASED, CANCELLED = "RESERVED", "OUT_OF_STOCK", "RELEASED", "CANCELLED"


@dataclass(frozen=True)
class Line:
    product_id: str
    quantity: int

    def to_json(self) -> dict[str, Any]:
        return {"productId": self.product_id, "quantity": self.quantity}


@dataclass(frozen=True)
class Shortage:
    product_id: str
    requested: int
    available: int

    def to_json(self) -> dict[str, Any]:
        return {
            "productId": self.product_id,
            "requested": self.requested,
            "available": self.available,
        }


@dataclass(frozen=True)
class Reservation:
    order_id: str
    status: str
    correlation_id: str
    lines: tuple[Line, ...] = ()
    missing: tuple[Shortage, ...] = ()
    # The event that tells of this decision, if it is not on the bus yet.
    pending_event: str | None = None

    def to_item(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "orderId": self.order_id,
            "status": self.status,
            "correlationId": self.correlation_id,
            "lines": [line.to_json() for line in self.lines],
            "missing": [shortage.to_json() for shortage in self.missing],
        }
        if self.pending_event:
            record["pendingEvent"] = self.pending_event
        return {key: _serialize(value) for key, value in record.items()}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Reservation:
        record = {key: _deserialize(value) for key, value in item.items()}
        return cls(
            order_id=record["orderId"],
            status=record["status"],
            correlation_id=record["correlationId"],
            lines=tuple(Line(x["productId"], int(x["quantity"])) for x in record["lines"]),
            missing=tuple(
                Shortage(x["productId"], int(x["requested"]), int(x["available"]))
                for x in record["missing"]
            ),
            pending_event=record.get("pendingEvent"),
        )


class AlreadyDecided(Exception):
    """The order has a reservation record: this is a duplicate, or it was cancelled first."""


@dataclass
class NotEnoughStock(Exception):
    missing: list[Shortage] = field(default_factory=list)


class Contention(Exception):
    """Another transaction was changing the same products; try again."""


def _cancellation_reasons(error: ClientError) -> list[dict[str, Any]] | None:
    if error.response["Error"]["Code"] != "TransactionCanceledException":
        return None
    return list(error.response.get("CancellationReasons") or [])


class ReservationsTable:
    def __init__(self, table_name: str, products: ProductsTable, client: Any) -> None:
        self.name = table_name
        self._products = products
        self._client = client

    def get(self, order_id: str) -> Reservation | None:
        answer = self._client.get_item(
            TableName=self.name, Key={"orderId": {"S": order_id}}, ConsistentRead=True
        )
        return Reservation.from_item(answer["Item"]) if "Item" in answer else None

    def _new_record(self, reservation: Reservation) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.name,
                "Item": reservation.to_item(),
                "ConditionExpression": "attribute_not_exists(orderId)",
            }
        }

    def reserve(self, reservation: Reservation) -> None:
        """Hold every line of ``reservation`` and record it, all or nothing."""
        lines = reservation.lines
        operations = [self._products.take_stock(x.product_id, x.quantity) for x in lines]
        try:
            self._client.transact_write_items(
                TransactItems=[*operations, self._new_record(reservation)]
            )
        except ClientError as error:
            reasons = _cancellation_reasons(error)
            if reasons is None:
                raise
            raise self._why_not_reserved(lines, reasons) from None

    def _why_not_reserved(self, lines: Sequence[Line], reasons: list[dict[str, Any]]) -> Exception:
        codes = [reason.get("Code") for reason in reasons]
        if len(codes) == len(lines) + 1 and codes[-1] == "ConditionalCheckFailed":
            return AlreadyDecided()
        if "TransactionConflict" in codes:
            return Contention()
        missing = [
            Shortage(line.product_id, line.quantity, ProductsTable.stock_of(reason.get("Item")))
            for line, reason in zip(lines, reasons, strict=False)
            if reason.get("Code") == "ConditionalCheckFailed"
        ]
        return NotEnoughStock(missing) if missing else Contention()

    def record(self, reservation: Reservation) -> None:
        """Record a decision that holds no stock (out of stock, cancelled first); raises
        :class:`AlreadyDecided` if the order has a record already."""
        try:
            self._client.put_item(
                TableName=self.name,
                Item=reservation.to_item(),
                ConditionExpression="attribute_not_exists(orderId)",
            )
        except ClientError as error:
            if is_condition_failure(error):
                raise AlreadyDecided() from None
            raise

    def release(self, reservation: Reservation, *, pending_event: str) -> None:
        """Give back exactly what ``reservation`` holds and mark it released, all or nothing;
        :class:`AlreadyDecided` if it is no longer held (released by a duplicate)."""
        give_back = [
            self._products.return_stock(x.product_id, x.quantity) for x in reservation.lines
        ]
        mark = {
            "Update": {
                "TableName": self.name,
                "Key": {"orderId": {"S": reservation.order_id}},
                "UpdateExpression": "SET #status = :released, pendingEvent = :event",
                "ConditionExpression": "#status = :reserved",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {
                    ":released": {"S": RELEASED},
                    ":reserved": {"S": RESERVED},
                    ":event": {"S": pending_event},
                },
            }
        }
        try:
            self._client.transact_write_items(TransactItems=[mark, *give_back])
        except ClientError as error:
            reasons = _cancellation_reasons(error)
            if reasons is None:
                raise
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                raise AlreadyDecided() from None
            raise Contention() from None

    def clear_pending_event(self, order_id: str, detail_type: str) -> None:
        clear_pending_event(self._client, self.name, order_id, detail_type)
