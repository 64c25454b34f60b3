"""CloudWatch alarms in CloudFormation.

Gap: moto's CloudWatch has alarms (``Alarm``, moto/cloudwatch/models.py:120, a plain
``BaseModel``) but models only ``AWS::CloudWatch::Dashboard`` for CloudFormation
(:312-331), so ``AWS::CloudWatch::Alarm`` is skipped and ``describe_alarms`` never sees the
stack's alarms. The model below creates them through ``put_metric_alarm``.
"""

from __future__ import annotations

from moto.cloudwatch.models import cloudwatch_backends

from ..moto_helpers.cfn_models import Context, Created, Properties, cfn_model


def _alarm(props: Properties, cfn: Context) -> Created:
    alarm = cloudwatch_backends[cfn.account_id][cfn.region_name].put_metric_alarm(
        name=cfn.name,
        namespace=props.get("Namespace"),
        metric_name=props.get("MetricName"),
        comparison_operator=props["ComparisonOperator"],
        evaluation_periods=props["EvaluationPeriods"],
        datapoints_to_alarm=props.get("DatapointsToAlarm"),
        period=props.get("Period"),
        threshold=props.get("Threshold"),
        statistic=props.get("Statistic"),
        extended_statistic=props.get("ExtendedStatistic"),
        description=props.get("AlarmDescription"),
        dimensions=props.get("Dimensions", []),
        alarm_actions=props.get("AlarmActions", []),
        ok_actions=props.get("OKActions", []),
        insufficient_data_actions=props.get("InsufficientDataActions", []),
        unit=props.get("Unit"),
        actions_enabled=props.get("ActionsEnabled", True),
        treat_missing_data=props.get("TreatMissingData"),
        tags=props.get("Tags", []),
    )
    return Created(alarm.name, {"Arn": alarm.alarm_arn})


CloudWatchAlarm = cfn_model(
    "AWS::CloudWatch::Alarm", _alarm, name_property="AlarmName", attributes=("Arn",)
)

MODELS = (CloudWatchAlarm,)
