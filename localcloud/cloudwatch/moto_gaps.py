"""CloudWatch: alarms in CloudFormation, and metrics from embedded-metric-format log events.

Gaps:
- moto's CloudWatch has alarms (``Alarm``, moto/cloudwatch/models.py:120, a plain
  ``BaseModel``) but models only ``AWS::CloudWatch::Dashboard`` for CloudFormation
  (:312-331), so ``AWS::CloudWatch::Alarm`` is skipped and ``describe_alarms`` never sees the
  stack's alarms. The model below creates them through ``put_metric_alarm``.
- moto's CloudWatch Logs has no CloudFormation model for ``AWS::Logs::LogStream``: the
  resource is skipped with a warning and left as ``None`` among the stack's resources, where
  ``DescribeStackResource`` of a resource listed after it fails with a 500
  (moto/cloudformation/models.py:1263-1265 reads ``logical_resource_id`` of each). Firehose's
  CDK construct makes one for its delivery logs. The model below creates the stream through the
  backend's ``create_log_stream`` (moto/logs/models.py:1050), as the API does; ``Ref`` is its
  name.
- CloudWatch Logs turns every ingested log event in embedded metric format into metrics;
  moto's ``LogStream.put_log_events`` (moto/logs/models.py:178-207) only stores the events
  (and feeds subscription filters). :func:`patch` has it also put the metrics the events
  declare (``emf.metrics_in``) into the CloudWatch backend of the same account and region,
  whoever wrote the events (the local Lambda runtime, or ``aws logs put-log-events``).

And the recorder's writes (``recorder.py``): :func:`put_log_events` and :func:`put_metric_data`
call the backends' own ``put_log_events`` (moto/logs/models.py:1107-1140) and
``put_metric_data`` (moto/cloudwatch/models.py:653-712), as the APIs' handlers do, in-process.
moto keeps metric timestamps as naive UTC datetimes (its request parser makes them so, and
its queries compare with them); :func:`moto_timestamp` makes ours alike.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.logs import models as logs

from ..emulator import ACCOUNT_ID
from ..moto_helpers.cfn_models import Context, Created, Properties, cfn_model
from .emf import EmfMetric, metrics_in

logger = logging.getLogger(__name__)


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


def _log_stream(props: Properties, cfn: Context) -> Created:
    logs.logs_backends[cfn.account_id][cfn.region_name].create_log_stream(
        props["LogGroupName"], cfn.name
    )
    return Created(cfn.name, {})


def _delete_log_stream(created: Created, account_id: str, region_name: str) -> None:
    backend = logs.logs_backends[account_id][region_name]
    for group in backend.groups.values():
        if created.physical_id in group.streams:
            group.delete_log_stream(created.physical_id)
            return


LogStream = cfn_model(
    "AWS::Logs::LogStream",
    _log_stream,
    name_property="LogStreamName",
    delete=_delete_log_stream,
)

MODELS = (CloudWatchAlarm, LogStream)


# ---------------------------------------------------------------------------------------
# embedded metric format


_original_put_log_events = logs.LogStream.put_log_events


def _put_log_events(self: logs.LogStream, log_events: list[dict[str, Any]]) -> str:
    token: str = _original_put_log_events(self, log_events)
    received_ms = int(datetime.datetime.now(datetime.UTC).timestamp() * 1000)
    declared = [
        metric for event in log_events for metric in metrics_in(event["message"], received_ms)
    ]
    if declared:
        try:
            _put_metrics(self.account_id, self.region, declared)
        except Exception:  # the events are stored; a bad metric must not fail their write
            logger.exception("embedded metrics of %s were not recorded", self.log_group.name)
    return token


def _put_metrics(account_id: str, region: str, declared: list[EmfMetric]) -> None:
    backend = cloudwatch_backends[account_id][region]
    by_namespace: dict[str, list[dict[str, Any]]] = {}
    for metric in declared:
        entry: dict[str, Any] = {
            "MetricName": metric.name,
            "Values": list(metric.values),
            "Dimensions": [{"Name": k, "Value": v} for k, v in metric.dimensions],
            "Timestamp": moto_timestamp(metric.timestamp_ms / 1000),
        }
        if metric.unit:
            entry["Unit"] = metric.unit
        by_namespace.setdefault(metric.namespace, []).append(entry)
    for namespace, data in by_namespace.items():
        backend.put_metric_data(namespace, data)


def moto_timestamp(epoch_s: float) -> datetime.datetime:
    """A metric timestamp as moto keeps them: naive UTC."""
    return datetime.datetime.fromtimestamp(epoch_s, datetime.UTC).replace(tzinfo=None)


# ---------------------------------------------------------------------------------------
# the recorder's writes


def put_log_events(region: str, group: str, stream: str, events: list[dict[str, Any]]) -> None:
    """PutLogEvents of ``events`` (``{timestamp, message}``, in time order), the group and
    stream created first when missing."""
    backend = logs.logs_backends[ACCOUNT_ID][region]
    if group not in backend.groups:
        backend.create_log_group(group, {})
    if stream not in backend.groups[group].streams:
        backend.create_log_stream(group, stream)
    backend.put_log_events(group, stream, events)


def put_metric_data(region: str, namespace: str, data: list[dict[str, Any]]) -> None:
    """PutMetricData of ``data`` (the API's MetricData, ``Timestamp`` in epoch seconds)."""
    for entry in data:
        entry["Timestamp"] = moto_timestamp(entry["Timestamp"])
    cloudwatch_backends[ACCOUNT_ID][region].put_metric_data(namespace, data)


def patch() -> None:
    logs.LogStream.put_log_events = _put_log_events  # type: ignore[method-assign]
