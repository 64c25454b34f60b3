"""Publishing shop events: checked against the catalogue first, so a producer can only put on
the bus what its consumers will accept."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .catalogue import event_type
from .envelope import now_iso


class PublishFailed(RuntimeError):
    """EventBridge did not accept the event; the caller fails so its trigger is retried."""


class EventPublisher:
    def __init__(self, bus_name: str, client: Any, clock: Callable[[], str] = now_iso) -> None:
        self._bus = bus_name
        self._client = client
        self._clock = clock

    def publish(self, detail_type: str, data: dict[str, Any], *, correlation_id: str) -> str:
        """Put one event on the bus; its EventBridge id."""
        kind = event_type(detail_type)
        detail = kind.validate(
            {
                "metadata": {"correlationId": correlation_id, "occurredAt": self._clock()},
                "data": data,
            }
        )
        answer = self._client.put_events(
            Entries=[
                {
                    "EventBusName": self._bus,
                    "Source": kind.source,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail),
                }
            ]
        )
        entry = answer["Entries"][0]
        if answer.get("FailedEntryCount") or "EventId" not in entry:
            raise PublishFailed(
                f"{detail_type} for order {data.get('orderId')} was refused: "
                f"{entry.get('ErrorCode')} {entry.get('ErrorMessage')}"
            )
        return str(entry["EventId"])
