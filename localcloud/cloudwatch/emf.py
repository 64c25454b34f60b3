"""CloudWatch embedded metric format (EMF): the metrics a log event declares.

A log event that is a JSON object with an ``_aws`` member declares metrics there
(``CloudWatchMetrics``: a list of directives, each a ``Namespace``, ``Dimensions`` as lists
of member names, ``Metrics`` as ``{Name, Unit}``), and carries their values (a number or a
list of numbers) and its dimension values (strings) as members of the same object; the
timestamp is ``_aws.Timestamp`` (epoch milliseconds). Each dimension set of a directive gives
each of its metrics once. What CloudWatch would reject (a value that is not a number, a
missing dimension, a malformed directive) declares nothing. Powertools' ``Metrics`` writes
exactly these lines.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

MAX_VALUES = 100
MAX_DIMENSIONS = 30
_MARKER = '"_aws"'


@dataclass(frozen=True)
class EmfMetric:
    namespace: str
    name: str
    unit: str | None
    dimensions: tuple[tuple[str, str], ...]
    timestamp_ms: int
    values: tuple[float, ...]


def metrics_in(message: str, received_ms: int) -> list[EmfMetric]:
    """The metrics ``message`` declares (none unless it is an EMF document); ``received_ms``
    stands in for a missing timestamp."""
    # Cheap tests first: this runs on every log event ingested.
    if _MARKER not in message or not message.lstrip().startswith("{"):
        return []
    try:
        document = json.loads(message)
    except ValueError:
        return []
    metadata = document.get("_aws") if isinstance(document, dict) else None
    if not isinstance(metadata, dict):
        return []
    timestamp = metadata.get("Timestamp", received_ms)
    directives = metadata.get("CloudWatchMetrics")
    if not _is_number(timestamp) or not isinstance(directives, list):
        return []
    found: list[EmfMetric] = []
    for directive in directives:
        found += _directive(directive, document, int(timestamp))
    return found


def _directive(directive: Any, document: dict[str, Any], timestamp_ms: int) -> list[EmfMetric]:
    if not isinstance(directive, dict):
        return []
    namespace = directive.get("Namespace")
    dimension_sets = directive.get("Dimensions", [])
    metrics = directive.get("Metrics")
    if not isinstance(namespace, str) or not namespace or not isinstance(metrics, list):
        return []
    if not isinstance(dimension_sets, list):
        return []
    resolved: list[tuple[tuple[str, str], ...]] = []
    for names in dimension_sets or [[]]:
        dimensions = _dimensions(names, document)
        if dimensions is None:
            return []
        resolved.append(dimensions)
    found: list[EmfMetric] = []
    for metric in metrics:
        if not isinstance(metric, dict) or not isinstance(metric.get("Name"), str):
            continue
        values = _values(document.get(metric["Name"]))
        if not values:
            continue
        unit = metric.get("Unit")
        for dimensions in resolved:
            found.append(
                EmfMetric(
                    namespace,
                    metric["Name"],
                    unit if isinstance(unit, str) else None,
                    dimensions,
                    timestamp_ms,
                    values,
                )
            )
    return found


def _dimensions(names: Any, document: dict[str, Any]) -> tuple[tuple[str, str], ...] | None:
    if not isinstance(names, list) or len(names) > MAX_DIMENSIONS:
        return None
    pairs: list[tuple[str, str]] = []
    for name in names:
        value = document.get(name) if isinstance(name, str) else None
        if not isinstance(value, str):
            return None
        pairs.append((name, value))
    return tuple(pairs)


def _values(raw: Any) -> tuple[float, ...]:
    items = raw if isinstance(raw, list) else [raw]
    if not items or len(items) > MAX_VALUES or not all(_is_number(v) for v in items):
        return ()
    return tuple(float(v) for v in items)


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )
