"""A dead-letter queue that keeps what failed for two weeks and alarms as soon as it holds any."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from .acknowledgements import acknowledge
from .hardening import Hardening


class DeadLetterQueue(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, purpose: str, hardening: Hardening
    ) -> None:
        super().__init__(scope, construct_id)
        self.queue = hardening.queue(self, "Queue", retention_period=Duration.days(14))
        acknowledge(
            self.queue,
            f"This queue is itself the dead-letter queue of {purpose}",
            "AwsSolutions-SQS3",
            "Serverless-SQSRedrivePolicy",
        )
        self.depth_alarm = self.queue.metric_approximate_number_of_messages_visible(
            period=Duration.minutes(1), statistic="Maximum"
        ).create_alarm(
            self,
            "NotEmpty",
            alarm_description=f"{purpose} set messages aside: read them, fix, redrive",
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
