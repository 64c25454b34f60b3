"""DynamoDB requests made at the same time behave as DynamoDB's: each one atomic.

Gap (moto/dynamodb/models/__init__.py): the emulator's server answers requests on several
threads, and moto's backend takes no lock. A conditional write checks its condition and then
writes (``put_item``, :249; ``update_item``, :438), so two writers can both pass the check
(two orders both take the last unit; stock goes below zero). ``transact_write_items`` (:604)
deep-copies every table it touches before it starts and, if any condition fails, puts those
copies back (:701-715), undoing whatever other requests wrote to those tables meanwhile.

:func:`patch` serializes the item operations of every DynamoDB backend on one re-entrant
lock (a transaction calls ``put_item`` and friends itself), which makes each request atomic
and isolated, as DynamoDB guarantees for conditional writes and transactions.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

_OPERATIONS = (
    "put_item",
    "get_item",
    "update_item",
    "delete_item",
    "query",
    "scan",
    "transact_write_items",
)
_lock = threading.RLock()


def _atomic(operation: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(operation)
    def one_at_a_time(*args: Any, **kwargs: Any) -> Any:
        with _lock:
            return operation(*args, **kwargs)

    one_at_a_time.__wrapped_by_localcloud__ = True  # type: ignore[attr-defined]
    return one_at_a_time


def patch() -> None:
    for name in _OPERATIONS:
        operation = getattr(DynamoDBBackend, name)
        if not getattr(operation, "__wrapped_by_localcloud__", False):
            setattr(DynamoDBBackend, name, _atomic(operation))
