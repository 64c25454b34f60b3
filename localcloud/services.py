"""Every AWS service the local cloud emulates, one package each, as moto and LocalStack keep
them: a service's runtime (if it has one) and its moto gaps live together in its package.

Importing a service package registers its moto gaps (``moto_helpers.gaps``); importing this
module imports them all, and ``localcloud/__init__.py`` imports this module, so whatever starts
an emulator gets every gap. A new service is a package that registers its gaps in its
``__init__``, and one line below.

moto (pinned to 5.2.5) serves most APIs, but its CloudFormation skips resource types it has no
model for, drops properties of some types it does model, orders resources only by
``DependsOn``, and runs Lambda code (including custom resource providers) only in Docker. Each
package's ``moto_gaps`` module names the moto file:line it works around, and each gap is
pinned by a test in ``tests/e2e/test_moto_gaps.py``:

- ``cloudformation``: create by DependsOn *and* Ref/GetAtt/Sub edges; delete in reverse;
  ``Custom::CDKBucketDeployment`` and ``Custom::S3AutoDeleteObjects`` done natively; change
  sets and updates as the CDK CLI uses them (``cdk deploy``/``diff``/``destroy``, watch mode:
  pinned in ``tests/e2e/test_moto_gaps_change_sets.py``).
- ``apigateway``: Stage, ApiKey, UsagePlan, UsagePlanKey, Model, RequestValidator,
  GatewayResponse; full Method and RestApi; ``Ref`` of a Deployment; Authorizer (the front
  door runs Cognito ones).
- ``cloudfront``: Distribution, OriginAccessControl, ResponseHeadersPolicy (recorded).
- ``cloudwatch``: Alarm. ``sqs``: QueuePolicy.
- ``awslambda``: Function properties moto drops (on create and on update), ``Ref`` of a
  LayerVersion, and the invocation hook the local executor plugs into.
- ``cognito``: UserPool, UserPoolClient, UserPoolGroup.
- ``dynamodb``: tables updated in place (items kept), time to live and point-in-time
  recovery applied.
- ``sns``: Subscription; SNS -> Lambda invokes asynchronously with SNS's real event.
- ``s3``: BucketPolicy (recorded, not applied); ``Custom::S3BucketNotifications``, the
  Bucket's own NotificationConfiguration; S3 -> Lambda asynchronous with the full S3 event
  record.
- ``events``: EventBridge rule targets Lambda, SNS, Step Functions (and SQS) with
  Input/InputPath/InputTransformer; disabled rules deliver nothing.
- ``stepfunctions``: CloudFormation state machines on the executing backend; unnamed
  executions get a UUID name.
- ``event_sources``: moto's own SQS/Kinesis/DynamoDB-stream delivery switched off (the local
  poller is in charge); the sources read in-process for it.

The gaps between services (Cognito and API Gateway authorizers, SNS subscriptions, S3
notifications, EventBridge targets, Step Functions tasks) are pinned in
``tests/e2e/test_moto_gaps_integrations.py``, with real functions run by the local executor.
"""

from __future__ import annotations

# Imported for what importing them does: each package registers its moto gaps.
from . import (  # noqa: F401
    apigateway,
    awslambda,
    cloudformation,
    cloudfront,
    cloudwatch,
    cognito,
    dynamodb,
    event_sources,
    events,
    s3,
    sns,
    sqs,
    stepfunctions,
)
