"""SQS queue policies in CloudFormation.

Gap: moto models only ``AWS::SQS::Queue`` for CloudFormation (moto/sqs/models.py:213-433),
so ``AWS::SQS::QueuePolicy`` is skipped and the queues keep no ``Policy`` attribute (the
policy that lets SNS or EventBridge send to them). The model below sets it on each queue.
"""

from __future__ import annotations

import json
from typing import Any

from moto.sqs.models import sqs_backends

from .base import ResourceJson, SimpleModel


class SqsQueuePolicy(SimpleModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SQS::QueuePolicy"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: ResourceJson,
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> SqsQueuePolicy:
        props = cloudformation_json["Properties"]
        backend = sqs_backends[account_id][region_name]
        for queue_url in props["Queues"]:
            backend.set_queue_attributes(
                queue_url.rsplit("/", 1)[-1], {"Policy": json.dumps(props["PolicyDocument"])}
            )
        return cls(resource_name)


MODELS = (SqsQueuePolicy,)
