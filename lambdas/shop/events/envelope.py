"""The envelope of every shop event, as EventBridge delivers it to a target (a Lambda
function's event, or an SQS message's body): ``id``, ``source``, ``detail-type``, ``time`` and a
``detail`` of ``{"metadata": {"correlationId", "occurredAt"}, "data": {...}}``."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .catalogue import MalformedEvent, event_type


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class ShopEvent:
    event_id: str
    detail_type: str
    source: str
    time: str
    correlation_id: str
    occurred_at: str
    data: dict[str, Any]
    # The name of the archive replay that sent it again, if it is a replayed event.
    replay_name: str | None = None

    @property
    def order_id(self) -> str:
        return str(self.data["orderId"])


def parse_event(event: Any, *, accept: Collection[str]) -> ShopEvent:
    """A delivered event (a dict, or the JSON text of an SQS body) checked against the
    catalogue; :class:`MalformedEvent` if it is not one of ``accept`` or breaks its schema."""
    if isinstance(event, str | bytes):
        try:
            event = json.loads(event)
        except ValueError:
            raise MalformedEvent("the message is not JSON") from None
    if not isinstance(event, dict):
        raise MalformedEvent("the message is not an EventBridge event (not a JSON object)")
    missing = [key for key in ("id", "source", "detail-type", "detail") if key not in event]
    if missing:
        raise MalformedEvent(f"the message is not an EventBridge event: no {', '.join(missing)}")
    detail_type = str(event["detail-type"])
    if detail_type not in accept:
        raise MalformedEvent(f"{detail_type!r} is not an event this service handles")
    kind = event_type(detail_type)
    if event["source"] != kind.source:
        raise MalformedEvent(f"{detail_type} comes from {kind.source}, not {event['source']!r}")
    detail = kind.validate(event["detail"])
    metadata = detail["metadata"]
    return ShopEvent(
        event_id=str(event["id"]),
        detail_type=detail_type,
        source=kind.source,
        time=str(event.get("time", "")),
        correlation_id=metadata["correlationId"],
        occurred_at=metadata["occurredAt"],
        data=detail["data"],
        replay_name=event.get("replay-name"),
    )
