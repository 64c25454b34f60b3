"""SQS queue policies in CloudFormation.

Gap: moto models only ``AWS::SQS::Queue`` for CloudFormation (moto/sqs/models.py:213-433),
so ``AWS::SQS::QueuePolicy`` is skipped and the queues keep no ``Policy`` attribute (the
policy that lets SNS or EventBridge send to them). The model below sets it on each queue.
"""

from __future__ import annotations

import json

from moto.sqs.models import sqs_backends

from ..moto_helpers.cfn_models import Context, Created, Properties, cfn_model


def _queue_policy(props: Properties, cfn: Context) -> Created:
    backend = sqs_backends[cfn.account_id][cfn.region_name]
    for queue_url in props["Queues"]:
        backend.set_queue_attributes(
            queue_url.rsplit("/", 1)[-1], {"Policy": json.dumps(props["PolicyDocument"])}
        )
    return Created(cfn.name)


SqsQueuePolicy = cfn_model("AWS::SQS::QueuePolicy", _queue_policy)

MODELS = (SqsQueuePolicy,)
