"""API Gateway's non-proxy integrations: ``AWS`` (a service action or path, Lambda included)
with request and response mapping, and the integration responses of ``MOCK`` ones.

One request goes through API Gateway's steps:

1. Integration request: the request template for the request's content type renders the
   body (``mapping_templates``); without one, the passthrough behavior decides
   (``WHEN_NO_MATCH`` passes the body on, ``WHEN_NO_TEMPLATES`` only when there are no
   templates at all, ``NEVER`` answers 415). The integration's request parameters
   (``integration.request.header|querystring|path.*``) are mapped, then the template's
   ``$context.requestOverride`` applied.
2. The call. The URI ``arn:aws:apigateway:{region}:{service}:action/{Action}`` calls an API
   action: JSON-protocol services (Kinesis, DynamoDB, Step Functions, SQS...) get
   ``POST /`` with ``X-Amz-Target``, query-protocol ones ``Action=...&Version=...``; the
   URI ``...:{service}:path/{path}`` calls ``{integration method} /{path}``. Either is sent
   to the emulator signed (SigV4) with the emulator's fake credentials, so moto serves it as
   it would the SDK. Lambda's invocation path runs the function through the local runtime.
3. Integration response: the first response whose selection pattern matches (the whole
   status code for services; a Lambda function error's ``errorMessage``), else the default
   one; its status, its response parameters (``method.response.header.*`` from
   ``integration.response.header.*``, ``integration.response.body[.path]``, literals) and its
   response template for the client's ``Accept`` type (or the first), with
   ``$context.responseOverride``. Without a template the body passes through.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.parse
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

import botocore.session
import urllib3
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ..http_messages import HttpResponse
from .mapping_templates import Input, MappingTemplateError, render

logger = logging.getLogger(__name__)

_SERVICE_URI = re.compile(r"^arn:[^:]+:apigateway:([^:]*):([^:]+):(action|path)/(.*)$", re.S)
_LAMBDA_PATH = re.compile(r"^[^/]+/functions/(.+)/invocations$")
_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")
_PLACEHOLDER = re.compile(r"\{([^}/]+)\}")
_CREDENTIALS = Credentials("local", "local")


class IntegrationLike(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def uri(self) -> str: ...
    @property
    def http_method(self) -> str | None: ...
    @property
    def timeout_s(self) -> float: ...
    @property
    def request_templates(self) -> dict[str, str]: ...
    @property
    def request_parameters(self) -> dict[str, str]: ...
    @property
    def passthrough_behavior(self) -> str: ...
    @property
    def responses(self) -> list[Any]: ...  # moto IntegrationResponse


@dataclass
class MethodRequest:
    """What the integration knows of the method request."""

    http_method: str
    body: bytes
    content_type: str  # media type, "" when absent
    accept: str  # first media type of Accept, "" when absent
    headers: dict[str, str]  # as received
    query: dict[str, list[str]]
    path_parameters: dict[str, str]
    context: dict[str, Any]  # $context; templates may change it (the overrides)
    stage_variables: dict[str, str]
    parameter: Callable[[str], str | None]  # a mapping expression's value

    def template_input(self, raw: bytes) -> Input:
        return Input(
            raw,
            {
                "path": dict(self.path_parameters),
                "querystring": {k: v[-1] for k, v in self.query.items()},
                "header": dict(self.headers),
            },
        )


@dataclass(frozen=True)
class GatewayError:
    """API Gateway answers itself: a gateway response type (rest_api renders it)."""

    response_type: str
    message: str | None = None


# invoke(function, event) -> (payload, FunctionError or None)
InvokeFunction = Callable[[str, Any], tuple[bytes, str | None]]


@dataclass(frozen=True)
class _Backend:
    """What the call answered."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    selector: str  # what selection patterns are matched against


class NonProxyIntegrations:
    def __init__(
        self,
        *,
        region: str,
        aws_endpoint: str | None,
        invoke: InvokeFunction,
        pool: ThreadPoolExecutor,
    ) -> None:
        self.region = region
        self.aws_endpoint = aws_endpoint
        self._invoke = invoke
        self._pool = pool
        self._http = urllib3.PoolManager(maxsize=16, retries=False)

    # -- MOCK ------------------------------------------------------------------------------

    def mock(
        self, request: MethodRequest, integration: IntegrationLike
    ) -> HttpResponse | GatewayError:
        """A MOCK integration: the request template's ``statusCode`` selects the response."""
        body = self._request_body(request, integration)
        if isinstance(body, GatewayError):
            return body
        match = re.search(r"[\"']?statusCode[\"']?\s*:\s*(\d{3})", body.decode("utf-8", "replace"))
        selector = match.group(1) if match else "200"
        return self._respond(request, integration, _Backend(200, [], b"", selector))

    # -- AWS -------------------------------------------------------------------------------

    def aws(
        self, request: MethodRequest, integration: IntegrationLike
    ) -> HttpResponse | GatewayError:
        body = self._request_body(request, integration)
        if isinstance(body, GatewayError):
            return body
        mapped = self._request_parameters(request, integration)
        uri = _STAGE_VARIABLE.sub(
            lambda m: request.stage_variables.get(m.group(1), ""), integration.uri or ""
        )
        found = _SERVICE_URI.match(uri)
        if found is None:
            logger.warning("unsupported AWS integration URI %r", integration.uri)
            return GatewayError("API_CONFIGURATION_ERROR")
        _, service, kind, rest = found.groups()
        service = service.split(".")[-1]  # "{subdomain}.{service}"
        lambda_path = _LAMBDA_PATH.match(rest) if service == "lambda" and kind == "path" else None
        call: Callable[[], _Backend | GatewayError]
        if lambda_path is not None:
            function = urllib.parse.unquote(lambda_path.group(1))
            call = lambda: self._call_function(function, body)  # noqa: E731
        else:
            call = lambda: self._call_service(  # noqa: E731
                service,
                kind=kind,
                rest=rest,
                http_method=integration.http_method or request.http_method,
                body=body,
                mapped=mapped,
            )
        future = self._pool.submit(call)
        try:
            backend = future.result(timeout=integration.timeout_s)
        except FutureTimeout:
            return GatewayError("INTEGRATION_TIMEOUT")
        except Exception:
            logger.exception("AWS integration %s failed", uri)
            return GatewayError("INTEGRATION_FAILURE")
        if isinstance(backend, GatewayError):
            return backend
        return self._respond(request, integration, backend)

    def _call_function(self, function: str, body: bytes) -> _Backend | GatewayError:
        try:
            event = json.loads(body) if body.strip() else {}
        except ValueError:
            logger.warning("Lambda integration %s: the request body is not JSON", function)
            return GatewayError("INTEGRATION_FAILURE")
        payload, function_error = self._invoke(function, event)
        selector = ""
        if function_error:
            try:
                selector = str(json.loads(payload).get("errorMessage", ""))
            except (ValueError, AttributeError):
                selector = payload.decode("utf-8", "replace")
        return _Backend(200, [("Content-Type", "application/json")], payload, selector)

    def _call_service(
        self,
        service: str,
        *,
        kind: str,
        rest: str,
        http_method: str,
        body: bytes,
        mapped: dict[str, dict[str, str]],
    ) -> _Backend | GatewayError:
        if self.aws_endpoint is None:
            return GatewayError("API_CONFIGURATION_ERROR", "no AWS endpoint to call")
        model = _service_model(service)
        if model is None:
            logger.warning("AWS integration: unknown service %r", service)
            return GatewayError("API_CONFIGURATION_ERROR")
        headers = dict(mapped["header"].items())
        query = dict(mapped["querystring"])
        if kind == "action":
            action, _, extra = rest.partition("&")
            query.update(urllib.parse.parse_qsl(extra))
            protocol = model.metadata.get("protocol", "")
            if protocol == "json" or "json" in (model.metadata.get("protocols") or []):
                path, http_method = "/", "POST"
                headers.setdefault("X-Amz-Target", f"{model.metadata['targetPrefix']}.{action}")
                headers.setdefault(
                    "Content-Type",
                    f"application/x-amz-json-{model.metadata.get('jsonVersion', '1.0')}",
                )
            elif protocol in ("query", "ec2"):
                path, http_method = "/", "POST"
                form = f"Action={action}&Version={model.metadata['apiVersion']}"
                body = f"{form}&{body.decode()}".encode() if body.strip() else form.encode()
                headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
            else:
                logger.warning("AWS integration: action calls to %s (%s)", service, protocol)
                return GatewayError("API_CONFIGURATION_ERROR")
        else:
            path = "/" + _PLACEHOLDER.sub(
                lambda m: urllib.parse.quote(mapped["path"].get(m.group(1), ""), safe=""),
                rest,
            )
        url = self.aws_endpoint + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        signed = AWSRequest(method=http_method.upper(), url=url, data=body, headers=headers)
        signer = S3SigV4Auth if service == "s3" else SigV4Auth
        signer(_CREDENTIALS, model.signing_name or service, self.region).add_auth(signed)
        answer = self._http.request(
            http_method.upper(),
            url,
            body=body,
            headers=dict(signed.headers.items()),
            redirect=False,
        )
        return _Backend(
            answer.status, list(answer.headers.items()), answer.data, str(answer.status)
        )

    # -- mapping ---------------------------------------------------------------------------

    def _request_body(
        self, request: MethodRequest, integration: IntegrationLike
    ) -> bytes | GatewayError:
        templates = integration.request_templates
        media_type = request.content_type or "application/json"
        if media_type not in templates:
            behavior = (integration.passthrough_behavior or "WHEN_NO_MATCH").upper()
            if behavior == "NEVER" or (behavior == "WHEN_NO_TEMPLATES" and templates):
                return GatewayError("UNSUPPORTED_MEDIA_TYPE")
            return request.body
        template = templates[media_type] or ""  # moto keeps an empty template as None
        if not template.strip():
            return request.body
        try:
            return render(
                template,
                payload=request.template_input(request.body),
                context=request.context,
                stage_variables=request.stage_variables,
            ).encode()
        except MappingTemplateError as error:
            logger.warning("request mapping template failed: %s", error)
            return GatewayError("API_CONFIGURATION_ERROR")

    def _request_parameters(
        self, request: MethodRequest, integration: IntegrationLike
    ) -> dict[str, dict[str, str]]:
        """``integration.request.*`` values, the template's overrides on top."""
        mapped: dict[str, dict[str, str]] = {"header": {}, "querystring": {}, "path": {}}
        for target, source in (integration.request_parameters or {}).items():
            parts = target.split(".", 3)
            if len(parts) == 4 and parts[2] in mapped:
                value = request.parameter(source)
                if value is not None:
                    mapped[parts[2]][parts[3]] = value
        for name, value in request.path_parameters.items():
            mapped["path"].setdefault(name, value)
        overrides = request.context.get("requestOverride") or {}
        for location, values in mapped.items():
            for name, value in (overrides.get(location) or {}).items():
                values[name] = str(value)
        return mapped

    def _respond(
        self, request: MethodRequest, integration: IntegrationLike, backend: _Backend
    ) -> HttpResponse | GatewayError:
        chosen = _select_response(integration.responses, backend.selector)
        if chosen is None:
            logger.warning(
                "no integration response matches %r and none is the default", backend.selector
            )
            return GatewayError("API_CONFIGURATION_ERROR")
        headers: list[tuple[str, str]] = []
        for name, source in (chosen.response_parameters or {}).items():
            if name.startswith("method.response.header."):
                value = _response_parameter(source, backend, request)
                if value is not None:
                    headers.append((name[23:], value))
        templates = {k: v or "" for k, v in (chosen.response_templates or {}).items()}
        media_type = next(
            (t for t in (request.accept, "application/json") if t in templates),
            next(iter(templates), None),
        )
        body = backend.body
        status = int(chosen.status_code)
        if media_type is not None and templates[media_type].strip():
            context = request.context
            context["responseOverride"] = {"header": {}, "status": None}
            try:
                body = render(
                    templates[media_type],
                    payload=request.template_input(backend.body),
                    context=context,
                    stage_variables=request.stage_variables,
                ).encode()
            except MappingTemplateError as error:
                logger.warning("response mapping template failed: %s", error)
                return GatewayError("API_CONFIGURATION_ERROR")
            override = context["responseOverride"]
            if str(override.get("status") or "").isdigit():
                status = int(override["status"])
            headers += [(str(k), str(v)) for k, v in (override.get("header") or {}).items()]
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", media_type or "application/json"))
        return HttpResponse(status, headers, body)


def _select_response(responses: Sequence[Any], selector: str) -> Any | None:
    """The response whose selection pattern matches the whole selector, else the default."""
    for response in responses:
        pattern = response.selection_pattern
        if pattern and re.fullmatch(pattern, selector):
            return response
    return next((r for r in responses if not r.selection_pattern), None)


def _response_parameter(source: str, backend: _Backend, request: MethodRequest) -> str | None:
    if source.startswith("integration.response.header."):
        name = source[28:].lower()
        return next((v for k, v in backend.headers if k.lower() == name), None)
    if source == "integration.response.body":
        return backend.body.decode("utf-8", "replace")
    if source.startswith("integration.response.body."):
        value = Input(backend.body).path("$." + source[26:])
        return None if value is None else (value if isinstance(value, str) else json.dumps(value))
    return request.parameter(source)


@cache
def _endpoint_prefixes() -> dict[str, str]:
    """botocore's service name by endpoint prefix, for the few that differ (loads every
    model: only done for a prefix that is not a service name)."""
    session = botocore.session.get_session()
    return {
        session.get_service_model(name).endpoint_prefix: name
        for name in session.get_available_services()
    }


@cache
def _service_model(service: str) -> Any:
    """The URI's service is an endpoint prefix: mostly botocore's name (``sqs``), not always
    (``states`` is ``stepfunctions``)."""
    session = botocore.session.get_session()
    name = _KNOWN_PREFIXES.get(service, service)
    if name not in session.get_available_services():
        name = _endpoint_prefixes().get(service, "")
    return session.get_service_model(name) if name else None


_KNOWN_PREFIXES = {
    "states": "stepfunctions",
    "execute-api": "apigateway",
    "monitoring": "cloudwatch",
    "email": "ses",
}
