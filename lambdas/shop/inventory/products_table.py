"""Data access for the products table: the catalogue (name, price) and the stock of each
product. The orders API reads it; only inventory changes stock, and only through the
transactions ``reservations_table`` builds from the operations below."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

_deserialize = TypeDeserializer().deserialize
# BatchGetItem reads at most 100 keys per call; an order has at most 25 lines.
_BATCH = 100


@dataclass(frozen=True)
class Product:
    product_id: str
    name: str
    price_cents: int
    stock: int

    def to_json(self) -> dict[str, Any]:
        return {
            "productId": self.product_id,
            "name": self.name,
            "priceCents": self.price_cents,
            "stock": self.stock,
        }


def _product(item: dict[str, Any]) -> Product:
    record = {key: _deserialize(value) for key, value in item.items()}
    return Product(
        product_id=record["productId"],
        name=record["name"],
        price_cents=int(record["priceCents"]),
        stock=int(record["stock"]),
    )


class ProductsTable:
    def __init__(self, table_name: str, client: Any) -> None:
        self.name = table_name
        self._client = client

    def get_many(self, product_ids: Iterable[str]) -> dict[str, Product]:
        """The products that exist among ``product_ids``, by id."""
        wanted = list(dict.fromkeys(product_ids))
        found: dict[str, Product] = {}
        for start in range(0, len(wanted), _BATCH):
            keys: list[dict[str, Any]] = [
                {"productId": {"S": pid}} for pid in wanted[start : start + _BATCH]
            ]
            request: dict[str, Any] = {self.name: {"Keys": keys, "ConsistentRead": True}}
            while request:
                answer = self._client.batch_get_item(RequestItems=request)
                for item in answer["Responses"].get(self.name, []):
                    product = _product(item)
                    found[product.product_id] = product
                request = answer.get("UnprocessedKeys") or {}
        return found

    def all(self) -> list[Product]:
        """Every product, by id (the shop's catalogue is small: a full scan, paged)."""
        products: list[Product] = []
        request: dict[str, Any] = {"TableName": self.name}
        while True:
            answer = self._client.scan(**request)
            products += [_product(item) for item in answer.get("Items", [])]
            if "LastEvaluatedKey" not in answer:
                return sorted(products, key=lambda product: product.product_id)
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def put(self, product: Product) -> None:
        self._client.put_item(
            TableName=self.name,
            Item={
                "productId": {"S": product.product_id},
                "name": {"S": product.name},
                "priceCents": {"N": str(product.price_cents)},
                "stock": {"N": str(product.stock)},
            },
        )

    def take_stock(self, product_id: str, quantity: int) -> dict[str, Any]:
        """A transaction operation: ``quantity`` fewer in stock, never below zero."""
        return {
            "Update": {
                "TableName": self.name,
                "Key": {"productId": {"S": product_id}},
                "UpdateExpression": "SET stock = stock - :quantity",
                "ConditionExpression": "attribute_exists(productId) AND stock >= :quantity",
                "ExpressionAttributeValues": {":quantity": {"N": str(quantity)}},
                # On failure, DynamoDB says how many there were.
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def return_stock(self, product_id: str, quantity: int) -> dict[str, Any]:
        """A transaction operation: ``quantity`` back in stock."""
        return {
            "Update": {
                "TableName": self.name,
                "Key": {"productId": {"S": product_id}},
                "UpdateExpression": "SET stock = stock + :quantity",
                "ConditionExpression": "attribute_exists(productId)",
                "ExpressionAttributeValues": {":quantity": {"N": str(quantity)}},
            }
        }

    @staticmethod
    def stock_of(old_item: dict[str, Any] | None) -> int:
        """The stock in an item DynamoDB returned with a failed condition (0 if it is gone)."""
        if not old_item or "stock" not in old_item:
            return 0
        return int(_deserialize(old_item["stock"]))
