"""Lambda: properties moto drops, ``Ref`` of a layer version, and the invocation hook.

Gaps (moto/awslambda/models.py):
- ``LambdaFunction.create_from_cloudformation_json`` (:1174-1218) passes on only Code,
  Handler, Role, Runtime, Description, MemorySize, Publish, Timeout, VpcConfig, Environment
  and ReservedConcurrentExecutions: Layers, Architectures, TracingConfig, EphemeralStorage,
  DeadLetterConfig and Tags are lost.
- ``LayerVersion`` (:438) has no ``physical_resource_id``, so ``Ref`` to it returns the
  Python object (moto/cloudformation/parsing.py:134-137) instead of the version ARN.
- Every invocation ends in ``LambdaFunction.invoke`` (:1143): the Invoke API, async
  invokes, SQS/SNS/DynamoDB/Kinesis/Logs event sources, S3 and EventBridge notifications
  and ``Custom::`` resources. It runs the code in Docker (``_invoke_lambda``, :981-1122);
  without Docker it answers "error running docker: ..." flagged as a Handled error.
  :func:`set_lambda_invoker` plugs the local executor in there.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from moto.awslambda import models as awslambda

from ..moto_helpers.cfn_models import ResourceJson, tags_to_dict

# invoker(function, event, invocation_type) -> (payload bytes, FunctionError or None, log tail)
LambdaInvoker = Callable[[awslambda.LambdaFunction, Any, str], tuple[bytes, str | None, str]]

# Lambda returns at most the last 4 KB of the log in x-amz-log-result.
_LOG_TAIL_BYTES = 4096


class _Invoker:
    current: LambdaInvoker | None = None


def set_lambda_invoker(invoker: LambdaInvoker | None) -> None:
    """Route every Lambda invocation in the emulator to ``invoker`` (None: moto's Docker path).

    ``invoker(function, event, invocation_type)`` gets moto's ``LambdaFunction``, the decoded
    event and ``RequestResponse``/``Event``/``DryRun``; it returns the response payload, the
    ``FunctionError`` (``"Unhandled"``/``"Handled"`` or None) and the log tail.
    """
    _Invoker.current = invoker


def current_lambda_invoker() -> LambdaInvoker | None:
    """The invoker :func:`set_lambda_invoker` installed, if any (to restore it later)."""
    return _Invoker.current


def _invoke(
    self: awslambda.LambdaFunction, body: str, request_headers: Any, response_headers: Any
) -> str | bytes:
    invoker = _Invoker.current
    if invoker is None:
        return _original_invoke(self, body, request_headers, response_headers)
    invocation_type = request_headers.get("x-amz-invocation-type", "RequestResponse")
    payload, function_error, log_tail = invoker(
        self, json.loads(body) if body else {}, invocation_type
    )
    if function_error:
        response_headers["x-amz-function-error"] = function_error
    if invocation_type == "RequestResponse":
        response_headers["x-amz-log-result"] = base64.b64encode(
            log_tail.encode()[-_LOG_TAIL_BYTES:]
        ).decode()
    return payload


_original_invoke = awslambda.LambdaFunction.invoke
_original_create = awslambda.LambdaFunction.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _function_from_cfn(
    cls: Any,
    /,
    resource_name: str,
    cloudformation_json: ResourceJson,
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> awslambda.LambdaFunction:
    fn: awslambda.LambdaFunction = _original_create(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    props = cloudformation_json["Properties"]
    if props.get("Layers"):
        fn.layers = fn._get_layers_data(props["Layers"])
    if props.get("Architectures"):
        fn.architectures = props["Architectures"]
    if props.get("TracingConfig"):
        fn.tracing_config = props["TracingConfig"]
    if props.get("EphemeralStorage"):
        fn.ephemeral_storage = props["EphemeralStorage"]["Size"]
    if props.get("Tags"):
        fn.tags = tags_to_dict(props["Tags"])
    if props.get("DeadLetterConfig"):
        # moto's own API path drops it too; the local runtime sends failed async events here.
        fn.dead_letter_config = props["DeadLetterConfig"]  # type: ignore[attr-defined]
    return fn


def patch() -> None:
    awslambda.LayerVersion.physical_resource_id = property(lambda self: self.arn)  # type: ignore[attr-defined]
    awslambda.LambdaFunction.create_from_cloudformation_json = classmethod(_function_from_cfn)  # type: ignore[method-assign,assignment]
    awslambda.LambdaFunction.invoke = _invoke  # type: ignore[method-assign]
