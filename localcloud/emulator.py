"""The emulator: moto's server, in this process, on loopback, with every registered moto gap
applied (``moto_helpers.gaps``; importing ``localcloud`` registers them all)."""

from __future__ import annotations

import logging
import os
from typing import Any

import boto3
from botocore.config import Config
from moto.core.config import default_user_config
from moto.server import ThreadedMotoServer

from .moto_helpers import gaps

DEFAULT_PORT = 4566
DEFAULT_REGION = "us-east-1"
# moto's default account; the emulator accepts any credentials.
ACCOUNT_ID = "123456789012"
FAKE_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


class Emulator:
    """moto's server, in this process, on loopback."""

    def __init__(
        self, port: int = DEFAULT_PORT, host: str = "127.0.0.1", region: str = DEFAULT_REGION
    ):
        self.port = port
        self.host = host
        self.region = region
        self._server: Any = None
        self._previous_moto_port: str | None = None

    @property
    def endpoint(self) -> str:
        # "localhost", not 127.0.0.1: the CDK CLI and S3 path-style addressing expect it.
        return f"http://localhost:{self.port}"

    def start(self) -> Emulator:
        gaps.apply()
        # moto calls itself at localhost:$MOTO_PORT (Step Functions tasks, custom resource
        # response URLs); werkzeug's per-request log lines would drown the console.
        self._previous_moto_port = os.environ.get("MOTO_PORT")
        os.environ["MOTO_PORT"] = str(self.port)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        # Same effect as POST /moto-api/config; in-process we set it directly. Must be on
        # before any state machine exists: moto keeps executing and non-executing
        # Step Functions backends apart.
        default_user_config["stepfunctions"] = {"execute_state_machine": True}
        self._server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving. moto's state is per process and stays; MOTO_PORT is given back, so an
        emulator started before this one (in the same process) keeps working."""
        if self._server is not None:
            self._server.stop()
            self._server = None
            if self._previous_moto_port is None:
                os.environ.pop("MOTO_PORT", None)
            else:
                os.environ["MOTO_PORT"] = self._previous_moto_port

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.region,
            config=Config(retries={"max_attempts": 1}),
            **FAKE_CREDENTIALS,
        )

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
