"""The seed's Step Functions registration: API Gateway -> a start function -> a state machine that
checks the DNI, e-mail and card in parallel, then stores the registration or its rejection."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from .architectures import RegistrationWorkflow
from .stage_config import StageConfig


class RegistrationWorkflowStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        workflow = RegistrationWorkflow(
            self,
            "Registrations",
            hardening=config.hardening,
            limits=config.api_limits,
            max_duration=config.alarm_duration,
        )
        CfnOutput(self, "RegistrationsApiUrl", value=workflow.api.url)
        CfnOutput(self, "ApiKeyId", value=workflow.api.api_key.key_id)
        CfnOutput(self, "StateMachineArn", value=workflow.state_machine.state_machine_arn)
        CfnOutput(self, "RegistrationsTableName", value=workflow.table.table_name)
        CfnOutput(self, "WelcomeTopicArn", value=workflow.welcome_topic.topic_arn)
