"""What a conditional write can answer besides "done", as errors a handler maps to HTTP.

Records carry a ``version`` that every update increments. A client sends the version it last
read; a write whose condition finds another one lost a race (optimistic concurrency), and one
consistent read tells a missing record from a stale version.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from .validation import ValidationError


class NotFound(LookupError):
    """No such record, or not one the caller may see (HTTP 404)."""

    def __init__(self, kind: str, record_id: str) -> None:
        super().__init__(f"{kind} {record_id} not found")
        self.record_id = record_id


class Conflict(Exception):
    """The request contradicts what is stored (HTTP 409)."""


class VersionConflict(Conflict):
    """The client's version is not the stored one: someone else changed the record first."""

    def __init__(self, kind: str, record_id: str, expected: int, current: int) -> None:
        super().__init__(
            f"{kind} {record_id} is at version {current}, not {expected}: read it again and retry"
        )
        self.current = current


class IdempotencyKeyReused(Conflict):
    def __init__(self, kind: str, record_id: str) -> None:
        super().__init__(
            f"Idempotency-Key was already used to create {kind} {record_id} with other content"
        )


class AlreadyExists(Exception):
    """A create found its id taken (the table's ``attribute_not_exists`` condition)."""


def is_condition_failure(error: ClientError) -> bool:
    return bool(error.response["Error"]["Code"] == "ConditionalCheckFailedException")


def existing_at_version(key_attribute: str, expected_version: int | None) -> dict[str, Any]:
    """The condition of a write that needs the record to exist and, when the client sent one,
    to be at ``expected_version`` (``ConditionExpression`` and what it names)."""
    condition = f"attribute_exists({key_attribute})"
    if expected_version is None:
        return {"ConditionExpression": condition}
    return {
        "ConditionExpression": f"{condition} AND #version = :expected",
        "ExpressionAttributeNames": {"#version": "version"},
        "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
    }


def why_condition_failed(
    kind: str, record_id: str, *, expected: int | None, current: int | None
) -> Exception:
    """The error for a failed update or delete condition, given the version stored now (None
    when there is no record)."""
    if current is None:
        return NotFound(kind, record_id)
    return VersionConflict(kind, record_id, expected or 0, current)


class VersionRange:
    """The versions a client may send, as the update schema bounds them. Past 2**53 - 1
    JavaScript clients cannot hold a version exactly, and past 38 digits DynamoDB cannot store
    it, so the schema caps it and a ``?version=`` query obeys the same range."""

    def __init__(self, update_schema: dict[str, Any]) -> None:
        bounds = update_schema["properties"]["version"]
        self.minimum: int = bounds["minimum"]
        self.maximum: int = bounds["maximum"]

    def check(self, version: int | None) -> int | None:
        if version is not None and not self.minimum <= version <= self.maximum:
            raise ValidationError(
                f"version must be an integer from {self.minimum} to {self.maximum}", "version"
            )
        return version
