"""Where inventory sets aside a message no retry can fix (not JSON, not an event it handles, a
detail that breaks the catalogue): straight into the queue's dead-letter queue, with the reason,
instead of failing it until the redrive policy moves it there without one."""

from __future__ import annotations

from typing import Any


class DeadLetters:
    def __init__(self, queue_url: str, client: Any) -> None:
        self._queue_url = queue_url
        self._client = client

    def set_aside(self, body: str, *, reason: str, source_queue: str, message_id: str) -> None:
        self._client.send_message(
            QueueUrl=self._queue_url,
            MessageBody=body or "(empty)",
            MessageAttributes={
                "reason": {"DataType": "String", "StringValue": reason[:1000]},
                "sourceQueue": {"DataType": "String", "StringValue": source_queue or "unknown"},
                "sourceMessageId": {"DataType": "String", "StringValue": message_id or "unknown"},
            },
        )
