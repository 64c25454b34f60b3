"""CloudWatch alarms on the Lambda metrics the seed's tutorial watches."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from constructs import Construct


class FunctionAlarms(Construct):
    """Alarms when a function errors, is throttled, or runs slower than ``max_duration``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: lambda_.IFunction,
        max_duration: Duration,
        period: Duration | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        period = period or Duration.minutes(5)
        self.errors = function.metric_errors(period=period).create_alarm(
            self,
            "Errors",
            alarm_description="The function raised errors (any error is worth a look)",
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.throttles = function.metric_throttles(period=period).create_alarm(
            self,
            "Throttles",
            alarm_description="Invocations were throttled: concurrency is exhausted",
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.duration = function.metric_duration(period=period, statistic="p99").create_alarm(
            self,
            "Duration",
            alarm_description=f"p99 duration is above {max_duration.to_milliseconds()} ms",
            threshold=max_duration.to_milliseconds(),
            evaluation_periods=3,
            datapoints_to_alarm=2,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
