"""What the handler tests give a handler in place of Lambda: fake credentials, a stand-in for
the context it gets (the attributes Powertools' Logger, Metrics and idempotency read), and its
module loaded anew in the current mock and environment."""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from types import ModuleType

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
# Never AWS: fake credentials and a fixed region, set before any client exists.
FAKE_AWS = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


@dataclass(frozen=True)
class FakeLambdaContext:
    function_name: str = "items-api"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:items-api"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name: str = "/aws/lambda/items-api"
    log_stream_name: str = "2024/01/01/[$LATEST]abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def fresh_module(module: str) -> ModuleType:
    """``module`` imported, or reloaded if it was: its module-level clients and settings are
    made again, inside the current mock and environment. Only that module is reloaded;
    Powertools, boto3 and the models stay imported, so the exception classes a handler maps to
    status codes keep their identity."""
    if module in sys.modules:
        return importlib.reload(sys.modules[module])
    return importlib.import_module(module)
