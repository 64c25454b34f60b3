"""REST handler for /notes: who is calling (from the authorizer's claims), then parse the
request, call the service, shape the response."""

from __future__ import annotations

import os
import warnings
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from shared.http import add_error_answers, int_query, json_response, request_body
from shared.ids import IDEMPOTENCY_HEADER

from .dal import NoteTable
from .identity import ForeignClient, NotSignedIn, caller_of
from .logic import DEFAULT_PAGE_SIZE, NoteService
from .models import new_note_fields, note_update

logger = Logger()
metrics = Metrics()
# Reads publish no metric; Powertools would warn about that on every GET.
warnings.filterwarnings("ignore", message="No application metrics to publish")


def _listed(name: str) -> list[str]:
    return [value.strip() for value in os.environ.get(name, "").split(",") if value.strip()]


# The web app's own origins only (never "*"): answers to any other origin carry no CORS headers.
ORIGINS = _listed("ALLOWED_ORIGINS")
APP_CLIENTS = frozenset(_listed("APP_CLIENT_IDS"))
app = APIGatewayRestResolver(
    cors=CORSConfig(
        allow_origin=ORIGINS[0] if ORIGINS else "",
        extra_origins=ORIGINS[1:],
        allow_headers=["Authorization", IDEMPOTENCY_HEADER],
        max_age=300,
    )
)
add_error_answers(app)
service = NoteService(NoteTable(os.environ["TABLE_NAME"], boto3.client("dynamodb")))


def _caller() -> str:
    claims = app.current_event.request_context.authorizer.claims
    return caller_of(claims, app_clients=APP_CLIENTS)


@app.get("/notes")
def list_notes() -> dict[str, Any]:
    cursor = (app.current_event.query_string_parameters or {}).get("cursor")
    page = service.list(
        _caller(), limit=int_query(app, "limit", DEFAULT_PAGE_SIZE) or 0, cursor=cursor
    )
    return {"notes": [note.to_json() for note in page.items], "nextCursor": page.next_cursor}


@app.post("/notes")
def create_note() -> Response[str]:
    owner = _caller()
    fields = new_note_fields(request_body(app))
    key = app.current_event.headers.get(IDEMPOTENCY_HEADER)  # case-insensitive lookup
    note = service.create(owner, fields, idempotency_key=key)
    metrics.add_metric(name="NotesCreated", unit=MetricUnit.Count, value=1)
    return json_response(201, note.to_json(), {"Location": f"/notes/{note.id}"})


@app.get("/notes/<note_id>")
def get_note(note_id: str) -> dict[str, Any]:
    return service.get(_caller(), note_id).to_json()


@app.put("/notes/<note_id>")
def update_note(note_id: str) -> dict[str, Any]:
    owner = _caller()
    fields, expected_version = note_update(request_body(app))
    return service.update(owner, note_id, fields, expected_version=expected_version).to_json()


@app.delete("/notes/<note_id>")
def delete_note(note_id: str) -> Response[str]:
    owner = _caller()
    service.delete(owner, note_id, expected_version=int_query(app, "version", None))
    metrics.add_metric(name="NotesDeleted", unit=MetricUnit.Count, value=1)
    return Response(status_code=204, body="")


@app.exception_handler(NotSignedIn)
def not_signed_in(error: NotSignedIn) -> Response[str]:
    return json_response(401, {"message": str(error)}, {"WWW-Authenticate": "Bearer"})


@app.exception_handler(ForeignClient)
def foreign_client(error: ForeignClient) -> Response[str]:
    return json_response(403, {"message": str(error)})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
