"""API Gateway REST APIs, served from what was deployed into the emulator.

moto records REST APIs (resources, methods, integrations, stages, keys, usage plans, models,
validators, gateway responses) but does not serve their traffic. :class:`RestApiGateway`
does, for one request at a time, in API Gateway's order: route (resource, then method) ->
Cognito authorizer -> API key and usage plan -> request validator -> integration (Lambda
proxy; MOCK and AWS service or Lambda non-proxy ones with their mapping templates and
integration responses, in ``integrations``) -> response. Errors API Gateway itself answers
go through the API's gateway responses (status, headers, body template), as in AWS.

What it reads, it reads in-process from moto's backend (``moto_gaps.deployed``); per API and
stage it keeps a routing table with compiled model validators, rebuilt when the deployment
changes (or on :meth:`RestApiGateway.refresh`). API keys, usage plans and stage variables are
read at request time, so key changes apply at once.

With a ``CloudWatchRecorder`` (``cloudwatch=``), every request to a deployed stage writes the
stage's access-log line and its ``AWS/ApiGateway`` metrics (``access_log.py``).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote

from ..cloudwatch.recorder import CloudWatchRecorder
from ..emulator import ACCOUNT_ID
from ..http_messages import HttpRequest, HttpResponse
from . import moto_gaps
from .access_log import ApiTelemetry
from .authorizers import AuthorizerDenial, CognitoAuthorizer
from .integrations import GatewayError, MethodRequest, NonProxyIntegrations
from .usage_plans import UsagePlans
from .validation import BodyCheck, compile_models, missing_parameters

logger = logging.getLogger(__name__)


class InvokeResultLike(Protocol):
    @property
    def payload(self) -> bytes: ...

    @property
    def function_error(self) -> str | None: ...


# invoke(function ARN or name, event) -> (payload, FunctionError or None), or an object with
# those two attributes: the Lambda executor.
Invoke = Callable[[str, dict[str, Any]], tuple[bytes, str | None] | InvokeResultLike]

DEFAULT_TIMEOUT_MS = 29_000
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
_LAMBDA_URI = re.compile(
    r"^arn:[^:]+:apigateway:[^:]*:lambda:path/[^/]+/functions/(.+)/invocations$"
)
_TEMPLATE_REFERENCE = re.compile(
    r"\$(!?)(?:\{((?:context|stageVariables)(?:\.[A-Za-z0-9_]+)+)\}"
    r"|((?:context|stageVariables)(?:\.[A-Za-z0-9_]+)+))"
)
_DEFAULT_ERROR_TEMPLATE = '{"message":$context.error.messageString}'
# Response headers API Gateway keeps for itself; an integration's values come back renamed.
_REMAPPED_HEADERS = {"connection", "content-length", "date", "server", "transfer-encoding"}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Gateway response type -> (status, message, x-amzn-ErrorType)
_GATEWAY_ERRORS: dict[str, tuple[int, str, str]] = {
    "MISSING_AUTHENTICATION_TOKEN": (
        403,
        "Missing Authentication Token",
        "MissingAuthenticationTokenException",
    ),
    "INVALID_API_KEY": (403, "Forbidden", "ForbiddenException"),
    "ACCESS_DENIED": (403, "Forbidden", "ForbiddenException"),
    "RESOURCE_NOT_FOUND": (404, "Not Found", "NotFoundException"),
    "UNAUTHORIZED": (401, "Unauthorized", "UnauthorizedException"),
    "BAD_REQUEST_PARAMETERS": (400, "Bad request parameters", "BadRequestException"),
    "BAD_REQUEST_BODY": (400, "Invalid request body", "BadRequestException"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long", "RequestTooLongException"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "Unsupported Media Type", "UnsupportedMediaTypeException"),
    "THROTTLED": (429, "Too Many Requests", "TooManyRequestsException"),
    "QUOTA_EXCEEDED": (429, "Limit Exceeded", "LimitExceededException"),
    "API_CONFIGURATION_ERROR": (500, "Internal server error", "InternalServerErrorException"),
    "INTEGRATION_FAILURE": (500, "Internal server error", "InternalServerErrorException"),
    "INTEGRATION_TIMEOUT": (504, "Endpoint request timed out", "InternalServerErrorException"),
    "DEFAULT_5XX": (502, "Internal server error", "InternalServerErrorException"),
}


class MalformedProxyResponse(ValueError):
    pass


# ---------------------------------------------------------------------------------------
# the routing table of one deployed stage


@dataclass(slots=True)
class _Integration:
    type: str
    function: str | None  # AWS_PROXY to Lambda: the function ARN from the URI
    timeout_s: float
    request_templates: dict[str, str]
    responses: list[Any]  # moto IntegrationResponse
    uri: str = ""
    http_method: str | None = None
    request_parameters: dict[str, str] = field(default_factory=dict)
    passthrough_behavior: str = "WHEN_NO_MATCH"


@dataclass(slots=True)
class _Method:
    http_method: str
    resource_id: str
    resource_path: str
    operation_name: str | None
    api_key_required: bool
    authorization_type: str
    authorizer: Any | None
    scopes: list[str]
    # Filled only when the method's validator checks them.
    required_parameters: list[tuple[str, str]]
    body_checks: dict[str, BodyCheck]
    integration: _Integration | None


@dataclass(slots=True)
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    variable: tuple[str, _Node] | None = None
    greedy: tuple[str, dict[str, _Method]] | None = None
    methods: dict[str, _Method] | None = None


@dataclass(slots=True)
class _Deployment:
    signature: tuple[Any, ...]
    root: _Node
    binary: list[str]  # the API's binary media types

    def match(self, segments: list[str]) -> tuple[dict[str, _Method], dict[str, str]] | None:
        """The resource for a path (literal segments before variables before greedy ones)
        and its path parameters."""

        def walk(
            node: _Node, i: int, params: dict[str, str]
        ) -> tuple[dict[str, _Method], dict[str, str]] | None:
            if i == len(segments):
                return (node.methods, params) if node.methods is not None else None
            segment = segments[i]
            child = node.literals.get(segment)
            if child is not None and (found := walk(child, i + 1, params)):
                return found
            if node.variable is not None:
                name, child = node.variable
                if found := walk(child, i + 1, {**params, name: segment}):
                    return found
            if node.greedy is not None:
                name, methods = node.greedy
                return methods, {**params, name: "/".join(segments[i:])}
            return None

        return walk(self.root, 0, {})


def _signature(api: Any, stage: Any) -> tuple[Any, ...]:
    """Cheap to compute per request; changes whenever a (re)deployment or a CloudFormation
    update could have changed routing, models or validators."""
    resources = list(api.resources.values())
    return (
        id(api),
        stage.deployment_id,
        len(api.deployments),
        len(resources),
        sum(len(r.resource_methods) for r in resources),
        len(api.models),
        len(api.request_validators),
        len(api.authorizers),
        tuple(api.binaryMediaTypes or ()),
    )


def _build_deployment(api: Any, stage: Any) -> _Deployment:
    signature = _signature(api, stage)
    checks = compile_models(api.id, dict(api.models))
    root = _Node()
    for resource in list(api.resources.values()):
        path = resource.get_path()
        methods: dict[str, _Method] = {}
        for verb, method in list(resource.resource_methods.items()):
            methods[verb.upper()] = _build_method(api, resource.id, path, method, checks)
        node = root
        for segment in [s for s in path.split("/") if s]:
            if segment.startswith("{") and segment.endswith("+}"):
                node.greedy = (segment[1:-2], methods)
                break
            if segment.startswith("{") and segment.endswith("}"):
                if node.variable is None:
                    node.variable = (segment[1:-1], _Node())
                node = node.variable[1]
            else:
                node = node.literals.setdefault(segment, _Node())
        else:
            node.methods = methods
    return _Deployment(signature, root, list(api.binaryMediaTypes or []))


def _build_method(
    api: Any, resource_id: str, path: str, method: Any, checks: dict[str, BodyCheck]
) -> _Method:
    validator = api.request_validators.get(method.request_validator_id or "")
    required: list[tuple[str, str]] = []
    if validator is not None and validator.validate_request_parameters:
        for name, is_required in (method.request_parameters or {}).items():
            parts = name.split(".", 3)  # method.request.{location}.{name}
            if is_required and len(parts) == 4:
                required.append((parts[2], parts[3]))
    body_checks: dict[str, BodyCheck] = {}
    if validator is not None and validator.validate_request_body:
        for content_type, model_name in (method.request_models or {}).items():
            if model_name in checks:
                body_checks[content_type.lower()] = checks[model_name]
    integration = None
    found = method.method_integration
    if found is not None:
        match = _LAMBDA_URI.match(found.uri or "")
        integration = _Integration(
            type=found.integration_type,
            function=match.group(1) if match else None,
            timeout_s=int(found.timeout_in_millis or DEFAULT_TIMEOUT_MS) / 1000,
            request_templates=dict(found.request_templates or {}),
            responses=list((found.integration_responses or {}).values()),
            uri=found.uri or "",
            http_method=found.http_method,
            request_parameters=dict(found.request_parameters or {}),
            passthrough_behavior=found.passthrough_behaviour or "WHEN_NO_MATCH",
        )
    authorizer = api.authorizers.get(method.authorizer_id or "")
    return _Method(
        http_method=method.http_method,
        resource_id=resource_id,
        resource_path=path,
        operation_name=method.operation_name,
        api_key_required=bool(method.api_key_required),
        authorization_type=(method.authorization_type or "NONE").upper(),
        authorizer=authorizer,
        scopes=list(method.authorization_scopes or []),
        required_parameters=required,
        body_checks=body_checks,
        integration=integration,
    )


# ---------------------------------------------------------------------------------------
# one request


def _request_time(epoch: float) -> str:
    t = time.gmtime(epoch)
    return (
        f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _is_binary(media_type: str, binary_media_types: list[str]) -> bool:
    if not media_type:
        return False
    main = media_type.split("/", 1)[0]
    return any(
        declared.lower() in (media_type, "*/*", f"{main}/*") for declared in binary_media_types
    )


@dataclass(slots=True)
class _Call:
    """What API Gateway knows about one request as it goes through the pipeline."""

    request: HttpRequest
    api_id: str
    stage_name: str
    path: str  # decoded, below the stage
    headers: dict[str, str]  # lower-case names, last values
    segments: list[str]  # of the path, each decoded
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    extended_request_id: str = field(
        default_factory=lambda: base64.b64encode(os.urandom(12)).decode()[:15] + "="
    )
    started: float = field(default_factory=time.time)
    backend: Any = None
    api: Any = None
    stage: Any = None
    deployment: _Deployment | None = None
    method: _Method | None = None
    path_parameters: dict[str, str] = field(default_factory=dict)
    query: dict[str, list[str]] = field(default_factory=dict)
    api_key: Any = None
    usage_plan: Any = None
    authorizer: dict[str, Any] | None = None
    # For the access log: the gateway error answered (its $context.error values), and the
    # integration's latency and status when one was called.
    error: dict[str, str] | None = None
    integration_latency_ms: float | None = None
    integration_status: str | None = None

    def context_value(self, name: str, error: dict[str, str]) -> str | None:
        """``$context.…`` values for gateway response templates and header mappings."""
        if name.startswith("error."):
            return error.get(name[6:])
        return self.context_values().get(name)

    def context_values(self) -> dict[str, str | None]:
        """Every ``$context.…`` value the request itself gives (not its ``error.…``)."""
        return {
            "requestId": self.request_id,
            "extendedRequestId": self.extended_request_id,
            "apiId": self.api_id,
            "stage": self.stage_name,
            "httpMethod": self.request.method,
            "path": f"/{self.stage_name}{self.path}",
            "resourcePath": self.method.resource_path if self.method else "",
            "resourceId": self.method.resource_id if self.method else "",
            "protocol": self.request.protocol,
            "accountId": ACCOUNT_ID,
            "requestTimeEpoch": str(int(self.started * 1000)),
            "requestTime": _request_time(self.started),
            "identity.sourceIp": self.request.source_ip,
            "identity.userAgent": self.headers.get("user-agent", ""),
            "identity.apiKeyId": getattr(self.api_key, "id", ""),
            # $context.authorizer.claims.<claim>: what a Cognito authorizer let through
            **{
                f"authorizer.claims.{name}": value
                for name, value in ((self.authorizer or {}).get("claims") or {}).items()
            },
        }

    def parameter_value(self, source: str, error: dict[str, str]) -> str | None:
        """A mapping expression: ``'literal'``, ``method.request.header.x``, ``context.x``…"""
        if len(source) >= 2 and source[0] == source[-1] == "'":
            return source[1:-1]
        prefix, _, name = source.rpartition(".")
        lookups: dict[str, Callable[[], str | None]] = {
            "method.request.header": lambda: self.headers.get(name.lower()),
            "method.request.querystring": lambda: (self.query.get(name) or [""])[-1] or None,
            "method.request.path": lambda: self.path_parameters.get(name),
            "stageVariables": lambda: _optional_str(
                (getattr(self.stage, "variables", None) or {}).get(name)
            ),
        }
        if prefix in lookups:
            return lookups[prefix]()
        if source.startswith("context."):
            return self.context_value(source[8:], error)
        return None


@dataclass
class _TestStage:
    """The stage TestInvokeMethod runs in: none, only the variables it is given."""

    variables: dict[str, str]
    name: str = "test-invoke-stage"
    deployment_id: str = ""


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


# A pipeline step answers the request itself (an error, a mock) or passes it on (None).
_Step = Callable[[_Call], HttpResponse | None]


class RestApiGateway:
    """Serves the REST APIs deployed in the emulator's region."""

    def __init__(
        self,
        *,
        region: str,
        invoke: Invoke,
        account_id: str = ACCOUNT_ID,
        enforce_usage_plans: bool = False,
        max_concurrent_invocations: int = 64,
        aws_endpoint: str | None = None,
        cloudwatch: CloudWatchRecorder | None = None,
    ):
        """``aws_endpoint``: where AWS service integrations are sent (the emulator)."""
        self.region = region
        self._telemetry = ApiTelemetry(cloudwatch) if cloudwatch is not None else None
        self.account_id = account_id
        self.enforce_usage_plans = enforce_usage_plans
        self._invoke = invoke
        self._deployments: dict[tuple[str, str], _Deployment] = {}
        self._build_lock = threading.Lock()
        self._keys_by_value: dict[str, str] = {}
        self._usage = UsagePlans()
        self._cognito = CognitoAuthorizer(region=region, account_id=account_id)
        # Invocations run here so that the integration timeout can be kept.
        self._pool = ThreadPoolExecutor(
            max_workers=max_concurrent_invocations, thread_name_prefix="apigw-invoke"
        )
        self._non_proxy = NonProxyIntegrations(
            region=region, aws_endpoint=aws_endpoint, invoke=self._invoke_tuple, pool=self._pool
        )
        moto_gaps.set_test_invoker(self._answer_test_invoke)
        self._steps: list[_Step] = [
            self._route,
            self._authorize,
            self._check_api_key,
            self._throttle,
            self._validate,
            self._integrate,
        ]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _answer_test_invoke(
        self, invocation: moto_gaps.TestInvocation
    ) -> tuple[int, list[tuple[str, str]], bytes, float]:
        response, latency_ms = self.test_invoke(invocation)
        return response.status, response.headers, response.body, latency_ms

    def refresh(self) -> None:
        """Forget routing tables and keys: the next request reads what is deployed now."""
        with self._build_lock:
            self._deployments.clear()
            self._keys_by_value.clear()

    def stages(self) -> list[tuple[str, str]]:
        """(API id, stage name) of every deployed stage."""
        backend = moto_gaps.deployed(self.region, self.account_id)
        return [
            (api.id, stage_name)
            for api in list(backend.apis.values())
            for stage_name in list(api.stages)
        ]

    def handle(self, api_id: str, stage_name: str, path: str, request: HttpRequest) -> HttpResponse:
        """One request to ``/{stage_name}{path}`` of API ``api_id``; ``path`` as received
        (percent-encoded), starting with ``/``."""
        call = _Call(
            request,
            api_id,
            stage_name,
            unquote(path) or "/",
            {name.lower(): value for name, value in request.headers},
            [unquote(s) for s in path.split("/") if s],
        )
        response = self._respond(call)
        if self._telemetry is not None and call.stage is not None:
            self._record(call, response)
        return response

    def _respond(self, call: _Call) -> HttpResponse:
        for step in self._steps:
            response = step(call)
            if response is not None:
                return response
        return self._error(call, "API_CONFIGURATION_ERROR")

    def test_invoke(self, invocation: moto_gaps.TestInvocation) -> tuple[HttpResponse, float]:
        """API Gateway's TestInvokeMethod: the method as configured now (deployed or not),
        without authorization or API key, through the same validation, integration and
        mapping as a real request; the response and how long it took (ms)."""
        started = time.perf_counter()
        backend = moto_gaps.deployed(self.region, self.account_id)
        api = backend.apis[invocation.api_id]
        resource = api.resources[invocation.resource_id]
        path, _, query = (invocation.path_with_query or resource.get_path()).partition("?")
        headers = invocation.headers
        request = HttpRequest(
            invocation.http_method, path, query, list(headers.items()), invocation.body, "test"
        )
        call = _Call(
            request,
            invocation.api_id,
            "test-invoke-stage",
            unquote(path) or "/",
            {name.lower(): value for name, value in headers.items()},
            [unquote(s) for s in path.split("/") if s],
        )
        call.backend, call.api = backend, api
        call.stage = _TestStage(variables=dict(invocation.stage_variables))
        call.deployment = _build_deployment(api, call.stage)
        response = None
        for step in (self._route_in_deployment, self._validate, self._integrate):
            response = step(call)
            if response is not None:
                break
        if response is None:
            response = self._error(call, "API_CONFIGURATION_ERROR")
        return response, (time.perf_counter() - started) * 1000

    def _route_in_deployment(self, call: _Call) -> HttpResponse | None:
        assert call.deployment is not None
        found = call.deployment.match(call.segments)
        if found is not None:
            methods, call.path_parameters = found
            call.method = methods.get(call.request.method.upper()) or methods.get("ANY")
        if call.method is None:
            return self._error(call, "MISSING_AUTHENTICATION_TOKEN")
        for name, value in parse_qsl(call.request.query, keep_blank_values=True):
            call.query.setdefault(name, []).append(value)
        return None

    def _record(self, call: _Call, response: HttpResponse) -> None:
        """The request's access-log line and metrics (queued, not written here)."""
        assert self._telemetry is not None
        latency_ms = (time.time() - call.started) * 1000
        status, length = response.status, len(response.body)

        def context() -> dict[str, str | None]:
            # Called when the line is written, off the request path.
            integration_ms = call.integration_latency_ms
            integration = None if integration_ms is None else str(round(integration_ms))
            values = call.context_values()
            values.update({f"error.{k}": v for k, v in (call.error or {}).items()})
            values.update(
                {
                    "status": str(status),
                    "responseLength": str(length),
                    "responseLatency": str(round(latency_ms)),
                    "integrationLatency": integration,
                    "integration.latency": integration,
                    "integrationStatus": call.integration_status,
                    "integration.status": call.integration_status,
                }
            )
            return values

        self._telemetry.request(
            api_id=call.api_id,
            api_name=str(getattr(call.api, "name", "") or call.api_id),
            stage_name=call.stage_name,
            access_log_settings=getattr(call.stage, "access_log_settings", None),
            status=status,
            latency_ms=latency_ms,
            integration_latency_ms=call.integration_latency_ms,
            context=context,
        )

    # -- the pipeline, in API Gateway's order ------------------------------------------

    def _route(self, call: _Call) -> HttpResponse | None:
        call.backend = moto_gaps.deployed(self.region, self.account_id)
        call.api = call.backend.apis.get(call.api_id)
        if call.api is None:
            return self._error(call, "RESOURCE_NOT_FOUND")
        call.stage = call.api.stages.get(call.stage_name)
        if call.stage is None:
            return self._error(call, "ACCESS_DENIED")
        call.deployment = self._deployment(call.api, call.stage)
        found = call.deployment.match(call.segments)
        if found is None:
            return self._error(call, "MISSING_AUTHENTICATION_TOKEN")
        methods, call.path_parameters = found
        call.method = methods.get(call.request.method.upper()) or methods.get("ANY")
        if call.method is None:
            return self._error(call, "MISSING_AUTHENTICATION_TOKEN")
        if len(call.request.body) > MAX_PAYLOAD_BYTES:
            return self._error(call, "REQUEST_TOO_LARGE")
        for name, value in parse_qsl(call.request.query, keep_blank_values=True):
            call.query.setdefault(name, []).append(value)
        return None

    def _authorize(self, call: _Call) -> HttpResponse | None:
        method = call.method
        assert method is not None
        if method.authorization_type == "NONE":
            return None
        if method.authorization_type != "COGNITO_USER_POOLS":
            # Lambda (CUSTOM) and IAM authorizers are not emulated: fail closed, never open.
            return self._error(
                call,
                "ACCESS_DENIED",
                message=f"{method.authorization_type} authorization is not emulated locally",
            )
        if method.authorizer is None:
            return self._error(call, "API_CONFIGURATION_ERROR")
        outcome = self._cognito.authorize(method.authorizer, method.scopes, call.headers)
        if isinstance(outcome, AuthorizerDenial):
            return self._error(call, "UNAUTHORIZED", message=outcome.message)
        call.authorizer = outcome
        return None

    def _check_api_key(self, call: _Call) -> HttpResponse | None:
        """An enabled key of a usage plan that includes this API stage, when required."""
        assert call.method is not None
        if not call.method.api_key_required:
            return None
        value = call.headers.get("x-api-key")
        backend = call.backend
        key = backend.keys.get(self._keys_by_value.get(value or "", ""))
        if value and (key is None or key.value != value):
            self._keys_by_value = {k.value: k.id for k in list(backend.keys.values())}
            key = backend.keys.get(self._keys_by_value.get(value, ""))
        if key is None or not key.enabled:
            return self._error(call, "INVALID_API_KEY")
        for plan in list(backend.usage_plans.values()):
            attached = any(
                s.get("apiId") == call.api_id and s.get("stage") == call.stage_name
                for s in plan.api_stages or []
            )
            if attached and key.id in backend.usage_plan_keys.get(plan.id, {}):
                call.api_key, call.usage_plan = key, plan
                return None
        return self._error(call, "INVALID_API_KEY")

    def _throttle(self, call: _Call) -> HttpResponse | None:
        if not self.enforce_usage_plans:
            return None
        refusal = None
        if call.usage_plan is not None:
            refusal = self._usage.admit(call.usage_plan, call.api_key.id)
        refusal = refusal or self._usage.admit_stage(call.api_id, call.stage)
        return self._error(call, refusal) if refusal else None

    def _validate(self, call: _Call) -> HttpResponse | None:
        method = call.method
        assert method is not None
        if method.required_parameters:
            missing = missing_parameters(
                method.required_parameters,
                path_parameters=call.path_parameters,
                query=call.query,
                headers=call.headers,
            )
            if missing:
                return self._error(
                    call,
                    "BAD_REQUEST_PARAMETERS",
                    message=f"Missing required request parameters: [{', '.join(missing)}]",
                )
        if method.body_checks:
            media_type = _media_type(call.headers.get("content-type")) or "application/json"
            check = method.body_checks.get(media_type) or method.body_checks.get("$default")
            problems = check.errors(call.request.body) if check is not None else []
            if problems:
                return self._error(
                    call, "BAD_REQUEST_BODY", validation_error=f"[{', '.join(problems)}]"
                )
        return None

    def _integrate(self, call: _Call) -> HttpResponse | None:
        assert call.method is not None
        integration = call.method.integration
        if integration is None:
            return self._error(call, "API_CONFIGURATION_ERROR")
        if integration.type == "MOCK":
            return self._answer(call, self._non_proxy.mock(self._method_request(call), integration))
        if integration.type == "AWS_PROXY" and integration.function:
            return self._lambda_proxy(call, integration)
        if integration.type == "AWS":
            return self._answer(call, self._non_proxy.aws(self._method_request(call), integration))
        logger.warning(
            "%s %s: %s integrations are not served locally",
            call.request.method,
            call.method.resource_path,
            integration.type,
        )
        return self._error(call, "API_CONFIGURATION_ERROR")

    # -- routing tables ------------------------------------------------------------------

    def _deployment(self, api: Any, stage: Any) -> _Deployment:
        key = (api.id, stage.name)
        current = self._deployments.get(key)
        if current is not None and current.signature == _signature(api, stage):
            return current
        with self._build_lock:
            for attempt in range(3):
                try:
                    current = _build_deployment(api, stage)
                    break
                except RuntimeError:  # moto changed the API under us (dict changed size)
                    if attempt == 2:
                        raise
                    time.sleep(0.01)
            assert current is not None
            self._deployments[key] = current
            return current

    # -- integrations --------------------------------------------------------------------

    def _invoke_tuple(self, function: str, event: Any) -> tuple[bytes, str | None]:
        result = self._invoke(function, event)
        return result if isinstance(result, tuple) else (result.payload, result.function_error)

    def _answer(self, call: _Call, outcome: HttpResponse | GatewayError) -> HttpResponse:
        if isinstance(outcome, GatewayError):
            return self._error(call, outcome.response_type, message=outcome.message)
        outcome.headers[:0] = self._base_headers(call)
        return outcome

    def _method_request(self, call: _Call) -> MethodRequest:
        """The method request as non-proxy integrations and their templates see it."""
        accept = call.headers.get("accept", "").split(",", 1)[0]
        return MethodRequest(
            http_method=call.request.method,
            body=call.request.body,
            content_type=_media_type(call.headers.get("content-type")),
            accept=_media_type(accept),
            headers=dict(call.request.headers),
            query=call.query,
            path_parameters=call.path_parameters,
            context=self._template_context(call),
            stage_variables={
                k: str(v) for k, v in (getattr(call.stage, "variables", None) or {}).items()
            },
            parameter=lambda source: call.parameter_value(source, {}),
        )

    def _template_context(self, call: _Call) -> dict[str, Any]:
        """``$context`` of mapping templates."""
        method = call.method
        assert method is not None
        api_key = call.api_key
        context: dict[str, Any] = {
            "requestId": call.request_id,
            "extendedRequestId": call.extended_request_id,
            "apiId": call.api_id,
            "stage": call.stage_name,
            "httpMethod": call.request.method,
            "resourcePath": method.resource_path,
            "resourceId": method.resource_id,
            "path": f"/{call.stage_name}{call.path}",
            "protocol": call.request.protocol,
            "accountId": self.account_id,
            "requestTime": _request_time(call.started),
            "requestTimeEpoch": int(call.started * 1000),
            "domainName": f"{call.api_id}.execute-api.{self.region}.amazonaws.com",
            "domainPrefix": call.api_id,
            "deploymentId": getattr(call.stage, "deployment_id", ""),
            "identity": {
                "sourceIp": call.request.source_ip,
                "userAgent": call.headers.get("user-agent", ""),
                "apiKey": getattr(api_key, "value", ""),
                "apiKeyId": getattr(api_key, "id", ""),
                "accountId": "",
                "caller": "",
                "user": "",
                "userArn": "",
            },
            "requestOverride": {"header": {}, "querystring": {}, "path": {}},
            "responseOverride": {"header": {}, "status": None},
        }
        if method.operation_name:
            context["operationName"] = method.operation_name
        if call.authorizer is not None:
            context["authorizer"] = call.authorizer
        return context

    def _lambda_proxy(self, call: _Call, integration: _Integration) -> HttpResponse:
        trace_id = call.headers.get("x-amzn-trace-id") or (
            f"Root=1-{int(call.started):08x}-{os.urandom(12).hex()}"
        )
        event = self._proxy_event(call, trace_id)
        assert integration.function is not None
        called = time.perf_counter()
        future = self._pool.submit(self._invoke, integration.function, event)
        try:
            result = future.result(timeout=integration.timeout_s)
        except FutureTimeout:
            call.integration_latency_ms = (time.perf_counter() - called) * 1000
            return self._error(call, "INTEGRATION_TIMEOUT")
        except Exception:
            call.integration_latency_ms = (time.perf_counter() - called) * 1000
            logger.exception("invoking %s failed", integration.function)
            return self._error(call, "INTEGRATION_FAILURE")
        call.integration_latency_ms = (time.perf_counter() - called) * 1000
        # Lambda's Invoke answered 200, whatever the function did.
        call.integration_status = "200"
        if isinstance(result, tuple):
            payload, function_error = result
        else:
            payload, function_error = result.payload, result.function_error
        if function_error:
            logger.info(
                "%s returned %s: %s",
                integration.function,
                function_error,
                payload[:2000].decode("utf-8", "replace"),
            )
            return self._error(call, "DEFAULT_5XX")
        try:
            response = _proxy_response(payload, call)
        except MalformedProxyResponse as problem:
            logger.warning(
                "%s: malformed Lambda proxy response (%s): %s",
                integration.function,
                problem,
                payload[:2000].decode("utf-8", "replace"),
            )
            return self._error(call, "DEFAULT_5XX")
        response.headers[:0] = [*self._base_headers(call), ("X-Amzn-Trace-Id", trace_id)]
        return response

    def _proxy_event(self, call: _Call, trace_id: str) -> dict[str, Any]:
        """The Lambda proxy integration's event (payload format 1.0)."""
        request, method, deployment = call.request, call.method, call.deployment
        assert method is not None
        assert deployment is not None
        headers, multi_headers = _event_headers(call, trace_id)
        body: str | None = None
        is_base64 = False
        if request.body:
            if _is_binary(_media_type(call.headers.get("content-type")), deployment.binary):
                body, is_base64 = base64.b64encode(request.body).decode(), True
            else:
                body = request.body.decode("utf-8", "replace")
        api_key = call.api_key
        context: dict[str, Any] = {
            "resourceId": method.resource_id,
            "resourcePath": method.resource_path,
            "httpMethod": request.method,
            "extendedRequestId": call.extended_request_id,
            "requestTime": _request_time(call.started),
            "path": f"/{call.stage_name}{call.path}",
            "accountId": self.account_id,
            "protocol": request.protocol,
            "stage": call.stage_name,
            "domainPrefix": call.api_id,
            "requestTimeEpoch": int(call.started * 1000),
            "requestId": call.request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "apiKey": getattr(api_key, "value", None),
                "apiKeyId": getattr(api_key, "id", None),
                "sourceIp": request.source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": call.headers.get("user-agent"),
                "user": None,
            },
            "domainName": f"{call.api_id}.execute-api.{self.region}.amazonaws.com",
            "deploymentId": call.stage.deployment_id,
            "apiId": call.api_id,
        }
        if method.operation_name:
            context["operationName"] = method.operation_name
        if call.authorizer is not None:
            context["authorizer"] = call.authorizer
        variables = getattr(call.stage, "variables", None) or {}
        return {
            "resource": method.resource_path,
            "path": call.path,
            "httpMethod": request.method,
            "headers": headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": {k: v[-1] for k, v in call.query.items()} or None,
            "multiValueQueryStringParameters": dict(call.query) or None,
            "pathParameters": dict(call.path_parameters) or None,
            "stageVariables": {k: str(v) for k, v in variables.items()} or None,
            "requestContext": context,
            "body": body,
            "isBase64Encoded": is_base64,
        }

    # -- responses API Gateway gives itself ----------------------------------------------

    @staticmethod
    def _base_headers(call: _Call) -> list[tuple[str, str]]:
        return [
            ("x-amzn-RequestId", call.request_id),
            ("x-amz-apigw-id", call.extended_request_id),
        ]

    def _error(
        self,
        call: _Call,
        response_type: str,
        *,
        message: str | None = None,
        validation_error: str = "",
    ) -> HttpResponse:
        """API Gateway's own answer, shaped by the API's gateway response for the type (or
        its DEFAULT_4XX / DEFAULT_5XX)."""
        status, default_message, error_type = _GATEWAY_ERRORS[response_type]
        message = message or default_message
        error = {
            "message": message,
            "messageString": json.dumps(message),
            "responseType": response_type,
            "validationErrorString": json.dumps(validation_error)[1:-1],
        }
        call.error = error
        responses = getattr(call.api, "gateway_responses", None) or {}
        gateway_response = responses.get(response_type)
        if gateway_response is not None and gateway_response.status_code:
            status = int(gateway_response.status_code)
        if gateway_response is None:
            gateway_response = responses.get("DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX")
        templates = getattr(gateway_response, "response_templates", None) or {}
        template = templates.get("application/json") or _DEFAULT_ERROR_TEMPLATE

        def render(match: re.Match[str]) -> str:
            quiet, name = match.group(1), match.group(2) or match.group(3)
            if name.startswith("stageVariables."):
                value = call.parameter_value(name, error)
            else:
                value = call.context_value(name[8:], error)
            if value is None:
                return "" if quiet else match.group(0)
            return value

        headers = [
            *self._base_headers(call),
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", error_type),
        ]
        parameters = getattr(gateway_response, "response_parameters", None) or {}
        for name, source in parameters.items():
            if name.startswith("gatewayresponse.header."):
                value = call.parameter_value(source, error)
                if value is not None:
                    headers.append((name[23:], value))
        return HttpResponse(status, headers, _TEMPLATE_REFERENCE.sub(render, template).encode())


def _event_headers(call: _Call, trace_id: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The request's headers as the event carries them (single values keep the last), with
    the ones API Gateway adds."""
    request = call.request
    host = call.headers.get("host", "")
    added = {
        "X-Forwarded-For": request.source_ip,
        "X-Forwarded-Port": host.rsplit(":", 1)[1] if ":" in host else "80",
        "X-Forwarded-Proto": "http",
        "X-Amzn-Trace-Id": trace_id,
    }
    headers: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in request.headers:
        lower = name.lower()
        if lower in ("x-forwarded-port", "x-forwarded-proto", "x-amzn-trace-id"):
            continue
        forwarded = value
        if lower == "x-forwarded-for":
            forwarded = f"{value}, {request.source_ip}"
            added.pop("X-Forwarded-For", None)
        headers[name] = forwarded
        multi.setdefault(name, []).append(forwarded)
    for name, value in added.items():
        headers[name] = value
        multi[name] = [value]
    return headers, multi


_PROXY_RESPONSE_FIELDS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}


def _proxy_response(payload: bytes, call: _Call) -> HttpResponse:
    """A Lambda proxy response as HTTP; MalformedProxyResponse when it is not one."""
    try:
        document = json.loads(payload) if payload else None
    except ValueError as error:
        raise MalformedProxyResponse("not JSON") from error
    if not isinstance(document, dict):
        raise MalformedProxyResponse("not a JSON object")
    if unknown := set(document) - _PROXY_RESPONSE_FIELDS:
        raise MalformedProxyResponse(f"unexpected fields {sorted(unknown)}")
    status = document.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedProxyResponse("statusCode is not an HTTP status")
    headers = _proxy_headers(document.get("headers") or {}, document.get("multiValueHeaders") or {})
    content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
    if content_type is None:
        content_type = "application/json"
        headers.append(("Content-Type", content_type))
    body = document.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedProxyResponse("body is not a string")
    raw = (body or "").encode()
    assert call.deployment is not None
    binary = call.deployment.binary
    accept = _media_type(call.headers.get("accept", "").split(",", 1)[0])
    if (
        body
        and document.get("isBase64Encoded") is True
        and (_is_binary(accept, binary) or _is_binary(_media_type(content_type), binary))
    ):
        try:
            raw = base64.b64decode(body, validate=True)
        except binascii.Error as error:
            raise MalformedProxyResponse("body is not base64") from error
    return HttpResponse(status, headers, raw)


def _proxy_headers(single: Any, multi: Any) -> list[tuple[str, str]]:
    """headers and multiValueHeaders merged (multiValueHeaders win), API Gateway's own
    headers renamed out of the way."""
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise MalformedProxyResponse("headers are not objects")
    headers: list[tuple[str, str]] = []
    for name, values in multi.items():
        if not isinstance(values, list):
            raise MalformedProxyResponse(f"multiValueHeaders[{name!r}] is not a list")
        headers.extend((name, _header_value(v)) for v in values)
    in_multi = {name.lower() for name in multi}
    headers.extend(
        (name, _header_value(value))
        for name, value in single.items()
        if name.lower() not in in_multi
    )
    return [
        (f"x-amzn-Remapped-{name}" if name.lower() in _REMAPPED_HEADERS else name, value)
        for name, value in headers
    ]


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
