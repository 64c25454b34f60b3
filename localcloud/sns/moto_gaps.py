"""SNS subscriptions in CloudFormation, and SNS -> Lambda delivery as Lambda gets it.

Gaps (moto/sns/models.py):
- ``Subscription`` (:228) is a plain ``BaseModel``: CloudFormation skips
  ``AWS::SNS::Subscription``, so a topic's queues and functions never hear of it (only the
  Topic's inline ``Subscription`` list is honoured, :175-178, without attributes). The model
  below subscribes through the backend and sets the subscription's attributes
  (``RawMessageDelivery``, ``FilterPolicy`` and its scope, ``RedrivePolicy``...).
- For a ``lambda`` endpoint, ``Subscription.publish`` (:320-336) calls
  ``send_sns_message`` (moto/awslambda/models.py:2376), which invokes the function
  *synchronously* with a canned event: fixed MessageId, TopicArn ``arn:aws:sns:EXAMPLE``,
  Timestamp 1970, made-up message attributes. SNS invokes Lambda asynchronously with the
  message's own fields: :func:`_publish` builds that event and invokes the function with
  ``InvocationType=Event`` (through ``LambdaFunction.invoke``, so the local executor runs it,
  with its retries and dead-letter queue). Filter policies and message structure are applied
  first, as moto does for every protocol. sqs (raw or enveloped), http(s) and the rest stay
  moto's.
- ``AWS::SNS::TopicPolicy`` has no model at all (moto/sns/models.py models topics and nothing
  else for CloudFormation): the stack deploys with a warning and the topic keeps moto's default
  policy. The model below gives each topic the template's policy, as SetTopicAttributes does;
  like the queue and bucket policies, it is recorded, not enforced.
"""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any

from moto.awslambda.utils import get_backend as lambda_backend
from moto.core.utils import iso_8601_datetime_with_milliseconds
from moto.sns import models as sns

from ..moto_helpers.cfn_models import Context, Created, Properties, cfn_model

logger = logging.getLogger(__name__)

# CloudFormation property -> subscription attribute; JSON documents are given as objects.
_ATTRIBUTES = (
    "RawMessageDelivery",
    # The scope must be set before the policy: moto validates the policy against it.
    "FilterPolicyScope",
    "FilterPolicy",
    "RedrivePolicy",
    "DeliveryPolicy",
    "SubscriptionRoleArn",
)


def _backend_for(arn: str) -> sns.SNSBackend:
    parts = arn.split(":")
    return sns.sns_backends[parts[4]][parts[3]]


def _subscription(props: Properties, cfn: Context) -> Created:
    """``Ref``: the subscription ARN."""
    backend = _backend_for(props["TopicArn"])
    subscription = backend.subscribe(props["TopicArn"], props["Endpoint"], props["Protocol"])
    for name in _ATTRIBUTES:
        if name not in props:
            continue
        value = props[name]
        if name == "RawMessageDelivery":
            value = str(value).lower() == "true"
        elif isinstance(value, dict | list):
            value = json.dumps(value)
        backend.set_subscription_attributes(subscription.arn, name, value)
    return Created(subscription.arn, state={"topic_arn": props["TopicArn"]})


def _unsubscribe(created: Created, account_id: str, region_name: str) -> None:
    with contextlib.suppress(Exception):  # the topic went first
        _backend_for(created.state["topic_arn"]).unsubscribe(created.physical_id)


SnsSubscription = cfn_model("AWS::SNS::Subscription", _subscription, delete=_unsubscribe)


def _topic_policy(props: Properties, cfn: Context) -> Created:
    for topic_arn in props["Topics"]:
        _backend_for(topic_arn).set_topic_attribute(
            topic_arn, "policy", json.dumps(props["PolicyDocument"])
        )
    return Created(cfn.name)


SnsTopicPolicy = cfn_model("AWS::SNS::TopicPolicy", _topic_policy)


def lambda_event(
    subscription: sns.Subscription,
    message: str,
    message_id: str,
    subject: str | None,
    message_attributes: dict[str, Any] | None,
) -> dict[str, Any]:
    """The event SNS invokes a subscribed function with (one record per message)."""
    topic = subscription.topic
    region = topic.arn.split(":")[3]
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription.arn,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": topic.arn,
                    "Subject": subject,
                    "Message": message,
                    "Timestamp": iso_8601_datetime_with_milliseconds(),
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": f"https://sns.{region}.amazonaws.com/"
                    "SimpleNotificationService-local.pem",
                    "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/"
                    f"?Action=Unsubscribe&SubscriptionArn={subscription.arn}",
                    "MessageAttributes": {
                        name: {"Type": value["Type"], "Value": value["Value"]}
                        for name, value in (message_attributes or {}).items()
                    },
                },
            }
        ]
    }


def _publish(  # noqa: PLR0917  (moto's signature)
    self: sns.Subscription,
    message: str,
    message_id: str,
    subject: str | None = None,
    message_attributes: dict[str, Any] | None = None,
    group_id: str | None = None,
    deduplication_id: str | None = None,
    message_structure: str | None = None,
) -> None:
    if self.protocol != "lambda":
        return _original_publish(
            self,
            message,
            message_id,
            subject,
            message_attributes,
            group_id,
            deduplication_id,
            message_structure,
        )
    matcher = self._filter_policy_matcher
    if matcher is not None and not matcher.matches(message_attributes, message):
        return None
    if message_structure == "json":
        message = self._parse_message_structure(message, self.protocol)
    event = lambda_event(self, message, message_id, subject, message_attributes)
    parts = self.endpoint.split(":")
    try:
        function = lambda_backend(parts[4], parts[3]).get_function(self.endpoint)
        function.invoke(json.dumps(event), {"x-amz-invocation-type": "Event"}, {})
    except Exception as error:  # SNS drops the delivery (after its retries); publish succeeds
        logger.warning("SNS delivery to %s failed: %r", self.endpoint, error)
    return None


_original_publish = sns.Subscription.publish


def patch() -> None:
    sns.Subscription.publish = _publish  # type: ignore[method-assign]


MODELS = (SnsSubscription, SnsTopicPolicy)
