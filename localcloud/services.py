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
  ``Custom::CDKBucketDeployment``, ``Custom::S3AutoDeleteObjects``, ``Custom::AWS`` (SDK
  calls) and ``Custom::LogRetention`` done natively, any other custom resource failing its
  stack; a failing resource fails its stack (CREATE_FAILED, or an update rolled back) with an
  event naming it; change sets and updates as the CDK CLI uses them (``cdk
  deploy``/``diff``/``destroy``, watch mode: pinned in
  ``tests/e2e/test_moto_gaps_change_sets.py``).
- ``apigateway``: Stage, ApiKey, UsagePlan, UsagePlanKey, Model, RequestValidator,
  GatewayResponse; full Method and RestApi; ``Ref`` of a Deployment; Authorizer (the front
  door runs Cognito ones).
- ``cloudfront``: Distribution, OriginAccessControl, ResponseHeadersPolicy (recorded).
- ``cloudwatch``: Alarm; metrics from embedded-metric-format log events; the recorder's
  writes into the Logs and CloudWatch backends. ``sqs``: QueuePolicy.
- ``awslambda``: Function properties moto drops (``LoggingConfig`` too; on create and on
  update), ``Ref`` of a LayerVersion, EventInvokeConfig (asynchronous retries and
  destinations), and the invocation hook the local executor plugs into.
- ``cognito``: UserPool, UserPoolClient, UserPoolGroup; SRP sign-in that checks the
  password, sign-up confirmation codes (printed, not e-mailed), ResendConfirmationCode,
  RevokeToken, case-insensitive user names.
- ``dynamodb``: tables updated in place (items kept), time to live and point-in-time
  recovery applied; each request atomic when several arrive at once (conditional writes,
  transactions).
- ``sns``: Subscription, TopicPolicy (recorded); SNS -> Lambda invokes asynchronously with
  SNS's real event.
- ``s3``: BucketPolicy (recorded, not applied); ``Custom::S3BucketNotifications``, the
  Bucket's own NotificationConfiguration; S3 -> Lambda asynchronous with the full S3 event
  record.
- ``events``: EventBridge rule targets Lambda, SNS, Step Functions, Firehose (and SQS) with
  Input/InputPath/InputTransformer; disabled rules deliver nothing; targets' retry policies
  and dead-letter queues; archives from CloudFormation; replays by time window and rule;
  scheduled rules.
- ``firehose``: DeliveryStream; S3 delivery buffered by size and interval, with prefix and
  compression; Kinesis source streams read.
- ``stepfunctions``: CloudFormation state machines on the executing backend; unnamed
  executions get a UUID name.
- ``kms``: Key with its tags and policy in the API's shapes.
- ``ssm``: Parameter with its tags (a map in CloudFormation).
- ``secretsmanager``: Secret, with its generated value (``GenerateSecretString``).
- ``wafv2``: WebACL and WebACLAssociation (recorded; rules are not evaluated).
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
    firehose,
    kms,
    s3,
    secretsmanager,
    sns,
    sqs,
    ssm,
    stepfunctions,
    wafv2,
)
