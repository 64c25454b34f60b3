"""What every demo step uses: an HTTP call that answers whatever came back, the report the
checks go into, a stack found by its outputs, and AWS clients aimed where the outputs say."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Http:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Http:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None and not request.has_header("Content-type"):
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Http(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Http(error.code, dict(error.headers), error.read())


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)

    def section(self, title: str) -> None:
        print(f"\n== {title}")

    def check(self, what: str, ok: bool, detail: str = "") -> None:
        print(f"  {'ok ' if ok else 'FAIL'} {what}" + (f": {detail}" if detail else ""))
        if not ok:
            self.failures.append(what)


def outputs_with(outputs: dict[str, dict[str, str]], *keys: str) -> dict[str, str] | None:
    return next((o for o in outputs.values() if all(k in o for k in keys)), None)


def said(response: Http) -> str:
    return f"{response.status} {response.body.decode(errors='replace')[:160]}"


def client_options(outputs: dict[str, Any]) -> dict[str, Any]:
    """boto3 client arguments for the cloud an outputs file describes: the local cloud's
    endpoint and local credentials when it names one (``LocalCloud``), else none (AWS)."""
    endpoint = (outputs.get("LocalCloud") or {}).get("AwsEndpointUrl")
    if not endpoint:
        return {}
    return {
        "endpoint_url": endpoint,
        "region_name": "us-east-1",
        "aws_access_key_id": "local",
        "aws_secret_access_key": "local",
    }
