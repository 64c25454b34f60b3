"""What every service of the shop shares: the event catalogue, the event envelope, and the bus
client that publishes events only as the catalogue describes them."""

from .bus import EventPublisher, PublishFailed
from .catalogue import MalformedEvent, event_type, event_types, target_input
from .envelope import ShopEvent, now_iso, parse_event

__all__ = [
    "EventPublisher",
    "MalformedEvent",
    "PublishFailed",
    "ShopEvent",
    "event_type",
    "event_types",
    "now_iso",
    "parse_event",
    "target_input",
]
