"""The function behind a CRUD REST API over one table, as the architectures here build it."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from .function_alarms import FunctionAlarms
from .hardening import Hardening
from .python_function import LAMBDAS_DIR, PythonFunction
from .rest_api import RegionalRestApi


def crud_handler(
    scope: Construct,
    construct_id: str,
    *,
    package: str,
    kind: str,
    description: str,
    api: RegionalRestApi,
    table: dynamodb.ITable,
    hardening: Hardening,
    max_duration: Duration | None = None,
    environment: Mapping[str, str] | None = None,
) -> PythonFunction:
    """``lambdas/<package>`` (with ``lambdas/shared``) serving ``/<kind>s`` and
    ``/<kind>s/{id}`` of ``api`` (``add_crud_routes``, bodies checked against
    ``schemas/<kind>_create.json`` and ``<kind>_update.json``), reading and writing ``table``
    (``TABLE_NAME``), with alarms (made in ``scope`` as ``Alarms``). Only API Gateway invokes
    it, synchronously."""
    handler = PythonFunction(
        scope,
        construct_id,
        package=package,
        description=description,
        service_name=package,
        metrics_namespace="ServerlessReference",
        hardening=hardening,
        memory_size=512,
        timeout=Duration.seconds(10),
        environment={"TABLE_NAME": table.table_name, **(environment or {})},
        synchronous_only=True,
        shared_packages=["shared"],
    )
    table.grant_read_write_data(handler.function)
    FunctionAlarms(
        scope,
        "Alarms",
        function=handler.function,
        max_duration=max_duration or Duration.seconds(3),
    )
    schemas = LAMBDAS_DIR / package / "schemas"
    api.add_crud_routes(
        f"{kind}s",
        integration=apigw.LambdaIntegration(handler.function, allow_test_invoke=False),
        create_schema=schemas / f"{kind}_create.json",
        update_schema=schemas / f"{kind}_update.json",
    )
    return handler
