"""Where Lambda sends what it sets aside: dead-letter queues, asynchronous invocation
destinations and event source mappings' on-failure destinations, all named by ARN."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import boto3
from botocore.config import Config


class Destinations:
    """Sends a message to an SQS queue, SNS topic, Lambda function or EventBridge bus ARN
    through the emulator, with one client per service shared by every thread."""

    def __init__(self, *, endpoint: str, region: str) -> None:
        self.endpoint = endpoint
        self.region = region
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def send(
        self,
        arn: str,
        body: str,
        attributes: dict[str, Any] | None = None,
        *,
        detail_type: str = "Lambda Function Invocation Result - Failure",
        function_arn: str | None = None,
    ) -> None:
        """``detail_type`` and ``function_arn`` (qualified) shape the event an event bus gets:
        Lambda lists the bus and the function among its resources."""
        parts = arn.split(":")
        service, account, name = parts[2], parts[4], parts[-1]
        extra = {"MessageAttributes": attributes} if attributes else {}
        if service == "sqs":
            sqs = self._client("sqs")
            url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=body, **extra)
        elif service == "sns":
            self._client("sns").publish(TopicArn=arn, Message=body, **extra)
        elif service == "lambda":
            self._client("lambda").invoke(
                FunctionName=arn, InvocationType="Event", Payload=body.encode()
            )
        elif service == "events":
            entry = {
                "Source": "lambda",
                "DetailType": detail_type,
                "Detail": body,
                "EventBusName": arn,
                "Resources": [arn, *([function_arn] if function_arn else [])],
            }
            self._client("events").put_events(Entries=[entry])
        else:
            raise ValueError(f"unsupported destination {arn}")

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            with contextlib.suppress(Exception):
                client.close()

    def _client(self, service: str) -> Any:
        with self._lock:
            client = self._clients.get(service)
            if client is None:
                # A session per client: boto3's default session is not thread-safe.
                client = self._clients[service] = boto3.session.Session().client(
                    service,
                    endpoint_url=self.endpoint,
                    region_name=self.region,
                    aws_access_key_id="local",
                    aws_secret_access_key="local",
                    config=Config(retries={"max_attempts": 2}),
                )
            return client
