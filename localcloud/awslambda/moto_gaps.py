"""Lambda: properties moto drops, ``Ref`` of a layer version, and the invocation hook; and
the deployed functions, read for the runtime.

Gaps (moto/awslambda/models.py):
- ``LambdaFunction.create_from_cloudformation_json`` (:1174-1218) passes on only Code,
  Handler, Role, Runtime, Description, MemorySize, Publish, Timeout, VpcConfig, Environment
  and ReservedConcurrentExecutions: Layers, Architectures, TracingConfig, EphemeralStorage,
  DeadLetterConfig and Tags are lost. Its update (``update_from_cloudformation_json``,
  :1232-1243, through ``update_configuration``, :850-873) loses the same ones, and
  keeps the environment, the layers and the reserved concurrency a new template drops.
- ``LayerVersion`` (:438) has no ``physical_resource_id``, so ``Ref`` to it returns the
  Python object (moto/cloudformation/parsing.py:134-137) instead of the version ARN.
- ``EventInvokeConfig`` (:329) is a plain class: CloudFormation skips
  ``AWS::Lambda::EventInvokeConfig``, so asynchronous retries and destinations set in a
  template are lost. Its model below sets it on the function, as ``PutFunctionEventInvokeConfig``
  does (:2606), but replacing instead of appending (the API reads the first, :2624).
- ``LambdaFunction.__init__`` (:631-700), ``update_configuration`` (:850-873) and
  ``get_configuration`` (:783-821) know no ``LoggingConfig``: the function's log group and
  log format are lost, through the API and CloudFormation alike.
- Every invocation ends in ``LambdaFunction.invoke`` (:1143): the Invoke API, async
  invokes, SQS/SNS/DynamoDB/Kinesis/Logs event sources, S3 and EventBridge notifications
  and ``Custom::`` resources. It runs the code in Docker (``_invoke_lambda``, :981-1122);
  without Docker it answers "error running docker: ..." flagged as a Handled error.
  :func:`set_lambda_invoker` plugs the local executor in there.

The runtime finds deployed functions with :func:`deployed_function` and reads their
configuration (including what moto's API leaves out, such as the dead-letter queue) with
:func:`spec_from_moto`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from moto.awslambda import models as awslambda

from ..emulator import ACCOUNT_ID
from ..moto_helpers.cfn_models import (
    Context,
    Created,
    Properties,
    ResourceJson,
    cfn_model,
    tags_to_dict,
)
from .function_spec import FunctionSpec, LayerCode

# moto's model of a deployed function: only this module reads its attributes.
MotoFunction = awslambda.LambdaFunction

# invoker(function, event, invocation_type) -> (payload bytes, FunctionError or None, log tail)
LambdaInvoker = Callable[[MotoFunction, Any, str], tuple[bytes, str | None, str]]

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
    _keep_dropped_properties(fn, cloudformation_json["Properties"])
    return fn


def _function_update_from_cfn(
    cls: Any,
    /,
    *,  # moto passes them by name (moto/cloudformation/parsing.py:417-423)
    original_resource: awslambda.LambdaFunction,
    new_resource_name: str,
    cloudformation_json: ResourceJson,
    account_id: str,
    region_name: str,
) -> awslambda.LambdaFunction:
    props = cloudformation_json["Properties"]
    fn = original_resource
    # What the template no longer sets goes back to Lambda's default.
    fn.environment_vars = (props.get("Environment") or {}).get("Variables") or {}
    fn.layers = []
    fn.reserved_concurrency = props.get("ReservedConcurrentExecutions")
    fn.update_configuration(props)
    fn.update_function_code(props["Code"])
    _keep_dropped_properties(fn, props)
    return fn


def _keep_dropped_properties(fn: awslambda.LambdaFunction, props: dict[str, Any]) -> None:
    if props.get("Layers"):
        fn.layers = fn._get_layers_data(props["Layers"])
    fn.architectures = props.get("Architectures") or ["x86_64"]
    fn.tracing_config = props.get("TracingConfig") or {"Mode": "PassThrough"}
    fn.ephemeral_storage = (props.get("EphemeralStorage") or {}).get("Size", 512)
    if props.get("Tags"):
        fn.tags = tags_to_dict(props["Tags"])
    # moto's own API path drops it too; the local runtime sends failed async events here.
    fn.dead_letter_config = props.get("DeadLetterConfig")  # type: ignore[attr-defined]
    fn.logging_config = dict(props.get("LoggingConfig") or {})  # type: ignore[attr-defined]


def _function_qualified(
    props: Properties, account_id: str, region_name: str
) -> awslambda.LambdaFunction:
    qualifier = props.get("Qualifier")
    found: awslambda.LambdaFunction = awslambda.lambda_backends[account_id][
        region_name
    ].get_function(props["FunctionName"], None if qualifier in (None, "$LATEST") else qualifier)
    return found


def _event_invoke_config(props: Properties, cfn: Context) -> Created:
    fn = _function_qualified(props, cfn.account_id, cfn.region_name)
    settings = ("DestinationConfig", "MaximumEventAgeInSeconds", "MaximumRetryAttempts")
    config = {key: props[key] for key in settings if key in props}
    fn.event_invoke_config = [
        awslambda.EventInvokeConfig(fn.function_arn, fn.last_modified, config)
    ]
    qualifier = props.get("Qualifier", "$LATEST")
    return Created(f"{fn.function_name}:{qualifier}", state={"props": dict(props)})


def _delete_event_invoke_config(created: Created, account_id: str, region_name: str) -> None:
    try:
        fn = _function_qualified(created.state["props"], account_id, region_name)
    except Exception:  # the function went first
        return
    fn.event_invoke_config = []


LambdaEventInvokeConfig = cfn_model(
    "AWS::Lambda::EventInvokeConfig", _event_invoke_config, delete=_delete_event_invoke_config
)
MODELS = (LambdaEventInvokeConfig,)
# LoggingConfig through the API: kept on create and update, shown in the configuration.
_original_init = awslambda.LambdaFunction.__init__
_original_update_configuration = awslambda.LambdaFunction.update_configuration
_original_get_configuration = awslambda.LambdaFunction.get_configuration


def _init(self: awslambda.LambdaFunction, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    spec = kwargs.get("spec", args[1] if len(args) > 1 else {})
    self.logging_config = dict(spec.get("LoggingConfig") or {})  # type: ignore[attr-defined]


def _update_configuration(
    self: awslambda.LambdaFunction, config_updates: dict[str, Any]
) -> dict[str, Any]:
    if "LoggingConfig" in config_updates:
        self.logging_config = {  # type: ignore[attr-defined]
            **_logging_config(self),
            **config_updates["LoggingConfig"],
        }
    return _original_update_configuration(self, config_updates)


def _get_configuration(self: awslambda.LambdaFunction, *args: Any, **kwargs: Any) -> Any:
    config = _original_get_configuration(self, *args, **kwargs)
    logging_config = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{self.function_name}"}
    config["LoggingConfig"] = {**logging_config, **_logging_config(self)}
    return config


def _logging_config(fn: MotoFunction) -> dict[str, Any]:
    return dict(getattr(fn, "logging_config", None) or {})


def patch() -> None:
    awslambda.LayerVersion.physical_resource_id = property(lambda self: self.arn)  # type: ignore[attr-defined]
    awslambda.LambdaFunction.create_from_cloudformation_json = classmethod(_function_from_cfn)  # type: ignore[method-assign,assignment]
    awslambda.LambdaFunction.update_from_cloudformation_json = classmethod(  # type: ignore[method-assign,assignment]
        _function_update_from_cfn
    )
    awslambda.LambdaFunction.invoke = _invoke  # type: ignore[method-assign]
    awslambda.LambdaFunction.__init__ = _init  # type: ignore[method-assign]
    awslambda.LambdaFunction.update_configuration = _update_configuration  # type: ignore[method-assign]
    awslambda.LambdaFunction.get_configuration = _get_configuration  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------
# the deployed functions, for the runtime


def deployed_function(function: str, qualifier: str | None, region: str) -> MotoFunction:
    """A function deployed in the emulator, by ARN or by name (in ``region``); LookupError if
    there is none."""
    parts = function.split(":")
    account, region = (parts[4], parts[3]) if function.startswith("arn:") else (ACCOUNT_ID, region)
    try:
        found: MotoFunction = awslambda.lambda_backends[account][region].get_function(
            function, qualifier
        )
    except Exception as error:  # moto's UnknownFunctionException
        raise LookupError(f"no Lambda function {function}") from error
    return found


def spec_from_moto(fn: MotoFunction) -> FunctionSpec:
    """The spec of a function deployed in moto (its code is moto's copy of the zip)."""
    environment = {str(k): str(v) for k, v in (fn.environment_vars or {}).items()}
    dead_letter = getattr(fn, "dead_letter_config", None) or {}
    retries, on_success, on_failure = 2, None, None
    for config in getattr(fn, "event_invoke_config", None) or []:
        retries = config.config.get("MaximumRetryAttempts", retries)
        destinations = config.config.get("DestinationConfig") or {}
        on_success = (destinations.get("OnSuccess") or {}).get("Destination")
        on_failure = (destinations.get("OnFailure") or {}).get("Destination")
    arn: str = fn.function_arn
    version = arn.rsplit(":", 1)[-1] if arn.count(":") == 7 else "$LATEST"
    backend = awslambda.lambda_backends[fn.account_id][fn.region]
    layers = []
    for layer in fn.layers or []:
        found = backend.layers_versions_by_arn(layer["Arn"])
        if found is not None:  # a layer of another account: moto has no content for it
            layers.append(LayerCode(found.arn, found.code_bytes, found.code_digest))
    logging_config = _logging_config(fn)
    log_format = str(logging_config.get("LogFormat") or "Text")
    return FunctionSpec(
        name=fn.function_name,
        arn=arn,
        handler=fn.handler or "",
        code_zip=getattr(fn, "code_bytes", b""),
        # code_digest is the hex SHA-256 of the zip (code_sha_256 is base64).
        code_sha=getattr(fn, "code_digest", None) or getattr(fn, "code_sha_256", None),
        layers=tuple(layers),
        environment=environment,
        timeout_s=float(fn.timeout or 3),
        memory_mb=int(fn.memory_size or 128),
        runtime=fn.run_time or "python3.11",
        version=version if version.isdigit() else "$LATEST",
        max_retry_attempts=int(retries),
        dead_letter_arn=dead_letter.get("TargetArn") if isinstance(dead_letter, dict) else None,
        on_success_arn=on_success,
        on_failure_arn=on_failure,
        max_workers=int(fn.reserved_concurrency) if fn.reserved_concurrency else None,
        log_group=logging_config.get("LogGroup") or None,
        log_format=log_format,
        # Lambda's default application log level in the JSON format is INFO.
        application_log_level=(
            str(logging_config.get("ApplicationLogLevel") or "INFO")
            if log_format == "JSON"
            else None
        ),
    )
