"""Data access for the items table: every DynamoDB call the service makes, and nothing else.

Writes are conditional, so the table itself enforces the rules: a create never overwrites, an
update or delete of a missing item fails, and a stale ``version`` never wins (optimistic
concurrency).
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from shared.concurrency import (
    AlreadyExists,
    existing_at_version,
    is_condition_failure,
    why_condition_failed,
)

from .models import KIND, Item, ItemFields

_serialize = TypeSerializer().serialize
_deserialize = TypeDeserializer().deserialize


def _to_item(attributes: dict[str, Any]) -> Item:
    record = {key: _deserialize(value) for key, value in attributes.items()}
    return Item(
        id=record["id"],
        name=record["name"],
        description=record.get("description"),
        price=record.get("price"),
        tags=list(record.get("tags", [])),
        version=int(record["version"]),
        created_at=record["createdAt"],
        updated_at=record["updatedAt"],
    )


def _to_attributes(item: Item) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": item.id,
        "name": item.name,
        "tags": list(item.tags),
        "version": item.version,
        "createdAt": item.created_at,
        "updatedAt": item.updated_at,
    }
    if item.description is not None:
        record["description"] = item.description
    if item.price is not None:
        record["price"] = item.price
    return {key: _serialize(value) for key, value in record.items()}


class ItemTable:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def get(self, item_id: str) -> Item | None:
        answer = self._client.get_item(
            TableName=self._table, Key={"id": {"S": item_id}}, ConsistentRead=True
        )
        return _to_item(answer["Item"]) if "Item" in answer else None

    def create(self, item: Item) -> None:
        try:
            self._client.put_item(
                TableName=self._table,
                Item=_to_attributes(item),
                ConditionExpression="attribute_not_exists(id)",
            )
        except ClientError as error:
            if is_condition_failure(error):
                raise AlreadyExists(item.id) from None
            raise

    def update(
        self, item_id: str, fields: ItemFields, *, expected_version: int, updated_at: str
    ) -> Item:
        names = {"#name": "name", "#version": "version"}
        values: dict[str, Any] = {
            ":name": fields.name,
            ":tags": list(fields.tags),
            ":expected": expected_version,
            ":one": 1,
            ":updatedAt": updated_at,
        }
        sets = ["#name = :name", "tags = :tags", "#version = #version + :one"]
        sets.append("updatedAt = :updatedAt")
        removes = []
        for attribute, value in (("description", fields.description), ("price", fields.price)):
            if value is None:
                removes.append(attribute)
            else:
                sets.append(f"{attribute} = :{attribute}")
                values[f":{attribute}"] = value
        expression = "SET " + ", ".join(sets)
        if removes:
            expression += " REMOVE " + ", ".join(removes)
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key={"id": {"S": item_id}},
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(id) AND #version = :expected",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={k: _serialize(v) for k, v in values.items()},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if is_condition_failure(error):
                raise self._why_condition_failed(item_id, expected_version) from None
            raise
        return _to_item(answer["Attributes"])

    def delete(self, item_id: str, *, expected_version: int | None) -> None:
        try:
            self._client.delete_item(
                TableName=self._table,
                Key={"id": {"S": item_id}},
                **existing_at_version("id", expected_version),
            )
        except ClientError as error:
            if is_condition_failure(error):
                raise self._why_condition_failed(item_id, expected_version) from None
            raise

    def page(self, *, limit: int, start_id: str | None) -> tuple[list[Item], str | None]:
        """One page of a full scan; returns the items and the id to resume after (or None)."""
        request: dict[str, Any] = {"TableName": self._table, "Limit": limit}
        if start_id is not None:
            request["ExclusiveStartKey"] = {"id": {"S": start_id}}
        answer = self._client.scan(**request)
        last = answer.get("LastEvaluatedKey")
        return [_to_item(a) for a in answer.get("Items", [])], last["id"]["S"] if last else None

    def _why_condition_failed(self, item_id: str, expected: int | None) -> Exception:
        # A failed condition means "missing" or "stale"; one consistent read tells which.
        current = self.get(item_id)
        return why_condition_failed(
            KIND, item_id, expected=expected, current=current.version if current else None
        )
