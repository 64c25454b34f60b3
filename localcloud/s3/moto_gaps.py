"""S3 bucket policies (recorded, not applied) and event notifications: CDK's
``Custom::S3BucketNotifications``, the bucket's own ``NotificationConfiguration``, and the
event Lambda gets; and the objects CloudFront sites serve, read for the front door.

Gaps:
- moto has no ``AWS::S3::BucketPolicy`` model (only ``AWS::S3::Bucket``,
  moto/s3/models.py:1534), and applying the policy through ``put_bucket_policy`` would be
  worse than skipping it: moto enforces bucket policies (``FakeBucket.get_permission``,
  moto/s3/models.py:1154, checked in moto/s3/responses.py:1937) but understands only
  trust-policy Conditions (``IAMPolicyStatement._check_conditions``,
  moto/iam/access_control.py:547), so CDK's enforce-SSL statement (Deny ``s3:*`` to ``*``
  unless ``aws:SecureTransport``) would deny every request. :data:`S3BucketPolicy` records
  the document; read it with :func:`bucket_policy`.
- CDK configures notifications with a custom resource whose provider is a Python Lambda
  calling ``PutBucketNotificationConfiguration``; moto sends every ``Custom::`` type to
  ``CustomModel`` (moto/cloudformation/parsing.py:275-276), which needs the provider to run
  (Docker) and call back. :class:`CdkS3BucketNotifications` does the provider's work against
  moto's S3 backend: the ``NotificationConfiguration`` in the API's shape, replacing the
  bucket's (``Managed``) or merged with what others put there (an imported bucket).
- ``FakeBucket.create_from_cloudformation_json`` (moto/s3/models.py:1538-1562) ignores the
  bucket's own ``NotificationConfiguration`` and ``VersioningConfiguration`` properties:
  :func:`_bucket_from_cfn` applies them (a versioned bucket's objects and events then carry
  version ids).
- moto stores any browser-based upload (``S3Response._bucket_response_post``,
  moto/s3/responses.py:1646-1706) whatever its policy says: the file's size, its
  ``Content-Type`` and the key are not checked against the presigned POST's conditions, nor
  the policy's expiration. :func:`_checked_post` refuses such uploads as S3 does (403
  AccessDenied, 400 EntityTooLarge/EntityTooSmall; ``post_policy``).
- moto delivers to Lambda synchronously (``_invoke_awslambda``, moto/s3/notifications.py:
  ``func.invoke(body, {}, {})``): S3 invokes functions asynchronously, so the function now
  runs in the background (``InvocationType=Event``; the local executor retries and sends
  failures to the function's dead-letter queue), and the S3 ``PUT`` answers at once.
- moto's event record (``_get_s3_event``) lacks ``userIdentity``, ``requestParameters``,
  ``responseElements``, the bucket's ``ownerIdentity`` and the object's ``sequencer`` (and
  ``versionId`` in a versioned bucket), which handlers may read: added; and it encodes the
  key's slashes (``quote_plus``), which S3 keeps: ``in/cat 1.jpg`` is ``in/cat+1.jpg``.

SQS, SNS and EventBridge destinations are moto's own (moto/s3/notifications.py: send_event);
setting a configuration sends ``s3:TestEvent`` to queues and topics, as S3 does.

``cloudfront/static_sites.py`` reads its S3 origins' objects through :func:`current_object`.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import time
import uuid
from typing import Any
from urllib.parse import quote_plus

from moto.awslambda.utils import get_backend as lambda_backend
from moto.s3 import models as s3models
from moto.s3 import notifications
from moto.s3.responses import S3Response
from moto.utilities.utils import get_partition

from ..emulator import ACCOUNT_ID
from ..moto_helpers.cfn_models import Context, Created, Properties, ResourceJson, cfn_model
from . import post_policy

# moto's internal shape (the parsed XML): kind -> destination key, and where
# NotificationConfiguration keeps each kind
_KINDS = {
    "CloudFunctionConfiguration": "CloudFunction",
    "QueueConfiguration": "Queue",
    "TopicConfiguration": "Topic",
}
_ATTRIBUTES = {
    "CloudFunctionConfiguration": "cloud_function",
    "QueueConfiguration": "queue",
    "TopicConfiguration": "topic",
}
# PutBucketNotificationConfiguration's shape (CDK's custom resource) -> moto's
_API_KINDS = {
    "LambdaFunctionConfigurations": ("CloudFunctionConfiguration", "LambdaFunctionArn"),
    "QueueConfigurations": ("QueueConfiguration", "QueueArn"),
    "TopicConfigurations": ("TopicConfiguration", "TopicArn"),
}
# AWS::S3::Bucket's NotificationConfiguration property -> moto's
_CFN_KINDS = {
    "LambdaConfigurations": ("CloudFunctionConfiguration", "Function"),
    "QueueConfigurations": ("QueueConfiguration", "Queue"),
    "TopicConfigurations": ("TopicConfiguration", "Topic"),
}
_OWNER = "A3NL1KOZZKExample"

logger = logging.getLogger(__name__)


def _s3(account_id: str, region_name: str) -> Any:
    return s3models.s3_backends[account_id][get_partition(region_name)]


def current_object(bucket: str, key: str, region: str, account_id: str = ACCOUNT_ID) -> Any | None:
    """The current version of an object (``.value``, ``.metadata``, ``.etag``), or None."""
    found = _s3(account_id, region).buckets.get(bucket)
    if found is None:
        return None
    return found.keys.get(key)


# ---------------------------------------------------------------------------------------
# bucket policies

# bucket name -> policy document, as the template wrote it
_bucket_policies: dict[str, dict[str, Any]] = {}


def bucket_policy(bucket_name: str) -> dict[str, Any] | None:
    """The policy document a stack attached to a bucket (not enforced locally), or None."""
    document = _bucket_policies.get(bucket_name)
    return copy.deepcopy(document) if document is not None else None


def _bucket_policy(props: Properties, cfn: Context) -> Created:
    state = {"bucket": props["Bucket"], "document": props["PolicyDocument"]}
    _bucket_policies[state["bucket"]] = state["document"]
    return Created(cfn.name, state=state)


def _forget_bucket_policy(created: Created, account_id: str, region_name: str) -> None:
    bucket = created.state["bucket"]
    if _bucket_policies.get(bucket) is created.state["document"]:
        del _bucket_policies[bucket]


S3BucketPolicy = cfn_model("AWS::S3::BucketPolicy", _bucket_policy, delete=_forget_bucket_policy)


# ---------------------------------------------------------------------------------------
# notifications: CDK's custom resource


def _filter(rules: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    if not rules:
        return None
    # moto matches the rule names "prefix"/"suffix" exactly; S3 takes any case.
    return {
        "S3Key": {"FilterRule": [{"Name": r["Name"].lower(), "Value": r["Value"]} for r in rules]}
    }


def from_api_shape(config: dict[str, Any]) -> dict[str, Any]:
    """A ``NotificationConfiguration`` as PutBucketNotificationConfiguration takes it
    (``LambdaFunctionConfigurations``...), in moto's internal shape."""
    converted: dict[str, Any] = {}
    for kind, (moto_kind, arn_key) in _API_KINDS.items():
        for entry in config.get(kind) or []:
            rules = ((entry.get("Filter") or {}).get("Key") or {}).get("FilterRules")
            converted.setdefault(moto_kind, []).append(
                {
                    _KINDS[moto_kind]: entry[arn_key],
                    "Event": list(entry["Events"]),
                    "Filter": _filter(rules),
                    "Id": entry.get("Id") or str(uuid.uuid4()),
                }
            )
    if "EventBridgeConfiguration" in config:
        converted["EventBridgeConfiguration"] = {}
    return converted


def from_cfn_shape(config: dict[str, Any]) -> dict[str, Any]:
    """``AWS::S3::Bucket``'s ``NotificationConfiguration`` property in moto's shape."""
    converted: dict[str, Any] = {}
    for kind, (moto_kind, arn_key) in _CFN_KINDS.items():
        for entry in config.get(kind) or []:
            rules = ((entry.get("Filter") or {}).get("S3Key") or {}).get("Rules")
            converted.setdefault(moto_kind, []).append(
                {
                    _KINDS[moto_kind]: entry[arn_key],
                    "Event": [entry["Event"]],
                    "Filter": _filter(rules),
                    "Id": str(uuid.uuid4()),
                }
            )
    bridge = config.get("EventBridgeConfiguration") or {}
    if str(bridge.get("EventBridgeEnabled", False)).lower() == "true":
        converted["EventBridgeConfiguration"] = {}
    return converted


def _current(bucket: Any) -> dict[str, Any]:
    """The bucket's configuration, back in moto's input shape."""
    found = bucket.notification_configuration
    if found is None:
        return {}
    current: dict[str, Any] = {}
    for kind, arn_key in _KINDS.items():
        for n in getattr(found, _ATTRIBUTES[kind]):
            current.setdefault(kind, []).append(
                {arn_key: n.arn, "Event": list(n.events), "Filter": n.filters, "Id": n.id}
            )
    if found.event_bridge is not None:
        current["EventBridgeConfiguration"] = found.event_bridge
    return current


def _put(bucket_name: str, config: dict[str, Any], account_id: str, region_name: str) -> None:
    _s3(account_id, region_name).put_bucket_notification_configuration(bucket_name, config)


def _notifications(props: Properties, cfn: Context) -> Created:
    """CDK's ``Custom::S3BucketNotifications``: the provider's work, done natively."""
    bucket = props["BucketName"]
    # Custom resource properties arrive as given (true) or as strings ("true").
    managed = str(props.get("Managed", "true")).lower() != "false"
    ours = from_api_shape(props.get("NotificationConfiguration") or {})
    config = ours
    if not managed:
        # An imported bucket: keep what others configured, as CDK's handler does.
        config = _current(_s3(cfn.account_id, cfn.region_name).get_bucket(bucket))
        for kind in _KINDS:
            if ours.get(kind):
                config[kind] = [*config.get(kind, []), *ours[kind]]
        if "EventBridgeConfiguration" in ours:
            config["EventBridgeConfiguration"] = {}
    _put(bucket, config, cfn.account_id, cfn.region_name)
    return Created(
        f"{bucket}-notifications-{uuid.uuid4().hex[:8]}",
        state={
            "bucket": bucket,
            "managed": managed,
            "ids": {e["Id"] for kind in _KINDS for e in ours.get(kind, [])},
            "event_bridge": "EventBridgeConfiguration" in ours,
        },
    )


def _remove_notifications(created: Created, account_id: str, region_name: str) -> None:
    state = created.state
    with contextlib.suppress(Exception):  # the bucket went first
        config: dict[str, Any] = {}
        if not state["managed"]:
            current = _current(_s3(account_id, region_name).get_bucket(state["bucket"]))
            config = {
                kind: [e for e in current.get(kind, []) if e["Id"] not in state["ids"]]
                for kind in _KINDS
            }
            if "EventBridgeConfiguration" in current and not state["event_bridge"]:
                config["EventBridgeConfiguration"] = current["EventBridgeConfiguration"]
        _put(state["bucket"], config, account_id, region_name)


CdkS3BucketNotifications = cfn_model(
    "Custom::S3BucketNotifications", _notifications, delete=_remove_notifications
)


# ---------------------------------------------------------------------------------------
# the bucket's own property, and delivery


_original_bucket_from_cfn = s3models.FakeBucket.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _bucket_from_cfn(
    cls: Any,
    /,
    resource_name: str,
    cloudformation_json: ResourceJson,
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Any:
    bucket = _original_bucket_from_cfn(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    properties = cloudformation_json.get("Properties") or {}
    config = properties.get("NotificationConfiguration")
    if config:
        _put(bucket.name, from_cfn_shape(config), account_id, region_name)
    versioning = (properties.get("VersioningConfiguration") or {}).get("Status")
    if versioning in ("Enabled", "Suspended"):
        _s3(account_id, region_name).put_bucket_versioning(bucket.name, versioning)
    return bucket


_original_post = S3Response._bucket_response_post


def _checked_post(self: Any, request: Any, bucket_name: str) -> Any:
    """A browser-based upload is stored only if its presigned POST's policy allows it."""
    form = getattr(self, "form_data", None) or {}
    if "policy" in {str(name).lower() for name in form} and not self.is_delete_keys():
        body = self.body if isinstance(self.body, bytes) else str(self.body or "").encode()
        refusal = post_policy.check(bucket_name, dict(form.items()), len(body))
        if refusal is not None:
            return refusal.status, {"Content-Type": "application/xml"}, refusal.xml()
    return _original_post(self, request, bucket_name)


_original_event = notifications._get_s3_event


def _s3_event(
    event_name: str, bucket: Any, key: Any, notification_id: str
) -> dict[str, list[dict[str, Any]]]:
    event = _original_event(event_name, bucket, key, notification_id)
    for record in event["Records"]:
        request_id = uuid.uuid4().hex[:16].upper()
        record.update(
            {
                "userIdentity": {"principalId": f"AWS:{_OWNER}"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {
                    "x-amz-request-id": request_id,
                    "x-amz-id-2": uuid.uuid4().hex,
                },
            }
        )
        s3 = record["s3"]
        # S3 URL-encodes the key (space as "+") but keeps its slashes; moto encodes them.
        s3["object"]["key"] = quote_plus(key.name, safe="/")
        s3["bucket"] = {
            "name": s3["bucket"]["name"],
            "ownerIdentity": {"principalId": _OWNER},
            "arn": s3["bucket"]["arn"],
        }
        if getattr(bucket, "is_versioned", False):
            s3["object"]["versionId"] = str(getattr(key, "version_id", "null"))
        s3["object"]["sequencer"] = f"{time.time_ns():016X}"
    return event


def _invoke_awslambda(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
    account = fn_arn.split(":")[4] or account_id
    try:
        function = lambda_backend(account, region_name).get_function(fn_arn)
        function.invoke(json.dumps(event_body), {"x-amz-invocation-type": "Event"}, {})
    except Exception as error:  # S3 drops the event; the request that caused it succeeds
        logger.warning("S3 notification to %s failed: %r", fn_arn, error)


def patch() -> None:
    s3models.FakeBucket.create_from_cloudformation_json = classmethod(_bucket_from_cfn)  # type: ignore[method-assign,assignment]
    notifications._get_s3_event = _s3_event
    notifications._invoke_awslambda = _invoke_awslambda
    S3Response._bucket_response_post = _checked_post  # type: ignore[method-assign]


MODELS = (S3BucketPolicy, CdkS3BucketNotifications)
