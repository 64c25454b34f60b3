"""REST handler for /registrations: start a registration's workflow, report where it stands."""

from __future__ import annotations

import os
import warnings
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from shared.http import add_error_answers, json_response, request_body

from . import progress
from .card_vault import CardVault
from .models import RUNNING, Registration, RegistrationNotFound, is_registration_id
from .records import RegistrationRecords
from .registration_ids import RegistrationIds
from .workflow import RegistrationWorkflow

logger = Logger()
metrics = Metrics()
# Reads publish no metric; Powertools would warn about that on every GET.
warnings.filterwarnings("ignore", message="No application metrics to publish")
app = APIGatewayRestResolver(
    cors=CORSConfig(allow_origin="*", allow_headers=["x-api-key"], max_age=300)
)
add_error_answers(app)
_kms = boto3.client("kms")
ids = RegistrationIds(os.environ["ID_KEY_ID"], _kms)
vault = CardVault(os.environ["CARD_KEY_ID"], _kms)
workflow = RegistrationWorkflow(os.environ["STATE_MACHINE_ARN"], boto3.client("stepfunctions"))
records = RegistrationRecords(os.environ["TABLE_NAME"], boto3.client("dynamodb"))


@app.post("/registrations")
def register() -> Response[str]:
    registration = Registration.from_body(request_body(app))
    registration_id = ids.derive(registration)
    sealed = vault.seal(registration.card, registration_id)
    if workflow.start(registration_id, registration.execution_input(sealed)):
        status = RUNNING
        metrics.add_metric(name="RegistrationsStarted", unit=MetricUnit.Count, value=1)
    else:  # the same request again: it names the execution it started before
        execution = workflow.describe(registration_id)
        status = progress.current_status(execution) if execution else RUNNING
        metrics.add_metric(name="RegistrationsRepeated", unit=MetricUnit.Count, value=1)
    logger.info("registration accepted", extra={"registration": registration_id})
    return json_response(
        202,
        {"id": registration_id, "status": status},
        {"Location": f"/registrations/{registration_id}"},
    )


@app.get("/registrations/<registration_id>")
def registration_status(registration_id: str) -> dict[str, Any]:
    if not is_registration_id(registration_id):
        raise RegistrationNotFound(registration_id)
    execution = workflow.describe(registration_id)
    if execution is not None:
        history = workflow.history(registration_id)
        return progress.from_execution(registration_id, execution, history)
    record = records.find(registration_id)
    if record is None:
        raise RegistrationNotFound(registration_id)
    return progress.from_record(registration_id, record)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
