"""What CDK's ``AwsCustomResource`` (``Custom::AWS``) does, done with boto3 against the emulator.

The construct's provider is a Node.js function that makes one AWS SDK call per event (the
resource's ``Create``, ``Update`` or ``Delete`` property: a JSON object with ``service``,
``action``, ``parameters``, ``region``, ``physicalResourceId``, ``ignoreErrorCodesMatching``,
``outputPaths``) and answers with the SDK's response flattened into dotted attribute names
(``Parameter.Value``, ``Items.0.Name``) for ``Fn::GetAtt``. Services are named as the
JavaScript SDK names them (v2: ``SSM``, ``CloudWatchLogs``; v3: ``@aws-sdk/client-ssm``) and
actions in camelCase (v2) or PascalCase (v3); both map onto boto3's names.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError

# JavaScript SDK v2 class names that are not boto3's service names or ids, normalized.
_ALIASES = {"cloudwatchlogs": "logs", "cognitoidentityserviceprovider": "cognito-idp",
            "stepfunctions": "stepfunctions", "eventbridge": "events", "iotdata": "iot-data",
            "elbv2": "elbv2", "elb": "elb", "es": "es"}  # fmt: skip


class SdkCallError(RuntimeError):
    """The call failed and its error code is not one the resource ignores."""


def _normalized(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@cache
def _services() -> dict[str, str]:
    """Every boto3 service by its normalized name and its normalized service id."""
    session = boto3.session.Session()
    names: dict[str, str] = {}
    for service in session.get_available_services():
        names[_normalized(service)] = service
        model = session._loader.load_service_model(service, "service-2")
        names.setdefault(_normalized(model["metadata"].get("serviceId", service)), service)
    return names


def boto3_service(sdk_service: str) -> str:
    """``SSM``, ``CloudWatchLogs`` or ``@aws-sdk/client-ssm`` -> boto3's ``ssm``, ``logs``."""
    name = _normalized(sdk_service.removeprefix("@aws-sdk/client-"))
    service = _ALIASES.get(name) or _services().get(name)
    if service is None:
        raise SdkCallError(f"unknown AWS SDK service {sdk_service!r}")
    return service


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """The provider's flattening of a response: nested keys joined with dots, list items by
    index, leaves kept as they are (dates as ISO strings)."""
    items: list[tuple[str, Any]]
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = [(str(index), item) for index, item in enumerate(value)]
    else:
        return {prefix: value.isoformat() if hasattr(value, "isoformat") else value}
    flat: dict[str, Any] = {}
    for key, item in items:
        flat.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return flat


@dataclass(frozen=True)
class SdkCall:
    service: str
    action: str
    parameters: dict[str, Any]
    region: str | None
    physical_resource_id: dict[str, Any]
    ignore_error_codes: str | None
    output_paths: list[str] | None

    @classmethod
    def parse(cls, text: str) -> SdkCall:
        call = json.loads(text)
        output_paths = call.get("outputPaths") or (
            [call["outputPath"]] if call.get("outputPath") else None
        )
        return cls(
            service=call["service"],
            action=call["action"],
            parameters=call.get("parameters") or {},
            region=call.get("region"),
            physical_resource_id=call.get("physicalResourceId") or {},
            ignore_error_codes=call.get("ignoreErrorCodesMatching"),
            output_paths=output_paths,
        )

    def run(self, endpoint: str, default_region: str) -> dict[str, Any]:
        """Make the call; the flattened response (empty when an ignored error happened)."""
        client = boto3.client(
            boto3_service(self.service),
            endpoint_url=endpoint,
            region_name=self.region or default_region,
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=Config(retries={"max_attempts": 1}),
        )
        method = getattr(client, xform_name(self.action[:1].lower() + self.action[1:]))
        try:
            response = method(**self.parameters)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if self.ignore_error_codes and re.search(self.ignore_error_codes, code):
                return {}
            raise SdkCallError(f"{self.service}.{self.action} failed: {error}") from error
        response.pop("ResponseMetadata", None)
        flat = flatten(response)
        if self.output_paths:
            flat = {
                key: value
                for key, value in flat.items()
                if any(key == path or key.startswith(f"{path}.") for path in self.output_paths)
            }
        return flat

    def physical_id(self, flat: dict[str, Any], default: str) -> str:
        if "id" in self.physical_resource_id:
            return str(self.physical_resource_id["id"])
        path = self.physical_resource_id.get("responsePath")
        return str(flat[path]) if path else default


def emulator_endpoint() -> str:
    """moto calls itself at localhost:$MOTO_PORT (the emulator sets it)."""
    return f"http://localhost:{os.environ.get('MOTO_PORT', '5000')}"
