"""Request bodies: JSON in, a dict that passed its JSON schema out, or a ValidationError that
says what is wrong and names the field.

The schema files are the single source of truth: API Gateway validates requests with them
before a function runs (they are its request models), and the function validates with the same
files again, so a direct invocation or a misconfigured API cannot store bad data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import fastjsonschema


class ValidationError(ValueError):
    """The request is malformed; ``field`` names the offending part when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def load_schema(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


def body_validator(schema: dict[str, Any] | Path) -> Callable[[Any], dict[str, Any]]:
    """A validator for bodies of ``schema`` (or of the schema file it names), compiled once per
    execution environment, so that validating a body then costs microseconds. It returns the
    body as a dict, or raises a ValidationError naming the field at fault."""
    validate = fastjsonschema.compile(load_schema(schema) if isinstance(schema, Path) else schema)

    def validated(data: Any) -> dict[str, Any]:
        try:
            validate(data)
        except fastjsonschema.JsonSchemaValueException as error:
            message = "body" + error.message.removeprefix("data")
            raise ValidationError(message, _offending_field(error)) from None
        return dict(data)

    return validated


def _reject_constant(name: str) -> Any:
    raise ValidationError(f"body must not contain {name}; JSON numbers must be finite")


def parse_json(body: str | None) -> Any:
    """Parse a request body; numbers become Decimal, which DynamoDB stores exactly."""
    if body is None or body == "":
        raise ValidationError("request body is required")
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        if isinstance(error, ValidationError):
            raise
        raise ValidationError("request body is not valid JSON") from None


def _offending_field(error: Any) -> str | None:
    """The dotted path of the field at fault, also for a missing or an unexpected property."""
    path = [str(part) for part in error.path[1:]]
    if error.rule == "required" and isinstance(error.value, dict):
        missing = [name for name in error.rule_definition if name not in error.value]
        path += missing[:1]
    elif error.rule == "additionalProperties" and isinstance(error.value, dict):
        known = error.definition.get("properties", {})
        path += sorted(name for name in error.value if name not in known)[:1]
    return ".".join(path) or None


def is_unicode_text(value: str) -> bool:
    """False for strings holding lone UTF-16 surrogates, which no UTF-8 store can hold.

    A JSON escape such as "\\ud800" decodes to one, and it passes every schema check.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unicode_text(value: str, field_path: str) -> str:
    """``value``, or a ValidationError on ``field_path`` if no UTF-8 store could hold it."""
    if not is_unicode_text(value):
        raise ValidationError(
            f"body.{field_path} must be valid Unicode text (it holds a lone surrogate)", field_path
        )
    return value
