"""Data access for the notes table: every DynamoDB call the service makes, and nothing else.

The table is partitioned by the owner's user id (``userId``) and sorted by ``noteId``: every
read and write names the owner in the key, so no request can reach another user's notes, and a
user's list is one Query. Writes are conditional (``shared.concurrency``): a create never
overwrites, an update or delete of a missing note fails, and a stale ``version`` never wins.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from shared.concurrency import (
    AlreadyExists,
    existing_at_version,
    is_condition_failure,
    why_condition_failed,
)

from .models import KIND, Note, NoteFields

_deserialize = TypeDeserializer().deserialize


def _to_note(attributes: dict[str, Any]) -> Note:
    record = {key: _deserialize(value) for key, value in attributes.items()}
    return Note(
        id=record["noteId"],
        title=record["title"],
        body=record.get("body", ""),
        version=int(record["version"]),
        created_at=record["createdAt"],
        updated_at=record["updatedAt"],
    )


def _key(owner: str, note_id: str) -> dict[str, Any]:
    return {"userId": {"S": owner}, "noteId": {"S": note_id}}


class NoteTable:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def get(self, owner: str, note_id: str) -> Note | None:
        answer = self._client.get_item(
            TableName=self._table, Key=_key(owner, note_id), ConsistentRead=True
        )
        return _to_note(answer["Item"]) if "Item" in answer else None

    def create(self, owner: str, note: Note) -> None:
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    **_key(owner, note.id),
                    "title": {"S": note.title},
                    "body": {"S": note.body},
                    "version": {"N": str(note.version)},
                    "createdAt": {"S": note.created_at},
                    "updatedAt": {"S": note.updated_at},
                },
                ConditionExpression="attribute_not_exists(noteId)",
            )
        except ClientError as error:
            if is_condition_failure(error):
                raise AlreadyExists(note.id) from None
            raise

    def update(
        self,
        owner: str,
        note_id: str,
        fields: NoteFields,
        *,
        expected_version: int,
        updated_at: str,
    ) -> Note:
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key=_key(owner, note_id),
                UpdateExpression=(
                    "SET title = :title, body = :body, updatedAt = :updatedAt, "
                    "#version = #version + :one"
                ),
                ConditionExpression="attribute_exists(noteId) AND #version = :expected",
                ExpressionAttributeNames={"#version": "version"},
                ExpressionAttributeValues={
                    ":title": {"S": fields.title},
                    ":body": {"S": fields.body},
                    ":updatedAt": {"S": updated_at},
                    ":one": {"N": "1"},
                    ":expected": {"N": str(expected_version)},
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if is_condition_failure(error):
                raise self._why_condition_failed(owner, note_id, expected_version) from None
            raise
        return _to_note(answer["Attributes"])

    def delete(self, owner: str, note_id: str, *, expected_version: int | None) -> None:
        try:
            self._client.delete_item(
                TableName=self._table,
                Key=_key(owner, note_id),
                **existing_at_version("noteId", expected_version),
            )
        except ClientError as error:
            if is_condition_failure(error):
                raise self._why_condition_failed(owner, note_id, expected_version) from None
            raise

    def page(
        self, owner: str, *, limit: int, start_id: str | None
    ) -> tuple[list[Note], str | None]:
        """One page of the owner's notes, by id; returns them and the id to resume after."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "userId = :owner",
            "ExpressionAttributeValues": {":owner": {"S": owner}},
            "Limit": limit,
        }
        if start_id is not None:
            request["ExclusiveStartKey"] = _key(owner, start_id)
        answer = self._client.query(**request)
        last = answer.get("LastEvaluatedKey")
        notes = [_to_note(attributes) for attributes in answer.get("Items", [])]
        return notes, last["noteId"]["S"] if last else None

    def _why_condition_failed(self, owner: str, note_id: str, expected: int | None) -> Exception:
        # A failed condition means "missing" or "stale"; one consistent read tells which.
        current = self.get(owner, note_id)
        return why_condition_failed(
            KIND, note_id, expected=expected, current=current.version if current else None
        )
