"""Data access for the registrations table: the workflow writes it, the API only reads it.

The workflow keeps a registration under its DNI (``pk = DNI#<dni>``, written on condition
that none exists: one registration per DNI) and a rejected or failed registration under its
id (``pk = REGISTRATION#<id>``). Every record carries ``registrationId``, which the
``byRegistration`` index finds it by: what the API answers once Step Functions has forgotten an
execution (90 days after it ended).
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeDeserializer

BY_REGISTRATION = "byRegistration"
_deserialize = TypeDeserializer().deserialize


class RegistrationRecords:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def find(self, registration_id: str) -> dict[str, Any] | None:
        answer = self._client.query(
            TableName=self._table,
            IndexName=BY_REGISTRATION,
            KeyConditionExpression="registrationId = :id",
            ExpressionAttributeValues={":id": {"S": registration_id}},
            Limit=1,
        )
        items = answer.get("Items", [])
        if not items:
            return None
        return {key: _deserialize(value) for key, value in items[0].items()}
