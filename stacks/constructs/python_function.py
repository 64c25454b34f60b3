"""A Python Lambda function with this project's defaults, and the Powertools layer it uses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .bundling import handler_package_code, requirements_layer_code

RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64
LAMBDAS_DIR = Path(__file__).resolve().parents[2] / "lambdas"


class PowertoolsLayer(Construct):
    """Powertools for AWS Lambda and the handlers' other runtime dependencies, as one layer.

    Built from ``lambdas/requirements.txt`` by pip for the function's runtime and architecture,
    without Docker (see ``bundling.py``).
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            code=requirements_layer_code(
                LAMBDAS_DIR / "requirements.txt",
                python_version=RUNTIME.name.removeprefix("python"),
                architecture=ARCHITECTURE,
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description="Powertools for AWS Lambda (Python) and the handlers' dependencies",
        )


class PythonFunction(Construct):
    """A handler package from ``lambdas/<package>`` deployed with secure, observable defaults.

    Latest Python on arm64, explicit memory and timeout, JSON logs into a log group with an
    explicit retention, active tracing, Powertools from a layer, and a role that can do nothing
    but write its own logs and traces until the caller grants more.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        package: str,
        description: str,
        layer: PowertoolsLayer,
        service_name: str,
        metrics_namespace: str,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        handler: str = "handler.lambda_handler",
        memory_size: int = 256,
        timeout: Duration | None = None,
        environment: Mapping[str, str] | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        acknowledgements: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self, "Logs", retention=log_retention, removal_policy=removal_policy
        )
        # A role of our own instead of AWSLambdaBasicExecutionRole: logs go to one log group only.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Runs the {package} handler",
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=handler_package_code(LAMBDAS_DIR / package),
            handler=f"{package}.{handler}",
            memory_size=memory_size,
            timeout=timeout or Duration.seconds(10),
            role=self.role,
            layers=[layer.layer],
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            tracing=lambda_.Tracing.ACTIVE,
            dead_letter_queue=dead_letter_queue,
            environment={
                "POWERTOOLS_SERVICE_NAME": service_name,
                "POWERTOOLS_METRICS_NAMESPACE": metrics_namespace,
                **(environment or {}),
            },
        )
        policy = self.role.node.try_find_child("DefaultPolicy")
        Validations.of(policy or self.role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level "
                "permissions; every other statement names its resource",
            )
        )
        for rule, reason in acknowledgements:
            Validations.of(self.function).acknowledge(Acknowledgment(id=rule, reason=reason))
