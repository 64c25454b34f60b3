"""Everything that reaches into moto's internals lives in this package (moto pinned to 5.2.5).

moto's CloudFormation skips resource types it has no model for, drops properties of some
types it does model, orders resources only by ``DependsOn``, and runs Lambda code (including
custom resource providers) only in Docker. One module per gap, each naming the moto
file:line it works around and each pinned by a test in ``tests/e2e/test_moto_gaps.py``:

- ``version``: refuses to patch any moto but the pinned one.
- ``registry``: our models go in front of moto's model lookup.
- ``ordering``: create by DependsOn *and* Ref/GetAtt/Sub edges; delete in reverse.
- ``apigateway``: Stage, ApiKey, UsagePlan, UsagePlanKey, Model, RequestValidator,
  GatewayResponse; full Method and RestApi; ``Ref`` of a Deployment.
- ``cloudfront``: Distribution, OriginAccessControl, ResponseHeadersPolicy (recorded).
- ``cloudwatch``: Alarm. ``sqs``: QueuePolicy. ``s3``: BucketPolicy (recorded, not applied).
- ``awslambda``: Function properties moto drops, ``Ref`` of a LayerVersion, and the
  invocation hook the local executor plugs into.
- ``cdk_custom_resources``: ``Custom::CDKBucketDeployment`` and ``Custom::S3AutoDeleteObjects``.
- ``cognito``: UserPool, UserPoolClient, UserPoolGroup.
- ``apigateway_authorizers``: Authorizer (the front door runs Cognito ones).
- ``sns``: Subscription; SNS -> Lambda invokes asynchronously with SNS's real event.
- ``s3_notifications``: ``Custom::S3BucketNotifications``, the Bucket's own
  NotificationConfiguration; S3 -> Lambda asynchronous with the full S3 event record.
- ``events``: EventBridge rule targets Lambda, SNS, Step Functions (and SQS) with
  Input/InputPath/InputTransformer; disabled rules deliver nothing.
- ``stepfunctions``: CloudFormation state machines on the executing backend; unnamed
  executions get a UUID name.
- ``event_source_mappings``: moto's own SQS/Kinesis/DynamoDB-stream delivery switched off
  (the local poller is in charge); the sources read in-process for it.

The services-between-services gaps (``cognito`` to ``stepfunctions`` above) are pinned in
``tests/e2e/test_moto_gaps_integrations.py``, with real functions run by the local executor.

Call :func:`apply` once, before the emulator serves its first CloudFormation request. The
read functions (:func:`response_headers_policy`, :func:`distribution_config`,
:func:`bucket_policy`) give the local HTTP front end what moto does not keep.
"""

from __future__ import annotations

import threading

from . import (
    apigateway,
    apigateway_authorizers,
    awslambda,
    cdk_custom_resources,
    cloudfront,
    cloudwatch,
    cognito,
    event_source_mappings,
    events,
    ordering,
    registry,
    s3,
    s3_notifications,
    sns,
    sqs,
    stepfunctions,
    version,
)
from .awslambda import LambdaInvoker, current_lambda_invoker, set_lambda_invoker
from .cloudfront import distribution_config, response_headers_policy
from .ordering import resource_creation_order
from .s3 import bucket_policy
from .version import PINNED_MOTO_VERSION, MotoVersionError

__all__ = [
    "PINNED_MOTO_VERSION",
    "LambdaInvoker",
    "MotoVersionError",
    "apply",
    "bucket_policy",
    "current_lambda_invoker",
    "distribution_config",
    "resource_creation_order",
    "response_headers_policy",
    "set_lambda_invoker",
]

_lock = threading.Lock()
_applied = False


def apply() -> None:
    """Install every fix; idempotent. Raises :class:`MotoVersionError` on any moto but the
    pinned one, before touching anything."""
    global _applied  # noqa: PLW0603  (one process-wide switch: moto's classes are global too)
    version.check()
    with _lock:
        if _applied:
            return
        ordering.patch()
        apigateway.patch()
        awslambda.patch()
        event_source_mappings.patch()
        sns.patch()
        s3_notifications.patch()
        events.patch()
        stepfunctions.patch()
        registry.register(
            (
                *apigateway.MODELS,
                *cloudfront.MODELS,
                *cloudwatch.MODELS,
                *sqs.MODELS,
                *s3.MODELS,
                *cdk_custom_resources.MODELS,
                *cognito.MODELS,
                *apigateway_authorizers.MODELS,
                *sns.MODELS,
                *s3_notifications.MODELS,
            )
        )
        registry.patch()
        _applied = True
