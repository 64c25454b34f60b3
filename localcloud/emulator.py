"""The emulator: moto's server, in this process, on loopback, with every registered moto gap
applied (``moto_helpers.gaps``; importing ``localcloud`` registers them all)."""

from __future__ import annotations

import errno
import logging
import os
import socket
import threading
from typing import Any

import boto3
from botocore.config import Config
from moto.core.config import default_user_config
from moto.server import ThreadedMotoServer

from .moto_helpers import gaps

DEFAULT_PORT = 4566
# Loopback only: the local cloud has no authentication.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_REGION = "us-east-1"
# moto's default account; the emulator accepts any credentials.
ACCOUNT_ID = "123456789012"
FAKE_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
# moto's server binds in a thread of its own and, if it cannot, leaves start() waiting forever.
_SERVER_START_TIMEOUT_S = 30.0


class PortInUseError(RuntimeError):
    """A port the local cloud would serve on is taken (by another program, or another local
    cloud)."""

    def __init__(self, host: str, port: int, what: str) -> None:
        super().__init__(f"port {port} on {host} ({what}) is already in use by another program")
        self.port = port


def ensure_port_free(host: str, port: int, what: str) -> None:
    """Raises :class:`PortInUseError` unless ``port`` can be bound on ``host`` now, with the
    options a server binding it uses (``SO_REUSEADDR``, as werkzeug's and socketserver's)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortInUseError(host, port, what) from error
            raise


class Emulator:
    """moto's server, in this process, on loopback."""

    def __init__(
        self, port: int = DEFAULT_PORT, host: str = DEFAULT_HOST, region: str = DEFAULT_REGION
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
        """Serve; :class:`PortInUseError` at once if the port is taken."""
        gaps.apply()
        ensure_port_free(self.host, self.port, "the AWS emulator")
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
        # Should another program take the port between the check and moto's bind, moto's
        # start() would wait forever: wait for it in a thread, for a bounded time.
        starting = threading.Thread(target=self._server.start, name="moto-start", daemon=True)
        starting.start()
        starting.join(_SERVER_START_TIMEOUT_S)
        if starting.is_alive():
            self._server = None
            self._give_back_moto_port()
            raise PortInUseError(self.host, self.port, "the AWS emulator")
        return self

    def stop(self) -> None:
        """Stop serving. moto's state is per process and stays; MOTO_PORT is given back, so an
        emulator started before this one (in the same process) keeps working."""
        if self._server is not None:
            self._server.stop()
            self._server = None
            self._give_back_moto_port()

    def _give_back_moto_port(self) -> None:
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
