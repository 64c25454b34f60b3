"""The HTTP side of a REST handler on Powertools' resolver: JSON answers, the request's body and
integer query parameters, and the status each of the shared errors becomes."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

from .concurrency import Conflict, NotFound
from .validation import ValidationError, parse_json


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body),
        headers=headers,
    )


def request_body(app: APIGatewayRestResolver) -> Any:
    """The current request's body as parsed JSON (a ValidationError if it is not)."""
    try:
        raw = app.current_event.decoded_body
    except ValueError:  # isBase64Encoded with a body that is not base64
        raise ValidationError("request body is not valid base64") from None
    return parse_json(raw)


def int_query(app: APIGatewayRestResolver, name: str, default: int | None) -> int | None:
    value = (app.current_event.query_string_parameters or {}).get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValidationError(f"{name} must be an integer", name) from None


def add_error_answers(app: APIGatewayRestResolver) -> None:
    """Bad input is a 400 naming the field, a missing record a 404, a lost race a 409."""

    def bad_request(error: ValidationError) -> Response[str]:
        return json_response(400, {"message": error.message, "field": error.field})

    def not_found(error: NotFound) -> Response[str]:
        return json_response(404, {"message": str(error)})

    def conflict(error: Conflict) -> Response[str]:
        return json_response(409, {"message": str(error)})

    app.exception_handler(ValidationError)(bad_request)
    app.exception_handler(NotFound)(not_found)
    app.exception_handler(Conflict)(conflict)
