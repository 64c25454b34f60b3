"""Latency of the event-driven shop on the local cloud: from an order accepted (``POST /orders``
answered 202) to the customer's message in the dev inbox queue, through the bus, payments,
inventory's queue, the tracker, notifications and SNS.

Orders are placed one after the other (``ORDERS``, 200 by default), after a few untimed ones that
warm every function up. The message's arrival is the inbox's own ``SentTimestamp``. Also printed:
the median time from acceptance to each hop's arrival at the tracker (``GET /orders/{id}``'s
history). Last line: ``orders=... p50_ms=... p99_ms=... max_ms=...``.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from localcloud.__main__ import api_key_values
from localcloud.cloud import LocalCloud
from localcloud.synth import synthesize

REPO = Path(__file__).resolve().parents[1]
ORDERS = int(os.environ.get("ORDERS", "200"))
WARM_UP = 5
WAIT_S = 30.0


class Inbox:
    """Reads the inbox queue in the background: the send time of each order's message."""

    def __init__(self, sqs: Any, url: str) -> None:
        self._sqs = sqs
        self._url = url
        self.arrived: dict[str, float] = {}
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stopping.is_set():
            messages = self._sqs.receive_message(
                QueueUrl=self._url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=1,
                AttributeNames=["SentTimestamp"],
            ).get("Messages", [])
            for message in messages:
                envelope = json.loads(message["Body"])
                order_id = envelope["MessageAttributes"]["orderId"]["Value"]
                with self._changed:
                    self.arrived[order_id] = int(message["Attributes"]["SentTimestamp"]) / 1000
                    self._changed.notify_all()
                self._sqs.delete_message(QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"])

    def wait_for(self, order_id: str) -> float:
        with self._changed:
            if not self._changed.wait_for(lambda: order_id in self.arrived, WAIT_S):
                raise TimeoutError(f"no message for order {order_id}")
            return self.arrived[order_id]

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def measure(scratch: Path) -> tuple[list[float], dict[str, list[float]]]:
    synthesize(REPO, scratch)
    silent = LocalCloud(
        scratch,
        port=4606,
        http_port=4607,
        progress=lambda _message: None,
        function_log=lambda _function, _line: None,
    )
    with silent as cloud:
        stack = next(o for o in cloud.local_outputs().values() if "OrdersApiUrl" in o)
        key = api_key_values(cloud)[stack["ApiKeyId"]]
        inbox = Inbox(cloud.emulator.client("sqs"), stack["NotificationsInboxQueueUrl"])
        url = urllib.parse.urlsplit(stack["OrdersApiUrl"])
        connection = http.client.HTTPConnection(url.hostname or "localhost", url.port)

        def call(method: str, path: str, body: Any = None) -> dict[str, Any]:
            payload = json.dumps(body) if body is not None else None
            headers = {"x-api-key": key, "Content-Type": "application/json"}
            connection.request(method, f"{url.path}{path}", body=payload, headers=headers)
            response = connection.getresponse()
            answer = json.loads(response.read())
            assert response.status in (200, 202), answer
            return dict(answer)

        order = {"items": [{"productId": "notebook-a5", "quantity": 1}],
                 "customerEmail": "bench@example.com"}  # fmt: skip
        latencies: list[float] = []
        hops: dict[str, list[float]] = {}
        try:
            for number in range(WARM_UP + ORDERS):
                placed = call("POST", "orders", order)
                accepted = time.time()
                arrived = inbox.wait_for(placed["orderId"])
                if number < WARM_UP:
                    continue
                latencies.append((arrived - accepted) * 1000)
                for entry in call("GET", f"orders/{placed['orderId']}")["history"]:
                    seen = (_epoch(entry["receivedAt"]) - accepted) * 1000
                    hops.setdefault(entry["type"], []).append(seen)
        finally:
            inbox.stop()
            connection.close()
    return latencies, hops


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        latencies, hops = measure(Path(scratch))
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"{len(latencies)} orders, one after the other, on the local cloud")
    print("median time from the order accepted to each event reaching the tracker:")
    for detail_type, times in sorted(hops.items(), key=lambda item: statistics.median(item[1])):
        print(f"  {detail_type:<18} {statistics.median(times):7.1f} ms")
    print(f"order accepted -> message in the inbox: p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    print(f"orders={len(latencies)} p50_ms={p50:.0f} p99_ms={p99:.0f} max_ms={latencies[-1]:.0f}")


if __name__ == "__main__":
    main()
