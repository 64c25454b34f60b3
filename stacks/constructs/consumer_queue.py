"""A queue that feeds a Lambda consumer, set up as the seed's SQS section and Lambda's guidance
have it: messages kept 14 days, hidden for six times the consumer's timeout while a batch is
being processed (so a slow batch is not handed to a second consumer), and moved to a
dead-letter queue after a few failed receives."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from .hardening import Hardening

RETENTION = Duration.days(14)
VISIBILITY_PER_TIMEOUT = 6


class ConsumerQueue(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        consumer_timeout: Duration,
        dead_letter_queue: sqs.IQueue,
        hardening: Hardening,
        max_receive_count: int = 3,
    ) -> None:
        super().__init__(scope, construct_id)
        self.queue = hardening.queue(
            self,
            "Queue",
            retention_period=RETENTION,
            visibility_timeout=Duration.seconds(
                consumer_timeout.to_seconds() * VISIBILITY_PER_TIMEOUT
            ),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=dead_letter_queue, max_receive_count=max_receive_count
            ),
        )
