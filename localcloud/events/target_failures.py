"""What EventBridge does when a rule cannot deliver to a target: it retries as the target's
``RetryPolicy`` allows (``MaximumRetryAttempts``, 185 by default), except for errors no retry
can fix (the target does not exist), then sends the event to the target's ``DeadLetterConfig``
queue, if it has one, with attributes saying why.

Locally the retries follow each other at once (EventBridge backs off for up to 24 hours, and
``MaximumEventAgeInSeconds`` is never reached here).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

DEFAULT_RETRY_ATTEMPTS = 185
# Errors of a target that is not there: EventBridge does not retry them.
_NOT_RETRIED = ("NotFound", "NonExistent", "DoesNotExist", "UnknownFunction")


@dataclass(frozen=True)
class Delivery:
    """How a target is retried and where its undeliverable events go."""

    attempts: int
    dead_letter_arn: str | None

    @classmethod
    def of(cls, target: dict[str, Any]) -> Delivery:
        retries = (target.get("RetryPolicy") or {}).get(
            "MaximumRetryAttempts", DEFAULT_RETRY_ATTEMPTS
        )
        return cls(
            attempts=1 + max(0, int(retries)),
            dead_letter_arn=(target.get("DeadLetterConfig") or {}).get("Arn"),
        )


def error_code(error: Exception) -> str:
    code = getattr(error, "code", None) or getattr(error, "error_type", None)
    return str(code) if isinstance(code, str) and code else type(error).__name__


def is_retried(error: Exception) -> bool:
    code = error_code(error)
    return not any(marker in code for marker in _NOT_RETRIED)


def dead_letter(
    *,
    rule_arn: str,
    target_arn: str,
    event: dict[str, Any],
    error: Exception,
    attempts: int,
    exhausted: bool,
) -> tuple[str, dict[str, dict[str, str]]]:
    """The body (the event) and the message attributes EventBridge gives a dead letter."""
    attributes = {
        "RULE_ARN": rule_arn,
        "TARGET_ARN": target_arn,
        "ERROR_CODE": error_code(error),
        "ERROR_MESSAGE": str(error)[:1000] or error_code(error),
        "RETRY_ATTEMPTS": str(attempts - 1),
    }
    if exhausted:
        attributes["EXHAUSTED_RETRY_CONDITION"] = "MaximumRetryAttempts"
    return json.dumps(event), {
        name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()
    }
