"""A Python Lambda function with this project's defaults, and the Powertools layer it uses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct

from .acknowledgements import acknowledge
from .bundling import handler_package_code, requirements_layer_code
from .hardening import Hardening

RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64
LAMBDAS_DIR = Path(__file__).resolve().parents[2] / "lambdas"


class StackLayer(Construct):
    """A layer built from a requirements file by pip for the functions' runtime and
    architecture, without Docker (see ``bundling.py``), once per stack: :meth:`of` finds the
    stack's or creates it. Subclasses name it (``ID``) and say what goes in (``build``)."""

    ID: ClassVar[str]

    @classmethod
    def of(cls, scope: IConstruct) -> Self:
        """The layer of ``scope``'s stack, created on first use: its functions share one."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(cls.ID)
        return existing if isinstance(existing, cls) else cls(stack, cls.ID)

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        requirements, description, options = self.build()
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            code=requirements_layer_code(
                requirements,
                python_version=RUNTIME.name.removeprefix("python"),
                architecture=ARCHITECTURE,
                **options,
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            description=description,
        )

    def build(self) -> tuple[Path, str, Mapping[str, Any]]:
        """The requirements file, the layer's description and ``requirements_layer_code``'s
        further options."""
        raise NotImplementedError


class PowertoolsLayer(StackLayer):
    """Powertools for AWS Lambda and the handlers' other runtime dependencies, as one layer,
    from ``lambdas/requirements.txt``."""

    ID = "Powertools"

    def build(self) -> tuple[Path, str, Mapping[str, Any]]:
        return (
            LAMBDAS_DIR / "requirements.txt",
            "Powertools for AWS Lambda (Python) and the handlers' dependencies",
            {},
        )


class PythonFunction(Construct):
    """A handler package from ``lambdas/<package>`` deployed with secure, observable defaults.

    Latest Python on arm64, explicit memory and timeout, JSON logs into a log group with an
    explicit retention, active tracing, Powertools from the stack's layer, and a role that can do
    nothing but write its own logs and traces until the caller grants more. The hardening
    profile decides the key of its logs and environment and its reserved concurrency
    (``service_name`` is the function's name there).

    ``synchronous_only`` says that only synchronous callers (``synchronous_caller``: API
    Gateway, a state machine's task) invoke it: failures return to the caller, so there is no
    dead-letter queue or failure destination to have. ``shared_packages`` names packages of
    ``lambdas/`` (such as ``shared``) bundled beside the handler package; they import by their
    own names.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        package: str,
        description: str,
        service_name: str,
        metrics_namespace: str,
        hardening: Hardening,
        handler: str = "handler.lambda_handler",
        memory_size: int = 256,
        timeout: Duration | None = None,
        environment: Mapping[str, str] | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        synchronous_only: bool = False,
        synchronous_caller: str = "API Gateway",
        shared_packages: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        self.service_name = service_name
        self.log_group = hardening.log_group(self, "Logs")
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
            code=handler_package_code(
                LAMBDAS_DIR / package, shared=[LAMBDAS_DIR / name for name in shared_packages]
            ),
            handler=f"{package}.{handler}",
            memory_size=memory_size,
            timeout=timeout or Duration.seconds(10),
            role=self.role,
            layers=[PowertoolsLayer.of(self).layer],
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            tracing=lambda_.Tracing.ACTIVE,
            dead_letter_queue=dead_letter_queue,
            environment_encryption=hardening.encryption_key(self),
            reserved_concurrent_executions=hardening.reserved_concurrency_for(service_name),
            environment={
                "POWERTOOLS_SERVICE_NAME": service_name,
                "POWERTOOLS_METRICS_NAMESPACE": metrics_namespace,
                **(environment or {}),
            },
        )
        self._acknowledge(
            hardening, synchronous_caller=synchronous_caller if synchronous_only else None
        )

    def _acknowledge(self, hardening: Hardening, *, synchronous_caller: str | None) -> None:
        policy = self.role.node.try_find_child("DefaultPolicy") or self.role
        acknowledge(
            policy,
            "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; "
            "every other statement names its resource",
            "AwsSolutions-IAM5[Resource::*]",
        )
        if hardening.customer_managed_keys:
            acknowledge(
                policy,
                "CDK's grants on the stack's own key use KMS's action families "
                "(GenerateDataKey*, ReEncrypt*) on that one key's ARN, nothing wider",
                "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
                "AwsSolutions-IAM5[Action::kms:ReEncrypt*]",
            )
        acknowledge(
            self.function,
            "Reaches only AWS service endpoints (no private resources), so a VPC would add "
            "NAT cost and cold-start time and protect nothing",
            "CKV_AWS_117",
        )
        if not hardening.customer_managed_keys:
            acknowledge(
                self.function,
                "The environment holds resource names, no secrets; Lambda encrypts it with its "
                "AWS-managed key in this stage (prod uses the stack's key)",
                "CKV_AWS_173",
            )
        if hardening.reserved_concurrency_for(self.service_name) is None:
            acknowledge(
                self.function,
                "No reserved concurrency in this stage: a new account may run only 10 "
                "functions at once, and reserving any of it fails the deployment",
                "CKV_AWS_115",
            )
        if synchronous_caller is not None:
            acknowledge(
                self.function,
                f"Invoked synchronously only (by {synchronous_caller}): failures return to the "
                "caller, so there is nothing for a dead-letter queue or destination to keep",
                "Serverless-LambdaDLQ",
                "Serverless-LambdaAsyncFailureDestination",
                "CKV_AWS_116",
            )
