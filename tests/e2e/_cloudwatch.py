"""Reading the emulator's CloudWatch as ``aws cloudwatch get-metric-data`` and ``aws logs
tail`` do, for the tests of logs and metrics."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# One bin covering the whole test run, whatever earlier tests did.
WINDOW = datetime.timedelta(hours=3)
STATISTICS = ("SampleCount", "Sum", "Minimum", "Maximum")


@dataclass(frozen=True)
class Metric:
    namespace: str
    name: str
    dimensions: Mapping[str, str]
    stat: str = "Sum"


def metric_values(cloudwatch: Any, metrics: Mapping[str, Metric]) -> dict[str, float]:
    """One ``get-metric-data`` call: each metric's statistic over the run (0 if it has no
    data). Dimensions match exactly, as in CloudWatch."""
    now = datetime.datetime.now(datetime.UTC)
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": f"m{index}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": metric.namespace,
                        "MetricName": metric.name,
                        "Dimensions": [
                            {"Name": k, "Value": v} for k, v in metric.dimensions.items()
                        ],
                    },
                    "Period": int(WINDOW.total_seconds()) + 600,
                    "Stat": metric.stat,
                },
            }
            for index, metric in enumerate(metrics.values())
        ],
        StartTime=now - WINDOW,
        EndTime=now + datetime.timedelta(minutes=5),
    )
    by_id = {r["Id"]: sum(r["Values"]) for r in answer["MetricDataResults"]}
    return {key: by_id[f"m{index}"] for index, key in enumerate(metrics)}


def statistics(
    cloudwatch: Any, namespace: str, name: str, dimensions: Mapping[str, str]
) -> dict[str, float]:
    """SampleCount, Sum, Minimum and Maximum of one metric over the run."""
    return metric_values(
        cloudwatch, {stat: Metric(namespace, name, dimensions, stat) for stat in STATISTICS}
    )


def log_events(logs: Any, group: str, since_ms: int = 0) -> list[dict[str, Any]]:
    """Every event of a log group from ``since_ms`` on, paged as ``aws logs tail`` pages."""
    found: list[dict[str, Any]] = []
    request: dict[str, Any] = {"logGroupName": group, "startTime": since_ms}
    while True:
        page = logs.filter_log_events(**request)
        found += page["events"]
        if not page.get("nextToken"):
            return found
        request["nextToken"] = page["nextToken"]
