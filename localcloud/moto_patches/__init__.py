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

Call :func:`apply` once, before the emulator serves its first CloudFormation request. The
read functions (:func:`response_headers_policy`, :func:`distribution_config`,
:func:`bucket_policy`) give the local HTTP front end what moto does not keep.
"""

from __future__ import annotations

import threading

from . import (
    apigateway,
    awslambda,
    cdk_custom_resources,
    cloudfront,
    cloudwatch,
    ordering,
    registry,
    s3,
    sqs,
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
        registry.register(
            (
                *apigateway.MODELS,
                *cloudfront.MODELS,
                *cloudwatch.MODELS,
                *sqs.MODELS,
                *s3.MODELS,
                *cdk_custom_resources.MODELS,
            )
        )
        registry.patch()
        _applied = True
