"""An event catalogue as the infrastructure sees it: which events exist (``source``,
``detail-type``), who produces and who consumes each. Read from the same JSON files the
handlers validate with, so the bus's rules and the producers' permissions can never disagree
with what the code publishes.

Each file of the catalogue folder (``_*`` files excepted) is one event:
``{"detailType", "source", "producer", "consumers", "description", "data": <JSON schema>}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam


@dataclass(frozen=True)
class CatalogueEvent:
    detail_type: str
    source: str
    producer: str
    consumers: tuple[str, ...]
    description: str


class EventCatalogue:
    def __init__(self, directory: Path) -> None:
        self.events: dict[str, CatalogueEvent] = {}
        for path in sorted(directory.glob("*.json")):
            if path.name.startswith("_"):
                continue
            entry = json.loads(path.read_text())
            self.events[entry["detailType"]] = CatalogueEvent(
                detail_type=entry["detailType"],
                source=entry["source"],
                producer=entry["producer"],
                consumers=tuple(entry["consumers"]),
                description=entry["description"],
            )

    def __getitem__(self, detail_type: str) -> CatalogueEvent:
        return self.events[detail_type]

    def produced_by(self, service: str) -> list[CatalogueEvent]:
        return [event for event in self.events.values() if event.producer == service]

    def consumed_by(self, service: str) -> list[CatalogueEvent]:
        return [event for event in self.events.values() if service in event.consumers]

    def pattern(
        self, detail_types: Iterable[str], *, detail: dict[str, object] | None = None
    ) -> events.EventPattern:
        """A rule's pattern for ``detail_types`` (each from its own source), optionally
        narrowed by ``detail`` fields."""
        chosen = [self.events[name] for name in detail_types]
        return events.EventPattern(
            source=sorted({event.source for event in chosen}),
            detail_type=[event.detail_type for event in chosen],
            detail=detail,
        )

    def grant_publish(self, bus: events.IEventBus, grantee: iam.IGrantable, service: str) -> None:
        """Let ``service`` put on ``bus`` only the events the catalogue says it produces: the
        IAM conditions ``events:source`` and ``events:detail-type`` hold it to them."""
        produced = self.produced_by(service)
        if not produced:
            raise ValueError(f"the catalogue has no event produced by {service}")
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["events:PutEvents"],
            resource_arns=[bus.event_bus_arn],
            conditions={
                "StringEquals": {
                    "events:source": sorted({event.source for event in produced}),
                    "events:detail-type": [event.detail_type for event in produced],
                }
            },
        )
