"""moto's gaps, one module each (moto pinned to 5.2.5; the shared pieces: ``moto_helpers``).

moto's CloudFormation skips resource types it has no model for, drops properties of some
types it does model, orders resources only by ``DependsOn``, and runs Lambda code (including
custom resource providers) only in Docker. One module per gap, each naming the moto
file:line it works around and each pinned by a test in ``tests/e2e/test_moto_gaps.py``:

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

Importing this package registers every gap (``moto_helpers.gaps``); the emulator applies
them before it serves its first CloudFormation request. The read functions
(:func:`response_headers_policy`, :func:`distribution_config`, :func:`bucket_policy`) give the
local HTTP front end what moto does not keep.
"""

from __future__ import annotations

from ..moto_helpers import gaps
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
    s3,
    s3_notifications,
    sns,
    sqs,
    stepfunctions,
)
from .awslambda import LambdaInvoker, current_lambda_invoker, set_lambda_invoker
from .cloudfront import distribution_config, response_headers_policy
from .ordering import resource_creation_order
from .s3 import bucket_policy

__all__ = [
    "LambdaInvoker",
    "bucket_policy",
    "current_lambda_invoker",
    "distribution_config",
    "resource_creation_order",
    "response_headers_policy",
    "set_lambda_invoker",
]

gaps.register(ordering.patch)
gaps.register(apigateway.patch, apigateway.MODELS)
gaps.register(awslambda.patch)
gaps.register(event_source_mappings.patch)
gaps.register(sns.patch, sns.MODELS)
gaps.register(s3_notifications.patch, s3_notifications.MODELS)
gaps.register(events.patch)
gaps.register(stepfunctions.patch)
gaps.register(models=cloudfront.MODELS)
gaps.register(models=cloudwatch.MODELS)
gaps.register(models=sqs.MODELS)
gaps.register(models=s3.MODELS)
gaps.register(models=cdk_custom_resources.MODELS)
gaps.register(models=cognito.MODELS)
gaps.register(models=apigateway_authorizers.MODELS)
