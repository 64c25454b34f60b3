"""One function's configuration, as the runtime runs it: what the Lambda API and moto's model
describe, in the runtime's own terms (``moto_gaps.spec_from_moto`` reads it from moto)."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class LayerCode:
    """One layer version a function uses: its ARN and its zip (``code_sha`` names the
    content, as for the function's code)."""

    arn: str
    code_zip: bytes = field(repr=False)
    code_sha: str

    @property
    def code_key(self) -> str:
        return self.code_sha or hashlib.sha256(self.code_zip).hexdigest()


@dataclass(frozen=True)
class FunctionSpec:
    """One function's configuration, as Lambda knows it.

    Code is either a directory (``code_dir``) or a zip archive (``code_zip``, identified by
    ``code_sha``, any string unique to the archive's content: a hex or base64 SHA-256).
    ``layers`` are extracted in order after it, as Lambda merges them into ``/opt``.
    """

    name: str
    arn: str
    handler: str
    code_dir: Path | None = None
    code_zip: bytes | None = None
    code_sha: str | None = None
    layers: tuple[LayerCode, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = 3.0
    memory_mb: int = 128
    runtime: str = "python3.11"
    version: str = "$LATEST"
    # Asynchronous invocation: retries, dead-letter queue, destinations (ARNs).
    max_retry_attempts: int = 2
    dead_letter_arn: str | None = None
    on_success_arn: str | None = None
    on_failure_arn: str | None = None
    # Reserved concurrency: caps the function's workers below the runtime's own limit.
    max_workers: int | None = None
    # LoggingConfig: the log group (None: /aws/lambda/<name>), Text or JSON, and in JSON the
    # lowest application log level Lambda sends (None: all).
    log_group: str | None = None
    log_format: str = "Text"
    application_log_level: str | None = None

    @property
    def log_group_name(self) -> str:
        return self.log_group or f"/aws/lambda/{self.name}"

    @functools.cached_property
    def code_key(self) -> str:
        if self.code_dir is not None:
            return str(self.code_dir)
        if self.code_sha:
            return self.code_sha
        return hashlib.sha256(self.code_zip or b"").hexdigest()

    def fingerprint(self) -> tuple[Any, ...]:
        """What a running worker depends on: a change means new execution environments."""
        return (
            self.arn,
            self.handler,
            self.code_key,
            tuple(layer.code_key for layer in self.layers),
            tuple(sorted(self.environment.items())),
            self.memory_mb,
            self.runtime,
            self.version,
            self.log_group_name,
            self.log_format,
            self.application_log_level,
        )
