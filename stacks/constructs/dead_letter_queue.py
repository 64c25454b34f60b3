"""A dead-letter queue that keeps what failed for two weeks and alarms as soon as it holds any."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sqs as sqs
from constructs import Construct


class DeadLetterQueue(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, purpose: str, removal_policy: RemovalPolicy
    ) -> None:
        super().__init__(scope, construct_id)
        self.queue = sqs.Queue(
            self,
            "Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
            removal_policy=removal_policy,
        )
        Validations.of(self.queue).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SQS3",
                reason=f"This queue is itself the dead-letter queue of {purpose}",
            ),
            Acknowledgment(
                id="Serverless-SQSRedrivePolicy",
                reason=f"This queue is itself the dead-letter queue of {purpose}",
            ),
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
